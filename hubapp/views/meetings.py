"""The Meetings page (View > Meetings, Ctrl+4): a hub's partner meetings.

On the left the hub's meetings (latest first) and "Plan a meeting…"; on the right the chosen
meeting in four tabs: its agenda (cases with the reason they are on it; removed items stay,
greyed, with why they came off), attendance by agency, decisions, and the actions raised
(ordinary action records, the same the assignment grid shows).

Each change is one small core call (:mod:`hubapp.store.casework.meetings`), made in the
background with the meeting read again in the same step; reading runs in the background too
(the latest request wins), so the page never waits for another program's hold on the
database. A refusal is shown next to its field (the field its ``Refused`` problem names) and
the form keeps everything typed; a form clears only after its save.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import format_date
from hubapp.models.meetings import (
    AgendaModel,
    AttendanceModel,
    DecisionsModel,
    LineRole,
    MeetingListModel,
    RaisedActionsModel,
    status_label,
)
from hubapp.models.tasks import LatestTask, Task, user_message
from hubapp.store.casework import meetings
from hubapp.store.casework.meetings import AgendaReason, Attendance, MeetingStatus
from hubapp.views import banner
from hubapp.views.accessible import heading_font
from hubapp.views.action_dialog import DateField

log = logging.getLogger(__name__)

ERROR_STYLE = "color:#a4161a; font-weight:bold;"


def tr(text: str) -> str:
    return QCoreApplication.translate("Meetings", text)


def error_label(parent, name: str) -> QLabel:
    label = QLabel(parent, objectName=f"error-{name}")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def describe(exc: BaseException) -> str:
    from hubapp.errors import expected

    if not expected(exc):
        log.error("A meeting change failed: %r", exc)
    return user_message(exc)


def field_of(exc: BaseException) -> str:
    """The field a refusal names (``Refused.problems``), or "" for the form as a whole."""
    from hubapp.store.errors import Refused

    if isinstance(exc, Refused) and exc.problems:
        return exc.problems[0].field
    return ""


def make_table(model, name: str, parent) -> QTableView:
    t = QTableView(parent, objectName=name)
    t.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setWordWrap(False)
    t.setAlternatingRowColors(True)
    t.verticalHeader().hide()
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 10)
    t.horizontalHeader().setHighlightSections(False)
    return t


def size_columns(table: QTableView, samples: dict[int, str], stretch: int) -> None:
    metrics = table.fontMetrics()
    for column, sample in samples.items():
        table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


# --- planning a meeting -------------------------------------------------------------------


class PlanMeetingDialog(QDialog):
    """Date, time, place and chair of a new meeting; refused values stay for correcting."""

    def __init__(self, store, hub_id: uuid.UUID, hub_name: str, place: str = "",
                 parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(tr("Plan a meeting of the {0} hub").format(hub_name))
        self.store = store
        self.hub_id = hub_id
        self.planned: uuid.UUID | None = None
        #: the planning being saved, or None
        self.task: Task | None = None
        self.day = DateField(tr("dd/mm/yyyy"), self)
        self.day.setObjectName("planDate")
        self.time = QLineEdit("10:00", self, objectName="planTime")
        self.time.setPlaceholderText(tr("HH:MM"))
        self.time.setMaxLength(5)
        self.time.setFixedWidth(self.time.fontMetrics().horizontalAdvance("00:000") + 24)
        self.place = QLineEdit(place, self, objectName="planPlace")
        self.place.setMaxLength(200)
        self.chair = QLineEdit(self, objectName="planChair")
        self.chair.setMaxLength(120)
        self.chair.setPlaceholderText(tr("e.g. Insp. Rhona Baird"))
        self.errors = {name: error_label(self, name) for name in ("meets_on", "starts_at", "")}
        form = QFormLayout()
        form.addRow(tr("&Date:"), self.day)
        form.addRow("", self.errors["meets_on"])
        form.addRow(tr("&Time:"), self.time)
        form.addRow("", self.errors["starts_at"])
        form.addRow(tr("&Place:"), self.place)
        form.addRow(tr("&Chair:"), self.chair)
        self.place.setMinimumWidth(360)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("&Plan the meeting"))
        self.buttons.accepted.connect(self.plan)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors[""])
        layout.addWidget(self.buttons)

    def plan(self) -> Task | None:
        """Plan the meeting in the background; the dialog closes once it is saved, or shows
        the refusal next to its field. None when the date typed is no date."""
        for label in self.errors.values():
            show_error(label, "")
        try:
            day = self.day.date()
        except ValueError:
            day = None
        if day is None:
            show_error(self.errors["meets_on"], tr("Type the date as dd/mm/yyyy, e.g. {0}.")
                       .format(format_date(date.today())))  # fmt: skip
            self.day.setFocus()
            return None
        if self.task is not None:
            return None
        self.buttons.setEnabled(False)
        task = Task(plan_job, self.store, self.hub_id, day, self.time.text(), self.place.text(),
                    self.chair.text())  # fmt: skip
        task.succeeded.connect(self._planned)
        task.failed.connect(self._refused)
        task.finished.connect(self._idle)
        self.task = task
        return task.start()

    def _idle(self) -> None:
        self.task = None
        self.buttons.setEnabled(True)

    def _planned(self, meeting_id) -> None:
        self.planned = meeting_id
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        field = field_of(exc)
        field = field if field in self.errors else ""
        show_error(self.errors[field], describe(exc))
        (self.time if field == "starts_at" else self.day).setFocus()


def plan_job(_ctx, store, hub_id, day, starts_at, place, chair):
    return meetings.plan_meeting(store, hub_id, day, starts_at=starts_at, place=place,
                                 chair=chair)  # fmt: skip


# --- the page -----------------------------------------------------------------------------


class MeetingsPage(QWidget):
    """A hub's meetings; ``attach`` gives it the database."""

    #: the user asked to print the pack of a meeting (hub id, meeting id)
    printPackRequested = Signal(object, object)
    #: a change the other pages show (an action raised)
    actionsChanged = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("meetingsPage")
        self.store = None
        self.lookups = None
        self.station = None
        self.today: date | None = None  # None: the real date (tests fix it)
        #: the case selected in the case list, as (id, reference), or None
        self.case_from_list: Callable[[], tuple[uuid.UUID, str] | None] | None = None
        self.meeting: meetings.MeetingInfo | None = None
        self.meeting_list = MeetingListModel(self)
        self.agenda_model = AgendaModel(self)
        self.attendance_model = AttendanceModel(self)
        self.decisions_model = DecisionsModel(self)
        self.actions_model = RaisedActionsModel(self)
        #: reading the meetings (the latest request wins)
        self._reading = LatestTask(self, self._show_page, self._read_failed)
        #: the change being saved (one at a time), and what to do once it is
        self._saving: Task | None = None
        self._after_save = None
        self._build()
        self._show_meeting(None)

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.hub_combo = QComboBox(self, objectName="meetingsHub")
        self.hub_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.hub_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.list_table = make_table(self.meeting_list, "meetingsTable", self)
        self.list_table.setAccessibleName(tr("Meetings"))
        size_columns(self.list_table, {0: "00/00/0000", 1: "00:00", 2: "Planned",
                                       3: "Cases"}, 0)  # fmt: skip
        self.list_table.selectionModel().currentRowChanged.connect(self._meeting_chosen)
        self.plan_button = QPushButton(tr("&Plan a meeting…"), self, objectName="planMeeting")
        self.plan_button.clicked.connect(self.plan_meeting)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        hub_row = QHBoxLayout()
        hub_label = QLabel(tr("H&ub:"), left)
        hub_label.setBuddy(self.hub_combo)
        hub_row.addWidget(hub_label)
        hub_row.addWidget(self.hub_combo, 1)
        left_layout.addLayout(hub_row)
        meetings_label = QLabel(tr("&Meetings"), left)
        meetings_label.setBuddy(self.list_table)
        meetings_label.setStyleSheet("font-weight:bold;")
        left_layout.addWidget(meetings_label)
        left_layout.addWidget(self.list_table, 1)
        left_layout.addWidget(self.plan_button)

        # the chosen meeting
        self.title = QLabel(self, objectName="meetingTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        heading_font(self.title, 13)
        self.subtitle = QLabel(self, objectName="meetingSubtitle")
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setWordWrap(True)
        self.held_button = QPushButton(tr("Mark as &held"), self, objectName="markHeld")
        self.held_button.setToolTip(tr("The meeting took place: its agenda is then fixed"))
        self.held_button.clicked.connect(self.mark_held)
        self.print_button = QPushButton(tr("P&rint the pack…"), self, objectName="printPack")
        self.print_button.clicked.connect(self._print_pack)
        head = QGridLayout()
        head.addWidget(self.title, 0, 0)
        head.addWidget(self.subtitle, 1, 0)
        head.addWidget(self.held_button, 0, 1)
        head.addWidget(self.print_button, 0, 2)
        head.setColumnStretch(0, 1)
        self.message = QLabel(self, objectName="meetingMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()

        self.tabs = QTabWidget(self, objectName="meetingTabs")
        self.tabs.setAccessibleName(tr("The meeting"))
        self.tabs.addTab(self._build_agenda(), tr("&Agenda"))
        self.tabs.addTab(self._build_attendance(), tr("Atte&ndance"))
        self.tabs.addTab(self._build_decisions(), tr("D&ecisions"))
        self.tabs.addTab(self._build_actions(), tr("Actions ra&ised"))
        self.detail = QWidget(self)
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addLayout(head)
        detail_layout.addWidget(self.message)
        detail_layout.addWidget(self.tabs, 1)
        self.empty = QLabel(self, objectName="meetingsEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        right_layout.addWidget(self.empty, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 1050])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.splitter)

    def _build_agenda(self) -> QWidget:
        page = QWidget(self)
        self.agenda_table = make_table(self.agenda_model, "agendaTable", page)
        self.agenda_table.setAccessibleName(tr("Agenda"))
        size_columns(self.agenda_table, {0: "No.", 1: "COP-2026-00000", 2: "Priority person",
                                         3: "x" * 44, 4: "x" * 14}, 5)  # fmt: skip
        self.agenda_table.selectionModel().currentRowChanged.connect(self._agenda_row)

        add_box = QGroupBox(tr("Add a case to the agenda"), page)
        self.case_ref = QLineEdit(page, objectName="agendaCase")
        self.case_ref.setPlaceholderText(tr("Reference, e.g. CAR-2026-0042"))
        self.case_ref.setMaxLength(40)
        self.use_selected = QPushButton(tr("Use the case &selected in the list"), page,
                                        objectName="agendaUseSelected")  # fmt: skip
        self.use_selected.clicked.connect(self.use_selected_case)
        self.reason_combo = QComboBox(page, objectName="agendaReason")
        for reason in AgendaReason:
            self.reason_combo.addItem(tr(reason.label), reason.value)
        self.why = QLineEdit(page, objectName="agendaWhy")
        self.why.setPlaceholderText(tr("Why it is on the agenda, e.g. repeat reports from "
                                       "residents of the estate"))  # fmt: skip
        self.why.setMaxLength(2000)
        self.add_button = QPushButton(tr("A&dd to the agenda"), page, objectName="agendaAdd")
        self.add_button.clicked.connect(self.add_to_agenda)
        self.why.returnPressed.connect(self.add_to_agenda)
        self.case_ref.returnPressed.connect(self.why.setFocus)
        self.agenda_errors = {n: error_label(page, n) for n in ("case", "why", "")}
        grid = QGridLayout(add_box)
        case_label = QLabel(tr("&Case:"), page)
        case_label.setBuddy(self.case_ref)
        grid.addWidget(case_label, 0, 0, Qt.AlignmentFlag.AlignRight)
        case_row = QHBoxLayout()
        case_row.addWidget(self.case_ref)
        case_row.addWidget(self.use_selected)
        grid.addLayout(case_row, 0, 1)
        reason_label = QLabel(tr("Reas&on:"), page)
        reason_label.setBuddy(self.reason_combo)
        grid.addWidget(reason_label, 0, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.reason_combo, 0, 3)
        grid.addWidget(self.agenda_errors["case"], 1, 1, 1, 3)
        why_label = QLabel(tr("&Why:"), page)
        why_label.setBuddy(self.why)
        grid.addWidget(why_label, 2, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.why, 2, 1, 1, 2)
        grid.addWidget(self.add_button, 2, 3)
        grid.addWidget(self.agenda_errors["why"], 3, 1, 1, 3)
        grid.addWidget(self.agenda_errors[""], 4, 1, 1, 3)
        grid.setColumnStretch(1, 1)

        remove_box = QGroupBox(tr("Take the selected case off the agenda"), page)
        self.remove_reason = QLineEdit(page, objectName="agendaRemoveReason")
        self.remove_reason.setPlaceholderText(tr("Why it comes off, e.g. resolved before the "
                                                 "meeting"))  # fmt: skip
        self.remove_reason.setMaxLength(2000)
        self.remove_button = QPushButton(tr("Re&move from the agenda"), page,
                                         objectName="agendaRemove")  # fmt: skip
        self.remove_button.clicked.connect(self.remove_from_agenda)
        self.remove_reason.returnPressed.connect(self.remove_from_agenda)
        self.remove_error = error_label(page, "remove")
        remove_grid = QGridLayout(remove_box)
        remove_label = QLabel(tr("Reason for &taking it off:"), page)
        remove_label.setBuddy(self.remove_reason)
        remove_grid.addWidget(remove_label, 0, 0)
        remove_grid.addWidget(self.remove_reason, 0, 1)
        remove_grid.addWidget(self.remove_button, 0, 2)
        remove_grid.addWidget(self.remove_error, 1, 1, 1, 2)
        remove_grid.setColumnStretch(1, 1)
        self.agenda_fixed = QLabel(tr("This meeting has been held: its agenda is fixed."), page)
        self.agenda_fixed.setStyleSheet("color:#555; font-style:italic;")
        self.agenda_forms = (add_box, remove_box)

        layout = QVBoxLayout(page)
        layout.addWidget(self.agenda_table, 1)
        layout.addWidget(self.agenda_fixed)
        layout.addWidget(add_box)
        layout.addWidget(remove_box)
        return page

    def _build_attendance(self) -> QWidget:
        page = QWidget(self)
        self.attendance_table = make_table(self.attendance_model, "attendanceTable", page)
        self.attendance_table.setAccessibleName(tr("Attendance"))
        size_columns(self.attendance_table, {0: "x" * 40, 1: "Apologies"}, 2)
        self.attendance_table.selectionModel().currentRowChanged.connect(self._attendance_row)
        box = QGroupBox(tr("Record an agency's attendance"), page)
        self.att_agency = QComboBox(page, objectName="attendanceAgency")
        self.att_present = QRadioButton(tr("Presen&t"), page, objectName="attendancePresent")
        self.att_apologies = QRadioButton(tr("Apo&logies"), page,
                                          objectName="attendanceApologies")  # fmt: skip
        self.att_present.setChecked(True)
        group = QButtonGroup(page)
        group.addButton(self.att_present)
        group.addButton(self.att_apologies)
        self.att_names = QLineEdit(page, objectName="attendanceNames")
        self.att_names.setPlaceholderText(tr("Who came, e.g. PC Amy Hart, PCSO Tom Reed"))
        self.att_names.setMaxLength(2000)
        self.att_names.returnPressed.connect(self.record_attendance)
        self.att_apologies.toggled.connect(lambda on: self.att_names.setEnabled(not on))
        self.att_button = QPushButton(tr("Rec&ord attendance"), page, objectName="attendanceSave")
        self.att_button.clicked.connect(self.record_attendance)
        self.att_error = error_label(page, "attendance")
        grid = QGridLayout(box)
        agency_label = QLabel(tr("A&gency:"), page)
        agency_label.setBuddy(self.att_agency)
        grid.addWidget(agency_label, 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.att_agency, 0, 1)
        grid.addWidget(self.att_present, 0, 2)
        grid.addWidget(self.att_apologies, 0, 3)
        names_label = QLabel(tr("&Who came:"), page)
        names_label.setBuddy(self.att_names)
        grid.addWidget(names_label, 1, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.att_names, 1, 1, 1, 3)
        grid.addWidget(self.att_button, 1, 4)
        grid.addWidget(self.att_error, 2, 1, 1, 4)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.attendance_table, 1)
        layout.addWidget(box)
        return page

    def _build_decisions(self) -> QWidget:
        page = QWidget(self)
        self.decisions_table = make_table(self.decisions_model, "decisionsTable", page)
        self.decisions_table.setAccessibleName(tr("Decisions"))
        size_columns(self.decisions_table, {0: "The meeting as a whole", 2: "x" * 16}, 1)
        box = QGroupBox(tr("Record a decision"), page)
        self.decision_about = QComboBox(page, objectName="decisionAbout")
        self.decision_text = QPlainTextEdit(page, objectName="decisionText")
        self.decision_text.setTabChangesFocus(True)
        self.decision_text.setPlaceholderText(tr("What the meeting decided"))
        self.decision_text.setFixedHeight(self.decision_text.fontMetrics().height() * 3 + 14)
        self.decision_button = QPushButton(tr("Record the de&cision"), page,
                                           objectName="decisionSave")  # fmt: skip
        self.decision_button.clicked.connect(self.record_decision)
        self.decision_error = error_label(page, "decision")
        self.raise_button = QPushButton(tr("Raise an action &from the selected decision…"),
                                        page, objectName="decisionRaise")  # fmt: skip
        self.raise_button.clicked.connect(self.raise_from_decision)
        grid = QGridLayout(box)
        about_label = QLabel(tr("A&bout:"), page)
        about_label.setBuddy(self.decision_about)
        grid.addWidget(about_label, 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.decision_about, 0, 1)
        text_label = QLabel(tr("Decisi&on:"), page)
        text_label.setBuddy(self.decision_text)
        grid.addWidget(text_label, 1, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.decision_text, 1, 1, 1, 2)
        grid.addWidget(self.decision_button, 1, 3, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.decision_error, 2, 1, 1, 3)
        grid.setColumnStretch(2, 1)
        under = QHBoxLayout()
        under.addStretch(1)
        under.addWidget(self.raise_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.decisions_table, 1)
        layout.addLayout(under)
        layout.addWidget(box)
        return page

    def _build_actions(self) -> QWidget:
        page = QWidget(self)
        self.actions_table = make_table(self.actions_model, "raisedActionsTable", page)
        self.actions_table.setAccessibleName(tr("Actions raised at the meeting"))
        size_columns(self.actions_table, {0: "COP-2026-00000", 1: "x" * 14, 3: "x" * 16,
                                          4: "00/00/0000", 5: "In progress"}, 2)  # fmt: skip
        box = QGroupBox(tr("Raise an action"), page)
        self.action_case = QComboBox(page, objectName="actionCase")
        self.action_agency = QComboBox(page, objectName="actionAgency")
        self.action_text = QLineEdit(page, objectName="actionText")
        self.action_text.setPlaceholderText(tr("What is to be done"))
        self.action_text.setMaxLength(2000)
        self.action_owner = QLineEdit(page, objectName="actionOwner")
        self.action_owner.setPlaceholderText(tr("Who does it, e.g. PC 1234 Hart"))
        self.action_owner.setMaxLength(120)
        self.action_due = DateField(tr("dd/mm/yyyy"), page)
        self.action_due.setObjectName("actionDue")
        self.action_button = QPushButton(tr("Raise the a&ction"), page, objectName="actionSave")
        self.action_button.clicked.connect(self.raise_action)
        self.action_errors = {n: error_label(page, n) for n in
                              ("case", "description", "owner", "due_on", "")}  # fmt: skip
        grid = QGridLayout(box)

        def row(r: int, text: str, widget, name: str | None, column: int = 0) -> None:
            label = QLabel(text, page)
            label.setBuddy(widget.focusProxy() or widget)
            if isinstance(widget, DateField):  # read out by its line edit
                widget.set_name(text)
            grid.addWidget(label, r, column, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, r, column + 1)
            if name:
                grid.addWidget(self.action_errors[name], r + 1, column + 1)

        row(0, tr("Ca&se:"), self.action_case, "case")
        row(0, tr("A&gency:"), self.action_agency, None, 2)
        row(2, tr("Ac&tion:"), self.action_text, "description")
        row(2, tr("O&wner:"), self.action_owner, "owner", 2)
        row(4, tr("Due &date:"), self.action_due, "due_on")
        grid.addWidget(self.action_button, 4, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.action_errors[""], 6, 1, 1, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 1)
        note = QLabel(tr("Actions raised here are the case's ordinary actions: the assignment "
                         "grid and the agency's list show them too. An agency with no part "
                         "in the case becomes support."), page)  # fmt: skip
        note.setWordWrap(True)
        note.setStyleSheet("color:#555;")
        layout = QVBoxLayout(page)
        layout.addWidget(self.actions_table, 1)
        layout.addWidget(box)
        layout.addWidget(note)
        return page

    # -- the database ------------------------------------------------------------------
    def attach(self, store, lookups, station) -> None:
        self.store, self.lookups, self.station = store, lookups, station
        self.hub_combo.blockSignals(True)
        self.hub_combo.clear()
        for hub in lookups.hub_list(active_only=True):
            self.hub_combo.addItem(tr("{0} hub").format(hub.name), hub.id.hex)
        if station is not None:
            self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(station.hub_id.hex)))
        self.hub_combo.blockSignals(False)
        agencies = sorted(lookups.agencies.values(), key=lambda a: a.name)
        for combo in (self.att_agency, self.action_agency):
            combo.clear()
            for agency in agencies:
                combo.addItem(agency.name, agency.id.hex)
        self.reload()

    def hub_id(self) -> uuid.UUID | None:
        value = self.hub_combo.currentData()
        return uuid.UUID(hex=value) if value else None

    def _today(self) -> date:
        return self.today or date.today()

    def reload(self, select: uuid.UUID | None = None) -> None:
        """Read the hub's meetings again, in the background; keep (or choose) the selected
        one."""
        if self.store is None or self.hub_id() is None:
            return
        keep = select or (self.meeting.id if self.meeting else None)
        self._reading.start(read_page, self.store, self.hub_id(), keep, self._today(), True)

    @property
    def busy(self) -> bool:
        """A change is being saved, or the meetings read."""
        return self._saving is not None or self._reading.running

    def _read_failed(self, exc: BaseException) -> None:
        self._say(describe(exc), error=True)

    def _show_page(self, page: PageData) -> None:
        """Show what was read: the list (when read) and the chosen meeting."""
        if page.lines is not None:
            self.meeting_list.set_lines(page.lines)
        if page.info is None:
            self._show_meeting(None)
            return
        self.meeting = page.info
        row = self.meeting_list.row_of(page.info.id)
        if row is not None and self.list_table.currentIndex().row() != row:
            self.list_table.selectRow(row)
        self._show_info(page.info, page.raised)

    def _meeting_chosen(self, current, _previous) -> None:
        line = current.data(LineRole) if current.isValid() else None
        if line is not None and (self.meeting is None or self.meeting.id != line.id):
            self._show_meeting(line.id)

    def _show_meeting(self, meeting_id: uuid.UUID | None) -> None:
        self._say("")
        if meeting_id is None or self.store is None:
            self.meeting = None
            for model in (self.agenda_model, self.decisions_model, self.actions_model):
                model.set_lines([])
            self.attendance_model.set_lines([])
            self.detail.hide()
            self.empty.show()
            hub = self.hub_combo.currentText() or tr("this hub")
            self.empty.setText(
                tr(
                    "No meetings of the {0} yet.\n\nPress Plan a meeting… "
                    "(Alt+P) to set the date of the next one."
                ).format(hub)
            )
            return
        self._reading.start(read_page, self.store, self.hub_id(), meeting_id, self._today(),
                            False)  # fmt: skip

    def _show_info(self, info, raised) -> None:
        self.meeting = info
        self.empty.hide()
        self.detail.show()
        when = info.meets_on.strftime("%A ") + format_date(info.meets_on)
        if info.starts_at:
            when += tr(" at {0}").format(info.starts_at)
        self.title.setText(tr("{hub} hub meeting, {when}").format(hub=info.hub, when=when))
        bits = [status_label(info.status)]
        if info.place:
            bits.append(info.place)
        if info.chair:
            bits.append(tr("Chair: {0}").format(info.chair))
        live = sum(1 for a in info.agenda if not a.removed)
        bits.append(tr("{0} on the agenda").format(
            tr("1 case") if live == 1 else tr("{0} cases").format(live)))  # fmt: skip
        self.subtitle.setText(" · ".join(bits))
        held = info.status == MeetingStatus.HELD.value
        self.held_button.setEnabled(not held)
        self.agenda_fixed.setVisible(held)
        for box in self.agenda_forms:
            box.setEnabled(not held)
        self.agenda_model.set_lines(info.agenda)
        self._agenda_row(self.agenda_table.currentIndex(), None)
        agencies = sorted(self.lookups.agencies.values(), key=lambda a: a.name)
        self.attendance_model.set_attendance(agencies, info.attendance)
        self.decisions_model.set_lines(info.decisions)
        self.actions_model.set_lines(raised)
        self.tabs.setTabText(0, tr("&Agenda ({0})").format(live))
        self.tabs.setTabText(1, tr("Atte&ndance ({0})").format(len(info.attendance)))
        self.tabs.setTabText(2, tr("D&ecisions ({0})").format(len(info.decisions)))
        self.tabs.setTabText(3, tr("Actions ra&ised ({0})").format(len(raised)))
        self._fill_case_combos()

    def _fill_case_combos(self) -> None:
        live = self.agenda_model.live_lines()
        for combo, whole in ((self.decision_about, True), (self.action_case, False)):
            keep = combo.currentData()
            combo.clear()
            if whole:
                combo.addItem(tr("The meeting as a whole"), "")
            for item in live:
                combo.addItem(item.case_reference, item.case_id.hex)
            combo.setCurrentIndex(max(0, combo.findData(keep)) if keep is not None else 0)

    def _say(self, text: str, error: bool = False) -> None:
        error_style = "background:#fdecea; color:#7a1212; border:1px solid #e6a5a5;"
        banner.show_banner(self.message, text, error_style if error else banner.DONE, padding=4)

    # -- saving --------------------------------------------------------------------------
    def _save(self, write, done: str, ok=None, failed=None) -> Task | None:
        """Make one change in the background (``write()``), then read the meeting again in the
        same step and say ``done``; ``ok(value)`` after it, ``failed(exc)`` on a refusal (by
        default the sentence above the tabs). None while another change is being saved."""
        if self._saving is not None:
            self._say(tr("Still saving the last change…"))
            return None
        self._say(tr("Saving…"))
        task = Task(save_and_read, write, self.store, self.hub_id(),
                    self.meeting.id if self.meeting else None, self._today())  # fmt: skip
        self._after_save = (done, ok, failed)
        # bound methods: a page closed meanwhile is not called (the change is still saved)
        task.succeeded.connect(self._saved)
        task.failed.connect(self._not_saved)
        task.finished.connect(self._save_finished)
        self._saving = task
        return task.start()

    def _saved(self, result) -> None:
        done, ok, _failed = self._after_save
        value, page = result
        self._saving = None
        self._reading.cancel()  # what was read before this change is out of date
        self._show_page(page)
        self._say(done)
        if ok is not None:
            ok(value)

    def _not_saved(self, exc: BaseException) -> None:
        _done, _ok, failed = self._after_save
        self._say("")
        if failed is not None:
            failed(exc)
        else:
            self._say(describe(exc), error=True)

    def _save_finished(self) -> None:
        self._saving = None

    # -- meetings ------------------------------------------------------------------------
    def plan_meeting(self) -> PlanMeetingDialog | None:
        """Open the planning form; returns it (open) so tests can fill it."""
        if self.store is None or self.hub_id() is None:
            return None
        place = self.station.station_name if self.station and \
            self.station.hub_id == self.hub_id() else ""  # fmt: skip
        dialog = PlanMeetingDialog(self.store, self.hub_id(), self.hub_combo.currentText()
                                   .removesuffix(" hub"), place, self)  # fmt: skip
        dialog.accepted.connect(lambda: self._planned(dialog.planned))
        dialog.open()
        return dialog

    def _planned(self, meeting_id) -> None:
        if meeting_id is not None:
            self.reload(select=meeting_id)
            self._say(tr("Meeting planned. Add the cases for its agenda below."))
            self.case_ref.setFocus()

    def mark_held(self) -> Task | None:
        if self.meeting is None:
            return None
        meeting_id, store = self.meeting.id, self.store
        return self._save(lambda: meetings.mark_held(store, meeting_id),
                          tr("Marked as held. Attendance, decisions and actions can still be "
                             "recorded."))  # fmt: skip

    def _print_pack(self) -> None:
        if self.meeting is not None:
            self.printPackRequested.emit(self.meeting.hub_id, self.meeting.id)

    # -- agenda --------------------------------------------------------------------------
    def use_selected_case(self) -> None:
        chosen = self.case_from_list() if self.case_from_list else None
        if chosen is None:
            show_error(self.agenda_errors["case"],
                       tr("No case is selected in the case list (Ctrl+1): select one there, "
                          "or type its reference."))  # fmt: skip
            return
        show_error(self.agenda_errors["case"], "")
        self.case_ref.setText(chosen[1])
        self.why.setFocus()

    def add_to_agenda(self) -> Task | None:
        for label in self.agenda_errors.values():
            show_error(label, "")
        if self.meeting is None:
            return None
        reference = self.case_ref.text().strip()
        if not reference:
            show_error(self.agenda_errors["case"], tr("Type the case's reference, or use the "
                                                      "case selected in the list."))  # fmt: skip
            self.case_ref.setFocus()
            return None
        if not self.why.text().strip():
            show_error(self.agenda_errors["why"], tr("Say why the case is on the agenda."))
            self.why.setFocus()
            return None
        store, meeting_id = self.store, self.meeting.id
        reason, why = self.reason_combo.currentData(), self.why.text()

        def write():
            case_id, found = case_by_reference(store, reference)  # no such case: the case field
            meetings.add_agenda_item(store, meeting_id, case_id, reason, why)
            return found

        def added(found: str) -> None:
            self.case_ref.clear()
            self.why.clear()
            self._say(tr("{0} added to the agenda.").format(found))
            self.case_ref.setFocus()

        def refused(exc: BaseException) -> None:
            field = "why" if field_of(exc) == "reason_text" else "case"
            show_error(self.agenda_errors[field], describe(exc))
            (self.why if field == "why" else self.case_ref).setFocus()

        return self._save(write, "", added, refused)

    def _agenda_row(self, current, _previous) -> None:
        line = current.data(LineRole) if current.isValid() else None
        self.remove_button.setEnabled(line is not None and not line.removed)

    def remove_from_agenda(self) -> Task | None:
        show_error(self.remove_error, "")
        index = self.agenda_table.currentIndex()
        line = index.data(LineRole) if index.isValid() else None
        if line is None:
            show_error(self.remove_error, tr("Select the case to take off in the agenda above."))
            self.agenda_table.setFocus()
            return None
        store, why = self.store, self.remove_reason.text()

        def refused(exc: BaseException) -> None:
            show_error(self.remove_error, describe(exc))
            self.remove_reason.setFocus()

        return self._save(lambda: meetings.remove_agenda_item(store, line.id, why),
                          tr("{0} taken off the agenda; the reason is kept.")
                          .format(line.case_reference),
                          lambda _value: self.remove_reason.clear(), refused)  # fmt: skip

    # -- attendance ----------------------------------------------------------------------
    def _attendance_row(self, current, _previous) -> None:
        pair = current.data(LineRole) if current.isValid() else None
        if pair is None:
            return
        agency, line = pair
        self.att_agency.setCurrentIndex(max(0, self.att_agency.findData(agency.id.hex)))
        if line is not None:
            (self.att_present if line.status == Attendance.PRESENT.value
             else self.att_apologies).setChecked(True)  # fmt: skip
            self.att_names.setText(line.attendees)

    def record_attendance(self) -> Task | None:
        show_error(self.att_error, "")
        if self.meeting is None or not self.att_agency.currentData():
            return None
        status = (Attendance.APOLOGIES if self.att_apologies.isChecked()
                  else Attendance.PRESENT).value  # fmt: skip
        names = "" if status == Attendance.APOLOGIES.value else self.att_names.text()
        store, meeting_id = self.store, self.meeting.id
        agency_id = uuid.UUID(hex=self.att_agency.currentData())

        def refused(exc: BaseException) -> None:
            show_error(self.att_error, describe(exc))
            self.att_names.setFocus()

        return self._save(lambda: meetings.set_attendance(store, meeting_id, agency_id, status,
                                                          names),
                          tr("Attendance recorded for {0}.").format(self.att_agency.currentText()),
                          lambda _value: self.att_names.clear(), refused)  # fmt: skip

    # -- decisions and actions ----------------------------------------------------------
    def record_decision(self) -> Task | None:
        show_error(self.decision_error, "")
        if self.meeting is None:
            return None
        about = self.decision_about.currentData()
        store, meeting_id, text = self.store, self.meeting.id, self.decision_text.toPlainText()
        case_id = uuid.UUID(hex=about) if about else None

        def refused(exc: BaseException) -> None:
            show_error(self.decision_error, describe(exc))
            self.decision_text.setFocus()

        return self._save(lambda: meetings.record_decision(store, meeting_id, text, case_id),
                          tr("Decision recorded."), lambda _value: self.decision_text.clear(),
                          refused)  # fmt: skip

    def raise_from_decision(self) -> None:
        """Carry the selected decision over to the action form (its case and text)."""
        index = self.decisions_table.currentIndex()
        line = index.data(LineRole) if index.isValid() else None
        if line is None:
            show_error(self.decision_error, tr("Select a decision in the list first."))
            return
        if line.case_id is not None:
            self.action_case.setCurrentIndex(max(0, self.action_case.findData(line.case_id.hex)))
        if not self.action_text.text().strip():  # never overwrite what is typed
            self.action_text.setText(" ".join(line.text.split())[:2000])
        self.tabs.setCurrentIndex(3)
        (self.action_agency if line.case_id is not None else self.action_case).setFocus()

    def raise_action(self) -> Task | None:
        from hubapp.store.casework.actions import ActionDraft, ActionError

        for label in self.action_errors.values():
            show_error(label, "")
        if self.meeting is None:
            return None
        case = self.action_case.currentData()
        if not case:
            show_error(
                self.action_errors["case"],
                tr("Put the case on the agenda first; actions are raised on its cases."),
            )
            return None
        try:
            due = self.action_due.date()
        except ValueError:
            show_error(self.action_errors["due_on"], tr("Type the due date as dd/mm/yyyy, "
                                                        "e.g. {0}.").format(
                format_date(self._today())))  # fmt: skip
            self.action_due.setFocus()
            return None
        draft = ActionDraft(self.action_text.text(), self.action_owner.text(), due)
        store, meeting_id, today = self.store, self.meeting.id, self._today()
        case_id, agency_id = uuid.UUID(hex=case), uuid.UUID(hex=self.action_agency.currentData())

        def raised(_value) -> None:
            for w in (self.action_text, self.action_owner):
                w.clear()
            self.action_due.set_date(None)
            self.actionsChanged.emit()

        def refused(exc: BaseException) -> None:
            if not isinstance(exc, ActionError):
                show_error(self.action_errors[""], describe(exc))
                return
            problems = exc.problems or []
            for p in problems:
                show_error(self.action_errors.get(p.field, self.action_errors[""]), p.message)
            if not problems:
                show_error(self.action_errors[""], str(exc))
            focus = {"description": self.action_text, "owner": self.action_owner,
                     "due_on": self.action_due}  # fmt: skip
            if problems and problems[0].field in focus:
                focus[problems[0].field].setFocus()

        return self._save(
            lambda: meetings.raise_action(store, meeting_id, case_id, agency_id, draft,
                                          assign_if_missing=True, today=today),
            tr("Action raised for {0}.").format(self.action_agency.currentText()), raised,
            refused,
        )  # fmt: skip


def case_by_reference(store, reference: str) -> tuple[uuid.UUID, str]:
    """The id and reference of a live case; DocumentError in one sentence if there is none."""
    from hubapp.documents.printing import find_case

    with store.read() as s:
        case = find_case(s, reference)
        return case.id, case.reference


class PageData(NamedTuple):
    """What the page shows, as read in the background."""

    lines: list | None  # the hub's meetings (None: not read again)
    info: meetings.MeetingInfo | None  # the chosen meeting
    raised: list  # the actions raised at it


def read_page(_ctx, store, hub_id: uuid.UUID, keep: uuid.UUID | None, today: date,
              with_list: bool = True) -> PageData:  # fmt: skip
    """Background work: the hub's meetings (``with_list``) and the one to show: ``keep``
    while it is listed, else the next planned meeting, else the latest."""
    lines = None
    if with_list:
        lines = meetings.list_meetings(store, hub_id)
        if keep is None or all(m.id != keep for m in lines):
            upcoming = [m for m in lines if m.status == MeetingStatus.PLANNED.value
                        and m.meets_on >= today]  # fmt: skip
            keep = upcoming[-1].id if upcoming else (lines[0].id if lines else None)
    if keep is None:
        return PageData(lines, None, [])
    return PageData(lines, meetings.load_meeting(store, keep), meetings.raised_actions(store, keep))


def save_and_read(ctx, write, store, hub_id, meeting_id, today: date):
    """Background work: make the change (``write()``), then read the page again."""
    value = write()
    return value, read_page(ctx, store, hub_id, meeting_id, today)
