"""The ASB Case Review in the window: the queue page (its model checked by qtmodeltester), the
explanation dialog, the review dialog from the application to the outcome letter, the main
window's menu item and the case window's button; what a partner is offered."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from a11y import unnamed
from casework import (
    STAFF_PASSWORD,
    add_person,
    agency_id,
    controlled_window,
    new_case,
    staff_database,
    state,
)
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from hubapp.models.case_review import CaseReviewQueueModel, NeedsExplainingRole
from hubapp.store import accounts
from hubapp.store.casework import case_review
from hubapp.store.database import open_store
from hubapp.store.schema import (
    Action,
    AuditEntry,
    CaseReview,
    Channel,
    Contact,
    ReviewExplanation,
    ReviewRecommendation,
)
from hubapp.views.case_review import CaseReviewQueuePage, ExplanationDialog, ReviewDialog

TODAY = date(2026, 6, 30)


def _report(store, case_id, received, incident=None):
    with store.write(reason="test report") as s:
        channel = s.scalar(select(Channel.id).limit(1))
        s.add(Contact(id=uuid.uuid4(), case_id=case_id, channel_id=channel, received_at=received,
                      incident_at=incident))  # fmt: skip


@pytest.fixture
def queued(store):
    """Ann at two complaints (approaching), Bob at three (reached)."""
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002")
    ann = add_person(store, first, "Ann Victim")
    bob = add_person(store, second, "Bob Victim")
    for day in (1, 9):
        _report(store, first, datetime(2026, 6, day, 20))
    for day in (2, 10, 20):
        _report(store, second, datetime(2026, 5, day, 20))
    return store, first, second, ann, bob


def _count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def _page(qtbot, store) -> CaseReviewQueuePage:
    page = CaseReviewQueuePage()
    qtbot.addWidget(page)
    page.today = TODAY
    page.attach(store)
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() > 0)
    return page


def test_the_queue_model_passes_qtmodeltester(qtmodeltester, queued):
    store, *_ = queued
    model = CaseReviewQueueModel()
    qtmodeltester.check(model)
    model.set_entries(case_review.queue(store, today=TODAY))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    model.sort(3, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_the_queue_page_lists_reds_first_and_opens_the_case(qtbot, queued):
    store, first, second, ann, bob = queued
    page = _page(qtbot, store)
    model = page.model
    rows = [(model.index(r, 3).data(), model.index(r, 0).data(), model.index(r, 6).data())
            for r in range(model.rowCount())]  # fmt: skip
    assert rows == [("Bob Victim", "Reached", "Not explained"),
                    ("Ann Victim", "Approaching", "Not explained")]  # fmt: skip
    assert model.index(1, 6).data(NeedsExplainingRole) is True
    assert model.index(1, 6).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "2 entries, 1 reached, 2 not explained" == page.count_label.text()
    assert not unnamed(page)
    with qtbot.waitSignal(page.caseOpenRequested) as opened:
        page.table.setFocus()
        page.table.setCurrentIndex(model.index(0, 0))
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args == [second]


def test_recording_an_explanation_from_the_queue_turns_it_from_red(qtbot, queued):
    store, first, _second, ann, _bob = queued
    page = _page(qtbot, store)
    page.table.setCurrentIndex(page.model.index(1, 0))  # Ann
    page.explain_button.click()
    dialog = page.dialog
    assert isinstance(dialog, ExplanationDialog) and not unnamed(dialog)
    # a date in the future: one sentence beside the field, nothing saved
    dialog.date.edit.setText("01/07/2026")
    dialog.save()
    assert (
        dialog.errors["explained_on"].text() == "The date it was explained cannot be in the future."
    )
    dialog.date.edit.setText("31/02/2026")
    dialog.save()
    assert dialog.errors["explained_on"].text() == "There is no 31/02/2026."
    assert _count(store, ReviewExplanation) == 0
    dialog.date.edit.setText("10/06/2026")
    dialog.method.setCurrentIndex(dialog.method.findData("visit"))
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    qtbot.waitUntil(lambda: not page.busy and page.model.index(1, 6).data() != "Not explained")
    assert page.model.index(1, 6).data() == "Explained 10/06/2026"
    assert page.model.index(1, 6).data(NeedsExplainingRole) is False


def _wait(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy)


def test_the_review_dialog_from_application_to_letter(qtbot, queued, tmp_path):
    store, first, _second, ann, _bob = queued
    dialog = ReviewDialog(store, first, today=TODAY)
    qtbot.addWidget(dialog)
    _wait(qtbot, dialog)
    assert dialog.review_combo.currentData() is None  # a new application
    assert dialog.subject.currentText() == "Victim: Ann Victim"
    assert not unnamed(dialog)
    from PySide6.QtWidgets import QAbstractButton, QLabel

    letters = [w.text().split("&")[1][0].lower()
               for w in [*dialog.findChildren(QLabel), *dialog.findChildren(QAbstractButton)]
               if "&" in w.text().replace("&&", "")]  # fmt: skip
    assert len(letters) == len(set(letters)) > 15, letters  # every Alt+letter goes one place
    dialog.dates["received_on"].edit.setText("01/06/2026")
    # a decision before the application: beside its field, nothing saved
    dialog.decision.setCurrentIndex(dialog.decision.findData("met"))
    dialog.dates["decided_on"].edit.setText("31/05/2026")
    dialog.texts["decision_reasons"].setPlainText("Persistent")
    dialog.save()
    assert dialog.errors["decided_on"].text() == (
        "The decision date (31/05/2026) cannot be before the application was received "
        "(01/06/2026).")  # fmt: skip
    assert dialog.errors["decided_on"].isVisibleTo(dialog)
    assert _count(store, CaseReview) == 0
    dialog.decision.setCurrentIndex(0)
    dialog.dates["decided_on"].edit.setText("")
    dialog.texts["decision_reasons"].setPlainText("")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    _wait(qtbot, dialog)
    assert dialog.stage_label.text() == "application received"
    assert "Acknowledge: due 08/06/2026 (overdue)" in dialog.deadlines_label.text()
    # the decision, the meeting with the council present
    dialog.dates["acknowledged_on"].edit.setText("02/06/2026")
    dialog.decision.setCurrentIndex(dialog.decision.findData("met"))
    dialog.dates["decided_on"].edit.setText("05/06/2026")
    dialog.texts["decision_reasons"].setPlainText("Two complaints; harm to a vulnerable victim")
    dialog.dates["meeting_on"].edit.setText("12/06/2026")
    council = agency_id(store, "CUMBERLAND")
    for i in range(dialog.agencies.count()):
        if dialog.agencies.item(i).data(Qt.ItemDataRole.UserRole) == council:
            dialog.agencies.item(i).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    _wait(qtbot, dialog)
    assert dialog.stage_label.text() == "meeting held"
    # a recommendation: a real action of the case
    dialog.rec_agency.setCurrentIndex(dialog.rec_agency.findData(council.hex))
    dialog.rec_text.setText("Offer mediation")
    dialog.rec_owner.setText("Housing officer")
    dialog.rec_due.edit.setText("15/07/2026")
    with qtbot.waitSignal(dialog.saved):
        dialog.add_recommendation()
    _wait(qtbot, dialog)
    assert dialog.recommendations.count() == 1
    assert "Offer mediation" in dialog.recommendations.item(0).text()
    assert _count(store, ReviewRecommendation) == 1
    with store.read() as s:
        assert s.scalar(select(Action.description).where(Action.case_id == first)) == (
            "Offer mediation")  # fmt: skip
    # the outcome, and its letter saved as a disclosure
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("recommendations"))
    dialog.dates["outcome_sent_on"].edit.setText("15/06/2026")
    dialog.texts["outcome_summary"].setPlainText("Mediation offered")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    _wait(qtbot, dialog)
    assert dialog.stage_label.text() == "outcome sent"
    target = tmp_path / "letter.pdf"
    dialog.save_letter(str(target))
    _wait(qtbot, dialog)
    assert target.read_bytes().startswith(b"%PDF")
    assert "outcome letter was saved" in dialog.errors[""].text()
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "disclosure")).one()
        assert entry.details["document"] == "review_letter"
    # opened again from the case window, it shows that review, not a new application
    again = ReviewDialog(store, first, today=TODAY)
    qtbot.addWidget(again)
    _wait(qtbot, again)
    assert again.review_combo.currentData() is not None
    assert again.stage_label.text() == "outcome sent"


def test_the_menu_item_and_the_case_window_button(qtbot, queued):
    store, first, *_ = queued
    window, controller = controlled_window(qtbot, store, attach=True)
    item = next(a for a in window.menu_actions() if a.objectName() == "caseReviewQueueAction")
    item.trigger()
    page = window.case_review_page
    assert window.pages.currentWidget() is page
    page.today = TODAY
    page.reload()
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() == 2)
    from hubapp.views.case_view import CaseWindow

    case_window = CaseWindow(store, first)
    qtbot.addWidget(case_window)
    dialog = case_window.open_case_review()
    qtbot.addWidget(dialog)
    _wait(qtbot, dialog)
    assert isinstance(dialog, ReviewDialog) and dialog.subject.count() == 1
    qtbot.waitUntil(lambda: not getattr(case_window, "_tasks", None))


@pytest.fixture
def partner(tmp_path):
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    with store.read() as s:
        from hubapp.store.schema import Case

        case = s.scalar(select(Case.id).order_by(Case.seq).limit(1))
    vera = add_person(store, case, "Vera Victim")
    for days in (2, 20):
        _report(store, case, datetime.now().replace(microsecond=0) - timedelta(days=days))
    store.close()
    store = open_store(db)
    accounts.sign_in(store, "cara", STAFF_PASSWORD)
    yield store, case, vera, db
    store.close()


def test_a_partner_is_offered_the_explanation_not_the_review(qtbot, partner):
    store, case, vera, db = partner
    page = CaseReviewQueuePage()
    qtbot.addWidget(page)
    page.attach(store)
    qtbot.waitUntil(lambda: not page.busy)
    assert not page.apply_button.isVisibleTo(page)
    assert page.explain_button.isVisibleTo(page)
    dialog = ReviewDialog(store, case)
    qtbot.addWidget(dialog)
    _wait(qtbot, dialog)
    assert not dialog.save_button.isVisibleTo(dialog)
    before = state(db)
    dialog.dates["received_on"].edit.setText("01/06/2026")
    dialog.save()  # the store refuses it too, in one sentence
    _wait(qtbot, dialog)
    assert dialog.errors[""].text().startswith("Only a coordinator, police staff or an "
                                               "administrator can record")  # fmt: skip
    assert state(db) == before


def test_the_yearly_figures_from_the_queue(qtbot, queued):
    store, first, _second, ann, _bob = queued
    case_review.save_review(store, first, case_review.ReviewDraft(
        person_id=ann, received_on=date(2026, 6, 1), decision="not_met",
        decided_on=date(2026, 6, 3), decision_reasons="One neighbour dispute"), today=TODAY)  # fmt: skip
    page = _page(qtbot, store)
    page.figures_button.click()
    dialog = page.dialog
    qtbot.waitUntil(lambda: not dialog.busy and dialog.table.rowCount() > 1)
    assert not unnamed(dialog)
    cells = {dialog.table.item(r, 0).text(): [dialog.table.item(r, c).text() for c in range(1, 5)]
             for r in range(dialog.table.rowCount())}  # fmt: skip
    assert cells["Carlisle"] == cells["Total"] == ["1", "1", "0", "0"]
    dialog.year.setValue(2025)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.table.item(
        dialog.table.rowCount() - 1, 1).text() == "0")  # fmt: skip
