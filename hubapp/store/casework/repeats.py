"""Repeat flags read from the store: which people and places of some cases are a repeat
victim or complainant, a repeat alleged perpetrator or a repeat location
(:mod:`hubapp.domain.repeats` has the rule and the thresholds).

A flag counts the cases the account may see, and no more: a partner is not told, through a
count, of cases kept from them. The reads are SQL of this module's own, so that the case
list can ask for a page's marks over its own connection, as it reads the page; each applies
the case rule of :mod:`hubapp.store.access` itself (``access.RAW_SQL`` names them). Each read
starts from a few people or places and follows indexes (``case_person.person_id``,
``contact.case_id``, ``contact.place_id``), so a page of the list costs milliseconds, not a
scan of the hub.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hubapp.domain import repeats
from hubapp.domain.codes import PersonRole
from hubapp.domain.formatting import parse_stored_datetime
from hubapp.domain.repeats import PERPETRATOR, PLACE, VICTIM, Flag, Rules

VICTIM_ROLES = (PersonRole.VICTIM.value, PersonRole.COMPLAINANT.value)
PERPETRATOR_ROLE = PersonRole.ALLEGED_PERPETRATOR.value
#: the most ids one IN (...) takes
_CHUNK = 500

Rule = tuple[str, dict[str, Any]] | None


def _chunks(ids: Iterable[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _select(conn, rule: Rule, sql: str, ids: list[uuid.UUID], **params) -> list[tuple]:
    """Run ``sql`` (over ``case_ c``; ``{ids}`` the list's place, ``{rule}`` the case rule's)
    for ``ids``."""
    names = {f"i{n}": i.hex for n, i in enumerate(ids)}
    text = sql.format(ids=", ".join(f":{n}" for n in names),
                      rule=f"AND {rule[0]}" if rule is not None else "")  # fmt: skip
    values = {**names, **params, **(rule[1] if rule is not None else {})}
    return conn.exec_driver_sql(text, values).fetchall()


def _roles(roles: Iterable[str]) -> str:
    return ", ".join(f"'{r}'" for r in roles)


def _people_flags(conn, rule: Rule, person_ids: Iterable[uuid.UUID], rules: Rules
                  ) -> dict[uuid.UUID, list[Flag]]:  # fmt: skip
    reports: dict[str, list] = {}
    named: dict[str, list] = {}
    for chunk in _chunks(person_ids):
        for pid, received, incident in _select(conn, rule, (
            "SELECT p.person_id, t.received_at, t.incident_at FROM case_person p"
            " JOIN case_ c ON c.id = p.case_id JOIN contact t ON t.case_id = p.case_id"
            f" WHERE p.person_id IN ({{ids}}) AND p.role IN ({_roles(VICTIM_ROLES)})"
            " AND p.voided = 0 AND t.voided = 0 AND c.voided = 0 {rule}"), chunk):  # fmt: skip
            reports.setdefault(pid, []).append(
                (parse_stored_datetime(received), parse_stored_datetime(incident)))  # fmt: skip
        for pid, case_id, received in _select(conn, rule, (
            "SELECT p.person_id, c.id, c.received_at FROM case_person p"
            " JOIN case_ c ON c.id = p.case_id"
            f" WHERE p.person_id IN ({{ids}}) AND p.role = '{PERPETRATOR_ROLE}'"
            " AND p.voided = 0 AND c.voided = 0 {rule}"), chunk):  # fmt: skip
            named.setdefault(pid, []).append((case_id, parse_stored_datetime(received)))
    out: dict[uuid.UUID, list[Flag]] = {}
    for pid, rows in reports.items():
        if (f := repeats.flag(VICTIM, repeats.victim_events(rows), rules)) is not None:
            out.setdefault(uuid.UUID(hex=pid), []).append(f)
    for pid, rows in named.items():
        if (f := repeats.flag(PERPETRATOR, repeats.case_events(rows), rules)) is not None:
            out.setdefault(uuid.UUID(hex=pid), []).append(f)
    return out


def _place_flags(conn, rule: Rule, place_ids: Iterable[uuid.UUID], rules: Rules
                 ) -> dict[uuid.UUID, Flag]:  # fmt: skip
    rows: dict[str, list] = {}
    for chunk in _chunks(place_ids):
        for place_id, case_id, received in _select(conn, rule, (
            "SELECT t.place_id, t.case_id, t.received_at FROM contact t"
            " JOIN case_ c ON c.id = t.case_id"
            " WHERE t.place_id IN ({ids}) AND t.voided = 0 AND c.voided = 0 {rule}"), chunk):  # fmt: skip
            rows.setdefault(place_id, []).append((case_id, parse_stored_datetime(received)))
    out = {}
    for place_id, found in rows.items():
        if (f := repeats.flag(PLACE, repeats.case_events(found), rules)) is not None:
            out[uuid.UUID(hex=place_id)] = f
    return out


def _case_people(conn, rule: Rule, case_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(case id, person id) of the victims, complainants and alleged perpetrators."""
    roles = _roles((*VICTIM_ROLES, PERPETRATOR_ROLE))
    return [
        (uuid.UUID(hex=c), uuid.UUID(hex=p))
        for chunk in _chunks(case_ids)
        for c, p in _select(conn, rule, (
            "SELECT p.case_id, p.person_id FROM case_person p JOIN case_ c ON c.id = p.case_id"
            f" WHERE p.case_id IN ({{ids}}) AND p.voided = 0 AND p.role IN ({roles}) {{rule}}"),
            chunk)
    ]  # fmt: skip


def _case_places(conn, rule: Rule, case_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(case id, place id) of the places the cases' reports were made about, and the places
    linked to them."""
    found = set()
    for chunk in _chunks(case_ids):
        found.update(_select(conn, rule, (
            "SELECT t.case_id, t.place_id FROM contact t JOIN case_ c ON c.id = t.case_id"
            " WHERE t.case_id IN ({ids}) AND t.voided = 0 AND t.place_id IS NOT NULL {rule}"
            " UNION SELECT l.case_id, l.place_id FROM case_place l"
            " JOIN case_ c ON c.id = l.case_id"
            " WHERE l.case_id IN ({ids}) AND l.voided = 0 {rule}"), chunk))  # fmt: skip
    return sorted((uuid.UUID(hex=c), uuid.UUID(hex=p)) for c, p in found)


def _of_cases(conn, rule: Rule, case_ids: Iterable[uuid.UUID], rules: Rules | None,
              known: dict | None = None):  # fmt: skip
    """The cases' people and places ((case id, id) pairs), and the flags of each. ``known``:
    the flags already worked out for the same account, by ("person" | "place", id); those
    are not read again, and the new ones are added to it."""
    ids = list(case_ids)
    rules = rules or repeats.shipped()
    known = {} if known is None else known
    people = _case_people(conn, rule, ids)
    places = _case_places(conn, rule, ids)
    new_people = {p for _c, p in people if ("person", p) not in known}
    new_places = {p for _c, p in places if ("place", p) not in known}
    found_people = _people_flags(conn, rule, new_people, rules)
    found_places = _place_flags(conn, rule, new_places, rules)
    for p in new_people:
        known["person", p] = found_people.get(p, [])
    for p in new_places:
        known["place", p] = found_places.get(p)
    person_flags = {p: known["person", p] for _c, p in people if known["person", p]}
    place_flags = {p: known["place", p] for _c, p in places if known["place", p] is not None}
    return people, places, person_flags, place_flags


def _in(s) -> tuple[Any, Rule]:
    """The connection of session ``s`` and the case rule of its account."""
    from hubapp.store import access

    return s.connection(), access.case_condition(s, "c")


def for_people(s, person_ids: Iterable[uuid.UUID], rules: Rules | None = None
               ) -> dict[uuid.UUID, list[Flag]]:  # fmt: skip
    """The repeat flags of these people (only those with one), victim before perpetrator."""
    return _people_flags(*_in(s), person_ids, rules or repeats.shipped())


def for_places(s, place_ids: Iterable[uuid.UUID], rules: Rules | None = None
               ) -> dict[uuid.UUID, Flag]:  # fmt: skip
    """The places among these that are a repeat location."""
    return _place_flags(*_in(s), place_ids, rules or repeats.shipped())


@dataclass(frozen=True)
class Subject:
    """A person or place of a case with its repeat flags."""

    kind: str  # "person" or "place"
    id: uuid.UUID
    name: str
    flags: tuple[Flag, ...]

    def describe(self) -> list[str]:
        """One line per flag: 'Repeat victim – Jane Doe: 4 reports from … (3 or more in
        6 months).'"""
        return [f"{f.title} – {self.name}: {f.explain()}" for f in self.flags]


def read_for_case(s, case_id: uuid.UUID, rules: Rules | None = None) -> list[Subject]:
    """The case's people and places that are repeats, with their flags: people first (by
    name), then places."""
    from sqlalchemy import select

    from hubapp.store.schema import Person, Place

    _people, _places, person_flags, place_flags = _of_cases(*_in(s), [case_id], rules)
    out: list[Subject] = []
    if person_flags:
        names = dict(s.execute(select(Person.id, Person.full_name)
                               .where(Person.id.in_(list(person_flags)))).all())  # fmt: skip
        out += sorted(
            (
                Subject("person", pid, names.get(pid, "?"), tuple(f))
                for pid, f in person_flags.items()
            ),
            key=lambda x: x.name.casefold(),
        )
    if place_flags:
        rows = s.execute(select(Place.id, Place.name, Place.town)
                         .where(Place.id.in_(list(place_flags)))).all()  # fmt: skip
        names = {pid: ", ".join(p for p in (name, town) if p) for pid, name, town in rows}
        out += sorted(
            (Subject("place", pid, names.get(pid, "?"), (f,)) for pid, f in place_flags.items()),
            key=lambda x: x.name.casefold(),
        )
    return out


def for_case(store, case_id: uuid.UUID, rules: Rules | None = None) -> list[Subject]:
    with store.read() as s:
        return read_for_case(s, case_id, rules)


def read_marks(s, case_ids: Iterable[uuid.UUID], rules: Rules | None = None
               ) -> dict[uuid.UUID, frozenset[str]]:  # fmt: skip
    """The kinds of repeat (victim, perpetrator, place) each case has among its people and
    places; cases with none are left out."""
    return marks_over(*_in(s), case_ids, rules)


def marks_over(conn, rule: Rule, case_ids: Iterable[uuid.UUID], rules: Rules | None = None,
               known: dict | None = None) -> dict[uuid.UUID, frozenset[str]]:  # fmt: skip
    """:func:`read_marks` over a connection of the case list's, with the rule of the account
    the list was read for (and the flags it worked out for earlier pages, ``known``)."""
    people, places, person_flags, place_flags = _of_cases(conn, rule, case_ids, rules, known)
    out: dict[uuid.UUID, set[str]] = {}
    for case_id, pid in people:
        for f in person_flags.get(pid, ()):
            out.setdefault(case_id, set()).add(f.kind)
    for case_id, pid in places:
        if pid in place_flags:
            out.setdefault(case_id, set()).add(PLACE)
    return {c: frozenset(k) for c, k in out.items()}


def marks(store, case_ids: Iterable[uuid.UUID], rules: Rules | None = None
          ) -> dict[uuid.UUID, frozenset[str]]:  # fmt: skip
    with store.read() as s:
        return read_marks(s, case_ids, rules)


def read_counts(s, case_ids: Iterable[uuid.UUID], rules: Rules | None = None) -> dict[str, int]:
    """How many different people and places of these cases are each kind of repeat (for a
    partner's meeting pack: counts, never names)."""
    _people, _places, person_flags, place_flags = _of_cases(*_in(s), case_ids, rules)
    out = dict.fromkeys(repeats.KINDS, 0)
    for flags in person_flags.values():
        for f in flags:
            out[f.kind] += 1
    out[PLACE] = len(place_flags)
    return out


MARK_WORDS = {VICTIM: "victim", PERPETRATOR: "perpetrator", PLACE: "place"}


def mark_text(kinds: Iterable[str]) -> str:
    """The case list's words for a case's repeats: 'victim, place'."""
    return ", ".join(MARK_WORDS[k] for k in repeats.KINDS if k in set(kinds))
