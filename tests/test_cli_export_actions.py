"""`hubapp export actions` as scripts use it: real processes, real files."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date

import pytest
from casework import agency_id, audit_since, new_case

from hubapp.store.casework.actions import ActionDraft, add_action


def run(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "hubapp", *map(str, args)],
        capture_output=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, **kw,
    )  # fmt: skip


@pytest.fixture
def db(store):
    """Two actions on a Carlisle case: Police's (a formula-like description) and Fire's."""
    case = new_case(store, "CAR-2026-0042")
    add_action(store, case, agency_id(store, "POLICE"),
               ActionDraft("=HYPERLINK(\"http://x\")", "PC Walker", date(2026, 12, 4)),
               assign_if_missing=True)  # fmt: skip
    add_action(store, case, agency_id(store, "FIRE"), ActionDraft("Home safety visit"),
               assign_if_missing=True)  # fmt: skip
    path = store.path
    store.close()
    return path


def test_csv_to_standard_output_is_audited_as_such(db):
    r = run("--db", db, "export", "actions", "--agency", "police")
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Case reference", "Hub", "Agency"]
    assert len(rows) == 2
    assert rows[1][0] == "CAR-2026-0042" and rows[1][2] == "Cumbria Constabulary"
    assert rows[1][4] == '\'=HYPERLINK("http://x")'  # neutralised: never run as a formula
    assert rows[1][5] == "2026-12-04"
    from hubapp.store.database import open_store

    store = open_store(db)
    try:
        [entry] = [e for e in audit_since(store, 0, "action") if e.kind == "disclosure"]
        assert entry.details["file"] == "standard output" and entry.details["rows"] == 1
    finally:
        store.close()


def test_xlsx_to_a_file_of_one_hub(db, tmp_path):
    out = tmp_path / "actions.xlsx"
    r = run("--db", db, "export", "actions", "--format", "XLSX", "-o", out, "--hub", "carlisle")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == f"Exported 2 actions to {out}."
    from openpyxl import load_workbook

    sheet = load_workbook(out)["Actions"]
    assert sheet.max_row == 3
    r = run("--db", db, "export", "actions", "-o", tmp_path / "b.csv", "--hub", "Barrow")
    assert r.returncode == 0 and r.stdout.decode().strip().startswith("Exported 0 actions")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "pdf"), "hubapp: Cannot export actions as 'pdf'; choose csv or xlsx."),
        (("--format", "xlsx"), "hubapp: An XLSX export needs a file to write: add -o FILE.xlsx."),
        (("--agency", "Narnia Police"), "hubapp: There is no agency called 'Narnia Police'"),
        (("--hub", "Narnia"), "hubapp: There is no hub called 'Narnia'"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_1(db, args, message):
    r = run("--db", db, "export", "actions", *args)
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert err.startswith(message) and len(err.strip().splitlines()) == 1
    assert r.stdout == b""


def test_export_needs_to_know_what(tmp_path):
    r = run("--db", tmp_path / "h.sqlite3", "export")
    assert r.returncode == 2 and "WHAT" in r.stderr.decode()
    r = run("--db", tmp_path / "none.sqlite3", "export", "actions")
    assert r.returncode == 1 and r.stderr.decode().startswith("hubapp: There is no database at")
    assert not (tmp_path / "none.sqlite3").exists()
