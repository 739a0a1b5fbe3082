"""A full disk is said as a full disk, on every write path: a case saved through the store and
in the intake window, an import, an export, a backup, and opening or checking a database on
a disk with no room left. Nothing is saved, nothing is damaged (the file passes SQLite's
integrity_check), what was typed is still there, no traceback reaches stderr, and a full disk
is never called damage (which would invite a restore over good data).

A real full disk: a 6 MB tmpfs of the test's own (``small_disk``, tests/conftest.py), filled
with ``fill_disk``. The commands run as their own processes, as scripts run them, with their
log folder on the full disk too, as on a station PC whose only disk is full.
"""

from __future__ import annotations

import csv
import shutil

import pytest
from casework import ctrl_s, fill_disk, new_case, open_form, run_hubapp
from sqlalchemy import func, select

from hubapp.gui import restore_may_help
from hubapp.store import setup
from hubapp.store.admin import backup
from hubapp.store.casework import cases
from hubapp.store.database import connect, open_store
from hubapp.store.errors import DiskFull
from hubapp.store.intake import form as intake
from hubapp.store.schema import AuditEntry, Case

FULL = "The disk is full: free some space and try again; nothing was saved."
HEADING = ["received", "hub", "channel", "category", "location", "summary", "details"]


def intact(path) -> bool:
    """SQLite's own integrity_check of the file, on a connection of its own."""
    con = connect(path, read_only=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()


def count(path, model) -> int:
    store = open_store(path)
    try:
        with store.read() as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        store.close()


def one_sentence(stderr: str) -> str:
    """The only line on stderr, without the program's name: no traceback, no log lines."""
    assert "Traceback" not in stderr and "Logging error" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hubapp: "), stderr
    return lines[0].removeprefix("hubapp: ")


@pytest.fixture
def on_disk(small_disk, monkeypatch):
    """A hub database on the small disk, closed (the commands open it themselves), and the
    log folder there too, written once already as on any PC that has run hubapp before."""
    monkeypatch.setenv("XDG_STATE_HOME", str(small_disk / "state"))
    db = small_disk / "hub.sqlite3"
    r = run_hubapp("--db", db, "setup", "--hub", "CAR", "--station", "Carlisle Civic Centre")
    assert r.returncode == 0, r.stderr
    store = open_store(db)
    new_case(store, "CAR-2026-0001", summary="Bins set on fire")
    store.close()  # the last connection: its write-ahead log and shared memory go with it
    assert sorted(p.name for p in small_disk.iterdir()) == ["hub.sqlite3", "state"]
    # the log file ends at the end of a page of the disk: one more line needs new room
    log_file = next((small_disk / "state").rglob("hubapp.log"))
    with log_file.open("a", encoding="utf-8") as fh:
        fh.write("#" * (-(log_file.stat().st_size + 1) % 4096) + "\n")
    return db


@pytest.fixture
def elsewhere(store):
    """A hub database on an ordinary disk with room (closed), with one case."""
    new_case(store, "CAR-2026-0001", summary="Bins set on fire")
    store.close()
    return store.path


# --- saving a case -------------------------------------------------------------------------------


def _report(n: int) -> intake.IntakeForm:
    return intake.IntakeForm(
        hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="now",
        location=f"Bitts Park, bench {n}", town="Carlisle", summary=f"Report {n}",
        details="Caller says it happens every evening. " * 40,
    )  # fmt: skip


def test_a_case_saved_through_the_store_on_a_full_disk(small_disk):
    store = open_store(small_disk / "hub.sqlite3")
    try:
        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        made = intake.save(store, _report(1))
        store.checkpoint()  # an empty write-ahead log: the next save needs new room
        with store.read() as s:
            before = s.get(Case, made.case_id)
            version, details = before.row_version, before.details
        filler = fill_disk(small_disk)

        with pytest.raises(DiskFull) as new:
            intake.save(store, _report(2))
        with pytest.raises(DiskFull) as edit:
            cases.update_fields(store, made.case_id, version, {"details": "Changed " * 500})
        assert str(new.value) == str(edit.value) == FULL
        with store.read() as s:  # nothing of either was kept
            assert s.scalar(select(func.count()).select_from(Case)) == 1
            assert s.get(Case, made.case_id).details == details
        assert intact(store.path)  # checked while the disk is still full

        filler.unlink()  # space freed: the same saves go through
        intake.save(store, _report(2))
        cases.update_fields(store, made.case_id, version, {"details": "Changed " * 500})
    finally:
        store.close()
    assert intact(small_disk / "hub.sqlite3")


def test_the_intake_window_says_the_disk_is_full_and_keeps_what_was_typed(qtbot, small_disk):
    store = open_store(small_disk / "hub.sqlite3")
    try:
        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        w = open_form(qtbot, store)
        qtbot.keyClicks(w.channel, "101")
        qtbot.keyClicks(w.category, "Fly")
        qtbot.keyClicks(w.summary, "Mattress dumped in the back lane")
        qtbot.keyClicks(w.details, "Left overnight, third time this month.")
        qtbot.keyClicks(w.location, "Back lane behind Lowther Street")
        typed = (w.summary.text(), w.details.toPlainText(), w.location.text())
        assert all(typed)
        store.checkpoint()  # an empty write-ahead log: the save needs new room
        filler = fill_disk(small_disk)

        ctrl_s(qtbot, w)
        qtbot.waitUntil(lambda: "disk is full" in w.status.text(), timeout=30_000)
        assert w.status.text() == f"Not saved: {FULL} What you typed is kept."
        assert w.isVisible() and w.save_button.isEnabled()
        assert (w.summary.text(), w.details.toPlainText(), w.location.text()) == typed
        with store.read() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert intact(store.path)

        filler.unlink()  # space freed: Ctrl+S again saves what was typed
        with qtbot.waitSignal(w.saved, timeout=30_000) as saved:
            ctrl_s(qtbot, w)
        with store.read() as s:
            case = s.get(Case, saved.args[0].case_id)
            assert (case.summary, case.details, case.location) == typed
    finally:
        store.close()


# --- the command line: import, export, backup ----------------------------------------------------


def test_an_import_that_fills_the_disk_imports_nothing_in_one_sentence(on_disk, tmp_path):
    source = tmp_path / "reports.csv"  # on a disk with room; the database's disk fills
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADING)
        for i in range(200):
            out.writerow(["01/05/2026 09:30", "CAR", "101 call", "Parking", f"Bitts Park {i}",
                          f"Cars on the verge {i}", f"Reported again, visit {i}. " * 25])  # fmt: skip
    before = source.read_bytes()
    filler = fill_disk(on_disk.parent, leave=256 * 1024)  # room for a few rows, not all

    r = run_hubapp("--db", on_disk, "import", source)
    assert r.returncode == 1 and r.stdout == ""
    assert one_sentence(r.stderr) == FULL
    assert not (tmp_path / "reports.rejects.csv").exists()
    assert intact(on_disk)

    filler.unlink()
    assert count(on_disk, Case) == 1  # only the case that was there
    assert source.read_bytes() == before
    again = run_hubapp("--db", on_disk, "import", source)  # room again: the same file imports
    assert again.returncode == 0, again.stderr
    assert count(on_disk, Case) == 201


def test_an_export_to_a_full_disk_writes_nothing_in_one_sentence(elsewhere, small_disk):
    target = small_disk / "cases.csv"
    fill_disk(small_disk)
    disclosed = _disclosures(elsewhere)

    r = run_hubapp("--db", elsewhere, "export", "cases", "-o", target)
    assert r.returncode == 1 and r.stdout == ""
    assert one_sentence(r.stderr) == f"Cannot write {target}: the disk is full."
    assert not target.exists() and not list(small_disk.glob(".cases.csv*"))  # no part file
    assert _disclosures(elsewhere) == disclosed  # nothing recorded as exported
    assert intact(elsewhere)


@pytest.mark.parametrize("where", ["-o on a full disk", "beside a database on a full disk"])
def test_a_backup_to_a_full_disk_keeps_nothing_in_one_sentence(where, elsewhere, on_disk):
    if where == "-o on a full disk":
        db, target = elsewhere, on_disk.parent / "hub-copy.sqlite3"
        fill_disk(on_disk.parent)
        args = ["-o", target]
    else:  # the default: the backups folder beside the database, with room for less than it
        db, target = on_disk, None
        fill_disk(on_disk.parent, leave=96 * 1024)
        args = []

    r = run_hubapp("--db", db, "backup", *args)
    assert r.returncode == 1 and r.stdout == ""
    sentence = one_sentence(r.stderr)
    assert "is full: free some space and try again; no backup was kept." in sentence
    kept = list(on_disk.parent.rglob("*.sqlite3"))
    assert kept == ([on_disk] if db == on_disk else [on_disk])  # no copy, not even in part
    assert not list(on_disk.parent.rglob("*.part*"))
    assert intact(db)


def _disclosures(path) -> int:
    store = open_store(path)
    try:
        with store.read() as s:
            return s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.kind == "disclosure")
            )
    finally:
        store.close()


# --- opening and checking: a full disk is not damage ---------------------------------------------


def test_a_database_on_a_full_disk_is_said_to_be_on_a_full_disk_not_damaged(on_disk, tmp_path):
    filler = fill_disk(on_disk.parent)
    for args in (["export", "cases", "-o", tmp_path / "cases.csv"], ["check"], ["backup"]):
        r = run_hubapp("--db", on_disk, *args)
        assert r.returncode == 1, args
        sentence = one_sentence(r.stderr)
        assert "the disk it is on is full; free some space and try again" in sentence, args
        assert "damaged" not in sentence and "restore" not in sentence, args
    with pytest.raises(DiskFull, match="the disk it is on is full"):  # the start-up check
        backup.check(on_disk)
    filler.unlink()
    assert intact(on_disk) and count(on_disk, Case) == 1


def test_the_window_opening_a_database_on_a_full_disk_offers_no_restore(qtbot, window, on_disk,
                                                                          tmp_path):  # fmt: skip
    from hubapp.gui import Controller

    damaged = tmp_path / "damaged.sqlite3"  # the other kind of failure, for comparison
    shutil.copy(on_disk, damaged)
    with damaged.open("r+b") as fh:
        fh.seek(4096 + 100)
        fh.write(b"\x55" * 64)
    fill_disk(on_disk.parent)

    said: dict[str, str] = {}
    for name, path in (("full", on_disk), ("damaged", damaged)):
        controller = Controller(window, path)
        errors: list[str] = []
        controller.open(on_error=errors.append)
        qtbot.waitUntil(lambda errors=errors, c=controller: bool(errors) or c.db is not None,
                        timeout=30_000)  # fmt: skip
        assert errors, name  # neither opens
        said[name] = errors[0]
    assert "the disk it is on is full" in said["full"]
    assert not restore_may_help(said["full"])  # no restore offered over good data
    assert restore_may_help(said["damaged"])  # while damage still is offered one


def test_a_log_file_on_a_full_disk_adds_nothing_to_stderr(on_disk, tmp_path):
    """A command failing for another reason while the log's disk is full says only that (its
    log line is dropped, not reported with a traceback)."""
    log_file = next((on_disk.parent / "state").rglob("hubapp.log"))
    size = log_file.stat().st_size
    fill_disk(on_disk.parent)
    r = run_hubapp("--db", tmp_path / "none.sqlite3", "export", "cases")
    assert r.returncode == 1
    assert one_sentence(r.stderr) == f"There is no database at {tmp_path / 'none.sqlite3'}."
    assert log_file.stat().st_size == size
