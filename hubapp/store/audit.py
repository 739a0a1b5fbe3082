"""The audit log (DPA 2018 s.62): who did what to which records, when, from which station.

Every write session records its own changes here, inside the same transaction, from a
``before_flush`` hook: a change cannot be committed without its audit entry. Entries are
hash-chained (each carries the hash of the one before), and the database refuses UPDATE and
DELETE on the table.

Personal data is not copied into the log: for personal fields an alteration records which
field changed, not its old and new values, so that an erasure can really erase.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from hubapp.domain.clock import utcnow
from hubapp.store.schema import AuditEntry, Synced


class Kind(StrEnum):
    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"


#: fields whose values never enter the log (personal data); "*" means every field
PERSONAL_FIELDS: dict[str, set[str]] = {
    "person": {"*"},
    "case_": {"details"},
    "contact": {"summary"},
    "note": {"body"},
    # action texts often name people; dates, status and agency stay in the log in full
    "action": {"description", "outcome", "owner"},
    "case_status_change": {"reason"},
    # a plan describes offenders, victims and places in free text
    "sara_plan": {"*"},
    "risk_assessment": {"answers"},
    "intervention": {"conditions", "notes"},
    "intervention_breach": {"details"},
    # partner meetings: decisions, attendee names and agenda reasons are free text about people
    "meeting_decision": {"text"},
    "meeting_attendance": {"attendees"},
    "agenda_item": {"reason_text", "removed_reason"},
}
_SKIP = {"row_version", "updated_at", "station_id", "created_at"}


def install(factory: sessionmaker) -> None:
    """Make every session of ``factory`` audit its own changes."""
    event.listen(factory, "before_flush", _before_flush)


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _masked(table: str, field: str) -> bool:
    fields = PERSONAL_FIELDS.get(table, set())
    return "*" in fields or field in fields


def _changes(obj: Synced, table: str) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SKIP:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        if _masked(table, key):
            out[key] = "changed"
        else:
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
            out[key] = [_plain(old), _plain(new)]
    return out


def _before_flush(session: Session, _ctx, _instances) -> None:
    store = session.info.get("store")
    station = store.station_id if store is not None else None
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    details: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for obj in list(session.new):
        if not isinstance(obj, Synced):
            continue
        if obj.id is None:
            obj.id = uuid.uuid4()
        obj.station_id = station
        grouped[(Kind.COLLECTION, obj.__tablename__)].append(str(obj.id))
    for obj in list(session.dirty):
        if not isinstance(obj, Synced) or not session.is_modified(obj):
            continue
        table = obj.__tablename__
        changed = _changes(obj, table)
        if not changed:
            continue
        obj.station_id = station
        key = (Kind.ALTERATION, table)
        grouped[key].append(str(obj.id))
        details[key][str(obj.id)] = changed
    for obj in list(session.deleted):
        if isinstance(obj, Synced):
            grouped[(Kind.ERASURE, obj.__tablename__)].append(str(obj.id))
    if not grouped:
        return
    with session.no_autoflush:
        prev = _last_hash(session)
        for (kind, table), ids in grouped.items():
            entry = _entry(session, kind, table, ids, details.get((kind, table), {}), prev=prev)
            session.add(entry)
            prev = entry.hash


def _last_hash(session: Session) -> str:
    pending = [o for o in session.new if isinstance(o, AuditEntry) and o.hash]
    if pending:
        return pending[-1].hash
    return session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or ""


def entry_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=_plain)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _entry(
    session: Session,
    kind: str,
    entity: str,
    record_ids: list[str],
    details: dict[str, Any],
    *,
    prev: str,
    reason: str | None = None,
) -> AuditEntry:
    store = session.info.get("store")
    fields = {
        "at": utcnow(),
        "user": store.user if store is not None else "",
        "station_id": store.station_id if store is not None else None,
        "kind": str(kind),
        "entity": entity,
        "record_ids": record_ids,
        "details": details,
        "reason": reason if reason is not None else session.info.get("reason", ""),
        "prev_hash": prev,
    }
    digest = entry_hash({k: _plain(v) for k, v in fields.items()})
    return AuditEntry(**fields, hash=digest)


def record(
    session: Session,
    kind: Kind,
    entity: str,
    record_ids: list[str],
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Add an explicit entry (consultation, disclosure, bulk work) to this transaction."""
    with session.no_autoflush:
        entry = _entry(
            session,
            kind,
            entity,
            record_ids,
            details or {},
            prev=_last_hash(session),
            reason=reason or session.info.get("reason", ""),
        )
    session.add(entry)
    return entry


def verify_chain(session: Session) -> int | None:
    """The id of the first entry whose hash does not hold, or None if the chain is intact."""
    prev = ""
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        fields = {
            "at": e.at, "user": e.user, "station_id": e.station_id, "kind": e.kind,
            "entity": e.entity, "record_ids": e.record_ids, "details": e.details,
            "reason": e.reason, "prev_hash": e.prev_hash,
        }  # fmt: skip
        if e.prev_hash != prev or entry_hash({k: _plain(v) for k, v in fields.items()}) != e.hash:
            return e.id
        prev = e.hash
    return None
