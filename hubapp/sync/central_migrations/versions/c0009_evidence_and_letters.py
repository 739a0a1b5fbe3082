"""central: evidence and letters (station schema 0013)

Revision ID: c0009
Revises: c0008
Create Date: 2026-12-07 23:50:00.000000

Three synced tables join the allow-list, checked by the same rules as every other:

* rows of a case (their parent): ``attachment`` (a file's record: its content travels
  separately, in chunks) and ``communication`` (a letter sent, append-only); the contacts,
  actions, interventions, people and attachments they point at the station must see. What a
  file is (its name, size, SHA-256 and chunking) never changes once recorded;
* rows of the writing station's hub: ``letter_template`` (a hub's versions of a standard
  letter, append-only).

Compatible: an older station never sends these tables, and one that pulls them sets the rows
aside as a table it does not know (``hubapp.sync.inbound``).
"""

from alembic import op

from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006
from hubapp.sync.central_migrations.versions import c0007_merges_and_links as c0007
from hubapp.sync.central_migrations.versions import c0008_statutory_casework as c0008

revision = "c0009"
down_revision = "c0008"
branch_labels = None
depends_on = None

_META = c0007._META

#: the columns of the new tables, as c0006.C lists the others
C = {
    "attachment": [
        ("case_id", "ref", None, False), ("title", "text", 200, False),
        ("kind", "text", 16, False), ("file_name", "text", 255, False),
        ("media_type", "text", 100, False), ("size", "int", None, False),
        ("sha256", "text", 64, False), ("chunk_size", "int", None, False),
        ("chunk_count", "int", None, False), ("added_by", "text", 120, False),
        ("agency_id", "id", None, True), ("contact_id", "ref", None, True),
        ("action_id", "ref", None, True), ("intervention_id", "ref", None, True),
        ("note", "text", None, False), *_META,
    ],
    "letter_template": [
        ("hub_id", "hub", None, False), ("name", "text", 60, False),
        ("version", "int", None, False), ("title", "text", 200, False),
        ("agencies", "json", None, False), ("marking", "text", 40, False),
        ("subject", "text", 200, False), ("body", "text", None, False),
        ("edited_by", "text", 120, False), ("reason", "text", None, False), *_META,
    ],
    "communication": [
        ("case_id", "ref", None, False), ("person_id", "ref", None, True),
        ("method", "text", 12, False), ("template_name", "text", 60, False),
        ("template_version", "int", None, True), ("subject", "text", 200, False),
        ("address", "text", None, False), ("agency_id", "id", None, True),
        ("sent_by", "text", 120, False), ("sent_at", "datetime", None, False),
        ("attachment_id", "ref", None, True), ("batch_id", "id", None, True), *_META,
    ],
}  # fmt: skip
PARENTS = {"attachment": ("case_id",), "communication": ("case_id",)}
APPEND_ONLY = ("letter_template", "communication")
#: what a file is, and what a letter was, never change once recorded
FIXED = {("attachment", c) for c in ("file_name", "media_type", "size", "sha256",
                                     "chunk_size", "chunk_count")} | {
    ("communication", c) for c in ("person_id", "template_name", "template_version",
                                   "sent_at", "attachment_id", "batch_id")} | {
    ("letter_template", c) for c in ("name", "version", "body")}  # fmt: skip


def upgrade() -> None:
    op.execute(c0006.allow_list_sql(C, PARENTS, APPEND_ONLY, FIXED,
                                    first=len(c0006.C) + len(c0007.C) + len(c0008.C)))  # fmt: skip


def downgrade() -> None:
    tables = ", ".join(f"'{t}'" for t in C)
    op.execute(f"DELETE FROM sync_column WHERE tbl IN ({tables});"
               f"DELETE FROM sync_table WHERE tbl IN ({tables});")  # fmt: skip
