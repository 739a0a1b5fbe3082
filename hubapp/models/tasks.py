"""Background work for the GUI (habits from Orange3 and calibre).

The work is a plain function ``fn(ctx, *args)`` that knows nothing of Qt: it reports
progress with ``ctx.report(fraction, message)`` and stops early when ``ctx.cancelled``.
The ``Task`` QObject is made on the GUI thread and carries the signals; the function runs in
the global thread pool. The window never waits for it. A task has no Qt parent by default:
it keeps itself alive until it finishes, so closing a window while its task runs never
leaves the worker emitting from a deleted object.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a task's function to stop when the user cancelled."""


class TaskContext:
    """What a background function sees: progress reporting and a cancel flag."""

    def __init__(self, on_progress: Callable[[float, str], None] | None = None) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def report(self, fraction: float, message: str = "") -> bool:
        """Report progress; returns False once the user has cancelled."""
        if self._on_progress is not None:
            self._on_progress(max(0.0, min(1.0, fraction)), message)
        return not self.cancelled


class Task(QObject):
    """Signals are always emitted on the GUI thread (the thread that made the Task), so any
    callable connected to them may touch widgets."""

    progress = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()  # after any of the three above

    # emitted from the worker; queued to this object's (the GUI) thread by Qt
    _worker_progress = Signal(float, str)
    _worker_done = Signal(str, object)

    _running: set[Task] = set()

    def __init__(self, fn: Callable[..., Any], *args: Any, parent: QObject | None = None):
        super().__init__(parent)
        self._fn = fn
        self._args = args
        self._worker_progress.connect(self._relay_progress, Qt.ConnectionType.QueuedConnection)
        self._worker_done.connect(self._relay_done, Qt.ConnectionType.QueuedConnection)
        self.context = TaskContext(self._emit_progress)

    def start(self, pool: QThreadPool | None = None) -> Task:
        Task._running.add(self)  # kept alive until finished, even without a parent
        (pool or QThreadPool.globalInstance()).start(_Runner(self))
        return self

    def cancel(self) -> None:
        self.context.cancel()

    def _emit_progress(self, fraction: float, message: str) -> None:
        try:
            self._worker_progress.emit(fraction, message)
        except RuntimeError:  # the window that made the task was closed meanwhile
            log.debug("Progress of a task whose window is gone: %s", message)

    def _done(self, outcome: str, value: object) -> None:
        try:
            self._worker_done.emit(outcome, value)
        except RuntimeError:  # as above: nobody is left to tell (the program is ending)
            log.debug("A background task ended (%s) after its window was closed", outcome)
            Task._running.discard(self)

    def _run(self) -> None:
        """In the worker thread."""
        try:
            result = self._fn(self.context, *self._args)
        except Cancelled:
            self._done("cancelled", None)
        except Exception as exc:  # reported to the user in one sentence
            from hubapp.errors import expected

            name = getattr(self._fn, "__name__", repr(self._fn))
            if expected(exc):
                log.info("Background task %s: %s", name, exc)
            else:
                log.exception("Background task %s failed", name)
            self._done("failed", user_message(exc))
        else:
            outcome = "cancelled" if self.context.cancelled else "succeeded"
            self._done(outcome, result)

    @Slot(float, str)
    def _relay_progress(self, fraction: float, message: str) -> None:
        self.progress.emit(fraction, message)

    @Slot(str, object)
    def _relay_done(self, outcome: str, value: object) -> None:
        """On the GUI thread."""
        try:
            if outcome == "succeeded":
                self.succeeded.emit(value)
            elif outcome == "failed":
                self.failed.emit(value)
            else:
                self.cancelled.emit()
        finally:
            self.finished.emit()
            Task._running.discard(self)


class _Runner(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._run()


def user_message(exc: BaseException) -> str:
    """One sentence for the person at the keyboard."""
    from hubapp.errors import describe

    return describe(exc)
