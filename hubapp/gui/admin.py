"""Tools for administrators: the audit log and the retention review."""

from __future__ import annotations


class AdminMixin:
    """The audit log and the retention review. A part of :class:`hubapp.gui.controller.Controller`."""

    def show_audit_log(self):
        """Tools > Audit log…: the audit viewer (a window of its own). Returns it."""
        from PySide6.QtCore import Qt

        from hubapp.views.audit_viewer import AuditViewer

        if self.db is None:
            return None
        viewer = AuditViewer(self.db.store, self.window)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        viewer.raise_()
        viewer.activateWindow()
        return viewer

    def show_duplicates(self):
        """Tools > Duplicate people…: the review of likely duplicates. Returns it."""
        from PySide6.QtCore import Qt

        from hubapp.views.duplicates import DuplicatesDialog

        if self.db is None:
            return None
        dialog = DuplicatesDialog(self.db.store, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.merged.connect(lambda _done: self.window.model.refresh())
        dialog.show()
        return dialog

    def show_retention_review(self):
        """Tools > Retention review…: what is due, kept for longer or erased. Returns it."""
        from PySide6.QtCore import Qt

        from hubapp.views.retention import RetentionDialog

        if self.db is None:
            return None
        dialog = RetentionDialog(self.db.store, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_agreements(self):
        """Tools > Sharing agreements…: the station's hub's register. Returns it."""
        from PySide6.QtCore import Qt

        from hubapp.store import setup
        from hubapp.views.sharing_dialog import SharingAgreementsDialog

        if self.db is None:
            return None
        station = setup.current(self.db.store)
        if station is None:
            return None
        dialog = SharingAgreementsDialog(self.db.store, station.hub_id, station.hub_name,
                                         self.window)  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
