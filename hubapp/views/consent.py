"""A person's consent to share, on their page: the answer and the day, and (for those who
may change a case) a button to record it (``hubapp.store.admin.sharing.set_consent``).

Read and saved in the background; a problem is said beside the field it is about.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import format_date
from hubapp.models.tasks import LatestTask, Task, user_message
from hubapp.views.sign_in import error_label


def tr(text: str) -> str:
    return QCoreApplication.translate("Consent", text)


def read_consent(_ctx, store, person_id):
    from hubapp.store.admin import sharing

    return sharing.consent_of(store, person_id)


def save_consent(_ctx, store, person_id, consent, on):
    from hubapp.store.admin import sharing

    sharing.set_consent(store, person_id, consent, on)
    return sharing.consent_of(store, person_id)


class ConsentDialog(QDialog):
    """Given or refused, and the day (today unless changed)."""

    saved = Signal(object)

    def __init__(self, store, person_id: uuid.UUID, current: tuple, parent=None) -> None:
        from hubapp.domain.clock import local_today

        super().__init__(parent)
        self.store, self.person_id = store, person_id
        self.setObjectName("consentDialog")
        self.setWindowTitle(tr("Consent to share"))
        self.working: Task | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(tr("Where consent is the basis for sharing, record the person's answer "
                          "and the day they gave it."))  # fmt: skip
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.given = QRadioButton(tr("&Given"), objectName="consentGiven")
        self.refused = QRadioButton(tr("&Refused"), objectName="consentRefused")
        group = QButtonGroup(self)
        group.addButton(self.given)
        group.addButton(self.refused)
        answers = QHBoxLayout()
        answers.addWidget(self.given)
        answers.addWidget(self.refused)
        answers.addStretch(1)
        layout.addLayout(answers)
        self.answer_error = error_label(self, "consentAnswerError")
        layout.addWidget(self.answer_error)
        form = QFormLayout()
        self.day = QLineEdit(format_date(current[1] or local_today()), objectName="consentDay")
        self.day.setAccessibleName(tr("Day of the answer"))
        label = QLabel(tr("&On"))
        label.setBuddy(self.day)
        form.addRow(label, self.day)
        layout.addLayout(form)
        self.day_error = error_label(self, "consentDayError")
        layout.addWidget(self.day_error)
        self.day.textEdited.connect(lambda _t: self.day_error.hide())
        (self.given if current[0] == "given" else self.refused if current[0] == "refused"
         else self.given).setChecked(bool(current[0]))  # fmt: skip
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("consentSave")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        from hubapp.store.admin.audit_query import parse_day

        if self.working is not None:
            return
        self.answer_error.hide()
        self.day_error.hide()
        if not (self.given.isChecked() or self.refused.isChecked()):
            self.answer_error.setText(tr("Choose given or refused."))
            self.answer_error.show()
            self.given.setFocus()
            return
        try:
            day = parse_day(self.day.text())
        except ValueError as exc:
            self._day_problem(str(exc))
            return
        consent = "given" if self.given.isChecked() else "refused"
        task = Task(save_consent, self.store, self.person_id, consent, day)
        task.succeeded.connect(lambda value: (self.saved.emit(value), self.accept()))
        task.failed.connect(self._refused)
        task.finished.connect(self._finished)
        self.working = task
        self.save_button.setEnabled(False)
        task.start()

    def _day_problem(self, text: str) -> None:
        self.day_error.setText(text)
        self.day_error.show()
        self.day.setFocus()

    def _refused(self, exc: BaseException) -> None:
        problems = getattr(exc, "problems", None) or []
        if problems and problems[0].field == "share_consent":
            self.answer_error.setText(problems[0].message)
            self.answer_error.show()
        else:
            self._day_problem(user_message(exc))

    def _finished(self) -> None:
        self.working = None
        self.save_button.setEnabled(True)


class ConsentRow(QWidget):
    """The person page's "Consent to share" line."""

    changed = Signal(object)

    def __init__(self, store, person_id: uuid.UUID, parent=None) -> None:
        from hubapp.store import access

        super().__init__(parent)
        self.setObjectName("consentRow")
        self.store, self.person_id = store, person_id
        self.current: tuple = ("", None)
        self.dialog: ConsentDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.value = QLabel(tr("Reading…"), objectName="person-consent")
        self.value.setTextFormat(Qt.TextFormat.PlainText)
        self.value.setAccessibleName(tr("Consent to share"))
        self.button = QPushButton(tr("Record c&onsent…"), objectName="recordConsent")
        self.button.setVisible(access.may_edit_cases(store))
        self.button.clicked.connect(self.record)
        row.addWidget(self.value)
        row.addWidget(self.button)
        row.addStretch(1)
        self._reading = LatestTask(self, self._show, self._failed)
        self.reload()

    def reload(self) -> None:
        self._reading.start(read_consent, self.store, self.person_id)

    @property
    def busy(self) -> bool:
        return self._reading.running

    def _show(self, value) -> None:
        from hubapp.store.admin.sharing import describe_consent

        self.current = value
        self.value.setText(tr(describe_consent(*value)))
        self.changed.emit(value)

    def _failed(self, exc: BaseException) -> None:
        self.value.setText(user_message(exc))
        self.button.hide()

    def record(self) -> ConsentDialog:
        dialog = ConsentDialog(self.store, self.person_id, self.current, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._show)
        self.dialog = dialog
        dialog.open()
        return dialog
