"""Every read of the store, as a partner of a small agency, finds no case of another agency.

The reads are found by walking the store's modules (and the documents' gathering): every
public function that takes the store or a session, and every public method of a class built
on one, is either a read called below or a change named with why it is not one. A new read
without an entry fails :func:`test_every_public_function_of_the_store_is_listed`.

The world is real demo data (hubapp.store.exchange.demo) in an encrypted database, with
a meeting, decisions, risk assessments, notes and actions added on cases of other agencies,
and a partner of the agency with the fewest cases. What the partner must not get is worked
out from the file with plain SQL, apart from the rules under test: the ids of the cases
their agency has no part in and of every row of those cases, the people and places named
only by them, their references, and words written only on them (and on a note kept to
another agency). Each read's result is walked (objects, rows, files it writes) and none of
it may come back. The SQL of its own that bypasses the ORM (hubapp.store.access.RAW_SQL)
is found by walking the source and held the same way.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import io
import pkgutil
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import hubapp
import hubapp.documents.gather
import hubapp.store
from hubapp.documents import letter as paper
from hubapp.domain.redaction import Profile, rules
from hubapp.domain.repeats import Rules, Threshold
from hubapp.store import access, accounts, audit, lookups, refdata, setup
from hubapp.store.access import AccessRefused
from hubapp.store.accounts import AccountDraft
from hubapp.store.admin import audit_query, retention, sharing, subject_access
from hubapp.store.casework import (
    actions,
    asb_review,
    assignments,
    attachments,
    case_review,
    casedetail,
    casefile,
    caselist,
    caseview,
    grid,
    hub_orders,
    interventions,
    letters,
    links,
    meetings,
    merging,
    orders_due,
    people,
    referrals,
    repeats,
    risk,
    sara,
    timeline,
    victim_contact,
)
from hubapp.store.casework.actions import ActionDraft
from hubapp.store.database import Store, open_store
from hubapp.store.errors import Refused, StoreError
from hubapp.store.exchange import demo, export
from hubapp.store.intake import drafts, duplicates
from hubapp.store.intake.duplicates import DuplicateQuery, PersonKey
from hubapp.store.intake.form import IntakeForm, PersonEntry
from hubapp.store.schema import Base, Case

ROOT = Path(hubapp.__file__).parent
NOW = datetime(2026, 5, 4, 12, 0)
TODAY = NOW.date()
PASSWORD = "correct horse battery staple"

#: words written only on cases the partner may not see, or on a note kept to another agency
HIDDEN_NOTE = "Zqv hidden shared note about the garages"
HIDDEN_ACTION = "Zqv hidden action: check the garages"
HIDDEN_DECISION = "Zqv hidden decision: refer to the panel"
HIDDEN_PERSON = "Zqvera Hiddenfield"
OWN_NOTE = "Zqv police only: covert watch at the garages"
HIDDEN_LINK = "Zqv hidden link: the same garages"
#: the reference of a MARAC referral on the seen case (partners never read one)
HIDDEN_MARAC = "Zqv MARAC 2026/117"
HIDDEN_SPOC = "Zqv Hidden Spoc"
MARKERS = (HIDDEN_NOTE, HIDDEN_ACTION, HIDDEN_DECISION, HIDDEN_PERSON, OWN_NOTE, HIDDEN_LINK,
           HIDDEN_MARAC, HIDDEN_SPOC)  # fmt: skip


# --- the world ---------------------------------------------------------------------------


@dataclasses.dataclass
class World:
    store: Any
    hub: uuid.UUID
    agency: uuid.UUID  # the partner's
    other: uuid.UUID  # an agency with a part in the hidden case
    seen: uuid.UUID  # a case of the partner's agency
    hidden: uuid.UUID  # a case it has no part in
    hidden_ref: str
    hidden_person: uuid.UUID
    meeting: uuid.UUID
    visible_count: int
    ids: frozenset  # hex ids that must not come back
    words: re.Pattern  # references and words that must not come back


def _q(conn, sql: str, *args) -> list:
    return conn.exec_driver_sql(sql, args).fetchall()


def _forbidden(store, agency: uuid.UUID) -> tuple[set[str], set[str], int]:
    """Worked out with plain SQL, apart from the rules under test."""
    a = agency.hex
    with store.engine.connect() as conn:
        cases = _q(conn, "SELECT id, reference, EXISTS (SELECT 1 FROM assignment s WHERE "
                   "s.case_id = case_.id AND s.agency_id = ? AND s.voided = 0), voided "
                   "FROM case_", a)  # fmt: skip
        hidden = {c[0] for c in cases if not c[2]}
        ids = set(hidden)
        refs = {c[1] for c in cases if not c[2]}
        owned = [m.class_.__tablename__ for m in Base.registry.mappers
                 if issubclass(m.class_, hubapp.store.schema.OfACase)]  # fmt: skip
        for table in owned:
            ids.update(r[0] for r in _q(conn, f"SELECT id, case_id FROM {table}")
                       if r[1] in hidden)  # fmt: skip
        ids.update(r[0] for r in _q(conn, "SELECT id, case_id FROM meeting_decision")
                   if r[1] in hidden)  # fmt: skip
        ids.update(r[0] for r in _q(conn, "SELECT b.id, i.case_id FROM intervention_breach b "
                                    "JOIN intervention i ON i.id = b.intervention_id")
                   if r[1] in hidden)  # fmt: skip
        ids.update(
            r[0]
            for r in _q(
                conn,
                "SELECT id FROM note WHERE visibility = 'own_agency' "
                "AND (agency_id IS NULL OR agency_id != ?)",
                a,
            )
        )
        # referrals of the pathways kept from partners (referrals.toml: MARAC, Channel)
        kept = [p.code for p in referrals.pathways()
                if p.seen_by is not None and "partner" not in p.seen_by]  # fmt: skip
        ids.update(r[0] for r in _q(conn, "SELECT id, pathway FROM referral") if r[1] in kept)
        # people and places named only by hidden cases' rows
        for uses in (
            ("case_person.person_id", "contact.reporter_person_id", "risk_assessment.person_id",
             "intervention.person_id"),
            ("case_.place_id", "case_place.place_id", "case_person.place_id", "contact.place_id",
             "intervention.place_id"),
        ):  # fmt: skip
            named: dict[str, set[str]] = {}
            for use in uses:
                table, column = use.split(".")
                key = "id" if table == "case_" else "case_id"
                for owner, case in _q(conn, f"SELECT {column}, {key} FROM {table} "
                                      f"WHERE {column} IS NOT NULL"):  # fmt: skip
                    named.setdefault(owner, set()).add(case)
            ids.update(o for o, on in named.items() if on <= hidden)
        visible = sum(1 for c in cases if c[2] and not c[3])
    return ids, refs, visible


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    path = tmp_path_factory.mktemp("every_read") / "hub.sqlite3"
    store = open_store(path)
    demo.generate(store, 400, seed=11, now=NOW)
    with store.engine.connect() as conn:
        parts = _q(conn, "SELECT agency_id, count(*) FROM assignment WHERE voided = 0 "
                   "GROUP BY agency_id ORDER BY count(*), agency_id")  # fmt: skip
        small = uuid.UUID(hex=parts[0][0])
        police = uuid.UUID(hex=_q(conn, "SELECT id FROM agency WHERE code = 'POLICE'")[0][0])
        seen, hub = _q(conn, "SELECT c.id, c.hub_id FROM assignment a JOIN case_ c ON "
                       "c.id = a.case_id WHERE a.agency_id = ? AND a.voided = 0 AND "
                       "c.voided = 0 ORDER BY c.seq LIMIT 1", small.hex)[0]  # fmt: skip
        hub = uuid.UUID(hex=hub)
        hidden, ref, other = _q(
            conn, "SELECT c.id, c.reference, a.agency_id FROM case_ c JOIN assignment a "
            "ON a.case_id = c.id AND a.voided = 0 WHERE c.hub_id = ? AND c.voided = 0 "
            "AND c.status != 'closed' AND NOT EXISTS (SELECT 1 FROM assignment s WHERE "
            "s.case_id = c.id AND s.agency_id = ? AND s.voided = 0) ORDER BY c.seq LIMIT 1",
            hub.hex, small.hex)[0]  # fmt: skip
        # another case of another agency, that the seen case links to
        elsewhere = _q(conn, "SELECT c.id FROM case_ c WHERE c.voided = 0 AND c.id != ? AND "
                       "NOT EXISTS (SELECT 1 FROM assignment s WHERE s.case_id = c.id AND "
                       "s.agency_id = ? AND s.voided = 0) ORDER BY c.seq LIMIT 1",
                       hidden, small.hex)[0][0]  # fmt: skip
    seen, hidden, other = uuid.UUID(hex=seen), uuid.UUID(hex=hidden), uuid.UUID(hex=other)
    # a link made on the hidden case, pointing at the seen one, and one made on the seen case
    # pointing at another agency's: neither is the partner's to read (each names a hidden case)
    links.link(store, hidden, seen, "related", HIDDEN_LINK)
    links.link(store, seen, uuid.UUID(hex=elsewhere), "same_problem", "Seen: the same problem")
    # rows of every kind on the hidden case, and a note kept to the police on the seen one
    timeline.add_note(store, hidden, HIDDEN_NOTE, "shared", other)
    timeline.add_note(store, seen, OWN_NOTE, "own_agency", police)
    actions.add_action(store, hidden, other, ActionDraft(HIDDEN_ACTION), today=TODAY)
    with store.write(reason="test people") as s:
        person = hubapp.store.schema.Person(id=uuid.uuid4(), full_name=HIDDEN_PERSON,
                                            phone="07700 900999", locked_down=False)  # fmt: skip
        s.add(person)
        s.flush()
        s.add(hubapp.store.schema.CasePerson(id=uuid.uuid4(), case_id=hidden,
                                             person_id=person.id, role="victim"))  # fmt: skip
    answers = {q.code: "yes" for q in risk.questionnaire().questions}
    risk.assess_case(store, hidden, person.id, answers, now=NOW)
    # a letter sent to the hidden victim (issue 18): its record and the PDF kept with the case
    with store.write(reason="test address") as s:
        s.get(hubapp.store.schema.Person, person.id).address = "1 Hidden Row, Carlisle"
    paper.send(store, hidden, "victim_update", [person.id], other)
    referrals.add(store, referrals.ReferralDraft(hidden, person.id, "victim_support", TODAY,
                                                 reference=HIDDEN_NOTE))  # fmt: skip
    with store.write(reason="test people") as s:
        at_risk = hubapp.store.schema.Person(id=uuid.uuid4(), full_name="Mara Seen")
        s.add(at_risk)
        s.flush()
        s.add(hubapp.store.schema.CasePerson(id=uuid.uuid4(), case_id=seen,
                                             person_id=at_risk.id, role="victim"))  # fmt: skip
    referrals.add(store, referrals.ReferralDraft(seen, at_risk.id, "marac", TODAY,
                                                 reference=HIDDEN_MARAC))  # fmt: skip
    referrals.add(store, referrals.ReferralDraft(seen, at_risk.id, "mash", TODAY))
    # the hidden victim's contact plan and an update given to them (issue 17)
    victim_contact.set_plan(store, hidden, victim_contact.PlanDraft(person.id, HIDDEN_SPOC, other))
    victim_contact.log_update(store, hidden, victim_contact.UpdateDraft(
        person.id, TODAY, "call", HIDDEN_SPOC, HIDDEN_NOTE + " (an update)"), today=TODAY)  # fmt: skip
    # a file kept on the hidden case and a letter sent to its victim (issue 18)
    from attached import attach, send_letter

    attach(store, hidden, HIDDEN_NOTE.encode(), title=HIDDEN_NOTE + " (a file)")
    send_letter(store, hidden, person.id, b"%PDF-1.4", subject=HIDDEN_NOTE + " (a letter)")
    # files on both cases: the hidden case's statement (its words) and photo (a thumbnail)
    attachments.add_bytes(store, hidden, (HIDDEN_NOTE + " (a statement)").encode(),
                          "statement.txt", title=HIDDEN_NOTE)  # fmt: skip
    picture = io.BytesIO()
    __import__("PIL.Image").Image.new("RGB", (30, 20), "red").save(picture, "PNG")
    attachments.add_bytes(store, hidden, picture.getvalue(), "hidden.png")
    attachments.add_bytes(store, seen, b"%PDF-1.4 a letter on the seen case", "seen.pdf")
    meeting = meetings.plan_meeting(store, hub, TODAY, today=TODAY)
    for case in (hidden, seen):
        meetings.add_agenda_item(store, meeting, case, "emerging_issue", "Repeat reports")
    meetings.record_decision(store, meeting, HIDDEN_DECISION, hidden)
    meetings.record_decision(store, meeting, "Review the seen case next month", seen)
    meetings.raise_action(store, meeting, hidden, other, ActionDraft(HIDDEN_ACTION + " again"),
                          today=TODAY)  # fmt: skip
    accounts.create_account(store, AccountDraft("ada", "Ada Admin", "administrator"), PASSWORD)
    accounts.sign_in(store, "ada", PASSWORD)
    accounts.create_account(store, AccountDraft("pat", "Pat Partner", "partner", small, hub),
                            PASSWORD)  # fmt: skip
    ids, refs, visible = _forbidden(store, small)
    assert hidden.hex in ids and seen.hex not in ids and person.id.hex in ids
    words = re.compile("|".join(re.escape(w) for w in sorted({*refs, *MARKERS})), re.I)
    accounts.sign_in(store, "pat", PASSWORD)
    yield World(store, hub, small, other, seen, hidden, ref, person.id, meeting, visible,
                frozenset(ids), words)  # fmt: skip
    store.close()


# --- what came back ----------------------------------------------------------------------

_HEX = re.compile(r"\b[0-9a-f]{32}\b")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def leaks(w: World, value: Any) -> list[str]:
    """What of ``value`` (walked through objects, rows, mappings and files) is forbidden."""
    out: list[str] = []
    seen: set[int] = set()

    def text(t: str) -> None:
        for found in w.words.findall(t):
            out.append(f"words {found!r}")
        for h in _HEX.findall(t.lower()):
            if h in w.ids:
                out.append(f"id {h}")
        for u in _UUID.findall(t.lower()):
            if u.replace("-", "") in w.ids:
                out.append(f"id {u}")

    def walk(v: Any) -> None:
        if v is None or isinstance(v, bool | int | float | date):
            return
        if isinstance(v, Store | Engine):
            return  # the database a result keeps to read its next page: not what it returned
        if isinstance(v, uuid.UUID):
            if v.hex in w.ids:
                out.append(f"id {v}")
            return
        if isinstance(v, str):
            text(v)
            return
        if isinstance(v, bytes):
            text(v.decode("utf-8", "replace"))
            return
        if isinstance(v, Path):
            if v.is_file():
                text(v.read_bytes().decode("utf-8", "replace"))
            return
        if id(v) in seen:
            return
        seen.add(id(v))
        if isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)
        elif isinstance(v, list | tuple | set | frozenset):
            for x in v:
                walk(x)
        elif dataclasses.is_dataclass(v):
            for f in dataclasses.fields(v):
                walk(getattr(v, f.name))
        elif isinstance(v, Base):
            for column in v.__table__.columns:
                walk(getattr(v, column.key, None))
        elif hasattr(v, "__dict__"):
            walk({k: x for k, x in vars(v).items() if not k.startswith("_sa_")})
        elif hasattr(v, "__iter__"):
            for x in v:
                walk(x)

    walk(value)
    return out


# --- every read, as the partner ------------------------------------------------------------


def _in_session(w: World, read: Callable[[Any], Any]) -> Any:
    with w.store.read() as s:
        return read(s)


def _file(w: World, tmp: Path, write: Callable[[Path], Any], name: str) -> tuple:
    target = tmp / name
    return write(target), target


def _stream(write: Callable[[io.BytesIO], Any]) -> tuple:
    buf = io.BytesIO()
    return write(buf), buf.getvalue()


def _count(expected: int, got: int) -> int:
    assert got == expected
    return got


def _typed(w: World, read: Callable[[], Any]) -> Any:
    """A read of the hidden case's reference, typed: its refusal may say what was typed."""
    try:
        return read()
    except StoreError as exc:
        return str(exc).replace(w.hidden_ref, "(typed)")


def _no_links(got: list) -> list:
    """The seen case's links as the partner reads them: none (both name a hidden case)."""
    assert got == []
    return got


def _none(got: Any) -> None:
    assert got is None
    return got


def _empty_plan(state: sara.SaraState) -> None:
    assert (state.draft, state.row_version) == (sara.SaraDraft(), 0)


def _meeting(w: World) -> Any:
    return meetings.load_meeting(w.store, w.meeting)


def _person_query(w: World) -> DuplicateQuery:
    return DuplicateQuery(people=(PersonKey(name=HIDDEN_PERSON, phone="07700 900999"),))


def _form(w: World) -> IntakeForm:
    return IntakeForm(people=[PersonEntry(full_name=HIDDEN_PERSON, phone="07700 900999")])


def _every_complaint():
    from dataclasses import replace

    return replace(case_review.settings(), approaching=1)


def _agencies(w: World) -> dict:
    return {w.agency: "Mine", w.other: "Other"}


#: Every public read of the store, called as the partner (``w``: the world, ``t``: a folder).
READS: dict[str, Callable[[World, Path], Any]] = {
    # the documents' gathering (a session each)
    "hubapp.documents.gather:case_sheet": lambda w, t: _in_session(
        w, lambda s: hubapp.documents.gather.case_sheet(s, w.seen, rules(Profile.POLICE), TODAY)
    ),
    "hubapp.documents.gather:case_text": lambda w, t: _in_session(
        w,
        lambda s: hubapp.documents.gather.case_text(
            s, [w.seen], rules(Profile.POLICE), "text", 10_000
        ),
    ),  # fmt: skip
    "hubapp.documents.gather:overview": lambda w, t: _in_session(
        w, lambda s: hubapp.documents.gather.overview(s, w.hub, TODAY)
    ),
    "hubapp.documents.gather:priority_cases": lambda w, t: _in_session(
        w, lambda s: hubapp.documents.gather.priority_cases(s, w.hub, 1000)
    ),
    "hubapp.documents.gather:orders_due": lambda w, t: _in_session(
        w, lambda s: hubapp.documents.gather.orders_due(s, w.hub, rules(Profile.POLICE), TODAY, 366)
    ),  # fmt: skip
    # tools and powers (issue 17): the due list over a year, the area orders, what was used
    # before against a person of a hidden case
    "hubapp.store.casework.orders_due:due": lambda w, t: orders_due.due(w.store, 366, today=TODAY),
    "hubapp.store.casework.orders_due:read_due": lambda w, t: _in_session(
        w, lambda s: orders_due.read_due(s, 366, w.hub, today=TODAY)
    ),
    "hubapp.store.casework.hub_orders:orders": lambda w, t: hub_orders.orders(w.store),
    "hubapp.store.casework.hub_orders:read_orders": lambda w, t: _in_session(
        w, hub_orders.read_orders
    ),
    "hubapp.store.casework.hub_orders:cited": lambda w, t: [
        hub_orders.cited(w.store, c) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.hub_orders:citable": lambda w, t: [
        hub_orders.citable(w.store, c, TODAY) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.interventions:facts": lambda w, t: _in_session(
        w,
        lambda s: interventions.facts(
            s, interventions.InterventionDraft(None, None, TODAY, person_id=w.hidden_person)
        ),
    ),
    "hubapp.documents.gather:agency_actions": lambda w, t: [
        _in_session(
            w,
            lambda s, a=agency: hubapp.documents.gather.agency_actions(
                s, a, w.hub, rules(Profile.POLICE), TODAY
            ),
        )
        for agency in (w.agency, w.other)
    ],
    # the kernel
    "hubapp.store.access:acting_user": lambda w, t: _in_session(w, access.acting_user),
    "hubapp.store.access:may_see_case": lambda w, t: _in_session(
        w, lambda s: access.may_see_case(s, w.hidden) and w.hidden
    ),
    "hubapp.store.accounts:has_accounts": lambda w, t: accounts.has_accounts(w.store),
    "hubapp.store.accounts:list_accounts": lambda w, t: accounts.list_accounts(w.store),
    "hubapp.store.accounts:get": lambda w, t: accounts.get(w.store, "pat"),
    "hubapp.store.accounts:idle_lock_minutes": lambda w, t: accounts.idle_lock_minutes(w.store),
    "hubapp.store.audit:verify_chain": lambda w, t: _in_session(w, audit.verify_chain),
    "hubapp.store.audit:verify": lambda w, t: _in_session(w, audit.verify),
    "hubapp.store.lookups:load": lambda w, t: lookups.load(w.store),
    "hubapp.store.refdata:load": lambda w, t: refdata.load(w.store),
    "hubapp.store.setup:station_id": lambda w, t: setup.station_id(w.store),
    "hubapp.store.setup:current": lambda w, t: setup.current(w.store),
    "hubapp.store.setup:hub_choices": lambda w, t: setup.hub_choices(w.store),
    "hubapp.store.setup:find_hub": lambda w, t: setup.find_hub(w.store, "Copeland"),
    # administration: refused to a partner, or nothing of another agency
    "hubapp.store.admin.audit_query:resolve_record": lambda w, t: _typed(
        w, lambda: _in_session(w, lambda s: audit_query.resolve_record(s, w.hidden_ref))
    ),
    "hubapp.store.admin.audit_query:where": lambda w, t: _typed(
        w,
        lambda: _in_session(
            w, lambda s: audit_query.where(s, audit_query.AuditFilter(record=w.hidden_ref))
        ),
    ),
    "hubapp.store.admin.audit_query:page": lambda w, t: audit_query.page(
        w.store, audit_query.AuditFilter()
    ),
    "hubapp.store.admin.audit_query:count": lambda w, t: audit_query.count(
        w.store, audit_query.AuditFilter()
    ),
    "hubapp.store.admin.audit_query:iter_rows": lambda w, t: list(
        audit_query.iter_rows(w.store, audit_query.AuditFilter())
    ),
    "hubapp.store.admin.audit_query:get": lambda w, t: audit_query.get(w.store, 1),
    "hubapp.store.admin.audit_query:verify": lambda w, t: audit_query.verify(w.store),
    "hubapp.store.admin.audit_query:export": lambda w, t: _file(
        w, t, lambda p: audit_query.export(w.store, p, "csv"), "audit.csv"
    ),
    "hubapp.store.admin.audit_query:export_to_stream": lambda w, t: _stream(
        lambda b: audit_query.export_to_stream(w.store, b, "csv")
    ),
    "hubapp.store.admin.retention:check_may_review": lambda w, t: _in_session(
        w, lambda s: retention.check_may_review(w.store, s)
    ),
    "hubapp.store.admin.retention:due": lambda w, t: retention.due(w.store, TODAY),
    "hubapp.store.admin.retention:find": lambda w, t: _typed(
        w, lambda: retention.find(w.store, w.hidden_ref)
    ),
    "hubapp.store.admin.retention:check_erasable": lambda w, t: retention.check_erasable(
        w.store, retention.Record(retention.CASE, w.hidden, w.hidden_ref)
    ),
    "hubapp.store.admin.retention:rows_about": lambda w, t: retention.rows_about(
        w.store, retention.Record(retention.CASE, w.hidden, w.hidden_ref)
    ),
    "hubapp.store.admin.subject_access:find_person": lambda w, t: subject_access.find_person(
        w.store, HIDDEN_PERSON
    ),
    # the register of sharing agreements (it names agencies; the demo data fills it)
    "hubapp.store.admin.sharing:register": lambda w, t: sharing.register(w.store, w.hub, TODAY),
    "hubapp.store.admin.sharing:agreements": lambda w, t: sharing.agreements(w.store),
    "hubapp.store.admin.sharing:get": lambda w, t: [
        sharing.get(w.store, a.id) for a in sharing.agreements(w.store, w.hub)
    ],
    "hubapp.store.admin.sharing:find": lambda w, t: sharing.find(
        w.store, sharing.short_id(sharing.agreements(w.store, w.hub)[0].id)
    ),
    "hubapp.store.admin.sharing:retention_years": lambda w, t: sharing.retention_years(
        w.store, w.hub, TODAY
    ),
    "hubapp.store.admin.sharing:case_periods": lambda w, t: _in_session(
        w, lambda s: sharing.case_periods(s, [w.seen, w.hidden], TODAY)
    ),
    "hubapp.store.admin.sharing:consent_of": lambda w, t: sharing.consent_of(
        w.store, w.hidden_person
    ),
    "hubapp.store.admin.sharing:keeps_register": lambda w, t: _in_session(
        w, lambda s: sharing.keeps_register(s, w.hub)
    ),
    "hubapp.store.admin.sharing:police_agencies": lambda w, t: _in_session(
        w, lambda s: sharing.police_agencies(s, w.hub)
    ),
    "hubapp.store.admin.sharing:check_disclosure": lambda w, t: _in_session(
        w, lambda s: sharing.check_disclosure(s, w.hub, [w.agency, w.other], what="the pack")
    ),
    "hubapp.store.admin.subject_access:gather": lambda w, t: subject_access.gather(
        w.store, w.hidden_person
    ),
    "hubapp.store.admin.subject_access:write": lambda w, t: _file(
        w, t, lambda p: subject_access.write(w.store, w.hidden_person, p), "sar.zip"
    ),
    # case work
    "hubapp.store.casework.actions:actions_for_case_agency": lambda w, t: [
        actions.actions_for_case_agency(w.store, w.seen, a, TODAY) for a in (w.agency, w.other)
    ],
    "hubapp.store.casework.actions:agency_actions": lambda w, t: [
        actions.agency_actions(w.store, a, w.hub, True, TODAY) for a in (w.agency, w.other)
    ],
    "hubapp.store.casework.asb_review:read_for_case": lambda w, t: _in_session(
        w, lambda s: asb_review.read_for_case(s, w.seen, TODAY, 1)
    ),
    "hubapp.store.casework.asb_review:for_case": lambda w, t: asb_review.for_case(
        w.store, w.seen, TODAY, 1
    ),
    "hubapp.store.casework.asb_review:hub_list": lambda w, t: asb_review.hub_list(
        w.store, None, TODAY, 1
    ),
    # the ASB Case Review (hubapp.store.casework.case_review): the queue from 1 complaint
    "hubapp.store.casework.case_review:queue": lambda w, t: case_review.queue(
        w.store, None, TODAY, _every_complaint()
    ),
    "hubapp.store.casework.case_review:read_queue": lambda w, t: _in_session(
        w, lambda s: case_review.read_queue(s, None, TODAY, _every_complaint())
    ),
    "hubapp.store.casework.case_review:reviews_for_case": lambda w, t: case_review.reviews_for_case(
        w.store, w.hidden
    ),
    "hubapp.store.casework.case_review:review": lambda w, t: case_review.review(
        w.store, uuid.uuid4()
    ),
    "hubapp.store.casework.case_review:subjects": lambda w, t: case_review.subjects(
        w.store, w.hidden
    ),
    "hubapp.store.casework.case_review:explanations": lambda w, t: case_review.explanations(
        w.store, w.hidden_person
    ),
    "hubapp.store.casework.case_review:yearly_return": lambda w, t: case_review.yearly_return(
        w.store, TODAY.year
    ),
    "hubapp.store.casework.assignments:hub_agencies": lambda w, t: assignments.hub_agencies(
        w.store, w.hub
    ),
    "hubapp.store.casework.assignments:cell_summaries": lambda w, t: assignments.cell_summaries(
        w.store, [w.seen, w.hidden], today=TODAY
    ),
    "hubapp.store.casework.assignments:live_agency": lambda w, t: _in_session(
        w, lambda s: assignments.live_agency(s, w.agency)
    ),
    "hubapp.store.casework.assignments:live_role": lambda w, t: _in_session(
        w, lambda s: _none(assignments.live_role(s, w.hidden, w.other))
    ),
    "hubapp.store.casework.assignments:takes_part": lambda w, t: _in_session(
        w, lambda s: assignments.takes_part(s, w.hub, w.agency)
    ),
    "hubapp.store.casework.assignments:open_action_count": lambda w, t: _in_session(
        w, lambda s: _count(0, assignments.open_action_count(s, w.hidden, w.other))
    ),
    "hubapp.store.casework.people:hidden_for": lambda w, t: _in_session(
        w, lambda s: people.hidden_for(s, w.hidden_person, True)
    ),
    "hubapp.store.casework.people:details_seen": lambda w, t: _in_session(
        w, lambda s: people.details_seen(s, [w.hidden_person])
    ),
    "hubapp.store.casework.people:read_merges": lambda w, t: _in_session(
        w, lambda s: people.read_merges(s, w.hidden_person, False)
    ),
    "hubapp.store.casework.merging:duplicates": lambda w, t: _or_refusal(
        lambda: merging.duplicates(w.store)
    ),
    "hubapp.store.casework.merging:find_merge": lambda w, t: _or_refusal(
        lambda: merging.find_merge(w.store, "P-" + w.hidden_person.hex[:8])
    ),
    "hubapp.store.casework.merging:merged_ids": lambda w, t: _in_session(
        w, lambda s: merging.merged_ids(s, w.hidden_person)
    ),
    "hubapp.store.casework.people:find": lambda w, t: [
        people.find(w.store, q)
        for q in (HIDDEN_PERSON, HIDDEN_PERSON[:3], "ma", "jo", "07700 900", "01632", "CA1", "LA")
    ],  # fmt: skip
    "hubapp.documents.gather:referral_rows": lambda w, t: _in_session(
        w,
        lambda s: [
            hubapp.documents.gather.referral_rows(s, c, rules(Profile.POLICE))
            for c in (w.seen, w.hidden)
        ],
    ),
    "hubapp.documents.gather:files_and_letters": lambda w, t: _in_session(
        w,
        lambda s: [
            hubapp.documents.gather.files_and_letters(s, c, rules(Profile.POLICE))
            for c in (w.seen, w.hidden)
        ],
    ),
    "hubapp.store.casework.referrals:read": lambda w, t: _in_session(
        w,
        lambda s: [
            referrals.read(s, case_id=w.seen),
            referrals.read(s, case_id=w.hidden),
            referrals.read(s, person_id=w.hidden_person),
        ],
    ),
    "hubapp.store.casework.letters:choices": lambda w, t: [
        _or_refusal(lambda c=c: letters.choices(w.store, c)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.letters:preview": lambda w, t: [
        _or_refusal(
            lambda c=c, to=to: letters.preview(
                w.store, c, "victim_update", to, w.agency, layout=paper.lay_out
            )
        )
        for c in (w.seen, w.hidden)
        for to in ("victim", [w.hidden_person])
    ],  # fmt: skip
    "hubapp.store.casework.letters:read_communications": lambda w, t: _in_session(
        w, lambda s: [letters.read_communications(s, c) for c in (w.seen, w.hidden)]
    ),
    "hubapp.store.casework.letters:communications": lambda w, t: [
        _or_refusal(lambda c=c: letters.communications(w.store, c)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.letters:letter_pdf": lambda w, t: [
        _or_store_error(lambda a=a: letters.letter_pdf(w.store, a)) for a in _every(w, "attachment")
    ],
    "hubapp.store.casework.referrals:for_case": lambda w, t: [
        _or_refusal(lambda c=c: referrals.for_case(w.store, c)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.attachments:read": lambda w, t: _in_session(
        w, lambda s: [attachments.read(s, c) for c in (w.seen, w.hidden)]
    ),
    "hubapp.store.casework.attachments:for_case": lambda w, t: [
        _or_refusal(lambda c=c: attachments.for_case(w.store, c)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.attachments:link_choices": lambda w, t: [
        _or_refusal(lambda c=c: attachments.link_choices(w.store, c)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.attachments:make_thumbnails": lambda w, t: [
        _or_refusal(lambda c=c: attachments.make_thumbnails(w.store, c)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.attachments:find": lambda w, t: [
        _or_refusal(lambda a=a: attachments.find(w.store, a.hex[:8]))
        for a in _every(w, "attachment")
    ],
    **{
        f"hubapp.store.casework.attachments:{name}": (
            lambda w, t, name=name: [
                _or_refusal(lambda a=a: getattr(attachments, name)(w.store, a))
                for a in _every(w, "attachment")
            ]
        )
        for name in ("line", "view_content", "check", "original_kept", "thumbnail")
    },
    "hubapp.store.casework.attachments:get_to": lambda w, t: [
        _or_refusal(
            lambda a=a: _file(w, t, lambda p: attachments.get_to(w.store, a, p), f"{a.hex}.out")
        )
        for a in _every(w, "attachment")
    ],
    "hubapp.store.casework.attachments:copy_for_opening": lambda w, t: [
        _or_refusal(lambda a=a: attachments.copy_for_opening(w.store, a, t))
        for a in _every(w, "attachment")
    ],  # fmt: skip
    "hubapp.store.casework.risk:for_case": lambda w, t: [
        risk.for_case(w.store, c) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.risk:read_for_case": lambda w, t: _in_session(
        w, lambda s: risk.read_for_case(s, w.hidden)
    ),
    "hubapp.store.casework.risk:reassess_reason": lambda w, t: _in_session(
        w, lambda s: [risk.reassess_reason(s, c) for c in (w.seen, w.hidden)]
    ),
    "hubapp.store.casework.people:show": lambda w, t: [
        _or_refusal(lambda p=p: people.show(w.store, p))
        for p in (w.hidden_person, *(h.id for h in people.find(w.store, "ma")[:5]))
    ],
    "hubapp.store.casework.people:find_id": lambda w, t: [
        _or_refusal(lambda r=r: people.find_id(w.store, r))
        for r in (w.hidden_person.hex, "P-" + w.hidden_person.hex[:8])
    ],
    "hubapp.store.casework.people:suggest_for_intake": lambda w, t: people.suggest_for_intake(
        w.store,
        [
            people.Typed("reporter", HIDDEN_PERSON, "07700 900999"),
            people.Typed("people.0", HIDDEN_PERSON[:3]),
            people.Typed("people.1", "mar"),
            people.Typed("people.2", "", "07700 900"),
            people.Typed("people.3", "joh"),
        ],
    ),
    "hubapp.store.casework.people:linkable": lambda w, t: _in_session(
        w, lambda s: people.linkable(s, _every(w, "person"))
    ),
    "hubapp.store.casework.people:for_linking": lambda w, t: people.for_linking(
        w.store, [w.hidden_person, *(h.id for h in people.find(w.store, "ma")[:5])]
    ),
    "hubapp.store.casework.casedetail:load": lambda w, t: casedetail.load(w.store, w.seen),
    "hubapp.store.casework.links:find_case": lambda w, t: _typed(
        w, lambda: links.find_case(w.store, w.hidden_ref)
    ),
    "hubapp.store.casework.links:links_of": lambda w, t: _in_session(
        w, lambda s: [_no_links(links.links_of(s, w.seen)), links.links_of(s, w.hidden)]
    ),
    "hubapp.store.casework.links:read_links": lambda w, t: [
        _or_refusal(lambda c=c: links.read_links(w.store, c)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.casefile:live_case": lambda w, t: _in_session(
        w, lambda s: (casefile.live_case(s, w.seen), casefile.live_case(s, w.hidden))
    ),
    "hubapp.store.casework.casefile:case_names": lambda w, t: _in_session(
        w, lambda s: casefile.case_names(s, s.get(Case, w.seen))
    ),
    "hubapp.store.casework.casefile:read": lambda w, t: _in_session(
        w, lambda s: casefile.read(s, w.seen)
    ),
    "hubapp.store.casework.caselist:CaseList.query": lambda w, t: (
        caselist.CaseList(w.store)
        .query(caselist.CaseFilter(status=None), caselist.CaseSort())
        .rows(0, 10_000)
    ),
    "hubapp.store.casework.caselist:CaseList.count": lambda w, t: _count(
        w.visible_count, caselist.CaseList(w.store).count(caselist.CaseFilter(status=None))
    ),
    "hubapp.store.casework.caselist:CaseList.page": lambda w, t: [
        caselist.CaseList(w.store).page(
            caselist.CaseFilter(status=None, text=text), caselist.CaseSort(column), 0, 10_000
        )
        for text in ("", w.hidden_ref, "garages")
        for column in caselist.SORTABLE
    ],
    "hubapp.store.casework.caselist:CaseResult.seqs": lambda w, t: [
        (r, r.size, r.seqs(0, 10_000))
        for r in (
            caselist.CaseList(w.store).query(caselist.CaseFilter(status=None), sort)
            for sort in (caselist.CaseSort(), caselist.CaseSort(caselist.Column.STATUS))
        )
    ],
    "hubapp.store.casework.caselist:CaseResult.rows": lambda w, t: _rows_of_every_case(w),
    "hubapp.store.casework.caselist:CaseResult.victims_overdue": lambda w, t: (
        caselist.CaseList(w.store)
        .query(caselist.CaseFilter(status=None), caselist.CaseSort())
        .victims_overdue(_every(w, "case_"), TODAY)
    ),
    "hubapp.documents.gather:victim_updates": lambda w, t: _in_session(
        w,
        lambda s: hubapp.documents.gather.victim_updates(
            s, _every(w, "case_"), rules(Profile.POLICE), TODAY
        ),
    ),
    "hubapp.store.casework.victim_contact:case_plan": lambda w, t: [
        _or_refusal(lambda c=c: victim_contact.case_plan(w.store, c, TODAY))
        for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.victim_contact:read_plan": lambda w, t: _in_session(
        w, lambda s: victim_contact.read_plan(s, w.seen, TODAY)
    ),
    "hubapp.store.casework.victim_contact:overdue": lambda w, t: [
        victim_contact.overdue(w.store, hub, agency, today=TODAY)
        for hub in (None, w.hub)
        for agency in (None, w.agency, w.other)
    ],
    "hubapp.store.casework.victim_contact:overdue_counts": lambda w, t: _in_session(
        w, lambda s: victim_contact.overdue_counts(s, _every(w, "case_"), TODAY)
    ),
    "hubapp.store.casework.victim_contact:read_overdue": lambda w, t: _in_session(
        w, lambda s: victim_contact.read_overdue(s, _every(w, "case_"), TODAY)
    ),
    "hubapp.store.casework.victim_contact:closure_problems": lambda w, t: _in_session(
        w, lambda s: victim_contact.closure_problems(s, s.get(Case, w.seen), "resolved")
    ),
    "hubapp.store.casework.victim_contact:closing_words": lambda w, t: _in_session(
        w, lambda s: victim_contact.closing_words(s, s.get(Case, w.seen), "resolved", "yes")
    ),
    "hubapp.store.casework.caselist:CaseResult.repeats": lambda w, t: (
        caselist.CaseList(w.store)
        .query(caselist.CaseFilter(status=None), caselist.CaseSort())
        .repeats(_every(w, "case_"))
    ),
    "hubapp.store.casework.repeats:for_people": lambda w, t: _in_session(
        w, lambda s: repeats.for_people(s, _every(w, "person"), _EAGER)
    ),
    "hubapp.store.casework.repeats:for_places": lambda w, t: _in_session(
        w, lambda s: repeats.for_places(s, _every(w, "place"), _EAGER)
    ),
    "hubapp.store.casework.repeats:read_for_case": lambda w, t: _in_session(
        w, lambda s: repeats.read_for_case(s, w.seen, _EAGER)
    ),
    "hubapp.store.casework.repeats:for_case": lambda w, t: [
        _or_refusal(lambda c=c: repeats.for_case(w.store, c, _EAGER)) for c in (w.seen, w.hidden)
    ],
    "hubapp.store.casework.repeats:read_marks": lambda w, t: _in_session(
        w, lambda s: repeats.read_marks(s, _every(w, "case_"), _EAGER)
    ),
    "hubapp.store.casework.repeats:marks": lambda w, t: repeats.marks(
        w.store, _every(w, "case_"), _EAGER
    ),
    "hubapp.store.casework.repeats:read_counts": lambda w, t: _in_session(
        w, lambda s: _count(0, sum(repeats.read_counts(s, [w.hidden], _EAGER).values()))
    ),
    "hubapp.store.casework.caseview:load": lambda w, t: caseview.load(w.store, w.seen, today=TODAY),
    "hubapp.store.casework.grid:grid_cases": lambda w, t: [
        grid.grid_cases(w.store, grid.GridFilter(w.hub, status=None, text=text))
        for text in ("", w.hidden_ref)
    ],
    "hubapp.store.casework.grid:grid_case": lambda w, t: (
        grid.grid_case(w.store, w.seen),
        grid.grid_case(w.store, w.hidden),
    ),
    "hubapp.store.casework.interventions:types": lambda w, t: interventions.types(w.store),
    "hubapp.store.casework.interventions:read_types": lambda w, t: _in_session(
        w, interventions.read_types
    ),
    "hubapp.store.casework.meetings:meeting_on": lambda w, t: meetings.meeting_on(
        w.store, w.hub, TODAY
    ),
    "hubapp.store.casework.meetings:next_meeting": lambda w, t: meetings.next_meeting(
        w.store, w.hub, TODAY
    ),
    "hubapp.store.casework.meetings:list_meetings": lambda w, t: meetings.list_meetings(
        w.store, w.hub
    ),
    "hubapp.store.casework.meetings:raised_actions": lambda w, t: meetings.raised_actions(
        w.store, w.meeting
    ),
    "hubapp.store.casework.meetings:load_meeting": lambda w, t: _meeting(w),
    "hubapp.store.casework.sara:read_state": lambda w, t: _in_session(
        w, lambda s: (sara.read_state(s, w.seen), _empty_plan(sara.read_state(s, w.hidden)))
    ),
    "hubapp.store.casework.sara:load": lambda w, t: sara.load(w.store, w.seen),
    "hubapp.store.casework.timeline:read_entries": lambda w, t: _in_session(
        w, lambda s: timeline.read_entries(s, w.seen, _agencies(w))
    ),
    "hubapp.store.casework.timeline:entries": lambda w, t: timeline.entries(w.store, w.seen),
    # exchange and intake
    "hubapp.store.exchange.demo:is_demo_database": lambda w, t: demo.is_demo_database(w.store),
    "hubapp.store.exchange.export:action_rows": lambda w, t: export.action_rows(
        w.store, today=TODAY
    ),
    "hubapp.store.exchange.export:export_actions": lambda w, t: _file(
        w, t, lambda p: export.export_actions(w.store, p, "csv", today=TODAY), "actions.csv"
    ),
    "hubapp.store.exchange.export:export_actions_to_stream": lambda w, t: _stream(
        lambda b: export.export_actions_to_stream(w.store, b, "csv", today=TODAY)
    ),
    "hubapp.store.exchange.export:count_cases": lambda w, t: _count(
        w.visible_count, export.count_cases(w.store)
    ),
    "hubapp.store.exchange.export:iter_cases": lambda w, t: list(export.iter_cases(w.store)),
    "hubapp.store.exchange.export:export_cases": lambda w, t: _file(
        w, t, lambda p: export.export_cases(w.store, p, "json"), "cases.json"
    ),
    "hubapp.store.intake.drafts:load": lambda w, t: drafts.load(w.store, 1),
    "hubapp.store.intake.drafts:list_drafts": lambda w, t: drafts.list_drafts(w.store),
    "hubapp.store.intake.duplicates:suggest": lambda w, t: [
        duplicates.suggest(w.store, q, now=NOW, days=3650, limit=100)
        for q in (_person_query(w), _location_query(w))
    ],
    "hubapp.store.intake.duplicates:suggest_for": lambda w, t: duplicates.suggest_for(
        w.store, _form(w), now=NOW, days=3650, limit=100
    ),
    "hubapp.store.intake.duplicates:place_flags": lambda w, t: duplicates.place_flags(
        w.store, _location_query(w), limit=100
    ),
}


#: repeat rules that flag at one report or case: every person and place of a case counts
_EAGER = Rules(Threshold(1, 1), Threshold(1, 1), Threshold(1, 1))


def _every(w: World, table: str) -> list[uuid.UUID]:
    """The ids of every row of ``table``, hidden ones too (plain SQL, past the rules)."""
    with w.store.engine.connect() as conn:
        return [uuid.UUID(hex=r[0]) for r in _q(conn, f"SELECT id FROM {table}")]


def _rows_of_every_case(w: World) -> list:
    """A page's rows, asked for every case there is (a caller that passes seqs of its own)."""
    result = caselist.CaseList(w.store).query(caselist.CaseFilter(status=None),
                                              caselist.CaseSort())  # fmt: skip
    with w.store.engine.connect() as conn:
        every = [r[0] for r in _q(conn, "SELECT seq FROM case_")]
    result.seqs = lambda start, limit: every[start : start + limit]
    return result.rows(0, len(every))


def _location_query(w: World) -> DuplicateQuery:
    with w.store.engine.connect() as conn:
        location, town, postcode = _q(conn, "SELECT location, town, postcode FROM case_ "
                                      "WHERE id = ?", w.hidden.hex)[0]  # fmt: skip
    return DuplicateQuery(location=location, town=town, postcode=postcode)


#: Every other public function that takes the store or a session: it changes something (and
#: is held by the rules of who may change what, hubapp.store.access), or reads nothing.
NOT_READS: dict[str, str] = {
    "hubapp.store.setup:station_in": "this station's own id (a local setting, not a record)",
    "hubapp.store.casework.attachment_content:write_chunks": "writes",
    "hubapp.store.casework.attachment_content:store_content": "writes",
    "hubapp.store.casework.attachments:add_in": "writes (Op.ATTACH, a case seen)",
    "hubapp.store.casework.attachments:add_file": "writes (Op.ATTACH, a case seen)",
    "hubapp.store.casework.attachments:add_bytes": "writes (Op.ATTACH, a case seen)",
    "hubapp.store.casework.attachments:void": "writes (Op.ATTACH, a file of a case seen)",
    "hubapp.store.casework.attachments:set_limits": "writes (Op.ATTACHMENT_SETTINGS)",
    "hubapp.store.casework.attachments:read_limits": "the station's limits (no case row)",
    "hubapp.store.casework.attachments:limits": "the station's limits (no case row)",
    "hubapp.store.casework.attachments:may_remove": "a check of a line the caller read",
    "hubapp.store.casework.attachment_content:chunks_held": "counts through an attachment row the caller read under the case rule",
    "hubapp.store.casework.attachment_content:is_complete": "counts through an attachment row the caller read under the case rule",
    "hubapp.store.casework.attachment_content:iter_chunks": "reads through an attachment row the caller read under the case rule",
    "hubapp.store.casework.attachment_content:verify": "reads through an attachment row the caller read under the case rule",
    "hubapp.store.casework.case_people:add_person": "writes (Op.EDIT_CASE)",
    "hubapp.store.casework.hub_orders:add": "writes (Op.HUB_ORDERS)",
    "hubapp.store.casework.hub_orders:edit": "writes (Op.HUB_ORDERS)",
    "hubapp.store.casework.hub_orders:cite": "writes (Op.EDIT_CASE)",
    "hubapp.store.casework.hub_orders:uncite": "writes (Op.EDIT_CASE)",
    "hubapp.store.casework.people:catch_up": "works out the keys people are found by (derived rows; returns a count)",
    "hubapp.store.access:begin": "freezes who acts into a session",
    "hubapp.store.access:check_case": "a refusal (tests/test_access_acting.py)",
    "hubapp.store.access:check_flush": "a check before a flush",
    "hubapp.store.accounts:sign_in": "signs in",
    "hubapp.store.accounts:record_sign_in": "writes",
    "hubapp.store.accounts:confirm": "checks a password",
    "hubapp.store.accounts:create_account": "writes",
    "hubapp.store.accounts:set_disabled": "writes",
    "hubapp.store.accounts:unlock": "writes",
    "hubapp.store.accounts:set_role": "writes",
    "hubapp.store.accounts:set_password": "writes",
    "hubapp.store.accounts:set_idle_lock_minutes": "writes",
    "hubapp.store.admin.backup:guard_writes": "refuses writes",
    "hubapp.store.admin.backup:run_startup_check": "checks the file's pages at start-up",
    "hubapp.store.admin.backup:refuse_writes": "refuses writes",
    "hubapp.store.admin.backup:backup": "copies the whole file (Op.BACKUP)",
    "hubapp.store.admin.backup:auto_backup": "copies the whole file (Op.BACKUP)",
    "hubapp.store.admin.backup:record": "writes",
    "hubapp.store.admin.retention:record_review": "writes",
    "hubapp.store.admin.sharing:add": "writes (Op.AGREEMENTS)",
    "hubapp.store.admin.sharing:edit": "writes (Op.AGREEMENTS)",
    "hubapp.store.admin.sharing:end": "writes (Op.AGREEMENTS)",
    "hubapp.store.admin.sharing:set_consent": "writes",
    "hubapp.store.admin.retention:decide": "writes",
    "hubapp.store.admin.retention:erase_case": "erases",
    "hubapp.store.admin.retention:erase_person": "erases",
    "hubapp.store.admin.retention:erase": "erases",
    "hubapp.store.audit:record": "writes",
    "hubapp.store.audit:accept": "writes",
    "hubapp.store.audit:accept_restored": "writes",
    "hubapp.store.casework.actions:add_action": "writes",
    "hubapp.store.casework.case_review:record_explanation": "writes (Op.EXPLAIN_REVIEW)",
    "hubapp.store.casework.case_review:save_review": "writes (Op.CASE_REVIEW)",
    "hubapp.store.casework.case_review:add_recommendation": "writes (Op.CASE_REVIEW)",
    "hubapp.store.casework.actions:edit_action": "writes",
    "hubapp.store.casework.actions:complete_action": "writes",
    "hubapp.store.casework.actions:cancel_action": "writes",
    "hubapp.store.casework.actions:reopen_action": "writes",
    "hubapp.store.casework.actions:reassign_action": "writes",
    "hubapp.store.casework.assignments:set_role": "writes",
    "hubapp.store.casework.assignments:hand_over_lead": "writes",
    "hubapp.store.casework.assignments:bulk_assign": "writes",
    "hubapp.store.casework.assignments:undo_role": "writes",
    "hubapp.store.casework.assignments:undo_roles": "writes",
    "hubapp.store.casework.assignments:case_for_update": "a case about to change",
    "hubapp.store.casework.assignments:apply_role": "writes",
    "hubapp.store.casework.caselist:limit_to_account": "adds the rule to SQL",
    "hubapp.store.casework.cases:update_fields": "writes",
    "hubapp.store.casework.cases:allocate_reference": "writes (bookkeeping)",
    "hubapp.store.casework.cases:new_case": "writes",
    "hubapp.store.casework.cases:References.next": "writes (bookkeeping)",
    "hubapp.store.casework.interventions:add": "writes",
    "hubapp.store.casework.victim_contact:set_plan": "writes (Op.VICTIM_CONTACT, a case seen)",
    "hubapp.store.casework.victim_contact:log_update": "writes (Op.VICTIM_CONTACT, a case seen)",
    "hubapp.store.casework.links:link": "writes",
    "hubapp.store.casework.links:unlink": "writes",
    "hubapp.store.casework.interventions:edit": "writes",
    "hubapp.store.casework.interventions:end": "writes",
    "hubapp.store.casework.interventions:record_breach": "writes",
    "hubapp.store.casework.meetings:plan_meeting": "writes",
    "hubapp.store.casework.meetings:mark_held": "writes",
    "hubapp.store.casework.meetings:add_agenda_item": "writes",
    "hubapp.store.casework.meetings:remove_agenda_item": "writes",
    "hubapp.store.casework.meetings:set_attendance": "writes",
    "hubapp.store.casework.meetings:record_decision": "writes",
    "hubapp.store.casework.meetings:raise_action": "writes",
    "hubapp.store.casework.risk:record": "writes",
    "hubapp.store.casework.risk:update_case": "writes (bookkeeping)",
    "hubapp.store.casework.risk:assess_case": "writes",
    "hubapp.store.casework.hate:apply": "writes",
    "hubapp.store.casework.hate:set_case_hate": "writes",
    "hubapp.store.casework.referrals:add": "writes (Op.SAFEGUARDING)",
    "hubapp.store.casework.letters:send": "writes (Op.LETTERS), after the reads of preview, "
    "which is checked",
    "hubapp.store.casework.letters:save_template": "writes (Op.LETTER_TEMPLATES)",
    "hubapp.store.casework.letters:templates": "the wording of the letters: no case's rows",
    "hubapp.store.casework.letters:versions": "the wording of the letters: no case's rows",
    "hubapp.store.casework.letters:read_versions": "the wording of the letters: no case's rows",
    "hubapp.store.casework.letters:read_template": "the wording of the letters: no case's rows",
    "hubapp.store.casework.safeguarding:set_vulnerable": "writes (Op.SAFEGUARDING)",
    "hubapp.store.casework.safeguarding:set_date_of_birth": "writes",
    "hubapp.store.casework.sara:save": "writes",
    "hubapp.store.casework.timeline:add_note": "writes",
    "hubapp.store.casework.timeline:edit_note": "writes",
    "hubapp.store.casework.workflow:change_status": "writes",
    "hubapp.store.casework.workflow:apply_status_change": "writes (inside a caller's change)",
    "hubapp.store.casework.workflow:save_summary": "writes",
    "hubapp.store.casework.workflow:set_sara_stage": "writes",
    "hubapp.store.exchange.demo:generate": "writes (Op.DEMO)",
    "hubapp.store.exchange.export:atomic_write_audited": "writes what its caller read",
    "hubapp.store.exchange.importer:load_reference": "writes",
    "hubapp.store.exchange.importer:import_file": "writes",
    "hubapp.store.intake.drafts:write": "writes",
    "hubapp.store.intake.drafts:discard": "writes",
    "hubapp.store.intake.form:save": "writes",
    "hubapp.store.casework.merging:merge": "writes (Op.MERGE_PEOPLE)",
    "hubapp.store.casework.merging:unmerge": "writes (Op.UNMERGE_PEOPLE)",
    "hubapp.store.casework.merging:mark_distinct": "writes (Op.MERGE_PEOPLE)",
    "hubapp.store.refdata:ensure": "writes",
    "hubapp.store.setup:configure": "writes",
}

_TAKES = ("store", "s", "session")


def public_functions() -> set[str]:
    """Every public function of the store's modules and of the documents' gathering whose
    first parameter is the store or a session, and every public method of a public class
    built on one (``module:Class.method``)."""
    modules = ["hubapp.documents.gather"]
    modules += [m.name for m in pkgutil.walk_packages(hubapp.store.__path__, "hubapp.store.")
                if ".migrations" not in m.name]  # fmt: skip
    out = set()
    for name in modules:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr.startswith("_") or getattr(value, "__module__", None) != name:
                continue
            if inspect.isfunction(value):
                params = list(inspect.signature(value).parameters)
                if params and params[0] in _TAKES:
                    out.add(f"{name}:{attr}")
            elif inspect.isclass(value) and "__init__" in vars(value):
                params = list(inspect.signature(value.__init__).parameters)
                if len(params) > 1 and params[1] in _TAKES:
                    for base in value.__mro__:
                        if base.__module__ != name:
                            continue
                        out.update(f"{name}:{base.__name__}.{m}" for m, f in vars(base).items()
                                   if inspect.isfunction(f) and not m.startswith("_"))  # fmt: skip
    return out


def test_every_public_function_of_the_store_is_listed():
    found = public_functions()
    assert len(found) > 100, "the walk found too few functions"
    assert not set(READS) & set(NOT_READS)
    assert sorted(found - set(READS) - set(NOT_READS)) == [], "a read without an entry here"
    assert sorted((set(READS) | set(NOT_READS)) - found) == [], "an entry of nothing"


def _or_refusal(read):
    """What ``read`` returns, or the sentence it refuses with."""
    try:
        return read()
    except Refused as exc:
        return str(exc)


def _or_store_error(read):
    """What ``read`` returns, or the sentence it fails with (a row it may not reach)."""
    try:
        return read()
    except StoreError as exc:
        return str(exc)


def _refused(exc: BaseException) -> bool:
    """A refusal in its sentence: of the role (the matrix), or of a case or person not
    found (which a hidden one is)."""
    return isinstance(exc, Refused | LookupError | StoreError)


@pytest.mark.parametrize("name", sorted(READS))
def test_a_partner_of_a_small_agency_gets_nothing_of_another_agency(world, name, tmp_path):
    accounts.sign_in(world.store, "pat", PASSWORD)
    try:
        result = READS[name](world, tmp_path)
    except Exception as exc:  # noqa: BLE001 - a refusal is an answer too: told apart below
        assert _refused(exc), f"{name} failed: {exc!r}"
        result = str(exc)
    found = leaks(world, result)
    assert found == [], f"{name} gave a partner what is not theirs: {found[:5]}"


def test_the_walk_finds_what_an_administrator_sees(world, tmp_path):
    """The same reads as an administrator do bring back cases of other agencies: the walk
    and the forbidden set can fail."""
    accounts.sign_in(world.store, "ada", PASSWORD)
    try:
        for name in ("hubapp.store.casework.caselist:CaseList.page",
                     "hubapp.store.exchange.export:export_cases",
                     "hubapp.store.casework.meetings:load_meeting",
                     "hubapp.store.casework.asb_review:hub_list",
                     "hubapp.store.casework.assignments:cell_summaries",
                     "hubapp.store.casework.people:find",
                     "hubapp.store.casework.people:suggest_for_intake",
                     "hubapp.store.casework.people:linkable",
                     "hubapp.store.casework.people:for_linking",
                     "hubapp.store.casework.links:read_links",
                     "hubapp.store.casework.repeats:for_people",
                     "hubapp.store.casework.repeats:for_places",
                     "hubapp.store.casework.victim_contact:overdue",
                     "hubapp.documents.gather:victim_updates",
                     "hubapp.documents.gather:files_and_letters",
                     "hubapp.store.casework.orders_due:due",
                     "hubapp.store.casework.attachments:view_content",
                     "hubapp.store.casework.attachments:for_case",
                     "hubapp.store.casework.letters:communications",
                     "hubapp.store.casework.letters:choices"):  # fmt: skip
            assert leaks(world, READS[name](world, tmp_path)), name
    finally:
        accounts.sign_in(world.store, "pat", PASSWORD)


@pytest.mark.parametrize("read", [
    lambda w: caseview.load(w.store, w.hidden),
    lambda w: casedetail.load(w.store, w.hidden),
    lambda w: timeline.entries(w.store, w.hidden),
    lambda w: _in_session(w, lambda s: casefile.read(s, w.hidden)),
    lambda w: _in_session(w, lambda s: hubapp.documents.gather.case_sheet(
        s, w.hidden, rules(Profile.POLICE), TODAY)),
], ids=["caseview", "casedetail", "timeline", "casefile", "case_sheet"])  # fmt: skip
def test_a_hidden_case_asked_for_by_id_is_refused_in_its_sentence(world, read):
    accounts.sign_in(world.store, "pat", PASSWORD)
    with pytest.raises(AccessRefused, match=re.escape(access.NOT_YOUR_CASE)):
        read(world)


def test_by_id_a_hidden_case_and_its_rows_are_not_there(world):
    accounts.sign_in(world.store, "pat", PASSWORD)
    with world.store.read() as s:
        assert s.get(Case, world.hidden) is None
        assert casefile.live_case(s, world.hidden) is None
        assert grid.grid_case(world.store, world.hidden) is None
        assert assignments.cell_summaries(world.store, [world.hidden], today=TODAY) == {}
        assert actions.actions_for_case_agency(world.store, world.hidden, world.other) == []
        for table in access.case_rows():
            rows = s.scalars(select(table)).all()
            assert leaks(world, rows) == [], table.__name__


# --- the SQL that bypasses the ORM ---------------------------------------------------------

_RAW = {"exec_driver_sql", "driver_connection", "dbapi_connection"}


def raw_sql_functions() -> dict[str, int]:
    """``module:function`` of every function of the store and the documents with SQL of its
    own (a driver's statement or cursor, or SQLAlchemy's text()), and the line."""
    out: dict[str, int] = {}
    for path in sorted([*(ROOT / "store").rglob("*.py"), *(ROOT / "documents").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        texts = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                 and n.module == "sqlalchemy" for a in n.names if a.name == "text"}  # fmt: skip

        def visit(node, names, module=module, texts=texts):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    visit(child, [*names, child.name])
                    continue
                if (isinstance(child, ast.Attribute) and child.attr in _RAW) or (
                    isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                    and child.func.id in texts
                ):  # fmt: skip
                    out.setdefault(f"{module}:{'.'.join(names)}", child.lineno)
                visit(child, names)

        visit(tree, [])
    return out


def test_the_sql_that_bypasses_the_orm_is_named_in_one_place():
    found = raw_sql_functions()
    assert "hubapp.store.casework.caselist:CaseList.count" in found, "the walk found nothing"
    listed = set(access.RAW_SQL) | set(access.RAW_SQL_NO_CASE)
    assert not set(access.RAW_SQL) & set(access.RAW_SQL_NO_CASE)
    assert sorted(set(found) - listed) == [], "SQL of its own not named in hubapp.store.access"
    assert sorted(listed - set(found)) == [], "named in hubapp.store.access, but no SQL there"


def test_each_raw_sql_read_applies_the_case_rule_and_is_called_as_a_partner():
    for name in access.RAW_SQL:
        module, _, qual = name.partition(":")
        source = Path(importlib.import_module(module).__file__).read_text(encoding="utf-8")
        # the rule itself, or caselist's helper that adds it (over case_ c)
        assert "case_condition(" in source or "limit_to_account(" in source, module
    # each is a public read called above, or reached through one of its module
    for name in access.RAW_SQL:
        module = name.partition(":")[0]
        assert name in READS or any(r.startswith(module + ":") for r in READS), name


def test_the_bookkeeping_that_sees_every_row_is_named_in_one_place():
    """Only the functions access.SEES_EVERY_ROW names use access.EVERY_ROW."""
    found = set()
    for path in sorted([*(ROOT / "store").rglob("*.py"), *(ROOT / "documents").rglob("*.py")]):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        if module == "hubapp.store.access":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node, names, module=module):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.ClassDef):
                    visit(child, [*names, child.name])
                    continue
                if isinstance(child, ast.Attribute) and child.attr == "EVERY_ROW":
                    found.add(f"{module}:{'.'.join(names)}")
                visit(child, names)

        visit(tree, [])
    assert found == set(access.SEES_EVERY_ROW)
