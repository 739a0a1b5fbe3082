"""Safeguarding flags on a person: a child, and a vulnerable adult.

* **Child**: under 18 on today's date, worked out from the date of birth whenever a person is
  shown, and never stored (a stored flag would go stale on the eighteenth birthday). Only
  where the account sees the date of birth: a locked-down person's details kept from it show
  no child flag either.
* **Vulnerable adult**: flagged by a person, with the reason (``Person.vulnerable``,
  ``vulnerable_reason``). Flagging and clearing are the role matrix's ``Op.SAFEGUARDING``
  (coordinators, police and administrators) and are audited (an alteration of the person;
  the reason's text never enters the log). The flag shows to everyone who sees the person;
  the reason only where their details are seen.

A date of birth is refused in the future or before 1900 (:func:`check_date_of_birth`, for
every path that takes one).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from hubapp.domain.clock import local_today
from hubapp.domain.safeguarding import (  # noqa: F401  (the flags: for this module's callers)
    ADULT_AGE,
    Flags,
    age_on,
    flags,
    is_child,
)
from hubapp.domain.text import clean_text
from hubapp.store import access
from hubapp.store.errors import Problem, Refused
from hubapp.store.roles import Op
from hubapp.store.schema import Person

EARLIEST_BIRTH = date(1900, 1, 1)
REASON_MAX = 2000


def check_date_of_birth(born: date | None, today: date | None = None,
                        field: str = "date_of_birth") -> list[Problem]:  # fmt: skip
    """A date of birth is not in the future, nor before 1900."""
    if born is None:
        return []
    today = today or local_today()
    if born > today:
        return [Problem(field, "A date of birth cannot be in the future; check the year.")]
    if born < EARLIEST_BIRTH:
        return [Problem(field, "A date of birth before 1900 cannot be right; check the year.")]
    return []


def _person(s, person_id: uuid.UUID) -> Person:
    from hubapp.store.casework import people

    person = s.execute(
        select(Person).where(Person.id == person_id, Person.voided.is_(False),
                             people.seen(person_id))
    ).scalar_one_or_none()  # fmt: skip
    if person is None:
        raise Refused(people.NOT_FOUND)
    return person


def set_vulnerable(store, person_id: uuid.UUID, vulnerable: bool, reason: str = "") -> bool:
    """Flag (or clear) a person as a vulnerable adult; flagging needs the reason. The role
    matrix: Op.SAFEGUARDING. True if anything changed (audited as an alteration)."""
    access.require(store, Op.SAFEGUARDING)
    reason = clean_text(reason or "") if vulnerable else ""
    if vulnerable and not reason:
        message = "Say why the person is a vulnerable adult (what makes them so)."
        raise Refused(message, [Problem("vulnerable_reason", message)])
    if len(reason) > REASON_MAX:
        message = f"The reason is too long: {len(reason):,} characters, at most {REASON_MAX:,}."
        raise Refused(message, [Problem("vulnerable_reason", message)])
    with store.write(reason="safeguarding: vulnerable adult") as s:
        person = _person(s, person_id)
        if bool(person.vulnerable) == vulnerable and (person.vulnerable_reason or "") == reason:
            return False
        person.vulnerable, person.vulnerable_reason = vulnerable, reason
        return True


def set_date_of_birth(store, person_id: uuid.UUID, born: date | None, *,
                      today: date | None = None) -> bool:  # fmt: skip
    """Record (or clear) a person's date of birth: a change of a case's people (those who
    change cases). Refused in the future or before 1900, and for a person whose details are
    kept from the account (it would write over what it cannot see)."""
    from hubapp.store.casework import people

    access.require_case_edit(store)
    problems = check_date_of_birth(born, today)
    if problems:
        raise Refused(problems[0].message, problems)
    with store.write(reason="person: date of birth") as s:
        person = _person(s, person_id)
        if person.locked_down and people.hidden_for(s, person_id, True):
            raise Refused("This person is locked down from your account; ask police or a "
                          "coordinator of their hub to change their details.")  # fmt: skip
        if person.date_of_birth == born:
            return False
        person.date_of_birth = born
        return True
