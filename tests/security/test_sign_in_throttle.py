"""Sign-in (issue 14, OWASP ASVS): one sentence for an unknown name and a wrong password, the
waits included, so that guessing names tells nothing; wrong passwords slow a name down but
never lock it out, so nobody can keep the only administrator out. The attacker is someone at
the station PC with the command line, a user name to try and no password."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from casework import STAFF_PASSWORD, run_command, staff_database, state

from hubapp.domain import clock
from hubapp.store import accounts, database
from hubapp.store.database import open_store


class Clock:
    """The store's clock, moved by the test (no sleeping)."""

    def __init__(self, monkeypatch, start: datetime) -> None:
        self.now = start
        monkeypatch.setattr(clock, "utcnow", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def db(tmp_path):
    """A station whose only administrator is 'ada'."""
    return staff_database(tmp_path / "hub.sqlite3", staff={
        "ada": ("administrator", None), "cara": ("partner", "CUMBERLAND")})  # fmt: skip


def _try(db, name, password, monkeypatch, capsys):
    return run_command(db, "--user", name, "export", "cases", password=password,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def _sentences(db, name, t, monkeypatch, capsys) -> list[str]:
    """What an attacker sees trying wrong passwords with ``name``: eight tries in a row, then
    eight more each after waiting what the last sentence asked for."""
    seen = []
    for i in range(16):
        code, out, err = _try(db, name, "not the password at all", monkeypatch, capsys)
        assert code == 1 and out == "" and err.count("\n") == 1
        seen.append(err)
        if i >= 8 and "wait" in err:
            t.advance(int(err.split("wait ")[1].split(" ")[0]))
    return seen


def test_an_unknown_name_and_a_real_one_answer_alike_waits_included(db, monkeypatch, capsys):
    t = Clock(monkeypatch, datetime(2026, 11, 25, 17, 0))
    before = state(db)
    real = _sentences(db, "ada", t, monkeypatch, capsys)
    t.advance(2 * 3600)  # both start from nothing
    unknown = _sentences(db, "adam", t, monkeypatch, capsys)
    assert real == unknown
    assert real[:3] == ["hubapp: The user name or password is wrong.\n"] * 3
    assert (
        real[3]
        == "hubapp: Too many wrong attempts with this user name: wait 1 second and try again.\n"
    )
    assert state(db) == before  # nothing but sign-in failures was written
    # the names tried are nowhere in the database in clear (one may have been a password)
    con = database.connect(db, read_only=True)
    try:
        kept = con.execute("SELECT value FROM local_setting WHERE key = ?",
                           (accounts.THROTTLE_KEY,)).fetchone()[0]  # fmt: skip
        logged = con.execute("SELECT group_concat(details) FROM audit_log").fetchone()[0]
    finally:
        con.close()
    assert "adam" not in kept and "adam" not in logged


def test_nobody_can_keep_the_only_administrator_out(db, monkeypatch, capsys):
    """A partner hammers the administrator's name all afternoon; the administrator waits at
    most a minute after the last wrong try, then signs in with the right password."""
    t = Clock(monkeypatch, datetime(2026, 11, 25, 13, 0))
    waits = []
    for _ in range(30):
        code, _out, err = _try(db, "ada", "a guess from cara", monkeypatch, capsys)
        assert code == 1
        if "wait" in err:
            waits.append(int(err.split("wait ")[1].split(" ")[0]))
            t.advance(waits[-1])
    assert max(waits) == accounts.MAX_WAIT_SECONDS
    t.advance(accounts.MAX_WAIT_SECONDS)
    code, _out, err = _try(db, "ada", STAFF_PASSWORD, monkeypatch, capsys)
    assert code == 0, err
    # and the count starts again
    code, _out, err = _try(db, "ada", "a guess from cara", monkeypatch, capsys)
    assert err == "hubapp: The user name or password is wrong.\n"


def test_guessing_is_held_to_about_a_hundred_passwords_an_hour(db, monkeypatch):
    t = Clock(monkeypatch, datetime(2026, 11, 25, 9, 0))
    store = open_store(db)
    checked = 0
    end = t.now + timedelta(hours=1)
    try:
        while t.now < end:
            try:
                accounts.sign_in(store, "cara", f"guess number {checked:05d}")
            except accounts.SignInRefused as exc:
                if str(exc) == accounts.WRONG:
                    checked += 1
                else:  # a wait: the attacker waits exactly as long
                    t.advance(int(str(exc).split("wait ")[1].split(" ")[0]))
    finally:
        store.close()
    assert 60 <= checked <= 100


def test_an_administrator_unlocks_a_name_at_once(db, monkeypatch, capsys):
    Clock(monkeypatch, datetime(2026, 11, 25, 9, 0))
    for _ in range(accounts.FREE_FAILURES):
        _try(db, "cara", "wrong wrong wrong", monkeypatch, capsys)
    code, _out, err = _try(db, "cara", STAFF_PASSWORD, monkeypatch, capsys)
    assert code == 1 and "wait 1 second" in err
    code, _out, err = run_command(db, "--user", "ada", "accounts", "unlock", "cara",
                                  password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    code, _out, err = _try(db, "cara", STAFF_PASSWORD, monkeypatch, capsys)
    assert code == 0, err
