"""Shared fixtures. Qt runs off-screen; every database is a real SQLite file."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import
os.environ.pop("HUBAPP_DB", None)
os.environ.pop("HUBAPP_DATA_DIR", None)

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Keep QSettings and the per-user folders away from the real profile."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))


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
    from hubapp.store import demo
    from hubapp.store.database import open_store

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
