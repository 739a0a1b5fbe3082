"""``hubapp setup``: the first-start questions without the window, and the first administrator.

    hubapp [--db PATH] setup --hub HUB --station NAME [--admin USER [--name "Full Name"]]

``setup --admin`` reads the first administrator's password from ``HUBAPP_PASSWORD`` or asks
it twice. On a database that already has accounts only an administrator may run it.
"""

from __future__ import annotations

from hubapp.cli.common import (
    PASSWORD_ENV,
    authenticate,
    database_path,
    new_password,
    require_command,
)


def add_parsers(sub) -> None:
    s = sub.add_parser("setup", help="say which hub and station this PC is (first start)")
    # not required when IT pre-set them (HUBAPP_HUB, HUBAPP_STATION: docs/deployment.md)
    s.add_argument("--hub", help="hub name or code, e.g. 'South Lakeland' or SLK "
                   "(default: HUBAPP_HUB)")  # fmt: skip
    s.add_argument("--station", help="station name, e.g. 'Kendal Police Station' "
                   "(default: HUBAPP_STATION)")  # fmt: skip
    s.add_argument("--admin", metavar="USER",
                   help="make the first administrator's account (the password is asked twice, "
                   "or read from HUBAPP_PASSWORD)")  # fmt: skip
    s.add_argument("--name", dest="display_name", default="", metavar="'FULL NAME'",
                   help="the administrator's name as shown on screens")  # fmt: skip


def preset_station(hub: str | None, station: str | None) -> tuple[str, str]:
    """The hub and station given, else those IT pre-set for this PC (HUBAPP_HUB and
    HUBAPP_STATION, written machine-wide by the installer); UsageError when either is missing."""
    from hubapp import settings
    from hubapp.cli.common import UsageError

    hub = hub or settings.env("HUBAPP_HUB")
    station = station or settings.env("HUBAPP_STATION")
    missing = [o for o, v in (("--hub", hub), ("--station", station)) if not v]
    if missing:
        raise UsageError(f"setup needs {' and '.join(missing)} (or HUBAPP_HUB and "
                         "HUBAPP_STATION, which IT may pre-set for this PC).")  # fmt: skip
    return hub, station


def run(args) -> int:
    # not common.open_signed_in: a database without accounts is where the first administrator
    # is made, and one with accounts is refused a second "first" administrator before any
    # sign-in is asked for
    from hubapp.store import accounts, setup
    from hubapp.store.admin import backup
    from hubapp.store.database import open_store

    hub, station = preset_station(args.hub, args.station)
    path = database_path(args)
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
        info = setup.configure(store, hub, station)
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
