"""What goes in and out in bulk: File > Print…, Import reports…, Export cases… and the
demo data."""

from __future__ import annotations

import time


class ExchangeMixin:
    """Printing, import, export and demo data. A part of :class:`hubapp.gui.controller.Controller`."""

    def print_documents(self, kind=None, hub_id=None, meeting_id=None):
        """File > Print… (Ctrl+P): a case summary of the selected case, a meeting pack or an
        agency's action sheet, under a profile chosen each time. Returns the dialog."""
        from hubapp.views.print_dialog import PrintDialog

        if self.db is None:
            return None
        dialog = PrintDialog(self.db.store, self.db.lookups, self.db.station, self.window,
                             case=self.window.selected_case(), kind=kind, hub_id=hub_id,
                             meeting_id=meeting_id)  # fmt: skip
        dialog.open()
        return dialog

    def import_reports(self, path: str | None = None) -> None:
        """File > Import reports…: choose a CSV file, import it, refresh the list."""
        from PySide6.QtWidgets import QFileDialog

        from hubapp.store.roles import Op
        from hubapp.views.import_dialog import ImportDialog

        if self.db is None or self.refused(Op.IMPORT):
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.window, self.window.tr("Import reports"), "",
                self.window.tr("CSV files (*.csv);;All files (*)"),
            )  # fmt: skip
            if not path:
                return
        dialog = ImportDialog(import_job(self.db.store), path, self.window)
        dialog.imported.connect(lambda _result: self.window.refresh())
        dialog.start()
        dialog.exec()

    def export_cases(self) -> None:
        """File > Export cases…: a format, a file, progress and Cancel."""
        from hubapp.views.export_dialog import ExportDialog

        if self.db is None:
            return
        station = self.db.station
        dialog = ExportDialog(
            export_cases_job(self.db.store),
            station.hub_id if station else None,
            station.hub_name if station else "",
            self.window,
        )
        dialog.exec()

    def add_demo_data(self) -> None:
        from hubapp.store.roles import Op
        from hubapp.views.demo_dialog import DemoDialog

        if self.db is None or self.refused(Op.DEMO):
            return

        def job(ctx, cases: int):
            from hubapp.store import lookups
            from hubapp.store.exchange import demo

            made = demo.generate(self.db.store, cases, seed=int(time.time()), progress=ctx.report)
            return made, lookups.load(self.db.store)  # the new categories and agencies too

        dialog = DemoDialog(job, self.window)
        if dialog.exec() and dialog.result is not None:
            _made, self.db.lookups = dialog.result
            self.window.attach(self.db)


def import_job(store):
    """Background work for the import dialog: ``job(ctx, path) -> ImportResult``."""

    def job(ctx, path):
        from hubapp.store.exchange import importer

        return importer.import_file(store, path, progress=ctx.report)

    return job


def export_cases_job(store):
    """Background work for the export dialog: ``job(ctx, path, fmt, hub_id) -> int``."""

    def job(ctx, path, fmt, hub_id):
        from hubapp.store.exchange import export

        return export.export_cases(store, path, fmt, hub_id, progress=ctx.report)

    return job
