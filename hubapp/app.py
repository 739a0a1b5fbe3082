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
    from hubapp.store.casework.caselist import CaseList
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


def open_database(_ctx, path: Path, passphrase: str | None = None) -> OpenDatabase:
    """Background work: open (and if need be create and upgrade) the database. A new
    database's key is derived from ``passphrase`` where given (a PC without a keyring)."""
    from hubapp.store import lookups, setup
    from hubapp.store.casework.caselist import CaseList
    from hubapp.store.database import open_store
    from hubapp.store.intake import drafts

    store = open_store(path, passphrase=passphrase)
    from hubapp.store.admin import backup

    backup.guard_writes(store)  # refuses saves if the check finds damage (check_database)
    return OpenDatabase(store, lookups.load(store), setup.current(store), CaseList(store),
                        len(drafts.list_drafts(store)))  # fmt: skip


class OpenFailed(str):
    """Why the database did not open: its sentence (what the window shows), carrying the
    exception (``error``) that the start-up branches on (a missing key, damage...)."""

    error: BaseException

    def __new__(cls, error: BaseException) -> OpenFailed:
        from hubapp.models.tasks import user_message

        failure = super().__new__(cls, user_message(error))
        failure.error = error
        return failure


def _is_new_database(path: Path) -> bool:
    """Whether opening ``path`` makes a new database (no file, or an empty one)."""
    try:
        return Path(path).expanduser().stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False  # opening it says what is wrong


def unlock_job(path: Path):
    """Background work for the passphrase dialog: raises the sentence to show when the
    passphrase does not open the database at ``path``."""

    def unlock(_ctx, passphrase: str) -> None:
        from hubapp.store.database import unlock as unlock_database

        unlock_database(path, passphrase=passphrase)

    return unlock


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
    from hubapp.store.casework import casedetail

    return casedetail.load(store, case_id)


def show_error(parent, message: str) -> None:
    """A failure in one sentence, as plain text: it may quote a file name or typed text."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, APP_DISPLAY_NAME, message,
                      QMessageBox.StandardButton.Ok, parent)  # fmt: skip
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


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
        window.close_guard = self.may_close
        #: how long quitting waits for a running sync round before interrupting it (ms)
        self.quit_wait_ms = 5000
        self._closing_after_sync = False
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
        window.centralRequested.connect(lambda: self.show_central())
        #: the idle lock (hubapp.views.idle_lock), once someone signed in to an account
        self.idle = None
        #: while "Sign in as someone else" asks about open edits, then for the new person
        self.switch_box = self.switch_dialog = None
        window.lockRequested.connect(lambda: self.idle is not None and self.idle.lock())
        window.accountsRequested.connect(self.show_accounts)
        window.auditLogRequested.connect(lambda: self.show_audit_log())
        window.retentionReviewRequested.connect(lambda: self.show_retention_review())
        window.backupRequested.connect(self.backup_now)
        window.restoreRequested.connect(lambda: self.restore_backup())
        #: the start-up check's result (hubapp.store.admin.backup.CheckResult), once it is known
        self.check_result = None
        #: make today's automatic backup after the check passes (the application sets it)
        self.auto_backup = False
        #: offer a restore when the check fails (once: not again after a cancelled restore)
        self.offer_restore = True
        #: the damage a restore is offered for once someone has signed in
        self._restore_offer: str | None = None
        self._backup_task = None
        self.restore_dialog = None

    def open(self, on_ready=None, on_error=None, *, passphrase: str | None = None):
        task = self._Task(open_database, self.db_path, passphrase)
        task.succeeded.connect(self._opened)
        if on_ready is not None:
            task.succeeded.connect(on_ready)
        if on_error is not None:  # the sentence, with the exception as its ``error``
            task.failed.connect(lambda exc: on_error(OpenFailed(exc)))
        return task.start()

    def start(self, on_ready, on_error, on_quit) -> None:
        """Open the database at start-up. A new database on a PC without a keyring needs a
        passphrase first: the first start asks for it (``on_quit`` when they choose Quit)."""
        from hubapp.store import keys

        keys.ask_at_terminal = False  # never a prompt in the terminal the GUI came from
        passphrase = None
        if _is_new_database(self.db_path) and keys.needs_new_passphrase():
            from hubapp.views.passphrase_dialog import NewPassphraseDialog

            dialog = NewPassphraseDialog(keys.passphrase_problem, self.window,
                                         minimum=keys.MIN_PASSPHRASE)  # fmt: skip
            if dialog.exec() != dialog.DialogCode.Accepted:
                on_quit()
                return
            passphrase = dialog.passphrase()
        # derived from the passphrase in the background (Argon2 takes a fraction of a second)
        self.open(on_ready, on_error, passphrase=passphrase)

    @staticmethod
    def key_missing(failure: OpenFailed) -> bool:
        """Whether an opening failed only for want of the database's key, which its
        passphrase may give (not damage)."""
        from hubapp.store.errors import KeyMissing

        return isinstance(getattr(failure, "error", None), KeyMissing)

    def ask_passphrase(self) -> bool:
        """The passphrase of an encrypted database whose key this PC lacks, checked in the
        background; True once it opens the database (the key is then known to this process,
        so :meth:`open` needs nothing more), False when they quit."""
        from hubapp.views.passphrase_dialog import PassphraseDialog

        dialog = PassphraseDialog(unlock_job(self.db_path), self.window,
                                  database=str(self.db_path))  # fmt: skip
        return dialog.exec() == dialog.DialogCode.Accepted

    def _opened(self, db: OpenDatabase) -> None:
        self.db = db
        self.check_database()

    # -- integrity, backup and restore ----------------------------------------------------
    def check_database(self):
        """The start-up check, in the background while the cases are shown: a damaged
        database is made read-only (saves refused with a sentence) and a restore offered."""
        from hubapp.models.tasks import said

        self.check_result = None
        task = self._Task(startup_check_job, self.db.store)
        task.succeeded.connect(self._checked)
        task.failed.connect(said(self.window.statusBar().showMessage))
        return task.start()

    def _checked(self, result) -> None:
        from PySide6.QtCore import QTimer

        from hubapp.store.admin import backup

        self.check_result = result
        if result.ok:
            self.window.set_read_only("")
            if self.auto_backup and self.db is not None:
                self.start_auto_backup()
            return
        self.window.set_read_only(backup.damaged_sentence(result))
        self.stop_sync()
        if self.offer_restore:
            self.offer_restore = False
            if self._nobody_signed_in():  # offered once someone has signed in
                self._restore_offer = backup.damaged_sentence(result)
                return
            QTimer.singleShot(0, lambda: self.restore_backup(backup.damaged_sentence(result)))

    def _nobody_signed_in(self) -> bool:
        """A database with staff accounts whose sign-in has not happened yet (a restore is an
        administrator's: hubapp.store.roles)."""
        from hubapp.store import accounts
        from hubapp.store.errors import DatabaseError, StoreError

        if self.db is None or self.db.store.account is not None:
            return False
        try:
            return accounts.has_accounts(self.db.store)
        except (StoreError, *DatabaseError):
            return False

    def start_auto_backup(self):
        """Today's automatic backup, in the background, unless there is one already."""
        from hubapp.store.admin import backup

        if self.db is None or backup.todays_backup(self.db_path).exists():
            return None
        from hubapp.models.tasks import said

        task = self._Task(auto_backup_job, self.db.store)
        task.succeeded.connect(self._auto_backed_up)
        task.failed.connect(said(
            lambda message: self.window.statusBar().showMessage(
                self.window.tr("Today's automatic backup was not made: {0}").format(message)
            )
        ))  # fmt: skip
        self._backup_task = task.start()
        return self._backup_task

    def _auto_backed_up(self, path) -> None:
        if path is not None:
            self.window.statusBar().showMessage(
                self.window.tr("Today's backup was made and checked: {0}").format(path), 10_000
            )

    def cancel_auto_backup(self) -> None:
        """Quitting: an unfinished automatic backup stops and keeps nothing."""
        if self._backup_task is not None:
            self._backup_task.cancel()

    def refused(self, op) -> bool:
        """True (and the role matrix's sentence in the status bar) when the signed-in account
        may not do ``op``; the menus do not offer it, and the store refuses it anyway."""
        from hubapp.store import access

        if self.db is None or access.may(self.db.store, op):
            return False
        role = self.db.store.account.role
        self.window.statusBar().showMessage(access.roles.refusal(op, role), 15_000)
        return True

    def backup_now(self):
        """File > Back up now…: a copy, checked, where the person chooses. Returns the dialog."""
        from datetime import datetime

        from hubapp.store.admin import backup
        from hubapp.store.roles import Op
        from hubapp.views.backup_dialog import BackupDialog

        if self.db is None or self.refused(Op.BACKUP):
            return None
        default = backup.backups_dir(self.db_path) / backup.manual_name(
            self.db_path, datetime.now()
        )
        dialog = BackupDialog(backup_job(self.db.store), default, self.window)
        dialog.backedUp.connect(
            lambda made: self.window.statusBar().showMessage(
                self.window.tr("Backed up and checked: {0}").format(made.path), 10_000
            )
        )
        dialog.open()
        return dialog

    def restore_backup(self, problem: str = "", reopen: bool = True):
        """File > Restore from backup… (offered by itself on a damaged database): the store
        is closed while the backup is written into place, then opened again (unless not
        ``reopen``). Returns the dialog, shown without blocking."""
        from hubapp.store.admin import backup
        from hubapp.store.roles import Op
        from hubapp.views.backup_dialog import RestoreDialog

        if self.refused(Op.RESTORE):
            return None
        actor = self.db.store.account if self.db is not None else None
        dialog = RestoreDialog(backup.list_backups(self.db_path),
                               restore_job(self.db_path, actor), self.window, problem=problem,
                               prepare=self._close_for_restore)  # fmt: skip
        dialog.restored.connect(
            lambda restored: self.window.statusBar().showMessage(
                self.window.tr("Restored from {0}.").format(restored.backup), 15_000
            )
        )
        if reopen:
            dialog.finished.connect(lambda _code: self._reopen_after_restore())
        self.restore_dialog = dialog
        dialog.open()
        return dialog

    def _close_for_restore(self) -> str:
        """Close the database before a restore; a sentence if it cannot be closed yet."""
        from hubapp.store.admin import backup

        if self.case_windows or self.intake_windows:
            return self.window.tr(
                "Close the open case and report windows first (save or discard their work); "
                "then restore."
            )
        self.cancel_auto_backup()
        self.stop_sync()
        self.sync = None
        if self.db is not None:
            self.window.set_busy(True)
            self.window.detail.show_message(self.window.tr("Restoring the database…"))
            backup.refuse_writes(
                self.db.store, "A restore is under way; try again when it is done."
            )
            self.db.store.close()
            self.db = None
        return ""

    def _reopen_after_restore(self):
        """After the restore dialog: open the database again (restored, or as it was)."""
        if self.db is not None:
            return None

        def ready(db: OpenDatabase) -> None:
            if not self.sign_in():  # the restored database's own staff accounts
                self.window.close()
                return
            self.window.attach(db)
            self.start_sync()

        def failed(message: str) -> None:
            show_error(self.window, message)

        return self.open(ready, failed)

    def ensure_station(self) -> bool:
        """Ask the first-start questions if this database has no station yet."""
        from hubapp.store import setup
        from hubapp.views.first_start import FirstStartDialog

        if self.db.station is not None:
            return True
        from hubapp.store import accounts

        store = self.db.store
        new = not accounts.has_accounts(store)

        def admin_problems(user: str, password: str) -> list:
            draft = accounts.AccountDraft(user, "", "administrator")
            return accounts.validate(draft) + accounts.password_problems(password, user)

        def make_admin(user: str, name: str, password: str) -> None:
            hub = setup.current(store)
            draft = accounts.AccountDraft(user, name, "administrator",
                                          hub_id=hub.hub_id if hub else None)  # fmt: skip
            accounts.create_account(store, draft, password)
            accounts.sign_in(store, user, password)

        dialog = FirstStartDialog(
            setup.hub_choices(store),
            lambda hub, station: setup.configure(store, hub, station),
            self.window,
            admin_problems=admin_problems if new else None,
            make_admin=make_admin if new else None,
        )
        dialog.exec()
        self.db.station = setup.current(self.db.store)
        return self.db.station is not None

    # -- staff accounts -------------------------------------------------------------------
    def sign_in(self, user_name: str = "") -> bool:
        """Once the database has staff accounts, nothing shows before someone signs in
        (False: they chose Quit). Then the idle lock watches the windows."""
        from hubapp.store import accounts
        from hubapp.views.sign_in import SignInDialog

        store = self.db.store
        if store.account is None:
            if not accounts.has_accounts(store):
                return True
            station = self.db.station
            dialog = SignInDialog(lambda user, password: accounts.sign_in(store, user, password),
                                  self.window, user_name=user_name,
                                  station=station.station_name if station else "")  # fmt: skip
            if dialog.exec() != dialog.DialogCode.Accepted:
                return False
        self.window.set_account(store.account)
        self.start_idle_lock()
        if self._restore_offer is not None:  # the damage found while they signed in
            from PySide6.QtCore import QTimer

            sentence, self._restore_offer = self._restore_offer, None
            QTimer.singleShot(0, lambda: self.restore_backup(sentence))
        return True

    def start_idle_lock(self, **options):
        """Lock every window after the station's idle minutes (``options`` go to IdleLock:
        tests give it a clock they move)."""
        from hubapp.store import accounts
        from hubapp.views.idle_lock import IdleLock

        if self.idle is None:  # the database open now (a restore opens another one)
            self.idle = IdleLock(
                lambda password: accounts.confirm(self.db.store, password),
                lambda: self.db.store.account.display_name if self.db.store.account else "",
                accounts.idle_lock_minutes(self.db.store), parent=self.window, **options,
            )  # fmt: skip
            self.idle.switchRequested.connect(self.switch_user)
        else:
            self.idle.set_minutes(accounts.idle_lock_minutes(self.db.store))
        return self.idle

    def switch_user(self) -> None:
        """'Sign in as someone else…' on a lock screen: the open edits are saved or
        discarded first (asked; never silently), then another person signs in."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        from hubapp.views.sign_in import LOCK_UI

        if self.db is None or self.idle is None:
            return
        unsaved = [w for w in self.case_windows if w.unsaved()]
        # other windows (print, meetings, accounts…) close too: said, never done silently
        mine = {self.window, *self.case_windows, *self.intake_windows}
        others = [w for w in self.idle.covered_windows() if w not in mine and w.isVisible()]
        if unsaved or others:
            tr = self.window.tr
            Button = QMessageBox.StandardButton
            who = self.db.store.account.display_name if self.db.store.account else ""
            text = []
            if unsaved:
                text.append(tr("{0} open case window(s) have changes {1} has not saved "
                               "yet.").format(len(unsaved), who))  # fmt: skip
            if others:
                text.append(tr("{0} other window(s) will close: anything typed in them and "
                               "not saved is lost.").format(len(others)))  # fmt: skip
            buttons = (Button.Save if unsaved else Button.NoButton) | Button.Discard
            box = QMessageBox(QMessageBox.Icon.Question, tr("Sign in as someone else"),
                              " ".join(text), buttons | Button.Cancel, self.window)  # fmt: skip
            box.setObjectName("switchUnsavedBox")
            box.setProperty(LOCK_UI, True)
            box.setTextFormat(Qt.TextFormat.PlainText)
            if unsaved:
                question = tr("Save them as {0}, or discard them, before someone else signs in?")
                box.setInformativeText(question.format(who))
                box.button(Button.Save).setText(tr("&Save changes"))
            box.button(Button.Discard).setText(tr("&Discard") if unsaved else tr("&Close them"))
            box.setDefaultButton(Button.Cancel)
            box.setEscapeButton(Button.Cancel)
            self.switch_box = box
            box.exec()
            self.switch_box = None
            choice = box.standardButton(box.clickedButton()) if box.clickedButton() else None
            if choice == Button.Save:
                self._save_then_switch(unsaved)
                return
            if choice != Button.Discard:
                return
            for w in unsaved:
                w._closing = True
                w.reject()
        self._close_windows_then_sign_in()

    def _save_then_switch(self, windows: list) -> None:
        """Each window saves and closes; a failed save stops the switch (nothing lost)."""
        waiting = set(windows)
        state = {"failed": False}

        def closed(w) -> None:
            waiting.discard(w)
            if not waiting and not state["failed"]:
                self._close_windows_then_sign_in()

        def failed(message: str) -> None:
            if state["failed"]:
                return
            state["failed"] = True
            text = self.window.tr("A case could not be saved ({0}); unlock to finish it.")
            for screen in self.idle.screens():
                screen.show_error(text.format(message))

        for w in windows:
            w.finished.connect(lambda _r, w=w: closed(w))
            w.failed.connect(failed)
            w.save_and_close()

    def _close_windows_then_sign_in(self) -> None:
        from PySide6.QtWidgets import QApplication

        from hubapp.store import accounts
        from hubapp.views.sign_in import SignInDialog

        for w in list(self.intake_windows):  # what was typed stays as a draft
            w.flush_draft()
            w._closing = True
            w.reject()
        for w in list(self.case_windows):
            w._closing = True
            w.reject()
        for w in QApplication.topLevelWidgets():
            if w is not self.window and w.isVisible() and not w.property("hubappLockUi") \
                    and w in self.idle.covered_windows():  # fmt: skip
                w.close()
        if any(w.isVisible() and w is not self.window for w in self.idle.covered_windows()):
            for screen in self.idle.screens():
                screen.show_error(self.window.tr("A window could not be closed; unlock to "
                                                 "finish what is open in it."))  # fmt: skip
            return
        store = self.db.store
        dialog = SignInDialog(lambda user, password: accounts.sign_in(store, user, password),
                              self.window, quit_text=self.window.tr("Cancel"))  # fmt: skip
        self.switch_dialog = dialog
        accepted = dialog.exec() == dialog.DialogCode.Accepted
        self.switch_dialog = None
        if not accepted:
            return
        self.window.set_account(store.account)
        self.idle.unlock()
        self.window.refresh()

    def show_accounts(self):
        """Tools > Accounts… (administrators): returns the dialog."""
        from hubapp.store import accounts
        from hubapp.views.accounts_dialog import AccountsDialog

        if self.db is None:
            return None
        store = self.db.store
        first = store.account is None
        if first and accounts.has_accounts(store):
            return None
        dialog = AccountsDialog(store, self.window, self.db.lookups)
        dialog.idleMinutesChanged.connect(
            lambda minutes: self.idle is not None and self.idle.set_minutes(minutes)
        )
        dialog.changed.connect(lambda _user: self.window.set_account(store.account))
        if first:  # the first administrator was made: from now on everyone signs in
            dialog.finished.connect(lambda _code: self._first_account_made())
        dialog.open()
        return dialog

    def _first_account_made(self) -> None:
        from hubapp.store import accounts

        store = self.db.store
        if store.account is None and accounts.has_accounts(store) and not self.sign_in():
            self.window.close()

    def show_case(self, case_id) -> None:
        if self.db is None:
            return
        from PySide6.QtCore import QTimer

        from hubapp.models.tasks import said

        task = self._Task(casedetail_job, self.db.store, case_id)
        task.succeeded.connect(self._case_loaded)
        task.failed.connect(said(self.window.detail.show_message))
        self._detail_task = task.start()
        # Opening a case waits for its consultation to be logged, which waits if another
        # program is writing: say so rather than leave the last case on show.
        QTimer.singleShot(400, lambda: self._still_opening(task))

    def _still_opening(self, task) -> None:
        if task is self._detail_task and task.running:
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

    def may_close(self) -> bool:
        """Before quitting: open case windows answer first, then a running sync round may
        finish (a few seconds, "Finishing the sync…"); the window closes after it."""
        return self.case_windows_may_close() and self.sync_may_close()

    def sync_may_close(self) -> bool:
        runner = self.sync
        if runner is None or runner.finish(self.quit_wait_ms):
            return True
        if not self._closing_after_sync:
            self._closing_after_sync = True
            self.window.statusBar().showMessage(self.window.tr("Finishing the sync…"))
            runner.finished.connect(self.window.close)
        return False

    def _forget(self, case_window) -> None:
        if case_window in self.case_windows:
            self.case_windows.remove(case_window)

    def add_demo_data(self) -> None:
        from hubapp.store.roles import Op
        from hubapp.views.demo_dialog import DemoDialog

        if self.db is None or self.refused(Op.DEMO):
            return

        def job(ctx, cases: int):
            from hubapp.store.exchange import demo

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
        guard = self.db.store.write_guard
        if guard is not None and guard.refusal:  # damaged: read-only, nothing to sync
            return None
        runner = SyncRunner(self.db.store, self.window, url=url, **options)
        runner.configured.connect(lambda: self.window.show_sync(True))
        runner.unconfigured.connect(lambda: self.window.show_sync(False))
        runner.statusChanged.connect(
            lambda text, tip: self.window.set_sync_status(
                text, tip, runner.status.attention if runner.status else 0
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

    def show_central(self, **options):
        """Tools > Central database…: the station's central address. Returns the dialog."""
        from hubapp.store.roles import Op
        from hubapp.views.central_dialog import CentralDialog

        if self.db is None or self.db.station is None or self.refused(Op.CENTRAL):
            return None
        dialog = CentralDialog(self.db.store, self.window, **options)
        dialog.addressChosen.connect(self.use_central)
        dialog.disconnected.connect(lambda: self.sync is not None and self.sync.unconfigure())
        dialog.open()
        return dialog

    def use_central(self, url: str) -> None:
        """Sync with ``url`` from now on, without a restart."""
        if self.sync is None:
            self.start_sync(url=url)
        else:
            self.sync.configure(url)

    def show_conflicts(self):
        """Tools > Sync conflicts…, or a click on the sync status: returns the dialog."""
        from hubapp.views.sync_conflicts import ConflictsDialog

        if self.db is None or self.db.station is None:
            return None
        dialog = ConflictsDialog(self.db.store, self.db.station.station_id, self.window)
        dialog.resolved.connect(lambda _id: self.window.refresh())
        if self.sync is not None:
            dialog.resolved.connect(lambda _id: self.sync.refresh())
            dialog.dismissed.connect(lambda _id: self.sync.refresh())
        dialog.open()
        return dialog

    def show_audit_log(self):
        """Tools > Audit log…: the audit viewer (a window of its own). Returns it."""
        from PySide6.QtCore import Qt

        from hubapp.views.audit_viewer import AuditViewer

        if self.db is None:
            return None
        viewer = AuditViewer(self.db.store, self.window)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        viewer.raise_()
        viewer.activateWindow()
        return viewer

    def show_retention_review(self):
        """Tools > Retention review…: what is due, kept for longer or erased. Returns it."""
        from PySide6.QtCore import Qt

        from hubapp.views.retention import RetentionDialog

        if self.db is None:
            return None
        dialog = RetentionDialog(self.db.store, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def stop_sync(self) -> None:
        if self.sync is not None:
            self.sync.close()

    # -- intake ---------------------------------------------------------------------------
    def new_issue(self, form=None, draft_id=None):
        """File > New issue (Ctrl+N): the intake form, in a window of its own."""
        from PySide6.QtCore import Qt

        from hubapp.store.intake import drafts
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
        from hubapp.store.intake import drafts
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

        from hubapp.store.roles import Op
        from hubapp.views.import_dialog import ImportDialog

        if self.db is None or self.refused(Op.IMPORT):
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
        from hubapp.store.exchange import importer

        return importer.import_file(store, path, progress=ctx.report)

    return job


def export_cases_job(store):
    """Background work for the export dialog: ``job(ctx, path, fmt, hub_id) -> int``."""

    def job(ctx, path, fmt, hub_id):
        from hubapp.store.exchange import export

        return export.export_cases(store, path, fmt, hub_id, progress=ctx.report)

    return job


def startup_check_job(_ctx, store):
    from hubapp.store.admin import backup

    return backup.run_startup_check(store)


def auto_backup_job(ctx, store):
    from hubapp.store.admin import backup

    return backup.auto_backup(store, progress=ctx.report)


def backup_job(store):
    """Background work for File > Back up now…: ``job(ctx, path) -> Verified``."""

    def job(ctx, path):
        from hubapp.store.admin import backup

        made = backup.backup(store, path, progress=ctx.report)
        backup.record(store, "backup", made.path, made.cases)
        return made

    return job


def restore_job(db_path: Path, actor=None):
    """Background work for File > Restore from backup…: ``job(ctx, path, override="")`` ->
    Restored, or the RestoreRefused that an administrator may override (no store may be open
    on ``db_path``; ``actor`` is the signed-in account)."""

    def job(ctx, path, override: str = ""):
        from hubapp.store.admin import backup

        try:
            return backup.restore(path, db_path, progress=ctx.report, actor=actor,
                                  override=override)  # fmt: skip
        except backup.RestoreRefused as refused:
            return refused

    return job


def restore_may_help(failure: OpenFailed) -> bool:
    """Whether the database that did not open (``failure``: why) is damaged, so that putting
    a backup in its place may help. A full disk, or a disk that cannot be read or written, is
    not damage (``hubapp.store.errors.DiskFull`` and ``DiskFailed``): putting an older copy
    over good data would only lose work."""
    from hubapp.store.errors import DatabaseDamaged

    return isinstance(getattr(failure, "error", None), DatabaseDamaged)


def run_gui(db_path: Path, user_name: str = "") -> int:
    from hubapp.views.main_window import MainWindow

    app = make_qapplication()
    route_qt_messages()
    window = MainWindow()
    controller = Controller(window, db_path)
    exit_code = {"value": 0}

    def ready(db: OpenDatabase) -> None:
        if not controller.ensure_station() or not controller.sign_in(user_name):
            window.close()
            return
        window.attach(controller.db)
        window.show_drafts_waiting(controller.db.drafts_waiting)
        window.table.setFocus()
        controller.start_sync()

    def failed(message: OpenFailed) -> None:
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

    controller.auto_backup = True
    window.firstPainted.connect(lambda: controller.start(ready, failed, lambda: app.exit(0)))
    app.aboutToQuit.connect(controller.cancel_auto_backup)
    app.aboutToQuit.connect(controller.flush_drafts)
    app.aboutToQuit.connect(controller.stop_sync)
    window.show()
    code = app.exec()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)  # a cancelled backup removes its file
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
