"""Red / amber / green for actions: one rule for the grid, the detail pane and the packs."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

AMBER_WINDOW = timedelta(days=7)
CLOSED_ACTION_STATUSES = frozenset({"done", "cancelled"})


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    NONE = "none"  # finished actions carry no colour

    @property
    def label(self) -> str:
        return {"red": "Overdue", "amber": "Due soon", "green": "On track", "none": "Finished"}[
            self.value
        ]


def action_rag(due_on: date | None, status: str, today: date) -> Rag:
    if status in CLOSED_ACTION_STATUSES:
        return Rag.NONE
    if due_on is None:
        return Rag.GREEN
    if due_on < today:
        return Rag.RED
    if due_on <= today + AMBER_WINDOW:
        return Rag.AMBER
    return Rag.GREEN


def worst(rags: list[Rag]) -> Rag:
    """The colour of a group of actions: red if any is overdue, else amber, else green."""
    for colour in (Rag.RED, Rag.AMBER, Rag.GREEN):
        if colour in rags:
            return colour
    return Rag.NONE
