"""The files people name: exports, documents, backups and rejects written; CSV files read.

Every file hubapp writes where someone chose (``-o FILE``, a save dialog, the rejects file
beside an import) is written by :func:`atomic_write`, or, when another library fills it (a
backup made by SQLite), put in place by :func:`move_into_place`. Every file handed in to be
read goes through :func:`read_regular`. No caller does its own checks or renames, so none
can forget one.

* **Only regular files.** The name given must be free, or an existing regular file. A
  folder, a device (``/dev/null``), a pipe (FIFO), a socket or a symbolic link is refused in
  one sentence (:class:`NotAFile`) before anything is written, and nothing is changed. A
  link is refused even where it points to a regular file: replacing it would silently cut
  the link, and writing through it would write somewhere the person did not name. A folder
  is refused too, rather than filled with a file of a made-up name: a scheduled task that
  says ``-o D:\\exports`` would then look for a file that is not there; the sentence
  suggests a name inside the folder instead.
* **Atomic.** The file is written to a temporary file (mode 0600) in the same folder,
  flushed to the disk, and moved into place. Right before the move the name is checked
  again. A free name is taken with a hard link, which fails rather than replace anything
  that appeared there in the last instant; an existing regular file is replaced by a rename.
  (On a file system without hard links, such as FAT, a free name is taken by a rename too,
  after the check.) Any failure leaves the old file as it was and no temporary file behind.
* **Worded for people.** An :class:`OSError` comes out as :class:`WriteError`, one sentence
  about the file asked for, never the temporary one ("Cannot write X: the disk is full.").
* **Reading** looks at the name first and opens it without waiting (opening a FIFO for
  reading otherwise blocks until someone writes to it), then reads it only if what was
  opened is a regular file. A link to a regular file may be read.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from hubapp.store.errors import StoreError

log = logging.getLogger(__name__)

#: ``around(move)``: runs ``move()`` (which puts the file in place) inside whatever must
#: happen with it, e.g. the transaction that records an export in the audit log
Around = Callable[[Callable[[], None]], None]


class NotAFile(StoreError):
    """The name given for a file to write or read is not a regular file (a folder, a device,
    a pipe, a socket or a link); nothing was written or read."""


class WriteError(OSError):
    """Writing ``filename`` failed. ``str()`` is one plain sentence naming the file the person
    asked for (never the temporary file); ``errno`` is the cause's."""

    def __init__(self, target: Path, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause), str(target))
        self.sentence = f"Cannot write {target}: {_why(target, cause)}."

    def __str__(self) -> str:
        return self.sentence


def _why(target: Path, cause: OSError) -> str:
    code = cause.errno
    if code in (errno.ENOENT, errno.ENOTDIR):
        if not target.parent.is_dir():
            return "no such folder"
        return "files cannot be made in that folder"
    if code in (errno.EACCES, errno.EPERM):
        if os.name == "nt" and target.is_file():
            # Windows says "access denied" for a file another program holds open (Excel
            # keeps the workbook it shows open), far more often than for a real refusal
            return (
                "permission denied, or it is open in another program (close it there and try again)"
            )
        return "permission denied"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if code == errno.EROFS:
        return "the disk is read-only"
    if code == errno.EISDIR:
        return "it is a folder"
    if code == errno.ENAMETOOLONG:
        return "the name is too long"
    reason = (cause.strerror or type(cause).__name__).rstrip(".")
    return reason[:1].lower() + reason[1:]


# --- renaming, Windows' way ------------------------------------------------------------------

#: pauses between tries of a rename Windows refused (about three seconds in all): a virus
#: scanner, the search indexer or a backup agent opens a file just written for a moment
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


def replace(source: Path | str, target: Path | str) -> None:
    """``os.replace``, the one rename over a file in hubapp. Windows refuses to rename onto
    (or away) a file that any program holds open, where POSIX lets it happen: so every
    caller closes its own handles (and SQLite's connections) on both files first, and a
    refusal on Windows is tried again for a few seconds before it is reported, since the
    holder is then usually another program that lets go by itself."""
    for delay in (*RETRY_DELAYS, None):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if os.name != "nt" or delay is None:
                raise
            time.sleep(delay)


# --- what a name is --------------------------------------------------------------------------

#: Windows reparse points that lead elsewhere (others, such as OneDrive's files kept online,
#: are ordinary files to read and write)
_LINK_TAGS = (
    getattr(stat, "IO_REPARSE_TAG_SYMLINK", 0xA000000C),
    getattr(stat, "IO_REPARSE_TAG_MOUNT_POINT", 0xA0000003),
)


def kind_of(st: os.stat_result) -> str | None:
    """None for a regular file; otherwise what it is, for a sentence ("a folder")."""
    mode = st.st_mode
    if getattr(st, "st_reparse_tag", 0) in _LINK_TAGS:  # a Windows link or junction
        return "a link"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _refusal(target: Path, kind: str, example: str | None) -> str:
    if kind == "a folder":
        if example:
            return (f"Cannot write {target}: it is a folder; give the name of a file in it, "
                    f"e.g. {target / example}.")  # fmt: skip
        return f"Cannot write {target}: it is a folder; give the name of a file in it."
    if kind == "a link":
        try:
            where = f" to {os.readlink(target)}"
        except OSError:
            where = ""
        return f"Cannot write {target}: it is a link{where}, not a file; give the name of the file itself."
    return (f"Cannot write {target}: it is {kind}, not an ordinary file; give the name of a "
            "file to write.")  # fmt: skip


def check_output(
    target: Path | str, example: str | None = None, *, error: type[StoreError] = NotAFile
) -> None:
    """Refuse (:class:`NotAFile`, or ``error``, in one sentence) a name that exists and is not
    a regular file. ``example``: a file name to suggest when ``target`` is a folder."""
    target = Path(target)
    try:
        st = os.lstat(target)
    except OSError:
        return  # free (or its folder is missing or unreadable: the write says so)
    kind = kind_of(st)
    if kind is not None:
        raise error(_refusal(target, kind, example))


# --- writing ---------------------------------------------------------------------------------


def move_into_place(temp: Path, target: Path, example: str | None = None) -> None:
    """Move the finished file ``temp`` (in ``target``'s folder) to ``target``: onto a free
    name or over a regular file only, checked right before the move."""
    check_output(target, example)
    try:
        os.link(temp, target)  # a free name: fails if anything has appeared there since
    except FileExistsError:
        check_output(target, example)  # what is there: a regular file, or something new
        replace(temp, target)
    except OSError:
        # no hard links on this file system (FAT, some network shares): checked just above
        replace(temp, target)
    else:
        try:
            temp.unlink()
        except OSError:
            log.warning("Could not remove the temporary file %s", temp)
    _sync_folder(target.parent)


def atomic_write(
    target: Path | str,
    write: Callable[[IO[bytes]], None],
    around: Around | None = None,
    *,
    example: str | None = None,
) -> None:
    """Write a file so that readers see the old file or the complete new one, never a part,
    and only ever as a regular file (see the module notes).

    ``write`` fills a temporary file (mode 0o600) in the target's folder; it is flushed to
    disk and moved into place, by ``around(move)`` when given (``move()`` must be called
    exactly once, inside whatever has to happen with it). On any failure the temporary file
    is removed and the target left as it was; an OSError comes out as :class:`WriteError`,
    a name that is not a regular file as :class:`NotAFile`.
    """
    target = Path(target)
    check_output(target, example)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise WriteError(target, exc) from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if os.name == "posix":
            os.chmod(temp, 0o600)  # mkstemp makes it so already; say it where it matters

        def move() -> None:
            move_into_place(temp, target, example)

        if around is None:
            move()
        else:
            around(move)
    except BaseException as exc:
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            log.warning("Could not remove the temporary file %s", temp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(target, exc) from exc
        raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no folder handles to sync."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("Could not flush the folder %s", folder)
    finally:
        os.close(fd)


# --- reading ---------------------------------------------------------------------------------


def _not_readable(path: Path, kind: str, choose: str) -> str:
    if kind == "a folder":
        return f"{path} is a folder; choose {choose}."
    return f"{path} is {kind}, not an ordinary file; choose {choose}."


def read_regular(path: Path | str, choose: str) -> bytes:
    """The bytes of the regular file at ``path``; :class:`NotAFile` at once (never a wait)
    for a folder, device, pipe or socket, saying "choose ``choose``"; OSError otherwise."""
    path = Path(path)
    kind = kind_of(os.stat(path))  # a link is followed: reading through it changes nothing
    if kind is not None:
        raise NotAFile(_not_readable(path, kind, choose))
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)  # swapped for a FIFO since the look: this does not wait for it
    try:
        kind = kind_of(os.fstat(fd))
        if kind is not None:
            raise NotAFile(_not_readable(path, kind, choose))
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)
