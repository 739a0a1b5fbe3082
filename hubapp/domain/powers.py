"""Tools and powers within their statutory limits (issue 17): the rules, and the dates they set.

Each intervention type may carry a rules table (``[intervention_type.limits]`` in
``resources/refdata/interventions.toml``; the defaults are the Anti-social Behaviour, Crime and
Policing Act 2014's, each with its section). :func:`check` holds an intervention about to be
saved against its type's table and returns two lists of problems:

* **hard** limits, which refuse it in the statutory sentence with its section: the youngest it
  may be used against (age worked out from the date of birth on the day it is used), the
  longest it may run (and the longest in all once extended; against an under-18, a set period),
  who must authorise it (a dispersal: an inspector), who must be consulted first (an
  under-18's civil injunction: the youth offending team), the court hearing a closure notice
  leads to (within 48 hours), and a type that is not a case's at all (a PSPO is an area order);
* **soft** ones, which warn and ask for a reason that is kept (``Intervention.override_reason``):
  a prerequisite skipped (no CPN without an earlier CPW, whose time to comply has run out),
  and no date of birth recorded for an age-limited power.

:func:`appeal_by` and :func:`next_review` give the dates the due list shows (hours are counted
as calendar days: 48 hours is two days from the day of issue). No Qt, no database.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from hubapp.domain.clock import add_months
from hubapp.domain.codes import BreachOutcome
from hubapp.domain.findings import Finding
from hubapp.domain.formatting import format_date

#: the ages the rules speak of
ADULT = 18


@dataclass(frozen=True)
class Limits:
    """One type's rules table (every limit optional)."""

    code: str
    name: str
    case_intervention: bool = True
    min_age: int | None = None
    min_age_section: str = ""
    prerequisite: str = ""
    prerequisite_section: str = ""
    max_days: int | None = None
    max_months: int | None = None
    max_section: str = ""
    max_total_months: int | None = None
    max_total_section: str = ""
    under_18_max_months: int | None = None
    under_18_max_section: str = ""
    appeal_days: int | None = None
    appeal_section: str = ""
    under_18_review_months: int | None = None
    under_18_review_section: str = ""
    under_18_consult: str = ""
    under_18_consult_section: str = ""
    authorised_by: str = ""
    authorised_section: str = ""
    hearing_within_days: int | None = None
    hearing_section: str = ""
    breach_outcomes: tuple[str, ...] = tuple(o.value for o in BreachOutcome)

    @property
    def age_limited(self) -> bool:
        return bool(self.min_age or self.under_18_max_months or self.under_18_consult
                    or self.under_18_review_months)  # fmt: skip


class RulesError(ValueError):
    """The rules table cannot be used; the message says why, in one sentence."""


_INTS = ("min_age", "max_days", "max_months", "max_total_months", "under_18_max_months",
         "appeal_days", "under_18_review_months", "hearing_within_days")  # fmt: skip
_TEXTS = ("min_age_section", "prerequisite", "prerequisite_section", "max_section",
          "max_total_section", "under_18_max_section", "appeal_section",
          "under_18_review_section", "under_18_consult", "under_18_consult_section",
          "authorised_by", "authorised_section", "hearing_section")  # fmt: skip


def load(path: Path | None = None) -> dict[str, Limits]:
    """Every type's rules, by code, from ``path`` (default: the shipped interventions.toml)."""
    if path is None:
        from hubapp import resources

        path = resources.refdata("interventions.toml")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"The rules in {Path(path).name} cannot be read: {exc}") from exc
    out: dict[str, Limits] = {}
    for t in data.get("intervention_type", []):
        code, raw = t["code"], dict(t.get("limits", {}))
        values: dict = {"code": code, "name": t.get("name", code)}
        for key in _INTS:
            if key in raw:
                v = raw[key]
                if not isinstance(v, int) or isinstance(v, bool) or not 0 < v <= 1200:
                    raise RulesError(f"In {Path(path).name}, {code}'s {key} must be a whole "
                                     "number from 1 to 1200.")  # fmt: skip
                values[key] = v
        for key in _TEXTS:
            if key in raw:
                values[key] = str(raw[key])
        if "case_intervention" in raw:
            values["case_intervention"] = bool(raw["case_intervention"])
        if "breach_outcomes" in raw:
            known = {o.value for o in BreachOutcome}
            if not set(raw["breach_outcomes"]) <= known:
                raise RulesError(f"In {Path(path).name}, {code}'s breach_outcomes must be among "
                                 f"{', '.join(sorted(known))}.")  # fmt: skip
            values["breach_outcomes"] = tuple(raw["breach_outcomes"])
        out[code] = Limits(**values)
    return out


@cache
def shipped() -> dict[str, Limits]:
    """The rules shipped with hubapp (read once)."""
    return load()


def limits_of(code: str | None, name: str = "") -> Limits:
    """The rules of a type code (a type without a table: no limits)."""
    found = shipped().get(code or "")
    return found if found is not None else Limits(code or "", name or code or "")


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day`` (a 29 February birthday comes on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _span(days: int | None, months: int | None) -> str:
    if days:
        return f"{days * 24} hours" if days <= 3 else f"{days} days"
    if months and months % 12 == 0 and months > 12:
        years = months // 12
        return "1 year" if years == 1 else f"{years} years"
    return "1 month" if months == 1 else f"{months} months"


def called(name: str) -> str:
    """A type's name within a sentence: "civil injunction", "Community Protection Notice
    (CPN)" (a name in capitals stays so)."""
    words = name.split()
    return name[:1].lower() + name[1:] if len(words) > 1 and words[1][:1].islower() else name


def _latest(issued: date, days: int | None, months: int | None) -> date:
    if days:
        return issued + timedelta(days=days)
    return add_months(datetime.combine(issued, datetime.min.time()), months or 0).date()


@dataclass(frozen=True)
class Earlier:
    """An intervention used before against the same person or place."""

    code: str
    name: str
    issued_on: date
    expires_on: date | None


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one intervention about to be saved."""

    issued_on: date
    expires_on: date | None = None
    #: made against a person (the age rules apply), and their date of birth if known
    against_person: bool = False
    date_of_birth: date | None = None
    authorised_by: str = ""
    consulted: str = ""
    hearing_on: date | None = None
    #: what was used before against the same person or place (not this one)
    earlier: tuple[Earlier, ...] = field(default_factory=tuple)
    #: an edit of a saved intervention (its end date may be extended), not a new one
    editing: bool = False


def check(limits: Limits, f: Facts) -> tuple[list[Finding], list[Finding]]:
    """(hard, soft) problems of an intervention of type ``limits`` with facts ``f``."""
    hard: list[Finding] = []
    soft: list[Finding] = []
    n = called(limits.name)
    if not limits.case_intervention:
        hard.append(Finding("type", f"A {n} is an order over an area, not a case's: record it "
                                    "under Tools > Area orders and cite it from the case."))  # fmt: skip
        return hard, soft
    age = None
    if f.against_person and limits.age_limited:
        if f.date_of_birth is None:
            soft.append(Finding("target", f"Their date of birth is not recorded, and a {n} has "
                                          "age limits: record it, or give a reason to go ahead."))  # fmt: skip
        else:
            age = age_on(f.date_of_birth, f.issued_on)
    if age is not None and limits.min_age and age < limits.min_age:
        hard.append(Finding("target", f"A {n} cannot be used against someone under "
                                      f"{limits.min_age} ({limits.min_age_section}): they are "
                                      f"{age} on {format_date(f.issued_on)}."))  # fmt: skip
    minor = age is not None and age < ADULT
    # how long it may run
    caps: list[tuple[date, str]] = []
    if limits.max_days or limits.max_months:
        if f.editing and limits.max_total_months:
            caps.append((_latest(f.issued_on, None, limits.max_total_months),
                         f"Extended, a {n} lasts at most {_span(None, limits.max_total_months)} "
                         f"in all ({limits.max_total_section})"))  # fmt: skip
        else:
            caps.append((_latest(f.issued_on, limits.max_days, limits.max_months),
                         f"A {n} lasts at most {_span(limits.max_days, limits.max_months)} "
                         f"({limits.max_section})"))  # fmt: skip
    if minor and limits.under_18_max_months:
        caps.append((_latest(f.issued_on, None, limits.under_18_max_months),
                     f"Against someone under 18 a {n} is for a set period of at most "
                     f"{_span(None, limits.under_18_max_months)} "
                     f"({limits.under_18_max_section})"))  # fmt: skip
    for latest, sentence in caps:
        if f.expires_on is None:
            hard.append(Finding("expires_on", f"{sentence}: give the date it ends."))
        elif f.expires_on > latest:
            hard.append(Finding("expires_on", f"{sentence}: it can end on "
                                              f"{format_date(latest)} at the latest."))  # fmt: skip
        if hard and hard[-1].field == "expires_on":
            break
    if minor and limits.under_18_consult and not f.consulted:
        hard.append(Finding("consulted", f"Against someone under 18, {limits.under_18_consult} "
                                         f"must be consulted before a {n} "
                                         f"({limits.under_18_consult_section}): say who was "
                                         "consulted."))  # fmt: skip
    if limits.authorised_by and not f.authorised_by:
        hard.append(Finding("authorised_by", f"A {n} must be authorised by "
                                             f"{limits.authorised_by} "
                                             f"({limits.authorised_section}): give the "
                                             "officer's name and rank."))  # fmt: skip
    if limits.hearing_within_days:
        by = f.issued_on + timedelta(days=limits.hearing_within_days)
        within = _span(limits.hearing_within_days, None)
        if f.hearing_on is None:
            hard.append(Finding("hearing_on", f"Give the date of the court hearing: within "
                                              f"{within} of the {n} "
                                              f"({limits.hearing_section})."))  # fmt: skip
        elif not f.issued_on <= f.hearing_on <= by:
            hard.append(Finding("hearing_on", f"The court hearing must be within {within} of "
                                              f"the {n} ({limits.hearing_section}): from "
                                              f"{format_date(f.issued_on)} to "
                                              f"{format_date(by)}."))  # fmt: skip
    if limits.prerequisite:
        before = [e for e in f.earlier if e.code == limits.prerequisite
                  and e.issued_on <= f.issued_on]  # fmt: skip
        what = called(limits_of(limits.prerequisite).name)
        if not before:
            soft.append(Finding("type", f"No {what} is recorded against them before this, and a "
                                        f"{n} needs one first ({limits.prerequisite_section}): "
                                        "give a reason to go ahead."))  # fmt: skip
        elif all(e.expires_on is not None and e.expires_on > f.issued_on for e in before):
            last = max(before, key=lambda e: e.issued_on)
            soft.append(Finding("issued_on", f"The {what} of {format_date(last.issued_on)} gave "
                                             f"until {format_date(last.expires_on)} to comply "
                                             f"({limits.prerequisite_section}): give a reason "
                                             "to go ahead before then."))  # fmt: skip
    return hard, soft


def appeal_by(limits: Limits, issued_on: date) -> date | None:
    """The last day to appeal, if the type can be appealed."""
    return issued_on + timedelta(days=limits.appeal_days) if limits.appeal_days else None


def next_review(limits: Limits, issued_on: date, date_of_birth: date | None,
                today: date) -> date | None:  # fmt: skip
    """The next review due on or after ``today`` of an order against someone who is still
    under 18 at its end (Sentencing Act 2020 s.337: each 12 months from the day it takes effect); None if none."""
    months = limits.under_18_review_months
    if not months or date_of_birth is None:
        return None
    start = datetime.combine(issued_on, datetime.min.time())
    k = 1
    if today > issued_on:
        k = max(1, ((today.year - issued_on.year) * 12 + today.month - issued_on.month) // months)
    while (due := add_months(start, k * months).date()) < today:
        k += 1
    return due if age_on(date_of_birth, due) < ADULT else None


def breach_outcomes(limits: Limits) -> tuple[BreachOutcome, ...]:
    return tuple(BreachOutcome(o) for o in limits.breach_outcomes)


def describe(limits: Limits) -> str:
    """The type's limits in one line, for the form ("" for a type without any)."""
    parts = []
    if limits.min_age:
        parts.append(f"{limits.min_age} and over ({limits.min_age_section})")
    if limits.prerequisite:
        parts.append(f"a {called(limits_of(limits.prerequisite).name)} first "
                     f"({limits.prerequisite_section})")  # fmt: skip
    if limits.max_days or limits.max_months:
        parts.append(f"at most {_span(limits.max_days, limits.max_months)} "
                     f"({limits.max_section})")  # fmt: skip
    if limits.max_total_months:
        parts.append(f"{_span(None, limits.max_total_months)} in all once extended "
                     f"({limits.max_total_section})")  # fmt: skip
    if limits.under_18_max_months:
        parts.append(f"under 18: at most {_span(None, limits.under_18_max_months)} "
                     f"({limits.under_18_max_section})")  # fmt: skip
    if limits.under_18_consult:
        parts.append(f"under 18: {limits.under_18_consult} consulted "
                     f"({limits.under_18_consult_section})")  # fmt: skip
    if limits.under_18_review_months:
        parts.append(f"under 18: reviewed every {_span(None, limits.under_18_review_months)} "
                     f"({limits.under_18_review_section})")  # fmt: skip
    if limits.authorised_by:
        parts.append(f"authorised by {limits.authorised_by} ({limits.authorised_section})")
    if limits.hearing_within_days:
        parts.append(f"court hearing within {_span(limits.hearing_within_days, None)} "
                     f"({limits.hearing_section})")  # fmt: skip
    if limits.appeal_days:
        parts.append(f"appeal within {limits.appeal_days} days ({limits.appeal_section})")
    return "; ".join(parts)
