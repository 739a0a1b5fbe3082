"""The assignment grid driven with pytest-qt: keys, mouse, undo, bulk, refusals, columns.

Every test reads the stored state back from the database (real SQLite files, no mocks).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from casework import agency_id, audit_count, audit_since, hub_id, new_case, role_of
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QComboBox

from hubapp.domain.rag import Rag
from hubapp.models.assignment_grid import (
    AgencyIdRole,
    AssignmentGridModel,
    CaseIdRole,
    RagRole,
    RoleCodeRole,
)
from hubapp.store import lookups, setup
from hubapp.store.casework.actions import ActionDraft, add_action
from hubapp.store.casework.assignments import set_role
from hubapp.store.casework.cases import update_fields
from hubapp.store.casework.grid import GridFilter
from hubapp.views.assignment_grid import AssignmentGridPage

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def cases(store):
    """Three Carlisle cases, newest first as the grid lists them; Police leads the first."""
    ids = [
        new_case(store, f"CAR-2026-000{n}", received_at=datetime(2026, 5, n, 9, 0))
        for n in (1, 2, 3)
    ]
    ids = ids[::-1]  # newest first
    police = agency_id(store, "POLICE")
    set_role(store, ids[0], police, "lead")
    add_action(store, ids[0], police, ActionDraft("Patrol the park", "PC Walker",
               date.today() - timedelta(days=2)))  # fmt: skip
    return ids


@pytest.fixture
def page(qtbot, store, cases):
    p = AssignmentGridPage()
    qtbot.addWidget(p)
    p.resize(1366, 700)
    p.attach(store, lookups.load(store), setup.current(store))
    p.show()
    qtbot.waitExposed(p)
    qtbot.waitUntil(lambda: not p.model.loading, timeout=10_000)  # read in the background
    return p


def settled(qtbot, page):
    """Wait until the changes asked for have reached the database, or were refused (the grid
    saves in the background; the cells show a change at once)."""
    qtbot.waitUntil(lambda: not page.model.busy, timeout=10_000)


def column(page, code) -> int:
    return next(i for i, a in enumerate(page.model.agencies) if a.code == code)


def cell_centre(page, row, col) -> QPoint:
    index = page.model.index(row, col)
    page.table.scrollTo(index)
    return page.table.visualRect(index).center()


def click(qtbot, page, row, col, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.mouseClick(page.table.viewport(), LEFT, modifier, cell_centre(page, row, col))


def test_model_passes_the_model_tester(qtmodeltester, qtbot, store, cases):
    model = AssignmentGridModel()
    model.set_source(store, GridFilter(hub_id=hub_id(store, "CAR"), status=None))
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)
    assert model.rowCount() == 3 and model.columnCount() > 5
    qtmodeltester.check(model, force_py=True)


def test_the_model_passes_the_model_tester_while_changes_are_on_their_way(
    qtmodeltester, qtbot, store, cases
):
    """Parts laid over cells until their change is saved, a refusal taking one off again, and
    the rows read again afterwards: the model stays a valid model throughout."""
    model = AssignmentGridModel()
    model.set_source(store, GridFilter(hub_id=hub_id(store, "CAR"), status=None))
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)
    council = next(i for i, a in enumerate(model.agencies) if a.code == "CUMBERLAND")
    police = next(i for i, a in enumerate(model.agencies) if a.code == "POLICE")
    refused = []
    model.refused.connect(refused.append)
    assert model.setData(model.index(1, council), "lead")
    assert model.setData(model.index(0, council), "lead")  # refused: Police leads case 0
    assert model.setData(model.index(0, police), "")  # refused: Police has an open action
    assert model.index(1, council).data() == "Lead" and model.busy  # shown at once
    qtmodeltester.check(model, force_py=True)
    qtbot.waitUntil(lambda: not model.busy, timeout=10_000)
    qtmodeltester.check(model, force_py=True)
    assert role_of(store, cases[1], agency_id(store, "CUMBERLAND")) == "lead"
    assert model.index(0, council).data() == "—" and len(refused) == 2
    assert model.index(0, police).data().startswith("Lead")


def test_cells_show_the_part_the_actions_and_their_colour(page, store, cases):
    police = column(page, "POLICE")
    index = page.model.index(0, police)
    assert index.data(CaseIdRole) == cases[0]
    assert index.data(AgencyIdRole) == agency_id(store, "POLICE")
    assert index.data(RoleCodeRole) == "lead"
    assert index.data(RagRole) == Rag.RED
    # colour is never the only cue: the words say overdue too
    assert index.data() == "Lead\n1 open · 1 overdue"
    assert "overdue" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert page.model.index(1, police).data() == "—"
    header = page.model.headerData(0, Qt.Orientation.Vertical)
    assert header.startswith("CAR-2026-0003\n")


def test_keyboard_sets_parts_and_repaints_only_that_cell(page, store, cases, qtbot):
    council = column(page, "CUMBERLAND")
    click(qtbot, page, 1, council)
    changed = []
    page.model.dataChanged.connect(lambda a, b, _r: changed.append((a.row(), a.column(),
                                                                   b.row(), b.column())))  # fmt: skip
    resets = []
    page.model.modelReset.connect(lambda: resets.append(1))
    qtbot.keyClick(page.table, Qt.Key.Key_L)
    settled(qtbot, page)
    assert role_of(store, cases[1], agency_id(store, "CUMBERLAND")) == "lead"
    assert changed == [(1, council, 1, council)] and not resets
    assert page.model.index(1, council).data() == "Lead"

    qtbot.keyClick(page.table, Qt.Key.Key_I)
    settled(qtbot, page)
    assert role_of(store, cases[1], agency_id(store, "CUMBERLAND")) == "informed"
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    settled(qtbot, page)
    assert role_of(store, cases[1], agency_id(store, "CUMBERLAND")) is None
    # arrow keys move, S sets support on the next case
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_S)
    settled(qtbot, page)
    assert role_of(store, cases[2], agency_id(store, "CUMBERLAND")) == "support"
    assert not page.message.isVisible()


def test_undo_and_redo_from_the_keyboard(page, store, cases, qtbot):
    fire_col = column(page, "FIRE")
    fire = agency_id(store, "FIRE")
    click(qtbot, page, 2, fire_col)
    qtbot.keyClick(page.table, Qt.Key.Key_S)
    settled(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_L)
    settled(qtbot, page)
    assert role_of(store, cases[2], fire) == "lead"
    qtbot.keyClick(page.table, Qt.Key.Key_Z, CTRL)
    settled(qtbot, page)
    assert role_of(store, cases[2], fire) == "support"
    assert page.model.index(2, fire_col).data() == "Support"
    qtbot.keyClick(page.table, Qt.Key.Key_Z, CTRL)
    settled(qtbot, page)
    assert role_of(store, cases[2], fire) is None
    qtbot.keyClick(page.table, Qt.Key.Key_Z, CTRL | SHIFT)
    settled(qtbot, page)
    assert role_of(store, cases[2], fire) == "support"
    qtbot.keyClick(page.table, Qt.Key.Key_Y, CTRL)
    settled(qtbot, page)
    assert role_of(store, cases[2], fire) == "lead"
    assert page.model.index(2, fire_col).data() == "Lead"
    assert page.undo_stack.count() == 2 and not page.undo_stack.canRedo()


def test_the_one_lead_rule_is_a_sentence_on_the_page(page, store, cases, qtbot):
    council = agency_id(store, "CUMBERLAND")
    click(qtbot, page, 0, column(page, "CUMBERLAND"))
    before = audit_count(store)
    qtbot.keyClick(page.table, Qt.Key.Key_L)
    settled(qtbot, page)
    assert page.message.isVisible()
    assert page.message.text().startswith(
        "Cumbria Constabulary is already the lead agency on CAR-2026-0003. "
    )
    assert role_of(store, cases[0], council) is None and audit_count(store) == before
    assert page.undo_stack.count() == 0
    # the hand-over from the cell's menu does it in one step, and one undo reverses it
    menu = page.cell_menu(page.model.index(0, column(page, "CUMBERLAND")))
    menu.findChild(type(menu.actions()[0]), "handOver").trigger()
    settled(qtbot, page)
    assert role_of(store, cases[0], council) == "lead"
    assert role_of(store, cases[0], agency_id(store, "POLICE")) == "support"
    page.undo_action.trigger()
    settled(qtbot, page)
    assert role_of(store, cases[0], council) is None
    assert role_of(store, cases[0], agency_id(store, "POLICE")) == "lead"


def test_removing_an_agency_with_open_actions_is_refused(page, store, cases, qtbot):
    click(qtbot, page, 0, column(page, "POLICE"))
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    settled(qtbot, page)
    assert "has 1 open action on CAR-2026-0003" in page.message.text()
    assert role_of(store, cases[0], agency_id(store, "POLICE")) == "lead"


def test_mouse_picks_a_part_from_the_list(page, store, cases, qtbot):
    probation = column(page, "PROBATION")
    click(qtbot, page, 1, probation)  # selects
    # a second click on the selected cell opens the list of parts (after the double-click time)
    qtbot.wait(page.style().styleHint(page.style().StyleHint.SH_Widget_Animation_Duration) or 0)
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=cell_centre(page, 1, probation))
    qtbot.waitUntil(lambda: page.table.findChild(QComboBox, "roleEditor") is not None)
    combo = page.table.findChild(QComboBox, "roleEditor")
    qtbot.waitUntil(lambda: combo.view().isVisible())
    view = combo.view()
    row = combo.findData("informed")
    qtbot.mouseClick(
        view.viewport(), LEFT, pos=view.visualRect(view.model().index(row, 0)).center()
    )
    qtbot.waitUntil(lambda: role_of(store, cases[1], agency_id(store, "PROBATION")) == "informed")
    assert page.model.index(1, probation).data() == "Informed"


def test_keyboard_opens_the_part_list_with_f2(page, store, cases, qtbot):
    col = column(page, "RIVERSIDE")
    click(qtbot, page, 2, col)
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    combo = page.table.findChild(QComboBox, "roleEditor")
    assert combo is not None and combo.hasFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # No part -> Lead
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # -> Support
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: role_of(store, cases[2], agency_id(store, "RIVERSIDE")) == "support")


def test_right_click_menu_sets_a_part(page, store, cases, qtbot):
    menu = page.cell_menu(page.model.index(1, column(page, "FIRE")))
    action = next(a for a in menu.actions() if a.objectName() == "role-support")
    action.trigger()
    settled(qtbot, page)
    assert role_of(store, cases[1], agency_id(store, "FIRE")) == "support"


def test_bulk_assign_selected_cases_in_one_step_and_one_undo(page, store, cases, qtbot):
    fire = agency_id(store, "FIRE")
    set_role(store, cases[1], fire, "informed")  # already has a part: left alone
    page.refresh()
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)
    header = page.table.verticalHeader()
    # select the three cases by their row headers (click, shift+click)
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(20, header.sectionViewportPosition(0) + 5))
    qtbot.mouseClick(header.viewport(), LEFT, SHIFT,
                     QPoint(20, header.sectionViewportPosition(2) + 5))  # fmt: skip
    assert {i.row() for i in page.table.selectionModel().selectedIndexes()} == {0, 1, 2}
    page._fill_bulk_menu()
    assert "3 selected cases" in page.bulk_menu.actions()[0].text()
    before = audit_since(store, 0)[-1].id
    next(a for a in page.bulk_menu.actions() if a.objectName() == "bulk-FIRE").trigger()
    settled(qtbot, page)
    assert [role_of(store, c, fire) for c in cases] == ["support", "informed", "support"]
    entries = [e for e in audit_since(store, before, "assignment") if "role" in e.details]
    assert sorted(tuple(e.details["role"]) for e in entries) == [(None, "support")] * 2
    page.undo_action.trigger()
    settled(qtbot, page)
    assert [role_of(store, c, fire) for c in cases] == [None, "informed", None]
    page.redo_action.trigger()
    settled(qtbot, page)
    assert [role_of(store, c, fire) for c in cases] == ["support", "informed", "support"]


def test_several_cells_of_one_column_take_a_key_together(page, store, cases, qtbot):
    col = column(page, "RIVERSIDE")
    riverside = agency_id(store, "RIVERSIDE")
    click(qtbot, page, 0, col)
    click(qtbot, page, 2, col, SHIFT)
    qtbot.keyClick(page.table, Qt.Key.Key_I)
    settled(qtbot, page)
    assert [role_of(store, c, riverside) for c in cases] == ["informed"] * 3
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    settled(qtbot, page)
    assert [role_of(store, c, riverside) for c in cases] == [None] * 3
    qtbot.keyClick(page.table, Qt.Key.Key_Z, CTRL)  # the three removals are one step
    settled(qtbot, page)
    assert [role_of(store, c, riverside) for c in cases] == ["informed"] * 3
    # cells of two agencies: refused with a sentence
    click(qtbot, page, 0, column(page, "FIRE"), Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.table, Qt.Key.Key_S)
    settled(qtbot, page)
    assert "one agency's column" in page.message.text()


def test_role_changes_from_the_grid_are_audited_with_old_and_new(page, store, cases, qtbot):
    before = audit_since(store, 0)[-1].id
    click(qtbot, page, 1, column(page, "CUMBERLAND"))
    qtbot.keyClick(page.table, Qt.Key.Key_S)
    settled(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_L)
    settled(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_Z, CTRL)
    settled(qtbot, page)
    entries = [e for e in audit_since(store, before, "assignment") if "role" in e.details]
    assert [e.details["role"] for e in entries] == [
        [None, "support"], ["support", "lead"], ["lead", "support"],
    ]  # fmt: skip
    assert all(e.details["case"] == "CAR-2026-0002" and e.details["agency"] == "CUMBERLAND"
               for e in entries)  # fmt: skip
    assert entries[1].details["lead_agency_id"] == [None, str(agency_id(store, "CUMBERLAND"))]


def test_a_change_made_elsewhere_is_one_sentence_and_a_reload(page, store, cases, qtbot):
    case = cases[2]
    with store.engine.connect() as conn:
        version = conn.exec_driver_sql(
            "SELECT row_version FROM case_ WHERE id = ?", (case.hex,)
        ).scalar_one()
    update_fields(store, case, version, {"summary": "Changed in another window"})
    click(qtbot, page, 2, column(page, "FIRE"))
    qtbot.keyClick(page.table, Qt.Key.Key_S)
    settled(qtbot, page)
    assert "changed in another window" in page.message.text()
    assert role_of(store, case, agency_id(store, "FIRE")) is None
    assert "Changed in another window" in page.model.headerData(2, Qt.Orientation.Vertical)
    qtbot.keyClick(page.table, Qt.Key.Key_S)  # reloaded: the second try is saved
    settled(qtbot, page)
    assert role_of(store, case, agency_id(store, "FIRE")) == "support"


def test_undo_refused_when_changed_since(page, store, cases, qtbot):
    fire = agency_id(store, "FIRE")
    click(qtbot, page, 1, column(page, "FIRE"))
    qtbot.keyClick(page.table, Qt.Key.Key_S)
    settled(qtbot, page)
    set_role(store, cases[1], fire, "informed")  # another window
    qtbot.keyClick(page.table, Qt.Key.Key_Z, CTRL)
    settled(qtbot, page)
    assert "has changed since" in page.message.text()
    assert role_of(store, cases[1], fire) == "informed"
    assert page.undo_stack.count() == 0  # dropped: it can no longer be reversed
    assert page.model.index(1, column(page, "FIRE")).data() == "Informed"


def test_filters_are_sql_and_keep_the_columns(page, store, cases, qtbot):
    with store.engine.connect() as conn:
        version = conn.exec_driver_sql(
            "SELECT row_version FROM case_ WHERE id = ?", (cases[1].hex,)
        ).scalar_one()
    update_fields(store, cases[1], version, {"priority": "high", "sara_stage": "response"})
    columns = page.model.columnCount()
    page.priority_combo.setCurrentIndex(page.priority_combo.findData("high"))
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)
    assert page.model.rowCount() == 1 and page.model.index(0, 0).data(CaseIdRole) == cases[1]
    assert "High priority" in page.model.headerData(0, Qt.Orientation.Vertical)
    page.priority_combo.setCurrentIndex(0)
    page.sara_combo.setCurrentIndex(page.sara_combo.findData("analysis"))
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)
    assert page.model.rowCount() == 0
    page.sara_combo.setCurrentIndex(0)
    qtbot.keyClicks(page.search, "bikes")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    page.search.clear()
    page.search.setText("nothing matches this")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert page.model.columnCount() == columns
    assert page.count_label.text() == "0 cases open"


def test_hidden_and_moved_columns_are_remembered(qtbot, page, store, cases):
    header = page.table.horizontalHeader()
    fire, police = column(page, "FIRE"), column(page, "POLICE")
    menu = page.header_menu()
    next(a for a in menu.actions() if a.objectName() == "show-FIRE").setChecked(False)
    assert header.isSectionHidden(fire)
    header.moveSection(header.visualIndex(police), header.count() - 1)
    assert QSettings().value("grid/columns/CAR")["hidden"] == ["FIRE"]

    again = AssignmentGridPage()
    qtbot.addWidget(again)
    again.attach(store, lookups.load(store), setup.current(store))
    qtbot.waitUntil(lambda: not again.model.loading, timeout=10_000)
    h2 = again.table.horizontalHeader()
    assert h2.isSectionHidden(fire)
    assert h2.visualIndex(police) == h2.count() - 1
    again.reset_columns()
    assert not h2.isSectionHidden(fire) and h2.visualIndex(police) == police


def test_enter_and_double_click_open_the_cells_actions(page, store, cases, qtbot):
    col = column(page, "POLICE")
    click(qtbot, page, 0, col)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.action_dialog
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)  # its list is read
    assert dialog is not None and dialog.isVisible()
    assert (dialog.case_id, dialog.agency_id) == (cases[0], agency_id(store, "POLICE"))
    assert dialog.model.rowCount() == 1
    dialog.close()
    qtbot.waitUntil(lambda: page.action_dialog is None)
    # a real double-click: press and release, then the second press Qt reports as double
    click(qtbot, page, 1, col)
    qtbot.mouseDClick(page.table.viewport(), LEFT, pos=cell_centre(page, 1, col))
    assert page.action_dialog is not None and page.action_dialog.case_id == cases[1]
    page.action_dialog.close()


def test_f3_goes_to_the_next_cell_with_open_actions(page, store, cases, qtbot):
    fire = agency_id(store, "FIRE")
    set_role(store, cases[2], fire, "support")
    add_action(store, cases[2], fire, ActionDraft("Home safety visit"))
    page.refresh()
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)
    click(qtbot, page, 0, page.model.columnCount() - 1)
    qtbot.keyClick(page.table, Qt.Key.Key_F3)
    current = page.table.currentIndex()
    assert (current.row(), current.column()) == (2, column(page, "FIRE"))
    qtbot.keyClick(page.table, Qt.Key.Key_F3)
    assert "No more cells with open actions" in page.message.text()


def test_undo_buttons_stay_short_and_the_page_fits_a_small_screen(page, store, cases, qtbot):
    """A long change description goes in the tooltip, never the button; '&' survives."""
    import html

    from PySide6.QtWidgets import QToolButton

    fire = column(page, "FIRE")
    assert "&" in page.model.agencies[fire].short_name  # "Fire & Rescue"
    click(qtbot, page, 0, fire)
    qtbot.keyClick(page.table, Qt.Key.Key_I)
    settled(qtbot, page)
    undo = page.findChild(QToolButton, "gridUndo")
    redo = page.findChild(QToolButton, "gridRedo")
    assert undo.text() == "Undo" and redo.text() == "Redo"
    assert "Fire & Rescue informed on CAR-2026-0003" in html.unescape(undo.toolTip())
    # in menus and actions the "&" is doubled, so it shows instead of underlining
    assert "Fire && Rescue" in page.undo_action.text()
    page.undo_action.trigger()
    settled(qtbot, page)
    assert redo.text() == "Redo" and "Fire & Rescue" in html.unescape(redo.toolTip())
    assert page.minimumSizeHint().width() <= 1366 - 40
    menu = page.cell_menu(page.model.index(0, fire))
    assert any("Fire && Rescue" in a.text() for a in menu.actions())


def test_a_summary_of_several_lines_is_one_line_under_its_reference(page, store, cases, qtbot):
    from hubapp.store.schema import Case

    with store.write(reason="test") as s:
        s.get(Case, cases[0]).summary = "Line one\nline two\r\nline three " + "x" * 60
    page.model.reload_cases([cases[0]])
    settled(qtbot, page)
    header = page.model.headerData(0, Qt.Orientation.Vertical)
    first, summary = header.split("\n")
    assert first == "CAR-2026-0003"
    assert summary.startswith("Line one line two line three") and summary.endswith("…")


def test_the_one_lead_refusal_says_how_to_hand_over(page, store, cases, qtbot):
    council = agency_id(store, "CUMBERLAND")
    click(qtbot, page, 0, column(page, "CUMBERLAND"))
    qtbot.keyClick(page.table, Qt.Key.Key_L)
    settled(qtbot, page)
    text = page.message.text()
    assert text.startswith("Cumbria Constabulary is already the lead agency on CAR-2026-0003.")
    assert "press H" in text and "Make " in text
    qtbot.keyClick(page.table, Qt.Key.Key_H)  # the key it names does it
    settled(qtbot, page)
    assert role_of(store, cases[0], council) == "lead"
    assert role_of(store, cases[0], agency_id(store, "POLICE")) == "support"
