"""A dialog that runs one job in the background with a progress bar and Cancel.

Cancel, Escape and the close button alike stop the work and keep nothing; the dialog closes
when the work has stopped, so nothing runs on unseen. Subclasses build the widgets (with
``self.progress``, a QProgressBar over 0..1000, and ``self.status``, a QLabel), say what
cancelling means in :meth:`cancelling_text`, and handle ``_on_done`` and ``_on_failed``;
:meth:`add_progress` makes the bar and the status line.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar

from hubapp.models.tasks import Task, user_message


class ProgressDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.task: Task | None = None

    def add_progress(self, name: str = "", *, hidden: bool = True, wrap: bool = True) -> None:
        """``self.progress`` (0..1000, hidden until the work starts unless ``hidden`` is
        False) and ``self.status``, the plain-text line the work reports to, named
        ``{name}Progress`` and ``{name}Status``; the subclass lays them out."""
        self.progress = QProgressBar(self, objectName=f"{name}Progress" if name else "")
        self.progress.setRange(0, 1000)
        if hidden:
            self.progress.hide()
        self.status = QLabel(self, objectName=f"{name}Status" if name else "")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(wrap)

    def cancelling_text(self) -> str:
        """The status while the work stops, e.g. 'Cancelling… nothing will be kept.'"""
        raise NotImplementedError

    def run_task(self, job, *args) -> Task:
        """Start ``job(ctx, *args)`` in the background, reporting to this dialog."""
        self.task = Task(job, *args)
        self.task.progress.connect(self._on_progress)
        self.task.succeeded.connect(self._on_done)
        self.task.failed.connect(self._on_error)
        self.task.cancelled.connect(self._on_cancelled)
        self.fit_height()  # the bar has just appeared
        return self.task.start()

    def fit_height(self) -> None:
        """Grow, never shrink, to the height the layout needs at the present width: a bar or
        a longer status appearing must not squeeze the wrapped text above them."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalMinimumSize().height()
        if layout.hasHeightForWidth():
            need = max(need, layout.totalHeightForWidth(self.width()))
        if need > self.height():
            self.resize(self.width(), need)

    def running(self) -> bool:
        return self.task is not None and self.task.running

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(message)
        self.fit_height()

    def _on_done(self, result) -> None:
        raise NotImplementedError

    def _on_error(self, exc: BaseException) -> None:
        """The work failed: a dialog that handles some kinds of failure in their own way
        branches on ``exc``'s type here; by default its sentence goes to :meth:`_on_failed`."""
        self._on_failed(user_message(exc))

    def _on_failed(self, message: str) -> None:
        raise NotImplementedError

    def _on_cancelled(self) -> None:
        super().reject()

    def reject(self) -> None:
        if self.running():
            if not self.task.context.cancelled:
                self.status.setText(self.cancelling_text())
                self.task.cancel()
            return
        super().reject()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.fit_height()  # a size set before the text wrapped may be too short for it

    def closeEvent(self, event) -> None:
        if self.running():
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
