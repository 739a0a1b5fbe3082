"""The open sync conflicts as a table: record, field, our value, their value.

A pure adapter over ``hubapp.sync.conflicts.ConflictRow`` values (read in the background by
the dialog); the row's conflict is read through ``ConflictRole``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from hubapp.models.records import Column, RecordRole, RecordTableModel

#: the row's ConflictRow
ConflictRole = RecordRole


def tr(text: str) -> str:
    return QCoreApplication.translate("ConflictTableModel", text)


def show_value(value) -> str:
    """A stored value in words (pure: the dialog and any report use it)."""
    if value is None or value == "":
        return tr("(empty)")
    if value is True:
        return tr("yes")
    if value is False:
        return tr("no")
    return str(value)


class ConflictTableModel(RecordTableModel):
    """Record, field and both values of each open conflict, in the order given; values on
    one line, whole in their tooltips. ``set_rows`` takes the ``ConflictRow`` values."""

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Record"), lambda r: r.record, tooltip=True),
                Column(tr("Field"), lambda r: r.field, tooltip=True),
                Column(
                    tr("Our value"), lambda r: show_value(r.ours), tooltip=True, one_line=True
                ),  # fmt: skip
                Column(
                    tr("Their value"), lambda r: show_value(r.theirs), tooltip=True, one_line=True
                ),  # fmt: skip
            ],
            parent,
            key=lambda r: r.id,
        )

    def set_rows(self, rows) -> None:
        self.set_records(rows)
