"""The command line (a contract: scripts and scheduled tasks rely on it).

    hubapp [--db PATH]                                 open the GUI
    hubapp [--db PATH] setup --hub HUB --station NAME  the first-start questions
    hubapp [--db PATH] demo [--cases N] [--seed S]     fill a database with demo data
    hubapp [--db PATH] selftest                        GUI off-screen: paint, time, exit
    hubapp [--db PATH] print case REF | pack --hub H [--date D] | actions --agency A [--hub H]
                       [--profile police|partner|public] [-o FILE.pdf]   print a document
    hubapp [--db PATH] export actions [--format csv|xlsx] [-o FILE] [--agency A] [--hub H]
    hubapp [--db PATH] export cases [--format csv|json|xlsx] [-o FILE] [--hub H] [--status S]
    hubapp [--db PATH] import FILE.csv                 import issues; rejects beside the file
    hubapp [--db PATH] audit [--format csv|json] [-o FILE] [filters] | audit --verify
    hubapp [--db PATH] subject-access --person ID|NAME -o FILE.json|FILE.zip
    hubapp [--db PATH] backup [-o FILE] | restore FILE | check [--full]
    hubapp [--db PATH] retention list [--format csv] | keep REF --until D --reason T | erase REF --reason T
    hubapp --version

Errors go to stderr as one sentence, with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from hubapp import APP_NAME, __version__
from hubapp.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    STARTED,
    UsageError,
    authenticate,
    database_path,
    error,
    existing_database,
    find_agency,
    open_signed_in,
    progress_bar,
)

log = logging.getLogger(__name__)


def _positive(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    if value > 5_000_000:
        raise argparse.ArgumentTypeError("at most 5,000,000 cases at a time")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Case work for the Local Focus Hubs of Cumbria. "
        "Without a command, opens the application window.",
    )
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    p.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        help="the hub database file (default: HUBAPP_DB, or hub.sqlite3 in the per-user data folder)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    p.add_argument("--user", metavar="NAME",
                   help="who is acting, once the database has staff accounts (the password is "
                   "asked, or read from HUBAPP_PASSWORD)")  # fmt: skip
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("setup", help="say which hub and station this PC is (first start)")
    s.add_argument("--hub", required=True, help="hub name or code, e.g. 'South Lakeland' or SLK")
    s.add_argument("--station", required=True, help="station name, e.g. 'Kendal Police Station'")
    s.add_argument("--admin", metavar="USER",
                   help="make the first administrator's account (the password is asked twice, "
                   "or read from HUBAPP_PASSWORD)")  # fmt: skip
    s.add_argument("--name", dest="display_name", default="", metavar="'FULL NAME'",
                   help="the administrator's name as shown on screens")  # fmt: skip

    d = sub.add_parser("demo", help="fill the database with realistic demo data (training only)")
    d.add_argument("--cases", type=_positive, default=1000, help="how many cases (default 1000)")
    d.add_argument("--seed", type=_seed, default=1, help="random seed (default 1)")

    sub.add_parser("selftest", help="start the window off-screen, print timings, exit 0")
    _add_print_parser(sub)

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

    im = sub.add_parser(
        "import",
        help="import issues from a CSV file (online form, 101 log); bad rows go to a rejects "
        "file beside it",
    )
    im.add_argument("file", type=Path, metavar="FILE.csv", help="the CSV file to import")
    from hubapp.cli import cmd_sync as sync_commands

    sync_commands.add_parsers(sub)
    from hubapp.cli import cmd_accounts as accounts_commands

    accounts_commands.add_parsers(sub)
    from hubapp.cli import cmd_backup as backup_commands

    backup_commands.add_parsers(sub)
    from hubapp.cli import cmd_audit as audit_commands

    audit_commands.add_parsers(sub)
    from hubapp.cli import cmd_retention as retention_commands

    retention_commands.add_parsers(sub)
    return p


def cmd_setup(args) -> int:
    from hubapp.cli import cmd_accounts as accounts_commands

    return accounts_commands.cmd_setup(args, database_path(args))


def cmd_demo(args) -> int:
    from hubapp.store.exchange import demo

    store = open_signed_in(args)
    try:
        with progress_bar() as progress:
            summary = demo.generate(store, args.cases, seed=args.seed, progress=progress)
    finally:
        store.close()
    print(summary.describe())
    print(f"Database: {store.path}")
    return EXIT_OK


def cmd_selftest(args) -> int:
    from hubapp.app import run_selftest

    # the same sign-in as every command, once the database is open
    return run_selftest(
        database_path(args), STARTED, sign_in=lambda store: authenticate(store, args)
    )


def cmd_gui(args) -> int:
    from hubapp.app import run_gui

    if sys.platform.startswith("linux") and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    ):
        # Qt would abort with a misleading message about missing libraries
        raise UsageError(
            "There is no display to open the window on; run hubapp from a desktop session "
            "(its commands, such as 'hubapp setup' or 'hubapp demo', work without one)."
        )
    return run_gui(database_path(args), user_name=args.user or "")


def cmd_export_actions(args) -> int:
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


def cmd_export_cases(args) -> int:
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


def cmd_import(args) -> int:
    from hubapp.store.exchange import importer

    store = open_signed_in(args, existing_database(args))
    try:
        with progress_bar() as progress:
            result = importer.import_file(store, args.file, progress=progress)
    finally:
        store.close()
    for title in result.unknown_columns:
        error(f'the column "{title}" is not one hubapp imports; it was ignored.')
    for line in importer.iter_reasons(result):
        error(line)
    print(result.describe())
    return EXIT_ERROR if result.rejected else EXIT_OK


#: export WHAT: the function for each kind of record
EXPORTS = {"actions": cmd_export_actions, "cases": cmd_export_cases}


def cmd_export(args) -> int:
    return EXPORTS[args.what](args)


COMMANDS = {
    "setup": cmd_setup, "demo": cmd_demo, "selftest": cmd_selftest, "export": cmd_export,
    None: cmd_gui,
}  # fmt: skip


# --- print: documents as PDF (hubapp.documents) -----------------------------------------------

PRINT_HELP = """Print a document as a PDF file. --profile says what it may show: police
(everything), partner (people by initials, no notes kept to one agency) or public (no
personal data; marked OFFICIAL). The default is public, the safest. Without -o the file goes
in the current folder under a name made from the document (e.g.
case-CAR-2026-0042-partner.pdf); an existing file of that name is replaced. Every print is
recorded in the audit log as a disclosure."""


def _add_print_parser(sub) -> None:
    pr = sub.add_parser("print", help="print a case summary, meeting pack or action sheet as PDF",
                        description=PRINT_HELP)  # fmt: skip
    what = pr.add_subparsers(dest="what", metavar="WHAT", required=True)

    def common(q) -> None:
        q.add_argument("--profile", default="public", metavar="police|partner|public",
                       help="what the document may show (default: public, the safest)")  # fmt: skip
        q.add_argument("-o", "--output", type=Path, metavar="FILE.pdf",
                       help="the PDF to write (default: a name made from the document, in the "
                       "current folder)")  # fmt: skip

    c = what.add_parser("case", help="one case on one or two pages")
    c.add_argument("reference", metavar="REF", help="the case reference, e.g. CAR-2026-0042")
    common(c)
    k = what.add_parser("pack", help="a hub's partner-meeting pack")
    k.add_argument("--hub", required=True, help="hub name or code")
    k.add_argument("--date", metavar="YYYY-MM-DD",
                   help="the meeting's date (default: the hub's next meeting, or its open "
                   "cases in priority order when none is planned)")  # fmt: skip
    common(k)
    a = what.add_parser("actions", help="one agency's open actions, with RAG")
    a.add_argument("--agency", required=True, help="agency code, name or short name")
    a.add_argument("--hub", help="only this hub's cases (default: every hub)")
    common(a)


def _print_date(text: str):
    from datetime import date, datetime

    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UsageError(
        f"'{text}' is not a date; give it as YYYY-MM-DD, e.g. {date.today():%Y-%m-%d}."
    )


def cmd_print(args) -> int:
    from hubapp.documents import printing
    from hubapp.domain import redaction as profiles

    try:
        profile = profiles.rules(args.profile).profile
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    day = _print_date(args.date) if getattr(args, "date", None) else None
    store = open_signed_in(args, existing_database(args))
    try:
        if args.what == "case":
            doc = printing.case_summary(store, args.reference, profile)
        elif args.what == "pack":
            with progress_bar() as progress:
                doc = printing.meeting_pack(store, args.hub, profile, day=day, progress=progress)
        else:
            doc = printing.action_sheet(store, args.agency, profile, hub=args.hub)
        target = printing.save(store, doc, args.output or Path.cwd() / doc.suggested_name())
    finally:
        store.close()
    pages = f"{doc.pages} page{'' if doc.pages == 1 else 's'}"
    print(f"Saved {doc.title} ({profile.value} profile, {doc.marking}, {pages}) to {target}.")
    return EXIT_OK


COMMANDS["print"] = cmd_print
COMMANDS["import"] = cmd_import


def run_sync(args) -> int:
    from hubapp.cli import cmd_sync as sync_commands

    return sync_commands.cmd_sync(args)


def cmd_central(args) -> int:
    from hubapp.cli import cmd_sync as sync_commands

    return sync_commands.cmd_central(args)


def cmd_share(args) -> int:
    from hubapp.cli import cmd_sync as sync_commands

    return sync_commands.cmd_share(args)


COMMANDS["sync"] = run_sync
COMMANDS["central"] = cmd_central
COMMANDS["share"] = COMMANDS["unshare"] = cmd_share


def run_accounts(args) -> int:
    from hubapp.cli import cmd_accounts as accounts_commands

    return accounts_commands.cmd_accounts(args, database_path(args))


COMMANDS["accounts"] = run_accounts


def run_backup(args) -> int:
    from hubapp.cli import cmd_backup as backup_commands

    return backup_commands.run(args, database_path(args))


COMMANDS["backup"] = COMMANDS["restore"] = COMMANDS["check"] = run_backup


def run_audit(args) -> int:
    from hubapp.cli import cmd_audit as audit_commands

    return audit_commands.cmd_audit(args)


def cmd_subject_access(args) -> int:
    from hubapp.cli import cmd_audit as audit_commands

    return audit_commands.cmd_subject_access(args)


COMMANDS["audit"] = run_audit
COMMANDS["subject-access"] = cmd_subject_access


def run_retention(args) -> int:
    from hubapp.cli import cmd_retention as retention_commands

    return retention_commands.cmd_retention(args)


COMMANDS["retention"] = run_retention


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from hubapp import logs
    from hubapp.paths import log_dir

    logs.setup(None if args.command == "selftest" else log_dir(), verbose=args.verbose)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return error("interrupted; nothing half-written was kept.", EXIT_INTERRUPTED)
    except Exception as exc:
        from hubapp.errors import describe, expected

        if expected(exc):
            log.info("Command failed: %s", exc)
        else:
            log.error("Unexpected failure", exc_info=True)
        return error(describe(exc), EXIT_ERROR)


if __name__ == "__main__":
    sys.exit(main())
