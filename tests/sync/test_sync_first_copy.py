"""A new station's first copy (``first_copy._Stream``): rows split into columns by PostgreSQL,
streamed table by table, and the rows that must go the slow way."""

from __future__ import annotations

import uuid

import psycopg
from syncutil import assert_replica_equals_central

from hubapp.store.database import connect


def _counts(station) -> dict[str, int]:
    con = connect(station.path, read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("case_", "case_search", "note", "sync_outbox")
        }
    finally:
        con.close()


def _found(station, word: str) -> int:
    con = connect(station.path, read_only=True)
    try:
        return con.execute(
            "SELECT count(*) FROM case_search WHERE case_search MATCH ?", (word,)
        ).fetchone()[0]
    finally:
        con.close()


def test_a_new_station_copies_everything_with_search_and_keys_intact(stations):
    a = stations("Carlisle", "Civic Centre")
    cases = [a.new_case(f"Graffiti on the underpass number {i}") for i in range(40)]
    for case in cases[:10]:
        a.note(case, "Spoke to the caretaker")
    a.edit(cases[0], council_ref="ENV-1234", location="Bitts Park")
    a.sync()

    b = stations("Carlisle", "Harraby")
    summary = b.sync()
    assert summary.pulled >= 50
    counts = _counts(b)
    assert counts["case_"] == 40 and counts["case_search"] == 40 and counts["note"] == 10
    assert counts["sync_outbox"] == 0, "rows copied from central must not be sent back"
    assert _found(b, "underpass") == 40 and _found(b, "Bitts") == 1
    assert b.case(cases[0]).council_ref == "ENV-1234"
    assert_replica_equals_central(b)
    # the copy is an ordinary replica afterwards: an edit there travels back
    b.edit(cases[1], location="Harraby Green")
    b.sync()
    a.sync()
    assert a.case(cases[1]).location == "Harraby Green"


def test_records_without_a_local_column_or_with_an_unknown_one_arrive(stations, central):
    a = stations("Allerdale", "Workington")
    old, future, plain = a.new_case("Old record"), a.new_case("Newer record"), a.new_case("Plain")
    a.sync()
    with psycopg.connect(central) as c:
        # written by a station whose schema had no council_ref yet: the slow way
        c.execute("UPDATE record SET fields = fields - 'council_ref' WHERE id = %s", (old,))
        # a column a newer central schema has and this station does not know: ignored
        c.execute(
            'UPDATE record SET fields = fields || \'{"future_field": "x"}\' WHERE id = %s',
            (future,),
        )

    b = stations("Allerdale", "Cockermouth")
    b.sync()
    for case, summary in ((old, "Old record"), (future, "Newer record"), (plain, "Plain")):
        got = b.case(case)
        assert got is not None and got.summary == summary
    assert b.case(old).council_ref == ""  # the column's default, as for a new case
    assert _counts(b)["case_search"] == 3
    assert_replica_equals_central(b)


def test_a_station_that_worked_before_its_first_sync_keeps_its_cases_once(stations):
    a = stations("Barrow", "Barrow Police Station")
    theirs = a.new_case("Parking on the pavement")
    a.sync()
    b = stations("Barrow", "Walney")
    mine = b.new_case("Noise from the flat above")  # made offline, before any sync
    b.sync()
    counts = _counts(b)
    assert counts["case_"] == 2 and counts["case_search"] == 2
    assert b.case(theirs).summary == "Parking on the pavement"
    assert b.case(mine).summary == "Noise from the flat above"
    assert_replica_equals_central(b)
    a.sync()
    assert a.case(mine) is not None


def test_another_hubs_cases_are_not_copied(stations):
    a = stations("South Lakeland", "Kendal Police Station")
    a.new_case("Speeding on the A6")
    a.sync()
    b = stations("Carlisle", "Civic Centre")
    b.sync()
    assert _counts(b)["case_"] == 0
    assert_replica_equals_central(b)
    assert uuid.UUID(int=0) != b.store.station_id


def test_a_first_copy_cut_anywhere_keeps_nothing_and_the_next_sync_completes(stations, pg_server):
    import threading

    from faultproxy import FaultProxy

    from hubapp.sync.central import CentralError

    a = stations("Carlisle", "Civic Centre")
    cases = [a.new_case(f"Drugs litter in the stairwell {i}") for i in range(30)]
    for case in cases:
        a.note(case, "Needles reported to the council")
    a.sync()
    b = stations("Carlisle", "Morton")
    proxy = FaultProxy(pg_server.port, seed=11)
    threads = threading.active_count()
    cut = 0
    try:
        for low, high in ((3000, 6000), (6000, 12000), (12000, 24000), (24000, 48000)):
            proxy.arm(low, high)
            try:
                b.sync(proxy.url(b.url))
            except CentralError:
                cut += 1
            proxy.budget = None
            # one transaction: all of the copy or none of it, never a part
            assert _counts(b)["case_"] in (0, 30)
            if _counts(b)["case_"] == 30:
                break
    finally:
        proxy.close()
    assert cut >= 2, "the copy was not cut"
    assert threading.active_count() <= threads + 1  # no reading thread left behind
    b.sync()
    assert _counts(b) | {"sync_outbox": 0} == {
        "case_": 30, "case_search": 30, "note": 30, "sync_outbox": 0
    }  # fmt: skip
    assert_replica_equals_central(b)
