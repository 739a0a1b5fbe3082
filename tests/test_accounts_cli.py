"""Staff accounts on the command line: setup --admin, accounts ..., --user on every command."""

import functools
import os
import subprocess
import sys

import pytest
from casework import run_command

from hubapp.cli import main

ADMIN_PW = "correct horse battery"
STAFF_PW = "kendal-river-otter"


@pytest.fixture
def hub_db(tmp_path, monkeypatch, capsys):
    """A database set up with a first administrator, as ``hubapp setup --admin`` makes it."""
    db = tmp_path / "hub.sqlite3"
    monkeypatch.setenv("HUBAPP_PASSWORD", ADMIN_PW)
    code = main(["--db", str(db), "setup", "--hub", "Carlisle", "--station", "Carlisle Civic "
                 "Centre", "--admin", "boss", "--name", "Bea Boss"])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Administrator 'boss' can now sign in" in out.out
    return db


_run = functools.partial(run_command, password=ADMIN_PW)


def test_a_database_without_accounts_works_as_before(tmp_path, capsys, monkeypatch):
    db = tmp_path / "plain.sqlite3"
    monkeypatch.delenv("HUBAPP_PASSWORD", raising=False)
    assert main(["--db", str(db), "setup", "--hub", "CAR", "--station", "Carlisle"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "export", "cases"]) == 0
    assert capsys.readouterr().out.lstrip("\ufeff").startswith("Reference,")


def test_every_command_needs_a_user_once_there_are_accounts(hub_db, monkeypatch, capsys):
    code, out, err = _run(hub_db, "export", "cases", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1 and out == ""
    assert err.strip() == (
        "hubapp: This database has staff accounts: say who you are with --user NAME (the "
        "password is asked, or read from HUBAPP_PASSWORD)."
    )
    code, out, _err = _run(hub_db, "--user", "BOSS", "export", "cases",
                           monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and out.lstrip("\ufeff").startswith("Reference,")


@pytest.mark.parametrize("user", ["boss", "nobody"])
def test_a_wrong_password_or_unknown_user_is_one_sentence(hub_db, monkeypatch, capsys, user):
    code, out, err = _run(hub_db, "--user", user, "export", "cases", password="wrong password!",
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    assert err == "hubapp: The user name or password is wrong.\n"


def test_repeated_wrong_passwords_wait_until_unlocked(hub_db, monkeypatch, capsys):
    def run(*args, **kw):
        return _run(hub_db, *args, monkeypatch=monkeypatch, capsys=capsys, **kw)

    assert run("--user", "boss", "accounts", "add", "J.Smith", "--role", "police",
               "--name", "Jo Smith", "--agency", "POLICE", new=STAFF_PW)[0] == 0  # fmt: skip
    for _ in range(3):
        assert run("--user", "j.smith", "accounts", "list", password="guess guess")[0] == 1
    code, _out, err = run("--user", "j.smith", "export", "cases", password=STAFF_PW)
    assert code == 1 and "Too many wrong attempts with this user name: wait" in err
    assert err.count("\n") == 1
    code, out, _err = run("--user", "boss", "accounts", "list")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("J.Smith"))
    assert "Jo Smith" in line and "police" in line and "3 wrong passwords in a row" in line
    assert "Cumbria Constabulary" in line and "Carlisle" in line
    assert run("--user", "boss", "accounts", "unlock", "j.smith")[0] == 0
    code, out, _err = run("--user", "j.smith", "export", "cases", password=STAFF_PW)
    assert code == 0


def test_only_administrators_manage_accounts(hub_db, monkeypatch, capsys):
    def run(*args, **kw):
        return _run(hub_db, *args, monkeypatch=monkeypatch, capsys=capsys, **kw)

    assert run("--user", "boss", "accounts", "add", "kim", "--role", "partner",
               new=STAFF_PW)[0] == 0  # fmt: skip
    code, _out, err = run("--user", "kim", "accounts", "add", "lee", "--role", "partner",
                          password=STAFF_PW, new=STAFF_PW)  # fmt: skip
    assert code == 1 and err == "hubapp: Only an administrator can manage staff accounts.\n"
    # their own password is theirs to change
    assert run("--user", "kim", "accounts", "set-password", "kim", password=STAFF_PW,
               new="a fresh secret phrase")[0] == 0  # fmt: skip
    assert run("--user", "kim", "export", "cases", password="a fresh secret phrase")[0] == 0


def test_roles_disabling_and_the_last_administrator(hub_db, monkeypatch, capsys):
    def run(*args, **kw):
        return _run(hub_db, *args, monkeypatch=monkeypatch, capsys=capsys, **kw)

    code, _out, err = run("--user", "boss", "accounts", "set-role", "boss", "partner")
    assert code == 1 and "last administrator" in err
    code, _out, err = run("--user", "boss", "accounts", "add", "xy", "--role", "chief",
                          new=STAFF_PW)  # fmt: skip
    assert code == 1 and "There is no role 'chief'" in err
    code, _out, err = run("--user", "boss", "accounts", "add", "kim", "--role", "read-only",
                          new="short")  # fmt: skip
    assert code == 1 and "at least 10 characters" in err
    assert run("--user", "boss", "accounts", "add", "kim", "--role", "read-only",
               new=STAFF_PW)[0] == 0  # fmt: skip
    assert run("--user", "boss", "accounts", "set-role", "kim", "coordinator")[0] == 0
    assert run("--user", "boss", "accounts", "disable", "kim")[0] == 0
    code, _out, err = run("--user", "kim", "export", "cases", password=STAFF_PW)
    assert code == 1 and "disabled" in err
    assert run("--user", "boss", "accounts", "enable", "kim")[0] == 0
    assert run("--user", "kim", "export", "cases", password=STAFF_PW)[0] == 0
    code, out, _err = run("--user", "boss", "accounts", "idle-lock", "5")
    assert code == 0 and "5 minutes" in out


def test_setup_admin_refuses_a_second_first_administrator(hub_db, monkeypatch, capsys):
    code, _out, err = _run(hub_db, "setup", "--hub", "CAR", "--station", "X", "--admin", "eve",
                           monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and "already has staff accounts" in err


def test_setup_on_a_database_with_accounts_is_for_administrators(hub_db, monkeypatch, capsys):
    def run(*args, **kw):
        return _run(hub_db, *args, monkeypatch=monkeypatch, capsys=capsys, **kw)

    assert run("--user", "boss", "accounts", "add", "kim", "--role", "coordinator",
               new=STAFF_PW)[0] == 0  # fmt: skip
    code, _out, err = run("--user", "kim", "setup", "--hub", "CAR", "--station", "Annexe",
                          password=STAFF_PW)  # fmt: skip
    assert code == 1 and "Only an administrator can change this PC's hub" in err
    code, out, _err = run("--user", "boss", "setup", "--hub", "CAR", "--station", "Annexe")
    assert code == 0 and "This PC is now Annexe, Carlisle hub (CAR)." in out


def test_audit_names_the_signed_in_user(hub_db, monkeypatch, capsys):
    from sqlalchemy import select

    from hubapp.store.database import open_store
    from hubapp.store.schema import AuditEntry

    assert _run(hub_db, "--user", "boss", "demo", "--cases", "3", monkeypatch=monkeypatch,
                capsys=capsys)[0] == 0  # fmt: skip
    store = open_store(hub_db)
    with store.read() as s:
        rows = [(e.user, e.kind) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    store.close()
    signed_in = rows.index(("boss", "sign_in"))
    after = rows[signed_in + 1 :]
    assert after and {user for user, _kind in after} == {"boss"}
    assert ("boss", "collection") in after


def test_a_scheduled_task_signs_in_from_the_environment(hub_db):
    """A real process, as a scheduled task runs it: the password from HUBAPP_PASSWORD."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HUBAPP_PASSWORD": ADMIN_PW}
    cmd = [sys.executable, "-m", "hubapp", "--db", str(hub_db)]
    r = subprocess.run([*cmd, "--user", "boss", "accounts", "list"], env=env,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith("boss")
    env["HUBAPP_PASSWORD"] = "not it at all"
    r = subprocess.run([*cmd, "--user", "boss", "accounts", "list"], env=env,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "hubapp: The user name or password is wrong.\n"


def test_selftest_signs_in_like_every_command(hub_db):
    env = {k: v for k, v in os.environ.items() if k != "HUBAPP_PASSWORD"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    cmd = [sys.executable, "-m", "hubapp", "--db", str(hub_db)]
    r = subprocess.run([*cmd, "selftest"], env=env, capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
    assert r.returncode == 1 and "say who you are with --user NAME" in r.stderr
    assert r.stderr.count("\n") == 1
    env["HUBAPP_PASSWORD"] = ADMIN_PW
    r = subprocess.run([*cmd, "--user", "boss", "selftest"], env=env, capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "selftest passed"


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_the_password_is_asked_without_echo_on_a_terminal(hub_db):
    """Without HUBAPP_PASSWORD the password is asked on the terminal, and not shown."""
    import pty
    import select

    env = {k: v for k, v in os.environ.items() if k != "HUBAPP_PASSWORD"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    pid, fd = pty.fork()
    if pid == 0:  # the child: a real hubapp on the terminal
        os.execve(sys.executable, [sys.executable, "-m", "hubapp", "--db", str(hub_db),
                                   "--user", "boss", "accounts", "list"], env)  # fmt: skip
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        while marker not in seen:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, seen
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk

    read_until(b"Password for boss: ")
    os.write(fd, ADMIN_PW.encode() + b"\n")
    read_until(b"LAST SIGN-IN")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert ADMIN_PW.encode() not in seen  # not echoed


def test_a_new_password_without_a_terminal_or_variable_is_one_sentence(hub_db):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HUBAPP_PASSWORD": ADMIN_PW}
    env.pop("HUBAPP_NEW_PASSWORD", None)
    r = subprocess.run(
        [sys.executable, "-m", "hubapp", "--db", str(hub_db), "--user", "boss", "accounts",
         "add", "kim", "--role", "partner"],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        start_new_session=True,  # no terminal to ask on
    )  # fmt: skip
    assert r.returncode == 1
    assert r.stderr == (
        "hubapp: No password was given: type it when asked, or set HUBAPP_NEW_PASSWORD for a "
        "scheduled task.\n"
    )
