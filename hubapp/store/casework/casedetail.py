"""Everything the detail pane shows about one case, read in one unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from hubapp.domain.clock import utcnow
from hubapp.domain.rag import Rag, action_rag
from hubapp.store import access, audit
from hubapp.store.schema import (
    Action,
    Agency,
    Assignment,
    Case,
    CasePerson,
    Category,
    Channel,
    Contact,
    Hub,
    Note,
    Person,
)


@dataclass(frozen=True)
class ActionLine:
    agency: str
    description: str
    owner: str
    due_on: date | None
    status: str
    rag: Rag


@dataclass(frozen=True)
class PersonLine:
    name: str
    role: str
    locked_down: bool


@dataclass(frozen=True)
class CaseDetail:
    id: uuid.UUID
    reference: str
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
    summary: str
    details: str
    received_at: datetime
    incident_at: datetime | None
    opened_on: date
    closed_on: date | None
    outcome: str
    next_review_on: date | None
    lead_agency: str
    row_version: int
    assignments: list[tuple[str, str]] = field(default_factory=list)  # (agency, role)
    actions: list[ActionLine] = field(default_factory=list)
    people: list[PersonLine] = field(default_factory=list)
    contact_count: int = 0
    last_contact_at: datetime | None = None
    note_count: int = 0


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


def load(store, case_id: uuid.UUID, *, record_view: bool = True) -> CaseDetail:
    """Read one case. Opening a case is a consultation of personal data: it is audited."""
    today = utcnow().date()
    with store.write(reason="case opened") if record_view else store.read() as s:
        case = live_case(s, case_id)
        if case is None:
            raise CaseNotFound(f"Case {case_id} does not exist or has been removed.")
        access.check_case(store, s, case_id)
        named = case_names(s, case)
        assignments = [
            (name, role)
            for name, role in s.execute(
                select(Agency.short_name, Assignment.role)
                .join(Agency, Agency.id == Assignment.agency_id)
                .where(Assignment.case_id == case_id, Assignment.voided.is_(False))
                .order_by(
                    sql_case(
                        (Assignment.role == "lead", 0), (Assignment.role == "support", 1), else_=2
                    ),
                    Agency.short_name,
                )
            )
        ]
        actions = [
            ActionLine(agency, a.description, a.owner, a.due_on, a.status,
                       action_rag(a.due_on, a.status, today))
            for a, agency in s.execute(
                select(Action, Agency.short_name)
                .join(Agency, Agency.id == Action.agency_id)
                .where(Action.case_id == case_id, Action.voided.is_(False))
                .order_by(Action.due_on.is_(None), Action.due_on)
            )
        ]  # fmt: skip
        people = [
            PersonLine(p.full_name, role, p.locked_down)
            for p, role in s.execute(
                select(Person, CasePerson.role)
                .join(CasePerson, CasePerson.person_id == Person.id)
                .where(CasePerson.case_id == case_id, CasePerson.voided.is_(False))
                .order_by(CasePerson.role, Person.full_name)
            )
        ]
        contact_count, last_contact = s.execute(
            select(func.count(), func.max(Contact.received_at)).where(
                Contact.case_id == case_id, Contact.voided.is_(False)
            )
        ).one()
        notes = select(func.count()).where(Note.case_id == case_id, Note.voided.is_(False))
        if (readable := access.note_clause(store)) is not None:
            notes = notes.where(readable)
        note_count = s.scalar(notes)
        detail = CaseDetail(
            id=case.id, reference=case.reference, hub=named.hub, category=named.category,
            channel=named.channel, status=case.status, risk_level=case.risk_level,
            priority=case.priority, sara_stage=case.sara_stage, location=case.location,
            town=case.town, postcode=case.postcode, summary=case.summary, details=case.details,
            received_at=case.received_at, incident_at=case.incident_at,
            opened_on=case.opened_on, closed_on=case.closed_on, outcome=case.outcome,
            next_review_on=case.next_review_on,
            lead_agency=named.lead_agency, row_version=case.row_version,
            assignments=assignments, actions=actions, people=people,
            contact_count=contact_count,
            last_contact_at=last_contact if isinstance(last_contact, datetime) else
            (datetime.fromisoformat(last_contact) if last_contact else None),
            note_count=note_count or 0,
        )  # fmt: skip
        if record_view:  # the people shown are consulted too
            person_ids = s.scalars(
                select(CasePerson.person_id).where(
                    CasePerson.case_id == case_id, CasePerson.voided.is_(False)
                )
            )
            audit.record(s, audit.Kind.CONSULTATION, "case_", [str(case_id)],
                         {"persons": sorted({str(p) for p in person_ids})},
                         reason="case opened")  # fmt: skip
    return detail
