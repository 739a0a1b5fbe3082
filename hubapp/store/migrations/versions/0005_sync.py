"""sync: the outbox, pull cursors and conflicts of central sync; capture triggers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000

The capture triggers are made from the columns the tables have now (hubapp.store.capture);
a later migration that adds a column to a captured table calls ``capture.install`` again.
"""

import sqlalchemy as sa
from alembic import op

from hubapp.store import capture

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: the tables captured at this revision (frozen here, parents before children)
CAPTURED = [
    "station", "place", "case_", "person", "case_person", "case_place", "contact",
    "assignment", "action", "note", "case_status_change", "sara_plan", "risk_assessment",
    "intervention", "intervention_breach", "meeting", "agenda_item", "meeting_attendance",
    "meeting_decision",
]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.String(length=32), nullable=False),
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("made_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sa.UniqueConstraint("op_id", name=op.f("uq_sync_outbox_op_id")),
    )
    op.create_table(
        "sync_cursor",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_sync_cursor")),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("base_value", sa.Text(), nullable=True),
        sa.Column("kept_value", sa.Text(), nullable=True),
        sa.Column("other_value", sa.Text(), nullable=True),
        sa.Column("other_station", sa.String(length=32), nullable=False),
        sa.Column("detected_at", sa.String(length=32), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    capture.install(op.get_bind(), CAPTURED, erasures=False)


def downgrade() -> None:
    capture.drop(op.get_bind(), CAPTURED)
    op.drop_table("sync_conflict")
    op.drop_table("sync_cursor")
    op.drop_table("sync_outbox")
