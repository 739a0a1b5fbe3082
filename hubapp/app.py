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
    #: unfinished intake reports (drafts) waiting on this station when it was opened
    drafts_waiting: int = 0


def open_database(_ctx, path: Path) -> OpenDatabase:
    """Background work: open (and if need be create and upgrade) the database."""
    from hubapp.store import drafts, lookups, setup
    from hubapp.store.caselist import CaseList
    from hubapp.store.database import open_store

    store = open_store(path)
    return OpenDatabase(store, lookups.load(store), setup.current(store), CaseList(store),
                        len(drafts.list_drafts(store)))  # fmt: skip


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
        window.caseOpenRequested.connect(self.open_case)
        self.case_windows: list = []
        window.close_guard = self.case_windows_may_close
        window.importRequested.connect(self.import_reports)
        window.exportCasesRequested.connect(self.export_cases)
        window.newIssueRequested.connect(self.new_issue)
        window.draftsRequested.connect(self.resume_draft)
        window.printRequested.connect(lambda: self.print_documents())
        window.printPackRequested.connect(
            lambda hub_id, meeting_id: self.print_documents("meeting_pack", hub_id, meeting_id)
        )
        #: open intake forms: their drafts are written when the application quits
        self.intake_windows: list = []
        #: background sync with the central database (None where none is set up)
        self.sync = None
        window.syncNowRequested.connect(self.sync_now)
        window.syncConflictsRequested.connect(self.show_conflicts)

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
        from shiboken6 import isValid

        if not isValid(self.window):  # the window closed while the case loaded
            return
        if self.window.selected_case_id() == detail.id:
            self.window.detail.show_case(detail)

    def open_case(self, case_id):
        """Open the case view of a case in its own window; returns the window. A case that
        already has a window brings that window to the front instead (two windows on one
        case would sit exactly on top of each other and lead to save conflicts)."""
        if self.db is None:
            return None
        from PySide6.QtCore import Qt

        from hubapp.views.case_view import CaseWindow

        for open_window in self.case_windows:
            if open_window.case_id == case_id:
                if open_window.isMinimized():
                    open_window.showNormal()
                else:
                    open_window.show()
                open_window.raise_()
                open_window.activateWindow()
                return open_window

        case_window = CaseWindow(self.db.store, case_id, self.window)
        case_window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        case_window.saved.connect(lambda _id: self.window.refresh())
        case_window.finished.connect(lambda _result: self._forget(case_window))
        self.case_windows.append(case_window)
        case_window.show()
        return case_window

    def case_windows_may_close(self) -> bool:
        """Before quitting: a case window with unsaved work comes forward and asks (Save
        changes / Discard / Cancel); the app stays open until it is answered."""
        for case_window in list(self.case_windows):
            if case_window.unsaved():
                case_window.showNormal()
                case_window.raise_()
                case_window.activateWindow()
                case_window.reject()  # asks, without blocking
                self.window.statusBar().showMessage(
                    self.window.tr("Save or discard the changes to the open case, then quit."),
                    10_000,
                )
                return False
        return True

    def _forget(self, case_window) -> None:
        if case_window in self.case_windows:
            self.case_windows.remove(case_window)

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

    # -- central sync ---------------------------------------------------------------------
    def start_sync(self, url: str | None = None, **options):
        """Sync in the background, now and every few minutes, if this station has a central
        database (``url``, else the saved or environment address); otherwise show nothing."""
        from hubapp.models.sync_status import SyncRunner

        if self.db is None or self.db.station is None or self.sync is not None:
            return self.sync
        runner = SyncRunner(self.db.store, self.window, url=url, **options)
        runner.configured.connect(lambda: self.window.show_sync(True))
        runner.statusChanged.connect(
            lambda text, tip: self.window.set_sync_status(
                text, tip, runner.status.conflicts if runner.status else 0
            )
        )
        runner.roundFinished.connect(lambda ok: ok and runner.pulled and self.window.refresh())
        self.sync = runner
        runner.start()
        return runner

    def sync_now(self) -> None:
        """Tools > Sync now (F9)."""
        if self.sync is not None:
            self.sync.sync_now()

    def show_conflicts(self):
        """Tools > Sync conflicts…, or a click on the sync status: returns the dialog."""
        from hubapp.views.sync_conflicts import ConflictsDialog

        if self.db is None or self.db.station is None:
            return None
        dialog = ConflictsDialog(self.db.store, self.db.station.station_id, self.window)
        dialog.resolved.connect(lambda _id: self.window.refresh())
        if self.sync is not None:
            dialog.resolved.connect(lambda _id: self.sync.refresh())
        dialog.open()
        return dialog

    def stop_sync(self) -> None:
        if self.sync is not None:
            self.sync.close()

    # -- intake ---------------------------------------------------------------------------
    def new_issue(self, form=None, draft_id=None):
        """File > New issue (Ctrl+N): the intake form, in a window of its own."""
        from PySide6.QtCore import Qt

        from hubapp.store import drafts
        from hubapp.views.intake_form import IntakeWindow

        if self.db is None:
            return None
        waiting = 0 if draft_id is not None else len(drafts.list_drafts(self.db.store))
        w = IntakeWindow(self.db.store, self.db.lookups, self.db.station, self.window,
                         form=form, draft_id=draft_id, drafts_waiting=waiting)  # fmt: skip
        w.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        w.saved.connect(lambda saved: self.window.show_new_case(saved.case_id, saved.reference))
        w.draftsRequested.connect(lambda: self.resume_draft(replace=w))
        w.finished.connect(lambda _code: self._forget_intake(w))
        self.intake_windows.append(w)
        w.show()
        w.raise_()
        w.activateWindow()
        return w

    def _forget_intake(self, w) -> None:
        if w in self.intake_windows:
            self.intake_windows.remove(w)

    def resume_draft(self, replace=None):
        """File > Resume a draft: pick an unfinished report and open it in an intake form
        (in place of ``replace``, a blank form that offered the drafts)."""
        from hubapp.store import drafts
        from hubapp.views.drafts_dialog import DraftsDialog

        if self.db is None:
            return None
        dialog = DraftsDialog(self.db.store, replace or self.window)
        if dialog.exec() != dialog.DialogCode.Accepted or dialog.chosen is None:
            if replace is not None:
                replace.set_drafts_waiting(len(drafts.list_drafts(self.db.store)))
            return None
        open_draft = next((w for w in self.intake_windows if w.draft_id == dialog.chosen), None)
        if open_draft is not None:  # already being typed in another window
            open_draft.raise_()
            open_draft.activateWindow()
            return open_draft
        form = drafts.load(self.db.store, dialog.chosen)
        if form is None:
            return None
        if replace is not None and not replace.form().has_text():
            replace._closing = True
            replace.close()
        return self.new_issue(form, dialog.chosen)

    def flush_drafts(self) -> None:
        """The application is quitting: write every open form's draft now."""
        for w in list(self.intake_windows):
            w.flush_draft()

    def print_documents(self, kind=None, hub_id=None, meeting_id=None):
        """File > Print… (Ctrl+P): a case summary of the selected case, a meeting pack or an
        agency's action sheet, under a profile chosen each time. Returns the dialog."""
        from hubapp.views.print_dialog import PrintDialog

        if self.db is None:
            return None
        dialog = PrintDialog(self.db.store, self.db.lookups, self.db.station, self.window,
                             case=self.window.selected_case(), kind=kind, hub_id=hub_id,
                             meeting_id=meeting_id)  # fmt: skip
        dialog.open()
        return dialog

    def import_reports(self, path: str | None = None) -> None:
        """File > Import reports…: choose a CSV file, import it, refresh the list."""
        from PySide6.QtWidgets import QFileDialog

        from hubapp.views.import_dialog import ImportDialog

        if self.db is None:
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.window, self.window.tr("Import reports"), "",
                self.window.tr("CSV files (*.csv);;All files (*)"),
            )  # fmt: skip
            if not path:
                return
        dialog = ImportDialog(import_job(self.db.store), path, self.window)
        dialog.imported.connect(lambda _result: self.window.refresh())
        dialog.start()
        dialog.exec()

    def export_cases(self) -> None:
        """File > Export cases…: a format, a file, progress and Cancel."""
        from hubapp.views.export_dialog import ExportDialog

        if self.db is None:
            return
        station = self.db.station
        dialog = ExportDialog(
            export_cases_job(self.db.store),
            station.hub_id if station else None,
            station.hub_name if station else "",
            self.window,
        )
        dialog.exec()


def import_job(store):
    """Background work for the import dialog: ``job(ctx, path) -> ImportResult``."""

    def job(ctx, path):
        from hubapp.models.tasks import Cancelled
        from hubapp.store import importer

        try:
            return importer.import_file(store, path, progress=ctx.report)
        except importer.ImportCancelled:
            raise Cancelled from None

    return job


def export_cases_job(store):
    """Background work for the export dialog: ``job(ctx, path, fmt, hub_id) -> int``."""

    def job(ctx, path, fmt, hub_id):
        from hubapp.models.tasks import Cancelled
        from hubapp.store import export

        try:
            return export.export_cases(store, path, fmt, hub_id, progress=ctx.report)
        except export.ExportCancelled:
            raise Cancelled from None

    return job


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
        window.show_drafts_waiting(controller.db.drafts_waiting)
        window.table.setFocus()
        controller.start_sync()

    def failed(message: str) -> None:
        QMessageBox.critical(window, APP_DISPLAY_NAME, message)
        exit_code["value"] = 1
        app.exit(1)

    window.firstPainted.connect(lambda: controller.open(ready, failed))
    app.aboutToQuit.connect(controller.flush_drafts)
    app.aboutToQuit.connect(controller.stop_sync)
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
