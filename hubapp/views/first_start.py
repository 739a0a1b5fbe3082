"""The first-start questions: which hub and which station is this PC?"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

MAX_STATION = 120
WIDTH = 460


def tr(text: str) -> str:
    return QCoreApplication.translate("FirstStartDialog", text)


class FirstStartDialog(QDialog):
    """Asks once; ``answer()`` gives (hub code, station name). ``configure`` is a callable
    (hub code, station name) -> station that raises with a readable message on failure
    (``station`` holds what it returned once accepted).

    With ``make_admin`` (a new database) it also asks for the first administrator: user name,
    full name and password twice. ``admin_problems(user, password)`` returns the problems
    (hubapp.store.errors.Problem) to show beside those fields before anything is saved;
    ``make_admin(user, full name, password)`` makes the account and signs in as it.

    ``configure`` and ``make_admin`` run in the background, one after the other; the fields
    and buttons wait meanwhile, and a refusal is shown beside its field (``Refused``: its
    first problem names the field) with everything typed kept."""

    def __init__(self, hubs, configure, parent=None, *, admin_problems=None,
                 make_admin=None, preset: tuple[str | None, str | None] = (None, None),
                 ) -> None:  # fmt: skip
        super().__init__(parent)
        self._admin_problems = admin_problems
        self._make_admin = make_admin
        self.setWindowTitle(tr("Set up this PC"))
        self.setModal(True)
        self._configure = configure
        self._bases = {}
        #: what ``configure`` returned (the station), once accepted
        self.station_info = None
        #: the step running in the background, or None
        self.working = None
        intro = QLabel(
            tr(
                "This PC needs to know which Local Focus Hub it works for. You are asked "
                "once; an administrator can change it later."
            )
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.hub = QComboBox(objectName="hubCombo")
        # no hub chosen for the user: Enter on a pre-filled answer would register the wrong one
        self.hub.addItem(tr("Choose this PC's hub…"), None)
        for h in hubs:
            self.hub.addItem(
                h.name if h.active else tr("{0} (launching later)").format(h.name), h.code
            )
            self._bases[h.code] = h.base
            if not h.active:
                item = self.hub.model().item(self.hub.count() - 1)
                item.setEnabled(False)
        self.station = QLineEdit(objectName="stationEdit")
        self.station.setMaxLength(MAX_STATION)
        self.station.setPlaceholderText(tr("e.g. Kendal Police Station"))
        self.error = QLabel(objectName="stationError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #a4161a;")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow(tr("&Hub:"), self.hub)
        form.addRow(tr("&Station:"), self.station)
        form.addRow("", self.error)
        self.admin_errors: dict[str, QLabel] = {}
        if make_admin is not None:
            self._add_admin_rows(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close, parent=self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Start"))
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Quit"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.quit)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._touched = False
        self.station.textEdited.connect(self._on_edited)
        self.hub.currentIndexChanged.connect(self._suggest)
        self._suggest()
        self._apply_preset(hubs, *preset)
        self.setMinimumWidth(WIDTH)  # the hub names are never cut short
        self.resize(WIDTH, self.sizeHint().height())

    def _apply_preset(self, hubs, hub: str | None, station: str | None) -> None:
        """Start from the hub and station IT pre-set for this PC (HUBAPP_HUB, HUBAPP_STATION):
        chosen on purpose for this PC, unlike a guess, and still shown before Start."""
        wanted = (hub or "").strip().casefold()
        for h in hubs:
            if h.active and wanted in (h.code.casefold(), h.name.casefold()):
                self.hub.setCurrentIndex(self.hub.findData(h.code))
        if station:
            self.station.setText(station.strip()[:MAX_STATION])
            self._touched = True

    def _add_admin_rows(self, form: QFormLayout) -> None:
        note = QLabel(tr("Everyone signs in with their own account. Make the first "
                         "administrator's account now; they add the others."))  # fmt: skip
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(note)
        self.admin_user = QLineEdit(objectName="adminUserEdit")
        self.admin_user.setMaxLength(64)
        self.admin_user.setPlaceholderText(tr("e.g. j.smith"))
        self.admin_name = QLineEdit(objectName="adminNameEdit")
        self.admin_name.setMaxLength(120)
        self.admin_password = QLineEdit(objectName="adminPasswordEdit")
        self.admin_again = QLineEdit(objectName="adminAgainEdit")
        for edit in (self.admin_password, self.admin_again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(256)
        for key, label, edit in (
            ("user_name", tr("Administrator's &user name:"), self.admin_user),
            ("display_name", tr("Their full &name:"), self.admin_name),
            ("password", tr("Pass&word:"), self.admin_password),
            ("again", tr("Password &again:"), self.admin_again),
        ):
            error = QLabel(objectName=f"{key}Error")
            error.setTextFormat(Qt.TextFormat.PlainText)
            error.setStyleSheet("color: #a4161a;")
            error.setWordWrap(True)
            error.hide()
            self.admin_errors[key] = error
            form.addRow(label, edit)
            form.addRow("", error)
            edit.textEdited.connect(lambda _t, e=error: e.hide())

    def _admin_ok(self) -> bool:
        """Check the administrator's fields; show each problem beside its field."""
        for error in self.admin_errors.values():
            error.hide()
        user, password = self.admin_user.text().strip(), self.admin_password.text()
        problems = list(self._admin_problems(user, password)) if self._admin_problems else []
        if not problems and self.admin_again.text() != password:
            from hubapp.store.errors import Problem

            problems = [Problem("again", tr("The two passwords differ; type it again."))]
            self.admin_again.clear()
        edits = {"user_name": self.admin_user, "display_name": self.admin_name,
                 "password": self.admin_password, "again": self.admin_again}  # fmt: skip
        for problem in problems:
            label = self.admin_errors.get(problem.field, self.admin_errors["user_name"])
            label.setText(problem.message)
            label.show()
        if problems:
            edits.get(problems[0].field, self.admin_user).setFocus()
            self._fit()
        return not problems

    def _on_edited(self) -> None:
        self._touched = True
        self.error.hide()

    def _suggest(self) -> None:
        if not self._touched:
            self.station.setText(self._bases.get(self.hub.currentData(), ""))

    def answer(self) -> tuple[str, str]:
        return self.hub.currentData(), self.station.text()

    def accept(self) -> None:
        if self.working is not None:
            return  # already saving: a second Enter does not save it twice
        hub, station = self.answer()
        if hub is None:
            self._show_error(tr("Choose the hub this PC works for."))
            self.hub.setFocus()
            return
        if not " ".join(station.split()):
            self._show_error(tr("Enter the name of this station."))
            return
        if self._make_admin is not None and not self._admin_ok():
            return
        self._run(_call, self._configure, hub, station, then=self._configured,
                  failed=self._not_configured)  # fmt: skip

    def _run(self, fn, *args, then, failed) -> None:
        from hubapp.models.tasks import Task

        task = Task(fn, *args)
        task.succeeded.connect(then)
        task.failed.connect(failed)
        self.working = task
        self._set_working(True)
        task.start()

    def _set_working(self, working: bool) -> None:
        for w in (self.hub, self.station, self.buttons, *self._admin_edits()):
            w.setEnabled(not working)
        if working:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _admin_edits(self) -> tuple:
        if self._make_admin is None:
            return ()
        return (self.admin_user, self.admin_name, self.admin_password, self.admin_again)

    def _configured(self, station) -> None:
        self.station_info = station
        if self._make_admin is None:
            self._done()
            return
        self._run(_call, self._make_admin, self.admin_user.text().strip(),
                  self.admin_name.text(), self.admin_password.text(),
                  then=lambda _account: self._admin_made(), failed=self._admin_refused)  # fmt: skip

    def _not_configured(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.working = None
        self._set_working(False)
        self._show_error(user_message(exc))

    def _admin_made(self) -> None:
        self.admin_password.clear()
        self.admin_again.clear()
        self._done()

    def _admin_refused(self, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message
        from hubapp.store.errors import Refused

        self.working = None
        self._set_working(False)
        problems = exc.problems if isinstance(exc, Refused) else []
        field = problems[0].field if problems else "user_name"
        label = self.admin_errors.get(field, self.admin_errors["user_name"])
        label.setText(user_message(exc))
        label.show()
        self._fit()

    def _done(self) -> None:
        self.working = None
        self._set_working(False)
        super().accept()

    def reject(self) -> None:
        # Escape or the window's close button: the app cannot work for no hub, so say so;
        # the Quit button leaves for real.
        if self.working is None:
            self._show_error(tr("Choose the hub and station to carry on, or Quit."))

    def quit(self) -> None:
        if self.working is None:  # saving: its outcome comes first
            super().reject()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.station.setFocus()
        self._fit()

    def _fit(self) -> None:
        # room for the message: grow in height if need be, never narrower than it was
        width = self.width()
        height = self.heightForWidth(width) if self.hasHeightForWidth() else -1
        self.resize(width, max(self.height(), height, self.minimumSizeHint().height()))


def _call(_ctx, fn, *args):
    """Background work: one step of the first start (``configure`` or ``make_admin``)."""
    return fn(*args)
