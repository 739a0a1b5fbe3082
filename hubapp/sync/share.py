"""Sharing a case with another hub, and taking it back (online: the other hub must be told).

The central database does the work (``hubapp_share`` / ``hubapp_unshare``, central revision
c0006) and checks it itself: only the case's own hub may share it or end a share, and the
rows sent are central's own, not what the station claims. Sharing adds a ``case_share`` row
and log entries addressed to the other hub with the current state of the case, its rows and
the people, places and meetings they point at (a locked-down person arrives there with their
name only); the other hub's stations receive them on their next pull, although these rows
were logged long before their cursors. Ending a share deletes it and addresses ``forget``
entries to the other hub, whose stations delete those rows (what the other hub still sees
another way is kept); from then on it can neither read nor change the case.

Sharing is a disclosure of personal data to another hub: :func:`share` and :func:`unshare`
(what the command line and the case window use) find the case by its reference here and
write the audit entry, with the receiving hub, in the station's own log once the central
database has committed the share.

Before anything is sent, the basis is checked (``hubapp.store.admin.sharing``): this hub's
agreement with the police force, through which the hubs share with each other (each station
holds only its own hub's register). Without a current one, :func:`share` is refused with
``NoAgreement`` unless a coordinator or an administrator gives a ``reason``; the audit entry
names the basis either way.
"""

from __future__ import annotations

import uuid

from hubapp.store import access
from hubapp.sync.central import CentralError, _first_line, connect, find_hub

#: what the central database's refusals say, by the hint it gives (with the hub's name)
REFUSALS = {
    "not_synced": "That case is not one this hub can see in the central database; if it is "
    "new, sync first.",
    "not_owner": "Only the case's own hub can share it or stop sharing it.",
    "own_hub": "The case already belongs to {hub}.",
    "not_shared": "The case is not shared with {hub}.",
}


def _call(url: str, procedure: str, case_id: uuid.UUID, hub: str) -> int:
    import psycopg

    target, _code, name = find_hub(hub)
    with connect(url, autocommit=True) as conn:
        try:
            (rows,) = conn.execute(f"CALL {procedure}(%s, %s, NULL)", (case_id, target)).fetchone()
        except psycopg.errors.RaiseException as exc:
            sentence = REFUSALS.get(exc.diag.message_hint or "")
            if sentence is None:
                raise CentralError(exc.diag.message_primary or _first_line(exc)) from None
            raise CentralError(sentence.format(hub=name)) from None
        except psycopg.errors.UndefinedFunction:
            raise CentralError(
                "The central database is older than this version of hubapp: an administrator "
                "must run 'hubapp central init' with this version first."
            ) from None
    return rows


def share_case(url: str, case_id: uuid.UUID, hub: str) -> int:
    """Share a case with another hub; return the number of rows sent to it."""
    return _call(url, "hubapp_share", case_id, hub)


def unshare_case(url: str, case_id: uuid.UUID, hub: str) -> int:
    """Stop sharing a case with a hub; return the number of rows that hub is told to forget."""
    return _call(url, "hubapp_unshare", case_id, hub)


# --- for people: by reference, audited ------------------------------------------------------

#: what sharing says when the central database cannot be reached
OFFLINE = (
    "Sharing needs the central database, which cannot be reached now; try again when this PC "
    "is online."
)


def find_hub_or_fail(hub: str) -> str:
    """The hub's name, or the sentence listing the hubs."""
    return find_hub(hub)[2]


def find_case(store, reference: str) -> tuple[uuid.UUID, str]:
    """(id, reference) of the case with this reference here, or a sentence."""
    from sqlalchemy import func, select

    from hubapp.store.schema import Case

    wanted = " ".join(reference.split()).upper()
    if not wanted:
        raise CentralError("Give the case's reference, e.g. CAR-2026-0042.")
    with store.read() as s:
        row = s.execute(
            select(Case.id, Case.reference).where(func.upper(Case.reference) == wanted)
        ).first()
    if row is None:
        raise CentralError(f"There is no case {wanted} on this station.")
    return row[0], row[1]


def _hub_names() -> dict[uuid.UUID, tuple[str, str]]:
    from hubapp.store import refdata

    return {
        refdata.ref_id("hub", h["code"]): (h["code"], h["name"])
        for h in refdata.read("hubs.toml")["hub"]
    }


def shared_hubs(url: str, case_id: uuid.UUID, *, timeout: float = 10.0) -> list[str]:
    """The names of the hubs a case is shared with, in name order (the owner's view)."""
    names = _hub_names()
    with connect(url, timeout=timeout) as conn, conn.transaction():
        found = [r[0] for r in conn.execute(
            "SELECT hub_id FROM case_share WHERE case_id = %s", (case_id,))]  # fmt: skip
    return sorted(names.get(h, (str(h), str(h)))[1] for h in found)


def _audit(store, case_id: uuid.UUID, reference: str, hub: str, *, shared: bool, rows: int,
           basis: dict[str, str] | None = None):  # fmt: skip
    from hubapp.store import audit

    _id, code, name = find_hub(hub)
    if shared:
        kind, details = audit.Kind.DISCLOSURE, {
            "to": f"{name} hub", "to_hub": code, "reference": reference, "rows": rows,
            "via": "central database", "basis": basis or {},
        }  # fmt: skip
        reason = f"case {reference} shared with {name}"
    else:
        kind, details = audit.Kind.ALTERATION, {
            "sharing_ended": f"{name} hub", "to_hub": code, "reference": reference,
            "rows_to_forget": rows,
        }  # fmt: skip
        reason = f"case {reference} no longer shared with {name}"
    with store.write(reason=reason) as s:
        audit.record(s, kind, "case_", [case_id.hex], details, reason=reason)


def share(store, url: str, reference: str, hub: str, *,
          reason: str | None = None) -> tuple[str, str, int]:  # fmt: skip
    """Share the case ``reference`` with ``hub``; (reference, hub name, rows sent). The audit
    log records the disclosure, the receiving hub and the basis; without a current agreement
    with the police, ``reason`` is needed (see the module notes)."""
    access.require(store, access.Op.SHARE)  # the role matrix (hubapp.store.roles)
    case_id, ref = find_case(store, reference)
    _id, _code, name = find_hub(hub)
    basis = check_basis(store, case_id, ref, reason)
    rows = share_case(url, case_id, hub)
    _audit(store, case_id, ref, hub, shared=True, rows=rows, basis=basis)
    return ref, name, rows


def check_basis(store, case_id: uuid.UUID, reference: str,
                reason: str | None = None) -> dict[str, str]:  # fmt: skip
    """{agency: basis} for sharing the case with another hub: its hub's agreement with the
    police; ``NoAgreement`` without a current one and without ``reason``."""
    from hubapp.store.admin import sharing
    from hubapp.store.schema import Case

    with store.read() as s:
        hub_id = s.get(Case, case_id).hub_id
        police = sharing.police_agencies(s, hub_id)
        found = sharing.check_disclosure(s, hub_id, police, reason=reason,
                                         what=f"case {reference}")  # fmt: skip
    return sharing.basis_details(found)


def unshare(store, url: str, reference: str, hub: str) -> tuple[str, str, int]:
    """Stop sharing the case ``reference`` with ``hub``; (reference, hub name, rows the hub
    is told to forget)."""
    access.require(store, access.Op.SHARE)  # the role matrix (hubapp.store.roles)
    case_id, ref = find_case(store, reference)
    _id, _code, name = find_hub(hub)
    rows = unshare_case(url, case_id, hub)
    _audit(store, case_id, ref, hub, shared=False, rows=rows)
    return ref, name, rows
