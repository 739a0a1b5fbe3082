"""Intake core: validation (one sentence per field), normalisation, saving a new case or a
further contact in one transaction. Real SQLite, no Qt."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from casework import audit_count
from sqlalchemy import func, select

from hubapp.store.intake import drafts
from hubapp.store.intake import form as intake
from hubapp.store.intake.form import IntakeError, IntakeForm, PersonEntry
from hubapp.store.schema import (
    Case,
    CasePerson,
    CasePlace,
    Contact,
    IntakeDraft,
    Person,
    Place,
    RiskAssessment,
)

# 14:00 UTC on 25/11/2026 is 14:00 in the UK (GMT)
NOW = datetime(2026, 11, 25, 14, 0)


def good(**overrides) -> IntakeForm:
    values = dict(
        hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="25/11/2026 13:40",
        incident="24/11/2026 22:15", location="Bitts Park, by the play area", town="Carlisle",
        postcode="ca3 8ux", summary="Youths on motorbikes in Bitts Park",
        details="Caller says it happens every evening.\nThree bikes, no helmets.",
    )  # fmt: skip
    values.update(overrides)
    return IntakeForm(**values)


def fields(problems) -> dict[str, str]:
    return {p.field: p.message for p in problems}


def test_a_good_form_has_no_problems():
    assert intake.validate(good(), NOW) == []


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"category": ""}, "category", "Choose a category"),
        ({"channel": ""}, "channel", "how the report came in"),
        ({"hub": ""}, "hub", "hub"),
        ({"received": ""}, "received", "Give the date"),
        ({"received": "26/11/2026 09:00"}, "received", "future"),
        ({"received": "31/02/2026 09:00"}, "received", "There is no date 31/02/2026"),
        ({"received": "next tuesday"}, "received", "dd/mm/yyyy"),
        ({"received": "25/11/2026 25:00"}, "received", "24-hour clock"),
        ({"received": "25/11/1999 10:00"}, "received", "before 2000"),
        ({"incident": "25/11/2026 13:50"}, "incident", "after the report was received"),
        ({"incident": "30/11/2026"}, "incident", "future"),
        ({"location": "  "}, "location", "Say where"),
        ({"postcode": "CA1"}, "postcode", "not a UK postcode"),
        ({"postcode": "1AA CA1"}, "postcode", "not a UK postcode"),
        ({"grid_ref": "NY 40055"}, "grid_ref", "OS grid reference"),
        ({"grid_ref": "XX 400 560"}, "grid_ref", "OS grid reference"),
        ({"grid_ref": "NY 4000 560"}, "grid_ref", "even number"),
        ({"summary": ""}, "summary", "one-line summary"),
        ({"summary": "x" * 201}, "summary", "201 characters, at most 200"),
        ({"details": "x" * 20_001}, "details", "at most 20,000"),
        ({"reporter_email": "not-an-email"}, "reporter_email", "not an email"),
        ({"reporter_phone": "call me"}, "reporter_phone", "not a phone number"),
        ({"reporter_anonymous": True, "reporter_name": "Ann"}, "reporter_anonymous", "anonymous"),
        ({"consent_to_contact": True}, "consent_to_contact", "phone number, email or address"),
        ({"police_log": "9" * 41}, "police_log", "too long"),
    ],
)
def test_each_bad_input_gets_one_sentence_on_its_field(overrides, field, words):
    problems = fields(intake.validate(good(**overrides), NOW))
    assert list(problems) == [field]
    assert words in problems[field]
    assert problems[field].endswith((".", "”."))


def test_people_problems_name_the_person_and_field():
    form = good(people=[
        PersonEntry(role="victim", full_name="Ann Smith"),
        PersonEntry(role="witness", full_name="", phone="07700 900123"),
        PersonEntry(role="nobody", full_name="Bob", email="bob@"),
        PersonEntry(),  # a blank row is ignored
    ])  # fmt: skip
    problems = fields(intake.validate(form, NOW))
    assert set(problems) == {"people.1.full_name", "people.2.role", "people.2.email"}
    assert problems["people.1.full_name"].startswith("Person 2:")


def test_attaching_needs_no_hub_or_category():
    form = good(hub="", category="")
    assert set(fields(intake.validate(form, NOW))) == {"hub", "category"}
    assert intake.validate(form, NOW, attaching=True) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ca11aa", "CA1 1AA"), ("CA1 1AA", "CA1 1AA"), (" la9  4pb ", "LA9 4PB"),
        ("sw1a1aa", "SW1A 1AA"), ("ec1a 1bb", "EC1A 1BB"), ("", ""), ("CA1", None),
        ("CA1 1AI", None), ("12345", None),
    ],
)  # fmt: skip
def test_postcodes_are_written_the_standard_way(typed, expected):
    assert intake.normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("ny408566", "NY 408 566"), ("NY 40800 56600", "NY 40800 56600"), ("sd 1 2", "SD 1 2"),
     ("NY", None), ("NY 123", None), ("IA 400 560", None), ("NI 400 560", None)],
)  # fmt: skip
def test_grid_references(typed, expected):
    assert intake.normalise_grid_ref(typed) == expected


@pytest.mark.parametrize(
    ("typed", "local"),
    [
        ("25/11/2026 13:40", datetime(2026, 11, 25, 13, 40)),
        ("25/11/26 13.40", datetime(2026, 11, 25, 13, 40)),
        ("1/6/2026 0930", datetime(2026, 6, 1, 9, 30)),
        ("25-11-2026", datetime(2026, 11, 25, 0, 0)),
        ("2026-11-25T13:40", datetime(2026, 11, 25, 13, 40)),
        ("today 9:05", datetime(2026, 11, 25, 9, 5)),
        ("yesterday 21:00", datetime(2026, 11, 24, 21, 0)),
        ("13:40", datetime(2026, 11, 25, 13, 40)),
    ],
)
def test_quick_date_entry(typed, local):
    from hubapp.domain.formatting import to_local

    value = intake.parse_when(typed, NOW)
    assert to_local(value).replace(tzinfo=None) == local


def test_summer_time_is_stored_as_utc():
    assert intake.parse_when("01/06/2026 09:30", NOW) == datetime(2026, 6, 1, 8, 30)
    assert intake.parse_when("now", NOW) == NOW


def _count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_save_makes_a_case_with_contact_people_reporter_and_place(store):
    form = good(
        reporter_name="Maureen Tyson", reporter_phone="07700 900456", consent_to_contact=True,
        people=[PersonEntry(role="victim", full_name="Maureen Tyson"),
                PersonEntry(role="alleged_perpetrator", full_name="unknown male, about 16")],
        police_log="CUM-20261125-0412", council_ref="ASB/2026/118",
    )  # fmt: skip
    before = audit_count(store)
    saved = intake.save(store, form, now=NOW)
    assert saved.reference == "CAR-2026-0001" and not saved.attached
    with store.read() as s:
        case = s.get(Case, saved.case_id)
        assert (case.summary, case.location, case.town, case.postcode) == (
            "Youths on motorbikes in Bitts Park", "Bitts Park, by the play area", "Carlisle",
            "CA3 8UX",
        )  # fmt: skip
        assert case.details == "Caller says it happens every evening.\nThree bikes, no helmets."
        assert case.received_at == datetime(2026, 11, 25, 13, 40)
        assert case.incident_at == datetime(2026, 11, 24, 22, 15)
        assert (case.police_log_ref, case.council_ref, case.status) == (
            "CUM-20261125-0412",
            "ASB/2026/118",
            "new",
        )
        contact = s.get(Contact, saved.contact_id)
        assert contact.case_id == case.id and contact.consent_to_contact
        assert contact.place_id == case.place_id
        assert contact.external_ref == "CUM-20261125-0412"
        assert contact.summary.startswith("Youths on motorbikes in Bitts Park\n\nCaller says")
        roles = sorted(
            (p.full_name, cp.role)
            for cp, p in s.execute(
                select(CasePerson, Person)
                .join(Person, Person.id == CasePerson.person_id)
                .where(CasePerson.case_id == case.id)
            )
        )
        # the reporter is the victim: one person, two roles
        assert roles == [("Maureen Tyson", "reporter"), ("Maureen Tyson", "victim"),
                         ("unknown male, about 16", "alleged_perpetrator")]  # fmt: skip
        reporter = s.get(Person, contact.reporter_person_id)
        assert reporter.full_name == "Maureen Tyson"
        assert s.scalar(select(func.count()).where(CasePlace.case_id == case.id)) == 1
    assert audit_count(store) > before


def test_a_place_typed_again_is_the_same_place(store):
    intake.save(store, good(), now=NOW)
    intake.save(store, good(location="BITTS PARK, by the play area", postcode="CA3 8UX"), now=NOW)
    assert _count(store, Place) == 1


def test_anonymous_reports_record_no_reporter(store):
    saved = intake.save(store, good(reporter_anonymous=True), now=NOW)
    with store.read() as s:
        contact = s.get(Contact, saved.contact_id)
        assert contact.anonymous and contact.reporter_person_id is None
    assert _count(store, Person) == 0


def test_a_bad_form_writes_nothing(store):
    before = (_count(store, Case), audit_count(store))
    with pytest.raises(IntakeError) as caught:
        intake.save(store, good(category="", postcode="nonsense"), now=NOW)
    assert {p.field for p in caught.value.problems} == {"category", "postcode"}
    assert (_count(store, Case), audit_count(store)) == before


def test_an_unknown_or_retired_category_is_refused_on_its_field(store):
    with pytest.raises(IntakeError) as caught:
        intake.save(store, good(category="no_such_thing"), now=NOW)
    assert caught.value.problems[0].field == "category"
    assert _count(store, Case) == 0


def test_attach_adds_a_further_contact_and_no_case(store):
    first = intake.save(store, good(), now=NOW)
    again = good(
        channel="online_form", received="25/11/2026 13:55", location="Bitts Park",
        summary="Bikes again tonight", details="", police_log="CUM-1",
        people=[PersonEntry(role="witness", full_name="Sam Hill")],
    )  # fmt: skip
    saved = intake.save(store, again, attach_to=first.case_id, now=NOW)
    assert saved.attached and saved.reference == first.reference
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        contacts = s.scalars(select(Contact).where(Contact.case_id == first.case_id)).all()
        assert sorted(c.summary for c in contacts)[0] == "Bikes again tonight"
        case = s.get(Case, first.case_id)
        assert case.summary == "Youths on motorbikes in Bitts Park"  # the case keeps its own
        assert case.police_log_ref == "CUM-1"  # a reference it lacked is filled in
        assert s.scalar(select(func.count()).where(CasePlace.case_id == case.id)) == 2
        assert s.scalar(select(func.count()).where(CasePerson.case_id == case.id)) == 1


def test_attach_to_a_closed_case_is_refused(store):
    first = intake.save(store, good(), now=NOW)
    with store.write(reason="test") as s:
        s.get(Case, first.case_id).status = "closed"
    with pytest.raises(IntakeError) as caught:
        intake.save(store, good(), attach_to=first.case_id, now=NOW)
    assert caught.value.problems[0].field == "attach_to"
    assert "closed" in str(caught.value)
    assert _count(store, Contact) == 1


def test_saving_deletes_the_draft_in_the_same_transaction(store):
    form = good()
    draft_id = drafts.write(store, form)
    intake.save(store, form, draft_id=draft_id, now=NOW)
    assert _count(store, IntakeDraft) == 0
    # a failed save keeps the draft
    draft_id = drafts.write(store, form)
    with pytest.raises(IntakeError):
        intake.save(store, good(summary=""), draft_id=draft_id, now=NOW)
    assert _count(store, IntakeDraft) == 1


def test_a_victims_risk_questionnaire_is_recorded_with_the_case(store):
    from hubapp.store.casework import risk

    answers = {q.code: "no" for q in risk.questionnaire().questions}
    answers["threats"] = "yes"
    form = good(people=[PersonEntry(role="victim", full_name="Ann", risk_answers=answers)])
    saved = intake.save(store, form, now=NOW)
    with store.read() as s:
        case = s.get(Case, saved.case_id)
        assert case.risk_level == "high"
        assert case.next_review_on == date(2026, 11, 25) + timedelta(days=14)
        assert s.scalar(select(func.count()).select_from(RiskAssessment)) == 1


def test_a_form_round_trips_through_a_dict():
    form = good(people=[PersonEntry(role="witness", full_name="<b>Sam</b> 😀",
                                    risk_answers={"fear": "yes"})])  # fmt: skip
    assert IntakeForm.from_dict(form.to_dict()) == form
    odd = IntakeForm.from_dict({"summary": 5, "people": [None, {"full_name": None}], "x": 1})
    assert odd.summary == "5" and odd.people[0].full_name == ""
