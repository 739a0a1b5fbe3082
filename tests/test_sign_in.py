"""Signing in on the GUI: the dialog at start, the first administrator at first start."""

import pytest
from casework import controlled_window, off_the_gui_thread, when_shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from hubapp.store import accounts, setup
from hubapp.store.accounts import AccountDraft
from hubapp.views.sign_in import SignInDialog

PW = "correct horse battery"


@pytest.fixture
def with_admin(store):
    accounts.create_account(store, AccountDraft("boss", "Bea Boss", "administrator"), PW)
    return store


def _dialog(qtbot, store, **kw) -> SignInDialog:
    dialog = SignInDialog(lambda u, p: accounts.sign_in(store, u, p), **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def checked(qtbot, dialog) -> None:
    """Wait for the password check (it runs in the background)."""
    qtbot.waitUntil(lambda: dialog.checking is None, timeout=10_000)


def test_a_wrong_password_is_said_beside_the_field_and_enter_signs_in(qtbot, with_admin):
    store = with_admin
    dialog = _dialog(qtbot, store)
    assert dialog.focusWidget() is dialog.user
    qtbot.keyClicks(dialog.user, "Boss")
    qtbot.keyClick(dialog.user, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, "not my password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    checked(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    assert dialog.password_error.isVisibleTo(dialog)
    assert dialog.password_error.text() == "The user name or password is wrong."
    assert dialog.password_error.textFormat() == Qt.TextFormat.PlainText
    # the user name stays, the password is cleared, typing hides the sentence
    assert dialog.user.text() == "Boss" and dialog.password.text() == ""
    assert dialog.focusWidget() is dialog.password
    qtbot.keyClicks(dialog.password, PW)
    assert not dialog.password_error.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.signedIn) as signed:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert signed.args[0].user_name == "boss" and store.user == "boss"
    assert store.account.display_name == "Bea Boss"


def test_while_the_password_is_checked_the_dialog_waits_and_enter_checks_once(qtbot, with_admin):
    """The check runs in the background: the fields and buttons wait meanwhile, a second
    Enter does not check it twice, and the window stays responsive."""
    import threading

    store = with_admin
    gate = threading.Event()
    calls = []

    def sign_in(user, password):  # the real check, held until the test has looked
        calls.append(threading.get_ident())
        gate.wait(10)
        return accounts.sign_in(store, user, password)

    dialog = SignInDialog(sign_in)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.user, "boss")
    qtbot.keyClicks(dialog.password, PW)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(calls), timeout=5000)
    assert dialog.checking is not None and not dialog.ok_button.isEnabled()
    assert not dialog.password.isEnabled() and not dialog.buttons.isEnabled()
    dialog.accept()  # a second Enter while checking
    dialog.quit()  # and Quit: its outcome decides who is signed in, so it waits
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000):
        gate.set()
    assert len(calls) == 1 and calls[0] != threading.get_ident()
    assert dialog.result() == dialog.DialogCode.Accepted and store.user == "boss"


def test_escape_does_not_get_past_the_sign_in(qtbot, with_admin):
    dialog = _dialog(qtbot, with_admin)
    qtbot.keyClick(dialog.user, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert "Sign in to carry on, or Quit" in dialog.password_error.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Close).click()
    assert dialog.result() == dialog.DialogCode.Rejected and with_admin.account is None


def test_the_dialog_shows_the_wait_after_wrong_passwords(qtbot, with_admin):
    dialog = _dialog(qtbot, with_admin, user_name="boss")
    assert dialog.focusWidget() is dialog.password  # the name is given: straight to the password
    for _ in range(accounts.FREE_FAILURES + 1):
        qtbot.keyClicks(dialog.password, "a wrong guess")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        checked(qtbot, dialog)
    # said beside the user name: it is about the name, not this password
    assert dialog.user_error.text().startswith("Too many wrong attempts with this user name: wait ")
    assert not dialog.password_error.isVisibleTo(dialog)


def test_at_start_a_database_with_accounts_asks_who_signs_in(qtbot, with_admin):

    store = with_admin
    window, controller = controlled_window(qtbot, store)

    def quit_(d):
        d.buttons.button(QDialogButtonBox.StandardButton.Close).click()

    t = when_shown(QApplication.activeModalWidget, quit_)
    assert controller.sign_in() is False  # Quit: nothing opens
    t.stop()

    def sign(d):
        qtbot.keyClicks(d.user, "boss")
        qtbot.keyClicks(d.password, PW)
        qtbot.keyClick(d.password, Qt.Key.Key_Return)

    t = when_shown(QApplication.activeModalWidget, sign)
    assert controller.sign_in() is True
    assert store.user == "boss" and controller.idle is not None
    assert window.lock_action.isVisible() and window.accounts_action.isVisible()
    assert window.user_label.text() == "Signed in as Bea Boss"
    controller.idle.stop()


def test_a_database_without_accounts_opens_as_before(qtbot, store):

    window, controller = controlled_window(qtbot, store)
    assert controller.sign_in() is True  # no dialog: it would wait here for an answer
    assert controller.idle is None and store.account is None
    assert not window.lock_action.isVisible()
    # Tools > Accounts… makes the first administrator; from then on everyone signs in
    assert window.accounts_action.isVisible()
    dialog = controller.show_accounts()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)  # its list is read
    assert dialog.model.rowCount() == 0 and dialog.new_role.currentData() == "administrator"
    qtbot.keyClicks(dialog.new_user, "boss")
    qtbot.keyClicks(dialog.new_password, PW)
    qtbot.keyClicks(dialog.new_again, PW)

    def sign(d):
        qtbot.keyClicks(d.user, "boss")
        qtbot.keyClicks(d.password, PW)
        qtbot.keyClick(d.password, Qt.Key.Key_Return)

    t = when_shown(lambda: next((w for w in QApplication.topLevelWidgets()
                                 if isinstance(w, SignInDialog)), None), sign)  # fmt: skip
    assert dialog.add_account() is True  # closes the dialog; the sign-in follows
    qtbot.waitUntil(lambda: store.account is not None, timeout=10_000)
    t.stop()
    assert store.user == "boss" and controller.idle is not None
    assert window.lock_action.isVisible()
    controller.idle.stop()


def test_first_start_makes_the_first_administrator(qtbot, db_path):
    from hubapp.store.database import open_store
    from hubapp.views.first_start import FirstStartDialog

    store = open_store(db_path)
    window, controller = controlled_window(qtbot, store, station=False)
    seen = {}

    def answer(d: FirstStartDialog) -> None:
        seen["dialog"] = d
        ok = d.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        d.hub.setCurrentIndex(d.hub.findData("SLK"))
        qtbot.keyClicks(d.admin_user, "j.smith")
        qtbot.keyClicks(d.admin_name, "Jo Smith")
        qtbot.keyClicks(d.admin_password, "short")
        qtbot.keyClicks(d.admin_again, "short")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen["short"] = d.admin_errors["password"].text()
        # nothing saved on a problem
        seen["station_before"] = off_the_gui_thread(setup.current, store)
        d.admin_password.clear()
        d.admin_again.clear()
        qtbot.keyClicks(d.admin_password, "a long enough phrase")
        qtbot.keyClicks(d.admin_again, "a long enough phrase!")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen["differ"] = d.admin_errors["again"].text()
        seen["kept"] = (d.admin_user.text(), d.admin_name.text(), d.admin_password.text())
        qtbot.keyClicks(d.admin_again, "a long enough phrase")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    def safely(d) -> None:
        try:
            answer(d)
        finally:
            if d.isVisible():  # a failed step must not leave the test waiting
                d.quit()

    t = when_shown(QApplication.activeModalWidget, safely)
    try:
        assert controller.ensure_station() is True
        t.stop()
        assert seen["station_before"] is None
        assert "at least 10 characters" in seen["short"]
        assert seen["differ"] == "The two passwords differ; type it again."
        assert seen["kept"] == ("j.smith", "Jo Smith", "a long enough phrase")
        assert controller.db.station.hub_name == "South Lakeland"
        assert accounts.has_accounts(store)
        assert store.account.user_name == "j.smith" and store.account.is_admin
        assert store.account.hub_name == "South Lakeland"
        assert controller.sign_in() is True  # already signed in: no second question
    finally:
        if controller.idle is not None:
            controller.idle.stop()
        store.close()
