"""The case window's "Add a person…" (People & places): a new person on the case, with a role and
the date of birth the age limits of tools and powers are worked out from
(:func:`hubapp.store.casework.case_people.add_person`, as ``hubapp person add`` does).

Saved in the background; a problem shows beside its field and nothing is saved until all are
right. A change of the case: coordinators, police and administrators (the window offers the
button only to them; the store refuses anyone else anyway).
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from hubapp.domain.codes import PersonRole


def tr(text: str) -> str:
    return QCoreApplication.translate("AddPerson", text)


class AddPersonDialog(QDialog):
    #: the person was added (their id)
    added = Signal(object)

    def __init__(self, store, case_id: uuid.UUID, parent=None) -> None:
        from hubapp.store.casework.case_people import ROLES

        super().__init__(parent)
        self.setObjectName("addPersonDialog")
        self.setWindowTitle(tr("Add a person to the case"))
        self.store, self.case_id = store, case_id
        self.task = None
        self.name = QLineEdit(self, objectName="personName")
        self.name.setMaxLength(160)
        self.role = QComboBox(self, objectName="personRole")
        self.role.addItem(tr("Choose…"), "")
        for r in ROLES:
            self.role.addItem(PersonRole(r).label, r)
        self.dob_known = QCheckBox(tr("known"), self, objectName="personDobKnown")
        self.dob_known.setAccessibleName(tr("Date of birth known"))
        self.dob = QDateEdit(self, objectName="personDob")
        self.dob.setCalendarPopup(True)
        self.dob.setDisplayFormat("dd/MM/yyyy")
        self.dob.setDate(QDate.currentDate().addYears(-16))
        self.dob.setAccessibleName(tr("Date of birth"))
        self.dob.setEnabled(False)
        self.dob_known.toggled.connect(self.dob.setEnabled)
        self.phone = QLineEdit(self, objectName="personPhone")
        self.address = QLineEdit(self, objectName="personAddress")
        self.problems: dict[str, QLabel] = {}
        form = QFormLayout()
        dob_row = QHBoxLayout()
        dob_row.addWidget(self.dob_known)
        dob_row.addWidget(self.dob)
        dob_row.addStretch(1)
        for key, text, item, buddy in (
            ("full_name", tr("&Name"), self.name, self.name),
            ("role", tr("&Role"), self.role, self.role),
            ("date_of_birth", tr("Date of &birth"), dob_row, self.dob_known),
            ("phone", tr("&Phone"), self.phone, self.phone),
            ("address", tr("&Address"), self.address, self.address),
        ):  # fmt: skip
            problem = QLabel(self, objectName=f"problem_person_{key}")
            problem.setTextFormat(Qt.TextFormat.PlainText)
            problem.setWordWrap(True)
            problem.setStyleSheet("color:#b00020;")
            problem.hide()
            self.problems[key] = problem
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addLayout(item) if isinstance(item, QHBoxLayout) else box.addWidget(item)
            box.addWidget(problem)
            label = QLabel(text, self)
            label.setBuddy(buddy)
            form.addRow(label, box)
        self.status = QLabel(self, objectName="personStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)  # fmt: skip
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(tr("&Save"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)

    @property
    def busy(self) -> bool:
        return self.task is not None

    def draft(self):
        from hubapp.store.casework.case_people import PersonDraft

        born = None
        if self.dob_known.isChecked():
            q = self.dob.date()
            born = date(q.year(), q.month(), q.day())
        return PersonDraft(self.name.text(), self.role.currentData(), born, self.phone.text(),
                           self.address.text())  # fmt: skip

    def _show(self, problems) -> None:
        from hubapp.views.problems import show_beside

        show_beside(self.problems, problems)

    def save(self) -> None:
        from hubapp.models.tasks import Task, user_message
        from hubapp.store.casework import case_people
        from hubapp.store.casework.workflow import CaseworkError

        draft, store, case_id = self.draft(), self.store, self.case_id

        def job(_ctx):
            try:
                return "ok", case_people.add_person(store, case_id, draft)
            except CaseworkError as exc:
                return "problems", (str(exc), exc.problems)

        def done(result) -> None:
            self.task = None
            self.save_button.setEnabled(True)
            kind, value = result
            if kind == "problems":
                message, problems = value
                self._show(problems)
                self.status.setText(message)
                return
            self.added.emit(value)
            self.accept()

        def failed(exc) -> None:
            self.task = None
            self.save_button.setEnabled(True)
            self.status.setText(user_message(exc))

        self.save_button.setEnabled(False)
        self.status.setText(tr("Saving…"))
        self.task = Task(job)
        self.task.succeeded.connect(done)
        self.task.failed.connect(failed)
        self.task.start()
