"""Repeat flags: the rule on plain values, the thresholds as reference data, and the flags
read from a real store across cases (and only the cases the account may see)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from casework import add_person, new_case
from sqlalchemy import select

from hubapp.domain import repeats
from hubapp.domain.repeats import Rules, Threshold
from hubapp.store.casework import repeats as store_repeats
from hubapp.store.schema import CasePerson, Channel, Contact, Place


def dt(y, m, d, h=20):
    return datetime(y, m, d, h)


# --- the rule ---------------------------------------------------------------------------------


def test_the_densest_window_is_found_anywhere_in_time():
    times = [dt(2024, 1, 5), dt(2025, 3, 1), dt(2025, 4, 1), dt(2025, 8, 31), dt(2026, 6, 1)]
    # 1 March + 6 months = 1 September: three reports inside, 31 August the last
    assert repeats.densest(times, 6) == (3, dt(2025, 3, 1), dt(2025, 8, 31))
    assert repeats.densest(times, 1) == (1, dt(2024, 1, 5), dt(2024, 1, 5))
    assert repeats.densest([], 6) is None


def test_a_window_is_calendar_months_and_its_end_is_outside():
    # 31 August + 6 months is 28 February (clamped); a report then is outside
    times = [dt(2025, 8, 31), dt(2025, 12, 1), dt(2026, 2, 28)]
    assert repeats.densest(times, 6)[0] == 2
    assert repeats.densest([dt(2025, 8, 31), dt(2025, 12, 1), dt(2026, 2, 27)], 6)[0] == 3


def test_three_reports_in_six_months_make_a_repeat_victim_and_two_do_not():
    rules = Rules()
    two = [dt(2026, 1, 1), dt(2026, 3, 1)]
    assert repeats.flag(repeats.VICTIM, two, rules) is None
    flag = repeats.flag(repeats.VICTIM, [*two, dt(2026, 6, 30)], rules)
    assert flag is not None and flag.count == 3
    assert flag.describe() == (
        "Repeat victim: 3 reports from 01/01/2026 to 30/06/2026 (3 or more in 6 months)."
    )
    assert flag.as_dict()["threshold"] == {"count": 3, "months": 6}


def test_one_incident_reported_again_counts_once():
    incident = dt(2026, 3, 3, 22)
    events = repeats.victim_events(
        [(dt(2026, 3, 4), incident), (dt(2026, 3, 5), incident), (dt(2026, 3, 9), None)]
    )
    assert sorted(events) == [dt(2026, 3, 4), dt(2026, 3, 9)]
    a, b = uuid.uuid4(), uuid.uuid4()
    assert sorted(repeats.case_events([(a, dt(2026, 2, 1)), (a, dt(2026, 1, 1)),
                                       (b, dt(2026, 5, 1))])) == [dt(2026, 1, 1), dt(2026, 5, 1)]  # fmt: skip


def test_the_thresholds_are_reference_data(tmp_path):
    shipped = repeats.load()
    assert shipped == Rules(Threshold(3, 6), Threshold(2, 12), Threshold(3, 12))
    own = tmp_path / "repeats.toml"
    own.write_text("[victim]\nreports = 2\nmonths = 3\n[perpetrator]\ncases = 3\nmonths = 6\n"
                   "[place]\ncases = 4\nmonths = 12\n")  # fmt: skip
    assert repeats.load(own) == Rules(Threshold(2, 3), Threshold(3, 6), Threshold(4, 12))
    own.write_text("[victim]\nreports = 0\nmonths = 3\n")
    with pytest.raises(repeats.RulesError, match=r"\[victim\] reports must be a whole number"):
        repeats.load(own)
    own.write_text("[victim\n")
    with pytest.raises(repeats.RulesError, match="cannot be read"):
        repeats.load(own)


# --- read from the store ------------------------------------------------------------------


def _report(store, case_id, received, incident=None, place_id=None) -> None:
    with store.write() as s:
        channel = s.scalar(select(Channel.id).limit(1))
        s.add(Contact(case_id=case_id, channel_id=channel, received_at=received,
                      incident_at=incident, place_id=place_id))  # fmt: skip


def _link(store, case_id, person_id, role) -> None:
    with store.write() as s:
        s.add(CasePerson(case_id=case_id, person_id=person_id, role=role))


@pytest.fixture
def pattern(store):
    """Ann: a victim on three cases with four reports in five months; Bob: named as alleged
    perpetrator on two cases; the Bitts Park: reports on three cases."""
    with store.write() as s:
        place = Place(id=uuid.uuid4(), name="Bitts Park", town="Carlisle")
        s.add(place)
    cases = [new_case(store, f"CAR-2026-000{i}", received_at=dt(2026, i, 2)) for i in (1, 2, 3)]
    ann = add_person(store, cases[0], "Ann Victim")
    bob = add_person(store, cases[0], "Bob Named", role="alleged_perpetrator")
    _link(store, cases[1], ann, "complainant")
    _link(store, cases[2], ann, "victim")
    _link(store, cases[2], bob, "alleged_perpetrator")
    _report(store, cases[0], dt(2026, 1, 2), place_id=place.id)
    _report(store, cases[0], dt(2026, 1, 3), place_id=place.id)
    _report(store, cases[1], dt(2026, 2, 2), place_id=place.id)
    _report(store, cases[2], dt(2026, 5, 30), place_id=place.id)
    return store, cases, ann, bob, place.id


def test_flags_are_counted_across_cases(pattern):
    store, cases, ann, bob, place = pattern
    with store.read() as s:
        people = store_repeats.for_people(s, [ann, bob])
        places = store_repeats.for_places(s, [place])
    assert [(f.kind, f.count) for f in people[ann]] == [("victim", 4)]
    assert [(f.kind, f.count) for f in people[bob]] == [("perpetrator", 2)]
    assert places[place].count == 3
    # each case carries the marks of its people and places
    marks = store_repeats.marks(store, cases)
    assert marks[cases[0]] == {"victim", "perpetrator", "place"}
    assert marks[cases[1]] == {"victim", "place"}
    assert store_repeats.mark_text(marks[cases[0]]) == "victim, perpetrator, place"
    subjects = store_repeats.for_case(store, cases[2])
    assert [(x.kind, x.name) for x in subjects] == [
        ("person", "Ann Victim"), ("person", "Bob Named"), ("place", "Bitts Park, Carlisle"),
    ]  # fmt: skip
    assert subjects[0].describe() == [
        "Repeat victim – Ann Victim: 4 reports from 02/01/2026 to 30/05/2026 (3 or more in "
        "6 months)."
    ]
    with store.read() as s:
        assert store_repeats.read_counts(s, cases) == {"victim": 1, "perpetrator": 1, "place": 1}


def test_below_the_thresholds_nothing_is_flagged(pattern):
    store, cases, ann, bob, place = pattern
    strict = Rules(Threshold(5, 6), Threshold(3, 12), Threshold(4, 12))
    with store.read() as s:
        assert store_repeats.for_people(s, [ann, bob], strict) == {}
        assert store_repeats.for_places(s, [place], strict) == {}
        assert store_repeats.read_marks(s, cases, strict) == {}


def test_a_voided_case_no_longer_counts(pattern):
    store, cases, ann, bob, place = pattern
    from hubapp.store.schema import Case

    with store.write() as s:
        s.get(Case, cases[2]).voided = True
    with store.read() as s:
        people = store_repeats.for_people(s, [ann, bob])
        assert [(f.kind, f.count) for f in people[ann]] == [("victim", 3)]
        assert bob not in people  # one case left
        assert store_repeats.for_places(s, [place]) == {}  # two cases left


def test_a_partner_counts_only_the_cases_they_may_see(pattern):
    """A partner whose agency has a part in the first case only: the other cases are not
    counted, so a flag never tells them of a case kept from them."""
    from casework import STAFF_PASSWORD, agency_id

    from hubapp.store import accounts
    from hubapp.store.accounts import AccountDraft
    from hubapp.store.casework import assignments

    store, cases, ann, bob, place = pattern
    council = agency_id(store, "CUMBERLAND")
    assignments.set_role(store, cases[0], council, "lead")
    for c in cases[1:]:
        assignments.set_role(store, c, agency_id(store, "POLICE"), "lead")
    accounts.create_account(store, AccountDraft("admin", "Ada Admin", "administrator"),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    with store.read() as s:
        assert [f.count for f in store_repeats.for_people(s, [ann])[ann]] == [4]
    accounts.create_account(
        store, AccountDraft("pat", "Pat Partner", "partner", council), STAFF_PASSWORD
    )
    accounts.sign_in(store, "pat", STAFF_PASSWORD)
    with store.read() as s:
        assert store_repeats.for_people(s, [ann, bob]) == {}  # two reports, one case each
        assert store_repeats.for_places(s, [place]) == {}
    assert store_repeats.marks(store, cases) == {}
    assert store_repeats.for_case(store, cases[0]) == []
