"""Unfinished reports (intake drafts): pick one to resume, or discard one."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from hubapp.domain.formatting import as_tooltip, format_datetime
from hubapp.models.tasks import LatestTask, said


def tr(text: str) -> str:
    return QCoreApplication.translate("DraftsDialog", text)


def list_job(_ctx, store, discard: int | None = None) -> list:
    """Background work: the station's drafts (after discarding draft ``discard``)."""
    from hubapp.store.intake import drafts

    if discard is not None:
        drafts.discard(store, discard)
    return drafts.list_drafts(store)


class DraftsDialog(QDialog):
    """Enter resumes the selected draft (``chosen`` holds its id); Delete discards it."""

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("draftsDialog")
        self.setWindowTitle(tr("Unfinished reports"))
        self.store = store
        self.chosen: int | None = None
        #: reading the list (or discarding a draft, then reading it)
        self._reading = LatestTask(self, self._show, said(self._failed))
        layout = QVBoxLayout(self)
        intro = QLabel(tr("Reports typed but not yet saved as cases, the latest first:"), self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QListWidget(self, objectName="draftsList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemActivated.connect(lambda _item: self.resume())
        intro.setBuddy(self.list)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        self.message = QLabel(self, objectName="draftsMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a4161a;")
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.discard_button = QPushButton(tr("&Discard…"), self)
        self.discard_button.setAutoDefault(False)
        self.discard_button.clicked.connect(self.discard)
        self.resume_button = QPushButton(tr("&Resume"), self)
        self.resume_button.setDefault(True)
        self.resume_button.clicked.connect(self.resume)
        close = QPushButton(tr("Close"), self)
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.resume_button)
        layout.addLayout(buttons)
        delete = QAction(self, shortcut=QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete.triggered.connect(self.discard)
        self.list.addAction(delete)
        self.resize(620, 360)
        self.reload()

    def reload(self, discard: int | None = None) -> None:
        """Read the drafts in the background (after discarding ``discard``)."""
        self.resume_button.setEnabled(False)
        self.discard_button.setEnabled(False)
        self._reading.start(list_job, self.store, discard)

    @property
    def loading(self) -> bool:
        return self._reading.running

    def _show(self, found: list) -> None:
        self.message.hide()
        self.list.clear()
        for d in found:
            title = d.title or tr("(nothing typed in the summary or location yet)")
            text = tr("{title}\nlast typed {when} by {user}").format(
                title=title, when=format_datetime(d.updated_at), user=d.user or tr("unknown")
            )
            item = QListWidgetItem(text)  # an item's text is plain: "<b>" shows as typed
            item.setToolTip(as_tooltip(text))  # a tooltip's is not, unless escaped
            item.setData(Qt.ItemDataRole.UserRole, d.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.resume_button.setEnabled(self.list.count() > 0)
        self.discard_button.setEnabled(self.list.count() > 0)
        self.list.setFocus()

    def _failed(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message.show()
        self.resume_button.setEnabled(self.list.count() > 0)
        self.discard_button.setEnabled(self.list.count() > 0)

    def _selected(self) -> int | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def resume(self) -> None:
        if self.loading:
            return
        draft_id = self._selected()
        if draft_id is not None:
            self.chosen = draft_id
            self.accept()

    def discard(self) -> None:
        draft_id = self._selected()
        if draft_id is None or self.loading:
            return
        answer = QMessageBox.question(
            self,
            tr("Discard this draft?"),
            tr("Discard the selected unfinished report? It cannot be recovered."),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Discard:
            self.reload(discard=draft_id)
