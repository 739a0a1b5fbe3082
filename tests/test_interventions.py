"""Interventions: validation (target, dates, agency), end and breach (no Qt)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from casework import new_case
from sqlalchemy import select

from hubapp.store.casework import interventions as iv
from hubapp.store.casework import workflow
from hubapp.store.errors import EditConflict
from hubapp.store.schema import (
    Agency,
    CasePerson,
    CasePlace,
    Intervention,
    InterventionBreach,
    Person,
    Place,
)

TODAY = date(2026, 5, 20)


@pytest.fixture
def world(store):
    case_id = new_case(store)
    with store.write() as s:
        person = Person(id=uuid.uuid4(), full_name="Jay Doe")
        place = Place(id=uuid.uuid4(), name="Bitts Park", town="Carlisle")
        stranger = Person(id=uuid.uuid4(), full_name="Not On Case")
        s.add_all([person, place, stranger])
        s.flush()
        s.add(CasePerson(case_id=case_id, person_id=person.id, role="alleged_perpetrator"))
        s.add(CasePlace(case_id=case_id, place_id=place.id))
        agency = s.scalar(select(Agency.id).limit(1))
    types = {t.code: t for t in iv.types(store)}
    return store, case_id, person.id, place.id, stranger.id, agency, types


def draft(types, code, agency, **kw):
    values = dict(type_id=types[code].id, agency_id=agency, issued_on=date(2026, 5, 1))
    values.update(kw)
    return iv.InterventionDraft(**values)


def problems(world_, d):
    store, case_id, *_ = world_
    with pytest.raises(workflow.CaseworkError) as err:
        iv.add(store, case_id, d, today=TODAY)
    return {p.field for p in err.value.problems}


def test_an_abc_against_a_person_is_stored(world):
    store, case_id, person, _place, _s, agency, types = world
    d = draft(types, "abc", agency, person_id=person, expires_on=date(2026, 11, 1),
              conditions="Not to enter <Bitts Park>")  # fmt: skip
    new_id = iv.add(store, case_id, d, today=TODAY)
    with store.read() as s:
        row = s.get(Intervention, new_id)
    assert (row.person_id, row.place_id, row.status, row.conditions) == (
        person,
        None,
        "active",
        "Not to enter <Bitts Park>",
    )


def test_validation(world):
    _store, _case, person, place, stranger, agency, types = world
    assert problems(world, draft(types, "closure_order", agency, person_id=person)) == {"target"}
    assert problems(world, draft(types, "abc", agency, place_id=place)) == {"target"}
    assert problems(world, draft(types, "cpw", agency, person_id=person,
                                 place_id=place)) == {"target"}  # fmt: skip
    assert problems(world, draft(types, "cpw", agency)) == {"target"}
    assert problems(world, draft(types, "abc", agency, person_id=stranger)) == {"target"}
    assert problems(world, draft(types, "abc", None, person_id=person)) == {"agency"}
    assert problems(world, draft(types, "abc", agency, person_id=person,
                                 issued_on=date(2026, 6, 1))) == {"issued_on"}  # fmt: skip
    assert problems(world, draft(types, "abc", agency, person_id=person,
                                 expires_on=date(2026, 4, 1))) == {"expires_on"}  # fmt: skip
    assert problems(world, iv.InterventionDraft(None, agency, date(2026, 5, 1),
                                                person_id=person)) == {"type"}  # fmt: skip
    store, case_id, *_ = world
    with store.read() as s:
        assert s.scalar(select(Intervention.id)) is None


def test_breach_then_end(world):
    store, case_id, _person, place, _s, agency, types = world
    new_id = iv.add(store, case_id, draft(types, "mediation", agency, place_id=place), today=TODAY)
    with pytest.raises(workflow.CaseworkError) as err:
        iv.record_breach(store, new_id, 1, date(2026, 4, 1), "", today=TODAY)
    assert {p.field for p in err.value.problems} == {"breached_on", "details"}
    v = iv.record_breach(store, new_id, 1, date(2026, 5, 10), "Drinking again", today=TODAY)
    with pytest.raises(EditConflict):
        iv.end(store, new_id, 1, "complied", date(2026, 5, 12), today=TODAY)
    with pytest.raises(workflow.CaseworkError):
        iv.end(store, new_id, v, "breached", date(2026, 5, 12), today=TODAY)
    v = iv.end(store, new_id, v, "revoked", date(2026, 5, 12), "Order revoked", today=TODAY)
    with store.read() as s:
        row = s.get(Intervention, new_id)
        breach = s.scalar(select(InterventionBreach))
    assert (row.status, row.ended_on, row.notes) == ("revoked", date(2026, 5, 12), "Order revoked")
    assert (breach.breached_on, breach.details) == (date(2026, 5, 10), "Drinking again")
    with pytest.raises(workflow.CaseworkError, match="already ended"):
        iv.end(store, new_id, v, "ended", date(2026, 5, 13), today=TODAY)
    with pytest.raises(workflow.CaseworkError, match="has ended"):
        iv.record_breach(store, new_id, v, date(2026, 5, 13), "Again", today=TODAY)


def test_edit_checks_the_version(world):
    store, case_id, person, _place, _s, agency, types = world
    new_id = iv.add(store, case_id, draft(types, "abc", agency, person_id=person), today=TODAY)
    v = iv.edit(store, new_id, 1, draft(types, "abc", agency, person_id=person,
                                        conditions="Curfew 9pm"), today=TODAY)  # fmt: skip
    assert v == 2
    with pytest.raises(EditConflict):
        iv.edit(store, new_id, 1, draft(types, "abc", agency, person_id=person), today=TODAY)
