"""Staff accounts: the sign-in, the idle lock and "Sign in as someone else…", Tools >
Accounts…, and what the role matrix refuses the signed-in account."""

from __future__ import annotations


class AccountsMixin:
    """Who is signed in, and the idle lock. A part of :class:`hubapp.gui.controller.Controller`."""

    def refused(self, op) -> bool:
        """True (and the role matrix's sentence in the status bar) when the signed-in account
        may not do ``op``; the menus do not offer it, and the store refuses it anyway."""
        from hubapp.store import access

        if self.db is None or access.may(self.db.store, op):
            return False
        role = self.db.store.account.role
        self.window.statusBar().showMessage(access.roles.refusal(op, role), 15_000)
        return True

    def sign_in(self, user_name: str = "") -> bool:
        """Once the database has staff accounts, nothing shows before someone signs in
        (False: they chose Quit). Then the idle lock watches the windows."""
        from hubapp.models.tasks import wait_for
        from hubapp.store import accounts
        from hubapp.views.sign_in import SignInDialog

        store = self.db.store
        if store.account is None:
            if not wait_for(has_accounts, store):
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
        tests give it a clock they move). The minutes are read in the background: the lock
        watches with its default until they are there."""
        from hubapp.store import accounts
        from hubapp.views.idle_lock import IdleLock

        if self.idle is None:  # the database open now (a restore opens another one)
            self.idle = IdleLock(
                lambda password: accounts.confirm(self.db.store, password),
                lambda: self.db.store.account.display_name if self.db.store.account else "",
                parent=self.window, **options,
            )  # fmt: skip
            self.idle.switchRequested.connect(self.switch_user)
        idle = self.idle
        self._Task(idle_minutes, self.db.store).on_success(
            lambda minutes: idle is self.idle and idle.set_minutes(minutes)).start()  # fmt: skip
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

        writing = []
        for w in list(self.intake_windows):  # what was typed stays as a draft
            task = w.flush_draft()
            if task is not None and task.running:
                writing.append(task)
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
        if not writing:
            self._sign_in_someone_else()
            return
        # the drafts are written as the person who typed them: the next one signs in after
        waiting = set(writing)

        def written(task) -> None:
            waiting.discard(task)
            if not waiting and self.idle is not None and self.idle.locked:
                self._sign_in_someone_else()

        for task in writing:
            task.finished.connect(lambda t=task: written(t))

    def _sign_in_someone_else(self) -> None:
        from hubapp.store import accounts
        from hubapp.views.sign_in import SignInDialog

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
        from hubapp.models.tasks import wait_for
        from hubapp.views.accounts_dialog import AccountsDialog

        if self.db is None:
            return None
        store = self.db.store
        first = store.account is None
        if first and wait_for(has_accounts, store):
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
        # the sign-in asks first whether an account was made (it lets everyone in if not)
        if self.db.store.account is None and not self.sign_in():
            self.window.close()


def has_accounts(_ctx, store) -> bool:
    """Background work: whether the database has staff accounts (then everyone signs in)."""
    from hubapp.store import accounts

    return accounts.has_accounts(store)


def idle_minutes(_ctx, store) -> int:
    """Background work: the station's idle minutes before the windows lock."""
    from hubapp.store import accounts

    return accounts.idle_lock_minutes(store)
