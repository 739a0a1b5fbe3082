"""The victim contact plan of a case (issue 17): a single point of contact for each victim
and complainant, updates at a frequency set by their risk, and the victim told before the
case closes.

Who
    The victims and complainants of a case are its people linked in those roles (a person in
    both counts once). Only they have a plan, and only an update to one of them is logged.

The plan (:class:`VictimContact`, one per person per case)
    Their single point of contact (SPOC: a named person, and the agency they work for), and
    how often they are updated: every N working days from their risk level
    (:mod:`hubapp.domain.victim_contact`, ``resources/refdata/victim_contact.toml``), unless
    the plan sets its own N. Where a victim cannot be told that the case is closing (moved
    away and unreachable, or asked not to be contacted), the plan records why.

Updates (:class:`VictimUpdate`, append-only)
    The day, how (call, visit, letter, e-mail), who gave it and their agency, and what was
    said. An update dated in the future (or before the case opened), for someone who is not
    a victim or complainant of the case, or with nothing said, is refused field by field
    (:class:`VictimContactError`, one problem per field), and nothing is saved. An update
    marked ``closing`` told them that the case is closing, and why.

Closure
    A case closes only when each of its victims and complainants has been told, since the
    case was last reopened, that it is closing (a ``closing`` update), or their plan says why
    they cannot be. The refusal names the people still to tell. A case closed as the duplicate
    of another is not refused: its problem goes on in the other case, and nobody is told
    that it is closing. The closing status change records who was told and, where asked,
    whether the victims were satisfied.

Overdue
    An update is overdue once its due day has passed, on an open case. "My agency's actions"
    lists those whose SPOC works for the agency; the case list marks the cases with any
    (worked out for the rows shown, in the background); the meeting pack has a section.

Who may
    Writing a plan or an update is :data:`Op.VICTIM_CONTACT` (every role but read-only), on a
    case the account sees: partner staff of an agency on the case may, being the SPOC of many
    victims. Reading follows the case rule of :mod:`hubapp.store.access` (a partner never
    sees a plan or an update of a case their agency is not on).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from hubapp.domain import victim_contact as rules
from hubapp.domain.clock import local_today
from hubapp.domain.codes import (
    CaseOutcome,
    CaseStatus,
    PersonRole,
    RiskLevel,
    UpdateMethod,
    VictimSatisfied,
    label,
)
from hubapp.domain.formatting import format_date, to_local
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access
from hubapp.store.casework.actions import EARLIEST_DATE
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.errors import EditConflict, Problem, Refused, StoreError, refuse
from hubapp.store.roles import Op
from hubapp.store.schema import (
    Agency,
    Case,
    CasePerson,
    CaseStatusChange,
    Hub,
    Person,
    RiskAssessment,
    VictimContact,
    VictimUpdate,
)

VICTIM_ROLES = (PersonRole.VICTIM.value, PersonRole.COMPLAINANT.value)
NAME_MAX = 120
SUMMARY_MAX = 4_000
REASON_MAX = 2_000
#: the most case ids one IN (...) takes
_CHUNK = 500

NOT_A_VICTIM = "That person is not a victim or complainant of this case."


class VictimContactError(Refused):
    """A plan or an update refused by the rules (one problem per field). Its own class, not
    the status workflow's: the workflow asks this module who is still to be told."""


def _refuse(problems: list[Problem]) -> None:
    refuse(problems, VictimContactError)


# --- drafts and their rules ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDraft:
    """A victim's contact plan as the form holds it."""

    person_id: uuid.UUID | None
    spoc_name: str = ""
    spoc_agency_id: uuid.UUID | None = None
    #: working days between updates set by hand (None: from the risk level)
    every_days: int | None = None
    #: why they cannot be told that the case is closing ("" : they can)
    cannot_tell_reason: str = ""

    def cleaned(self) -> PlanDraft:
        return PlanDraft(self.person_id, clean_line(self.spoc_name), self.spoc_agency_id,
                         self.every_days, clean_text(self.cannot_tell_reason))  # fmt: skip


@dataclass(frozen=True)
class UpdateDraft:
    """One update given to a victim or complainant, as the form holds it."""

    person_id: uuid.UUID | None
    updated_on: date | None
    method: str
    given_by: str
    summary: str
    closing: bool = False
    #: the agency of whoever gave it (None: not said)
    agency_id: uuid.UUID | None = None

    def cleaned(self) -> UpdateDraft:
        return UpdateDraft(self.person_id, self.updated_on, (self.method or "").strip().lower(),
                           clean_line(self.given_by), clean_text(self.summary), self.closing,
                           self.agency_id)  # fmt: skip


def validate_plan(draft: PlanDraft, victims: set[uuid.UUID] | None = None) -> list[Problem]:
    """Problems with a (cleaned) plan, one per field; ``victims``, when given, the people the
    plan may be for. Never raises."""
    d = draft
    problems: list[Problem] = []
    if d.person_id is None:
        problems.append(Problem("person", "Choose the victim or complainant the plan is for."))
    elif victims is not None and d.person_id not in victims:
        problems.append(Problem("person", NOT_A_VICTIM))
    if not d.spoc_name:
        problems.append(Problem("spoc_name", "Name their single point of contact."))
    elif len(d.spoc_name) > NAME_MAX:
        problems.append(Problem("spoc_name", f"The name is too long: at most {NAME_MAX} "
                                             "characters."))  # fmt: skip
    if d.spoc_agency_id is None:
        problems.append(Problem("spoc_agency", "Choose the agency their contact works for."))
    why = rules.check_every(d.every_days)
    if why:
        problems.append(Problem("every_days", why))
    if len(d.cannot_tell_reason) > REASON_MAX:
        problems.append(Problem("cannot_tell_reason", f"The reason is too long: at most "
                                                      f"{REASON_MAX:,} characters."))  # fmt: skip
    return problems


def validate_update(draft: UpdateDraft, today: date | None = None,
                    victims: set[uuid.UUID] | None = None) -> list[Problem]:  # fmt: skip
    """Problems with a (cleaned) update, one per field; ``victims``, when given, the people an
    update may be for. Never raises."""
    today = today or local_today()
    d = draft
    problems: list[Problem] = []
    if d.person_id is None:
        problems.append(Problem("person", "Choose the victim or complainant who was updated."))
    elif victims is not None and d.person_id not in victims:
        problems.append(Problem("person", NOT_A_VICTIM))
    if d.updated_on is None:
        problems.append(Problem("updated_on", "Enter the date of the update."))
    elif d.updated_on > today:
        problems.append(Problem("updated_on", "The update cannot be dated in the future."))
    elif d.updated_on < EARLIEST_DATE:
        problems.append(Problem("updated_on", "The date is too far in the past; check the "
                                              "year."))  # fmt: skip
    try:
        UpdateMethod(d.method)
    except ValueError:
        problems.append(Problem("method", "Choose how they were updated: call, visit, letter or "
                                          "e-mail."))  # fmt: skip
    if not d.given_by:
        problems.append(Problem("given_by", "Say who gave the update."))
    elif len(d.given_by) > NAME_MAX:
        problems.append(Problem("given_by", f"The name is too long: at most {NAME_MAX} "
                                            "characters."))  # fmt: skip
    if not d.summary:
        problems.append(Problem("summary", "Say what they were told."))
    elif len(d.summary) > SUMMARY_MAX:
        problems.append(Problem("summary", f"Too long: at most {SUMMARY_MAX:,} characters."))
    return problems


# --- what the screens read -------------------------------------------------------------------


@dataclass(frozen=True)
class VictimLine:
    """One victim or complainant of a case, with their plan and when they are next due."""

    person_id: uuid.UUID
    name: str
    #: "victim", "complainant" or both ("victim, complainant")
    roles: str
    plan_id: uuid.UUID | None
    #: the plan's version as read (the form saves against it)
    plan_version: int | None
    spoc_name: str
    spoc_agency_id: uuid.UUID | None
    spoc_agency: str
    every_days_set: int | None
    cannot_tell_reason: str
    last_update: date | None
    due: rules.Due
    #: told that the case is closing since it was last reopened
    told_closing: bool

    @property
    def may_close(self) -> bool:
        return self.told_closing or bool(self.cannot_tell_reason)


@dataclass(frozen=True)
class UpdateLine:
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    updated_on: date
    method: str
    given_by: str
    agency: str
    summary: str
    closing: bool
    created_at: datetime


@dataclass(frozen=True)
class CasePlan:
    case_id: uuid.UUID
    reference: str
    is_open: bool
    victims: list[VictimLine] = field(default_factory=list)
    #: newest first
    updates: list[UpdateLine] = field(default_factory=list)

    @property
    def overdue(self) -> list[VictimLine]:
        return [v for v in self.victims if v.due.overdue] if self.is_open else []

    @property
    def still_to_tell(self) -> list[VictimLine]:
        return [v for v in self.victims if not v.may_close]


@dataclass(frozen=True)
class OverdueLine:
    """A victim whose update is overdue, on an open case (the lists across cases)."""

    case_id: uuid.UUID
    case_reference: str
    hub_name: str
    person_id: uuid.UUID
    name: str
    spoc_name: str
    spoc_agency_id: uuid.UUID | None
    spoc_agency: str
    last_update: date | None
    due: rules.Due
    #: the person is locked down (printed documents name them less)
    locked_down: bool = False


def _chunks(ids: Iterable[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


@dataclass
class _Facts:
    """What the plans of some cases are worked out from (one read of each table)."""

    cases: dict[uuid.UUID, Case]
    #: case -> person -> roles
    victims: dict[uuid.UUID, dict[uuid.UUID, list[str]]]
    names: dict[uuid.UUID, str]
    plans: dict[tuple[uuid.UUID, uuid.UUID], VictimContact]
    last: dict[tuple[uuid.UUID, uuid.UUID], date]
    level: dict[tuple[uuid.UUID, uuid.UUID], str]
    agencies: dict[uuid.UUID, str]
    locked: set[uuid.UUID] = field(default_factory=set)


def _read_facts(s, case_ids: Iterable[uuid.UUID]) -> _Facts:
    f = _Facts({}, {}, {}, {}, {}, {}, {})
    for chunk in _chunks(case_ids):
        for case in s.scalars(select(Case).where(Case.id.in_(chunk), Case.voided.is_(False))):
            f.cases[case.id] = case
        for case_id, person_id, role, name, locked in s.execute(
            select(CasePerson.case_id, CasePerson.person_id, CasePerson.role, Person.full_name,
                   Person.locked_down)
            .join(Person, Person.id == CasePerson.person_id)
            .where(CasePerson.case_id.in_(chunk), CasePerson.voided.is_(False),
                   CasePerson.role.in_(VICTIM_ROLES), Person.voided.is_(False))
        ):  # fmt: skip
            roles = f.victims.setdefault(case_id, {}).setdefault(person_id, [])
            if role not in roles:
                roles.append(role)
            f.names[person_id] = name
            if locked:
                f.locked.add(person_id)
        for plan in s.scalars(select(VictimContact).where(
                VictimContact.case_id.in_(chunk), VictimContact.voided.is_(False))):  # fmt: skip
            f.plans[(plan.case_id, plan.person_id)] = plan
        for case_id, person_id, last in s.execute(
            select(VictimUpdate.case_id, VictimUpdate.person_id, func.max(VictimUpdate.updated_on))
            .where(VictimUpdate.case_id.in_(chunk), VictimUpdate.voided.is_(False))
            .group_by(VictimUpdate.case_id, VictimUpdate.person_id)
        ):  # fmt: skip
            f.last[(case_id, person_id)] = last
        for case_id, person_id, level, override in s.execute(
            select(RiskAssessment.case_id, RiskAssessment.person_id, RiskAssessment.level,
                   RiskAssessment.override_level)
            .where(RiskAssessment.case_id.in_(chunk), RiskAssessment.voided.is_(False),
                   RiskAssessment.person_id.is_not(None),
                   RiskAssessment.subject != PersonRole.ALLEGED_PERPETRATOR.value)
            .order_by(RiskAssessment.assessed_at, RiskAssessment.created_at)
        ):  # fmt: skip
            f.level[(case_id, person_id)] = override or level  # the latest wins
    wanted = {p.spoc_agency_id for p in f.plans.values() if p.spoc_agency_id}
    if wanted:
        f.agencies = {r[0]: r[1] for r in s.execute(select(Agency.id, Agency.short_name).where(
            Agency.id.in_(wanted)))}  # fmt: skip
    return f


def _level(f: _Facts, case: Case, person_id: uuid.UUID) -> str:
    level = f.level.get((case.id, person_id)) or case.risk_level
    try:
        return RiskLevel(level).value
    except ValueError:
        return RiskLevel.STANDARD.value


def _reopened_on(s, case_id: uuid.UUID) -> date | None:
    """The day the case was last reopened (None: never)."""
    at = s.scalar(select(func.max(CaseStatusChange.changed_at)).where(
        CaseStatusChange.case_id == case_id, CaseStatusChange.to_status == CaseStatus.REOPENED,
        CaseStatusChange.voided.is_(False)))  # fmt: skip
    return to_local(at).date() if at is not None else None


def _told(s, case_id: uuid.UUID) -> set[uuid.UUID]:
    """The people told that the case is closing since it was last reopened."""
    since = _reopened_on(s, case_id)
    q = select(VictimUpdate.person_id).where(
        VictimUpdate.case_id == case_id, VictimUpdate.closing.is_(True),
        VictimUpdate.voided.is_(False))  # fmt: skip
    if since is not None:
        q = q.where(VictimUpdate.updated_on >= since)
    return set(s.scalars(q))


def _lines(s, f: _Facts, case: Case, today: date, told: set[uuid.UUID]) -> list[VictimLine]:
    out = []
    for person_id, roles in f.victims.get(case.id, {}).items():
        plan = f.plans.get((case.id, person_id))
        last = f.last.get((case.id, person_id))
        every = plan.every_days if plan is not None else None
        due = rules.due(_level(f, case, person_id), every, last, case.opened_on, today)
        agency = plan.spoc_agency_id if plan is not None else None
        out.append(VictimLine(
            person_id, f.names.get(person_id, ""),
            ", ".join(label(PersonRole, r).lower() for r in sorted(roles, key=VICTIM_ROLES.index)),
            plan.id if plan is not None else None, plan.row_version if plan is not None else None,
            plan.spoc_name if plan is not None else "",
            agency, f.agencies.get(agency, "") if agency else "", every,
            plan.cannot_tell_reason if plan is not None else "", last, due, person_id in told,
        ))  # fmt: skip
    out.sort(key=lambda v: (v.name.casefold(), v.person_id))
    return out


def read_plan(s, case_id: uuid.UUID, today: date | None = None) -> CasePlan:
    """A case's victims, their plans and updates, inside a session (its reading rules)."""
    today = today or local_today()
    access.check_case(s, case_id)
    f = _read_facts(s, [case_id])
    case = f.cases.get(case_id)
    if case is None:
        raise StoreError("This case no longer exists.")
    victims = _lines(s, f, case, today, _told(s, case_id))
    agency_names = {r[0]: r[1] for r in s.execute(select(Agency.id, Agency.short_name))}
    updates = [
        UpdateLine(u.id, u.person_id, f.names.get(u.person_id) or _name(s, u.person_id),
                   u.updated_on, u.method, u.given_by, agency_names.get(u.agency_id, ""),
                   u.summary, u.closing, u.created_at)
        for u in s.scalars(select(VictimUpdate).where(
            VictimUpdate.case_id == case_id, VictimUpdate.voided.is_(False)))
    ]  # fmt: skip
    updates.sort(key=lambda u: (u.updated_on, u.created_at), reverse=True)
    return CasePlan(case.id, case.reference, case.status != CaseStatus.CLOSED, victims, updates)


def _name(s, person_id: uuid.UUID) -> str:
    person = s.get(Person, person_id)
    return person.full_name if person is not None else ""


def case_plan(store, case_id: uuid.UUID, today: date | None = None) -> CasePlan:
    """A case's victim contact plan (its own read)."""
    with store.read() as s:
        return read_plan(s, case_id, today)


def overdue(store, hub_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None,
            today: date | None = None) -> list[OverdueLine]:  # fmt: skip
    """Every victim whose update is overdue, on the open cases the account sees (of one hub;
    of one SPOC agency), the longest overdue first."""
    today = today or local_today()
    with store.read() as s:
        q = (select(CasePerson.case_id).join(Case, Case.id == CasePerson.case_id)
             .where(CasePerson.voided.is_(False), CasePerson.role.in_(VICTIM_ROLES),
                    Case.voided.is_(False), Case.status != CaseStatus.CLOSED.value)
             .distinct())  # fmt: skip
        if hub_id is not None:
            q = q.where(Case.hub_id == hub_id)
        if agency_id is not None:
            q = q.where(CasePerson.case_id.in_(select(VictimContact.case_id).where(
                VictimContact.spoc_agency_id == agency_id, VictimContact.voided.is_(False))))  # fmt: skip
        return read_overdue(s, list(s.scalars(q)), today, agency_id)


def read_overdue(s, case_ids: Iterable[uuid.UUID], today: date | None = None,
                 agency_id: uuid.UUID | None = None) -> list[OverdueLine]:  # fmt: skip
    """Inside a session: the victims of these cases overdue an update (on the open ones; of
    one SPOC agency), the longest overdue first (the meeting pack's section)."""
    today = today or local_today()
    f = _read_facts(s, case_ids)
    hubs = {r[0]: r[1] for r in s.execute(select(Hub.id, Hub.name))}
    out = []
    for case in f.cases.values():
        if case.status == CaseStatus.CLOSED:
            continue
        for v in _lines(s, f, case, today, set()):
            if not v.due.overdue:
                continue
            if agency_id is not None and v.spoc_agency_id != agency_id:
                continue
            out.append(OverdueLine(case.id, case.reference, hubs.get(case.hub_id, ""),
                                   v.person_id, v.name, v.spoc_name, v.spoc_agency_id,
                                   v.spoc_agency, v.last_update, v.due,
                                   v.person_id in f.locked))  # fmt: skip
    out.sort(key=lambda o: (o.due.next_due, o.case_reference, o.name.casefold()))
    return out


def overdue_counts(s, case_ids: Iterable[uuid.UUID], today: date | None = None
                   ) -> dict[uuid.UUID, int]:  # fmt: skip
    """How many victims of each of these (open) cases are overdue an update (cases with none
    left out): the case list's marks for the rows shown. Inside a session of the account the
    list was read for."""
    today = today or local_today()
    f = _read_facts(s, case_ids)
    out: dict[uuid.UUID, int] = {}
    for case in f.cases.values():
        if case.status == CaseStatus.CLOSED or case.id not in f.victims:
            continue
        n = sum(1 for v in _lines(s, f, case, today, set()) if v.due.overdue)
        if n:
            out[case.id] = n
    return out


# --- writing ---------------------------------------------------------------------------------


def _victims(s, case_id: uuid.UUID) -> set[uuid.UUID]:
    return set(s.scalars(select(CasePerson.person_id).where(
        CasePerson.case_id == case_id, CasePerson.voided.is_(False),
        CasePerson.role.in_(VICTIM_ROLES))))  # fmt: skip


def _case_to_write(s, case_id: uuid.UUID) -> Case:
    access.check_case(s, case_id)  # a partner whose agency is not on it hears why
    return case_for_update(s, case_id)


def _live_agency(s, agency_id: uuid.UUID | None) -> None:
    if agency_id is None:
        return
    agency = s.get(Agency, agency_id)
    if agency is None or agency.voided:
        raise VictimContactError("That agency is not in this database.")


def set_plan(store, case_id: uuid.UUID, draft: PlanDraft, base_version: int | None = None
             ) -> uuid.UUID:  # fmt: skip
    """Save a victim's contact plan on a case (made, or changed if they have one: then
    ``base_version``, when given, is the version the form loaded); return the plan's id."""
    clean = draft.cleaned()
    access.require(store, Op.VICTIM_CONTACT)
    with store.write(reason="victim contact plan") as s:
        case = _case_to_write(s, case_id)
        _refuse(validate_plan(clean, _victims(s, case.id)))
        _live_agency(s, clean.spoc_agency_id)
        plan = s.scalar(select(VictimContact).where(
            VictimContact.case_id == case.id, VictimContact.person_id == clean.person_id,
            VictimContact.voided.is_(False)))  # fmt: skip
        if plan is None:
            plan = VictimContact(id=uuid.uuid4(), case_id=case.id, person_id=clean.person_id)
            s.add(plan)
        elif base_version is not None and plan.row_version != base_version:
            raise EditConflict("This contact plan was changed by someone else since you opened "
                               "it; nothing was saved. Reload the case to see it.")  # fmt: skip
        for attr in ("spoc_name", "spoc_agency_id", "every_days", "cannot_tell_reason"):
            value = getattr(clean, attr)
            if getattr(plan, attr) != value:
                setattr(plan, attr, value)
        s.flush()
        return plan.id


def log_update(store, case_id: uuid.UUID, draft: UpdateDraft, *,
               today: date | None = None) -> uuid.UUID:  # fmt: skip
    """Log an update given to a victim or complainant of a case; return its id."""
    clean = draft.cleaned()
    access.require(store, Op.VICTIM_CONTACT)
    with store.write(reason="victim update") as s:
        case = _case_to_write(s, case_id)
        _refuse(validate_update(clean, today, _victims(s, case.id)))
        if clean.updated_on < case.opened_on:
            _refuse([Problem("updated_on", "The update cannot be before the case was opened "
                                          f"({format_date(case.opened_on)}).")])  # fmt: skip
        _live_agency(s, clean.agency_id)
        row = VictimUpdate(
            id=uuid.uuid4(), case_id=case.id, person_id=clean.person_id,
            updated_on=clean.updated_on, method=clean.method, given_by=clean.given_by,
            agency_id=clean.agency_id, summary=clean.summary, closing=clean.closing,
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


# --- closure ---------------------------------------------------------------------------------


def closure_problems(s, case: Case, outcome: str) -> list[Problem]:
    """Inside the write session that closes ``case``: the victims and complainants still to
    be told that it is closing (none for a duplicate). Only coordinators and administrators
    close cases, and they see every row of it."""
    if outcome == CaseOutcome.DUPLICATE:
        return []
    plan = _plan_of(s, case)
    waiting = plan.still_to_tell
    if not waiting:
        return []
    names = ", ".join(v.name for v in waiting)
    return [Problem("victims", "Before the case can close, tell these people that it is "
                               f"closing and why (or record why they cannot be told): {names}.")]  # fmt: skip


def _plan_of(s, case: Case) -> CasePlan:
    return CasePlan(case.id, case.reference, True,
                    _lines(s, _read_facts(s, [case.id]), case, local_today(), _told(s, case.id)))  # fmt: skip


def closing_words(s, case: Case, outcome: str, victim_satisfied: str = "") -> str:
    """What the closing status change says of the victims: satisfied or not (where asked),
    who was told and who could not be."""
    parts = []
    if victim_satisfied:
        parts.append(label(VictimSatisfied, victim_satisfied) + ".")
    if outcome == CaseOutcome.DUPLICATE:
        return " ".join(parts)
    victims = _plan_of(s, case).victims
    told = [v.name for v in victims if v.told_closing]
    not_told = [f"{v.name} ({v.cannot_tell_reason})" for v in victims
                if not v.told_closing and v.cannot_tell_reason]  # fmt: skip
    if told:
        parts.append("Victim told: " + ", ".join(told) + ".")
    if not_told:
        parts.append("Could not be told: " + "; ".join(not_told) + ".")
    return " ".join(parts)


def check_satisfied(value: str) -> list[Problem]:
    """The closing form's "victim satisfied" (yes, no, not asked, or "" not recorded)."""
    if not value:
        return []
    try:
        VictimSatisfied(value)
    except ValueError:
        return [Problem("victim_satisfied", "Say whether the victim was satisfied: yes, no or "
                                            "not asked.")]  # fmt: skip
    return []
