"""View > People (Ctrl+5) driven as a person would: typing finds people as you type (any UK
way of writing a number, Bill for William), Enter opens the person's page read in the
background, a case on it opens in its own window, a locked-down person's details stay
hidden from who may not see them. Real encrypted SQLite, pytest-qt, no mocks; the models
pass Qt's model tester."""

from __future__ import annotations

import pytest
from casework import STAFF_PASSWORD, add_person, agency_id, controlled_window, new_case
from PySide6.QtCore import Qt

from hubapp.store import accounts
from hubapp.store.accounts import AccountDraft
from hubapp.store.casework import assignments
from hubapp.views.people import PeoplePage, PersonDialog


@pytest.fixture
def people_db(store):
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002", summary="Noise from the flat above, every night")
    ids = {
        "first": first,
        "second": second,
        "william": add_person(store, first, "William Armstrong", phone="07700 900123",
                              address="4 Eden Street, Carlisle CA3 9LS"),
        "william2": add_person(store, second, "Bill Armstrong", role="complainant",
                               phone="+44 7700-900123"),
        "lorna": add_person(store, second, "Lorna Quayle", phone="07700 900555",
                            locked_down=True),
    }  # fmt: skip
    return ids


def page_for(qtbot, store) -> PeoplePage:
    page = PeoplePage()
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.attach(store)
    return page


def typed(qtbot, page: PeoplePage, text: str) -> list[str]:
    page.search_edit.clear()
    qtbot.keyClicks(page.search_edit, text)
    qtbot.waitUntil(lambda: not page.busy, timeout=15_000)
    return [page.model.record(r).name for r in range(page.model.rowCount())]


def test_people_are_found_as_you_type(qtbot, qtmodeltester, store, people_db):
    page = page_for(qtbot, store)
    assert typed(qtbot, page, "07700900123") == ["Bill Armstrong", "William Armstrong"]
    qtmodeltester.check(page.model, force_py=True)
    assert typed(qtbot, page, "+44 (0)7700 900 123") == ["Bill Armstrong", "William Armstrong"]
    assert typed(qtbot, page, "bill arm") == ["Bill Armstrong", "William Armstrong"]
    assert page.status.text() == "2 people"
    assert typed(qtbot, page, "ca3 9ls") == ["William Armstrong"]
    assert typed(qtbot, page, "w") == [] and "two letters" in page.status.text()
    # each row says what they are, and why they were found
    assert typed(qtbot, page, "william") == ["Bill Armstrong", "William Armstrong"]
    row = [page.model.index(1, c).data() for c in range(page.model.columnCount())]
    assert row[0] == "William Armstrong" and row[2] == "1" and row[3] == "victim"
    assert row[5] == "name"


def test_enter_opens_the_persons_page_and_a_case_from_it(qtbot, qtmodeltester, store, people_db):
    page = page_for(qtbot, store)
    typed(qtbot, page, "bill armstrong")
    opened = []
    page.caseOpenRequested.connect(opened.append)
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.dialog is not None, timeout=5_000)
    dialog: PersonDialog = page.dialog
    qtbot.waitUntil(lambda: dialog.page is not None, timeout=15_000)
    assert dialog.heading.text().startswith("Bill Armstrong")
    assert dialog.detail_labels["phone"].text() == "+44 7700-900123"
    assert [dialog.cases.record(r).reference for r in range(dialog.cases.rowCount())] == [
        "CAR-2026-0002"
    ]
    assert dialog.tabs.tabText(0) == "&Cases (1)"
    assert dialog.flags.isHidden()  # no repeats
    for model in (dialog.cases, dialog.reports, dialog.interventions, page.model):
        qtmodeltester.check(model, force_py=True)  # the page's last: it outlives the dialog
    qtbot.keyClick(dialog.case_table, Qt.Key.Key_Return)
    assert opened == [people_db["second"]]


def test_a_locked_down_persons_details_stay_hidden_from_a_partner(qtbot, store, people_db):
    council = agency_id(store, "CUMBERLAND")
    assignments.set_role(store, people_db["second"], council, "lead")
    accounts.create_account(store, AccountDraft("admin", "Ada Admin", "administrator"),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    accounts.create_account(store, AccountDraft("pat", "Pat Partner", "partner", council),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "pat", STAFF_PASSWORD)
    page = page_for(qtbot, store)
    assert typed(qtbot, page, "07700 900555") == []  # the number would say whose it is
    # William is on a case the council has no part in; Bill (William's short form) is
    assert typed(qtbot, page, "07700 900123") == ["Bill Armstrong"]
    assert typed(qtbot, page, "william") == ["Bill Armstrong"]
    assert typed(qtbot, page, "lorna") == ["Lorna Quayle"]
    assert "locked down" in page.model.index(0, 5).data()
    page.open_row(page.model.index(0, 0))
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.page is not None, timeout=15_000)
    assert dialog.locked.isVisible() and "not shown to your account" in dialog.locked.text()
    assert all(v.text() == "" for v in dialog.detail_labels.values())


def test_ctrl_5_opens_the_people_page_in_the_main_window(qtbot, store, people_db):
    window, _controller = controlled_window(qtbot, store, attach=True)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    assert window.people_action.shortcut().toString() == "Ctrl+5"
    window.people_action.trigger()
    page = window.people_page
    assert page is not None and window.pages.currentWidget() is page
    qtbot.waitUntil(page.search_edit.hasFocus, timeout=2_000)
    assert typed(qtbot, page, "armstrong") == ["Bill Armstrong", "William Armstrong"]


def test_the_persons_page_says_when_they_are_a_repeat_victim(qtbot, store, people_db):
    from datetime import datetime

    from sqlalchemy import select

    from hubapp.store.schema import Channel, Contact

    with store.write() as s:
        channel = s.scalar(select(Channel.id).limit(1))
        for day in (3, 10, 24):
            s.add(Contact(case_id=people_db["first"], channel_id=channel,
                          received_at=datetime(2026, 6, day, 9)))  # fmt: skip
    dialog = PersonDialog(store, people_db["william"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.page is not None, timeout=15_000)
    assert dialog.flags.isVisible()
    assert dialog.flags.text() == (
        "Repeat victim: 3 reports from 03/06/2026 to 24/06/2026 (3 or more in 6 months)."
    )


def test_the_persons_page_lists_merged_records_and_an_administrator_undoes_one(
    qtbot, qtmodeltester, store, people_db
):
    from hubapp.store.casework import merging
    from hubapp.store.schema import Person

    merging.merge(store, people_db["william"], people_db["william2"], "Same phone, same man")
    dialog = PersonDialog(store, people_db["william"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.page is not None, timeout=15_000)
    assert dialog.tabs.tabText(3) == "&Merged records (1)"
    assert dialog.tabs.tabText(0) == "&Cases (2)"
    qtmodeltester.check(dialog.merges, force_py=True)
    row = [dialog.merges.index(0, c).data() for c in range(dialog.merges.columnCount())]
    assert row[0].startswith("Bill Armstrong (P-") and row[3] == "Same phone, same man"
    assert row[4] == "name Bill Armstrong; phone +44 7700-900123"
    dialog.tabs.setCurrentIndex(3)
    dialog.merge_table.selectRow(0)
    assert not dialog.undo_button.isEnabled(), "an undo needs a reason"
    qtbot.keyClicks(dialog.undo_reason, "Father and son")
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Restored"), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.tabs.tabText(3) == "&Merged records (0)", timeout=10_000)
    with store.read() as s:
        assert not s.get(Person, people_db["william2"]).voided


def test_the_other_details_of_a_merged_record_read_as_the_page_does():
    from hubapp.views.people import _details

    assert _details((("date_of_birth", "1980-02-03"), ("phone", "07700 900123"))) == (
        "born 03/02/1980; phone 07700 900123"
    )
