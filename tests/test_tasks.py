"""Background tasks: results reach the GUI thread; progress and cancel work."""

import threading

from PySide6.QtCore import QThread

from hubapp.models.tasks import Cancelled, LatestTask, Task, TaskQueue, user_message


def test_results_and_progress_arrive_on_the_gui_thread(qtbot):
    seen = {}
    gate = threading.Event()

    def work(ctx, n):
        seen["worker"] = threading.get_ident()
        for i in range(n):
            ctx.report(i / n, f"step {i}")
        gate.wait(5)
        return n * 2

    task = Task(work, 4)
    progress_threads, results = [], []
    task.progress.connect(lambda f, m: progress_threads.append(QThread.currentThread()))
    task.succeeded.connect(lambda value: results.append((value, QThread.currentThread())))
    task.start()
    gate.set()
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    gui = QThread.currentThread()
    assert results == [(8, gui)]
    assert progress_threads and all(t is gui for t in progress_threads)
    assert seen["worker"] != threading.get_ident()


def test_failure_is_one_sentence(qtbot):
    from hubapp.store.errors import StoreError

    def work(ctx):
        raise StoreError("The hub database is on a disconnected drive.")

    task = Task(work)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.start()
    # the exception itself (a screen branches on its type), and its one sentence
    assert [type(e) for e in blocker.args] == [StoreError]
    assert [user_message(e) for e in blocker.args] == [
        "The hub database is on a disconnected drive."
    ]
    assert task.outcome == "failed" and task.error is blocker.args[0] and not task.running


def test_cancel_stops_the_work(qtbot):
    started = threading.Event()
    steps = []

    def work(ctx):
        started.set()
        while ctx.report(0.5, "working"):
            steps.append(1)
            if len(steps) > 100_000:
                return "ran away"
        raise Cancelled

    task = Task(work)
    outcomes = []
    task.cancelled.connect(lambda: outcomes.append("cancelled"))
    task.succeeded.connect(outcomes.append)
    task.start()
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)
    assert outcomes == ["cancelled"]


def test_a_task_outliving_its_window_ends_quietly(qtbot, caplog):
    """A window closed (its Qt object deleted) while its task still runs: the task's
    progress and result have nobody to go to, and that is no error."""
    import logging

    from PySide6.QtWidgets import QWidget
    from shiboken6 import Shiboken

    window = QWidget()
    gate, finished = threading.Event(), threading.Event()

    def work(ctx):
        gate.wait(5)
        ctx.report(0.5, "half way")
        finished.set()
        return "done"

    task = Task(work, parent=window)
    task.start()
    Shiboken.delete(window)  # the window, and the task's Qt object with it
    assert not Shiboken.isValid(task)
    with caplog.at_level(logging.DEBUG, logger="hubapp.models.tasks"):
        gate.set()
        assert finished.wait(5)
        qtbot.waitUntil(lambda: task not in Task._running, timeout=5000)
    assert "after its window was closed" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_cores_cancellation_ends_a_task_as_cancelled(qtbot):
    """Every long job of the core stops with hubapp.store.errors.Cancelled (the import's,
    the export's, a document's...): the task says cancelled, not failed, with no translating."""
    from hubapp.documents.printing import DocumentCancelled
    from hubapp.store.admin.backup import BackupCancelled
    from hubapp.store.exchange.importer import ImportCancelled

    for kind in (ImportCancelled, BackupCancelled, DocumentCancelled):

        def work(ctx, kind=kind):
            raise kind("stopped")

        task = Task(work)
        outcomes = []
        task.cancelled.connect(lambda outcomes=outcomes: outcomes.append("cancelled"))
        task.failed.connect(outcomes.append)
        with qtbot.waitSignal(task.finished, timeout=5000):
            task.start()
        assert outcomes == ["cancelled"] and task.outcome == "cancelled", kind


def test_the_latest_request_wins(qtbot):
    """A screen asks again before the first answer came: the first is cancelled and its
    answer dropped, whatever order the two finish in."""
    from PySide6.QtWidgets import QWidget

    screen = QWidget()
    qtbot.addWidget(screen)
    shown, errors = [], []
    latest = LatestTask(screen, shown.append, errors.append)
    first_gate, second_done = threading.Event(), threading.Event()

    def slow(ctx, value):
        first_gate.wait(5)
        return value

    def quick(ctx, value):
        second_done.set()
        return value

    first = latest.start(slow, "old")
    second = latest.start(quick, "new")
    assert first.context.cancelled and not second.context.cancelled
    qtbot.waitUntil(lambda: second.outcome is not None, timeout=5000)
    first_gate.set()  # the old one finishes last
    qtbot.waitUntil(lambda: first.outcome is not None, timeout=5000)
    assert shown == ["new"] and errors == [] and not latest.running

    def broken(ctx):
        raise ValueError("no")

    latest.start(broken)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert [type(e) for e in errors] == [ValueError] and shown == ["new"]


def test_queued_changes_run_one_at_a_time_in_order(qtbot):
    """Changes asked for quickly one after another are all made, in order, never two at
    once; each is built when its turn comes (it sees what the one before did)."""
    queue = TaskQueue()
    log, running, overlaps = [], [], []
    lock = threading.Lock()

    def change(ctx, n):
        with lock:
            if running:
                overlaps.append(n)
            running.append(n)
        threading.Event().wait(0.02)
        with lock:
            running.remove(n)
        return n

    for n in range(5):
        queue.submit(lambda n=n: Task(change, len(log) * 10 + n).on_success(log.append))
    assert queue.busy
    with qtbot.waitSignal(queue.idle, timeout=10_000):
        pass
    assert log == [0, 11, 22, 33, 44] and overlaps == [] and not queue.busy


def test_wait_for_gives_the_result_or_raises_and_the_loop_turns_meanwhile(qtbot):
    """wait_for runs the work off the GUI thread; timers (and paints) go on while it waits."""
    import pytest
    from PySide6.QtCore import QTimer

    from hubapp.models.tasks import wait_for
    from hubapp.store.errors import Refused

    gate = threading.Event()
    ticks = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: (ticks.append(1), len(ticks) >= 3 and gate.set()))
    timer.start()

    def work(ctx, n):
        assert gate.wait(5), "the event loop did not turn while waiting"
        return threading.get_ident(), n + 1

    worker, value = wait_for(work, 41)
    timer.stop()
    assert value == 42 and worker != threading.get_ident() and len(ticks) >= 3

    def refuse(ctx):
        raise Refused("That user name is taken.")

    with pytest.raises(Refused, match="That user name is taken."):
        wait_for(refuse)
