"""The assignment grid as a Qt table model: a hub's cases down the side, its agencies across.

Rows are the cases matching a :class:`~hubapp.store.casework.grid.GridFilter` (SQL, newest first);
columns are the agencies taking part in the hub (``hub_agencies``). The vertical header
shows each case's reference and summary, so it stays in view while the agencies scroll.

Cells are read from the database a block of rows at a time, as the view paints them
(``cell_summaries``: roles and action counts grouped in SQL), so a reset costs one query for
the rows and one block of cells, whatever the number of cases.

Changes go through the core (``hubapp.store.casework.assignments``): ``setData`` with a role, or
:meth:`set_roles`, :meth:`assign`, :meth:`hand_over`, :meth:`undo`. The cell shows the change
at once; the change is saved in the background (one after another, never on the GUI thread,
so a window never waits for another program's lock), and the changed cases' rows are read
again in the same background step: ``dataChanged`` only for the cells whose shown value
differs from what is stored. The model reports what happened with signals:
``rolesChanged(changes, text)`` once a change the user made is saved (the view records it for
undo) and ``refused(sentence)`` when the rules said no (the cell shows its old part again).
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
from hubapp.models.tasks import LatestTask, Task, TaskQueue, alive
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
        # "soon" in words: amber and green must not differ by their colour alone
        due = tr("soon {0}") if cell.rag is Rag.AMBER else tr("due {0}")
        parts.append(due.format(format_date(cell.next_due)[:5]))
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


def _with(cell: Cell | None, shown: tuple[str | None, int] | None) -> Cell | None:
    """``cell`` as shown while a change of its part is on its way (``shown``: the part)."""
    if shown is None:
        return cell
    cell = (cell or _EMPTY)._replace(role=shown[0])
    return None if cell == _EMPTY else cell


_EMPTY = Cell(None, 0, 0, None, Rag.NONE, 0)


def _read_grid(_ctx, store, grid_filter, columns: bool):
    """Background work: the cases matching the filter, and the hub's agencies (with
    ``columns``; None without)."""
    from hubapp.store.casework.assignments import hub_agencies
    from hubapp.store.casework.grid import grid_cases

    agencies = hub_agencies(store, grid_filter.hub_id) if columns else None
    return agencies, grid_cases(store, grid_filter)


def _read_cases(_ctx, store, case_ids, agency_ids, today):
    """Background work: these cases' cells and rows as stored now."""
    from hubapp.store.casework.assignments import cell_summaries
    from hubapp.store.casework.grid import grid_case

    return (cell_summaries(store, case_ids, agency_ids, today),
            {c: grid_case(store, c) for c in case_ids})  # fmt: skip


def _write_and_read(ctx, write, store, case_ids, agency_ids, today):
    """Background work: make the change (``write()``: its RoleChanges), then read the
    changed cases again; the GUI thread only shows the result."""
    changes = write()
    touched = list(dict.fromkeys([*case_ids, *(c.case_id for c in changes)]))
    return changes, _read_cases(ctx, store, touched, agency_ids, today)


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
    #: a change that would disclose a case to an agency without a current sharing agreement
    #: (hubapp.store.admin.sharing.NoAgreement): the warning, and ``retry(reason)``, which
    #: asks for the same change again with a coordinator's reason
    agreementMissing = Signal(str, object)
    #: the number of rows changed after a new filter or a refresh
    countChanged = Signal(int)
    #: changes are on their way to the database (True), or all saved or refused (False)
    busyChanged = Signal(bool)

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
        #: parts shown over cells while their change is on its way: key -> (part, serial)
        self._shown: dict[tuple[uuid.UUID, uuid.UUID], tuple[str | None, int]] = {}
        self._serial = 0
        self._writes = TaskQueue(self)
        self._writes.idle.connect(lambda: self.busyChanged.emit(False))
        #: reading the rows and columns (``refresh``): the latest request wins
        self._saves = self._read_after = 0
        self._read_columns = False
        self._reading = LatestTask(self, self._read, self._read_failed)

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
        """Read the rows again (and the hub's agencies, with ``columns``) in the background;
        the model is reset when they arrive (``loading`` meanwhile; the latest request
        wins). Cells follow as the view asks for them."""
        from hubapp.store import access

        # roles are set by coordinators only: the cells of others are not editable
        self._editable = self._store is None or access.may_manage_cases(self._store)
        if self._store is None or self._filter is None:
            self._reading.cancel()
            self._reset([] if columns else self._agencies, [])
            return
        self._read_after = self._saves  # a save finishing meanwhile makes it read again
        self._read_columns = columns or not self._agencies
        self._reading.start(_read_grid, self._store, self._filter, self._read_columns)

    @property
    def loading(self) -> bool:
        """The rows (or columns) asked for are still being read."""
        return self._reading.running

    def _read(self, result) -> None:
        agencies, rows = result
        if self._saves != self._read_after:  # read before a change saved meanwhile
            self._read_after = self._saves
            self._reading.start(_read_grid, self._store, self._filter, self._read_columns)
            return
        self._reset(self._agencies if agencies is None else agencies, rows)

    def _read_failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        log.warning("Reading the grid failed: %r", exc)
        self.refused.emit(user_message(exc))

    def _reset(self, agencies: list[AgencyColumn], rows: list[GridCase]) -> None:
        self.beginResetModel()
        self._blocks.clear()
        self._agencies, self._rows = list(agencies), list(rows)
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
        cell = _with(cell, self._shown.get((case.id, agency.id)))  # a change on its way
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
        None to remove it), through the core's rules. The cell shows it at once; the change
        is saved in the background, then confirmed, or rolled back with ``refused``."""
        if role != Qt.ItemDataRole.EditRole or not self._valid(index):
            return False
        new = value or None
        if new is not None and new not in ROLE_CODES:
            self.refused.emit(tr("'{0}' is not a part an agency can have.").format(value))
            return False
        return self.set_roles([index], new or "")

    # -- changes -----------------------------------------------------------------------
    # Every change shows at once (``_shown`` lays the new part over the cell), is saved in
    # the background one after another (``_writes``: each built when its turn comes, so it
    # is based on the version the change before it saved) and, once saved, the changed
    # cases are read again in the same background step. A refusal takes the new part off
    # the cell again and says why. The GUI thread never waits for the database's lock.
    def set_roles(self, indexes: Sequence, role: str, reason: str | None = None) -> bool:
        """Give each cell's agency this part ("" removes it), one cell after another, as one
        change for undo; the first refusal stops the rest. False if nothing was asked."""
        from hubapp.store.casework.assignments import set_role

        cells = [(self._rows[i.row()], self._agencies[i.column()])
                 for i in sorted(indexes, key=lambda i: i.row()) if self._valid(i)]  # fmt: skip
        new = role or None
        cells = [(case, agency) for case, agency in cells
                 if self._shown_role(case.id, agency.id) != new]  # fmt: skip
        if not cells:
            return bool(indexes)
        if len(cells) == 1:
            case, agency = cells[0]
            verb = role_label(new).lower() if new else tr("no part")
            text = tr("{agency} {verb} on {ref}").format(
                agency=agency.short_name, verb=verb, ref=case.reference
            )
        else:
            text = tr("{0} removed").format(plural(len(cells), tr("part"))) if new is None \
                else tr("{agency} {role} on {cases}").format(
                    agency=cells[0][1].short_name, role=role_label(new).lower(),
                    cases=plural(len(cells), tr("case")))  # fmt: skip

        def write(case, agency):
            version = self._version_of(case.id)
            return lambda: [set_role(self._store, case.id, agency.id, new,
                                     base_version=version, reason=reason)]  # fmt: skip

        kept = [QPersistentModelIndex(i) for i in indexes]

        def retry(why: str) -> bool:
            return self.set_roles([QModelIndex(i) for i in kept if i.isValid()], role, why)

        self._submit([(case.id, [(agency.id, new)], write, case, agency)
                      for case, agency in cells], text, retry=retry)  # fmt: skip
        return True

    def assign(self, rows: Sequence[int], column: int, role: str = "support",
               reason: str | None = None) -> bool:  # fmt: skip
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
        shown = [(c, [(agency.id, role)]) for c in case_ids
                 if self._shown_role(c, agency.id) is None]  # fmt: skip

        def write():
            return lambda: bulk_assign(self._store, case_ids, agency.id, role, reason=reason)

        self._submit([(case_ids, shown, write)], text, many=True,
                     retry=lambda why: self.assign(rows, column, role, why))  # fmt: skip
        return True

    def hand_over(self, index, reason: str | None = None) -> bool:
        """Make the cell's agency the lead; the old lead becomes support (one step)."""
        from hubapp.store.casework.assignments import hand_over_lead

        if not self._valid(index):
            return False
        case = self._rows[index.row()]
        agency = self._agencies[index.column()]
        text = tr("lead on {ref} handed to {agency}").format(
            ref=case.reference, agency=agency.short_name
        )
        shown = [(agency.id, AgencyRole.LEAD.value)] + [
            (a.id, AgencyRole.SUPPORT.value) for a in self._agencies
            if a.id != agency.id and self._shown_role(case.id, a.id) == AgencyRole.LEAD.value
        ]  # fmt: skip

        def write(case, agency):
            version = self._version_of(case.id)
            return lambda: hand_over_lead(self._store, case.id, agency.id, base_version=version,
                                          reason=reason)  # fmt: skip

        kept = QPersistentModelIndex(index)
        self._submit([(case.id, shown, write, case, agency)], text,
                     retry=lambda why: kept.isValid() and self.hand_over(QModelIndex(kept), why))  # fmt: skip
        return True

    def undo(self, changes: Sequence[RoleChange], done=None, failed=None) -> None:
        """Reverse changes made earlier (``undo_roles``), in the background after the changes
        asked for before it; ``done(reversing changes)`` (undoing those redoes the originals)
        or ``failed(exc)`` when refused. The affected rows are read again either way, so the
        grid shows what is stored."""
        from hubapp.store.casework.assignments import undo_roles

        changes = list(changes)
        case_ids = list(dict.fromkeys(c.case_id for c in changes))
        shown = [(c.case_id, [(c.agency_id, c.old_role)]) for c in changes]

        def make():
            return lambda: undo_roles(self._store, changes)

        self._enqueue(case_ids, shown, make, done=done, failed=failed)

    @property
    def busy(self) -> bool:
        """Changes (or readings after them) still on their way to the database."""
        return self._writes.busy

    def _submit(self, steps: list, text: str, many: bool = False, retry=None) -> None:
        """Queue one change the user made (``steps`` in turn, the first refusal stops the
        rest); ``rolesChanged`` once with every part changed, for undo."""
        group = {"done": [], "left": len(steps), "stopped": False}

        def finish(changes, case_ids) -> None:
            group["left"] -= 1
            group["done"].extend(c for c in changes if c.changed)
            if group["left"] == 0 or group["stopped"]:
                if group["done"]:
                    self.rolesChanged.emit(group["done"], text)
                elif many and not group["stopped"] and len(case_ids) > 1:
                    self.refused.emit(
                        tr("Nothing changed: the agency already has a part in each case.")
                    )

        def refused(exc, case_ids) -> None:
            from hubapp.store.admin.sharing import NoAgreement

            group["stopped"] = True
            if isinstance(exc, NoAgreement) and retry is not None:
                self.agreementMissing.emit(str(exc), retry)
            else:
                self._say_refused(exc)
            finish([], case_ids)

        for step in steps:
            if many:
                case_ids, shown, make = step
                self._enqueue(case_ids, shown, make, group=group,
                              done=lambda ch, ids=case_ids: finish(ch, ids),
                              failed=lambda exc, ids=case_ids: refused(exc, ids))  # fmt: skip
            else:
                case_id, cells, make, case, agency = step
                self._enqueue([case_id], [(case_id, cells)], lambda m=make, c=case, a=agency: m(c, a),
                              group=group, done=lambda ch, ids=[case_id]: finish(ch, ids),
                              failed=lambda exc, ids=[case_id]: refused(exc, ids))  # fmt: skip

    def _enqueue(self, case_ids: list, shown: list, make, *, group=None, done=None,
                 failed=None) -> None:  # fmt: skip
        """Show ``shown`` ((case id, [(agency id, part)])) at once; queue the write that
        ``make()`` gives when its turn comes (``make`` returns a function that writes)."""
        self._serial += 1
        serial = self._serial
        keys = []
        for case_id, cells in shown:
            for agency_id, role in cells:
                self._shown[(case_id, agency_id)] = (role or None, serial)
                keys.append((case_id, agency_id))
                self._cell_changed(case_id, agency_id)

        def build():
            if group is not None and group["stopped"]:  # an earlier step was refused
                self._unshow(keys, serial)
                return None
            task = Task(_write_and_read, make(), self._store, case_ids, self._agency_ids,
                        self.today())  # fmt: skip
            task.succeeded.connect(lambda result: self._written(result, keys, serial, done))
            task.failed.connect(lambda exc: self._not_written(exc, case_ids, keys, serial,
                                                              failed))  # fmt: skip
            return task

        self._submit_work(build)

    def _written(self, result, keys, serial, done) -> None:
        """Saved: the cells now show what is stored; repainted only where that differs
        from what they showed while the change was on its way."""
        if not alive(self):  # the page closed meanwhile: saved, nobody to show it to
            return
        self._saves += 1
        changes, fresh = result
        gone = {}
        for key in keys:
            shown = self._shown.get(key)
            if shown is not None and shown[1] == serial:
                gone[key] = self._shown.pop(key)
        self._apply_fresh(fresh, gone)
        if done is not None:
            done(changes)

    def _not_written(self, exc, case_ids, keys, serial, failed) -> None:
        if not alive(self):
            return
        self._unshow(keys, serial)
        self.reload_cases(case_ids)
        if failed is not None:
            failed(exc)
        else:
            self._say_refused(exc)

    def _say_refused(self, exc: BaseException) -> None:
        """A change the core refused (or that failed), in one sentence for the page."""
        from hubapp.errors import describe, expected
        from hubapp.store.casework.assignments import LeadTaken
        from hubapp.store.errors import EditConflict

        if isinstance(exc, LeadTaken):
            self.refused.emit(
                tr("{lead} is already the lead agency on {ref}. To make {agency} the lead, "
                   "press H on its cell, or right-click the cell and choose \"Make {agency} "
                   "the lead\"; {lead} then becomes support.").format(
                    lead=exc.lead, ref=exc.reference, agency=exc.agency_short)
            )  # fmt: skip
        elif isinstance(exc, EditConflict):
            self.refused.emit(
                tr("This case was changed in another window since the grid was loaded; "
                   "it has been reloaded: check it and make the change again.")
            )  # fmt: skip
        else:
            if not expected(exc):
                log.error("A change to the grid failed: %r", exc)
            self.refused.emit(describe(exc))

    def _unshow(self, keys, serial) -> None:
        """Take the parts laid over these cells off (unless a later change laid its own)."""
        for key in keys:
            shown = self._shown.get(key)
            if shown is not None and shown[1] == serial:
                del self._shown[key]
                self._cell_changed(*key)

    def _shown_role(self, case_id: uuid.UUID, agency_id: uuid.UUID) -> str | None:
        shown = self._shown.get((case_id, agency_id))
        if shown is not None:
            return shown[0]
        row = self._row_of.get(case_id)
        cell = self._cell(row, case_id, agency_id) if row is not None else None
        return cell.role if cell else None

    def _version_of(self, case_id: uuid.UUID) -> int | None:
        row = self._row_of.get(case_id)
        return self._rows[row].row_version if row is not None else None

    def _cell_changed(self, case_id: uuid.UUID, agency_id: uuid.UUID) -> None:
        row, column = self._row_of.get(case_id), self.column_of(agency_id)
        if row is not None and column is not None:
            index = self.index(row, column)
            self.dataChanged.emit(index, index, self._changed_roles)

    def reload_cases(self, case_ids: Sequence[uuid.UUID]) -> None:
        """Read these cases' rows again (after a change made elsewhere), in the background
        after the changes queued before; then as :meth:`_apply_fresh`."""
        case_ids = [c for c in case_ids if c in self._row_of]
        if not case_ids or self._store is None:
            return

        def build():
            task = Task(_read_cases, self._store, case_ids, self._agency_ids, self.today())
            task.succeeded.connect(lambda fresh: alive(self) and self._apply_fresh(fresh))
            task.failed.connect(lambda exc: log.warning("Reading the grid's rows: %s", exc))
            return task

        self._submit_work(build)

    def _submit_work(self, build) -> None:
        was_busy = self._writes.busy
        self._writes.submit(build)
        if not was_busy and self._writes.busy:
            self.busyChanged.emit(True)

    def _apply_fresh(self, fresh, gone: dict | None = None) -> None:
        """Show the rows read again: dataChanged for the cells whose shown value changed only
        (``gone``: parts that were laid over cells until now); a case no longer matching the
        filter stays until the next refresh (rows do not jump away under the pointer)."""
        cells, cases = fresh
        gone = gone or {}
        for case_id, case in cases.items():
            row = self._row_of.get(case_id)
            if row is None:
                continue
            if case is not None and case != self._rows[row]:
                shown = case._replace(row_version=0) != self._rows[row]._replace(row_version=0)
                self._rows[row] = case  # the new version: the base of the next change
                if shown:  # a new version alone changes nothing in the header
                    self.headerDataChanged.emit(Qt.Orientation.Vertical, row, row)
            block = self._blocks.get(row - row % self.BLOCK)
            if block is None:
                continue  # not read yet: it will be read fresh when shown
            changed = []
            for col, agency_id in enumerate(self._agency_ids):
                key = (case_id, agency_id)
                old, new = block.get(key), cells.get(key)
                if old == new and key not in gone:
                    continue
                if new is None:
                    block.pop(key, None)
                else:
                    block[key] = new
                now = self._shown.get(key)
                if _with(old, gone.get(key, now)) != _with(new, now):
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
