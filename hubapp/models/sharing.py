"""The register of sharing agreements as a table: one row per agency taking part in the hub,
with its agreement's status (current, not yet started, expired, no agreement), name,
version, dates, lawful basis and retention period.

A pure adapter over ``hubapp.store.admin.sharing.AgencyStatus`` values (read by the sharing
agreements dialog); the row's value is read through ``AgencyStatusRole``. An agency without
a current agreement is shown in red.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from hubapp.domain.formatting import format_date
from hubapp.models.records import Column, RecordRole, RecordTableModel

#: the row's AgencyStatus
AgencyStatusRole = RecordRole
#: the text of an agency without a current agreement
WARNING_COLOUR = "#a4161a"


def tr(text: str) -> str:
    return QCoreApplication.translate("AgreementsModel", text)


class AgreementsModel(RecordTableModel):
    """One agency a row, in the hub's order (agencies that left the hub last)."""

    def __init__(self, parent=None) -> None:
        def agreement(fn, empty=""):
            return lambda r: fn(r.agreement) if r.agreement is not None else empty

        def red(r):
            return None if r.status == "current" else WARNING_COLOUR

        columns = [
            Column(tr("Agency"), lambda r: r.agency, colour=red),
            Column(tr("Status"), lambda r: tr(r.label), colour=red),
            Column(tr("Agreement"), agreement(lambda a: a.name), tooltip=True),
            Column(tr("Version"), agreement(lambda a: a.version)),
            Column(tr("Starts"), agreement(lambda a: format_date(a.starts_on))),
            Column(tr("Ends"), agreement(lambda a: format_date(a.ends_on))),
            Column(tr("Lawful basis"), agreement(lambda a: a.basis)),
            Column(tr("Retention"), agreement(
                lambda a: tr("{0} years").format(a.retention_years) if a.retention_years else "")),
        ]  # fmt: skip
        super().__init__(columns, parent, key=lambda r: r.agency_id)

    def set_rows(self, rows) -> None:
        self.set_records(rows)
