"""Staff accounts as a table: user name, name, role, agency, hub, state, last sign-in.

A pure adapter over ``hubapp.store.accounts.Account`` values (read by the accounts dialog);
the row's account is read through ``AccountRole``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from hubapp.domain.formatting import format_datetime
from hubapp.models.records import Column, RecordRole, RecordTableModel

#: the row's Account
AccountRole = RecordRole
#: the text of a disabled or locked account
LOCKED_COLOUR = "#a4161a"


def tr(text: str) -> str:
    return QCoreApplication.translate("AccountTableModel", text)


class AccountTableModel(RecordTableModel):
    """One account a row, in the order given; a disabled or locked one in red."""

    def __init__(self, parent=None) -> None:
        def red(account):
            return LOCKED_COLOUR if account.disabled or account.locked(self._now) else None

        columns = [
            (tr("User name"), lambda a: a.user_name),
            (tr("Name"), lambda a: a.display_name),
            (tr("Role"), lambda a: a.role.label),
            (tr("Agency"), lambda a: a.agency_name),
            (tr("Hub"), lambda a: a.hub_name),
            (tr("State"), lambda a: tr(a.state(self._now))),
            (tr("Last sign-in"), lambda a: format_datetime(a.last_sign_in) or tr("never")),
        ]
        super().__init__(
            [Column(title, text, colour=red) for title, text in columns],
            parent,
            key=lambda a: a.user_name.casefold(),
        )
        self._now = None

    def set_rows(self, rows, now=None) -> None:
        """The accounts to show; ``now`` (naive UTC) decides which are still locked."""
        self._now = now
        self.set_records(rows)

    def row_of(self, user_name: str) -> int:
        row = super().row_of(user_name.casefold())
        return -1 if row is None else row
