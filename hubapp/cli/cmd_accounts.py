"""Staff accounts on the command line: ``hubapp accounts ...`` (the first administrator is
made by ``hubapp setup --admin``).

    hubapp [--db PATH] --user NAME accounts list
    hubapp [--db PATH] --user NAME accounts add USER --role ROLE [--name N] [--agency A] [--hub H]
    hubapp [--db PATH] --user NAME accounts disable|enable|unlock|set-password USER
    hubapp [--db PATH] --user NAME accounts set-role USER ROLE
    hubapp [--db PATH] --user NAME accounts idle-lock [MINUTES]

The acting person's password is asked (without echo) or read from ``HUBAPP_PASSWORD`` (for
scheduled tasks); a new password is asked twice or read from ``HUBAPP_NEW_PASSWORD``. Both,
and the sign-in itself, are in :mod:`hubapp.cli.common`. This module is imported when the
parser is built, so it imports the database layer only inside functions.
"""

from __future__ import annotations

from hubapp.cli.common import (
    NEW_PASSWORD_ENV,
    existing_database,
    find_agency,
    new_password,
    open_signed_in,
)

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


# --- accounts ... -------------------------------------------------------------------------


def _format_time(value) -> str:
    from hubapp.domain.formatting import format_datetime

    return format_datetime(value) if value is not None else "never"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def run(args) -> int:
    from hubapp.store import accounts

    store = open_signed_in(args, existing_database(args))  # checked, and signed in as --user
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
    from hubapp.store import accounts, setup

    draft = accounts.AccountDraft(args.name, args.display_name, args.role)
    problems = accounts.validate(draft)
    if problems:
        raise accounts.AccountError(problems[0].message, problems)
    # an administrator only: say so before asking for a password
    accounts.list_accounts(store)
    agency_id = find_agency(store, args.agency) if args.agency else None
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
