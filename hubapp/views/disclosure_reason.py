"""The question asked when a disclosure has no current sharing agreement behind it
(``hubapp.store.admin.sharing.NoAgreement``): the warning, and a box for the reason to go
ahead anyway, which the disclosure's audit entry keeps.

Only a coordinator or an administrator may give a reason (``Op.DISCLOSE_ANYWAY``); anyone
else is told who can, and nothing is disclosed. :func:`ask_reason` is what the screens that
disclose call (the assignment grid, the print dialog, the case window's sharing).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from hubapp.views.sign_in import error_label


def tr(text: str) -> str:
    return QCoreApplication.translate("DisclosureReason", text)


class ReasonDialog(QDialog):
    """The warning and the reason; ``reason`` holds it once accepted."""

    def __init__(self, warning: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("disclosureReasonDialog")
        self.setWindowTitle(tr("No current sharing agreement"))
        self.reason = ""
        layout = QVBoxLayout(self)
        self.warning = QLabel(warning, objectName="disclosureWarning")
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        layout.addWidget(self.warning)
        label = QLabel(tr("&Why does it go ahead without one? (kept in the audit log)"))
        self.reason_edit = QPlainTextEdit(objectName="disclosureReason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setAccessibleName(tr("Reason for disclosing without an agreement"))
        self.reason_edit.setMaximumHeight(90)
        label.setBuddy(self.reason_edit)
        layout.addWidget(label)
        layout.addWidget(self.reason_edit)
        self.error = error_label(self, "disclosureReasonError")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(objectName="disclosureButtons")
        self.go_button = buttons.addButton(tr("&Go ahead"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.go_button.setObjectName("disclosureGoAhead")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("disclosureCancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason_edit.textChanged.connect(self.error.hide)
        self.reason_edit.setFocus()

    def accept(self) -> None:
        from hubapp.store.admin.sharing import reason_problems

        problems = reason_problems(self.reason_edit.toPlainText())
        if problems:  # said beside the box; the dialog stays open with what was typed
            self.error.setText(problems[0].message)
            self.error.show()
            self.reason_edit.setFocus()
            return
        self.reason = " ".join(self.reason_edit.toPlainText().split())
        super().accept()


def may_give_reason(store) -> bool:
    from hubapp.store import access

    return access.may(store, access.Op.DISCLOSE_ANYWAY)


def refusal_text(store) -> str:
    from hubapp.store import access, roles

    role = access.role(store)
    return roles.refusal(access.Op.DISCLOSE_ANYWAY, role) if role is not None else ""


def ask_reason(parent: QWidget | None, store, warning: str, then: Callable[[str], None]) -> QDialog:
    """Ask why a disclosure goes ahead without a current agreement; ``then(reason)`` once it
    is given. Someone who may not give one is told who may instead, and nothing follows.
    Window-modal and not blocking (``open``); returns the dialog or message box shown."""
    if not may_give_reason(store):
        box = QMessageBox(QMessageBox.Icon.Warning, tr("No current sharing agreement"),
                          f"{warning}\n\n{refusal_text(store)} " + tr("Nothing was disclosed."),
                          QMessageBox.StandardButton.Ok, parent)  # fmt: skip
        box.setObjectName("disclosureRefusedBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box
    dialog = ReasonDialog(warning, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: then(dialog.reason))
    dialog.open()
    return dialog
