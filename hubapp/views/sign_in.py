"""Signing in: the dialog at start once the database has staff accounts.

The check itself is a callable ``sign_in(user_name, password) -> account`` that raises with
one sentence (``hubapp.store.accounts.sign_in`` bound to the store). It runs in the
background (hashing the password, and the growing waits after wrong ones, never hold the
window); meanwhile the fields and buttons are disabled, so a second Enter does not check it
twice. A refusal (``Refused``: its first problem names the field) is shown beside the field
it is about; the dialog keeps the user name, clears the password, and stays open until
someone signs in or chooses Quit. Enter signs in.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

WIDTH = 420
#: widgets carrying this property belong to the sign-in and lock screens: the idle lock
#: never covers them and lets their input through
LOCK_UI = "hubappLockUi"


def tr(text: str) -> str:
    return QCoreApplication.translate("SignInDialog", text)


def error_label(parent, name: str) -> QLabel:
    label = QLabel(parent, objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet("color: #a4161a;")
    label.setWordWrap(True)
    label.hide()
    return label


class SignInDialog(QDialog):
    """User name and password; ``account`` holds who signed in once accepted."""

    signedIn = Signal(object)

    def __init__(
        self,
        sign_in: Callable[[str, str], object],
        parent=None,
        *,
        user_name: str = "",
        station: str = "",
        quit_text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setProperty(LOCK_UI, True)
        self.setWindowTitle(tr("Sign in"))
        self.setModal(True)
        self._sign_in = sign_in
        self.account = None
        #: the check running in the background, or None
        self.checking = None
        intro = QLabel(
            tr("Sign in with your own account. This PC holds OFFICIAL-SENSITIVE personal data.")
            if not station
            else tr(
                "Sign in with your own account ({0}). This PC holds OFFICIAL-SENSITIVE "
                "personal data."
            ).format(station)  # fmt: skip
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.user = QLineEdit(user_name, self, objectName="userEdit")
        self.user.setMaxLength(64)
        self.user_error = error_label(self, "userError")
        self.password = QLineEdit(self, objectName="passwordEdit")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(256)
        self.password_error = error_label(self, "passwordError")
        form = QFormLayout()
        form.addRow(tr("&User name:"), self.user)
        form.addRow("", self.user_error)
        form.addRow(tr("&Password:"), self.password)
        form.addRow("", self.password_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("&Sign in"))
        self.ok_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(quit_text or tr("&Quit"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.quit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.user.textEdited.connect(lambda _t: self._clear())
        self.password.textEdited.connect(lambda _t: self._clear())
        self.setMinimumWidth(WIDTH)
        (self.password if user_name else self.user).setFocus()

    def _clear(self) -> None:
        self.user_error.hide()
        self.password_error.hide()

    def accept(self) -> None:
        """Enter or Sign in: check the password in the background; on failure say why beside
        the field."""
        from hubapp.models.tasks import Task

        if self.checking is not None:
            return  # already checking: a second Enter does not check it twice
        user = self.user.text().strip()
        if not user:
            self._show(self.user_error, tr("Enter your user name."), self.user)
            return
        if not self.password.text():
            self._show(self.password_error, tr("Enter your password."), self.password)
            return
        self._clear()
        task = Task(_check, self._sign_in, user, self.password.text())
        task.succeeded.connect(self._signed_in)
        task.failed.connect(self._refused)
        self.checking = task
        self._set_checking(True)
        task.start()

    def _set_checking(self, checking: bool) -> None:
        for w in (self.user, self.password, self.buttons):
            w.setEnabled(not checking)
        self.ok_button.setText(tr("Checking…") if checking else tr("&Sign in"))
        if checking:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _signed_in(self, account) -> None:
        self.checking = None
        self._set_checking(False)
        self.password.clear()
        self.account = account
        self.signedIn.emit(account)
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message
        from hubapp.store.errors import Refused

        self.checking = None
        self._set_checking(False)
        on_user = isinstance(exc, Refused) and bool(exc.problems) \
            and exc.problems[0].field == "user_name"  # fmt: skip
        self.password.clear()
        label = self.user_error if on_user else self.password_error
        self._show(label, user_message(exc), self.password)

    def _show(self, label: QLabel, text: str, focus: QLineEdit) -> None:
        self._clear()
        label.setText(text)
        label.show()
        focus.setFocus()
        self.adjustSize()

    def reject(self) -> None:
        # Escape or the window's close button: nothing opens without signing in
        if self.checking is None:
            self._show(self.password_error, tr("Sign in to carry on, or Quit."), self.password)

    def quit(self) -> None:
        if self.checking is not None:  # its outcome decides who is signed in: wait for it
            return
        self.password.clear()
        super().reject()


def _check(_ctx, sign_in: Callable[[str, str], object], user: str, password: str):
    """Background work: the sign-in check (the account, or its refusal raised)."""
    return sign_in(user, password)
