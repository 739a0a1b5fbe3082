"""The intake form: a new issue, or a further report on an open case.

Built for the keyboard: Tab goes down the form as the eye reads it, column by column
within each group (Channel, Category, Hub, then Received, Incident), every field has an Alt
key, Ctrl+S (or Ctrl+Enter) saves, Esc closes (asking first only when something was typed;
what was typed stays as a draft either way). Problems show in red under their field;
saving is refused until they are put right and nothing typed is touched. A field that already
holds something (the received time, a resumed draft) is never replaced by typing into it:
Tab puts the cursor at the end of its text, and a choice changed from the one the form opened
with says so under it.

While typing, the form

* writes a draft (about a second after the last change, in the background, and on closing),
  so closing the window or a crash loses nothing;
* looks for open cases at the same place or with the same people (300 ms after the last
  change, off the GUI thread; an answer to an older question is dropped), offering to attach
  the report to one of them as a further contact;
* looks, at the same time, for the people already known who may be the ones typed (by phone
  number or e-mail, else by name), with their repeat flags, offering to link one to the
  reporter or a person of the report: saving then adds that person to the case instead of
  a new one. A linked person's empty fields are filled from what is stored; a field typed
  otherwise than stored says so under it (the stored one is kept). Typing a name that no
  longer fits the linked person's unlinks them, and says so. A place typed that is a repeat
  location says so under the location.

Everything typed is shown as plain text.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import date

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain import matching
from hubapp.domain.clock import utcnow
from hubapp.domain.codes import CaseStatus, HateAnswer, PersonRole, RiskLevel, label
from hubapp.domain.formatting import (
    as_tooltip,
    format_date,
    format_datetime,
    mnemonic_safe,
    plural,
)
from hubapp.models.tasks import LatestTask, Task, alive, said
from hubapp.store.casework import hate as hate_rules
from hubapp.store.casework import people
from hubapp.store.errors import Problem
from hubapp.store.intake import drafts, duplicates
from hubapp.store.intake import form as intake
from hubapp.store.intake.form import DateProblem, IntakeForm, PersonEntry
from hubapp.views.accessible import BASE_POINTS

log = logging.getLogger(__name__)

DRAFT_DELAY_MS = 1000
LOOKUP_DELAY_MS = 300
ERROR_COLOUR = "#b00020"
HINT_COLOUR = "#555b6e"
#: the lists beside the form: a line between items; a selected item's text stays dark on a
#: light background whatever the style (white text on a pale selection vanished)
LIST_STYLE = (
    "QListWidget::item { border-bottom: 1px solid #c8ccd4; }"
    " QListWidget::item:selected { background: #cfe3f7; color: #1a1a1a; }"
)
#: a person's fields, as a sentence names them
FIELD_WORDS = {"full_name": "Name", "phone": "Phone", "email": "Email", "address": "Address"}


def tr(text: str) -> str:
    return QCoreApplication.translate("IntakeWindow", text)


# --- background work ----------------------------------------------------------------------


def suggest_job(_ctx, store, query, now):
    return duplicates.suggest(store, query, now=now)


def known_job(_ctx, store, typed, places):
    """The people already known who may be the ones typed, and the repeat locations among
    the places typed."""
    found = people.suggest_for_intake(store, typed) if typed else {}
    return found, duplicates.place_flags(store, places)


def link_job(_ctx, store, person_ids):
    """The people to link, with their stored details (audited): those the account may
    still link."""
    return people.for_linking(store, person_ids)


def draft_job(_ctx, slot, store, form, change):
    return slot.write(store, form, change)


def discard_job(_ctx, slot, store) -> None:
    """Discard the form's draft, under its lock: no draft write brings it back."""
    with slot.lock:
        slot.finished = True
        if slot.draft_id is not None:
            drafts.discard(store, slot.draft_id)


def save_job(_ctx, store, form, attach_to, slot):
    """Save under the draft's lock: no draft write can bring it back afterwards."""
    with slot.lock:
        try:
            saved = intake.save(store, form, attach_to, draft_id=slot.draft_id)
        except intake.IntakeError as exc:
            return exc.problems
        slot.finished = True
    return saved


# --- small widgets ------------------------------------------------------------------------


class FieldEdit(QLineEdit):
    """A line of the form. Tabbing in (or Alt+key) puts the cursor at the end of what is
    there instead of selecting it, as QLineEdit does: typing ahead into a filled field adds
    to its text, where it can be seen and checked, and never replaces it unseen."""

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().focusInEvent(event)
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                              Qt.FocusReason.ShortcutFocusReason):  # fmt: skip
            self.deselect()
            self.end(False)


class FieldMessage(QWidget):
    """The line under a field: a problem (red, with a warning icon) or a hint (grey)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(4)
        self.icon = QLabel(self)
        size = self.fontMetrics().height()
        pixmap = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon.setPixmap(pixmap.pixmap(QSize(size, size)))
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.problem = ""
        self.hint = ""
        self._render()

    def set_problem(self, message: str) -> None:
        if message != self.problem:
            self.problem = message
            self._render()

    def set_hint(self, message: str) -> None:
        if message != self.hint:
            self.hint = message
            self._render()

    def _render(self) -> None:
        shown = self.problem or self.hint
        self.icon.setVisible(bool(self.problem))
        colour = ERROR_COLOUR if self.problem else HINT_COLOUR
        self.text.setStyleSheet(f"color: {colour};")
        self.text.setText(shown)
        self.setAccessibleDescription(shown)
        self.setVisible(bool(shown))


class HateBox(QComboBox):
    """Whether anyone perceives it as hate, answered with one key: Y yes, N no, K not known
    (Delete or Backspace: not asked yet). Arrows and the list work as in any list."""

    KEYS = {Qt.Key.Key_Y: "yes", Qt.Key.Key_N: "no", Qt.Key.Key_K: "not_known"}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.addItem(tr("— not asked (Y, N or K) —"), "")
        for answer in HateAnswer:
            key = {"yes": "Y", "no": "N", "not_known": "K"}[answer.value]
            self.addItem(tr("{answer} ({key})").format(answer=answer.label, key=key),
                         answer.value)  # fmt: skip

    def set_answer(self, answer: str) -> None:
        self.setCurrentIndex(max(0, self.findData(answer or "")))

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)  # fmt: skip
        if plain and event.key() in self.KEYS:
            self.set_answer(self.KEYS[event.key()])
            return
        if plain and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_answer("")
            return
        super().keyPressEvent(event)


class StrandsBox(QWidget):
    """The monitored strands (hate.toml) as ticks, shown when the answer is yes."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, strand in enumerate(hate_rules.rules().strands):
            box = QCheckBox(mnemonic_safe(strand.name), self)
            box.setObjectName(f"strand_{strand.code}")
            box.setAccessibleName(tr("Hate strand: {name}").format(name=strand.name))
            box.toggled.connect(self.changed)
            grid.addWidget(box, i // 2, i % 2)
            self.boxes[strand.code] = box

    def codes(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]

    def set_codes(self, codes) -> None:
        for code, box in self.boxes.items():
            box.setChecked(code in (codes or ()))

    def focus_order(self) -> list[QWidget]:
        return list(self.boxes.values())


def roles_text(roles) -> str:
    return ", ".join(
        (label(PersonRole, r) if r != "reporter" else tr("reporter")).lower() for r in roles
    )


def person_reference(person_id: str) -> str:
    return "P-" + person_id[:8].upper()


class LinkLine(QFrame):
    """Under a person linked to one already known: who they are linked to, how many cases
    know them, their repeat flags; and Unlink. Holds the link (``person_id``, hex) and what
    was read of the person (``known``; None until read)."""

    unlinkRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("linkLine")
        self.setStyleSheet(
            "#linkLine { background: #eef4fb; border: 1px solid #b9cde6; border-radius: 3px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.unlink_button = QPushButton(tr("Unlink"), self)
        self.unlink_button.setAutoDefault(False)
        self.unlink_button.setAccessibleName(tr("Unlink from the person already known"))
        self.unlink_button.setToolTip(tr("Save this person as a new person instead"))
        self.unlink_button.clicked.connect(self.unlinkRequested)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.unlink_button, 0, Qt.AlignmentFlag.AlignTop)
        self.person_id = ""
        self.known: people.Known | None = None
        self.missing = False
        self.hide()

    def set_link(self, person_id: str, known=None, missing: bool = False) -> None:
        self.person_id, self.known, self.missing = person_id, known, missing
        if not person_id:
            self.label.setText("")
            self.setAccessibleDescription("")
            self.hide()
            return
        ref = person_reference(person_id)
        if missing:
            lines = [tr("Linked to {ref}, who is no longer on a case you can see: unlink "
                        "them to save this report.").format(ref=ref)]  # fmt: skip
        elif known is None:
            lines = [tr("Linked to {ref} (reading who they are…).").format(ref=ref)]
        else:
            lines = [tr("Linked to {name} ({ref}), known from {cases}.").format(
                name=known.name, ref=ref, cases=plural(known.cases, tr("case")))]  # fmt: skip
            lines += [f.describe() for f in known.flags]
            lines += list(known.safeguarding)
            if known.locked_down:
                lines.append(tr("Locked down: their details are kept from partners."))
        text = "\n".join(lines)
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self.show()


class PersonRow(QFrame):
    """One person involved: role, name, phone, email, address; a risk questionnaire for a
    victim."""

    changed = Signal()
    removeRequested = Signal(object)

    def __init__(self, entry: PersonEntry | None = None, parent=None) -> None:
        super().__init__(parent)
        entry = entry or PersonEntry()
        self.risk_answers = entry.risk_answers
        self.risk_override = (entry.risk_override, entry.risk_override_reason)
        #: whose questionnaire the answers are of (a role changed since keeps none)
        self._answered_as = intake.ASSESSED.get(entry.role, "")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        self.role = QComboBox(self)
        for role in intake.INVOLVED_ROLES:
            self.role.addItem(label(PersonRole, role), role)
        self.role.setCurrentIndex(max(0, self.role.findData(entry.role)))
        self.role.setAccessibleName(tr("Role"))
        self.name = self._edit(entry.full_name, tr("Name or description"), 160)
        self.phone = self._edit(entry.phone, tr("Phone"), 40)
        self.email = self._edit(entry.email, tr("Email"), 120)
        self.address = self._edit(entry.address, tr("Address"), 200)
        self.risk_button = QPushButton(tr("Ris&k…"), self)
        self.risk_button.setToolTip(tr("Risk assessment (of a victim or an alleged perpetrator)"))
        self.risk_button.clicked.connect(self._ask_risk)
        self.remove_button = QToolButton(self)
        self.remove_button.setText("✕")
        self.remove_button.setAccessibleName(tr("Remove this person"))
        self.remove_button.setToolTip(tr("Remove this person"))
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self))
        self.risk_label = QLabel(self)
        self.risk_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message = FieldMessage(self)
        self.link = LinkLine(self)
        self.link.set_link(entry.person_id)
        grid.addWidget(self.role, 0, 0)
        grid.addWidget(self.name, 0, 1)
        grid.addWidget(self.phone, 0, 2)
        grid.addWidget(self.email, 0, 3)
        grid.addWidget(self.address, 0, 4)
        grid.addWidget(self.risk_button, 0, 5)
        grid.addWidget(self.remove_button, 0, 6)
        grid.addWidget(self.risk_label, 1, 5, 1, 2)
        grid.addWidget(self.message, 1, 0, 1, 5)
        grid.addWidget(self.link, 2, 0, 1, 7)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        grid.setColumnStretch(3, 3)
        grid.setColumnStretch(4, 4)
        self.role.currentIndexChanged.connect(self._role_changed)
        self._role_changed()

    def _edit(self, text: str, placeholder: str, limit: int) -> QLineEdit:
        edit = FieldEdit(text, self)
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(placeholder)
        edit.setMaxLength(limit * 4)  # long enough to say "too long" rather than cut it
        edit.textChanged.connect(self.changed)
        return edit

    def focus_order(self) -> list[QWidget]:
        return [self.role, self.name, self.phone, self.email, self.address,
                self.risk_button, self.remove_button]  # fmt: skip

    def entry(self) -> PersonEntry:
        return PersonEntry(
            role=self.role.currentData(), full_name=self.name.text(), phone=self.phone.text(),
            email=self.email.text(), address=self.address.text(),
            risk_answers=self.risk_answers if self.assessed() else None,
            person_id=self.link.person_id,
            risk_override=self.risk_override[0] if self.assessed() else "",
            risk_override_reason=self.risk_override[1] if self.assessed() else "",
        )  # fmt: skip

    def subject(self) -> str:
        """Whose questionnaire the role takes ("" for none)."""
        return intake.ASSESSED.get(self.role.currentData() or "", "")

    def assessed(self) -> bool:
        return bool(self.subject()) and self.subject() == self._answered_as

    def is_victim(self) -> bool:
        return self.role.currentData() == PersonRole.VICTIM.value

    def _role_changed(self) -> None:
        self.risk_button.setEnabled(bool(self.subject()))
        self._show_risk()
        self.changed.emit()

    def _show_risk(self) -> None:
        if self.assessed() and self.risk_answers:
            from hubapp.store.casework import risk

            r = risk.assess(self.risk_answers, date.today(), risk.questionnaire(self.subject()),
                            hate=self._hate(), override_level=self.risk_override[0])  # fmt: skip
            self.risk_label.setText(tr("{level} risk").format(level=RiskLevel(r.level).label))
        else:
            self.risk_label.setText(tr("Not assessed") if self.subject() else "")

    def _hate(self) -> str:
        """The form's hate answer (a yes raises the computed risk to at least medium)."""
        box = getattr(self.window(), "hate", None)
        return (box.currentData() or "") if isinstance(box, QComboBox) else ""

    def _ask_risk(self) -> None:
        from hubapp.views.risk_dialog import RiskDialog

        subject = self.subject()
        dialog = RiskDialog(self.name.text().strip(),
                            self.risk_answers if self.assessed() else None, parent=self.window(),
                            subject=subject, hate=self._hate(),
                            override=self.risk_override if self.assessed() else ("", ""))  # fmt: skip
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.risk_answers = dialog.answers()
            self._answered_as = subject
            self.risk_override = dialog.override()
            self._show_risk()
            self.changed.emit()


# --- the window ---------------------------------------------------------------------------


class IntakeWindow(QDialog):
    """A new issue. ``saved`` carries hubapp.store.intake.form.Saved once it is stored."""

    saved = Signal(object)
    #: the user asked to pick a draft to resume (the controller shows the list)
    draftsRequested = Signal()

    def __init__(
        self,
        store,
        lookups,
        station=None,
        parent=None,
        *,
        form: IntakeForm | None = None,
        draft_id: int | None = None,
        drafts_waiting: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("intakeWindow")
        self.setWindowTitle(tr("New issue"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setSizeGripEnabled(True)
        self.store = store
        self.lookups = lookups
        self.station = station
        self.slot = drafts.DraftSlot(draft_id)
        self.attach_to = None  # a Suggestion, when the report goes onto an existing case
        self._checked = False  # problems shown for every field once a save was tried
        self._touched: set[str] = set()
        #: the look-up for repeats: the latest question wins over the ones before
        self._lookups = LatestTask(
            self, self.show_repeats, lambda exc: log.info("Repeat look-up failed: %s", exc)
        )
        self._last_query = None
        #: the look-up for people already known (and repeat locations), the same way
        self._known_lookups = LatestTask(
            self, self.show_known, lambda exc: log.info("People look-up failed: %s", exc)
        )
        self._last_known = None
        #: the slots of the latest people look-up: "reporter", or the PersonRow of people.<n>
        self._known_targets: dict[str, object] = {}
        #: what the list of people already known shows: (slot, person), in its order
        self.known_entries: list[tuple[object, people.Known]] = []
        self._filling = False  # fields being filled from a linked person's details
        self._saving = False
        self._closing = False
        self.suggestions: list[duplicates.Suggestion] = []
        self.person_rows: list[PersonRow] = []
        self.messages: dict[str, FieldMessage] = {}
        self.fields: dict[str, QWidget] = {}
        #: the choices the form opened with (the station's hub; a resumed draft's): one
        #: changed since says so under it, as typing ahead into a list can change it
        self._opened_with: dict[str, str] = {}

        self._build(drafts_waiting)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.write_draft)
        self._lookup_timer = QTimer(self, singleShot=True, interval=LOOKUP_DELAY_MS)
        self._lookup_timer.timeout.connect(self._after_typing)
        self._loading = True
        self.load(form or self._blank())
        self._loading = False
        self._fit_screen()
        if form is not None:
            self._show_resumed_problems()
            self._lookup_timer.start()

    # -- construction --------------------------------------------------------------------
    def _blank(self) -> IntakeForm:
        hub = self.station.hub_code if self.station is not None else ""
        return IntakeForm(hub=hub, received=format_datetime(utcnow()))

    def _build(self, drafts_waiting: int) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)

        # banners: drafts waiting, and "this report goes onto CAR-..."
        self.drafts_banner = QFrame(self, objectName="draftsBanner")
        self.drafts_banner.setStyleSheet(
            "#draftsBanner { background: #fff4d6; border: 1px solid #e0c27a; border-radius: 3px; }"
        )
        b = QHBoxLayout(self.drafts_banner)
        b.setContentsMargins(8, 4, 8, 4)
        self.drafts_label = QLabel(self.drafts_banner)
        self.drafts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.resume_button = QPushButton(tr("Resu&me a draft…"), self.drafts_banner)
        self.resume_button.clicked.connect(self.draftsRequested)
        b.addWidget(self.drafts_label, 1)
        b.addWidget(self.resume_button)
        outer.addWidget(self.drafts_banner)
        self.set_drafts_waiting(drafts_waiting)

        self.attach_banner = QFrame(self, objectName="attachBanner")
        self.attach_banner.setStyleSheet(
            "#attachBanner { background: #e3f0ff; border: 1px solid #8db4e2; border-radius: 3px; }"
        )
        a = QHBoxLayout(self.attach_banner)
        a.setContentsMargins(8, 4, 8, 4)
        self.attach_label = QLabel(self.attach_banner)
        self.attach_label.setTextFormat(Qt.TextFormat.PlainText)
        self.attach_label.setWordWrap(True)
        self.new_case_button = QPushButton(tr("Save as a &new case instead"), self.attach_banner)
        self.new_case_button.clicked.connect(lambda: self.set_attach(None))
        a.addWidget(self.attach_label, 1)
        a.addWidget(self.new_case_button)
        outer.addWidget(self.attach_banner)
        self.attach_banner.hide()

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        self.scroll = QScrollArea(splitter)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # not a Tab stop of its own (where the focus would vanish): it scrolls to the field
        # that has the focus
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget(self.scroll)
        self.scroll.setWidget(body)
        form = QVBoxLayout(body)
        form.setContentsMargins(0, 0, 8, 0)
        form.setSpacing(8)
        form.addWidget(self._build_report_group(body))
        form.addWidget(self._build_where_group(body))
        form.addWidget(self._build_reporter_group(body))
        form.addWidget(self._build_people_group(body))
        form.addStretch(1)
        splitter.addWidget(self.scroll)
        side = QWidget(splitter)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self._build_repeats_panel(side), 1)
        column.addWidget(self._build_known_panel(side), 1)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([880, 330])
        outer.addWidget(splitter, 1)

        # the bottom line
        bottom = QHBoxLayout()
        self.status = QLabel(self, objectName="intakeStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.discard_button = QPushButton(tr("Discard draft…"), self)
        self.discard_button.setAutoDefault(False)
        self.discard_button.clicked.connect(self.discard)
        self.close_button = QPushButton(tr("Close"), self)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.save_button = QPushButton(tr("Sa&ve"), self, objectName="saveButton")
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip(tr("Save the report (Ctrl+S or Ctrl+Enter)"))
        self.save_button.clicked.connect(self.save)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.close_button)
        bottom.addWidget(self.save_button)
        outer.addLayout(bottom)

        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            action = QAction(self, shortcut=QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(self.save)
            self.addAction(action)
        self._refresh_tab_order()

    def _group(self, title: str, parent) -> tuple[QGroupBox, QGridLayout]:
        box = QGroupBox(title, parent)
        grid = QGridLayout(box)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box, grid

    def _place(self, grid, row, col, text, name, widget, span=1) -> None:
        """A labelled field at (row, col) of a 4-column grid, its message line below it."""
        lab = QLabel(text, widget.parentWidget())
        lab.setTextFormat(Qt.TextFormat.PlainText)
        lab.setBuddy(widget)
        lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        message = FieldMessage(widget.parentWidget())
        grid.addWidget(lab, 2 * row, col)
        grid.addWidget(widget, 2 * row, col + 1, 1, span)
        grid.addWidget(message, 2 * row + 1, col + 1, 1, span)
        widget.setObjectName(name)
        self.fields[name] = widget
        self.messages[name] = message

    def _line(self, parent, limit: int, placeholder: str = "") -> QLineEdit:
        edit = FieldEdit(parent)
        edit.setMaxLength(limit * 4)  # room to be told it is too long, rather than cut
        if placeholder:
            edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self._changed)
        return edit

    def _combo(self, parent, items, placeholder: str | None) -> QComboBox:
        combo = QComboBox(parent)
        if placeholder is not None:
            combo.addItem(placeholder, "")
        for item in items:
            combo.addItem(item.name, item.code)
        combo.setMaxVisibleItems(20)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _build_report_group(self, parent) -> QGroupBox:
        box, grid = self._group(tr("The report"), parent)
        lk = self.lookups
        channels = sorted((c for c in lk.channels.values() if c.active), key=lambda c: c.name)
        categories = sorted((c for c in lk.categories.values() if c.active), key=lambda c: c.name)
        hubs = [h for h in lk.hub_list(active_only=True)]
        self.channel = self._combo(box, channels, tr("— how did it come in? —"))
        self.received = self._line(box, 40, tr("dd/mm/yyyy hh:mm, or now"))
        self.category = self._combo(box, categories, tr("— choose a category —"))
        self.incident = self._line(box, 40, tr("dd/mm/yyyy hh:mm, if known"))
        self.hub = self._combo(box, hubs, None)
        self.summary = self._line(box, 200, tr("One line: what is happening, where"))
        for when in (self.received, self.incident):  # a date and time shows whole at any size
            when.setMinimumWidth(when.fontMetrics().horizontalAdvance("00/00/0000 00:00") + 16)
        self.details = QPlainTextEdit(box)
        self.details.setTabChangesFocus(True)
        self.details.setPlaceholderText(tr("What the caller said: who, what, when, how often…"))
        self.details.setMinimumHeight(72)
        self.details.setMaximumHeight(110)
        self.details.textChanged.connect(self._changed)
        self._place(grid, 0, 0, tr("&Channel:"), "channel", self.channel)
        self._place(grid, 0, 2, tr("&Received:"), "received", self.received)
        self._place(grid, 1, 0, tr("Ca&tegory:"), "category", self.category)
        self._place(grid, 1, 2, tr("&Incident:"), "incident", self.incident)
        # hate, by perception: one key (Y, N, K); its strands beside it with a yes
        self.hate = HateBox(box)
        self.hate.setToolTip(tr("Does anyone (the victim, the caller, anyone) perceive it as "
                                "hate? Y yes, N no, K not known."))  # fmt: skip
        self.strands = StrandsBox(box)
        self.strands.changed.connect(self._changed)
        self._place(grid, 2, 0, tr("Hate &question:"), "hate", self.hate)
        self._place(grid, 2, 2, tr("Strands:"), "hate_strands", self.strands)
        self.hate.currentIndexChanged.connect(self._hate_changed)
        self.strands_label = grid.itemAtPosition(4, 2).widget()
        self.strands_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self._place(grid, 3, 0, tr("&Hub:"), "hub", self.hub)
        self._place(grid, 4, 0, tr("&Summary:"), "summary", self.summary, span=3)
        self._place(grid, 5, 0, tr("&Details:"), "details", self.details, span=3)
        self.strands.hide()
        self.strands_label.hide()
        grid.itemAtPosition(10, 0).widget().setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
        )
        for name in ("received", "incident"):
            self.fields[name].editingFinished.connect(lambda n=name: self._tidy_date(n))
        return box

    def _build_where_group(self, parent) -> QGroupBox:
        box, grid = self._group(tr("Where"), parent)
        self.location = self._line(box, 200, tr("Address, or a description of the place"))
        self.town = self._line(box, 80)
        self.postcode = self._line(box, 10, tr("optional"))
        self.grid_ref = self._line(box, 20, tr("optional, e.g. NY 400 560"))
        self._place(grid, 0, 0, tr("&Location:"), "location", self.location, span=3)
        # the place down the left, the other services' references on the right
        self._place(grid, 1, 0, tr("To&wn:"), "town", self.town)
        self._place(grid, 2, 0, tr("&Postcode:"), "postcode", self.postcode)
        self._place(grid, 3, 0, tr("Grid re&f:"), "grid_ref", self.grid_ref)
        self.police_log = self._line(box, 40, tr("optional"))
        self._place(grid, 1, 2, tr("P&olice log:"), "police_log", self.police_log)
        self.council_ref = self._line(box, 40, tr("optional"))
        self._place(grid, 2, 2, tr("Co&uncil ref:"), "council_ref", self.council_ref)
        self.postcode.editingFinished.connect(self._tidy_postcode)
        self.grid_ref.editingFinished.connect(self._tidy_grid_ref)
        return box

    def _build_reporter_group(self, parent) -> QGroupBox:
        box, grid = self._group(tr("Who reported it (optional)"), parent)
        self.anonymous = QCheckBox(tr("Anon&ymous"), box)
        self.anonymous.toggled.connect(self._anonymous_toggled)
        self.consent = QCheckBox(tr("Consents to &be contacted"), box)
        self.consent.toggled.connect(self._changed)
        self.reporter_name = self._line(box, 160)
        self.reporter_phone = self._line(box, 40)
        self.reporter_email = self._line(box, 120)
        self.reporter_address = self._line(box, 200)
        self._place(grid, 0, 0, tr("&Name:"), "reporter_name", self.reporter_name)
        self._place(grid, 0, 2, tr("Phone:"), "reporter_phone", self.reporter_phone)
        self._place(grid, 1, 0, tr("Email:"), "reporter_email", self.reporter_email)
        self._place(grid, 1, 2, tr("Address:"), "reporter_address", self.reporter_address)
        ticks = QHBoxLayout()
        ticks.addWidget(self.anonymous)
        ticks.addSpacing(16)
        ticks.addWidget(self.consent)
        ticks.addStretch(1)
        grid.addLayout(ticks, 4, 1, 1, 3)
        for name, widget in (("reporter_anonymous", self.anonymous),
                             ("consent_to_contact", self.consent)):  # fmt: skip
            message = FieldMessage(box)
            grid.addWidget(message, 5 if name == "reporter_anonymous" else 6, 1, 1, 3)
            widget.setObjectName(name)
            self.fields[name] = widget
            self.messages[name] = message
        self.reporter_link = LinkLine(box)
        self.reporter_link.unlinkRequested.connect(lambda: self.unlink("reporter"))
        grid.addWidget(self.reporter_link, 7, 1, 1, 3)
        self.reporter_name.textChanged.connect(lambda _text: self._name_edited("reporter"))
        return box

    def _build_people_group(self, parent) -> QGroupBox:
        box = QGroupBox(tr("People involved"), parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        self.people_layout = QVBoxLayout()
        self.people_layout.setSpacing(0)
        layout.addLayout(self.people_layout)
        self.no_people = QLabel(
            tr("No one added. Add victims, complainants, witnesses and alleged perpetrators."),
            box,
        )
        self.no_people.setTextFormat(Qt.TextFormat.PlainText)
        self.no_people.setStyleSheet(f"color: {HINT_COLOUR};")
        layout.addWidget(self.no_people)
        row = QHBoxLayout()
        self.add_person_button = QPushButton(tr("&Add person"), box)
        self.add_person_button.setAutoDefault(False)
        self.add_person_button.clicked.connect(lambda: self.add_person(focus=True))
        row.addWidget(self.add_person_button)
        row.addStretch(1)
        layout.addLayout(row)
        return box

    def _suggestions_panel(self, parent, title: str, name: str, spoken: str, button: str,
                           tip: str) -> tuple[QGroupBox, QLabel, QListWidget, QPushButton]:  # fmt: skip
        """A list of what was found as the form is typed: a hint over it, a button under it
        (disabled until an entry is selected). ``name`` names the hint (``{name}Hint``) and
        the list (``{name}List``)."""
        box = QGroupBox(title, parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(8, 6, 8, 8)
        hint = QLabel(box, objectName=f"{name}Hint")
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {HINT_COLOUR};")
        found = QListWidget(box, objectName=f"{name}List")
        found.setWordWrap(True)
        found.setSpacing(3)
        found.setStyleSheet(LIST_STYLE)
        found.setAlternatingRowColors(True)
        found.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        found.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        found.setAccessibleName(spoken)
        act = QPushButton(button, box)
        act.setAutoDefault(False)
        act.setToolTip(tip)
        act.setEnabled(False)
        layout.addWidget(hint)
        layout.addWidget(found, 1)
        layout.addWidget(act)
        box.setMinimumWidth(280)
        return box, hint, found, act

    def _build_repeats_panel(self, parent) -> QWidget:
        box, self.repeats_hint, self.repeats, self.attach_button = self._suggestions_panel(
            parent, tr("Possible repeats"), "repeats", tr("Open cases that may be the same issue"),
            tr("Attach to this cas&e"),
            tr("Save this report as a further contact on the selected case, not a new case"),
        )  # fmt: skip
        self.repeats.itemSelectionChanged.connect(self._repeat_selected)
        self.repeats.itemActivated.connect(lambda _item: self.attach_selected())
        self.attach_button.clicked.connect(self.attach_selected)
        self._set_repeats_hint()
        return box

    def _build_known_panel(self, parent) -> QWidget:
        box, self.known_hint, self.known, self.link_button = self._suggestions_panel(
            parent, tr("People already known"), "known",
            tr("People already known who may be the people typed"), tr("Link this person"),
            tr("Add the selected person to this report's case, instead of a new person"),
        )  # fmt: skip
        self.known.itemSelectionChanged.connect(self._known_selected)
        self.known.itemActivated.connect(lambda _item: self.link_selected())
        self.link_button.clicked.connect(self.link_selected)
        self._set_known_hint()
        return box

    def _fit_screen(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None:
            self.resize(1240, 720)
            return
        # as large as the form wants, more with bigger text (Windows' "Make text bigger")
        grow = max(1.0, self.font().pointSizeF() / BASE_POINTS)
        self.resize(min(int(1280 * grow), screen.width() - 40),
                    min(int(900 * grow), screen.height() - 40))  # fmt: skip

    # -- tab order -----------------------------------------------------------------------
    def _refresh_tab_order(self) -> None:
        """The order the eye reads the form: the banners above it; in each group, down the
        left column, then down the right one, then the full-width fields below them (a
        group's columns hold what belongs together: the choices, then the times; the place,
        then the other services' references); the people; the repeats beside the form; the
        buttons along the bottom, left to right."""
        if not hasattr(self, "council_ref"):
            return
        order: list[QWidget] = [
            self.resume_button, self.new_case_button,
            self.channel, self.category, self.hate, *self.strands.focus_order(), self.hub,
            self.received, self.incident, self.summary, self.details,
            self.location, self.town, self.postcode, self.grid_ref, self.police_log,
            self.council_ref,
            self.reporter_name, self.reporter_email, self.reporter_phone,
            self.reporter_address, self.anonymous, self.consent,
            self.reporter_link.unlink_button,
        ]  # fmt: skip
        for row in self.person_rows:
            order += [*row.focus_order(), row.link.unlink_button]
        order += [self.add_person_button, self.repeats, self.attach_button, self.known,
                  self.link_button, self.discard_button, self.close_button,
                  self.save_button]  # fmt: skip
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- the form's values ---------------------------------------------------------------
    def form(self) -> IntakeForm:
        """What the form holds, exactly as typed."""
        return IntakeForm(
            hub=self.hub.currentData() or "",
            channel=self.channel.currentData() or "",
            category=self.category.currentData() or "",
            received=self.received.text(),
            incident=self.incident.text(),
            location=self.location.text(),
            town=self.town.text(),
            postcode=self.postcode.text(),
            grid_ref=self.grid_ref.text(),
            summary=self.summary.text(),
            details=self.details.toPlainText(),
            reporter_anonymous=self.anonymous.isChecked(),
            reporter_name=self.reporter_name.text(),
            reporter_phone=self.reporter_phone.text(),
            reporter_email=self.reporter_email.text(),
            reporter_address=self.reporter_address.text(),
            consent_to_contact=self.consent.isChecked(),
            people=[r.entry() for r in self.person_rows],
            police_log=self.police_log.text(),
            council_ref=self.council_ref.text(),
            reporter_person_id=self.reporter_link.person_id,
            hate=self.hate.currentData() or "",
            hate_strands=self.strands.codes() if self.hate.currentData() == "yes" else [],
        )

    def load(self, form: IntakeForm) -> None:
        """Fill the form (a blank one, or a resumed draft)."""
        loading, self._loading = getattr(self, "_loading", False), True
        for combo, code in ((self.hub, form.hub), (self.channel, form.channel),
                            (self.category, form.category)):  # fmt: skip
            combo.setCurrentIndex(max(0, combo.findData(code)))
        for name in ("received", "incident", "location", "town", "postcode", "grid_ref",
                     "summary", "reporter_name", "reporter_phone", "reporter_email",
                     "reporter_address", "police_log", "council_ref"):  # fmt: skip
            self.fields[name].setText(getattr(form, name))
        self.details.setPlainText(form.details)
        self.hate.set_answer(form.hate)
        self.strands.set_codes(form.hate_strands)
        self._hate_changed()
        self.anonymous.setChecked(form.reporter_anonymous)
        self.consent.setChecked(form.consent_to_contact)
        self.reporter_link.set_link(form.reporter_person_id)
        for row in list(self.person_rows):
            self._remove_row(row)
        for entry in form.people:
            self.add_person(entry)
        self._read_links()
        self._loading = loading
        self._opened_with = {name: code for name, code in (("hub", form.hub),
                             ("channel", form.channel), ("category", form.category)) if code}  # fmt: skip
        self._update_date_hints()
        self._update_choice_hints()
        self.channel.setFocus()

    def add_person(self, entry: PersonEntry | None = None, focus: bool = False) -> PersonRow:
        row = PersonRow(entry, self.add_person_button.parentWidget())
        row.changed.connect(self._changed)
        row.removeRequested.connect(self.remove_person)
        row.name.textChanged.connect(lambda _text, r=row: self._name_edited(r))
        row.link.unlinkRequested.connect(lambda r=row: self.unlink(r))
        self.people_layout.addWidget(row)
        row.show()  # now, not when the layout gets round to it: it takes the focus next
        self.person_rows.append(row)
        self.no_people.hide()
        self._refresh_tab_order()
        if focus:
            row.role.setFocus()
            QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(row))
        self._changed()
        return row

    def remove_person(self, row: PersonRow) -> None:
        index = self.person_rows.index(row)
        self._remove_row(row)
        self._changed()
        if self.person_rows:
            self.person_rows[min(index, len(self.person_rows) - 1)].name.setFocus()
        else:
            self.add_person_button.setFocus()

    def _remove_row(self, row: PersonRow) -> None:
        self.person_rows.remove(row)
        self.people_layout.removeWidget(row)
        row.hide()
        row.deleteLater()
        self.no_people.setVisible(not self.person_rows)
        self._refresh_tab_order()

    # -- reacting to typing --------------------------------------------------------------
    def _changed(self, *_args) -> None:
        if self._loading or self._closing:
            return
        self._draft_timer.start()
        self._lookup_timer.start()
        self._update_date_hints()
        self._update_choice_hints()
        self._update_link_hints()
        self._update_hate_hint()

    def _hate_changed(self, *_args) -> None:
        """The strands show with a yes (what was ticked is kept, and stored only with yes);
        whether the category needs the answer shows under the question."""
        yes = self.hate.currentData() == "yes"
        self.strands.setVisible(yes)
        self.strands_label.setVisible(yes)
        self._update_hate_hint()
        self._changed()

    def _update_hate_hint(self) -> None:
        needed = hate_rules.required_for(self.category.currentData() or "")
        hint = ""
        if not self.hate.currentData() and needed and self.attach_to is None:
            hint = tr("Needed for this category: Y yes, N no, K not known.")
        self.messages["hate"].set_hint(hint)

    def _anonymous_toggled(self, anonymous: bool) -> None:
        for w in (self.reporter_name, self.reporter_phone, self.reporter_email,
                  self.reporter_address):  # fmt: skip
            w.setEnabled(not anonymous or bool(w.text()))
        if anonymous and self.reporter_link.person_id and not self._loading:
            # an anonymous reporter is no one known: the link would name them on the case
            name = (self.reporter_link.known.name if self.reporter_link.known is not None
                    else person_reference(self.reporter_link.person_id))  # fmt: skip
            self.unlink("reporter", tr("The reporter is anonymous: unlinked from {name}.")
                        .format(name=name))  # fmt: skip
            return
        self._changed()

    def _update_date_hints(self) -> None:
        now = utcnow()
        for name in ("received", "incident"):
            text = self.fields[name].text()
            hint = ""
            if text.strip():
                try:
                    value = intake.parse_when(text, now)
                except DateProblem:
                    value = None
                if value is not None:
                    hint = intake.describe_when(value)
            self.messages[name].set_hint(hint)

    def _update_choice_hints(self) -> None:
        """Under a list the form opened with a choice in: "Changed from …" once it differs."""
        for name in ("channel", "category", "hub"):
            combo, was = self.fields[name], self._opened_with.get(name)
            hint = ""
            if was and combo.currentData() != was:
                index = combo.findData(was)
                hint = tr("Changed from {0}.").format(combo.itemText(index) if index >= 0 else was)
            self.messages[name].set_hint(hint)

    def _tidy_date(self, name: str) -> None:
        """On leaving a date field: write what was understood the standard way ("now" becomes
        the time), so the person sees exactly what will be stored."""
        edit = self.fields[name]
        try:
            value = intake.parse_when(edit.text(), utcnow())
        except DateProblem:
            value = None
        if value is not None:
            tidy = format_datetime(value)
            if tidy != edit.text():
                edit.setText(tidy)
        if edit.text().strip():
            self._touched.add(name)
        self._show_problems()

    def _tidy_postcode(self) -> None:
        tidy = intake.normalise_postcode(self.postcode.text())
        if tidy and tidy != self.postcode.text():
            self.postcode.setText(tidy)
        if self.postcode.text().strip():
            self._touched.add("postcode")
        self._show_problems()

    def _tidy_grid_ref(self) -> None:
        tidy = intake.normalise_grid_ref(self.grid_ref.text())
        if tidy and tidy != self.grid_ref.text():
            self.grid_ref.setText(tidy)
        if self.grid_ref.text().strip():
            self._touched.add("grid_ref")
        self._show_problems()

    def _after_typing(self) -> None:
        self._show_problems()
        self.look_for_repeats()
        self.look_for_known()

    # -- problems ------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        return intake.validate(self.form(), utcnow(), attaching=self.attach_to is not None)

    def _show_problems(self, problems: list[Problem] | None = None) -> list[Problem]:
        if problems is None:
            problems = self.problems()
        shown = {}
        person_messages: dict[int, list[str]] = {}
        for p in problems:
            if not self._checked and p.field not in self._touched:
                continue
            if p.field.startswith("people."):
                index = int(p.field.split(".")[1])
                person_messages.setdefault(index, []).append(p.message)
            elif p.field == "attach_to":
                self.status.setText(p.message)
            else:
                shown.setdefault(p.field, p.message)
        for name, message in self.messages.items():
            message.set_problem(shown.get(name, ""))
        for i, row in enumerate(self.person_rows):
            row.message.set_problem(" ".join(person_messages.get(i, [])))
        return problems

    def _show_resumed_problems(self) -> None:
        """A resumed draft shows at once what is wrong with what was typed (a bad postcode,
        an incident after the report), as leaving those fields would have; a field left
        empty is not marked until a save is tried. The focus stays where it is."""
        form = self.form()
        typed = {name for name, value in vars(form).items()
                 if isinstance(value, str) and value.strip()}  # fmt: skip
        for p in self.problems():
            if p.field in typed:
                self._touched.add(p.field)
            elif p.field.startswith("people."):
                index = int(p.field.split(".")[1])
                if index < len(form.people) and not form.people[index].is_blank():
                    self._touched.add(p.field)
        self._show_problems()

    # -- saving --------------------------------------------------------------------------
    def save(self) -> None:
        if self._saving:
            return
        self._checked = True
        problems = self._show_problems()
        if problems:
            n = len(problems)
            self.status.setText(
                tr("Not saved yet: {n} to put right, shown in red.").format(n=n)
                if n > 1
                else tr("Not saved yet: one thing to put right, shown in red.")
            )
            self._focus_field(problems[0].field)
            return
        self._saving = True
        self.save_button.setEnabled(False)
        self.status.setText(tr("Saving…"))
        self._draft_timer.stop()
        attach = self.attach_to.case_id if self.attach_to is not None else None
        task = Task(save_job, self.store, self.form(), attach, self.slot)
        task.succeeded.connect(self._saved)
        task.failed.connect(said(self._save_failed))
        self._save_task = task.start()

    def _saved(self, result) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(result, list):  # problems the database found (a case closed meanwhile)
            self._show_problems(result)
            self.status.setText(result[0].message if result else "")
            if any(p.field == "attach_to" for p in result):
                self.set_attach(None)
                self.status.setText(next(p.message for p in result if p.field == "attach_to"))
            return
        self._closing = True
        self._draft_timer.stop()
        self._lookup_timer.stop()
        self.saved.emit(result)
        self.done(QDialog.DialogCode.Accepted)

    def _save_failed(self, message: str) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.status.setText(tr("Not saved: {message} What you typed is kept.").format(
            message=message))  # fmt: skip

    def _focus_field(self, name: str) -> None:
        if name.startswith("people."):
            parts = name.split(".")
            row = self.person_rows[int(parts[1])]
            widget = {"role": row.role, "full_name": row.name, "phone": row.phone,
                      "email": row.email, "address": row.address,
                      "risk": row.risk_button}.get(parts[2], row.name)  # fmt: skip
        elif name == "hate_strands":
            widget = self.strands.focus_order()[0]
        else:
            widget = self.fields.get(name)
        if widget is not None:
            widget.setFocus()
            self.scroll.ensureWidgetVisible(widget)

    # -- drafts --------------------------------------------------------------------------
    @property
    def draft_id(self) -> int | None:
        return self.slot.draft_id

    def write_draft(self) -> None:
        """Write the draft in the background (called a second after the last change)."""
        if self._closing or self.slot.finished:
            return
        form = self.form()
        if not form.has_text() and self.slot.draft_id is None:
            return
        Task(draft_job, self.slot, self.store, form, self.slot.next_change()).start()

    def flush_draft(self) -> Task | None:
        """Write the draft now (closing; the application quitting): what was typed is taken
        from the form here, and written in the background; the application waits for such
        writes before it closes the database. Returns the task (None: nothing to write)."""
        self._draft_timer.stop()
        if self.slot.finished:
            return None
        form = self.form()
        if not form.has_text() and self.slot.draft_id is None:
            return None
        task = Task(draft_job, self.slot, self.store, form, self.slot.next_change())
        task.failed.connect(lambda exc: log.error(  # the draft already written stays
            "Could not write the intake draft on closing: %s", exc))  # fmt: skip
        return task.start()

    def set_drafts_waiting(self, n: int) -> None:
        self.drafts_label.setText(
            tr("You have {n} unfinished reports saved as drafts.").format(n=n)
            if n > 1
            else tr("You have an unfinished report saved as a draft.")
        )
        self.drafts_banner.setVisible(n > 0)

    def discard(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Discard this report?"))
        box.setText(tr("Discard what you typed? It cannot be recovered."))
        discard = box.addButton(tr("&Discard"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(tr("&Keep typing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        if box.clickedButton() is not discard:
            return
        self._closing = True
        self._draft_timer.stop()
        self._lookup_timer.stop()
        Task(discard_job, self.slot, self.store).on_failure(
            lambda exc: log.error("Could not discard the intake draft: %s", exc)).start()  # fmt: skip
        self.done(QDialog.DialogCode.Rejected)

    def reject(self) -> None:
        """Esc or the close button: ask only if something was typed; the draft stays."""
        if self._closing:
            return super().reject()
        form = self.form()
        if form.has_text():
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle(tr("Close this report?"))
            box.setText(
                tr(
                    "The report is not saved as a case yet. What you typed is kept as a draft: "
                    "resume it later from File > Resume a draft."
                )  # fmt: skip
            )
            close = box.addButton(tr("&Close, keep the draft"), QMessageBox.ButtonRole.AcceptRole)
            keep = box.addButton(tr("&Keep typing"), QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(keep)
            box.setEscapeButton(keep)
            box.exec()
            if box.clickedButton() is not close:
                return
        self._closing = True
        self.flush_draft()
        self._lookup_timer.stop()
        super().reject()

    # -- repeats -------------------------------------------------------------------------
    def look_for_repeats(self) -> None:
        """Ask the core for open cases like this one, off the GUI thread."""
        query = duplicates.query_for(self.form())
        if query == self._last_query:
            return
        self._last_query = query
        if query.is_empty:
            self._lookups.cancel()  # an answer to the question before is of no use now
            self.show_repeats([])
            return
        self._lookups.start(suggest_job, self.store, query, utcnow())

    def show_repeats(self, found: list) -> None:
        if self._closing:
            return
        selected = self.attach_to.case_id if self.attach_to is not None else None
        self.suggestions = list(found)
        self.repeats.clear()
        for s in found:
            text = self._describe(s)
            item = QListWidgetItem(text)  # plain text: a summary's "<b>&" shows as typed
            item.setData(Qt.ItemDataRole.UserRole, s.case_id)
            # Qt guesses whether a tooltip is rich text: the user's words are escaped
            item.setToolTip(
                as_tooltip(
                    text
                    + "\n\n"
                    + tr("Enter or double-click: attach this report to {ref}").format(
                        ref=s.reference
                    )
                )
            )
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
            self.repeats.addItem(item)
            if s.case_id == selected:
                item.setSelected(True)
        self._set_repeats_hint()
        self.attach_button.setEnabled(bool(self.repeats.selectedItems()))

    @staticmethod
    def _describe(s: duplicates.Suggestion) -> str:
        where = ", ".join(x for x in (s.location, s.town) if x)
        if any(where and where in r for r in s.reasons):
            where = ""  # the reason already says where
        lines = [
            f"{s.reference} · {label(CaseStatus, s.status)} · {format_date(s.last_report_at)}",
            s.summary,
            where,
            *(f"→ {r}" for r in s.reasons),
        ]
        return "\n".join(line for line in lines if line)

    def _set_repeats_hint(self) -> None:
        if self._last_query is None or self._last_query.is_empty:
            text = tr("Open cases from the last 90 days at the same place, or with the same "
                      "people, appear here as you type.")  # fmt: skip
        elif not self.suggestions:
            text = tr("No open case in the last 90 days at this place or with these people.")
        else:
            text = tr("{n} open cases may be the same issue. Select one and attach this "
                      "report to it, or save a new case.").format(n=len(self.suggestions))  # fmt: skip
            if len(self.suggestions) == 1:
                text = tr("An open case may be the same issue. Select it and attach this "
                          "report to it, or save a new case.")  # fmt: skip
        self.repeats_hint.setText(text)

    def _repeat_selected(self) -> None:
        self.attach_button.setEnabled(bool(self.repeats.selectedItems()))

    def attach_selected(self) -> None:
        items = self.repeats.selectedItems()
        if not items:
            return
        case_id = items[0].data(Qt.ItemDataRole.UserRole)
        suggestion = next((s for s in self.suggestions if s.case_id == case_id), None)
        self.set_attach(suggestion)

    def set_attach(self, suggestion) -> None:
        self.attach_to = suggestion
        if suggestion is None:
            self.attach_banner.hide()
            self.setWindowTitle(tr("New issue"))
            self.save_button.setText(tr("Sa&ve"))
            self.repeats.clearSelection()
        else:
            self.attach_label.setText(
                tr(
                    "This report will be added to {ref} ({summary}) as a further contact; "
                    "no new case is made."
                ).format(ref=suggestion.reference, summary=suggestion.summary)  # fmt: skip
            )
            self.attach_banner.show()
            self.setWindowTitle(tr("Further report on {ref}").format(ref=suggestion.reference))
            self.save_button.setText(tr("Sa&ve to {ref}").format(ref=suggestion.reference))
        self.hub.setEnabled(suggestion is None)
        self.category.setEnabled(suggestion is None)
        self._show_problems()

    # -- people already known ------------------------------------------------------------
    def look_for_known(self) -> None:
        """Ask the core for the people already known who may be the ones typed, and for the
        repeat locations among the places typed, off the GUI thread."""
        form = self.form()
        typed = duplicates.people_typed(form)
        places = dataclasses.replace(duplicates.query_for(form), people=())
        if (typed, places) == self._last_known:
            return
        self._last_known = (typed, places)
        if not typed and places.is_empty:
            self._known_lookups.cancel()
            self.show_known(({}, []))
            return
        self._known_targets = {"reporter": "reporter"} | {
            f"people.{i}": row for i, row in enumerate(self.person_rows)
        }
        self._known_lookups.start(known_job, self.store, typed, places)

    def show_known(self, answer) -> None:
        if self._closing:
            return
        found, places = answer
        selected = self._selected_known()
        self.known_entries = []
        self.known.clear()
        for slot, hits in found.items():
            target = self._known_targets.get(slot)
            if target is None or (target != "reporter" and target not in self.person_rows):
                continue
            for k in hits:
                text = self._describe_known(target, k)
                item = QListWidgetItem(text)  # plain text, as typed
                item.setData(Qt.ItemDataRole.UserRole, len(self.known_entries))
                item.setToolTip(as_tooltip(text + "\n\n" + tr(
                    "Enter or double-click: link {name} to {slot}").format(
                    name=k.name, slot=self._slot_name(target).lower())))  # fmt: skip
                item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
                self.known_entries.append((target, k))
                self.known.addItem(item)
                if (target, k.id) == selected:
                    item.setSelected(True)
        self.messages["location"].set_hint("\n".join(p.describe() for p in places))
        self._set_known_hint()
        self.link_button.setEnabled(bool(self.known.selectedItems()))

    def _slot_name(self, target) -> str:
        if target == "reporter":
            return tr("Reporter")
        return tr("Person {n}").format(n=self.person_rows.index(target) + 1)

    def _describe_known(self, target, k: people.Known) -> str:
        found_by = {"name": tr("name"), "phone": tr("phone number"), "email": tr("email"),
                    "postcode": tr("postcode")}.get(k.matched, k.matched)  # fmt: skip
        known_from = tr("Known from {cases} as {roles}").format(
            cases=plural(k.cases, tr("case")), roles=roles_text(k.roles)
        )
        if k.latest is not None:
            known_from += tr(", the latest {date}").format(date=format_date(k.latest))
        lines = [
            tr("{slot}: {name} ({ref})").format(slot=self._slot_name(target), name=k.name,
                                                ref=person_reference(k.id.hex)),
            known_from + tr("; found by {what}.").format(what=found_by),
            *(f.describe() for f in k.flags),
            *k.safeguarding,
        ]  # fmt: skip
        if k.locked_down:
            lines.append(tr("Locked down: their details are kept from partners."))
        return "\n".join(lines)

    def _set_known_hint(self) -> None:
        typed = self._last_known[0] if self._last_known else ()
        if not typed:
            text = tr("People already on cases appear here as you type a name, phone number "
                      "or email of the reporter or a person involved.")  # fmt: skip
        elif not self.known_entries:
            text = tr("No one already known matches the people typed: they are saved as new.")
        else:
            text = tr("Known people who may be the ones typed. Link one to use them, not a "
                      "new record; unlinked people are saved as new.")  # fmt: skip
        self.known_hint.setText(text)

    def _selected_known(self):
        items = self.known.selectedItems()
        if not items:
            return None
        target, k = self.known_entries[items[0].data(Qt.ItemDataRole.UserRole)]
        return target, k.id

    def _known_selected(self) -> None:
        self.link_button.setEnabled(bool(self.known.selectedItems()))

    def link_selected(self) -> None:
        chosen = self._selected_known()
        if chosen is not None:
            self.link(*chosen)

    def _link_line(self, target) -> LinkLine:
        return self.reporter_link if target == "reporter" else target.link

    def _slot_edits(self, target) -> dict[str, QLineEdit]:
        if target == "reporter":
            return {"full_name": self.reporter_name, "phone": self.reporter_phone,
                    "email": self.reporter_email, "address": self.reporter_address}  # fmt: skip
        return {"full_name": target.name, "phone": target.phone, "email": target.email,
                "address": target.address}  # fmt: skip

    def link(self, target, person_id: uuid.UUID) -> None:
        """Link a person of the report (``"reporter"``, or a PersonRow) to a person already
        known: their details are read (in the background, audited), then the slot's empty
        fields are filled from them."""
        self.status.setText(tr("Linking…"))
        task = Task(link_job, self.store, [person_id])
        task.succeeded.connect(lambda found: self._linked(target, person_id, found))
        task.failed.connect(said(self.status.setText))
        task.start()

    def _linked(self, target, person_id: uuid.UUID, found: dict) -> None:
        if not alive(self) or self._closing:
            return
        if target != "reporter" and target not in self.person_rows:
            return  # the row was removed meanwhile
        known = found.get(person_id)
        if known is None:
            self.status.setText(intake.NOT_LINKABLE)
            return
        self._filling = True
        try:
            for name, edit in self._slot_edits(target).items():
                stored = known.name if name == "full_name" else getattr(known, name)
                # an empty field, or a name typed only as far as needed to find them
                empty = not edit.text().strip() or (
                    name == "full_name" and matching.name_completes(edit.text(), stored)
                )
                if stored and empty:
                    edit.setText(", ".join(x.strip() for x in stored.splitlines() if x.strip()))
        finally:
            self._filling = False
        self._link_line(target).set_link(person_id.hex, known)
        self.status.setText(tr("{slot} linked to {name}: saving adds them to the case, not a "
                               "new person.").format(slot=self._slot_name(target),
                                                     name=known.name))  # fmt: skip
        self._refresh_tab_order()
        self._changed()

    def _read_links(self) -> None:
        """A resumed draft's links: who they are, read in the background."""
        ids = []
        for target in ("reporter", *self.person_rows):
            try:
                ids.append(uuid.UUID(self._link_line(target).person_id))
            except ValueError:  # none, or not an id (the form says so under the name)
                continue
        if ids:
            Task(link_job, self.store, ids).on_success(self._relinked).on_failure(
                lambda exc: log.info("Reading the linked people failed: %s", exc)).start()  # fmt: skip

    def _relinked(self, found: dict) -> None:
        if not alive(self) or self._closing:
            return
        for target in ("reporter", *self.person_rows):
            line = self._link_line(target)
            try:
                pid = uuid.UUID(line.person_id)
            except ValueError:
                continue
            line.set_link(line.person_id, found.get(pid), missing=pid not in found)
        self._refresh_tab_order()
        self._update_link_hints()

    def unlink(self, target, why: str = "") -> None:
        line = self._link_line(target)
        name = line.known.name if line.known is not None else person_reference(line.person_id)
        line.set_link("")
        self.status.setText(why or tr("{slot} unlinked from {name}: saving makes a new person.")
                            .format(slot=self._slot_name(target), name=name))  # fmt: skip
        self._refresh_tab_order()
        self._changed()
        if not self._slot_edits(target)["full_name"].hasFocus():
            self._slot_edits(target)["full_name"].setFocus()

    def _name_edited(self, target) -> None:
        """A name typed into a linked slot that no longer fits the person unlinks them."""
        if self._filling or self._loading:
            return
        line = self._link_line(target)
        if not line.person_id or line.known is None:
            return
        typed = self._slot_edits(target)["full_name"].text()
        if matching.name_fits(typed, line.known.name):
            return
        self.unlink(target, tr("{slot} unlinked from {name}: the name typed no longer fits "
                               "theirs. Link them again from People already known, or a new "
                               "person is saved.").format(slot=self._slot_name(target),
                                                          name=line.known.name))  # fmt: skip

    def _update_link_hints(self) -> None:
        """Under each field of a linked person typed otherwise than stored: the stored value,
        which is kept."""
        for target in ("reporter", *self.person_rows):
            line = self._link_line(target)
            edits = self._slot_edits(target)
            hints: dict[str, str] = {}
            k = line.known if line.person_id else None
            if k is not None:
                stored = {"full_name": k.name, "phone": k.phone, "email": k.email,
                          "address": k.address}  # fmt: skip
                _fill, differ = intake.compare_linked(
                    stored, {n: e.text() for n, e in edits.items()}
                )
                for n, value in differ.items():
                    kept = (tr("the stored one is kept (locked down: this one is not recorded).")
                            if k.locked_down else
                            tr("the stored one is kept, this one noted on the case."))  # fmt: skip
                    hints[n] = (
                        tr("Differs from the stored {value}; {kept}") if target == "reporter"
                        else tr("{field} differs from the stored {value}; {kept}")
                    ).format(field=FIELD_WORDS[n], value=value, kept=kept)  # fmt: skip
            if target == "reporter":
                for n in edits:
                    key = "reporter_name" if n == "full_name" else f"reporter_{n}"
                    self.messages[key].set_hint(hints.get(n, ""))
            else:
                target.message.set_hint(" ".join(hints.values()))

    # -- helpers for the controller ------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(1240, 720)
