"""Background work for the GUI: the one way from a screen to the database.

The work is a plain function ``fn(ctx, *args)`` that knows nothing of Qt: it reports
progress with ``ctx.report(fraction, message)`` and stops early when ``ctx.cancelled``.
The ``Task`` QObject is made on the GUI thread and carries the signals; the function runs in
the global thread pool. The window never waits for it. A task has no Qt parent by default:
it keeps itself alive until it finishes, so closing a window while its task runs never
leaves the worker emitting from a deleted object.

A failure reaches the screen as the exception itself (``failed``), so a screen branches on
its type (``EditConflict``, ``Refused`` with its problems, ``DiskFull``...), never on its
words; :func:`user_message` is its sentence. The core's ``hubapp.store.errors.Cancelled``
(every long job's cancellation derives from it) ends a task as ``cancelled``.

Two helpers give screens the usual shapes of background work once:

* :class:`LatestTask` (Orange3's ``ConcurrentMixin``): reading what a screen shows, where
  only the latest request counts: starting one cancels the one before, whose outcome is
  then dropped.
* :class:`TaskQueue`: changes that must all happen, one after another in the order they
  were asked for (each built when its turn comes, so it sees what the one before saved).

and :func:`wait_for`, for the few steps of start-up and sign-in whose answer decides what
shows next: the task runs with the event loop turning, the person's input held meanwhile.
"""

from __future__ import annotations

import inspect
import logging
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a task's function to stop when the user cancelled (the core raises
    ``hubapp.store.errors.Cancelled``, which ends a task the same way)."""


def is_cancellation(exc: BaseException) -> bool:
    """Whether ``exc`` says the work was stopped on request (not a failure)."""
    if isinstance(exc, Cancelled):
        return True
    errors = sys.modules.get("hubapp.store.errors")  # not imported: none of its kind raised
    return errors is not None and isinstance(exc, errors.Cancelled)


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
    #: the exception (a screen branches on its type; ``user_message(exc)`` says it)
    failed = Signal(object)
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
        #: "succeeded", "failed" or "cancelled" once it has finished; None before
        self.outcome: str | None = None
        #: what the function returned (succeeded) or raised (failed)
        self.result: object = None
        self.error: BaseException | None = None

    # -- Anki's CollectionOp shape: Task(fn, ...).on_success(cb).on_failure(cb).start() --
    def on_success(self, callback: Callable[[Any], None]) -> Task:
        self.succeeded.connect(callback)
        return self

    def on_failure(self, callback: Callable[[BaseException], None]) -> Task:
        self.failed.connect(callback)
        return self

    def on_cancel(self, callback: Callable[[], None]) -> Task:
        self.cancelled.connect(callback)
        return self

    def start(self, pool: QThreadPool | None = None) -> Task:
        Task._running.add(self)  # kept alive until finished, even without a parent
        (pool or QThreadPool.globalInstance()).start(_Runner(self))
        return self

    @property
    def running(self) -> bool:
        """Started and not finished yet (as the GUI thread knows it)."""
        return self in Task._running

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
        except Exception as exc:  # reported to the screen, which says it in one sentence
            if is_cancellation(exc):
                self._done("cancelled", None)
                return
            from hubapp.errors import expected

            name = getattr(self._fn, "__name__", repr(self._fn))
            if expected(exc):
                log.info("Background task %s: %s", name, exc)
            else:
                log.exception("Background task %s failed", name)
            self._done("failed", exc)
        else:
            outcome = "cancelled" if self.context.cancelled else "succeeded"
            self._done(outcome, result)

    @Slot(float, str)
    def _relay_progress(self, fraction: float, message: str) -> None:
        self.progress.emit(fraction, message)

    @Slot(str, object)
    def _relay_done(self, outcome: str, value: object) -> None:
        """On the GUI thread."""
        self.outcome = outcome
        try:
            if outcome == "succeeded":
                self.result = value
                self.succeeded.emit(value)
            elif outcome == "failed":
                self.error = value
                self.failed.emit(value)
            else:
                self.cancelled.emit()
        finally:
            Task._running.discard(self)
            self.finished.emit()
            self._let_go()

    def _let_go(self) -> None:
        """Finished: drop the handlers, so that a screen holding its task (and the task
        holding the screen's handlers) is no cycle that keeps a closed window's Python
        object alive."""
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a signal nobody connected to
            for signal in (self.progress, self.succeeded, self.failed, self.cancelled,
                           self.finished):  # fmt: skip
                try:
                    signal.disconnect()
                except (RuntimeError, TypeError):
                    pass


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


def said(show: Callable[[str], Any]) -> Callable[[BaseException], Any]:
    """A failure handler for a screen that only shows what went wrong: ``show`` gets the
    exception's sentence (``task.failed.connect(said(label.setText))``)."""
    show = weakly(show)
    return lambda exc: show(user_message(exc))


def weakly(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler``, holding a screen's bound method weakly: a helper that the screen owns
    then keeps no cycle through it (a closed window's Python object is freed at once), and
    calling it after the screen is gone does nothing."""
    if not inspect.ismethod(handler):
        return handler
    ref = weakref.WeakMethod(handler)

    def call(*args: Any) -> Any:
        method = ref()
        return None if method is None else method(*args)

    return call


def alive(obj: QObject) -> bool:
    """Whether ``obj``'s Qt object still exists (its window may have closed meanwhile)."""
    from shiboken6 import isValid

    return isValid(obj)


class LatestTask(QObject):
    """One kind of request of a screen, where the latest request wins (Orange3's
    ``ConcurrentMixin``): :meth:`start` cancels the task before it, and only the latest
    task's outcome reaches ``done`` (its result), ``failed`` (the exception) or
    ``cancelled``. Made as a child of the screen: once the screen is gone, so are the
    handlers, and a task still running ends quietly."""

    def __init__(self, parent: QObject, done: Callable[[Any], None],
                 failed: Callable[[BaseException], None] | None = None, *,
                 cancelled: Callable[[], None] | None = None,
                 progress: Callable[[float, str], None] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._on_done = weakly(done)
        self._on_failed = failed and weakly(failed)
        self._on_cancelled = cancelled and weakly(cancelled)
        self._on_progress = progress and weakly(progress)
        self.task: Task | None = None

    def start(self, fn: Callable[..., Any], *args: Any) -> Task:
        self.cancel()
        task = Task(fn, *args)
        self.task = task
        task.succeeded.connect(lambda value: self._relay(task, self._on_done, value))
        task.failed.connect(lambda exc: self._relay(task, self._on_failed, exc))
        task.cancelled.connect(lambda: self._relay(task, self._on_cancelled))
        if self._on_progress is not None:
            task.progress.connect(lambda f, m: self._relay(task, self._on_progress, f, m))
        task.finished.connect(lambda: self._finished(task))
        return task.start()

    def cancel(self) -> None:
        """Stop waiting for the current task (its outcome will be dropped)."""
        if self.task is not None:
            self.task.cancel()
            self.task = None

    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    def _relay(self, task: Task, handler, *args) -> None:
        if handler is not None and task is self.task and alive(self):
            handler(*args)

    def _finished(self, task: Task) -> None:
        if alive(self) and task is self.task:
            self.task = None


class TaskQueue(QObject):
    """Changes that must all be made, one at a time in the order asked for. Each entry is
    built (``Task`` not started, or None to skip it) only when its turn comes, so it is
    based on what the change before it saved. ``idle`` when the last one has finished.

    The first change of a quiet queue starts on the next turn of the event loop: what the
    screen shows of it at once is painted first, without a worker thread competing with the
    paint for the interpreter."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: deque[Callable[[], Task | None]] = deque()
        self.current: Task | None = None

    def submit(self, build: Callable[[], Task | None]) -> None:
        self._waiting.append(build)
        if self.current is None and len(self._waiting) == 1:
            QTimer.singleShot(0, self, self._next)

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self._waiting)

    def _next(self) -> None:
        if self.current is not None:
            return
        while self._waiting:
            task = self._waiting.popleft()()
            if task is None:
                continue
            self.current = task
            task.finished.connect(lambda t=task: self._done(t))
            task.start()
            return
        self.current = None
        self.idle.emit()

    def _done(self, task: Task) -> None:
        if not alive(self) or task is not self.current:
            return
        self.current = None
        self._next()


def wait_for(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(ctx, *args)`` as a task and wait for its outcome with the event loop turning:
    the windows repaint and timers run, and the person's input waits until it is done. For
    the few steps of start-up and sign-in whose answer decides what shows next (is there an
    account to sign in to?), which the screens otherwise would ask on the GUI thread.
    Returns what ``fn`` returned; raises what it raised (``Cancelled`` when cancelled)."""
    from PySide6.QtCore import QEventLoop

    task = Task(fn, *args)
    loop = QEventLoop()
    task.finished.connect(loop.quit)  # queued from the worker: never before exec() turns
    task.start()
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    if task.outcome == "failed":
        raise task.error
    if task.outcome == "cancelled":
        raise Cancelled()
    return task.result
