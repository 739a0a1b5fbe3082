"""Stations of one hub number their cases apart; a duplicate reference never stops a pull."""

from __future__ import annotations

from datetime import datetime

import pytest

from hubapp.cli.cmd_sync import run as cmd_central
from hubapp.store import setup
from hubapp.store.casework.cases import new_case
from hubapp.store.database import open_store
from hubapp.store.refdata import ref_id
from hubapp.store.schema import Case
from hubapp.store.schema import Station as StationRow
from hubapp.sync import central as central_db
from hubapp.sync.engine import Syncer


def _station(tmp_path, admin_url, hub, name):
    store = open_store(tmp_path / f"{name}.sqlite3")
    info = setup.configure(store, hub, name)
    account = central_db.add_station(admin_url, hub, name)
    return store, info, account


def _case(store, info, summary):
    with store.write(reason="test") as s:
        case = new_case(s, hub_id=info.hub_id, category_id=ref_id("category", "asb_nuisance"),
                        channel_id=ref_id("channel", "call_101"),
                        received_at=datetime(2026, 11, 1, 10, 0), summary=summary)  # fmt: skip
        return case.id, case.reference


def _sync(store, url):
    syncer = Syncer(store, url, timeout=5)
    try:
        return syncer.run()
    finally:
        syncer.close()


def _prefix(store, info):
    with store.read() as s:
        return s.get(StationRow, info.station_id).ref_prefix


def _reference(store, case_id):
    with store.read() as s:
        return s.get(Case, case_id).reference


def test_add_station_gives_later_stations_of_a_hub_their_own_prefix(central, capsys):
    import argparse

    first = central_db.add_station(central, "Carlisle", "Civic Centre")
    assert first.ref_prefix == ""
    assert central_db.add_station(central, "Copeland", "Whitehaven").ref_prefix == ""
    assert central_db.add_station(central, "Carlisle", "Harraby").ref_prefix == "B"
    args = argparse.Namespace(command="central", what="add-station", url=central, hub="CAR",
                              station="Botcherby")  # fmt: skip
    assert cmd_central(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("prefix C (CARC-YYYY-NNNN)" in line for line in out), out
    assert out[-1].startswith("postgresql://")
    with pytest.raises(central_db.CentralError, match="must not contain control characters"):
        central_db.add_station(central, "Carlisle", "Botcherby\x00")


def test_a_station_takes_its_prefix_and_a_duplicate_reference_does_not_stop_the_pull(
    central, tmp_path
):
    a, a_info, a_acct = _station(tmp_path, central, "Carlisle", "Civic Centre")
    b, b_info, b_acct = _station(tmp_path, central, "Carlisle", "Harraby")
    try:
        # both number a case before their first sync, so both use the hub's plain numbering
        a_case, a_ref = _case(a, a_info, "Made on A")
        b_case, b_ref = _case(b, b_info, "Made on B")
        assert a_ref == b_ref == "CAR-2026-0001"

        assert _sync(a, a_acct.url).warnings == []
        summary = _sync(b, b_acct.url)  # receives A's case: same reference, another case
        assert any("CAR-2026-0001/2" in w for w in summary.warnings), summary.warnings
        assert _reference(b, b_case) == "CAR-2026-0001"
        assert _reference(b, a_case) == "CAR-2026-0001/2"
        summary = _sync(a, a_acct.url)  # and A receives B's
        assert _reference(a, b_case) == "CAR-2026-0001/2"
        assert summary.pulled >= 1

        # B took the prefix central gave it; A (the hub's first station) has none
        assert (_prefix(a, a_info), _prefix(b, b_info)) == ("", "B")
        _c, ref = _case(b, b_info, "Second on B")
        assert ref.startswith("CARB-2026-"), ref
        _sync(b, b_acct.url)
        _sync(a, a_acct.url)
        assert _sync(a, a_acct.url).warnings == []
        # nothing is left unsent, and the central records keep the original references
        for store in (a, b):
            with store.engine.connect() as c:
                assert c.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar_one() == 0
    finally:
        a.close()
        b.close()


def test_a_prefix_set_by_hand_is_kept(central, tmp_path):
    central_db.add_station(central, "Barrow", "Town Hall")
    store, info, acct = _station(tmp_path, central, "Barrow", "Ormsgill")
    try:
        with store.write(reason="test") as s:
            s.get(StationRow, info.station_id).ref_prefix = "Q"
        _sync(store, acct.url)
        assert _prefix(store, info) == "Q"
    finally:
        store.close()
