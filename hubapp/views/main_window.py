"""The main window: the hub's cases, a filter bar, the selected case's details."""

from __future__ import annotations

import logging
import uuid
from html import escape

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hubapp import APP_DISPLAY_NAME, __version__
from hubapp.domain.codes import CaseStatus
from hubapp.domain.formatting import plural
from hubapp.models.case_table import COLUMNS, CaseIdRole, CaseTableModel
from hubapp.models.window_settings import WindowSettings
from hubapp.store.casework.caselist import OPEN, CaseFilter, Column, fts_query
from hubapp.views.accessible import name_clear_button

log = logging.getLogger(__name__)

ALL = "__all__"
#: each column's width: the text it must show in full, or a width in pixels
COLUMN_WIDTHS: dict[Column, str | int] = {
    Column.REFERENCE: "COP-2026-00000",
    Column.RECEIVED: "00/00/0000 00:00",
    Column.STATUS: "Under review",
    Column.RISK: "Standard",
    Column.CATEGORY: 160,
    Column.SUMMARY: 330,
    Column.LOCATION: 210,
    Column.HUB: "South Lakeland",
    Column.LEAD: 110,
    Column.REPEAT: "perpetrator, place",
    Column.VICTIMS: "Victim updates",
}
#: bump when COLUMNS change, so a remembered layout of other columns is not applied
HEADER_KEY = "main/header-v4"
HUB_COLUMN = [c for c, _ in COLUMNS].index(Column.HUB)


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


#: the menu items' object names, as the role matrix knows them (hubapp.store.roles.MENU)
MENU_OBJECT_NAMES = {
    "import_action": "importAction",
    "export_cases_action": "exportCasesAction",
    "new_issue_action": "newIssueAction",
    "drafts_action": "draftsAction",
    "print_action": "printAction",
    "backup_action": "backupAction",
    "restore_action": "restoreAction",
    "lock_action": "lockAction",
    "quit_action": "quitAction",
    "find_action": "findAction",
    "refresh_action": "refreshAction",
    "this_hub_action": "thisHubAction",
    "grid_action": "gridAction",
    "agency_actions_action": "agencyActionsAction",
    "meetings_action": "meetingsAction",
    "people_action": "peopleAction",
    "all_hubs_action": "allHubsAction",
    "open_only_action": "openOnlyAction",
    "all_status_action": "allStatusAction",
    "details_action": "detailsAction",
    "reset_columns_action": "resetColumnsAction",
    "demo_action": "demoAction",
    "audit_log_action": "auditLogAction",
    "retention_action": "retentionAction",
    "duplicates_action": "duplicatesAction",
    "accounts_action": "accountsAction",
    "sync_now_action": "syncNowAction",
    "sync_conflicts_action": "syncConflictsAction",
    "central_action": "centralAction",
    "shortcuts_action": "shortcutsAction",
    "about_action": "aboutAction",
    "agreements_action": "agreementsAction",
    "orders_due_action": "ordersDueAction",
    "area_orders_action": "areaOrdersAction",
    "case_review_action": "caseReviewQueueAction",
    "letter_templates_action": "letterTemplatesAction",
}


class MainWindow(QMainWindow):
    """Built before the database is open so it can paint at once; ``attach`` fills it."""

    #: emitted once, after the window's first paint
    firstPainted = Signal()
    #: the user selected a case (its id), after the selection settled
    caseSelected = Signal(object)
    #: the user asked for demo data
    demoRequested = Signal()
    #: the user asked to open a case in its own window (Enter or double-click; its id)
    caseOpenRequested = Signal(object)
    #: File > Import reports… / Export cases…
    importRequested = Signal()
    exportCasesRequested = Signal()
    #: the user asked for the intake form (a new issue), or for the list of drafts
    newIssueRequested = Signal()
    draftsRequested = Signal()
    #: File > Print… (Ctrl+P); the meetings page's "Print the pack…" (hub id, meeting id)
    printRequested = Signal()
    printPackRequested = Signal(object, object)
    #: Tools > Sync now (F9); Tools > Sync conflicts… or the status bar's sync text
    syncNowRequested = Signal()
    syncConflictsRequested = Signal()
    #: Tools > Central database… (the station's central address)
    centralRequested = Signal()
    #: File > Back up now… / Restore from backup…
    backupRequested = Signal()
    restoreRequested = Signal()
    #: Tools > Audit log…
    auditLogRequested = Signal()
    #: Tools > Retention review…
    retentionReviewRequested = Signal()
    duplicatesRequested = Signal()
    #: Tools > Sharing agreements…
    agreementsRequested = Signal()
    #: File > Lock (Ctrl+L) and Tools > Accounts…, where the database has staff accounts
    lockRequested = Signal()
    accountsRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_DISPLAY_NAME)
        self.session = None  # set by attach(): the open database and this station
        #: off for the self-test, whose off-screen window must not become the user's layout
        self.remember_state = True
        self._painted = False
        self.model = CaseTableModel(self)
        self._build_filter_bar()
        self._build_table()
        from hubapp.views.case_detail import CaseDetailPane

        self.detail = CaseDetailPane(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 0)
        # a damaged database: why it is read-only (set_read_only)
        self.read_only_banner = QLabel(left, objectName="readOnlyBanner")
        self.read_only_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.hide()
        self.read_only_reason = ""
        left_layout.addWidget(self.read_only_banner)
        left_layout.addLayout(self._filter_layout)
        left_layout.addWidget(self.table)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([930, 420])
        self.splitter.setChildrenCollapsible(False)
        # pages: the case list (Ctrl+1), the assignment grid (Ctrl+2) and an agency's actions
        # (Ctrl+3); the last two are made when first shown (they import the database layer)
        self.pages = QStackedWidget(self, objectName="pages")
        self.pages.addWidget(self.splitter)
        self.grid_page = None
        #: asked before the window closes; False keeps it open (the controller sets it)
        self.close_guard = None
        self.agency_actions_page = None
        self.meetings_page = None
        self.people_page = None
        self.orders_due_page = None
        self.case_review_page = None
        self.setCentralWidget(self.pages)
        self._build_status_bar()
        # the count speaks of the case list: the other pages show their own
        self.pages.currentChanged.connect(
            lambda _i: self.count_label.setVisible(self.pages.currentWidget() is self.splitter)
        )
        self._build_menus()
        self._selection_timer = QTimer(self, singleShot=True, interval=120)
        self._selection_timer.timeout.connect(self._emit_selection)
        self.model.countChanged.connect(self._on_count)
        self.model.modelReset.connect(self._after_reset)
        self.detail.show_message(tr("Opening the hub database…"))
        self.set_busy(True)
        self._restore_state()

    # -- construction ------------------------------------------------------------------
    def _build_filter_bar(self) -> None:
        self.search = QLineEdit(self, objectName="searchEdit")
        self.search.setPlaceholderText(tr("Search reference, place, summary or details  (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        name_clear_button(self.search)
        self.search.setMaxLength(200)
        self.search.textChanged.connect(self._apply_filter)
        clear = QAction(tr("Clear the search"), self.search, shortcut=QKeySequence("Escape"))
        clear.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear.triggered.connect(self._clear_search)
        self.search.addAction(clear)
        self.search.returnPressed.connect(lambda: self.table.setFocus())
        self.hub_combo = QComboBox(self, objectName="hubFilter")
        self.hub_combo.setToolTip(tr("Which hub's cases to show"))
        self.status_combo = QComboBox(self, objectName="statusFilter")
        self.status_combo.addItem(tr("Open cases"), OPEN)
        self.status_combo.addItem(tr("All statuses"), ALL)
        for status in CaseStatus:
            self.status_combo.addItem(status.label, status.value)
        self.category_combo = QComboBox(self, objectName="categoryFilter")
        self.category_combo.addItem(tr("All categories"), ALL)
        self.hub_combo.setAccessibleName(tr("Hub"))
        self.status_combo.setAccessibleName(tr("Status"))
        self.category_combo.setAccessibleName(tr("Category"))
        for combo in (self.hub_combo, self.status_combo, self.category_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._apply_filter)
        layout = QHBoxLayout()
        layout.setSpacing(6)
        label = QLabel(tr("&Find:"), self)
        label.setBuddy(self.search)
        layout.addWidget(label)
        layout.addWidget(self.search, 1)
        layout.addWidget(self.hub_combo)
        layout.addWidget(self.status_combo)
        layout.addWidget(self.category_combo)
        self._filter_layout = layout

    def _build_table(self) -> None:
        t = QTableView(self, objectName="caseTable")
        t.setTabKeyNavigation(False)  # Tab moves on; the arrows move in the table
        t.setAccessibleName(tr("Cases"))
        t.setModel(self.model)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setAlternatingRowColors(True)
        t.setWordWrap(False)
        t.setTextElideMode(Qt.TextElideMode.ElideRight)
        t.verticalHeader().hide()
        t.verticalHeader().setDefaultSectionSize(24)
        t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = t.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        self.table = t
        self._default_widths()
        column, order = self.model.sort_section()
        header.setSortIndicator(column, order)  # before enabling sorting, which applies it
        t.setSortingEnabled(True)
        # a click on a column the list cannot be sorted by leaves the sort as it was
        header.sortIndicatorChanged.connect(self._keep_sort_indicator)
        # Only a selected row opens a case: Tab into the table or a refresh moves the current
        # cell without selecting, and must not show (and audit as consulted) any case.
        t.selectionModel().selectionChanged.connect(self._on_selection_changed)
        t.activated.connect(self._open_case)

    def _keep_sort_indicator(self, section: int, _order) -> None:
        if not self.model.sortable(section):
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(*self.model.sort_section())
            header.blockSignals(False)

    def _default_widths(self) -> None:
        t = self.table
        metrics = t.fontMetrics()
        for i, (column, _title) in enumerate(COLUMNS):
            width = COLUMN_WIDTHS[column]
            if isinstance(width, str):
                width = metrics.horizontalAdvance(width) + 2 * metrics.averageCharWidth() + 8
            t.setColumnWidth(i, width)

    def reset_columns(self) -> None:
        """View > Reset columns: the original order and widths."""
        header = self.table.horizontalHeader()
        for logical in range(header.count()):
            header.moveSection(header.visualIndex(logical), logical)
        self._default_widths()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.station_label = QLabel(self, objectName="stationLabel")
        self.station_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label = QLabel(self, objectName="countLabel")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(self.station_label, 1)
        # central sync's state; hidden on a station without a central database
        self.sync_label = QLabel(self, objectName="syncLabel")
        self.sync_label.setTextFormat(Qt.TextFormat.RichText)
        self.sync_label.linkActivated.connect(lambda _link: self.syncConflictsRequested.emit())
        self.sync_label.hide()
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.count_label)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(tr("&File"))
        self.import_action = QAction(tr("&Import reports…"), self, shortcut=QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.importRequested)
        self.export_cases_action = QAction(tr("&Export cases…"), self)
        self.export_cases_action.triggered.connect(self.exportCasesRequested)
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_cases_action)
        file_menu.addSeparator()
        self.new_issue_action = QAction(tr("&New issue…"), self, shortcut=QKeySequence("Ctrl+N"))
        self.new_issue_action.triggered.connect(self.newIssueRequested)
        self.drafts_action = QAction(tr("Resume a &draft…"), self,
                                     shortcut=QKeySequence("Ctrl+Shift+N"))  # fmt: skip
        self.drafts_action.triggered.connect(self.draftsRequested)
        self.drafts_action.triggered.connect(self.statusBar().clearMessage)
        file_menu.addAction(self.new_issue_action)
        file_menu.addAction(self.drafts_action)
        file_menu.addSeparator()
        self.print_action = QAction(tr("&Print…"), self, shortcut=QKeySequence("Ctrl+P"))
        self.print_action.triggered.connect(self.printRequested)
        file_menu.addAction(self.print_action)
        file_menu.addSeparator()
        self.backup_action = QAction(tr("&Back up now…"), self)
        self.backup_action.triggered.connect(self.backupRequested)
        self.restore_action = QAction(tr("&Restore from backup…"), self)
        self.restore_action.triggered.connect(self.restoreRequested)
        file_menu.addAction(self.backup_action)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        self.lock_action = QAction(tr("&Lock"), self, shortcut=QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lockRequested)
        file_menu.addAction(self.lock_action)
        self.quit_action = QAction(tr("E&xit"), self, shortcut=QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        view = menu.addMenu(tr("&View"))
        self.find_action = QAction(tr("&Find cases"), self, shortcut=QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_search)
        self.refresh_action = QAction(tr("&Refresh"), self, shortcut=QKeySequence("F5"))
        self.refresh_action.triggered.connect(self.refresh)
        self.this_hub_action = QAction(
            tr("&This hub's cases"), self, shortcut=QKeySequence("Ctrl+1")
        )
        self.this_hub_action.triggered.connect(lambda: self._choose_hub(this_hub=True))
        self.this_hub_action.triggered.connect(self.show_case_list)
        self.grid_action = QAction(tr("Assignment &grid"), self, shortcut=QKeySequence("Ctrl+2"))
        self.grid_action.triggered.connect(self.show_grid)
        self.agency_actions_action = QAction(
            tr("Agenc&y's actions"), self, shortcut=QKeySequence("Ctrl+3")
        )
        self.agency_actions_action.triggered.connect(self.show_agency_actions)
        self.meetings_action = QAction(tr("&Meetings"), self, shortcut=QKeySequence("Ctrl+4"))
        self.meetings_action.triggered.connect(self.show_meetings)
        self.people_action = QAction(tr("&People"), self, shortcut=QKeySequence("Ctrl+5"))
        self.people_action.triggered.connect(self.show_people)
        self.orders_due_action = QAction(tr("Orders e&nding or due"), self,
                                         shortcut=QKeySequence("Ctrl+7"))  # fmt: skip
        self.orders_due_action.triggered.connect(self.show_orders_due)
        self.case_review_action = QAction(tr("ASB Case Re&view queue…"), self,
                                          shortcut=QKeySequence("Ctrl+6"))  # fmt: skip
        self.case_review_action.triggered.connect(self.show_case_review)
        self.all_hubs_action = QAction(
            tr("&All hubs' cases"), self, shortcut=QKeySequence("Ctrl+0")
        )
        self.all_hubs_action.triggered.connect(lambda: self._choose_hub(this_hub=False))
        self.open_only_action = QAction(
            tr("&Open cases only"), self, shortcut=QKeySequence("Ctrl+Shift+O")
        )
        self.open_only_action.triggered.connect(lambda: self.status_combo.setCurrentIndex(0))
        self.all_status_action = QAction(
            tr("Cases of any &status"), self, shortcut=QKeySequence("Ctrl+Shift+A")
        )
        self.all_status_action.triggered.connect(lambda: self.status_combo.setCurrentIndex(1))
        self.details_action = QAction(
            tr("Show &details pane"), self, shortcut=QKeySequence("Ctrl+D")
        )
        self.details_action.setCheckable(True)
        self.details_action.setChecked(True)
        self.details_action.toggled.connect(self.detail.setVisible)
        self.reset_columns_action = QAction(tr("Reset &columns"), self)
        self.reset_columns_action.triggered.connect(self.reset_columns)
        for action in (self.find_action, self.refresh_action, None, self.this_hub_action,
                       self.grid_action, self.agency_actions_action, self.meetings_action,
                       self.people_action, self.case_review_action, self.orders_due_action,
                       None,
                       self.all_hubs_action, self.open_only_action, self.all_status_action,
                       None, self.details_action, self.reset_columns_action):  # fmt: skip
            view.addSeparator() if action is None else view.addAction(action)

        tools = menu.addMenu(tr("&Tools"))
        self.demo_action = QAction(tr("Add &demo data for training…"), self)
        self.demo_action.triggered.connect(self.demoRequested)
        tools.addAction(self.demo_action)
        self.audit_log_action = QAction(tr("Audit &log…"), self)
        self.audit_log_action.triggered.connect(self.auditLogRequested)
        tools.addAction(self.audit_log_action)
        self.retention_action = QAction(tr("&Retention review…"), self)
        self.retention_action.triggered.connect(self.retentionReviewRequested)
        tools.addAction(self.retention_action)
        self.duplicates_action = QAction(tr("D&uplicate people…"), self)
        self.duplicates_action.triggered.connect(self.duplicatesRequested)
        tools.addAction(self.duplicates_action)
        self.agreements_action = QAction(tr("Sharin&g agreements…"), self)
        self.agreements_action.triggered.connect(self.agreementsRequested)
        tools.addAction(self.agreements_action)
        self.area_orders_action = QAction(tr("Area &orders (PSPOs)…"), self)
        self.area_orders_action.triggered.connect(self.show_area_orders)
        tools.addAction(self.area_orders_action)
        self.letter_templates_action = QAction(tr("Le&tter templates…"), self)
        self.letter_templates_action.triggered.connect(self.show_letter_templates)
        tools.addAction(self.letter_templates_action)
        self.accounts_action = QAction(tr("&Accounts…"), self)
        self.accounts_action.triggered.connect(self.accountsRequested)
        tools.addAction(self.accounts_action)
        self.sync_now_action = QAction(tr("&Sync now"), self, shortcut=QKeySequence("F9"))
        self.sync_now_action.triggered.connect(self.syncNowRequested)
        self.sync_conflicts_action = QAction(tr("Sync &conflicts…"), self)
        self.sync_conflicts_action.triggered.connect(self.syncConflictsRequested)
        self.central_action = QAction(tr("Central data&base…"), self)
        self.central_action.triggered.connect(self.centralRequested)
        tools.addSeparator()
        tools.addAction(self.central_action)
        self._sync_separator = tools.addSeparator()
        tools.addAction(self.sync_now_action)
        tools.addAction(self.sync_conflicts_action)

        help_menu = menu.addMenu(tr("&Help"))
        self.shortcuts_action = QAction(
            tr("&Keyboard shortcuts"), self, shortcut=QKeySequence("F1")
        )
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.about_action = QAction(tr("&About"), self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        # each menu item has the object name the role matrix knows it by (hubapp.store.roles)
        for attribute, name in MENU_OBJECT_NAMES.items():
            getattr(self, attribute).setObjectName(name)
        self._sync_shown = False
        self._role_allows: dict[str, bool] = {}
        self.set_account(None)
        self.show_sync(False)

    # -- central sync --------------------------------------------------------------------
    def menu_actions(self) -> list[QAction]:
        """Every item of every menu (separators aside)."""
        found = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is not None:
                found.extend(a for a in menu.actions() if not a.isSeparator())
        return found

    def _offer_only_what_is_allowed(self, account) -> None:
        """Menu items the account's role would be refused are not offered, as the role matrix
        says (hubapp.store.roles.MENU; the store refuses them anyway). An item the matrix does
        not know is not offered to anyone signed in."""
        from hubapp.store import roles

        role = account.role if account is not None else None
        self._role_allows = {}
        for item in self.menu_actions():
            known = roles.MENU.get(item.objectName())
            allowed = roles.may_role(role, known[1]) if known else account is None
            self._role_allows[item.objectName()] = allowed
            sync_item = item in (self.sync_now_action, self.sync_conflicts_action)
            item.setVisible(allowed and (not sync_item or self._sync_shown))

    def show_sync(self, shown: bool) -> None:
        """Sync's menu items and status text exist only where a central database is set up
        (and the items only for roles that may use them)."""
        self._sync_shown = shown
        self._sync_separator.setVisible(shown)
        for item in (self.sync_now_action, self.sync_conflicts_action):
            item.setVisible(shown and self._role_allows.get(item.objectName(), True))
        self.sync_label.setVisible(shown and bool(self.sync_label.text()))

    def set_account(self, account) -> None:
        """Who is signed in (a hubapp.store.accounts.Account), or None where the database has
        no staff accounts: Lock exists for anyone signed in, Accounts… for administrators
        (and, without accounts, for anyone, to make the first administrator)."""
        self._offer_only_what_is_allowed(account)
        if getattr(self, "user_label", None) is None:
            self.user_label = QLabel(self, objectName="userLabel")
            self.user_label.setTextFormat(Qt.TextFormat.PlainText)
            self.statusBar().addPermanentWidget(self.user_label)
        self.user_label.setText(
            "" if account is None else tr("Signed in as {0}").format(account.display_name)
        )
        self.user_label.setVisible(account is not None)

    def show_drafts_waiting(self, n: int) -> None:
        """Say once, in the status bar, that unfinished reports wait to be resumed."""
        if n > 0:
            text = tr("You have {0} — resume with File > Resume a draft (Ctrl+Shift+N).")
            self.statusBar().showMessage(text.format(plural(n, tr("unfinished report"))))

    def set_sync_status(self, text: str, tooltip: str = "", conflicts: int = 0) -> None:
        """Show sync's state (plain words); with conflicts, a click opens them."""
        shown = escape(text)
        if conflicts:
            shown = f'<a href="conflicts">{shown}</a>'
        self.sync_label.setText(shown)
        self.sync_label.setToolTip(tooltip)
        self.sync_label.setVisible(self.sync_now_action.isVisible() and bool(text))

    # -- the database ------------------------------------------------------------------
    def attach(self, session) -> None:
        """Show the cases of an open database. ``session`` is an app.OpenDatabase."""
        self.session = session
        lookups = session.lookups
        station = session.station
        self.hub_combo.blockSignals(True)
        self.category_combo.blockSignals(True)
        self.hub_combo.clear()
        self.hub_combo.addItem(tr("All hubs"), ALL)
        for hub in lookups.hub_list():
            self.hub_combo.addItem(hub.name, hub.id.hex)  # text: QVariant compares it by value
        if station is not None:
            self.hub_combo.setCurrentIndex(max(0, self.hub_combo.findData(station.hub_id.hex)))
            self.station_label.setText(
                tr("{hub} hub · {station}").format(
                    hub=station.hub_name, station=station.station_name
                )
            )
            # ends with the application's display name, so Qt does not add it a second time
            self.setWindowTitle(f"{station.hub_name} — {APP_DISPLAY_NAME}")
        else:
            self.hub_combo.setCurrentIndex(0)
            self.station_label.setText(tr("This PC is not set up for a hub yet"))
        while self.category_combo.count() > 1:  # keep "All categories"
            self.category_combo.removeItem(1)
        for category in lookups.categories.values():
            self.category_combo.addItem(category.name, category.id.hex)
        self.hub_combo.blockSignals(False)
        self.category_combo.blockSignals(False)
        self.model._filter = self._current_filter()
        self.table.setColumnHidden(HUB_COLUMN, self.model.case_filter.hub_id is not None)
        self.model.set_source(session.case_list, lookups)
        self.set_busy(False)
        self.detail.clear()
        self.station_label.setToolTip(str(session.store.path))
        for page in (self.grid_page, self.agency_actions_page, self.meetings_page,
                     self.people_page, self.case_review_page,
                     self.orders_due_page):  # fmt: skip
            if page is not None:
                page.attach(session.store, lookups, station)

    def _current_filter(self) -> CaseFilter:
        hub = self.hub_combo.currentData()
        status = self.status_combo.currentData()
        category = self.category_combo.currentData()
        return CaseFilter(
            hub_id=None if hub in (ALL, None) else uuid.UUID(hex=hub),
            status=None if status == ALL else status,
            category_id=None if category in (ALL, None) else uuid.UUID(hex=category),
            text=self.search.text(),
        )

    def _apply_filter(self) -> None:
        if self.session is None:
            return
        f = self._current_filter()
        # one hub in view: its name in every row says nothing
        self.table.setColumnHidden(HUB_COLUMN, f.hub_id is not None)
        self.model.set_filter(f)

    def _choose_hub(self, this_hub: bool) -> None:
        if this_hub and self.session and self.session.station:
            self.hub_combo.setCurrentIndex(
                max(0, self.hub_combo.findData(self.session.station.hub_id.hex))
            )
        else:
            self.hub_combo.setCurrentIndex(0)

    def refresh(self) -> None:
        if self.session is not None:
            # a refresh resets the list: keep the selected case selected (File > Print and
            # the detail pane work on it, e.g. straight after its case window is closed)
            keep, near = self.selected_case_id(), self.table.currentIndex().row()
            self.model.refresh()
            if keep is not None:
                self.select_case(keep, near)
            for page in (self.grid_page, self.agency_actions_page):
                if page is not None:
                    page.refresh() if page is self.grid_page else page.reload()
            if self.meetings_page is not None:
                self.meetings_page.reload()

    # -- pages -------------------------------------------------------------------------
    def show_case_list(self) -> None:
        self.pages.setCurrentWidget(self.splitter)
        self.table.setFocus()

    def show_grid(self) -> None:
        """View > Assignment grid (Ctrl+2): the station's hub's cases by its agencies."""
        if self.grid_page is None:
            from hubapp.views.assignment_grid import AssignmentGridPage

            self.grid_page = AssignmentGridPage(self)
            self.pages.addWidget(self.grid_page)
            if self.session is not None:
                self.grid_page.attach(self.session.store, self.session.lookups,
                                      self.session.station)  # fmt: skip
        self.pages.setCurrentWidget(self.grid_page)
        self.grid_page.table.setFocus()

    def show_agency_actions(self) -> None:
        """View > Agency's actions (Ctrl+3): one agency's open actions, overdue first."""
        if self.agency_actions_page is None:
            from hubapp.views.agency_actions import AgencyActionsPage

            self.agency_actions_page = AgencyActionsPage(self)
            self.agency_actions_page.victims_panel.openCase.connect(self.caseOpenRequested)
            self.pages.addWidget(self.agency_actions_page)
            if self.session is not None:
                self.agency_actions_page.attach(self.session.store, self.session.lookups,
                                                self.session.station)  # fmt: skip
        self.pages.setCurrentWidget(self.agency_actions_page)
        self.agency_actions_page.table.setFocus()

    def show_meetings(self):
        """View > Meetings (Ctrl+4): the hub's partner meetings, agendas and decisions."""
        if self.meetings_page is None:
            from hubapp.views.meetings import MeetingsPage

            self.meetings_page = MeetingsPage(self)
            self.meetings_page.case_from_list = self.selected_case
            self.meetings_page.printPackRequested.connect(self.printPackRequested)
            self.meetings_page.actionsChanged.connect(
                lambda: self.grid_page.refresh() if self.grid_page is not None else None
            )
            self.pages.addWidget(self.meetings_page)
            if self.session is not None:
                self.meetings_page.attach(self.session.store, self.session.lookups,
                                          self.session.station)  # fmt: skip
        self.pages.setCurrentWidget(self.meetings_page)
        self.meetings_page.list_table.setFocus()
        return self.meetings_page

    def show_people(self):
        """View > People (Ctrl+5): one person across cases, by name, phone, e-mail or
        postcode."""
        if self.people_page is None:
            from hubapp.views.people import PeoplePage

            self.people_page = PeoplePage(self)
            self.people_page.caseOpenRequested.connect(self.caseOpenRequested)
            self.pages.addWidget(self.people_page)
            if self.session is not None:
                self.people_page.attach(self.session.store)
        self.pages.setCurrentWidget(self.people_page)
        self.people_page.search_edit.setFocus()
        return self.people_page

    def show_orders_due(self):
        """View > Orders ending or due (Ctrl+7): tools and powers with a date coming up."""
        if self.orders_due_page is None:
            from hubapp.views.orders_due import OrdersDuePage

            self.orders_due_page = OrdersDuePage(self)
            self.orders_due_page.caseOpenRequested.connect(self.caseOpenRequested)
            self.pages.addWidget(self.orders_due_page)
            if self.session is not None:
                self.orders_due_page.attach(self.session.store, self.session.lookups,
                                            self.session.station)  # fmt: skip
        self.pages.setCurrentWidget(self.orders_due_page)
        self.orders_due_page.table.setFocus()
        return self.orders_due_page

    def show_area_orders(self):
        """Tools > Area orders (PSPOs)…: the register of hub-level orders."""
        if self.session is None:
            return None
        from hubapp.views.area_orders import AreaOrdersDialog

        dialog = AreaOrdersDialog(self.session.store, self.session.lookups,
                                  self.session.station, self)  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_letter_templates(self):
        """Tools > Letter templates…: the hub's standard letters (administrators)."""
        if self.session is None:
            return None
        from hubapp.views.letter_templates import LetterTemplatesDialog

        dialog = LetterTemplatesDialog(self.session.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_case_review(self):
        """View > ASB Case Review queue… (Ctrl+6): victims and places approaching or reaching
        a review (hubapp.views.case_review)."""
        if self.case_review_page is None:
            from hubapp.views.case_review import CaseReviewQueuePage

            self.case_review_page = CaseReviewQueuePage(self)
            self.case_review_page.caseOpenRequested.connect(self.caseOpenRequested)
            self.pages.addWidget(self.case_review_page)
            if self.session is not None:
                self.case_review_page.attach(self.session.store, self.session.lookups,
                                             self.session.station)  # fmt: skip
        self.pages.setCurrentWidget(self.case_review_page)
        self.case_review_page.table.setFocus()
        return self.case_review_page

    def set_busy(self, busy: bool) -> None:
        for w in (self.search, self.hub_combo, self.status_combo, self.category_combo):
            w.setEnabled(not busy)
        self.demo_action.setEnabled(not busy)
        self.import_action.setEnabled(not busy)
        self.export_cases_action.setEnabled(not busy)
        self.new_issue_action.setEnabled(not busy)
        self.drafts_action.setEnabled(not busy)
        self.print_action.setEnabled(not busy)
        self.meetings_action.setEnabled(not busy)
        self.backup_action.setEnabled(not busy)
        self._apply_read_only()

    def set_read_only(self, reason: str) -> None:
        """A damaged database is open read-only: say why above the list and turn off what
        would write (File > Restore from backup… stays on). An empty reason ends it."""
        from hubapp.views.banner import ERROR, show_banner

        self.read_only_reason = reason
        show_banner(self.read_only_banner, reason, ERROR)
        if reason:
            self._apply_read_only()
        else:
            self.set_busy(self.session is None)

    def _apply_read_only(self) -> None:
        if not getattr(self, "read_only_reason", ""):
            return
        for action in (self.demo_action, self.import_action, self.new_issue_action,
                       self.drafts_action, self.backup_action):  # fmt: skip
            action.setEnabled(False)

    def show_new_case(self, case_id, reference: str) -> None:
        """After an intake: refresh the list and select the case (searching for its reference
        if the filters hide it)."""
        self.pages.setCurrentWidget(self.splitter)
        self.model.refresh()
        for attempt in range(2):
            for row in range(min(self.model.rowCount(), self.model.BLOCK)):
                index = self.model.index(row, 0)
                if index.data(CaseIdRole) == case_id:
                    self.table.selectRow(row)
                    self.table.scrollTo(index)
                    self.table.setFocus()
                    return
            if attempt == 0:
                self.hub_combo.setCurrentIndex(0)
                self.status_combo.setCurrentIndex(1)
                self.search.setText(reference)

    def select_case(self, case_id, near: int = 0) -> bool:
        """Select a case if it is in the list, looking at row ``near`` first, then its block
        and the first blocks of the list; False if it is not found there."""
        rows, block = self.model.rowCount(), self.model.BLOCK
        start = max(0, near) - max(0, near) % block
        for row in (near, *range(start, start + block), *range(min(rows, 4 * block))):
            if 0 <= row < rows and self.model.index(row, 0).data(CaseIdRole) == case_id:
                self.table.selectRow(row)
                return True
        return False

    def search_for(self, text: str) -> None:
        self.search.setText(text)

    def _clear_search(self) -> None:
        self.search.clear()
        self.table.setFocus()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- selection -----------------------------------------------------------------------
    def _on_selection_changed(self, _selected, _deselected) -> None:
        self._selection_timer.start()

    def _emit_selection(self) -> None:
        case_id = self.selected_case_id()
        if case_id is None:
            self.detail.clear()
        else:
            self.caseSelected.emit(case_id)

    def _open_case(self, index) -> None:
        """Enter or double-click on a row: open the case view."""
        case_id = index.data(CaseIdRole) if index.isValid() else None
        if case_id is not None:
            self.caseOpenRequested.emit(case_id)

    def selected_case_id(self):
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(CaseIdRole) if rows else None

    def selected_case(self):
        """The case selected in the list as (id, reference), or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        ref = rows[0].siblingAtColumn([c for c, _ in COLUMNS].index(Column.REFERENCE))
        return rows[0].data(CaseIdRole), ref.data()

    def _after_reset(self) -> None:
        if self.model.rowCount() or self.session is None:
            self.detail.clear()

    def _on_count(self, count: int) -> None:
        f = self.model.case_filter
        searching = fts_query(f.text) is not None
        scope = tr("matching") if searching else (tr("open") if f.status == OPEN else tr("in view"))
        text = f"{plural(count, tr('case'))} {scope}"
        if f.text.strip() and not searching:
            text = tr("Type two letters or more to search") + " · " + text
        self.count_label.setText(text)
        if count == 0 and self.session is not None:
            self.detail.show_message(self._nothing_shown_hint(f, searching))

    def _nothing_shown_hint(self, f: CaseFilter, searching: bool) -> str:
        if searching:
            return tr("No cases match the search. Press Esc to clear it, or Ctrl+0 and "
                      "Ctrl+Shift+A to search every hub and status.")  # fmt: skip
        if f.hub_id is not None or f.status or f.category_id is not None:
            return tr("No cases with these filters. Ctrl+0 shows every hub; Ctrl+Shift+A "
                      "every status.")  # fmt: skip
        return tr("No cases yet.")

    # -- help ---------------------------------------------------------------------------
    def show_shortcuts(self) -> None:
        lines = [
            ("Ctrl+N", tr("New issue (intake form)")),
            ("Ctrl+Shift+N", tr("Resume an unfinished report (a draft)")),
            ("Ctrl+F", tr("Find cases (type to filter)")),
            ("Esc", tr("Clear the search")),
            ("Ctrl+1 / Ctrl+0", tr("This hub's cases / all hubs")),
            ("Ctrl+2", tr("Assignment grid: L S I Del set parts, Enter actions")),
            ("Ctrl+3", tr("An agency's open actions, overdue first")),
            ("Ctrl+4", tr("Meetings: agenda, attendance, decisions, actions raised")),
            ("Ctrl+5", tr("People: one person across cases, by name, phone, e-mail or postcode")),
            ("Ctrl+7", tr("Orders ending or due: end dates, appeals, reviews, court hearings")),
            ("Ctrl+6", tr("ASB Case Review queue: victims and places near or at a review")),
            ("Ctrl+P", tr("Print or save as PDF: case summary, meeting pack, action sheet")),
            ("Ctrl+Z / Ctrl+Y", tr("Undo / redo a change in the grid")),
            ("Ctrl+Shift+O / A", tr("Open cases only / any status")),
            ("Enter", tr("Open the selected case in its own window")),
            ("F5", tr("Refresh the list")),
            ("Ctrl+D", tr("Show or hide the details pane")),
            ("↑ ↓ PgUp PgDn", tr("Move through the list")),
            ("Ctrl+Q", tr("Exit")),
        ]
        if self.sync_now_action.isVisible():
            lines.insert(-1, ("F9", tr("Sync with the central database now")))
        if self.lock_action.isVisible():
            lines.insert(-1, ("Ctrl+L", tr("Lock every window now")))
        box = QMessageBox(self)
        box.setWindowTitle(tr("Keyboard shortcuts"))
        box.setTextFormat(Qt.TextFormat.RichText)  # our own fixed text, escaped all the same
        rows = "".join(
            f"<tr><td style='padding-right:16px'><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
            for k, v in lines
        )
        box.setText(f"<table>{rows}</table>")
        box.exec()

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(tr("About"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        db = str(self.session.store.path) if self.session else tr("not open")
        box.setText(
            f"{APP_DISPLAY_NAME} {__version__}\n\n"
            + tr("Case work for the Local Focus Hubs of Cumbria.")
            + "\n\n"
            + tr("Database: {0}").format(db)
            + "\n\n"
            + tr("Holds OFFICIAL-SENSITIVE personal data. Do not leave this PC unlocked.")
        )
        box.exec()

    # -- window state ------------------------------------------------------------------
    def event(self, e) -> bool:
        result = super().event(e)
        if e.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.firstPainted.emit)
        return result

    def _restore_state(self) -> None:
        settings = WindowSettings()
        geometry = settings.value("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self._fit_screen()
        splitter = settings.value("main/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = settings.value(HEADER_KEY)
        if header is not None and self.table.horizontalHeader().restoreState(header):
            # the header remembers the sort the user chose; the model follows it
            h = self.table.horizontalHeader()
            self.model.sort(h.sortIndicatorSection(), h.sortIndicatorOrder())

    def _fit_screen(self) -> None:
        """First start: fill a small station screen (1366x768), leave room on a big one."""
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None or screen.width() <= 1440 or screen.height() <= 800:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
            if screen is not None:
                self.setGeometry(screen)
        else:
            self.resize(min(1600, screen.width() - 80), min(960, screen.height() - 80))

    def save_state(self) -> None:
        settings = WindowSettings()
        settings.set_value("main/geometry", self.saveGeometry())
        settings.set_value("main/splitter", self.splitter.saveState())
        settings.set_value(HEADER_KEY, self.table.horizontalHeader().saveState())

    def closeEvent(self, e) -> None:
        # a case window with unsaved work answers first: quitting never loses typing
        if self.close_guard is not None and not self.close_guard():
            e.ignore()
            return
        if self.remember_state:
            self.save_state()
        super().closeEvent(e)
