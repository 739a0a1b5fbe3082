"""Start-up: open the database in the background after the first paint (creating and
upgrading it where need be), ask for the passphrase of an encrypted file this PC has no key
for, and ask the first-start questions of a database with no station yet."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hubapp import APP_DISPLAY_NAME, settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from hubapp.store.casework.caselist import CaseList
    from hubapp.store.database import Store
    from hubapp.store.lookups import Lookups
    from hubapp.store.setup import StationInfo


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


def show_error(parent, message: str) -> None:
    """A failure in one sentence, as plain text: it may quote a file name or typed text."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, APP_DISPLAY_NAME, message,
                      QMessageBox.StandardButton.Ok, parent)  # fmt: skip
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


class StartupMixin:
    """Opening the database behind the window. A part of :class:`hubapp.gui.controller.Controller`."""

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

    def close_database(self, wait_ms: int = 30_000) -> None:
        """The application is ending: the background work still running finishes first (a
        draft written as its form closed, a cancelled backup removing its file), then the
        database closes."""
        from PySide6.QtCore import QThreadPool

        if not QThreadPool.globalInstance().waitForDone(wait_ms):
            log.error("Background work still running %d ms after the application ended",
                      wait_ms)  # fmt: skip
        if self.db is not None:
            self.db.store.close()

    def _opened(self, db: OpenDatabase) -> None:
        self.db = db
        self.check_database()

    def ensure_station(self) -> bool:
        """Ask the first-start questions if this database has no station yet."""
        from hubapp.models.tasks import wait_for
        from hubapp.store import accounts, setup
        from hubapp.views.first_start import FirstStartDialog

        if self.db.station is not None:
            return True
        store = self.db.store
        hubs, new = wait_for(station_questions, store)

        def admin_problems(user: str, password: str) -> list:
            draft = accounts.AccountDraft(user, "", "administrator")
            return accounts.validate(draft) + accounts.password_problems(password, user)

        def make_admin(user: str, name: str, password: str) -> None:  # in the background
            hub = setup.current(store)
            draft = accounts.AccountDraft(user, name, "administrator",
                                          hub_id=hub.hub_id if hub else None)  # fmt: skip
            accounts.create_account(store, draft, password)
            accounts.sign_in(store, user, password)

        dialog = FirstStartDialog(
            hubs,
            lambda hub, station: setup.configure(store, hub, station),  # in the background
            self.window,
            admin_problems=admin_problems if new else None,
            make_admin=make_admin if new else None,
            preset=(settings.env("HUBAPP_HUB"), settings.env("HUBAPP_STATION")),
        )
        dialog.exec()
        self.db.station = dialog.station_info
        return self.db.station is not None


def station_questions(_ctx, store):
    """Background work: the hubs the first start offers, and whether the database is new
    (no staff accounts: the first administrator is asked for too)."""
    from hubapp.store import accounts, setup

    return setup.hub_choices(store), not accounts.has_accounts(store)
