"""Agencies' parts in cases: the assignment grid (cases x agencies) and its rules.

An agency takes part in a case as **lead**, **support** or **informed** (one ``assignment``
row). The rules, enforced here inside the write transaction (``BEGIN IMMEDIATE``, so two
windows or two processes cannot both pass a check and then both write):

* A case has at most one lead. Making a second agency lead is refused; use
  :func:`hand_over_lead`, which turns the old lead into support and the new agency into lead
  in one transaction.
* An agency can only be given a part in a case (or be made its lead) if it takes part in the
  case's hub (``hub_agency``) and is active. Lowering or removing the part of an agency that
  has since left the hub is always allowed.
* An agency that still has open actions (open or in progress) on a case cannot be removed
  from it: complete or reassign the actions first.
* ``case_.lead_agency_id`` always follows the lead assignment (NULL without a lead). The
  assignment rows are the truth; the column is kept in step for the case list.
* Assignment rows are voided, never deleted. Giving an agency a part again reuses its most
  recent voided row, so there is exactly one live row per (case, agency).
* Every change is audited in the same transaction: besides the automatic entry for the row,
  an explicit ``assignment`` entry names the case, the agency and the role before and after.
* Giving an agency a part it did not have discloses the case to it: the hub's register of
  sharing agreements is checked first (``hubapp.store.admin.sharing.check_disclosure``).
  Without a current agreement the change is refused with ``NoAgreement`` (its sentence is
  the warning) unless a coordinator or an administrator gives a ``reason``; the explicit
  ``assignment`` entry names the basis (``basis``).

Reading the grid (:func:`cell_summaries`) is plain SQL with GROUP BY over the store's engine,
never ORM objects. Its cost grows with the filled cells (assignments and actions), not with
the grid's nominal size: a hub's 2,000 most recent cases across all its agencies (about
4,000 filled cells) take about 27 ms on a two-core machine; the extreme of 30 agencies each
with a part and actions in every one of 2,000 cases (60,000 filled cells) about 0.4 s. A
grid view should ask for the rows it shows (a page of 100-200 cases) rather than all of
them. ``benchmarks/bench_assignment_grid.py`` measures both.

Errors people can cause are :class:`RoleError` (one sentence, for the screen);
a case edited elsewhere since it was loaded is ``EditConflict``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hubapp.domain.codes import OPEN_ACTION_STATUSES, AgencyRole
from hubapp.domain.rag import Rag, group_rag
from hubapp.store import access, audit
from hubapp.store.admin import sharing
from hubapp.store.errors import EditConflict, StoreError
from hubapp.store.schema import Action, Agency, AgencyType, Assignment, Case, Hub, HubAgency

log = logging.getLogger(__name__)

#: case ids per query: well under SQLite's limit on bound parameters (999 before 3.32)
CHUNK = 500

#: strongest first: if sync ever leaves two live rows for one pair, the grid shows this one
_ROLE_RANK = {AgencyRole.LEAD.value: 0, AgencyRole.SUPPORT.value: 1, AgencyRole.INFORMED.value: 2}


class RoleError(StoreError):
    """A change to an agency's part in a case that the rules refuse (one clear sentence)."""


class LeadTaken(RoleError):
    """Another agency already leads the case: the lead must be handed over instead
    (:func:`hand_over_lead`). Carries the names, so a screen can say how it does that."""

    def __init__(self, lead: str, reference: str, agency: str, agency_short: str) -> None:
        super().__init__(
            f"{lead} is already the lead agency on {reference}; hand over the lead instead."
        )
        self.lead, self.reference = lead, reference
        self.agency, self.agency_short = agency, agency_short


@dataclass(frozen=True)
class AgencyColumn:
    """An agency taking part in a hub: one column of that hub's assignment grid."""

    id: uuid.UUID
    code: str
    name: str
    short_name: str
    type_name: str
    #: an inactive agency keeps its column (its existing work shows) but takes no new work
    active: bool = True


class Cell(NamedTuple):
    """One (case, agency) cell of the grid. Immutable; a tuple for speed (60,000 per grid)."""

    role: str | None  # lead, support, informed, or None (actions but no current part)
    open_actions: int  # open or in progress
    overdue: int  # open actions whose due date has passed
    next_due: date | None  # the earliest due date among the open actions
    rag: Rag  # red / amber / green over the open actions; NONE without open actions
    finished_actions: int  # done or cancelled


@dataclass(frozen=True)
class RoleChange:
    """One agency's part in one case, before and after a change (and the case's lead).

    ``undo_role(store, change)`` puts back ``old_role`` and ``old_lead_agency_id``.
    ``case_version`` is the case's row version after the change (for a following
    ``base_version``); it takes no part in comparisons.
    """

    case_id: uuid.UUID
    agency_id: uuid.UUID
    old_role: str | None
    new_role: str | None
    old_lead_agency_id: uuid.UUID | None
    new_lead_agency_id: uuid.UUID | None
    case_version: int = field(default=0, compare=False)

    @property
    def changed(self) -> bool:
        """False for a change that changed nothing (e.g. a case bulk_assign left alone)."""
        return self.old_role != self.new_role or self.old_lead_agency_id != self.new_lead_agency_id


# --- reading ------------------------------------------------------------------------------


def hub_agencies(store, hub_id: uuid.UUID) -> list[AgencyColumn]:
    """The agencies taking part in a hub, in the hub's column order (position, then name).

    Voided hub memberships and voided agencies are left out; inactive agencies are kept
    (with ``active=False``) so that their existing work still shows.
    """
    with store.read() as s:
        rows = s.execute(
            select(
                Agency.id, Agency.code, Agency.name, Agency.short_name, AgencyType.name,
                Agency.active,
            )
            .join(HubAgency, HubAgency.agency_id == Agency.id)
            .join(AgencyType, AgencyType.id == Agency.agency_type_id)
            .where(HubAgency.hub_id == hub_id, HubAgency.voided.is_(False),
                   Agency.voided.is_(False))
            .order_by(HubAgency.position, Agency.name)
        ).all()  # fmt: skip
    return [AgencyColumn(*row[:5], active=bool(row[5])) for row in rows]


_OPEN_SQL = "(" + ", ".join(f"'{s}'" for s in sorted(OPEN_ACTION_STATUSES)) + ")"

_ROLES_SQL = (
    "SELECT case_id, agency_id, role FROM assignment WHERE voided = 0 AND case_id IN ({marks})"
)
_ACTIONS_SQL = (
    "SELECT case_id, agency_id,"
    f" sum(status IN {_OPEN_SQL}),"
    f" min(CASE WHEN status IN {_OPEN_SQL} THEN due_on END),"
    f" sum(status IN {_OPEN_SQL} AND due_on < ?),"
    f" sum(status NOT IN {_OPEN_SQL})"
    " FROM action WHERE voided = 0 AND case_id IN ({marks})"
    " GROUP BY case_id, agency_id"
)


def _visible(conn, keys: list[str], rule: tuple[str, dict]) -> list[str]:
    """Those of the cases ``keys`` (hex ids) the case rule ``rule`` lets through."""
    seen: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        params: dict[str, object] = {f"k{i}": k for i, k in enumerate(keys[start : start + CHUNK])}
        sql = f"SELECT c.id FROM case_ c WHERE c.id IN (:{', :'.join(params)}) AND {rule[0]}"
        seen.update(r[0] for r in conn.exec_driver_sql(sql, {**params, **rule[1]}))
    return [k for k in keys if k in seen]


def cell_summaries(
    store,
    case_ids: Sequence[uuid.UUID],
    agency_ids: Sequence[uuid.UUID] | None = None,
    today: date | None = None,
) -> dict[tuple[uuid.UUID, uuid.UUID], Cell]:
    """The grid cells for these cases: ``{(case_id, agency_id): Cell}``.

    A pair appears if the agency has a live role on the case or any (non-voided) action on
    it; pairs with neither are absent (an empty cell). ``agency_ids`` limits the columns
    (None: every agency). ``today`` (default: the local date) decides the RAG colours with
    ``hubapp.domain.rag.group_rag``: red if an open action is overdue, amber if one is due
    within seven days, green otherwise, NONE if the agency has no open action there.

    Two SQL queries (roles; actions grouped by case and agency) per 500 cases, in one read
    transaction (one consistent snapshot). Call it with the cases a view shows, a page at a
    time: the cost is proportional to the filled cells (see the module notes).
    """
    today = today or date.today()
    cases = {c.hex: c for c in dict.fromkeys(case_ids)}
    if not cases:
        return {}
    agencies: dict[str, uuid.UUID] | None = None
    if agency_ids is not None:
        agencies = {a.hex: a for a in agency_ids}
        if not agencies:
            return {}

    roles: dict[tuple[str, str], str] = {}
    stats: list[tuple[str, str, int, str | None, int, int]] = []
    keys = list(cases)
    # plain SQL, past the ORM's rules (hubapp.store.access.RAW_SQL): the cases the account
    # may not see are left out first, with the case rule
    rule = access.case_condition(store, "c")
    with store.engine.connect() as conn, conn.begin():
        if rule is not None:
            keys = _visible(conn, keys, rule)
        # the driver's own cursor: plain tuples, several times faster than Result rows here;
        # both queries see one snapshot (the transaction begun above)
        cur = conn.connection.dbapi_connection.cursor()
        try:
            for start in range(0, len(keys), CHUNK):
                chunk = tuple(keys[start : start + CHUNK])
                marks = ",".join("?" * len(chunk))
                cur.execute(_ROLES_SQL.format(marks=marks), chunk)
                for case_hex, agency_hex, role in cur.fetchall():
                    key = (case_hex, agency_hex)
                    held = roles.get(key)
                    if held is None or _ROLE_RANK.get(role, 9) < _ROLE_RANK.get(held, 9):
                        roles[key] = role
                cur.execute(_ACTIONS_SQL.format(marks=marks), (today.isoformat(), *chunk))
                stats += cur.fetchall()
            if agencies is None:  # every agency: the (small) agency table names them all
                cur.execute("SELECT id FROM agency")
                agencies = {hex_: uuid.UUID(hex=hex_) for (hex_,) in cur.fetchall()}
        finally:
            cur.close()

    # Each distinct earliest due date is parsed and coloured once (a grid has few of them).
    coloured: dict[str | None, tuple[date | None, Rag]] = {None: (None, group_rag(1, None, today))}

    def colour(due_text: str | None) -> tuple[date | None, Rag]:
        found = coloured.get(due_text)
        if found is None:
            due = date.fromisoformat(due_text)
            found = coloured[due_text] = (due, group_rag(1, due, today))
        return found

    out: dict[tuple[uuid.UUID, uuid.UUID], Cell] = {}
    pop_role = roles.pop
    column = agencies.get
    for case_hex, agency_hex, n_open, due_text, n_overdue, n_done in stats:
        agency = column(agency_hex)
        if agency is None:
            continue
        role = pop_role((case_hex, agency_hex), None)
        if n_open:
            due, rag = colour(due_text)
        else:
            due, rag = None, Rag.NONE
        out[(cases[case_hex], agency)] = Cell(role, n_open, n_overdue or 0, due, rag, n_done or 0)
    for (case_hex, agency_hex), role in roles.items():  # parts without any action
        agency = column(agency_hex)
        if agency is not None:
            out[(cases[case_hex], agency)] = Cell(role, 0, 0, None, Rag.NONE, 0)
    return out


# --- changing -----------------------------------------------------------------------------


def set_role(
    store,
    case_id: uuid.UUID,
    agency_id: uuid.UUID,
    role: str | None,
    *,
    base_version: int | None = None,
    reason: str | None = None,
) -> RoleChange:
    """Give an agency a part in a case (``lead``, ``support``, ``informed``) or remove it (None).

    Refused with :class:`RoleError` (nothing written) when a rule in the module notes says
    no: a second lead, an agency outside the case's hub or inactive, removing an agency with
    open actions. With ``base_version``, a case changed since it was loaded at that version
    raises ``EditConflict``. Setting the role an agency already has changes nothing and
    returns a change whose ``changed`` is False.
    """
    role = _checked_role(role)
    _require_assigning(store)
    with store.write(reason="agency role changed") as s:
        case = case_for_update(s, case_id, base_version)
        agency = live_agency(s, agency_id)
        basis = _disclosure(s, case, agency, role, reason)
        change = apply_role(s, case, agency, role, basis=basis)
        s.flush()
        return replace(change, case_version=case.row_version)


def hand_over_lead(
    store,
    case_id: uuid.UUID,
    new_agency_id: uuid.UUID,
    *,
    base_version: int | None = None,
    reason: str | None = None,
) -> list[RoleChange]:
    """Make another agency the lead of a case, in one transaction.

    The old lead (if any) becomes support; the new agency becomes lead, whatever part it had
    before (it must take part in the case's hub). Returns the changes in the order made
    (old lead first); ``undo_roles(store, changes)`` reverses them together. Refused with
    :class:`RoleError` if the agency is already the lead.
    """
    _require_assigning(store)
    with store.write(reason="lead agency handed over") as s:
        case = case_for_update(s, case_id, base_version)
        new = live_agency(s, new_agency_id)
        current = _effective_lead(s, case)
        if current == new.id:
            raise RoleError(f"{new.name} is already the lead agency on {case.reference}.")
        changes = []
        if current is not None:
            old = live_agency(s, current)
            # lead_to=None also clears a lead recorded only in the case's lead column
            changes.append(
                apply_role(s, case, old, AgencyRole.SUPPORT.value, check_hub=False, lead_to=None)
            )
        basis = _disclosure(s, case, new, AgencyRole.LEAD.value, reason)
        changes.append(apply_role(s, case, new, AgencyRole.LEAD.value, basis=basis))
        s.flush()
        return [replace(c, case_version=case.row_version) for c in changes]


def bulk_assign(
    store,
    case_ids: Iterable[uuid.UUID],
    agency_id: uuid.UUID,
    role: str = "support",
    *,
    reason: str | None = None,
) -> list[RoleChange]:
    """Give one agency the same part in many cases, in one transaction.

    Returns one RoleChange per case (duplicates in ``case_ids`` counted once, order kept).
    Cases where the agency already has a part are left alone: their entry has
    ``changed == False`` and ``old_role == new_role`` (the part it has). Every other case
    goes through the same rules as :func:`set_role`; if any case is refused (not in a hub
    where the agency takes part, already has another lead, no longer exists), nothing at all
    is written and the RoleError names the case.
    """
    role = _checked_role(role)
    if role is None:
        raise RoleError("Choose a part for the agency: lead, support or informed.")
    wanted = list(dict.fromkeys(case_ids))
    if not wanted:
        return []
    _require_assigning(store)
    with store.write(reason="agency assigned to several cases") as s:
        agency = live_agency(s, agency_id)
        by_id: dict[uuid.UUID, Case] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            by_id.update(
                (c.id, c) for c in s.scalars(select(Case).where(Case.id.in_(chunk))) if not c.voided
            )
        missing = [c for c in wanted if c not in by_id]
        if missing:
            raise RoleError(
                f"{len(missing)} of the chosen cases no longer exist; refresh the list and try "
                "again. Nothing was changed."
            )
        hubs = set(
            s.scalars(
                select(HubAgency.hub_id).where(
                    HubAgency.agency_id == agency.id, HubAgency.voided.is_(False)
                )
            )
        )
        outside = [by_id[c] for c in wanted if by_id[c].hub_id not in hubs]
        if outside:
            first = outside[0]
            hub = s.get(Hub, first.hub_id)
            more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
            raise RoleError(
                f"{agency.name} does not take part in the {hub.name} hub, so it cannot work on "
                f"{first.reference}{more}; nothing was changed."
            )
        held = {c: live_role(s, c, agency.id) for c in wanted}
        bases = {}  # one check per hub of the cases the agency joins
        for hub_id in dict.fromkeys(by_id[c].hub_id for c in wanted if held[c] is None):
            refs = [by_id[c].reference for c in wanted if held[c] is None
                    and by_id[c].hub_id == hub_id]  # fmt: skip
            what = f"case {refs[0]}" if len(refs) == 1 else f"{len(refs)} cases"
            bases[hub_id] = _basis_text(sharing.check_disclosure(
                s, hub_id, [agency.id], reason=reason, what=what))  # fmt: skip
        changes = []
        for case_id in wanted:
            case = by_id[case_id]
            if held[case_id] is not None:
                lead = case.lead_agency_id
                changes.append(RoleChange(case.id, agency.id, held[case_id], held[case_id], lead,
                                          lead))  # fmt: skip
                continue
            changes.append(apply_role(s, case, agency, role, basis=bases[case.hub_id]))
        s.flush()
        changed = sum(c.changed for c in changes)
        log.info(
            "Bulk assignment of %s as %s: %d changed, %d left alone",
            agency.code, role, changed, len(changes) - changed,
        )  # fmt: skip
        return [replace(c, case_version=by_id[c.case_id].row_version) for c in changes]


def undo_role(store, change: RoleChange) -> RoleChange:
    """Put back the part and the lead that ``change`` replaced; return the undoing change.

    Refused with :class:`RoleError` (nothing written) if the agency's part or the case's
    lead is no longer what ``change`` left, or if undoing would break a rule that still
    holds (e.g. removing an agency that has been given open actions since). Rules about the
    hub and active agencies do not stop an undo: it restores what was there.
    """
    return undo_roles(store, [change])[0]


def undo_roles(store, changes: Sequence[RoleChange]) -> list[RoleChange]:
    """Undo several changes (a hand-over, a bulk assignment) together, last change first.

    One transaction: either every change is undone or, with a RoleError, none is. Returns
    the undoing changes in the order made (one per change, last change first); undoing them
    in turn redoes the originals.
    """
    if not changes:
        return []
    _require_assigning(store)
    with store.write(reason="agency role change undone") as s:
        undone = []
        for change in reversed(changes):
            if not change.changed:  # nothing to put back; its inverse changes nothing too
                undone.append(_inverse(change))
                continue
            case = case_for_update(s, change.case_id, None)
            agency = live_agency(s, change.agency_id)
            current = live_role(s, case.id, agency.id)
            if current != change.new_role:
                now = f"it is now {current}" if current else "it now has no part"
                raise RoleError(
                    f"{agency.name}'s part in {case.reference} has changed since ({now}); "
                    "the change cannot be undone."
                )
            if case.lead_agency_id != change.new_lead_agency_id:
                raise RoleError(
                    f"The lead agency on {case.reference} has changed since; "
                    "the change cannot be undone."
                )
            undone.append(
                apply_role(
                    s, case, agency, change.old_role, check_hub=False,
                    lead_to=change.old_lead_agency_id,
                )
            )  # fmt: skip
        s.flush()
        result = []
        for u in undone:
            case = s.get(Case, u.case_id)
            result.append(replace(u, case_version=case.row_version))
        return result


def _inverse(change: RoleChange) -> RoleChange:
    return RoleChange(
        change.case_id, change.agency_id, change.new_role, change.old_role,
        change.new_lead_agency_id, change.old_lead_agency_id, change.case_version,
    )  # fmt: skip


# --- building blocks for other write paths (inside a store.write() session) ---------------


def _checked_role(role: str | None) -> str | None:
    if role is None:
        return None
    try:
        return AgencyRole(role).value
    except ValueError:
        raise RoleError(
            f"'{role}' is not a part an agency can have; use lead, support or informed."
        ) from None


def case_for_update(s: Session, case_id: uuid.UUID, base_version: int | None = None) -> Case:
    """The live case; StoreError if it is gone, EditConflict if not at ``base_version``."""
    case = s.get(Case, case_id)
    if case is None or case.voided:
        raise StoreError("This case no longer exists.")
    if base_version is not None and case.row_version != base_version:
        raise EditConflict(
            f"Case {case.reference} was changed by someone else since you opened it; "
            "nothing was saved. Reopen the case to see the new version."
        )
    return case


def live_agency(s: Session, agency_id: uuid.UUID) -> Agency:
    """The agency; StoreError if it does not exist or has been voided."""
    agency = s.get(Agency, agency_id)
    if agency is None or agency.voided:
        raise StoreError("This agency no longer exists.")
    return agency


def _live_rows(s: Session, case_id: uuid.UUID, agency_id: uuid.UUID) -> list[Assignment]:
    rows = list(
        s.scalars(
            select(Assignment).where(
                Assignment.case_id == case_id,
                Assignment.agency_id == agency_id,
                Assignment.voided.is_(False),
            )
        )
    )
    rows.sort(key=lambda r: (_ROLE_RANK.get(r.role, 9), r.created_at))
    return rows


def live_role(s: Session, case_id: uuid.UUID, agency_id: uuid.UUID) -> str | None:
    """The agency's current part in the case, or None."""
    rows = _live_rows(s, case_id, agency_id)
    return rows[0].role if rows else None


def _effective_lead(s: Session, case: Case) -> uuid.UUID | None:
    """The lead: the agency of the live lead assignment, else the case's lead column (older
    data, or a lead set without an assignment row)."""
    lead = s.scalar(
        select(Assignment.agency_id)
        .where(
            Assignment.case_id == case.id,
            Assignment.role == AgencyRole.LEAD.value,
            Assignment.voided.is_(False),
        )
        .order_by(Assignment.created_at)
        .limit(1)
    )
    return lead if lead is not None else case.lead_agency_id


def takes_part(s: Session, hub_id: uuid.UUID, agency_id: uuid.UUID) -> bool:
    """Whether the agency takes part in the hub (a live hub_agency row)."""
    return (
        s.scalar(
            select(func.count()).where(
                HubAgency.hub_id == hub_id,
                HubAgency.agency_id == agency_id,
                HubAgency.voided.is_(False),
            )
        )
        > 0
    )


def open_action_count(s: Session, case_id: uuid.UUID, agency_id: uuid.UUID) -> int:
    """How many open or in-progress actions the agency has on the case."""
    return s.scalar(
        select(func.count()).where(
            Action.case_id == case_id,
            Action.agency_id == agency_id,
            Action.voided.is_(False),
            Action.status.in_(OPEN_ACTION_STATUSES),
        )
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_UNCHANGED: Any = object()


def _basis_text(found) -> str:
    return found[0].text


def _disclosure(s: Session, case: Case, agency: Agency, role: str | None,
                reason: str | None) -> str | None:  # fmt: skip
    """The basis for giving ``agency`` a part in ``case`` when it has none yet (a
    disclosure), or None when it already takes part (or is removed)."""
    if role is None or live_role(s, case.id, agency.id) is not None:
        if reason is not None:  # a reason is the hub's decision even where none is needed
            access.require(s, access.Op.DISCLOSE_ANYWAY)
        return None
    if not agency.active or not takes_part(s, case.hub_id, agency.id):
        return None  # refused by the hub rules (apply_role), whatever the register says
    return _basis_text(sharing.check_disclosure(s, case.hub_id, [agency.id], reason=reason,
                                                what=f"case {case.reference}"))  # fmt: skip


def _require_assigning(store) -> None:
    from hubapp.store import access

    access.require_coordinator(store, "assign agencies to cases")


def apply_role(
    s: Session,
    case: Case,
    agency: Agency,
    role: str | None,
    *,
    check_hub: bool = True,
    lead_to: Any = _UNCHANGED,
    basis: str | None = None,
) -> RoleChange:
    """Change one agency's part in one case inside the caller's transaction, with the rules
    and the explicit audit entry. ``check_hub=False`` skips the hub and active-agency rules
    (undo, and the old lead of a hand-over); ``lead_to`` sets the lead column exactly
    (undo) instead of following the lead assignment."""
    old_lead_column = case.lead_agency_id
    rows = _live_rows(s, case.id, agency.id)
    row = rows[0] if rows else None
    for extra in rows[1:]:
        log.warning(
            "Case %s had two live assignments for agency %s; voiding the extra one",
            case.reference, agency.code,
        )  # fmt: skip
        extra.voided = True
    old_role = row.role if row is not None else None
    effective_lead = _effective_lead(s, case)
    if role == old_role and lead_to is _UNCHANGED:
        return RoleChange(case.id, agency.id, old_role, role, old_lead_column, old_lead_column)

    if role is None:
        n_open = open_action_count(s, case.id, agency.id)
        if n_open:
            raise RoleError(
                f"{agency.name} has {_plural(n_open, 'open action')} on {case.reference}; "
                f"complete or reassign {'it' if n_open == 1 else 'them'} first."
            )
    else:
        adding = old_role is None or role == AgencyRole.LEAD.value
        if check_hub and adding:
            if not agency.active:
                raise RoleError(
                    f"{agency.name} is no longer active, so it cannot be given a part in "
                    f"{case.reference}."
                )
            if not takes_part(s, case.hub_id, agency.id):
                hub = s.get(Hub, case.hub_id)
                raise RoleError(
                    f"{agency.name} does not take part in the {hub.name} hub, so it cannot "
                    f"work on {case.reference}."
                )
        if role == AgencyRole.LEAD.value and effective_lead not in (None, agency.id):
            lead = s.get(Agency, effective_lead)
            name = lead.name if lead is not None else "Another agency"
            raise LeadTaken(name, case.reference, agency.name, agency.short_name)

    created = False
    if row is None and role is not None:
        row = s.scalars(
            select(Assignment)
            .where(Assignment.case_id == case.id, Assignment.agency_id == agency.id)
            .order_by(Assignment.updated_at.desc())
            .limit(1)
        ).first()
        if row is None:
            row = Assignment(id=uuid.uuid4(), case_id=case.id, agency_id=agency.id, role=role)
            s.add(row)
            created = True
        else:
            row.voided = False
            row.role = role
    elif row is not None and role is None:
        row.voided = True
    elif row is not None:
        row.role = role

    if lead_to is not _UNCHANGED:
        new_lead = lead_to
    elif role == AgencyRole.LEAD.value:
        new_lead = agency.id
    elif effective_lead == agency.id:
        new_lead = None
    else:
        new_lead = effective_lead
    if case.lead_agency_id != new_lead:
        case.lead_agency_id = new_lead
    s.flush()

    details: dict[str, Any] = {
        "case_id": str(case.id),
        "case": case.reference,
        "agency_id": str(agency.id),
        "agency": agency.code,
        "role": [old_role, role],
    }
    if basis is not None:  # a disclosure to the agency: what it rests on
        details["basis"] = basis
    if old_lead_column != new_lead:
        details["lead_agency_id"] = [
            str(old_lead_column) if old_lead_column else None,
            str(new_lead) if new_lead else None,
        ]
    if row is not None:
        kind = audit.Kind.COLLECTION if created else audit.Kind.ALTERATION
        audit.record(s, kind, "assignment", [str(row.id)], details)
    else:  # only the lead column changed (an undo restoring older data)
        audit.record(s, audit.Kind.ALTERATION, "case_", [str(case.id)], details)
    return RoleChange(case.id, agency.id, old_role, role, old_lead_column, new_lead)
