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


def group_rag(open_count: int, earliest_due: date | None, today: date) -> Rag:
    """The colour of one agency's open actions on a case (a cell of the assignment grid).

    Only the earliest due date of the open actions matters: red when it has passed, amber when
    it falls within the next seven days (today included), green otherwise (also when no open
    action has a due date). With no open action at all the cell has no colour (``Rag.NONE``).
    This is ``worst`` of ``action_rag`` over the open actions, without needing each one.
    """
    if open_count <= 0:
        return Rag.NONE
    return action_rag(earliest_due, "open", today)
