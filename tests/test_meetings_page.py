"""The Meetings page through its widgets (real SQLite, off-screen Qt): planning a meeting,
the agenda with its reasons kept, attendance, decisions and actions raised; the models
checked with qtmodeltester."""

from datetime import date

import pytest
from casework import agency_id, hub_id, new_case
from PySide6.QtCore import Qt
from sqlalchemy import select

from hubapp.models.meetings import (
    AgendaModel,
    AttendanceModel,
    DecisionsModel,
    LineRole,
    MeetingListModel,
    RaisedActionsModel,
)
from hubapp.store import lookups, setup
from hubapp.store.casework import meetings
from hubapp.store.casework.actions import ActionDraft, actions_for_case_agency
from hubapp.store.schema import Action, AgendaItem, Meeting

TODAY = date(2026, 6, 1)


@pytest.fixture
def page(qtbot, store):
    from hubapp.views.meetings import MeetingsPage

    w = MeetingsPage()
    qtbot.addWidget(w)
    w.today = TODAY
    w.attach(store, lookups.load(store), setup.current(store))
    w.resize(1366, 700)
    w.show()
    settled(qtbot, w)
    return w


def settled(qtbot, page):
    """Wait until the page has read the meetings or saved a change (in the background)."""
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)


def saved(qtbot, task) -> bool:
    """Whether the change a form started was saved (it is saved in the background): False
    at once for one the form refused before anything was written."""
    if task is None:
        return False
    qtbot.waitUntil(lambda: not task.running, timeout=10_000)
    return task.outcome == "succeeded"


def agenda_rows(store):
    with store.read() as s:
        return [
            (i.case_id, i.reason, i.reason_text, i.removed, i.removed_reason)
            for i in s.scalars(select(AgendaItem).order_by(AgendaItem.position))
        ]


def test_plan_a_meeting_refused_values_stay_then_saved(page, store, qtbot):
    assert page.empty.isVisible() and not page.detail.isVisible()
    dialog = page.plan_meeting()
    assert dialog.place.text() == "Carlisle Civic Centre"  # the station, for its own hub
    dialog.day.edit.setText("31/02/2026")
    dialog.chair.setText("Insp. Rhona Baird")
    assert not saved(qtbot, dialog.plan())
    assert (
        dialog.errors["meets_on"].isVisible() and "dd/mm/yyyy" in dialog.errors["meets_on"].text()
    )
    dialog.day.edit.setText("10/06/2062")  # a year mistyped
    assert not saved(qtbot, dialog.plan())
    assert "check the year" in dialog.errors["meets_on"].text()
    dialog.day.edit.setText("10/06/2026")
    dialog.time.setText("25:00")
    assert not saved(qtbot, dialog.plan())
    assert (
        "HH:MM" in dialog.errors["starts_at"].text() and not dialog.errors["meets_on"].isVisible()
    )
    # nothing typed was lost, nothing was written
    assert (dialog.day.edit.text(), dialog.time.text(), dialog.chair.text()) == (
        "10/06/2026", "25:00", "Insp. Rhona Baird")  # fmt: skip
    with store.read() as s:
        assert s.scalar(select(Meeting.id)) is None
    dialog.time.setText("10:00")
    assert saved(qtbot, dialog.plan())
    settled(qtbot, page)  # the page reads the new meeting
    with store.read() as s:
        [m] = s.scalars(select(Meeting))
    assert (m.meets_on, m.starts_at, m.chair, m.status) == (
        date(2026, 6, 10), "10:00", "Insp. Rhona Baird", "planned")  # fmt: skip
    assert page.meeting.id == m.id and page.detail.isVisible()
    assert "10/06/2026 at 10:00" in page.title.text()
    assert page.meeting_list.rowCount() == 1
    # a second one the same day is refused next to the date, the form kept
    again = page.plan_meeting()
    again.day.edit.setText("10/06/2026")
    assert not saved(qtbot, again.plan())
    assert "already has a meeting" in again.errors["meets_on"].text()
    again.reject()


def test_add_and_remove_agenda_items_keeps_the_reasons(page, store, qtbot):
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), date(2026, 6, 10))
    first = new_case(store, "CAR-2026-0042")
    second = new_case(store, "CAR-2026-0043")
    other_hub = new_case(store, "SLK-2026-0001", hub="SLK")
    page.reload()
    settled(qtbot, page)
    assert page.meeting.id == meeting

    # from the case list's selection
    page.case_from_list = lambda: None
    page.use_selected.click()
    assert "No case is selected" in page.agenda_errors["case"].text()
    page.case_from_list = lambda: (first, "CAR-2026-0042")
    page.use_selected.click()
    assert page.case_ref.text() == "CAR-2026-0042" and not page.agenda_errors["case"].isVisible()
    page.reason_combo.setCurrentIndex(page.reason_combo.findData("priority_area"))
    assert not saved(qtbot, page.add_to_agenda())  # no reason why
    assert page.agenda_errors["why"].isVisible() and page.case_ref.text() == "CAR-2026-0042"
    page.why.setText("Repeat reports from residents")
    qtbot.keyClick(page.why, Qt.Key.Key_Return)
    settled(qtbot, page)
    assert agenda_rows(store) == [
        (first, "priority_area", "Repeat reports from residents", False, "")
    ]
    assert page.case_ref.text() == "" and page.why.text() == ""

    # by reference, typed in lower case; a case of another hub is refused, the form kept
    page.case_ref.setText("slk-2026-0001")
    page.why.setText("Spill-over from Kendal")
    assert not saved(qtbot, page.add_to_agenda())
    assert "not a case of the Carlisle hub" in page.agenda_errors["case"].text()
    assert (page.case_ref.text(), page.why.text()) == ("slk-2026-0001", "Spill-over from Kendal")
    page.case_ref.setText("CAR-2026-9999")
    assert not saved(qtbot, page.add_to_agenda())
    assert "There is no case CAR-2026-9999" in page.agenda_errors["case"].text()
    page.case_ref.setText("car-2026-0043")
    page.reason_combo.setCurrentIndex(page.reason_combo.findData("emerging_issue"))
    page.why.setText("New reports of fly-tipping")
    assert saved(qtbot, page.add_to_agenda())
    assert len(agenda_rows(store)) == 2 and other_hub not in [r[0] for r in agenda_rows(store)]
    assert page.agenda_model.rowCount() == 2 and "Agenda (2)" in page.tabs.tabText(0)

    # remove the first: a reason is required, and kept
    page.agenda_table.selectRow(0)
    assert not saved(qtbot, page.remove_from_agenda())
    assert "must not be empty" in page.remove_error.text()
    page.remove_reason.setText("Resolved before the meeting")
    qtbot.keyClick(page.remove_reason, Qt.Key.Key_Return)
    settled(qtbot, page)
    rows = agenda_rows(store)
    assert rows[0] == (first, "priority_area", "Repeat reports from residents", True,
                       "Resolved before the meeting")  # fmt: skip
    assert rows[1][:2] == (second, "emerging_issue") and not rows[1][3]
    # the removed item stays in view with who took it off and why
    state = page.agenda_model.index(0, 5).data()
    assert "Resolved before the meeting" in state and store.user in state
    assert page.agenda_model.index(0, 1).data(Qt.ItemDataRole.FontRole).italic()
    page.agenda_table.selectRow(0)
    assert not page.remove_button.isEnabled()  # already off
    page.agenda_table.selectRow(1)
    assert page.remove_button.isEnabled()
    assert "Agenda (1)" in page.tabs.tabText(0)
    # the decision and action forms offer only the live case
    assert [page.action_case.itemText(i) for i in range(page.action_case.count())] == [
        "CAR-2026-0043"
    ]

    # once held, the agenda is fixed
    page.held_button.click()
    settled(qtbot, page)
    assert not page.agenda_forms[0].isEnabled() and page.agenda_fixed.isVisible()
    with store.read() as s:
        assert s.get(Meeting, meeting).status == "held"


def test_attendance_decision_and_an_action_raised_from_it(page, store, qtbot):
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), date(2026, 6, 10))
    case = new_case(store)
    meetings.add_agenda_item(store, meeting, case, "priority_area", "Repeat reports")
    page.reload()
    settled(qtbot, page)
    police = agency_id(store, "POLICE")

    page.att_agency.setCurrentIndex(page.att_agency.findData(police.hex))
    page.att_present.setChecked(True)
    assert not saved(qtbot, page.record_attendance())  # present needs names
    assert "Name who came" in page.att_error.text()
    page.att_names.setText("PC Zoë Adams")
    assert saved(qtbot, page.record_attendance())
    info = meetings.load_meeting(store, meeting)
    assert [(a.agency_id, a.status, a.attendees) for a in info.attendance] == [
        (police, "present", "PC Zoë Adams")
    ]
    first = page.attendance_model.index(0, 0).data(LineRole)
    assert first[0].id == police and page.attendance_model.index(0, 2).data() == "PC Zoë Adams"

    page.decision_about.setCurrentIndex(page.decision_about.findData(case.hex))
    assert not saved(qtbot, page.record_decision())
    assert "must not be empty" in page.decision_error.text()
    page.decision_text.setPlainText("Police to patrol the park on Friday evenings")
    assert saved(qtbot, page.record_decision())
    [decision] = meetings.load_meeting(store, meeting).decisions
    assert decision.case_id == case

    # raise an action from it: the form is filled from the decision, on the Actions tab
    page.decisions_table.selectRow(0)
    page.raise_from_decision()
    assert page.tabs.currentIndex() == 3
    assert page.action_text.text() == "Police to patrol the park on Friday evenings"
    page.action_agency.setCurrentIndex(page.action_agency.findData(police.hex))
    page.action_due.edit.setText("32/13/2026")
    assert not saved(qtbot, page.raise_action())
    assert page.action_errors["due_on"].isVisible()
    assert page.action_text.text() == "Police to patrol the park on Friday evenings"
    page.action_due.edit.setText("20/06/2026")
    page.action_owner.setText("PCSO Tom Reed")
    with qtbot.waitSignal(page.actionsChanged):
        assert page.raise_action()
    # the same action records the assignment grid reads
    [line] = actions_for_case_agency(store, case, police, TODAY)
    assert (line.description, line.owner, line.due_on) == (
        "Police to patrol the park on Friday evenings",
        "PCSO Tom Reed",
        date(2026, 6, 20),
    )
    with store.read() as s:
        assert s.get(Action, line.id).meeting_id == meeting
    assert page.actions_model.rowCount() == 1
    assert page.actions_model.index(0, 1).data() == "Police"


def test_models_pass_qtmodeltester(qtmodeltester, store):
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), date(2026, 6, 10),
                                    starts_at="10:00", place="Civic Centre")  # fmt: skip
    case = new_case(store)
    item = meetings.add_agenda_item(store, meeting, case, "priority_person", "Why <b>&</b>")
    meetings.remove_agenda_item(store, item, "Dealt with")
    meetings.add_agenda_item(store, meeting, case, "emerging_issue", "Back again")
    police = agency_id(store, "POLICE")
    meetings.set_attendance(store, meeting, police, "present", "PC Amy Hart")
    meetings.record_decision(store, meeting, "Patrols\non Friday", case)
    meetings.raise_action(store, meeting, case, police, ActionDraft("Patrol"),
                          assign_if_missing=True, today=TODAY)  # fmt: skip
    info = meetings.load_meeting(store, meeting)
    books = lookups.load(store)

    listing = MeetingListModel()
    listing.set_lines(meetings.list_meetings(store, hub_id(store, "CAR")))
    agenda = AgendaModel()
    agenda.set_lines(info.agenda)
    attendance = AttendanceModel()
    attendance.set_attendance(sorted(books.agencies.values(), key=lambda a: a.name),
                              info.attendance)  # fmt: skip
    decisions = DecisionsModel()
    decisions.set_lines(info.decisions)
    raised = RaisedActionsModel()
    raised.set_lines(meetings.raised_actions(store, meeting))
    for model in (listing, agenda, attendance, decisions, raised):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)
    assert listing.index(0, 3).data() == "1"  # one live case on the agenda
    assert agenda.index(0, 3).data() == "Why <b>&</b>"  # plain text, as typed
    assert decisions.index(0, 1).data() == "Patrols on Friday"  # one line in the table
    assert "Patrols" in decisions.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert attendance.index(0, 1).data() == "Present"
    assert raised.index(0, 0).data() == "CAR-2026-0042"
    for model in (listing, agenda, attendance, decisions, raised):
        assert model.flags(model.index(99, 0)) == Qt.ItemFlag.NoItemFlags
