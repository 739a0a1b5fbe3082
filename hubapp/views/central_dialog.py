"""The station's central database: Tools > Central database…, and a case's "Shared with…".

``CentralDialog`` takes the address that ``hubapp central add-station`` printed, tests it (in
the background, one sentence back), saves it (the password into the PC's keyring through
``hubapp.sync.credentials``, never into a file) and forgets it (Disconnect: changes waiting
to be sent stay). The password is never shown back: a saved address is shown without it.

``SharingDialog`` lists the hubs a case is shared with and shares or stops sharing it
(``hubapp.sync.share``; online only, audited as a disclosure). Every network call runs off the
GUI thread; no module here imports the database layer at import time.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from hubapp.models.sync_quarantine import SetAsideRole, SetAsideTableModel
from hubapp.models.tasks import Task, said


def tr(text: str) -> str:
    return QCoreApplication.translate("CentralDialog", text)


def _plain(text: str, parent, name: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


# --- background work (no Qt) ------------------------------------------------------------------


def read_setup(_ctx, store) -> tuple[str | None, bool, bool, int, bool]:
    """(saved address without password, from the environment, keyring present, pending,
    attachments' content synced)."""
    from hubapp.sync import credentials, engine, files

    return (credentials.saved_address(store), credentials.from_environment(),
            credentials.has_keyring(), engine.pending_count(store),
            files.content_sync_on(store))  # fmt: skip


def content_sync_job(_ctx, store, on: bool) -> bool:
    from hubapp.sync import files

    files.set_content_sync(store, on)
    return on


def test_job(_ctx, store, url: str, timeout: float):
    from hubapp.sync import credentials

    return credentials.check_connection(store, url, timeout=timeout)


def save_job(_ctx, store, url: str, timeout: float):
    """Test, then save unless the server said no. (check, saved: bool, saved_address)."""
    from hubapp.sync import credentials, failures

    check = credentials.check_connection(store, url, timeout=timeout)
    if not check.ok and check.kind != failures.Kind.OFFLINE:
        return check, False, None
    saved = credentials.save(store, url)
    return check, saved, credentials.saved_address(store) if saved else None


def load_set_aside(_ctx, store):
    from hubapp.sync import inbound

    return inbound.open_entries(store)


def dismiss_set_aside(_ctx, store, entry_id: int) -> int:
    from hubapp.sync import inbound

    inbound.dismiss(store, entry_id)
    return entry_id


def forget_job(_ctx, store) -> int:
    from hubapp.sync import credentials, engine

    credentials.forget(store)
    return engine.pending_count(store)


class CentralDialog(QDialog):
    """Tools > Central database…"""

    #: a usable address was saved, or chosen for this session on a PC without a keyring
    addressChosen = Signal(str)
    #: the saved address and password were forgotten
    disconnected = Signal()
    #: a test or save finished: its sentence (for tests and the log)
    answered = Signal(str)
    #: the changes set aside were (re)loaded; their number
    setAsideLoaded = Signal(int)
    #: the station's sync of attachments' content was switched (on: True)
    contentSyncChanged = Signal(bool)

    def __init__(self, store, parent=None, *, timeout: float = 10.0) -> None:
        super().__init__(parent)
        self.setObjectName("centralDialog")
        self.setWindowTitle(tr("Central database"))
        self.store = store
        self.timeout = timeout
        self._busy = False
        self._saved: str | None = None
        self._from_env = False
        layout = QVBoxLayout(self)
        layout.addWidget(_plain(tr(
            "A station can share cases with other hubs through the county's central "
            "database. Paste the address that your administrator gave you (the last line "
            "that 'hubapp central add-station' printed). Its password is kept in this PC's "
            "keyring, never in a file, and never shown again."), self))  # fmt: skip
        self.current = _plain(tr("Reading this station's setting…"), self, "centralCurrent")
        layout.addWidget(self.current)
        form = QFormLayout()
        self.address = QLineEdit(self, objectName="centralAddress")
        self.address.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.address.setPlaceholderText("postgresql://ROLE:SECRET@SERVER:5432/hubapp")
        self.address.textEdited.connect(lambda _t: self.problem.setText(""))
        self.problem = _plain("", self, "centralProblem")
        self.problem.setStyleSheet("color: #b00020;")
        box = QVBoxLayout()
        box.addWidget(self.address)
        box.addWidget(self.problem)
        label = QLabel(tr("&Address:"), self)
        label.setBuddy(self.address)
        form.addRow(label, box)
        layout.addLayout(form)
        self.answer = _plain("", self, "centralAnswer")
        layout.addWidget(self.answer)
        # attachments' content: a station on a slow link may leave it off (hubapp.sync.files)
        self.attachments = QCheckBox(tr("Sync attachments' &files (photos, letters, documents)"),
                                     self, objectName="centralAttachments")  # fmt: skip
        self.attachments.setEnabled(False)
        self.attachments.clicked.connect(self.set_attachments)
        layout.addWidget(self.attachments)
        layout.addWidget(_plain(tr(
            "Switch this off on a slow link: the attachments' records still sync, and their "
            "files stay where they were added until it is on again. An attachment whose file "
            "has not reached this station says so when it is opened."), self,
            "centralAttachmentsNote"))  # fmt: skip
        buttons = QHBoxLayout()
        self.test_button = QPushButton(tr("&Test connection"), self, objectName="centralTest")
        self.save_button = QPushButton(tr("&Save"), self, objectName="centralSave")
        self.disconnect_button = QPushButton(tr("&Disconnect"), self,
                                             objectName="centralDisconnect")  # fmt: skip
        close = QPushButton(tr("Close"), self)
        for b in (self.test_button, self.save_button, self.disconnect_button, close):
            b.setAutoDefault(False)
        self.test_button.clicked.connect(self.test)
        self.save_button.clicked.connect(self.save)
        self.disconnect_button.clicked.connect(self.disconnect)
        close.clicked.connect(self.accept)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.disconnect_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        # what the central database sent that broke a rule (hubapp.sync.inbound)
        self.set_aside_intro = _plain(tr(
            "Changes from the central database that this station did not apply, because "
            "they broke a rule (a table or field a station never receives, a value of the "
            "wrong type, or a record this station cannot have). The other changes were "
            "applied. Tell your administrator; dismiss a line once it is dealt with."),
            self, "setAsideIntro")  # fmt: skip
        self.set_aside_model = SetAsideTableModel(self)
        self.set_aside_table = QTableView(self, objectName="setAsideTable")
        self.set_aside_table.setTabKeyNavigation(
            False
        )  # Tab moves on; the arrows move in the table
        self.set_aside_table.setAccessibleName(tr("Changes set aside"))
        self.set_aside_table.setModel(self.set_aside_model)
        self.set_aside_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.set_aside_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.set_aside_table.verticalHeader().hide()
        self.set_aside_table.setWordWrap(True)
        # the reason is what a person reads: it takes the room, the others what they need
        header = self.set_aside_table.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.Interactive,
                                       QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.ResizeToContents)):  # fmt: skip
            header.setSectionResizeMode(column, mode)
        header.resizeSection(0, 260)
        self.dismiss_button = QPushButton(tr("D&ismiss"), self, objectName="setAsideDismiss")
        self.dismiss_button.setAutoDefault(False)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        layout.addWidget(self.set_aside_intro)
        layout.addWidget(self.set_aside_table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.dismiss_button)
        layout.addLayout(row)
        self._show_set_aside(False)
        self.resize(620, 280)
        self._enable(False)
        task = Task(read_setup, self.store)
        task.succeeded.connect(self._read)
        task.failed.connect(said(self.current.setText))
        task.start()
        self.load_set_aside()

    # -- changes set aside -----------------------------------------------------------------
    def load_set_aside(self) -> Task:
        task = Task(load_set_aside, self.store)
        task.succeeded.connect(self._set_aside_loaded)
        task.failed.connect(said(self._say))
        return task.start()

    def _show_set_aside(self, shown: bool) -> None:
        for w in (self.set_aside_intro, self.set_aside_table, self.dismiss_button):
            w.setVisible(shown)
        if shown:
            self.resize(max(self.width(), 760), max(self.height(), 480))

    def _set_aside_loaded(self, rows) -> None:
        self.set_aside_model.set_rows(rows)
        self.set_aside_table.resizeRowsToContents()
        self._show_set_aside(bool(rows))
        if rows:
            self.set_aside_table.selectRow(0)
        self.setAsideLoaded.emit(len(rows))

    def dismiss_selected(self) -> Task | None:
        rows = self.set_aside_table.selectionModel().selectedRows()
        if not rows:
            return None
        entry = rows[0].data(SetAsideRole)
        task = Task(dismiss_set_aside, self.store, entry.id)
        task.succeeded.connect(lambda _id: self.load_set_aside())
        task.failed.connect(said(self._say))
        return task.start()

    # -- state ---------------------------------------------------------------------------
    def _read(self, result) -> None:
        saved, from_env, has_keyring, pending, content = result
        self._saved, self._from_env = saved, from_env
        self.attachments.setChecked(content)
        self.attachments.setEnabled(True)
        if from_env:
            text = tr("This PC gives hubapp its central address through the HUBAPP_CENTRAL_URL "
                      "setting; it is used instead of a saved one.")  # fmt: skip
        elif saved:
            text = tr("This station syncs with {address} (the password is in the keyring)."
                      ).format(address=saved)  # fmt: skip
        else:
            text = tr("No central database is set up: this station works on its own.")
        if not has_keyring:
            text += " " + tr("This PC has no keyring, so an address cannot be saved here.")
        if pending:
            text += " " + (tr("1 change is waiting to be sent.") if pending == 1 else
                           tr("{n} changes are waiting to be sent.").format(n=pending))  # fmt: skip
        self.current.setText(text)
        self._enable()

    def _enable(self, on: bool = True) -> None:
        ok = on and not self._busy
        self.test_button.setEnabled(ok)
        self.save_button.setEnabled(ok)
        self.disconnect_button.setEnabled(ok and self._saved is not None)
        self.address.setEnabled(ok)

    def _url(self) -> str | None:
        from urllib.parse import urlsplit

        from hubapp.sync.credentials import address_problem

        url = self.address.text().strip()
        problem = address_problem(url)
        if not problem and urlsplit(url).netloc.count("@") > 1:
            # the server follows the last @: the rest would be kept and shown as the role
            problem = tr("An @ in the role or password must be written %40; the address has "
                         "one @ only, before the server.")  # fmt: skip
        if problem:
            self.problem.setText(problem)
            self.address.setFocus()
            return None
        self.problem.setText("")
        return url

    def _run(self, fn, *args, ok) -> Task:
        self._busy = True
        self._enable(False)
        task = Task(fn, self.store, *args)
        task.succeeded.connect(ok)
        task.failed.connect(said(self._failed))
        task.finished.connect(self._idle)
        return task.start()

    def _idle(self) -> None:
        self._busy = False
        self._enable()

    def _failed(self, message: str) -> None:
        self._say(message)

    def _say(self, text: str) -> None:
        self.answer.setText(text)
        self.answered.emit(text)

    # -- buttons -------------------------------------------------------------------------
    def test(self) -> Task | None:
        url = self._url()
        if url is None:
            return None
        self.answer.setText(tr("Testing the connection…"))
        return self._run(test_job, url, self.timeout, ok=lambda c: self._say(c.sentence))

    def save(self) -> Task | None:
        url = self._url()
        if url is None:
            return None
        self.answer.setText(tr("Testing and saving…"))
        return self._run(save_job, url, self.timeout, ok=lambda r: self._saved_result(url, r))

    def _saved_result(self, url: str, result) -> None:
        check, saved, bare = result
        if not check.ok and check.kind != "offline":
            self._say(check.sentence + " " + tr("Nothing was saved."))
            return
        if saved:
            self._saved = bare
            self.address.clear()  # the password is never shown back
            self.current.setText(tr("This station syncs with {address} (the password is in "
                                    "the keyring).").format(address=bare))  # fmt: skip
            first = check.sentence if check.ok else tr(
                "Saved, although the server cannot be reached now.")  # fmt: skip
            self._say(first + " " + tr("Syncing starts now."))
        else:
            self._say(tr(
                "This PC has no keyring, so the address cannot be saved. Ask your IT support "
                "to set the environment variable HUBAPP_CENTRAL_URL to it for your account. "
                "Until hubapp closes, this station syncs with it."))  # fmt: skip
        self.addressChosen.emit(url)

    def set_attachments(self, on: bool) -> Task:
        """The checkbox was clicked: keep the choice (in the background)."""
        self.attachments.setEnabled(False)
        task = Task(content_sync_job, self.store, on)
        task.succeeded.connect(self._attachments_set)
        task.failed.connect(said(lambda text: self._attachments_refused(text, on)))
        task.finished.connect(lambda: self.attachments.setEnabled(True))
        return task.start()

    def _attachments_set(self, on: bool) -> None:
        self._say(tr("Attachments' files are synced again from the next sync.") if on else
                  tr("Attachments' files are no longer synced on this station; their records "
                     "still are."))  # fmt: skip
        self.contentSyncChanged.emit(on)

    def _attachments_refused(self, text: str, on: bool) -> None:
        self.attachments.setChecked(not on)  # as it was: nothing changed
        self._say(text)

    def disconnect(self) -> Task | None:
        if self._saved is None:
            return None
        return self._run(forget_job, ok=self._forgotten)

    def _forgotten(self, pending: int) -> None:
        self._saved = None
        text = tr("This station no longer syncs; its address and password are forgotten.")
        if pending:
            text += " " + tr("Its {n} change(s) waiting stay here and are sent if it is "
                             "connected again.").format(n=pending)  # fmt: skip
        if self._from_env:
            text += " " + tr("HUBAPP_CENTRAL_URL is still set on this PC: remove it too.")
        self.current.setText(tr("No central database is set up: this station works on its "
                                "own."))  # fmt: skip
        self._say(text)
        self.disconnected.emit()


# --- sharing a case ---------------------------------------------------------------------------


def sharing_setup(_ctx, store, case_id, timeout: float):
    """(url or None, [(code, name)] of the other hubs, [names shared with] or None)."""
    from hubapp.models.sync_status import central_url
    from hubapp.store import refdata, setup
    from hubapp.store.schema import Case, Hub
    from hubapp.sync import share
    from hubapp.sync.central import CentralError

    info = setup.current(store)
    hubs = [(h["code"], h["name"]) for h in refdata.read("hubs.toml")["hub"]
            if info is None or h["code"] != info.hub_code]  # fmt: skip
    url = central_url(None, store)
    if url is None:
        return None, hubs, None, ""
    with store.read() as s:
        case = s.get(Case, case_id)
        owner = s.get(Hub, case.hub_id) if case is not None else None
    if info is not None and owner is not None and owner.id != info.hub_id:
        return None, hubs, None, tr("This case belongs to {hub}: only that hub can share it or "
                                    "stop sharing it.").format(hub=owner.name)  # fmt: skip
    try:
        return url, hubs, share.shared_hubs(url, case_id, timeout=timeout), ""
    except CentralError as exc:
        return url, hubs, None, _sharing_sentence(exc)


def _sharing_sentence(exc) -> str:
    from hubapp.sync import failures, share

    failure = failures.classify(exc)
    if failure.kind == failures.Kind.OFFLINE:
        return share.OFFLINE
    return failure.sentence


def share_job(_ctx, store, url, case_id, reference, hub, on: bool, timeout: float,
              reason: str | None = None):  # fmt: skip
    from hubapp.sync import share
    from hubapp.sync.central import CentralError

    try:
        if on:
            _ref, name, _rows = share.share(store, url, reference, hub, reason=reason)
        else:
            _ref, name, _rows = share.unshare(store, url, reference, hub)
        return share.shared_hubs(url, case_id, timeout=timeout), name
    except CentralError as exc:
        raise CentralError(_sharing_sentence(exc)) from None


class SharingDialog(QDialog):
    """The case window's "Shared with…": which hubs see this case, share, stop sharing."""

    #: the list of hubs was read or changed (the names)
    listed = Signal(list)
    #: a share or unshare failed, or the list could not be read (the sentence)
    failed = Signal(str)

    def __init__(self, store, case_id, reference: str, parent=None, *,
                 timeout: float = 10.0) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("sharingDialog")
        self.setWindowTitle(tr("Case {ref}: shared with").format(ref=reference))
        self.store, self.case_id, self.reference = store, case_id, reference
        self.timeout = timeout
        self.url: str | None = None
        self._busy = True
        layout = QVBoxLayout(self)
        self.intro = _plain(tr("Reading who this case is shared with…"), self, "sharingIntro")
        layout.addWidget(self.intro)
        self.hub_list = QListWidget(self, objectName="sharedHubs")
        self.hub_list.setAccessibleName(tr("Hubs the case is shared with"))
        layout.addWidget(self.hub_list, 1)
        self.unshare_button = QPushButton(tr("S&top sharing with the selected hub"), self,
                                          objectName="unshareButton")  # fmt: skip
        self.unshare_button.clicked.connect(self.unshare_selected)
        layout.addWidget(self.unshare_button, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()
        self.hub_choice = QComboBox(self, objectName="shareHub")
        label = QLabel(tr("Share &with:"), self)
        label.setBuddy(self.hub_choice)
        self.share_button = QPushButton(tr("&Share"), self, objectName="shareButton")
        self.share_button.clicked.connect(self.share_chosen)
        row.addWidget(label)
        row.addWidget(self.hub_choice, 1)
        row.addWidget(self.share_button)
        layout.addLayout(row)
        self.message = _plain("", self, "sharingMessage")
        layout.addWidget(self.message)
        close = QPushButton(tr("Close"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.hub_list.currentRowChanged.connect(lambda _r: self._enable())
        self.resize(460, 340)
        self._enable()
        task = Task(sharing_setup, store, case_id, timeout)
        task.succeeded.connect(self._set_up)
        task.failed.connect(said(self._failed))
        task.start()

    def _enable(self) -> None:
        online = self.url is not None and not self._busy
        self.share_button.setEnabled(online and self.hub_choice.count() > 0)
        self.hub_choice.setEnabled(online)
        self.unshare_button.setEnabled(online and self.hub_list.currentRow() >= 0)

    def _set_up(self, result) -> None:
        url, hubs, shared, problem = result
        self._busy = False
        self.url = url
        for code, name in hubs:
            self.hub_choice.addItem(name, code)
        if url is None:
            self.intro.setText(problem or tr(
                "Sharing needs a central database, and none is set up on this station: an "
                "administrator can set one up in Tools > Central database…"))  # fmt: skip
        elif shared is None:
            self.intro.setText(problem)
            self.url = None  # nothing can be done offline
        else:
            self._show(shared)
        self._enable()

    def _show(self, shared: list) -> None:
        self.hub_list.clear()
        self.hub_list.addItems(shared)
        self.intro.setText(
            tr("This case is shared with:") if shared else
            tr("This case is not shared with another hub.")
        )  # fmt: skip
        self.listed.emit(list(shared))

    def _code(self, name: str) -> str:
        i = self.hub_choice.findText(name)
        return self.hub_choice.itemData(i) if i >= 0 else name

    def share_chosen(self) -> Task | None:
        code = self.hub_choice.currentData()
        if code is None or self.url is None:
            return None
        return self._change(code, True)

    def unshare_selected(self) -> Task | None:
        item = self.hub_list.currentItem()
        if item is None or self.url is None:
            return None
        return self._change(self._code(item.text()), False)

    def _change(self, code: str, on: bool, reason: str | None = None) -> Task:
        self._busy = True
        self._enable()
        self.message.setText(tr("Sharing…") if on else tr("Stopping sharing…"))
        task = Task(share_job, self.store, self.url, self.case_id, self.reference, code, on,
                    self.timeout, reason)  # fmt: skip
        task.succeeded.connect(lambda r: self._changed(r, on))
        task.failed.connect(said(self._failed))
        task.failed.connect(lambda exc: self._ask_reason(exc, code))
        return task.start()

    def _ask_reason(self, exc: BaseException, code: str) -> None:
        """No current sharing agreement with the police (hubapp.store.admin.sharing): ask a
        coordinator's reason, then share again with it."""
        from hubapp.store.admin.sharing import NoAgreement
        from hubapp.views.disclosure_reason import ask_reason

        if isinstance(exc, NoAgreement):
            self.reason_prompt = ask_reason(self, self.store, str(exc),
                                            lambda reason: self._change(code, True, reason))  # fmt: skip

    def _changed(self, result, on: bool) -> None:
        shared, name = result
        self._busy = False
        text = (
            tr("Shared with {hub}: its stations receive the case at their next sync.") if on
            else tr("No longer shared with {hub}: its stations forget the case at their next "
                    "sync.")
        )  # fmt: skip
        self.message.setText(text.format(hub=name))
        self._show(shared)
        self._enable()

    def _failed(self, message: str) -> None:
        self._busy = False
        self.message.setText(message)
        self.failed.emit(message)
        self._enable()
