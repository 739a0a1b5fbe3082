"""The case view, driven with the keyboard and mouse on a real database (pytest-qt)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from casework import controlled_window, new_case
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from hubapp.models.case_tables import Column, RecordTableModel
from hubapp.store.schema import (
    Case,
    CasePerson,
    CasePlace,
    CaseStatusChange,
    Intervention,
    Note,
    Person,
    Place,
    SaraPlan,
)
from hubapp.views.case_view import CaseWindow


@pytest.fixture
def case_id(store):
    cid = new_case(store, summary="Youths <b>on bikes</b> in Bitts Park")
    with store.write() as s:
        person = Person(id=uuid.uuid4(), full_name="Jay <i>Doe</i>")
        place = Place(id=uuid.uuid4(), name="Bitts Park", town="Carlisle")
        s.add_all([person, place])
        s.flush()
        s.add(CasePerson(case_id=cid, person_id=person.id, role="alleged_perpetrator"))
        s.add(CasePlace(case_id=cid, place_id=place.id))
    return cid


def open_window(qtbot, store, case_id) -> CaseWindow:
    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    return w


def row(store, model, case_id):
    with store.read() as s:
        if model is Case:
            return s.get(Case, case_id)
        return s.scalar(select(model).filter_by(case_id=case_id))


def test_the_table_model_passes_the_model_tester(qtmodeltester):
    model = RecordTableModel([Column("A", str), Column("B", lambda r: r * 2, tooltip=True,
                                                       colour=lambda r: "#b00020")])  # fmt: skip
    model.set_records(["x", "<b>y</b>", ""])
    qtmodeltester.check(model)
    assert model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole).count("&lt;b&gt;") == 2


def test_opening_shows_the_case_as_plain_text(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    assert w.summary_label.text() == "Youths <b>on bikes</b> in Bitts Park"
    assert w.summary_label.textFormat() == Qt.TextFormat.PlainText
    assert w.ref_label.text() == "CAR-2026-0042"
    assert w.status_target.count() == 3  # triaged, in progress, closed
    assert w.people_model.rowCount() == 1 and w.places_model.rowCount() == 1


def test_change_status_then_close_with_outcome(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    w.status_target.setFocus()
    qtbot.keyClick(w.status_target, Qt.Key.Key_Down)  # triaged -> in progress
    assert w.status_target.currentData() == "in_progress"
    qtbot.mouseClick(w.status_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.status_now.text() == "In progress", timeout=10_000)
    assert row(store, Case, case_id).status == "in_progress"
    # close without an outcome: refused, the problem next to the field
    w.status_target.setCurrentIndex(w.status_target.findData("closed"))
    qtbot.mouseClick(w.status_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w._problems["outcome"].isVisible(), timeout=10_000)
    assert "outcome" in w._problems["outcome"].text()
    assert row(store, Case, case_id).status == "in_progress"
    w.outcome_combo.setCurrentIndex(w.outcome_combo.findData("improved"))
    qtbot.keyClicks(w.rationale_edit, "Quieter since the patrols.")
    qtbot.mouseClick(w.status_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.status_now.text().startswith("Closed"), timeout=10_000)
    case = row(store, Case, case_id)
    assert (case.status, case.outcome, case.closure_rationale) == (
        "closed",
        "improved",
        "Quieter since the patrols.",
    )
    assert case.closed_on is not None
    with store.read() as s:
        assert len(s.scalars(select(CaseStatusChange)).all()) == 2
    assert [w.status_target.itemData(i) for i in range(w.status_target.count())] == ["reopened"]


def test_save_summary_with_ctrl_s_and_problems_next_to_fields(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    w.summary_edit.clear()
    qtbot.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w._problems["summary"].isVisible(), timeout=10_000)
    w.summary_edit.setFocus()
    qtbot.keyClicks(w.summary_edit, "Motorbikes on the river path")
    w.risk_combo.setCurrentIndex(w.risk_combo.findData("high"))
    qtbot.keyClick(w.summary_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.message.text() == "Changes saved.", timeout=10_000)
    case = row(store, Case, case_id)
    assert (case.summary, case.risk_level) == ("Motorbikes on the river path", "high")
    assert not w._problems["summary"].isVisible()


def test_save_sara_plan(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    w.tabs.setCurrentIndex(w.sara_tab)
    qtbot.keyClicks(w.sara_fields["objective"], "Halve the reports by June")
    qtbot.keyClick(w.sara_fields["objective"], Qt.Key.Key_Tab)  # Tab moves on, not a tab char
    qtbot.keyClicks(w.sara_fields["scan_source"], "101 calls")
    qtbot.keyClicks(w.sara_fields["pat_manager"], "Parks team")
    w.impact_goal.setCurrentIndex(w.impact_goal.findData("reduce_harm"))
    qtbot.keyClick(w.sara_fields["pat_manager"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.sara_version == 1, timeout=10_000)
    plan = row(store, SaraPlan, case_id)
    assert (plan.objective, plan.scan_source, plan.pat_manager, plan.impact_goal) == (
        "Halve the reports by June",
        "101 calls",
        "Parks team",
        "reduce_harm",
    )


def test_add_note_kept_to_own_agency(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    w.tabs.setCurrentIndex(5)
    before = w.timeline_model.rowCount()
    qtbot.keyClicks(w.note_edit, "Spoke to the <b>park</b> warden")
    w.note_visibility.setCurrentIndex(w.note_visibility.findData("own_agency"))
    qtbot.mouseClick(w.note_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w._problems["agency"].isVisible(), timeout=10_000)
    assert row(store, Note, case_id) is None
    assert w.note_edit.toPlainText() == "Spoke to the <b>park</b> warden"  # nothing lost
    w.note_agency.setCurrentIndex(1)
    qtbot.mouseClick(w.note_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.timeline_model.rowCount() == before + 1, timeout=10_000)
    note = row(store, Note, case_id)
    assert (note.body, note.visibility, note.agency_id) == (
        "Spoke to the <b>park</b> warden",
        "own_agency",
        w.note_agency.currentData(),
    )
    assert w.note_edit.toPlainText() == ""


def test_add_intervention_then_breach(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    w.tabs.setCurrentIndex(6)
    w.iv_type.setCurrentIndex(next(i for i in range(w.iv_type.count())
                                   if "Closure order" in w.iv_type.itemText(i)))  # fmt: skip
    w.iv_target.setCurrentIndex(1)  # the person: a closure order is made against a place
    w.iv_agency.setCurrentIndex(1)
    qtbot.mouseClick(w.iv_add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w._problems["iv_target"].isVisible(), timeout=10_000)
    assert "place" in w._problems["iv_target"].text()
    w.iv_target.setCurrentIndex(2)  # the place
    qtbot.keyClicks(w.iv_conditions, "No alcohol in the park")
    # its statutory limit (s.80(6)): no end date given, refused beside the dates
    qtbot.mouseClick(w.iv_add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w._problems["iv_expires_on"].isVisible(), timeout=10_000)
    assert "at most 3 months (s.80(6))" in w._problems["iv_expires_on"].text()
    assert w.iv_statutory.hint.text().startswith("Limits: at most 3 months (s.80(6))")
    w.iv_expires_check.setChecked(True)
    w.iv_expires.setDate(w.iv_issued.date().addMonths(2))
    qtbot.mouseClick(w.iv_add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.interventions_model.rowCount() == 1, timeout=10_000)
    item = row(store, Intervention, case_id)
    assert (item.conditions, item.status, item.person_id) == (
        "No alcohol in the park",
        "active",
        None,
    )
    w.interventions_table.selectRow(0)
    assert w.breach_button.isEnabled()
    qtbot.keyClicks(w.breach_details, "Drinking by the bandstand")
    w.breach_outcome.setCurrentIndex(w.breach_outcome.findData("prosecution"))
    qtbot.mouseClick(w.breach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row(store, Intervention, case_id).status
                    == "breached", timeout=10_000)  # fmt: skip
    with store.read() as s:
        from hubapp.store.schema import InterventionBreach

        assert s.scalar(select(InterventionBreach.outcome)) == "prosecution"
    qtbot.waitUntil(lambda: w.interventions_model.record(0).breaches == 1, timeout=10_000)


def test_two_windows_second_save_gets_the_conflict_and_keeps_its_text(qtbot, store, case_id):
    a = open_window(qtbot, store, case_id)
    b = open_window(qtbot, store, case_id)
    a.tabs.setCurrentIndex(a.sara_tab)
    b.tabs.setCurrentIndex(b.sara_tab)
    qtbot.keyClicks(a.sara_fields["hypothesis"], "Window A's hypothesis")
    qtbot.keyClicks(b.sara_fields["hypothesis"], "Window B's hypothesis")
    qtbot.mouseClick(a.sara_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: a.sara_version == 1, timeout=10_000)
    qtbot.mouseClick(b.sara_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: b.conflict_bar.isVisible(), timeout=10_000)
    assert "saved by someone else" in b.conflict_bar.text()
    assert b.sara_fields["hypothesis"].toPlainText() == "Window B's hypothesis"
    assert b.reload_button.isVisible()
    assert row(store, SaraPlan, case_id).hypothesis == "Window A's hypothesis"
    # the same for the case's own fields
    a.tabs.setCurrentIndex(0)
    b.tabs.setCurrentIndex(0)
    a.summary_edit.setText("A's summary")
    qtbot.mouseClick(a.summary_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: a.message.text() == "Changes saved.", timeout=10_000)
    b.summary_edit.setText("B's summary")
    qtbot.mouseClick(b.summary_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "changed by someone else" in b.conflict_bar.text(), timeout=10_000)
    assert b.summary_edit.text() == "B's summary"
    assert row(store, Case, case_id).summary == "A's summary"
    # reloading shows the other window's version
    with qtbot.waitSignal(b.loaded, timeout=10_000):
        qtbot.mouseClick(b.reload_button, Qt.MouseButton.LeftButton)
    assert b.summary_edit.text() == "A's summary"
    assert b.sara_fields["hypothesis"].toPlainText() == "Window A's hypothesis"
    assert not b.conflict_bar.isVisible()


def test_enter_on_the_case_list_opens_the_case_view(qtbot, demo_store):

    window, controller = controlled_window(qtbot, demo_store, attach=True)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    window.table.setFocus()
    window.table.selectRow(0)
    window.table.setCurrentIndex(window.model.index(0, 0))
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(controller.case_windows), timeout=10_000)
    case_window = controller.case_windows[0]
    qtbot.waitUntil(lambda: case_window.view is not None, timeout=10_000)
    assert case_window.view.id == window.selected_case_id()
    case_window.close()
    assert date.today()  # the window closes cleanly


# --- closing with unsaved edits ---------------------------------------------------------------


def press_escape(qtbot, w) -> None:
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Escape)


def answer(qtbot, w, button) -> None:
    from PySide6.QtWidgets import QMessageBox

    qtbot.waitUntil(lambda: w.unsaved_box is not None and w.unsaved_box.isVisible())
    box = w.unsaved_box
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    if button == "escape":
        qtbot.keyClick(box, Qt.Key.Key_Escape)
    else:
        box.button(button).click()


def test_esc_with_nothing_typed_closes_without_asking(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    press_escape(qtbot, w)
    assert not w.isVisible() and w.unsaved_box is None


def test_esc_with_an_unsaved_field_asks_cancel_keeps_it_save_saves(qtbot, store, case_id):
    from PySide6.QtWidgets import QMessageBox

    w = open_window(qtbot, store, case_id)
    w.police_ref_edit.setFocus()
    qtbot.keyClicks(w.police_ref_edit, "CUM-20260501-0042")
    press_escape(qtbot, w)
    assert "summary fields" in w.unsaved_box.informativeText()
    answer(qtbot, w, "escape")  # Esc on the question is Cancel
    assert w.isVisible() and w.police_ref_edit.text() == "CUM-20260501-0042"
    w.close()  # the window's close button asks too
    answer(qtbot, w, QMessageBox.StandardButton.Save)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=10_000)
    assert row(store, Case, case_id).police_log_ref == "CUM-20260501-0042"


def test_discard_closes_and_saves_nothing(qtbot, store, case_id):
    from PySide6.QtWidgets import QMessageBox

    w = open_window(qtbot, store, case_id)
    w.tabs.setCurrentIndex(w.sara_tab)
    qtbot.keyClicks(w.sara_fields["objective"], "Half a plan")
    w.tabs.setCurrentIndex(5)
    qtbot.keyClicks(w.note_edit, "Half a note")
    press_escape(qtbot, w)
    assert "SARA plan" in w.unsaved_box.informativeText()
    assert "note" in w.unsaved_box.informativeText()
    answer(qtbot, w, QMessageBox.StandardButton.Discard)
    assert not w.isVisible()
    assert row(store, SaraPlan, case_id) is None and row(store, Note, case_id) is None


def test_save_on_closing_after_a_conflict_keeps_the_window_and_the_text(qtbot, store, case_id):
    from PySide6.QtWidgets import QMessageBox

    a = open_window(qtbot, store, case_id)
    b = open_window(qtbot, store, case_id)
    a.summary_edit.setText("A's summary")
    qtbot.mouseClick(a.summary_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: a.message.text() == "Changes saved.", timeout=10_000)
    b.summary_edit.setText("B's summary")
    qtbot.mouseClick(b.summary_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: b.conflict_bar.isVisible(), timeout=10_000)
    b.summary_edit.setFocus()
    press_escape(qtbot, b)
    answer(qtbot, b, QMessageBox.StandardButton.Save)
    qtbot.waitUntil(lambda: b.message.text() != "Saving…" and bool(b.conflict_bar.text()),
                    timeout=10_000)  # fmt: skip
    qtbot.wait_until(lambda: not b._tasks, timeout=10_000)
    assert b.isVisible() and b.summary_edit.text() == "B's summary"
    assert row(store, Case, case_id).summary == "A's summary"
    # A closes quietly: what it typed was saved
    press_escape(qtbot, a)
    assert not a.isVisible()


def test_the_conflict_banner_does_not_grow_the_window(qtbot, store, case_id):
    w = open_window(qtbot, store, case_id)
    area = w.screen().availableGeometry()
    assert w.height() <= area.height() - 40  # room for the title bar
    w.resize(1280, 720)  # as on a 1366x768 station screen
    qtbot.waitUntil(lambda: w.height() == 720)
    before = w.height()
    from hubapp.store.errors import EditConflict

    w._failed(EditConflict("This case was changed by someone else after you opened it."))
    assert w.conflict_bar.isVisible()
    qtbot.waitUntil(lambda: w.layout().geometry().height() > 0)
    w.layout().activate()
    assert w.height() == before
    # the pages scroll: even with the banner the window may be far shorter than any station
    # screen (it was 711 px on this font, 785 px on a station's, so it grew past the screen)
    assert w.minimumSizeHint().height() < 480
    close = next(b for b in w.findChildren(QPushButton) if b.text() == "Close")
    assert close.isVisible() and close.mapTo(w, close.rect().bottomLeft()).y() < w.height()


def test_a_very_long_timeline_entry_shows_its_first_lines(qtbot, store, case_id):
    from hubapp.store.casework import timeline

    body = "<b>Report</b>\n" + "\n".join(f"Line {i} " + "word " * 40 for i in range(250))
    body = body[:10_000].rstrip()  # the longest note there may be
    timeline.add_note(store, case_id, body, "shared", None)
    w = open_window(qtbot, store, case_id)
    w.tabs.setCurrentIndex(5)
    model = w.timeline_model
    r = next(i for i in range(model.rowCount()) if model.record(i).text == body)
    shown = model.index(r, 4).data()
    assert shown.endswith("…") and len(shown) <= 600 and shown.count("\n") <= 5
    assert shown.startswith("<b>Report</b>\nLine 0")
    tip = model.index(r, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;Report" in tip and "Line 47 word" in tip
    qtbot.waitUntil(lambda: w.timeline_table.isVisible())
    w._fit_visible()  # as after the tab is shown
    assert w.timeline_table.rowHeight(r) < w.timeline_table.viewport().height() / 2
    w.timeline_table.selectRow(r)
    assert w.timeline_details.toPlainText() == body


def test_opening_an_open_case_again_brings_its_window_forward(qtbot, store, case_id):

    window, controller = controlled_window(qtbot, store)
    first = controller.open_case(case_id)
    qtbot.waitUntil(lambda: first.view is not None, timeout=10_000)
    first.showMinimized()
    again = controller.open_case(case_id)
    assert again is first and controller.case_windows == [first]
    assert first.isVisible() and not first.isMinimized()
    assert len([w for w in window.findChildren(CaseWindow) if w.isVisible()]) == 1
    first.close()
    qtbot.waitUntil(lambda: not controller.case_windows)
    other = controller.open_case(case_id)  # once closed, a new window
    assert other is not first and controller.case_windows == [other]
    qtbot.waitUntil(lambda: other.view is not None, timeout=10_000)
    other.close()


def test_the_case_stays_selected_after_its_window_saves_and_closes(qtbot, demo_store):

    window, controller = controlled_window(qtbot, demo_store, attach=True)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    window.table.setFocus()
    window.table.selectRow(3)
    case_id = window.selected_case_id()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(controller.case_windows), timeout=10_000)
    w = controller.case_windows[0]
    qtbot.waitUntil(lambda: w.view is not None, timeout=10_000)
    w.police_ref_edit.setText("CUM-20260501-0001")
    with qtbot.waitSignal(w.saved, timeout=10_000):
        qtbot.mouseClick(w.summary_save, Qt.MouseButton.LeftButton)
    assert window.selected_case_id() == case_id  # the list refreshed and kept it
    w.close()
    window.refresh()  # F5, or any other refresh after closing
    assert window.selected_case_id() == case_id
    assert window.selected_case()[0] == case_id  # what File > Print offers


def test_quitting_with_unsaved_work_in_a_case_window_asks_first(qtbot, store, case_id):
    from PySide6.QtWidgets import QMessageBox

    window, controller = controlled_window(qtbot, store)
    window.show()
    w = controller.open_case(case_id)
    qtbot.waitUntil(lambda: w.view is not None, timeout=10_000)
    qtbot.keyClicks(w.police_ref_edit, "CUM-20261125-0007")
    assert window.close() is False  # Ctrl+Q / the close button: refused, the case asks
    assert window.isVisible() and w.isVisible() and w.unsaved_box is not None
    answer(qtbot, w, QMessageBox.StandardButton.Save)
    qtbot.waitUntil(lambda: not controller.case_windows, timeout=10_000)  # saved, closed
    assert row(store, Case, case_id).police_log_ref == "CUM-20261125-0007"
    assert window.close() is True  # nothing left unsaved: it quits


def test_a_repeat_across_cases_is_shown_and_explained(qtbot, store, case_id):
    """Jay Doe, named as alleged perpetrator here, is named again on a second case: the case
    window says so in words (not in colour only), with the threshold it reached."""
    w = open_window(qtbot, store, case_id)
    assert w.repeats_banner.isHidden()
    w.close()
    other = new_case(store, "CAR-2026-0043", received_at=datetime(2026, 9, 1, 10))
    with store.write() as s:
        jay = s.scalar(select(CasePerson.person_id).where(CasePerson.case_id == case_id))
        s.add(CasePerson(case_id=other, person_id=jay, role="alleged_perpetrator"))
    w = open_window(qtbot, store, case_id)
    assert not w.repeats_banner.isHidden()
    assert w.repeats_banner.textFormat() == Qt.TextFormat.PlainText
    assert w.repeats_banner.text() == (
        "Repeats across cases:\nRepeat alleged perpetrator – Jay <i>Doe</i>: 2 cases from "
        "01/05/2026 to 01/09/2026 (2 or more in 12 months)."
    )
