"""Intake: File > New issue (the intake form, in a window of its own) and the drafts of
unfinished reports."""

from __future__ import annotations


class IntakeMixin:
    """New issues and their drafts. A part of :class:`hubapp.gui.controller.Controller`."""

    def new_issue(self, form=None, draft_id=None):
        """File > New issue (Ctrl+N): the intake form, in a window of its own."""
        from PySide6.QtCore import Qt

        from hubapp.views.intake_form import IntakeWindow

        if self.db is None:
            return None
        w = IntakeWindow(self.db.store, self.db.lookups, self.db.station, self.window,
                         form=form, draft_id=draft_id)  # fmt: skip
        if draft_id is None:  # a blank form offers the drafts waiting, once counted
            self._count_drafts(w)
        w.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        w.saved.connect(self._issue_saved)
        w.draftsRequested.connect(lambda: self.resume_draft(replace=w))
        w.finished.connect(lambda _code: self._forget_intake(w))
        self.intake_windows.append(w)
        w.show()
        w.raise_()
        w.activateWindow()
        return w

    def _issue_saved(self, saved) -> None:
        """An intake form saved: select the case, and say in the status bar what was made
        (it stays until the next message: the form has closed, this is the word left)."""
        self.window.show_new_case(saved.case_id, saved.reference)
        if saved.attached:
            text = self.window.tr(
                "Report added to {0} as a further contact; no new case was made."
            ).format(saved.reference)
        else:
            text = self.window.tr("Saved as {0}.").format(saved.reference)
        if getattr(saved, "reassess", ""):  # a victim assessed before this report
            text += " " + saved.reassess
        self.window.statusBar().showMessage(text)

    def _forget_intake(self, w) -> None:
        if w in self.intake_windows:
            self.intake_windows.remove(w)

    def _count_drafts(self, w) -> None:
        """Tell the intake form ``w`` how many drafts wait (read in the background)."""
        from hubapp.models.tasks import alive

        def show(n: int) -> None:
            if alive(w):
                w.set_drafts_waiting(n)

        self._Task(count_drafts, self.db.store).on_success(show).start()

    def resume_draft(self, replace=None):
        """File > Resume a draft: pick an unfinished report and open it in an intake form
        (in place of ``replace``, a blank form that offered the drafts). The draft is read in
        the background; its form opens when it is there."""
        from hubapp.views.drafts_dialog import DraftsDialog

        if self.db is None:
            return None
        dialog = DraftsDialog(self.db.store, replace or self.window)
        if dialog.exec() != dialog.DialogCode.Accepted or dialog.chosen is None:
            if replace is not None:
                self._count_drafts(replace)
            return None
        chosen = dialog.chosen
        open_draft = next((w for w in self.intake_windows if w.draft_id == chosen), None)
        if open_draft is not None:  # already being typed in another window
            open_draft.raise_()
            open_draft.activateWindow()
            return open_draft

        from hubapp.models.tasks import alive, said

        def loaded(form) -> None:
            if form is None or self.db is None:
                return
            if replace is not None and alive(replace) and not replace.form().has_text():
                replace._closing = True
                replace.close()
            self.new_issue(form, chosen)

        self._Task(load_draft, self.db.store, chosen).on_success(loaded).on_failure(
            said(lambda sentence: self.window.statusBar().showMessage(sentence, 15_000))
        ).start()  # fmt: skip
        return None

    def flush_drafts(self) -> None:
        """The application is quitting: write every open form's draft now."""
        for w in list(self.intake_windows):
            w.flush_draft()


def count_drafts(_ctx, store) -> int:
    """Background work: how many unfinished reports wait on this station."""
    from hubapp.store.intake import drafts

    return len(drafts.list_drafts(store))


def load_draft(_ctx, store, draft_id: int):
    """Background work: a draft's form (None if it is gone meanwhile)."""
    from hubapp.store.intake import drafts

    return drafts.load(store, draft_id)
