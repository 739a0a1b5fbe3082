"""Tools > Letter templates…: the hub's standard letters, edited by an administrator.

The letters on the left; the chosen one's versions under them (version 1 is the one shipped
with hubapp; each edit is the next version, with who made it and why). The newest version
fills the form: title, marking, subject and text, with the merge fields listed. The letter
as it would print (example values, no real person) is made again in the background as the
text changes. Saving makes a new version with the reason given; a text naming an unknown
field, a brace left open or no reason is refused with a sentence beside its field and nothing
saved. Administrators only (``Op.LETTER_TEMPLATES``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from hubapp.models.tasks import LatestTask, Task, user_message
from hubapp.views.pdf_preview import PdfPreview
from hubapp.views.problems import show_beside

PREVIEW_DELAY_MS = 300
PROBLEM_STYLE = "color: #a4161a;"


def tr(text: str) -> str:
    return QCoreApplication.translate("LetterTemplates", text)


def templates_job(_ctx, store):
    from hubapp.store.casework import letters

    return letters.templates(store)


def versions_job(_ctx, store, code):
    from hubapp.store.casework import letters

    return letters.versions(store, code)


def sample_job(_ctx, template):
    """The example letter's PDF (no database)."""
    from hubapp.documents.letter import sample

    return sample(template)


def save_job(_ctx, store, template, reason):
    from hubapp.store.casework import letters

    return letters.save_template(store, template, reason)


class LetterTemplatesDialog(QDialog):
    #: a version was saved (its number)
    saved = Signal(int)
    #: the versions of the chosen letter were read (list of Template)
    versionsLoaded = Signal(object)
    #: the preview was made again (bytes), or refused (None)
    previewed = Signal(object)

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("letterTemplatesDialog")
        self.setWindowTitle(tr("Letter templates"))
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.store = store
        self.current = None  # the Template shown (its newest version)
        self._build()
        self._versions = LatestTask(self, self._versions_loaded, self._failed)
        self._previews = LatestTask(self, self._previewed, self._preview_failed)
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._saving: Task | None = None
        loader = Task(templates_job, store)
        loader.succeeded.connect(self._templates_loaded)
        loader.failed.connect(self._failed)
        self._loader = loader.start()

    def _build(self) -> None:
        from hubapp.domain import letters as rules

        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(QLabel(tr("Letters"), self))
        self.letter_list = QListWidget(self, objectName="letterList")
        self.letter_list.setAccessibleName(tr("Letters"))
        self.letter_list.currentItemChanged.connect(lambda *_: self._letter_chosen())
        left.addWidget(self.letter_list, 2)
        left.addWidget(QLabel(tr("Versions"), self))
        self.version_list = QListWidget(self, objectName="versionList")
        self.version_list.setAccessibleName(tr("Versions"))
        left.addWidget(self.version_list, 1)
        outer.addLayout(left, 0)

        middle = QVBoxLayout()
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.title_edit = QLineEdit(self, objectName="templateTitle")
        self.marking_combo = QComboBox(self, objectName="templateMarking")
        self.marking_combo.addItems(list(rules.MARKINGS))
        self.subject_edit = QLineEdit(self, objectName="templateSubject")
        self.body_edit = QPlainTextEdit(self, objectName="templateBody")
        self.body_edit.setTabChangesFocus(True)
        self.reason_edit = QLineEdit(self, objectName="templateReason")
        self.reason_edit.setPlaceholderText(tr("Why the letter is being changed"))
        self.problems: dict[str, QLabel] = {}
        for key, text, widget in (("title", tr("&Title"), self.title_edit),
                                  ("marking", tr("&Marking"), self.marking_combo),
                                  ("subject", tr("&Subject"), self.subject_edit),
                                  ("body", tr("Te&xt"), self.body_edit),
                                  ("reason", tr("&Reason"), self.reason_edit)):  # fmt: skip
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            problem = QLabel(self, objectName=f"{key}Problem")
            problem.setTextFormat(Qt.TextFormat.PlainText)
            problem.setWordWrap(True)
            problem.setStyleSheet(PROBLEM_STYLE)
            problem.hide()
            box.addWidget(problem)
            self.problems[key] = problem
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, box)
        for w in (self.title_edit, self.subject_edit):
            w.textChanged.connect(self._changed)
        self.body_edit.textChanged.connect(self._changed)
        self.marking_combo.currentIndexChanged.connect(self._changed)
        middle.addLayout(form, 1)
        fields = QLabel(tr("Merge fields: ") + ", ".join(f"{{{f}}}" for f in rules.FIELDS), self)
        fields.setTextFormat(Qt.TextFormat.PlainText)
        fields.setWordWrap(True)
        fields.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        middle.addWidget(fields)
        row = QHBoxLayout()
        self.message = QLabel(self, objectName="templatesMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.save_button = QPushButton(tr("Save as a &new version"), self,
                                       objectName="templateSave")  # fmt: skip
        self.save_button.clicked.connect(lambda: self.save())
        close = QPushButton(tr("Close"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        row.addWidget(self.save_button)
        row.addWidget(close)
        middle.addLayout(row)
        outer.addLayout(middle, 1)
        self.preview = PdfPreview(self, max_width=520)
        self.preview.setObjectName("templatePreview")
        self.preview.setAccessibleName(tr("The letter as it would print, with example values"))
        outer.addWidget(self.preview, 1)
        self.letter_list.setMinimumWidth(280)
        self.resize(1280, 700)

    # -- reading ----------------------------------------------------------------------------
    def _templates_loaded(self, found) -> None:
        self.letter_list.clear()
        for t in found:
            item = QListWidgetItem(t.title, self.letter_list)
            item.setData(Qt.ItemDataRole.UserRole, t.code)
        if found:
            self.letter_list.setCurrentRow(0)

    def choose(self, code: str) -> None:
        for i in range(self.letter_list.count()):
            if self.letter_list.item(i).data(Qt.ItemDataRole.UserRole) == code:
                self.letter_list.setCurrentRow(i)

    def _letter_chosen(self) -> None:
        item = self.letter_list.currentItem()
        if item is not None:
            self._versions.start(versions_job, self.store, item.data(Qt.ItemDataRole.UserRole))

    def _versions_loaded(self, versions) -> None:
        self.version_list.clear()
        for t in reversed(versions):
            if t.version == 1:
                text = tr("Version 1: as shipped")
            else:
                text = tr("Version {0} by {1}: {2}").format(t.version, t.edited_by, t.reason)
            QListWidgetItem(text, self.version_list)
        self.current = versions[-1]
        self._fill(self.current)
        self.versionsLoaded.emit(versions)

    def _fill(self, t) -> None:
        for w in (self.title_edit, self.subject_edit, self.body_edit, self.marking_combo):
            w.blockSignals(True)
        self.title_edit.setText(t.title)
        self.subject_edit.setText(t.subject)
        self.body_edit.setPlainText(t.body)
        self.marking_combo.setCurrentText(t.marking)
        self.reason_edit.clear()
        for w in (self.title_edit, self.subject_edit, self.body_edit, self.marking_combo):
            w.blockSignals(False)
        show_beside(self.problems, [])
        self.refresh_preview()

    def draft(self):
        """The form as a template (the letter's code and agencies kept)."""
        from hubapp.domain.letters import Template

        if self.current is None:
            return None
        return Template(code=self.current.code, title=self.title_edit.text(),
                        body=self.body_edit.toPlainText(), subject=self.subject_edit.text(),
                        agencies=self.current.agencies, marking=self.marking_combo.currentText(),
                        version=self.current.version + 1)  # fmt: skip

    # -- the preview ------------------------------------------------------------------------
    def _changed(self) -> None:
        self._timer.start()

    def refresh_preview(self) -> None:
        draft = self.draft()
        if draft is not None:
            self._previews.start(sample_job, draft)

    def _previewed(self, pdf: bytes) -> None:
        for key in ("title", "subject", "body", "marking"):
            self.problems[key].hide()
        self.preview.set_pdf(pdf)
        self.previewed.emit(pdf)

    def _preview_failed(self, exc: BaseException) -> None:
        from hubapp.store.casework.letters import validate_template

        draft = self.draft()
        problems = [p for p in validate_template(draft, "x") if p.field != "reason"]
        show_beside({k: v for k, v in self.problems.items() if k != "reason"}, problems)
        if not problems:
            self.message.setText(user_message(exc))
        self.previewed.emit(None)

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> Task | None:
        draft = self.draft()
        if draft is None or (self._saving is not None and self._saving.running):
            return None
        self.save_button.setEnabled(False)
        self.message.setText(tr("Saving…"))
        task = Task(save_job, self.store, draft, self.reason_edit.text())
        task.succeeded.connect(self._saved)
        task.failed.connect(self._save_failed)
        self._saving = task.start()
        return task

    def _saved(self, version: int) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(tr("Saved as version {0}.").format(version))
        self.saved.emit(version)
        self._letter_chosen()

    def _save_failed(self, exc: BaseException) -> None:
        from hubapp.store.errors import Refused

        self.save_button.setEnabled(True)
        problems = exc.problems if isinstance(exc, Refused) else []
        left = show_beside(self.problems, problems)
        self.message.setText(" ".join(left) if problems else user_message(exc))

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(user_message(exc))

    def done(self, result: int) -> None:
        for t in (self._versions, self._previews):
            t.cancel()
        self._timer.stop()
        self.preview.release()
        super().done(result)
