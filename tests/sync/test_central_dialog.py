"""Tools > Central database…: test, save, disconnect, against the real PostgreSQL server.

The keyring is the test run's file keyring (tests/keyring_for_tests.py), never the machine's.
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import unquote, urlsplit, urlunsplit

import keyring
import psycopg
from PySide6.QtCore import QThreadPool

from hubapp.sync import central as central_mod
from hubapp.sync import credentials
from hubapp.views.central_dialog import CentralDialog


def _password(url: str) -> str:
    return unquote(urlsplit(url).password)


def _with_password(url: str, password: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, f"{p.username}:{password}@{p.hostname}:{p.port}", *p[2:]))


def _answer(qtbot, dialog, button) -> str:
    with qtbot.waitSignal(dialog.answered, timeout=20_000) as blocker:
        button.click()
    return blocker.args[0]


def _all_text(widget) -> str:
    from PySide6.QtWidgets import QLabel, QLineEdit

    texts = [w.text() for w in widget.findChildren(QLabel)]
    texts += [w.text() for w in widget.findChildren(QLineEdit)]
    return "\n".join(texts)


def test_test_connection_says_in_one_sentence_what_it_found(stations, central, qtbot):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    a.sync()  # binds A's role to A
    dialog = CentralDialog(b.store, timeout=3)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=5_000)

    dialog.address.setText("not an address")
    dialog.test_button.click()  # checked at once, next to the field, without the network
    assert dialog.problem.text().startswith("The address must start with postgresql://")

    dialog.address.setText(b.url)
    assert _answer(qtbot, dialog, dialog.test_button) == (
        "Connected as station Harraby of Carlisle."
    )
    assert not dialog.problem.text()
    dialog.address.setText(_with_password(b.url, "wrong"))
    assert _answer(qtbot, dialog, dialog.test_button).startswith(
        "Sign-in to the central database was refused"
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dialog.address.setText(f"postgresql://r:pw@127.0.0.1:{port}/hubapp")
    assert _answer(qtbot, dialog, dialog.test_button).startswith(
        "The central database cannot be reached"
    )
    dialog.address.setText(a.url)  # A's address on B's PC
    assert _answer(qtbot, dialog, dialog.test_button).startswith(
        "This address belongs to another station"
    )
    c_url = central_mod.add_station(central, "Copeland", "Whitehaven").url  # another hub
    dialog.address.setText(c_url)
    assert "belongs to a station of another hub, not Carlisle" in _answer(
        qtbot, dialog, dialog.test_button
    )
    with psycopg.connect(central, autocommit=True) as admin:
        admin.execute("UPDATE central_info SET value = '99' WHERE key = 'min_station_schema'")
    dialog.address.setText(b.url)
    assert "needs a newer version of hubapp" in _answer(qtbot, dialog, dialog.test_button)
    assert _password(b.url) not in _all_text(dialog).replace(dialog.address.text(), "")


def test_saving_starts_sync_at_once_and_disconnect_forgets_it(
    window, opened, stations, qtbot, caplog
):
    caplog.set_level(logging.DEBUG)
    a = stations("Carlisle", "Civic Centre")
    case = a.new_case("Waiting for a central database")
    controller = opened(a.path)
    runner = controller.start_sync(timeout=5)
    QThreadPool.globalInstance().waitForDone(5_000)
    qtbot.wait(50)
    assert not runner.is_configured and not window.sync_now_action.isVisible()
    assert window.central_action.isVisible()

    window.central_action.trigger()
    dialog = window.findChild(CentralDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert not dialog.disconnect_button.isEnabled()
    assert "No central database is set up" in dialog.current.text()
    dialog.address.setText(a.url)
    with qtbot.waitSignal(runner.roundFinished, timeout=30_000) as done:
        answer = _answer(qtbot, dialog, dialog.save_button)
    assert answer == "Connected as station Civic Centre of Carlisle. Syncing starts now."
    assert done.args == [True]
    assert a.pending() == 0 and window.sync_now_action.isVisible()
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Last sync"), timeout=5_000)
    # saved: the address without its password here, the password in the keyring
    assert dialog.address.text() == ""
    bare = credentials.saved_address(a.store)
    assert bare is not None and _password(a.url) not in bare
    role = unquote(urlsplit(a.url).username)
    assert keyring.get_password(credentials.SERVICE, role) == _password(a.url)
    assert credentials.load(a.store) == a.url
    assert bare in dialog.current.text()
    assert _password(a.url) not in _all_text(dialog)
    dialog.close()

    a.edit(case, summary="Edited after saving")
    window.central_action.trigger()
    dialog = [d for d in window.findChildren(CentralDialog) if d.isVisible()][0]
    qtbot.waitUntil(dialog.disconnect_button.isEnabled, timeout=5_000)
    assert bare in dialog.current.text() and "1 change is waiting" in dialog.current.text()
    answer = _answer(qtbot, dialog, dialog.disconnect_button)
    assert answer.startswith("This station no longer syncs")
    assert "1 change(s) waiting stay here" in answer
    assert credentials.saved_address(a.store) is None
    assert keyring.get_password(credentials.SERVICE, role) is None
    assert not runner.is_configured
    assert not window.sync_now_action.isVisible() and window.sync_label.isHidden()
    assert a.pending() == 1  # pending changes stay
    assert _password(a.url) not in caplog.text


def test_without_a_keyring_nothing_is_saved_and_the_dialog_says_what_to_do(
    window, opened, stations, qtbot, monkeypatch
):
    monkeypatch.setattr(credentials, "_keyring", lambda: None)
    a = stations("Carlisle", "Civic Centre")
    a.new_case()
    controller = opened(a.path)
    dialog = controller.show_central(timeout=5)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    assert "no keyring" in dialog.current.text()
    dialog.address.setText(a.url)
    answer = _answer(qtbot, dialog, dialog.save_button)
    assert answer.startswith("This PC has no keyring, so the address cannot be saved.")
    assert "HUBAPP_CENTRAL_URL" in answer
    assert credentials.saved_address(a.store) is None
    runner = controller.sync
    qtbot.waitUntil(lambda: runner.status is not None and not runner.syncing, timeout=30_000)
    assert a.pending() == 0  # it syncs with the address until hubapp closes


def test_a_wrong_address_is_not_saved(window, opened, stations, qtbot):
    a = stations("Carlisle", "Civic Centre")
    controller = opened(a.path)
    dialog = controller.show_central(timeout=5)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5_000)
    dialog.address.setText(_with_password(a.url, "old-password"))
    answer = _answer(qtbot, dialog, dialog.save_button)
    assert answer.startswith("Sign-in to the central database was refused")
    assert answer.endswith("Nothing was saved.")
    assert credentials.saved_address(a.store) is None
    assert controller.sync is None or not controller.sync.is_configured


def test_a_demo_database_is_never_connected(demo_store, central):
    check = credentials.check_connection(demo_store, "postgresql://r:pw@127.0.0.1:1/hubapp")
    assert not check.ok
    assert check.sentence == (
        "This is a demo database: demo data stays on this PC and is never synced."
    )
    assert not credentials.forget(demo_store)  # nothing saved, nothing to forget
