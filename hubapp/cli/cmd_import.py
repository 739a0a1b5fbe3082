"""``hubapp import``: import issues from a CSV file (an online form, a 101 log).

    hubapp [--db PATH] import FILE.csv

Bad rows are reported by line on stderr and written to a rejects file beside the input; the
exit code is 1 if any row was rejected.
"""

from __future__ import annotations

from pathlib import Path

from hubapp.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    error,
    existing_database,
    open_signed_in,
    progress_bar,
)


def add_parsers(sub) -> None:
    im = sub.add_parser(
        "import",
        help="import issues from a CSV file (online form, 101 log); bad rows go to a rejects "
        "file beside it",
    )
    im.add_argument("file", type=Path, metavar="FILE.csv", help="the CSV file to import")


def run(args) -> int:
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
