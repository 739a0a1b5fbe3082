"""File > Import reports…: a CSV file of issues imported in the background, with a progress
bar and Cancel, then a plain summary and the list of rejected rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from hubapp.domain.formatting import as_tooltip
from hubapp.models.tasks import Task
from hubapp.views.progress import ProgressDialog


def tr(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


def _count(n: int, one: str, many: str, **more: str) -> str:
    return (one if n == 1 else many).format(n=f"{n:,}", **more)


def summary_lines(result) -> list[str]:
    """The outcome of an import in plain sentences (``result`` is an ImportResult)."""
    lines = [_count(result.imported, tr("Imported {n} new issue."), tr("Imported {n} new issues."))]
    if result.skipped:
        lines.append(
            _count(
                result.skipped,
                tr("{n} row was already imported and was skipped."),
                tr("{n} rows were already imported and were skipped."),
            )
        )
    if result.rejected:
        lines.append(
            _count(
                len(result.rejected),
                tr("{n} row was rejected: it is listed below and saved in {file} beside the "
                   "imported file, to correct and import again."),
                tr("{n} rows were rejected: they are listed below and saved in {file} beside "
                   "the imported file, to correct and import again."),
                file=result.rejects_path.name,
            )
        )  # fmt: skip
    else:
        lines.append(tr("No row was rejected."))
    if result.linked:
        lines.append(
            _count(
                result.linked,
                tr("{n} reporter already known was linked to their person."),
                tr("{n} reporters already known were linked to their person."),
            )
        )
    if result.unknown_columns:
        names = ", ".join(f"“{c}”" for c in result.unknown_columns)
        lines.append(tr("Columns not imported (ignored): {names}.").format(names=names))
    return lines


class ImportDialog(ProgressDialog):
    """Runs ``job(ctx, path) -> ImportResult`` in the background and shows its outcome."""

    #: the import finished and committed (the ImportResult)
    imported = Signal(object)

    def __init__(self, job, path: Path | str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(tr("Import reports"))
        self._job = job
        self.path = Path(path)
        self.result = None
        self.heading = QLabel(objectName="importHeading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setText(tr("Importing {file}…").format(file=self.path.name))
        self.heading.setToolTip(str(self.path))
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.add_progress("import", hidden=False)
        self.summary = QLabel(objectName="importSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()
        self.rejects = QTableWidget(0, 2, self, objectName="importRejects")
        self.rejects.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        self.rejects.setAccessibleName(tr("Rejected lines"))
        self.rejects.setHorizontalHeaderLabels([tr("Line"), tr("Why it was rejected")])
        self.rejects.verticalHeader().hide()
        self.rejects.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejects.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rejects.setWordWrap(False)
        self.rejects.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.rejects.setAlternatingRowColors(True)
        header = self.rejects.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.rejects.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_folder = QPushButton(tr("Open the rejects file's &folder"))
        self.open_folder.setObjectName("openRejectsFolder")
        self.open_folder.clicked.connect(self.show_rejects_folder)
        self.open_folder.hide()
        self.buttons.addButton(self.open_folder, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.rejects, 1)
        layout.addWidget(self.buttons)
        self.resize(560, 180)

    # -- running -----------------------------------------------------------------------
    def start(self) -> Task:
        return self.run_task(self._job, self.path)

    def cancelling_text(self) -> str:
        return tr("Cancelling… nothing will be imported.")

    def _on_done(self, result) -> None:
        self.result = result
        self.heading.setText(self.path.name)
        self.progress.hide()
        self.status.hide()
        self.summary.setText("\n".join(summary_lines(result)))
        self.summary.show()
        if result.rejected:
            self.rejects.setRowCount(len(result.rejected))
            for row, rejected in enumerate(result.rejected):
                line = QTableWidgetItem(f"{rejected.line:,}")
                line.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.rejects.setItem(row, 0, line)
                reason = QTableWidgetItem(_capital(rejected.reason))
                reason.setToolTip(as_tooltip(rejected.reason))  # escaped: user text
                self.rejects.setItem(row, 1, reason)
            self.rejects.show()
            self.open_folder.show()
            self.open_folder.setToolTip(str(result.rejects_path))
            self.resize(max(self.width(), 760), 460)
        self._finish_buttons()
        self.imported.emit(result)

    def _on_failed(self, message: str) -> None:
        if self.task is not None and self.task.context.cancelled:
            self._on_cancelled()
            return
        self.heading.setText(tr("{file} was not imported.").format(file=self.path.name))
        self.progress.hide()
        self.status.setText(message)
        self.status.setStyleSheet("color: #a4161a;")
        self._finish_buttons()

    def _finish_buttons(self) -> None:
        self.buttons.removeButton(self.buttons.button(QDialogButtonBox.StandardButton.Cancel))
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("importClose")
        close.setDefault(True)
        close.setFocus()

    # -- after -------------------------------------------------------------------------
    def show_rejects_folder(self) -> None:
        if self.result is not None and self.result.rejects_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.rejects_path.parent)))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
