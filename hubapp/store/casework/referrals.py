"""Safeguarding and support referrals: a person on a case referred to MARAC, MASH or
children's services, adult safeguarding, Channel, Victim Support, mental health services...

The pathways are data (``resources/refdata/referrals.toml``: code, name, and the roles who
see referrals of it). A referral records the date, who made it (the account), the agency
they are of, the other service's reference and the outcome, linked to the person and the
case; the audit log records every one as a collection (its reference, outcome and notes as
"changed", never their values).

Who sees a referral: those who see the case, less the roles its pathway leaves out. MARAC
and Channel referrals are for police, coordinators and administrators only. The rule is one
of the store's reading rules (:mod:`hubapp.store.access`), so no screen, print or export
reads one for a role left out.

Who records one: the role matrix's ``Op.SAFEGUARDING`` (coordinators, police and
administrators). Refused, each in one sentence on its field, with nothing written: a pathway
that is not in the list, a date in the future or before 2000, a person who is not on the
case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from hubapp.domain.clock import local_today
from hubapp.domain.referrals import (  # noqa: F401  (the pathways: for this module's callers)
    Pathway,
    hidden_from,
    name_of,
    parse,
    pathway,
    pathways,
)
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access
from hubapp.store.errors import Problem, Refused, StoreError
from hubapp.store.roles import Op
from hubapp.store.schema import Case, CasePerson, Person, Referral

#: the longest text each field takes (the database columns' sizes)
MAX = {"reference": 60, "outcome": 20_000, "notes": 20_000}
EARLIEST = date(2000, 1, 1)
NOT_ON_CASE = "That person is not on this case; add them to the case first."


# --- recording one -----------------------------------------------------------------------------


@dataclass
class ReferralDraft:
    """A referral as typed (codes name the pathways)."""

    case_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    pathway: str = ""
    referred_on: date | None = None
    reference: str = ""
    outcome: str = ""
    outcome_on: date | None = None
    notes: str = ""


def validate(draft: ReferralDraft, today: date | None = None, holder=None) -> list[Problem]:
    """Everything wrong with the draft, one sentence per field; never raises. ``holder``
    (a store or session): a pathway kept from the account's role is refused as unknown."""
    today = today or local_today()
    problems: list[Problem] = []
    if draft.person_id is None:
        problems.append(Problem("person", "Choose the person referred."))
    code = (draft.pathway or "").strip().lower()
    known = pathway(code)
    if known is not None and holder is not None and not access.may_see_pathway(holder, code):
        known = None
    if known is None:
        names = ", ".join(p.code for p in pathways()
                          if holder is None or access.may_see_pathway(holder, p.code))  # fmt: skip
        problems.append(Problem("pathway", f"Choose the pathway from the list: {names}."
                                if not code else f"'{draft.pathway}' is not a referral pathway; "
                                f"use one of {names}."))  # fmt: skip
    on = draft.referred_on
    if not isinstance(on, date):
        problems.append(Problem("referred_on", "Give the date of the referral (dd/mm/yyyy)."))
    elif on > today:
        problems.append(Problem("referred_on", "A referral cannot be dated in the future; check "
                                "the date."))  # fmt: skip
    elif on < EARLIEST:
        problems.append(Problem("referred_on", "The date is before 2000; check the year."))
    out_on = draft.outcome_on
    if isinstance(out_on, date):
        if out_on > today:
            problems.append(Problem("outcome_on", "The outcome cannot be dated in the future."))
        elif isinstance(on, date) and out_on < on:
            problems.append(Problem("outcome_on", "The outcome cannot be dated before the "
                                    "referral."))  # fmt: skip
    for name, text in (("reference", clean_line(draft.reference or "")),
                       ("outcome", clean_text(draft.outcome or "")),
                       ("notes", clean_text(draft.notes or ""))):  # fmt: skip
        if len(text) > MAX[name]:
            problems.append(Problem(name, f"The {name} is too long: {len(text):,} characters, "
                                    f"at most {MAX[name]:,}."))  # fmt: skip
    return problems


def add(store, draft: ReferralDraft, *, today: date | None = None) -> uuid.UUID:
    """Record a referral (the role matrix: Op.SAFEGUARDING) in one transaction; its id.
    Refused with every problem, one per field, and nothing written."""
    access.require(store, Op.SAFEGUARDING)
    problems = validate(draft, today, store)
    if problems:
        raise Refused(problems[0].message, problems)
    with store.write(reason="referral") as s:
        case = s.get(Case, draft.case_id) if draft.case_id is not None else None
        if case is None and draft.case_id is not None:
            access.check_case(s, draft.case_id)
        if case is None or case.voided:
            raise StoreError("This case no longer exists.")
        on_case = s.scalar(
            select(CasePerson.id).where(CasePerson.case_id == case.id,
                                        CasePerson.person_id == draft.person_id,
                                        CasePerson.voided.is_(False)).limit(1)
        )  # fmt: skip
        if on_case is None:
            raise Refused(NOT_ON_CASE, [Problem("person", NOT_ON_CASE)])
        row = Referral(
            id=uuid.uuid4(), case_id=case.id, person_id=draft.person_id,
            pathway=draft.pathway.strip().lower(), referred_on=draft.referred_on,
            referred_by=access.acting_user(s), agency_id=access.agency_id(s),
            reference=clean_line(draft.reference or ""), outcome=clean_text(draft.outcome or ""),
            outcome_on=draft.outcome_on, notes=clean_text(draft.notes or ""),
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


# --- reading them --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralLine:
    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    person_id: uuid.UUID
    person: str
    pathway: str
    referred_on: date
    referred_by: str
    reference: str
    outcome: str
    outcome_on: date | None
    recorded_at: datetime

    @property
    def pathway_name(self) -> str:
        return name_of(self.pathway)


def read(s, *, case_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None
         ) -> list[ReferralLine]:  # fmt: skip
    """Inside a session: the referrals of a case or of a person that the account sees (the
    store's reading rules leave out the cases it does not see and the pathways kept from its
    role), newest first."""
    q = (
        select(Referral, Case.reference, Person.full_name)
        .join(Case, Case.id == Referral.case_id)
        .join(Person, Person.id == Referral.person_id)
        .where(Referral.voided.is_(False), Case.voided.is_(False))
        .order_by(Referral.referred_on.desc(), Referral.created_at.desc())
    )
    if case_id is not None:
        q = q.where(Referral.case_id == case_id)
    if person_id is not None:
        q = q.where(Referral.person_id == person_id)
    return [
        ReferralLine(r.id, r.case_id, ref, r.person_id, name, r.pathway, r.referred_on,
                     r.referred_by, r.reference, r.outcome, r.outcome_on, r.created_at)
        for r, ref, name in s.execute(q)
    ]  # fmt: skip


def for_case(store, case_id: uuid.UUID) -> list[ReferralLine]:
    with store.read() as s:
        return read(s, case_id=case_id)
