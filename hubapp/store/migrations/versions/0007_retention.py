"""retention: decisions of the retention review to keep a record for longer (local, not synced)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-16 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_decision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_decision")),
    )
    op.create_index(
        "ix_retention_decision_record", "retention_decision", ["entity", "record_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_retention_decision_record", table_name="retention_decision")
    op.drop_table("retention_decision")
