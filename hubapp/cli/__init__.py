"""The command line (a contract: scripts and scheduled tasks rely on it).

    hubapp [--db PATH]                                 open the GUI
    hubapp [--db PATH] setup --hub HUB --station NAME [--admin USER]   the first-start questions
    hubapp [--db PATH] demo [--cases N] [--seed S]     fill a database with demo data
    hubapp [--db PATH] selftest                        GUI off-screen: paint, time, exit
    hubapp [--db PATH] print case REF | pack --hub H [--date D] | actions --agency A [--hub H]
                       [--profile police|partner|public] [-o FILE.pdf]   print a document
    hubapp [--db PATH] export actions [--format csv|xlsx] [-o FILE] [--agency A] [--hub H]
    hubapp [--db PATH] export cases [--format csv|json|xlsx] [-o FILE] [--hub H] [--status S]
    hubapp [--db PATH] import FILE.csv                 import issues; rejects beside the file
    hubapp [--db PATH] sync [--central URL] | share|unshare REF --hub H   central sync
    hubapp central init | add-station | snapshot --url URL ...   the central database
    hubapp [--db PATH] accounts list | add USER --role R | disable USER | ...   staff accounts
    hubapp [--db PATH] backup [-o FILE] | restore FILE | check [--full]
    hubapp [--db PATH] audit [--format csv|json] [-o FILE] [filters] | audit --verify
    hubapp [--db PATH] subject-access --person ID|NAME -o FILE.json|FILE.zip
    hubapp [--db PATH] person find TEXT | show REF [--format text|json]   one person across cases
    hubapp [--db PATH] retention list [--format csv] | keep REF --until D --reason T | erase REF --reason T
    hubapp --version

Once a database has staff accounts every command acts as ``--user NAME`` (the password is
asked, or read from HUBAPP_PASSWORD). Errors go to stderr as one sentence, with a non-zero
exit code.

How it is built: :mod:`hubapp.cli.commands` assembles the parser and the table of commands
from the command modules ``cmd_<group>.py``, which all have ``add_parsers(sub)`` and
``run(args) -> int``; :mod:`hubapp.cli.common` holds what they share (the sign-in, the
progress bar, the error printer). Only the module of the command given is imported, and
none for the window; no parser imports the database layer, so that the window starts fast.
"""

from hubapp.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
