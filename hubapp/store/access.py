"""Who sees what, and who may do what: the one access policy of the store (no Qt).

Every rule here is about the acting staff account (see :mod:`hubapp.store.accounts`). A
database without accounts (no account acting) has no restrictions at all: it behaves as it
always has.

Who is acting
    A store's signed-in account (``store.account``) is who asks for something now. A session
    of the store (``Store.read``, ``write`` and ``bulk_write``) carries the account signed in
    when it began, frozen into the session (:func:`begin`), and every rule applied inside it
    reads that one (:func:`acting`), never the store's: a background job acts as the person
    who started it to its end, even if the window signs someone else in meanwhile. The audit
    entries a session writes name that person too.

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

Referrals kept to some roles
    A referral's pathway (``resources/refdata/referrals.toml``) may name the roles that see
    it: MARAC and Channel referrals are for police, coordinators and administrators only.
    Everyone else never reads such a referral, on any path (the case window, a person's page,
    a print, an export), as if it did not exist: the rule is a reading rule below, like the
    one of own-agency notes.

Locked-down people
    Police and coordinators of the case's hub (or of no particular hub) see a locked-down
    person's details as they are kept for them. Everyone else, administrators included, sees
    only the name and the agencies involved: no date of birth, phone, email, address or notes.

Applied by default
    Every ORM select a store session runs gets the reading rules as loader criteria
    (:func:`install`: SQLAlchemy's ``do_orm_execute`` event adding ``with_loader_criteria``,
    as in SQLAlchemy's example ``filter_public``). A case the acting account may not see never
    comes back from a select, nor any row that belongs to one (:func:`case_rows`: its people
    and places links, contacts, assignments, actions, notes, status changes, plan, risk
    assessments, interventions and their breaches, agenda items and decisions, links to
    other cases), nor a link that points at one (a ``case_link`` is read only where the
    account sees both its cases: it names the other), nor a note kept to another agency,
    nor a referral of a pathway kept from the account's role:
    whether the select is a lookup by id, a join, a count or a subquery. A read that forgets the rule cannot show what it must not. People and places
    are not rows of one case (a victim may be on cases of several agencies); the reads that
    name them reach them through a case the account sees.

    The store's own bookkeeping must count every row whoever is acting (the next case
    number, the references taken, a case's risk level from all its assessments, what an
    erasure removes): its statements carry the execution option :data:`EVERY_ROW`, and
    :data:`SEES_EVERY_ROW` names the functions that may. A sync round stores the changes of
    other stations, not anybody's reading: its sessions (reason ``sync``) get no criteria.

    SQL of the store's own, past the ORM, gets no criteria: :data:`RAW_SQL` names the reads
    of case rows written that way, each applying :func:`case_condition` itself, and
    :data:`RAW_SQL_NO_CASE` every other such function with why it needs no rule.

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

import functools
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

#: keys of ``session.info``: the store, and who acts in the session (frozen by :func:`begin`)
STORE, ACCOUNT, USER = "store", "account", "user"

#: the execution option of the store's own bookkeeping: the statement sees every row,
#: whoever is acting (only in the functions :data:`SEES_EVERY_ROW` names)
EVERY_ROW = {"hubapp_every_row": True}

#: The functions whose statements may carry :data:`EVERY_ROW`: the store's own bookkeeping,
#: whose rows never reach a person.
SEES_EVERY_ROW: dict[str, str] = {
    "hubapp.store.casework.cases:new_case": "the next case number is one more than the highest of every case",
    "hubapp.store.casework.cases:References.next": "the references already taken, of every case, are not handed out again",
    "hubapp.store.casework.risk:update_case": "a case's risk level comes from all its assessments (also of a case a partner has "
    "just recorded and is not on)",
    "hubapp.store.casework.meetings:add_agenda_item": "the next place on an agenda comes after every item, those hidden included",
    "hubapp.documents.printing:find_case": "a reference the account may not see is refused as such, not said to be missing "
    "(the case's id goes no further)",
    "hubapp.store.admin.retention:_ids": "an erasure removes every row of its record (notes kept to any agency included), and "
    "no person or place that any other row still names",
}

#: The functions that read rows of cases with SQL of their own, past the ORM and so past the
#: loader criteria: each applies the case rule itself (:func:`case_condition`, over the
#: acting account when the reading begins), and tests/test_access_every_read.py calls each
#: as a partner as it calls the ORM reads.
RAW_SQL: dict[str, str] = {
    "hubapp.store.casework.caselist:CaseList.query": "the case list's order and search (the rule among the filter's clauses)",
    "hubapp.store.casework.caselist:CaseList.count": "the case list's count",
    "hubapp.store.casework.caselist:_Paged.__init__": "the plain list's count (the clauses CaseList.query built, the rule among them)",
    "hubapp.store.casework.caselist:_Paged.seqs": "the plain list's pages (the clauses CaseList.query built, the rule among them)",
    "hubapp.store.casework.caselist:CaseResult.rows": "the rows of a page (the rule of the account the list was read for, again)",
    "hubapp.store.casework.grid:grid_cases": "the assignment grid's cases",
    "hubapp.store.casework.grid:grid_case": "one case of the grid, read again after a change",
    "hubapp.store.casework.assignments:cell_summaries": "the grid's cells: the roles and actions of those cases asked for the account sees",
    "hubapp.store.casework.assignments:_visible": "those of the cases asked for the account sees (for cell_summaries)",
    "hubapp.store.casework.repeats:_select": "the repeat flags' reads: each over case_ c with the rule of the account asking (the "
    "session's, or the one the case list was read for)",
    "hubapp.store.casework.asb_review:_hub_list": "the victims and places of a hub with repeated complaints, counted over the cases "
    "the account sees",
    "hubapp.store.casework.case_review:_tallies": "the ASB Case Review queue's counts, over the cases the account sees",
}

#: Every other function of the store (and of the documents) with SQL of its own, and why it
#: needs no case rule: it reads no row of a case for a person to see.
RAW_SQL_NO_CASE: dict[str, str] = {
    "hubapp.store.admin.audit_query:page": "the audit log (Op.AUDIT: administrators)",
    "hubapp.store.admin.audit_query:count": "the audit log (Op.AUDIT: administrators)",
    "hubapp.store.admin.audit_query:iter_rows": "the audit log (Op.AUDIT: administrators)",
    "hubapp.store.admin.audit_query:get": "the audit log (Op.AUDIT: administrators)",
    "hubapp.store.admin.subject_access:_audit_about": "the audit log, for a subject access request (Op.SUBJECT_ACCESS: administrators)",
    "hubapp.store.admin.retention:_delete_rows": "an erasure's deletes (Op.RETENTION)",
    "hubapp.store.admin.retention:_merge_search_index": "the full-text index's upkeep",
    "hubapp.store.admin.retention:_drop_orphaned_content": "an erasure's deletes of content "
    "whose attachment row is gone, of every row whoever may see it (Op.RETENTION)",
    "hubapp.store.admin.retention:_erase": "SQLite's secure_delete around an erasure",
    "hubapp.store.admin.retention:_compact": "VACUUM after an erasure",
    "hubapp.store.audit:_keep_anchor": "the audit log's anchor",
    "hubapp.store.casework.merging:duplicates": "every person's keys, paired (no case row); only the pairs whose people the account "
    "sees on a case are kept, read through the ORM with the case rule (Op.MERGE_PEOPLE)",
    "hubapp.store.audit:accept_restored": "the audit log's chain",
    "hubapp.store.audit:verify": "the audit log's chain",
    "hubapp.store.capture:_columns": "the sync capture triggers' table definitions",
    "hubapp.store.capture:drop": "the sync capture triggers",
    "hubapp.store.capture:install": "the sync capture triggers",
    "hubapp.store.database:_on_begin": "BEGIN of a transaction",
    "hubapp.store.database:Store.bulk_write": "the bulk loader's connection settings",
    "hubapp.store.database:Store.checkpoint": "the write-ahead log's checkpoint",
    "hubapp.store.database:Store.close": "SQLite's optimize on closing",
    "hubapp.store.database:_start_audit_log": "the audit log's first entry",
    "hubapp.store.exchange.demo:_Generator._existing_places": "places already stored, for demo data (Op.DEMO; places are not rows of a case)",
    "hubapp.store.exchange.demo:generate": "the demo data's bulk load (writes)",
    "hubapp.store.exchange.importer:_SearchIndex.__init__": "the full-text index's upkeep",
    "hubapp.store.exchange.importer:_SearchIndex.catch_up": "the full-text index's upkeep",
    "hubapp.store.schema:Person": "expression indexes of the person table (no query)",
    "hubapp.store.casework.people:catch_up": "the keys people are found by (the station's own derived rows; none reaches a person)",
}


class AccessRefused(Refused):
    """Something the signed-in account may not see or do, in one sentence."""


# --- who is acting ---------------------------------------------------------------------------


def begin(session, store) -> None:
    """Freeze who acts into ``session`` as it begins (the store's sessions all do): the
    account signed in now and the user name the audit log gives, whatever the store's
    sign-in does while the session runs."""
    session.info[STORE] = store
    session.info[ACCOUNT] = getattr(store, "account", None)
    session.info[USER] = getattr(store, "user", "")


def acting(holder):
    """The account acting through ``holder``: a session's is the one frozen into it when it
    began (:func:`begin`); a store's is whoever is signed in now. None: no account (a
    database without accounts, or nobody signed in yet)."""
    info = getattr(holder, "info", None)
    if isinstance(info, dict):
        if ACCOUNT in info:
            return info[ACCOUNT]
        holder = info.get(STORE)
    return getattr(holder, "account", None)


def acting_user(session) -> str:
    """The user name acting in a store session (the audit log's "who")."""
    if USER in session.info:
        return session.info[USER] or ""
    store = session.info.get(STORE)
    return getattr(store, "user", "") if store is not None else ""


def role(holder) -> StaffRole | None:
    account = acting(holder)
    return None if account is None else StaffRole(account.role)


def agency_id(holder) -> uuid.UUID | None:
    account = acting(holder)
    return None if account is None else account.agency_id


# --- the role matrix -------------------------------------------------------------------------


def may(holder, op: Op) -> bool:
    """Whether the acting account may do ``op`` (hubapp.store.roles); without accounts,
    anything but locking."""
    return roles.may_role(role(holder), op)


def require(holder, op: Op) -> None:
    """Refuse ``op`` in one sentence unless the table allows the acting account. A store on
    a database with staff accounts that nobody signed in to is refused too: a caller that
    forgot the sign-in does not get a database without rules."""
    r = role(holder)
    if r is None:
        if _has_accounts(holder):
            raise AccessRefused(SIGN_IN_FIRST)
        return
    if not roles.may_role(r, op):
        raise AccessRefused(roles.refusal(op, r))


def _has_accounts(holder) -> bool:
    from sqlalchemy import select

    from hubapp.store.schema import StaffAccount

    info = getattr(holder, "info", None)
    if isinstance(info, dict) and hasattr(holder, "scalar"):  # a session: ask it
        return holder.scalar(select(StaffAccount.id).limit(1)) is not None
    if not hasattr(holder, "read"):
        return False
    with holder.read() as s:
        return s.scalar(select(StaffAccount.id).limit(1)) is not None


# --- which cases ----------------------------------------------------------------------------


def _every_case(account) -> bool:
    if account is None:
        return True
    r = StaffRole(account.role)
    if r in _ALL_CASES:
        return True
    return r is StaffRole.READ_ONLY and account.agency_id is None


def sees_every_case(holder) -> bool:
    """True unless the acting account sees only its agency's cases."""
    return _every_case(acting(holder))


def case_condition(holder, alias: str = "c") -> tuple[str, dict[str, Any]] | None:
    """The case-visibility rule as SQL over ``case_ {alias}`` with its parameters, or None when
    the account sees every case. An account limited to no agency sees nothing."""
    if sees_every_case(holder):
        return None
    agency = agency_id(holder)
    if agency is None:
        return "0", {}
    return (
        f"EXISTS (SELECT 1 FROM assignment a WHERE a.case_id = {alias}.id"
        " AND a.agency_id = :access_agency AND a.voided = 0)",
        {"access_agency": agency.hex},
    )


def may_see_case(s, case_id: uuid.UUID) -> bool:
    """True if the account acting in the session ``s`` may see the case."""
    from sqlalchemy import select

    from hubapp.store.schema import Assignment

    if sees_every_case(s):
        return True
    agency = agency_id(s)
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


def check_case(s, case_id: uuid.UUID) -> None:
    """Refuse a case the account acting in ``s`` may not see, before anything of it is
    read (so that it hears why, rather than that the case does not exist)."""
    if not may_see_case(s, case_id):
        raise AccessRefused(NOT_YOUR_CASE)


# --- notes ----------------------------------------------------------------------------------


def may_read_note(holder, visibility: str, note_agency: uuid.UUID | None) -> bool:
    """Own-agency notes only for staff of that agency; shared notes for everyone who sees
    the case."""
    account = acting(holder)
    if account is None or visibility != NoteVisibility.OWN_AGENCY:
        return True
    return account.agency_id is not None and account.agency_id == note_agency


# --- the rules as loader criteria -------------------------------------------------------------

#: scopes of the rules (besides an agency's id): no case at all; shared notes only
_NOTHING, _SHARED = "nothing", "shared"


def _on_case(case_id, a, agency):
    """EXISTS a live assignment ``a`` of the agency (a bound parameter) on the case."""
    from sqlalchemy import exists

    return exists().where(a.c.case_id == case_id, a.c.agency_id == agency, a.c.voided.is_(False))


def _assignments():
    # a Core alias: no loader criteria reach inside the rule itself
    from hubapp.store.schema import Assignment

    return Assignment.__table__.alias("access_a")


def _agency_param(agency: uuid.UUID):
    from sqlalchemy import Uuid, bindparam

    return bindparam("access_agency", agency, type_=Uuid)


def case_rows() -> tuple[type, ...]:
    """The tables whose rows belong to one case (``schema.OfACase``, by ``case_id``), then
    those that belong to one through another row: a decision about a case (or about none),
    a breach of a case's intervention."""
    from hubapp.store import schema as t

    owned = tuple(m for m in t.Base.registry.mappers if issubclass(m.class_, t.OfACase))
    return (*sorted((m.class_ for m in owned), key=lambda c: c.__tablename__),
            t.MeetingDecision, t.InterventionBreach)  # fmt: skip


def hidden_pathways(holder) -> tuple[str, ...]:
    """The referral pathways the acting account's role may not see (none without accounts)."""
    return _hidden_pathways(acting(holder))


def _hidden_pathways(account) -> tuple[str, ...]:
    if account is None:
        return ()
    from hubapp.domain import referrals

    return referrals.hidden_from(StaffRole(account.role))


def may_see_pathway(holder, pathway: str) -> bool:
    """Whether the acting account may see referrals of ``pathway``."""
    return pathway not in hidden_pathways(holder)


@functools.cache
def _criteria(case_scope, note_scope, hidden_referrals: tuple[str, ...] = ()) -> tuple:
    """The loader criteria for a pair of scopes. Each is a lambda over SQL elements only
    (the agency a bound parameter): SQLAlchemy caches the compiled statements across
    agencies, and the options cost little to add to each select."""
    from sqlalchemy import exists, false, or_
    from sqlalchemy.orm import with_loader_criteria

    from hubapp.store.schema import (
        Case,
        CaseLink,
        Intervention,
        InterventionBreach,
        MeetingDecision,
        Note,
    )
    from hubapp.store.schema import OfACase as Owned

    def rule(entity, where) -> object:
        return with_loader_criteria(entity, where, include_aliases=True)

    out = []
    if case_scope == _NOTHING:
        out += [rule(e, lambda _cls: false())
                for e in (Case, Owned, MeetingDecision, InterventionBreach)]  # fmt: skip
    elif case_scope is not None:
        a, i, agency = _assignments(), Intervention.__table__.alias("access_i"), _agency_param(
            case_scope)  # fmt: skip
        out += [
            rule(Case, lambda cls: _on_case(cls.id, a, agency)),
            rule(Owned, lambda cls: _on_case(cls.case_id, a, agency)),
            rule(MeetingDecision,
                 lambda cls: or_(cls.case_id.is_(None), _on_case(cls.case_id, a, agency))),
            rule(InterventionBreach, lambda cls: exists().where(
                i.c.id == cls.intervention_id, _on_case(i.c.case_id, a, agency))),
            # a link is a row of the case it was made on (above), and names the other case
            rule(CaseLink, lambda cls: _on_case(cls.other_case_id, a, agency)),
        ]  # fmt: skip
    if hidden_referrals:
        from sqlalchemy import bindparam

        from hubapp.store.schema import Referral

        kept_from = bindparam("access_pathways", list(hidden_referrals), expanding=True)
        out.append(rule(Referral, lambda cls: cls.pathway.not_in(kept_from)))
    kept = NoteVisibility.OWN_AGENCY.value
    if note_scope == _SHARED:
        out.append(rule(Note, lambda cls: cls.visibility != kept))
    elif note_scope is not None:
        own = _agency_param(note_scope)
        out.append(rule(Note, lambda cls: or_(cls.visibility != kept, cls.agency_id == own)))
    return tuple(out)


def _scopes(account) -> tuple:
    if account is None:
        return None, None, ()
    case_scope = None if _every_case(account) else (account.agency_id or _NOTHING)
    return case_scope, account.agency_id or _SHARED, _hidden_pathways(account)


def apply_rules(state) -> None:
    """``do_orm_execute``: the acting account's rules added to an ORM select of a store
    session (not to the loading of a column or a relationship of a row already read under
    them, nor to a statement of the store's bookkeeping, :data:`EVERY_ROW`)."""
    if not (state.is_select and state.is_orm_statement):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get("hubapp_every_row"):
        return
    session = state.session
    if _stores_sync(session):
        return
    options = _criteria(*_scopes(acting(session)))
    if options:
        state.statement = state.statement.options(*options)


def install(factory) -> None:
    """Apply the reading rules to every ORM select of the sessions of ``factory``."""
    from sqlalchemy import event

    event.listen(factory, "do_orm_execute", apply_rules)


# --- locked-down people ---------------------------------------------------------------------


def sees_locked_down(holder, hub_id: uuid.UUID | None) -> bool:
    """True if the account may see a locked-down person's details on a case of ``hub_id``.

    Without accounts nothing changes: the screens show locked-down details as they always
    did (not at all in the case view and printed documents)."""
    account = acting(holder)
    if account is None:
        return False
    if StaffRole(account.role) not in _LOCKED_DOWN_READERS:
        return False
    return account.hub_id is None or hub_id is None or account.hub_id == hub_id


# --- who may change what --------------------------------------------------------------------


def may_write(holder) -> bool:
    return role(holder) is not StaffRole.READ_ONLY


def require_write(holder) -> None:
    if not may_write(holder):
        raise AccessRefused(READ_ONLY)


def may_manage_cases(holder) -> bool:
    r = role(holder)
    return r is None or r in _MANAGERS


def require_coordinator(holder, doing: str) -> None:
    """Refuse unless the account is a coordinator or an administrator (or there are none)."""
    require_write(holder)
    if not may_manage_cases(holder):
        raise AccessRefused(COORDINATOR_ONLY.format(doing=doing))


def is_admin(holder) -> bool:
    r = role(holder)
    return r is None or r is StaffRole.ADMINISTRATOR


def require_admin(holder, doing: str) -> None:
    if not is_admin(holder):
        raise AccessRefused(ADMIN_ONLY.format(doing=doing))


def may_edit_agency_work(holder, agency: uuid.UUID | None) -> bool:
    """True if the account may add or change actions of ``agency``: partners only their own
    agency's; read-only nobody's; everyone else any agency's."""
    r = role(holder)
    if r is None:
        return True
    if r is StaffRole.READ_ONLY:
        return False
    if r is StaffRole.PARTNER:
        return agency is not None and agency == agency_id(holder)
    return True


def require_agency_work(holder, agency: uuid.UUID | None) -> None:
    require_write(holder)
    if not may_edit_agency_work(holder, agency):
        raise AccessRefused(OTHER_AGENCY)


def _stores_sync(session) -> bool:
    reason = session.info.get("reason") or ""
    return reason == "sync" or reason.startswith("sync:")


def check_flush(session) -> None:
    """Called before every flush of a write session: a read-only account writes no records
    (the audit entries of its reading are not records, so they pass)."""
    from hubapp.store.schema import Synced

    if session.info.get(STORE) is None or may_write(session) or _stores_sync(session):
        return  # a sync round stores other stations' changes, not this person's
    changed = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, Synced)]
    if changed:
        raise AccessRefused(READ_ONLY)


def check_execute(state) -> None:
    """Called for every statement a write session executes: a read-only account's session
    runs no INSERT, UPDATE or DELETE of its own either (bulk work such as an import writes
    that way, past :func:`check_flush`)."""
    session = state.session
    if session.info.get(STORE) is None or may_write(session) or _stores_sync(session):
        return
    if state.is_insert or state.is_update or state.is_delete:
        raise AccessRefused(READ_ONLY)


def may_edit_cases(holder) -> bool:
    """True if the account may change a case itself (its summary, status, SARA stage):
    not read-only, not partner staff (they add notes and work their own actions)."""
    return may(holder, Op.EDIT_CASE)


def require_case_edit(holder) -> None:
    require_write(holder)
    if not may_edit_cases(holder):
        raise AccessRefused(roles.PARTNER_CASE_SENTENCE)
