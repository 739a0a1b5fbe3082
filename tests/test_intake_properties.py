"""Property tests: whatever is typed (markup, emoji, NUL and other control characters, very
long text), the validators never crash, and every form they pass is stored exactly as the
documented normalisation says."""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hubapp.domain.text import clean_line, clean_text
from hubapp.store.intake import form as intake
from hubapp.store.intake.form import IntakeError, IntakeForm, PersonEntry
from hubapp.store.schema import Case, CasePerson, Contact, Person

NOW = datetime(2026, 11, 25, 14, 0)

_ALPHABET = st.one_of(
    st.characters(codec="utf-8"),  # anything, control characters and NUL included
    st.sampled_from(list("<b>&;\"'\\%=+-@\t\r\n\x00\x1b\u200b\u202eé😀🏴‍☠️")),
)
_TEXT = st.one_of(
    st.text(_ALPHABET, max_size=40),
    st.text(_ALPHABET, min_size=150, max_size=260),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "😀", "<b>", " "]),
              st.sampled_from([10_000, 20_001])),
)  # fmt: skip
_WHEN = st.one_of(
    st.sampled_from(["25/11/2026 13:40", "now", "yesterday 21:00", "", "31/02/2026", "x"]),
    st.text(_ALPHABET, max_size=20),
)
_POSTCODE = st.one_of(st.sampled_from(["ca11aa", "LA9 4PB", "", "CA1"]), st.text(max_size=12))
_PERSON = st.builds(
    PersonEntry,
    role=st.sampled_from(["victim", "witness", "complainant", "alleged_perpetrator", "x"]),
    full_name=_TEXT, phone=st.sampled_from(["", "07700 900123", "+44 7700 900123", "abc"]),
    email=st.sampled_from(["", "a@b.org", "nope"]), address=_TEXT,
)  # fmt: skip
_FORM = st.builds(
    IntakeForm,
    hub=st.just("CAR"), channel=st.sampled_from(["call_101", "facebook", ""]),
    category=st.sampled_from(["asb_nuisance", "drugs", ""]), received=_WHEN, incident=_WHEN,
    location=_TEXT, town=_TEXT, postcode=_POSTCODE, grid_ref=st.sampled_from(["", "NY408566"]),
    summary=_TEXT, details=_TEXT, reporter_anonymous=st.booleans(), reporter_name=_TEXT,
    reporter_phone=st.sampled_from(["", "01228 525252"]), reporter_email=st.just(""),
    reporter_address=_TEXT, consent_to_contact=st.booleans(),
    people=st.lists(_PERSON, max_size=2), police_log=_TEXT, council_ref=st.just(""),
    hate=st.sampled_from(["", "no", "yes", "not_known", "perhaps"]),
)  # fmt: skip

# forms that should pass: every required field has something printable in it
_SOME = st.text(_ALPHABET, min_size=1, max_size=120).filter(lambda t: clean_line(t) != "")
_VALID_PERSON = st.builds(
    PersonEntry,
    role=st.sampled_from(["victim", "witness", "complainant", "alleged_perpetrator"]),
    full_name=_SOME, phone=st.sampled_from(["", "07700 900123", "+44 7700 900123"]),
    email=st.sampled_from(["", "a@b.org"]), address=st.text(_ALPHABET, max_size=120),
)  # fmt: skip
_VALID_FORM = st.builds(
    IntakeForm,
    hub=st.just("CAR"), channel=st.sampled_from(["call_101", "facebook"]),
    category=st.sampled_from(["asb_nuisance", "drugs"]),
    received=st.sampled_from(["25/11/2026 13:40", "now", "yesterday 21:00"]),
    incident=st.sampled_from(["", "20/11/2026", "yesterday 20:00"]), location=_SOME,
    town=st.text(_ALPHABET, max_size=60), postcode=st.sampled_from(["ca11aa", "LA9 4PB", ""]),
    grid_ref=st.sampled_from(["", "NY408566"]), summary=_SOME,
    details=st.one_of(st.text(_ALPHABET, max_size=300),
                      st.builds(lambda c: c * 10_000, st.sampled_from(["a", "😀", "<b>&"]))),
    reporter_anonymous=st.just(False), reporter_name=st.text(_ALPHABET, max_size=60),
    reporter_phone=st.sampled_from(["", "01228 525252"]), reporter_email=st.just(""),
    reporter_address=st.just(""), consent_to_contact=st.just(False),
    people=st.lists(_VALID_PERSON, max_size=2), police_log=st.text(_ALPHABET, max_size=30),
    council_ref=st.just(""), hate=st.sampled_from(["no", "not_known"]),
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_FORM, _VALID_FORM))
def test_validation_never_crashes_and_every_problem_is_a_sentence(form):
    problems = intake.validate(form, NOW)
    for p in problems:
        assert p.field and p.message[-1] in ".”"


@settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=st.one_of(_VALID_FORM, _FORM))
def test_every_valid_form_is_stored_exactly(store, form):
    problems = intake.validate(form, NOW)
    try:
        saved = intake.save(store, form, now=NOW)
    except IntakeError as exc:
        assert problems, "save refused a form that validated"
        assert [p.field for p in exc.problems] == [p.field for p in problems]
        return
    assert not problems
    event("stored")
    with store.read() as s:
        case = s.get(Case, saved.case_id)
        assert case.summary == clean_line(form.summary)
        assert case.location == clean_line(form.location)
        assert case.town == clean_line(form.town)
        assert case.details == clean_text(form.details)
        assert case.postcode == intake.normalise_postcode(form.postcode)
        assert case.police_log_ref == clean_line(form.police_log)
        contact = s.get(Contact, saved.contact_id)
        assert contact.summary.startswith(case.summary)
        stored = sorted(
            (cp.role, p.full_name, p.address)
            for cp, p in s.execute(
                select(CasePerson, Person)
                .join(Person, Person.id == CasePerson.person_id)
                .where(CasePerson.case_id == case.id, CasePerson.role != "reporter")
            )
        )
    typed = sorted(
        (p.role, clean_line(p.full_name), clean_text(p.address))
        for p in form.people
        if not p.is_blank()
    )
    assert stored == typed
