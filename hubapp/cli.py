"""The command line (a contract: scripts and scheduled tasks rely on it).

    hubapp [--db PATH]                                 open the GUI
    hubapp [--db PATH] setup --hub HUB --station NAME  the first-start questions
    hubapp [--db PATH] demo [--cases N] [--seed S]     fill a database with demo data
    hubapp [--db PATH] selftest                        GUI off-screen: paint, time, exit
    hubapp --version

Errors go to stderr as one sentence, with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from hubapp import APP_NAME, __version__

STARTED = time.perf_counter()
log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


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
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("setup", help="say which hub and station this PC is (first start)")
    s.add_argument("--hub", required=True, help="hub name or code, e.g. 'South Lakeland' or SLK")
    s.add_argument("--station", required=True, help="station name, e.g. 'Kendal Police Station'")

    d = sub.add_parser("demo", help="fill the database with realistic demo data (training only)")
    d.add_argument("--cases", type=_positive, default=1000, help="how many cases (default 1000)")
    d.add_argument("--seed", type=_seed, default=1, help="random seed (default 1)")

    sub.add_parser("selftest", help="start the window off-screen, print timings, exit 0")
    return p


def _db_path(args) -> Path:
    from hubapp.paths import default_db_path

    return args.db if args.db is not None else default_db_path()


def _open(path: Path):
    from hubapp.store.database import open_store

    return open_store(path)


def cmd_setup(args) -> int:
    from hubapp.store import setup

    store = _open(_db_path(args))
    try:
        info = setup.configure(store, args.hub, args.station)
    finally:
        store.close()
    print(f"This PC is now {info.station_name}, {info.hub_name} hub ({info.hub_code}).")
    print(f"Database: {store.path}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from hubapp.store import demo

    store = _open(_db_path(args))
    tty = sys.stderr is not None and sys.stderr.isatty()  # hubappw has no console

    def progress(fraction: float, message: str) -> bool:
        if tty:
            bar = "#" * int(fraction * 30)
            print(f"\r[{bar:<30}] {fraction:4.0%} {message[:40]:<40}", end="", file=sys.stderr)
        return True

    try:
        summary = demo.generate(store, args.cases, seed=args.seed, progress=progress)
    finally:
        if tty:
            print(file=sys.stderr)
        store.close()
    print(summary.describe())
    print(f"Database: {store.path}")
    return EXIT_OK


def cmd_selftest(args) -> int:
    from hubapp.app import run_selftest

    return run_selftest(_db_path(args), STARTED)


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
    return run_gui(_db_path(args))


COMMANDS = {"setup": cmd_setup, "demo": cmd_demo, "selftest": cmd_selftest, None: cmd_gui}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from hubapp import logs
    from hubapp.paths import log_dir

    logs.setup(None if args.command == "selftest" else log_dir(), verbose=args.verbose)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(f"{APP_NAME}: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except Exception as exc:
        from hubapp.errors import describe, expected

        if expected(exc):
            log.info("Command failed: %s", exc)
        else:
            log.error("Unexpected failure", exc_info=True)
        print(f"{APP_NAME}: {describe(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
