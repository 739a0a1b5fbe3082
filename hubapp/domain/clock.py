"""Time. Stored times are naive UTC; screens and paper show UK local time."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

from hubapp.domain.formatting import to_local


def utcnow() -> datetime:
    """Now, as a naive UTC datetime to the millisecond (the form stored in the database)."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)


def local_today() -> date:
    """Today's date in the UK, where the hubs are, whatever the PC's own time zone."""
    return to_local(utcnow()).date()


def add_months(value: datetime, months: int) -> datetime:
    """``value`` moved by whole calendar months, the day clamped to the month's last
    (31 January + 1 month is 28 or 29 February)."""
    month0 = value.month - 1 + months
    year, month = value.year + month0 // 12, month0 % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)
