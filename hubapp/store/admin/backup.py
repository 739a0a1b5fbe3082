"""Integrity check, backups and restore of the hub database (no Qt).

* :func:`check` is the start-up check: ``PRAGMA quick_check`` and the foreign-key check,
  read-only. A database that fails it is never recreated or overwritten: the app keeps it
  open read-only (:class:`WriteGuard`) and offers a restore; the command line refuses.
* :func:`backup` copies the database through SQLite's backup API, a few megabytes a step
  (progress; cancel between steps), into an owner-only temporary file beside the
  destination. The copy is then verified (:func:`verify`: ``PRAGMA integrity_check``, the
  foreign keys, the schema version, and the row count of every table against the counts
  read in the same snapshot the copy was taken from) and only then renamed into place. A
  failed or cancelled backup leaves no file behind.
* :func:`auto_backup` makes at most one dated backup a day in the ``backups`` folder beside
  the database and prunes the old ones (:func:`keep_dates`: the newest 7 daily, then the
  newest of each of 4 earlier weeks).
* :func:`restore` verifies the backup, keeps the current database as a dated "before
  restore" copy, writes the backup into place through the backup API (one transaction:
  cancelled or failed, the database is as it was) and checks the result.

Every connection comes from :func:`hubapp.store.database.connect`, so whatever the store
applies to its own connections (an encryption key) applies here too, and a copy of an
encrypted database is never written in plaintext.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hubapp import settings
from hubapp.store import files
from hubapp.store.database import (
    HUBAPP_TABLES,
    KNOWN_REVISIONS,
    _companions,
    _remove_quietly,
    connect,
)
from hubapp.store.errors import Cancelled, StoreError
from hubapp.store.errors import DatabaseError as SQLDatabaseError
from hubapp.store.errors import Error as SQLError

if TYPE_CHECKING:
    from hubapp.store.audit import ChainCheck

log = logging.getLogger(__name__)

#: pages copied per step of the backup API (4 MB of 4 KB pages): a step takes a few
#: milliseconds, so progress moves smoothly and a cancel is seen at once
STEP_PAGES = 1024
#: automatic backups kept: the newest this many days that have one ...
KEEP_DAILY = 7
#: ... then the newest backup of each of this many earlier weeks
KEEP_WEEKLY = 4
SUFFIX = ".sqlite3"
BEFORE_RESTORE = "before-restore"

Progress = Callable[[float, str], object]


class BackupError(StoreError):
    """A backup, verification or restore that did not succeed, in one sentence."""


class BackupCancelled(Cancelled):
    """The person cancelled; nothing was kept (a backup) or changed (a restore)."""


class Damaged(StoreError):
    """The database failed its check; nothing was written to it."""

    def __init__(self, message: str, result: CheckResult) -> None:
        super().__init__(message)
        self.result = result


# --- the start-up check --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    path: Path
    ok: bool
    #: what is wrong, one short line each (the first few SQLite reports)
    problems: tuple[str, ...] = ()
    seconds: float = 0.0
    #: a sound SQLite file that is not a hubapp database (another application's): not damage
    foreign: bool = False

    def problem(self) -> str:
        """The first problem, for a sentence."""
        return self.problems[0] if self.problems else ""


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split()).rstrip(".")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _report_lines(rows: list[str]) -> list[str]:
    """SQLite's check report as short lines (one row may hold several lines)."""
    lines = [ln.strip() for r in rows for ln in str(r).splitlines()]
    return [_short(ln) for ln in lines if ln and not ln.startswith("*** in database")]


def _fk_problems(rows: list[tuple]) -> list[str]:
    by_table: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fkid in rows:
        by_table[(table, parent)] = by_table.get((table, parent), 0) + 1
    return [
        f"{n:,} row{'' if n == 1 else 's'} of {table} refer{'s' if n == 1 else ''} to a "
        f"missing {parent} row"
        for (table, parent), n in by_table.items()
    ]


def check(path: Path | str, *, full: bool = False, foreign_keys: bool = True) -> CheckResult:
    """Check the database file at ``path`` without changing it: ``PRAGMA quick_check`` (or
    the slower ``integrity_check`` when ``full``) and ``PRAGMA foreign_key_check``.

    A disk that is full, or cannot be read, is not damage: the check cannot be made, and
    says why (DiskFull or DiskFailed, StoreErrors), rather than report a damaged file and
    invite a restore over good data."""
    path = Path(path).expanduser().absolute()
    started = time.perf_counter()
    problems: list[str] = []
    foreign = False
    try:
        # a StoreError here (an encrypted file this PC has no key for) is not damage: it
        # goes to the caller as it is
        con = connect(path, read_only=True)
    except SQLError as exc:
        _not_damage(exc, path)
        problems.append(_short(exc))
    else:
        try:
            pragma = "integrity_check" if full else "quick_check"
            rows = [r[0] for r in con.execute(f"PRAGMA {pragma}(20)")]
            if rows != ["ok"]:
                problems.extend(_report_lines(rows)[:5] or ["the check failed"])
            if foreign_keys and not problems:
                problems.extend(_fk_problems(con.execute("PRAGMA foreign_key_check").fetchall()))
            if not problems and not _is_hubapp(con):
                foreign = True
                problems.append(NOT_HUBAPP)
        except SQLError as exc:
            _not_damage(exc, path)
            problems.append(_short(exc))
        finally:
            con.close()
    seconds = time.perf_counter() - started
    log.info("Checked %s in %.2f s: %s", path, seconds, "; ".join(problems) or "ok")
    return CheckResult(path, not problems, tuple(problems), seconds, foreign)


NOT_HUBAPP = "it is an SQLite database of another application, not a hubapp database"


def _is_hubapp(con) -> bool:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return HUBAPP_TABLES <= tables


def _not_damage(exc: BaseException, path: Path) -> None:
    """Raise DiskFull or DiskFailed if ``exc`` is a full or failing disk, not damage."""
    from hubapp.store.database import disk_trouble

    trouble = disk_trouble(exc, path, doing="check")
    if trouble is not None:
        raise trouble from None


def damaged_sentence(result: CheckResult, *, command_line: bool = False) -> str:
    if command_line:
        return (
            f"The database {result.path} is damaged ({result.problem()}); nothing was changed. "
            f"Restore it from a backup with 'hubapp restore FILE' (the automatic backups are "
            f"in {backups_dir(result.path)})."
        )
    return (
        f"This database is damaged ({result.problem()}), so it is open read-only and nothing "
        "can be saved. Restore it from a backup: File > Restore from backup…"
    )


def ensure_sound(path: Path | str) -> None:
    """For commands that write: raise :class:`Damaged` (one sentence) if an existing
    database fails its check."""
    path = Path(path).expanduser().absolute()
    if not path.is_file() or path.stat().st_size == 0:
        return
    result = check(path)
    if not result.ok and not result.foreign:  # another application's file: open says so
        raise Damaged(damaged_sentence(result, command_line=True), result)


class WriteGuard:
    """Refuses a store's writes once its start-up check has failed.

    The check runs in the background while the window shows the cases; saves do not wait
    for it (on 100,000 encrypted cases it takes 7-20 seconds, and a draft saved as someone
    types must not freeze the window). A database found damaged is made read-only at once.
    """

    def __init__(self) -> None:
        self._settled = threading.Event()
        self.refusal: str | None = None

    def __call__(self) -> None:
        if self.refusal:
            raise StoreError(self.refusal)

    def settled(self) -> bool:
        return self._settled.is_set()

    def writable(self) -> bool:
        return self.refusal is None

    def settle(self, refusal: str | None = None) -> None:
        self.refusal = refusal
        self._settled.set()


def guard_writes(store) -> WriteGuard:
    """The store's write guard (installed if need be), which :func:`run_startup_check`
    settles."""
    guard = store.write_guard if isinstance(store.write_guard, WriteGuard) else WriteGuard()
    store.write_guard = guard
    return guard


def refuse_writes(store, sentence: str) -> None:
    """Make the open store read-only: writes through it are refused with ``sentence``, and
    every new SQLite connection of its engine is ``query_only`` (so even code that writes
    around the store's own write path cannot change the file)."""
    from sqlalchemy import event

    guard_writes(store).settle(sentence)

    def query_only(dbapi_con, _record) -> None:
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA query_only = ON")
        cur.close()

    event.listen(store.engine, "connect", query_only)
    store.engine.dispose()  # pooled connections are made again, query-only


def run_startup_check(store) -> CheckResult:
    """Background work at start-up: check the open store's file, then let its writes go
    (or refuse them with a sentence and make it read-only)."""
    guard = guard_writes(store)
    result = check(store.path)
    if result.ok:
        guard.settle()
    else:
        refuse_writes(store, damaged_sentence(result))
    return result


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """A backup file that passed :func:`verify`."""

    path: Path
    revision: str
    counts: dict[str, int] = field(default_factory=dict)
    size: int = 0

    @property
    def cases(self) -> int:
        return self.counts.get("case_", 0)


def _table_counts(con: sqlite3.Connection) -> dict[str, int]:
    """The row count of every ordinary table (virtual tables are counted through their
    shadow tables)."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        )
    ]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _count_difference(expected: dict[str, int], found: dict[str, int]) -> str:
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            return (
                f"the table {table} has {found.get(table, 0):,} rows in the copy against "
                f"{expected.get(table, 0):,} in the database"
            )
    return ""


class _Job:
    """Progress and cancel for one operation: ``report`` raises BackupCancelled once the
    person has cancelled (a progress callback returning False, or ``cancel()`` true)."""

    def __init__(self, progress: Progress | None, cancel: Callable[[], bool] | None) -> None:
        self._progress = progress
        self._cancel = cancel
        self._stopped = False

    def cancelled(self) -> bool:
        if not self._stopped and self._cancel is not None and self._cancel():
            self._stopped = True
        return self._stopped

    def report(self, fraction: float, message: str) -> None:
        if self._progress is not None and self._progress(fraction, message) is False:
            self._stopped = True
        if self.cancelled():
            raise BackupCancelled

    def done(self, message: str) -> None:
        """The last report, once the work is in place: too late to cancel."""
        if self._progress is not None:
            self._progress(1.0, message)

    def interruptible(self, con: sqlite3.Connection) -> None:
        """Let a cancel interrupt a long statement (an integrity check) on ``con``."""
        con.set_progress_handler(lambda: 1 if self.cancelled() else 0, 20_000)


def verify(
    path: Path | str,
    expected: dict[str, int] | None = None,
    *,
    cancel: Callable[[], bool] | None = None,
) -> Verified:
    """Check a backup file thoroughly without changing it; raise BackupError if it is not a
    sound hubapp database (of a version this one opens), or if its tables do not hold the
    ``expected`` row counts."""
    path = Path(path).expanduser().absolute()
    job = _Job(None, cancel)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    try:
        con = connect(path, read_only=True)
    except (*SQLError, StoreError) as exc:
        raise BackupError(f"{path} cannot be opened as a backup ({_short(exc)}).") from None
    try:
        job.interruptible(con)
        rows = [r[0] for r in con.execute("PRAGMA integrity_check(20)")]
        if rows != ["ok"]:
            raise BackupError(f"{path} is damaged ({(_report_lines(rows) or ['?'])[0]}).")
        fk = _fk_problems(con.execute("PRAGMA foreign_key_check").fetchall())
        if fk:
            raise BackupError(f"{path} is damaged ({fk[0]}).")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        row = (
            con.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
        if row is None:
            raise BackupError(f"{path} is not a hubapp database backup.")
        revision = row[0]
        if revision not in KNOWN_REVISIONS:
            raise BackupError(
                f"{path} was made by a newer version of hubapp (schema {revision}); install "
                "the latest version to use it."
            )
        counts = _table_counts(con)
    except SQLError as exc:
        if job.cancelled():
            raise BackupCancelled from None
        raise BackupError(f"{path} is damaged or not a hubapp backup ({_short(exc)}).") from None
    finally:
        con.close()
    if expected is not None:
        difference = _count_difference(expected, counts)
        if difference:
            raise BackupError(f"The copy does not match the database: {difference}.")
    return Verified(path, revision, counts, path.stat().st_size)


# --- copying ---------------------------------------------------------------------------------


def _new_private_file(path: Path) -> None:
    """An empty file only its owner can read (personal data), made before SQLite opens it,
    so that its -wal and -journal files are made owner-only too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)


def _fsync(path: Path, directory: bool = False) -> None:
    if directory and os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"Cannot write a backup in {folder}: it is a file, not a folder.")
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(folder, 0o700)


def _temporary_beside(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")


def _key_of(path: Path):
    """The key this process opened the encrypted database at ``path`` with (None for a
    plaintext file: the copy then gets the store's default)."""
    from hubapp.store import database

    if not database.is_encrypted(path):
        return None
    from hubapp.store import keys

    key = keys.known(keys.salt_of(path))
    return key if key is not None else database.unlock(path)


def _copy_pages(
    source: Path, target: Path, job: _Job, span: tuple[float, float], message: str
) -> dict[str, int]:
    """Copy ``source`` into the new file ``target`` through the backup API, from one read
    snapshot; return the row counts of that snapshot. ``target`` is left in rollback-journal
    mode: a single self-contained file."""
    start, end = span
    src = connect(source, read_only=True)
    try:
        src.execute("BEGIN")  # one snapshot for the counts and every step of the copy
        counts = _table_counts(src)
        # the copy is encrypted with the source's own key (and salt), whatever other
        # databases this process has opened meanwhile
        dst = connect(target, key=_key_of(source))
        try:

            def step(_status, remaining: int, total: int) -> None:
                done = (total - remaining) / total if total else 1.0
                job.report(start + (end - start) * done, message)

            src.backup(dst, pages=STEP_PAGES, progress=step, sleep=0.05)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    return counts


def _is_full(exc: BaseException, where: Path | None = None) -> bool:
    from hubapp.store.database import disk_trouble
    from hubapp.store.errors import DiskFull

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    if isinstance(disk_trouble(exc, where), DiskFull):  # an I/O error on a nearly full disk too
        return True
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)


def _failure(exc: BaseException, where: Path, what: str) -> BackupError:
    if _is_full(exc, where.parent):
        return BackupError(
            f"The disk holding {where.parent} is full: free some space and try again; {what}."
        )
    if isinstance(exc, OSError):
        from hubapp.errors import describe

        return BackupError(f"Cannot write to {where.parent}: {describe(exc).rstrip('.')}; {what}.")
    return BackupError(f"The copy to {where} failed ({_short(exc)}); {what}.")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def backup(
    store,
    dest: Path | str,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Verified:
    """Back up the database of ``store`` (an open Store, or a database path) to ``dest``.

    A backup is a copy of everything (every case of every agency, every staff password hash,
    the whole audit log): administrators only (the role matrix, hubapp.store.roles); given a
    path, only a database without staff accounts. ``progress(fraction, message)`` is called
    between steps; returning False, or ``cancel()`` returning True, stops the backup
    (BackupCancelled). Returns the verified backup; raises BackupError in one sentence. An
    existing ``dest`` is replaced only by a verified copy, and only if it is a regular file (a
    folder, device, pipe or link is refused in one sentence: ``hubapp.store.files``)."""
    from hubapp.store import access

    if hasattr(store, "read"):
        access.require(store, access.Op.BACKUP)
    elif _has_accounts(Path(store)):
        raise access.AccessRefused(access.SIGN_IN_FIRST)
    return _backup(store, dest, progress, cancel)


def _has_accounts(path: Path) -> bool:
    path = path.expanduser().absolute()
    if not path.is_file():
        return False
    try:
        con = connect(path, read_only=True)
    except (*SQLError, StoreError):
        return False
    try:
        return con.execute("SELECT 1 FROM staff_account LIMIT 1").fetchone() is not None
    except SQLError:
        return False
    finally:
        con.close()


def _backup(store, dest: Path | str, progress: Progress | None, cancel) -> Verified:
    """:func:`backup` without asking who: the daily automatic backup, which runs whoever is
    signed in and writes only into the backups folder beside the database."""
    source = Path(getattr(store, "path", store)).expanduser().absolute()
    dest = Path(dest).expanduser().absolute()
    job = _Job(progress, cancel)
    example = manual_name(source, datetime.now())
    # only ever a regular file: a folder, a device, a pipe or a link is refused
    files.check_output(dest, example, error=BackupError)
    if dest == source or _same_file(dest, source):
        raise BackupError("A backup cannot replace the database itself; choose another file.")
    if not source.is_file():
        raise BackupError(f"There is no database at {source} to back up.")
    job.report(0.0, "Starting the backup…")
    try:
        _ensure_folder(dest.parent)
        tmp = _temporary_beside(dest)
        _new_private_file(tmp)
    except OSError as exc:
        raise _failure(exc, dest, "no backup was written") from None
    try:
        counts = _copy_pages(source, tmp, job, (0.0, 0.6), "Copying the database…")
        _fsync(tmp)
        job.report(0.6, "Checking the copy…")
        verified = verify(tmp, counts, cancel=job.cancelled)
        job.report(0.99, "Checking the copy…")
        files.move_into_place(tmp, dest, example)  # checked again right before the move
    except BackupCancelled:
        _remove_quietly([tmp, *_companions(tmp)])
        raise
    except BackupError as exc:
        _remove_quietly([tmp, *_companions(tmp)])
        raise BackupError(f"{exc} No backup was kept.") from None
    except (*SQLError, OSError) as exc:
        _remove_quietly([tmp, *_companions(tmp)])
        if job.cancelled():
            raise BackupCancelled from None
        raise _failure(exc, dest, "no backup was kept") from None
    except BaseException:
        _remove_quietly([tmp, *_companions(tmp)])
        raise
    log.info("Backed up %s to %s (%d cases)", source, dest, verified.cases)
    job.done("Backup done.")
    return replace(verified, path=dest)


# --- automatic backups -----------------------------------------------------------------------


def backups_dir(db_path: Path | str) -> Path:
    from hubapp.paths import backups_dir as folder

    return folder(Path(db_path))


def daily_name(db_path: Path | str, day: date) -> str:
    return f"{Path(db_path).stem}-{day:%Y-%m-%d}{SUFFIX}"


def manual_name(db_path: Path | str, when: datetime) -> str:
    return f"{Path(db_path).stem}-{when:%Y-%m-%d-%H%M%S}{SUFFIX}"


#: a file name as this PC's file system compares it: Windows ignores case, so "Hub-….sqlite3"
#: and "hub-….sqlite3" are one file there and must be one database's backups (the database
#: opened once as C:\Data\Hub.sqlite3 and once as c:\data\hub.sqlite3); POSIX does not, and
#: there they belong to two databases, neither of whose backups the other may prune
_fold = os.path.normcase


def _daily_pattern(db_path: Path | str) -> re.Pattern:
    return re.compile(
        rf"^{re.escape(_fold(Path(db_path).stem))}-(\d{{4}}-\d{{2}}-\d{{2}}){re.escape(_fold(SUFFIX))}$"
    )


def keep_dates(
    dates: Iterable[date], daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY
) -> set[date]:
    """Which daily backups to keep: the newest ``daily`` days that have one, then, going
    back, the newest backup of each of ``weekly`` earlier ISO weeks (weeks that already have
    a kept daily backup do not count)."""
    newest_first = sorted(set(dates), reverse=True)
    keep = set(newest_first[:daily])
    weeks = {d.isocalendar()[:2] for d in keep}
    kept_weekly = 0
    for d in newest_first[daily:]:
        if kept_weekly >= weekly:
            break
        week = d.isocalendar()[:2]
        if week in weeks:
            continue
        weeks.add(week)
        keep.add(d)
        kept_weekly += 1
    return keep


def prune(db_path: Path | str) -> list[Path]:
    """Remove the automatic backups that :func:`keep_dates` does not keep; return them.
    Backups made by hand and "before restore" copies are never removed."""
    folder = backups_dir(db_path)
    pattern = _daily_pattern(db_path)
    dated: dict[date, Path] = {}
    if folder.is_dir():
        for p in folder.iterdir():
            m = pattern.match(_fold(p.name))
            if m:
                try:
                    dated[date.fromisoformat(m.group(1))] = p
                except ValueError:
                    continue
    keep = keep_dates(dated)
    removed = [p for d, p in sorted(dated.items()) if d not in keep]
    _remove_quietly(removed)
    # a backup cut short by a power cut or a killed process leaves its hidden part file
    stale = time.time() - 24 * 3600
    for p in folder.glob(f".{Path(db_path).stem}-*.part*") if folder.is_dir() else ():
        try:
            if p.stat().st_mtime < stale:
                _remove_quietly([p])
        except OSError:
            pass
    for p in removed:
        log.info("Removed the old automatic backup %s", p)
    return removed


def todays_backup(db_path: Path | str, today: date | None = None) -> Path:
    from hubapp.domain.clock import local_today

    return backups_dir(db_path) / daily_name(db_path, today or local_today())


def auto_backup(
    store,
    today: date | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path | None:
    """Today's automatic backup, unless there is one already (then None); old automatic
    backups are pruned after a new one is made."""
    path = Path(getattr(store, "path", store))
    target = todays_backup(path, today)
    if target.exists():
        return None
    _backup(store, target, progress, cancel)
    prune(path)
    return target


# --- listing and restoring -------------------------------------------------------------------


@dataclass(frozen=True)
class BackupFile:
    path: Path
    #: "automatic", "before restore" or "by hand"
    kind: str
    #: when it was written (local time of this PC)
    when: datetime
    size: int


def list_backups(db_path: Path | str) -> list[BackupFile]:
    """The backups in the database's backups folder, newest first."""
    folder = backups_dir(db_path)
    stem = _fold(Path(db_path).stem)
    daily = _daily_pattern(db_path)
    found: list[BackupFile] = []
    if not folder.is_dir():
        return found
    for p in folder.iterdir():
        name = _fold(p.name)
        if (
            name.startswith(".")
            or not name.startswith(f"{stem}-")
            or not name.endswith(_fold(SUFFIX))
        ):
            continue
        try:
            st = p.stat()
        except OSError:
            continue
        if not p.is_file():
            continue
        kind = "automatic" if daily.match(name) else (
            "before restore" if f"-{BEFORE_RESTORE}-" in name else "by hand"
        )  # fmt: skip
        found.append(BackupFile(p, kind, datetime.fromtimestamp(st.st_mtime), st.st_size))
    found.sort(key=lambda b: (b.when, b.path.name), reverse=True)
    return found


@dataclass(frozen=True)
class Restored:
    backup: Path
    #: the database as it was before, kept in the backups folder (None if there was none)
    kept: Path | None
    cases: int
    revision: str
    #: what an administrator overrode (sentences), and why ("" when nothing was overridden)
    overridden: tuple[str, ...] = ()
    reason: str = ""


class RestoreRefused(BackupError):
    """A backup that is not put in place without an administrator's override: another
    station's database, or one whose audit log does not prove itself whole. ``problems``
    are the sentences, each saying what a restore would lose; nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Holding:
    """What a database file holds, as far as a restore needs to know."""

    station_id: uuid.UUID | None
    #: "Barrow Police Station (Barrow hub)", or "" before the first-start questions
    station: str
    cases: int
    accounts: bool
    #: its audit log's check (None when not asked for)
    chain: ChainCheck | None = None


def holding(path: Path | str, *, chain: bool = False) -> Holding:
    """Read which station the database at ``path`` is, how many cases and whether staff
    accounts it has, and (``chain``) whether its audit log proves itself whole; reads only."""
    from hubapp.store import audit, database

    path = Path(path).expanduser().absolute()
    con = connect(path, read_only=True)
    try:
        station_id = settings.local_sql(con)["station_id"]
        station = ""
        if station_id is not None:
            named = con.execute(
                "SELECT s.name, h.name FROM station s JOIN hub h ON h.id = s.hub_id "
                "WHERE s.id = ?", (station_id.hex,),
            ).fetchone()  # fmt: skip
            station = f"{named[0]} ({named[1]} hub)" if named else ""
        cases = con.execute("SELECT count(*) FROM case_").fetchone()[0]
        accounts = con.execute("SELECT 1 FROM staff_account LIMIT 1").fetchone() is not None
        check = audit.verify_connection(con, database.anchor_secret_for(path)) if chain else None
    finally:
        con.close()
    return Holding(station_id, station, cases, accounts, check)


def _current_holding(db_path: Path) -> Holding | None:
    """What the database about to be replaced holds; None when there is none, or it cannot
    be read at all (too damaged, or no key: restoring is then the way back)."""
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return None
    try:
        return holding(db_path)
    except (*SQLError, StoreError, ValueError) as exc:
        log.info("The database to be restored over cannot be read (%s)", exc)
        return None


def _require_administrator(db_path: Path, actor) -> None:
    """The acting account must be an enabled administrator of the database being replaced
    (read again from it: the caller's claim is not taken on trust)."""
    from hubapp.store import roles
    from hubapp.store.access import SIGN_IN_FIRST, AccessRefused

    if actor is None:
        raise AccessRefused(SIGN_IN_FIRST)
    con = connect(db_path, read_only=True)
    try:
        row = con.execute(
            "SELECT role, disabled FROM staff_account WHERE id = ?", (actor.id,)
        ).fetchone()
    finally:
        con.close()
    if row is None or row[1] or not roles.may_role(row[0], roles.Op.RESTORE):
        raise AccessRefused(roles.refusal(roles.Op.RESTORE, row[0] if row else actor.role))


def _restore_problems(ours: Holding | None, theirs: Holding) -> list[str]:
    """Why the backup ``theirs`` may not simply replace the database ``ours``: each sentence
    says what restoring it would lose."""
    problems = []
    other_station = (
        ours is not None and ours.station_id is not None and theirs.station_id != ours.station_id
        and (ours.cases > 0 or ours.accounts)  # a new, empty database has nothing to lose
    )  # fmt: skip
    if other_station:
        whose = theirs.station or "no station (the first-start questions were never answered)"
        problems.append(
            f"This backup is of {whose}, not of this station, {ours.station or 'this one'}: "
            f"restoring it would replace this station's {ours.cases:,} cases, its staff "
            f"accounts and its audit log with another station's {theirs.cases:,} cases."
        )
    if theirs.chain is not None and not theirs.chain.ok:
        problems.append(
            f"The backup's audit log does not prove itself whole "
            f"({theirs.chain.problem.rstrip('.')}): once restored, this station's record of who "
            "did what could no longer be shown to be complete."
        )
    return problems


def _record_override(db_path: Path, actor, backup_path: Path, problems: list[str],
                     reason: str) -> None:  # fmt: skip
    """The override is recorded in the database being replaced (so the copy kept before the
    restore holds it) before anything is replaced."""
    from hubapp.store import audit
    from hubapp.store.database import open_store

    try:
        store = open_store(db_path, load_reference=False)
    except (*SQLError, StoreError) as exc:
        log.warning("The override could not be recorded in %s (%s)", db_path, exc)
        return  # too damaged to write to: the restored database records it
    try:
        if actor is not None:
            store.user = actor.user_name
        with store.write(reason=reason) as s:
            audit.record(s, audit.Kind.ALTERATION, "database", [], {
                "restore override": problems, "backup": str(backup_path),
            })  # fmt: skip
    except (*SQLError, StoreError) as exc:
        log.warning("The override could not be recorded in %s (%s)", db_path, exc)
    finally:
        store.close()


def _keep_before_restore(db_path: Path, when: datetime, job: _Job) -> Path:
    """A dated copy of the current database before a restore replaces it: through the
    backup API, or as the raw files when SQLite cannot read the damaged file at all."""
    folder = backups_dir(db_path)
    _ensure_folder(folder)
    dest = folder / f"{db_path.stem}-{BEFORE_RESTORE}-{when:%Y-%m-%d-%H%M%S}{SUFFIX}"
    tmp = _temporary_beside(dest)
    _new_private_file(tmp)
    try:
        try:
            _copy_pages(db_path, tmp, job, (0.3, 0.5), "Keeping a copy of the current database…")
            files.replace(tmp, dest)
        except BackupCancelled:
            raise  # a StoreError too (errors.Cancelled), but no reason to copy the files
        except (*SQLError, StoreError) as exc:
            log.warning("Copying %s page by page failed (%s); copying its files", db_path, exc)
            _remove_quietly([tmp, *_companions(tmp)])
            job.report(0.4, "Keeping a copy of the current database…")
            wal = db_path.with_name(db_path.name + "-wal")
            if wal.exists():
                dest_wal = dest.with_name(dest.name + "-wal")
                _new_private_file(dest_wal)
                shutil.copyfile(wal, dest_wal)
            _new_private_file(tmp)
            shutil.copyfile(db_path, tmp)
            files.replace(tmp, dest)
    except BaseException:
        _remove_quietly([tmp, *_companions(tmp)])
        raise
    _fsync(dest)
    return dest


def _write_into_place(backup_path: Path, db_path: Path, job: _Job) -> None:
    """Write the backup over the database through the backup API: the pages are written in
    one transaction of the database, so a cancel or failure leaves it as it was."""
    message = "Restoring…"
    if not db_path.exists():
        _new_private_file(db_path)
    src = connect(backup_path, read_only=True)
    try:
        try:
            dst = connect(db_path, key=_key_of(backup_path))
        except (*SQLDatabaseError, StoreError):
            dst = None
        if dst is not None:
            try:

                def step(_status, remaining: int, total: int) -> None:
                    done = (total - remaining) / total if total else 1.0
                    job.report(0.5 + 0.35 * done, message)

                src.backup(dst, pages=STEP_PAGES, progress=step, sleep=0.05)
                dst.execute("PRAGMA journal_mode = WAL")
                return
            except (*SQLDatabaseError, MemoryError) as exc:
                # SQLCipher reports some pages it cannot decrypt as out of memory
                if any(w in str(exc).lower() for w in ("locked", "busy")):
                    raise  # another program is using it: never replace it under them
                log.warning("Writing into %s failed (%r); replacing the file", db_path, exc)
            finally:
                dst.close()
    finally:
        src.close()
    # the damaged file is unreadable even as a destination: a new file replaces it
    tmp = _temporary_beside(db_path)
    _new_private_file(tmp)
    try:
        _copy_pages(backup_path, tmp, job, (0.5, 0.85), message)
        _fsync(tmp)
        _remove_quietly(_companions(db_path))
        files.replace(tmp, db_path)
        _fsync(db_path.parent, directory=True)
    except BaseException:
        _remove_quietly([tmp, *_companions(tmp)])
        raise


def restore(
    backup_path: Path | str,
    db_path: Path | str,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    actor=None,
    override: str = "",
    now: datetime | None = None,
) -> Restored:
    """Replace the database at ``db_path`` (no store may be open on it) by the backup at
    ``backup_path``, as the staff account ``actor`` (an :class:`~hubapp.store.accounts.Account`;
    None where the database has no accounts).

    Before anything is replaced: the backup is verified; an administrator of the database in
    use is required (unless it has no accounts, or cannot be read at all: then restoring is
    the way back); and a backup of another station, or one whose audit log does not prove
    itself whole, is refused (:class:`RestoreRefused`) unless ``override`` gives the reason,
    which is recorded in the database being replaced. The current database is kept as a dated
    "before restore" copy in the backups folder; the result is checked again, and the restore
    (with any override, whose broken log is then accepted as it was) is recorded in the
    restored database's audit log."""
    backup_path = Path(backup_path).expanduser().absolute()
    db_path = Path(db_path).expanduser().absolute()
    override = (override or "").strip()
    job = _Job(progress, cancel)
    if backup_path == db_path or _same_file(backup_path, db_path):
        raise BackupError("That file is the database itself; choose a backup.")
    if db_path.is_dir():
        raise BackupError(f"{db_path} is a folder, not a hubapp database file.")
    ours = _current_holding(db_path)
    if ours is not None and ours.accounts:
        _require_administrator(db_path, actor)
    job.report(0.0, "Checking the backup…")
    verified = verify(backup_path, cancel=job.cancelled)
    try:
        theirs = holding(backup_path, chain=True)
    except (*SQLError, ValueError) as exc:
        raise BackupError(
            f"{backup_path} is damaged or not a hubapp backup ({_short(exc)})."
        ) from None
    problems = _restore_problems(ours, theirs)
    if problems and not override:
        raise RestoreRefused(problems)
    if problems and ours is not None:
        _record_override(db_path, actor, backup_path, problems, override)
    job.report(0.3, "Checking the backup…")
    kept = None
    try:
        if db_path.is_file() and db_path.stat().st_size > 0:
            kept = _keep_before_restore(db_path, now or datetime.now(), job)
        _write_into_place(backup_path, db_path, job)
    except BaseException as exc:
        if kept is not None:  # the database was not changed: its copy is not needed
            _remove_quietly([kept, *_companions(kept)])
        if isinstance(exc, BackupCancelled) or not isinstance(exc, (*SQLError, OSError)):
            raise
        if job.cancelled():
            raise BackupCancelled from None
        raise _failure(exc, db_path, "the database was not changed") from None
    job.report(0.85, "Checking the restored database…")
    result = check(db_path)
    if not result.ok:
        raise BackupError(
            f"The restored database failed its check ({result.problem()}); the database as "
            f"it was is kept at {kept}."
        )
    con = connect(db_path, read_only=True)
    try:
        difference = _count_difference(verified.counts, _table_counts(con))
    finally:
        con.close()
    if difference:
        raise BackupError(f"The restored database does not match the backup: {difference}.")
    restored = Restored(backup_path, kept, verified.cases, verified.revision,
                        tuple(problems), override if problems else "")  # fmt: skip
    _record_restore(db_path, restored, actor, theirs.chain)
    log.info("Restored %s from %s (before: %s)", db_path, backup_path, kept)
    job.done("Restored.")
    return restored


# --- the audit log ---------------------------------------------------------------------------


def record(store, what: str, path: Path, cases: int) -> None:
    """Record a backup in the audit log: a copy of every record, written to a file."""
    from hubapp.store import audit

    with store.write(reason=what) as s:
        audit.record(s, audit.Kind.DISCLOSURE, "database", [], {what: str(path), "cases": cases})


def _record_restore(db_path: Path, restored: Restored, actor, chain) -> None:
    """Open the restored database (upgrading an older backup's schema) and record the
    restore in its audit log; a log an administrator overrode is then accepted as it was
    (hubapp.store.audit.accept), so that its checks go on from here."""
    from hubapp.store import audit
    from hubapp.store.database import open_store

    store = open_store(db_path)
    try:
        if actor is not None:
            store.user = actor.user_name  # the restored database's accounts are not its own
        details = {
            "restored from": str(restored.backup),
            "kept before restore": str(restored.kept) if restored.kept else "",
            "cases": restored.cases,
        }
        if restored.overridden:
            details["overridden"] = list(restored.overridden)
        with store.write(reason=restored.reason or "restore from a backup") as s:
            audit.record(s, audit.Kind.ALTERATION, "database", [], details)
        if restored.overridden and chain is not None and not chain.ok:
            audit.accept_restored(store, chain.problem, restored.reason)
    finally:
        store.close()
