"""`hubapp audit` and `hubapp subject-access` as administrators and scripts call them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid

import pytest
from casework import new_case

from hubapp import cli
from hubapp.store import database
from hubapp.store.casework import casedetail
from hubapp.store.schema import CasePerson, Person


@pytest.fixture
def db(store, db_path):
    case = new_case(store, "CAR-2026-0042", summary="Bins set on fire")
    with store.write() as s:
        for name in ("Jo Bloggs", "Jo Bloggs", "Ann Other"):
            p = Person(id=uuid.uuid4(), full_name=name, phone="07700 900123")
            s.add(p)
            s.flush()
            s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=p.id, role="witness"))
    casedetail.load(store, case)
    store.user = "akhan"
    casedetail.load(store, case)
    store.close()
    return db_path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubapp", *args], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_verify_says_ok_then_names_the_broken_entry_with_a_non_zero_exit(db, capsys):
    assert cli.main(["--db", str(db), "audit", "--verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: ") and "newest entry's hash: " in out
    con = database.connect(db)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET reason = 'x' WHERE id = 3")
    con.commit()
    con.close()
    assert cli.main(["--db", str(db), "audit", "--verify"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "hubapp: The audit log is broken at entry 3: it was changed after it was written."
    )


def test_export_with_filters_to_a_file(db, tmp_path, capsys):
    out = tmp_path / "a.json"
    code = cli.main(["--db", str(db), "audit", "--format", "json", "-o", str(out),
                     "--kind", "consultation", "--user", "AKHAN", "--record", "car-2026-0042",
                     "--since", "01/01/2020", "--until", "2099-12-31"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip() == f"Exported 1 audit entry to {out}."
    data = json.loads(out.read_text(encoding="utf-8"))
    [entry] = data["entries"]
    assert entry["user"] == "akhan" and entry["kind"] == "consultation"
    assert data["filter"]["record"] == "car-2026-0042"


def test_export_to_standard_output_is_csv_and_recorded(db):
    result = _run("--db", str(db), "audit")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "at (UTC)", "user"] and len(rows) > 3
    again = _run("--db", str(db), "audit", "--kind", "disclosure", "--format", "json")
    [entry] = json.loads(again.stdout)["entries"]
    assert entry["entity"] == "audit_log" and entry["details"]["file"] == "standard output"


@pytest.mark.parametrize("args, words", [
    (["--since", "31/02/2026"], "is not a date"),
    (["--kind", "peek"], "is not a kind"),
])  # fmt: skip
def test_bad_options_are_usage_errors(db, capsys, args, words):
    with pytest.raises(SystemExit) as caught:
        cli.main(["--db", str(db), "audit", *args])
    assert caught.value.code == 2 and words in capsys.readouterr().err


def test_unknown_reference_is_one_sentence(db, capsys):
    assert cli.main(["--db", str(db), "audit", "--record", "XYZ-1", "-o", "x.csv"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hubapp: 'XYZ-1' is neither a case reference") and err.count("\n") == 1


def test_subject_access_by_name_and_when_ambiguous(db, tmp_path, capsys):
    out = tmp_path / "ann.zip"
    assert cli.main(["--db", str(db), "subject-access", "--person", "ann other",
                     "-o", str(out)]) == 0  # fmt: skip
    assert f"to {out}." in capsys.readouterr().out and out.stat().st_size > 0
    assert cli.main(["--db", str(db), "subject-access", "--person", "Jo Bloggs",
                     "-o", str(tmp_path / "jo.json")]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "2 people are called 'Jo Bloggs'" in err and "CAR-2026-0042 (witness)" in err
    assert not (tmp_path / "jo.json").exists()


def test_the_parser_still_does_not_import_the_database_layer():
    code = ("import sys; from hubapp import cli; cli.build_parser(); "
            "print('sqlalchemy' in sys.modules)")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
