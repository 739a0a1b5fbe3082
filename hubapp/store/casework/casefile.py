"""One read model of a case: everything the screens and the documents show, read once.

The details pane (:mod:`casedetail`), the case window (:mod:`caseview`) and the printed case
summary (``hubapp.documents.gather``) all read a case through :func:`read`, which returns a
:class:`CaseFile` of plain frozen values (no live ORM rows), in one unit of work. Who may see
what (``hubapp.store.access``) is applied here, once, for every reader: a case the account
may not see is refused, notes kept to another agency are not read, and each locked-down
person carries ``hidden`` when the account may not see their details. The details
themselves stay in the file so that a printed profile can take them out of free text
(``hubapp.documents.gather``); every screen shows them only where ``hidden`` is false.

``full=False`` reads what the details pane needs (the case, its people, assignments, actions
and counts) and leaves the rest empty: the pane is read at every move in the case list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from hubapp.domain.codes import AgencyRole
from hubapp.store import access
from hubapp.store.schema import (
    Action,
    Agency,
    Assignment,
    Case,
    CasePerson,
    CasePlace,
    CaseStatusChange,
    Category,
    Channel,
    Contact,
    Hub,
    Intervention,
    InterventionBreach,
    InterventionType,
    Note,
    Person,
    Place,
    SaraPlan,
)


class CaseNotFound(LookupError):
    pass


@dataclass(frozen=True)
class CaseNames:
    """The names of what a case refers to by id ("" where there is none)."""

    hub: str
    category: str
    channel: str
    #: the lead agency's short name
    lead_agency: str


@dataclass(frozen=True)
class PersonEntry:
    id: uuid.UUID
    name: str
    role: str
    locked_down: bool
    date_of_birth: date | None
    phone: str
    email: str
    address: str
    #: the person record itself is voided (still linked to the case)
    voided: bool
    #: a locked-down person whose details the reading account may not see
    hidden: bool
    #: flagged a vulnerable adult, and why (hubapp.store.casework.safeguarding)
    vulnerable: bool = False
    vulnerable_reason: str = ""


@dataclass(frozen=True)
class PlaceEntry:
    id: uuid.UUID
    name: str
    town: str
    postcode: str
    grid_ref: str
    role: str
    #: linked to the case (False: the case's own place, not linked, put first)
    linked: bool = True


@dataclass(frozen=True)
class ContactEntry:
    received_at: datetime
    incident_at: datetime | None
    channel: str
    reporter_person_id: uuid.UUID | None
    #: the reporter's recorded name ("" for none)
    reporter_name: str
    anonymous: bool
    consent: bool
    summary: str
    external_ref: str


@dataclass(frozen=True)
class ActionEntry:
    agency_id: uuid.UUID
    agency: str  # short name
    description: str
    owner: str
    due_on: date | None
    status: str
    completed_on: date | None
    outcome: str
    created_at: datetime


@dataclass(frozen=True)
class NoteEntry:
    author: str
    agency: str  # short name, or ""
    visibility: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class StatusChangeEntry:
    from_status: str
    to_status: str
    changed_at: datetime
    changed_by: str
    reason: str


@dataclass(frozen=True)
class InterventionEntry:
    id: uuid.UUID
    row_version: int
    type_id: uuid.UUID
    type_name: str
    person_id: uuid.UUID | None
    place_id: uuid.UUID | None
    #: the person it is made against (name, locked down), or the place (name, town, postcode)
    person: tuple[str, bool] | None
    place: tuple[str, str, str] | None
    agency_id: uuid.UUID
    agency: str
    issued_on: date
    expires_on: date | None
    status: str
    ended_on: date | None
    conditions: str
    notes: str
    breaches: list[date] = field(default_factory=list)


@dataclass(frozen=True)
class CaseFile:
    """One case as every reader sees it (see the module's docstring)."""

    id: uuid.UUID
    reference: str
    row_version: int
    hub_id: uuid.UUID
    category_id: uuid.UUID
    channel_id: uuid.UUID
    lead_agency_id: uuid.UUID | None
    place_id: uuid.UUID | None
    names: CaseNames
    status: str
    risk_level: str
    priority: str
    sara_stage: str
    location: str
    town: str
    postcode: str
    grid_ref: str
    summary: str
    details: str
    police_log_ref: str
    council_ref: str
    received_at: datetime
    incident_at: datetime | None
    opened_on: date
    closed_on: date | None
    outcome: str
    closure_rationale: str
    next_review_on: date | None
    #: (agency short name, role), lead first, then support, then informed
    assignments: list[tuple[str, str]] = field(default_factory=list)
    people: list[PersonEntry] = field(default_factory=list)
    #: actions, soonest due first (none due last)
    actions: list[ActionEntry] = field(default_factory=list)
    contact_count: int = 0
    last_contact_at: datetime | None = None
    #: the notes the account may read
    note_count: int = 0
    # -- read with ``full`` only ---------------------------------------------------------
    #: linked places by role and name; the case's own place first if it is not linked
    places: list[PlaceEntry] = field(default_factory=list)
    #: newest first
    contacts: list[ContactEntry] = field(default_factory=list)
    #: the notes the account may read, newest first
    notes: list[NoteEntry] = field(default_factory=list)
    #: newest first
    status_changes: list[StatusChangeEntry] = field(default_factory=list)
    #: the SARA plan's fields (column -> value), or None
    sara_plan: dict[str, str] | None = None
    #: newest issued first
    interventions: list[InterventionEntry] = field(default_factory=list)
    # -- hate, recorded by perception (hubapp.store.casework.hate) ------------------------
    #: yes, no, not_known, or "" (not asked); the strands perceived with yes
    hate: str = ""
    hate_strands: tuple[str, ...] = ()

    @property
    def hub(self) -> str:
        return self.names.hub

    @property
    def category(self) -> str:
        return self.names.category

    @property
    def channel(self) -> str:
        return self.names.channel

    @property
    def lead_agency(self) -> str:
        return self.names.lead_agency


def live_case(s, case_id: uuid.UUID) -> Case | None:
    """The case, or None if it does not exist or has been removed."""
    case = s.get(Case, case_id)
    return None if case is None or case.voided else case


def case_names(s, case: Case) -> CaseNames:
    hub = s.get(Hub, case.hub_id)
    category = s.get(Category, case.category_id)
    channel = s.get(Channel, case.channel_id)
    lead = s.get(Agency, case.lead_agency_id) if case.lead_agency_id else None
    return CaseNames(
        hub=hub.name if hub else "",
        category=category.name if category else "",
        channel=channel.name if channel else "",
        lead_agency=lead.short_name if lead else "",
    )


def _dt(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


_SARA_COLUMNS = tuple(
    c.name for c in SaraPlan.__table__.columns
    if c.name not in ("id", "case_id", "row_version", "created_at", "updated_at", "station_id",
                      "voided")
)  # fmt: skip


def read(s, case_id: uuid.UUID, *, full: bool = True) -> CaseFile:
    """Read one case in the session ``s`` as the account acting in it may see it (the
    session's own rules leave out notes kept to another agency); CaseNotFound when it does
    not exist or has been removed, ``access.AccessRefused`` when the account may not see
    it."""
    case = live_case(s, case_id)  # None too for a case the account may not see
    if case is None:
        access.check_case(s, case_id)  # the account hears why, not that it is gone
        raise CaseNotFound("This case does not exist or has been removed.")
    hidden = not access.sees_locked_down(s, case.hub_id)
    short = dict(s.execute(select(Agency.id, Agency.short_name)).all())

    assignments = [
        (short.get(agency_id, "?"), role)
        for agency_id, role in s.execute(
            select(Assignment.agency_id, Assignment.role)
            .join(Agency, Agency.id == Assignment.agency_id)
            .where(Assignment.case_id == case_id, Assignment.voided.is_(False))
            .order_by(
                sql_case((Assignment.role == AgencyRole.LEAD, 0),
                         (Assignment.role == AgencyRole.SUPPORT, 1), else_=2),
                Agency.short_name,
            )
        )
    ]  # fmt: skip
    people = [
        PersonEntry(p.id, p.full_name, role, p.locked_down, p.date_of_birth, p.phone, p.email,
                    p.address, p.voided, bool(p.locked_down and hidden), bool(p.vulnerable),
                    p.vulnerable_reason or "")
        for p, role in s.execute(
            select(Person, CasePerson.role)
            .join(CasePerson, CasePerson.person_id == Person.id)
            .where(CasePerson.case_id == case_id, CasePerson.voided.is_(False))
            .order_by(CasePerson.role, Person.full_name)
        )
    ]  # fmt: skip
    actions = [
        ActionEntry(a.agency_id, short.get(a.agency_id, "?"), a.description, a.owner, a.due_on,
                    a.status, a.completed_on, a.outcome, _dt(a.created_at))
        for a in s.scalars(
            select(Action).where(Action.case_id == case_id, Action.voided.is_(False))
            .order_by(Action.due_on.is_(None), Action.due_on, Action.created_at)
        )
    ]  # fmt: skip
    contact_count, last_contact = s.execute(
        select(func.count(), func.max(Contact.received_at)).where(
            Contact.case_id == case_id, Contact.voided.is_(False)
        )
    ).one()
    notes_q = select(func.count()).where(Note.case_id == case_id, Note.voided.is_(False))
    parts: dict = {}
    if full:
        parts = _full_parts(s, case, short)
    return CaseFile(
        id=case.id, reference=case.reference, row_version=case.row_version,
        hub_id=case.hub_id, category_id=case.category_id, channel_id=case.channel_id,
        lead_agency_id=case.lead_agency_id, place_id=case.place_id,
        names=case_names(s, case), status=case.status, risk_level=case.risk_level,
        priority=case.priority, sara_stage=case.sara_stage, location=case.location,
        town=case.town, postcode=case.postcode, grid_ref=case.grid_ref, summary=case.summary,
        details=case.details, police_log_ref=case.police_log_ref,
        council_ref=case.council_ref, received_at=case.received_at,
        incident_at=case.incident_at, opened_on=case.opened_on, closed_on=case.closed_on,
        outcome=case.outcome, closure_rationale=case.closure_rationale,
        next_review_on=case.next_review_on, assignments=assignments, people=people,
        actions=actions, contact_count=contact_count, last_contact_at=_dt(last_contact),
        note_count=s.scalar(notes_q) or 0, **parts, hate=case.hate or "",
        hate_strands=tuple(case.hate_strands or ()),
    )  # fmt: skip


def _full_parts(s, case: Case, short: dict) -> dict:
    case_id = case.id
    places = [
        PlaceEntry(p.id, p.name, p.town, p.postcode, p.grid_ref, role)
        for p, role in s.execute(
            select(Place, CasePlace.role)
            .join(CasePlace, CasePlace.place_id == Place.id)
            .where(CasePlace.case_id == case_id, CasePlace.voided.is_(False))
            .order_by(CasePlace.role, Place.name)
        )
    ]
    if case.place_id and all(p.id != case.place_id for p in places):
        p = s.get(Place, case.place_id)
        if p is not None:
            places.insert(0, PlaceEntry(p.id, p.name, p.town, p.postcode, p.grid_ref,
                                        "location", linked=False))  # fmt: skip
    channels = dict(s.execute(select(Channel.id, Channel.name)).all())
    contacts = [
        ContactEntry(_dt(c.received_at), _dt(c.incident_at), channels.get(c.channel_id, ""),
                     c.reporter_person_id, reporter or "", c.anonymous, c.consent_to_contact,
                     c.summary, c.external_ref)
        for c, reporter in s.execute(
            select(Contact, Person.full_name)
            .outerjoin(Person, Person.id == Contact.reporter_person_id)
            .where(Contact.case_id == case_id, Contact.voided.is_(False))
            .order_by(Contact.received_at.desc())
        )
    ]  # fmt: skip
    notes_q = select(Note).where(Note.case_id == case_id, Note.voided.is_(False))
    notes = [
        NoteEntry(n.author, short.get(n.agency_id, "") if n.agency_id else "", n.visibility,
                  n.body, _dt(n.created_at))
        for n in s.scalars(notes_q.order_by(Note.created_at.desc()))
    ]  # fmt: skip
    status_changes = [
        StatusChangeEntry(c.from_status, c.to_status, _dt(c.changed_at), c.changed_by, c.reason)
        for c in s.scalars(
            select(CaseStatusChange)
            .where(CaseStatusChange.case_id == case_id, CaseStatusChange.voided.is_(False))
            .order_by(CaseStatusChange.changed_at.desc())
        )
    ]  # fmt: skip
    plan = s.scalar(select(SaraPlan).where(SaraPlan.case_id == case_id, SaraPlan.voided.is_(False)))
    sara_plan = {c: getattr(plan, c) or "" for c in _SARA_COLUMNS} if plan is not None else None
    rows = s.execute(
        select(Intervention, InterventionType.name, Person, Place)
        .join(InterventionType, InterventionType.id == Intervention.intervention_type_id)
        .outerjoin(Person, Person.id == Intervention.person_id)
        .outerjoin(Place, Place.id == Intervention.place_id)
        .where(Intervention.case_id == case_id, Intervention.voided.is_(False))
        .order_by(Intervention.issued_on.desc())
    ).all()
    breaches: dict[uuid.UUID, list[date]] = {}
    if rows:
        for iid, on in s.execute(
            select(InterventionBreach.intervention_id, InterventionBreach.breached_on)
            .where(InterventionBreach.intervention_id.in_([i.id for i, *_r in rows]),
                   InterventionBreach.voided.is_(False))
        ):  # fmt: skip
            breaches.setdefault(iid, []).append(on)
    interventions = [
        InterventionEntry(
            i.id, i.row_version, i.intervention_type_id, type_name, i.person_id, i.place_id,
            (person.full_name, bool(person.locked_down)) if person is not None else None,
            (place.name, place.town, place.postcode) if place is not None else None,
            i.agency_id, short.get(i.agency_id, "?"), i.issued_on, i.expires_on, i.status,
            i.ended_on, i.conditions, i.notes, breaches.get(i.id, []),
        )
        for i, type_name, person, place in rows
    ]  # fmt: skip
    return dict(places=places, contacts=contacts, notes=notes, status_changes=status_changes,
                sara_plan=sara_plan, interventions=interventions)  # fmt: skip
