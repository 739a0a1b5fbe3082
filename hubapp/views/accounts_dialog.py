"""Tools > Accounts… (administrators): the station's staff accounts.

The list shows every account with its role, agency, hub and state; below it the selected
account can be disabled or enabled, unlocked, given a new password or another role, and a
new account added. The core (``hubapp.store.accounts``) checks every rule; its sentences
are shown beside the field they are about, and nothing typed is cleared on a problem
(except passwords, which are never kept).

The list is read, and every change made, in the background (the list is read again after
a change); the buttons wait while a change is on its way (``busy``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
)

from hubapp.domain.codes import StaffRole
from hubapp.models.accounts import AccountRole, AccountTableModel
from hubapp.models.tasks import LatestTask, Task, user_message
from hubapp.views.sign_in import error_label


def tr(text: str) -> str:
    return QCoreApplication.translate("AccountsDialog", text)


def _password_edit(name: str) -> QLineEdit:
    edit = QLineEdit(objectName=name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(256)
    return edit


def _role_combo(name: str) -> QComboBox:
    combo = QComboBox(objectName=name)
    for role in StaffRole:
        combo.addItem(role.label, role.value)
    return combo


class AccountsDialog(QDialog):
    #: an account was added or changed (its user name)
    changed = Signal(str)
    #: the idle lock's minutes were saved
    idleMinutesChanged = Signal(int)

    def __init__(self, store, parent=None, lookups=None) -> None:
        super().__init__(parent)
        self.setObjectName("accountsDialog")
        self.setWindowTitle(tr("Staff accounts"))
        self.store = store
        #: reading the list (the latest request wins)
        self._reading = LatestTask(self, self._show_rows, self._read_failed)
        #: the change on its way (the buttons wait for it), or None
        self.working: Task | None = None
        self._select_after: str = ""
        self.model = AccountTableModel(self)
        self.table = QTableView(self, objectName="accountTable")
        self.table.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        self.table.setAccessibleName(tr("Staff accounts"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._build_selected())
        layout.addWidget(self._build_add(lookups))
        layout.addLayout(self._build_idle())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for button in self.findChildren(QPushButton):
            # Enter in a field runs that field's own action, never another button's
            button.setAutoDefault(False)
            button.setDefault(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selected_changed())
        self.resize(860, 640)
        self._read_idle = True  # the first reading brings the idle minutes too
        self.reload()

    # -- construction ----------------------------------------------------------------------
    def _build_selected(self) -> QGroupBox:
        box = QGroupBox(tr("Selected account"), self)
        self.disable_button = QPushButton(tr("&Disable"), objectName="disableButton")
        self.unlock_button = QPushButton(tr("&Unlock"), objectName="unlockButton")
        self.role_combo = _role_combo("roleCombo")
        self.role_button = QPushButton(tr("Change &role"), objectName="roleButton")
        self.reset_password = _password_edit("resetPasswordEdit")
        self.reset_again = _password_edit("resetAgainEdit")
        self.reset_password.setPlaceholderText(tr("New password"))
        self.reset_again.setPlaceholderText(tr("The same again"))
        self.reset_button = QPushButton(tr("Set &password"), objectName="resetButton")
        self.selected_error = error_label(self, "selectedError")
        self.selected_message = QLabel(objectName="selectedMessage")
        self.selected_message.setTextFormat(Qt.TextFormat.PlainText)
        row1 = QHBoxLayout()
        for w in (self.disable_button, self.unlock_button, QLabel(tr("Role:")), self.role_combo,
                  self.role_button):  # fmt: skip
            row1.addWidget(w)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        for w in (QLabel(tr("New password:")), self.reset_password, self.reset_again,
                  self.reset_button):  # fmt: skip
            row2.addWidget(w)
        column = QVBoxLayout(box)
        column.addLayout(row1)
        column.addLayout(row2)
        column.addWidget(self.selected_error)
        column.addWidget(self.selected_message)
        self.disable_button.clicked.connect(self.toggle_disabled)
        self.unlock_button.clicked.connect(self.unlock)
        self.role_button.clicked.connect(self.change_role)
        self.reset_button.clicked.connect(self.set_password)
        self.reset_again.returnPressed.connect(self.set_password)
        return box

    def _build_add(self, lookups) -> QGroupBox:
        box = QGroupBox(tr("Add an account"), self)
        self.new_user = QLineEdit(objectName="newUserEdit")
        self.new_user.setMaxLength(64)
        self.new_user.setPlaceholderText(tr("e.g. j.smith"))
        self.new_name = QLineEdit(objectName="newNameEdit")
        self.new_name.setMaxLength(120)
        self.new_role = _role_combo("newRoleCombo")
        self.new_role.setCurrentIndex(self.new_role.findData(StaffRole.PARTNER.value))
        self.new_agency = QComboBox(objectName="newAgencyCombo")
        self.new_hub = QComboBox(objectName="newHubCombo")
        self.new_agency.addItem(tr("(none)"), None)
        self.new_hub.addItem(tr("(none)"), None)
        if lookups is not None:
            for agency in lookups.agencies.values():
                if agency.active:
                    self.new_agency.addItem(agency.name, agency.id)
            for hub in lookups.hub_list():
                self.new_hub.addItem(hub.name, hub.id)
        self.new_password = _password_edit("newPasswordEdit")
        self.new_again = _password_edit("newAgainEdit")
        self.add_button = QPushButton(tr("&Add account"), objectName="addButton")
        self.add_errors = {
            key: error_label(self, f"new_{key}Error")
            for key in ("user_name", "display_name", "role", "agency", "hub", "password", "again")
        }
        form = QFormLayout(box)
        for key, label, edit in (
            ("user_name", tr("User &name:"), self.new_user),
            ("display_name", tr("&Full name:"), self.new_name),
            ("role", tr("R&ole:"), self.new_role),
            ("agency", tr("A&gency:"), self.new_agency),
            ("hub", tr("&Hub:"), self.new_hub),
            ("password", tr("Pass&word:"), self.new_password),
            ("again", tr("Password a&gain:"), self.new_again),
        ):
            form.addRow(label, edit)
            form.addRow("", self.add_errors[key])
            if isinstance(edit, QLineEdit):
                edit.textEdited.connect(lambda _t, k=key: self.add_errors[k].hide())
        form.addRow("", self.add_button)
        self.add_button.clicked.connect(self.add_account)
        self.new_again.returnPressed.connect(self.add_account)
        return box

    def _build_idle(self) -> QHBoxLayout:
        from hubapp.store import accounts

        self.idle_minutes = QSpinBox(objectName="idleMinutes")
        self.idle_minutes.setRange(accounts.IDLE_MIN, accounts.IDLE_MAX)
        self.idle_minutes.setSuffix(tr(" minutes"))
        self.idle_minutes.setEnabled(False)  # until the station's minutes are read
        self.idle_button = QPushButton(tr("Sa&ve"), objectName="idleButton")
        self.idle_message = QLabel(objectName="idleMessage")
        self.idle_message.setTextFormat(Qt.TextFormat.PlainText)
        self.idle_minutes.setAccessibleName(tr("Lock the windows after this many minutes "
                                               "without input"))  # fmt: skip
        row = QHBoxLayout()
        lead = QLabel(tr("&Lock the windows after"))
        lead.setBuddy(self.idle_minutes)
        row.addWidget(lead)
        row.addWidget(self.idle_minutes)
        row.addWidget(QLabel(tr("without input")))
        row.addWidget(self.idle_button)
        row.addWidget(self.idle_message, 1)
        self.idle_button.clicked.connect(self.save_idle_minutes)
        return row

    # -- reading ---------------------------------------------------------------------------
    def reload(self, select: str = "") -> None:
        """Read the accounts again in the background; ``select`` that one when shown."""
        self._select_after = select or (self.selected().user_name if self.selected() else "")
        self._reading.start(read_accounts, self.store, self._read_idle)

    @property
    def busy(self) -> bool:
        """The list is being read, or a change saved."""
        return self._reading.running or self.working is not None

    def _read_failed(self, exc: BaseException) -> None:
        self.selected_error.setText(user_message(exc))
        self.selected_error.show()

    def _show_rows(self, result) -> None:
        from hubapp.domain import clock

        rows, minutes = result
        if minutes is not None:
            self._read_idle = False
            self.idle_minutes.setValue(minutes)
            self.idle_minutes.setEnabled(self.working is None)
        current = self._select_after
        self.model.set_rows(rows, clock.utcnow())
        if not self.model.rowCount():  # an older database: its first account
            self.new_role.setCurrentIndex(self.new_role.findData(StaffRole.ADMINISTRATOR.value))
            self.selected_message.setText(
                tr("This database has no accounts yet: add the first administrator. From then "
                   "on everyone signs in with their own account.")
            )  # fmt: skip
        row = self.model.row_of(current) if current else -1
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        self._selected_changed()

    def selected(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].data(AccountRole) if rows else None

    def _selected_changed(self) -> None:
        self._update_buttons()
        account = self.selected()
        if account is not None:
            self.role_combo.setCurrentIndex(self.role_combo.findData(account.role.value))
            self.selected_error.hide()

    def _update_buttons(self) -> None:
        account = self.selected()
        for w in (self.disable_button, self.unlock_button, self.role_button, self.reset_button):
            w.setEnabled(account is not None and self.working is None)
        if account is None:
            return
        self.disable_button.setText(tr("&Enable") if account.disabled else tr("&Disable"))
        self.unlock_button.setEnabled(self.working is None and (
            account.locked() or account.failed_attempts > 0))  # fmt: skip

    # -- changes ---------------------------------------------------------------------------
    def _run(self, fn, *args, done, failed) -> Task | None:
        """Start a change in the background (one at a time: the buttons wait for it)."""
        if self.working is not None:
            return None
        task = Task(fn, *args)
        task.succeeded.connect(done)
        task.failed.connect(failed)
        task.finished.connect(self._finished)
        self.working = task
        self._set_working(True)
        return task.start()

    def _set_working(self, working: bool) -> None:
        for w in (self.add_button, self.idle_button, self.idle_minutes, self.role_combo):
            w.setEnabled(not working)
        if working:
            for w in (self.disable_button, self.unlock_button, self.role_button,
                      self.reset_button):  # fmt: skip
                w.setEnabled(False)
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.idle_minutes.setEnabled(not self._read_idle)
            self.unsetCursor()

    def _finished(self) -> None:
        self.working = None
        self._set_working(False)
        self._update_buttons()

    def _do(self, fn, *args, done: str, then=None):
        """Run a core change on the selected account in the background, with the list read
        again; say the outcome, or the problem beside the buttons."""
        self.selected_error.hide()
        self.selected_message.clear()

        def changed(account) -> None:
            self.selected_message.setText(done.format(account.user_name))
            self.reload(account.user_name)
            self.changed.emit(account.user_name)

        def refused(exc: BaseException) -> None:
            self.selected_error.setText(user_message(exc))
            self.selected_error.show()
            if then is not None:
                then()

        return self._run(_call, fn, self.store, *args, done=changed, failed=refused)

    def toggle_disabled(self) -> None:
        from hubapp.store import accounts

        account = self.selected()
        if account is None:
            return
        if account.disabled:
            self._do(accounts.set_disabled, account.user_name, False,
                     done=tr("{0} can sign in again."))  # fmt: skip
        else:
            self._do(accounts.set_disabled, account.user_name, True,
                     done=tr("{0} is disabled: it can no longer sign in."))  # fmt: skip

    def unlock(self) -> None:
        from hubapp.store import accounts

        account = self.selected()
        if account is not None:
            self._do(accounts.unlock, account.user_name, done=tr("{0} is unlocked."))

    def change_role(self) -> None:
        from hubapp.store import accounts

        account = self.selected()
        if account is not None:
            self._do(accounts.set_role, account.user_name, self.role_combo.currentData(),
                     done=tr("The role of {0} is changed."))  # fmt: skip

    def set_password(self) -> None:
        from hubapp.store import accounts

        account = self.selected()
        if account is None:
            return
        if self.reset_password.text() != self.reset_again.text():
            self.reset_again.clear()
            self.selected_error.setText(tr("The two passwords differ; type it again."))
            self.selected_error.show()
            self.reset_again.setFocus()
            return
        password = self.reset_password.text()
        self.reset_password.clear()
        self.reset_again.clear()
        self._do(accounts.set_password, account.user_name, password,
                 done=tr("The password of {0} is changed."),
                 then=self.reset_password.setFocus)  # fmt: skip

    def add_account(self) -> bool:
        """Add the account typed in the form, in the background: True once it is on its way
        (its refusal is shown beside the fields), False when the form's own checks found
        problems (beside the fields). What was typed is kept on a problem."""
        from hubapp.store import accounts

        if self.working is not None:
            return False
        for label in self.add_errors.values():
            label.hide()
        draft = accounts.AccountDraft(
            self.new_user.text().strip(), self.new_name.text(), self.new_role.currentData(),
            self.new_agency.currentData(), self.new_hub.currentData(),
        )  # fmt: skip
        password = self.new_password.text()
        problems = accounts.validate(draft) + accounts.password_problems(password, draft.user_name)
        if not problems and self.new_again.text() != password:
            problems = [accounts.Problem("again", tr("The two passwords differ; type it again."))]
        self.new_password.clear()
        self.new_again.clear()
        if problems:
            self._show_add_problems(problems)
            return False
        first = self.store.account is None
        self._run(_call, accounts.create_account, self.store, draft, password,
                  done=lambda made: self._added(made, first),
                  failed=self._not_added)  # fmt: skip
        return True

    def _show_add_problems(self, problems) -> None:
        for problem in problems:
            label = self.add_errors.get(problem.field, self.add_errors["user_name"])
            label.setText(problem.message)
            label.show()
        edits = {"user_name": self.new_user, "display_name": self.new_name,
                 "role": self.new_role, "agency": self.new_agency, "hub": self.new_hub}  # fmt: skip
        edits.get(problems[0].field, self.new_password).setFocus()

    def _not_added(self, exc: BaseException) -> None:
        from hubapp.store import accounts
        from hubapp.store.errors import Refused

        problems = exc.problems if isinstance(exc, Refused) else []
        self._show_add_problems(problems or [accounts.Problem("user_name", user_message(exc))])

    def _added(self, made, first: bool) -> None:
        self.new_user.clear()
        self.new_name.clear()
        if first:  # the first administrator: they sign in next
            self.changed.emit(made.user_name)
            self.accept()
            return
        self.selected_message.setText(tr("{0} is added.").format(made.user_name))
        self.reload(made.user_name)
        self.changed.emit(made.user_name)

    def save_idle_minutes(self) -> None:
        from hubapp.store import accounts

        def saved(minutes: int) -> None:
            self.idle_message.setText(tr("Saved."))
            self.idleMinutesChanged.emit(minutes)

        self.idle_message.clear()
        self._run(_call, accounts.set_idle_lock_minutes, self.store, self.idle_minutes.value(),
                  done=saved, failed=lambda exc: self.idle_message.setText(user_message(exc)))  # fmt: skip


def read_accounts(_ctx, store, with_minutes: bool):
    """Background work: every account, and the station's idle minutes (None without)."""
    from hubapp.store import accounts

    minutes = accounts.idle_lock_minutes(store) if with_minutes else None
    return accounts.list_accounts(store), minutes


def _call(_ctx, fn, *args):
    """Background work: one change to the accounts (``fn(*args)``; raises its refusal)."""
    return fn(*args)
