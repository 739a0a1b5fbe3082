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
    (hub code, station name) -> None that raises with a readable message on failure."""

    def __init__(self, hubs, configure, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Set up this PC"))
        self.setModal(True)
        self._configure = configure
        self._bases = {}
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
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close, parent=self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Start"))
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Quit"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.quit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._touched = False
        self.station.textEdited.connect(self._on_edited)
        self.hub.currentIndexChanged.connect(self._suggest)
        self._suggest()
        self.setMinimumWidth(WIDTH)  # the hub names are never cut short
        self.resize(WIDTH, self.sizeHint().height())

    def _on_edited(self) -> None:
        self._touched = True
        self.error.hide()

    def _suggest(self) -> None:
        if not self._touched:
            self.station.setText(self._bases.get(self.hub.currentData(), ""))

    def answer(self) -> tuple[str, str]:
        return self.hub.currentData(), self.station.text()

    def accept(self) -> None:
        hub, station = self.answer()
        if hub is None:
            self._show_error(tr("Choose the hub this PC works for."))
            self.hub.setFocus()
            return
        if not " ".join(station.split()):
            self._show_error(tr("Enter the name of this station."))
            return
        try:
            self._configure(hub, station)
        except Exception as exc:  # worded for people by the core
            from hubapp.errors import describe

            self._show_error(describe(exc))
            return
        super().accept()

    def reject(self) -> None:
        # Escape or the window's close button: the app cannot work for no hub, so say so;
        # the Quit button leaves for real.
        self._show_error(tr("Choose the hub and station to carry on, or Quit."))

    def quit(self) -> None:
        super().reject()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.station.setFocus()
        # room for the message: grow in height if need be, never narrower than it was
        width = self.width()
        height = self.heightForWidth(width) if self.hasHeightForWidth() else -1
        self.resize(width, max(self.height(), height, self.minimumSizeHint().height()))
