"""The audit log as a table: one row per entry, newest first, read a page at a time.

The model only adapts: it holds the entries it was given (plain values from
``hubapp.store.admin.audit_query``, never ORM rows). When the view scrolls to the end and more
entries exist, :meth:`fetchMore` emits :attr:`moreWanted` with the id of the oldest entry
shown; whoever owns the model reads the next page (in the background) and hands it to
:meth:`append_rows`. So a log of millions of entries is never loaded whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from hubapp.domain.formatting import format_datetime

Index = QModelIndex | QPersistentModelIndex
#: the entry (an AuditRow) behind a row
EntryRole = Qt.ItemDataRole.UserRole + 1
#: the entry's id
EntryIdRole = Qt.ItemDataRole.UserRole + 2

#: what the log's table names mean to people
ENTITY_NAMES = {
    "case_": "case", "person": "person", "case_person": "person on a case",
    "case_place": "place on a case", "contact": "contact", "note": "note", "action": "action",
    "assignment": "agency's part", "case_status_change": "status change",
    "sara_plan": "SARA plan", "risk_assessment": "risk assessment",
    "intervention": "tool or power", "intervention_breach": "breach", "place": "place",
    "meeting": "meeting", "agenda_item": "agenda item", "meeting_attendance": "attendance",
    "meeting_decision": "decision", "audit_log": "audit log", "sync": "sync",
}  # fmt: skip


def tr(text: str) -> str:
    return QCoreApplication.translate("AuditLogModel", text)


def entity_name(entity: str) -> str:
    return ENTITY_NAMES.get(entity, entity.rstrip("_").replace("_", " "))


def records_text(row: Any) -> str:
    """'case', '3 contacts' ..."""
    n = len(row.record_ids)
    name = entity_name(row.entity)
    if n <= 1:
        return name
    return f"{n:,} × {name}"


def one_line(text: str) -> str:
    return " ".join((text or "").split())


class AuditLogModel(QAbstractTableModel):
    #: the view wants the entries older than this id
    moreWanted = Signal(int)

    COLUMNS = ("When", "User", "Station", "Kind", "Records", "Reason")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._more = False
        self._waiting = False

    # -- filling --------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any], more: bool) -> None:
        """The first page of a new search; ``more``: older entries may follow."""
        self.beginResetModel()
        self._rows = list(rows)
        self._more = more
        self._waiting = False
        self.endResetModel()

    def append_rows(self, rows: Sequence[Any], more: bool) -> None:
        """The next page, as asked for by :attr:`moreWanted`."""
        self._waiting = False
        self._more = more
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def page_failed(self) -> None:
        """The next page could not be read: stop asking until the next search."""
        self._waiting = False
        self._more = False

    def entry(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def has_more(self) -> bool:
        return self._more

    # -- paging ---------------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._waiting and bool(self._rows)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._waiting = True
        self.moreWanted.emit(self._rows[-1].id)

    # -- the table ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):  # fmt: skip
            return tr(self.COLUMNS[section])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return format_datetime(row.at)
            if column == 1:
                return row.user
            if column == 2:
                return row.station
            if column == 3:
                return row.kind
            if column == 4:
                return records_text(row)
            if column == 5:
                return one_line(row.reason)
            return None
        if role == EntryRole:
            return row
        if role == EntryIdRole:
            return row.id
        return None
