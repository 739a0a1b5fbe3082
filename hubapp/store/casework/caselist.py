"""The case list: filtering, sorting and paging done by SQLite, never in Python.

At 100,000 cases the list must answer each keystroke of a search in a few milliseconds, so
this module speaks SQL directly over the store's engine, uses the full-text index
``case_search`` for text, and returns plain tuples. The Qt model pages through it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from hubapp.domain.codes import CaseStatus, RiskLevel


class Column(StrEnum):
    REFERENCE = "reference"
    RECEIVED = "received"
    HUB = "hub"
    CATEGORY = "category"
    STATUS = "status"
    RISK = "risk"
    LOCATION = "location"
    SUMMARY = "summary"
    LEAD = "lead"
    #: the repeats among the case's people and places (hubapp.domain.repeats); not sortable
    REPEAT = "repeat"
    #: how many victims are overdue an update (hubapp.store.casework.victim_contact); not
    #: sortable, worked out for the rows shown as the repeats are
    VICTIMS = "victims"


def _rank(members, column: str) -> str:
    cases = " ".join(f"WHEN '{m.value}' THEN {i}" for i, m in enumerate(members))
    return f"CASE {column} {cases} ELSE 99 END"


#: SQL for each sortable column; c.seq breaks ties so paging is stable
_ORDER: dict[Column, tuple[str, ...]] = {
    # hub and year, then the number by its length: CAR-2026-9999 before CAR-2026-10000
    Column.REFERENCE: ("rtrim(c.reference, '0123456789')", "length(c.reference)", "c.reference"),
    Column.RECEIVED: ("c.received_at",),
    Column.HUB: ("(SELECT name FROM hub WHERE hub.id = c.hub_id)",),
    Column.CATEGORY: ("(SELECT name FROM category WHERE category.id = c.category_id)",),
    Column.STATUS: (_rank(CaseStatus, "c.status"),),
    # a first click on Risk (ascending) puts high risk at the top
    Column.RISK: (_rank(reversed(RiskLevel), "c.risk_level"),),
    Column.LOCATION: ("c.town COLLATE NOCASE", "c.location COLLATE NOCASE"),
    Column.SUMMARY: ("c.summary COLLATE NOCASE",),
    Column.LEAD: ("(SELECT short_name FROM agency WHERE agency.id = c.lead_agency_id)",),
}

#: the columns the list sorts by (the repeats are worked out for the rows shown)
SORTABLE = tuple(_ORDER)

OPEN = "open"  # the status filter meaning "anything not closed"


@dataclass(frozen=True)
class CaseFilter:
    hub_id: uuid.UUID | None = None
    status: str | None = OPEN  # a CaseStatus code, OPEN, or None for all
    category_id: uuid.UUID | None = None
    text: str = ""

    def same_rows(self, other: CaseFilter) -> bool:
        """True if both select the same cases: typing 'CAR-' after 'CAR' changes no query."""
        return (self.hub_id, self.status, self.category_id, fts_query(self.text)) == (
            other.hub_id,
            other.status,
            other.category_id,
            fts_query(other.text),
        )


@dataclass(frozen=True)
class CaseSort:
    column: Column = Column.RECEIVED
    descending: bool = True


class CaseRow(NamedTuple):
    seq: int
    id: uuid.UUID
    reference: str
    received_at: str  # as stored: naive UTC ISO text; formatted by the caller
    hub_id: str
    category_id: str
    status: str
    risk_level: str
    town: str
    location: str
    summary: str
    lead_agency_id: str | None


_TOKEN = re.compile(r"\w+", re.UNICODE)


#: a single letter matches most cases and tells nothing; words need this many characters
MIN_WORD = 2


def fts_query(text: str) -> str | None:
    """Turn what a person typed into an FTS5 query: every word, as a prefix, must match.

    Quotes and operators in the input are never passed through: only word characters are.
    Single characters are left out (``flat 5`` searches for ``flat``).
    """
    words = [w for w in _TOKEN.findall(text) if len(w) >= MIN_WORD]
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words[:12])


def _hex(value: uuid.UUID) -> str:
    return value.hex  # SQLAlchemy's Uuid type stores 32 hex digits on SQLite


@dataclass
class _Where:
    """The filter as SQL over ``case_ c``: plain clauses, and the full-text query apart, since
    a search starts from the full-text index instead of filtering by it."""

    clauses: list[str] = field(default_factory=lambda: ["c.voided = 0"])
    params: dict[str, object] = field(default_factory=dict)
    #: the case rule among the clauses (:func:`limit_to_account`), kept for reading the rows
    rule: tuple[str, dict[str, object]] | None = None

    @property
    def searching(self) -> bool:
        return "q" in self.params

    def sql(self) -> str:
        """All of it as one condition (the full-text part as a subquery)."""
        text = ["c.seq IN (SELECT rowid FROM case_search WHERE case_search MATCH :q)"]
        return " AND ".join(self.clauses + (text if self.searching else []))


def where(f: CaseFilter) -> _Where:
    """The filter as SQL over ``case_ c`` (the assignment grid adds its own clauses)."""
    w = _Where()
    if f.hub_id is not None:
        w.clauses.append("c.hub_id = :hub")
        w.params["hub"] = _hex(f.hub_id)
    if f.status == OPEN:
        w.clauses.append("c.status != 'closed'")
    elif f.status:
        w.clauses.append("c.status = :status")
        w.params["status"] = f.status
    if f.category_id is not None:
        w.clauses.append("c.category_id = :category")
        w.params["category"] = _hex(f.category_id)
    query = fts_query(f.text)
    if query:
        w.params["q"] = query
    return w


def limit_to_account(store, w: _Where) -> _Where:
    """Add the signed-in account's case-visibility rule to ``w``: this module's SQL is past
    the ORM's rules (hubapp.store.access.RAW_SQL names it), so it applies the rule itself."""
    from hubapp.store import access

    rule = access.case_condition(store, "c")
    if rule is not None:
        w.clauses.append(rule[0])
        w.params.update(rule[1])
        w.rule = rule
    return w


#: sorts an index serves in order, so pages can be read with LIMIT/OFFSET from the index
_INDEXED = {Column.RECEIVED}

_ROW_COLUMNS = (
    "c.seq, c.id, c.reference, c.received_at, c.hub_id, c.category_id, c.status,"
    " c.risk_level, c.town, c.location, c.summary, c.lead_agency_id"
)


class CaseResult:
    """The cases matching one filter in one order: a size, and rows by position."""

    def __init__(self, store, rule: tuple[str, dict[str, object]] | None = None) -> None:
        self._store = store
        self._rule = rule  # of the account the list was read for, from the first page on
        self.size = 0
        self._repeats_known: dict = {}  # the flags of people and places met (repeats())

    def seqs(self, start: int, limit: int) -> list[int]:
        raise NotImplementedError

    def rows(self, start: int, limit: int) -> list[CaseRow]:
        seqs = self.seqs(start, limit)
        if not seqs:
            return []
        params: dict[str, object] = {f"s{i}": seq for i, seq in enumerate(seqs)}
        sql = f"SELECT {_ROW_COLUMNS} FROM case_ c WHERE c.seq IN (:{', :'.join(params)})"
        if self._rule is not None:
            sql += f" AND {self._rule[0]}"
            params.update(self._rule[1])
        with self._store.engine.connect() as conn:
            found = conn.exec_driver_sql(sql, params).fetchall()
        by_seq = {r[0]: r for r in found}
        return [
            CaseRow(r[0], uuid.UUID(hex=r[1]), *r[2:])
            for r in (by_seq.get(seq) for seq in seqs)
            if r is not None
        ]

    def repeats(self, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, frozenset[str]]:
        """The kinds of repeat of each of these cases (those with none left out), counted
        over the cases of the account the list was read for. The flags of the people and
        places met are kept for the next pages (a busy place is on many). Called from one
        thread at a time."""
        from hubapp.store.casework import repeats

        with self._store.engine.connect() as conn:
            return repeats.marks_over(conn, self._rule, case_ids, known=self._repeats_known)

    def victims_overdue(self, case_ids: list[uuid.UUID], today=None) -> dict[uuid.UUID, int]:
        """How many victims of each of these cases are overdue an update (those with none
        left out; hubapp.store.casework.victim_contact), read under the reading rules of
        whoever is signed in: the rows of a few cases by their indexes, a page at a time."""
        from hubapp.store.casework import victim_contact

        with self._store.read() as s:
            return victim_contact.overdue_counts(s, case_ids, today)


class _Materialised(CaseResult):
    """Every matching seq, in order: for searches and for sorts no index serves."""

    def __init__(self, store, seqs: list[int], sql: str, params: dict, rule=None) -> None:
        super().__init__(store, rule)
        self._seqs = seqs
        self.size = len(seqs)
        self.sql, self.params = sql, params  # kept for inspection (query plans in tests)

    def seqs(self, start: int, limit: int) -> list[int]:
        return self._seqs[start : start + limit]


class _Paged(CaseResult):
    """A count, and pages read from a covering index on demand: the plain list."""

    def __init__(self, store, where: _Where, order: str) -> None:
        super().__init__(store, where.rule)
        self._where = where
        self._order = order
        with store.engine.connect() as conn:
            self.size = conn.exec_driver_sql(
                f"SELECT count(*) FROM case_ c WHERE {where.sql()}", where.params
            ).scalar_one()

    def seqs(self, start: int, limit: int) -> list[int]:
        sql = (
            f"SELECT c.seq FROM case_ c WHERE {self._where.sql()} ORDER BY {self._order}"
            " LIMIT :limit OFFSET :offset"
        )
        params = dict(self._where.params, limit=limit, offset=start)
        with self._store.engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql(sql, params)]


def _order_sql(sort: CaseSort) -> str:
    direction = "DESC" if sort.descending else "ASC"
    parts = [f"{expression} {direction}" for expression in _ORDER[sort.column]]
    return ", ".join([*parts, f"c.seq {direction}"])


class CaseList:
    """Counting and paging the case list for a filter and a sort order."""

    def __init__(self, store) -> None:
        self._store = store

    def query(self, f: CaseFilter, sort: CaseSort) -> CaseResult:
        w = limit_to_account(self._store, where(f))
        order = _order_sql(sort)
        if not w.searching and sort.column in _INDEXED:
            return _Paged(self._store, w, order)
        if w.searching:
            # Start from the full-text hits and look each up in the covering index. CROSS
            # JOIN fixes that order: left to itself, SQLite may walk the hub's cases and run
            # the full-text query once per case (seconds instead of milliseconds).
            sql = (
                "SELECT c.seq FROM case_search s CROSS JOIN case_ c ON c.seq = s.rowid"
                f" WHERE case_search MATCH :q AND {' AND '.join(w.clauses)} ORDER BY {order}"
            )
        else:
            sql = f"SELECT c.seq FROM case_ c WHERE {w.sql()} ORDER BY {order}"
        with self._store.engine.connect() as conn:
            seqs = [r[0] for r in conn.exec_driver_sql(sql, w.params)]
        return _Materialised(self._store, seqs, sql, w.params, w.rule)

    def count(self, f: CaseFilter) -> int:
        w = limit_to_account(self._store, where(f))
        with self._store.engine.connect() as conn:
            sql = f"SELECT count(*) FROM case_ c WHERE {w.sql()}"
            return conn.exec_driver_sql(sql, w.params).scalar_one()

    def page(self, f: CaseFilter, sort: CaseSort, offset: int, limit: int) -> list[CaseRow]:
        """One page of rows (a convenience over query() for scripts and tests)."""
        return self.query(f, sort).rows(offset, limit)
