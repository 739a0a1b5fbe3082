"""The idle lock: after some minutes without keyboard or mouse input, every window of the
application hides what it shows and asks the signed-in person's password again.

Every visible window (the main window, case windows, forms, dialogs) is covered by a
:class:`LockScreen` filling it, its title is replaced (titles name cases and people), open
pop-ups close, and input to anything but the lock screens is held back (so shortcuts such as
Ctrl+N or Enter on the case list do nothing behind the lock). A window that opens or renames
itself while locked is covered and renamed too. The password unlocks every window at once;
"Sign in as someone else…" asks the composition (``switchRequested``) to deal with open
edits before another person signs in.

Time comes from ``now`` (seconds, ``time.monotonic`` by default) so that tests move the clock
instead of waiting; a timer only polls it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from hubapp import APP_DISPLAY_NAME
from hubapp.views.sign_in import LOCK_UI, error_label

log = logging.getLogger(__name__)

#: how often the idle time is looked at (the lock comes at most this late)
POLL_MS = 5_000

_INPUT = {
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
}  # fmt: skip
#: held back from everything but the lock screens while locked
_BLOCKED = _INPUT | {
    QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride, QEvent.Type.ContextMenu,
    QEvent.Type.Drop, QEvent.Type.DragEnter,
}  # fmt: skip
_SKIPPED_WINDOWS = (Qt.WindowType.ToolTip, Qt.WindowType.Popup, Qt.WindowType.SplashScreen)


def tr(text: str) -> str:
    return QCoreApplication.translate("IdleLock", text)


def locked_title() -> str:
    return tr("Locked") + f" — {APP_DISPLAY_NAME}"


class LockScreen(QFrame):
    """What a locked window shows: who is signed in and a password field (no case data)."""

    unlockRequested = Signal(object, str)  # (this screen, password)
    switchRequested = Signal()

    def __init__(self, window: QWidget, who: str) -> None:
        super().__init__(window)
        self.setObjectName("lockScreen")
        self.setProperty(LOCK_UI, True)
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setStyleSheet("#lockScreen { background: #1d3557; } #lockScreen QLabel "
                           "{ color: white; } #lockScreen QLabel#lockError "
                           "{ color: #ffd6d6; }")  # fmt: skip
        self.title = QLabel(tr("This window is locked"), self, objectName="lockTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.who = QLabel(self, objectName="lockWho")
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        self.who.setWordWrap(True)
        self.password = QLineEdit(self, objectName="lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(256)
        self.password.setPlaceholderText(tr("Password"))
        self.password.setAccessibleName(tr("Password"))
        self.password.setMaximumWidth(320)
        self.error = error_label(self, "lockError")
        self.unlock_button = QPushButton(tr("&Unlock"), self, objectName="unlockButton")
        self.switch_button = QPushButton(tr("Sign in as &someone else…"), self,
                                         objectName="switchUserButton")  # fmt: skip
        for button in (self.unlock_button, self.switch_button):
            button.setAutoDefault(False)  # Enter belongs to the password field
        buttons = QHBoxLayout()
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(self.title)
        column.addWidget(self.who)
        column.addWidget(self.password)
        column.addWidget(self.error)
        column.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(column, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.set_who(who)
        self.password.returnPressed.connect(self._unlock)
        self.unlock_button.clicked.connect(self._unlock)
        self.switch_button.clicked.connect(self.switchRequested)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 (Qt's names)
        # Tab goes round the lock screen's own controls, never to the window behind it
        # (whose keys are blocked while locked: the focus would be stuck there)
        stops = [w for w in (self.password, self.unlock_button, self.switch_button)
                 if w.isEnabled() and w.isVisible()]  # fmt: skip
        if not stops:
            return True
        focus = QApplication.focusWidget()
        i = stops.index(focus) if focus in stops else -1
        stops[(i + (1 if next else -1)) % len(stops)].setFocus(
            Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
        )
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Enter in the password field ends here: it must never reach a dialog behind the
        # lock (its default button) once the window has unlocked
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def set_who(self, who: str) -> None:
        self.who.setText(
            tr("Signed in as {0}. Type the password to carry on.").format(who)
            if who
            else tr("Type the password to carry on.")
        )

    def _unlock(self) -> None:
        self.unlockRequested.emit(self, self.password.text())

    def set_checking(self, checking: bool) -> None:
        """While the password is checked: nothing to press twice, and it says so."""
        for w in (self.password, self.unlock_button, self.switch_button):
            w.setEnabled(not checking)
        self.unlock_button.setText(tr("Checking…") if checking else tr("&Unlock"))
        if not checking:
            self.password.setFocus()

    def show_error(self, text: str) -> None:
        self.password.clear()
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.password.setFocus()

    def cover(self) -> None:
        parent = self.parentWidget()
        self.setGeometry(parent.rect())
        self.show()
        self.raise_()


def _confirm(_ctx, confirm: Callable[[str], object], password: str):
    """Background work: the lock screen's password check (raises its refusal)."""
    return confirm(password)


def is_lock_ui(widget) -> bool:
    """A widget of the lock or sign-in screens (its own window or a lock screen holds it)."""
    w = widget
    while w is not None:
        if w.property(LOCK_UI):
            return True
        w = w.parentWidget()
    return False


class IdleLock(QObject):
    """Watches input across the application and locks every window when idle.

    ``confirm(password)`` raises with one sentence when the password is wrong (it is
    ``accounts.confirm`` bound to the store); ``who()`` names the signed-in person.
    """

    lockedChanged = Signal(bool)
    switchRequested = Signal()

    def __init__(
        self,
        confirm: Callable[[str], object],
        who: Callable[[], str],
        minutes: int = 10,
        *,
        now: Callable[[], float] = time.monotonic,
        poll_ms: int = POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._confirm = confirm
        self._who = who
        self._now = now
        self.minutes = minutes
        self._last_input = now()
        self._locked = False
        self._covers: dict[QWidget, LockScreen] = {}
        self._titles: dict[QWidget, str] = {}
        self._focus: QWidget | None = None
        #: the password being checked in the background, or None
        self.checking = None
        self._timer = QTimer(self, interval=poll_ms)
        self._timer.timeout.connect(self.check)
        app = QApplication.instance()
        app.installEventFilter(self)
        self._timer.start()

    # -- state ----------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self._locked

    def set_minutes(self, minutes: int) -> None:
        self.minutes = max(1, int(minutes))

    def idle_seconds(self) -> float:
        return self._now() - self._last_input

    def check(self) -> None:
        """Lock if nothing was typed or clicked for ``minutes`` (the timer calls this)."""
        if not self._locked and self.idle_seconds() >= self.minutes * 60:
            log.info("Locking after %.0f s without input", self.idle_seconds())
            self.lock()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # -- locking --------------------------------------------------------------------------
    def lock(self) -> None:
        """Cover every window now (also File > Lock, Ctrl+L)."""
        if self._locked:
            return
        self._locked = True
        focus = QApplication.focusWidget()
        self._focus = focus if focus is not None and not is_lock_ui(focus) else None
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        for window in QApplication.topLevelWidgets():
            if self._coverable(window):
                self._cover(window)
        self._focus_lock_screen()
        self.lockedChanged.emit(True)

    def unlock(self) -> None:
        if not self._locked:
            return
        self._locked = False
        for window, screen in list(self._covers.items()):
            if isValid(screen):
                screen.hide()
                screen.deleteLater()
            if isValid(window) and window in self._titles:
                window.setWindowTitle(self._titles[window])
        self._covers.clear()
        self._titles.clear()
        self._last_input = self._now()
        if self._focus is not None and isValid(self._focus) and self._focus.isVisible():
            self._focus.setFocus()
        self._focus = None
        self.lockedChanged.emit(False)

    def screens(self) -> list[LockScreen]:
        return [s for s in self._covers.values() if isValid(s)]

    def covered_windows(self) -> list[QWidget]:
        return [w for w in self._covers if isValid(w)]

    def _coverable(self, window) -> bool:
        return (
            isValid(window)
            and window.isWindow()
            and window.isVisible()
            and window.windowType() not in _SKIPPED_WINDOWS
            and not window.property(LOCK_UI)
            and window not in self._covers
        )

    def _cover(self, window: QWidget) -> None:
        screen = LockScreen(window, self._who())
        screen.unlockRequested.connect(self._try_unlock)
        screen.switchRequested.connect(self.switchRequested)
        self._covers[window] = screen
        self._titles[window] = window.windowTitle()
        window.setWindowTitle(locked_title())
        screen.cover()
        window.destroyed.connect(lambda *_a, w=window: self._forget(w))

    def _forget(self, window) -> None:
        self._covers.pop(window, None)
        self._titles.pop(window, None)

    def _focus_lock_screen(self) -> None:
        active = QApplication.activeWindow()
        screen = self._covers.get(active) if active is not None else None
        if screen is None:
            screens = self.screens()
            screen = screens[0] if screens else None
        if screen is not None:
            screen.password.setFocus()

    def _try_unlock(self, screen: LockScreen, password: str) -> None:
        """Check the password in the background (hashing it, and the wait after wrong ones,
        never hold the windows); every lock screen waits for the answer meanwhile."""
        from hubapp.models.tasks import Task

        if self.checking is not None:
            return  # already checking: a second Enter does not check it twice
        if not password:
            screen.show_error(tr("Type your password."))
            return
        task = Task(_confirm, self._confirm, password)
        task.succeeded.connect(lambda _account: self._confirmed())
        task.failed.connect(lambda exc: self._not_confirmed(screen, exc))
        self.checking = task
        self._set_checking(True)
        task.start()

    def _set_checking(self, checking: bool) -> None:
        for screen in self.screens():
            screen.set_checking(checking)

    def _confirmed(self) -> None:
        self.checking = None
        self._set_checking(False)
        self.unlock()

    def _not_confirmed(self, screen: LockScreen, exc: BaseException) -> None:
        from hubapp.models.tasks import user_message

        self.checking = None
        self._set_checking(False)
        if isValid(screen):
            screen.show_error(user_message(exc))

    # -- watching input -------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if not self._locked:
            if kind in _INPUT:
                self._last_input = self._now()
            return False
        if not isinstance(obj, QWidget):
            # shortcuts are sent to their QAction or QShortcut, not to a widget
            return kind == QEvent.Type.Shortcut
        if kind in _BLOCKED:
            return not is_lock_ui(obj)
        if kind == QEvent.Type.Show and obj.isWindow():
            if obj.windowType() == Qt.WindowType.Popup and not is_lock_ui(obj):
                QTimer.singleShot(0, lambda w=obj: isValid(w) and w.close())
            elif self._coverable(obj):
                self._cover(obj)
        elif kind == QEvent.Type.WindowTitleChange and obj in self._covers:
            title = obj.windowTitle()
            if title != locked_title():
                self._titles[obj] = title  # restored on unlock
                obj.setWindowTitle(locked_title())
        elif kind == QEvent.Type.Resize and obj in self._covers:
            self._covers[obj].setGeometry(obj.rect())
        elif kind == QEvent.Type.ChildAdded and obj in self._covers:
            # a widget added behind the lock (a page made late) stays behind it
            QTimer.singleShot(0, lambda s=self._covers[obj]: isValid(s) and s.raise_())
        return False
