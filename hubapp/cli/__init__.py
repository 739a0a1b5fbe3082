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
from hubapp.cli import (
    cmd_accounts,
    cmd_audit,
    cmd_backup,
    cmd_demo,
    cmd_export,
    cmd_import,
    cmd_print,
    cmd_retention,
    cmd_selftest,
    cmd_setup,
    cmd_subject_access,
    cmd_sync,
)
from hubapp.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, UsageError, database_path, error

log = logging.getLogger(__name__)


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
    cmd_setup.add_parsers(sub)
    cmd_demo.add_parsers(sub)
    cmd_selftest.add_parsers(sub)
    cmd_print.add_parsers(sub)
    cmd_export.add_parsers(sub)
    cmd_import.add_parsers(sub)
    cmd_sync.add_parsers(sub)
    cmd_accounts.add_parsers(sub)
    cmd_backup.add_parsers(sub)
    cmd_audit.add_parsers(sub)
    cmd_subject_access.add_parsers(sub)
    cmd_retention.add_parsers(sub)
    return p


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


COMMANDS = {
    None: cmd_gui,
    "setup": lambda args: cmd_setup.cmd_setup(args, database_path(args)),
    "demo": cmd_demo.cmd_demo,
    "selftest": cmd_selftest.cmd_selftest,
    "print": cmd_print.cmd_print,
    "export": cmd_export.cmd_export,
    "import": cmd_import.cmd_import,
    "sync": cmd_sync.cmd_sync,
    "share": cmd_sync.cmd_share,
    "unshare": cmd_sync.cmd_share,
    "central": cmd_sync.cmd_central,
    "accounts": lambda args: cmd_accounts.cmd_accounts(args, database_path(args)),
    "backup": lambda args: cmd_backup.run(args, database_path(args)),
    "restore": lambda args: cmd_backup.run(args, database_path(args)),
    "check": lambda args: cmd_backup.run(args, database_path(args)),
    "audit": cmd_audit.cmd_audit,
    "subject-access": cmd_subject_access.cmd_subject_access,
    "retention": cmd_retention.cmd_retention,
}


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
