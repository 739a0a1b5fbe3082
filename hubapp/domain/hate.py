"""Hate, recorded by perception (College of Policing): the rules as data (no database).

The monitored strands, the categories whose intake needs the answer, and the least risk of a
case perceived as hate come from ``resources/refdata/hate.toml``. The answer on a case is
yes, no or not_known ("" until asked); :mod:`hubapp.store.casework.hate` checks and records it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from hubapp.domain.codes import HateAnswer, RiskLevel

ANSWERS = tuple(a.value for a in HateAnswer)


@dataclass(frozen=True)
class Strand:
    code: str
    name: str
    #: monitored locally, not one of the five national strands
    local: bool = False


@dataclass(frozen=True)
class HateRules:
    strands: tuple[Strand, ...]
    #: category codes, or starts of codes ending in "*", that need the answer at intake
    required_for: tuple[str, ...]
    #: the least risk level of a case perceived as hate
    at_least: str

    def strand(self, code: str) -> Strand | None:
        return next((s for s in self.strands if s.code == code), None)

    def needs_answer(self, category_code: str) -> bool:
        code = (category_code or "").strip()
        if not code:
            return False
        for pattern in self.required_for:
            if pattern.endswith("*") and code.startswith(pattern[:-1]):
                return True
            if code == pattern:
                return True
        return False


def parse(data: dict) -> HateRules:
    """The rules from the TOML's values; ValueError for anything inconsistent."""
    strands = tuple(
        Strand(str(s["code"]), str(s["name"]), bool(s.get("local", False)))
        for s in data.get("strand", [])
    )
    codes = [s.code for s in strands]
    if not strands or len(set(codes)) != len(codes):
        raise ValueError("hate.toml needs strands, each with a code of its own.")
    required = tuple(str(c) for c in data.get("intake", {}).get("required_for", []))
    at_least = RiskLevel(str(data.get("risk", {}).get("at_least", "medium"))).value
    return HateRules(strands, required, at_least)


@cache
def rules() -> HateRules:
    from hubapp import resources

    with resources.refdata("hate.toml").open("rb") as fh:
        return parse(tomllib.load(fh))


def required_for(category_code: str) -> bool:
    """Whether a new issue of this category needs the hate answer."""
    return rules().needs_answer(category_code)


def describe(answer: str, strands) -> str:
    """The flag as a line: "Hate (perceived): race, disability", "Not hate", "Hate: not
    known", or "" when not asked. What every print profile shows of it."""
    if answer == HateAnswer.YES:
        r = rules()
        names = [r.strand(s).name.lower() if r.strand(s) else s for s in strands or []]
        return "Hate (perceived)" + (f": {', '.join(names)}" if names else "")
    if answer == HateAnswer.NO:
        return "Not perceived as hate"
    if answer == HateAnswer.NOT_KNOWN:
        return "Hate: not known"
    return ""


def floor(level: str, hate: str) -> str:
    """``level`` raised to the hate rule's least level when the case is perceived as hate."""
    if hate != HateAnswer.YES:
        return level
    least = RiskLevel(rules().at_least)
    return least.value if RiskLevel(level).rank < least.rank else level
