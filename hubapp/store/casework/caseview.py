"""Everything the case view shows about one case, read in one unit of work.

Opening a case view is a consultation of personal data: like the detail pane
(:mod:`hubapp.store.casework.casedetail`) it writes an audit entry in the same transaction. The result
is plain frozen values (no live ORM rows), safe to hand from a worker thread to the GUI.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import select

from hubapp.domain.clock import local_today
from hubapp.domain.codes import AgencyRole
from hubapp.domain.rag import Rag, action_rag
from hubapp.store import access, audit
from hubapp.store.casework import asb_review, interventions, sara, timeline
from hubapp.store.casework.casedetail import CaseNotFound, case_names, live_case
from hubapp.store.schema import (
    Action,
    Agency,
    Assignment,
    CasePerson,
    CasePlace,
    Channel,
    Contact,
    HubAgency,
    Intervention,
    InterventionBreach,
    Person,
    Place,
)

__all__ = ["CaseNotFound", "CaseView", "load"]


@dataclass(frozen=True)
class ContactLine:
    received_at: datetime
    incident_at: datetime | None
    channel: str
    reporter: str  # a name, or "" when anonymous
    anonymous: bool
    consent: bool
    summary: str
    external_ref: str


@dataclass(frozen=True)
class PersonLine:
    id: uuid.UUID
    name: str
    role: str
    locked_down: bool
    date_of_birth: date | None = None
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class PlaceLine:
    id: uuid.UUID
    name: str
    town: str
    postcode: str
    grid_ref: str
    role: str


@dataclass(frozen=True)
class ActionLine:
    agency: str
    description: str
    owner: str
    due_on: date | None
    status: str
    rag: Rag
    completed_on: date | None
    outcome: str


@dataclass(frozen=True)
class InterventionLine:
    id: uuid.UUID
    row_version: int
    type_id: uuid.UUID
    type_name: str
    person_id: uuid.UUID | None
    place_id: uuid.UUID | None
    target: str
    agency_id: uuid.UUID
    agency: str
    issued_on: date
    expires_on: date | None
    status: str
    ended_on: date | None
    conditions: str
    notes: str
    breaches: int = 0
    last_breach_on: date | None = None


@dataclass(frozen=True)
class AgencyChoice:
    id: uuid.UUID
    short_name: str
    name: str


@dataclass(frozen=True)
class CaseView:
    id: uuid.UUID
    reference: str
    row_version: int
    hub_id: uuid.UUID
    hub: str
    category: str
    channel: str
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
    lead_agency: str
    assignments: list[tuple[str, str]] = field(default_factory=list)
    contacts: list[ContactLine] = field(default_factory=list)
    people: list[PersonLine] = field(default_factory=list)
    places: list[PlaceLine] = field(default_factory=list)
    actions: list[ActionLine] = field(default_factory=list)
    timeline: list[timeline.Entry] = field(default_factory=list)
    sara: sara.SaraState | None = None
    interventions: list[InterventionLine] = field(default_factory=list)
    asb_warnings: list[asb_review.Warning] = field(default_factory=list)
    #: for the forms: the hub's agencies and the intervention types
    agencies: list[AgencyChoice] = field(default_factory=list)
    intervention_types: list[interventions.TypeInfo] = field(default_factory=list)


def load(store, case_id: uuid.UUID, *, today: date | None = None,
         record_view: bool = True) -> CaseView:  # fmt: skip
    """Read one case with everything the case view shows; audited as a consultation."""
    today = today or local_today()
    with store.write(reason="case opened") if record_view else store.read() as s:
        case = live_case(s, case_id)
        if case is None:
            raise CaseNotFound("This case does not exist or has been removed.")
        access.check_case(store, s, case_id)
        hidden = not access.sees_locked_down(store, case.hub_id)
        named = case_names(s, case)
        agency_rows = s.execute(select(Agency.id, Agency.short_name, Agency.name)).all()
        short = {a.id: a.short_name for a in agency_rows}
        channels = dict(s.execute(select(Channel.id, Channel.name)).all())
        assignments = [
            (short.get(agency_id, "?"), role)
            for agency_id, role in s.execute(
                select(Assignment.agency_id, Assignment.role)
                .where(Assignment.case_id == case_id, Assignment.voided.is_(False))
                .order_by(sql_case((Assignment.role == AgencyRole.LEAD, 0),
                                   (Assignment.role == AgencyRole.SUPPORT, 1), else_=2))
            )
        ]  # fmt: skip
        people = [
            PersonLine(p.id, p.full_name, role, p.locked_down,
                       *(() if p.locked_down and hidden else
                         (p.date_of_birth, p.phone, p.email, p.address)))
            for p, role in s.execute(
                select(Person, CasePerson.role)
                .join(CasePerson, CasePerson.person_id == Person.id)
                .where(CasePerson.case_id == case_id, CasePerson.voided.is_(False))
                .order_by(CasePerson.role, Person.full_name)
            )
        ]  # fmt: skip
        names = {p.id: p.name for p in people}
        contacts = []
        for c in s.scalars(
            select(Contact).where(Contact.case_id == case_id, Contact.voided.is_(False))
            .order_by(Contact.received_at.desc())
        ):  # fmt: skip
            reporter = "" if c.anonymous or c.reporter_person_id is None else (
                names.get(c.reporter_person_id) or "")  # fmt: skip
            contacts.append(ContactLine(c.received_at, c.incident_at,
                                        channels.get(c.channel_id, ""), reporter, c.anonymous,
                                        c.consent_to_contact, c.summary, c.external_ref))  # fmt: skip
        places = [
            PlaceLine(p.id, p.name, p.town, p.postcode, p.grid_ref, role)
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
                places.insert(0, PlaceLine(p.id, p.name, p.town, p.postcode, p.grid_ref,
                                           "location"))  # fmt: skip
        place_names = {p.id: ", ".join(x for x in (p.name, p.town) if x) for p in places}
        actions = [
            ActionLine(short.get(a.agency_id, "?"), a.description, a.owner, a.due_on, a.status,
                       action_rag(a.due_on, a.status, today), a.completed_on, a.outcome)
            for a in s.scalars(
                select(Action).where(Action.case_id == case_id, Action.voided.is_(False))
                .order_by(Action.due_on.is_(None), Action.due_on)
            )
        ]  # fmt: skip
        types = interventions.read_types(s, active_only=False)
        type_names = {t.id: t.name for t in types}
        rows = s.scalars(
            select(Intervention).where(Intervention.case_id == case_id,
                                       Intervention.voided.is_(False))
            .order_by(Intervention.issued_on.desc())
        ).all()  # fmt: skip
        breaches: dict[uuid.UUID, list[date]] = {}
        if rows:
            for iid, on in s.execute(
                select(InterventionBreach.intervention_id, InterventionBreach.breached_on)
                .where(InterventionBreach.intervention_id.in_([i.id for i in rows]),
                       InterventionBreach.voided.is_(False))
            ):  # fmt: skip
                breaches.setdefault(iid, []).append(on)
        items = [
            InterventionLine(
                i.id, i.row_version, i.intervention_type_id,
                type_names.get(i.intervention_type_id, "?"), i.person_id, i.place_id,
                names.get(i.person_id, "") if i.person_id else place_names.get(i.place_id, ""),
                i.agency_id, short.get(i.agency_id, "?"), i.issued_on, i.expires_on, i.status,
                i.ended_on, i.conditions, i.notes, len(breaches.get(i.id, [])),
                max(breaches[i.id]) if i.id in breaches else None,
            )
            for i in rows
        ]  # fmt: skip
        hub_agencies = [
            AgencyChoice(a.id, a.short_name, a.name)
            for a in s.scalars(
                select(Agency).join(HubAgency, HubAgency.agency_id == Agency.id)
                .where(HubAgency.hub_id == case.hub_id, HubAgency.voided.is_(False),
                       Agency.voided.is_(False), Agency.active.is_(True))
                .order_by(HubAgency.position, Agency.short_name)
            )
        ]  # fmt: skip
        view = CaseView(
            id=case.id, reference=case.reference, row_version=case.row_version,
            hub_id=case.hub_id, hub=named.hub, category=named.category,
            channel=named.channel, status=case.status,
            risk_level=case.risk_level, priority=case.priority, sara_stage=case.sara_stage,
            location=case.location, town=case.town, postcode=case.postcode,
            grid_ref=case.grid_ref, summary=case.summary, details=case.details,
            police_log_ref=case.police_log_ref, council_ref=case.council_ref,
            received_at=case.received_at, incident_at=case.incident_at,
            opened_on=case.opened_on, closed_on=case.closed_on, outcome=case.outcome,
            closure_rationale=case.closure_rationale, next_review_on=case.next_review_on,
            lead_agency=named.lead_agency,
            assignments=assignments, contacts=contacts, people=people, places=places,
            actions=actions, timeline=timeline.read_entries(s, case_id, short, store=store),
            sara=sara.read_state(s, case_id), interventions=items,
            asb_warnings=asb_review.read_for_case(s, case_id, today),
            agencies=hub_agencies, intervention_types=[t for t in types],
        )  # fmt: skip
        if record_view:
            audit.record(s, audit.Kind.CONSULTATION, "case_", [str(case_id)],
                         {"view": "case view",
                          "persons": sorted({str(p.id) for p in people})},
                         reason="case opened")  # fmt: skip
    return view
