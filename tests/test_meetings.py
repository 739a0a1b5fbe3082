"""Partner meetings on real SQLite: planning, agenda reasons kept, attendance, decisions,
actions raised in a meeting, the next meeting, and the 0004 migration."""

from datetime import date

import pytest
from casework import agency_id, audit_since, downgrade, hub_id, new_case
from sqlalchemy import select

from hubapp.store.casework import assignments, meetings
from hubapp.store.casework.actions import ActionDraft, ActionError
from hubapp.store.casework.meetings import MeetingError
from hubapp.store.schema import Action, AuditEntry, MeetingDecision


@pytest.fixture
def meeting(store):
    return meetings.plan_meeting(
        store, hub_id(store, "CAR"), date(2026, 6, 10), starts_at="10:00",
        place="Carlisle Civic Centre", chair="Insp. Rhona Baird",
    )  # fmt: skip


def test_one_meeting_per_hub_and_day(store, meeting):
    with pytest.raises(MeetingError, match="already has a meeting on 10/06/2026"):
        meetings.plan_meeting(store, hub_id(store, "CAR"), date(2026, 6, 10))
    # another hub the same day is fine
    meetings.plan_meeting(store, hub_id(store, "SLK"), date(2026, 6, 10))
    with pytest.raises(MeetingError, match="HH:MM"):
        meetings.plan_meeting(store, hub_id(store, "CAR"), date(2026, 7, 1), starts_at="25:00")
    with pytest.raises(MeetingError, match="active hub"):
        meetings.plan_meeting(store, hub_id(store, "EDN"), date(2026, 7, 1))
    # a year mistyped: before 2000, or more than two years ahead
    with pytest.raises(MeetingError, match="before 2000; check the year"):
        meetings.plan_meeting(store, hub_id(store, "CAR"), date(206, 7, 1))
    with pytest.raises(MeetingError, match="more than two years ahead"):
        meetings.plan_meeting(store, hub_id(store, "CAR"), date(2062, 7, 1), today=date(2026, 7, 1))
    # written up afterwards, or planned well ahead: both fine
    meetings.plan_meeting(store, hub_id(store, "CAR"), date(2019, 3, 5), today=date(2026, 7, 1))
    meetings.plan_meeting(store, hub_id(store, "CAR"), date(2028, 6, 30), today=date(2026, 7, 1))


def test_agenda_keeps_reasons_for_adding_and_removing(store, meeting):
    case = new_case(store)
    item = meetings.add_agenda_item(
        store, meeting, case, "priority_area", "Repeat reports from residents"
    )
    with pytest.raises(MeetingError, match="already on this meeting's agenda"):
        meetings.add_agenda_item(store, meeting, case, "emerging_issue", "Again")
    with pytest.raises(MeetingError, match="not a reason"):
        meetings.add_agenda_item(store, meeting, new_case(store, "CAR-2026-0043"), "whim", "x")
    with pytest.raises(MeetingError, match="must not be empty"):
        meetings.remove_agenda_item(store, item, "  ")
    meetings.remove_agenda_item(store, item, "Resolved before the meeting")
    info = meetings.load_meeting(store, meeting)
    [line] = info.agenda
    assert line.removed and line.removed_reason == "Resolved before the meeting"
    assert line.reason_text == "Repeat reports from residents" and line.added_by == store.user
    # it can go back on, as a new item; the removed one stays
    meetings.add_agenda_item(store, meeting, case, "priority_person", "New reports")
    info = meetings.load_meeting(store, meeting)
    assert [(a.removed, a.position) for a in info.agenda] == [(True, 1), (False, 2)]


def test_agenda_only_takes_cases_of_the_hub_and_is_fixed_once_held(store, meeting):
    other = new_case(store, "SLK-2026-0001", hub="SLK")
    with pytest.raises(MeetingError, match="not a case of the Carlisle hub"):
        meetings.add_agenda_item(store, meeting, other, "emerging_issue", "Spill-over")
    case = new_case(store)
    item = meetings.add_agenda_item(store, meeting, case, "emerging_issue", "New")
    meetings.mark_held(store, meeting)
    with pytest.raises(MeetingError, match="has been held"):
        meetings.add_agenda_item(
            store, meeting, new_case(store, "CAR-2026-0050"), "emerging_issue", "x"
        )
    with pytest.raises(MeetingError, match="has been held"):
        meetings.remove_agenda_item(store, item, "too late")


def test_attendance_is_one_row_per_agency(store, meeting):
    police = agency_id(store, "POLICE")
    with pytest.raises(MeetingError, match="Name who came"):
        meetings.set_attendance(store, meeting, police, "present", "")
    meetings.set_attendance(store, meeting, police, "present", "PC Zoë Adams")
    meetings.set_attendance(store, meeting, police, "present", "PC Zoë Adams, PCSO Łukasz Nowak")
    meetings.set_attendance(store, meeting, agency_id(store, "FIRE"), "apologies")
    info = meetings.load_meeting(store, meeting)
    assert [(a.status, a.attendees) for a in info.attendance] == [
        ("present", "PC Zoë Adams, PCSO Łukasz Nowak"),
        ("apologies", ""),
    ]


def test_decisions_and_their_audit_hide_the_text(store, meeting):
    case = new_case(store)
    with pytest.raises(MeetingError, match="not on this meeting's agenda"):
        meetings.record_decision(store, meeting, "Close it", case)
    meetings.add_agenda_item(store, meeting, case, "priority_area", "Repeat reports")
    before = audit_since(store, 0)[-1].id
    meetings.record_decision(store, meeting, "Ask Jane Smith to keep a diary", case)
    meetings.record_decision(store, meeting, "Next meeting moves to Kendal")
    with store.read() as s:
        texts = [d.text for d in s.scalars(select(MeetingDecision))]
        log = [e for e in s.scalars(select(AuditEntry).where(AuditEntry.id > before))]
    assert sorted(texts) == ["Ask Jane Smith to keep a diary", "Next meeting moves to Kendal"]
    assert log and all("Jane Smith" not in str(e.details) for e in log)
    assert [d.case_reference for d in meetings.load_meeting(store, meeting).decisions] == [
        "CAR-2026-0042",
        "",
    ]


def test_actions_raised_in_a_meeting_are_ordinary_linked_actions(store, meeting):
    case = new_case(store)
    police = agency_id(store, "POLICE")
    with pytest.raises(ActionError, match="no part"):
        meetings.raise_action(store, meeting, case, police, ActionDraft("Patrol the park"))
    action = meetings.raise_action(
        store, meeting, case, police, ActionDraft("Patrol the park", due_on=date(2026, 6, 20)),
        assign_if_missing=True, today=date(2026, 6, 10),
    )  # fmt: skip
    with store.read() as s:
        row = s.get(Action, action)
        assert row.meeting_id == meeting and row.description == "Patrol the park"
        assert s.scalar(select(Action.id).where(Action.meeting_id.is_(None))) is None
    assert meetings.load_meeting(store, meeting).action_ids == [action]
    assert assignments.hub_agencies(store, hub_id(store, "CAR"))  # the grid still reads


def test_an_action_for_another_hubs_case_is_refused_and_nothing_is_written(store, meeting):
    other = new_case(store, "SLK-2026-0001", hub="SLK")
    police = agency_id(store, "POLICE")
    with pytest.raises(MeetingError, match="not a case of this meeting's hub"):
        meetings.raise_action(
            store, meeting, other, police, ActionDraft("Patrol"), assign_if_missing=True
        )
    with store.read() as s:
        assert s.scalar(select(Action.id)) is None


def test_next_meeting_is_the_earliest_planned_one_from_today(store):
    car = hub_id(store, "CAR")
    assert meetings.next_meeting(store, car, date(2026, 6, 1)) is None
    june = meetings.plan_meeting(store, car, date(2026, 6, 10))
    july = meetings.plan_meeting(store, car, date(2026, 7, 8))
    meetings.plan_meeting(store, car, date(2026, 5, 13))
    assert meetings.next_meeting(store, car, date(2026, 6, 1)).id == june
    assert meetings.next_meeting(store, car, date(2026, 6, 10)).id == june
    meetings.mark_held(store, june)
    assert meetings.next_meeting(store, car, date(2026, 6, 10)).id == july
    assert meetings.meeting_on(store, car, date(2026, 6, 10)).id == june
    assert meetings.meeting_on(store, car, date(2026, 6, 11)) is None


def test_a_database_at_0003_gains_the_meeting_tables(db_path):

    from hubapp.store import database
    from hubapp.store.database import open_store

    open_store(db_path).close()
    downgrade(db_path, "0003")
    con = database.connect(db_path)
    assert "meeting_id" not in {r[1] for r in con.execute("PRAGMA table_info(action)")}
    con.close()
    open_store(db_path).close()
    con = database.connect(db_path)
    columns = {r[1] for r in con.execute("PRAGMA table_info(action)")}
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert "meeting_id" in columns
    assert {"meeting", "agenda_item", "meeting_attendance", "meeting_decision"} <= tables
