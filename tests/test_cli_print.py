"""`hubapp print ...` as scripts call it: a PDF and exit 0, or one sentence on stderr and exit 1."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from casework import new_case
from pypdf import PdfReader

from hubapp import cli


@pytest.fixture
def db(store, db_path):
    new_case(store, "CAR-2026-0042", summary="Bins set on fire behind <b>the</b> shops")
    store.close()
    return db_path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubapp", *args], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_print_case_writes_a_marked_private_pdf_and_says_where(db, tmp_path):
    out = tmp_path / "case.pdf"
    result = _run("--db", str(db), "print", "case", "car-2026-0042", "--profile", "police",
                  "-o", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"to {out}." in result.stdout and "police profile" in result.stdout
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "OFFICIAL-SENSITIVE" in text and "Bins set on fire behind <b>the</b> shops" in text
    if os.name == "posix":
        assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_without_o_the_file_goes_in_the_current_folder_under_the_documents_name(
    db, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--db", str(db), "print", "case", "CAR-2026-0042"]) == 0
    made = tmp_path / "case-CAR-2026-0042-public.pdf"  # the default profile: public
    assert made.exists()
    assert "OFFICIAL" in PdfReader(made).metadata.title
    assert "SENSITIVE" not in PdfReader(made).metadata.title
    assert cli.main(["--db", str(db), "print", "pack", "--hub", "CAR", "--profile", "partner"]) == 0
    assert cli.main(["--db", str(db), "print", "actions", "--agency", "police"]) == 0
    assert {p.name for p in tmp_path.iterdir()} >= {
        "pack-Carlisle-partner.pdf", "actions-all-hubs-Police-public.pdf",
    }  # fmt: skip


@pytest.mark.parametrize(
    "args, message",
    [
        (["print", "case", "CAR-1999-0001"], "There is no case CAR-1999-0001"),
        (["print", "case", "CAR-2026-0042", "--profile", "secret"], "not a redaction profile"),
        (["print", "pack", "--hub", "Narnia"], "There is no hub called 'Narnia'"),
        (["print", "pack", "--hub", "CAR", "--date", "31/02/2026"], "is not a date"),
        (["print", "pack", "--hub", "CAR", "--date", "2026-06-10"], "no meeting on 10/06/2026"),
        (["print", "actions", "--agency", "MI5"], "There is no agency called 'MI5'"),
    ],
)
def test_errors_are_one_sentence_on_stderr_and_exit_1(db, tmp_path, capsys, args, message):
    code = cli.main(["--db", str(db), *args, "-o", str(tmp_path / "x.pdf")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("hubapp: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "x.pdf").exists()


def test_a_missing_database_is_not_created(tmp_path):
    missing = tmp_path / "none.sqlite3"
    result = _run("--db", str(missing), "print", "case", "CAR-2026-0042")
    assert result.returncode == 1 and result.stderr.startswith("hubapp: There is no database")
    assert not missing.exists()


def test_an_unwritable_target_folder_is_one_sentence(db, tmp_path, capsys):
    code = cli.main(["--db", str(db), "print", "case", "CAR-2026-0042", "-o",
                     str(tmp_path / "no" / "such" / "x.pdf")])  # fmt: skip
    assert code == 1 and "does not exist" in capsys.readouterr().err
    assert Path(tmp_path / "no").exists() is False
