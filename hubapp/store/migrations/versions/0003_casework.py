"""casework: status history, SARA plan, risk, interventions, drafts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:53:02.054376
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_draft",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_draft")),
    )
    op.create_table(
        "intervention_type",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("applies_to", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_type")),
        sa.UniqueConstraint("code", name=op.f("uq_intervention_type_code")),
    )
    op.create_table(
        "case_status_change",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_case_status_change_case_id_case_")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_change")),
    )
    with op.batch_alter_table("case_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_status_change_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "intervention",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("intervention_type_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_intervention_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_intervention_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["intervention_type_id"],
            ["intervention_type.id"],
            name=op.f("fk_intervention_intervention_type_id_intervention_type"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_intervention_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_intervention_place_id_place")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention")),
    )
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intervention_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intervention_place_id"), ["place_id"], unique=False)

    op.create_table(
        "risk_assessment",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("assessed_at", sa.DateTime(), nullable=False),
        sa.Column("assessed_by", sa.String(length=120), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_risk_assessment_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_risk_assessment_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assessment")),
    )
    with op.batch_alter_table("risk_assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_assessment_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_risk_assessment_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "sara_plan",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("scan_source", sa.Text(), nullable=False),
        sa.Column("scan_affected", sa.Text(), nullable=False),
        sa.Column("scan_frequency", sa.Text(), nullable=False),
        sa.Column("pat_offender", sa.Text(), nullable=False),
        sa.Column("pat_handler", sa.Text(), nullable=False),
        sa.Column("pat_victim", sa.Text(), nullable=False),
        sa.Column("pat_guardian", sa.Text(), nullable=False),
        sa.Column("pat_location", sa.Text(), nullable=False),
        sa.Column("pat_manager", sa.Text(), nullable=False),
        sa.Column("hypothesis", sa.Text(), nullable=False),
        sa.Column("data_used", sa.Text(), nullable=False),
        sa.Column("response_options", sa.Text(), nullable=False),
        sa.Column("response_responsible", sa.Text(), nullable=False),
        sa.Column("assessment_process", sa.Text(), nullable=False),
        sa.Column("measure_before", sa.Text(), nullable=False),
        sa.Column("measure_after", sa.Text(), nullable=False),
        sa.Column("impact_goal", sa.String(length=16), nullable=False),
        sa.Column("assessment_impact", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_.id"], name=op.f("fk_sara_plan_case_id_case_")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sara_plan")),
        sa.UniqueConstraint("case_id", name=op.f("uq_sara_plan_case_id")),
    )
    op.create_table(
        "intervention_breach",
        sa.Column("intervention_id", sa.Uuid(), nullable=False),
        sa.Column("breached_on", sa.Date(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_breach_intervention_id_intervention"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_breach")),
    )
    with op.batch_alter_table("intervention_breach", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intervention_breach_intervention_id"), ["intervention_id"], unique=False
        )

    # add_column (not a batch copy) so that upgrading a large station database is instant
    op.execute(
        "ALTER TABLE contact ADD COLUMN place_id CHAR(32) "
        "CONSTRAINT fk_contact_place_id_place REFERENCES place (id)"
    )
    op.add_column("contact", sa.Column("import_key", sa.String(length=64), nullable=True))
    op.create_index("ix_contact_place_id", "contact", ["place_id"])
    op.create_index("ix_contact_import_key", "contact", ["import_key"], unique=True)
    for name, expression in PERSON_KEYS.items():
        op.execute(f"CREATE INDEX {name} ON person ({expression})")


#: duplicate suggestions while typing an intake look people up by these (hubapp.store.intake.duplicates)
PERSON_KEYS = {
    "ix_person_name_key": "lower(full_name)",
    "ix_person_phone_key": "replace(phone, ' ', '')",
    "ix_person_email_key": "lower(email)",
}


def downgrade() -> None:
    for name in PERSON_KEYS:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_contact_import_key", "contact")
    op.drop_index("ix_contact_place_id", "contact")
    with op.batch_alter_table("contact") as batch_op:
        batch_op.drop_column("import_key")
        batch_op.drop_column("place_id")
    with op.batch_alter_table("intervention_breach", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_breach_intervention_id"))

    op.drop_table("intervention_breach")
    op.drop_table("sara_plan")
    with op.batch_alter_table("risk_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_assessment_person_id"))
        batch_op.drop_index(batch_op.f("ix_risk_assessment_case_id"))

    op.drop_table("risk_assessment")
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_place_id"))
        batch_op.drop_index(batch_op.f("ix_intervention_person_id"))
        batch_op.drop_index(batch_op.f("ix_intervention_case_id"))

    op.drop_table("intervention")
    with op.batch_alter_table("case_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status_change_case_id"))

    op.drop_table("case_status_change")
    op.drop_table("intervention_type")
    op.drop_table("intake_draft")
