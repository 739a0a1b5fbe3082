"""Victim risk assessment: a short yes/no questionnaire giving standard, medium or high risk.

The questions, their weights, the score of each level and the review interval of each level
are data (``resources/refdata/risk.toml``). Saving an assessment writes a RiskAssessment row
and sets the case's risk level and next review date from the latest assessment of each of
its victims: the highest level wins, and the next review is the earliest one due at that
level.
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import select

from hubapp import resources
from hubapp.domain.clock import utcnow
from hubapp.domain.codes import CaseStatus, RiskLevel
from hubapp.domain.formatting import to_local
from hubapp.store import access
from hubapp.store.errors import Problem, StoreError
from hubapp.store.schema import Case, RiskAssessment

YES, NO = "yes", "no"
ANSWERS = (YES, NO)


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    weight: int
    #: a "yes" makes the level at least this, whatever the score
    at_least: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    questions: tuple[Question, ...]
    #: the lowest score of medium and of high
    medium_from: int
    high_from: int
    #: days to the next review per level (0: none)
    review_days: dict[str, int]

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)


@dataclass(frozen=True)
class RiskResult:
    score: int
    level: str
    #: the next review (None when the level schedules none)
    next_review_on: date | None


class RiskError(StoreError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


def parse(data: dict) -> Questionnaire:
    """A questionnaire from the TOML's values; ValueError for anything inconsistent."""
    questions = []
    for q in data["question"]:
        at_least = q.get("at_least")
        if at_least is not None:
            RiskLevel(at_least)
        weight = int(q["weight"])
        if weight < 0:
            raise ValueError(f"Question {q['code']}: the weight cannot be negative.")
        questions.append(Question(str(q["code"]), str(q["text"]), weight, at_least))
    codes = [q.code for q in questions]
    if len(set(codes)) != len(codes):
        raise ValueError("Two risk questions have the same code.")
    levels = data["levels"]
    medium, high = int(levels["medium"]), int(levels["high"])
    if not 0 < medium <= high:
        raise ValueError("The medium score must be above 0 and at most the high score.")
    days = {level.value: int(data["review_days"].get(level.value, 0)) for level in RiskLevel}
    if any(d < 0 for d in days.values()):
        raise ValueError("A review interval cannot be negative.")
    return Questionnaire(tuple(questions), medium, high, days)


@cache
def questionnaire() -> Questionnaire:
    with resources.refdata("risk.toml").open("rb") as fh:
        return parse(tomllib.load(fh))


def validate(answers: dict, q: Questionnaire | None = None) -> list[Problem]:
    """Every question answered yes or no, and no answer to a question that does not exist."""
    q = q or questionnaire()
    if not isinstance(answers, dict):
        return [Problem("answers", "The answers could not be read; answer the questions again.")]
    problems = []
    for question in q.questions:
        if answers.get(question.code) not in ANSWERS:
            problems.append(Problem(question.code, "Answer yes or no."))
    unknown = sorted(str(k) for k in answers if q.question(str(k)) is None)
    if unknown:
        problems.append(Problem("answers", f"Unknown questions: {', '.join(unknown)}."))
    return problems


def assess(answers: dict, on: date, q: Questionnaire | None = None) -> RiskResult:
    """Score the answers (unanswered questions count as no) and give the level and the next
    review date counted from ``on``."""
    q = q or questionnaire()
    score = sum(x.weight for x in q.questions if answers.get(x.code) == YES)
    level = (
        RiskLevel.HIGH
        if score >= q.high_from
        else RiskLevel.MEDIUM
        if score >= q.medium_from
        else RiskLevel.STANDARD
    )
    for x in q.questions:
        if x.at_least and answers.get(x.code) == YES and RiskLevel(x.at_least).rank > level.rank:
            level = RiskLevel(x.at_least)
    return RiskResult(score, level.value, review_date(level.value, on, q))


def review_date(level: str, on: date, q: Questionnaire | None = None) -> date | None:
    days = (q or questionnaire()).review_days.get(level, 0)
    return on + timedelta(days=days) if days else None


def record(
    s,
    case: Case,
    person_id: uuid.UUID | None,
    answers: dict,
    *,
    now: datetime | None = None,
    user: str = "",
) -> RiskAssessment:
    """Inside a write session: add an assessment for a victim of ``case`` and update the
    case's risk level and next review. RiskError for incomplete answers."""
    q = questionnaire()
    problems = validate(answers, q)
    if problems:
        raise RiskError(problems)
    now = now or utcnow()
    result = assess(answers, to_local(now).date(), q)
    row = RiskAssessment(
        id=uuid.uuid4(), case_id=case.id, person_id=person_id,
        answers={x.code: answers[x.code] for x in q.questions}, score=result.score,
        level=result.level, assessed_at=now, assessed_by=user,
        next_review_on=result.next_review_on,
    )  # fmt: skip
    s.add(row)
    s.flush()
    update_case(s, case)
    return row


def update_case(s, case: Case) -> None:
    """Set the case's risk level and next review from each victim's latest assessment."""
    rows = s.scalars(
        select(RiskAssessment)
        .where(RiskAssessment.case_id == case.id, RiskAssessment.voided.is_(False))
        .order_by(RiskAssessment.assessed_at, RiskAssessment.created_at)
        # every assessment, also of a case a partner has just recorded and is not on
        .execution_options(**access.EVERY_ROW)
    ).all()
    latest: dict[uuid.UUID | None, RiskAssessment] = {}
    for row in rows:
        latest[row.person_id] = row
    if not latest:
        return
    top = max(RiskLevel(r.level).rank for r in latest.values())
    at_top = [r for r in latest.values() if RiskLevel(r.level).rank == top]
    level = at_top[0].level
    reviews = [r.next_review_on for r in at_top if r.next_review_on is not None]
    next_review = min(reviews) if reviews else None
    if case.status == CaseStatus.CLOSED.value:
        next_review = None
    if case.risk_level != level:
        case.risk_level = level
    if case.next_review_on != next_review:
        case.next_review_on = next_review


def assess_case(
    store,
    case_id: uuid.UUID,
    person_id: uuid.UUID | None,
    answers: dict,
    *,
    now: datetime | None = None,
) -> RiskResult:
    """Record an assessment of a case's victim in its own transaction; return its result."""
    with store.write(reason="risk assessment") as s:
        case = s.get(Case, case_id)
        if case is None or case.voided:
            raise StoreError("This case no longer exists.")
        row = record(s, case, person_id, answers, now=now, user=store.user)
        return RiskResult(row.score, row.level, row.next_review_on)
