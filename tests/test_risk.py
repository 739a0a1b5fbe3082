"""Victim risk assessment: scores, levels, review dates from the data; the case follows the
highest level among its victims' latest assessments."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from casework import new_case

from hubapp.store.casework import risk
from hubapp.store.schema import Case, RiskAssessment

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 14, 0)


def answers(*yes: str) -> dict[str, str]:
    return {q.code: ("yes" if q.code in yes else "no") for q in risk.questionnaire().questions}


def test_the_questionnaire_is_data():
    q = risk.questionnaire()
    assert 8 <= len(q.questions) <= 12
    assert q.review_days == {"standard": 56, "medium": 28, "high": 14}


@pytest.mark.parametrize(
    ("yes", "level", "days"),
    [
        ((), "standard", 56),
        (("isolated", "children"), "standard", 56),
        (("repeat", "health", "isolated"), "medium", 28),  # 5
        (("hate",), "medium", 28),  # at least medium
        (("repeat", "vulnerable", "health", "fear", "isolated"), "high", 14),  # 10
        (("threats",), "high", 14),  # at least high
        (("self_harm",), "high", 14),
    ],
)
def test_levels_and_review_dates(yes, level, days):
    result = risk.assess(answers(*yes), TODAY)
    assert result.level == level
    assert result.next_review_on == TODAY + timedelta(days=days)


def test_intervals_and_thresholds_come_from_the_file():
    q = risk.parse({
        "levels": {"medium": 1, "high": 2},
        "review_days": {"medium": 7, "high": 3},
        "question": [{"code": "a", "text": "A?", "weight": 1}, {"code": "b", "text": "B?", "weight": 1}],
    })  # fmt: skip
    assert risk.assess({"a": "yes"}, TODAY, q).next_review_on == TODAY + timedelta(days=7)
    assert risk.assess({}, TODAY, q).next_review_on is None  # standard: 0, no review
    with pytest.raises(ValueError):
        risk.parse({"levels": {"medium": 3, "high": 2}, "review_days": {}, "question": []})


def test_incomplete_answers_are_refused():
    partial = answers()
    del partial["fear"]
    problems = risk.validate({**partial, "bogus": "yes"})
    assert {p.field for p in problems} == {"fear", "answers"}


def test_the_case_takes_the_highest_victim_and_follows_reassessment(store):
    case_id = new_case(store)
    victim_a, victim_b = None, __import__("uuid").uuid4()
    r = risk.assess_case(store, case_id, victim_a, answers("hate"), now=NOW)
    assert r.level == "medium"
    with store.read() as s:
        case = s.get(Case, case_id)
        assert (case.risk_level, case.next_review_on) == ("medium", TODAY + timedelta(days=28))
    # person ids must exist: use a real person for the second victim
    from hubapp.store.schema import Person

    with store.write(reason="test") as s:
        s.add(Person(id=victim_b, full_name="B"))
    risk.assess_case(store, case_id, victim_b, answers("threats"), now=NOW + timedelta(days=1))
    with store.read() as s:
        case = s.get(Case, case_id)
        assert (case.risk_level, case.next_review_on) == ("high", TODAY + timedelta(days=15))
    # B is reassessed as standard: the case falls back to A's medium
    risk.assess_case(store, case_id, victim_b, answers(), now=NOW + timedelta(days=2))
    with store.read() as s:
        case = s.get(Case, case_id)
        assert (case.risk_level, case.next_review_on) == ("medium", TODAY + timedelta(days=28))
        assert len(s.query(RiskAssessment).all()) == 3
