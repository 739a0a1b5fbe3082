"""The victim contact plan (issue 17): working days, the frequency from risk, updates and
their bad input, overdue lists, closure refused until the victims are told, and who may
(no Qt)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from casework import STAFF_PASSWORD, add_person, agency_id, new_case, staff_database, state
from sqlalchemy import func, select

from hubapp.domain import victim_contact as rules
from hubapp.domain.codes import CaseOutcome
from hubapp.store import accounts, roles
from hubapp.store.access import AccessRefused
from hubapp.store.casework import victim_contact as vc
from hubapp.store.casework import workflow
from hubapp.store.casework.caselist import CaseFilter, CaseList, CaseSort
from hubapp.store.database import open_store
from hubapp.store.roles import Op
from hubapp.store.schema import Case, CaseStatusChange, RiskAssessment, VictimContact, VictimUpdate

TODAY = date(2026, 6, 15)  # a Monday
SCHEDULE = rules.Schedule({"standard": 20, "medium": 10, "high": 5},
                          frozenset({date(2026, 5, 25), date(2026, 8, 31)}))  # fmt: skip


# --- working days -------------------------------------------------------------------------------


def test_working_days_skip_weekends_and_bank_holidays():
    s = SCHEDULE
    assert s.add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)  # Fri -> Tue (holiday)
    assert s.add_working_days(date(2026, 5, 18), 5) == date(2026, 5, 26)
    assert s.add_working_days(date(2026, 5, 23), 1) == date(2026, 5, 26)  # from a Saturday
    assert s.add_working_days(date(2026, 6, 1), 10) == date(2026, 6, 15)
    assert s.working_days_between(date(2026, 5, 22), date(2026, 5, 26)) == 1
    assert s.working_days_between(date(2026, 5, 26), date(2026, 5, 22)) == 0


def test_the_shipped_schedule_is_the_documented_default_and_lists_real_bank_holidays():
    s = rules.schedule()
    assert (s.every_for("high"), s.every_for("medium"), s.every_for("standard")) == (5, 10, 20)
    # Easter 2026 (Good Friday and Easter Monday), the Christmas substitute of 2026
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 12, 28)} <= s.bank_holidays
    assert all(d.weekday() < 5 for d in s.bank_holidays)
    assert s.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


@pytest.mark.parametrize("data, words", [
    ({"every_working_days": {"high": 5, "medium": 10}}, "standard"),
    ({"every_working_days": {"high": 0, "medium": 10, "standard": 20}}, "high"),
    ({"every_working_days": {"high": 20, "medium": 10, "standard": 5}}, "less often"),
    ({"every_working_days": {"high": 5, "medium": 10, "standard": 20},
      "working_days": {"bank_holidays": [date(2026, 5, 23)]}}, "weekday"),
])  # fmt: skip
def test_a_wrong_schedule_is_refused_in_words(data, words):
    with pytest.raises(ValueError, match=words):
        rules.parse(data)


def test_due_and_overdue():
    d = rules.due("high", None, date(2026, 6, 1), date(2026, 5, 1), date(2026, 6, 8), SCHEDULE)
    assert (d.every, d.by_hand, d.next_due, d.overdue) == (5, False, date(2026, 6, 8), False)
    d = rules.due("high", None, date(2026, 6, 1), date(2026, 5, 1), date(2026, 6, 10), SCHEDULE)
    assert (d.overdue, d.days_over) == (True, 2)
    d = rules.due("high", 20, None, date(2026, 6, 1), date(2026, 6, 10), SCHEDULE)
    assert (d.every, d.by_hand, d.next_due, d.overdue) == (20, True, date(2026, 6, 29), False)


# --- the store ------------------------------------------------------------------------------------


@pytest.fixture
def world(store):
    case_id = new_case(store, opened_on=date(2026, 6, 1))
    vera = add_person(store, case_id, "Vera Victim")
    colin = add_person(store, case_id, "Colin Complainant", role="complainant")
    wendy = add_person(store, case_id, "Wendy Witness", role="witness")
    return store, case_id, vera, colin, wendy, agency_id(store, "CUMBERLAND")


def update(person, on=date(2026, 6, 10), **kw):
    values = dict(person_id=person, updated_on=on, method="call", given_by="PC Ann Lee",
                  summary="Told of the patrols planned for the park.")  # fmt: skip
    values.update(kw)
    return vc.UpdateDraft(**values)


def fields(store, case_id, draft):
    with pytest.raises(vc.VictimContactError) as err:
        vc.log_update(store, case_id, draft, today=TODAY)
    return {p.field: p.message for p in err.value.problems}


def test_an_update_is_logged_and_moves_the_next_due_date(world):
    store, case_id, vera, colin, _w, council = world
    plan = vc.case_plan(store, case_id, TODAY)
    assert [v.name for v in plan.victims] == ["Colin Complainant", "Vera Victim"]
    # standard risk: 20 working days from the day the case opened (no update yet)
    assert {v.due.next_due for v in plan.victims} == {date(2026, 6, 29)}
    vc.log_update(store, case_id, update(vera, agency_id=council), today=TODAY)
    plan = vc.case_plan(store, case_id, TODAY)
    line = next(v for v in plan.victims if v.person_id == vera)
    assert (line.last_update, line.due.next_due) == (date(2026, 6, 10), date(2026, 7, 8))
    assert [(u.person_name, u.method, u.given_by, u.agency) for u in plan.updates] == [
        ("Vera Victim", "call", "PC Ann Lee", "Cumberland Cncl")]  # fmt: skip


def test_bad_updates_are_refused_field_by_field_and_nothing_is_saved(world, db_path):
    store, case_id, vera, _colin, wendy, _council = world
    before = state(db_path)
    assert set(fields(store, case_id, update(vera, on=date(2026, 6, 16)))) == {"updated_on"}
    assert "future" in fields(store, case_id, update(vera, on=date(2026, 6, 16)))["updated_on"]
    assert fields(store, case_id, update(wendy)) == {"person": vc.NOT_A_VICTIM}
    assert fields(store, case_id, update(uuid.uuid4())) == {"person": vc.NOT_A_VICTIM}
    assert set(fields(store, case_id, update(vera, summary="  \n "))) == {"summary"}
    assert set(fields(store, case_id, update(vera, method="pigeon"))) == {"method"}
    assert set(fields(store, case_id, update(vera, given_by=""))) == {"given_by"}
    assert set(fields(store, case_id, update(vera, on=date(2026, 5, 1)))) == {"updated_on"}
    assert state(db_path) == before


def test_updates_are_append_only_in_the_store_api_and_audited(world):
    store, case_id, vera, *_ = world
    vc.log_update(store, case_id, update(vera), today=TODAY)
    assert not hasattr(vc, "edit_update") and not hasattr(vc, "delete_update")
    from hubapp.store.schema import AuditEntry

    with store.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "victim_update")
                          ).one()  # fmt: skip
    assert "Told of the patrols" not in str(entry.details)  # personal text is not copied


def test_the_frequency_follows_the_victims_latest_risk_and_a_plan_set_by_hand(world):
    store, case_id, vera, colin, _w, council = world
    with store.write() as s:
        for level, at in (("high", datetime(2026, 6, 2, 9)), ("medium", datetime(2026, 6, 3, 9))):
            s.add(RiskAssessment(id=uuid.uuid4(), case_id=case_id, person_id=vera, level=level,
                                 assessed_at=at))  # fmt: skip
        s.add(RiskAssessment(id=uuid.uuid4(), case_id=case_id, person_id=colin, level="standard",
                             override_level="high", override_reason="Threats since",
                             assessed_at=datetime(2026, 6, 2, 9)))  # fmt: skip
    by = {v.person_id: v for v in vc.case_plan(store, case_id, TODAY).victims}
    assert (by[vera].due.level, by[vera].due.every) == ("medium", 10)
    assert (by[colin].due.level, by[colin].due.every) == ("high", 5)  # the level set by hand
    assert by[colin].due.overdue and by[colin].due.next_due == date(2026, 6, 8)
    vc.set_plan(store, case_id, vc.PlanDraft(vera, "Sam Spoc", council, every_days=3))
    line = {v.person_id: v for v in vc.case_plan(store, case_id, TODAY).victims}[vera]
    assert (line.spoc_name, line.spoc_agency, line.due.every, line.due.by_hand) == (
        "Sam Spoc", "Cumberland Cncl", 3, True)  # fmt: skip


def test_a_plan_is_made_then_changed_and_its_bad_input_refused(world, db_path):
    store, case_id, vera, _c, wendy, council = world
    first = vc.set_plan(store, case_id, vc.PlanDraft(vera, "Sam Spoc", council))
    again = vc.set_plan(store, case_id, vc.PlanDraft(vera, "Pat Other", council, every_days=10))
    assert first == again
    with store.read() as s:
        plans = s.scalars(select(VictimContact)).all()
    assert [(p.spoc_name, p.every_days) for p in plans] == [("Pat Other", 10)]
    before = state(db_path)
    for draft, field in ((vc.PlanDraft(wendy, "Sam", council), "person"),
                         (vc.PlanDraft(vera, "", council), "spoc_name"),
                         (vc.PlanDraft(vera, "Sam", None), "spoc_agency"),
                         (vc.PlanDraft(vera, "Sam", council, every_days=0), "every_days"),
                         (vc.PlanDraft(vera, "Sam", council, every_days=400), "every_days")):  # fmt: skip
        with pytest.raises(vc.VictimContactError) as err:
            vc.set_plan(store, case_id, draft)
        assert [p.field for p in err.value.problems] == [field]
    assert state(db_path) == before


def test_overdue_lists_by_hub_and_by_the_spocs_agency(world):
    store, case_id, vera, colin, _w, council = world
    police = agency_id(store, "POLICE")
    vc.set_plan(store, case_id, vc.PlanDraft(vera, "Sam Spoc", council))
    vc.set_plan(store, case_id, vc.PlanDraft(colin, "PC Ann Lee", police))
    late = date(2026, 7, 1)
    assert {o.name for o in vc.overdue(store, today=late)} == {"Vera Victim", "Colin Complainant"}
    assert [o.name for o in vc.overdue(store, agency_id=council, today=late)] == ["Vera Victim"]
    assert vc.overdue(store, today=TODAY) == []
    vc.log_update(store, case_id, update(vera, on=date(2026, 6, 30)), today=late)
    assert [o.name for o in vc.overdue(store, today=late)] == ["Colin Complainant"]
    copeland = next(iter(_other_hub(store)))
    assert vc.overdue(store, hub_id=copeland, today=late) == []


def _other_hub(store):
    from hubapp.store.schema import Hub

    with store.read() as s:
        return set(s.scalars(select(Hub.id).where(Hub.code == "COP")))


def test_the_case_list_marks_the_rows_with_overdue_victims(world):
    store, case_id, *_ = world
    quiet = new_case(store, "CAR-2026-0043", opened_on=date(2026, 6, 1))
    result = CaseList(store).query(CaseFilter(), CaseSort())
    assert result.victims_overdue([case_id, quiet], date(2026, 7, 1)) == {case_id: 2}
    assert result.victims_overdue([case_id, quiet], TODAY) == {}


# --- closure --------------------------------------------------------------------------------------


def _close(store, case_id, **kw):
    with store.read() as s:
        version = s.get(Case, case_id).row_version
    return workflow.change_status(
        store,
        case_id,
        version,
        "closed",
        **{"outcome": "resolved", "rationale": "Quiet since June", **kw},
    )


def test_closure_is_refused_until_every_victim_is_told_and_names_them(world, db_path):
    store, case_id, vera, colin, _w, council = world
    before = state(db_path)
    with pytest.raises(workflow.CaseworkError) as err:
        _close(store, case_id)
    assert "Colin Complainant, Vera Victim" in str(err.value)
    assert [p.field for p in err.value.problems] == ["victims"]
    assert state(db_path) == before
    vc.log_update(store, case_id, update(vera, closing=True, summary="Closing: no reports "
                                         "since the patrols."), today=TODAY)  # fmt: skip
    with pytest.raises(workflow.CaseworkError) as err:
        _close(store, case_id)
    assert "Colin Complainant" in str(err.value) and "Vera" not in str(err.value)
    vc.set_plan(store, case_id, vc.PlanDraft(colin, "Sam Spoc", council,
                                             cannot_tell_reason="Moved away, no address"))  # fmt: skip
    _close(store, case_id, victim_satisfied="yes")
    with store.read() as s:
        change = s.scalars(select(CaseStatusChange).where(
            CaseStatusChange.to_status == "closed")).one()  # fmt: skip
    assert "Victim satisfied." in change.reason and "Victim told: Vera Victim." in change.reason
    assert "Colin Complainant (Moved away, no address)" in change.reason


def test_a_closing_update_before_a_reopening_does_not_count(world):
    store, case_id, vera, colin, _w, council = world
    vc.log_update(store, case_id, update(vera, on=date(2026, 6, 2), closing=True), today=TODAY)
    vc.set_plan(store, case_id, vc.PlanDraft(colin, "Sam", council, cannot_tell_reason="Asked"))
    _close(store, case_id)
    with store.write() as s:  # the case was reopened on a later day
        s.get(Case, case_id).status = "reopened"
        s.get(Case, case_id).closed_on = None
        s.add(CaseStatusChange(id=uuid.uuid4(), case_id=case_id, from_status="closed",
                               to_status="reopened", changed_at=datetime(2026, 6, 5, 10),
                               reason="New reports"))  # fmt: skip
    with pytest.raises(workflow.CaseworkError, match="Vera Victim"):
        _close(store, case_id)


def test_a_duplicate_closes_without_telling_and_a_bad_satisfied_is_refused(world):
    store, case_id, *_ = world
    with pytest.raises(workflow.CaseworkError) as err:
        _close(store, case_id, victim_satisfied="maybe")
    assert "victim_satisfied" in {p.field for p in err.value.problems}
    _close(store, case_id, outcome=CaseOutcome.DUPLICATE.value)


def test_a_case_without_victims_closes_with_the_new_outcomes(store):
    case_id = new_case(store)
    add_person(store, case_id, "Wendy Witness", role="witness")
    _close(store, case_id, outcome=CaseOutcome.INSUFFICIENT_EVIDENCE.value, victim_satisfied="no")
    with store.read() as s:
        assert s.get(Case, case_id).outcome == "insufficient_evidence"


# --- who may ---------------------------------------------------------------------------------------


@pytest.fixture
def staffed(tmp_path):
    """Staff of every role; case 1 led by the council (the partner's agency), case 2 with no
    agency; a victim on each."""
    db = staff_database(tmp_path / "hub.sqlite3", cases=1)
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    with store.read() as s:
        ours = s.scalar(select(Case.id))
    theirs = new_case(store, "CAR-2026-0099", opened_on=date(2026, 6, 1))
    ours_victim = add_person(store, ours, "Vera Victim")
    theirs_victim = add_person(store, theirs, "Tess Theirs")
    vc.log_update(store, theirs, update(theirs_victim, summary="Secret of another agency"),
                  today=TODAY)  # fmt: skip
    store.close()
    return db, ours, ours_victim, theirs, theirs_victim


def _as(db, name):
    store = open_store(db)
    accounts.sign_in(store, name, STAFF_PASSWORD)
    return store


def test_a_partner_logs_updates_on_its_cases_only_and_sees_no_other_plan(staffed):
    db, ours, ours_victim, theirs, theirs_victim = staffed
    store = _as(db, "cara")
    try:
        vc.log_update(store, ours, update(ours_victim), today=TODAY)
        before = state(db)
        with pytest.raises(AccessRefused):
            vc.log_update(store, theirs, update(theirs_victim), today=TODAY)
        with pytest.raises(AccessRefused):
            vc.set_plan(store, theirs, vc.PlanDraft(theirs_victim, "Me", None))
        with pytest.raises(AccessRefused):
            vc.case_plan(store, theirs, TODAY)
        assert state(db) == before
        assert all(o.case_id == ours for o in vc.overdue(store, today=date(2026, 12, 1)))
        with store.read() as s:
            summaries = set(s.scalars(select(VictimUpdate.summary)))
        assert "Secret of another agency" not in summaries and summaries
    finally:
        store.close()


def test_read_only_staff_log_nothing(staffed):
    db, ours, ours_victim, *_ = staffed
    store = _as(db, "rory")
    try:
        before = state(db)
        with pytest.raises(AccessRefused) as err:
            vc.log_update(store, ours, update(ours_victim), today=TODAY)
        assert str(err.value) == roles.refusal(Op.VICTIM_CONTACT, "read_only")
        with pytest.raises(AccessRefused):
            vc.set_plan(store, ours, vc.PlanDraft(ours_victim, "Me", agency_id(store, "POLICE")))
        assert state(db) == before
        assert [v.name for v in vc.case_plan(store, ours, TODAY).victims] == ["Vera Victim"]
    finally:
        store.close()


# --- the meeting pack ---------------------------------------------------------------------------


def test_the_meeting_pack_lists_the_victims_overdue_named_as_the_profile_allows(world):
    from pypdf import PdfReader

    from hubapp.documents import printing

    store, case_id, vera, colin, _w, council = world
    vc.set_plan(store, case_id, vc.PlanDraft(vera, "Sam Spoc", council))
    vc.log_update(store, case_id, update(colin), today=TODAY)

    def section(profile):
        """The pack's Victim updates overdue section, as text."""
        import io

        document = printing.meeting_pack(store, "CAR", profile, today=date(2026, 7, 1))
        pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(document.pdf)).pages]
        whole = " ".join(" ".join(pages).split())
        start = whole.index("Victim updates overdue")
        return whole[start : whole.index("Each victim and complainant is updated", start)]

    police = section("police")
    assert "Vera Victim" in police and "Sam Spoc (Cumberland Cncl)" in police
    assert "CAR-2026-0042" in police and "never" in police
    assert "Colin" not in police  # updated on 10/06: due 08/07, not yet overdue
    partner = section("partner")
    assert "V. V." in partner and "Vera Victim" not in partner and "Sam Spoc" in partner
    public = section("public")
    assert "Vera" not in public and "V. V." not in public and "Sam Spoc" not in public
    assert "Cumberland Cncl" in public


# --- demo data ----------------------------------------------------------------------------------


def test_demo_data_has_plans_and_updates_and_its_closed_cases_told_their_victims(db_path):
    from hubapp.store.exchange import demo

    store = open_store(db_path)
    try:
        demo.generate(store, 300, seed=5)
        with store.read() as s:
            plans = s.scalar(select(func.count()).select_from(VictimContact))
            closing = s.scalar(select(func.count()).select_from(VictimUpdate).where(
                VictimUpdate.closing.is_(True)))  # fmt: skip
            closed = s.scalars(select(Case).where(
                Case.status == "closed",
                Case.id.in_(select(VictimUpdate.case_id)))).all()  # fmt: skip
            assert plans and closing and closed
            assert all(vc.closure_problems(s, c, c.outcome) == [] for c in closed)
    finally:
        store.close()


def test_a_plan_changed_by_someone_else_meanwhile_is_a_conflict(world):
    from hubapp.store.errors import EditConflict

    store, case_id, vera, _c, _w, council = world
    vc.set_plan(store, case_id, vc.PlanDraft(vera, "Sam Spoc", council))
    loaded = {v.person_id: v for v in vc.case_plan(store, case_id, TODAY).victims}[vera]
    vc.set_plan(store, case_id, vc.PlanDraft(vera, "Pat Other", council), loaded.plan_version)
    with pytest.raises(EditConflict):
        vc.set_plan(store, case_id, vc.PlanDraft(vera, "Me Too", council), loaded.plan_version)
    with store.read() as s:
        assert s.scalars(select(VictimContact.spoc_name)).one() == "Pat Other"
