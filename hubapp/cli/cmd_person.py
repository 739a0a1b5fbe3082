"""``hubapp person``: one person across cases.

    hubapp [--db PATH] person find TEXT [--format text|json]
    hubapp [--db PATH] person show REF [--format text|json]
    hubapp [--db PATH] person duplicates [--format text|json]
    hubapp [--db PATH] person merge KEEP DROP --reason TEXT
    hubapp [--db PATH] person unmerge REF --reason TEXT
    hubapp [--db PATH] person distinct REF REF
    hubapp [--db PATH] person consent REF --given|--refused [--on DATE]
    hubapp [--db PATH] person add CASE-REF --name N --role ROLE [--dob D] [--phone P]
                                  [--address A]

``find`` looks by name (case, accents and punctuation aside; Bill finds William), phone
number (any UK format), e-mail address or postcode; ``show`` prints a person's page: their
details, their cases with role, hub and status, the reports they made and the tools and
powers naming them (audited, as opening it in the window is). Both keep to the cases the
signed-in account sees; a locked-down person's details only for those who may see them.

``duplicates`` lists the likely duplicate pairs with the reason for each; ``merge`` keeps the
first person and moves every link of the second to them (coordinators and administrators;
audited; nothing is lost); ``unmerge`` undoes the latest merge of a person (an administrator,
within 30 days); ``distinct`` records that two people are different, so the pair is not
listed again. See hubapp.store.casework.merging.

``consent`` records the person's consent to share, where consent is the basis for sharing
(given or refused, and the day: today unless ``--on``); those who may change a case record it
(hubapp.store.admin.sharing).
``add`` adds a new person to a case with a role (victim, complainant, witness,
alleged-perpetrator, place-manager, guardian) and, if known, a date of birth (dd/mm/yyyy or
yyyy-mm-dd; the age limits of tools and powers are worked out from it), phone and address; it
prints the new person's reference. A change of the case: coordinators, police and
administrators. See hubapp.store.casework.case_people.
"""

from __future__ import annotations

import json
import sys

from hubapp.cli.common import (
    EXIT_USAGE,
    day_argument,
    error,
    existing_database,
    open_signed_in,
    progress_bar,
)

FORMATS = ("text", "json")


def add_parsers(sub) -> None:
    pe = sub.add_parser("person", help="one person across cases: find them, show their page")
    what = pe.add_subparsers(dest="what",
                             metavar="find|show|duplicates|merge|unmerge|distinct|consent|add",
                             required=True)  # fmt: skip
    fi = what.add_parser("find", help="find people by name, phone, e-mail or postcode")
    fi.add_argument("text", metavar="TEXT", help="a name, phone number, e-mail address or postcode")
    sh = what.add_parser("show", help="a person's page: details, cases, reports, tools and powers")
    sh.add_argument("ref", metavar="REF", help="the person's reference (P-XXXXXXXX) or id")
    du = what.add_parser("duplicates", help="likely duplicate people, with the reason for each")
    for p in (fi, sh, du):
        p.add_argument("--format", default="text", metavar="text|json",
                       help="text (default) or json")  # fmt: skip
    me = what.add_parser("merge", help="merge the second person into the first")
    me.add_argument("keep", metavar="KEEP", help="the person kept (P-XXXXXXXX or id)")
    me.add_argument("drop", metavar="DROP", help="the person merged into them")
    un = what.add_parser("unmerge", help="undo the latest merge of a person (30 days)")
    un.add_argument("ref", metavar="REF", help="the person merged away (or the merge's id)")
    for p in (me, un):
        p.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded)")
    di = what.add_parser("distinct", help="two people are different: do not list them again")
    di.add_argument("first", metavar="REF")
    di.add_argument("second", metavar="REF")
    co = what.add_parser("consent", help="record a person's consent to share: given or refused")
    co.add_argument("ref", metavar="REF", help="the person's reference (P-XXXXXXXX) or id")
    answer = co.add_mutually_exclusive_group(required=True)
    answer.add_argument("--given", dest="consent", action="store_const", const="given",
                        help="the person consents to their information being shared")  # fmt: skip
    answer.add_argument("--refused", dest="consent", action="store_const", const="refused",
                        help="the person refuses")  # fmt: skip
    co.add_argument("--on", type=day_argument, metavar="DATE",
                    help="the day they answered (default: today)")  # fmt: skip
    ad = what.add_parser("add", help="add a new person to a case, with a role")
    ad.add_argument("case_ref", metavar="CASE-REF", help="the case's reference")
    # checked below rather than by the parser: a mistake is one sentence and exit code 1
    ad.add_argument("--name", default="", metavar="N", help="their name")
    ad.add_argument("--role", default="", metavar="ROLE",
                    help="victim, complainant, witness, alleged-perpetrator, place-manager "
                    "or guardian")  # fmt: skip
    ad.add_argument("--dob", default="", metavar="D", help="date of birth (dd/mm/yyyy)")
    ad.add_argument("--phone", default="", metavar="P")
    ad.add_argument("--address", default="", metavar="A")


def run(args) -> int:
    fmt = (getattr(args, "format", None) or "text").strip().lower()
    if fmt not in FORMATS:
        return error(f"cannot print as '{args.format}'; choose text or json.", EXIT_USAGE)
    if args.what == "add":
        return _add(args)
    store = open_signed_in(args, existing_database(args))
    try:
        if args.what == "find":
            return _find(store, args.text, fmt)
        if args.what == "show":
            return _show(store, args.ref, fmt)
        if args.what == "duplicates":
            return _duplicates(store, fmt)
        if args.what == "consent":
            return _consent(store, args)
        return _change(store, args)
    finally:
        store.close()


def _add(args) -> int:
    from hubapp.store.admin.audit_query import parse_day
    from hubapp.store.casework import case_people, links, people

    born = None
    if args.dob.strip():
        try:
            born = parse_day(args.dob)
        except ValueError as exc:
            return error(f"--dob: {exc}")
    draft = case_people.PersonDraft(args.name, args.role.strip().replace("-", "_"), born,
                                    args.phone, args.address).cleaned()  # fmt: skip
    problems = case_people.validate(draft)
    if problems:  # before the database is opened: the first thing to put right
        for p in problems:
            error(p.message)
        return error("nothing was saved.")
    store = open_signed_in(args, existing_database(args))
    try:
        case_id = links.find_case(store, args.case_ref)
        person_id = case_people.add_person(store, case_id, draft)
    finally:
        store.close()
    print(f"{people.reference(person_id)} {draft.full_name} added to {args.case_ref.strip()} "
          f"as {draft.role.replace('_', ' ')} (id {person_id.hex}).")  # fmt: skip
    return 0


def _duplicates(store, fmt: str) -> int:
    from hubapp.store.casework import merging, people

    with progress_bar() as progress:
        pairs = merging.duplicates(store, progress=progress)
    if fmt == "json":
        json.dump([{
            "reasons": list(p.reasons),
            "people": [{"reference": people.reference(c.id), "id": c.id.hex, "name": c.name,
                        "cases": c.cases} for c in (p.first, p.second)],
        } for p in pairs], sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        print()
    else:
        for p in pairs:
            a, b = p.first, p.second
            print(f"{people.reference(a.id)} {a.name} ({a.cases})  ~  "
                  f"{people.reference(b.id)} {b.name} ({b.cases}):  {'; '.join(p.reasons)}")  # fmt: skip
    print(f"{len(pairs):,} likely duplicate pair{'' if len(pairs) == 1 else 's'}.",
          file=sys.stderr)  # fmt: skip
    return 0


def _change(store, args) -> int:
    from hubapp.store.casework import merging, people

    if args.what == "merge":
        keep, drop = people.find_id(store, args.keep), people.find_id(store, args.drop)
        print(merging.merge(store, keep, drop, args.reason).describe())
    elif args.what == "unmerge":
        print(merging.unmerge(store, merging.find_merge(store, args.ref), args.reason).describe())
    else:
        first, second = people.find_id(store, args.first), people.find_id(store, args.second)
        if first == second:
            return error("give two different people.")
        merging.mark_distinct(store, first, second)
        print(f"{people.reference(first)} and {people.reference(second)} are recorded as "
              "different people.")  # fmt: skip
    return 0


def _consent(store, args) -> int:
    from hubapp.domain.formatting import format_date
    from hubapp.store.admin import sharing
    from hubapp.store.casework import people

    person_id = people.find_id(store, args.ref)
    on = sharing.set_consent(store, person_id, args.consent, args.on)
    print(f"{people.reference(person_id)}: consent to share {args.consent} on {format_date(on)}.")
    return 0


def _when(value) -> str | None:
    return None if value is None else value.isoformat()


def _find(store, typed: str, fmt: str) -> int:
    from hubapp.domain.formatting import format_datetime
    from hubapp.store.casework import people

    if people.probe_for(typed) is None:
        return error("give at least two letters of a name, or a phone number, e-mail "
                     "address or postcode.", EXIT_USAGE)  # fmt: skip
    with progress_bar() as progress:  # once after an upgrade or a first copy: every person
        people.catch_up(store, progress=progress)
    hits = people.find(store, typed)
    if fmt == "json":
        json.dump([{
            "reference": people.reference(h.id), "id": h.id.hex, "name": h.name,
            "details_hidden": h.hidden, "cases": h.cases, "roles": list(h.roles),
            "latest": _when(h.latest), "matched": h.matched,
        } for h in hits], sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        print()
    else:
        for h in hits:
            cases = f"{h.cases} case{'' if h.cases == 1 else 's'}"
            latest = f", latest {format_datetime(h.latest)}" if h.latest else ""
            print(f"{people.reference(h.id)}  {h.name}  ({cases}: {', '.join(h.roles)}{latest})")
    print(f"{len(hits):,} {'person' if len(hits) == 1 else 'people'} found.", file=sys.stderr)
    return 0


def _show(store, ref: str, fmt: str) -> int:
    from hubapp.domain.formatting import format_date, format_datetime
    from hubapp.store.casework import people

    page = people.show(store, people.find_id(store, ref))
    if fmt == "json":
        json.dump({
            "reference": people.reference(page.id), "id": page.id.hex, "name": page.name,
            "locked_down": page.locked_down, "details_hidden": page.hidden,
            "date_of_birth": _when(page.date_of_birth), "phone": page.phone,
            "email": page.email, "address": page.address,
            "cases": [{"reference": c.reference, "hub": c.hub, "roles": list(c.roles),
                       "status": c.status, "received_at": _when(c.received_at),
                       "closed_on": _when(c.closed_on), "summary": c.summary}
                      for c in page.cases],
            "reports": [{"received_at": _when(r.received_at), "case": r.reference,
                         "channel": r.channel, "summary": r.summary} for r in page.reports],
            "interventions": [{"case": i.reference, "kind": i.kind,
                               "issued_on": _when(i.issued_on), "expires_on": _when(i.expires_on),
                               "status": i.status} for i in page.interventions],
            "flags": [f.as_dict() for f in page.flags],
            "merged_from": [{"reference": people.reference(m.other), "name": m.other_name,
                             "merged_at": _when(m.merged_at), "by": m.merged_by,
                             "reason": m.reason, "other_details": dict(m.other_details)}
                            for m in page.merges],
        }, sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        print()
        return 0
    print(f"{page.name}  {people.reference(page.id)}")
    if page.hidden:
        print("Locked down: their details are not shown to your account.")
    else:
        if page.locked_down:
            print("Locked down: handle their details with care.")
        for label, value in (("Born", format_date(page.date_of_birth) if page.date_of_birth
                              else ""), ("Phone", page.phone), ("E-mail", page.email),
                             ("Address", page.address)):  # fmt: skip
            if value:
                print(f"  {label + ':':<9}{value}")
    for f in page.flags:
        print(f.describe())
    for m in page.merges:
        print(
            f"Merged from {m.other_name} ({people.reference(m.other)}) on "
            f"{format_datetime(m.merged_at)} by {m.merged_by or 'someone'}: {m.reason}"
        )
        for name, value in m.other_details:
            print(f"  also known: {name.replace('_', ' ')} {value}")
    print(f"Cases ({len(page.cases)}):")
    for c in page.cases:
        closed = f", closed {format_date(c.closed_on)}" if c.closed_on else ""
        print(f"  {c.reference:<14} {c.hub:<15} {', '.join(c.roles):<28} {c.status}"
              f" (received {format_datetime(c.received_at)}{closed})  {c.summary}")  # fmt: skip
    if page.reports:
        print(f"Reports made ({len(page.reports)}):")
        for r in page.reports:
            print(f"  {format_datetime(r.received_at)}  {r.reference:<14} {r.channel}: {r.summary}")
    if page.interventions:
        print(f"Tools and powers ({len(page.interventions)}):")
        for i in page.interventions:
            until = f" until {format_date(i.expires_on)}" if i.expires_on else ""
            print(f"  {format_date(i.issued_on)}  {i.reference:<14} {i.kind}{until} ({i.status})")
    return 0
