"""Sync conflicts: the same field changed here and on another station; a person chooses.

The dialog lists each open conflict (record, field, our value, their value) and keeps the
value chosen for the selected one. Reading and resolving run in the background
(``hubapp.sync.conflicts``); resolving is an ordinary edit, so it syncs like any other.

Below, when there are any, the changes the central database refused (``hubapp.sync.refusals``):
which record, which fields, why; "Dismiss" takes the selected one off the list once a person
has seen it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from hubapp.models.sync_conflicts import ConflictRole, ConflictTableModel
from hubapp.models.sync_refusals import RefusalRole, RefusalTableModel
from hubapp.models.tasks import Task, said


def tr(text: str) -> str:
    return QCoreApplication.translate("ConflictsDialog", text)


def load_rows(_ctx, store, station_id):
    from hubapp.sync import conflicts

    return conflicts.conflict_rows(store, station_id)


def resolve_one(_ctx, store, conflict_id: str, keep: str) -> str:
    from hubapp.sync import conflicts

    conflicts.resolve(store, conflict_id, keep=keep)
    return conflict_id


def load_refusals(_ctx, store):
    from hubapp.sync import refusals

    return refusals.open_refusals(store)


def dismiss_one(_ctx, store, refusal_id: int) -> int:
    from hubapp.sync import refusals

    refusals.dismiss(store, refusal_id)
    return refusal_id


class ConflictsDialog(QDialog):
    #: a conflict was resolved (its id): the stored value changed
    resolved = Signal(str)
    #: the list was (re)loaded; its number of rows
    loaded = Signal(int)
    #: the refused changes were (re)loaded; their number
    refusalsLoaded = Signal(int)
    #: a refused change was dismissed (its id)
    dismissed = Signal(int)

    def __init__(self, store, station_id, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("syncConflictsDialog")
        self.setWindowTitle(tr("Sync conflicts"))
        self.store = store
        self.station_id = station_id
        self.model = ConflictTableModel(self)
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.table = QTableView(self, objectName="conflictTable")
        self.table.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.intro.setBuddy(self.table)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.ours_button = QPushButton(tr("Keep &our value"), self, objectName="keepOurs")
        self.theirs_button = QPushButton(tr("Keep &their value"), self, objectName="keepTheirs")
        close = QPushButton(tr("Close"), self)
        close.clicked.connect(self.accept)
        self.ours_button.clicked.connect(lambda: self.keep(ours=True))
        self.theirs_button.clicked.connect(lambda: self.keep(ours=False))
        buttons.addWidget(self.ours_button)
        buttons.addWidget(self.theirs_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.refused_intro = QLabel(tr(
            "Changes the central database refused: they stay on this station only and never "
            "reach the other stations. Check them, redo what is still needed (for a case no "
            "longer shared, ask its hub), then dismiss them."), self)  # fmt: skip
        self.refused_intro.setWordWrap(True)
        self.refused_model = RefusalTableModel(self)
        self.refused_table = QTableView(self, objectName="refusalTable")
        self.refused_table.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        self.refused_table.setModel(self.refused_model)
        self.refused_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.refused_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.refused_table.verticalHeader().hide()
        self.refused_table.horizontalHeader().setStretchLastSection(True)
        self.refused_intro.setBuddy(self.refused_table)
        self.dismiss_button = QPushButton(tr("&Dismiss"), self, objectName="dismissRefusal")
        self.dismiss_button.clicked.connect(self.dismiss)
        layout.insertWidget(2, self.refused_intro)
        layout.insertWidget(3, self.refused_table, 1)
        buttons.insertWidget(2, self.dismiss_button)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._enable())
        self.refused_table.selectionModel().selectionChanged.connect(lambda *_a: self._enable())
        self._show_refusals(False)
        self.resize(760, 380)
        self._busy = False
        self.reload()

    def reload(self) -> None:
        self.intro.setText(tr("Reading the conflicts…"))
        self._enable(False)
        task = Task(load_rows, self.store, self.station_id)
        task.succeeded.connect(self._loaded)
        task.failed.connect(said(self.message.setText))
        task.start()
        refused = Task(load_refusals, self.store)
        refused.succeeded.connect(self._refusals_loaded)
        refused.failed.connect(said(self.message.setText))
        refused.start()

    def _show_refusals(self, shown: bool) -> None:
        for w in (self.refused_intro, self.refused_table, self.dismiss_button):
            w.setVisible(shown)

    def _refusals_loaded(self, rows) -> None:
        self.refused_model.set_rows(rows)
        self._show_refusals(bool(rows))
        if rows:
            self.refused_table.selectRow(0)
        self._enable()
        self.refusalsLoaded.emit(len(rows))

    def selected_refusal(self):
        rows = self.refused_table.selectionModel().selectedRows()
        return self.refused_model.index(rows[0].row(), 0).data(RefusalRole) if rows else None

    def dismiss(self) -> None:
        row = self.selected_refusal()
        if row is None or self._busy:
            return
        self._busy = True
        self._enable(False)
        task = Task(dismiss_one, self.store, row.id)
        task.succeeded.connect(self._dismissed)
        task.failed.connect(said(self._failed))
        task.start()

    def _dismissed(self, refusal_id: int) -> None:
        self._busy = False
        self.message.setText("")
        self.dismissed.emit(refusal_id)
        self.reload()

    def _loaded(self, rows) -> None:
        self.model.set_rows(rows)
        if rows:
            self.intro.setText(tr(
                "The same field was changed here and on another station before they synced. "
                "Both values are kept until you choose one; your choice is sent at the next "
                "sync."))  # fmt: skip
            self.table.selectRow(0)
        else:
            self.intro.setText(tr("There are no conflicts to resolve."))
        self._enable()
        self.loaded.emit(len(rows))

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.index(rows[0].row(), 0).data(ConflictRole) if rows else None

    def _enable(self, on: bool = True) -> None:
        ok = on and not self._busy and self.selected() is not None
        self.ours_button.setEnabled(ok)
        self.theirs_button.setEnabled(ok)
        self.dismiss_button.setEnabled(
            on and not self._busy and self.selected_refusal() is not None
        )

    def keep(self, *, ours: bool) -> None:
        row = self.selected()
        if row is None or self._busy:
            return
        self._busy = True
        self._enable(False)
        task = Task(resolve_one, self.store, row.id, row.ours_is if ours else row.theirs_is)
        task.succeeded.connect(self._resolved)
        task.failed.connect(said(self._failed))
        task.start()

    def _resolved(self, conflict_id: str) -> None:
        self._busy = False
        self.message.setText("")
        self.resolved.emit(conflict_id)
        self.reload()

    def _failed(self, message: str) -> None:
        self._busy = False
        self.message.setText(message)
        self.reload()
