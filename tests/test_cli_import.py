"""`hubapp import` and `hubapp export cases` as scripts use them: real processes, real files."""

import csv
import json
import os
import subprocess
import sys

import pytest

HEADING = "received,hub,channel,category,location,summary,details,reporter_name,reporter_contact"


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "hubapp", *map(str, args)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
    )  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "hub.sqlite3"
    r = run("--db", path, "setup", "--hub", "CAR", "--station", "Carlisle Civic Centre")
    assert r.returncode == 0, r.stderr
    return path


def test_import_reports_each_reject_on_stderr_and_exits_non_zero(db, tmp_path):
    src = tmp_path / "log.csv"
    src.write_text(
        HEADING + ",Officer\n"
        "01/05/2026 09:30,Carlisle,101 Call,Parking,Bitts Park,Cars on the verge,,Jo,07700 900123,PC 1\n"
        '02/05/2026,CAR,call_101,Noize,Here,"Music\nall night",,,,PC 2\n'
        "03/05/2026,CAR,walk-in,drugs,There,Dealing,,,,\n",
        encoding="utf-8",
    )
    r = run("--db", db, "import", src)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        'hubapp: the column "Officer" is not one hubapp imports; it was ignored.',
        'hubapp: line 3: the category "Noize" is not known (known: Antisocial behaviour – '
        "environmental, Antisocial behaviour – nuisance, Antisocial behaviour – personal, "
        "Criminal damage, Drugs, Fly-tipping, Other, Parking, Request for visible policing, "
        "Road safety, Vulnerability concern).",
    ]
    rejects = tmp_path / "log.rejects.csv"
    assert r.stdout.strip() == (
        f"Imported 2 issues; skipped 0 already imported; rejected 1 (written to {rejects})."
    )
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1][3] == "Noize"

    again = run("--db", db, "import", src)
    assert again.returncode == 1
    assert again.stdout.startswith("Imported 0 issues; skipped 2 already imported; rejected 1")

    good = tmp_path / "good.csv"
    good.write_text(HEADING + "\n04/05/2026,CAR,patrol,drugs,Park,Seen,,,\n", encoding="utf-8")
    ok = run("--db", db, "import", good)
    assert ok.returncode == 0 and ok.stderr == ""
    assert ok.stdout.strip() == "Imported 1 issue; skipped 0 already imported; rejected 0."

    # Jo reported the first row: a report of theirs by another number format is linked
    jo = tmp_path / "jo.csv"
    jo.write_text(HEADING + "\n05/05/2026,CAR,patrol,drugs,Park,Again,,Jo,+44 7700 900123\n",
                  encoding="utf-8")  # fmt: skip
    linked = run("--db", db, "import", jo)
    assert linked.returncode == 0 and linked.stdout.strip() == (
        "Imported 1 issue; skipped 0 already imported; rejected 0; 1 reporter already known "
        "was linked to their person."
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("hub,summary\nCAR,x\n"), "cannot be imported: it has no received, "
         "channel or category columns"),
        (lambda p: None, "There is no file "),
        (lambda p: p.write_bytes(b"PK\x03\x04rest"), "is an Excel workbook, not a CSV file"),
    ],
)  # fmt: skip
def test_a_refused_file_is_one_sentence(db, tmp_path, make, message):
    src = tmp_path / "in.csv"
    make(src)
    r = run("--db", db, "import", src)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("hubapp: ") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_import_needs_a_file_argument_and_an_existing_database(tmp_path):
    r = run("--db", tmp_path / "h.sqlite3", "import")
    assert r.returncode == 2 and "FILE.csv" in r.stderr
    src = tmp_path / "x.csv"
    src.write_text(HEADING + "\n")
    r = run("--db", tmp_path / "none.sqlite3", "import", src)
    assert r.returncode == 1
    assert r.stderr.strip() == f"hubapp: There is no database at {tmp_path / 'none.sqlite3'}."


def test_export_cases_to_stdout_and_files(db, tmp_path):
    src = tmp_path / "two.csv"
    src.write_text(HEADING + "\n05/05/2026,CAR,patrol,drugs,A,=1+1 <b>,,,\n"
                   "06/05/2026,CAR,patrol,drugs,B,Zoë 🏠,,,\n", encoding="utf-8")  # fmt: skip
    assert run("--db", db, "import", src).returncode == 0
    r = run("--db", db, "export", "cases", "--format", "json")
    assert r.returncode == 0, r.stderr
    cases = json.loads(r.stdout)["cases"]
    assert {c["summary"] for c in cases} >= {"=1+1 <b>", "Zoë 🏠"}
    out = tmp_path / "cases.xlsx"
    r = run("--db", db, "export", "cases", "--format", "xlsx", "-o", out, "--status", "New")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"Exported {len(cases)} cases to {out}." and out.exists()
    r = run("--db", db, "export", "cases", "--hub", "SLK")
    assert r.returncode == 0 and r.stdout.splitlines()[0].lstrip("\ufeff").startswith("Reference,")
    assert len(r.stdout.splitlines()) == 1  # the heading only: no South Lakeland cases


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "xlsx"), "An XLSX export needs a file to write: add -o FILE.xlsx."),
        (("--format", "pdf"), "Cannot export cases as 'pdf'; choose csv, json or xlsx."),
        (("--status", "lost"), "There is no case status 'lost'; the statuses are: new, "
         "triaged, in_progress, under_review, closed, reopened."),
        (("--hub", "Narnia"), "There is no hub called 'Narnia'"),
    ],
)  # fmt: skip
def test_export_cases_errors_are_one_sentence(db, args, message):
    r = run("--db", db, "export", "cases", *args)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith(f"hubapp: {message}") and len(r.stderr.splitlines()) == 1
