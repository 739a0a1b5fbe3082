"""A new station's first copy, streamed from central row by row (when no hub snapshot can
be used: ``hubapp.sync.snapshot``), and the way a snapshot is built too.

Every visible row is copied from one repeatable-read snapshot of the central database into
one SQLite transaction (an interruption keeps nothing, and the next sync starts again). How it
is made fast, each step measured, is in docs/sync.md (*Performance*); what arrives is checked
like any pulled change (``hubapp.sync.inbound``), a table at a time once it has landed.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
import time
import uuid
from collections import defaultdict

from hubapp.store import capture
from hubapp.sync import inbound
from hubapp.sync.apply import Apply, Local, _hex

log = logging.getLogger(__name__)

INITIAL_BATCH = 5000
#: batches the first copy's reading thread may be ahead of the writing one
READ_AHEAD = 4
#: page cache during the first copy (KiB): the new rows' keys stay in memory
INITIAL_CACHE_KIB = 262144


def stream(local: Local, conn) -> int:
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
    with local.store.bulk_write(reason="sync: first copy from central") as s:
        applier = Apply(local, s)
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
                applier.conflict(c[0].hex, c[1], c[2].hex, c[3], c[4], c[5], c[6], c[7], str(c[8]))
            applier.finish(conn)
            phases["check"] = time.perf_counter()
            local.save_cursor(s, high)
        finally:
            raw.execute(f"PRAGMA cache_size = {int(old_cache)}")
            raw.execute("PRAGMA threads = 0")
    phases["commit"] = time.perf_counter()
    # durable now, and moved into the database file by this background work rather than
    # by the next person's save (the automatic checkpoint after a commit would do it)
    local.store.checkpoint()
    phases["checkpoint"] = time.perf_counter()
    marks = [started, *phases.values()]
    log.info("First copy of %s rows (%s the slow way): %s", count, len(slow), ", ".join(
        f"{name} {b - a:.2f} s" for name, a, b in zip(phases, marks[:-1], marks[1:], strict=True)
    ))  # fmt: skip
    return count


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

    A row goes the slow way, through ``Apply.upsert_many`` with its JSON fetched by id in
    the same snapshot, when it lacks a column this station has (a central record older than a
    local column), when a local change to it is pending, or when it is a case whose reference
    another case already has here (which ``upsert_many`` numbers apart).
    """

    def __init__(self, applier: Apply) -> None:
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
