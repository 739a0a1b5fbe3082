"""The rows of the assignment grid: one hub's cases, filtered and ordered by SQLite.

The grid's cells (each agency's part and actions) come from
:func:`hubapp.store.casework.assignments.cell_summaries`, a block of rows at a time; this module only
finds which cases are rows, in which order, with the few fields the row header shows. Plain
SQL over the store's engine returning tuples (as :mod:`hubapp.store.casework.caselist` does): a hub's
2,000 open cases take a few milliseconds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NamedTuple

from hubapp.store.casework.caselist import OPEN, CaseFilter, fts_query, limit_to_account, where


@dataclass(frozen=True)
class GridFilter:
    """Which of a hub's cases the grid shows. None means any value."""

    hub_id: uuid.UUID
    status: str | None = OPEN  # a CaseStatus code, OPEN (anything not closed), or None
    category_id: uuid.UUID | None = None
    priority: str | None = None  # "high" or "normal"
    sara_stage: str | None = None  # a SaraStage code
    text: str = ""

    def same_rows(self, other: GridFilter) -> bool:
        """True if both select the same cases (typing a space or one letter changes nothing)."""
        return (
            (self.hub_id, self.status, self.category_id, self.priority, self.sara_stage)
            == (other.hub_id, other.status, other.category_id, other.priority, other.sara_stage)
            and fts_query(self.text) == fts_query(other.text)
        )  # fmt: skip


class GridCase(NamedTuple):
    """One row of the grid: a case, as its row header shows it."""

    id: uuid.UUID
    reference: str
    summary: str
    status: str
    priority: str
    risk_level: str
    sara_stage: str
    category_id: str
    hub_id: str
    #: the case's version when read: the base of a role change made from this row
    row_version: int


_COLUMNS = (
    "c.id, c.reference, c.summary, c.status, c.priority, c.risk_level, c.sara_stage,"
    " c.category_id, c.hub_id, c.row_version"
)


def _row(r) -> GridCase:
    return GridCase(uuid.UUID(hex=r[0]), *r[1:])


def grid_cases(store, f: GridFilter) -> list[GridCase]:
    """The hub's live cases matching the filter, newest first."""
    w = where(CaseFilter(hub_id=f.hub_id, status=f.status, category_id=f.category_id,
                         text=f.text))  # fmt: skip
    limit_to_account(store, w)
    if f.priority:
        w.clauses.append("c.priority = :priority")
        w.params["priority"] = f.priority
    if f.sara_stage:
        w.clauses.append("c.sara_stage = :sara")
        w.params["sara"] = f.sara_stage
    conditions = " AND ".join(w.clauses)
    if w.searching:
        # start from the full-text hits (see caselist.CaseList.query for why CROSS JOIN)
        sql = (
            f"SELECT {_COLUMNS} FROM case_search s CROSS JOIN case_ c ON c.seq = s.rowid"
            f" WHERE case_search MATCH :q AND {conditions}"
        )
    else:
        sql = f"SELECT {_COLUMNS} FROM case_ c WHERE {conditions}"
    sql += " ORDER BY c.received_at DESC, c.seq DESC"
    with store.engine.connect() as conn:
        # the driver's own cursor: plain tuples, several times faster than Result rows
        cur = conn.connection.dbapi_connection.cursor()
        try:
            cur.execute(sql, w.params)
            found = cur.fetchall()
        finally:
            cur.close()
    return [_row(r) for r in found]


def grid_case(store, case_id: uuid.UUID) -> GridCase | None:
    """One case as a grid row (after a change to it), or None if it is gone (or the account
    may not see it: the case rule, as in :func:`grid_cases`)."""
    w = limit_to_account(store, where(CaseFilter(status=None)))
    w.clauses.append("c.id = :case")
    w.params["case"] = case_id.hex
    with store.engine.connect() as conn:
        r = conn.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM case_ c WHERE {' AND '.join(w.clauses)}", w.params
        ).first()
    return _row(r) if r is not None else None
