"""Opening the hub database: checks, pragmas, migrations, sessions.

``open_store(path)`` is the one way in. It refuses, with one clear sentence, a file that is
not a hubapp database, a database made by a newer hubapp, and a folder it cannot write to;
it never damages or silently recreates such a file.
"""

from __future__ import annotations

import getpass
import logging
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

#: The newest migration this version knows. A test checks it against Alembic's head.
SCHEMA_HEAD = "0005"
#: Every revision this version can open (older ones are upgraded on open).
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005")

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """A problem opening or using the database, worded for the person at the keyboard."""


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
        raise StoreError(f"Cannot read {path}: {exc.strerror}.") from None
    if head != SQLITE_MAGIC:
        raise StoreError(f"{path} is not a hubapp database (it is not an SQLite file).")
    if not _can_write_file(path) or not _can_write_in(path.parent):
        raise StoreError(
            f"Cannot open {path}: the file or its folder is read-only for you "
            "(the database needs to write its journal beside it)."
        )
    return True


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


def _existing_revision(path: Path) -> str | None:
    """The schema revision of an existing file, checked without changing it."""
    uri = f"file:{path}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open {path}: {exc}.") from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            if tables:
                raise StoreError(
                    f"{path} is an SQLite database but not a hubapp database; choose another file."
                )
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is damaged or not a hubapp database ({exc}).") from None
    finally:
        con.close()


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
    cur.close()


def _on_begin(conn) -> None:
    # Writers take the write lock up front so that two processes never interleave a
    # read-modify-write (reference counters, the audit hash chain).
    if conn.get_execution_options().get("hubapp_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
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

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(hubapp_write=True), expire_on_commit=False
        )
        from hubapp.store import audit

        audit.install(self._writer)
        #: who is acting; staff accounts replace the operating-system name
        self.user: str = _os_user()
        self._station_id: uuid.UUID | None = None

    # -- units of work ---------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            with session.begin():
                yield session

    @contextmanager
    def write(self, reason: str = "") -> Iterator[Session]:
        """One transaction; the audit entries for its changes are written inside it."""
        with self._writer() as session:
            session.info["store"] = self
            session.info["reason"] = reason
            with session.begin():
                yield session

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
            with self.engine.connect() as conn:
                conn.exec_driver_sql(
                    "PRAGMA optimize"
                )  # keeps the query planner's statistics fresh
        except Exception:  # closing must never fail
            log.debug("PRAGMA optimize failed", exc_info=True)
        self.engine.dispose()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def open_store(path: Path | str, *, load_reference: bool = True) -> Store:
    """Open (creating if need be) and upgrade the database at ``path``."""
    path = Path(path).expanduser().absolute()
    existed = _check_file(path)
    revision = _existing_revision(path) if existed else None
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreError(
            f"{path} was made by a newer version of hubapp (schema {revision}); "
            "install the latest version to open it."
        )
    if not existed:
        # made owner-only before SQLite opens it: SQLite gives the -wal and -shm files the
        # database file's permissions, and the write-ahead log holds the data too
        _create_restricted(path)
    engine = make_engine(path)
    try:
        if revision != SCHEMA_HEAD:
            log.info("Upgrading %s from schema %s to %s", path, revision, SCHEMA_HEAD)
            migrate(engine, path)
        store = Store(path, engine)
        if load_reference:
            from hubapp.store import refdata

            refdata.ensure(store)
        _tighten_companions(path)
    except StoreError:
        engine.dispose()
        raise
    except sqlite3.OperationalError as exc:
        engine.dispose()
        raise StoreError(f"Cannot open {path}: {exc}.") from None
    except Exception as exc:
        engine.dispose()
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            raise StoreError(f"Cannot open {path}: {exc.orig}.") from None
        raise
    return store


def _owner_only() -> bool:
    # a shared data folder (several accounts of one station PC) is guarded by the folder's
    # own permissions, set by the installer
    return os.name == "posix" and not os.environ.get("HUBAPP_DATA_DIR")


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
