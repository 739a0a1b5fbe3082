"""Tools and powers within their statutory limits (issue 17): one test per limit of the
Anti-social Behaviour, Crime and Policing Act 2014, named after its section; the breach
outcomes; the list of orders ending or due; who may do it (real SQLite, no Qt)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from casework import STAFF_PASSWORD, add_person, agency_id, new_case, staff_database
from sqlalchemy import func, select

from hubapp.domain import powers
from hubapp.store.casework import hub_orders, orders_due
from hubapp.store.casework import interventions as iv
from hubapp.store.casework.workflow import CaseworkError
from hubapp.store.schema import Case, CasePlace, Intervention, InterventionBreach, Person, Place

TODAY = date(2026, 5, 20)


@pytest.fixture
def world(store):
    case_id = new_case(store)
    adult = add_person(store, case_id, "Jay Doe", role="alleged_perpetrator")
    with store.write() as s:
        s.get(Person, adult).date_of_birth = date(1990, 3, 4)
        place = Place(id=uuid.uuid4(), name="The Flat, 3 Lowther St", town="Carlisle")
        s.add(place)
        s.flush()
        s.add(CasePlace(case_id=case_id, place_id=place.id))
    types = {t.code: t for t in iv.types(store, active_only=False, case_only=False)}
    return store, case_id, adult, place.id, types, agency_id(store, "POLICE")


def person(store, case_id, born: date | None, name="Kid Doe") -> uuid.UUID:
    pid = add_person(store, case_id, name, role="alleged_perpetrator")
    with store.write() as s:
        s.get(Person, pid).date_of_birth = born
    return pid


def draft(w, code, *, issued=date(2026, 5, 1), **kw) -> iv.InterventionDraft:
    _store, _case, _adult, _place, types, police = w
    return iv.InterventionDraft(type_id=types[code].id, agency_id=police, issued_on=issued, **kw)


def refused(w, d, error=CaseworkError) -> CaseworkError:
    store, case_id, *_ = w
    with store.read() as s:
        before = s.scalar(select(func.count()).select_from(Intervention))
    with pytest.raises(error) as err:
        iv.add(store, case_id, d, today=TODAY)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Intervention)) == before
    return err.value


# --- community protection: s.43, s.46 -----------------------------------------------------------


def test_s43_1_cpn_refused_under_16(world):
    store, case_id, *_ = world
    kid = person(store, case_id, date(2010, 6, 1))  # 15 on 01/05/2026
    err = refused(world, draft(world, "cpn", person_id=kid, override_reason="warned"))
    assert str(err) == ("A Community Protection Notice (CPN) cannot be used against someone "
                        "under 16 (s.43(1)): they are 15 on 01/05/2026.")  # fmt: skip
    # 16 on the day it is used: allowed (age from the date of birth on that day)
    sixteen = person(store, case_id, date(2010, 5, 1), "Sam Doe")
    iv.add(store, case_id, draft(world, "cpn", person_id=sixteen, override_reason="urgent"),
           today=TODAY)  # fmt: skip


def test_s43_5_cpn_without_an_earlier_cpw_warns_and_keeps_the_reason(world):
    store, case_id, adult, *_ = world
    err = refused(world, draft(world, "cpn", person_id=adult), iv.NeedsReason)
    assert "(s.43(5))" in str(err) and "Community Protection Warning (CPW)" in str(err)
    new = iv.add(store, case_id, draft(world, "cpn", person_id=adult,
                                       override_reason="Warned in person by the PCSO"),
                 today=TODAY)  # fmt: skip
    with store.read() as s:
        assert s.get(Intervention, new).override_reason == "Warned in person by the PCSO"


def test_s43_5_cpn_before_the_cpw_time_to_comply_warns(world):
    store, case_id, adult, *_ = world
    iv.add(store, case_id, draft(world, "cpw", person_id=adult, issued=date(2026, 4, 1),
                                 expires_on=date(2026, 5, 10)), today=TODAY)  # fmt: skip
    err = refused(world, draft(world, "cpn", person_id=adult), iv.NeedsReason)
    assert str(err).startswith("The Community Protection Warning (CPW) of 01/04/2026 gave "
                               "until 10/05/2026 to comply (s.43(5))")  # fmt: skip
    # after the time to comply: no warning, no reason needed
    iv.add(store, case_id, draft(world, "cpn", person_id=adult, issued=date(2026, 5, 11)),
           today=TODAY)  # fmt: skip


def test_s46_cpn_appeal_window_of_21_days_is_due(world):
    store, case_id, adult, *_ = world
    iv.add(store, case_id, draft(world, "cpw", person_id=adult, issued=date(2026, 3, 1)),
           today=TODAY)  # fmt: skip
    iv.add(store, case_id, draft(world, "cpn", person_id=adult, issued=date(2026, 5, 10)),
           today=TODAY)  # fmt: skip
    items = orders_due.due(store, 28, today=TODAY)
    appeal = [i for i in items if i.kind is orders_due.DueKind.APPEAL]
    assert [(i.on, i.section, i.case_reference) for i in appeal] == [
        (date(2026, 5, 31), "s.46(2)", "CAR-2026-0042")]  # fmt: skip
    assert orders_due.due(store, 10, today=TODAY) == []


# --- civil injunctions: s.1, s.14 ---------------------------------------------------------------


def test_s1_1_civil_injunction_refused_under_10(world):
    store, case_id, *_ = world
    kid = person(store, case_id, date(2017, 1, 1))
    err = refused(world, draft(world, "civil_injunction", person_id=kid,
                               expires_on=date(2026, 12, 1), consulted="YOT"))  # fmt: skip
    assert "under 10 (s.1(1))" in str(err)


def test_s1_6_civil_injunction_against_an_under_18_at_most_12_months(world):
    store, case_id, *_ = world
    kid = person(store, case_id, date(2011, 1, 1))
    err = refused(world, draft(world, "civil_injunction", person_id=kid,
                               expires_on=date(2027, 5, 2), consulted="Carlisle YOT"))  # fmt: skip
    assert str(err) == ("Against someone under 18 a civil injunction is for a set period of at "
                        "most 12 months (s.1(6)): it can end on 01/05/2027 at the latest.")  # fmt: skip
    err = refused(world, draft(world, "civil_injunction", person_id=kid,
                               consulted="Carlisle YOT"))  # fmt: skip
    assert err.problems[0].field == "expires_on" and "give the date it ends" in str(err)
    iv.add(store, case_id, draft(world, "civil_injunction", person_id=kid,
                                 expires_on=date(2027, 5, 1), consulted="Carlisle YOT"),
           today=TODAY)  # fmt: skip
    # an adult's may run longer, or without an end
    _s, _c, adult, *_ = world
    iv.add(store, case_id, draft(world, "civil_injunction", person_id=adult), today=TODAY)


def test_s14_civil_injunction_against_an_under_18_needs_the_youth_offending_team(world):
    store, case_id, *_ = world
    kid = person(store, case_id, date(2011, 1, 1))
    err = refused(world, draft(world, "civil_injunction", person_id=kid,
                               expires_on=date(2026, 11, 1)))  # fmt: skip
    assert [p.field for p in err.problems] == ["consulted"]
    assert "the youth offending team must be consulted" in str(err) and "(s.14(1))" in str(err)


# --- criminal behaviour orders: Sentencing Act 2020 s.337 ------------------------------------------------------------


def test_sentencing_act_s337_cbo_against_an_under_18_reviewed_every_12_months(world):
    store, case_id, adult, *_ = world
    kid = person(store, case_id, date(2010, 1, 1))
    iv.add(store, case_id, draft(world, "criminal_behaviour_order", person_id=kid,
                                 issued=date(2025, 6, 5), expires_on=date(2027, 6, 5)),
           today=TODAY)  # fmt: skip
    iv.add(store, case_id, draft(world, "criminal_behaviour_order", person_id=adult,
                                 issued=date(2025, 6, 5)), today=TODAY)  # fmt: skip
    reviews = [i for i in orders_due.due(store, 28, today=TODAY)
               if i.kind is orders_due.DueKind.REVIEW]  # fmt: skip
    assert [(i.on, i.against, i.section) for i in reviews] == [
        (date(2026, 6, 5), "Kid Doe", "Sentencing Act 2020 s.337")]  # fmt: skip
    # no review once they are 18 at it
    limits = powers.limits_of("criminal_behaviour_order")
    assert powers.next_review(limits, date(2025, 6, 5), date(2008, 1, 1), TODAY) is None


# --- dispersal: s.34, s.35, s.36 ----------------------------------------------------------------


def test_s34_dispersal_needs_an_inspectors_authorisation(world):
    store, case_id, adult, *_ = world
    err = refused(world, draft(world, "dispersal", person_id=adult, expires_on=date(2026, 5, 3)))
    assert [p.field for p in err.problems] == ["authorised_by"]
    assert "an inspector or above (s.34(1))" in str(err)
    new = iv.add(store, case_id, draft(world, "dispersal", person_id=adult,
                                       expires_on=date(2026, 5, 3),
                                       authorised_by="Insp. R. Bell"), today=TODAY)  # fmt: skip
    with store.read() as s:
        assert s.get(Intervention, new).authorised_by == "Insp. R. Bell"


def test_s35_dispersal_up_to_48_hours(world):
    _store, _case, adult, *_ = world
    err = refused(world, draft(world, "dispersal", person_id=adult, expires_on=date(2026, 5, 4),
                               authorised_by="Insp. R. Bell"))  # fmt: skip
    assert str(err) == ("A dispersal direction (s.35) lasts at most 48 hours (s.35(4)): it can end "
                        "on 03/05/2026 at the latest.")  # fmt: skip


def test_s36_dispersal_refused_under_10(world):
    store, case_id, *_ = world
    kid = person(store, case_id, date(2017, 2, 1))
    err = refused(world, draft(world, "dispersal", person_id=kid, expires_on=date(2026, 5, 2),
                               authorised_by="Insp. R. Bell"))  # fmt: skip
    assert "under 10 (s.36(1))" in str(err)


# --- closure: s.77, s.80, s.82 ------------------------------------------------------------------


def test_s77_closure_notice_up_to_48_hours(world):
    _store, _case, _adult, place, *_ = world
    err = refused(world, draft(world, "closure_notice", place_id=place,
                               expires_on=date(2026, 5, 4), hearing_on=date(2026, 5, 2)))  # fmt: skip
    assert "lasts at most 48 hours (s.77(2))" in str(err)


def test_s80_3_closure_notice_court_hearing_within_48_hours(world):
    store, case_id, _adult, place, *_ = world
    err = refused(world, draft(world, "closure_notice", place_id=place,
                               expires_on=date(2026, 5, 3)))  # fmt: skip
    assert [p.field for p in err.problems] == ["hearing_on"]
    err = refused(world, draft(world, "closure_notice", place_id=place,
                               expires_on=date(2026, 5, 3), hearing_on=date(2026, 5, 4)))  # fmt: skip
    assert str(err) == ("The court hearing must be within 48 hours of the closure notice "
                        "(s.80(3)): from 01/05/2026 to 03/05/2026.")  # fmt: skip
    new = iv.add(store, case_id, draft(world, "closure_notice", place_id=place,
                                       expires_on=date(2026, 5, 3), hearing_on=date(2026, 5, 3)),
                 today=TODAY)  # fmt: skip
    with store.read() as s:
        assert s.get(Intervention, new).hearing_on == date(2026, 5, 3)


def test_s80_6_closure_order_at_most_3_months(world):
    _store, _case, _adult, place, *_ = world
    err = refused(world, draft(world, "closure_order", place_id=place,
                               expires_on=date(2026, 8, 2)))  # fmt: skip
    assert str(err) == ("A closure order lasts at most 3 months (s.80(6)): it can end on "
                        "01/08/2026 at the latest.")  # fmt: skip


def test_s82_closure_order_extended_at_most_6_months_in_all(world):
    store, case_id, _adult, place, *_ = world
    new = iv.add(store, case_id, draft(world, "closure_order", place_id=place,
                                       expires_on=date(2026, 8, 1)), today=TODAY)  # fmt: skip
    extended = draft(world, "closure_order", place_id=place, expires_on=date(2026, 11, 1))
    version = iv.edit(store, new, 1, extended, today=TODAY)
    too_long = draft(world, "closure_order", place_id=place, expires_on=date(2026, 11, 2))
    with pytest.raises(CaseworkError) as err:
        iv.edit(store, new, version, too_long, today=TODAY)
    assert str(err.value) == ("Extended, a closure order lasts at most 6 months in all (s.82): "
                              "it can end on 01/11/2026 at the latest.")  # fmt: skip
    with store.read() as s:
        assert s.get(Intervention, new).expires_on == date(2026, 11, 1)


# --- PSPO: s.59, s.60 ---------------------------------------------------------------------------


def test_s59_pspo_is_an_area_order_not_a_case_intervention(world):
    store, _case, _adult, place, types, _police = world
    assert "pspo" not in {t.code for t in iv.types(store)}
    err = refused(world, draft(world, "pspo", place_id=place))
    assert "Tools > Area orders" in str(err)


def test_s60_pspo_at_most_3_years(world):
    store, case_id, *_ = world
    council = agency_id(store, "CUMBERLAND")
    with store.read() as s:
        hub = s.get(Case, case_id).hub_id
    d = hub_orders.OrderDraft(hub, "Carlisle city centre PSPO", council, date(2026, 1, 1),
                              date(2029, 1, 2), area="Within the ring road")  # fmt: skip
    with pytest.raises(CaseworkError) as err:
        hub_orders.add(store, d, today=TODAY)
    assert str(err.value) == ("A PSPO lasts at most 3 years from when it is made (s.60(1), "
                              "s.60(2)): it can end on 01/01/2029 at the latest.")  # fmt: skip
    assert hub_orders.orders(store) == []
    new_hub = hub_orders.add(store, hub_orders.OrderDraft(
        hub, "Carlisle city centre PSPO", council, date(2026, 1, 1), date(2026, 6, 1)),
        today=TODAY)  # fmt: skip
    # cited by the case, and on the due list as ending
    hub_orders.cite(store, case_id, new_hub, "Drinking in the precinct")
    assert [c.title for c in hub_orders.cited(store, case_id)] == ["Carlisle city centre PSPO"]
    with pytest.raises(CaseworkError, match="already cites"):
        hub_orders.cite(store, case_id, new_hub)
    ends = [i for i in orders_due.due(store, 28, today=TODAY) if i.order_id == new_hub]
    assert [(i.on, i.kind) for i in ends] == [(date(2026, 6, 1), orders_due.DueKind.ENDS)]


# --- age, dates, breaches -----------------------------------------------------------------------


def test_age_limited_power_without_a_date_of_birth_asks_for_it(world):
    store, case_id, *_ = world
    unknown = person(store, case_id, None, "Unknown Male")
    err = refused(world, draft(world, "cpn", person_id=unknown, override_reason=""),
                  iv.NeedsReason)  # fmt: skip
    assert err.problems[0].message.startswith("Their date of birth is not recorded")
    iv.add(store, case_id, draft(world, "cpn", person_id=unknown,
                                 override_reason="Age confirmed by the school"), today=TODAY)  # fmt: skip


def test_an_intervention_ending_before_it_starts_is_refused(world):
    _store, _case, adult, *_ = world
    err = refused(world, draft(world, "abc", person_id=adult, expires_on=date(2026, 4, 1)))
    assert str(err) == "The expiry date must be after the issue date."


def test_age_on_counts_whole_years():
    assert powers.age_on(date(2010, 5, 2), date(2026, 5, 1)) == 15
    assert powers.age_on(date(2010, 5, 1), date(2026, 5, 1)) == 16
    assert powers.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert powers.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_a_breach_records_its_outcome_among_those_its_type_allows(world):
    store, case_id, adult, *_ = world
    new = iv.add(store, case_id, draft(world, "cpn", person_id=adult, override_reason="x"),
                 today=TODAY)  # fmt: skip
    with pytest.raises(CaseworkError) as err:
        iv.record_breach(store, new, 1, date(2026, 5, 5), "Music again", outcome="committal",
                         today=TODAY)  # fmt: skip
    assert str(err.value) == ("A breach of a Community Protection Notice (CPN) can lead to: "
                              "fixed penalty notice, prosecution, no further action.")  # fmt: skip
    iv.record_breach(store, new, 1, date(2026, 5, 5), "Music again", outcome="fixed_penalty",
                     today=TODAY)  # fmt: skip
    with store.read() as s:
        assert s.scalar(select(InterventionBreach.outcome)) == "fixed_penalty"


# --- who may ------------------------------------------------------------------------------------


@pytest.fixture
def staffed(tmp_path):
    from hubapp.store.database import open_store

    path = staff_database(tmp_path / "staff.sqlite3")
    store = open_store(path)
    yield store
    store.close()


def _as(store, name):
    from hubapp.store import accounts

    accounts.sign_in(store, name, STAFF_PASSWORD)
    return store


@pytest.mark.parametrize("who", ["cara", "rory"])
def test_partner_and_read_only_cannot_record_powers_or_area_orders(staffed, who):
    from hubapp.store import access
    from hubapp.store.casework import case_people
    from hubapp.store.schema import Case, CaseOrder, HubOrder

    store = _as(staffed, "cora")
    with store.read() as s:
        case = s.scalar(select(Case).order_by(Case.reference))
        case_id, hub = case.id, case.hub_id
    council = agency_id(store, "CUMBERLAND")
    order = hub_orders.add(store, hub_orders.OrderDraft(hub, "City PSPO", council,
                                                        date(2026, 1, 1), date(2027, 1, 1)))  # fmt: skip
    kid = case_people.add_person(store, case_id, case_people.PersonDraft("Kid", "witness"))
    types = {t.code: t.id for t in iv.types(store)}
    store = _as(staffed, who)
    with store.read() as s:
        before = [s.scalar(select(func.count()).select_from(t))
                  for t in (Intervention, HubOrder, CaseOrder, Person)]  # fmt: skip
    tries = [
        lambda: iv.add(store, case_id, iv.InterventionDraft(types["abc"], council,
                                                            date(2026, 5, 1), person_id=kid)),
        lambda: hub_orders.add(store, hub_orders.OrderDraft(hub, "Mine", council,
                                                            date(2026, 1, 1), date(2027, 1, 1))),
        lambda: hub_orders.edit(store, order, 1, hub_orders.OrderDraft(
            hub, "Renamed", council, date(2026, 1, 1), date(2027, 1, 1))),
        lambda: hub_orders.cite(store, case_id, order),
        lambda: case_people.add_person(store, case_id, case_people.PersonDraft("X", "victim")),
    ]  # fmt: skip
    for attempt in tries:
        with pytest.raises(access.AccessRefused):
            attempt()
    with store.read() as s:
        assert before == [s.scalar(select(func.count()).select_from(t))
                          for t in (Intervention, HubOrder, CaseOrder, Person)]  # fmt: skip
    # everyone sees the register
    assert [o.title for o in hub_orders.orders(store)] == ["City PSPO"]


def test_a_partner_sees_only_the_due_items_of_cases_its_agency_is_on(staffed):
    from hubapp.store.schema import Case

    store = _as(staffed, "cora")
    with store.read() as s:
        first = s.scalar(select(Case.id).order_by(Case.reference))
    other = new_case(store, "CAR-2026-0099")  # no agency on it: the council's partner is not
    types = {t.code: t.id for t in iv.types(store)}
    police = agency_id(store, "POLICE")
    for case_id in (first, other):
        pid = add_person(store, case_id, f"Doe {case_id.hex[:4]}", role="witness")
        iv.add(store, case_id, iv.InterventionDraft(types["abc"], police, date(2026, 5, 1),
                                                    person_id=pid, expires_on=date(2026, 6, 1)),
               today=TODAY)  # fmt: skip
    assert {i.case_id for i in orders_due.due(store, 28, today=TODAY)} == {first, other}
    store = _as(staffed, "cara")
    assert {i.case_id for i in orders_due.due(store, 28, today=TODAY)} == {first}


# --- the meeting pack ---------------------------------------------------------------------------


@pytest.mark.parametrize("profile, named", [("police", "Jay Doe"), ("partner", "J. D."),
                                            ("public", None)])  # fmt: skip
def test_the_meeting_pack_lists_orders_ending_or_due_named_under_its_profile(world, profile,
                                                                             named):  # fmt: skip
    import io

    from pypdf import PdfReader

    from hubapp.documents import printing
    from hubapp.domain.clock import local_today

    store, case_id, adult, *_ = world
    today = local_today()
    iv.add(store, case_id, draft(world, "abc", person_id=adult, issued=today,
                                 expires_on=today + timedelta(days=9)))  # fmt: skip
    pdf = printing.meeting_pack(store, "Carlisle", profile, today=today).pdf
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Orders ending or due, next 28 days" in text
    ends = (today + timedelta(days=9)).strftime("%d/%m/%Y")
    assert ends in text and "Acceptable Behaviour Contract (ABC)" in text
    if named is None:
        assert "Jay" not in text and "J. D." not in text
    else:
        assert named in text
