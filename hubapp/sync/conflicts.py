"""Conflicts: the same field changed on two sides before they synced.

Both values are kept: the central database keeps the value that arrived first, and the other
goes into a conflict that every station concerned receives. A person chooses with
:func:`resolve`: the chosen value is written as an ordinary edit (captured, so it syncs and
merges like any other), and the conflict is marked resolved here and, on the next push, for
every other station.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from hubapp.domain.clock import utcnow
from hubapp.store import access, audit
from hubapp.store.errors import StoreError
from hubapp.store.roles import Op


@dataclass(frozen=True)
class Conflict:
    id: str
    table: str
    row_id: str
    field: str
    base: Any
    kept: Any
    other: Any
    other_station: str
    detected_at: str


def open_conflicts(store) -> list[Conflict]:
    with store.read() as s:
        rows = s.execute(
            text(
                "SELECT id, tbl, row_id, field, base_value, kept_value, other_value,"
                " other_station, detected_at FROM sync_conflict WHERE resolved = 0"
                " ORDER BY detected_at, id"
            )
        ).all()
    return [
        Conflict(
            r[0],
            r[1],
            r[2],
            r[3],
            json.loads(r[4] or "null"),
            json.loads(r[5] or "null"),
            json.loads(r[6] or "null"),
            r[7],
            r[8],
        )  # fmt: skip
        for r in rows
    ]


def resolve(store, conflict_id: str, *, keep: str) -> None:
    """Settle a conflict: ``keep`` is "kept" (the central value) or "other"."""
    if keep not in ("kept", "other"):
        raise ValueError("keep must be 'kept' or 'other'")
    access.require(store, Op.CONFLICTS)
    with store.write(reason="sync conflict resolved") as s:
        row = s.execute(
            text(
                "SELECT tbl, row_id, field, kept_value, other_value, resolved FROM sync_conflict"
                " WHERE id = :i"
            ),  # fmt: skip
            {"i": conflict_id},
        ).first()
        if row is None or row[5]:
            raise StoreError("That conflict is no longer open.")
        tbl, rid, fld, kept, other = row[0], row[1], row[2], row[3], row[4]
        value = json.loads(kept if keep == "kept" else other)
        s.execute(
            text(
                f'UPDATE "{tbl}" SET "{fld}" = :v, row_version = row_version + 1, '
                "updated_at = :now, station_id = :st WHERE id = :r"
            ),
            {"v": value, "now": utcnow().isoformat(sep=" "), "r": rid,
             "st": store.station_id.hex if store.station_id else None},
        )  # fmt: skip
        s.execute(text("UPDATE sync_conflict SET resolved = 1 WHERE id = :i"), {"i": conflict_id})
        s.execute(
            text(
                "INSERT INTO sync_outbox (op_id, tbl, row_id, kind, fields, made_at)"
                " VALUES (:o, 'sync_conflict', :r, 'resolve', :f, :m)"
            ),
            {"o": uuid.uuid4().hex, "r": conflict_id, "f": json.dumps({"keep": keep}),
             "m": utcnow().isoformat(sep=" ")},
        )  # fmt: skip
        audit.record(s, audit.Kind.ALTERATION, tbl, [rid], {fld: "conflict resolved", "kept": keep})


@dataclass(frozen=True)
class ConflictRow:
    """A conflict as a person sees it: which record, which field, this station's value and
    the other station's. ``ours_is`` says which side of :func:`resolve` is ours."""

    id: str
    record: str
    field: str
    ours: Any
    theirs: Any
    ours_is: str  # "kept" or "other"
    detected_at: str

    @property
    def theirs_is(self) -> str:
        return "other" if self.ours_is == "kept" else "kept"


_TABLE_NAMES = {
    "case_": "Case", "note": "Note", "action": "Action", "person": "Person", "place": "Place",
    "contact": "Contact", "assignment": "Assignment", "intervention": "Intervention",
    "meeting": "Meeting", "agenda_item": "Agenda item", "risk_assessment": "Risk assessment",
    "sara_plan": "SARA plan", "case_person": "Person on a case", "case_place": "Place on a case",
}  # fmt: skip


def record_label(s, tbl: str, row_id: str) -> tuple[str, str | None]:
    """A record in words for a person ("Note of case CAR-2026-0042", "Case CAR-2026-0042"),
    and the id (hex) of its case where it belongs to one, for opening it."""
    name = _TABLE_NAMES.get(tbl, tbl.replace("_", " ").capitalize())
    reference = case_id = None
    if tbl == "case_":
        reference = s.execute(
            text("SELECT reference FROM case_ WHERE id = :i"), {"i": row_id}
        ).scalar()
        case_id = row_id if reference else None
    else:
        cols = {r[1] for r in s.execute(text(f'PRAGMA table_info("{tbl}")'))}
        if "case_id" in cols:
            found = s.execute(
                text(
                    f'SELECT c.reference, c.id FROM "{tbl}" t JOIN case_ c ON c.id = t.case_id'
                    " WHERE t.id = :i"
                ),
                {"i": row_id},
            ).first()
            if found:
                reference, case_id = found
    if reference and tbl == "case_":
        return f"Case {reference}", case_id
    if reference:
        return f"{name} of case {reference}", case_id
    return name, None


def conflict_rows(store, station_id: uuid.UUID | None = None) -> list[ConflictRow]:
    """The open conflicts, labelled for people (the case reference where there is one).

    Ours is the value this station wrote: the value another station's edit met (``kept``)
    unless this station's own edit is the one that was set aside (``other``)."""
    found = open_conflicts(store)
    mine = station_id.hex if station_id is not None else None
    out = []
    with store.read() as s:
        for c in found:
            record = record_label(s, c.table, c.row_id)[0]
            ours_is = "other" if mine is not None and c.other_station == mine else "kept"
            ours, theirs = (c.other, c.kept) if ours_is == "other" else (c.kept, c.other)
            out.append(ConflictRow(c.id, record, c.field.replace("_", " ").capitalize(), ours,
                                   theirs, ours_is, c.detected_at))  # fmt: skip
    return out
