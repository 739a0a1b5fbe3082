"""The ASB Case Review ("Community Trigger") as a workflow: the hub's queue, the review
explained to a victim, the review itself, and the yearly figures.

ASBCPA 2014 s.104 and Schedule 4. The numbers are local choices within the Act, read from
``resources/refdata/case_review.toml`` (:func:`settings`).

**The queue** (:func:`queue`) lists the victims and places at ``approaching`` (2) and at
``reached`` (3+) qualifying complaints in the six months up to today, counted by the rule of
:func:`hubapp.store.casework.asb_review.count` (made within one month of the incident, one
incident reported several times counting once):

* a victim's complaints are the reports on the cases in which they are a victim or a
  complainant; by default they count together **within one case and across the cases linked
  to it** (related, or the same problem: :mod:`hubapp.store.casework.links`), one entry per
  victim and group of linked cases. ``count_all_cases = true`` counts every case of the
  victim together, as some procedures do;
* a place's complaints are the reports made about it (``contact.place_id``), on any case;
* the **local routes** reach a review sooner: a victim of a case recorded as hate (by
  perception) with a qualifying complaint, and a problem reported by 5 different
  complainants (distinct reporters of the qualifying reports). 0 turns a route off;
* a victim at the ``explain_at`` count (2) or more whose review was not explained to them
  (a :class:`ReviewExplanation` of the person dated in the window) ``needs_explaining``: the
  2025 guidance asks for it at the second report. The queue shows it red.

The queue keeps to the cases the account may see (the case rule, in its SQL too).

**The review** (:class:`ReviewDraft`, :func:`save_review`): the application (applicant,
victim or place, third-party consent, date received); its acknowledgement; the threshold
decision with its reasons; the meeting with the agencies present; the outcome (letter sent;
recommendations or none); the applicant's dissatisfaction (Sch. 4 para 3) and the escalation
where the local procedure has one. :func:`validate` gives one problem per field, never raises:
dates not in the future and in order (acknowledged, decided on or after the application; the
meeting on or after the decision; the outcome on or after the meeting; dissatisfaction after
the outcome; escalation after dissatisfaction); a step only after the one before it. Where
at least the threshold's qualifying complaints were made, s.104(4) says the threshold is met:
a "not met" decision then is refused. The local deadlines (acknowledge, decide, meet, in
working days Monday to Friday; bank holidays are not counted out) are shown, not enforced.

**Recommendations** (:func:`add_recommendation`) are real actions on the case (owner, due
date; :func:`hubapp.store.casework.actions.add_action`, whose rules apply) with a
:class:`ReviewRecommendation` row linking each to its review, written in one transaction.

**Who**: recording applications, decisions and outcomes is ``Op.CASE_REVIEW`` (coordinators,
police, administrators: the relevant bodies' decision); recording that the review was
explained is ``Op.EXPLAIN_REVIEW`` (every writer on a case it sees: the victim's single point
of contact may be a partner's officer). Every write is audited in its transaction.

**The yearly figures** (:func:`yearly_return`): per hub, the applications received in the
year, the decisions that the threshold was not met, the reviews carried out (meetings held)
and the reviews whose outcome had recommendations (outcome sent in the year) -- the figures
the relevant bodies publish (s.104(10)).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import select

from hubapp.domain.clock import local_today
from hubapp.domain.formatting import format_date
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access, audit, refdata
from hubapp.store.casework import asb_review
from hubapp.store.casework.actions import EARLIEST_DATE, ActionDraft, add_action
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.casework.workflow import CaseworkError, refuse
from hubapp.store.errors import EditConflict, Problem, StoreError
from hubapp.store.roles import Op
from hubapp.store.schema import (
    Action,
    Agency,
    Case,
    CaseLink,
    CasePerson,
    CasePlace,
    CaseReview,
    Contact,
    Hub,
    Person,
    Place,
    ReviewExplanation,
    ReviewRecommendation,
)

TEXT_MAX = 4_000
NAME_MAX = 160
DECISIONS = {"met": "Threshold met", "not_met": "Threshold not met"}
OUTCOMES = {"recommendations": "Recommendations made", "none": "No recommendations"}
METHODS = {"call": "Phone call", "visit": "Visit", "letter": "Letter", "email": "E-mail"}
APPROACHING, REACHED = "approaching", "reached"


@dataclass(frozen=True)
class Settings:
    """``case_review.toml``, read once."""

    threshold: int = 3
    window_months: int = 6
    qualify_months: int = 1
    approaching: int = 2
    explain_at: int = 2
    count_all_cases: bool = False
    hate_incident: int = 1
    different_complainants: int = 5
    acknowledge_days: int = 5
    decide_days: int = 10
    meet_days: int = 15


@cache
def settings() -> Settings:
    raw = refdata.read("case_review.toml")
    t, c, r, d = (raw.get(k, {}) for k in ("threshold", "counting", "routes", "deadlines"))
    default = Settings()
    return Settings(
        threshold=int(t.get("complaints", default.threshold)),
        window_months=int(t.get("window_months", default.window_months)),
        qualify_months=int(t.get("qualify_months", default.qualify_months)),
        approaching=int(t.get("approaching", default.approaching)),
        explain_at=int(t.get("explain_at", default.explain_at)),
        count_all_cases=bool(c.get("count_all_cases", default.count_all_cases)),
        hate_incident=int(r.get("hate_incident", default.hate_incident)),
        different_complainants=int(r.get("different_complainants", default.different_complainants)),
        acknowledge_days=int(d.get("acknowledge_days", default.acknowledge_days)),
        decide_days=int(d.get("decide_days", default.decide_days)),
        meet_days=int(d.get("meet_days", default.meet_days)),
    )


def add_working_days(start: date, days: int) -> date:
    """``days`` working days (Monday to Friday) after ``start``."""
    out = start
    while days > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


# --- counting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One report about a victim or a place, as the queue counts it."""

    received_at: datetime
    incident_at: datetime | None
    case_id: uuid.UUID
    reporter_id: uuid.UUID | None = None
    hate: bool = False


@dataclass(frozen=True)
class GroupTally:
    """The count of one victim (in one group of cases) or one place, with the local routes."""

    tally: asb_review.Tally
    complainants: int = 0
    hate: int = 0
    last_case: uuid.UUID | None = None

    def route(self, config: Settings) -> str:
        """Why the review is reached: threshold, hate_incident, different_complainants, or ""."""
        if self.tally.count >= config.threshold:
            return "threshold"
        if config.hate_incident and self.hate >= config.hate_incident:
            return "hate_incident"
        if config.different_complainants and self.complainants >= config.different_complainants:
            return "different_complainants"
        return ""


def tally_reports(reports: Iterable[Report], today: date) -> GroupTally:
    """The rule of :func:`asb_review.count` on ``reports``, with the routes' numbers: the
    distinct reporters of the qualifying reports, the qualifying complaints on hate cases."""
    start, end = asb_review.window(today)
    qualifying = [
        r for r in reports
        if start < r.received_at < end and asb_review.qualifies(r.received_at, r.incident_at)
    ]  # fmt: skip
    tally = asb_review.count(((r.received_at, r.incident_at) for r in qualifying), today)
    hate = asb_review.count(((r.received_at, r.incident_at) for r in qualifying if r.hate), today)
    reporters = {r.reporter_id for r in qualifying if r.reporter_id is not None}
    last = max(qualifying, key=lambda r: r.received_at).case_id if qualifying else None
    return GroupTally(tally, len(reporters), hate.count, last)


def case_groups(links: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> dict[uuid.UUID, uuid.UUID]:
    """Each linked case's group (a representative case id): cases joined by links, however
    many steps apart, are one group. A case with no link is its own group (not listed)."""
    parent: dict[uuid.UUID, uuid.UUID] = {}

    def root(x: uuid.UUID) -> uuid.UUID:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in list(parent)}


@dataclass(frozen=True)
class QueueEntry:
    """A victim (in one group of linked cases) or a place in the hub's Case Review queue."""

    kind: str  # victim or place
    subject_id: uuid.UUID
    name: str
    count: int
    status: str  # approaching or reached
    route: str  # threshold, hate_incident, different_complainants, or "" (approaching)
    case_id: uuid.UUID  # the case of the latest qualifying complaint (opened from the queue)
    case_reference: str
    hub: str
    first: datetime | None
    last: datetime | None
    #: victims: when the review was explained to them (None: not in the window); places: None
    explained_on: date | None = None
    needs_explaining: bool = False
    locked_down: bool = False
    #: the latest review of this victim or place, as a stage (see :func:`stage`), or ""
    review: str = ""

    @property
    def explained(self) -> bool | None:
        return None if self.kind == "place" else self.explained_on is not None

    @property
    def route_text(self) -> str:
        return ROUTES.get(self.route, "")

    def describe(self) -> str:
        who = "Victim" if self.kind == "victim" else "Place"
        n = self.count
        text = f"{who} {self.name} ({self.case_reference}): {n} qualifying complaint"
        text += f"{'s' * (n != 1)} in {settings().window_months} months, {self.status}"
        if self.route and self.route != "threshold":
            text += f" ({self.route_text})"
        if self.kind == "victim":
            text += (f"; explained {format_date(self.explained_on)}" if self.explained_on
                     else "; review not explained to them")  # fmt: skip
        return text + "."


ROUTES = {
    "threshold": "threshold of qualifying complaints",
    "hate_incident": "local route: hate incident",
    "different_complainants": "local route: different complainants about one problem",
}


def queue(store, hub_id: uuid.UUID | None = None, today: date | None = None,
          config: Settings | None = None) -> list[QueueEntry]:  # fmt: skip
    """The hub's (or every hub's) Case Review queue: reached first, then most complaints.
    It names victims: audited as a consultation of the people listed."""
    with store.read() as s:  # the count holds no write lock: a short write records it
        entries = read_queue(s, hub_id, today, config)
    people = sorted({str(e.subject_id) for e in entries if e.kind == "victim"})
    if people:
        with store.write(reason="ASB Case Review queue") as s:
            audit.record(s, audit.Kind.CONSULTATION, "person", people,
                         {"purpose": "ASB Case Review queue",
                          "hub_id": str(hub_id) if hub_id else "all"})  # fmt: skip
    return entries


def _tallies(s, hub_id: uuid.UUID | None, today: date, config: Settings):
    """The groups worth listing, counted in SQL (the rule of :func:`tally_reports`; a test
    holds the two together): (kind, subject id, GroupTally) for each victim in each group of
    linked cases (or across every case) and each place. Plain SQL past the ORM's rules, with
    the case rule of the session's account added as asb_review.hub_list does."""
    start, end = asb_review.window(today)
    params: dict = {
        "lo": start.isoformat(" ", "microseconds"),
        "hi": end.isoformat(" ", "microseconds"),
        "approaching": max(1, min(config.approaching, config.threshold)),
        "hate_route": config.hate_incident,
        "complainants": config.different_complainants,
        "groups": "{}",
    }
    on_case = ["k.voided = 0"]
    if hub_id is not None:
        on_case.append("k.hub_id = :hub")
        params["hub"] = hub_id.hex
    if (rule := access.case_condition(s, "k")) is not None:
        on_case.append(rule[0])
        params.update(rule[1])
    where = (f"c.voided = 0 AND c.received_at > :lo AND c.received_at < :hi "
             f"AND {asb_review._QUALIFIES_SQL}")  # fmt: skip
    # the window's qualifying reports, read once (a scan of the reports, then each one's case
    # by its key), then counted per victim and per place
    window = (
        "WITH w AS MATERIALIZED (SELECT c.case_id AS case_id, c.received_at AS received_at, "
        f"{asb_review._KEY_SQL} AS key, c.reporter_person_id AS reporter, "
        "c.place_id AS place_id, k.hate = 'yes' AS hate FROM contact c "
        f"CROSS JOIN case_ k ON k.id = c.case_id AND {' AND '.join(on_case)} WHERE {where}) "
    )
    counts = (
        "count(DISTINCT w.key) AS n, count(DISTINCT CASE WHEN w.hate THEN w.key END) AS hate, "
        "count(DISTINCT w.reporter) AS reporters, min(w.received_at) AS first, "
        "max(w.received_at) AS last, max(w.received_at || '|' || w.case_id) AS latest "
    )
    having = ("HAVING n >= :approaching OR (:hate_route > 0 AND hate >= :hate_route) "
              "OR (:complainants > 0 AND reporters >= :complainants)")  # fmt: skip
    if config.count_all_cases:
        group, grp_join = "''", ""
    else:
        links = s.execute(select(CaseLink.case_id, CaseLink.other_case_id)
                          .where(CaseLink.voided.is_(False))).all()  # fmt: skip
        params["groups"] = json.dumps({a.hex: b.hex for a, b in case_groups(links).items()})
        group = "coalesce(g.value, w.case_id)"
        grp_join = "LEFT JOIN json_each(:groups) g ON g.key = w.case_id "
    roles = ", ".join(f"'{r}'" for r in asb_review.VICTIM_ROLES)
    aggregate = (
        f"SELECT 'victim' AS kind, p.person_id AS subject, {group} AS gid, {counts}"
        f"FROM w CROSS JOIN case_person p ON p.case_id = w.case_id {grp_join}"
        f"WHERE p.role IN ({roles}) AND p.voided = 0 GROUP BY p.person_id, gid {having} "
        f"UNION ALL SELECT 'place', w.place_id, '' AS gid, {counts}FROM w "
        f"WHERE w.place_id IS NOT NULL GROUP BY w.place_id {having}"
    )
    # with the names and the latest case's reference and hub, in the same statement
    rows = (
        s.connection()
        .exec_driver_sql(
            f"{window}SELECT a.kind, a.subject, a.n, a.hate, a.reporters, a.first, a.last, "
            "kc.id, kc.reference, h.name, pe.full_name, pe.locked_down, pl.name, pl.town "
            f"FROM ({aggregate}) a "
            "LEFT JOIN case_ kc ON kc.id = substr(a.latest, instr(a.latest, '|') + 1) "
            "LEFT JOIN hub h ON h.id = kc.hub_id "
            "LEFT JOIN person pe ON a.kind = 'victim' AND pe.id = a.subject "
            "LEFT JOIN place pl ON a.kind = 'place' AND pl.id = a.subject",
            params,
        )
        .all()
    )
    out = []
    for kind, subject, n, hate, reporters, first, last, case, ref, hub, *names in rows:
        tally = asb_review.Tally(n, asb_review._as_dt(first), asb_review._as_dt(last))
        if kind == "victim":
            name, locked = names[0] or "?", bool(names[1])
        else:
            name, locked = ", ".join(x for x in names[2:] if x) or "?", False
        out.append((kind, _uuid(subject), GroupTally(tally, reporters, hate, _uuid(case)),
                    name, locked, ref or "?", hub or ""))  # fmt: skip
    return out


def _uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(hex=value)


def read_queue(s, hub_id: uuid.UUID | None = None, today: date | None = None,
               config: Settings | None = None) -> list[QueueEntry]:  # fmt: skip
    today = today or local_today()
    config = config or settings()
    found = []
    for kind, subject, gt, name, locked, reference, hub in _tallies(s, hub_id, today, config):
        route = gt.route(config)
        if route or gt.tally.count >= config.approaching:
            found.append((kind, subject, gt, route, name, locked, reference, hub))
    if not found:
        return []
    start = asb_review.window(today)[0].date()
    explained: dict[uuid.UUID, date] = {}
    # few rows (one per explanation): all of the window's, not an IN list of thousands
    for person_id, on in s.execute(
        select(ReviewExplanation.person_id, ReviewExplanation.explained_on).where(
            ReviewExplanation.voided.is_(False), ReviewExplanation.explained_on >= start)
    ):  # fmt: skip
        explained[person_id] = max(on, explained.get(person_id, on))
    reviews = _latest_reviews(s)
    out: list[QueueEntry] = []
    for kind, subject, gt, route, name, locked, reference, hub in found:
        if kind == "victim":
            on = explained.get(subject)
            needs = gt.tally.count >= config.explain_at and on is None
        else:
            on, needs = None, False
        out.append(QueueEntry(
            kind, subject, name, gt.tally.count, REACHED if route else APPROACHING, route,
            gt.last_case, reference, hub, gt.tally.first, gt.tally.last, on,
            needs, locked, reviews.get(subject, ""),
        ))  # fmt: skip
    # reached first, victims before places (a person waits on the answer), most complaints first
    out.sort(
        key=lambda e: (e.status != REACHED, e.kind != "victim", -e.count, e.name, e.case_reference)
    )
    return out


def _latest_reviews(s) -> dict[uuid.UUID, str]:
    """Each victim's and place's latest review, as a stage (few rows: every review)."""
    out: dict[uuid.UUID, str] = {}
    for r in s.scalars(select(CaseReview).where(CaseReview.voided.is_(False))
                       .order_by(CaseReview.received_on)):  # fmt: skip
        out[r.person_id or r.place_id] = stage(r)
    return out


# --- the review explained to a victim -------------------------------------------------------


def validate_explanation(explained_on: date | None, method: str, notes: str,
                         today: date) -> list[Problem]:  # fmt: skip
    problems = _date_field("explained_on", explained_on, "date it was explained", today,
                           required=True)  # fmt: skip
    if method not in METHODS:
        problems.append(Problem("method", "Say how it was explained: call, visit, letter or "
                                "e-mail."))  # fmt: skip
    if len(clean_text(notes)) > TEXT_MAX:
        problems.append(Problem("notes", f"The notes are too long: at most {TEXT_MAX:,} "
                                "characters."))  # fmt: skip
    return problems


def record_explanation(store, case_id: uuid.UUID, person_id: uuid.UUID, explained_on: date,
                       method: str, notes: str = "", today: date | None = None) -> uuid.UUID:  # fmt: skip
    """Record that the ASB Case Review was explained to a victim or complainant of the case."""
    today = today or local_today()
    access.require(store, Op.EXPLAIN_REVIEW)
    refuse(validate_explanation(explained_on, method, notes, today))
    with store.write(reason="ASB Case Review explained") as s:
        access.require(s, Op.EXPLAIN_REVIEW)
        access.check_case(s, case_id)
        case = case_for_update(s, case_id)
        _require_victim(s, case, person_id)
        row = ReviewExplanation(
            id=uuid.uuid4(), case_id=case.id, person_id=person_id, explained_on=explained_on,
            explained_by=access.acting_user(s), method=method, notes=clean_text(notes),
        )  # fmt: skip
        s.add(row)
        s.flush()
        audit.record(s, audit.Kind.COLLECTION, "review_explanation", [str(row.id)],
                     {"case": case.reference, "person_id": str(person_id),
                      "explained_on": explained_on.isoformat(), "method": method})  # fmt: skip
        return row.id


def _require_victim(s, case: Case, person_id: uuid.UUID) -> None:
    role = s.scalar(select(CasePerson.id).where(
        CasePerson.case_id == case.id, CasePerson.person_id == person_id,
        CasePerson.voided.is_(False), CasePerson.role.in_(asb_review.VICTIM_ROLES)))  # fmt: skip
    if role is None:
        raise CaseworkError(
            f"This person is not a victim or complainant of {case.reference}.",
            [Problem("person_id", "Choose a victim or complainant of the case.")],
        )


def explanations(store, person_id: uuid.UUID) -> list[tuple[date, str, str, str]]:
    """When the review was explained to a person: (date, by, method, case reference)."""
    with store.read() as s:
        return [tuple(r) for r in s.execute(
            select(ReviewExplanation.explained_on, ReviewExplanation.explained_by,
                   ReviewExplanation.method, Case.reference)
            .join(Case, Case.id == ReviewExplanation.case_id)
            .where(ReviewExplanation.person_id == person_id, ReviewExplanation.voided.is_(False))
            .order_by(ReviewExplanation.explained_on.desc())
        )]  # fmt: skip


# --- the review -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDraft:
    """What the review form holds: every step typed so far (later steps empty)."""

    person_id: uuid.UUID | None = None
    place_id: uuid.UUID | None = None
    applicant_name: str = ""
    applicant_is_victim: bool = True
    consent_on: date | None = None
    received_on: date | None = None
    acknowledged_on: date | None = None
    decision: str = ""
    decided_on: date | None = None
    decision_reasons: str = ""
    meeting_on: date | None = None
    meeting_agencies: tuple[uuid.UUID, ...] = ()
    outcome: str = ""
    outcome_sent_on: date | None = None
    outcome_summary: str = ""
    dissatisfied_on: date | None = None
    dissatisfaction_outcome: str = ""
    escalated_on: date | None = None
    escalation_outcome: str = ""

    def cleaned(self) -> ReviewDraft:
        d = self.__dict__ | {
            "applicant_name": clean_line(self.applicant_name),
            "decision": (self.decision or "").strip(),
            "outcome": (self.outcome or "").strip(),
            "meeting_agencies": tuple(dict.fromkeys(self.meeting_agencies)),
        }
        for key in ("decision_reasons", "outcome_summary", "dissatisfaction_outcome",
                    "escalation_outcome"):  # fmt: skip
            d[key] = clean_text(getattr(self, key))
        return ReviewDraft(**d)

    @classmethod
    def of(cls, r: CaseReview) -> ReviewDraft:
        return cls(
            r.person_id, r.place_id, r.applicant_name, r.applicant_is_victim, r.consent_on,
            r.received_on, r.acknowledged_on, r.decision, r.decided_on, r.decision_reasons,
            r.meeting_on, tuple(uuid.UUID(hex=a) for a in r.meeting_agencies or ()), r.outcome,
            r.outcome_sent_on, r.outcome_summary, r.dissatisfied_on, r.dissatisfaction_outcome,
            r.escalated_on, r.escalation_outcome,
        )  # fmt: skip


def _date_field(name: str, value, what: str, today: date, *, required: bool = False,
                after: tuple[date | None, str] | None = None) -> list[Problem]:  # fmt: skip
    if value is None:
        return [Problem(name, f"Give the {what}.")] if required else []
    if not isinstance(value, date):
        return [Problem(name, f"The {what} is not a date.")]
    if value < EARLIEST_DATE:
        return [Problem(name, f"The {what} is before 2000; check the year.")]
    if value > today:
        return [Problem(name, f"The {what} cannot be in the future.")]
    if after is not None and after[0] is not None and value < after[0]:
        return [Problem(name, f"The {what} ({format_date(value)}) cannot be before {after[1]} "
                              f"({format_date(after[0])}).")]  # fmt: skip
    return []


def _needs(name: str, value, what: str, before: str) -> list[Problem]:
    return [Problem(name, f"Record the {before} before the {what}.")] if value else []


def validate(draft: ReviewDraft, today: date) -> list[Problem]:
    """The problems with a review draft, one per field; never raises."""
    try:
        d = draft.cleaned()
    except Exception:  # a draft built with values of the wrong type
        return [Problem("received_on", "The review could not be read; type it again.")]
    p: list[Problem] = []
    if d.person_id is None and d.place_id is None:
        p.append(Problem("person_id", "Choose the victim (or the place) the review is for."))
    if not d.applicant_is_victim and not d.applicant_name:
        p.append(Problem("applicant_name", "Name the applicant applying on the victim's behalf."))
    if len(d.applicant_name) > NAME_MAX:
        p.append(Problem("applicant_name", f"The applicant's name is too long: at most "
                                           f"{NAME_MAX} characters."))  # fmt: skip
    p += _date_field("consent_on", d.consent_on, "date of the victim's consent", today)
    if not d.applicant_is_victim and d.person_id is not None and d.consent_on is None:
        p.append(Problem("consent_on", "An application by someone else needs the victim's "
                                       "consent: give the date it was given."))  # fmt: skip
    received = (d.received_on, "the application was received")
    p += _date_field("received_on", d.received_on, "date the application was received", today,
                     required=True)  # fmt: skip
    p += _date_field("acknowledged_on", d.acknowledged_on, "acknowledgement date", today,
                     after=received)  # fmt: skip
    if d.decision and d.decision not in DECISIONS:
        p.append(Problem("decision", "The decision is that the threshold is met or not met."))
    if d.decision:
        p += _date_field("decided_on", d.decided_on, "decision date", today, required=True,
                         after=received)  # fmt: skip
        if not d.decision_reasons:
            p.append(Problem("decision_reasons", "Give the reasons for the decision."))
    else:
        p += _needs("decided_on", d.decided_on, "decision date", "decision")
        p += _needs("decision_reasons", d.decision_reasons, "reasons", "decision")
    decided = (d.decided_on, "the decision")
    if d.meeting_on is not None and d.decision != "met":
        p.append(Problem("meeting_on", "A review meeting follows a decision that the threshold "
                                       "is met."))  # fmt: skip
    else:
        p += _date_field("meeting_on", d.meeting_on, "meeting date", today, after=decided)
    if d.meeting_agencies and d.meeting_on is None:
        p.append(Problem("meeting_agencies", "Give the meeting date before the agencies present."))
    if d.outcome and d.outcome not in OUTCOMES:
        p.append(Problem("outcome", "The outcome is recommendations made, or none."))
    if d.outcome:
        if d.meeting_on is None:
            p.append(Problem("outcome", "Record the review meeting before its outcome."))
        p += _date_field("outcome_sent_on", d.outcome_sent_on, "date the outcome was sent",
                         today, required=True, after=(d.meeting_on, "the meeting"))  # fmt: skip
        if not d.outcome_summary:
            p.append(Problem("outcome_summary", "Summarise the outcome told to the applicant."))
    else:
        p += _needs("outcome_sent_on", d.outcome_sent_on, "date the outcome was sent", "outcome")
    finished = (d.outcome_sent_on, "the outcome was sent") if d.outcome else (
        (d.decided_on, "the decision") if d.decision == "not_met" else (None, ""))  # fmt: skip
    if d.dissatisfied_on is not None and finished[0] is None:
        p.append(Problem("dissatisfied_on", "The applicant can be dissatisfied only with a "
                         "decision that the threshold is not met or with the outcome sent."))  # fmt: skip
    else:
        p += _date_field("dissatisfied_on", d.dissatisfied_on, "date of the dissatisfaction",
                         today, after=finished)  # fmt: skip
    if d.escalated_on is not None and d.dissatisfied_on is None:
        p.append(Problem("escalated_on", "Record the applicant's dissatisfaction before the "
                                         "escalation."))  # fmt: skip
    else:
        p += _date_field("escalated_on", d.escalated_on, "escalation date", today,
                         after=(d.dissatisfied_on, "the dissatisfaction"))  # fmt: skip
    for key in ("decision_reasons", "outcome_summary", "dissatisfaction_outcome",
                "escalation_outcome"):  # fmt: skip
        if len(getattr(d, key)) > TEXT_MAX:
            p.append(Problem(key, f"This is too long: at most {TEXT_MAX:,} characters."))
    return p


def stage(r: CaseReview | ReviewDraft) -> str:
    """Where a review is, in a few words."""
    if r.escalated_on:
        return "escalated"
    if r.dissatisfied_on:
        return "applicant dissatisfied"
    if r.outcome:
        return "outcome sent"
    if r.decision == "not_met":
        return "threshold not met"
    if r.meeting_on:
        return "meeting held"
    if r.decision == "met":
        return "threshold met"
    if r.acknowledged_on:
        return "acknowledged"
    return "application received"


@dataclass(frozen=True)
class Deadline:
    step: str
    due: date
    done: date | None

    def late(self, today: date) -> bool:
        return (self.done or today) > self.due

    def describe(self, today: date) -> str:
        if self.done:
            state = "late" if self.done > self.due else "in time"
            done = format_date(self.done)
            return f"{self.step}: due {format_date(self.due)}, done {done} ({state})"
        return f"{self.step}: due {format_date(self.due)}" + (" (overdue)" if self.late(today)
                                                              else "")  # fmt: skip


def deadlines(draft: ReviewDraft, config: Settings | None = None) -> list[Deadline]:
    """The local procedure's deadlines from the date received (working days)."""
    config = config or settings()
    if draft.received_on is None:
        return []
    r = draft.received_on
    out = [Deadline("Acknowledge", add_working_days(r, config.acknowledge_days),
                    draft.acknowledged_on),
           Deadline("Decide", add_working_days(r, config.decide_days), draft.decided_on)]  # fmt: skip
    if draft.decision != "not_met":
        out.append(Deadline("Meet", add_working_days(r, config.meet_days), draft.meeting_on))
    return out


@dataclass(frozen=True)
class ReviewLine:
    """A review as the case window and the dialog show it."""

    id: uuid.UUID
    row_version: int
    case_id: uuid.UUID
    case_reference: str
    hub_id: uuid.UUID
    draft: ReviewDraft
    subject: str
    stage: str
    created_by: str
    recommendations: tuple[Recommendation, ...] = field(default=())


@dataclass(frozen=True)
class Recommendation:
    action_id: uuid.UUID
    agency: str
    description: str
    owner: str
    due_on: date | None
    status: str


def _subject_name(s, r: CaseReview | ReviewDraft) -> str:
    if r.person_id is not None:
        p = s.get(Person, r.person_id)
        return p.full_name if p else "?"
    if r.place_id is not None:
        p = s.get(Place, r.place_id)
        return ", ".join(x for x in (p.name, p.town) if x) if p else "?"
    return ""


def _line(s, r: CaseReview) -> ReviewLine:
    case = s.get(Case, r.case_id)
    recs = tuple(
        Recommendation(a.id, short, a.description, a.owner, a.due_on, a.status)
        for a, short in s.execute(
            select(Action, Agency.short_name)
            .join(ReviewRecommendation, ReviewRecommendation.action_id == Action.id)
            .join(Agency, Agency.id == Action.agency_id)
            .where(ReviewRecommendation.review_id == r.id,
                   ReviewRecommendation.voided.is_(False))
            .order_by(Action.created_at)
        )
    )  # fmt: skip
    return ReviewLine(r.id, r.row_version, r.case_id, case.reference, case.hub_id,
                      ReviewDraft.of(r), _subject_name(s, r), stage(r), r.created_by, recs)  # fmt: skip


def reviews_for_case(store, case_id: uuid.UUID) -> list[ReviewLine]:
    """The case's reviews, newest application first."""
    with store.read() as s:
        access.check_case(s, case_id)
        rows = s.scalars(select(CaseReview).where(
            CaseReview.case_id == case_id, CaseReview.voided.is_(False))
            .order_by(CaseReview.received_on.desc(), CaseReview.created_at.desc())).all()  # fmt: skip
        return [_line(s, r) for r in rows]


def review(store, review_id: uuid.UUID) -> ReviewLine:
    with store.read() as s:
        r = s.get(CaseReview, review_id)
        if r is None or r.voided:
            raise StoreError("This ASB Case Review no longer exists.")
        access.check_case(s, r.case_id)
        return _line(s, r)


@dataclass(frozen=True)
class Subject:
    """A victim, complainant or place of a case, that a review can be for."""

    kind: str
    id: uuid.UUID
    name: str


def subjects(store, case_id: uuid.UUID) -> list[Subject]:
    """The case's victims and complainants, then its places."""
    with store.read() as s:
        access.check_case(s, case_id)
        people = s.execute(
            select(Person.id, Person.full_name).join(CasePerson, CasePerson.person_id == Person.id)
            .where(CasePerson.case_id == case_id, CasePerson.voided.is_(False),
                   CasePerson.role.in_(asb_review.VICTIM_ROLES)).order_by(Person.full_name)
        ).all()  # fmt: skip
        place_ids = set(s.scalars(select(CasePlace.place_id).where(
            CasePlace.case_id == case_id, CasePlace.voided.is_(False))))  # fmt: skip
        own = s.scalar(select(Case.place_id).where(Case.id == case_id))
        if own is not None:
            place_ids.add(own)
        places = s.scalars(select(Place).where(Place.id.in_(place_ids))).all()
        out = [Subject("victim", pid, name) for pid, name in dict.fromkeys(people)]
        out += [Subject("place", p.id, ", ".join(x for x in (p.name, p.town) if x))
                for p in sorted(places, key=lambda p: p.name)]  # fmt: skip
        return out


def _threshold_problem(s, case_id: uuid.UUID, d: ReviewDraft) -> list[Problem]:
    """s.104(4): at the threshold of qualifying complaints the threshold is met. A victim's
    complaints are counted as the queue counts them: on the review's case and the cases
    linked to it (every case of the victim with ``count_all_cases``)."""
    if d.decision != "not_met" or d.decided_on is None:
        return []
    on = d.decided_on
    if d.person_id is not None:
        query = (
            select(Contact.received_at, Contact.incident_at)
            .join(CasePerson, CasePerson.case_id == Contact.case_id)
            .where(CasePerson.person_id == d.person_id, CasePerson.voided.is_(False),
                   CasePerson.role.in_(asb_review.VICTIM_ROLES), Contact.voided.is_(False))
        )  # fmt: skip
        if not settings().count_all_cases:
            groups = case_groups(s.execute(select(CaseLink.case_id, CaseLink.other_case_id)
                                           .where(CaseLink.voided.is_(False))).all())  # fmt: skip
            mine = groups.get(case_id, case_id)
            cases = [c for c, g in groups.items() if g == mine] or [case_id]
            query = query.where(Contact.case_id.in_(cases))
        rows = s.execute(query).all()
    else:
        rows = s.execute(select(Contact.received_at, Contact.incident_at).where(
            Contact.place_id == d.place_id, Contact.voided.is_(False))).all()  # fmt: skip
    tally = asb_review.count(rows, on)
    if tally.count >= settings().threshold:
        return [Problem("decision", f"{tally.count} qualifying complaints were made in the "
                        f"{settings().window_months} months before the decision: the Act "
                        "(s.104(4)) says the threshold is met.")]  # fmt: skip
    return []


def _check_subject(s, case: Case, d: ReviewDraft) -> None:
    if d.person_id is not None:
        _require_victim(s, case, d.person_id)
    elif not any(x.id == d.place_id for x in _places(s, case)):
        raise CaseworkError(f"This place is not a place of {case.reference}.",
                            [Problem("person_id", "Choose a place of the case.")])  # fmt: skip


def _places(s, case: Case) -> list[Place]:
    ids = set(s.scalars(select(CasePlace.place_id).where(
        CasePlace.case_id == case.id, CasePlace.voided.is_(False))))  # fmt: skip
    if case.place_id is not None:
        ids.add(case.place_id)
    return list(s.scalars(select(Place).where(Place.id.in_(ids))))


def _values(d: ReviewDraft) -> dict:
    values = {k: v for k, v in d.__dict__.items()}
    values["meeting_agencies"] = [a.hex for a in d.meeting_agencies]
    if d.place_id is not None and d.person_id is not None:
        values["place_id"] = None  # for a victim: the place is theirs to name in the reasons
    values["closed_on"] = d.outcome_sent_on if d.outcome else (
        d.decided_on if d.decision == "not_met" else None)  # fmt: skip
    return values


def save_review(store, case_id: uuid.UUID, draft: ReviewDraft, *,
                review_id: uuid.UUID | None = None, base_version: int | None = None,
                today: date | None = None) -> tuple[uuid.UUID, int]:  # fmt: skip
    """Record a new application (``review_id`` None) or the review's later steps; return the
    review's id and new version. Raises CaseworkError for a bad draft; nothing is written."""
    today = today or local_today()
    access.require(store, Op.CASE_REVIEW)
    d = draft.cleaned()
    refuse(validate(d, today))
    reason = "ASB Case Review application" if review_id is None else "ASB Case Review updated"
    with store.write(reason=reason) as s:
        access.require(s, Op.CASE_REVIEW)
        access.check_case(s, case_id)
        case = case_for_update(s, case_id)
        _check_subject(s, case, d)
        refuse(_threshold_problem(s, case.id, d))
        if d.meeting_agencies:
            known = set(s.scalars(select(Agency.id).where(Agency.id.in_(d.meeting_agencies))))
            if known != set(d.meeting_agencies):
                refuse([Problem("meeting_agencies", "One of the agencies present is not known.")])
        if review_id is None:
            row = CaseReview(id=uuid.uuid4(), case_id=case.id,
                             created_by=access.acting_user(s), **_values(d))  # fmt: skip
            s.add(row)
            s.flush()
            audit.record(s, audit.Kind.COLLECTION, "case_review", [str(row.id)],
                         {"case": case.reference, "received_on": d.received_on.isoformat(),
                          "for": "victim" if d.person_id else "place"})  # fmt: skip
            return row.id, row.row_version
        row = s.get(CaseReview, review_id)
        if row is None or row.voided or row.case_id != case.id:
            raise StoreError("This ASB Case Review no longer exists.")
        if row.row_version != base_version:
            raise EditConflict(f"This ASB Case Review on {case.reference} was changed by someone "
                               "else since you opened it; nothing was saved. Open it again.")  # fmt: skip
        if row.outcome == "recommendations" and d.outcome != "recommendations":
            refuse([Problem("outcome", "The outcome letter with recommendations was sent; it "
                                       "cannot be taken back.")])  # fmt: skip
        for key, value in _values(d).items():
            if getattr(row, key) != value:
                setattr(row, key, value)
        if d.outcome == "recommendations" and not _has_recommendations(s, row.id):
            refuse([Problem("outcome", "Add the recommendations (actions) before recording an "
                                       "outcome with recommendations.")])  # fmt: skip
        s.flush()
        return row.id, row.row_version


def _has_recommendations(s, review_id: uuid.UUID) -> bool:
    return s.scalar(select(ReviewRecommendation.id).where(
        ReviewRecommendation.review_id == review_id,
        ReviewRecommendation.voided.is_(False)).limit(1)) is not None  # fmt: skip


def add_recommendation(store, review_id: uuid.UUID, agency_id: uuid.UUID, description: str,
                       owner: str = "", due_on: date | None = None,
                       today: date | None = None) -> uuid.UUID:  # fmt: skip
    """A recommendation of a review: a new action on its case for ``agency_id`` (made support
    if it has no working part), linked to the review; return the action's id. Only after the
    review meeting, and not once an outcome with no recommendations was sent."""
    access.require(store, Op.CASE_REVIEW)
    with store.read() as s:
        r = s.get(CaseReview, review_id)
        if r is None or r.voided:
            raise StoreError("This ASB Case Review no longer exists.")
        access.check_case(s, r.case_id)
        case_id, meeting_on, outcome = r.case_id, r.meeting_on, r.outcome
    if meeting_on is None:
        refuse([Problem("description", "Record the review meeting before its recommendations.")])
    if outcome == "none":
        refuse([Problem("description", "The outcome sent said no recommendations; change it "
                                       "first.")])  # fmt: skip

    def link(s, _case, action) -> None:
        access.require(s, Op.CASE_REVIEW)
        s.add(ReviewRecommendation(id=uuid.uuid4(), case_id=case_id, review_id=review_id,
                                   action_id=action.id))  # fmt: skip

    return add_action(store, case_id, agency_id, ActionDraft(description, owner, due_on),
                      assign_if_missing=True, today=today, before_insert=link)  # fmt: skip


# --- the yearly figures ---------------------------------------------------------------------

FIGURES = ("applications", "threshold_not_met", "reviews_carried_out",
           "reviews_with_recommendations")  # fmt: skip
FIGURE_LABELS = {
    "applications": "Applications received",
    "threshold_not_met": "Threshold not met",
    "reviews_carried_out": "Reviews carried out",
    "reviews_with_recommendations": "Reviews leading to recommendations",
}


def yearly_return(store, year: int) -> dict[str, dict[str, int]]:
    """Per hub name (of the cases the account sees), the year's four figures (s.104(10))."""
    lo, hi = date(year, 1, 1), date(year, 12, 31)
    out: dict[str, dict[str, int]] = {}
    with store.read() as s:
        rows = s.execute(
            select(CaseReview, Hub.name).join(Case, Case.id == CaseReview.case_id)
            .join(Hub, Hub.id == Case.hub_id).where(CaseReview.voided.is_(False))
        ).all()  # fmt: skip
        for hub in s.scalars(select(Hub.name).where(Hub.voided.is_(False))):
            out[hub] = dict.fromkeys(FIGURES, 0)
        for r, hub in rows:
            f = out.setdefault(hub, dict.fromkeys(FIGURES, 0))
            f["applications"] += lo <= r.received_on <= hi
            f["threshold_not_met"] += bool(r.decision == "not_met" and r.decided_on
                                           and lo <= r.decided_on <= hi)  # fmt: skip
            f["reviews_carried_out"] += bool(r.meeting_on and lo <= r.meeting_on <= hi)
            f["reviews_with_recommendations"] += bool(
                r.outcome == "recommendations" and r.outcome_sent_on
                and lo <= r.outcome_sent_on <= hi)  # fmt: skip
    return dict(sorted(out.items()))
