"""Linked cases in the case window (issue 16), driven with the keyboard and mouse on a real
database (pytest-qt)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from casework import STAFF_PASSWORD, controlled_window, keys, new_case, staff_database
from PySide6.QtCore import Qt
from sqlalchemy import select

from hubapp.store import accounts
from hubapp.store.casework import links
from hubapp.store.database import open_store
from hubapp.store.schema import Case, CaseLink, Channel, Contact
from hubapp.views.case_view import CaseWindow

REASON = "Same group of youths on bikes"


@pytest.fixture
def cases(store):
    kept = new_case(store, "CAR-2026-0042")
    other = new_case(store, "CAR-2026-0043", summary="Bikes on the river path")
    with store.write(reason="test") as s:
        for day in (2, 3):
            s.add(Contact(id=uuid.uuid4(), case_id=other, channel_id=s.scalar(select(Channel.id)),
                          received_at=datetime(2026, 5, day, 9), summary=f"Report {day}"))  # fmt: skip
    return kept, other


def open_window(qtbot, store, case_id) -> CaseWindow:
    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    return w


def _people_tab(w) -> None:
    w.tabs.setCurrentIndex(2)


def test_the_links_table_model_passes_the_model_tester(qtbot, qtmodeltester, store, cases):
    kept, other = cases
    links.link(store, kept, other, "related", REASON)
    third = new_case(store, "CAR-2026-0044")
    links.link(store, third, kept, "same_problem", "<b>Not bold</b>")
    w = open_window(qtbot, store, kept)
    assert w.links_model.rowCount() == 2
    qtmodeltester.check(w.links_model)


def test_the_section_lists_each_link_and_enter_opens_the_other_case(qtbot, store, cases):
    kept, other = cases
    links.link(store, kept, other, "related", REASON)
    w = open_window(qtbot, store, kept)
    _people_tab(w)
    model = w.links_model
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row[:6] == ["Related", "CAR-2026-0043", "New", "Carlisle", "Bikes on the river path",
                       REASON]  # fmt: skip
    w.links_table.setFocus()
    w.links_table.selectRow(0)
    with qtbot.waitSignal(w.caseOpenRequested, timeout=5_000) as opened:
        qtbot.keyClick(w.links_table, Qt.Key.Key_Return)
    assert opened.args == [other]
    # the other case's window shows the same link, from its end
    there = open_window(qtbot, store, other)
    assert there.links_model.index(0, 1).data() == "CAR-2026-0042"


def test_the_dialog_says_an_unknown_reference_next_to_the_field(qtbot, store, cases):
    kept, _other = cases
    w = open_window(qtbot, store, kept)
    _people_tab(w)
    qtbot.mouseClick(w.link_case_button, Qt.MouseButton.LeftButton)
    dialog = w.link_dialog
    assert dialog is not None and dialog.isVisible()
    keys(qtbot, dialog.reference_edit, "CAR-2026-9999")
    keys(qtbot, dialog.reason_edit, REASON)
    qtbot.mouseClick(dialog.link_button, Qt.MouseButton.LeftButton)
    problem = dialog.problems["other"]
    qtbot.waitUntil(problem.isVisible, timeout=10_000)
    assert problem.text() == "There is no case CAR-2026-9999 that you can see; check the reference."
    assert dialog.isVisible() and dialog.reference_edit.text() == "CAR-2026-9999"
    assert dialog.reason_edit.toPlainText() == REASON  # what was typed stays
    with store.read() as s:
        assert s.scalars(select(CaseLink)).all() == []


def test_the_dialog_shows_every_missing_field_at_once(qtbot, store, cases):
    kept, _other = cases
    w = open_window(qtbot, store, kept)
    dialog = w.link_case()
    qtbot.mouseClick(dialog.link_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.problems["reason"].isVisible(), timeout=10_000)
    assert dialog.problems["other"].text() == links.NO_REFERENCE
    assert dialog.problems["reason"].text() == links.NO_REASON
    assert not dialog.problems["kind"].isVisible() and not dialog.problems["move"].isVisible()


def test_the_tick_is_offered_for_the_same_problem_only(qtbot, store, cases):
    kept, _other = cases
    w = open_window(qtbot, store, kept)
    dialog = w.link_case()
    assert dialog.kind_combo.currentData() == "related"
    assert not dialog.move_check.isEnabled()
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("same_problem"))
    assert dialog.move_check.isEnabled()
    dialog.move_check.setChecked(True)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("related"))
    assert not dialog.move_check.isChecked() and not dialog.move_check.isEnabled()


def test_linking_the_same_problem_end_to_end(qtbot, store, cases):
    kept, other = cases
    w = open_window(qtbot, store, kept)
    _people_tab(w)
    assert w.contacts_model.rowCount() == 0 and w.links_model.rowCount() == 0
    dialog = w.link_case()
    keys(qtbot, dialog.reference_edit, "car-2026-0043")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("same_problem"))
    qtbot.mouseClick(dialog.move_check, Qt.MouseButton.LeftButton)
    assert dialog.move_check.isChecked()
    keys(qtbot, dialog.reason_edit, REASON)
    with qtbot.waitSignal(w.saved, timeout=10_000):
        qtbot.keyClick(dialog.reference_edit, Qt.Key.Key_Return)  # Enter links
    assert w.message.text() == ("CAR-2026-0042 linked to CAR-2026-0043 as the same problem: "
                                "2 contacts moved here, CAR-2026-0043 closed as a duplicate.")  # fmt: skip
    qtbot.waitUntil(lambda: w.links_model.rowCount() == 1, timeout=10_000)
    assert w.contacts_model.rowCount() == 2
    assert w.tabs.tabText(1) == "&Contacts (2)"
    assert w.links_model.index(0, 2).data() == "Closed as a duplicate"
    assert any(e.kind == "link" for e in w.timeline_model.records())
    qtbot.waitUntil(lambda: w.link_dialog is None, timeout=5_000)  # closed (and gone)
    with store.read() as s:
        closed = s.get(Case, other)
        assert (closed.status, closed.outcome) == ("closed", "duplicate")
        assert s.scalar(select(CaseLink.case_id)) == kept


def test_the_link_button_is_offered_to_those_who_may_link(qtbot, tmp_path):
    path = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(path)
    try:
        with store.read() as s:
            case = s.scalar(select(Case.id).order_by(Case.seq))
        for name, offered in (("pete", False), ("cara", False), ("cora", True)):
            accounts.sign_in(store, name, STAFF_PASSWORD)
            w = open_window(qtbot, store, case)
            assert w.link_case_button.isEnabled() is offered, name
            w.close()
    finally:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(10_000)
        store.close()


def test_a_linked_case_opens_in_its_own_window_from_the_main_window(qtbot, store, cases):
    kept, other = cases
    links.link(store, kept, other, "related", REASON)
    _window, controller = controlled_window(qtbot, store)
    first = controller.open_case(kept)
    qtbot.waitUntil(lambda: first.links_model.rowCount() == 1, timeout=10_000)
    first.links_table.selectRow(0)
    first.links_table.activated.emit(first.links_model.index(0, 1))
    assert [cw.case_id for cw in controller.case_windows] == [kept, other]
    for cw in controller.case_windows:
        qtbot.waitUntil(lambda cw=cw: cw.view is not None, timeout=10_000)
