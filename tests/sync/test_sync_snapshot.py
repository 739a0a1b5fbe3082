"""Hub snapshots (``hubapp.sync.snapshot``): a new station's first copy from a ready-made,
encrypted copy of its hub, then the changes made since; and every case where it must not be
used and the first copy streams instead."""

from __future__ import annotations

import argparse
import uuid

import psycopg
import pytest
from psycopg.types.json import Jsonb
from syncutil import assert_replica_equals_central

from hubapp.cli.cmd_sync import run as cmd_central
from hubapp.store import accounts, audit, keys
from hubapp.store.accounts import AccountDraft
from hubapp.store.casework import people
from hubapp.store.database import connect
from hubapp.store.schema import CasePerson, Person
from hubapp.sync import snapshot

ADMIN_PW = "correct horse battery staple"


def _count(station, table: str) -> int:
    con = connect(station.path, read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _hub_with_cases(stations, hub="Carlisle", name="Civic Centre", n=30):
    a = stations(hub, name)
    cases = [a.new_case(f"Graffiti on the underpass number {i}") for i in range(n)]
    for case in cases[:10]:
        a.note(case, "Spoke to the caretaker")
    a.sync()
    return a, cases


def _victim(station, case_id) -> uuid.UUID:
    with station.store.write(reason="test") as s:
        person = Person(id=uuid.uuid4(), full_name="Vera Victim", phone="07700 900777")
        s.add(person)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case_id, person_id=person.id, role="victim"))
    station.sync()
    return person.id


def test_a_new_station_starts_from_the_hub_snapshot_then_pulls_what_came_after(stations, central):
    a, cases = _hub_with_cases(stations)
    victim = _victim(a, cases[3])
    [built] = snapshot.build(central, "Carlisle")
    assert (built.hub_code, built.rows) == ("CAR", _count(a, "case_") + 10 + 1 + 2)  # + a's
    # station, the victim and their part in the case
    later = a.new_case("Fly-tipping behind the chippy")  # after the snapshot
    a.edit(cases[0], location="Bitts Park")
    a.sync()

    b = stations("Carlisle", "Harraby")
    # the station's own: an account, its audit trail, a draft; all must survive
    accounts.create_account(b.store, AccountDraft("Admin", "Ada Admin", "administrator"), ADMIN_PW)
    accounts.sign_in(b.store, "admin", ADMIN_PW)
    with b.store.read() as s:
        entries_before = audit.verify(s).checked
    salt = keys.salt_of(b.path)
    summary = b.sync()
    assert summary.first_copy == "snapshot"
    assert "first copy came from its hub's ready-made copy" in summary.describe()
    assert summary.pulled >= built.rows
    assert b.case(later).summary == "Fly-tipping behind the chippy"
    assert b.case(cases[0]).location == "Bitts Park"
    assert _count(b, "case_") == 31 and _count(b, "note") == 10
    assert _count(b, "case_search") == 31  # the search index came with it
    assert _count(b, "sync_outbox") == 0
    assert keys.salt_of(b.path) == salt  # still its own file, opened by its own key
    assert not list(b.path.parent.glob("*.snapshot*")), "the download is removed"
    assert accounts.sign_in(b.store, "admin", ADMIN_PW).role == "administrator"
    # the keys people are found by are worked out here, never taken from the file
    assert [h.id for h in people.find(b.store, "+44 7700 900777")] == [victim]
    assert _count(b, "person_key_stale") == 0
    with b.store.read() as s:
        check = audit.verify(s)
    assert check.first_broken is None and check.checked >= entries_before
    assert_replica_equals_central(b)
    # an ordinary replica afterwards: its edits travel, and so do the others'
    b.edit(cases[1], location="Harraby Green")
    b.sync()
    a.sync()
    assert a.case(cases[1]).location == "Harraby Green"
    a.edit(cases[2], location="Rickerby Park")
    a.sync()
    assert b.sync().pulled >= 1 and b.case(cases[2]).location == "Rickerby Park"


def test_a_station_that_has_cases_of_its_own_streams_instead(stations, central):
    _a, _cases = _hub_with_cases(stations)
    snapshot.build(central, "Carlisle")
    b = stations("Carlisle", "Harraby")
    mine = b.new_case("Typed here before the first sync")
    summary = b.sync()
    assert summary.first_copy == "stream"
    assert b.case(mine).summary == "Typed here before the first sync"
    assert _count(b, "case_") == 31
    assert_replica_equals_central(b)


@pytest.mark.parametrize(
    "spoil",
    [
        "UPDATE hub_snapshot SET station_schema = '0007'",  # made by an older version
        "UPDATE hub_snapshot_chunk SET data = overlay(data placing '\\x00'::bytea from 5000)",
        "UPDATE hub_snapshot SET file_key = overlay(file_key placing '\\x00'::bytea from 1)",
    ],
    ids=["other schema", "damaged", "wrong key"],
)
def test_a_snapshot_that_does_not_fit_or_fails_its_checks_is_not_used(stations, central, spoil):
    _hub_with_cases(stations, n=5)
    snapshot.build(central, "Carlisle")
    with psycopg.connect(central) as c:
        c.execute(spoil)
        if "data" in spoil:  # a damaged copy with a matching checksum: the pages' own check
            c.execute(
                "UPDATE hub_snapshot SET sha256 = (SELECT sha256(string_agg(data, ''::bytea"
                " ORDER BY n)) FROM hub_snapshot_chunk)"
            )
    b = stations("Carlisle", "Harraby")
    salt = keys.salt_of(b.path)
    summary = b.sync()
    assert summary.first_copy == "stream"
    assert keys.salt_of(b.path) == salt
    assert _count(b, "case_") == 5
    assert_replica_equals_central(b)


def test_another_open_connection_means_the_first_copy_streams(stations, central):
    _hub_with_cases(stations, n=5)
    snapshot.build(central, "Carlisle")
    b = stations("Carlisle", "Harraby")
    other = connect(b.path)  # another program with the file open
    try:
        other.execute("SELECT count(*) FROM case_").fetchone()
        summary = b.sync()
    finally:
        other.close()
    assert summary.first_copy == "stream"
    assert_replica_equals_central(b)


def test_only_the_hubs_own_stations_can_read_its_snapshot(stations, central):
    _hub_with_cases(stations, n=3)
    snapshot.build(central, "Carlisle")
    outsider = stations("Copeland", "Whitehaven")
    with psycopg.connect(outsider.url) as c:
        assert c.execute("SELECT count(*) FROM hub_snapshot").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM hub_snapshot_chunk").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("DELETE FROM hub_snapshot")
    assert outsider.sync().first_copy == "stream"
    with psycopg.connect(central) as c:  # the builder cannot log in between builds
        role, login, password = c.execute(
            "SELECT rolname, rolcanlogin, rolpassword FROM pg_authid WHERE rolname LIKE"
            " '%\\_snapshot'"
        ).fetchone()
    assert role == "hubapp_car_snapshot" and not login and password is None


def test_erasing_a_record_or_ending_a_share_drops_stored_snapshots(stations, central):
    from hubapp.store.refdata import ref_id
    from hubapp.sync.share import share_case, unshare_case

    a, cases = _hub_with_cases(stations, n=3)
    c = stations("Copeland", "Whitehaven")
    c.new_case("Speeding on the Loop Road")
    c.sync()
    share_case(a.url, cases[1], "Copeland")
    snapshot.build(central)  # every hub with a station

    def stored() -> set:
        with psycopg.connect(central) as pg:
            return {r[0] for r in pg.execute("SELECT hub_id FROM hub_snapshot")}

    assert stored() == {ref_id("hub", "CAR"), ref_id("hub", "COP")}
    unshare_case(a.url, cases[1], "Copeland")  # Copeland's snapshot held that case
    assert stored() == {ref_id("hub", "CAR")}
    with psycopg.connect(a.url, autocommit=True) as pg:  # the station's push of an erasure
        erase = {"op": uuid.uuid4().hex, "tbl": "case_", "row": cases[0].hex, "kind": "erase",
                 "fields": {}}  # fmt: skip
        (result,) = pg.execute("CALL hubapp_push(%s, NULL)", (Jsonb([erase]),)).fetchone()
        assert result["applied"] == 1 and result["refused"] == []
    assert stored() == set()  # an erased record leaves no stored copy
    with psycopg.connect(central) as pg:
        assert pg.execute("SELECT count(*) FROM hub_snapshot_chunk").fetchone()[0] == 0


def test_the_command_builds_every_hub_with_records(stations, central, capsys):
    args = argparse.Namespace(command="central", what="snapshot", url=central, hub=None)
    stations("Copeland", "Whitehaven")  # a station, nothing synced yet
    assert cmd_central(args) == 0
    assert "No hub has records" in capsys.readouterr().out
    _hub_with_cases(stations, n=3)
    assert cmd_central(args) == 0
    out = capsys.readouterr().out
    assert "Stored the snapshot of Carlisle (CAR): 7 rows" in out  # 3 cases, 3 notes, a station
    assert "Copeland" not in out
    with psycopg.connect(central) as c:
        assert c.execute("SELECT count(*) FROM hub_snapshot").fetchone()[0] == 1


KILLED = """
import os, signal, sys
from hubapp.store.database import open_store
from hubapp.sync import snapshot
from hubapp.sync.engine import Syncer

snapshot.BACKUP_STEP = 1  # a page per step: the kill lands inside the copy into the file
stage = sys.argv[3]

def progress(what, done, total):
    if what.startswith(stage) and total and done * 2 >= total:
        os.kill(os.getpid(), signal.SIGKILL)

store = open_store(sys.argv[1])
syncer = Syncer(store, sys.argv[2])
syncer.progress = progress
syncer.run()
"""


@pytest.mark.parametrize("stage", ["Downloading", "Storing"])
def test_a_station_killed_halfway_through_the_snapshot_keeps_its_file_and_recovers(
    stations, central, monkeypatch, stage
):
    import subprocess
    import sys
    from pathlib import Path

    from hubapp.store.database import open_store

    monkeypatch.setattr(snapshot, "CHUNK", 16384)  # many chunks: a download with a middle
    _hub_with_cases(stations, n=40)
    snapshot.build(central, "Carlisle")
    b = stations("Carlisle", "Harraby")
    accounts.create_account(b.store, AccountDraft("Admin", "Ada Admin", "administrator"), ADMIN_PW)
    b.store.close()  # the file is the child's alone
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(b.path), b.url, stage],
        cwd=Path(__file__).parent, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == -9, done.stderr[-2000:]  # it died by SIGKILL, mid-way

    b.store = open_store(b.path)  # as the next start does: the file is as it was
    con = connect(b.path, read_only=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM case_").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM staff_account").fetchone()[0] == 1
    finally:
        con.close()
    assert not list(b.path.parent.glob("*.snapshot*")), "the half-done download is gone"
    summary = b.sync()
    assert summary.first_copy == "snapshot"
    assert _count(b, "case_") == 40
    assert_replica_equals_central(b)


def test_a_new_station_in_the_window_shows_the_first_copy_as_it_goes(
    window, opened, stations, central, qtbot, caplog
):
    import logging

    a = stations("Carlisle", "Civic Centre")
    for i in range(20):
        a.new_case(f"Parking on the verge {i}")
    a.sync()
    snapshot.build(central, "Carlisle")
    b = stations("Carlisle", "Harraby")
    b.store.close()
    caplog.set_level(logging.INFO, logger="hubapp.sync.snapshot")
    controller = opened(b.path)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0 and controller.db is not None)
    runner = controller.start_sync(url=b.url, timeout=5)
    shown: list[str] = []
    runner.statusChanged.connect(lambda text, _tip: shown.append(text))
    with qtbot.waitSignal(runner.roundFinished, timeout=30_000) as blocker:
        pass
    assert blocker.args == [True]
    assert "First copy from the hub snapshot" in caplog.text
    assert any(t.startswith("Sync: Downloading the hub's cases") for t in shown), shown
    assert any(t.startswith("Sync: Storing the hub's cases, 100%") for t in shown), shown
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=10_000)
    assert window.sync_label.text().startswith("Last sync "), window.sync_label.text()


def test_cuts_in_the_link_during_the_download_leave_the_station_as_it_was(
    stations, central, pg_server, monkeypatch
):
    from faultproxy import FaultProxy

    from hubapp.sync.central import CentralError

    monkeypatch.setattr(snapshot, "CHUNK", 16384)
    _hub_with_cases(stations, n=40)
    snapshot.build(central, "Carlisle")
    with psycopg.connect(central) as c:
        size = snapshot.offer(c).size
    b = stations("Carlisle", "Harraby")
    proxy = FaultProxy(pg_server.port, seed=11)
    cuts = 0
    try:
        for _ in range(8):  # cuts anywhere from the handshake to the end of the download
            proxy.arm(2_000, size)
            try:
                b.sync(proxy.url(b.url))
            except CentralError:
                cuts += 1
                # untouched, or (a cut after the copy went in) complete
                assert _count(b, "case_") in (0, 40)
                assert not list(b.path.parent.glob("*.snapshot*"))
                con = connect(b.path, read_only=True)
                try:
                    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                finally:
                    con.close()
            else:
                break
            finally:
                proxy.budget = None
    finally:
        proxy.close()
    assert cuts >= 3, f"only {cuts} syncs were cut"
    summary = b.sync()
    assert summary.first_copy in ("snapshot", "")  # "" when an uncut round got there first
    assert _count(b, "case_") == 40
    assert_replica_equals_central(b)


def test_the_snapshot_check_finds_a_row_that_breaks_the_rules(store):
    """The snapshot builder writes only rows that passed the pulled-data rules, so a
    snapshot with a bad row is a forged or foreign file: its check (pages and rows, beside
    the copy) refuses it, naming the table and the rule; the same file, mended, passes."""
    from casework import new_case

    from hubapp.sync.snapshot import NotUsable, _PageCheck

    case = new_case(store, "CAR-2026-0001")
    with store.engine.begin() as c:
        c.exec_driver_sql("UPDATE case_ SET status = 'hacked' WHERE id = ?", (case.hex,))
    store.checkpoint()
    with pytest.raises(NotUsable, match=r"a case_ row in it breaks the rules \(status"):
        _PageCheck(store.path, store.key).passed()
    with store.engine.begin() as c:
        c.exec_driver_sql("UPDATE case_ SET status = 'new' WHERE id = ?", (case.hex,))
    store.checkpoint()
    _PageCheck(store.path, store.key).passed()
