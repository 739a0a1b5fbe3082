"""Signing in: the dialog at start once the database has staff accounts.

The check itself is a callable ``sign_in(user_name, password) -> account`` that raises with
one sentence (``hubapp.store.accounts.sign_in`` bound to the store): the dialog shows that
sentence beside the field it is about, keeps the user name, clears the password, and stays
open until someone signs in or chooses Quit. Enter signs in.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QGuiApplication
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
        """Enter or Sign in: check the password; on failure say why beside the field."""
        from hubapp.errors import describe

        user = self.user.text().strip()
        if not user:
            self._show(self.user_error, tr("Enter your user name."), self.user)
            return
        if not self.password.text():
            self._show(self.password_error, tr("Enter your password."), self.password)
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            account = self._sign_in(user, self.password.text())
        except Exception as exc:  # worded for people by the core
            problems = getattr(exc, "problems", None) or []
            on_user = bool(problems) and problems[0].field == "user_name"
            self.password.clear()
            if on_user:
                self._show(self.user_error, describe(exc), self.password)
            else:
                self._show(self.password_error, describe(exc), self.password)
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.password.clear()
        self.account = account
        self.signedIn.emit(account)
        super().accept()

    def _show(self, label: QLabel, text: str, focus: QLineEdit) -> None:
        self._clear()
        label.setText(text)
        label.show()
        focus.setFocus()
        self.adjustSize()

    def reject(self) -> None:
        # Escape or the window's close button: nothing opens without signing in
        self._show(self.password_error, tr("Sign in to carry on, or Quit."), self.password)

    def quit(self) -> None:
        self.password.clear()
        super().reject()
