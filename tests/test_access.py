"""Who sees what and who may do what, through the core functions, on a real database with
staff accounts of every role (tests/test_access_world.py)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from test_access_world import (
    LOCKED_ADDRESS,
    LOCKED_PHONE,
    POLICE_SECRET,
    SHARED_NOTE,
    World,
    build,
)

from hubapp.store import access
from hubapp.store.access import AccessRefused
from hubapp.store.admin import audit_query, subject_access
from hubapp.store.casework import actions, assignments, caseview, timeline, workflow
from hubapp.store.casework.actions import ActionDraft
from hubapp.store.casework.caselist import CaseFilter, CaseList, CaseSort
from hubapp.store.casework.grid import GridFilter, grid_cases
from hubapp.store.exchange import export
from hubapp.store.intake import duplicates


@pytest.fixture
def world(store) -> World:
    """A hub with cases, notes, a locked-down victim and an account of every role."""
    return build(store)


def _refs(store, text: str = "") -> set[str]:
    rows = CaseList(store).page(CaseFilter(status=None, text=text), CaseSort(), 0, 100)
    return {r.reference for r in rows}


ALL = {"CAR-2026-0001", "CAR-2026-0002", "CAR-2026-0003"}


# --- which cases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("ada", ALL),
        ("cora", ALL),
        ("pete", ALL),
        ("cara", {"CAR-2026-0001"}),
        ("rita", {"CAR-2026-0003"}),
        ("rory", {"CAR-2026-0001"}),  # read-only of the council: what the council sees
    ],
)
def test_the_case_list_shows_each_role_its_cases(world, user, expected):
    store = world.as_user(user)
    assert _refs(store) == expected
    assert CaseList(store).count(CaseFilter(status=None)) == len(expected)


def test_a_partner_search_finds_only_their_cases(world):
    store = world.as_user("cara")
    assert _refs(store, "CAR 2026") == {"CAR-2026-0001"}
    assert _refs(store, "drug dealing") == set()  # case B exists, but not for the council
    store = world.as_user("pete")
    assert _refs(store, "drug dealing") == {"CAR-2026-0002"}


def test_the_grid_shows_a_partner_only_their_cases(world):
    hub = caseview.load(world.as_user("ada"), world.a, record_view=False).hub_id
    store = world.as_user("rita")
    assert [g.reference for g in grid_cases(store, GridFilter(hub, status=None))] == [
        "CAR-2026-0003"
    ]
    store = world.as_user("cora")
    assert len(grid_cases(store, GridFilter(hub, status=None))) == 3


def test_opening_another_agencys_case_is_refused_in_one_sentence(world):
    store = world.as_user("cara")
    with pytest.raises(AccessRefused, match=r"^You cannot open this case: your agency has no "):
        caseview.load(store, world.b)
    with pytest.raises(AccessRefused):
        timeline.entries(store, world.c)
    assert caseview.load(store, world.a).reference == "CAR-2026-0001"


def test_a_partners_export_has_only_their_cases(world, tmp_path):
    store = world.as_user("rita")
    target = tmp_path / "cases.json"
    assert export.export_cases(store, target, "json") == 1
    data = json.loads(target.read_text(encoding="utf-8"))
    text = json.dumps(data)
    assert "CAR-2026-0003" in text and "CAR-2026-0001" not in text
    store = world.as_user("cora")
    assert export.count_cases(store) == 3


def test_my_agencys_actions_stay_on_visible_cases(world):
    store = world.as_user("cora")
    actions.add_action(store, world.b, world.council, ActionDraft("Check CCTV"),
                       assign_if_missing=True, today=date(2026, 5, 2))  # fmt: skip
    assignments.set_role(store, world.b, world.council, "informed")
    # the council is now on B too: their partner sees it
    store = world.as_user("cara")
    assert "CAR-2026-0002" in _refs(store)
    refs = {a.case_reference for a in actions.agency_actions(store, world.council)}
    assert refs == {"CAR-2026-0002"}
    store = world.as_user("rita")
    assert actions.agency_actions(store, world.council) == []


def test_repeat_suggestions_name_only_visible_cases(world):
    from hubapp.store.intake.duplicates import DuplicateQuery, PersonKey

    q = DuplicateQuery(people=(PersonKey(name="Vera Victim"),))
    now = datetime(2026, 5, 2, 12, 0)
    found = duplicates.suggest(world.as_user("pete"), q, now=now)
    assert [s.reference for s in found] == ["CAR-2026-0001"]
    assert duplicates.suggest(world.as_user("rita"), q, now=now) == []


# --- own-agency notes -------------------------------------------------------------------


def _note_bodies(store, case_id) -> list[str]:
    return [e.text for e in caseview.load(store, case_id, record_view=False).timeline]


def test_an_own_agency_note_is_read_only_by_that_agency(world):
    assert POLICE_SECRET in _note_bodies(world.as_user("pete"), world.a)
    for user in ("cara", "rory", "cora", "ada"):  # not even an administrator of no agency
        bodies = _note_bodies(world.as_user(user), world.a)
        assert POLICE_SECRET not in bodies, user
        assert SHARED_NOTE in bodies, user
    assert POLICE_SECRET not in [e.text for e in timeline.entries(world.store, world.a)]


def test_a_note_can_be_kept_only_to_ones_own_agency(world):
    store = world.as_user("cara")
    with pytest.raises(AccessRefused, match="only to your own agency"):
        timeline.add_note(store, world.a, "Pretend police note", "own_agency", world.police)
    timeline.add_note(store, world.a, "Council only", "own_agency", world.council)
    assert "Council only" not in _note_bodies(world.as_user("pete"), world.a)
    assert "Council only" in _note_bodies(world.as_user("rory"), world.a)


# --- locked-down people -----------------------------------------------------------------


@pytest.mark.parametrize(("user", "sees"), [("pete", True), ("cora", True), ("cara", False),
                                            ("ada", False)])  # fmt: skip
def test_a_locked_down_persons_details_only_for_police_and_coordinators(world, user, sees):
    view = caseview.load(world.as_user(user), world.a, record_view=False)
    (victim,) = view.people
    assert victim.name == "Vera Victim"
    assert (victim.address == LOCKED_ADDRESS) is sees
    assert (victim.phone == LOCKED_PHONE) is sees
    assert {a for a, _ in view.assignments} >= {"Police"}  # the agencies involved stay


def test_a_locked_down_address_is_absent_from_a_partners_export(world, tmp_path):
    store = world.as_user("cara")
    for fmt in ("csv", "json"):
        target = tmp_path / f"cases.{fmt}"
        export.export_cases(store, target, fmt)
        body = target.read_text(encoding="utf-8")
        assert "CAR-2026-0001" in body
        assert LOCKED_ADDRESS not in body and LOCKED_PHONE not in body


# --- who may change what ----------------------------------------------------------------


def test_read_only_can_read_but_write_nothing(world):
    store = world.as_user("rory")
    caseview.load(store, world.a)  # reading is fine (and audited as a consultation)
    with pytest.raises(AccessRefused, match="read-only"):
        timeline.add_note(store, world.a, "A note", "shared")
    version = caseview.load(store, world.a, record_view=False).row_version
    with pytest.raises(AccessRefused, match="read-only"):
        workflow.set_sara_stage(store, world.a, version, "analysis")
    with pytest.raises(AccessRefused, match="read-only"):
        actions.add_action(store, world.a, world.council, ActionDraft("x"))
    assert not access.may_write(store)


def test_partners_work_only_their_own_agencys_actions(world):
    store = world.as_user("cora")
    police_action = actions.add_action(store, world.a, world.police, ActionDraft("Visit"),
                                       today=date(2026, 5, 2))  # fmt: skip
    store = world.as_user("cara")
    with pytest.raises(AccessRefused, match="only your own agency's actions"):
        actions.add_action(store, world.a, world.police, ActionDraft("Visit again"))
    with pytest.raises(AccessRefused, match="only your own agency's actions"):
        actions.cancel_action(store, police_action, 1, "not needed")
    own = actions.add_action(store, world.a, world.council, ActionDraft("Write to tenant"),
                             today=date(2026, 5, 2))  # fmt: skip
    actions.cancel_action(store, own, 1, "Tenant moved out")
    timeline.add_note(store, world.a, "Partner note", "shared")  # notes on cases they see
    with pytest.raises(AccessRefused):
        timeline.add_note(store, world.b, "Not my case", "shared")


def test_closing_and_assigning_need_a_coordinator(world):
    store = world.as_user("pete")
    version = caseview.load(store, world.a, record_view=False).row_version
    with pytest.raises(AccessRefused, match="^Only a coordinator or an administrator can close"):
        workflow.change_status(store, world.a, version, "closed", outcome="resolved",
                               rationale="Quiet for three months")  # fmt: skip
    with pytest.raises(AccessRefused, match="assign agencies"):
        assignments.set_role(store, world.b, world.council, "support")
    store = world.as_user("cara")
    with pytest.raises(AccessRefused):
        assignments.set_role(store, world.a, world.riverside, "support")
    store = world.as_user("cora")
    assignments.set_role(store, world.b, world.council, "support")
    from hubapp.domain.clock import local_today
    from hubapp.store.casework import victim_contact

    victim_contact.log_update(store, world.a, victim_contact.UpdateDraft(
        world.victim, local_today(), "call", "Cora", "Closing: quiet for three months",
        closing=True))  # fmt: skip
    workflow.change_status(store, world.a, version, "closed", outcome="resolved",
                           rationale="Quiet for three months")  # fmt: skip


def test_audit_and_subject_access_are_for_administrators(world, tmp_path):
    for user in ("cora", "pete", "cara", "rory"):
        store = world.as_user(user)
        with pytest.raises(AccessRefused, match="^Only an administrator can read the audit"):
            audit_query.page(store, audit_query.AuditFilter())
        with pytest.raises(AccessRefused, match="^Only an administrator"):
            subject_access.gather(store, world.victim)
    store = world.as_user("ada")
    assert audit_query.page(store, audit_query.AuditFilter())
    data = subject_access.gather(store, world.victim)
    texts = json.dumps(data)
    assert POLICE_SECRET not in texts  # an own-agency note stays with the police


def test_sign_in_kinds_can_be_filtered(world):
    from hubapp.store.audit import Kind

    store = world.as_user("ada")
    rows = audit_query.page(store, audit_query.AuditFilter(kind=Kind.SIGN_IN))
    assert rows and {r.kind for r in rows} == {"sign_in"}


def test_without_accounts_nothing_is_limited(store):
    from casework import new_case

    new_case(store, "CAR-2026-0009")
    assert store.account is None
    assert access.case_condition(store) is None
    assert access.may_write(store) and access.may_manage_cases(store) and access.is_admin(store)
    assert _refs(store) == {"CAR-2026-0009"}


def test_a_sync_round_still_stores_other_stations_changes_for_a_read_only_user(world):
    """The rows a sync round brings are not the signed-in person's writes."""
    from hubapp.store.schema import Note

    store = world.as_user("rory")
    with pytest.raises(AccessRefused):
        with store.write(reason="note added") as s:
            s.add(Note(case_id=world.a, author="x", body="typed by rory", visibility="shared"))
    with store.write(reason="sync: pulled from central") as s:
        s.add(Note(case_id=world.a, author="kim", body="from another station", visibility="shared"))
    assert "from another station" in _note_bodies(store, world.a)
    assert "typed by rory" not in _note_bodies(store, world.a)
