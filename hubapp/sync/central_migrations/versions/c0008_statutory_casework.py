"""central: casework the law asks for (station schema 0012)

Revision ID: c0008
Revises: c0007
Create Date: 2026-12-07 18:10:00.000000

Nine synced tables join the allow-list, checked by the same rules as every other:

* rows of a case (their parent): ``case_review``, ``review_recommendation``,
  ``review_explanation``, ``case_order``, ``victim_contact``, ``victim_update`` (append-only),
  ``referral``; the people, places, reviews, actions and orders they point at the station
  must see;
* rows of the writing station's hub (``hub``): ``hub_order`` (a PSPO and the like) and
  ``sharing_agreement``.

Five captured tables gain columns (hate by perception on ``case_``; the vulnerable-adult
flag and consent to share on ``person``; whose risk and a level set by hand on
``risk_assessment``; the statutory limits' records on ``intervention``; a breach's outcome on
``intervention_breach``): their columns join ``sync_column``.

Compatible: an older station never sends these tables or columns, and one that pulls them
sets the rows aside as a table it does not know, and ignores columns it does not have
(``hubapp.sync.inbound``).
"""

from alembic import op

from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006
from hubapp.sync.central_migrations.versions import c0007_merges_and_links as c0007

revision = "c0008"
down_revision = "c0007"
branch_labels = None
depends_on = None

_META = c0007._META

#: the columns of the new tables, as c0006.C lists the others
C = {
    "case_review": [
        ("case_id", "ref", None, False), ("person_id", "ref", None, True),
        ("place_id", "ref", None, True), ("applicant_name", "text", 160, False),
        ("applicant_is_victim", "bool", None, False), ("consent_on", "date", None, True),
        ("received_on", "date", None, False), ("acknowledged_on", "date", None, True),
        ("decision", "text", 12, False), ("decided_on", "date", None, True),
        ("decision_reasons", "text", None, False), ("meeting_on", "date", None, True),
        ("meeting_agencies", "json", None, False), ("outcome", "text", 16, False),
        ("outcome_sent_on", "date", None, True), ("outcome_summary", "text", None, False),
        ("dissatisfied_on", "date", None, True), ("dissatisfaction_outcome", "text", None, False),
        ("escalated_on", "date", None, True), ("escalation_outcome", "text", None, False),
        ("closed_on", "date", None, True), ("created_by", "text", 120, False), *_META,
    ],
    "review_recommendation": [
        ("case_id", "ref", None, False), ("review_id", "ref", None, False),
        ("action_id", "ref", None, False), *_META,
    ],
    "review_explanation": [
        ("case_id", "ref", None, False), ("person_id", "ref", None, False),
        ("explained_on", "date", None, False), ("explained_by", "text", 120, False),
        ("method", "text", 12, False), ("notes", "text", None, False), *_META,
    ],
    "hub_order": [
        ("hub_id", "hub", None, False), ("type_code", "text", 40, False),
        ("title", "text", 200, False), ("area", "text", None, False),
        ("agency_id", "id", None, False), ("made_on", "date", None, False),
        ("expires_on", "date", None, True), ("prohibitions", "text", None, False),
        ("notes", "text", None, False), *_META,
    ],
    "case_order": [
        ("case_id", "ref", None, False), ("order_id", "ref", None, False),
        ("notes", "text", None, False), *_META,
    ],
    "victim_contact": [
        ("case_id", "ref", None, False), ("person_id", "ref", None, False),
        ("spoc_name", "text", 120, False), ("spoc_agency_id", "id", None, True),
        ("every_days", "int", None, True), ("cannot_tell_reason", "text", None, False), *_META,
    ],
    "victim_update": [
        ("case_id", "ref", None, False), ("person_id", "ref", None, False),
        ("updated_on", "date", None, False), ("method", "text", 12, False),
        ("given_by", "text", 120, False), ("agency_id", "id", None, True),
        ("summary", "text", None, False), ("closing", "bool", None, False), *_META,
    ],
    "referral": [
        ("case_id", "ref", None, False), ("person_id", "ref", None, False),
        ("pathway", "text", 24, False), ("referred_on", "date", None, False),
        ("referred_by", "text", 120, False), ("agency_id", "id", None, True),
        ("reference", "text", 60, False), ("outcome", "text", None, False),
        ("outcome_on", "date", None, True), ("notes", "text", None, False), *_META,
    ],
    "sharing_agreement": [
        ("hub_id", "hub", None, False), ("agency_id", "id", None, False),
        ("name", "text", 200, False), ("version", "text", 20, False),
        ("starts_on", "date", None, False), ("ends_on", "date", None, True),
        ("basis", "text", 24, False), ("retention_years", "int", None, True),
        ("notes", "text", None, False), *_META,
    ],
}  # fmt: skip
PARENTS = {t: ("case_id",) for t in ("case_review", "review_recommendation",
                                     "review_explanation", "case_order", "victim_contact",
                                     "victim_update", "referral")}  # fmt: skip
APPEND_ONLY = ("victim_update",)
#: what a recommendation is, whom an explanation or update was given to, never change
FIXED = {("review_recommendation", "review_id"), ("review_recommendation", "action_id"),
         ("review_explanation", "person_id"), ("victim_update", "person_id")}  # fmt: skip

#: the columns added to tables the allow-list already has
ADDED = {
    "case_": [("hate", "text", 12, False), ("hate_strands", "json", None, False)],
    "person": [
        ("vulnerable", "bool", None, False), ("vulnerable_reason", "text", None, False),
        ("share_consent", "text", 12, False), ("share_consent_on", "date", None, True),
    ],
    "risk_assessment": [
        ("subject", "text", 24, False), ("override_level", "text", 16, False),
        ("override_reason", "text", None, False),
    ],
    "intervention": [
        ("override_reason", "text", None, False), ("authorised_by", "text", 120, False),
        ("consulted", "text", None, False), ("hearing_on", "date", None, True),
    ],
    "intervention_breach": [("outcome", "text", 24, False)],
}  # fmt: skip


def _added_sql() -> str:
    rows = []
    for tbl, cols in ADDED.items():
        for name, kind, longest, nullable in cols:
            bound = max(4 * longest, 1000) if longest else c0006.TEXT_MAX
            if kind not in ("text", "json"):
                bound = "NULL"
            rows.append(f"('{tbl}', '{name}', '{kind}', {bound}, {str(nullable).lower()}, false)")
    return ("INSERT INTO sync_column (tbl, col, kind, max_len, nullable, fixed) VALUES\n  "
            + ",\n  ".join(rows) + ";")  # fmt: skip


def upgrade() -> None:
    op.execute(c0006.allow_list_sql(C, PARENTS, APPEND_ONLY, FIXED,
                                    first=len(c0006.C) + len(c0007.C)))  # fmt: skip
    op.execute(_added_sql())


def downgrade() -> None:
    tables = ", ".join(f"'{t}'" for t in C)
    added = " OR ".join(
        f"(tbl = '{t}' AND col IN ({', '.join(repr(c[0]) for c in cols)}))"
        for t, cols in ADDED.items()
    )
    op.execute(f"DELETE FROM sync_column WHERE tbl IN ({tables}) OR {added};"
               f"DELETE FROM sync_table WHERE tbl IN ({tables});")  # fmt: skip
