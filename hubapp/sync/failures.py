"""Why a sync or a connection test failed, in one place: offline, sign-in refused, another
station's address, an app too old for the central database, or something else.

``classify(exc)`` looks at the error and at the PostgreSQL error behind it (``CentralError``
keeps it as its context even when raised ``from None``), so the status bar, the connection
test and the command line tell the same story. The sentence never contains a password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    #: the server could not be reached (no network, server down, timeout)
    OFFLINE = "offline"
    #: the server refused the sign-in (password changed, role removed)
    REFUSED = "refused"
    #: the address belongs to another station (or another hub)
    OTHER_STATION = "other_station"
    #: the central database needs a newer hubapp
    UPDATE_APP = "update_app"
    #: the address is not a usable postgresql:// address
    BAD_ADDRESS = "bad_address"
    #: anything else (details in the tooltip and the log)
    OTHER = "other"


@dataclass(frozen=True)
class Failure:
    kind: Kind
    #: one sentence for the person at the keyboard
    sentence: str
    #: the technical first line (for the tooltip and the log; never a password)
    detail: str = ""


#: the sign-in itself was refused (PostgreSQL's wording, English server messages)
_REFUSED = re.compile(
    r"password authentication failed|authentication failed|no pg_hba\.conf entry"
    r"|role \"[^\"]*\" does not exist|is not permitted to log in|not a hubapp station"
    r"|password is required|no password supplied",
    re.IGNORECASE,
)
_OTHER_STATION = re.compile(r"another station|belong to another hub", re.IGNORECASE)
_UPDATE_APP = re.compile(r"newer schema|needs a newer", re.IGNORECASE)
_PASSWORD = re.compile(r"(postgres(?:ql)?(?:\+\w+)?://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)

SENTENCES = {
    Kind.OFFLINE: "The central database cannot be reached (no network, or the server is down); "
    "your work is kept here and sent at the next sync.",
    Kind.REFUSED: "Sign-in to the central database was refused; ask an administrator for a new "
    "address.",
    Kind.OTHER_STATION: "This address belongs to another station; ask an administrator for "
    "this station's own address.",
    Kind.UPDATE_APP: "Update hubapp: the central database is newer.",
}


def hide_password(text: str) -> str:
    """``text`` with the password of any postgresql:// address in it replaced by ***."""
    return _PASSWORD.sub(r"\1***@", text)


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return hide_password(lines[0] if lines else type(exc).__name__)


def classify(exc: BaseException) -> Failure:
    """The kind of failure ``exc`` is, with its sentence and detail."""
    chain = list(_chain(exc))
    lines: list[str] = []
    for e in chain:  # each cause once (an outer sentence often quotes its cause)
        line = _first_line(e)
        if not any(line.rstrip(".") in seen for seen in lines):
            lines.append(line)
    detail = "; ".join(lines)
    given = getattr(exc, "kind", None)
    if given is not None and given in Kind.__members__.values():
        kind = Kind(given)
        return Failure(kind, SENTENCES.get(kind, _first_line(exc)), detail)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a build without the sync extra
        psycopg = None
    everything = " ".join(str(e) for e in chain)
    if _UPDATE_APP.search(everything):
        return Failure(Kind.UPDATE_APP, SENTENCES[Kind.UPDATE_APP], detail)
    if _OTHER_STATION.search(everything):
        return Failure(Kind.OTHER_STATION, SENTENCES[Kind.OTHER_STATION], detail)
    if _REFUSED.search(everything):
        return Failure(Kind.REFUSED, SENTENCES[Kind.REFUSED], detail)
    if psycopg is not None:
        for e in chain:
            if isinstance(e, psycopg.errors.InvalidAuthorizationSpecification | (
                psycopg.errors.InvalidPassword
            )):  # fmt: skip
                return Failure(Kind.REFUSED, SENTENCES[Kind.REFUSED], detail)
            if isinstance(e, psycopg.errors.QueryCanceled):
                break  # interrupted on purpose (quitting during a sync): not "offline"
            if isinstance(e, psycopg.OperationalError | psycopg.InterfaceError):
                return Failure(Kind.OFFLINE, SENTENCES[Kind.OFFLINE], detail)
    if any(isinstance(e, TimeoutError | ConnectionError) for e in chain):
        return Failure(Kind.OFFLINE, SENTENCES[Kind.OFFLINE], detail)
    from hubapp.errors import describe

    if "is not a postgresql:// address" in str(exc):
        return Failure(Kind.BAD_ADDRESS, hide_password(describe(exc)), detail)
    return Failure(Kind.OTHER, hide_password(describe(exc)), detail)
