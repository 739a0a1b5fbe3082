"""Linked cases (issue 16): two cases linked as *related*, or as *the same problem*.

A link is a ``case_link`` row of the case it was made on (``case_id``), pointing at the other
case (``other_case_id``), with its kind and the reason given. Both case windows show it
(:func:`links_of` reads both directions), and so do both timelines
(:func:`hubapp.store.casework.timeline.read_entries`), naming the other case only to those
who may see it. Linking is a decision of the hub's (``Op.LINK_CASES``: coordinators and
administrators, as closing cases and assigning agencies are).

*The same problem* may also move the other case's contacts (the reports) onto the case the
link is made on, and close the other case with the outcome *duplicate*: a contact's case
never changes once written (the central database holds ``contact.case_id`` fixed), so each
contact is written again on the kept case with the same values and the original is voided.
A reporter who is not yet on the kept case joins it as a reporter. The other case is closed
through the workflow's own path (:func:`workflow.apply_status_change`), so its status
history and timeline show the closing. All of it is one transaction, audited, and synced
like every change of a case.

Who sees a link: the case rule of :mod:`hubapp.store.access` applies to a ``case_link`` row
by its ``case_id``, as to every row of a case: a partner never reads a link made on a case
their agency is not on, not even from the case it points at. And because the row names the
other case (its ``other_case_id``), the rule applies to that one too: a partner reads a link
only where their agency is on both cases, from either end. Coordinators, police and
administrators see every link. A link whose other case has since been removed says so and
names nothing (``LinkLine.visible`` False).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select

from hubapp.domain.codes import CaseLinkKind, CaseOutcome, CaseStatus, PersonRole
from hubapp.domain.text import clean_text
from hubapp.store import access, audit
from hubapp.store.casework.casefile import live_case
from hubapp.store.casework.workflow import CaseworkError, apply_status_change
from hubapp.store.errors import Problem
from hubapp.store.roles import Op
from hubapp.store.schema import Case, CaseLink, CasePerson, Contact, Hub

REASON_MAX = 2_000

SELF = "A case cannot be linked to itself."
NO_REASON = "Give the reason for linking the two cases."
TOO_LONG = f"The reason is too long: at most {REASON_MAX:,} characters."
UNKNOWN_KIND = "Choose how the cases are linked: related, or the same problem."
MOVE_ONLY_SAME = "Contacts are moved only between cases that are the same problem."
NO_OTHER = "The other case does not exist, or you cannot see it."
GONE = "This case no longer exists."
NO_REFERENCE = "Type the other case's reference, such as CAR-2026-0042."
NOT_FOUND = "There is no case {ref} that you can see; check the reference."
UNSEEN = "a case you cannot see"


class LinkRefused(CaseworkError):
    """A link refused by the rules, in one sentence (``problems`` by field: ``other``,
    ``kind``, ``reason``, ``move``)."""


@dataclass(frozen=True)
class LinkLine:
    """One link of a case, as its window shows it."""

    id: uuid.UUID
    kind: str
    reason: str
    created_by: str
    created_at: datetime
    #: made on this case (False: made on the other case, pointing at this one)
    made_here: bool
    #: the other case as the account sees it; ``visible`` False: none of it is told, not
    #: even its id (None)
    visible: bool
    other_id: uuid.UUID | None = None
    other_reference: str = ""
    other_summary: str = ""
    other_status: str = ""
    other_outcome: str = ""
    other_hub: str = ""


@dataclass(frozen=True)
class Linked:
    """What :func:`link` did."""

    link_id: uuid.UUID
    kind: str
    reference: str
    other_reference: str
    #: contacts moved from the other case onto this one
    moved: int = 0
    #: the other case was closed as a duplicate (False: not asked, or already closed)
    closed: bool = False

    def describe(self) -> str:
        """One line saying what was done."""
        how = "related" if self.kind == CaseLinkKind.RELATED else "the same problem"
        text = f"{self.reference} linked to {self.other_reference} as {how}"
        if self.kind == CaseLinkKind.SAME_PROBLEM and (self.moved or self.closed):
            text += f": {_contacts(self.moved)} moved here"
            if self.closed:
                text += f", {self.other_reference} closed as a duplicate"
        return text + "."


def _contacts(n: int) -> str:
    return f"{n} contact" if n == 1 else f"{n} contacts"


def check_link(kind: str, reason: str, move_contacts: bool = False) -> list[Problem]:
    """The problems with a link's kind and reason, one per field; never raises."""
    problems = []
    try:
        known = CaseLinkKind(kind)
    except ValueError:
        known = None
        problems.append(Problem("kind", UNKNOWN_KIND))
    text = clean_text(reason)
    if not text:
        problems.append(Problem("reason", NO_REASON))
    elif len(text) > REASON_MAX:
        problems.append(Problem("reason", TOO_LONG))
    if move_contacts and known is CaseLinkKind.RELATED:
        problems.append(Problem("move", MOVE_ONLY_SAME))
    return problems


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise LinkRefused(problems[0].message, problems)


def find_case(store, reference: str) -> uuid.UUID:
    """The id of the live case with ``reference`` (any case, outer spaces aside) among those
    the account sees; refused in one sentence otherwise (a case it may not see is not told
    apart from one that does not exist)."""
    text = " ".join((reference or "").split())
    if not text:
        raise LinkRefused(NO_REFERENCE, [Problem("other", NO_REFERENCE)])
    with store.read() as s:
        found = s.scalar(
            select(Case.id).where(Case.reference.in_({text, text.upper()}),
                                  Case.voided.is_(False))
        )  # fmt: skip
    if found is None:
        message = NOT_FOUND.format(ref=text)
        raise LinkRefused(message, [Problem("other", message)])
    return found


def link(
    store,
    case_id: uuid.UUID,
    other_id: uuid.UUID,
    kind: str,
    reason: str,
    *,
    move_contacts: bool = False,
    today: date | None = None,
) -> Linked:
    """Link ``case_id`` (the case the link is made on, and the one kept) to ``other_id``.

    With ``kind`` ``same_problem`` and ``move_contacts``, the other case's contacts are moved
    onto this case and the other case is closed as a duplicate (unless it is closed already).
    Refused in one sentence (:class:`LinkRefused`, or ``access.AccessRefused`` for the role),
    and then nothing is written."""
    access.require(store, Op.LINK_CASES)
    problems = []
    if case_id == other_id:
        problems.append(Problem("other", SELF))
    problems += check_link(kind, reason, move_contacts)
    _refuse(problems)
    reason = clean_text(reason)
    with store.write(reason="cases linked") as s:
        access.check_case(s, case_id)
        case = live_case(s, case_id)
        if case is None:
            raise LinkRefused(GONE)
        other = live_case(s, other_id)
        if other is None:
            raise LinkRefused(NO_OTHER, [Problem("other", NO_OTHER)])
        if _existing(s, case_id, other_id) is not None:
            message = f"{case.reference} and {other.reference} are already linked."
            raise LinkRefused(message, [Problem("other", message)])
        row = CaseLink(id=uuid.uuid4(), case_id=case.id, other_case_id=other.id, kind=kind,
                       reason=reason, created_by=access.acting_user(s))  # fmt: skip
        s.add(row)
        moved, closed = 0, False
        if move_contacts:
            moved = _move_contacts(s, other.id, case.id)
            if other.status != CaseStatus.CLOSED:
                apply_status_change(
                    s, other, CaseStatus.CLOSED, outcome=CaseOutcome.DUPLICATE.value,
                    rationale=f"The same problem as {case.reference}; "
                    f"{_contacts(moved)} moved there.", today=today,
                )  # fmt: skip
                closed = True
        done = Linked(row.id, kind, case.reference, other.reference, moved, closed)
        s.flush()
        audit.record(s, audit.Kind.ALTERATION, "case_", [str(case.id), str(other.id)],
                     {"link": str(row.id), "kind": kind, "contacts_moved": moved,
                      "closed_as_duplicate": closed}, reason="cases linked")  # fmt: skip
        return done


def _existing(s, case_id: uuid.UUID, other_id: uuid.UUID) -> CaseLink | None:
    """A live link of the two cases, made on either."""
    return s.scalar(
        select(CaseLink).where(
            CaseLink.voided.is_(False),
            or_(and_(CaseLink.case_id == case_id, CaseLink.other_case_id == other_id),
                and_(CaseLink.case_id == other_id, CaseLink.other_case_id == case_id)),
        ).limit(1)
    )  # fmt: skip


#: the columns a contact is written again with (all but its case, identity and bookkeeping;
#: the import key stays with the voided original, so importing its file again adds nothing)
_CONTACT_VALUES = ("channel_id", "received_at", "incident_at", "reporter_person_id", "anonymous",
                   "consent_to_contact", "summary", "external_ref", "place_id")  # fmt: skip


def _move_contacts(s, from_id: uuid.UUID, to_id: uuid.UUID) -> int:
    """Write each live contact of ``from_id`` again on ``to_id`` and void the original; a
    reporter not yet on ``to_id`` joins it as a reporter. Returns how many moved."""
    contacts = list(s.scalars(
        select(Contact).where(Contact.case_id == from_id, Contact.voided.is_(False))
        .order_by(Contact.received_at)
    ))  # fmt: skip
    on_case = set(s.scalars(
        select(CasePerson.person_id).where(CasePerson.case_id == to_id,
                                           CasePerson.voided.is_(False))
    ))  # fmt: skip
    for c in contacts:
        s.add(Contact(id=uuid.uuid4(), case_id=to_id,
                      **{k: getattr(c, k) for k in _CONTACT_VALUES}))  # fmt: skip
        c.voided = True
        person = c.reporter_person_id
        if person is not None and not c.anonymous and person not in on_case:
            s.add(CasePerson(id=uuid.uuid4(), case_id=to_id, person_id=person,
                             role=PersonRole.REPORTER.value))  # fmt: skip
            on_case.add(person)
    return len(contacts)


def unlink(store, link_id: uuid.UUID) -> None:
    """Remove a link: its row is voided (so the removal syncs), and both timelines say when.
    Contacts moved and a case closed by it stay as they are (reopen the case by hand)."""
    access.require(store, Op.LINK_CASES)
    with store.write(reason="case link removed") as s:
        row = s.get(CaseLink, link_id)
        if row is None or row.voided:
            raise LinkRefused("This link no longer exists.")
        access.check_case(s, row.case_id)
        row.voided = True


def links_of(s, case_id: uuid.UUID) -> list[LinkLine]:
    """The live links of a case in the session ``s``, both those made on it and those made
    on another case pointing at it, oldest first.

    The case rule applies to each ``case_link`` row by its ``case_id`` (the case it was made
    on), and, since the row names it, by its ``other_case_id`` too: a partner reads only the
    links between two cases their agency is on. A link whose other case is gone (removed)
    names nothing of it (``visible`` False)."""
    rows = list(s.scalars(
        select(CaseLink).where(
            CaseLink.voided.is_(False),
            or_(CaseLink.case_id == case_id, CaseLink.other_case_id == case_id),
        ).order_by(CaseLink.created_at)
    ))  # fmt: skip
    others = {r.other_case_id if r.case_id == case_id else r.case_id for r in rows}
    cases = {
        c.id: (c, hub)
        for c, hub in s.execute(
            select(Case, Hub.name).join(Hub, Hub.id == Case.hub_id)
            .where(Case.id.in_(others), Case.voided.is_(False))
        )
    } if others else {}  # fmt: skip
    out = []
    for r in rows:
        made_here = r.case_id == case_id
        other_id = r.other_case_id if made_here else r.case_id
        found = cases.get(other_id)
        extra = {}
        if found is not None:
            c, hub = found
            extra = dict(other_id=c.id, other_reference=c.reference, other_summary=c.summary,
                         other_status=c.status, other_outcome=c.outcome, other_hub=hub)  # fmt: skip
        out.append(LinkLine(r.id, r.kind, r.reason, r.created_by, r.created_at, made_here,
                            found is not None, **extra))  # fmt: skip
    return out


def read_links(store, case_id: uuid.UUID) -> list[LinkLine]:
    """The links of a case (:func:`links_of`) in a reading of their own."""
    with store.read() as s:
        access.check_case(s, case_id)
        return links_of(s, case_id)
