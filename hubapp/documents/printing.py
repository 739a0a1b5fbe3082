"""Making, saving and recording the printed documents: case summary, meeting pack, agency
action sheet.

Each ``case_summary`` / ``meeting_pack`` / ``action_sheet`` call reads what it needs in one
read transaction, applying the redaction profile as it reads (:mod:`.gather`), and returns
a :class:`Document`: the PDF bytes and what they disclose. Nothing is written and nothing
audited until the document leaves the application:

* :func:`save` writes the PDF atomically (a temporary file in the target folder, flushed,
  then moved over the target: readers see the old file or the whole new one), readable by
  its owner only (0o600), only ever as a regular file (:mod:`hubapp.store.files`), and
  records the disclosure in the audit log in the same transaction as the move (the way
  :mod:`hubapp.store.exchange.export` does);
* :func:`record_disclosure` records a print to a printer (the GUI calls it once the job is
  spooled).

The audit entry (kind ``disclosure``) says what was disclosed (document, case ids and
references), under which profile, for which meeting, by whom (``Store.user``), where to
(file or printer) and, for a partner pack or action sheet, on what basis for each agency it
goes to (``basis``: the agreement, or the reason given without one).

A meeting pack under the partner profile is carried away by every agency taking part in the
hub, and an action sheet under it by its agency: before anything is printed,
:func:`meeting_pack` and :func:`action_sheet` check the hub's register of sharing agreements
(``hubapp.store.admin.sharing.check_disclosure``) and are refused with ``NoAgreement`` (the
warning) when an agency has no current agreement, unless a coordinator or an administrator
gives a ``reason``.

The pack takes ``progress(fraction, message)``; returning False cancels it with
:class:`DocumentCancelled` and nothing is written.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from hubapp.documents import gather, layout, render
from hubapp.domain.clock import utcnow
from hubapp.domain.formatting import format_date, format_datetime
from hubapp.domain.redaction import Profile, Rules, rules
from hubapp.domain.text import match_key
from hubapp.store import access, audit, files, setup
from hubapp.store.casework import case_review, meetings
from hubapp.store.casework import repeats as store_repeats
from hubapp.store.errors import Cancelled, StoreError
from hubapp.store.schema import Agency, Case, Hub

log = logging.getLogger(__name__)

#: how many cases a pack built without a meeting holds (the hub's top open cases)
PACK_CASES = 50

Progress = Callable[[float, str], bool | None]

KIND_LABELS = {
    "case_summary": "Case summary",
    "meeting_pack": "Meeting pack",
    "action_sheet": "Agency action sheet",
    "review_letter": "ASB Case Review outcome letter",
}


class DocumentError(StoreError):
    """A document that cannot be made, in one sentence."""


class DocumentCancelled(DocumentError, Cancelled):
    """The person cancelled; nothing was written."""


@dataclass(frozen=True)
class Document:
    kind: str
    title: str
    profile: Profile
    marking: str
    pdf: bytes = field(repr=False)
    pages: int
    case_ids: list[uuid.UUID]
    case_references: list[str]
    hub: str = ""
    agency: str = ""
    meeting_id: uuid.UUID | None = None
    #: {agency: what its disclosure rests on}, for a partner pack (the audit entry keeps it)
    basis: dict[str, str] = field(default_factory=dict)
    #: the attachments and letters sent that the document lists (police profile)
    listed_ids: tuple[uuid.UUID, ...] = ()

    def suggested_name(self) -> str:
        """A file name for the current folder, e.g. 'case-CAR-2026-0042-partner.pdf'."""
        stem = {"case_summary": "case", "meeting_pack": "pack", "action_sheet": "actions",
                "review_letter": "case-review-letter"}  # fmt: skip
        words = [stem[self.kind]]
        if self.kind in ("case_summary", "review_letter"):
            words.append(self.case_references[0] if self.case_references else "")
        else:
            words.append(self.hub or "all-hubs")
            if self.agency:
                words.append(self.agency)
        words.append(self.profile.value)
        slug = "-".join("-".join(w.split()) for w in words if w)
        return "".join(c for c in slug if c.isalnum() or c in "-_") + ".pdf"


# --- the shared parts -----------------------------------------------------------------------


def _reporter(progress: Progress | None) -> Callable[[float, str], None]:
    def report(fraction: float, message: str) -> None:
        if progress is not None and progress(min(max(fraction, 0.0), 1.0), message) is False:
            raise DocumentCancelled("Printing was cancelled; nothing was written.")

    return report


def _furniture(store, r: Rules, band_left: str, band_right: str) -> layout.Furniture:
    station = setup.current(store)
    where = station.station_name if station else "a station not yet set up"
    printed = f"Printed by {store.user} at {where} on {format_datetime(utcnow())}"
    return layout.Furniture(r.marking, band_left, band_right, printed,
                            f"{r.profile.label} profile")  # fmt: skip


def _meta(store, r: Rules, title: str, about: str) -> layout.Metadata:
    return layout.Metadata(
        title=f"{r.marking} \u2013 {title}",
        subject=f"{r.marking}: {about} ({r.profile.label.lower()} profile)",
        keywords=f"{r.marking}, {r.profile.label} profile, Local Focus Hub, hubapp",
        author=store.user,
    )


def find_case(s, case: uuid.UUID | str) -> Case:
    """A live case by id or reference (ignoring case and outer spaces); a case the account
    acting in ``s`` may not see is refused as such (access.AccessRefused), not said to be
    missing."""
    row = None
    if isinstance(case, uuid.UUID):
        row = s.get(Case, case)
    else:
        text = str(case).strip()
        # references are stored in capitals: an equality keeps to the unique index
        candidates = tuple(dict.fromkeys((text, text.upper())))
        for candidate in candidates:
            row = s.scalar(select(Case).where(Case.reference == candidate))
            if row is not None:
                break
    if row is None:  # missing, or hidden by the session's rules: then refused as such
        hidden = case if isinstance(case, uuid.UUID) else s.scalar(
            select(Case.id).where(Case.reference.in_(candidates))
            .execution_options(**access.EVERY_ROW)  # the id, to refuse it, goes no further
        )  # fmt: skip
        if hidden is not None:
            access.check_case(s, hidden)
    if row is None or row.voided:
        raise DocumentError(f"There is no case {case}; check the reference.")
    return row


def find_hub(store, hub: uuid.UUID | str) -> Hub:
    if isinstance(hub, uuid.UUID):
        with store.read() as s:
            row = s.get(Hub, hub)
        if row is None or row.voided:
            raise DocumentError("This hub does not exist.")
        return row
    return setup.find_hub(store, hub)


def find_agency(store, agency: uuid.UUID | str) -> Agency:
    """An agency by id, code, short name or name (ignoring case, spacing, punctuation)."""
    with store.read() as s:
        if isinstance(agency, uuid.UUID):
            row = s.get(Agency, agency)
            if row is None or row.voided:
                raise DocumentError("This agency does not exist.")
            return row
        key = match_key(agency)
        rows = list(s.scalars(select(Agency).where(Agency.voided.is_(False))))
    for row in rows:
        if key in (match_key(row.code), match_key(row.short_name), match_key(row.name)):
            return row
    names = ", ".join(sorted(r.short_name for r in rows))
    raise DocumentError(f"There is no agency called '{agency}'; the agencies are: {names}.")


# --- case summary ---------------------------------------------------------------------------


def case_summary(
    store, case: uuid.UUID | str, profile: Profile | str | None = None, *,
    today: date | None = None,
) -> Document:  # fmt: skip
    """One case on one or two pages, under ``profile`` (the public one if None)."""
    r = rules(profile)
    today = today or date.today()
    with store.read() as s:
        row = find_case(s, case)
        sheet = gather.case_sheet(s, row.id, r, today)
    title = f"Case summary {sheet.reference}"
    pdf, pages = layout.build_pdf(
        render.case_flowables(sheet, r),
        _furniture(store, r, f"{sheet.hub} Local Focus Hub", title),
        _meta(store, r, title, f"{sheet.hub} Local Focus Hub, case {sheet.reference}"),
    )
    return Document("case_summary", title, r.profile, r.marking, pdf, pages, [sheet.id],
                    [sheet.reference], hub=sheet.hub, listed_ids=sheet.listed_ids)  # fmt: skip


# --- meeting pack ---------------------------------------------------------------------------


def meeting_pack(
    store,
    hub: uuid.UUID | str,
    profile: Profile | str | None = None,
    *,
    day: date | None = None,
    limit: int = PACK_CASES,
    today: date | None = None,
    progress: Progress | None = None,
    reason: str | None = None,
) -> Document:
    """The pack for the hub's meeting on ``day``; without ``day``, for its next meeting, or
    (none planned) for its ``limit`` top open cases in priority order (high risk first,
    then the oldest). A partner pack checks the sharing agreements first (module notes);
    ``reason``: why it goes ahead without a current one."""
    r = rules(profile)
    today = today or date.today()
    report = _reporter(progress)
    report(0.0, "Finding the meeting")
    hub_row = find_hub(store, hub)
    basis = pack_basis(store, hub_row.id, r.profile, reason)
    if day is not None:
        meeting = meetings.meeting_on(store, hub_row.id, day)
        if meeting is None:
            raise DocumentError(
                f"The {hub_row.name} hub has no meeting on {format_date(day)}; leave the date "
                "out for its next meeting."
            )
    else:
        meeting = meetings.next_meeting(store, hub_row.id, today)

    with store.read() as s:
        if meeting is not None:
            items = [a for a in meeting.agenda if not a.removed]
            wanted = [(a.case_id, a) for a in items]
        else:
            wanted = [(cid, None) for cid in gather.priority_cases(s, hub_row.id, limit)]
        cases: list[tuple[gather.CaseSheet, render.AgendaNote]] = []
        cover: list[render.CoverLine] = []
        total = max(len(wanted), 1)
        for n, (case_id, item) in enumerate(wanted, start=1):
            report(0.05 + 0.45 * (n - 1) / total, f"Reading case {n} of {len(wanted)}")
            sheet = gather.case_sheet(s, case_id, r, today)
            if item is not None:
                reason = meetings.AgendaReason(item.reason).label
                why = gather.case_text(s, case_id, r, item.reason_text, 300)
            else:
                reason = f"Open case, {sheet.risk.lower()} risk" if r.risk else "Open case"
                why = f"Open since {sheet.opened}"
            cases.append((sheet, render.AgendaNote(n, reason, why)))
            cover.append(render.CoverLine(n, sheet.reference, sheet.category, sheet.place,
                                          reason, why, sheet.risk, sheet.opened))  # fmt: skip
        attendance, removed, decisions = [], [], []
        if meeting is not None:
            attendance = [
                (a.agency, meetings.Attendance(a.status).label,
                 a.attendees if r.staff_names else "")
                for a in meeting.attendance
            ]  # fmt: skip
            removed = [(a.case_reference, gather.case_text(s, a.case_id, r, a.removed_reason, 300))
                       for a in meeting.agenda if a.removed]  # fmt: skip
            if r.free_text:
                every_case = [a.case_id for a in meeting.agenda]
                decisions = [
                    (d.case_reference,
                     gather.case_text(s, d.case_id or every_case, r, d.text, 1_000))
                    for d in meeting.decisions
                ]  # fmt: skip
        overview = gather.overview(s, hub_row.id, today)
        orders_due = gather.orders_due(s, hub_row.id, r, today)
        repeat_counts = store_repeats.read_counts(s, [sheet.id for sheet, _ in cases])
        victim_updates = gather.victim_updates(s, [sheet.id for sheet, _ in cases], r, today)
        review_rows, review_counts = gather.case_review_rows(
            case_review.read_queue(s, hub_row.id, today), r
        )
        actions = gather.agency_actions(s, None, None, r, today,
                                        case_ids=[sheet.id for sheet, _ in cases])  # fmt: skip
    by_agency: dict[str, list[gather.ActionRow]] = defaultdict(list)
    for a in sorted(actions, key=lambda a: a.agency):
        by_agency[a.agency].append(a)

    pack = render.Pack(
        hub=hub_row.name,
        meeting_date=format_date(meeting.meets_on) if meeting else "",
        starts_at=meeting.starts_at if meeting else "",
        place=meeting.place if meeting else "",
        chair=meeting.chair if meeting and r.staff_names else "",
        attendance=attendance, agenda=cover, removed=removed, decisions=decisions,
        overview=overview, cases=cases, actions_by_agency=dict(by_agency),
        from_priority_order=meeting is None, repeat_counts=repeat_counts,
        victim_updates=victim_updates,
        orders_due=orders_due,
        case_review=review_rows, case_review_counts=review_counts,
    )  # fmt: skip
    flowables = render.pack_flowables(pack, r, report)
    expected = 3 + 2 * len(cases)

    def on_page(page: int) -> None:
        report(0.7 + 0.3 * min(page / expected, 1.0), f"Page {page}")

    title = (f"Meeting pack {format_date(meeting.meets_on)}" if meeting
             else "Meeting pack (open cases)")  # fmt: skip
    pdf, pages = layout.build_pdf(
        flowables,
        _furniture(store, r, f"{hub_row.name} Local Focus Hub", title),
        _meta(store, r, f"{hub_row.name} {title}", f"{hub_row.name} Local Focus Hub, {title}"),
        on_page,
    )
    if progress is not None:
        progress(1.0, f"{pages} pages")
    return Document("meeting_pack", title, r.profile, r.marking, pdf, pages,
                    [sheet.id for sheet, _ in cases], [sheet.reference for sheet, _ in cases],
                    hub=hub_row.name, meeting_id=meeting.id if meeting else None,
                    basis=basis,
                    listed_ids=tuple(i for sheet, _ in cases for i in sheet.listed_ids))  # fmt: skip


def pack_basis(store, hub_id: uuid.UUID, profile: Profile,
               reason: str | None = None) -> dict[str, str]:  # fmt: skip
    """{agency: basis} for a pack of the hub under ``profile``: only the partner profile
    discloses to the hub's agencies (``NoAgreement`` as the module notes say)."""
    from hubapp.store.admin import sharing
    from hubapp.store.schema import HubAgency

    if profile is not Profile.PARTNER:
        return {}
    with store.read() as s:
        agencies = list(s.scalars(
            select(HubAgency.agency_id).where(HubAgency.hub_id == hub_id,
                                              HubAgency.voided.is_(False))
            .order_by(HubAgency.position)))  # fmt: skip
        found = sharing.check_disclosure(s, hub_id, agencies, reason=reason, what="the pack",
                                         today=None)  # fmt: skip
    return sharing.basis_details(found)


# --- agency action sheet --------------------------------------------------------------------


def action_sheet(
    store, agency: uuid.UUID | str, profile: Profile | str | None = None, *,
    hub: uuid.UUID | str | None = None, today: date | None = None, reason: str | None = None,
) -> Document:  # fmt: skip
    """One agency's open actions across the cases of one hub (or of every hub), with RAG.
    Under the partner profile it is handed to that agency: its agreement with the hub of each
    case on the sheet is checked first, as for a pack (``reason``: why without one)."""
    r = rules(profile)
    today = today or date.today()
    agency_row = find_agency(store, agency)
    hub_row = find_hub(store, hub) if hub is not None else None
    with store.read() as s:
        rows = gather.agency_actions(s, agency_row.id, hub_row.id if hub_row else None, r, today)
        case_ids = list(
            s.scalars(select(Case.id).where(Case.reference.in_({a.case_reference for a in rows})))
        ) if rows else []  # fmt: skip
        basis = _sheet_basis(s, agency_row, case_ids, r.profile, reason)
    hub_name = hub_row.name if hub_row else "All hubs"
    title = f"Open actions: {agency_row.short_name}"
    band = f"{hub_row.name} Local Focus Hub" if hub_row else "Local Focus Hubs of Cumbria"
    pdf, pages = layout.build_pdf(
        render.action_sheet_flowables(agency_row.name, hub_name, rows, r, today),
        _furniture(store, r, band, title),
        _meta(store, r, f"{title} ({hub_name})", f"{agency_row.name}, open actions, {hub_name}"),
    )
    return Document("action_sheet", title, r.profile, r.marking, pdf, pages, case_ids,
                    sorted({a.case_reference for a in rows}),
                    hub=hub_row.name if hub_row else "", agency=agency_row.short_name,
                    basis=basis)  # fmt: skip


def _sheet_basis(s, agency: Agency, case_ids: list[uuid.UUID], profile: Profile,
                 reason: str | None) -> dict[str, str]:  # fmt: skip
    """{agency (and hub, where the sheet spans several): basis} for a partner action sheet."""
    from hubapp.store.admin import sharing

    if profile is not Profile.PARTNER or not case_ids:
        return {}
    hubs = {h.id: h.name for h in s.scalars(
        select(Hub).where(Hub.id.in_(select(Case.hub_id).where(Case.id.in_(case_ids)))))}  # fmt: skip
    out = {}
    for hub_id, name in sorted(hubs.items(), key=lambda h: h[1]):
        [found] = sharing.check_disclosure(s, hub_id, [agency.id], reason=reason,
                                           what="the action sheet")  # fmt: skip
        out[found.agency if len(hubs) == 1 else f"{found.agency}, {name} hub"] = found.text
    return out


# --- leaving the application: save, print, audit ------------------------------------------


def _details(document: Document, how: str, target: str) -> dict:
    return {
        "document": document.kind,
        "title": document.title,
        "profile": document.profile.value,
        "marking": document.marking,
        "meeting_id": str(document.meeting_id) if document.meeting_id else None,
        "hub": document.hub,
        "agency": document.agency or None,
        "cases": document.case_references,
        "pages": document.pages,
        "how": how,
        "to": target,
        **({"basis": document.basis} if document.basis else {}),
        **({"attachments_listed": [str(i) for i in document.listed_ids]}
           if document.listed_ids else {}),
    }  # fmt: skip


def record_disclosure(store, document: Document, how: str, target: str, session=None) -> None:
    """Record that ``document`` left the application (``how``: 'saved' or 'printed'; ``target``:
    the file or the printer) as a disclosure in the audit log."""
    reason = f"{KIND_LABELS[document.kind].lower()} {how}"
    ids = [str(c) for c in document.case_ids]

    def add(s) -> None:
        audit.record(s, audit.Kind.DISCLOSURE, "case_", ids, _details(document, how, target),
                     reason=reason)  # fmt: skip

    if session is not None:
        add(session)
        return
    with store.write(reason=reason) as s:
        add(s)


def save(store, document: Document, path: Path | str) -> Path:
    """Write the PDF to ``path`` atomically, mode 0o600, with its audit entry; return the
    absolute path. Any old file is left untouched on failure; a name that is a folder, a
    device, a pipe or a link is refused in one sentence (``hubapp.store.files``)."""
    target = Path(path).expanduser().absolute()
    example = document.suggested_name()
    files.check_output(target, example, error=DocumentError)
    if not target.parent.is_dir():
        raise DocumentError(f"The folder {target.parent} does not exist.")

    def around(move) -> None:
        moved = False
        try:
            with store.write(reason=f"{KIND_LABELS[document.kind].lower()} saved") as s:
                record_disclosure(store, document, "saved", str(target), session=s)
                s.flush()
                move()
                moved = True
        except BaseException:
            if moved:
                log.warning("%s was saved but its audit entry could not be committed", target)
            raise

    files.atomic_write(target, lambda fh: fh.write(document.pdf), around, example=example)
    log.info("Saved %s (%s profile, %d pages)", document.kind, document.profile, document.pages)
    return target
