"""How values look on screen and on paper (UK conventions). Pure functions: the item
models, the detail pane and the printed documents all use these."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def _uk() -> ZoneInfo:
    return ZoneInfo("Europe/London")


def to_local(value: datetime) -> datetime:
    """A stored (naive UTC) time as UK local time."""
    return value.replace(tzinfo=UTC).astimezone(_uk())


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d}"


def parse_stored_datetime(text: str | None) -> datetime | None:
    """Parse the text SQLite holds for a DateTime column ('YYYY-MM-DD HH:MM:SS[.ffffff]')."""
    if not text:
        return None
    return datetime.fromisoformat(text)


def parse_stored_date(text: str | None) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text)


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 case', '2,345 cases'."""
    word = one if n == 1 else (many or one + "s")
    return f"{n:,} {word}"


def as_tooltip(text: str) -> str:
    """User text for a Qt tooltip. Qt guesses whether a tooltip is rich text, so user text
    is escaped and wrapped: '<b>' shows as '<b>', never as bold."""
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def mnemonic_safe(text: str) -> str:
    """User or reference text for a button, action or menu item: Qt reads "&" there as the
    mark of the Alt key, so "Fire & Rescue" would show as "Fire  Rescue"; "&&" shows "&"."""
    return text.replace("&", "&&")
