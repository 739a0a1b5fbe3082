"""Opening the hub database: checks, pragmas, migrations, sessions.

``open_store(path)`` is the one way in. It refuses, with one clear sentence, a file that is
not a hubapp database, a database made by a newer hubapp, and a folder it cannot write to;
it never damages or silently recreates such a file.

Databases are encrypted at rest with SQLCipher (``hubapp.store.keys`` keeps their keys):
every connection, the store's and :func:`connect`'s alike, applies the key as its first
statement and keeps temporary tables in memory, so no plaintext reaches the disk. A
plaintext database left by an older version is encrypted once, on open.
"""

from __future__ import annotations

import errno
import getpass
import logging
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlcipher3 import dbapi2 as sqlcipher

from hubapp import settings
from hubapp.store import access, files
from hubapp.store.errors import (
    DatabaseDamaged,
    DatabaseError,
    DiskFailed,
    DiskFull,
    Error,
    KeyMissing,
    OperationalError,
    StoreError,
)

if TYPE_CHECKING:
    from hubapp.store.keys import DatabaseKey

log = logging.getLogger(__name__)

#: The newest migration this version knows. A test checks it against Alembic's head.
SCHEMA_HEAD = "0013"
#: Every revision this version can open (older ones are upgraded on open).
KNOWN_REVISIONS = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
)

SQLITE_MAGIC = b"SQLite format 3\x00"
#: tables every hubapp database has had since its first schema (another application's SQLite
#: file, even one that also uses Alembic, lacks them)
HUBAPP_TABLES = frozenset({"alembic_version", "audit_log", "case_", "local_setting", "hub"})
#: every page of an encrypted database is authenticated with HMAC-SHA256 rather than
#: SQLCipher 4's default SHA-512: as strong a check against tampering, and with the
#: processor's SHA extensions it cut the cost of reading a page not in the cache by a third
#: (random point reads, 0.84 s against 0.52 s for 20,000), which is most of what encryption
#: costs the case view. Every connection and attachment must say it (a file made one way does
#: not open the other way).
PAGE_HMAC = "HMAC_SHA256"
BUSY_TIMEOUT_MS = 10_000
#: each connection's page cache, in KiB (SQLite's default is 2 MB, SQLCipher's 8 MB)
PAGE_CACHE_KIB = 32 * 1024


#: with less free space than this, an I/O error writing is taken for a full disk (SQLite
#: reports some writes past the end of a full disk as I/O errors rather than "full")
NEARLY_FULL = 16 * 1024 * 1024


def _sqlite_error_name(exc: BaseException) -> str:
    for e in (exc, getattr(exc, "orig", None)):
        name = getattr(e, "sqlite_errorname", None)
        if name:
            return name
    return ""


def _free_space(path: Path) -> int | None:
    import shutil

    for folder in (path, *path.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return None


def disk_trouble(
    exc: BaseException, path: Path | str | None = None, *, doing: str = ""
) -> StoreError | None:
    """A full disk or an I/O error behind ``exc`` (an SQLite error, SQLAlchemy's wrapping of
    one, or an OSError), as :class:`DiskFull` or :class:`DiskFailed` worded for people; None
    for anything else (damage among it). ``path``: the file, whose disk's free space tells a
    full disk from a failing one; ``doing``: "open" or "check" for a file being opened or
    checked (the sentence names it), otherwise the sentence is about a save."""
    if isinstance(exc, DiskFull | DiskFailed):
        return exc
    if isinstance(exc, OSError):
        full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        failed = exc.errno == errno.EIO
    elif isinstance(exc, (*Error, DBAPIError)):
        name = _sqlite_error_name(exc)
        text = str(getattr(exc, "orig", exc))
        full = name == "SQLITE_FULL" or (not name and "database or disk is full" in text)
        failed = name.startswith("SQLITE_IOERR") or (not name and "disk I/O error" in text)
    else:
        return None
    if not (full or failed):
        return None
    if failed and path is not None:
        free = _free_space(Path(path))
        full = free is not None and free < NEARLY_FULL
    if doing:
        if full:
            return DiskFull(
                f"Cannot {doing} {path}: the disk it is on is full; free some space and try "
                "again (nothing was changed)."
            )
        return DiskFailed(
            f"Cannot {doing} {path}: the disk could not be read or written (an I/O error; "
            "the disk may be failing); nothing was changed."
        )
    if full:
        return DiskFull("The disk is full: free some space and try again; nothing was saved.")
    return DiskFailed(
        "The disk could not be written to (it may be full or failing): free some space and "
        "try again; nothing was saved."
    )


@contextmanager
def _disk_trouble_said(path: Path) -> Iterator[None]:
    """Turn a full disk or an I/O error of SQLite inside the block into DiskFull or
    DiskFailed (anything else, including OSErrors of other files, goes out as it is)."""
    try:
        yield
    except Exception as exc:
        trouble = None if isinstance(exc, OSError) else disk_trouble(exc, path)
        if trouble is None or trouble is exc:
            raise
        raise trouble from exc


def _check_file(path: Path) -> bool:
    """Return True if the database already exists; raise StoreError for a foreign file."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a hubapp database file.")
    if not path.exists() or path.stat().st_size == 0:
        folder = path.parent
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"Cannot create a database in {folder}: it is a file, not a folder.")
        if not folder.exists():
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"Cannot create the folder {folder} for the database: {exc.strerror}."
                ) from None
        if not _can_write_in(folder):
            raise StoreError(
                f"Cannot create a database in {folder}: the folder is read-only for you."
            )
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise disk_trouble(exc, path, doing="read") or StoreError(
            f"Cannot read {path}: {exc.strerror}."
        ) from None
    if head != SQLITE_MAGIC and not _may_be_encrypted(path):
        raise StoreError(f"{path} is not a hubapp database (it is not an SQLite file).")
    if not _can_write_file(path) or not _can_write_in(path.parent):
        raise StoreError(
            f"Cannot open {path}: the file or its folder is read-only for you "
            "(the database needs to write its journal beside it)."
        )
    return True


def _may_be_encrypted(path: Path) -> bool:
    """An encrypted database has no readable header: only whole pages of random-looking
    bytes (its size is a multiple of the smallest page size)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return size >= 512 and size % 512 == 0


def is_encrypted(path: Path | str) -> bool:
    """Whether the file at ``path`` holds data but no plaintext SQLite header."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return len(head) == 16 and head != SQLITE_MAGIC


def _can_write_in(folder: Path) -> bool:
    """Try it rather than ask os.access, which says yes to an administrator even on a
    read-only disk or a locked folder."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".hubapp-probe-"):
            return True
    except OSError:
        return False


def _can_write_file(path: Path) -> bool:
    try:
        with path.open("r+b"):
            return True
    except OSError:
        return False


def _existing_revision(path: Path, key: DatabaseKey | None = None) -> str | None:
    """The schema revision of an existing file, checked without changing it."""
    try:
        con = _dbapi_connect(path, key, read_only=True)
    except Error as exc:
        raise _cannot_open(path, exc) from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        foreign = StoreError(
            f"{path} is an SQLite database but not a hubapp database; choose another file."
        )
        if "alembic_version" not in tables:
            if tables:
                raise foreign
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is not None and not HUBAPP_TABLES <= tables:
            raise foreign  # another application that uses Alembic too
        return row[0] if row else None
    except DatabaseError as exc:
        raise _damaged(path, exc) from None
    finally:
        con.close()


def _cannot_open(path: Path, exc: BaseException) -> StoreError:
    """Why ``path`` did not open: a full or failing disk, said so, or SQLite's words."""
    return disk_trouble(exc, path, doing="open") or StoreError(f"Cannot open {path}: {exc}.")


def _damaged(path: Path, exc: BaseException) -> StoreError:
    """An error reading ``path``: damage, unless the disk is full or cannot be read or
    written (then not damage: a backup put over it would only lose work)."""
    return disk_trouble(exc, path, doing="open") or DatabaseDamaged(
        f"{path} is damaged or not a hubapp database ({exc})."
    )


def _apply_key(dbapi_con, key: DatabaseKey) -> None:
    """First statements of an encrypted connection: the raw key (no key derivation per
    connection), then temporary tables and indexes in memory, never in plaintext files."""
    cur = dbapi_con.cursor()
    try:
        cur.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our sentence, not a log
        cur.execute(f"PRAGMA key = {key.pragma_value()}")
        cur.execute(f"PRAGMA cipher_hmac_algorithm = {PAGE_HMAC}")
        # and for the files it attaches (ATTACH ... KEY reads them at once with SQLCipher's
        # defaults, which are process-wide: every connection here sets the same)
        cur.execute(f"PRAGMA cipher_default_hmac_algorithm = {PAGE_HMAC}")
        # wiping every freed buffer slows every query, and the key and open pages are in
        # this process's memory anyway while the database is open
        cur.execute("PRAGMA cipher_memory_security = OFF")
        cur.execute("PRAGMA temp_store = MEMORY")
    finally:
        cur.close()


def _dbapi_connect(path: Path, key: DatabaseKey | None, *, read_only: bool = False):
    """A DB-API connection: SQLCipher's with ``key`` applied, or the standard library's for a
    plaintext file (``key`` None)."""
    driver = sqlite3 if key is None else sqlcipher
    if read_only:
        con = driver.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True,
                             timeout=BUSY_TIMEOUT_MS / 1000)  # fmt: skip
    else:
        con = driver.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    if key is not None:
        try:
            _apply_key(con, key)
        except BaseException:
            con.close()
            raise
    return con


def _opens(path: Path, key: DatabaseKey) -> bool:
    """Whether ``key`` opens the encrypted database at ``path``."""
    try:
        con = _dbapi_connect(path, key, read_only=True)
    except Error as exc:
        raise _cannot_open(path, exc) from None
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
            return False
        raise _damaged(path, exc) from None
    finally:
        con.close()


def unlock(path: Path | str, *, passphrase: str | None = None) -> DatabaseKey:
    """The key that opens the encrypted database at ``path``, or StoreError saying why not."""
    from hubapp.store import keys

    path = Path(path)
    try:
        salt = keys.salt_of(path)
    except OSError as exc:
        raise disk_trouble(exc, path, doing="read") or StoreError(
            f"Cannot read {path}: {exc.strerror}."
        ) from None
    tried_keyring = tried_passphrase = False
    for key in keys.candidates(salt, passphrase=passphrase):
        if _opens(path, key):
            keys.remember(key)
            return key
        tried_keyring |= key.source == "keyring"
        tried_passphrase |= key.source == "passphrase"
    if tried_keyring:  # this PC's own key for this very file: the file is what changed
        raise DatabaseDamaged(
            f"{path} is damaged or not a hubapp database (file is not a database)."
        )
    raise KeyMissing(keys.missing_sentence(tried_passphrase))


def _key_for(path: Path, *, new: bool = True) -> DatabaseKey | None:
    """The key for an existing file (None for a plaintext one); for a new or empty file, the
    key of the database this process opened last (a copy of it is encrypted alike), else a
    new one (None when not ``new``: there is nothing to read)."""
    from hubapp.store import keys

    if is_encrypted(path):
        return unlock(path)
    try:
        if path.stat().st_size > 0:
            return None  # a plaintext file, e.g. one left by an older version
    except FileNotFoundError:
        pass
    if not new:
        return None
    return keys.latest() or keys.new_key()


def connect(
    path: Path | str, *, read_only: bool = False, key: DatabaseKey | None = None
) -> sqlite3.Connection:
    """A plain DB-API connection to the database file at ``path``, opened the way the store
    opens its own (busy timeout, foreign keys; autocommit, so the caller says BEGIN).

    Everything outside the store that opens a hub database file (backups, restores, checks)
    comes through here, so whatever the store applies to its connections (an encryption key)
    is applied to these too: a copy made through one is never a plaintext copy. A missing
    file is created unless ``read_only``; it is encrypted with ``key``, by default the key of
    the database this process opened last. Catch :data:`Error` around it, not
    ``sqlite3.Error``: an encrypted file is opened through SQLCipher's driver.
    """
    path = Path(path)
    if key is None:
        key = _key_for(path, new=not read_only)
    con = _dbapi_connect(path, key, read_only=read_only)
    try:
        con.isolation_level = None
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        con.close()
        raise
    return con


def _on_connect(dbapi_con, _record) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions start (BEGIN IMMEDIATE below).
    dbapi_con.isolation_level = None
    cur = dbapi_con.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        log.warning("SQLite refused WAL mode (got %s)", mode)
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA temp_store = MEMORY")  # no temporary files at all
    # an encrypted page is decrypted each time it enters the page cache: a cache that holds
    # the case list's and search's working set (about 30 MB on 100,000 cases) reads it once
    cur.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    cur.execute(f"PRAGMA temp.cache_size = -{PAGE_CACHE_KIB}")  # TEMP tables alike
    cur.close()


def _on_begin(conn) -> None:
    # Writers take the write lock up front so that two processes never interleave a
    # read-modify-write (reference counters, the audit hash chain).
    if conn.get_execution_options().get("hubapp_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def make_engine(path: Path, key: DatabaseKey | None = None) -> Engine:
    """The engine for the database at ``path``: SQLCipher's driver with ``key`` (found in
    the keyring or from the passphrase when not given) for an encrypted file, the standard
    library's for a plaintext one."""
    if key is None and is_encrypted(path):
        key = unlock(path)
    if key is None:
        engine = create_engine(f"sqlite:///{path}", future=True)
    else:
        # SQLAlchemy's SQLite dialect over SQLCipher's DB-API module; the key listener is
        # inserted first so that it precedes even the dialect's own first queries
        engine = create_engine(f"sqlite:///{path}", future=True, module=sqlcipher)
        event.listen(engine, "connect", lambda con, _rec: _apply_key(con, key), insert=True)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def alembic_config(path: Path):
    """Alembic's configuration for the database at ``path`` (Alembic imported on demand)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    return cfg


def migrate(engine: Engine, path: Path) -> None:
    """Bring the schema to SCHEMA_HEAD with Alembic (imported only when needed)."""
    from alembic import command

    cfg = alembic_config(path)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """The open hub database. Thread-safe: each unit of work gets its own session."""

    def __init__(self, path: Path, engine: Engine, key: DatabaseKey | None = None) -> None:
        self.path = path
        self.engine = engine
        #: the key the database was opened with (None: a plaintext file)
        self.key = key
        self._anchor_secret: bytes | None = None
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(hubapp_write=True), expire_on_commit=False
        )
        from hubapp.store import audit

        audit.install(self._writer)
        # every ORM select of every session under the acting account's reading rules
        access.install(self._reader)
        access.install(self._writer)
        #: who is acting; staff accounts replace the operating-system name
        self.user: str = _os_user()
        #: the signed-in staff account (role, agency, hub: hubapp.store.accounts), or None
        #: where the database has no accounts
        self.account = None
        #: a sign-in checked but not yet written (hubapp.store.accounts.record_sign_in)
        self.pending_sign_in = False
        self._station_id: uuid.UUID | None = None
        #: asked before every write transaction; raises StoreError to refuse it (the
        #: start-up integrity check holds writes until it has passed, and refuses them for
        #: good on a damaged file: hubapp.store.admin.backup.WriteGuard)
        self.write_guard = None

    # -- units of work ---------------------------------------------------------------
    # A full disk, or one that cannot be read or written, comes out of each of them as
    # DiskFull or DiskFailed, worded for people: not damage, and nothing was saved.
    # Each session acts, to its end, as the account signed in when it began
    # (hubapp.store.access.begin): a sign-in meanwhile changes nothing for it.
    @contextmanager
    def read(self) -> Iterator[Session]:
        with _disk_trouble_said(self.path), self._reader() as session:
            access.begin(session, self)
            with session.begin():
                yield session

    @contextmanager
    def write(self, reason: str = "") -> Iterator[Session]:
        """One transaction; the audit entries for its changes are written inside it."""
        if self.write_guard is not None:
            self.write_guard()
        with _disk_trouble_said(self.path), self._writer() as session:
            access.begin(session, self)
            session.info["reason"] = reason
            with session.begin():
                yield session

    @contextmanager
    def bulk_write(self, reason: str = "") -> Iterator[Session]:
        """Like :meth:`write`, for loading many rows at once: foreign keys are not checked
        row by row (with deferred checks, every parent arriving after an orphan makes SQLite
        scan the child table). The caller checks them all before the end, with
        ``PRAGMA foreign_key_check``, and raises to roll back on a dangling key.

        The commit does not wait for the disk (``synchronous = NORMAL``; write-ahead logging
        keeps the file consistent): for work that is simply done again when a power cut loses
        it, made durable afterwards by :meth:`checkpoint`."""
        if self.write_guard is not None:
            self.write_guard()
        with _disk_trouble_said(self.path), self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            # both only outside a transaction
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute("PRAGMA synchronous = NORMAL")
            try:
                with self._writer(bind=conn) as session:
                    access.begin(session, self)
                    session.info["reason"] = reason
                    conn.execution_options(hubapp_write=True)
                    with session.begin():
                        yield session
            finally:
                raw.execute("PRAGMA synchronous = FULL")
                raw.execute("PRAGMA foreign_keys = ON")

    def checkpoint(self) -> None:
        """Move the write-ahead log into the database file and empty it (after bulk work, so
        that the next person's save does not pay for it)."""
        with self.engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def anchor_secret(self) -> bytes:
        """The secret that seals the audit log's anchor (hubapp.store.audit), derived from
        the database's key."""
        if self._anchor_secret is None:
            from hubapp.store import audit

            if self.key is None and is_encrypted(self.path):
                self._anchor_secret = anchor_secret_for(self.path)
            else:
                self._anchor_secret = audit.secret_of_key(self.key)
        return self._anchor_secret

    # -- this station ----------------------------------------------------------------
    @property
    def station_id(self) -> uuid.UUID | None:
        if self._station_id is None:
            from hubapp.store import setup

            self._station_id = setup.station_id(self)
        return self._station_id

    def forget_station(self) -> None:
        self._station_id = None

    def close(self) -> None:
        try:
            if self.write_guard is not None and not self.write_guard.writable():
                raise StoreError("writes refused")  # nothing written to a damaged file
            # keeps the query planner's statistics fresh: bounded (a table never analysed is
            # sampled, not read whole) and committed (a rolled-back ANALYZE is redone, at
            # every close, by the next)
            with self.engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA analysis_limit = 400")
                conn.exec_driver_sql("PRAGMA optimize")
        except Exception:  # closing must never fail
            log.debug("PRAGMA optimize failed", exc_info=True)
        self.engine.dispose()


def anchor_secret_for(path: Path | str) -> bytes:
    """The audit anchor's sealing secret of the database file at ``path``: derived from its
    key as this process has it (``hubapp.store.audit``)."""
    from hubapp.store import audit, keys

    path = Path(path)
    if not is_encrypted(path):
        return audit.secret_of_key(None)
    return audit.secret_of_key(keys.known(keys.salt_of(path)) or unlock(path))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def open_store(
    path: Path | str,
    *,
    load_reference: bool = True,
    encrypted: bool = True,
    passphrase: str | None = None,
    key: DatabaseKey | None = None,
) -> Store:
    """Open (creating if need be) and upgrade the database at ``path``.

    A new database is encrypted (its key in the keyring, or from ``passphrase`` /
    ``HUBAPP_DB_PASSPHRASE``), and a plaintext one is encrypted in place, unless
    ``encrypted`` is False (measurements of the cost of encryption only). A given ``key``
    encrypts a new file and is kept nowhere (a hub snapshot's, which central keeps).
    """
    path = Path(path).expanduser().absolute()
    _clear_leftovers(path)
    existed = _check_file(path)
    if not existed:
        revision = None
        # made owner-only before SQLite opens it: SQLite gives the -wal and -shm files the
        # database file's permissions, and the write-ahead log holds the data too
        _create_restricted(path)
        if key is not None:
            _key_new_file(path, key)
        elif encrypted:
            key = _new_encrypted(path, passphrase)
    elif key is not None:
        revision = _existing_revision(path, key)
    elif is_encrypted(path):
        key = unlock(path, passphrase=passphrase)
        revision = _existing_revision(path, key)
    else:
        revision = _existing_revision(path)
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreError(
            f"{path} was made by a newer version of hubapp (schema {revision}); "
            "install the latest version to open it."
        )
    if existed and key is None and encrypted:
        key = encrypt_in_place(path, passphrase=passphrase)
    engine = make_engine(path, key)
    try:
        if revision != SCHEMA_HEAD:
            log.info("Upgrading %s from schema %s to %s", path, revision, SCHEMA_HEAD)
            migrate(engine, path)
        store = Store(path, engine, key)
        if revision is None:
            _start_audit_log(store)
        if load_reference:
            from hubapp.store import refdata

            refdata.ensure(store)
        _tighten_companions(path)
    except StoreError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise _cannot_open(path, exc) from None
    except Exception as exc:
        engine.dispose()
        from sqlalchemy.exc import OperationalError as SAOperationalError

        if isinstance(exc, SAOperationalError):
            raise _cannot_open(path, exc.orig) from None
        trouble = disk_trouble(exc, path, doing="open")
        if trouble is not None:
            raise trouble from None
        raise
    return store


def _start_audit_log(store: Store) -> None:
    """A new database's audit log begins with its anchor, so that from the first entry on a
    missing anchor is never taken for a new database's (hubapp.store.audit)."""
    from hubapp.store import audit

    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("BEGIN IMMEDIATE")
        try:
            audit.start_anchor(raw, store.anchor_secret)
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise


# --- encryption ------------------------------------------------------------------------------

ENCRYPTING = ".encrypting"  # the encrypted copy being made, beside the database
PLAINTEXT = ".plaintext"  # the plaintext file, until it has been overwritten
SNAPSHOT = ".snapshot"  # a hub snapshot being downloaded and installed (hubapp.sync.snapshot)


def _new_encrypted(path: Path, passphrase: str | None) -> DatabaseKey:
    """Give the new, empty file at ``path`` its key: SQLCipher writes the first page (with
    the salt that names the key) at once, so the key can be found before anything else."""
    from hubapp.store import keys

    key = keys.new_key(passphrase=passphrase)
    try:
        _key_new_file(path, key)
    except BaseException:
        keys.discard(key)
        raise
    return key


def _key_new_file(path: Path, key: DatabaseKey) -> None:
    from hubapp.store import keys

    con = _dbapi_connect(path, key)
    try:
        con.execute("PRAGMA journal_mode = WAL").fetchone()
    finally:
        con.close()
    if keys.salt_of(path) != key.salt:
        raise StoreError(f"Cannot create an encrypted database at {path}.")


def _table_counts(con) -> dict[str, int]:
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]  # fmt: skip
    counts = {}
    for name in names:
        try:
            counts[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        except DatabaseError:  # a virtual table whose module this build lacks
            counts[name] = -1
    return counts


def encrypt_in_place(path: Path | str, *, passphrase: str | None = None) -> DatabaseKey:
    """Encrypt the plaintext database at ``path`` (no other program may have it open).

    An encrypted copy is made beside it with ``sqlcipher_export``, checked (integrity and the
    rows of every table), and put in its place; the plaintext file is then overwritten with
    zeros and removed, and so are its write-ahead log and shared-memory files. A failure at
    any step leaves the plaintext database as it was.
    """
    from hubapp.store import keys

    path = Path(path).absolute()
    tmp = path.with_name(path.name + ENCRYPTING)
    _remove_quietly([tmp, *_companions(tmp)])
    key = keys.new_key(passphrase=passphrase)
    log.info("Encrypting %s", path)
    try:
        _create_like(tmp, path)
        con = sqlcipher.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA temp_store = MEMORY")
            con.execute(f"ATTACH DATABASE ? AS encrypted KEY {key.pragma_value()}", (str(tmp),))
            con.execute(f"PRAGMA encrypted.cipher_hmac_algorithm = {PAGE_HMAC}")
            con.execute("BEGIN IMMEDIATE")  # no writer may slip in between copy and count
            con.execute("SELECT sqlcipher_export('encrypted')")
            (version,) = con.execute("PRAGMA main.user_version").fetchone()
            con.execute(f"PRAGMA encrypted.user_version = {int(version)}")
            expected = _table_counts(con)
            con.execute("COMMIT")
            con.execute("DETACH DATABASE encrypted")
            # everything into the main file, and the write-ahead log gone
            con.execute("PRAGMA journal_mode = DELETE").fetchone()
        finally:
            con.close()
        check = _dbapi_connect(tmp, key)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StoreError(f"The encrypted copy of {path} failed its check; nothing changed.")
            if _table_counts(check) != expected:
                raise StoreError(
                    f"The encrypted copy of {path} does not hold every row; nothing changed."
                )
            _reseal_anchor(check, key)
            check.execute("PRAGMA journal_mode = WAL").fetchone()
        finally:
            check.close()
        _fsync_file(tmp)
    except BaseException as exc:
        _remove_quietly([tmp, *_companions(tmp)])
        keys.discard(key)
        if isinstance(exc, Error):
            raise disk_trouble(exc, path, doing="encrypt") or StoreError(
                f"Cannot encrypt {path}: {exc}; nothing changed."
            ) from None
        raise
    # the swap: a second name keeps the plaintext reachable until it has been overwritten
    old = path.with_name(path.name + PLAINTEXT)
    _remove_quietly([old])
    try:
        os.link(path, old)
    except OSError:
        old = None  # a file system without hard links: the plaintext blocks are only freed
    leftovers = [c for c in _companions(path) if c.exists()]
    for companion in leftovers:  # never let a plaintext log meet the encrypted file
        _shred(companion)
    files.replace(tmp, path)
    _fsync_dir(path.parent)
    if old is not None:
        _shred(old)
    log.info("Encrypted %s", path)
    return key


def _reseal_anchor(con, key: DatabaseKey) -> None:
    """The audit log's anchor is sealed with a secret derived from the key: a database
    encrypted now seals it again with its new key (if it held under the plaintext secret)."""
    from hubapp.store import audit

    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "local_setting" not in tables:
        return
    con.isolation_level = None
    con.execute("BEGIN IMMEDIATE")
    try:
        audit.reseal(con, audit.secret_of_key(None), audit.secret_of_key(key))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal")]


def _clear_leftovers(path: Path) -> None:
    """Finish an encryption that was cut short: overwrite a plaintext file still waiting
    for it; drop a half-made encrypted copy, and a hub snapshot whose download or
    installation was cut short (``hubapp.sync.snapshot``; the file it was meant for is
    untouched until the snapshot is copied into it in one transaction)."""
    old = path.with_name(path.name + PLAINTEXT)
    if old.exists() and path.exists():
        _shred(old)
    for suffix in (ENCRYPTING, SNAPSHOT):
        tmp = path.with_name(path.name + suffix)
        _remove_quietly([tmp, *_companions(tmp)])


def _create_like(new: Path, like: Path) -> None:
    """An empty file with the permissions of ``like`` (owner-only where the store makes its
    files so)."""
    if _owner_only():
        _create_restricted(new)
        return
    new.touch(exist_ok=False)
    try:
        os.chmod(new, like.stat().st_mode & 0o777)
    except OSError:
        log.warning("Could not copy the permissions of %s", like)


def _shred(path: Path) -> None:
    """Overwrite a file with zeros, flush it to the disk, remove it. (On flash drives and
    copy-on-write file systems the old blocks may survive elsewhere: full-disk encryption
    covers those.)"""
    try:
        size = path.stat().st_size
        with path.open("r+b", buffering=0) as fh:
            block = bytes(1 << 20)
            done = 0
            while done < size:
                done += fh.write(block[: min(len(block), size - done)])
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return
    except OSError:
        log.warning("Could not overwrite %s", path, exc_info=True)
    _remove_quietly([path])


def _remove_quietly(paths) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            log.warning("Could not remove %s", p, exc_info=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        _fsync_file(folder)
    except OSError:
        log.debug("Could not flush the folder %s", folder)


def _owner_only() -> bool:
    # a shared data folder (several accounts of one station PC) is guarded by the folder's
    # own permissions, set by the installer
    return os.name == "posix" and settings.env("HUBAPP_DATA_DIR") is None


def _create_restricted(path: Path) -> None:
    """Personal data: a new database is readable by its owner only (where the OS allows)."""
    if not _owner_only():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.chmod(path, 0o600)  # whatever the umask
    except FileExistsError:  # an empty file left by an earlier attempt
        _chmod_owner_only(path)
    except OSError:
        log.warning("Could not restrict the permissions of %s", path)


def _tighten_companions(path: Path) -> None:
    """An owner-only database's -wal and -shm files are owner-only too (an older version
    made them with the default permissions)."""
    if not _owner_only():
        return
    try:
        if path.stat().st_mode & 0o077:
            return  # someone chose to share this database; leave its files alike
    except OSError:
        return
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        try:
            if companion.stat().st_mode & 0o077:
                _chmod_owner_only(companion)
        except FileNotFoundError:
            pass


def _chmod_owner_only(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError:
        log.warning("Could not restrict the permissions of %s", path)
