"""The central PostgreSQL database: schema (its own Alembic line), roles, station accounts.

``init(url)`` creates or upgrades the schema, the ``hubapp_station`` group role and the
row-level security policies; it must run as an administrator able to create roles (the
tables and the SECURITY DEFINER visibility helpers belong to that administrator).
``add_station(url, hub, station)`` makes one LOGIN role per station: a member of
``hubapp_station``, not the owner of anything, no superuser, no BYPASSRLS. Row-level
security (ENABLE and FORCE) then confines it to its hub's rows, the cases shared with its
hub, and the rows those cases point at.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from hubapp.store.errors import StoreError

VERSION_TABLE = "hubapp_central_version"
#: the newest central revision this version knows; a central database beyond every revision
#: listed here (and whose min_station_schema is above STATION_SCHEMA) asks the station to update
CENTRAL_HEAD = "c0009"
KNOWN_CENTRAL = ("c0001", "c0002", "c0003", "c0004", "c0005", "c0006", "c0007", "c0008", "c0009")
#: the oldest central revision this station syncs with: c0006 checks every write itself,
#: c0007 takes merges of people and linked cases, c0008 the casework the law asks for, c0009
#: attachments, letter templates and the letters sent
CENTRAL_NEEDED = "c0009"
#: the role name ending of the hub snapshot builders (``hubapp.sync.snapshot``)
BUILDER_SUFFIX = "_snapshot"
#: the level of the central protocol this station speaks (central_info.min_station_schema)
STATION_SCHEMA = 2
STATION_GROUP = "hubapp_station"


class CentralError(StoreError):
    """A problem with the central database, worded for the person at the keyboard."""


def _psycopg():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a build without the sync extra
        raise CentralError(
            "This installation of hubapp has no PostgreSQL driver (psycopg); central sync "
            "is not available."
        ) from None
    return psycopg


def connect(url: str, *, timeout: float = 10.0, autocommit: bool = False):
    """A psycopg connection, with failures turned into one sentence."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(
            plain_url(url), connect_timeout=max(1, int(timeout)), autocommit=autocommit
        )
    except psycopg.OperationalError as exc:
        raise CentralError(f"Cannot reach the central database: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line.rstrip(".") + "."


def plain_url(url: str) -> str:
    """postgresql://... whatever scheme SQLAlchemy users write (postgresql+psycopg://)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith(("postgresql", "postgres")):
        raise CentralError(f"'{redact(url)}' is not a postgresql:// address.")
    return urlunsplit(("postgresql", *parts[1:]))


def redact(url: str) -> str:
    """The URL with its password hidden (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, *parts[2:]))


def _alembic(conn_sa):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(Path(__file__).resolve().parent / "central_migrations")
    )
    cfg.attributes["connection"] = conn_sa
    return cfg


def init(url: str) -> str:
    """Create or upgrade the central schema, roles and policies; return its revision."""
    from alembic import command
    from sqlalchemy import create_engine, text

    _psycopg()
    parts = urlsplit(plain_url(url))
    engine = create_engine(urlunsplit(("postgresql+psycopg", *parts[1:])), future=True)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic(conn), "head")
            return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one()
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            raise CentralError(
                f"Could not set up the central database: {_first_line(exc.orig)}"
            ) from None
        raise
    finally:
        engine.dispose()


@dataclass(frozen=True)
class StationAccount:
    role: str
    hub_code: str
    hub_name: str
    station_name: str
    url: str
    #: the case reference prefix of this station ('' for the first station of its hub)
    ref_prefix: str = ""


def _prefixes():
    """B, C, ... Z, then BA, BB, ...: the prefixes of a hub's second and later stations
    (hub codes are three letters, so HUB+PREFIX never reads as another hub's code)."""
    import itertools
    import string

    letters = string.ascii_uppercase
    for size in (1, 2, 3):
        for combo in itertools.product(letters, repeat=size):
            if combo[0] != "A":
                yield "".join(combo)


def find_hub(text: str) -> tuple[uuid.UUID, str, str]:
    """(id, code, name) of the hub named by code or name, from the shipped reference data."""
    from hubapp.domain.text import match_key
    from hubapp.store import refdata

    key = match_key(text)
    hubs = refdata.read("hubs.toml")["hub"]
    for h in hubs:
        if key in (match_key(h["code"]), match_key(h["name"])):
            return refdata.ref_id("hub", h["code"]), h["code"], h["name"]
    names = ", ".join(f"{h['name']} ({h['code']})" for h in hubs)
    raise CentralError(f"There is no hub called '{text}'; the hubs are: {names}.")


def add_station(url: str, hub: str, station: str) -> StationAccount:
    """Create a station's role (a random password) and return how it connects."""
    hub_id, code, name = find_hub(hub)
    from hubapp.domain.text import has_control, one_line

    station = one_line(station)
    if not station:
        raise CentralError("The station name must not be empty.")
    if has_control(station):
        raise CentralError("The station name must not contain control characters.")
    role = f"hubapp_{code.lower()}_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    psycopg = _psycopg()
    from psycopg import sql

    with connect(url) as conn:
        try:
            with conn.transaction():
                conn.execute(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {} NOSUPERUSER NOBYPASSRLS "
                        "NOCREATEDB NOCREATEROLE INHERIT"
                    ).format(
                        sql.Identifier(role), sql.Literal(password), sql.Identifier(STATION_GROUP)
                    )
                )
                conn.execute(
                    sql.SQL("GRANT {} TO {}").format(
                        sql.Identifier(STATION_GROUP), sql.Identifier(role)
                    )
                )
                harden_role(conn, role)
                conn.execute("LOCK TABLE hub_station IN SHARE ROW EXCLUSIVE MODE")
                used = {
                    r[0]
                    for r in conn.execute(
                        "SELECT ref_prefix FROM hub_station WHERE hub_id = %s"
                        " AND role_name NOT LIKE %s",
                        (hub_id, f"%{BUILDER_SUFFIX}"),
                    )
                }
                prefix = "" if not used else next(p for p in _prefixes() if p not in used)
                conn.execute(
                    "INSERT INTO hub_station (role_name, hub_id, station_name, ref_prefix)"
                    " VALUES (%s, %s, %s, %s)",
                    (role, hub_id, station, prefix),
                )
        except psycopg.errors.UndefinedTable:
            raise CentralError(
                "The central database is not set up yet; run 'hubapp central init' first."
            ) from None
        except psycopg.Error as exc:
            raise CentralError(f"Could not add the station: {_first_line(exc)}") from None
    return StationAccount(role, code, name, station, role_url(url, role, password), prefix)


def harden_role(conn, role: str) -> None:
    """Give a station's role (or a snapshot builder's) its connection limit and timeouts
    (central revision c0006 explains them)."""
    from psycopg import sql

    from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006

    conn.execute(
        sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
            sql.Identifier(role), sql.Literal(c0006.CONNECTION_LIMIT)
        )
    )
    for name, value in c0006.ROLE_SETTINGS.items():
        conn.execute(
            sql.SQL("ALTER ROLE {} SET {} = {}").format(
                sql.Identifier(role), sql.Identifier(name), sql.Literal(value)
            )
        )


def role_url(url: str, role: str, password: str) -> str:
    """``url`` (the administrator's) with another role and password: how that role connects."""
    parts = urlsplit(plain_url(url))
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{quote(role)}:{quote(password, safe='')}@{host}{port}"
    return urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
