"""The case window's "Link a case…" dialog (issue 16).

The other case is typed by its reference; the store looks it up and links the two in one
background task (:mod:`hubapp.store.casework.links`), so the window never waits on the
database. What the store refuses is shown in one sentence next to the field it is about (the
reference, the kind, the reason or the tick), and everything typed stays. *The same problem*
offers to move the other case's contacts here and close it as a duplicate.
"""

from __future__ import annotations

import uuid

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

from hubapp.domain.codes import CaseLinkKind
from hubapp.models.tasks import Task, user_message


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseLinks", text)


def link_job(_ctx, store, case_id: uuid.UUID, typed: str, kind: str, reason: str,
             move: bool):  # fmt: skip
    """Background work: find the other case by its reference and link it. A refusal comes
    back as ``("problems", (sentence, problems))`` for the fields, not as a failure."""
    from hubapp.store.casework import links
    from hubapp.store.errors import Problem, Refused

    try:
        problems = links.check_link(kind, reason, move)  # every field's problem at once
        if not typed.strip():
            problems.insert(0, Problem("other", links.NO_REFERENCE))
        if problems:
            raise links.LinkRefused(problems[0].message, problems)
        other = links.find_case(store, typed)
        return "ok", links.link(store, case_id, other, kind, reason, move_contacts=move)
    except Refused as exc:
        return "problems", (str(exc), list(exc.problems))


class _Problem(QLabel):
    """The one-sentence problem under a field (hidden when there is none)."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent, objectName=f"linkProblem_{name}")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020;")
        self.hide()

    def say(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class LinkCaseDialog(QDialog):
    """Link another case to ``reference`` (the case ``case_id`` of the window)."""

    #: the link was made (the store's ``Linked``)
    linked = Signal(object)

    def __init__(self, store, case_id: uuid.UUID, reference: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("linkCaseDialog")
        self.setWindowTitle(tr("Link a case to {0}").format(reference))
        self.store = store
        self.case_id = case_id
        self.task: Task | None = None
        lay = QVBoxLayout(self)
        intro = QLabel(tr("The link is shown on both cases, with the reason. If the other case "
                          "is the same problem, its contacts can move to {0} and it is closed "
                          "as a duplicate.").format(reference), self)  # fmt: skip
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.reference_edit = QLineEdit(self, objectName="linkReference")
        self.reference_edit.setPlaceholderText(tr("e.g. CAR-2026-0043"))
        self.reference_edit.setMaxLength(40)
        self.kind_combo = QComboBox(self, objectName="linkKind")
        for kind in CaseLinkKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.reason_edit = QPlainTextEdit(self, objectName="linkReason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(self.reason_edit.fontMetrics().lineSpacing() * 3 + 14)
        self.reason_edit.setPlaceholderText(tr("Why the cases are linked (shown on both)"))
        self.move_check = QCheckBox(tr("&Move its contacts here and close it as a duplicate"),
                                    self, objectName="linkMove")  # fmt: skip
        self.problems = {name: _Problem(name, self) for name in ("other", "kind", "reason", "move")}
        for text, widget, name in ((tr("Other case's &reference"), self.reference_edit, "other"),
                                   (tr("&Kind of link"), self.kind_combo, "kind"),
                                   (tr("Rea&son"), self.reason_edit, "reason"),
                                   ("", self.move_check, "move")):  # fmt: skip
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(self.problems[name])
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, box)
        lay.addLayout(form)
        self.status = QLabel(self, objectName="linkStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.link_button = self.buttons.addButton(tr("&Link"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)  # fmt: skip
        self.link_button.setObjectName("linkButton")
        self.link_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.resize(560, self.sizeHint().height())

    def _kind_changed(self) -> None:
        same = self.kind_combo.currentData() == CaseLinkKind.SAME_PROBLEM
        self.move_check.setEnabled(same)
        if not same:
            self.move_check.setChecked(False)

    def submit(self) -> None:
        """The Link button (or Enter): link in the background."""
        if self.task is not None and self.task.running:
            return
        self.link_button.setEnabled(False)
        self.status.setText(tr("Linking…"))
        args = (self.store, self.case_id, self.reference_edit.text(),
                self.kind_combo.currentData(), self.reason_edit.toPlainText(),
                self.move_check.isChecked())  # fmt: skip
        self.task = Task(link_job, *args, parent=self)
        self.task.succeeded.connect(self._done)
        self.task.failed.connect(self._failed)
        self.task.start()

    def _done(self, result) -> None:
        self.link_button.setEnabled(True)
        kind, value = result
        for p in self.problems.values():
            p.say("")
        if kind == "problems":
            message, problems = value
            shown = False
            for problem in problems:
                if problem.field in self.problems:
                    self.problems[problem.field].say(problem.message)
                    shown = True
            self.status.setText("" if shown else message)
            first = next((p for p in problems if p.field in self.problems), None)
            if first is not None:
                {"other": self.reference_edit, "kind": self.kind_combo,
                 "reason": self.reason_edit, "move": self.move_check}[first.field].setFocus()  # fmt: skip
            return
        self.status.setText(value.describe())
        self.linked.emit(value)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.link_button.setEnabled(True)
        self.status.setText(user_message(exc))
