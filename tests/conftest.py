"""Shared fixtures. Qt runs off-screen; every database is a real SQLite file."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import
os.environ.pop("HUBAPP_DB", None)
os.environ.pop("HUBAPP_DATA_DIR", None)

import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

# Every test database is encrypted, as in use. The keys go to one file of the run through a
# test keyring backend (never the machine's keyring), which the hubapp processes that tests
# start load too, through keyringrc.cfg in their configuration folder.
_KEYS = Path(tempfile.mkdtemp(prefix="hubapp-test-keys-"))
atexit.register(shutil.rmtree, _KEYS, ignore_errors=True)
os.environ["HUBAPP_TEST_KEYRING"] = str(_KEYS / "keyring.json")
os.environ.pop("HUBAPP_DB_PASSPHRASE", None)
os.environ.pop("PYTHON_KEYRING_BACKEND", None)


def _keyring_config(config_home: Path) -> None:
    folder = config_home / "python_keyring"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keyringrc.cfg").write_text(
        "[backend]\ndefault-keyring = keyring_for_tests.FileKeyring\n"
        f"keyring-path = {Path(__file__).resolve().parent}\n"
    )


_keyring_config(_KEYS / "config")
os.environ["XDG_CONFIG_HOME"] = str(_KEYS / "config")  # until a test sets its own

import keyring  # noqa: E402
from keyring_for_tests import FileKeyring  # noqa: E402

keyring.set_keyring(FileKeyring())


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Keep QSettings and the per-user folders away from the real profile."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    _keyring_config(home / "config")


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "hub.sqlite3"


@pytest.fixture
def store(db_path):
    from hubapp.store import setup
    from hubapp.store.database import open_store

    s = open_store(db_path)
    setup.configure(s, "Carlisle", "Carlisle Civic Centre")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A database with 3,000 demo cases, made once per test run and copied per test."""
    from hubapp.store.database import open_store
    from hubapp.store.exchange import demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    s = open_store(path)
    demo.generate(s, 3000, seed=7)
    with s.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def demo_store(demo_template, tmp_path):
    from hubapp.store.database import open_store

    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    s = open_store(path)
    yield s
    s.close()


@pytest.fixture
def window(qtbot):
    """The main window, shown, remembering nothing of its size and place."""
    from hubapp.views.main_window import MainWindow

    w = MainWindow()
    w.remember_state = False
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MB tmpfs of its own, for full-disk tests. Mounting needs root, as the tests have
    on CI; skipped, with the reason, only where it is impossible."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for a full disk needs root")
    if shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs the mount command (util-linux)")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", str(disk)],
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
        if os.path.ismount(disk):
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.fixture(autouse=True)
def _drain_thread_pool():
    """No background task outlives its test."""
    yield
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QCoreApplication, QThreadPool

        QThreadPool.globalInstance().waitForDone(30_000)
        if QCoreApplication.instance() is not None:
            QCoreApplication.processEvents()


# Screens reach the database only through background tasks (tests/gui_thread.py): every
# test fails where a screen opened a unit of work of the store on the GUI thread.
import gui_thread  # noqa: E402

from hubapp.store.database import Store  # noqa: E402

_GUI_THREAD_WATCH = gui_thread.Watch()
gui_thread.install(Store, _GUI_THREAD_WATCH)


@pytest.fixture(autouse=True)
def _no_database_work_on_the_gui_thread(request):
    _GUI_THREAD_WATCH.found.clear()
    yield _GUI_THREAD_WATCH
    found = sorted(set(_GUI_THREAD_WATCH.found))
    _GUI_THREAD_WATCH.found.clear()
    if found and not request.node.get_closest_marker("gui_thread_database_work"):
        pytest.fail(
            "a screen used the database on the GUI thread: " + "; ".join(found), pytrace=False
        )


@pytest.fixture(scope="session")
def makensis() -> str:
    """The NSIS compiler, for the installer's tests (skipped where it is not installed)."""
    import shutil

    exe = shutil.which("makensis")
    if exe is None:
        pytest.skip("makensis is not installed (Debian: apt-get install nsis)")
    return exe
