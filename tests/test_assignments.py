"""The assignment grid: agencies' parts in cases, its rules, undo, audit and the cell summary."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta

import pytest
from casework import agency_id, audit_count, audit_since, case_state, hub_id, new_case
from sqlalchemy import func, select

from hubapp.domain.rag import Rag, action_rag, worst
from hubapp.store import audit
from hubapp.store.casework.actions import ActionDraft, add_action, complete_action
from hubapp.store.casework.assignments import (
    AgencyColumn,
    Cell,
    RoleChange,
    RoleError,
    bulk_assign,
    cell_summaries,
    hand_over_lead,
    hub_agencies,
    set_role,
    undo_role,
    undo_roles,
)
from hubapp.store.casework.cases import update_fields
from hubapp.store.database import open_store
from hubapp.store.errors import EditConflict, StoreError
from hubapp.store.schema import Action, Assignment, AuditEntry, Case

log = logging.getLogger(__name__)

REF = "CAR-2026-0042"
TODAY = date(2026, 11, 25)


@pytest.fixture
def ids(store):
    """A Carlisle case and the agencies the tests use."""
    return {
        "case": new_case(store, REF),
        **{code: agency_id(store, code) for code in (
            "POLICE", "CUMBERLAND", "FIRE", "RIVERSIDE", "PROBATION", "WAF",
        )},
    }  # fmt: skip


def live_rows(store, case_id, agency) -> list[Assignment]:
    with store.read() as s:
        return list(
            s.scalars(
                select(Assignment).where(
                    Assignment.case_id == case_id,
                    Assignment.agency_id == agency,
                    Assignment.voided.is_(False),
                )
            )
        )


def role_of(store, case_id, agency) -> str | None:
    rows = live_rows(store, case_id, agency)
    assert len(rows) <= 1, "more than one live assignment for one case and agency"
    return rows[0].role if rows else None


def open_action(store, case_id, agency, text="Visit the complainant", due=None) -> uuid.UUID:
    return add_action(store, case_id, agency, ActionDraft(text, "PC Walker", due), today=TODAY)


# --- the hub's columns --------------------------------------------------------------------


def test_hub_agencies_are_the_hubs_columns_in_order(store):
    columns = hub_agencies(store, hub_id(store, "CAR"))
    assert all(isinstance(c, AgencyColumn) for c in columns)
    codes = [c.code for c in columns]
    assert codes[:3] == ["POLICE", "CUMBERLAND", "FIRE"]  # the order of resources/refdata
    assert "RIVERSIDE" in codes and "WAF" not in codes and "SLHOUSING" not in codes
    police = columns[0]
    assert (police.name, police.short_name, police.type_name, police.active) == (
        "Cumbria Constabulary", "Police", "Police", True,
    )  # fmt: skip
    kendal = {c.code for c in hub_agencies(store, hub_id(store, "SLK"))}
    assert {"WAF", "SLHOUSING", "POLICE"} <= kendal and "CUMBERLAND" not in kendal


def test_hub_agencies_order_by_position_then_name(store):
    from hubapp.store.schema import HubAgency

    car = hub_id(store, "CAR")
    with store.write() as s:
        for link in s.scalars(select(HubAgency).where(HubAgency.hub_id == car)):
            link.position = 5  # all equal: the names decide
    names = [c.name for c in hub_agencies(store, car)]
    assert names == sorted(names)


# --- set_role: the rules ------------------------------------------------------------------


def test_giving_changing_and_removing_a_part(store, ids):
    case, council = ids["case"], ids["CUMBERLAND"]
    change = set_role(store, case, council, "support")
    assert change == RoleChange(case, council, None, "support", None, None)
    assert change.changed and role_of(store, case, council) == "support"
    row_id = live_rows(store, case, council)[0].id

    change = set_role(store, case, council, "informed")
    assert (change.old_role, change.new_role) == ("support", "informed")

    change = set_role(store, case, council, None)
    assert (change.old_role, change.new_role) == ("informed", None)
    assert role_of(store, case, council) is None
    with store.read() as s:  # voided, never deleted
        row = s.get(Assignment, row_id)
        assert row is not None and row.voided

    set_role(store, case, council, "support")  # given a part again: the same row, live again
    assert [r.id for r in live_rows(store, case, council)] == [row_id]
    with store.read() as s:
        n = s.scalar(select(func.count()).where(Assignment.case_id == case))
        assert n == 1


def test_setting_the_same_part_changes_nothing(store, ids):
    set_role(store, ids["case"], ids["FIRE"], "informed")
    before = audit_count(store)
    change = set_role(store, ids["case"], ids["FIRE"], "informed")
    assert not change.changed and change.old_role == change.new_role == "informed"
    assert audit_count(store) == before


def test_the_lead_column_follows_the_lead_assignment(store, ids):
    case, police = ids["case"], ids["POLICE"]
    change = set_role(store, case, police, "lead")
    assert (change.old_lead_agency_id, change.new_lead_agency_id) == (None, police)
    lead, version = case_state(store, case)
    assert lead == police and change.case_version == version
    set_role(store, case, police, "support")
    assert case_state(store, case)[0] is None
    set_role(store, case, police, "lead")
    set_role(store, case, police, None)
    assert case_state(store, case)[0] is None


def test_only_one_lead_per_case(store, ids):
    case = ids["case"]
    set_role(store, case, ids["POLICE"], "lead")
    set_role(store, case, ids["CUMBERLAND"], "support")
    before = audit_count(store)
    with pytest.raises(RoleError) as err:
        set_role(store, case, ids["CUMBERLAND"], "lead")
    assert str(err.value) == (
        "Cumbria Constabulary is already the lead agency on CAR-2026-0042; "
        "hand over the lead instead."
    )
    assert role_of(store, case, ids["CUMBERLAND"]) == "support"
    assert case_state(store, case)[0] == ids["POLICE"]
    assert audit_count(store) == before  # nothing written, not even an audit entry


def test_the_agency_must_take_part_in_the_cases_hub(store, ids):
    with pytest.raises(RoleError) as err:
        set_role(store, ids["case"], ids["WAF"], "support")
    assert str(err.value) == (
        "Westmorland and Furness Council does not take part in the Carlisle hub, "
        "so it cannot work on CAR-2026-0042."
    )
    assert role_of(store, ids["case"], ids["WAF"]) is None


def test_an_inactive_agency_takes_no_new_part(store, ids):
    from hubapp.store.schema import Agency

    set_role(store, ids["case"], ids["PROBATION"], "support")
    with store.write() as s:
        s.get(Agency, ids["PROBATION"]).active = False
    with pytest.raises(RoleError, match="no longer active"):
        set_role(store, ids["case"], ids["PROBATION"], "lead")
    with pytest.raises(RoleError, match="no longer active"):
        bulk_assign(store, [new_case(store, "CAR-2026-0043")], ids["PROBATION"])
    # lowering or removing its existing part is still allowed
    assert set_role(store, ids["case"], ids["PROBATION"], "informed").new_role == "informed"
    assert set_role(store, ids["case"], ids["PROBATION"], None).new_role is None


def test_an_agency_with_open_actions_cannot_be_removed(store, ids):
    case, council = ids["case"], ids["CUMBERLAND"]
    set_role(store, case, council, "support")
    first = open_action(store, case, council)
    with pytest.raises(RoleError) as err:
        set_role(store, case, council, None)
    assert str(err.value) == (
        "Cumberland Council has 1 open action on CAR-2026-0042; complete or reassign it first."
    )
    second = open_action(store, case, council, "Send a warning letter")
    with pytest.raises(RoleError) as err:
        set_role(store, case, council, None)
    assert str(err.value) == (
        "Cumberland Council has 2 open actions on CAR-2026-0042; complete or reassign them first."
    )
    assert role_of(store, case, council) == "support"
    # a change of part is fine; removal once the work is finished is fine
    assert set_role(store, case, council, "informed").new_role == "informed"
    for action_id in (first, second):
        complete_action(store, action_id, 1, "Done and dusted", TODAY, today=TODAY)
    assert set_role(store, case, council, None).new_role is None


def test_base_version_guards_against_a_case_changed_elsewhere(store, ids):
    case = ids["case"]
    _, version = case_state(store, case)
    update_fields(store, case, version, {"summary": "Changed in another window"})
    with pytest.raises(EditConflict, match="changed by someone else"):
        set_role(store, case, ids["FIRE"], "support", base_version=version)
    assert role_of(store, case, ids["FIRE"]) is None
    change = set_role(store, case, ids["FIRE"], "lead", base_version=version + 1)
    assert change.case_version == version + 2  # the lead column changed


def test_unknown_parts_and_missing_records_are_refused(store, ids):
    with pytest.raises(RoleError, match="'boss' is not a part"):
        set_role(store, ids["case"], ids["FIRE"], "boss")
    with pytest.raises(StoreError, match="case no longer exists"):
        set_role(store, uuid.uuid4(), ids["FIRE"], "support")
    with pytest.raises(StoreError, match="agency no longer exists"):
        set_role(store, ids["case"], uuid.uuid4(), "support")


def test_two_processes_cannot_both_become_lead(store, ids, db_path):
    """The rules are checked inside BEGIN IMMEDIATE: concurrent writers queue, not race."""
    other = open_store(db_path)
    results: dict[str, object] = {}

    def make_lead(name, st, agency):
        try:
            results[name] = set_role(st, ids["case"], agency, "lead")
        except RoleError as exc:
            results[name] = exc

    try:
        threads = [
            threading.Thread(target=make_lead, args=("a", store, ids["POLICE"])),
            threading.Thread(target=make_lead, args=("b", other, ids["CUMBERLAND"])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.close()
    outcomes = sorted(
        "RoleError" if isinstance(v, RoleError) else type(v).__name__ for v in results.values()
    )
    assert outcomes == ["RoleChange", "RoleError"]
    winner = next(v for v in results.values() if isinstance(v, RoleChange))
    assert case_state(store, ids["case"])[0] == winner.agency_id


# --- undo ---------------------------------------------------------------------------------

PARTS = [None, "informed", "support", "lead"]


@pytest.mark.parametrize("old", PARTS)
@pytest.mark.parametrize("new", PARTS)
def test_undo_round_trips(store, ids, old, new):
    case, police = ids["case"], ids["POLICE"]
    if old is not None:
        set_role(store, case, police, old)
    before = (role_of(store, case, police), case_state(store, case)[0])
    change = set_role(store, case, police, new)
    after = (role_of(store, case, police), case_state(store, case)[0])
    assert after[0] == new
    undone = undo_role(store, change)
    assert (role_of(store, case, police), case_state(store, case)[0]) == before
    assert (undone.old_role, undone.new_role) == (change.new_role, change.old_role)
    redone = undo_role(store, undone)  # redo is the undo of the undo
    assert (role_of(store, case, police), case_state(store, case)[0]) == after
    assert (redone.old_role, redone.new_role) == (change.old_role, change.new_role)
    with store.read() as s:
        assert audit.verify_chain(s) is None


def test_undo_is_refused_when_the_part_changed_since(store, ids):
    case, fire = ids["case"], ids["FIRE"]
    change = set_role(store, case, fire, "support")
    set_role(store, case, fire, "informed")
    with pytest.raises(RoleError) as err:
        undo_role(store, change)
    assert str(err.value) == (
        "Cumbria Fire and Rescue Service's part in CAR-2026-0042 has changed since "
        "(it is now informed); the change cannot be undone."
    )
    assert role_of(store, case, fire) == "informed"


def test_undo_is_refused_when_the_lead_changed_since(store, ids):
    case = ids["case"]
    change = set_role(store, case, ids["FIRE"], "support")
    set_role(store, case, ids["POLICE"], "lead")
    with pytest.raises(RoleError, match="lead agency on CAR-2026-0042 has changed since"):
        undo_role(store, change)
    assert role_of(store, case, ids["FIRE"]) == "support"


def test_undo_is_refused_when_it_would_remove_an_agency_with_open_actions(store, ids):
    case, council = ids["case"], ids["CUMBERLAND"]
    change = set_role(store, case, council, "support")
    open_action(store, case, council)
    with pytest.raises(RoleError, match="has 1 open action on CAR-2026-0042"):
        undo_role(store, change)
    assert role_of(store, case, council) == "support"


def test_undo_restores_a_lead_held_only_in_the_case_column(store, ids):
    """Older data (or the case form) may hold a lead without an assignment row."""
    case = ids["case"]
    _, version = case_state(store, case)
    update_fields(store, case, version, {"lead_agency_id": ids["POLICE"]})
    with pytest.raises(RoleError, match="Cumbria Constabulary is already the lead agency"):
        set_role(store, case, ids["FIRE"], "lead")
    changes = hand_over_lead(store, case, ids["FIRE"])
    assert role_of(store, case, ids["POLICE"]) == "support"
    assert role_of(store, case, ids["FIRE"]) == "lead"
    assert case_state(store, case)[0] == ids["FIRE"]
    undo_roles(store, changes)
    assert role_of(store, case, ids["POLICE"]) is None
    assert role_of(store, case, ids["FIRE"]) is None
    assert case_state(store, case)[0] == ids["POLICE"]  # exactly as it was


# --- hand-over ----------------------------------------------------------------------------


def test_hand_over_lead_in_one_transaction(store, ids):
    case, police, council = ids["case"], ids["POLICE"], ids["CUMBERLAND"]
    set_role(store, case, police, "lead")
    set_role(store, case, council, "informed")
    changes = hand_over_lead(store, case, council)
    assert [(c.agency_id, c.old_role, c.new_role) for c in changes] == [
        (police, "lead", "support"),
        (council, "informed", "lead"),
    ]
    assert changes[0].old_lead_agency_id == police and changes[-1].new_lead_agency_id == council
    assert role_of(store, case, police) == "support" and role_of(store, case, council) == "lead"
    lead, version = case_state(store, case)
    assert lead == council and all(c.case_version == version for c in changes)

    undone = undo_roles(store, changes)
    assert len(undone) == 2
    assert role_of(store, case, police) == "lead" and role_of(store, case, council) == "informed"
    assert case_state(store, case)[0] == police


def test_hand_over_is_all_or_nothing(store, ids):
    case, police = ids["case"], ids["POLICE"]
    set_role(store, case, police, "lead")
    before = audit_count(store)
    with pytest.raises(RoleError, match="does not take part in the Carlisle hub"):
        hand_over_lead(store, case, ids["WAF"])  # the second step fails...
    assert role_of(store, case, police) == "lead"  # ...so the first never happened
    assert case_state(store, case)[0] == police
    assert audit_count(store) == before


def test_hand_over_to_the_lead_itself_or_without_a_lead(store, ids):
    case = ids["case"]
    changes = hand_over_lead(store, case, ids["FIRE"])
    assert [(c.old_role, c.new_role) for c in changes] == [(None, "lead")]
    with pytest.raises(RoleError) as err:
        hand_over_lead(store, case, ids["FIRE"])
    assert str(err.value) == (
        "Cumbria Fire and Rescue Service is already the lead agency on CAR-2026-0042."
    )


def test_undo_roles_is_all_or_nothing(store, ids):
    case = ids["case"]
    set_role(store, case, ids["POLICE"], "lead")
    set_role(store, case, ids["FIRE"], "support")
    changes = hand_over_lead(store, case, ids["FIRE"])
    set_role(store, case, ids["POLICE"], "informed")  # the old lead is changed since
    # undoing the second step (Fire back to support) would work; the first cannot
    with pytest.raises(RoleError, match="Constabulary's part in CAR-2026-0042 has changed"):
        undo_roles(store, changes)
    assert role_of(store, case, ids["FIRE"]) == "lead"
    assert case_state(store, case)[0] == ids["FIRE"]


# --- bulk ---------------------------------------------------------------------------------


def test_bulk_assign_leaves_existing_parts_alone(store, ids):
    council = ids["CUMBERLAND"]
    cases = [ids["case"], new_case(store, "CAR-2026-0043"), new_case(store, "CAR-2026-0044")]
    set_role(store, cases[1], council, "lead")
    before = audit_count(store)
    changes = bulk_assign(store, [*cases, cases[0]], council)  # a duplicate counts once
    assert [c.case_id for c in changes] == cases
    assert [(c.old_role, c.new_role, c.changed) for c in changes] == [
        (None, "support", True),
        ("lead", "lead", False),  # left alone, reported
        (None, "support", True),
    ]
    assert [role_of(store, c, council) for c in cases] == ["support", "lead", "support"]
    entries = audit_since(store, before, "assignment")
    assert len({e.id for e in entries}) >= 2
    undo_roles(store, changes)
    assert [role_of(store, c, council) for c in cases] == [None, "lead", None]


def test_bulk_assign_refuses_atomically_outside_the_agencys_hubs(store, ids):
    council = ids["CUMBERLAND"]
    carlisle = [ids["case"], new_case(store, "CAR-2026-0043")]
    kendal = new_case(store, "SLK-2026-0007", hub="SLK")
    before = audit_count(store)
    with pytest.raises(RoleError) as err:
        bulk_assign(store, [*carlisle, kendal], council)
    assert str(err.value) == (
        "Cumberland Council does not take part in the South Lakeland hub, so it cannot work "
        "on SLK-2026-0007; nothing was changed."
    )
    assert [role_of(store, c, council) for c in carlisle] == [None, None]
    assert audit_count(store) == before


def test_bulk_lead_refuses_atomically_when_a_case_has_a_lead(store, ids):
    cases = [ids["case"], new_case(store, "CAR-2026-0043")]
    set_role(store, cases[1], ids["POLICE"], "lead")
    with pytest.raises(RoleError, match="already the lead agency on CAR-2026-0043"):
        bulk_assign(store, cases, ids["FIRE"], role="lead")
    assert role_of(store, cases[0], ids["FIRE"]) is None


def test_bulk_assign_refuses_missing_cases_and_no_part(store, ids):
    with pytest.raises(RoleError, match="1 of the chosen cases no longer exist"):
        bulk_assign(store, [ids["case"], uuid.uuid4()], ids["FIRE"])
    assert role_of(store, ids["case"], ids["FIRE"]) is None
    with pytest.raises(RoleError, match="Choose a part"):
        bulk_assign(store, [ids["case"]], ids["FIRE"], role=None)
    assert bulk_assign(store, [], ids["FIRE"]) == []


# --- audit --------------------------------------------------------------------------------


def test_every_role_change_is_audited_with_old_and_new_values(store, ids):
    case, police = ids["case"], ids["POLICE"]
    start = audit_count(store)
    set_role(store, case, police, "support")
    set_role(store, case, police, "lead")
    set_role(store, case, police, None)
    entries = audit_since(store, start, "assignment")
    explicit = [e for e in entries if "role" in e.details]
    assert [(e.kind, e.details["role"]) for e in explicit] == [
        ("collection", [None, "support"]),
        ("alteration", ["support", "lead"]),
        ("alteration", ["lead", None]),
    ]
    for e in explicit:
        assert e.details["case_id"] == str(case) and e.details["case"] == REF
        assert e.details["agency"] == "POLICE" and e.details["agency_id"] == str(police)
        assert e.reason == "agency role changed" and e.user
    assert explicit[1].details["lead_agency_id"] == [None, str(police)]
    assert explicit[2].details["lead_agency_id"] == [str(police), None]
    assert "lead_agency_id" not in explicit[0].details
    # the automatic entries are there too: the new row, and the field-level alterations
    automatic = [e for e in entries if "role" not in e.details]
    assert automatic[0].kind == "collection"
    row = str(explicit[0].record_ids[0])
    assert any(e.details.get(row, {}).get("role") == ["support", "lead"] for e in automatic)
    case_entries = audit_since(store, start, "case_")
    assert any(e.details.get(str(case), {}).get("lead_agency_id") for e in case_entries)
    with store.read() as s:
        assert audit.verify_chain(s) is None


# --- the grid's cells ---------------------------------------------------------------------


def _action(store, case_id, agency, due, status="open"):
    with store.write() as s:
        s.add(
            Action(
                id=uuid.uuid4(), case_id=case_id, agency_id=agency, description="Patrol",
                due_on=due, status=status,
            )
        )  # fmt: skip


@pytest.mark.parametrize(
    ("due", "rag"),
    [
        (TODAY - timedelta(days=1), Rag.RED),
        (TODAY, Rag.AMBER),
        (TODAY + timedelta(days=7), Rag.AMBER),
        (TODAY + timedelta(days=8), Rag.GREEN),
        (None, Rag.GREEN),
    ],
)
def test_cell_rag_boundaries(store, ids, due, rag):
    case, fire = ids["case"], ids["FIRE"]
    set_role(store, case, fire, "support")
    _action(store, case, fire, due)
    _action(store, case, fire, TODAY + timedelta(days=40))
    cell = cell_summaries(store, [case], today=TODAY)[(case, fire)]
    assert cell.rag is rag
    assert cell.open_actions == 2
    assert cell.overdue == (1 if rag is Rag.RED else 0)
    assert cell.next_due == (due if due is not None else TODAY + timedelta(days=40))


def test_cell_contents(store, ids):
    case, other = ids["case"], new_case(store, "CAR-2026-0043")
    police, fire, council = ids["POLICE"], ids["FIRE"], ids["CUMBERLAND"]
    set_role(store, case, police, "lead")
    set_role(store, case, council, "informed")
    set_role(store, case, fire, "support")
    _action(store, case, police, TODAY - timedelta(days=3))
    _action(store, case, police, TODAY - timedelta(days=1), status="in_progress")
    _action(store, case, police, TODAY + timedelta(days=2))
    _action(store, case, police, TODAY - timedelta(days=30), status="done")
    _action(store, case, police, None, status="cancelled")
    _action(store, case, fire, TODAY - timedelta(days=9), status="done")
    set_role(store, case, fire, None)  # removed: only finished work left
    cells = cell_summaries(store, [case, other], today=TODAY)
    assert cells == {
        (case, police): Cell("lead", 3, 2, TODAY - timedelta(days=3), Rag.RED, 2),
        (case, council): Cell("informed", 0, 0, None, Rag.NONE, 0),
        (case, fire): Cell(None, 0, 0, None, Rag.NONE, 1),
    }
    assert all(isinstance(k[0], uuid.UUID) and isinstance(k[1], uuid.UUID) for k in cells)
    only = cell_summaries(store, [case], [council, ids["RIVERSIDE"]], today=TODAY)
    assert list(only) == [(case, council)]
    assert cell_summaries(store, [], today=TODAY) == {}
    assert cell_summaries(store, [case], [], today=TODAY) == {}
    with store.write() as s:  # voided actions do not count
        for a in s.scalars(select(Action).where(Action.agency_id == police)):
            a.voided = True
    assert cell_summaries(store, [case], [police], today=TODAY)[(case, police)] == Cell(
        "lead", 0, 0, None, Rag.NONE, 0
    )


def _python_cells(store, case_ids, today):
    """The same summary computed the slow, obvious way from ORM rows."""
    wanted = set(case_ids)
    roles: dict = {}
    actions: dict = defaultdict(list)
    with store.read() as s:
        for a in s.scalars(select(Assignment).where(Assignment.voided.is_(False))):
            if a.case_id in wanted:
                roles[(a.case_id, a.agency_id)] = a.role
        for a in s.scalars(select(Action).where(Action.voided.is_(False))):
            if a.case_id in wanted:
                actions[(a.case_id, a.agency_id)].append(a)
    out = {}
    for key in roles.keys() | actions.keys():
        acts = actions.get(key, [])
        open_ = [a for a in acts if a.status in ("open", "in_progress")]
        dues = [a.due_on for a in open_ if a.due_on is not None]
        out[key] = Cell(
            roles.get(key),
            len(open_),
            sum(1 for a in open_ if a.due_on is not None and a.due_on < today),
            min(dues) if dues else None,
            worst([action_rag(a.due_on, a.status, today) for a in open_]),
            len(acts) - len(open_),
        )
    return out


def test_cell_summaries_agree_with_a_plain_computation_on_demo_data(demo_store):
    with demo_store.read() as s:
        case_ids = list(s.scalars(select(Case.id).where(Case.voided.is_(False))))
    assert len(case_ids) == 3000  # more than CHUNK: the chunking is exercised
    for today in (TODAY, date.today()):
        expected = _python_cells(demo_store, case_ids, today)
        got = cell_summaries(demo_store, case_ids, today=today)
        assert got == expected
        assert {c.rag for c in got.values()} >= {Rag.RED, Rag.AMBER, Rag.GREEN, Rag.NONE}
    # a subset of cases and of agencies
    car = hub_id(demo_store, "CAR")
    columns = [c.id for c in hub_agencies(demo_store, car)][:4]
    some = case_ids[::7]
    expected = {k: v for k, v in _python_cells(demo_store, some, TODAY).items() if k[1] in columns}
    assert cell_summaries(demo_store, some, columns, today=TODAY) == expected


def test_cell_summaries_are_fast_on_demo_data(demo_store):
    with demo_store.read() as s:
        case_ids = list(s.scalars(select(Case.id).limit(2000)))
        agencies = list(s.scalars(select(Assignment.agency_id).distinct()))
    cell_summaries(demo_store, case_ids, agencies)  # warm the page cache
    best = min(_timed(lambda: cell_summaries(demo_store, case_ids, agencies)) for _ in range(3))
    log.info(
        "cell_summaries: 2,000 demo cases x %d agencies in %.1f ms", len(agencies), best * 1000
    )
    assert best < 0.25  # typically 15-30 ms; generous for slow CI machines


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def test_audit_log_is_intact_after_all_of_it(store, ids):
    case = ids["case"]
    set_role(store, case, ids["POLICE"], "lead")
    changes = hand_over_lead(store, case, ids["FIRE"])
    undo_roles(store, changes)
    bulk_assign(store, [case, new_case(store, "CAR-2026-0050")], ids["CUMBERLAND"])
    with store.read() as s:
        assert audit.verify_chain(s) is None
        assert s.scalar(select(func.count()).select_from(AuditEntry)) > 10
