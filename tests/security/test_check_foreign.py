"""`hubapp check` on another application's SQLite file (issue 14): it says that the file is
not a hubapp database, exits 1, and leaves the file as it was; a hubapp database still
passes. The attacker hands in a sound SQLite file that is not ours."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from casework import STAFF_PASSWORD, run_command, staff_database


def _foreign(path, *, alembic: bool):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('shopping list')")
    if alembic:  # another application that also uses Alembic
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO alembic_version VALUES ('0008')")
    con.commit()
    con.close()
    return path


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("alembic", [False, True], ids=["plain", "with alembic"])
@pytest.mark.parametrize("full", [False, True], ids=["quick", "full"])
def test_another_applications_sqlite_file_is_not_a_hubapp_database(tmp_path, monkeypatch,
                                                                   capsys, alembic, full):  # fmt: skip
    path = _foreign(tmp_path / "other.db", alembic=alembic)
    before = _digest(path)
    code, out, err = run_command(path, "check", *(["--full"] if full else []), password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    assert err == (f"hubapp: {path} is not a hubapp database (it is another application's "
                   "SQLite file); nothing was changed.\n")  # fmt: skip
    assert _digest(path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_hubapp_database_still_passes(tmp_path, monkeypatch, capsys):
    db = staff_database(tmp_path / "hub.sqlite3", staff={"ada": ("administrator", None)})
    code, out, err = run_command(db, "--user", "ada", "check", password=STAFF_PASSWORD,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and "passed its quick check" in out, err


@pytest.mark.parametrize("alembic", [False, True], ids=["plain", "with alembic"])
def test_opening_it_is_refused_and_it_is_never_encrypted(tmp_path, monkeypatch, capsys, alembic):
    """Before, a file of another application that also uses Alembic passed for a hubapp
    database at open and was encrypted in place."""
    path = _foreign(tmp_path / "other.db", alembic=alembic)
    before = _digest(path)
    code, out, err = run_command(path, "export", "cases", password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    assert err == (f"hubapp: {path} is an SQLite database but not a hubapp database; choose "
                   "another file.\n")  # fmt: skip
    assert _digest(path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
