"""Reading what a document prints, with the redaction profile applied as it is read.

Every function here takes the profile's :class:`~hubapp.domain.redaction.Rules` and
returns plain, frozen values holding only what the profile allows (see the table in
:mod:`hubapp.domain.redaction`): a field the profile excludes is never selected or is
dropped before the value is built, so the layout code cannot print it by mistake. Texts
are plain (not yet escaped for reportlab: the layout escapes every one of them).
"""

from __future__ import annotations

import dataclasses
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
from hubapp.store.casework import casefile, hate, repeats, safeguarding
from hubapp.store.schema import (
    Action,
    Agency,
    Case,
    CasePerson,
    Category,
    Person,
)

#: at most this many contacts, timeline entries and finished actions on a case summary
CONTACTS_SHOWN = 6
TIMELINE_SHOWN = 8
FINISHED_ACTIONS_SHOWN = 4
#: free text in a table cell is cut after this many characters (the case record has it all)
CELL_TEXT_MAX = 600
DETAILS_MAX = 3_000
#: where the whole of a shortened text can be read, for the note a shortened text carries
IN_THE_CASE = "the case window, {reference}"
IN_THE_MEETING = "the meeting's record on the Meetings page"


def _cut(text: str, limit: int, where: str) -> str:
    """``text`` cut to ``limit`` characters, and if it was cut, saying so and where the whole
    of it is ("… (shortened: the full text is in the case window, CAR-2026-0042)"): a reader
    of the paper must never take part of a text for all of it. Cut last, after the profile's
    redaction, so that no name or number is cut in half and missed by it."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    # at the end of a word, where one ends in the last fifth: "describes rep…" reads as a
    # word of its own
    space = kept.rfind(" ")
    if not text[limit - 1].isspace() and space >= (limit - 1) * 4 // 5:
        kept = kept[:space]
    kept = kept.rstrip().rstrip("\u200d")  # no joiner left to join the note
    return kept + f"\u2026 (shortened: the full text is in {where})"


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
    #: safeguarding flags: "Child", "Vulnerable adult" (the reason under the police profile)
    flags: str = ""


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
    #: the repeats among its people and places, one line each (names only where the
    #: profile prints names in full)
    repeats: list[str] = field(default_factory=list)
    #: the hate flag and its strands ("Hate (perceived): race"), nothing more; "" when not
    #: asked or the profile prints no flag
    hate: str = ""
    #: the referrals the account may see (police profile only): (pathway, date, person,
    #: reference, outcome)
    referrals: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: the files kept on the case, listed (never embedded), police profile only: (title,
    #: kind, added, by, size)
    attachments: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: the letters sent on the case, police profile only: (sent, to, letter, by)
    letters: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: how many files and letters the case holds (every profile prints the counts)
    attachment_count: int = 0
    letter_count: int = 0
    #: the files and letters the document lists (its disclosure names them)
    listed_ids: tuple[uuid.UUID, ...] = ()


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
    """One case under the rules ``r``: its case file, read as the session's account may see
    it, then redacted (:func:`sheet`), with its repeats across cases. LookupError if it does
    not exist."""
    found = sheet(casefile.read(s, case_id), r, today)
    return dataclasses.replace(found, repeats=repeat_lines(repeats.read_for_case(s, case_id), r),
                               referrals=referral_rows(s, case_id, r),
                               **files_and_letters(s, case_id, r))  # fmt: skip


#: the kinds of attachment as printed (hubapp.domain.attachments.KINDS; others as stored)
_KINDS = {"photo": "Photo", "letter": "Letter", "statement": "Statement",
          "evidence": "Evidence", "other": "Other"}  # fmt: skip


def file_size(size: int) -> str:
    """'812 bytes', '14 KB', '2.3 MB' (1 KB = 1,000 bytes, as Windows Explorer rounds)."""
    if size < 1_000:
        return f"{size:,} byte{'' if size == 1 else 's'}"
    if size < 1_000_000:
        return f"{round(size / 1_000):,} KB"
    return f"{size / 1_000_000:,.1f} MB"


def files_and_letters(s: Session, case_id: uuid.UUID, r: Rules) -> dict:
    """The case's files and letters sent as the profile prints them: listed under the
    police profile (what each is, when, by whom; a file's content is never printed), counted
    under the others. Only those the session's account may see (the case rule)."""
    from hubapp.store.schema import Attachment, Communication

    attachments = s.execute(
        select(Attachment.id, Attachment.title, Attachment.kind, Attachment.created_at,
               Attachment.added_by, Attachment.size)
        .where(Attachment.case_id == case_id, Attachment.voided.is_(False))
        .order_by(Attachment.created_at, Attachment.id)
    ).all()  # fmt: skip
    letters = s.execute(
        select(Communication.id, Communication.sent_at, Person.full_name, Person.locked_down,
               Communication.subject, Communication.template_name, Communication.sent_by)
        .outerjoin(Person, Person.id == Communication.person_id)
        .where(Communication.case_id == case_id, Communication.voided.is_(False))
        .order_by(Communication.sent_at, Communication.id)
    ).all()  # fmt: skip
    out: dict = {"attachment_count": len(attachments), "letter_count": len(letters)}
    if not (r.contact_details and r.names == "full"):
        return out
    out["attachments"] = [
        (title, _KINDS.get(kind, kind.capitalize()), format_date(added), by, file_size(size))
        for _id, title, kind, added, by, size in attachments
    ]
    out["letters"] = [
        (format_date(at), profiles.person_name(r, name, bool(locked)) if name else "",
         subject or template.replace("_", " ").capitalize(), by)
        for _id, at, name, locked, subject, template, by in letters
    ]  # fmt: skip
    out["listed_ids"] = tuple(row[0] for row in attachments) + tuple(row[0] for row in letters)
    return out


def referral_rows(s: Session, case_id: uuid.UUID, r: Rules) -> list[tuple[str, str, str, str, str]]:
    """The case's referrals as the police profile prints them (none under the others): only
    those the session's account may see (the store's reading rule on their pathways)."""
    from hubapp.store.casework import referrals

    if not (r.contact_details and r.names == "full"):
        return []
    return [(x.pathway_name, format_date(x.referred_on), x.person, x.reference, x.outcome)
            for x in referrals.read(s, case_id=case_id)]  # fmt: skip


def repeat_lines(subjects: list[repeats.Subject], r: Rules) -> list[str]:
    """The repeats of a case as the profile prints them: who or where by name only under a
    profile that names people in full; the flags alone (counts and dates) under one that
    gives initials; nothing under one that names no one (the pack's overview counts them)."""
    if r.names == "none":
        return []
    if r.names == "full":
        return [line for subject in subjects for line in subject.describe()]
    return [f.describe() for subject in subjects for f in subject.flags]


#: the most ASB Case Review queue rows a meeting pack prints
PACK_REVIEW_ROWS = 40


def case_review_rows(entries, r: Rules) -> tuple[list[tuple], dict[str, int]]:
    """The ASB Case Review queue as the pack prints it, kept as :func:`repeat_lines` keeps
    the repeats: names under a profile that names people in full; counts, dates and case
    references alone under one that gives initials; under one that names no one, no rows,
    only the counts. (The entries are already those of the cases the account sees.)"""
    counts = {
        "reached": sum(1 for e in entries if e.status == "reached"),
        "approaching": sum(1 for e in entries if e.status != "reached"),
        "not_explained": sum(1 for e in entries if e.needs_explaining),
    }
    if r.names == "none":
        return [], counts
    # what the meeting acts on: victims before places, reached before approaching, the
    # victims not yet told of the review among them; the rest counted (the queue lists all)
    picked = sorted(
        (e for e in entries if e.status == "reached" or e.needs_explaining),
        key=lambda e: (e.kind != "victim", e.status != "reached", -e.count),
    )
    picked = picked[:PACK_REVIEW_ROWS]
    counts["left_out"] = len(entries) - len(picked)
    rows = []
    for e in picked:
        kind = "Victim" if e.kind == "victim" else "Place"
        name = (e.name if r.names == "full" and not (e.locked_down and e.kind == "victim")
                else "")  # fmt: skip
        if e.kind == "place" and not r.exact_places:
            name = ""
        explained = ("" if e.kind == "place" else
                     f"explained {format_date(e.explained_on)}" if e.explained_on else
                     "NOT explained")  # fmt: skip
        when = f"{format_date(e.first)} to {format_date(e.last)}" if e.first else ""
        rows.append((e.status, str(e.count), f"{kind} {name}".strip(), e.case_reference, when,
                     explained))  # fmt: skip
    return rows, counts


def sheet(f: casefile.CaseFile, r: Rules, today: date) -> CaseSheet:
    """A case file as the profile ``r`` prints it: the one place the profile's redaction is
    applied to a case (pure: no database)."""
    # people: read in full only to replace names in free text; kept under the rules
    people_rows = [p for p in f.people if not p.voided]
    known = [(p.name, p.locked_down) for p in people_rows]
    recorded = [(p.phone, p.email, p.address) for p in people_rows]
    linked_places = [p for p in f.places if p.linked]
    # the places the document prints anyway: an address-like run naming one of them stays
    keep = [profiles.place(r, f.location, f.town, f.postcode)] + [
        profiles.place(r, pl.name, pl.town, pl.postcode) for pl in linked_places
    ]

    where = IN_THE_CASE.format(reference=f.reference)

    def text(value: str, limit: int = CELL_TEXT_MAX) -> str:
        if not r.free_text:
            return ""
        if not r.contact_details:  # before cutting, so no number is cut in half
            value = profiles.remove_contact_details(value, recorded, keep)
        if r.names != "full":  # before cutting too, so no name is cut in half
            value = profiles.scrub(value, known)
        return _cut(value, limit, where)

    people: list[PersonRow] = []
    if r.names != "none":
        for p in people_rows:
            contact = ""
            if r.contact_details and not p.locked_down:
                bits = [
                    f"born {format_date(p.date_of_birth)}" if p.date_of_birth else "",
                    p.phone, p.email, p.address,
                ]  # fmt: skip
                contact = "; ".join(b for b in bits if b)
            elif p.locked_down:
                contact = "Locked down: agencies involved only"
            flags = safeguarding.flags(
                p.date_of_birth,
                p.vulnerable,
                p.vulnerable_reason,
                hidden=p.hidden or not r.contact_details,
                today=today,
            )
            people.append(
                PersonRow(label(PersonRole, p.role), profiles.person_name(r, p.name,
                          p.locked_down), contact,
                          " ".join(flags.lines()) if r.contact_details else flags.short)
            )  # fmt: skip

    places = case_places(r, f.location, f.town, f.postcode,
                         [(pl.name, pl.town, pl.postcode, pl.role) for pl in linked_places])  # fmt: skip

    contacts: list[ContactRow] = []
    for c in f.contacts[:CONTACTS_SHOWN]:
        who = ""
        if r.contact_details:  # police: the reporter's name only, never their details
            who = "Anonymous" if c.anonymous else c.reporter_name
        contacts.append(ContactRow(format_datetime(c.received_at), c.channel, who,
                                   text(c.summary, 300)))  # fmt: skip

    assignments = sorted(
        ((name, label(AgencyRole, role)) for name, role in f.assignments),
        key=lambda a: (_ROLE_ORDER.get(a[1].lower(), 9), a[0]),
    )

    open_rows: list[ActionRow] = []
    finished_rows: list[ActionRow] = []
    for a in f.actions:
        row = ActionRow(
            f.reference, a.agency, text(a.description), a.owner if r.staff_names else "",
            format_date(a.due_on), label(ActionStatus, a.status),
            action_rag(a.due_on, a.status, today), a.due_on,
        )  # fmt: skip
        (open_rows if a.status in OPEN_ACTION_STATUSES else finished_rows).append(row)
    shown_finished = finished_rows[-FINISHED_ACTIONS_SHOWN:]

    sara: list[tuple[str, str]] = []
    if r.free_text and f.sara_plan is not None:
        for attr, heading in _SARA_FIELDS:
            value = f.sara_plan.get(attr) or ""
            if attr == "impact_goal":
                value = value.replace("_", " ").capitalize()
            if value.strip():
                sara.append((heading, text(value)))

    interventions = []
    for i in f.interventions:
        against = ""
        if i.person is not None and r.names != "none":
            against = profiles.person_name(r, i.person[0], i.person[1])
        elif i.person is not None:
            against = "A person"
        elif i.place is not None:
            against = profiles.place(r, *i.place)
        interventions.append(
            InterventionRow(
                i.type_name, i.agency, against, format_date(i.issued_on),
                format_date(i.expires_on), _INTERVENTION_STATUS.get(i.status, i.status),
                text(i.conditions, 300),
            )
        )  # fmt: skip

    timeline: list[tuple[datetime, TimelineRow]] = []
    for ch in f.status_changes[:TIMELINE_SHOWN]:
        what = (
            f"Status: {label(CaseStatus, ch.from_status)} \u2192 {label(CaseStatus, ch.to_status)}"
        )
        who = f" ({ch.changed_by})" if r.staff_names and ch.changed_by else ""
        timeline.append((ch.changed_at, TimelineRow(format_datetime(ch.changed_at),
                                                    what + who, text(ch.reason, 300))))  # fmt: skip
    if r.free_text:
        notes = [n for n in f.notes if r.own_agency_notes or n.visibility == "shared"]
        for n in notes[:TIMELINE_SHOWN]:
            by = ", ".join(b for b in ((n.author if r.staff_names else ""), n.agency) if b)
            kind = "Note" if n.visibility == "shared" else "Note (own agency only)"
            timeline.append((n.created_at, TimelineRow(
                format_datetime(n.created_at), f"{kind}{' (' + by + ')' if by else ''}",
                text(n.body, 400))))  # fmt: skip
    timeline.sort(key=lambda t: t[0], reverse=True)

    return CaseSheet(
        id=f.id, reference=f.reference, hub=f.hub, category=f.category,
        channel=f.channel, status=label(CaseStatus, f.status),
        risk=label(RiskLevel, f.risk_level) if r.risk else "",
        priority=f.priority.capitalize(), sara_stage=label(SaraStage, f.sara_stage),
        lead_agency=f.lead_agency,
        place=keep[0],
        opened=format_date(f.opened_on), closed=format_date(f.closed_on),
        next_review=format_date(f.next_review_on) if r.free_text else "",
        outcome=f.outcome.replace("_", " ").capitalize() if f.outcome else "",
        summary=text(f.summary, 200), details=text(f.details, DETAILS_MAX),
        people=people, people_count=len(people_rows), places=places,
        contacts=contacts, contact_count=f.contact_count, assignments=assignments,
        actions=open_rows + shown_finished,
        finished_actions_left_out=len(finished_rows) - len(shown_finished),
        sara=sara, interventions=interventions,
        timeline=[t for _, t in timeline[:TIMELINE_SHOWN]],
        hate=hate.describe(f.hate, f.hate_strands) if r.hate_flag else "",
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
    s: Session, case_ids: uuid.UUID | list[uuid.UUID], r: Rules, value: str, limit: int,
    where: str = IN_THE_MEETING,
) -> str:  # fmt: skip
    """Free text about one case or several (an agenda reason, a decision) under the rules:
    '' when the profile prints no free text; the names of the cases' people replaced when it
    prints initials, and contact details taken out when it shows none; cut to ``limit``,
    saying so and that the whole of it is in ``where``."""
    if not r.free_text:
        return ""
    if r.names == "full":
        return _cut(value, limit, where)
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
    value = profiles.scrub(value, [(p.full_name, bool(p.locked_down)) for p in people])
    return _cut(value, limit, where)


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
                   Case.status != CaseStatus.CLOSED.value)
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
            if r.names != "full":
                description = profiles.scrub(description, people.get(cid, []))
            description = _cut(description, CELL_TEXT_MAX, IN_THE_CASE.format(reference=ref))
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


@dataclass(frozen=True)
class VictimUpdateRow:
    """A victim overdue an update, as the meeting pack prints it (issue 17)."""

    case_reference: str
    #: as the profile names them ("" when it names nobody)
    victim: str
    #: the agency of their single point of contact, and its person's name (staff names only)
    contact: str
    last_update: str
    due: str


def victim_updates(s: Session, case_ids: list[uuid.UUID], r: Rules, today: date
                   ) -> list[VictimUpdateRow]:  # fmt: skip
    """The victims of these cases whose update is overdue, the longest overdue first."""
    from hubapp.store.casework import victim_contact

    rows = []
    for o in victim_contact.read_overdue(s, case_ids, today):
        contact = o.spoc_agency or "not named yet"
        if o.spoc_name and r.staff_names:
            contact = f"{o.spoc_name} ({o.spoc_agency})" if o.spoc_agency else o.spoc_name
        rows.append(VictimUpdateRow(
            o.case_reference, profiles.person_name(r, o.name, o.locked_down), contact,
            format_date(o.last_update) if o.last_update else "never",
            format_date(o.due.next_due),
        ))  # fmt: skip
    return rows


Progress = Callable[[float, str], bool | None]

__all__ = [
    "ActionRow", "CaseSheet", "ContactRow", "InterventionRow", "Overview", "PersonRow",
    "TimelineRow", "agency_actions", "case_sheet", "overview", "priority_cases", "rag_counts",
    "VictimUpdateRow", "victim_updates",
]  # fmt: skip


# --- orders ending or due (issue 17) ----------------------------------------------------------

#: how far ahead the pack's list of orders ending or due looks
ORDERS_DUE_DAYS = 28


def orders_due(s: Session, hub_id: uuid.UUID, r: Rules, today: date,
               days: int = ORDERS_DUE_DAYS) -> list[tuple[str, str, str, str, str]]:  # fmt: skip
    """The hub's tools and powers ending or due within ``days`` (of the cases the account
    sees), as the pack prints them: date, what (with its section), the power, whom or what
    it is against (named under the profile), the case."""
    from hubapp.store.casework import orders_due as due

    rows = []
    for i in due.read_due(s, days, hub_id, today=today):
        if i.against_person:
            against = profiles.person_name(r, i.against, i.locked_down)
        else:
            against = profiles.place(r, i.against, "")
        what = i.kind.label + (f" ({i.section})" if i.section else "")
        rows.append((format_date(i.on), what, i.title, against,
                     i.case_reference or "area order"))  # fmt: skip
    return rows
