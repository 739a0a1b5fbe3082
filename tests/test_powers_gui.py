"""The screens of tools and powers (issue 17), driven with qtbot on real databases: View >
Orders ending or due, Tools > Area orders (PSPOs)…, and the case window's statutory rows and
cited orders."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from casework import STAFF_PASSWORD, add_person, agency_id, new_case, staff_database
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select

from hubapp.domain.clock import local_today
from hubapp.store import setup
from hubapp.store.casework import hub_orders
from hubapp.store.casework import interventions as iv
from hubapp.store.schema import Case, CaseOrder, HubOrder, Intervention, Person


def _abc(store, case_id, person, ends: date) -> uuid.UUID:
    types = {t.code: t.id for t in iv.types(store)}
    return iv.add(store, case_id, iv.InterventionDraft(
        types["abc"], agency_id(store, "POLICE"), local_today(), person_id=person,
        expires_on=ends))  # fmt: skip


def test_orders_due_page_lists_what_ends_and_opens_its_case(qtbot, qtmodeltester, store):
    from hubapp.views.orders_due import OrdersDuePage

    case_id = new_case(store)
    other = new_case(store, "COP-2026-0001", hub="COP")
    today = local_today()
    for cid, days in ((case_id, 5), (other, 20)):
        _abc(store, cid, add_person(store, cid, f"Person {days}", role="alleged_perpetrator"),
             today + timedelta(days=days))  # fmt: skip
    page = OrdersDuePage()
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.attach(store, None, setup.current(store))
    assert page.model.rowCount() == 1  # this hub's only
    assert page.model.index(0, 0).data() == (today + timedelta(days=5)).strftime("%d/%m/%Y")
    assert page.model.index(0, 3).data() == "Person 5"
    qtmodeltester.check(page.model)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.scope.setCurrentIndex(1)  # all hubs
    assert page.model.rowCount() == 2
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.days.setValue(10)
    assert page.model.rowCount() == 1
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    with qtbot.waitSignal(page.caseOpenRequested, timeout=5_000) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args == [case_id]


def test_the_main_window_shows_the_page_from_the_view_menu(qtbot, window):
    assert window.orders_due_action.shortcut().toString() == "Ctrl+7"
    window.orders_due_action.trigger()
    assert window.pages.currentWidget() is window.orders_due_page


def _dialog(qtbot, store, parent=None):
    from hubapp.store import lookups
    from hubapp.views.area_orders import AreaOrdersDialog

    dialog = AreaOrdersDialog(store, lookups.load(store), setup.current(store), parent)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    return dialog


def test_area_orders_dialog_records_a_pspo_within_3_years(qtbot, qtmodeltester, store):
    dialog = _dialog(qtbot, store)
    assert dialog.model.rowCount() == 0
    qtbot.keyClicks(dialog.title_edit, "Carlisle city centre PSPO")
    dialog.agency.setCurrentIndex(dialog.agency.findData(agency_id(store, "CUMBERLAND").hex))
    qtbot.keyClicks(dialog.area, "Inside the inner ring road")
    dialog.expires_on.setDate(QDate.currentDate().addYears(3).addDays(5))  # too long: s.60
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    problem = dialog.problems["expires_on"]
    qtbot.waitUntil(lambda: problem.isVisible(), timeout=10_000)
    assert "at most 3 years" in problem.text() and "(s.60(1)" in problem.text()
    with store.read() as s:
        assert s.scalar(select(HubOrder.id)) is None  # nothing saved
    dialog.expires_on.setDate(QDate.currentDate().addYears(2))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10_000)
    assert not problem.isVisible(), dialog.status.text()
    assert dialog.model.index(0, 1).data() == "Carlisle city centre PSPO"
    qtmodeltester.check(dialog.model)
    # choose it, change its title: saved as a change, not a second order
    dialog.table.selectRow(0)
    assert dialog.title_edit.text() == "Carlisle city centre PSPO"
    dialog.title_edit.setText("Carlisle city centre PSPO 2026")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with store.read() as s:
        assert s.scalars(select(HubOrder.title)).all() == ["Carlisle city centre PSPO 2026"]


@pytest.fixture
def staffed(tmp_path):
    from hubapp.store.database import open_store

    store = open_store(staff_database(tmp_path / "staff.sqlite3"))
    yield store
    store.close()


def _order(store) -> uuid.UUID:
    from hubapp.store import accounts

    accounts.sign_in(store, "cora", STAFF_PASSWORD)
    hub = setup.current(store).hub_id
    return hub_orders.add(store, hub_orders.OrderDraft(
        hub, "City PSPO", agency_id(store, "CUMBERLAND"), local_today(),
        local_today() + timedelta(days=300), area="The city centre"))  # fmt: skip


def test_a_partner_sees_the_register_but_cannot_record(qtbot, staffed):
    from hubapp.store import accounts

    _order(staffed)
    accounts.sign_in(staffed, "cara", STAFF_PASSWORD)
    dialog = _dialog(qtbot, staffed)
    assert dialog.model.rowCount() == 1
    assert not dialog.save_button.isEnabled() and not dialog.title_edit.isEnabled()
    assert dialog.status.text() == ("Only a coordinator, police staff or an administrator can "
                                    "record area orders such as PSPOs.")  # fmt: skip


def _case_window(qtbot, store, case_id):
    from hubapp.views.case_view import CaseWindow

    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    qtbot.waitUntil(lambda: not w.cited_orders.busy, timeout=10_000)
    w.tabs.setCurrentIndex(6)
    return w


def test_a_case_cites_its_hubs_order_from_the_interventions_tab(qtbot, qtmodeltester, staffed):
    order = _order(staffed)  # signed in as the coordinator
    with staffed.read() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.seq))
    w = _case_window(qtbot, staffed, case_id)
    panel = w.cited_orders
    assert panel.choice.currentData() == order and panel.cite_button.isEnabled()
    qtbot.keyClicks(panel.note, "Drinking in the precinct")
    qtbot.mouseClick(panel.cite_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and not panel.busy, timeout=10_000)
    assert panel.model.index(0, 0).data() == "City PSPO"
    assert panel.choice.currentData() is None  # nothing else to cite
    qtmodeltester.check(panel.model)
    with staffed.read() as s:
        assert s.scalar(select(CaseOrder.notes)) == "Drinking in the precinct"
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.uncite_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0 and not panel.busy, timeout=10_000)


def test_a_read_only_account_sees_citations_without_the_buttons(qtbot, staffed):
    from hubapp.store import accounts

    order = _order(staffed)
    with staffed.read() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.seq))
    hub_orders.cite(staffed, case_id, order)
    accounts.sign_in(staffed, "rory", STAFF_PASSWORD)
    w = _case_window(qtbot, staffed, case_id)
    assert w.cited_orders.model.rowCount() == 1
    w.cited_orders.table.selectRow(0)
    assert not w.cited_orders.cite_button.isEnabled()
    assert not w.cited_orders.uncite_button.isEnabled()


def test_the_statutory_rows_ask_for_what_the_kind_needs_and_keep_the_reason(qtbot, store):
    case_id = new_case(store)
    kid = add_person(store, case_id, "Kid Doe", role="alleged_perpetrator")
    with store.write() as s:
        s.get(Person, kid).date_of_birth = local_today().replace(year=local_today().year - 15)
    w = _case_window(qtbot, store, case_id)
    rows = w.iv_statutory

    def choose(text):
        w.iv_type.setCurrentIndex(next(i for i in range(w.iv_type.count())
                                       if text in w.iv_type.itemText(i)))  # fmt: skip

    choose("Dispersal")
    assert rows.authorised_by.isVisibleTo(w) and not rows.hearing.isVisibleTo(w)
    assert "authorised by an inspector or above (s.34(1))" in rows.hint.text()
    choose("Closure notice")
    assert rows.hearing.isVisibleTo(w) and not rows.authorised_by.isVisibleTo(w)
    # a civil injunction against a 15-year-old: 12 months at most, the YOT consulted
    choose("Civil injunction")
    assert rows.consulted.isVisibleTo(w)
    w.iv_target.setCurrentIndex(1)
    w.iv_agency.setCurrentIndex(1)
    qtbot.mouseClick(w.iv_add, Qt.MouseButton.LeftButton)
    consulted = w._problems["iv_consulted"]
    qtbot.waitUntil(lambda: consulted.isVisible(), timeout=10_000)
    assert "(s.14(1))" in consulted.text()
    assert "(s.1(6))" in w._problems["iv_expires_on"].text()
    with store.read() as s:
        assert s.scalar(select(Intervention.id)) is None
    qtbot.keyClicks(rows.consulted, "Carlisle YOT, 1 May")
    w.iv_expires_check.setChecked(True)
    w.iv_expires.setDate(w.iv_issued.date().addMonths(6))
    qtbot.mouseClick(w.iv_add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.interventions_model.rowCount() == 1, timeout=10_000)
    with store.read() as s:
        assert s.scalar(select(Intervention.consulted)) == "Carlisle YOT, 1 May"
    assert rows.consulted.text() == ""  # the form is ready for the next one


def test_a_warning_asks_for_the_reason_beside_its_field_and_keeps_it(qtbot, store):
    case_id = new_case(store)
    adult = add_person(store, case_id, "Jay Doe", role="alleged_perpetrator")
    with store.write() as s:
        s.get(Person, adult).date_of_birth = date(1990, 3, 4)
    w = _case_window(qtbot, store, case_id)
    w.iv_type.setCurrentIndex(next(i for i in range(w.iv_type.count())
                                   if "(CPN)" in w.iv_type.itemText(i)))  # fmt: skip
    w.iv_target.setCurrentIndex(1)
    w.iv_agency.setCurrentIndex(1)
    qtbot.mouseClick(w.iv_add, Qt.MouseButton.LeftButton)
    reason = w._problems["iv_override_reason"]
    qtbot.waitUntil(lambda: reason.isVisible(), timeout=10_000)
    assert reason.text() == iv.REASON_WANTED
    assert "(s.43(5))" in w._problems["iv_type"].text()
    qtbot.keyClicks(w.iv_statutory.reason, "Warned in person by PCSO Hart")
    qtbot.mouseClick(w.iv_add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.interventions_model.rowCount() == 1, timeout=10_000)
    with store.read() as s:
        assert s.scalar(select(Intervention.override_reason)) == "Warned in person by PCSO Hart"


def test_add_a_person_with_a_date_of_birth_from_the_case_window(qtbot, store):
    case_id = new_case(store)
    w = _case_window(qtbot, store, case_id)
    w.tabs.setCurrentIndex(2)  # People & places
    assert w.add_person_button.isEnabled()
    dialog = w.add_person()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.name, "Kid Doe")
    dialog.role.setCurrentIndex(dialog.role.findData("alleged_perpetrator"))
    dialog.dob_known.setChecked(True)
    dialog.dob.setDate(QDate.currentDate().addDays(1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    problem = dialog.problems["date_of_birth"]
    qtbot.waitUntil(lambda: problem.isVisible(), timeout=10_000)
    assert problem.text() == "The date of birth cannot be in the future."
    with store.read() as s:
        assert s.scalar(select(Person.id).where(Person.full_name == "Kid Doe")) is None
    dialog.dob.setDate(QDate(2011, 3, 4))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.people_model.rowCount() == 1, timeout=10_000)
    with store.read() as s:
        assert s.scalar(select(Person.date_of_birth)) == date(2011, 3, 4)
    # the Interventions tab can now name them
    qtbot.waitUntil(lambda: any("Kid Doe" in w.iv_target.itemText(i)
                                for i in range(w.iv_target.count())), timeout=10_000)  # fmt: skip


def test_a_partner_is_not_offered_add_a_person(qtbot, staffed):
    from hubapp.store import accounts

    accounts.sign_in(staffed, "cara", STAFF_PASSWORD)
    with staffed.read() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.seq))
    w = _case_window(qtbot, staffed, case_id)
    assert not w.add_person_button.isEnabled()
