"""Reading the audit log: filters, pages for the viewer, and export as CSV or JSON.

The log can hold millions of entries, so nothing here loads it whole: the viewer reads one
page at a time, newest first, keyed by entry id (``before`` the last id shown), and an export
streams the entries oldest first in batches. Filters are SQL over the stored columns:

* ``since`` / ``until``: a time range (naive UTC, ``until`` exclusive); the command line and
  the viewer take UK dates and make whole local days of them (:func:`day_range`);
* ``user``, ``kind``, ``station`` (a station's id): equal, ignoring case for the user;
* ``record``: a case or person id, or a case reference (:func:`resolve_record` finds the
  case's id, so entries naming either match); entries match on their record ids and on
  their details (a consultation names the people shown, a print the references printed);
* ``text``: words in the entry's reason.

Exporting the log is itself a disclosure: it is recorded (which entries, in which format, to
which file) as the file appears, like any other export (:mod:`hubapp.store.exchange.export`).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from hubapp.domain.clock import utcnow
from hubapp.domain.spreadsheet import safe_cell
from hubapp.store import audit
from hubapp.store.errors import StoreError
from hubapp.store.exchange.export import ExportCancelled, atomic_write_audited
from hubapp.store.files import check_output

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("csv", "json")
KINDS: tuple[str, ...] = tuple(k.value for k in audit.Kind)
#: entries per page in the viewer
PAGE = 200
#: entries read per batch while exporting
BATCH = 5_000
Progress = Callable[[float, str], bool]

_COLUMNS = ('id, at, "user", station_id, kind, entity, record_ids, details, reason, '
            "prev_hash, hash")  # fmt: skip
_STORED_AT = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    user: str = ""
    kind: str = ""
    station: uuid.UUID | None = None
    #: a case or person id, or a case reference, as typed
    record: str = ""
    text: str = ""

    def describe(self) -> dict[str, Any]:
        """The filter as plain values (for the export's audit entry and the JSON file)."""
        out = {k: v for k, v in asdict(self).items() if v not in (None, "")}
        for key in ("since", "until"):
            if key in out:
                out[key] = out[key].isoformat()
        if "station" in out:
            out["station"] = str(out["station"])
        return out


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    user: str
    station_id: uuid.UUID | None
    kind: str
    entity: str
    record_ids: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    prev_hash: str = ""
    hash: str = ""
    #: the station's name, where the database knows it
    station: str = ""


# --- filters ----------------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)


def parse_day(text: str) -> date:
    """A date typed as dd/mm/yyyy or yyyy-mm-dd; ValueError with one sentence otherwise."""
    text = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date; write it as dd/mm/yyyy, e.g. 01/11/2026.")


def day_range(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """UK days as a UTC range: from the start of ``since`` to the end of ``until``."""
    uk = ZoneInfo("Europe/London")

    def start(d: date) -> datetime:
        local = datetime(d.year, d.month, d.day, tzinfo=uk)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    return (
        start(since) if since else None,
        start(until + timedelta(days=1)) if until else None,
    )


def resolve_record(s, text: str) -> list[str]:
    """What an entry must name to be about the record typed: an id as stored in the log,
    or for a case reference both the case's id and the reference. StoreError when the text
    is neither an id nor a known reference."""
    from sqlalchemy import func, select

    from hubapp.store.schema import Case

    text = (text or "").strip()
    if not text:
        return []
    if _UUID.match(text):
        return [str(uuid.UUID(text))]
    case_id = s.scalar(select(Case.id).where(func.upper(Case.reference) == text.upper()))
    if case_id is None:
        raise StoreError(
            f"'{text}' is neither a case reference nor a record id; write a reference such "
            "as CAR-2026-0042, or the id of a case or person."
        )
    reference = s.scalar(select(Case.reference).where(Case.id == case_id))
    return [str(case_id), reference]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where(s, f: AuditFilter) -> tuple[str, list[Any]]:
    """The SQL condition for ``f`` and its parameters ("1" and none for no filter)."""
    parts: list[str] = []
    params: list[Any] = []
    if f.since is not None:
        parts.append("at >= ?")
        params.append(f.since.strftime(_STORED_AT))
    if f.until is not None:
        parts.append("at < ?")
        params.append(f.until.strftime(_STORED_AT))
    if f.user.strip():
        parts.append('lower("user") = lower(?)')
        params.append(f.user.strip())
    if f.kind.strip():
        kind = f.kind.strip().lower()
        if kind not in KINDS:
            raise StoreError(
                f"There is no kind of audit entry '{f.kind}'; the kinds are: {', '.join(KINDS)}."
            )
        parts.append("kind = ?")
        params.append(kind)
    if f.station is not None:
        parts.append("station_id = ?")
        params.append(f.station.hex)
    names = resolve_record(s, f.record)
    if names:
        alternatives = []
        for name in names:
            alternatives.append("record_ids LIKE ? ESCAPE '\\' OR details LIKE ? ESCAPE '\\'")
            params += [_like(name), _like(name)]
        parts.append("(" + " OR ".join(alternatives) + ")")
    for word in f.text.split():
        parts.append("reason LIKE ? ESCAPE '\\'")
        params.append(_like(word))
    return (" AND ".join(parts) or "1"), params


# --- reading ----------------------------------------------------------------------------------


def _station_names(s) -> dict[str, str]:
    from sqlalchemy import select

    from hubapp.store.schema import Station

    return {sid.hex: name for sid, name in s.execute(select(Station.id, Station.name))}


def _row(raw, stations: dict[str, str]) -> AuditRow:
    eid, at, user, station, kind, entity, ids, details, reason, prev_hash, digest = raw
    return AuditRow(
        id=eid, at=datetime.fromisoformat(at), user=user,
        station_id=uuid.UUID(station) if station else None, kind=kind, entity=entity,
        record_ids=json.loads(ids), details=json.loads(details), reason=reason,
        prev_hash=prev_hash, hash=digest, station=stations.get(station or "", ""),
    )  # fmt: skip


def _require_admin(store) -> None:
    from hubapp.store import access

    access.require(store, access.Op.AUDIT)


def page(store, f: AuditFilter, before: int | None = None, limit: int = PAGE) -> list[AuditRow]:
    """Up to ``limit`` entries matching ``f``, newest first, older than entry ``before``."""
    _require_admin(store)
    with store.read() as s:
        cond, params = where(s, f)
        if before is not None:
            cond += " AND id < ?"
            params.append(before)
        cur = s.connection().exec_driver_sql(
            f"SELECT {_COLUMNS} FROM audit_log WHERE {cond} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        stations = _station_names(s)
        return [_row(r, stations) for r in cur.fetchall()]


def count(store, f: AuditFilter) -> int:
    _require_admin(store)
    with store.read() as s:
        cond, params = where(s, f)
        return (
            s.connection()
            .exec_driver_sql(f"SELECT count(*) FROM audit_log WHERE {cond}", tuple(params))
            .scalar()
        )


def iter_rows(store, f: AuditFilter, batch: int = BATCH) -> Iterator[AuditRow]:
    """Every entry matching ``f``, oldest first, read ``batch`` at a time (each batch in its
    own short read, so a long export never holds the database)."""
    _require_admin(store)
    after = 0
    while True:
        with store.read() as s:
            cond, params = where(s, f)
            rows = (
                s.connection()
                .exec_driver_sql(
                    f"SELECT {_COLUMNS} FROM audit_log WHERE {cond} AND id > ? ORDER BY id LIMIT ?",
                    (*params, after, batch),
                )
                .fetchall()
            )
            stations = _station_names(s)
        if not rows:
            return
        for r in rows:
            yield _row(r, stations)
        after = rows[-1][0]


def get(store, entry_id: int) -> AuditRow | None:
    _require_admin(store)
    with store.read() as s:
        raw = (
            s.connection()
            .exec_driver_sql(f"SELECT {_COLUMNS} FROM audit_log WHERE id = ?", (entry_id,))
            .fetchone()
        )
        return _row(raw, _station_names(s)) if raw else None


def verify(store, progress: Progress | None = None) -> audit.ChainCheck:
    """Check the whole chain and its anchor (see :func:`hubapp.store.audit.verify`) in one
    read, writing nothing (administrators)."""
    from sqlalchemy.exc import DBAPIError

    from hubapp.store import access

    access.require(store, access.Op.AUDIT_VERIFY)
    result = None
    try:
        with store.read() as s:
            result = audit.verify(s, progress)
    except DBAPIError:
        if result is None or result.ok:
            raise
        # a damaged file can fail again as the read ends: the check has said so already
    return result


# --- export -----------------------------------------------------------------------------------

HEADINGS = ("id", "at (UTC)", "user", "station", "kind", "entity", "record ids", "details",
            "reason", "prev_hash", "hash")  # fmt: skip


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds") + "Z"


def as_dict(row: AuditRow) -> dict[str, Any]:
    return {
        "id": row.id, "at": _iso(row.at), "user": row.user,
        "station_id": str(row.station_id) if row.station_id else None,
        "station": row.station, "kind": row.kind, "entity": row.entity,
        "record_ids": row.record_ids, "details": row.details, "reason": row.reason,
        "prev_hash": row.prev_hash, "hash": row.hash,
    }  # fmt: skip


def _write_csv(fh: IO[bytes], rows: Iterator[AuditRow]) -> None:
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    try:
        out = csv.writer(text, dialect="excel")
        out.writerow(HEADINGS)
        for r in rows:
            out.writerow([
                r.id, _iso(r.at), safe_cell(r.user), safe_cell(r.station), r.kind, r.entity,
                safe_cell(" ".join(r.record_ids)),
                safe_cell(json.dumps(r.details, ensure_ascii=False, sort_keys=True)),
                safe_cell(r.reason), r.prev_hash, r.hash,
            ])  # fmt: skip
        text.flush()
    finally:
        text.detach()


def _write_json(fh: IO[bytes], rows: Iterator[AuditRow], f: AuditFilter) -> None:
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="\n")
    try:
        text.write('{"marking": "OFFICIAL-SENSITIVE", ')
        text.write(f'"exported_at": {json.dumps(_iso(utcnow()))}, ')
        text.write(f'"filter": {json.dumps(f.describe(), ensure_ascii=False)}, "entries": [')
        first = True
        for r in rows:
            text.write("\n" if first else ",\n")
            text.write(json.dumps(as_dict(r), ensure_ascii=False))
            first = False
        text.write("\n]}\n")
        text.flush()
    finally:
        text.detach()


def export(store, path: Path | str, fmt: str, f: AuditFilter | None = None, *,
           progress: Progress | None = None) -> int:  # fmt: skip
    """Write the entries matching ``f`` (all by default), oldest first, to ``path`` as CSV
    or JSON; return how many. Atomic, owner-only, and recorded as a disclosure as the file
    appears. ``progress(fraction, message)`` returning False stops it (ExportCancelled,
    nothing written)."""
    _require_admin(store)
    f = f or AuditFilter()
    fmt = (fmt or "").strip().lower()
    if fmt not in FORMATS:
        raise StoreError(f"Cannot export the audit log as '{fmt}'; choose csv or json.")
    target = Path(path).expanduser().absolute()
    check_output(target, f"audit-log.{fmt}")  # before anything is read
    with store.read() as s:
        where(s, f)  # a bad filter is said before any file is made
    total = count(store, f) if progress is not None else 0
    seen: list[int] = []

    def rows() -> Iterator[AuditRow]:
        for r in iter_rows(store, f):
            if progress is not None and len(seen) % 2_000 == 0:
                message = f"Writing entry {len(seen) + 1:,} of {total:,}"
                if progress(0.02 + 0.96 * len(seen) / max(total, 1), message) is False:
                    raise ExportCancelled("The export was cancelled; no file was written.")
            seen.append(r.id)
            yield r

    def write(fh: IO[bytes]) -> None:
        if fmt == "csv":
            _write_csv(fh, rows())
        else:
            _write_json(fh, rows(), f)

    def disclosed() -> tuple[list[str], dict[str, Any]]:
        return [], {
            "format": fmt, "file": str(target), "rows": len(seen),
            "first_id": seen[0] if seen else None, "last_id": seen[-1] if seen else None,
            "filter": f.describe(),
        }  # fmt: skip

    atomic_write_audited(store, target, write, "audit log exported", "audit_log", disclosed,
                         example=f"audit-log.{fmt}")  # fmt: skip
    if progress is not None:
        progress(1.0, f"Exported {len(seen):,} entries")
    log.info("Exported %d audit entries as %s", len(seen), fmt)
    return len(seen)


def export_to_stream(store, stream: IO[bytes], fmt: str, f: AuditFilter | None = None) -> int:
    """:func:`export` to an open stream (the command line's standard output); the
    disclosure is recorded after, even when the output failed part way."""
    _require_admin(store)
    f = f or AuditFilter()
    fmt = (fmt or "").strip().lower()
    if fmt not in FORMATS:
        raise StoreError(f"Cannot export the audit log as '{fmt}'; choose csv or json.")
    with store.read() as s:
        where(s, f)
    seen: list[int] = []

    def rows() -> Iterator[AuditRow]:
        for r in iter_rows(store, f):
            seen.append(r.id)
            yield r

    complete = False
    try:
        if fmt == "csv":
            _write_csv(stream, rows())
        else:
            _write_json(stream, rows(), f)
        stream.flush()
        complete = True
    finally:
        if seen:
            details: dict[str, Any] = {
                "format": fmt, "file": "standard output", "rows": len(seen),
                "first_id": seen[0], "last_id": seen[-1], "filter": f.describe(),
            }  # fmt: skip
            if not complete:
                details["incomplete"] = True
            with store.write(reason="audit log exported") as s:
                audit.record(s, audit.Kind.DISCLOSURE, "audit_log", [], details)
    return len(seen)
