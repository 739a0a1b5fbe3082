"""A read-only table model over a list of plain records (frozen values from the store, never
ORM rows): one row per record, one column per :class:`Column`.

The case view's lists, the meeting tables and the action lists are all this model, with
their own columns. Text is handed to the view as plain text (DisplayRole); tooltips carry the
full text, escaped, because Qt guesses whether a tooltip is rich text. Columns with a sort
key make the model sortable (in Python: these lists hold at most a few thousand records).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from hubapp.domain.formatting import as_tooltip

_USER = Qt.ItemDataRole.UserRole
#: the record behind a row (any index of the row)
RecordRole = _USER + 1
#: the record's id (see ``RecordTableModel(key=...)``)
IdRole = _USER + 2

Index = QModelIndex | QPersistentModelIndex
#: a colour for ForegroundRole / BackgroundRole: a name ("#b00020"), a QColor or a QBrush
Colour = str | QColor | QBrush


def one_line(text: str, limit: int | None = None) -> str:
    """User text on one table line (runs of white space become one space), cut after
    ``limit`` characters with an ellipsis if given; the tooltip holds all of it."""
    flat = " ".join((text or "").split())
    if limit is None or len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    #: True: the column's full text as its tooltip (long free text); or a function giving
    #: the tooltip's text for a record; an empty text gives no tooltip
    tooltip: bool | Callable[[Any], str] = False
    #: the text's colour for a record, or None
    colour: Callable[[Any], Colour | None] | None = None
    #: the cell's background for a record, or None
    background: Callable[[Any], Colour | None] | None = None
    #: makes the column sortable: the key a record sorts by
    sort_key: Callable[[Any], Any] | None = None
    #: show the text on one line (see :func:`one_line`), cut after ``limit`` characters
    one_line: bool = False
    limit: int | None = None
    #: TextAlignmentRole, e.g. right-aligned numbers; None: the view's default
    align: Qt.AlignmentFlag | None = None

    def display(self, record: Any) -> str:
        text = self.text(record)
        return one_line(text, self.limit) if self.one_line else text

    def tooltip_text(self, record: Any) -> str | None:
        if self.tooltip is False:
            return None
        text = self.text(record) if self.tooltip is True else self.tooltip(record)
        return as_tooltip(text) if text else None


def _brush(colour: Colour | None) -> QBrush | None:
    if isinstance(colour, QBrush):
        return colour
    if isinstance(colour, QColor):
        return QBrush(colour)
    return QBrush(QColor(colour)) if colour else None


def _default_key(record: Any) -> Any:
    return getattr(record, "id", None)


class RecordTableModel(QAbstractTableModel):
    """Read-only rows of records. ``key(record)`` is a record's id (IdRole, :meth:`row_of`).

    Sorting: :meth:`sort` on a column with a ``sort_key``. The first column's sort key, if
    it has one, is the default order (applied whenever the records are set) and breaks ties
    of any other column. Subclasses answer further roles in :meth:`extra_data`.
    """

    def __init__(self, columns: Sequence[Column], parent=None, *,
                 key: Callable[[Any], Any] = _default_key) -> None:  # fmt: skip
        super().__init__(parent)
        self._columns = list(columns)
        self._key = key
        self._records: list[Any] = []
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)

    # -- filling --------------------------------------------------------------------------
    def set_records(self, records: Sequence[Any]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._records = [self._records[i] for i in self._sorted_rows()]
        self.endResetModel()

    def records(self) -> list[Any]:
        return list(self._records)

    def record(self, row: int) -> Any:
        return self._records[row] if 0 <= row < len(self._records) else None

    def row_of(self, record_id: Any) -> int | None:
        """The row of the record whose key is ``record_id``, or None."""
        for row, record in enumerate(self._records):
            if self._key(record) == record_id:
                return row
        return None

    # the meeting and action tables call their records lines
    set_lines = set_records
    lines = records
    line = record

    # -- sorting --------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns) or self._columns[column].sort_key is None:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        self._sort = (column, order)
        rows = self._sorted_rows()
        self._records = [self._records[i] for i in rows]
        new_row = {old: new for new, old in enumerate(rows)}
        self.changePersistentIndexList(
            persistent,
            [self.index(new_row[p.row()], p.column()) if p.isValid() else p
             for p in persistent],
        )  # fmt: skip
        self.layoutChanged.emit()

    def _sorted_rows(self) -> list[int]:
        """The current rows in the chosen order (a stable sort over the default order)."""
        rows = list(range(len(self._records)))
        if not self._columns:
            return rows
        column, order = self._sort
        default = self._columns[0].sort_key
        chosen = self._columns[column].sort_key
        if default is not None:
            rows.sort(key=lambda i: default(self._records[i]))
        if column != 0 and chosen is not None:
            rows.sort(key=lambda i: chosen(self._records[i]))
        if order == Qt.SortOrder.DescendingOrder:  # only once sort() accepted a column
            rows.reverse()
        return rows

    # -- the model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def _valid(self, index: Index) -> bool:
        return (
            index.isValid()
            and index.model() is self
            and 0 <= index.row() < len(self._records)
            and 0 <= index.column() < len(self._columns)
        )

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not self._valid(index):
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        record = self._records[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(record)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not False:
            return column.tooltip_text(record)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            return _brush(column.colour(record))
        if role == Qt.ItemDataRole.BackgroundRole and column.background is not None:
            return _brush(column.background(record))
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align is not None:
            return int(column.align)
        if role == RecordRole:
            return record
        if role == IdRole:
            return self._key(record)
        return self.extra_data(record, index.column(), role)

    def extra_data(self, record: Any, column: int, role: int) -> Any:
        """Any other role (a font, a subclass's own role); None by default."""
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].title
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._records):
            return str(section + 1)
        return None
