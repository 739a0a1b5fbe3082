"""The database passphrase, on a PC without a usable keyring.

``NewPassphraseDialog`` is the first question of the first start when the database is made
here and its key cannot be kept in a keyring: the passphrase, typed twice. ``PassphraseDialog``
asks for the passphrase of an existing encrypted database whose key this PC does not have, and
checks it in the background (the key derivation takes a fraction of a second).

Neither keeps the passphrase longer than it is needed: the caller takes it and the fields are
cleared.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

WIDTH = 460
MAX_PASSPHRASE = 1024


def tr(text: str) -> str:
    return QCoreApplication.translate("PassphraseDialog", text)


def _plain_label(text: str = "", *, object_name: str = "", error: bool = False) -> QLabel:
    label = QLabel(text, objectName=object_name) if object_name else QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if error:
        label.setStyleSheet("color: #a4161a;")
        label.hide()
    return label


def _password_edit(object_name: str) -> QLineEdit:
    edit = QLineEdit(objectName=object_name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(MAX_PASSPHRASE)
    return edit


def _lay_out(dialog: QDialog, intro, form, ok_text: str, quit_kind) -> tuple:
    """The intro, the form and an OK / Quit pair (``quit_kind``: the standard button that
    plays Quit) in ``dialog``; the two buttons."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | quit_kind, parent=dialog)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    quit_button = buttons.button(quit_kind)
    quit_button.setText(tr("Quit"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(intro)
    layout.addLayout(form)
    layout.addWidget(buttons)
    dialog.setMinimumWidth(WIDTH)
    dialog.resize(WIDTH, dialog.sizeHint().height())
    return ok, quit_button


class NewPassphraseDialog(QDialog):
    """A passphrase for a new database, typed twice. ``problem(passphrase, again)`` returns
    the sentence to show beside the fields, or None; ``passphrase()`` gives the accepted one."""

    def __init__(self, problem, parent=None, *, minimum: int = 12) -> None:
        super().__init__(parent)
        self._problem = problem
        self._minimum = minimum
        self._accepted = ""
        self.setWindowTitle(tr("Set up this PC"))
        self.setModal(True)
        intro = _plain_label(
            tr(
                "This PC has no keyring to keep the database key in, so choose a passphrase "
                "(at least {0} characters). It protects the data on this PC and every start "
                "asks for it. Losing it loses the data: keep it where the hub keeps its "
                "passwords."
            ).format(minimum)
        )
        self.first = _password_edit("passphraseEdit")
        self.again = _password_edit("passphraseAgainEdit")
        self.error = _plain_label(object_name="passphraseError", error=True)
        form = QFormLayout()
        form.addRow(tr("Database &passphrase:"), self.first)
        form.addRow(tr("Passphrase &again:"), self.again)
        form.addRow("", self.error)
        for edit in (self.first, self.again):
            edit.textEdited.connect(lambda _t: self.error.hide())
        self.ok_button, self.quit_button = _lay_out(
            self, intro, form, tr("Continue"), QDialogButtonBox.StandardButton.Close
        )

    def passphrase(self) -> str:
        """The accepted passphrase, given once (the dialog then forgets it)."""
        value, self._accepted = self._accepted, ""
        return value

    def accept(self) -> None:
        text, again = self.first.text(), self.again.text()
        problem = self._problem(text, again)
        if problem:
            self.error.setText(problem)
            self.error.show()
            self.again.clear()
            (self.first if len(text) < self._minimum else self.again).setFocus()
            _fit(self)
            return
        self._accepted = text
        self.first.clear()
        self.again.clear()
        super().accept()

    def reject(self) -> None:
        self.first.clear()
        self.again.clear()
        super().reject()


class PassphraseDialog(QDialog):
    """The passphrase of an existing encrypted database. ``unlock(ctx, passphrase)`` runs in
    the background and raises, with the sentence to show beside the field, when the
    passphrase does not open the database; the dialog is accepted when it does."""

    def __init__(self, unlock, parent=None, *, database: str = "") -> None:
        super().__init__(parent)
        self._unlock = unlock
        self._task = None
        self.setWindowTitle(tr("Database passphrase"))
        self.setModal(True)
        text = tr(
            "This PC keeps no key for the hub database: type the passphrase the administrator "
            "chose for it."
        )
        if database:
            text += "\n" + database
        intro = _plain_label(text)
        self.edit = _password_edit("passphraseEdit")
        self.error = _plain_label(object_name="passphraseError", error=True)
        self.edit.textEdited.connect(lambda _t: self.error.hide())
        form = QFormLayout()
        form.addRow(tr("&Passphrase:"), self.edit)
        form.addRow("", self.error)
        self.ok_button, self.cancel_button = _lay_out(
            self, intro, form, tr("Open"), QDialogButtonBox.StandardButton.Cancel
        )

    def busy(self) -> bool:
        return self._task is not None

    def accept(self) -> None:
        if self._task is not None:
            return
        passphrase = self.edit.text()
        if not passphrase:
            self._show(tr("Type the database's passphrase."))
            return
        from hubapp.models.tasks import Task

        self.edit.setEnabled(False)
        self.ok_button.setEnabled(False)
        self.setCursor(Qt.CursorShape.WaitCursor)
        task = Task(self._unlock, passphrase)  # no parent: it outlives a closed dialog
        task.succeeded.connect(self._unlocked)
        task.failed.connect(self._refused)
        self._task = task.start()

    def _done(self) -> None:
        self._task = None
        self.unsetCursor()
        self.edit.setEnabled(True)
        self.ok_button.setEnabled(True)
        self.edit.clear()

    def _unlocked(self, _result) -> None:
        self._done()
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self._done()
        if self.isVisible():
            self._show(user_message(exc))

    def _show(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.edit.setFocus()
        _fit(self)

    def reject(self) -> None:
        # a check still running finishes in the background; its result is not used
        if self._task is not None:
            self._task.succeeded.disconnect(self._unlocked)
            self._task.failed.disconnect(self._refused)
            self._task = None
        self.edit.clear()
        super().reject()


def _fit(dialog: QDialog) -> None:
    # room for the sentence: grow in height if need be, never narrower than it was
    width = dialog.width()
    height = dialog.heightForWidth(width) if dialog.hasHeightForWidth() else -1
    dialog.resize(width, max(dialog.height(), height, dialog.minimumSizeHint().height()))
