"""Text helpers shared by the store, imports and the screens."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
#: control characters (C0, DEL and C1): never part of a name a person types
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


#: what stored text may not hold: control characters but newline and tab, and lone surrogates
_STORED_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n?")


def clean_text(text: Any) -> str:
    """Multi-line text as it is stored: Windows line breaks made plain, control characters
    (other than newline and tab) removed, outer whitespace trimmed."""
    if text is None:
        return ""
    text = _LINE_BREAKS.sub("\n", str(text))
    return _STORED_CONTROL.sub("", text).strip()


def clean_line(text: Any) -> str:
    """One-line text as it is stored: control characters removed, runs of whitespace (line
    breaks included) made one space, trimmed."""
    if text is None:
        return ""
    return " ".join(_STORED_CONTROL.sub("", str(text)).split())


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
