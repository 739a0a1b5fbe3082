"""Central sync: the background runner and its status, Tools > Sync now, Tools > Central
database…, and the sync conflicts."""

from __future__ import annotations


class SyncMixin:
    """Sync with the central database. A part of :class:`hubapp.gui.controller.Controller`."""

    def start_sync(self, url: str | None = None, **options):
        """Sync in the background, now and every few minutes, if this station has a central
        database (``url``, else the saved or environment address); otherwise show nothing."""
        from hubapp.models.sync_status import SyncRunner

        if self.db is None or self.db.station is None or self.sync is not None:
            return self.sync
        guard = self.db.store.write_guard
        if guard is not None and guard.refusal:  # damaged: read-only, nothing to sync
            return None
        runner = SyncRunner(self.db.store, self.window, url=url, **options)
        runner.configured.connect(lambda: self.window.show_sync(True))
        runner.unconfigured.connect(lambda: self.window.show_sync(False))
        runner.statusChanged.connect(
            lambda text, tip: self.window.set_sync_status(
                text, tip, runner.status.attention if runner.status else 0
            )
        )
        runner.roundFinished.connect(lambda ok: ok and runner.pulled and self.window.refresh())
        self.sync = runner
        runner.start()
        return runner

    def sync_now(self) -> None:
        """Tools > Sync now (F9)."""
        if self.sync is not None:
            self.sync.sync_now()

    def show_central(self, **options):
        """Tools > Central database…: the station's central address. Returns the dialog."""
        from hubapp.store.roles import Op
        from hubapp.views.central_dialog import CentralDialog

        if self.db is None or self.db.station is None or self.refused(Op.CENTRAL):
            return None
        dialog = CentralDialog(self.db.store, self.window, **options)
        dialog.addressChosen.connect(self.use_central)
        dialog.disconnected.connect(lambda: self.sync is not None and self.sync.unconfigure())
        dialog.open()
        return dialog

    def use_central(self, url: str) -> None:
        """Sync with ``url`` from now on, without a restart."""
        if self.sync is None:
            self.start_sync(url=url)
        else:
            self.sync.configure(url)

    def show_conflicts(self):
        """Tools > Sync conflicts…, or a click on the sync status: returns the dialog."""
        from hubapp.views.sync_conflicts import ConflictsDialog

        if self.db is None or self.db.station is None:
            return None
        dialog = ConflictsDialog(self.db.store, self.db.station.station_id, self.window)
        dialog.resolved.connect(lambda _id: self.window.refresh())
        if self.sync is not None:
            dialog.resolved.connect(lambda _id: self.sync.refresh())
            dialog.dismissed.connect(lambda _id: self.sync.refresh())
        dialog.open()
        return dialog

    def stop_sync(self) -> None:
        if self.sync is not None:
            self.sync.close()

    def sync_may_close(self) -> bool:
        runner = self.sync
        if runner is None or runner.finish(self.quit_wait_ms):
            return True
        if not self._closing_after_sync:
            self._closing_after_sync = True
            self.window.statusBar().showMessage(self.window.tr("Finishing the sync…"))
            runner.finished.connect(self.window.close)
        return False
