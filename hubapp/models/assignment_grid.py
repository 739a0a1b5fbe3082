"""The assignment grid as a Qt table model: a hub's cases down the side, its agencies across.

Rows are the cases matching a :class:`~hubapp.store.casework.grid.GridFilter` (SQL, newest first);
columns are the agencies taking part in the hub (``hub_agencies``). The vertical header
shows each case's reference and summary, so it stays in view while the agencies scroll.

Cells are read from the database a block of rows at a time, as the view paints them
(``cell_summaries``: roles and action counts grouped in SQL), so a reset costs one query for
the rows and one block of cells, whatever the number of cases.

Changes go through the core (``hubapp.store.casework.assignments``): ``setData`` with a role, or
:meth:`assign`, :meth:`hand_over`, :meth:`undo`. After each, only the changed case's row is
read again and ``dataChanged`` is emitted for the cells whose value changed. The model
reports what happened with signals: ``rolesChanged(changes, text)`` after a change the user
made (the view records it for undo) and ``refused(sentence)`` when the rules said no.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
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

from hubapp.domain.codes import AgencyRole, CaseStatus, SaraStage, label
from hubapp.domain.formatting import format_date, plural
from hubapp.domain.rag import Rag
from hubapp.store.casework.assignments import AgencyColumn, Cell, RoleChange

if TYPE_CHECKING:
    from hubapp.store.casework.grid import GridCase, GridFilter

log = logging.getLogger(__name__)

_ROOT = QModelIndex()
_USER = Qt.ItemDataRole.UserRole
CaseIdRole = _USER + 1
AgencyIdRole = _USER + 2
#: the agency's part: "lead", "support", "informed" or "" (also the EditRole value)
RoleCodeRole = _USER + 3
#: the whole cell (hubapp.store.casework.assignments.Cell), or None for an empty cell
CellRole = _USER + 4
#: the cell's Rag (hubapp.domain.rag.Rag)
RagRole = _USER + 5
#: the case's reference (any cell, and the vertical header)
ReferenceRole = _USER + 6
#: the second line of a cell: its actions in words ("2 open · next 03/06/2026")
ActionsTextRole = _USER + 7

#: soft backgrounds that keep black text readable; the words say the same (never colour only)
RAG_COLOURS = {
    Rag.RED: QColor("#f6c8c4"),
    Rag.AMBER: QColor("#fbe3a6"),
    Rag.GREEN: QColor("#d5ecd0"),
}
_RAG_BRUSHES = {rag: QBrush(colour) for rag, colour in RAG_COLOURS.items()}
#: what a cell says about its colour, for the words and the tooltip
RAG_WORDS = {Rag.RED: "overdue", Rag.AMBER: "due soon", Rag.GREEN: "on track"}

ROLE_CODES = tuple(r.value for r in AgencyRole)


def tr(text: str) -> str:
    return QCoreApplication.translate("AssignmentGridModel", text)


def role_label(role: str | None) -> str:
    return label(AgencyRole, role) if role else ""


def actions_text(cell: Cell | None) -> str:
    """A cell's actions in a few words: what a coordinator reads across the room."""
    if cell is None or (cell.open_actions == 0 and cell.finished_actions == 0):
        return ""
    if cell.open_actions == 0:
        return tr("all {0} done").format(cell.finished_actions)
    parts = [tr("{0} open").format(cell.open_actions)]
    if cell.overdue:
        parts.append(tr("{0} overdue").format(cell.overdue))
    elif cell.next_due is not None:
        parts.append(tr("due {0}").format(format_date(cell.next_due)[:5]))
    return " · ".join(parts)


def cell_tooltip(agency: AgencyColumn, reference: str, cell: Cell | None) -> str:
    """Everything a cell means, in sentences (plain text)."""
    if cell is None or (cell.role is None and cell.open_actions == cell.finished_actions == 0):
        lines = [tr("{agency} has no part in {ref}.").format(agency=agency.name, ref=reference)]
    else:
        part = (
            tr("{agency} is {role} on {ref}.").format(
                agency=agency.name, role=role_label(cell.role).lower(), ref=reference
            )
            if cell.role
            else tr("{agency} has no part in {ref} now.").format(agency=agency.name, ref=reference)
        )
        lines = [part]
        if cell.open_actions:
            text = plural(cell.open_actions, tr("open action"))
            if cell.overdue:
                text += tr(", {0} overdue").format(cell.overdue)
            if cell.next_due is not None:
                text += tr(" (next due {0})").format(format_date(cell.next_due))
            lines.append(text + tr(": {0}.").format(RAG_WORDS.get(cell.rag, "")))
        if cell.finished_actions:
            lines.append(plural(cell.finished_actions, tr("finished action")) + ".")
    if not agency.active:
        lines.append(tr("{0} is no longer active.").format(agency.name))
    lines.append(tr("L lead · S support · I informed · Del remove · Enter actions"))
    return "\n".join(lines)


class AssignmentGridModel(QAbstractTableModel):
    """Cases (rows) by agencies (columns). Read a cell's case and agency through
    CaseIdRole and AgencyIdRole; its value through RoleCodeRole, CellRole and RagRole."""

    #: cells read per query while the view scrolls
    BLOCK = 100
    #: blocks kept in memory (the rest are read again when scrolled back to)
    MAX_BLOCKS = 40

    #: the user changed parts (list[RoleChange], a short description for undo)
    rolesChanged = Signal(object, str)
    #: a change was refused (one sentence for the screen); nothing was written
    refused = Signal(str)
    #: the number of rows changed after a new filter or a refresh
    countChanged = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._store = None
        self._filter: GridFilter | None = None
        self._agencies: list[AgencyColumn] = []
        self._agency_ids: list[uuid.UUID] = []
        self._rows: list[GridCase] = []
        self._row_of: dict[uuid.UUID, int] = {}
        self._blocks: OrderedDict[int, dict[tuple[uuid.UUID, uuid.UUID], Cell]] = OrderedDict()
        self._today: date | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    # -- wiring ------------------------------------------------------------------------
    def set_source(self, store, grid_filter: GridFilter, today: date | None = None) -> None:
        """Show a hub's cases from ``store``; ``today`` fixes the RAG date (tests)."""
        self._store = store
        self._today = today
        self._filter = grid_filter
        self.refresh(columns=True)

    @property
    def grid_filter(self) -> GridFilter | None:
        return self._filter

    @property
    def agencies(self) -> list[AgencyColumn]:
        return list(self._agencies)

    @property
    def store(self):
        return self._store

    def today(self) -> date:
        return self._today or date.today()

    def set_filter(self, grid_filter: GridFilter) -> None:
        old = self._filter
        self._filter = grid_filter
        if old is None or not grid_filter.same_rows(old):
            self.refresh(columns=old is None or old.hub_id != grid_filter.hub_id)

    def refresh(self, columns: bool = False) -> None:
        """Read the rows again (and the hub's agencies, with ``columns``); cells follow
        as the view asks for them."""
        from hubapp.store import access
        from hubapp.store.casework.assignments import hub_agencies
        from hubapp.store.casework.grid import grid_cases

        self.beginResetModel()
        self._blocks.clear()
        # roles are set by coordinators only: the cells of others are not editable
        self._editable = self._store is None or access.may_manage_cases(self._store)
        if self._store is None or self._filter is None:
            self._rows, self._agencies = [], []
        else:
            if columns or not self._agencies:
                self._agencies = hub_agencies(self._store, self._filter.hub_id)
            self._rows = grid_cases(self._store, self._filter)
        self._agency_ids = [a.id for a in self._agencies]
        self._row_of = {r.id: i for i, r in enumerate(self._rows)}
        self.endResetModel()
        self.countChanged.emit(len(self._rows))

    # -- Qt model API ------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._agencies)

    def flags(self, index):
        if not self._valid(index):
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if getattr(self, "_editable", True) else flags

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._agencies):
                return None
            agency = self._agencies[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return agency.short_name
            if role == Qt.ItemDataRole.ToolTipRole:
                extra = "" if agency.active else tr(" (no longer active)")
                return f"{agency.name} · {agency.type_name}{extra}"
            if role == AgencyIdRole:
                return agency.id
            if role == Qt.ItemDataRole.ForegroundRole and not agency.active:
                return QBrush(QColor("#6b6b6b"))
            return None
        if not 0 <= section < len(self._rows):
            return None
        case = self._rows[section]
        if role == Qt.ItemDataRole.DisplayRole:
            first = case.reference
            if case.priority == "high":
                first += "  " + tr("▲ High priority")
            summary = " ".join(case.summary.split())  # one line: the reference stays in view
            if len(summary) > 34:
                summary = summary[:33] + "…"
            return f"{first}\n{summary}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(
                [
                    f"{case.reference}: {case.summary}",
                    tr("Status: {0} · SARA: {1} · Priority: {2}").format(
                        label(CaseStatus, case.status),
                        label(SaraStage, case.sara_stage),
                        case.priority.capitalize(),
                    ),
                ]
            )
        if role in (CaseIdRole,):
            return case.id
        if role == ReferenceRole:
            return case.reference
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        case = self._rows[index.row()]
        agency = self._agencies[index.column()]
        if role == CaseIdRole:
            return case.id
        if role == AgencyIdRole:
            return agency.id
        if role == ReferenceRole:
            return case.reference
        cell = self._cell(index.row(), case.id, agency.id)
        if role == Qt.ItemDataRole.DisplayRole:
            first = role_label(cell.role) if cell and cell.role else "—"
            second = actions_text(cell)
            return f"{first}\n{second}" if second else first
        if role in (Qt.ItemDataRole.EditRole, RoleCodeRole):
            return (cell.role or "") if cell else ""
        if role == Qt.ItemDataRole.BackgroundRole:
            return _RAG_BRUSHES.get(cell.rag) if cell else None
        if role == RagRole:
            return cell.rag if cell else Rag.NONE
        if role == ActionsTextRole:
            return actions_text(cell)
        if role == CellRole:
            return cell
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(agency, case.reference, cell)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return cell_tooltip(agency, case.reference, cell).replace("\n", " ")
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if cell and cell.role == AgencyRole.LEAD.value else None
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        """Give the cell's agency a part in the cell's case (value: a role code, or "" or
        None to remove it), through the core's rules. False (and ``refused``) if refused."""
        if role != Qt.ItemDataRole.EditRole or not self._valid(index):
            return False
        new = value or None
        if new is not None and new not in ROLE_CODES:
            self.refused.emit(tr("'{0}' is not a part an agency can have.").format(value))
            return False
        case = self._rows[index.row()]
        agency = self._agencies[index.column()]
        current = self.data(index, RoleCodeRole) or None
        if new == current:
            return True
        from hubapp.store.casework.assignments import set_role

        verb = role_label(new).lower() if new else tr("no part")
        text = tr("{agency} {verb} on {ref}").format(
            agency=agency.short_name, verb=verb, ref=case.reference
        )
        return self._change(
            [case.id],
            lambda: [set_role(self._store, case.id, agency.id, new, base_version=case.row_version)],
            text,
        )

    # -- changes -----------------------------------------------------------------------
    def assign(self, rows: Sequence[int], column: int, role: str = "support") -> bool:
        """Give one agency the same part in several cases in one step (``bulk_assign``):
        cases where it already has a part keep theirs."""
        from hubapp.store.casework.assignments import bulk_assign

        rows = sorted({r for r in rows if 0 <= r < len(self._rows)})
        if not rows or not 0 <= column < len(self._agencies):
            return False
        agency = self._agencies[column]
        case_ids = [self._rows[r].id for r in rows]
        text = tr("{agency} {role} on {cases}").format(
            agency=agency.short_name,
            role=role_label(role).lower(),
            cases=plural(len(case_ids), tr("case")),
        )
        return self._change(
            case_ids, lambda: bulk_assign(self._store, case_ids, agency.id, role), text
        )

    def hand_over(self, index) -> bool:
        """Make the cell's agency the lead; the old lead becomes support (one step)."""
        from hubapp.store.casework.assignments import hand_over_lead

        if not self._valid(index):
            return False
        case = self._rows[index.row()]
        agency = self._agencies[index.column()]
        text = tr("lead on {ref} handed to {agency}").format(
            ref=case.reference, agency=agency.short_name
        )
        return self._change(
            [case.id],
            lambda: hand_over_lead(self._store, case.id, agency.id, base_version=case.row_version),
            text,
        )

    def undo(self, changes: Sequence[RoleChange]) -> list[RoleChange]:
        """Reverse changes made earlier (``undo_roles``); returns the reversing changes
        (undoing those redoes the originals). Raises the core's error if refused, after
        reading the affected rows again so the grid shows what is stored."""
        from hubapp.store.casework.assignments import undo_roles

        case_ids = list(dict.fromkeys(c.case_id for c in changes))
        try:
            return undo_roles(self._store, changes)
        finally:
            self.reload_cases(case_ids)

    def _change(self, case_ids: Sequence[uuid.UUID], write, text: str) -> bool:
        from hubapp.errors import describe, expected
        from hubapp.store.casework.assignments import LeadTaken
        from hubapp.store.errors import EditConflict

        try:
            changes = write()
        except LeadTaken as exc:
            self.reload_cases(case_ids)
            self.refused.emit(
                tr("{lead} is already the lead agency on {ref}. To make {agency} the lead, "
                   "press H on its cell, or right-click the cell and choose \"Make {agency} "
                   "the lead\"; {lead} then becomes support.").format(
                    lead=exc.lead, ref=exc.reference, agency=exc.agency_short)
            )  # fmt: skip
            return False
        except EditConflict:
            self.reload_cases(case_ids)
            self.refused.emit(
                tr("This case was changed in another window since the grid was loaded; "
                   "it has been reloaded: check it and make the change again.")
            )  # fmt: skip
            return False
        except Exception as exc:
            if not expected(exc):
                log.exception("A change to the grid failed")
            self.reload_cases(case_ids)
            self.refused.emit(describe(exc))
            return False
        self.reload_cases(case_ids)
        done = [c for c in changes if c.changed]
        if done:
            self.rolesChanged.emit(done, text)
        elif len(case_ids) > 1:
            self.refused.emit(tr("Nothing changed: the agency already has a part in each case."))
        return True

    def reload_cases(self, case_ids: Sequence[uuid.UUID]) -> None:
        """Read these cases' rows again (after a change): their header and cells. Emits
        dataChanged for the cells that changed only; a case no longer matching the filter
        stays until the next refresh (rows do not jump away under the pointer)."""
        from hubapp.store.casework.assignments import cell_summaries
        from hubapp.store.casework.grid import grid_case

        rows = [self._row_of[c] for c in case_ids if c in self._row_of]
        if not rows or self._store is None:
            return
        ids = [self._rows[r].id for r in rows]
        fresh = cell_summaries(self._store, ids, self._agency_ids, self.today())
        for row, case_id in zip(rows, ids, strict=True):
            case = grid_case(self._store, case_id)
            if case is not None and case != self._rows[row]:
                self._rows[row] = case
                self.headerDataChanged.emit(Qt.Orientation.Vertical, row, row)
            block = self._blocks.get(row - row % self.BLOCK)
            if block is None:
                continue  # not read yet: it will be read fresh when shown
            changed = []
            for col, agency_id in enumerate(self._agency_ids):
                key = (case_id, agency_id)
                new = fresh.get(key)
                if block.get(key) != new:
                    if new is None:
                        block.pop(key, None)
                    else:
                        block[key] = new
                    changed.append(col)
            if changed:
                # one signal per run of neighbouring columns: usually one cell, or two
                start = prev = changed[0]
                for col in [*changed[1:], None]:
                    if col is not None and col == prev + 1:
                        prev = col
                        continue
                    self.dataChanged.emit(
                        self.index(row, start), self.index(row, prev), self._changed_roles
                    )
                    if col is not None:
                        start = prev = col

    _changed_roles = [
        Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole, RoleCodeRole, CellRole, RagRole,
        ActionsTextRole,
    ]  # fmt: skip

    # -- reading -----------------------------------------------------------------------
    def case_at(self, row: int) -> GridCase | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: uuid.UUID) -> int | None:
        return self._row_of.get(case_id)

    def column_of(self, agency_id: uuid.UUID) -> int | None:
        try:
            return self._agency_ids.index(agency_id)
        except ValueError:
            return None

    def agency_at(self, column: int) -> AgencyColumn | None:
        return self._agencies[column] if 0 <= column < len(self._agencies) else None

    def _valid(self, index) -> bool:
        return (
            index.isValid()
            and not index.parent().isValid()
            and 0 <= index.row() < len(self._rows)
            and 0 <= index.column() < len(self._agencies)
        )

    def _cell(self, row: int, case_id: uuid.UUID, agency_id: uuid.UUID) -> Cell | None:
        start = row - row % self.BLOCK
        block = self._blocks.get(start)
        if block is None:
            block = self._read_block(start)
        else:
            self._blocks.move_to_end(start)
        return block.get((case_id, agency_id))

    def _read_block(self, start: int) -> dict:
        from hubapp.store.casework.assignments import cell_summaries

        ids = [r.id for r in self._rows[start : start + self.BLOCK]]
        try:
            block = cell_summaries(self._store, ids, self._agency_ids, self.today())
        except Exception:
            log.exception("Reading the grid's cells failed")
            block = {}
        self._blocks[start] = block
        while len(self._blocks) > self.MAX_BLOCKS:
            self._blocks.popitem(last=False)
        return block
