"""Composition of the GUI: build the window, open the database behind it, wire the two.

The window paints before SQLAlchemy and Alembic are even imported: the database is opened
in the background after the first paint, and the case list fills when it is ready.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hubapp import APP_DISPLAY_NAME, APP_NAME, ORG_NAME, __version__

if TYPE_CHECKING:
    from hubapp.store.caselist import CaseList
    from hubapp.store.database import Store
    from hubapp.store.lookups import Lookups
    from hubapp.store.setup import StationInfo

log = logging.getLogger(__name__)


@dataclass
class OpenDatabase:
    """What the window needs of an open database."""

    store: Store
    lookups: Lookups
    station: StationInfo | None
    case_list: CaseList


def open_database(_ctx, path: Path) -> OpenDatabase:
    """Background work: open (and if need be create and upgrade) the database."""
    from hubapp.store import lookups, setup
    from hubapp.store.caselist import CaseList
    from hubapp.store.database import open_store

    store = open_store(path)
    return OpenDatabase(store, lookups.load(store), setup.current(store), CaseList(store))


def route_qt_messages() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(mode, _context, message):
        qt_log.log(levels.get(mode, logging.INFO), "%s", message)

    qInstallMessageHandler(handler)


def make_qapplication():
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from hubapp import resources

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_NAME)
    try:
        app.setWindowIcon(QIcon(str(resources.icon())))
    except FileNotFoundError:
        log.warning("Application icon missing")
    return app


def casedetail_job(_ctx, store, case_id):
    from hubapp.store import casedetail

    return casedetail.load(store, case_id)


class Controller:
    """Owns the window and the open database; turns window signals into core calls."""

    def __init__(self, window, db_path: Path) -> None:
        from hubapp.models.tasks import Task

        self._Task = Task
        self.window = window
        self.db_path = db_path
        self.db: OpenDatabase | None = None
        self._detail_task = None
        window.caseSelected.connect(self.show_case)
        window.demoRequested.connect(self.add_demo_data)

    def open(self, on_ready=None, on_error=None):
        task = self._Task(open_database, self.db_path)
        task.succeeded.connect(self._opened)
        if on_ready is not None:
            task.succeeded.connect(on_ready)
        if on_error is not None:
            task.failed.connect(on_error)
        return task.start()

    def _opened(self, db: OpenDatabase) -> None:
        self.db = db

    def ensure_station(self) -> bool:
        """Ask the first-start questions if this database has no station yet."""
        from hubapp.store import setup
        from hubapp.views.first_start import FirstStartDialog

        if self.db.station is not None:
            return True
        dialog = FirstStartDialog(
            setup.hub_choices(self.db.store),
            lambda hub, station: setup.configure(self.db.store, hub, station),
            self.window,
        )
        dialog.exec()
        self.db.station = setup.current(self.db.store)
        return self.db.station is not None

    def show_case(self, case_id) -> None:
        if self.db is None:
            return
        from PySide6.QtCore import QTimer

        task = self._Task(casedetail_job, self.db.store, case_id)
        task.succeeded.connect(self._case_loaded)
        task.failed.connect(self.window.detail.show_message)
        self._detail_task = task.start()
        # Opening a case waits for its consultation to be logged, which waits if another
        # program is writing: say so rather than leave the last case on show.
        QTimer.singleShot(400, lambda: self._still_opening(task))

    def _still_opening(self, task) -> None:
        from hubapp.models.tasks import Task

        if task is self._detail_task and task in Task._running:
            self.window.detail.show_message(
                self.window.tr("Opening the case… (waiting for another program to finish saving)")
            )

    def _case_loaded(self, detail) -> None:
        if self.window.selected_case_id() == detail.id:
            self.window.detail.show_case(detail)

    def add_demo_data(self) -> None:
        from hubapp.views.demo_dialog import DemoDialog

        if self.db is None:
            return

        def job(ctx, cases: int):
            from hubapp.store import demo

            return demo.generate(self.db.store, cases, seed=int(time.time()), progress=ctx.report)

        dialog = DemoDialog(job, self.window)
        if dialog.exec() and dialog.result is not None:
            from hubapp.store import lookups

            self.db.lookups = lookups.load(self.db.store)
            self.window.attach(self.db)


def run_gui(db_path: Path) -> int:
    from PySide6.QtWidgets import QMessageBox

    from hubapp.views.main_window import MainWindow

    app = make_qapplication()
    route_qt_messages()
    window = MainWindow()
    controller = Controller(window, db_path)
    exit_code = {"value": 0}

    def ready(db: OpenDatabase) -> None:
        if not controller.ensure_station():
            window.close()
            return
        window.attach(controller.db)
        window.table.setFocus()

    def failed(message: str) -> None:
        QMessageBox.critical(window, APP_DISPLAY_NAME, message)
        exit_code["value"] = 1
        app.exit(1)

    window.firstPainted.connect(lambda: controller.open(ready, failed))
    window.show()
    code = app.exec()
    if controller.db is not None:
        controller.db.store.close()
    return exit_code["value"] or code


def peak_memory_mb() -> float | None:
    """This process's peak resident memory, where the platform tells it."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def run_selftest(db_path: Path, started: float, search: str = "kendal") -> int:
    """Start the GUI off-screen, time the first paint and the filled case list, exit.

    Each timing is printed (and flushed) as it happens, so a caller can time the lines too.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from hubapp.views.main_window import MainWindow

    app = make_qapplication()
    route_qt_messages()
    window = MainWindow()
    window.remember_state = False
    controller = Controller(window, db_path)
    outcome = {"code": 1, "error": ""}

    def say(text: str) -> None:
        print(text, flush=True)

    def since_start() -> float:
        return time.perf_counter() - started

    def painted() -> None:
        say(f"first paint: {since_start():.3f} s")
        controller.open(opened, failed)

    def opened(db: OpenDatabase) -> None:
        say(f"database open: {since_start():.3f} s")
        window.attach(db)
        window.table.viewport().repaint()  # fetches and paints the first rows
        say(f"case list filled: {since_start():.3f} s ({window.model.rowCount():,} cases listed)")
        t = time.perf_counter()
        window.search_for(search)
        window.table.viewport().repaint()
        ms = (time.perf_counter() - t) * 1000
        say(f"search '{search}': {ms:.1f} ms ({window.model.rowCount():,} shown)")
        window.search_for("")
        t = time.perf_counter()
        window.table.scrollToBottom()
        window.table.viewport().repaint()
        say(f"scroll to the last case: {(time.perf_counter() - t) * 1000:.1f} ms")
        total = db.case_list.count(type(window.model.case_filter)(status=None))
        say(f"database: {db_path} ({total:,} cases)")
        outcome["code"] = 0
        app.quit()

    def failed(message: str) -> None:
        outcome["error"] = message
        app.quit()

    def timeout() -> None:
        outcome["error"] = "the main window did not finish loading within 60 seconds."
        app.quit()

    say(f"hubapp {__version__} selftest")
    window.firstPainted.connect(painted)
    QTimer.singleShot(60_000, timeout)
    window.show()
    app.exec()
    window.close()
    if controller.db is not None:
        controller.db.store.close()
    if outcome["code"] != 0:
        print(f"hubapp: selftest failed: {outcome['error']}", file=sys.stderr)
        return 1
    peak = peak_memory_mb()
    if peak is not None:
        say(f"peak memory: {peak:.0f} MB")
    say("selftest passed")
    return 0
