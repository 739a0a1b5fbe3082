"""The command line under the access rules: restore, check and audit act as the signed-in
user, with the same permissions as everywhere else (real database files, hubapp.cli.main)."""

from __future__ import annotations

import pytest
from casework import run_command as _run

from hubapp.cli import main

ADMIN_PW = "correct horse battery"
STAFF_PW = "kendal-river-otter"


@pytest.fixture
def hub_db(tmp_path, monkeypatch, capsys):
    """A set-up database with an administrator 'boss' and a partner 'kim' of the council."""
    db = tmp_path / "hub.sqlite3"
    monkeypatch.setenv("HUBAPP_PASSWORD", ADMIN_PW)
    assert main(["--db", str(db), "setup", "--hub", "Carlisle", "--station", "Carlisle Civic "
                 "Centre", "--admin", "boss", "--name", "Bea Boss"]) == 0  # fmt: skip
    code, _out, err = _run(db, "--user", "boss", "accounts", "add", "kim", "--role", "partner",
                           "--agency", "CUMBERLAND", password=ADMIN_PW, new=STAFF_PW,
                           monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    return db


def test_audit_is_for_administrators(hub_db, monkeypatch, capsys):
    code, out, err = _run(hub_db, "--user", "kim", "audit", password=STAFF_PW,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code != 0 and out == ""
    assert err == "hubapp: Only an administrator can read the audit log.\n"
    code, out, err = _run(hub_db, "--user", "boss", "audit", "--kind", "sign_in",
                          password=ADMIN_PW, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "sign_in" in out or "Sign in" in out or "sign in" in out.lower()


def test_restore_needs_an_administrator_and_check_a_signed_in_user(
    hub_db, tmp_path, monkeypatch, capsys
):
    copy = tmp_path / "copy.sqlite3"
    code, _out, err = _run(hub_db, "--user", "boss", "backup", "-o", str(copy),
                           password=ADMIN_PW, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    code, out, err = _run(hub_db, "--user", "kim", "restore", str(copy), password=STAFF_PW,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code != 0 and "Restored" not in out
    assert err == "hubapp: Only an administrator can restore a backup.\n"
    assert _before_restore_copies(hub_db) == 0  # nothing was replaced
    # check: anyone signed in, nobody else
    code, out, err = _run(hub_db, "check", password=STAFF_PW,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code != 0 and "--user" in err
    code, out, err = _run(hub_db, "--user", "kim", "check", password="wrong password here",
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code != 0 and "passed" not in out
    code, out, err = _run(hub_db, "--user", "kim", "check", password=STAFF_PW,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and "passed its quick check" in out, err
    code, out, err = _run(hub_db, "--user", "boss", "restore", str(copy), password=ADMIN_PW,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and "Restored" in out, err
    assert _before_restore_copies(hub_db) == 1


def _before_restore_copies(db) -> int:
    from hubapp.store.admin import backup

    return sum(b.kind == "before restore" for b in backup.list_backups(db))


def test_a_partner_exports_only_their_agencys_cases(hub_db, monkeypatch, capsys):
    from casework import agency_id, new_case

    from hubapp.store import accounts
    from hubapp.store.casework import assignments
    from hubapp.store.database import open_store

    store = open_store(hub_db)
    try:
        accounts.sign_in(store, "boss", ADMIN_PW)
        theirs = new_case(store, "CAR-2026-0101")
        new_case(store, "CAR-2026-0102")
        assignments.set_role(store, theirs, agency_id(store, "CUMBERLAND"), "lead")
    finally:
        store.close()
    code, out, err = _run(hub_db, "--user", "kim", "export", "cases", password=STAFF_PW,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "CAR-2026-0101" in out and "CAR-2026-0102" not in out
    code, out, err = _run(hub_db, "--user", "boss", "export", "cases", password=ADMIN_PW,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert "CAR-2026-0101" in out and "CAR-2026-0102" in out
