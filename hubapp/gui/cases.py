"""Cases: the details pane of the case selected in the list, and each case in a window
of its own (one window per case)."""

from __future__ import annotations


def casedetail_job(_ctx, store, case_id):
    from hubapp.store.casework import casedetail

    return casedetail.load(store, case_id)


class CasesMixin:
    """The details pane and the case windows. A part of :class:`hubapp.gui.controller.Controller`."""

    def show_case(self, case_id) -> None:
        if self.db is None:
            return
        from PySide6.QtCore import QTimer

        from hubapp.models.tasks import LatestTask, said

        if self._detail is None:  # the latest case selected wins over the ones before
            self._detail = LatestTask(self.window, self._case_loaded,
                                      said(self.window.detail.show_message))  # fmt: skip
        task = self._detail.start(casedetail_job, self.db.store, case_id)
        # Opening a case waits for its consultation to be logged, which waits if another
        # program is writing: say so rather than leave the last case on show.
        QTimer.singleShot(400, self.window, lambda: self._still_opening(task))

    def _still_opening(self, task) -> None:
        if task is self._detail.task and task.running:
            self.window.detail.show_message(
                self.window.tr("Opening the case… (waiting for another program to finish saving)")
            )

    def _case_loaded(self, detail) -> None:
        from shiboken6 import isValid

        if not isValid(self.window):  # the window closed while the case loaded
            return
        if self.window.selected_case_id() == detail.id:
            self.window.detail.show_case(detail)

    def open_case(self, case_id):
        """Open the case view of a case in its own window; returns the window. A case that
        already has a window brings that window to the front instead (two windows on one
        case would sit exactly on top of each other and lead to save conflicts)."""
        if self.db is None:
            return None
        from PySide6.QtCore import Qt

        from hubapp.views.case_view import CaseWindow

        for open_window in self.case_windows:
            if open_window.case_id == case_id:
                if open_window.isMinimized():
                    open_window.showNormal()
                else:
                    open_window.show()
                open_window.raise_()
                open_window.activateWindow()
                return open_window

        case_window = CaseWindow(self.db.store, case_id, self.window)
        case_window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        case_window.saved.connect(lambda _id: self.window.refresh())
        case_window.caseOpenRequested.connect(self.open_case)  # a linked case
        case_window.finished.connect(lambda _result: self._forget(case_window))
        self.case_windows.append(case_window)
        case_window.show()
        return case_window

    def case_windows_may_close(self) -> bool:
        """Before quitting: a case window with unsaved work comes forward and asks (Save
        changes / Discard / Cancel); the app stays open until it is answered."""
        for case_window in list(self.case_windows):
            if case_window.unsaved():
                case_window.showNormal()
                case_window.raise_()
                case_window.activateWindow()
                case_window.reject()  # asks, without blocking
                self.window.statusBar().showMessage(
                    self.window.tr("Save or discard the changes to the open case, then quit."),
                    10_000,
                )
                return False
        return True

    def _forget(self, case_window) -> None:
        if case_window in self.case_windows:
            self.case_windows.remove(case_window)
