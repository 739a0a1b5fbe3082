"""Area orders (hub-level orders): the PSPO register, and the cases that cite an order.

A Public Spaces Protection Order (Anti-social Behaviour, Crime and Policing Act 2014, s.59) is
made by a council over an area, not against a case's person or place: it is recorded once, as
a row of the hub (:class:`HubOrder`), and each case where the behaviour happens in that area
cites it (:class:`CaseOrder`, a row of the case, seen by whoever sees the case). Since
issue 17 a PSPO is not offered as a case intervention; older ones stay readable there.

Rules (:func:`validate` returns problems and never raises; the writes check again in the
transaction and raise :class:`CaseworkError`):

* a hub, a title and the council (agency) that made it; the date it was made (not in the
  future) and the date it ends, after it and at most 3 years later (s.60(1); the limit is
  ``max_months`` of the pspo rules in ``interventions.toml``); an extension (s.60(2)) moves the
  end to at most 3 years from the day it is extended;
* recording and changing orders needs ``Op.HUB_ORDERS`` (coordinators, police,
  administrators); citing one from a case is a change of the case (``Op.EDIT_CASE``), and only
  an order of the case's own hub may be cited, once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from hubapp.domain import powers
from hubapp.domain.clock import add_months, local_today
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access
from hubapp.store.casework.actions import EARLIEST_DATE
from hubapp.store.casework.assignments import case_for_update
from hubapp.store.casework.workflow import CaseworkError, refuse
from hubapp.store.errors import EditConflict, Problem, StoreError
from hubapp.store.roles import Op
from hubapp.store.schema import Agency, Case, CaseOrder, Hub, HubOrder

#: the only kind of area order so far
PSPO = "pspo"
TITLE_MAX = 200
TEXT_MAX = 4_000


def _max_months() -> int:
    return powers.limits_of(PSPO).max_months or 36


@dataclass(frozen=True)
class OrderDraft:
    hub_id: uuid.UUID | None
    title: str
    agency_id: uuid.UUID | None
    made_on: date | None
    expires_on: date | None
    area: str = ""
    prohibitions: str = ""
    notes: str = ""

    def cleaned(self) -> OrderDraft:
        return OrderDraft(
            self.hub_id, clean_line(self.title), self.agency_id, self.made_on, self.expires_on,
            clean_text(self.area), clean_text(self.prohibitions), clean_text(self.notes),
        )  # fmt: skip


@dataclass(frozen=True)
class OrderLine:
    """One area order, as the register lists it."""

    id: uuid.UUID
    row_version: int
    hub_id: uuid.UUID
    hub_code: str
    title: str
    area: str
    agency_id: uuid.UUID
    agency: str
    made_on: date
    expires_on: date | None
    prohibitions: str
    notes: str
    #: how many cases cite it (of those the account sees)
    cases: int

    def draft(self) -> OrderDraft:
        return OrderDraft(self.hub_id, self.title, self.agency_id, self.made_on,
                          self.expires_on, self.area, self.prohibitions, self.notes)  # fmt: skip

    def in_force(self, today: date) -> bool:
        return self.made_on <= today and (self.expires_on is None or self.expires_on >= today)


@dataclass(frozen=True)
class Cited:
    """An area order a case cites."""

    id: uuid.UUID
    order_id: uuid.UUID
    title: str
    area: str
    made_on: date
    expires_on: date | None
    notes: str


def validate(d: OrderDraft, today: date | None = None, *, extending: bool = False) -> list[Problem]:
    """Problems with a (cleaned) draft; ``extending``: an edit of a saved order (its end may
    move to at most 3 years from today, s.60(2))."""
    today = today or local_today()
    problems: list[Problem] = []
    if d.hub_id is None:
        problems.append(Problem("hub", "Choose the hub whose area it covers."))
    if not d.title:
        problems.append(Problem("title", "Give the order's title, as the council names it."))
    elif len(d.title) > TITLE_MAX:
        problems.append(Problem("title", f"Too long: at most {TITLE_MAX} characters."))
    if d.agency_id is None:
        problems.append(Problem("agency", "Choose the council that made it."))
    if d.made_on is None:
        problems.append(Problem("made_on", "Enter the date it was made."))
    elif d.made_on > today:
        problems.append(Problem("made_on", "The date it was made cannot be in the future."))
    elif d.made_on < EARLIEST_DATE:
        problems.append(Problem("made_on", "The date it was made is too far in the past; check "
                                           "the year."))  # fmt: skip
    months = _max_months()
    span = f"{months // 12} years" if months % 12 == 0 else f"{months} months"
    section = powers.limits_of(PSPO).max_section or "s.60(1)"
    if d.expires_on is None:
        problems.append(Problem("expires_on", f"Enter the date it ends: a PSPO lasts at most "
                                              f"{span} ({section})."))  # fmt: skip
    elif d.made_on is not None:
        start = max(d.made_on, today) if extending else d.made_on
        latest = add_months(datetime.combine(start, datetime.min.time()), months).date()
        if d.expires_on <= d.made_on:
            problems.append(Problem("expires_on", "The end date must be after the date it was "
                                                  "made."))  # fmt: skip
        elif d.expires_on > latest:
            from hubapp.domain.formatting import format_date

            what = (
                "extended, from today" if extending and start == today else "from when it is made"
            )
            problems.append(Problem("expires_on", f"A PSPO lasts at most {span} {what} "
                                                  f"({section}, s.60(2)): it can end on "
                                                  f"{format_date(latest)} at the latest."))  # fmt: skip
    for name in ("area", "prohibitions", "notes"):
        if len(getattr(d, name)) > TEXT_MAX:
            problems.append(Problem(name, f"Too long: at most {TEXT_MAX:,} characters."))
    return problems


def _check(s, d: OrderDraft) -> None:
    hub = s.get(Hub, d.hub_id)
    if hub is None or hub.voided:
        raise CaseworkError("That hub is not in this database.")
    agency = s.get(Agency, d.agency_id)
    if agency is None or agency.voided:
        raise CaseworkError("That agency is not in this database.")


def add(store, draft: OrderDraft, *, today: date | None = None) -> uuid.UUID:
    """Record an area order; return its id."""
    clean = draft.cleaned()
    access.require(store, Op.HUB_ORDERS)
    refuse(validate(clean, today))
    with store.write(reason="area order recorded") as s:
        _check(s, clean)
        row = HubOrder(
            id=uuid.uuid4(), hub_id=clean.hub_id, type_code=PSPO, title=clean.title,
            area=clean.area, agency_id=clean.agency_id, made_on=clean.made_on,
            expires_on=clean.expires_on, prohibitions=clean.prohibitions, notes=clean.notes,
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def _load(s, order_id: uuid.UUID, base_version: int | None = None) -> HubOrder:
    row = s.get(HubOrder, order_id)
    if row is None or row.voided:
        raise StoreError("This area order no longer exists.")
    if base_version is not None and row.row_version != base_version:
        raise EditConflict("This area order was changed by someone else since you opened it; "
                           "your changes were not saved. Open it again to see the new "
                           "version.")  # fmt: skip
    return row


def edit(store, order_id: uuid.UUID, base_version: int, draft: OrderDraft, *,
         today: date | None = None) -> int:  # fmt: skip
    """Change (or extend) an area order; return its new version."""
    clean = draft.cleaned()
    access.require(store, Op.HUB_ORDERS)
    refuse(validate(clean, today, extending=True))
    with store.write(reason="area order changed") as s:
        row = _load(s, order_id, base_version)
        _check(s, clean)
        for attr in ("hub_id", "title", "area", "agency_id", "made_on", "expires_on",
                     "prohibitions", "notes"):  # fmt: skip
            value = getattr(clean, attr)
            if getattr(row, attr) != value:
                setattr(row, attr, value)
        s.flush()
        return row.row_version


def orders(store, hub_id: uuid.UUID | None = None) -> list[OrderLine]:
    """The area orders (of one hub, or every hub), newest first."""
    with store.read() as s:
        return read_orders(s, hub_id)


def read_orders(s, hub_id: uuid.UUID | None = None) -> list[OrderLine]:
    cited = (select(CaseOrder.order_id, func.count().label("n"))
             .where(CaseOrder.voided.is_(False)).group_by(CaseOrder.order_id).subquery())  # fmt: skip
    q = (select(HubOrder, Hub.code, Agency.name, cited.c.n)
         .join(Hub, Hub.id == HubOrder.hub_id).join(Agency, Agency.id == HubOrder.agency_id)
         .outerjoin(cited, cited.c.order_id == HubOrder.id)
         .where(HubOrder.voided.is_(False)))  # fmt: skip
    if hub_id is not None:
        q = q.where(HubOrder.hub_id == hub_id)
    return [OrderLine(o.id, o.row_version, o.hub_id, code, o.title, o.area, o.agency_id, agency,
                      o.made_on, o.expires_on, o.prohibitions, o.notes, n or 0)
            for o, code, agency, n in s.execute(q.order_by(HubOrder.made_on.desc(),
                                                            HubOrder.title))]  # fmt: skip


def cite(store, case_id: uuid.UUID, order_id: uuid.UUID, notes: str = "") -> uuid.UUID:
    """The case cites an area order of its hub; return the citation's id."""
    notes = clean_text(notes)
    access.require_case_edit(store)  # partners and read-only do not (hubapp.store.access)
    if len(notes) > TEXT_MAX:
        raise CaseworkError(f"The note is too long: at most {TEXT_MAX:,} characters.",
                            [Problem("notes", f"Too long: at most {TEXT_MAX:,} characters.")])  # fmt: skip
    with store.write(reason="area order cited") as s:
        case = case_for_update(s, case_id)
        order = _load(s, order_id)
        if order.hub_id != case.hub_id:
            raise CaseworkError("That area order is another hub's; a case cites its own hub's.")
        already = s.scalar(select(CaseOrder.id).where(
            CaseOrder.case_id == case.id, CaseOrder.order_id == order.id,
            CaseOrder.voided.is_(False)))  # fmt: skip
        if already is not None:
            raise CaseworkError(f"{case.reference} already cites “{order.title}”.")
        row = CaseOrder(id=uuid.uuid4(), case_id=case.id, order_id=order.id, notes=notes)
        s.add(row)
        s.flush()
        return row.id


def uncite(store, case_order_id: uuid.UUID) -> None:
    """The case no longer cites the order."""
    access.require_case_edit(store)
    with store.write(reason="area order no longer cited") as s:
        row = s.get(CaseOrder, case_order_id)
        if row is None or row.voided:
            raise StoreError("The case no longer cites that order.")
        case_for_update(s, row.case_id)
        row.voided = True


def cited(store, case_id: uuid.UUID) -> list[Cited]:
    """The area orders a case cites."""
    with store.read() as s:
        q = (select(CaseOrder, HubOrder).join(HubOrder, HubOrder.id == CaseOrder.order_id)
             .where(CaseOrder.case_id == case_id, CaseOrder.voided.is_(False),
                    HubOrder.voided.is_(False)).order_by(HubOrder.title))  # fmt: skip
        return [Cited(c.id, o.id, o.title, o.area, o.made_on, o.expires_on, c.notes)
                for c, o in s.execute(q)]  # fmt: skip


def citable(store, case_id: uuid.UUID, today: date | None = None) -> list[OrderLine]:
    """The orders of the case's hub in force, that it does not cite yet."""
    today = today or local_today()
    with store.read() as s:
        case = s.get(Case, case_id)
        if case is None:
            return []
        have = set(s.scalars(select(CaseOrder.order_id).where(
            CaseOrder.case_id == case_id, CaseOrder.voided.is_(False))))  # fmt: skip
        return [o for o in read_orders(s, case.hub_id) if o.id not in have and o.in_force(today)]
