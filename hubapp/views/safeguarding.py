"""Safeguarding on screen: a person's flags and referrals, and the two small forms that
change them (a person's page and the case window open them).

* :class:`SafeguardingDialog`: the date of birth (a child is worked out from it) and the
  vulnerable-adult flag with its reason. Saved in the background; a problem shows under its
  field and nothing is saved.
* :class:`ReferralDialog`: a referral of a person on a case (pathway, date, reference,
  outcome). The pathways offered are those the account may see.
* :func:`referrals_model`: the referrals as a table (the person page and the case window).

Both forms are for the roles of ``Op.SAFEGUARDING`` (the screens that open them hide their
buttons from everyone else; the store refuses them anyway). Dates are typed dd/mm/yyyy.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import format_date
from hubapp.models.records import Column, RecordTableModel
from hubapp.models.tasks import Task, user_message

ERROR_COLOUR = "#b00020"


def tr(text: str) -> str:
    return QCoreApplication.translate("Safeguarding", text)


def referrals_model(parent, *, with_person: bool = False,
                    with_case: bool = False) -> RecordTableModel:  # fmt: skip
    """The referrals (hubapp.store.casework.referrals.ReferralLine) as a table, newest
    first."""
    columns = [
        Column(tr("Referred"), lambda r: format_date(r.referred_on),
               sort_key=lambda r: r.referred_on),
        Column(tr("Pathway"), lambda r: r.pathway_name, sort_key=lambda r: r.pathway_name),
    ]  # fmt: skip
    if with_person:
        columns.append(Column(tr("Person"), lambda r: r.person))
    if with_case:
        columns.append(Column(tr("Case"), lambda r: r.case_reference))
    columns += [
        Column(tr("By"), lambda r: r.referred_by),
        Column(tr("Reference"), lambda r: r.reference),
        Column(tr("Outcome"), lambda r: r.outcome, tooltip=True, one_line=True),
    ]
    return RecordTableModel(columns, parent, key=lambda r: r.id)


def parse_day(text: str) -> date | None:
    """A date typed dd/mm/yyyy (or yyyy-mm-dd); None for blank; ValueError (one sentence)
    otherwise."""
    from hubapp.store.admin.audit_query import parse_day as parse

    return parse(text) if text.strip() else None


class _Message(QLabel):
    """The red line under a field."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.hide()

    def say(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))


class BackgroundForm(QDialog):
    """A small form saved in the background: fields with a message line under each. Each
    form has its own ``save`` (Save and Enter call it)."""

    saved = Signal(object)

    def __init__(self, store, title: str, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.messages: dict[str, _Message] = {}
        self.fields: dict[str, QWidget] = {}
        self.status = QLabel(self, objectName="formStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._task: Task | None = None

    def add(self, name: str, text: str, widget: QWidget) -> None:
        label = QLabel(text, self)
        label.setBuddy(widget)
        widget.setObjectName(name)
        message = _Message(self)
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(message)
        self.form.addRow(label, holder)
        self.fields[name], self.messages[name] = widget, message

    def show_problems(self, problems) -> None:
        shown: dict[str, str] = {}
        for p in problems:
            shown.setdefault(p.field if p.field in self.messages else "", p.message)
        for name, message in self.messages.items():
            message.say(shown.get(name, ""))
        self.status.setText(shown.get("", ""))
        first = next((p.field for p in problems if p.field in self.fields), None)
        if first is not None:
            self.fields[first].setFocus()

    def run(self, fn, *args) -> None:
        if self._task is not None:
            return
        self.buttons.setEnabled(False)
        self.status.setText(tr("Saving…"))
        self._task = Task(fn, *args)
        self._task.succeeded.connect(self._done)
        self._task.failed.connect(self._failed)
        self._task.start()

    def _done(self, result) -> None:
        self._task = None
        self.buttons.setEnabled(True)
        self.saved.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._task = None
        self.buttons.setEnabled(True)
        problems = getattr(exc, "problems", None)
        if problems:
            self.show_problems(problems)
        else:
            self.status.setText(user_message(exc))


def save_safeguarding(_ctx, store, person_id, born, vulnerable, reason):
    """Background work: the date of birth, then the flag (each its own audited change)."""
    from hubapp.store.casework import safeguarding

    changed = safeguarding.set_date_of_birth(store, person_id, born)
    return safeguarding.set_vulnerable(store, person_id, vulnerable, reason) or changed


class SafeguardingDialog(BackgroundForm):
    """A person's date of birth and vulnerable-adult flag."""

    def __init__(self, store, person_id: uuid.UUID, *, name: str, born: date | None,
                 vulnerable: bool, reason: str, parent=None) -> None:  # fmt: skip
        super().__init__(store, tr("Safeguarding – {name}").format(name=name), parent)
        self.setObjectName("safeguardingDialog")
        self.person_id = person_id
        intro = QLabel(tr("A child (under 18) is worked out from the date of birth. A "
                          "vulnerable adult is flagged by you, with the reason."), self)  # fmt: skip
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.born = QLineEdit(format_date(born) if born else "", self)
        self.born.setPlaceholderText(tr("dd/mm/yyyy"))
        self.born.setAccessibleName(tr("Date of birth"))
        self.add("date_of_birth", tr("Date of &birth:"), self.born)
        self.vulnerable = QCheckBox(tr("&Vulnerable adult"), self)
        self.vulnerable.setChecked(vulnerable)
        self.add("vulnerable", "", self.vulnerable)
        self.reason = QPlainTextEdit(reason, self)
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName(tr("Why they are a vulnerable adult"))
        self.reason.setMaximumHeight(90)
        self.add("vulnerable_reason", tr("&Why:"), self.reason)
        self.vulnerable.toggled.connect(lambda on: self.reason.setEnabled(on))
        self.reason.setEnabled(vulnerable)
        self.born.setFocus()

    def save(self) -> None:
        from hubapp.store.casework import safeguarding
        from hubapp.store.errors import Problem

        try:
            born = parse_day(self.born.text())
        except ValueError as exc:
            self.show_problems([Problem("date_of_birth", str(exc))])
            return
        problems = safeguarding.check_date_of_birth(born)
        reason = self.reason.toPlainText()
        if self.vulnerable.isChecked() and not reason.strip():
            problems.append(Problem("vulnerable_reason", tr(
                "Say why the person is a vulnerable adult (what makes them so).")))  # fmt: skip
        if problems:
            self.show_problems(problems)
            return
        self.show_problems([])
        self.run(save_safeguarding, self.store, self.person_id, born,
                 self.vulnerable.isChecked(), reason)  # fmt: skip


def add_referral_job(_ctx, store, draft):
    from hubapp.store.casework import referrals

    return referrals.add(store, draft)


class ReferralDialog(BackgroundForm):
    """A referral of a person on a case. ``cases``: (case id, reference) the person is on
    (one is chosen); ``people``: (person id, name) on the case (one is chosen)."""

    def __init__(self, store, *, cases: list[tuple[uuid.UUID, str]],
                 people: list[tuple[uuid.UUID, str]], parent=None) -> None:  # fmt: skip
        from hubapp.store import access
        from hubapp.store.casework import referrals

        super().__init__(store, tr("Record a referral"), parent)
        self.setObjectName("referralDialog")
        self.case = QComboBox(self)
        for case_id, ref in cases:
            self.case.addItem(ref, case_id)
        self.case.setAccessibleName(tr("Case"))
        self.add("case", tr("&Case:"), self.case)
        self.person = QComboBox(self)
        for person_id, name in people:
            self.person.addItem(name, person_id)
        self.person.setAccessibleName(tr("Person referred"))
        self.add("person", tr("&Person:"), self.person)
        self.pathway = QComboBox(self)
        self.pathway.addItem(tr("— choose —"), "")
        for p in referrals.pathways():
            if access.may_see_pathway(store, p.code):
                self.pathway.addItem(p.name, p.code)
        self.pathway.setAccessibleName(tr("Pathway"))
        self.add("pathway", tr("Pat&hway:"), self.pathway)
        self.on = QLineEdit(format_date(date.today()), self)
        self.on.setPlaceholderText(tr("dd/mm/yyyy"))
        self.on.setAccessibleName(tr("Date of the referral"))
        self.add("referred_on", tr("&Date:"), self.on)
        self.reference = QLineEdit(self)
        self.reference.setAccessibleName(tr("The other service's reference"))
        self.add("reference", tr("&Reference:"), self.reference)
        self.outcome = QPlainTextEdit(self)
        self.outcome.setTabChangesFocus(True)
        self.outcome.setMaximumHeight(80)
        self.outcome.setAccessibleName(tr("Outcome, if known"))
        self.add("outcome", tr("&Outcome:"), self.outcome)
        self.pathway.setFocus()

    def draft(self):
        """The referral as typed; ValueError (one sentence) for a date that is not one."""
        from hubapp.store.casework import referrals

        return referrals.ReferralDraft(
            case_id=self.case.currentData(), person_id=self.person.currentData(),
            pathway=self.pathway.currentData() or "", referred_on=parse_day(self.on.text()),
            reference=self.reference.text(), outcome=self.outcome.toPlainText(),
        )  # fmt: skip

    def save(self) -> None:
        from hubapp.store.casework import referrals
        from hubapp.store.errors import Problem

        try:
            draft = self.draft()
        except ValueError as exc:
            self.show_problems([Problem("referred_on", str(exc))])
            return
        problems = referrals.validate(draft, holder=self.store)
        if problems:
            self.show_problems(problems)
            return
        self.show_problems([])
        self.run(add_referral_job, self.store, draft)
