"""case list indexes: covering indexes so the case list filters and sorts without table reads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:40:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Each index carries every column the case list filters on, so counting, ordering and
# paging 100,000 cases reads only the index, never the (much wider) table rows.
INDEXES = {
    # full-text hits arrive as case_.seq: look each one up here
    "ix_case_by_seq": "seq, voided, hub_id, status, category_id, lead_agency_id, received_at",
    # the list of all hubs, newest first
    "ix_case_by_received": "received_at, seq, voided, hub_id, status, category_id",
    # one hub's list, newest first (the usual view)
    "ix_case_by_hub": "hub_id, received_at, seq, voided, status, category_id",
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON case_ ({columns})")
    op.execute("DROP INDEX IF EXISTS ix_case_hub_received")
    op.execute("DROP INDEX IF EXISTS ix_case_received")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_case_hub_received ON case_ (hub_id, received_at)")
    op.execute("CREATE INDEX ix_case_received ON case_ (received_at)")
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
