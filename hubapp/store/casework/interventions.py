"""Interventions (tools and powers) used on a case, against one of its people or places.

The life of an intervention::

    active --record breach--> breached (still in force; more breaches may follow)
    active / breached --end--> complied / ended / revoked (with the date it ended)

Rules (checked by :func:`validate`, which returns problems and never raises; the write
functions run it again inside the transaction and raise :class:`CaseworkError`):

* a type from the configurable list; made against exactly one person **or** one place of
  the case, as the type allows (a PSPO is made against a place, an ABC against a person);
* an issuing agency; an issue date (not in the future) and an expiry date, if any, after it;
* conditions and notes within length.

Every change is checked against the version the editor loaded (``base_version``).

The statutory limits of each type (issue 17; :mod:`hubapp.domain.powers`, the rules table in
``interventions.toml``) are checked in the same transaction: a hard limit refuses the save in
the Act's sentence and section; a soft one (a prerequisite skipped, no date of birth for an
age-limited power) raises :class:`NeedsReason` unless the draft gives ``override_reason``,
which is kept on the intervention. A breach records its outcome, among those its type allows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from hubapp.domain import powers
from hubapp.domain.clock import local_today
from hubapp.domain.codes import AppliesTo, BreachOutcome, InterventionStatus
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access
from hubapp.store.casework.actions import EARLIEST_DATE
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.casework.workflow import CaseworkError, refuse
from hubapp.store.errors import EditConflict, Problem, StoreError
from hubapp.store.schema import (
    Agency,
    CasePerson,
    CasePlace,
    Intervention,
    InterventionBreach,
    InterventionType,
    Person,
)

TEXT_MAX = 4_000
#: the column's size
AUTHORISED_MAX = 120
#: how an intervention ends (breached is recorded with record_breach)
END_STATUSES = (InterventionStatus.COMPLIED, InterventionStatus.ENDED, InterventionStatus.REVOKED)


@dataclass(frozen=True)
class TypeInfo:
    id: uuid.UUID
    code: str
    name: str
    applies_to: str


@dataclass(frozen=True)
class InterventionDraft:
    type_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    issued_on: date | None
    person_id: uuid.UUID | None = None
    place_id: uuid.UUID | None = None
    expires_on: date | None = None
    conditions: str = ""
    notes: str = ""
    #: why a soft statutory limit was passed over (kept on the intervention)
    override_reason: str = ""
    #: who authorised it (a dispersal: an inspector or above, s.34)
    authorised_by: str = ""
    #: who was consulted first (an under-18's civil injunction: the youth offending team, s.14)
    consulted: str = ""
    #: the court hearing a closure notice leads to (within 48 hours, s.80(3))
    hearing_on: date | None = None

    def cleaned(self) -> InterventionDraft:
        return InterventionDraft(
            self.type_id, self.agency_id, self.issued_on, self.person_id, self.place_id,
            self.expires_on, clean_text(self.conditions), clean_text(self.notes),
            clean_text(self.override_reason), clean_line(self.authorised_by),
            clean_text(self.consulted), self.hearing_on,
        )  # fmt: skip


#: said beside the reason's field when a warning wants one
REASON_WANTED = "Say why it goes ahead despite the warning; the reason is kept with it."


class NeedsReason(CaseworkError):
    """A soft statutory limit passed over without a reason: ``problems`` says which (the
    save goes ahead once a reason is given)."""


def validate(draft: InterventionDraft, applies_to: str | None, today: date | None = None,
             case_people: set[uuid.UUID] | None = None,
             case_places: set[uuid.UUID] | None = None) -> list[Problem]:  # fmt: skip
    """Problems with a (cleaned) draft. ``applies_to`` is the chosen type's (None: no type);
    ``case_people`` / ``case_places``, when given, are the ids the target must be among."""
    today = today or local_today()
    d = draft
    problems: list[Problem] = []
    if d.type_id is None or applies_to is None:
        problems.append(Problem("type", "Choose the kind of intervention."))
    if d.person_id is not None and d.place_id is not None:
        problems.append(Problem("target", "Make the intervention against a person or a place, "
                                          "not both."))  # fmt: skip
    elif d.person_id is None and d.place_id is None:
        what = {"person": "person", "place": "place"}.get(applies_to or "", "person or place")
        problems.append(Problem("target", f"Choose the {what} it is made against."))
    elif applies_to == AppliesTo.PERSON and d.person_id is None:
        problems.append(Problem("target", "This kind of intervention is made against a person, "
                                          "not a place."))  # fmt: skip
    elif applies_to == AppliesTo.PLACE and d.place_id is None:
        problems.append(Problem("target", "This kind of intervention is made against a place, "
                                          "not a person."))  # fmt: skip
    elif d.person_id is not None and case_people is not None and d.person_id not in case_people:
        problems.append(Problem("target", "That person is not linked to this case."))
    elif d.place_id is not None and case_places is not None and d.place_id not in case_places:
        problems.append(Problem("target", "That place is not linked to this case."))
    if d.agency_id is None:
        problems.append(Problem("agency", "Choose the agency that issued it."))
    if d.issued_on is None:
        problems.append(Problem("issued_on", "Enter the date it was issued."))
    elif d.issued_on > today:
        problems.append(Problem("issued_on", "The issue date cannot be in the future."))
    elif d.issued_on < EARLIEST_DATE:
        problems.append(Problem("issued_on", "The issue date is too far in the past; check the "
                                             "year."))  # fmt: skip
    if d.expires_on is not None and d.issued_on is not None and d.expires_on <= d.issued_on:
        problems.append(Problem("expires_on", "The expiry date must be after the issue date."))
    for name in ("conditions", "notes", "override_reason", "consulted"):
        if len(getattr(d, name)) > TEXT_MAX:
            problems.append(Problem(name, f"Too long: at most {TEXT_MAX:,} characters."))
    if len(d.authorised_by) > AUTHORISED_MAX:
        problems.append(Problem("authorised_by", f"Too long: at most {AUTHORISED_MAX} "
                                                 "characters."))  # fmt: skip
    return problems


def types(store, active_only: bool = True, case_only: bool = True) -> list[TypeInfo]:
    with store.read() as s:
        return read_types(s, active_only, case_only)


def read_types(s, active_only: bool = True, case_only: bool = True) -> list[TypeInfo]:
    """The types (``case_only``: without those the rules keep off cases, such as a PSPO, an
    area order of hubapp.store.casework.hub_orders, even where an older database still has
    it active)."""
    q = select(InterventionType).where(InterventionType.voided.is_(False))
    if active_only:
        q = q.where(InterventionType.active.is_(True))
    rows = s.scalars(q.order_by(InterventionType.name))
    return [TypeInfo(t.id, t.code, t.name, t.applies_to) for t in rows
            if not case_only or powers.limits_of(t.code).case_intervention]  # fmt: skip


def _check_in_transaction(s, case, draft: InterventionDraft, today: date | None,
                          editing: Intervention | None = None) -> None:  # fmt: skip
    t = s.get(InterventionType, draft.type_id) if draft.type_id else None
    people = set(s.scalars(select(CasePerson.person_id).where(
        CasePerson.case_id == case.id, CasePerson.voided.is_(False))))  # fmt: skip
    places = set(s.scalars(select(CasePlace.place_id).where(
        CasePlace.case_id == case.id, CasePlace.voided.is_(False))))  # fmt: skip
    if case.place_id:
        places.add(case.place_id)
    refuse(validate(draft, t.applies_to if t and not t.voided else None, today, people, places))
    agency = s.get(Agency, draft.agency_id)
    if agency is None or agency.voided:
        raise CaseworkError("That agency is not in this database.")
    _check_limits(s, t, draft, editing)


def facts(s, draft: InterventionDraft, editing: Intervention | None = None) -> powers.Facts:
    """What the statutory rules look at: the person's date of birth, and what was used
    before against the same person or place (on any case the account sees)."""
    born = None
    if draft.person_id is not None:
        person = s.get(Person, draft.person_id)
        born = person.date_of_birth if person is not None else None
        same = Intervention.person_id == draft.person_id
    else:
        same = Intervention.place_id == draft.place_id
    q = (select(InterventionType.code, InterventionType.name, Intervention.issued_on,
                Intervention.expires_on)
         .join(InterventionType, InterventionType.id == Intervention.intervention_type_id)
         .where(same, Intervention.voided.is_(False)))  # fmt: skip
    if editing is not None:
        q = q.where(Intervention.id != editing.id)
    earlier = tuple(powers.Earlier(*row) for row in s.execute(q))
    return powers.Facts(
        issued_on=draft.issued_on, expires_on=draft.expires_on,
        against_person=draft.person_id is not None, date_of_birth=born,
        authorised_by=draft.authorised_by, consulted=draft.consulted,
        hearing_on=draft.hearing_on, earlier=earlier, editing=editing is not None,
    )  # fmt: skip


def _check_limits(s, t: InterventionType, draft: InterventionDraft,
                  editing: Intervention | None) -> None:  # fmt: skip
    limits = powers.limits_of(t.code, t.name)
    if not limits.case_intervention and editing is not None and (
            editing.intervention_type_id == t.id):  # fmt: skip
        return  # an older row of a type no longer used on cases stays editable
    hard, soft = powers.check(limits, facts(s, draft, editing))
    refuse([Problem(f.field, f.message) for f in hard])
    if soft and not draft.override_reason:
        problems = [Problem(f.field, f.message) for f in soft]
        problems.append(Problem("override_reason", REASON_WANTED))
        raise NeedsReason(problems[0].message, problems)


def add(store, case_id: uuid.UUID, draft: InterventionDraft, *,
        today: date | None = None) -> uuid.UUID:  # fmt: skip
    """Record an intervention on a case; return its id."""
    clean = draft.cleaned()
    access.require_case_edit(store)  # partners and read-only do not (hubapp.store.access)
    with store.write(reason="intervention added") as s:
        case = case_for_update(s, case_id)
        _check_in_transaction(s, case, clean, today)
        i = Intervention(
            id=uuid.uuid4(), case_id=case.id, intervention_type_id=clean.type_id,
            person_id=clean.person_id, place_id=clean.place_id, agency_id=clean.agency_id,
            issued_on=clean.issued_on, expires_on=clean.expires_on, conditions=clean.conditions,
            notes=clean.notes, status=InterventionStatus.ACTIVE.value,
            override_reason=clean.override_reason, authorised_by=clean.authorised_by,
            consulted=clean.consulted, hearing_on=clean.hearing_on,
        )  # fmt: skip
        s.add(i)
        s.flush()
        return i.id


def _load(s, intervention_id: uuid.UUID, base_version: int) -> Intervention:
    i = s.get(Intervention, intervention_id)
    if i is None or i.voided:
        raise StoreError("This intervention no longer exists.")
    if i.row_version != base_version:
        raise EditConflict(
            "This intervention was changed by someone else since you opened it; your changes "
            "were not saved. Reload the case to see the new version."
        )
    return i


def edit(store, intervention_id: uuid.UUID, base_version: int, draft: InterventionDraft, *,
         today: date | None = None) -> int:  # fmt: skip
    """Change an intervention's details; return its new version."""
    clean = draft.cleaned()
    access.require_case_edit(store)  # partners and read-only do not (hubapp.store.access)
    with store.write(reason="intervention edited") as s:
        i = _load(s, intervention_id, base_version)
        case = case_for_update(s, i.case_id)
        _check_in_transaction(s, case, clean, today, editing=i)
        for attr, value in (("intervention_type_id", clean.type_id),
                            ("person_id", clean.person_id), ("place_id", clean.place_id),
                            ("agency_id", clean.agency_id), ("issued_on", clean.issued_on),
                            ("expires_on", clean.expires_on), ("conditions", clean.conditions),
                            ("notes", clean.notes), ("override_reason", clean.override_reason),
                            ("authorised_by", clean.authorised_by), ("consulted", clean.consulted),
                            ("hearing_on", clean.hearing_on)):  # fmt: skip
            if getattr(i, attr) != value:
                setattr(i, attr, value)
        s.flush()
        return i.row_version


def end(store, intervention_id: uuid.UUID, base_version: int, status: str, ended_on: date,
        notes: str = "", *, today: date | None = None) -> int:  # fmt: skip
    """End a live intervention as complied, ended or revoked on ``ended_on``."""
    today = today or local_today()
    try:
        how = InterventionStatus(status)
    except ValueError:
        how = None
    if how not in END_STATUSES:
        raise CaseworkError("Choose how it ended: complied, ended or revoked.",
                            [Problem("status", "Choose how it ended.")])  # fmt: skip
    access.require_case_edit(store)  # partners and read-only do not (hubapp.store.access)
    with store.write(reason="intervention ended") as s:
        i = _load(s, intervention_id, base_version)
        if not InterventionStatus(i.status).is_live:
            raise CaseworkError("This intervention has already ended.")
        problems = []
        if ended_on is None:
            problems.append(Problem("ended_on", "Enter the date it ended."))
        elif ended_on > today:
            problems.append(Problem("ended_on", "The end date cannot be in the future."))
        elif ended_on < i.issued_on:
            problems.append(Problem("ended_on", "It cannot end before it was issued."))
        refuse(problems)
        i.status = how.value
        i.ended_on = ended_on
        note = clean_text(notes)
        if note:
            i.notes = f"{i.notes}\n{note}".strip()
        s.flush()
        return i.row_version


def record_breach(store, intervention_id: uuid.UUID, base_version: int, breached_on: date,
                  details: str, *, outcome: str = "", today: date | None = None) -> int:  # fmt: skip
    """Record a breach of a live intervention (it becomes breached) and what came of it (a
    :class:`BreachOutcome` its type allows, or "" not yet known); return its new version."""
    today = today or local_today()
    details = clean_text(details)
    access.require_case_edit(store)  # partners and read-only do not (hubapp.store.access)
    with store.write(reason="intervention breach recorded") as s:
        i = _load(s, intervention_id, base_version)
        if not InterventionStatus(i.status).is_live:
            raise CaseworkError("This intervention has ended; a breach cannot be recorded.")
        problems = []
        if breached_on is None:
            problems.append(Problem("breached_on", "Enter the date of the breach."))
        elif breached_on > today:
            problems.append(Problem("breached_on", "The breach date cannot be in the future."))
        elif breached_on < i.issued_on:
            problems.append(Problem("breached_on", "A breach cannot be before the intervention "
                                                   "was issued."))  # fmt: skip
        if not details:
            problems.append(Problem("details", "Describe the breach."))
        elif len(details) > TEXT_MAX:
            problems.append(Problem("details", f"Too long: at most {TEXT_MAX:,} characters."))
        if outcome:
            t = s.get(InterventionType, i.intervention_type_id)
            allowed = powers.limits_of(t.code, t.name).breach_outcomes
            if outcome not in allowed:
                names = ", ".join(BreachOutcome(o).label.lower() for o in allowed)
                problems.append(Problem("outcome", f"A breach of a {powers.called(t.name)} "
                                                   f"can lead to: {names}."))  # fmt: skip
        refuse(problems)
        s.add(InterventionBreach(id=uuid.uuid4(), intervention_id=i.id, breached_on=breached_on,
                                 details=details, recorded_by=store.user,
                                 outcome=outcome))  # fmt: skip
        i.status = InterventionStatus.BREACHED.value
        s.flush()
        return i.row_version
