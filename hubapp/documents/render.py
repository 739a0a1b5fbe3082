"""Documents as flowables: from gathered (already redacted) values to pages. No database.

Every text here either is this module's own wording or comes from the gathered values and
goes through :func:`hubapp.documents.layout.esc` (via ``para``, ``table``, ``facts``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Table

from hubapp.documents import charts
from hubapp.documents.gather import ActionRow, CaseSheet, Overview, VictimUpdateRow
from hubapp.documents.layout import (
    FONT,
    FRAME_WIDTH,
    HEAD_FILL,
    NAVY,
    RULE,
    esc,
    facts,
    gap,
    heading,
    para,
    styles,
    table,
)
from hubapp.domain.formatting import plural
from hubapp.domain.rag import Rag
from hubapp.domain.redaction import Rules

# --- a case summary -----------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaNote:
    """Why a case is in a pack: its agenda item (or its place in the priority order)."""

    number: int
    reason: str  # label
    text: str  # why it was added ("" if the profile hides it)


def case_flowables(sheet: CaseSheet, r: Rules, agenda: AgendaNote | None = None) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = []
    if agenda is not None:
        line = f"Agenda item {agenda.number} \u00b7 {agenda.reason}"
        if agenda.text:
            line += f": {agenda.text}"
        out.append(para(line, st.small))
    title = f"{sheet.reference} \u00b7 {sheet.category}"
    out.append(para(title, st.title))
    if sheet.summary:
        out.append(para(sheet.summary, st.subtitle))
    pairs = [
        ("Hub", sheet.hub), ("Status", sheet.status),
        ("Category", sheet.category), ("SARA stage", sheet.sara_stage),
        ("Location", sheet.place), ("Lead agency", sheet.lead_agency),
        ("Opened", sheet.opened), ("Reported by", sheet.channel),
    ]  # fmt: skip
    if r.risk:
        pairs += [("Risk", sheet.risk), ("Priority", sheet.priority)]
    if sheet.hate:
        pairs.append(("Hate", sheet.hate))
    if sheet.next_review:
        pairs.append(("Next review", sheet.next_review))
    pairs.append(("Contacts", str(sheet.contact_count)))
    if sheet.closed:
        pairs += [("Closed", sheet.closed), ("Outcome", sheet.outcome)]
    out.append(facts(pairs))

    if sheet.details:
        out += [heading("What has been reported"), para(sheet.details)]

    out.append(heading("People"))
    if r.names == "none":
        n = sheet.people_count
        out.append(
            para(
                f"{n} {'person is' if n == 1 else 'people are'} linked to this case. "
                "People are not named in this document (public profile).",
                st.small,
            )
        )
    elif sheet.people:
        if r.contact_details:
            out.append(table(["Role", "Name", "Details"],
                             [(p.role, p.name, "; ".join(x for x in (p.contact, p.flags) if x))
                              for p in sheet.people],
                             [0.18, 0.27, 0.55]))  # fmt: skip
        elif any(p.flags for p in sheet.people):
            out.append(table(["Role", "Name", "Safeguarding"],
                             [(p.role, p.name, p.flags) for p in sheet.people],
                             [0.3, 0.4, 0.3]))  # fmt: skip
        else:
            out.append(table(["Role", "Name"], [(p.role, p.name) for p in sheet.people],
                             [0.3, 0.7]))  # fmt: skip
        if not r.contact_details:
            out.append(para("People are shown by their initials (partner profile).", st.small))
    else:
        out.append(para("No people are linked to this case.", st.small))

    if sheet.referrals:
        out += [heading("Referrals"),
                table(["Pathway", "Referred", "Person", "Reference", "Outcome"], sheet.referrals,
                      [0.2, 0.12, 0.2, 0.16, 0.32])]  # fmt: skip

    if sheet.places:
        out += [heading("Places"), table(["Role", "Place"], sheet.places, [0.3, 0.7])]

    if sheet.repeats:
        out.append(heading("Repeats across cases"))
        out += [para(line) for line in sheet.repeats]
        if r.names != "full":
            out.append(para("Counts only: who and where are not printed under this profile.",
                            st.small))  # fmt: skip

    out.append(heading("Agencies and actions"))
    if sheet.assignments:
        out.append(
            para(
                " \u00b7 ".join(f"{agency} ({role.lower()})" for agency, role in sheet.assignments)
            )
        )
        out.append(gap(1.5))
    if sheet.actions:
        out.append(_actions_table(sheet.actions, with_case=False, r=r))
        if sheet.finished_actions_left_out:
            n = sheet.finished_actions_left_out
            out.append(para(f"{n} earlier finished action{'s' if n != 1 else ''} not shown.",
                            st.small))  # fmt: skip
    else:
        out.append(para("No actions recorded.", st.small))

    if sheet.sara:
        out += [heading(f"SARA plan (stage: {sheet.sara_stage})"),
                table(["Part", "Plan"], sheet.sara, [0.3, 0.7], bold_first=True)]  # fmt: skip

    if sheet.interventions:
        heads = ["Tool or power", "Agency", "Against", "Issued", "Expires", "Status"]
        widths = [0.24, 0.14, 0.22, 0.12, 0.12, 0.16]
        rows = [(i.kind, i.agency, i.against, i.issued, i.expires, i.status)
                for i in sheet.interventions]  # fmt: skip
        if r.free_text:
            heads.append("Conditions")
            widths = [0.17, 0.1, 0.1, 0.12, 0.12, 0.1, 0.29]
            rows = [(*row, i.conditions) for row, i in zip(rows, sheet.interventions, strict=True)]
        out += [heading("Tools and powers"), table(heads, rows, widths)]

    out += _files_and_letters(sheet)

    if sheet.contacts and r.free_text:
        heads = ["Received", "Channel", "Reporter", "Summary"]
        widths = [0.15, 0.15, 0.17, 0.53]
        rows = [(c.received, c.channel, c.reporter, c.summary) for c in sheet.contacts]
        if not r.contact_details:
            heads, widths = ["Received", "Channel", "Summary"], [0.16, 0.16, 0.68]
            rows = [(c.received, c.channel, c.summary) for c in sheet.contacts]
        more = sheet.contact_count - len(sheet.contacts)
        title = "Recent contacts" + (f" (latest {len(sheet.contacts)} of {sheet.contact_count})"
                                     if more > 0 else "")  # fmt: skip
        out += [heading(title), table(heads, rows, widths)]

    if sheet.timeline:
        out += [heading("Recent timeline"),
                table(["When", "What", "Detail"],
                      [(t.when, t.what, t.text) for t in sheet.timeline], [0.17, 0.3, 0.53])]  # fmt: skip
    return out


def _files_and_letters(sheet: CaseSheet) -> list[Flowable]:
    """The case's files and letters sent: listed under the police profile, never embedded
    (their content stays in the case window); counted under the others."""
    files, letters = sheet.attachment_count, sheet.letter_count
    if not files and not letters:
        return []
    st = styles()
    count = (f"{plural(files, 'attachment')}, "
             f"{plural(letters, 'letter sent', 'letters sent')}.")  # fmt: skip
    out: list[Flowable] = [heading("Attachments and letters")]
    if not sheet.attachments and not sheet.letters:
        return out + [para(f"{count} They are not listed under this profile.", st.small)]
    if sheet.attachments:
        out.append(table(["Attachment", "Kind", "Added", "By", "Size"], sheet.attachments,
                         [0.4, 0.12, 0.13, 0.22, 0.13]))  # fmt: skip
    if sheet.letters:
        out += [gap(1.5), table(["Letter sent", "To", "Letter", "By"], sheet.letters,
                                [0.14, 0.26, 0.38, 0.22])]  # fmt: skip
    out.append(para(f"{count} Files are listed, not printed: open them in the case window.",
                    st.small))  # fmt: skip
    return out


def _actions_table(rows: list[ActionRow], *, with_case: bool, r: Rules) -> Table:
    heads = ["Agency", "Action", "Owner", "Due", "Status", "RAG"]
    widths = [0.13, 0.37, 0.17, 0.11, 0.11, 0.11]
    if with_case:
        heads[0] = "Case"
        widths[0] = 0.15
        widths[1] = 0.35
    values = [
        (a.case_reference if with_case else a.agency, a.description, a.owner, a.due, a.status,
         a.rag)
        for a in rows
    ]  # fmt: skip
    if not r.free_text:  # no action texts or owners under the profile
        keep = [0, 3, 4, 5]
        heads = [heads[i] for i in keep]
        widths = [0.4, 0.2, 0.2, 0.2]
        values = [tuple(v[i] for i in keep) for v in values]
        return table(heads, values, widths, rag_column=3)
    return table(heads, values, widths, rag_column=5)


# --- the meeting pack ---------------------------------------------------------------------


@dataclass(frozen=True)
class CoverLine:
    number: int
    reference: str
    category: str
    place: str
    reason: str
    why: str
    risk: str = ""
    opened: str = ""


@dataclass(frozen=True)
class Pack:
    hub: str
    meeting_date: str  # "" when built without a meeting
    starts_at: str
    place: str
    chair: str
    attendance: list[tuple[str, str, str]]  # agency, status label, names ("" if hidden)
    agenda: list[CoverLine]
    removed: list[tuple[str, str]]  # reference, reason removed ("" if hidden)
    decisions: list[tuple[str, str]]  # case reference or "", text
    overview: Overview
    cases: list[tuple[CaseSheet, AgendaNote]] = field(default_factory=list)
    actions_by_agency: dict[str, list[ActionRow]] = field(default_factory=dict)
    from_priority_order: bool = False
    #: how many people and places of the pack's cases are each kind of repeat
    repeat_counts: dict[str, int] = field(default_factory=dict)
    #: the hub's ASB Case Review queue (gather.case_review_rows): rows and counts
    case_review: list[tuple] = field(default_factory=list)
    case_review_counts: dict[str, int] = field(default_factory=dict)
    #: the hub's tools and powers ending or due: date, what, power, against, case (issue 17)
    orders_due: list[tuple[str, str, str, str, str]] | None = None
    #: the victims of the pack's cases overdue an update (issue 17)
    victim_updates: list[VictimUpdateRow] = field(default_factory=list)


def _victim_updates(rows: list[VictimUpdateRow], r: Rules) -> list[Flowable]:
    """The pack's "Victim updates overdue" section: whom the hub owes an update."""
    st = styles()
    out: list[Flowable] = [heading("Victim updates overdue")]
    if not rows:
        out.append(para("No victim or complainant of these cases is overdue an update.", st.body))
        return out
    named = r.names != "none"
    heads = ["Case", *(["Victim"] if named else []), "Contact", "Last update", "Due"]
    widths = [0.18, 0.27, 0.31, 0.12, 0.12] if named else [0.2, 0.52, 0.14, 0.14]
    out.append(table(heads, [(v.case_reference, *([v.victim] if named else []), v.contact,
                              v.last_update, v.due) for v in rows], widths))  # fmt: skip
    out.append(para("Each victim and complainant is updated by their single point of contact "
                    "every few working days, as often as their risk says; see each case's "
                    "Victim contact tab.", st.small))  # fmt: skip
    return [KeepTogether(out)] if len(rows) <= 12 else out


def pack_flowables(
    pack: Pack, r: Rules, report: Callable[[float, str], None] = lambda f, m: None
) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = []
    # cover
    out.append(gap(6))
    out.append(para("Local Focus Hub partner meeting", st.small))
    out.append(para(f"{pack.hub} Local Focus Hub", st.cover_title))
    if pack.meeting_date:
        when = pack.meeting_date + (f" at {pack.starts_at}" if pack.starts_at else "")
        out.append(para(f"Meeting pack for {when}", st.subtitle))
    else:
        out.append(para("Meeting pack: open cases in priority order (no meeting is planned)",
                        st.subtitle))  # fmt: skip
    pairs = [("Hub", pack.hub)]
    if pack.meeting_date:
        pairs += [("Date", pack.meeting_date), ("Time", pack.starts_at or "to be confirmed"),
                  ("Place", pack.place or "to be confirmed")]  # fmt: skip
        if r.staff_names:
            pairs.append(("Chair", pack.chair or "to be confirmed"))
    pairs.append(("Cases in this pack", str(len(pack.agenda))))
    out += [facts(pairs), gap(2)]

    if pack.attendance:
        out.append(heading("Attendance"))
        if r.staff_names:
            out.append(table(["Agency", "Attendance", "Who"], pack.attendance,
                             [0.4, 0.15, 0.45], bold_first=True))  # fmt: skip
        else:
            out.append(table(["Agency", "Attendance"], [a[:2] for a in pack.attendance],
                             [0.6, 0.4], bold_first=True))  # fmt: skip

    out.append(heading("Agenda"))
    if pack.agenda and pack.from_priority_order:
        heads = ["No.", "Case", "Category", "Location", "Risk", "Open since"]
        widths = [0.06, 0.16, 0.24, 0.32, 0.1, 0.12]
        rows = [(c.number, c.reference, c.category, c.place, c.risk, c.opened)
                for c in pack.agenda]  # fmt: skip
        if not r.risk:
            heads, widths = heads[:4] + heads[5:], [0.07, 0.17, 0.27, 0.36, 0.13]
            rows = [row[:4] + row[5:] for row in rows]
        out.append(table(heads, rows, widths))
    elif pack.agenda:
        if r.free_text:
            out.append(table(["No.", "Case", "Category", "Location", "Reason", "Why"],
                             [(c.number, c.reference, c.category, c.place, c.reason, c.why)
                              for c in pack.agenda],
                             [0.06, 0.15, 0.17, 0.22, 0.14, 0.26]))  # fmt: skip
        else:
            out.append(table(["No.", "Case", "Category", "Location", "Reason"],
                             [(c.number, c.reference, c.category, c.place, c.reason)
                              for c in pack.agenda],
                             [0.07, 0.18, 0.25, 0.3, 0.2]))  # fmt: skip
    else:
        out.append(para("Nothing is on the agenda yet.", st.small))
    if pack.removed:
        out.append(heading("Taken off the agenda", 3))
        if r.free_text:
            out.append(table(["Case", "Why"], pack.removed, [0.2, 0.8]))
        else:
            out.append(para(", ".join(ref for ref, _ in pack.removed), st.body))

    # overview
    ov = pack.overview
    out.append(PageBreak())
    out.append(para(f"{pack.hub}: the picture at a glance", st.title))
    out.append(para("All cases of the hub, counted (no personal data).", st.small))
    out.append(gap(3))
    out.append(_figures([(f"{ov.open_cases:,}", "open cases"),
                         (f"{ov.open_actions:,}", "open actions"),
                         (f"{ov.overdue_actions:,}", "overdue actions")]))  # fmt: skip
    out.append(KeepTogether([heading("Open cases by category"),
                             charts.horizontal_bars(ov.by_category, empty="No open cases."),
                             *_bar_notes(ov.by_category, "categories", "open cases")]))  # fmt: skip
    out.append(KeepTogether([heading("Cases opened and closed, last 12 months"),
                             charts.opened_closed(ov.months, ov.opened, ov.closed)]))  # fmt: skip
    out.append(KeepTogether([heading("Overdue actions by agency"),
                             charts.horizontal_bars(ov.overdue_by_agency, colour=charts.OVERDUE,
                                                    empty="No overdue actions."),
                             *_bar_notes(ov.overdue_by_agency, "agencies",
                                         "overdue actions")]))  # fmt: skip
    if pack.repeat_counts:
        n = pack.repeat_counts
        out.append(KeepTogether([
            heading("Repeats among the cases in this pack"),
            _figures([
                (f"{n.get(kind, 0):,}", one if n.get(kind, 0) == 1 else many)
                for kind, one, many in (
                    ("victim", "repeat victim or complainant", "repeat victims or complainants"),
                    ("perpetrator", "repeat alleged perpetrator", "repeat alleged perpetrators"),
                    ("place", "repeat location", "repeat locations"),
                )
            ]),
            para("Counted across every case the account printing this may see, against the "
                 "hub's thresholds. "
                 "Each case's page says which.", st.small),
        ]))  # fmt: skip

    if pack.cases:
        out += _victim_updates(pack.victim_updates, r)
    if pack.orders_due is not None:  # issue 17
        out += _orders_due(pack.orders_due, r)
    if pack.case_review_counts:
        out += case_review_flowables(pack.case_review, pack.case_review_counts)

    # one summary per case
    total = max(len(pack.cases), 1)
    for i, (sheet, note) in enumerate(pack.cases):
        report(0.5 + 0.2 * i / total, f"Laying out {sheet.reference}")
        out.append(PageBreak())
        out += case_flowables(sheet, r, note)

    # actions by agency
    out.append(PageBreak())
    out.append(para("Open actions by agency", st.title))
    out.append(para("The open actions on the cases in this pack, most urgent first.", st.small))
    if not pack.actions_by_agency:
        out.append(para("There are no open actions on these cases.", st.body))
    for agency, rows in pack.actions_by_agency.items():
        out.append(CondPageBreak(40 * mm))
        out.append(heading(f"{agency} ({_rag_summary(rows)})"))
        out.append(_actions_table(rows, with_case=True, r=r))
    if pack.decisions:  # recorded at (or after) the meeting: with the actions, at the end
        out.append(CondPageBreak(40 * mm))
        out.append(heading("Decisions recorded"))
        out.append(table(["Case", "Decision"],
                         [(ref or "General", text) for ref, text in pack.decisions],
                         [0.2, 0.8]))  # fmt: skip
    return out


def _orders_due(rows: list[tuple[str, str, str, str, str]], r: Rules) -> list[Flowable]:
    """Tools and powers ending or due in the next 28 days (end dates, appeal windows,
    reviews of under-18s' orders, court hearings, area orders)."""
    st = styles()
    out: list[Flowable] = [CondPageBreak(50 * mm), heading("Orders ending or due, next 28 days")]
    if not rows:
        out.append(para("Nothing ends or falls due in the next 28 days.", st.small))
        return out
    if r.names == "none":
        out.append(table(["Date", "What", "Tool or power", "Case"],
                         [(d, w, p, c) for d, w, p, _a, c in rows],
                         [0.13, 0.3, 0.35, 0.22]))  # fmt: skip
    else:
        out.append(table(["Date", "What", "Tool or power", "Against", "Case"], rows,
                         [0.12, 0.25, 0.27, 0.18, 0.18]))  # fmt: skip
    return out


def case_review_flowables(rows: list[tuple], counts: dict[str, int]) -> list[Flowable]:
    """The pack's "ASB Case Review" section: the queue's counts, and its rows where the
    profile prints them (see gather.case_review_rows)."""
    st = styles()
    out: list[Flowable] = [KeepTogether([
        heading("ASB Case Review"),
        _figures([(f"{counts.get('reached', 0):,}", "reached a review"),
                  (f"{counts.get('approaching', 0):,}", "approaching"),
                  (f"{counts.get('not_explained', 0):,}", "victims not told of the review")]),
        para("Victims and places with qualifying complaints in the last six months (made "
             "within a month of the incident; one incident counted once), of the cases the "
             "account printing this may see.", st.small),
    ])]  # fmt: skip
    if rows:
        out.append(table(["Status", "Count", "Who or where", "Case", "Complaints", "Explained"],
                         rows, [0.12, 0.07, 0.3, 0.15, 0.22, 0.14]))  # fmt: skip
    if rows and counts.get("left_out"):
        n = counts["left_out"]
        out.append(para(f"Listed: the victims and places that reached a review, and the victims "
                        f"not told of it, victims first. {n:,} more (approaching, or beyond the "
                        f"first {len(rows)}) are in the ASB Case Review queue (View menu, "
                        f"Ctrl+6).", st.small))  # fmt: skip
    return out


def _bar_notes(items: list[tuple[str, int]], what: str, counted: str) -> list[Flowable]:
    """What a bar chart left out, said under it: the names it shortened, in full, and how
    many of the smallest bars it did not draw."""
    st = styles()
    out: list[Flowable] = []
    cut = charts.shortened_labels(items)
    if cut:
        out.append(para("Shortened in the chart: " + "; ".join(cut) + ".", st.small))
    more = len(items) - charts.BARS_MAX
    if more > 0:
        total = sum(n for _, n in items[charts.BARS_MAX :])
        out.append(para(f"{more} more {what}, with {total:,} {counted} in all, are not drawn.",
                        st.small))  # fmt: skip
    return out


def _rag_summary(rows: list[ActionRow]) -> str:
    counts = defaultdict(int)
    for a in rows:
        counts[a.rag] += 1
    parts = [f"{counts[rag]} {rag.label.lower()}" for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)
             if counts[rag]]  # fmt: skip
    return ", ".join(parts) if parts else "none open"


def _figures(items: list[tuple[str, str]]) -> Table:
    from reportlab.platypus import TableStyle

    st = styles()
    row = [[Paragraph(esc(value), st.figure), Paragraph(esc(label), st.figure_label)]
           for value, label in items]  # fmt: skip
    t = Table([row], colWidths=[FRAME_WIDTH / len(items)] * len(items))
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("BACKGROUND", (0, 0), (-1, -1), HEAD_FILL),
        ("LINEABOVE", (0, 0), (-1, 0), 1.2, NAVY),
        ("LINEAFTER", (0, 0), (-2, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))  # fmt: skip
    return t


# --- an agency's action sheet -------------------------------------------------------------


def action_sheet_flowables(
    agency: str, hub: str, rows: list[ActionRow], r: Rules, today: date
) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [
        para(f"Open actions: {agency}", st.title),
        para(f"{hub} \u00b7 as at {today:%d/%m/%Y} \u00b7 {_rag_summary(rows)}", st.subtitle),
    ]
    if rows:
        out.append(_actions_table(rows, with_case=True, r=r))
    else:
        out.append(para(f"{agency} has no open actions here.", st.body))
    out.append(gap(3))
    out.append(para("RAG: overdue = past its due date; due soon = due within 7 days; "
                    "on track = later or no due date.", st.small))  # fmt: skip
    return out
