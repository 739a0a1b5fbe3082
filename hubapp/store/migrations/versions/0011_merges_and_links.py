"""people across cases: merges of duplicate people, linked cases, pairs found distinct

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:30:00.000000

``person_merge`` records each merge of one person into another (the links moved, both
people's details before), so that it can be undone and the kept person's page shows the
details the other had; ``case_link`` links two cases (related, or the same problem). Both
are synced and captured like every case-work table (central revision c0007 allows them).
``person_distinct`` keeps, on this station only, the pairs a person found to be different
people in the review of likely duplicates.
"""

import sqlalchemy as sa
from alembic import op

from hubapp.store import capture

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SYNCED = ["person_merge", "case_link"]


def _synced() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "person_merge",
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("kept_id", sa.Uuid(), nullable=False),
        sa.Column("dropped_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("merged_by", sa.String(length=120), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("kept_before", sa.JSON(), nullable=False),
        sa.Column("dropped_values", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(length=120), nullable=False),
        sa.Column("undo_reason", sa.Text(), nullable=False),
        *_synced(),
        sa.ForeignKeyConstraint(["hub_id"], ["hub.id"], name=op.f("fk_person_merge_hub_id_hub")),
        sa.ForeignKeyConstraint(
            ["kept_id"], ["person.id"], name=op.f("fk_person_merge_kept_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["dropped_id"], ["person.id"], name=op.f("fk_person_merge_dropped_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merge")),
    )
    op.create_index(op.f("ix_person_merge_kept_id"), "person_merge", ["kept_id"])
    op.create_index(op.f("ix_person_merge_dropped_id"), "person_merge", ["dropped_id"])

    op.create_table(
        "case_link",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("other_case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        *_synced(),
        sa.ForeignKeyConstraint(["case_id"], ["case_.id"], name=op.f("fk_case_link_case_id_case_")),
        sa.ForeignKeyConstraint(
            ["other_case_id"], ["case_.id"], name=op.f("fk_case_link_other_case_id_case_")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_link")),
    )
    op.create_index(op.f("ix_case_link_case_id"), "case_link", ["case_id"])
    op.create_index(op.f("ix_case_link_other_case_id"), "case_link", ["other_case_id"])

    op.create_table(
        "person_distinct",
        sa.Column("first_id", sa.Uuid(), nullable=False),
        sa.Column("second_id", sa.Uuid(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("first_id", "second_id", name=op.f("pk_person_distinct")),
    )
    capture.install(op.get_bind(), SYNCED)


def downgrade() -> None:
    capture.drop(op.get_bind(), SYNCED)
    op.drop_table("person_distinct")
    op.drop_index(op.f("ix_case_link_other_case_id"), table_name="case_link")
    op.drop_index(op.f("ix_case_link_case_id"), table_name="case_link")
    op.drop_table("case_link")
    op.drop_index(op.f("ix_person_merge_dropped_id"), table_name="person_merge")
    op.drop_index(op.f("ix_person_merge_kept_id"), table_name="person_merge")
    op.drop_table("person_merge")
