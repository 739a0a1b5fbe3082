"""The case list as a Qt table model that pages through SQLite.

The model holds only the total count and the blocks of rows the view has asked for; sorting
and filtering are SQL (``hubapp.store.casework.caselist``). A QSortFilterProxyModel over 100,000
Python rows takes most of a second to filter and ten to sort; this answers in milliseconds.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from hubapp.domain.codes import CaseStatus, RiskLevel, label
from hubapp.domain.formatting import as_tooltip, format_datetime, parse_stored_datetime
from hubapp.models.tasks import Task, TaskQueue
from hubapp.store.casework.caselist import SORTABLE, CaseFilter, CaseRow, CaseSort, Column
from hubapp.store.casework.repeats import mark_text

if TYPE_CHECKING:
    from hubapp.store.casework.caselist import CaseList
    from hubapp.store.lookups import Lookups

log = logging.getLogger(__name__)


def repeats_job(_ctx, result, case_ids):
    """Background work: the repeat marks of one block of the list, and how many victims of
    each of its cases are overdue an update (issue 17)."""
    return result.repeats(case_ids), result.victims_overdue(case_ids)


CaseIdRole = Qt.ItemDataRole.UserRole + 1


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseTableModel", text)


COLUMNS: list[tuple[Column, str]] = [
    # what a coordinator scans first: which case, how new, how far along, how risky, what
    (Column.REFERENCE, "Reference"),
    (Column.RECEIVED, "Received"),
    (Column.STATUS, "Status"),
    (Column.RISK, "Risk"),
    (Column.REPEAT, "Repeat"),
    (Column.VICTIMS, "Victim updates"),
    (Column.CATEGORY, "Category"),
    (Column.SUMMARY, "Summary"),
    (Column.LOCATION, "Location"),
    (Column.HUB, "Hub"),
    (Column.LEAD, "Lead agency"),
]

_ROOT = QModelIndex()
_HIGH_RISK = QBrush(QColor("#a4161a"))
_MEDIUM_RISK = QBrush(QColor("#9a5b00"))
_CLOSED = QBrush(QColor("#6b6b6b"))


class CaseTableModel(QAbstractTableModel):
    """Rows are cases; columns are COLUMNS. Read the selected case through CaseIdRole."""

    BLOCK = 256
    MAX_BLOCKS = 64

    #: the number of cases matching the filter changed
    countChanged = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._source: CaseList | None = None
        self._lookups: Lookups | None = None
        self._filter = CaseFilter(status=None)
        self._sort = CaseSort()
        self._count = 0
        self._result = None
        self._blocks: OrderedDict[int, list[tuple]] = OrderedDict()
        #: the Repeat column, worked out in the background a block at a time (reading a
        #: busy place's reports takes longer than a page may): case id -> kinds; a case not
        #: here yet shows nothing until its block's answer comes
        self._repeats: dict = {}
        #: the Victim updates column, read with the repeats: case id -> victims overdue
        self._victims: dict = {}
        self._generation = 0
        self._repeat_jobs = TaskQueue(self)
        self._bold = QFont()
        self._bold.setBold(True)

    # -- wiring ----------------------------------------------------------------------
    def set_source(self, source: CaseList, lookups: Lookups) -> None:
        self._source = source
        self._lookups = lookups
        self.refresh()

    @property
    def case_filter(self) -> CaseFilter:
        return self._filter

    @property
    def case_sort(self) -> CaseSort:
        return self._sort

    def set_filter(self, case_filter: CaseFilter) -> None:
        same = case_filter.same_rows(self._filter)
        self._filter = case_filter
        if not same:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the count; rows are fetched again as the view asks for them."""
        self.beginResetModel()
        self._blocks.clear()
        self._repeats.clear()
        self._victims.clear()
        self._generation += 1
        self._result = self._source.query(self._filter, self._sort) if self._source else None
        self._count = self._result.size if self._result else 0
        self.endResetModel()
        self.countChanged.emit(self._count)

    # -- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return tr(COLUMNS[section][1])
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._count):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if COLUMNS[col][0] is Column.REPEAT:
                return mark_text(self._repeats.get(row[0], ()))
            if COLUMNS[col][0] is Column.VICTIMS:
                n = self._victims.get(row[0])
                return tr("{0} overdue").format(n) if n else ""
            return row[2 + col]
        if role == CaseIdRole:
            return row[0]
        if role == Qt.ItemDataRole.ToolTipRole:
            if COLUMNS[col][0] in (Column.SUMMARY, Column.LOCATION):
                return as_tooltip(row[2 + col])
            if COLUMNS[col][0] is Column.REPEAT and self._repeats.get(row[0]):
                return tr("A repeat across cases: {kinds}. Open the case to see who or where, "
                          "and why.").format(kinds=mark_text(self._repeats[row[0]]))  # fmt: skip
            if COLUMNS[col][0] is Column.VICTIMS and self._victims.get(row[0]):
                return tr("Victims or complainants overdue an update: {0}. See the case's "
                          "Victim contact tab.").format(self._victims[row[0]])  # fmt: skip
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row[1].status == CaseStatus.CLOSED:
                return _CLOSED
            if COLUMNS[col][0] is Column.VICTIMS:
                return _HIGH_RISK
            if COLUMNS[col][0] is Column.RISK:
                if row[1].risk_level == RiskLevel.HIGH:
                    return _HIGH_RISK
                if row[1].risk_level == RiskLevel.MEDIUM:
                    return _MEDIUM_RISK
            return None
        if role == Qt.ItemDataRole.FontRole:
            if COLUMNS[col][0] in (Column.RISK, Column.REFERENCE) and (
                row[1].risk_level == RiskLevel.HIGH
            ):
                return self._bold
            return None
        return None

    def sortable(self, column: int) -> bool:
        """Whether the list can be sorted by ``column`` (the repeats are worked out for the
        rows shown, not kept in the database, so they cannot be)."""
        return 0 <= column < len(COLUMNS) and COLUMNS[column][0] in SORTABLE

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not self.sortable(column):
            return
        new = CaseSort(COLUMNS[column][0], order == Qt.SortOrder.DescendingOrder)
        if new != self._sort:
            self._sort = new
            self.refresh()

    def sort_section(self) -> tuple[int, Qt.SortOrder]:
        column = next(i for i, (c, _) in enumerate(COLUMNS) if c is self._sort.column)
        order = (
            Qt.SortOrder.DescendingOrder if self._sort.descending else Qt.SortOrder.AscendingOrder
        )
        return column, order

    # -- helpers ---------------------------------------------------------------------
    def _row(self, row: int) -> tuple | None:
        start = row - row % self.BLOCK
        block = self._blocks.get(start)
        if block is None:
            block = self._fetch(start)
            self._blocks[start] = block
            while len(self._blocks) > self.MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(start)
        i = row - start
        return block[i] if i < len(block) else None

    def _fetch(self, start: int) -> list[tuple]:
        if self._result is None:
            return []
        rows = self._result.rows(start, self.BLOCK)
        wanted = [r.id for r in rows if r.id not in self._repeats]
        if wanted:
            self._ask_repeats(start, wanted)
        return [self._display(r) for r in rows]

    @property
    def repeats_pending(self) -> bool:
        """Repeat marks are still being worked out."""
        return self._repeat_jobs.busy

    def _ask_repeats(self, start: int, ids: list) -> None:
        result, generation = self._result, self._generation

        def build():
            if generation != self._generation:
                return None  # the list was read again meanwhile
            task = Task(repeats_job, result, ids)
            task.succeeded.connect(lambda got: self._got_repeats(generation, start, ids, *got))
            task.failed.connect(lambda exc: log.info("Repeat marks not read: %s", exc))
            return task

        self._repeat_jobs.submit(build)

    def _got_repeats(self, generation: int, start: int, ids: list, found: dict,
                     victims: dict) -> None:  # fmt: skip
        if generation != self._generation:
            return
        for case_id in ids:
            self._repeats[case_id] = found.get(case_id, frozenset())
            self._victims[case_id] = victims.get(case_id, 0)
        columns = [c for c, _ in COLUMNS]
        column, right = columns.index(Column.REPEAT), columns.index(Column.VICTIMS)
        last = min(start + self.BLOCK, self._count) - 1
        if last >= start:
            self.dataChanged.emit(self.index(start, column), self.index(last, right),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole])  # fmt: skip

    def _display(self, r: CaseRow) -> tuple:
        lk = self._lookups
        place = r.town if not r.location else (f"{r.location}, {r.town}" if r.town else r.location)
        hub = lk.hubs.get(r.hub_id) if lk else None
        values = {
            Column.REFERENCE: r.reference,
            Column.RECEIVED: format_datetime(parse_stored_datetime(r.received_at)),
            Column.HUB: hub.name if hub else "",
            Column.CATEGORY: lk.name("categories", r.category_id) if lk else "",
            Column.STATUS: label(CaseStatus, r.status),
            Column.RISK: label(RiskLevel, r.risk_level),
            Column.LOCATION: place,
            Column.SUMMARY: r.summary,
            Column.LEAD: lk.name("agencies", r.lead_agency_id, short=True) if lk else "",
            Column.REPEAT: "",  # worked out in the background (self._repeats)
            Column.VICTIMS: "",  # and this (self._victims)
        }
        return (r.id, r, *(values[c] for c, _ in COLUMNS))
