"""Actions: the concrete work an agency owns on a case (owner, due date, status, outcome).

The life of an action::

    open <-> in_progress --complete--> done
          \\                \\--cancel--> cancelled
    done / cancelled --reopen--> open

Rules, checked inside the write transaction:

* Only an agency with an active part in the case (lead or support) owns actions. An agency
  with no part, or only ``informed``, is refused with a clear message, unless the caller
  passes ``assign_if_missing=True`` to :func:`add_action`: the agency is then made support
  (the hub rules of :mod:`hubapp.store.casework.assignments` apply, and the role change is audited).
* New work (a new action, or an action reassigned to another agency) goes only to an
  active agency that takes part in the case's hub.
* Reassigning an action (:func:`reassign_action`) or reopening one (:func:`reopen_action`)
  makes its agency support if it has no part or is only informed, so that an agency with
  open actions always has a working part in the case.
* No new or reopened actions on a closed case: reopen the case first.
* Finished actions (done, cancelled) are not edited or reassigned: reopen them first.
  Completing needs an outcome and a completion date that is not in the future; cancelling
  needs a reason (kept as the outcome). Reopening keeps the old outcome, so nothing is lost
  and the next completion starts from it.
* Every change is checked against the version the editor loaded (``base_version``): a stale
  one raises ``EditConflict`` and writes nothing. Each function returns the new version.
* Actions are never deleted. Each change is audited in its transaction (the automatic
  entry has the old and new values of every changed field; a new action also gets an
  explicit entry with its values, which the automatic one lacks).

Drafts are checked by :func:`validate`, which returns problems and never raises; the write
functions run it again and raise :class:`ActionError` (carrying the problems) on bad input.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from hubapp.domain.codes import (
    FINISHED_ACTION_STATUSES,
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgencyRole,
    CaseStatus,
)
from hubapp.domain.formatting import format_date
from hubapp.domain.rag import Rag, action_rag
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access, audit
from hubapp.store.casework.assignments import (
    apply_role,
    case_for_update,
    live_agency,
    live_role,
    takes_part,
)
from hubapp.store.errors import EditConflict, Problem, Refused, StoreError, refuse
from hubapp.store.schema import Action, Agency, Case, Hub

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 2_000
OWNER_MAX = 120
OUTCOME_MAX = 2_000
#: a due date further ahead than this many years is almost certainly a typing slip
DUE_YEARS_AHEAD = 2
#: dates before this are typing slips too (a year typed as 26 instead of 2026)
EARLIEST_DATE = date(2000, 1, 1)


class ActionError(Refused):
    """An action change refused by the rules."""


@dataclass(frozen=True)
class ActionDraft:
    """What an action form holds: everything a person types about an action.

    ``status`` is ``open`` or ``in_progress`` here; finishing an action goes through
    :func:`complete_action` or :func:`cancel_action`.
    """

    description: str
    owner: str = ""
    due_on: date | None = None
    status: str = ActionStatus.OPEN.value

    def cleaned(self) -> ActionDraft:
        """The draft as it would be stored (see :func:`clean_text`, :func:`clean_line`)."""
        due = self.due_on
        if isinstance(due, datetime):
            due = due.date()
        return ActionDraft(clean_text(self.description), clean_line(self.owner), due, self.status)

    @classmethod
    def from_line(cls, line: ActionLine | AgencyActionLine) -> ActionDraft:
        """A draft holding an existing action's values (to load an edit form)."""
        status = line.status if line.status in OPEN_ACTION_STATUSES else ActionStatus.OPEN.value
        return cls(line.description, line.owner, line.due_on, status)


def years_ahead(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def _date_problems(field: str, value: Any, what: str) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, date):
        return [Problem(field, f"The {what} is not a date.")]
    if value < EARLIEST_DATE:
        return [Problem(field, f"The {what} is before 2000; check the year.")]
    return []


def validate(draft: ActionDraft, today: date, *, new: bool = False) -> list[Problem]:
    """The problems with a draft, field by field (an empty list when it can be saved).

    Rules: the description is required and at most 2,000 characters; the owner at most 120
    characters; the due date, if any, no earlier than 2000 and no more than two years after
    ``today``, and for a ``new`` action not before ``today`` (an existing action keeps the
    date it has, overdue or not); the status open or in progress. Text is judged as it would
    be stored (control characters removed, trimmed). Never raises, whatever the draft holds.
    """
    problems: list[Problem] = []
    try:
        clean = draft.cleaned()
    except Exception:  # a draft built with values of the wrong type
        log.debug("Draft could not be cleaned", exc_info=True)
        return [Problem("description", "The action could not be read; type it again.")]
    n = len(clean.description)
    if n == 0:
        problems.append(Problem("description", "Describe the action."))
    elif n > DESCRIPTION_MAX:
        problems.append(
            Problem(
                "description",
                f"The description is too long: {n:,} characters, at most {DESCRIPTION_MAX:,}.",
            )
        )
    if len(clean.owner) > OWNER_MAX:
        problems.append(Problem("owner", f"The owner is too long: at most {OWNER_MAX} characters."))
    date_problems = _date_problems("due_on", clean.due_on, "due date")
    problems += date_problems
    if not date_problems and clean.due_on is not None:
        if clean.due_on > years_ahead(today, DUE_YEARS_AHEAD):
            problems.append(
                Problem("due_on", "The due date is more than two years ahead; check the year.")
            )
        elif new and clean.due_on < today:
            problems.append(
                Problem(
                    "due_on",
                    f"The due date {format_date(clean.due_on)} has already passed; a new "
                    "action needs today or a later date.",
                )
            )
    if clean.status not in OPEN_ACTION_STATUSES:
        problems.append(
            Problem(
                "status",
                "A draft action is open or in progress; use Complete or Cancel to finish it.",
            )
        )
    return problems


def validate_completion(outcome: str, completed_on: date | None, today: date) -> list[Problem]:
    """The problems with completing an action: the outcome is required (at most 2,000
    characters) and the completion date must be given, not in the future, not before 2000."""
    problems = _text_problems("outcome", outcome, "Say what was done: the outcome")
    if completed_on is None:
        problems.append(Problem("completed_on", "Give the date the action was completed."))
    else:
        date_problems = _date_problems("completed_on", completed_on, "completion date")
        problems += date_problems
        if not date_problems and completed_on > today:
            problems.append(Problem("completed_on", "The completion date cannot be in the future."))
    return problems


def _text_problems(field: str, text: Any, what: str) -> list[Problem]:
    clean = clean_text(text)
    if not clean:
        return [Problem(field, f"{what} must not be empty.")]
    if len(clean) > OUTCOME_MAX:
        return [Problem(field, f"{what} is too long: {len(clean):,} characters, at most 2,000.")]
    return []


def _refuse(problems: list[Problem]) -> None:
    refuse(problems, ActionError)


# --- what the screens read ----------------------------------------------------------------


@dataclass(frozen=True)
class ActionLine:
    """One action of one agency on one case (the cell's detail list)."""

    id: uuid.UUID
    row_version: int
    case_id: uuid.UUID
    agency_id: uuid.UUID
    description: str
    owner: str
    due_on: date | None
    status: str
    completed_on: date | None
    outcome: str
    rag: Rag
    created_at: datetime


@dataclass(frozen=True)
class AgencyActionLine:
    """One action in an agency's list across cases ("My agency's actions")."""

    id: uuid.UUID
    row_version: int
    case_id: uuid.UUID
    case_reference: str
    case_summary: str
    hub_id: uuid.UUID
    hub_name: str
    agency_id: uuid.UUID
    agency_short_name: str
    owner: str
    description: str
    due_on: date | None
    status: str
    rag: Rag
    completed_on: date | None
    outcome: str


def _order(finished: bool, due: date | None) -> tuple:
    # open before finished; then by due date (overdue ones have the earliest), no date last
    return (finished, due is None, due or date.max)


def actions_for_case_agency(
    store, case_id: uuid.UUID, agency_id: uuid.UUID, today: date | None = None
) -> list[ActionLine]:
    """Every (non-voided) action of one agency on one case: open ones first by due date
    (no date last), then finished ones by due date."""
    today = today or date.today()
    with store.read() as s:
        rows = s.scalars(
            select(Action).where(
                Action.case_id == case_id, Action.agency_id == agency_id, Action.voided.is_(False)
            )
        ).all()
        lines = [
            ActionLine(
                a.id, a.row_version, a.case_id, a.agency_id, a.description, a.owner, a.due_on,
                a.status, a.completed_on, a.outcome, action_rag(a.due_on, a.status, today),
                a.created_at,
            )
            for a in rows
        ]  # fmt: skip
    lines.sort(
        key=lambda a: (*_order(a.status in FINISHED_ACTION_STATUSES, a.due_on), a.created_at)
    )
    return lines


def agency_actions(
    store,
    agency_id: uuid.UUID,
    hub_id: uuid.UUID | None = None,
    include_done: bool = False,
    today: date | None = None,
) -> list[AgencyActionLine]:
    """One agency's actions across all (live) cases, optionally in one hub.

    Open and in-progress actions only, unless ``include_done`` (then done and cancelled ones
    follow the open ones). Sorted overdue first, then by due date, actions without a due
    date last; ties by case reference.
    """
    today = today or date.today()
    statuses = set(OPEN_ACTION_STATUSES)
    if include_done:
        statuses |= FINISHED_ACTION_STATUSES
    query = (
        select(
            Action.id, Action.row_version, Action.case_id, Case.reference, Case.summary,
            Case.hub_id, Hub.name, Action.agency_id, Agency.short_name, Action.owner,
            Action.description, Action.due_on, Action.status, Action.completed_on,
            Action.outcome,
        )
        .join(Case, Case.id == Action.case_id)
        .join(Hub, Hub.id == Case.hub_id)
        .join(Agency, Agency.id == Action.agency_id)
        .where(Action.agency_id == agency_id, Action.voided.is_(False), Case.voided.is_(False),
               Action.status.in_(statuses))
    )  # fmt: skip
    if hub_id is not None:
        query = query.where(Case.hub_id == hub_id)
    with store.read() as s:
        rows = s.execute(query).all()
    lines = [
        AgencyActionLine(
            r.id, r.row_version, r.case_id, r.reference, r.summary, r.hub_id, r.name,
            r.agency_id, r.short_name, r.owner, r.description, r.due_on, r.status,
            action_rag(r.due_on, r.status, today), r.completed_on, r.outcome,
        )
        for r in rows
    ]  # fmt: skip
    lines.sort(
        key=lambda a: (*_order(a.status in FINISHED_ACTION_STATUSES, a.due_on), a.case_reference)
    )
    return lines


# --- changing -----------------------------------------------------------------------------


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values for an explicit audit entry, masked as audit.PERSONAL_FIELDS says for actions."""
    masked = audit.PERSONAL_FIELDS.get("action", set())
    out: dict[str, Any] = {}
    for key, value in values.items():
        if "*" in masked or key in masked:
            out[key] = "recorded"
        elif isinstance(value, uuid.UUID):
            out[key] = str(value)
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _check_new_work(s, case: Case, agency: Agency) -> None:
    """New work goes only to an active agency taking part in the case's hub."""
    if not agency.active:
        raise ActionError(f"{agency.name} is no longer active, so it cannot take on new work.")
    if not takes_part(s, case.hub_id, agency.id):
        hub = s.get(Hub, case.hub_id)
        raise ActionError(
            f"{agency.name} does not take part in the {hub.name} hub, so it cannot work on "
            f"{case.reference}."
        )


def _give_part(
    s, case: Case, agency: Agency, *, allowed: bool, verb: str, check_hub: bool = True
) -> None:
    """Make sure the agency may own actions on the case (lead or support)."""
    role = live_role(s, case.id, agency.id)
    if role in (AgencyRole.LEAD.value, AgencyRole.SUPPORT.value):
        return
    if not allowed:
        if role is None:
            raise ActionError(
                f"{agency.name} has no part in {case.reference}; give it a part (lead or "
                f"support) before {verb}."
            )
        raise ActionError(
            f"{agency.name} is only informed of {case.reference}; make it support or lead "
            f"before {verb}."
        )
    apply_role(s, case, agency, AgencyRole.SUPPORT.value, check_hub=check_hub)


def _load(store, s, action_id: uuid.UUID, base_version: int) -> tuple[Action, Case]:
    action = s.get(Action, action_id)
    if action is None or action.voided:
        raise StoreError("This action no longer exists.")
    access.check_case(s, action.case_id)
    access.require_agency_work(s, action.agency_id)  # partners: their own agency's only
    case = case_for_update(s, action.case_id)
    if action.row_version != base_version:
        raise EditConflict(
            f"This action on {case.reference} was changed by someone else since you opened "
            "it; your changes were not saved. Reload it to see the new version."
        )
    return action, case


def _require_open(action: Action, doing: str) -> None:
    if action.status == ActionStatus.DONE.value:
        raise ActionError(f"This action is done; reopen it before {doing}.")
    if action.status == ActionStatus.CANCELLED.value:
        raise ActionError(f"This action was cancelled; reopen it before {doing}.")


def add_action(
    store,
    case_id: uuid.UUID,
    agency_id: uuid.UUID,
    draft: ActionDraft,
    *,
    assign_if_missing: bool = False,
    today: date | None = None,
    before_insert: Callable[[Any, Case, Action], None] | None = None,
) -> uuid.UUID:
    """Record a new action for an agency on a case; return its id.

    The agency must be lead or support on the case; with ``assign_if_missing`` an agency
    with no part (or only informed) is made support first, in the same transaction.
    Refused on a closed case. Raises ActionError for an invalid draft (see validate).
    ``before_insert(session, case, action)``, if given, is called in the same transaction
    once the rules have passed, before the action is written (a meeting links it); what
    it raises refuses the action and nothing is written.
    """
    today = today or date.today()
    clean = draft.cleaned()
    _refuse(validate(clean, today))
    access.require_agency_work(store, agency_id)
    with store.write(reason="action added") as s:
        access.check_case(s, case_id)
        case = case_for_update(s, case_id)
        if case.status == CaseStatus.CLOSED.value:
            raise ActionError(f"{case.reference} is closed; reopen the case before adding actions.")
        agency = live_agency(s, agency_id)
        _check_new_work(s, case, agency)
        _give_part(s, case, agency, allowed=assign_if_missing, verb="giving it actions")
        action = Action(
            id=uuid.uuid4(), case_id=case.id, agency_id=agency.id, owner=clean.owner,
            description=clean.description, due_on=clean.due_on, status=clean.status,
        )  # fmt: skip
        if before_insert is not None:
            before_insert(s, case, action)
        s.add(action)
        s.flush()
        audit.record(
            s, audit.Kind.COLLECTION, "action", [str(action.id)],
            {"case_id": str(case.id), "case": case.reference, "agency": agency.code,
             **_audit_values({"description": clean.description, "owner": clean.owner,
                              "due_on": clean.due_on, "status": clean.status})},
        )  # fmt: skip
        log.info("Action added on %s for %s", case.reference, agency.code)
        return action.id


def edit_action(
    store,
    action_id: uuid.UUID,
    base_version: int,
    draft: ActionDraft,
    *,
    today: date | None = None,
) -> int:
    """Change an open action's description, owner, due date and status (open / in progress);
    return its new version (unchanged if the draft changed nothing). Finished actions must
    be reopened first."""
    today = today or date.today()
    clean = draft.cleaned()
    _refuse(validate(clean, today))
    with store.write(reason="action edited") as s:
        action, _case = _load(store, s, action_id, base_version)
        _require_open(action, "changing it")
        action.description = clean.description
        action.owner = clean.owner
        action.due_on = clean.due_on
        action.status = clean.status
        s.flush()
        return action.row_version


def complete_action(
    store,
    action_id: uuid.UUID,
    base_version: int,
    outcome: str,
    completed_on: date,
    *,
    today: date | None = None,
) -> int:
    """Mark an open action done with its outcome (required) and completion date (not in the
    future); return its new version."""
    today = today or date.today()
    _refuse(validate_completion(outcome, completed_on, today))
    with store.write(reason="action completed") as s:
        action, _case = _load(store, s, action_id, base_version)
        if action.status == ActionStatus.DONE.value:
            raise ActionError("This action is already done.")
        _require_open(action, "completing it")
        action.status = ActionStatus.DONE.value
        action.outcome = clean_text(outcome)
        action.completed_on = completed_on
        s.flush()
        return action.row_version


def cancel_action(store, action_id: uuid.UUID, base_version: int, reason: str) -> int:
    """Cancel an open action (it is no longer needed); the reason is required and kept as its
    outcome. Return the new version."""
    _refuse(_text_problems("outcome", reason, "The reason for cancelling"))
    with store.write(reason="action cancelled") as s:
        action, _case = _load(store, s, action_id, base_version)
        if action.status == ActionStatus.CANCELLED.value:
            raise ActionError("This action is already cancelled.")
        _require_open(action, "cancelling it")
        action.status = ActionStatus.CANCELLED.value
        action.outcome = clean_text(reason)
        action.completed_on = None
        s.flush()
        return action.row_version


def reopen_action(store, action_id: uuid.UUID, base_version: int) -> int:
    """Reopen a done or cancelled action: it becomes open, its completion date is cleared and
    its outcome kept. Refused on a closed case. If its agency no longer has a working part in
    the case, the agency is made support again (even if it has left the hub since: reassign
    the action afterwards). Return the new version."""
    with store.write(reason="action reopened") as s:
        action, case = _load(store, s, action_id, base_version)
        if action.status in OPEN_ACTION_STATUSES:
            raise ActionError("This action is still open.")
        if case.status == CaseStatus.CLOSED.value:
            raise ActionError(
                f"{case.reference} is closed; reopen the case before reopening its actions."
            )
        agency = live_agency(s, action.agency_id)
        # the action's own agency: it may have left the hub since (reassign it afterwards)
        _give_part(s, case, agency, allowed=True, verb="reopening it", check_hub=False)
        action.status = ActionStatus.OPEN.value
        action.completed_on = None
        s.flush()
        return action.row_version


def reassign_action(
    store, action_id: uuid.UUID, base_version: int, new_agency_id: uuid.UUID, owner: str = ""
) -> int:
    """Give an open action to another agency (and owner); return its new version.

    The new agency must take part in the case's hub; if it has no part in the case, or is
    only informed, it is made support in the same transaction (audited as a role change).
    The old agency keeps its part. Reassigning to the same agency changes only the owner.
    """
    owner = clean_line(owner)
    if len(owner) > OWNER_MAX:
        raise ActionError(
            f"The owner is too long: at most {OWNER_MAX} characters.",
            [Problem("owner", f"The owner is too long: at most {OWNER_MAX} characters.")],
        )
    with store.write(reason="action reassigned") as s:
        action, case = _load(store, s, action_id, base_version)
        _require_open(action, "reassigning it")
        access.require_agency_work(store, new_agency_id)
        agency = live_agency(s, new_agency_id)
        if agency.id != action.agency_id:
            _check_new_work(s, case, agency)
        _give_part(s, case, agency, allowed=True, verb="giving it the action")
        action.agency_id = agency.id
        action.owner = owner
        s.flush()
        return action.row_version
