"""The open sync conflicts as a table: record, field, our value, their value.

A pure adapter over ``hubapp.sync.conflicts.ConflictRow`` values (read in the background by
the dialog); the row's conflict is read through ``ConflictRole``.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt

ConflictRole = Qt.ItemDataRole.UserRole + 1


def tr(text: str) -> str:
    return QCoreApplication.translate("ConflictTableModel", text)


def show_value(value) -> str:
    """A stored value in words (pure: the dialog and any report use it)."""
    if value is None or value == "":
        return tr("(empty)")
    if value is True:
        return tr("yes")
    if value is False:
        return tr("no")
    return str(value)


class ConflictTableModel(QAbstractTableModel):
    HEADERS = ("Record", "Field", "Our value", "Their value")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            col = index.column()
            if col == 0:
                return row.record
            if col == 1:
                return row.field
            text = show_value(row.ours if col == 2 else row.theirs)
            if role == Qt.ItemDataRole.DisplayRole:
                return text.replace("\n", " ")
            return text
        if role == ConflictRole:
            return row
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return tr(self.HEADERS[section])
        return None
