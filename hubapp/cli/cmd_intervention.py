"""``hubapp intervention`` and ``hubapp interventions``: tools and powers from the command line.

    hubapp [--db PATH] intervention add CASE-REF --type CODE --person PERSON-ID | --place PLACE
                                        --from D [--to D] [--reason TEXT] [--agency AGENCY]
                                        [--authorised-by NAME] [--consulted TEXT]
                                        [--hearing D] [--conditions TEXT]
    hubapp [--db PATH] interventions due [--days 28] [--hub HUB] [--format text|json]

``add`` records a tool or power on a case against one of its people (``P-XXXXXXXX`` or an id,
as ``hubapp person find`` shows them) or a place (``location``: the case's own; or the place's
id), issued ``--from`` and ending ``--to`` (dd/mm/yyyy or yyyy-mm-dd). The statutory limits of
the type (``resources/refdata/interventions.toml``) are checked as in the window: a hard limit
is refused in the Act's sentence and section (exit code 1, nothing saved); a soft one (a CPN
without an earlier CPW, no date of birth for an age-limited power) is refused unless
``--reason`` says why it goes ahead, which is kept. The issuing agency is the case's lead
agency unless ``--agency`` names another. Coordinators, police and administrators only.

``due`` lists what ends or falls due within ``--days`` (28 by default): end dates, appeal
windows, yearly reviews of under-18s' orders, court hearings, and the area orders (PSPOs)
ending; of the cases the account sees, of one hub or all.
"""

from __future__ import annotations

import json
import sys

from hubapp.cli.common import EXIT_USAGE, error, existing_database, open_signed_in

FORMATS = ("text", "json")


def add_parsers(sub) -> None:
    iv = sub.add_parser("intervention", help="record a tool or power on a case")
    what = iv.add_subparsers(dest="what", metavar="add", required=True)
    ad = what.add_parser("add", help="record a tool or power, within its statutory limits")
    ad.add_argument("ref", metavar="CASE-REF", help="the case's reference")
    # checked below rather than by the parser: a mistake is one sentence and exit code 1
    ad.add_argument("--type", default="", metavar="CODE", help="the type's code, e.g. cpn")
    ad.add_argument("--person", default="", metavar="PERSON-ID",
                    help="the person it is made against (P-XXXXXXXX or id)")  # fmt: skip
    ad.add_argument("--place", default="", metavar="PLACE",
                    help="or the place: 'location' (the case's) or the place's id")  # fmt: skip
    ad.add_argument("--from", dest="issued", default="", metavar="D", help="the date issued")
    ad.add_argument("--to", dest="expires", default="", metavar="D", help="the date it ends")
    ad.add_argument("--reason", default="", metavar="TEXT",
                    help="why it goes ahead past a warning (kept with it)")  # fmt: skip
    ad.add_argument("--agency", default="", metavar="AGENCY",
                    help="the issuing agency (default: the case's lead agency)")  # fmt: skip
    ad.add_argument("--authorised-by", default="", metavar="NAME",
                    help="who authorised it (a dispersal: an inspector or above)")  # fmt: skip
    ad.add_argument("--consulted", default="", metavar="TEXT",
                    help="who was consulted (an under-18's injunction: the youth offending team)")  # fmt: skip
    ad.add_argument("--hearing", default="", metavar="D",
                    help="the court hearing's date (a closure notice)")  # fmt: skip
    ad.add_argument("--conditions", default="", metavar="TEXT", help="its conditions")
    ivs = sub.add_parser("interventions", help="tools and powers ending or due")
    what = ivs.add_subparsers(dest="what", metavar="due", required=True)
    du = what.add_parser("due", help="what ends or falls due within a number of days")
    du.add_argument("--days", default="28", metavar="N", help="days ahead (default 28)")
    du.add_argument("--hub", default="", metavar="HUB", help="one hub (code or name)")
    du.add_argument("--format", default="text", metavar="text|json",
                    help="text (default) or json")  # fmt: skip


def _day(text: str, what: str):
    from hubapp.store.admin.audit_query import parse_day

    if not text.strip():
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def run(args) -> int:
    if args.command == "interventions":
        fmt = (args.format or "text").strip().lower()
        if fmt not in FORMATS:
            return error(f"cannot print as '{args.format}'; choose text or json.", EXIT_USAGE)
        try:
            days = int(args.days)
        except ValueError:
            return error(f"'{args.days}' is not a number of days.")
        from hubapp.store.casework import orders_due

        if problem := orders_due.check_days(days):
            return error(problem)
        store = open_signed_in(args, existing_database(args))
        try:
            return _due(store, days, args.hub, fmt)
        finally:
            store.close()
    try:
        issued = _day(args.issued, "--from")
        expires = _day(args.expires, "--to")
        hearing = _day(args.hearing, "--hearing")
    except ValueError as exc:
        return error(str(exc))
    if not args.type.strip():
        return error("say which tool or power with --type CODE, e.g. --type cpn.")
    if issued is None:
        return error("say when it was issued with --from D.")
    if bool(args.person.strip()) == bool(args.place.strip()):
        return error("say whom or what it is made against: --person PERSON-ID or --place "
                     "PLACE, one of them.")  # fmt: skip
    if expires is not None and expires <= issued:
        return error("it cannot end (--to) on or before the day it was issued (--from).")
    store = open_signed_in(args, existing_database(args))
    try:
        return _add(store, args, issued, expires, hearing)
    finally:
        store.close()


def _add(store, args, issued, expires, hearing) -> int:
    from sqlalchemy import select

    from hubapp.cli.common import find_agency
    from hubapp.domain.formatting import format_date
    from hubapp.store.casework import interventions as iv
    from hubapp.store.casework import links, people
    from hubapp.store.casework.workflow import CaseworkError
    from hubapp.store.schema import Case, CasePlace

    case_id = links.find_case(store, args.ref)
    code = args.type.strip().lower()
    known = {t.code: t for t in iv.types(store, active_only=False, case_only=False)}
    offered = {t.code for t in iv.types(store)}
    if code not in known:
        return error(f"'{args.type}' is not a tool or power; the codes are: "
                     f"{', '.join(sorted(offered))}.")  # fmt: skip
    person_id = place_id = None
    if args.person.strip():
        person_id = people.find_id(store, args.person)
    with store.read() as s:
        case = s.get(Case, case_id)
        lead, location, reference = case.lead_agency_id, case.place_id, case.reference
        if args.place.strip():
            typed = args.place.strip().lower()
            if typed == "location":
                place_id = location
            else:
                ids = set(s.scalars(select(CasePlace.place_id).where(
                    CasePlace.case_id == case_id, CasePlace.voided.is_(False))))  # fmt: skip
                ids.add(location)
                digits = typed.replace("-", "")
                found = [i for i in ids if i is not None and len(digits) >= 8
                         and i.hex.startswith(digits)]  # fmt: skip
                place_id = found[0] if len(found) == 1 else None
            if place_id is None:
                return error(f"'{args.place}' is not a place of {reference}; use --place "
                             "location for the case's own.")  # fmt: skip
    agency = find_agency(store, args.agency) if args.agency.strip() else lead
    if agency is None:
        return error(f"{reference} has no lead agency; say which agency issued it with "
                     "--agency.")  # fmt: skip
    draft = iv.InterventionDraft(
        type_id=known[code].id, agency_id=agency, issued_on=issued, person_id=person_id,
        place_id=place_id, expires_on=expires, conditions=args.conditions,
        override_reason=args.reason, authorised_by=args.authorised_by,
        consulted=args.consulted, hearing_on=hearing,
    )  # fmt: skip
    try:
        new_id = iv.add(store, case_id, draft)
    except iv.NeedsReason as exc:
        for p in exc.problems:
            if p.field != "override_reason":  # said below, as the command line says it
                error(p.message)
        return error("nothing was saved; to go ahead, say why with --reason TEXT.")
    except CaseworkError as exc:
        for p in exc.problems or []:
            error(p.message)
        if not exc.problems:
            error(str(exc))
        return error("nothing was saved.")
    ends = f", ends {format_date(expires)}" if expires else ""
    print(f"{known[code].name} recorded on {reference}: issued {format_date(issued)}{ends} "
          f"(id {new_id.hex}).")  # fmt: skip
    return 0


def _due(store, days: int, hub: str, fmt: str) -> int:
    from hubapp.domain.formatting import format_date
    from hubapp.store.casework import orders_due
    from hubapp.store.setup import find_hub

    hub_id = find_hub(store, hub).id if hub.strip() else None
    items = orders_due.due(store, days, hub_id)
    if fmt == "json":
        json.dump([i.as_dict() for i in items], sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for i in items:
            where = i.case_reference or f"{i.hub_code} area order"
            section = f" ({i.section})" if i.section else ""
            against = f" — {i.against}" if i.against else ""
            print(f"{format_date(i.on)}  {i.kind.label}{section}: {i.title}{against}  [{where}]")
    print(f"{len(items):,} item{'' if len(items) == 1 else 's'} ending or due within "
          f"{days} day{'' if days == 1 else 's'}.", file=sys.stderr)  # fmt: skip
    return 0
