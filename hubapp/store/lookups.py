"""Small reference tables held in memory: names for the ids the case list returns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from hubapp.store.schema import Agency, Category, Channel, Hub


@dataclass(frozen=True)
class Named:
    id: uuid.UUID
    code: str
    name: str
    short: str
    active: bool = True


@dataclass(frozen=True)
class Lookups:
    hubs: dict[str, Named]  # keyed by the stored 32-digit hex id
    categories: dict[str, Named]
    channels: dict[str, Named]
    agencies: dict[str, Named]

    def hub_list(self, active_only: bool = False) -> list[Named]:
        return [h for h in self.hubs.values() if h.active or not active_only]

    def name(self, table: str, key: str | uuid.UUID | None, short: bool = False) -> str:
        if key is None:
            return ""
        if isinstance(key, uuid.UUID):
            key = key.hex
        item = getattr(self, table).get(key)
        if item is None:
            return ""
        return item.short if short else item.name


def load(store) -> Lookups:
    with store.read() as s:
        hubs = {
            h.id.hex: Named(h.id, h.code, h.name, h.code, h.active)
            for h in s.scalars(select(Hub).where(Hub.voided.is_(False)).order_by(Hub.name))
        }
        categories = {
            c.id.hex: Named(c.id, c.code, c.name, c.name, c.active)
            for c in s.scalars(select(Category).where(Category.voided.is_(False)))
        }
        channels = {
            c.id.hex: Named(c.id, c.code, c.name, c.name, c.active)
            for c in s.scalars(select(Channel).where(Channel.voided.is_(False)))
        }
        agencies = {
            a.id.hex: Named(a.id, a.code, a.name, a.short_name, a.active)
            for a in s.scalars(select(Agency).where(Agency.voided.is_(False)).order_by(Agency.name))
        }
    return Lookups(hubs, categories, channels, agencies)
