"""Intake links people already known instead of copying them (issue 16): a person chosen on
the form is linked to the case, their empty details filled from what was typed and none
replaced; only people on a case the account sees, not voided and not locked down from it,
may be linked; the suggestions while typing, with repeat flags, keep to who sees whom. Real
encrypted SQLite, no Qt."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from casework import STAFF_PASSWORD, add_person, agency_id, audit_count, new_case
from sqlalchemy import func, select

from hubapp.store import accounts
from hubapp.store.accounts import AccountDraft
from hubapp.store.casework import assignments, people
from hubapp.store.intake import drafts, duplicates
from hubapp.store.intake import form as intake
from hubapp.store.intake.form import IntakeError, IntakeForm, PersonEntry
from hubapp.store.schema import (
    AuditEntry,
    Case,
    CasePerson,
    Channel,
    Contact,
    Note,
    Person,
    Place,
)

NOW = datetime(2026, 11, 25, 14, 0)


def good(**overrides) -> IntakeForm:
    values = dict(
        hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="25/11/2026 13:40",
        location="Bitts Park, by the play area", town="Carlisle",
        summary="Youths on motorbikes in Bitts Park",
    )  # fmt: skip
    values.update(overrides)
    return IntakeForm(**values)


def count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def report(store, case_id, received, place_id=None) -> None:
    with store.write() as s:
        channel = s.scalar(select(Channel.id).limit(1))
        s.add(Contact(case_id=case_id, channel_id=channel, received_at=received,
                      place_id=place_id))  # fmt: skip


@pytest.fixture
def known(store):
    """William Armstrong on two cases (an alleged perpetrator on the first, a victim on the
    second); Harry Hart and Lorna Quayle (locked down) on the second only; a voided person
    on the first."""
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002", received_at=datetime(2026, 6, 1, 9))
    william = add_person(store, first, "William Armstrong", role="alleged_perpetrator",
                         phone="016973 20145", address="4 Eden Street, Carlisle CA3 9LS")  # fmt: skip
    with store.write() as s:
        s.add(CasePerson(case_id=second, person_id=william, role="victim"))
    lorna = add_person(store, second, "Lorna Quayle", phone="07700 900555", locked_down=True)
    harry = add_person(store, second, "Harry Hart", phone="07700 900777")
    voided = add_person(store, first, "Vic Voided")
    with store.write() as s:
        s.get(Person, voided).voided = True
    return {"first": first, "second": second, "william": william, "lorna": lorna,
            "harry": harry, "voided": voided}  # fmt: skip


@pytest.fixture
def partner(store, known):
    """A partner of the council, which has a part in the first case only (the police lead
    the second)."""
    council = agency_id(store, "CUMBERLAND")
    assignments.set_role(store, known["first"], council, "lead")
    assignments.set_role(store, known["second"], agency_id(store, "POLICE"), "lead")
    accounts.create_account(store, AccountDraft("admin", "Ada Admin", "administrator"),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    accounts.create_account(
        store, AccountDraft("pat", "Pat Partner", "partner", council), STAFF_PASSWORD
    )
    accounts.sign_in(store, "pat", STAFF_PASSWORD)


def roles_on(store, case_id) -> list[tuple[uuid.UUID, str]]:
    with store.read() as s:
        return sorted(s.execute(select(CasePerson.person_id, CasePerson.role)
                                .where(CasePerson.case_id == case_id)).all())  # fmt: skip


# --- saving --------------------------------------------------------------------------------


def test_a_chosen_person_is_linked_not_copied(store, known):
    william = known["william"]
    before = count(store, Person)
    form = good(people=[PersonEntry(role="victim", full_name="Bill Armstrong",
                                    phone="07700 900999", email="bill@example.org",
                                    address="4 eden street,  carlisle CA3 9LS",
                                    person_id=william.hex)])  # fmt: skip
    saved = intake.save(store, form, now=NOW)
    assert count(store, Person) == before
    assert roles_on(store, saved.case_id) == [(william, "victim")]
    with store.read() as s:
        person = s.get(Person, william)
        # the empty detail filled in; the stored name and phone kept; the address the same
        assert (person.full_name, person.phone, person.email, person.address) == (
            "William Armstrong", "016973 20145", "bill@example.org",
            "4 Eden Street, Carlisle CA3 9LS",
        )  # fmt: skip
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "combination")).one()
        note = s.scalars(select(Note).where(Note.case_id == saved.case_id)).one()
    assert entry.record_ids == [str(william)]
    assert entry.details["filled"] == {str(william): ["email"]}
    assert entry.details["kept"] == {str(william): ["full_name", "phone"]}
    assert "07700" not in str(entry.details) and "Bill" not in str(entry.details)  # no values
    # what was typed otherwise is kept on the case, not lost
    assert note.body == (
        f"Given on this report for William Armstrong ({people.reference(william)}), otherwise "
        "than stored (the stored details were kept): name Bill Armstrong; phone 07700 900999."
    )


def test_a_chosen_reporter_is_linked_and_may_be_a_person_of_the_report_too(store, known):
    william = known["william"]
    before = count(store, Person)
    form = good(reporter_name="William Armstrong", reporter_phone="016973 20145",
                reporter_person_id=william.hex,
                people=[PersonEntry(role="victim", full_name="William Armstrong"),
                        PersonEntry(role="witness", full_name="Sam Hill")])  # fmt: skip
    saved = intake.save(store, form, now=NOW)
    with store.read() as s:
        assert s.get(Contact, saved.contact_id).reporter_person_id == william
        sam = s.scalar(select(Person.id).where(Person.full_name == "Sam Hill"))
    assert count(store, Person) == before + 1  # Sam only
    # the reporter named again as the victim: one person, two roles
    assert roles_on(store, saved.case_id) == sorted(
        [(william, "reporter"), (william, "victim"), (sam, "witness")]
    )
    # nothing differed: no note
    assert count(store, Note) == 0


def test_a_person_already_on_the_case_is_not_added_twice(store, known):
    first = intake.save(store, good(people=[PersonEntry(role="victim", full_name="Ann Example")]),
                        now=NOW)  # fmt: skip
    [(ann, _role)] = roles_on(store, first.case_id)
    again = good(summary="Bikes again", people=[
        PersonEntry(role="victim", full_name="Ann Example", person_id=ann.hex),
        PersonEntry(role="witness", full_name="Ann Example", person_id=ann.hex)])  # fmt: skip
    intake.save(store, again, attach_to=first.case_id, now=NOW)
    assert roles_on(store, first.case_id) == [(ann, "victim"), (ann, "witness")]


def test_a_person_a_partner_may_not_see_is_refused_and_nothing_written(store, known, partner):
    state = (count(store, Case), count(store, Person), count(store, CasePerson), audit_count(store))
    form = good(people=[PersonEntry(role="witness", full_name="Sam Hill"),
                        PersonEntry(role="victim", full_name="Harry Hart",
                                    person_id=known["harry"].hex)],
                reporter_name="Lorna", reporter_person_id=known["lorna"].hex)  # fmt: skip
    with pytest.raises(IntakeError) as caught:
        intake.save(store, form, now=NOW)
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("reporter_name", intake.NOT_LINKABLE),
        ("people.1.full_name", "Person 2: that person is no longer on a case you can see; "
                               "clear the link or save them as new."),
    ]  # fmt: skip
    assert (count(store, Case), count(store, Person), count(store, CasePerson),
            audit_count(store)) == state  # fmt: skip


def test_a_voided_person_is_refused(store, known):
    form = good(people=[PersonEntry(role="victim", full_name="Vic", person_id=known["voided"].hex)])
    with pytest.raises(IntakeError, match="no longer on a case you can see"):
        intake.save(store, form, now=NOW)
    assert count(store, Case) == 2


def test_a_person_locked_down_from_the_account_is_refused(store, known, partner):
    # the council has a part in the second case now: Lorna is on a case Pat sees, but her
    # details are not for a partner
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    assignments.set_role(store, known["second"], agency_id(store, "CUMBERLAND"), "support")
    accounts.sign_in(store, "pat", STAFF_PASSWORD)
    form = good(reporter_name="Lorna Quayle", reporter_person_id=known["lorna"].hex)
    with pytest.raises(IntakeError) as caught:
        intake.save(store, form, now=NOW)
    assert caught.value.problems[0].message == intake.LOCKED_LINK
    assert count(store, Case) == 2


def test_a_link_that_is_not_an_id_is_a_problem_beside_the_name():
    problems = intake.validate(good(people=[PersonEntry(full_name="Ann", person_id="P-12")]),
                               NOW)  # fmt: skip
    assert [(p.field, p.message.count(".")) for p in problems] == [("people.0.full_name", 1)]
    assert intake.validate(good(reporter_person_id=uuid.uuid4().hex), NOW) == []
    assert intake.validate(good(reporter_person_id=str(uuid.uuid4())), NOW) == []
    [problem] = intake.validate(good(reporter_person_id="nonsense"), NOW)
    assert problem.field == "reporter_name"


def test_links_travel_in_drafts_and_an_old_draft_still_opens(store, known):
    form = good(reporter_person_id=known["william"].hex, reporter_name="William Armstrong",
                people=[PersonEntry(full_name="Lorna", person_id=known["lorna"].hex)])  # fmt: skip
    draft_id = drafts.write(store, form)
    assert drafts.load(store, draft_id) == form
    old = form.to_dict()
    del old["reporter_person_id"]
    for p in old["people"]:
        del p["person_id"]
    loaded = IntakeForm.from_dict(old)
    assert loaded.reporter_person_id == "" and loaded.people[0].person_id == ""
    assert loaded.people[0].full_name == "Lorna"


def test_the_stored_details_are_compared_however_they_are_written():
    stored = {"full_name": "Siân O'Brien", "phone": "07700 900123", "email": "S@Example.org",
              "address": ""}  # fmt: skip
    typed = {"full_name": "sian obrien", "phone": "+44 7700 900123", "email": "s@example.ORG",
             "address": "4 Eden Street"}  # fmt: skip
    assert intake.compare_linked(stored, typed) == ({"address": "4 Eden Street"}, {})
    assert intake.compare_linked(stored, {"phone": "07700 900999"}) == (
        {}, {"phone": "07700 900123"})  # fmt: skip


# --- suggestions while typing -------------------------------------------------------------


def typed(**slots) -> tuple[people.Typed, ...]:
    return tuple(people.Typed(slot, *values) for slot, values in slots.items())


def test_suggestions_by_name_short_form_phone_and_email(store, known):
    found = people.suggest_for_intake(store, typed(
        reporter=("Bill Armstrong",), **{"people.0": ("", "01697320145"),
                                         "people.1": ("", "", "nobody@example.org")}))  # fmt: skip
    [bill] = found["reporter"]
    assert (bill.id, bill.name, bill.cases, bill.roles) == (
        known["william"],
        "William Armstrong",
        2,
        ("alleged_perpetrator", "victim"),
    )
    assert bill.matched == "name" and bill.latest == datetime(2026, 6, 1, 9)
    assert (bill.phone, bill.email, bill.address) == ("", "", "")  # no details while typing
    assert [h.matched for h in found["people.0"]] == ["phone"]
    assert found["people.1"] == ()
    # too little typed: nothing asked
    assert people.suggest_for_intake(store, typed(reporter=("Wi", "0169"))) == {}


def test_a_phone_number_typed_comes_before_the_name(store, known):
    other = add_person(store, known["first"], "William Armstrong", phone="07700 900321")
    [hit] = people.suggest_for_intake(store, typed(reporter=("William Armstrong",
                                                             "07700 900321")))["reporter"]  # fmt: skip
    assert hit.id == other


def test_suggestions_carry_the_repeat_flags(store, known):
    for day in (3, 10, 24):
        report(store, known["second"], datetime(2026, 6, day, 9))
    [hit] = people.suggest_for_intake(store, typed(reporter=("william",)))["reporter"]
    assert [f.describe() for f in hit.flags] == [
        "Repeat victim: 3 reports from 03/06/2026 to 24/06/2026 (3 or more in 6 months)."
    ]


def test_locked_down_and_unseen_people_are_never_suggested(store, known, partner):
    assert people.suggest_for_intake(store, typed(reporter=("Lorna Quayle", "07700 900555"))
                                     ) == {"reporter": ()}  # fmt: skip
    assert people.suggest_for_intake(store, typed(reporter=("Harry",))) == {"reporter": ()}
    assert people.suggest_for_intake(store, typed(reporter=("", "07700 900777"))
                                     ) == {"reporter": ()}  # fmt: skip
    [william] = people.suggest_for_intake(store, typed(reporter=("William",)))["reporter"]
    assert william.cases == 1  # the case Pat sees
    # a coordinator may see Lorna's details: suggested, marked locked down
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    accounts.create_account(store, AccountDraft("cat", "Cat Coordinator", "coordinator"),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "cat", STAFF_PASSWORD)
    [lorna] = people.suggest_for_intake(store, typed(reporter=("Lorna",)))["reporter"]
    assert lorna.locked_down and lorna.id == known["lorna"]


def test_the_details_for_linking_are_read_audited_and_kept_to_who_may_link(store, known, partner):
    before = audit_count(store)
    found = people.for_linking(store, [known["harry"], known["lorna"], known["voided"],
                                       uuid.uuid4()])  # fmt: skip
    assert found == {}
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    found = people.for_linking(store, [known["william"], known["voided"]])
    assert list(found) == [known["william"]]
    assert found[known["william"]].phone == "016973 20145"
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (entry.kind, entry.record_ids) == ("consultation", [str(known["william"])])
    assert audit_count(store) > before


def test_the_form_asks_for_every_slot_not_linked(known):
    form = good(reporter_name="Bill Armstrong", reporter_phone="0169",
                people=[PersonEntry(full_name="Lo"), PersonEntry(full_name="Ann Example"),
                        PersonEntry(full_name="Sam", person_id=known["lorna"].hex)])  # fmt: skip
    assert duplicates.people_typed(form) == (
        people.Typed("reporter", "Bill Armstrong", "0169"),
        people.Typed("people.1", "Ann Example"),
    )
    assert duplicates.people_typed(good(reporter_anonymous=True, reporter_name="Bill")) == ()


def test_a_place_recognised_says_it_is_a_repeat_location(store, known):
    with store.write() as s:
        place = Place(id=uuid.uuid4(), name="Bitts Park", town="Carlisle", postcode="CA3 8UX")
        s.add(place)
    for case, when in ((known["first"], datetime(2026, 5, 2)), (known["second"],
                       datetime(2026, 6, 2)), (new_case(store, "CAR-2026-0003"),
                       datetime(2026, 7, 2))):  # fmt: skip
        report(store, case, when, place.id)
    query = duplicates.query_for(good(location="Outside Bitts Park", town="Carlisle"))
    [flag] = duplicates.place_flags(store, query)
    assert flag.describe() == (
        "Repeat location – Bitts Park, Carlisle: 3 cases from 02/05/2026 to 02/07/2026 "
        "(3 or more in 12 months)."
    )
    assert duplicates.place_flags(store, duplicates.query_for(good(postcode="CA3 8UX",
                                                                   location="x")))  # fmt: skip
    assert duplicates.place_flags(store, duplicates.query_for(good(location="Hammonds Pond"))) == []


@pytest.mark.parametrize(
    ("typed", "fits", "completes"),
    [
        ("William Armstrong", True, True),
        ("will arm", True, True),
        ("Bill Armstrong", True, False),  # a short form: a name of its own, kept
        ("Wiliam Armstrong", True, False),  # a slip of the keyboard
        ("Mary Smith", False, False),
        ("", False, True),
    ],
)
def test_a_name_typed_for_a_linked_person_fits_or_completes_theirs(typed, fits, completes):
    from hubapp.domain import matching

    assert matching.name_fits(typed, "William Armstrong") is fits
    assert matching.name_completes(typed, "William Armstrong") is completes


def test_a_reporter_named_as_a_linked_person_is_them_and_their_details_count(store, known):
    william = known["william"]
    form = good(reporter_name="William Armstrong", reporter_email="w.armstrong@example.org",
                people=[PersonEntry(role="victim", full_name="William Armstrong",
                                    person_id=william.hex)])  # fmt: skip
    saved = intake.save(store, form, now=NOW)
    assert roles_on(store, saved.case_id) == [(william, "reporter"), (william, "victim")]
    with store.read() as s:
        assert s.get(Person, william).email == "w.armstrong@example.org"
