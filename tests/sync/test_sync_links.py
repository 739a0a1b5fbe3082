"""Linked cases (issue 16) between two stations of one hub, through a real central database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from syncutil import assert_replica_equals_central

from hubapp.store.casework import caseview, links
from hubapp.store.refdata import ref_id
from hubapp.store.schema import CasePerson, CaseStatusChange, Contact, Person


def _contacts(station, case_id, *summaries: str, reporter=None) -> None:
    with station.store.write(reason="test") as s:
        for day, summary in enumerate(summaries, start=2):
            s.add(Contact(id=uuid.uuid4(), case_id=case_id,
                          channel_id=ref_id("channel", "call_101"),
                          received_at=datetime(2026, 11, day, 21, 0), summary=summary,
                          reporter_person_id=reporter))  # fmt: skip


def _live(station, case_id) -> list[str]:
    with station.store.read() as s:
        return sorted(s.scalars(select(Contact.summary).where(Contact.case_id == case_id,
                                                              Contact.voided.is_(False))))  # fmt: skip


def test_a_link_made_on_one_station_shows_on_the_other(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    kept, other = a.new_case("Bikes in Bitts Park"), a.new_case("Bikes on the river path")
    a.sync(), b.sync()
    done = links.link(a.store, kept, other, "related", "The same riders")
    a.sync(), b.sync()
    [here] = caseview.load(b.store, kept).links
    [there] = caseview.load(b.store, other).links
    assert here.id == there.id == done.link_id
    assert (here.other_reference, here.reason, here.made_here) == (
        a.case(other).reference, "The same riders", True)  # fmt: skip
    assert any(e.kind == "link" for e in caseview.load(b.store, other).timeline)
    # and one made on the second station comes back to the first
    third = b.new_case("Graffiti on the toilet block")
    b.sync()
    links.link(b.store, third, kept, "related", "The same park")
    b.sync(), a.sync()
    assert {x.reason for x in caseview.load(a.store, kept).links} == {"The same riders",
                                                                       "The same park"}  # fmt: skip
    for st in (a, b):
        assert_replica_equals_central(st)


def test_the_same_problem_moves_the_contacts_and_closes_the_case_on_the_other_station(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    kept, other = a.new_case("Bikes in Bitts Park"), a.new_case("Bikes on the river path")
    with a.store.write(reason="test") as s:
        reporter = Person(id=uuid.uuid4(), full_name="Rhona Reporter")
        s.add(reporter)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=other, person_id=reporter.id,
                         role="complainant"))  # fmt: skip
    _contacts(a, kept, "First report")
    _contacts(a, other, "Bikes again", "Bikes at night", reporter=reporter.id)
    a.sync(), b.sync()
    assert (_live(b, kept), len(_live(b, other))) == (["First report"], 2)

    done = links.link(a.store, kept, other, "same_problem", "The same riders",
                      move_contacts=True)  # fmt: skip
    assert (done.moved, done.closed) == (2, True)
    a.sync(), b.sync()
    assert _live(b, kept) == ["Bikes again", "Bikes at night", "First report"]
    assert _live(b, other) == []
    closed = b.case(other)
    assert (closed.status, closed.outcome) == ("closed", "duplicate")
    assert a.case(kept).reference in closed.closure_rationale
    with b.store.read() as s:
        assert s.scalar(select(func.count()).select_from(CaseStatusChange)
                        .where(CaseStatusChange.case_id == other)) == 1  # fmt: skip
        assert s.scalar(select(CasePerson.role).where(CasePerson.case_id == kept,
                                                      CasePerson.person_id == reporter.id)) \
            == "reporter"  # fmt: skip
    view = caseview.load(b.store, kept)
    [line] = view.links
    assert (line.kind, line.other_status, line.other_outcome) == ("same_problem", "closed",
                                                                  "duplicate")  # fmt: skip
    moved = [e.text for e in view.timeline if e.kind == "link"]
    assert moved and moved[0].startswith("2 contacts moved here")
    a.sync()
    for st in (a, b):
        assert_replica_equals_central(st)
