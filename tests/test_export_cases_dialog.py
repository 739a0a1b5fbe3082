"""File > Export cases…: a format, a file, progress in the background, the audit entry."""

from __future__ import annotations

import json

from casework import new_case

from hubapp.gui.exchange import export_cases_job
from hubapp.views.export_dialog import ExportDialog


def test_export_dialog_writes_the_chosen_format(qtbot, store, tmp_path):
    new_case(store, "CAR-2026-0001", summary="=1+1 <b>🏠</b>")
    target = tmp_path / "out.json"
    dialog = ExportDialog(export_cases_job(store), hub_id=None, hub_name="Carlisle")
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    dialog.ask_path = lambda: str(target)  # the save dialog, answered
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as done:
        dialog.ok.click()
    assert done.args == [1] and dialog.result == 1
    assert json.loads(target.read_text(encoding="utf-8"))["cases"][0]["summary"] == "=1+1 <b>🏠</b>"


def test_a_failed_export_says_why_and_can_be_retried(qtbot, store, tmp_path):
    dialog = ExportDialog(export_cases_job(store))
    qtbot.addWidget(dialog)
    dialog.ask_path = lambda: str(tmp_path)  # a folder: refused
    dialog.ok.click()
    qtbot.waitUntil(lambda: dialog.task not in type(dialog.task)._running, timeout=30_000)
    qtbot.waitUntil(lambda: "is a folder" in dialog.status.text(), timeout=5_000)
    assert dialog.ok.isEnabled() and dialog.result is None


def test_the_warning_is_whole_before_and_while_the_export_runs(qtbot, tmp_path):
    import threading

    from PySide6.QtWidgets import QLabel

    gate = threading.Event()

    def job(ctx, path, fmt, hub_id):
        ctx.report(0.4, "Writing case 4,000 of 10,000…")
        gate.wait(10)
        return 0

    dialog = ExportDialog(job, hub_id=None, hub_name="Carlisle")
    qtbot.addWidget(dialog)

    def assert_whole() -> None:
        qtbot.wait(50)  # the layout settles
        for label in dialog.findChildren(QLabel):
            if label.isVisible() and label.wordWrap() and label.text():
                assert label.height() >= label.heightForWidth(label.width()), label.text()

    dialog.show()
    qtbot.waitExposed(dialog)
    assert_whole()
    dialog.ask_path = lambda: str(tmp_path / "out.csv")
    dialog.ok.click()
    try:
        qtbot.waitUntil(lambda: dialog.status.text().startswith("Writing"), timeout=5_000)
        assert_whole()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: dialog.result == 0, timeout=10_000)
