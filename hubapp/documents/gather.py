"""Reading what a document prints, with the redaction profile applied as it is read.

Every function here takes the profile's :class:`~hubapp.domain.redaction.Rules` and
returns plain, frozen values holding only what the profile allows (see the table in
:mod:`hubapp.domain.redaction`): a field the profile excludes is never selected or is
dropped before the value is built, so the layout code cannot print it by mistake. Texts
are plain (not yet escaped for reportlab: the layout escapes every one of them).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from hubapp.domain import redaction as profiles
from hubapp.domain.codes import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgencyRole,
    CaseStatus,
    PersonRole,
    RiskLevel,
    SaraStage,
    label,
)
from hubapp.domain.formatting import format_date, format_datetime
from hubapp.domain.rag import Rag, action_rag
from hubapp.domain.redaction import Rules
from hubapp.store import access
from hubapp.store.casework.casedetail import case_names, live_case
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
    Intervention,
    InterventionType,
    Note,
    Person,
    Place,
    SaraPlan,
)

#: at most this many contacts, timeline entries and finished actions on a case summary
CONTACTS_SHOWN = 6
TIMELINE_SHOWN = 8
FINISHED_ACTIONS_SHOWN = 4
#: free text in a table cell is cut after this many characters (the case record has it all)
CELL_TEXT_MAX = 600
DETAILS_MAX = 3_000


def _cut(text: str, limit: int = CELL_TEXT_MAX) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _dt(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    role: str  # label, e.g. "Alleged perpetrator"
    name: str  # under the profile: full, initials, "details restricted"
    contact: str  # date of birth, phone, e-mail, address (police profile only)


@dataclass(frozen=True)
class ContactRow:
    received: str
    channel: str
    reporter: str
    summary: str


@dataclass(frozen=True)
class ActionRow:
    case_reference: str
    agency: str
    description: str
    owner: str
    due: str
    status: str
    rag: Rag
    due_on: date | None = None


@dataclass(frozen=True)
class InterventionRow:
    kind: str
    agency: str
    against: str
    issued: str
    expires: str
    status: str
    conditions: str


@dataclass(frozen=True)
class TimelineRow:
    when: str
    what: str
    text: str


@dataclass(frozen=True)
class CaseSheet:
    """One case as a case summary prints it, under one profile."""

    id: uuid.UUID
    reference: str
    hub: str
    category: str
    channel: str
    status: str
    risk: str  # "" when the profile hides it
    priority: str
    sara_stage: str
    lead_agency: str
    place: str
    opened: str
    closed: str
    next_review: str
    outcome: str
    summary: str
    details: str
    people: list[PersonRow] = field(default_factory=list)
    people_count: int = 0
    places: list[tuple[str, str]] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    contact_count: int = 0
    assignments: list[tuple[str, str]] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    finished_actions_left_out: int = 0
    sara: list[tuple[str, str]] = field(default_factory=list)
    interventions: list[InterventionRow] = field(default_factory=list)
    timeline: list[TimelineRow] = field(default_factory=list)


# --- one case -----------------------------------------------------------------------------

_SARA_FIELDS = (
    ("objective", "Objective"),
    ("scan_source", "Scanning: how it came to notice"),
    ("scan_affected", "Scanning: who is affected"),
    ("scan_frequency", "Scanning: how often"),
    ("pat_offender", "Analysis: offender"),
    ("pat_handler", "Analysis: handler"),
    ("pat_victim", "Analysis: victim"),
    ("pat_guardian", "Analysis: guardian"),
    ("pat_location", "Analysis: location"),
    ("pat_manager", "Analysis: place manager"),
    ("hypothesis", "Analysis: hypothesis"),
    ("data_used", "Analysis: data used"),
    ("response_options", "Response: options"),
    ("response_responsible", "Response: who is responsible"),
    ("assessment_process", "Assessment: did we do it"),
    ("measure_before", "Assessment: measure before"),
    ("measure_after", "Assessment: measure after"),
    ("impact_goal", "Assessment: impact goal"),
    ("assessment_impact", "Assessment: did it work"),
)
_INTERVENTION_STATUS = {
    "active": "Active", "complied": "Complied", "breached": "Breached", "ended": "Ended",
    "revoked": "Revoked",
}  # fmt: skip
_ROLE_ORDER = {AgencyRole.LEAD.value: 0, AgencyRole.SUPPORT.value: 1, AgencyRole.INFORMED.value: 2}


def case_sheet(s: Session, case_id: uuid.UUID, r: Rules, today: date) -> CaseSheet:
    """One case under the rules ``r``. LookupError if it does not exist."""
    case = live_case(s, case_id)
    if case is None:
        raise LookupError(f"Case {case_id} does not exist or has been removed.")
    store = s.info.get("store")  # the reader's account decides what it may see
    access.check_case(store, s, case_id)
    named = case_names(s, case)

    # people: read in full only to replace names in free text; kept under the rules
    people_rows = s.execute(
        select(Person, CasePerson.role)
        .join(CasePerson, CasePerson.person_id == Person.id)
        .where(CasePerson.case_id == case.id, CasePerson.voided.is_(False),
               Person.voided.is_(False))
        .order_by(CasePerson.role, Person.full_name)
    ).all()  # fmt: skip
    known = [(p.full_name, p.locked_down) for p, _ in people_rows]
    recorded = [(p.phone, p.email, p.address) for p, _ in people_rows]
    linked_places = s.execute(
        select(Place, CasePlace.role)
        .join(CasePlace, CasePlace.place_id == Place.id)
        .where(CasePlace.case_id == case.id, CasePlace.voided.is_(False))
        .order_by(CasePlace.role, Place.name)
    ).all()
    # the places the document prints anyway: an address-like run naming one of them stays
    keep = [profiles.place(r, case.location, case.town, case.postcode)] + [
        profiles.place(r, pl.name, pl.town, pl.postcode) for pl, _ in linked_places
    ]

    def text(value: str, limit: int = CELL_TEXT_MAX) -> str:
        if not r.free_text:
            return ""
        if not r.contact_details:  # before cutting, so no number is cut in half
            value = profiles.remove_contact_details(value, recorded, keep)
        value = _cut(value, limit)
        return value if r.names == "full" else profiles.scrub(value, known)

    people: list[PersonRow] = []
    if r.names != "none":
        for p, role in people_rows:
            contact = ""
            if r.contact_details and not p.locked_down:
                bits = [
                    f"born {format_date(p.date_of_birth)}" if p.date_of_birth else "",
                    p.phone, p.email, p.address,
                ]  # fmt: skip
                contact = "; ".join(b for b in bits if b)
            elif p.locked_down:
                contact = "Locked down: agencies involved only"
            people.append(
                PersonRow(label(PersonRole, role), profiles.person_name(r, p.full_name,
                          p.locked_down), contact)
            )  # fmt: skip

    places = case_places(r, case.location, case.town, case.postcode,
                        [(pl.name, pl.town, pl.postcode, role) for pl, role in linked_places])  # fmt: skip

    contact_count = s.scalar(
        select(func.count()).where(Contact.case_id == case.id, Contact.voided.is_(False))
    )
    contacts: list[ContactRow] = []
    for c, chan, reporter in s.execute(
        select(Contact, Channel.name, Person)
        .join(Channel, Channel.id == Contact.channel_id)
        .outerjoin(Person, Person.id == Contact.reporter_person_id)
        .where(Contact.case_id == case.id, Contact.voided.is_(False))
        .order_by(Contact.received_at.desc())
        .limit(CONTACTS_SHOWN)
    ):
        who = ""
        if r.contact_details:  # police: the reporter's name only, never their details
            who = "Anonymous" if c.anonymous else reporter.full_name if reporter else ""
        contacts.append(ContactRow(format_datetime(_dt(c.received_at)), chan, who,
                                   text(c.summary, 300)))  # fmt: skip

    assignments = sorted(
        (
            (name, label(AgencyRole, role))
            for name, role in s.execute(
                select(Agency.short_name, Assignment.role)
                .join(Agency, Agency.id == Assignment.agency_id)
                .where(Assignment.case_id == case.id, Assignment.voided.is_(False))
            )
        ),
        key=lambda a: (_ROLE_ORDER.get(a[1].lower(), 9), a[0]),
    )

    open_rows: list[ActionRow] = []
    finished_rows: list[ActionRow] = []
    for a, agency in s.execute(
        select(Action, Agency.short_name)
        .join(Agency, Agency.id == Action.agency_id)
        .where(Action.case_id == case.id, Action.voided.is_(False))
        .order_by(Action.due_on.is_(None), Action.due_on, Action.created_at)
    ):
        row = ActionRow(
            case.reference, agency, text(a.description), a.owner if r.staff_names else "",
            format_date(a.due_on), label(ActionStatus, a.status),
            action_rag(a.due_on, a.status, today), a.due_on,
        )  # fmt: skip
        (open_rows if a.status in OPEN_ACTION_STATUSES else finished_rows).append(row)
    shown_finished = finished_rows[-FINISHED_ACTIONS_SHOWN:]

    sara: list[tuple[str, str]] = []
    if r.free_text:
        plan = s.scalar(
            select(SaraPlan).where(SaraPlan.case_id == case.id, SaraPlan.voided.is_(False))
        )
        if plan is not None:
            for attr, heading in _SARA_FIELDS:
                value = getattr(plan, attr) or ""
                if attr == "impact_goal":
                    value = value.replace("_", " ").capitalize()
                if value.strip():
                    sara.append((heading, text(value)))

    interventions = []
    for i, kind, agency, person, pl in s.execute(
        select(Intervention, InterventionType.name, Agency.short_name, Person, Place)
        .join(InterventionType, InterventionType.id == Intervention.intervention_type_id)
        .join(Agency, Agency.id == Intervention.agency_id)
        .outerjoin(Person, Person.id == Intervention.person_id)
        .outerjoin(Place, Place.id == Intervention.place_id)
        .where(Intervention.case_id == case.id, Intervention.voided.is_(False))
        .order_by(Intervention.issued_on.desc())
    ):
        against = ""
        if person is not None and r.names != "none":
            against = profiles.person_name(r, person.full_name, person.locked_down)
        elif person is not None:
            against = "A person"
        elif pl is not None:
            against = profiles.place(r, pl.name, pl.town, pl.postcode)
        interventions.append(
            InterventionRow(
                kind, agency, against, format_date(i.issued_on), format_date(i.expires_on),
                _INTERVENTION_STATUS.get(i.status, i.status), text(i.conditions, 300),
            )
        )  # fmt: skip

    timeline: list[tuple[datetime, TimelineRow]] = []
    for ch in s.scalars(
        select(CaseStatusChange)
        .where(CaseStatusChange.case_id == case.id, CaseStatusChange.voided.is_(False))
        .order_by(CaseStatusChange.changed_at.desc())
        .limit(TIMELINE_SHOWN)
    ):
        what = (
            f"Status: {label(CaseStatus, ch.from_status)} \u2192 {label(CaseStatus, ch.to_status)}"
        )
        who = f" ({ch.changed_by})" if r.staff_names and ch.changed_by else ""
        timeline.append((_dt(ch.changed_at), TimelineRow(format_datetime(_dt(ch.changed_at)),
                                                         what + who, text(ch.reason, 300))))  # fmt: skip
    if r.free_text:
        notes = select(Note, Agency.short_name).outerjoin(Agency, Agency.id == Note.agency_id)
        notes = notes.where(Note.case_id == case.id, Note.voided.is_(False))
        if not r.own_agency_notes:
            notes = notes.where(Note.visibility == "shared")
        elif (readable := access.note_clause(store)) is not None:
            notes = notes.where(readable)  # own-agency notes only for that agency's staff
        for n, agency in s.execute(notes.order_by(Note.created_at.desc()).limit(TIMELINE_SHOWN)):
            by = ", ".join(b for b in ((n.author if r.staff_names else ""), agency or "") if b)
            kind = "Note" if n.visibility == "shared" else "Note (own agency only)"
            timeline.append((_dt(n.created_at), TimelineRow(
                format_datetime(_dt(n.created_at)), f"{kind}{' (' + by + ')' if by else ''}",
                text(n.body, 400))))  # fmt: skip
    timeline.sort(key=lambda t: t[0], reverse=True)

    return CaseSheet(
        id=case.id, reference=case.reference, hub=named.hub, category=named.category,
        channel=named.channel, status=label(CaseStatus, case.status),
        risk=label(RiskLevel, case.risk_level) if r.risk else "",
        priority=case.priority.capitalize(), sara_stage=label(SaraStage, case.sara_stage),
        lead_agency=named.lead_agency,
        place=keep[0],
        opened=format_date(case.opened_on), closed=format_date(case.closed_on),
        next_review=format_date(case.next_review_on) if r.free_text else "",
        outcome=case.outcome.replace("_", " ").capitalize() if case.outcome else "",
        summary=text(case.summary, 200), details=text(case.details, DETAILS_MAX),
        people=people, people_count=len(people_rows), places=places,
        contacts=contacts, contact_count=contact_count or 0, assignments=assignments,
        actions=open_rows + shown_finished,
        finished_actions_left_out=len(finished_rows) - len(shown_finished),
        sara=sara, interventions=interventions,
        timeline=[t for _, t in timeline[:TIMELINE_SHOWN]],
    )  # fmt: skip


CASE_LOCATION = "Case location"
OTHER_LOCATION = "Other location"


def case_places(r: Rules, location: str, town: str, postcode: str,
                linked: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:  # fmt: skip
    """The Places section as (role, place): the case's own location first (what the case
    record says now, as the header prints it), then the places linked to the case that
    print differently (``linked`` is name, town, postcode, role; a linked place left behind
    when the case's location was edited is not a second "Location")."""
    own = profiles.place(r, location, town, postcode)
    out: list[tuple[str, str]] = [(CASE_LOCATION, own)] if own else []
    seen = {_same_place(own)}
    for name, ptown, ppostcode, role in linked:
        text = profiles.place(r, name, ptown, ppostcode)
        if not text or _same_place(text) in seen:
            continue
        seen.add(_same_place(text))
        out.append((OTHER_LOCATION if role == "location"
                    else role.replace("_", " ").capitalize(), text))  # fmt: skip
    return out


def _same_place(text: str) -> str:
    return " ".join((text or "").replace(",", " ").casefold().split())


def case_text(
    s: Session, case_ids: uuid.UUID | list[uuid.UUID], r: Rules, value: str, limit: int
) -> str:
    """Free text about one case or several (an agenda reason, a decision) under the rules:
    '' when the profile prints no free text; the names of the cases' people replaced when it
    prints initials, and contact details taken out when it shows none."""
    if not r.free_text:
        return ""
    if r.names == "full":
        return _cut(value, limit)
    ids = [case_ids] if isinstance(case_ids, uuid.UUID) else list(case_ids)
    people = s.execute(
        select(Person.full_name, Person.locked_down, Person.phone, Person.email, Person.address)
        .join(CasePerson, CasePerson.person_id == Person.id)
        .where(CasePerson.case_id.in_(ids), CasePerson.voided.is_(False))
    ).all()
    if not r.contact_details:
        keep = [profiles.place(r, c.location, c.town, c.postcode)
                for c in s.scalars(select(Case).where(Case.id.in_(ids)))]  # fmt: skip
        value = profiles.remove_contact_details(
            value, [(p.phone, p.email, p.address) for p in people], keep
        )
    return profiles.scrub(_cut(value, limit),
                          [(p.full_name, bool(p.locked_down)) for p in people])  # fmt: skip


# --- a hub's picture for the pack's overview ----------------------------------------------


@dataclass(frozen=True)
class Overview:
    by_category: list[tuple[str, int]]  # open cases of the hub
    months: list[str]  # "Dec 25" ... 12 labels, oldest first
    opened: list[int]
    closed: list[int]
    overdue_by_agency: list[tuple[str, int]]
    open_cases: int
    open_actions: int
    overdue_actions: int


def _month_start(d: date, back: int) -> date:
    y, m = d.year, d.month - back
    while m <= 0:
        m += 12
        y -= 1
    return date(y, m, 1)


def overview(s: Session, hub_id: uuid.UUID, today: date) -> Overview:
    """Counts only: no profile can make these personal."""
    live = and_(Case.hub_id == hub_id, Case.voided.is_(False))
    is_open = Case.status != CaseStatus.CLOSED.value
    by_category = [
        (name, n)
        for name, n in s.execute(
            select(Category.name, func.count())
            .join(Case, Case.category_id == Category.id)
            .where(live, is_open)
            .group_by(Category.name)
            .order_by(func.count().desc(), Category.name)
        )
    ]
    first = _month_start(today, 11)
    starts = [_month_start(today, back) for back in range(11, -1, -1)]
    keys = [f"{d.year:04d}-{d.month:02d}" for d in starts]
    opened = dict.fromkeys(keys, 0)
    closed = dict.fromkeys(keys, 0)
    for month, n in s.execute(
        select(func.strftime("%Y-%m", Case.opened_on), func.count())
        .where(live, Case.opened_on >= first)
        .group_by(func.strftime("%Y-%m", Case.opened_on))
    ):
        if month in opened:
            opened[month] = n
    for month, n in s.execute(
        select(func.strftime("%Y-%m", Case.closed_on), func.count())
        .where(live, Case.closed_on >= first)
        .group_by(func.strftime("%Y-%m", Case.closed_on))
    ):
        if month in closed:
            closed[month] = n
    open_action = and_(
        Action.voided.is_(False), Action.status.in_(OPEN_ACTION_STATUSES), Case.voided.is_(False),
        Case.hub_id == hub_id,
    )  # fmt: skip
    # one pass over the hub's open actions: all of them, and the overdue ones, per agency
    per_agency = s.execute(
        select(Agency.short_name, func.count(),
               func.sum(sql_case((Action.due_on < today, 1), else_=0)))
        .select_from(Action)
        .join(Case, Case.id == Action.case_id)
        .join(Agency, Agency.id == Action.agency_id)
        .where(open_action)
        .group_by(Agency.short_name)
    ).all()  # fmt: skip
    overdue = sorted(((name, int(late or 0)) for name, _, late in per_agency if late),
                     key=lambda a: (-a[1], a[0]))  # fmt: skip
    open_actions = sum(n for _, n, _ in per_agency)
    return Overview(
        by_category=by_category,
        months=[f"{d:%b} {d:%y}" for d in starts],
        opened=list(opened.values()),
        closed=list(closed.values()),
        overdue_by_agency=overdue,
        open_cases=sum(n for _, n in by_category),
        open_actions=open_actions or 0,
        overdue_actions=sum(n for _, n in overdue),
    )


def _visible(s: Session) -> list:
    """The reader's case-visibility rule as a list of conditions on Case (none: all)."""
    clause = access.case_clause(s.info.get("store"))
    return [] if clause is None else [clause]


def priority_cases(s: Session, hub_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    """The hub's open cases in priority order: high risk first, then medium, then the
    oldest (opened first)."""
    rank = sql_case(
        (Case.risk_level == RiskLevel.HIGH.value, 0),
        (Case.risk_level == RiskLevel.MEDIUM.value, 1),
        else_=2,
    )
    return list(
        s.scalars(
            select(Case.id)
            .where(Case.hub_id == hub_id, Case.voided.is_(False),
                   Case.status != CaseStatus.CLOSED.value,
                   *_visible(s))
            .order_by(rank, Case.opened_on, Case.received_at, Case.reference)
            .limit(limit)
        )
    )  # fmt: skip


# --- one agency's actions -----------------------------------------------------------------


def agency_actions(
    s: Session,
    agency_id: uuid.UUID,
    hub_id: uuid.UUID | None,
    r: Rules,
    today: date,
    case_ids: list[uuid.UUID] | None = None,
) -> list[ActionRow]:
    """The agency's open actions on live cases (of one hub, or of the given cases), most
    urgent first: overdue, due soon, on track; then by due date."""
    q = (
        select(Action, Agency.short_name, Case.reference, Case.id)
        .join(Case, Case.id == Action.case_id)
        .join(Agency, Agency.id == Action.agency_id)
        .where(Action.voided.is_(False), Case.voided.is_(False),
               Action.status.in_(OPEN_ACTION_STATUSES))
    )  # fmt: skip
    if agency_id is not None:
        q = q.where(Action.agency_id == agency_id)
    if hub_id is not None:
        q = q.where(Case.hub_id == hub_id)
    if case_ids is not None:
        q = q.where(Case.id.in_(case_ids))
    q = q.where(*_visible(s))
    rows = s.execute(q).all()
    people: dict[uuid.UUID, list[tuple[str, bool]]] = defaultdict(list)
    recorded: dict[uuid.UUID, list[tuple[str, str, str]]] = defaultdict(list)
    keep: dict[uuid.UUID, list[str]] = defaultdict(list)
    if r.free_text and r.names != "full" and rows:
        ids = list({row[3] for row in rows})
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for cid, full_name, locked, phone, email, address in s.execute(
                select(CasePerson.case_id, Person.full_name, Person.locked_down, Person.phone,
                       Person.email, Person.address)
                .join(Person, Person.id == CasePerson.person_id)
                .where(CasePerson.case_id.in_(chunk), CasePerson.voided.is_(False))
            ):  # fmt: skip
                people[cid].append((full_name, locked))
                recorded[cid].append((phone, email, address))
            for cid, location, town, postcode in s.execute(
                select(Case.id, Case.location, Case.town, Case.postcode).where(
                    Case.id.in_(chunk))
            ):  # fmt: skip
                keep[cid].append(profiles.place(r, location, town, postcode))
    out = []
    for a, agency, ref, cid in rows:
        description = ""
        if r.free_text:
            description = a.description or ""
            if not r.contact_details:
                description = profiles.remove_contact_details(
                    description, recorded.get(cid, []), keep.get(cid, [])
                )
            description = _cut(description)
            if r.names != "full":
                description = profiles.scrub(description, people.get(cid, []))
        out.append(
            ActionRow(
                ref, agency, description, a.owner if r.staff_names else "",
                format_date(a.due_on), label(ActionStatus, a.status),
                action_rag(a.due_on, a.status, today), a.due_on,
            )
        )  # fmt: skip
    order = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.NONE: 3}
    out.sort(key=lambda a: (order[a.rag], a.due_on is None, a.due_on or date.max,
                            a.case_reference))  # fmt: skip
    return out


def rag_counts(rows: list[ActionRow]) -> Counter:
    return Counter(r.rag for r in rows)


Progress = Callable[[float, str], bool | None]

__all__ = [
    "ActionRow", "CaseSheet", "ContactRow", "InterventionRow", "Overview", "PersonRow",
    "TimelineRow", "agency_actions", "case_sheet", "overview", "priority_cases", "rag_counts",
]  # fmt: skip
