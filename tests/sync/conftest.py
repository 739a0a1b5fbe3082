"""A real PostgreSQL server for the sync tests, started once per run on a free loopback port.

The server itself is ``hubapp.sync.pgserver`` (shared with benchmarks/bench_sync.py). The
tests are skipped, with the reason, only when no PostgreSQL server binaries can be found.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def pg_server():
    if os.name != "posix":
        # the throw-away server listens on a Unix socket in its folder and, as root, runs
        # through runuser: a Linux arrangement (the Windows workflow skips these tests)
        pytest.skip("the sync tests start their PostgreSQL server on Linux only")
    pytest.importorskip("psycopg", reason="psycopg (the PostgreSQL driver) is not installed")
    from hubapp.sync import pgserver

    server = pgserver.start_server()
    if server is None:
        pytest.skip("PostgreSQL is not installed (scripts/system-packages test installs it)")
    yield server
    server.remove()


@pytest.fixture
def central(pg_server):
    """A new central database, initialised; its administrator URL."""
    from hubapp.sync import central

    url = pg_server.new_database()
    central.init(url)
    return url


@pytest.fixture
def stations(central, tmp_path):
    """Makes stations (``stations(hub, name)``) on the central database; closes them after."""
    from syncutil import Station

    made = []

    def make(hub: str, name: str):
        st = Station(tmp_path, central, hub, name)
        made.append(st)
        return st

    yield make
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10_000)  # background work of a window
    for st in made:
        st.close()


@pytest.fixture
def opened(window, qtbot, monkeypatch):
    """Open a station's database file in the window as the app does; stop sync afterwards."""
    from PySide6.QtCore import QThreadPool

    from hubapp.gui import Controller
    from hubapp.sync import credentials

    monkeypatch.delenv(credentials.ENV, raising=False)
    made: list = []

    def open_(path):
        controller = Controller(window, path)
        errors: list[str] = []
        controller.open(on_error=errors.append)
        qtbot.waitUntil(lambda: controller.db is not None or bool(errors), timeout=30_000)
        assert not errors
        window.attach(controller.db)
        made.append(controller)
        return controller

    yield open_
    for controller in made:
        controller.stop_sync()
    QThreadPool.globalInstance().waitForDone(30_000)
    for controller in made:
        if controller.db is not None:
            controller.db.store.close()
