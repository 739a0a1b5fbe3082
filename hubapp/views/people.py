"""View > People (Ctrl+5): one person across cases.

Typing a name (Bill finds William), a phone number in any UK format, an e-mail address or a
postcode lists the people who match, on the cases the account sees, as you type
(``hubapp.store.casework.people.find``, read in the background; the latest keystroke
wins). Enter or a double-click opens the person's page (:class:`PersonDialog`): their
details (a locked-down person's only for those who may see them), every case they are on,
with role, hub and status, the reports they made and the tools and powers naming them.
Opening a page is audited as a consultation of personal data. A case on the page opens in
its own window with Enter or a double-click.

After an upgrade, or a station's first copy, every person's keys are worked out once before
the first search (a progress line says so; searching waits for it).
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.codes import CaseStatus, InterventionStatus, PersonRole, label
from hubapp.domain.formatting import format_date, format_datetime, plural
from hubapp.models.records import Column, RecordRole, RecordTableModel
from hubapp.store import access
from hubapp.store.roles import Op
from hubapp.views.accessible import name_clear_button
from hubapp.views.safeguarding import ReferralDialog, SafeguardingDialog, referrals_model

#: how long typing must pause before a search is read (ms)
TYPING_PAUSE = 150


def tr(text: str) -> str:
    return QCoreApplication.translate("People", text)


def find_people(ctx, store, typed: str):
    """Background work: the people matching ``typed`` (every person's keys worked out
    first, where an upgrade or a first copy left them to do)."""
    from hubapp.store.casework import people

    people.catch_up(store, progress=ctx.report)
    return people.find(store, typed)


def load_person(_ctx, store, person_id: uuid.UUID):
    """Background work: one person's page (audited)."""
    from hubapp.store.casework import people

    return people.show(store, person_id)


def undo_job(_ctx, store, merge_id: uuid.UUID, reason: str):
    """Background work: undo a merge (an administrator's)."""
    from hubapp.store.casework import merging

    return merging.unmerge(store, merge_id, reason)


def _details(pairs) -> str:
    words = {"full_name": tr("name"), "date_of_birth": tr("born"), "phone": tr("phone"),
             "email": tr("e-mail"), "address": tr("address")}  # fmt: skip

    def shown(k: str, v: str) -> str:
        if k == "date_of_birth" and len(v) == 10:  # as stored, YYYY-MM-DD
            return f"{v[8:10]}/{v[5:7]}/{v[:4]}"
        return v

    return "; ".join(f"{words.get(k, k)} {shown(k, v)}" for k, v in pairs)


def reference(person_id: uuid.UUID) -> str:
    return "P-" + person_id.hex[:8].upper()


def _roles(roles) -> str:
    return ", ".join(
        (label(PersonRole, r) if r != "reporter" else tr("reporter")).lower() for r in roles
    )


def _table(parent, model, name: str, spoken: str) -> QTableView:
    t = QTableView(parent, objectName=name)
    t.setAccessibleName(spoken)
    t.setModel(model)
    t.setTabKeyNavigation(False)  # Tab moves on to the next control; arrows move in the table
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setWordWrap(False)
    t.setSortingEnabled(True)
    # the model's own first order (a header's default indicator is descending)
    t.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    t.verticalHeader().hide()
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 10)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class PeoplePage(QWidget):
    """The search and its results."""

    #: open the case with this id in its own window
    caseOpenRequested = Signal(object)

    def __init__(self, parent=None) -> None:
        from hubapp.models.tasks import LatestTask

        super().__init__(parent)
        self.setObjectName("peoplePage")
        self.store = None
        self.dialog: PersonDialog | None = None
        self._search = LatestTask(self, self._found, self._failed, progress=self._progress)
        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE)
        self._timer.timeout.connect(self.search)
        self.model = RecordTableModel([
            # one name on several rows (two intakes, two rows): the one on most cases first
            Column(tr("Name"), lambda h: h.name, sort_key=lambda h: (h.name.casefold(), -h.cases)),
            Column(tr("Reference"), lambda h: reference(h.id), sort_key=lambda h: h.id.hex),
            Column(tr("Cases"), lambda h: str(h.cases), sort_key=lambda h: h.cases,
                   align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            Column(tr("Roles"), lambda h: _roles(h.roles), sort_key=lambda h: h.roles),
            Column(tr("Latest case"), lambda h: format_datetime(h.latest) if h.latest else "",
                   sort_key=lambda h: h.latest.isoformat() if h.latest else ""),
            Column(tr("Found by"), lambda h: self._matched(h)),
        ], self)  # fmt: skip
        self._build()

    @staticmethod
    def _matched(hit) -> str:
        words = {"name": tr("name"), "phone": tr("phone number"), "email": tr("e-mail"),
                 "postcode": tr("postcode")}  # fmt: skip
        text = words.get(hit.matched, hit.matched)
        return text + (tr(" · details not shown (locked down)") if hit.hidden else "")

    def _build(self) -> None:
        self.search_edit = QLineEdit(self, objectName="peopleSearch")
        self.search_edit.setPlaceholderText(tr("Name, phone number, e-mail or postcode"))
        self.search_edit.setClearButtonEnabled(True)
        name_clear_button(self.search_edit)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.search_edit.returnPressed.connect(self._open_first)
        find = QLabel(tr("&Find a person:"), self)
        find.setBuddy(self.search_edit)
        top = QHBoxLayout()
        top.addWidget(find)
        top.addWidget(self.search_edit, 1)
        self.table = _table(self, self.model, "peopleTable", tr("People found"))
        metrics = self.table.fontMetrics()
        for column, sample in ((0, "x" * 28), (1, "P-00000000"), (2, "Cases"),
                               (3, "alleged perpetrator, complainant"),
                               (4, "00/00/0000 00:00")):  # fmt: skip
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        self.table.activated.connect(self.open_row)
        self.status = QLabel(self, objectName="peopleStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        hint = QLabel(tr("Bill finds William · any UK way of writing a number · Enter or a "
                         "double-click opens the person"), self)  # fmt: skip
        hint.setStyleSheet("color:#444;")
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.setFocusProxy(self.search_edit)

    def attach(self, store, _lookups=None, _station=None) -> None:
        self.store = store
        self.model.set_records([])
        if self.search_edit.text().strip():
            self.search()

    def search(self) -> None:
        """Read the people matching the text in the background; the latest wins."""
        from hubapp.store.casework import people

        self._timer.stop()
        typed = self.search_edit.text()
        if self.store is None:
            return
        if people.probe_for(typed) is None:
            self._search.cancel()
            self.model.set_records([])
            self.status.setText(tr("Type two letters of a name, or a number, e-mail or postcode.")
                                if typed.strip() else "")  # fmt: skip
            return
        self.status.setText(tr("Looking…"))
        self._search.start(find_people, self.store, typed)

    @property
    def busy(self) -> bool:
        return self._search.running or self._timer.isActive()

    def _progress(self, fraction: float, message: str) -> None:
        self.status.setText(tr("Indexing people, once after an update: {0:.0%}").format(fraction))

    def _found(self, hits) -> None:
        from hubapp.store.casework import people

        self.model.set_records(hits)
        text = plural(len(hits), tr("person"), tr("people"))
        if len(hits) >= people.LIMIT:
            text = tr("The first {0}: type more to narrow").format(len(hits))
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.status.setText(user_message(exc))

    def _open_first(self) -> None:
        if self.model.rowCount() and not self.busy:
            self.open_row(self.model.index(0, 0))

    def open_row(self, index) -> None:
        hit = index.data(RecordRole)
        if hit is None or self.store is None:
            return
        if self.dialog is not None:
            self.dialog.close()
        dialog = PersonDialog(self.store, hit.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.caseOpenRequested.connect(self.caseOpenRequested)
        dialog.destroyed.connect(lambda _o=None: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()


class PersonDialog(QDialog):
    """A person's page: details, cases, reports, tools and powers (read in the background)."""

    caseOpenRequested = Signal(object)
    #: the page has been read and shown
    loaded = Signal()

    def __init__(self, store, person_id: uuid.UUID, parent=None) -> None:
        from hubapp.models.tasks import LatestTask

        super().__init__(parent)
        self.setObjectName("personDialog")
        self.setWindowTitle(tr("Person – {0}").format(reference(person_id)))
        self.page = None
        self.cases = RecordTableModel([
            Column(tr("Case"), lambda c: c.reference, sort_key=lambda c: c.received_at),
            Column(tr("Hub"), lambda c: c.hub, sort_key=lambda c: c.hub),
            Column(tr("Role"), lambda c: _roles(c.roles), sort_key=lambda c: c.roles),
            Column(tr("Status"), lambda c: label(CaseStatus, c.status),
                   sort_key=lambda c: c.status),
            Column(tr("Received"), lambda c: format_datetime(c.received_at),
                   sort_key=lambda c: c.received_at),
            Column(tr("Closed"), lambda c: format_date(c.closed_on) if c.closed_on else "",
                   sort_key=lambda c: c.closed_on.isoformat() if c.closed_on else ""),
            Column(tr("Summary"), lambda c: c.summary, tooltip=True, one_line=True),
        ], self, key=lambda c: c.case_id)  # fmt: skip
        self.reports = RecordTableModel([
            Column(tr("Received"), lambda r: format_datetime(r.received_at),
                   sort_key=lambda r: r.received_at),
            Column(tr("Case"), lambda r: r.reference, sort_key=lambda r: r.reference),
            Column(tr("Came in by"), lambda r: r.channel, sort_key=lambda r: r.channel),
            Column(tr("What they said"), lambda r: r.summary, tooltip=True, one_line=True),
        ], self, key=lambda r: (r.reference, r.received_at))  # fmt: skip
        self.interventions = RecordTableModel([
            Column(tr("Issued"), lambda i: format_date(i.issued_on),
                   sort_key=lambda i: i.issued_on),
            Column(tr("Case"), lambda i: i.reference, sort_key=lambda i: i.reference),
            Column(tr("Tool or power"), lambda i: i.kind, sort_key=lambda i: i.kind),
            Column(tr("Until"), lambda i: format_date(i.expires_on) if i.expires_on else "",
                   sort_key=lambda i: i.expires_on.isoformat() if i.expires_on else ""),
            Column(tr("Status"), lambda i: label(InterventionStatus, i.status)),
        ], self, key=lambda i: (i.reference, i.issued_on, i.kind))  # fmt: skip
        self.merges = RecordTableModel([
            Column(tr("Recorded as"), lambda m: f"{m.other_name} ({reference(m.other)})",
                   sort_key=lambda m: m.other_name.casefold()),
            Column(tr("Merged"), lambda m: format_datetime(m.merged_at),
                   sort_key=lambda m: m.merged_at),
            Column(tr("By"), lambda m: m.merged_by),
            Column(tr("Why"), lambda m: m.reason, tooltip=True, one_line=True),
            Column(tr("Other details they had"), lambda m: _details(m.other_details),
                   tooltip=True, one_line=True),
        ], self, key=lambda m: m.merge_id)  # fmt: skip
        self.referrals = referrals_model(self, with_case=True)
        self.store = store
        self.person_id = person_id
        self._undoing = None
        self._build()
        self.resize(980, 600)
        self._reading = LatestTask(self, self._loaded, self._failed)
        self._reading.start(load_person, store, person_id)

    def _build(self) -> None:
        self.heading = QLabel(tr("Reading…"), self, objectName="personName")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.locked = QLabel(self, objectName="personLocked")
        self.locked.setWordWrap(True)
        self.locked.setStyleSheet("background:#fff4ce; color:#1a1a1a; padding:4px 8px;"
                                  " border:1px solid #c8a600;")  # fmt: skip
        self.locked.hide()
        self.flags = QLabel(self, objectName="personFlags")
        self.flags.setTextFormat(Qt.TextFormat.PlainText)
        self.flags.setWordWrap(True)
        self.flags.setStyleSheet("background:#e8f0fb; color:#1d3557; padding:4px 8px;"
                                 " border:1px solid #8fb0dc;")  # fmt: skip
        self.flags.setAccessibleName(tr("Repeats across cases"))
        self.flags.hide()
        self.safeguarding = QLabel(self, objectName="personSafeguarding")
        self.safeguarding.setTextFormat(Qt.TextFormat.PlainText)
        self.safeguarding.setWordWrap(True)
        self.safeguarding.setStyleSheet("background:#fde8e8; color:#5c0011; padding:4px 8px;"
                                        " border:1px solid #d9777f;")  # fmt: skip
        self.safeguarding.setAccessibleName(tr("Safeguarding"))
        self.safeguarding.hide()
        self.details = QFormLayout()
        self.detail_labels: dict[str, QLabel] = {}
        for key, title in (("born", tr("Born")), ("phone", tr("Phone")),
                           ("email", tr("E-mail")), ("address", tr("Address"))):  # fmt: skip
            value = QLabel(self, objectName=f"person-{key}")
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.detail_labels[key] = value
            self.details.addRow(title + ":", value)
        # consent to share, where it is the basis (hubapp.views.consent)
        from hubapp.views.consent import ConsentRow

        self.consent = ConsentRow(self.store, self.person_id, self)
        self.details.addRow(tr("Consent to share") + ":", self.consent)
        self.tabs = QTabWidget(self, objectName="personTabs")
        self.tabs.setAccessibleName(tr("What is held about them"))
        self.case_table = _table(self, self.cases, "personCases", tr("Their cases"))
        self.case_table.activated.connect(self._open_case)
        self.case_table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.tabs.addTab(self.case_table, tr("&Cases"))
        self.tabs.addTab(_table(self, self.reports, "personReports", tr("Reports they made")),
                         tr("&Reports made"))  # fmt: skip
        self.tabs.addTab(_table(self, self.interventions, "personInterventions",
                                tr("Tools and powers naming them")), tr("&Tools and powers"))  # fmt: skip
        self.tabs.addTab(self._build_merges(), tr("&Merged records"))
        self.referral_table = _table(self, self.referrals, "personReferrals",
                                     tr("Referrals of them"))  # fmt: skip
        self.tabs.addTab(self.referral_table, tr("R&eferrals"))
        for column, sample in ((0, "COP-2026-00000"), (1, "South Lakeland"),
                               (2, "alleged perpetrator, complainant"), (3, "In progress"),
                               (4, "00/00/0000 00:00"), (5, "00/00/0000")):  # fmt: skip
            self.case_table.setColumnWidth(
                column, self.case_table.fontMetrics().horizontalAdvance(sample) + 24
            )
        self.status = QLabel(self, objectName="personStatus")
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel(tr("Enter or a double-click on a case opens it"), self), 1)
        bottom.addWidget(self.status)
        self.safeguarding_button = QPushButton(tr("&Safeguarding…"), self,
                                               objectName="safeguardingButton")  # fmt: skip
        self.referral_button = QPushButton(tr("Add re&ferral…"), self,
                                           objectName="addReferralButton")  # fmt: skip
        for button, slot in ((self.safeguarding_button, self.edit_safeguarding),
                             (self.referral_button, self.add_referral)):  # fmt: skip
            button.setAutoDefault(False)
            button.setEnabled(False)  # until the page is read
            button.clicked.connect(slot)
            button.setVisible(access.may(self.store, Op.SAFEGUARDING))
            bottom.addWidget(button)
        # made after the buttons beside it: Tab reaches it last, as it reads
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.locked)
        layout.addWidget(self.flags)
        layout.addWidget(self.safeguarding)
        layout.addLayout(self.details)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

    def _loaded(self, page) -> None:
        self.page = page
        self.heading.setText(f"{page.name}  ·  {reference(page.id)}")
        if page.hidden:
            self.locked.setText(tr("Locked down: their details are not shown to your account."))
        elif page.locked_down:
            self.locked.setText(tr("Locked down: handle their details with care; they are "
                                   "not printed or shown to partners."))  # fmt: skip
        self.locked.setVisible(page.locked_down)
        self.flags.setText("\n".join(f.describe() for f in page.flags))
        self.flags.setVisible(bool(page.flags))
        values = {
            "born": format_date(page.date_of_birth) if page.date_of_birth else "",
            "phone": page.phone, "email": page.email, "address": page.address,
        }  # fmt: skip
        for key, value in values.items():
            self.detail_labels[key].setText(value or ("—" if not page.hidden else ""))
        self.details.setRowVisible(self.consent, not page.hidden)
        self.cases.set_records(page.cases)
        self.reports.set_records(page.reports)
        self.interventions.set_records(page.interventions)
        self.tabs.setTabText(0, tr("&Cases ({0})").format(len(page.cases)))
        self.tabs.setTabText(1, tr("&Reports made ({0})").format(len(page.reports)))
        self.tabs.setTabText(2, tr("&Tools and powers ({0})").format(len(page.interventions)))
        self.merges.set_records(page.merges)
        self.tabs.setTabText(3, tr("&Merged records ({0})").format(len(page.merges)))
        lines = page.safeguarding.lines() if page.safeguarding is not None else []
        self.safeguarding.setText("\n".join(lines))
        self.safeguarding.setVisible(bool(lines))
        self.referrals.set_records(page.referrals)
        self.tabs.setTabText(4, tr("R&eferrals ({0})").format(len(page.referrals)))
        self.safeguarding_button.setEnabled(not page.hidden)
        self.referral_button.setEnabled(bool(page.cases))
        self._enable_undo()
        self.case_table.setFocus()
        if self.cases.rowCount():
            self.case_table.selectRow(0)
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.heading.setText(tr("This person cannot be shown"))
        self.status.setText(user_message(exc))

    # -- the records merged into them, and an administrator's undo ------------------------
    def _build_merges(self) -> QWidget:
        from hubapp.store import access
        from hubapp.store.roles import Op

        box = QWidget(self)
        self.merge_table = _table(box, self.merges, "personMerges",
                                  tr("Records merged into this person"))  # fmt: skip
        self.merge_table.selectionModel().selectionChanged.connect(lambda *_a: self._enable_undo())
        self.undo_reason = QLineEdit(box, objectName="undoReason")
        self.undo_reason.setPlaceholderText(tr("Why the merge was wrong (recorded)"))
        self.undo_reason.textChanged.connect(lambda _t: self._enable_undo())
        self.undo_button = QPushButton(tr("&Undo this merge"), box, objectName="undoMergeButton")
        self.undo_button.setAutoDefault(False)
        self.undo_button.clicked.connect(self.undo_merge)
        reason = QLabel(tr("Reason for undoing:"), box)
        reason.setBuddy(self.undo_reason)
        row = QHBoxLayout()
        row.addWidget(reason)
        row.addWidget(self.undo_reason, 1)
        row.addWidget(self.undo_button)
        note = QLabel(tr("An administrator can undo a merge for 30 days after it was made."), box)
        note.setStyleSheet("color:#444;")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.merge_table, 1)
        layout.addWidget(note)
        layout.addLayout(row)
        may = access.may(self.store, Op.UNMERGE_PEOPLE)
        for w in (reason, self.undo_reason, self.undo_button, note):
            w.setVisible(may)
        return box

    def _selected_merge(self):
        rows = self.merge_table.selectionModel().selectedRows()
        return rows[0].data(RecordRole) if rows else None

    def _enable_undo(self) -> None:
        busy = self._undoing is not None
        self.undo_button.setEnabled(not busy and self._selected_merge() is not None
                                    and bool(self.undo_reason.text().strip()))  # fmt: skip

    def undo_merge(self) -> None:
        from hubapp.models.tasks import Task

        line = self._selected_merge()
        if line is None or not self.undo_reason.text().strip():
            return
        self._undoing = Task(undo_job, self.store, line.merge_id, self.undo_reason.text())
        self._undoing.succeeded.connect(self._undone)
        self._undoing.failed.connect(self._undo_failed)
        self._undoing.start()
        self.status.setText(tr("Undoing the merge…"))
        self._enable_undo()

    def _undone(self, result) -> None:
        self._undoing = None
        self.undo_reason.clear()
        self.status.setText(result.describe())
        self._reading.start(load_person, self.store, self.person_id)  # read the page again

    def _undo_failed(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self._undoing = None
        self.status.setText(user_message(exc))
        self._enable_undo()

    # -- safeguarding (hubapp.views.safeguarding) --------------------------------------------
    def edit_safeguarding(self) -> SafeguardingDialog | None:
        page = self.page
        if page is None or page.hidden:
            return None
        flags = page.safeguarding
        dialog = SafeguardingDialog(
            self.store, page.id, name=page.name, born=page.date_of_birth,
            vulnerable=bool(flags and flags.vulnerable), reason=flags.reason if flags else "",
            parent=self,
        )  # fmt: skip
        dialog.saved.connect(lambda _r: self._reading.start(load_person, self.store, page.id))
        dialog.open()
        return dialog

    def add_referral(self) -> ReferralDialog | None:
        page = self.page
        if page is None or not page.cases:
            return None
        dialog = ReferralDialog(self.store, cases=[(c.case_id, c.reference) for c in page.cases
                                                   if "reporter" not in c.roles or len(c.roles) > 1],
                                people=[(page.id, page.name)], parent=self)  # fmt: skip
        dialog.saved.connect(lambda _r: self._reading.start(load_person, self.store, page.id))
        dialog.open()
        return dialog

    def _open_case(self, index) -> None:
        line = index.data(RecordRole)
        if line is not None:
            self.caseOpenRequested.emit(line.case_id)
