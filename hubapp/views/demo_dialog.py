"""Tools > Demo data: fill a training database, with a progress bar and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
)

from hubapp.models.tasks import Task


def tr(text: str) -> str:
    return QCoreApplication.translate("DemoDialog", text)


class DemoDialog(QDialog):
    """Runs ``job(ctx, cases)`` in the background; the window stays usable."""

    def __init__(self, job, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Demo data"))
        self._job = job
        self.task: Task | None = None
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
        self.progress = QProgressBar(objectName="demoProgress")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = QLabel(objectName="demoStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
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
        self.task = Task(self._job, self.cases.value())
        self.task.progress.connect(self._on_progress)
        self.task.succeeded.connect(self._on_done)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(self._on_cancelled)
        self.task.start()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(message)

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

    def _on_cancelled(self) -> None:
        super().reject()

    def reject(self) -> None:
        """Cancel, Escape and the close button alike: stop the work, keep nothing. The
        dialog closes when the work has stopped, so nothing runs on unseen."""
        if self.task is not None and self.task in Task._running:
            if not self.task.context.cancelled:
                self.status.setText(tr("Cancelling… nothing will be kept."))
                self.task.cancel()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.task is not None and self.task in Task._running:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
