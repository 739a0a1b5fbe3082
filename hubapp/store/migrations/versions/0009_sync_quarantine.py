"""sync: changes from the central database that break the rules are set aside

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00.000000

What a station pulls is input (``hubapp.sync.inbound``): a change-log entry for a table a
station never receives, with a malformed id, a value of the wrong type, or pointing at a row
this station cannot have is not written. ``sync_quarantine`` keeps it aside with why (the
names of its fields, never their values) for a person to see in Tools > Central database,
and the pull goes on with the next entry.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.Text(), server_default="[]", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("from_station", sa.String(length=32), server_default="", nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("dismissed_at", sa.String(length=32), nullable=True),
        sa.Column("dismissed_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_quarantine")),
    )
    op.create_index("ix_sync_quarantine_open", "sync_quarantine", ["dismissed_at"])


def downgrade() -> None:
    op.drop_index("ix_sync_quarantine_open", table_name="sync_quarantine")
    op.drop_table("sync_quarantine")
