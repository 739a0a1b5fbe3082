"""Everything the case window shows about one case: the case file (:mod:`casefile`), with
the timeline, the SARA plan's state, the ASB Case Review warnings and the forms' choices, in
one unit of work.

Opening a case view is a consultation of personal data: like the detail pane
(:mod:`hubapp.store.casework.casedetail`) it writes an audit entry in the same transaction. The result
is plain frozen values (no live ORM rows), safe to hand from a worker thread to the GUI.
A locked-down person's details are left out where the account may not see them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from hubapp.domain.clock import local_today
from hubapp.domain.rag import Rag, action_rag
from hubapp.store import audit
from hubapp.store.casework import (
    asb_review,
    casefile,
    interventions,
    links,
    referrals,
    repeats,
    risk,
    safeguarding,
    sara,
    timeline,
)
from hubapp.store.casework.casefile import CaseNotFound
from hubapp.store.schema import (
    Agency,
    HubAgency,
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
    #: safeguarding flags as the account may see them (hubapp.store.casework.safeguarding)
    flags: str = ""
    flag_lines: tuple[str, ...] = ()


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
    #: the case's people and places that are repeats (hubapp.domain.repeats)
    repeats: list[repeats.Subject] = field(default_factory=list)
    #: the cases linked to this one, either way round (hubapp.store.casework.links)
    links: list[links.LinkLine] = field(default_factory=list)
    #: for the forms: the hub's agencies and the intervention types
    agencies: list[AgencyChoice] = field(default_factory=list)
    intervention_types: list[interventions.TypeInfo] = field(default_factory=list)
    # -- hate, safeguarding and risk (hubapp.store.casework.hate, referrals, risk) ---------
    hate: str = ""
    hate_strands: tuple[str, ...] = ()
    #: the referrals the account may see, newest first
    referrals: list = field(default_factory=list)
    #: the risk assessments, newest first (hubapp.store.casework.risk.AssessmentLine)
    assessments: list = field(default_factory=list)
    #: "Reassess: a new report since the last assessment." or ""
    reassess: str = ""


def load(store, case_id: uuid.UUID, *, today: date | None = None,
         record_view: bool = True) -> CaseView:  # fmt: skip
    """Read one case with everything the case view shows; audited as a consultation."""
    today = today or local_today()
    with store.write(reason="case opened") if record_view else store.read() as s:
        f = casefile.read(s, case_id)
        short = dict(s.execute(select(Agency.id, Agency.short_name)).all())
        people = []
        for p in f.people:
            flags = safeguarding.flags(p.date_of_birth, p.vulnerable, p.vulnerable_reason,
                                       hidden=p.hidden, today=today)  # fmt: skip
            people.append(PersonLine(
                p.id, p.name, p.role, p.locked_down,
                *((None, "", "", "") if p.hidden else (p.date_of_birth, p.phone, p.email,
                                                       p.address)),
                flags=flags.short, flag_lines=tuple(flags.lines()),
            ))  # fmt: skip
        names = {p.id: p.name for p in people}
        contacts = [
            ContactLine(c.received_at, c.incident_at, c.channel,
                        "" if c.anonymous or c.reporter_person_id is None
                        else names.get(c.reporter_person_id) or "",
                        c.anonymous, c.consent, c.summary, c.external_ref)
            for c in f.contacts
        ]  # fmt: skip
        places = [PlaceLine(p.id, p.name, p.town, p.postcode, p.grid_ref, p.role)
                  for p in f.places]  # fmt: skip
        place_names = {p.id: ", ".join(x for x in (p.name, p.town) if x) for p in places}
        actions = [
            ActionLine(a.agency, a.description, a.owner, a.due_on, a.status,
                       action_rag(a.due_on, a.status, today), a.completed_on, a.outcome)
            for a in f.actions
        ]  # fmt: skip
        types = interventions.read_types(s, active_only=False)
        items = [
            InterventionLine(
                i.id, i.row_version, i.type_id, i.type_name, i.person_id, i.place_id,
                names.get(i.person_id, "") if i.person_id else place_names.get(i.place_id, ""),
                i.agency_id, i.agency, i.issued_on, i.expires_on, i.status, i.ended_on,
                i.conditions, i.notes, len(i.breaches), max(i.breaches) if i.breaches else None,
            )
            for i in f.interventions
        ]  # fmt: skip
        hub_agencies = [
            AgencyChoice(a.id, a.short_name, a.name)
            for a in s.scalars(
                select(Agency).join(HubAgency, HubAgency.agency_id == Agency.id)
                .where(HubAgency.hub_id == f.hub_id, HubAgency.voided.is_(False),
                       Agency.voided.is_(False), Agency.active.is_(True))
                .order_by(HubAgency.position, Agency.short_name)
            )
        ]  # fmt: skip
        view = CaseView(
            id=f.id, reference=f.reference, row_version=f.row_version, hub_id=f.hub_id,
            hub=f.hub, category=f.category, channel=f.channel, status=f.status,
            risk_level=f.risk_level, priority=f.priority, sara_stage=f.sara_stage,
            location=f.location, town=f.town, postcode=f.postcode, grid_ref=f.grid_ref,
            summary=f.summary, details=f.details, police_log_ref=f.police_log_ref,
            council_ref=f.council_ref, received_at=f.received_at, incident_at=f.incident_at,
            opened_on=f.opened_on, closed_on=f.closed_on, outcome=f.outcome,
            closure_rationale=f.closure_rationale, next_review_on=f.next_review_on,
            lead_agency=f.lead_agency, assignments=list(f.assignments), contacts=contacts,
            people=people, places=places, actions=actions,
            timeline=timeline.read_entries(s, case_id, short),
            sara=sara.read_state(s, case_id), interventions=items,
            asb_warnings=asb_review.read_for_case(s, case_id, today),
            repeats=repeats.read_for_case(s, case_id), links=links.links_of(s, case_id),
            agencies=hub_agencies, intervention_types=list(types),
            hate=f.hate, hate_strands=f.hate_strands,
            referrals=referrals.read(s, case_id=case_id),
            assessments=risk.read_for_case(s, case_id),
            reassess=risk.reassess_reason(s, case_id),
        )  # fmt: skip
        if record_view:
            audit.record(s, audit.Kind.CONSULTATION, "case_", [str(case_id)],
                         {"view": "case view",
                          "persons": sorted({str(p.id) for p in people})},
                         reason="case opened")  # fmt: skip
    return view
