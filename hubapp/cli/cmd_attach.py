"""``hubapp attach``, ``attachments``, ``attachment get`` and ``attachments-settings``: files
on cases from the command line.

    hubapp [--db PATH] attach CASE-REF FILE [--title T] [--kind K] [--again]
    hubapp [--db PATH] attachments CASE-REF [--format text|json]
    hubapp [--db PATH] attachment get ID -o FILE
    hubapp [--db PATH] attachments-settings [--file-mb N] [--case-mb N] [--keep-original yes|no]

``attach`` keeps FILE on the case inside the encrypted database (a photo without its location
data); a file that is too large, empty, unreadable, a folder or a device, a picture that is
not one, or the same file already on the case (``--again`` adds it anyway) is refused in one
sentence with exit code 1, and nothing is kept. ``attachments`` lists the case's files with
their ids (the first eight characters are enough for ``attachment get``). ``attachment get``
writes one out, whole or not at all (a disclosure, audited). ``attachments-settings`` shows
the station's limits, and changes them (administrators).
"""

from __future__ import annotations

import json

from hubapp.cli.common import error, existing_database, open_signed_in, progress_bar


def add_parsers(sub) -> None:
    a = sub.add_parser("attach", help="keep a file (photo, letter, statement...) on a case",
                       description="Keep FILE on CASE-REF, inside the encrypted database.")  # fmt: skip
    a.add_argument("ref", metavar="CASE-REF")
    a.add_argument("file", metavar="FILE")
    a.add_argument("--title", default="", metavar="T", help="what it is (default: the file's name)")
    a.add_argument("--kind", default="", metavar="K",
                   help="photo, letter, statement, evidence or other (default: photo for a "
                   "picture, else other)")  # fmt: skip
    a.add_argument("--again", action="store_true",
                   help="add it even if the same file is already on the case")  # fmt: skip
    ls = sub.add_parser("attachments", help="list the files of a case")
    ls.add_argument("ref", metavar="CASE-REF")
    ls.add_argument("--format", choices=("text", "json"), default="text")
    one = sub.add_parser("attachment", help="write out a file kept on a case")
    what = one.add_subparsers(dest="what", metavar="get", required=True)
    get = what.add_parser("get", help="write an attached file out (audited as a disclosure)")
    get.add_argument("id", metavar="ID", help="the attachment's id (from 'hubapp attachments')")
    get.add_argument("-o", "--output", required=True, metavar="FILE")
    st = sub.add_parser("attachments-settings", help="show or set the limits on attached files")
    # checked below rather than by the parser: a mistake is one sentence and exit code 1
    st.add_argument("--file-mb", dest="file_mb", default=None, metavar="N",
                    help="the largest file, in MB")  # fmt: skip
    st.add_argument("--case-mb", dest="case_mb", default=None, metavar="N",
                    help="the most one case's files may hold together, in MB")  # fmt: skip
    st.add_argument("--keep-original", dest="keep_original", default=None, metavar="yes|no", help="keep photos as handed in too, location data and all")  # fmt: skip


def run(args) -> int:
    if args.command == "attach" and args.kind:
        from hubapp.domain.attachments import KINDS, parse_kind

        if parse_kind(args.kind) is None:
            return error(f"'{args.kind}' is not a kind of file; use one of {', '.join(KINDS)}.")
    store = open_signed_in(args, existing_database(args))
    try:
        return {"attach": _attach, "attachments": _list, "attachment": _get,
                "attachments-settings": _settings}[args.command](store, args)  # fmt: skip
    finally:
        store.close()


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def _attach(store, args) -> int:
    from hubapp.store.casework import attachments, links

    case_id = links.find_case(store, args.ref)
    with progress_bar() as progress:
        added = attachments.add_file(store, case_id, args.file, title=args.title,
                                     kind=args.kind or None, again=args.again,
                                     progress=progress)  # fmt: skip
    print(f"Added '{added.title}' ({added.file_name}, {_size(added.size)}) to "
          f"{args.ref.strip().upper()} as {added.id.hex[:8]}.")  # fmt: skip
    if added.note:
        print(added.note)
    return 0


def _list(store, args) -> int:
    from hubapp.domain.formatting import format_datetime
    from hubapp.store.casework import attachments, links

    case_id = links.find_case(store, args.ref)
    lines = attachments.for_case(store, case_id, thumbs=False)
    if args.format == "json":
        print(json.dumps([{
            "id": str(li.id), "title": li.title, "kind": li.kind, "file_name": li.file_name,
            "media_type": li.media_type, "size": li.size, "sha256": li.sha256,
            "added_by": li.added_by, "added_at": li.added_at.isoformat(timespec="seconds"),
            "agency": li.agency, "note": li.note, "complete": li.complete,
            "contact_id": str(li.contact_id) if li.contact_id else None,
            "action_id": str(li.action_id) if li.action_id else None,
            "intervention_id": str(li.intervention_id) if li.intervention_id else None,
        } for li in lines], indent=2, ensure_ascii=False))  # fmt: skip
        return 0
    if not lines:
        print(f"No files on {args.ref.strip().upper()}.")
        return 0
    for li in lines:
        extra = f"  {li.note}" if li.note else ""
        print(f"{li.id.hex[:8]}  {li.kind:<9}  {_size(li.size):>9}  {format_datetime(li.added_at)}  "
              f"{li.title} ({li.file_name}){extra}")  # fmt: skip
    return 0


def _get(store, args) -> int:
    from hubapp.store.casework import attachments

    attachment_id = attachments.find(store, args.id)
    line = attachments.get_to(store, attachment_id, args.output)
    print(f"Wrote '{line.title}' ({_size(line.size)}) to {args.output}.")
    return 0


def _settings(store, args) -> int:
    from hubapp.store.casework import attachments

    numbers = {}
    for option, value in (("--file-mb", args.file_mb), ("--case-mb", args.case_mb)):
        if value is not None:
            if not value.strip().isdigit():
                return error(f"{option} takes a whole number of MB, not '{value}'.")
            numbers[option] = int(value)
    keep = None
    if args.keep_original is not None:
        keep = {"yes": True, "no": False}.get(args.keep_original.strip().lower())
        if keep is None:
            return error(f"--keep-original takes yes or no, not '{args.keep_original}'.")
    if not numbers and keep is None:
        lim = attachments.limits(store)
    else:
        lim = attachments.set_limits(store, file_mb=numbers.get("--file-mb"),
                                     case_mb=numbers.get("--case-mb"), keep_original=keep)  # fmt: skip
    print(f"Largest file: {lim.file_mb:,} MB")
    print(f"Most per case: {lim.case_mb:,} MB")
    print(f"Keep photos as handed in too: {'yes' if lim.keep_original else 'no'}")
    return 0
