"""``hubapp retention``: the retention review from the command line (the database layer is
imported only when a command runs).

    hubapp retention list [--format text|csv] [--date DATE]
    hubapp retention keep REF --until DATE --reason TEXT
    hubapp retention erase REF --reason TEXT [--yes] [--before-due]
"""

from __future__ import annotations

import csv
import sys

from hubapp.cli.common import EXIT_USAGE, day_argument, error, existing_database, open_signed_in

HELP = """The retention review: closed cases and people linked to no open case whose review
period (resources/refdata/retention.toml) has passed. 'list' shows them; 'keep' keeps one
until a later day, with a reason; 'erase' removes it and everything that belongs to it for
good (asks you to type the reference unless --yes). REF is a case reference, or the person
reference the list shows (P- and eight characters). Coordinators and administrators only."""


def add_parsers(sub) -> None:
    r = sub.add_parser("retention", help="the retention review: list, keep or erase records",
                       description=HELP)  # fmt: skip
    what = r.add_subparsers(dest="retention_command", metavar="list|keep|erase", required=True)
    li = what.add_parser("list", help="what is due for review, oldest first")
    li.add_argument("--format", default="text", metavar="text|csv", help="text (default) or csv")
    li.add_argument("--date", type=day_argument, metavar="DATE",
                    help="as on this day (default: today)")  # fmt: skip
    k = what.add_parser("keep", help="keep a record until a later day")
    k.add_argument("ref", metavar="REF", help="a case reference or a person reference")
    k.add_argument("--until", type=day_argument, required=True, metavar="DATE", help="dd/mm/yyyy")
    k.add_argument("--reason", required=True, metavar="TEXT", help="why it is kept")
    e = what.add_parser("erase", help="erase a record and everything that belongs to it")
    e.add_argument("ref", metavar="REF", help="a case reference or a person reference")
    e.add_argument("--reason", required=True, metavar="TEXT",
                   help="why (recorded in the audit log; do not name anyone)")  # fmt: skip
    e.add_argument("--yes", action="store_true", help="do not ask to type the reference")
    e.add_argument("--before-due", action="store_true",
                   help="erase before the review is due, on a data subject's request "
                   "(administrators; give the request as the reason)")  # fmt: skip


def run(args) -> int:
    store = open_signed_in(args, existing_database(args))
    try:
        if args.retention_command == "list":
            return _list(store, args)
        if args.retention_command == "keep":
            return _keep(store, args)
        return _erase(store, args)
    finally:
        store.close()


def _list(store, args) -> int:
    from hubapp.domain.clock import local_today
    from hubapp.domain.formatting import format_date
    from hubapp.domain.spreadsheet import safe_cell
    from hubapp.store.admin import retention

    fmt = (args.format or "").strip().lower()
    if fmt not in ("text", "csv"):
        return error(f"cannot list as '{args.format}'; choose text or csv.", EXIT_USAGE)
    items = retention.due(store, args.date or local_today())
    retention.record_review(store, items, "command line")
    if fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["kind", "reference", "label", "why", "due_since", "last_decision"])
        for i in items:
            out.writerow([i.kind, i.reference, safe_cell(i.label), i.why, i.since.isoformat(),
                          safe_cell(i.last_decision.describe() if i.last_decision else "")])  # fmt: skip
    else:
        for i in items:
            line = f"{i.reference:<16} {i.kind:<6} due since {format_date(i.since)}  {i.why}"
            print(line)
            print(f"{'':<16} {i.label}")
            if i.last_decision is not None:
                print(f"{'':<16} {i.last_decision.describe()}")
    print(f"{len(items):,} record{'' if len(items) == 1 else 's'} due for review.", file=sys.stderr)
    return 0


def _keep(store, args) -> int:
    from hubapp.domain.formatting import format_date
    from hubapp.store.admin import retention

    record = retention.find(store, args.ref)
    retention.decide(store, record, args.until, args.reason)
    print(f"{record.reference} is kept until {format_date(args.until)}.")
    return 0


def _erase(store, args) -> int:
    from hubapp.store.admin import retention

    record = retention.find(store, args.ref)
    problems = retention.reason_problems(args.reason)
    if problems:
        return error(problems[0].message)
    retention.check_erasable(store, record, before_due=args.before_due)  # before asking
    if not args.yes:
        rows = retention.rows_about(store, record)
        print(f"This erases {record.reference} and {rows:,} row{'' if rows == 1 else 's'} that "
              "belong to it, for good.", file=sys.stderr)  # fmt: skip
        if not sys.stdin or not sys.stdin.isatty():
            return error("Add --yes to erase without being asked (no one can answer here).")
        try:
            typed = input(f"Type {record.reference} to erase it: ")
        except EOFError:
            typed = ""
        if typed.strip().upper() != record.reference.upper():
            return error("Nothing was erased: the reference typed did not match.")
    result = retention.erase(store, record, args.reason, before_due=args.before_due)
    print(f"Erased {result.reference}: {result.rows:,} rows.")
    if not result.log_emptied:
        print("The database's log will be emptied when the other programs using it close it.",
              file=sys.stderr)  # fmt: skip
    return 0
