"""``hubapp agreements``: the hub's register of information sharing agreements
(hubapp.store.admin.sharing; the database layer is imported only when a command runs).

    hubapp [--db PATH] agreements list [--hub HUB] [--date DATE] [--format text|json]
    hubapp [--db PATH] agreements add --agency AGENCY --name NAME --from DATE --basis CODE
                                      [--to DATE] [--version V] [--retention-years N]
                                      [--notes TEXT] [--hub HUB]
    hubapp [--db PATH] agreements end ID [--on DATE]

``list`` shows every agency taking part in the hub with its agreement's status (current,
not yet started, expired, no agreement); anyone may list. ``add`` and ``end`` are for
coordinators and administrators. The hub is this station's unless ``--hub`` names it.
"""

from __future__ import annotations

import json
import sys

from hubapp.cli.common import (
    EXIT_USAGE,
    day_argument,
    error,
    existing_database,
    find_agency,
    open_signed_in,
)

HELP = """The hub's register of information sharing agreements: for each agency, its
agreement (name, version, dates) and the lawful basis it shares under (codes of
resources/refdata/sharing.toml). Assigning an agency to a case, sharing a case with another
hub and printing a partner pack check it; without a current agreement they need a
coordinator's or an administrator's reason."""


def add_parsers(sub) -> None:
    a = sub.add_parser("agreements", help="the register of sharing agreements: list, add, end",
                       description=HELP)  # fmt: skip
    what = a.add_subparsers(dest="what", metavar="list|add|end", required=True)
    li = what.add_parser("list", help="every agency of the hub with its agreement's status")
    li.add_argument("--hub", help="hub name or code (default: this station's)")
    li.add_argument("--date", type=day_argument, metavar="DATE",
                    help="the status on this day (default: today)")  # fmt: skip
    li.add_argument("--format", default="text", metavar="text|json", help="text (default) or json")
    ad = what.add_parser("add", help="record an agreement (coordinators and administrators)")
    ad.add_argument("--agency", required=True, help="agency code, name or short name")
    ad.add_argument("--name", required=True, help="the agreement's name, as on its cover")
    ad.add_argument("--version", default="", help="its version, e.g. 2.1")
    ad.add_argument("--from", dest="starts_on", type=day_argument, required=True,
                    metavar="DATE", help="the day it starts (dd/mm/yyyy)")  # fmt: skip
    ad.add_argument("--to", dest="ends_on", type=day_argument, metavar="DATE",
                    help="the day it ends (default: none)")  # fmt: skip
    ad.add_argument("--basis", required=True, metavar="CODE",
                    help="the lawful basis: crime_disorder_s115, uk_gdpr_6_1_e, dpa_part_3 or "
                    "consent")  # fmt: skip
    ad.add_argument("--retention-years", type=int, metavar="N",
                    help="the retention period it sets for shared case records")  # fmt: skip
    ad.add_argument("--notes", default="", metavar="TEXT")
    ad.add_argument("--hub", help="hub name or code (default: this station's)")
    en = what.add_parser("end", help="end an agreement (its last day)")
    en.add_argument("id", metavar="ID", help="the agreement's id as 'agreements list' shows it")
    en.add_argument("--on", type=day_argument, metavar="DATE", help="its last day (default: today)")


def run(args) -> int:
    store = open_signed_in(args, existing_database(args))
    try:
        if args.what == "list":
            return _list(store, args)
        if args.what == "add":
            return _add(store, args)
        return _end(store, args)
    finally:
        store.close()


def _hub_id(store, text: str | None):
    from hubapp.store import setup
    from hubapp.store.errors import StoreError

    if text:
        return setup.find_hub(store, text).id
    station = setup.current(store)
    if station is None:
        raise StoreError("This station has no hub yet; name one with --hub.")
    return station.hub_id


def _list(store, args) -> int:
    from hubapp.domain.clock import local_today
    from hubapp.domain.formatting import format_date
    from hubapp.store.admin import sharing

    fmt = (args.format or "").strip().lower()
    if fmt not in ("text", "json"):
        return error(f"cannot list as '{args.format}'; choose text or json.", EXIT_USAGE)
    today = args.date or local_today()
    rows = sharing.register(store, _hub_id(store, args.hub), today)
    if fmt == "json":
        out = []
        for r in rows:
            a = r.agreement
            out.append({
                "hub": r.hub, "agency": r.agency, "agency_code": r.agency_code,
                "status": r.status,
                "agreement": None if a is None else {
                    "id": a.id.hex, "name": a.name, "version": a.version,
                    "starts_on": a.starts_on.isoformat(),
                    "ends_on": a.ends_on.isoformat() if a.ends_on else None,
                    "basis": a.basis, "retention_years": a.retention_years,
                },
            })  # fmt: skip
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for r in rows:
            a = r.agreement
            print(f"{r.agency_code:<14} {r.label:<16} {r.agency}")
            if a is not None:
                keep = f", records kept {a.retention_years} years" if a.retention_years else ""
                print(f"{'':<14} {sharing.short_id(a.id)}  {a.name}"
                      f"{' v' + a.version if a.version else ''}, {a.dates()}, {a.basis}{keep}")  # fmt: skip
    missing = sum(r.status != sharing.CURRENT for r in rows)
    print(f"{len(rows):,} agencies; {missing:,} without a current agreement on "
          f"{format_date(today)}.", file=sys.stderr)  # fmt: skip
    return 0


def _add(store, args) -> int:
    from hubapp.store.admin import sharing

    draft = sharing.AgreementDraft(
        hub_id=_hub_id(store, args.hub), agency_id=find_agency(store, args.agency),
        name=args.name, version=args.version, starts_on=args.starts_on, ends_on=args.ends_on,
        basis=args.basis, retention_years=args.retention_years, notes=args.notes,
    )  # fmt: skip
    a = sharing.add(store, draft)
    print(f"Recorded {a.describe()} with {a.agency} ({a.hub} hub), {a.dates()}: "
          f"{sharing.short_id(a.id)}.")  # fmt: skip
    return 0


def _end(store, args) -> int:
    from hubapp.domain.clock import local_today
    from hubapp.domain.formatting import format_date
    from hubapp.store.admin import sharing

    found = sharing.find(store, args.id)
    a = sharing.end(store, found.id, args.on or local_today())
    print(f"{a.describe()} with {a.agency} ends on {format_date(a.ends_on)}.")
    return 0
