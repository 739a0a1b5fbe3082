"""Partner meetings as Qt table models (pure adapters over the plain values that
:mod:`hubapp.store.casework.meetings` reads; no database access here).

* :class:`MeetingListModel`: a hub's meetings, the latest first.
* :class:`AgendaModel`: a meeting's agenda, removed items kept (greyed) with their reason.
* :class:`AttendanceModel`: every agency, with its attendance if recorded.
* :class:`DecisionsModel`: the meeting's decisions.
* :class:`RaisedActionsModel`: the actions raised in the meeting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from hubapp.domain.codes import ActionStatus, label
from hubapp.domain.formatting import format_date
from hubapp.models import records
from hubapp.models.records import Column, RecordRole, RecordTableModel
from hubapp.store.casework.meetings import AgendaReason, Attendance, MeetingStatus

#: the line's id (meeting, agenda item, agency, decision or action)
IdRole = records.IdRole
#: the whole line (a plain value from the store)
LineRole = RecordRole

#: user text in a table cell is cut after this many characters (the tooltip holds all)
CELL_LIMIT = 160

_GREY = QBrush(QColor("#6b6b6b"))
_ITALIC = QFont()
_ITALIC.setItalic(True)


def tr(text: str) -> str:
    return QCoreApplication.translate("MeetingModels", text)


def one_line(text: str, limit: int = CELL_LIMIT) -> str:
    """User text on one table line (the tooltip holds all of it)."""
    return records.one_line(text, limit)


def reason_label(code: str) -> str:
    try:
        return tr(AgendaReason(code).label)
    except ValueError:
        return code


def status_label(code: str) -> str:
    return {MeetingStatus.PLANNED.value: tr("Planned"), MeetingStatus.HELD.value: tr("Held")}.get(
        code, code
    )


def _column(title: str, text: Callable[[Any], str], **options: Any) -> Column:
    """A meeting table's column: on one line, with its full text as the tooltip unless
    ``options`` say otherwise."""
    options.setdefault("tooltip", True)
    return Column(title, text, one_line=True, limit=CELL_LIMIT, **options)


class MeetingListModel(RecordTableModel):
    """A hub's meetings (``MeetingSummary`` lines), the latest first; the tooltip is the
    place."""

    def __init__(self, parent=None) -> None:
        def place(m) -> str:
            return m.place

        super().__init__([
            _column(tr("Date"), lambda m: format_date(m.meets_on), tooltip=place),
            _column(tr("Time"), lambda m: m.starts_at or "–", tooltip=place),
            _column(tr("Status"), lambda m: status_label(m.status), tooltip=place),
            _column(tr("Cases"), lambda m: str(m.agenda_items), tooltip=place,
                    align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
        ], parent)  # fmt: skip


def _agenda_state(a) -> str:
    if a.removed:
        return tr("Removed by {0}: {1}").format(a.removed_by, a.removed_reason)
    return tr("On the agenda")


class AgendaModel(RecordTableModel):
    """A meeting's agenda (``AgendaLine``); a removed item stays, greyed, with its reason."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            _column(tr("No."), lambda a: str(a.position)),
            _column(tr("Case"), lambda a: a.case_reference),
            _column(tr("Reason"), lambda a: reason_label(a.reason)),
            _column(tr("Why it is on the agenda"), lambda a: a.reason_text),
            _column(tr("Added by"), lambda a: a.added_by),
            _column(tr("State"), _agenda_state),
        ], parent)  # fmt: skip

    def extra_data(self, record, column: int, role: int) -> Any:
        if not record.removed:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return _GREY
        if role == Qt.ItemDataRole.FontRole:
            return _ITALIC
        return None

    def live_lines(self) -> list:
        return [a for a in self._records if not a.removed]


class AttendanceModel(RecordTableModel):
    """Every agency (``(Named, AttendanceLine | None)`` pairs), recorded ones first."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            _column(tr("Agency"), lambda p: p[0].name),
            _column(tr("Attendance"), lambda p: tr(Attendance(p[1].status).label) if p[1] else "–"),
            _column(tr("Who came"), lambda p: p[1].attendees if p[1] else ""),
        ], parent, key=lambda p: p[0].id)  # fmt: skip

    def set_attendance(self, agencies: Sequence, attendance: Sequence) -> None:
        by_agency = {a.agency_id: a for a in attendance}
        pairs = [(agency, by_agency.get(agency.id)) for agency in agencies]
        pairs.sort(key=lambda p: (p[1] is None, p[1].status != "present" if p[1] else 0,
                                  p[0].name))  # fmt: skip
        self.set_lines(pairs)

    def extra_data(self, record, column: int, role: int) -> Any:
        if record[1] is None and role == Qt.ItemDataRole.ForegroundRole:
            return _GREY
        return None


class DecisionsModel(RecordTableModel):
    """A meeting's decisions (``DecisionLine``)."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            _column(tr("About"), lambda d: d.case_reference or tr("The meeting as a whole")),
            _column(tr("Decision"), lambda d: d.text),
            _column(tr("Recorded by"), lambda d: d.recorded_by),
        ], parent)  # fmt: skip


class RaisedActionsModel(RecordTableModel):
    """The actions raised in a meeting (``RaisedAction``)."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            _column(tr("Case"), lambda a: a.case_reference),
            _column(tr("Agency"), lambda a: a.agency),
            _column(tr("Action"), lambda a: a.description),
            _column(tr("Owner"), lambda a: a.owner),
            _column(tr("Due"), lambda a: format_date(a.due_on) if a.due_on else ""),
            _column(tr("Status"), lambda a: label(ActionStatus, a.status)),
        ], parent)  # fmt: skip
