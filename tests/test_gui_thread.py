"""The watch that holds "screens reach the database only through background tasks"
(tests/gui_thread.py) finds a screen that reads on the GUI thread, and lets through the same
work run as a task, or called by a test with no screen between."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool

from hubapp.models.tasks import Task
from hubapp.store import setup


def _a_screen_reading_on_the_gui_thread(store):
    # a view's method, as it would be written wrongly: its frame is in hubapp.views
    from hubapp.views import main_window

    namespace = {"setup": setup, "store": store}
    code = compile("result = setup.current(store).hub_name", main_window.__file__, "exec")
    exec(code, namespace)
    return namespace["result"]


@pytest.mark.gui_thread_database_work
def test_a_screen_reading_on_the_gui_thread_is_found(store, _no_database_work_on_the_gui_thread):
    watch = _no_database_work_on_the_gui_thread
    assert _a_screen_reading_on_the_gui_thread(store) == "Carlisle"
    assert len(watch.found) == 1
    assert watch.found[0].startswith("hubapp/views/main_window.py:1 (<module>)")
    assert "reached hubapp/store/setup.py" in watch.found[0]
    watch.found.clear()


def test_the_same_work_as_a_task_passes(qtbot, store, _no_database_work_on_the_gui_thread):
    watch = _no_database_work_on_the_gui_thread
    task = Task(lambda _ctx: _a_screen_reading_on_the_gui_thread(store))
    with qtbot.waitSignal(task.succeeded, timeout=10_000) as done:
        task.start()
    QThreadPool.globalInstance().waitForDone(10_000)
    assert done.args == ["Carlisle"]
    assert watch.found == []


def test_a_test_calling_the_store_itself_passes(qtbot, store, _no_database_work_on_the_gui_thread):
    assert setup.current(store).hub_name == "Carlisle"
    assert _no_database_work_on_the_gui_thread.found == []
