"""The assignment grid page: who does what on the hub's cases, agreed in the room.

Keys on a cell (or on several cells of one agency's column):
L lead, S support, I informed, Delete (or N) no part, H hand the lead over to the cell's
agency (the old lead becomes support); Enter or a double-click opens the
agency's actions on the case; F2 or a click on a selected cell opens a list of the parts.
Ctrl+Z undoes and Ctrl+Shift+Z or Ctrl+Y redoes a change of part (the undo stack holds the
core's RoleChange records and reverses them with ``undo_roles``).

The agency columns can be dragged into another order and hidden from the header's menu;
both are remembered per hub (by agency code) in QSettings.
"""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.codes import CaseStatus, SaraStage
from hubapp.domain.formatting import as_tooltip, mnemonic_safe, plural
from hubapp.domain.rag import Rag
from hubapp.models.assignment_grid import RAG_COLOURS, AssignmentGridModel, CaseIdRole
from hubapp.models.window_settings import WindowSettings
from hubapp.views import banner
from hubapp.views.accessible import name_clear_button
from hubapp.views.grid_delegate import GridDelegate

log = logging.getLogger(__name__)

ALL = "__all__"
OPEN = "open"  # as hubapp.store.casework.caselist.OPEN (not imported: keeps SQLAlchemy out of start-up)
SETTINGS_KEY = "grid/columns/{hub}"  # one per hub code
#: an agency column fits this (a cell's longest usual second line)
COLUMN_SAMPLE = "2 open · soon 00/00"
#: the row header (case reference and summary) is this many characters wide
HEADER_CHARS = 36
#: a filter list is at most this many characters wide (its open list shows names in full)
COMBO_CHARS = 28

#: keys that set a part, with the part they set ("" removes it)
ROLE_KEYS = {
    Qt.Key.Key_L: "lead",
    Qt.Key.Key_S: "support",
    Qt.Key.Key_I: "informed",
    Qt.Key.Key_N: "",
    Qt.Key.Key_Delete: "",
    Qt.Key.Key_Backspace: "",
}


def tr(text: str) -> str:
    return QCoreApplication.translate("AssignmentGrid", text)


class RoleCommand(QUndoCommand):
    """A change of parts already made in the database; undo and redo reverse it there, in
    the background (the cells show the reversal at once). One the core refuses to reverse
    is dropped from the stack with a sentence."""

    def __init__(self, page: AssignmentGridPage, changes: list, text: str) -> None:
        super().__init__(text)
        self._page = page
        self._changes = list(changes)
        self._undone: list = []
        self._done_once = True  # pushed after the change was made: the first redo is a no-op

    def redo(self) -> None:
        if self._done_once:
            self._done_once = False
            return
        self._run(self._undone, self._changes, redoing=True)

    def undo(self) -> None:
        self._run(self._changes, self._undone, redoing=False)

    def _run(self, reverse: list, into: list, redoing: bool) -> None:
        def done(changes) -> None:
            into[:] = changes
            self._page.show_message("")

        def failed(exc) -> None:
            from hubapp.errors import describe, expected

            if not expected(exc):
                log.error("Undo or redo of a grid change failed: %r", exc)
            self._page.show_message(describe(exc), error=True)
            self._page.drop_command(self, redoing)

        self._page.model.undo(reverse, done, failed)


class GridTable(QTableView):
    """The grid: keys that set parts, Enter opens a cell's actions."""

    #: (role code or "") the user asked to set the selected cells' part by a key
    roleKeyPressed = Signal(str)
    #: the user asked to open the current cell (Enter)
    openRequested = Signal(object)
    #: F3: the user asked for the next cell with open actions
    nextActionsRequested = Signal()
    #: H: the user asked to make the current cell's agency the lead (the lead hands over)
    handOverRequested = Signal(object)

    def keyPressEvent(self, e) -> None:
        mods = e.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            if e.key() in ROLE_KEYS and self.state() != QAbstractItemView.State.EditingState:
                self.roleKeyPressed.emit(ROLE_KEYS[e.key()])
                e.accept()
                return
            if (
                e.key() == Qt.Key.Key_H
                and self.currentIndex().isValid()
                and self.state() != QAbstractItemView.State.EditingState
            ):
                self.handOverRequested.emit(self.currentIndex())
                e.accept()
                return
            if e.key() == Qt.Key.Key_F3:
                self.nextActionsRequested.emit()
                e.accept()
                return
            if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
                self.openRequested.emit(self.currentIndex())
                e.accept()
                return
        super().keyPressEvent(e)

    def mousePressEvent(self, e) -> None:
        # a click on an already selected cell opens the part list: show it open at once
        index = self.indexAt(e.position().toPoint())
        delegate = self.itemDelegate()
        if isinstance(delegate, GridDelegate) and index.isValid():
            delegate.popup_on_open = self.selectionModel().isSelected(index)
        super().mousePressEvent(e)


class AssignmentGridPage(QWidget):
    """The grid with its filters, hints, messages and undo stack."""

    #: the user opened a cell: (case id, agency id)
    cellOpened = Signal(object, object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("assignmentGridPage")
        self.store = None
        self.lookups = None
        self.station = None
        self._hub_key = ""
        self._restoring = False
        self.model = AssignmentGridModel(self)
        self.undo_stack = QUndoStack(self)
        self._build()
        self.model.rolesChanged.connect(self._record)
        self.model.refused.connect(lambda text: self.show_message(text, error=True))
        self.model.agreementMissing.connect(self._ask_reason)
        #: the question a change without a current sharing agreement asks (for tests)
        self.reason_prompt = None
        self.model.countChanged.connect(self._on_count)
        self._saying_saving = False
        self.model.busyChanged.connect(
            lambda busy: (
                QTimer.singleShot(500, self, self._saving_note) if busy else self._settled()
            )
        )
        self.model.modelReset.connect(self._apply_columns)
        self.cellOpened.connect(self.open_actions)
        self.action_dialog = None

    # -- construction --------------------------------------------------------------------
    def _build(self) -> None:
        self.search = QLineEdit(self, objectName="gridSearch")
        self.search.setPlaceholderText(tr("Find a case: reference, place or words"))
        self.search.setClearButtonEnabled(True)
        name_clear_button(self.search)
        self.search.setMaxLength(200)
        self.hub_combo = QComboBox(self, objectName="gridHub")
        self.hub_combo.setToolTip(tr("Which hub's cases and agencies"))
        self.status_combo = QComboBox(self, objectName="gridStatus")
        self.status_combo.addItem(tr("Open cases"), OPEN)
        self.status_combo.addItem(tr("All statuses"), ALL)
        for status in CaseStatus:
            self.status_combo.addItem(status.label, status.value)
        self.category_combo = QComboBox(self, objectName="gridCategory")
        self.category_combo.addItem(tr("All categories"), ALL)
        self.priority_combo = QComboBox(self, objectName="gridPriority")
        self.priority_combo.addItem(tr("Any priority"), ALL)
        self.priority_combo.addItem(tr("High priority"), "high")
        self.priority_combo.addItem(tr("Normal priority"), "normal")
        self.sara_combo = QComboBox(self, objectName="gridSara")
        self.sara_combo.addItem(tr("Any SARA stage"), ALL)
        for stage in SaraStage:
            self.sara_combo.addItem(stage.label, stage.value)
        for combo, name in ((self.hub_combo, tr("Hub")), (self.status_combo, tr("Status")),
                            (self.category_combo, tr("Category")),
                            (self.priority_combo, tr("Priority")),
                            (self.sara_combo, tr("SARA stage"))):  # fmt: skip
            combo.setAccessibleName(name)
        self._filter_timer = QTimer(self, singleShot=True, interval=150)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._filter_timer.start)
        self.search.returnPressed.connect(lambda: self.table.setFocus())
        filters = QHBoxLayout()
        filters.setSpacing(6)
        self.legend = QHBoxLayout()
        self.legend.setSpacing(4)
        for rag, words in ((Rag.RED, tr("Overdue")), (Rag.AMBER, tr("Due within 7 days")),
                           (Rag.GREEN, tr("On track"))):  # fmt: skip
            swatch = QLabel(words, self)
            swatch.setStyleSheet(
                f"background:{RAG_COLOURS[rag].name()}; color:#1a1a1a; padding:2px 6px;"
                " border:1px solid #b0b0b0;"
            )
            self.legend.addWidget(swatch)
        find = QLabel(tr("F&ind:"), self)
        find.setBuddy(self.search)
        filters.addWidget(find)
        filters.addWidget(self.search, 1)
        for combo in (self.hub_combo, self.status_combo, self.category_combo,
                      self.priority_combo, self.sara_combo):  # fmt: skip
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            # a long hub or category name must not widen the page past a small screen
            combo.setMaximumWidth(combo.fontMetrics().horizontalAdvance("x" * COMBO_CHARS))
            combo.currentIndexChanged.connect(self.apply_filter)
            filters.addWidget(combo)
        filters.addSpacing(8)
        filters.addLayout(self.legend)

        self.message = QLabel(self, objectName="gridMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.message.hide()

        t = GridTable(self, objectName="assignmentGrid")
        t.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        t.setAccessibleName(tr("Cases and agencies"))
        t.setAccessibleDescription(tr("A row per case, a column per agency: each cell is the "
                                      "agency's part in the case and how its actions stand"))  # fmt: skip
        t.setModel(self.model)
        self.delegate = GridDelegate(t)
        t.setItemDelegate(self.delegate)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        t.setEditTriggers(
            QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        t.setWordWrap(False)
        t.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        t.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        t.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        t.customContextMenuRequested.connect(self._cell_menu)
        rows = t.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(2 * t.fontMetrics().height() + 10)
        rows.setFixedWidth(t.fontMetrics().horizontalAdvance("x" * HEADER_CHARS))
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        rows.setHighlightSections(True)
        cols = t.horizontalHeader()
        cols.setSectionsMovable(True)
        cols.setHighlightSections(True)
        cols.setDefaultSectionSize(
            t.fontMetrics().horizontalAdvance(COLUMN_SAMPLE) + 2 * GridDelegate.PADDING
        )
        cols.setMinimumSectionSize(60)
        cols.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        cols.customContextMenuRequested.connect(self._header_menu)
        cols.sectionMoved.connect(lambda *_: self._save_columns())
        t.roleKeyPressed.connect(self.set_role_for_selection)
        t.openRequested.connect(self._open_index)
        t.nextActionsRequested.connect(self.next_with_actions)
        t.handOverRequested.connect(self.hand_over_lead)
        t.doubleClicked.connect(self._open_index)
        self.table = t

        # The actions say what they undo ("Undo Fire && Rescue informed on …", the "&" of
        # user and reference text doubled so it shows); the buttons keep a short fixed
        # label with the whole description in their tooltip, so a long one cannot widen
        # the page (and with it the main window).
        stack = self.undo_stack
        self.undo_action = QAction(tr("&Undo"), self, enabled=False)
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.undo_action.triggered.connect(stack.undo)
        self.redo_action = QAction(tr("&Redo"), self, enabled=False)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(stack.redo)
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.open_action = QAction(tr("&Actions of this agency on this case…"), self)
        self.open_action.triggered.connect(lambda: self._open_index(self.table.currentIndex()))

        undo = QToolButton(self, objectName="gridUndo")
        undo.setText(tr("Undo"))
        undo.clicked.connect(self.undo_action.trigger)
        redo = QToolButton(self, objectName="gridRedo")
        redo.setText(tr("Redo"))
        redo.clicked.connect(self.redo_action.trigger)
        self.undo_button, self.redo_button = undo, redo
        stack.canUndoChanged.connect(self._undo_state)
        stack.canRedoChanged.connect(self._undo_state)
        stack.undoTextChanged.connect(self._undo_state)
        stack.redoTextChanged.connect(self._undo_state)
        self._undo_state()
        self.bulk_button = QPushButton(tr("Add agency to selected cases…"), self)
        self.bulk_button.setObjectName("gridBulk")
        self.bulk_button.setToolTip(
            tr(
                "Select cases (click or Shift+click the references), then choose an agency: "
                "it becomes support where it has no part yet"
            )  # fmt: skip
        )
        self.bulk_menu = QMenu(self.bulk_button)
        self.bulk_button.setMenu(self.bulk_menu)
        self.bulk_menu.aboutToShow.connect(self._fill_bulk_menu)
        self.actions_button = QPushButton(tr("Actions…"), self, objectName="gridActions")
        self.actions_button.setToolTip(tr("The agency's actions on the case (Enter)"))
        self.actions_button.clicked.connect(self.open_action.trigger)
        self.hint = QLabel(
            tr(
                "Keys: L lead · S support · I informed · Del no part · H hand the lead over · "
                "Enter actions · F3 next with actions · Ctrl+Z undo"
            ),  # fmt: skip
            self,
        )
        self.hint.setObjectName("gridHint")
        self.hint.setWordWrap(True)  # wraps rather than widening the page
        self.count_label = QLabel(self, objectName="gridCount")
        bar = QHBoxLayout()
        bar.setSpacing(6)
        for w in (undo, redo, self.bulk_button, self.actions_button):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.hint, 1)
        bar.addWidget(self.count_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(t, 1)
        layout.addLayout(bar)

    # -- the database --------------------------------------------------------------------
    def attach(self, store, lookups, station) -> None:
        """Show the grid of an open database; the station's hub by default."""
        self.store, self.lookups, self.station = store, lookups, station
        combos = (self.hub_combo, self.category_combo)
        for combo in combos:
            combo.blockSignals(True)
        self.hub_combo.clear()
        for hub in lookups.hub_list():
            self.hub_combo.addItem(hub.name, hub.id.hex)
        if station is not None:
            self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(station.hub_id.hex)))
        while self.category_combo.count() > 1:
            self.category_combo.removeItem(1)
        for category in sorted(lookups.categories.values(), key=lambda c: c.name):
            self.category_combo.addItem(category.name, category.id.hex)
        for combo in combos:
            combo.blockSignals(False)
        self.undo_stack.clear()
        self.model.set_source(store, self.current_filter())

    def current_filter(self):
        from hubapp.store.casework.grid import GridFilter

        def chosen(combo):
            value = combo.currentData()
            return None if value in (ALL, None) else value

        hub = chosen(self.hub_combo)
        category = chosen(self.category_combo)
        return GridFilter(
            hub_id=uuid.UUID(hex=hub) if hub else uuid.UUID(int=0),
            status=chosen(self.status_combo),
            category_id=uuid.UUID(hex=category) if category else None,
            priority=chosen(self.priority_combo),
            sara_stage=chosen(self.sara_combo),
            text=self.search.text(),
        )

    def apply_filter(self) -> None:
        if self.store is None:
            return
        old = self.model.grid_filter
        new = self.current_filter()
        if old is not None and old.hub_id != new.hub_id:
            self.undo_stack.clear()  # another hub's changes are out of sight
        self.model.set_filter(new)

    def refresh(self) -> None:
        if self.store is not None:
            self.model.refresh()

    def choose_hub(self, hub_id: uuid.UUID) -> None:
        self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(hub_id.hex)))

    # -- changing parts ------------------------------------------------------------------
    def selected_cells(self):
        indexes = self.table.selectionModel().selectedIndexes()
        if not indexes and self.table.currentIndex().isValid():
            indexes = [self.table.currentIndex()]
        return indexes

    def set_role_for_selection(self, role: str) -> None:
        """A key: give the selected cells' agency this part ("" removes it)."""
        cells = self.selected_cells()
        if not cells:
            return
        columns = {i.column() for i in cells}
        if len(columns) > 1:
            self.show_message(
                tr("Choose cells in one agency's column to change several cases at once."),
                error=True,
            )
            return
        self.show_message("")
        if len(cells) == 1:
            self.model.setData(cells[0], role, Qt.ItemDataRole.EditRole)
        elif role:
            self.model.assign([i.row() for i in cells], cells[0].column(), role)
        else:  # one after another, one step for undo; the first refusal stops the rest
            self.model.set_roles(cells, "")

    def assign_selected_cases(self, column: int, role: str = "support") -> bool:
        """Bulk: the agency of ``column`` becomes support on every selected case (rows)."""
        rows = sorted({i.row() for i in self.selected_cells()})
        if not rows:
            self.show_message(tr("Select one or more cases first."), error=True)
            return False
        self.show_message("")
        return self.model.assign(rows, column, role)

    def hand_over_lead(self, index) -> None:
        self.show_message("")
        self.model.hand_over(index)

    def _undo_state(self, *_args) -> None:
        """The undo and redo actions and buttons follow the stack."""
        stack = self.undo_stack
        for action, button, can, text, word, label, key in (
            (self.undo_action, self.undo_button, stack.canUndo(), stack.undoText(),
             tr("&Undo"), tr("Undo"), "Ctrl+Z"),
            (self.redo_action, self.redo_button, stack.canRedo(), stack.redoText(),
             tr("&Redo"), tr("Redo"), "Ctrl+Shift+Z"),
        ):  # fmt: skip
            action.setEnabled(can)
            action.setText(f"{word} {mnemonic_safe(text)}" if can and text else word)
            button.setEnabled(can)
            button.setToolTip(
                as_tooltip(f"{label} {text} ({key})" if can and text else f"{label} ({key})")
            )

    def _record(self, changes, text: str) -> None:
        self.undo_stack.push(RoleCommand(self, changes, text))

    def drop_command(self, command: RoleCommand, redoing: bool) -> None:
        """Take a change whose undo (or redo) the core refused off the stack: it can no
        longer be reversed. The stack drops an obsolete command when it next steps over it,
        and the step back over it then does nothing."""
        stack = self.undo_stack
        at = stack.index() - 1 if redoing else stack.index()
        if 0 <= at < stack.count() and stack.command(at) is command:
            command.setObsolete(True)
            (stack.undo if redoing else stack.redo)()

    def _saving_note(self) -> None:
        """A change still on its way after a moment: say why nothing seems to happen."""
        if self.model.busy and not self.message.isVisible():
            self.show_message(tr("Saving… (waiting for another program to finish saving)"))
            self._saying_saving = True

    def _settled(self) -> None:
        if self._saying_saving:
            self._saying_saving = False
            if self.message.text().startswith(tr("Saving…")):
                self.show_message("")

    def show_message(self, text: str, error: bool = False) -> None:
        """A sentence above the grid (a refusal, a conflict); empty hides it."""
        banner.show_banner(self.message, text, banner.ERROR if error else banner.NOTE)

    # -- menus ---------------------------------------------------------------------------
    def _cell_menu(self, pos) -> None:
        menu = self.cell_menu(self.table.indexAt(pos))
        if menu is not None:
            menu.exec(self.table.viewport().mapToGlobal(pos))

    def cell_menu(self, index) -> QMenu | None:
        """The right-click menu of a cell: its parts, the lead hand-over, its actions."""
        if not index.isValid():
            return None
        if not self.table.selectionModel().isSelected(index):
            self.table.setCurrentIndex(index)
        agency = self.model.agency_at(index.column())
        menu = QMenu(self)
        for text, code, key in ((tr("Lead"), "lead", "L"), (tr("Support"), "support", "S"),
                                (tr("Informed"), "informed", "I"),
                                (tr("No part"), "", "Del")):  # fmt: skip
            act = menu.addAction(f"{text}\t{key}")
            act.setObjectName(f"role-{code or 'none'}")
            act.triggered.connect(lambda _=False, c=code: self.set_role_for_selection(c))
        menu.addSeparator()
        hand = menu.addAction(tr("Make {0} the lead (the lead now becomes support)\tH").format(
            mnemonic_safe(agency.short_name)))  # fmt: skip
        hand.setObjectName("handOver")
        hand.triggered.connect(lambda: self.hand_over_lead(index))
        menu.addSeparator()
        act = menu.addAction(
            tr("Actions of {0} on this case…\tEnter").format(mnemonic_safe(agency.short_name))
        )
        act.setObjectName("openActions")
        act.triggered.connect(lambda: self._open_index(index))
        return menu

    def _fill_bulk_menu(self) -> None:
        self.bulk_menu.clear()
        rows = {i.row() for i in self.selected_cells()}
        title = self.bulk_menu.addAction(
            tr("As support on {0}:").format(plural(len(rows), tr("selected case")))
        )
        title.setEnabled(False)
        for column, agency in enumerate(self.model.agencies):
            if not agency.active:
                continue
            act = self.bulk_menu.addAction(mnemonic_safe(agency.name))
            act.setObjectName(f"bulk-{agency.code}")
            act.triggered.connect(lambda _=False, c=column: self.assign_selected_cases(c))

    def _header_menu(self, pos) -> None:
        self.header_menu().exec(self.table.horizontalHeader().mapToGlobal(pos))

    def header_menu(self) -> QMenu:
        """The agency header's menu: tick the agencies to show; reset order and columns."""
        menu = QMenu(self)
        header = self.table.horizontalHeader()
        for logical, agency in enumerate(self.model.agencies):
            act = menu.addAction(mnemonic_safe(agency.name))
            act.setObjectName(f"show-{agency.code}")
            act.setCheckable(True)
            act.setChecked(not header.isSectionHidden(logical))
            act.toggled.connect(lambda on, c=logical: self.set_agency_visible(c, on))
        menu.addSeparator()
        everyone = menu.addAction(tr("Show every agency, in the hub's order"))
        everyone.setObjectName("resetColumns")
        everyone.triggered.connect(self.reset_columns)
        return menu

    def set_agency_visible(self, column: int, visible: bool) -> None:
        header = self.table.horizontalHeader()
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        if not visible and shown == [column]:
            self.show_message(tr("At least one agency stays in view."), error=True)
            return
        header.setSectionHidden(column, not visible)
        self._save_columns()

    def reset_columns(self) -> None:
        header = self.table.horizontalHeader()
        self._restoring = True
        try:
            for logical in range(header.count()):
                header.setSectionHidden(logical, False)
                header.moveSection(header.visualIndex(logical), logical)
        finally:
            self._restoring = False
        self._save_columns()

    # -- remembering the columns ---------------------------------------------------------
    def _hub_code(self) -> str:
        f = self.model.grid_filter
        hub = self.lookups.hubs.get(f.hub_id.hex) if (f and self.lookups) else None
        return hub.code if hub else "none"

    def _save_columns(self) -> None:
        if self._restoring or self.store is None:
            return
        header = self.table.horizontalHeader()
        agencies = self.model.agencies
        order = [agencies[header.logicalIndex(v)].code for v in range(header.count())]
        hidden = [a.code for i, a in enumerate(agencies) if header.isSectionHidden(i)]
        WindowSettings().set_value(SETTINGS_KEY, {"order": order, "hidden": hidden},
                                   hub=self._hub_code())  # fmt: skip

    def _apply_columns(self) -> None:
        """After a reset: the remembered order and hidden agencies of this hub."""
        key = self._hub_code()
        if key == self._hub_key:
            return  # the same hub: the header kept its state
        self._hub_key = key
        header = self.table.horizontalHeader()
        saved = WindowSettings().value(SETTINGS_KEY, hub=key)
        order = list(saved.get("order") or [])
        hidden = set(saved.get("hidden") or [])
        codes = [a.code for a in self.model.agencies]
        self._restoring = True
        try:
            for logical in range(header.count()):
                header.setSectionHidden(logical, codes[logical] in hidden)
                header.moveSection(header.visualIndex(logical), logical)
            # remembered agencies first, in their order; new ones after, in the hub's order
            wanted = [c for c in order if c in codes] + [c for c in codes if c not in order]
            for visual, code in enumerate(wanted):
                header.moveSection(header.visualIndex(codes.index(code)), visual)
            if codes and all(header.isSectionHidden(i) for i in range(len(codes))):
                header.setSectionHidden(0, False)
        finally:
            self._restoring = False

    # -- opening a cell ------------------------------------------------------------------
    def next_with_actions(self) -> bool:
        """F3: move to the next cell (row by row, in the columns shown) with open actions."""
        from hubapp.models.assignment_grid import CellRole

        header = self.table.horizontalHeader()
        columns = [header.logicalIndex(v) for v in range(header.count())
                   if not header.isSectionHidden(header.logicalIndex(v))]  # fmt: skip
        current = self.table.currentIndex()
        start_row = current.row() if current.isValid() else 0
        start_visual = header.visualIndex(current.column()) if current.isValid() else -1
        rows = self.model.rowCount()
        for row in range(start_row, rows):
            for column in columns:
                if row == start_row and header.visualIndex(column) <= start_visual:
                    continue
                cell = self.model.index(row, column).data(CellRole)
                if cell is not None and cell.open_actions:
                    index = self.model.index(row, column)
                    self.table.setCurrentIndex(index)
                    self.table.scrollTo(index)
                    return True
        self.show_message(tr("No more cells with open actions below; Ctrl+Home goes back "
                             "to the top."))  # fmt: skip
        return False

    def _open_index(self, index) -> None:
        if not index.isValid():
            return
        agency = self.model.agency_at(index.column())
        self.cellOpened.emit(index.data(CaseIdRole), agency.id)

    def _ask_reason(self, warning: str, retry) -> None:
        """Assigning an agency without a current sharing agreement: show the warning and ask
        a coordinator's reason; the same change is asked for again with it."""
        from hubapp.views.disclosure_reason import ask_reason

        self.show_message(warning, error=True)
        self.reason_prompt = ask_reason(self, self.store, warning, retry)

    def open_actions(self, case_id, agency_id) -> None:
        """Open the agency's actions on the case; the row is read again afterwards."""
        from hubapp.views.action_dialog import ActionDialog

        if self.action_dialog is not None:
            self.action_dialog.close()
        dialog = ActionDialog(self.store, case_id, agency_id, self, today=self.model.today())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # every saved change shows in the grid at once (the case's row only)
        dialog.casesChanged.connect(self.model.reload_cases)
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        self.action_dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog) -> None:
        if self.action_dialog is dialog:
            self.action_dialog = None
        self.table.setFocus()

    def select_cell(self, case_id, agency_id) -> bool:
        row = self.model.row_of(case_id)
        column = self.model.column_of(agency_id)
        if row is None or column is None:
            return False
        index = self.model.index(row, column)
        self.table.setCurrentIndex(index)
        self.table.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.table.scrollTo(index)
        return True

    def _on_count(self, count: int) -> None:
        f = self.model.grid_filter
        scope = tr("open") if f is not None and f.status == OPEN else tr("shown")
        self.count_label.setText(f"{plural(count, tr('case'))} {scope}")
