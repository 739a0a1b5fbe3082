"""The ASB Case Review as a workflow (hubapp.store.casework.case_review): the hub's queue
(grouped by linked cases, the local routes, the review explained), the review from the
application to the escalation with its date rules, recommendations as real actions, the
yearly figures, the command line, and who may do each."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from casework import (
    STAFF_PASSWORD,
    add_person,
    agency_id,
    hub_id,
    new_case,
    run_command,
    staff_database,
    state,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hubapp.store import accounts
from hubapp.store.casework import asb_review, case_review, links
from hubapp.store.casework.case_review import Report, ReviewDraft
from hubapp.store.casework.workflow import CaseworkError
from hubapp.store.database import open_store
from hubapp.store.errors import Refused
from hubapp.store.schema import (
    Action,
    AuditEntry,
    Case,
    CaseReview,
    Channel,
    Contact,
    Place,
    ReviewExplanation,
    ReviewRecommendation,
)

TODAY = date(2026, 6, 30)


def dt(y, m, d, h=20):
    return datetime(y, m, d, h)


# --- the rule, as properties ------------------------------------------------------------------

_START = datetime(2025, 6, 1)
moments = st.integers(min_value=0, max_value=600 * 24).map(lambda h: _START + timedelta(hours=h))
reports = st.tuples(moments, st.one_of(st.none(), moments))


@settings(max_examples=300, deadline=None)
@given(st.lists(reports, max_size=12), reports, st.dates(date(2026, 1, 1), date(2027, 1, 1)))
def test_adding_a_report_never_lowers_a_count(existing, extra, today):
    before = asb_review.count(existing, today).count
    after = asb_review.count([*existing, extra], today).count
    assert after >= before
    assert after <= before + 1  # one report is at most one more complaint


@settings(max_examples=300, deadline=None)
@given(st.lists(reports, max_size=12), reports, st.dates(date(2026, 1, 1), date(2027, 1, 1)))
def test_a_report_outside_the_window_never_counts(existing, extra, today):
    start, end = asb_review.window(today)
    received, incident = extra
    late = incident is not None and not asb_review.qualifies(received, incident)
    if start < received < end and not late:
        return  # inside and qualifying: the other property's business
    assert asb_review.count([*existing, extra], today) == asb_review.count(existing, today)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(reports, max_size=10), st.dates(date(2026, 1, 1), date(2027, 1, 1)))
def test_the_queue_tally_is_the_rule(rows, today):
    """The queue's tally of a group is asb_review.count of the same reports."""
    case = uuid.uuid4()
    got = case_review.tally_reports([Report(r, i, case) for r, i in rows], today)
    assert got.tally == asb_review.count(rows, today)
    assert got.hate == 0


def test_case_groups_join_cases_linked_in_several_steps():
    a, b, c, d, e = (uuid.uuid4() for _ in range(5))
    groups = case_review.case_groups([(a, b), (c, b), (d, e)])
    assert groups[a] == groups[b] == groups[c] != groups[d] == groups[e]


def test_working_days_skip_the_weekend():
    friday = date(2026, 12, 4)
    assert case_review.add_working_days(friday, 1) == date(2026, 12, 7)
    assert case_review.add_working_days(friday, 5) == date(2026, 12, 11)


# --- the queue ----------------------------------------------------------------------------


def _report(store, case_id, received, incident=None, place=None, reporter=None):
    with store.write(reason="test report") as s:
        channel = s.scalar(select(Channel.id).limit(1))
        s.add(Contact(id=uuid.uuid4(), case_id=case_id, channel_id=channel, received_at=received,
                      incident_at=incident, place_id=place, reporter_person_id=reporter))  # fmt: skip


@pytest.fixture
def victim_on_two_cases(store):
    """Ann, victim on two unlinked cases: two qualifying complaints on each."""
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002")
    ann = add_person(store, first, "Ann Victim")
    with store.write() as s:
        from hubapp.store.schema import CasePerson

        s.add(CasePerson(id=uuid.uuid4(), case_id=second, person_id=ann, role="victim"))
    _report(store, first, dt(2026, 2, 1), dt(2026, 1, 31))
    _report(store, first, dt(2026, 3, 1), dt(2026, 3, 1, 18))
    _report(store, second, dt(2026, 4, 1), None)
    _report(store, second, dt(2026, 6, 1), dt(2026, 6, 1, 1))
    return store, first, second, ann


def test_a_victim_counts_per_case_until_the_cases_are_linked(victim_on_two_cases):
    store, first, second, ann = victim_on_two_cases
    entries = case_review.queue(store, today=TODAY)
    assert sorted((e.subject_id, e.count, e.status) for e in entries) == [
        (ann, 2, "approaching"), (ann, 2, "approaching")]  # fmt: skip
    assert all(e.needs_explaining and e.explained is False for e in entries)
    # counting every case of the victim, as some procedures do
    every = replace(case_review.settings(), count_all_cases=True)
    [one] = case_review.queue(store, today=TODAY, config=every)
    assert (one.count, one.status, one.route) == (4, "reached", "threshold")
    # linked as the same problem: one group, reached
    links.link(store, first, second, "related", "Same neighbours")
    [linked] = case_review.queue(store, today=TODAY)
    assert (linked.count, linked.status, linked.case_reference) == (4, "reached", "CAR-2026-0002")
    assert "may" not in linked.describe() and "Ann Victim" in linked.describe()


def test_the_queue_keeps_to_the_window_and_the_hub(victim_on_two_cases):
    store, *_ = victim_on_two_cases
    assert case_review.queue(store, today=date(2027, 6, 1)) == []
    assert case_review.queue(store, hub_id(store, "SLK"), today=TODAY) == []
    assert len(case_review.queue(store, hub_id(store, "CAR"), today=TODAY)) == 2


def test_an_explanation_turns_the_victim_from_red(victim_on_two_cases):
    store, first, _second, ann = victim_on_two_cases
    case_review.record_explanation(store, first, ann, date(2026, 3, 2), "call", "Told of the "
                                   "review by phone", today=TODAY)  # fmt: skip
    entries = case_review.queue(store, today=TODAY)
    assert all(e.explained and not e.needs_explaining for e in entries)
    assert entries[0].explained_on == date(2026, 3, 2)
    # an explanation from before the window concerned older complaints
    assert all(e.needs_explaining for e in case_review.queue(store, today=date(2026, 9, 15))
               if e.count >= 2)  # fmt: skip


def test_explanations_are_checked(victim_on_two_cases):
    store, first, second, ann = victim_on_two_cases
    stranger = add_person(store, first, "Will Witness", role="witness")
    before = _count(store, ReviewExplanation)
    bad = [
        (ann, date(2026, 7, 1), "call", "explained_on"),  # in the future
        (ann, date(2026, 3, 2), "pigeon", "method"),
        (stranger, date(2026, 3, 2), "call", "person_id"),  # a witness: no complaints of theirs
    ]
    for person, on, method, field in bad:
        with pytest.raises(CaseworkError) as refused:
            case_review.record_explanation(store, first, person, on, method, today=TODAY)
        assert [p.field for p in refused.value.problems] == [field]
    assert _count(store, ReviewExplanation) == before


def test_a_place_and_the_local_routes(store):
    case = new_case(store, "CAR-2026-0003", hate="yes")
    park = uuid.uuid4()
    with store.write() as s:
        s.add(Place(id=park, name="Bitts Park", town="Carlisle"))
    bea = add_person(store, case, "Bea Victim")
    # one hate incident: reached by the local route
    _report(store, case, dt(2026, 6, 1), dt(2026, 6, 1, 1))
    [entry] = case_review.queue(store, today=TODAY)
    assert (entry.subject_id, entry.count, entry.status, entry.route) == (
        bea, 1, "reached", "hate_incident")  # fmt: skip
    off = replace(case_review.settings(), hate_incident=0)
    assert case_review.queue(store, today=TODAY, config=off) == []
    # five complainants about the park: reached, though one case is under the threshold
    other = new_case(store, "CAR-2026-0004")
    reporters = [add_person(store, other, f"Neighbour {n}", role="reporter") for n in range(5)]
    incident = dt(2026, 5, 5, 22)
    for who in reporters:
        _report(store, other, dt(2026, 5, 6), incident, place=park, reporter=who)
    places = [e for e in case_review.queue(store, today=TODAY) if e.kind == "place"]
    assert [(e.name, e.count, e.route) for e in places] == [
        ("Bitts Park, Carlisle", 1, "different_complainants")]  # fmt: skip
    assert places[0].explained is None and not places[0].needs_explaining


# --- the review ---------------------------------------------------------------------------


def _count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_review_from_application_to_escalation(victim_on_two_cases):
    store, first, _second, ann = victim_on_two_cases
    council = agency_id(store, "CUMBERLAND")
    draft = ReviewDraft(person_id=ann, received_on=date(2026, 6, 1))
    review_id, version = case_review.save_review(store, first, draft, today=TODAY)
    line = case_review.review(store, review_id)
    assert (line.stage, line.subject, line.case_reference) == (
        "application received", "Ann Victim", "CAR-2026-0001")  # fmt: skip
    steps = [d.describe(TODAY) for d in case_review.deadlines(line.draft)]
    assert steps[0] == "Acknowledge: due 08/06/2026 (overdue)"
    draft = replace(draft, acknowledged_on=date(2026, 6, 2), decision="met",
                    decided_on=date(2026, 6, 5), decision_reasons="Four complaints, linked",
                    meeting_on=date(2026, 6, 12), meeting_agencies=(council,))  # fmt: skip
    _, version = case_review.save_review(store, first, draft, review_id=review_id,
                                         base_version=version, today=TODAY)  # fmt: skip
    # recommendations: real actions on the case
    action_id = case_review.add_recommendation(store, review_id, council, "Mediation offered",
                                               "Housing officer", date(2026, 7, 15),
                                               today=TODAY)  # fmt: skip
    with store.read() as s:
        action = s.get(Action, action_id)
        assert (action.case_id, action.owner, action.due_on) == (
            first, "Housing officer", date(2026, 7, 15))  # fmt: skip
        assert s.scalar(select(ReviewRecommendation.review_id).where(
            ReviewRecommendation.action_id == action_id)) == review_id  # fmt: skip
    draft = replace(draft, outcome="recommendations", outcome_sent_on=date(2026, 6, 15),
                    outcome_summary="Mediation; weekly patrols", dissatisfied_on=date(2026, 6, 20),
                    dissatisfaction_outcome="Reviewed by the chair",
                    escalated_on=date(2026, 6, 25), escalation_outcome="Sent to the PCC")  # fmt: skip
    _, version = case_review.save_review(store, first, draft, review_id=review_id,
                                         base_version=version, today=TODAY)  # fmt: skip
    line = case_review.review(store, review_id)
    assert line.stage == "escalated" and len(line.recommendations) == 1
    assert line.recommendations[0].description == "Mediation offered"
    with store.read() as s:
        assert s.get(CaseReview, review_id).closed_on == date(2026, 6, 15)
    [ann_entry, *_] = case_review.queue(store, today=TODAY)
    assert ann_entry.review == "escalated"
    # a stale editor is refused
    with pytest.raises(Exception, match="changed by someone else"):
        case_review.save_review(store, first, draft, review_id=review_id, base_version=1,
                                today=TODAY)  # fmt: skip
    figures = case_review.yearly_return(store, 2026)["Carlisle"]
    assert figures == {"applications": 1, "threshold_not_met": 0, "reviews_carried_out": 1,
                       "reviews_with_recommendations": 1}  # fmt: skip
    assert case_review.yearly_return(store, 2025)["Carlisle"]["applications"] == 0


BAD_DATES = [
    # (changes to a good application, the field refused)
    ({"decision": "not_met", "decided_on": date(2026, 5, 31), "decision_reasons": "x"},
     "decided_on"),  # a decision before its application
    ({"acknowledged_on": date(2026, 5, 30)}, "acknowledged_on"),  # acknowledged before received
    ({"decision": "met", "decided_on": date(2026, 6, 5), "decision_reasons": "x",
      "meeting_on": date(2026, 6, 4)}, "meeting_on"),  # meeting before the decision
    ({"meeting_on": date(2026, 6, 4)}, "meeting_on"),  # a meeting with no decision
    ({"received_on": date(2026, 7, 1)}, "received_on"),  # in the future
    ({"decision": "met", "decided_on": date(2026, 6, 5)}, "decision_reasons"),
    ({"outcome": "none", "outcome_sent_on": date(2026, 6, 6), "outcome_summary": "x"},
     "outcome"),  # an outcome before any meeting
    ({"escalated_on": date(2026, 6, 6)}, "escalated_on"),  # escalated, never dissatisfied
    ({"applicant_is_victim": False, "applicant_name": "Her son"}, "consent_on"),
    ({"person_id": None}, "person_id"),
]  # fmt: skip


@pytest.mark.parametrize("changes, field", BAD_DATES, ids=[f for _c, f in BAD_DATES])
def test_bad_input_is_one_sentence_beside_its_field_and_nothing_is_saved(victim_on_two_cases,
                                                                         changes, field):  # fmt: skip
    store, first, _second, ann = victim_on_two_cases
    draft = replace(ReviewDraft(person_id=ann, received_on=date(2026, 6, 1)), **changes)
    problems = case_review.validate(draft, TODAY)
    assert [p.field for p in problems] == [field], problems
    assert problems[0].message.endswith(".") and problems[0].message.count(". ") == 0
    before = state(store.path)
    with pytest.raises(CaseworkError):
        case_review.save_review(store, first, draft, today=TODAY)
    assert state(store.path) == before


def test_at_the_threshold_the_act_says_met(victim_on_two_cases):
    store, first, second, ann = victim_on_two_cases
    draft = ReviewDraft(person_id=ann, received_on=date(2026, 6, 1), decision="not_met",
                        decided_on=date(2026, 6, 3), decision_reasons="Not persistent")  # fmt: skip
    case_review.save_review(store, first, draft, today=TODAY)  # two on this case: a choice
    links.link(store, first, second, "related", "Same neighbours")
    with pytest.raises(CaseworkError, match=r"s\.104\(4\)"):  # four, linked: the Act's
        case_review.save_review(store, first, draft, today=TODAY)
    assert _count(store, CaseReview) == 1


def test_recommendations_wait_for_the_meeting(victim_on_two_cases):
    store, first, _second, ann = victim_on_two_cases
    review_id, _ = case_review.save_review(
        store, first, ReviewDraft(person_id=ann, received_on=date(2026, 6, 1)), today=TODAY
    )
    before = _count(store, Action)
    with pytest.raises(CaseworkError, match="meeting before"):
        case_review.add_recommendation(store, review_id, agency_id(store, "POLICE"), "Patrols")
    assert _count(store, Action) == before and _count(store, ReviewRecommendation) == 0


# --- who may ----------------------------------------------------------------------------------


@pytest.fixture
def staffed(tmp_path):
    """A Carlisle station with every role; Vera the victim of the council's first case with
    two qualifying complaints, and a case of the police alone that the partner does not see."""
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    with store.read() as s:
        seen = s.scalar(select(Case.id).order_by(Case.seq).limit(1))
    vera = add_person(store, seen, "Vera Victim")
    hidden = new_case(store, "CAR-2026-0099")
    from hubapp.store.casework import assignments

    assignments.set_role(store, hidden, agency_id(store, "POLICE"), "lead")
    hal = add_person(store, hidden, "Hal Hidden")
    today = date.today()
    for case in (seen, hidden):
        for days in (3, 40):
            when = datetime.combine(today - timedelta(days=days), datetime.min.time())
            _report(store, case, when.replace(hour=9))
    store.close()
    return db, seen, vera, hidden, hal


def _as(db, user):
    store = open_store(db)
    accounts.sign_in(store, user, STAFF_PASSWORD)
    return store


@pytest.mark.parametrize("user", ["cara", "rory"])
def test_partner_and_read_only_cannot_record_a_review(staffed, user):
    db, seen, vera, *_ = staffed
    store = _as(db, user)
    try:
        before = state(db)
        with pytest.raises(Refused):
            case_review.save_review(store, seen, ReviewDraft(person_id=vera,
                                    received_on=date.today()))  # fmt: skip
        assert state(db) == before
    finally:
        store.close()


def test_a_partner_explains_on_its_cases_and_read_only_cannot(staffed):
    db, seen, vera, hidden, hal = staffed
    store = _as(db, "rory")
    try:
        before = state(db)
        with pytest.raises(Refused, match="read-only"):
            case_review.record_explanation(store, seen, vera, date.today(), "call")
        assert state(db) == before
    finally:
        store.close()
    store = _as(db, "cara")
    try:
        before = state(db)
        with pytest.raises(Refused):  # a case of another agency: not theirs to see
            case_review.record_explanation(store, hidden, hal, date.today(), "visit")
        assert state(db) == before
        case_review.record_explanation(store, seen, vera, date.today(), "visit")
    finally:
        store.close()


def test_a_partner_sees_only_its_cases_victims_in_the_queue(staffed):
    db, _seen, vera, _hidden, hal = staffed
    store = _as(db, "cara")
    try:
        assert {e.subject_id for e in case_review.queue(store)} == {vera}
    finally:
        store.close()
    store = _as(db, "pete")
    try:
        assert {e.subject_id for e in case_review.queue(store)} == {vera, hal}
    finally:
        store.close()


# --- the command line -----------------------------------------------------------------------


def test_the_queue_and_the_return_on_the_command_line(staffed, monkeypatch, capsys):
    db, _seen, vera, _hidden, hal = staffed
    code, out, err = run_command(db, "--user", "cara", "case-review", "queue", "--format", "json",
                                 password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    [entry] = json.loads(out)
    assert (entry["name"], entry["count"], entry["status"], entry["explained"]) == (
        "Vera Victim", 2, "approaching", False)  # fmt: skip
    store = open_store(db)
    try:
        with store.read() as s:
            consulted = s.scalars(select(AuditEntry).where(AuditEntry.kind == "consultation")
                                  .order_by(AuditEntry.id.desc())).first()  # fmt: skip
        assert consulted.user == "cara" and str(vera) in consulted.record_ids
        assert str(hal) not in consulted.record_ids
    finally:
        store.close()
    code, out, err = run_command(db, "--user", "pete", "case-review", "queue", "--hub", "Carlisle",
                                 password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and "Hal Hidden" in out and "NOT EXPLAINED" in out
    code, out, err = run_command(db, "--user", "pete", "case-review", "return", "--year", "2026",
                                 "--format", "csv", password=STAFF_PASSWORD,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == ("year,hub,applications,threshold_not_met,reviews_carried_out,"
                                   "reviews_with_recommendations")  # fmt: skip
    assert "2026,Total,0,0,0,0" in out


@pytest.mark.parametrize("args, message", [
    (["queue", "--format", "xml"], "cannot print the queue as 'xml'; choose text or json."),
    (["return", "--year", "26"], "'26' is not a year: use --year YYYY, for example --year 2026."),
    (["return"], "give the year: use --year YYYY, for example --year 2026."),
    (["return", "--year", "2026", "--format", "pdf"],
     "cannot print the figures as 'pdf'; choose json or csv."),
])  # fmt: skip
def test_bad_command_lines_are_one_sentence(staffed, monkeypatch, capsys, args, message):
    db, *_ = staffed
    code, out, err = run_command(db, "--user", "pete", "case-review", *args,
                                 password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, out, err) == (1, "", f"hubapp: {message}\n")


# --- the meeting pack and the outcome letter --------------------------------------------------


def _pdf_text(document) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(document.pdf)).pages)


def test_the_pack_section_keeps_to_the_profile(victim_on_two_cases):
    from hubapp.documents import printing

    store, first, second, ann = victim_on_two_cases
    links.link(store, first, second, "related", "Same neighbours")
    texts = {p: _pdf_text(printing.meeting_pack(store, "Carlisle", p, today=TODAY))
             for p in ("police", "partner", "public")}  # fmt: skip
    for text in texts.values():
        assert "ASB Case Review" in text and "reached a review" in text
    assert "Victim Ann Victim" in texts["police"] and "NOT explained" in texts["police"]
    assert "Ann Victim" not in texts["partner"] and "CAR-2026-0002" in texts["partner"]
    assert "NOT explained" in texts["partner"]  # counts and dates, no name
    assert "Ann Victim" not in texts["public"] and "NOT explained" not in texts["public"]


def test_the_outcome_letter_names_the_routes_and_is_recorded_when_saved(victim_on_two_cases,
                                                                         tmp_path):  # fmt: skip
    from hubapp.documents import printing, review_letter

    store, first, _second, ann = victim_on_two_cases
    draft = ReviewDraft(person_id=ann, received_on=date(2026, 6, 1), decision="met",
                        decided_on=date(2026, 6, 5), decision_reasons="Harm to the victim",
                        meeting_on=date(2026, 6, 12))  # fmt: skip
    review_id, version = case_review.save_review(store, first, draft, today=TODAY)
    case_review.add_recommendation(store, review_id, agency_id(store, "POLICE"),
                                   "Weekly patrols <b>at night</b>", "PC 1234",
                                   date(2026, 7, 1), today=TODAY)  # fmt: skip
    document = review_letter.outcome_letter(store, review_id, today=TODAY)
    text = _pdf_text(document)
    for words in ("ASB Case Review: the outcome", "Dear Ann Victim", "Harm to the victim",
                  "Weekly patrols <b>at night</b>", "OFFICIAL-SENSITIVE",
                  "Police, Fire and Crime Commissioner", "01/07/2026"):  # fmt: skip
        assert words in " ".join(text.split()), words
    before = _count(store, AuditEntry)
    target = printing.save(store, document, tmp_path / document.suggested_name())
    assert target.name == "case-review-letter-CAR-2026-0001-police.pdf"
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.kind == "disclosure" and entry.details["document"] == "review_letter"
    assert _count(store, AuditEntry) > before


# --- the import's reporter_role -----------------------------------------------------------------


def test_the_import_reads_the_reporters_role(store, tmp_path):
    from hubapp.store.exchange.importer import import_file
    from hubapp.store.schema import CasePerson

    path = tmp_path / "forms.csv"
    path.write_text(
        "received,hub,channel,category,summary,reporter_name,reporter_contact,Reporter role\r\n"
        "01/06/2026 09:30,CAR,online_form,asb_nuisance,Music all night 1,Ann Smith,07700 900111,Yes\r\n"
        "20/06/2026 09:30,CAR,online_form,asb_nuisance,Music all night 2,Ann Smith,07700 900111,victim\r\n"
        "21/06/2026 09:30,CAR,online_form,asb_nuisance,Music all night 3,Bo Jones,07700 900222,witness\r\n"
        "22/06/2026 09:30,CAR,online_form,asb_nuisance,Music all night 4,Cy Brown,07700 900333,\r\n"
        "23/06/2026 09:30,CAR,online_form,asb_nuisance,Music all night 5,Di Green,07700 900444,aunt\r\n"
        "24/06/2026 09:30,CAR,online_form,asb_nuisance,Music all night 6,,,victim\r\n",
        encoding="utf-8",
    )  # fmt: skip
    result = import_file(store, path, now=datetime(2026, 6, 30, 12))
    assert result.imported == 4
    reasons = [r.reason for r in result.rejected]
    assert reasons == [
        'the reporter\'s role "aunt" is not one of victim, complainant, witness or reporter.',
        "the reporter's role is given without the reporter's name or contact.",
    ]
    with store.read() as s:
        roles = sorted(s.scalars(select(CasePerson.role)))
    assert roles == ["reporter", "victim", "victim", "witness"]
    # Ann's two reports, on two cases: one each by case; two once every case counts
    assert {e.count for e in case_review.queue(store, today=TODAY)} == set()
    every = replace(case_review.settings(), count_all_cases=True)
    [ann] = case_review.queue(store, today=TODAY, config=every)
    assert (ann.name, ann.count, ann.status) == ("Ann Smith", 2, "approaching")


def test_the_queue_s_sql_agrees_with_the_rule_on_demo_data(demo_store):
    """The queue counts in SQL; tally_reports is the rule in Python (asb_review.count with
    the routes): on the demo data they agree for every victim's group and every place."""
    from hubapp.store.schema import CaseLink, CasePerson

    today = date.today()
    config = replace(case_review.settings(), approaching=1)
    entries = case_review.queue(demo_store, today=today, config=config)
    assert len(entries) > 50
    with demo_store.read() as s:
        groups = case_review.case_groups(s.execute(
            select(CaseLink.case_id, CaseLink.other_case_id).where(CaseLink.voided.is_(False))
        ).all())  # fmt: skip
        hate = set(s.scalars(select(Case.id).where(Case.hate == "yes")))

        def reports(where) -> list[Report]:
            return [Report(r, i, c, who, c in hate) for r, i, c, who in s.execute(
                select(Contact.received_at, Contact.incident_at, Contact.case_id,
                       Contact.reporter_person_id).where(Contact.voided.is_(False), *where))]  # fmt: skip

        checked = 0
        for e in entries[:80]:
            if e.kind == "place":
                rows = reports([Contact.place_id == e.subject_id])
            else:
                cases = set(s.scalars(select(CasePerson.case_id).where(
                    CasePerson.person_id == e.subject_id, CasePerson.voided.is_(False),
                    CasePerson.role.in_(asb_review.VICTIM_ROLES))))  # fmt: skip
                mine = groups.get(e.case_id, e.case_id)
                cases = {c for c in cases if groups.get(c, c) == mine}
                rows = reports([Contact.case_id.in_(cases)])
            rule = case_review.tally_reports(rows, today)
            assert (rule.tally.count, rule.route(config) or "") == (e.count, e.route), e
            checked += 1
    assert checked > 50
    # counting every case of a victim is the early warning's count
    every = replace(config, count_all_cases=True, hate_incident=0, different_complainants=0)
    warned = {(w.kind, w.subject_id): w.tally.count
              for w in asb_review.hub_list(demo_store, today=today, minimum=1)}  # fmt: skip
    assert {(e.kind, e.subject_id): e.count
            for e in case_review.queue(demo_store, today=today, config=every)} == warned  # fmt: skip


def test_a_partner_cannot_add_recommendations_or_make_the_letter(staffed):
    from hubapp.documents import review_letter

    db, seen, vera, *_ = staffed
    store = _as(db, "cora")
    try:
        draft = ReviewDraft(person_id=vera, received_on=date.today() - timedelta(days=3),
                            decision="met", decided_on=date.today() - timedelta(days=2),
                            decision_reasons="Persistent", meeting_on=date.today())  # fmt: skip
        review_id, _ = case_review.save_review(store, seen, draft)
    finally:
        store.close()
    store = _as(db, "cara")
    try:
        before = state(db)
        with pytest.raises(Refused, match="^Only a coordinator, police staff or an administrator"):
            case_review.add_recommendation(store, review_id, agency_id(store, "CUMBERLAND"),
                                           "Our own idea")  # fmt: skip
        with pytest.raises(Refused, match="^Only a coordinator, police staff or an administrator"):
            review_letter.outcome_letter(store, review_id)
        assert state(db) == before
    finally:
        store.close()


def test_the_review_s_free_text_stays_out_of_the_audit_log(victim_on_two_cases):
    store, first, _second, ann = victim_on_two_cases
    draft = ReviewDraft(person_id=ann, received_on=date(2026, 6, 1))
    review_id, version = case_review.save_review(store, first, draft, today=TODAY)
    case_review.save_review(store, first, replace(draft, decision="met",
                            decided_on=date(2026, 6, 2), decision_reasons="Ann is afraid"),
                            review_id=review_id, base_version=version, today=TODAY)  # fmt: skip
    with store.read() as s:
        logged = " ".join(str(e.details) for e in s.scalars(select(AuditEntry)))
    assert "Ann is afraid" not in logged and "decision_reasons" in logged


def test_the_pack_lists_what_the_meeting_acts_on_and_counts_the_rest():
    """Victims before places, reached before approaching, approaching victims only when not
    told of the review; at most PACK_REVIEW_ROWS rows, the rest counted for the note."""
    import uuid as uuid_

    from hubapp.documents import gather
    from hubapp.domain.redaction import Profile, rules
    from hubapp.store.casework.case_review import QueueEntry

    def entry(kind, status, count, needs=False):
        return QueueEntry(
            kind,
            uuid_.uuid4(),
            f"{kind} {count}",
            count,
            status,
            "",
            uuid_.uuid4(),
            f"CAR-2026-{count:04d}",
            "Carlisle",
            None,
            None,
            None,
            needs,
        )

    entries = ([entry("place", "reached", 50 + i) for i in range(60)]
               + [entry("victim", "approaching", 2, needs=True),
                  entry("victim", "approaching", 2, needs=False),
                  entry("victim", "reached", 3)])  # fmt: skip
    rows, counts = gather.case_review_rows(entries, rules(Profile.POLICE))
    assert len(rows) == gather.PACK_REVIEW_ROWS
    assert [r[2] for r in rows[:2]] == ["Victim victim 3", "Victim victim 2"]
    assert rows[1][5] == "NOT explained" and rows[2][2].startswith("Place")
    assert all("Victim victim 2" != r[2] or r[5] == "NOT explained" for r in rows)
    assert counts["left_out"] == len(entries) - gather.PACK_REVIEW_ROWS
    assert counts["reached"] == 61 and counts["approaching"] == 2
