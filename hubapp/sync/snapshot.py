"""Hub snapshots: a ready-made first copy for a new station, as Anki's full sync does.

A new station's first copy streams every row it may see from the central database into its
SQLite file, and rebuilds the indexes and the search index (``hubapp.sync.first_copy``). On
two cores that takes half a minute for 100,000 cases, most of it SQLite building B-trees. The
same file, once built, only needs copying: so an administrator's scheduled
``hubapp central snapshot`` builds, for each hub, the encrypted station database that a new
station of that hub would end up with, and stores it centrally in chunks
(``hub_snapshot``, central revision c0005) with its own random key.

**Building** (:func:`build`, on the administrator's side). The builder logs in as the hub's
builder role (``hubapp_<hub>_snapshot``: a member of the station group that the row-level
security policies confine to the hub like any station; its password is new for each build
and removed after it), so the file holds exactly what a station of the hub may see. It runs
the ordinary first copy into a new database encrypted with a random key, empties the
station-only tables, and uploads the file with its key, its SHA-256, the station schema it
was made with and the change number it is complete up to. Erasing a record drops every stored
snapshot and ending a share drops that hub's, so no snapshot keeps what central no longer
does; the next scheduled build makes them again.

**Installing** (:func:`install`, on the station's side, called by the first pull). Used only
when it is safe and worth it: the station's file is encrypted, its schema is the snapshot's,
and it has nothing of its own to lose (no pending change, no conflict, no synced row but its
own station's). Otherwise the first copy streams as before. The steps:

1. download the chunks, in one snapshot of the central database, into a temporary file
   beside the database (owner-only; it stays encrypted under the snapshot's key), checking
   its size and SHA-256;
2. take the station's database for this process alone (SQLite's exclusive locking mode: it
   fails if any other connection, in any program, has the file open, and the first copy then
   streams instead) and check again that it has nothing to lose;
3. copy the station's own tables (staff accounts, audit log, settings, drafts, this
   station's record) into the snapshot and set the pull cursor to the snapshot's change
   number;
4. copy the snapshot into the station's file through SQLite's backup API, which decrypts
   each page with the snapshot's key and encrypts it with the station's own (the file keeps
   its salt, so its key is still found in the keyring). The copy is one transaction with a
   rollback journal: a crash or a cut power leaves the station's file as it was;
5. put the write-ahead log back, let the file go, remove the temporary file.

The pull then carries on from the snapshot's change number as after any first copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hubapp import settings
from hubapp.store import capture, database
from hubapp.store.errors import DatabaseError, Error
from hubapp.sync.central import (
    BUILDER_SUFFIX,
    STATION_GROUP,
    CentralError,
    _first_line,
    connect,
    find_hub,
    harden_role,
    role_url,
)

log = logging.getLogger(__name__)

#: bytes per stored chunk: large enough that a 700 MB file is a hundred rows
CHUNK = 8 << 20
#: a temporary file beside the database while a snapshot is downloaded and installed
DOWNLOADING = database.SNAPSHOT
#: how long a station waits for other connections to its file to close before streaming
EXCLUSIVE_WAIT_S = 3.0
#: pages copied per backup step (between two progress reports)
BACKUP_STEP = 16384
#: station tables whose rows come from central with the snapshot, not from the station
FROM_CENTRAL = frozenset({"sync_conflict"})
#: the station's own tables worked out from the synced rows (the keys people are found by):
#: neither the station's old ones nor a snapshot's are kept; every person arrives to be
#: worked out again (hubapp.store.casework.people)
DERIVED = frozenset({"person_key", "person_key_stale"})

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Built:
    """One hub's snapshot, as stored."""

    hub_code: str
    hub_name: str
    rows: int
    size: int
    high_water: int
    seconds: float

    def describe(self) -> str:
        return (
            f"{self.hub_name} ({self.hub_code}): {self.rows} rows, "
            f"{self.size / 1e6:.1f} MB, complete up to change {self.high_water}, "
            f"built in {self.seconds:.1f} s"
        )


def local_tables() -> list[str]:
    """The station's own tables (never synced)."""
    from hubapp.store.schema import SYNCED_TABLES, Base

    synced = {m.__tablename__ for m in SYNCED_TABLES}
    return [t for t in Base.metadata.tables if t not in synced]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- building (central side) ------------------------------------------------------------


def _hubs(conn, hub: str | None) -> list[tuple[uuid.UUID, str, str]]:
    """The hubs to build for: the one named, or every hub with a station."""
    from hubapp.store import refdata

    if hub is not None:
        return [find_hub(hub)]
    with conn.transaction():
        having = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT hub_id FROM hub_station WHERE role_name NOT LIKE %s",
                (f"%{BUILDER_SUFFIX}",),
            )
        }
    hubs = [(refdata.ref_id("hub", h["code"]), h["code"], h["name"])
            for h in refdata.read("hubs.toml")["hub"]]  # fmt: skip
    return [h for h in hubs if h[0] in having]


def _builder_login(conn, url: str, hub_id: uuid.UUID, code: str) -> tuple[str, str]:
    """The hub's builder role, made if need be, with a new password: (role, its URL)."""
    from psycopg import sql

    role = f"hubapp_{code.lower()}{BUILDER_SUFFIX}"
    password = secrets.token_urlsafe(24)
    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if exists:
            conn.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
        else:
            conn.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {} NOSUPERUSER NOBYPASSRLS "
                    "NOCREATEDB NOCREATEROLE INHERIT"
                ).format(sql.Identifier(role), sql.Literal(password), sql.Identifier(STATION_GROUP))
            )
        harden_role(conn, role)
        conn.execute(
            "INSERT INTO hub_station (role_name, hub_id, station_name) VALUES (%s, %s, %s)"
            " ON CONFLICT (role_name) DO NOTHING",
            (role, hub_id, "snapshot builder"),
        )
    return role, role_url(url, role, password)


def _builder_logout(conn, role: str) -> None:
    from psycopg import sql

    with conn.transaction():
        conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN PASSWORD NULL").format(sql.Identifier(role)))


def _empty_tables(cur, schema: str, tables: list[str]) -> None:
    """Delete every row of ``tables`` in ``schema``, their triggers (the audit log refuses
    deletes) dropped for it and put back."""
    for table in tables:
        triggers = cur.execute(
            f"SELECT name, sql FROM {schema}.sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
            (table,),
        ).fetchall()
        for name, _sql in triggers:
            cur.execute(f"DROP TRIGGER {schema}.{_q(name)}")
        cur.execute(f"DELETE FROM {schema}.{_q(table)}")
        for _name, sql in triggers:
            # a trigger's SQL names no schema: it is made in the schema given after CREATE
            cur.execute(sql.replace("CREATE TRIGGER ", f"CREATE TRIGGER {schema}.", 1))


def _build_file(url: str, hub_id: uuid.UUID, path: Path, key) -> tuple[int, int]:
    """Make the hub's station database at ``path``: (rows copied, change number)."""
    from hubapp.sync import first_copy
    from hubapp.sync.apply import Local

    store = database.open_store(path, key=key)
    try:
        local = Local(store)
        conn = connect(url, autocommit=True)
        try:
            rows = first_copy.stream(local, conn)
        finally:
            conn.close()
        high = local.cursor()
    finally:
        store.close()
    con = database.connect(path, key=key)
    try:
        cur = con.cursor()
        cur.execute("BEGIN IMMEDIATE")
        # what a station keeps of its own comes from the station when it is installed
        _empty_tables(cur, "main", [t for t in local_tables() if t not in FROM_CENTRAL])
        cur.execute("COMMIT")
        # one self-contained file: the write-ahead log folded in
        cur.execute("PRAGMA journal_mode = DELETE")
    finally:
        con.close()
    return rows, high


def build(url: str, hub: str | None = None, *, progress: Progress | None = None) -> list[Built]:
    """Build and store the snapshot of ``hub`` (a code or name), or of every hub that has a
    station; run as the central database's administrator (as ``central init``)."""
    import psycopg

    from hubapp.store import keys

    built = []
    admin = connect(url)
    try:
        for hub_id, code, name in _hubs(admin, hub):
            started = time.perf_counter()
            if progress:
                progress(f"Building the snapshot of {name}", 0, 0)
            role, role_conn_url = _builder_login(admin, url, hub_id, code)
            folder = Path(tempfile.mkdtemp(prefix="hubapp-snapshot-"))
            try:
                key = keys.DatabaseKey(os.urandom(keys.KEY_BYTES), os.urandom(keys.SALT_BYTES),
                                       "snapshot")  # fmt: skip
                path = folder / "snapshot.sqlite3"
                rows, high = _build_file(role_conn_url, hub_id, path, key)
                if rows == 0:  # nothing a new station would not get as fast by streaming
                    with admin.transaction():
                        admin.execute("DELETE FROM hub_snapshot WHERE hub_id = %s", (hub_id,))
                    log.info("Hub snapshot: %s has no records yet; none stored", name)
                    continue
                size = _upload(admin, hub_id, path, key, database.SCHEMA_HEAD, high, rows)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
                _builder_logout(admin, role)
            built.append(Built(code, name, rows, size, high, time.perf_counter() - started))
            log.info("Hub snapshot: %s", built[-1].describe())
    except psycopg.errors.UndefinedTable:
        raise CentralError(
            "The central database is older than this version of hubapp: run 'hubapp central "
            "init' with it first."
        ) from None
    except psycopg.Error as exc:
        raise CentralError(f"Could not build the snapshot: {_first_line(exc)}") from None
    finally:
        admin.close()
    return built


def _upload(conn, hub_id, path: Path, key, schema: str, high: int, rows: int) -> int:
    size = path.stat().st_size
    digest = hashlib.sha256()
    chunks = 0
    with conn.transaction():
        conn.execute("DELETE FROM hub_snapshot WHERE hub_id = %s", (hub_id,))
        conn.execute(
            "INSERT INTO hub_snapshot (hub_id, station_schema, high_water, file_key, sha256,"
            " size, chunks, rows) VALUES (%s, %s, %s, %s, '', %s, 0, %s)",
            (hub_id, schema, high, key.key + key.salt, size, rows),
        )
        with (
            conn.cursor() as cur,
            cur.copy("COPY hub_snapshot_chunk (hub_id, n, data) FROM STDIN (FORMAT BINARY)") as cp,
            path.open("rb") as f,
        ):
            cp.set_types(["uuid", "int4", "bytea"])
            while data := f.read(CHUNK):
                digest.update(data)
                cp.write_row((hub_id, chunks, data))
                chunks += 1
        conn.execute(
            "UPDATE hub_snapshot SET sha256 = %s, chunks = %s WHERE hub_id = %s",
            (digest.digest(), chunks, hub_id),
        )
    return size


# --- installing (station side) ----------------------------------------------------------


class NotUsable(Exception):
    """This station cannot take the stored snapshot now; the first copy streams instead."""


def _nothing_to_lose(cur) -> str | None:
    """Why the station's database has something a snapshot would overwrite, or None."""
    if cur.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]:
        return "it has changes waiting to be pushed"
    if cur.execute("SELECT count(*) FROM sync_conflict").fetchone()[0]:
        return "it has conflicts"
    if cur.execute("SELECT position FROM sync_cursor WHERE scope = 'central'").fetchone() not in (
        None,
        (0,),
    ):
        return "it has synced before"
    for table in capture.captured_tables():
        if table != "station" and cur.execute(f"SELECT 1 FROM {_q(table)} LIMIT 1").fetchone():
            return f"it already has rows in {table}"
    return None


@dataclass
class Offer:
    """The stored snapshot of this station's hub."""

    schema: str
    high_water: int
    file_key: bytes
    sha256: bytes
    size: int
    chunks: int
    rows: int


def offer(conn) -> Offer | None:
    """The snapshot stored for the connected station's hub, or None (none, or a central
    database older than c0005)."""
    import psycopg

    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT station_schema, high_water, file_key, sha256, size, chunks, rows"
                " FROM hub_snapshot"
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return None if row is None else Offer(*row)


def install(store, conn, *, progress: Progress | None = None) -> tuple[int, int] | None:
    """Install the stored snapshot in ``store``'s database if it is usable here: (rows,
    change number to pull after), or None when the first copy must stream instead (the
    reason is logged)."""

    snap = offer(conn)
    if snap is None:
        return None
    try:
        if snap.schema != database.SCHEMA_HEAD:
            raise NotUsable(
                f"it was made with schema {snap.schema}, this station has {database.SCHEMA_HEAD}"
            )
        if not database.is_encrypted(store.path):
            raise NotUsable("this station's database is not encrypted")
        with store.engine.connect() as c:
            why = _nothing_to_lose(c.connection.driver_connection.cursor())
        if why:
            raise NotUsable(why)
        part = store.path.with_name(store.path.name + DOWNLOADING)
        started = time.perf_counter()
        try:
            _download(conn, snap, part, progress)
            downloaded = time.perf_counter()
            _put_in_place(store, part, snap, progress)
        finally:
            database._remove_quietly([part, *database._companions(part)])
        log.info("First copy from the hub snapshot, %s rows (%.0f MB): download %.2f s, "
                 "put in place %.2f s", snap.rows, snap.size / 1e6, downloaded - started,
                 time.perf_counter() - downloaded)  # fmt: skip
    except NotUsable as exc:
        log.info("The hub snapshot is not used (%s); the first copy streams instead", exc)
        return None
    return snap.rows, snap.high_water


def _download(conn, snap: Offer, part: Path, progress: Progress | None) -> None:
    database._remove_quietly([part, *database._companions(part)])
    database._create_restricted(part)
    digest = hashlib.sha256()
    got = 0
    with conn.transaction():
        # the chunks of the very snapshot offered: a new build replaces the rows in one
        # transaction, which this one does not see
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        again = conn.execute("SELECT sha256 FROM hub_snapshot").fetchone()
        if again is None or bytes(again[0]) != bytes(snap.sha256):
            raise NotUsable("it was replaced while being offered")
        with (
            part.open("wb") as out,  # owner-only already where the system has owners
            conn.cursor() as cur,
            cur.copy(
                "COPY (SELECT data FROM hub_snapshot_chunk ORDER BY n) TO STDOUT (FORMAT BINARY)"
            ) as cp,  # fmt: skip
        ):
            cp.set_types(["bytea"])
            while (row := cp.read_row()) is not None:
                data = row[0]
                digest.update(data)
                out.write(data)
                got += len(data)
                if progress:
                    progress("Downloading the hub's cases", got, snap.size)
            out.flush()
    if got != snap.size or digest.digest() != bytes(snap.sha256):
        raise NotUsable("the download does not match its checksum")


def _exclusive(store):
    """A connection to ``store``'s file that no other connection can use until it is closed,
    or NotUsable when another connection (this program's or another's) keeps it open."""
    deadline = time.monotonic() + EXCLUSIVE_WAIT_S
    while True:
        store.engine.dispose()  # this program's idle connections
        con = database.connect(store.path)
        try:
            con.execute("PRAGMA busy_timeout = 100")
            con.execute("PRAGMA locking_mode = EXCLUSIVE")
            mode = con.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if mode.lower() != "delete":
                raise database.sqlcipher.OperationalError(f"journal mode stays {mode}")
            con.execute("BEGIN EXCLUSIVE")
            con.execute("COMMIT")
            return con
        except DatabaseError as exc:
            con.close()
            if time.monotonic() > deadline:
                raise NotUsable(f"another connection keeps the database open ({exc})") from None
            time.sleep(0.1)


def _put_in_place(store, part: Path, snap: Offer, progress: Progress | None) -> None:
    from hubapp.sync.apply import CURSOR_SCOPE

    key = _snapshot_key(snap)
    con = _exclusive(store)
    try:
        cur = con.cursor()
        why = _nothing_to_lose(cur)  # nobody can write now: decided for good
        if why:
            raise NotUsable(why)
        cur.execute(f"ATTACH DATABASE ? AS snap KEY {key.pragma_value()}", (str(part),))
        try:
            cur.execute("SELECT count(*) FROM snap.sqlite_master").fetchone()
        except DatabaseError:
            raise NotUsable("its key does not open it") from None
        _check_contents(cur)
        cur.execute("BEGIN IMMEDIATE")
        own = [t for t in local_tables() if t not in FROM_CENTRAL | DERIVED]
        _empty_tables(cur, "snap", [*own, *sorted(DERIVED)])
        cur.execute("INSERT INTO snap.person_key_stale (person_id) SELECT id FROM snap.person")
        for table in own:
            cols = ", ".join(_q(r[1]) for r in cur.execute(f"PRAGMA main.table_info({_q(table)})"))
            cur.execute(
                f"INSERT INTO snap.{_q(table)} ({cols}) SELECT {cols} FROM main.{_q(table)}"
            )
        # this station's own record, not captured (it was pushed already)
        settings.local_sql(cur, "snap")["sync_applying"] = True
        cols = ", ".join(_q(r[1]) for r in cur.execute("PRAGMA main.table_info(station)"))
        cur.execute(f"INSERT OR IGNORE INTO snap.station ({cols}) SELECT {cols} FROM main.station")
        settings.local_sql(cur, "snap")["sync_applying"] = False
        cur.execute(
            "INSERT INTO snap.sync_cursor (scope, position, state) VALUES (?, ?, '{}')"
            " ON CONFLICT (scope) DO UPDATE SET position = excluded.position",
            (CURSOR_SCOPE, snap.high_water),
        )
        cur.execute("COMMIT")
        cur.execute("DETACH DATABASE snap")
        check = _PageCheck(part, key)
        source = database.connect(part, key=key)
        try:
            pages = source.execute("PRAGMA page_count").fetchone()[0]

            def step(_status: int, remaining: int, total: int) -> None:
                if remaining <= BACKUP_STEP:
                    check.passed()  # before the step that finishes, and commits, the copy
                if progress:
                    progress("Storing the hub's cases", total - remaining, total)

            if pages <= BACKUP_STEP:  # one step copies it all
                check.passed()
            source.backup(con, pages=BACKUP_STEP, progress=step)
        finally:
            source.close()
            check.join()
    except Error as exc:
        log.debug("installing the snapshot failed", exc_info=True)
        raise NotUsable(f"it could not be put in place ({exc})") from None
    finally:
        try:
            if con.in_transaction:
                con.execute("ROLLBACK")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA locking_mode = NORMAL")
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # lets the lock go
        finally:
            con.close()
        store.forget_station()


def _check_contents(cur) -> None:
    """A snapshot is input like any pulled change. Its schema must be exactly this station's
    (the file replaces the station's own, triggers and all); its rows are checked against
    the rules a pulled row passes by the page check, alongside the copy (``_PageCheck``)."""

    def schema(name: str) -> set[tuple]:
        return set(cur.execute(
            f"SELECT type, name, tbl_name, sql FROM {name}.sqlite_master"
            " WHERE name NOT LIKE 'sqlite^_%' ESCAPE '^'").fetchall())  # fmt: skip

    if schema("main") != schema("snap"):
        raise NotUsable("its tables, indexes or triggers differ from this station's")


class _PageCheck:
    """Checks every page of the snapshot against its authentication code, and every row of
    its synced tables against the rules a pulled row passes (``hubapp.sync.inbound``), while
    the backup copies it: SQLite's backup API copies a page that fails its check without an
    error, so the copy must not be let finish before both have passed. The two checks run in
    threads of their own, each with its own connection (SQLite and SQLCipher let go of the
    GIL), so that with the copy they share the cores rather than take turns."""

    def __init__(self, path: Path, key) -> None:
        self.path, self.key = path, key
        self._problems: list[str | None] = [None, None]
        self._threads = [
            threading.Thread(target=self._run, args=(i, check), daemon=True,
                             name=f"snapshot check: {what}")
            for i, (check, what) in enumerate(((_bad_page, "pages"), (_bad_row, "rows")))
        ]  # fmt: skip
        for thread in self._threads:
            thread.start()

    def _run(self, i: int, check) -> None:
        try:
            con = database.connect(self.path, read_only=True, key=self.key)
            try:
                con.execute("PRAGMA cipher_log_level = NONE")
                self._problems[i] = check(con)
            finally:
                con.close()
        except Error as exc:
            self._problems[i] = f"its pages cannot be checked ({exc})"

    @property
    def problem(self) -> str | None:
        """The first problem found (a page's before a row's), once both have finished."""
        return next((p for p in self._problems if p), None)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def passed(self) -> None:
        self.join()
        if self.problem:
            raise NotUsable(self.problem)


def _bad_page(con) -> str | None:
    """Why the snapshot's pages fail their authentication codes, or None."""
    failed = con.execute("PRAGMA cipher_integrity_check").fetchall()
    if failed:
        return f"{len(failed)} page(s) fail their authentication: {failed[0][0]}"
    return None


def _bad_row(con) -> str | None:
    """Why the first row of the snapshot that breaks the pulled-data rules does, or None."""
    from hubapp.sync import inbound

    cur = con.cursor()
    unhex = inbound.has_unhex(cur)
    for table in capture.captured_tables():
        bad = cur.execute(inbound.bad_rows_sql(table, unhex=unhex) + " LIMIT 1").fetchone()
        if bad is not None:
            return f"a {table} row in it breaks the rules ({bad[1]})"
    return None


def _snapshot_key(snap: Offer):
    from hubapp.store import keys

    raw = bytes(snap.file_key)
    return keys.DatabaseKey(raw[: keys.KEY_BYTES], raw[keys.KEY_BYTES :], "snapshot")
