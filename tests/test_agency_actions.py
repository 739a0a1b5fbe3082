"""'My agency's actions': one agency's open actions across cases, overdue first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from casework import agency_id, new_case
from PySide6.QtCore import QPoint, QSettings, Qt

from hubapp.domain.rag import Rag
from hubapp.models.agency_actions import AgencyActionsModel
from hubapp.store import lookups, setup
from hubapp.store.casework.actions import ActionDraft, add_action, agency_actions, complete_action
from hubapp.views.agency_actions import AgencyActionsPage

TODAY = date(2026, 11, 25)


@pytest.fixture
def actions(store):
    """Police actions on three Carlisle cases (one done) and one Fire action."""
    police, fire = agency_id(store, "POLICE"), agency_id(store, "FIRE")
    cases = [new_case(store, f"CAR-2026-00{n}") for n in (10, 11, 12)]
    made = {}
    for case, text, due in (
        (cases[0], "Later", TODAY + timedelta(days=30)),
        (cases[1], "No date", None),
        (cases[2], "Overdue", TODAY - timedelta(days=3)),
        (cases[0], "Soon", TODAY + timedelta(days=2)),
        (cases[1], "Finished", TODAY - timedelta(days=9)),
    ):
        made[text] = add_action(store, case, police, ActionDraft(text, "PC Walker", due),
                                assign_if_missing=True, today=TODAY)  # fmt: skip
    complete_action(store, made["Finished"], 1, "Done it", TODAY, today=TODAY)
    add_action(store, cases[2], fire, ActionDraft("Fire's own"), assign_if_missing=True,
               today=TODAY)  # fmt: skip
    return made


@pytest.fixture
def page(qtbot, store, actions):
    QSettings().setValue("agency_actions/agency", agency_id(store, "POLICE").hex)
    p = AgencyActionsPage()
    p.today = TODAY
    qtbot.addWidget(p)
    p.resize(1200, 600)
    p.attach(store, lookups.load(store), setup.current(store))
    p.show()
    qtbot.waitUntil(lambda: not p.busy and p.model.rowCount() > 0)
    return p


def descriptions(model) -> list[str]:
    return [model.index(r, 4).data() for r in range(model.rowCount())]


def test_overdue_first_then_by_due_date_with_words_for_colours(page):
    assert descriptions(page.model) == ["Overdue", "Soon", "Later", "No date"]
    assert [page.rag_of_row(r) for r in range(4)] == [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREEN]
    assert page.model.index(0, 1).data() == "Open · Overdue"
    assert page.model.index(1, 1).data() == "Open · Due soon"
    assert page.model.index(0, 0).data() == "22/11/2026"
    assert page.count_label.text() == "4 actions, 1 overdue"


def test_sorting_by_a_heading_and_back(page, qtbot):
    header = page.table.horizontalHeader()
    # a click on the Due heading turns the order round
    pos = QPoint(header.sectionViewportPosition(0) + 10, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert descriptions(page.model) == ["No date", "Later", "Soon", "Overdue"]
    page.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)
    assert descriptions(page.model) == ["Later", "No date", "Overdue", "Soon"]
    page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert descriptions(page.model) == ["Overdue", "Soon", "Later", "No date"]


def test_other_agency_and_finished_actions(page, store, qtbot):
    page.done_check.setChecked(True)
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() == 5)
    assert descriptions(page.model)[-1] == "Finished"
    page.choose_agency(agency_id(store, "FIRE"))
    qtbot.waitUntil(lambda: not page.busy and descriptions(page.model) == ["Fire's own"])
    assert QSettings().value("agency_actions/agency") == agency_id(store, "FIRE").hex


def test_opening_a_row_shows_that_action_in_its_dialog(page, store, actions, qtbot):
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(1, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.dialog
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)  # its list is read
    assert dialog is not None and dialog.isVisible()
    assert dialog.description.toPlainText() == "Soon"
    dialog.outcome.setPlainText("Spoke to the family")
    dialog.complete()
    qtbot.waitUntil(lambda: not page.busy and "Soon" not in descriptions(page.model))
    dialog.close()


def test_agency_actions_model_passes_the_model_tester(qtmodeltester, store, actions):
    model = AgencyActionsModel()
    model.set_lines(agency_actions(store, agency_id(store, "POLICE"), include_done=True,
                                   today=TODAY))  # fmt: skip
    qtmodeltester.check(model, force_py=True)
    model.sort(2, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)
