"""The intake form links people already known (issue 16), driven as a coordinator would:
typing a name (Bill for William) or a phone number lists the known person with their cases
and repeat flags; Enter links them; saving adds them to the case and makes no new person;
Unlink, or a name that no longer fits, saves a new person again; links survive drafts. Real
encrypted SQLite, pytest-qt, reads off the GUI thread."""

from __future__ import annotations

from datetime import datetime

import pytest
from casework import add_person, keys, new_case, open_form
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from hubapp.store.intake import drafts
from hubapp.store.intake import form as intake
from hubapp.store.schema import CasePerson, Channel, Contact, Note, Person, Place


def count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def report(store, case_id, received, place_id=None) -> None:
    with store.write() as s:
        channel = s.scalar(select(Channel.id).limit(1))
        s.add(Contact(case_id=case_id, channel_id=channel, received_at=received,
                      place_id=place_id))  # fmt: skip


@pytest.fixture
def known(store):
    """William Armstrong on two cases, a victim on the second with three reports in June (a
    repeat victim); Ann Example, a witness on the first."""
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002", received_at=datetime(2026, 6, 1, 9))
    william = add_person(store, first, "William Armstrong", role="alleged_perpetrator",
                         phone="07700 900123", address="4 Eden Street, Carlisle CA3 9LS")  # fmt: skip
    with store.write() as s:
        s.add(CasePerson(case_id=second, person_id=william, role="victim"))
    for day in (3, 10, 24):
        report(store, second, datetime(2026, 6, day, 9))
    ann = add_person(store, first, "Ann Example", role="witness", email="ann@example.org")
    return {"first": first, "second": second, "william": william, "ann": ann}


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    keys(qtbot, widget, text)


def fill_report(qtbot, w) -> None:
    qtbot.keyClicks(w.channel, "101")
    qtbot.keyClicks(w.category, "Anti")
    qtbot.keyClick(w.hate, Qt.Key.Key_N)
    type_into(qtbot, w.summary, "Shouting in the street at night")
    type_into(qtbot, w.location, "Lowther Street")


def listed(qtbot, w, text: str, timeout: int = 10_000) -> int:
    """The row of the list of people already known whose text has ``text``, once shown."""

    def row() -> int:
        for i in range(w.known.count()):
            if text in w.known.item(i).text():
                return i
        return -1

    qtbot.waitUntil(lambda: row() >= 0, timeout=timeout)
    return row()


def link_row(qtbot, w, row: int) -> None:
    w.known.setFocus()
    w.known.setCurrentRow(row)
    qtbot.keyClick(w.known, Qt.Key.Key_Return)


@pytest.mark.parametrize("typed", ["Bill Armstrong", "07700900123"])
def test_the_reporter_typed_is_found_linked_and_not_copied(qtbot, qtmodeltester, store, known,
                                                           typed):  # fmt: skip
    w = open_form(qtbot, store)
    w.resize(1366, 728)
    fill_report(qtbot, w)
    field = w.reporter_name if typed[0].isalpha() else w.reporter_phone
    type_into(qtbot, field, typed)
    row = listed(qtbot, w, "William Armstrong")
    text = w.known.item(row).text()
    assert text.startswith("Reporter: William Armstrong (P-")
    assert "Known from 2 cases as alleged perpetrator, victim" in text
    assert ("found by name" if field is w.reporter_name else "found by phone number") in text
    # the repeat flag in words (colour is never the signal)
    assert "Repeat victim: 3 reports from 03/06/2026 to 24/06/2026 (3 or more in 6 months)." in (
        text)  # fmt: skip
    qtmodeltester.check(w.known.model(), force_py=True)
    before = count(store, Person)
    link_row(qtbot, w, row)
    qtbot.waitUntil(lambda: w.reporter_link.isVisible(), timeout=10_000)
    line = w.reporter_link.label.text()
    assert line.startswith("Linked to William Armstrong (P-") and "known from 2 cases." in line
    assert "Repeat victim: 3 reports" in line  # the flags stay shown on the slot
    # the empty fields filled from what is stored, the typed ones kept
    assert w.reporter_phone.text() == ("07700 900123" if typed[0].isalpha() else typed)
    assert w.reporter_address.text() == "4 Eden Street, Carlisle CA3 9LS"
    assert w.reporter_name.text() == ("Bill Armstrong" if typed[0].isalpha()
                                      else "William Armstrong")  # fmt: skip
    if typed[0].isalpha():  # a name typed otherwise than stored says so, before saving
        assert w.messages["reporter_name"].text.text() == (
            "Differs from the stored William Armstrong; the stored one is kept, this one "
            "noted on the case."
        )
    with qtbot.waitSignal(w.saved, timeout=10_000) as saved:
        w.save()
    assert count(store, Person) == before
    with store.read() as s:
        assert s.get(Contact, saved.args[0].contact_id).reporter_person_id == known["william"]
        assert s.get(Person, known["william"]).full_name == "William Armstrong"


def test_a_person_involved_is_linked_filled_and_told_what_differs(qtbot, store, known):
    w = open_form(qtbot, store)
    fill_report(qtbot, w)
    row = w.add_person()
    type_into(qtbot, row.name, "ann ex")  # typed only as far as needed to find her
    type_into(qtbot, row.phone, "07700 900888")
    type_into(qtbot, row.email, "ANN@example.com")
    i = listed(qtbot, w, "Person 1: Ann Example")
    assert "witness" in w.known.item(i).text()
    w.known.setCurrentRow(i)
    assert w.link_button.isEnabled()
    w.link_button.click()
    qtbot.waitUntil(row.link.isVisible, timeout=10_000)
    assert row.link.label.text().startswith("Linked to Ann Example (P-")
    assert row.name.text() == "Ann Example"  # completed: nothing typed is lost
    assert row.message.text.text() == (
        "Email differs from the stored ann@example.org; the stored one is kept, this one "
        "noted on the case."
    )
    # linked: no longer looked for, so no longer listed
    qtbot.waitUntil(lambda: w.known.count() == 0, timeout=10_000)
    before = count(store, Person)
    with qtbot.waitSignal(w.saved, timeout=10_000) as saved:
        w.save()
    assert count(store, Person) == before
    with store.read() as s:
        ann = s.get(Person, known["ann"])
        assert (ann.phone, ann.email) == ("07700 900888", "ann@example.org")
        [role] = s.scalars(select(CasePerson.role).where(
            CasePerson.case_id == saved.args[0].case_id, CasePerson.person_id == ann.id))  # fmt: skip
        note = s.scalars(select(Note.body).where(Note.case_id == saved.args[0].case_id)).one()
    assert role == "victim" and "email ANN@example.com" in note


def test_unlinking_saves_a_new_person_again(qtbot, store, known):
    w = open_form(qtbot, store)
    fill_report(qtbot, w)
    type_into(qtbot, w.reporter_name, "William Armstrong")
    link_row(qtbot, w, listed(qtbot, w, "William Armstrong"))
    qtbot.waitUntil(w.reporter_link.isVisible, timeout=10_000)
    w.reporter_link.unlink_button.setFocus()
    qtbot.keyClick(w.reporter_link.unlink_button, Qt.Key.Key_Space)
    assert not w.reporter_link.isVisible() and w.form().reporter_person_id == ""
    assert "unlinked from William Armstrong" in w.status.text()
    assert QApplication.focusWidget() is w.reporter_name  # not lost with the button
    before = count(store, Person)
    with qtbot.waitSignal(w.saved, timeout=10_000) as saved:
        w.save()
    assert count(store, Person) == before + 1
    with store.read() as s:
        assert s.get(Contact, saved.args[0].contact_id).reporter_person_id != known["william"]


def test_an_anonymous_reporter_is_unlinked_and_told_so(qtbot, store, known):
    w = open_form(qtbot, store)
    fill_report(qtbot, w)
    type_into(qtbot, w.reporter_name, "William Armstrong")
    link_row(qtbot, w, listed(qtbot, w, "William Armstrong"))
    qtbot.waitUntil(w.reporter_link.isVisible, timeout=10_000)
    w.anonymous.setChecked(True)
    assert not w.reporter_link.isVisible() and w.form().reporter_person_id == ""
    assert w.status.text() == "The reporter is anonymous: unlinked from William Armstrong."


def test_a_name_that_no_longer_fits_unlinks_and_says_so(qtbot, store, known):
    w = open_form(qtbot, store)
    type_into(qtbot, w.reporter_name, "Bill Arm")
    link_row(qtbot, w, listed(qtbot, w, "William Armstrong"))
    qtbot.waitUntil(w.reporter_link.isVisible, timeout=10_000)
    keys(qtbot, w.reporter_name, "strong")  # still William Armstrong: still linked
    assert w.reporter_link.person_id == known["william"].hex
    w.reporter_name.selectAll()
    keys(qtbot, w.reporter_name, "Mary Smith")
    assert w.reporter_link.person_id == "" and not w.reporter_link.isVisible()
    assert "the name typed no longer fits theirs" in w.status.text()


def test_a_link_survives_the_draft_and_a_resumed_form_shows_it(qtbot, store, known):
    w = open_form(qtbot, store)
    type_into(qtbot, w.summary, "Half-typed")
    type_into(qtbot, w.reporter_name, "William")
    link_row(qtbot, w, listed(qtbot, w, "William Armstrong"))
    qtbot.waitUntil(lambda: w.draft_id is not None, timeout=10_000)
    qtbot.waitUntil(lambda: drafts.load(store, w.draft_id).reporter_person_id
                    == known["william"].hex, timeout=10_000)  # fmt: skip
    draft_id = w.draft_id
    w._closing = True
    w.hide()
    again = open_form(qtbot, store, form=drafts.load(store, draft_id), draft_id=draft_id)
    qtbot.waitUntil(lambda: "William Armstrong" in again.reporter_link.label.text(),
                    timeout=10_000)  # fmt: skip
    assert again.reporter_link.isVisible() and "Repeat victim" in again.reporter_link.label.text()
    assert again.form().reporter_person_id == known["william"].hex


def test_a_person_gone_since_they_were_linked_is_refused_beside_their_name(qtbot, store, known):
    w = open_form(qtbot, store)
    fill_report(qtbot, w)
    type_into(qtbot, w.reporter_name, "William Armstrong")
    link_row(qtbot, w, listed(qtbot, w, "William Armstrong"))
    qtbot.waitUntil(w.reporter_link.isVisible, timeout=10_000)
    with store.write() as s:  # voided meanwhile, at another desk
        s.get(Person, known["william"]).voided = True
    cases_before = count(store, Contact)
    w.save()
    qtbot.waitUntil(lambda: bool(w.messages["reporter_name"].problem), timeout=10_000)
    assert w.messages["reporter_name"].problem == intake.NOT_LINKABLE
    assert w.isVisible() and count(store, Contact) == cases_before


def test_a_repeat_location_typed_says_so_under_the_location(qtbot, store, known):
    with store.write() as s:
        place = Place(name="Bitts Park", town="Carlisle")
        s.add(place)
    for case, month in ((known["first"], 5), (known["second"], 6),
                        (new_case(store, "CAR-2026-0003"), 7)):  # fmt: skip
        report(store, case, datetime(2026, month, 2), place.id)
    w = open_form(qtbot, store)
    type_into(qtbot, w.location, "Bitts Park gates")
    message = w.messages["location"]
    qtbot.waitUntil(lambda: "Repeat location" in message.text.text(), timeout=10_000)
    assert message.text.text() == (
        "Repeat location – Bitts Park, Carlisle: 3 cases from 02/05/2026 to 02/07/2026 "
        "(3 or more in 12 months)."
    )
    assert message.isVisible() and not message.problem
