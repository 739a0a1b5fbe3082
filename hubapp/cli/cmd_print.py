"""``hubapp print``: a case summary, a meeting pack or an agency's action sheet as a PDF file
(hubapp.documents).

    hubapp [--db PATH] print case REF [--profile police|partner|public] [-o FILE.pdf]
    hubapp [--db PATH] print pack --hub HUB [--date YYYY-MM-DD] [--profile ...] [-o FILE.pdf]
                                  [--reason TEXT]
    hubapp [--db PATH] print actions --agency AGENCY [--hub HUB] [--profile ...] [-o FILE.pdf]
                                     [--reason TEXT]
"""

from __future__ import annotations

from pathlib import Path

from hubapp.cli.common import (
    EXIT_OK,
    UsageError,
    existing_database,
    open_signed_in,
    progress_bar,
)

PRINT_HELP = """Print a document as a PDF file. --profile says what it may show: police
(everything), partner (people by initials, no notes kept to one agency) or public (no
personal data; marked OFFICIAL). The default is public, the safest. Without -o the file goes
in the current folder under a name made from the document (e.g.
case-CAR-2026-0042-partner.pdf); an existing file of that name is replaced. Every print is
recorded in the audit log as a disclosure."""


def add_parsers(sub) -> None:
    pr = sub.add_parser("print", help="print a case summary, meeting pack or action sheet as PDF",
                        description=PRINT_HELP)  # fmt: skip
    what = pr.add_subparsers(dest="what", metavar="WHAT", required=True)

    def profile_and_output(q) -> None:
        q.add_argument("--profile", default="public", metavar="police|partner|public",
                       help="what the document may show (default: public, the safest)")  # fmt: skip
        q.add_argument("-o", "--output", type=Path, metavar="FILE.pdf",
                       help="the PDF to write (default: a name made from the document, in the "
                       "current folder)")  # fmt: skip

    c = what.add_parser("case", help="one case on one or two pages")
    c.add_argument("reference", metavar="REF", help="the case reference, e.g. CAR-2026-0042")
    profile_and_output(c)
    k = what.add_parser("pack", help="a hub's partner-meeting pack")
    k.add_argument("--hub", required=True, help="hub name or code")
    k.add_argument("--reason", metavar="TEXT",
                   help="a partner pack for a hub where an agency has no current sharing "
                   "agreement: why it goes ahead (coordinators and administrators; audited)")  # fmt: skip
    k.add_argument("--date", metavar="YYYY-MM-DD",
                   help="the meeting's date (default: the hub's next meeting, or its open "
                   "cases in priority order when none is planned)")  # fmt: skip
    profile_and_output(k)
    a = what.add_parser("actions", help="one agency's open actions, with RAG")
    a.add_argument("--agency", required=True, help="agency code, name or short name")
    a.add_argument("--hub", help="only this hub's cases (default: every hub)")
    a.add_argument("--reason", metavar="TEXT",
                   help="a partner sheet for an agency without a current sharing agreement: "
                   "why it goes ahead (coordinators and administrators; audited)")  # fmt: skip
    profile_and_output(a)


def _print_date(text: str):
    from datetime import date, datetime

    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UsageError(
        f"'{text}' is not a date; give it as YYYY-MM-DD, e.g. {date.today():%Y-%m-%d}."
    )


def run(args) -> int:
    from hubapp.documents import printing
    from hubapp.domain import redaction as profiles

    try:
        profile = profiles.rules(args.profile).profile
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    day = _print_date(args.date) if getattr(args, "date", None) else None
    store = open_signed_in(args, existing_database(args))
    try:
        if args.what == "case":
            doc = printing.case_summary(store, args.reference, profile)
        elif args.what == "pack":
            with progress_bar() as progress:
                doc = _pack(store, args, profile, day, progress)
        else:
            doc = _pack(store, args, profile, day, None)
        target = printing.save(store, doc, args.output or Path.cwd() / doc.suggested_name())
    finally:
        store.close()
    pages = f"{doc.pages} page{'' if doc.pages == 1 else 's'}"
    print(f"Saved {doc.title} ({profile.value} profile, {doc.marking}, {pages}) to {target}.")
    return EXIT_OK


def _pack(store, args, profile, day, progress):
    """A pack or an action sheet: both disclose to partners under the partner profile."""
    from hubapp.documents import printing
    from hubapp.store.admin.sharing import NoAgreement

    try:
        if args.what == "actions":
            return printing.action_sheet(store, args.agency, profile, hub=args.hub,
                                         reason=args.reason)  # fmt: skip
        return printing.meeting_pack(store, args.hub, profile, day=day, progress=progress,
                                     reason=args.reason)  # fmt: skip
    except NoAgreement as exc:
        raise NoAgreement(
            f"{exc} Nothing was printed; add --reason TEXT to go ahead.", exc.agencies
        ) from None
