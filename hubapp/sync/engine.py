"""One sync round with the central database: push the outbox, then pull the change log.

Push. The outbox is sent in batches, one PostgreSQL transaction per batch. The transaction
first takes the change log's advisory lock (pushes are serialised, so merging reads the
current central values without races and change numbers follow commit order), skips every
op already in the push ledger for this station (a lost acknowledgement followed by a retry
applies nothing twice), merges field by field, and writes the ledger, the rows, the change
log entries and any conflicts together. Only after the commit are the ops removed from the
outbox; if the link dies in between, the retry finds them in the ledger.

Merge, per field, against the value the station's edit was based on:

* central value equal to the new one: nothing to do;
* central value equal to the base: the new value is applied;
* otherwise both sides changed it: the central value is kept, the other value goes into a
  conflict record for a person to choose (``hubapp.sync.conflicts``); every station of the
  hub (and of hubs the case is shared with) receives the conflict;
* append-only tables (notes, actions, status history, decisions, breaches) never conflict:
  an insert is an insert, and an edit to the same field on two sides takes the later push;
* an edit arriving at a row voided elsewhere is applied to the voided row and flagged as a
  conflict on ``voided`` so that a person can restore the row; a void arriving after an edit
  simply voids it (the edit is kept in the voided row).

Station clocks order nothing: the order is the central change number. A clock more than five
minutes off the server's is reported in the summary.

Pull. A new station (cursor 0) copies the rows it may see from ``record`` in one repeatable-
read snapshot and starts after the newest change number in that snapshot; afterwards it reads
the change log after its cursor, in batches, each applied with the cursor in one SQLite
transaction (an interrupted pull resumes where it stopped). Fields with a pending local change
are left alone (the push will merge them); rows whose parents are missing are fetched whole.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import queue
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC
from enum import Enum
from typing import Any

from sqlalchemy import DateTime, text

from hubapp.domain.clock import utcnow
from hubapp.store import audit, capture, setup
from hubapp.sync import inbound, refusals
from hubapp.sync.central import (
    CENTRAL_NEEDED,
    KNOWN_CENTRAL,
    STATION_SCHEMA,
    VERSION_TABLE,
    CentralError,
    _first_line,
    connect,
)

log = logging.getLogger(__name__)

#: the foreign keys of the synced tables that point at reference data (the same on every
#: station, never in the central database)
_REFERENCE_TABLES = capture.REFERENCE_TABLES
CLOCK_TOLERANCE_S = 300
PUSH_BATCH = 500
PULL_BATCH = 2000
INITIAL_BATCH = 5000
#: batches the first copy's reading thread may be ahead of the writing one
READ_AHEAD = 4
#: page cache during the first copy (KiB): the new rows' keys stay in memory
INITIAL_CACHE_KIB = 262144
CURSOR_SCOPE = "central"


@dataclass
class SyncSummary:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    refused: int = 0
    seconds: float = 0.0
    clock_skew_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    #: how a new station got its first copy: "snapshot" (the hub's ready-made copy),
    #: "stream" (row by row), or "" (it had one)
    first_copy: str = ""

    def describe(self) -> str:
        text_ = (
            f"Sync done: {self.pushed} change{'s' if self.pushed != 1 else ''} pushed, "
            f"{self.pulled} pulled, {self.conflicts} conflict{'s' if self.conflicts != 1 else ''}"
            f" to resolve, in {self.seconds:.2f} s."
        )
        if self.refused:
            text_ += f" {self.refused} change(s) were refused by the central database."
        if self.first_copy == "snapshot":
            text_ += " This station's first copy came from its hub's ready-made copy."
        return " ".join([text_, *self.warnings])


def _u(hex_or_none: Any) -> uuid.UUID | None:
    if hex_or_none in (None, ""):
        return None
    return uuid.UUID(str(hex_or_none))


def _hex(u: uuid.UUID | None) -> str | None:
    return None if u is None else u.hex


def pending_count(store) -> int:
    with store.engine.connect() as c:
        return c.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar_one()


@dataclass(frozen=True)
class SyncStatus:
    """What a person needs to know about this station's sync, as plain values."""

    last_sync: str | None  # ISO time (UTC) of the last sync that finished
    last_result: str
    pending: int  # local changes not yet pushed
    conflicts: int  # open conflicts
    clock_skew_s: float


def status(store) -> SyncStatus:
    with store.engine.connect() as c:
        row = c.exec_driver_sql(
            "SELECT state FROM sync_cursor WHERE scope = ?", (CURSOR_SCOPE,)
        ).first()
        pending = c.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar_one()
        open_ = c.exec_driver_sql(
            "SELECT count(*) FROM sync_conflict WHERE resolved = 0"
        ).scalar_one()
    state = json.loads(row[0]) if row else {}
    return SyncStatus(state.get("last_sync"), state.get("last_result", ""), pending, open_,
                      float(state.get("clock_skew_s", 0)))  # fmt: skip


class Syncer:
    """Syncs one station's store with the central database; keeps its connection open."""

    def __init__(self, store, url: str, *, timeout: float = 10.0) -> None:
        self.store = store
        self.url = url
        self.timeout = timeout
        self.conn = None
        self._columns: dict[str, list[str]] = {}
        self._nullable: dict[str, set[str]] = {}
        self.hub_id: uuid.UUID | None = None
        self.station_id: uuid.UUID | None = None
        #: (reference, stored as) for cases that arrived with a reference used here
        self.renamed: list[tuple[str, str]] = []
        #: told (what, done, total) during a first copy from a hub snapshot
        self.progress = None

    # -- connection ------------------------------------------------------------------
    def where(self) -> str:
        """The central database's host, port and name (no user, no password)."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        return f"{parts.hostname or ''}:{parts.port or 5432}{parts.path}"

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # closing must never fail
                log.debug("closing the central connection failed", exc_info=True)
            self.conn = None

    def _connect(self):
        if self.conn is None or self.conn.closed or self.conn.broken:
            self.close()
            # autocommit: the central procedures commit their own work before they return
            # (``with conn.transaction()`` still makes a transaction where one is wanted)
            self.conn = connect(self.url, timeout=self.timeout, autocommit=True)
        return self.conn

    # -- one round -------------------------------------------------------------------
    def run(self) -> SyncSummary:
        started = time.perf_counter()
        info = self._check_station()
        summary = SyncSummary()
        import psycopg

        try:
            conn = self._connect()
            self._handshake(conn, info, summary)
            while self._push_batch(conn, summary):
                pass
            self._pull(conn, summary)
        except psycopg.Error as exc:
            self.close()
            raise CentralError(
                f"Sync stopped: {_first_line(exc)} Nothing is lost; the next sync resumes."
            ) from None
        if self.renamed:
            first, stored = self.renamed[0]
            summary.warnings.append(
                f"{len(self.renamed)} case(s) arrived with a reference this station already "
                f"uses (e.g. {first}, shown here as {stored}); give each station of the hub its "
                "own reference prefix."
            )
            self.renamed = []
        with self.store.engine.connect() as c:
            summary.conflicts = c.exec_driver_sql(
                "SELECT count(*) FROM sync_conflict WHERE resolved = 0"
            ).scalar_one()
        summary.seconds = time.perf_counter() - started
        self._remember(summary)
        return summary

    def _check_station(self):
        from hubapp.store.exchange import demo

        if demo.is_demo_database(self.store):
            raise CentralError(
                "This is a demo database: demo data stays on this PC and is never synced."
            )
        info = setup.current(self.store)
        if info is None:
            raise CentralError(
                "This database has no station yet; answer the first-start questions first."
            )
        self.station_id = info.station_id
        return info

    def _handshake(self, conn, info, summary: SyncSummary) -> None:
        import psycopg

        try:
            with conn.transaction():
                row = conn.execute(
                    "SELECT hubapp_register(%s), now(),"
                    f" (SELECT version_num FROM {VERSION_TABLE}),"
                    " (SELECT value FROM central_info WHERE key = 'min_station_schema')",
                    (info.station_id,),
                ).fetchone()
        except psycopg.errors.RaiseException as exc:
            self.close()
            raise CentralError(
                f"The central database refused this station: {_first_line(exc)}"
            ) from None
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedFunction):
            self.close()
            raise CentralError(
                "The central database is not set up for hubapp (run 'hubapp central init')."
            ) from None
        hub, server_now, revision, minimum = row
        if hub != info.hub_id:
            raise CentralError(
                f"These central credentials belong to another hub, not {info.hub_name}; "
                "ask for this station's own account."
            )
        self.hub_id = hub
        if int(minimum or 0) > STATION_SCHEMA:
            pending = pending_count(self.store)
            raise CentralError(
                f"The central database is at a newer schema ({revision}); update hubapp on "
                f"this station to sync. Its {pending} pending change(s) are kept."
            )
        if revision in KNOWN_CENTRAL and KNOWN_CENTRAL.index(revision) < KNOWN_CENTRAL.index(
            CENTRAL_NEEDED
        ):
            pending = pending_count(self.store)
            raise CentralError(
                f"The central database is older than this version of hubapp ({revision}): an "
                "administrator must run 'hubapp central init' with this version before this "
                f"station can sync. Its {pending} pending change(s) are kept."
            )
        self._take_ref_prefix(conn)
        skew = (utcnow().replace(tzinfo=UTC) - server_now).total_seconds()
        summary.clock_skew_s = skew
        if abs(skew) > CLOCK_TOLERANCE_S:
            summary.warnings.append(
                f"This PC's clock is {abs(skew) / 60:.0f} minutes "
                f"{'ahead of' if skew > 0 else 'behind'} the central server's; please correct it."
            )

    def _take_ref_prefix(self, conn) -> None:
        """Set ``station.ref_prefix`` to the one ``central add-station`` gave this station,
        unless a person set one here already (theirs is kept)."""
        with self.store.engine.connect() as c:
            mine = c.exec_driver_sql(
                "SELECT ref_prefix FROM station WHERE id = ?", (self.station_id.hex,)
            ).scalar_one_or_none()
        if mine:
            return
        with conn.transaction():
            given = conn.execute("SELECT hubapp_my_ref_prefix()").fetchone()[0]
        if given:
            with self.store.write(reason="sync: case reference prefix from central") as s:
                s.execute(
                    text("UPDATE station SET ref_prefix = :p WHERE id = :i AND ref_prefix = ''"),
                    {"p": given, "i": self.station_id.hex},
                )
            log.info("This station's case references now carry the prefix %s", given)

    def _remember(self, summary: SyncSummary) -> None:
        with self.store.write(reason="sync") as s:
            state = self._state(s)
            state.update(last_sync=utcnow().isoformat(timespec="seconds"),
                         last_result=summary.describe(), clock_skew_s=round(summary.clock_skew_s),
                         pushed=summary.pushed, pulled=summary.pulled)  # fmt: skip
            self._save_cursor(s, None, state)

    # -- local helpers ---------------------------------------------------------------
    def _state(self, s) -> dict:
        row = s.execute(
            text("SELECT state FROM sync_cursor WHERE scope = :s"), {"s": CURSOR_SCOPE}
        ).first()
        return json.loads(row[0]) if row else {}

    def _cursor(self) -> int:
        with self.store.engine.connect() as c:
            row = c.exec_driver_sql(
                "SELECT position FROM sync_cursor WHERE scope = ?", (CURSOR_SCOPE,)
            ).first()
        return row[0] if row else 0

    def _save_cursor(self, s, position: int | None, state: dict | None = None) -> None:
        if state is None:
            state = self._state(s)
        s.execute(
            text(
                "INSERT INTO sync_cursor (scope, position, state) VALUES (:s, coalesce(:p, 0), :st)"
                " ON CONFLICT (scope) DO UPDATE SET position = coalesce(:p, position), state = :st"
            ),
            {"s": CURSOR_SCOPE, "p": position, "st": json.dumps(state)},
        )

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            with self.store.engine.connect() as c:
                rows = c.exec_driver_sql(f'PRAGMA table_info("{table}")').fetchall()
            self._columns[table] = [r[1] for r in rows]
            self._nullable[table] = {r[1] for r in rows if not r[3]}
        return self._columns[table]

    # -- push ------------------------------------------------------------------------
    def _push_batch(self, conn, summary: SyncSummary) -> bool:
        """Push the oldest waiting changes: the central database checks and merges each one
        itself (``hubapp_push``, central revision c0006) and commits before it answers."""
        from psycopg.types.json import Jsonb

        with self.store.engine.connect() as c:
            ops = c.exec_driver_sql(
                "SELECT seq, op_id, tbl, row_id, kind, fields FROM sync_outbox"
                " ORDER BY seq LIMIT ?",
                (PUSH_BATCH,),
            ).fetchall()
        if not ops:
            return False
        batch = [
            {"op": op_id, "tbl": tbl, "row": row_id, "kind": kind, "fields": json.loads(fields)}
            for _seq, op_id, tbl, row_id, kind, fields in ops
        ]
        (result,) = conn.execute("CALL hubapp_push(%s, NULL)", (Jsonb(batch),)).fetchone()
        by_op = {o[1]: o for o in ops}
        refused = [
            (op_id, by_op[op_id][2], by_op[op_id][3], why)
            for op_id, why in result["refused"]
            if op_id in by_op
        ]
        summary.refused += len(refused)
        summary.pushed += result["applied"]
        last = ops[-1][0]
        with self.store.write(reason="sync: pushed to central") as s:
            s.execute(text("DELETE FROM sync_outbox WHERE seq <= :l"), {"l": last})
            tables = sorted({o[2] for o in ops})
            refusals.record(s, ops, refused)  # kept for a person to see, with why
            # the records disclosed, by id (the values are in the records), and to where
            audit.record(
                s, audit.Kind.DISCLOSURE, "sync", sorted({o[3] for o in ops}),
                {"to": "central", "at": self.where(), "ops": len(ops), "tables": tables,
                 "refused": len(refused)},
                reason="sync: pushed to central",
            )  # fmt: skip
        for op in refused:
            log.warning("Central refused change %s to %s %s (%s)", *op)
        return len(ops) == PUSH_BATCH

    # -- pull ------------------------------------------------------------------------
    def _pull(self, conn, summary: SyncSummary) -> None:
        cursor = self._cursor()
        if cursor == 0:
            from hubapp.sync import snapshot

            installed = snapshot.install(self.store, conn, progress=self.progress)
            if installed is not None:
                summary.first_copy = "snapshot"
                summary.pulled += installed[0]
            else:
                summary.first_copy = "stream"
                summary.pulled += self._initial(conn)
            cursor = self._cursor()
        while True:
            with conn.transaction():
                rows = conn.execute(
                    "SELECT id, tbl, row_id, kind, fields, station_id FROM station_change"
                    " WHERE id > %s ORDER BY id LIMIT %s",
                    (cursor, PULL_BATCH),
                ).fetchall()
            if not rows:
                return
            summary.pulled += self._apply_changes(conn, rows)
            cursor = rows[-1][0]
            if len(rows) < PULL_BATCH:
                return

    def _initial(self, conn) -> int:
        """Copy every visible row, streamed from one repeatable-read snapshot into one SQLite
        transaction (an interruption keeps nothing, and the next sync starts again).

        Slow upkeep is dropped for the copy and rebuilt once at the end, in the same
        transaction, as the importer and the demo generator do: the full-text trigger, the
        capture triggers (which would skip these rows anyway) and the non-unique secondary
        indexes of the synced tables (unique constraints stay, so a duplicate is still caught
        as it arrives), with a large page cache for the duration. The rows arrive split into
        columns (see ``_Stream``); foreign keys are deferred to the commit, so the order does
        not matter.
        """
        count = 0
        started = time.perf_counter()
        with self.store.bulk_write(reason="sync: first copy from central") as s:
            applier = _Apply(self, s)
            applier.full_check = True
            cur = applier.cur
            raw = cur.connection  # ``applier.finish`` closes its cursor
            (old_cache,) = raw.execute("PRAGMA cache_size").fetchone()
            raw.execute(f"PRAGMA cache_size = -{INITIAL_CACHE_KIB}")
            try:
                upkeep = _BulkUpkeep(cur, capture.captured_tables())
                stream = _Stream(applier)
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    high = conn.execute("SELECT hubapp_high_water()").fetchone()[0]
                    count = stream.load(conn)
                    slow = stream.fetch_slow(conn)
                    conflicts = conn.execute(
                        "SELECT id, tbl, row_id, field, base, kept, other, other_station,"
                        " detected_at FROM station_conflict WHERE resolved_at IS NULL"
                    ).fetchall()
                phases = {"copy": time.perf_counter()}
                count += stream.apply_slow(slow)
                # the indexes' sorts may use the other cores (the server is done by now)
                raw.execute(f"PRAGMA threads = {min(4, (os.cpu_count() or 1) - 1)}")
                upkeep.restore()
                phases["indexes"] = time.perf_counter()
                applier.set_aside_bad_rows()
                for c in conflicts:
                    fields = {
                        "id": c[0].hex,
                        "field": c[3],
                        "base": c[4],
                        "kept": c[5],
                        "other": c[6],
                        "station": _hex(c[7]) or "",
                        "at": str(c[8]),
                    }
                    why = inbound.entry_problem(c[1], c[2].hex, "conflict", fields)
                    if why:
                        inbound.set_aside(cur, None, c[1], c[2].hex, "conflict", fields, why)
                        continue
                    applier.conflict(
                        c[0].hex, c[1], c[2].hex, c[3], c[4], c[5], c[6], c[7], str(c[8])
                    )
                applier.finish(conn)
                phases["check"] = time.perf_counter()
                self._save_cursor(s, high)
            finally:
                raw.execute(f"PRAGMA cache_size = {int(old_cache)}")
                raw.execute("PRAGMA threads = 0")
        phases["commit"] = time.perf_counter()
        # durable now, and moved into the database file by this background work rather than
        # by the next person's save (the automatic checkpoint after a commit would do it)
        self.store.checkpoint()
        phases["checkpoint"] = time.perf_counter()
        marks = [started, *phases.values()]
        log.info("First copy of %s rows (%s the slow way): %s", count, len(slow), ", ".join(
            f"{name} {b - a:.2f} s" for name, a, b in zip(phases, marks[:-1], marks[1:], strict=True)
        ))  # fmt: skip
        return count

    def _apply_changes(self, conn, rows) -> int:
        """Apply one batch of the change log in one SQLite transaction with the new cursor.

        Every entry is checked first (``inbound``): one that breaks a rule is set aside with
        why and the rest go on. Parents the entries point at that this station lacks are
        fetched from central before anything is written; an entry whose parent cannot be had
        is set aside too. Each change that alters a record here is in the audit log, with the
        station it came from."""
        with self.store.write(reason="sync: pulled from central") as s:
            applier = _Apply(self, s)
            entries = applier.admit(rows)
            entries = applier.prefetch(conn, entries)
            for change_id, tbl, rid, kind, fields, station in entries:
                if (
                    station == self.station_id
                    and kind in ("insert", "update")
                    and applier.holds(tbl, rid, fields)
                ):
                    # this station's own change coming back, and the row still as it sent
                    # it: nothing to write (a field central kept otherwise comes as its own
                    # "conflict" entry); rewriting it cost a write per row
                    continue
                if kind in ("insert", "snapshot"):
                    applier.upsert_many(tbl, [(rid, fields)])
                elif kind == "update":
                    applier.update(tbl, rid, fields)
                elif kind == "forget":
                    if not applier.forget(tbl, rid, change_id=change_id, station=station):
                        continue
                elif kind == "conflict":
                    applier.conflict(
                        fields["id"], tbl, rid, fields["field"], fields.get("base"),
                        fields.get("kept"), fields.get("other"), fields.get("station"),
                        fields.get("at", ""), fields.get("meta"),
                    )  # fmt: skip
                elif kind == "resolve":
                    applier.resolved(fields["id"])
                applier.pulled(station, kind, tbl, rid)
            applier.finish(conn)
            self._save_cursor(s, rows[-1][0])
        return len(rows)


class _Apply:
    """Writes pulled rows into the local store, inside one write transaction, uncaptured."""

    def __init__(self, syncer: Syncer, session) -> None:
        self.sy = syncer
        self.s = session
        self.cur = session.connection().connection.driver_connection.cursor()
        self.cur.execute(
            "INSERT OR IGNORE INTO local_setting (key, value) VALUES (?, '1')",
            (capture.APPLYING_KEY,),
        )
        self.cur.execute("PRAGMA defer_foreign_keys = ON")
        pending: dict[tuple[str, str], set[str]] = defaultdict(set)
        for tbl, rid, _kind, fields in self.cur.execute(
            "SELECT tbl, row_id, kind, fields FROM sync_outbox"
        ).fetchall():
            pending[(tbl, rid)].update(json.loads(fields).keys())
        self.pending = pending
        self.counts: dict[str, int] = defaultdict(int)
        self.missing: dict[str, set[str]] = defaultdict(set)
        #: rows written and deleted by this batch (their foreign keys are checked at the end)
        self.touched: dict[str, set[str]] = defaultdict(set)
        self.forgotten: dict[str, set[str]] = defaultdict(set)
        #: check every row's foreign keys (the first copy, which writes everything)
        self.full_check = False
        self._next_seq: int | None = None
        #: references given to cases in this transaction (reference -> case id)
        self.claimed: dict[str, str] = {}
        #: what this batch changed here, for the audit log: (station, kind, table) -> ids
        self.changed: dict[tuple[str, str, str], set[str]] = defaultdict(set)

    # -- checking what arrives ----------------------------------------------------------
    def admit(self, rows) -> list[tuple]:
        """The change-log entries that pass ``inbound``'s rules, as (change id, table, row
        id, kind, fields, station); the others are set aside with why."""
        out = []
        for change_id, tbl, row_id, kind, fields, station in rows:
            rid = row_id.hex if isinstance(row_id, uuid.UUID) else row_id
            why = inbound.entry_problem(tbl, rid, kind, fields)
            if why:
                inbound.set_aside(
                    self.cur,
                    change_id,
                    tbl,
                    rid,
                    kind,
                    fields,
                    why,
                    _hex(station) if isinstance(station, uuid.UUID) else station,
                )
                continue
            out.append((change_id, tbl, rid, kind, fields, station))
        return out

    def prefetch(self, conn, entries: list[tuple]) -> list[tuple]:
        """Fetch from central the rows the entries point at that this station lacks, and set
        aside each entry pointing at something that cannot be had (reference data this
        version does not know, a row central does not show this station); the entries left."""
        while True:
            made = {(e[1], e[2]) for e in entries if e[3] in ("insert", "snapshot")}
            wants: dict[int, list[tuple[str, str, str]]] = {}
            for i, (_c, tbl, _rid, kind, fields, _st) in enumerate(entries):
                if kind not in ("insert", "snapshot", "update"):
                    continue
                refs = [(col, parent, fields[col]) for col, parent, _pcol in _fks(tbl)
                        if isinstance(fields.get(col), str)]  # fmt: skip
                if refs:
                    wants[i] = refs
            needed = {(p, v) for refs in wants.values() for _c, p, v in refs} - made
            lacking = needed - self._present(needed)
            if lacking:
                lacking -= self._fetch(conn, lacking)
            if not lacking:
                return entries
            keep = []
            for i, entry in enumerate(entries):
                gone = [(c, p) for c, p, v in wants.get(i, ()) if (p, v) in lacking]
                if gone:
                    col, parent = gone[0]
                    inbound.set_aside(
                        self.cur, entry[0], entry[1], entry[2], entry[3], entry[4],
                        f"its {col} names a {parent} this station does not have and central "
                        "did not send", _hex(entry[5]),
                    )  # fmt: skip
                    continue
                keep.append(entry)
            if len(keep) == len(entries):
                return entries
            entries = keep  # what the set-aside entries would have made is missing now

    def _present(self, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
        by_table: dict[str, list[str]] = defaultdict(list)
        for tbl, rid in wanted:
            by_table[tbl].append(rid)
        found = set()
        for tbl, ids in by_table.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                found |= {(tbl, r[0]) for r in self.cur.execute(
                    f'SELECT id FROM "{tbl}" WHERE id IN ({marks})', chunk)}  # fmt: skip
        return found

    def _fetch(self, conn, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Fetch whole rows central shows this station (and, up to three levels, what they
        point at); write the ones that pass the rules; the (table, id) written."""
        got: set[tuple[str, str]] = set()
        rows_by_table: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        todo = {(t, v) for t, v in wanted if t in inbound.columns()}
        for _round in range(3):
            if not todo:
                break
            with conn.transaction():
                rows = conn.execute(
                    "SELECT tbl, id, fields FROM station_record WHERE id = ANY(%s)",
                    ([uuid.UUID(v) for _t, v in todo],),
                ).fetchall()
            nxt: set[tuple[str, str]] = set()
            for tbl, rid, fields in rows:
                key = (tbl, rid.hex)
                if key not in todo or key in got:
                    continue
                known = self._known(tbl, fields)
                why = inbound.fields_problem(tbl, known)
                if why:
                    inbound.set_aside(self.cur, None, tbl, rid.hex, "fetch", fields, why)
                    continue
                got.add(key)
                rows_by_table[tbl].append((rid.hex, fields))
                for col, parent, _pcol in _fks(tbl):
                    value = known.get(col)
                    if isinstance(value, str) and parent in inbound.columns():
                        nxt.add((parent, value))
            nxt -= got
            todo = nxt - self._present(nxt)
        order = capture.captured_tables()
        for tbl in sorted(rows_by_table, key=order.index):
            self.upsert_many(tbl, rows_by_table[tbl])
            for rid, _f in rows_by_table[tbl]:
                self.changed[("central", "insert", tbl)].add(rid)
        return got

    def set_aside_bad_rows(self) -> None:
        """First copy: the rows that break the rules are taken out again and set aside."""
        for tbl in reversed(capture.captured_tables()):
            for rid, why in self.cur.execute(inbound.bad_rows_sql(tbl)).fetchall():
                self.cur.execute(f'DELETE FROM "{tbl}" WHERE id = ?', (rid,))
                inbound.set_aside(self.cur, None, tbl, rid, "copy", {}, why)
                self.counts[tbl] -= 1

    def pulled(self, station, kind: str, tbl: str, rid: str) -> None:
        """Note a change applied here, for the audit log."""
        who = _hex(station) if isinstance(station, uuid.UUID) else (station or "")
        self.changed[(who, kind, tbl)].add(rid)

    def holds(self, tbl: str, rid: str, fields: dict) -> bool:
        """Whether the row here still carries the record-keeping values of ``fields`` (every
        change sets them: a row changed by anything since has others)."""
        if not self.sy.columns(tbl) or any(m not in fields for m in capture.META_COLUMNS):
            return False
        meta = sorted(capture.META_COLUMNS)
        row = self.cur.execute(
            f'SELECT {", ".join(meta)} FROM "{tbl}" WHERE id = ?', (rid,)
        ).fetchone()
        return row is not None and list(row) == [fields[m] for m in meta]

    def _seq(self) -> int:
        if self._next_seq is None:
            self._next_seq = self.cur.execute("SELECT max(seq) FROM case_").fetchone()[0] or 0
        self._next_seq += 1
        return self._next_seq

    def _free_reference(self, rid: str, reference: str) -> str:
        """``reference``, or ``reference/2`` (``/3``...) when another case here has it.

        Two stations of one hub without distinct prefixes (``station.ref_prefix``) can number
        two cases alike. The pull must not stop on that: the arriving case is stored here
        under the next free ``/N`` form (only on this station: the change is not captured, the
        central record keeps the original) and the summary says so, so a person can tell
        the two apart and give the stations prefixes."""
        n, candidate = 1, reference
        while True:
            holder = self.claimed.get(candidate)
            if holder is None:
                row = self.cur.execute(
                    "SELECT id FROM case_ WHERE reference = ?", (candidate,)
                ).fetchone()
                holder = row[0] if row else None
            if holder in (None, rid):
                self.claimed[candidate] = rid
                if candidate != reference:
                    self.sy.renamed.append((reference, candidate))
                    log.warning("Case reference %s is already used here; the case arriving "
                                "from central is shown as %s", reference, candidate)  # fmt: skip
                return candidate
            n += 1
            candidate = f"{reference}/{n}"

    def _known(self, tbl: str, fields: dict) -> dict:
        cols = set(self.sy.columns(tbl))
        return {k: v for k, v in fields.items() if k in cols and k not in capture.LOCAL_COLUMNS}

    def upsert_many(self, tbl: str, rows: list[tuple[str, dict]]) -> None:
        """Insert or update whole rows. A column the record lacks (it was written by a
        station whose schema did not have it yet) takes the column's default on insert and
        is left alone on update."""
        if not rows or not self.sy.columns(tbl):
            return
        defaults = {c: v() if callable(v) else v for c, v in _defaults(tbl).items()}
        groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[tuple]] = defaultdict(list)
        for rid, fields in rows:
            f = self._known(tbl, fields)
            skip = self.pending.get((tbl, rid))
            exists = None
            if skip:
                exists = self.cur.execute(f'SELECT 1 FROM "{tbl}" WHERE id = ?', (rid,)).fetchone()
                if exists:
                    f = {k: v for k, v in f.items() if k not in skip or k in capture.META_COLUMNS}
            if tbl == "case_" and f.get("reference"):
                f["reference"] = self._free_reference(rid, f["reference"])
            sets = tuple(sorted(f))
            lacking = tuple(sorted(c for c in defaults if c not in f))
            groups[(sets, lacking)].append(
                (rid, *(f[c] for c in sets), *(defaults[c] for c in lacking))
            )
            self.counts[tbl] += 1
            self.touched[tbl].add(rid)
        for (cols, lacking), values in groups.items():
            names = ", ".join(f'"{c}"' for c in (*cols, *lacking))
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in cols)
            if tbl == "case_":
                values = [(*v, self._seq()) for v in values]
                extra_cols, extra_marks = ', "seq"', ", ?"
            else:
                extra_cols = extra_marks = ""
            marks = ", ".join("?" for _ in (*cols, *lacking))
            self.cur.executemany(
                f'INSERT INTO "{tbl}" (id, {names}, row_version{extra_cols}) '
                f"VALUES (?, {marks}, 1{extra_marks}) ON CONFLICT (id) DO UPDATE SET {sets}, "
                f"row_version = row_version + 1",
                values,
            )

    def update(self, tbl: str, rid: str, fields: dict) -> None:
        if not self.sy.columns(tbl):
            return
        f = self._known(tbl, fields)
        skip = self.pending.get((tbl, rid), set())
        f = {k: v for k, v in f.items() if k not in skip or k in capture.META_COLUMNS}
        self.counts[tbl] += 1
        self.touched[tbl].add(rid)
        if not f:
            return
        if tbl == "case_" and f.get("reference"):
            f["reference"] = self._free_reference(rid, f["reference"])
        sets = ", ".join(f'"{c}" = ?' for c in f)
        self.cur.execute(
            f'UPDATE "{tbl}" SET {sets}, row_version = row_version + 1 WHERE id = ?',
            (*f.values(), rid),
        )
        if self.cur.rowcount == 0:
            self.missing[tbl].add(rid)

    def forget(self, tbl: str, rid: str, *, change_id: int | None = None,
               station=None) -> bool:  # fmt: skip
        """Delete a row central no longer shows this station; whether it was deleted.

        A row another local row still points at is kept: people, places and meetings quietly
        (this hub's own rows use them), anything else set aside with why, so that a forget
        never leaves a dangling row and never stops the pull."""
        if not self.sy.columns(tbl):
            return False
        for child, col in _referrers(tbl):
            if self.cur.execute(
                f'SELECT 1 FROM "{child}" WHERE "{col}" = ? LIMIT 1', (rid,)
            ).fetchone():
                if tbl not in ("person", "place", "meeting"):
                    inbound.set_aside(
                        self.cur, change_id, tbl, rid, "forget", {},
                        f"a {child} here still points at it", _hex(_u(station)),
                    )  # fmt: skip
                return False
        self.cur.execute(f'DELETE FROM "{tbl}" WHERE id = ?', (rid,))
        deleted = self.cur.rowcount > 0
        self.counts[f"forget {tbl}"] += 1
        self.forgotten[tbl].add(rid)
        self.touched[tbl].discard(rid)
        return deleted

    def conflict(self, cid, tbl, rid, fld, base, kept, other, station, at, meta=None) -> None:
        self.cur.execute(
            "INSERT OR IGNORE INTO sync_conflict (id, tbl, row_id, field, base_value, kept_value,"
            " other_value, other_station, detected_at, resolved) VALUES (?,?,?,?,?,?,?,?,?,0)",
            (cid, tbl, rid, fld, json.dumps(base), json.dumps(kept), json.dumps(other),
             _hex(_u(station)) or "", at),
        )  # fmt: skip
        if fld in self.sy.columns(tbl) and fld not in self.pending.get((tbl, rid), set()):
            self.cur.execute(f'UPDATE "{tbl}" SET "{fld}" = ? WHERE id = ?', (kept, rid))
        if meta and self.sy.columns(tbl):
            self.update(tbl, rid, meta)

    def resolved(self, cid: str) -> None:
        self.cur.execute("UPDATE sync_conflict SET resolved = 1 WHERE id = ?", (cid,))

    def _dangling(self) -> list[tuple[str, str, str, str, str | None]]:
        """(table, row id, column, parent table, missing parent id) for each foreign key left
        dangling (the parent id is None where a forgotten row is still pointed at).

        Only the rows this batch wrote and the rows it deleted are checked (a whole-database
        ``PRAGMA foreign_key_check`` would make every small pull cost as much as the
        database is large); the first copy, which writes everything, checks everything."""
        out: list[tuple[str, str, str, str, str | None]] = []
        if self.full_check:
            tables = {(t, p) for t, _r, p, _f in self.cur.execute("PRAGMA foreign_key_check")}
            for tbl, parent in sorted(tables):
                for col, _parent, pcol in _fks(tbl):
                    if _parent != parent:
                        continue
                    for rid, pid in self.cur.execute(
                        f'SELECT c.id, c."{col}" FROM "{tbl}" c WHERE c."{col}" IS NOT NULL'
                        f' AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p."{pcol}" = c."{col}")'
                    ).fetchall():
                        out.append((tbl, rid, col, parent, pid))
            return out
        for tbl, ids in self.touched.items():
            fks = _fks(tbl)
            if not fks:
                continue
            id_list = sorted(ids)
            for start in range(0, len(id_list), 500):
                chunk = id_list[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                for col, parent, pcol in fks:
                    for rid, pid in self.cur.execute(
                        f'SELECT c.id, c."{col}" FROM "{tbl}" c WHERE c.id IN ({marks})'
                        f' AND c."{col}" IS NOT NULL AND NOT EXISTS'
                        f' (SELECT 1 FROM "{parent}" p WHERE p."{pcol}" = c."{col}")',
                        chunk,
                    ).fetchall():
                        out.append((tbl, rid, col, parent, pid))
        for tbl, ids in self.forgotten.items():
            id_list = sorted(ids)
            for child, col in _referrers(tbl):
                for start in range(0, len(id_list), 500):
                    chunk = id_list[start : start + 500]
                    marks = ", ".join("?" * len(chunk))
                    for (rid,) in self.cur.execute(
                        f'SELECT id FROM "{child}" WHERE "{col}" IN ({marks})', chunk
                    ).fetchall():
                        out.append((child, rid, col, tbl, None))
        return out

    def _drop_dangling(self) -> None:
        """Rows still pointing at what this station cannot have are taken out and set aside
        (after the parents central could send were fetched), so the pull commits the rest."""
        while dangling := self._dangling():
            seen = set()
            for tbl, rid, col, parent, _pid in dangling:
                if (tbl, rid) in seen:
                    continue
                seen.add((tbl, rid))
                self.cur.execute(f'DELETE FROM "{tbl}" WHERE id = ?', (rid,))
                inbound.set_aside(
                    self.cur, None, tbl, rid, "copy" if self.full_check else "fetch", {},
                    f"its {col} names a {parent} this station does not have",
                )  # fmt: skip
                self.touched[tbl].discard(rid)
                self.forgotten[tbl].add(rid)
                for key in [k for k in self.changed if k[2] == tbl]:
                    self.changed[key].discard(rid)
            if self.full_check:
                self.full_check = False  # from now on, only what the deletions touched
                self.touched.clear()

    def finish(self, conn) -> None:
        """Fetch whole rows the batch needed but this station lacked, set aside what still
        points nowhere, write the audit entries, close up."""
        for _round in range(3):
            need = {(tbl, i) for tbl, ids in self.missing.items() for i in ids}
            self.missing.clear()
            need |= {(parent, pid) for _t, _r, _c, parent, pid in self._dangling()
                     if pid is not None}  # fmt: skip
            need = {n for n in need if n[0] in inbound.columns()}
            if not need or not self._fetch(conn, need):
                break
        first_copy = self.full_check
        self._drop_dangling()
        self.cur.execute("DELETE FROM local_setting WHERE key = ?", (capture.APPLYING_KEY,))
        if first_copy and self.counts:
            audit.record(
                self.s, audit.Kind.COLLECTION, "sync", [], {"from": "central", **self.counts},
                reason="sync: first copy from central",
            )  # fmt: skip
        names = self._station_names()
        for (station, kind, tbl), ids in sorted(self.changed.items()):
            if not ids:
                continue
            audit.record(
                self.s, _AUDIT_KINDS[kind], tbl, sorted(ids),
                {"from": "central", "station": station, "station_name": names.get(station, ""),
                 "change": kind},
                reason="sync: pulled from central",
            )  # fmt: skip
        self.cur.close()

    def _station_names(self) -> dict[str, str]:
        wanted = {k[0] for k in self.changed if k[0] and k[0] != "central"}
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        return dict(self.cur.execute(
            f"SELECT id, name FROM station WHERE id IN ({marks})", sorted(wanted)).fetchall())  # fmt: skip


#: how each kind of pulled change is written in the audit log
_AUDIT_KINDS = {
    "insert": audit.Kind.COLLECTION, "snapshot": audit.Kind.COLLECTION,
    "update": audit.Kind.ALTERATION, "conflict": audit.Kind.ALTERATION,
    "resolve": audit.Kind.ALTERATION, "forget": audit.Kind.ERASURE,
}  # fmt: skip


class _Stream:
    """The first copy's rows, split into columns by PostgreSQL and streamed into SQLite.

    One ``COPY`` per table, parents first, all in the caller's snapshot. PostgreSQL, which
    holds the fields as parsed ``jsonb``, writes each row as the table's columns in a fixed
    order (``->>``, so every value arrives as text or NULL, which the column's affinity
    stores as the station stored it) and flags whether the record carries every column this
    station has. Python hands the rows straight to ``executemany``: no JSON is parsed on the
    station and nothing is held whole in memory. (Splitting the JSON in SQLite instead, as
    an earlier version did, re-parses a row's JSON for each of its columns and took three
    times as long.)

    A row goes the slow way, through ``_Apply.upsert_many`` with its JSON fetched by id in
    the same snapshot, when it lacks a column this station has (a central record older than a
    local column), when a local change to it is pending, or when it is a case whose reference
    another case already has here (which ``upsert_many`` numbers apart).
    """

    def __init__(self, applier: _Apply) -> None:
        self.ap = applier
        self.cur = applier.cur
        self.columns = {
            tbl: [
                c for c in applier.sy.columns(tbl) if c != "id" and c not in capture.LOCAL_COLUMNS
            ]
            for tbl in capture.captured_tables()
        }
        self.columns = {t: cols for t, cols in self.columns.items() if cols}
        self.slow: list[str] = []
        self.pending = {(tbl, rid) for tbl, rid in applier.pending}
        self.statements = {}
        for tbl, cols in self.columns.items():
            names = ", ".join(f'"{c}"' for c in cols)
            marks = ", ".join("?" * len(cols))
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in cols)
            seq_col, seq_mark = (', "seq"', ", ?") if tbl == "case_" else ("", "")
            self.statements[tbl] = (
                f'INSERT INTO "{tbl}" (id, {names}, row_version{seq_col}) '
                f"VALUES (?, {marks}, 1{seq_mark}) ON CONFLICT (id) DO UPDATE SET {sets}, "
                "row_version = row_version + 1"
            )

    def copy_sql(self, tbl: str):
        """The COPY of one table's visible records: id, every column, and ``whole`` (the
        record has every column this station has; PostgreSQL checks it on the parsed JSON)."""
        from psycopg import sql

        cols = self.columns[tbl]
        return sql.SQL(
            "COPY (SELECT replace(id::text, '-', ''), {}, fields ?& {} FROM station_record"
            " WHERE tbl = {}) TO STDOUT"
        ).format(
            sql.SQL(", ").join(sql.SQL("fields ->> {}").format(sql.Literal(c)) for c in cols),
            sql.Literal(cols),
            sql.Literal(tbl),
        )

    def load(self, conn) -> int:
        """Copy every table, parents first, writing the fast rows as they arrive and keeping
        the slow rows' ids; the rows written. Call inside the snapshot's transaction.

        Parents first matters: with foreign keys deferred and the child tables' indexes
        dropped, every parent row arriving after an orphaned child would make SQLite scan the
        child table."""
        written = 0
        for tbl in self.columns:
            self.counted = 0
            refs: dict[str, str] = {}
            seq = 0
            if tbl == "case_":  # read before the cursor is busy with the inserts
                refs = dict(self.cur.execute("SELECT reference, id FROM case_").fetchall())
                seq = self.cur.execute("SELECT coalesce(max(seq), 0) FROM case_").fetchone()[0]
            fast = functools.partial(self._fast, tbl, refs, seq)
            for batch in _read_ahead(conn, self.copy_sql(tbl), fast):
                self.cur.executemany(self.statements[tbl], batch)
            self.ap.counts[tbl] += self.counted
            written += self.counted
        self.ap._next_seq = None  # the slow path numbers after the rows just written
        return written

    def _fast(self, tbl: str, refs: dict[str, str], seq: int, rows):
        """The rows of ``tbl`` that go the fast way, as statement parameters (with ``seq``
        for a case, numbered after ``seq``; ``refs``: the references cases here have); the
        others' ids go to ``self.slow``."""
        pending, slow = self.pending, self.slow
        end = len(self.columns[tbl]) + 1  # id, the columns; then the "whole" flag
        if tbl != "case_":
            for row in rows:
                if row[end] != "t" or (pending and (tbl, row[0]) in pending):
                    slow.append(row[0])
                    continue
                self.counted += 1
                yield row[:end]
            return
        ref_at = 1 + self.columns[tbl].index("reference")
        for row in rows:
            rid, ref = row[0], row[ref_at]
            if (
                row[end] != "t"
                or (pending and (tbl, rid) in pending)
                or (ref is not None and refs.setdefault(ref, rid) != rid)
            ):
                slow.append(rid)
                continue
            seq += 1
            self.counted += 1
            yield (*row[:end], seq)

    def fetch_slow(self, conn) -> list[tuple[str, str, dict]]:
        """The slow rows' JSON, read in the copy's snapshot (call inside its transaction)."""
        out = []
        for start in range(0, len(self.slow), INITIAL_BATCH):
            ids = [uuid.UUID(h) for h in self.slow[start : start + INITIAL_BATCH]]
            out += [
                (tbl, rid.hex, fields)
                for tbl, rid, fields in conn.execute(
                    "SELECT tbl, id, fields FROM station_record WHERE id = ANY(%s)", (ids,)
                ).fetchall()
            ]
        return out

    def apply_slow(self, rows: list[tuple[str, str, dict]]) -> int:
        by_table: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        for tbl, rid, fields in rows:
            by_table[tbl].append((rid, fields))
        for tbl in capture.captured_tables():
            self.ap.upsert_many(tbl, by_table.get(tbl, []))
        return len(rows)


def _read_ahead(conn, copy_sql, fast):
    """The batches of one ``COPY``, read and sorted (``fast``) by a second thread while this
    one writes the previous batches into SQLite.

    The two overlap because SQLite lets go of Python's interpreter lock while it writes and
    psycopg while it waits for the network. The reader stops at the first error on either
    side (``conn``'s transaction is then rolled back by the caller)."""
    out: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()
    done = object()

    def read() -> None:
        try:
            with conn.cursor() as pg, pg.copy(copy_sql) as copy:
                batch: list = []
                for params in fast(copy.rows()):
                    batch.append(params)
                    if len(batch) >= INITIAL_BATCH:
                        out.put(batch)
                        batch = []
                        if stop.is_set():
                            return
                out.put(batch)
            out.put(done)
        except BaseException as exc:  # handed to the writing thread, raised there
            out.put(exc)

    reader = threading.Thread(target=read, name="sync first copy", daemon=True)
    reader.start()
    try:
        while (item := out.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full queue
            try:
                out.get(timeout=0.1)
            except queue.Empty:
                pass
        reader.join()


class _BulkUpkeep:
    """Drops the full-text trigger, the capture triggers and the non-unique indexes of
    ``tables``; ``restore`` puts them back from their own SQL and indexes the cases that
    arrived, in one statement each."""

    SEARCH_TRIGGER = "case_search_ai"

    def __init__(self, cur, tables: list[str]) -> None:
        self.cur = cur
        self.first_seq = (cur.execute("SELECT max(seq) FROM case_").fetchone()[0] or 0) + 1
        marks = ", ".join("?" * len(tables))
        self.saved = cur.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
            f"(type = 'index' AND tbl_name IN ({marks})) OR (type = 'trigger' AND (name = ?"
            f" OR (name LIKE 'sync^_capture^_%' ESCAPE '^' AND tbl_name IN ({marks})))))"
            " ORDER BY type, name",
            (*tables, self.SEARCH_TRIGGER, *tables),
        ).fetchall()
        for kind, name, _sql in self.saved:
            cur.execute(f'DROP {kind.upper()} "{name}"')

    def restore(self) -> None:
        for _kind, _name, sql in self.saved:
            self.cur.execute(sql)
        if any(name == self.SEARCH_TRIGGER for _k, name, _s in self.saved):
            searched = ", ".join(
                r[1] for r in self.cur.execute("PRAGMA table_info(case_search)").fetchall()
            )
            self.cur.execute(
                f"INSERT INTO case_search (rowid, {searched}) "
                f"SELECT seq, {searched} FROM case_ WHERE seq >= ? ORDER BY seq",
                (self.first_seq,),
            )


@functools.cache
def _defaults(table: str) -> dict[str, Any]:
    """Each column's default (the model's), for a record that lacks the column: constants as
    they are, a clock default as a function giving the current time in stored form."""
    from hubapp.store.schema import Base

    t = Base.metadata.tables.get(table)
    out: dict[str, Any] = {}
    for col in t.columns if t is not None else ():
        default = col.default
        if col.name == "id" or col.name in capture.LOCAL_COLUMNS or default is None:
            continue
        if default.is_scalar:
            value = default.arg
            out[col.name] = value.value if isinstance(value, Enum) else value
        elif default.is_callable and isinstance(col.type, DateTime):
            out[col.name] = _now_text
    return out


def _now_text() -> str:
    return utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")


def _referrers(table: str) -> list[tuple[str, str]]:
    from hubapp.store.schema import Base

    out = []
    for t in Base.metadata.sorted_tables:
        for fk in t.foreign_keys:
            if fk.column.table.name == table:
                out.append((t.name, fk.parent.name))
    return out


def _fks(table: str) -> list[tuple[str, str, str]]:
    """(column, parent table, parent column) of each foreign key of ``table``."""
    from hubapp.store.schema import Base

    t = Base.metadata.tables.get(table)
    if t is None:
        return []
    return [(fk.parent.name, fk.column.table.name, fk.column.name) for fk in t.foreign_keys]
