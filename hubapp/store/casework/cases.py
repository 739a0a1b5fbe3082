"""Changing cases through the store's write path (audited, versioned, one transaction)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hubapp.domain.clock import local_today
from hubapp.domain.formatting import to_local
from hubapp.store import access
from hubapp.store.errors import EditConflict, StoreError
from hubapp.store.schema import Case, Hub, ReferenceCounter, Station

#: fields a caller may change with update_fields (identity and sync columns excluded)
EDITABLE = frozenset(
    {
        "category_id", "channel_id", "status", "risk_level", "priority", "sara_stage",
        "lead_agency_id", "place_id", "location", "town", "postcode", "grid_ref", "summary",
        "details", "police_log_ref", "council_ref", "incident_at", "closed_on", "outcome",
        "closure_rationale", "next_review_on",
    }
)  # fmt: skip


def _require_case_edit(store) -> None:
    access.require_case_edit(store)


def update_fields(store, case_id: uuid.UUID, base_version: int, changes: dict[str, Any]) -> int:
    """Apply ``changes`` to a case loaded at ``base_version``; return the new version.

    If anyone (another window, another user, a sync) saved the case in between, nothing is
    written and EditConflict says so: two windows never silently overwrite each other.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    _require_case_edit(store)
    with store.write(reason="case edited") as session:
        case = session.get(Case, case_id)
        if case is None or case.voided:
            raise StoreError("This case no longer exists.")
        if case.row_version != base_version:
            raise EditConflict(
                f"Case {case.reference} was changed by someone else since you opened it; "
                "your changes were not saved. Reopen the case to see the new version."
            )
        for key, value in changes.items():
            setattr(case, key, value)
        session.flush()
        return case.row_version


class References:
    """Case references, ``HUB[PREFIX]-YYYY-NNNN``: the hub's counter for the year (UK local
    time of receipt) moves on, and numbers already taken (an import, demo data, an older
    counter) are skipped. One query per hub and year, however many cases are numbered.

    Use inside a write transaction (writes take the database lock first, so two windows or
    two PCs sharing the file never get the same number). A station given a prefix (a hub
    with several stations) numbers apart from the others, so references stay unique when
    stations sync.
    """

    def __init__(self, s: Session) -> None:
        self.s = s
        station_id = s.info["store"].station_id if "store" in s.info else None
        station = s.get(Station, station_id) if station_id is not None else None
        self.prefix = station.ref_prefix if station is not None else ""
        self.counters: dict[tuple[uuid.UUID, int], ReferenceCounter] = {}
        self.taken: dict[tuple[uuid.UUID, int], set[int]] = {}

    def next(self, hub_id: uuid.UUID, hub_code: str, received_at: datetime) -> str:
        year = to_local(received_at).year
        key = (hub_id, year)
        start = f"{hub_code}{self.prefix}-{year}-"
        counter = self.counters.get(key)
        if counter is None:
            counter = self.s.get(ReferenceCounter, key)
            if counter is None:
                counter = ReferenceCounter(hub_id=hub_id, year=year, last=0)
                self.s.add(counter)
            self.counters[key] = counter
            taken = self.s.scalars(
                select(Case.reference)
                .where(Case.reference >= start, Case.reference < start + "\uffff")
                .execution_options(**access.EVERY_ROW)  # taken by any case, seen or not
            )
            self.taken[key] = {int(r[len(start) :]) for r in taken if r[len(start) :].isdigit()}
        while True:
            counter.last += 1
            if counter.last not in self.taken[key]:
                return f"{start}{counter.last:04d}"


def allocate_reference(s: Session, hub_id: uuid.UUID, when: datetime) -> str:
    """The next case reference of a hub for the year of ``when`` (see References)."""
    hub = s.get(Hub, hub_id)
    if hub is None:
        raise StoreError("That hub is not in this database.")
    return References(s).next(hub.id, hub.code, when)


def new_case(
    s: Session,
    *,
    hub_id: uuid.UUID,
    category_id: uuid.UUID,
    channel_id: uuid.UUID,
    received_at: datetime,
    summary: str,
    opened_on: date | None = None,
    **fields: Any,
) -> Case:
    """Add a new case (status new) with its reference and search key; flushed, so the
    caller can attach contacts, people and places to ``case.id`` in the same transaction."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValueError(f"Not settable on a new case: {', '.join(sorted(unknown))}")
    # of every case, whoever is acting (a partner records new issues too)
    seq = (s.scalar(select(func.max(Case.seq)).execution_options(**access.EVERY_ROW)) or 0) + 1
    case = Case(
        seq=seq,
        reference=allocate_reference(s, hub_id, received_at),
        hub_id=hub_id,
        category_id=category_id,
        channel_id=channel_id,
        received_at=received_at,
        summary=summary,
        opened_on=opened_on or local_today(),
        **fields,
    )
    s.add(case)
    s.flush()
    return case
