"""The case window's Interventions tab, within the statutory limits (issue 17).

* :class:`StatutoryRows`: the rows of the "Add an intervention" form that the limits of the
  chosen kind ask for (who authorised it, who was consulted, the court hearing), the reason
  kept when a warning is passed over, and a line saying the kind's limits
  (:func:`hubapp.domain.powers.describe`). The store checks them when the intervention is
  saved; its sentences show beside these fields.
* :func:`outcome_row`: what came of a breach, beside "Record breach".
* :class:`CitedOrders`: the area orders (PSPOs) of the case's hub the case cites, with
  Cite and Stop citing (read and saved in the background; a change of the case: partners and
  read-only accounts see the list without the buttons).

The case window adds these with a few lines; everything else is here.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain import powers
from hubapp.domain.codes import BreachOutcome
from hubapp.domain.formatting import format_date
from hubapp.models.records import Column, RecordRole, RecordTableModel


def tr(text: str) -> str:
    return QCoreApplication.translate("Powers", text)


def _date_edit(parent) -> QDateEdit:
    d = QDateEdit(parent)
    d.setCalendarPopup(True)
    d.setDisplayFormat("dd/MM/yyyy")
    d.setDate(QDate.currentDate())
    return d


def _py(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class StatutoryRows:
    """The statutory rows of the case window's Add-an-intervention form. ``window`` is the
    case window: its ``_field`` puts each row's problem label under it (keys ``iv_…``)."""

    #: the problem keys of these rows (the store's fields with the form's prefix)
    KEYS = ("iv_authorised_by", "iv_consulted", "iv_hearing_on", "iv_override_reason")

    def __init__(self, window, form: QFormLayout, parent: QWidget) -> None:
        self.form = form
        self.window = window
        self.hint = QLabel(parent, objectName="ivLimits")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setStyleSheet("color:#444;")
        self.hint.setAccessibleName(tr("Statutory limits of this kind"))
        form.addRow(self.hint)
        self.authorised_by = QLineEdit(parent, objectName="ivAuthorisedBy")
        self.authorised_by.setMaxLength(120)
        self.authorised_by.setPlaceholderText(tr("Name and rank, e.g. Insp. R. Bell"))
        self.consulted = QLineEdit(parent, objectName="ivConsulted")
        self.consulted.setPlaceholderText(tr("Who, and when"))
        self.hearing_check = QCheckBox(tr("on"), parent, objectName="ivHearingCheck")
        self.hearing_check.setAccessibleName(tr("Court hearing date set"))
        self.hearing = _date_edit(parent)
        self.hearing.setObjectName("ivHearing")
        self.hearing.setAccessibleName(tr("Court hearing on"))
        self.hearing.setEnabled(False)
        self.hearing_check.toggled.connect(self.hearing.setEnabled)
        self.reason = QLineEdit(parent, objectName="ivReason")
        self.reason.setPlaceholderText(tr("Only where a warning asks for it: kept with it"))
        hearing_row = QHBoxLayout()
        hearing_row.addWidget(self.hearing_check)
        hearing_row.addWidget(self.hearing)
        hearing_row.addStretch(1)
        self._rows = {}
        for key, text, item, buddy in (
            ("authorised_by", tr("Authorised b&y"), self.authorised_by, None),
            ("consulted", tr("C&onsulted"), self.consulted, None),
            ("hearing_on", tr("Court &hearing"), hearing_row, self.hearing_check),
            ("override_reason", tr("Reaso&n to go ahead"), self.reason, None),
        ):  # fmt: skip
            window._field(form, text, item, f"iv_{key}", buddy=buddy)
            self._rows[key] = form.rowCount() - 1
        window.iv_type.currentIndexChanged.connect(lambda _i: self.type_chosen(
            window.iv_type.currentData()))  # fmt: skip
        self.type_chosen(None)

    def type_chosen(self, info) -> None:
        """Show the rows the chosen kind's limits ask for, and its limits in a line."""
        limits = powers.limits_of(info.code, info.name) if info is not None else None
        text = powers.describe(limits) if limits is not None else ""
        self.hint.setText(tr("Limits: {0}").format(text) if text else "")
        self.hint.setVisible(bool(text))
        shown = {
            "authorised_by": bool(limits and limits.authorised_by) or bool(
                self.authorised_by.text()),
            "consulted": bool(limits and limits.under_18_consult) or bool(self.consulted.text()),
            "hearing_on": bool(limits and limits.hearing_within_days),
            "override_reason": True,
        }  # fmt: skip
        for key, row in self._rows.items():
            self.form.setRowVisible(row, shown[key])
            # showing a row shows its problem label too, empty or not
            problem = self.window._problems[f"iv_{key}"]
            problem.setVisible(shown[key] and bool(problem.text()))

    def values(self) -> dict:
        """The draft's statutory fields (hubapp.store.casework.interventions)."""
        return {
            "override_reason": self.reason.text(),
            "authorised_by": self.authorised_by.text(),
            "consulted": self.consulted.text(),
            "hearing_on": _py(self.hearing.date()) if self.hearing_check.isChecked() else None,
        }

    def clear(self) -> None:
        for edit in (self.reason, self.authorised_by, self.consulted):
            edit.clear()
        self.hearing_check.setChecked(False)

    def widgets(self) -> list[QWidget]:
        """In Tab order."""
        return [self.authorised_by, self.consulted, self.hearing_check, self.hearing,
                self.reason]  # fmt: skip


def outcome_row(window, form: QFormLayout, parent: QWidget) -> QComboBox:
    """The breach's outcome (problem key ``iv_outcome``)."""
    combo = QComboBox(parent, objectName="breachOutcome")
    combo.addItem(tr("Not known yet"), "")
    for o in BreachOutcome:
        combo.addItem(o.label, o.value)
    window._field(form, tr("Breach outco&me"), combo, "iv_outcome")
    return combo


def table(parent, model, name: str, spoken: str) -> QTableView:
    """A read-only table of records: rows selected whole, Tab moves on."""
    t = QTableView(parent, objectName=name)
    t.setAccessibleName(spoken)
    t.setModel(model)
    t.setTabKeyNavigation(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setWordWrap(False)
    t.verticalHeader().hide()
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 10)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def load_orders(_ctx, store, case_id: uuid.UUID):
    """Background work: the orders the case cites, and those it could."""
    from hubapp.store.casework import hub_orders

    return hub_orders.cited(store, case_id), hub_orders.citable(store, case_id)


class CitedOrders(QGroupBox):
    """The area orders a case cites (PSPOs), with Cite and Stop citing."""

    #: a citation was added or removed
    changed = Signal()

    def __init__(self, store, case_id: uuid.UUID, parent=None) -> None:
        from hubapp.models.tasks import LatestTask

        super().__init__(tr("Area orders cited (PSPOs)"), parent)
        self.setObjectName("citedOrders")
        self.store, self.case_id = store, case_id
        self._load = LatestTask(self, self._loaded, self._failed)
        self._tasks: set = set()
        self.model = RecordTableModel([
            Column(tr("Order"), lambda c: c.title),
            Column(tr("Area"), lambda c: c.area, tooltip=True),
            Column(tr("Made"), lambda c: format_date(c.made_on), sort_key=lambda c: c.made_on),
            Column(tr("Ends"), lambda c: format_date(c.expires_on),
                   sort_key=lambda c: c.expires_on or date.max),
            Column(tr("Why cited"), lambda c: c.notes, tooltip=True),
        ], self)  # fmt: skip
        self.table = table(self, self.model, "citedOrdersTable", tr("Area orders cited"))
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 5)
        self.choice = QComboBox(self, objectName="citeChoice")
        self.choice.setAccessibleName(tr("Area order to cite"))
        self.note = QLineEdit(self, objectName="citeNote")
        self.note.setAccessibleName(tr("Why the case cites it"))
        self.note.setPlaceholderText(tr("Why it applies (optional)"))
        self.cite_button = QPushButton(tr("&Cite"), self, objectName="citeButton")
        self.cite_button.setAutoDefault(False)
        self.cite_button.clicked.connect(self.cite)
        self.uncite_button = QPushButton(tr("Stop citin&g"), self, objectName="unciteButton")
        self.uncite_button.setAutoDefault(False)
        self.uncite_button.clicked.connect(self.uncite)
        self.status = QLabel(self, objectName="citeStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.choice, 2)
        row.addWidget(self.note, 2)
        row.addWidget(self.cite_button)
        row.addWidget(self.uncite_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(row)
        lay.addWidget(self.status)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self._enable()

    def _may_edit(self) -> bool:
        from hubapp.store import access

        return self.store is not None and access.may_edit_cases(self.store)

    def _enable(self) -> None:
        edit = self._may_edit()
        self.choice.setEnabled(edit)
        self.note.setEnabled(edit)
        self.cite_button.setEnabled(edit and self.choice.currentData() is not None)
        self.uncite_button.setEnabled(edit and bool(self.table.selectionModel().selectedRows()))

    def reload(self) -> None:
        if self.store is not None:
            self._load.start(load_orders, self.store, self.case_id)

    @property
    def busy(self) -> bool:
        return self._load.running or bool(self._tasks)

    def _loaded(self, result) -> None:
        cited, citable = result
        self.model.set_records(cited)
        self.choice.clear()
        if not citable:
            self.choice.addItem(tr("No other order of this hub is in force"), None)
        for o in citable:
            ends = format_date(o.expires_on) if o.expires_on else tr("no end")
            self.choice.addItem(tr("{0} (to {1})").format(o.title, ends), o.id)
        self._enable()

    def _failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.status.setText(user_message(exc))

    def _save(self, fn, *args, done: str) -> None:
        from hubapp.models.tasks import Task, user_message

        task = Task(fn, *args)
        self._tasks.add(task)

        def ok(_v) -> None:
            self.status.setText(done)
            self.note.clear()
            self.reload()
            self.changed.emit()

        task.succeeded.connect(ok)
        task.failed.connect(lambda exc: self.status.setText(user_message(exc)))
        task.finished.connect(lambda: (self._tasks.discard(task), self._enable()))
        self.cite_button.setEnabled(False)
        self.uncite_button.setEnabled(False)
        self.status.setText(tr("Saving…"))
        task.start()

    def cite(self) -> None:
        order = self.choice.currentData()
        if order is None:
            return
        from hubapp.store.casework import hub_orders

        store, case_id, note = self.store, self.case_id, self.note.text()
        self._save(lambda _ctx: hub_orders.cite(store, case_id, order, note),
                   done=tr("Order cited."))  # fmt: skip

    def uncite(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        cited = rows[0].data(RecordRole) if rows else None
        if cited is None:
            return
        from hubapp.store.casework import hub_orders

        store = self.store
        self._save(lambda _ctx: hub_orders.uncite(store, cited.id),
                   done=tr("The case no longer cites it."))  # fmt: skip
