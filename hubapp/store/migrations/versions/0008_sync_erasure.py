"""sync: erasures are captured and travel to the central database; refused changes are kept

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 19:00:00.000000

Migration 0005 captured inserts and updates. A synced row is deleted only when it is erased
(retention, a subject's request); this puts back every capture trigger with the delete one
(``hubapp.store.capture.trigger_sql``), which drops the row's waiting changes and conflicts and
queues an ``erase`` op without values. ``sync_refusal`` keeps the changes the central
database refused, for a person to see (``hubapp.sync.refusals``).
"""

import sqlalchemy as sa
from alembic import op

from hubapp.store import capture

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: the captured tables at this revision (frozen: later revisions add their own)
CAPTURED = [
    "station", "place", "case_", "person", "case_person", "case_place", "contact", "assignment",
    "action", "note", "case_status_change", "sara_plan", "risk_assessment", "intervention",
    "intervention_breach", "meeting", "agenda_item", "meeting_attendance", "meeting_decision",
]  # fmt: skip


def upgrade() -> None:
    capture.install(op.get_bind(), CAPTURED)
    op.create_table(
        "sync_refusal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.String(length=32), nullable=False),
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.Text(), server_default="[]", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("record_label", sa.String(length=200), server_default="", nullable=False),
        sa.Column("refused_at", sa.String(length=32), nullable=False),
        sa.Column("dismissed_at", sa.String(length=32), nullable=True),
        sa.Column("dismissed_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_refusal")),
        sa.UniqueConstraint("op_id", name=op.f("uq_sync_refusal_op_id")),
    )
    op.create_index("ix_sync_refusal_open", "sync_refusal", ["dismissed_at"])


def downgrade() -> None:
    op.drop_index("ix_sync_refusal_open", table_name="sync_refusal")
    op.drop_table("sync_refusal")
    capture.install(op.get_bind(), CAPTURED, erasures=False)
