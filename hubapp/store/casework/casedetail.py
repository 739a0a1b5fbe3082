"""What the details pane shows about one case: the case file (:mod:`casefile`) without its
heavier parts, as the pane's plain values, read in one unit of work and audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from hubapp.domain.clock import utcnow
from hubapp.domain.rag import Rag, action_rag
from hubapp.store import audit
from hubapp.store.casework import casefile
from hubapp.store.casework.casefile import CaseNotFound

__all__ = ["ActionLine", "CaseDetail", "CaseNotFound", "PersonLine", "load"]


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


def load(store, case_id: uuid.UUID, *, record_view: bool = True) -> CaseDetail:
    """Read one case (the case file without its heavier parts). Opening a case is a
    consultation of personal data: it is audited."""
    today = utcnow().date()
    with store.write(reason="case opened") if record_view else store.read() as s:
        f = casefile.read(s, case_id, full=False)
        detail = CaseDetail(
            id=f.id, reference=f.reference, hub=f.hub, category=f.category, channel=f.channel,
            status=f.status, risk_level=f.risk_level, priority=f.priority,
            sara_stage=f.sara_stage, location=f.location, town=f.town, postcode=f.postcode,
            summary=f.summary, details=f.details, received_at=f.received_at,
            incident_at=f.incident_at, opened_on=f.opened_on, closed_on=f.closed_on,
            outcome=f.outcome, next_review_on=f.next_review_on, lead_agency=f.lead_agency,
            row_version=f.row_version, assignments=list(f.assignments),
            actions=[ActionLine(a.agency, a.description, a.owner, a.due_on, a.status,
                                action_rag(a.due_on, a.status, today)) for a in f.actions],
            people=[PersonLine(p.name, p.role, p.locked_down) for p in f.people],
            contact_count=f.contact_count, last_contact_at=f.last_contact_at,
            note_count=f.note_count,
        )  # fmt: skip
        if record_view:  # the people shown are consulted too
            audit.record(s, audit.Kind.CONSULTATION, "case_", [str(case_id)],
                         {"persons": sorted({str(p.id) for p in f.people})},
                         reason="case opened")  # fmt: skip
    return detail
