"""Tools > Area orders (PSPOs)…: the register of hub-level orders, and recording one.

A Public Spaces Protection Order is a council's order over an area (ASBCPA 2014 s.59), made
for at most 3 years (s.60(1)) and extendable (s.60(2)); cases cite it from their Interventions
tab. The list shows every hub's orders, this hub's first; choosing one fills the form to
change or extend it; New empties the form for another. Saving checks the rules in
:mod:`hubapp.store.casework.hub_orders` (their sentences show beside the fields; nothing is
saved until all are right). Reading and saving run in the background. Everyone sees the
register; coordinators, police and administrators record and change orders.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import format_date
from hubapp.models.records import Column, RecordRole, RecordTableModel
from hubapp.views.powers_panel import table


def tr(text: str) -> str:
    return QCoreApplication.translate("AreaOrders", text)


def read_orders(_ctx, store):
    from hubapp.store.casework import hub_orders

    return hub_orders.orders(store)


def _date(parent, name: str) -> QDateEdit:
    d = QDateEdit(parent, objectName=name)
    d.setCalendarPopup(True)
    d.setDisplayFormat("dd/MM/yyyy")
    d.setDate(QDate.currentDate())
    return d


def _py(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class AreaOrdersDialog(QDialog):
    """The register and its form."""

    #: the list has been read and shown
    loaded = Signal()
    #: an order was saved (its id)
    saved = Signal(object)

    FIELDS = ("hub", "title", "agency", "made_on", "expires_on", "area", "prohibitions", "notes")

    def __init__(self, store, lookups, station=None, parent=None) -> None:
        from hubapp.models.tasks import LatestTask
        from hubapp.store import access
        from hubapp.store.roles import Op

        super().__init__(parent)
        self.setObjectName("areaOrdersDialog")
        self.setWindowTitle(tr("Area orders (PSPOs)"))
        self.store, self.station = store, station
        self.may_edit = access.may(store, Op.HUB_ORDERS)
        self.editing = None  # the OrderLine in the form, or None: a new one
        self._read = LatestTask(self, self._loaded, self._failed)
        self._save_task = None
        here = station.hub_code if station is not None else ""
        self.model = RecordTableModel([
            Column(tr("Hub"), lambda o: o.hub_code, sort_key=lambda o: (o.hub_code != here,
                                                                        o.hub_code)),
            Column(tr("Order"), lambda o: o.title),
            Column(tr("Area"), lambda o: o.area, tooltip=True),
            Column(tr("Made by"), lambda o: o.agency),
            Column(tr("Made"), lambda o: format_date(o.made_on), sort_key=lambda o: o.made_on),
            Column(tr("Ends"), lambda o: format_date(o.expires_on),
                   sort_key=lambda o: o.expires_on or date.max),
            Column(tr("Cases citing"), lambda o: str(o.cases), sort_key=lambda o: o.cases),
        ], self)  # fmt: skip
        self.table = table(self, self.model, "areaOrdersTable", tr("Area orders"))
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._chosen())

        self.hub = QComboBox(self, objectName="orderHub")
        for h in lookups.hub_list(active_only=True):
            self.hub.addItem(h.name, h.id.hex)  # (a UUID in a combo box is not found again)
        if station is not None:
            self.hub.setCurrentIndex(max(0, self.hub.findData(station.hub_id.hex)))
        self.agency = QComboBox(self, objectName="orderAgency")
        self.agency.addItem(tr("Choose…"), None)
        for a in lookups.agencies.values():
            if a.active:
                self.agency.addItem(a.name, a.id.hex)
        self.title_edit = QLineEdit(self, objectName="orderTitle")
        self.title_edit.setMaxLength(200)
        self.made_on = _date(self, "orderMadeOn")
        self.expires_on = _date(self, "orderExpiresOn")
        self.expires_on.setDate(QDate.currentDate().addYears(3).addDays(-1))
        self.area = QPlainTextEdit(self, objectName="orderArea")
        self.prohibitions = QPlainTextEdit(self, objectName="orderProhibitions")
        self.notes = QLineEdit(self, objectName="orderNotes")
        for edit in (self.area, self.prohibitions):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().height() * 3 + 12)
        self.problems: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, text, widget in (
            ("hub", tr("H&ub"), self.hub), ("title", tr("&Title"), self.title_edit),
            ("agency", tr("Made &by"), self.agency), ("made_on", tr("&Made on"), self.made_on),
            ("expires_on", tr("&Ends on"), self.expires_on), ("area", tr("&Area"), self.area),
            ("prohibitions", tr("&Prohibitions"), self.prohibitions),
            ("notes", tr("N&otes"), self.notes),
        ):  # fmt: skip
            problem = QLabel(self, objectName=f"problem_order_{key}")
            problem.setTextFormat(Qt.TextFormat.PlainText)
            problem.setWordWrap(True)
            problem.setStyleSheet("color:#b00020;")
            problem.hide()
            self.problems[key] = problem
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(problem)
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, box)
        self.new_button = QPushButton(tr("&New order"), self, objectName="orderNew")
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(self.new_order)
        self.save_button = QPushButton(tr("&Save order"), self, objectName="orderSave")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel(self, objectName="orderStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        if not self.may_edit:
            from hubapp.store import roles

            role = access.role(store)
            self.status.setText(roles.refusal(Op.HUB_ORDERS, role) if role else "")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(close)
        for w in (self.hub, self.agency, self.title_edit, self.made_on, self.expires_on,
                  self.area, self.prohibitions, self.notes, self.new_button, self.save_button):  # fmt: skip
            w.setEnabled(self.may_edit)
        chain = [self.table, self.hub, self.title_edit, self.agency, self.made_on,
                 self.expires_on, self.area, self.prohibitions, self.notes, self.new_button,
                 self.save_button, *close.buttons()]  # fmt: skip
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self.resize(900, 640)
        self.reload()

    def reload(self) -> None:
        self._read.start(read_orders, self.store)

    @property
    def busy(self) -> bool:
        return self._read.running or self._save_task is not None

    def _loaded(self, orders) -> None:
        keep = self.editing.id if self.editing is not None else None
        self.model.set_records(orders)
        if keep is not None:
            for row in range(self.model.rowCount()):
                if self.model.record(row).id == keep:
                    self.table.selectRow(row)
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.status.setText(user_message(exc))

    def _chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        order = rows[0].data(RecordRole) if rows else None
        if order is None:
            return
        self.editing = order
        self.hub.setCurrentIndex(max(0, self.hub.findData(order.hub_id.hex)))
        self.agency.setCurrentIndex(max(0, self.agency.findData(order.agency_id.hex)))
        self.title_edit.setText(order.title)
        self.made_on.setDate(QDate(order.made_on.year, order.made_on.month, order.made_on.day))
        if order.expires_on is not None:
            e = order.expires_on
            self.expires_on.setDate(QDate(e.year, e.month, e.day))
        self.area.setPlainText(order.area)
        self.prohibitions.setPlainText(order.prohibitions)
        self.notes.setText(order.notes)
        self._show([])

    def new_order(self) -> None:
        self.table.clearSelection()
        self.editing = None
        self.title_edit.clear()
        self.area.clear()
        self.prohibitions.clear()
        self.notes.clear()
        self.agency.setCurrentIndex(0)
        self.made_on.setDate(QDate.currentDate())
        self.expires_on.setDate(QDate.currentDate().addYears(3).addDays(-1))
        self._show([])
        self.title_edit.setFocus()

    def draft(self):
        from hubapp.store.casework.hub_orders import OrderDraft

        def key(combo):
            return uuid.UUID(hex=combo.currentData()) if combo.currentData() else None

        return OrderDraft(key(self.hub), self.title_edit.text(),
                          key(self.agency), _py(self.made_on.date()),
                          _py(self.expires_on.date()), self.area.toPlainText(),
                          self.prohibitions.toPlainText(), self.notes.text())  # fmt: skip

    def _show(self, problems) -> None:
        from hubapp.views.problems import show_beside

        show_beside(self.problems, problems)

    def save(self) -> None:
        from hubapp.models.tasks import Task, user_message
        from hubapp.store.casework import hub_orders
        from hubapp.store.casework.workflow import CaseworkError

        draft, editing, store = self.draft(), self.editing, self.store

        def job(_ctx):
            try:
                if editing is None:
                    return "ok", hub_orders.add(store, draft)
                hub_orders.edit(store, editing.id, editing.row_version, draft)
                return "ok", editing.id
            except CaseworkError as exc:
                return "problems", (str(exc), exc.problems)

        def done(result) -> None:
            self._save_task = None
            self.save_button.setEnabled(True)
            kind, value = result
            if kind == "problems":
                message, problems = value
                self._show(problems)
                self.status.setText(message)
                return
            self._show([])
            self.status.setText(tr("Order saved."))
            self.editing = None
            self.saved.emit(value)
            self.reload()

        def failed(exc) -> None:
            self._save_task = None
            self.save_button.setEnabled(True)
            self.status.setText(user_message(exc))

        self.save_button.setEnabled(False)
        self.status.setText(tr("Saving…"))
        task = Task(job)
        task.succeeded.connect(done)
        task.failed.connect(failed)
        self._save_task = task
        task.start()
