"""The store's errors and refusals: what every part of the core raises, in one place below
all of them (so no feature module has to import another to raise or catch).

* :class:`StoreError` is every failure worded for the person at the keyboard; ``str()`` is
  one sentence. Its kinds: the key missing (:class:`KeyUnavailable`; :class:`KeyMissing`
  when a passphrase may open the file), a file that is no readable database
  (:class:`DatabaseDamaged`), the disk full (:class:`DiskFull`) or failing
  (:class:`DiskFailed`), a record changed by someone else since it was loaded
  (:class:`EditConflict`), work the person stopped (:class:`Cancelled`). Screens and
  commands branch on these types, never on the words.
* :class:`Refused` is a change the rules refuse, with one :class:`Problem` per field so a
  form can show each beside its field; :func:`refuse` raises it when there are problems.
* ``Error``, ``DatabaseError``, ``OperationalError`` and ``IntegrityError`` are the errors
  of either SQLite driver (the standard library's opens plaintext files, SQLCipher's
  encrypted ones): catch these, not ``sqlite3.Error``, around a connection.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlcipher3 import dbapi2 as sqlcipher

Error = (sqlite3.Error, sqlcipher.Error)
DatabaseError = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
OperationalError = (sqlite3.OperationalError, sqlcipher.OperationalError)
IntegrityError = (sqlite3.IntegrityError, sqlcipher.IntegrityError)


class StoreError(Exception):
    """A problem opening or using the database, worded for the person at the keyboard."""


class KeyUnavailable(StoreError):
    """The database is encrypted and no key this PC has (keyring, passphrase) opens it, or a
    new database has nowhere to keep its key. Not damage: the file is left alone."""


class KeyMissing(KeyUnavailable):
    """An existing encrypted database that no key this PC has opens: its passphrase may
    (the window asks for it; a new database with nowhere to keep its key is not this)."""


class DatabaseDamaged(StoreError):
    """The file cannot be read as a database: damaged, or no hubapp database at all. Not a
    full or failing disk (:class:`DiskFull`, :class:`DiskFailed`): putting a backup in its
    place may help."""


class DiskFull(StoreError):
    """The disk is full: nothing was saved (or changed). Not damage, and a backup put in
    place would only lose work."""


class DiskFailed(StoreError):
    """The disk could not be read or written (an I/O error that is not a full disk): nothing
    was saved. Not damage to the database either; a restore would not help."""


class EditConflict(StoreError):
    """The record changed since the editor loaded it."""


class Cancelled(StoreError):
    """Long work the person stopped; its message says what was (not) done. Every long job of
    the core (import, export, backup, erasure, demo data, documents) raises this one, so a
    caller needs one ``except`` for all of them."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with one field of a draft, in one sentence for the form."""

    field: str
    message: str


class Refused(StoreError):
    """A change refused by the rules, in one sentence; ``problems`` has one per field, so a
    form can show each beside its field. Actions, casework and intake refuse this way."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def refuse(problems: list[Problem], error: type[Refused] = Refused) -> None:
    """Raise ``error`` for the problems, if there are any (the first one is its sentence)."""
    if problems:
        raise error(problems[0].message, problems)
