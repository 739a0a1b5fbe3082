"""Who acts: each unit of work of the store acts, to its end, as the account signed in when
it began, whatever the window signs in meanwhile (hubapp.store.access; real database,
accounts of every role: tests/test_access_world.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_access_world import World, build

from hubapp.store import access, audit
from hubapp.store.access import AccessRefused
from hubapp.store.schema import AuditEntry


@pytest.fixture
def world(store) -> World:
    return build(store)


def test_a_session_acts_to_its_end_as_whoever_began_it(world):
    store = world.as_user("cara")  # a partner of the council: case A only
    with store.write(reason="a background job") as s:
        world.as_user("cora")  # meanwhile, in the window, a coordinator signs in
        assert access.acting(store).user_name == "cora"
        assert access.acting(s).user_name == "cara"
        with pytest.raises(AccessRefused):
            access.check_case(s, world.b)
        # every check reads the session's account: the coordinator's would all pass
        assert access.may_see_case(s, world.a) and not access.may_see_case(s, world.b)
        assert not access.may_manage_cases(s) and not access.sees_every_case(s)
        entry = audit.record(s, audit.Kind.CONSULTATION, "case_", [str(world.a)])
        assert entry.user == "cara"  # the audit log names who did it
    with store.read() as s:  # a new unit of work: whoever is signed in now
        access.check_case(s, world.b)
        assert s.scalar(select(AuditEntry.user).where(AuditEntry.id == entry.id)) == "cara"


def test_a_sign_in_is_recorded_as_the_account_signing_in(world):
    """A sign-in's session begins as whoever was signed in before; its entry names the
    account now signing in."""
    world.as_user("ada")
    world.as_user("rory")
    with world.store.read() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (last.kind, last.user) == ("sign_in", "rory")


def test_without_a_session_the_store_is_asked(world):
    store = world.as_user("rita")
    assert access.acting(store).user_name == "rita"
    assert not access.sees_every_case(store)
    world.as_user("pete")
    assert access.sees_every_case(store)


def test_every_select_of_a_session_keeps_to_the_rules_of_who_began_it(world):
    """However a read is written (a lookup by id, a join, a count), a session begun by a
    partner shows only their cases and the rows of them, and no note kept to another
    agency, to its end."""
    from sqlalchemy import func

    from hubapp.store.schema import Assignment, Case, CasePerson, Note

    store = world.as_user("cara")
    with store.read() as s:
        world.as_user("pete")  # meanwhile: the police see every case and their own notes
        assert set(s.scalars(select(Case.reference))) == {"CAR-2026-0001"}
        assert s.get(Case, world.b) is None
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert set(s.scalars(select(Assignment.case_id))) == {world.a}
        assert s.scalar(select(func.count(CasePerson.id)).join(Case)) == 1
        bodies = set(s.scalars(select(Note.body)))
        assert "Council letter sent to the tenant" in bodies
        assert "Covert observation planned at the flats" not in bodies
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 3
        assert "Covert observation planned at the flats" in set(s.scalars(select(Note.body)))


def test_a_background_read_begun_as_a_partner_stays_theirs_when_the_window_signs_in_another(
    world,
):
    """A job on a worker thread begins its read as the partner; the window then signs in a
    police officer; the job goes on, and still sees the partner's case alone."""
    import threading

    from hubapp.store.casework import caseview, timeline
    from hubapp.store.schema import Case

    store = world.as_user("cara")
    begun, signed_in = threading.Event(), threading.Event()
    seen: dict = {}

    def job() -> None:
        with store.read() as s:
            begun.set()
            assert signed_in.wait(10)
            seen["refs"] = set(s.scalars(select(Case.reference)))
            seen["b"] = s.get(Case, world.b)
            seen["user"] = access.acting(s).user_name

    worker = threading.Thread(target=job)
    worker.start()
    assert begun.wait(10)
    world.as_user("pete")
    signed_in.set()
    worker.join(10)
    assert seen == {"refs": {"CAR-2026-0001"}, "b": None, "user": "cara"}
    # the window's own reads are the police officer's from now on
    assert caseview.load(store, world.b, record_view=False).reference == "CAR-2026-0002"
    assert "Covert observation planned at the flats" in [
        e.text for e in timeline.entries(store, world.a)
    ]


def test_a_case_list_read_as_a_partner_keeps_their_rule_for_its_pages(world):
    """The case list's own SQL (past the ORM) takes the rule when it is read: its pages,
    read later, are the partner's even if a coordinator has signed in meanwhile."""
    from hubapp.store.casework.caselist import CaseFilter, CaseList, CaseSort, Column

    store = world.as_user("cara")
    results = [CaseList(store).query(CaseFilter(status=None), CaseSort(column))
               for column in (Column.RECEIVED, Column.STATUS)]  # fmt: skip
    world.as_user("cora")
    for result in results:
        assert [r.reference for r in result.rows(0, 100)] == ["CAR-2026-0001"]
    assert CaseList(store).count(CaseFilter(status=None)) == 3
