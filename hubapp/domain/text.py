"""Text helpers shared by the store, imports and the screens."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
#: control characters (C0, DEL and C1): never part of a name a person types
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def one_line(text: str | None) -> str:
    """``text`` on one line: runs of white space (tabs, line breaks) as one space, trimmed."""
    return " ".join((text or "").split())


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (an escape, a NUL, a bell...): names
    folded with :func:`one_line` have none unless someone pasted or scripted one in."""
    return _CONTROL.search(text) is not None


def match_key(name: str) -> str:
    """A name reduced for matching: case, spacing, punctuation and accents ignored.

    >>> match_key("  Walk-In ") == match_key("walkin")
    True
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", stripped.casefold())
