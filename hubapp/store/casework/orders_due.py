"""Orders ending or due: the hub's list of tools and powers with a date coming up.

Within ``days`` (28 by default) of today, for the live interventions (active or breached) of
the cases the account sees, and for the hub's area orders:

* **ends**: its end date (an intervention's ``expires_on``, a PSPO's);
* **appeal closes**: the last day to appeal (a CPN: 21 days from issue, s.46(1));
* **review due**: the yearly review of an order against someone still under 18 at the review
  (a CBO: every 12 months from the day it takes effect, s.28);
* **court hearing**: the hearing a closure notice leads to (within 48 hours, s.80(3)).

The dates come from :mod:`hubapp.domain.powers` and the rules table in ``interventions.toml``.
One query for the interventions (the case rule of :mod:`hubapp.store.access` applies to it as to
every read of a case's rows) and one for the area orders; the list is in date order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import and_, or_, select

from hubapp.domain import powers
from hubapp.domain.clock import local_today
from hubapp.domain.codes import InterventionStatus
from hubapp.store.schema import Case, Hub, HubOrder, Intervention, InterventionType, Person, Place

DEFAULT_DAYS = 28
MAX_DAYS = 366
LIVE = (InterventionStatus.ACTIVE.value, InterventionStatus.BREACHED.value)


class DueKind(StrEnum):
    ENDS = "ends"
    APPEAL = "appeal_closes"
    REVIEW = "review_due"
    HEARING = "court_hearing"

    @property
    def label(self) -> str:
        return {"ends": "Ends", "appeal_closes": "Appeal window closes",
                "review_due": "Review due (under 18)", "court_hearing": "Court hearing"}[self.value]  # fmt: skip


@dataclass(frozen=True)
class DueItem:
    on: date
    kind: DueKind
    hub_code: str
    #: the power's name (an intervention's type, an area order's title)
    title: str
    #: the person or place it is against, or the area of an area order
    against: str
    #: the statutory section the date comes from ("" for an end date)
    section: str = ""
    case_id: uuid.UUID | None = None
    case_reference: str = ""
    intervention_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    #: made against a person (``against`` is their name), and whether they are locked down
    #: (a printed list names them under the redaction profile)
    against_person: bool = False
    locked_down: bool = False

    def as_dict(self) -> dict:
        return {
            "date": self.on.isoformat(), "kind": self.kind.value, "what": self.kind.label,
            "hub": self.hub_code, "title": self.title, "against": self.against,
            "section": self.section, "case": self.case_reference or None,
            "intervention_id": self.intervention_id.hex if self.intervention_id else None,
            "order_id": self.order_id.hex if self.order_id else None,
        }  # fmt: skip


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_days(days: int) -> str | None:
    """The sentence for a number of days the list cannot use, or None."""
    if not 1 <= days <= MAX_DAYS:
        return f"Give the number of days ahead from 1 to {MAX_DAYS}."
    return None


def due(store, days: int = DEFAULT_DAYS, hub_id: uuid.UUID | None = None, *,
        today: date | None = None) -> list[DueItem]:  # fmt: skip
    """What ends or falls due from ``today`` to ``days`` ahead (of one hub, or every hub the
    account sees), in date order."""
    with store.read() as s:
        return read_due(s, days, hub_id, today=today)


def read_due(s, days: int = DEFAULT_DAYS, hub_id: uuid.UUID | None = None, *,
             today: date | None = None) -> list[DueItem]:  # fmt: skip
    today = today or local_today()
    horizon = today + timedelta(days=days)
    rules = powers.shipped()
    appeal = {c: r for c, r in rules.items() if r.appeal_days}
    review = {c: r for c, r in rules.items() if r.under_18_review_months}
    longest_appeal = max((r.appeal_days or 0 for r in appeal.values()), default=0)
    conditions = [
        and_(Intervention.expires_on >= today, Intervention.expires_on <= horizon),
        and_(Intervention.hearing_on >= today, Intervention.hearing_on <= horizon),
    ]
    if appeal:
        conditions.append(and_(InterventionType.code.in_(appeal),
                               Intervention.issued_on >= today - timedelta(days=longest_appeal)))  # fmt: skip
    if review:
        # under 18 at some review: born less than 18 years before the horizon
        conditions.append(and_(InterventionType.code.in_(review),
                               Person.date_of_birth > _years_before(today, powers.ADULT)))  # fmt: skip
    q = (
        select(Intervention.id, Intervention.case_id, Case.reference, Hub.code,
               InterventionType.code, InterventionType.name, Intervention.issued_on,
               Intervention.expires_on, Intervention.hearing_on, Person.full_name,
               Person.date_of_birth, Person.locked_down, Place.name)
        .join(Case, Case.id == Intervention.case_id)
        .join(Hub, Hub.id == Case.hub_id)
        .join(InterventionType, InterventionType.id == Intervention.intervention_type_id)
        .outerjoin(Person, Person.id == Intervention.person_id)
        .outerjoin(Place, Place.id == Intervention.place_id)
        .where(Intervention.voided.is_(False), Case.voided.is_(False),
               Intervention.status.in_(LIVE), or_(*conditions))
    )  # fmt: skip
    if hub_id is not None:
        q = q.where(Case.hub_id == hub_id)
    items: list[DueItem] = []
    for (iid, case_id, ref, hub, code, name, issued, expires, hearing, person, born, locked,
         place) in s.execute(q):  # fmt: skip
        limits = rules.get(code) or powers.Limits(code, name)
        base = dict(hub_code=hub, title=name, against=person or place or "", case_id=case_id,
                    case_reference=ref, intervention_id=iid, against_person=person is not None,
                    locked_down=bool(locked))  # fmt: skip
        if expires is not None and today <= expires <= horizon:
            items.append(DueItem(expires, DueKind.ENDS, **base))
        if hearing is not None and today <= hearing <= horizon:
            items.append(DueItem(hearing, DueKind.HEARING, section=limits.hearing_section,
                                 **base))  # fmt: skip
        by = powers.appeal_by(limits, issued)
        if by is not None and today <= by <= horizon:
            items.append(DueItem(by, DueKind.APPEAL, section=limits.appeal_section, **base))
        if person is not None:
            review_on = powers.next_review(limits, issued, born, today)
            if review_on is not None and review_on <= horizon and (
                    expires is None or review_on <= expires):  # fmt: skip
                items.append(DueItem(review_on, DueKind.REVIEW,
                                     section=limits.under_18_review_section, **base))  # fmt: skip
    oq = (select(HubOrder.id, HubOrder.title, HubOrder.area, HubOrder.expires_on, Hub.code)
          .join(Hub, Hub.id == HubOrder.hub_id)
          .where(HubOrder.voided.is_(False), HubOrder.expires_on >= today,
                 HubOrder.expires_on <= horizon))  # fmt: skip
    if hub_id is not None:
        oq = oq.where(HubOrder.hub_id == hub_id)
    for oid, title, area, expires, hub in s.execute(oq):
        items.append(DueItem(expires, DueKind.ENDS, hub, title, area, order_id=oid))
    items.sort(key=lambda i: (i.on, i.hub_code, i.case_reference, i.title, i.kind.value))
    return items
