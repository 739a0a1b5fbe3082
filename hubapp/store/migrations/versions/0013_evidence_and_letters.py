"""evidence and letters: attachments on cases, standard letters and the letters sent

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 23:45:00.000000

New synced tables, captured like every case-work table (central revision c0009 allows them):

* ``attachment``: a file kept on a case (its title, kind, name, type, size, SHA-256 and what
  it is evidence of). Its content is not captured: it travels in chunks through its own
  channel (``hubapp.sync.files``);
* ``letter_template``: a hub's versions of a standard letter (append-only);
* ``communication``: a letter sent to a person on a case.

New local tables: ``attachment_chunk`` (an attachment's content, in chunks, inside the
encrypted database; ``sent`` says the central database holds the chunk) and
``attachment_thumb`` (small pictures, made in the background). Deleting an attachment's row
(an erasure) deletes its chunks and picture in the same statement (a trigger), so that no
content outlives its record.
"""

import sqlalchemy as sa
from alembic import op

from hubapp.store import capture

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NEW = ["attachment", "letter_template", "communication"]
#: an attachment's content and picture go with its row, whoever deletes it
CONTENT_GOES_WITH_ROW = (
    "CREATE TRIGGER attachment_content_ad AFTER DELETE ON attachment BEGIN "
    "DELETE FROM attachment_chunk WHERE attachment_id = old.id; "
    "DELETE FROM attachment_thumb WHERE attachment_id = old.id; END"
)


def upgrade() -> None:
    op.create_table(
        "attachment_chunk",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_chunk")),
        sa.UniqueConstraint(
            "attachment_id", "part", "seq", name=op.f("uq_attachment_chunk_attachment_id")
        ),
    )
    op.create_index(
        "ix_attachment_chunk_unsent", "attachment_chunk", ["sent", "attachment_id"], unique=False
    )

    op.create_table(
        "attachment_thumb",
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_attachment_thumb")),
    )
    op.create_table(
        "letter_template",
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("marking", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("edited_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["hub_id"], ["hub.id"], name=op.f("fk_letter_template_hub_id_hub")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_template")),
        sa.UniqueConstraint("hub_id", "name", "version", name=op.f("uq_letter_template_hub_id")),
    )
    op.create_index(op.f("ix_letter_template_hub_id"), "letter_template", ["hub_id"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("action_id", sa.Uuid(), nullable=True),
        sa.Column("intervention_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_attachment_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_attachment_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_attachment_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_attachment_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_attachment_intervention_id_intervention"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index(op.f("ix_attachment_case_id"), "attachment", ["case_id"], unique=False)
    op.create_index("ix_attachment_case_sha", "attachment", ["case_id", "sha256"], unique=False)

    op.create_table(
        "communication",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("template_name", sa.String(length=60), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("sent_by", sa.String(length=120), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_communication_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_communication_attachment_id_attachment"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_communication_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_communication_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication")),
    )
    op.create_index(op.f("ix_communication_case_id"), "communication", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_communication_person_id"), "communication", ["person_id"], unique=False
    )
    op.execute(CONTENT_GOES_WITH_ROW)
    capture.install(op.get_bind(), NEW)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS attachment_content_ad")
    capture.drop(op.get_bind(), NEW)
    for table in ("communication", "attachment", "letter_template", "attachment_thumb",
                  "attachment_chunk"):  # fmt: skip
        op.drop_table(table)
