"""The retention review list as a table: a pure adapter over ``hubapp.store.admin.retention.DueItem``
values (loaded in the background by the review dialog; no database access here)."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from hubapp.domain.formatting import format_date

_ROOT = QModelIndex()

#: the selected row's DueItem
ItemRole = Qt.ItemDataRole.UserRole + 1
#: a sort key for the column (dates as ISO text)
SortRole = Qt.ItemDataRole.UserRole + 2


def tr(text: str) -> str:
    return QCoreApplication.translate("RetentionModel", text)


COLUMNS = ("Reference", "Kind", "Case or person", "Why it is due", "Due since", "Last decision")


class RetentionModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list = []

    # -- changes -----------------------------------------------------------------------
    def set_items(self, items: list) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def remove(self, record_id) -> None:
        for row, item in enumerate(self._items):
            if item.record_id == record_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._items[row]
                self.endRemoveRows()
                return

    def item(self, row: int):
        return self._items[row] if 0 <= row < len(self._items) else None

    # -- Qt --------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):  # fmt: skip
            return tr(COLUMNS[section])
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        col = index.column()
        if role == ItemRole:
            return item
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SortRole):
            if col == 0:
                return item.reference
            if col == 1:
                return tr("Case") if item.kind == "case" else tr("Person")
            if col == 2:
                return item.label
            if col == 3:
                return item.why
            if col == 4:
                return item.since.isoformat() if role == SortRole else format_date(item.since)
            if col == 5:
                return item.last_decision.describe() if item.last_decision else ""
        return None
