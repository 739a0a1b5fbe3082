"""``hubapp case-review``: the ASB Case Review from the command line.

    hubapp [--db PATH] case-review queue [--hub HUB] [--format text|json]
    hubapp [--db PATH] case-review return --year YYYY [--format json|csv]

``queue`` lists the victims and places at 2 ("approaching") and at 3 or more ("reached")
qualifying complaints in the six months up to today (hubapp.store.casework.case_review), with
whether the review was explained to each victim; of the cases the account sees, in one hub
or all. It names victims: the listing is audited as a consultation.

``return`` prints the year's figures the relevant bodies publish, per hub and in total:
applications, threshold not met, reviews carried out, reviews leading to recommendations.
Counts only.

A format, a year or a hub that is not known is one sentence on stderr, exit code 1.
"""

from __future__ import annotations

import csv
import json
import sys

from hubapp.cli.common import error, existing_database, open_signed_in


def add_parsers(sub) -> None:
    cr = sub.add_parser("case-review", help="the ASB Case Review: the hub's queue, the yearly "
                        "figures")  # fmt: skip
    what = cr.add_subparsers(dest="what", metavar="queue|return", required=True)
    qu = what.add_parser("queue", help="victims and places approaching or reaching a review")
    qu.add_argument("--hub", help="one hub (code or name; default: every hub the account sees)")
    qu.add_argument("--format", default="text", metavar="text|json",
                    help="text (default) or json")  # fmt: skip
    re = what.add_parser("return", help="the year's published figures")
    re.add_argument("--year", default="", metavar="YYYY", help="the calendar year")
    re.add_argument("--format", default="json", metavar="json|csv",
                    help="json (default) or csv")  # fmt: skip


def run(args) -> int:
    fmt = (args.format or "").strip().lower()
    if args.what == "queue":
        if fmt not in ("text", "json"):
            return error(f"cannot print the queue as '{args.format}'; choose text or json.")
    else:
        if fmt not in ("json", "csv"):
            return error(f"cannot print the figures as '{args.format}'; choose json or csv.")
        year = (args.year or "").strip()
        if not (year.isdigit() and len(year) == 4 and 2000 <= int(year) <= 2100):
            what = f"'{year}' is not a year" if year else "give the year"
            return error(f"{what}: use --year YYYY, for example --year 2026.")
    store = open_signed_in(args, existing_database(args))
    try:
        if args.what == "queue":
            return _queue(store, args.hub, fmt)
        return _return(store, int(year), fmt)
    finally:
        store.close()


def _when(value) -> str | None:
    return None if value is None else value.isoformat()


def _queue(store, hub: str | None, fmt: str) -> int:
    from hubapp.store import setup
    from hubapp.store.casework import case_review, people

    hub_id = setup.find_hub(store, hub).id if hub else None
    entries = case_review.queue(store, hub_id)
    if fmt == "json":
        json.dump([{
            "kind": e.kind, "id": e.subject_id.hex, "name": e.name,
            "reference": people.reference(e.subject_id) if e.kind == "victim" else None,
            "count": e.count, "status": e.status, "route": e.route or None,
            "case": e.case_reference, "hub": e.hub, "first": _when(e.first),
            "last": _when(e.last), "explained": e.explained,
            "explained_on": _when(e.explained_on), "needs_explaining": e.needs_explaining,
            "review": e.review or None,
        } for e in entries], sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        print()
    else:
        for e in entries:
            explained = ("" if e.kind == "place" else
                         "  explained" if e.explained else "  NOT EXPLAINED")  # fmt: skip
            route = f" ({e.route_text})" if e.route and e.route != "threshold" else ""
            review = f"  review: {e.review}" if e.review else ""
            print(f"{e.status:<12}{e.count:>3}  {e.kind:<7}{e.name}  {e.case_reference} "
                  f"{e.hub}{route}{explained}{review}")  # fmt: skip
    n = len(entries)
    print(f"{n:,} victim{'s' * (n != 1)} and places in the ASB Case Review queue.",
          file=sys.stderr)  # fmt: skip
    return 0


def _return(store, year: int, fmt: str) -> int:
    from hubapp.store.casework import case_review

    figures = case_review.yearly_return(store, year)
    total = dict.fromkeys(case_review.FIGURES, 0)
    for f in figures.values():
        for k in total:
            total[k] += f[k]
    if fmt == "json":
        json.dump({"year": year, "hubs": figures, "total": total}, sys.stdout, indent=2)
        print()
        return 0
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["year", "hub", *case_review.FIGURES])
    for hub, f in figures.items():
        out.writerow([year, hub, *(f[k] for k in case_review.FIGURES)])
    out.writerow([year, "Total", *(total[k] for k in case_review.FIGURES)])
    return 0
