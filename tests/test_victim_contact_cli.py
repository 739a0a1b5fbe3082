"""``hubapp victim plan|update`` and ``hubapp victims overdue`` (issue 17): what they save and
print, bad input in one sentence with exit code 1 and nothing saved, and who may."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from casework import STAFF_PASSWORD, add_person, new_case, run_command, staff_database, state
from sqlalchemy import select

from hubapp.store import accounts, roles
from hubapp.store.casework import people
from hubapp.store.database import open_store
from hubapp.store.roles import Op
from hubapp.store.schema import Case, VictimContact, VictimUpdate


@pytest.fixture
def station(tmp_path):
    """Staff of every role; CAR-2026-0001 led by the council (the partner's agency), with a
    victim and a witness, opened a month ago; CAR-2026-0099 with no agency on it."""
    db = staff_database(tmp_path / "hub.sqlite3", cases=1)
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    month_ago = date.today() - timedelta(days=40)
    with store.write() as s:
        case = s.scalar(select(Case))
        case.opened_on = month_ago
        ours = case.id
    victim = add_person(store, ours, "Vera Victim")
    witness = add_person(store, ours, "Wendy Witness", role="witness")
    theirs = new_case(store, "CAR-2026-0099", opened_on=month_ago)
    other = add_person(store, theirs, "Tess Theirs")
    store.close()
    return db, people.reference(victim), people.reference(witness), people.reference(other)


def hubapp(db, user, *args, monkeypatch, capsys):
    return run_command(db, "--user", user, *args, password=STAFF_PASSWORD,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def rows(db, table):
    store = open_store(db)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        with store.read() as s:
            return list(s.scalars(select(table)))
    finally:
        store.close()


def test_plan_update_and_overdue_end_to_end(station, monkeypatch, capsys):
    db, vera, *_ = station
    run = lambda *a: hubapp(db, "cara", *a, monkeypatch=monkeypatch, capsys=capsys)  # noqa: E731
    code, out, err = run("victims", "overdue", "--format", "json")
    assert code == 0, err
    overdue = json.loads(out)
    assert [(o["case"], o["name"], o["spoc"], o["risk"]) for o in overdue] == [
        ("CAR-2026-0001", "Vera Victim", "", "standard")]  # fmt: skip
    code, out, err = run("victim", "plan", "CAR-2026-0001", "--person", vera, "--spoc",
                         "Sam Spoc", "--agency", "CUMBERLAND", "--every", "5")  # fmt: skip
    assert (code, err) == (0, ""), err
    assert "Contact plan saved" in out
    code, out, err = run("victims", "overdue", "--agency", "CUMBERLAND")
    assert code == 0 and "Vera Victim" in out and "Sam Spoc" in out and "every 5" in out
    code, out, err = run("victim", "update", "CAR-2026-0001", "--person", vera, "--how", "visit",
                         "--by", "Sam Spoc", "--said", "Patrols start on Monday.")  # fmt: skip
    assert (code, err) == (0, ""), err
    code, out, err = run("victims", "overdue", "--format", "json")
    assert json.loads(out) == [] and "0 overdue updates" in err
    (update,) = rows(db, VictimUpdate)
    assert (update.method, update.given_by, update.updated_on, update.closing) == (
        "visit", "Sam Spoc", date.today(), False)  # fmt: skip
    (plan,) = rows(db, VictimContact)
    assert (plan.spoc_name, plan.every_days) == ("Sam Spoc", 5)


@pytest.mark.parametrize("args, words", [
    (["--how", "call", "--by", "Sam", "--said", "Hello", "--on", "{tomorrow}"], "future"),
    (["--how", "call", "--by", "Sam", "--said", "   "], "Say what they were told."),
    (["--how", "pigeon", "--by", "Sam", "--said", "Hello"], "--how call"),
    (["--how", "call", "--by", "", "--said", "Hello"], "Say who gave the update."),
])  # fmt: skip
def test_bad_updates_are_one_sentence_and_save_nothing(station, monkeypatch, capsys, args,
                                                        words):  # fmt: skip
    db, vera, *_ = station
    tomorrow = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    before = state(db)
    code, out, err = hubapp(db, "cora", "victim", "update", "CAR-2026-0001", "--person", vera,
                            *[a.format(tomorrow=tomorrow) for a in args],
                            monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and words in err and len(err.strip().splitlines()) == 1, err
    assert state(db) == before


def test_an_update_for_a_witness_is_refused(station, monkeypatch, capsys):
    db, _vera, wendy, _tess = station
    before = state(db)
    code, _out, err = hubapp(db, "cora", "victim", "update", "CAR-2026-0001", "--person", wendy,
                             "--how", "call", "--by", "Sam", "--said", "Hello",
                             monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, err) == (1, "hubapp: That person is not a victim or complainant of this "
                              "case.\n")  # fmt: skip
    assert state(db) == before


def test_a_bad_frequency_is_refused(station, monkeypatch, capsys):
    db, vera, *_ = station
    for every in ("often", "0"):
        code, _out, err = hubapp(db, "cora", "victim", "plan", "CAR-2026-0001", "--person", vera,
                                 "--spoc", "Sam", "--agency", "POLICE", "--every", every,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
        assert code == 1 and ("working days" in err), err
    assert rows(db, VictimContact) == []


def test_a_partner_not_on_the_case_and_read_only_staff_are_refused(station, monkeypatch, capsys):
    db, vera, _wendy, tess = station
    before = state(db)
    code, out, err = hubapp(db, "cara", "victim", "update", "CAR-2026-0099", "--person", tess,
                            "--how", "call", "--by", "Cara", "--said", "Hello",
                            monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and err.startswith("hubapp: "), err
    code, out, err = hubapp(db, "rory", "victim", "update", "CAR-2026-0001", "--person", vera,
                            "--how", "call", "--by", "Rory", "--said", "Hello",
                            monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, err) == (1, f"hubapp: {roles.refusal(Op.VICTIM_CONTACT, 'read_only')}\n")
    assert state(db) == before
    code, out, err = hubapp(db, "cara", "victims", "overdue", "--format", "json",
                            monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert [o["name"] for o in json.loads(out)] == ["Vera Victim"]  # not Tess: not theirs
