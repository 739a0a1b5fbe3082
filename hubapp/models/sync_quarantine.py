"""Changes from the central database that were set aside, as a table: record, fields, why,
when.

A pure adapter over ``hubapp.sync.inbound.SetAside`` values (read in the background by the
central database dialog); the row's entry is read through ``SetAsideRole``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from hubapp.models.records import Column, RecordRole, RecordTableModel
from hubapp.models.sync_refusals import show_time

#: the row's SetAside
SetAsideRole = RecordRole


def tr(text: str) -> str:
    return QCoreApplication.translate("SetAsideTableModel", text)


class SetAsideTableModel(RecordTableModel):
    """Record, fields, why and when of each change set aside, oldest first; ``set_rows``
    takes the ``SetAside`` values."""

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Record"), lambda r: r.record, tooltip=True),
                Column(tr("Fields"), lambda r: r.fields, tooltip=True),
                Column(tr("Why"), lambda r: r.reason, tooltip=True),
                Column(tr("Received"), lambda r: show_time(r.received_at)),
            ],
            parent,
            key=lambda r: r.id,
        )

    def set_rows(self, rows) -> None:
        self.set_records(rows)
