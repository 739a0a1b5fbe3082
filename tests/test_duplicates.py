"""Repeat and duplicate suggestions: same place or same person, open, last 90 days; SQL over
indexes."""

from __future__ import annotations

from datetime import datetime, timedelta

from test_intake import NOW, good

from hubapp.store.intake import duplicates
from hubapp.store.intake import form as intake
from hubapp.store.intake.form import IntakeForm, PersonEntry
from hubapp.store.schema import Case


def _save(store, **overrides):
    return intake.save(store, good(**overrides), now=NOW)


def refs(found):
    return [s.reference for s in found]


def test_same_place_by_name_inside_the_typed_location_or_by_postcode(store):
    first = _save(store, location="Charlotte Street", postcode="CA2 4PL")
    by_name = duplicates.suggest_for(
        store, IntakeForm(location="Outside 12 Charlotte St", town="Carlisle"), now=NOW
    )
    assert refs(by_name) == [first.reference]
    assert by_name[0].reasons == ("Same place: Charlotte Street, Carlisle",)
    by_postcode = duplicates.suggest_for(store, IntakeForm(postcode="ca24pl"), now=NOW)
    assert refs(by_postcode) == [first.reference]
    assert duplicates.suggest_for(store, IntakeForm(location="Charlotte Terrace"), now=NOW) == []
    # the same street name in another town is not the same place
    other_town = IntakeForm(location="Charlotte Street", town="Kendal")
    assert duplicates.suggest_for(store, other_town, now=NOW) == []


def test_same_person_by_name_phone_or_email(store):
    first = _save(
        store, location="Somewhere else entirely",
        people=[PersonEntry(role="victim", full_name="Maureen Tyson", phone="07700 900456",
                            email="M.Tyson@example.org")],
    )  # fmt: skip
    for typed in (
        PersonEntry(full_name="maureen  TYSON"),
        PersonEntry(full_name="M T", phone="07700900456"),
        PersonEntry(full_name="M T", phone="+44 7700 900456"),
        PersonEntry(full_name="M T", email="m.tyson@EXAMPLE.org"),
    ):
        found = duplicates.suggest_for(store, IntakeForm(people=[typed]), now=NOW)
        assert refs(found) == [first.reference], typed
        assert "(victim)" in found[0].reasons[0]
    # the reporter counts too, unless anonymous
    form = IntakeForm(reporter_name="Maureen Tyson")
    assert refs(duplicates.suggest_for(store, form, now=NOW)) == [first.reference]
    form.reporter_anonymous = True
    assert duplicates.suggest_for(store, form, now=NOW) == []
    assert duplicates.suggest_for(store, IntakeForm(people=[PersonEntry(full_name="Maureen")]),
                                  now=NOW) == []  # fmt: skip


def test_only_open_cases_of_the_last_90_days(store):
    recent = _save(store)
    old = intake.save(store, good(received="01/06/2026 10:00", incident=""), now=NOW)
    closed = _save(store)
    with store.write(reason="test") as s:
        s.get(Case, closed.case_id).status = "closed"
    found = duplicates.suggest_for(store, IntakeForm(location="Bitts Park, by the play area"),
                                   now=NOW)  # fmt: skip
    assert refs(found) == [recent.reference]
    # a further report within 90 days brings an older case back into view
    intake.save(store, good(received="25/11/2026 13:00", incident=""), attach_to=old.case_id,
                now=NOW)  # fmt: skip
    found = duplicates.suggest_for(store, IntakeForm(location="Bitts Park, by the play area"),
                                   now=NOW)  # fmt: skip
    assert set(refs(found)) == {recent.reference, old.reference}
    later = NOW + timedelta(days=91)
    assert duplicates.suggest_for(store, IntakeForm(location="Bitts Park, by the play area"),
                                  now=later) == []  # fmt: skip


def test_stronger_matches_come_first(store):
    place_only = _save(store)
    both = _save(store, people=[PersonEntry(role="victim", full_name="Ann Example")])
    form = IntakeForm(location="Bitts Park, by the play area",
                      people=[PersonEntry(full_name="Ann Example")])  # fmt: skip
    found = duplicates.suggest_for(store, form, now=NOW)
    assert refs(found) == [both.reference, place_only.reference]
    assert len(found[0].reasons) == 2


def test_an_empty_form_asks_nothing(store):
    _save(store)
    assert duplicates.query_for(IntakeForm()).is_empty
    assert duplicates.suggest_for(store, IntakeForm(summary="x"), now=NOW) == []


def test_the_look_ups_use_the_indexes(store):
    """Person look-ups go through the expression indexes (no scan of every person)."""
    from sqlalchemy import text

    with store.read() as s:
        for where, index in (
            ("lower(person.full_name) = 'x'", "ix_person_name_key"),
            ("replace(person.phone, ' ', '') IN ('1', '2')", "ix_person_phone_key"),
            ("lower(person.email) = 'x'", "ix_person_email_key"),
        ):
            plan = " ".join(
                str(r[-1])
                for r in s.execute(text(f"EXPLAIN QUERY PLAN SELECT id FROM person WHERE {where}"))
            )
            assert index in plan, plan


def test_fast_enough_on_the_demo_database(demo_store):
    """A smoke check of the shape (the benchmark measures 100,000 cases): real demo people
    and places are found."""
    import time

    from sqlalchemy import select

    from hubapp.store.schema import CasePerson, Person

    with demo_store.read() as s:
        case = s.scalars(select(Case).where(Case.status != "closed")
                         .order_by(Case.received_at.desc())).first()  # fmt: skip
        name = s.scalar(select(Person.full_name).join(CasePerson, CasePerson.person_id == Person.id)
                        .where(CasePerson.case_id == case.id))  # fmt: skip
    form = IntakeForm(location=case.location, town=case.town,
                      people=[PersonEntry(full_name=name or "")])  # fmt: skip
    started = time.perf_counter()
    found = duplicates.suggest_for(demo_store, form, now=case.received_at + timedelta(days=1))
    assert time.perf_counter() - started < 1.0
    assert case.reference in refs(found) or len(found) == duplicates.LIMIT
    assert all(isinstance(s.last_report_at, datetime) for s in found)
