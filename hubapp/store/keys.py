"""The key that opens an encrypted hub database (SQLCipher), and where it is kept.

A database is encrypted with a random 256-bit key. SQLCipher stores a random 16-byte salt in
the clear at the start of the file; that salt names the database here, so a database that is
moved, renamed or restored from a backup still finds its key. The key itself is kept in one
of two ways:

- **keyring** (the default): the operating system's keyring (Windows Credential Manager, the
  Secret Service on Linux) holds the key under the service ``hubapp-database`` and the entry
  ``key-<salt>``. Only the account that made the database can read it back.
- **passphrase**: where a PC has no usable keyring, where several accounts share one database,
  or where an administrator chooses it, the key is derived from an administrator's passphrase
  with Argon2id (salt: the database's own salt). The passphrase comes from
  ``HUBAPP_DB_PASSPHRASE`` (scheduled tasks, tests) or is asked for at a terminal.

The key is applied as a raw hex key (``x'...'``), so opening a connection costs no key
derivation; a passphrase is turned into its key once per process.
"""

from __future__ import annotations

import getpass
import hmac
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hubapp import settings
from hubapp.store.errors import KeyUnavailable, StoreError

log = logging.getLogger(__name__)

SERVICE = "hubapp-database"
ENV_PASSPHRASE = "HUBAPP_DB_PASSPHRASE"
SALT_BYTES = 16
KEY_BYTES = 32
#: Argon2id cost (RFC 9106, second recommended choice): about a third of a second here,
#: paid once per process that opens a passphrase-protected database
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 4
MIN_PASSPHRASE = 12

NO_KEY = (
    "This database is encrypted and this PC does not have its key: open it on the PC and "
    "Windows account that made it, or give its administrator's passphrase "
    f"(set {ENV_PASSPHRASE} for commands)."
)
WRONG_KEY = (
    "This database is encrypted and this PC does not have its key: neither this PC's keyring "
    "nor the passphrase given opens it."
)


@dataclass(frozen=True)
class DatabaseKey:
    """A raw SQLCipher key and the database salt it goes with."""

    key: bytes = field(repr=False)
    salt: bytes
    #: "keyring" or "passphrase": where the key is kept
    source: str

    def pragma_value(self) -> str:
        """The value for ``PRAGMA key``: the raw key and salt, so SQLCipher skips its KDF."""
        return f"\"x'{self.key.hex()}{self.salt.hex()}'\""


# verified keys of this process, by salt: a passphrase is derived once, not per connection
_known: dict[bytes, DatabaseKey] = {}
_latest: list[DatabaseKey] = []


def remember(key: DatabaseKey) -> None:
    _known[key.salt] = key
    _latest[:] = [key]


def latest() -> DatabaseKey | None:
    """The key of the database this process opened or made last (its copies use it too)."""
    return _latest[0] if _latest else None


def known(salt: bytes) -> DatabaseKey | None:
    return _known.get(salt)


def forget_known() -> None:
    """Drop the keys this process holds (tests; a user who signs out of the PC)."""
    _known.clear()
    _latest.clear()


def salt_of(path: Path) -> bytes:
    """The salt SQLCipher keeps in the first bytes of an encrypted database file."""
    with Path(path).open("rb") as fh:
        return fh.read(SALT_BYTES)


def _entry(salt: bytes) -> str:
    return f"key-{salt.hex()}"


def keyring_backend():
    """The keyring module when this PC has a usable keyring, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration
        log.warning("The keyring could not be loaded", exc_info=True)
        return None
    if isinstance(backend, fail.Keyring) or backend.priority <= 0:
        return None
    return keyring


def derive(passphrase: str, salt: bytes) -> bytes:
    """The database key for ``passphrase`` (Argon2id)."""
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


#: whether a missing passphrase is asked for at the terminal (the GUI asks in a dialog: a
#: prompt in the terminal it was started from would stop its start in the background)
ask_at_terminal = True


def needs_new_passphrase() -> bool:
    """Whether a new database here needs a passphrase from the person at the keyboard: the
    PC has no usable keyring and ``HUBAPP_DB_PASSPHRASE`` gives none."""
    return settings.env(ENV_PASSPHRASE) is None and keyring_backend() is None


def passphrase_problem(passphrase: str, again: str) -> str | None:
    """The sentence to show beside a new passphrase typed twice, or None when it will do."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"The database passphrase must have at least {MIN_PASSPHRASE} characters."
    if passphrase != again:
        return "The two passphrases differ; type it again."
    return None


def _passphrase(given: str | None, *, new: bool) -> str | None:
    if given:
        return given
    from_env = settings.env(ENV_PASSPHRASE)
    if from_env is not None:
        return from_env
    if not ask_at_terminal:
        return None
    if sys.stdin is not None and sys.stdin.isatty() and sys.stderr is not None:
        try:
            if new:
                first = getpass.getpass("A passphrase for the new database: ", stream=sys.stderr)
                if first and first != getpass.getpass("The passphrase again: ", stream=sys.stderr):
                    raise StoreError("The two passphrases differ; nothing was made.")
                return first or None
            return getpass.getpass("The database's passphrase: ", stream=sys.stderr) or None
        except (EOFError, KeyboardInterrupt):
            return None
    return None


def new_key(*, passphrase: str | None = None, use_passphrase: bool = False) -> DatabaseKey:
    """A key for a new database: kept in the keyring, or derived from a passphrase when one
    is given (argument or ``HUBAPP_DB_PASSPHRASE``), asked for, or the PC has no keyring."""
    salt = os.urandom(SALT_BYTES)
    kr = None if (use_passphrase or passphrase) else keyring_backend()
    if kr is None or settings.env(ENV_PASSPHRASE) is not None:
        secret = _passphrase(passphrase, new=True)
        if secret is None:
            raise KeyUnavailable(
                "This PC has no keyring to keep the database key in: an administrator must "
                f"choose a passphrase for the database (set {ENV_PASSPHRASE})."
            )
        if len(secret) < MIN_PASSPHRASE:
            raise StoreError(passphrase_problem(secret, secret))
        key = DatabaseKey(derive(secret, salt), salt, "passphrase")
    else:
        key = DatabaseKey(os.urandom(KEY_BYTES), salt, "keyring")
        try:
            kr.set_password(SERVICE, _entry(salt), key.key.hex())
        except Exception as exc:
            raise KeyUnavailable(
                f"The keyring refused to keep the database key ({exc}); set {ENV_PASSPHRASE} "
                "to protect it with a passphrase instead."
            ) from None
    remember(key)
    return key


def discard(key: DatabaseKey) -> None:
    """Remove the keyring entry of a database that was never made (or was replaced)."""
    _known.pop(key.salt, None)
    if latest() == key:
        _latest.clear()
    if key.source != "keyring":
        return
    kr = keyring_backend()
    if kr is None:
        return
    try:
        kr.delete_password(SERVICE, _entry(key.salt))
    except Exception:
        log.debug("No keyring entry to remove for %s", _entry(key.salt))


def candidates(salt: bytes, *, passphrase: str | None = None) -> Iterator[DatabaseKey]:
    """The keys that may open the database with ``salt``: one known to this process, the
    keyring's, then the passphrase's (derived only when asked for)."""
    found = known(salt)
    if found is not None:
        yield found
    kr = keyring_backend()
    if kr is not None:
        try:
            stored = kr.get_password(SERVICE, _entry(salt))
        except Exception:
            log.warning("The keyring could not be read", exc_info=True)
            stored = None
        if stored:
            try:
                key = DatabaseKey(bytes.fromhex(stored), salt, "keyring")
            except ValueError:
                log.warning("The keyring entry %s is not a key", _entry(salt))
            else:
                if found is None or not hmac.compare_digest(key.key, found.key):
                    yield key
    secret = _passphrase(passphrase, new=False)
    if secret is not None:
        key = DatabaseKey(derive(secret, salt), salt, "passphrase")
        if found is None or not hmac.compare_digest(key.key, found.key):
            yield key


def missing_sentence(tried_passphrase: bool) -> str:
    return WRONG_KEY if tried_passphrase else NO_KEY
