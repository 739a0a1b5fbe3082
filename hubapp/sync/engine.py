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
from hubapp.store import audit, setup
from hubapp.store.database import StoreError
from hubapp.sync import capture, refusals
from hubapp.sync.central import STATION_SCHEMA, VERSION_TABLE, CentralError, _first_line, connect

log = logging.getLogger(__name__)

LOCK_KEY = 7_246_873_001
#: same field edited on two sides: the later push wins, no conflict
APPEND_ONLY = frozenset(
    {"note", "action", "case_status_change", "meeting_decision", "intervention_breach"}
)
#: foreign keys to reference data: identical everywhere, never needed for visibility
_REFERENCE_FKS = frozenset(
    {"category_id", "channel_id", "agency_id", "lead_agency_id", "intervention_type_id",
     "agency_type_id", "hub_id", "case_id", "station_id"}
)  # fmt: skip
_PARENTS = ("intervention_id", "meeting_id")
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
        #: whether the central database carries erasures (held here until it does)
        self.erasures = False
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
            self.conn = connect(self.url, timeout=self.timeout)
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
        from hubapp.store import demo

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
        if revision not in ("c0001", None):
            self._take_ref_prefix(conn)
        # erasures need hubapp_erase (c0004); a central database newer than this app has it
        self.erasures = revision not in (None, "c0001", "c0002", "c0003")
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
        with self.store.engine.connect() as c:
            ops = c.exec_driver_sql(
                "SELECT seq, op_id, tbl, row_id, kind, fields FROM sync_outbox"
                " WHERE ? OR kind <> 'erase' ORDER BY seq LIMIT ?",
                (self.erasures, PUSH_BATCH),
            ).fetchall()
            if not self.erasures:
                held = c.exec_driver_sql(
                    "SELECT count(*) FROM sync_outbox WHERE kind = 'erase'"
                ).scalar_one()
                if held and not any("erasure" in w for w in summary.warnings):
                    summary.warnings.append(
                        f"{held} erasure(s) wait here until the central database is updated "
                        "('hubapp central init' with this version)."
                    )
        if not ops:
            return False
        refused: list[tuple] = []
        with conn.transaction():
            result = _Push(conn, self.station_id, self.hub_id).apply(ops)
        refused = result.refused
        summary.refused += len(refused)
        summary.pushed += result.applied
        last = ops[-1][0]
        with self.store.write(reason="sync: pushed to central") as s:
            if self.erasures:
                s.execute(text("DELETE FROM sync_outbox WHERE seq <= :l"), {"l": last})
            else:  # the held erasures stay
                s.execute(
                    text("DELETE FROM sync_outbox WHERE seq <= :l AND kind <> 'erase'"),
                    {"l": last},
                )
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
            log.warning("Central refused change %s to %s %s", op[0], op[1], op[2])
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
                    "SELECT id, tbl, row_id, kind, fields, station_id FROM change WHERE id > %s "
                    "ORDER BY id LIMIT %s",
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
                        " detected_at FROM conflict WHERE resolved_at IS NULL"
                    ).fetchall()
                phases = {"copy": time.perf_counter()}
                count += stream.apply_slow(slow)
                # the indexes' sorts may use the other cores (the server is done by now)
                raw.execute(f"PRAGMA threads = {min(4, (os.cpu_count() or 1) - 1)}")
                upkeep.restore()
                phases["indexes"] = time.perf_counter()
                for c in conflicts:
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
        with self.store.write(reason="sync: pulled from central") as s:
            applier = _Apply(self, s)
            for _cid, tbl, row_id, kind, fields, station in rows:
                rid = row_id.hex
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
                    applier.forget(tbl, rid)
                elif kind == "conflict":
                    applier.conflict(
                        fields["id"], tbl, rid, fields["field"], fields.get("base"),
                        fields.get("kept"), fields.get("other"), fields.get("station"),
                        fields.get("at", ""), fields.get("meta"),
                    )  # fmt: skip
                elif kind == "resolve":
                    applier.resolved(fields["id"])
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

    def forget(self, tbl: str, rid: str) -> None:
        if not self.sy.columns(tbl):
            return
        if tbl in ("person", "place", "meeting"):
            # kept while another local row still points at it
            for child, col in _referrers(tbl):
                if self.cur.execute(
                    f'SELECT 1 FROM "{child}" WHERE "{col}" = ? LIMIT 1', (rid,)
                ).fetchone():
                    return
        self.cur.execute(f'DELETE FROM "{tbl}" WHERE id = ?', (rid,))
        self.counts[f"forget {tbl}"] += 1
        self.forgotten[tbl].add(rid)
        self.touched[tbl].discard(rid)

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

    def _dangling(self) -> list[tuple[str, str, str | None]]:
        """(table, parent table, missing parent id) for each foreign key left dangling.

        Only the rows this batch wrote and the rows it deleted are checked (a whole-database
        ``PRAGMA foreign_key_check`` would make every small pull cost as much as the
        database is large); the first copy, which writes everything, checks everything."""
        out: list[tuple[str, str, str | None]] = []
        if self.full_check:
            tables = {(t, p) for t, _r, p, _f in self.cur.execute("PRAGMA foreign_key_check")}
            for tbl, parent in sorted(tables):
                for col, _parent, pcol in _fks(tbl):
                    if _parent != parent:
                        continue
                    for (pid,) in self.cur.execute(
                        f'SELECT DISTINCT c."{col}" FROM "{tbl}" c WHERE c."{col}" IS NOT NULL'
                        f' AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p."{pcol}" = c."{col}")'
                    ):
                        out.append((tbl, parent, pid))
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
                    for (pid,) in self.cur.execute(
                        f'SELECT DISTINCT c."{col}" FROM "{tbl}" c WHERE c.id IN ({marks})'
                        f' AND c."{col}" IS NOT NULL AND NOT EXISTS'
                        f' (SELECT 1 FROM "{parent}" p WHERE p."{pcol}" = c."{col}")',
                        chunk,
                    ):
                        out.append((tbl, parent, pid))
        for tbl, ids in self.forgotten.items():
            id_list = sorted(ids)
            for child, col in _referrers(tbl):
                for start in range(0, len(id_list), 500):
                    chunk = id_list[start : start + 500]
                    marks = ", ".join("?" * len(chunk))
                    if self.cur.execute(
                        f'SELECT 1 FROM "{child}" WHERE "{col}" IN ({marks}) LIMIT 1', chunk
                    ).fetchone():
                        out.append((child, tbl, None))
        return out

    def finish(self, conn) -> None:
        """Fetch whole rows the batch needed but this station lacked, then close up."""
        for _round in range(3):
            need: dict[str, set[str]] = defaultdict(set)
            for tbl, ids in self.missing.items():
                need[tbl] |= ids
            self.missing.clear()
            dangling = self._dangling()
            for _tbl, parent, pid in dangling:
                if pid is not None:
                    need[parent].add(pid)
            if not need:
                break
            ids = [uuid.UUID(i) for v in need.values() for i in v]
            with conn.transaction():
                rows = conn.execute(
                    "SELECT tbl, id, fields FROM record WHERE id = ANY(%s)", (ids,)
                ).fetchall()
            by_table: dict[str, list] = defaultdict(list)
            for tbl, rid, fields in rows:
                by_table[tbl].append((rid.hex, fields))
            order = capture.captured_tables()
            for tbl in sorted(by_table, key=lambda t: order.index(t) if t in order else 99):
                self.upsert_many(tbl, by_table[tbl])
            if not rows:
                break
        # nothing fetched in the last round: what was dangling then still is (no second
        # whole-database check after the first copy)
        problems = dangling if not need else self._dangling()
        if problems:
            tbl, parent, _pid = problems[0]
            raise StoreError(
                f"The central database sent a {tbl} row whose {parent} this station cannot see; "
                "nothing from this batch was kept. Ask an administrator to check the sharing."
            )
        self.cur.execute("DELETE FROM local_setting WHERE key = ?", (capture.APPLYING_KEY,))
        if self.counts:
            audit.record(
                self.s, audit.Kind.COLLECTION, "sync", [], {"from": "central", **self.counts},
                reason="sync: pulled from central",
            )  # fmt: skip
        self.cur.close()


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
            "COPY (SELECT replace(id::text, '-', ''), {}, fields ?& {} FROM record"
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
                    "SELECT tbl, id, fields FROM record WHERE id = ANY(%s)", (ids,)
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


class _Push:
    """The central side of one push batch (runs inside the caller's PostgreSQL transaction)."""

    def __init__(self, conn, station_id: uuid.UUID, hub_id: uuid.UUID) -> None:
        self.conn = conn
        self.station = station_id
        self.hub = hub_id
        self.applied = 0
        self.conflicts = 0
        self.refused: list[tuple] = []

    def apply(self, ops) -> _Push:
        conn = self.conn
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        op_ids = [uuid.UUID(o[1]) for o in ops]
        done = {
            r[0]
            for r in conn.execute(
                "SELECT op_id FROM push_ledger WHERE station_id = %s AND op_id = ANY(%s)",
                (self.station, op_ids),
            )
        }
        todo, erase = [], []
        for seq, op_id, tbl, row_id, kind, fields in ops:
            if uuid.UUID(op_id) in done:
                continue
            if kind == "erase":
                erase.append((op_id, tbl, row_id))
                continue
            todo.append((seq, op_id, tbl, row_id, kind, json.loads(fields)))
        if todo:
            self._apply(todo)
        if erase:
            self._erase(erase)
        return self

    def _erase(self, ops) -> None:
        """Erase the rows centrally (``hubapp_erase``, which checks this station may); a row
        central never had is erased already."""
        ids = [uuid.UUID(row_id) for _o, _t, row_id in ops]
        conn = self.conn
        gone = {r[0] for r in conn.execute("SELECT hubapp_erase(%s)", (ids,))}
        kept = {r[0] for r in conn.execute("SELECT hubapp_existing(%s)", (ids,))}
        ledger = []
        for (op_id, tbl, row_id), rid in zip(ops, ids, strict=True):
            if rid in gone or rid not in kept:
                ledger.append((self.station, uuid.UUID(op_id), "applied"))
                self.applied += 1
            else:
                ledger.append((self.station, uuid.UUID(op_id), "refused"))
                self.refused.append((op_id, tbl, row_id, "other_hub"))
        conn.cursor().executemany(
            "INSERT INTO push_ledger (station_id, op_id, outcome) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            ledger,
        )

    def _apply(self, todo) -> None:
        conn = self.conn
        # every row the batch touches or points at
        ids: set[uuid.UUID] = set()
        for _s, _o, tbl, row_id, kind, f in todo:
            if tbl == "sync_conflict":
                continue
            ids.add(uuid.UUID(row_id))
            if kind == "insert":
                for k, v in f.items():
                    if k.endswith("_id") and k not in ("hub_id", "station_id") and v:
                        if k == "case_id" or k not in _REFERENCE_FKS:
                            ids.add(uuid.UUID(v))
        id_list = list(ids)
        existing = {r[0] for r in conn.execute("SELECT hubapp_existing(%s)", (id_list,))}
        recs: dict[uuid.UUID, dict] = {}
        for rid, tbl, hub, case, fields, _version in conn.execute(
            "SELECT id, tbl, hub_id, case_id, fields, version FROM record WHERE id = ANY(%s)",
            (id_list,),
        ):
            recs[rid] = {"tbl": tbl, "hub": hub, "case": case, "fields": fields, "new": False}
        case_ids = {r["case"] for r in recs.values() if r["case"]} | {
            uuid.UUID(f["case_id"]) for *_x, f in todo if isinstance(f, dict) and f.get("case_id")
            and not isinstance(f.get("case_id"), list)
        }  # fmt: skip
        shared = {
            r[0]
            for r in conn.execute(
                "SELECT case_id FROM case_share WHERE hub_id = %s AND case_id = ANY(%s)",
                (self.hub, list(case_ids)),
            )
        }
        dirty: set[uuid.UUID] = set()
        changes: list[tuple] = []
        conflicts: list[tuple] = []
        ledger: list[tuple] = []
        resolves: list[tuple] = []

        def writable(rec) -> bool:
            return rec["hub"] == self.hub or (rec["case"] is not None and rec["case"] in shared)

        for _seq, op_id, tbl, row_id, kind, f in todo:
            op_uuid = uuid.UUID(op_id)
            if tbl == "sync_conflict":
                resolves.append((uuid.UUID(row_id), op_uuid))
                ledger.append((self.station, op_uuid, "applied"))
                continue
            rid = uuid.UUID(row_id)
            rec = recs.get(rid)
            if rec is None and rid in existing:
                # there, but not visible to this station: most often a case no longer shared
                self.refused.append((op_id, tbl, row_id, "not_shared"))
                ledger.append((self.station, op_uuid, "refused"))
                continue
            if rec is None:
                if kind != "insert":
                    # an update for a row central never received (its insert was refused)
                    self.refused.append((op_id, tbl, row_id, "unknown"))
                    ledger.append((self.station, op_uuid, "refused"))
                    continue
                rec = self._new_record(tbl, rid, f, recs)
                if rec is None or not writable(rec):
                    why = "not_shared" if rec is None or rec["case"] else "other_hub"
                    self.refused.append((op_id, tbl, row_id, why))
                    ledger.append((self.station, op_uuid, "refused"))
                    continue
                recs[rid] = rec
                changes.append((tbl, rid, rec["hub"], rec["case"], "insert", dict(f), op_uuid))
                ledger.append((self.station, op_uuid, "applied"))
                self.applied += 1
                continue
            if not writable(rec):
                self.refused.append(
                    (op_id, tbl, row_id, "not_shared" if rec["case"] else "other_hub")
                )
                ledger.append((self.station, op_uuid, "refused"))
                continue
            pairs = f if kind == "update" else {k: [None, v] for k, v in f.items()}
            applied, found = self._merge(tbl, rec, pairs)
            for fld, base, kept, other in found:
                cid = uuid.uuid4()
                at = utcnow().isoformat(sep=" ")
                conflicts.append((cid, tbl, rid, rec["hub"], rec["case"], fld, json.dumps(base),
                                  json.dumps(kept), json.dumps(other), self.station, op_uuid))  # fmt: skip
                changes.append((tbl, rid, rec["hub"], rec["case"], "conflict",
                                {"id": cid.hex, "field": fld, "base": base, "kept": kept,
                                 "other": other, "station": self.station.hex, "at": at,
                                 "meta": {m: rec["fields"].get(m) for m in capture.META_COLUMNS}},
                                op_uuid))  # fmt: skip
            self.conflicts += len(found)
            if applied:
                rec["fields"].update(applied)
                dirty.add(rid)
                changes.append((tbl, rid, rec["hub"], rec["case"], "update", applied, op_uuid))
            ledger.append((self.station, op_uuid, "applied"))
            self.applied += 1
        self._write(recs, dirty, changes, conflicts, ledger, resolves)

    def _new_record(self, tbl: str, rid: uuid.UUID, f: dict, recs: dict) -> dict | None:
        hub: uuid.UUID | None = None
        case: uuid.UUID | None = None
        if tbl == "case_":
            hub, case = _u(f.get("hub_id")), rid
        elif f.get("case_id"):
            parent = recs.get(uuid.UUID(f["case_id"]))
            if parent is None:
                return None
            hub, case = parent["hub"], parent["case"]
        else:
            for key in _PARENTS:
                if f.get(key):
                    parent = recs.get(uuid.UUID(f[key]))
                    if parent is None:
                        return None
                    hub, case = parent["hub"], parent["case"]
                    break
            else:
                hub = _u(f.get("hub_id")) or self.hub
        refs = [
            uuid.UUID(v)
            for k, v in f.items()
            if k.endswith("_id") and k not in _REFERENCE_FKS and v
        ]
        foreign = any(recs.get(r) is not None and recs[r]["hub"] != hub for r in refs)
        return {"tbl": tbl, "hub": hub, "case": case, "fields": dict(f), "new": True,
                "refs": refs, "foreign": foreign}  # fmt: skip

    @staticmethod
    def _merge(tbl: str, rec: dict, pairs: dict) -> tuple[dict, list]:
        cur_fields = rec["fields"]
        applied: dict[str, Any] = {}
        found: list[tuple] = []
        for fld, (base, new) in pairs.items():
            if fld in capture.META_COLUMNS:
                continue
            cur = cur_fields.get(fld)
            if cur == new:
                continue
            if cur == base or tbl in APPEND_ONLY:
                applied[fld] = new
            else:
                found.append((fld, base, cur, new))
        if applied:
            # the row's record-keeping columns travel whole, so every replica ends equal
            for fld in capture.META_COLUMNS:
                applied[fld] = pairs[fld][1] if fld in pairs else cur_fields.get(fld)
            if cur_fields.get("voided") in (1, True) and "voided" not in pairs:
                found.append(("voided", 0, 1, 0))
        return applied, found

    def _write(self, recs, dirty, changes, conflicts, ledger, resolves) -> None:
        from psycopg.types.json import Jsonb

        cur = self.conn.cursor()
        new = [(rid, r) for rid, r in recs.items() if r.get("new")]
        if new:
            cur.executemany(
                "INSERT INTO record (id, tbl, hub_id, case_id, refs, foreign_refs, fields,"
                " changed_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [(rid, r["tbl"], r["hub"], r["case"], r["refs"], r["foreign"], Jsonb(r["fields"]),
                  self.station) for rid, r in new],
            )  # fmt: skip
        upd = [
            (Jsonb(recs[rid]["fields"]), self.station, rid)
            for rid in dirty
            if not recs[rid].get("new")
        ]
        if upd:
            cur.executemany(
                "UPDATE record SET fields = %s, version = version + 1, changed_by = %s,"
                " changed_at = now() WHERE id = %s",
                upd,
            )
        if conflicts:
            cur.executemany(
                "INSERT INTO conflict (id, tbl, row_id, hub_id, case_id, field, base, kept, other,"
                " other_station, op_id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                conflicts,
            )
        for cid, op_uuid in resolves:
            row = cur.execute(
                "UPDATE conflict SET resolved_at = now(), resolved_by = %s WHERE id = %s "
                "AND resolved_at IS NULL RETURNING tbl, row_id, hub_id, case_id",
                (self.station, cid),
            ).fetchone()
            if row:
                changes.append(
                    (row[0], row[1], row[2], row[3], "resolve", {"id": cid.hex}, op_uuid)
                )
        if changes:
            cur.executemany(
                "INSERT INTO change (tbl, row_id, hub_id, case_id, kind, fields, station_id, op_id)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [(t, rid, h, c, k, Jsonb(f), self.station, o) for t, rid, h, c, k, f, o in changes],
            )
        if ledger:
            cur.executemany(
                "INSERT INTO push_ledger (station_id, op_id, outcome) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                ledger,
            )
