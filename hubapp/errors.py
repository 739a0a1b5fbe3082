"""Turning exceptions into one clear sentence for people (screens and the command line)."""

from __future__ import annotations

import errno

OWN_ERRORS = frozenset(
    {"StoreError", "EditConflict", "CaseNotFound", "UsageError", "WriteError", "SettingError"}
)


def _own(exc: BaseException) -> bool:
    """One of hubapp's own errors, already worded for people (any StoreError subclass)."""
    if type(exc).__name__ in OWN_ERRORS:
        return True
    from hubapp.store.errors import StoreError  # loaded already whenever one is raised

    return isinstance(exc, StoreError)


def expected(exc: BaseException) -> bool:
    """An error people cause or meet (bad file, full disk), not a fault in hubapp."""
    return _own(exc) or isinstance(exc, OSError) or _disk(exc) or busy(exc)


def busy(exc: BaseException) -> bool:
    """The database's write lock was held by another program or window for longer than the
    busy timeout (SQLite's SQLITE_BUSY, or SQLAlchemy's wrapping of it): nothing was saved,
    and trying again in a moment will do."""
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT")


def _disk(exc: BaseException) -> bool:
    """A database error that is a full or failing disk (SQLite's, or SQLAlchemy's wrapping of
    one): met on the PC, not a fault in hubapp, so said in one sentence without a traceback."""
    if type(exc).__module__.split(".")[0] not in ("sqlite3", "sqlcipher3", "sqlalchemy"):
        return False
    from hubapp.store.database import disk_trouble

    return disk_trouble(exc) is not None


def describe(exc: BaseException) -> str:
    # Our own errors are already worded for people.
    if _own(exc):
        return str(exc)
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "The disk is full: free some space and try again; nothing was saved."
        if exc.errno in (errno.EACCES, errno.EPERM):
            where = f" {exc.filename}" if exc.filename else ""
            return f"Permission denied{where}."
        return f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}."
    name = type(exc).__name__
    if name == "StaleDataError":
        return "Someone else changed this record at the same time; reopen it and try again."
    if name == "OperationalError":
        orig = getattr(exc, "orig", exc)
        text = str(orig)
        if "disk is full" in text or "database or disk is full" in text:
            return "The disk is full: free some space and try again; nothing was saved."
        if "disk I/O error" in text:  # a write refused: a file-size or quota limit, a bad disk
            return (
                "The disk could not be written to (it may be full or failing): free some "
                "space and try again; nothing was saved."
            )
        if "locked" in text:
            return "The database is busy in another window or program; try again in a moment."
        if "readonly" in text or "read-only" in text:
            return "The database is read-only for you; nothing was saved."
        return f"The database reported a problem: {text}."
    return f"Unexpected error ({name}): {exc}"
