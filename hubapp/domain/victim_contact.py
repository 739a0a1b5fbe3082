"""The victim contact plan's rules: how often a victim or complainant is updated, counted in
working days, and when their next update is due (no database, no Qt).

* **Frequency.** Every victim or complainant on an open case is updated every N working days:
  N from their risk level (``resources/refdata/victim_contact.toml``: high 5, medium 10,
  standard 20 by default), unless their plan sets its own N (``every_days``). Their risk level
  is that of their latest victim risk assessment on the case (a level set by hand over the
  computed one wins); one never assessed takes the case's risk level.
* **Working days** are Monday to Friday, less the bank holidays the TOML lists (England and
  Wales). A day off is skipped, never counted.
* **Next due.** N working days after their latest update on the case; a victim never updated
  is counted from the day the case was opened. Overdue: the due day has passed (an update due
  today is due, not overdue).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from hubapp import resources
from hubapp.domain.codes import RiskLevel

#: the most working days a plan may set by hand (a quarter of a year)
EVERY_MAX = 65


@dataclass(frozen=True)
class Schedule:
    #: risk level -> working days between updates
    every: dict[str, int]
    bank_holidays: frozenset[date]

    def every_for(self, level: str) -> int:
        """The working days between updates at risk ``level`` (standard's for an unknown one)."""
        return self.every.get(level, self.every[RiskLevel.STANDARD.value])

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.bank_holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The day ``days`` working days after ``start`` (``start`` itself not counted)."""
        day = start
        left = days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def parse(data: dict) -> Schedule:
    """A schedule from the TOML's values; ValueError for anything inconsistent."""
    every = {}
    given = data.get("every_working_days", {})
    for level in RiskLevel:
        value = given.get(level.value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= EVERY_MAX:
            raise ValueError(f"every_working_days.{level.value} must be a whole number of "
                             f"working days from 1 to {EVERY_MAX}.")  # fmt: skip
        every[level.value] = value
    if not every[RiskLevel.HIGH] <= every[RiskLevel.MEDIUM] <= every[RiskLevel.STANDARD]:
        raise ValueError("A higher risk cannot be updated less often than a lower one.")
    holidays = data.get("working_days", {}).get("bank_holidays", [])
    for day in holidays:
        if not isinstance(day, date) or day.weekday() >= 5:
            raise ValueError(f"Bank holiday {day!r} is not a weekday date (YYYY-MM-DD).")
    return Schedule(every, frozenset(holidays))


@cache
def schedule() -> Schedule:
    with resources.refdata("victim_contact.toml").open("rb") as fh:
        return parse(tomllib.load(fh))


def check_every(every: int | None) -> str | None:
    """Why a frequency set by hand is wrong, in one sentence; None if it is fine (or unset)."""
    if every is None:
        return None
    if not 1 <= every <= EVERY_MAX:
        return f"Update every 1 to {EVERY_MAX} working days (or leave it to the risk level)."
    return None


@dataclass(frozen=True)
class Due:
    #: working days between updates, and whether a plan set it by hand
    every: int
    by_hand: bool
    #: the risk level the frequency came from
    level: str
    next_due: date
    overdue: bool
    #: working days past the due day (0 when not overdue)
    days_over: int


def due(level: str, every_days: int | None, last_update: date | None, opened_on: date,
        today: date, s: Schedule | None = None) -> Due:  # fmt: skip
    """When a victim's next update is due, and whether it is overdue on ``today``."""
    s = s or schedule()
    every = every_days if every_days else s.every_for(level)
    start = last_update if last_update is not None else opened_on
    next_due = s.add_working_days(start, every)
    over = today > next_due
    return Due(every, bool(every_days), level, next_due, over,
               s.working_days_between(next_due, today) if over else 0)  # fmt: skip
