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
from hubapp.store import audit
from hubapp.store.database import StoreError


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
