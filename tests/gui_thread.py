"""The rule "screens reach the database only through background tasks", held at run time.

Every unit of work of the store (``Store.read``, ``write``, ``bulk_write``) opened on the GUI
thread is looked at: if a frame of the GUI layers (``hubapp.views``, ``hubapp.gui``,
``hubapp.models``, ``hubapp.app``) is on the stack, a screen is waiting on the database (and
on the write lock, up to the busy timeout) where the window should stay responsive. A test's
own calls into the store, with no screen between, are the test setting up or checking, and
are let through.

``tests/conftest.py`` installs the watch for the whole run and fails each test in which a
screen did it, naming the screen's line and the store function it reached.
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path

import hubapp

_ROOT = Path(hubapp.__file__).resolve().parent
GUI_LAYERS = tuple(str(_ROOT / p) for p in ("views", "gui", "models", "app.py"))


class Watch:
    """Records each unit of work a screen opened on the GUI thread."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def look(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if "PySide6.QtWidgets" not in sys.modules:
            return
        stack = traceback.extract_stack()[:-1]
        screens = [f for f in stack if f.filename.startswith(GUI_LAYERS)]
        if not screens:
            return
        core = [f for f in stack if f.filename.startswith(str(_ROOT)) and f not in screens]

        def name(f) -> str:
            return f"{Path(f.filename).relative_to(_ROOT.parent)}:{f.lineno} ({f.name})"

        reached = f" reached {name(core[-1])}" if core else ""
        self.found.append(f"{name(screens[0])}{reached}")


def install(store_class, watch: Watch) -> None:
    """Wrap the store's units of work so that each asks ``watch`` first."""
    for unit in ("read", "write", "bulk_write"):
        original = getattr(store_class, unit)

        def watched(self, *args, _original=original, **kwargs):
            watch.look()
            return _original(self, *args, **kwargs)

        watched.__name__ = unit
        watched.__doc__ = original.__doc__
        setattr(store_class, unit, watched)
