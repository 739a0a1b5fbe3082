"""Actions: drafts and validation, the action life cycle, its rules, lists and audit."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from casework import action_row, agency_id, audit_count, audit_since, hub_id, new_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hubapp.domain.rag import Rag
from hubapp.store import audit
from hubapp.store.casework.actions import (
    DESCRIPTION_MAX,
    OWNER_MAX,
    ActionDraft,
    ActionError,
    ActionLine,
    AgencyActionLine,
    actions_for_case_agency,
    add_action,
    agency_actions,
    cancel_action,
    complete_action,
    edit_action,
    reassign_action,
    reopen_action,
    validate,
    validate_completion,
)
from hubapp.store.casework.assignments import RoleError, set_role
from hubapp.store.casework.cases import update_fields
from hubapp.store.errors import EditConflict, Problem, StoreError
from hubapp.store.schema import Action, Assignment, AuditEntry, Case

TODAY = date(2026, 11, 25)
REF = "CAR-2026-0042"


@pytest.fixture
def ids(store):
    case = new_case(store, REF)
    police, council = agency_id(store, "POLICE"), agency_id(store, "CUMBERLAND")
    set_role(store, case, police, "lead")
    set_role(store, case, council, "support")
    return {
        "case": case, "POLICE": police, "CUMBERLAND": council,
        "FIRE": agency_id(store, "FIRE"), "RIVERSIDE": agency_id(store, "RIVERSIDE"),
        "WAF": agency_id(store, "WAF"),
    }  # fmt: skip


def draft(text="Visit the complainant and complete a risk assessment", **kw) -> ActionDraft:
    return ActionDraft(text, **{"owner": "PC E. Walker", "due_on": TODAY + timedelta(14), **kw})


def add(store, ids, agency="POLICE", **kw) -> uuid.UUID:
    return add_action(store, ids["case"], ids[agency], draft(**kw), today=TODAY)


def role_of(store, case_id, agency) -> str | None:
    with store.read() as s:
        return s.scalar(
            select(Assignment.role).where(
                Assignment.case_id == case_id,
                Assignment.agency_id == agency,
                Assignment.voided.is_(False),
            )
        )


# --- validation ---------------------------------------------------------------------------


def fields(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


def test_a_good_draft_has_no_problems():
    assert validate(draft(), TODAY) == []
    assert validate(ActionDraft("Patrol Bitts Park"), TODAY) == []  # owner and date optional
    assert validate(ActionDraft("Patrol", status="in_progress"), TODAY) == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "\x00\x01"])
def test_the_description_is_required(text):
    assert validate(draft(text), TODAY) == [Problem("description", "Describe the action.")]


def test_length_limits_are_inclusive():
    assert validate(draft("x" * DESCRIPTION_MAX), TODAY) == []
    assert validate(draft("x" * (DESCRIPTION_MAX + 1)), TODAY) == [
        Problem("description", "The description is too long: 2,001 characters, at most 2,000.")
    ]
    assert validate(draft(owner="o" * OWNER_MAX), TODAY) == []
    assert validate(draft(owner="o" * (OWNER_MAX + 1)), TODAY) == [
        Problem("owner", "The owner is too long: at most 120 characters.")
    ]
    # judged as stored: outer spaces do not count
    assert validate(draft("  " + "x" * DESCRIPTION_MAX + "  "), TODAY) == []


def test_due_date_rules():
    assert validate(draft(due_on=date(2028, 11, 25)), TODAY) == []  # exactly two years
    assert validate(draft(due_on=date(2028, 11, 26)), TODAY) == [
        Problem("due_on", "The due date is more than two years ahead; check the year.")
    ]
    assert validate(draft(due_on=TODAY - timedelta(days=40)), TODAY) == []  # overdue is allowed
    assert fields(validate(draft(due_on=date(26, 11, 25)), TODAY)) == ["due_on"]
    assert fields(validate(draft(due_on="2026-12-01"), TODAY)) == ["due_on"]  # type: ignore[arg-type]
    # 29 February: two years on is 28 February
    leap = date(2028, 2, 29)
    assert validate(draft(due_on=date(2030, 2, 28)), leap) == []
    assert fields(validate(draft(due_on=date(2030, 3, 1)), leap)) == ["due_on"]
    assert validate(draft(due_on=datetime(2026, 12, 1, 9, 0)), TODAY) == []


def test_a_new_action_is_not_due_in_the_past():
    assert validate(draft(due_on=date(2020, 1, 1)), TODAY, new=True) == [
        Problem("due_on", "The due date 01/01/2020 has already passed; a new action needs "
                "today or a later date.")
    ]  # fmt: skip
    assert validate(draft(due_on=TODAY), TODAY, new=True) == []
    assert validate(draft(due_on=None), TODAY, new=True) == []
    assert validate(draft(due_on=date(2020, 1, 1)), TODAY) == []  # an existing one keeps it


def test_a_draft_cannot_finish_an_action():
    assert fields(validate(draft(status="done"), TODAY)) == ["status"]
    assert fields(validate(draft(status="cancelled"), TODAY)) == ["status"]


def test_several_problems_are_reported_together():
    problems = validate(ActionDraft("", "o" * 500, date(2099, 1, 1), "done"), TODAY)
    assert fields(problems) == ["description", "owner", "due_on", "status"]
    assert all(p.message.endswith(".") for p in problems)


def test_cleaning_keeps_what_was_typed():
    d = ActionDraft(
        "  Line one\r\nLine two\twith tab\x00 \U0001f600 <b>x</b>  ", "  PC   Siân\nJones "
    )
    c = d.cleaned()
    assert c.description == "Line one\nLine two\twith tab \U0001f600 <b>x</b>"
    assert c.owner == "PC Siân Jones"


def test_completion_rules():
    assert validate_completion("Letter sent", TODAY, TODAY) == []
    assert fields(validate_completion("  ", TODAY, TODAY)) == ["outcome"]
    assert validate_completion("", TODAY, TODAY)[0].message == (
        "Say what was done: the outcome must not be empty."
    )
    assert validate_completion("Done", TODAY + timedelta(1), TODAY) == [
        Problem("completed_on", "The completion date cannot be in the future.")
    ]
    assert fields(validate_completion("Done", None, TODAY)) == ["completed_on"]
    assert fields(validate_completion("x" * 2001, TODAY, TODAY)) == ["outcome"]


_NASTY = st.sampled_from(
    ["\x00", "\U0001f600", "<b>bold</b>", "<script>alert(1)</script>", "=HYPERLINK(\"x\")",
     "\r\n", "\u202e", "Łukasz", "x" * 10_000, "", " ", "\t", "'; DROP TABLE action; --"]
)  # fmt: skip
#: long text: a short random piece repeated to 10,000 characters
_LONG = st.builds(lambda piece: (piece * 10_000)[:10_000], st.text(min_size=1, max_size=8))
_TEXT = st.one_of(st.text(max_size=300), _NASTY, _LONG, st.lists(_NASTY, max_size=4).map("".join))
_DATES = st.one_of(st.none(), st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    description=_TEXT,
    owner=_TEXT,
    due=_DATES,
    status=st.one_of(st.sampled_from(["open", "in_progress", "done", "cancelled"]), _TEXT),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
def test_validate_never_raises_and_agrees_with_the_rules(description, owner, due, status, today):
    d = ActionDraft(description, owner, due, status)
    problems = validate(d, today)
    assert all(isinstance(p, Problem) and p.message for p in problems)
    assert set(fields(problems)) <= {"description", "owner", "due_on", "status"}
    c = d.cleaned()
    good = (
        0 < len(c.description) <= DESCRIPTION_MAX
        and len(c.owner) <= OWNER_MAX
        and (due is None or date(2000, 1, 1) <= due <= _two_years(today))
        and status in ("open", "in_progress")
    )
    assert (problems == []) == good
    assert "\x00" not in c.description and "\x00" not in c.owner and "\n" not in c.owner


def _two_years(today: date) -> date:
    try:
        return today.replace(year=today.year + 2)
    except ValueError:
        return today.replace(year=today.year + 2, day=28)


@settings(max_examples=200, deadline=None)
@given(outcome=_TEXT, done=_DATES)
def test_validate_completion_never_raises(outcome, done):
    for p in validate_completion(outcome, done, TODAY):
        assert p.field in ("outcome", "completed_on") and p.message


# --- adding -------------------------------------------------------------------------------


def test_add_action_stores_the_cleaned_draft(store, ids):
    action_id = add(store, ids, text="  Visit Mrs Siân Ó Súilleabháin \U0001f3e0\x00 ")
    a = action_row(store, action_id)
    assert (a.case_id, a.agency_id, a.status, a.owner) == (
        ids["case"], ids["POLICE"], "open", "PC E. Walker",
    )  # fmt: skip
    assert a.description == "Visit Mrs Siân Ó Súilleabháin \U0001f3e0"
    assert a.due_on == TODAY + timedelta(14) and a.row_version == 1 and not a.voided


def test_add_action_refuses_an_invalid_draft(store, ids):
    before = audit_count(store)
    with pytest.raises(ActionError) as err:
        add(store, ids, text=" ", owner="o" * 200)
    assert str(err.value) == "Describe the action."
    assert fields(err.value.problems) == ["description", "owner"]
    assert audit_count(store) == before


def test_an_agency_needs_a_working_part_to_own_actions(store, ids):
    with pytest.raises(ActionError) as err:
        add(store, ids, "FIRE")
    assert str(err.value) == (
        "Cumbria Fire and Rescue Service has no part in CAR-2026-0042; give it a part "
        "(lead or support) before giving it actions."
    )
    set_role(store, ids["case"], ids["FIRE"], "informed")
    with pytest.raises(ActionError) as err:
        add(store, ids, "FIRE")
    assert str(err.value) == (
        "Cumbria Fire and Rescue Service is only informed of CAR-2026-0042; make it support "
        "or lead before giving it actions."
    )
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Action)) == 0


def test_assign_if_missing_makes_the_agency_support(store, ids):
    start = audit_count(store)
    action_id = add_action(
        store, ids["case"], ids["RIVERSIDE"], draft(), assign_if_missing=True, today=TODAY
    )
    assert role_of(store, ids["case"], ids["RIVERSIDE"]) == "support"
    assert action_row(store, action_id).agency_id == ids["RIVERSIDE"]
    roles = [e for e in audit_since(store, start, "assignment") if "role" in e.details]
    assert [e.details["role"] for e in roles] == [[None, "support"]]
    # informed is raised to support too
    set_role(store, ids["case"], ids["FIRE"], "informed")
    add_action(store, ids["case"], ids["FIRE"], draft(), assign_if_missing=True, today=TODAY)
    assert role_of(store, ids["case"], ids["FIRE"]) == "support"


def test_new_work_only_for_agencies_in_the_hub(store, ids):
    with pytest.raises(ActionError) as err:
        add_action(store, ids["case"], ids["WAF"], draft(), assign_if_missing=True, today=TODAY)
    assert str(err.value) == (
        "Westmorland and Furness Council does not take part in the Carlisle hub, so it cannot "
        "work on CAR-2026-0042."
    )


def test_no_new_actions_on_a_closed_case(store, ids):
    with store.read() as s:
        version = s.get(Case, ids["case"]).row_version
    update_fields(store, ids["case"], version, {"status": "closed", "closed_on": TODAY})
    with pytest.raises(ActionError, match="CAR-2026-0042 is closed; reopen the case"):
        add(store, ids)


def test_a_new_action_is_audited_with_its_values_but_not_its_texts(store, ids):
    """Action texts often name people, so the log says they were recorded, not what."""
    start = audit_count(store)
    action_id = add(store, ids, text="Send a warning letter")
    entries = audit_since(store, start, "action")
    explicit = [e for e in entries if "description" in e.details]
    assert len(explicit) == 1 and explicit[0].kind == "collection"
    assert explicit[0].record_ids == [str(action_id)]
    assert explicit[0].details == {
        "case_id": str(ids["case"]), "case": REF, "agency": "POLICE",
        "description": "recorded", "owner": "recorded",
        "due_on": (TODAY + timedelta(14)).isoformat(), "status": "open",
    }  # fmt: skip
    assert explicit[0].reason == "action added"


# --- editing and the life cycle -----------------------------------------------------------


def test_edit_action_with_optimistic_versions(store, ids):
    action_id = add(store, ids)
    v2 = edit_action(
        store, action_id, 1, draft("Revisit", owner="PCSO Holmes", status="in_progress"),
        today=TODAY,
    )  # fmt: skip
    assert v2 == 2
    a = action_row(store, action_id)
    assert (a.description, a.owner, a.status) == ("Revisit", "PCSO Holmes", "in_progress")
    with pytest.raises(EditConflict, match="changed by someone else"):
        edit_action(store, action_id, 1, draft("Stale window"), today=TODAY)
    assert action_row(store, action_id).description == "Revisit"
    # saving an unchanged draft changes nothing
    assert edit_action(
        store, action_id, 2, draft("Revisit", owner="PCSO Holmes", status="in_progress"),
        today=TODAY,
    ) == 2  # fmt: skip
    with pytest.raises(ActionError, match="Describe the action"):
        edit_action(store, action_id, 2, draft(""), today=TODAY)


def test_complete_reopen_cancel(store, ids):
    start = audit_count(store)
    action_id = add(store, ids)
    with pytest.raises(ActionError, match="outcome must not be empty"):
        complete_action(store, action_id, 1, "  ", TODAY, today=TODAY)
    with pytest.raises(ActionError, match="cannot be in the future"):
        complete_action(store, action_id, 1, "Done", TODAY + timedelta(1), today=TODAY)
    v = complete_action(store, action_id, 1, "Letter hand-delivered", TODAY, today=TODAY)
    a = action_row(store, action_id)
    assert (a.status, a.completed_on, a.outcome, v) == ("done", TODAY, "Letter hand-delivered", 2)
    with pytest.raises(ActionError, match="already done"):
        complete_action(store, action_id, v, "Again", TODAY, today=TODAY)
    with pytest.raises(ActionError, match="This action is done; reopen it before changing it"):
        edit_action(store, action_id, v, draft(), today=TODAY)
    with pytest.raises(ActionError, match="done; reopen it before cancelling"):
        cancel_action(store, action_id, v, "Not needed")
    with pytest.raises(EditConflict):
        reopen_action(store, action_id, 1)

    v = reopen_action(store, action_id, v)
    a = action_row(store, action_id)
    assert (a.status, a.completed_on, a.outcome) == ("open", None, "Letter hand-delivered")
    with pytest.raises(ActionError, match="still open"):
        reopen_action(store, action_id, v)

    with pytest.raises(ActionError, match="reason for cancelling must not be empty"):
        cancel_action(store, action_id, v, "")
    v = cancel_action(store, action_id, v, "Complainant moved away")
    a = action_row(store, action_id)
    assert (a.status, a.outcome, a.completed_on) == ("cancelled", "Complainant moved away", None)
    with pytest.raises(ActionError, match="cancelled; reopen it before completing"):
        complete_action(store, action_id, v, "Done", TODAY, today=TODAY)
    with pytest.raises(ActionError, match="already cancelled"):
        cancel_action(store, action_id, v, "Again")

    # the log holds every step with old and new values
    changes = [
        e.details[str(action_id)]["status"]
        for e in audit_since(store, start, "action")
        if e.kind == "alteration" and "status" in e.details.get(str(action_id), {})
    ]
    assert changes == [["open", "done"], ["done", "open"], ["open", "cancelled"]]
    with store.read() as s:
        assert audit.verify_chain(s) is None


def test_reopening_gives_the_agency_its_part_back(store, ids):
    action_id = add(store, ids, "CUMBERLAND")
    v = complete_action(store, action_id, 1, "Done", TODAY, today=TODAY)
    set_role(store, ids["case"], ids["CUMBERLAND"], None)  # allowed: no open actions left
    reopen_action(store, action_id, v)
    assert role_of(store, ids["case"], ids["CUMBERLAND"]) == "support"


def test_no_reopening_on_a_closed_case(store, ids):
    action_id = add(store, ids)
    v = complete_action(store, action_id, 1, "Done", TODAY, today=TODAY)
    with store.read() as s:
        version = s.get(Case, ids["case"]).row_version
    update_fields(store, ids["case"], version, {"status": "closed", "closed_on": TODAY})
    with pytest.raises(ActionError, match="closed; reopen the case before reopening"):
        reopen_action(store, action_id, v)


def test_reassign_action(store, ids):
    action_id = add(store, ids)
    with pytest.raises(ActionError, match="does not take part in the Carlisle hub"):
        reassign_action(store, action_id, 1, ids["WAF"], "Officer")
    v = reassign_action(store, action_id, 1, ids["RIVERSIDE"], "  Housing   Officer L. Kerr ")
    a = action_row(store, action_id)
    assert (a.agency_id, a.owner, v) == (ids["RIVERSIDE"], "Housing Officer L. Kerr", 2)
    assert role_of(store, ids["case"], ids["RIVERSIDE"]) == "support"  # given a part
    assert role_of(store, ids["case"], ids["POLICE"]) == "lead"  # the old agency keeps its part
    with pytest.raises(EditConflict):
        reassign_action(store, action_id, 1, ids["POLICE"])
    with pytest.raises(ActionError, match="owner is too long"):
        reassign_action(store, action_id, v, ids["POLICE"], "o" * 121)
    # an agency can now be removed once its actions are reassigned
    v = reassign_action(store, action_id, v, ids["CUMBERLAND"], "")
    set_role(store, ids["case"], ids["RIVERSIDE"], None)
    v = complete_action(store, action_id, v, "Done", TODAY, today=TODAY)
    with pytest.raises(ActionError, match="done; reopen it before reassigning"):
        reassign_action(store, action_id, v, ids["POLICE"])


def test_removing_an_agency_with_open_actions_is_refused(store, ids):
    add(store, ids, "CUMBERLAND")
    with pytest.raises(RoleError, match="has 1 open action on CAR-2026-0042"):
        set_role(store, ids["case"], ids["CUMBERLAND"], None)


def test_actions_are_never_deleted(store, ids):
    a1, a2 = add(store, ids), add(store, ids, text="Second")
    cancel_action(store, a1, 1, "Duplicate")
    complete_action(store, a2, 1, "Done", TODAY, today=TODAY)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Action)) == 2
    with store.read() as s:
        assert not any(e.kind == "erasure" for e in s.scalars(select(AuditEntry)))


def test_missing_actions(store, ids):
    with pytest.raises(StoreError, match="action no longer exists"):
        complete_action(store, uuid.uuid4(), 1, "Done", TODAY, today=TODAY)


# --- lists --------------------------------------------------------------------------------


def test_actions_for_case_agency(store, ids):
    late = add(store, ids, due_on=TODAY - timedelta(2))
    none = add(store, ids, due_on=None)
    soon = add(store, ids, due_on=TODAY + timedelta(3))
    done = add(store, ids, due_on=TODAY - timedelta(20))
    complete_action(store, done, 1, "Done", TODAY, today=TODAY)
    add(store, ids, "CUMBERLAND")
    lines = actions_for_case_agency(store, ids["case"], ids["POLICE"], today=TODAY)
    assert all(isinstance(x, ActionLine) for x in lines)
    assert [x.id for x in lines] == [late, soon, none, done]
    assert [x.rag for x in lines] == [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.NONE]
    assert lines[-1].outcome == "Done" and lines[-1].completed_on == TODAY
    assert lines[0].row_version == 1 and lines[0].owner == "PC E. Walker"
    assert ActionDraft.from_line(lines[0]).description == lines[0].description
    assert ActionDraft.from_line(lines[-1]).status == "open"


def test_agency_actions_across_cases(store, ids):
    other = new_case(store, "CAR-2026-0043", summary="Fly-tipping behind the Co-op")
    kendal = new_case(store, "SLK-2026-0001", hub="SLK")
    police = ids["POLICE"]
    set_role(store, other, police, "support")
    set_role(store, kendal, police, "lead")
    d = lambda days: TODAY + timedelta(days)  # noqa: E731
    mk = lambda case, due: add_action(store, case, police, draft(due_on=due), today=TODAY)  # noqa: E731
    a_none = mk(ids["case"], None)
    a_far = mk(other, d(30))
    a_over2 = mk(other, d(-2))
    a_over9 = mk(ids["case"], d(-9))
    a_soon = mk(kendal, d(1))
    a_done = mk(ids["case"], d(-30))
    complete_action(store, a_done, 1, "Done", TODAY, today=TODAY)
    add(store, ids, "CUMBERLAND")  # another agency's action

    lines = agency_actions(store, police, today=TODAY)
    assert all(isinstance(x, AgencyActionLine) for x in lines)
    assert [x.id for x in lines] == [a_over9, a_over2, a_soon, a_far, a_none]
    assert [x.rag for x in lines] == [Rag.RED, Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREEN]
    far = lines[3]
    assert (far.case_reference, far.case_summary, far.hub_name, far.agency_short_name) == (
        "CAR-2026-0043", "Fly-tipping behind the Co-op", "Carlisle", "Police",
    )  # fmt: skip
    car = agency_actions(store, police, hub_id=hub_id(store, "CAR"), today=TODAY)
    assert a_soon not in [x.id for x in car] and len(car) == 4
    everything = agency_actions(store, police, include_done=True, today=TODAY)
    assert [x.id for x in everything][-1] == a_done and everything[-1].rag is Rag.NONE
    # actions of a voided case are not listed
    with store.write() as s:
        s.get(Case, other).voided = True
    assert {x.id for x in agency_actions(store, police, today=TODAY)} == {a_over9, a_soon, a_none}


def test_agency_actions_on_demo_data(demo_store):
    police = agency_id(demo_store, "POLICE")
    lines = agency_actions(demo_store, police, today=TODAY)
    assert lines and all(x.status in ("open", "in_progress") for x in lines)
    dues = [x.due_on for x in lines]
    dated = [x for x in dues if x is not None]
    assert dated == sorted(dated) and dues[: len(dated)] == dated
    with demo_store.read() as s:
        n = s.scalar(
            select(func.count())
            .select_from(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                Action.agency_id == police,
                Action.voided.is_(False),
                Case.voided.is_(False),
                Action.status.in_(["open", "in_progress"]),
            )
        )
    assert len(lines) == n
