"""Tools > Retention review…: what is due for review by the retention rules, and why; each
record kept until a later day (with a reason) or erased for good.

The list is read in the background; keeping and erasing run in the background too (erasing
with a progress bar: Cancel stops it until the erasure is saved, and nothing is erased then).
Erasing asks the person to type the record's reference. Problems are one sentence beside the
field they are about; what was typed stays. User text is shown as plain text.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from hubapp.models.retention import ItemRole, RetentionModel
from hubapp.models.tasks import Task, said
from hubapp.views.progress import ProgressDialog

ERROR_STYLE = "color: #a4161a;"


def tr(text: str) -> str:
    return QCoreApplication.translate("RetentionReview", text)


# --- background work (the database layer is imported only here) ---------------------------


def load_due(_ctx, store):
    from hubapp.domain.clock import local_today
    from hubapp.store.admin import retention

    items = retention.due(store, local_today())
    retention.record_review(store, items, "review page")
    return items


def keep(_ctx, store, item, keep_until: date, reason: str):
    from hubapp.store.admin import retention

    retention.decide(store, retention.Record(item.entity, item.record_id, item.reference),
                     keep_until, reason)  # fmt: skip
    return item


def erase(ctx, store, item, reason: str):
    from hubapp.store.admin import retention

    record = retention.Record(item.entity, item.record_id, item.reference)
    return retention.erase(store, record, reason, progress=ctx.report)


def _error_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class KeepDialog(QDialog):
    """Keep until…: a day and a reason."""

    kept = Signal(object)

    def __init__(self, store, item, today: date, parent=None) -> None:
        super().__init__(parent)
        self.store, self.item, self.today = store, item, today
        self.task: Task | None = None
        self.setWindowTitle(tr("Keep %1 until…").replace("%1", item.reference))
        form = QFormLayout()
        self.until = QDateEdit(calendarPopup=True)
        self.until.setDisplayFormat("dd/MM/yyyy")
        start = today + timedelta(days=365)
        self.until.setDate(QDate(start.year, start.month, start.day))
        self.until_error = _error_label()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("Why it is still needed (do not name anyone)"))
        self.reason_error = _error_label()
        form.addRow(tr("Keep &until"), self.until)
        form.addRow("", self.until_error)
        form.addRow(tr("&Reason"), self.reason)
        form.addRow("", self.reason_error)
        self.error = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("&Keep"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def chosen_day(self) -> date:
        d = self.until.date()
        return date(d.year(), d.month(), d.day())

    def submit(self) -> None:
        from hubapp.store.admin import retention

        day, reason = self.chosen_day(), self.reason.text()
        problems = retention.keep_problems(day, self.today) + retention.reason_problems(reason)
        by_field = {p.field: p.message for p in problems}
        _show(self.until_error, by_field.get("keep_until", ""))
        _show(self.reason_error, by_field.get("reason", ""))
        _show(self.error, "")
        if problems:
            return
        self.buttons.setEnabled(False)
        self.task = Task(keep, self.store, self.item, day, reason)
        self.task.succeeded.connect(self._done)
        self.task.failed.connect(said(self._failed))
        self.task.start()

    def _done(self, item) -> None:
        self.kept.emit(item)
        self.accept()

    def _failed(self, message: str) -> None:
        self.buttons.setEnabled(True)
        _show(self.error, message)


class EraseDialog(ProgressDialog):
    """Erase…: type the reference to confirm; the erasure runs in the background."""

    erased = Signal(object, object)  # the DueItem, the store's Erased summary

    def __init__(self, store, item, parent=None) -> None:
        super().__init__(parent)
        self.store, self.item = store, item
        self.setWindowTitle(tr("Erase %1").replace("%1", item.reference))
        what = tr("case") if item.kind == "case" else tr("person's record")
        intro = QLabel(
            tr("This erases the %1 %2 and everything that belongs to it, for good. It cannot "
               "be undone.").replace("%1", what).replace("%2", item.reference)
        )  # fmt: skip
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        form = QFormLayout()
        self.typed = QLineEdit()
        self.typed.setPlaceholderText(item.reference)
        self.typed_error = _error_label()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("Why (kept in the audit log; do not name anyone)"))
        self.reason_error = _error_label()
        form.addRow(tr("&Type %1 to confirm").replace("%1", item.reference), self.typed)
        form.addRow("", self.typed_error)
        form.addRow(tr("&Reason"), self.reason)
        form.addRow("", self.reason_error)
        self.add_progress(wrap=False)
        self.error = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.erase_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.erase_button.setText(tr("&Erase"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def cancelling_text(self) -> str:
        return tr("Stopping… nothing will be erased unless it is already saved.")

    def submit(self) -> None:
        from hubapp.store.admin import retention

        typed = self.typed.text().strip()
        _show(self.typed_error, "" if typed.upper() == self.item.reference.upper() else
              tr("Type the reference %1 exactly to confirm.").replace("%1", self.item.reference))  # fmt: skip
        problems = retention.reason_problems(self.reason.text())
        _show(self.reason_error, problems[0].message if problems else "")
        _show(self.error, "")
        if self.typed_error.isVisible() or problems:
            return
        self.erase_button.setEnabled(False)
        self.typed.setEnabled(False)
        self.reason.setEnabled(False)
        self.progress.show()
        self.run_task(erase, self.store, self.item, self.reason.text())

    def _on_done(self, result) -> None:
        self.erased.emit(self.item, result)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.progress.hide()
        self.erase_button.setEnabled(True)
        self.typed.setEnabled(True)
        self.reason.setEnabled(True)
        self.status.setText("")
        _show(self.error, message)


class RetentionDialog(QDialog):
    """The review page."""

    def __init__(self, store, parent=None, today: date | None = None) -> None:
        super().__init__(parent)
        from hubapp.domain.clock import local_today

        self.store = store
        self.today = today or local_today()
        self.task: Task | None = None
        self.setWindowTitle(tr("Retention review"))
        self.resize(980, 520)
        intro = QLabel(tr("Records whose review period has passed, oldest first. Keep each "
                          "until a later day with a reason, or erase it."))  # fmt: skip
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.model = RetentionModel(self)
        self.table = QTableView(objectName="retentionTable")
        self.table.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        self.table.setAccessibleName(tr("Cases due for review"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.status = QLabel(tr("Reading the review list…"))
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.keep_button = QPushButton(tr("&Keep until…"))
        self.erase_button = QPushButton(tr("&Erase…"))
        self.refresh_button = QPushButton(tr("&Refresh"))
        close = QPushButton(tr("Close"))
        self.keep_button.clicked.connect(self.keep_selected)
        self.erase_button.clicked.connect(self.erase_selected)
        self.refresh_button.clicked.connect(self.refresh)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.keep_button, self.erase_button, self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.model.rowsRemoved.connect(self._update_buttons)
        self.child: QDialog | None = None
        self._note = ""
        self._update_buttons()
        self.refresh()

    # -- the list --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        self.task = Task(load_due, self.store)
        self.task.succeeded.connect(self._loaded)
        self.task.failed.connect(said(self._failed))
        self.task.finished.connect(lambda: self.refresh_button.setEnabled(True))
        self.task.start()

    def _loaded(self, items) -> None:
        self.model.set_items(items)
        self.table.resizeColumnsToContents()
        n = len(items)
        count = tr("Nothing is due for review.") if n == 0 else tr("%1 due for review.").replace(
            "%1", f"{n:,} record" + ("" if n == 1 else "s"))  # fmt: skip
        self.status.setText(f"{self._note} {count}".strip())
        self._note = ""
        if n:
            self.table.selectRow(0)

    def _failed(self, message: str) -> None:
        self.status.setText(message)

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ItemRole) if rows else None

    def _update_buttons(self, *_args) -> None:
        has = self.selected() is not None
        self.keep_button.setEnabled(has)
        self.erase_button.setEnabled(has)

    # -- decisions -------------------------------------------------------------------------
    def keep_selected(self) -> KeepDialog | None:
        item = self.selected()
        if item is None:
            return None
        self.child = dialog = KeepDialog(self.store, item, self.today, self)
        dialog.kept.connect(self._kept)
        dialog.open()
        return dialog

    def _kept(self, item) -> None:
        self.model.remove(item.record_id)
        self.status.setText(tr("%1 is kept; it leaves the list until then.")
                            .replace("%1", item.reference))  # fmt: skip

    def erase_selected(self) -> EraseDialog | None:
        item = self.selected()
        if item is None:
            return None
        self.child = dialog = EraseDialog(self.store, item, self)
        dialog.erased.connect(self._erased)
        dialog.open()
        return dialog

    def _erased(self, item, result) -> None:
        self.model.remove(item.record_id)
        self._note = tr("Erased %1: %2 rows.").replace("%1", result.reference).replace(
            "%2", f"{result.rows:,}")  # fmt: skip
        self.status.setText(self._note)
        self.refresh()  # the people of an erased case may have gone with it
