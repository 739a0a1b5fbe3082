"""``hubapp sync`` and ``hubapp central ...``: the command-line side of central sync."""

from __future__ import annotations

import sys


def add_parsers(sub) -> None:
    y = sub.add_parser("sync", help="one push-then-pull round with the central database")
    y.add_argument("--central", metavar="URL",
                   help="the station's postgresql:// address (saved in the keyring for next time;"
                   " default: HUBAPP_CENTRAL_URL, or the saved address)")  # fmt: skip
    c = sub.add_parser("central", help="set up the central PostgreSQL database (administrators)")
    what = c.add_subparsers(dest="what", metavar="WHAT", required=True)
    i = what.add_parser("init", help="create or upgrade the central schema, roles and policies")
    i.add_argument("--url", required=True, help="an administrator's postgresql:// address")
    a = what.add_parser("add-station", help="create a station's role; prints its address last")
    a.add_argument("--url", required=True, help="an administrator's postgresql:// address")
    a.add_argument("--hub", required=True, help="hub name or code")
    a.add_argument("--station", required=True, help="station name, e.g. 'Kendal Police Station'")


def cmd_sync(store, args) -> int:
    from hubapp.sync import credentials
    from hubapp.sync.engine import Syncer

    try:
        url = credentials.load(store, args.central)
        syncer = Syncer(store, url)
        try:
            summary = syncer.run()
        finally:
            syncer.close()
        if args.central and not credentials.save(store, args.central):
            print("The address was not saved: this PC has no keyring; pass --central again "
                  f"next time or set {credentials.ENV}.", file=sys.stderr)  # fmt: skip
    finally:
        store.close()
    print(summary.describe())
    return 0


def cmd_central(args) -> int:
    from hubapp.sync import central

    if args.what == "init":
        revision = central.init(args.url)
        print(f"The central database at {central.redact(args.url)} is ready (schema {revision}).")
        return 0
    account = central.add_station(args.url, args.hub, args.station)
    print(f"Station '{account.station_name}' of {account.hub_name} ({account.hub_code}) can now")
    print(f"sync as PostgreSQL role {account.role}.")
    if account.ref_prefix:
        print(f"It is not the hub's first station: its case references carry the prefix "
              f"{account.ref_prefix} ({account.hub_code}{account.ref_prefix}-YYYY-NNNN), set on "
              "the station by its first sync.")  # fmt: skip
    print("On that PC run, once:")
    print("    hubapp sync --central URL")
    print("with the address below; it is kept in the PC's keyring, never in a file.")
    print("Keep it secret: it is the station's password.")
    print(account.url)
    return 0
