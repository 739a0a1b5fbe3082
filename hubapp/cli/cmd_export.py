"""``hubapp export``: records for spreadsheets (personal data: each export is audited).

    hubapp [--db PATH] export actions [--format csv|xlsx] [-o FILE] [--agency A] [--hub H]
    hubapp [--db PATH] export cases [--format csv|json|xlsx] [-o FILE] [--hub H] [--status S]

Without -o, CSV and JSON go to standard output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hubapp.cli.common import (
    EXIT_OK,
    UsageError,
    existing_database,
    find_agency,
    open_signed_in,
    progress_bar,
)


def add_parsers(sub) -> None:
    # export WHAT ...: one sub-command per kind of record (actions; cases)
    x = sub.add_parser("export", help="export records for spreadsheets (personal data: audited)")
    what = x.add_subparsers(dest="what", metavar="WHAT", required=True)
    xa = what.add_parser("actions", help="agencies' actions, as CSV or XLSX")
    xa.add_argument("--format", default="csv", metavar="csv|xlsx", help="csv (default) or xlsx")
    xa.add_argument("-o", "--output", type=Path, metavar="FILE",
                    help="the file to write (default: standard output, for CSV only)")  # fmt: skip
    xa.add_argument("--agency", help="only this agency's actions (code, name or short name)")
    xa.add_argument("--hub", help="only this hub's cases (code or name)")
    xc = what.add_parser("cases", help="every case with its fields, as CSV, JSON or XLSX")
    xc.add_argument("--format", default="csv", metavar="csv|json|xlsx",
                    help="csv (default), json or xlsx")  # fmt: skip
    xc.add_argument("-o", "--output", type=Path, metavar="FILE",
                    help="the file to write (default: standard output, for CSV and JSON)")  # fmt: skip
    xc.add_argument("--hub", help="only this hub's cases (code or name)")
    xc.add_argument("--status", help="only cases of this status, e.g. new or 'in progress'")


def _actions(args) -> int:
    from hubapp.store import setup
    from hubapp.store.exchange import export

    fmt = (args.format or "").strip().lower()
    if fmt not in export.FORMATS:
        raise UsageError(f"Cannot export actions as '{args.format}'; choose csv or xlsx.")
    if args.output is None and fmt == "xlsx":
        raise UsageError("An XLSX export needs a file to write: add -o FILE.xlsx.")
    store = open_signed_in(args, existing_database(args))
    try:
        agency_id = find_agency(store, args.agency) if args.agency else None
        hub_id = setup.find_hub(store, args.hub).id if args.hub else None
        if args.output is None:
            export.export_actions_to_stream(store, sys.stdout.buffer, fmt, agency_id, hub_id)
            return EXIT_OK
        count = export.export_actions(store, args.output, fmt, agency_id, hub_id)
    finally:
        store.close()
    print(f"Exported {count:,} action{'' if count == 1 else 's'} to {args.output}.")
    return EXIT_OK


def _find_status(text: str) -> str:
    from hubapp.domain.codes import CaseStatus
    from hubapp.domain.text import match_key

    key = match_key(text)
    for status in CaseStatus:
        if key in (match_key(status.value), match_key(status.label)):
            return status.value
    known = ", ".join(s.value for s in CaseStatus)
    raise UsageError(f"There is no case status '{text}'; the statuses are: {known}.")


def _cases(args) -> int:
    from hubapp.store import setup
    from hubapp.store.exchange import export

    fmt = (args.format or "").strip().lower()
    if fmt not in export.CASE_FORMATS:
        raise UsageError(f"Cannot export cases as '{args.format}'; choose csv, json or xlsx.")
    if args.output is None and fmt == "xlsx":
        raise UsageError("An XLSX export needs a file to write: add -o FILE.xlsx.")
    status = _find_status(args.status) if args.status else None
    store = open_signed_in(args, existing_database(args))
    try:
        hub_id = setup.find_hub(store, args.hub).id if args.hub else None
        if args.output is None:
            export.export_cases(store, None, fmt, hub_id, status, stream=sys.stdout.buffer)
            return EXIT_OK
        with progress_bar() as progress:
            count = export.export_cases(store, args.output, fmt, hub_id, status,
                                        progress=progress)  # fmt: skip
    finally:
        store.close()
    print(f"Exported {count:,} case{'' if count == 1 else 's'} to {args.output}.")
    return EXIT_OK


#: export WHAT: the function for each kind of record
EXPORTS = {"actions": _actions, "cases": _cases}


def run(args) -> int:
    return EXPORTS[args.what](args)
