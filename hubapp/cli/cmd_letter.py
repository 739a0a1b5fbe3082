"""``hubapp letter`` and ``hubapp letters``: standard letters from a case (hubapp.store.casework.letters).

    hubapp [--db PATH] letter CASE-REF --template NAME --to PERSON-ID|ROLE [--to ...]
                              [--agency A] -o FILE.pdf
    hubapp [--db PATH] letters templates [--format text|json]

``letter`` sends the letter NAME (``hubapp letters templates`` lists them) from the case to a
person on it (their reference P-XXXXXXXX or id, as ``hubapp person show`` gives it), to
several (``--to`` again), or to everyone in a role on the case (victim, witness...: one
letter each, in one PDF). ``--agency`` is the sending agency (default: the account's own).
The PDF is written to FILE.pdf and kept with the case; each letter is recorded on the case's
Communications list and in the audit log as a disclosure to its recipient. Refused in one
sentence (exit code 1) with nothing written: a template with an unknown merge field, a
person with no address, a field the letter needs that is blank, an agency that does not send
that letter, a case the account cannot see, a read-only account.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hubapp.cli.common import error, existing_database, open_signed_in, progress_bar


def add_parsers(sub) -> None:
    p = sub.add_parser("letter", help="send a standard letter from a case, as a PDF",
                       description="Send the letter NAME from CASE-REF to a person or to everyone "
                       "in a role on the case; the PDF is written to FILE.pdf, kept with the "
                       "case and recorded on its Communications list.")  # fmt: skip
    p.add_argument("ref", metavar="CASE-REF", help="the case, e.g. CAR-2026-0042")
    # checked below rather than by the parser: a mistake is one sentence and exit code 1
    p.add_argument("--template", default="", metavar="NAME",
                   help="the letter (see 'hubapp letters templates'), e.g. asb_warning")  # fmt: skip
    p.add_argument("--to", action="append", default=[], metavar="PERSON-ID|ROLE",
                   help="a person on the case (P-XXXXXXXX or their id; again for several), or a "
                   "role: victim, complainant, witness, alleged_perpetrator...")  # fmt: skip
    p.add_argument("--agency", default="", metavar="A",
                   help="the sending agency's code or name (default: your own)")  # fmt: skip
    p.add_argument("-o", "--output", type=Path, metavar="FILE.pdf", help="the PDF to write")
    ls = sub.add_parser("letters", help="the standard letters")
    what = ls.add_subparsers(dest="what", metavar="templates", required=True)
    t = what.add_parser("templates", help="list the letters, their fields and who sends them")
    t.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> int:
    if args.command == "letters":
        return _templates(args)
    if not (args.template or "").strip():
        return error("say which letter: --template NAME (see 'hubapp letters templates').")
    if not args.to:
        return error("say who the letter is to: --to P-XXXXXXXX, or a role such as victim.")
    if args.output is None:
        return error("say where to write the PDF: -o FILE.pdf.")
    store = open_signed_in(args, existing_database(args))
    try:
        return _send(store, args)
    finally:
        store.close()


def _recipients(store, given: list[str]):
    from hubapp.domain.codes import PersonRole
    from hubapp.store.casework import people

    roles = {r.value for r in PersonRole}
    texts = [t.strip() for t in given if t.strip()]
    if len(texts) == 1 and texts[0].lower().replace(" ", "_") in roles:
        return texts[0]
    return [people.find_id(store, t) for t in texts]


def _send(store, args) -> int:
    from hubapp.documents import letter as paper
    from hubapp.store.casework import links

    case_id = links.find_case(store, args.ref)
    to = _recipients(store, args.to)
    with progress_bar() as progress:
        sent = paper.send(store, case_id, args.template, to, args.agency or None,
                            output=args.output, progress=progress)  # fmt: skip
    what = "1 letter" if sent.recipients == 1 else f"{sent.recipients} letters"
    pages = "1 page" if sent.pages == 1 else f"{sent.pages} pages"
    print(f"Sent {what} ({pages}) from {args.ref.strip().upper()}: {sent.output}")
    return 0


def _templates(args) -> int:
    from hubapp.domain import letters as rules

    path = existing_database(args)
    store = open_signed_in(args, path)
    try:
        from hubapp.store.casework import letters

        found = letters.templates(store)
    finally:
        store.close()
    if args.format == "json":
        json.dump({"templates": [{
            "name": t.code, "title": t.title, "version": t.version, "marking": t.marking,
            "agencies": list(t.agencies), "subject": t.subject, "fields": list(t.fields),
        } for t in found], "fields": rules.FIELDS}, sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        print()
        return 0
    for t in found:
        who = ", ".join(t.agencies) if t.agencies else "any agency"
        print(f"{t.code:<16} {t.title} (version {t.version}; {t.marking}; sent by {who})")
        print(f"{'':<16} fields: {', '.join(t.fields)}")
    print()
    print("Merge fields:")
    for name, what in rules.FIELDS.items():
        print(f"  {{{name}}}".ljust(22) + what)
    return 0
