"""Safeguarding flags of a person, worked out (no database): a child from the date of birth
(under 18 on today's date, never stored), a vulnerable adult as flagged by a person with the
reason. :mod:`hubapp.store.casework.safeguarding` records them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hubapp.domain.clock import local_today

ADULT_AGE = 18


def age_on(born: date, today: date) -> int:
    """Whole years from ``born`` to ``today`` (a 29 February birthday falls on 1 March)."""
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


def is_child(born: date | None, today: date | None = None) -> bool:
    """Under 18 on ``today`` (today's date by default); False without a date of birth."""
    if born is None:
        return False
    today = today or local_today()
    return born <= today and age_on(born, today) < ADULT_AGE


@dataclass(frozen=True)
class Flags:
    """A person's safeguarding flags as the account may see them."""

    child: bool = False
    vulnerable: bool = False
    #: why they were flagged vulnerable ("" where their details are kept from the account)
    reason: str = ""

    def lines(self) -> list[str]:
        """One sentence a flag: what the screens and prints show."""
        out = []
        if self.child:
            out.append("Child: under 18 (from the date of birth).")
        if self.vulnerable:
            out.append("Vulnerable adult" + (f": {self.reason}" if self.reason else ".")
                       + ("" if not self.reason or self.reason.endswith(".") else "."))  # fmt: skip
        return out

    @property
    def short(self) -> str:
        """A few words for a column: "Child", "Vulnerable adult", or ""."""
        return ", ".join(w for w, on in (("Child", self.child),
                                          ("Vulnerable adult", self.vulnerable)) if on)  # fmt: skip


def flags(born: date | None, vulnerable: bool, reason: str, *, hidden: bool = False,
          today: date | None = None) -> Flags:  # fmt: skip
    """The flags of a person (``hidden``: their details are kept from the account, so no
    date of birth and no reason)."""
    return Flags(child=not hidden and is_child(born, today), vulnerable=bool(vulnerable),
                 reason="" if hidden else (reason or ""))  # fmt: skip
