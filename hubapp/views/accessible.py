"""Names for the parts of a control that Qt leaves unnamed for a screen reader (issue 19)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QToolButton, QWidget

#: the point size the headings' sizes were chosen at (Windows' default text, Segoe UI 9)
BASE_POINTS = 9.0


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


def heading_font(widget: QWidget, points: float, bold: bool = True) -> None:
    """A heading's font, ``points`` at the usual text size and growing with it: a fixed
    point size in a style sheet stays put when the text is made bigger (Windows' "Make
    text bigger", 200%), and the heading ends up smaller than the text under it."""
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * points / BASE_POINTS)
    font.setBold(bold)
    widget.setFont(font)
