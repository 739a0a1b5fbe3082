"""The case status workflow: allowed and refused moves, closing and reopening (no Qt)."""

from __future__ import annotations

from datetime import date

import pytest
from casework import new_case
from sqlalchemy import select

from hubapp.domain import workflow as rules
from hubapp.store.casework import workflow
from hubapp.store.errors import EditConflict
from hubapp.store.schema import Case, CaseStatusChange

TODAY = date(2026, 5, 20)


def case(store, case_id):
    with store.read() as s:
        return s.get(Case, case_id)


def history(store, case_id):
    with store.read() as s:
        return list(s.scalars(select(CaseStatusChange).where(CaseStatusChange.case_id == case_id)
                              .order_by(CaseStatusChange.changed_at)))  # fmt: skip


@pytest.mark.parametrize(
    ("now", "to"),
    [("new", "triaged"), ("new", "in_progress"), ("triaged", "in_progress"),
     ("in_progress", "under_review"), ("under_review", "in_progress"), ("reopened", "triaged"),
     ("reopened", "under_review")],
)  # fmt: skip
def test_allowed_moves(now, to):
    assert rules.refusal(now, to) is None
    assert rules.check(now, to) == []


@pytest.mark.parametrize(
    ("now", "to", "words"),
    [("closed", "in_progress", "must be reopened"), ("new", "reopened", "Only a closed case"),
     ("in_progress", "new", "cannot go back to new"), ("new", "under_review", "can move only to"),
     ("triaged", "triaged", "already triaged"), ("new", "done", "not a case status")],
)  # fmt: skip
def test_refused_moves_say_why_in_one_sentence(now, to, words):
    message = rules.refusal(now, to)
    assert words in message and message.endswith(".") and message.count(". ") == 0


def test_full_life_of_a_case_writes_history_and_closing_dates(store):
    case_id = new_case(store)
    v = case(store, case_id).row_version
    store.user = "pcso.smith"
    for to in ("triaged", "in_progress", "under_review"):
        v = workflow.change_status(store, case_id, v, to, today=TODAY)
    v = workflow.change_status(store, case_id, v, "closed", outcome="resolved",
                               rationale="Quiet for six weeks.", today=TODAY)  # fmt: skip
    c = case(store, case_id)
    assert (c.status, c.outcome, c.closure_rationale, c.closed_on) == (
        "closed",
        "resolved",
        "Quiet for six weeks.",
        TODAY,
    )
    v = workflow.change_status(store, case_id, v, "reopened", reason="Back again.", today=TODAY)
    c = case(store, case_id)
    assert (c.status, c.closed_on, c.outcome, c.closure_rationale) == ("reopened", None, "", "")
    steps = [(h.from_status, h.to_status) for h in history(store, case_id)]
    assert steps == [("new", "triaged"), ("triaged", "in_progress"),
                     ("in_progress", "under_review"), ("under_review", "closed"),
                     ("closed", "reopened")]  # fmt: skip
    rows = history(store, case_id)
    assert all(h.changed_by == "pcso.smith" for h in rows)
    assert "Resolved" in rows[3].reason and "Quiet for six weeks." in rows[3].reason
    assert rows[4].reason == "Back again."
    assert c.row_version == v


def test_closing_needs_outcome_and_rationale_and_writes_nothing_otherwise(store):
    case_id = new_case(store)
    v = case(store, case_id).row_version
    with pytest.raises(workflow.CaseworkError) as err:
        workflow.change_status(store, case_id, v, "closed", outcome="", rationale="  ")
    assert {p.field for p in err.value.problems} == {"outcome", "rationale"}
    with pytest.raises(workflow.CaseworkError):
        workflow.change_status(store, case_id, v, "closed", outcome="nonsense", rationale="x")
    assert case(store, case_id).status == "new" and history(store, case_id) == []


def test_reopening_needs_a_reason(store):
    case_id = new_case(store, status="closed", closed_on=TODAY, outcome="resolved")
    v = case(store, case_id).row_version
    with pytest.raises(workflow.CaseworkError, match="why the case is being reopened"):
        workflow.change_status(store, case_id, v, "reopened")
    assert case(store, case_id).closed_on == TODAY


def test_a_refused_move_raises_and_writes_nothing(store):
    case_id = new_case(store, status="closed", closed_on=TODAY, outcome="resolved")
    v = case(store, case_id).row_version
    with pytest.raises(workflow.CaseworkError, match="must be reopened"):
        workflow.change_status(store, case_id, v, "in_progress")
    assert case(store, case_id).status == "closed" and history(store, case_id) == []


def test_a_stale_version_is_a_conflict(store):
    case_id = new_case(store)
    v = case(store, case_id).row_version
    workflow.change_status(store, case_id, v, "triaged")
    with pytest.raises(EditConflict, match="changed by someone else"):
        workflow.change_status(store, case_id, v, "in_progress")
    assert case(store, case_id).status == "triaged"


def test_status_history_is_append_only(store):
    case_id = new_case(store)
    workflow.change_status(store, case_id, case(store, case_id).row_version, "triaged")
    with pytest.raises(workflow.CaseworkError, match="cannot be changed"):
        with store.write() as s:
            row = s.scalar(select(CaseStatusChange))
            row.reason = "rewritten"
    assert history(store, case_id)[0].reason == ""


def test_summary_is_validated_and_saved_with_a_version_check(store):
    case_id = new_case(store)
    v = case(store, case_id).row_version
    bad = workflow.SummaryDraft(summary="  ", risk_level="extreme",
                                next_review_on=date(2026, 4, 1))  # fmt: skip
    with pytest.raises(workflow.CaseworkError) as err:
        workflow.save_summary(store, case_id, v, bad, today=TODAY)
    assert {p.field for p in err.value.problems} == {"summary", "risk_level", "next_review_on"}
    good = workflow.SummaryDraft(summary=" Youths <b>again</b> ", risk_level="high",
                                 postcode="ca3 8qa", next_review_on=date(2026, 6, 3))  # fmt: skip
    v2 = workflow.save_summary(store, case_id, v, good, today=TODAY)
    c = case(store, case_id)
    assert (c.summary, c.risk_level, c.postcode, c.next_review_on) == (
        "Youths <b>again</b>",
        "high",
        "CA3 8QA",
        date(2026, 6, 3),
    )
    assert v2 == v + 1
    with pytest.raises(EditConflict):
        workflow.save_summary(store, case_id, v, good, today=TODAY)
    with pytest.raises(workflow.CaseworkError):
        workflow.set_sara_stage(store, case_id, v2, "pondering")
    assert workflow.set_sara_stage(store, case_id, v2, "analysis") == v2 + 1
    assert case(store, case_id).sara_stage == "analysis"
