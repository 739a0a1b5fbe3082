"""Painting and editing one cell of the assignment grid.

A cell shows the agency's part (bold for the lead) and, below it, its actions in words
("2 open · 1 overdue"), on a soft red / amber / green background. A selected cell keeps its
colour under a tint and a frame, so selecting never hides that something is overdue.
Editing is a combo box of the parts; choosing one commits it at once.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPalette, QPen
from PySide6.QtWidgets import QComboBox, QStyle, QStyledItemDelegate

from hubapp.models.assignment_grid import RAG_COLOURS, CellRole, RoleCodeRole, actions_text

#: (label, stored value) of the editor's choices, with the key that picks each in the grid
ROLE_CHOICES = (("Lead", "lead"), ("Support", "support"), ("Informed", "informed"))


def tr(text: str) -> str:
    return QCoreApplication.translate("GridDelegate", text)


def role_choices() -> list[tuple[str, str]]:
    return [(tr("— No part —"), ""), *((tr(text), code) for text, code in ROLE_CHOICES)]


#: the text on a red, amber or green cell, whatever the theme
CELL_TEXT = "#1a1a1a"

_LABELS = {code: text for text, code in ROLE_CHOICES}


class RoleComboBox(QComboBox):
    """The in-place editor. A choice from its open list commits at once; with the list
    closed, arrow keys move through the parts and Enter commits (Esc leaves it)."""

    popup_used = False

    def showPopup(self) -> None:
        self.popup_used = True
        super().showPopup()


class GridDelegate(QStyledItemDelegate):
    PADDING = 6

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        #: set by the view while a mouse click opens the editor: show the list at once
        self.popup_on_open = False

    # -- painting ------------------------------------------------------------------------
    def paint(self, painter, option, index) -> None:
        # One data() call per cell (CellRole) instead of initStyleOption's ten: a screen of
        # the grid is 150-300 cells, repainted on every scroll step.
        cell = index.data(CellRole)
        rect = option.rect
        state = option.state
        palette = option.palette
        painter.save()
        colour = RAG_COLOURS.get(cell.rag) if cell is not None else None
        painter.fillRect(rect, colour or palette.color(QPalette.ColorRole.Base))
        if state & QStyle.StateFlag.State_Selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            tint = QColor(highlight)
            tint.setAlpha(70)
            painter.fillRect(rect, tint)
            painter.setPen(QPen(highlight, 2))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        elif state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(
                QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DotLine)
            )
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        if cell is None:
            painter.restore()
            return
        role = cell.role or ""
        actions = actions_text(cell)
        # dark on the soft colours whatever the theme; the theme's text colour elsewhere
        painter.setPen(QColor(CELL_TEXT) if colour is not None else
                       palette.color(QPalette.ColorRole.Text))  # fmt: skip
        inner = rect.adjusted(self.PADDING, 2, -self.PADDING // 2, -2)
        metrics = option.fontMetrics
        half = inner.height() // 2
        left = Qt.AlignmentFlag.AlignLeft
        if role:
            font = QFont(option.font)
            font.setBold(role == "lead")
            painter.setFont(font)
            area = QRect(inner.left(), inner.top(), inner.width(), half) if actions else inner
            align = left | (
                Qt.AlignmentFlag.AlignBottom if actions else Qt.AlignmentFlag.AlignVCenter
            )
            text = _LABELS.get(role, role)
            painter.drawText(area, align, painter.fontMetrics().elidedText(
                text, Qt.TextElideMode.ElideRight, area.width()))  # fmt: skip
        if actions:
            painter.setFont(option.font)
            if role:
                area = QRect(inner.left(), inner.top() + half, inner.width(), inner.height() - half)
                align = left | Qt.AlignmentFlag.AlignTop
            else:
                area, align = inner, left | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(area, align, metrics.elidedText(
                actions, Qt.TextElideMode.ElideRight, area.width()))  # fmt: skip
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        metrics = option.fontMetrics
        return QSize(metrics.horizontalAdvance("1 open · 1 overdue") + 2 * self.PADDING,
                     2 * metrics.height() + 8)  # fmt: skip

    # -- editing -------------------------------------------------------------------------
    def createEditor(self, parent, option, index):
        combo = RoleComboBox(parent)
        combo.setObjectName("roleEditor")
        for text, code in role_choices():
            combo.addItem(text, code)
        combo.setToolTip(tr("Choose the agency's part; Esc leaves it as it was"))
        combo.activated.connect(lambda _i, c=combo: c.popup_used and self._commit(c))
        if self.popup_on_open:
            self.popup_on_open = False
            QTimer.singleShot(0, combo.showPopup)
        return combo

    def setEditorData(self, editor, index) -> None:
        code = index.data(RoleCodeRole) or ""
        editor.setCurrentIndex(max(0, editor.findData(code)))

    def setModelData(self, editor, model, index) -> None:
        code = editor.currentData()
        if code != (index.data(RoleCodeRole) or ""):
            model.setData(index, code, Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index) -> None:
        editor.setGeometry(option.rect)

    def _commit(self, editor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)
