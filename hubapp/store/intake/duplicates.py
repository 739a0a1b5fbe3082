"""Repeat and duplicate suggestions while an intake is typed.

An open case is suggested when, within the last 90 days (it was received, or had a further
report, in that time), it has

* the same place: a place whose postcode is the one typed, or whose name appears in the
  typed location (``Outside 12 Charlotte St`` finds ``Charlotte Street``; common
  abbreviations are expanded), in the same town when both towns are known; or
* the same person: a name (ignoring case and spacing), a phone number (ignoring spaces, and
  +44 written as 0) or an email address (ignoring case) of anyone typed into the form.

Everything is SQL over indexes (the person look-ups use the expression indexes of migration
0003, written here exactly as there), so a keystroke costs a few milliseconds on 100,000
cases. The reasons name the typed values and the role on the case, never another person's
stored details.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, literal, literal_column, or_, select

from hubapp.domain.clock import utcnow
from hubapp.domain.codes import CaseStatus, PersonRole, label
from hubapp.domain.repeats import Flag
from hubapp.domain.text import clean_line
from hubapp.store.casework import repeats
from hubapp.store.casework.people import Typed
from hubapp.store.intake.form import IntakeForm, normalise_postcode
from hubapp.store.schema import Case, CasePerson, CasePlace, Contact, Hub, Person, Place

WINDOW_DAYS = 90
LIMIT = 8
#: the shortest place name looked for inside a typed location (shorter ones match anything)
MIN_PLACE_NAME = 5
#: the shortest typed location looked for inside a place name
MIN_TYPED_LOCATION = 8

_ABBREVIATIONS = {
    "st": "street", "rd": "road", "ave": "avenue", "ln": "lane", "dr": "drive",
    "ct": "court", "pl": "place", "cres": "crescent", "terr": "terrace", "ter": "terrace",
    "sq": "square", "gdns": "gardens", "cl": "close", "pk": "park", "grn": "green",
}  # fmt: skip
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_WORDS = re.compile(r"[^\w']+")

# the indexed expressions of migration 0003 (ix_person_*_key), repeated exactly
_NAME_KEY = literal_column("lower(person.full_name)")
_PHONE_KEY = literal_column("replace(person.phone, ' ', '')")
_EMAIL_KEY = literal_column("lower(person.email)")


def _lower(value: str) -> str:
    """Lower case as SQLite's lower() does it (ASCII only), so both sides agree."""
    return value.translate(_ASCII_LOWER)


def location_key(location: str) -> str:
    """A typed location reduced for matching: lower case, words separated by single spaces,
    abbreviations expanded."""
    words = [
        w for w in _WORDS.split(_lower(clean_line(location)).replace(",", "").replace(".", "")) if w
    ]
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def phone_keys(phone: str) -> tuple[str, ...]:
    """A typed phone number as it may be stored without spaces: as typed, and 0... / +44..."""
    typed = re.sub(r"[\s\-().]", "", clean_line(phone))
    if sum(c.isdigit() for c in typed) < 7 or not re.fullmatch(r"\+?\d+", typed):
        return ()
    keys = {typed}
    if typed.startswith("+44"):
        keys.add("0" + typed[3:])
    elif typed.startswith("0"):
        keys.add("+44" + typed[1:])
    return tuple(sorted(keys))


@dataclass(frozen=True)
class PersonKey:
    """One person typed into the form (one-line text as it would be stored)."""

    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class DuplicateQuery:
    """What is looked for: built from a form by :func:`query_for`. Equal queries give equal
    answers, so a form can skip a keystroke that changes nothing here."""

    location: str = ""
    town: str = ""
    postcode: str = ""
    people: tuple[PersonKey, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.location or self.postcode or self.people)


def query_for(form: IntakeForm) -> DuplicateQuery:
    people = []
    candidates = [(p.full_name, p.phone, p.email) for p in form.people]
    if not form.reporter_anonymous:
        candidates.append((form.reporter_name, form.reporter_phone, form.reporter_email))
    for name, phone, email in candidates:
        name, email = clean_line(name), clean_line(email)
        key = PersonKey(name if len(name) >= 3 else "", clean_line(phone),
                        email if "@" in email else "")  # fmt: skip
        if key.name or phone_keys(key.phone) or key.email:
            people.append(key)
    location = location_key(form.location)
    postcode = normalise_postcode(form.postcode) or ""
    return DuplicateQuery(location, _lower(clean_line(form.town)), postcode, tuple(people))


@dataclass(frozen=True)
class Suggestion:
    """An open case the new report may belong to, and why it is suggested."""

    case_id: uuid.UUID
    reference: str
    summary: str
    status: str
    hub: str
    location: str
    town: str
    received_at: datetime
    #: the latest report on the case (its first, if it has no contacts)
    last_report_at: datetime
    reasons: tuple[str, ...]
    score: int


def _place_hits(s, q: DuplicateQuery) -> dict[uuid.UUID, tuple[int, str]]:
    """Places matching the typed location or postcode: id -> (score, reason)."""
    conditions = []
    if q.postcode:
        conditions.append(Place.postcode == q.postcode)
    if q.location:
        typed = f" {q.location} "
        # the place's name as location_key writes the typed text (commas and full stops out)
        name_key = func.replace(func.replace(func.lower(Place.name), ",", ""), ".", "")
        # the place's name, as words, inside the typed location
        named = and_(
            func.length(Place.name) >= MIN_PLACE_NAME,
            func.instr(typed, literal(" ") + name_key + literal(" ")) > 0,
        )
        if len(q.location) >= MIN_TYPED_LOCATION:
            named = or_(named, func.instr(name_key, q.location) > 0)
        if q.town:
            named = and_(named, or_(Place.town == "", func.lower(Place.town) == q.town))
        conditions.append(named)
    if not conditions:
        return {}
    hits: dict[uuid.UUID, tuple[int, str]] = {}
    rows = s.execute(
        select(Place.id, Place.name, Place.town, Place.postcode).where(
            Place.voided.is_(False), or_(*conditions)
        )
    ).all()
    for pid, name, town, postcode in rows:
        where = ", ".join(x for x in (name, town) if x)
        if q.postcode and postcode == q.postcode:
            same_name = q.location and f" {location_key(name)} " in f" {q.location} "
            score = 5 if same_name else 3
            hits[pid] = (score, f"Same place: {where} ({postcode})")
        else:
            hits[pid] = (4, f"Same place: {where}")
    return hits


def _person_hits(s, q: DuplicateQuery) -> list[tuple[uuid.UUID, int, str]]:
    """People matching anyone typed: (person id, score, reason) by the typed value."""
    out: list[tuple[uuid.UUID, int, str]] = []
    for key in q.people:
        probes = []
        if key.name:
            probes.append((_NAME_KEY == _lower(key.name), 3, "Same name: {typed}", key.name))
        phones = phone_keys(key.phone)
        if phones:
            probes.append((_PHONE_KEY.in_(phones), 5, "Same phone number: {typed}", key.phone))
        if key.email:
            probes.append((_EMAIL_KEY == _lower(key.email), 5, "Same email: {typed}", key.email))
        for condition, score, reason, typed in probes:
            for pid in s.scalars(
                select(Person.id).where(condition, Person.voided.is_(False)).limit(200)
            ):
                out.append((pid, score, reason.format(typed=typed)))
    return out


def suggest(
    store,
    query: DuplicateQuery,
    *,
    now: datetime | None = None,
    days: int = WINDOW_DAYS,
    limit: int = LIMIT,
) -> list[Suggestion]:
    """Open cases the typed report may repeat, strongest first (then the latest report)."""
    if query.is_empty:
        return []
    now = now or utcnow()
    since = now - timedelta(days=days)
    with store.read() as s:
        scores: dict[uuid.UUID, int] = {}
        reasons: dict[uuid.UUID, list[str]] = {}

        def add(case_id: uuid.UUID, score: int, reason: str) -> None:
            scores[case_id] = scores.get(case_id, 0) + score
            found = reasons.setdefault(case_id, [])
            if reason not in found:
                found.append(reason)

        places = _place_hits(s, query)
        if places:
            for case_id, place_id in s.execute(
                select(CasePlace.case_id, CasePlace.place_id).where(
                    CasePlace.place_id.in_(places), CasePlace.voided.is_(False)
                )
            ):
                add(case_id, *places[place_id])
        people = _person_hits(s, query)
        if people:
            by_person: dict[uuid.UUID, list[tuple[int, str]]] = {}
            for pid, score, reason in people:
                by_person.setdefault(pid, []).append((score, reason))
            for case_id, pid, role in s.execute(
                select(CasePerson.case_id, CasePerson.person_id, CasePerson.role).where(
                    CasePerson.person_id.in_(by_person), CasePerson.voided.is_(False)
                )
            ):
                for score, reason in by_person[pid]:
                    add(case_id, score, f"{reason} ({label(PersonRole, role).lower()})")
        if not scores:
            return []
        last_report = (
            select(func.max(Contact.received_at))
            .where(Contact.case_id == Case.id, Contact.voided.is_(False))
            .scalar_subquery()
        )
        recent_report = exists().where(
            Contact.case_id == Case.id, Contact.received_at >= since, Contact.voided.is_(False)
        )
        rows = s.execute(
            select(
                Case.id, Case.reference, Case.summary, Case.status, Hub.name, Case.location,
                Case.town, Case.received_at, last_report,
            )
            .join(Hub, Hub.id == Case.hub_id)
            .where(
                Case.id.in_(scores), Case.voided.is_(False),
                Case.status != CaseStatus.CLOSED.value,
                or_(Case.received_at >= since, recent_report),
            )
        ).all()  # fmt: skip
    found = [
        Suggestion(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] or r[7],
            tuple(reasons[r[0]]), scores[r[0]],
        )
        for r in rows
    ]  # fmt: skip
    found.sort(key=lambda x: (-x.score, -x.last_report_at.timestamp(), x.reference))
    return found[:limit]


def suggest_for(store, form: IntakeForm, **kwargs) -> list[Suggestion]:
    return suggest(store, query_for(form), **kwargs)


# --- people and places already known ------------------------------------------------------


def people_typed(form: IntakeForm) -> tuple[Typed, ...]:
    """What is typed for each person of the form not linked yet (the reporter, unless
    anonymous, then the people involved), to look for among the people already known
    (:func:`hubapp.store.casework.people.suggest_for_intake`); slots with nothing to look for
    are left out. Equal answers for equal forms, as :func:`query_for`."""
    out = []
    slots = [(f"people.{i}", p.full_name, p.phone, p.email, p.person_id)
             for i, p in enumerate(form.people)]  # fmt: skip
    if not form.reporter_anonymous:
        slots.insert(0, ("reporter", form.reporter_name, form.reporter_phone,
                         form.reporter_email, form.reporter_person_id))  # fmt: skip
    for slot, name, phone, email, linked in slots:
        if clean_line(linked):
            continue
        typed = Typed(slot, clean_line(name), clean_line(phone), clean_line(email))
        if typed.probes():
            out.append(typed)
    return tuple(out)


@dataclass(frozen=True)
class PlaceFlag:
    """A place matching the typed location or postcode that is a repeat location."""

    place_id: uuid.UUID
    #: its name and town
    where: str
    flag: Flag

    def describe(self) -> str:
        """'Repeat location – Bitts Park, Carlisle: 3 cases from … (3 or more in 12
        months).'"""
        return f"{self.flag.title} – {self.where}: {self.flag.describe().split(': ', 1)[1]}"


def place_flags(store, query: DuplicateQuery, *, limit: int = 3) -> list[PlaceFlag]:
    """The places matching the typed location or postcode (as :func:`suggest` finds them)
    that are a repeat location, counted over the cases the account sees; the most cases
    first."""
    if not (query.location or query.postcode):
        return []
    with store.read() as s:
        hits = _place_hits(s, query)
        flags = repeats.for_places(s, list(hits)) if hits else {}
        if not flags:
            return []
        names = {pid: ", ".join(x for x in (name, town) if x) for pid, name, town in s.execute(
            select(Place.id, Place.name, Place.town).where(Place.id.in_(list(flags))))}  # fmt: skip
    found = [PlaceFlag(pid, names.get(pid, "?"), f) for pid, f in flags.items()]
    found.sort(key=lambda p: (-p.flag.count, p.where.casefold()))
    return found[:limit]
