"""Tools > Sharing agreements…: the hub's register of information sharing agreements.

The list shows every agency taking part in the station's hub with its agreement's status
(current, not yet started, expired, no agreement; red unless current), name, version,
dates, lawful basis and retention period. Coordinators and administrators add an agreement,
edit the selected one, or end it on a day (``hubapp.store.admin.sharing`` checks every
rule; its sentences are shown beside the field they are about, and nothing typed is
cleared on a problem). Others see the list only.

The register is read, and every change saved, in the background (the list is read again
after a change).
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
)

from hubapp.domain.formatting import format_date
from hubapp.models.sharing import AgencyStatusRole, AgreementsModel
from hubapp.models.tasks import LatestTask, Task, user_message
from hubapp.views.sign_in import error_label


def tr(text: str) -> str:
    return QCoreApplication.translate("SharingAgreementsDialog", text)


def _parse_day(text: str, field: str, required: bool):
    """(date or None, problem sentence or "")."""
    from hubapp.store.admin.audit_query import parse_day

    text = text.strip()
    if not text:
        return None, (tr("Give the day the agreement starts.") if required else "")
    try:
        return parse_day(text), ""
    except ValueError as exc:
        return None, str(exc)


class AgreementForm(QDialog):
    """Add an agreement (``agreement`` None) or edit one; the change is saved in the
    background when OK is pressed, and the form closes only once it is saved."""

    saved = Signal(object)

    FIELDS = ("agency", "name", "version", "starts_on", "ends_on", "basis", "retention_years",
              "notes")  # fmt: skip

    def __init__(self, store, hub_id: uuid.UUID, agencies, bases, agreement=None,
                 parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.store, self.hub_id, self.agreement = store, hub_id, agreement
        self.setObjectName("agreementForm")
        self.setWindowTitle(tr("Edit the agreement") if agreement else tr("Add an agreement"))
        self.working: Task | None = None
        form = QFormLayout()
        self.agency = QComboBox(objectName="agreementAgency")
        for agency_id, name in agencies:
            self.agency.addItem(name, agency_id.hex)  # Qt compares text, not Python objects
        self.name = QLineEdit(objectName="agreementName")
        self.name.setMaxLength(200)
        self.version = QLineEdit(objectName="agreementVersion")
        self.version.setMaxLength(20)
        self.starts = QLineEdit(objectName="agreementStarts")
        self.starts.setPlaceholderText(tr("dd/mm/yyyy"))
        self.ends = QLineEdit(objectName="agreementEnds")
        self.ends.setPlaceholderText(tr("dd/mm/yyyy, or empty: no end date"))
        self.basis = QComboBox(objectName="agreementBasis")
        for b in bases:
            self.basis.addItem(f"{b.name} ({b.citation})", b.code)
        self.retention = QSpinBox(objectName="agreementRetention")
        self.retention.setRange(0, 100)
        self.retention.setSpecialValueText(tr("not set"))
        self.retention.setSuffix(tr(" years"))
        self.notes = QPlainTextEdit(objectName="agreementNotes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(80)
        widgets = {"agency": self.agency, "name": self.name, "version": self.version,
                   "starts_on": self.starts, "ends_on": self.ends, "basis": self.basis,
                   "retention_years": self.retention, "notes": self.notes}  # fmt: skip
        labels = {"agency": tr("&Agency"), "name": tr("&Name"), "version": tr("&Version"),
                  "starts_on": tr("&Starts on"), "ends_on": tr("&Ends on"),
                  "basis": tr("Lawful &basis"), "retention_years": tr("&Retention period"),
                  "notes": tr("N&otes")}  # fmt: skip
        self.errors: dict[str, QLabel] = {}
        for key in self.FIELDS:
            widget = widgets[key]
            label = QLabel(labels[key])
            label.setBuddy(widget)
            widget.setAccessibleName(labels[key].replace("&", ""))
            form.addRow(label, widget)
            self.errors[key] = error_label(self, f"agreementError_{key}")
            form.addRow("", self.errors[key])
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _t, k=key: self.errors[k].hide())
        self.general_error = error_label(self, "agreementError")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.setObjectName("agreementButtons")
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("agreementSave")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        if agreement is not None:
            self.load(agreement)
        else:
            from hubapp.domain.clock import local_today

            self.starts.setText(format_date(local_today()))

    def load(self, a) -> None:
        index = self.agency.findData(a.agency_id.hex)
        if index < 0:  # an agency that has left the hub keeps its agreement
            self.agency.addItem(a.agency, a.agency_id.hex)
            index = self.agency.count() - 1
        self.agency.setCurrentIndex(index)
        self.agency.setEnabled(False)  # a new agency is a new agreement
        self.name.setText(a.name)
        self.version.setText(a.version)
        self.starts.setText(format_date(a.starts_on))
        self.ends.setText(format_date(a.ends_on))
        index = self.basis.findData(a.basis)
        if index < 0:  # a basis no longer listed keeps its code
            self.basis.addItem(a.basis, a.basis)
            index = self.basis.count() - 1
        self.basis.setCurrentIndex(index)
        self.retention.setValue(a.retention_years or 0)
        self.notes.setPlainText(a.notes)

    def draft(self):
        """The draft, and the problems of the dates typed (which the draft cannot carry)."""
        from hubapp.store.admin.sharing import AgreementDraft
        from hubapp.store.errors import Problem

        starts, starts_problem = _parse_day(self.starts.text(), "starts_on", True)
        ends, ends_problem = _parse_day(self.ends.text(), "ends_on", False)
        problems = [Problem(f, m) for f, m in (("starts_on", starts_problem),
                                               ("ends_on", ends_problem)) if m]  # fmt: skip
        draft = AgreementDraft(
            hub_id=self.hub_id, name=self.name.text(),
            agency_id=uuid.UUID(hex=self.agency.currentData()) if self.agency.currentData() else None,
            version=self.version.text(), starts_on=starts, ends_on=ends,
            basis=self.basis.currentData() or "", retention_years=self.retention.value() or None,
            notes=self.notes.toPlainText(),
        )  # fmt: skip
        return draft, problems

    def show_problems(self, problems) -> None:
        for label in self.errors.values():
            label.hide()
        self.general_error.hide()
        first = None
        for p in problems:
            label = self.errors.get(p.field)
            if label is None:
                self.general_error.setText(p.message)
                self.general_error.show()
                continue
            if label.isHidden():
                label.setText(p.message)
                label.show()
            first = first or p.field
        if first is not None:
            widget = {"agency": self.agency, "name": self.name, "version": self.version,
                      "starts_on": self.starts, "ends_on": self.ends, "basis": self.basis,
                      "retention_years": self.retention, "notes": self.notes}[first]  # fmt: skip
            widget.setFocus()

    def save(self) -> None:
        from hubapp.store.admin import sharing

        if self.working is not None:
            return
        draft, problems = self.draft()
        if problems:
            self.show_problems(problems + [p for p in sharing.validate(draft)
                                           if p.field not in ("starts_on", "ends_on")])  # fmt: skip
            return
        problems = sharing.validate(draft)
        if problems:
            self.show_problems(problems)
            return
        if self.agreement is None:
            task = Task(_add, self.store, draft)
        else:
            task = Task(_edit, self.store, self.agreement.id, draft, self.agreement.row_version)
        task.succeeded.connect(self._saved)
        task.failed.connect(self._refused)
        task.finished.connect(self._finished)
        self.working = task
        self.save_button.setEnabled(False)
        task.start()

    def _finished(self) -> None:
        self.working = None
        self.save_button.setEnabled(True)

    def _saved(self, agreement) -> None:
        self.saved.emit(agreement)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        from hubapp.store.errors import Problem

        problems = getattr(exc, "problems", None) or [Problem("", user_message(exc))]
        self.show_problems(problems)


def _add(_ctx, store, draft):
    from hubapp.store.admin import sharing

    return sharing.add(store, draft)


def _edit(_ctx, store, agreement_id, draft, version):
    from hubapp.store.admin import sharing

    return sharing.edit(store, agreement_id, draft, base_version=version)


class EndForm(QDialog):
    """End the selected agreement on a day (its last day of being current)."""

    saved = Signal(object)

    def __init__(self, store, agreement, parent=None) -> None:
        from hubapp.domain.clock import local_today

        super().__init__(parent)
        self.store, self.agreement = store, agreement
        self.setObjectName("endAgreementForm")
        self.setWindowTitle(tr("End the agreement"))
        self.working: Task | None = None
        layout = QVBoxLayout(self)
        about = QLabel(tr("{name} with {agency}, {dates}.").format(
            name=agreement.describe(), agency=agreement.agency, dates=agreement.dates()))  # fmt: skip
        about.setTextFormat(Qt.TextFormat.PlainText)
        about.setWordWrap(True)
        layout.addWidget(about)
        form = QFormLayout()
        self.day = QLineEdit(format_date(local_today()), objectName="endAgreementDay")
        self.day.setAccessibleName(tr("Last day of the agreement"))
        label = QLabel(tr("&Last day"))
        label.setBuddy(self.day)
        form.addRow(label, self.day)
        layout.addLayout(form)
        self.error = error_label(self, "endAgreementError")
        layout.addWidget(self.error)
        self.day.textEdited.connect(lambda _t: self.error.hide())
        buttons = QDialogButtonBox(objectName="endAgreementButtons")
        self.end_button = buttons.addButton(tr("&End it"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.end_button.setObjectName("endAgreementSave")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        if self.working is not None:
            return
        day, problem = _parse_day(self.day.text(), "ends_on", False)
        if day is None:
            self._say(problem or tr("Give the agreement's last day."))
            return
        task = Task(_end, self.store, self.agreement.id, day)
        task.succeeded.connect(lambda a: (self.saved.emit(a), self.accept()))
        task.failed.connect(lambda exc: self._say(user_message(exc)))
        task.finished.connect(self._finished)
        self.working = task
        self.end_button.setEnabled(False)
        task.start()

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.day.setFocus()

    def _finished(self) -> None:
        self.working = None
        self.end_button.setEnabled(True)


def _end(_ctx, store, agreement_id, day):
    from hubapp.store.admin import sharing

    return sharing.end(store, agreement_id, day)


def read_register(_ctx, store, hub_id):
    """(rows, agencies to choose from, lawful bases), off the GUI thread."""
    from hubapp.store.admin import sharing
    from hubapp.store.casework.assignments import hub_agencies

    rows = sharing.register(store, hub_id)
    agencies = [(a.id, a.name) for a in hub_agencies(store, hub_id) if a.active]
    return rows, agencies, sharing.bases()


class SharingAgreementsDialog(QDialog):
    #: an agreement was added, edited or ended
    changed = Signal()

    def __init__(self, store, hub_id: uuid.UUID, hub_name: str, parent=None) -> None:
        from hubapp.store import access

        super().__init__(parent)
        self.store, self.hub_id = store, hub_id
        self.setObjectName("sharingAgreementsDialog")
        self.setWindowTitle(tr("Sharing agreements: {0} hub").format(hub_name))
        self.resize(980, 460)
        self.may_keep = access.may(store, access.Op.AGREEMENTS)
        self._agencies: list = []
        self._bases: list = []
        self.form: QDialog | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(tr(
            "Each agency's information sharing agreement with the {0} hub and the lawful basis "
            "it shares under. Assigning an agency to a case, sharing a case with another hub "
            "and printing a partner pack need a current agreement, or a coordinator's reason."
        ).format(hub_name))  # fmt: skip
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = AgreementsModel(self)
        self.table = QTableView(objectName="agreementsTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Sharing agreements by agency"))
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        layout.addWidget(self.table)
        self.history = QLabel(objectName="agreementHistory")
        self.history.setTextFormat(Qt.TextFormat.PlainText)
        self.history.setWordWrap(True)
        layout.addWidget(self.history)
        self.error = error_label(self, "agreementsError")
        layout.addWidget(self.error)
        row = QHBoxLayout()
        self.add_button = QPushButton(tr("&Add an agreement…"), objectName="addAgreement")
        self.edit_button = QPushButton(tr("&Edit…"), objectName="editAgreement")
        self.end_button = QPushButton(tr("E&nd…"), objectName="endAgreement")
        close = QPushButton(tr("&Close"), objectName="closeAgreements")
        for b in (self.add_button, self.edit_button, self.end_button):
            b.setVisible(self.may_keep)
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        self.end_button.clicked.connect(self.end_selected)
        close.clicked.connect(self.accept)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self._reading = LatestTask(self, self._show, self._read_failed)
        self._select_after = None
        self.reload()

    @property
    def busy(self) -> bool:
        return self._reading.running

    def reload(self, select: uuid.UUID | None = None) -> None:
        current = self.selected()
        self._select_after = select or (current.agency_id if current else None)
        self._reading.start(read_register, self.store, self.hub_id)

    def _read_failed(self, exc: BaseException) -> None:
        self.error.setText(user_message(exc))
        self.error.show()

    def _show(self, result) -> None:
        rows, self._agencies, self._bases = result
        self.model.set_rows(rows)
        row = self.model.row_of(self._select_after) if self._select_after else None
        self.table.selectRow(row if row is not None else 0)
        self._selected_changed()

    def selected(self):
        model = self.table.selectionModel()
        rows = model.selectedRows() if model else []
        return rows[0].data(AgencyStatusRole) if rows else None

    def _selected_changed(self) -> None:
        status = self.selected()
        agreement = status.agreement if status else None
        self.edit_button.setEnabled(agreement is not None)
        self.end_button.setEnabled(agreement is not None and agreement.ends_on is None)
        if status is None or not status.history:
            self.history.setText(tr("No agreement recorded with this agency.") if status else "")
            return
        lines = [tr("{name}, {dates}{keep}").format(
            name=a.describe(), dates=a.dates(),
            keep=tr(", records kept {0} years").format(a.retention_years)
            if a.retention_years else "") for a in status.history]  # fmt: skip
        self.history.setText("\n".join(lines))

    # -- changes ----------------------------------------------------------------------------
    def _open(self, form) -> QDialog:
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(lambda a: (self.reload(a.agency_id), self.changed.emit()))
        self.form = form
        form.open()
        return form

    def add(self) -> QDialog | None:
        if not self.may_keep:
            return None
        form = AgreementForm(self.store, self.hub_id, self._agencies, self._bases, None, self)
        status = self.selected()
        if status is not None:
            form.agency.setCurrentIndex(max(form.agency.findData(status.agency_id.hex), 0))
        return self._open(form)

    def edit_selected(self) -> QDialog | None:
        status = self.selected()
        if not self.may_keep or status is None or status.agreement is None:
            return None
        return self._open(AgreementForm(self.store, self.hub_id, self._agencies, self._bases,
                                        status.agreement, self))  # fmt: skip

    def end_selected(self) -> QDialog | None:
        status = self.selected()
        if not self.may_keep or status is None or status.agreement is None:
            return None
        return self._open(EndForm(self.store, status.agreement, self))
