"""Tools > Accounts…: the list model and the administrator's dialog, on a real database."""

import pytest
from PySide6.QtCore import Qt

from hubapp.domain.codes import StaffRole
from hubapp.models.accounts import AccountRole, AccountTableModel
from hubapp.store import accounts, lookups
from hubapp.store.accounts import AccountDraft
from hubapp.views.accounts_dialog import AccountsDialog

PW = "correct horse battery"
JO_PW = "kendal-river-otter"


@pytest.fixture
def admin_store(store):
    accounts.create_account(store, AccountDraft("boss", "Bea Boss", "administrator"), PW)
    accounts.sign_in(store, "boss", PW)
    accounts.create_account(store, AccountDraft("jo", "Jo Partner", "partner"), JO_PW)
    return store


@pytest.fixture
def dialog(qtbot, admin_store):
    d = AccountsDialog(admin_store, None, lookups.load(admin_store))
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    settled(qtbot, d)
    return d


def settled(qtbot, dialog):
    """Wait until the dialog has read its list, or made a change (in the background)."""
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)


def test_the_model_passes_the_model_tester(qtmodeltester, admin_store):
    model = AccountTableModel()
    model.set_rows(accounts.list_accounts(admin_store))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert [model.index(0, c).data() for c in range(3)] == ["boss", "Bea Boss", "Administrator"]
    assert model.index(1, 6).data() == "never"
    assert model.index(1, 0).data(AccountRole).role == StaffRole.PARTNER
    assert model.flags(model.index(5, 0)) == Qt.ItemFlag.NoItemFlags
    model.set_rows([])
    qtmodeltester.check(model)


def _select(dialog, user_name):
    dialog.table.selectRow(dialog.model.row_of(user_name))
    assert dialog.selected().user_name == user_name


def test_add_shows_problems_beside_the_fields_and_keeps_the_typing(qtbot, dialog, admin_store):
    qtbot.keyClicks(dialog.new_user, "Jo")
    qtbot.keyClicks(dialog.new_name, "Another Jo")
    qtbot.keyClicks(dialog.new_password, JO_PW)
    qtbot.keyClicks(dialog.new_again, JO_PW)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.add_errors["user_name"].isVisible()
    assert dialog.add_errors["user_name"].text() == "There is already an account called 'Jo'."
    assert dialog.new_user.text() == "Jo" and dialog.new_name.text() == "Another Jo"
    dialog.new_user.clear()
    qtbot.keyClicks(dialog.new_user, "kim")
    qtbot.keyClicks(dialog.new_password, "short")
    qtbot.keyClicks(dialog.new_again, "short")
    qtbot.keyClick(dialog.new_again, Qt.Key.Key_Return)
    assert "at least 10 characters" in dialog.add_errors["password"].text()
    assert not dialog.add_errors["user_name"].isVisible()
    qtbot.keyClicks(dialog.new_password, JO_PW)
    qtbot.keyClicks(dialog.new_again, JO_PW + "!")
    qtbot.keyClick(dialog.new_again, Qt.Key.Key_Return)
    assert dialog.add_errors["again"].text() == "The two passwords differ; type it again."
    dialog.new_role.setCurrentIndex(dialog.new_role.findData("police"))
    dialog.new_agency.setCurrentIndex(dialog.new_agency.findText("Cumbria Constabulary"))
    dialog.new_hub.setCurrentIndex(dialog.new_hub.findText("Carlisle"))
    qtbot.keyClicks(dialog.new_password, JO_PW)
    qtbot.keyClicks(dialog.new_again, JO_PW)
    with qtbot.waitSignal(dialog.changed):
        qtbot.keyClick(dialog.new_again, Qt.Key.Key_Return)
    settled(qtbot, dialog)
    kim = accounts.get(admin_store, "kim")
    assert (kim.display_name, kim.role, kim.agency_name, kim.hub_name) == (
        "Another Jo", StaffRole.POLICE, "Cumbria Constabulary", "Carlisle")  # fmt: skip
    assert dialog.selected().user_name == "kim" and dialog.new_user.text() == ""
    assert dialog.new_password.text() == ""


def test_disable_unlock_role_and_password_of_the_selected_account(qtbot, dialog, admin_store):
    for _ in range(accounts.FREE_FAILURES):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(admin_store, "jo", "a wrong guess")
    dialog.reload()
    settled(qtbot, dialog)
    _select(dialog, "jo")
    row = dialog.model.row_of("jo")
    assert dialog.model.index(row, 5).data() == "3 wrong passwords in a row"
    assert dialog.unlock_button.isEnabled()
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.selected_message.text() == "jo is unlocked."
    assert dialog.model.index(row, 5).data() == "Active"
    qtbot.mouseClick(dialog.disable_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert accounts.get(admin_store, "jo").disabled
    assert dialog.disable_button.text() == "&Enable"
    qtbot.mouseClick(dialog.disable_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert not accounts.get(admin_store, "jo").disabled
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("coordinator"))
    qtbot.mouseClick(dialog.role_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert accounts.get(admin_store, "jo").role == StaffRole.COORDINATOR
    qtbot.keyClicks(dialog.reset_password, "a brand new phrase")
    qtbot.keyClicks(dialog.reset_again, "a brand new phrase")
    qtbot.keyClick(dialog.reset_again, Qt.Key.Key_Return)
    settled(qtbot, dialog)
    assert dialog.selected_message.text() == "The password of jo is changed."
    assert dialog.reset_password.text() == ""
    # the last administrator: the sentence beside the buttons, nothing changed
    _select(dialog, "boss")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("partner"))
    qtbot.mouseClick(dialog.role_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert "last administrator" in dialog.selected_error.text()
    assert dialog.selected_error.isVisible()
    assert accounts.get(admin_store, "boss").is_admin
    assert accounts.sign_in(admin_store, "jo", "a brand new phrase").user_name == "jo"


def test_idle_minutes_are_saved(qtbot, dialog, admin_store):
    assert dialog.idle_minutes.value() == 10
    dialog.idle_minutes.setValue(3)
    with qtbot.waitSignal(dialog.idleMinutesChanged) as saved:
        qtbot.mouseClick(dialog.idle_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert saved.args == [3] and accounts.idle_lock_minutes(admin_store) == 3
