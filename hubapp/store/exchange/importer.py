"""Importing issues from CSV files (the online form's export, a 101 log, a spreadsheet).

``import_file(store, path)`` reads the file, checks every row, and imports the good rows in
one transaction; each bad row is reported with its line number and reason and written to a
rejects file beside the input (``NAME.rejects.csv``) so staff can fix it and import again.

The file:

* **Only a regular file** is read: a folder, a device or a pipe (FIFO) is refused in one
  sentence at once (``hubapp.store.files``), never waited on.
* **One encoding.** UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
  mark, or Windows-1252 (what Excel writes for "CSV" on a UK PC). A file that is valid UTF-8
  is UTF-8; one that is not is Windows-1252, unless some of its lines are UTF-8 text (then
  either reading would garble the others, "Ã©" for "é"): such a mixed file is refused in one
  sentence naming its first line that is not UTF-8, and so is a file with a UTF-8 or UTF-16
  byte-order mark that does not keep to it. An Excel workbook, or a file that is neither,
  is refused with one sentence too. (A Windows-1252 line whose bytes happen to be valid
  UTF-8, such as "é" followed by exactly the right symbols, cannot be told apart; real text
  almost never is.)
* **Columns by heading**, in any order; headings are matched ignoring case, spacing and
  punctuation (``Reporter name`` is ``reporter_name``). Required: received, hub, channel,
  category, summary. Optional: location, details, reporter_name, reporter_contact,
  reporter_role (victim, complainant, witness or reporter; yes and no answer an online
  form's "are you the victim?"; default reporter: a victim's or complainant's reports count
  towards the ASB Case Review, :mod:`hubapp.store.casework.case_review`), reporter_address
  (online forms collect it: the address letters to the reporter go to). Other
  columns are reported once and ignored (``reason``, the column a rejects file adds, is
  ignored silently). A file without a required column, or with one twice, is refused.
  Commas separate the values; a heading row with semicolons or tabs and no commas is read
  with those instead.
* **Line numbers** are the file's physical lines: the heading is line 1, and a row whose
  quoted value spans several lines is reported at the line where it starts.
* **A quote left open, or one too many**, makes a quoted value run on over the lines of the
  rows after it. A value that runs over line breaks is taken for such a run, and is not a
  row, when its quotes do not pair up, when a quote that ends it is followed by more text
  (a closing quote never is: it was the opening quote of a value further on), when one of
  its lines is, on its own, a row of the file (values for every key column, a date in the
  received column), or when it is longer than any column takes (50,000 characters; the CSV
  reader itself stops at 131,072, and the lines after it are read again as rows). Every
  line of the run is then rejected at its own line number, so that no row is lost without
  a word. The one shape that can still pass is a run that pairs up exactly again (it runs
  into a quoted value that begins with a line break) over rows that hold no date: such a
  file reads the same as a sound one with a value over several lines, so nothing can tell
  them apart.

A row:

* **received**: ``dd/mm/yyyy`` (also ``d/m/yyyy``, with ``-`` or ``.``), optionally followed
  by ``HH:MM`` or ``HH:MM:SS``, UK local time; or ISO 8601 (``2026-05-01``,
  ``2026-05-01T09:30``, with or without an offset such as ``Z`` or ``+01:00``). A date only
  means midnight. A date that does not exist (31/02/2026), lies in the future or before
  the year 2000 rejects the row.
* **hub, channel, category** are matched to the reference data by name or code, ignoring
  case, spacing and punctuation ("101 call", "101-Call" and "call_101" are one channel). An
  unknown one, or a hub not open yet, rejects the row.
* **Text** is stored exactly as in the file, except that spaces and line breaks around a
  value are trimmed, and a single quote that a spreadsheet-safe export (or our rejects file)
  put in front of a formula character (``'=...``, ``'+44...``) is taken off again. Summary
  (at most 200 characters), location (200), details (50,000), reporter name (160),
  contact (120: an e-mail address if it has an ``@``, otherwise a phone number, at most 40)
  and address (200; kept for a new person only: a person already known keeps theirs).
  A summary is required. Control characters such as NUL reject the row.

Each good row becomes a case (status new, opened today, with the next reference of its hub
and year) and a contact (the report itself) carrying ``import_key``: a digest of the row's
normalised content (the parsed time, the codes it matched, the trimmed texts). Importing a
file twice, or a row that is already in the database, creates nothing new; a rejected row
that was fixed and imported again lands exactly once.

A reporter is linked to the case with the role "reporter", or the one ``reporter_role``
gives (and named as the reporter of the contact). They are linked to a person the hub
already knows, rather than written as a new person, only on an exact match of their normalised phone number or e-mail address
(:mod:`hubapp.domain.matching`) within the same hub: the one person with that key named on a
live case of the row's hub, or written by a row earlier in the same file. Two or more such
people are a question for a coordinator, not for the import; a locked-down person is never
linked (it would say whose the number is); a "phone" of fewer than 7 digits ("withheld",
"999") or a number or address that more than 20 people have (a switchboard, a contact centre
passing reports on) links nobody. The names must not contradict each other either: one of
them blank, the same name, or the same surname with the same first name or one of its forms
(Bill and William Smith). A phone number is often a household's, and a family's landline must
not make John Smith and Mary Smith one person. Otherwise the reporter becomes a new person
(with the person of the same number, a possible duplicate for staff to look at): people are
never merged automatically. The people's keys are brought up to date before the import, when
it has reporters to look up (:func:`hubapp.store.casework.people.catch_up`).

``progress(fraction, message)`` is called as the work goes on; when it returns False the
import stops and nothing is imported (and no rejects file is written). The audit log gets
the usual collection entries, in the import's transaction.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, insert, select
from sqlalchemy import text as sql

from hubapp.domain import matching
from hubapp.domain.clock import utcnow
from hubapp.domain.formatting import to_local
from hubapp.domain.spreadsheet import FORMULA_STARTS, HIDING_STARTS, QUOTE, safe_cell
from hubapp.domain.text import match_key
from hubapp.store import access, audit, files
from hubapp.store.casework import people
from hubapp.store.casework.cases import References
from hubapp.store.errors import Cancelled, StoreError
from hubapp.store.schema import (
    Case,
    CasePerson,
    Category,
    Channel,
    Contact,
    Hub,
    Person,
    PersonKey,
    PersonKeyStale,
)

log = logging.getLogger(__name__)

#: ``progress(fraction, message)``, as TaskContext.report; returning False cancels
Progress = Callable[[float, str], bool]

REQUIRED = ("received", "hub", "channel", "category", "summary")
OPTIONAL = ("location", "details", "reporter_name", "reporter_contact", "reporter_role",
            "reporter_address")  # fmt: skip
#: reporter_role as typed (an online form's "are you the victim?" too) -> the role stored;
#: a victim's or complainant's reports count towards the ASB Case Review
REPORTER_ROLES = {
    "victim": "victim", "complainant": "complainant", "witness": "witness",
    "reporter": "reporter", "yes": "victim", "no": "reporter",
}  # fmt: skip
COLUMNS = REQUIRED + OPTIONAL
#: columns recognised and ignored without comment (the rejects file's own column)
IGNORED = ("reason",)
#: the most characters each text column may hold
MAX_LENGTH = {
    "summary": 200,
    "location": 200,
    "details": 50_000,
    "reporter_name": 160,
    "reporter_contact": 120,
    "reporter_address": 200,
}
MAX_PHONE = 40
#: the longest value any column takes: a quoted value running over several lines that is
#: longer than this is a quote left open
LONGEST = max(MAX_LENGTH.values())
#: received dates before this year are taken for typing mistakes
EARLIEST_YEAR = 2000
#: what is trimmed from around a value (not every Unicode space: only what editors add)
TRIMMED = " \t\r\n\u00a0"
#: rows checked / written between progress reports (and chances to cancel)
PROGRESS_EVERY = 1_000
#: rows inserted per batch while importing
WRITE_EVERY = 2_000
#: from this many new cases on, the search index is brought up to date in one statement
BULK_INDEX_FROM = 200
#: a reporter's phone "number" with fewer digits than this (withheld, n/a, 999) links nobody
MIN_PHONE_DIGITS = 7
#: a phone number or e-mail address more people than this have (a switchboard, a contact
#: centre relaying reports, a placeholder for "unknown") links nobody: it does not say who
#: is reporting
MANY_PEOPLE = 20
#: reporters' keys (or people) looked up per statement
LOOKUP_EVERY = 500
REJECTS_SUFFIX = ".rejects.csv"
#: versioned so that a future change of the digest never matches old keys by accident
_KEY_VERSION = "hubapp-import-1"

_UK = ZoneInfo("Europe/London")
_UK_DATE = re.compile(
    r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_ISO_DATE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
#: C0 controls other than tab, line feed and carriage return; DEL and the C1 controls
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LABELS = {
    "received": "received date",
    "summary": "summary",
    "location": "location",
    "details": "details",
    "reporter_name": "reporter's name",
    "reporter_contact": "reporter's contact details",
    "reporter_role": "reporter's role",
    "reporter_address": "reporter's address",
    "hub": "hub",
    "channel": "channel",
    "category": "category",
}


class ImportRefused(StoreError):
    """The file as a whole cannot be imported (not CSV, a required column missing...)."""


class ImportCancelled(Cancelled):
    """The person cancelled the import; nothing was imported."""


@dataclass(frozen=True)
class Rejected:
    """A row that was not imported: where it is, why, and its values as in the file."""

    line: int
    reason: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    path: Path
    imported: int
    #: rows already in the database (imported before, or earlier in the same file)
    skipped: int
    rejected: tuple[Rejected, ...]
    #: where the rejected rows were written (None when no row was rejected)
    rejects_path: Path | None
    #: headings that are not import columns, as written in the file
    unknown_columns: tuple[str, ...]
    encoding: str
    #: the references of the new cases, in file order
    references: tuple[str, ...] = ()
    #: reporters linked to a person already known (in the hub, or from a row earlier in the
    #: file) instead of written as a new person
    linked: int = 0

    @property
    def rows(self) -> int:
        return self.imported + self.skipped + len(self.rejected)

    def describe(self) -> str:
        """One line for people: 'Imported 12 issues; 3 already imported; 2 rejected.'"""
        text = f"Imported {_plural(self.imported, 'issue')}"
        text += f"; skipped {self.skipped:,} already imported"
        text += f"; rejected {len(self.rejected):,}"
        if self.rejects_path is not None:
            text += f" (written to {self.rejects_path})"
        if self.linked == 1:
            text += "; 1 reporter already known was linked to their person"
        elif self.linked:
            text += f"; {self.linked:,} reporters already known were linked to their person"
        return text + "."


@dataclass(frozen=True)
class _Ref:
    id: uuid.UUID
    code: str
    name: str
    active: bool


@dataclass
class _Reference:
    """Hubs, channels and categories by every key they may be written as."""

    tables: dict[str, dict[str, _Ref | None]] = field(default_factory=dict)
    #: the names a value may take, per table: normalised name -> name, as shown to people
    accepted: dict[str, dict[str, str]] = field(default_factory=dict)
    _unknown: dict[tuple[str, str], str] = field(default_factory=dict)

    def find(self, table: str, text: str) -> _Ref | None | str:
        """The item, or None when unknown, or "ambiguous"."""
        item = self.tables[table].get(match_key(text), None)
        if item is None and match_key(text) in self.tables[table]:
            return "ambiguous"
        return item

    def not_known(self, table: str, text: str) -> str:
        """'the channel "101" is not known (did you mean "101 call"? known: …)'; worked out
        once per distinct value (a file may repeat one bad value on many rows)."""
        reason = self._unknown.get((table, text))
        if reason is None:
            names = self.accepted.get(table, {})
            typed = match_key(text)
            close = difflib.get_close_matches(typed, list(names), n=1) if typed else []
            hint = f'did you mean "{names[close[0]]}"? ' if close else ""
            known = ", ".join(sorted(names.values(), key=str.casefold)) or "none"
            reason = f'the {table} "{_shown(text)}" is not known ({hint}known: {known})'
            self._unknown[(table, text)] = reason
        return reason


@dataclass(frozen=True)
class _Row:
    line: int
    values: tuple[str, ...]
    key: str
    received_at: datetime
    hub: _Ref
    channel: _Ref
    category: _Ref
    texts: dict[str, str]
    #: the (kind, key) the index of people gives the reporter's contact (:func:`_contact_key`),
    #: worked out for the rows to import
    reporter_key: tuple[str, str] | None = None


@dataclass(frozen=True)
class Table:
    """A CSV file read and split into rows, before any row is checked."""

    heading: tuple[str, ...]
    #: import column -> its index in each row
    columns: dict[str, int]
    unknown: tuple[str, ...]
    #: (physical line where the row starts, values)
    rows: list[tuple[int, list[str]]]
    encoding: str
    #: the lines of records whose quoted value ran on (an unbalanced quote), each rejected
    rejected: tuple[Rejected, ...] = ()


# --- reading the file ---------------------------------------------------------------------


def rejects_path_for(path: Path | str) -> Path:
    """Where the rejected rows of ``path`` go: ``NAME.rejects.csv`` beside it."""
    path = Path(path)
    return path.with_name(path.stem + REJECTS_SUFFIX)


_BYTE_LINE_END = re.compile(rb"\r\n|\r|\n")
_LINE_END = re.compile("\r\n|\r|\n")


def _byte_line(data: bytes, offset: int) -> int:
    """The physical line (from 1) of the byte at ``offset``."""
    return len(_BYTE_LINE_END.findall(data, 0, offset)) + 1


def _first_utf8_line(data: bytes) -> int | None:
    """The first line holding characters written as UTF-8 (non-ASCII, and valid UTF-8)."""
    for number, line in enumerate(_BYTE_LINE_END.split(data), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return number
    return None


def decode(data: bytes, name: str = "The file") -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes; ImportRefused if it is not text in one
    encoding (the sentence names the first line that is not)."""
    if data.startswith(codecs.BOM_UTF8):
        body = data[len(codecs.BOM_UTF8) :]
        try:
            return body.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"{name} says it is UTF-8 text, but line {_byte_line(body, exc.start)} is "
                "not; save it again as CSV UTF-8."
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            before = data[: exc.start].decode("utf-16", errors="replace")
            line = len(_LINE_END.findall(before)) + 1
            raise ImportRefused(
                f"{name} says it is UTF-16 text, but line {line} is not; save it again as "
                "CSV UTF-8."
            ) from None
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(
            f"{name} is an Excel workbook, not a CSV file; in Excel choose "
            "File > Save As > CSV UTF-8 and import that."
        )
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        first_bad = _byte_line(data, exc.start)
    if b"\x00" in data[:4096]:
        raise ImportRefused(f"{name} is not a text file; choose a CSV file.")
    # Not UTF-8: Windows-1252, as Excel saves "CSV" on a UK PC, unless some of its lines are
    # UTF-8 (then reading the file either way would garble the others)
    utf8_line = _first_utf8_line(data)
    if utf8_line is not None:
        raise ImportRefused(
            f"{name} mixes two encodings: line {first_bad} is not UTF-8 text but line "
            f"{utf8_line} is; save it again as CSV UTF-8 and import that."
        )
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"{name} is neither UTF-8 nor Windows-1252 text (line "
            f"{_byte_line(data, exc.start)} is neither); save it again as CSV UTF-8."
        ) from None


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    if "," in first:
        return ","
    for candidate in (";", "\t"):
        if candidate in first:
            return candidate
    return ","


def _blank(values: list[str]) -> bool:
    return not values or not any(v.strip() for v in values)


def _alone(line: str, delimiter: str) -> list[str]:
    """The values of one physical line read on its own (a quote it leaves open runs to the
    end of the line)."""
    try:
        return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter, strict=False), [])
    except csv.Error:
        return [line.rstrip("\r\n")]


def _looks_like_a_date(text: str) -> bool:
    raw = text.strip(TRIMMED)
    return bool(_UK_DATE.fullmatch(raw) or _ISO_DATE.fullmatch(raw))


def _runaway(lines: list[str], values: list[str], columns: dict[str, int], delimiter: str) -> str:
    """Why the record read from several physical ``lines`` holds a quoted value that ran on
    past where it should have ended (an unbalanced quote), or "" for a sound one.

    Four signs, any of which is enough: the record's quotes do not pair up (an odd number:
    CSV quotes come in pairs, doubled inside a value); a quote ends a value but is followed
    by more of it (what a closing quote never is: here it was the opening quote of a value
    further on); a line after its first
    is, on its own, a row of the file (values for every key column and a date in the
    received column); a value longer than any column takes."""
    if "".join(lines).count('"') % 2:
        return "unbalanced"
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return "unbalanced"
    needed = max(columns[c] for c in ("received", "hub", "channel", "category")) + 1
    received = columns["received"]
    for line in lines[1:]:
        alone = _alone(line, delimiter)
        if len(alone) >= needed and _looks_like_a_date(alone[received]):
            return "unbalanced"
    if any(len(v) > LONGEST and ("\n" in v or "\r" in v) for v in values):
        return "too long"
    return ""


def _broken_rows(lines: list[str], start: int, why: str, delimiter: str) -> list[Rejected]:
    """Every line of a record whose quoted value ran on (``lines``, the first at line
    ``start``), each rejected at its own line with its own values."""
    end = start + len(lines) - 1
    if why == "unbalanced":
        first = (
            f"a quoted value in this row runs on to line {end} (a quote is missing, or there "
            f"is one too many), so lines {start}–{end} were not imported; put the quotes right "
            "and import them again."
        )
    else:
        first = (
            f"a quoted value in this row runs on to line {end} and is longer than any column "
            f"takes (a closing quote is probably missing), so lines {start}–{end} were not "
            "imported; put the quotes right and import them again."
        )
    rejected = []
    for offset, line in enumerate(lines):
        values = _alone(line, delimiter)
        if _blank(values):
            continue
        reason = first if offset == 0 else (
            f"this line was read into a quoted value from line {start} (a quote is missing "
            "there, or there is one too many), so it was not imported."
        )  # fmt: skip
        rejected.append(Rejected(start + offset, reason, tuple(values)))
    return rejected


def _columns(heading: list[str], heading_line: int, name: str) -> tuple[dict[str, int], list[str]]:
    """(import column -> index, unknown headings) of a heading row; ImportRefused when a
    required column is missing or one is there twice."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    known = {match_key(c): c for c in COLUMNS}
    ignored = {match_key(c) for c in IGNORED}
    for index, title in enumerate(heading):
        key = match_key(title)
        if key in known:
            column = known[key]
            if column in columns:
                raise ImportRefused(
                    f'{name} has the column "{column}" twice (line {heading_line}); '
                    "remove one of them and import it again."
                )
            columns[column] = index
        elif key in ignored:
            continue
        elif not title.strip():
            unknown.append(f"(column {index + 1}, no heading)")
        else:
            unknown.append(title.strip())
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
        raise ImportRefused(
            f"{name} cannot be imported: it has no {listed} column"
            f"{'s' if len(missing) > 1 else ''} (the heading row must name received, hub, "
            "channel, category and summary)."
        )
    return columns, unknown


def read_table(path: Path | str) -> Table:
    """Read and split a CSV file; ImportRefused (one sentence) when it cannot be imported.

    Only a regular file is read (a folder, device or pipe is refused at once). A record whose
    quoted value ran on over lines that should have been rows of their own (an unbalanced
    quote) is not a row: each of its lines is rejected at its own line number instead."""
    path = Path(path)
    name = path.name
    try:
        data = files.read_regular(path, "a CSV file to import")
    except files.NotAFile as exc:
        raise ImportRefused(str(exc)) from None
    except FileNotFoundError:
        raise ImportRefused(f"There is no file {path}.") from None
    except OSError as exc:
        raise ImportRefused(f"Cannot read {path}: {exc.strerror or exc}.") from None
    text, encoding = decode(data, name)
    delimiter = _delimiter(text)
    # the physical lines, as the CSV reader counts them, kept to look again at those a
    # record was read from
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    heading: list[str] | None = None
    columns: dict[str, int] = {}
    unknown: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    broken: list[Rejected] = []
    last_line = 0
    while True:
        start = last_line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # a value past the CSV reader's limit (131,072 characters): a quote left open
            # swallowing the rest of the file; the reader goes on at the next line
            last_line = reader.line_num
            if heading is None:
                raise ImportRefused(
                    f"{name} cannot be read as CSV near line {last_line}: {exc}."
                ) from None
            log.info("Line %d of %s: %s", start, name, exc)
            why = "too long" if "field larger" in str(exc) else "unbalanced"
            broken += _broken_rows(lines[start - 1 : last_line], start, why, delimiter)
            continue
        last_line = reader.line_num
        if _blank(values):
            continue  # blank lines and rows of empty cells (Excel leaves some)
        if heading is None:
            heading = values
            columns, unknown = _columns(heading, start, name)
            continue
        if last_line > start:
            why = _runaway(lines[start - 1 : last_line], values, columns, delimiter)
            if why:
                broken += _broken_rows(lines[start - 1 : last_line], start, why, delimiter)
                continue
        rows.append((start, values))
    if heading is None:
        raise ImportRefused(f"{name} is empty; it needs a heading row and at least one row.")
    return Table(tuple(heading), columns, tuple(unknown), rows, encoding, tuple(broken))


# --- checking a row -----------------------------------------------------------------------


def _shown(value: str, limit: int = 40) -> str:
    """A value as quoted in a reason: one line, control characters made visible, short."""
    one_line = " ".join(value.split())
    one_line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", one_line)
    if len(one_line) > limit:
        one_line = one_line[: limit - 1] + "…"
    return one_line


def unquote_cell(text: str) -> str:
    """Undo :func:`hubapp.domain.spreadsheet.safe_cell`: ``'=1`` is ``=1`` again.

    Only a quote in front of text that safe_cell would have quoted is taken off, so
    ``'tis`` and ``'quoted'`` stay as they are.
    """
    if text.startswith(QUOTE) and len(text) > 1:
        rest = text[1:]
        if rest[0] in FORMULA_STARTS or rest[0] in HIDING_STARTS:
            return rest
        stripped = rest.lstrip()
        if stripped and stripped[0] in FORMULA_STARTS:
            return rest
    return text


def parse_received(text: str, now: datetime) -> datetime | str:
    """The received time as naive UTC, or a reason (without the line number)."""
    raw = text.strip(TRIMMED)
    shown = _shown(raw)
    if not raw:
        return "the received date is missing."
    m = _UK_DATE.fullmatch(raw)
    tz = None
    if m is None:
        m = _ISO_DATE.fullmatch(raw)
        if m is not None:
            tz = m.group("tz")
    if m is None:
        return (
            f'the received date "{shown}" is not a date; write it as dd/mm/yyyy '
            "(with HH:MM if known) or yyyy-mm-dd."
        )
    parts = m.groupdict()
    try:
        fraction = parts.get("f") or ""
        value = datetime(
            int(parts["y"]), int(parts["m"]), int(parts["d"]),
            int(parts["H"] or 0), int(parts["M"] or 0), int(parts["S"] or 0),
            int(fraction.ljust(6, "0")) if fraction else 0,
        )  # fmt: skip
    except ValueError:
        return f'the received date "{shown}" does not exist.'
    if tz:
        if tz == "Z":
            offset = 0
        else:
            digits = tz[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:] or 0)
            if hours > 23 or minutes > 59:
                return f'the received date "{shown}" has an impossible time zone.'
            offset = (hours * 60 + minutes) * (1 if tz[0] == "+" else -1)
        utc = value - timedelta(minutes=offset)
    else:
        utc = value.replace(tzinfo=_UK).astimezone(UTC).replace(tzinfo=None)
    if value.year < EARLIEST_YEAR:
        return f'the received date "{shown}" is before {EARLIEST_YEAR}; check the year.'
    if utc > now:
        return f'the received date "{shown}" is in the future.'
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _text(values: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    if index is None or index >= len(values):
        return ""
    return unquote_cell(values[index].strip(TRIMMED))


def check_row(
    values: list[str], table: Table, reference: _Reference, now: datetime
) -> tuple[dict, str | None]:
    """(parsed fields, None) or ({}, reason) for one row's values; the reason names every
    fault of the row, joined by "; "."""
    if len(values) > len(table.heading) and any(v.strip() for v in values[len(table.heading) :]):
        # the values are out of step with the columns: nothing else can be checked
        return {}, (
            f"the row has {len(values)} values but the heading has {len(table.heading)} "
            "columns (is there a comma in a value that is not in quotes?)."
        )
    faults: list[str] = []
    texts = {c: _text(values, table.columns, c) for c in COLUMNS}
    for column, value in texts.items():
        bad = _CONTROL.search(value)
        if bad:
            faults.append(
                f"the {_LABELS[column]} contains a control character "
                f"(U+{ord(bad.group()):04X}), which cannot be imported"
            )
    received = parse_received(texts["received"], now)
    if isinstance(received, str):
        faults.append(received.removesuffix("."))
    found: dict[str, _Ref] = {}
    for table_name in ("hub", "channel", "category"):
        value = texts[table_name]
        if not value:
            faults.append(f"the {table_name} is missing")
            continue
        item = reference.find(table_name, value)
        if item is None:
            faults.append(reference.not_known(table_name, value))
        elif item == "ambiguous":
            faults.append(f'the {table_name} "{_shown(value)}" matches more than one {table_name}')
        elif table_name == "hub" and not item.active:
            faults.append(f"the {item.name} hub is not open yet")
        else:
            assert isinstance(item, _Ref)
            found[table_name] = item
    if not texts["summary"]:
        faults.append("the summary is missing")
    for column, limit in MAX_LENGTH.items():
        if len(texts[column]) > limit:
            faults.append(
                f"the {_LABELS[column]} is too long ({len(texts[column]):,} characters; "
                f"at most {limit:,})"
            )
    contact = texts["reporter_contact"]
    if contact and "@" not in contact and len(contact) > MAX_PHONE:
        faults.append(
            f"the reporter's phone number is too long ({len(contact):,} characters; "
            f"at most {MAX_PHONE})"
        )
    role = texts["reporter_role"]
    if role and match_key(role) not in REPORTER_ROLES:
        faults.append(f'the reporter\'s role "{_shown(role)}" is not one of victim, complainant, '
                      "witness or reporter")  # fmt: skip
    elif role and not (texts["reporter_name"] or texts["reporter_contact"]):
        faults.append("the reporter's role is given without the reporter's name or contact")
    if texts["reporter_address"] and not (texts["reporter_name"] or texts["reporter_contact"]):
        faults.append("the reporter's address is given without the reporter's name or contact")
    if faults:
        return {}, "; ".join(faults) + "."
    return {"received_at": received, **found, "texts": texts}, None


def import_key(received_at: datetime, hub: str, channel: str, category: str, texts: dict) -> str:
    """The digest that makes an import idempotent: same content, same key."""
    content = [
        _KEY_VERSION,
        received_at.isoformat(timespec="milliseconds"),
        hub,
        channel,
        category,
        *(texts.get(c, "") for c in ("location", "summary", "details")),
        *(texts.get(c, "") for c in ("reporter_name", "reporter_contact")),
        # only when given: the keys of files without the column stay as they were
        *([match_key(texts["reporter_role"])] if texts.get("reporter_role") else []),
        *([["address", texts["reporter_address"]]] if texts.get("reporter_address") else []),
    ]
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def load_reference(store) -> _Reference:
    ref = _Reference()
    with store.read() as s:
        for table_name, model in (("hub", Hub), ("channel", Channel), ("category", Category)):
            keys: dict[str, _Ref | None] = {}
            for row in s.scalars(select(model).where(model.voided.is_(False))):
                item = _Ref(row.id, row.code, row.name, row.active)
                for key in {match_key(row.code), match_key(row.name)}:
                    if not key:
                        continue
                    if key in keys and keys[key] is not None and keys[key].id != item.id:
                        keys[key] = None  # two items answer to it: ambiguous
                    else:
                        keys[key] = item
            ref.tables[table_name] = keys
            ref.accepted[table_name] = {
                match_key(item.name): item.name
                for item in keys.values()
                if item is not None and (item.active or table_name != "hub")
            }
    return ref


# --- importing ----------------------------------------------------------------------------


def import_file(
    store,
    path: Path | str,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import the issues in the CSV file at ``path``; see the module notes.

    ImportRefused when the file as a whole cannot be imported (nothing is imported then);
    ImportCancelled when ``progress`` returned False (nothing is imported). Otherwise the
    good rows are imported in one transaction and the rejected ones written to
    ``NAME.rejects.csv`` beside the file (formula-safe, with a ``reason`` column).
    """
    access.require(store, access.Op.IMPORT)  # the role matrix (hubapp.store.roles)
    path = Path(path).expanduser().absolute()
    now = now or utcnow()

    def report(fraction: float, message: str) -> None:
        if progress is not None and progress(fraction, message) is False:
            raise ImportCancelled("The import was cancelled; nothing was imported.")

    report(0.0, f"Reading {path.name}")
    table = read_table(path)
    reference = load_reference(store)
    total = max(len(table.rows), 1)
    good: list[_Row] = []
    rejected: list[Rejected] = list(table.rejected)  # lines an unbalanced quote ran over
    for i, (line, values) in enumerate(table.rows):
        if i % PROGRESS_EVERY == 0:
            report(0.3 * i / total, f"Checking row {i + 1:,} of {len(table.rows):,}")
        parsed, reason = check_row(values, table, reference, now)
        if reason is not None:
            rejected.append(Rejected(line, reason, tuple(values)))
            continue
        key = import_key(
            parsed["received_at"], parsed["hub"].code, parsed["channel"].code,
            parsed["category"].code, parsed["texts"],
        )  # fmt: skip
        good.append(
            _Row(line, tuple(values), key, parsed["received_at"], parsed["hub"],
                 parsed["channel"], parsed["category"], parsed["texts"])
        )  # fmt: skip

    rejected.sort(key=lambda r: r.line)
    rejects_path = rejects_path_for(path) if rejected else None
    if rejects_path is not None:  # a rejects file that cannot be written: said before anything
        files.check_output(rejects_path)
    if any(row.texts["reporter_contact"] for row in good):
        with store.read() as s:  # a file imported again has nobody to look up
            existing = _existing_keys(s, [r.key for r in good if r.texts["reporter_contact"]])
        if any(r.texts["reporter_contact"] and r.key not in existing for r in good):
            _people_keys_up_to_date(store, progress)
    report(0.33, "Checking what is already imported")
    references: list[str] = []
    skipped = 0
    with store.write(reason=f"issues imported from {path.name}") as s:
        existing = _existing_keys(s, [r.key for r in good])
        seen: set[str] = set()
        fresh: list[_Row] = []
        for i, row in enumerate(good):
            if i % PROGRESS_EVERY == 0:
                report(0.33 + 0.01 * i / total, "Checking what is already imported")
            if row.key in existing or row.key in seen:
                skipped += 1
            else:
                seen.add(row.key)
                contact = row.texts["reporter_contact"]
                fresh.append(replace(row, reporter_key=_contact_key(contact)) if contact else row)
        report(0.34, "Looking for the reporters already known")
        reporters = _Reporters(*_known_reporters(s, fresh))
        seq = s.scalar(select(func.max(Case.seq))) or 0
        search = _SearchIndex(s, first_seq=seq + 1) if len(fresh) >= BULK_INDEX_FROM else None
        allocator = References(s)
        tables = _Tables(store.station_id, utcnow(), to_local(now).date(), reporters)
        count = max(len(fresh), 1)
        for i, row in enumerate(fresh):
            if i % PROGRESS_EVERY == 0:
                report(0.35 + 0.55 * i / count, f"Importing issue {i + 1:,} of {len(fresh):,}")
            seq += 1
            reference = allocator.next(row.hub.id, row.hub.code, row.received_at)
            references.append(reference)
            tables.add(row, seq, reference)
            if (i + 1) % WRITE_EVERY == 0:
                tables.write(s)
        tables.write(s)
        if search is not None:
            report(0.9, "Indexing the new issues for search")
            search.catch_up()
        s.flush()  # the reference counters
        tables.audit(s, path.name)
        report(0.92, "Saving")
        if rejects_path is not None:
            write_rejects(rejects_path, table.heading, rejected)
        report(0.95, "Saving")
    result = ImportResult(
        path, len(fresh), skipped, tuple(rejected), rejects_path, table.unknown,
        table.encoding, tuple(references), reporters.linked,
    )  # fmt: skip
    if progress is not None:  # done: too late to cancel, so the answer is not asked for
        progress(1.0, result.describe())
    log.info(
        "Imported %s: %d new, %d already there, %d rejected, %d reporters linked to a known "
        "person",
        path.name, result.imported, result.skipped, len(result.rejected), result.linked,
    )  # fmt: skip
    return result


def _people_keys_up_to_date(store, progress: Progress | None) -> None:
    """The keys of every person written since they were last worked out
    (:func:`hubapp.store.casework.people.catch_up`, in transactions of its own, before the
    import's): a reporter is looked up by them. ImportCancelled when ``progress`` says so
    (the keys worked out so far are kept; nothing is imported)."""
    stopped = False

    def told(fraction: float, message: str) -> bool:
        nonlocal stopped
        if progress is not None and progress(0.3 + 0.03 * fraction, message) is False:
            stopped = True
        return not stopped

    people.catch_up(store, progress=told)
    if stopped:
        raise ImportCancelled("The import was cancelled; nothing was imported.")


# --- reporters already known ------------------------------------------------------------------


def _contact_key(contact: str) -> tuple[str, str] | None:
    """The (kind, key) the index of people gives a reporter's contact (what
    :func:`hubapp.store.casework.people.keys_of` gives the person the import writes: the
    contact is their e-mail address if it has an @, otherwise their phone), or None."""
    if not contact:
        return None
    if "@" in contact:
        kind, key = people.EMAIL, matching.email_key(contact)
    else:
        kind, key = people.PHONE, matching.phone_key(contact)
    return (kind, key) if key else None


def _links_by(key: tuple[str, str] | None) -> bool:
    """Whether a reporter may be linked to a known person by this key: an e-mail address,
    or a phone number with at least :data:`MIN_PHONE_DIGITS` digits (a "withheld", an "n/a"
    or a "999" is the key of many people, and names nobody)."""
    if key is None:
        return False
    kind, value = key
    return kind == people.EMAIL or sum(c.isdigit() for c in value) >= MIN_PHONE_DIGITS


def _names_agree(imported: str, stored: str) -> bool:
    """Whether two names may be one person's: either is blank, their keys are equal, or
    they have the same last word and the same first word or forms of one given name (Bill
    and William Smith). A household shares a phone: John and Mary Smith do not agree."""
    a, b = matching.name_key(imported), matching.name_key(stored)
    if not a or not b or a == b:
        return True
    wa, wb = a.split(), b.split()
    return wa[-1] == wb[-1] and (wa[0] == wb[0] or wb[0] in matching.given_name_variants(wa[0]))


#: (hub id, kind, key) -> {person id: full name}
_Known = dict[tuple[uuid.UUID, str, str], dict[uuid.UUID, str]]


def _known_reporters(s, rows: list[_Row]) -> tuple[_Known, set[tuple[str, str]]]:
    """The people already known by each key of ``rows``' reporters, per hub: people with that
    key (worked out from their present details: not one marked stale) named on a live case of
    the hub, by a role on it or as the reporter of one of its contacts; neither voided nor
    locked down. And the keys more than :data:`MANY_PEOPLE` people have, which link nobody.

    A few statements per :data:`LOOKUP_EVERY` keys or people: how many people have each key,
    then who they are (both from the keys' index alone: a crowded key's people are not read);
    then the live cases of those people, from the indexes of their links. (One join from the
    keys to the cases lets SQLite start from the cases of a hub, and reads every link of a
    crowded key: the demo data's 1,000 drama numbers are 100 people each.)"""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if _links_by(row.reporter_key):
            kind, key = row.reporter_key
            wanted.setdefault(kind, set()).add(key)
    fresh_key = ~exists().where(PersonKeyStale.person_id == PersonKey.person_id)
    crowded: set[tuple[str, str]] = set()
    keys_of: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for kind, keys in wanted.items():
        ordered = sorted(keys)
        for start in range(0, len(ordered), LOOKUP_EVERY):
            chunk = ordered[start : start + LOOKUP_EVERY]
            counted = s.execute(
                select(PersonKey.key, func.count())
                .where(PersonKey.kind == kind, PersonKey.key.in_(chunk), fresh_key)
                .group_by(PersonKey.key)
            ).all()
            crowded.update((kind, key) for key, n in counted if n > MANY_PEOPLE)
            few = [key for key, n in counted if n <= MANY_PEOPLE]
            if few:
                for key, person_id in s.execute(
                    select(PersonKey.key, PersonKey.person_id).where(
                        PersonKey.kind == kind, PersonKey.key.in_(few), fresh_key
                    )
                ):
                    keys_of.setdefault(person_id, []).append((kind, key))
    found: _Known = {}
    ordered_people = sorted(keys_of)
    links = ((CasePerson, CasePerson.person_id), (Contact, Contact.reporter_person_id))
    for start in range(0, len(ordered_people), LOOKUP_EVERY):
        chunk = ordered_people[start : start + LOOKUP_EVERY]
        for link, person in links:
            query = (
                select(person, Case.hub_id, Person.full_name)
                .join(Case, Case.id == link.case_id)
                .join(Person, Person.id == person)
                .where(
                    person.in_(chunk),
                    link.voided.is_(False),
                    Case.voided.is_(False),
                    Person.voided.is_(False),
                    Person.locked_down.is_(False),
                )
                .distinct()
            )
            for person_id, hub_id, name in s.execute(query):
                for kind, key in keys_of[person_id]:
                    found.setdefault((hub_id, kind, key), {})[person_id] = name
    return found, crowded


class _Reporters:
    """Who each reporter of the file is: the one person already known by their key in the
    row's hub, when their names agree; otherwise a new person (see the module notes)."""

    def __init__(self, known: _Known, crowded: set[tuple[str, str]]) -> None:
        self.known = known
        #: the keys too many people have to link anybody
        self.crowded = crowded
        #: the people this import writes, by the same keys
        self.written: _Known = {}
        #: reporters linked to a person already known, and those people
        self.linked = 0
        self.linked_people: set[uuid.UUID] = set()

    def find(self, row: _Row) -> uuid.UUID | None:
        """The person the row's reporter is, or None: a new person."""
        if not _links_by(row.reporter_key) or row.reporter_key in self.crowded:
            return None
        at = (row.hub.id, *row.reporter_key)
        candidates = {**self.known.get(at, {}), **self.written.get(at, {})}
        if len(candidates) != 1:
            return None  # nobody, or a question for a coordinator
        ((person_id, name),) = candidates.items()
        if not _names_agree(row.texts["reporter_name"], name):
            return None
        self.linked += 1
        self.linked_people.add(person_id)
        return person_id

    def wrote(self, row: _Row, person_id: uuid.UUID) -> None:
        """The row's reporter was written as a new person."""
        if _links_by(row.reporter_key):
            at = (row.hub.id, *row.reporter_key)
            self.written.setdefault(at, {})[person_id] = row.texts["reporter_name"]


def _existing_keys(s, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(s.scalars(select(Contact.import_key).where(Contact.import_key.in_(chunk))))
    return found


class _Tables:
    """The new rows, as plain values, written a batch at a time with one statement per
    table (the ORM's unit of work costs more than the whole insert at 10,000 rows)."""

    def __init__(
        self, station_id: uuid.UUID | None, stamp: datetime, opened_on: date, reporters: _Reporters
    ) -> None:
        self.common = {
            "row_version": 1, "created_at": stamp, "updated_at": stamp,
            "station_id": station_id, "voided": False,
        }  # fmt: skip
        self.opened_on = opened_on
        self.reporters = reporters
        self.batch: dict[str, list[dict]] = {t: [] for t in _WRITTEN}
        self.ids: dict[str, list[str]] = {t: [] for t in _WRITTEN}

    def add(self, row: _Row, seq: int, reference: str) -> None:
        texts, common = row.texts, self.common
        case_id = uuid.uuid4()
        self.batch["case_"].append({
            **common, "id": case_id, "seq": seq, "reference": reference,
            "hub_id": row.hub.id, "category_id": row.category.id, "channel_id": row.channel.id,
            "status": "new", "risk_level": "standard", "priority": "normal",
            "sara_stage": "scanning", "lead_agency_id": None, "place_id": None,
            "location": texts["location"], "town": "", "postcode": "", "grid_ref": "",
            "summary": texts["summary"], "details": texts["details"], "police_log_ref": "",
            "council_ref": "", "received_at": row.received_at, "incident_at": None,
            "opened_on": self.opened_on, "closed_on": None, "outcome": "",
            "closure_rationale": "", "next_review_on": None,
        })  # fmt: skip
        person_id = None
        name, contact = texts["reporter_name"], texts["reporter_contact"]
        if name or contact:
            person_id = self.reporters.find(row)
            if person_id is None:
                person_id = uuid.uuid4()
                self._person(person_id, row)
            self.batch["case_person"].append({
                **common, "id": uuid.uuid4(), "case_id": case_id, "person_id": person_id,
                "role": REPORTER_ROLES.get(match_key(texts["reporter_role"]), "reporter"),
                "place_id": None,
            })  # fmt: skip
        self.batch["contact"].append({
            **common, "id": uuid.uuid4(), "case_id": case_id, "channel_id": row.channel.id,
            "received_at": row.received_at, "incident_at": None,
            "reporter_person_id": person_id, "anonymous": False, "consent_to_contact": False,
            "summary": texts["summary"], "external_ref": "", "place_id": None,
            "import_key": row.key,
        })  # fmt: skip

    def _person(self, person_id: uuid.UUID, row: _Row) -> None:
        """The reporter of ``row`` as a new person (the person table's triggers mark them for
        their keys to be worked out)."""
        name, contact = row.texts["reporter_name"], row.texts["reporter_contact"]
        email = contact if "@" in contact else ""
        self.batch["person"].append({
            **self.common, "id": person_id, "full_name": name, "date_of_birth": None,
            "phone": "" if email else contact, "email": email,
            "address": row.texts.get("reporter_address", ""),
            "locked_down": False,
        })  # fmt: skip
        self.reporters.wrote(row, person_id)

    def write(self, s) -> None:
        """Insert the batch (cases and people before what refers to them)."""
        for name in _WRITTEN:
            rows = self.batch[name]
            if rows:
                s.execute(insert(_TABLE[name]), rows)
                self.ids[name].extend(str(r["id"]) for r in rows)
                rows.clear()

    def audit(self, s, file_name: str) -> None:
        """One collection entry per table, as the store's own hook would write for these
        rows had they gone through the ORM (which they bypass)."""
        linked = sorted(str(p) for p in self.reporters.linked_people)
        for name in _WRITTEN:
            if self.ids[name]:
                details = {"import": file_name, "rows": len(self.ids[name])}
                if name == "case_person" and linked:
                    # the people already known that reporters were linked to: a subject
                    # access request finds the import by them
                    details["linked_people"] = linked
                audit.record(s, audit.Kind.COLLECTION, name, self.ids[name], details)
        s.flush()


class _SearchIndex:
    """The full-text index kept up in one statement for a big import.

    The ``case_search_ai`` trigger indexes each case as it goes in, which costs ten times
    more than indexing the new cases together afterwards (10,000 cases: 2.3 s against
    0.4 s). The trigger is dropped for the import and put back from its own SQL, all in
    the import's transaction: a failure or a cancel rolls the drop back with the rest.
    """

    TRIGGER = "case_search_ai"

    def __init__(self, s, first_seq: int) -> None:
        self.s = s
        self.first_seq = first_seq
        row = s.execute(
            sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": self.TRIGGER},
        ).first()
        self.trigger_sql = row[0] if row else None
        if self.trigger_sql is not None:
            s.execute(sql(f"DROP TRIGGER {self.TRIGGER}"))

    def catch_up(self) -> None:
        if self.trigger_sql is None:
            return
        searched = ", ".join(
            r[1] for r in self.s.execute(sql("PRAGMA table_info(case_search)")).all()
        )
        self.s.execute(
            sql(
                f"INSERT INTO case_search (rowid, {searched}) "
                f"SELECT seq, {searched} FROM case_ WHERE seq >= :first ORDER BY seq"
            ),
            {"first": self.first_seq},
        )
        self.s.execute(sql(self.trigger_sql))


_WRITTEN = ("case_", "person", "case_person", "contact")
_TABLE = {
    "case_": Case.__table__,
    "person": Person.__table__,
    "case_person": CasePerson.__table__,
    "contact": Contact.__table__,
}


# --- the rejects file ---------------------------------------------------------------------


def write_rejects(target: Path, heading: tuple[str, ...], rejected: list[Rejected]) -> None:
    """The rejected rows as they were, with a reason column: UTF-8 with a byte-order mark
    (Excel reads it), formula-safe, written atomically and readable by the owner only; only
    ever as a regular file (``hubapp.store.files``)."""
    width = len(heading)

    def write(fh) -> None:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        try:
            out = csv.writer(text, dialect="excel")
            out.writerow([safe_cell(h) for h in heading] + ["reason"])
            for r in rejected:
                values = list(r.values) + [""] * (width - len(r.values))
                out.writerow([safe_cell(v) for v in values] + [f"line {r.line}: {r.reason}"])
            text.flush()
        finally:
            text.detach()

    files.atomic_write(target, write)


def iter_reasons(result: ImportResult) -> Iterator[str]:
    """Each rejected row as one line for people: 'line 7: the category "Noize" is not known.'"""
    for r in result.rejected:
        yield f"line {r.line}: {r.reason}"


def _plural(n: int, one: str) -> str:
    return f"{n:,} {one if n == 1 else one + 's'}"
