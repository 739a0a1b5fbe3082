"""The case window's Victim contact tab and its dialogs (issue 17), driven with the keyboard
and mouse on a real database; its models checked with the model tester (pytest-qt)."""

from __future__ import annotations

from datetime import date

import pytest
from a11y import unnamed
from casework import STAFF_PASSWORD, add_person, agency_id, new_case, staff_database, state
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select

from hubapp.store import accounts
from hubapp.store.casework import victim_contact as vc
from hubapp.store.database import open_store
from hubapp.store.schema import Case, VictimContact, VictimUpdate
from hubapp.views.case_view import CaseWindow

TODAY = date(2026, 6, 15)


@pytest.fixture
def case(store):
    case_id = new_case(store, opened_on=date(2026, 5, 1))
    vera = add_person(store, case_id, "Vera <b>Victim</b>")
    colin = add_person(store, case_id, "Colin Complainant", role="complainant")
    add_person(store, case_id, "Wendy Witness", role="witness")
    vc.log_update(store, case_id, vc.UpdateDraft(vera, date(2026, 6, 12), "visit", "PC Ann Lee",
                                                 "Patrols <i>start</i> on Monday."), today=TODAY)  # fmt: skip
    return case_id, vera, colin


def open_tab(qtbot, store, case_id) -> CaseWindow:
    w = CaseWindow(store, case_id)
    w.victim_page.today = TODAY
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.victim_page.loaded, timeout=15_000):
        w.show()
    w.tabs.setCurrentIndex(w.victim_tab)
    return w


def test_the_models_pass_the_model_tester(qtmodeltester, store, case):
    from hubapp.models.victim_contact import (
        OverdueUpdatesModel,
        VictimPlanModel,
        VictimUpdatesModel,
    )

    case_id, *_ = case
    plan = vc.case_plan(store, case_id, TODAY)
    for model, records in ((VictimPlanModel(), plan.victims),
                           (VictimUpdatesModel(), plan.updates),
                           (OverdueUpdatesModel(), vc.overdue(store, today=TODAY))):  # fmt: skip
        assert records
        model.set_records(records)
        qtmodeltester.check(model)


def test_the_tab_shows_each_victim_their_frequency_and_overdue_in_red(qtbot, store, case):
    case_id, vera, colin = case
    w = open_tab(qtbot, store, case_id)
    page = w.victim_page
    m = page.victims_model
    assert [m.index(r, 0).data() for r in range(m.rowCount())] == [
        "Colin Complainant", "Vera <b>Victim</b>"]  # fmt: skip
    colin_row, vera_row = 0, 1
    # Colin: never updated, standard risk, 20 working days from Friday 01/05/2026 (the bank
    # holidays of 4 and 25 May skipped): due 02/06/2026, overdue on 15/06/2026, in red and
    # in words
    due = m.index(colin_row, 5)
    assert due.data() == "02/06/2026 – overdue"
    assert due.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#a4161a"
    assert m.index(colin_row, 3).data() == "every 20 working days (standard risk)"
    assert m.index(vera_row, 5).data() == "10/07/2026"
    assert m.index(vera_row, 5).data(Qt.ItemDataRole.ForegroundRole) is None
    assert page.summary_label.text() == "2 victims and complainants; 1 overdue an update"
    u = page.updates_model
    assert (u.index(0, 0).data(), u.index(0, 2).data(), u.index(0, 5).data()) == (
        "12/06/2026", "Visit", "Patrols <i>start</i> on Monday.")  # fmt: skip
    assert unnamed(page) == []


def test_logging_an_update_with_the_keyboard_and_its_bad_input(qtbot, store, db_path, case):
    case_id, vera, colin = case
    w = open_tab(qtbot, store, case_id)
    page = w.victim_page
    page.victims_table.setFocus()
    qtbot.keyClick(page.victims_table, Qt.Key.Key_Home)  # Colin
    qtbot.mouseClick(page.update_button, Qt.MouseButton.LeftButton)
    d = page.dialog
    assert d is not None and d.person.currentData() == colin.hex
    assert unnamed(d) == []
    before = state(db_path)
    d.on.setDate(QDate(2026, 6, 16))  # tomorrow
    d.given_by.setText("Sam Spoc")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.problem("updated_on") != "", timeout=10_000)
    assert d.problem("updated_on") == "The update cannot be dated in the future."
    assert d.problem("summary") == "Say what they were told."
    assert state(db_path) == before and d.isVisible()
    d.on.setDate(QDate(2026, 6, 15))
    d.summary.setFocus()
    qtbot.keyClicks(d.summary, "Told that the case is closing: no reports for a month.")
    d.method.setCurrentIndex(d.method.findData("letter"))
    d.closing.setChecked(True)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.keyClick(d.summary, Qt.Key.Key_Tab)
        qtbot.keyClick(d.save_button, Qt.Key.Key_Space)
    with store.read() as s:
        row = s.scalars(select(VictimUpdate).where(VictimUpdate.person_id == colin)).one()
    assert (row.method, row.given_by, row.closing, row.updated_on) == (
        "letter", "Sam Spoc", True, date(2026, 6, 15))  # fmt: skip
    colin_line = page.victims_model.record(0)
    assert colin_line.told_closing and not colin_line.due.overdue
    assert page.victims_model.index(0, 6).data() == "yes"


def test_setting_a_contact_plan(qtbot, store, case):
    case_id, vera, colin = case
    w = open_tab(qtbot, store, case_id)
    page = w.victim_page
    page.victims_table.selectRow(1)  # Vera
    page.plan_button.click()
    d = page.dialog
    assert unnamed(d) == []
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.problem("spoc_name") != "", timeout=10_000)
    assert d.problem("spoc_agency") == "Choose the agency their contact works for."
    d.spoc.setText("Sam Spoc")
    d.agency.setCurrentIndex(d.agency.findData(agency_id(store, "CUMBERLAND").hex))
    d.by_hand.setChecked(True)
    d.every.setValue(3)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        d.save_button.click()
    with store.read() as s:
        plan = s.scalars(select(VictimContact)).one()
    assert (plan.person_id, plan.spoc_name, plan.every_days) == (vera, "Sam Spoc", 3)
    assert page.victims_model.index(1, 2).data() == "Sam Spoc (Cumberland Cncl)"
    assert page.victims_model.index(1, 3).data() == "every 3 working days (set by hand)"


def test_closing_from_the_summary_names_who_is_still_to_be_told(qtbot, store, case):
    case_id, vera, colin = case
    w = open_tab(qtbot, store, case_id)
    w.tabs.setCurrentIndex(0)
    w.status_target.setCurrentIndex(w.status_target.findData("closed"))
    w.outcome_combo.setCurrentIndex(w.outcome_combo.findData("victim_not_engaging"))
    w.rationale_edit.setPlainText("No contact for three months")
    w.satisfied_combo.setCurrentIndex(w.satisfied_combo.findData("not_asked"))
    qtbot.mouseClick(w.status_button, Qt.MouseButton.LeftButton)
    problem = w._problems["victims"]
    qtbot.waitUntil(lambda: problem.text() != "", timeout=10_000)
    assert "Colin Complainant, Vera <b>Victim</b>" in problem.text()
    with store.read() as s:
        assert s.get(Case, case_id).status != "closed"


@pytest.fixture
def read_only(tmp_path):
    db = staff_database(tmp_path / "hub.sqlite3", cases=1)
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    with store.read() as s:
        case_id = s.scalar(select(Case.id))
    add_person(store, case_id, "Vera Victim")
    store.close()
    store = open_store(db)
    accounts.sign_in(store, "rory", STAFF_PASSWORD)
    yield store, case_id
    store.close()


def test_read_only_staff_are_not_offered_the_buttons(qtbot, read_only):
    store, case_id = read_only
    w = open_tab(qtbot, store, case_id)
    page = w.victim_page
    assert page.victims_model.rowCount() == 1
    page.victims_table.selectRow(0)
    assert not page.update_button.isEnabled() and not page.plan_button.isEnabled()
    assert page.log_update() is None and page.edit_plan() is None


def test_the_case_list_marks_cases_with_victims_overdue_in_the_background(qtbot, store, case,
                                                                          qtmodeltester):  # fmt: skip
    from hubapp.models.case_table import COLUMNS, CaseIdRole, CaseTableModel
    from hubapp.store import lookups
    from hubapp.store.casework.caselist import CaseList, Column

    case_id, *_ = case
    quiet = new_case(store, "CAR-2026-0043", opened_on=date(2026, 6, 1))
    model = CaseTableModel()
    column = COLUMNS.index((Column.VICTIMS, "Victim updates"))
    model.set_source(CaseList(store), lookups.load(store))
    ids = [model.index(r, 0).data(CaseIdRole) for r in range(model.rowCount())]
    qtbot.waitUntil(lambda: not model.repeats_pending, timeout=20_000)
    qtbot.waitUntil(lambda: model.index(ids.index(case_id), column).data() != "", timeout=10_000)
    # opened in May and June 2026: both victims are long overdue by the real date
    shown = model.index(ids.index(case_id), column)
    assert shown.data() == "2 overdue"
    assert "Victim contact tab" in shown.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(ids.index(quiet), column).data() == ""  # no victims
    assert not model.sortable(column)
    qtmodeltester.check(model)


def test_my_agencys_actions_lists_the_victims_it_owes_an_update(qtbot, store, case):
    from PySide6.QtCore import QSettings

    from hubapp.store import lookups, setup
    from hubapp.views.agency_actions import AgencyActionsPage

    case_id, vera, colin = case
    council, police = agency_id(store, "CUMBERLAND"), agency_id(store, "POLICE")
    vc.set_plan(store, case_id, vc.PlanDraft(colin, "Sam Spoc", council))
    vc.set_plan(store, case_id, vc.PlanDraft(vera, "PC Ann Lee", police))
    QSettings().setValue("agency_actions/agency", council.hex)
    page = AgencyActionsPage()
    page.today = TODAY
    qtbot.addWidget(page)
    page.attach(store, lookups.load(store), setup.current(store))
    page.show()
    panel = page.victims_panel
    qtbot.waitUntil(lambda: not page.busy and panel.model.rowCount() == 1, timeout=10_000)
    m = panel.model
    assert [m.index(0, c).data() for c in range(4)] == [
        "02/06/2026", "CAR-2026-0042", "Colin Complainant", "Sam Spoc"]  # fmt: skip
    assert "1" in panel.heading.text()
    assert unnamed(panel) == []
    page.choose_agency(police)  # Vera's update is not overdue: nothing for the police
    qtbot.waitUntil(lambda: not page.busy and panel.model.rowCount() == 0, timeout=10_000)
    page.choose_agency(council)
    qtbot.waitUntil(lambda: not page.busy and panel.model.rowCount() == 1, timeout=10_000)
    with qtbot.waitSignal(panel.openCase, timeout=5_000) as asked:
        panel.table.setFocus()
        panel.table.selectRow(0)
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert asked.args == [case_id]


def test_a_partner_on_the_case_logs_an_update_as_its_agency(qtbot, tmp_path):
    db = staff_database(tmp_path / "hub.sqlite3", cases=1)
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    with store.read() as s:
        case_id = s.scalar(select(Case.id))
    vera = add_person(store, case_id, "Vera Victim")
    accounts.sign_in(store, "cara", STAFF_PASSWORD)
    try:
        w = open_tab(qtbot, store, case_id)
        page = w.victim_page
        page.victims_table.selectRow(0)
        assert page.update_button.isEnabled() and page.plan_button.isEnabled()
        d = page.log_update()
        assert d.person.currentData() == vera.hex
        assert d.agency.currentData() == agency_id(store, "CUMBERLAND").hex  # their own
        assert d.given_by.text() == "Cara"
        d.on.setDate(QDate(2026, 6, 1))
        d.summary.setPlainText("Told of the council's letter to the tenant.")
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            d.save_button.click()
        with store.read() as s:
            row = s.scalars(select(VictimUpdate)).one()
        assert (row.given_by, row.agency_id) == ("Cara", agency_id(store, "CUMBERLAND"))
    finally:
        store.close()
