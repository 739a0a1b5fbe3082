"""``hubapp demo``: fill a database with realistic demo data, for training.

    hubapp [--db PATH] demo [--cases N] [--seed S]

The same seed gives the same data; everything is written in one transaction.
"""

from __future__ import annotations

import argparse

from hubapp.cli.common import EXIT_OK, open_signed_in, progress_bar


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


def add_parsers(sub) -> None:
    d = sub.add_parser("demo", help="fill the database with realistic demo data (training only)")
    d.add_argument("--cases", type=_positive, default=1000, help="how many cases (default 1000)")
    d.add_argument("--seed", type=_seed, default=1, help="random seed (default 1)")


def run(args) -> int:
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
