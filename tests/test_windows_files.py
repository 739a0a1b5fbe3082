"""Windows' rules for files, held on Linux: paths with spaces and non-ASCII names, and never a
rename onto a file that is still open.

Windows refuses ``os.replace`` onto (or away) a file any program holds open; POSIX allows it,
so a rename that Windows would refuse passes unnoticed here. The fixture ``windows_renames``
makes this process follow Windows' rule on the real file system: before each rename it looks
at the files this process has open (``/proc/self/fd``, SQLite's connections included) and
refuses, as Windows does, when either name is among them. Backups, restores, exports and the
encryption of an old database then run as they do at a station.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from casework import new_case

from hubapp.store import files
from hubapp.store.admin import backup
from hubapp.store.database import open_store

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="needs /proc to see this process's open files"
)


def _open_here() -> set[str]:
    held = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            held.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass  # the descriptor listdir itself used, gone by now
    return held


@pytest.fixture
def windows_renames(monkeypatch) -> list[tuple[Path, Path]]:
    """``os.replace`` as Windows does it: refused while either file is open in this process.
    Returns the renames that happened."""
    real = os.replace
    done: list[tuple[Path, Path]] = []

    def replace(src, dst, **kwargs):
        held = _open_here()
        for name in (src, dst):
            if os.path.realpath(name) in held:
                raise PermissionError(
                    errno.EACCES, "Access is denied (the file is open)", str(name)
                )
        done.append((Path(src), Path(dst)))
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return done


def test_the_rule_refuses_a_rename_onto_an_open_file(windows_renames, tmp_path):
    """The fixture can fail: a file held open is not renamed over, as on Windows."""
    target, new = tmp_path / "export.csv", tmp_path / "new.csv"
    target.write_text("old")
    new.write_text("new")
    with target.open("rb"), pytest.raises(PermissionError):
        files.replace(new, target)
    files.replace(new, target)  # closed: allowed
    assert target.read_text() == "new" and windows_renames == [(new, target)]


def test_an_export_over_a_file_open_elsewhere_says_so(windows_renames, tmp_path):
    target = tmp_path / "Cases for Zoë.csv"
    target.write_text("last week's")
    with target.open("rb"), pytest.raises(files.WriteError) as exc:
        files.atomic_write(target, lambda fh: fh.write(b"this week's"))
    assert str(exc.value).startswith(f"Cannot write {target}: ")
    assert target.read_text() == "last week's"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_backups_and_restores_never_rename_onto_an_open_file(windows_renames, tmp_path):
    """A backup over an earlier one, a restore (which keeps the database as it was) and a
    restore over a file SQLite cannot read, with every rename checked against Windows' rule."""
    folder = tmp_path / "Hub data ü"
    folder.mkdir()
    store = open_store(folder / "hub.sqlite3")
    try:
        from hubapp.store import setup

        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        new_case(store, "CAR-2026-0001")
        dest = folder / "monday.sqlite3"
        dest.write_bytes(b"last week's backup")
        backup.backup(store, dest)
        new_case(store, "CAR-2026-0002")
        path = store.path
    finally:
        store.close()
    restored = backup.restore(dest, path)
    assert restored.cases == 1 and restored.kept is not None
    path.write_bytes(os.urandom(64 * 1024))  # a file SQLite cannot read at all
    assert backup.restore(dest, path).cases == 1
    assert any(dst == path for _src, dst in windows_renames), windows_renames
    assert backup.check(path).ok


def test_an_old_plaintext_database_is_encrypted_without_a_rename_onto_it_open(
    windows_renames, tmp_path
):
    path = tmp_path / "Dépôt partagé" / "hub.sqlite3"
    path.parent.mkdir()
    store = open_store(path, encrypted=False)
    store.close()
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    store = open_store(path)  # encrypts it
    store.close()
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    assert any(dst == path for _src, dst in windows_renames)


def _hubapp(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hubapp", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_a_data_folder_with_spaces_and_a_non_ascii_user_name(tmp_path, monkeypatch):
    """As under C:\\Users\\Siân O'Connor\\AppData\\Local (or a shared folder with spaces): the
    database, its backups and an export all land in that folder, by the command line."""
    data = tmp_path / "Users" / "Siân O'Connor" / "AppData" / "Local" / "Cumbria Local Focus Hubs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBAPP_")}
    env["HUBAPP_DATA_DIR"] = str(data)
    env["HUBAPP_TEST_KEYRING"] = os.environ.get("HUBAPP_TEST_KEYRING", "")
    env = {k: v for k, v in env.items() if v}
    r = _hubapp(
        "setup", "--hub", "SLK", "--station", "Kendal Police Station", env=env, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert (data / "hub.sqlite3").is_file()
    assert str(data / "hub.sqlite3") in r.stdout
    r = _hubapp("backup", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(list((data / "backups").glob("*.sqlite3"))) == 1
    out = data / "Exports für Zoë" / "cases – Kendal.csv"
    out.parent.mkdir()
    r = _hubapp("export", "cases", "-o", str(out), env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.read_text("utf-8-sig").startswith("Reference,")


def _dailies(folder: Path, stem: str, days: int) -> list[Path]:
    from datetime import date, timedelta

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(days):
        p = folder / f"{stem}-{date(2026, 1, 1) + timedelta(days=n):%Y-%m-%d}.SQLite3"
        p.write_bytes(b"a backup")
        made.append(p)
    return made


def test_on_windows_backups_named_in_another_case_are_the_same_databases(tmp_path, monkeypatch):
    """The database opened as C:\\Data\\hub.sqlite3 finds, lists and prunes the backups made
    when it was opened as C:\\Data\\Hub.sqlite3 (one file on Windows)."""
    import ntpath

    monkeypatch.setattr(backup, "_fold", ntpath.normcase)  # Windows' way of comparing names
    made = _dailies(tmp_path / "backups", "Hub", 40)
    listed = backup.list_backups(tmp_path / "hub.sqlite3")
    assert len(listed) == 40 and {b.kind for b in listed} == {"automatic"}
    removed = backup.prune(tmp_path / "hub.sqlite3")
    assert removed and set(removed) < set(made)
    assert len(backup.list_backups(tmp_path / "hub.sqlite3")) == 40 - len(removed)


def test_on_linux_a_name_in_another_case_is_another_databases(tmp_path):
    """Here Hub.sqlite3 and hub.sqlite3 are two databases: neither prunes the other's."""
    made = _dailies(tmp_path / "backups", "Hub", 40)
    for p in made:  # this PC's own suffix, as backups are made here
        p.rename(p.with_suffix(".sqlite3"))
    assert backup.list_backups(tmp_path / "hub.sqlite3") == []
    assert backup.prune(tmp_path / "hub.sqlite3") == []
    assert len(backup.list_backups(tmp_path / "Hub.sqlite3")) == 40
