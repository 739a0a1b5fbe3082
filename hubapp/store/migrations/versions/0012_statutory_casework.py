"""casework the law asks for: the ASB Case Review, statutory limits, victim contact, hate and
safeguarding, the basis for sharing

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:10:00.000000

New synced tables, captured like every case-work table (central revision c0008 allows them):

* ``case_review`` (an ASB Case Review application, to its outcome and the routes after it),
  ``review_recommendation`` (its recommendations, each an action of the case) and
  ``review_explanation`` (the review explained to a victim);
* ``hub_order`` (an order over an area, a PSPO, which a hub records and its cases cite
  through ``case_order``);
* ``victim_contact`` (a victim's single point of contact and update frequency) and
  ``victim_update`` (the updates given);
* ``referral`` (safeguarding and support referrals of a person on a case);
* ``sharing_agreement`` (a hub's information sharing agreements with agencies).

New columns on captured tables, added in place (``ALTER TABLE ... ADD COLUMN``: upgrading a
large station database is instant), whose capture triggers are made again: hate by
perception on ``case_``; the vulnerable-adult flag and consent to share on ``person``; whose
risk, and a level set by hand with its reason, on ``risk_assessment``; the statutory limits'
records on ``intervention``; a breach's outcome on ``intervention_breach``.
"""

import sqlalchemy as sa
from alembic import op

from hubapp.store import capture

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NEW = [
    "case_review", "review_recommendation", "review_explanation", "hub_order", "case_order",
    "victim_contact", "victim_update", "referral", "sharing_agreement",
]  # fmt: skip
#: (table, column, its SQLite declaration)
ADDED = [
    ("case_", "hate", "VARCHAR(12) NOT NULL DEFAULT ''"),
    ("case_", "hate_strands", "JSON NOT NULL DEFAULT '[]'"),
    ("person", "vulnerable", "BOOLEAN NOT NULL DEFAULT 0"),
    ("person", "vulnerable_reason", "TEXT NOT NULL DEFAULT ''"),
    ("person", "share_consent", "VARCHAR(12) NOT NULL DEFAULT ''"),
    ("person", "share_consent_on", "DATE"),
    ("risk_assessment", "subject", "VARCHAR(24) NOT NULL DEFAULT 'victim'"),
    ("risk_assessment", "override_level", "VARCHAR(16) NOT NULL DEFAULT ''"),
    ("risk_assessment", "override_reason", "TEXT NOT NULL DEFAULT ''"),
    ("intervention", "override_reason", "TEXT NOT NULL DEFAULT ''"),
    ("intervention", "authorised_by", "VARCHAR(120) NOT NULL DEFAULT ''"),
    ("intervention", "consulted", "TEXT NOT NULL DEFAULT ''"),
    ("intervention", "hearing_on", "DATE"),
    ("intervention_breach", "outcome", "VARCHAR(24) NOT NULL DEFAULT ''"),
]
CHANGED = list(dict.fromkeys(t for t, _c, _d in ADDED))
INDEXES = [
    ("ix_contact_window", "contact",
     ["received_at", "voided", "case_id", "incident_at", "place_id", "reporter_person_id"]),
    ("ix_case_person_role", "case_person", ["case_id", "role", "voided", "person_id"]),
    ("ix_case_review_route", "case_", ["id", "voided", "hub_id", "hate"]),
]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "hub_order",
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("prohibitions", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_hub_order_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(["hub_id"], ["hub.id"], name=op.f("fk_hub_order_hub_id_hub")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_order")),
    )
    op.create_index(op.f("ix_hub_order_hub_id"), "hub_order", ["hub_id"], unique=False)
    op.create_table(
        "sharing_agreement",
        sa.Column("hub_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("basis", sa.String(length=24), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_sharing_agreement_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hub.id"], name=op.f("fk_sharing_agreement_hub_id_hub")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_agreement")),
    )
    op.create_index(
        op.f("ix_sharing_agreement_agency_id"), "sharing_agreement", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_sharing_agreement_hub_id"), "sharing_agreement", ["hub_id"], unique=False
    )
    op.create_table(
        "case_order",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_case_order_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["hub_order.id"], name=op.f("fk_case_order_order_id_hub_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_order")),
    )
    op.create_index(op.f("ix_case_order_case_id"), "case_order", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_order_order_id"), "case_order", ["order_id"], unique=False)
    op.create_table(
        "case_review",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("applicant_name", sa.String(length=160), nullable=False),
        sa.Column("applicant_is_victim", sa.Boolean(), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("meeting_agencies", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_sent_on", sa.Date(), nullable=True),
        sa.Column("outcome_summary", sa.Text(), nullable=False),
        sa.Column("dissatisfied_on", sa.Date(), nullable=True),
        sa.Column("dissatisfaction_outcome", sa.Text(), nullable=False),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("escalation_outcome", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_case_review_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_case_review_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_case_review_place_id_place")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_review")),
    )
    op.create_index(op.f("ix_case_review_case_id"), "case_review", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_review_person_id"), "case_review", ["person_id"], unique=False)
    op.create_table(
        "referral",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("pathway", sa.String(length=24), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("referred_by", sa.String(length=120), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_referral_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case_.id"], name=op.f("fk_referral_case_id_case_")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_referral_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    op.create_index(op.f("ix_referral_case_id"), "referral", ["case_id"], unique=False)
    op.create_index(op.f("ix_referral_person_id"), "referral", ["person_id"], unique=False)
    op.create_table(
        "review_explanation",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("explained_on", sa.Date(), nullable=False),
        sa.Column("explained_by", sa.String(length=120), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_review_explanation_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_review_explanation_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_explanation")),
    )
    op.create_index(
        op.f("ix_review_explanation_case_id"), "review_explanation", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_review_explanation_person_id"), "review_explanation", ["person_id"], unique=False
    )
    op.create_table(
        "victim_contact",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("spoc_name", sa.String(length=120), nullable=False),
        sa.Column("spoc_agency_id", sa.Uuid(), nullable=True),
        sa.Column("every_days", sa.Integer(), nullable=True),
        sa.Column("cannot_tell_reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_victim_contact_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_victim_contact_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["spoc_agency_id"], ["agency.id"], name=op.f("fk_victim_contact_spoc_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_contact")),
    )
    op.create_index(op.f("ix_victim_contact_case_id"), "victim_contact", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_victim_contact_person_id"), "victim_contact", ["person_id"], unique=False
    )
    op.create_table(
        "victim_update",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("given_by", sa.String(length=120), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("closing", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_victim_update_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_victim_update_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_victim_update_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_update")),
    )
    op.create_index(op.f("ix_victim_update_case_id"), "victim_update", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_victim_update_person_id"), "victim_update", ["person_id"], unique=False
    )
    op.create_table(
        "review_recommendation",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("station_id", sa.Uuid(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_review_recommendation_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_.id"], name=op.f("fk_review_recommendation_case_id_case_")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["case_review.id"],
            name=op.f("fk_review_recommendation_review_id_case_review"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_recommendation")),
    )
    op.create_index(
        op.f("ix_review_recommendation_case_id"), "review_recommendation", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_review_recommendation_review_id"),
        "review_recommendation",
        ["review_id"],
        unique=False,
    )
    for table, column, declaration in ADDED:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    # covering indexes for the ASB Case Review queue (a window of reports, their cases' victims)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    # the changed tables' triggers made again from their columns, the new tables' made
    capture.install(op.get_bind(), CHANGED + NEW)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    bind = op.get_bind()
    capture.drop(bind, NEW + CHANGED)
    # dropped in place (SQLite 3.35+), not by copying the tables: other tables refer to them
    for table, column, _d in reversed(ADDED):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table in reversed(NEW):
        op.drop_table(table)
    capture.install(bind, CHANGED)
