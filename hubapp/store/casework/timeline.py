"""The timeline of a case: append-only notes, and everything that happened, newest first.

Notes are never changed or deleted once added (a correction is a new note): the store has
no function that edits one, and the ORM refuses an UPDATE of a note row whatever code asks
for it. A note is either shared with the partners on the case or kept to the author's own
agency; an own-agency note names that agency.

:func:`entries` merges the case's contacts, notes, status changes, actions raised and
completed, interventions (issued, breached, ended), risk assessments and the cases linked to
it (made, and removed) and the letters sent from it (hubapp.store.casework.letters) into one
list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from hubapp.domain.codes import (
    ActionStatus,
    CaseLinkKind,
    CaseOutcome,
    CaseStatus,
    InterventionStatus,
    NoteVisibility,
    RiskLevel,
    label,
)
from hubapp.domain.formatting import format_date
from hubapp.domain.text import clean_text
from hubapp.store import access
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.casework.links import UNSEEN
from hubapp.store.casework.workflow import CaseworkError, changed_beyond_voiding, refuse
from hubapp.store.errors import Problem
from hubapp.store.schema import (
    Action,
    Agency,
    Case,
    CaseLink,
    CaseStatusChange,
    Channel,
    Contact,
    Intervention,
    InterventionBreach,
    InterventionType,
    Note,
    RiskAssessment,
)

NOTE_MAX = 10_000


class Kind:
    CONTACT = "contact"
    NOTE = "note"
    STATUS = "status"
    ACTION = "action"
    INTERVENTION = "intervention"
    RISK = "risk"
    LINK = "link"
    LETTER = "letter"


KIND_LABELS = {
    Kind.CONTACT: "Report",
    Kind.NOTE: "Note",
    Kind.STATUS: "Status",
    Kind.ACTION: "Action",
    Kind.INTERVENTION: "Intervention",
    Kind.RISK: "Risk assessment",
    Kind.LINK: "Linked case",
    Kind.LETTER: "Letter",
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline. ``at`` is naive UTC (a date-only event sits at midnight)."""

    at: datetime
    kind: str
    title: str
    text: str = ""
    by: str = ""
    #: for notes: shared or own_agency (and the agency it is kept to)
    visibility: str = ""
    agency: str = ""


# --- notes ------------------------------------------------------------------------------------


def validate_note(body: str, visibility: str, agency_id: uuid.UUID | None) -> list[Problem]:
    problems = []
    if not clean_text(body):
        problems.append(Problem("body", "Write the note before adding it."))
    elif len(clean_text(body)) > NOTE_MAX:
        problems.append(Problem("body", f"The note is too long: at most {NOTE_MAX:,} characters."))
    try:
        vis = NoteVisibility(visibility)
    except ValueError:
        problems.append(Problem("visibility", "Choose who may read the note."))
    else:
        if vis is NoteVisibility.OWN_AGENCY and agency_id is None:
            problems.append(Problem("agency", "Choose your agency, so the note can be kept to it."))
    return problems


def add_note(store, case_id: uuid.UUID, body: str,
             visibility: str = NoteVisibility.SHARED.value,
             agency_id: uuid.UUID | None = None) -> uuid.UUID:  # fmt: skip
    """Append a note to a case's timeline (author: the store's user); return its id.
    A signed-in account notes only cases it sees, and keeps own-agency notes to its agency."""
    refuse(validate_note(body, visibility, agency_id))
    access.require_write(store)
    own = access.agency_id(store)
    if store.account is not None and visibility == NoteVisibility.OWN_AGENCY and agency_id != own:
        raise access.AccessRefused("You can keep a note only to your own agency.")
    with store.write(reason="note added") as s:
        access.check_case(s, case_id)
        case = case_for_update(s, case_id)
        if agency_id is not None:
            agency = s.get(Agency, agency_id)
            if agency is None or agency.voided:
                raise CaseworkError("That agency is not in this database.")
        note = Note(id=uuid.uuid4(), case_id=case.id, author=store.user, agency_id=agency_id,
                    visibility=visibility, body=clean_text(body))  # fmt: skip
        s.add(note)
        s.flush()
        return note.id


def edit_note(store, note_id: uuid.UUID, body: str) -> None:
    """Always refused: notes are append-only."""
    raise CaseworkError("A note cannot be changed once added; add a new note to correct it.")


@event.listens_for(Note, "before_update", propagate=True)
def _notes_are_append_only(_mapper, _connection, target) -> None:
    # voiding (an audited erasure) is the one change allowed
    if changed_beyond_voiding(target):
        raise CaseworkError("A note cannot be changed once added; add a new note to correct it.")


# --- the merged timeline ------------------------------------------------------------------------


def _midday(day: date) -> datetime:
    return datetime.combine(day, time(12, 0))


def read_entries(s: Session, case_id: uuid.UUID, agencies: dict[uuid.UUID, str]) -> list[Entry]:
    """The timeline inside an open session (the case view reads it with everything else);
    own-agency notes only for staff of that agency (the session's rules: hubapp.store.access)."""
    out: list[Entry] = []
    add = out.append
    channel_names = dict(s.execute(select(Channel.id, Channel.name)).all())
    for c in s.execute(
        select(Contact.received_at, Contact.channel_id, Contact.summary, Contact.external_ref)
        .where(Contact.case_id == case_id, Contact.voided.is_(False))
    ):  # fmt: skip
        title = f"Report by {channel_names.get(c.channel_id, 'unknown channel')}"
        if c.external_ref:
            title += f" ({c.external_ref})"
        add(Entry(c.received_at, Kind.CONTACT, title, c.summary))
    for n in s.scalars(select(Note).where(Note.case_id == case_id, Note.voided.is_(False))):
        agency = agencies.get(n.agency_id, "") if n.agency_id else ""
        own = n.visibility == NoteVisibility.OWN_AGENCY
        title = f"{agency or 'Own agency'} only" if own else "Shared with partners"
        add(Entry(n.created_at, Kind.NOTE, title, n.body, n.author, n.visibility, agency))
    for c in s.scalars(
        select(CaseStatusChange).where(
            CaseStatusChange.case_id == case_id, CaseStatusChange.voided.is_(False)
        )
    ):
        title = (f"Status: {label(CaseStatus, c.from_status)} → "
                 f"{label(CaseStatus, c.to_status)}")  # fmt: skip
        add(Entry(c.changed_at, Kind.STATUS, title, c.reason, c.changed_by))
    for a in s.scalars(select(Action).where(Action.case_id == case_id, Action.voided.is_(False))):
        agency = agencies.get(a.agency_id, "")
        due = f" (due {format_date(a.due_on)})" if a.due_on else ""
        add(Entry(a.created_at, Kind.ACTION, f"Action raised for {agency}{due}", a.description,
                  a.owner))  # fmt: skip
        if a.status == ActionStatus.DONE and a.completed_on:
            add(Entry(_midday(a.completed_on), Kind.ACTION, f"Action completed by {agency}",
                      f"{a.description}\nOutcome: {a.outcome}" if a.outcome else a.description,
                      a.owner))  # fmt: skip
        elif a.status == ActionStatus.CANCELLED:
            add(Entry(a.updated_at, Kind.ACTION, f"Action cancelled ({agency})",
                      f"{a.description}\nReason: {a.outcome}" if a.outcome else a.description,
                      a.owner))  # fmt: skip
    types = dict(s.execute(select(InterventionType.id, InterventionType.name)).all())
    interventions = s.scalars(
        select(Intervention).where(Intervention.case_id == case_id, Intervention.voided.is_(False))
    ).all()
    for i in interventions:
        name = types.get(i.intervention_type_id, "Intervention")
        agency = agencies.get(i.agency_id, "")
        add(Entry(_midday(i.issued_on), Kind.INTERVENTION, f"{name} issued by {agency}",
                  i.conditions))  # fmt: skip
        if i.ended_on and not InterventionStatus(i.status).is_live:
            add(Entry(_midday(i.ended_on), Kind.INTERVENTION,
                      f"{name}: {label(InterventionStatus, i.status).lower()}", i.notes))  # fmt: skip
    if interventions:
        by_id = {i.id: i for i in interventions}
        for b in s.scalars(
            select(InterventionBreach).where(
                InterventionBreach.intervention_id.in_(list(by_id)),
                InterventionBreach.voided.is_(False),
            )
        ):
            name = types.get(by_id[b.intervention_id].intervention_type_id, "Intervention")
            add(Entry(_midday(b.breached_on), Kind.INTERVENTION, f"{name} breached", b.details,
                      b.recorded_by))  # fmt: skip
    for r in s.scalars(
        select(RiskAssessment).where(
            RiskAssessment.case_id == case_id, RiskAssessment.voided.is_(False)
        )
    ):
        add(Entry(r.assessed_at, Kind.RISK, f"Risk assessed: {label(RiskLevel, r.level)}",
                  f"Score {r.score}" + (f"; next review {format_date(r.next_review_on)}"
                                        if r.next_review_on else ""),
                  r.assessed_by))  # fmt: skip
    _links(s, case_id, add)
    _letters(s, case_id, add)
    out.sort(key=lambda e: e.at, reverse=True)
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _links(s: Session, case_id: uuid.UUID, add) -> None:
    """The links of the case (hubapp.store.casework.links), made and removed, both ways
    round, as the session's rules let the reader see them (hubapp.store.access: a link
    between two cases the reader sees); a case since removed is not named. Of *the same problem*, what the link
    did: the contacts moved (the voided contacts of the case they left) and the closing."""
    rows = s.scalars(
        select(CaseLink).where(or_(CaseLink.case_id == case_id,
                                   CaseLink.other_case_id == case_id))
    ).all()  # fmt: skip
    if not rows:
        return
    ids = {case_id} | {r.case_id for r in rows} | {r.other_case_id for r in rows}
    cases = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(ids),
                                                           Case.voided.is_(False)))}  # fmt: skip
    left = {r.other_case_id for r in rows if r.kind == CaseLinkKind.SAME_PROBLEM}
    moved = dict(s.execute(
        select(Contact.case_id, func.count())
        .where(Contact.case_id.in_(left), Contact.voided.is_(True))
        .group_by(Contact.case_id)
    ).all()) if left else {}  # fmt: skip
    for r in rows:
        here = r.case_id == case_id
        other = cases.get(r.other_case_id if here else r.case_id)
        name = other.reference if other is not None else UNSEEN
        how = label(CaseLinkKind, r.kind).lower()
        text = f"Reason: {r.reason}" if r.reason else ""
        gone = cases.get(r.other_case_id)  # the case a same problem's contacts left
        if r.kind == CaseLinkKind.SAME_PROBLEM and other is not None and gone is not None:
            n = moved.get(gone.id, 0)
            closed = gone.status == CaseStatus.CLOSED and gone.outcome == CaseOutcome.DUPLICATE
            facts = [f"{_plural(n, 'contact')} moved {'here' if here else 'to ' + name}"] if n \
                else []  # fmt: skip
            if closed:
                facts.append(f"{name} closed as a duplicate" if here
                             else "this case closed as a duplicate")  # fmt: skip
            if facts:
                said = ", ".join(facts)
                text = said[:1].upper() + said[1:] + "." + (f"\n{text}" if text else "")
        add(Entry(r.created_at, Kind.LINK, f"Linked to {name} as {how}", text, r.created_by))
        if r.voided:
            add(Entry(r.updated_at, Kind.LINK, f"Link to {name} removed"))


def _letters(s: Session, case_id: uuid.UUID, add) -> None:
    """The letters sent from the case, one line per recipient (a disclosure to them)."""
    from hubapp.store.casework.letters import read_communications

    for c in read_communications(s, case_id):
        title = f"Letter sent to {c.person or 'a person'}: {c.template_title}"
        if c.version and c.version > 1:
            title += f" (version {c.version})"
        text = c.subject + (f"\nSent to: {c.address}" if c.address else "")
        add(Entry(c.sent_at, Kind.LETTER, title, text, c.sent_by, agency=c.agency))


def entries(store, case_id: uuid.UUID) -> list[Entry]:
    """The case's timeline, newest first."""
    with store.read() as s:
        access.check_case(s, case_id)
        agencies = dict(s.execute(select(Agency.id, Agency.short_name)).all())
        return read_entries(s, case_id, agencies)
