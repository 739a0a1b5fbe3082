"""Honest sync status (each kind of failure in its own words) and quitting during a sync,
against the real PostgreSQL server of the sync tests."""

from __future__ import annotations

import logging
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from PySide6.QtCore import QThreadPool
from syncutil import Station, assert_replica_equals_central

from hubapp.models import sync_status
from hubapp.sync import failures
from hubapp.sync.engine import Syncer, SyncStatus


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch):
    """As on a PC without a keyring: nothing of these tests is saved in one."""
    from hubapp.sync import credentials

    monkeypatch.setattr(credentials, "_keyring", lambda: None)


def _with_password(url: str, password: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, f"{p.username}:{password}@{p.hostname}:{p.port}", *p[2:]))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fail(station: Station, url: str) -> failures.Failure:
    syncer = Syncer(station.store, url, timeout=3)
    try:
        with pytest.raises(Exception) as caught:
            syncer.run()
    finally:
        syncer.close()
    return failures.classify(caught.value)


# --- classification, against the real server ---------------------------------------------------


def test_each_failure_of_a_real_sync_is_told_apart(stations, central):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    a.new_case()
    assert a.sync().pushed >= 1

    wrong = _with_password(a.url, "not-the-password")
    got = _fail(a, wrong)
    assert got.kind == failures.Kind.REFUSED
    assert got.sentence.startswith("Sign-in to the central database was refused")
    assert "not-the-password" not in got.sentence + got.detail

    down = f"postgresql://nobody:secret@127.0.0.1:{_closed_port()}/hubapp"
    got = _fail(a, down)
    assert got.kind == failures.Kind.OFFLINE
    assert "secret" not in got.detail

    got = _fail(b, a.url)  # A's role is bound to A: B must not use it
    assert got.kind == failures.Kind.OTHER_STATION

    with psycopg.connect(central, autocommit=True) as admin:
        admin.execute("UPDATE central_info SET value = '99' WHERE key = 'min_station_schema'")
    got = _fail(a, a.url)
    assert got.kind == failures.Kind.UPDATE_APP
    assert got.sentence == "Update hubapp: the central database is newer."


def test_classify_hides_passwords_and_keeps_unknown_errors_as_other():
    err = RuntimeError("boom at postgresql://role:s3cret@host:5432/hubapp")
    got = failures.classify(err)
    assert got.kind == failures.Kind.OTHER
    assert "s3cret" not in got.sentence and "s3cret" not in got.detail
    assert "***" in got.detail


def _state(**kw) -> sync_status.SyncState:
    base = SyncStatus("2026-01-02T10:00:00", "", 0, 0, 0.0)
    fields = {**base.__dict__, **kw}
    return sync_status.SyncState(**fields)


def test_the_status_words_for_each_kind():
    s = _state(pending=3)
    assert sync_status.describe(s, failure="offline").startswith("Offline · last sync")
    assert sync_status.describe(s, offline=True).startswith("Offline")
    assert sync_status.describe(s, failure="refused").startswith(
        "Sign-in to the central database was refused; ask an administrator for a new address"
    )
    assert sync_status.describe(s, failure="update_app").startswith(
        "Update hubapp: the central database is newer"
    )
    other = sync_status.describe(s, failure="other")
    assert other.startswith("The last sync failed") and "3 changes waiting" in other
    assert "2 changes refused" in sync_status.describe(_state(refused=2))
    assert _state(conflicts=1, refused=2).attention == 3


# --- the status bar -----------------------------------------------------------------------------


def _round(qtbot, runner, action=None, timeout=20_000) -> bool:
    with qtbot.waitSignal(runner.roundFinished, timeout=timeout) as blocker:
        if action is not None:
            action()
    return blocker.args[0]


def test_the_status_bar_says_why_sync_failed(window, opened, stations, qtbot, caplog):
    a = stations("Carlisle", "Civic Centre")
    a.new_case()
    controller = opened(a.path)
    caplog.set_level(logging.INFO)
    runner = controller.start_sync(url=_with_password(a.url, "changed-by-admin"), timeout=3)
    assert not _round(qtbot, runner)
    text = window.sync_label.text()
    assert text.startswith("Sign-in to the central database was refused"), text
    assert "changes waiting" in text
    assert "changed-by-admin" not in window.sync_label.toolTip()
    assert "changed-by-admin" not in caplog.text

    runner.configure(a.url)  # the administrator's new address: syncing resumes
    assert _round(qtbot, runner)
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Last sync"), timeout=5_000)
    assert a.pending() == 0


# --- quitting during a sync ---------------------------------------------------------------------


class _HeldLock:
    """Hold the central change log's lock from an administrator's session (no station can):
    a push waits for it."""

    def __init__(self, admin_url: str) -> None:
        self.conn = psycopg.connect(admin_url)
        self.conn.execute("SELECT 1 FROM change_serial FOR UPDATE")

    def release(self) -> None:
        self.conn.commit()
        self.conn.close()


def test_quitting_during_a_round_waits_for_it_then_closes(window, opened, stations, qtbot, central):
    a = stations("Carlisle", "Civic Centre")
    a.new_case()
    a.sync()
    a.new_case("Made just before quitting")
    controller = opened(a.path)
    controller.quit_wait_ms = 10_000
    lock = _HeldLock(central)
    try:
        runner = controller.start_sync(url=a.url, timeout=5)
        qtbot.waitUntil(lambda: runner.syncing, timeout=5_000)
        assert not window.close()  # the round is under way: the window stays, and says why
        assert window.isVisible()
        assert window.statusBar().currentMessage() == "Finishing the sync…"
        assert window.sync_label.text() == "Finishing the sync…"
        threading.Timer(0.5, lock.release).start()  # the round can finish now
        with qtbot.waitSignal(runner.roundFinished, timeout=10_000) as done:
            pass
        assert done.args == [True]
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    finally:
        if not lock.conn.closed:
            lock.release()
    assert a.pending() == 0
    assert_replica_equals_central(a)


def test_quitting_interrupts_a_round_that_takes_too_long_and_the_next_start_resumes(
    window, opened, stations, qtbot, central
):
    a = stations("Carlisle", "Civic Centre")
    a.new_case()
    a.sync()
    for i in range(3):
        a.new_case(f"Waiting {i}")
    controller = opened(a.path)
    controller.quit_wait_ms = 500
    lock = _HeldLock(central)
    try:
        runner = controller.start_sync(url=a.url, timeout=5)
        qtbot.waitUntil(lambda: runner.syncing, timeout=5_000)
        assert not window.close()
        # after half a second the push's statement is cancelled: the round ends, not frozen
        with qtbot.waitSignal(runner.roundFinished, timeout=10_000) as done:
            pass
        assert done.args == [False]
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    finally:
        lock.release()
    QThreadPool.globalInstance().waitForDone(10_000)
    assert a.pending() == 3  # nothing was half-sent: the push rolled back centrally
    summary = a.sync()  # the next start
    assert summary.pushed == 3
    assert_replica_equals_central(a)


def test_quitting_without_a_running_round_closes_at_once(window, opened, stations, qtbot):
    a = stations("Carlisle", "Civic Centre")
    controller = opened(a.path)
    runner = controller.start_sync(url=a.url, timeout=5)
    assert _round(qtbot, runner)
    assert window.close()
