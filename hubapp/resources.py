"""Where hubapp's resources live: in a source checkout, an installed wheel, or a frozen bundle.

Every other module asks here; none builds a resource path of its own.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def root() -> Path:
    """The resources folder."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen:
        candidates.append(Path(frozen) / "resources")
    here = Path(__file__).resolve().parent
    candidates.append(here.parent / "resources")  # source checkout or editable install
    candidates.append(here / "_resources")  # installed wheel
    for c in candidates:
        if (c / "refdata").is_dir():
            return c
    raise FileNotFoundError("hubapp's resources folder is missing; reinstall the application.")


def path(*parts: str) -> Path:
    return root().joinpath(*parts)


def refdata(name: str) -> Path:
    return path("refdata", name)


def icon(name: str = "hubapp.svg") -> Path:
    return path("icons", name)


def font(name: str) -> Path:
    """A font file shipped in resources/fonts (embedded in printed documents)."""
    return path("fonts", name)
