"""meetings: partner meetings, agenda, attendance, decisions; actions raised in a meeting

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


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
        "meeting",
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("meets_on", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.String(length=5), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("chair", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_synced(),
        sa.ForeignKeyConstraint(["hub_id"], ["hub.id"], name=op.f("fk_meeting_hub_id_hub")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    op.create_index("ix_meeting_hub_date", "meeting", ["hub_id", "meets_on"])

    op.create_table(
        "agenda_item",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("removed_reason", sa.Text(), nullable=False),
        sa.Column("removed_by", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_synced(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_agenda_item_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_agenda_item_meeting_id_meeting")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item")),
    )
    op.create_index(op.f("ix_agenda_item_meeting_id"), "agenda_item", ["meeting_id"])
    op.create_index(op.f("ix_agenda_item_case_id"), "agenda_item", ["case_id"])

    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        *_synced(),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_meeting_attendance_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_attendance_meeting_id_meeting")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
    )
    op.create_index(op.f("ix_meeting_attendance_meeting_id"), "meeting_attendance", ["meeting_id"])

    op.create_table(
        "meeting_decision",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        *_synced(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_meeting_decision_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_decision_meeting_id_meeting")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_decision")),
    )
    op.create_index(op.f("ix_meeting_decision_meeting_id"), "meeting_decision", ["meeting_id"])
    op.create_index(op.f("ix_meeting_decision_case_id"), "meeting_decision", ["case_id"])

    # add_column (not a batch copy) so that upgrading a large station database is instant
    op.execute(
        "ALTER TABLE action ADD COLUMN meeting_id CHAR(32) "
        "CONSTRAINT fk_action_meeting_id_meeting REFERENCES meeting (id)"
    )
    op.create_index("ix_action_meeting_id", "action", ["meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_action_meeting_id", "action")
    with op.batch_alter_table("action") as batch_op:
        batch_op.drop_column("meeting_id")
    op.drop_index(op.f("ix_meeting_decision_case_id"), "meeting_decision")
    op.drop_index(op.f("ix_meeting_decision_meeting_id"), "meeting_decision")
    op.drop_table("meeting_decision")
    op.drop_index(op.f("ix_meeting_attendance_meeting_id"), "meeting_attendance")
    op.drop_table("meeting_attendance")
    op.drop_index(op.f("ix_agenda_item_case_id"), "agenda_item")
    op.drop_index(op.f("ix_agenda_item_meeting_id"), "agenda_item")
    op.drop_table("agenda_item")
    op.drop_index("ix_meeting_hub_date", "meeting")
    op.drop_table("meeting")
