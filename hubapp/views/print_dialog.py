"""File > Print… (Ctrl+P): choose a document and the redaction profile, then preview, print
or save it as PDF.

The profile is chosen every time: the dialog always opens on the safest one (public) and
never remembers another. Documents are built off the GUI thread (a meeting pack reports its
progress and can be stopped); printing and saving run in the background too. Each print and
each save is recorded as a disclosure in the audit log (``printing.save`` records its own;
a print is recorded by :func:`print_job` once the pages have gone to the printer).
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDir, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import format_date, plural
from hubapp.domain.redaction import DEFAULT_PROFILE, Profile
from hubapp.models.tasks import LatestTask, Task, said

log = logging.getLogger(__name__)

CASE, PACK, ACTIONS = "case_summary", "meeting_pack", "action_sheet"

PROFILE_NOTES = {
    Profile.PUBLIC: "No personal data at all: for a community update or a public meeting. "
    "Marked OFFICIAL.",
    Profile.PARTNER: "People by their role and initials, no contact details, no police-only "
    "notes: for partner agencies. Marked OFFICIAL-SENSITIVE.",
    Profile.POLICE: "Everything recorded, names and contact details included: for police "
    "use only. Marked OFFICIAL-SENSITIVE.",
}


def tr(text: str) -> str:
    return QCoreApplication.translate("PrintDialog", text)


@dataclass(frozen=True)
class Choice:
    """What to build: the document, its subject and the profile."""

    kind: str
    profile: Profile
    case_id: uuid.UUID | None = None
    hub_id: uuid.UUID | None = None
    meeting_day: date | None = None
    agency_id: uuid.UUID | None = None


# --- background work (no widgets) -------------------------------------------------------


def build_job(ctx, store, choice: Choice, today: date | None = None, reason: str | None = None):
    """Build the chosen document (``printing.Document``); a cancelled pack ends the task
    as cancelled (``DocumentCancelled`` is the core's ``Cancelled``). ``reason``: why a
    partner pack goes ahead without a current sharing agreement."""
    from hubapp.documents import printing

    if choice.kind == CASE:
        return printing.case_summary(store, choice.case_id, choice.profile, today=today)
    if choice.kind == PACK:
        return printing.meeting_pack(store, choice.hub_id, choice.profile,
                                     day=choice.meeting_day, today=today,
                                     progress=ctx.report, reason=reason)  # fmt: skip
    return printing.action_sheet(store, choice.agency_id, choice.profile,
                                 hub=choice.hub_id, today=today, reason=reason)  # fmt: skip


def save_job(_ctx, store, document, path: str) -> Path:
    from hubapp.documents import printing

    return printing.save(store, document, path)


def _private_file(path: str) -> bool:
    """Make the empty file ``path`` readable by its owner only; whether it was made."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        return False
    return True


def print_job(ctx, store, document, pages, printer) -> int:
    """Print every page (or the chosen range), then record the disclosure."""
    from hubapp.documents import printing
    from hubapp.views.pdf_preview import print_pages

    # "Print to file" keeps the printer's name but sends the pages to the file: the file is
    # where they went. Qt writes that file itself: it is made first, readable by its owner
    # only, as every file hubapp writes (Qt keeps the mode of a file it truncates; on Windows
    # the folder's own permissions guard it). A real printer has no file name.
    out = printer.outputFileName()
    made = out and os.name == "posix" and not os.path.lexists(out) and _private_file(out)
    try:
        sent = print_pages(ctx, pages, printer)
    except BaseException:
        if made and os.path.getsize(out) == 0:
            os.unlink(out)
        raise
    finally:
        pages.close()
    if out and os.name == "posix":
        with contextlib.suppress(OSError):
            os.chmod(out, 0o600)
    target = out or printer.printerName() or tr("a printer")
    printing.record_disclosure(store, document, "printed", target)
    return sent


def meetings_job(_ctx, store, hub_id: uuid.UUID, meeting_id):
    """Background work: the hub's meetings (and the meeting to choose among them)."""
    from hubapp.store.casework import meetings

    return meetings.list_meetings(store, hub_id), meeting_id


# --- the dialog ---------------------------------------------------------------------------


class PrintDialog(QDialog):
    """``case``: the selected case as (id, reference), or None. ``kind`` preselects a
    document; ``hub_id`` and ``meeting_id`` preselect a pack's hub and meeting."""

    #: a document was built (the ``printing.Document``)
    built = Signal(object)
    #: the PDF was saved (its path) / sent to the printer (pages)
    saved = Signal(object)
    printed = Signal(int)
    #: something failed, in one sentence
    failed = Signal(str)

    def __init__(self, store, lookups, station, parent=None, *, case=None, kind=None,
                 hub_id=None, meeting_id=None, today: date | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("printDialog")
        self.setWindowTitle(tr("Print"))
        self.store, self.lookups, self.station = store, lookups, station
        self.case = case
        self.today = today
        self.document = None
        self._built_for: Choice | None = None
        self._status_for: Choice | None = None  # the choice the status line speaks of
        self.task: Task | None = None
        self.preview_window = None
        #: (choice, reason) given to print a partner pack without a current sharing agreement,
        #: and the question asking it (hubapp.views.disclosure_reason)
        self._reason: tuple[Choice, str] | None = None
        self.reason_prompt = None
        #: reading the chosen hub's meetings (the latest hub chosen wins)
        self._meetings = LatestTask(self, self._show_meetings, self._meetings_failed)
        self._build()
        self._fill(hub_id, meeting_id)
        if kind is None:
            kind = CASE if case is not None else PACK
        self.kind_buttons[kind].setChecked(True)
        self._kind_changed()

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        what = QGroupBox(tr("What to print"), self)
        grid = QGridLayout(what)
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        ref = self.case[1] if self.case else ""
        texts = {
            CASE: tr("&Case summary of {0}").format(ref) if ref else
            tr("&Case summary (select a case in the list first)"),
            PACK: tr("&Meeting pack"),
            ACTIONS: tr("An agency's &action sheet"),
        }  # fmt: skip
        for row, kind in enumerate((CASE, PACK, ACTIONS)):
            button = QRadioButton(texts[kind], self, objectName=f"kind-{kind}")
            self.kind_group.addButton(button)
            self.kind_buttons[kind] = button
            grid.addWidget(button, row * 2, 0, 1, 3)
            button.toggled.connect(self._kind_changed)
        self.kind_buttons[CASE].setEnabled(self.case is not None)
        self.hub_combo = QComboBox(self, objectName="printHub")
        self.meeting_combo = QComboBox(self, objectName="printMeeting")
        self.agency_combo = QComboBox(self, objectName="printAgency")
        self.hub_combo.currentIndexChanged.connect(lambda _i: self._fill_meetings(None))
        indent = 28
        # the hub above the meeting, each list as wide as the dialog: side by side, the
        # meeting's text was cut off at 1366x768
        pack_grid = QGridLayout()
        pack_grid.setContentsMargins(indent, 0, 0, 0)
        hub_label = QLabel(tr("&Hub:"), self)
        hub_label.setBuddy(self.hub_combo)
        pack_grid.addWidget(hub_label, 0, 0)
        pack_grid.addWidget(self.hub_combo, 0, 1)
        meeting_label = QLabel(tr("M&eeting:"), self)
        meeting_label.setBuddy(self.meeting_combo)
        pack_grid.addWidget(meeting_label, 1, 0)
        pack_grid.addWidget(self.meeting_combo, 1, 1)
        pack_grid.setColumnStretch(1, 1)
        grid.addLayout(pack_grid, 3, 0, 1, 3)
        agency_row = QHBoxLayout()
        agency_row.setContentsMargins(indent, 0, 0, 0)
        agency_label = QLabel(tr("A&gency:"), self)
        agency_label.setBuddy(self.agency_combo)
        agency_row.addWidget(agency_label)
        agency_row.addWidget(self.agency_combo, 1)
        grid.addLayout(agency_row, 5, 0, 1, 3)
        # under the list, wrapped: beside it, a long hub name was cut off at the dialog's edge
        self.agency_scope = QLabel(self, objectName="printAgencyScope")
        self.agency_scope.setWordWrap(True)
        self.agency_scope.setStyleSheet(f"color:#444; margin-left:{indent}px;")
        grid.addWidget(self.agency_scope, 6, 0, 1, 3)

        who = QGroupBox(tr("Who it is for (redaction profile) — chosen each time"), self)
        who_layout = QVBoxLayout(who)
        self.profile_group = QButtonGroup(self)
        self.profile_buttons: dict[Profile, QRadioButton] = {}
        keys = {Profile.PUBLIC: "P&ublic", Profile.PARTNER: "Pa&rtner", Profile.POLICE: "P&olice"}
        for profile in (Profile.PUBLIC, Profile.PARTNER, Profile.POLICE):
            button = QRadioButton(tr(keys[profile]), self, objectName=f"profile-{profile.value}")
            note = QLabel(tr(PROFILE_NOTES[profile]), self)
            note.setWordWrap(True)
            note.setStyleSheet("color:#444; margin-left:24px;")
            self.profile_group.addButton(button)
            self.profile_buttons[profile] = button
            who_layout.addWidget(button)
            who_layout.addWidget(note)
        self.profile_buttons[DEFAULT_PROFILE].setChecked(True)

        self.progress = QProgressBar(self, objectName="printProgress")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = QLabel(self, objectName="printStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        self.preview_button = QPushButton(tr("Pre&view"), self, objectName="printPreview")
        self.save_button = QPushButton(tr("&Save as PDF…"), self, objectName="printSave")
        self.print_button = QPushButton(tr("&Print…"), self, objectName="printPrint")
        self.close_button = QPushButton(tr("Close"), self, objectName="printClose")
        self.preview_button.setDefault(True)
        self.preview_button.clicked.connect(self.preview)
        self.save_button.clicked.connect(lambda: self.save_as())
        self.print_button.clicked.connect(lambda: self.print_to())
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.preview_button, self.save_button, self.print_button, self.close_button):
            buttons.addWidget(b)
        self.action_buttons = (self.preview_button, self.save_button, self.print_button)

        # a status about a built document goes once the choice no longer matches it
        self.kind_group.buttonToggled.connect(self._choice_changed)
        self.profile_group.buttonToggled.connect(self._choice_changed)
        for combo in (self.hub_combo, self.meeting_combo, self.agency_combo):
            combo.currentIndexChanged.connect(self._choice_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(who)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(620)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # the wrapped notes take more lines as the dialog narrows: its height follows, so
        # that no line is ever cut off (a dialog's layout does not do this by itself)
        need = self.layout().heightForWidth(self.width())
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)

    def _fill(self, hub_id, meeting_id) -> None:
        for hub in self.lookups.hub_list(active_only=True):
            self.hub_combo.addItem(tr("{0} hub").format(hub.name), hub.id.hex)
        wanted = hub_id or (self.station.hub_id if self.station else None)
        if wanted is not None:
            self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(wanted.hex)))
        self._fill_meetings(meeting_id)
        for agency in sorted(self.lookups.agencies.values(), key=lambda a: a.name):
            self.agency_combo.addItem(agency.name, agency.id.hex)

    def _fill_meetings(self, meeting_id) -> None:
        """The chosen hub's meetings, read in the background (``meeting_id`` is chosen once
        they are there); the buttons wait for them, so a pack is never built for another
        meeting than the one shown."""
        self.meeting_combo.clear()
        self.meeting_combo.addItem(tr("Next meeting (or the open cases if none is planned)"), "")
        self.agency_scope.setText(tr("The sheet lists the agency's actions on the cases of the {0}.")
                                  .format(self.hub_combo.currentText()))  # fmt: skip
        hub = self.hub_id()
        if hub is None:
            self._meetings.cancel()
            self._enable_actions()
            return
        self._meetings.start(meetings_job, self.store, hub, meeting_id)
        self._enable_actions()

    @property
    def loading(self) -> bool:
        """The hub's meetings are still being read."""
        return self._meetings.running

    def _show_meetings(self, result) -> None:
        found, meeting_id = result
        for m in found:
            text = format_date(m.meets_on) + (f" {m.starts_at}" if m.starts_at else "")
            text += " · " + (tr("held") if m.status == "held" else tr("planned"))
            self.meeting_combo.addItem(text, m.meets_on.isoformat())
            if m.id == meeting_id:
                self.meeting_combo.setCurrentIndex(self.meeting_combo.count() - 1)
        self._enable_actions(reading=False)

    def _meetings_failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self._enable_actions(reading=False)
        self._say(user_message(exc))

    def _enable_actions(self, reading: bool | None = None) -> None:
        reading = self.loading if reading is None else reading
        for b in getattr(self, "action_buttons", ()):
            b.setEnabled(not self.busy and not reading)

    def hub_id(self) -> uuid.UUID | None:
        value = self.hub_combo.currentData()
        return uuid.UUID(hex=value) if value else None

    def _kind_changed(self) -> None:
        self._enable_lists(self.busy)

    def _enable_lists(self, busy: bool) -> None:
        """The lists the chosen document needs are open (none while a document is made)."""
        kind, idle = self.kind(), not busy
        self.meeting_combo.setEnabled(idle and kind == PACK)
        self.hub_combo.setEnabled(idle and kind in (PACK, ACTIONS))
        self.agency_combo.setEnabled(idle and kind == ACTIONS)
        self.agency_scope.setEnabled(idle and kind == ACTIONS)

    # -- the choice ----------------------------------------------------------------------
    def kind(self) -> str:
        for kind, button in self.kind_buttons.items():
            if button.isChecked():
                return kind
        return PACK

    def profile(self) -> Profile:
        for profile, button in self.profile_buttons.items():
            if button.isChecked():
                return profile
        return DEFAULT_PROFILE

    def choice(self) -> Choice:
        kind = self.kind()
        if kind == CASE:
            return Choice(CASE, self.profile(), case_id=self.case[0])
        if kind == PACK:
            day = self.meeting_combo.currentData()
            return Choice(PACK, self.profile(), hub_id=self.hub_id(),
                          meeting_day=date.fromisoformat(day) if day else None)  # fmt: skip
        agency = self.agency_combo.currentData()
        return Choice(ACTIONS, self.profile(), hub_id=self.hub_id(),
                      agency_id=uuid.UUID(hex=agency) if agency else None)  # fmt: skip

    # -- building ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None

    def build(self, then=None) -> Task | None:
        """Build the chosen document in the background, then call ``then(document)``; a
        document already built for the same choice is reused."""
        choice = self.choice()
        if self.document is not None and self._built_for == choice:
            if then is not None:
                then(self.document)
            return None
        title = tr("Building the meeting pack…") if choice.kind == PACK else tr("Building…")
        reason = self._reason[1] if self._reason and self._reason[0] == choice else None
        task = Task(build_job, self.store, choice, self.today, reason)
        task.succeeded.connect(lambda doc: self._built(doc, choice, then))
        task.failed.connect(lambda exc: self._ask_reason(exc, choice, then))
        return self._run(task, title)

    def _ask_reason(self, exc: BaseException, choice: Choice, then) -> None:
        """A partner pack without a current sharing agreement: ask a coordinator's reason
        (hubapp.views.disclosure_reason), then build it again with it."""
        from hubapp.store.admin.sharing import NoAgreement
        from hubapp.views.disclosure_reason import ask_reason

        if not isinstance(exc, NoAgreement):
            return

        def go(reason: str) -> None:
            self._reason = (choice, reason)
            self.build(then)

        self.reason_prompt = ask_reason(self, self.store, str(exc), go)

    def _run(self, task: Task, text: str) -> Task:
        self._set_busy(True, text)
        task.progress.connect(self._on_progress)
        task.failed.connect(said(self._on_failed))
        task.cancelled.connect(lambda: self._say(tr("Stopped; nothing was printed or saved.")))
        task.finished.connect(lambda: self._set_busy(False))
        self.task = task.start()
        return self.task

    def _built(self, document, choice: Choice, then) -> None:
        self.document = document
        self._built_for = choice
        self._say(tr("{title}: {pages}, {profile} profile, marked {marking}.").format(
            title=document.title, pages=plural(document.pages, tr("page")),
            profile=document.profile.label, marking=document.marking))  # fmt: skip
        self._status_for = choice
        self.built.emit(document)
        if then is not None:
            then(document)

    def _choice_changed(self, *_args) -> None:
        """The document or profile changed: a status about the one built before is stale."""
        if self._status_for is not None and not self.busy and self.choice() != self._status_for:
            self._status_for = None
            self._say("")

    def _set_busy(self, busy: bool, text: str = "") -> None:
        """While a document is built, saved or printed, every input is closed (the document
        is made from the choice as it was) but Stop; all open again when it ends, however."""
        if not busy:
            self.task = None
        # the focus falls to Stop as the other buttons close (so first): Enter pressed again,
        # as an impatient person does, must not stop the build (Space or a click still do)
        self.close_button.setAutoDefault(not busy)
        for b in self.action_buttons:
            b.setEnabled(not busy and not self.loading)
        for group in (self.kind_buttons.values(), self.profile_buttons.values()):
            for b in group:
                b.setEnabled(
                    not busy and (b is not self.kind_buttons[CASE] or self.case is not None)
                )
        self._enable_lists(busy)
        self.close_button.setText(tr("S&top") if busy else tr("Close"))
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        if busy:
            self._say(text)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.status.setText(message)

    def _on_failed(self, message: str) -> None:
        self._say(message, error=True)
        self.failed.emit(message)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color:#a4161a; font-weight:bold;" if error else "")

    def cancel(self) -> None:
        if self.task is not None and not self.task.context.cancelled:
            self._say(tr("Stopping… nothing will be printed or saved."))
            self.task.cancel()

    def reject(self) -> None:
        """Close, Escape and the window's close button: stop running work first."""
        if self.task is not None:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.task is not None:
            event.ignore()
            self.cancel()
            return
        super().closeEvent(event)

    # -- preview, save, print ------------------------------------------------------------
    def preview(self) -> None:
        self.build(self._show_preview)

    def _show_preview(self, document) -> None:
        if self.preview_window is not None:
            self.preview_window.close()
        self.preview_window = PreviewWindow(document, self)
        self.preview_window.saveRequested.connect(lambda: self.save_as())
        self.preview_window.printRequested.connect(lambda: self.print_to())
        self.preview_window.show()

    def save_as(self, path: str | None = None) -> None:
        """Save the chosen document as PDF (asks for the file unless ``path`` is given)."""

        def go(document) -> None:
            target = path
            if target is None:
                target, _ = QFileDialog.getSaveFileName(
                    self.preview_window or self, tr("Save as PDF"),
                    str(Path(QDir.homePath()) / document.suggested_name()),
                    tr("PDF files (*.pdf)"),
                )  # fmt: skip
                if not target:
                    return
                if not target.lower().endswith(".pdf"):
                    target += ".pdf"
            task = Task(save_job, self.store, document, target)
            task.succeeded.connect(self._saved)
            self._run(task, tr("Saving…"))

        self.build(go)

    def _saved(self, path) -> None:
        self._say(tr("Saved as {0}. Keep it on an approved drive; it is recorded as a "
                     "disclosure.").format(path))  # fmt: skip
        self.saved.emit(path)

    def print_to(self, printer=None) -> None:
        """Print the chosen document (asks for the printer unless ``printer`` is given)."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        from hubapp.views.pdf_preview import PdfPages

        def go(document) -> None:
            chosen = printer
            if chosen is None:
                chosen = QPrinter(QPrinter.PrinterMode.HighResolution)
                chosen.setDocName(document.title)
                dialog = QPrintDialog(chosen, self.preview_window or self)
                dialog.setMinMax(1, document.pages)
                if dialog.exec() != QDialog.DialogCode.Accepted:
                    return
            self._printer = chosen  # kept alive while the job runs
            task = Task(print_job, self.store, document, PdfPages(document.pdf), chosen)
            task.succeeded.connect(self._printed)
            self._run(task, tr("Printing…"))

        self.build(go)

    def _printed(self, pages: int) -> None:
        self._say(tr("{0} sent to the printer; recorded as a disclosure.").format(
            plural(pages, tr("page"))))  # fmt: skip
        self.printed.emit(pages)


class PreviewWindow(QDialog):
    """The built document's pages, with Print… and Save as PDF… at hand."""

    saveRequested = Signal()
    printRequested = Signal()

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        from hubapp.views.pdf_preview import PdfPreview

        self.setObjectName("printPreviewWindow")
        self.setWindowTitle(tr("Print preview – {0}").format(document.title))
        self.document = document
        self.view = PdfPreview(self)
        bar = QWidget(self)
        bar.setObjectName("previewBar")
        bar.setStyleSheet("#previewBar { background:#eef1f4; border-bottom:1px solid #c9ced4; }")
        info = QLabel(tr("<b>{title}</b> · {pages} · {profile} profile · "
                         "marked <b>{marking}</b>").format(
            title=_escape(document.title), pages=_escape(plural(document.pages, tr("page"))),
            profile=document.profile.label, marking=document.marking), bar)  # fmt: skip
        info.setTextFormat(Qt.TextFormat.RichText)
        print_button = QPushButton(tr("&Print…"), bar, objectName="previewPrint")
        save_button = QPushButton(tr("&Save as PDF…"), bar, objectName="previewSave")
        close_button = QPushButton(tr("Close"), bar)
        print_button.clicked.connect(self.printRequested)
        save_button.clicked.connect(self.saveRequested)
        close_button.clicked.connect(self.close)
        row = QHBoxLayout(bar)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(info, 1)
        row.addWidget(print_button)
        row.addWidget(save_button)
        row.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.view, 1)
        for keys, step in (("PgDown", 1), ("PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(
                lambda s=step: self.view.scroll_to_page(self.view.current_page() + s)
            )
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            self.resize(min(1000, screen.width() - 40), screen.height() - 40)
        else:
            self.resize(1000, 720)
        self.view.set_pdf(document.pdf)
        self.finished.connect(lambda _r: self.view.release())
        print_button.setFocus()


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
