"""A real PostgreSQL server for the sync tests, started once per run on a free loopback port.

The server itself is ``hubapp.sync.pgserver`` (shared with benchmarks/bench_sync.py). The
tests are skipped, with the reason, only when no PostgreSQL server binaries can be found.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def pg_server():
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
    for st in made:
        st.close()
