"""``hubapp victim`` and ``hubapp victims``: the victim contact plan from the command line.

    hubapp [--db PATH] victim plan CASE-REF --person ID --spoc NAME --agency CODE [--every N]
                                  [--cannot-tell REASON]
    hubapp [--db PATH] victim update CASE-REF --person ID --how call|visit|letter|email
                                    --by NAME --said TEXT [--on D] [--agency CODE] [--closing]
    hubapp [--db PATH] victims overdue [--hub HUB] [--agency CODE] [--format text|json]

``plan`` sets a victim's or complainant's single point of contact (a named person of an
agency) and, with ``--every``, how many working days apart their updates are (otherwise from
their risk level); ``--cannot-tell`` records why they cannot be told that the case is closing.
``update`` logs an update given to them (dated today unless ``--on``, never in the future);
``--closing`` marks the update that told them the case is closing, and why. ``overdue``
lists the victims whose update is overdue on the open cases the account sees, the longest
overdue first. Writing is for every role but read-only, on a case the account sees
(hubapp.store.casework.victim_contact). Bad input is one sentence and exit code 1, and
nothing is saved.
"""

from __future__ import annotations

import json
import sys

from hubapp.cli.common import (
    EXIT_USAGE,
    day_argument,
    error,
    existing_database,
    find_agency,
    open_signed_in,
)

FORMATS = ("text", "json")
METHODS = ("call", "visit", "letter", "email")


def add_parsers(sub) -> None:
    v = sub.add_parser("victim", help="a victim's contact plan and the updates given to them")
    what = v.add_subparsers(dest="what", metavar="plan|update", required=True)
    pl = what.add_parser("plan", help="set a victim's single point of contact and frequency")
    up = what.add_parser("update", help="log an update given to a victim or complainant")
    for p in (pl, up):
        p.add_argument("ref", metavar="CASE-REF", help="the case's reference")
        p.add_argument("--person", required=True, metavar="ID",
                       help="the victim or complainant (P-XXXXXXXX or id)")  # fmt: skip
    pl.add_argument("--spoc", required=True, metavar="NAME", help="their single point of contact")
    pl.add_argument("--agency", required=True, metavar="CODE",
                    help="the agency the contact works for (code, name or short name)")  # fmt: skip
    # checked by the store rather than the parser: a mistake is one sentence and exit code 1
    pl.add_argument("--every", metavar="N", default=None,
                    help="working days between updates (default: from their risk level)")  # fmt: skip
    pl.add_argument("--cannot-tell", default="", metavar="REASON",
                    help="why they cannot be told that the case is closing")  # fmt: skip
    up.add_argument("--how", default="", metavar="call|visit|letter|email",
                    help="how they were updated")  # fmt: skip
    up.add_argument("--by", default="", metavar="NAME", help="who gave the update")
    up.add_argument("--said", default="", metavar="TEXT", help="what they were told")
    up.add_argument("--on", type=day_argument, default=None, metavar="D",
                    help="the day of the update (dd/mm/yyyy; default today)")  # fmt: skip
    up.add_argument("--agency", default="", metavar="CODE",
                    help="the agency of whoever gave it")  # fmt: skip
    up.add_argument("--closing", action="store_true",
                    help="the update told them that the case is closing, and why")  # fmt: skip
    vs = sub.add_parser("victims", help="victims across cases: whose update is overdue")
    ws = vs.add_subparsers(dest="what", metavar="overdue", required=True)
    ov = ws.add_parser("overdue", help="the victims whose update is overdue, on open cases")
    ov.add_argument("--hub", default=None, help="only this hub's cases (name or code)")
    ov.add_argument("--agency", default=None, metavar="CODE",
                    help="only those whose single point of contact works for this agency")  # fmt: skip
    ov.add_argument("--format", default="text", metavar="text|json",
                    help="text (default) or json")  # fmt: skip


def run(args) -> int:
    if args.command == "victims":
        fmt = (args.format or "text").strip().lower()
        if fmt not in FORMATS:
            return error(f"cannot print as '{args.format}'; choose text or json.", EXIT_USAGE)
    store = open_signed_in(args, existing_database(args))
    try:
        if args.command == "victims":
            return _overdue(store, args, fmt)
        if args.what == "plan":
            return _plan(store, args)
        return _update(store, args)
    finally:
        store.close()


def _every(text):
    if text is None or not str(text).strip():
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        return -1  # refused by the store's rule, in its words


def _plan(store, args) -> int:
    from hubapp.store.casework import links, people
    from hubapp.store.casework import victim_contact as vc

    every = _every(args.every)
    if every == -1:
        return error(f"'{args.every}' is not a number of working days.")
    case_id = links.find_case(store, args.ref)
    person = people.find_id(store, args.person)
    agency = find_agency(store, args.agency)
    vc.set_plan(store, case_id, vc.PlanDraft(person, args.spoc, agency, every, args.cannot_tell))
    print(f"Contact plan saved for {people.reference(person)} on {args.ref.strip().upper()}.")
    return 0


def _update(store, args) -> int:
    from hubapp.domain.clock import local_today
    from hubapp.store.casework import links, people
    from hubapp.store.casework import victim_contact as vc

    how = (args.how or "").strip().lower()
    if how not in METHODS:
        return error("say how they were updated: --how call, visit, letter or email.")
    case_id = links.find_case(store, args.ref)
    person = people.find_id(store, args.person)
    agency = find_agency(store, args.agency) if args.agency.strip() else None
    draft = vc.UpdateDraft(person, args.on or local_today(), how, args.by, args.said,
                           args.closing, agency)  # fmt: skip
    vc.log_update(store, case_id, draft)
    told = " (told the case is closing)" if args.closing else ""
    print(f"Update logged for {people.reference(person)} on {args.ref.strip().upper()}{told}.")
    return 0


def _overdue(store, args, fmt: str) -> int:
    from hubapp.domain.formatting import format_date
    from hubapp.store import setup
    from hubapp.store.casework import people
    from hubapp.store.casework import victim_contact as vc

    hub = setup.find_hub(store, args.hub).id if args.hub else None
    agency = find_agency(store, args.agency) if args.agency else None
    lines = vc.overdue(store, hub, agency)
    if fmt == "json":
        json.dump([{
            "case": o.case_reference, "hub": o.hub_name, "person": people.reference(o.person_id),
            "person_id": o.person_id.hex, "name": o.name, "spoc": o.spoc_name,
            "spoc_agency": o.spoc_agency, "risk": o.due.level, "every_working_days": o.due.every,
            "last_update": o.last_update.isoformat() if o.last_update else None,
            "due": o.due.next_due.isoformat(), "working_days_over": o.due.days_over,
        } for o in lines], sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        print()
    else:
        for o in lines:
            spoc = f"{o.spoc_name} ({o.spoc_agency})" if o.spoc_name else "no contact named"
            last = format_date(o.last_update) if o.last_update else "never"
            print(f"{o.case_reference:<14} {o.name:<28} due {format_date(o.due.next_due)}  "
                  f"last {last:<10}  every {o.due.every} working days ({o.due.level})  {spoc}")  # fmt: skip
    print(f"{len(lines):,} overdue update{'' if len(lines) == 1 else 's'}.", file=sys.stderr)
    return 0
