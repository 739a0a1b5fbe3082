"""Intake: File > New issue (the intake form, in a window of its own) and the drafts of
unfinished reports."""

from __future__ import annotations


class IntakeMixin:
    """New issues and their drafts. A part of :class:`hubapp.gui.controller.Controller`."""

    def new_issue(self, form=None, draft_id=None):
        """File > New issue (Ctrl+N): the intake form, in a window of its own."""
        from PySide6.QtCore import Qt

        from hubapp.store.intake import drafts
        from hubapp.views.intake_form import IntakeWindow

        if self.db is None:
            return None
        waiting = 0 if draft_id is not None else len(drafts.list_drafts(self.db.store))
        w = IntakeWindow(self.db.store, self.db.lookups, self.db.station, self.window,
                         form=form, draft_id=draft_id, drafts_waiting=waiting)  # fmt: skip
        w.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        w.saved.connect(lambda saved: self.window.show_new_case(saved.case_id, saved.reference))
        w.draftsRequested.connect(lambda: self.resume_draft(replace=w))
        w.finished.connect(lambda _code: self._forget_intake(w))
        self.intake_windows.append(w)
        w.show()
        w.raise_()
        w.activateWindow()
        return w

    def _forget_intake(self, w) -> None:
        if w in self.intake_windows:
            self.intake_windows.remove(w)

    def resume_draft(self, replace=None):
        """File > Resume a draft: pick an unfinished report and open it in an intake form
        (in place of ``replace``, a blank form that offered the drafts)."""
        from hubapp.store.intake import drafts
        from hubapp.views.drafts_dialog import DraftsDialog

        if self.db is None:
            return None
        dialog = DraftsDialog(self.db.store, replace or self.window)
        if dialog.exec() != dialog.DialogCode.Accepted or dialog.chosen is None:
            if replace is not None:
                replace.set_drafts_waiting(len(drafts.list_drafts(self.db.store)))
            return None
        open_draft = next((w for w in self.intake_windows if w.draft_id == dialog.chosen), None)
        if open_draft is not None:  # already being typed in another window
            open_draft.raise_()
            open_draft.activateWindow()
            return open_draft
        form = drafts.load(self.db.store, dialog.chosen)
        if form is None:
            return None
        if replace is not None and not replace.form().has_text():
            replace._closing = True
            replace.close()
        return self.new_issue(form, dialog.chosen)

    def flush_drafts(self) -> None:
        """The application is quitting: write every open form's draft now."""
        for w in list(self.intake_windows):
            w.flush_draft()
