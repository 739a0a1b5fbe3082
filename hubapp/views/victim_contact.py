"""The case window's "Victim contact" tab (issue 17), and its two dialogs.

* :class:`VictimContactPage`: each victim and complainant of the case with their single
  point of contact, how often they are updated, and when next (red, and "overdue" in words,
  once the day has passed); the updates given, newest first. Read in the background.
* :class:`PlanDialog` ("Contact plan…"): the selected victim's single point of contact, the
  agency they work for, a frequency set by hand, and why they cannot be told of closing.
* :class:`UpdateDialog` ("Log an update…"): the day, how, by whom, what was said, and
  whether it told them that the case is closing.

The store decides (:mod:`hubapp.store.casework.victim_contact`): a dialog shows its
refusals beside the fields and keeps what was typed; the buttons are not offered to an
account that may not (read-only staff).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from functools import partial

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.codes import UpdateMethod
from hubapp.domain.formatting import plural
from hubapp.domain.victim_contact import EVERY_MAX
from hubapp.models.tasks import Task
from hubapp.models.victim_contact import LineRole, VictimPlanModel, VictimUpdatesModel

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("VictimContact", text)


def load_job(_ctx, store, case_id, today):
    """Background work: the case's plan, and the agencies a contact may work for."""
    from sqlalchemy import select

    from hubapp.store.casework import victim_contact
    from hubapp.store.schema import Agency

    plan = victim_contact.case_plan(store, case_id, today)
    with store.read() as s:
        agencies = [(r[0], r[1]) for r in s.execute(
            select(Agency.id, Agency.short_name).where(Agency.voided.is_(False),
                                                       Agency.active.is_(True))
            .order_by(Agency.short_name))]  # fmt: skip
    return plan, agencies


def save_job(_ctx, fn, *args):
    """Background work: a save; a refusal comes back as problems for the fields."""
    from hubapp.store.casework.victim_contact import VictimContactError

    try:
        return ("ok", fn(*args))
    except VictimContactError as exc:
        return ("problems", (str(exc), exc.problems))


def _table(model, name: str, accessible: str, parent) -> QTableView:
    t = QTableView(parent, objectName=name)
    t.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
    t.setAccessibleName(accessible)
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    t.verticalHeader().hide()
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    return t


def _id(combo: QComboBox) -> uuid.UUID | None:
    """The id a combo's current item stands for (kept as hex: a combo finds text, not
    Python objects, by value)."""
    value = combo.currentData()
    return uuid.UUID(hex=value) if value else None


def _problem_label(parent, key: str) -> QLabel:
    p = QLabel(parent, objectName=f"problem_{key}")
    p.setTextFormat(Qt.TextFormat.PlainText)
    p.setWordWrap(True)
    p.setProperty("problem", True)
    p.setStyleSheet("color: #a4161a;")
    p.hide()
    return p


class _FormDialog(QDialog):
    """A small form saved in the background, its problems shown beside the fields."""

    saved = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._problems: dict[str, QLabel] = {}
        self._task: Task | None = None
        self.form = QFormLayout()
        self.message = QLabel(self, objectName="dialogMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveButton")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def _row(self, text: str, widget: QWidget, key: str) -> None:
        label = QLabel(text, self)
        label.setBuddy(widget)
        widget.setAccessibleName(text.replace("&", ""))
        box = QVBoxLayout()
        box.setSpacing(1)
        box.addWidget(widget)
        problem = _problem_label(self, key)
        self._problems[key] = problem
        box.addWidget(problem)
        self.form.addRow(label, box)

    def problem(self, key: str) -> str:
        p = self._problems.get(key)
        return p.text() if p is not None and p.isVisibleTo(self) else ""

    def _run(self, fn, *args, **kw) -> None:
        self.save_button.setEnabled(False)
        self.message.setText(tr("Saving…"))
        task = Task(save_job, partial(fn, **kw), *args)
        task.succeeded.connect(self._done)
        task.failed.connect(self._failed)
        self._task = task.start()

    def _done(self, result) -> None:
        self._task = None
        self.save_button.setEnabled(True)
        kind, value = result
        for p in self._problems.values():
            p.setText("")
            p.hide()
        if kind == "problems":
            message, problems = value
            for pr in problems:
                target = self._problems.get(pr.field)
                if target is not None:
                    target.setText(pr.message)
                    target.show()
            self.message.setText(message)
            return
        self.message.setText("")
        self.saved.emit(value)
        self.accept()

    def _failed(self, exc) -> None:
        from hubapp.errors import describe

        self._task = None
        self.save_button.setEnabled(True)
        self.message.setText(describe(exc))

    @property
    def busy(self) -> bool:
        return self._task is not None

    def save(self) -> None:
        raise NotImplementedError


class UpdateDialog(_FormDialog):
    """Log an update given to a victim or complainant of the case."""

    def __init__(self, store, case_id: uuid.UUID, victims, agencies, parent=None, *,
                 person_id: uuid.UUID | None = None, today: date | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("victimUpdateDialog")
        self.setWindowTitle(tr("Log an update"))
        self.store, self.case_id, self.today = store, case_id, today
        self.person = QComboBox(self, objectName="updatePerson")
        self.person.addItem(tr("Choose…"), None)
        for v in victims:
            self.person.addItem(f"{v.name} ({v.roles})", v.person_id.hex)
        if person_id is not None:
            self.person.setCurrentIndex(max(0, self.person.findData(person_id.hex)))
        self.on = QDateEdit(self, objectName="updateOn")
        self.on.setDisplayFormat("dd/MM/yyyy")
        self.on.setCalendarPopup(True)
        day = today or date.today()
        self.on.setDate(QDate(day.year, day.month, day.day))
        self.method = QComboBox(self, objectName="updateMethod")
        for m in UpdateMethod:
            self.method.addItem(m.label, m.value)
        self.given_by = QLineEdit(self, objectName="updateBy")
        account = getattr(store, "account", None)
        if account is not None:
            self.given_by.setText(getattr(account, "display_name", "") or account.user_name)
        self.agency = QComboBox(self, objectName="updateAgency")
        self.agency.addItem(tr("Not said"), None)
        for agency_id, name in agencies:
            self.agency.addItem(name, agency_id.hex)
        if account is not None and account.agency_id is not None:
            self.agency.setCurrentIndex(max(0, self.agency.findData(account.agency_id.hex)))
        self.summary = QPlainTextEdit(self, objectName="updateSummary")
        self.summary.setTabChangesFocus(True)
        self.summary.setFixedHeight(self.summary.fontMetrics().lineSpacing() * 4 + 14)
        self.closing = QCheckBox(tr("This update told them the case is &closing, and why"), self)
        self.closing.setObjectName("updateClosing")
        self._row(tr("&Victim or complainant"), self.person, "person")
        self._row(tr("&Date"), self.on, "updated_on")
        self._row(tr("&How"), self.method, "method")
        self._row(tr("&By"), self.given_by, "given_by")
        self._row(tr("A&gency"), self.agency, "agency")
        self._row(tr("&What was said"), self.summary, "summary")
        self.form.addRow("", self.closing)
        self.resize(520, self.sizeHint().height())

    def draft(self):
        from hubapp.store.casework.victim_contact import UpdateDraft

        q = self.on.date()
        return UpdateDraft(_id(self.person), date(q.year(), q.month(), q.day()),
                           self.method.currentData(), self.given_by.text(),
                           self.summary.toPlainText(), self.closing.isChecked(),
                           _id(self.agency))  # fmt: skip

    def save(self) -> None:
        from hubapp.store.casework import victim_contact

        self._run(victim_contact.log_update, self.store, self.case_id, self.draft(),
                  today=self.today)  # fmt: skip


class PlanDialog(_FormDialog):
    """A victim's contact plan: their single point of contact and how often."""

    def __init__(self, store, case_id: uuid.UUID, line, agencies, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("victimPlanDialog")
        self.setWindowTitle(tr("Contact plan for {0}").format(line.name))
        self.store, self.case_id, self.line = store, case_id, line
        self.spoc = QLineEdit(line.spoc_name, self, objectName="planSpoc")
        self.agency = QComboBox(self, objectName="planAgency")
        self.agency.addItem(tr("Choose…"), None)
        for agency_id, name in agencies:
            self.agency.addItem(name, agency_id.hex)
        if line.spoc_agency_id is not None:
            self.agency.setCurrentIndex(max(0, self.agency.findData(line.spoc_agency_id.hex)))
        every = QHBoxLayout()
        self.by_hand = QCheckBox(tr("Set by &hand:"), self, objectName="planByHand")
        self.every = QSpinBox(self, objectName="planEvery")
        self.every.setRange(1, EVERY_MAX)
        self.every.setSuffix(tr(" working days"))
        self.every.setAccessibleName(tr("Working days between updates"))
        self.by_hand.setChecked(line.every_days_set is not None)
        self.every.setValue(line.every_days_set or line.due.every)
        self.every.setEnabled(self.by_hand.isChecked())
        self.by_hand.toggled.connect(self.every.setEnabled)
        every.addWidget(self.by_hand)
        every.addWidget(self.every)
        every.addStretch(1)
        holder = QWidget(self)
        holder.setLayout(every)
        every.setContentsMargins(0, 0, 0, 0)
        self.reason = QPlainTextEdit(line.cannot_tell_reason, self, objectName="planCannotTell")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.reason.fontMetrics().lineSpacing() * 3 + 14)
        self._row(tr("Single point of &contact"), self.spoc, "spoc_name")
        self._row(tr("&Agency"), self.agency, "spoc_agency")
        self._row(tr("Update &every"), holder, "every_days")
        self.by_hand.setAccessibleName(tr("Set the frequency by hand"))
        self._row(tr("Why they cannot be &told of closing"), self.reason, "cannot_tell_reason")
        hint = QLabel(tr("Leave the reason empty unless they cannot be told (for example, moved "
                         "away with no address, or asked not to be contacted)."), self)  # fmt: skip
        hint.setWordWrap(True)
        hint.setProperty("hint", True)
        self.form.addRow("", hint)
        self.resize(520, self.sizeHint().height())

    def draft(self):
        from hubapp.store.casework.victim_contact import PlanDraft

        return PlanDraft(self.line.person_id, self.spoc.text(), _id(self.agency),
                         self.every.value() if self.by_hand.isChecked() else None,
                         self.reason.toPlainText())  # fmt: skip

    def save(self) -> None:
        from hubapp.store.casework import victim_contact

        self._run(
            victim_contact.set_plan, self.store, self.case_id, self.draft(), self.line.plan_version
        )


class VictimContactPage(QWidget):
    """The case window's Victim contact tab. ``attach`` then ``reload``."""

    #: the plan was read (CasePlan)
    loaded = Signal(object)
    #: an update or a plan was saved
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("victimContactPage")
        self.store = None
        self.case_id: uuid.UUID | None = None
        self.today: date | None = None  # None: the real date (tests fix it)
        self.plan = None
        self.agencies: list = []
        self.dialog: _FormDialog | None = None
        self._task: Task | None = None
        self._pending = False
        self.victims_model = VictimPlanModel(self)
        self.updates_model = VictimUpdatesModel(self)
        self._build()

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 8, 4, 4)
        hint = QLabel(tr("Each victim and complainant has a single point of contact and is "
                         "updated every few working days, as often as their risk says. The "
                         "case closes only once each has been told that it is closing, and "
                         "why."), self)  # fmt: skip
        hint.setWordWrap(True)
        hint.setProperty("hint", True)
        lay.addWidget(hint)
        self.victims_table = _table(self.victims_model, "victimsTable",
                                    tr("Victims and complainants"), self)  # fmt: skip
        self.victims_table.activated.connect(lambda _i: self.edit_plan())
        self.victims_table.selectionModel().selectionChanged.connect(self._offer)
        lay.addWidget(self.victims_table, 2)
        row = QHBoxLayout()
        self.summary_label = QLabel(self, objectName="victimsSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.summary_label, 1)
        self.plan_button = QPushButton(tr("Contact &plan…"), self, objectName="planButton")
        self.plan_button.clicked.connect(lambda: self.edit_plan())
        self.update_button = QPushButton(tr("&Log an update…"), self, objectName="logUpdateButton")
        self.update_button.clicked.connect(lambda: self.log_update())
        for b in (self.plan_button, self.update_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        lay.addLayout(row)
        history = QLabel(tr("Updates given (newest first)"), self)
        lay.addWidget(history)
        self.updates_table = _table(self.updates_model, "victimUpdatesTable",
                                    tr("Updates given"), self)  # fmt: skip
        lay.addWidget(self.updates_table, 3)
        self._offer()

    # -- reading ---------------------------------------------------------------------------
    def attach(self, store, case_id: uuid.UUID) -> None:
        self.store, self.case_id = store, case_id
        self.reload()

    def reload(self) -> None:
        """Read the plan again in the background; the newest request wins."""
        if self.store is None or self.case_id is None:
            return
        if self._task is not None:
            self._pending = True
            return
        self.summary_label.setText(tr("Reading…"))
        task = Task(load_job, self.store, self.case_id, self.today)
        task.succeeded.connect(self._loaded)
        task.failed.connect(self._failed)
        task.finished.connect(self._finished)
        self._task = task.start()

    def _loaded(self, result) -> None:
        if self._pending:
            return
        self.plan, self.agencies = result
        selected = self._selected()
        self.victims_model.set_records(self.plan.victims)
        self.updates_model.set_records(self.plan.updates)
        for i, w in enumerate((180, 110, 200, 250, 90, 150)):
            self.victims_table.setColumnWidth(i, w)
        for i, w in enumerate((90, 160, 110, 180, 170)):
            self.updates_table.setColumnWidth(i, w)
        row = self.victims_model.row_of(selected.person_id) if selected else None
        if row is None and self.victims_model.rowCount():
            row = 0
        if row is not None:
            self.victims_table.selectRow(row)
        self._say()
        self._offer()
        self.loaded.emit(self.plan)

    def _say(self) -> None:
        plan = self.plan
        if not plan.victims:
            self.summary_label.setText(tr("This case has no victim or complainant."))
            return
        text = plural(len(plan.victims), tr("victim or complainant"),
                      tr("victims and complainants"))  # fmt: skip
        overdue = len(plan.overdue)
        if overdue:
            text += tr("; {0} overdue an update").format(overdue)
        self.summary_label.setText(text)

    def _failed(self, exc) -> None:
        from hubapp.errors import describe

        self.summary_label.setText(describe(exc))

    def _finished(self) -> None:
        self._task = None
        if self._pending:
            self._pending = False
            self.reload()

    @property
    def busy(self) -> bool:
        return self._task is not None or (self.dialog is not None and self.dialog.busy)

    # -- what may be done ------------------------------------------------------------------
    def _may_write(self) -> bool:
        from hubapp.store import access
        from hubapp.store.roles import Op

        return self.store is not None and access.may(self.store, Op.VICTIM_CONTACT)

    def _selected(self):
        rows = self.victims_table.selectionModel().selectedRows()
        return rows[0].data(LineRole) if rows else None

    def _offer(self, *_args) -> None:
        may = self._may_write() and self.plan is not None
        has_victims = bool(self.plan and self.plan.victims)
        self.update_button.setEnabled(may and has_victims)
        self.plan_button.setEnabled(may and self._selected() is not None)

    # -- the dialogs -----------------------------------------------------------------------
    def _open(self, dialog: _FormDialog) -> _FormDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _v: (self.changed.emit(), self.reload()))
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def log_update(self) -> UpdateDialog | None:
        if self.plan is None or not self.plan.victims or not self._may_write():
            return None
        line = self._selected()
        return self._open(UpdateDialog(self.store, self.case_id, self.plan.victims,
                                       self.agencies, self, today=self.today,
                                       person_id=line.person_id if line else None))  # fmt: skip

    def edit_plan(self) -> PlanDialog | None:
        line = self._selected()
        if line is None or not self._may_write():
            return None
        return self._open(PlanDialog(self.store, self.case_id, line, self.agencies, self))


def overdue_job(_ctx, store, agency_id, hub_id, today):
    """Background work: the victims overdue an update whose contact works for the agency."""
    from hubapp.store.casework import victim_contact

    return victim_contact.overdue(store, hub_id, agency_id, today)


class OverdueVictimsPanel(QWidget):
    """On "My agency's actions": the victims whose single point of contact works for the agency
    and whose update is overdue. Enter or a double-click asks for the case (``openCase``)."""

    #: the case of the row (uuid.UUID)
    openCase = Signal(object)
    loaded = Signal(object)

    def __init__(self, parent=None) -> None:
        from hubapp.models.victim_contact import OverdueUpdatesModel

        super().__init__(parent)
        self.setObjectName("overdueVictimsPanel")
        self.store = None
        self.today: date | None = None
        self._task: Task | None = None
        self._pending: tuple | None = None
        self.model = OverdueUpdatesModel(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        self.heading = QLabel(tr("Victim updates overdue (the agency is their contact)"), self)
        self.heading.setObjectName("overdueVictimsHeading")
        lay.addWidget(self.heading)
        self.table = _table(self.model, "overdueVictimsTable",
                            tr("Victim updates overdue"), self)  # fmt: skip
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(self._open)
        for i, w in enumerate((90, 120, 180, 160, 90)):
            self.table.setColumnWidth(i, w)
        lay.addWidget(self.table)

    def load(self, store, agency_id: uuid.UUID | None, hub_id: uuid.UUID | None) -> None:
        """Read the list for the agency (and hub) in the background; the newest wins."""
        self.store = store
        if agency_id is None:
            self.model.set_records([])
            return
        if self._task is not None:
            self._pending = (store, agency_id, hub_id)
            return
        task = Task(overdue_job, store, agency_id, hub_id, self.today)
        task.succeeded.connect(self._loaded)
        task.failed.connect(lambda exc: log.info("Overdue victim updates not read: %s", exc))
        task.finished.connect(self._finished)
        self._task = task.start()

    def _loaded(self, lines) -> None:
        if self._pending is not None:
            return
        self.model.set_records(lines)
        self.heading.setText(tr("Victim updates overdue (the agency is their contact): {0}")
                             .format(len(lines)))  # fmt: skip
        self.loaded.emit(lines)

    def _finished(self) -> None:
        self._task = None
        if self._pending is not None:
            args, self._pending = self._pending, None
            self.load(*args)

    @property
    def busy(self) -> bool:
        return self._task is not None

    def _open(self, index) -> None:
        line = index.data(LineRole)
        if line is not None:
            self.openCase.emit(line.case_id)
