"""Names for the parts of a control that Qt leaves unnamed for a screen reader (issue 19)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QToolButton, QWidget


def tr(text: str) -> str:
    return QCoreApplication.translate("Accessible", text)


def name_clear_button(edit: QLineEdit) -> None:
    """The clear button a line edit shows once text is typed (its icon alone): named."""
    for button in edit.findChildren(QToolButton):
        if not button.accessibleName():
            button.setAccessibleName(tr("Clear"))
            button.setToolTip(tr("Clear"))


def label_text(widget: QWidget) -> str:
    """The text of the label whose buddy ``widget`` (or its focus proxy) is, without its "&"
    and final ":"."""
    parent = widget.parentWidget()
    while parent is not None:
        for label in parent.findChildren(QLabel):
            if label.buddy() is not None and label.buddy() in (widget, widget.focusProxy()):
                text = label.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
                return text.strip().rstrip(":").strip()
        parent = parent.parentWidget()
    return ""
