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
import hmac
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from hubapp import settings
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
    # why two cases were linked is free text about the people and places of both
    "case_link": {"reason"},
    # a referral's reference and outcome name the person's dealings with another service
    "referral": {"reference", "outcome", "notes"},
    # victim contact: who the contact is, what a victim was told and why they cannot be
    "victim_contact": {"spoc_name", "cannot_tell_reason"},
    "victim_update": {"given_by", "summary"},
    # the ASB Case Review: who applied, and what was decided and told, is free text about
    # the victim; dates, decision and outcome codes stay in the log in full
    "case_review": {
        "applicant_name",
        "decision_reasons",
        "outcome_summary",
        "dissatisfaction_outcome",
        "escalation_outcome",
    },
    "review_explanation": {"notes"},
}
_SKIP = {"row_version", "updated_at", "station_id", "created_at"}


def install(factory: sessionmaker) -> None:
    """Make every session of ``factory`` audit its own changes (and refuse a read-only
    account's, however they are written: hubapp.store.access)."""
    from hubapp.store import access

    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _keep_anchor)
    event.listen(factory, "do_orm_execute", access.check_execute)


#: local_setting key of the anchor (see "The anchor" below)
ANCHOR_KEY = "audit_anchor"


def _keep_anchor(session: Session, _ctx) -> None:
    """After each flush that wrote entries: carry the anchor forward (see :func:`advance`)."""
    new = sorted(
        (o for o in session.new if isinstance(o, AuditEntry) and o.id is not None),
        key=lambda o: o.id,
    )
    if new:
        advance(session.connection().connection.driver_connection, _session_secret(session),
                [(o.id, o.hash, o.prev_hash) for o in new])  # fmt: skip


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
    from hubapp.store import access

    store = session.info.get("store")
    fields = {
        "at": utcnow(),
        "user": access.acting_user(session),  # who acts in the session, since it began
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


# --- the anchor -------------------------------------------------------------------------------
#
# The chain shows that no entry was changed, added or taken out between two others. The anchor
# shows the rest: that none was cut from the end, that the log was not wiped, and that nobody
# renumbered it. It is one row of local_setting, rewritten in the same transaction as every
# entry (after each flush that adds entries), holding
#
#   count     how many entries have been written: carried forward (old count + new entries),
#             never recounted from the table, so a cut is still found after later writes;
#   id, hash  the newest entry;
#   break     the first time a writer found the anchor missing, unsealed, or not naming the
#             log's newest entry (a cut, a wipe or an edit made outside hubapp): kept for good;
#   accepted  after an administrator accepted the log as it was (a restore override, or
#             ``hubapp audit --accept``): the acceptance entry's id and a digest of every
#             entry before it, which must never change again;
#   mac       HMAC-SHA256 of the rest, with a secret derived from the database's own key.
#
# Deleting the row does not reset it: the next writer finds it missing and records a break,
# and a log with entries (or a database with records) but no anchor fails verification. An
# anchor written by hand (plain SQL) fails its seal. Someone who holds the database key and
# reads this code can still forge one: docs/security.md says what holds against whom.

ANCHOR_VERSION = 2
_ANCHOR_LABEL = b"hubapp audit anchor v2"
#: a plaintext database (older versions; measurements) has no key to derive a secret from
_PLAINTEXT_SECRET = hashlib.sha256(_ANCHOR_LABEL).digest()
_COLUMNS = ('id, at, "user", station_id, kind, entity, record_ids, details, reason, '
            "prev_hash, hash")  # fmt: skip


def secret_of_key(key) -> bytes:
    """The anchor's sealing secret for a database opened with ``key`` (None: plaintext)."""
    if key is None:
        return _PLAINTEXT_SECRET
    return hmac.new(key.key, _ANCHOR_LABEL, hashlib.sha256).digest()


def _session_secret(session: Session) -> bytes:
    """The sealing secret of the session's database (every session comes from a Store)."""
    return session.info["store"].anchor_secret


@dataclass(frozen=True)
class Anchor:
    count: int
    id: int
    hash: str
    #: {"entry", "kind": missing|unsealed|moved, "rows", and for moved "anchor_id", "count"}
    broken: dict | None = None
    #: {"before": the acceptance entry's id, "digest": of every entry before it}
    accepted: dict | None = None

    def fields(self) -> dict[str, Any]:
        return {"v": ANCHOR_VERSION, "count": self.count, "id": self.id, "hash": self.hash,
                "break": self.broken, "accepted": self.accepted}  # fmt: skip


def _mac(secret: bytes, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hmac.new(secret, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def read_anchor(raw: str | None, secret: bytes) -> tuple[Anchor | None, str]:
    """The anchor stored as ``raw``, or (None, "missing" | "unsealed")."""
    if raw is None:
        return None, "missing"
    try:
        data = json.loads(raw)
        mac = str(data.pop("mac"))
        if data.get("v") != ANCHOR_VERSION or not hmac.compare_digest(mac, _mac(secret, data)):
            return None, "unsealed"
        broken, accepted = data.get("break"), data.get("accepted")
        if broken is not None and not isinstance(broken, dict):
            return None, "unsealed"
        if accepted is not None and not (isinstance(accepted, dict)
                                         and {"before", "digest"} <= accepted.keys()):  # fmt: skip
            return None, "unsealed"
        return Anchor(int(data["count"]), int(data["id"]), str(data["hash"]), broken,
                      accepted), ""  # fmt: skip
    except (TypeError, ValueError, KeyError, AttributeError):
        return None, "unsealed"


def _read_anchor(cur, secret: bytes) -> tuple[Anchor | None, str]:
    return read_anchor(settings.local_sql(cur)[ANCHOR_KEY], secret)


def _write_anchor(cur, anchor: Anchor, secret: bytes) -> None:
    fields = anchor.fields()
    value = json.dumps({**fields, "mac": _mac(secret, fields)}, sort_keys=True)
    settings.local_sql(cur)[ANCHOR_KEY] = value


def _rows(cur) -> int:
    return cur.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def start_anchor(con, secret: bytes) -> None:
    """The anchor of a new database's empty log (written once, when the database is made)."""
    _write_anchor(con.cursor(), Anchor(0, 0, ""), secret)


def advance(con, secret: bytes, new: list[tuple[int, str, str]]) -> None:
    """Carry the anchor over the entries ``new`` (id, hash, prev_hash; oldest first) just
    written on the DB-API connection ``con``, inside their transaction."""
    cur = con.cursor()
    old, why = _read_anchor(cur, secret)
    first_id, _hash, first_prev = new[0]
    last_id, last_hash, _prev = new[-1]
    if old is not None:
        broken = old.broken
        if broken is None and old.hash != first_prev:
            # the log no longer ends at the entry the anchor names: cut or changed outside
            broken = {"entry": first_id, "kind": "moved", "anchor_id": old.id,
                      "count": old.count, "rows": _rows(cur) - len(new)}  # fmt: skip
        anchor = Anchor(old.count + len(new), last_id, last_hash, broken, old.accepted)
    else:
        rows = _rows(cur)
        anchor = Anchor(rows, last_id, last_hash,
                        {"entry": first_id, "kind": why, "rows": rows - len(new)})  # fmt: skip
    _write_anchor(cur, anchor, secret)


def reseal(con, old_secret: bytes, new_secret: bytes) -> bool:
    """Seal the anchor again with ``new_secret`` (a database whose key changed: a plaintext
    one being encrypted), if it holds under ``old_secret``; False if there was none to seal."""
    cur = con.cursor()
    anchor, _why = _read_anchor(cur, old_secret)
    if anchor is None:
        return False
    _write_anchor(cur, anchor, new_secret)
    return True


def _row_bytes(row) -> bytes:
    return json.dumps(list(row), ensure_ascii=False, default=str).encode("utf-8") + b"\n"


def _digest_before(cur, before: int) -> tuple[str, int]:
    """A digest of every entry before ``before`` exactly as stored, and how many there are."""
    digest = hashlib.sha256()
    n, last = 0, None
    while True:
        rows = cur.execute(
            f"SELECT {_COLUMNS} FROM audit_log WHERE id < ? AND (? IS NULL OR id > ?) "
            "ORDER BY id LIMIT ?", (before, last, last, VERIFY_BATCH),
        ).fetchall()  # fmt: skip
        if not rows:
            return digest.hexdigest(), n
        for row in rows:
            digest.update(_row_bytes(row))
        n += len(rows)
        last = rows[-1][0]


def accept(store, problem: str, reason: str) -> int:
    """Accept the log as it is now (an administrator, after a restore override or once a
    problem :func:`verify` found has been looked into): an entry records who, why and what was
    found; from then on every entry before it must stay exactly as it is, and everything after
    it is checked in full. Returns the acceptance entry's id."""
    from hubapp.store import access

    access.require(store, access.Op.AUDIT_VERIFY)
    return accept_restored(store, problem, reason)


def accept_restored(store, problem: str, reason: str) -> int:
    """:func:`accept` without asking who: for a restore an administrator overrode
    (:func:`hubapp.store.admin.backup.restore` checked the administrator against the database it
    replaced; the restored database's accounts are not those)."""
    secret = store.anchor_secret
    with store.write(reason=reason) as s:
        cur = s.connection().connection.driver_connection.cursor()
        entry = record(s, Kind.ALTERATION, "audit_log", [],
                       {"accepted": problem, "entries": _rows(cur)}, reason)  # fmt: skip
        s.flush()
        digest, rows = _digest_before(cur, entry.id)
        _write_anchor(cur, Anchor(rows + 1, entry.id, entry.hash, None,
                                  {"before": entry.id, "digest": digest}), secret)  # fmt: skip
        return entry.id


# --- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """The part of the log an administrator accepted as it was."""

    #: the acceptance entry's id (every entry before it is taken as it was)
    entry: int
    at: datetime
    user: str
    problem: str
    reason: str


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
    #: kept for callers of older versions: every log is anchored now
    anchored: bool = True
    cancelled: bool = False
    #: the part accepted as it was (None when the whole log is checked in full)
    accepted: Accepted | None = None

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
    """:func:`verify_connection` on the session's own connection (reading only)."""
    con = session.connection().connection.driver_connection
    return verify_connection(con, _session_secret(session), progress)


def verify_connection(con, secret: bytes, progress=None) -> ChainCheck:
    """Recompute every entry's hash in order and check the chain and its anchor, reading only.

    Reads the stored columns directly (not as ORM objects), batch by batch, so a million
    entries take seconds. ``progress(fraction, message)`` is called between batches; when it
    returns False the check stops (``cancelled``). Finds: an entry whose fields were changed;
    one removed, added or moved in the middle (its neighbour's ``prev_hash`` no longer
    matches); entries renumbered (ids run 1, 2, 3... without a gap); the newest entries
    removed, whether or not anything was written since; a wiped log; an anchor removed,
    unreadable or written by hand; and any change to a part an administrator accepted.
    """
    from hubapp.store.errors import DatabaseError

    state = {"last_id": 0, "checked": 0, "prev": ""}
    try:
        return _verify(con.cursor(), secret, progress, state)
    except DatabaseError as exc:  # a damaged page (an encrypted page fails its check)
        return ChainCheck(
            state["checked"], state["last_id"] + 1,
            f"The audit log cannot be read after entry {state['last_id']:,}: the file is "
            f"damaged or was changed outside hubapp ({exc}).", state["prev"],
        )  # fmt: skip


def _verify(cur, secret: bytes, progress, state: dict) -> ChainCheck:
    anchor, why = _read_anchor(cur, secret)
    total = cur.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
    before = anchor.accepted["before"] if anchor is not None and anchor.accepted else None
    digest = hashlib.sha256() if before is not None else None
    accepted: Accepted | None = None
    prev = ""
    expected = before if before is not None else 1  # the next id, once in the checked part
    last_id = checked = seen = 0
    first_seen: int | None = None
    while True:
        state.update(last_id=last_id, checked=checked, prev=prev)
        rows = cur.execute(
            f"SELECT {_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, VERIFY_BATCH),
        ).fetchall()
        if not rows:
            break
        try:
            fast = _fast_hashes(rows)
        except (TypeError, ValueError, AttributeError):
            fast = [""] * len(rows)  # something unreadable: each row is looked at slowly
        for row, quick in zip(rows, fast, strict=True):
            eid, prev_hash, stored = row[0], row[9], row[10]
            seen += 1
            first_seen = eid if first_seen is None else first_seen
            if digest is not None:
                if eid < before:  # the accepted part: compared as a whole below
                    digest.update(_row_bytes(row))
                    prev, last_id = stored, eid
                    continue
                if digest.hexdigest() != anchor.accepted["digest"]:
                    return _changed_accepted(checked, first_seen, before, prev)
                digest = None
                accepted = _accepted(row)
            if prev_hash != prev:
                return ChainCheck(checked, eid, _broken(eid, "does not follow the one before it"
                                  " (an entry before it was removed, added or changed)"))  # fmt: skip
            if eid != expected:
                return ChainCheck(checked, expected, (
                    f"The audit log is broken at entry {expected:,}: there is no such entry and "
                    f"the log goes on at entry {eid:,} (entries were removed or renumbered)."),
                    prev)  # fmt: skip
            try:
                same = quick == stored or _stored_hash(row) == stored
            except (TypeError, ValueError, AttributeError):
                return ChainCheck(checked, eid, _broken(eid, "cannot be read"))
            if not same:
                return ChainCheck(checked, eid, _broken(eid, "was changed after it was written"))
            prev, expected, last_id = stored, eid + 1, eid
            checked += 1
        message = f"Checked {last_id:,} of about {total:,} entries"
        if progress is not None and progress(min(1.0, last_id / max(total, 1)), message) is False:
            return ChainCheck(checked, None, "", prev, cancelled=True)
    if digest is not None and digest.hexdigest() != anchor.accepted["digest"]:
        return _changed_accepted(checked, first_seen or 1, before, prev)
    end = ChainCheck(checked, last_id + 1, "", prev)
    if anchor is None:
        if why == "unsealed":
            return _problem(end, "The audit log's anchor cannot be read, or was not sealed by "
                            "hubapp for this database: the log's completeness cannot be shown.")  # fmt: skip
        if seen:
            return _problem(end, "The audit log's anchor is missing: its newest entries may "
                            "have been removed.")  # fmt: skip
        if _holds_records(cur):
            return ChainCheck(0, 1, "The audit log is empty and its anchor is missing, but the "
                              "database holds records: the log was wiped.")  # fmt: skip
        return ChainCheck(0)  # a database with nothing in it
    if anchor.broken:
        return ChainCheck(checked, int(anchor.broken.get("entry", 1)), _break_sentence(
            anchor.broken), prev)  # fmt: skip
    if seen == 0 and anchor.count > 0:
        return ChainCheck(0, 1, f"The audit log is empty but {anchor.count:,} entries had been "
                          "written: the log was wiped.")  # fmt: skip
    if anchor.id > last_id:
        return _problem(end, f"The newest audit entries were removed: the log ends at entry "
                        f"{last_id:,} but entry {anchor.id:,} had been written.")  # fmt: skip
    if anchor.count > seen:
        return _problem(end, f"Audit entries were removed: the log holds {seen:,} entries but "
                        f"{anchor.count:,} had been written.")  # fmt: skip
    if anchor.count < seen or anchor.id != last_id:
        return _problem(end, f"The audit log holds {seen:,} entries but {anchor.count:,} were "
                        "written by hubapp: entries were added outside it.")  # fmt: skip
    if anchor.hash != prev:
        return ChainCheck(checked, last_id, _broken(last_id, "is not the one that was written"),
                          prev)  # fmt: skip
    return ChainCheck(checked, head=prev, accepted=accepted)


def _problem(end: ChainCheck, sentence: str) -> ChainCheck:
    return ChainCheck(end.checked, end.first_broken, sentence, end.head)


def _changed_accepted(checked: int, first: int, before: int, prev: str) -> ChainCheck:
    return ChainCheck(checked, first, f"The audit log was changed before entry {before:,}, in "
                      "the part an administrator had accepted as it was.", prev)  # fmt: skip


def _accepted(row) -> Accepted | None:
    try:
        details = json.loads(row[7])
        return Accepted(row[0], datetime.fromisoformat(row[1]), row[2],
                        str(details.get("accepted", "")), row[8])  # fmt: skip
    except (TypeError, ValueError, AttributeError):
        return None


def _holds_records(cur) -> bool:
    """Whether the database holds anything whose making was audited (a new database's
    reference data is written with entries, so a database with records has a log)."""
    for table in ("hub", "case_", "staff_account"):
        if cur.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            return True
    return False


def _break_sentence(broken: dict) -> str:
    entry = int(broken.get("entry", 0))
    rows = int(broken.get("rows", 0))
    kind = broken.get("kind")
    if kind == "moved":
        return (
            f"When entry {entry:,} was written, the audit log no longer ended at entry "
            f"{int(broken.get('anchor_id', 0)):,} as its anchor said (it held {rows:,} entries "
            f"where {int(broken.get('count', 0)):,} had been written): entries were removed or "
            "changed."
        )
    what = "missing" if kind == "missing" else "unreadable or not sealed by hubapp"
    return (
        f"The audit log's anchor was {what} when entry {entry:,} was written (the log then "
        f"held {rows:,} entries): entries before it may have been removed."
    )


def _broken(entry_id: int, why: str) -> str:
    return f"The audit log is broken at entry {entry_id:,}: it {why}."
