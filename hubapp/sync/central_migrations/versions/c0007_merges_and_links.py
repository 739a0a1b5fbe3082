"""central: merges of duplicate people and linked cases (station schema 0011)

Revision ID: c0007
Revises: c0006
Create Date: 2026-12-07 15:30:00.000000

Two synced tables join the allow-list, checked by the same rules as every other:

* ``person_merge``: one person merged into another. A row of the merging station's hub
  (``hub``), pointing at both people (``ref``: the station must see them). It holds both
  people's details, so no other hub ever receives it: they get the moved links and the
  voided person, which are ordinary updates of rows they may already see.
* ``case_link``: two cases linked (related, or the same problem); a row of the case it was
  made on (its parent), pointing at the other case, which the station must see.

Compatible: an older station never sends these tables, and one that pulls a row of them
sets it aside as a table it does not know (``hubapp.sync.inbound``).
"""

from alembic import op

from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006

revision = "c0007"
down_revision = "c0006"
branch_labels = None
depends_on = None

_META = [("created_at", "datetime", None, False), ("updated_at", "datetime", None, False),
         ("station_id", "id", None, True), ("voided", "bool", None, False)]  # fmt: skip

#: the columns of the new tables, as c0006.C lists the others
C = {
    "person_merge": [
        ("hub_id", "hub", None, False), ("kept_id", "ref", None, False),
        ("dropped_id", "ref", None, False), ("reason", "text", None, False),
        ("merged_by", "text", 120, False), ("merged_at", "datetime", None, False),
        ("moved", "json", None, False), ("kept_before", "json", None, False),
        ("dropped_values", "json", None, False), ("undone_at", "datetime", None, True),
        ("undone_by", "text", 120, False), ("undo_reason", "text", None, False), *_META,
    ],
    "case_link": [
        ("case_id", "ref", None, False), ("other_case_id", "ref", None, False),
        ("kind", "text", 16, False), ("reason", "text", None, False),
        ("created_by", "text", 120, False), *_META,
    ],
}  # fmt: skip
PARENTS = {"case_link": ("case_id",)}
#: who merged, when and what moved never change once recorded (an undo fills undone_*)
FIXED = {("person_merge", n) for n in ("kept_id", "dropped_id", "merged_at", "moved",
                                       "kept_before", "dropped_values")} | {
    ("case_link", "other_case_id")}  # fmt: skip


def upgrade() -> None:
    op.execute(c0006.allow_list_sql(C, PARENTS, (), FIXED, first=len(c0006.C)))


def downgrade() -> None:
    op.execute("DELETE FROM sync_column WHERE tbl IN ('person_merge', 'case_link');"
               "DELETE FROM sync_table WHERE tbl IN ('person_merge', 'case_link');")  # fmt: skip
