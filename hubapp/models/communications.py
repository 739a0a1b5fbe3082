"""A case's Communications list as a Qt table model: plain values from
:mod:`hubapp.store.casework.letters` (``CommunicationLine``) in, rows out. Newest first;
letters sent together in one bulk run say so."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from hubapp.domain.formatting import format_datetime
from hubapp.models.records import Column, RecordRole, RecordTableModel

LineRole = RecordRole


def tr(text: str) -> str:
    return QCoreApplication.translate("Communications", text)


def _letter(line) -> str:
    text = line.template_title or line.template
    if line.version and line.version > 1:
        text += tr(" (version {0})").format(line.version)
    return text


def _method(line) -> str:
    how = {"letter": tr("Letter"), "email": tr("E-mail"), "call": tr("Call")}.get(
        line.method, line.method)  # fmt: skip
    return how + (tr(", bulk") if line.batch_id else "")


class CommunicationsModel(RecordTableModel):
    """The communications of a case (CommunicationLine), newest first."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column(tr("Sent"), lambda c: format_datetime(c.sent_at),
                   sort_key=lambda c: (datetime.max - c.sent_at)),
            Column(tr("To"), lambda c: c.person or tr("(someone no longer on record)"),
                   sort_key=lambda c: c.person.casefold()),
            Column(tr("How"), _method),
            Column(tr("Letter"), _letter, tooltip=lambda c: c.subject),
            Column(tr("From"), lambda c: c.agency),
            Column(tr("By"), lambda c: c.sent_by),
            Column(tr("Address"), lambda c: c.address or tr("not shown"), tooltip=True,
                   one_line=True),
        ], parent, key=lambda c: c.id)  # fmt: skip
