"""Background sync in the main window, against the real PostgreSQL server of the sync tests."""

from __future__ import annotations

import socket
import time

import pytest
from PySide6.QtCore import Qt, QThreadPool, QTimer

from hubapp.models.sync_conflicts import ConflictRole, ConflictTableModel
from hubapp.sync.conflicts import ConflictRow
from hubapp.views.sync_conflicts import ConflictsDialog


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch):
    """As on a PC without a keyring: nothing of these tests is saved in one."""
    from hubapp.sync import credentials

    monkeypatch.setattr(credentials, "_keyring", lambda: None)


def _round(qtbot, runner, action=None, timeout=20_000) -> bool:
    with qtbot.waitSignal(runner.roundFinished, timeout=timeout) as blocker:
        if action is not None:
            action()
    return blocker.args[0]


def test_no_central_database_shows_nothing_about_sync(window, opened, store, qtbot):
    path = store.path
    store.close()
    controller = opened(path)
    runner = controller.start_sync()
    qtbot.wait(200)  # the address is looked for in the background: give it time to answer
    QThreadPool.globalInstance().waitForDone(5_000)
    qtbot.wait(50)
    assert not runner.is_configured
    assert not window.sync_now_action.isVisible()
    assert not window.sync_conflicts_action.isVisible()
    assert window.sync_label.isHidden()


def test_sync_now_updates_the_status_bar(window, opened, stations, qtbot):
    a = stations("Carlisle", "Civic Centre")
    case = a.new_case("Made before the first sync")
    controller = opened(a.path)
    runner = controller.start_sync(url=a.url, timeout=5)
    assert _round(qtbot, runner)  # the first round starts at once
    assert window.sync_now_action.isVisible() and window.sync_label.isVisible()
    assert window.sync_now_action.shortcut().toString() == "F9"
    text = window.sync_label.text()
    assert text.startswith("Last sync ") and "waiting" not in text, text
    assert a.pending() == 0

    a.edit(case, summary="Edited on this station")
    runner.refresh()
    qtbot.waitUntil(lambda: "1 change waiting" in window.sync_label.text(), timeout=5_000)
    assert _round(qtbot, runner, window.sync_now_action.trigger)
    assert "waiting" not in window.sync_label.text()
    assert a.pending() == 0
    assert "pushed" in window.sync_label.toolTip()


def test_a_conflict_is_shown_and_resolving_it_changes_the_stored_value(
    window, opened, stations, qtbot
):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.sync(), b.sync()
    a.edit(case, summary="Version A")
    b.edit(case, summary="Version B")
    b.sync()  # B's value reaches central first
    controller = opened(a.path)
    runner = controller.start_sync(url=a.url, timeout=5)
    assert _round(qtbot, runner)
    assert "1 conflict to resolve" in window.sync_label.text()
    assert a.case(case).summary == "Version B"  # the central value, until a person chooses

    window.sync_label.linkActivated.emit("conflicts")  # a click on the status text
    dialog = window.findChild(ConflictsDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5_000)
    cells = [dialog.model.index(0, c).data() for c in range(4)]
    assert cells[1:] == ["Summary", "Version A", "Version B"]
    assert cells[0].startswith("Case CAR")
    with qtbot.waitSignal(dialog.resolved, timeout=5_000):
        qtbot.mouseClick(dialog.ours_button, Qt.MouseButton.LeftButton)
    assert a.case(case).summary == "Version A"
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=5_000)
    qtbot.waitUntil(lambda: "conflict" not in window.sync_label.text(), timeout=5_000)
    dialog.close()

    assert _round(qtbot, runner, window.sync_now_action.trigger)  # the choice goes out
    b.sync()
    assert b.case(case).summary == "Version A"


def test_an_unreachable_server_says_offline_and_the_window_stays_responsive(
    window, opened, stations, qtbot
):
    a = stations("Carlisle", "Civic Centre")
    a.new_case()
    # a server that accepts the connection and never answers: the worst kind of link
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        controller = opened(a.path)
        url = f"postgresql://nobody:secret@127.0.0.1:{port}/hubapp"
        runner = controller.start_sync(url=url, timeout=2)
        qtbot.waitUntil(lambda: window.sync_label.text().startswith("Syncing"), timeout=5_000)
        # the event loop keeps running while the sync waits for the network
        ticks: list[float] = []
        started = time.perf_counter()
        for i in range(5):
            QTimer.singleShot(20 * i, lambda: ticks.append(time.perf_counter() - started))
        qtbot.waitUntil(lambda: len(ticks) == 5, timeout=1_000)
        assert runner.syncing and max(ticks) < 0.5
        window.search.setText("youths")  # the window takes input meanwhile
        assert window.search.text() == "youths"
        qtbot.waitUntil(lambda: not runner.syncing, timeout=15_000)
        qtbot.waitUntil(lambda: "changes waiting" in window.sync_label.text(), timeout=5_000)
        assert window.sync_label.text().startswith("Offline")
        assert "could not be reached" in window.sync_label.toolTip()
        assert window.isEnabled()
    finally:
        silent.close()


def _row(i: int, ours="mine", theirs="theirs") -> ConflictRow:
    return ConflictRow(f"c{i}", f"Case CAR-2026-{i:04d}", "Summary", ours, theirs, "kept", "")


def test_the_conflict_model_passes_the_model_tester(qtmodeltester):
    model = ConflictTableModel()
    model.set_rows([_row(1), _row(2, None, 3), _row(3, "two\nlines", True)])
    qtmodeltester.check(model, force_py=True)
    assert model.index(1, 2).data() == "(empty)"
    assert model.index(2, 2).data() == "two lines"
    assert model.index(0, 0).data(ConflictRole).id == "c1"
    model.set_rows([])
    qtmodeltester.check(model, force_py=True)
