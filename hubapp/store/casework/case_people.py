"""Adding a person to an existing case (``hubapp person add``), with their date of birth.

The intake form adds the people of a report together with the report itself; this adds one
person to a case that already exists, with a role, and the details the age limits of tools and
powers need (:mod:`hubapp.domain.powers` works out an age from the date of birth on the day a
power is used). A new person row is made (the people search finds them across cases by their
keys, and the duplicates review suggests merging them with one already known).

Rules (:func:`validate` returns problems and never raises; :func:`add_person` raises
:class:`CaseworkError` and saves nothing):

* a name (or a description such as "unknown male, about 16") and a role on the case;
* a date of birth, if given, not in the future and not before 1900;
* a phone number of digits, spaces and +; lengths within the columns';
* changing a case's people is a change of the case (``Op.EDIT_CASE``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from hubapp.domain.clock import local_today
from hubapp.domain.codes import PersonRole
from hubapp.domain.text import clean_line
from hubapp.store import access
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.casework.workflow import refuse
from hubapp.store.errors import Problem
from hubapp.store.schema import CasePerson, Person

NAME_MAX, PHONE_MAX, ADDRESS_MAX = 160, 40, 200
EARLIEST_BIRTH = date(1900, 1, 1)
_PHONE = re.compile(r"^\+?[0-9 ()\-.]+$")
#: the roles a person added to a case may have (the reporter comes with a report)
ROLES = tuple(r.value for r in PersonRole if r is not PersonRole.REPORTER)


@dataclass(frozen=True)
class PersonDraft:
    full_name: str
    role: str
    date_of_birth: date | None = None
    phone: str = ""
    address: str = ""

    def cleaned(self) -> PersonDraft:
        return PersonDraft(clean_line(self.full_name), clean_line(self.role).lower(),
                           self.date_of_birth, clean_line(self.phone),
                           clean_line(self.address))  # fmt: skip


def validate(d: PersonDraft, today: date | None = None) -> list[Problem]:
    """Problems with a (cleaned) draft."""
    today = today or local_today()
    problems: list[Problem] = []
    if not d.full_name:
        problems.append(Problem("full_name", "Give a name, or a description such as “unknown "
                                             "male, about 16”."))  # fmt: skip
    elif len(d.full_name) > NAME_MAX:
        problems.append(Problem("full_name", f"The name is too long: at most {NAME_MAX} "
                                             "characters."))  # fmt: skip
    if d.role not in ROLES:
        names = ", ".join(r.replace("_", "-") for r in ROLES)
        problems.append(Problem("role", f"Choose their role on the case: {names}."))
    if d.date_of_birth is not None:
        if d.date_of_birth > today:
            problems.append(Problem("date_of_birth", "The date of birth cannot be in the "
                                                     "future."))  # fmt: skip
        elif d.date_of_birth < EARLIEST_BIRTH:
            problems.append(Problem("date_of_birth", "The date of birth is before 1900; check "
                                                     "the year."))  # fmt: skip
    if d.phone and not (_PHONE.match(d.phone) and sum(c.isdigit() for c in d.phone) >= 6):
        problems.append(Problem("phone", "This is not a phone number; use digits, spaces and +."))
    elif len(d.phone) > PHONE_MAX:
        problems.append(Problem("phone", f"The phone number is too long: at most {PHONE_MAX} "
                                         "characters."))  # fmt: skip
    if len(d.address) > ADDRESS_MAX:
        problems.append(Problem("address", f"The address is too long: at most {ADDRESS_MAX} "
                                           "characters."))  # fmt: skip
    return problems


def add_person(store, case_id: uuid.UUID, draft: PersonDraft, *,
               today: date | None = None) -> uuid.UUID:  # fmt: skip
    """Add a new person to a case with a role; return the person's id."""
    clean = draft.cleaned()
    access.require_case_edit(store)  # partners and read-only do not (hubapp.store.access)
    refuse(validate(clean, today))
    with store.write(reason="person added to a case") as s:
        case = case_for_update(s, case_id)
        person = Person(id=uuid.uuid4(), full_name=clean.full_name,
                        date_of_birth=clean.date_of_birth, phone=clean.phone,
                        address=clean.address)  # fmt: skip
        s.add(person)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case.id, person_id=person.id, role=clean.role))
        s.flush()
        return person.id
