"""``hubapp sync``, ``hubapp share|unshare`` and ``hubapp central ...``: the command-line side
of central sync.

    hubapp [--db PATH] sync [--central URL] [--attachments on|off]
    hubapp [--db PATH] share|unshare CASE-REF --hub HUB [--central URL] [--reason TEXT]
    hubapp central init --url URL
    hubapp central add-station --url URL --hub HUB --station NAME
    hubapp central snapshot --url URL [--hub HUB]
"""

from __future__ import annotations

import sys

from hubapp.cli.common import open_signed_in


def add_parsers(sub) -> None:
    y = sub.add_parser("sync", help="one push-then-pull round with the central database")
    y.add_argument("--central", metavar="URL",
                   help="the station's postgresql:// address (saved in the keyring for next time;"
                   " default: HUBAPP_CENTRAL_URL, or the saved address)")  # fmt: skip
    y.add_argument("--attachments", choices=("on", "off"),
                   help="switch this station's sync of attachments' content on or off, kept for "
                   "the rounds after this one too (off: for a slow link; the attachments' "
                   "records still sync; administrators)")  # fmt: skip
    for verb, text in (
        ("share", "share a case with another hub through the central database"),
        ("unshare", "stop sharing a case with another hub (its stations forget it)"),
    ):
        h = sub.add_parser(verb, help=text)
        h.add_argument("reference", metavar="CASE-REF", help="the case's reference, e.g. "
                       "CAR-2026-0042")  # fmt: skip
        h.add_argument("--hub", required=True, help="the other hub's name or code")
        if verb == "share":
            h.add_argument("--reason", metavar="TEXT",
                           help="where this hub has no current sharing agreement with the "
                           "police: why it goes ahead (coordinators and administrators; "
                           "audited)")  # fmt: skip
        h.add_argument("--central", metavar="URL",
                       help="the station's postgresql:// address (default: HUBAPP_CENTRAL_URL, "
                       "or the saved address)")  # fmt: skip
    c = sub.add_parser("central", help="set up the central PostgreSQL database (administrators)")
    what = c.add_subparsers(dest="what", metavar="WHAT", required=True)
    i = what.add_parser("init", help="create or upgrade the central schema, roles and policies")
    i.add_argument("--url", required=True, help="an administrator's postgresql:// address")
    a = what.add_parser("add-station", help="create a station's role; prints its address last")
    a.add_argument("--url", required=True, help="an administrator's postgresql:// address")
    a.add_argument("--hub", required=True, help="hub name or code")
    a.add_argument("--station", required=True, help="station name, e.g. 'Kendal Police Station'")
    n = what.add_parser(
        "snapshot",
        help="build and store each hub's ready-made first copy for new stations (schedule it "
        "nightly)",
    )
    n.add_argument("--url", required=True, help="an administrator's postgresql:// address")
    n.add_argument("--hub", help="only this hub (name or code; default: every hub with a station)")


def run(args) -> int:
    command = {"sync": _sync, "share": _share, "unshare": _share, "central": _central}
    return command[args.command](args)


def _sync(args) -> int:
    from hubapp.sync import credentials, failures
    from hubapp.sync.central import CentralError
    from hubapp.sync.engine import Syncer

    store = open_signed_in(args)
    try:
        if args.attachments:
            from hubapp.sync import files

            files.set_content_sync(store, args.attachments == "on")
        url = credentials.load(store, args.central)
        syncer = Syncer(store, url)
        try:
            summary = syncer.run()
        except CentralError as exc:
            if failures.classify(exc).kind == failures.Kind.REFUSED:  # not "cannot reach"
                raise CentralError(failures.SENTENCES[failures.Kind.REFUSED]) from None
            raise
        finally:
            syncer.close()
        if args.central and not credentials.save(store, args.central):
            print("The address was not saved: this PC has no keyring; pass --central again "
                  f"next time or set {credentials.ENV}.", file=sys.stderr)  # fmt: skip
    finally:
        store.close()
    print(summary.describe())
    return 0


def _share(args) -> int:
    """``hubapp share|unshare CASE-REF --hub HUB``: online only, audited as a disclosure."""
    from hubapp.store.admin.sharing import NoAgreement
    from hubapp.sync import credentials, failures, share
    from hubapp.sync.central import CentralError

    store = open_signed_in(args)
    try:
        share.find_case(store, args.reference)  # an unknown case is told before any network
        share.find_hub_or_fail(args.hub)
        if args.command == "share":  # the basis is checked before any network
            case_id, ref = share.find_case(store, args.reference)
            try:
                share.check_basis(store, case_id, ref, args.reason)
            except NoAgreement as exc:
                raise NoAgreement(
                    f"{exc} Nothing was shared; add --reason TEXT to go ahead.", exc.agencies
                ) from None
        url = credentials.load(store, args.central)
        try:
            if args.command == "share":
                ref, hub, rows = share.share(store, url, args.reference, args.hub,
                                             reason=args.reason)  # fmt: skip
            else:
                ref, hub, rows = share.unshare(store, url, args.reference, args.hub)
        except CentralError as exc:
            failure = failures.classify(exc)
            if failure.kind == failures.Kind.OFFLINE:
                raise CentralError(share.OFFLINE) from None
            if failure.kind != failures.Kind.OTHER:
                raise CentralError(failure.sentence) from None
            raise
    finally:
        store.close()
    if args.command == "share":
        print(f"Case {ref} is now shared with {hub}: {rows} record(s) sent; its stations "
              "receive them at their next sync.")  # fmt: skip
    else:
        print(f"Case {ref} is no longer shared with {hub}: its stations forget {rows} "
              "record(s) at their next sync.")  # fmt: skip
    return 0


def _central(args) -> int:
    from hubapp.sync import central

    if args.what == "init":
        revision = central.init(args.url)
        print(f"The central database at {central.redact(args.url)} is ready (schema {revision}).")
        return 0
    if args.what == "snapshot":
        return _snapshot(args)
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


def _snapshot(args) -> int:
    from hubapp.sync import central, snapshot

    def say(what: str, _done: int, _total: int) -> None:
        print(f"{what}...", file=sys.stderr, flush=True)

    built = snapshot.build(args.url, args.hub, progress=say)
    if not built:
        print(f"No hub has records on {central.redact(args.url)} yet: nothing to build.")
        return 0
    for b in built:
        print(f"Stored the snapshot of {b.describe()}.")
    print(
        "New stations of these hubs start from it; it is dropped when a record is erased "
        "or a share ends, until the next build."
    )
    return 0
