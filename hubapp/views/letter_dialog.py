"""Writing a standard letter from a case, and the case's Communications tab.

* :class:`LetterDialog` ("Write a letter…"): the letter, who it goes to (a person on the case,
  everyone in a role, or every resident of one of the case's places) and the sending agency;
  the letter as it will print, shown beside them and made again as any choice changes; a
  problem (no address, a blank field the letter needs, an agency that does not send it) in
  one sentence beside its field. Send asks where to save the PDF, then sends in the
  background with progress and Cancel (:func:`hubapp.store.casework.letters.send`: the PDF
  saved and kept with the case, each letter recorded and its disclosure audited; a cancel
  keeps nothing).
* :class:`CommunicationsPage`: the case's Communications list (every letter sent, to whom,
  from which agency, by whom, to which address), with "Write a letter…".

Every read and write runs in the background (hubapp.models.tasks); the widgets only show.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hubapp.models.communications import CommunicationsModel
from hubapp.models.tasks import LatestTask, Task, user_message
from hubapp.views.pdf_preview import PdfPreview
from hubapp.views.problems import show_beside
from hubapp.views.progress import ProgressDialog

#: how long the choices rest before the preview is made again (typing in a combo's search)
PREVIEW_DELAY_MS = 200
PROBLEM_STYLE = "color: #a4161a;"


def tr(text: str) -> str:
    return QCoreApplication.translate("LetterDialog", text)


# --- the background work (no Qt) --------------------------------------------------------------


def choices_job(_ctx, store, case_id):
    from hubapp.store.casework import letters

    return letters.choices(store, case_id)


def preview_job(ctx, store, case_id, template, to, agency):
    from hubapp.documents import letter as paper

    return paper.preview(store, case_id, template, to, agency, progress=ctx.report)


def send_job(ctx, store, case_id, template, to, agency, path):
    from hubapp.documents import letter as paper

    return paper.send(store, case_id, template, to, agency, output=path,
                        progress=ctx.report)  # fmt: skip


def communications_job(_ctx, store, case_id):
    from hubapp.store.casework import letters

    return letters.communications(store, case_id)


def _pick(combo: QComboBox, wanted) -> None:
    """Choose the first item whose data ``wanted(data)`` accepts (ids are Python objects,
    which ``findData`` does not compare)."""
    for i in range(combo.count()):
        if wanted(combo.itemData(i)):
            combo.setCurrentIndex(i)
            return


def _problem_label(parent, name: str) -> QLabel:
    label = QLabel(parent, objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet(PROBLEM_STYLE)
    label.hide()
    return label


# --- the dialog ---------------------------------------------------------------------------------


class LetterDialog(ProgressDialog):
    """Write a letter from a case. ``sent`` carries the store's ``Sent`` once it is sent."""

    sent = Signal(object)
    #: the preview was made again (its Made), or refused (None)
    previewed = Signal(object)
    #: the choices were read (its Choices)
    ready = Signal(object)

    def __init__(self, store, case_id: uuid.UUID, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("letterDialog")
        self.setWindowTitle(tr("Write a letter"))
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.store, self.case_id = store, case_id
        self.choices = None
        self.made = None  # the letters as last previewed
        self._build()
        self._previews = LatestTask(self, self._previewed, self._preview_failed)
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._loader = Task(choices_job, store, case_id)
        self._loader.succeeded.connect(self._loaded)
        self._loader.failed.connect(lambda exc: self._say(user_message(exc)))
        self._loader.start()

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.template_combo = QComboBox(self, objectName="letterTemplate")
        self.template_combo.setAccessibleName(tr("Letter"))
        self.to_combo = QComboBox(self, objectName="letterTo")
        self.to_combo.setAccessibleName(tr("To"))
        self.agency_combo = QComboBox(self, objectName="letterAgency")
        self.agency_combo.setAccessibleName(tr("From agency"))
        self.problems = {
            "template": _problem_label(self, "templateProblem"),
            "to": _problem_label(self, "toProblem"),
            "agency": _problem_label(self, "agencyProblem"),
        }
        for text, combo, key in ((tr("&Letter"), self.template_combo, "template"),
                                 (tr("&To"), self.to_combo, "to"),
                                 (tr("&From"), self.agency_combo, "agency")):  # fmt: skip
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(combo)
            box.addWidget(self.problems[key])
            label_ = QLabel(text, self)
            label_.setBuddy(combo)
            form.addRow(label_, box)
            combo.setMinimumWidth(300)
            combo.currentIndexChanged.connect(self._changed)
        # the letter follows whom it is to until the person picks one themselves
        self._template_chosen = False
        self.template_combo.activated.connect(lambda _i: setattr(self, "_template_chosen", True))
        self.to_combo.currentIndexChanged.connect(lambda _i: self._suit_template())
        left.addLayout(form)
        self.hint = QLabel(tr("The letter is saved as a PDF, kept with the case and listed on "
                              "its Communications tab; each person written to is recorded as "
                              "told about the case."), self)  # fmt: skip
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        left.addWidget(self.hint)
        left.addStretch(1)
        self.add_progress("letter")
        left.addWidget(self.progress)
        left.addWidget(self.status)
        buttons = QHBoxLayout()
        self.send_button = QPushButton(tr("&Send…"), self, objectName="letterSend")
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(lambda: self.send())
        self.close_button = QPushButton(tr("Cancel"), self, objectName="letterCancel")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.close_button)
        left.addLayout(buttons)
        outer.addLayout(left, 0)
        self.preview = PdfPreview(self, max_width=620)
        self.preview.setObjectName("letterPreview")
        self.preview.setAccessibleName(tr("The letter as it will print"))
        outer.addWidget(self.preview, 1)
        self.resize(1080, 680)

    # -- filling -------------------------------------------------------------------------------
    def _loaded(self, choices) -> None:
        self.choices = choices
        self.setWindowTitle(tr("Write a letter – {0}").format(choices.reference))
        for combo in (self.template_combo, self.to_combo, self.agency_combo):
            combo.blockSignals(True)
            combo.clear()
        for t in choices.templates:
            self.template_combo.addItem(t.title, t.code)
        for p in choices.people:
            self.to_combo.addItem(f"{p.name} ({p.role_label.lower()})", ("person", p.person_id))
        for role in choices.roles:
            n = sum(1 for p in choices.people if p.role == role)
            if n > 1:
                label_ = next(p.role_label for p in choices.people if p.role == role).lower()
                self.to_combo.addItem(tr("Everyone on the case as {0} ({1})").format(label_, n),
                                      ("role", role))  # fmt: skip
        for place in choices.places:
            if place.residents:
                self.to_combo.addItem(tr("Every resident of {0} ({1})").format(
                    place.name, place.residents), ("place", place.place_id))  # fmt: skip
        for a in choices.agencies:
            self.agency_combo.addItem(a.name, a.agency_id)
        self.agency_combo.setCurrentIndex(-1)
        if choices.own_agency is not None:
            _pick(self.agency_combo, lambda d: d == choices.own_agency)
        for combo in (self.template_combo, self.to_combo, self.agency_combo):
            combo.blockSignals(False)
        self._suit_template()
        if not choices.people:
            self._say(tr("Nobody is on this case yet: add a person on the People & places tab "
                         "first."))  # fmt: skip
        self.ready.emit(choices)
        self.refresh_preview()

    def choose(self, *, template: str | None = None, to=None, agency=None) -> None:
        """Pick a letter (code), a recipient (a person's id, a role code or a place's id) and
        an agency (its id), as the person would in the lists."""
        if template is not None:
            self._template_chosen = True
            _pick(self.template_combo, lambda d: d == template)
        if to is not None:
            _pick(self.to_combo, lambda d: d is not None and d[1] == to)
        if agency is not None:
            _pick(self.agency_combo, lambda d: d == agency)

    def request(self):
        """(template code, to, agency id) as chosen; None where nothing is chosen yet."""
        from hubapp.store.casework.letters import RESIDENTS

        code = self.template_combo.currentData()
        data = self.to_combo.currentData()
        to = None
        if data is not None:
            kind, value = data
            to = [value] if kind == "person" else value if kind == "role" else (
                RESIDENTS + value.hex)  # fmt: skip
        return code, to, self.agency_combo.currentData()

    # -- the preview ---------------------------------------------------------------------------
    def _changed(self) -> None:
        self.send_button.setEnabled(False)
        self._timer.start()

    def _suit_template(self) -> None:
        """Offer the letter usual for the part of whom it is to (a victim an update, never a
        warning), unless the person has chosen the letter."""
        from hubapp.domain.letters import FIRST_FOR_ROLE

        data = self.to_combo.currentData()
        if self._template_chosen or self.choices is None or data is None:
            return
        kind, value = data
        role = value if kind == "role" else next(
            (p.role for p in self.choices.people if kind == "person" and p.person_id == value),
            None)  # fmt: skip
        code = FIRST_FOR_ROLE.get(role or "")
        if code is not None:
            _pick(self.template_combo, lambda d: d == code)

    def refresh_preview(self) -> None:
        if self.choices is None:
            return
        code, to, agency = self.request()
        if code is None or to is None:
            show_beside(self.problems, [])
            return
        self.status.setText(tr("Making the letter…"))
        self._previews.start(preview_job, self.store, self.case_id, code, to, agency)

    def _previewed(self, made) -> None:
        self.made = made
        show_beside(self.problems, [])
        self.preview.set_pdf(made.pdf)
        n = len(made.recipients)
        self.status.setText(tr("{0} to {1}: {2} page(s).").format(
            made.template.title, made.recipients[0].name if n == 1 else
            tr("{0} people").format(n), made.pages))  # fmt: skip
        self.send_button.setEnabled(True)
        self.previewed.emit(made)

    def _preview_failed(self, exc: BaseException) -> None:
        self.made = None
        self.send_button.setEnabled(False)
        self._show_problems(exc)
        self.previewed.emit(None)

    def _show_problems(self, exc: BaseException) -> None:
        from hubapp.store.errors import Refused

        problems = getattr(exc, "problems", None) if isinstance(exc, Refused) else None
        left = show_beside(self.problems, problems or [])
        self.status.setText(" ".join(left) if problems else user_message(exc))

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # -- sending -------------------------------------------------------------------------------
    def send(self, path: str | None = None) -> Task | None:
        """Send the letter: ``path`` is where the PDF goes (asked for when None)."""
        if self.made is None or self.running():
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Save the letter as"),
                                                  self.made.suggested_name(),
                                                  tr("PDF files (*.pdf)"))  # fmt: skip
            if not path:
                return None
        code, to, agency = self.request()
        for w in (self.send_button, self.template_combo, self.to_combo, self.agency_combo):
            w.setEnabled(False)
        self.progress.show()
        self.status.setText(tr("Sending…"))
        return self.run_task(send_job, self.store, self.case_id, code, to, agency, path)

    def cancelling_text(self) -> str:
        return tr("Cancelling… no letter will be sent and nothing kept.")

    def _on_done(self, result) -> None:
        self.sent.emit(result)
        self.accept()

    def _on_error(self, exc: BaseException) -> None:
        self.progress.hide()
        for w in (self.template_combo, self.to_combo, self.agency_combo):
            w.setEnabled(True)
        self._show_problems(exc)

    def _on_failed(self, message: str) -> None:  # pragma: no cover (see _on_error)
        self.status.setText(message)

    def _on_cancelled(self) -> None:
        self.progress.hide()
        self.status.setText(tr("Cancelled: no letter was sent."))
        for w in (self.send_button, self.template_combo, self.to_combo, self.agency_combo):
            w.setEnabled(True)

    def done(self, result: int) -> None:
        self._previews.cancel()
        self._timer.stop()
        self.preview.release()
        super().done(result)


# --- the case's Communications tab ----------------------------------------------------------------


class CommunicationsPage(QWidget):
    """The case window's Communications tab. ``changed``: a letter was sent (the case
    window reads its timeline again)."""

    changed = Signal()
    loaded = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("communicationsPage")
        self.store = None
        self.case_id: uuid.UUID | None = None
        self.dialog: LetterDialog | None = None
        self._loads = LatestTask(self, self._loaded, self._failed)
        layout = QVBoxLayout(self)
        self.heading = QLabel(tr("Letters sent from this case"), self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.heading)
        self.model = CommunicationsModel(self)
        self.table = QTableView(self, objectName="communicationsTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Communications"))
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.message = QLabel(self, objectName="communicationsMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.write_button = QPushButton(tr("&Write a letter…"), self,
                                        objectName="writeLetterButton")  # fmt: skip
        self.write_button.setAutoDefault(False)
        self.write_button.clicked.connect(lambda: self.write_letter())
        row.addWidget(self.write_button)
        layout.addLayout(row)

    def attach(self, store, case_id: uuid.UUID) -> None:
        from hubapp.store import access
        from hubapp.store.roles import Op

        self.store, self.case_id = store, case_id
        self.write_button.setVisible(access.may(store, Op.LETTERS))
        self.reload()

    def reload(self) -> None:
        if self.store is not None and self.case_id is not None:
            self._loads.start(communications_job, self.store, self.case_id)

    def _loaded(self, lines) -> None:
        self.model.set_records(lines)
        for i, w in enumerate((120, 160, 90, 220, 110, 90)):
            self.table.setColumnWidth(i, w)
        empty = tr("No letter has been sent from this case yet.")
        if not lines:
            self.message.setText(empty)
        elif self.message.text() == empty:
            self.message.setText("")  # what a send said stays
        self.loaded.emit(lines)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(user_message(exc))

    def write_letter(self) -> LetterDialog | None:
        if self.store is None or self.case_id is None:
            return None
        self.dialog = LetterDialog(self.store, self.case_id, self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.sent.connect(self._sent)
        self.dialog.destroyed.connect(lambda *_: setattr(self, "dialog", None))
        self.dialog.open()
        return self.dialog

    def _sent(self, sent) -> None:
        self.message.setText(tr("Sent {0} ({1} page(s)), saved to {2}.").format(
            tr("1 letter") if sent.recipients == 1 else tr("{0} letters").format(sent.recipients),
            sent.pages, sent.output))  # fmt: skip
        self.reload()
        self.changed.emit()
