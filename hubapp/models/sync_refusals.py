"""Changes the central database refused, as a table: record, fields, why, when.

A pure adapter over ``hubapp.sync.refusals.RefusalRow`` values (read in the background by the
sync conflicts dialog); the row's refusal is read through ``RefusalRole``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from hubapp.models.records import Column, RecordRole, RecordTableModel

#: the row's RefusalRow
RefusalRole = RecordRole


def tr(text: str) -> str:
    return QCoreApplication.translate("RefusalTableModel", text)


def show_time(iso: str) -> str:
    """'2026-11-25 17:40:00' (UTC) as dd/mm/yyyy HH:MM local time (pure)."""
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(iso).replace(tzinfo=UTC).astimezone()
    except (TypeError, ValueError):
        return iso or ""
    return when.strftime("%d/%m/%Y %H:%M")


class RefusalTableModel(RecordTableModel):
    """Record, fields, why and when of each refused change, in the order given (newest
    first); ``set_rows`` takes the ``RefusalRow`` values."""

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                Column(tr("Record"), lambda r: r.record, tooltip=True),
                Column(tr("Fields"), lambda r: r.fields, tooltip=True),
                Column(tr("Why"), lambda r: r.reason, tooltip=True),
                Column(tr("When"), lambda r: show_time(r.refused_at)),
            ],
            parent,
            key=lambda r: r.id,
        )

    def set_rows(self, rows) -> None:
        self.set_records(rows)
