"""Lists of actions as Qt table models.

* :class:`AgencyActionsModel`: "My agency's actions", one agency's open actions across
  cases (``hubapp.store.casework.actions.agency_actions``), overdue first, then by due date.
* :class:`CaseActionsModel`: one agency's actions on one case (the action dialog's list).

Both hold plain values read by the core (never ORM rows) and sort in Python: an agency has
at most a few thousand open actions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt

from hubapp.domain.codes import FINISHED_ACTION_STATUSES, ActionStatus, label
from hubapp.domain.formatting import format_date
from hubapp.domain.rag import Rag
from hubapp.models import records
from hubapp.models.assignment_grid import RAG_COLOURS
from hubapp.models.records import Column, RecordRole, RecordTableModel

log = logging.getLogger(__name__)

#: the action's id
ActionIdRole = records.IdRole
#: the whole line (ActionLine or AgencyActionLine)
LineRole = RecordRole
#: the action's Rag
ActionRagRole = Qt.ItemDataRole.UserRole + 13


def tr(text: str) -> str:
    return QCoreApplication.translate("ActionModels", text)


def rag_words(rag: Rag) -> str:
    """What a RAG colour means, in words (the colour is never the only cue)."""
    return {Rag.RED: tr("Overdue"), Rag.AMBER: tr("Due soon"), Rag.GREEN: tr("On track")}.get(
        rag, ""
    )


def _due_key(line) -> tuple:
    # open before finished, then by due date (overdue ones are the earliest), no date last
    finished = line.status in FINISHED_ACTION_STATUSES
    return (finished, line.due_on is None, line.due_on or date.max)


def _tooltip(line) -> str:
    text = line.description
    if line.outcome:
        text += "\n\n" + tr("Outcome: ") + line.outcome
    return text


def _column(title: str, text: Callable[[Any], str], sort_key: Callable[[Any], Any],
            **options: Any) -> Column:  # fmt: skip
    """An action list's column: the row's RAG colour behind it, the description (and
    outcome) as its tooltip."""
    return Column(title, text, tooltip=_tooltip, background=lambda a: RAG_COLOURS.get(a.rag),
                  sort_key=sort_key, **options)  # fmt: skip


class _ActionTable(RecordTableModel):
    """Sortable by any column; the first (the due date) is the default order."""

    def extra_data(self, record, column: int, role: int) -> Any:
        return record.rag if role == ActionRagRole else None


def _due(line) -> str:
    return format_date(line.due_on) if line.due_on else tr("no date")


def _state(line) -> str:
    """Status, and for open actions how they stand: 'Open · Overdue'."""
    status = label(ActionStatus, line.status)
    words = rag_words(line.rag)
    return f"{status} · {words}" if words else status


class AgencyActionsModel(_ActionTable):
    """One agency's actions across cases (AgencyActionLine). Column 0, the due date, is
    the default order: overdue first, then soonest, no date last."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            _column(tr("Due"), _due, _due_key),
            _column(tr("Status"), _state, lambda a: a.status),
            _column(tr("Case"), lambda a: a.case_reference, lambda a: a.case_reference),
            _column(tr("Case summary"), lambda a: a.case_summary,
                    lambda a: a.case_summary.casefold()),
            _column(tr("Action"), lambda a: a.description, lambda a: a.description.casefold(),
                    one_line=True),
            _column(tr("Owner"), lambda a: a.owner, lambda a: a.owner.casefold()),
            _column(tr("Hub"), lambda a: a.hub_name, lambda a: a.hub_name),
        ], parent)  # fmt: skip


class CaseActionsModel(_ActionTable):
    """One agency's actions on one case (ActionLine), open ones first by due date."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            _column(tr("Due"), _due, _due_key),
            _column(tr("Status"), _state, lambda a: a.status),
            _column(tr("Action"), lambda a: a.description, lambda a: a.description.casefold(),
                    one_line=True),
            _column(tr("Owner"), lambda a: a.owner, lambda a: a.owner.casefold()),
            _column(tr("Completed"),
                    lambda a: format_date(a.completed_on) if a.completed_on else "",
                    lambda a: a.completed_on or date.min),
        ], parent)  # fmt: skip
