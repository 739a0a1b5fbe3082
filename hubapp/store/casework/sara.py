"""The SARA / OSARA problem-solving plan of a case (one plan per case).

A plan is loaded with its version (0 when the case has none yet) and saved against it: if
another window or user saved the plan in between, :class:`EditConflict` says so and nothing
is written, so two windows never silently overwrite each other. The case's SARA stage lives
on the case (see :func:`hubapp.store.casework.workflow.set_sara_stage`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields

from sqlalchemy import select

from hubapp.domain.codes import ImpactGoal
from hubapp.domain.text import clean_text
from hubapp.store import access
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.casework.workflow import refuse
from hubapp.store.errors import EditConflict, Problem
from hubapp.store.schema import SaraPlan

FIELD_MAX = 10_000

#: the plan's fields, grouped as the form shows them: (group, [(field, label, hint)])
GROUPS: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("Objective", [
        ("objective", "Objective", "What the partners want to achieve, and by when"),
    ]),
    ("Scanning", [
        ("scan_source", "How it came to notice", "Reports, patrols, partner data…"),
        ("scan_affected", "Who is affected", "Residents, businesses, visitors…"),
        ("scan_frequency", "How often", "How often it happens, and when"),
    ]),
    ("Analysis", [
        ("pat_offender", "Offender", "Who causes the problem"),
        ("pat_handler", "Handler", "Who has influence over the offender"),
        ("pat_victim", "Victim", "Who or what is harmed"),
        ("pat_guardian", "Guardian", "Who can protect the victim"),
        ("pat_location", "Location", "Where and when it happens"),
        ("pat_manager", "Manager", "Who controls the place"),
        ("hypothesis", "Hypothesis", "Why it happens here, in one or two sentences"),
        ("data_used", "Data used", "Incident logs, CCTV, surveys…"),
    ]),
    ("Response", [
        ("response_options", "Options chosen", "What the partners will do"),
        ("response_responsible", "Who is responsible", "Which agency does what"),
    ]),
    ("Assessment", [
        ("assessment_process", "Process: were the responses done?", ""),
        ("measure_before", "Measure before", "e.g. 14 reports a month"),
        ("measure_after", "Measure after", "e.g. 3 reports a month"),
        ("impact_goal", "Impact goal", ""),
        ("assessment_impact", "Impact: did it work?", ""),
    ]),
]  # fmt: skip

TEXT_FIELDS = tuple(f for _g, items in GROUPS for f, _l, _h in items if f != "impact_goal")


@dataclass(frozen=True)
class SaraDraft:
    objective: str = ""
    scan_source: str = ""
    scan_affected: str = ""
    scan_frequency: str = ""
    pat_offender: str = ""
    pat_handler: str = ""
    pat_victim: str = ""
    pat_guardian: str = ""
    pat_location: str = ""
    pat_manager: str = ""
    hypothesis: str = ""
    data_used: str = ""
    response_options: str = ""
    response_responsible: str = ""
    assessment_process: str = ""
    measure_before: str = ""
    measure_after: str = ""
    impact_goal: str = ""
    assessment_impact: str = ""

    def cleaned(self) -> SaraDraft:
        values = {f: clean_text(getattr(self, f)) for f in TEXT_FIELDS}
        return SaraDraft(**values, impact_goal=self.impact_goal or "")

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class SaraState:
    """A case's plan as loaded: its values and the version they were read at (0: no plan)."""

    case_id: uuid.UUID
    draft: SaraDraft
    row_version: int = 0


def validate(draft: SaraDraft) -> list[Problem]:
    problems = []
    for name in TEXT_FIELDS:
        if len(getattr(draft, name)) > FIELD_MAX:
            problems.append(Problem(name, f"Too long: at most {FIELD_MAX:,} characters."))
    if draft.impact_goal:
        try:
            ImpactGoal(draft.impact_goal)
        except ValueError:
            problems.append(Problem("impact_goal", "Choose one of the impact goals in the list."))
    return problems


def _draft_of(plan: SaraPlan | None) -> SaraDraft:
    if plan is None:
        return SaraDraft()
    return SaraDraft(**{f.name: getattr(plan, f.name) or "" for f in fields(SaraDraft)})


def read_state(s, case_id: uuid.UUID) -> SaraState:
    plan = s.scalar(select(SaraPlan).where(SaraPlan.case_id == case_id))
    if plan is None or plan.voided:
        return SaraState(case_id, SaraDraft(), 0)
    return SaraState(case_id, _draft_of(plan), plan.row_version)


def load(store, case_id: uuid.UUID) -> SaraState:
    with store.read() as s:
        return read_state(s, case_id)


def save(store, case_id: uuid.UUID, base_version: int, draft: SaraDraft) -> int:
    """Save the plan loaded at ``base_version`` (0: there was none); return its new version.

    EditConflict (nothing written) if someone saved the plan since it was loaded.
    """
    clean = draft.cleaned()
    refuse(validate(clean))
    access.require_case_edit(store)  # partners and read-only do not (hubapp.store.access)
    with store.write(reason="SARA plan saved") as s:
        case = case_for_update(s, case_id)
        plan = s.scalar(select(SaraPlan).where(SaraPlan.case_id == case_id))
        current = plan.row_version if plan is not None else 0
        if current != base_version:
            raise EditConflict(
                f"The SARA plan of {case.reference} was saved by someone else since you opened "
                "it; your changes were not saved."
            )
        if plan is None:
            plan = SaraPlan(id=uuid.uuid4(), case_id=case.id)
            s.add(plan)
        for f in fields(SaraDraft):
            value = getattr(clean, f.name)
            if getattr(plan, f.name) != value:
                setattr(plan, f.name, value)
        s.flush()
        return plan.row_version
