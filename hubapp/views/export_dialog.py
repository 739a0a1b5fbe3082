"""File > Export cases…: every case (or the station's hub's) as CSV, JSON or XLSX, written in
the background with a progress bar and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from hubapp.views.progress import ProgressDialog

#: (format, label, file-dialog filter)
FORMATS = (
    ("xlsx", "Excel workbook (.xlsx)", "Excel workbook (*.xlsx)"),
    ("csv", "CSV for spreadsheets (.csv)", "CSV file (*.csv)"),
    ("json", "JSON, text exactly as stored (.json)", "JSON file (*.json)"),
)


def tr(text: str) -> str:
    return QCoreApplication.translate("ExportDialog", text)


class ExportDialog(ProgressDialog):
    """Runs ``job(ctx, path, fmt, hub_id) -> int`` (cases written) in the background."""

    exported = Signal(int)

    def __init__(self, job, hub_id=None, hub_name: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(tr("Export cases"))
        self._job = job
        self._hub_id = hub_id
        self.result: int | None = None
        self.path: str | None = None
        warning = QLabel(
            tr(
                "The file will hold OFFICIAL-SENSITIVE personal data. Save it only where "
                "it is protected, and share it only with those entitled to see it. The "
                "export is recorded in the audit log."
            )
        )
        warning.setWordWrap(True)
        self.format = QComboBox(objectName="exportFormat")
        for code, text, _filter in FORMATS:
            self.format.addItem(tr(text), code)
        self.this_hub = QCheckBox(objectName="exportThisHub")
        self.this_hub.setText(tr("Only the {hub} hub's cases").format(hub=hub_name))
        self.this_hub.setVisible(hub_id is not None)
        self.add_progress("export")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr("&Export…"))
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("&Format:"), self.format)
        form.addRow("", self.this_hub)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(480, 0)

    def chosen_format(self) -> str:
        return self.format.currentData()

    def ask_path(self) -> str | None:
        """The file to write, from the standard save dialog (None if the person cancels)."""
        fmt = self.chosen_format()
        name_filter = next(f for code, _t, f in FORMATS if code == fmt)
        path, _ = QFileDialog.getSaveFileName(self, tr("Export cases"), f"cases.{fmt}", name_filter)
        if not path:
            return None
        return path if path.lower().endswith(f".{fmt}") else f"{path}.{fmt}"

    def _start(self) -> None:
        path = self.ask_path()
        if not path:
            return
        self.path = path
        for w in (self.format, self.this_hub, self.ok):
            w.setEnabled(False)
        self.progress.show()
        self.status.setStyleSheet("")
        hub_id = self._hub_id if self.this_hub.isChecked() else None
        self.run_task(self._job, path, self.chosen_format(), hub_id)

    def cancelling_text(self) -> str:
        return tr("Cancelling… no file will be written.")

    def _on_done(self, count: int) -> None:
        self.result = count
        self.exported.emit(count)
        self.accept()

    def _on_failed(self, message: str) -> None:
        if self.task is not None and self.task.context.cancelled:
            self._on_cancelled()
            return
        self.progress.hide()
        self.status.setText(message)
        self.status.setStyleSheet("color: #a4161a;")
        for w in (self.format, self.this_hub, self.ok):
            w.setEnabled(True)
