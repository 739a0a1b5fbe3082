"""Exporting actions to CSV or XLSX for partners' spreadsheets.

What every export does:

* **Formula safety.** Every text cell goes through ``hubapp.domain.spreadsheet.safe_cell``:
  text beginning with ``= + - @ | %``, a tab or a carriage return (or one of those after
  leading spaces) gets a single quote in front, so no spreadsheet program runs it as a
  formula or command. CSV and XLSX alike; the quote is the only change to the text.
* **Dates.** ISO 8601 (``2026-05-01``) in CSV; real date cells shown as ISO dates in XLSX.
* **CSV** is UTF-8 with a byte-order mark (Excel on Windows then reads accents and other
  scripts correctly), comma-separated, quoted where needed, CRLF line ends.
* **XLSX** (openpyxl): one sheet "Actions" with a bold, frozen header row, an auto-filter,
  column widths fitted to the content, and OFFICIAL-SENSITIVE in the printed header and
  footer.
* **Atomic, and only ever a regular file** (``hubapp.store.files``): the file is written to
  a temporary file in the target folder, flushed to disk and then moved into place; a
  failure (full disk, no permission, a crash) leaves any existing file untouched and no
  half-written file behind. A folder, device, pipe or link given as the file is refused in
  one sentence before anything is read or written.
* **Private.** The file is created readable and writable by its owner only (0o600 on
  POSIX): it holds personal data.
* **Audited.** An export is a disclosure of personal data: it is recorded in the audit log
  (which actions, to which file, in which format). The entry is written (flushed) first and
  the file moved into place inside the same transaction, so a file never appears without
  its entry unless the final commit itself fails (then the file is there and a warning is
  logged).
"""

from __future__ import annotations

import csv
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import select

from hubapp.domain.codes import ActionStatus, label
from hubapp.domain.rag import Rag, action_rag
from hubapp.domain.spreadsheet import safe_cell, xlsx_text
from hubapp.store import audit
from hubapp.store.errors import Cancelled, StoreError
from hubapp.store.files import WriteError, atomic_write, check_output  # noqa: F401 (older imports)
from hubapp.store.schema import Action, Agency, Case, Hub

log = logging.getLogger(__name__)

Format = Literal["csv", "xlsx"]
#: ``progress(fraction, message)``, as TaskContext.report; returning False cancels
Progress = Callable[[float, str], bool]
#: rows written between progress reports
PROGRESS_EVERY = 2_000
FORMATS: tuple[str, ...] = ("csv", "xlsx")

#: column headings, in order (the same for CSV and XLSX)
HEADINGS = (
    "Case reference", "Hub", "Agency", "Owner", "Description", "Due date", "Status", "RAG",
    "Outcome", "Completed on",
)  # fmt: skip
_DATE_COLUMNS = frozenset({5, 9})
#: XLSX column widths (in characters): at least the heading, at most this
_MAX_WIDTH = {"Description": 60, "Outcome": 50}
_DEFAULT_MAX_WIDTH = 30
#: text longer than this (or with line breaks) wraps in its cell
_WRAP_OVER = 60
MARKING = "OFFICIAL-SENSITIVE"


class ExportCancelled(Cancelled):
    """The person cancelled the export; no file was written and any old one is untouched."""


@dataclass(frozen=True)
class ExportRow:
    """One action as exported: plain values, dates as dates."""

    action_id: uuid.UUID
    case_reference: str
    hub: str
    agency: str
    owner: str
    description: str
    due_on: date | None
    status: str  # label, e.g. "In progress"
    rag: str  # "Red", "Amber", "Green", or "" for a finished action
    outcome: str
    completed_on: date | None

    def values(self) -> tuple[Any, ...]:
        return (
            self.case_reference, self.hub, self.agency, self.owner, self.description,
            self.due_on, self.status, self.rag, self.outcome, self.completed_on,
        )  # fmt: skip


def action_rows(
    store,
    agency_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
    today: date | None = None,
) -> list[ExportRow]:
    """The (non-voided) actions of live cases, optionally of one agency and/or one hub, in
    the order hub, case reference, agency, due date (no date last)."""
    today = today or date.today()
    query = (
        select(
            Action.id, Case.reference, Hub.name, Agency.name, Action.owner, Action.description,
            Action.due_on, Action.status, Action.outcome, Action.completed_on,
        )
        .join(Case, Case.id == Action.case_id)
        .join(Hub, Hub.id == Case.hub_id)
        .join(Agency, Agency.id == Action.agency_id)
        .where(Action.voided.is_(False), Case.voided.is_(False))
        .order_by(Hub.name, Case.reference, Agency.name, Action.due_on.is_(None), Action.due_on,
                  Action.created_at)
    )  # fmt: skip
    if agency_id is not None:
        query = query.where(Action.agency_id == agency_id)
    if hub_id is not None:
        query = query.where(Case.hub_id == hub_id)
    with store.read() as s:  # of the cases the account may see (hubapp.store.access)
        rows = s.execute(query).all()
    out = []
    for r in rows:
        rag = action_rag(r[6], r[7], today)
        out.append(
            ExportRow(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], label(ActionStatus, r[7]),
                "" if rag is Rag.NONE else rag.value.capitalize(), r[8], r[9],
            )
        )  # fmt: skip
    return out


def export_actions(
    store,
    path: Path | str,
    fmt: Format,
    agency_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
    *,
    today: date | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the actions (all, one agency's, one hub's) to ``path`` as CSV or XLSX; return
    how many rows were written (the heading not counted).

    Columns: case reference, hub, agency, owner, description, due date, status, RAG,
    outcome, completed on. See the module notes for formula safety, atomic replacement,
    permissions and the audit entry. StoreError for an unknown format or a folder as path;
    OSError (e.g. a full disk) propagates after cleaning up, with any old file untouched.
    ``progress(fraction, message)`` is called as rows are written (every 2,000); when it
    returns False the export stops with ExportCancelled, leaving things as they were.
    """
    if fmt not in FORMATS:
        raise StoreError(f"Cannot export as '{fmt}'; choose csv or xlsx.")
    target = Path(path).expanduser().absolute()
    example = f"actions.{fmt}"
    check_output(target, example)  # before anything is read
    report = _reporter(progress)
    report(0.0, "Reading the actions")
    rows = action_rows(store, agency_id, hub_id, today)
    writer = _write_csv if fmt == "csv" else _write_xlsx
    details = {
        "format": fmt,
        "file": str(target),
        "rows": len(rows),
        "agency_id": str(agency_id) if agency_id else None,
        "hub_id": str(hub_id) if hub_id else None,
    }

    atomic_write_audited(
        store, target, lambda fh: writer(fh, rows, report), "actions exported", "action",
        lambda: ([str(r.action_id) for r in rows], details), example=example,
    )  # fmt: skip
    if progress is not None:  # done: too late to cancel, so the answer is not asked for
        progress(1.0, f"Exported {len(rows):,} actions")
    log.info("Exported %d actions as %s", len(rows), fmt)
    return len(rows)


def export_actions_to_stream(
    store,
    stream: IO[bytes],
    fmt: Format,
    agency_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
    *,
    destination: str = "standard output",
    today: date | None = None,
) -> int:
    """Write the actions to an open binary stream (the command line's standard output), as
    :func:`export_actions` does to a file; return how many rows were written.

    The audit entry names ``destination`` and is committed only if the whole export was
    written: a failure part-way (a closed pipe) leaves no entry claiming a full export.
    """
    if fmt not in FORMATS:
        raise StoreError(f"Cannot export as '{fmt}'; choose csv or xlsx.")
    rows = action_rows(store, agency_id, hub_id, today)
    writer = _write_csv if fmt == "csv" else _write_xlsx
    details = {
        "format": fmt,
        "file": destination,
        "rows": len(rows),
        "agency_id": str(agency_id) if agency_id else None,
        "hub_id": str(hub_id) if hub_id else None,
    }
    with store.write(reason="actions exported") as s:
        audit.record(s, audit.Kind.DISCLOSURE, "action", [str(r.action_id) for r in rows], details)
        s.flush()
        writer(stream, rows)
        stream.flush()
    log.info("Exported %d actions as %s to %s", len(rows), fmt, destination)
    return len(rows)


# --- writing files safely -----------------------------------------------------------------


def atomic_write_audited(
    store,
    target: Path,
    write: Callable[[IO[bytes]], None],
    reason: str,
    table: str,
    disclosed: Callable[[], tuple[list[str], dict[str, Any]]],
    *,
    example: str | None = None,
) -> None:
    """:func:`hubapp.store.files.atomic_write`, the file appearing together with its audit
    entry.

    Once the file is written, ``disclosed()`` gives the ids that left the database and the
    entry's details; the entry is recorded, the file moved over ``target`` and the entry
    committed, in that order, so no export goes unrecorded. ``example``: a file name to
    suggest when ``target`` is a folder.
    """

    def around(move: Callable[[], None]) -> None:
        moved = False
        try:
            with store.write(reason=reason) as s:
                ids, details = disclosed()
                audit.record(s, audit.Kind.DISCLOSURE, table, ids, details)
                s.flush()
                move()
                moved = True
        except BaseException:
            if moved:
                log.warning("%s was exported but its audit entry could not be committed", target)
            raise

    atomic_write(target, write, around, example=example)


def _reporter(progress: Progress | None) -> Callable[[float, str], None]:
    def report(fraction: float, message: str) -> None:
        if progress is not None and progress(fraction, message) is False:
            raise ExportCancelled("The export was cancelled; no file was written.")

    return report


def _rows_reported(
    rows: Sequence[ExportRow], report: Callable[[float, str], None]
) -> Iterator[ExportRow]:
    total = max(len(rows), 1)
    for i, row in enumerate(rows):
        if i % PROGRESS_EVERY == 0:
            # reading the rows is the first 10 %; writing the file the rest
            report(0.1 + 0.9 * i / total, f"Writing action {i + 1:,} of {len(rows):,}")
        yield row


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def _no_report(_fraction: float, _message: str) -> None:
    return None


def _write_csv(
    fh: IO[bytes], rows: Sequence[ExportRow], report: Callable[[float, str], None] = _no_report
) -> None:
    import io

    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    try:
        out = csv.writer(text, dialect="excel")  # CRLF line ends, quotes only where needed
        out.writerow(HEADINGS)
        for row in _rows_reported(rows, report):
            out.writerow([_text(v) for v in row.values()])
        text.flush()
    finally:
        text.detach()  # leave the binary file open for the caller's fsync


def _write_xlsx(
    fh: IO[bytes], rows: Sequence[ExportRow], report: Callable[[float, str], None] = _no_report
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths = [len(h) for h in HEADINGS]
    for row in rows:
        for i, value in enumerate(row.values()):
            if isinstance(value, date):
                widths[i] = max(widths[i], 10)
            elif value:
                longest = max((len(line) for line in str(value).split("\n")), default=0)
                widths[i] = max(widths[i], longest + 1)

    wb = Workbook(write_only=True)
    wb.properties.creator = "hubapp"
    wb.properties.title = "Actions"
    ws = wb.create_sheet("Actions")
    for i, heading in enumerate(HEADINGS):
        cap = _MAX_WIDTH.get(heading, _DEFAULT_MAX_WIDTH)
        ws.column_dimensions[get_column_letter(i + 1)].width = min(widths[i], cap) + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADINGS))}{len(rows) + 1}"
    ws.oddHeader.center.text = MARKING
    ws.oddFooter.center.text = MARKING
    ws.print_title_rows = "1:1"

    bold = Font(bold=True)
    header = []
    for heading in HEADINGS:
        cell = WriteOnlyCell(ws, value=heading)
        cell.font = bold
        header.append(cell)
    try:
        ws.append(header)
        _fill_sheet(ws, rows, report)
        report(0.99, "Saving the workbook")
        wb.save(fh)
    except BaseException:
        _discard(ws)
        raise


def _fill_sheet(ws, rows: Sequence[ExportRow], report: Callable[[float, str], None]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    for row in _rows_reported(rows, report):
        cells: list[Any] = []
        for i, value in enumerate(row.values()):
            if i in _DATE_COLUMNS:
                if value is None:
                    cells.append(None)
                else:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = "yyyy-mm-dd"
                    cells.append(cell)
                continue
            # plain strings are text cells; safe_cell (in xlsx_text) has made sure none
            # begins with "=", the one start openpyxl would turn into a formula
            text = xlsx_text(value or "")
            if "\n" in text or len(text) > _WRAP_OVER:
                cell = WriteOnlyCell(ws, value=text)
                cell.data_type = "s"
                cell.alignment = wrap
                cells.append(cell)
            else:
                cells.append(text or None)
        ws.append(cells)


def _discard(ws) -> None:
    """After a failure or a cancel: finish and delete the sheet's spool file at once.

    openpyxl spools a write-only sheet's rows (personal data) to a file of its own in the
    system's temporary folder and removes it only after a successful save or at exit.
    """
    writer = getattr(ws, "_writer", None)
    if writer is None:
        return
    try:
        if not ws.closed:
            ws.close()
    except Exception:  # the sheet is being thrown away; only the file matters
        log.debug("Closing an abandoned sheet failed", exc_info=True)
    try:
        writer.cleanup()
    except FileNotFoundError:  # already removed
        pass
    except OSError:
        log.warning("Could not remove openpyxl's temporary file %s", writer.out)
    except ValueError:  # already removed
        pass


# --- cases (csv, json, xlsx) --------------------------------------------------------------
#
# Every live case with its fields, streamed: the rows are read and written a few thousand at
# a time, so 100,000 cases take tens of megabytes, not gigabytes. CSV and XLSX as above
# (labels for codes, formula-safe text, a date-time as UK local time); JSON keeps every text
# exactly as stored (UTF-8, not escaped to ASCII), the stored codes (``in_progress``), and
# ISO 8601 dates and times (local time with its offset, e.g. ``2026-05-01T10:30:00+01:00``).

CaseFormat = Literal["csv", "json", "xlsx"]
CASE_FORMATS: tuple[str, ...] = ("csv", "json", "xlsx")

#: (JSON field name, CSV/XLSX heading), in order; the JSON names are stable
CASE_FIELDS: tuple[tuple[str, str], ...] = (
    ("reference", "Reference"), ("hub", "Hub"), ("category", "Category"),
    ("channel", "Channel"), ("status", "Status"), ("risk_level", "Risk"),
    ("priority", "Priority"), ("sara_stage", "SARA stage"), ("lead_agency", "Lead agency"),
    ("location", "Location"), ("town", "Town"), ("postcode", "Postcode"),
    ("grid_ref", "Grid reference"), ("summary", "Summary"), ("details", "Details"),
    ("police_log_ref", "Police log"), ("council_ref", "Council reference"),
    ("received_at", "Received"), ("incident_at", "Incident"), ("opened_on", "Opened"),
    ("closed_on", "Closed"), ("outcome", "Outcome"), ("closure_rationale", "Closure rationale"),
    ("next_review_on", "Next review"), ("attachments", "Attachments"),
)  # fmt: skip
CASE_HEADINGS = tuple(h for _k, h in CASE_FIELDS)
#: XLSX column widths (characters), by heading; others get _CASE_DEFAULT_WIDTH
_CASE_WIDTHS = {
    "Reference": 16, "Hub": 15, "Category": 28, "Channel": 16, "Status": 13, "Risk": 9,
    "Priority": 9, "SARA stage": 11, "Lead agency": 26, "Location": 30, "Summary": 40,
    "Details": 60, "Closure rationale": 50, "Received": 17, "Incident": 17, "Attachments": 12,
}  # fmt: skip
_CASE_DEFAULT_WIDTH = 12
#: cases read per batch (memory stays flat however many there are)
CASE_BATCH = 2_000


def _case_query(hub_id: uuid.UUID | None, status: str | None):
    from sqlalchemy import func

    from hubapp.store.schema import Attachment, Category, Channel

    # how many files the case holds (their names and content never leave in an export)
    files = (
        select(func.count()).select_from(Attachment)
        .where(Attachment.case_id == Case.id, Attachment.voided.is_(False))
        .correlate(Case).scalar_subquery()
    )  # fmt: skip
    query = (
        select(
            Case.id, Case.reference, Hub.name, Category.name, Channel.name, Case.status,
            Case.risk_level, Case.priority, Case.sara_stage, Agency.name, Case.location,
            Case.town, Case.postcode, Case.grid_ref, Case.summary, Case.details,
            Case.police_log_ref, Case.council_ref, Case.received_at, Case.incident_at,
            Case.opened_on, Case.closed_on, Case.outcome, Case.closure_rationale,
            Case.next_review_on, files,
        )
        .join(Hub, Hub.id == Case.hub_id)
        .join(Category, Category.id == Case.category_id)
        .join(Channel, Channel.id == Case.channel_id)
        .outerjoin(Agency, Agency.id == Case.lead_agency_id)
        .where(Case.voided.is_(False))
        .order_by(Case.seq)
    )  # fmt: skip
    if hub_id is not None:
        query = query.where(Case.hub_id == hub_id)
    if status is not None:
        query = query.where(Case.status == status)
    return query


def count_cases(store, hub_id: uuid.UUID | None = None, status: str | None = None) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(Case).where(Case.voided.is_(False))
    if hub_id is not None:
        query = query.where(Case.hub_id == hub_id)
    if status is not None:
        query = query.where(Case.status == status)
    with store.read() as s:  # the cases the account may see (hubapp.store.access)
        return s.scalar(query) or 0


def iter_cases(
    store, hub_id: uuid.UUID | None = None, status: str | None = None
) -> Iterator[tuple[uuid.UUID, dict[str, Any]]]:
    """(case id, its fields as stored: codes, naive UTC times, dates) for every live case,
    in the order they were recorded, read in batches inside one read transaction."""
    keys = [k for k, _h in CASE_FIELDS]
    query = _case_query(hub_id, status)
    with store.read() as s:  # the cases the account may see (hubapp.store.access)
        result = s.execute(query.execution_options(yield_per=CASE_BATCH))
        for batch in result.partitions(CASE_BATCH):
            for row in batch:
                yield row[0], dict(zip(keys, row[1:], strict=True))


def _local(value: datetime | None) -> datetime | None:
    from hubapp.domain.formatting import to_local

    return None if value is None else to_local(value)


def _case_labels(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as a person reads them: labels for codes, local times."""
    from hubapp.domain.codes import CaseOutcome, CaseStatus, Priority, RiskLevel, SaraStage

    out = dict(fields)
    out["status"] = label(CaseStatus, fields["status"] or "")
    out["risk_level"] = label(RiskLevel, fields["risk_level"] or "")
    out["priority"] = label(Priority, fields["priority"] or "")
    out["sara_stage"] = label(SaraStage, fields["sara_stage"] or "")
    out["outcome"] = label(CaseOutcome, fields["outcome"]) if fields["outcome"] else ""
    out["received_at"] = _local(fields["received_at"])
    out["incident_at"] = _local(fields["incident_at"])
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return to_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_iso(value: datetime) -> str:
    """A stored (naive UTC) time as ISO 8601 in UK local time with its offset."""
    return _local(value).isoformat(timespec="seconds")


def export_cases(
    store,
    path: Path | str | None,
    fmt: CaseFormat,
    hub_id: uuid.UUID | None = None,
    status: str | None = None,
    *,
    stream: IO[bytes] | None = None,
    progress: Progress | None = None,
) -> int:
    """Write every live case (or one hub's, or those of one status) to ``path`` as CSV,
    JSON or XLSX; return how many were written.

    With ``path`` None the export goes to ``stream`` instead (the command line's standard
    output; CSV and JSON only), and the audit entry is written after it. A file is written
    atomically, readable by its owner only, and appears together with its audit entry (see
    the module notes). ``progress(fraction, message)`` is called every 2,000 cases; when it
    returns False the export stops with ExportCancelled and no file is written.
    """
    if fmt not in CASE_FORMATS:
        raise StoreError(f"Cannot export as '{fmt}'; choose csv, json or xlsx.")
    target = Path(path).expanduser().absolute() if path is not None else None
    example = f"cases.{fmt}"
    if target is not None:
        check_output(target, example)  # before anything is read
    report = _reporter(progress)
    report(0.0, "Counting the cases")
    total = count_cases(store, hub_id, status)
    ids: list[str] = []
    writer = {"csv": _write_cases_csv, "json": _write_cases_json, "xlsx": _write_cases_xlsx}[fmt]

    def rows() -> Iterator[dict[str, Any]]:
        for i, (case_id, fields) in enumerate(iter_cases(store, hub_id, status)):
            if i % CASE_BATCH == 0:
                report(0.02 + 0.96 * i / max(total, 1), f"Writing case {i + 1:,} of {total:,}")
            ids.append(str(case_id))
            yield fields

    def details(file: str) -> dict[str, Any]:
        return {
            "format": fmt, "file": file, "rows": len(ids),
            "hub_id": str(hub_id) if hub_id else None, "status": status,
        }  # fmt: skip

    if target is None:
        if stream is None or fmt == "xlsx":
            raise StoreError("An XLSX export needs a file name to write to.")
        complete = False
        try:
            writer(stream, rows())
            stream.flush()
            complete = True
        finally:
            if ids:  # what left the database is recorded, even if the output failed
                with store.write(reason="cases exported") as s:
                    entry = details("standard output")
                    if not complete:
                        entry["incomplete"] = True
                    audit.record(s, audit.Kind.DISCLOSURE, "case_", ids, entry)
        log.info("Exported %d cases as %s to standard output", len(ids), fmt)
        return len(ids)

    atomic_write_audited(
        store, target, lambda fh: writer(fh, rows()), "cases exported", "case_",
        lambda: (ids, details(str(target))), example=example,
    )  # fmt: skip
    if progress is not None:  # done: too late to cancel, so the answer is not asked for
        progress(1.0, f"Exported {len(ids):,} cases")
    log.info("Exported %d cases as %s", len(ids), fmt)
    return len(ids)


def _write_cases_csv(fh: IO[bytes], rows: Iterator[dict[str, Any]]) -> None:
    import io

    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    try:
        out = csv.writer(text, dialect="excel")
        out.writerow(CASE_HEADINGS)
        for fields in rows:
            shown = _case_labels(fields)
            out.writerow([_case_text(shown[k]) for k, _h in CASE_FIELDS])
        text.flush()
    finally:
        text.detach()


def _case_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return _text(value)


def _write_cases_json(fh: IO[bytes], rows: Iterator[dict[str, Any]]) -> None:
    import io
    import json

    from hubapp.domain.clock import utcnow

    text = io.TextIOWrapper(fh, encoding="utf-8", newline="\n")
    try:
        text.write('{"marking": "OFFICIAL-SENSITIVE", ')
        text.write(f'"exported_at": {json.dumps(to_iso(utcnow()))}, "cases": [')
        first = True
        for fields in rows:
            record = {k: _json_value(fields[k]) for k, _h in CASE_FIELDS}
            text.write("\n" if first else ",\n")
            text.write(json.dumps(record, ensure_ascii=False))
            first = False
        text.write("\n]}\n")
        text.flush()
    finally:
        text.detach()


def _write_cases_xlsx(fh: IO[bytes], rows: Iterator[dict[str, Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    wb.properties.creator = "hubapp"
    wb.properties.title = "Cases"
    ws = wb.create_sheet("Cases")
    for i, heading in enumerate(CASE_HEADINGS):
        width = _CASE_WIDTHS.get(heading, _CASE_DEFAULT_WIDTH)
        ws.column_dimensions[get_column_letter(i + 1)].width = width + 2
    ws.freeze_panes = "A2"
    ws.oddHeader.center.text = MARKING
    ws.oddFooter.center.text = MARKING
    ws.print_title_rows = "1:1"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    header = []
    for heading in CASE_HEADINGS:
        cell = WriteOnlyCell(ws, value=heading)
        cell.font = bold
        header.append(cell)
    count = 0
    try:
        ws.append(header)
        for fields in rows:
            shown = _case_labels(fields)
            cells: list[Any] = []
            for key, _h in CASE_FIELDS:
                value = shown[key]
                if isinstance(value, datetime):
                    cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))
                    cell.number_format = "yyyy-mm-dd hh:mm"
                    cells.append(cell)
                elif isinstance(value, date):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = "yyyy-mm-dd"
                    cells.append(cell)
                elif isinstance(value, int) and not isinstance(value, bool):
                    cells.append(value)  # a count: a number, 0 included
                elif not value:
                    cells.append(None)
                else:
                    # safe_cell (in xlsx_text) has made sure no text begins with "="
                    text = xlsx_text(str(value))
                    if "\n" in text or len(text) > _WRAP_OVER:
                        cell = WriteOnlyCell(ws, value=text)
                        cell.data_type = "s"
                        cell.alignment = wrap
                        cells.append(cell)
                    else:
                        cells.append(text)
            ws.append(cells)
            count += 1
        ws.auto_filter.ref = f"A1:{get_column_letter(len(CASE_HEADINGS))}{count + 1}"
        wb.save(fh)
    except BaseException:
        _discard(ws)
        raise
