"""Tools > demo data: runs in the background with a progress bar; Cancel keeps nothing."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from hubapp.gui import Controller
from hubapp.views.demo_dialog import DemoDialog


def _count(store):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM case_").scalar()


def _job(store):
    def job(ctx, cases):
        from hubapp.store.exchange import demo

        return demo.generate(store, cases, seed=3, progress=ctx.report)

    return job


def test_demo_dialog_adds_cases_with_progress(qtbot, store):
    dialog = DemoDialog(_job(store))
    qtbot.addWidget(dialog)
    dialog.cases.setValue(600)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.task is not None
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert _count(store) == 600
    assert dialog.progress.value() > 0
    assert dialog.progress.isVisibleTo(dialog)
    assert not dialog.cases.isEnabled()


def test_cancel_rolls_everything_back(qtbot, store):
    dialog = DemoDialog(_job(store))
    qtbot.addWidget(dialog)
    dialog.cases.setValue(200_000)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=60_000)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert "Cancelling" in dialog.status.text()
    qtbot.waitUntil(lambda: not dialog.isVisible() or dialog.task.context.cancelled, timeout=5_000)
    qtbot.waitUntil(
        lambda: dialog.result is None and dialog.task not in type(dialog.task)._running,
        timeout=60_000,
    )
    assert _count(store) == 0


def test_controller_refreshes_the_window_after_demo_data(qtbot, store, monkeypatch):
    from hubapp.views.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    path = store.path
    store.close()
    controller = Controller(window, path)
    controller.open(on_ready=window.attach)
    qtbot.waitUntil(lambda: window.session is not None, timeout=30_000)
    assert window.model.rowCount() == 0

    def fake_exec(self):  # drive the real dialog as a person would, without a nested loop
        self.cases.setValue(300)
        self._start()
        qtbot.waitUntil(lambda: self.result is not None, timeout=60_000)
        return 1

    monkeypatch.setattr(DemoDialog, "exec", fake_exec)
    window.demo_action.trigger()
    window.all_status_action.trigger()
    window.all_hubs_action.trigger()
    assert window.model.rowCount() == 300
    assert window.category_combo.count() == 1 + 11
