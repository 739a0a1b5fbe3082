"""Two or more stations against one real central PostgreSQL database."""

from __future__ import annotations

import psycopg
import pytest
from syncutil import assert_replica_equals_central

from hubapp.store.database import open_store
from hubapp.sync import central as central_mod
from hubapp.sync import conflicts
from hubapp.sync.central import CentralError
from hubapp.sync.share import share_case, unshare_case


def test_a_case_made_on_one_station_reaches_the_other(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case("Fly-tipping behind the shops")
    assert a.pending() > 0
    summary = a.sync()
    assert summary.pushed >= 2 and a.pending() == 0
    b.sync()
    assert b.case(case).summary == "Fly-tipping behind the shops"
    a.sync()
    for st in (a, b):
        assert_replica_equals_central(st)


def test_the_same_field_changed_on_both_sides_keeps_both_for_a_person(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.sync(), b.sync()
    a.edit(case, summary="Version A")
    b.edit(case, summary="Version B")
    a.sync()
    summary = b.sync()
    assert summary.conflicts == 1
    assert b.case(case).summary == "Version A"  # the central value; B's is in the conflict
    a.sync()
    for st in (a, b):
        (c,) = conflicts.open_conflicts(st.store)
        assert (c.field, c.kept, c.other, c.base) == ("summary", "Version A", "Version B",
                                                      "Youths on the green")  # fmt: skip
    conflicts.resolve(b.store, c.id, keep="other")
    b.sync(), a.sync()
    assert a.case(case).summary == b.case(case).summary == "Version B"
    assert conflicts.open_conflicts(a.store) == []
    for st in (a, b):
        assert_replica_equals_central(st)


def test_different_fields_merge(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.sync(), b.sync()
    a.edit(case, summary="New summary")
    b.edit(case, risk_level="high", location="Market Square")
    a.sync()
    assert b.sync().conflicts == 0
    a.sync()
    for st in (a, b):
        got = st.case(case)
        assert (got.summary, got.risk_level, got.location) == ("New summary", "high",
                                                               "Market Square")  # fmt: skip
        assert_replica_equals_central(st)


def test_notes_are_append_only_and_never_conflict(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.sync(), b.sync()
    a.note(case, "Spoke to the caretaker")
    b.note(case, "Council will clear it on Friday")
    a.sync()
    assert b.sync().conflicts == 0
    a.sync()
    for st in (a, b):
        assert_replica_equals_central(st)
    assert len([k for k in __import__("syncutil").local_rows(a.path) if k[0] == "note"]) == 2


def test_an_edit_against_a_void_is_kept_on_the_voided_row_and_flagged(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.sync(), b.sync()
    a.edit(case, voided=True)
    b.edit(case, summary="Still going on")
    a.sync()
    assert b.sync().conflicts == 1
    a.sync()
    got = a.case(case)
    assert got.voided and got.summary == "Still going on"
    (c,) = conflicts.open_conflicts(a.store)
    assert c.field == "voided"
    conflicts.resolve(a.store, c.id, keep="other")  # restore the case
    a.sync(), b.sync()
    assert not b.case(case).voided
    for st in (a, b):
        assert_replica_equals_central(st)


def test_sharing_shows_a_case_to_another_hub_and_unsharing_takes_it_back(stations):
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    case = a.new_case("Shared problem")
    a.note(case, "Started near the county boundary")
    private = a.new_case("Carlisle only")
    a.sync(), c.sync()
    assert c.case(case) is None
    share_case(a.url, case, "Copeland")
    c.sync()
    assert c.case(case).summary == "Shared problem"
    assert c.case(private) is None
    c.note(case, "Seen in Cleator Moor too")  # the other hub works on the shared case
    c.sync(), a.sync()
    for st in (a, c):
        assert_replica_equals_central(st)
    unshare_case(a.url, case, "Copeland")
    c.sync()
    assert c.case(case) is None
    assert_replica_equals_central(c)
    with pytest.raises(CentralError):  # Copeland cannot even see it
        share_case(c.url, private, "Copeland")


def test_row_level_security_confines_a_station_to_its_hub(stations, central):
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    case = a.new_case("Not for Copeland")
    a.sync(), c.sync()
    with psycopg.connect(c.url) as con:
        role = con.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == (False, False, False)
        owners = {r[0] for r in con.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}  # fmt: skip
        assert con.info.user not in owners
        forced = con.execute(
            "SELECT bool_and(relrowsecurity AND relforcerowsecurity) FROM pg_class "
            "WHERE relname IN ('record', 'change', 'conflict', 'push_ledger', 'case_share')"
        ).fetchone()[0]
        assert forced
        # what a station reads, it reads through views that show its hub's rows only
        assert (
            con.execute("SELECT count(*) FROM station_record WHERE id = %s", (case,)).fetchone()[0]
            == 0
        )
        assert (
            con.execute(
                "SELECT count(*) FROM station_change WHERE row_id = %s", (case,)
            ).fetchone()[0]
            == 0
        )
        for statement in (
            "SELECT count(*) FROM record",
            "SELECT count(*) FROM change",
            'UPDATE record SET fields = fields || \'{"summary": "x"}\'',
            "INSERT INTO record (id, tbl, hub_id, fields) "
            "SELECT gen_random_uuid(), 'case_', hub_id, '{}' FROM hub_station LIMIT 1",
            "INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields) "
            f"VALUES ('case_', '{case}', '{central_mod.find_hub('CAR')[0]}', '{case}', "
            "'update', '{}')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)
            con.rollback()
    with psycopg.connect(a.url) as con:
        assert (
            con.execute("SELECT count(*) FROM station_record WHERE id = %s", (case,)).fetchone()[0]
            == 1
        )


def test_a_lost_acknowledgement_and_a_repeated_push_apply_nothing_twice(stations, monkeypatch):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.note(case, "one note")
    from hubapp.sync import engine

    real_write = a.store.write
    calls = {"n": 0}

    def lose_ack(reason=""):
        if reason == "sync: pushed to central" and calls["n"] == 0:
            calls["n"] += 1
            raise ConnectionError("link lost before the acknowledgement was stored")
        return real_write(reason)

    monkeypatch.setattr(a.store, "write", lose_ack)
    with pytest.raises(ConnectionError):
        a.sync()
    monkeypatch.setattr(a.store, "write", real_write)
    assert a.pending() > 0  # the ops were applied centrally but are still here
    summary = a.sync()
    assert summary.pushed == 0  # the ledger knew every one of them
    b.sync(), a.sync()
    with psycopg.connect(a.url) as con:
        n = con.execute("SELECT count(*) FROM station_change WHERE tbl = 'note'").fetchone()[0]
    assert n == 1
    del engine
    for st in (a, b):
        assert_replica_equals_central(st)


def test_a_station_older_than_the_central_schema_is_told_to_update_and_keeps_its_changes(
    stations, central
):
    a = stations("Carlisle", "Civic Centre")
    a.new_case()
    before = a.pending()
    with psycopg.connect(central) as con:
        con.execute("UPDATE central_info SET value = '99' WHERE key = 'min_station_schema'")
    with pytest.raises(CentralError, match="update hubapp"):
        a.sync()
    assert a.pending() == before


def test_a_wrong_clock_is_reported_but_orders_nothing(stations, monkeypatch):
    from datetime import timedelta

    from hubapp.sync import engine

    a = stations("Carlisle", "Civic Centre")
    real = engine.utcnow
    monkeypatch.setattr(engine, "utcnow", lambda: real() + timedelta(minutes=12))
    summary = a.sync()
    assert "12 minutes ahead" in summary.describe()


def test_a_demo_database_is_never_synced(central, tmp_path):
    from hubapp.store.exchange import demo

    s = open_store(tmp_path / "demo.sqlite3")
    demo.generate(s, 3, seed=1)
    from hubapp.sync.engine import Syncer

    with pytest.raises(CentralError, match="demo database"):
        Syncer(s, central).run()
    with s.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar_one() <= 1
    s.close()


def test_a_stations_own_change_coming_back_is_not_written_again(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.sync(), b.sync()
    a.edit(case, summary="Seen from the bus stop")
    before = a.case(case).row_version
    a.sync()  # pushes the edit; the pull brings it back from the change log
    assert a.case(case).row_version == before
    # but a row another station changed in between ends as central has it
    a.edit(case, location="Bus station")
    b.edit(case, town="Carlisle city centre")
    b.sync()
    a.sync()
    for st in (a, b):
        st.sync()
        assert_replica_equals_central(st)
