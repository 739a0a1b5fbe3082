"""View > Orders ending or due (Ctrl+6): tools and powers with a date coming up.

What ends or falls due within a number of days (28 by default): end dates, the last day to
appeal (a CPN: 21 days, s.46(2)), the yearly review of an order against someone under 18 (a
CBO, Sentencing Act 2020 s.337), the court hearing of a closure notice (s.80(3)), and the hub's area orders (PSPOs)
ending (:func:`hubapp.store.casework.orders_due.due`, read in the background: the latest
request wins). Of this hub's cases, or of every hub's; only the cases the account sees.
Enter or a double-click opens the row's case.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from hubapp.domain.formatting import format_date, plural
from hubapp.models.records import Column, RecordRole, RecordTableModel
from hubapp.views.powers_panel import table


def tr(text: str) -> str:
    return QCoreApplication.translate("OrdersDue", text)


def read_due(_ctx, store, days: int, hub_id):
    """Background work: the list."""
    from hubapp.store.casework import orders_due

    return orders_due.due(store, days, hub_id)


class OrdersDuePage(QWidget):
    """The list, with how far ahead and which hub."""

    #: open the case with this id in its own window
    caseOpenRequested = Signal(object)
    #: the list has been read and shown
    loaded = Signal()

    def __init__(self, parent=None) -> None:
        from hubapp.models.tasks import LatestTask

        super().__init__(parent)
        self.setObjectName("ordersDuePage")
        self.store = None
        self.station = None
        self._read = LatestTask(self, self._found, self._failed)
        self.model = RecordTableModel([
            Column(tr("Date"), lambda i: format_date(i.on), sort_key=lambda i: i.on),
            Column(tr("What"), lambda i: i.kind.label + (f" ({i.section})" if i.section else "")),
            Column(tr("Tool or power"), lambda i: i.title),
            Column(tr("Against"), lambda i: i.against, tooltip=True),
            Column(tr("Case"), lambda i: i.case_reference or tr("area order")),
            Column(tr("Hub"), lambda i: i.hub_code),
        ], self)  # fmt: skip
        self.days = QSpinBox(self, objectName="dueDays")
        self.days.setRange(1, 366)
        self.days.setValue(28)
        self.days.setSuffix(tr(" days"))
        self.days.setAccessibleName(tr("Days ahead"))
        self.days.valueChanged.connect(lambda _v: self.reload())
        days_label = QLabel(tr("&Within"), self)
        days_label.setBuddy(self.days)
        self.scope = QComboBox(self, objectName="dueScope")
        self.scope.setAccessibleName(tr("Which hub's cases"))
        self.scope.addItem(tr("This hub"), "this")
        self.scope.addItem(tr("All hubs"), "all")
        self.scope.currentIndexChanged.connect(lambda _i: self.reload())
        scope_label = QLabel(tr("&Of"), self)
        scope_label.setBuddy(self.scope)
        top = QHBoxLayout()
        for w in (days_label, self.days, scope_label, self.scope):
            top.addWidget(w)
        top.addStretch(1)
        self.table = table(self, self.model, "dueTable", tr("Orders ending or due"))
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        metrics = self.table.fontMetrics()
        for column, sample in ((0, "00/00/0000"), (1, "Review due (under 18) (Sentencing Act 2020 s.337)"),
                               (2, "Community Protection Notice (CPN)"), (3, "x" * 24),
                               (4, "CAR-2026-00000")):  # fmt: skip
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        self.table.activated.connect(self.open_row)
        self.status = QLabel(self, objectName="dueStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        hint = QLabel(tr("End dates, appeal windows, reviews of under-18s' orders, court "
                         "hearings and area orders · Enter or a double-click opens the case"),
                      self)  # fmt: skip
        hint.setStyleSheet("color:#444;")
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.setFocusProxy(self.table)

    def attach(self, store, _lookups=None, station=None) -> None:
        self.store, self.station = store, station
        self.scope.setItemText(0, tr("This hub ({0})").format(station.hub_code)
                               if station is not None else tr("This hub"))  # fmt: skip
        self.reload()

    def reload(self) -> None:
        if self.store is None:
            return
        hub = None
        if self.scope.currentData() == "this" and self.station is not None:
            hub = self.station.hub_id
        self.status.setText(tr("Reading…"))
        self._read.start(read_due, self.store, self.days.value(), hub)

    @property
    def busy(self) -> bool:
        return self._read.running

    def _found(self, items) -> None:
        self.model.set_records(items)
        self.status.setText(plural(len(items), tr("item")))
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.status.setText(user_message(exc))

    def open_row(self, index) -> None:
        item = index.data(RecordRole)
        if item is not None and item.case_id is not None:
            self.caseOpenRequested.emit(item.case_id)
