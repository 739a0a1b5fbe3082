"""Risk assessment: a short questionnaire giving standard, medium or high risk, of a victim or
of an alleged perpetrator.

The questions, their weights, the score of each level and the review interval of each level
are data (``resources/refdata/risk.toml``; an alleged perpetrator's own questions and levels
in its ``[perpetrator]`` section). Each question is answered yes, no, declined (the person
would not say) or not known (nobody could say): only a yes scores; declined and not known
add nothing but are kept and shown as given, never read as a no.

The computed level is raised to at least the hate rule's (medium) on a case perceived as
hate (:mod:`hubapp.store.casework.hate`). A person may set the level by hand over the
computed one (``override_level``), only with a reason, and never below the hate rule's on
such a case.

Saving a victim's assessment writes a RiskAssessment row and sets the case's risk level and
next review date from the latest assessment of each of its victims (its level as set by hand,
else as computed): the highest level wins, and the next review is the earliest one due at
that level; a case perceived as hate is at least medium with or without an assessment. An
alleged perpetrator's assessment is kept and shown beside the case; it does not set the
case's (victim) risk level.

A new report on a case whose victim was assessed asks for a reassessment
(:func:`reassess_reason`): the case window says so, and so does the intake that saved it.
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import func, select

from hubapp import resources
from hubapp.domain.clock import utcnow
from hubapp.domain.codes import CaseStatus, PersonRole, RiskAnswer, RiskLevel, RiskSubject
from hubapp.domain.formatting import to_local
from hubapp.store import access
from hubapp.store.errors import Problem, StoreError
from hubapp.store.schema import Case, CasePerson, Contact, RiskAssessment

YES, NO, DECLINED, NOT_KNOWN = "yes", "no", "declined", "not_known"
ANSWERS = tuple(a.value for a in RiskAnswer)
VICTIM, PERPETRATOR = RiskSubject.VICTIM.value, RiskSubject.ALLEGED_PERPETRATOR.value
REASSESS = "Reassess: a new report since the last assessment."


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


def parse(data: dict, subject: str = VICTIM) -> Questionnaire:
    """The questionnaire of ``subject`` from the TOML's values (an alleged perpetrator's from
    its ``[perpetrator]`` section: its questions, and its levels if it has its own; the
    review intervals are the victims'); ValueError for anything inconsistent."""
    if subject == PERPETRATOR:
        section = data.get("perpetrator")
        if not isinstance(section, dict) or not section.get("question"):
            raise ValueError("risk.toml has no [perpetrator] questions.")
        data = {"levels": data["levels"], "review_days": data["review_days"], **section}
    elif subject != VICTIM:
        raise ValueError(f"No risk questionnaire for {subject!r}.")
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
def questionnaire(subject: str = VICTIM) -> Questionnaire:
    with resources.refdata("risk.toml").open("rb") as fh:
        return parse(tomllib.load(fh), subject)


def validate(answers: dict, q: Questionnaire | None = None) -> list[Problem]:
    """Every question answered (yes, no, declined or not known), and no answer to a question
    that does not exist."""
    q = q or questionnaire()
    if not isinstance(answers, dict):
        return [Problem("answers", "The answers could not be read; answer the questions again.")]
    problems = []
    for question in q.questions:
        if answers.get(question.code) not in ANSWERS:
            problems.append(Problem(question.code, "Answer yes, no, declined or not known."))
    unknown = sorted(str(k) for k in answers if q.question(str(k)) is None)
    if unknown:
        problems.append(Problem("answers", f"Unknown questions: {', '.join(unknown)}."))
    return problems


def assess(answers: dict, on: date, q: Questionnaire | None = None, *, hate: str = "",
           override_level: str = "") -> RiskResult:  # fmt: skip
    """Score the answers (only a yes scores: no, declined, not known and unanswered add
    nothing) and give the level (at least the hate rule's on a case perceived as hate;
    ``override_level``, when set by hand, instead) and the next review date counted from
    ``on`` at that level."""
    from hubapp.domain import hate as hate_rules

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
    level = RiskLevel(hate_rules.floor(level.value, hate))
    if override_level:
        level = RiskLevel(override_level)
    return RiskResult(score, level.value, review_date(level.value, on, q))


def check_override(override_level: str, override_reason: str, hate: str = "") -> list[Problem]:
    """A level set by hand needs a reason, is a level, and is not below the hate rule's on a
    case perceived as hate."""
    from hubapp.domain import hate as hate_rules

    level = (override_level or "").strip()
    reason = (override_reason or "").strip()
    if not level:
        if reason:
            return [Problem("override_level", "Choose the level to set by hand, or clear the "
                            "reason.")]  # fmt: skip
        return []
    if level not in {lv.value for lv in RiskLevel}:
        return [Problem("override_level", "Choose standard, medium or high.")]
    if not reason:
        return [Problem("override_reason", "Say why the level is set by hand instead of the "
                        "computed one.")]  # fmt: skip
    if hate_rules.floor(level, hate) != level:
        least = RiskLevel(hate_rules.rules().at_least).label.lower()
        return [Problem("override_level", f"This case is perceived as hate: its risk is at "
                        f"least {least}.")]  # fmt: skip
    return []


def review_date(level: str, on: date, q: Questionnaire | None = None) -> date | None:
    days = (q or questionnaire()).review_days.get(level, 0)
    return on + timedelta(days=days) if days else None


def record(
    s,
    case: Case,
    person_id: uuid.UUID | None,
    answers: dict,
    *,
    subject: str = VICTIM,
    override_level: str = "",
    override_reason: str = "",
    now: datetime | None = None,
    user: str = "",
) -> RiskAssessment:
    """Inside a write session: add an assessment of a victim (or an alleged perpetrator) of
    ``case``, and update the case's risk level and next review. RiskError for incomplete
    answers or a level set by hand without a reason. ``level`` keeps the computed level
    (with the hate rule); ``override_level`` the one set by hand."""
    if subject not in (VICTIM, PERPETRATOR):
        raise RiskError([Problem("subject", "Assess a victim or an alleged perpetrator.")])
    q = questionnaire(subject)
    problems = validate(answers, q) + check_override(override_level, override_reason, case.hate)
    if problems:
        raise RiskError(problems)
    now = now or utcnow()
    on = to_local(now).date()
    computed = assess(answers, on, q, hate=case.hate)
    override_level = (override_level or "").strip()
    result = assess(answers, on, q, hate=case.hate, override_level=override_level)
    row = RiskAssessment(
        id=uuid.uuid4(), case_id=case.id, person_id=person_id, subject=subject,
        answers={x.code: answers[x.code] for x in q.questions}, score=result.score,
        level=computed.level, assessed_at=now, assessed_by=user,
        next_review_on=result.next_review_on, override_level=override_level,
        override_reason=(override_reason or "").strip() if override_level else "",
    )  # fmt: skip
    s.add(row)
    s.flush()
    update_case(s, case)
    return row


def effective_level(row: RiskAssessment) -> str:
    """An assessment's level: as set by hand, else as computed."""
    return row.override_level or row.level


def update_case(s, case: Case) -> None:
    """Set the case's risk level and next review from each victim's latest assessment (at
    least the hate rule's level on a case perceived as hate, assessed or not)."""
    from hubapp.domain import hate as hate_rules

    rows = s.scalars(
        select(RiskAssessment)
        .where(
            RiskAssessment.case_id == case.id,
            RiskAssessment.voided.is_(False),
            RiskAssessment.subject == VICTIM,
        )
        .order_by(RiskAssessment.assessed_at, RiskAssessment.created_at)
        # every assessment, also of a case a partner has just recorded and is not on
        .execution_options(**access.EVERY_ROW)
    ).all()
    latest: dict[uuid.UUID | None, RiskAssessment] = {}
    for row in rows:
        latest[row.person_id] = row
    if not latest:
        raised = hate_rules.floor(case.risk_level or RiskLevel.STANDARD.value, case.hate)
        if raised != case.risk_level:
            case.risk_level = raised
            if case.status != CaseStatus.CLOSED.value and case.next_review_on is None:
                case.next_review_on = review_date(raised, to_local(utcnow()).date())
        return
    top = max(RiskLevel(effective_level(r)).rank for r in latest.values())
    at_top = [r for r in latest.values() if RiskLevel(effective_level(r)).rank == top]
    level = effective_level(at_top[0])
    reviews = [r.next_review_on for r in at_top if r.next_review_on is not None]
    next_review = min(reviews) if reviews else None
    raised = hate_rules.floor(level, case.hate)
    if raised != level:  # perceived as hate since the assessments: reviewed at that level
        level = raised
        on = to_local(max(r.assessed_at for r in latest.values())).date()
        next_review = review_date(level, on)
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
    subject: str = VICTIM,
    override_level: str = "",
    override_reason: str = "",
    now: datetime | None = None,
) -> RiskResult:
    """Record an assessment of a case's victim (or alleged perpetrator) in its own
    transaction; return its result (the level as set by hand, if it was)."""
    with store.write(reason="risk assessment") as s:
        case = s.get(Case, case_id)
        if case is None or case.voided:
            raise StoreError("This case no longer exists.")
        row = record(s, case, person_id, answers, subject=subject, override_level=override_level,
                     override_reason=override_reason, now=now, user=store.user)  # fmt: skip
        return RiskResult(row.score, effective_level(row), row.next_review_on)


def reassess_reason(s, case_id: uuid.UUID) -> str:
    """:data:`REASSESS` when a report was recorded on the case after the latest assessment
    of one of its victims (a further report changes what the victim faces); "" otherwise,
    and for a case without a victim or never assessed."""
    victims = select(CasePerson.id).where(
        CasePerson.case_id == case_id, CasePerson.role == PersonRole.VICTIM.value,
        CasePerson.voided.is_(False))  # fmt: skip
    if s.scalar(victims.limit(1)) is None:
        return ""
    assessed = s.scalar(
        select(func.max(RiskAssessment.created_at)).where(
            RiskAssessment.case_id == case_id, RiskAssessment.subject == VICTIM,
            RiskAssessment.voided.is_(False))
    )  # fmt: skip
    if assessed is None:
        return ""
    later = s.scalar(
        select(Contact.id).where(Contact.case_id == case_id, Contact.voided.is_(False),
                                 Contact.created_at > assessed).limit(1)
    )  # fmt: skip
    return REASSESS if later is not None else ""


@dataclass(frozen=True)
class AssessmentLine:
    """An assessment as the case window lists it."""

    id: uuid.UUID
    subject: str
    person: str
    assessed_at: datetime
    assessed_by: str
    score: int
    computed: str
    override_level: str
    override_reason: str
    #: (question text, answer code), in the questionnaire's order
    answers: tuple[tuple[str, str], ...]

    @property
    def level(self) -> str:
        return self.override_level or self.computed


def for_case(store, case_id: uuid.UUID) -> list[AssessmentLine]:
    with store.read() as s:
        return read_for_case(s, case_id)


def read_for_case(s, case_id: uuid.UUID) -> list[AssessmentLine]:
    """Inside a session: the case's assessments the account sees, newest first, with their
    answers as given (declined and not known shown as such)."""
    from hubapp.store.schema import Person

    rows = s.execute(
        select(RiskAssessment, Person.full_name)
        .outerjoin(Person, Person.id == RiskAssessment.person_id)
        .where(RiskAssessment.case_id == case_id, RiskAssessment.voided.is_(False))
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.created_at.desc())
    ).all()
    out = []
    for row, name in rows:
        try:
            q = questionnaire(row.subject or VICTIM)
            texts = {x.code: x.text for x in q.questions}
        except ValueError:
            texts = {}
        out.append(AssessmentLine(
            row.id, row.subject or VICTIM, name or "", row.assessed_at, row.assessed_by,
            row.score, row.level, row.override_level, row.override_reason,
            tuple((texts.get(k, k), str(v)) for k, v in (row.answers or {}).items()),
        ))  # fmt: skip
    return out
