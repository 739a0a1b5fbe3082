"""The screens of hate and safeguarding, driven with the keyboard (pytest-qt, off-screen, real
SQLite, no mocks): the intake's hate question answered with one key, its problems beside the
fields; a person's flags and referrals on their page, as each role may see them; the forms
that record them refusing bad input beside the field with nothing saved; the case window's
hate answer, reassessment line and referrals. The new table model passes Qt's tester."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from casework import STAFF_PASSWORD, add_person, ctrl_s, open_form, staff_database
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from hubapp.store import accounts
from hubapp.store.casework import referrals, risk, safeguarding
from hubapp.store.database import open_store
from hubapp.store.intake import form as intake
from hubapp.store.schema import Case, Person, Referral
from hubapp.views.case_view import CaseWindow
from hubapp.views.people import PersonDialog


def cases(store) -> int:
    with store.read() as s:
        return s.query(Case).count()


def fill_asb(qtbot, w) -> None:
    qtbot.keyClicks(w.channel, "101")
    qtbot.keyClicks(w.category, "Anti")
    w.summary.setFocus()
    qtbot.keyClicks(w.summary, "Abuse shouted at a neighbour")
    w.location.setFocus()
    qtbot.keyClicks(w.location, "Raffles Avenue")


# --- the intake form ------------------------------------------------------------------------


def test_the_hate_question_takes_one_key(qtbot, store):
    w = open_form(qtbot, store)
    w.hate.setFocus()
    assert w.hate.currentData() == "" and not w.strands.isVisibleTo(w)
    for key, answer in ((Qt.Key.Key_Y, "yes"), (Qt.Key.Key_N, "no"),
                        (Qt.Key.Key_K, "not_known"), (Qt.Key.Key_Y, "yes")):  # fmt: skip
        qtbot.keyClick(w.hate, key)
        assert w.hate.currentData() == answer
        assert QApplication.focusWidget() is w.hate  # one key, and the focus stays put
    assert w.strands.isVisibleTo(w)
    qtbot.keyClick(w.hate, Qt.Key.Key_Backspace)
    assert w.hate.currentData() == "" and not w.strands.isVisibleTo(w)
    from PySide6.QtWidgets import QLabel

    [label] = [x for x in w.findChildren(QLabel) if x.buddy() is w.hate]
    assert label.text() == "Hate &question:"  # named, and Alt+Q reaches it


def test_an_asb_report_is_not_saved_without_the_hate_answer(qtbot, store):
    w = open_form(qtbot, store)
    fill_asb(qtbot, w)
    assert "Needed for this category" in w.messages["hate"].text.text()
    ctrl_s(qtbot, w)
    assert w.messages["hate"].problem.startswith("Ask whether anyone perceives this as hate")
    assert QApplication.focusWidget() is w.hate  # the first thing to put right
    assert cases(store) == 0
    qtbot.keyClick(w.hate, Qt.Key.Key_Y)
    ctrl_s(qtbot, w)
    assert w.messages["hate_strands"].problem.startswith("Choose the strand")
    assert QApplication.focusWidget() is w.strands.boxes["race"]
    assert cases(store) == 0
    qtbot.keyClick(w.strands.boxes["disability"], Qt.Key.Key_Space)
    with qtbot.waitSignal(w.saved, timeout=10_000) as saved:
        ctrl_s(qtbot, w)
    with store.read() as s:
        case = s.get(Case, saved.args[0].case_id)
        assert (case.hate, case.hate_strands, case.risk_level) == ("yes", ["disability"], "medium")


def test_tab_reaches_the_strands_after_a_yes(qtbot, store):
    w = open_form(qtbot, store)
    w.hate.setFocus()
    qtbot.keyClick(w.hate, Qt.Key.Key_Y)
    qtbot.keyClick(w.hate, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is w.strands.boxes["race"]
    qtbot.keyClick(w.hate, Qt.Key.Key_N)  # on the tick: not an answer
    w.hate.setFocus()
    qtbot.keyClick(w.hate, Qt.Key.Key_N)
    qtbot.keyClick(w.hate, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is w.hub  # the strands are hidden with a no


def test_a_known_person_picked_at_intake_shows_their_safeguarding_flags(qtbot, store):
    from casework import new_case

    case_id = new_case(store)
    person = add_person(store, case_id, "Edna Hart", phone="07700 900777")
    safeguarding.set_vulnerable(store, person, True, "Dementia")
    safeguarding.set_date_of_birth(store, person, date(1941, 3, 2))
    w = open_form(qtbot, store)
    row = w.add_person(intake.PersonEntry(full_name="Edna"))
    w.link(row, person)  # as "Link this person" does with the one chosen from the list
    qtbot.waitUntil(lambda: row.link.known is not None, timeout=10_000)
    assert "Vulnerable adult: Dementia." in row.link.label.text()


# --- a person's page --------------------------------------------------------------------------


@pytest.fixture
def station(tmp_path):
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    accounts.sign_in(store, "pete", STAFF_PASSWORD)
    with store.read() as s:
        case_id = s.query(Case).order_by(Case.seq).first().id
    child = add_person(store, case_id, "Kai Young")
    safeguarding.set_date_of_birth(store, child, date.today().replace(year=date.today().year - 12))
    referrals.add(store, referrals.ReferralDraft(case_id, child, "marac", date(2026, 5, 4),
                                                 reference="MARAC/26/117"))  # fmt: skip
    referrals.add(store, referrals.ReferralDraft(case_id, child, "mash", date(2026, 5, 5)))
    yield store, db, case_id, child
    store.close()


def open_person(qtbot, store, person_id) -> PersonDialog:
    dialog = PersonDialog(store, person_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=15_000):
        dialog.show()
    return dialog


@pytest.mark.parametrize(("who", "sees_marac"), [("pete", True), ("cara", False),
                                                   ("rory", False)])  # fmt: skip
def test_the_persons_page_shows_flags_and_the_referrals_the_role_may_see(
    qtbot, qtmodeltester, station, who, sees_marac
):
    store, _db, _case_id, child = station
    accounts.sign_in(store, who, STAFF_PASSWORD)
    dialog = open_person(qtbot, store, child)
    assert dialog.safeguarding.isVisible()
    assert dialog.safeguarding.text() == "Child: under 18 (from the date of birth)."
    pathways = [dialog.referrals.record(r).pathway for r in range(dialog.referrals.rowCount())]
    assert sorted(pathways) == (["marac", "mash"] if sees_marac else ["mash"])
    assert dialog.tabs.tabText(4) == f"R&eferrals ({len(pathways)})"
    qtmodeltester.check(dialog.referrals, force_py=True)
    shown = " ".join(str(dialog.referrals.index(r, c).data())
                     for r in range(dialog.referrals.rowCount())
                     for c in range(dialog.referrals.columnCount()))  # fmt: skip
    assert ("MARAC" in shown) is sees_marac
    # the buttons that change them are for the roles that may
    assert dialog.safeguarding_button.isVisibleTo(dialog) is (who == "pete")
    assert dialog.referral_button.isVisibleTo(dialog) is (who == "pete")


def test_a_date_of_birth_in_the_future_is_refused_beside_the_field(qtbot, station):
    store, db, _case_id, child = station
    dialog = open_person(qtbot, store, child)
    form = dialog.edit_safeguarding()
    qtbot.addWidget(form)
    form.born.selectAll()
    qtbot.keyClicks(form.born, (date.today() + timedelta(days=3)).strftime("%d/%m/%Y"))
    qtbot.keyClick(form.born, Qt.Key.Key_Return)
    message = form.messages["date_of_birth"]
    assert message.isVisible() and "cannot be in the future" in message.text()
    assert form.isVisible()
    with store.read() as s:
        assert s.get(Person, child).date_of_birth != date.today() + timedelta(days=3)
    # the reason is needed with the flag, and said beside it
    form.born.selectAll()
    qtbot.keyClicks(form.born, "02/03/1941")
    form.vulnerable.setFocus()
    qtbot.keyClick(form.vulnerable, Qt.Key.Key_Space)
    qtbot.keyClick(form.born, Qt.Key.Key_Return)
    assert "Say why" in form.messages["vulnerable_reason"].text()
    form.reason.setFocus()
    qtbot.keyClicks(form.reason, "Lives alone; memory loss")
    with qtbot.waitSignal(dialog.loaded, timeout=15_000):  # saved, and the page read again
        qtbot.keyClick(form.born, Qt.Key.Key_Return)
    assert dialog.safeguarding.text() == "Vulnerable adult: Lives alone; memory loss."
    with store.read() as s:
        person = s.get(Person, child)
        assert (person.date_of_birth, person.vulnerable) == (date(1941, 3, 2), True)


def test_a_referral_to_a_pathway_not_chosen_or_dated_ahead_is_refused(qtbot, station):
    store, db, case_id, child = station
    dialog = open_person(qtbot, store, child)
    form = dialog.add_referral()
    qtbot.addWidget(form)
    with store.read() as s:
        before = s.query(Referral).count()
    form.on.selectAll()
    qtbot.keyClicks(form.on, (date.today() + timedelta(days=1)).strftime("%d/%m/%Y"))
    qtbot.keyClick(form.on, Qt.Key.Key_Return)
    assert "Choose the pathway" in form.messages["pathway"].text()
    assert "in the future" in form.messages["referred_on"].text()
    assert form.focusWidget() is form.pathway  # the first thing to put right
    qtbot.keyClicks(form.pathway, "Victim")
    form.on.selectAll()
    qtbot.keyClicks(form.on, "06/05/2026")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.keyClick(form.on, Qt.Key.Key_Return)
    with store.read() as s:
        assert s.query(Referral).count() == before + 1
        assert s.query(Referral).filter_by(pathway="victim_support").one().case_id == case_id


# --- the case window ------------------------------------------------------------------------------


def open_case(qtbot, store, case_id) -> CaseWindow:
    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    return w


def test_the_case_window_shows_hate_reassessment_flags_and_referrals(qtbot, qtmodeltester,
                                                                     store):  # fmt: skip
    saved = intake.save(store, intake.IntakeForm(
        hub="CAR", channel="call_101", category="asb_nuisance", received="now", hate="no",
        location="Bitts Park", summary="Abuse in the park",
        people=[intake.PersonEntry(full_name="Nadia Shah", risk_answers={
            q.code: "no" for q in risk.questionnaire().questions} | {
            "fear": "declined", "isolated": "not_known"})]))  # fmt: skip
    intake.save(store, intake.IntakeForm(channel="call_101", received="now",
                                         location="Bitts Park", summary="Again"),
                saved.case_id)  # fmt: skip
    with store.read() as s:
        nadia = s.query(Person).filter_by(full_name="Nadia Shah").one().id
    safeguarding.set_vulnerable(store, nadia, True, "Learning difficulty")
    referrals.add(store, referrals.ReferralDraft(saved.case_id, nadia, "victim_support",
                                                 date(2026, 5, 4)))  # fmt: skip
    w = open_case(qtbot, store, saved.case_id)
    sg = w.safeguarding
    assert sg.hate_label.text() == "Not perceived as hate"
    assert sg.reassess.isVisibleTo(w)
    assert sg.reassess.text() == "Reassess: a new report since the last assessment."
    flags = [w.people_model.index(r, 6).data() for r in range(w.people_model.rowCount())]
    assert "Vulnerable adult" in flags
    assert [sg.referrals.record(r).pathway for r in range(sg.referrals.rowCount())] == [
        "victim_support"]  # fmt: skip
    qtmodeltester.check(sg.referrals, force_py=True)
    # the assessment, its declined and not known answers shown as given
    assert sg.assessments.rowCount() == 1
    row = [sg.assessments.index(0, c).data() for c in range(sg.assessments.columnCount())]
    assert row[1] == "Victim: Nadia Shah" and row[2] == "Standard" and row[4] == "2"
    assert "Declined: Is the victim afraid" in row[5] and "Not known: Does the victim" in row[5]
    qtmodeltester.check(sg.assessments, force_py=True)
    # the hate question, answered again in its own form
    dialog = sg.ask_hate()
    qtbot.addWidget(dialog)
    qtbot.keyClick(dialog.answer, Qt.Key.Key_Y)
    qtbot.keyClick(dialog.answer, Qt.Key.Key_Return)
    assert "Choose the strand" in dialog.messages["hate_strands"].text()
    qtbot.keyClick(dialog.strands.boxes["religion"], Qt.Key.Key_Space)
    with qtbot.waitSignal(sg.changed, timeout=10_000):
        qtbot.keyClick(dialog.answer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sg.hate_label.text() == "Hate (perceived): religion or belief",
                    timeout=10_000)  # fmt: skip
    qtbot.waitUntil(lambda: "Medium" in w.risk_chip.text(), timeout=10_000)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with store.read() as s:
        assert s.get(Case, saved.case_id).hate == "yes"


def test_partners_are_not_offered_the_hate_question_or_a_referral(qtbot, tmp_path):
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    try:
        with store.read() as s:
            case_id = s.query(Case).order_by(Case.seq).first().id
        add_person(store, case_id, "Vera Victim")
        accounts.sign_in(store, "cara", STAFF_PASSWORD)
        w = open_case(qtbot, store, case_id)
        assert not w.safeguarding.hate_button.isVisibleTo(w)
        assert not w.safeguarding.referral_button.isVisibleTo(w)
        assert w.safeguarding.hate_label.text() == "Hate: not asked"
    finally:
        store.close()


def test_a_further_report_on_an_assessed_victim_asks_for_reassessment(qtbot, store):
    from casework import controlled_window

    first = intake.save(store, intake.IntakeForm(
        hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="now",
        location="Bitts Park", town="Carlisle", summary="Motorbikes in Bitts Park",
        people=[intake.PersonEntry(full_name="Nadia Shah", risk_answers={
            q.code: "no" for q in risk.questionnaire().questions})]))  # fmt: skip
    window, controller = controlled_window(qtbot, store, attach=True)
    window.show()
    qtbot.waitExposed(window)
    w = controller.new_issue()
    qtbot.addWidget(w, before_close_func=lambda w: setattr(w, "_closing", True))
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    qtbot.keyClicks(w.channel, "Face")
    for edit, text in ((w.summary, "Bikes again"), (w.location, "Bitts Park gates")):
        edit.setFocus()
        qtbot.keyClicks(edit, text)
    qtbot.waitUntil(lambda: w.repeats.count() == 1, timeout=5000)
    w.repeats.setFocus()
    w.repeats.setCurrentRow(0)
    qtbot.keyClick(w.repeats, Qt.Key.Key_Return)
    with qtbot.waitSignal(w.saved, timeout=10_000):
        ctrl_s(qtbot, w)
    assert window.statusBar().currentMessage() == (
        f"Report added to {first.reference} as a further contact; no new case was made. "
        "Reassess: a new report since the last assessment."
    )
