"""``hubapp audit``: the audit log from the command line (for administrators; the database
layer is imported only when a command runs).

    hubapp audit [--format csv|json] [-o FILE] [--since DATE] [--until DATE] [--user NAME]
                 [--kind KIND] [--station NAME] [--record ID|REF] [--text WORDS]
    hubapp audit --verify
    hubapp audit --accept --reason TEXT
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hubapp.cli.common import (
    EXIT_USAGE,
    authenticate,
    day_argument,
    error,
    existing_database,
    open_signed_in,
    require_command,
)

#: as hubapp.store.audit.Kind (not imported: the parser stays light)
KINDS = ("collection", "alteration", "consultation", "disclosure", "combination", "erasure",
         "sign_in", "sign_in_failed", "lock_out")  # fmt: skip

AUDIT_HELP = """The audit log (DPA 2018 s.62): every collection, alteration, consultation,
disclosure, combination and erasure of records, with when (UTC), who, which station, which
records and why. Without -o the entries go to standard output. Dates are UK days,
dd/mm/yyyy or yyyy-mm-dd; --until includes the whole day. Exporting the log is itself
recorded as a disclosure. --verify checks the hash chain instead: it prints 'ok' or the first
broken entry and exits non-zero when the log was tampered with."""


def _kind(text: str) -> str:
    kind = text.strip().lower()
    if kind not in KINDS:
        raise argparse.ArgumentTypeError(f"'{text}' is not a kind; choose {', '.join(KINDS)}")
    return kind


def add_parsers(sub) -> None:
    a = sub.add_parser("audit", help="the audit log: export it, or check it is intact",
                       description=AUDIT_HELP)  # fmt: skip
    a.add_argument("--verify", action="store_true",
                   help="check the hash chain and its anchor; prints ok or what is wrong "
                   "(reads only: nothing is written before the check is done)")  # fmt: skip
    a.add_argument("--accept", action="store_true",
                   help="after looking into what --verify found: accept the log as it is, "
                   "with --reason (recorded; the check then covers what is written after)")  # fmt: skip
    a.add_argument("--reason", metavar="TEXT", help="why the log is accepted (with --accept)")
    a.add_argument("--format", default="csv", metavar="csv|json", help="csv (default) or json")
    a.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="the file to write (default: standard output)")  # fmt: skip
    a.add_argument("--since", type=day_argument, metavar="DATE", help="entries from this day on")
    a.add_argument("--until", type=day_argument, metavar="DATE", help="entries up to this day")
    # dest differs from the global --user (who is acting)
    a.add_argument("--user", dest="by_user", metavar="NAME", help="entries by this user")
    a.add_argument("--kind", type=_kind, metavar="KIND", help=", ".join(KINDS))
    a.add_argument("--station", metavar="NAME", help="entries written at this station")
    a.add_argument("--record", metavar="ID|REF",
                   help="entries about this case or person (an id, or a case reference)")  # fmt: skip
    a.add_argument("--text", metavar="WORDS", help="entries whose reason has these words")


def _station(store, text: str):
    from sqlalchemy import select

    from hubapp.domain.text import match_key
    from hubapp.store.errors import StoreError
    from hubapp.store.schema import Station

    key = match_key(text)
    with store.read() as s:
        for sid, name in s.execute(select(Station.id, Station.name)):
            if match_key(name) == key:
                return sid
    raise StoreError(f"There is no station called '{text}'.")


def _open_to_verify(args, db_path: Path):
    """Open the database for ``audit --verify``/``--accept`` without writing anything: no
    reference data loaded, and the sign-in checked but not yet written."""
    from hubapp.store.admin import backup
    from hubapp.store.database import open_store

    backup.ensure_sound(db_path)
    store = open_store(db_path, load_reference=False)
    try:
        authenticate(store, args, defer=True)
    except BaseException:
        store.close()
        raise
    return store


def _verify(args) -> int:
    """``hubapp audit --verify`` (and ``--accept``): the log is read and checked before
    anything is written to the database, the sign-in included. A log that fails is left
    exactly as it was found (evidence); the sign-in is then not written either."""
    import logging

    from hubapp.domain.formatting import format_date
    from hubapp.store import accounts, audit
    from hubapp.store.access import AccessRefused
    from hubapp.store.admin import audit_query
    from hubapp.store.admin.backup import refuse_writes

    if args.accept and not (args.reason or "").strip():
        return error("say why the log is accepted: add --reason TEXT.", EXIT_USAGE)
    db_path = existing_database(args)
    store = _open_to_verify(args, db_path)
    try:
        try:
            require_command(store, args)
            check = audit_query.verify(store)
        except AccessRefused:
            accounts.record_sign_in(store)  # a refusal is not a check: the sign-in is kept
            raise
        if args.accept:
            if check.ok:
                accounts.record_sign_in(store)
                return error("the audit log is intact: there is nothing to accept.")
            accounts.record_sign_in(store)
            entry = audit.accept(store, check.problem, args.reason.strip())
            print(f"Accepted the audit log as it was, with this problem: {check.problem}")
            print(f"Entries before entry {entry:,} must now stay as they are; everything "
                  "written from it on is checked in full.")  # fmt: skip
            return 0
        if not check.ok:
            logging.getLogger(__name__).info("The audit log of %s failed its check: %s",
                                                db_path, check.problem)  # fmt: skip
            refuse_writes(store, "The audit log failed its check; nothing is written.")
            return error(check.problem)
        accounts.record_sign_in(store)
    finally:
        store.close()
    print(f"ok: {check.checked:,} entries, the chain and its anchor hold.")
    if check.head:
        print(f"newest entry's hash: {check.head}")
    if check.accepted is not None:
        a = check.accepted
        print(f"Entries before entry {a.entry:,} were accepted as they were by {a.user} on "
              f"{format_date(a.at)} ({a.reason}): {a.problem}")  # fmt: skip
    return 0


def run(args) -> int:
    from hubapp.store.admin import audit_query

    if args.verify or args.accept:
        return _verify(args)
    store = open_signed_in(args, existing_database(args))
    try:
        fmt = (args.format or "").strip().lower()
        if fmt not in audit_query.FORMATS:
            return error(f"cannot export the audit log as '{args.format}'; choose csv or json.",
                         EXIT_USAGE)  # fmt: skip
        since, until = audit_query.day_range(args.since, args.until)
        if since and until and since >= until:
            return error("--since is after --until; no entry could match.", EXIT_USAGE)
        f = audit_query.AuditFilter(
            since=since, until=until, user=args.by_user or "", kind=args.kind or "",
            station=_station(store, args.station) if args.station else None,
            record=args.record or "", text=args.text or "",
        )  # fmt: skip
        if args.output is None:
            n = audit_query.export_to_stream(store, sys.stdout.buffer, fmt, f)
            print(f"Exported {n:,} audit entr{'y' if n == 1 else 'ies'}.", file=sys.stderr)
            return 0
        n = audit_query.export(store, args.output, fmt, f)
    finally:
        store.close()
    print(f"Exported {n:,} audit entr{'y' if n == 1 else 'ies'} to {args.output}.")
    return 0
