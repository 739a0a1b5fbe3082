"""Tools > Duplicate people…: the review of likely duplicates, and a merge decided by a person.

The list (``hubapp.store.casework.merging.duplicates``) is read in the background with a
progress bar and Stop (after an upgrade every person's keys are worked out first). Each row
is a pair and why it may be one person. The selected pair's details stand side by side; a
merge needs a reason and asks which of the two is kept. *Not the same person* takes the pair
off the list for good on this station. Nothing merges by itself.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from hubapp.domain.formatting import format_date, plural
from hubapp.models.records import Column, RecordRole, RecordTableModel
from hubapp.views.people import reference
from hubapp.views.progress import ProgressDialog


def tr(text: str) -> str:
    return QCoreApplication.translate("Duplicates", text)


def read_pairs(ctx, store):
    from hubapp.store.casework import merging

    return merging.duplicates(store, progress=ctx.report)


def merge_job(_ctx, store, keep, drop, reason):
    from hubapp.store.casework import merging

    return merging.merge(store, keep, drop, reason)


def distinct_job(_ctx, store, first, second):
    from hubapp.store.casework import merging

    merging.mark_distinct(store, first, second)
    return None


_ROWS = (("name", "Name"), ("reference", "Reference"), ("cases", "Cases"),
         ("born", "Born"), ("phone", "Phone"), ("email", "E-mail"), ("address", "Address"))  # fmt: skip


class DuplicatesDialog(ProgressDialog):
    """The review. ``merged`` carries hubapp.store.casework.merging.Merged after each merge."""

    merged = Signal(object)

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicatesDialog")
        self.setWindowTitle(tr("Duplicate people"))
        self.store = store
        self.pairs: list = []
        self._change = None  # a merge or a decision being saved
        self._closing = False
        # the strongest reason first, as the review gives them (the first column's order is
        # the list's own)
        self.model = RecordTableModel([
            Column(tr("Why"), lambda p: "; ".join(p.reasons),
                   sort_key=lambda p: (p.strength, -len(p.reasons))),
            Column(tr("Person"), lambda p: f"{p.first.name} ({reference(p.first.id)})",
                   sort_key=lambda p: p.first.name.casefold()),
            Column(tr("May be the same as"), lambda p: f"{p.second.name} ({reference(p.second.id)})",
                   sort_key=lambda p: p.second.name.casefold()),
        ], self)  # fmt: skip
        self._build()
        self.resize(1040, 620)
        self.refresh()

    def _build(self) -> None:
        intro = QLabel(tr("People who may have been recorded more than once. Compare them; merge "
                          "them only when you are sure they are one person."), self)  # fmt: skip
        intro.setWordWrap(True)
        self.table = QTableView(self, objectName="duplicatesTable")
        self.table.setAccessibleName(tr("Likely duplicate pairs"))
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        self.table.setColumnWidth(
            0, metrics.horizontalAdvance("same name and date of birth; same phone") + 24
        )
        for column in (1, 2):
            self.table.setColumnWidth(column, metrics.horizontalAdvance("x" * 34) + 24)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_pair())

        compare = QGridLayout()
        compare.setHorizontalSpacing(16)
        self.left_title = QLabel(tr("Left"), self)
        self.right_title = QLabel(tr("Right"), self)
        for w in (self.left_title, self.right_title):
            font = w.font()
            font.setBold(True)
            w.setFont(font)
        compare.addWidget(self.left_title, 0, 1)
        compare.addWidget(self.right_title, 0, 2)
        self.cells: dict[tuple[str, int], QLabel] = {}
        for row, (key, title) in enumerate(_ROWS, start=1):
            compare.addWidget(QLabel(tr(title) + ":", self), row, 0)
            for side in (1, 2):
                cell = QLabel(self, objectName=f"compare-{key}-{side}")
                cell.setTextFormat(Qt.TextFormat.PlainText)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                cell.setWordWrap(True)
                self.cells[(key, side)] = cell
                compare.addWidget(cell, row, side)
        compare.setColumnStretch(1, 1)
        compare.setColumnStretch(2, 1)

        self.reason = QLineEdit(self, objectName="mergeReason")
        self.reason.setPlaceholderText(
            tr("What shows they are one person (recorded with the merge)")
        )
        self.reason.setMaxLength(500)
        self.reason.textChanged.connect(lambda _t: self._enable())
        reason_label = QLabel(tr("&Reason for a merge:"), self)
        reason_label.setBuddy(self.reason)
        self.keep_left = QPushButton(tr("Keep the &left, merge the right into it"), self,
                                     objectName="keepLeftButton")  # fmt: skip
        self.keep_right = QPushButton(tr("Keep the r&ight, merge the left into it"), self,
                                      objectName="keepRightButton")  # fmt: skip
        self.distinct = QPushButton(tr("&Not the same person"), self, objectName="distinctButton")
        self.stop_button = QPushButton(tr("&Stop"), self, objectName="stopButton")
        close = QPushButton(tr("Close"), self)
        for b in (self.keep_left, self.keep_right, self.distinct, self.stop_button, close):
            b.setAutoDefault(False)
        self.keep_left.clicked.connect(lambda: self.merge(keep_left=True))
        self.keep_right.clicked.connect(lambda: self.merge(keep_left=False))
        self.distinct.clicked.connect(self.mark_distinct)
        self.stop_button.clicked.connect(self._stop)
        close.clicked.connect(self.reject)
        self.add_progress("duplicates")

        reason_row = QHBoxLayout()
        reason_row.addWidget(reason_label)
        reason_row.addWidget(self.reason, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_left)
        buttons.addWidget(self.keep_right)
        buttons.addWidget(self.distinct)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(compare)
        layout.addLayout(reason_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setTabOrder(self.table, self.reason)
        self.setTabOrder(self.reason, self.keep_left)
        self.setTabOrder(self.keep_left, self.keep_right)
        self.setTabOrder(self.keep_right, self.distinct)
        self._enable()

    # -- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        self.status.setText(tr("Looking for people recorded more than once…"))
        self.progress.show()
        self.progress.setValue(0)
        self.stop_button.show()
        self.run_task(read_pairs, self.store)
        self._enable()

    def cancelling_text(self) -> str:
        return tr("Stopping…")

    def _stop(self) -> None:
        if self.task is not None and self.task.running:
            self.status.setText(self.cancelling_text())
            self.task.cancel()

    def _on_done(self, pairs) -> None:
        self.task = None  # done: the list and the buttons are for the person now
        self.progress.hide()
        self.stop_button.hide()
        self.pairs = list(pairs)
        self.model.set_records(self.pairs)
        from hubapp.store.casework import merging

        if len(self.pairs) >= merging.LIMIT:
            self.status.setText(tr("The first {0:,} likely duplicate pairs, strongest first; "
                                   "each one decided makes room for the next.").format(
                                       len(self.pairs)))  # fmt: skip
        else:
            self.status.setText(plural(len(self.pairs), tr("likely duplicate pair"),
                                       tr("likely duplicate pairs")) + ".")  # fmt: skip
        if self.pairs:
            self.table.selectRow(0)
            self.table.setFocus()
        self._show_pair()

    def reject(self) -> None:
        if self._change is not None and self._change.running:
            return  # a merge being saved: a moment
        self._closing = True
        super().reject()

    def _on_cancelled(self) -> None:
        if self._closing:
            super()._on_cancelled()
            return
        self.task = None
        self.progress.hide()
        self.stop_button.hide()
        self.status.setText(tr("Stopped. Close and open the review again to look again."))
        self._enable()

    def _on_failed(self, message: str) -> None:
        self.task = None
        self.progress.hide()
        self.stop_button.hide()
        self.status.setText(message)
        self._enable()

    # -- the selected pair ---------------------------------------------------------------
    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RecordRole) if rows else None

    def _show_pair(self) -> None:
        pair = self.selected()
        for side, person in ((1, pair.first if pair else None), (2, pair.second if pair else None)):
            values = {
                "name": person.name if person else "",
                "reference": reference(person.id) if person else "",
                "cases": str(person.cases) if person else "",
                "born": format_date(person.date_of_birth) if person and person.date_of_birth else "",
                "phone": person.phone if person else "",
                "email": person.email if person else "",
                "address": person.address if person else "",
            }  # fmt: skip
            for key, value in values.items():
                self.cells[(key, side)].setText(value or ("—" if person else ""))
        self._enable()

    def _enable(self) -> None:
        busy = self.running() or (self._change is not None and self._change.running)
        chosen = self.selected() is not None and not busy
        for b in (self.keep_left, self.keep_right):
            b.setEnabled(chosen and bool(self.reason.text().strip()))
        self.distinct.setEnabled(chosen)
        self.table.setEnabled(not busy)

    # -- decisions -----------------------------------------------------------------------
    def merge(self, *, keep_left: bool) -> None:
        pair = self.selected()
        reason = self.reason.text().strip()
        if pair is None or not reason:
            return
        keep, drop = (pair.first, pair.second) if keep_left else (pair.second, pair.first)
        self.status.setText(tr("Merging {0} into {1}…").format(drop.name, keep.name))
        self._start_change(self._merged, merge_job, keep.id, drop.id, reason)

    def _start_change(self, done, job, *args) -> None:
        """Save a decision in the background; the list waits for it."""
        from hubapp.models.tasks import Task

        self._change = Task(job, self.store, *args)
        self._change.succeeded.connect(done)
        self._change.failed.connect(self._change_failed)
        self._change.start()
        self._enable()

    def _merged(self, done) -> None:
        self._change = None
        self.reason.clear()
        self._drop_pairs({done.dropped})
        self.status.setText(done.describe())
        self.merged.emit(done)

    def mark_distinct(self) -> None:
        pair = self.selected()
        if pair is None:
            return
        self._start_change(lambda _r: self._distinct_done(pair), distinct_job, pair.first.id,
                           pair.second.id)  # fmt: skip

    def _distinct_done(self, pair) -> None:
        self._change = None
        self.pairs = [p for p in self.pairs if p is not pair]
        self.model.set_records(self.pairs)
        self.status.setText(tr("{0} and {1} are recorded as different people.").format(
            pair.first.name, pair.second.name))  # fmt: skip
        self._select_first()

    def _drop_pairs(self, gone: set) -> None:
        """Take off the list every pair naming a person merged away."""
        self.pairs = [p for p in self.pairs if p.first.id not in gone and p.second.id not in gone]
        self.model.set_records(self.pairs)
        self._select_first()

    def _select_first(self) -> None:
        if self.pairs:
            self.table.selectRow(0)
        self._show_pair()

    def _change_failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self._change = None
        self.status.setText(user_message(exc))
        self._enable()
