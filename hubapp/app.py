"""Composition of the GUI: build the window and its controller (:mod:`hubapp.gui`), open
the database behind it, run. The command line calls :func:`run_gui` and :func:`run_selftest`.

The window paints before SQLAlchemy and Alembic are even imported, and before its
controller is built: the controller is made, and the database opened in the background,
once the window has painted; the case list fills when the database is ready.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from hubapp import APP_DISPLAY_NAME, APP_NAME, ORG_NAME, __version__

log = logging.getLogger(__name__)


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


def run_gui(db_path: Path, user_name: str = "") -> int:
    from hubapp.views.main_window import MainWindow

    app = make_qapplication()
    route_qt_messages()
    window = MainWindow()
    exit_code = {"value": 0}
    controller = None

    def painted() -> None:
        nonlocal controller
        from hubapp.gui import Controller

        controller = Controller(window, db_path)
        controller.auto_backup = True
        app.aboutToQuit.connect(controller.cancel_auto_backup)
        app.aboutToQuit.connect(controller.flush_drafts)
        app.aboutToQuit.connect(controller.stop_sync)
        from hubapp import open_copies  # attached files opened in other programs (issue 18)

        open_copies.sweep()
        app.aboutToQuit.connect(open_copies.remove_mine)
        controller.start(ready, failed, lambda: app.exit(0))

    def ready(db) -> None:
        if not controller.ensure_station() or not controller.sign_in(user_name):
            window.close()
            return
        window.attach(controller.db)
        window.show_drafts_waiting(controller.db.drafts_waiting)
        window.table.setFocus()
        controller.start_sync()

    def failed(message) -> None:
        from hubapp.gui import restore_may_help, show_error
        from hubapp.store.admin import backup

        if controller.key_missing(message):  # an encrypted database: ask for its passphrase
            if controller.ask_passphrase():
                controller.open(ready, failed)
            else:
                app.exit(0)
            return
        # a damaged file SQLite cannot even open: offer its backups rather than give up
        if restore_may_help(message) and db_path.exists() and backup.list_backups(db_path):
            dialog = controller.restore_backup(message, reopen=False)
            if dialog.exec() and dialog.result is not None:
                controller.open(ready, failed)
                return
        show_error(window, message)
        exit_code["value"] = 1
        app.exit(1)

    window.firstPainted.connect(painted)
    window.show()
    code = app.exec()
    if controller is not None:
        # the drafts written as the forms closed, a cancelled backup removing its file...
        controller.close_database()
    return exit_code["value"] or code


def peak_memory_mb() -> float | None:
    """This process's peak resident memory, where the platform tells it."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def run_selftest(db_path: Path, started: float, search: str = "kendal", sign_in=None) -> int:
    """Start the GUI off-screen, time the first paint and the filled case list, exit.
    ``sign_in(store)`` signs in as the command line's user once the database has accounts.

    Each timing is printed (and flushed) as it happens, so a caller can time the lines too.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from hubapp.views.main_window import MainWindow

    app = make_qapplication()
    route_qt_messages()
    window = MainWindow()
    window.remember_state = False
    controller = None
    outcome = {"code": 1, "error": ""}

    def say(text: str) -> None:
        print(text, flush=True)

    def since_start() -> float:
        return time.perf_counter() - started

    def painted() -> None:
        nonlocal controller
        say(f"first paint: {since_start():.3f} s")
        from hubapp.gui import Controller

        controller = Controller(window, db_path)
        controller.open(opened, failed)

    def opened(db) -> None:
        if sign_in is not None:
            from hubapp.errors import describe

            try:
                sign_in(db.store)
            except Exception as exc:  # worded for people by the core
                from PySide6.QtCore import QThreadPool

                QThreadPool.globalInstance().waitForDone()  # the start-up check, if running
                failed(describe(exc))
                return
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
    if controller is not None and controller.db is not None:
        controller.db.store.close()
    if outcome["code"] != 0:
        print(f"hubapp: selftest failed: {outcome['error']}", file=sys.stderr)
        return 1
    peak = peak_memory_mb()
    if peak is not None:
        say(f"peak memory: {peak:.0f} MB")
    say("selftest passed")
    return 0
