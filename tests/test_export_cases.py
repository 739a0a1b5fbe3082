"""Exporting cases as CSV, JSON and XLSX: tricky text round-trips (exact in JSON, formula-safe
in CSV and XLSX), every field, filters, streaming, atomic and private files, the audit entry."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import date, datetime

import openpyxl
import pytest
from casework import agency_id, audit_since, hub_id, new_case
from sqlalchemy import func, select

from hubapp.store.errors import StoreError
from hubapp.store.exchange.export import (
    CASE_FIELDS,
    CASE_HEADINGS,
    ExportCancelled,
    export_cases,
)
from hubapp.store.schema import AuditEntry

HOSTILE = "=cmd|' /C calc'!A0"
MARKUP = "<b>&amp; bold</b> & co"
EMOJI = "Zoë 🏠 王小明"
MULTILINE = 'Line one\nLine two, with a comma and "quotes"\r\nLine three'


@pytest.fixture
def cases(store):
    police = agency_id(store, "POLICE")
    tricky = new_case(
        store, "CAR-2026-0042", summary=HOSTILE, details=MULTILINE, location=MARKUP,
        town=EMOJI, postcode="CA3 8QG", grid_ref="NY 398 562", police_log_ref="+44 101",
        council_ref="@ENV/26/1", status="in_progress", risk_level="high", priority="high",
        sara_stage="analysis", lead_agency_id=police,
        received_at=datetime(2026, 7, 1, 9, 30), incident_at=datetime(2026, 6, 30, 22, 15),
        opened_on=date(2026, 7, 1), next_review_on=date(2026, 7, 15),
    )  # fmt: skip
    closed = new_case(
        store, "SLK-2026-0001", hub="SLK", summary="-2 bins left", details="\tTabbed",
        status="closed", closed_on=date(2026, 8, 1), outcome="resolved",
        closure_rationale="%Quiet for six weeks", received_at=datetime(2026, 1, 5, 10, 0),
        opened_on=date(2026, 1, 5),
    )  # fmt: skip
    return {"tricky": tricky, "closed": closed, "police": police}


def read_csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_json_keeps_text_exactly_as_stored(store, cases, tmp_path):
    path = tmp_path / "cases.json"
    assert export_cases(store, path, "json") == 2
    raw = path.read_bytes()
    assert "王小明".encode() in raw  # not escaped to ASCII
    data = json.loads(raw)
    assert data["marking"] == "OFFICIAL-SENSITIVE"
    first, second = data["cases"]
    assert list(first) == [k for k, _h in CASE_FIELDS]  # stable names, in order
    assert first["summary"] == HOSTILE and first["details"] == MULTILINE
    assert first["location"] == MARKUP and first["town"] == EMOJI
    assert first["police_log_ref"] == "+44 101" and first["council_ref"] == "@ENV/26/1"
    assert (first["hub"], first["status"], first["risk_level"]) == (
        "Carlisle",
        "in_progress",
        "high",
    )
    assert first["lead_agency"] == "Cumbria Constabulary" and first["sara_stage"] == "analysis"
    assert first["received_at"] == "2026-07-01T10:30:00+01:00"  # UK summer time
    assert first["incident_at"] == "2026-06-30T23:15:00+01:00"
    assert first["opened_on"] == "2026-07-01" and first["next_review_on"] == "2026-07-15"
    assert first["closed_on"] is None and second["lead_agency"] is None
    assert second["received_at"] == "2026-01-05T10:00:00+00:00"
    assert (second["outcome"], second["closed_on"]) == ("resolved", "2026-08-01")
    assert second["closure_rationale"] == "%Quiet for six weeks"


def test_csv_neutralises_formulas_and_keeps_the_rest(store, cases, tmp_path):
    path = tmp_path / "cases.csv"
    export_cases(store, path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfReference,Hub,")
    first, second = read_csv(path)
    assert tuple(first) == CASE_HEADINGS
    assert first["Summary"] == "'" + HOSTILE
    assert first["Details"] == MULTILINE  # not risky: unchanged, line breaks and all
    assert first["Location"] == MARKUP and first["Town"] == EMOJI
    assert first["Police log"] == "'+44 101" and first["Council reference"] == "'@ENV/26/1"
    assert (first["Status"], first["Risk"], first["SARA stage"]) == (
        "In progress",
        "High",
        "Analysis",
    )
    assert first["Received"] == "2026-07-01T10:30+01:00" and first["Opened"] == "2026-07-01"
    assert second["Summary"] == "'-2 bins left" and second["Details"] == "'\tTabbed"
    assert second["Closure rationale"] == "'%Quiet for six weeks"
    assert (second["Outcome"], second["Closed"]) == ("Resolved", "2026-08-01")


def test_xlsx_neutralises_formulas_and_has_real_dates(store, cases, tmp_path):
    path = tmp_path / "cases.xlsx"
    export_cases(store, path, "xlsx")
    ws = openpyxl.load_workbook(path)["Cases"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == CASE_HEADINGS
    first = dict(zip(CASE_HEADINGS, rows[1], strict=True))
    assert first["Summary"] == "'" + HOSTILE
    assert first["Details"] == MULTILINE.replace("\r\n", "\n")  # XML keeps line feeds only
    assert first["Location"] == MARKUP and first["Town"] == EMOJI
    assert first["Received"] == datetime(2026, 7, 1, 10, 30)  # local time, a date cell
    assert first["Opened"] == datetime(2026, 7, 1)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # nothing is a formula
    assert ws.freeze_panes == "A2"
    assert "OFFICIAL-SENSITIVE" in ws.oddHeader.center.text


def test_filters_and_the_audit_entry(store, cases, tmp_path):
    with store.read() as s:
        last = s.scalar(select(func.max(AuditEntry.id)))
    path = tmp_path / "slk.csv"
    assert export_cases(store, path, "csv", hub_id(store, "SLK")) == 1
    assert [r["Reference"] for r in read_csv(path)] == ["SLK-2026-0001"]
    assert export_cases(store, tmp_path / "open.json", "json", status="in_progress") == 1
    entries = audit_since(store, last, "case_")
    assert [e.kind for e in entries] == ["disclosure", "disclosure"]
    assert entries[0].record_ids == [str(cases["closed"])]
    assert entries[0].details["file"] == str(path) and entries[0].details["format"] == "csv"
    assert entries[1].record_ids == [str(cases["tricky"])]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_to_a_stream_for_standard_output(store, cases):
    out = io.BytesIO()
    assert export_cases(store, None, "json", stream=out) == 2
    assert json.loads(out.getvalue())["cases"][0]["summary"] == HOSTILE
    with pytest.raises(StoreError, match="XLSX export needs a file name"):
        export_cases(store, None, "xlsx", stream=io.BytesIO())


def test_cancel_leaves_the_old_file_and_no_part_file(store, cases, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "cases.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(ExportCancelled):
        export_cases(store, path, "xlsx", progress=lambda f, m: not m.startswith("Writing"))
    assert path.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["cases.xlsx"]
    with pytest.raises(StoreError, match="choose csv, json or xlsx"):
        export_cases(store, path, "pdf")


def test_streams_many_cases_in_batches(demo_store, tmp_path):
    """3,000 demo cases: every one written once, in order, by the batch reader."""
    path = tmp_path / "all.json"
    fractions = []
    n = export_cases(demo_store, path, "json", progress=lambda f, m: fractions.append(f) or True)
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    assert n == len(cases) == 3000
    assert len({c["reference"] for c in cases}) == 3000
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_in_a_missing_folder_is_one_sentence_naming_that_file(store, cases, tmp_path,
                                                                     capsys, fmt):  # fmt: skip
    from hubapp import cli

    target = tmp_path / "no" / "such" / f"cases.{fmt}"
    path = store.path
    store.close()
    code = cli.main(["--db", str(path), "export", "cases", "--format", fmt, "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"hubapp: Cannot write {target}: no such folder.\n"
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_a_folder_that_takes_no_files_names_the_file_not_the_temporary_one(store, cases,
                                                                          capsys):  # fmt: skip
    from hubapp import cli

    path = store.path
    store.close()
    code = cli.main(["--db", str(path), "export", "cases", "-o", "/proc/nope.csv"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == "hubapp: Cannot write /proc/nope.csv: files cannot be made in that folder.\n"
    assert ".part" not in err


def test_the_writer_words_each_failure_for_the_file_asked_for(tmp_path):
    import errno

    from hubapp.store.exchange.export import WriteError, atomic_write

    target = tmp_path / "x.csv"
    for code, words in [(errno.EACCES, "permission denied"), (errno.ENOSPC, "the disk is full"),
                        (errno.EROFS, "the disk is read-only")]:  # fmt: skip

        def fail(_fh, code=code):
            raise OSError(code, os.strerror(code))

        with pytest.raises(WriteError) as err:
            atomic_write(target, fail)
        assert str(err.value) == f"Cannot write {target}: {words}."
        assert err.value.errno == code and err.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_each_case_says_how_many_files_it_holds_and_nothing_of_them(store, cases, tmp_path):
    """Issue 18: a count of the case's attachments (a number in XLSX); their titles, names
    and content never leave in a case export."""
    from attached import attach

    for n in range(2):
        attach(store, cases["tricky"], b"FILE-CONTENT", title=f"Secret title {n}",
               file_name="hidden-name.txt")  # fmt: skip
    for fmt in ("csv", "json", "xlsx"):
        export_cases(store, tmp_path / f"cases.{fmt}", fmt)
    assert [r["Attachments"] for r in read_csv(tmp_path / "cases.csv")] == ["2", "0"]
    data = json.loads((tmp_path / "cases.json").read_bytes())
    assert [c["attachments"] for c in data["cases"]] == [2, 0]
    sheet = openpyxl.load_workbook(tmp_path / "cases.xlsx").active
    column = CASE_HEADINGS.index("Attachments") + 1
    assert [sheet.cell(row, column).value for row in (2, 3)] == [2, 0]
    for fmt in ("csv", "json"):
        raw = (tmp_path / f"cases.{fmt}").read_bytes()
        assert b"Secret title" not in raw and b"hidden-name" not in raw and b"FILE-" not in raw
