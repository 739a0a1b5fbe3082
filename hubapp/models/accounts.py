"""Staff accounts as a table: user name, name, role, agency, hub, state, last sign-in.

A pure adapter over ``hubapp.store.accounts.Account`` values (read by the accounts dialog);
the row's account is read through ``AccountRole``.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt

from hubapp.domain.formatting import format_datetime

AccountRole = Qt.ItemDataRole.UserRole + 1


def tr(text: str) -> str:
    return QCoreApplication.translate("AccountTableModel", text)


class AccountTableModel(QAbstractTableModel):
    HEADERS = ("User name", "Name", "Role", "Agency", "Hub", "State", "Last sign-in")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list = []
        self._now = None

    def set_rows(self, rows, now=None) -> None:
        """The accounts to show; ``now`` (naive UTC) decides which are still locked."""
        self.beginResetModel()
        self._rows = list(rows)
        self._now = now
        self.endResetModel()

    def row_of(self, user_name: str) -> int:
        key = user_name.casefold()
        return next((i for i, a in enumerate(self._rows) if a.user_name.casefold() == key), -1)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        account = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return account.user_name
            if col == 1:
                return account.display_name
            if col == 2:
                return account.role.label
            if col == 3:
                return account.agency_name
            if col == 4:
                return account.hub_name
            if col == 5:
                return tr(account.state(self._now))
            if col == 6:
                return format_datetime(account.last_sign_in) or tr("never")
            return None
        if role == Qt.ItemDataRole.ForegroundRole and (
            account.disabled or account.locked(self._now)
        ):
            from PySide6.QtGui import QColor

            return QColor("#a4161a")
        if role == AccountRole:
            return account
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return tr(self.HEADERS[section])
        return None
