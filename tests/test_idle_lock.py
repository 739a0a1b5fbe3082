"""The idle lock: with a clock the test moves, every window hides its data and asks again."""

import pytest
from casework import controlled_window, when_shown
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
)
from sqlalchemy import select

from hubapp.store import access, accounts
from hubapp.store.accounts import AccountDraft
from hubapp.store.schema import Case
from hubapp.views.idle_lock import LockScreen, is_lock_ui, locked_title

PW = "correct horse battery"
JO_PW = "kendal-river-otter"


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, minutes: float) -> None:
        self.t += minutes * 60


@pytest.fixture
def app_window(qtbot, demo_store):
    """The main window on demo data, signed in as an administrator, a clock to move."""

    store = demo_store
    accounts.create_account(store, AccountDraft("boss", "Bea Boss", "administrator"), PW)
    accounts.sign_in(store, "boss", PW)
    accounts.create_account(store, AccountDraft("jo", "Jo Partner", "partner"), JO_PW)
    window, controller = controlled_window(qtbot, store)
    clock = Clock()
    idle = controller.start_idle_lock(now=clock, poll_ms=10)
    assert controller.sign_in() is True
    window.attach(controller.db)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    yield window, controller, clock
    idle.stop()
    for w in list(controller.case_windows):
        w._closing = True
        w.close()


def _open_case(qtbot, controller, store):
    with store.read() as s:
        case_id, reference, summary = s.execute(
            select(Case.id, Case.reference, Case.summary).limit(1)
        ).one()
    w = controller.open_case(case_id)
    qtbot.waitUntil(lambda: w.view is not None, timeout=10_000)
    assert w.windowTitle() == f"{reference} – {summary}"
    return w, reference, summary


def _texts(window) -> list[tuple]:
    """Every visible widget of a window that shows text or records."""
    kinds = (QLabel, QLineEdit, QTextEdit, QPlainTextEdit, QAbstractItemView)
    found = [w for kind in kinds for w in window.findChildren(kind)]
    return [w for w in found if w.isVisible() and w.width() and w.height()]


def assert_hidden(window) -> None:
    """Nothing of the window shows past its lock screen."""
    screen = window.findChild(LockScreen)
    assert screen is not None and screen.isVisible()
    assert screen.geometry() == window.rect()
    assert window.windowTitle() == locked_title()
    # the lock screen is on top everywhere: whatever is under any point belongs to it
    for x in range(5, window.width(), max(1, window.width() // 12)):
        for y in range(5, window.height(), max(1, window.height() // 12)):
            under = window.childAt(QPoint(x, y))
            assert under is not None and is_lock_ui(under), (x, y, under)
    # and every widget with text or records lies wholly under it
    for w in _texts(window):
        if is_lock_ui(w):
            continue
        top_left = w.mapTo(window, QPoint(0, 0))
        rect = w.rect().translated(top_left).intersected(window.rect())
        assert rect.isEmpty() or screen.geometry().contains(rect), w


def test_idle_minutes_lock_every_window_and_hide_names(qtbot, app_window):
    window, controller, clock = app_window
    store = controller.db.store
    case_window, reference, summary = _open_case(qtbot, controller, store)
    main_title = window.windowTitle()
    idle = controller.idle
    assert idle.minutes == 10
    clock.advance(9.9)
    idle.check()  # what the timer calls: not yet
    assert not idle.locked
    clock.advance(0.2)
    qtbot.waitUntil(lambda: idle.locked, timeout=5_000)
    for w in (window, case_window):
        assert_hidden(w)
        assert summary not in w.windowTitle() and reference not in w.windowTitle()
    # a title set behind the lock (a case finishing loading) does not show either
    case_window.setWindowTitle(f"{reference} – {summary}")
    assert case_window.windowTitle() == locked_title()
    # a wrong password says so on the lock screen and stays locked
    screen = case_window.findChild(LockScreen)
    qtbot.keyClicks(screen.password, "a wrong guess")
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle.checking is None, timeout=10_000)  # checked in the background
    assert idle.locked and screen.error.text() == "The user name or password is wrong."
    assert screen.password.text() == ""
    # the right one opens every window, with its title back (the newest one)
    qtbot.keyClicks(screen.password, PW)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle.checking is None, timeout=10_000)
    assert not idle.locked
    assert window.findChild(LockScreen) is None or not window.findChild(LockScreen).isVisible()
    assert window.windowTitle() == main_title
    assert case_window.windowTitle() == f"{reference} – {summary}"
    assert store.user == "boss"


def test_input_keeps_it_open(qtbot, app_window):
    window, controller, clock = app_window
    idle = controller.idle
    clock.advance(9)
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    clock.advance(9)
    idle.check()
    assert not idle.locked and idle.idle_seconds() == pytest.approx(9 * 60)
    clock.advance(1)
    qtbot.waitUntil(lambda: idle.locked, timeout=5_000)


def test_ctrl_l_locks_at_once_and_shortcuts_do_nothing_behind_the_lock(qtbot, app_window):
    window, controller, _clock = app_window
    idle = controller.idle
    shown = window.detail.isVisible()
    window.details_action.trigger()
    assert window.detail.isVisible() != shown  # Ctrl+D's action works while open
    window.details_action.trigger()
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert idle.locked
    assert_hidden(window)
    qtbot.keyClick(window.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert window.detail.isVisible() == shown
    assert not controller.intake_windows and not controller.case_windows
    # typing goes nowhere but the lock screen
    qtbot.keyClicks(window.search, "Smith")
    assert window.search.text() == ""


def test_a_window_opened_while_locked_is_covered(qtbot, app_window):
    window, controller, _clock = app_window
    controller.idle.lock()
    box = QMessageBox(QMessageBox.Icon.Information, "CAR-2026-0001 – John Smith", "John Smith",
                      parent=window)  # fmt: skip
    box.show()
    qtbot.waitExposed(box)
    assert box.windowTitle() == locked_title()
    assert box.findChild(LockScreen).isVisible()
    controller.idle.unlock()
    assert box.windowTitle() == "CAR-2026-0001 – John Smith"
    box.close()


def test_wrong_passwords_on_the_lock_screen_make_the_next_try_wait(qtbot, app_window):
    window, controller, _clock = app_window
    controller.idle.lock()
    screen = window.findChild(LockScreen)
    for _ in range(accounts.FREE_FAILURES):
        qtbot.keyClicks(screen.password, "a wrong guess")
        qtbot.keyClick(screen.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: controller.idle.checking is None, timeout=10_000)
    qtbot.keyClicks(screen.password, PW)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.idle.checking is None, timeout=10_000)
    assert "Too many wrong attempts with this user name: wait" in screen.error.text()
    assert controller.idle.locked  # even the right password waits its turn


def _sign_in_as(qtbot, user, password):
    def act(d):
        d.user.clear()
        qtbot.keyClicks(d.user, user)
        qtbot.keyClicks(d.password, password)
        qtbot.keyClick(d.password, Qt.Key.Key_Return)

    return act


def test_someone_else_discards_the_open_edits_only_when_told(qtbot, app_window):
    window, controller, _clock = app_window
    store = controller.db.store
    case_window, _ref, summary = _open_case(qtbot, controller, store)
    case_window.summary_edit.setFocus()
    case_window.summary_edit.selectAll()
    qtbot.keyClicks(case_window.summary_edit, "Typed by Bea")
    controller.idle.lock()
    screen = window.findChild(LockScreen)

    # Cancel: nothing changes, the typing is still there
    def cancel(box):
        box.button(QMessageBox.StandardButton.Cancel).click()

    t = when_shown(lambda: controller.switch_box, cancel)
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    t.stop()
    assert controller.idle.locked and case_window.isVisible()
    assert case_window.summary_edit.text() == "Typed by Bea"

    # Discard, then Jo signs in
    def discard(box):
        assert "1 open case window(s) have changes Bea Boss has not saved yet." == box.text()
        box.button(QMessageBox.StandardButton.Discard).click()

    t1 = when_shown(lambda: controller.switch_box, discard)
    t2 = when_shown(lambda: controller.switch_dialog, _sign_in_as(qtbot, "jo", JO_PW))
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    t1.stop()
    t2.stop()
    assert not controller.idle.locked
    assert store.user == "jo" and store.account.display_name == "Jo Partner"
    assert not controller.case_windows
    with store.read() as s:  # as stored: Jo, a partner of another agency, may not see it
        assert s.scalar(select(Case.summary).where(Case.id == case_window.case_id)
                        .execution_options(**access.EVERY_ROW)) == summary  # fmt: skip
    assert window.user_label.text() == "Signed in as Jo Partner"
    assert not window.accounts_action.isVisible()  # Jo is no administrator


def test_someone_else_saves_the_open_edits_first(qtbot, app_window):
    window, controller, _clock = app_window
    store = controller.db.store
    case_window, _ref, _summary = _open_case(qtbot, controller, store)
    case_id = case_window.case_id
    case_window.summary_edit.setFocus()
    case_window.summary_edit.selectAll()
    qtbot.keyClicks(case_window.summary_edit, "Saved for Bea on switching")
    controller.idle.lock()
    screen = case_window.findChild(LockScreen)

    def save(box):
        box.button(QMessageBox.StandardButton.Save).click()

    t1 = when_shown(lambda: controller.switch_box, save)
    t2 = when_shown(lambda: controller.switch_dialog, _sign_in_as(qtbot, "jo", JO_PW))
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not controller.idle.locked, timeout=15_000)
    t1.stop()
    t2.stop()
    assert store.user == "jo"
    with store.read() as s:  # as stored: Jo, a partner of another agency, may not see it
        assert (s.get(Case, case_id, execution_options=access.EVERY_ROW).summary
                == "Saved for Bea on switching")  # fmt: skip
    from hubapp.store.schema import AuditEntry

    with store.read() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "case_").order_by(AuditEntry.id.desc())
        ).first()
    assert entry.user == "boss"  # saved as the person who typed it


def test_the_sign_in_for_someone_else_can_be_cancelled(qtbot, app_window):
    window, controller, _clock = app_window
    controller.idle.lock()
    screen = window.findChild(LockScreen)

    def cancel(d):
        d.buttons.button(QDialogButtonBox.StandardButton.Close).click()

    t = when_shown(lambda: controller.switch_dialog, cancel)
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    t.stop()
    assert controller.idle.locked and controller.db.store.user == "boss"
    assert_hidden(window)
    assert QApplication.activeModalWidget() is None


def test_other_open_windows_are_closed_only_when_told(qtbot, app_window):
    window, controller, _clock = app_window
    accounts_dialog = controller.show_accounts()
    qtbot.waitExposed(accounts_dialog)
    qtbot.keyClicks(accounts_dialog.new_name, "Half typed")
    controller.idle.lock()
    assert accounts_dialog.findChild(LockScreen).isVisible()
    screen = window.findChild(LockScreen)
    seen = {}

    def cancel(box):
        seen["text"] = box.text()
        assert box.button(QMessageBox.StandardButton.Save) is None  # nothing to save
        box.button(QMessageBox.StandardButton.Cancel).click()

    t = when_shown(lambda: controller.switch_box, cancel)
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    t.stop()
    assert seen["text"] == (
        "1 other window(s) will close: anything typed in them and not saved is lost."
    )
    assert accounts_dialog.isVisible() and accounts_dialog.new_name.text() == "Half typed"

    def close_them(box):
        box.button(QMessageBox.StandardButton.Discard).click()

    t1 = when_shown(lambda: controller.switch_box, close_them)
    t2 = when_shown(lambda: controller.switch_dialog, _sign_in_as(qtbot, "jo", JO_PW))
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    t1.stop()
    t2.stop()
    assert not accounts_dialog.isVisible() and controller.db.store.user == "jo"
    assert not controller.idle.locked
