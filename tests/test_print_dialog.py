"""Printing from the app (real SQLite demo data, off-screen Qt, no mocks): the profile
defaults to public every time, a pack builds off the GUI thread with progress and can be
stopped, Save as PDF writes a marked file and one disclosure per save, printing goes through
QPrinter (here to a PDF file) and is recorded too, and the preview shows rendered pages."""

import io
import os
import stat
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QLabel
from sqlalchemy import func, select

from hubapp.domain.redaction import Profile
from hubapp.store import lookups, setup
from hubapp.store.schema import AuditEntry, Case, Hub
from hubapp.views.print_dialog import ACTIONS, CASE, PACK, PrintDialog

TODAY = date(2026, 6, 1)


def disclosures(store) -> list[AuditEntry]:
    with store.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.kind == "disclosure")))


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def books(demo_store):
    return lookups.load(demo_store), setup.current(demo_store)


@pytest.fixture
def a_case(demo_store, books):
    station = books[1]
    with demo_store.read() as s:
        row = s.execute(
            select(Case.id, Case.reference).where(Case.hub_id == station.hub_id).limit(1)
        ).one()
    return row.id, row.reference


def make(qtbot, store, books, **kw) -> PrintDialog:
    dialog = PrintDialog(store, books[0], books[1], today=TODAY, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)  # the hub's meetings
    return dialog


def test_the_profile_is_public_every_time(qtbot, demo_store, books, a_case):
    for kind in (CASE, PACK, ACTIONS, None):
        dialog = make(qtbot, demo_store, books, case=a_case, kind=kind)
        assert dialog.profile() is Profile.PUBLIC
        assert dialog.profile_buttons[Profile.PUBLIC].isChecked()
        dialog.profile_buttons[Profile.POLICE].setChecked(True)
        dialog.close()
    # no case selected: the case summary cannot be chosen, the pack is offered
    dialog = make(qtbot, demo_store, books)
    assert not dialog.kind_buttons[CASE].isEnabled() and dialog.kind() == PACK
    assert dialog.profile() is Profile.PUBLIC


def test_a_pack_builds_with_progress_and_can_be_stopped(qtbot, demo_store, books, tmp_path):
    dialog = make(qtbot, demo_store, books, kind=PACK)
    assert dialog.choice().meeting_day is None  # next meeting / open cases
    before = len(disclosures(demo_store))
    seen = []

    def stop_at_first(fraction, message):
        seen.append((fraction, message))
        dialog.cancel()

    task = dialog.build()
    task.progress.connect(stop_at_first)
    assert dialog.busy and dialog.progress.isVisible()
    assert not dialog.save_button.isEnabled() and dialog.close_button.text() == "S&top"
    with qtbot.waitSignal(task.cancelled, timeout=20_000):
        pass
    assert seen and 0.0 <= seen[0][0] < 1.0
    assert dialog.document is None and not dialog.busy
    assert "nothing was printed or saved" in dialog.status.text()
    assert dialog.save_button.isEnabled() and dialog.close_button.text() == "Close"
    assert list(tmp_path.glob("*.pdf")) == [] and len(disclosures(demo_store)) == before

    # run to the end: progress goes up to 1 and the pack is kept for printing
    fractions = []
    task = dialog.build()
    task.progress.connect(lambda f, _m: fractions.append(f))
    with qtbot.waitSignal(dialog.built, timeout=30_000) as built:
        pass
    document = built.args[0]
    assert document.kind == "meeting_pack" and document.profile is Profile.PUBLIC
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and len(fractions) > 5
    assert len(disclosures(demo_store)) == before  # building discloses nothing


def test_save_as_pdf_writes_the_marked_file_and_one_disclosure_each(
    qtbot, demo_store, books, a_case, tmp_path
):
    dialog = make(qtbot, demo_store, books, case=a_case)
    dialog.profile_buttons[Profile.PARTNER].setChecked(True)
    target = tmp_path / "summary.pdf"
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save_as(str(target))
    text = pdf_text(target.read_bytes())
    assert text.count("OFFICIAL-SENSITIVE") >= 2 and "Partner profile" in text
    assert a_case[1] in text
    [entry] = disclosures(demo_store)
    assert entry.details["profile"] == "partner" and entry.details["to"] == str(target)
    assert entry.details["document"] == "case_summary" and entry.details["how"] == "saved"
    assert entry.record_ids == [str(a_case[0])]

    # the public profile, saved again: OFFICIAL only, a second entry
    dialog.profile_buttons[Profile.PUBLIC].setChecked(True)
    public = tmp_path / "public.pdf"
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save_as(str(public))
    text = pdf_text(public.read_bytes())
    assert "OFFICIAL" in text and "OFFICIAL-SENSITIVE" not in text and "Public profile" in text
    assert [e.details["profile"] for e in disclosures(demo_store)] == ["partner", "public"]


def test_a_failed_save_says_so_in_one_sentence_and_writes_nothing(
    qtbot, demo_store, books, a_case, tmp_path
):
    dialog = make(qtbot, demo_store, books, case=a_case)
    with qtbot.waitSignal(dialog.failed, timeout=20_000) as failed:
        dialog.save_as(str(tmp_path / "missing" / "summary.pdf"))
    assert failed.args[0].startswith("The folder") and failed.args[0].endswith("does not exist.")
    assert dialog.status.text() == failed.args[0]
    assert list(tmp_path.rglob("*.pdf*")) == [] and not (tmp_path / "missing").exists()
    assert disclosures(demo_store) == []


def test_printing_an_action_sheet_goes_through_qprinter_and_is_recorded(
    qtbot, demo_store, books, tmp_path
):
    from PySide6.QtPrintSupport import QPrinter

    dialog = make(qtbot, demo_store, books, kind=ACTIONS)
    dialog.agency_combo.setCurrentIndex(dialog.agency_combo.findText("Cumbria Constabulary"))
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    with qtbot.waitSignal(dialog.printed, timeout=30_000) as printed:
        dialog.print_to(printer)
    pages = printed.args[0]
    assert pages == dialog.document.pages and len(PdfReader(out).pages) == pages
    [entry] = disclosures(demo_store)
    assert entry.details["how"] == "printed" and entry.details["document"] == "action_sheet"
    assert entry.details["profile"] == "public" and entry.details["to"] == str(out)
    if os.name == "posix":  # a printed file is readable by its owner only, as every file
        assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_the_preview_renders_the_pages_in_the_background(qtbot, demo_store, books, a_case):
    dialog = make(qtbot, demo_store, books, case=a_case)
    with qtbot.waitSignal(dialog.built, timeout=20_000):
        dialog.preview()
    window = dialog.preview_window
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: 0 in window.view.rendered_pages(), timeout=10_000)
    assert dialog.document.pdf and window.view.pages is not None
    assert len(window.view.pages) == dialog.document.pages
    image = window.view.pages.image(0, 36)  # half an A4 page's width at 72 dpi
    assert 290 <= image.width() <= 300 and image.pixelColor(5, 5).name() == "#ffffff"
    assert disclosures(demo_store) == []  # looking is not disclosing


def test_the_status_speaks_of_the_current_choice_and_counts_pages_in_english(
    qtbot, demo_store, books, a_case
):
    from hubapp.views.print_dialog import PreviewWindow

    dialog = make(qtbot, demo_store, books, case=a_case)
    with qtbot.waitSignal(dialog.built, timeout=20_000):
        dialog.build()
    document = dialog.document
    pages = f"{document.pages} page{'' if document.pages == 1 else 's'}"
    assert f": {pages}, Public profile" in dialog.status.text()
    assert "1 pages" not in dialog.status.text()
    window = PreviewWindow(document, dialog)
    qtbot.addWidget(window)
    assert any(f" · {pages} · " in label.text() for label in window.findChildren(QLabel))
    window.reject()  # finished: the preview lets go of the PDF
    dialog.profile_buttons[Profile.POLICE].setChecked(True)
    assert "Public profile" not in dialog.status.text()  # not stale
    with qtbot.waitSignal(dialog.built, timeout=20_000):
        dialog.build()
    assert "Police profile" in dialog.status.text()
    dialog.kind_buttons[PACK].setChecked(True)  # another document: the status goes too
    assert "Police profile" not in dialog.status.text()


def test_the_meetings_hub_and_meeting_are_preselected(qtbot, demo_store, books):
    from hubapp.store.casework import meetings

    with demo_store.read() as s:
        hub = s.scalar(select(Hub.id).where(Hub.code == "SLK"))
        assert s.scalar(select(func.count()).select_from(Hub)) > 1
    meeting = meetings.plan_meeting(demo_store, hub, date(2026, 7, 8))
    dialog = make(qtbot, demo_store, books, kind=PACK, hub_id=hub, meeting_id=meeting)
    choice = dialog.choice()
    assert (choice.kind, choice.hub_id, choice.meeting_day) == (PACK, hub, date(2026, 7, 8))


def test_every_input_is_closed_while_a_document_is_made(qtbot, demo_store, books, tmp_path):
    """While a pack is built (and a PDF saved), every input of the dialog is disabled but
    Stop, looked at as the work runs; each is as it was before once the work is done, has
    been stopped or has failed."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QWidget,
    )

    dialog = make(qtbot, demo_store, books, kind=PACK)
    kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox, QAbstractItemView)
    inputs = [w for w in dialog.findChildren(QWidget) if isinstance(w, kinds)
              and w.window() is dialog and w is not dialog.close_button]  # fmt: skip
    assert {dialog.hub_combo, dialog.meeting_combo, dialog.agency_combo} <= set(inputs)
    assert len(inputs) >= 12  # 3 documents, 3 lists, 3 profiles, 3 actions

    def name(w) -> str:
        return w.objectName() or w.text()

    def states() -> dict[str, bool]:
        return {name(w): w.isEnabled() for w in inputs}

    before = states()
    assert before["printHub"] and before["printMeeting"] and not before["printAgency"]
    seen = []

    def look(*_args) -> None:  # on the GUI thread, while the work runs
        stop = dialog.close_button
        seen.append(([name(w) for w in inputs if w.isEnabled()],
                     stop.isEnabled() and stop.text() == "S&top"))  # fmt: skip

    # built to the end
    task = dialog.build()
    task.progress.connect(look)
    look()
    with qtbot.waitSignal(dialog.built, timeout=30_000):
        pass
    assert len(seen) > 2 and all(seen_ == ([], True) for seen_ in seen), seen
    assert states() == before

    # stopped half-way (another profile: a new pack; not the partner profile, which the demo
    # data's lapsed sharing agreement stops for a reason first)
    seen.clear()
    dialog.profile_buttons[Profile.POLICE].setChecked(True)
    before = states()
    task = dialog.build()
    task.progress.connect(look)
    task.progress.connect(lambda *_a: dialog.cancel() if len(seen) > 1 else None)
    with qtbot.waitSignal(task.cancelled, timeout=30_000):
        pass
    assert len(seen) > 1 and all(seen_ == ([], True) for seen_ in seen), seen
    assert states() == before and not dialog.busy

    # failed: a save into a folder that is not there (the pack is built: saving starts now)
    seen.clear()
    dialog.profile_buttons[Profile.PUBLIC].setChecked(True)
    with qtbot.waitSignal(dialog.failed, timeout=30_000):
        dialog.save_as(str(tmp_path / "missing" / "pack.pdf"))
        look()
    assert seen == [([], True)]
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5_000)
    assert states() == before


def test_an_impatient_enter_does_not_stop_the_pack(qtbot, demo_store, books):
    """The focus falls to Stop as the other buttons close while a pack is built: Enter,
    pressed again, is not a request to stop."""
    from PySide6.QtCore import Qt

    dialog = make(qtbot, demo_store, books, kind=PACK)
    dialog.preview_button.setFocus()
    stopped = []
    with qtbot.waitSignal(dialog.built, timeout=30_000):
        task = dialog.build()
        task.cancelled.connect(lambda: stopped.append(True))
        assert dialog.busy and dialog.close_button.text() == "S&top"
        for target in (dialog.close_button, dialog):
            qtbot.keyClick(target, Qt.Key.Key_Return)
    assert not stopped and dialog.document is not None
    assert dialog.close_button.text() == "Close" and dialog.close_button.autoDefault()


@pytest.mark.parametrize("kind", [CASE, PACK, ACTIONS])
def test_no_line_of_the_dialog_is_cut_off_at_its_narrowest(qtbot, demo_store, books, a_case, kind):
    """At its minimum width (a 1366x768 screen shows it so), every wrapped line is whole and
    no list's text is elided."""
    from PySide6.QtWidgets import QComboBox, QLabel

    dialog = make(qtbot, demo_store, books, case=a_case, kind=kind)
    dialog.resize(dialog.minimumWidth(), 10)
    qtbot.waitUntil(lambda: dialog.height() >= dialog.minimumHeight() > 10, timeout=5_000)
    for label in dialog.findChildren(QLabel):
        if label.isVisible() and label.wordWrap() and label.text():
            assert label.height() >= label.heightForWidth(label.width()), label.text()
    for combo in dialog.findChildren(QComboBox):
        text = combo.currentText()
        room = combo.width() - 40  # the frame and the arrow
        assert combo.fontMetrics().horizontalAdvance(text) <= room, text
