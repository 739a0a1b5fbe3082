"""Logging: a rotating file in the per-user log folder (hubapp.app routes Qt's messages here)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file, the first and each one made on rotation, is created
    readable by its owner only (log lines can name records)."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.name == "posix":
            os.chmod(self.baseFilename, 0o600)  # whatever the umask, or an older file's mode
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record) -> None:
        """A log line that cannot be written (the disk is full, most often) is dropped: the
        person is told of the failure by the command or the window itself, in one sentence,
        never with the logging module's traceback on stderr."""


def setup(log_dir: Path | None, *, verbose: bool = False) -> Path | None:
    root = logging.getLogger()
    if getattr(root, "_hubapp_configured", False):
        return None
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    path = None
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            path = log_dir / "hubapp.log"
            handler = PrivateRotatingFileHandler(
                path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
            )
            handler.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(handler)
        except OSError:
            path = None  # a read-only profile must not stop the app; stderr still logs
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    # Qt's own chatter (platform plug-in notes) belongs in the log file, not on a terminal.
    console.addFilter(lambda r: r.name != "qt" or r.levelno >= logging.ERROR)
    root.addHandler(console)
    root._hubapp_configured = True  # type: ignore[attr-defined]
    return path
