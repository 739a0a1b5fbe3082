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
import sqlite3
import uuid
from collections import defaultdict
from dataclasses import dataclass
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
    # staff sign-in (hubapp.store.accounts)
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCK_OUT = "lock_out"


#: fields whose values never enter the log (personal data); "*" means every field
PERSONAL_FIELDS: dict[str, set[str]] = {
    "person": {"*"},
    # where it happened and what was said can identify people, and must go with an erasure:
    # an alteration of these records which field changed, not the values
    "case_": {
        "details",
        "summary",
        "location",
        "town",
        "postcode",
        "grid_ref",
        "police_log_ref",
        "council_ref",
        "outcome",
        "closure_rationale",
    },
    "place": {"*"},
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
    event.listen(factory, "after_flush", _keep_anchor)


#: local_setting key of the anchor: the id and hash of the newest entry, kept in a second
#: place in the same transaction, so that removing the newest entries is detected too
ANCHOR_KEY = "audit_anchor"


def _keep_anchor(session: Session, _ctx) -> None:
    newest = max(
        (o for o in session.new if isinstance(o, AuditEntry) and o.id is not None),
        key=lambda o: o.id,
        default=None,
    )
    if newest is None:
        return
    session.connection().exec_driver_sql(
        "INSERT INTO local_setting (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (ANCHOR_KEY, json.dumps({"id": newest.id, "hash": newest.hash})),
    )


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
    from hubapp.store import access

    access.check_flush(session)  # a read-only account writes nothing but these entries
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
    """The id of the first entry whose hash does not hold, or None if the chain is intact
    (see :func:`verify`; when the newest entries were removed, the id of the first missing)."""
    return verify(session).first_broken


@dataclass(frozen=True)
class ChainCheck:
    #: entries checked
    checked: int
    #: the id of the first entry that does not hold (or the first missing one), or None
    first_broken: int | None = None
    #: why, in one sentence ("" when intact)
    problem: str = ""
    #: the newest entry's hash (an administrator may note it elsewhere, as a further anchor)
    head: str = ""
    #: False when the database has entries but no anchor yet (made by an older version)
    anchored: bool = True
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.first_broken is None and not self.cancelled


#: entries read per batch while verifying
VERIFY_BATCH = 20_000


def _canonical_at(text: str) -> str:
    return datetime.fromisoformat(text).isoformat()


_ENC = json.encoder.encode_basestring  # a JSON string as json.dumps(ensure_ascii=False) writes it
_SORTED = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
_DECODE = json.JSONDecoder().decode


def _stored_hash(row) -> str:
    """The hash of a stored entry (id, at, user, station, kind, entity, record_ids, details,
    reason, prev_hash), exactly as :func:`entry_hash` computes it when the entry is written."""
    _id, at, user, station, kind, entity, ids, details, reason, prev_hash = row[:10]
    return entry_hash({
        "at": _canonical_at(at), "user": user,
        "station_id": str(uuid.UUID(station)) if station else None,
        "kind": kind, "entity": entity, "record_ids": json.loads(ids),
        "details": json.loads(details), "reason": reason, "prev_hash": prev_hash,
    })  # fmt: skip


def _fast_hashes(rows) -> list[str]:
    """:func:`_stored_hash` of each row, built by hand for speed: the canonical JSON's keys
    in their sorted order, the time and record ids taken as stored when they are already in
    canonical form, and the details as stored when that gives the stored hash (the stored
    JSON differs from the canonical only in key order and escapes), else re-encoded. A row
    whose hash still does not match is checked again with :func:`_stored_hash`, which
    parses everything, so both give the same verdict."""
    stations: dict[str, str] = {}
    out = []
    sha = hashlib.sha256
    for _id, at, user, station, kind, entity, ids, details, reason, prev_hash, digest in rows:
        if station:
            station_text = stations.get(station)
            if station_text is None:
                station_text = stations[station] = _ENC(str(uuid.UUID(station)))
        else:
            station_text = "null"
        at_text = at.replace(" ", "T", 1)
        if at_text.endswith(".000000"):
            at_text = at_text[:-7]
        head = '{"at": "' + at_text + '", "details": '
        tail = "".join((
            ', "entity": ', _ENC(entity), ', "kind": ', _ENC(kind),
            ', "prev_hash": ', _ENC(prev_hash), ', "reason": ', _ENC(reason),
            ', "record_ids": ', ids, ', "station_id": ', station_text,
            ', "user": ', _ENC(user), "}",
        ))  # fmt: skip
        quick = sha((head + details + tail).encode("utf-8")).hexdigest()
        if quick != digest and details != "{}":
            canonical = head + _SORTED(_DECODE(details)) + tail
            quick = sha(canonical.encode("utf-8")).hexdigest()
        out.append(quick)
    return out


def verify(session: Session, progress=None) -> ChainCheck:
    """Recompute every entry's hash in order and check the chain and its anchor.

    Reads the stored columns directly (not as ORM objects), batch by batch, so a million
    entries take seconds. ``progress(fraction, message)`` is called between batches; when it
    returns False the check stops (``cancelled``). Detects: an entry whose fields were
    changed, one removed or inserted in the middle (its neighbour's ``prev_hash`` no longer
    matches), and the newest entries removed (the anchor names an entry that is gone or
    differs).
    """
    from hubapp.store import database

    unreadable = getattr(database, "DatabaseError", sqlite3.DatabaseError)
    state = {"last_id": 0, "checked": 0, "prev": ""}
    try:
        return _verify(session, progress, state)
    except unreadable as exc:  # a damaged page (an encrypted page fails its check)
        return ChainCheck(
            state["checked"], state["last_id"] + 1,
            f"The audit log cannot be read after entry {state['last_id']:,}: the file is "
            f"damaged or was changed outside hubapp ({exc}).", state["prev"],
        )  # fmt: skip


def _verify(session: Session, progress, state: dict) -> ChainCheck:
    cur = session.connection().connection.driver_connection.cursor()
    total = cur.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
    prev = ""
    last_id = 0
    checked = 0
    while True:
        state.update(last_id=last_id, checked=checked, prev=prev)
        rows = cur.execute(
            'SELECT id, at, "user", station_id, kind, entity, record_ids, details, reason, '
            "prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, VERIFY_BATCH),
        ).fetchall()
        if not rows:
            break
        try:
            fast = _fast_hashes(rows)
        except (TypeError, ValueError, AttributeError):
            fast = [""] * len(rows)  # something unreadable: each row is looked at slowly
        for row, quick in zip(rows, fast, strict=True):
            eid, prev_hash, digest = row[0], row[9], row[10]
            if prev_hash != prev:
                return ChainCheck(checked, eid, _broken(eid, "does not follow the one before it"
                                  " (an entry before it was removed, added or changed)"))  # fmt: skip
            try:
                same = quick == digest or _stored_hash(row) == digest
            except (TypeError, ValueError, AttributeError):
                return ChainCheck(checked, eid, _broken(eid, "cannot be read"))
            if not same:
                return ChainCheck(checked, eid, _broken(eid, "was changed after it was written"))
            prev = digest
            checked += 1
        last_id = rows[-1][0]
        message = f"Checked {checked:,} of about {total:,} entries"
        if progress is not None and progress(min(1.0, last_id / max(total, 1)), message) is False:
            return ChainCheck(checked, None, "", prev, cancelled=True)
    raw = cur.execute("SELECT value FROM local_setting WHERE key = ?", (ANCHOR_KEY,)).fetchone()
    if raw is None:
        return ChainCheck(checked, head=prev, anchored=checked == 0)
    try:
        anchor = json.loads(raw[0])
        anchor_id, anchor_hash = int(anchor["id"]), str(anchor["hash"])
    except (TypeError, ValueError, KeyError):
        return ChainCheck(checked, last_id + 1, "The audit log's anchor cannot be read.", prev)
    if anchor_id > last_id:
        return ChainCheck(
            checked, last_id + 1,
            f"The newest audit entries were removed: the log ends at entry {last_id:,} but "
            f"entry {anchor_id:,} had been written.", prev,
        )  # fmt: skip
    if anchor_id == last_id and anchor_hash != prev:
        return ChainCheck(checked, last_id, _broken(last_id, "is not the one that was written"),
                          prev)  # fmt: skip
    return ChainCheck(checked, head=prev)


def _broken(entry_id: int, why: str) -> str:
    return f"The audit log is broken at entry {entry_id:,}: it {why}."
