"""Hate by perception, safeguarding flags, referrals and the risk assessment's new answers,
through the store (no Qt): real SQLite, real accounts where a role matters."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta

import pytest
from casework import STAFF_PASSWORD, add_person, new_case, staff_database, state

from hubapp.documents import printing
from hubapp.domain.redaction import Profile
from hubapp.store import access, accounts
from hubapp.store.casework import caseview, hate, people, referrals, risk, safeguarding
from hubapp.store.database import open_store
from hubapp.store.errors import Refused
from hubapp.store.intake import form as intake
from hubapp.store.schema import AuditEntry, Case, Person, Referral, RiskAssessment

NOW = datetime(2026, 11, 25, 14, 0)
TODAY = date(2026, 11, 25)


def victim_answers(*yes: str, **others: str) -> dict[str, str]:
    out = {q.code: ("yes" if q.code in yes else "no") for q in risk.questionnaire().questions}
    out.update(others)
    return out


def report(**changes) -> intake.IntakeForm:
    values = dict(
        hub="CAR", channel="call_101", category="asb_nuisance", received="25/11/2026 13:40",
        location="Bitts Park", town="Carlisle", summary="Youths shouting abuse at a neighbour",
    )  # fmt: skip
    values.update(changes)
    return intake.IntakeForm(**values)


# --- hate ---------------------------------------------------------------------------------


def test_the_strands_and_the_categories_that_need_the_answer_are_data():
    rules = hate.rules()
    national = {s.code for s in rules.strands if not s.local}
    assert national == {"race", "religion", "sexual_orientation", "disability", "transgender"}
    assert hate.required_for("asb_personal") and hate.required_for("asb_environmental")
    assert not hate.required_for("road_safety") and not hate.required_for("")
    custom = hate.parse({"strand": [{"code": "x", "name": "X"}],
                         "intake": {"required_for": ["drugs"]}})  # fmt: skip
    assert custom.needs_answer("drugs") and not custom.needs_answer("asb_nuisance")
    with pytest.raises(ValueError):
        hate.parse({"strand": []})


def test_an_asb_intake_is_not_saved_without_the_hate_answer(store):
    problems = intake.validate(report(), NOW)
    assert [p.field for p in problems] == ["hate"]
    assert problems[0].message.startswith("Ask whether anyone perceives this as hate")
    with pytest.raises(intake.IntakeError):
        intake.save(store, report(), now=NOW)
    with store.read() as s:
        assert s.query(Case).count() == 0
    # other categories may leave it unasked
    assert intake.validate(report(category="road_safety"), NOW) == []


def test_a_yes_needs_its_strands_and_only_known_ones(store):
    fields = {p.field for p in intake.validate(report(hate="yes"), NOW)}
    assert fields == {"hate_strands"}
    problems = intake.validate(report(hate="yes", hate_strands=["race", "ufo"]), NOW)
    assert [p.message for p in problems] == ["Unknown hate strands: ufo."]
    assert {p.field for p in intake.validate(report(hate="maybe"), NOW)} == {"hate"}


def test_hate_recorded_at_intake_raises_the_risk_to_at_least_medium(store):
    saved = intake.save(store, report(hate="yes", hate_strands=["disability", "race"]), now=NOW)
    with store.read() as s:
        case = s.get(Case, saved.case_id)
        assert case.hate == "yes"
        assert case.hate_strands == ["race", "disability"]  # in the list's order
        assert case.risk_level == "medium"
    other = intake.save(store, report(hate="not_known", hate_strands=["race"]), now=NOW)
    with store.read() as s:
        case = s.get(Case, other.case_id)
        assert (case.hate, case.hate_strands, case.risk_level) == ("not_known", [], "standard")


def test_the_risk_assessment_of_a_hate_case_computes_at_least_medium(store):
    saved = intake.save(store, report(hate="yes", hate_strands=["religion"], people=[
        intake.PersonEntry(full_name="Nadia Shah", risk_answers=victim_answers())]), now=NOW)  # fmt: skip
    with store.read() as s:
        row = s.query(RiskAssessment).one()
        assert row.score == 0 and row.level == "medium"
        assert s.get(Case, saved.case_id).risk_level == "medium"
    assert risk.assess(victim_answers(), TODAY).level == "standard"
    assert risk.assess(victim_answers(), TODAY, hate="yes").level == "medium"
    assert risk.assess(victim_answers("threats"), TODAY, hate="yes").level == "high"


def test_a_further_report_only_adds_to_the_hate_answer(store):
    first = intake.save(store, report(hate="no"), now=NOW)
    intake.save(store, report(hate="not_known"), first.case_id, now=NOW)
    with store.read() as s:
        assert s.get(Case, first.case_id).hate == "no"
    intake.save(store, report(hate="yes", hate_strands=["race"]), first.case_id, now=NOW)
    intake.save(store, report(hate="yes", hate_strands=["religion"]), first.case_id, now=NOW)
    intake.save(store, report(hate="no"), first.case_id, now=NOW)
    with store.read() as s:
        case = s.get(Case, first.case_id)
        assert (case.hate, case.hate_strands, case.risk_level) == (
            "yes", ["race", "religion"], "medium")  # fmt: skip
    # a further report need not answer it
    assert intake.validate(report(), NOW, attaching=True) == []


def test_the_hate_answer_round_trips_through_a_draft():
    form = report(hate="yes", hate_strands=["transgender"])
    again = intake.IntakeForm.from_dict(form.to_dict())
    assert (again.hate, again.hate_strands) == ("yes", ["transgender"])
    assert intake.IntakeForm.from_dict({"hate_strands": "race"}).hate_strands == []


def test_hate_on_a_case_is_a_change_of_the_case(tmp_path):
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    try:
        with store.read() as s:
            case_id = s.query(Case).order_by(Case.seq).first().id
        for partner in ("cara", "rory"):
            accounts.sign_in(store, partner, STAFF_PASSWORD)
            before = state(db)
            with pytest.raises(access.AccessRefused):
                hate.set_case_hate(store, case_id, "yes", ["race"])
            assert state(db) == before
        accounts.sign_in(store, "pete", STAFF_PASSWORD)
        with pytest.raises(Refused, match="Choose the strand"):
            hate.set_case_hate(store, case_id, "yes", [])
        assert hate.set_case_hate(store, case_id, "yes", ["sexual_orientation"])
        with store.read() as s:
            case = s.get(Case, case_id)
            assert (case.hate, case.risk_level) == ("yes", "medium")
            entries = s.query(AuditEntry).filter(AuditEntry.entity == "case_").order_by(
                AuditEntry.id.desc()).limit(2).all()  # fmt: skip
            assert "'hate': ['', 'yes']" in " ".join(str(e.details) for e in entries)
        # the partner print shows the flag and the strand (hubapp.documents), the text:
        assert hate.describe("yes", ["sexual_orientation"]) == (
            "Hate (perceived): sexual orientation")  # fmt: skip
    finally:
        store.close()


# --- risk assessments ----------------------------------------------------------------------


def test_declined_and_not_known_are_answers_of_their_own(store):
    case_id = new_case(store)
    answers = victim_answers("fear", health="declined", isolated="not_known")
    assert risk.validate(answers) == []
    assert risk.validate({**answers, "fear": "maybe"})[0].message == (
        "Answer yes, no, declined or not known.")  # fmt: skip
    result = risk.assess_case(store, case_id, None, answers, now=NOW)
    assert result.score == 3  # only the yes scores
    [line] = risk.for_case(store, case_id)
    given = dict(line.answers)
    texts = {q.code: q.text for q in risk.questionnaire().questions}
    assert given[texts["health"]] == "declined" and given[texts["isolated"]] == "not_known"
    assert given[texts["repeat"]] == "no"


def test_a_level_set_by_hand_needs_a_reason(store):
    case_id = new_case(store)
    with pytest.raises(risk.RiskError) as refused:
        risk.assess_case(store, case_id, None, victim_answers(), override_level="high", now=NOW)
    assert refused.value.problems[0].field == "override_reason"
    with store.read() as s:
        assert s.query(RiskAssessment).count() == 0
    result = risk.assess_case(store, case_id, None, victim_answers(), override_level="high",
                              override_reason="Known to carry a knife", now=NOW)  # fmt: skip
    assert result.level == "high" and result.next_review_on == TODAY + timedelta(days=14)
    with store.read() as s:
        row = s.query(RiskAssessment).one()
        assert (row.level, row.override_level, row.override_reason) == (
            "standard", "high", "Known to carry a knife")  # fmt: skip
        assert s.get(Case, case_id).risk_level == "high"


def test_a_hate_case_cannot_be_set_below_medium_by_hand(store):
    case_id = new_case(store, hate="yes", hate_strands=["race"])
    with pytest.raises(risk.RiskError, match="perceived as hate"):
        risk.assess_case(store, case_id, None, victim_answers(), override_level="standard",
                         override_reason="Seems fine", now=NOW)  # fmt: skip


def test_an_alleged_perpetrator_has_a_questionnaire_of_their_own(store):
    case_id = new_case(store)
    perp = add_person(store, case_id, "Kyle Dunn", role="alleged_perpetrator")
    q = risk.questionnaire(risk.PERPETRATOR)
    assert {x.code for x in q.questions} == {"weapons", "violence", "escalation", "vulnerable",
                                              "substances"}  # fmt: skip
    answers = {x.code: "no" for x in q.questions} | {"weapons": "yes", "substances": "declined"}
    result = risk.assess_case(store, case_id, perp, answers, subject=risk.PERPETRATOR, now=NOW)
    assert result.level == "high"
    with store.read() as s:
        # the case's (victim) risk level is not the perpetrator's
        assert s.get(Case, case_id).risk_level == "standard"
        assert s.query(RiskAssessment).one().subject == "alleged_perpetrator"
    with pytest.raises(risk.RiskError):  # the victim's questions are not theirs
        risk.assess_case(store, case_id, perp, victim_answers(), subject=risk.PERPETRATOR)


def test_a_new_report_on_an_assessed_victim_asks_for_reassessment(store):
    first = intake.save(store, report(hate="no", people=[
        intake.PersonEntry(full_name="Nadia Shah", risk_answers=victim_answers())]), now=NOW)  # fmt: skip
    assert first.reassess == ""
    assert caseview.load(store, first.case_id).reassess == ""
    again = intake.save(store, report(), first.case_id, now=NOW)
    assert again.reassess == risk.REASSESS == "Reassess: a new report since the last assessment."
    assert caseview.load(store, first.case_id).reassess == risk.REASSESS
    with store.read() as s:
        victim = s.query(Person).filter_by(full_name="Nadia Shah").one().id
    risk.assess_case(store, first.case_id, victim, victim_answers("fear"))
    assert caseview.load(store, first.case_id).reassess == ""
    # a case without a victim asks nothing
    plain = intake.save(store, report(hate="no"), now=NOW)
    assert intake.save(store, report(), plain.case_id, now=NOW).reassess == ""


# --- safeguarding flags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "child"),
    [
        (date(2008, 11, 26), True),  # 18 tomorrow
        (date(2008, 11, 25), False),  # 18 today
        (date(2015, 2, 1), True),
        (date(1980, 1, 1), False),
        (None, False),
    ],
)
def test_a_child_is_worked_out_from_the_date_of_birth(born, child):
    assert safeguarding.is_child(born, TODAY) is child


def test_a_leap_day_birthday_comes_of_age_on_the_first_of_march():
    born = date(2008, 2, 29)
    assert safeguarding.is_child(born, date(2026, 2, 28))
    assert not safeguarding.is_child(born, date(2026, 3, 1))


def test_a_date_of_birth_in_the_future_is_refused(store):
    case_id = new_case(store)
    person = add_person(store, case_id, "Sam Young")
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(Refused, match="cannot be in the future"):
        safeguarding.set_date_of_birth(store, person, tomorrow)
    with store.read() as s:
        assert s.get(Person, person).date_of_birth is None
    assert safeguarding.set_date_of_birth(store, person, date(2015, 6, 1))
    page = people.show(store, person)
    assert page.safeguarding.child
    assert "Child" in caseview.load(store, case_id).people[0].flags


def test_a_vulnerable_adult_is_flagged_with_a_reason_and_audited(store):
    case_id = new_case(store)
    person = add_person(store, case_id, "Edna Hart")
    with pytest.raises(Refused, match="Say why"):
        safeguarding.set_vulnerable(store, person, True, "  ")
    assert safeguarding.set_vulnerable(store, person, True, "Dementia; lives alone")
    page = people.show(store, person)
    assert page.safeguarding.vulnerable and page.safeguarding.reason == "Dementia; lives alone"
    assert page.safeguarding.lines() == ["Vulnerable adult: Dementia; lives alone."]
    [line] = caseview.load(store, case_id).people
    assert line.flags == "Vulnerable adult"
    with store.read() as s:
        entry = s.query(AuditEntry).filter(AuditEntry.entity == "person").order_by(
            AuditEntry.id.desc()).first()  # fmt: skip
        assert "Dementia" not in str(entry.details)  # the reason's text stays out of the log
    assert safeguarding.set_vulnerable(store, person, False)
    assert not people.show(store, person).safeguarding.vulnerable


# --- referrals ----------------------------------------------------------------------------------


@pytest.fixture
def station(tmp_path):
    """A station with every role, a case led by the partner's agency (so the partner and the
    read-only account see it) with a victim, and a MARAC and a Victim Support referral."""
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    accounts.sign_in(store, "pete", STAFF_PASSWORD)
    with store.read() as s:
        case = s.query(Case).order_by(Case.seq).first()
        case_id, ref = case.id, case.reference
    victim = add_person(store, case_id, "Vera Victim")
    marac = referrals.add(store, referrals.ReferralDraft(
        case_id, victim, "marac", date(2026, 5, 4), reference="MARAC/26/117"))  # fmt: skip
    support = referrals.add(store, referrals.ReferralDraft(
        case_id, victim, "victim_support", date(2026, 5, 5)))  # fmt: skip
    yield store, db, case_id, ref, victim, marac, support
    store.close()


def test_a_referral_records_who_when_and_what(station):
    store, _db, case_id, _ref, victim, marac, _support = station
    with store.read() as s:
        row = s.get(Referral, marac)
        assert (row.pathway, row.referred_on, row.referred_by, row.reference) == (
            "marac", date(2026, 5, 4), "pete", "MARAC/26/117")  # fmt: skip
        assert row.agency_id is not None and row.person_id == victim and row.case_id == case_id


@pytest.mark.parametrize(
    ("draft", "field", "sentence"),
    [
        (dict(pathway="maracc"), "pathway", "'maracc' is not a referral pathway"),
        (dict(pathway=""), "pathway", "Choose the pathway from the list"),
        (dict(referred_on=date.today() + timedelta(days=1)), "referred_on", "in the future"),
        (dict(referred_on=None), "referred_on", "Give the date"),
        (dict(person_id=None), "person", "Choose the person"),
    ],
)
def test_a_bad_referral_is_refused_on_its_field_with_nothing_written(station, draft, field,
                                                                     sentence):  # fmt: skip
    store, db, case_id, _ref, victim, *_ = station
    values = dict(case_id=case_id, person_id=victim, pathway="mash", referred_on=date(2026, 5, 4))
    values.update(draft)
    before = state(db)
    with pytest.raises(Refused) as refused:
        referrals.add(store, referrals.ReferralDraft(**values))
    assert refused.value.problems[0].field == field and sentence in str(refused.value)
    assert state(db) == before


def test_a_person_not_on_the_case_is_not_referred_from_it(station):
    store, db, case_id, *_ = station
    with store.write(reason="test") as s:
        stranger = Person(id=uuid.uuid4(), full_name="Not On It")
        s.add(stranger)
    before = state(db)
    with pytest.raises(Refused, match="not on this case"):
        referrals.add(store, referrals.ReferralDraft(case_id, stranger.id, "mash",
                                                     date(2026, 5, 4)))  # fmt: skip
    assert state(db) == before


@pytest.mark.parametrize("who", ["cara", "rory"])
def test_partners_and_read_only_staff_record_no_referral_and_flag_no_one(station, who):
    store, db, case_id, _ref, victim, *_ = station
    accounts.sign_in(store, who, STAFF_PASSWORD)
    before = state(db)
    with pytest.raises(access.AccessRefused):
        referrals.add(store, referrals.ReferralDraft(case_id, victim, "mash", date(2026, 5, 4)))
    with pytest.raises(access.AccessRefused):
        safeguarding.set_vulnerable(store, victim, True, "Frail")
    assert state(db) == before


@pytest.mark.parametrize(
    ("who", "sees_marac"),
    [("ada", True), ("cora", True), ("pete", True), ("cara", False), ("rory", False)],
)
def test_a_marac_referral_is_seen_only_by_the_roles_its_pathway_names(station, who, sees_marac):
    """Every read path: the store's own select, the case window, the person page, a print
    and, for those who may make one, a subject access export."""
    store, _db, case_id, ref, victim, marac, support = station
    accounts.sign_in(store, who, STAFF_PASSWORD)
    expected = {"victim_support"} | ({"marac"} if sees_marac else set())
    with store.read() as s:
        assert {r.pathway for r in s.query(Referral)} == expected
        assert (s.get(Referral, marac) is not None) is sees_marac
        assert s.get(Referral, support) is not None
    assert {r.pathway for r in caseview.load(store, case_id).referrals} == expected
    assert {r.pathway for r in people.show(store, victim).referrals} == expected
    assert {r.pathway for r in referrals.for_case(store, case_id)} == expected
    police = pdf_text(printing.case_summary(store, ref, Profile.POLICE))
    assert "Victim Support" in police
    assert ("MARAC/26/117" in police) is sees_marac and ("MARAC" in police) is sees_marac
    partner = pdf_text(printing.case_summary(store, ref, Profile.PARTNER))
    assert "MARAC" not in partner and "Referrals" not in partner  # not printed for partners


def pdf_text(document) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(document.pdf)).pages
    return " ".join(" ".join(p.extract_text().split()) for p in pages)


def test_subject_access_lists_the_referrals_for_an_administrator(station, tmp_path):
    import json

    from hubapp.store.admin import subject_access

    store, _db, _case_id, _ref, victim, *_ = station
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    out = tmp_path / "sar.json"
    subject_access.write(store, victim, out)
    text = json.dumps(json.loads(out.read_text(encoding="utf-8")))
    assert "marac" in text and "victim_support" in text


def test_an_intake_carries_a_level_set_by_hand_only_with_its_reason(store):
    victim = intake.PersonEntry(full_name="Nadia Shah", risk_answers=victim_answers(),
                                risk_override="high")  # fmt: skip
    problems = intake.validate(report(hate="no", people=[victim]), NOW)
    assert [(p.field, p.message) for p in problems] == [
        ("people.0.risk", "Person 1: Say why the level is set by hand instead of the computed one.")]  # fmt: skip
    victim.risk_override_reason = "Threatened with a knife last year"
    saved = intake.save(store, report(hate="no", people=[victim]), now=NOW)
    with store.read() as s:
        assert s.get(Case, saved.case_id).risk_level == "high"
    # below a hate case's least, at intake too
    victim.risk_override, victim.risk_override_reason = "standard", "Seems settled"
    problems = intake.validate(report(hate="yes", hate_strands=["race"], people=[victim]), NOW)
    assert [p.field for p in problems] == ["people.0.risk"]


def test_the_risk_dialog_keeps_declined_and_not_known_and_asks_why_for_a_level_by_hand(qtbot):
    from hubapp.views.risk_dialog import RiskDialog

    d = RiskDialog("Ann", {"fear": "yes", "health": "declined"}, today=TODAY)
    qtbot.addWidget(d)
    d.others["isolated"].setCurrentIndex(d.others["isolated"].findData("not_known"))
    answers = d.answers()
    assert (answers["fear"], answers["health"], answers["isolated"]) == (
        "yes", "declined", "not_known")  # fmt: skip
    assert not d.boxes["health"].isEnabled()
    assert "2 declined or not known" in d.result_label.text()
    d.override_level.setCurrentIndex(d.override_level.findData("high"))
    d.accept()
    assert d.result() != d.DialogCode.Accepted and "Say why" in d.problem.text()
    d.override_reason.setText("Known to the police for weapons")
    d.accept()
    assert d.result() == d.DialogCode.Accepted
    assert d.override() == ("high", "Known to the police for weapons")
    assert "High risk</b> (set by hand)" in d.result_label.text()


# --- the command line ------------------------------------------------------------------------


def test_referral_add_on_the_command_line(station, monkeypatch, capsys):
    from casework import run_command

    store, db, case_id, ref, victim, *_ = station
    store.close()
    pid = people.reference(victim)

    def run(*args, user="pete"):
        return run_command(db, "--user", user, "referral", "add", *args, password=STAFF_PASSWORD,
                           monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip

    code, out, err = run(ref, "--person", pid, "--pathway", "channel", "--on", "06/05/2026",
                         "--reference", "CH/26/4", "--outcome", "Adopted by the panel")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.strip() == f"Referred {pid} to Channel (Prevent) on 06/05/2026 ({ref})."
    again = open_store(db)
    try:
        accounts.sign_in(again, "pete", STAFF_PASSWORD)
        with again.read() as s:
            row = s.query(Referral).filter_by(pathway="channel").one()
            assert (row.reference, row.outcome, row.referred_by) == (
                "CH/26/4", "Adopted by the panel", "pete")  # fmt: skip
    finally:
        again.close()
    before = state(db)
    future = (date.today() + timedelta(days=2)).strftime("%d/%m/%Y")
    for args, sentence in (
        ((ref, "--person", pid, "--pathway", "marac", "--on", future), "in the future"),
        ((ref, "--person", pid, "--pathway", "prevent", "--on", "06/05/2026"),
         "'prevent' is not a referral pathway"),
        ((ref, "--person", pid, "--pathway", "mash", "--on", "31/02/2026"), "is not a date"),
        ((ref, "--pathway", "mash", "--on", "06/05/2026"), "say who was referred"),
        (("CAR-2026-9999", "--person", pid, "--pathway", "mash", "--on", "06/05/2026"),
         "CAR-2026-9999"),
    ):  # fmt: skip
        code, out, err = run(*args)
        assert code == 1 and sentence in err and err.count("\n") == 1, err
        assert out == ""
    # a partner is refused up front, in the matrix's sentence
    code, _out, err = run(ref, "--person", pid, "--pathway", "mash", "--on", "06/05/2026",
                          user="cara")  # fmt: skip
    assert code == 1 and "Only a coordinator, police staff or an administrator" in err
    assert state(db) == before


# --- printing -----------------------------------------------------------------------------------


def test_prints_show_the_hate_flag_and_strands_and_nothing_more(store):
    saved = intake.save(store, report(hate="yes", hate_strands=["race", "religion"],
                                      details="Called names about his faith and colour."),
                        now=NOW)  # fmt: skip
    with store.read() as s:
        ref = s.get(Case, saved.case_id).reference
    police = pdf_text(printing.case_summary(store, ref, Profile.POLICE))
    partner = pdf_text(printing.case_summary(store, ref, Profile.PARTNER))
    public = pdf_text(printing.case_summary(store, ref, Profile.PUBLIC))
    line = "Hate Hate (perceived): race or ethnicity, religion or belief"
    assert line in police and line in partner
    assert "Hate" not in public and "perceived" not in public


def test_an_intake_assesses_an_alleged_perpetrator_with_their_own_questions(store):
    q = risk.questionnaire(risk.PERPETRATOR)
    answers = {x.code: "no" for x in q.questions} | {"violence": "yes", "weapons": "declined"}
    saved = intake.save(store, report(hate="no", people=[
        intake.PersonEntry(role="alleged_perpetrator", full_name="Kyle Dunn", risk_answers=answers),
        intake.PersonEntry(role="witness", full_name="Sam Hill", risk_answers=answers),
    ]), now=NOW)  # fmt: skip
    with store.read() as s:
        [row] = s.query(RiskAssessment).all()  # the witness's answers are not kept
        assert (row.subject, row.level, row.answers["weapons"]) == (
            "alleged_perpetrator", "medium", "declined")  # fmt: skip
        assert s.get(Case, saved.case_id).risk_level == "standard"  # the victims' level


def test_the_risk_button_asks_an_alleged_perpetrator_their_own_questions(qtbot, store):
    from casework import open_form

    w = open_form(qtbot, store)
    row = w.add_person(intake.PersonEntry(role="witness", full_name="Sam Hill"))
    assert not row.risk_button.isEnabled()
    row.role.setCurrentIndex(row.role.findData("alleged_perpetrator"))
    assert row.risk_button.isEnabled() and row.risk_label.text() == "Not assessed"
    assert row.subject() == risk.PERPETRATOR
