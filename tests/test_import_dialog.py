"""File > Import reports…: the import runs in the background with progress, then shows a
plain summary and the rejected rows; Cancel imports nothing; the case list refreshes."""

from __future__ import annotations

from pathlib import Path

from casework import controlled_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import func, select

from hubapp.gui.exchange import import_job
from hubapp.store.exchange.importer import ImportResult
from hubapp.store.schema import Case
from hubapp.views.import_dialog import ImportDialog, summary_lines

HEADING = "received,hub,channel,category,location,summary,details,reporter_name,reporter_contact"


def _count(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _file(tmp_path, n: int, bad: set[int] = frozenset()):
    rows = [HEADING]
    for i in range(n):
        category = "Noize" if i in bad else "Parking"
        rows.append(f"01/05/2026,CAR,call_101,{category},{i} Bitts Park,<b>Report {i}</b>,,,")
    path = tmp_path / "reports.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_dialog_shows_progress_then_the_summary_and_rejects(qtbot, store, tmp_path):
    dialog = ImportDialog(import_job(store), _file(tmp_path, 1_500, bad={0, 700}))
    qtbot.addWidget(dialog)
    dialog.show()
    progress = []
    task = dialog.start()
    task.progress.connect(lambda fraction, message: progress.append((fraction, message)))
    with qtbot.waitSignal(dialog.imported, timeout=60_000) as done:
        pass
    assert any(m.startswith("Importing issue 1,001 of 1,498") for _f, m in progress)
    assert [f for f, _m in progress] == sorted(f for f, _m in progress)
    result = done.args[0]
    assert (result.imported, len(result.rejected)) == (1_498, 2)
    assert _count(store) == 1_498
    text = dialog.summary.text()
    assert "Imported 1,498 new issues." in text
    assert "2 rows were rejected" in text and "reports.rejects.csv" in text
    assert dialog.summary.textFormat() == Qt.TextFormat.PlainText
    assert not dialog.progress.isVisibleTo(dialog)
    assert dialog.rejects.rowCount() == 2
    assert dialog.rejects.item(0, 0).text() == "2"
    assert dialog.rejects.item(1, 0).text() == "702"
    assert (
        dialog.rejects.item(0, 1)
        .text()
        .startswith('The category "Noize" is not known (known: Antisocial behaviour')
    )
    assert dialog.open_folder.isVisibleTo(dialog)
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Close)
    assert (
        close is not None and dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel) is None
    )
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_cancel_imports_nothing(qtbot, store, tmp_path):
    dialog = ImportDialog(import_job(store), _file(tmp_path, 6_000))
    qtbot.addWidget(dialog)
    dialog.show()
    task = dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=30_000)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: task not in type(task)._running, timeout=60_000)
    assert dialog.result is None and not dialog.isVisible()
    assert _count(store) == 0


def test_a_refused_file_says_why(qtbot, store, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("name,notes\nJo,hello\n", encoding="utf-8")
    dialog = ImportDialog(import_job(store), path)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.start().finished, timeout=30_000):
        pass
    assert "wrong.csv was not imported." == dialog.heading.text()
    assert "it has no received, hub, channel, category or summary columns" in dialog.status.text()
    assert dialog.result is None


def test_the_controller_refreshes_the_case_list_after_an_import(qtbot, store, tmp_path):

    window, controller = controlled_window(qtbot, store, attach=True)
    assert window.model.rowCount() == 0
    shown = []

    def exec_and_wait(self):
        shown.append(self)
        qtbot.waitUntil(lambda: self.result is not None, timeout=30_000)
        return 1

    from hubapp.views import import_dialog

    original = import_dialog.ImportDialog.exec
    import_dialog.ImportDialog.exec = exec_and_wait
    try:
        controller.import_reports(str(_file(tmp_path, 3)))
    finally:
        import_dialog.ImportDialog.exec = original
    assert shown and window.import_action.text() == "&Import reports…"
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)


def test_the_summary_tells_how_many_reporters_were_linked(qapp):
    def lines(linked: int) -> list[str]:
        return summary_lines(
            ImportResult(Path("r.csv"), 3, 0, (), None, (), "UTF-8", linked=linked)
        )

    assert lines(0) == ["Imported 3 new issues.", "No row was rejected."]
    assert lines(1)[-1] == "1 reporter already known was linked to their person."
    assert lines(1_200)[-1] == "1,200 reporters already known were linked to their person."
