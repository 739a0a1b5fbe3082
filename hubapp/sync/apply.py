"""The station's side of a pull: what arrives from central is checked and written into the
local store, in one SQLite transaction, uncaptured (``hubapp.sync.engine`` explains the round;
``hubapp.sync.inbound`` the rules every change passes first).

``Local`` is what the writing needs to know of the station's own database (its tables'
columns, the references renamed to stay unique) and keeps the pull cursor; ``Apply`` writes
one batch: inserts and updates (fields with a pending local change left alone), forgets,
conflicts, parents fetched whole before anything is written, what still points nowhere set
aside, and the audit entries of every change with the station it came from.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections import defaultdict
from enum import Enum
from typing import Any

from sqlalchemy import DateTime, text

from hubapp import settings
from hubapp.domain.clock import utcnow
from hubapp.store import audit, capture
from hubapp.sync import inbound

log = logging.getLogger(__name__)

CURSOR_SCOPE = "central"


def _u(hex_or_none: Any) -> uuid.UUID | None:
    if hex_or_none in (None, ""):
        return None
    return uuid.UUID(str(hex_or_none))


def _hex(u: uuid.UUID | None) -> str | None:
    return None if u is None else u.hex


class Local:
    """The station's database as a pull writes into it: its tables' columns (read once) and
    the case references it had to rename to keep them unique, and its pull cursor."""

    def __init__(self, store) -> None:
        self.store = store
        self._columns: dict[str, list[str]] = {}
        self._nullable: dict[str, set[str]] = {}
        #: (reference, stored as) for cases that arrived with a reference used here
        self.renamed: list[tuple[str, str]] = []

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            with self.store.engine.connect() as c:
                rows = c.exec_driver_sql(f'PRAGMA table_info("{table}")').fetchall()
            self._columns[table] = [r[1] for r in rows]
            self._nullable[table] = {r[1] for r in rows if not r[3]}
        return self._columns[table]

    def state(self, s) -> dict:
        row = s.execute(
            text("SELECT state FROM sync_cursor WHERE scope = :s"), {"s": CURSOR_SCOPE}
        ).first()
        return json.loads(row[0]) if row else {}

    def cursor(self) -> int:
        with self.store.engine.connect() as c:
            row = c.exec_driver_sql(
                "SELECT position FROM sync_cursor WHERE scope = ?", (CURSOR_SCOPE,)
            ).first()
        return row[0] if row else 0

    def save_cursor(self, s, position: int | None, state: dict | None = None) -> None:
        if state is None:
            state = self.state(s)
        s.execute(
            text(
                "INSERT INTO sync_cursor (scope, position, state) VALUES (:s, coalesce(:p, 0), :st)"
                " ON CONFLICT (scope) DO UPDATE SET position = coalesce(:p, position), state = :st"
            ),
            {"s": CURSOR_SCOPE, "p": position, "st": json.dumps(state)},
        )


class Apply:
    """Writes pulled rows into the local store, inside one write transaction, uncaptured."""

    def __init__(self, local: Local, session) -> None:
        self.sy = local
        self.s = session
        self.cur = session.connection().connection.driver_connection.cursor()
        settings.local_sql(self.cur)["sync_applying"] = True
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
        unhex = inbound.has_unhex(self.cur)
        for tbl in reversed(capture.captured_tables()):
            for rid, why in self.cur.execute(inbound.bad_rows_sql(tbl, unhex=unhex)).fetchall():
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
        settings.local_sql(self.cur)["sync_applying"] = False
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
