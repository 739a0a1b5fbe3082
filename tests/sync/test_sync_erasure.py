"""Erasure travels: a row deleted on one station is deleted centrally (with every change-log
entry and conflict holding its values) and on every other station that had it."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy import text
from syncutil import assert_replica_equals_central

from hubapp.store import capture
from hubapp.store.database import connect
from hubapp.sync.share import share_case


def _erase_case(station, case_id: uuid.UUID) -> None:
    """Delete a case and its rows with plain DELETEs, children first, as erasure does."""
    con = connect(station.path, read_only=True)
    try:
        children = [
            t
            for t in capture.captured_tables()
            if any(r[1] == "case_id" for r in con.execute(f'PRAGMA table_info("{t}")'))
        ]
    finally:
        con.close()
    with station.store.write(reason="test: erasure") as s:
        for t in reversed(children):
            s.execute(text(f'DELETE FROM "{t}" WHERE case_id = :c'), {"c": case_id.hex})
        s.execute(text("DELETE FROM case_ WHERE id = :c"), {"c": case_id.hex})


def _central_mentions(url: str, word: str) -> int:
    with psycopg.connect(url) as c:
        return c.execute(
            "SELECT (SELECT count(*) FROM record WHERE fields::text LIKE %(w)s)"
            " + (SELECT count(*) FROM change WHERE fields::text LIKE %(w)s)",
            {"w": f"%{word}%"},
        ).fetchone()[0]


def _outbox(station) -> list[tuple]:
    con = connect(station.path, read_only=True)
    try:
        return con.execute("SELECT tbl, kind, fields FROM sync_outbox ORDER BY seq").fetchall()
    finally:
        con.close()


def test_an_erased_case_leaves_central_and_every_station(stations, central):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    gone = a.new_case("Zebedee Quarrington reported harassment")
    a.note(gone, "Zebedee Quarrington called again")
    stays = a.new_case("Bins left out on Botchergate")
    a.sync()
    b.sync()
    # an edit still waiting to be pushed holds the value too: erasure drops it
    a.edit(gone, location="Quarrington Close")
    assert b.case(gone) is not None and _central_mentions(central, "Quarrington") > 0

    _erase_case(a, gone)
    queued = _outbox(a)
    assert queued and {k for _t, k, _f in queued} == {"erase"}
    assert all(f == "{}" and "Quarrington" not in str(q) for q in queued for f in q[2:])
    summary = a.sync()
    assert summary.refused == 0
    assert _central_mentions(central, "Quarrington") == 0, "values left in record or log"
    b.sync()
    assert b.case(gone) is None and b.case(stays) is not None
    for st in (a, b):
        assert_replica_equals_central(st)


def test_erasing_a_shared_case_removes_it_from_the_other_hub(stations, central):
    owner, other = stations("Carlisle", "Civic Centre"), stations("Allerdale", "Workington")
    case = owner.new_case("Off-road bikes on the cycle path")
    owner.note(case, "Seen again on Sunday")
    owner.sync()
    share_case(owner.url, case, "Allerdale")
    other.sync()
    assert other.case(case) is not None
    _erase_case(owner, case)
    owner.sync()
    other.sync()
    assert other.case(case) is None
    with psycopg.connect(central) as c:
        assert c.execute("SELECT count(*) FROM case_share").fetchone()[0] == 0
    for st in (owner, other):
        assert_replica_equals_central(st)


def test_a_station_cannot_erase_another_hubs_row(stations, central):
    theirs, mine = stations("Barrow", "Barrow Police Station"), stations("Carlisle", "Civic Centre")
    case = theirs.new_case("Speeding on Abbey Road")
    theirs.sync()
    mine.sync()
    with mine.store.write(reason="test: a forged erasure") as s:
        s.execute(
            text(
                "INSERT INTO sync_outbox (op_id, tbl, row_id, kind, fields, made_at)"
                " VALUES (:o, 'case_', :r, 'erase', '{}', '2026-11-25 10:00:00')"
            ),
            {"o": uuid.uuid4().hex, "r": case.hex},
        )
    summary = mine.sync()
    assert summary.refused == 1 and mine.pending() == 0
    with psycopg.connect(central) as c:
        assert c.execute("SELECT count(*) FROM record WHERE id = %s", (case,)).fetchone()[0] == 1
    theirs.sync()
    assert theirs.case(case) is not None
