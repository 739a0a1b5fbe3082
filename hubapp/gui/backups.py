"""The start-up integrity check, today's automatic backup, File > Back up now… and
File > Restore from backup… (offered by itself on a damaged database)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hubapp.gui.startup import OpenDatabase, OpenFailed


class BackupsMixin:
    """Integrity, backup and restore. A part of :class:`hubapp.gui.controller.Controller`."""

    def check_database(self):
        """The start-up check, in the background while the cases are shown: a damaged
        database is made read-only (saves refused with a sentence) and a restore offered."""
        from hubapp.models.tasks import said

        self.check_result = None
        task = self._Task(startup_check_job, self.db.store)
        task.succeeded.connect(self._checked)
        task.failed.connect(said(self.window.statusBar().showMessage))
        return task.start()

    def _checked(self, result) -> None:
        from PySide6.QtCore import QTimer

        from hubapp.store.admin import backup

        self.check_result = result
        if result.ok:
            self.window.set_read_only("")
            if self.auto_backup and self.db is not None:
                self.start_auto_backup()
            return
        self.window.set_read_only(backup.damaged_sentence(result))
        self.stop_sync()
        if self.offer_restore:
            self.offer_restore = False
            sentence = backup.damaged_sentence(result)
            if self.db is None or self.db.store.account is not None:
                QTimer.singleShot(0, lambda: self.restore_backup(sentence))
                return
            # a database with staff accounts: offered once someone has signed in (a restore
            # is an administrator's: hubapp.store.roles)
            self._Task(has_accounts, self.db.store).on_success(
                lambda has: self._offer_restore(sentence, has)).start()  # fmt: skip

    def _offer_restore(self, sentence: str, has_accounts: bool) -> None:
        from PySide6.QtCore import QTimer

        if self.db is None:
            return
        if has_accounts and self.db.store.account is None:  # nobody signed in yet
            self._restore_offer = sentence
            return
        QTimer.singleShot(0, lambda: self.restore_backup(sentence))

    def start_auto_backup(self):
        """Today's automatic backup, in the background, unless there is one already."""
        from hubapp.store.admin import backup

        if self.db is None or backup.todays_backup(self.db_path).exists():
            return None
        from hubapp.models.tasks import said

        task = self._Task(auto_backup_job, self.db.store)
        task.succeeded.connect(self._auto_backed_up)
        task.failed.connect(said(
            lambda message: self.window.statusBar().showMessage(
                self.window.tr("Today's automatic backup was not made: {0}").format(message)
            )
        ))  # fmt: skip
        self._backup_task = task.start()
        return self._backup_task

    def _auto_backed_up(self, path) -> None:
        if path is not None:
            self.window.statusBar().showMessage(
                self.window.tr("Today's backup was made and checked: {0}").format(path), 10_000
            )

    def cancel_auto_backup(self) -> None:
        """Quitting: an unfinished automatic backup stops and keeps nothing."""
        if self._backup_task is not None:
            self._backup_task.cancel()

    def backup_now(self):
        """File > Back up now…: a copy, checked, where the person chooses. Returns the dialog."""
        from datetime import datetime

        from hubapp.store.admin import backup
        from hubapp.store.roles import Op
        from hubapp.views.backup_dialog import BackupDialog

        if self.db is None or self.refused(Op.BACKUP):
            return None
        default = backup.backups_dir(self.db_path) / backup.manual_name(
            self.db_path, datetime.now()
        )
        dialog = BackupDialog(backup_job(self.db.store), default, self.window)
        dialog.backedUp.connect(
            lambda made: self.window.statusBar().showMessage(
                self.window.tr("Backed up and checked: {0}").format(made.path), 10_000
            )
        )
        dialog.open()
        return dialog

    def restore_backup(self, problem: str = "", reopen: bool = True):
        """File > Restore from backup… (offered by itself on a damaged database): the store
        is closed while the backup is written into place, then opened again (unless not
        ``reopen``). Returns the dialog, shown without blocking."""
        from hubapp.store.admin import backup
        from hubapp.store.roles import Op
        from hubapp.views.backup_dialog import RestoreDialog

        if self.refused(Op.RESTORE):
            return None
        actor = self.db.store.account if self.db is not None else None
        dialog = RestoreDialog(backup.list_backups(self.db_path),
                               restore_job(self.db_path, actor), self.window, problem=problem,
                               prepare=self._close_for_restore)  # fmt: skip
        dialog.restored.connect(
            lambda restored: self.window.statusBar().showMessage(
                self.window.tr("Restored from {0}.").format(restored.backup), 15_000
            )
        )
        if reopen:
            dialog.finished.connect(lambda _code: self._reopen_after_restore())
        self.restore_dialog = dialog
        dialog.open()
        return dialog

    def _close_for_restore(self) -> str:
        """Close the database before a restore; a sentence if it cannot be closed yet."""
        from hubapp.store.admin import backup

        if self.case_windows or self.intake_windows:
            return self.window.tr(
                "Close the open case and report windows first (save or discard their work); "
                "then restore."
            )
        self.cancel_auto_backup()
        self.stop_sync()
        self.sync = None
        if self.db is not None:
            self.window.set_busy(True)
            self.window.detail.show_message(self.window.tr("Restoring the database…"))
            backup.refuse_writes(
                self.db.store, "A restore is under way; try again when it is done."
            )
            self.db.store.close()
            self.db = None
        return ""

    def _reopen_after_restore(self):
        """After the restore dialog: open the database again (restored, or as it was)."""
        if self.db is not None:
            return None

        def ready(db: OpenDatabase) -> None:
            if not self.sign_in():  # the restored database's own staff accounts
                self.window.close()
                return
            self.window.attach(db)
            self.start_sync()

        def failed(message: str) -> None:
            from hubapp.gui.startup import show_error

            show_error(self.window, message)

        return self.open(ready, failed)


def startup_check_job(_ctx, store):
    from hubapp.store.admin import backup

    return backup.run_startup_check(store)


def auto_backup_job(ctx, store):
    from hubapp.store.admin import backup

    return backup.auto_backup(store, progress=ctx.report)


def backup_job(store):
    """Background work for File > Back up now…: ``job(ctx, path) -> Verified``."""

    def job(ctx, path):
        from hubapp.store.admin import backup

        made = backup.backup(store, path, progress=ctx.report)
        backup.record(store, "backup", made.path, made.cases)
        return made

    return job


def restore_job(db_path: Path, actor=None):
    """Background work for File > Restore from backup…: ``job(ctx, path, override="")`` ->
    Restored, or the RestoreRefused that an administrator may override (no store may be open
    on ``db_path``; ``actor`` is the signed-in account)."""

    def job(ctx, path, override: str = ""):
        from hubapp.store.admin import backup

        try:
            return backup.restore(path, db_path, progress=ctx.report, actor=actor,
                                  override=override)  # fmt: skip
        except backup.RestoreRefused as refused:
            return refused

    return job


def restore_may_help(failure: OpenFailed) -> bool:
    """Whether the database that did not open (``failure``: why) is damaged, so that putting
    a backup in its place may help. A full disk, or a disk that cannot be read or written, is
    not damage (``hubapp.store.errors.DiskFull`` and ``DiskFailed``): putting an older copy
    over good data would only lose work."""
    from hubapp.store.errors import DatabaseDamaged

    return isinstance(getattr(failure, "error", None), DatabaseDamaged)


def has_accounts(_ctx, store) -> bool:
    """Background work: whether the database has staff accounts (False where a damaged file
    cannot even say)."""
    from hubapp.store import accounts
    from hubapp.store.errors import DatabaseError, StoreError

    try:
        return accounts.has_accounts(store)
    except (StoreError, *DatabaseError):
        return False
