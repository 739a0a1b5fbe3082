"""Repeat flags: a repeat victim or complainant, a repeat alleged perpetrator, a repeat
location, each counted across cases and explained.

The rule is on plain values here; :mod:`hubapp.store.casework.repeats` reads the values
(over the cases the account may see). The thresholds are reference data
(``resources/refdata/repeats.toml``), counted in ANY window of the given length: a pattern
that happened stays known, so a flag does not come and go with the calendar, and the
explanation names the window in which it happened.

* **victim**: reports on the cases in which the person is a victim or complainant; one
  incident reported several times counts once (the same incident time), dated by its
  earliest report;
* **perpetrator**: the cases naming the person as an alleged perpetrator, dated by when each
  case was received;
* **place**: the cases with a report at the place, each dated by its first report there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from hubapp.domain.clock import add_months
from hubapp.domain.formatting import format_date

VICTIM, PERPETRATOR, PLACE = "victim", "perpetrator", "place"
KINDS = (VICTIM, PERPETRATOR, PLACE)

#: what each flag is called, on screen and on paper
TITLE = {
    VICTIM: "Repeat victim",
    PERPETRATOR: "Repeat alleged perpetrator",
    PLACE: "Repeat location",
}
#: what each flag counts
_UNIT = {VICTIM: ("report", "reports"), PERPETRATOR: ("case", "cases"), PLACE: ("case", "cases")}


@dataclass(frozen=True)
class Threshold:
    count: int
    months: int


@dataclass(frozen=True)
class Rules:
    victim: Threshold = Threshold(3, 6)
    perpetrator: Threshold = Threshold(2, 12)
    place: Threshold = Threshold(3, 12)

    def of(self, kind: str) -> Threshold:
        return getattr(self, kind)


class RulesError(ValueError):
    """The rules file is not usable; the message says why, in one sentence."""


@cache
def shipped() -> Rules:
    """The rules shipped with hubapp (read once)."""
    return load()


def load(path: Path | None = None) -> Rules:
    """The rules from ``path`` (default: the shipped ``repeats.toml``)."""
    if path is None:
        from hubapp import resources

        path = resources.refdata("repeats.toml")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"The repeat rules in {Path(path).name} cannot be read: {exc}") from exc
    values = {}
    for kind, unit in ((VICTIM, "reports"), (PERPETRATOR, "cases"), (PLACE, "cases")):
        section = data.get(kind, {})
        count, months = section.get(unit), section.get("months")
        for name, value, top in ((unit, count, 1000), ("months", months, 120)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
                raise RulesError(
                    f"In {Path(path).name}, [{kind}] {name} must be a whole number from 1 to {top}."
                )
        values[kind] = Threshold(count, months)
    return Rules(**values)


@dataclass(frozen=True)
class Flag:
    """A repeat found: ``count`` events in the window from ``first`` to ``last``."""

    kind: str
    count: int
    first: datetime
    last: datetime
    threshold: Threshold

    @property
    def title(self) -> str:
        return TITLE[self.kind]

    def describe(self) -> str:
        """'Repeat victim: 4 reports from 03/01/2026 to 20/05/2026 (3 or more in 6
        months).'"""
        return f"{self.title}: {self.explain()}"

    def explain(self) -> str:
        """What was found and the threshold, without the title: '4 reports from 03/01/2026
        to 20/05/2026 (3 or more in 6 months).'"""
        one, many = _UNIT[self.kind]
        t = self.threshold
        first, last = format_date(self.first), format_date(self.last)
        span = f"on {first}" if first == last else f"from {first} to {last}"
        return (
            f"{self.count} {one if self.count == 1 else many} {span} "
            f"({t.count} or more in {t.months} months)."
        )

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "title": self.title,
            "count": self.count,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "threshold": {"count": self.threshold.count, "months": self.threshold.months},
            "explanation": self.describe(),
        }


def densest(times: Iterable[datetime], months: int) -> tuple[int, datetime, datetime] | None:
    """The most events within any ``months`` calendar months (a window [t, t + months),
    starting at an event): (how many, the first, the last). None for no events."""
    ordered = sorted(times)
    if not ordered:
        return None
    best = (0, ordered[0], ordered[0])
    end = 0
    for start, t in enumerate(ordered):
        limit = add_months(t, months)
        end = max(end, start)
        while end + 1 < len(ordered) and ordered[end + 1] < limit:
            end += 1
        if end - start + 1 > best[0]:
            best = (end - start + 1, t, ordered[end])
    return best


def flag(kind: str, times: Iterable[datetime], rules: Rules) -> Flag | None:
    """The flag of ``kind`` for these event times (already one per incident or case), or
    None when the threshold is not reached in any window."""
    t = rules.of(kind)
    found = densest(times, t.months)
    if found is None or found[0] < t.count:
        return None
    return Flag(kind, found[0], found[1], found[2], t)


def victim_events(reports: Iterable[tuple[datetime, datetime | None]]) -> list[datetime]:
    """One time per incident from (received_at, incident_at) reports: an incident reported
    several times counts once, at its earliest report; a report with no incident time is
    its own incident."""
    incidents: dict[datetime, datetime] = {}
    for received, incident in reports:
        key = incident if incident is not None else received
        known = incidents.get(key)
        if known is None or received < known:
            incidents[key] = received
    return list(incidents.values())


def case_events(rows: Iterable[tuple[object, datetime]]) -> list[datetime]:
    """One time per case from (case id, time) rows: the earliest."""
    first: dict[object, datetime] = {}
    for case_id, at in rows:
        known = first.get(case_id)
        if known is None or at < known:
            first[case_id] = at
    return list(first.values())
