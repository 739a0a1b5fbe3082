"""Which hub and station this database belongs to (the first-start questions)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from hubapp import settings
from hubapp.domain.text import has_control, match_key, one_line
from hubapp.store.errors import StoreError
from hubapp.store.schema import Hub, Station

STATION_KEY = "station_id"


@dataclass(frozen=True)
class StationInfo:
    station_id: uuid.UUID
    station_name: str
    hub_id: uuid.UUID
    hub_code: str
    hub_name: str


def station_id(store) -> uuid.UUID | None:
    with store.read() as s:
        return station_in(s)


def station_in(s) -> uuid.UUID | None:
    """Inside a session: this database's station's id (None before the first start)."""
    return settings.local(s)[STATION_KEY]


def current(store) -> StationInfo | None:
    """This database's station, or None before the first-start questions are answered."""
    with store.read() as s:
        sid = station_in(s)
        if sid is None:
            return None
        station = s.get(Station, sid)
        if station is None:
            return None
        hub = s.get(Hub, station.hub_id)
        return StationInfo(station.id, station.name, hub.id, hub.code, hub.name)


@dataclass(frozen=True)
class HubChoice:
    code: str
    name: str
    base: str
    active: bool


def hub_choices(store) -> list[HubChoice]:
    """The hubs offered at first start, active ones first, in name order."""
    with store.read() as s:
        hubs = s.scalars(select(Hub).where(Hub.voided.is_(False)))
        choices = [HubChoice(h.code, h.name, h.base, h.active) for h in hubs]
    return sorted(choices, key=lambda h: (not h.active, h.name))


def find_hub(store, text: str) -> Hub:
    """The hub named by code or name, ignoring case, spacing and punctuation."""
    key = match_key(text)
    with store.read() as s:
        hubs = list(s.scalars(select(Hub).where(Hub.voided.is_(False))))
    for hub in hubs:
        if key in (match_key(hub.code), match_key(hub.name)):
            return hub
    names = ", ".join(f"{h.name} ({h.code})" for h in hubs)
    raise StoreError(f"There is no hub called '{text}'; the hubs are: {names}.")


def configure(store, hub_text: str, station_name: str) -> StationInfo:
    """Answer the first-start questions: this PC is station NAME of hub HUB."""
    station_name = one_line(station_name)
    if not station_name:
        raise StoreError("The station name must not be empty.")
    if len(station_name) > 120:
        raise StoreError("The station name is too long (at most 120 characters).")
    if has_control(station_name):
        raise StoreError("The station name must not contain control characters.")
    from hubapp.store import access
    from hubapp.store.roles import Op

    access.require(store, Op.SETUP)
    hub = find_hub(store, hub_text)
    if not hub.active:
        raise StoreError(f"The {hub.name} hub is not open yet; choose another hub.")
    with store.write(reason="station set-up") as s:
        station = s.scalars(
            select(Station).where(Station.hub_id == hub.id, Station.name == station_name)
        ).first()
        if station is None:
            station = Station(id=uuid.uuid4(), hub_id=hub.id, name=station_name)
            s.add(station)
        settings.local(s)[STATION_KEY] = station.id
        sid = station.id
    store.forget_station()
    return StationInfo(sid, station_name, hub.id, hub.code, hub.name)
