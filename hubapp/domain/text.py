"""Text helpers shared by the store, imports and the screens."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def match_key(name: str) -> str:
    """A name reduced for matching: case, spacing, punctuation and accents ignored.

    >>> match_key("  Walk-In ") == match_key("walkin")
    True
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", stripped.casefold())
