"""Where a station keeps its central connection: never in a plain file.

The address without its password is a local setting (it is not secret); the password lives in
the operating system's keyring (Windows Credential Manager, macOS Keychain, the Secret Service
on Linux), under the service ``hubapp-central`` and the role name. Where no keyring exists (a
Linux server or CI machine), nothing is saved and the station says so: the URL must then come
from ``--central URL`` or the ``HUBAPP_CENTRAL_URL`` environment variable (as ``HUBAPP_PASSWORD``
does for scheduled tasks), which is what the tests use.

IT may pin the central server a PC syncs with (``HUBAPP_CENTRAL_SERVER``, host[:port]/database,
set machine-wide by the installer's ``/CENTRALSERVER=``). Only that part is pre-set: the
address's role and password are the station's secret, and a machine-wide variable, a registry
value or a deployment script is readable by every account on the PC (and kept in the
deployment tool's logs). So the hub's administrator still pastes the address once, into the
keyring as before; the pin makes sure that an address for any other server (a typo, an old
test server, a phishing e-mail) is refused before a single change is sent there.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from hubapp import settings
from hubapp.sync.central import CentralError

log = logging.getLogger(__name__)

SERVICE = "hubapp-central"
ENV = "HUBAPP_CENTRAL_URL"
URL_KEY = "central_url"
SERVER_ENV = "HUBAPP_CENTRAL_SERVER"
DEFAULT_PORT = 5432


def _server_of(host: str, port: int | None, path: str) -> tuple[str, int, str]:
    return host.lower().rstrip("."), port or DEFAULT_PORT, path.strip("/")


def pinned_server() -> tuple[str, int, str] | None:
    """The server IT pinned (``HUBAPP_CENTRAL_SERVER``) as (host, port, database), or None."""
    pin = settings.env(SERVER_ENV)
    if pin is None:
        return None
    pin = pin.strip()
    parts = urlsplit(pin if "//" in pin else f"//{pin}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or not parts.path.strip("/") or parts.username or port == -1:
        raise CentralError(
            f"{SERVER_ENV} must be host[:port]/database, e.g. central.example:5432/hubapp "
            "(set by this PC's installer); ask IT to correct it."
        )
    return _server_of(parts.hostname, port, parts.path)


def server_problem(url: str) -> str:
    """One sentence when IT pinned the central server and ``url`` is for another, else ""."""
    try:
        pinned = pinned_server()
    except CentralError as exc:
        return str(exc)
    if pinned is None:
        return ""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return ""  # address_problem says what is wrong with it
    if _server_of(parts.hostname or "", port, parts.path) == pinned:
        return ""
    host, port, database = pinned
    return (
        f"This PC may only sync with the central database {database} on {host}:{port} "
        "(set by IT); that address is for another server."
    )


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or backend.priority <= 0:
        return None
    return keyring


def has_keyring() -> bool:
    """Whether this PC has a keyring to keep the central password in."""
    return _keyring() is not None


def from_environment() -> bool:
    """Whether the address comes from ``HUBAPP_CENTRAL_URL`` (it then wins over a saved one)."""
    return settings.env(ENV) is not None


def saved_address(store) -> str | None:
    """The saved address without its password (safe to show), or None."""
    with store.read() as s:
        return settings.local(s)[URL_KEY]


def _require_central(store) -> None:
    """Where this station's changes go is an administrator's decision (the role matrix,
    hubapp.store.roles)."""
    from hubapp.store import access

    access.require(store, access.Op.CENTRAL)


def forget(store) -> bool:
    """Forget the saved address and its password (pending changes stay); False if none."""
    _require_central(store)
    bare = saved_address(store)
    if bare is None:
        return False
    kr = _keyring()
    if kr is not None:
        try:
            kr.delete_password(SERVICE, unquote(urlsplit(bare).username or ""))
        except Exception as exc:  # already gone, or the keyring refused: the address goes
            log.info("The keyring had no central password to delete: %s", type(exc).__name__)
    with store.write(reason="central connection forgotten") as s:
        del settings.local(s)[URL_KEY]
    return True


def save(store, url: str) -> bool:
    """Remember ``url``; False (and nothing written) when this PC has no keyring."""
    _require_central(store)
    _pinned(url)
    kr = _keyring()
    if kr is None:
        return False
    parts = urlsplit(url)
    if parts.password is None:
        return False
    try:
        kr.set_password(SERVICE, unquote(parts.username or ""), unquote(parts.password))
    except Exception as exc:
        log.warning("The keyring refused the central password: %s", exc)
        return False
    netloc = parts.netloc.rpartition("@")[
        2
    ]  # the host: after the last @ (one may be in the password)
    bare = urlunsplit((parts.scheme, f"{parts.username}@{netloc}", *parts[2:]))
    with store.write(reason="central connection saved") as s:
        settings.local(s)[URL_KEY] = bare
    return True


def load(store, given: str | None = None) -> str:
    """The central URL: given, else the environment, else the saved address and keyring. An
    address given by hand (``--central``) is an administrator's to give: it decides where this
    station's changes go. (HUBAPP_CENTRAL_URL is the PC's own configuration, set where the
    PC or its scheduled task is set up.)"""
    if given:
        _require_central(store)
        return _pinned(given)
    from_env = settings.env(ENV)
    if from_env is not None:
        return _pinned(from_env)
    with store.read() as s:
        bare = settings.local(s)[URL_KEY]
    if bare is None:
        raise CentralError(
            "No central database is set up for this station; run 'hubapp sync --central URL' "
            "with the address its administrator gave you."
        )
    kr = _keyring()
    if kr is None:
        raise CentralError(
            "This PC has no keyring to keep the central password in; pass --central URL or "
            f"set {ENV}."
        )
    parts = urlsplit(bare)
    password = kr.get_password(SERVICE, unquote(parts.username or ""))
    if password is None:
        raise CentralError(
            "The central password is not in this PC's keyring any more; run "
            "'hubapp sync --central URL' again."
        )
    netloc = f"{parts.username}:{quote(password, safe='')}@{parts.netloc.split('@', 1)[1]}"
    return _pinned(urlunsplit((parts.scheme, netloc, *parts[2:])))


def _pinned(url: str) -> str:
    """``url``, unless IT pinned another central server (CentralError, nothing sent)."""
    problem = server_problem(url)
    if problem:
        raise CentralError(problem)
    return url


@dataclass(frozen=True)
class ConnectionCheck:
    """The answer of :func:`check_connection`: ``kind`` is "connected" or a
    ``hubapp.sync.failures.Kind``; ``sentence`` is for the person at the keyboard."""

    ok: bool
    kind: str
    sentence: str
    detail: str = ""


def address_problem(url: str) -> str:
    """One sentence about what is wrong with a pasted address, or "" when it looks usable."""
    from hubapp.sync.failures import hide_password

    url = url.strip()
    if not url:
        return "Paste the address that 'hubapp central add-station' printed (its last line)."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"'{hide_password(url)}' is not a valid address."
    if not parts.scheme.startswith(("postgresql", "postgres")):
        return "The address must start with postgresql:// (paste the whole last line)."
    if not parts.username or parts.password is None or not parts.hostname:
        return "The address has no role, password or server; paste the whole last line."
    return server_problem(url)


def check_connection(store, url: str, *, timeout: float = 10.0) -> ConnectionCheck:
    """Connect with ``url`` and say, in one sentence, whether this station may sync with it.

    Read-only: the station is not bound to the role (its first sync does that)."""
    from hubapp.store import setup
    from hubapp.sync import central, failures

    problem = address_problem(url)
    if problem:
        return ConnectionCheck(False, failures.Kind.BAD_ADDRESS, problem)
    from hubapp.store.exchange import demo

    if demo.is_demo_database(store):
        return ConnectionCheck(False, failures.Kind.OTHER, "This is a demo database: demo data "
                               "stays on this PC and is never synced.")  # fmt: skip
    info = setup.current(store)
    if info is None:
        return ConnectionCheck(False, failures.Kind.OTHER, "This database has no station yet; "
                               "answer the first-start questions first.")  # fmt: skip
    try:
        with central.connect(url.strip(), timeout=timeout) as conn, conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            hub, station, minimum = conn.execute(
                "SELECT hubapp_my_hub(), hubapp_my_station(),"
                " (SELECT value FROM central_info WHERE key = 'min_station_schema')"
            ).fetchone()
    except Exception as exc:
        failure = failures.classify(exc)
        if failure.kind == failures.Kind.OTHER and "hubapp_my_hub" in failure.detail:
            failure = failures.Failure(
                failures.Kind.OTHER,
                "That server has no hubapp central database (run 'hubapp central init').",
                failure.detail,
            )
        log.info("Central connection test failed: %s", failure.detail)
        return ConnectionCheck(False, failure.kind, failure.sentence, failure.detail)
    if hub is None:
        return ConnectionCheck(False, failures.Kind.REFUSED,
                               failures.SENTENCES[failures.Kind.REFUSED])  # fmt: skip
    if station is not None and uuid.UUID(str(station)) != info.station_id:
        return ConnectionCheck(False, failures.Kind.OTHER_STATION,
                               failures.SENTENCES[failures.Kind.OTHER_STATION])  # fmt: skip
    if uuid.UUID(str(hub)) != info.hub_id:
        return ConnectionCheck(
            False,
            failures.Kind.OTHER_STATION,
            f"This address belongs to a station of another hub, not {info.hub_name}; ask an "
            "administrator for this station's own address.",
        )
    if int(minimum or 0) > central.STATION_SCHEMA:
        return ConnectionCheck(
            False,
            failures.Kind.UPDATE_APP,
            "The central database needs a newer version of hubapp: update this PC first.",
        )
    return ConnectionCheck(
        True, "connected", f"Connected as station {info.station_name} of {info.hub_name}."
    )
