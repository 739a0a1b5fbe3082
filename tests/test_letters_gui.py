"""The letters on screen, driven with pytest-qt: the letter dialog's live preview and its
problems beside the fields, sending in the background, the case's Communications tab, and
the template editor's live preview and versions. Real database files; every item model
checked with qtmodeltester."""

from __future__ import annotations

import io

import pytest
from casework import add_person, agency_id, new_case
from sqlalchemy import select

from hubapp.documents import letter as paper
from hubapp.store.casework import letters
from hubapp.store.schema import Communication, LetterTemplate

HOME = "12 Eden Street, Stanwix, Carlisle, CA3 9LS"


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def case(store):
    case_id = new_case(store, location="Bitts Park")
    people = {
        "vera": add_person(store, case_id, "Vera <b>Victim</b>", address=HOME),
        "val": add_person(store, case_id, "Val Victim", address="3 Eden Street, Carlisle"),
        "nora": add_person(store, case_id, "Nora Noaddress", role="witness"),
    }
    return case_id, people


def _settled(qtbot, dialog) -> None:
    """Wait until the dialog has read its choices and made (or refused) the preview of what
    it shows, so that the next signal is the outcome of the next change."""
    qtbot.waitUntil(lambda: getattr(dialog, "choices", True) is not None
                    and not dialog._timer.isActive() and not dialog._previews.running,
                    timeout=15_000)  # fmt: skip


def _dialog(qtbot, store, case_id):
    from hubapp.views.letter_dialog import LetterDialog

    dialog = LetterDialog(store, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    _settled(qtbot, dialog)
    return dialog


def test_the_preview_follows_the_choices_and_shows_problems_beside_them(qtbot, store, case,
                                                                       tmp_path):  # fmt: skip
    case_id, people = case
    dialog = _dialog(qtbot, store, case_id)
    police = agency_id(store, "POLICE")
    with qtbot.waitSignal(dialog.previewed, timeout=15_000) as made:
        dialog.choose(template="cpw", to=people["vera"], agency=police)
    assert made.args[0] is not None, [p.text() for p in dialog.problems.values()]
    text = _text(dialog.made.pdf)
    assert "Vera <b>Victim</b>" in text and "section 43" in text  # markup printed as typed
    qtbot.waitUntil(lambda: len(dialog.preview.rendered_pages()) >= 1, timeout=10_000)
    assert dialog.send_button.isEnabled()

    # a person with no address: the sentence beside "To", nothing to send
    with qtbot.waitSignal(dialog.previewed, timeout=15_000) as made:
        dialog.choose(to=people["nora"])
    assert made.args[0] is None
    problem = dialog.problems["to"]
    assert problem.isVisibleTo(dialog)
    assert problem.text() == ("Nora Noaddress has no address on record; add their address "
                              "before writing to them.")  # fmt: skip
    assert not dialog.send_button.isEnabled()

    # an agency that does not send the letter: beside "From"
    with qtbot.waitSignal(dialog.previewed, timeout=15_000):
        dialog.choose(to=people["vera"], agency=agency_id(store, "FIRE"))
    assert dialog.problems["agency"].isVisibleTo(dialog)
    assert not dialog.problems["to"].isVisibleTo(dialog)

    # the whole role: one preview with a letter each
    with qtbot.waitSignal(dialog.previewed, timeout=15_000) as made:
        dialog.choose(template="victim_update", to="victim", agency=police)
    assert [r.name for r in made.args[0].recipients] == ["Val Victim", "Vera <b>Victim</b>"]
    assert not any(p.isVisibleTo(dialog) for p in dialog.problems.values())


def test_send_saves_the_pdf_and_records_each_letter_in_the_background(qtbot, store, case,
                                                                     tmp_path):  # fmt: skip
    case_id, people = case
    dialog = _dialog(qtbot, store, case_id)
    with qtbot.waitSignal(dialog.previewed, timeout=15_000):
        dialog.choose(template="victim_update", to="victim",
                      agency=agency_id(store, "CUMBERLAND"))  # fmt: skip
    out = tmp_path / "letters.pdf"
    with qtbot.waitSignal(dialog.sent, timeout=20_000) as sent:
        task = dialog.send(str(out))
        assert task is not None and dialog.progress.isVisibleTo(dialog)
    assert sent.args[0].recipients == 2
    assert out.read_bytes() == sent.args[0].pdf
    with store.read() as s:
        rows = s.scalars(select(Communication)).all()
    assert {r.person_id for r in rows} == {people["vera"], people["val"]}


def test_the_case_window_lists_the_letters_on_its_communications_tab(qtbot, store, case,
                                                                    qtmodeltester):  # fmt: skip
    from hubapp.views.case_view import CaseWindow

    case_id, people = case
    paper.send(store, case_id, "cpw", [people["vera"]], "POLICE")
    window = CaseWindow(store, case_id)
    qtbot.addWidget(window)
    page = window.communications_page
    with qtbot.waitSignal(page.loaded, timeout=15_000) as loaded:
        window.show()
    assert len(loaded.args[0]) == 1
    model = page.model
    qtmodeltester.check(model)
    texts = [model.index(0, c).data() for c in range(model.columnCount())]
    assert "Vera <b>Victim</b>" in texts and "Community Protection Warning" in texts
    window.tabs.setCurrentIndex(window.communications_tab)
    assert page.write_button.isVisible()
    dialog = page.write_letter()
    _settled(qtbot, dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=15_000):
        dialog.choose(template="witness_thanks", to=people["vera"],
                      agency=agency_id(store, "POLICE"))  # fmt: skip
    files = window.attachments_page
    qtbot.waitUntil(lambda: files.model.rowCount() == 1, timeout=15_000)
    with qtbot.waitSignal(page.loaded, timeout=20_000) as reloaded:
        dialog.send(str(store.path.parent / "thanks.pdf"))
    assert len(reloaded.args[0]) == 2
    # the letter's PDF is on the Attachments tab too, without opening the case again
    qtbot.waitUntil(lambda: files.model.rowCount() == 2, timeout=15_000)
    assert "Sent 1 letter" in page.message.text()


def test_the_communications_model_passes_the_model_tester(qtmodeltester, store, case):
    from hubapp.models.communications import CommunicationsModel

    case_id, people = case
    paper.send(store, case_id, "victim_update", "victim", "POLICE")
    model = CommunicationsModel()
    model.set_records(letters.communications(store, case_id))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.index(0, 2).data() == "Letter, bulk"


def test_the_template_editor_previews_refuses_and_saves_a_new_version(qtbot, store):
    from hubapp.views.letter_templates import LetterTemplatesDialog

    dialog = LetterTemplatesDialog(store)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=15_000) as first:
        dialog.show()
    assert first.args[0] is not None and "Alex Example" in _text(first.args[0])
    with qtbot.waitSignal(dialog.versionsLoaded, timeout=15_000):
        dialog.choose("cpw")
    qtbot.waitUntil(lambda: dialog.current is not None and dialog.current.code == "cpw")
    _settled(qtbot, dialog)
    assert dialog.version_list.count() == 1

    # an unknown field: the sentence beside the text, no preview
    with qtbot.waitSignal(dialog.previewed, timeout=15_000) as bad:
        dialog.body_edit.setPlainText(dialog.body_edit.toPlainText() + "\n\nRing {sender.mobile}.")
    assert bad.args[0] is None
    assert "{sender.mobile}" in dialog.problems["body"].text()
    assert dialog.problems["body"].isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.saved, timeout=2_000, raising=False) as refused:
        dialog.reason_edit.setText("Add a phone line")
        dialog.save()
        qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=10_000)
    assert not refused.signal_triggered
    with store.read() as s:
        assert s.scalar(select(LetterTemplate.id)) is None  # nothing saved

    # fixed: the preview comes back, the save makes version 2
    with qtbot.waitSignal(dialog.previewed, timeout=15_000) as good:
        dialog.body_edit.setPlainText(dialog.body_edit.toPlainText().replace(
            "Ring {sender.mobile}.", "Ring 101 and ask for {sender.name}."))  # fmt: skip
    assert "Ring 101 and ask for Sam Sender." in _text(good.args[0])
    assert not dialog.problems["body"].isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.versionsLoaded, timeout=15_000) as versions:
        with qtbot.waitSignal(dialog.saved, timeout=15_000) as saved:
            dialog.save()
    assert saved.args[0] == 2
    assert [t.version for t in versions.args[0]] == [1, 2]
    assert dialog.version_list.item(0).text() == f"Version 2 by {store.user}: Add a phone line"
    assert dialog.message.text() == "Saved as version 2."


def test_the_letter_starts_from_the_cases_lead_agency_where_the_account_has_none(
        qtbot, store, case):  # fmt: skip
    """No account signed in (or one without an agency): the sender offered first is the
    case's lead agency, so the first preview is a letter, not an empty page."""
    from hubapp.store.schema import Case

    case_id, _people = case
    lead = agency_id(store, "CUMBERLAND")
    with store.write() as s:
        s.get(Case, case_id).lead_agency_id = lead
    dialog = _dialog(qtbot, store, case_id)
    assert dialog.agency_combo.currentData() == lead
    assert not dialog.problems["agency"].isVisibleTo(dialog)


def test_the_letter_offered_follows_whom_it_is_to_until_one_is_chosen(qtbot, store):
    """A victim is offered an update, never a warning; the alleged perpetrator a warning; once
    the person picks a letter themselves, changing whom it is to keeps their choice."""
    case_id = new_case(store, location="Bitts Park")
    vera = add_person(store, case_id, "Vera Victim", address=HOME)
    ali = add_person(store, case_id, "Ali Alleged", role="alleged_perpetrator", address=HOME)
    dialog = _dialog(qtbot, store, case_id)
    to = {dialog.to_combo.itemData(i)[1]: i for i in range(dialog.to_combo.count())}
    dialog.to_combo.setCurrentIndex(to[vera])
    assert dialog.template_combo.currentData() == "victim_update"
    dialog.to_combo.setCurrentIndex(to[ali])
    assert dialog.template_combo.currentData() == "asb_warning"
    cpw = dialog.template_combo.findData("cpw")
    dialog.template_combo.setCurrentIndex(cpw)
    dialog.template_combo.activated.emit(cpw)  # as a click on the list does
    dialog.to_combo.setCurrentIndex(to[vera])
    assert dialog.template_combo.currentData() == "cpw"
