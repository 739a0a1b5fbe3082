"""The data protection impact assessment's register: every column of every table, personal
data or not, and for personal data its purpose, lawful basis and retention. ``docs/dpia.md``
is generated from it and from the schema (``python -m hubapp.store.dpia`` writes it;
``--check`` exits 1 when the file is not what it would write).

* Every column of ``Base.metadata`` must be classified here: a new column (or table) without
  an entry fails ``tests/test_dpia.py``, and so does an entry naming a column that is gone.
  The columns every synced row carries (``id``, ``row_version``, ``created_at``,
  ``updated_at``, ``station_id``, ``voided``) are bookkeeping, classified once (:data:`META`).
* A column holds personal data when, alone or with the rest of its row, it relates to an
  identifiable living person: the people of a case, and staff (who did what). Ids that point
  at a person are personal data too (pseudonymous), as are free-text fields, which may name
  anyone.
* Purposes, bases and retention periods are written once each (:data:`PURPOSES`,
  :data:`BASES`, :data:`RETENTION`) and named by code per column. The retention periods are
  those of ``resources/refdata/retention.toml`` (read when the document is written) and of
  the hub's sharing agreements (``sharing_agreement.retention_years``, shown beside the
  hub's period in the retention review).

This module reads the schema only; it opens no database.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

#: bookkeeping columns of every synced row: not personal data
META = frozenset({"id", "row_version", "created_at", "updated_at", "station_id", "voided"})

PURPOSES = {
    "casework": "to record the problem the hub was told about and solve it with the partners "
    "(problem solving, SARA, actions)",
    "contact": "to keep in touch with the people who report, victims and witnesses",
    "safeguarding": "to protect victims and vulnerable people (risk, referrals, victim "
    "contact, locked-down records)",
    "enforcement": "to use and follow the tools and powers of the Anti-social Behaviour, Crime "
    "and Policing Act 2014 against a person or a place",
    "review": "to run the ASB Case Review a victim asks for",
    "meetings": "to run the monthly partner meeting and record its decisions",
    "matching": "to find a person the hub already knows, and to merge or tell apart duplicates",
    "accountability": "to show who did what and who saw what (the audit log, staff names on "
    "records)",
    "security": "to let staff sign in and to control what each account may do",
    "sync": "to carry changes between this station and the central database",
    "sharing": "to record the basis for sharing a person's information",
    "retention": "to decide and record how long records are kept",
}  # fmt: skip

BASES = {
    "s115": "Crime and Disorder Act 1998 s.115 with UK GDPR Art. 6(1)(e) (partners) or DPA "
    "2018 Part 3 (police)",
    "criminal": "as s115; allegations of offending and antisocial behaviour are criminal "
    "offence data: UK GDPR Art. 10 with DPA 2018 Sch. 1 para. 6 (statutory purposes), or DPA "
    "2018 s.35 (police)",
    "special": "as s115; special category data (health, disability, race, religion, sexual "
    "orientation, gender identity): UK GDPR Art. 9(2)(g) with DPA 2018 Sch. 1 paras. 6 and 18 "
    "(safeguarding), or DPA 2018 s.35 and Sch. 8 (police)",
    "asbcpa": "Anti-social Behaviour, Crime and Policing Act 2014 (its powers, and s.104 and "
    "Sch. 4 for the Case Review) with UK GDPR Art. 6(1)(e)",
    "consent": "the person's consent where it is the basis (UK GDPR Art. 6(1)(a)), recorded "
    "with the day",
    "logging": "DPA 2018 s.62 (logging) and UK GDPR Art. 5(2) and 32 (accountability, "
    "security): Art. 6(1)(c) and (e)",
    "security": "UK GDPR Art. 32 (security of processing): Art. 6(1)(c) and (e)",
}  # fmt: skip

RETENTION = {
    "case": "with the case: reviewed {case_years} years after it closes ({longer}); kept "
    "longer only by a recorded decision, otherwise erased",
    "person": "with the person: reviewed {person_years} years after the last case naming them "
    "closes (or after the record was made, if no case names them)",
    "audit": "in the append-only audit log for the life of the database; person fields and "
    "free text are masked when an entry is written, and an erasure records ids only",
    "staff": "while the account exists; a disabled account is kept, for the audit log's names",
    "sync": "until the change is sent, the conflict settled or the entry dismissed; an erasure "
    "removes those about the erased record",
    "draft": "on this station until the intake is saved or discarded",
    "merge": "with the person kept (a merge can be undone for 30 days)",
    "decision": "with the record the decision is about",
    "meeting": "with the meeting, as long as the hub keeps its meetings",
}  # fmt: skip


@dataclass(frozen=True)
class Use:
    """Why a personal-data column is held: purpose, basis and retention codes."""

    purpose: str
    basis: str
    retention: str


#: not personal data
N = None

U = Use
CASE = U("casework", "s115", "case")
CASE_CRIMINAL = U("casework", "criminal", "case")
SAFE = U("safeguarding", "special", "case")
ENF = U("enforcement", "asbcpa", "case")
REVIEW = U("review", "asbcpa", "case")
STAFF_ON_CASE = U("accountability", "logging", "case")
PERSON = U("contact", "s115", "person")
SYNC = U("sync", "s115", "sync")
MATCH = U("matching", "s115", "person")

#: table -> {Use or N: "space-separated columns"}; every column but :data:`META`
REGISTER: dict[str, dict[Use | None, str]] = {
    # reference data and configuration
    "agency_type": {N: "code name"},
    "category": {N: "code name active"},
    "channel": {N: "code name active"},
    "hub": {N: "code name base town council_code active"},
    "intervention_type": {N: "code name applies_to active"},
    "agency": {N: "code name short_name agency_type_id active"},
    "hub_agency": {N: "hub_id agency_id position"},
    "station": {N: "hub_id name ref_prefix"},
    "reference_counter": {N: "hub_id year last"},
    "local_setting": {N: "key value"},
    "sharing_agreement": {
        N: "hub_id agency_id name version starts_on ends_on basis retention_years notes",
    },
    "hub_order": {
        N: "hub_id type_code title area agency_id made_on expires_on prohibitions notes",
    },
    # people and places
    "person": {
        PERSON: "full_name date_of_birth phone email address",
        U("safeguarding", "s115", "person"): "locked_down",
        U("safeguarding", "special", "person"): "vulnerable vulnerable_reason",
        U("sharing", "consent", "person"): "share_consent share_consent_on",
    },
    "place": {N: "hub_id place_type", CASE: "name town postcode grid_ref"},
    "person_key": {N: "kind", MATCH: "key person_id"},
    "person_key_stale": {MATCH: "person_id"},
    "person_distinct": {N: "decided_at", MATCH: "first_id second_id",
                        U("accountability", "logging", "person"): "decided_by"},
    "person_merge": {
        N: "hub_id merged_at undone_at",
        U("matching", "s115", "merge"): "kept_id dropped_id moved kept_before dropped_values "
        "reason undo_reason",
        U("accountability", "logging", "merge"): "merged_by undone_by",
    },
    # the case and its rows
    "case_": {
        N: "seq reference hub_id category_id channel_id status priority sara_stage "
        "lead_agency_id place_id opened_on closed_on next_review_on",
        CASE: "location town postcode grid_ref received_at incident_at police_log_ref council_ref",
        CASE_CRIMINAL: "summary details outcome closure_rationale",
        SAFE: "risk_level hate hate_strands",
    },
    "contact": {
        N: "case_id channel_id import_key",
        CASE: "received_at incident_at summary external_ref place_id",
        PERSON: "reporter_person_id anonymous consent_to_contact",
    },
    "case_person": {N: "case_id", CASE_CRIMINAL: "person_id role place_id"},
    "case_place": {N: "case_id place_id role"},
    "assignment": {N: "case_id agency_id role"},
    "case_link": {N: "case_id other_case_id kind", CASE: "reason", STAFF_ON_CASE: "created_by"},
    "case_status_change": {N: "case_id from_status to_status changed_at", CASE: "reason",
                           STAFF_ON_CASE: "changed_by"},
    "note": {N: "case_id agency_id visibility", CASE_CRIMINAL: "body", STAFF_ON_CASE: "author"},
    "action": {
        N: "case_id agency_id due_on status completed_on meeting_id",
        CASE: "description outcome", STAFF_ON_CASE: "owner",
    },
    "sara_plan": {
        N: "case_id",
        CASE_CRIMINAL: "objective scan_source scan_affected scan_frequency pat_offender "
        "pat_handler pat_victim pat_guardian pat_location pat_manager hypothesis data_used "
        "response_options response_responsible assessment_process measure_before "
        "measure_after impact_goal assessment_impact",
    },
    "risk_assessment": {
        N: "case_id",
        SAFE: "person_id answers score level assessed_at next_review_on subject override_level "
        "override_reason",
        STAFF_ON_CASE: "assessed_by",
    },
    "intervention": {
        N: "case_id intervention_type_id agency_id",
        ENF: "person_id place_id issued_on expires_on conditions status ended_on notes "
        "override_reason consulted hearing_on",
        STAFF_ON_CASE: "authorised_by",
    },
    "intervention_breach": {N: "intervention_id", ENF: "breached_on details outcome",
                            STAFF_ON_CASE: "recorded_by"},
    "case_order": {N: "case_id order_id", ENF: "notes"},
    "case_review": {
        N: "case_id",
        REVIEW: "person_id place_id applicant_name applicant_is_victim consent_on received_on "
        "acknowledged_on decision decided_on decision_reasons meeting_on meeting_agencies "
        "outcome outcome_sent_on outcome_summary dissatisfied_on dissatisfaction_outcome "
        "escalated_on escalation_outcome closed_on",
        STAFF_ON_CASE: "created_by",
    },
    "review_recommendation": {N: "case_id review_id action_id"},
    "review_explanation": {N: "case_id", REVIEW: "person_id explained_on method notes",
                           STAFF_ON_CASE: "explained_by"},
    "victim_contact": {
        N: "case_id spoc_agency_id",
        SAFE: "person_id every_days cannot_tell_reason", STAFF_ON_CASE: "spoc_name",
    },
    "victim_update": {
        N: "case_id agency_id",
        SAFE: "person_id updated_on method summary closing", STAFF_ON_CASE: "given_by",
    },
    "referral": {
        N: "case_id agency_id",
        SAFE: "person_id pathway referred_on reference outcome outcome_on notes",
        STAFF_ON_CASE: "referred_by",
    },
    # evidence and letters (migration 0013)
    "attachment": {
        N: "case_id kind media_type size sha256 chunk_size chunk_count agency_id contact_id "
        "action_id intervention_id",
        CASE_CRIMINAL: "title file_name note", STAFF_ON_CASE: "added_by",
    },
    "attachment_chunk": {N: "id attachment_id part seq sent", CASE_CRIMINAL: "data"},
    "attachment_thumb": {N: "attachment_id width height", CASE_CRIMINAL: "data"},
    "letter_template": {N: "hub_id name version title agencies marking subject body reason",
                        U("accountability", "logging", "case"): "edited_by"},
    "communication": {
        N: "case_id method template_name template_version agency_id sent_at attachment_id "
        "batch_id",
        # a letter sent on a case (a warning, an invitation to an ABC, a notice) goes with
        # the case, and with the person it was sent to (hubapp.store.admin.retention)
        CASE_CRIMINAL: "person_id subject address", STAFF_ON_CASE: "sent_by",
    },
    # meetings
    "meeting": {N: "hub_id meets_on starts_at place status",
                U("meetings", "s115", "meeting"): "chair"},
    "meeting_attendance": {N: "meeting_id agency_id status",
                           U("meetings", "s115", "meeting"): "attendees"},
    "agenda_item": {
        N: "meeting_id case_id reason removed position",
        CASE: "reason_text removed_reason", STAFF_ON_CASE: "added_by removed_by",
    },
    "meeting_decision": {N: "meeting_id case_id", CASE: "text", STAFF_ON_CASE: "recorded_by"},
    # staff, audit, retention
    "staff_account": {
        N: "id agency_id hub_id role created_at",
        U("security", "security", "staff"): "user_name name_key display_name password_hash "
        "disabled failed_attempts locked_until created_by last_sign_in password_changed_at",
    },
    "audit_log": {
        N: "id at station_id kind entity prev_hash hash",
        U("accountability", "logging", "audit"): "user record_ids details reason",
    },
    "retention_decision": {
        N: "id entity keep_until decided_at",
        U("retention", "logging", "decision"): "record_id reason decided_by",
    },
    "intake_draft": {
        N: "id created_at updated_at title",
        U("casework", "s115", "draft"): "user fields",
    },
    # central sync (this station's own tables)
    "sync_cursor": {N: "scope position state"},
    "sync_outbox": {N: "seq op_id tbl kind made_at", SYNC: "row_id fields"},
    "sync_conflict": {
        N: "id tbl field other_station detected_at resolved",
        SYNC: "row_id base_value kept_value other_value",
    },
    "sync_quarantine": {
        N: "id change_id tbl kind from_station received_at dismissed_at",
        SYNC: "row_id fields reason", U("accountability", "logging", "sync"): "dismissed_by",
    },
    "sync_refusal": {
        N: "id op_id tbl kind refused_at dismissed_at",
        SYNC: "row_id fields reason record_label",
        U("accountability", "logging", "sync"): "dismissed_by",
    },
}  # fmt: skip


def entries() -> dict[str, dict[str, Use | None]]:
    """{table: {column: Use or None}} from :data:`REGISTER` (columns as listed)."""
    out: dict[str, dict[str, Use | None]] = {}
    for table, groups in REGISTER.items():
        cols = out.setdefault(table, {})
        for use, names in groups.items():
            for name in names.split():
                if name in cols:
                    raise ValueError(f"{table}.{name} is classified twice")
                cols[name] = use
    return out


def check_columns(metadata=None) -> list[str]:
    """What the register lacks or has too much of, one sentence each (empty: complete)."""
    if metadata is None:
        from hubapp.store.schema import Base

        metadata = Base.metadata
    found = entries()
    problems = []
    for table in metadata.sorted_tables:
        listed = found.get(table.name)
        if listed is None:
            problems.append(f"The table {table.name} has no entry in the DPIA register.")
            continue
        for column in table.columns:
            if column.name not in listed and column.name not in META:
                problems.append(f"The column {table.name}.{column.name} is not classified in "
                                "the DPIA register (personal data or not).")  # fmt: skip
        names = {c.name for c in table.columns}
        for name in listed:
            if name not in names:
                problems.append(f"The DPIA register names {table.name}.{name}, which the "
                                "schema no longer has.")  # fmt: skip
    tables = {t.name for t in metadata.sorted_tables}
    problems += [f"The DPIA register names the table {t}, which the schema no longer has."
                 for t in found if t not in tables]  # fmt: skip
    for use in {u for cols in found.values() for u in cols.values() if u is not None}:
        for code, known in ((use.purpose, PURPOSES), (use.basis, BASES),
                            (use.retention, RETENTION)):  # fmt: skip
            if code not in known:
                problems.append(f"The DPIA register uses the code {code}, which it does not "
                                "define.")  # fmt: skip
    return problems


def personal_columns(metadata=None) -> list[tuple[str, str, Use]]:
    """(table, column, use) of every personal-data column, in schema order."""
    if metadata is None:
        from hubapp.store.schema import Base

        metadata = Base.metadata
    found = entries()
    return [
        (t.name, c.name, found[t.name][c.name])
        for t in sorted(metadata.sorted_tables, key=lambda t: t.name)
        for c in t.columns
        if found.get(t.name, {}).get(c.name) is not None
    ]


# --- docs/dpia.md ------------------------------------------------------------------------------


def _retention_words() -> dict[str, str]:
    from hubapp.store.admin.retention import load_rules

    rules = load_rules()
    longer = "; ".join(f"{r.years} years for a {r.name}" for r in rules.longer) or "no longer rules"
    return {code: text.format(case_years=rules.case_years, person_years=rules.person_years,
                              longer=longer) for code, text in RETENTION.items()}  # fmt: skip


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(metadata=None) -> str:
    """The text of ``docs/dpia.md``."""
    from hubapp.store.admin.sharing import bases

    if metadata is None:
        from hubapp.store.schema import Base

        metadata = Base.metadata
    problems = check_columns(metadata)
    if problems:
        raise ValueError(problems[0])
    found = entries()
    keep = _retention_words()
    lines = [
        "# Data protection impact assessment: the personal data hubapp holds",
        "",
        "<!-- Generated by `python -m hubapp.store.dpia` from the schema and the register in",
        "hubapp/store/dpia.py; do not edit by hand (tests/test_dpia.py fails when it differs). -->",
        "",
        "Every column of every table of the station database, and for each that holds "
        "personal data its purpose, lawful basis and retention. A column is personal data "
        "when, alone or with the rest of its row, it relates to an identifiable living person: "
        "the people of a case, and staff. Ids that point at a person count (pseudonymous "
        "data), and so does free text, which may name anyone. The central database holds the "
        "same synced tables and columns.",
        "",
        "## Purposes",
        "",
        *(f"- **{code}**: {text}." for code, text in PURPOSES.items()),
        "",
        "## Lawful bases",
        "",
        *(f"- **{code}**: {text}." for code, text in BASES.items()),
        "",
        "The bases a hub's information sharing agreements name (resources/refdata/sharing.toml; "
        "each agency's agreement is kept in the hub's register, Tools > Sharing agreements…):",
        "",
        *(f"- `{b.code}`: {b.name} ({b.citation})." for b in bases()),
        "",
        "Assigning an agency to a case, sharing a case with another hub (the basis: the hub's "
        "agreement with the police) and printing a partner pack check that the agency's "
        "agreement is current; without one a coordinator or an administrator must give a "
        "reason. Every such disclosure's audit entry names its basis. Where consent is the "
        "basis, the person's answer is recorded on the person (`person.share_consent`).",
        "",
        "## Retention",
        "",
        *(f"- **{code}**: {text}." for code, text in keep.items()),
        "",
        "Source of the default periods: resources/refdata/retention.toml, the hub partnership's "
        "own choice set down in its information sharing agreement (UK GDPR Art. 5(1)(e) "
        "storage limitation; DPA 2018 s.39 for police data). Where an agency's agreement sets "
        "a retention period for shared case records (`sharing_agreement.retention_years`), the "
        "retention review shows it beside the hub's period; the longer decides, by a "
        "coordinator's recorded decision to keep.",
        "",
        "## Columns",
        "",
        "Every synced table also has the bookkeeping columns "
        + ", ".join(f"`{m}`" for m in sorted(META))
        + " (not personal data).",
        "",
    ]
    for table in sorted(metadata.sorted_tables, key=lambda t: t.name):
        listed = found[table.name]
        personal = [(c.name, listed[c.name]) for c in table.columns if listed.get(c.name)]
        other = [c.name for c in table.columns if c.name not in META and not listed.get(c.name)]
        lines += [f"### `{table.name}`", ""]
        if personal:
            lines += ["| column | purpose | basis | retention |", "| --- | --- | --- | --- |"]
            lines += [f"| `{name}` | {use.purpose} | {use.basis} | {use.retention} |"
                      for name, use in personal]  # fmt: skip
            lines.append("")
        else:
            lines += ["No personal data.", ""]
        if other:
            lines += ["Not personal data: " + ", ".join(f"`{n}`" for n in other) + ".", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


DOC = Path(__file__).resolve().parents[2] / "docs" / "dpia.md"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hubapp.store.dpia",
                                description="Write docs/dpia.md from the schema and the register.")  # fmt: skip
    p.add_argument("-o", "--output", type=Path, default=DOC, help="default: docs/dpia.md")
    p.add_argument("--check", action="store_true", help="exit 1 if the file differs")
    args = p.parse_args(argv)
    try:
        text = render()
    except ValueError as exc:
        print(f"dpia: {exc}", file=sys.stderr)
        return 1
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"dpia: {args.output} is out of date; run python -m hubapp.store.dpia",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
