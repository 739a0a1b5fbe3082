"""A rule's finding about something typed, before any store sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """Something wrong, in one sentence for the field it is about (the store turns these into
    its Problems, shown beside the field or on stderr)."""

    field: str
    message: str
