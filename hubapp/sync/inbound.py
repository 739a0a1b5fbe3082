"""What the central database sends is input: checked before a station writes any of it.

Central checks every write it takes (central revision c0006), but a station does not lean on
that: a record written before that revision, a damaged or misused central database, or a
newer hubapp's values could hold anything. So a pulled change is applied only when

* its table is one a station receives: the synced case-work tables (``capture``). Never staff
  accounts, local settings, the audit log, the outbox, drafts or any other local table;
* its record id is 32 hex digits (SQLite would read ``000…0001`` as the number 1);
* its kind is one the change log carries;
* every value is of its column's type (ids of 32 hex digits, dates and times that parse,
  whole numbers, yes or no, text no longer than its bound), among its codes where the column
  has codes, and present where the column may not be empty;
* what it points at is on this station, or can be fetched from central (``engine``).

A column this station does not have is ignored (a newer central column), as before. A change
that fails is not written: it is set aside in ``sync_quarantine`` (which record, the names of
the fields, why; never the values, which may be personal data), logged, and listed in
Tools > Central database, and the pull goes on with the next change.

The same rules are written twice, once as Python for the changes of an ordinary pull and
once as SQL (:func:`bad_rows_sql`) for a first copy, which checks a whole table in one
statement after it has streamed in; ``tests/sync/test_inbound.py`` holds the two together.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text, Uuid

from hubapp.domain.clock import utcnow
from hubapp.store import capture

log = logging.getLogger(__name__)

TABLE = "sync_quarantine"
#: the kinds of change-log entry a station applies
KINDS = frozenset({"insert", "snapshot", "update", "forget", "conflict", "resolve"})
#: the longest text of no declared length (central's bound too)
TEXT_MAX = 200_000

_HEX32 = re.compile(r"[0-9a-f]{32}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?\Z")


def _codes() -> dict[tuple[str, str], frozenset[str]]:
    """The columns whose values come from a fixed list of codes."""
    from hubapp.domain import codes as c
    from hubapp.store.casework import meetings as m

    def of(enum: type[StrEnum], *extra: str) -> frozenset[str]:
        return frozenset({e.value for e in enum} | set(extra))

    return {
        ("case_", "status"): of(c.CaseStatus),
        ("case_", "risk_level"): of(c.RiskLevel),
        ("case_", "priority"): of(c.Priority),
        ("case_", "sara_stage"): of(c.SaraStage),
        ("case_", "outcome"): of(c.CaseOutcome, ""),
        ("case_person", "role"): of(c.PersonRole),
        ("assignment", "role"): of(c.AgencyRole),
        ("action", "status"): of(c.ActionStatus),
        ("note", "visibility"): of(c.NoteVisibility),
        ("case_status_change", "from_status"): of(c.CaseStatus),
        ("case_status_change", "to_status"): of(c.CaseStatus),
        ("sara_plan", "impact_goal"): of(c.ImpactGoal, ""),
        ("risk_assessment", "level"): of(c.RiskLevel),
        ("intervention", "status"): of(c.InterventionStatus),
        ("meeting", "status"): of(m.MeetingStatus),
        ("meeting_attendance", "status"): of(m.Attendance),
        ("agenda_item", "reason"): of(m.AgendaReason),
    }


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Column:
    """One column a station receives, and how a value of it is checked."""

    name: str
    kind: str  # id, text, json, int, bool, date, datetime
    nullable: bool
    longest: int | None = None
    codes: frozenset[str] | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` cannot be stored in this column, or None."""
        if value is None:
            return None if self.nullable else f"{self.name} is empty"
        kind = self.kind
        if kind == "id":
            if not isinstance(value, str) or not _HEX32.match(value):
                return f"{self.name} is not an id"
        elif kind in ("text", "json"):
            if not isinstance(value, str):
                return f"{self.name} is not text"
            if len(value) > self.longest:
                return f"{self.name} is too long"
            if self.codes is not None and value not in self.codes:
                return f"{self.name} is not one of its codes"
            if kind == "json":
                try:
                    json.loads(value)
                except ValueError:
                    return f"{self.name} is not JSON"
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 10**15:
                return f"{self.name} is not a whole number"
        elif kind == "bool":
            if value not in (0, 1) or isinstance(value, float):
                return f"{self.name} is not yes or no"
        elif kind == "date":
            if not isinstance(value, str) or not _DATE.match(value):
                return f"{self.name} is not a date"
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"{self.name} is not a date"
        elif kind == "datetime":
            if not isinstance(value, str) or not _DATETIME.match(value):
                return f"{self.name} is not a time"
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return f"{self.name} is not a time"
        return None

    def sql_bad(self, *, unhex: bool = False) -> str:
        """An SQLite condition true when a stored value of this column breaks the rules.

        Written to be cheap, since a first copy runs it on every row: shapes by GLOB and
        ranges by comparing text; SQLite's date functions only for a day past the 28th,
        to tell 30 February from 30 March. With ``unhex`` (SQLite 3.41 and later, as
        SQLCipher has it) an id is checked by SQLite's own hex decoder, three times as fast
        as a GLOB over its 32 characters."""
        c = _q(self.name)
        d2 = "[0-9][0-9]"
        day = (f"substr({c}, 6, 2) NOT BETWEEN '01' AND '12'"
               f" OR substr({c}, 9, 2) NOT BETWEEN '01' AND '31'"
               f" OR (substr({c}, 9, 2) > '28'"
               f" AND date(substr({c}, 1, 10), '+0 days') IS NOT substr({c}, 1, 10))")  # fmt: skip
        if self.kind == "id":
            bad = f"typeof({c}) <> 'text' OR length({c}) <> 32 OR " + (
                f"unhex({c}) IS NULL OR {c} <> lower({c})" if unhex else f"{c} GLOB '*[^0-9a-f]*'"
            )
        elif self.kind in ("text", "json"):
            bad = f"typeof({c}) <> 'text' OR length({c}) > {self.longest}"
            if self.codes is not None:
                listed = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(self.codes))
                bad += f" OR {c} NOT IN ({listed})"
            if self.kind == "json":
                bad += f" OR NOT json_valid({c})"
        elif self.kind == "int":
            bad = f"typeof({c}) <> 'integer' OR abs({c}) >= 1000000000000000"
        elif self.kind == "bool":
            bad = f"typeof({c}) <> 'integer' OR {c} NOT IN (0, 1)"
        elif self.kind == "date":
            bad = (f"typeof({c}) <> 'text' OR length({c}) <> 10"
                   f" OR {c} NOT GLOB '{d2}{d2}-{d2}-{d2}' OR {day}")  # fmt: skip
        else:  # datetime: 19 characters, or a dot and one to six digits more
            bad = (f"typeof({c}) <> 'text' OR length({c}) NOT BETWEEN 19 AND 26"
                   f" OR length({c}) = 20"
                   f" OR {c} NOT GLOB '{d2}{d2}-{d2}-{d2} [0-2][0-9]:[0-5][0-9]:[0-5][0-9]*'"
                   f" OR substr({c}, 12, 2) > '23'"
                   f" OR (length({c}) > 19 AND substr({c}, 20) NOT GLOB '.[0-9]*')"
                   f" OR substr({c}, 21) GLOB '*[^0-9]*' OR {day}")  # fmt: skip
        if self.nullable:
            return f"({c} IS NOT NULL AND ({bad}))"
        return f"({c} IS NULL OR {bad})"


@functools.cache
def columns() -> dict[str, dict[str, Column]]:
    """For each table a station receives: its columns (not ``id``, not the local ones)."""
    from hubapp.store.schema import Base

    codes = _codes()
    out: dict[str, dict[str, Column]] = {}
    for tbl in capture.captured_tables():
        cols: dict[str, Column] = {}
        for col in Base.metadata.tables[tbl].columns:
            if col.name == "id" or col.name in capture.LOCAL_COLUMNS:
                continue
            t = col.type
            longest = None
            if isinstance(t, Uuid):
                kind = "id"
            elif isinstance(t, JSON):
                kind, longest = "json", TEXT_MAX
            elif isinstance(t, Text):
                kind, longest = "text", TEXT_MAX
            elif isinstance(t, String):
                kind, longest = "text", max(4 * (t.length or 250), 1000)
            elif isinstance(t, Boolean):
                kind = "bool"
            elif isinstance(t, Integer):
                kind = "int"
            elif isinstance(t, DateTime):
                kind = "datetime"
            elif isinstance(t, Date):
                kind = "date"
            else:  # pragma: no cover - a new column type needs a rule here
                raise TypeError(f"{tbl}.{col.name}: no inbound rule for {t!r}")
            cols[col.name] = Column(col.name, kind, bool(col.nullable), longest,
                                    codes.get((tbl, col.name)))  # fmt: skip
        out[tbl] = cols
    return out


def fields_problem(tbl: str, fields: dict) -> str | None:
    """Why these values (column -> stored value) cannot be written, or None. Columns this
    station does not have are left out by the caller; local columns are refused."""
    cols = columns()[tbl]
    for name, value in fields.items():
        if name == "id" or name in capture.LOCAL_COLUMNS:
            return f"it sets the local column {name}"
        col = cols.get(name)
        if col is None:
            continue  # a newer central column: ignored, as documented
        why = col.problem(value)
        if why:
            return why
    return None


def entry_problem(tbl: Any, row_id: Any, kind: Any, fields: Any) -> str | None:
    """Why a pulled change-log entry must not be applied, or None."""
    if not isinstance(tbl, str) or tbl not in columns():
        return f"the table {str(tbl)[:40]!r} is not one a station receives"
    if not isinstance(row_id, str) or not _HEX32.match(row_id):
        return "its record id is not 32 hex digits"
    if kind not in KINDS:
        return f"its kind {str(kind)[:20]!r} is not one the change log carries"
    if kind == "forget":
        return None
    if not isinstance(fields, dict):
        return "it carries no fields"
    if kind in ("insert", "snapshot", "update"):
        return fields_problem(tbl, fields)
    if kind == "resolve":
        cid = fields.get("id")
        return (
            None if isinstance(cid, str) and _HEX32.match(cid) else "its conflict id is malformed"
        )
    # conflict: the value central kept is written into the row, the others are shown
    cid, fld = fields.get("id"), fields.get("field")
    if not isinstance(cid, str) or not _HEX32.match(cid):
        return "its conflict id is malformed"
    if not isinstance(fld, str) or fld not in columns()[tbl] or fld in capture.LOCAL_COLUMNS:
        return f"the conflict is about {str(fld)[:40]!r}, not a field of {tbl}"
    station = fields.get("station")
    if station not in (None, "") and not (isinstance(station, str) and _HEX32.match(station)):
        return "the conflict's station is not an id"
    if not isinstance(fields.get("at", ""), str) or len(fields.get("at", "")) > 40:
        return "the conflict's time is malformed"
    why = columns()[tbl][fld].problem(fields.get("kept"))
    if why:
        return why
    for side in ("base", "other"):
        value = fields.get(side)
        if isinstance(value, str) and len(value) > TEXT_MAX:
            return f"the conflict's {side} value is too long"
    meta = fields.get("meta")
    if meta is not None:
        if not isinstance(meta, dict) or set(meta) - capture.META_COLUMNS:
            return "the conflict's record-keeping values are malformed"
        return fields_problem(tbl, meta)
    return None


def has_unhex(cur) -> bool:
    """Whether the connection's SQLite has ``unhex`` (3.41 and later)."""
    try:
        cur.execute("SELECT unhex('00')").fetchone()
    except Exception:  # the standard library's older SQLite (plaintext databases)
        return False
    return True


def bad_rows_sql(tbl: str, schema: str = "main", *, unhex: bool = False) -> str:
    """SELECT id and the first rule each bad row of ``tbl`` breaks (for a first copy and a
    hub snapshot, in the attached ``schema``); ``unhex``: see :meth:`Column.sql_bad`."""
    cols = columns()[tbl]
    whens = " ".join(f"WHEN {c.sql_bad()} THEN '{c.name} is not valid'" for c in cols.values())
    idcheck = "typeof(id) <> 'text' OR length(id) <> 32 OR id GLOB '*[^0-9a-f]*'"
    return (
        f"SELECT id, CASE WHEN {idcheck} THEN 'its record id is not 32 hex digits' {whens} END"
        f" AS why FROM {schema}.{_q(tbl)} WHERE {idcheck} OR "
        + " OR ".join(c.sql_bad(unhex=unhex) for c in cols.values())
    )


# --- setting changes aside ----------------------------------------------------------------


def _text(value: Any, longest: int) -> str:
    return (value if isinstance(value, str) else repr(value))[:longest]


def set_aside(cur, change_id: int | None, tbl: Any, row_id: Any, kind: Any, fields: Any,
              reason: str, station: Any = None) -> None:  # fmt: skip
    """Keep one refused entry (its field names, never its values) with why."""
    names = sorted(str(k)[:64] for k in fields)[:200] if isinstance(fields, dict) else []
    cur.execute(
        "INSERT INTO sync_quarantine (change_id, tbl, row_id, kind, fields, reason, from_station,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (change_id, _text(tbl, 64), _text(row_id, 64), _text(kind, 16), json.dumps(names),
         reason[:500], _text(station or "", 32), utcnow().isoformat(timespec="seconds")),
    )  # fmt: skip
    log.warning("A change from the central database was set aside (change %s, %s %s): %s",
                change_id, _text(tbl, 64), _text(row_id, 64), reason)  # fmt: skip


@dataclass(frozen=True)
class SetAside:
    """One change set aside, as a person sees it."""

    id: int
    change_id: int | None
    record: str
    fields: str
    reason: str
    received_at: str


def open_count(store) -> int:
    with store.engine.connect() as c:
        if not _exists(c):
            return 0
        return c.exec_driver_sql(
            "SELECT count(*) FROM sync_quarantine WHERE dismissed_at IS NULL"
        ).scalar_one()


def _exists(c) -> bool:
    return (
        c.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ).first()
        is not None
    )


def open_entries(store) -> list[SetAside]:
    from hubapp.sync.conflicts import record_label

    with store.read() as s:
        c = s.connection()
        if not _exists(c):
            return []
        rows = c.exec_driver_sql(
            "SELECT id, change_id, tbl, row_id, fields, reason, received_at FROM sync_quarantine"
            " WHERE dismissed_at IS NULL ORDER BY id"
        ).all()
        out = []
        for rid, change_id, tbl, row_id, fields, reason, at in rows:
            known = tbl in columns() and _HEX32.match(row_id or "")
            label = record_label(s, tbl, row_id)[0] if known else f"{tbl} {row_id}"
            out.append(SetAside(rid, change_id, label, ", ".join(json.loads(fields)),
                                reason, at))  # fmt: skip
    return out


def dismiss(store, entry_id: int) -> None:
    from hubapp.store.errors import StoreError

    with store.write(reason="sync: set-aside change dismissed") as s:
        done = (
            s.connection()
            .exec_driver_sql(
                "UPDATE sync_quarantine SET dismissed_at = ?, dismissed_by = ? WHERE id = ?"
                " AND dismissed_at IS NULL",
                (utcnow().isoformat(timespec="seconds"), store.user, entry_id),
            )
            .rowcount
        )
    if not done:
        raise StoreError("That change was dismissed already.")
