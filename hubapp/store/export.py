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
* **Atomic.** The file is written to a temporary file in the target folder, flushed to disk
  and then moved over the target with ``os.replace``: a failure (full disk, no permission,
  a crash) leaves any existing file untouched and no half-written file behind.
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
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import select

from hubapp.domain.codes import ActionStatus, label
from hubapp.domain.rag import Rag, action_rag
from hubapp.domain.spreadsheet import safe_cell, xlsx_text
from hubapp.store import audit
from hubapp.store.database import StoreError
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


class ExportCancelled(StoreError):
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
    with store.read() as s:
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
    if target.is_dir():
        raise StoreError(f"{target} is a folder; choose a file name to export to.")
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

    def put_in_place(temp: Path) -> None:
        moved = False
        try:
            with store.write(reason="actions exported") as s:
                audit.record(
                    s, audit.Kind.DISCLOSURE, "action", [str(r.action_id) for r in rows], details
                )
                s.flush()
                os.replace(temp, target)
                moved = True
                _sync_folder(target.parent)
        except BaseException:
            if moved:
                log.warning("%s was exported but its audit entry could not be committed", target)
            raise

    atomic_write(target, lambda fh: writer(fh, rows, report), put_in_place)
    if progress is not None:  # done: too late to cancel, so the answer is not asked for
        progress(1.0, f"Exported {len(rows):,} actions")
    log.info("Exported %d actions as %s", len(rows), fmt)
    return len(rows)


# --- writing files safely -----------------------------------------------------------------


def atomic_write(
    target: Path,
    write: Callable[[IO[bytes]], None],
    put_in_place: Callable[[Path], None] | None = None,
) -> None:
    """Write a file so that readers see the old file or the complete new one, never a part.

    ``write`` fills a temporary file (mode 0o600) in the target's folder; it is flushed to
    disk, then ``put_in_place(temp)`` moves it over the target (default: ``os.replace``).
    On any failure the temporary file is removed and the target left as it was.
    """
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    temp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if os.name == "posix":
            os.chmod(temp, 0o600)  # mkstemp makes it so already; say it where it matters
        if put_in_place is None:
            os.replace(temp, target)
            _sync_folder(target.parent)
        else:
            put_in_place(temp)
    except BaseException:
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            log.warning("Could not remove the temporary file %s", temp)
        raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no folder handles to sync."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("fsync of %s failed", folder, exc_info=True)
    finally:
        os.close(fd)


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
