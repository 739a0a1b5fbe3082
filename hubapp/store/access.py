"""Who sees what, and who may do what: the one access policy of the store (no Qt).

Every rule here is about the signed-in staff account (``store.account``, see
:mod:`hubapp.store.accounts`). A database without accounts (``store.account is None``) has
no restrictions at all: it behaves as it always has.

Who sees which cases
    Coordinators, police and administrators see every case of the database. Partner staff
    see only the cases their agency has a part in (lead, support or informed, not voided).
    Read-only accounts see what their agency would: with an agency, the cases that agency is
    on (as partners do); without an agency, every case. The rule is an SQL condition
    (``EXISTS`` on ``assignment`` by agency, served by ``ix_assignment_case_id``) so the case
    list, its search and the grid stay one query.

Own-agency notes
    A note marked own-agency-only is shown only to staff of the note's agency. Not even an
    administrator of another agency sees it (data protection: the agency chose to keep it).

Locked-down people
    Police and coordinators of the case's hub (or of no particular hub) see a locked-down
    person's details as they are kept for them. Everyone else, administrators included, sees
    only the name and the agencies involved: no date of birth, phone, email, address or notes.

Who may change what
    Read-only accounts change nothing (only the audit entries reading writes). Partner staff
    edit only their own agency's actions and add notes on the cases they see. Closing and
    reopening cases, assigning agencies, erasure and retention decisions need a coordinator or
    an administrator. Accounts, restore, audit and subject access need an administrator.

The role matrix itself (every operation, command and menu item, and which roles may) is data
in :mod:`hubapp.store.roles`; :func:`require` enforces it where the store does the work.

Refusals are one sentence (:class:`AccessRefused`, a :class:`~hubapp.store.errors.Refused`).
"""

from __future__ import annotations

import uuid
from typing import Any

from hubapp.domain.codes import NoteVisibility, StaffRole
from hubapp.store import roles
from hubapp.store.errors import Refused
from hubapp.store.roles import Op

#: roles that see every case
_ALL_CASES = frozenset({StaffRole.COORDINATOR, StaffRole.POLICE, StaffRole.ADMINISTRATOR})
#: roles that manage cases (close, reopen, assign agencies, retention, erasure)
_MANAGERS = roles.MAY[Op.CLOSE_CASE].roles
#: roles that see a locked-down person's details (of their own hub)
_LOCKED_DOWN_READERS = frozenset({StaffRole.COORDINATOR, StaffRole.POLICE})

NOT_YOUR_CASE = "You cannot open this case: your agency has no part in it."
READ_ONLY = roles.READ_ONLY_SENTENCE
SIGN_IN_FIRST = "This database has staff accounts: sign in first."
COORDINATOR_ONLY = "Only a coordinator or an administrator can {doing}."
ADMIN_ONLY = "Only an administrator can {doing}."
OTHER_AGENCY = "You can change only your own agency's actions."


class AccessRefused(Refused):
    """Something the signed-in account may not see or do, in one sentence."""


def _account(store):
    return getattr(store, "account", None)


def role(store) -> StaffRole | None:
    account = _account(store)
    return None if account is None else StaffRole(account.role)


def agency_id(store) -> uuid.UUID | None:
    account = _account(store)
    return None if account is None else account.agency_id


# --- the role matrix -------------------------------------------------------------------------


def may(store, op: Op) -> bool:
    """Whether the signed-in account may do ``op`` (hubapp.store.roles); without accounts,
    anything but locking."""
    return roles.may_role(role(store), op)


def require(store, op: Op) -> None:
    """Refuse ``op`` in one sentence unless the table allows the signed-in account. A store on
    a database with staff accounts that nobody signed in to is refused too: a caller that
    forgot the sign-in does not get a database without rules."""
    r = role(store)
    if r is None:
        if _has_accounts(store):
            raise AccessRefused(SIGN_IN_FIRST)
        return
    if not roles.may_role(r, op):
        raise AccessRefused(roles.refusal(op, r))


def _has_accounts(store) -> bool:
    if not hasattr(store, "read"):
        return False
    from sqlalchemy import select

    from hubapp.store.schema import StaffAccount

    with store.read() as s:
        return s.scalar(select(StaffAccount.id).limit(1)) is not None


# --- which cases ----------------------------------------------------------------------------


def sees_every_case(store) -> bool:
    """True unless the account sees only its agency's cases."""
    account = _account(store)
    if account is None:
        return True
    r = StaffRole(account.role)
    if r in _ALL_CASES:
        return True
    return r is StaffRole.READ_ONLY and account.agency_id is None


def case_condition(store, alias: str = "c") -> tuple[str, dict[str, Any]] | None:
    """The case-visibility rule as SQL over ``case_ {alias}`` with its parameters, or None when
    the account sees every case. An account limited to no agency sees nothing."""
    if sees_every_case(store):
        return None
    agency = agency_id(store)
    if agency is None:
        return "0", {}
    return (
        f"EXISTS (SELECT 1 FROM assignment a WHERE a.case_id = {alias}.id"
        " AND a.agency_id = :access_agency AND a.voided = 0)",
        {"access_agency": agency.hex},
    )


def case_clause(store):
    """The rule as an SQLAlchemy condition on ``Case`` (None when every case is visible)."""
    from sqlalchemy import exists, false

    from hubapp.store.schema import Assignment, Case

    if sees_every_case(store):
        return None
    agency = agency_id(store)
    if agency is None:
        return false()
    return exists().where(
        Assignment.case_id == Case.id,
        Assignment.agency_id == agency,
        Assignment.voided.is_(False),
    )


def may_see_case(store, s, case_id: uuid.UUID) -> bool:
    """True if the account may see the case (inside an open session ``s``)."""
    from sqlalchemy import select

    from hubapp.store.schema import Assignment

    if sees_every_case(store):
        return True
    agency = agency_id(store)
    if agency is None:
        return False
    found = s.scalar(
        select(Assignment.id)
        .where(
            Assignment.case_id == case_id,
            Assignment.agency_id == agency,
            Assignment.voided.is_(False),
        )
        .limit(1)
    )
    return found is not None


def check_case(store, s, case_id: uuid.UUID) -> None:
    """Refuse a case the account may not see, before anything of it is read."""
    if not may_see_case(store, s, case_id):
        raise AccessRefused(NOT_YOUR_CASE)


def visible_case_ids(store, s, case_ids) -> list[uuid.UUID]:
    """Those of ``case_ids`` the account may see, in the given order."""
    from sqlalchemy import select

    from hubapp.store.schema import Case

    ids = list(case_ids)
    clause = case_clause(store)
    if clause is None or not ids:
        return ids
    seen: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        seen.update(s.scalars(select(Case.id).where(Case.id.in_(chunk), clause)))
    return [i for i in ids if i in seen]


# --- notes ----------------------------------------------------------------------------------


def may_read_note(store, visibility: str, note_agency: uuid.UUID | None) -> bool:
    """Own-agency notes only for staff of that agency; shared notes for everyone who sees
    the case."""
    account = _account(store)
    if account is None or visibility != NoteVisibility.OWN_AGENCY:
        return True
    return account.agency_id is not None and account.agency_id == note_agency


def note_clause(store):
    """The note rule as an SQLAlchemy condition on ``Note`` (None: every note)."""
    from sqlalchemy import or_

    from hubapp.store.schema import Note

    account = _account(store)
    if account is None:
        return None
    shared = Note.visibility != NoteVisibility.OWN_AGENCY.value
    if account.agency_id is None:
        return shared
    return or_(shared, Note.agency_id == account.agency_id)


# --- locked-down people ---------------------------------------------------------------------


def sees_locked_down(store, hub_id: uuid.UUID | None) -> bool:
    """True if the account may see a locked-down person's details on a case of ``hub_id``.

    Without accounts nothing changes: the screens show locked-down details as they always
    did (not at all in the case view and printed documents)."""
    account = _account(store)
    if account is None:
        return False
    if StaffRole(account.role) not in _LOCKED_DOWN_READERS:
        return False
    return account.hub_id is None or hub_id is None or account.hub_id == hub_id


# --- who may change what --------------------------------------------------------------------


def may_write(store) -> bool:
    return role(store) is not StaffRole.READ_ONLY


def require_write(store) -> None:
    if not may_write(store):
        raise AccessRefused(READ_ONLY)


def may_manage_cases(store) -> bool:
    r = role(store)
    return r is None or r in _MANAGERS


def require_coordinator(store, doing: str) -> None:
    """Refuse unless the account is a coordinator or an administrator (or there are none)."""
    require_write(store)
    if not may_manage_cases(store):
        raise AccessRefused(COORDINATOR_ONLY.format(doing=doing))


def is_admin(store) -> bool:
    r = role(store)
    return r is None or r is StaffRole.ADMINISTRATOR


def require_admin(store, doing: str) -> None:
    if not is_admin(store):
        raise AccessRefused(ADMIN_ONLY.format(doing=doing))


def may_edit_agency_work(store, agency: uuid.UUID | None) -> bool:
    """True if the account may add or change actions of ``agency``: partners only their own
    agency's; read-only nobody's; everyone else any agency's."""
    r = role(store)
    if r is None:
        return True
    if r is StaffRole.READ_ONLY:
        return False
    if r is StaffRole.PARTNER:
        return agency is not None and agency == agency_id(store)
    return True


def require_agency_work(store, agency: uuid.UUID | None) -> None:
    require_write(store)
    if not may_edit_agency_work(store, agency):
        raise AccessRefused(OTHER_AGENCY)


def check_flush(session) -> None:
    """Called before every flush of a write session: a read-only account writes no records
    (the audit entries of its reading are not records, so they pass)."""
    from hubapp.store.schema import Synced

    store = session.info.get("store")
    if store is None or may_write(store):
        return
    reason = session.info.get("reason") or ""
    if reason == "sync" or reason.startswith("sync:"):
        return  # a sync round stores other stations' changes, not this person's
    changed = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, Synced)]
    if changed:
        raise AccessRefused(READ_ONLY)


def check_execute(state) -> None:
    """Called for every statement a write session executes: a read-only account's session
    runs no INSERT, UPDATE or DELETE of its own either (bulk work such as an import writes
    that way, past :func:`check_flush`)."""
    session = state.session
    store = session.info.get("store")
    if store is None or may_write(store):
        return
    reason = session.info.get("reason") or ""
    if reason == "sync" or reason.startswith("sync:"):
        return
    if state.is_insert or state.is_update or state.is_delete:
        raise AccessRefused(READ_ONLY)


def may_edit_cases(store) -> bool:
    """True if the account may change a case itself (its summary, status, SARA stage):
    not read-only, not partner staff (they add notes and work their own actions)."""
    return may(store, Op.EDIT_CASE)


def require_case_edit(store) -> None:
    require_write(store)
    if not may_edit_cases(store):
        raise AccessRefused(roles.PARTNER_CASE_SENTENCE)
