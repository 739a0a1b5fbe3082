"""Orders ending or due: the hub's list of tools and powers with a date coming up.

Within ``days`` (28 by default) of today, for the live interventions (active or breached) of
the cases the account sees, and for the hub's area orders:

* **ends**: its end date (an intervention's ``expires_on``, a PSPO's);
* **appeal closes**: the last day to appeal (a CPN: 21 days from issue, s.46(2));
* **review due**: the yearly review of an order against someone still under 18 at the review
  (a CBO: every 12 months from the day it takes effect, Sentencing Act 2020 s.337);
* **court hearing**: the hearing a closure notice leads to (within 48 hours, s.80(3)).

The dates come from :mod:`hubapp.domain.powers` and the rules table in ``interventions.toml``.
The interventions are read alone first, in one pass over their table however many cases
there are (the case rule of :mod:`hubapp.store.access` applies to it as to every read of a
case's rows), then the cases, people and places of the few found, by their ids; then the area
orders. The list is in date order.
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


def _chunks(ids: list, size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def read_due(s, days: int = DEFAULT_DAYS, hub_id: uuid.UUID | None = None, *,
             today: date | None = None) -> list[DueItem]:  # fmt: skip
    today = today or local_today()
    horizon = today + timedelta(days=days)
    rules = powers.shipped()
    types = {tid: (code, name) for tid, code, name in s.execute(
        select(InterventionType.id, InterventionType.code, InterventionType.name))}  # fmt: skip
    appeal = [tid for tid, (code, _n) in types.items() if (rules.get(code)
              and rules[code].appeal_days)]  # fmt: skip
    review = [tid for tid, (code, _n) in types.items() if (rules.get(code)
              and rules[code].under_18_review_months)]  # fmt: skip
    longest_appeal = max((rules[types[t][0]].appeal_days for t in appeal), default=0)
    conditions = [
        and_(Intervention.expires_on >= today, Intervention.expires_on <= horizon),
        and_(Intervention.hearing_on >= today, Intervention.hearing_on <= horizon),
    ]
    if appeal:
        conditions.append(and_(Intervention.intervention_type_id.in_(appeal),
                               Intervention.issued_on >= today - timedelta(days=longest_appeal)))  # fmt: skip
    if review:  # whether they are under 18 at the review is worked out below
        conditions.append(Intervention.intervention_type_id.in_(review))
    # first the interventions alone (one pass over their table, whatever the number of cases;
    # the case rule applies here), then what the list names of the few found, by their ids
    found = s.execute(
        select(Intervention.id, Intervention.case_id, Intervention.intervention_type_id,
               Intervention.person_id, Intervention.place_id, Intervention.issued_on,
               Intervention.expires_on, Intervention.hearing_on)
        .where(Intervention.voided.is_(False), Intervention.status.in_(LIVE), or_(*conditions))
    ).all()  # fmt: skip
    cases: dict[uuid.UUID, tuple[str, str]] = {}
    people: dict[uuid.UUID, tuple[str, date | None, bool]] = {}
    places: dict[uuid.UUID, str] = {}
    for ids in _chunks(sorted({r.case_id for r in found})):
        # the hub is told apart here, not in SQL: a condition on it makes SQLite walk the
        # hub's index (every case of the hub) instead of looking up these few by id
        q = (select(Case.id, Case.reference, Case.hub_id, Hub.code)
             .join(Hub, Hub.id == Case.hub_id)
             .where(Case.id.in_(ids), Case.voided.is_(False)))  # fmt: skip
        cases.update((cid, (ref, code)) for cid, ref, hub, code in s.execute(q)
                     if hub_id is None or hub == hub_id)  # fmt: skip
    wanted = [r for r in found if r.case_id in cases]
    for ids in _chunks(sorted({r.person_id for r in wanted if r.person_id is not None})):
        people.update((pid, (name, born, bool(locked))) for pid, name, born, locked in s.execute(
            select(Person.id, Person.full_name, Person.date_of_birth, Person.locked_down)
            .where(Person.id.in_(ids))))  # fmt: skip
    for ids in _chunks(sorted({r.place_id for r in wanted if r.place_id is not None})):
        places.update(s.execute(select(Place.id, Place.name).where(Place.id.in_(ids))).all())
    items: list[DueItem] = []
    for r in wanted:
        code, name = types.get(r.intervention_type_id, ("", ""))
        limits = rules.get(code) or powers.Limits(code, name)
        ref, hub = cases[r.case_id]
        person, born, locked = people.get(r.person_id, (None, None, False))
        base = dict(hub_code=hub, title=name, against=person or places.get(r.place_id, ""),
                    case_id=r.case_id, case_reference=ref, intervention_id=r.id,
                    against_person=person is not None, locked_down=locked)  # fmt: skip
        expires, hearing = r.expires_on, r.hearing_on
        if expires is not None and today <= expires <= horizon:
            items.append(DueItem(expires, DueKind.ENDS, **base))
        if hearing is not None and today <= hearing <= horizon:
            items.append(DueItem(hearing, DueKind.HEARING, section=limits.hearing_section,
                                 **base))  # fmt: skip
        by = powers.appeal_by(limits, r.issued_on)
        if by is not None and today <= by <= horizon:
            items.append(DueItem(by, DueKind.APPEAL, section=limits.appeal_section, **base))
        if person is not None:
            review_on = powers.next_review(limits, r.issued_on, born, today)
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
