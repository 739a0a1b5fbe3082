"""Cut links, killed processes and a restarted server: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faultproxy import FaultProxy
from syncutil import Station, assert_replica_equals_central, central_rows

from hubapp.sync.central import CentralError

FAULTS = 60


def _edit_at_random(rng: random.Random, st: Station, cases: list) -> None:
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.3 or not cases:
            cases.append(st.new_case(f"Case {rng.randint(1, 10**6)}"))
        elif roll < 0.6:
            st.note(rng.choice(cases), f"Note {rng.randint(1, 10**6)}")
        else:
            field = rng.choice(["summary", "location", "risk_level", "town"])
            value = {"risk_level": rng.choice(["standard", "medium", "high"])}.get(
                field, f"{field} {rng.randint(1, 10**6)}"
            )
            st.edit(rng.choice(cases), **{field: value})


def test_random_cuts_during_push_and_pull_lose_and_double_nothing(central, pg_server, tmp_path):
    rng = random.Random(20261125)
    proxy = FaultProxy(pg_server.port, seed=6)
    stations = [Station(tmp_path, central, "Carlisle", f"Station {i}") for i in range(3)]
    cases: list = []
    faults = 0
    try:
        for st in stations:
            st.sync()
        for _ in range(FAULTS):
            st = rng.choice(stations)
            _edit_at_random(rng, st, cases if st is stations[0] else [])
            # the first few hundred bytes are the handshake; beyond that the cut lands in
            # the push, between push and pull, or in the pull
            proxy.arm(300, 9000)
            try:
                st.sync(proxy.url(st.url))
            except CentralError:
                faults += 1
            proxy.budget = None
        for _ in range(2):
            for st in stations:
                st.sync()
        assert faults >= FAULTS // 2, f"only {faults} syncs were cut"
        for st in stations:
            assert_replica_equals_central(st)
        notes = [k for k in central_rows(stations[0].url) if k[0] == "note"]
        assert len(notes) == len(set(notes))
    finally:
        proxy.close()
        for st in stations:
            st.close()


CHILD = """
import sys
from hubapp.store.database import open_store
from hubapp.sync.engine import Syncer
store = open_store(sys.argv[1])
print("ready", flush=True)
while True:
    Syncer(store, sys.argv[2]).run()
"""


def test_a_station_killed_mid_sync_and_a_server_restarted_mid_sync_recover(
    central, pg_server, tmp_path
):
    a = Station(tmp_path, central, "Carlisle", "Civic Centre")
    b = Station(tmp_path, central, "Carlisle", "Harraby")
    rng = random.Random(3)
    try:
        for round_ in range(4):
            for i in range(60):
                case = a.new_case(f"Bulk {round_}/{i}")
                a.note(case, "note")
            proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(a.path), a.url],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=Path(__file__).parent,
            )  # fmt: skip
            proc.stdout.readline()
            time.sleep(rng.uniform(0.0, 0.15))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        a.store.engine.dispose()
        # the server goes down in the middle of a sync and comes back
        for i in range(40):
            a.new_case(f"Before restart {i}")
        import threading

        restart = threading.Timer(0.02, pg_server.restart)
        restart.start()
        try:
            a.sync()
        except CentralError:
            pass
        restart.join()
        for _ in range(2):
            for st in (a, b):
                for _attempt in range(20):
                    try:
                        st.sync()
                        break
                    except CentralError:
                        time.sleep(0.25)  # the server is still starting
        for st in (a, b):
            assert_replica_equals_central(st)
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("bad", ["postgresql://nobody:wrong@127.0.0.1:1/none"])
def test_sync_from_the_command_line(central, tmp_path, bad, capsys):
    from hubapp.cli import main

    db = tmp_path / "cli.sqlite3"
    assert main(["--db", str(db), "setup", "--hub", "Barrow", "--station", "Barrow PS"]) == 0
    capsys.readouterr()
    assert main(["central", "add-station", "--url", central, "--hub", "Barrow",
                 "--station", "Barrow PS"]) == 0  # fmt: skip
    url = capsys.readouterr().out.strip().splitlines()[-1]
    assert url.startswith("postgresql://hubapp_bar_")
    assert main(["--db", str(db), "sync", "--central", url]) == 0
    out = capsys.readouterr()
    assert "pushed" in out.out and "pulled" in out.out
    assert main(["--db", str(db), "sync", "--central", bad]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("hubapp: Cannot reach the central database") and "\n" not in err
