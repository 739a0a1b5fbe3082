"""ASB Case Review early warning: qualifying complaints per victim and per place."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from casework import new_case
from sqlalchemy import select

from hubapp.store.casework import asb_review
from hubapp.store.schema import CasePerson, Channel, Contact, Person, Place

TODAY = date(2026, 6, 30)


def dt(y, m, d, h=20):
    return datetime(y, m, d, h)


def test_add_months_clamps_the_day():
    assert asb_review.add_months(dt(2026, 1, 31), 1) == dt(2026, 2, 28)
    assert asb_review.add_months(dt(2024, 1, 31), 1) == dt(2024, 2, 29)
    assert asb_review.add_months(dt(2026, 8, 31), -6) == dt(2026, 2, 28)
    assert asb_review.add_months(dt(2026, 12, 15), 1) == dt(2027, 1, 15)


def test_a_complaint_qualifies_within_one_month_of_the_incident():
    assert asb_review.qualifies(dt(2026, 2, 28), dt(2026, 1, 31))
    assert not asb_review.qualifies(dt(2026, 3, 1), dt(2026, 1, 31))
    assert asb_review.qualifies(dt(2026, 5, 10, 20), dt(2026, 4, 10, 20))
    assert not asb_review.qualifies(dt(2026, 5, 10, 21), dt(2026, 4, 10, 20))
    assert asb_review.qualifies(dt(2026, 5, 10), None)  # no incident time: just happened


def test_three_in_six_months_flags_and_two_is_approaching():
    reports = [(dt(2026, 2, 1), dt(2026, 1, 30)), (dt(2026, 4, 1), dt(2026, 4, 1, 18))]
    assert asb_review.count(reports, TODAY).approaching
    tally = asb_review.count([*reports, (dt(2026, 6, 29), None)], TODAY)
    assert tally.flagged and tally.count == 3
    assert (tally.first, tally.last) == (dt(2026, 2, 1), dt(2026, 6, 29))


def test_the_six_month_window_ends_today():
    # 30 June: the window is 1 January 00:00 (exclusive) to the end of 30 June
    old = (dt(2025, 12, 31, 23), dt(2025, 12, 31, 22))
    later = (dt(2026, 7, 1, 9), dt(2026, 7, 1, 8))
    inside = [(dt(2026, 1, 1, 1), dt(2026, 1, 1)), (dt(2026, 6, 30, 23), dt(2026, 6, 30, 22))]
    assert asb_review.count([old, later, *inside], TODAY).count == 2


def test_one_incident_reported_several_times_counts_once():
    incident = dt(2026, 3, 3, 22)
    reports = [(dt(2026, 3, 4), incident), (dt(2026, 3, 5), incident), (dt(2026, 3, 9), incident)]
    tally = asb_review.count(reports, TODAY)
    assert tally.count == 1 and tally.first == dt(2026, 3, 4)


def test_late_complaints_do_not_qualify():
    reports = [(dt(2026, 5, 1), dt(2026, 3, 1)), (dt(2026, 5, 2), dt(2026, 3, 2)),
               (dt(2026, 5, 3), dt(2026, 5, 3, 1))]  # fmt: skip
    assert asb_review.count(reports, TODAY).count == 1


@pytest.fixture
def hub_data(store):
    """A victim on two cases, and one place, with reports by several channels."""
    with store.write() as s:
        victim = Person(id=uuid.uuid4(), full_name="Ann Victim")
        place = Place(id=uuid.uuid4(), name="Bitts Park", town="Carlisle")
        s.add_all([victim, place])
        channels = list(s.scalars(select(Channel.id)))
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002")
    reports = [  # (case, received, incident, place?)
        (first, dt(2026, 2, 1), dt(2026, 1, 31), True),
        (first, dt(2026, 2, 2), dt(2026, 1, 31), True),  # same incident again: once
        (second, dt(2026, 4, 1), dt(2026, 3, 30), True),
        (second, dt(2026, 6, 1), dt(2026, 3, 1), False),  # three months late: no
        (second, dt(2026, 6, 20), None, False),
    ]
    with store.write() as s:
        for case_id in (first, second):
            s.add(CasePerson(case_id=case_id, person_id=victim.id, role="victim"))
        for i, (case_id, received, incident, at_place) in enumerate(reports):
            s.add(Contact(case_id=case_id, channel_id=channels[i % len(channels)],
                          received_at=received, incident_at=incident,
                          place_id=place.id if at_place else None))  # fmt: skip
    return store, first, second, victim.id, place.id


def test_per_case_and_hub_wide_agree(hub_data):
    store, first, second, victim, place = hub_data
    warnings = asb_review.for_case(store, first, TODAY)
    by_kind = {w.kind: w for w in warnings}
    assert by_kind["victim"].tally.count == 3 and by_kind["victim"].flagged
    assert by_kind["victim"].subject_id == victim
    assert "Ann Victim" in by_kind["victim"].describe()
    hub = asb_review.hub_list(store, today=TODAY, minimum=2)
    assert {(w.kind, w.subject_id, w.tally.count) for w in hub} == {
        ("victim", victim, 3),
        ("place", place, 2),
    }
    assert [w.subject_id for w in asb_review.hub_list(store, today=TODAY)] == [victim]
    # the CAR hub only, and another hub has none
    from casework import hub_id

    assert len(asb_review.hub_list(store, hub_id(store, "CAR"), today=TODAY, minimum=2)) == 2
    assert asb_review.hub_list(store, hub_id(store, "SLK") or uuid.uuid4(), today=TODAY) == []
    # a month later the February reports have left the window
    assert asb_review.for_case(store, first, date(2026, 8, 15), minimum=1)[0].tally.count == 2


def test_the_sql_agrees_with_the_rule_on_demo_data(demo_store):
    """hub_list counts in SQL; for_case with the Python rule: they must agree everywhere."""
    today = date.today()
    hub = {(w.kind, w.subject_id): w.tally.count
           for w in asb_review.hub_list(demo_store, today=today, minimum=1)}  # fmt: skip
    assert len(hub) > 50
    with demo_store.read() as s:
        case_ids = list(s.scalars(select(CasePerson.case_id).where(CasePerson.role == "victim")
                                  .limit(150)))  # fmt: skip
    checked = 0
    for case_id in case_ids:
        for w in asb_review.for_case(demo_store, case_id, today, minimum=1):
            assert hub[(w.kind, w.subject_id)] == w.tally.count
            checked += 1
    assert checked > 20
