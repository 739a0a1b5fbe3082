"""The rules a pulled value must pass (``hubapp.sync.inbound``), in Python (an ordinary pull)
and in SQL (a first copy and a hub snapshot, checked a table at a time): both give the same
verdict on the same stored value, and central's allow-list matches the station's schema."""

from __future__ import annotations

import sqlite3

import pytest

from hubapp.store import capture
from hubapp.store.schema import Base
from hubapp.sync import inbound
from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006
from hubapp.sync.central_migrations.versions import c0007_merges_and_links as c0007
from hubapp.sync.central_migrations.versions import c0008_statutory_casework as c0008
from hubapp.sync.central_migrations.versions import c0009_evidence_and_letters as c0009

HEX = "0123456789abcdef0123456789abcdef"
# (column kind, value as pulled, value as a first copy stores it, bad?)
CASES = [
    ("id", HEX, HEX, False),
    ("id", HEX.upper(), HEX.upper(), True),
    ("id", "00000000000000000000000000000001x", "00000000000000000000000000000001x", True),
    ("id", "'; DROP TABLE x; --", "'; DROP TABLE x; --", True),
    ("id", 1, 1, True),
    ("date", "2026-02-28", "2026-02-28", False),
    ("date", "2026-02-30", "2026-02-30", True),
    ("date", "28/02/2026", "28/02/2026", True),
    ("date", "2026-2-28", "2026-2-28", True),
    ("datetime", "2026-02-28 10:00:00", "2026-02-28 10:00:00", False),
    ("datetime", "2026-02-28 10:00:00.123456", "2026-02-28 10:00:00.123456", False),
    ("datetime", "2026-02-28 25:00:00", "2026-02-28 25:00:00", True),
    ("datetime", "2026-02-28T10:00:00", "2026-02-28T10:00:00", True),
    ("datetime", "2026-02-28 10:00:00.1234567", "2026-02-28 10:00:00.1234567", True),
    ("datetime", "yesterday", "yesterday", True),
    ("int", 7, 7, False),
    ("int", "7x", "7x", True),
    ("int", 10**16, 10**16, True),
    ("bool", 1, 1, False),
    ("bool", 0, 0, False),
    ("bool", 2, 2, True),
    ("bool", "yes", "yes", True),
    ("text", "Fly-tipping", "Fly-tipping", False),
    ("text", "x" * 5000, "x" * 5000, True),
]


def _column(kind: str) -> inbound.Column:
    return inbound.Column("c", kind, nullable=False, longest=1000 if kind == "text" else None)


@pytest.mark.parametrize("driver", ["sqlite3", "sqlcipher"])
@pytest.mark.parametrize(("kind", "pulled", "stored", "bad"), CASES)
def test_python_and_sql_agree_on_each_value(kind, pulled, stored, bad, driver):
    """On the standard library's SQLite (plaintext stations) and on SQLCipher's, whose
    newer SQLite checks ids with ``unhex``."""
    from sqlcipher3 import dbapi2 as sqlcipher

    col = _column(kind)
    assert (col.problem(pulled) is not None) is bad
    con = (sqlite3 if driver == "sqlite3" else sqlcipher).connect(":memory:")
    unhex = inbound.has_unhex(con.cursor())
    assert unhex is (driver == "sqlcipher")
    affinity = {"int": "INTEGER", "bool": "BOOLEAN", "date": "DATE", "datetime": "DATETIME"}
    con.execute(f"CREATE TABLE t (c {affinity.get(kind, 'TEXT')})")
    con.execute("INSERT INTO t VALUES (?)", (stored,))
    flagged = con.execute(f"SELECT count(*) FROM t WHERE {col.sql_bad(unhex=unhex)}").fetchone()[0]
    assert bool(flagged) is bad


def test_empty_values_and_codes():
    required = inbound.columns()["case_"]["summary"]
    optional = inbound.columns()["case_"]["closed_on"]
    status = inbound.columns()["case_"]["status"]
    assert required.problem(None) == "summary is empty"
    assert optional.problem(None) is None
    assert status.problem("closed") is None
    assert status.problem("hacked") == "status is not one of its codes"
    assert inbound.columns()["case_"]["outcome"].problem("") is None


def test_entries_of_tables_kinds_and_ids_a_station_never_takes():
    ok = {"summary": "x"}
    assert inbound.entry_problem("case_", HEX, "update", ok) is None
    assert "staff_account" in inbound.entry_problem("staff_account", HEX, "update", ok)
    assert "audit_log" in inbound.entry_problem("audit_log", HEX, "insert", ok)
    assert "local_setting" in inbound.entry_problem("local_setting", HEX, "insert", ok)
    assert "32 hex" in inbound.entry_problem("case_", "1", "update", ok)
    assert "kind" in inbound.entry_problem("case_", HEX, "drop", ok)
    assert "local column" in inbound.entry_problem("case_", HEX, "update", {"row_version": 9})
    # a column this version does not have (a newer central one) is ignored, not refused
    assert inbound.entry_problem("case_", HEX, "update", {"colour_of_door": "red"}) is None
    conflict = {"id": HEX, "field": "summary", "kept": "x", "other": "y", "station": HEX}
    assert inbound.entry_problem("case_", HEX, "conflict", conflict) is None
    assert inbound.entry_problem("case_", HEX, "conflict", {**conflict, "kept": 5})
    assert inbound.entry_problem("case_", HEX, "conflict", {**conflict, "field": "seq"})


def test_the_first_copy_check_finds_exactly_the_bad_rows_of_every_table(tmp_path):
    """``bad_rows_sql`` runs on every table of the real schema and names the bad rows only."""
    from hubapp.store.database import open_store

    store = open_store(tmp_path / "hub.sqlite3")
    try:
        with store.engine.connect() as c:
            raw = c.connection.driver_connection
            for table in capture.captured_tables():
                assert raw.execute(inbound.bad_rows_sql(table)).fetchall() == []
    finally:
        store.close()


def test_centrals_allow_list_is_the_stations_schema():
    """A station column that central does not list would be refused at every push: adding
    one needs a central revision too."""
    kinds = {"id": {"id", "hub", "ref"}, "text": {"text"}, "json": {"json"}, "int": {"int"},
             "bool": {"bool"}, "date": {"date"}, "datetime": {"datetime"}}  # fmt: skip
    allowed = {**c0006.C, **c0007.C, **c0008.C, **c0009.C}
    allowed = {t: cols + c0008.ADDED.get(t, []) for t, cols in allowed.items()}
    assert list(allowed) == capture.captured_tables()
    for table, cols in inbound.columns().items():
        central = {name: (kind, nullable) for name, kind, _n, nullable in allowed[table]}
        assert set(central) == set(cols), table
        for name, col in cols.items():
            assert central[name][0] in kinds[col.kind], (table, name)
            assert central[name][1] == col.nullable, (table, name)
        fks = {c.name: [f.column.table.name for f in c.foreign_keys]
               for c in Base.metadata.tables[table].columns}  # fmt: skip
        for name, (kind, _null) in central.items():
            target = fks[name][0] if fks[name] else None
            expected = ("hub" if target == "hub" else
                        "ref" if target and target not in capture.REFERENCE_TABLES else None)  # fmt: skip
            if col_kind := expected:
                assert kind == col_kind, (table, name)
