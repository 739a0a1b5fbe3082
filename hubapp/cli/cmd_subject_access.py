"""``hubapp subject-access``: everything held about one person, redacted (a subject access
request; for administrators).

    hubapp [--db PATH] subject-access --person ID|NAME -o FILE.json|FILE.zip [--format json|zip]
"""

from __future__ import annotations

from pathlib import Path

from hubapp.cli.common import existing_database, open_signed_in

SUBJECT_HELP = """Everything held about one person (subject access request): their record,
the cases they are linked to with their role, contacts, notes, actions, tools and powers,
risk assessments, meeting decisions, letters sent to them, the files kept on their cases
(text files redacted; photos, PDFs and other files listed for review by hand, not
included), and the audit entries about their records including disclosures. Other
people's names and contact details are redacted. FILE.json is for
machines; FILE.zip holds the same with one CSV per part, for people. Recorded as a
disclosure."""


def add_parsers(sub) -> None:
    sa = sub.add_parser("subject-access", help="everything held about one person, redacted",
                        description=SUBJECT_HELP)  # fmt: skip
    sa.add_argument("--person", required=True, metavar="ID|NAME",
                    help="the person's id, or their full name")  # fmt: skip
    sa.add_argument("-o", "--output", required=True, type=Path, metavar="FILE",
                    help="FILE.json or FILE.zip")  # fmt: skip
    sa.add_argument("--format", metavar="json|zip",
                    help="json or zip (default: from the file's ending)")  # fmt: skip


def run(args) -> int:
    from hubapp.store.admin import subject_access

    store = open_signed_in(args, existing_database(args))
    try:
        person_id = subject_access.find_person(store, args.person)
        held: list = []
        target = subject_access.write(store, person_id, args.output, args.format,
                                      not_included=held)  # fmt: skip
    finally:
        store.close()
    print(f"Wrote everything held about person {person_id} to {target}.")
    if held:
        n = len(held)
        where = ("README.txt in the zip" if target.suffix.lower() == ".zip"
                 else "the file's attachments part")  # fmt: skip
        print(f"{n} file{' was' if n == 1 else 's were'} kept on their cases but not included "
              "(photos, PDFs, documents, recordings): other people cannot be reliably taken "
              "out of them automatically. Review them by hand before disclosure; "
              f"{where} names them.")  # fmt: skip
    print("It is OFFICIAL-SENSITIVE: give it only to the person it is about, or their "
          "representative.")  # fmt: skip
    return 0
