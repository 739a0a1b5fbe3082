"""The audit log proves its own completeness (issue 14): every way an insider holding the
database key can cut, wipe, renumber or reorder the log, or spoil its anchor, is found by
``hubapp audit --verify`` run as the command line runs it, on a database with staff accounts
and on one without. Verifying writes nothing before it has verified: the sentence names the
log as the attacker left it, and a failed check leaves every row as it was found."""

from __future__ import annotations

import json
import re

import pytest
from casework import (
    STAFF_PASSWORD,
    dump,
    newest_audit_id,
    run_command,
    staff_database,
    tamper,
)

from hubapp.store import audit, database

#: the tables a verification must leave alone (the log, its anchor, the accounts' counters)
WATCHED = ("audit_log", "local_setting", "staff_account")


@pytest.fixture(params=["accounts", "no accounts"])
def station(request, tmp_path):
    """(database, command-line words that sign in as its administrator, or none)."""
    staffed = request.param == "accounts"
    db = staff_database(tmp_path / "hub.sqlite3", staff=None if not staffed else {
        "ada": ("administrator", None), "cara": ("partner", "CUMBERLAND")})  # fmt: skip
    return db, (["--user", "ada"] if staffed else [])


def _verify(db, who, monkeypatch, capsys):
    return run_command(db, *who, "audit", "--verify", password=STAFF_PASSWORD,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def _one_sentence(err: str) -> str:
    assert err.startswith("hubapp: ") and err.endswith(".\n") and err.count("\n") == 1, err
    return err[len("hubapp: ") : -1]


def _swap_ids(a: int, b: int) -> list[str]:
    return [f"UPDATE audit_log SET id = -1 WHERE id = {a}",
            f"UPDATE audit_log SET id = {a} WHERE id = {b}",
            f"UPDATE audit_log SET id = {b} WHERE id = -1"]  # fmt: skip


def _anchor_sql(value: str) -> str:
    return f"UPDATE local_setting SET value = '{value}' WHERE key = '{audit.ANCHOR_KEY}'"


#: what the attacker does (given the newest entry's id) and what verify must then say
TAMPERING = {
    "remove the tail": (
        lambda n: [f"DELETE FROM audit_log WHERE id > {n - 3}"],
        lambda n: (
            f"The newest audit entries were removed: the log ends at entry {n - 3:,} but "
            f"entry {n:,} had been written."
        ),
    ),
    "remove the tail and the anchor": (
        lambda n: [
            f"DELETE FROM audit_log WHERE id > {n - 3}",
            f"DELETE FROM local_setting WHERE key = '{audit.ANCHOR_KEY}'",
        ],
        lambda n: "The audit log's anchor is missing: its newest entries may have been removed.",
    ),
    "wipe the log and the anchor": (
        lambda n: [
            "DELETE FROM audit_log",
            f"DELETE FROM local_setting WHERE key = '{audit.ANCHOR_KEY}'",
        ],
        lambda n: (
            "The audit log is empty and its anchor is missing, but the database holds "
            "records: the log was wiped."
        ),
    ),
    "wipe the log": (
        lambda n: ["DELETE FROM audit_log"],
        lambda n: f"The audit log is empty but {n:,} entries had been written: the log was wiped.",
    ),
    "make the anchor unreadable": (
        lambda n: [_anchor_sql('{"v": 2, "count": ')],
        lambda n: (
            "The audit log's anchor cannot be read, or was not sealed by hubapp for this "
            "database: the log's completeness cannot be shown."
        ),
    ),
    "cut the tail and write a matching anchor by hand": (
        lambda n: [
            f"DELETE FROM audit_log WHERE id > {n - 3}",
            f"UPDATE local_setting SET value = json_set(value, '$.count', {n - 3}, '$.id', "
            f"{n - 3}, '$.hash', (SELECT hash FROM audit_log WHERE id = {n - 3})) "
            f"WHERE key = '{audit.ANCHOR_KEY}'",
        ],
        lambda n: (
            "The audit log's anchor cannot be read, or was not sealed by hubapp for this "
            "database: the log's completeness cannot be shown."
        ),
    ),
    "renumber the newest entries": (
        lambda n: [f"UPDATE audit_log SET id = id + 1000 WHERE id > {n - 4}"],
        lambda n: (
            f"The audit log is broken at entry {n - 3:,}: there is no such entry and the "
            f"log goes on at entry {n - 3 + 1000:,} (entries were removed or renumbered)."
        ),
    ),
    "renumber every entry": (
        lambda n: ["UPDATE audit_log SET id = -id", "UPDATE audit_log SET id = 10 - id"],
        lambda n: (
            "The audit log is broken at entry 1: there is no such entry and the log goes "
            "on at entry 11 (entries were removed or renumbered)."
        ),
    ),
    "reorder two entries": (
        lambda n: _swap_ids(n - 5, n - 4),
        lambda n: (
            f"The audit log is broken at entry {n - 5:,}: it does not follow the one "
            "before it (an entry before it was removed, added or changed)."
        ),
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_each_tampering_is_found_and_verify_leaves_the_evidence(station, how, monkeypatch,
                                                               capsys):  # fmt: skip
    db, who = station
    newest = newest_audit_id(db)
    assert newest > 8
    attack, sentence = TAMPERING[how]
    tamper(db, *attack(newest))
    found = dump(db, WATCHED)
    code, out, err = _verify(db, who, monkeypatch, capsys)
    assert code == 1 and out == ""
    # the sentence counts the log as the attacker left it: nothing was added before the check
    assert _one_sentence(err) == sentence(newest)
    assert dump(db, WATCHED) == found  # and nothing after it


def test_a_cut_is_still_found_after_people_go_on_working(tmp_path, monkeypatch, capsys):
    """The hostile test's case: every sign-in writes an entry after the cut."""
    db = staff_database(tmp_path / "hub.sqlite3")
    newest = newest_audit_id(db)
    tamper(db, f"DELETE FROM audit_log WHERE id > {newest - 3}")
    for name in ("cara", "pete", "ada"):  # three sign-ins, each adding an entry
        code, _out, err = run_command(db, "--user", name, "export", "cases",
                                      password=STAFF_PASSWORD, monkeypatch=monkeypatch,
                                      capsys=capsys)  # fmt: skip
        assert code == 0, err
    code, _out, err = run_command(db, "--user", "ada", "audit", "--verify",
                                  password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1
    assert _one_sentence(err) == (
        f"When entry {newest - 2:,} was written, the audit log no longer ended at entry "
        f"{newest:,} as its anchor said (it held {newest - 3:,} entries where {newest:,} had "
        "been written): entries were removed or changed."
    )


def test_the_anchor_removed_then_written_again_stays_found(tmp_path, monkeypatch, capsys):
    db = staff_database(tmp_path / "hub.sqlite3")
    newest = newest_audit_id(db)
    tamper(db, f"DELETE FROM audit_log WHERE id > {newest - 3}",
           f"DELETE FROM local_setting WHERE key = '{audit.ANCHOR_KEY}'")  # fmt: skip
    code, _out, err = run_command(db, "--user", "cara", "export", "cases",
                                  password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    code, _out, err = _verify(db, ["--user", "ada"], monkeypatch, capsys)
    assert code == 1 and _one_sentence(err) == (
        f"The audit log's anchor was missing when entry {newest - 2:,} was written (the log "
        f"then held {newest - 3:,} entries): entries before it may have been removed."
    )


def test_an_intact_log_verifies_before_the_sign_in_is_written(station, monkeypatch, capsys):
    db, who = station
    newest = newest_audit_id(db)
    code, out, err = _verify(db, who, monkeypatch, capsys)
    assert code == 0, err
    assert out.startswith(f"ok: {newest:,} entries, the chain and its anchor hold.\n")
    after = dump(db, ("audit_log",))["audit_log"]
    if who:  # the administrator's sign-in, written once the check was done
        assert len(after) == newest + 1 and after[-1][4] == "sign_in"
    else:
        assert len(after) == newest


def test_verifying_is_for_administrators(tmp_path, monkeypatch, capsys):
    db = staff_database(tmp_path / "hub.sqlite3")
    for name in ("cora", "pete", "cara", "rory"):
        before = newest_audit_id(db)
        code, out, err = _verify(db, ["--user", name], monkeypatch, capsys)
        assert code == 1 and out == ""
        assert err == "hubapp: Only an administrator can verify the audit log.\n"
        assert newest_audit_id(db) == before + 1  # their sign-in, and nothing else


def test_an_administrator_accepts_a_log_found_broken_and_later_cuts_are_found(
    tmp_path, monkeypatch, capsys
):
    db = staff_database(tmp_path / "hub.sqlite3")

    def run(*args, name="ada"):
        return run_command(db, "--user", name, "audit", *args, password=STAFF_PASSWORD,
                           monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip

    code, _out, err = run("--accept", "--reason", "nothing wrong")
    assert code == 1 and err == "hubapp: the audit log is intact: there is nothing to accept.\n"
    newest = newest_audit_id(db)
    tamper(db, f"DELETE FROM audit_log WHERE id > {newest - 3}")
    code, _out, err = run("--accept", "--reason", "looked into", name="cara")
    assert code == 1 and err == "hubapp: Only an administrator can verify the audit log.\n"
    code, _out, err = run("--accept")
    assert code == 2 and "--reason" in err
    code, out, err = run("--accept", "--reason", "Cut by a test; reported to the DPO")
    assert code == 0, err
    assert out.startswith("Accepted the audit log as it was, with this problem: When entry ")
    accepted = int(re.search(r"Entries before entry ([\d,]+) must now stay", out)[1])
    code, out, err = run("--verify")
    assert code == 0, err
    assert "were accepted as they were by ada on " in out
    assert "(Cut by a test; reported to the DPO)" in out
    # the accepted part may not change again, and what follows is checked in full
    reason = dump(db, ("audit_log",))["audit_log"][1][8]
    tamper(db, "UPDATE audit_log SET reason = 'nothing' WHERE id = 2")
    code, _out, err = run("--verify")
    assert code == 1 and _one_sentence(err) == (
        f"The audit log was changed before entry {accepted:,}, in the part an administrator "
        "had accepted as it was.")  # fmt: skip
    tamper(db, f"UPDATE audit_log SET reason = '{reason}' WHERE id = 2")
    assert run("--verify")[0] == 0
    latest = newest_audit_id(db)
    tamper(db, f"DELETE FROM audit_log WHERE id = {latest}")
    code, _out, err = run("--verify")
    assert code == 1 and f"entry {latest:,} had been written" in err


def test_the_anchor_is_sealed_with_the_database_key(tmp_path):
    """A copy of another database's anchor, though well formed, does not hold here."""
    one = staff_database(tmp_path / "one.sqlite3", staff=None)
    two = staff_database(tmp_path / "two.sqlite3", staff=None)
    anchor = dict(dump(one, ("local_setting",))["local_setting"])[audit.ANCHOR_KEY]
    assert json.loads(anchor)["mac"]
    tamper(two, _anchor_sql(anchor))
    con = database.connect(two, read_only=True)
    try:
        check = audit.verify_connection(con, database.anchor_secret_for(two))
    finally:
        con.close()
    assert not check.ok and "not sealed by hubapp" in check.problem
