"""`hubapp retention list | keep | erase` as coordinators and scheduled scripts call them."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
from casework import new_case
from sqlalchemy import select

from hubapp import cli
from hubapp.store.database import open_store
from hubapp.store.schema import AuditEntry, Case, CasePerson, Person


@pytest.fixture
def db(store, db_path):
    case = new_case(store, "CAR-2020-0001", status="closed", closed_on=date(2020, 3, 1),
                    summary="=HYPERLINK(\"x\") noise at night")  # fmt: skip
    new_case(store, "CAR-2026-0002", summary="Open case")
    with store.write() as s:
        p = Person(id=uuid.uuid4(), full_name="Orla Penhaligon")
        s.add(p)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=p.id, role="victim"))
    store.close()
    return db_path


def test_list_as_csv_neutralises_formulas_and_is_audited(db, capsys):
    assert cli.main(["--db", str(db), "retention", "list", "--format", "csv",
                     "--date", "01/06/2030"]) == 0  # fmt: skip
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [(r["kind"], r["reference"]) for r in rows][:1] == [("case", "CAR-2020-0001")]
    assert {r["kind"] for r in rows} == {"case", "person"}
    case_row = rows[0]
    assert case_row["due_since"] == "2023-03-01" and not case_row["label"].startswith("=")
    assert "due for review" in captured.err
    store = open_store(db)
    try:
        with store.read() as s:
            entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.kind == "consultation" and entry.details == {"view": "retention review"}
    finally:
        store.close()


def test_keep_then_erase_with_yes(db, capsys):
    assert cli.main(["--db", str(db), "retention", "keep", "car-2020-0001", "--until",
                     "01/01/2040", "--reason", "court case"]) == 0  # fmt: skip
    assert "kept until 01/01/2040" in capsys.readouterr().out
    # kept: no longer due, so erasing it now is a data subject's request, said as such
    assert cli.main(["--db", str(db), "retention", "erase", "CAR-2020-0001", "--reason",
                     "retention review", "--yes"]) == 1  # fmt: skip
    assert "is not due for retention review" in capsys.readouterr().err
    assert cli.main(["--db", str(db), "retention", "erase", "CAR-2020-0001", "--reason",
                     "subject's erasure request", "--yes", "--before-due"]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("Erased CAR-2020-0001: ")
    store = open_store(db)
    try:
        with store.read() as s:
            assert s.scalar(select(Case.id).where(Case.reference == "CAR-2020-0001")) is None
            assert s.scalar(select(Person.id)) is None
    finally:
        store.close()


def test_bad_input_is_one_sentence_and_a_non_zero_exit(db, capsys, monkeypatch):
    assert cli.main(["--db", str(db), "retention", "erase", "CAR-1999-0001", "--reason",
                     "x", "--yes"]) == 1  # fmt: skip
    assert capsys.readouterr().err.strip() == "hubapp: No case or person CAR-1999-0001 was found."
    assert cli.main(["--db", str(db), "retention", "keep", "CAR-2020-0001", "--until",
                     "01/01/2000", "--reason", "x"]) == 1  # fmt: skip
    assert "after today" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        cli.main(["--db", str(db), "retention", "keep", "CAR-2020-0001", "--until", "soon",
                  "--reason", "x"])  # fmt: skip
    assert stop.value.code == 2 and "'soon' is not a date" in capsys.readouterr().err
    # without --yes and no one at a keyboard: refused, nothing erased
    assert cli.main(["--db", str(db), "retention", "erase", "CAR-2020-0001", "--reason",
                     "review"]) == 1  # fmt: skip
    assert "--yes" in capsys.readouterr().err
    # at a keyboard, the wrong reference typed: nothing erased
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda _prompt: "CAR-2020-0002")
    assert cli.main(["--db", str(db), "retention", "erase", "CAR-2020-0001", "--reason",
                     "review"]) == 1  # fmt: skip
    assert "did not match" in capsys.readouterr().err
    monkeypatch.setattr("builtins.input", lambda _prompt: "car-2020-0001")
    assert cli.main(["--db", str(db), "retention", "erase", "CAR-2020-0001", "--reason",
                     "review"]) == 0  # fmt: skip
