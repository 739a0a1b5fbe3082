"""What every command of the command line shares, below the command modules that use it.

* :class:`UsageError` and the exit codes;
* :func:`error`, the one way a command says what went wrong: one sentence on stderr after
  the program's name;
* the database: :func:`database_path` (``--db``, else ``HUBAPP_DB``, else the per-user data
  folder), :func:`existing_database`, and :func:`open_signed_in`, which checks it, opens it
  and, once it has staff accounts, signs in as ``--user`` and refuses a command the role
  matrix does not allow that account;
* the passwords: :func:`password` (the acting person's) and :func:`new_password`;
* :func:`progress_bar`, the one terminal progress bar of every long command;
* what several commands read from the command line: :func:`day_argument`, :func:`find_agency`.

Every command module imports this one and no other module of the command line. The parser is
built whenever the command line starts, so this module imports the database layer only
inside functions (``tests/test_architecture.py`` holds that).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hubapp import APP_NAME, settings

log = logging.getLogger(__name__)

#: when the command line started (selftest times the window's first paint from it)
STARTED = time.perf_counter()

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
#: the shell's code for a command stopped by Ctrl+C
EXIT_INTERRUPTED = 130

PASSWORD_ENV = "HUBAPP_PASSWORD"
NEW_PASSWORD_ENV = "HUBAPP_NEW_PASSWORD"

#: ``progress(fraction, message)``, as every long job of the core takes it
Progress = Callable[[float, str], bool]


class UsageError(Exception):
    """The command cannot run as it was given (no database there, a format it cannot
    write, no password to be had): said in one sentence, exit code 1."""


def error(message: str, code: int = EXIT_ERROR) -> int:
    """Say what went wrong: ``hubapp: message`` on stderr. Returns ``code``, for a command
    to return."""
    print(f"{APP_NAME}: {message}", file=sys.stderr)
    return code


# --- the database -------------------------------------------------------------------------


def database_path(args) -> Path:
    """``--db``, else ``HUBAPP_DB``, else hub.sqlite3 in the per-user data folder."""
    from hubapp.paths import default_db_path

    return args.db if args.db is not None else default_db_path()


def existing_database(args) -> Path:
    """The database path, for a command that must not make a new database."""
    path = database_path(args)
    if not path.exists():
        raise UsageError(f"There is no database at {path}.")
    return path


def open_signed_in(args, path: Path | None = None):
    """Open the database (``path``, else the one of :func:`database_path`) and, once it has
    staff accounts, sign in as ``--user`` and check that the account may run this command.
    A damaged database is refused before anything is written to it. The caller closes the
    store."""
    from hubapp.store.admin.backup import ensure_sound
    from hubapp.store.database import open_store

    path = database_path(args) if path is None else path
    ensure_sound(path)
    store = open_store(path)
    try:
        authenticate(store, args)
        require_command(store, args)
    except BaseException:
        store.close()
        raise
    return store


def authenticate(store, args, *, defer: bool = False) -> None:
    """Once the database has accounts, the command acts as ``--user``, whose password must
    match; without accounts it acts as the operating-system user, as before. With ``defer``
    a successful sign-in is written later (``accounts.record_sign_in``)."""
    from hubapp.store import accounts

    user = getattr(args, "user", None)
    if not accounts.has_accounts(store):
        if user:
            log.info("--user %s ignored: this database has no staff accounts", user)
        return
    if not user or not user.strip():
        raise UsageError(
            "This database has staff accounts: say who you are with --user NAME (the "
            f"password is asked, or read from {PASSWORD_ENV})."
        )
    accounts.sign_in(store, user, password(user.strip()), defer=defer)


def require_command(store, args) -> None:
    """Refuse up front, in the role matrix's sentence, a command the signed-in account may
    not run (hubapp.store.roles.COMMANDS; the store refuses the work itself anyway). A command
    without an entry is refused on a database with accounts: nobody said who may run it."""
    from hubapp.store import access, roles

    if store.account is None:
        return
    entry = roles.COMMANDS.get(roles.command_key(args, store.account.user_name))
    if entry is None:
        raise access.AccessRefused("hubapp does not know who may run this command; nothing "
                                   "was done.")  # fmt: skip
    if entry.op is not None:
        access.require(store, entry.op)


# --- passwords ----------------------------------------------------------------------------


def _has_terminal() -> bool:
    """Whether a password can be asked for (a scheduled task or hubappw has no terminal)."""
    if sys.stdin is not None and sys.stdin.isatty():
        return True
    if os.name == "posix":
        try:
            with open("/dev/tty"):
                return True
        except OSError:
            return False
    return False


def _ask(prompt: str, env: str = PASSWORD_ENV) -> str:
    problem = f"No password was given: type it when asked, or set {env} for a scheduled task."
    if not _has_terminal():
        raise UsageError(problem)
    try:
        return getpass.getpass(prompt, stream=sys.stderr)
    except (EOFError, OSError):
        print(file=sys.stderr)  # end the prompt's line
        raise UsageError(problem) from None


def password(user_name: str) -> str:
    """The acting person's password: HUBAPP_PASSWORD, else asked without echo."""
    given = settings.env(PASSWORD_ENV)
    if given is not None:
        return given
    return _ask(f"Password for {user_name}: ")


def new_password(user_name: str, env: str = NEW_PASSWORD_ENV) -> str:
    """A new password: from ``env``, else asked twice; checked against the rules first."""
    given = settings.env(env)
    if given is not None:
        _check_new(given, user_name)
        return given
    first = _ask(f"New password for {user_name}: ", env)
    _check_new(first, user_name)
    if _ask("The same password again: ", env) != first:
        raise UsageError("The two passwords differ; nothing was changed.")
    return first


def _check_new(text: str, user_name: str) -> None:
    from hubapp.store import accounts

    problems = accounts.password_problems(text, user_name)
    if problems:
        raise accounts.AccountError(problems[0].message, problems)


# --- the progress bar ---------------------------------------------------------------------


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """The progress bar of every long command::

        with progress_bar() as progress:
            result = job(store, ..., progress=progress)

    ``progress`` draws a bar on stderr (it never cancels: Ctrl+C does), or is None where
    stderr is no terminal: a pipe, a scheduled task, hubappw (which has no console). The
    bar's line is ended when the block ends, however it ends."""
    if sys.stderr is None or not sys.stderr.isatty():
        yield None
        return
    drawn = False

    def progress(fraction: float, message: str) -> bool:
        nonlocal drawn
        drawn = True
        print(f"\r[{'#' * int(fraction * 30):<30}] {fraction:4.0%} {message[:40]:<40}",
              end="", file=sys.stderr)  # fmt: skip
        return True

    try:
        yield progress
    finally:
        if drawn:
            print(file=sys.stderr)


# --- what several commands read -----------------------------------------------------------


def day_argument(text: str):
    """A date on the command line (dd/mm/yyyy, or yyyy-mm-dd), as ``parse_day`` reads them
    in the window too; a usage error otherwise (an argparse ``type``)."""
    from hubapp.store.admin.audit_query import parse_day

    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def find_agency(store, text: str):
    """The id of the agency whose code, name or short name is ``text`` (any case and
    spacing)."""
    from sqlalchemy import select

    from hubapp.domain.text import match_key
    from hubapp.store.errors import StoreError
    from hubapp.store.schema import Agency

    key = match_key(text)
    with store.read() as s:
        agencies = list(s.scalars(select(Agency).where(Agency.voided.is_(False))))
    for agency in agencies:
        if key in (match_key(agency.code), match_key(agency.name), match_key(agency.short_name)):
            return agency.id
    raise StoreError(
        f"There is no agency called '{text}'; use its code, name or short name, e.g. POLICE "
        "or 'Cumbria Constabulary'."
    )
