"""People across cases through the central database: a merge made on one station is applied
on another, and a merge against an edit made elsewhere meanwhile is a conflict for a person,
whichever reaches the central database first. Real PostgreSQL, two stations of one hub."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from syncutil import assert_replica_equals_central

from hubapp.store.casework import merging, people
from hubapp.store.schema import CasePerson, Channel, Contact, Person, PersonMerge
from hubapp.sync import conflicts


def _person_on(station, case_id, name: str, phone: str, role: str = "victim") -> uuid.UUID:
    with station.store.write(reason="test") as s:
        person = Person(id=uuid.uuid4(), full_name=name, phone=phone)
        s.add(person)
        s.flush()
        s.add(CasePerson(case_id=case_id, person_id=person.id, role=role))
        channel = s.scalar(Channel.__table__.select().with_only_columns(Channel.id).limit(1))
        s.add(Contact(case_id=case_id, channel_id=channel, received_at=datetime(2026, 11, 2, 9),
                      reporter_person_id=person.id))  # fmt: skip
        return person.id


def _links(station, pid) -> int:
    with station.store.read() as s:
        return sum(
            len(s.scalars(model.__table__.select().with_only_columns(model.id).where(
                getattr(model, column) == pid, model.voided.is_(False))).all())
            for model, column in merging.LINKS
        )  # fmt: skip


def _person(station, pid) -> Person:
    with station.store.read() as s:
        return s.get(Person, pid)


@pytest.fixture
def pair(stations):
    """Two stations of Carlisle with Kath Nelson twice, on two cases."""
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    first, second = a.new_case("Noise from the flat above"), a.new_case("Shouting at night")
    kath = _person_on(a, first, "Kath Nelson", "07700 900123")
    katherine = _person_on(a, second, "Katherine Nelson", "+44 7700 900777", "complainant")
    a.sync(), b.sync()
    return a, b, kath, katherine


def test_a_merge_on_one_station_is_applied_on_the_other(pair):
    a, b, kath, katherine = pair
    assert _links(b, katherine) == 2
    done = merging.merge(a.store, kath, katherine, "Same woman: confirmed by phone")
    a.sync()
    assert b.sync().conflicts == 0
    assert _links(b, kath) == 4 and _links(b, katherine) == 0
    assert _person(b, katherine).voided
    page = people.show(b.store, kath)
    assert [m.merge_id for m in page.merges] == [done.merge_id]
    assert dict(page.merges[0].other_details)["phone"] == "+44 7700 900777"
    # and its undo, made on the second station, back on the first
    merging.unmerge(b.store, done.merge_id, "Two sisters after all")
    b.sync(), a.sync()
    assert _links(a, kath) == 2 and _links(a, katherine) == 2
    assert not _person(a, katherine).voided and _person(a, katherine).phone == "+44 7700 900777"
    with a.store.read() as s:
        assert s.get(PersonMerge, done.merge_id).undone_at is not None
    for st in (a, b):
        assert_replica_equals_central(st)


@pytest.mark.parametrize("first", ["edit", "merge"])
def test_a_merge_against_an_edit_made_meanwhile_is_a_conflict(pair, first):
    """Station B corrects the phone number of the person station A merges away, at the same
    time: the correction is not lost under the voided row, it is put to a person."""
    a, b, kath, katherine = pair
    with b.store.write(reason="test") as s:
        s.get(Person, katherine).phone = "07700 900888"
    merging.merge(a.store, kath, katherine, "Same woman")
    if first == "edit":
        b.sync()
        a.sync()
        b.sync()
    else:
        a.sync()
        b.sync()
        a.sync()
    for st in (a, b):
        found = [(c.table, c.row_id, c.field) for c in conflicts.open_conflicts(st.store)]
        assert ("person", katherine.hex, "phone") in found, (first, found)
        [c] = [c for c in conflicts.open_conflicts(st.store) if c.field == "phone"]
        assert {c.kept, c.other} == {"", "07700 900888"}
    # the merge itself held: every link is on the kept person on both stations
    for st in (a, b):
        assert _links(st, kath) == 4 and _links(st, katherine) == 0
        assert_replica_equals_central(st)
