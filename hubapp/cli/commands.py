"""The command line assembled in one place: which command modules there are, the parser and
the table of commands built from them, and :func:`main`.

Every command module ``cmd_<group>.py`` has the same two names:

* ``add_parsers(sub)`` adds its command or commands to the parser's sub-commands;
* ``run(args) -> int`` runs any of them from the parsed command line and returns the exit
  code; it raises for a failure, which :func:`main` says in one sentence (exit code 1).

The module that added a command runs it; ``hubapp`` without a command opens the window.
Adding a command: a new module, its commands named in :data:`COMMANDS`, and the command's entry in the role
matrix (``hubapp.store.roles.COMMANDS``; ``tests/security/test_role_matrix.py`` checks that
every command has one). The command modules import :mod:`hubapp.cli.common` and nothing else
of the command line; nothing below imports this module.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from hubapp import APP_NAME, __version__
from hubapp.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, UsageError, database_path, error

log = logging.getLogger(__name__)

#: each command and the module ``hubapp.cli.cmd_<group>`` that adds and runs it, in the order
#: ``hubapp --help`` lists them. Only the module of the command given is imported, so that
#: the window (no command) and each command start without importing the others.
COMMANDS = {
    "setup": "cmd_setup", "demo": "cmd_demo", "selftest": "cmd_selftest", "print": "cmd_print",
    "export": "cmd_export", "import": "cmd_import",
    "sync": "cmd_sync", "share": "cmd_sync", "unshare": "cmd_sync", "central": "cmd_sync",
    "accounts": "cmd_accounts", "backup": "cmd_backup", "restore": "cmd_backup",
    "check": "cmd_backup", "audit": "cmd_audit", "subject-access": "cmd_subject_access",
    "retention": "cmd_retention", "person": "cmd_person", "case": "cmd_case",
    "agreements": "cmd_agreements",
    "referral": "cmd_referral",
    "victim": "cmd_victim", "victims": "cmd_victim",
    "intervention": "cmd_intervention", "interventions": "cmd_intervention",
    "case-review": "cmd_case_review",
    "attach": "cmd_attach", "attachments": "cmd_attach", "attachment": "cmd_attach",
    "attachments-settings": "cmd_attach",
    "letter": "cmd_letter", "letters": "cmd_letter",
}  # fmt: skip

#: the command modules, in the order ``hubapp --help`` lists their commands
GROUPS = tuple(dict.fromkeys(COMMANDS.values()))

Command = Callable[[argparse.Namespace], int]


def open_window(args) -> int:
    """``hubapp`` without a command: the application window."""
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


class _NotPlain(Exception):
    """The command line needs the whole parser to be understood (or to be refused)."""


class _GlobalsOnly(argparse.ArgumentParser):
    def error(self, message):
        raise _NotPlain(message)


def _add_global_options(p: argparse.ArgumentParser) -> None:
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


def groups_needed(argv: list[str]) -> tuple[str, ...] | None:
    """The command modules ``argv`` needs: none for the window, the one of the command it
    names, or ``None`` (all of them) for help, a mistake, or anything unusual, so that the
    whole parser answers it exactly as it always would."""
    first = _GlobalsOnly(prog=APP_NAME, add_help=False, allow_abbrev=False)
    _add_global_options(first)
    try:
        _known, rest = first.parse_known_args(argv)
    except _NotPlain:
        return None
    if not rest:
        return ()
    return (COMMANDS[rest[0]],) if rest[0] in COMMANDS else None


def assemble(
    groups: tuple[str, ...] | None = None,
) -> tuple[argparse.ArgumentParser, dict[str | None, Command]]:
    """The parser, and the table of what runs each command (``None``: no command), with the
    commands of ``groups`` (module names from :data:`GROUPS`; all of them by default)."""
    p = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Case work for the Local Focus Hubs of Cumbria. "
        "Without a command, opens the application window.",
    )
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _add_global_options(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    table: dict[str | None, Command] = {None: open_window}
    for name in GROUPS if groups is None else groups:
        group = importlib.import_module(f"hubapp.cli.{name}")
        known = set(sub.choices)
        group.add_parsers(sub)
        added = sub.choices.keys() - known
        if added != {c for c, g in COMMANDS.items() if g == name}:
            raise RuntimeError(f"{group.__name__}.add_parsers added {sorted(added)}, "
                               "not the commands COMMANDS names for it")  # fmt: skip
        table.update(dict.fromkeys(added, group.run))
    return p, table


def build_parser() -> argparse.ArgumentParser:
    return assemble()[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser, table = assemble(groups_needed(argv))
    args = parser.parse_args(argv)
    from hubapp import logs
    from hubapp.paths import log_dir

    logs.setup(None if args.command == "selftest" else log_dir(), verbose=args.verbose)
    try:
        return table[args.command](args)
    except KeyboardInterrupt:
        return error("interrupted; nothing half-written was kept.", EXIT_INTERRUPTED)
    except Exception as exc:
        from hubapp.errors import describe, expected

        if expected(exc):
            log.info("Command failed: %s", exc)
        else:
            log.error("Unexpected failure", exc_info=True)
        return error(describe(exc), EXIT_ERROR)
