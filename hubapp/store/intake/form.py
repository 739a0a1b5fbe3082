"""Intake: a new issue from a 101 call, an online form, a walk-in... or a further report on
an open case.

:class:`IntakeForm` holds what the intake form holds, as typed (text, ticks and a list of
people), so that it round-trips through a draft unchanged (:meth:`IntakeForm.to_dict`).
:func:`validate` returns one :class:`~hubapp.store.errors.Problem` per field and never
raises; :func:`save` runs it again and writes the case (or the further contact) in one
transaction, deleting the draft it came from in the same transaction.

How text is stored (the only changes made to what was typed):

* one-line fields (summary, location, town, names, phone numbers, references...): control
  characters (NUL included) removed, runs of whitespace made one space, trimmed;
* multi-line fields (details, addresses): Windows line breaks made plain, control characters
  other than newline and tab removed, outer whitespace trimmed;
* a postcode is written the standard way: upper case, one space before the last three
  characters (``ca11aa`` -> ``CA1 1AA``); an OS grid reference as letters, easting and
  northing separated by spaces (``ny408566`` -> ``NY 408 566``).

Nothing is interpreted as markup: ``<b>`` is stored as the three characters typed.

A person of the report (the reporter, or one involved) may be linked to a person already
known (``person_id``, chosen from the suggestions while typing): saving links that person to
the case instead of writing a new one, once it has checked, in the same transaction, that
the account may still see them. Their empty details are filled from what was typed; a stored
detail is never replaced: what was typed otherwise is kept in a note on the case, and the
audit entry of the links names the fields (never their values). Nothing is ever merged
without a person choosing it.

Hate, recorded by perception (:mod:`hubapp.store.casework.hate`): the form asks whether
anyone perceives the incident as hate (yes, no, not known) and, with yes, the strands. A new
issue of a category that needs it (every ``asb_`` category by default: hate.toml) is not
saved without the answer. A further report can only add to the case's answer: a case not yet
asked takes it, "not known" gives way to yes or no, and "no" to yes; yes stays, with the
strands of both. A yes keeps the case at least medium risk.

A further report on a case whose victim was assessed asks for a reassessment
(``Saved.reassess``), unless the same report assessed a victim again.

Dates and times are typed as UK local time (``dd/mm/yyyy hh:mm``, ``dd/mm/yy``, ``now``,
``today 14:30``, ``yesterday``, ``14:30``, or ISO 8601) and stored as naive UTC.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from hubapp.domain.clock import utcnow
from hubapp.domain.codes import CaseStatus, PersonRole
from hubapp.domain.formatting import format_datetime, to_local
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import audit
from hubapp.store.casework import cases, hate, risk
from hubapp.store.errors import Problem, Refused
from hubapp.store.schema import (
    Case,
    CasePerson,
    CasePlace,
    Category,
    Channel,
    Contact,
    Hub,
    IntakeDraft,
    Note,
    Person,
    Place,
)

log = logging.getLogger(__name__)

#: the roles a person involved in a report can have (the reporter has a field of its own)
INVOLVED_ROLES = (
    PersonRole.VICTIM.value,
    PersonRole.COMPLAINANT.value,
    PersonRole.WITNESS.value,
    PersonRole.ALLEGED_PERPETRATOR.value,
)

#: the roles whose risk the form may assess, and whose questionnaire (risk.toml)
ASSESSED = {
    PersonRole.VICTIM.value: "victim",
    PersonRole.ALLEGED_PERPETRATOR.value: "alleged_perpetrator",
}

#: the longest text each field takes (the database columns' sizes)
MAX = {
    "location": 200,
    "town": 80,
    "summary": 200,
    "details": 20_000,
    "reporter_name": 160,
    "reporter_phone": 40,
    "reporter_email": 120,
    "reporter_address": 200,
    "police_log": 40,
    "council_ref": 40,
    "full_name": 160,
    "phone": 40,
    "email": 120,
    "address": 200,
}
#: no date before this is believable (a year typed as 26 instead of 2026)
EARLIEST = datetime(2000, 1, 1)
#: the clock of a station PC may be a little behind the one the caller's time came from
FUTURE_SLACK = timedelta(minutes=2)

_UK = ZoneInfo("Europe/London")


class IntakeError(Refused):
    """An intake refused by the rules; ``problems`` lists every field that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            problems[0].message if problems else "The report could not be saved.", problems
        )


# --- the form ---------------------------------------------------------------------------


@dataclass
class PersonEntry:
    """A person involved in the report, as typed."""

    role: str = PersonRole.VICTIM.value
    full_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    #: a victim's (or an alleged perpetrator's) risk questionnaire answers (question code ->
    #: yes, no, declined, not_known), if asked
    risk_answers: dict[str, str] | None = None
    #: the id (hex) of a person already known, chosen to be this one: linked, not copied
    person_id: str = ""
    #: a risk level set by hand over the computed one, and why (both or neither)
    risk_override: str = ""
    risk_override_reason: str = ""

    def is_blank(self) -> bool:
        return not clean_line(self.person_id) and not any(
            clean_text(v) for v in (self.full_name, self.phone, self.email, self.address)
        )


@dataclass
class IntakeForm:
    """Everything the intake form holds, exactly as typed. Codes name the reference data."""

    hub: str = ""  # hub code; the form starts with the station's
    channel: str = ""  # channel code
    category: str = ""  # category code
    received: str = ""  # date and time as typed
    incident: str = ""
    location: str = ""  # an address or a description of the place
    town: str = ""
    postcode: str = ""
    grid_ref: str = ""
    summary: str = ""
    details: str = ""
    reporter_anonymous: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    reporter_address: str = ""
    consent_to_contact: bool = False
    people: list[PersonEntry] = field(default_factory=list)
    police_log: str = ""
    council_ref: str = ""
    #: the id (hex) of a person already known, chosen as the reporter
    reporter_person_id: str = ""
    #: hate, by perception: yes, no, not_known, or "" (not asked); with yes, strand codes
    hate: str = ""
    hate_strands: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (for a draft)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> IntakeForm:
        """A form from a draft's values; unknown keys are ignored and odd values made text,
        so that a draft written by another version still opens."""
        data = data or {}
        form = cls()
        for f in fields(cls):
            if f.name not in data or f.name in ("people", "hate_strands"):
                continue
            value = data[f.name]
            if isinstance(getattr(form, f.name), bool):
                setattr(form, f.name, bool(value))
            else:
                setattr(form, f.name, "" if value is None else str(value))
        strands = data.get("hate_strands")
        if isinstance(strands, list):
            form.hate_strands = [str(s) for s in strands if s is not None]
        people = data.get("people") or []
        if isinstance(people, list):
            for p in people:
                if not isinstance(p, dict):
                    continue
                answers = p.get("risk_answers")
                form.people.append(
                    PersonEntry(
                        role=str(p.get("role") or PersonRole.VICTIM.value),
                        full_name=str(p.get("full_name") or ""),
                        phone=str(p.get("phone") or ""),
                        email=str(p.get("email") or ""),
                        address=str(p.get("address") or ""),
                        risk_answers=(
                            {str(k): str(v) for k, v in answers.items()}
                            if isinstance(answers, dict)
                            else None
                        ),
                        person_id=str(p.get("person_id") or ""),
                        risk_override=str(p.get("risk_override") or ""),
                        risk_override_reason=str(p.get("risk_override_reason") or ""),
                    )
                )
        return form

    def has_text(self) -> bool:
        """Whether anything was typed that would be lost (the defaults do not count)."""
        typed = (
            self.incident, self.location, self.town, self.postcode, self.grid_ref,
            self.summary, self.details, self.reporter_name, self.reporter_phone,
            self.reporter_email, self.reporter_address, self.police_log, self.council_ref,
            self.reporter_person_id,
        )  # fmt: skip
        return any(clean_text(t) for t in typed) or any(not p.is_blank() for p in self.people)

    def title(self) -> str:
        """A line for the list of drafts."""
        text = clean_line(self.summary) or clean_line(self.location)
        return text[:200]


# --- normalising what was typed ----------------------------------------------------------

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_GRID = re.compile(r"^([HJNOST][A-HJ-Z])([0-9]*)$")


def normalise_postcode(text: str) -> str | None:
    """A UK postcode written the standard way (``ca11aa`` -> ``CA1 1AA``); ``""`` for blank;
    None if it is not a postcode."""
    compact = re.sub(r"\s+", "", clean_line(text)).upper()
    if not compact:
        return ""
    if compact == "GIR0AA":
        return "GIR 0AA"
    m = _POSTCODE.match(compact)
    if m is None:
        return None
    return f"{m.group(1)} {m.group(2)}"


def normalise_grid_ref(text: str) -> str | None:
    """An OS grid reference as ``NY 408 566`` (two letters, then easting and northing of 1 to
    5 digits each); ``""`` for blank; None if it is not one."""
    compact = re.sub(r"\s+", "", clean_line(text)).upper()
    if not compact:
        return ""
    m = _GRID.match(compact)
    if m is None:
        return None
    digits = m.group(2)
    if len(digits) % 2 or not 2 <= len(digits) <= 10:
        return None
    half = len(digits) // 2
    return f"{m.group(1)} {digits[:half]} {digits[half:]}"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]+$")


def _phone_ok(text: str) -> bool:
    return bool(_PHONE.match(text)) and sum(c.isdigit() for c in text) >= 6


# --- dates -----------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_HM = re.compile(r"^(\d{1,2})[:.](\d{2})(?::(\d{2}))?$|^(\d{2})(\d{2})$")
DATE_HINT = "Type the date as dd/mm/yyyy hh:mm (for example 25/11/2026 14:30), or “now”."


class DateProblem(ValueError):
    """The text is not a date and time; the message says what to type."""


def _time(text: str) -> tuple[int, int, int]:
    m = _HM.match(text)
    if m is None:
        raise DateProblem(DATE_HINT)
    if m.group(4) is not None:
        h, mi, s = int(m.group(4)), int(m.group(5)), 0
    else:
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise DateProblem(f"There is no time {text}; use the 24-hour clock, 00:00 to 23:59.")
    return h, mi, s


def parse_when(text: str, now: datetime) -> datetime | None:
    """A date and time typed as UK local time, as naive UTC; None for blank.

    ``now`` is naive UTC. Raises DateProblem (one sentence) for anything else.
    """
    raw = clean_line(text).lower()
    if not raw:
        return None
    if raw == "now":
        return now
    local_now = to_local(now)
    parts = raw.replace(",", " ").replace("t", " ", 1) if _YMD_T(raw) else raw.replace(",", " ")
    words = parts.split()
    if words and words[0] == "at":
        words = words[1:]
    day: date | None = None
    if words and words[0] in ("today", "yesterday"):
        day = local_now.date() - timedelta(days=1 if words[0] == "yesterday" else 0)
        words = words[1:]
    elif words and (m := _DMY.match(words[0]) or _YMD.match(words[0])):
        if m.re is _DMY:
            d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
            year = int(y) + 2000 if len(y) == 2 else int(y)
        else:
            year, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            day = date(year, mo, d)
        except ValueError:
            raise DateProblem(f"There is no date {words[0]}; check the day and month.") from None
        words = words[1:]
    if words and words[0] == "at":
        words = words[1:]
    if len(words) > 1:
        raise DateProblem(DATE_HINT)
    if words:
        h, mi, s = _time(words[0])
        if day is None:  # a time alone: today
            day = local_now.date()
    elif day is None:
        raise DateProblem(DATE_HINT)
    else:
        h = mi = s = 0
    local = datetime(day.year, day.month, day.day, h, mi, s, tzinfo=_UK)
    return local.astimezone(UTC).replace(tzinfo=None)


def _YMD_T(raw: str) -> bool:
    """ISO 8601 with a T between date and time (2026-11-25T14:30)."""
    return bool(re.match(r"^\d{4}-\d{1,2}-\d{1,2}t", raw))


def describe_when(value: datetime) -> str:
    """How the form confirms a parsed time: 'Wed 25/11/2026 14:30'."""
    return f"{to_local(value):%a} {format_datetime(value)}"


# --- validation ------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanPerson:
    role: str
    full_name: str
    phone: str
    email: str
    address: str
    risk_answers: dict[str, str] | None
    #: a person already known, linked instead of a new one
    person_id: uuid.UUID | None = None
    #: where the person is in the form (problems name ``people.<index>``)
    index: int = 0
    risk_override: str = ""
    risk_override_reason: str = ""


@dataclass(frozen=True)
class CleanIntake:
    """The form as it would be stored."""

    hub: str
    channel: str
    category: str
    received_at: datetime | None
    incident_at: datetime | None
    location: str
    town: str
    postcode: str
    grid_ref: str
    summary: str
    details: str
    reporter_anonymous: bool
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    reporter_address: str
    consent_to_contact: bool
    people: tuple[CleanPerson, ...]
    police_log: str
    council_ref: str
    reporter_person_id: uuid.UUID | None = None
    hate: str = ""
    hate_strands: tuple[str, ...] = ()

    @property
    def has_reporter(self) -> bool:
        return not self.reporter_anonymous and any(
            (self.reporter_name, self.reporter_phone, self.reporter_email, self.reporter_address,
             self.reporter_person_id)
        )  # fmt: skip

    @property
    def report_text(self) -> str:
        """What the contact records of this report: the summary, then the details."""
        return f"{self.summary}\n\n{self.details}" if self.details else self.summary


#: a person's id as a draft holds it: 32 hexadecimal digits, or the usual form with dashes
_LINK_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LINK_UNREADABLE = (
    "the link to a known person cannot be read; unlink and link them again, or save them as new."
)


def _link(problems: list[Problem], field_name: str, value: Any, who: str) -> uuid.UUID | None:
    """The id of the person already known that a slot is linked to (None: not linked); a
    problem on ``field_name`` if it is not an id."""
    text = clean_line(value).lower() if isinstance(value, str) else ""
    if not text:
        return None
    if not _LINK_ID.fullmatch(text):
        problems.append(Problem(field_name, f"{who}: {LINK_UNREADABLE}"))
        return None
    return uuid.UUID(text)


def _too_long(problems: list[Problem], name: str, value: str, what: str, key: str = "") -> None:
    limit = MAX[key or name]
    if len(value) > limit:
        problems.append(
            Problem(
                name,
                f"{what} {'are' if what == 'The details' else 'is'} too long: "
                f"{len(value):,} characters, at most {limit:,}.",
            )
        )


def clean(
    form: IntakeForm, now: datetime, *, attaching: bool = False
) -> tuple[CleanIntake, list[Problem]]:
    """The form as it would be stored, and everything wrong with it. Never raises."""
    problems: list[Problem] = []

    def line(value: Any) -> str:
        return clean_line(value) if isinstance(value, str) else ""

    def text(value: Any) -> str:
        return clean_text(value) if isinstance(value, str) else ""

    # reference data (whether the codes exist is checked by save, against the database)
    hub, channel, category = line(form.hub), line(form.channel), line(form.category)
    # (in the order of the form, so that the first problem is the first field to fix)
    if not channel:
        problems.append(Problem("channel", "Choose how the report came in."))
    if not attaching:
        if not category:
            problems.append(Problem("category", "Choose a category: what the issue is about."))
        if not hub:
            problems.append(Problem("hub", "Choose the hub."))
    # hate, by perception: needed for a new issue of some categories (hate.toml)
    hate_answer, hate_strands, hate_problems = hate.clean(
        form.hate, form.hate_strands, required=not attaching and hate.required_for(category)
    )
    problems += hate_problems

    # when
    received = incident = None
    if not line(form.received):
        problems.append(Problem("received", "Give the date and time the report was received."))
    else:
        received = _when(problems, "received", form.received, now,
                         "The report cannot be received in the future; check the date.")  # fmt: skip
    if line(form.incident):
        incident = _when(problems, "incident", form.incident, now,
                         "The incident cannot be in the future; check the date.")  # fmt: skip
    if incident is not None and received is not None and incident > received:
        problems.append(
            Problem(
                "incident",
                "The incident cannot be after the report was received "
                f"({format_datetime(received)}); check both dates.",
            )
        )

    # where
    location, town = line(form.location), line(form.town)
    if not location:
        problems.append(
            Problem("location", "Say where: an address, or a description of the place.")
        )
    _too_long(problems, "location", location, "The location")
    _too_long(problems, "town", town, "The town")
    postcode = normalise_postcode(line(form.postcode))
    if postcode is None:
        problems.append(
            Problem(
                "postcode", "This is not a UK postcode; type it like CA1 1AA, or leave it blank."
            )
        )
        postcode = line(form.postcode)
    grid_ref = normalise_grid_ref(line(form.grid_ref))
    if grid_ref is None:
        problems.append(
            Problem(
                "grid_ref",
                "This is not an OS grid reference; type two letters and an even number of "
                "digits, like NY 400 560, or leave it blank.",
            )
        )
        grid_ref = line(form.grid_ref)

    # what
    summary, details = line(form.summary), text(form.details)
    if not summary:
        problems.append(Problem("summary", "Give a one-line summary of the issue."))
    elif len(summary) > MAX["summary"]:
        problems.append(
            Problem(
                "summary",
                f"The summary is too long: {len(summary):,} characters, at most "
                f"{MAX['summary']}; put the rest in the details.",
            )
        )
    _too_long(problems, "details", details, "The details")

    # who reported it
    anonymous = bool(form.reporter_anonymous)
    r_name, r_phone = line(form.reporter_name), line(form.reporter_phone)
    r_email, r_address = line(form.reporter_email), text(form.reporter_address)
    r_link = _link(problems, "reporter_name", form.reporter_person_id, "The reporter")
    if anonymous and any((r_name, r_phone, r_email, r_address, r_link)):
        problems.append(
            Problem(
                "reporter_anonymous",
                "An anonymous reporter has no name or contact details: clear them, or untick "
                "Anonymous.",
            )
        )
    _too_long(problems, "reporter_name", r_name, "The reporter's name")
    _too_long(problems, "reporter_address", r_address, "The reporter's address")
    if r_phone and not _phone_ok(r_phone):
        problems.append(
            Problem("reporter_phone", "This is not a phone number; use digits, spaces and +.")
        )
    _too_long(problems, "reporter_phone", r_phone, "The phone number")
    if r_email and not _EMAIL.match(r_email):
        problems.append(
            Problem("reporter_email", "This is not an email address (name@example.org).")
        )
    _too_long(problems, "reporter_email", r_email, "The email address")
    consent = bool(form.consent_to_contact)
    if consent and (anonymous or not any((r_phone, r_email, r_address))):
        problems.append(
            Problem(
                "consent_to_contact",
                "To be contacted, the reporter needs a phone number, email or address (and "
                "cannot be anonymous).",
            )
        )

    # who is involved
    people: list[CleanPerson] = []
    for i, p in enumerate(form.people if isinstance(form.people, list) else []):
        if not isinstance(p, PersonEntry) or p.is_blank():
            continue
        n = i + 1
        key = f"people.{i}"
        entry = CleanPerson(
            role=line(p.role), full_name=line(p.full_name), phone=line(p.phone),
            email=line(p.email), address=text(p.address),
            risk_answers=dict(p.risk_answers) if isinstance(p.risk_answers, dict) else None,
            person_id=_link(problems, f"{key}.full_name", p.person_id, f"Person {n}"), index=i,
        )  # fmt: skip
        if entry.role not in INVOLVED_ROLES:
            problems.append(Problem(f"{key}.role", f"Person {n}: choose their role."))
        if not entry.full_name:
            problems.append(
                Problem(
                    f"{key}.full_name",
                    f"Person {n}: give a name, or a description such as “unknown male, about 16”.",
                )
            )
        _too_long(
            problems, f"{key}.full_name", entry.full_name, f"Person {n}: the name", "full_name"
        )
        if entry.phone and not _phone_ok(entry.phone):
            problems.append(
                Problem(f"{key}.phone", f"Person {n}: this is not a phone number; use digits, "
                        "spaces and +.")
            )  # fmt: skip
        _too_long(problems, f"{key}.phone", entry.phone, f"Person {n}: the phone number", "phone")
        if entry.email and not _EMAIL.match(entry.email):
            problems.append(Problem(f"{key}.email", f"Person {n}: this is not an email address."))
        _too_long(problems, f"{key}.email", entry.email, f"Person {n}: the email", "email")
        _too_long(problems, f"{key}.address", entry.address, f"Person {n}: the address", "address")
        if entry.risk_answers is not None and entry.role not in ASSESSED:
            entry = CleanPerson(**{**entry.__dict__, "risk_answers": None})
        elif entry.risk_answers is not None:
            level, why = line(p.risk_override), text(p.risk_override_reason)
            for problem in risk.check_override(level, why, hate_answer):
                problems.append(Problem(f"{key}.risk", f"Person {n}: {problem.message}"))
            entry = CleanPerson(**{**entry.__dict__, "risk_override": level,
                                   "risk_override_reason": why if level else ""})  # fmt: skip
        people.append(entry)

    police, council = line(form.police_log), line(form.council_ref)
    _too_long(problems, "police_log", police, "The police log number")
    _too_long(problems, "council_ref", council, "The council reference")

    result = CleanIntake(
        hub=hub, channel=channel, category=category, received_at=received, incident_at=incident,
        location=location, town=town, postcode=postcode, grid_ref=grid_ref, summary=summary,
        details=details, reporter_anonymous=anonymous, reporter_name=r_name,
        reporter_phone=r_phone, reporter_email=r_email, reporter_address=r_address,
        consent_to_contact=consent, people=tuple(people), police_log=police, council_ref=council,
        reporter_person_id=None if anonymous else r_link, hate=hate_answer,
        hate_strands=tuple(hate_strands),
    )  # fmt: skip
    return result, problems


def _when(problems: list[Problem], field: str, text: str, now: datetime, future: str):
    """A typed date and time, or None with its problem added (unreadable, future, too old)."""
    try:
        when = parse_when(text, now)
    except DateProblem as exc:
        problems.append(Problem(field, str(exc)))
        return None
    if when > now + FUTURE_SLACK:
        problems.append(Problem(field, future))
        return None
    if when < EARLIEST:
        problems.append(Problem(field, "The date is before 2000; check the year."))
        return None
    return when


def validate(form: IntakeForm, now: datetime, *, attaching: bool = False) -> list[Problem]:
    """Everything wrong with the form, one sentence per field; never raises.

    ``now`` is naive UTC. When ``attaching`` (the report goes onto an existing case), hub and
    category are the case's and not asked for.
    """
    try:
        return clean(form, now, attaching=attaching)[1]
    except Exception:  # a form built with values of the wrong type
        log.debug("Intake form could not be read", exc_info=True)
        return [Problem("summary", "The form could not be read; close it and type it again.")]


# --- saving ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """What save made: the case's reference and id, the new contact, and whether it was
    attached to an existing case."""

    reference: str
    case_id: uuid.UUID
    contact_id: uuid.UUID
    attached: bool
    #: "Reassess: a new report since the last assessment." when a victim of the case was
    #: assessed before this report (and not again on it); "" otherwise
    reassess: str = ""


def _by_code(s, model, code: str, field_name: str, what: str):
    row = s.scalars(select(model).where(model.code == code, model.voided.is_(False))).first()
    if row is None or not row.active:
        raise IntakeError([Problem(field_name, f"Choose {what} from the list.")])
    return row


def _place(s, c: CleanIntake, hub_id: uuid.UUID) -> Place:
    """The place of the report: an existing one with the same name, town and postcode, or a
    new one."""
    found = s.scalars(
        select(Place).where(
            func.lower(Place.name) == c.location.lower(),
            func.lower(Place.town) == c.town.lower(),
            Place.postcode == c.postcode,
            Place.voided.is_(False),
        )
    ).first()
    if found is not None:
        return found
    place = Place(
        id=uuid.uuid4(), hub_id=hub_id, name=c.location, town=c.town, postcode=c.postcode,
        grid_ref=c.grid_ref, place_type="",
    )  # fmt: skip
    s.add(place)
    return place


# --- linking people already known -------------------------------------------------------------

#: what is compared between a linked person's stored details and what was typed for them
LINKED_FIELDS = ("full_name", "phone", "email", "address")
#: how each is named in a sentence
LINKED_WORDS = {"full_name": "name", "phone": "phone", "email": "email", "address": "address"}
_WORDS = re.compile(r"[\W_]+")
NOT_LINKABLE = "That person is no longer on a case you can see; clear the link or save them as new."
LOCKED_LINK = "That person is locked down from your account; clear the link or save them as new."


def same_detail(name: str, a: str, b: str) -> bool:
    """Whether two values of the field ``name`` say the same (a name however written, a
    phone number in any UK format, an e-mail address in any case, an address in any
    spacing, punctuation and lines)."""
    from hubapp.domain import matching

    if name == "full_name":
        return matching.name_key(a) == matching.name_key(b)
    if name == "phone":
        return matching.phone_key(a) == matching.phone_key(b)
    if name == "email":
        return a.strip().casefold() == b.strip().casefold()
    return _WORDS.sub(" ", a).casefold().split() == _WORDS.sub(" ", b).casefold().split()


def compare_linked(stored: dict[str, str], typed: dict[str, str]
                   ) -> tuple[dict[str, str], dict[str, str]]:  # fmt: skip
    """A person linked to a stored one: (the details to fill in: empty in the store and
    typed, with what was typed; the details typed otherwise than stored, with the stored
    value, which is kept). Nothing stored is ever replaced."""
    fill, differ = {}, {}
    for name in LINKED_FIELDS:
        typed_value = clean_text(typed.get(name) or "")
        stored_value = clean_text(stored.get(name) or "")
        if not typed_value:
            continue
        if not stored_value:
            fill[name] = typed_value
        elif not same_detail(name, typed_value, stored_value):
            differ[name] = stored_value
    return fill, differ


@dataclass
class _LinkChanges:
    person: Person
    filled: set[str] = field(default_factory=set)
    #: the details typed otherwise than stored: field -> what was typed
    kept: dict[str, str] = field(default_factory=dict)


def _same_name(entry: CleanPerson, c: CleanIntake) -> bool:
    return bool(c.reporter_name) and entry.full_name.casefold() == c.reporter_name.casefold()


def _linked(s, c: CleanIntake) -> dict[uuid.UUID, Person]:
    """The people already known the form links to, by id; IntakeError on the name field of
    each that may not be linked (voided, on no case the account sees, locked down from it)."""
    from hubapp.store.casework import people

    wanted = [e.person_id for e in c.people if e.person_id is not None]
    if c.has_reporter and c.reporter_person_id is not None:
        wanted.append(c.reporter_person_id)
    if not wanted:
        return {}
    found, locked = people.linkable(s, wanted)

    def why(pid: uuid.UUID) -> str:
        return LOCKED_LINK if pid in locked else NOT_LINKABLE

    problems = [
        Problem(f"people.{e.index}.full_name", f"Person {e.index + 1}: {why(e.person_id).lower()}")
        for e in c.people if e.person_id is not None and e.person_id not in found
    ]  # fmt: skip
    if c.has_reporter and c.reporter_person_id is not None and c.reporter_person_id not in found:
        problems.insert(0, Problem("reporter_name", why(c.reporter_person_id)))
    if problems:
        raise IntakeError(problems)
    return found


def _compare(changes: dict[uuid.UUID, _LinkChanges], person: Person, typed) -> None:
    """Fill the linked ``person``'s empty details from what was typed for them (a
    CleanPerson, or the reporter's fields of a CleanIntake); note what differs."""
    if isinstance(typed, CleanIntake):
        values = {"full_name": typed.reporter_name, "phone": typed.reporter_phone,
                  "email": typed.reporter_email, "address": typed.reporter_address}  # fmt: skip
    else:
        values = {name: getattr(typed, name) for name in LINKED_FIELDS}
    fill, differ = compare_linked({n: getattr(person, n) or "" for n in LINKED_FIELDS}, values)
    for name, value in fill.items():
        setattr(person, name, value)
    found = changes.setdefault(person.id, _LinkChanges(person))
    found.filled.update(fill)
    found.kept.update({name: clean_text(values[name]) for name in differ})


def _record_links(s, store, case: Case, contact: Contact,
                  changes: dict[uuid.UUID, _LinkChanges]) -> None:  # fmt: skip
    """The audit entry of the links (which details were filled in and which typed ones
    differed: names of fields, never values, as the log keeps no personal data), and a
    note on the case keeping what was typed otherwise than stored, so nothing typed is
    lost (not for a locked-down person: a shared note would show their details)."""
    from hubapp.store.casework import people

    audit.record(s, audit.Kind.COMBINATION, "person", sorted(str(pid) for pid in changes),
                 {"case": case.reference, "contact": str(contact.id),
                  "filled": {str(pid): sorted(ch.filled) for pid, ch in changes.items()
                             if ch.filled},
                  "kept": {str(pid): sorted(ch.kept) for pid, ch in changes.items() if ch.kept}},
                 reason="intake: person already known linked")  # fmt: skip
    for pid, ch in changes.items():
        if not ch.kept or ch.person.locked_down:
            continue
        given = "; ".join(f"{LINKED_WORDS[name]} {value}" for name, value in ch.kept.items())
        s.add(Note(
            id=uuid.uuid4(), case_id=case.id, author=store.user, agency_id=None,
            visibility="shared",
            body=f"Given on this report for {ch.person.full_name} ({people.reference(pid)}), "
                 f"otherwise than stored (the stored details were kept): {given}.",
        ))  # fmt: skip


def further_hate(answer: str, strands: list[str], c: CleanIntake) -> tuple[str, list[str]]:
    """The case's hate answer after a report answering ``c.hate``: it only adds (see the
    module's docstring)."""
    rank = {"": 0, "not_known": 1, "no": 2, "yes": 3}
    if rank.get(c.hate, 0) > rank.get(answer, 0):
        answer, strands = c.hate, []
    if answer == "yes" and c.hate == "yes":
        order = {s.code: i for i, s in enumerate(hate.rules().strands)}
        merged = dict.fromkeys([*strands, *c.hate_strands])
        strands = sorted(merged, key=lambda s: order.get(s, len(order)))
    return answer, list(strands)


def save(
    store,
    form: IntakeForm,
    attach_to: uuid.UUID | None = None,
    *,
    draft_id: int | None = None,
    now: datetime | None = None,
) -> Saved:
    """Save the report; return what was made (the role matrix: read-only accounts record
    nothing).

    Without ``attach_to``: a new case (status new) with its contact, the people involved,
    the reporter (unless anonymous) and the place. With ``attach_to`` (an open case's id):
    a further contact on that case instead, with its people and place. Victims' risk
    questionnaires are recorded (setting the case's risk level and next review). The draft
    ``draft_id``, if given, is deleted. All in one transaction; IntakeError if anything is
    wrong (nothing is written).
    """
    from hubapp.store import access

    access.require(store, access.Op.NEW_ISSUE)
    now = now or utcnow()
    c, problems = clean(form, now, attaching=attach_to is not None)
    if problems:
        raise IntakeError(problems)
    reason = "intake: further report" if attach_to else "intake: new issue"
    with store.write(reason=reason) as s:
        channel = _by_code(s, Channel, c.channel, "channel", "how the report came in")
        known = _linked(s, c)
        if attach_to is not None:
            case = s.get(Case, attach_to)  # None too for a case the account may not see
            if case is None:
                access.check_case(s, attach_to)  # the account hears why, not that it is gone
            if case is None or case.voided:
                raise IntakeError([Problem("attach_to", "That case no longer exists.")])
            if case.status == CaseStatus.CLOSED.value:
                raise IntakeError(
                    [
                        Problem(
                            "attach_to",
                            f"{case.reference} was closed since it was suggested; save this "
                            "report as a new case, or reopen that case first.",
                        )
                    ]
                )
            place = _place(s, c, case.hub_id)
            s.flush()
            linked = s.scalar(
                select(func.count()).where(
                    CasePlace.case_id == case.id, CasePlace.place_id == place.id
                )
            )
            if not linked:
                s.add(CasePlace(id=uuid.uuid4(), case_id=case.id, place_id=place.id,
                                role="location"))  # fmt: skip
            # the case keeps its own values; an external reference it lacks is filled in
            if c.police_log and not case.police_log_ref:
                case.police_log_ref = c.police_log
            if c.council_ref and not case.council_ref:
                case.council_ref = c.council_ref
        else:
            hub = _by_code(s, Hub, c.hub, "hub", "the hub")
            category = _by_code(s, Category, c.category, "category", "a category")
            place = _place(s, c, hub.id)
            s.flush()
            case = cases.new_case(
                s, hub_id=hub.id, category_id=category.id, channel_id=channel.id,
                received_at=c.received_at, summary=c.summary, details=c.details,
                incident_at=c.incident_at, location=c.location, town=c.town,
                postcode=c.postcode, grid_ref=c.grid_ref, place_id=place.id,
                police_log_ref=c.police_log, council_ref=c.council_ref,
            )  # fmt: skip
            s.add(CasePlace(id=uuid.uuid4(), case_id=case.id, place_id=place.id, role="location"))

        # people first: the rows that refer to them are inserted after (no ORM relationships
        # here to order the inserts). A person linked to one already known is that person:
        # their empty details are filled from what was typed, and none is replaced.
        reporter = known.get(c.reporter_person_id) if c.has_reporter else None
        changes: dict[uuid.UUID, _LinkChanges] = {}
        involved: list[tuple[CleanPerson, Person]] = []
        for entry in c.people:
            person = known.get(entry.person_id) if entry.person_id is not None else None
            if person is None and reporter is not None and _same_name(entry, c):
                person = reporter  # the linked reporter named again: one person, two roles
            if person is not None:
                _compare(changes, person, entry)
            else:
                person = Person(
                    id=uuid.uuid4(), full_name=entry.full_name, phone=entry.phone,
                    email=entry.email, address=entry.address,
                )  # fmt: skip
                s.add(person)
            involved.append((entry, person))
        if reporter is not None:
            _compare(changes, reporter, c)
        elif c.has_reporter:
            reporter = next((p for e, p in involved if _same_name(e, c)), None)
            if reporter is not None and reporter.id in known:  # named as a linked person
                _compare(changes, reporter, c)
            if reporter is None:
                reporter = Person(
                    id=uuid.uuid4(), full_name=c.reporter_name, phone=c.reporter_phone,
                    email=c.reporter_email, address=c.reporter_address,
                )  # fmt: skip
                s.add(reporter)
        s.flush()
        on_case: set[tuple[uuid.UUID, str]] = set()
        if attach_to is not None:  # a known person may be on the case already
            on_case = {(pid, role) for pid, role in s.execute(
                select(CasePerson.person_id, CasePerson.role)
                .where(CasePerson.case_id == case.id, CasePerson.voided.is_(False)))}  # fmt: skip
        roles = [(person, entry.role) for entry, person in involved]
        if reporter is not None:
            roles.append((reporter, PersonRole.REPORTER.value))
        for person, role in roles:
            if (person.id, role) not in on_case:
                on_case.add((person.id, role))
                s.add(CasePerson(id=uuid.uuid4(), case_id=case.id, person_id=person.id,
                                 role=role))  # fmt: skip
        reporter_id = reporter.id if reporter is not None else None

        contact = Contact(
            id=uuid.uuid4(), case_id=case.id, channel_id=channel.id, received_at=c.received_at,
            incident_at=c.incident_at, reporter_person_id=reporter_id,
            anonymous=c.reporter_anonymous, consent_to_contact=c.consent_to_contact,
            summary=c.report_text, external_ref=(c.police_log or c.council_ref)[:60],
            place_id=place.id,
        )  # fmt: skip
        s.add(contact)
        s.flush()

        if c.hate:
            answer, strands = further_hate(case.hate, list(case.hate_strands or []), c)
            hate.apply(s, case, answer, strands)
        for entry, person in involved:
            if entry.role in ASSESSED and entry.risk_answers is not None:
                try:
                    risk.record(s, case, person.id, entry.risk_answers, now=now,
                                subject=ASSESSED[entry.role],
                                user=store.user, override_level=entry.risk_override,
                                override_reason=entry.risk_override_reason)  # fmt: skip
                except risk.RiskError as exc:  # e.g. set by hand below a hate case's least
                    n = entry.index + 1
                    raise IntakeError([Problem(f"people.{entry.index}.risk",
                                               f"Person {n}: {exc.problems[0].message}")]) from None  # fmt: skip
        s.flush()
        reassess = risk.reassess_reason(s, case.id) if attach_to is not None else ""

        if attach_to is not None:  # a further report combined with an existing case
            audit.record(s, audit.Kind.COMBINATION, "case_", [str(case.id)],
                         {"contact": str(contact.id), "case": case.reference,
                          "persons": [str(p.id) for _e, p in involved]
                          + ([str(reporter_id)] if reporter_id else [])},
                         reason="intake: further report attached")  # fmt: skip
        if changes:
            _record_links(s, store, case, contact, changes)
        if draft_id is not None:
            s.execute(delete(IntakeDraft).where(IntakeDraft.id == draft_id))
        log.info("Intake saved on %s (%s)", case.reference, "attached" if attach_to else "new")
        return Saved(case.reference, case.id, contact.id, attach_to is not None, reassess)
