"""Background tasks: results reach the GUI thread; progress and cancel work."""

import threading

from PySide6.QtCore import QThread

from hubapp.models.tasks import Cancelled, Task


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
    assert blocker.args == ["The hub database is on a disconnected drive."]


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
