"""``hubapp backup``, ``hubapp restore`` and ``hubapp check``: the command-line side of
:mod:`hubapp.store.admin.backup` (imported only when one of these commands runs)."""

from __future__ import annotations

from pathlib import Path

from hubapp.cli.common import (
    UsageError,
    authenticate,
    database_path,
    error,
    open_signed_in,
    progress_bar,
    require_command,
)

CHECK_HELP = """Check the database for damage without changing it: SQLite's quick_check
(or, with --full, the slower integrity_check), the foreign-key check, and that it is a hubapp
database at all. Exit code 0 when it passes, 1 when it does not."""

RESTORE_HELP = """Replace the database by a backup (administrators). The backup is checked
first; a backup of another station, or one whose audit log does not prove itself whole, is
refused unless an administrator gives --override with the reason (recorded in the audit log).
The database as it was is kept in the backups folder as a dated 'before-restore' copy; the
result is checked again. Close hubapp on this PC first."""


def add_parsers(sub) -> None:
    b = sub.add_parser(
        "backup", help="back up the database (the copy is checked before it is kept)"
    )
    b.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="the backup file (default: a dated file in the backups folder beside "
                   "the database)")  # fmt: skip
    r = sub.add_parser("restore", help="replace the database by a backup (the current one is kept)",
                       description=RESTORE_HELP)  # fmt: skip
    r.add_argument("file", type=Path, metavar="FILE", help="the backup file")
    r.add_argument("--override", metavar="REASON",
                   help="restore a backup that is refused (another station's, or with an audit "
                   "log that does not prove itself whole) anyway, for this reason")  # fmt: skip
    c = sub.add_parser("check", help="check the database for damage", description=CHECK_HELP)
    c.add_argument("--full", action="store_true", help="the thorough check (slower)")


def _size(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB" if n >= 100_000 else f"{n / 1000:,.0f} KB"


def run(args) -> int:
    command = {"backup": _backup, "restore": _restore, "check": _check}
    return command[args.command](args, database_path(args).expanduser().absolute())


def _need_database(db_path: Path) -> None:
    if not db_path.is_file():
        raise UsageError(f"There is no database at {db_path}.")


def _backup(args, db_path: Path) -> int:
    from datetime import datetime

    from hubapp.store.admin import backup

    _need_database(db_path)
    target = args.output or backup.backups_dir(db_path) / backup.manual_name(
        db_path, datetime.now()
    )
    store = open_signed_in(args, db_path)  # checked, and signed in as --user
    try:
        with progress_bar() as progress:
            made = backup.backup(store, target, progress=progress)
        backup.record(store, "backup", made.path, made.cases)
    finally:
        store.close()
    print(f"Backed up {made.cases:,} case{'' if made.cases == 1 else 's'} to {made.path} "
          f"({_size(made.size)}); the copy passed its check.")  # fmt: skip
    print(
        "It holds OFFICIAL-SENSITIVE personal data: keep it where only those entitled can read it."
    )
    return 0


def _sign_in(args, db_path: Path):
    """Once the database has staff accounts, the command acts as --user, as the role matrix
    allows (hubapp.store.roles); returns the account (None without accounts). A database too
    damaged to open has no readable accounts: checking it, or restoring over it, is then the
    way back and is not refused."""
    from hubapp.store.database import open_store
    from hubapp.store.errors import DatabaseError, StoreError

    if not db_path.is_file():
        return None
    try:
        store = open_store(db_path)
    except (StoreError, *DatabaseError):
        return None
    try:
        authenticate(store, args)
        require_command(store, args)
        return store.account
    finally:
        store.close()


def _restore(args, db_path: Path) -> int:
    from hubapp.store.admin import backup

    actor = _sign_in(args, db_path)
    try:
        with progress_bar() as progress:
            restored = backup.restore(args.file, db_path, progress=progress, actor=actor,
                                      override=args.override or "")  # fmt: skip
    except backup.RestoreRefused as exc:
        return error(refusal_sentence(exc))
    print(f"Restored {db_path} from {restored.backup} ({restored.cases:,} case"
          f"{'' if restored.cases == 1 else 's'}).")  # fmt: skip
    if restored.overridden:
        print(f"Overridden by {restored_by(actor)} ({restored.reason}): "
              + " ".join(restored.overridden))  # fmt: skip
    if restored.kept is not None:
        print(f"The database as it was is kept at {restored.kept}.")
    return 0


def refusal_sentence(exc) -> str:
    """A refused restore in one sentence: what it would lose, and the way to override it."""
    parts = [p.rstrip(".") for p in exc.problems]
    parts[1:] = [p[:1].lower() + p[1:] for p in parts[1:]]
    return ("; besides, ".join(parts) + "; nothing was changed, and an administrator may "
            "still restore it with --override 'REASON'.")  # fmt: skip


def restored_by(actor) -> str:
    return actor.user_name if actor is not None else "this PC's user"


def _check(args, db_path: Path) -> int:
    from hubapp.store.admin import backup

    _need_database(db_path)
    _sign_in(args, db_path)
    result = backup.check(db_path, full=args.full)
    kind = "integrity check" if args.full else "quick check"
    if result.foreign:
        return error(f"{db_path} is not a hubapp database (it is another application's SQLite "
                     "file); nothing was changed.")  # fmt: skip
    if result.ok:
        print(f"{db_path} passed its {kind} and foreign-key check ({result.seconds:.1f} s).")
        return 0
    error(f"{db_path} is damaged: {result.problem()}.")
    for problem in result.problems[1:]:
        error(f"also: {problem}")
    newest = [b for b in backup.list_backups(db_path) if b.kind != "before restore"]
    if newest:
        error(f"the newest backup is {newest[0].path}; restore it with 'hubapp restore FILE'.")
    return 1
