"""Per-user (or shared) folders for the database, logs and drafts."""

from __future__ import annotations

from pathlib import Path

from hubapp import APP_NAME, ORG_NAME, settings

#: An installer on a PC shared by several Windows accounts sets this (machine-wide) so that
#: every account opens the same hub database. See installer/hubapp.nsi.
SHARED_DATA_ENV = "HUBAPP_DATA_DIR"
DB_ENV = "HUBAPP_DB"


def data_dir() -> Path:
    shared = settings.env(SHARED_DATA_ENV)
    if shared is not None:
        return shared
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, ORG_NAME, roaming=False))


def log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, ORG_NAME))


def default_db_path() -> Path:
    env = settings.env(DB_ENV)
    if env is not None:
        return env
    return data_dir() / "hub.sqlite3"


def backups_dir(db_path: Path) -> Path:
    """The folder for a database's backups: ``backups`` beside the database file."""
    return Path(db_path).absolute().parent / "backups"
