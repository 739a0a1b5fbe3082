"""The window's controller: owns the window and the open database, and turns the window's
signals into work. Wired once, here; each concern is a part of its own (calibre's main
window is made of mixins the same way)."""

from __future__ import annotations

from pathlib import Path

from hubapp.gui.accounts import AccountsMixin
from hubapp.gui.admin import AdminMixin
from hubapp.gui.backups import BackupsMixin
from hubapp.gui.cases import CasesMixin
from hubapp.gui.exchange import ExchangeMixin
from hubapp.gui.intake import IntakeMixin
from hubapp.gui.startup import OpenDatabase, StartupMixin
from hubapp.gui.sync import SyncMixin


class Controller(StartupMixin, BackupsMixin, AccountsMixin, CasesMixin, SyncMixin, IntakeMixin,
                 ExchangeMixin, AdminMixin):  # fmt: skip
    """Owns the window and the open database; turns window signals into core calls."""

    def __init__(self, window, db_path: Path) -> None:
        from hubapp.models.tasks import Task

        self._Task = Task
        self.window = window
        self.db_path = db_path
        self.db: OpenDatabase | None = None
        #: reading the case selected in the list, for the details pane (LatestTask)
        self._detail = None
        window.caseSelected.connect(self.show_case)
        window.demoRequested.connect(self.add_demo_data)
        window.caseOpenRequested.connect(self.open_case)
        self.case_windows: list = []
        window.close_guard = self.may_close
        #: how long quitting waits for a running sync round before interrupting it (ms)
        self.quit_wait_ms = 5000
        self._closing_after_sync = False
        window.importRequested.connect(self.import_reports)
        window.exportCasesRequested.connect(self.export_cases)
        window.newIssueRequested.connect(self.new_issue)
        window.draftsRequested.connect(self.resume_draft)
        window.printRequested.connect(lambda: self.print_documents())
        window.printPackRequested.connect(
            lambda hub_id, meeting_id: self.print_documents("meeting_pack", hub_id, meeting_id)
        )
        #: open intake forms: their drafts are written when the application quits
        self.intake_windows: list = []
        #: background sync with the central database (None where none is set up)
        self.sync = None
        window.syncNowRequested.connect(self.sync_now)
        window.syncConflictsRequested.connect(self.show_conflicts)
        window.centralRequested.connect(lambda: self.show_central())
        #: the idle lock (hubapp.views.idle_lock), once someone signed in to an account
        self.idle = None
        #: while "Sign in as someone else" asks about open edits, then for the new person
        self.switch_box = self.switch_dialog = None
        window.lockRequested.connect(lambda: self.idle is not None and self.idle.lock())
        window.accountsRequested.connect(self.show_accounts)
        window.auditLogRequested.connect(lambda: self.show_audit_log())
        window.retentionReviewRequested.connect(lambda: self.show_retention_review())
        window.duplicatesRequested.connect(lambda: self.show_duplicates())
        window.agreementsRequested.connect(lambda: self.show_agreements())
        window.backupRequested.connect(self.backup_now)
        window.restoreRequested.connect(lambda: self.restore_backup())
        #: the start-up check's result (hubapp.store.admin.backup.CheckResult), once it is known
        self.check_result = None
        #: make today's automatic backup after the check passes (the application sets it)
        self.auto_backup = False
        #: offer a restore when the check fails (once: not again after a cancelled restore)
        self.offer_restore = True
        #: the damage a restore is offered for once someone has signed in
        self._restore_offer: str | None = None
        self._backup_task = None
        self.restore_dialog = None

    def may_close(self) -> bool:
        """Before quitting: open case windows answer first, then a running sync round may
        finish (a few seconds, "Finishing the sync…"); the window closes after it."""
        return self.case_windows_may_close() and self.sync_may_close()
