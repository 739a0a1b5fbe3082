"""The case view: one case in its own window, to work it.

Tabs: Summary (the editable core fields, the status workflow, risk, SARA stage, next review),
Contacts, People & places (with the linked cases, and "Link a case…"), SARA plan, Actions
(read-only: the assignment grid owns them), Timeline (with "Add note") and Interventions.

The case is read off the GUI thread (:mod:`hubapp.store.casework.caseview`) and every save runs as a
background task too. Saves are checked against the version the window loaded: when another
window saved first, the window says so in one sentence, keeps everything typed in the form,
and offers to reload. Problems are shown next to their fields. User text is always plain text.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain import workflow as rules
from hubapp.domain.codes import (
    AgencyRole,
    CaseLinkKind,
    CaseOutcome,
    CaseStatus,
    ImpactGoal,
    InterventionStatus,
    NoteVisibility,
    PersonRole,
    Priority,
    RiskLevel,
    SaraStage,
    VictimSatisfied,
    label,
)
from hubapp.domain.formatting import format_date, format_datetime
from hubapp.domain.rag import Rag
from hubapp.models.records import Column, RecordRole, RecordTableModel
from hubapp.models.tasks import Task, user_message
from hubapp.views import powers_panel
from hubapp.views.accessible import heading_font
from hubapp.views.case_safeguarding import CaseSafeguarding

log = logging.getLogger(__name__)

RAG_COLOURS = {Rag.RED: "#b00020", Rag.AMBER: "#9a5b00", Rag.GREEN: "#1b6e3a", Rag.NONE: None}
RISK_COLOURS = {"high": "#a4161a", "medium": "#9a5b00", "standard": "#2b2d42"}
STYLE = """
QLabel[chip="true"] { border: 1px solid #b8c0cc; border-radius: 9px; padding: 1px 8px;
                      background: #f1f4f8; }
QLabel#asbBanner { background: #fff4d6; border: 1px solid #e0b84c; border-radius: 3px;
                   padding: 4px 8px; color: #5c3d00; }
QLabel#repeatsBanner { background: #e8f0fb; border: 1px solid #8fb0dc; border-radius: 3px;
                       padding: 4px 8px; color: #1d3557; }
QLabel#conflictBar { background: #fde2e1; border: 1px solid #d9534f; border-radius: 3px;
                     padding: 4px 8px; color: #7a1411; }
QLabel#savedBar { color: #1b6e3a; }
QLabel[problem="true"] { color: #b00020; }
QLabel[hint="true"] { color: #5c6470; }
QGroupBox { font-weight: 600; margin-top: 10px; }
QGroupBox::title { subcontrol-origin: margin; left: 6px; padding: 0 3px; }
QGroupBox QLabel, QGroupBox QLineEdit, QGroupBox QPlainTextEdit, QGroupBox QComboBox,
QGroupBox QDateEdit, QGroupBox QPushButton, QGroupBox QCheckBox { font-weight: normal; }
"""


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseView", text)


def load_job(_ctx, store, case_id):
    from hubapp.store.casework import caseview

    return caseview.load(store, case_id)


def _plain(label_: QLabel) -> QLabel:
    label_.setTextFormat(Qt.TextFormat.PlainText)
    return label_


def _label(text: str = "", parent=None, **props) -> QLabel:
    w = _plain(QLabel(text, parent))
    for k, v in props.items():
        w.setProperty(k, v)
    return w


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _date_edit(parent=None) -> QDateEdit:
    e = QDateEdit(parent)
    e.setMaximumWidth(e.fontMetrics().horizontalAdvance("00/00/00000") + 48)
    e.setCalendarPopup(True)
    e.setDisplayFormat("dd/MM/yyyy")
    e.setDate(QDate.currentDate())
    return e


def _text_edit(parent=None, lines: int = 2, max_chars: int | None = None) -> QPlainTextEdit:
    e = QPlainTextEdit(parent)
    e.setTabChangesFocus(True)  # Tab moves on, as in every other field of a form
    h = e.fontMetrics().lineSpacing() * lines + 14
    e.setFixedHeight(h)
    return e


def _table(model: RecordTableModel, name: str, parent=None) -> QTableView:
    t = QTableView(parent, objectName=name)
    t.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.setWordWrap(True)
    t.verticalHeader().hide()
    t.horizontalHeader().setHighlightSections(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    return t


def _fit_rows(table: QTableView, lines: int = 6) -> None:
    """Row heights for wrapped text, each at most ``lines`` lines of text tall: a long
    text must not push a row's other cells out of view (its tooltip holds all of it)."""
    table.resizeRowsToContents()
    tallest = table.fontMetrics().lineSpacing() * lines + 8
    for row in range(table.model().rowCount()):
        if table.rowHeight(row) > tallest:
            table.setRowHeight(row, tallest)


#: room for the title bar and frame, which a window's resize() does not include
FRAME_ALLOWANCE = 40
#: a timeline row shows at most this much of an entry's text (the tooltip and the details
#: under the table hold all of it)
TIMELINE_LINES = 6
TIMELINE_CHARS = 600


def shorten(text: str, lines: int = TIMELINE_LINES, chars: int = TIMELINE_CHARS) -> str:
    """The first ``lines`` lines and ``chars`` characters of a text, with "…" if cut."""
    text = (text or "").rstrip()
    kept = text.splitlines()[:lines]
    short = "\n".join(kept)
    if len(short) > chars:
        short = short[: chars - 1].rstrip()
    return short if short == text else short.rstrip() + "…"


def _scrolling(page: QWidget) -> QScrollArea:
    """A tab page in a frameless scroll area: the page keeps its size hints, the tab does
    not impose them on the window."""
    area = QScrollArea()
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields, which it scrolls to
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area


def _right(button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    return row


class ProblemLabel(QLabel):
    """The one-sentence problem shown under a field (hidden when there is none)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setProperty("problem", True)
        self.hide()

    def show_problem(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class CaseWindow(QDialog):
    """One case, in its own window. ``store`` is the open Store."""

    #: the case view has read the case (the CaseView)
    loaded = Signal(object)
    #: something was saved (the main window refreshes its list)
    saved = Signal(object)
    #: a save or load failed (the sentence shown)
    failed = Signal(str)
    #: open another case (a linked case, by its id) in its own window
    caseOpenRequested = Signal(object)

    def __init__(self, store, case_id: uuid.UUID, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("caseWindow")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setStyleSheet(STYLE)
        self.store = store
        self.case_id = case_id
        self.view = None  # the CaseView on show
        #: the "Link a case…" dialog, while it is open
        self.link_dialog = None
        self.case_version = 0
        self.sara_version = 0
        self._tasks: set[Task] = set()
        self._problems: dict[str, ProblemLabel] = {}
        #: the Summary tab and the SARA plan as last loaded or saved (to tell unsaved edits)
        self._saved_summary = None
        self._saved_sara = None
        #: the "Save changes / Discard / Cancel" question on closing, while it is open
        self.unsaved_box: QMessageBox | None = None
        self._closing = False
        self.setWindowTitle(tr("Case"))
        self._build()
        self._fit_screen()
        self.reload()

    # -- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)
        head = QHBoxLayout()
        self.ref_label = _label("", self)
        self.ref_label.setObjectName("caseRef")
        heading_font(self.ref_label, 15)
        self.status_chip = _label("", self, chip=True)
        self.status_chip.setObjectName("statusChip")
        self.risk_chip = _label("", self, chip=True)
        self.stage_chip = _label("", self, chip=True)
        head.addWidget(self.ref_label)
        head.addSpacing(8)
        for chip in (self.status_chip, self.risk_chip, self.stage_chip):
            head.addWidget(chip)
        head.addStretch(1)
        self.where_label = _label("", self, hint=True)
        head.addWidget(self.where_label)
        outer.addLayout(head)
        self.summary_label = _label("", self)
        self.summary_label.setObjectName("caseSummary")
        heading_font(self.summary_label, 11, bold=False)
        self.summary_label.setWordWrap(True)
        outer.addWidget(self.summary_label)
        # made before what is under the summary: Tab reaches the heading's line first
        self.case_review_button = QPushButton(tr("ASB Case Review…"), self,
                                              objectName="caseReviewButton")  # fmt: skip
        self.case_review_button.clicked.connect(self.open_case_review)
        head.addWidget(self.case_review_button)  # on the heading's line: no room taken
        # hate, reassessment and referrals (hubapp.views.case_safeguarding)
        self.safeguarding = CaseSafeguarding(self, self.store)
        self.safeguarding.layout_into(outer)
        self.safeguarding.changed.connect(self._refresh_quietly)
        self.asb_banner = _label("", self)
        self.asb_banner.setObjectName("asbBanner")
        self.asb_banner.setWordWrap(True)
        self.asb_banner.hide()
        outer.addWidget(self.asb_banner)
        self.repeats_banner = _label("", self)
        self.repeats_banner.setObjectName("repeatsBanner")
        self.repeats_banner.setWordWrap(True)
        self.repeats_banner.hide()
        outer.addWidget(self.repeats_banner)
        conflict = QHBoxLayout()
        self.conflict_bar = _label("", self)
        self.conflict_bar.setObjectName("conflictBar")
        self.conflict_bar.setWordWrap(True)
        self.reload_button = QPushButton(tr("&Reload the case"), self, objectName="reloadButton")
        self.reload_button.clicked.connect(self.reload)
        conflict.addWidget(self.conflict_bar, 1)
        conflict.addWidget(self.reload_button)
        self.conflict_bar.hide()
        self.reload_button.hide()
        outer.addLayout(conflict)

        self.tabs = QTabWidget(self, objectName="caseTabs")
        self.tabs.setAccessibleName(tr("The case"))
        self.tabs.setDocumentMode(True)
        # each page scrolls when the window is short: a banner above the tabs takes its room
        # from the page, never grows the window past the screen
        self.tabs.addTab(_scrolling(self._build_summary()), tr("&Summary"))
        self.contacts_tab = self.tabs.addTab(self._build_contacts(), tr("&Contacts"))
        self.tabs.addTab(_scrolling(self._build_people()), tr("&People && places"))
        self.sara_tab = self.tabs.addTab(self._build_sara(), tr("SA&RA plan"))
        self.tabs.addTab(self._build_actions(), tr("&Actions"))
        self.tabs.addTab(_scrolling(self._build_timeline()), tr("&Timeline"))
        self.tabs.addTab(_scrolling(self._build_interventions()), tr("&Interventions"))
        from hubapp.views.victim_contact import VictimContactPage  # issue 17

        self.victim_page = VictimContactPage(self)
        self.victim_tab = self.tabs.addTab(self.victim_page, tr("&Victim contact"))
        from hubapp.views.attachments import AttachmentsPage  # issue 18

        self.attachments_page = AttachmentsPage(self)
        self.attachments_tab = self.tabs.addTab(self.attachments_page, tr("Attac&hments"))
        from hubapp.views.letter_dialog import CommunicationsPage  # issue 18: letters

        self.communications_page = CommunicationsPage(self)
        self.communications_page.changed.connect(self._refresh_quietly)
        # a letter sent is kept as a file of the case too
        self.communications_page.changed.connect(self.attachments_page.reload)
        self.communications_tab = self.tabs.addTab(self.communications_page, tr("Co&mmunications"))
        outer.addWidget(self.tabs, 1)
        self._tab_order()
        self.tabs.currentChanged.connect(lambda _i: QTimer.singleShot(0, self._fit_visible))

        foot = QHBoxLayout()
        self.message = _label("", self)
        self.message.setObjectName("savedBar")
        foot.addWidget(self.message, 1)
        # the hubs this case is shared with (central sync), share / stop sharing
        self.sharing_button = QPushButton(tr("Shared with…"), self, objectName="sharingButton")
        self.sharing_button.setAutoDefault(False)
        self.sharing_button.clicked.connect(lambda: self.show_sharing())
        foot.addWidget(self.sharing_button)
        close = QPushButton(tr("Close"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        foot.addWidget(close)
        outer.addLayout(foot)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self._save_current_tab)
        self._set_enabled(False)

    def show_sharing(self, **options):
        """The "Shared with…" button: which hubs see this case; share or stop sharing."""
        from hubapp.views.central_dialog import SharingDialog

        reference = self.view.reference if self.view is not None else ""
        dialog = SharingDialog(self.store, self.case_id, reference, self, **options)
        dialog.open()
        return dialog

    def _fit_screen(self) -> None:
        """Most of a 1366x768 station screen; a comfortable size on a bigger one. The title
        bar and frame are not in the size given to resize(): leave room for them, and never
        let the window grow taller than the screen (the pages scroll instead)."""
        screen = self.parent().screen() if self.parent() else self.screen()
        area = screen.availableGeometry() if screen is not None else None
        if area is None:
            self.resize(1240, 720)
            return
        width = min(1280, area.width() - 16)
        height = min(760, area.height() - FRAME_ALLOWANCE)
        self.resize(width, height)
        self.move(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2)

    def _problem(self, key: str) -> ProblemLabel:
        p = ProblemLabel(self)
        p.setObjectName(f"problem_{key}")
        self._problems[key] = p
        return p

    def _field(self, form: QFormLayout, text: str, item: QWidget | QLayout, *keys: str,
               buddy: QWidget | None = None) -> None:  # fmt: skip
        """A form row: ``item`` (a widget, or a row of them) with the problem label of each
        of ``keys`` under it; the label's mnemonic goes to ``buddy`` (default: ``item``;
        a row of widgets without one gets a plain label)."""
        box = QVBoxLayout()
        box.setSpacing(1)
        box.setContentsMargins(0, 0, 0, 0)
        if isinstance(item, QLayout):
            box.addLayout(item)
        else:
            box.addWidget(item)
        for key in keys:
            box.addWidget(self._problem(key))
        buddy = buddy if buddy is not None else item if isinstance(item, QWidget) else None
        if buddy is None:
            form.addRow(text, box)
            return
        lab = QLabel(text, self)
        lab.setBuddy(buddy)
        form.addRow(lab, box)

    def _build_summary(self) -> QWidget:
        page = QWidget(self)
        grid = QHBoxLayout(page)
        grid.setContentsMargins(4, 8, 4, 4)
        grid.setSpacing(14)

        left = QGroupBox(tr("The case"), page)
        form = QFormLayout(left)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.summary_edit = QLineEdit(page, objectName="summaryEdit")
        self.summary_edit.setMaxLength(400)
        self.details_edit = _text_edit(page, lines=6)
        self.details_edit.setObjectName("detailsEdit")
        self.details_edit.setMinimumHeight(self.details_edit.height())
        self.details_edit.setMaximumHeight(16777215)
        self.details_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.location_edit = QLineEdit(page, objectName="locationEdit")
        self.town_edit = QLineEdit(page, objectName="townEdit")
        self.postcode_edit = QLineEdit(page, objectName="postcodeEdit")
        self.police_ref_edit = QLineEdit(page, objectName="policeRefEdit")
        self.council_ref_edit = QLineEdit(page, objectName="councilRefEdit")
        self._field(form, tr("S&ummary"), self.summary_edit, "summary")
        self._field(form, tr("&Details"), self.details_edit, "details")
        self._field(form, tr("&Location"), self.location_edit, "location")
        place_row = QHBoxLayout()
        place_row.addWidget(self.town_edit, 2)
        pc = QLabel(tr("P&ostcode"), page)
        pc.setBuddy(self.postcode_edit)
        place_row.addWidget(pc)
        place_row.addWidget(self.postcode_edit, 1)
        self._field(form, tr("To&wn"), place_row, "town", "postcode", buddy=self.town_edit)
        refs = QHBoxLayout()
        refs.addWidget(self.police_ref_edit)
        cl = QLabel(tr("Council re&f"), page)
        cl.setBuddy(self.council_ref_edit)
        refs.addWidget(cl)
        refs.addWidget(self.council_ref_edit)
        # a reference that is refused says so under the two fields
        self._field(form, tr("Police lo&g"), refs, "police_log_ref", "council_ref",
                    buddy=self.police_ref_edit)  # fmt: skip
        grid.addWidget(left, 3)

        right = QVBoxLayout()
        right.setSpacing(8)
        status_box = QGroupBox(tr("Status"), page)
        sform = QFormLayout(status_box)
        self.status_now = _label("", page)
        self.status_now.setObjectName("statusNow")
        sform.addRow(tr("Now"), self.status_now)
        self.status_target = QComboBox(page, objectName="statusTarget")
        self.status_target.currentIndexChanged.connect(self._target_changed)
        self._field(sform, tr("&Move to"), self.status_target, "status", "victims")
        self.outcome_combo = QComboBox(page, objectName="outcomeCombo")
        self.outcome_combo.addItem(tr("Choose the outcome…"), "")
        for o in CaseOutcome:
            self.outcome_combo.addItem(o.label, o.value)
        self.outcome_label = QLabel(tr("Ou&tcome"), page)
        self.outcome_label.setBuddy(self.outcome_combo)
        self.rationale_edit = _text_edit(page, lines=2)
        self.rationale_edit.setObjectName("rationaleEdit")
        self.rationale_label = QLabel(tr("R&ationale"), page)
        self.rationale_label.setBuddy(self.rationale_edit)
        self.satisfied_combo = QComboBox(page, objectName="victimSatisfiedCombo")
        self.satisfied_combo.addItem(tr("Not recorded"), "")
        for s in VictimSatisfied:
            self.satisfied_combo.addItem(s.label, s.value)
        self.satisfied_label = QLabel(tr("Victi&m satisfied"), page)
        self.satisfied_label.setBuddy(self.satisfied_combo)
        self._closing_rows: list[int] = []
        self.status_form = sform
        self.reason_edit = QLineEdit(page, objectName="reasonEdit")
        self.reason_edit.setPlaceholderText(tr("Why (optional, required to reopen)"))
        for text_label, widget, key in ((self.outcome_label, self.outcome_combo, "outcome"),
                                        (self.rationale_label, self.rationale_edit, "rationale"),
                                        (self.satisfied_label, self.satisfied_combo,
                                         "victim_satisfied")):  # fmt: skip
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(self._problem(key))
            sform.addRow(text_label, box)
            self._closing_rows.append(sform.rowCount() - 1)
        self._field(sform, tr("Reaso&n"), self.reason_edit, "reason")
        self.status_button = QPushButton(tr("Chang&e status"), page, objectName="statusButton")
        self.status_button.setAutoDefault(False)
        self.status_button.clicked.connect(self.change_status)
        sform.addRow("", _right(self.status_button))
        right.addWidget(status_box)

        assess = QGroupBox(tr("Risk and review"), page)
        aform = QFormLayout(assess)
        self.risk_combo = QComboBox(page, objectName="riskCombo")
        for r in RiskLevel:
            self.risk_combo.addItem(r.label, r.value)
        self.priority_combo = QComboBox(page, objectName="priorityCombo")
        for p in Priority:
            self.priority_combo.addItem(p.label, p.value)
        self.stage_combo = QComboBox(page, objectName="stageCombo")
        for st in SaraStage:
            self.stage_combo.addItem(st.label, st.value)
        review = QHBoxLayout()
        self.review_check = QCheckBox(tr("on"), page, objectName="reviewCheck")
        self.review_date = _date_edit(page)
        self.review_date.setObjectName("reviewDate")
        self.review_check.toggled.connect(self.review_date.setEnabled)
        review.addWidget(self.review_check)
        review.addWidget(self.review_date)
        review.addStretch(1)
        self._field(aform, tr("R&isk"), self.risk_combo, "risk_level")
        self._field(aform, tr("Priorit&y"), self.priority_combo, "priority")
        self._field(aform, tr("SARA sta&ge"), self.stage_combo, "sara_stage")
        self._field(aform, tr("Ne&xt review"), review, "next_review_on", buddy=self.review_check)
        right.addWidget(assess)

        facts = QGroupBox(tr("Facts"), page)
        fform = QFormLayout(facts)
        fform.setVerticalSpacing(2)
        self.facts: dict[str, QLabel] = {}
        for key, text in (("hub", tr("Hub")), ("category", tr("Category")),
                          ("channel", tr("Came in by")), ("received", tr("Received")),
                          ("incident", tr("Incident")), ("opened", tr("Opened")),
                          ("agencies", tr("Agencies"))):  # fmt: skip
            value = _label("", page)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts[key] = value
            fform.addRow(_label(text, page, hint=True), value)
        right.addWidget(facts)
        right.addStretch(1)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        self.summary_save = QPushButton(tr("&Save changes"), page, objectName="summarySave")
        self.summary_save.setToolTip(tr("Save the summary, details, risk and review (Ctrl+S)"))
        self.summary_save.setAutoDefault(False)
        self.summary_save.clicked.connect(lambda: self.save_summary())
        save_row.addWidget(self.summary_save)
        right.addLayout(save_row)
        holder = QWidget(page)
        holder.setLayout(right)
        holder.setMinimumWidth(390)
        grid.addWidget(holder, 2)
        return page

    def _build_contacts(self) -> QWidget:
        self.contacts_model = RecordTableModel([
            Column(tr("Received"), lambda c: format_datetime(c.received_at)),
            Column(tr("Came in by"), lambda c: c.channel),
            Column(tr("Incident"), lambda c: format_datetime(c.incident_at)),
            Column(tr("Reporter"), lambda c: c.reporter or (tr("Anonymous") if c.anonymous
                                                              else "")),
            Column(tr("Consent"), lambda c: tr("Yes") if c.consent else tr("No")),
            Column(tr("Reference"), lambda c: c.external_ref),
            Column(tr("What was reported"), lambda c: c.summary, tooltip=True),
        ], self)  # fmt: skip
        self.contacts_table = _table(self.contacts_model, "contactsTable", self)
        self.contacts_table.setAccessibleName(tr("Contacts"))
        return self._page(self.contacts_table, [112, 130, 112, 150, 64, 140])

    def _page(self, table: QTableView, widths: list[int], hint: str = "") -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 8, 4, 4)
        if hint:
            lay.addWidget(_label(hint, page, hint=True))
        lay.addWidget(table)
        for i, w in enumerate(widths):
            table.setColumnWidth(i, w)
        return page

    def _build_people(self) -> QWidget:
        def private(p, value):
            return tr("locked down") if p.locked_down else value

        self.people_model = RecordTableModel([
            Column(tr("Name"), lambda p: p.name),
            Column(tr("Role"), lambda p: label(PersonRole, p.role)),
            Column(tr("Date of birth"), lambda p: private(p, format_date(p.date_of_birth))),
            Column(tr("Phone"), lambda p: private(p, p.phone)),
            Column(tr("Email"), lambda p: private(p, p.email)),
            Column(tr("Address"), lambda p: private(p, p.address), tooltip=True),
            Column(tr("Safeguarding"), lambda p: p.flags, tooltip=True),
        ], self)  # fmt: skip
        self.places_model = RecordTableModel([
            Column(tr("Place"), lambda p: p.name),
            Column(tr("Town"), lambda p: p.town),
            Column(tr("Postcode"), lambda p: p.postcode),
            Column(tr("Grid reference"), lambda p: p.grid_ref),
            Column(tr("Role"), lambda p: p.role.replace("_", " ").capitalize()),
        ], self)  # fmt: skip
        self.people_table = _table(self.people_model, "peopleTable", self)
        self.people_table.setAccessibleName(tr("People"))
        self.places_table = _table(self.places_model, "placesTable", self)
        self.places_table.setAccessibleName(tr("Places"))
        for t, widths in ((self.people_table, [190, 150, 100, 130, 230]),
                          (self.places_table, [300, 140, 100, 120])):  # fmt: skip
            for i, w in enumerate(widths):
                t.setColumnWidth(i, w)
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 8, 4, 4)
        lay.addWidget(_label(tr("People"), page, hint=True))
        lay.addWidget(self.people_table, 3)
        self.subject_access_button = QPushButton(tr("Subject access e&xport…"), page)
        self.subject_access_button.setObjectName("subjectAccessButton")
        self.subject_access_button.setAutoDefault(False)
        self.subject_access_button.clicked.connect(lambda: self.subject_access_export())
        self.add_person_button = QPushButton(tr("Add a perso&n…"), page,
                                             objectName="addPersonButton")  # fmt: skip
        self.add_person_button.setAutoDefault(False)
        self.add_person_button.clicked.connect(lambda: self.add_person())
        people_row = QHBoxLayout()
        people_row.addWidget(self.add_person_button)
        people_row.addWidget(self.subject_access_button)
        people_row.addStretch(1)
        lay.addLayout(people_row)
        lay.addWidget(self.safeguarding.referrals_page(page), 2)
        lay.addWidget(_label(tr("Places"), page, hint=True))
        lay.addWidget(self.places_table, 2)
        lay.addWidget(_label(tr("Linked cases"), page, hint=True))
        lay.addWidget(self._build_links(page), 2)
        row = QHBoxLayout()
        self.link_case_button = QPushButton(tr("&Link a case…"), page, objectName="linkCaseButton")
        self.link_case_button.setAutoDefault(False)
        self.link_case_button.clicked.connect(lambda: self.link_case())
        row.addWidget(self.link_case_button)
        row.addWidget(_label(tr("Enter or a double-click on a linked case opens it"), page,
                             hint=True), 1)  # fmt: skip
        lay.addLayout(row)
        return page

    def _build_links(self, page: QWidget) -> QTableView:
        from hubapp.store.casework.links import UNSEEN

        def other(link) -> str:
            return link.other_reference if link.visible else tr(UNSEEN)

        def status(link) -> str:
            if not link.visible:
                return ""
            text = label(CaseStatus, link.other_status)
            if link.other_status == CaseStatus.CLOSED and link.other_outcome:
                if link.other_outcome == CaseOutcome.DUPLICATE:
                    return tr("Closed as a duplicate")
                text += f" – {label(CaseOutcome, link.other_outcome).lower()}"
            return text

        self.links_model = RecordTableModel([
            Column(tr("Link"), lambda link: label(CaseLinkKind, link.kind)),
            Column(tr("Case"), other),
            Column(tr("Status"), status),
            Column(tr("Hub"), lambda link: link.other_hub),
            Column(tr("Summary"), lambda link: link.other_summary, tooltip=True, one_line=True),
            Column(tr("Reason"), lambda link: link.reason, tooltip=True, one_line=True),
            Column(tr("Linked"), lambda link: " ".join(x for x in (
                format_date(link.created_at.date()), link.created_by) if x)),
        ], self, key=lambda link: link.id)  # fmt: skip
        self.links_table = _table(self.links_model, "linksTable", page)
        self.links_table.setAccessibleName(tr("Linked cases"))
        self.links_table.setWordWrap(False)
        self.links_table.activated.connect(self._open_link)
        for i, w in enumerate([120, 120, 160, 100, 260, 300]):
            self.links_table.setColumnWidth(i, w)
        return self.links_table

    def _open_link(self, index) -> None:
        link = index.data(RecordRole)
        if link is not None and link.visible and link.other_id is not None:
            self.caseOpenRequested.emit(link.other_id)

    def link_case(self):
        """The "Link a case…" button: the dialog (it links in the background); returns it."""
        from hubapp.views.case_links import LinkCaseDialog

        if self.view is None:
            return None
        dialog = LinkCaseDialog(self.store, self.case_id, self.view.reference, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.linked.connect(self._linked)
        dialog.destroyed.connect(lambda _o=None: setattr(self, "link_dialog", None))
        dialog.open()
        self.link_dialog = dialog
        return dialog

    def add_person(self):
        """The "Add a person…" button (issue 17): a new person on the case, with a date of
        birth (hubapp.views.add_person); returns the dialog."""
        from hubapp.views.add_person import AddPersonDialog

        if self.view is None:
            return None
        dialog = AddPersonDialog(self.store, self.case_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.added.connect(lambda _id: self._start(load_job_quiet, self.store, self.case_id,
                                                     ok=self._person_added))  # fmt: skip
        dialog.open()
        return dialog

    def _person_added(self, v) -> None:
        self._links_reloaded(v)
        self._fill_choices(v)
        self._after_save(tr("Person added."))

    def _linked(self, done) -> None:
        self._after_save(done.describe())
        # the links, contacts, people and timeline change: re-read them (not the forms' text)
        self._start(load_job_quiet, self.store, self.case_id, ok=self._links_reloaded)

    def _links_reloaded(self, v) -> None:
        self._refreshed(v)
        self.contacts_model.set_records(v.contacts)
        self.people_model.set_records(v.people)
        _fit_rows(self.contacts_table)
        self.tabs.setTabText(1, tr("&Contacts ({0})").format(len(v.contacts)))

    def subject_access_export(self, path: str | None = None):
        """Everything held about the selected person, redacted, to a file (in the
        background; hubapp.views.audit_viewer). Returns the dialog, or None."""
        from hubapp.views.audit_viewer import SubjectAccessDialog

        rows = self.people_table.selectionModel().selectedRows()
        person = self.people_model.record(rows[0].row()) if rows else None
        if person is None:
            box = QMessageBox(QMessageBox.Icon.Information, tr("Subject access export"),
                              tr("Choose a person in the list first."),
                              QMessageBox.StandardButton.Ok, self)  # fmt: skip
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.open()
            return None
        dialog = SubjectAccessDialog(self.store, person.id, person.name, self)
        dialog.open()
        if path is not None:
            dialog.start(path)
        return dialog

    def _build_sara(self) -> QWidget:
        from hubapp.store.casework.sara import GROUPS

        page = QWidget(self)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(4, 6, 4, 4)
        top = QHBoxLayout()
        self.sara_stage_label = _label("", page)
        self.sara_stage_label.setObjectName("saraStage")
        top.addWidget(self.sara_stage_label)
        top.addStretch(1)
        self.sara_saved = _label("", page, hint=True)
        top.addWidget(self.sara_saved)
        self.sara_save = QPushButton(tr("Save SARA &plan"), page, objectName="saraSave")
        self.sara_save.setAutoDefault(False)
        self.sara_save.setToolTip(tr("Save the plan (Ctrl+S)"))
        self.sara_save.clicked.connect(lambda: self.save_sara())
        top.addWidget(self.sara_save)
        outer.addLayout(top)

        scroll = QScrollArea(page)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        cols = QHBoxLayout(body)
        cols.setContentsMargins(0, 0, 8, 0)
        cols.setSpacing(12)
        left, right = QVBoxLayout(), QVBoxLayout()
        self.sara_fields: dict[str, QPlainTextEdit | QComboBox] = {}
        labels = {f: (lab, hint) for _g, items in GROUPS for f, lab, hint in items}

        def text(name: str, lines: int = 2, caption: bool = True) -> QWidget:
            edit = _text_edit(body, lines=lines)
            edit.setObjectName(f"sara_{name}")
            edit.setPlaceholderText(labels[name][1])
            self.sara_fields[name] = edit
            box = QWidget(body)
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(1)
            if not caption:  # named by its group's title
                edit.setAccessibleName(labels[name][0].replace("&", "").rstrip(":"))
            if caption:
                cap = QLabel(labels[name][0], box)
                cap.setBuddy(edit)
                lay.addWidget(cap)
            lay.addWidget(edit)
            lay.addWidget(self._problem(f"sara_{name}"))
            return box

        def group(title: str, names: list[str], lines: int = 2) -> QGroupBox:
            g = QGroupBox(title, body)
            lay = QVBoxLayout(g)
            lay.setSpacing(4)
            for n in names:
                lay.addWidget(text(n, lines))
            return g

        objective = QGroupBox(tr("Objective"), body)
        QVBoxLayout(objective).addWidget(text("objective", caption=False))
        left.addWidget(objective)
        left.addWidget(group(tr("Scanning"), ["scan_source", "scan_affected", "scan_frequency"]))
        left.addWidget(group(tr("Response"), ["response_options", "response_responsible"]))
        left.addStretch(1)

        analysis = QGroupBox(tr("Analysis: the problem analysis triangle"), body)
        alay = QVBoxLayout(analysis)
        tri = QGridLayout()
        tri.setHorizontalSpacing(10)
        tri.setVerticalSpacing(4)
        head_inner = _label(tr("Inner triangle"), body, hint=True)
        head_outer = _label(tr("…and who controls it"), body, hint=True)
        tri.addWidget(head_inner, 0, 0)
        tri.addWidget(head_outer, 0, 1)
        for row, (inner, outer_) in enumerate((("pat_offender", "pat_handler"),
                                               ("pat_victim", "pat_guardian"),
                                               ("pat_location", "pat_manager")), start=1):  # fmt: skip
            tri.addWidget(text(inner), row, 0)
            tri.addWidget(text(outer_), row, 1)
        alay.addLayout(tri)
        alay.addWidget(text("hypothesis"))
        alay.addWidget(text("data_used", 1))
        right.addWidget(analysis)

        assessment = QGroupBox(tr("Assessment"), body)
        slay = QVBoxLayout(assessment)
        slay.addWidget(text("assessment_process", 1))
        measures = QHBoxLayout()
        measures.addWidget(text("measure_before", 1))
        measures.addWidget(text("measure_after", 1))
        slay.addLayout(measures)
        goal_row = QHBoxLayout()
        self.impact_goal = QComboBox(body, objectName="sara_impact_goal")
        self.impact_goal.addItem(tr("Not chosen yet"), "")
        for g in ImpactGoal:
            self.impact_goal.addItem(g.label, g.value)
        gl = QLabel(tr("Impact &goal"), body)
        gl.setBuddy(self.impact_goal)
        goal_row.addWidget(gl)
        goal_row.addWidget(self.impact_goal, 1)
        slay.addLayout(goal_row)
        slay.addWidget(self._problem("sara_impact_goal"))
        slay.addWidget(text("assessment_impact"))
        right.addWidget(assessment)
        right.addStretch(1)
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        return page

    def _build_actions(self) -> QWidget:
        self.actions_model = RecordTableModel([
            Column(tr("Agency"), lambda a: a.agency),
            Column(tr("Due"), lambda a: format_date(a.due_on),
                   colour=lambda a: RAG_COLOURS.get(a.rag)),
            Column(tr("Status"), lambda a: a.rag.label if a.rag is not Rag.NONE
                   else a.status.replace("_", " ").capitalize(),
                   colour=lambda a: RAG_COLOURS.get(a.rag)),
            Column(tr("Owner"), lambda a: a.owner),
            Column(tr("Action"), lambda a: a.description, tooltip=True),
            Column(tr("Outcome"), lambda a: a.outcome, tooltip=True),
        ], self)  # fmt: skip
        self.actions_table = _table(self.actions_model, "actionsTable", self)
        self.actions_table.setAccessibleName(tr("Actions"))
        return self._page(self.actions_table, [110, 90, 90, 170, 380],
                          tr("Actions are read-only here: add and update them in the "
                             "assignment grid."))  # fmt: skip

    def _build_timeline(self) -> QWidget:
        from hubapp.store.casework.timeline import KIND_LABELS

        self.timeline_model = RecordTableModel([
            Column(tr("When"), lambda e: format_datetime(e.at)),
            Column(tr("What"), lambda e: KIND_LABELS.get(e.kind, e.kind)),
            Column(tr("Entry"), lambda e: e.title),
            Column(tr("By"), lambda e: e.by),
            Column(tr("Text"), lambda e: shorten(e.text), tooltip=lambda e: e.text),
        ], self)  # fmt: skip
        self.timeline_table = _table(self.timeline_model, "timelineTable", self)
        self.timeline_table.setAccessibleName(tr("Timeline"))
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 8, 4, 4)
        split = QSplitter(Qt.Orientation.Vertical, page)
        split.addWidget(self.timeline_table)
        # the selected entry in full (a row shows the first lines of a long report)
        self.timeline_details = QPlainTextEdit(page, objectName="timelineDetails")
        self.timeline_details.setAccessibleName(tr("The entry in full"))
        self.timeline_details.setReadOnly(True)
        self.timeline_details.setTabChangesFocus(True)
        self.timeline_details.setPlaceholderText(tr("Select an entry to read all of it here."))
        self.timeline_details.setMinimumHeight(self.timeline_details.fontMetrics().lineSpacing()
                                               * 3 + 14)  # fmt: skip
        split.addWidget(self.timeline_details)
        self.timeline_table.selectionModel().selectionChanged.connect(
            lambda *_: self._timeline_selected()
        )
        self.timeline_model.modelReset.connect(self._timeline_selected)
        for i, w in enumerate([112, 100, 250, 150]):
            self.timeline_table.setColumnWidth(i, w)
        box = QGroupBox(tr("Add a note"), page)
        blay = QVBoxLayout(box)
        self.note_edit = _text_edit(box, lines=3)
        self.note_edit.setObjectName("noteEdit")
        self.note_edit.setPlaceholderText(tr("What happened, what was agreed… (notes cannot be "
                                             "changed once added)"))  # fmt: skip
        blay.addWidget(self.note_edit)
        blay.addWidget(self._problem("body"))
        row = QHBoxLayout()
        self.note_visibility = QComboBox(box, objectName="noteVisibility")
        for v in NoteVisibility:
            self.note_visibility.addItem(v.label, v.value)
        self.note_agency = QComboBox(box, objectName="noteAgency")
        self.note_visibility.currentIndexChanged.connect(self._visibility_changed)
        vl = QLabel(tr("&Who may read it"), box)
        vl.setBuddy(self.note_visibility)
        row.addWidget(vl)
        row.addWidget(self.note_visibility)
        al = QLabel(tr("Your a&gency"), box)
        al.setBuddy(self.note_agency)
        row.addWidget(al)
        row.addWidget(self.note_agency)
        row.addStretch(1)
        self.note_button = QPushButton(tr("Add &note"), box, objectName="noteButton")
        self.note_button.setAutoDefault(False)
        self.note_button.clicked.connect(lambda: self.add_note())
        row.addWidget(self.note_button)
        blay.addLayout(row)
        blay.addWidget(self._problem("agency"))
        blay.addWidget(self._problem("visibility"))
        split.addWidget(box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        split.setChildrenCollapsible(False)
        lay.addWidget(split)
        return page

    def _tab_order(self) -> None:
        """Tab goes down each page as it reads: a table above its form comes first. (Set
        once the pages are in their scroll areas: moving a page there orders its focus chain
        by when its widgets were made.)"""
        for order in (
            [self.people_table, self.add_person_button, self.subject_access_button,
             self.safeguarding.assessments_table,
             self.safeguarding.referrals_table,
             self.safeguarding.referral_button, self.places_table, self.links_table,
             self.link_case_button],
            [self.timeline_table, self.timeline_details, self.note_edit, self.note_visibility,
             self.note_agency, self.note_button],
            [self.interventions_table, self.iv_type, self.iv_target, self.iv_agency,
             self.iv_issued, self.iv_expires_check, self.iv_expires, self.iv_conditions,
             *self.iv_statutory.widgets(),
             self.iv_add, self.breach_date, self.breach_details, self.breach_outcome,
             self.breach_button, self.end_status, self.end_date, self.end_button,
             self.cited_orders.table, self.cited_orders.choice, self.cited_orders.note,
             self.cited_orders.cite_button, self.cited_orders.uncite_button],
        ):  # fmt: skip
            for a, b in zip(order, order[1:], strict=False):
                QWidget.setTabOrder(a, b)

    def _timeline_selected(self) -> None:
        rows = self.timeline_table.selectionModel().selectedRows()
        entry = rows[0].data(RecordRole) if rows else None
        self.timeline_details.setPlainText(entry.text if entry is not None else "")

    def _build_interventions(self) -> QWidget:
        self.interventions_model = RecordTableModel([
            Column(tr("Intervention"), lambda i: i.type_name),
            Column(tr("Against"), lambda i: i.target),
            Column(tr("Issued by"), lambda i: i.agency),
            Column(tr("Issued"), lambda i: format_date(i.issued_on)),
            Column(tr("Expires"), lambda i: format_date(i.expires_on)),
            Column(tr("Status"), lambda i: label(InterventionStatus, i.status)
                   + (f" ({format_date(i.ended_on)})" if i.ended_on else ""),
                   colour=lambda i: "#b00020" if i.status == "breached" else None),
            Column(tr("Breaches"), lambda i: str(i.breaches) if i.breaches else ""),
            Column(tr("Conditions"), lambda i: i.conditions, tooltip=True),
        ], self)  # fmt: skip
        self.interventions_table = _table(self.interventions_model, "interventionsTable", self)
        self.interventions_table.setAccessibleName(tr("Interventions"))
        for i, w in enumerate([230, 170, 90, 82, 82, 130, 66]):
            self.interventions_table.setColumnWidth(i, w)
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 8, 4, 4)
        lay.addWidget(self.interventions_table, 1)
        forms = QHBoxLayout()

        add = QGroupBox(tr("Add an intervention"), page)
        af = QFormLayout(add)
        self.iv_type = QComboBox(add, objectName="ivType")
        self.iv_target = QComboBox(add, objectName="ivTarget")
        self.iv_agency = QComboBox(add, objectName="ivAgency")
        self.iv_issued = _date_edit(add)
        self.iv_issued.setObjectName("ivIssued")
        self.iv_expires_check = QCheckBox(tr("expires"), add, objectName="ivExpiresCheck")
        self.iv_expires = _date_edit(add)
        self.iv_expires.setObjectName("ivExpires")
        self.iv_expires.setEnabled(False)
        self.iv_expires_check.toggled.connect(self.iv_expires.setEnabled)
        self.iv_conditions = _text_edit(add, lines=2)
        self.iv_conditions.setObjectName("ivConditions")
        self._field(af, tr("&Kind"), self.iv_type, "iv_type")
        self._field(af, tr("A&gainst"), self.iv_target, "iv_target")
        self._field(af, tr("Issued &by"), self.iv_agency, "iv_agency")
        issued_row = QHBoxLayout()
        issued_row.addWidget(self.iv_issued)
        issued_row.addWidget(self.iv_expires_check)
        issued_row.addWidget(self.iv_expires)
        issued_row.addStretch(1)
        self._field(af, tr("Iss&ued on"), issued_row, "iv_issued_on", "iv_expires_on",
                    buddy=self.iv_issued)  # fmt: skip
        self._field(af, tr("Con&ditions"), self.iv_conditions, "iv_conditions")
        self.iv_statutory = powers_panel.StatutoryRows(self, af, add)  # issue 17
        self.iv_add = QPushButton(tr("Add &intervention"), add, objectName="ivAdd")
        self.iv_add.setAutoDefault(False)
        self.iv_add.clicked.connect(lambda: self.add_intervention())
        af.addRow("", _right(self.iv_add))
        forms.addWidget(add, 3)

        sel = QGroupBox(tr("The selected intervention"), page)
        sf = QFormLayout(sel)
        self.breach_date = _date_edit(sel)
        self.breach_date.setObjectName("breachDate")
        self.breach_details = QLineEdit(sel, objectName="breachDetails")
        self.breach_details.setPlaceholderText(tr("What happened"))
        self._field(sf, tr("Breach on"), self.breach_date, "iv_breached_on")
        self._field(sf, tr("Breach"), self.breach_details, "iv_details")
        self.breach_outcome = powers_panel.outcome_row(self, sf, sel)
        self.breach_button = QPushButton(tr("Record &breach"), sel, objectName="breachButton")
        self.breach_button.setAutoDefault(False)
        self.breach_button.clicked.connect(self.record_breach)
        sf.addRow("", _right(self.breach_button))
        end_row = QHBoxLayout()
        self.end_status = QComboBox(sel, objectName="endStatus")
        for st in (InterventionStatus.COMPLIED, InterventionStatus.ENDED,
                   InterventionStatus.REVOKED):  # fmt: skip
            self.end_status.addItem(st.label, st.value)
        self.end_date = _date_edit(sel)
        self.end_date.setObjectName("endDate")
        end_row.addWidget(self.end_status)
        end_row.addWidget(self.end_date)
        self._field(sf, tr("Ended as"), end_row, "iv_ended_on")
        self.end_button = QPushButton(tr("&End it"), sel, objectName="endButton")
        self.end_button.setAutoDefault(False)
        self.end_button.clicked.connect(self.end_intervention)
        sf.addRow("", _right(self.end_button))
        forms.addWidget(sel, 2)
        lay.addLayout(forms)
        self.cited_orders = powers_panel.CitedOrders(self.store, self.case_id, page)
        lay.addWidget(self.cited_orders)
        self.interventions_table.selectionModel().selectionChanged.connect(
            lambda *_: self._selection_changed()
        )
        return page

    # -- loading -----------------------------------------------------------------------------
    def _start(self, fn: Callable, *args, ok: Callable[[Any], None]) -> Task:
        task = Task(fn, *args)
        self._tasks.add(task)
        task.succeeded.connect(ok)
        task.failed.connect(self._failed)
        task.finished.connect(lambda: self._tasks.discard(task))
        return task.start()

    def open_case_review(self):
        """The case's ASB Case Reviews (hubapp.views.case_review)."""
        from hubapp.views.case_review import open_review_dialog

        return open_review_dialog(self.store, self.case_id, self)

    def reload(self) -> None:
        """Read the case again (after a conflict, this replaces what is in the forms)."""
        self.message.setText(tr("Opening the case…"))
        self._set_enabled(False)
        self._start(load_job, self.store, self.case_id, ok=self._loaded)
        self.cited_orders.reload()

    def _set_enabled(self, on: bool) -> None:
        self.tabs.setEnabled(on)

    def _failed(self, exc: BaseException) -> None:
        from sqlalchemy.orm.exc import StaleDataError

        from hubapp.store.errors import EditConflict

        message = user_message(exc)
        self.message.setText("")
        self._set_enabled(self.view is not None)
        self.failed.emit(message)
        if isinstance(exc, EditConflict | StaleDataError):  # saved by someone else meanwhile
            self.conflict_bar.setText(
                message
                + " "
                + tr(
                    "What you typed is still in the form; reload to see their "
                    "version (your typing will be replaced)."
                )  # fmt: skip
            )
            self.conflict_bar.show()
            self.reload_button.show()
        else:
            self.message.setText(message)

    def _loaded(self, view) -> None:
        self.view = view
        self.case_version = view.row_version
        self.sara_version = view.sara.row_version if view.sara else 0
        self.conflict_bar.hide()
        self.reload_button.hide()
        self.message.setText("")
        self._fill(view)
        self._saved_summary = self.summary_draft()
        self._saved_sara = self.sara_draft()
        self._set_enabled(True)
        if self.victim_page.case_id is None:
            self.victim_page.attach(self.store, self.case_id)
        if self.attachments_page.case_id is None:
            self.attachments_page.attach(self.store, self.case_id)
        if self.communications_page.case_id is None:
            self.communications_page.attach(self.store, self.case_id)
        self.loaded.emit(view)

    def _fill(self, v) -> None:
        self.setWindowTitle(f"{v.reference} – {v.summary}")
        self._fill_header(v)
        self.summary_edit.setText(v.summary)
        self.details_edit.setPlainText(v.details)
        self.location_edit.setText(v.location)
        self.town_edit.setText(v.town)
        self.postcode_edit.setText(v.postcode)
        self.police_ref_edit.setText(v.police_log_ref)
        self.council_ref_edit.setText(v.council_ref)
        for combo, value in ((self.risk_combo, v.risk_level), (self.priority_combo, v.priority),
                             (self.stage_combo, v.sara_stage)):  # fmt: skip
            i = combo.findData(value)
            if i < 0:
                combo.addItem(value, value)
                i = combo.count() - 1
            combo.setCurrentIndex(i)
        self.review_check.setChecked(v.next_review_on is not None)
        self.review_date.setEnabled(v.next_review_on is not None)
        self.review_date.setDate(_qdate(v.next_review_on) if v.next_review_on
                                 else QDate.currentDate())  # fmt: skip
        self._fill_status(v)
        self._offer_only_what_is_allowed()
        agencies = ", ".join(f"{a} ({label(AgencyRole, r).lower()})" for a, r in v.assignments)
        facts = {
            "hub": v.hub, "category": v.category, "channel": v.channel,
            "received": format_datetime(v.received_at),
            "incident": format_datetime(v.incident_at) or "—",
            "opened": format_date(v.opened_on)
            + (f", closed {format_date(v.closed_on)}" if v.closed_on else ""),
            "agencies": agencies or "—",
        }  # fmt: skip
        for key, value in facts.items():
            self.facts[key].setText(value)
        self.contacts_model.set_records(v.contacts)
        self.people_model.set_records(v.people)
        self.places_model.set_records(v.places)
        self.actions_model.set_records(v.actions)
        self.timeline_model.set_records(v.timeline)
        self.interventions_model.set_records(v.interventions)
        self.links_model.set_records(v.links)
        for t in (self.contacts_table, self.actions_table, self.timeline_table):
            _fit_rows(t)
        self.tabs.setTabText(1, tr("&Contacts ({0})").format(len(v.contacts)))
        self.tabs.setTabText(4, tr("&Actions ({0})").format(len(v.actions)))
        self.tabs.setTabText(6, tr("&Interventions ({0})").format(len(v.interventions)))
        self._fill_sara(v.sara.draft if v.sara else None)
        self._fill_choices(v)
        for p in self._problems.values():
            p.show_problem("")

    def _fit_visible(self) -> None:
        """Row heights for wrapped text, once a table has its real width."""
        for t in (self.contacts_table, self.actions_table, self.timeline_table,
                  self.interventions_table):  # fmt: skip
            if t.isVisible():
                _fit_rows(t)

    def _fill_header(self, v) -> None:
        self.ref_label.setText(v.reference)
        self.summary_label.setText(v.summary)
        status = label(CaseStatus, v.status)
        if v.closed_on:
            status += f" {format_date(v.closed_on)}"
        self.status_chip.setText(status)
        self.risk_chip.setText(tr("{0} risk").format(label(RiskLevel, v.risk_level)))
        self.risk_chip.setStyleSheet(f"color: {RISK_COLOURS.get(v.risk_level, '#2b2d42')};")
        self.stage_chip.setText(tr("SARA: {0}").format(label(SaraStage, v.sara_stage)))
        self.where_label.setText(" · ".join(x for x in (v.hub, v.category,
                                                        v.lead_agency and f"lead {v.lead_agency}")
                                            if x))  # fmt: skip
        self.sara_stage_label.setText(
            tr("SARA stage: {0}  (change it on the Summary tab)").format(
                label(SaraStage, v.sara_stage))
        )  # fmt: skip
        warnings = v.asb_warnings
        if warnings:
            flagged = [w for w in warnings if w.flagged]
            lead = tr("ASB Case Review threshold reached") if flagged else tr(
                "Approaching the ASB Case Review threshold")  # fmt: skip
            self.asb_banner.setText("⚠ " + lead + "\n" + "\n".join(w.describe() for w in warnings))
            self.asb_banner.show()
        else:
            self.asb_banner.hide()
        lines = [line for subject in v.repeats for line in subject.describe()]
        if lines:
            self.repeats_banner.setText(tr("Repeats across cases:") + "\n" + "\n".join(lines))
            self.repeats_banner.setAccessibleName(tr("Repeats across cases"))
            self.repeats_banner.show()
        else:
            self.repeats_banner.hide()
        self.safeguarding.fill(v)

    def _fill_status(self, v) -> None:
        now = label(CaseStatus, v.status)
        if v.status == CaseStatus.CLOSED and v.outcome:
            now += f" – {label(CaseOutcome, v.outcome)}"
        self.status_now.setText(now)
        self.status_target.blockSignals(True)
        self.status_target.clear()
        for s in rules.allowed_next(v.status):
            self.status_target.addItem(s.label, s.value)
        self.status_target.blockSignals(False)
        self.outcome_combo.setCurrentIndex(0)
        self.satisfied_combo.setCurrentIndex(0)
        self.rationale_edit.setPlainText("")
        self.reason_edit.setText("")
        self._target_changed()

    def _target_changed(self) -> None:
        closing = self.status_target.currentData() == CaseStatus.CLOSED
        for r in self._closing_rows:
            self.status_form.setRowVisible(r, closing)
        # showing a row shows its empty problem label too
        for key in ("outcome", "rationale", "victim_satisfied"):
            problem = self._problems[key]
            problem.setVisible(closing and bool(problem.text()))
        self.status_button.setEnabled(self.status_target.count() > 0 and self._may("edit"))

    def _fill_sara(self, draft) -> None:
        for name, edit in self.sara_fields.items():
            edit.setPlainText(getattr(draft, name) if draft else "")
        goal = draft.impact_goal if draft else ""
        self.impact_goal.setCurrentIndex(max(0, self.impact_goal.findData(goal)))
        self.sara_saved.setText(
            tr("No plan yet") if not self.sara_version else tr("Plan version {0}").format(
                self.sara_version)
        )  # fmt: skip

    def _fill_choices(self, v) -> None:
        keep_type = self.iv_type.currentData()
        self.iv_type.clear()
        self.iv_type.addItem(tr("Choose…"), None)
        for t in v.intervention_types:
            self.iv_type.addItem(t.name, t)
        self.iv_type.setCurrentIndex(max(0, self.iv_type.findData(keep_type)))
        self.iv_target.clear()
        self.iv_target.addItem(tr("Choose…"), None)
        for p in v.people:
            self.iv_target.addItem(tr("Person: {0} ({1})").format(
                p.name, label(PersonRole, p.role).lower()), ("person", p.id))  # fmt: skip
        for p in v.places:
            self.iv_target.addItem(tr("Place: {0}").format(
                ", ".join(x for x in (p.name, p.town) if x)), ("place", p.id))  # fmt: skip
        for combo in (self.iv_agency, self.note_agency):
            current = combo.currentData()
            combo.clear()
            combo.addItem(tr("Choose…"), None)
            for a in v.agencies:
                combo.addItem(a.short_name, a.id)
            combo.setCurrentIndex(max(0, combo.findData(current)))
        self._visibility_changed()
        self._selection_changed()

    def _visibility_changed(self) -> None:
        self.note_agency.setEnabled(self.note_visibility.currentData() == NoteVisibility.OWN_AGENCY)

    def _may(self, what: str) -> bool:
        """What the signed-in account may do here (hubapp.store.access decides; the store
        refuses anyway: this only avoids offering what would be refused)."""
        from hubapp.store import access
        from hubapp.store.roles import Op

        return {
            "edit": access.may_edit_cases, "write": access.may_write,
            "manage": access.may_manage_cases, "admin": access.is_admin,
            "link": lambda store: access.may(store, Op.LINK_CASES),
        }[what](self.store)  # fmt: skip

    def _offer_only_what_is_allowed(self) -> None:
        from hubapp.domain.codes import CaseStatus as Status

        if not self._may("manage"):  # closing and reopening are for coordinators
            closed = self.status_target.findData(Status.CLOSED.value)
            if closed >= 0:
                self.status_target.removeItem(closed)
            if self.view is not None and self.view.status == Status.CLOSED:
                self.status_target.clear()
        edit = self._may("edit")
        for w in (self.summary_save, self.sara_save, self.iv_add):
            w.setEnabled(edit)
        self.status_button.setEnabled(self.status_target.count() > 0 and edit)
        self.note_button.setEnabled(self._may("write"))
        self.subject_access_button.setEnabled(self._may("admin"))
        self.add_person_button.setEnabled(edit)
        self.link_case_button.setEnabled(self._may("link"))

    def _selection_changed(self) -> None:
        rows = self.interventions_table.selectionModel().selectedRows()
        item = rows[0].data(RecordRole) if rows else None
        live = item is not None and InterventionStatus(item.status).is_live
        for w in (self.breach_button, self.end_button):
            w.setEnabled(live and self._may("edit"))

    # -- problems and messages -----------------------------------------------------------------
    def _show_problems(self, problems, prefix: str = "", keys: tuple[str, ...] = ()) -> None:
        for key in keys:
            if key in self._problems:
                self._problems[key].show_problem("")
        for p in problems:
            key = prefix + p.field
            target = self._problems.get(key)
            if target is not None:
                target.show_problem(p.message)
        if problems:
            self.message.setText(problems[0].message)

    def _run(self, fn: Callable, *args, ok: Callable[[Any], None], keys: tuple[str, ...] = (),
             prefix: str = "", button: QPushButton | None = None,
             then: Callable[[bool], None] | None = None) -> None:  # fmt: skip
        """Run a save in the background; show its problems next to the fields. ``then(saved)``
        is called at the end, True once ``ok`` has run, False on problems or a failure."""
        from hubapp.store.casework.workflow import CaseworkError

        def job(_ctx):
            try:
                return ("ok", fn(*args))
            except CaseworkError as exc:  # problems for the fields, not an error
                return ("problems", (str(exc), exc.problems))

        def done(result) -> None:
            if button is not None:
                button.setEnabled(True)
            kind, value = result
            if kind == "problems":
                message, problems = value
                self._show_problems(problems, prefix, keys)
                self.message.setText(message)
                if then is not None:
                    then(False)
                return
            self._show_problems([], prefix, keys)
            self.conflict_bar.hide()
            self.reload_button.hide()
            ok(value)
            if then is not None:
                then(True)

        def failed(_exc: BaseException) -> None:
            if button is not None:
                button.setEnabled(True)
            if then is not None:
                then(False)

        if button is not None:
            button.setEnabled(False)
        self.message.setText(tr("Saving…"))
        task = self._start(job, ok=done)
        task.failed.connect(failed)

    def _after_save(self, text: str) -> None:
        self.message.setText(text)
        self.saved.emit(self.case_id)

    def _refresh_quietly(self) -> None:
        """Re-read the lists after a change, keeping what is typed in the other forms."""
        from hubapp.store.casework import caseview

        def job(_ctx):
            return caseview.load(self.store, self.case_id, record_view=False)

        self._start(job, ok=self._refreshed)

    def _refreshed(self, v) -> None:
        self.view = v
        self._fill_header(v)
        self.timeline_model.set_records(v.timeline)
        self.interventions_model.set_records(v.interventions)
        self.links_model.set_records(v.links)
        _fit_rows(self.timeline_table)
        self.tabs.setTabText(6, tr("&Interventions ({0})").format(len(v.interventions)))
        self._selection_changed()

    # -- saving ----------------------------------------------------------------------------------
    def _save_current_tab(self) -> None:
        if self.tabs.currentIndex() == self.sara_tab:
            self.save_sara()
        elif self.tabs.currentIndex() == 0:
            self.save_summary()

    def summary_draft(self):
        from hubapp.store.casework.workflow import SummaryDraft

        return SummaryDraft(
            summary=self.summary_edit.text(), details=self.details_edit.toPlainText(),
            location=self.location_edit.text(), town=self.town_edit.text(),
            postcode=self.postcode_edit.text(), risk_level=self.risk_combo.currentData(),
            priority=self.priority_combo.currentData(),
            sara_stage=self.stage_combo.currentData(),
            next_review_on=_pydate(self.review_date.date()) if self.review_check.isChecked()
            else None,
            police_log_ref=self.police_ref_edit.text(), council_ref=self.council_ref_edit.text(),
        )  # fmt: skip

    def save_summary(self, then: Callable[[bool], None] | None = None) -> None:
        if self.view is None:
            return
        from hubapp.store.casework import workflow

        draft = self.summary_draft()

        keys = ("summary", "details", "location", "town", "postcode", "risk_level", "priority",
                "sara_stage", "next_review_on", "police_log_ref", "council_ref")  # fmt: skip

        def ok(version: int) -> None:
            self.case_version = version
            self._saved_summary = draft
            self._after_save(tr("Changes saved."))
            self._refresh_header_from_form()

        self._run(workflow.save_summary, self.store, self.case_id, self.case_version, draft,
                  ok=ok, keys=keys, button=self.summary_save, then=then)  # fmt: skip

    def _refresh_header_from_form(self) -> None:
        self._refresh_quietly()

    def change_status(self) -> None:
        if self.view is None or self.status_target.currentData() is None:
            return
        from hubapp.store.casework import workflow

        target = self.status_target.currentData()

        def ok(version: int) -> None:
            self.case_version = version
            self._after_save(tr("Status changed to {0}.").format(label(CaseStatus, target)))
            # the status, closure and timeline change: re-read the case (not the forms' text)
            self._start(load_job_quiet, self.store, self.case_id, ok=self._status_reloaded)

        fn = partial(workflow.change_status, outcome=self.outcome_combo.currentData() or "",
                     rationale=self.rationale_edit.toPlainText(),
                     reason=self.reason_edit.text(),
                     victim_satisfied=self.satisfied_combo.currentData() or "")  # fmt: skip
        self._run(fn, self.store, self.case_id, self.case_version, target, ok=ok,
                  keys=("status", "outcome", "rationale", "reason", "victims",
                        "victim_satisfied"),
                  button=self.status_button)  # fmt: skip

    def _status_reloaded(self, v) -> None:
        self.victim_page.reload()
        self.view = v
        self.case_version = v.row_version
        self._fill_header(v)
        self._fill_status(v)
        self.timeline_model.set_records(v.timeline)
        _fit_rows(self.timeline_table)
        self.facts["opened"].setText(format_date(v.opened_on) + (
            f", closed {format_date(v.closed_on)}" if v.closed_on else ""))  # fmt: skip

    def sara_draft(self):
        from hubapp.store.casework.sara import SaraDraft

        values = {name: edit.toPlainText() for name, edit in self.sara_fields.items()}
        return SaraDraft(**values, impact_goal=self.impact_goal.currentData() or "")

    def save_sara(self, then: Callable[[bool], None] | None = None) -> None:
        if self.view is None:
            return
        from hubapp.store.casework import sara

        draft = self.sara_draft()

        def ok(version: int) -> None:
            self.sara_version = version
            self._saved_sara = draft
            self.sara_saved.setText(tr("Plan version {0}").format(version))
            self._after_save(tr("SARA plan saved."))

        keys = tuple(f"sara_{n}" for n in self.sara_fields) + ("sara_impact_goal",)
        self._run(sara.save, self.store, self.case_id, self.sara_version, draft,
                  ok=ok, keys=keys, prefix="sara_", button=self.sara_save, then=then)  # fmt: skip

    def add_note(self, then: Callable[[bool], None] | None = None) -> None:
        if self.view is None:
            return
        from hubapp.store.casework import timeline

        def ok(_note_id) -> None:
            self.note_edit.setPlainText("")
            self._after_save(tr("Note added."))
            self._refresh_quietly()

        self._run(timeline.add_note, self.store, self.case_id, self.note_edit.toPlainText(),
                  self.note_visibility.currentData(), self.note_agency.currentData(), ok=ok,
                  keys=("body", "agency", "visibility"), button=self.note_button,
                  then=then)  # fmt: skip

    def intervention_draft(self):
        from hubapp.store.casework.interventions import InterventionDraft

        t = self.iv_type.currentData()
        target = self.iv_target.currentData()
        return InterventionDraft(
            type_id=t.id if t else None, agency_id=self.iv_agency.currentData(),
            issued_on=_pydate(self.iv_issued.date()),
            person_id=target[1] if target and target[0] == "person" else None,
            place_id=target[1] if target and target[0] == "place" else None,
            expires_on=_pydate(self.iv_expires.date()) if self.iv_expires_check.isChecked()
            else None,
            conditions=self.iv_conditions.toPlainText(), **self.iv_statutory.values(),
        )  # fmt: skip

    def add_intervention(self, then: Callable[[bool], None] | None = None) -> None:
        if self.view is None:
            return
        from hubapp.store.casework import interventions

        def ok(_id) -> None:
            self.iv_conditions.setPlainText("")
            self.iv_statutory.clear()
            self.iv_type.setCurrentIndex(0)
            self.iv_target.setCurrentIndex(0)
            self._after_save(tr("Intervention added."))
            self._refresh_quietly()

        self._run(interventions.add, self.store, self.case_id, self.intervention_draft(),
                  ok=ok, keys=("iv_type", "iv_target", "iv_agency", "iv_issued_on",
                               "iv_expires_on", "iv_conditions", *self.iv_statutory.KEYS),
                  prefix="iv_",
                  button=self.iv_add, then=then)  # fmt: skip

    def _selected_intervention(self):
        rows = self.interventions_table.selectionModel().selectedRows()
        return rows[0].data(RecordRole) if rows else None

    def record_breach(self) -> None:
        item = self._selected_intervention()
        if item is None:
            return
        from hubapp.store.casework import interventions

        def ok(_v) -> None:
            self.breach_details.clear()
            self._after_save(tr("Breach recorded."))
            self._refresh_quietly()

        self._run(partial(interventions.record_breach, outcome=self.breach_outcome.currentData()),
                  self.store, item.id, item.row_version,
                  _pydate(self.breach_date.date()), self.breach_details.text(), ok=ok,
                  keys=("iv_breached_on", "iv_details", "iv_outcome"), prefix="iv_",
                  button=self.breach_button)  # fmt: skip

    def end_intervention(self) -> None:
        item = self._selected_intervention()
        if item is None:
            return
        from hubapp.store.casework import interventions

        def ok(_v) -> None:
            self._after_save(tr("Intervention ended."))
            self._refresh_quietly()

        self._run(interventions.end, self.store, item.id, item.row_version,
                  self.end_status.currentData(), _pydate(self.end_date.date()), ok=ok,
                  keys=("iv_ended_on", "iv_status"), prefix="iv_",
                  button=self.end_button)  # fmt: skip

    # -- closing -----------------------------------------------------------------------------------
    def unsaved(self) -> list[str]:
        """What would be lost by closing now: the Summary tab's fields, the SARA plan, a
        note or an intervention being typed (as words for the question)."""
        if self.view is None:
            return []
        out = []
        if self._saved_summary is not None and self.summary_draft() != self._saved_summary:
            out.append(tr("the case's summary fields"))
        if self._saved_sara is not None and self.sara_draft() != self._saved_sara:
            out.append(tr("the SARA plan"))
        if self.note_edit.toPlainText().strip():
            out.append(tr("the note being written"))
        if (self.iv_conditions.toPlainText().strip() or self.iv_type.currentIndex() > 0
                or self.iv_target.currentIndex() > 0):  # fmt: skip
            out.append(tr("the intervention being added"))
        return out

    def _savers(self) -> list[Callable[..., None]]:
        """The saves that keep what :meth:`unsaved` lists, in that order."""
        out: list[Callable[..., None]] = []
        if self._saved_summary is not None and self.summary_draft() != self._saved_summary:
            out.append(self.save_summary)
        if self._saved_sara is not None and self.sara_draft() != self._saved_sara:
            out.append(self.save_sara)
        if self.note_edit.toPlainText().strip():
            out.append(self.add_note)
        if (self.iv_conditions.toPlainText().strip() or self.iv_type.currentIndex() > 0
                or self.iv_target.currentIndex() > 0):  # fmt: skip
            out.append(self.add_intervention)
        return out

    def reject(self) -> None:
        """Esc, Close and the window's close button all come here: with nothing unsaved the
        window closes; otherwise it asks first (Save changes / Discard / Cancel)."""
        if self._closing or not self.unsaved():
            self._close_now()
        elif self.unsaved_box is None:
            self._ask_unsaved()

    def _ask_unsaved(self) -> None:
        Button = QMessageBox.StandardButton
        box = QMessageBox(QMessageBox.Icon.Question, tr("Unsaved changes"),
                          tr("Save your changes to {0} before closing?").format(
                              self.view.reference if self.view else tr("this case")),
                          Button.Save | Button.Discard | Button.Cancel, self)  # fmt: skip
        box.setObjectName("unsavedBox")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(tr("Not saved yet: {0}.").format(", ".join(self.unsaved())))
        box.button(Button.Save).setText(tr("&Save changes"))
        box.button(Button.Discard).setText(tr("&Discard"))
        box.setDefaultButton(Button.Cancel)
        box.setEscapeButton(Button.Cancel)
        box.finished.connect(lambda _code: self._unsaved_answered(box))
        self.unsaved_box = box
        box.open()

    def _unsaved_answered(self, box: QMessageBox) -> None:
        self.unsaved_box = None
        choice = box.standardButton(box.clickedButton()) if box.clickedButton() else None
        box.deleteLater()
        if choice == QMessageBox.StandardButton.Discard:
            self._close_now()
        elif choice == QMessageBox.StandardButton.Save:
            self.save_and_close()

    def save_and_close(self) -> None:
        """Run the saves one after the other; close once all succeeded. A problem or a
        conflict stops there and keeps the window open with everything typed."""
        savers = self._savers()

        def step(saved: bool = True) -> None:
            if not saved:
                return
            if not savers:
                self._close_now()
                return
            savers.pop(0)(then=step)

        step()

    def _close_now(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            try:
                task.succeeded.disconnect()
            except (RuntimeError, TypeError):
                pass
        super().reject()
        self._closing = False


def load_job_quiet(_ctx, store, case_id):
    """Re-read a case the window already shows (not a new consultation)."""
    from hubapp.store.casework import caseview

    return caseview.load(store, case_id, record_view=False)
