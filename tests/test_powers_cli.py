"""The command line of tools and powers: person add, intervention add, interventions due (real
database files, hubapp.cli.main; refusals are one sentence on stderr and exit code 1)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from casework import STAFF_PASSWORD, new_case, run_command, staff_database
from sqlalchemy import func, select

from hubapp.cli import main
from hubapp.domain.clock import local_today
from hubapp.store.schema import CasePerson, Intervention, Person, Place


@pytest.fixture
def db(tmp_path):
    from hubapp.store.database import open_store

    path = tmp_path / "hub.sqlite3"
    assert main(["--db", str(path), "setup", "--hub", "Carlisle", "--station", "Civic"]) == 0
    store = open_store(path)
    with store.write() as s:
        place = Place(id=uuid.uuid4(), name="Bitts Park", town="Carlisle")
        s.add(place)
    new_case(store, "CAR-2026-0042", place_id=place.id)
    store.close()
    return path


def run(db, *args, monkeypatch, capsys, user=None):
    extra = ["--user", user] if user else []
    return run_command(db, *extra, *args, password=STAFF_PASSWORD if user else None,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def counts(path) -> tuple[int, int, int]:
    from hubapp.store.database import open_store

    store = open_store(path)
    try:
        with store.read() as s:
            return tuple(s.scalar(select(func.count()).select_from(t))
                         for t in (Person, CasePerson, Intervention))  # fmt: skip
    finally:
        store.close()


def _person(db, monkeypatch, capsys, name, dob) -> str:
    code, out, err = run(db, "person", "add", "CAR-2026-0042", "--name", name, "--role",
                         "alleged-perpetrator", "--dob", dob, "--phone", "07700 900123",
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert f"{name} added to CAR-2026-0042 as alleged perpetrator" in out
    return out.split()[0]  # P-XXXXXXXX


def test_person_add_then_a_cpn_refused_under_16_then_issued_with_a_reason(db, monkeypatch, capsys):
    today = local_today()
    born = today.replace(year=today.year - 15)
    kid = _person(db, monkeypatch, capsys, "Kid Doe", born.isoformat())
    before = counts(db)
    code, out, err = run(db, "intervention", "add", "CAR-2026-0042", "--type", "cpn",
                         "--person", kid, "--from", today.isoformat(), "--agency", "POLICE",
                         "--reason", "Warned in person", monkeypatch=monkeypatch,
                         capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "hubapp: A Community Protection Notice (CPN) cannot be used against someone under 16 "
        f"(s.43(1)): they are 15 on {today:%d/%m/%Y}.",
        "hubapp: nothing was saved.",
    ]
    assert counts(db) == before
    adult = _person(db, monkeypatch, capsys, "Jay Doe", "04/03/1990")
    args = ["intervention", "add", "CAR-2026-0042", "--type", "cpn", "--person", adult,
            "--from", today.isoformat(), "--agency", "POLICE"]  # fmt: skip
    code, out, err = run(db, *args, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1 and "(s.43(5))" in err and "--reason" in err
    assert counts(db) == (before[0] + 1, before[1] + 1, before[2])
    code, out, err = run(db, *args, "--reason", "Warned in person by PCSO Hart",
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert out.startswith("Community Protection Notice (CPN) recorded on CAR-2026-0042")
    assert counts(db)[2] == before[2] + 1


def test_person_add_refuses_a_date_of_birth_in_the_future(db, monkeypatch, capsys):
    before = counts(db)
    tomorrow = local_today() + timedelta(days=1)
    code, out, err = run(db, "person", "add", "CAR-2026-0042", "--name", "Jo", "--role",
                         "victim", "--dob", tomorrow.isoformat(), monkeypatch=monkeypatch,
                         capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    assert err.splitlines()[0] == "hubapp: The date of birth cannot be in the future."
    code, _out, err = run(db, "person", "add", "CAR-2026-0042", "--name", "Jo", "--role",
                          "landlord", monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and "Choose their role on the case" in err
    code, _out, err = run(db, "person", "add", "CAR-2026-0042", "--name", "Jo", "--role",
                          "victim", "--dob", "31/02/2001", monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 1 and err.startswith("hubapp: --dob: '31/02/2001' is not a date")
    assert counts(db) == before


def test_intervention_add_refuses_an_end_before_its_start(db, monkeypatch, capsys):
    adult = _person(db, monkeypatch, capsys, "Jay Doe", "1990-03-04")
    before = counts(db)
    code, out, err = run(db, "intervention", "add", "CAR-2026-0042", "--type", "abc",
                         "--person", adult, "--from", "01/05/2026", "--to", "30/04/2026",
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, out) == (1, "")
    assert err == ("hubapp: it cannot end (--to) on or before the day it was issued "
                   "(--from).\n")  # fmt: skip
    code, _out, err = run(db, "intervention", "add", "CAR-2026-0042", "--type", "pspo",
                          "--place", "location", "--from", "01/05/2026", "--agency",
                          "CUMBERLAND", monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and "Tools > Area orders" in err
    code, _out, err = run(db, "intervention", "add", "CAR-2026-0042", "--type", "nonsense",
                          "--person", adult, "--from", "01/05/2026", monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 1 and "is not a tool or power" in err
    assert counts(db) == before


def test_a_dispersal_needs_its_inspector_and_a_closure_notice_its_hearing(db, monkeypatch, capsys):
    adult = _person(db, monkeypatch, capsys, "Jay Doe", "1990-03-04")
    today = local_today()
    code, _out, err = run(db, "intervention", "add", "CAR-2026-0042", "--type", "dispersal",
                          "--person", adult, "--from", today.isoformat(), "--to",
                          (today + timedelta(days=1)).isoformat(), "--agency", "POLICE",
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and "(s.34(1))" in err
    code, _out, err = run(db, "intervention", "add", "CAR-2026-0042", "--type", "dispersal",
                          "--person", adult, "--from", today.isoformat(), "--to",
                          (today + timedelta(days=1)).isoformat(), "--agency", "POLICE",
                          "--authorised-by", "Insp. Bell", monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 0, err


def test_interventions_due_as_json_and_text(db, monkeypatch, capsys):
    adult = _person(db, monkeypatch, capsys, "Jay Doe", "1990-03-04")
    today = local_today()
    ends = today + timedelta(days=10)
    code, _out, err = run(db, "intervention", "add", "CAR-2026-0042", "--type", "abc",
                          "--person", adult, "--from", today.isoformat(), "--to",
                          ends.isoformat(), "--agency", "POLICE", monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 0, err
    code, out, err = run(db, "interventions", "due", "--format", "json", "--hub", "CAR",
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    items = json.loads(out)
    assert [(i["date"], i["kind"], i["case"], i["against"]) for i in items] == [
        (ends.isoformat(), "ends", "CAR-2026-0042", "Jay Doe")]  # fmt: skip
    assert err == "1 item ending or due within 28 days.\n"
    code, out, _err = run(db, "interventions", "due", "--days", "5", monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert (code, out) == (0, "")
    code, out, _err = run(db, "interventions", "due", monkeypatch=monkeypatch, capsys=capsys)
    assert out == (f"{ends:%d/%m/%Y}  Ends: Acceptable Behaviour Contract (ABC) — Jay Doe  "
                   "[CAR-2026-0042]\n")  # fmt: skip
    code, _out, err = run(db, "interventions", "due", "--days", "0", monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 1 and err == "hubapp: Give the number of days ahead from 1 to 366.\n"


@pytest.mark.parametrize("who", ["cara", "rory"])
def test_partner_and_read_only_cannot_add_people_or_powers(tmp_path, monkeypatch, capsys, who):
    path = staff_database(tmp_path / "staff.sqlite3")
    before = counts(path)
    code, out, err = run(path, "person", "add", "CAR-2026-0001", "--name", "Jo", "--role",
                         "victim", user=who, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    code, out, err2 = run(path, "intervention", "add", "CAR-2026-0001", "--type", "abc",
                          "--place", "location", "--from", date.today().isoformat(), user=who,
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    expected = ("Partner staff add notes and work their own agency's actions"
                if who == "cara" else "Your account is read-only")  # fmt: skip
    assert expected in err and expected in err2
    assert counts(path) == before
    code, _out, err = run(path, "interventions", "due", user=who, monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 0, err
