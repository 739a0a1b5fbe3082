"""``hubapp referral``: record a safeguarding or support referral from the command line.

    hubapp [--db PATH] referral add CASE-REF --person PERSON-ID --pathway CODE --on D
                                    [--reference R] [--outcome T]

``add`` records that the person (their reference P-XXXXXXXX or id, as ``hubapp person show``
gives it), who is on the case, was referred on the date D (dd/mm/yyyy or yyyy-mm-dd) to the
pathway CODE (``resources/refdata/referrals.toml``: marac, mash, adult_safeguarding, channel,
victim_support, mental_health). Coordinators, police and administrators only. A pathway not
in the list, a date in the future, a person not on the case, or a case the account cannot
see is refused in one sentence (exit code 1) and nothing is written. Prints the referral's
line.
"""

from __future__ import annotations

from hubapp.cli.common import error, existing_database, open_signed_in


def add_parsers(sub) -> None:
    r = sub.add_parser("referral", help="record a safeguarding or support referral")
    what = r.add_subparsers(dest="what", metavar="add", required=True)
    add = what.add_parser(
        "add",
        help="record that a person on a case was referred (MARAC, MASH, Channel...)",
        description="Record that PERSON-ID, on CASE-REF, was referred to a pathway on a date.",
    )
    add.add_argument("ref", metavar="CASE-REF", help="the case the person is on")
    # checked below rather than by the parser: a mistake is one sentence and exit code 1
    add.add_argument("--person", default="", metavar="PERSON-ID",
                     help="the person referred: P-XXXXXXXX or their id")  # fmt: skip
    add.add_argument("--pathway", default="", metavar="CODE",
                     help="marac, mash, adult_safeguarding, channel, victim_support, "
                     "mental_health")  # fmt: skip
    add.add_argument("--on", default="", metavar="D", help="the date of the referral (dd/mm/yyyy)")
    add.add_argument("--reference", default="", metavar="R", help="the other service's reference")
    add.add_argument("--outcome", default="", metavar="T", help="the outcome, if known")


def run(args) -> int:
    from hubapp.store.admin.audit_query import parse_day

    if not (args.person or "").strip():
        return error("say who was referred: --person P-XXXXXXXX (see 'hubapp person find').")
    if not (args.on or "").strip():
        return error("give the date of the referral: --on dd/mm/yyyy.")
    try:
        on = parse_day(args.on)
    except ValueError as exc:
        return error(str(exc))
    store = open_signed_in(args, existing_database(args))
    try:
        return _add(store, args, on)
    finally:
        store.close()


def _add(store, args, on) -> int:
    from hubapp.domain.formatting import format_date
    from hubapp.store.casework import links, people, referrals

    case_id = links.find_case(store, args.ref)
    person_id = people.find_id(store, args.person)
    draft = referrals.ReferralDraft(
        case_id=case_id, person_id=person_id, pathway=args.pathway, referred_on=on,
        reference=args.reference, outcome=args.outcome,
    )  # fmt: skip
    referrals.add(store, draft)
    print(f"Referred {people.reference(person_id)} to {referrals.name_of(draft.pathway.strip().lower())} "
          f"on {format_date(on)} ({args.ref.strip().upper()}).")  # fmt: skip
    return 0
