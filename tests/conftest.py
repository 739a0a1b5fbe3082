"""Shared fixtures. Qt runs off-screen; every database is a real SQLite file."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import
os.environ.pop("HUBAPP_DB", None)
os.environ.pop("HUBAPP_DATA_DIR", None)

import atexit  # noqa: E402
import contextlib  # noqa: E402
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

# Staff passwords are hashed at a test-only Argon2id cost in this process: the production
# cost (RFC 9106: 64 MiB, 3 passes, 4 lanes) takes most of a second a hash on a shared
# 2-core machine, and the suite hashes thousands of passwords. The hash is still Argon2id,
# checked by the same code. Tests marked ``production_password_cost`` run with the
# production hasher (test_accounts.py checks its parameters and the upgrade of a weaker hash).
from argon2 import PasswordHasher  # noqa: E402

from hubapp.store import accounts as _accounts  # noqa: E402

_PRODUCTION_HASHER = _accounts._hasher
_PRODUCTION_DUMMY_HASH = _accounts._dummy_hash
_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_TEST_DUMMY_HASH = _TEST_HASHER.hash("not anybody's password")
_accounts._hasher = lambda: _TEST_HASHER
_accounts._dummy_hash = lambda: _TEST_DUMMY_HASH


@pytest.fixture(autouse=True)
def _password_cost(request, monkeypatch):
    if request.node.get_closest_marker("production_password_cost"):
        monkeypatch.setattr(_accounts, "_hasher", _PRODUCTION_HASHER)
        monkeypatch.setattr(_accounts, "_dummy_hash", _PRODUCTION_DUMMY_HASH)


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


@pytest.fixture(scope="session")
def configured_template(tmp_path_factory) -> Path:
    """A new database set up as Carlisle Civic Centre, made once per worker process: each
    migration's commit waits for the disk, which made a new database a second or more of
    every test's time on a busy machine. ``store`` opens a copy of it."""
    from hubapp.store import setup
    from hubapp.store.database import open_store

    path = tmp_path_factory.mktemp("configured") / "hub.sqlite3"
    s = open_store(path)
    setup.configure(s, "Carlisle", "Carlisle Civic Centre")
    with s.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def store(db_path, configured_template):
    """A new station database (Carlisle Civic Centre), open: a copy of the set-up template,
    so no test sees another's writes."""
    from hubapp.store.database import open_store

    shutil.copy(configured_template, db_path)
    s = open_store(db_path)
    yield s
    s.close()


@contextlib.contextmanager
def _run_lock(path: Path):
    """Held by one worker process of the run at a time (POSIX advisory lock on ``path``)."""
    import fcntl

    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _make_demo(path: Path) -> None:
    from hubapp.store.database import open_store
    from hubapp.store.exchange import demo

    s = open_store(path)
    demo.generate(s, 3000, seed=7)
    with s.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A database with 3,000 demo cases, made once per test run and copied per test.

    Under pytest-xdist the first worker that needs it makes it in the run's shared temporary
    folder, with its key beside it; the others wait for it and put that key in their own
    keyring. Each test opens a copy, so no test sees another's writes."""
    from hubapp.store import keys

    if os.name != "posix" or not os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
        _make_demo(path)
        return path
    folder = tmp_path_factory.getbasetemp().parent / "demo-template"
    folder.mkdir(exist_ok=True)
    path, key_file = folder / "demo.sqlite3", folder / "demo.key"
    with _run_lock(folder / "lock"):
        if not key_file.exists():  # written last: a worker that failed half way left none
            for ending in ("", "-wal", "-shm"):
                path.with_name(path.name + ending).unlink(missing_ok=True)
            _make_demo(path)
            entry = keys._entry(keys.salt_of(path))
            tmp = key_file.with_suffix(".tmp")
            tmp.write_text(entry + "\n" + keyring.get_password(keys.SERVICE, entry))
            tmp.chmod(0o600)
            tmp.replace(key_file)
        else:
            entry, value = key_file.read_text().split("\n")
            keyring.set_password(keys.SERVICE, entry, value)
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
