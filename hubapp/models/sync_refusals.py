"""Changes the central database refused, as a table: record, fields, why, when.

A pure adapter over ``hubapp.sync.refusals.RefusalRow`` values (read in the background by the
sync conflicts dialog); the row's refusal is read through ``RefusalRole``.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt

RefusalRole = Qt.ItemDataRole.UserRole + 1


def tr(text: str) -> str:
    return QCoreApplication.translate("RefusalTableModel", text)


def show_time(iso: str) -> str:
    """'2026-11-25 17:40:00' (UTC) as dd/mm/yyyy HH:MM local time (pure)."""
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(iso).replace(tzinfo=UTC).astimezone()
    except (TypeError, ValueError):
        return iso or ""
    return when.strftime("%d/%m/%Y %H:%M")


class RefusalTableModel(QAbstractTableModel):
    HEADERS = ("Record", "Fields", "Why", "When")

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
            return (row.record, row.fields, row.reason, show_time(row.refused_at))[index.column()]
        if role == RefusalRole:
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
