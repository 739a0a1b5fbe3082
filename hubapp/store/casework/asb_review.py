"""ASB Case Review ("Community Trigger") early warning.

A victim may ask for an ASB Case Review after three qualifying complaints in six months.
The hub should see it coming, per victim and per place, across every channel:

* a **complaint** about a victim is a report (contact) on a case in which that person is a
  victim or complainant; a complaint about a place is a report whose ``place_id`` is it;
* it **qualifies** when it was made within one month of the incident (a report without an
  incident time is taken as reporting something that had just happened);
* **one incident reported several times counts once**: reports with the same incident time
  about the same victim (or place) are one complaint, dated by the earliest report;
* a victim or place is **flagged** when 3 or more qualifying complaints were made within the
  6 months up to today, and shown as **approaching** at 2.

The numbers are read from ``resources/refdata/case_review.toml`` (the Act's defaults, with the
sections that set them); :mod:`hubapp.store.casework.case_review` runs the review itself.

:func:`count` is the rule itself, on plain values. :func:`for_case` reads what the case
view's banner needs (index lookups only); :func:`hub_list` scans one window of reports for
the whole hub (or every hub) in two queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from hubapp.domain.clock import add_months, local_today
from hubapp.store import access, refdata
from hubapp.store.schema import Case, CasePerson, CasePlace, Contact, Person, Place

_CONFIG = refdata.read("case_review.toml")["threshold"]
#: s.104(4): at least this many qualifying complaints (the procedures may set fewer)
THRESHOLD = int(_CONFIG.get("complaints", 3))
#: s.104(11): the application within six months of the complaint
WINDOW_MONTHS = int(_CONFIG.get("window_months", 6))
#: s.104(11): a complaint qualifies when made within one month of the behaviour
QUALIFY_MONTHS = int(_CONFIG.get("qualify_months", 1))
#: shown as approaching from this many (local practice)
APPROACHING = int(_CONFIG.get("approaching", THRESHOLD - 1))
#: the roles whose complaints count for a victim
VICTIM_ROLES = ("victim", "complainant")


def qualifies(received_at: datetime, incident_at: datetime | None) -> bool:
    """A complaint qualifies when made within one month of the incident."""
    if incident_at is None:
        return True
    return received_at <= add_months(incident_at, QUALIFY_MONTHS)


def window(today: date) -> tuple[datetime, datetime]:
    """The six months up to the end of ``today``: (start, end), start exclusive."""
    end = datetime.combine(today + timedelta(days=1), time.min)
    return add_months(end, -WINDOW_MONTHS), end


@dataclass(frozen=True)
class Tally:
    """Qualifying complaints about one victim or place in the window."""

    count: int
    first: datetime | None = None
    last: datetime | None = None

    @property
    def flagged(self) -> bool:
        return self.count >= THRESHOLD

    @property
    def approaching(self) -> bool:
        return APPROACHING <= self.count < THRESHOLD


def count(reports: Iterable[tuple[datetime, datetime | None]], today: date) -> Tally:
    """The rule: ``reports`` are (received_at, incident_at) about one victim or place."""
    start, end = window(today)
    incidents: dict[datetime, datetime] = {}  # incident -> earliest qualifying report
    for received, incident in reports:
        if not (start < received < end) or not qualifies(received, incident):
            continue
        key = incident if incident is not None else received
        known = incidents.get(key)
        if known is None or received < known:
            incidents[key] = received
    if not incidents:
        return Tally(0)
    dates = sorted(incidents.values())
    return Tally(len(dates), dates[0], dates[-1])


@dataclass(frozen=True)
class Warning:
    """A victim or place with qualifying complaints in the window."""

    kind: str  # "victim" or "place"
    subject_id: uuid.UUID
    name: str
    tally: Tally
    locked_down: bool = False

    @property
    def flagged(self) -> bool:
        return self.tally.flagged

    def describe(self) -> str:
        """One sentence for the banner or the list."""
        who = "Victim" if self.kind == "victim" else "Place"
        n = self.tally.count
        if self.flagged:
            return (f"{who} {self.name}: {n} qualifying complaints in 6 months – may ask for an "
                    "ASB Case Review.")  # fmt: skip
        return f"{who} {self.name}: {n} qualifying complaint{'s' * (n != 1)} in 6 months."


def _as_dt(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def read_for_case(s, case_id: uuid.UUID, today: date | None = None,
                  minimum: int = APPROACHING) -> list[Warning]:  # fmt: skip
    """The case's victims and places with at least ``minimum`` qualifying complaints."""
    today = today or local_today()
    start, end = window(today)
    out: list[Warning] = []
    victims = s.execute(
        select(Person.id, Person.full_name, Person.locked_down)
        .join(CasePerson, CasePerson.person_id == Person.id)
        .where(CasePerson.case_id == case_id, CasePerson.voided.is_(False),
               CasePerson.role.in_(VICTIM_ROLES))
    ).all()  # fmt: skip
    for person_id, name, locked in dict.fromkeys(victims):
        rows = s.execute(
            select(Contact.received_at, Contact.incident_at)
            .join(CasePerson, CasePerson.case_id == Contact.case_id)
            .where(CasePerson.person_id == person_id, CasePerson.voided.is_(False),
                   CasePerson.role.in_(VICTIM_ROLES), Contact.voided.is_(False),
                   Contact.received_at > start, Contact.received_at < end)
        ).all()  # fmt: skip
        tally = count(rows, today)
        if tally.count >= minimum and tally.count:
            out.append(Warning("victim", person_id, name, tally, bool(locked)))
    place_ids = set(
        s.scalars(select(CasePlace.place_id).where(CasePlace.case_id == case_id,
                                                    CasePlace.voided.is_(False)))
    )  # fmt: skip
    own = s.scalar(select(Case.place_id).where(Case.id == case_id))
    if own is not None:
        place_ids.add(own)
    for place_id in place_ids:
        rows = s.execute(
            select(Contact.received_at, Contact.incident_at).where(
                Contact.place_id == place_id, Contact.voided.is_(False),
                Contact.received_at > start, Contact.received_at < end)
        ).all()  # fmt: skip
        tally = count(rows, today)
        if tally.count >= minimum and tally.count:
            place = s.get(Place, place_id)
            name = ", ".join(p for p in (place.name, place.town) if p) if place else "?"
            out.append(Warning("place", place_id, name, tally))
    out.sort(key=lambda w: (-w.tally.count, w.kind, w.name))
    return out


def for_case(store, case_id: uuid.UUID, today: date | None = None,
             minimum: int = APPROACHING) -> list[Warning]:  # fmt: skip
    with store.read() as s:
        return read_for_case(s, case_id, today, minimum)


#: the same rule in SQL, on the text SQLite stores ('YYYY-MM-DD HH:MM:SS.ffffff'), which
#: compares in time order. The month is added with the day clamped (see add_months): the
#: smaller of SQLite's '+1 month' (which rolls 31 January over into March) and the last day
#: of the next month, at the incident's time of day.
_QUALIFIES_SQL = (
    f"(c.incident_at IS NULL OR c.received_at <= min(date(c.incident_at, '+{QUALIFY_MONTHS} "
    f"month'), date(c.incident_at, 'start of month', '+{QUALIFY_MONTHS + 1} months', '-1 day'))"
    " || substr(c.incident_at, 11))"
)
_KEY_SQL = "coalesce(c.incident_at, c.received_at)"


def hub_list(store, hub_id: uuid.UUID | None = None, today: date | None = None,
             minimum: int = THRESHOLD) -> list[Warning]:  # fmt: skip
    """Every victim and place (of the hub's cases, or of all hubs) with at least ``minimum``
    qualifying complaints in the six months up to ``today``; most complaints first.

    Counted in SQL (one aggregate query each for victims and places), the same rule as
    :func:`count`: a test holds the two together.
    """
    with store.read() as s:
        return _hub_list(s, hub_id, today, minimum)


def _hub_list(s, hub_id: uuid.UUID | None, today: date | None, minimum: int) -> list[Warning]:
    today = today or local_today()
    start, end = window(today)
    params = {
        "lo": start.isoformat(" ", "microseconds"),
        "hi": end.isoformat(" ", "microseconds"),
        "hub": hub_id.hex if hub_id is not None else None,
        "minimum": max(1, minimum),
    }
    # plain SQL, past the ORM's rules (hubapp.store.access.RAW_SQL): counted over the cases
    # the account may see, with the case rule (over the session's account, in it)
    on_case = ["k.hub_id = :hub"] if hub_id else []
    if (rule := access.case_condition(s, "k")) is not None:
        on_case.append(rule[0])
        params.update(rule[1])
    hub_join = f"JOIN case_ k ON k.id = c.case_id AND {' AND '.join(on_case)} " if on_case else ""
    where = (f"c.voided = 0 AND c.received_at > :lo AND c.received_at < :hi "
             f"AND {_QUALIFIES_SQL}")  # fmt: skip
    roles = ", ".join(f"'{r}'" for r in VICTIM_ROLES)
    queries = {
        "place": (
            f"SELECT c.place_id, count(DISTINCT {_KEY_SQL}), min(c.received_at), "
            f"max(c.received_at) FROM contact c {hub_join}"
            f"WHERE c.place_id IS NOT NULL AND {where} "
            "GROUP BY c.place_id HAVING count(DISTINCT " + _KEY_SQL + ") >= :minimum"
        ),
        "victim": (
            f"SELECT p.person_id, count(DISTINCT {_KEY_SQL}), min(c.received_at), "
            f"max(c.received_at) FROM contact c {hub_join}"
            # the window's reports first (a scan), then their cases' victims (an index)
            "CROSS JOIN case_person p ON p.case_id = c.case_id "
            f"WHERE p.role IN ({roles}) AND p.voided = 0 AND {where} "
            "GROUP BY p.person_id HAVING count(DISTINCT " + _KEY_SQL + ") >= :minimum"
        ),
    }
    out: list[Warning] = []
    conn = s.connection()
    for kind in ("victim", "place"):
        tallies = {
            uuid.UUID(hex=key): Tally(n, _as_dt(first), _as_dt(last))
            for key, n, first, last in conn.exec_driver_sql(queries[kind], params)
        }
        if not tallies:
            continue
        if kind == "victim":
            names = {
                p.id: (p.full_name, p.locked_down)
                for p in s.scalars(select(Person).where(Person.id.in_(list(tallies))))
            }
        else:
            names = {
                p.id: (", ".join(x for x in (p.name, p.town) if x), False)
                for p in s.scalars(select(Place).where(Place.id.in_(list(tallies))))
            }
        for key, tally in tallies.items():
            name, locked = names.get(key, ("?", False))
            out.append(Warning(kind, key, name, tally, bool(locked)))
    out.sort(key=lambda w: (-w.tally.count, w.kind, w.name))
    return out
