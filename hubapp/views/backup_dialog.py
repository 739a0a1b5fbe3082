"""File > Back up now… and File > Restore from backup…: the copy is made, checked and
restored in the background with a progress bar and Cancel (cancelled, nothing is kept or
changed). The restore dialog also opens by itself when the database fails its start-up
check, with the newest backup chosen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hubapp.domain.formatting import as_tooltip
from hubapp.views.banner import ERROR, show_banner
from hubapp.views.progress import ProgressDialog

FILE_FILTER = "hubapp backups (*.sqlite3);;All files (*)"
KINDS = {"automatic": "Automatic (daily)", "by hand": "Made by hand",
         "before restore": "Kept before a restore"}  # fmt: skip
PathRole = Qt.ItemDataRole.UserRole


def tr(text: str) -> str:
    return QCoreApplication.translate("BackupDialog", text)


def size_text(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:,.1f} MB"
    return f"{max(1, round(n / 1000)):,} KB"


def _status_label(name: str) -> QLabel:
    label = QLabel(objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class BackupDialog(ProgressDialog):
    """Runs ``job(ctx, path) -> Verified`` in the background; ``default_path`` is offered."""

    backedUp = Signal(object)

    def __init__(self, job, default_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("backupDialog")
        self.setWindowTitle(tr("Back up now"))
        self._job = job
        self.result = None
        warning = _status_label("backupWarning")
        warning.setText(
            tr(
                "The backup is a full copy of the database: OFFICIAL-SENSITIVE personal data. "
                "Keep it only where it is protected. The copy is checked before it is kept."
            )
        )
        self.path = QLineEdit(str(default_path), objectName="backupPath")
        self.path.setMinimumWidth(380)
        self.browse = QPushButton(tr("C&hoose…"), objectName="backupBrowse")
        self.browse.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.add_progress("backup")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr("&Back up"))
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        label = QLabel(tr("Backup &file:"))
        label.setBuddy(self.path)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Back up to"), self.path.text(),
                                              tr(FILE_FILTER))  # fmt: skip
        if path:
            self.path.setText(path)

    def start(self) -> None:
        text = self.path.text().strip()
        if not text:
            self._show_problem(tr("Choose the file to write the backup to."))
            return
        for w in (self.path, self.browse, self.ok):
            w.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setStyleSheet("")
        self.status.setText(tr("Starting the backup…"))
        self.run_task(self._job, Path(text).expanduser())

    def cancelling_text(self) -> str:
        return tr("Cancelling… no backup will be kept.")

    def _on_done(self, verified) -> None:
        self.result = verified
        self.backedUp.emit(verified)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self._show_problem(message)
        for w in (self.path, self.browse, self.ok):
            w.setEnabled(True)

    def _show_problem(self, message: str) -> None:
        self.progress.hide()
        self.status.setText(message)
        self.status.setStyleSheet("color: #a4161a;")


class RestoreDialog(ProgressDialog):
    """Lists the backups (date, kind, size) and restores the chosen one with
    ``job(ctx, path) -> Restored`` in the background. ``prepare()`` is called first, on the
    GUI thread, and may refuse with a sentence (e.g. windows with unsaved work are open)."""

    restored = Signal(object)

    def __init__(self, backups, job, parent=None, *, problem: str = "", prepare=None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle(tr("Restore from backup"))
        self._job = job
        self._prepare = prepare
        self.result = None
        self.problem = QLabel(objectName="restoreProblem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        show_banner(self.problem, problem, ERROR)
        intro = _status_label("restoreIntro")
        intro.setText(
            tr(
                "Choose a backup to put back in place of the database. Whatever was saved "
                "after the backup was made will no longer be in the database; the database "
                "as it is now is kept in the backups folder, so nothing is thrown away."
            )
        )
        self.list = QTreeWidget(objectName="backupList")
        self.list.setAccessibleName(tr("Backups"))
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([tr("Made"), tr("Kind"), tr("Size"), tr("File")])
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.list.header().setStretchLastSection(True)
        for b in backups:
            item = QTreeWidgetItem([f"{b.when:%d/%m/%Y %H:%M}", tr(KINDS.get(b.kind, b.kind)),
                                    size_text(b.size), b.path.name])  # fmt: skip
            item.setData(0, PathRole, str(b.path))
            item.setToolTip(3, as_tooltip(str(b.path)))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        # the newest backup that is not a copy of a database replaced by a restore
        first = next((i for i, b in enumerate(backups) if b.kind != "before restore"), 0)
        if backups:
            self.list.setCurrentItem(self.list.topLevelItem(first))
        self.list.itemDoubleClicked.connect(lambda *_: self.start())
        self.none = _status_label("restoreNone")
        self.none.setText(tr("There are no backups in the backups folder; use Other file… to "
                             "choose one elsewhere."))  # fmt: skip
        self.none.setVisible(not backups)
        self.other = QPushButton(tr("&Other file…"), objectName="restoreOther")
        self.other.clicked.connect(self._choose_other)
        self.add_progress("restore")
        # a refused backup (another station's, or a log that does not prove itself whole):
        # what restoring it would lose is said above; an administrator may still restore it,
        # saying why (recorded in the audit log)
        self._refused_path: Path | None = None
        self.override_box = QWidget(objectName="restoreOverrideBox")
        self.override_reason = QLineEdit(objectName="restoreOverrideReason")
        self.override_reason.setPlaceholderText(tr("Why it must be restored all the same"))
        self.override_problem = QLabel(objectName="restoreOverrideProblem")
        self.override_problem.setTextFormat(Qt.TextFormat.PlainText)
        self.override_problem.setWordWrap(True)
        self.override_problem.setStyleSheet("color: #a4161a;")
        self.override_problem.hide()
        self.override_button = QPushButton(tr("Restore &anyway"), objectName="restoreOverride")
        self.override_button.setAutoDefault(False)
        self.override_button.clicked.connect(self.override)
        box = QVBoxLayout(self.override_box)
        box.setContentsMargins(0, 0, 0, 0)
        label = QLabel(tr("Restore it anyway, as an administrator: the &reason (recorded in the "
                          "audit log)"))  # fmt: skip
        label.setWordWrap(True)
        label.setBuddy(self.override_reason)
        box.addWidget(label)
        row = QHBoxLayout()
        row.addWidget(self.override_reason, 1)
        row.addWidget(self.override_button)
        box.addLayout(row)
        box.addWidget(self.override_problem)
        self.override_box.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr("&Restore…"))
        self.ok.setEnabled(bool(backups))
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problem)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.none)
        row = QHBoxLayout()
        row.addWidget(self.other)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.override_box)
        layout.addWidget(self.buttons)
        self.resize(640, 400)

    def chosen(self) -> Path | None:
        item = self.list.currentItem()
        return Path(item.data(0, PathRole)) if item is not None else None

    def _choose_other(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Restore from"), "", tr(FILE_FILTER))
        if path:
            item = QTreeWidgetItem(["", tr("Chosen file"), "", Path(path).name])
            item.setData(0, PathRole, path)
            self.list.insertTopLevelItem(0, item)
            self.list.setCurrentItem(item)
            self.ok.setEnabled(True)
            self.none.hide()

    def confirm(self, path: Path) -> bool:
        """Ask before replacing the database (a test answers it)."""
        item = self.list.currentItem()
        made = item.text(0) if item is not None and item.text(0) else path.name
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Restore from backup"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(tr("Replace the database with the backup made {0}?").format(made))
        box.setInformativeText(tr("Anything saved since then will be taken out of the "
                                  "database. The database as it is now is kept in the "
                                  "backups folder."))  # fmt: skip
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def start(self) -> None:
        if self.running():
            return
        path = self.chosen()
        if path is None or not self.confirm(path):
            return
        if self._prepare is not None:
            refusal = self._prepare()
            if refusal:
                self._show_problem(refusal)
                return
        self._run(path)

    def _run(self, path: Path, override: str = "") -> None:
        for w in (self.list, self.other, self.ok, self.override_box):
            w.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setStyleSheet("")
        self.status.setText(tr("Checking the backup…"))
        if override:
            self.run_task(self._job, path, override)
        else:
            self.run_task(self._job, path)

    def override(self) -> None:
        """Restore the refused backup anyway, with the reason typed beside the button."""
        if self.running() or self._refused_path is None:
            return
        reason = " ".join(self.override_reason.text().split())
        if not reason:
            self.override_problem.setText(tr("Say why it must be restored all the same."))
            self.override_problem.show()
            self.override_reason.setFocus()
            return
        self.override_problem.hide()
        self._run(self._refused_path, reason)

    def cancelling_text(self) -> str:
        return tr("Cancelling… the database will be left as it was.")

    def _on_done(self, restored) -> None:
        problems = getattr(restored, "problems", None)
        if problems is not None:  # refused: nothing was changed
            self._refused_path = self.chosen()
            self._on_failed(" ".join(problems) + " " + tr("Nothing was changed."))
            self.override_box.show()
            self.override_box.setEnabled(True)
            self.override_reason.setFocus()
            self.fit_height()
            return
        self.result = restored
        self.restored.emit(restored)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self._show_problem(message)
        for w in (self.list, self.other, self.ok, self.override_box):
            w.setEnabled(True)

    def _show_problem(self, message: str) -> None:
        self.progress.hide()
        self.status.setText(message)
        self.status.setStyleSheet("color: #a4161a;")
