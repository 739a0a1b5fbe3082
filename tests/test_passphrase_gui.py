"""The database passphrase in the GUI, on a PC without a usable keyring: the first start asks
for one (twice), a later start asks for it again, a wrong one is said beside the field, Quit
leaves. Real encrypted files, real dialogs driven by qtbot."""

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from hubapp.store import errors, keys

GOOD = "correct horse battery staple"


@pytest.fixture
def no_keyring(monkeypatch):
    """This PC has no keyring (as a Linux desktop without Secret Service)."""
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv(keys.ENV_PASSPHRASE, raising=False)
    monkeypatch.setattr(keys, "ask_at_terminal", False)
    keys.forget_known()
    assert keys.keyring_backend() is None and keys.needs_new_passphrase()
    yield
    keyring.set_keyring(before)
    keys.forget_known()


@pytest.fixture
def window(qtbot):
    from hubapp.views.main_window import MainWindow

    w = MainWindow()
    w.remember_state = False
    qtbot.addWidget(w)
    return w


def when_shown(qtbot, cls, act):
    """Call ``act(dialog)`` once a modal ``cls`` dialog is up (dialogs shown with exec())."""
    done = []

    def poll():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, cls) and dialog.isVisible():
            done.append(dialog)
            act(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return done


def type_into(qtbot, edit, text):
    edit.clear()
    qtbot.keyClicks(edit, text)


class Outcome:
    def __init__(self):
        self.db = self.error = None
        self.quit = False

    def ready(self, db):
        self.db = db

    def failed(self, message):
        self.error = message

    def quitting(self):
        self.quit = True


def test_first_start_asks_for_a_passphrase_that_then_opens_the_database(
    qtbot, window, db_path, no_keyring
):
    from hubapp.gui import Controller
    from hubapp.store import database
    from hubapp.views.passphrase_dialog import NewPassphraseDialog

    seen = {}

    def answer(dialog):
        assert dialog.first.echoMode() == dialog.first.EchoMode.Password
        type_into(qtbot, dialog.first, "too short")
        type_into(qtbot, dialog.again, "too short")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        seen["short"] = dialog.error.isVisible() and dialog.error.text()
        type_into(qtbot, dialog.first, GOOD)
        type_into(qtbot, dialog.again, GOOD + "!")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        seen["differ"] = dialog.error.isVisible() and dialog.error.text()
        assert dialog.again.text() == "" and dialog.first.text() == GOOD  # nothing else lost
        type_into(qtbot, dialog.again, GOOD)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        seen["fields after"] = (dialog.first.text(), dialog.again.text())

    when_shown(qtbot, NewPassphraseDialog, answer)
    controller = Controller(window, db_path)
    outcome = Outcome()
    controller.start(outcome.ready, outcome.failed, outcome.quitting)
    qtbot.waitUntil(lambda: outcome.db is not None or outcome.error is not None, timeout=30_000)
    assert outcome.error is None and not outcome.quit
    assert seen["short"] == "The database passphrase must have at least 12 characters."
    assert seen["differ"] == "The two passphrases differ; type it again."
    assert seen["fields after"] == ("", "")
    assert GOOD not in os.environ.get(keys.ENV_PASSPHRASE, "")
    outcome.db.store.close()
    controller.db = None

    assert database.is_encrypted(db_path)
    assert GOOD.encode() not in db_path.read_bytes()
    # the start-up check and the daily backup open the file in the background, and each
    # remembers its key: they finish before the key is forgotten
    QThreadPool.globalInstance().waitForDone(30_000)
    keys.forget_known()  # a new process: only the passphrase opens it now
    with pytest.raises(errors.KeyUnavailable):
        database.open_store(db_path)
    with pytest.raises(errors.KeyUnavailable, match="neither"):
        database.open_store(db_path, passphrase="not the passphrase")
    store = database.open_store(db_path, passphrase=GOOD)
    try:
        assert store.station_id is None  # made, not yet set up: the first-start questions follow
    finally:
        store.close()


def test_quit_at_the_first_passphrase_makes_nothing(qtbot, window, db_path, no_keyring):
    from hubapp.gui import Controller
    from hubapp.views.passphrase_dialog import NewPassphraseDialog

    def answer(dialog):
        type_into(qtbot, dialog.first, GOOD)
        qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)

    shown = when_shown(qtbot, NewPassphraseDialog, answer)
    outcome = Outcome()
    Controller(window, db_path).start(outcome.ready, outcome.failed, outcome.quitting)
    assert shown and outcome.quit and outcome.db is None and outcome.error is None
    assert not db_path.exists()


@pytest.fixture
def encrypted_with_passphrase(db_path, no_keyring):
    from hubapp.store import setup
    from hubapp.store.database import open_store

    store = open_store(db_path, passphrase=GOOD)
    setup.configure(store, "Carlisle", "Carlisle Civic Centre")
    store.close()
    keys.forget_known()
    return db_path


def test_a_later_start_asks_for_the_passphrase_and_says_when_it_is_wrong(
    qtbot, window, encrypted_with_passphrase
):
    from hubapp.gui import Controller
    from hubapp.views.passphrase_dialog import PassphraseDialog

    controller = Controller(window, encrypted_with_passphrase)
    outcome = Outcome()
    controller.start(outcome.ready, outcome.failed, outcome.quitting)
    qtbot.waitUntil(lambda: outcome.error is not None, timeout=30_000)
    assert controller.key_missing(outcome.error) and outcome.db is None

    seen = {}

    def answer(dialog):
        assert dialog.edit.echoMode() == dialog.edit.EchoMode.Password
        type_into(qtbot, dialog.edit, "not the passphrase")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=30_000)
        seen["wrong"] = dialog.error.text()
        seen["still open"] = dialog.isVisible()
        type_into(qtbot, dialog.edit, GOOD)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    when_shown(qtbot, PassphraseDialog, answer)
    assert controller.ask_passphrase() is True
    assert seen == {"wrong": keys.WRONG_KEY, "still open": True}
    outcome.error = None
    controller.open(outcome.ready, outcome.failed)
    qtbot.waitUntil(lambda: outcome.db is not None or outcome.error is not None, timeout=30_000)
    assert outcome.error is None
    assert outcome.db.station.station_name == "Carlisle Civic Centre"
    outcome.db.store.close()
    controller.db = None


def test_cancel_at_the_passphrase_quits(qtbot, window, encrypted_with_passphrase):
    from hubapp.gui import Controller
    from hubapp.views.passphrase_dialog import PassphraseDialog

    def answer(dialog):
        type_into(qtbot, dialog.edit, "half typed")
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    shown = when_shown(qtbot, PassphraseDialog, answer)
    assert Controller(window, encrypted_with_passphrase).ask_passphrase() is False
    assert shown and not shown[0].isVisible() and shown[0].edit.text() == ""


def test_the_gui_quits_cleanly_at_cancel(tmp_path, encrypted_with_passphrase):
    """The whole program: Quit at the passphrase ends it with no error and no traceback."""
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from hubapp.views.passphrase_dialog import PassphraseDialog\n"
        "def poll():\n"
        "    d = QApplication.activeModalWidget()\n"
        "    if isinstance(d, PassphraseDialog):\n"
        "        print('asked', flush=True)\n"
        "        d.reject()\n"
        "    else:\n"
        "        QTimer.singleShot(20, poll)\n"
        "QTimer.singleShot(0, poll)\n"
        "from hubapp.app import run_gui\n"
        f"sys.exit(run_gui(__import__('pathlib').Path({str(encrypted_with_passphrase)!r})))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}  # fmt: skip
    env.pop(keys.ENV_PASSPHRASE, None)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=120, env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["asked"]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("command", [["setup", "--hub", "barrow", "--station", "Barrow"],
                                     ["demo", "--cases", "5"]])  # fmt: skip
def test_commands_without_a_keyring_say_how_to_give_a_passphrase(tmp_path, command):
    db = tmp_path / "hub.sqlite3"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop(keys.ENV_PASSPHRASE, None)
    r = subprocess.run([sys.executable, "-m", "hubapp", "--db", str(db), *command],
                       capture_output=True, text=True, timeout=120, env=env,
                       stdin=subprocess.DEVNULL)  # fmt: skip
    assert r.returncode != 0
    assert keys.ENV_PASSPHRASE in r.stderr and "passphrase" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "hubapp", "--db", str(db), *command],
                       capture_output=True, text=True, timeout=120,
                       env={**env, keys.ENV_PASSPHRASE: GOOD},
                       stdin=subprocess.DEVNULL)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert database_is_encrypted(db)


def database_is_encrypted(path):
    from hubapp.store.database import is_encrypted

    return is_encrypted(path)
