"""Tools > Demo data: fill a training database, with a progress bar and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from hubapp.views.progress import ProgressDialog


def tr(text: str) -> str:
    return QCoreApplication.translate("DemoDialog", text)


class DemoDialog(ProgressDialog):
    """Runs ``job(ctx, cases)`` in the background; the window stays usable."""

    def __init__(self, job, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Demo data"))
        self._job = job
        self.result = None
        warning = QLabel(
            tr(
                "Adds made-up cases to this database, for training and demonstrations. "
                "Do not use it on a database that holds real cases."
            )
        )
        warning.setWordWrap(True)
        self.cases = QSpinBox(objectName="demoCases")
        self.cases.setRange(1, 1_000_000)
        self.cases.setSingleStep(1000)
        self.cases.setValue(5000)
        self.cases.setGroupSeparatorShown(True)
        self.add_progress("demo", wrap=False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Add demo cases"))
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("&Number of cases:"), self.cases)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _start(self) -> None:
        self.cases.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.progress.show()
        self.adjustSize()
        self.run_task(self._job, self.cases.value())

    def cancelling_text(self) -> str:
        return tr("Cancelling… nothing will be kept.")

    def _on_done(self, result) -> None:
        self.result = result
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("color: #a4161a;")
        self.status.setWordWrap(True)
        self.adjustSize()
        self.cases.setEnabled(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
