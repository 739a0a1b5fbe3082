"""Reference data (hubs, agencies, categories, channels, tools and powers) from resources/refdata.

Loading is idempotent and keyed by code: a first start loads everything; a newer version
that ships a new hub or category adds just that; nothing an administrator changed in the app
is overwritten.
"""

from __future__ import annotations

import logging
import tomllib
import uuid
from typing import Any

from sqlalchemy import func, select

from hubapp import resources
from hubapp.store.schema import (
    Agency,
    AgencyType,
    Category,
    Channel,
    Hub,
    HubAgency,
    InterventionType,
)

log = logging.getLogger(__name__)


#: Reference rows get ids derived from their codes, so every station that loads the same
#: reference data has the same ids and central sync sees one hub, not one per station.
NAMESPACE = uuid.UUID("6f6b2b1e-2f0c-4d1e-9a57-1c0b6e2d9a10")


def ref_id(table: str, code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{table}:{code}")


def read(name: str) -> dict[str, Any]:
    with resources.refdata(name).open("rb") as fh:
        return tomllib.load(fh)


def ensure(store) -> None:
    """Load whatever reference data the database lacks."""
    with store.read() as s:
        have_hubs = s.scalar(select(func.count()).select_from(Hub))
        have_channels = s.scalar(select(func.count()).select_from(Channel))
        have_tools = s.scalar(select(func.count()).select_from(InterventionType))
    if have_hubs and have_channels and have_tools:
        return
    load(store)


def load(store) -> dict[str, int]:
    hubs = read("hubs.toml")["hub"]
    agencies = read("agencies.toml")
    categories = read("categories.toml")["category"]
    channels = read("channels.toml")["channel"]
    tools = read("interventions.toml")["intervention_type"]
    added: dict[str, int] = {}
    with store.write(reason="reference data") as s:

        def existing(model):
            return {row.code: row for row in s.scalars(select(model))}

        have = existing(Hub)
        for h in hubs:
            if h["code"] not in have:
                have[h["code"]] = hub = Hub(
                    id=ref_id("hub", h["code"]), code=h["code"], name=h["name"], base=h["base"], town=h["town"],
                    council_code=h.get("council"), active=h.get("active", True),
                )  # fmt: skip
                s.add(hub)
                added["hub"] = added.get("hub", 0) + 1
        hub_by_code = have

        types = existing(AgencyType)
        for t in agencies["agency_type"]:
            if t["code"] not in types:
                types[t["code"]] = row = AgencyType(
                    id=ref_id("agency_type", t["code"]), code=t["code"], name=t["name"]
                )
                s.add(row)

        have_agencies = existing(Agency)
        for position, a in enumerate(agencies["agency"]):
            if a["code"] in have_agencies:
                continue
            agency = Agency(
                id=ref_id("agency", a["code"]), code=a["code"], name=a["name"], short_name=a["short"],
                agency_type_id=types[a["type"]].id,
            )  # fmt: skip
            s.add(agency)
            codes = hub_by_code.keys() if a["hubs"] == ["*"] else a["hubs"]
            for code in codes:
                s.add(
                    HubAgency(
                        id=ref_id("hub_agency", f"{code}/{a['code']}"),
                        hub_id=hub_by_code[code].id,
                        agency_id=agency.id,
                        position=position,
                    )
                )
            added["agency"] = added.get("agency", 0) + 1

        for model, rows in ((Category, categories), (Channel, channels)):
            have_rows = existing(model)
            for r in rows:
                if r["code"] not in have_rows:
                    s.add(
                        model(
                            id=ref_id(model.__tablename__, r["code"]),
                            code=r["code"],
                            name=r["name"],
                        )
                    )
                    added[model.__tablename__] = added.get(model.__tablename__, 0) + 1

        have_tools = existing(InterventionType)
        for t in tools:
            if t["code"] not in have_tools:
                s.add(
                    InterventionType(
                        id=ref_id("intervention_type", t["code"]),
                        code=t["code"],
                        name=t["name"],
                        applies_to=t.get("applies_to", "either"),
                        active=t.get("active", True),
                    )
                )
                added["intervention_type"] = added.get("intervention_type", 0) + 1
    if added:
        log.info("Loaded reference data: %s", added)
    return added
