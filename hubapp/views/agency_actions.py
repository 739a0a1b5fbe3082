"""'My agency's actions': every open action of one agency across the cases, overdue first.

The list is read in the background (``Task``) and sorted in the model; Enter or a
double-click on a row opens the action dialog of that agency on that case, with the action
selected. The agency chosen is remembered (QSettings) so a partner's PC opens on its own.
"""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import plural
from hubapp.domain.rag import Rag
from hubapp.models.agency_actions import ActionRagRole, AgencyActionsModel, LineRole
from hubapp.models.assignment_grid import RAG_COLOURS
from hubapp.models.window_settings import WindowSettings

log = logging.getLogger(__name__)

AGENCY_KEY = "agency_actions/agency"
ALL = "__all__"


def tr(text: str) -> str:
    return QCoreApplication.translate("AgencyActions", text)


def load_actions(_ctx, store, agency_id, hub_id, include_done, today):
    """Background work: the agency's actions (plain values)."""
    from hubapp.store.casework.actions import agency_actions

    return agency_actions(store, agency_id, hub_id, include_done, today)


class AgencyActionsPage(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("agencyActionsPage")
        self.store = None
        self.lookups = None
        self.station = None
        self.today = None  # None: the real date (tests fix it)
        self.dialog = None
        self._task = None
        self._pending = False
        self.model = AgencyActionsModel(self)
        self._build()

    def _build(self) -> None:
        self.agency_combo = QComboBox(self, objectName="actionsAgency")
        self.agency_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.agency_combo.setToolTip(tr("Whose actions to list"))
        self.hub_combo = QComboBox(self, objectName="actionsHub")
        self.hub_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.done_check = QCheckBox(tr("Include &finished actions"), self)
        self.done_check.setObjectName("actionsIncludeDone")
        for signal in (self.agency_combo.currentIndexChanged, self.hub_combo.currentIndexChanged,
                       self.done_check.toggled):  # fmt: skip
            signal.connect(self.reload)
        top = QHBoxLayout()
        label = QLabel(tr("&Agency:"), self)
        label.setBuddy(self.agency_combo)
        top.addWidget(label)
        top.addWidget(self.agency_combo)
        top.addWidget(self.hub_combo)
        top.addWidget(self.done_check)
        top.addStretch(1)
        for rag, words in ((Rag.RED, tr("Overdue")), (Rag.AMBER, tr("Due within 7 days")),
                           (Rag.GREEN, tr("On track"))):  # fmt: skip
            swatch = QLabel(words, self)
            swatch.setStyleSheet(
                f"background:{RAG_COLOURS[rag].name()}; color:#1a1a1a; padding:1px 8px;"
                " border:1px solid #b0b0b0;"
            )
            top.addWidget(swatch)

        t = QTableView(self, objectName="agencyActionsTable")
        t.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        t.setAccessibleName(tr("The agency's actions"))
        t.setModel(self.model)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setWordWrap(False)
        t.verticalHeader().hide()
        t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 10)
        t.setSortingEnabled(True)
        t.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        metrics = t.fontMetrics()
        for column, sample in ((0, "00/00/0000"), (1, "In progress · Due soon"),
                               (2, "COP-2026-00000"), (3, "x" * 34), (5, "PC 1234 Sample"),
                               (6, "South Lakeland")):  # fmt: skip
            t.setColumnWidth(column, metrics.horizontalAdvance(sample) + 20)
        t.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        t.activated.connect(self.open_row)
        self.table = t
        self.count_label = QLabel(self, objectName="actionsCount")
        hint = QLabel(tr("Enter or double-click opens the action · click a heading to sort"), self)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(top)
        layout.addWidget(t, 1)
        layout.addLayout(bottom)
        from hubapp.views.victim_contact import OverdueVictimsPanel  # issue 17

        self.victims_panel = OverdueVictimsPanel(self)
        layout.addWidget(self.victims_panel)

    def attach(self, store, lookups, station) -> None:
        self.store, self.lookups, self.station = store, lookups, station
        for combo in (self.agency_combo, self.hub_combo):
            combo.blockSignals(True)
            combo.clear()
        for agency in sorted(lookups.agencies.values(), key=lambda a: a.name):
            self.agency_combo.addItem(agency.name, agency.id.hex)
        remembered = WindowSettings().value(AGENCY_KEY)
        account = getattr(store, "account", None)  # signed in: their own agency's actions
        if account is not None and account.agency_id is not None:
            remembered = account.agency_id.hex
        self.agency_combo.setCurrentIndex(max(0, self.agency_combo.findData(remembered)))
        self.hub_combo.addItem(tr("All hubs"), ALL)
        for hub in lookups.hub_list():
            self.hub_combo.addItem(tr("{0} hub").format(hub.name), hub.id.hex)
        if station is not None:
            self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(station.hub_id.hex)))
        for combo in (self.agency_combo, self.hub_combo):
            combo.blockSignals(False)
        self.reload()

    def choose_agency(self, agency_id: uuid.UUID) -> None:
        self.agency_combo.setCurrentIndex(max(0, self.agency_combo.findData(agency_id.hex)))

    def reload(self) -> None:
        """Read the list again in the background; the newest request wins."""
        from hubapp.models.tasks import Task, said

        agency = self.agency_combo.currentData()
        if self.store is None or not agency:
            return
        WindowSettings().set_value(AGENCY_KEY, agency)
        if self._task is not None:
            self._pending = True  # read again when the running one ends
            return
        hub = self.hub_combo.currentData()
        self.count_label.setText(tr("Reading…"))
        self.victims_panel.today = self.today
        self.victims_panel.load(self.store, uuid.UUID(hex=agency),
                                None if hub in (ALL, None) else uuid.UUID(hex=hub))  # fmt: skip
        task = Task(load_actions, self.store, uuid.UUID(hex=agency),
                    None if hub in (ALL, None) else uuid.UUID(hex=hub),
                    self.done_check.isChecked(), self.today)  # fmt: skip
        task.succeeded.connect(self._loaded)
        task.failed.connect(said(self.count_label.setText))
        task.finished.connect(self._finished)
        self._task = task.start()

    def _loaded(self, lines) -> None:
        if self._pending:
            return  # superseded: the next read follows
        self.model.set_lines(lines)
        overdue = sum(1 for line in lines if line.rag is Rag.RED)
        text = plural(len(lines), tr("action"))
        if overdue:
            text += tr(", {0} overdue").format(overdue)
        self.count_label.setText(text)

    def _finished(self) -> None:
        self._task = None
        if self._pending:
            self._pending = False
            self.reload()

    @property
    def busy(self) -> bool:
        return self._task is not None or self.victims_panel.busy

    def open_row(self, index) -> None:
        """Open the row's action in the action dialog of its agency and case."""
        from hubapp.views.action_dialog import ActionDialog

        line = index.data(LineRole)
        if line is None:
            return
        if self.dialog is not None:
            self.dialog.close()
        dialog = ActionDialog(self.store, line.case_id, line.agency_id, self,
                              today=self.today, select_action=line.id)  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.casesChanged.connect(lambda _ids: self.reload())
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        self.dialog = dialog
        dialog.open()

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        self.table.setFocus()

    def rag_of_row(self, row: int) -> Rag:
        return self.model.index(row, 0).data(ActionRagRole)
