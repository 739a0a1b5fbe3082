"""Every setting of hubapp, declared once: where it lives, its type, default and meaning.

Three places hold a setting:

* **local settings**: rows of ``local_setting`` in the hub database (this station's own
  answers; never synced). Read and written through a session of the store, inside its
  transaction, so an audited change and its audit entry commit together::

      with store.write(reason="...") as s:
          settings.local(s)["idle_lock_minutes"] = 15

  The few places that work on a raw connection (the audit log's anchor, a pull's own marker)
  use :func:`local_sql` in the same way.
* **window settings**: ``QSettings`` of the Windows account (window state only: geometry,
  column layouts, the last agency chosen). This module stays free of Qt; the adapter
  :class:`hubapp.models.window_settings.WindowSettings` reads and writes them through these
  declarations.
* **environment variables**: the ``HUBAPP_*`` variables a PC, a scheduled task or the tests
  set, read with :func:`env`. An empty variable counts as not set. A secret (a passphrase or a
  password) is never logged or shown: no listing or error message here includes its value.

A name that is not declared here is refused (:class:`UnknownSetting`), so a typo fails at
once; a value that does not read as its type raises :class:`SettingError` with one sentence.
``docs/settings.md`` shows :func:`markdown_table` (a test keeps the two the same); run
``python -m hubapp.settings`` to print it. The model is MusicBrainz Picard's ``options.py``.

This module imports nothing heavy (no Qt, no SQLAlchemy): the window reads its settings
before the ORM is loaded.
"""

from __future__ import annotations

import copy
import enum
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingError(ValueError):
    """A setting's value does not read as its type; the message is one sentence."""


class UnknownSetting(LookupError):
    """A name that is not declared in this module."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Where(enum.Enum):
    LOCAL = "local setting"
    WINDOW = "window setting"
    ENVIRONMENT = "environment variable"


# --- types ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Type:
    """How a setting's value is kept: ``decode`` takes the stored text (or the object
    QSettings gives back) and returns the value or raises ValueError; ``encode`` the other
    way, refusing a value of another type."""

    label: str
    #: what a good value is, for the error sentence ("a whole number")
    expected: str
    python: type | tuple[type, ...]

    def decode(self, raw: object) -> object:
        raise NotImplementedError

    def encode(self, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, self.python):
            raise TypeError(f"a {self.label} setting takes {self.expected}")
        return str(value)


class _Text(Type):
    def decode(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return raw


class _Int(Type):
    def decode(self, raw: object) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if not isinstance(raw, str):
            raise ValueError(raw)
        return int(raw)


class _Uuid(Type):
    def decode(self, raw: object) -> uuid.UUID:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return uuid.UUID(raw)


class _Path(Type):
    def decode(self, raw: object) -> Path:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return Path(raw)


class _Flag(Type):
    """A marker: the row's presence means yes (whatever its value), its absence no."""

    def decode(self, raw: object) -> bool:
        return True

    def encode(self, value: object) -> str:
        if not isinstance(value, bool):
            raise TypeError("a flag setting takes True or False")
        return "1"


class _JsonObject(Type):
    def decode(self, raw: object) -> dict:
        if not isinstance(raw, str):
            raise ValueError(raw)
        value = json.loads(raw)
        if not isinstance(value, dict):
            raise ValueError(raw)
        return value

    def encode(self, value: object) -> str:
        if not isinstance(value, dict):
            raise TypeError("a JSON setting takes a dict")
        return json.dumps(value, sort_keys=True)


class _Bytes(Type):
    def decode(self, raw: object) -> bytes:
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise ValueError(raw)
        return bytes(raw)

    def encode(self, value: object) -> bytes:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError("a bytes setting takes bytes")
        return bytes(value)


class _Map(Type):
    """A map of names to lists of text, kept as QSettings keeps a dict."""

    def decode(self, raw: object) -> dict:
        if not isinstance(raw, dict):
            raise ValueError(raw)
        return dict(raw)

    def encode(self, value: object) -> dict:
        if not isinstance(value, dict):
            raise TypeError("a map setting takes a dict")
        return dict(value)


TEXT = _Text("text", "text", str)
INT = _Int("whole number", "a whole number", int)
UUID = _Uuid("uuid", "a UUID", uuid.UUID)
PATH = _Path("path", "a file or folder path", (str, Path))
FLAG = _Flag("flag (row present)", "True or False", bool)
JSON = _JsonObject("JSON object", "a JSON object", dict)
BYTES = _Bytes("bytes", "bytes", bytes)
MAP = _Map("map", "a map", dict)


# --- declarations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One declared setting. A window setting's name may hold ``{part}`` fields, filled in
    when it is read (one key per hub, say)."""

    where: Where
    name: str
    type: Type
    default: object
    description: str
    #: never logged or shown (passphrases, passwords)
    secret: bool = False
    #: read by the test run only, never by hubapp in use
    tests_only: bool = False

    def decode(self, raw: object) -> object:
        """The value of ``raw`` (stored text, or what QSettings gives back), or SettingError
        with one sentence (naming the value, unless the setting is a secret)."""
        try:
            return self.type.decode(raw)
        except (TypeError, ValueError):
            raise SettingError(self.problem(raw)) from None

    def encode(self, value: object) -> object:
        """What to keep for ``value``; TypeError for a value of another type."""
        return self.type.encode(value)

    def fresh_default(self) -> object:
        """The default, as a copy of its own (a caller may change a dict it is given)."""
        return copy.deepcopy(self.default)

    def problem(self, raw: object) -> str:
        if self.secret:
            shown = " (its value is not shown)"
        else:
            text = repr(raw)
            shown = f", not {text if len(text) <= 60 else text[:57] + '...'}"
        return f"The {self.where.value} {self.name} must be {self.type.expected}{shown}."


_REGISTRY: dict[tuple[Where, str], Setting] = {}


def _declare(where: Where, name: str, type_: Type, default: object, description: str,
             **flags: bool) -> Setting:  # fmt: skip
    if (where, name) in _REGISTRY:
        raise ValueError(f"The {where.value} {name} is declared twice.")
    setting = Setting(where, name, type_, default, description, **flags)
    _REGISTRY[where, name] = setting
    return setting


# fmt: off
# local settings: rows of local_setting in the hub database (64 characters at most per name)
_declare(Where.LOCAL, "station_id", UUID, None,
         "Which station this database is (the first-start questions); none before set-up.")
_declare(Where.LOCAL, "idle_lock_minutes", INT, 10,
         "Minutes without keyboard or mouse input before the windows lock (1 to 240).")
_declare(Where.LOCAL, "sign_in_throttle", JSON, {},
         "Wrong sign-in attempts in a row per user name (a keyed digest of the name, never "
         "the name): [count, last failure].")
_declare(Where.LOCAL, "central_url", TEXT, None,
         "The central database's address without its password (the password is in the "
         "keyring).")
_declare(Where.LOCAL, "demo_database", FLAG, False,
         "Marks a database made for training and demonstrations: its changes are never "
         "captured or synced.")
_declare(Where.LOCAL, "sync_applying", FLAG, False,
         "Set inside a pull's own transaction (and in a snapshot being made) while rows from "
         "central are written, so that they are not captured and sent back.")
_declare(Where.LOCAL, "attachment_sync_off", FLAG, False,
         "Attachments' content is not sent to or fetched from the central database by this "
         "station (a slow link); their records still sync.")
_declare(Where.LOCAL, "audit_anchor", TEXT, None,
         "The audit log's anchor (JSON, sealed with a MAC): its count, newest entry, breaks "
         "and acceptance; rewritten with every audit entry.")
_declare(Where.LOCAL, "attachment_file_mb", INT, 25,
         "The largest file that may be attached to a case, in MB (1 to 2048; administrators "
         "set it: hubapp attachments-settings).")
_declare(Where.LOCAL, "attachment_case_mb", INT, 250,
         "The most that the files attached to one case may hold together, in MB (1 to 2048; "
         "administrators set it).")
_declare(Where.LOCAL, "attachment_keep_original", FLAG, False,
         "Keep a photo as it was handed in, location data and all, beside the copy without "
         "it (administrators set it; the original is never synced).")

# window settings: QSettings of the Windows account (window state only)
_declare(Where.WINDOW, "main/geometry", BYTES, None,
         "The main window's position and size.")
_declare(Where.WINDOW, "main/splitter", BYTES, None,
         "The main window's split between the case list and the case.")
_declare(Where.WINDOW, "main/header-v4", BYTES, None,
         "The case list's columns: order, widths and sort (the number changes with the "
         "columns, so an old layout is not applied).")
_declare(Where.WINDOW, "grid/columns/{hub}", MAP, {},
         "The assignment grid's agency columns per hub code: their order and the hidden "
         "ones ({\"order\": [...], \"hidden\": [...]}).")
_declare(Where.WINDOW, "agency_actions/agency", TEXT, None,
         "The agency last chosen in Agency actions (its id), so a partner's PC opens on its "
         "own.")

# environment variables
_declare(Where.ENVIRONMENT, "HUBAPP_DB", PATH, None,
         "The hub database file, when no --db is given (else hub.sqlite3 in the data "
         "folder).")
_declare(Where.ENVIRONMENT, "HUBAPP_DATA_DIR", PATH, None,
         "A data folder shared by every Windows account of the PC (set machine-wide by the "
         "installer); else the per-user data folder. Files in it are then guarded by the "
         "folder's own permissions.")
_declare(Where.ENVIRONMENT, "HUBAPP_HUB", TEXT, None,
         "The hub this PC works for (name or code), pre-set by IT (the installer's /HUB=, "
         "set machine-wide): the first-start questions and 'hubapp setup' start from it.")
_declare(Where.ENVIRONMENT, "HUBAPP_STATION", TEXT, None,
         "This PC's station name, pre-set by IT (the installer's /STATION=, set "
         "machine-wide): the first-start questions and 'hubapp setup' start from it.")
_declare(Where.ENVIRONMENT, "HUBAPP_CENTRAL_SERVER", TEXT, None,
         "The only central database this PC may sync with, as host[:port]/database, pre-set "
         "by IT (the installer's /CENTRALSERVER=); an address for any other server is "
         "refused. Not secret: the station's role and password are pasted once by its "
         "administrator and kept in the keyring.")
_declare(Where.ENVIRONMENT, "HUBAPP_DB_PASSPHRASE", TEXT, None,
         "The database passphrase, for scheduled tasks and PCs without a keyring; else asked "
         "for. Secret: never logged or shown.", secret=True)
_declare(Where.ENVIRONMENT, "HUBAPP_PASSWORD", TEXT, None,
         "The acting person's password on the command line (and the first administrator's "
         "for setup --admin), for scheduled tasks; else asked for. Secret: never logged or "
         "shown.", secret=True)
_declare(Where.ENVIRONMENT, "HUBAPP_NEW_PASSWORD", TEXT, None,
         "A new password on the command line (add-user, set-password); else asked for twice. "
         "Secret: never logged or shown.", secret=True)
_declare(Where.ENVIRONMENT, "HUBAPP_CENTRAL_URL", TEXT, None,
         "The central database's address with its password, set where the PC or its "
         "scheduled task is set up; wins over a saved address. Secret: never logged or "
         "shown.", secret=True)
_declare(Where.ENVIRONMENT, "HUBAPP_TEST_KEYRING", PATH, None,
         "The file of the test run's keyring (tests/keyring_for_tests.py), shared by the "
         "test process and the hubapp processes it starts.", tests_only=True)
_declare(Where.ENVIRONMENT, "HUBAPP_DURABILITY_SEED", INT, 0,
         "The seed of the durability test's random kills (0: a new seed each run).",
         tests_only=True)

# fmt: on


def declared(where: Where, name: str) -> Setting:
    """The declaration of ``name``; UnknownSetting (one sentence) when there is none."""
    try:
        return _REGISTRY[where, name]
    except KeyError:
        raise UnknownSetting(
            f"No {where.value} is declared as {name!r}; declare it in hubapp.settings."
        ) from None


def all_settings() -> list[Setting]:
    """Every declaration, in the order of this module (local, window, environment)."""
    return list(_REGISTRY.values())


def local_default(name: str) -> object:
    return declared(Where.LOCAL, name).default


# --- environment variables ------------------------------------------------------------------


def env(name: str, environ: Mapping[str, str] | None = None) -> object:
    """The value of the environment variable ``name`` as its declared type, or its default
    when it is not set or empty; SettingError when it does not read as its type."""
    setting = declared(Where.ENVIRONMENT, name)
    raw = (os.environ if environ is None else environ).get(name)
    if not raw:
        return setting.fresh_default()
    return setting.decode(raw)


# --- local settings -------------------------------------------------------------------------


class _Local:
    """This database's local settings, read and written as their declared types."""

    def _read(self, key: str) -> str | None:
        raise NotImplementedError

    def _write(self, key: str, text: str) -> None:
        """Keep ``text`` (an unchanged value need not be written again)."""
        raise NotImplementedError

    def _mark(self, key: str) -> None:
        """Add a flag's row, leaving one already there as it is."""
        raise NotImplementedError

    def _delete(self, key: str) -> None:
        raise NotImplementedError

    def __getitem__(self, name: str) -> object:
        """The value, or the declared default when no row holds it; SettingError when the
        stored text does not read as its type."""
        setting = declared(Where.LOCAL, name)
        text = self._read(name)
        return setting.fresh_default() if text is None else setting.decode(text)

    def __setitem__(self, name: str, value: object) -> None:
        """Keep ``value`` (an unchanged value writes nothing; a flag set to False is removed,
        one already set is left as it is)."""
        setting = declared(Where.LOCAL, name)
        text = setting.encode(value)
        if setting.type is not FLAG:
            self._write(name, text)
        elif value:
            self._mark(name)
        else:
            self._delete(name)

    def __delitem__(self, name: str) -> None:
        """Remove the row (the default applies again); nothing if there is none."""
        declared(Where.LOCAL, name)
        self._delete(name)

    def stored(self, name: str) -> str | None:
        """The stored text as it is, undecoded (for the audit record of a change)."""
        declared(Where.LOCAL, name)
        return self._read(name)


class _SessionLocal(_Local):
    def __init__(self, session) -> None:
        from hubapp.store.schema import LocalSetting

        self._s = session
        self._row = LocalSetting

    def _read(self, key: str) -> str | None:
        row = self._s.get(self._row, key)
        return row.value if row is not None else None

    def _write(self, key: str, text: str) -> None:
        row = self._s.get(self._row, key)
        if row is None:
            self._s.add(self._row(key=key, value=text))
        elif row.value != text:
            row.value = text

    def _mark(self, key: str) -> None:
        if self._s.get(self._row, key) is None:
            self._s.add(self._row(key=key, value=FLAG.encode(True)))

    def _delete(self, key: str) -> None:
        row = self._s.get(self._row, key)
        if row is not None:
            self._s.delete(row)


class _SqlLocal(_Local):
    def __init__(self, con, schema: str | None) -> None:
        self._con = con
        self._table = f"{schema}.local_setting" if schema else "local_setting"

    def _read(self, key: str) -> str | None:
        row = self._con.execute(f"SELECT value FROM {self._table} WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None else None

    def _write(self, key: str, text: str) -> None:
        self._con.execute(
            f"INSERT INTO {self._table} (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, text),
        )

    def _mark(self, key: str) -> None:
        self._con.execute(
            f"INSERT OR IGNORE INTO {self._table} (key, value) VALUES (?, ?)",
            (key, FLAG.encode(True)),
        )

    def _delete(self, key: str) -> None:
        self._con.execute(f"DELETE FROM {self._table} WHERE key = ?", (key,))


def local(session) -> _Local:
    """The local settings seen through ``session`` (an ORM session of the store): in its
    transaction, as ``settings.local(s)["name"]``."""
    return _SessionLocal(session)


def local_sql(con, schema: str | None = None) -> _Local:
    """The local settings seen through a DB-API connection or cursor (``schema``: an
    attached database, e.g. a snapshot being made)."""
    return _SqlLocal(con, schema)


def flags_set_sql(*names: str) -> str:
    """An SQL condition, true while any of the local flags ``names`` is set (for triggers)."""
    for name in names:
        if declared(Where.LOCAL, name).type is not FLAG:
            raise TypeError(f"The local setting {name} is not a flag.")
    keys = ", ".join(f"'{name}'" for name in names)
    return f"EXISTS (SELECT 1 FROM local_setting WHERE key IN ({keys}))"


# --- window settings ------------------------------------------------------------------------


def window_setting(name: str) -> Setting:
    """The declaration of a window setting (the adapter over QSettings reads it)."""
    return declared(Where.WINDOW, name)


# --- the table in docs/settings.md ----------------------------------------------------------

_PLACES = {
    Where.LOCAL: "hub database (`local_setting`)",
    Where.WINDOW: "QSettings of the Windows account",
    Where.ENVIRONMENT: "environment",
}


def _shown_default(setting: Setting) -> str:
    value = setting.default
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def markdown_table() -> str:
    """Every setting as docs/settings.md shows it (a test keeps them the same)."""
    lines = ["| Where | Name | Type | Default | Description |", "| --- | --- | --- | --- | --- |"]
    for s in all_settings():
        what = ("Tests only. " if s.tests_only else "") + s.description
        what = what.replace("|", "\\|")
        lines.append(f"| {_PLACES[s.where]} | `{s.name}` | {s.type.label} | "
                     f"{_shown_default(s)} | {what} |")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
