"""Changing a case's status and its summary fields, with the rules of the workflow.

Every change is one write transaction, checked against the version of the case the editor
loaded (``base_version``): a stale one raises :class:`EditConflict` and writes nothing. A
status change writes a :class:`CaseStatusChange` row (append-only: who, when, from, to, why),
sets ``closed_on``, the outcome and the rationale when a case is closed, and clears them when
it is reopened (the closing row keeps them). The allowed moves are
:mod:`hubapp.domain.workflow`'s.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event, inspect

from hubapp.domain import workflow as rules
from hubapp.domain.clock import local_today, utcnow
from hubapp.domain.codes import CaseOutcome, CaseStatus, Priority, RiskLevel, SaraStage, label
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access, errors
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.errors import Problem, Refused
from hubapp.store.schema import CaseStatusChange

log = logging.getLogger(__name__)

SUMMARY_MAX = 200
DETAILS_MAX = 20_000
LINE_MAX = {"location": 200, "town": 80, "postcode": 10, "police_log_ref": 40, "council_ref": 40}
#: how the problems name those fields (a field's problem says which field it is about)
LINE_NAMES = {"location": "The location", "town": "The town", "postcode": "The postcode",
              "police_log_ref": "The police log reference",
              "council_ref": "The council reference"}  # fmt: skip
#: a review date further ahead than this many days is a typing slip
REVIEW_DAYS_AHEAD = 730


class CaseworkError(Refused):
    """A casework change (status, plan, note, intervention) refused by the rules."""


def refuse(problems: list[Problem]) -> None:
    """Raise CaseworkError for the problems, if there are any."""
    errors.refuse(problems, CaseworkError)


# --- status -------------------------------------------------------------------------------


def check_status_change(current: str, target: str, outcome: str = "", rationale: str = "",
                        reason: str = "") -> list[Problem]:  # fmt: skip
    """The problems with a status change (empty if it may go); never raises."""
    return [Problem(f, m) for f, m in rules.check(current, target, outcome, rationale, reason)]


def change_status(
    store,
    case_id: uuid.UUID,
    base_version: int,
    to_status: str,
    *,
    outcome: str = "",
    rationale: str = "",
    reason: str = "",
    today: date | None = None,
    victim_satisfied: str = "",
) -> int:
    """Move a case to ``to_status``; return the case's new version.

    Closing needs an outcome and a rationale, and each victim and complainant told that the
    case is closing (:mod:`hubapp.store.casework.victim_contact`); ``victim_satisfied`` (yes,
    no, not_asked, or "" not recorded) goes in the closing status change. Reopening needs a
    reason. A refused move raises CaseworkError with one sentence, and nothing is written.
    """
    today = today or local_today()
    if to_status == CaseStatus.CLOSED:  # said as the role matrix says it (hubapp.store.roles)
        access.require_coordinator(store, "close or reopen a case")
    access.require_case_edit(store)
    with store.write(reason="case status changed") as s:
        case = case_for_update(s, case_id, base_version)
        apply_status_change(s, case, to_status, outcome=outcome, rationale=rationale,
                            reason=reason, today=today,
                            victim_satisfied=victim_satisfied)  # fmt: skip
        return case.row_version


def apply_status_change(
    s,
    case,
    to_status: str,
    *,
    outcome: str = "",
    rationale: str = "",
    reason: str = "",
    today: date | None = None,
    victim_satisfied: str = "",
) -> None:
    """Move ``case`` (a live row of the write session ``s``) to ``to_status`` inside the
    session's transaction, with its status history row, as :func:`change_status` does; for
    work that changes a status among other changes (a case closed as the duplicate of another:
    :mod:`hubapp.store.casework.links`). Refused in one sentence, as there."""
    today = today or local_today()
    rationale, reason = clean_text(rationale), clean_text(reason)
    access.require_case_edit(s)
    if CaseStatus.CLOSED in (case.status, to_status):
        access.require_coordinator(s, "close or reopen a case")
    refuse(check_status_change(case.status, to_status, outcome, rationale, reason))
    victims = None
    if to_status == CaseStatus.CLOSED:  # the victims told first (issue 17)
        from hubapp.store.casework import victim_contact as victims

        refuse(victims.check_satisfied(victim_satisfied)
               + victims.closure_problems(s, case, outcome))  # fmt: skip
    from_status = case.status
    why = reason
    if to_status == CaseStatus.CLOSED:
        case.outcome = outcome
        case.closure_rationale = rationale
        case.closed_on = today
        why = f"Outcome: {label(CaseOutcome, outcome)}. {rationale}"
        told = victims.closing_words(s, case, outcome, victim_satisfied) if victims else ""
        if told:
            why += f"\n{told}"
        if reason:
            why += f"\n{reason}"
    elif from_status == CaseStatus.CLOSED:
        case.closed_on = None
        case.outcome = ""
        case.closure_rationale = ""
    case.status = to_status
    s.add(
        CaseStatusChange(
            id=uuid.uuid4(), case_id=case.id, from_status=from_status, to_status=to_status,
            changed_at=utcnow(), changed_by=access.acting_user(s), reason=why,
        )
    )  # fmt: skip
    s.flush()
    log.info("%s: %s -> %s", case.reference, from_status, to_status)


# --- the summary fields ---------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryDraft:
    """The editable core fields of a case, as the Summary tab holds them."""

    summary: str
    details: str = ""
    location: str = ""
    town: str = ""
    postcode: str = ""
    risk_level: str = RiskLevel.STANDARD.value
    priority: str = Priority.NORMAL.value
    sara_stage: str = SaraStage.SCANNING.value
    next_review_on: date | None = None
    police_log_ref: str = ""
    council_ref: str = ""

    def cleaned(self) -> SummaryDraft:
        return SummaryDraft(
            clean_line(self.summary), clean_text(self.details), clean_line(self.location),
            clean_line(self.town), clean_line(self.postcode).upper(), self.risk_level,
            self.priority, self.sara_stage, self.next_review_on,
            clean_line(self.police_log_ref), clean_line(self.council_ref),
        )  # fmt: skip


def validate_summary(draft: SummaryDraft, opened_on: date | None = None,
                     today: date | None = None) -> list[Problem]:  # fmt: skip
    """Problems with a (cleaned) summary draft, one per field; never raises."""
    today = today or local_today()
    d = draft
    problems: list[Problem] = []
    if not d.summary:
        problems.append(Problem("summary", "Give the case a one-line summary."))
    elif len(d.summary) > SUMMARY_MAX:
        problems.append(Problem("summary", f"The summary is too long: at most {SUMMARY_MAX} "
                                           "characters (put the rest in the details)."))  # fmt: skip
    if len(d.details) > DETAILS_MAX:
        problems.append(
            Problem("details", f"The details are too long: at most {DETAILS_MAX:,} characters.")
        )
    for name, limit in LINE_MAX.items():
        if len(getattr(d, name)) > limit:
            problems.append(Problem(name, f"{LINE_NAMES[name]} is too long: at most {limit} "
                                    "characters."))  # fmt: skip
    for name, enum in (("risk_level", RiskLevel), ("priority", Priority),
                       ("sara_stage", SaraStage)):  # fmt: skip
        try:
            enum(getattr(d, name))
        except ValueError:
            problems.append(Problem(name, "Choose one of the values in the list."))
    if d.next_review_on is not None:
        if opened_on is not None and d.next_review_on < opened_on:
            problems.append(
                Problem("next_review_on", "The next review cannot be before the case was opened.")
            )
        elif (d.next_review_on - today).days > REVIEW_DAYS_AHEAD:
            problems.append(
                Problem(
                    "next_review_on", "The next review is more than two years away; check the year."
                )  # fmt: skip
            )
    return problems


def save_summary(store, case_id: uuid.UUID, base_version: int, draft: SummaryDraft,
                 *, today: date | None = None) -> int:  # fmt: skip
    """Save the Summary tab's fields; return the case's new version (unchanged if nothing
    changed). EditConflict if the case changed since ``base_version``."""
    clean = draft.cleaned()
    access.require_case_edit(store)
    with store.write(reason="case edited") as s:
        case = case_for_update(s, case_id, base_version)
        refuse(validate_summary(clean, case.opened_on, today))
        changes: dict[str, Any] = {
            k: getattr(clean, k)
            for k in SummaryDraft.__dataclass_fields__
            if getattr(case, k) != getattr(clean, k)
        }
        for key, value in changes.items():
            setattr(case, key, value)
        s.flush()
        return case.row_version


def set_sara_stage(store, case_id: uuid.UUID, base_version: int, stage: str) -> int:
    """Move a case to another SARA stage; return its new version."""
    try:
        SaraStage(stage)
    except ValueError:
        raise CaseworkError(f"“{stage}” is not a SARA stage.") from None
    access.require_case_edit(store)
    with store.write(reason="SARA stage changed") as s:
        case = case_for_update(s, case_id, base_version)
        case.sara_stage = stage
        s.flush()
        return case.row_version


# --- append-only history -------------------------------------------------------------------


def changed_beyond_voiding(target) -> bool:
    """Whether an update of an append-only row changes anything but its void flag."""
    state = inspect(target)
    allowed = {"voided", "updated_at", "row_version", "station_id"}
    return any(
        state.attrs[a.key].history.has_changes()
        for a in state.mapper.column_attrs
        if a.key not in allowed
    )


@event.listens_for(CaseStatusChange, "before_update", propagate=True)
def _status_history_is_append_only(_mapper, _connection, target) -> None:
    if changed_beyond_voiding(target):
        raise CaseworkError("The status history of a case cannot be changed.")
