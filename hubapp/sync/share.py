"""Sharing a case with another hub, and taking it back (online: the other hub must be told).

Sharing adds a ``case_share`` row and, in the same transaction, change log entries addressed
to the other hub (``audience_hub``) carrying the current state of the case, its child rows
and the people, places and meetings they point at: the other hub's stations receive them on
their next pull, although these rows were logged long before their cursors. Unsharing deletes
the share and addresses ``forget`` entries to the other hub, whose stations then delete those
rows (people and places still used by their own rows are kept). Only the owning hub may share.

Sharing is a disclosure of personal data to another hub: :func:`share` and :func:`unshare`
(what the command line and the case window use) find the case by its reference here and
write the audit entry, with the receiving hub, in the station's own log once the central
database has committed the share.
"""

from __future__ import annotations

import uuid

from psycopg.types.json import Jsonb

from hubapp.sync import capture
from hubapp.sync.central import CentralError, connect, find_hub
from hubapp.sync.engine import LOCK_KEY


def _case_rows(conn, case_id: uuid.UUID) -> list[tuple]:
    rows = conn.execute(
        "SELECT tbl, id, fields, refs FROM record WHERE case_id = %s", (case_id,)
    ).fetchall()
    refs = {r for row in rows for r in row[3]}
    ref_rows = conn.execute(
        "SELECT tbl, id, fields, refs FROM record WHERE id = ANY(%s)", (list(refs),)
    ).fetchall()
    order = capture.captured_tables()
    both = {r[1]: r for r in [*ref_rows, *rows]}
    return sorted(both.values(), key=lambda r: order.index(r[0]) if r[0] in order else 99)


def _owned_case(conn, case_id: uuid.UUID) -> uuid.UUID:
    me = conn.execute("SELECT hubapp_my_hub()").fetchone()[0]
    row = conn.execute(
        "SELECT hub_id FROM record WHERE id = %s AND tbl = 'case_'", (case_id,)
    ).fetchone()
    if row is None:
        raise CentralError("That case is not in the central database yet; sync first.")
    if row[0] != me:
        raise CentralError("Only the case's own hub can share it or stop sharing it.")
    return me


def share_case(url: str, case_id: uuid.UUID, hub: str) -> int:
    """Share a case with another hub; return the number of rows sent to it."""
    target, _code, name = find_hub(hub)
    with connect(url) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        me = _owned_case(conn, case_id)
        if target == me:
            raise CentralError(f"The case already belongs to {name}.")
        conn.execute(
            "INSERT INTO case_share (case_id, hub_id, owner_hub, shared_by)"
            " VALUES (%s, %s, %s, hubapp_my_station()) ON CONFLICT DO NOTHING",
            (case_id, target, me),
        )
        rows = _case_rows(conn, case_id)
        conn.cursor().executemany(
            "INSERT INTO change (tbl, row_id, hub_id, case_id, audience_hub, kind, fields,"
            " station_id) VALUES (%s, %s, %s, %s, %s, 'snapshot', %s, hubapp_my_station())",
            [(t, rid, me, case_id, target, Jsonb(f)) for t, rid, f, _r in rows],
        )
    return len(rows)


def unshare_case(url: str, case_id: uuid.UUID, hub: str) -> int:
    """Stop sharing a case with a hub; return the number of rows that hub is told to forget."""
    target, _code, name = find_hub(hub)
    with connect(url) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        me = _owned_case(conn, case_id)
        gone = conn.execute(
            "DELETE FROM case_share WHERE case_id = %s AND hub_id = %s", (case_id, target)
        ).rowcount
        if not gone:
            raise CentralError(f"The case is not shared with {name}.")
        rows = _case_rows(conn, case_id)
        still = {r[0] for r in conn.execute("SELECT hubapp_ref_ids(%s)", (target,))}
        forget = [
            r for r in reversed(rows)
            if r[0] not in ("person", "place", "meeting") or r[1] not in still
        ]  # fmt: skip
        conn.cursor().executemany(
            "INSERT INTO change (tbl, row_id, hub_id, case_id, audience_hub, kind, fields,"
            " station_id) VALUES (%s, %s, %s, %s, %s, 'forget', '{}', hubapp_my_station())",
            [(t, rid, me, case_id, target) for t, rid, _f, _r in forget],
        )
    return len(forget)


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


def _audit(store, case_id: uuid.UUID, reference: str, hub: str, *, shared: bool, rows: int):
    from hubapp.store import audit

    _id, code, name = find_hub(hub)
    if shared:
        kind, details = audit.Kind.DISCLOSURE, {
            "to": f"{name} hub", "to_hub": code, "reference": reference, "rows": rows,
            "via": "central database",
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


def share(store, url: str, reference: str, hub: str) -> tuple[str, str, int]:
    """Share the case ``reference`` with ``hub``; (reference, hub name, rows sent). The audit
    log records the disclosure and the receiving hub."""
    case_id, ref = find_case(store, reference)
    _id, _code, name = find_hub(hub)
    rows = share_case(url, case_id, hub)
    _audit(store, case_id, ref, hub, shared=True, rows=rows)
    return ref, name, rows


def unshare(store, url: str, reference: str, hub: str) -> tuple[str, str, int]:
    """Stop sharing the case ``reference`` with ``hub``; (reference, hub name, rows the hub
    is told to forget)."""
    case_id, ref = find_case(store, reference)
    _id, _code, name = find_hub(hub)
    rows = unshare_case(url, case_id, hub)
    _audit(store, case_id, ref, hub, shared=False, rows=rows)
    return ref, name, rows
