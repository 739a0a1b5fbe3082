"""Changing cases through the store's write path (audited, versioned, one transaction)."""

from __future__ import annotations

import uuid
from typing import Any

from hubapp.store.database import StoreError
from hubapp.store.schema import Case

#: fields a caller may change with update_fields (identity and sync columns excluded)
EDITABLE = frozenset(
    {
        "category_id", "channel_id", "status", "risk_level", "priority", "sara_stage",
        "lead_agency_id", "place_id", "location", "town", "postcode", "grid_ref", "summary",
        "details", "police_log_ref", "council_ref", "incident_at", "closed_on", "outcome",
        "closure_rationale", "next_review_on",
    }
)  # fmt: skip


class EditConflict(StoreError):
    """The record changed since the editor loaded it."""


def update_fields(store, case_id: uuid.UUID, base_version: int, changes: dict[str, Any]) -> int:
    """Apply ``changes`` to a case loaded at ``base_version``; return the new version.

    If anyone (another window, another user, a sync) saved the case in between, nothing is
    written and EditConflict says so: two windows never silently overwrite each other.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
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
