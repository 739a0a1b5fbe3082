"""The ASB Case Review in the window: the hub's queue (View > ASB Case Review queue…), the
review explained to a victim, and the review itself (:class:`ReviewDialog`, also opened from
the case window's "ASB Case Review…" button).

* :class:`CaseReviewQueuePage` lists the victims and places approaching (2) or reaching (3+)
  a review (``hubapp.store.casework.case_review.queue``, read in the background); a victim at
  two or more whose review was not explained to them is red, and says so. Enter or a
  double-click opens the case; "Record explanation…" and "New application…" act on the row.
* :class:`ExplanationDialog`: when and how the review was explained.
* :class:`ReviewDialog`: one case's reviews, each step of one review in its own group (the
  application, the acknowledgement, the threshold decision, the meeting, the
  recommendations, the outcome and its letter, the dissatisfaction and escalation routes),
  with the local deadlines. Save checks every step at once: each problem is one sentence
  beside its field, and nothing is saved until there are none.

Every read and write runs off the GUI thread (``Task``); the buttons the account's role
would be refused are not offered (the store refuses them anyway).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from functools import partial

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import format_date, plural
from hubapp.models.case_review import CaseReviewQueueModel, EntryRole
from hubapp.models.tasks import LatestTask, Task, user_message
from hubapp.views.action_dialog import DateField, date_problem

log = logging.getLogger(__name__)

ALL = "__all__"


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseReview", text)


class ProblemLabel(QLabel):
    """The one-sentence problem under a field, hidden when there is none (as the case
    window's; not imported from it: the case window opens this module)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setProperty("problem", True)
        self.setStyleSheet("color: #b00020;")
        self.hide()

    def show_problem(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


def _may(store, op_name: str) -> bool:
    from hubapp.store import access
    from hubapp.store.roles import Op

    return store is not None and access.may(store, Op[op_name])


# --- background work (plain values in and out) ----------------------------------------------


def read_queue(_ctx, store, hub_id, today):
    from hubapp.store.casework import case_review

    return case_review.queue(store, hub_id, today)


def read_reviews(_ctx, store, case_id):
    from hubapp.store.casework import case_review

    return (case_review.reviews_for_case(store, case_id), case_review.subjects(store, case_id),
            _agencies(store))  # fmt: skip


def _agencies(store) -> list[tuple[uuid.UUID, str]]:
    from sqlalchemy import select

    from hubapp.store.schema import Agency

    with store.read() as s:
        return [tuple(r) for r in s.execute(select(Agency.id, Agency.name).where(
            Agency.voided.is_(False), Agency.active.is_(True)).order_by(Agency.name))]  # fmt: skip


def _call(_ctx, fn):
    return fn()


# --- the queue --------------------------------------------------------------------------------


class CaseReviewQueuePage(QWidget):
    """View > ASB Case Review queue…"""

    #: open a case (its id) in its own window
    caseOpenRequested = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("caseReviewQueuePage")
        self.store = None
        self.today = None  # None: the real date (tests fix it)
        self.dialog = None
        self.model = CaseReviewQueueModel(self)
        self._reader = LatestTask(self, self._loaded, self._failed)
        self._build()

    def _build(self) -> None:
        self.hub_combo = QComboBox(self, objectName="caseReviewHub")
        self.hub_combo.setAccessibleName(tr("Hub"))
        # as wide as its longest hub, once the hubs are in (not only those there when first shown)
        self.hub_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.hub_combo.currentIndexChanged.connect(self.reload)
        label = QLabel(tr("&Hub:"), self)
        label.setBuddy(self.hub_combo)
        self.explain_button = QPushButton(tr("Record &explanation…"), self,
                                          objectName="recordExplanationButton")  # fmt: skip
        self.explain_button.clicked.connect(self.record_explanation)
        self.apply_button = QPushButton(tr("&New application…"), self,
                                        objectName="newApplicationButton")  # fmt: skip
        self.apply_button.clicked.connect(self.new_application)
        self.figures_button = QPushButton(tr("&Yearly figures…"), self,
                                          objectName="yearlyFiguresButton")  # fmt: skip
        self.figures_button.clicked.connect(self.show_figures)
        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.hub_combo)
        top.addStretch(1)
        top.addWidget(self.explain_button)
        top.addWidget(self.apply_button)
        top.addWidget(self.figures_button)
        t = QTableView(self, objectName="caseReviewQueueTable")
        t.setTabKeyNavigation(False)
        t.setAccessibleName(tr("The ASB Case Review queue"))
        t.setModel(self.model)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setWordWrap(False)
        t.verticalHeader().hide()
        t.setSortingEnabled(True)
        t.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        t.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        # a case reference whole (the rows are many: no measuring of every row)
        for column, sample in ((4, "CAR-2026-00000"), (6, tr("Explained 00/00/0000"))):
            t.horizontalHeader().resizeSection(
                column, t.fontMetrics().horizontalAdvance(sample) + 24
            )
        t.activated.connect(self.open_row)
        t.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.table = t
        self.count_label = QLabel(self, objectName="caseReviewCount")
        hint = QLabel(tr("Enter or double-click opens the case · Status: red reached, amber "
                         "approaching · Explained: red where the victim was not told of the "
                         "review"), self)  # fmt: skip
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(top)
        layout.addWidget(t, 1)
        layout.addLayout(bottom)
        self._enable()

    def attach(self, store, lookups=None, station=None) -> None:
        self.store = store
        self.hub_combo.blockSignals(True)
        self.hub_combo.clear()
        self.hub_combo.addItem(tr("All hubs"), ALL)
        if lookups is not None:
            for hub in lookups.hub_list():
                self.hub_combo.addItem(tr("{0} hub").format(hub.name), hub.id.hex)
        if station is not None:
            self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(station.hub_id.hex)))
        self.hub_combo.blockSignals(False)
        self.explain_button.setVisible(_may(store, "EXPLAIN_REVIEW"))
        self.apply_button.setVisible(_may(store, "CASE_REVIEW"))
        self.reload()

    def reload(self) -> None:
        if self.store is None:
            return
        hub = self.hub_combo.currentData()
        self.count_label.setText(tr("Reading…"))
        self._reader.start(read_queue, self.store,
                           None if hub in (ALL, None) else uuid.UUID(hex=hub), self.today)  # fmt: skip

    @property
    def busy(self) -> bool:
        return self._reader.running

    def _loaded(self, entries) -> None:
        self.model.set_entries(entries)
        red = sum(1 for e in entries if e.needs_explaining)
        reached = sum(1 for e in entries if e.status == "reached")
        text = plural(len(entries), tr("entry"), tr("entries")) + tr(", {0} reached").format(
            reached
        )
        if red:
            text += tr(", {0} not explained").format(red)
        self.count_label.setText(text)
        self._enable()

    def _failed(self, exc) -> None:
        self.count_label.setText(user_message(exc))

    def current(self):
        index = self.table.currentIndex()
        return index.data(EntryRole) if index.isValid() else None

    def _enable(self) -> None:
        e = self.current()
        self.explain_button.setEnabled(e is not None and e.kind == "victim")
        self.apply_button.setEnabled(e is not None)

    def open_row(self, index) -> None:
        entry = index.data(EntryRole)
        if entry is not None:
            self.caseOpenRequested.emit(entry.case_id)

    def record_explanation(self) -> None:
        e = self.current()
        if e is None or e.kind != "victim":
            return
        dialog = ExplanationDialog(self.store, e.case_id, e.subject_id, e.name, self,
                                   today=self.today)  # fmt: skip
        self._show(dialog)

    def new_application(self) -> None:
        e = self.current()
        if e is None:
            return
        dialog = ReviewDialog(self.store, e.case_id, self, today=self.today,
                              subject=e.subject_id)  # fmt: skip
        self._show(dialog)

    def show_figures(self) -> None:
        dialog = YearlyFiguresDialog(self.store, self, year=(self.today or date.today()).year)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def _show(self, dialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.reload)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()


# --- the yearly figures ---------------------------------------------------------------------


class YearlyFiguresDialog(QDialog):
    """The year's figures the relevant bodies publish, per hub and in total (s.104(10))."""

    def __init__(self, store, parent=None, year: int | None = None) -> None:
        super().__init__(parent)
        from hubapp.store.casework import case_review

        self.setObjectName("yearlyFiguresDialog")
        self.setWindowTitle(tr("ASB Case Review: yearly figures"))
        self.store = store
        self.year = QSpinBox(self, objectName="figuresYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(year or date.today().year)
        self.year.setAccessibleName(tr("Year"))
        label = QLabel(tr("&Year:"), self)
        label.setBuddy(self.year)
        self.table = QTableWidget(0, 1 + len(case_review.FIGURES), self)
        self.table.setObjectName("figuresTable")
        self.table.setAccessibleName(tr("The year's figures"))
        self.table.setTabKeyNavigation(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setHorizontalHeaderLabels(
            [tr("Hub"), *(tr(case_review.FIGURE_LABELS[f]) for f in case_review.FIGURES)]
        )
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.year)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 300)
        self._reader = LatestTask(self, self._loaded)
        self.year.valueChanged.connect(self.reload)
        self.reload()

    @property
    def busy(self) -> bool:
        return self._reader.running

    def reload(self) -> None:
        from hubapp.store.casework import case_review

        self._reader.start(_call, partial(case_review.yearly_return, self.store,
                                          self.year.value()))  # fmt: skip

    def _loaded(self, figures) -> None:
        from hubapp.store.casework import case_review

        total = dict.fromkeys(case_review.FIGURES, 0)
        rows = []
        for hub, f in figures.items():
            rows.append((hub, *(f[k] for k in case_review.FIGURES)))
            for k in total:
                total[k] += f[k]
        rows.append((tr("Total"), *(total[k] for k in case_review.FIGURES)))
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(str(value))
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)


# --- the explanation --------------------------------------------------------------------------


class ExplanationDialog(QDialog):
    """Record that the ASB Case Review was explained to a victim."""

    saved = Signal()

    def __init__(self, store, case_id: uuid.UUID, person_id: uuid.UUID, name: str,
                 parent=None, today: date | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        from hubapp.store.casework import case_review

        self.setObjectName("explanationDialog")
        self.setWindowTitle(tr("ASB Case Review explained"))
        self.store, self.case_id, self.person_id = store, case_id, person_id
        self.today = today or date.today()
        self._task = None
        form = QFormLayout()
        who = QLabel(name, self)
        who.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(tr("Victim:"), who)
        self.date = DateField(tr("dd/mm/yyyy"), self)
        self.date.set_date(self.today)
        self.method = QComboBox(self, objectName="explanationMethod")
        for code, words in case_review.METHODS.items():
            self.method.addItem(tr(words), code)
        self.notes = QPlainTextEdit(self, objectName="explanationNotes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(90)
        self.errors = {k: ProblemLabel(self) for k in ("explained_on", "method", "notes", "")}
        for text, widget, key in ((tr("&Explained on:"), self.date, "explained_on"),
                                  (tr("&How:"), self.method, "method"),
                                  (tr("&Notes:"), self.notes, "notes")):  # fmt: skip
            label = QLabel(text, self)
            label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)  # fmt: skip
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors[""])
        layout.addWidget(buttons)

    def save(self) -> None:
        from hubapp.store.casework import case_review

        problems = []
        try:
            on = self.date.date()
        except ValueError:
            on = None
            problems.append(date_problem("explained_on", self.date.edit.text(), tr("date"),
                                         self.today))  # fmt: skip
        if not problems:
            problems = case_review.validate_explanation(on, self.method.currentData(),
                                                        self.notes.toPlainText(), self.today)  # fmt: skip
        if problems:
            _show_problems(self.errors, problems)
            return
        self.buttons.setEnabled(False)
        task = Task(_call, partial(case_review.record_explanation, self.store, self.case_id,
                                   self.person_id, on, self.method.currentData(),
                                   self.notes.toPlainText(), today=self.today))  # fmt: skip
        task.succeeded.connect(self._done)
        task.failed.connect(self._failed)
        self._task = task.start()

    def _done(self, _id) -> None:
        self.saved.emit()
        self.accept()

    def _failed(self, exc) -> None:
        self.buttons.setEnabled(True)
        _show_problems(self.errors, getattr(exc, "problems", None) or [], user_message(exc))


def _show_problems(errors: dict, problems, general: str = "") -> None:
    by_field: dict[str, list[str]] = {}
    for p in problems:
        by_field.setdefault(p.field if p.field in errors else "", []).append(p.message)
    if general and not problems:
        by_field[""] = [general]
    for name, label in errors.items():
        label.show_problem(" ".join(by_field.get(name, [])))


# --- the review -------------------------------------------------------------------------------


class ReviewDialog(QDialog):
    """One case's ASB Case Reviews: choose one (or a new application) and work its steps."""

    saved = Signal()

    def __init__(self, store, case_id: uuid.UUID, parent=None, today: date | None = None,
                 subject: uuid.UUID | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("caseReviewDialog")
        self.setWindowTitle(tr("ASB Case Review"))
        self.store, self.case_id = store, case_id
        self.today = today or date.today()
        self._subject = subject
        self.reviews: list = []
        self.line = None  # the review being worked (None: a new application)
        self._tasks: set[Task] = set()
        self.may_record = _may(store, "CASE_REVIEW")
        self._build()
        self._run(read_reviews, self.store, case_id, done=self._loaded)

    # -- building ------------------------------------------------------------------------
    def _field(self, form: QFormLayout, text: str, widget: QWidget, key: str) -> QWidget:
        label = QLabel(text, self)
        label.setBuddy(widget)
        name = text.replace("&", "").rstrip(":")
        if isinstance(widget, DateField):
            widget.set_name(name)
        widget.setAccessibleName(name)
        form.addRow(label, widget)
        self.errors[key] = ProblemLabel(self)
        form.addRow("", self.errors[key])
        return widget

    def _date(self, form, text, key) -> DateField:
        field = DateField(tr("dd/mm/yyyy"), self)
        self.dates[key] = field
        return self._field(form, text, field, key)

    def _text(self, form, text, key) -> QPlainTextEdit:
        edit = QPlainTextEdit(self, objectName=key)
        edit.setTabChangesFocus(True)
        edit.setMaximumHeight(70)
        self.texts[key] = edit
        return self._field(form, text, edit, key)

    def _group(self, title: str) -> QFormLayout:
        box = QGroupBox(title, self)
        form = QFormLayout(box)
        self.body.addWidget(box)
        return form

    def _build(self) -> None:
        from hubapp.store.casework import case_review

        self.errors: dict[str, ProblemLabel] = {}
        self.dates: dict[str, DateField] = {}
        self.texts: dict[str, QPlainTextEdit] = {}
        top = QHBoxLayout()
        self.review_combo = QComboBox(self, objectName="reviewChoice")
        self.review_combo.setAccessibleName(tr("Review"))
        self.review_combo.currentIndexChanged.connect(self._choose)
        pick = QLabel(tr("&Review:"), self)
        pick.setBuddy(self.review_combo)
        top.addWidget(pick)
        top.addWidget(self.review_combo, 1)
        self.stage_label = QLabel(self, objectName="reviewStage")
        top.addWidget(self.stage_label)
        holder = QWidget(self)
        self.body = QVBoxLayout(holder)
        scroll = QScrollArea(self)
        scroll.setAccessibleName(tr("The review's steps"))
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)

        f = self._group(tr("Application"))
        self.subject = self._field(f, tr("&For:"), QComboBox(self, objectName="reviewSubject"),
                                   "person_id")  # fmt: skip
        self.is_victim = QCheckBox(tr("The victim applied &themselves"), self,
                                   objectName="applicantIsVictim")  # fmt: skip
        self.is_victim.setChecked(True)
        f.addRow("", self.is_victim)
        self.applicant = self._field(f, tr("&Applicant:"),
                                     QLineEdit(self, objectName="applicantName"),
                                     "applicant_name")  # fmt: skip
        self.applicant.setMaxLength(200)
        self._date(f, tr("Victim's &consent on:"), "consent_on")
        self._date(f, tr("Application recei&ved on:"), "received_on")
        self._date(f, tr("Ac&knowledged on:"), "acknowledged_on")
        self.deadlines_label = QLabel(self, objectName="reviewDeadlines")
        self.deadlines_label.setWordWrap(True)
        f.addRow(tr("Deadlines:"), self.deadlines_label)

        f = self._group(tr("Threshold decision"))
        self.decision = self._field(f, tr("&Decision:"), QComboBox(self, objectName="decision"),
                                    "decision")  # fmt: skip
        self.decision.addItem(tr("Not decided yet"), "")
        for code, words in case_review.DECISIONS.items():
            self.decision.addItem(tr(words), code)
        self._date(f, tr("Decided o&n:"), "decided_on")
        self._text(f, tr("Rea&sons:"), "decision_reasons")

        f = self._group(tr("Review meeting"))
        self._date(f, tr("&Meeting on:"), "meeting_on")
        self.agencies = self._field(f, tr("A&gencies present:"),
                                    QListWidget(self, objectName="meetingAgencies"),
                                    "meeting_agencies")  # fmt: skip
        self.agencies.setMaximumHeight(110)

        f = self._group(tr("Recommendations"))
        self.recommendations = QListWidget(self, objectName="recommendations")
        self.recommendations.setAccessibleName(tr("Recommendations"))
        self.recommendations.setMaximumHeight(90)
        f.addRow(self.recommendations)
        self.rec_agency = self._field(f, tr("Agenc&y:"), QComboBox(self, objectName="recAgency"),
                                      "rec_agency")  # fmt: skip
        self.rec_text = self._field(f, tr("Recommendat&ion:"),
                                    QLineEdit(self, objectName="recDescription"), "description")  # fmt: skip
        self.rec_owner = self._field(f, tr("O&wner:"), QLineEdit(self, objectName="recOwner"),
                                     "owner")  # fmt: skip
        self.rec_due = self._date(f, tr("D&ue on:"), "due_on")
        self.add_rec_button = QPushButton(tr("Add recommendation as an action"), self,
                                          objectName="addRecommendationButton")  # fmt: skip
        self.add_rec_button.clicked.connect(self.add_recommendation)
        f.addRow("", self.add_rec_button)

        f = self._group(tr("Outcome"))
        self.outcome = self._field(f, tr("&Outcome:"), QComboBox(self, objectName="outcome"),
                                   "outcome")  # fmt: skip
        self.outcome.addItem(tr("No outcome yet"), "")
        for code, words in case_review.OUTCOMES.items():
            self.outcome.addItem(tr(words), code)
        self._date(f, tr("Outcome s&ent on:"), "outcome_sent_on")
        self._text(f, tr("Summary told to the a&pplicant:"), "outcome_summary")
        self.letter_button = QPushButton(tr("Outcome &letter (PDF)…"), self,
                                         objectName="outcomeLetterButton")  # fmt: skip
        self.letter_button.clicked.connect(self.save_letter)
        f.addRow("", self.letter_button)

        f = self._group(tr("If the applicant is not satisfied"))
        self._date(f, tr("Dissatisfied on (Sch. 4 para 3):"), "dissatisfied_on")
        self._text(f, tr("W&hat was done:"), "dissatisfaction_outcome")
        self._date(f, tr("Escalated on:"), "escalated_on")
        self._text(f, tr("Escalation outcome:"), "escalation_outcome")
        self.body.addStretch(1)

        self.errors[""] = ProblemLabel(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Close, self)  # fmt: skip
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveReviewButton")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        for w in (self.save_button, self.add_rec_button, self.letter_button):
            w.setVisible(self.may_record)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.errors[""])
        layout.addWidget(buttons)
        self.resize(720, 760)

    # -- reading -------------------------------------------------------------------------
    def _run(self, fn, *args, done, **kwargs) -> None:
        task = Task(fn, *args) if fn is read_reviews else Task(_call, partial(fn, *args, **kwargs))
        task.succeeded.connect(done)
        task.failed.connect(self._failed)
        task.finished.connect(lambda: self._tasks.discard(task))
        self._tasks.add(task)
        self.save_button.setEnabled(False)
        task.finished.connect(lambda: self.save_button.setEnabled(not self._tasks - {task}))
        task.start()

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def _loaded(self, result, select: uuid.UUID | None = None) -> None:
        reviews, subjects, agencies = result
        self.reviews = reviews
        self.subject.clear()
        for s in subjects:
            who = tr("Victim") if s.kind == "victim" else tr("Place")
            self.subject.addItem(f"{who}: {s.name}", (s.kind, s.id))
        if self._subject is not None:
            for i in range(self.subject.count()):
                if self.subject.itemData(i)[1] == self._subject:
                    self.subject.setCurrentIndex(i)
        self.agencies.clear()
        self.rec_agency.clear()
        for agency_id, name in agencies:
            item = QListWidgetItem(name, self.agencies)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, agency_id)
            self.rec_agency.addItem(name, agency_id.hex)
        self.review_combo.blockSignals(True)
        self.review_combo.clear()
        self.review_combo.addItem(tr("New application"), None)
        for r in reviews:
            self.review_combo.addItem(tr("{0}: received {1} ({2})").format(
                r.subject, format_date(r.draft.received_on), r.stage), r.id)  # fmt: skip
        self.review_combo.blockSignals(False)
        ids = [self.review_combo.itemData(i) for i in range(self.review_combo.count())]
        # the review asked for; else the latest (None is the new application's own item)
        index = ids.index(select) if select is not None and select in ids else int(bool(reviews))
        if self._subject is not None and select is None:
            index = 0  # from the queue: a new application for that victim
        self.review_combo.setCurrentIndex(max(0, index))
        self._choose()

    def _choose(self, *_args) -> None:
        from hubapp.store.casework.case_review import ReviewDraft

        review_id = self.review_combo.currentData()
        self.line = next((r for r in self.reviews if r.id == review_id), None)
        draft = self.line.draft if self.line else ReviewDraft(received_on=self.today)
        self.load(draft)
        self.recommendations.clear()
        for r in self.line.recommendations if self.line else ():
            due = format_date(r.due_on) if r.due_on else tr("no date")
            self.recommendations.addItem(f"{r.description} — {r.agency}, {r.owner or '—'}, "
                                         f"{tr('due')} {due} ({r.status})")  # fmt: skip
        self.stage_label.setText(self.line.stage if self.line else tr("new application"))
        self.subject.setEnabled(self.line is None)
        self.add_rec_button.setEnabled(self.line is not None)
        self.letter_button.setEnabled(self.line is not None)
        _show_problems(self.errors, [])

    def load(self, d) -> None:
        """The form shows ``d`` (a ReviewDraft)."""
        from hubapp.store.casework import case_review

        for i in range(self.subject.count()):
            kind, sid = self.subject.itemData(i)
            if sid in (d.person_id, d.place_id):
                self.subject.setCurrentIndex(i)
        self.is_victim.setChecked(d.applicant_is_victim)
        self.applicant.setText(d.applicant_name)
        for key, field in self.dates.items():
            if key != "due_on":
                field.set_date(getattr(d, key))
        for key, edit in self.texts.items():
            edit.setPlainText(getattr(d, key))
        self.decision.setCurrentIndex(max(0, self.decision.findData(d.decision)))
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(d.outcome)))
        for i in range(self.agencies.count()):
            item = self.agencies.item(i)
            present = item.data(Qt.ItemDataRole.UserRole) in d.meeting_agencies
            item.setCheckState(Qt.CheckState.Checked if present else Qt.CheckState.Unchecked)
        steps = case_review.deadlines(d)
        self.deadlines_label.setText("\n".join(s.describe(self.today) for s in steps))

    def draft(self):
        """The form as a ReviewDraft, and the problems of dates that cannot be read."""
        from hubapp.store.casework.case_review import ReviewDraft

        problems, values = [], {}
        for key, field in self.dates.items():
            if key == "due_on":
                continue
            try:
                values[key] = field.date()
            except ValueError:
                values[key] = None
                problems.append(date_problem(key, field.edit.text(), tr("date"), self.today))
        subject = self.subject.currentData()
        kind, sid = subject if subject else (None, None)
        agencies = tuple(
            self.agencies.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.agencies.count())
            if self.agencies.item(i).checkState() == Qt.CheckState.Checked
        )
        draft = ReviewDraft(
            person_id=sid if kind == "victim" else None,
            place_id=sid if kind == "place" else None,
            applicant_name=self.applicant.text(), applicant_is_victim=self.is_victim.isChecked(),
            decision=self.decision.currentData() or "", meeting_agencies=agencies,
            outcome=self.outcome.currentData() or "",
            **{k: e.toPlainText() for k, e in self.texts.items()}, **values,
        )  # fmt: skip
        return draft, problems

    # -- doing ---------------------------------------------------------------------------
    def save(self) -> None:
        from hubapp.store.casework import case_review

        draft, problems = self.draft()
        unread = {p.field for p in problems}
        problems += [p for p in case_review.validate(draft, self.today) if p.field not in unread]
        if problems:
            _show_problems(self.errors, problems)
            self._focus(problems)
            return
        _show_problems(self.errors, [])
        line = self.line
        self._run(case_review.save_review, self.store, self.case_id, draft,
                  review_id=line.id if line else None,
                  base_version=line.row_version if line else None, today=self.today,
                  done=self._saved)  # fmt: skip

    def _focus(self, problems) -> None:
        for p in problems:
            widget = self.dates.get(p.field) or self.texts.get(p.field) or {
                "person_id": self.subject, "applicant_name": self.applicant,
                "decision": self.decision, "outcome": self.outcome,
                "meeting_agencies": self.agencies, "description": self.rec_text,
            }.get(p.field)  # fmt: skip
            if widget is not None:
                widget.setFocus()
                return

    def _saved(self, result) -> None:
        review_id, _version = result
        self.saved.emit()
        self._subject = None
        self._run(read_reviews, self.store, self.case_id,
                  done=lambda r: self._loaded(r, select=review_id))  # fmt: skip

    def add_recommendation(self) -> None:
        from hubapp.store.casework import case_review
        from hubapp.store.errors import Problem

        if self.line is None:
            return
        try:
            due = self.rec_due.date()
        except ValueError:
            _show_problems(self.errors, [date_problem("due_on", self.rec_due.edit.text(),
                                                      tr("due date"), self.today)])  # fmt: skip
            return
        if not self.rec_text.text().strip():
            _show_problems(self.errors, [Problem("description", tr("Describe the "
                                                                   "recommendation."))])  # fmt: skip
            return
        review_id = self.line.id

        def done(_action_id) -> None:
            self.rec_text.clear()
            self.rec_owner.clear()
            self.rec_due.set_date(None)
            self._saved((review_id, 0))

        self._run(case_review.add_recommendation, self.store, review_id,
                  uuid.UUID(hex=self.rec_agency.currentData()), self.rec_text.text(), self.rec_owner.text(),
                  due, today=self.today, done=done)  # fmt: skip

    def save_letter(self, path: str | None = None) -> None:
        """Make the outcome letter and save it (a disclosure, recorded); ``path`` for tests."""
        from hubapp.documents import printing, review_letter

        if self.line is None:
            return
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self, tr("Save the outcome letter"),
                f"case-review-letter-{self.line.case_reference}.pdf", tr("PDF files (*.pdf)"))  # fmt: skip
            if not path:
                return
        review_id, store, today = self.line.id, self.store, self.today

        def make():
            return printing.save(store, review_letter.outcome_letter(store, review_id,
                                                                     today=today), path)  # fmt: skip

        self._run(make, done=lambda target: self.errors[""].show_problem(
            tr("The outcome letter was saved to {0}.").format(target)))  # fmt: skip

    def _failed(self, exc) -> None:
        problems = getattr(exc, "problems", None) or []
        _show_problems(self.errors, problems, user_message(exc))
        self._focus(problems)


def open_review_dialog(store, case_id: uuid.UUID, parent=None) -> ReviewDialog:
    """The case window's "ASB Case Review…": the dialog, open (not modal to the app)."""
    dialog = ReviewDialog(store, case_id, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
