"""The ASB Case Review queue as a Qt table model (``case_review.QueueEntry`` lines).

Reached before approaching, then most complaints (the first column's order). A victim at
two or more complaints whose review was not explained to them is red in the "Explained"
column, and says so in words ("Not explained"): the colour is never the only cue.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor

from hubapp.domain.formatting import format_date
from hubapp.models.records import Column, RecordRole, RecordTableModel

#: the whole QueueEntry of a row
EntryRole = RecordRole
#: True when the victim needs the review explained (the red rows)
NeedsExplainingRole = Qt.ItemDataRole.UserRole + 21

RED = QColor("#f6c8c4")
AMBER = QColor("#fbe3a6")


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseReviewQueue", text)


def status_text(e) -> str:
    text = tr("Reached") if e.status == "reached" else tr("Approaching")
    if e.route and e.route != "threshold":
        text += " · " + (tr("hate incident") if e.route == "hate_incident"
                         else tr("different complainants"))  # fmt: skip
    return text


def explained_text(e) -> str:
    if e.kind == "place":
        return tr("—")
    if e.explained_on is not None:
        return tr("Explained {0}").format(format_date(e.explained_on))
    return tr("Not explained") if e.needs_explaining else tr("Not yet")


def _key(e) -> tuple:
    # reached first, victims before places (a person waits on the answer), most complaints first
    return (
        e.status != "reached",
        e.kind != "victim",
        -e.count,
        e.name.casefold(),
        e.case_reference,
    )


class CaseReviewQueueModel(RecordTableModel):
    """One row per victim (in a group of linked cases) or place in the queue."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column(tr("Status"), status_text, sort_key=_key,
                   background=lambda e: RED if e.status == "reached" else AMBER),
            Column(tr("Complaints"), lambda e: str(e.count), sort_key=lambda e: e.count,
                   align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            Column(tr("Kind"), lambda e: tr("Victim") if e.kind == "victim" else tr("Place"),
                   sort_key=lambda e: e.kind),
            Column(tr("Name"), lambda e: e.name, sort_key=lambda e: e.name.casefold(),
                   tooltip=lambda e: e.describe()),
            Column(tr("Case"), lambda e: e.case_reference, sort_key=lambda e: e.case_reference),
            Column(tr("Hub"), lambda e: e.hub, sort_key=lambda e: e.hub),
            Column(tr("Explained"), explained_text,
                   sort_key=lambda e: (not e.needs_explaining, e.explained_on is None),
                   background=lambda e: RED if e.needs_explaining else None),
            Column(tr("Review"), lambda e: e.review, sort_key=lambda e: e.review,
                   one_line=True),
        ], parent, key=lambda e: (e.kind, e.subject_id, e.case_id))  # fmt: skip

    def set_entries(self, entries) -> None:
        self.set_records(entries)

    def extra_data(self, record, column: int, role: int) -> Any:
        return record.needs_explaining if role == NeedsExplainingRole else None
