"""The temporary copies of attached files that another program opens (no Qt).

A file kept on a case lives inside the encrypted database. To open one in another program
(a Word document, an email, a video), hubapp writes a copy that only its owner may read:

* in a folder of its own per running hubapp, ``hubapp-open-<user>/<pid>`` under the user's
  runtime folder (``XDG_RUNTIME_DIR`` where there is one: memory, not disk) or else the
  temporary folder, each folder made 0700 and each file 0600 (on Windows, the per-user
  temporary folder is the user's own);
* removed when the app closes (:func:`remove_mine`, also run at exit), and any left by a
  hubapp that stopped without closing (a crash, a power cut) removed at the next start
  (:func:`sweep`): the folders of processes no longer running.

hubapp never runs a copy itself: the window hands it to the desktop (``QDesktopServices``),
and refuses executables and scripts by type before any copy is made
(:func:`hubapp.domain.attachments.may_open`).
"""

from __future__ import annotations

import atexit
import getpass
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

_registered = False


def _base() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    root = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name: the uid will do
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    safe = "".join(c for c in user if c.isalnum() or c in "-_") or "user"
    return root / f"hubapp-open-{safe}"


def _own_folder(path: Path) -> None:
    """Make ``path`` a folder only its owner may enter; refuse one that someone else made
    (another user could read what is put in it)."""
    path.mkdir(mode=0o700, exist_ok=True)
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise OSError(f"{path} is not a folder")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    if os.name == "posix" and stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700)


def folder() -> Path:
    """This process's folder of copies (made 0700 if need be); removed at exit."""
    global _registered
    base = _base()
    _own_folder(base)
    mine = base / str(os.getpid())
    _own_folder(mine)
    if not _registered:
        atexit.register(remove_mine)
        _registered = True
    return mine


def remove_mine() -> None:
    """Remove this process's copies (the app closing)."""
    mine = _base() / str(os.getpid())
    if mine.exists():
        shutil.rmtree(mine, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        try:
            import ctypes

            handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
            if handle:
                ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
                return True
            return False
        except Exception:  # noqa: BLE001 - cannot tell: keep its folder
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep() -> int:
    """Remove the copies of hubapps no longer running (the next start after a crash); how
    many folders were removed."""
    base = _base()
    if not base.is_dir():
        return 0
    removed = 0
    for sub in base.iterdir():
        if not sub.name.isdigit() or _running(int(sub.name)):
            continue
        shutil.rmtree(sub, ignore_errors=True)
        removed += 1
    if removed:
        log.info("Removed %d folder(s) of copies left by hubapp that had stopped", removed)
    return removed
