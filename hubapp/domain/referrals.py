"""Referral pathways as data (``resources/refdata/referrals.toml``; no database): code, name,
and the staff roles who see referrals of each (None: everyone who sees the case). The store's
reading rule (:mod:`hubapp.store.access`) and :mod:`hubapp.store.casework.referrals` read it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from hubapp.domain.codes import StaffRole


@dataclass(frozen=True)
class Pathway:
    code: str
    name: str
    #: the roles who see referrals of this pathway; None: everyone who sees the case
    seen_by: frozenset[StaffRole] | None = None


def parse(data: dict) -> tuple[Pathway, ...]:
    """The pathways from the TOML's values; ValueError for anything inconsistent."""
    out = []
    for p in data.get("pathway", []):
        seen = p.get("seen_by")
        out.append(Pathway(str(p["code"]), str(p["name"]),
                           None if seen is None else frozenset(StaffRole(r) for r in seen)))  # fmt: skip
    codes = [p.code for p in out]
    if not out or len(set(codes)) != len(codes):
        raise ValueError("referrals.toml needs pathways, each with a code of its own.")
    if any(len(c) > 24 for c in codes):
        raise ValueError("A referral pathway's code is at most 24 characters.")
    return tuple(out)


@cache
def pathways() -> tuple[Pathway, ...]:
    from hubapp import resources

    with resources.refdata("referrals.toml").open("rb") as fh:
        return parse(tomllib.load(fh))


def pathway(code: str) -> Pathway | None:
    return next((p for p in pathways() if p.code == code), None)


def hidden_from(role: StaffRole) -> tuple[str, ...]:
    """The pathways whose referrals ``role`` may not see (hubapp.store.access reads it)."""
    return tuple(sorted(p.code for p in pathways()
                        if p.seen_by is not None and role not in p.seen_by))  # fmt: skip


def name_of(code: str) -> str:
    found = pathway(code)
    return found.name if found is not None else code
