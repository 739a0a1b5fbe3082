"""``hubapp case``: work on cases from the command line.

    hubapp [--db PATH] case link REF OTHER-REF --kind related|same-problem --reason TEXT
                                 [--move-contacts]

``link`` links the first case to the second (the link is made on the first: with
``--move-contacts`` the second case's contacts move onto the first and the second is closed
as a duplicate; only for ``--kind same-problem``). Coordinators and administrators only. A
link of a case to itself, to a case that does not exist or that the account cannot see, or
without a reason, is refused in one sentence (exit code 1).
"""

from __future__ import annotations

from hubapp.cli.common import error, existing_database, open_signed_in

#: the kinds as typed, and as stored
KINDS = {"related": "related", "same-problem": "same_problem", "same_problem": "same_problem"}


def add_parsers(sub) -> None:
    c = sub.add_parser("case", help="work on cases: link two cases")
    what = c.add_subparsers(dest="what", metavar="link", required=True)
    li = what.add_parser(
        "link",
        help="link two cases as related, or as the same problem",
        description="Link REF to OTHER-REF. The link is made on REF; with --move-contacts "
        "(the same problem only) OTHER-REF's contacts move onto REF and OTHER-REF is closed "
        "as a duplicate.",
    )
    li.add_argument("ref", metavar="REF", help="the case the link is made on (kept)")
    li.add_argument("other", metavar="OTHER-REF", help="the other case")
    # checked below rather than by the parser: a mistake is one sentence and exit code 1
    li.add_argument("--kind", default="", metavar="related|same-problem",
                    help="related, or same-problem")  # fmt: skip
    li.add_argument("--reason", default="", metavar="TEXT", help="why the cases are linked")
    li.add_argument("--move-contacts", action="store_true",
                    help="move OTHER-REF's contacts onto REF and close OTHER-REF as a duplicate "
                    "(same-problem only)")  # fmt: skip


def run(args) -> int:
    kind = KINDS.get((args.kind or "").strip().lower())
    if kind is None:
        given = (args.kind or "").strip()
        what = f"'{given}' is not a kind of link" if given else "say how the cases are linked"
        return error(f"{what}: use --kind related or --kind same-problem.")
    store = open_signed_in(args, existing_database(args))
    try:
        return _link(store, args, kind)
    finally:
        store.close()


def _link(store, args, kind: str) -> int:
    from hubapp.store.casework import links

    problems = links.check_link(kind, args.reason, args.move_contacts)
    if problems:  # before the references are looked up: the first thing to put right
        return error(problems[0].message)
    case_id = links.find_case(store, args.ref)
    other_id = links.find_case(store, args.other)
    done = links.link(store, case_id, other_id, kind, args.reason,
                      move_contacts=args.move_contacts)  # fmt: skip
    print(done.describe())
    return 0
