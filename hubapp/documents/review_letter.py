"""The ASB Case Review outcome letter: to the applicant, the decision and its reasons, the
meeting and the agencies present, the recommendations (each with its agency and due date),
the outcome, and the routes after it (dissatisfaction, Sch. 4 para 3; escalation where the
local procedure has one: ``[letter]`` in ``resources/refdata/case_review.toml``).

A letter is for the applicant: it carries the police profile's marking (OFFICIAL-SENSITIVE:
it names the victim), the names in full and the free text of the review. It is a
:class:`hubapp.documents.printing.Document`: saving it (:func:`printing.save`) records the
disclosure, as every print does. Only those who record reviews make it (``Op.CASE_REVIEW``).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from hubapp.documents import layout, printing
from hubapp.domain.formatting import format_date
from hubapp.domain.redaction import Profile, rules
from hubapp.store import access, refdata
from hubapp.store.casework import case_review
from hubapp.store.roles import Op
from hubapp.store.schema import Agency, Hub


def letter_flowables(line: case_review.ReviewLine, hub: str, agencies: list[str],
                     routes: dict, today: date) -> list:  # fmt: skip
    """The letter's pages, from plain values (no database)."""
    st = layout.styles()
    d = line.draft
    to = d.applicant_name if not d.applicant_is_victim and d.applicant_name else line.subject
    out = [
        layout.para(f"{hub} Local Focus Hub", st.small),
        layout.para("ASB Case Review: the outcome", st.title),
        layout.para(f"Dear {to},", st.body),
        layout.gap(),
        layout.facts(
            [
                ("Case", line.case_reference),
                ("Date of this letter", format_date(today)),
                ("Review for", line.subject),
                ("Application received", format_date(d.received_on)),
                ("Decision", case_review.DECISIONS.get(d.decision, "Not decided")),
                ("Decided on", format_date(d.decided_on) if d.decided_on else ""),
            ]
        ),  # fmt: skip
        layout.heading("The decision on the threshold"),
        layout.para(d.decision_reasons or "No reasons recorded.", st.body),
    ]
    if d.meeting_on:
        out += [layout.heading("The review meeting"),
                layout.para(f"The agencies met on {format_date(d.meeting_on)}: "
                            f"{', '.join(agencies) or 'none recorded'}.", st.body)]  # fmt: skip
    if line.recommendations:
        out += [layout.heading("What the agencies will do"),
                layout.table(["Recommendation", "Agency", "Due"],
                             [[r.description, r.agency, format_date(r.due_on) if r.due_on
                               else "no date"] for r in line.recommendations],
                             [0.64, 0.2, 0.16])]  # fmt: skip
    if d.outcome:
        out += [layout.heading("The outcome"),
                layout.para(case_review.OUTCOMES[d.outcome] + ". " + d.outcome_summary,
                            st.body)]  # fmt: skip
    out += [layout.heading("If you are not satisfied")]
    out += [layout.para(text, st.body) for text in
            (routes.get("dissatisfaction", ""), routes.get("escalation", "")) if text]  # fmt: skip
    return out


def outcome_letter(store, review_id: uuid.UUID, *, today: date | None = None) -> printing.Document:
    """The outcome letter of a review, as a Document (nothing written, nothing audited yet)."""
    access.require(store, Op.CASE_REVIEW)
    today = today or date.today()
    line = case_review.review(store, review_id)
    r = rules(Profile.POLICE)
    with store.read() as s:
        hub = s.scalar(select(Hub.name).where(Hub.id == line.hub_id)) or ""
        names = dict(s.execute(select(Agency.id, Agency.name).where(
            Agency.id.in_(line.draft.meeting_agencies))).all())  # fmt: skip
    agencies = [names[a] for a in line.draft.meeting_agencies if a in names]
    routes = refdata.read("case_review.toml").get("letter", {})
    title = f"ASB Case Review outcome {line.case_reference}"
    pdf, pages = layout.build_pdf(
        letter_flowables(line, hub, agencies, routes, today),
        printing._furniture(store, r, f"{hub} Local Focus Hub", title),
        printing._meta(store, r, title, f"{hub} Local Focus Hub, case {line.case_reference}"),
    )
    return printing.Document("review_letter", title, r.profile, r.marking, pdf, pages,
                             [line.case_id], [line.case_reference], hub=hub)  # fmt: skip
