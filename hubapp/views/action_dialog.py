"""One agency's actions on one case: list, add, edit, complete, cancel, reopen, reassign.

Every button calls one function of ``hubapp.store.casework.actions`` with the version of the action
the form was loaded from, in the background (the list is read again in the same step): the
window never waits for another program's hold on the database. What the rules refuse is
shown next to the field it concerns (``ActionError.problems``), and the form keeps everything
typed. A change made meanwhile in another window (``EditConflict``) is one sentence: the list
is read again and what was typed stays, to be saved again over the new version if still
wanted.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date
from typing import NamedTuple

from PySide6.QtCore import QCoreApplication, QDate, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from hubapp.domain.codes import OPEN_ACTION_STATUSES, ActionStatus
from hubapp.domain.formatting import format_date
from hubapp.models.agency_actions import CaseActionsModel
from hubapp.models.tasks import LatestTask, Task
from hubapp.views import banner
from hubapp.views.accessible import label_text

log = logging.getLogger(__name__)

_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def tr(text: str) -> str:
    return QCoreApplication.translate("ActionDialog", text)


class NoSuchDate(ValueError):
    """Written as a date, but there is no such day (31/02/2027)."""


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (or d/m/yy, with / . or -) or ISO yyyy-mm-dd; None for empty text;
    NoSuchDate for a date written right that does not exist; ValueError for anything else."""
    if not text.strip():
        return None
    m = _ISO.match(text)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DATE.match(text)
        if not m:
            raise ValueError(text)
        year, month, day = int(m[3]), int(m[2]), int(m[1])
        if len(m[3]) == 2:
            year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        if 1 <= month <= 12 and 1 <= day <= 31 and year >= 1:
            raise NoSuchDate(text.strip()) from None  # 31/02, 29/02 in a common year
        raise


def date_problem(field: str, text: str, what: str, today: date):
    """The Problem for a date that could not be read: one that does not exist is named."""
    from hubapp.store.errors import Problem

    try:
        parse_date(text)
    except NoSuchDate:
        return Problem(field, tr("There is no {0}.").format(text.strip()))
    except ValueError:
        return Problem(field, tr("Type the {0} as dd/mm/yyyy, e.g. {1}.").format(
            what, format_date(today)))  # fmt: skip
    return None


class DateField(QWidget):
    """A date typed as dd/mm/yyyy, or picked from a calendar; may be left empty."""

    def __init__(self, placeholder: str, parent=None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMaxLength(20)
        width = self.edit.fontMetrics().horizontalAdvance("00/00/00000") + 24
        self.edit.setFixedWidth(width)
        pick = QToolButton(self)
        pick.setText(tr("Calendar"))
        pick.setToolTip(tr("Pick the date from a calendar"))
        pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(pick)
        self.calendar = QCalendarWidget(menu)
        self.calendar.setGridVisible(True)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._prepare_calendar)
        self.calendar.clicked.connect(lambda d: (self.set_date(d.toPython()), menu.close()))
        self.calendar.activated.connect(lambda d: (self.set_date(d.toPython()), menu.close()))
        pick.setMenu(menu)
        self.pick = pick
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit)
        layout.addWidget(pick)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)

    def showEvent(self, event) -> None:
        # the label's buddy is this field, the focus its line edit's: a screen reader reads
        # the line edit, so it takes the label's words (and the button says whose calendar)
        if not self.edit.accessibleName():
            self.set_name(self.accessibleName() or label_text(self))
        super().showEvent(event)

    def set_name(self, name: str) -> None:
        """What a screen reader calls the field (its label's words, without "&" or ":")."""
        name = name.replace("&&", "\0").replace("&", "").replace("\0", "&").strip().rstrip(":")
        if name:
            self.edit.setAccessibleName(name)
            self.pick.setAccessibleName(tr("Calendar for {what}").format(what=name))

    def _prepare_calendar(self) -> None:
        try:
            current = parse_date(self.edit.text())
        except ValueError:
            current = None
        self.calendar.setSelectedDate(QDate(current or date.today()))

    def set_date(self, value: date | None) -> None:
        self.edit.setText(format_date(value) if value else "")

    def date(self) -> date | None:
        """The date typed; ValueError if it is not one."""
        return parse_date(self.edit.text())


class ActionDialog(QDialog):
    """The actions of one agency on one case."""

    #: actions or parts of these cases changed (list of case ids): a view shows them again
    casesChanged = Signal(object)

    def __init__(self, store, case_id: uuid.UUID, agency_id: uuid.UUID, parent=None,
                 today: date | None = None, select_action: uuid.UUID | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("actionDialog")
        self.store = store
        self.case_id = case_id
        self.agency_id = agency_id
        self._today = today
        self._line = None  # the action the form holds, or None for a new one
        self._dirty = False
        #: the change being saved (the buttons wait for it), or None
        self._saving: Task | None = None
        self._keep: uuid.UUID | None = None
        self._reading = LatestTask(self, self._show_lines, self._read_failed)
        #: the case (a GridCase) and the hub's agencies, once read with the first list
        self.case = None
        self.agencies: list = []
        self.agency_name = ""
        self.setWindowTitle(tr("Actions"))
        self._build()
        #: the action to show once the list has been read
        self._select_when_read = select_action
        self.reload()
        self.new_action()

    def today(self) -> date:
        return self._today or date.today()

    # -- construction --------------------------------------------------------------------
    def _build(self) -> None:
        title = QLabel(self, objectName="actionTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        self.title = title
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        summary = QLabel(self, objectName="actionCaseSummary")
        summary.setTextFormat(Qt.TextFormat.PlainText)
        summary.setWordWrap(True)
        self.summary = summary

        self.message = QLabel(self, objectName="actionMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()

        self.model = CaseActionsModel(self)
        t = QTableView(self, objectName="actionList")
        t.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        t.setAccessibleName(tr("The agency's actions on this case"))
        t.setModel(self.model)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.verticalHeader().hide()
        t.setWordWrap(False)
        t.setSortingEnabled(False)
        header = t.horizontalHeader()
        header.setStretchLastSection(False)
        metrics = t.fontMetrics()
        for column, sample in ((0, "00/00/0000"), (1, "In progress · Due soon"), (3, "Tenancy Enforcement Officer"),
                               (4, "00/00/0000")):  # fmt: skip
            t.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        t.selectionModel().currentRowChanged.connect(self._on_current)
        t.setMinimumHeight(130)
        self.table = t

        # the form: what an action is
        self.description = QPlainTextEdit(self, objectName="actionDescription")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(metrics.height() * 3 + 14)
        self.owner = QLineEdit(self, objectName="actionOwner")
        self.owner.setPlaceholderText(tr("Who does it, e.g. PC 1234 Smith"))
        self.owner.setMaxLength(200)
        self.due = DateField(tr("dd/mm/yyyy"), self)
        self.due.setObjectName("actionDue")
        self.status = QComboBox(self, objectName="actionStatus")
        for status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS):
            self.status.addItem(status.label, status.value)
        self.errors: dict[str, QLabel] = {}
        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(2)
        self._row(form, 0, tr("&Action:"), self.description, "description", span=3)
        self._row(form, 2, tr("O&wner:"), self.owner, "owner")
        self._row(form, 2, tr("D&ue date:"), self.due, "due_on", column=2)
        self._row(form, 4, tr("S&tatus:"), self.status, "status")
        form.setColumnStretch(1, 2)
        form.setColumnStretch(3, 1)
        self.new_button = QPushButton(tr("&New action"), self, objectName="actionNew")
        self.new_button.clicked.connect(self.new_action)
        self.save_button = QPushButton(tr("&Save"), self, objectName="actionSave")
        self.save_button.clicked.connect(self.save)
        self.save_button.setDefault(True)
        buttons = QHBoxLayout()
        self.form_title = QLabel(self, objectName="actionFormTitle")
        buttons.addWidget(self.form_title, 1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        form.addLayout(buttons, 6, 0, 1, 4)
        edit_box = QGroupBox(tr("The action"), self)
        edit_box.setLayout(form)

        # finishing or moving it
        self.outcome = QPlainTextEdit(self, objectName="actionOutcome")
        self.outcome.setTabChangesFocus(True)
        self.outcome.setFixedHeight(metrics.height() * 2 + 12)
        self.outcome.setPlaceholderText(tr("What was done (to complete), or why it is no longer "
                                           "needed (to cancel)"))  # fmt: skip
        self.completed = DateField(tr("dd/mm/yyyy"), self)
        self.completed.setObjectName("actionCompleted")
        self.complete_button = QPushButton(tr("&Mark done"), self, objectName="actionComplete")
        self.complete_button.clicked.connect(self.complete)
        self.cancel_button = QPushButton(tr("Ca&ncel the action"), self, objectName="actionCancel")
        self.cancel_button.clicked.connect(self.cancel_action)
        self.reopen_button = QPushButton(tr("Re&open"), self, objectName="actionReopen")
        self.reopen_button.clicked.connect(self.reopen)
        self.reassign_to = QComboBox(self, objectName="actionReassignTo")
        self.reassign_button = QPushButton(tr("&Reassign"), self, objectName="actionReassign")
        self.reassign_button.clicked.connect(self.reassign)
        finish = QGridLayout()
        finish.setHorizontalSpacing(8)
        finish.setVerticalSpacing(2)
        self._row(finish, 0, tr("Out&come:"), self.outcome, "outcome", span=3)
        self._row(finish, 2, tr("Completed o&n:"), self.completed, "completed_on")
        done_row = QHBoxLayout()
        done_row.addWidget(self.complete_button)
        done_row.addWidget(self.cancel_button)
        done_row.addWidget(self.reopen_button)
        done_row.addStretch(1)
        finish.addLayout(done_row, 2, 2, 1, 2)
        move = QHBoxLayout()
        move_label = QLabel(tr("Reassign &to:"), self)
        move_label.setBuddy(self.reassign_to)
        move.addWidget(move_label)
        move.addWidget(self.reassign_to, 1)
        move.addWidget(self.reassign_button)
        finish.addLayout(move, 4, 0, 1, 4)
        self.errors["agency"] = self._error_label("agency")
        finish.addWidget(self.errors["agency"], 5, 1, 1, 3)
        finish.setColumnStretch(1, 2)
        finish.setColumnStretch(3, 1)
        self.finish_box = QGroupBox(tr("Finish or move it"), self)
        self.finish_box.setLayout(finish)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        close.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(summary)
        layout.addWidget(self.message)
        layout.addWidget(t, 1)
        self.empty_hint = QLabel(tr("No actions yet: type one below and press Add the action."),
                                 self, objectName="actionEmpty")  # fmt: skip
        layout.addWidget(self.empty_hint)
        layout.addWidget(edit_box)
        layout.addWidget(self.finish_box)
        layout.addWidget(close)
        for w in (self.description, self.outcome):
            w.textChanged.connect(self._typed)
        for w in (self.owner, self.due.edit, self.completed.edit):
            w.textEdited.connect(self._typed)
        save = QShortcut(QKeySequence("Ctrl+S"), self)
        save.activated.connect(self.save)
        self.resize(900, 660)

    def _row(self, grid: QGridLayout, row: int, text: str, field, name: str, column: int = 0,
             span: int = 1) -> None:  # fmt: skip
        label = QLabel(text, self)
        label.setBuddy(field.focusProxy() or field if isinstance(field, DateField) else field)
        grid.addWidget(label, row, column, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        grid.addWidget(field, row, column + 1, 1, span)
        error = self._error_label(name)
        self.errors[name] = error
        grid.addWidget(error, row + 1, column + 1, 1, span)

    def _error_label(self, name: str) -> QLabel:
        error = QLabel(self, objectName=f"error-{name}")
        error.setTextFormat(Qt.TextFormat.PlainText)
        error.setWordWrap(True)
        error.setStyleSheet("color:#a4161a; font-weight:bold;")
        error.hide()
        return error

    # -- showing -------------------------------------------------------------------------
    def reload(self, select: uuid.UUID | None = None) -> None:
        """Read the agency's actions on the case again, in the background; keep the selection
        if it is there."""
        self._keep = select or (self._line.id if self._line is not None else None)
        read = read_lines if self.case is not None else read_heading_and_lines
        self._reading.start(read, self.store, self.case_id, self.agency_id, self.today())

    @property
    def busy(self) -> bool:
        """A change is being saved, or the list read."""
        return self._saving is not None or self._reading.running

    def _read_failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.show_message(user_message(exc), error=True)

    def _show_heading(self, heading) -> bool:
        """The case and the agency, as read with the first list; False when the case is
        gone (said in the window, which then offers nothing to change)."""
        case, agencies, agency_name = heading
        if case is None:
            self.show_message(tr("This case is no longer there: it was deleted or merged "
                                 "since it was listed."), error=True)  # fmt: skip
            for w in (self.new_button, self.save_button, self.complete_button,
                      self.cancel_button, self.reopen_button, self.reassign_button):  # fmt: skip
                w.setEnabled(False)
            return False
        self.case, self.agencies = case, agencies
        self.agency_name = agency_name or tr("This agency")
        self.setWindowTitle(tr("{agency} – actions on {ref}").format(
            agency=self.agency_name, ref=case.reference))  # fmt: skip
        self.title.setText(f"{self.agency_name} · {case.reference}")
        self.summary.setText(case.summary)
        self.reassign_to.clear()
        for agency in agencies:
            if agency.id != self.agency_id and agency.active:
                self.reassign_to.addItem(agency.name, agency.id.hex)
        return True

    def _show_lines(self, lines, keep: uuid.UUID | None = None) -> None:
        """Show the list as read; keep (or choose) the selected action."""
        if isinstance(lines, FirstReading):  # the heading with the list
            heading, lines = lines
            if not self._show_heading(heading):
                return
        keep = keep or self._keep
        self.table.selectionModel().blockSignals(True)
        self.model.set_lines(lines)
        self.table.selectionModel().blockSignals(False)
        if keep is not None:
            row = self.model.row_of(keep)
            if row is not None:
                self._line = self.model.line(row)
                self.table.selectionModel().blockSignals(True)
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.selectionModel().blockSignals(False)
        self.empty_hint.setVisible(self.model.rowCount() == 0)
        self._update_buttons()
        if self._select_when_read is not None:
            action_id, self._select_when_read = self._select_when_read, None
            self._select(action_id)

    def _select(self, action_id: uuid.UUID) -> None:
        row = self.model.row_of(action_id)
        if row is not None:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)
            self.load(self.model.line(row))
            self.outcome.setFocus()

    def _on_current(self, current, _previous) -> None:
        line = self.model.line(current.row()) if current.isValid() else None
        if line is None or (self._line is not None and line.id == self._line.id):
            return
        if self._dirty and not self._discard_ok():
            self._show_lines(self.model.lines(), self._line.id if self._line else None)
            return
        self.load(line)

    def _discard_ok(self) -> bool:
        answer = QMessageBox.question(
            self, tr("Unsaved changes"),
            tr("You have typed changes that are not saved. Leave them and show the other "
               "action?"),
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def load(self, line) -> None:
        """Put an action's values in the form (``form.load(record)``)."""
        self._line = line
        self.description.setPlainText(line.description)
        self.owner.setText(line.owner)
        self.due.set_date(line.due_on)
        self.status.setCurrentIndex(max(0, self.status.findData(
            line.status if line.status in OPEN_ACTION_STATUSES else "open")))  # fmt: skip
        self.outcome.setPlainText(line.outcome)
        self.completed.set_date(line.completed_on or self.today())
        self._dirty = False
        self.show_problems([])
        self._update_buttons()

    def new_action(self) -> None:
        """Empty the form for a new action (the list's selection is cleared)."""
        if self._dirty and not self._discard_ok():
            return
        self._line = None
        self.table.selectionModel().blockSignals(True)
        self.table.clearSelection()
        self.table.selectionModel().blockSignals(False)
        self.description.clear()
        self.owner.clear()
        self.due.set_date(None)
        self.status.setCurrentIndex(0)
        self.outcome.clear()
        self.completed.set_date(self.today())
        self._dirty = False
        self.show_problems([])
        self._update_buttons()
        self.description.setFocus()

    def _update_buttons(self) -> None:
        line = self._line
        is_open = line is not None and line.status in OPEN_ACTION_STATUSES
        finished = line is not None and not is_open
        self.form_title.setText(
            tr("New action for {0}").format(self.agency_name) if line is None
            else tr("Editing the selected action") if is_open
            else tr("This action is {0}; reopen it to change it").format(
                ActionStatus(line.status).label.lower())
        )  # fmt: skip
        for w in (self.description, self.owner, self.due, self.status):
            w.setEnabled(not finished)
        self.save_button.setEnabled(not finished and self._saving is None)
        self.save_button.setText(tr("&Add the action") if line is None else tr("&Save changes"))
        self.finish_box.setEnabled(line is not None and self._saving is None)
        self.complete_button.setEnabled(is_open)
        self.cancel_button.setEnabled(is_open)
        self.reopen_button.setEnabled(finished)
        self.reassign_button.setEnabled(is_open and self.reassign_to.count() > 0)
        self.reassign_to.setEnabled(is_open)

    def _typed(self) -> None:
        self._dirty = True

    # -- messages ------------------------------------------------------------------------
    def show_message(self, text: str, error: bool = False) -> None:
        banner.show_banner(self.message, text, banner.ERROR if error else banner.DONE)

    def show_problems(self, problems) -> None:
        """Each problem next to its field; the first field gets the focus."""
        by_field: dict[str, list[str]] = {}
        for p in problems:
            by_field.setdefault(p.field if p.field in self.errors else "", []).append(p.message)
        for name, label in self.errors.items():
            text = " ".join(by_field.get(name, []))
            label.setText(text)
            label.setVisible(bool(text))
        general = by_field.get("", [])
        if general:
            self.show_message(" ".join(general), error=True)
        focus = {"description": self.description, "owner": self.owner, "due_on": self.due.edit,
                 "status": self.status, "outcome": self.outcome,
                 "completed_on": self.completed.edit, "agency": self.reassign_to}  # fmt: skip
        for p in problems:
            if p.field in focus:
                focus[p.field].setFocus()
                break

    # -- doing ---------------------------------------------------------------------------
    def _draft(self):
        """The form as an ActionDraft, and every problem with it (a date that cannot be
        read included)."""
        from hubapp.store.casework.actions import ActionDraft, validate

        problems = []
        try:
            due = self.due.date()
        except ValueError:
            due = None
            problems.append(date_problem("due_on", self.due.edit.text(), tr("due date"),
                                         self.today()))  # fmt: skip
        draft = ActionDraft(self.description.toPlainText(), self.owner.text(), due,
                            self.status.currentData())  # fmt: skip
        return draft, problems + validate(draft, self.today(), new=self._line is None)

    def _attempt(self, write, success: str, select: uuid.UUID | None = None,
                 then=None) -> Task | None:  # fmt: skip
        """Run one core change in the background, then read the list again in the same step;
        show what it refused next to the fields, keep the form. Returns the task (None while
        another change is still being saved); ``then()`` after a saved change."""
        if self._saving is not None:
            self.show_message(tr("Still saving the last change…"))
            return None
        self.show_message(tr("Saving…"))
        task = Task(write_and_read, write, self.store, self.case_id, self.agency_id,
                    self.today())  # fmt: skip
        self._after_save = (success, select, then)
        # bound methods: a dialog closed meanwhile is not called (the change is still saved)
        task.succeeded.connect(self._saved)
        task.failed.connect(self._not_saved)
        task.finished.connect(self._save_finished)
        self._saving = task
        self._update_buttons()
        return task.start()

    def _save_finished(self) -> None:
        self._saving = None
        self._update_buttons()

    def _saved(self, result) -> None:
        success, select, then = self._after_save
        value, lines = result
        self._saving = None
        self._dirty = False
        self.show_problems([])
        self._show_lines(lines, value if isinstance(value, uuid.UUID) else
                         select or (self._line.id if self._line is not None else None))  # fmt: skip
        if self._line is not None:
            self.load(self._line)
        self.show_message(success)
        self.casesChanged.emit([self.case_id])
        if then is not None:
            then()

    def _not_saved(self, exc: BaseException) -> None:
        from hubapp.errors import describe, expected
        from hubapp.store.casework.actions import ActionError
        from hubapp.store.errors import EditConflict

        if isinstance(exc, ActionError):
            self.show_message("" if exc.problems else str(exc), error=True)
            self.show_problems(exc.problems)
            return
        self.reload()
        self.show_problems([])
        if isinstance(exc, EditConflict):
            self.show_message(
                tr("Someone changed this action in another window while you had it open; the "
                   "list now shows their version. What you typed is still here: save again "
                   "to put it over theirs."), error=True)  # fmt: skip
            return
        if not expected(exc):
            log.error("An action change failed: %r", exc)
        self.show_message(describe(exc), error=True)

    def save(self) -> Task | None:
        """Add the action the form holds, or save the changes to the selected one."""
        from hubapp.store.casework.actions import add_action, edit_action

        draft, problems = self._draft()
        if problems:
            self.show_message("")
            self.show_problems(problems)
            return None
        if self._line is None:
            return self._attempt(
                lambda: add_action(self.store, self.case_id, self.agency_id, draft,
                                   assign_if_missing=True, today=self.today()),
                tr("Action added."),
            )  # fmt: skip
        line = self._line
        return self._attempt(
            lambda: edit_action(self.store, line.id, line.row_version, draft, today=self.today()),
            tr("Changes saved."), select=line.id,
        )  # fmt: skip

    def complete(self) -> Task | None:
        from hubapp.store.casework.actions import complete_action

        line = self._line
        if line is None:
            return None
        try:
            when = self.completed.date()
        except ValueError:
            self.show_problems([date_problem("completed_on", self.completed.edit.text(),
                                             tr("completion date"), self.today())])  # fmt: skip
            return None
        outcome = self.outcome.toPlainText()
        return self._attempt(
            lambda: complete_action(self.store, line.id, line.row_version, outcome, when,
                                    today=self.today()),
            tr("Marked done."), select=line.id,
        )  # fmt: skip

    def cancel_action(self) -> Task | None:
        from hubapp.store.casework.actions import cancel_action

        line = self._line
        if line is None:
            return None
        reason = self.outcome.toPlainText()
        return self._attempt(
            lambda: cancel_action(self.store, line.id, line.row_version, reason),
            tr("Action cancelled; the reason is kept as its outcome."), select=line.id,
        )  # fmt: skip

    def reopen(self) -> Task | None:
        from hubapp.store.casework.actions import reopen_action

        line = self._line
        if line is None:
            return None
        return self._attempt(
            lambda: reopen_action(self.store, line.id, line.row_version),
            tr("Action reopened."), select=line.id,
        )  # fmt: skip

    def reassign(self) -> Task | None:
        """Give the selected action to the agency chosen (with the owner typed)."""
        from hubapp.store.casework.actions import reassign_action

        line = self._line
        target = self.reassign_to.currentData()
        if line is None or not target:
            return None
        name = self.reassign_to.currentText()
        owner = self.owner.text()

        def gone() -> None:  # no longer this agency's: the form empties for a new one
            self._line = None
            self.new_action()

        return self._attempt(
            lambda: reassign_action(self.store, line.id, line.row_version,
                                    uuid.UUID(hex=target), owner),
            tr("Reassigned to {0}: it is now in their list of actions.").format(name), then=gone,
        )  # fmt: skip


def read_lines(_ctx, store, case_id: uuid.UUID, agency_id: uuid.UUID, today: date):
    """Background work: the agency's actions on the case."""
    from hubapp.store.casework.actions import actions_for_case_agency

    return actions_for_case_agency(store, case_id, agency_id, today)


class FirstReading(NamedTuple):
    """What the dialog reads when it opens: (case, agencies, agency name) and the list."""

    heading: tuple
    lines: list


def read_heading_and_lines(ctx, store, case_id: uuid.UUID, agency_id: uuid.UUID,
                           today: date):  # fmt: skip
    """Background work, when the dialog opens: ((the case as a grid row or None, the hub's
    agencies, the agency's name), the agency's actions on the case)."""
    from hubapp.store.casework.assignments import hub_agencies
    from hubapp.store.casework.grid import grid_case

    case = grid_case(store, case_id)
    if case is None:
        return FirstReading((None, [], ""), [])
    agencies = hub_agencies(store, uuid.UUID(hex=case.hub_id))
    agency = next((a for a in agencies if a.id == agency_id), None)
    if agency is not None:
        name = agency.name
    else:  # left the hub since: still show its actions
        from hubapp.store.lookups import load

        named = load(store).agencies.get(agency_id.hex)
        name = named.name if named else ""
    return FirstReading((case, agencies, name), read_lines(ctx, store, case_id, agency_id, today))


def write_and_read(ctx, write, store, case_id: uuid.UUID, agency_id: uuid.UUID, today: date):
    """Background work: make the change (``write()``), then read the list again."""
    value = write()
    return value, read_lines(ctx, store, case_id, agency_id, today)
