"""Changes the central database refused, kept so that a person sees them.

A push can be refused for a row this station may no longer write: a case that is no longer
shared with its hub, a row that belongs to another hub, an edit of a row whose insert was
refused. The change stays applied here (the local record keeps the value) but it will never
reach the other stations, so the sync conflicts dialog lists it (which record, which fields,
why) until a person dismisses it. Only field names are kept, never the values: the values are
in the record itself, and personal data is not copied a second time.

The table (``sync_refusal``, local, never synced) is made by a migration with :data:`DDL`;
``record`` is called by the push in the same SQLite transaction that removes the ops from the
outbox, so a refused change is either still in the outbox or listed here, never lost unseen.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import text

from hubapp.domain.clock import utcnow
from hubapp.sync.conflicts import record_label

log = logging.getLogger(__name__)

TABLE = "sync_refusal"
#: the migration's statements, in order
DDL = (
    "CREATE TABLE sync_refusal ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " op_id VARCHAR(32) NOT NULL UNIQUE,"
    " tbl VARCHAR(64) NOT NULL,"
    " row_id VARCHAR(32) NOT NULL,"
    " kind VARCHAR(16) NOT NULL,"
    " fields TEXT NOT NULL DEFAULT '[]',"
    " reason TEXT NOT NULL,"
    " record_label VARCHAR(200) NOT NULL DEFAULT '',"
    " refused_at VARCHAR(32) NOT NULL,"
    " dismissed_at VARCHAR(32),"
    " dismissed_by VARCHAR(120))",
    "CREATE INDEX ix_sync_refusal_open ON sync_refusal (dismissed_at)",
)
#: why, when the push does not say more
DEFAULT_REASON = (
    "The central database did not accept this change: the record belongs to another hub, or "
    "its case is no longer shared with this hub."
)
#: why, per reason code the push may give as a fourth member of a refused op
REASONS = {
    "not_shared": "The case is no longer shared with this hub.",
    "other_hub": "The record belongs to another hub.",
    "unknown": "The central database never received this record (its first version was refused).",
    "not_owner": "Only the case's own hub can erase it; ask that hub.",
    "table": "Records of this kind are not shared through the central database.",
    "field": "The change names a field the central database does not take.",
    "value": "A value of the change is not of its field's type or is too long.",
    "reference": "The change points at a record this hub cannot see.",
    "fixed": "The change alters a field that cannot change once a record exists (its hub, "
    "case or reference).",
    "invalid": "The change is malformed.",
}


#: bookkeeping columns that travel with every change: not worth a person's attention
_NOT_SHOWN = frozenset({"id", "updated_at", "station_id", "row_version", "seq", "created_at"})


def _exists(session) -> bool:
    return (
        session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": TABLE}
        ).first()
        is not None
    )


def record(session, ops, refused, reason: str | None = None) -> int:
    """Keep the refused ops; returns how many were added.

    ``session``: the SQLAlchemy session of the transaction that removes ``ops`` from the
    outbox. ``ops``: the outbox rows pushed, ``(seq, op_id, tbl, row_id, kind, fields_json)``.
    ``refused``: ``(op_id, tbl, row_id)`` or ``(op_id, tbl, row_id, reason_code)`` for each
    refused op. ``reason``: a sentence for all of them (else per code, else the default)."""
    if not refused:
        return 0
    if not _exists(session):  # a database before the migration: the log still has them
        log.warning("%d refused change(s) not kept: no %s table", len(refused), TABLE)
        return 0
    by_op = {str(o[1]): o for o in ops}
    now = utcnow().isoformat(sep=" ", timespec="seconds")
    rows = []
    for item in refused:
        op_id, tbl, row_id = str(item[0]), item[1], item[2]
        code = item[3] if len(item) > 3 else None
        op = by_op.get(op_id)
        kind = op[4] if op is not None else "update"
        try:
            fields = sorted(json.loads(op[5])) if op is not None and op[5] else []
        except (TypeError, ValueError):
            fields = []
        fields = [f for f in fields if f not in _NOT_SHOWN]
        why = reason or REASONS.get(code or "", DEFAULT_REASON)
        # named now: the pull that follows may remove the record (a case no longer shared)
        label = record_label(session, tbl, str(row_id))[0]
        rows.append({"o": op_id, "t": tbl, "r": str(row_id), "k": kind,
                     "f": json.dumps(fields), "w": why, "l": label, "at": now})  # fmt: skip
    session.execute(
        text(
            "INSERT INTO sync_refusal (op_id, tbl, row_id, kind, fields, reason, record_label,"
            " refused_at) VALUES (:o, :t, :r, :k, :f, :w, :l, :at)"
            " ON CONFLICT (op_id) DO NOTHING"
        ),
        rows,
    )
    return len(rows)


@dataclass(frozen=True)
class RefusalRow:
    """A refused change as a person sees it."""

    id: int
    record: str
    fields: str
    reason: str
    refused_at: str
    #: the case's id (hex) where the record belongs to a case, for opening it
    case_id: str | None = None


def open_count(store) -> int:
    """How many refused changes wait to be seen (0 before the migration)."""
    with store.read() as s:
        if not _exists(s):
            return 0
        return s.execute(
            text("SELECT count(*) FROM sync_refusal WHERE dismissed_at IS NULL")
        ).scalar_one()


def open_refusals(store) -> list[RefusalRow]:
    """The refused changes not yet dismissed, newest first, labelled for people."""
    out = []
    with store.read() as s:
        if not _exists(s):
            return []
        found = s.execute(
            text(
                "SELECT id, tbl, row_id, kind, fields, reason, refused_at, record_label"
                " FROM sync_refusal WHERE dismissed_at IS NULL ORDER BY id DESC"
            )
        ).all()
        for rid, tbl, row_id, kind, fields, reason, at, stored in found:
            label, case_id = record_label(s, tbl, row_id)
            if case_id is None and stored:  # the record is no longer here
                label = stored
            names = [f.replace("_", " ").capitalize() for f in json.loads(fields or "[]")]
            if kind == "insert":
                what = "New record" + (f" ({', '.join(names)})" if names else "")
            else:
                what = ", ".join(names) or "(no fields)"
            out.append(RefusalRow(rid, label, what, reason, at, case_id))
    return out


def dismiss(store, refusal_id: int) -> None:
    """A person has seen the refused change: it leaves the list (the row stays, dismissed)."""
    from hubapp.store.errors import StoreError

    with store.write(reason="refused sync change dismissed") as s:
        done = s.execute(
            text(
                "UPDATE sync_refusal SET dismissed_at = :at, dismissed_by = :by"
                " WHERE id = :i AND dismissed_at IS NULL"
            ),
            {"at": utcnow().isoformat(sep=" ", timespec="seconds"), "by": store.user,
             "i": refusal_id},
        )  # fmt: skip
        if done.rowcount == 0:
            raise StoreError("That refused change was dismissed already.")
