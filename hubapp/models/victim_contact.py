"""The victim contact plan as Qt table models (issue 17): plain values from
:mod:`hubapp.store.casework.victim_contact` in, rows out.

* :class:`VictimPlanModel`: a case's victims and complainants, each with their single point
  of contact, how often they are updated and when next (overdue in red, and said in words:
  the colour is never the only cue).
* :class:`VictimUpdatesModel`: the updates given on a case, newest first.
* :class:`OverdueUpdatesModel`: victims overdue an update across cases ("My agency's
  actions").
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, Qt

from hubapp.domain.codes import RiskLevel, UpdateMethod, label
from hubapp.domain.formatting import format_date
from hubapp.models.records import Column, RecordRole, RecordTableModel

#: overdue text (the case list's high-risk red, readable on white)
OVERDUE = "#a4161a"
#: whether a row is overdue (bool); RecordRole gives the whole record
OverdueRole = Qt.ItemDataRole.UserRole + 21
LineRole = RecordRole


def tr(text: str) -> str:
    return QCoreApplication.translate("VictimContact", text)


def frequency(due) -> str:
    """'every 5 working days (high risk)' or '(set by hand)'."""
    why = tr("set by hand") if due.by_hand else tr("{0} risk").format(
        label(RiskLevel, due.level).lower())  # fmt: skip
    return tr("every {0} working days ({1})").format(due.every, why)


def next_due(due) -> str:
    text = format_date(due.next_due)
    if due.overdue:
        return tr("{0} – overdue").format(text)
    return text


def _red(line):
    return OVERDUE if line.due.overdue else None


def _spoc(line) -> str:
    if not line.spoc_name:
        return tr("not named yet")
    return f"{line.spoc_name} ({line.spoc_agency})" if line.spoc_agency else line.spoc_name


class _WithOverdue(RecordTableModel):
    def extra_data(self, record, column: int, role: int):
        return record.due.overdue if role == OverdueRole else None


class VictimPlanModel(_WithOverdue):
    """A case's victims and complainants (VictimLine), by name."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column(tr("Name"), lambda v: v.name, sort_key=lambda v: v.name.casefold()),
            Column(tr("Role"), lambda v: v.roles),
            Column(tr("Single point of contact"), _spoc),
            Column(tr("Updated"), lambda v: frequency(v.due)),
            Column(tr("Last update"),
                   lambda v: format_date(v.last_update) if v.last_update else tr("never")),
            Column(tr("Next due"), lambda v: next_due(v.due), colour=_red,
                   sort_key=lambda v: v.due.next_due),
            Column(tr("Told of closing"), lambda v: tr("yes") if v.told_closing else (
                tr("cannot be: {0}").format(v.cannot_tell_reason) if v.cannot_tell_reason
                else tr("not yet")), tooltip=True),
        ], parent, key=lambda v: v.person_id)  # fmt: skip


class VictimUpdatesModel(RecordTableModel):
    """The updates of a case (UpdateLine), newest first."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column(tr("Date"), lambda u: format_date(u.updated_on),
                   sort_key=lambda u: (date.max - u.updated_on, -u.created_at.timestamp())),
            Column(tr("To"), lambda u: u.person_name, sort_key=lambda u: u.person_name.casefold()),
            Column(tr("How"), lambda u: label(UpdateMethod, u.method)),
            Column(tr("By"), lambda u: f"{u.given_by} ({u.agency})" if u.agency else u.given_by),
            Column(tr("Closing"), lambda u: tr("told the case is closing") if u.closing else ""),
            Column(tr("What was said"), lambda u: u.summary, tooltip=True, one_line=True),
        ], parent)  # fmt: skip


class OverdueUpdatesModel(_WithOverdue):
    """Victims overdue an update across cases (OverdueLine), the longest overdue first."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column(tr("Due"), lambda o: format_date(o.due.next_due), colour=_red,
                   sort_key=lambda o: (o.due.next_due, o.case_reference)),
            Column(tr("Case"), lambda o: o.case_reference, sort_key=lambda o: o.case_reference),
            Column(tr("Victim"), lambda o: o.name, sort_key=lambda o: o.name.casefold()),
            Column(tr("Contact"), lambda o: o.spoc_name or tr("not named yet")),
            Column(tr("Last update"),
                   lambda o: format_date(o.last_update) if o.last_update else tr("never")),
            Column(tr("Hub"), lambda o: o.hub_name),
        ], parent, key=lambda o: (o.case_id, o.person_id))  # fmt: skip
