"""Time. Stored times are naive UTC; screens and paper show UK local time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hubapp.domain.formatting import to_local


def utcnow() -> datetime:
    """Now, as a naive UTC datetime to the millisecond (the form stored in the database)."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None, microsecond=now.microsecond // 1000 * 1000)


def local_today() -> date:
    """Today's date in the UK, where the hubs are, whatever the PC's own time zone."""
    return to_local(utcnow()).date()
