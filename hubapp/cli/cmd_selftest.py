"""``hubapp selftest``: start the window off-screen, paint it, print the timings, exit 0.

    hubapp [--db PATH] selftest

The frozen bundle's smoke test and the start-up benchmark run it.
"""

from __future__ import annotations

from hubapp.cli.common import STARTED, authenticate, database_path


def add_parsers(sub) -> None:
    sub.add_parser("selftest", help="start the window off-screen, print timings, exit 0")


def run(args) -> int:
    from hubapp.app import run_selftest

    # the same sign-in as every command, once the database is open
    return run_selftest(
        database_path(args), STARTED, sign_in=lambda store: authenticate(store, args)
    )
