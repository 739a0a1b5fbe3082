"""Tools > Audit log…: the audit log for administrators.

A filter bar (from and to dates, user, kind, record id or case reference, words in the
reason: Enter searches), the entries newest first (read a page at a time in the background
as the table scrolls, so a log of millions stays quick), the selected entry's every field
below, "Verify chain" (in the background, with progress and Stop) and "Export…" (CSV or
JSON, in the background with progress and Cancel; itself recorded as a disclosure).
Everything is reached from the keyboard; user text is shown as plain text.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
)
from shiboken6 import isValid

from hubapp.domain.formatting import format_date, format_datetime
from hubapp.models.audit_log import AuditLogModel, EntryRole, entity_name
from hubapp.models.tasks import LatestTask, Task, said
from hubapp.views.progress import ProgressDialog

KINDS = ("collection", "alteration", "consultation", "disclosure", "combination", "erasure")
ERROR_STYLE = "color: #a4161a;"


def tr(text: str) -> str:
    return QCoreApplication.translate("AuditViewer", text)


# --- background work (the database layer is imported only here) ---------------------------


def load_page(_ctx, store, f, before, limit):
    from hubapp.store.admin import audit_query

    rows = audit_query.page(store, f, before=before, limit=limit + 1)
    return rows[:limit], len(rows) > limit, before is None  # (rows, more, a first page)


def verify_job(ctx, store):
    from hubapp.store.admin import audit_query

    return audit_query.verify(store, ctx.report)


def export_job(ctx, store, path, fmt, f):
    from hubapp.store.admin import audit_query

    return audit_query.export(store, path, fmt, f, progress=ctx.report)


def describe_entry(row) -> str:
    """Every field of an entry, one to a line, for the details pane (plain text)."""
    lines = [
        tr("Entry: {0}").format(row.id),
        tr("When: {0} (UK time); {1} UTC").format(
            format_datetime(row.at), row.at.isoformat(timespec="milliseconds")),
        tr("User: {0}").format(row.user),
        tr("Station: {0}").format(row.station or (str(row.station_id) if row.station_id else "")),
        tr("Kind: {0}").format(row.kind),
        tr("Records: {0} ({1})").format(entity_name(row.entity), len(row.record_ids)),
    ]  # fmt: skip
    lines += [f"    {rid}" for rid in row.record_ids]
    lines.append(tr("Reason: {0}").format(row.reason))
    if row.details:
        lines.append(tr("Details:"))
        text = json.dumps(row.details, ensure_ascii=False, indent=2, sort_keys=True)
        lines += ["    " + line for line in text.splitlines()]
    lines.append(tr("Hash: {0}").format(row.hash))
    lines.append(tr("Previous entry's hash: {0}").format(row.prev_hash or tr("(none: the first)")))
    return "\n".join(lines)


def _plain_label(text: str = "", parent=None, **kw) -> QLabel:
    label = QLabel(text, parent, **kw)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _FileExport(ProgressDialog):
    """A format, a file, then the export in the background with progress and Cancel.

    Subclasses give the names (``PREFIX`` for object names, ``TITLE``, ``STEM`` of the
    proposed file name), the ``FORMATS`` ((label, extension, file-dialog filter) each) and
    ``job(path, fmt)``, which starts the background task; their ``_on_done`` keeps the
    result."""

    PREFIX = TITLE = STEM = ""
    FORMATS: tuple[tuple[str, str, str], ...] = ()

    def __init__(self, store, intro: str, parent=None, *, width: int = 460) -> None:
        super().__init__(parent)
        self.setObjectName(f"{self.PREFIX}Dialog")
        self.setWindowTitle(self.TITLE)
        self.store = store
        self.path: str | None = None
        note = _plain_label(intro, self)
        note.setWordWrap(True)
        self.intro = note
        self.format = QComboBox(self, objectName=f"{self.PREFIX}Format")
        for label, fmt, _filter in self.FORMATS:
            self.format.addItem(label, fmt)
        self.add_progress(self.PREFIX)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr("&Export…"))
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("&Format:"), self.format)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(width, 0)

    def ask_path(self) -> str | None:
        fmt = self.format.currentData()
        file_filter = next(f for _l, x, f in self.FORMATS if x == fmt)
        path, _ = QFileDialog.getSaveFileName(self, self.TITLE, f"{self.STEM}.{fmt}", file_filter)
        if not path:
            return None
        return path if path.lower().endswith(f".{fmt}") else f"{path}.{fmt}"

    def start(self, path: str | None = None) -> None:
        path = path or self.ask_path()
        if not path:
            return
        self.path = path
        self.format.setEnabled(False)
        self.ok.setEnabled(False)
        self.progress.show()
        self.status.setStyleSheet("")
        self.job(path, self.format.currentData())

    def job(self, path: str, fmt: str) -> None:
        raise NotImplementedError

    def cancelling_text(self) -> str:
        return tr("Cancelling… no file will be written.")

    def _on_failed(self, message: str) -> None:
        if self.task is not None and self.task.context.cancelled:
            self._on_cancelled()
            return
        self.progress.hide()
        self.status.setText(message)
        self.status.setStyleSheet(ERROR_STYLE)
        self.format.setEnabled(True)
        self.ok.setEnabled(True)


class AuditExportDialog(_FileExport):
    """The entries the filter shows, as CSV or JSON."""

    PREFIX, STEM = "auditExport", "audit-log"

    def __init__(self, store, f, parent=None) -> None:
        self.TITLE = tr("Export the audit log")
        self.FORMATS = (
            (tr("CSV for spreadsheets (.csv)"), "csv", tr("CSV file (*.csv)")),
            (tr("JSON (.json)"), "json", tr("JSON file (*.json)")),
        )
        super().__init__(store, tr(
            "The entries shown by the filter are written to the file, oldest first. The "
            "export is itself recorded in the audit log as a disclosure."), parent)  # fmt: skip
        self.filter = f
        self.result: int | None = None

    def job(self, path: str, fmt: str) -> None:
        self.run_task(export_job, self.store, path, fmt, self.filter)

    def _on_done(self, count: int) -> None:
        self.result = count
        self.accept()


class AuditViewer(QDialog):
    #: a search finished: the number of entries on show
    loaded = Signal(int)
    #: a chain check finished: its ChainCheck
    verified = Signal(object)

    PAGE = 200

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("auditViewer")
        self.setWindowTitle(tr("Audit log"))
        self.store = store
        self.model = AuditLogModel(self)
        self.model.moreWanted.connect(self._more)
        self._filter = None
        #: pages of the search on show: a new search wins over the pages of the one before
        self._pages = LatestTask(self, self._got_page, said(self._page_failed))
        self._verify_task: Task | None = None
        #: a sentence to show with the next search's count (after an export)
        self._note = ""
        self._build()
        self.resize(1100, 700)
        self.search()

    # -- building -----------------------------------------------------------------------
    def _build(self) -> None:
        bar = QGridLayout()
        self.since = QLineEdit(self, objectName="auditSince", placeholderText="dd/mm/yyyy")
        self.until = QLineEdit(self, objectName="auditUntil", placeholderText="dd/mm/yyyy")
        self.user = QLineEdit(self, objectName="auditUser")
        self.kind = QComboBox(self, objectName="auditKind")
        self.kind.addItem(tr("Any kind"), "")
        for kind in KINDS:
            self.kind.addItem(kind, kind)
        self.record = QLineEdit(self, objectName="auditRecord",
                                placeholderText=tr("case reference or id"))  # fmt: skip
        self.text = QLineEdit(self, objectName="auditText")
        self.search_button = QPushButton(tr("&Search"), self, objectName="auditSearch")
        self.search_button.setAutoDefault(False)
        self.search_button.clicked.connect(lambda: self.search())
        fields = ((tr("&From:"), self.since), (tr("&To:"), self.until), (tr("&User:"), self.user),
                  (tr("&Kind:"), self.kind), (tr("&Record:"), self.record),
                  (tr("Reaso&n has:"), self.text))  # fmt: skip
        for i, (text, widget) in enumerate(fields):
            label = QLabel(text, self)
            label.setBuddy(widget)
            bar.addWidget(label, i // 3, (i % 3) * 2)
            bar.addWidget(widget, i // 3, (i % 3) * 2 + 1)
            if isinstance(widget, QLineEdit):
                widget.returnPressed.connect(lambda: self.search())
        bar.addWidget(self.search_button, 1, 6)  # after the last field, as Tab goes
        self.problem = _plain_label("", self, objectName="auditProblem")
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.setWordWrap(True)
        self.problem.hide()

        self.table = QTableView(self, objectName="auditTable")
        self.table.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        self.table.setAccessibleName(tr("Audit entries"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((130, 110, 170, 100, 150)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_current())
        self.model.modelReset.connect(self._show_current)
        self.details = QPlainTextEdit(self, objectName="auditDetails")
        self.details.setAccessibleName(tr("The entry in full"))
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)

        self.status = _plain_label("", self, objectName="auditStatus")
        self.status.setWordWrap(True)
        #: the chain check's progress and verdict (kept apart from the count below the table)
        self.chain = _plain_label("", self, objectName="auditChain")
        self.chain.setWordWrap(True)
        self.chain.hide()
        self.verify_progress = QProgressBar(self, objectName="auditVerifyProgress")
        self.verify_progress.setRange(0, 1000)
        self.verify_progress.hide()
        self.verify_button = QPushButton(tr("&Verify chain"), self, objectName="auditVerify")
        self.verify_button.setAutoDefault(False)
        self.verify_button.clicked.connect(self.verify)
        self.stop_button = QPushButton(tr("Sto&p"), self, objectName="auditStop")
        self.stop_button.setAutoDefault(False)
        self.stop_button.clicked.connect(self.stop_verify)
        self.stop_button.hide()
        self.export_button = QPushButton(tr("&Export…"), self, objectName="auditExport")
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(lambda: self.export())
        close = QPushButton(tr("Close"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.verify_progress, 1)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.problem)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.chain)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self._focus_filters)

    def _focus_filters(self) -> None:
        self.since.setFocus()
        self.since.selectAll()

    # -- searching ----------------------------------------------------------------------
    def current_filter(self):
        """The filter the bar describes; ValueError with one sentence when a date is wrong."""
        from hubapp.store.admin.audit_query import AuditFilter, day_range, parse_day

        days = []
        for edit in (self.since, self.until):
            text = edit.text().strip()
            try:
                days.append(parse_day(text) if text else None)
            except ValueError as exc:
                edit.setFocus()
                raise ValueError(str(exc)) from None
        if days[0] and days[1] and days[0] > days[1]:
            self.until.setFocus()
            raise ValueError(tr("The 'to' date is before the 'from' date."))
        since, until = day_range(*days)
        return AuditFilter(since=since, until=until, user=self.user.text().strip(),
                           kind=self.kind.currentData() or "", record=self.record.text().strip(),
                           text=self.text.text().strip())  # fmt: skip

    def say_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    def search(self, keep_note: bool = False) -> None:
        if not keep_note:
            self._note = ""
        try:
            f = self.current_filter()
        except ValueError as exc:
            self.say_problem(str(exc))
            return
        self.say_problem("")
        self._filter = f
        self.status.setText(tr("Reading the audit log…"))
        self._pages.start(load_page, self.store, f, None, self.PAGE)

    def _got_page(self, result) -> None:
        rows, more, first = result
        if not first:
            self.model.append_rows(rows, more)
            self._say_count()
            self.loaded.emit(self.model.rowCount())
            return
        self.model.set_rows(rows, more)
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._say_count()
        self.loaded.emit(self.model.rowCount())

    def _more(self, before: int) -> None:
        """The next page of the search on show (scrolled to its end)."""
        if self._pages.running:  # a page (or a new search) is on its way: asked again later
            return
        self._pages.start(load_page, self.store, self._filter, before, self.PAGE)

    def _page_failed(self, message: str) -> None:
        self.model.page_failed()
        if self.model.rowCount() == 0:
            self.model.set_rows([], False)
        self.say_problem(message)
        self._say_count()

    def _say_count(self) -> None:
        n = self.model.rowCount()
        if n == 0:
            text = tr("No entry matches.")
        elif self.model.has_more():
            text = tr("The newest {0} entries; more appear as you scroll.").format(f"{n:,}")
        else:
            text = tr("{0} entries.").format(f"{n:,}") if n != 1 else tr("1 entry.")
        self.status.setText(f"{self._note}\n{text}" if self._note else text)

    def _show_current(self) -> None:
        index = self.table.currentIndex()
        row = index.data(EntryRole) if index.isValid() else None
        self.details.setPlainText(describe_entry(row) if row is not None else "")

    # -- verifying ----------------------------------------------------------------------
    def verify(self) -> None:
        if self._verify_task is not None:
            return
        self.verify_button.setEnabled(False)
        self.verify_progress.setValue(0)
        self.verify_progress.show()
        self.stop_button.show()
        self.chain.show()
        self.chain.setText(tr("Checking every entry of the audit log…"))
        task = Task(verify_job, self.store)
        task.progress.connect(lambda f, m: (self.verify_progress.setValue(int(f * 1000)),
                                            self.chain.setText(m)))  # fmt: skip
        task.succeeded.connect(self._verified)
        task.failed.connect(said(self._verify_failed))
        task.cancelled.connect(self._verify_stopped)
        self._verify_task = task.start()

    def stop_verify(self) -> None:
        if self._verify_task is not None:
            self._verify_task.cancel()

    def _verify_done(self) -> bool:
        if not isValid(self):  # the window closed while the check ran
            return False
        self._verify_task = None
        self.verify_button.setEnabled(True)
        self.verify_progress.hide()
        self.stop_button.hide()
        return True

    def _verified(self, check) -> None:
        if not self._verify_done():
            return
        if check.cancelled:
            self._verify_stopped()
            return
        if check.ok:
            self.chain.setStyleSheet("")
            text = tr("The audit log is intact: {0} entries checked, none changed or removed.")
            text = text.format(f"{check.checked:,}")
            if check.accepted is not None:
                a = check.accepted
                text += " " + tr("Entries before entry {0} were accepted as they were by {1} "
                                 "on {2} ({3}): {4}").format(
                    f"{a.entry:,}", a.user, format_date(a.at), a.reason, a.problem)  # fmt: skip
            self.chain.setText(text)
        else:
            self.chain.setStyleSheet(ERROR_STYLE)
            self.chain.setText(check.problem)
        self.verified.emit(check)

    def _verify_stopped(self) -> None:
        if not self._verify_done():
            return
        self.chain.setStyleSheet("")
        self.chain.setText(tr("The check was stopped; nothing is known about the rest."))

    def _verify_failed(self, message: str) -> None:
        if not self._verify_done():
            return
        self.chain.setStyleSheet(ERROR_STYLE)
        self.chain.setText(message)

    def closeEvent(self, event) -> None:
        """Closing stops a chain check that is still running (it keeps nothing)."""
        self.stop_verify()
        super().closeEvent(event)

    # -- exporting ----------------------------------------------------------------------
    def export(self, path: str | None = None) -> AuditExportDialog | None:
        """Export the entries the filter shows; with ``path`` the file is not asked for."""
        try:
            f = self.current_filter()
        except ValueError as exc:
            self.say_problem(str(exc))
            return None
        dialog = AuditExportDialog(self.store, f, self)
        dialog.finished.connect(lambda _r: self._exported(dialog))
        dialog.open()
        if path is not None:
            dialog.start(path)
        return dialog

    def _exported(self, dialog: AuditExportDialog) -> None:
        if dialog.result is not None:
            self.status.setStyleSheet("")
            self._note = tr("Exported {0} entries to {1}; the export is recorded.").format(
                f"{dialog.result:,}", dialog.path)  # fmt: skip
            self.search(keep_note=True)  # the export's own entry is the newest now


def subject_access_job(ctx, store, person_id, path, fmt):
    """(the file written, the files of the person's cases left out for review by hand as
    (case, title, type) each)."""
    from hubapp.store.admin import subject_access

    held: list = []
    written = subject_access.write(store, person_id, path, fmt, progress=ctx.report,
                                   not_included=held)  # fmt: skip
    return written, [(a["case"], a["title"] or a["kind"], a["media_type"]) for a in held]


class SubjectAccessDialog(_FileExport):
    """Subject access export of one person (hubapp.store.admin.subject_access)."""

    PREFIX, STEM = "subjectAccess", "subject-access"

    def __init__(self, store, person_id, name: str, parent=None) -> None:
        self.TITLE = tr("Subject access export")
        self.FORMATS = (
            (tr("Zip of CSV files for people, with the JSON (.zip)"), "zip",
             tr("Zip file (*.zip)")),
            (tr("JSON for machines (.json)"), "json", tr("JSON file (*.json)")),
        )  # fmt: skip
        super().__init__(store, tr(
            "Everything held about {0}: their record, their cases with their role, contacts, "
            "notes, actions, tools and powers, risk assessments, meeting decisions, the "
            "letters sent to them and the audit entries about them, with every disclosure. "
            "Other people's names and contact details are taken out, text files kept on the "
            "cases included. Photos, PDFs, documents and recordings are listed but NOT "
            "included: review them by hand before disclosure. The file is "
            "OFFICIAL-SENSITIVE; the export is recorded in the audit log.").format(name),
            parent, width=500)  # fmt: skip
        self.intro.setObjectName("subjectAccessIntro")
        self.person_id = person_id
        self.written = None
        self.not_included: list[tuple[str, str, str]] = []
        self.review_box: QMessageBox | None = None

    def job(self, path: str, fmt: str) -> None:
        self.run_task(subject_access_job, self.store, self.person_id, path, fmt)

    def _on_done(self, result) -> None:
        self.written, self.not_included = result
        self.accept()
        if self.not_included:
            self._say_what_to_review()

    def _say_what_to_review(self) -> None:
        """The files not included, to review by hand before the export goes to the person."""
        n = len(self.not_included)
        listed = "\n".join(f"{case}: {title} ({kind})" for case, title, kind in
                           self.not_included[:12])  # fmt: skip
        if n > 12:
            listed += "\n" + tr("… and {0} more.").format(n - 12)
        counted = (tr("1 file kept on the person's cases was") if n == 1 else
                   tr("{0} files kept on the person's cases were").format(n))  # fmt: skip
        text = (tr("The export is written. {0} not included: other people cannot be reliably "
                   "taken out of photos, PDFs, documents and recordings automatically. Review "
                   "them by hand, and redact copies, before disclosure; the export lists "
                   "them.").format(counted) + "\n\n" + listed)  # fmt: skip
        box = QMessageBox(QMessageBox.Icon.Information, self.TITLE, text,
                          QMessageBox.StandardButton.Ok, self.parentWidget())  # fmt: skip
        box.setObjectName("subjectAccessNotIncluded")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()
        self.review_box = box
