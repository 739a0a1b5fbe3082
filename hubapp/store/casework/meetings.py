"""Partner meetings: one per hub and date, with an agenda, attendance, decisions and actions.

Rules, checked inside the write transaction (each refusal is a :class:`MeetingError` in one
sentence, and nothing is written):

* A hub has at most one live meeting a day; the hub must exist and be active.
  ``starts_at`` is UK local time as ``HH:MM`` (or blank, not yet fixed).
* A meeting is ``planned`` until :func:`mark_held`; a held meeting's agenda is fixed (its
  attendance, decisions and actions can still be recorded: they are often typed up after).
* An agenda item is a case of the meeting's hub with a reason (priority area, priority
  person, emerging issue) and the text saying why it was added. A case is on an agenda
  once. Removing an item needs a reason; the item is kept, marked removed, with who removed
  it and why. A removed case can be added again (a new item, the old one stays).
* Attendance is one row per agency and meeting: present (with the names of who came) or
  apologies. Setting it again replaces the agency's row.
* Decisions are free text, about one case on the agenda or the meeting as a whole.
* Actions raised in a meeting are ordinary actions (:func:`hubapp.store.casework.actions.add_action`,
  all its rules apply) carrying the meeting's id, written in the same transaction.

Every change is audited by the store's write path; free-text fields (reasons, decisions,
attendee names) are masked in the log (see :data:`hubapp.store.audit.PERSONAL_FIELDS`).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select

from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access
from hubapp.store.casework import actions as action_store
from hubapp.store.casework.actions import ActionDraft
from hubapp.store.errors import Problem, Refused
from hubapp.store.schema import (
    Action,
    Agency,
    AgendaItem,
    Case,
    Hub,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
)

log = logging.getLogger(__name__)

TEXT_MAX = 2_000
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class MeetingError(Refused):
    """A meeting change refused by the rules, in one sentence; ``problems`` names the field
    where one field is at fault (``meets_on``, ``starts_at``, ``reason_text``)."""


def _wrong(field: str, message: str) -> MeetingError:
    return MeetingError(message, [Problem(field, message)])


class AgendaReason(StrEnum):
    PRIORITY_AREA = "priority_area"
    PRIORITY_PERSON = "priority_person"
    EMERGING_ISSUE = "emerging_issue"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"


class Attendance(StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# --- what the screens and documents read ------------------------------------------------


@dataclass(frozen=True)
class AgendaLine:
    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    reason: str
    reason_text: str
    added_by: str
    position: int
    removed: bool
    removed_reason: str
    removed_by: str


@dataclass(frozen=True)
class AttendanceLine:
    agency_id: uuid.UUID
    agency: str
    status: str
    attendees: str


@dataclass(frozen=True)
class DecisionLine:
    id: uuid.UUID
    case_id: uuid.UUID | None
    case_reference: str
    text: str
    recorded_by: str


@dataclass(frozen=True)
class MeetingInfo:
    id: uuid.UUID
    hub_id: uuid.UUID
    hub: str
    meets_on: date
    starts_at: str
    place: str
    chair: str
    status: str
    row_version: int
    agenda: list[AgendaLine] = field(default_factory=list)
    attendance: list[AttendanceLine] = field(default_factory=list)
    decisions: list[DecisionLine] = field(default_factory=list)
    action_ids: list[uuid.UUID] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------


def _text(value: str, what: str, *, required: bool = True, line: bool = False,
          field: str = "") -> str:  # fmt: skip
    """``value`` as stored: one line (``line``: a line break pasted in becomes a space) or
    several; refused with a sentence when empty (if ``required``) or too long."""
    text = clean_line(value) if line else clean_text(value)
    if required and not text:
        raise _wrong(field, f"{what} must not be empty.")
    if len(text) > TEXT_MAX:
        raise _wrong(field, f"{what} is too long: {len(text):,} characters, at most 2,000.")
    return text


def _live_meeting(s, meeting_id: uuid.UUID) -> Meeting:
    meeting = s.get(Meeting, meeting_id)
    if meeting is None or meeting.voided:
        raise MeetingError("This meeting no longer exists.")
    return meeting


def _require_planned(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.HELD.value:
        raise MeetingError(
            f"The meeting of {meeting.meets_on:%d/%m/%Y} has been held; its agenda is fixed."
        )


def _live_case(s, case_id: uuid.UUID) -> Case:
    case = s.get(Case, case_id)
    if case is None or case.voided:
        raise MeetingError("This case no longer exists.")
    return case


# --- meetings -----------------------------------------------------------------------------


def plan_meeting(
    store,
    hub_id: uuid.UUID,
    meets_on: date,
    *,
    starts_at: str = "",
    place: str = "",
    chair: str = "",
    today: date | None = None,
) -> uuid.UUID:
    """Plan a hub's meeting on a day; return its id. One live meeting per hub and day.

    The day may be in the past (a meeting written up afterwards), but not before 2000 or more
    than two years ahead: those are a year mistyped, as for an action's due date."""
    starts_at = clean_line(starts_at)
    if starts_at and not _TIME.match(starts_at):
        raise _wrong("starts_at", f"'{starts_at}' is not a time; type it as HH:MM, e.g. 10:00.")
    if not isinstance(meets_on, date):
        raise _wrong("meets_on", "The meeting date is not a date.")
    if meets_on < action_store.EARLIEST_DATE:
        raise _wrong(
            "meets_on", f"The meeting date {meets_on:%d/%m/%Y} is before 2000; check the year."
        )
    if meets_on > action_store.years_ahead(today or date.today(), action_store.DUE_YEARS_AHEAD):
        raise _wrong("meets_on", "The meeting date is more than two years ahead; check the year.")
    with store.write(reason="meeting planned") as s:
        hub = s.get(Hub, hub_id)
        if hub is None or hub.voided or not hub.active:
            raise MeetingError("Meetings can only be planned for an active hub.")
        taken = s.scalar(
            select(func.count()).where(
                Meeting.hub_id == hub_id, Meeting.meets_on == meets_on, Meeting.voided.is_(False)
            )
        )
        if taken:
            raise _wrong(
                "meets_on", f"The {hub.name} hub already has a meeting on {meets_on:%d/%m/%Y}."
            )
        meeting = Meeting(
            id=uuid.uuid4(), hub_id=hub_id, meets_on=meets_on, starts_at=starts_at,
            place=clean_line(place)[:200], chair=clean_line(chair)[:120],
            status=MeetingStatus.PLANNED.value,
        )  # fmt: skip
        s.add(meeting)
        s.flush()
        log.info("Meeting planned for %s on %s", hub.code, meets_on)
        return meeting.id


def mark_held(store, meeting_id: uuid.UUID) -> None:
    """Record that the meeting took place (its agenda is fixed from then on)."""
    with store.write(reason="meeting held") as s:
        meeting = _live_meeting(s, meeting_id)
        meeting.status = MeetingStatus.HELD.value


def meeting_on(store, hub_id: uuid.UUID, day: date) -> MeetingInfo | None:
    """The hub's live meeting on ``day``, or None."""
    with store.read() as s:
        mid = s.scalar(
            select(Meeting.id).where(
                Meeting.hub_id == hub_id, Meeting.meets_on == day, Meeting.voided.is_(False)
            )
        )
    return load_meeting(store, mid) if mid is not None else None


def next_meeting(store, hub_id: uuid.UUID, today: date | None = None) -> MeetingInfo | None:
    """The hub's next planned meeting (today or later), or None."""
    today = today or date.today()
    with store.read() as s:
        mid = s.scalar(
            select(Meeting.id)
            .where(
                Meeting.hub_id == hub_id,
                Meeting.meets_on >= today,
                Meeting.status == MeetingStatus.PLANNED.value,
                Meeting.voided.is_(False),
            )
            .order_by(Meeting.meets_on)
            .limit(1)
        )
    return load_meeting(store, mid) if mid is not None else None


@dataclass(frozen=True)
class MeetingSummary:
    """One line of a hub's list of meetings."""

    id: uuid.UUID
    meets_on: date
    starts_at: str
    place: str
    status: str
    agenda_items: int


@dataclass(frozen=True)
class RaisedAction:
    """An action raised in a meeting, as the meeting's screen lists it."""

    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    agency: str
    description: str
    owner: str
    due_on: date | None
    status: str


def list_meetings(store, hub_id: uuid.UUID) -> list[MeetingSummary]:
    """The hub's live meetings, the latest first, with how many cases each has on its agenda."""
    on_agenda = (
        select(func.count())
        .where(
            AgendaItem.meeting_id == Meeting.id,
            AgendaItem.removed.is_(False),
            AgendaItem.voided.is_(False),
        )
        .scalar_subquery()
    )
    with store.read() as s:
        rows = s.execute(
            select(Meeting, on_agenda)
            .where(Meeting.hub_id == hub_id, Meeting.voided.is_(False))
            .order_by(Meeting.meets_on.desc())
        )
        return [MeetingSummary(m.id, m.meets_on, m.starts_at, m.place, m.status, n)
                for m, n in rows]  # fmt: skip


def raised_actions(store, meeting_id: uuid.UUID) -> list[RaisedAction]:
    """The actions raised in a meeting, in the order they were raised."""
    with store.read() as s:
        rows = s.execute(
            select(Action, Case.reference, Agency.short_name)
            .join(Case, Case.id == Action.case_id)
            .join(Agency, Agency.id == Action.agency_id)
            .where(Action.meeting_id == meeting_id, Action.voided.is_(False))
            .order_by(Action.created_at)
        )
        return [RaisedAction(a.id, a.case_id, ref, agency, a.description, a.owner, a.due_on,
                             a.status) for a, ref, agency in rows]  # fmt: skip


def load_meeting(store, meeting_id: uuid.UUID) -> MeetingInfo:
    """A meeting with its agenda (removed items too, in order), attendance and decisions;
    of the agenda, decisions and actions, only those of cases the account may see (the
    session's rules: hubapp.store.access)."""
    with store.read() as s:
        m = _live_meeting(s, meeting_id)
        hub = s.get(Hub, m.hub_id)
        agenda = [
            AgendaLine(i.id, i.case_id, ref, i.reason, i.reason_text, i.added_by, i.position,
                       i.removed, i.removed_reason, i.removed_by)
            for i, ref in s.execute(
                select(AgendaItem, Case.reference)
                .join(Case, Case.id == AgendaItem.case_id)
                .where(AgendaItem.meeting_id == m.id, AgendaItem.voided.is_(False))
                .order_by(AgendaItem.position, AgendaItem.created_at)
            )
        ]  # fmt: skip
        attendance = [
            AttendanceLine(a.agency_id, name, a.status, a.attendees)
            for a, name in s.execute(
                select(MeetingAttendance, Agency.name)
                .join(Agency, Agency.id == MeetingAttendance.agency_id)
                .where(MeetingAttendance.meeting_id == m.id, MeetingAttendance.voided.is_(False))
                .order_by(MeetingAttendance.status.desc(), Agency.name)
            )
        ]
        decisions = [
            DecisionLine(d.id, d.case_id, ref or "", d.text, d.recorded_by)
            for d, ref in s.execute(
                select(MeetingDecision, Case.reference)
                .outerjoin(Case, Case.id == MeetingDecision.case_id)
                .where(MeetingDecision.meeting_id == m.id, MeetingDecision.voided.is_(False))
                .order_by(MeetingDecision.created_at)
            )
        ]
        action_ids = list(
            s.scalars(
                select(Action.id)
                .where(Action.meeting_id == m.id, Action.voided.is_(False))
                .order_by(Action.created_at)
            )
        )
        return MeetingInfo(
            m.id, m.hub_id, hub.name, m.meets_on, m.starts_at, m.place, m.chair, m.status,
            m.row_version, agenda, attendance, decisions, action_ids,
        )  # fmt: skip


# --- agenda -------------------------------------------------------------------------------


def add_agenda_item(
    store, meeting_id: uuid.UUID, case_id: uuid.UUID, reason: str, reason_text: str
) -> uuid.UUID:
    """Put a case of the meeting's hub on the agenda, saying why; return the item's id."""
    try:
        reason = AgendaReason(reason).value
    except ValueError:
        raise MeetingError(
            f"'{reason}' is not a reason for the agenda; use priority area, priority person "
            "or emerging issue."
        ) from None
    why = _text(reason_text, "The reason for adding the case", line=True, field="reason_text")
    with store.write(reason="agenda item added") as s:
        meeting = _live_meeting(s, meeting_id)
        _require_planned(meeting)
        case = _live_case(s, case_id)
        if case.hub_id != meeting.hub_id:
            hub = s.get(Hub, meeting.hub_id)
            raise MeetingError(
                f"{case.reference} is not a case of the {hub.name} hub, so it cannot go on "
                "its meeting's agenda."
            )
        already = s.scalar(
            select(func.count()).where(
                AgendaItem.meeting_id == meeting.id,
                AgendaItem.case_id == case.id,
                AgendaItem.removed.is_(False),
                AgendaItem.voided.is_(False),
            )
        )
        if already:
            raise MeetingError(f"{case.reference} is already on this meeting's agenda.")
        last = s.scalar(
            select(func.max(AgendaItem.position))
            .where(AgendaItem.meeting_id == meeting.id)
            .execution_options(**access.EVERY_ROW)  # after every item, hidden ones too
        )
        item = AgendaItem(
            id=uuid.uuid4(), meeting_id=meeting.id, case_id=case.id, reason=reason,
            reason_text=why, added_by=store.user, removed=False, removed_reason="",
            removed_by="", position=(last or 0) + 1,
        )  # fmt: skip
        s.add(item)
        s.flush()
        return item.id


def remove_agenda_item(store, item_id: uuid.UUID, reason_text: str) -> None:
    """Take an item off the agenda, keeping it with who removed it and why."""
    why = _text(reason_text, "The reason for removing the case", line=True, field="reason_text")
    with store.write(reason="agenda item removed") as s:
        item = s.get(AgendaItem, item_id)
        if item is None or item.voided:
            raise MeetingError("This agenda item no longer exists.")
        if item.removed:
            raise MeetingError("This case has already been taken off the agenda.")
        _require_planned(_live_meeting(s, item.meeting_id))
        item.removed = True
        item.removed_reason = why
        item.removed_by = store.user


# --- attendance and decisions -------------------------------------------------------------


def set_attendance(
    store, meeting_id: uuid.UUID, agency_id: uuid.UUID, status: str, attendees: str = ""
) -> None:
    """Record an agency as present (with who came) or as sending apologies."""
    try:
        status = Attendance(status).value
    except ValueError:
        raise MeetingError(f"'{status}' is not an attendance; use present or apologies.") from None
    names = _text(attendees, "The names of who came", required=False, line=True, field="attendees")
    if status == Attendance.PRESENT.value and not names:
        raise MeetingError("Name who came for the agency (e.g. 'PC Amy Hart, PCSO Tom Reed').")
    with store.write(reason="meeting attendance recorded") as s:
        meeting = _live_meeting(s, meeting_id)
        agency = s.get(Agency, agency_id)
        if agency is None or agency.voided:
            raise MeetingError("This agency no longer exists.")
        row = s.scalars(
            select(MeetingAttendance).where(
                MeetingAttendance.meeting_id == meeting.id,
                MeetingAttendance.agency_id == agency.id,
                MeetingAttendance.voided.is_(False),
            )
        ).first()
        if row is None:
            s.add(
                MeetingAttendance(
                    id=uuid.uuid4(), meeting_id=meeting.id, agency_id=agency.id,
                    status=status, attendees=names,
                )
            )  # fmt: skip
        else:
            row.status = status
            row.attendees = names


def record_decision(
    store, meeting_id: uuid.UUID, text: str, case_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Record a decision, about a case on the agenda or (no case) the meeting as a whole."""
    body = _text(text, "The decision", field="text")
    with store.write(reason="meeting decision recorded") as s:
        meeting = _live_meeting(s, meeting_id)
        if case_id is not None:
            case = _live_case(s, case_id)
            on_agenda = s.scalar(
                select(func.count()).where(
                    AgendaItem.meeting_id == meeting.id,
                    AgendaItem.case_id == case.id,
                    AgendaItem.removed.is_(False),
                    AgendaItem.voided.is_(False),
                )
            )
            if not on_agenda:
                raise MeetingError(
                    f"{case.reference} is not on this meeting's agenda; add it before "
                    "recording a decision about it."
                )
        decision = MeetingDecision(
            id=uuid.uuid4(), meeting_id=meeting.id, case_id=case_id, text=body,
            recorded_by=store.user,
        )  # fmt: skip
        s.add(decision)
        s.flush()
        return decision.id


# --- actions raised in a meeting ----------------------------------------------------------


def raise_action(
    store,
    meeting_id: uuid.UUID,
    case_id: uuid.UUID,
    agency_id: uuid.UUID,
    draft: ActionDraft,
    *,
    assign_if_missing: bool = False,
    today: date | None = None,
) -> uuid.UUID:
    """An action raised in the meeting: :func:`hubapp.store.casework.actions.add_action` (all its
    rules), linked to the meeting in the same transaction. Returns the action's id."""

    def link(s, case: Case, action: Action) -> None:
        meeting = _live_meeting(s, meeting_id)
        if case.hub_id != meeting.hub_id:
            raise MeetingError(
                f"{case.reference} is not a case of this meeting's hub; raise the action from "
                "the case instead."
            )
        action.meeting_id = meeting.id

    return action_store.add_action(
        store, case_id, agency_id, draft,
        assign_if_missing=assign_if_missing, today=today, before_insert=link,
    )  # fmt: skip
