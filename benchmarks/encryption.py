"""What the walking-skeleton benchmarks share to measure the cost of encryption at rest.

Databases are encrypted (SQLCipher) in use. A benchmark measures whatever kind of demo
database it is given, opened as it is (``open_as_is``); those that make their own demo data
take ``--plain`` to make a plaintext one instead, which the application itself never does.
``bench_encryption.py`` runs the four of them on one encrypted and one plaintext copy of the
same demo data and prints the ratios.

On a PC without a usable keyring (a Linux server), the database key goes to a file keyring
of the run (the tests' own backend), as it would go to the Windows Credential Manager on a
station; ``--passphrase`` measures the other way of keeping the key instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: the hubapp command line with every database opened without encryption (plaintext files
#: stay plaintext, new ones are made plaintext): the baseline of the measurements only
PLAIN_HUBAPP = (
    "import functools, sys; from hubapp.store import database; "
    "database.open_store = functools.partial(database.open_store, encrypted=False); "
    "from hubapp.cli import main; sys.exit(main(sys.argv[1:]))"
)


def add_switch(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--plain", action="store_true",
                       help="make the demo database without encryption (the baseline)")  # fmt: skip
    group.add_argument("--encrypted", dest="plain", action="store_false",
                       help="make the demo database encrypted, as the application does (default)")  # fmt: skip


def hubapp_command(plain: bool) -> list[str]:
    if plain:
        return [sys.executable, "-c", PLAIN_HUBAPP]
    return [sys.executable, "-m", "hubapp"]


def ensure_keyring(passphrase: str | None = None, folder: Path | None = None) -> None:
    """Give this process (and the processes it starts, through the environment) somewhere
    to keep database keys: a passphrase if given, else this PC's keyring, else a file
    keyring of the run (in ``folder``, beside the databases it keeps, when given)."""
    from hubapp.store import keys

    if passphrase:
        os.environ[keys.ENV_PASSPHRASE] = passphrase
    if os.environ.get(keys.ENV_PASSPHRASE):
        return
    if keys.keyring_backend() is not None:
        return
    if folder is None:
        import atexit
        import shutil

        folder = Path(tempfile.mkdtemp(prefix="hubapp-bench-keys-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    config = folder / "config" / "python_keyring"
    config.mkdir(parents=True, exist_ok=True)
    (config / "keyringrc.cfg").write_text(
        "[backend]\ndefault-keyring = keyring_for_tests.FileKeyring\n"
        f"keyring-path = {REPO / 'tests'}\n"
    )
    os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    os.environ["HUBAPP_TEST_KEYRING"] = str(folder / "keyring.json")
    sys.path.insert(0, str(REPO / "tests"))
    import keyring
    from keyring_for_tests import FileKeyring

    keyring.set_keyring(FileKeyring())


def plain_in_this_process() -> None:
    """Open every database of this process without encryption, as ``PLAIN_HUBAPP`` does."""
    import functools

    from hubapp.store import database

    database.open_store = functools.partial(database.open_store, encrypted=False)


def open_as_is(path: Path):
    """Open a (copy of a) demo database encrypted if it is, plaintext if it is."""
    from hubapp.store.database import is_encrypted, open_store

    return open_store(path, encrypted=is_encrypted(path))


def kind(path: Path) -> str:
    from hubapp.store.database import is_encrypted

    return "encrypted" if is_encrypted(path) else "plaintext"


def demo_at(path: Path, args) -> float | None:
    """A demo database at ``path``: a copy of ``args.db`` if given, else made with
    ``args.cases`` cases from ``args.seed`` (encrypted unless ``args.plain``); the seconds it
    took to make, or None for a copy."""
    import shutil
    import time

    if getattr(args, "db", None):
        shutil.copy(args.db, path)
        return None
    from hubapp.store.database import open_store
    from hubapp.store.exchange import demo

    started = time.perf_counter()
    store = open_store(path, encrypted=not getattr(args, "plain", False))
    try:
        demo.generate(store, args.cases, seed=args.seed)
    finally:
        store.close()
    return time.perf_counter() - started


def median_and_slowest(fn, runs: int) -> tuple[float, float]:
    """(median, slowest) of ``runs`` calls of ``fn`` in milliseconds, after one warm-up call
    (the first read of each kind fills SQLite's page cache)."""
    import statistics
    import time

    fn()
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took), max(took)


def demo_parser(doc: str, runs: int, runs_help: str | None = None):
    """The arguments every demo-database benchmark takes: ``--db`` (a copy), ``--cases``,
    ``--runs``, ``--seed`` and the encryption switch; a benchmark adds its own to it."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo database to copy (default: make one)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=runs, help=runs_help)
    parser.add_argument("--seed", type=int, default=1)
    add_switch(parser)
    return parser


def parse(parser):
    """The arguments, with the database key made reachable for the run."""
    args = parser.parse_args()
    ensure_keyring()
    return args
