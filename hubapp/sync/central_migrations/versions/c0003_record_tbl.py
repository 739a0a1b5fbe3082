"""central: an index on the record table's table name

Revision ID: c0003
Revises: c0002
Create Date: 2026-11-25 18:00:00.000000

A new station's first copy reads the records one table at a time, parents before children
(SQLite checks deferred foreign keys cheaply only when a parent arrives before its
children). Compatible: older stations read the records in one pass and do not need it.
"""

from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_record_tbl ON record (tbl)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_record_tbl")
