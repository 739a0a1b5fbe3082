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

Content. After the rows, attachments' content moves through its own channel
(``hubapp.sync.files``): chunks in bounded batches, each committed on both sides.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import text

from hubapp.domain.clock import utcnow
from hubapp.store import audit, capture, setup
from hubapp.sync import files, first_copy, refusals
from hubapp.sync.apply import CURSOR_SCOPE, Apply, Local
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
    #: what the attachments' content channel did (``hubapp.sync.files``)
    content: files.Moved = field(default_factory=files.Moved)

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
        content = files.describe(self.content)
        if content:
            text_ += " " + content
        return " ".join([text_, *self.warnings])


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
        #: the station's database as a pull writes into it (columns, renamed references)
        self.local = Local(store)
        self.hub_id: uuid.UUID | None = None
        self.station_id: uuid.UUID | None = None
        #: told (what, done, total) during a first copy from a hub snapshot, and while
        #: attachments' content moves (bytes)
        self.progress = None
        #: asked between batches of attachments' content: True stops the transfer (what was
        #: committed stays; the next round resumes)
        self.cancelled = None

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
            summary.content = files.Channel(
                self.store, conn, where=self.where(), progress=self.progress,
                cancelled=self.cancelled,
            ).run()  # fmt: skip
        except psycopg.Error as exc:
            self.close()
            raise CentralError(
                f"Sync stopped: {_first_line(exc)} Nothing is lost; the next sync resumes."
            ) from None
        if self.local.renamed:
            first, stored = self.local.renamed[0]
            summary.warnings.append(
                f"{len(self.local.renamed)} case(s) arrived with a reference this station already "
                f"uses (e.g. {first}, shown here as {stored}); give each station of the hub its "
                "own reference prefix."
            )
            self.local.renamed = []
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
            state = self.local.state(s)
            state.update(last_sync=utcnow().isoformat(timespec="seconds"),
                         last_result=summary.describe(), clock_skew_s=round(summary.clock_skew_s),
                         pushed=summary.pushed, pulled=summary.pulled)  # fmt: skip
            self.local.save_cursor(s, None, state)

    # -- local helpers ---------------------------------------------------------------
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
        cursor = self.local.cursor()
        if cursor == 0:
            from hubapp.sync import snapshot

            installed = snapshot.install(self.store, conn, progress=self.progress)
            if installed is not None:
                summary.first_copy = "snapshot"
                summary.pulled += installed[0]
            else:
                summary.first_copy = "stream"
                summary.pulled += first_copy.stream(self.local, conn)
            cursor = self.local.cursor()
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

    def _apply_changes(self, conn, rows) -> int:
        """Apply one batch of the change log in one SQLite transaction with the new cursor.

        Every entry is checked first (``inbound``): one that breaks a rule is set aside with
        why and the rest go on. Parents the entries point at that this station lacks are
        fetched from central before anything is written; an entry whose parent cannot be had
        is set aside too. Each change that alters a record here is in the audit log, with the
        station it came from."""
        with self.store.write(reason="sync: pulled from central") as s:
            applier = Apply(self.local, s)
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
            self.local.save_cursor(s, rows[-1][0])
        return len(rows)
