"""Staff accounts on the command line: ``hubapp setup --admin``, ``hubapp accounts ...`` and
the sign-in every command needs once a database has accounts.

    hubapp [--db PATH] setup --hub HUB --station NAME [--admin USER [--name "Full Name"]]
    hubapp [--db PATH] --user NAME accounts list
    hubapp [--db PATH] --user NAME accounts add USER --role ROLE [--name N] [--agency A] [--hub H]
    hubapp [--db PATH] --user NAME accounts disable|enable|unlock|set-password USER
    hubapp [--db PATH] --user NAME accounts set-role USER ROLE
    hubapp [--db PATH] --user NAME accounts idle-lock [MINUTES]

The acting person's password is asked (without echo) or read from ``HUBAPP_PASSWORD`` (for
scheduled tasks); a new password is asked twice or read from ``HUBAPP_NEW_PASSWORD``
(``setup --admin`` reads the first administrator's from ``HUBAPP_PASSWORD``). This module is
imported when the parser is built, so it imports the database layer only inside functions.
"""

from __future__ import annotations

import getpass
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PASSWORD_ENV = "HUBAPP_PASSWORD"
NEW_PASSWORD_ENV = "HUBAPP_NEW_PASSWORD"
ROLES = "coordinator, police, partner, read_only or administrator"


def add_parsers(sub) -> None:
    a = sub.add_parser("accounts", help="staff accounts: list, add, disable, unlock... "
                       "(administrators)")  # fmt: skip
    what = a.add_subparsers(dest="what", metavar="WHAT", required=True)
    what.add_parser("list", help="every account with its role, agency, hub and state")
    add = what.add_parser("add", help="add an account; its password is asked twice "
                          f"(or read from {NEW_PASSWORD_ENV})")  # fmt: skip
    add.add_argument("name", metavar="USER", help="the user name to sign in with, e.g. j.smith")
    add.add_argument("--role", required=True, metavar="ROLE", help=ROLES)
    add.add_argument("--name", dest="display_name", default="", metavar="'FULL NAME'",
                     help="the person's name as shown on screens (default: the user name)")  # fmt: skip
    add.add_argument("--agency", help="the person's agency (code, name or short name)")
    add.add_argument("--hub", help="the person's hub (code or name; default: this station's)")
    for verb, text in (
        ("disable", "stop an account signing in (its history stays)"),
        ("enable", "let a disabled account sign in again"),
        ("unlock", "lift a lock-out after too many wrong passwords"),
        ("set-password", f"set a new password (asked twice, or read from {NEW_PASSWORD_ENV})"),
    ):
        v = what.add_parser(verb, help=text)
        v.add_argument("name", metavar="USER", help="the account's user name")
    r = what.add_parser("set-role", help="change an account's role")
    r.add_argument("name", metavar="USER", help="the account's user name")
    r.add_argument("role", metavar="ROLE", help=ROLES)
    i = what.add_parser("idle-lock", help="show or set the minutes without input before the "
                        "windows lock")  # fmt: skip
    i.add_argument("minutes", nargs="?", metavar="MINUTES", help="1 to 240 (default 10)")


# --- signing in ---------------------------------------------------------------------------


def _usage_error(message: str) -> Exception:
    from hubapp.cli import UsageError

    return UsageError(message)


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
        raise _usage_error(problem)
    try:
        return getpass.getpass(prompt, stream=sys.stderr)
    except (EOFError, OSError):
        print(file=sys.stderr)  # end the prompt's line
        raise _usage_error(problem) from None


def password(user_name: str) -> str:
    """The acting person's password: HUBAPP_PASSWORD, else asked without echo."""
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    return _ask(f"Password for {user_name}: ")


def new_password(user_name: str, env: str = NEW_PASSWORD_ENV) -> str:
    """A new password: from ``env``, else asked twice; checked against the rules first."""
    given = os.environ.get(env)
    if given is not None:
        _check_new(given, user_name)
        return given
    first = _ask(f"New password for {user_name}: ", env)
    _check_new(first, user_name)
    if _ask("The same password again: ", env) != first:
        raise _usage_error("The two passwords differ; nothing was changed.")
    return first


def _check_new(text: str, user_name: str) -> None:
    from hubapp.store import accounts

    problems = accounts.password_problems(text, user_name)
    if problems:
        raise accounts.AccountError(problems[0].message, problems)


def authenticate(store, args, *, defer: bool = False) -> None:
    """Once the database has accounts, the command acts as ``--user``, whose password must
    match; without accounts it acts as the operating-system user, as before. With ``defer``
    a successful sign-in is written later (``accounts.record_sign_in``)."""
    from hubapp.store import accounts

    user = getattr(args, "user", None) if args is not None else None
    if not accounts.has_accounts(store):
        if user:
            log.info("--user %s ignored: this database has no staff accounts", user)
        return
    if not user or not user.strip():
        raise _usage_error(
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


def _open_signed_in(path: Path):
    from hubapp.store.database import open_store

    store = open_store(path)
    try:
        authenticate(store, _args)
        require_command(store, _args)
    except BaseException:
        store.close()
        raise
    return store


#: the parsed command line of this run (main() sets it), for the sign-in of every command
_args = None


def remember(args) -> None:
    global _args
    _args = args


# --- setup --admin ------------------------------------------------------------------------


def cmd_setup(args, path: Path) -> int:
    """``hubapp setup --hub H --station S [--admin USER]``: the first-start questions, and the
    first administrator. On a database with accounts only an administrator may run it."""
    from hubapp.store import accounts, setup
    from hubapp.store.admin import backup
    from hubapp.store.database import open_store

    backup.ensure_sound(path)  # a damaged database is refused before anything is written
    store = open_store(path)
    try:
        admin = getattr(args, "admin", None)
        if accounts.has_accounts(store):
            if admin:
                raise accounts.AccountError(
                    "This database already has staff accounts; an administrator adds more "
                    "with 'hubapp accounts add'."
                )
            authenticate(store, args)
            require_command(store, args)
        draft = None
        secret = ""
        if admin:
            draft = accounts.AccountDraft(admin, getattr(args, "display_name", "") or "",
                                          "administrator")  # fmt: skip
            problems = accounts.validate(draft)
            if problems:
                raise accounts.AccountError(problems[0].message, problems)
            secret = new_password(admin.strip(), env=PASSWORD_ENV)
        info = setup.configure(store, args.hub, args.station)
        if draft is not None:
            draft = accounts.AccountDraft(draft.user_name, draft.display_name, draft.role,
                                          hub_id=info.hub_id)  # fmt: skip
            made = accounts.create_account(store, draft, secret)
    finally:
        store.close()
    print(f"This PC is now {info.station_name}, {info.hub_name} hub ({info.hub_code}).")
    if draft is not None:
        print(f"Administrator '{made.user_name}' can now sign in; from now on everyone signs "
              "in with their own account (--user NAME on the command line).")  # fmt: skip
    print(f"Database: {store.path}")
    return 0


# --- accounts ... -------------------------------------------------------------------------


def _format_time(value) -> str:
    from hubapp.domain.formatting import format_datetime

    return format_datetime(value) if value is not None else "never"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def cmd_accounts(args, path: Path) -> int:
    from hubapp.cli import _open
    from hubapp.store import accounts

    if not path.exists():
        raise _usage_error(f"There is no database at {path}.")
    store = _open(path)  # checked, and signed in as --user
    try:
        if not accounts.has_accounts(store):
            raise accounts.AccountError(
                "This database has no staff accounts yet; make the first administrator with "
                "'hubapp setup --hub HUB --station NAME --admin USER'."
            )
        return VERBS[args.what](store, args)
    finally:
        store.close()


def _list(store, _args) -> int:
    from hubapp.store import accounts

    rows = [["USER", "NAME", "ROLE", "AGENCY", "HUB", "STATE", "LAST SIGN-IN"]]
    for a in accounts.list_accounts(store):
        rows.append([a.user_name, a.display_name, a.role.value, a.agency_name or "-",
                     a.hub_name or "-", a.state(), _format_time(a.last_sign_in)])  # fmt: skip
    print(_table(rows))
    return 0


def _add(store, args) -> int:
    from hubapp.cli import _find_agency
    from hubapp.store import accounts, setup

    draft = accounts.AccountDraft(args.name, args.display_name, args.role)
    problems = accounts.validate(draft)
    if problems:
        raise accounts.AccountError(problems[0].message, problems)
    # an administrator only: say so before asking for a password
    accounts.list_accounts(store)
    agency_id = _find_agency(store, args.agency) if args.agency else None
    if args.hub:
        hub_id = setup.find_hub(store, args.hub).id
    else:
        station = setup.current(store)
        hub_id = station.hub_id if station else None
    draft = accounts.AccountDraft(args.name, args.display_name, args.role, agency_id, hub_id)
    made = accounts.create_account(store, draft, new_password(args.name.strip()))
    where = ", ".join(x for x in (made.agency_name, made.hub_name) if x)
    print(f"Added {made.user_name} ({made.role.label}{', ' + where if where else ''}).")
    return 0


def _disable(store, args) -> int:
    from hubapp.store import accounts

    a = accounts.set_disabled(store, args.name, True)
    print(f"{a.user_name} is disabled: it can no longer sign in.")
    return 0


def _enable(store, args) -> int:
    from hubapp.store import accounts

    a = accounts.set_disabled(store, args.name, False)
    print(f"{a.user_name} can sign in again.")
    return 0


def _unlock(store, args) -> int:
    from hubapp.store import accounts

    a = accounts.unlock(store, args.name)
    print(f"{a.user_name} is unlocked.")
    return 0


def _set_password(store, args) -> int:
    from hubapp.store import accounts

    target = accounts.get(store, args.name)
    if store.account.id != target.id:
        accounts.list_accounts(store)  # an administrator only: say so before asking
    a = accounts.set_password(store, args.name, new_password(target.user_name))
    print(f"The password of {a.user_name} is changed.")
    return 0


def _set_role(store, args) -> int:
    from hubapp.store import accounts

    a = accounts.set_role(store, args.name, args.role)
    print(f"{a.user_name} is now {a.role.label.lower()}.")
    return 0


def _idle_lock(store, args) -> int:
    from hubapp.store import accounts

    if args.minutes is None:
        minutes = accounts.idle_lock_minutes(store)
    else:
        minutes = accounts.set_idle_lock_minutes(store, args.minutes)
    print(f"The windows lock after {minutes} minute{'' if minutes == 1 else 's'} without input.")
    return 0


VERBS = {
    "list": _list, "add": _add, "disable": _disable, "enable": _enable, "unlock": _unlock,
    "set-password": _set_password, "set-role": _set_role, "idle-lock": _idle_lock,
}  # fmt: skip
