"""Retention review and erasure: records come up for review by the rules of
``resources/refdata/retention.toml``; a coordinator keeps each for longer (a recorded,
audited decision) or erases it.

Erasure really removes the data:

* every row that belongs to the record is deleted with plain ``DELETE`` statements, through
  one function (:func:`_delete_rows`), children before parents, so that the database's own
  delete triggers see each row (the full-text index's, and central sync's capture);
* the transaction runs with ``PRAGMA secure_delete = ON``, so the deleted rows are
  overwritten with zeros in their pages; the full-text index is merged so that no old
  segment keeps the erased words; changes not yet sent to the central database and sync
  conflicts about the erased rows are dropped (their values would otherwise travel on);
* afterwards the database is rebuilt (``VACUUM``), which leaves no free pages and no old
  copies of edited rows in the unused space of pages, and the write-ahead log is emptied
  (``wal_checkpoint(TRUNCATE)``);
* one audit entry of kind ``erasure`` records the ids of the erased records, the number of
  rows taken from each table, and the reason: never an erased value.

Older audit entries about an erased record keep their ids and whatever they recorded; the log
is append-only and hash-chained, so they are not rewritten. Person fields and free text are
masked when those entries are written (``hubapp.store.audit.PERSONAL_FIELDS``); the case
fields that are not masked (location, town, postcode, grid reference, summary, partner
references) stay in the alteration entries of a case edited before its erasure.

Only coordinators and administrators review, keep and erase (anyone, on a database without
staff accounts).
"""

from __future__ import annotations

import logging
import tomllib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import String, cast, delete, func, select, update
from sqlalchemy import case as when

from hubapp import resources
from hubapp.domain.codes import CaseStatus
from hubapp.domain.formatting import format_date
from hubapp.store import audit
from hubapp.store.admin import sharing
from hubapp.store.errors import Cancelled, Problem, Refused, StoreError
from hubapp.store.schema import (
    PERSON_LINKS,
    PLACE_LINKS,
    Action,
    AgendaItem,
    Assignment,
    Attachment,
    Case,
    CaseLink,
    CaseOrder,
    CasePerson,
    CasePlace,
    CaseReview,
    CaseStatusChange,
    Category,
    Communication,
    Contact,
    Intervention,
    InterventionBreach,
    MeetingDecision,
    Note,
    Person,
    PersonMerge,
    Place,
    Referral,
    RetentionDecision,
    ReviewExplanation,
    ReviewRecommendation,
    RiskAssessment,
    SaraPlan,
    StaffAccount,
    SyncConflict,
    SyncOutbox,
    VictimContact,
    VictimUpdate,
)

log = logging.getLogger(__name__)

RULES_FILE = "retention.toml"
CASE = "case_"
PERSON = "person"
REASON_MAX = 500
#: a keep-until date further ahead than this is almost certainly a typing slip
KEEP_YEARS_AHEAD = 25

Progress = Callable[[float, str], bool | None]


class RetentionError(Refused):
    """A retention decision or an erasure refused, in one sentence."""


class RulesError(StoreError):
    """The retention rules file is missing or not as expected."""


# --- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LongerRule:
    name: str
    years: int
    categories: frozenset[str] = frozenset()
    risk_levels: frozenset[str] = frozenset()

    def matches(self, category: str, risk_level: str) -> bool:
        return category in self.categories or risk_level in self.risk_levels


@dataclass(frozen=True)
class Rules:
    case_years: int
    person_years: int
    longer: tuple[LongerRule, ...] = ()

    def for_case(self, category: str, risk_level: str) -> tuple[int, str]:
        """Years after closure, and why (the rule's name, or the general rule)."""
        years, why = self.case_years, f"closed case, reviewed {self.case_years} years after closure"
        for rule in self.longer:
            if rule.matches(category, risk_level) and rule.years > years:
                years = rule.years
                why = f"{rule.name}, reviewed {rule.years} years after closure"
        return years, why


def _years(table: dict, where: str) -> int:
    value = table.get("review_after_years")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise RulesError(
            f"The retention rules file {RULES_FILE} is not valid: {where} review_after_years "
            "must be a whole number of years from 1 to 100."
        )
    return value


def _codes(rule: dict, key: str, where: str) -> frozenset[str]:
    value = rule.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(
            f"The retention rules file {RULES_FILE} is not valid: {where} {key} must be a "
            "list of codes in quotes."
        )
    return frozenset(value)


def parse_rules(data: dict[str, Any]) -> Rules:
    """The rules from the parsed TOML, or RulesError saying what is wrong in one sentence."""
    case, person = data.get("case"), data.get("person")
    if not isinstance(case, dict) or not isinstance(person, dict):
        raise RulesError(
            f"The retention rules file {RULES_FILE} is not valid: it needs a [case] and a "
            "[person] section."
        )
    longer = []
    raw = case.get("longer", [])
    if not isinstance(raw, list):
        raise RulesError(f"The retention rules file {RULES_FILE} is not valid: write each "
                         "longer rule as a [[case.longer]] table.")  # fmt: skip
    for n, rule in enumerate(raw, 1):
        where = f"longer rule {n}"
        if not isinstance(rule, dict):
            raise RulesError(f"The retention rules file {RULES_FILE} is not valid: {where} "
                             "is not a table.")  # fmt: skip
        name = rule.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RulesError(f"The retention rules file {RULES_FILE} is not valid: {where} "
                             "needs a name.")  # fmt: skip
        cats, levels = _codes(rule, "categories", where), _codes(rule, "risk_levels", where)
        if not cats and not levels:
            raise RulesError(f"The retention rules file {RULES_FILE} is not valid: {where} "
                             "names no categories and no risk levels.")  # fmt: skip
        longer.append(LongerRule(name.strip(), _years(rule, where), cats, levels))
    return Rules(_years(case, "[case]"), _years(person, "[person]"), tuple(longer))


def load_rules(path=None) -> Rules:
    """The rules from ``path`` (default: the shipped ``retention.toml``)."""
    path = path if path is not None else resources.refdata(RULES_FILE)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RulesError(
            f"The retention rules file {RULES_FILE} is missing; reinstall hubapp to restore it."
        ) from None
    except OSError as exc:
        raise RulesError(f"Cannot read the retention rules file {RULES_FILE}: "
                         f"{exc.strerror}.") from None  # fmt: skip
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(
            f"The retention rules file {RULES_FILE} is not valid TOML ({exc})."
        ) from None
    return parse_rules(data)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- who may ---------------------------------------------------------------------------------


def check_may_review(store, s) -> None:
    """Refuse unless the acting account may review retention: list, keep and erase records
    (the role matrix, hubapp.store.roles)."""
    from hubapp.store import access
    from hubapp.store.roles import Op

    account = access.acting(s)  # who began the session
    if account is None:
        if s.scalar(select(StaffAccount.id).limit(1)) is None:
            return  # a database without staff accounts: anyone, as for every other change
        raise RetentionError("Sign in as a coordinator or an administrator to review retention.")
    if not access.may(s, Op.RETENTION):
        raise RetentionError(access.roles.refusal(Op.RETENTION, account.role))


# --- the review list -------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    keep_until: date
    reason: str
    decided_by: str
    decided_on: date

    def describe(self) -> str:
        return (f"Kept until {format_date(self.keep_until)} by {self.decided_by or 'unknown'} "
                f"on {format_date(self.decided_on)}: {self.reason}")  # fmt: skip


@dataclass(frozen=True)
class DueItem:
    """One record on the review list."""

    #: "case_" or "person"
    entity: str
    record_id: uuid.UUID
    #: what to type to name it (a case reference, or P- and the start of a person's id)
    reference: str
    #: the case summary, or the person's name
    label: str
    why: str
    #: the day it came up for review (or the day its last keep-until ran out)
    since: date
    last_decision: Decision | None = None

    @property
    def kind(self) -> str:
        return "case" if self.entity == CASE else "person"


def person_reference(person_id: uuid.UUID) -> str:
    return "P-" + person_id.hex[:8].upper()


def _decisions(s) -> dict[tuple[str, uuid.UUID], Decision]:
    latest: dict[tuple[str, uuid.UUID], Decision] = {}
    rows = s.execute(
        select(RetentionDecision.entity, RetentionDecision.record_id, RetentionDecision.keep_until,
               RetentionDecision.reason, RetentionDecision.decided_by,
               RetentionDecision.decided_at).order_by(RetentionDecision.id)
    )  # fmt: skip
    for entity, rid, keep, reason, by, at in rows:
        latest[(entity, rid)] = Decision(keep, reason, by, at.date())
    return latest


def _due(since: date, decision: Decision | None, today: date) -> date | None:
    """The day the record is due from, or None when it is not due on ``today``."""
    if decision is not None and decision.keep_until > since:
        since = decision.keep_until
    return since if since <= today else None


def due(store, today: date, rules: Rules | None = None) -> list[DueItem]:
    """The review list on ``today``: closed cases past their period, and people linked to no
    open case past theirs, less those kept until a later day. Oldest first."""
    rules = rules or load_rules()
    items: list[DueItem] = []
    with store.read() as s:
        check_may_review(store, s)  # the list names closed cases and people of every agency
        decisions = _decisions(s)
        rows = s.execute(
            select(Case.id, Case.reference, Case.summary, Case.closed_on, Case.risk_level,
                   Category.code)
            .join(Category, Category.id == Case.category_id)
            .where(Case.status == CaseStatus.CLOSED.value, Case.closed_on.is_not(None),
                   Case.voided.is_(False))
        )  # fmt: skip
        for cid, ref, summary, closed_on, risk_level, category in rows:
            years, why = rules.for_case(category, risk_level)
            decision = decisions.get((CASE, cid))
            since = _due(add_years(closed_on, years), decision, today)
            if since is not None:
                items.append(DueItem(CASE, cid, ref, summary, why, since, decision))
        # beside the hub's period, the period an agency's sharing agreement sets
        periods = sharing.case_periods(s, [i.record_id for i in items], today)
        items = [replace(i, why=f"{i.why} ({periods[i.record_id]})")
                 if i.record_id in periods else i for i in items]  # fmt: skip
        items.extend(_people_due(s, rules, decisions, today))
    items.sort(key=lambda i: (i.since, i.kind, i.reference))
    return items


def _case_links():
    """(person id, case id) for every way a person is tied to a case."""
    return (
        select(CasePerson.person_id.label("pid"), CasePerson.case_id.label("cid"))
        .where(CasePerson.voided.is_(False))
        .union_all(
            select(Contact.reporter_person_id, Contact.case_id).where(
                Contact.reporter_person_id.is_not(None)
            ),
            select(RiskAssessment.person_id, RiskAssessment.case_id).where(
                RiskAssessment.person_id.is_not(None)
            ),
            select(Intervention.person_id, Intervention.case_id).where(
                Intervention.person_id.is_not(None)
            ),
        )
        .subquery()
    )


def _people_due(s, rules: Rules, decisions, today: date) -> list[DueItem]:
    links = _case_links()
    open_count = func.sum(
        when(((Case.status != CaseStatus.CLOSED.value) & Case.voided.is_(False), 1), else_=0)
    )
    per_person = (
        select(links.c.pid, open_count.label("open"), func.max(Case.closed_on).label("last"),
               func.count().label("cases"))
        .join(Case, Case.id == links.c.cid)
        .group_by(links.c.pid)
        .subquery()
    )  # fmt: skip
    rows = s.execute(
        select(Person.id, Person.full_name, Person.created_at, per_person.c.open,
               per_person.c.last, per_person.c.cases)
        .outerjoin(per_person, per_person.c.pid == Person.id)
        .where(Person.voided.is_(False), func.coalesce(per_person.c.open, 0) == 0)
    )  # fmt: skip
    out = []
    years = rules.person_years
    for pid, name, created_at, _open, last, cases in rows:
        if cases and last is not None:
            last_day = last if isinstance(last, date) else date.fromisoformat(str(last))
            start = add_years(last_day, years)
            why = f"linked to no open case, reviewed {years} years after the last one closed"
        else:
            start = add_years(created_at.date(), years)
            why = f"linked to no case, reviewed {years} years after the record was made"
        decision = decisions.get((PERSON, pid))
        since = _due(start, decision, today)
        if since is not None:
            out.append(DueItem(PERSON, pid, person_reference(pid), name, why, since, decision))
    return out


def record_review(store, items: list[DueItem], how: str) -> None:
    """Audit the showing of the review list (it names people): a consultation of the ids."""
    if not items:
        return
    with store.write(reason=f"retention review list ({how})") as s:
        for entity in (CASE, PERSON):
            ids = [str(i.record_id) for i in items if i.entity == entity]
            if ids:
                audit.record(s, audit.Kind.CONSULTATION, entity, ids, {"view": "retention review"})


# --- finding a record by what people type ----------------------------------------------------


@dataclass(frozen=True)
class Record:
    entity: str
    record_id: uuid.UUID
    reference: str


def find(store, text: str) -> Record:
    """The case (by reference) or person (P-XXXXXXXX from the review list, or the full id)
    that ``text`` names, or RetentionError."""
    typed = text.strip()
    if not typed:
        raise RetentionError("Give a case reference or a person reference from the review list.")
    with store.read() as s:
        row = s.execute(
            select(Case.id, Case.reference).where(func.upper(Case.reference) == typed.upper())
        ).first()
        if row is not None:
            return Record(CASE, row[0], row[1])
        digits = typed[2:] if typed.upper().startswith("P-") else typed
        digits = digits.replace("-", "").lower()
        if len(digits) >= 8 and all(c in "0123456789abcdef" for c in digits):
            # ids are stored as 32 hex digits
            ids = list(
                s.scalars(
                    select(Person.id).where(cast(Person.id, String).like(f"{digits}%")).limit(2)
                )
            )
            if len(ids) == 1:
                return Record(PERSON, ids[0], person_reference(ids[0]))
            if len(ids) > 1:
                raise RetentionError(f"{typed} matches more than one person; give the full id.")
    raise RetentionError(f"No case or person {typed} was found.")


# --- keeping for longer ----------------------------------------------------------------------


def reason_problems(reason: str) -> list[Problem]:
    reason = " ".join((reason or "").split())
    if not reason:
        return [Problem("reason", "Give the reason for the decision.")]
    if len(reason) > REASON_MAX:
        return [Problem("reason", f"Keep the reason to {REASON_MAX} characters.")]
    return []


def keep_problems(keep_until: date | None, today: date) -> list[Problem]:
    if keep_until is None:
        return [Problem("keep_until", "Give the day to keep the record until.")]
    if keep_until <= today:
        return [Problem("keep_until", "The keep-until day must be after today.")]
    if keep_until > add_years(today, KEEP_YEARS_AHEAD):
        return [Problem("keep_until",
                        f"Keep a record at most {KEEP_YEARS_AHEAD} years ahead; review it "
                        "again then.")]  # fmt: skip
    return []


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise RetentionError(" ".join(p.message for p in problems), problems)


def decide(store, record: Record, keep_until: date, reason: str, *,
           today: date | None = None) -> None:  # fmt: skip
    """Keep ``record`` until ``keep_until`` (it leaves the review list until then)."""
    from hubapp.domain.clock import local_today

    today = today or local_today()
    _refuse(keep_problems(keep_until, today) + reason_problems(reason))
    reason = " ".join(reason.split())
    with store.write(reason=f"retention review: kept until {keep_until.isoformat()}") as s:
        check_may_review(store, s)
        model = Case if record.entity == CASE else Person
        if s.scalar(select(model.id).where(model.id == record.record_id)) is None:
            raise RetentionError(f"{record.reference} is no longer in the database.")
        s.add(RetentionDecision(entity=record.entity, record_id=record.record_id,
                                keep_until=keep_until, reason=reason, decided_by=store.user))  # fmt: skip
        audit.record(s, audit.Kind.ALTERATION, record.entity, [str(record.record_id)],
                     {"retention": "kept", "keep_until": keep_until.isoformat(),
                      "reference": record.reference}, reason=reason)  # fmt: skip
    log.info("Retention: %s kept until %s", record.reference, keep_until)


# --- erasure ---------------------------------------------------------------------------------


@dataclass
class Erased:
    """What an erasure removed: row counts per table (no values)."""

    reference: str
    counts: dict[str, int] = field(default_factory=dict)
    persons: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    #: False if the write-ahead log could not be emptied at once (another program reading)
    log_emptied: bool = True

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _ids(s, stmt) -> list[uuid.UUID]:
    """The ids ``stmt`` selects, of every row: an erasure leaves nothing of its record, notes
    kept to any agency included (hubapp.store.access.EVERY_ROW)."""
    from hubapp.store import access

    return [i for i in s.scalars(stmt.execution_options(**access.EVERY_ROW)) if i is not None]


def _delete_rows(s, plan: list[tuple[Any, list[uuid.UUID]]]) -> dict[str, int]:
    """Delete the rows named in ``plan`` (model, ids), in its order, with plain DELETE
    statements on the tables themselves: every erasure goes through here. Sync's pending
    changes and conflicts about those rows go first (their values would travel on)."""
    counts: dict[str, int] = {}
    hexes = [i.hex for _m, ids in plan for i in ids]
    refusals = (
        s.connection()
        .exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_refusal'"
        )
        .first()
    )
    for start in range(0, len(hexes), 500):
        chunk = hexes[start : start + 500]
        s.execute(delete(SyncOutbox).where(SyncOutbox.row_id.in_(chunk)))
        s.execute(delete(SyncConflict).where(SyncConflict.row_id.in_(chunk)))
        if refusals:  # changes the central database refused keep their values too
            marks = ", ".join("?" * len(chunk))
            s.connection().exec_driver_sql(
                f"DELETE FROM sync_refusal WHERE row_id IN ({marks})", tuple(chunk)
            )
    for model, ids in plan:
        table = model.__table__
        done = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            done += s.execute(delete(table).where(table.c.id.in_(chunk))).rowcount
        if done:
            counts[table.name] = counts.get(table.name, 0) + done
    return counts


def _person_refs(s, pids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``pids`` that some row still refers to."""
    pids = list(pids)
    if not pids:
        return set()
    used: set[uuid.UUID] = set()
    for model, name in PERSON_LINKS:
        col = getattr(model, name)
        used.update(_ids(s, select(col).where(col.in_(pids)).distinct()))
    return used


def _place_refs(s, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    ids = list(ids)
    if not ids:
        return set()
    used: set[uuid.UUID] = set()
    for model, name in PLACE_LINKS:
        col = getattr(model, name)
        used.update(_ids(s, select(col).where(col.in_(ids)).distinct()))
    return used


def _case_plan(s, case_id: uuid.UUID) -> tuple[list, set[uuid.UUID], set[uuid.UUID]]:
    """The rows of one case, children first; and the people and places it refers to."""
    interventions = _ids(s, select(Intervention.id).where(Intervention.case_id == case_id))
    breaches = _ids(s, select(InterventionBreach.id).where(
        InterventionBreach.intervention_id.in_(interventions)))  # fmt: skip
    people: set[uuid.UUID] = set()
    places: set[uuid.UUID] = set()
    for links, found in ((PERSON_LINKS, people), (PLACE_LINKS, places)):
        for model, name in links:
            owner = model.id if model is Case else model.case_id
            found.update(_ids(s, select(getattr(model, name)).where(owner == case_id)))

    def of_case(model):
        return _ids(s, select(model.id).where(model.case_id == case_id))

    # its links, both those made on it and those of other cases pointing at it (a link to
    # nothing would keep the erased case's id and stop its row from going)
    case_links = _ids(s, select(CaseLink.id).where(
        (CaseLink.case_id == case_id) | (CaseLink.other_case_id == case_id)))  # fmt: skip
    plan = [
        (CaseLink, case_links),
        # the letters sent from it, then the files it keeps (the letters' PDFs among them;
        # their content goes with each row: migration 0013's trigger)
        (Communication, of_case(Communication)), (Attachment, of_case(Attachment)),
        (ReviewRecommendation, of_case(ReviewRecommendation)), (CaseReview, of_case(CaseReview)),
        (ReviewExplanation, of_case(ReviewExplanation)), (CaseOrder, of_case(CaseOrder)),
        (VictimUpdate, of_case(VictimUpdate)), (VictimContact, of_case(VictimContact)),
        (Referral, of_case(Referral)),
        (InterventionBreach, breaches), (Intervention, interventions),
        (AgendaItem, of_case(AgendaItem)), (MeetingDecision, of_case(MeetingDecision)),
        (Action, of_case(Action)), (Note, of_case(Note)),
        (CaseStatusChange, of_case(CaseStatusChange)), (SaraPlan, of_case(SaraPlan)),
        (RiskAssessment, of_case(RiskAssessment)), (Assignment, of_case(Assignment)),
        (Contact, of_case(Contact)), (CasePerson, of_case(CasePerson)),
        (CasePlace, of_case(CasePlace)), (Case, [case_id]),
    ]  # fmt: skip
    return plan, people, places


def _left_over(s, people: set[uuid.UUID], places: set[uuid.UUID]) -> list:
    """Delete steps for the people and places nothing refers to any more (with the people
    merged into them, and the records of those merges: :func:`_with_merges`)."""
    merges, gone_people = _with_merges(s, people - _person_refs(s, people))
    gone_places = sorted(places - _place_refs(s, places))
    return [(Person, gone_people), (Place, gone_places), (PersonMerge, merges)]


def _with_merges(s, people: set[uuid.UUID]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The records of every merge into or out of ``people``, and ``people`` with everyone
    merged into them (a merged person is a voided row holding the same person's details):
    an erasure follows the person through merges."""
    from hubapp.store.casework import merging

    everyone = set(people)
    for pid in people:
        everyone |= merging.merged_ids(s, pid)
    merges: list[uuid.UUID] = []
    ids = sorted(everyone)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        merges += _ids(s, select(PersonMerge.id).where(
            PersonMerge.kept_id.in_(chunk) | PersonMerge.dropped_id.in_(chunk)))  # fmt: skip
    return sorted(set(merges)), ids


def _merge_search_index(s) -> None:
    """Merge the case search index's segments: a deleted case's words are only marked as
    deleted in a new segment until the old segments are merged away."""
    s.connection().exec_driver_sql("INSERT INTO case_search(case_search) VALUES ('optimize')")


class ErasureCancelled(Cancelled):
    """The erasure was stopped before anything was erased."""


def _erase(store, reason: str, reference_of: Callable, build: Callable,
           progress: Progress | None) -> Erased:  # fmt: skip
    _refuse(reason_problems(reason))
    reason = " ".join(reason.split())

    def step(fraction: float, message: str) -> None:
        if progress is not None and progress(fraction, message) is False:
            raise ErasureCancelled("Erasure cancelled; nothing was erased.")

    step(0.0, "Finding everything that belongs to the record")
    with store.write(reason=f"retention erasure: {reason}") as s:
        check_may_review(store, s)
        raw = s.connection()
        # deleted rows are overwritten with zeros in their pages, not just unlinked
        was = raw.exec_driver_sql("PRAGMA secure_delete").scalar()
        raw.exec_driver_sql("PRAGMA secure_delete = ON")
        try:
            reference = reference_of(s)
            plan, record_ids, entity, extra = build(s)
            step(0.2, "Erasing")
            counts = _delete_rows(s, plan)
            left = _left_over(s, *extra)
            # the merges first: they refer to the people
            for model, ids in [left[2], left[0], left[1]]:
                for k, v in _delete_rows(s, [(model, ids)]).items():
                    counts[k] = counts.get(k, 0) + v
            s.execute(delete(RetentionDecision).where(
                RetentionDecision.record_id.in_([i for _m, ids in plan + left for i in ids])))  # fmt: skip
            if counts.get("case_"):
                _merge_search_index(s)
            persons = [str(i) for i in left[0][1]] + (
                [str(i) for i in record_ids] if entity == PERSON else [])  # fmt: skip
            places = [str(i) for i in left[1][1]]
            audit.record(s, audit.Kind.ERASURE, entity, [str(i) for i in record_ids] + [
                p for p in persons if entity != PERSON], {
                "reference": reference, "counts": counts, "persons": persons,
                "places": places}, reason=reason)  # fmt: skip
            step(0.5, "Saving")
        finally:
            raw.exec_driver_sql(f"PRAGMA secure_delete = {int(was or 0)}")
    result = Erased(reference, counts, persons, places)
    # after the commit: nothing can be cancelled any more
    if progress is not None:
        progress(0.6, "Clearing the freed space of the database file")
    result.log_emptied = _compact(store)
    if progress is not None:
        progress(1.0, "Erased")
    log.info("Retention: erased %s (%d rows)", reference, result.rows)
    return result


def _compact(store) -> bool:
    """Rebuild the file (no free pages, no stale copies in unused space) and empty the
    write-ahead log; True when the log was emptied."""
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        try:
            raw.execute("VACUUM")
        except Exception:  # another program has the database open for a long read
            log.warning("VACUUM after erasure failed", exc_info=True)
        busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


def erase_case(store, case_id: uuid.UUID, reason: str, progress: Progress | None = None, *,
               before_due: bool = False, today: date | None = None) -> Erased:  # fmt: skip
    """Erase the case and everything that belongs to it; the people and places it named are
    erased too when no other record refers to them (see :func:`check_erasable`)."""
    with store.read() as s:
        ref = s.scalar(select(Case.reference).where(Case.id == case_id))
    if ref is not None:
        check_erasable(store, Record(CASE, case_id, ref), before_due=before_due, today=today)

    def reference_of(s):
        ref = s.scalar(select(Case.reference).where(Case.id == case_id))
        if ref is None:
            raise RetentionError("That case is no longer in the database.")
        return ref

    def build(s):
        plan, people, places = _case_plan(s, case_id)
        return plan, [case_id], CASE, (people, places)

    return _erase(store, reason, reference_of, build, progress)


def erase_person(store, person_id: uuid.UUID, reason: str,
                 progress: Progress | None = None, *, before_due: bool = False,
                 today: date | None = None) -> Erased:  # fmt: skip
    """Erase a person's record, their links to cases, and the risk assessments and tools and
    powers about them; contacts they reported keep the contact but lose the reporter. Refused
    while they are linked to an open case (close it, or take them off it, first), and as
    :func:`check_erasable` says."""
    check_erasable(store, Record(PERSON, person_id, person_reference(person_id)),
                   before_due=before_due, today=today)  # fmt: skip

    def reference_of(s):
        if s.scalar(select(Person.id).where(Person.id == person_id)) is None:
            raise RetentionError("That person is no longer in the database.")
        return person_reference(person_id)

    def build(s):
        _refuse_open_cases(store, person_id, s)
        # the person and everyone merged into them, with the records of those merges
        merges, ids = _with_merges(s, {person_id})
        interventions = _ids(s, select(Intervention.id).where(Intervention.person_id.in_(ids)))
        breaches = _ids(s, select(InterventionBreach.id).where(
            InterventionBreach.intervention_id.in_(interventions)))  # fmt: skip
        places = set(_ids(s, select(CasePerson.place_id).where(CasePerson.person_id.in_(ids))))
        places.update(_ids(s, select(Intervention.place_id).where(
            Intervention.person_id.in_(ids))))  # fmt: skip
        # the contact stays with its case; only the link to the reporter goes
        s.execute(update(Contact.__table__).where(Contact.reporter_person_id.in_(ids))
                  .values(reporter_person_id=None))  # fmt: skip
        # so does the record of a letter sent to them, without who it went to or where
        s.execute(update(Communication.__table__).where(Communication.person_id.in_(ids))
                  .values(person_id=None, address=""))  # fmt: skip
        plan = [
            (InterventionBreach, breaches), (Intervention, interventions),
            (RiskAssessment, _ids(s, select(RiskAssessment.id).where(
                RiskAssessment.person_id.in_(ids)))),
            (CasePerson, _ids(s, select(CasePerson.id).where(CasePerson.person_id.in_(ids)))),
            (PersonMerge, merges), (Person, ids),
        ]  # fmt: skip
        return plan, ids, PERSON, (set(), places)

    return _erase(store, reason, reference_of, build, progress)


def erase(store, record: Record, reason: str, progress: Progress | None = None, *,
          before_due: bool = False, today: date | None = None) -> Erased:  # fmt: skip
    """Erase a case or a person found by :func:`find` (see :func:`check_erasable`)."""
    if record.entity == CASE:
        return erase_case(store, record.record_id, reason, progress, before_due=before_due,
                          today=today)  # fmt: skip
    return erase_person(store, record.record_id, reason, progress, before_due=before_due,
                        today=today)  # fmt: skip


def _refuse_open_cases(store, person_id: uuid.UUID, s=None) -> None:
    """Refuse to erase a person while they are linked to an open case."""
    if s is None:
        with store.read() as s:
            return _refuse_open_cases(store, person_id, s)
    links = _case_links()
    open_refs = list(s.scalars(
        select(Case.reference).join(links, links.c.cid == Case.id)
        .where(links.c.pid == person_id, Case.status != CaseStatus.CLOSED.value,
               Case.voided.is_(False)).distinct()
    ))  # fmt: skip
    if open_refs:
        raise RetentionError(
            f"{person_reference(person_id)} is linked to the open case "
            f"{', '.join(sorted(open_refs))}; close it or take them off it before erasing."
        )


def check_erasable(store, record: Record, *, before_due: bool = False,
                   today: date | None = None) -> None:  # fmt: skip
    """Refuse, in one sentence, an erasure this station may not decide.

    * Only the hub a case belongs to erases it: a case another hub shared with this one is
      that hub's to erase (this station can ask it), and a person named in such a case is
      erased only by the hubs whose cases name them. An erasure here travels to central and
      to every station, so this is the owner's decision, never the receiver's.
    * A record is erased when its retention review is due, or earlier, on a data subject's
      request, by an administrator who says so (``before_due``), which the audit log keeps.
    """
    from hubapp.domain.clock import local_today
    from hubapp.store import access, refdata, setup

    today = today or local_today()
    station = setup.current(store)
    with store.read() as s:
        if station is not None:
            if record.entity == CASE:
                hubs = set(s.scalars(select(Case.hub_id).where(Case.id == record.record_id)))
            else:
                links = _case_links()
                hubs = set(s.scalars(select(Case.hub_id).join(links, links.c.cid == Case.id)
                                     .where(links.c.pid == record.record_id).distinct()))  # fmt: skip
            others = sorted(h for h in hubs if h != station.hub_id)
            if others:
                names = {refdata.ref_id("hub", h["code"]): h["name"]
                         for h in refdata.read("hubs.toml")["hub"]}  # fmt: skip
                owner = names.get(others[0], "another")
                what = "is a case of" if record.entity == CASE else "is named in a case of"
                raise RetentionError(
                    f"{record.reference} {what} the {owner} hub, shared with this one: only "
                    f"{owner} can erase it. Ask that hub's coordinator."
                )
    if record.entity == PERSON:
        _refuse_open_cases(store, record.record_id)
    if before_due:
        if not access.is_admin(store):
            raise RetentionError(
                "Only an administrator can erase a record before its retention review is due "
                "(on a data subject's request)."
            )
        return
    if not any(i.record_id == record.record_id for i in due(store, today)):
        raise RetentionError(
            f"{record.reference} is not due for retention review on {format_date(today)}. To "
            "erase it earlier on a data subject's request, an administrator erases it with "
            "the request as the reason and --before-due."
        )


#: the tables an erasure deletes from, in order (children before parents)
ERASURE_ORDER = (
    "sync_outbox", "sync_conflict", "sync_refusal", "intervention_breach", "intervention", "agenda_item",
    "meeting_decision", "action", "note", "case_status_change", "sara_plan", "risk_assessment",
    "assignment", "contact", "case_person", "case_place", "case_", "person", "place",
    "retention_decision",
)  # fmt: skip


def rows_about(store, record: Record) -> int:
    """How many rows belong to ``record`` (for the confirmation: "this removes N rows"):
    every row, whoever may see it, so only for those who may review retention."""
    with store.read() as s:
        check_may_review(store, s)
        if record.entity == CASE:
            plan, _p, _pl = _case_plan(s, record.record_id)
        else:
            pid = record.record_id
            plan = [
                (m, _ids(s, select(m.id).where(col == pid)))
                for m, col in ((CasePerson, CasePerson.person_id),
                               (RiskAssessment, RiskAssessment.person_id),
                               (Intervention, Intervention.person_id))
            ] + [(Person, [pid])]  # fmt: skip
        return sum(len(ids) for _m, ids in plan)
