"""Integrity check, backups and restore (hubapp.store.admin.backup): real SQLite files, damaged by
overwriting their pages, and the command line as real processes."""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from casework import new_case
from sqlalchemy import func, select, text

from hubapp.store.admin import backup
from hubapp.store.database import connect, open_store
from hubapp.store.errors import StoreError
from hubapp.store.schema import Case


def cases_in(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(Case))


def settle(path: Path) -> None:
    """Fold the write-ahead log into the file, as a closed database is."""
    con = connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def damage(path: Path, table: str = "case_") -> None:
    """Overwrite the root page of ``table`` with rubbish (a failing disk sector)."""
    settle(path)
    con = connect(path)
    root = int(
        con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    )
    size = int(con.execute("PRAGMA page_size").fetchone()[0])
    con.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * size)
        f.write(b"\xa5" * size)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


@pytest.fixture
def filled(store):
    for n in range(1, 13):
        new_case(store, f"CAR-2026-{n:04d}", summary=f"Report {n} <b>&</b> 🏠")
    return store


# --- backup and verify -----------------------------------------------------------------------


def test_a_backup_is_a_verified_owner_only_copy(filled, tmp_path):
    seen: list[float] = []
    dest = tmp_path / "out" / "copy.sqlite3"
    made = backup.backup(filled, dest, progress=lambda f, _m: seen.append(f) or True)
    assert made.path == dest and made.cases == 12 and made.revision
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    assert leftovers(dest.parent) == [] and sorted(os.listdir(dest.parent)) == ["copy.sqlite3"]
    if os.name == "posix":
        assert dest.stat().st_mode & 0o777 == 0o600
    # a single self-contained file, readable on its own
    con = connect(dest, read_only=True)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    summaries = {r[0] for r in con.execute("SELECT summary FROM case_")}
    con.close()
    assert "Report 7 <b>&</b> 🏠" in summaries
    assert backup.verify(dest).counts == made.counts


def test_a_backup_taken_while_the_app_writes_is_one_consistent_snapshot(filled, tmp_path):
    """Writes between the steps of the copy neither restart nor tear it: the counts verified
    are those of the snapshot the copy was taken from."""
    written = []

    def write_meanwhile(fraction, _message):
        if 0 < fraction < 0.6 and len(written) < 3:
            written.append(new_case(filled, f"CAR-2026-{100 + len(written):04d}"))
        return True

    backup.STEP_PAGES, saved = 1, backup.STEP_PAGES
    try:
        made = backup.backup(filled, tmp_path / "snap.sqlite3", progress=write_meanwhile)
    finally:
        backup.STEP_PAGES = saved
    assert len(written) == 3
    assert made.cases == 12 and cases_in(filled) == 15


def test_a_cancelled_backup_leaves_no_file(filled, tmp_path):
    dest = tmp_path / "cancelled.sqlite3"
    backup.STEP_PAGES, saved = 2, backup.STEP_PAGES
    try:
        with pytest.raises(backup.BackupCancelled):
            backup.backup(filled, dest, progress=lambda f, _m: f < 0.3)
    finally:
        backup.STEP_PAGES = saved
    assert not dest.exists() and leftovers(tmp_path) == []


def test_a_cancel_during_the_check_of_the_copy_leaves_no_file(filled, tmp_path):
    dest = tmp_path / "late.sqlite3"
    phases: list[str] = []

    def cancel() -> bool:
        return bool(phases) and phases[-1].startswith("Checking")

    with pytest.raises(backup.BackupCancelled):
        backup.backup(filled, dest, progress=lambda _f, m: phases.append(m), cancel=cancel)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_an_existing_file_is_replaced_only_by_a_good_copy(filled, tmp_path):
    dest = tmp_path / "keep.sqlite3"
    dest.write_bytes(b"the previous backup")
    damage(filled.path, "contact")
    with pytest.raises(backup.BackupError, match=r"damaged .*No backup was kept\."):
        backup.backup(filled, dest)
    assert dest.read_bytes() == b"the previous backup" and leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["folder", "itself", "under a file"])
def test_bad_destinations_are_refused_in_one_sentence(filled, tmp_path, where):
    (tmp_path / "afile").write_text("x")
    dest = {"folder": tmp_path, "itself": filled.path,
            "under a file": tmp_path / "afile" / "b.sqlite3"}[where]  # fmt: skip
    with pytest.raises(backup.BackupError) as exc:
        backup.backup(filled, dest)
    message = str(exc.value)
    assert message.endswith(".") and "\n" not in message
    assert cases_in(filled) == 12


def test_verify_refuses_what_is_not_a_sound_hubapp_backup(filled, tmp_path):
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("not a database at all " * 300)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    good = backup.backup(filled, tmp_path / "good.sqlite3")
    bad = tmp_path / "bad.sqlite3"
    shutil.copy(good.path, bad)
    damage(bad)
    for path, words in [(text_file, "cannot be opened as a backup|not a hubapp backup"),
                        (other, "not a hubapp database"),
                        (bad, "is damaged"), (tmp_path / "none.sqlite3", "There is no backup")]:  # fmt: skip
        with pytest.raises(backup.BackupError, match=words):
            backup.verify(path)
    with pytest.raises(backup.BackupError, match="the table case_ has 12 rows in the copy"):
        backup.verify(good.path, {**good.counts, "case_": 13})


def test_verify_refuses_a_backup_from_a_newer_version(filled, tmp_path):
    made = backup.backup(filled, tmp_path / "newer.sqlite3")
    con = connect(made.path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.close()
    with pytest.raises(backup.BackupError, match="newer version of hubapp"):
        backup.verify(made.path)


# --- the start-up check ---------------------------------------------------------------------


def test_check_passes_a_sound_database_and_finds_damage(filled):
    path = filled.path
    assert backup.check(path).ok
    filled.close()
    damage(path)
    result = backup.check(path)
    assert not result.ok and ("Page" in result.problem() or "malformed" in result.problem())
    assert "***" not in result.problem() and "\n" not in result.problem()
    assert not backup.check(path, full=True).ok


def test_check_finds_rows_that_refer_to_missing_rows(filled):
    filled.close()
    con = connect(filled.path)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("UPDATE case_ SET category_id = '00112233445566778899aabbccddeeff' WHERE seq = 3")
    con.close()
    result = backup.check(filled.path)
    assert not result.ok and result.problem() == "1 row of case_ refers to a missing category row"


def test_check_of_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(os.urandom(8192))
    # without a readable header it may be an encrypted database whose key this PC lacks:
    # that is said as it is, not called damage
    try:
        result = backup.check(path)
    except StoreError as exc:
        assert "key" in str(exc) or "not a hubapp database" in str(exc)
    else:
        assert not result.ok and "not a database" in result.problem()


def test_a_damaged_store_is_read_only_with_a_sentence(filled):
    guard = backup.guard_writes(filled)
    assert not guard.settled()
    new_case(filled, "CAR-2026-0998")  # saves do not wait for the check
    backup.refuse_writes(filled, "This database is damaged; nothing can be saved.")
    with pytest.raises(StoreError, match="This database is damaged; nothing can be saved."):
        new_case(filled, "CAR-2026-0999")
    # even a write around the store's write path is refused by SQLite itself
    with pytest.raises(Exception, match="readonly|read-only|query_only|attempt to write"):
        with filled.engine.begin() as conn:
            conn.execute(text("UPDATE case_ SET summary = 'x'"))
    assert cases_in(filled) == 13  # reading goes on


def test_the_startup_check_lets_writes_go_on_a_sound_database(filled):
    result = backup.run_startup_check(filled)
    assert result.ok and filled.write_guard.writable()
    new_case(filled, "CAR-2026-0500")
    assert cases_in(filled) == 13


def test_the_startup_check_refuses_writes_on_a_damaged_database(filled):
    damage(filled.path, "contact")
    result = backup.run_startup_check(filled)
    assert not result.ok and not filled.write_guard.writable()
    with pytest.raises(StoreError, match=r"damaged .* open read-only .* Restore from backup"):
        new_case(filled, "CAR-2026-0501")


# --- automatic backups and pruning -----------------------------------------------------------


def test_keep_dates_keeps_seven_daily_and_four_weekly():
    today = date(2026, 11, 25)  # a Wednesday
    every_day = [today - timedelta(days=n) for n in range(90)]
    keep = backup.keep_dates(every_day)
    daily = {today - timedelta(days=n) for n in range(7)}  # 19/11 (Thu) .. 25/11
    # then the newest of each earlier week: Sundays 15/11, 08/11, 01/11, 25/10
    weekly = {date(2026, 11, 15), date(2026, 11, 8), date(2026, 11, 1), date(2026, 10, 25)}
    assert keep == daily | weekly


def test_keep_dates_with_gaps_counts_days_that_have_a_backup():
    # the PC was off for weeks: the seven newest backups are kept whatever their dates
    dates = [date(2026, 11, 25), date(2026, 11, 2), date(2026, 10, 30), date(2026, 10, 29),
             date(2026, 9, 1), date(2026, 8, 31), date(2026, 8, 30), date(2026, 8, 20),
             date(2026, 8, 19), date(2026, 8, 10), date(2026, 7, 1), date(2026, 6, 1),
             date(2026, 5, 1)]  # fmt: skip
    keep = backup.keep_dates(dates)
    assert keep == set(dates[:7]) | {date(2026, 8, 20), date(2026, 8, 10), date(2026, 7, 1),
                                     date(2026, 6, 1)}  # fmt: skip
    assert backup.keep_dates(dates[:3]) == set(dates[:3])
    assert backup.keep_dates([]) == set()


def test_auto_backup_once_a_day_and_old_ones_pruned(filled):
    folder = backup.backups_dir(filled.path)
    folder.mkdir()
    old_days = [date(2026, 11, 24) - timedelta(days=n) for n in range(40)]
    for d in old_days:
        (folder / backup.daily_name(filled.path, d)).write_bytes(b"old")
    by_hand = folder / backup.manual_name(filled.path, datetime(2026, 1, 2, 3, 4, 5))
    by_hand.write_bytes(b"kept")
    today = date(2026, 11, 25)
    made = backup.auto_backup(filled, today)
    assert made == folder / "hub-2026-11-25.sqlite3" and backup.verify(made).cases == 12
    assert backup.auto_backup(filled, today) is None  # once a day
    names = sorted(p.name for p in folder.iterdir())
    expected = sorted(backup.daily_name(filled.path, d)
                      for d in backup.keep_dates([today, *old_days]))  # fmt: skip
    assert names == sorted([*expected, by_hand.name]) and len(expected) == 11
    kinds = {b.path.name: b.kind for b in backup.list_backups(filled.path)}
    assert kinds[made.name] == "automatic" and kinds[by_hand.name] == "by hand"


# --- restore ---------------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_the_database_as_it_was(filled, tmp_path):
    made = backup.backup(filled, tmp_path / "monday.sqlite3")
    new_case(filled, "CAR-2026-0777", summary="added after the backup")
    path = filled.path
    filled.close()
    restored = backup.restore(made.path, path, now=datetime(2026, 11, 25, 16, 5, 0))
    assert restored.cases == 12
    assert (
        restored.kept == backup.backups_dir(path) / "hub-before-restore-2026-11-25-160500.sqlite3"
    )
    assert backup.verify(restored.kept).cases == 13  # nothing is lost: the copy has it
    store = open_store(path)
    try:
        assert cases_in(store) == 12
        with store.read() as s:
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        new_case(store, "CAR-2026-0778")  # the restored database takes writes
    finally:
        store.close()
    assert backup.check(path).ok


def test_restore_over_a_damaged_database(filled, tmp_path):
    made = backup.backup(filled, tmp_path / "good.sqlite3")
    path = filled.path
    filled.close()
    damage(path)
    restored = backup.restore(made.path, path)
    assert backup.check(path).ok and restored.kept is not None
    assert not backup.check(restored.kept).ok  # the damaged file is kept as it was


def test_restore_over_a_file_sqlite_cannot_read_at_all(filled, tmp_path):
    made = backup.backup(filled, tmp_path / "good.sqlite3")
    path = filled.path
    filled.close()
    settle(path)
    path.write_bytes(os.urandom(64 * 1024))
    restored = backup.restore(made.path, path)
    assert backup.check(path).ok and restored.cases == 12
    assert restored.kept.read_bytes()[:16] != b"SQLite format 3\x00"  # kept byte for byte


def test_a_damaged_backup_is_refused_and_the_database_left_alone(filled, tmp_path):
    made = backup.backup(filled, tmp_path / "bad.sqlite3")
    damage(made.path)
    path = filled.path
    filled.close()
    settle(path)
    before = digest(path)
    with pytest.raises(backup.BackupError, match="is damaged"):
        backup.restore(made.path, path)
    assert digest(path) == before
    assert not backup.backups_dir(path).exists()


def test_a_cancelled_restore_changes_nothing(filled, tmp_path):
    made = backup.backup(filled, tmp_path / "copy.sqlite3")
    new_case(filled, "CAR-2026-0779")
    path = filled.path
    filled.close()
    settle(path)
    before = digest(path)
    backup.STEP_PAGES, saved = 2, backup.STEP_PAGES
    try:
        with pytest.raises(backup.BackupCancelled):
            backup.restore(
                made.path, path, progress=lambda f, m: not (m == "Restoring…" and f > 0.6)
            )
    finally:
        backup.STEP_PAGES = saved
    settle(path)
    assert digest(path) == before
    assert [b for b in backup.list_backups(path)] == []  # no copy kept of an unchanged database
    store = open_store(path)
    try:
        assert cases_in(store) == 13
    finally:
        store.close()


def test_restore_refuses_the_database_itself(filled):
    with pytest.raises(backup.BackupError, match="the database itself"):
        backup.restore(filled.path, filled.path)


def test_backups_open_every_connection_through_the_store(filled):
    """One place opens connections (database.connect), so a key the store applies to its
    connections is applied to every copy: backup.py never calls sqlite3.connect itself."""
    tree = ast.parse(Path(backup.__file__).read_text(encoding="utf-8"))
    calls = [
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        and n.func.attr == "connect" and getattr(n.func.value, "id", "") == "sqlite3"
    ]  # fmt: skip
    assert calls == []


# --- the command line ------------------------------------------------------------------------


def hubapp(*args):
    return subprocess.run(
        [sys.executable, "-m", "hubapp", *map(str, args)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip


def test_cli_backup_check_and_restore(filled, tmp_path):
    path = filled.path
    filled.close()
    out = tmp_path / "cli.sqlite3"
    r = hubapp("--db", path, "backup", "-o", out)
    assert r.returncode == 0, r.stderr
    assert f"Backed up 12 cases to {out}" in r.stdout and backup.verify(out).cases == 12
    r = hubapp("--db", path, "backup")
    assert r.returncode == 0, r.stderr
    assert [b.kind for b in backup.list_backups(path)] == ["by hand"]
    r = hubapp("--db", path, "check")
    assert r.returncode == 0 and "passed its quick check" in r.stdout
    damage(path)
    r = hubapp("--db", path, "check")
    assert r.returncode == 1 and " is damaged: " in r.stderr and "hubapp restore" in r.stderr
    r = hubapp("--db", path, "restore", out)
    assert r.returncode == 0, r.stderr
    assert "Restored" in r.stdout and "as it was is kept at" in r.stdout
    r = hubapp("--db", path, "check", "--full")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("command", [("export", "cases", "-o", "{tmp}/e.csv"), ("backup",),
                                     ("demo", "--cases", "1"), ("import", "{tmp}/in.csv")])  # fmt: skip
def test_cli_writing_commands_refuse_a_damaged_database(filled, tmp_path, command):
    path = filled.path
    filled.close()
    damage(path)
    (tmp_path / "in.csv").write_text("received,hub,channel,category,summary\n")
    before = digest(path)
    r = hubapp("--db", path, *(c.format(tmp=tmp_path) for c in command))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"hubapp: The database {path} is damaged")
    assert "nothing was changed" in lines[0] and digest(path) == before


def test_cli_restore_of_a_missing_or_bad_file_is_one_sentence(filled, tmp_path):
    r = hubapp("--db", filled.path, "restore", tmp_path / "nope.sqlite3")
    assert r.returncode == 1 and r.stderr.strip() == (
        f"hubapp: There is no backup file at {tmp_path / 'nope.sqlite3'}."
    )


def test_copies_of_an_encrypted_database_are_never_plaintext(filled, tmp_path):
    from hubapp.store import database

    assert database.is_encrypted(filled.path)
    made = backup.backup(filled, tmp_path / "enc.sqlite3")
    head = made.path.read_bytes()[:16]
    assert head != b"SQLite format 3\x00" and head == filled.path.read_bytes()[:16]  # its salt
    assert b"Report 7 <b>&</b>" not in made.path.read_bytes()
    path = filled.path
    filled.close()
    restored = backup.restore(made.path, path)
    for p in (path, restored.kept):
        assert database.is_encrypted(p) and b"Report 7 <b>&</b>" not in p.read_bytes()
