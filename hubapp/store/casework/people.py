"""One person across cases: finding them by name, phone, e-mail or postcode, and what the
store holds about them (their page).

Every intake and import writes a person row of its own; a person is found across those rows
by *keys* (:mod:`hubapp.domain.matching`): the words of the name and the whole name with
case, accents and punctuation taken out, the phone number as E.164, the e-mail address, the
postcode. The keys live in ``person_key`` (migration 0010), one index look-up each. They are
worked out in Python, so SQL cannot keep them: triggers mark every person written, by any
path, in ``person_key_stale``, and :func:`catch_up` works their keys out again before a
search (a few at a time in daily use; every person once after a first copy).

Who sees whom: a person is found only through a case the account sees (the case rule of
``hubapp.store.access`` applies to the rows that link people to cases, as to every row of a
case). A locked-down person's details are for those who may see them on one of those cases;
for anyone else only the name is shown, and such a person is never found by a phone number,
an e-mail address or a postcode, which would say whose they are.

The intake form suggests the people already known while a report is typed
(:func:`suggest_for_intake`, with their repeat flags), never one locked down from the
account, and links the one chosen (:func:`for_linking` reads their details, audited;
:func:`linkable` is the rule the save checks again).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import String, and_, cast, exists, func, or_, select, text
from sqlalchemy.orm import aliased

from hubapp.domain import matching, repeats
from hubapp.store import access, audit
from hubapp.store.casework import repeats as store_repeats
from hubapp.store.errors import Refused, StoreError
from hubapp.store.schema import (
    Case,
    CasePerson,
    Channel,
    Contact,
    Hub,
    Intervention,
    InterventionType,
    Person,
    PersonKey,
    PersonMerge,
)

#: the kinds of key, as stored in person_key.kind
WORD, NAME, PHONE, EMAIL, POSTCODE = "word", "name", "phone", "email", "postcode"
#: how many stale people one transaction of :func:`catch_up` takes
BATCH = 2000
#: the most people one search returns
LIMIT = 50
#: the most keys one search by a single word or detail looks at
CANDIDATES = 1000
#: a name is searched from this many letters
MIN_NAME = 2

#: the start of a postcode: its outward code, and perhaps the digit of the inward one
_POSTCODE_START = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9][A-Z]{0,1}))?")

NOT_FOUND = "No person with that reference is on a case you can see."
#: the details of a person a merge compares and keeps (hubapp.store.casework.merging)
MERGE_DETAILS = ("full_name", "date_of_birth", "phone", "email", "address")


def keys_of(full_name: str, phone: str, email: str, address: str) -> set[tuple[str, str]]:
    """The (kind, key) pairs a person is found by."""
    out: set[tuple[str, str]] = set()
    name = matching.name_key(full_name)
    if name:
        out.add((NAME, name))
        out.update((WORD, w) for w in name.split())
    if key := matching.phone_key(phone):
        out.add((PHONE, key))
    if key := matching.email_key(email):
        out.add((EMAIL, key))
    if key := matching.find_postcode(address):
        out.add((POSTCODE, key))
    return out


def catch_up(store, *, batch: int = BATCH, progress=None) -> int:
    """Work out the keys of every person marked stale; returns how many there were. A
    transaction of ``batch`` people at a time, so that a pull or a save waits little;
    ``progress(fraction, message)`` is told after each (hubapp's progress callback: it
    returns False to stop, and what was done is kept)."""
    with store.read() as s:
        total = s.execute(text("SELECT count(*) FROM person_key_stale")).scalar_one()
    done = 0
    while total:
        if progress is not None and progress(min(done / total, 1.0), "Indexing people") is False:
            return done
        with store.write(reason="person keys") as s:
            # the station's own derived rows, written past the ORM: no record changes here
            cur = s.connection().connection.driver_connection.cursor()
            rows = cur.execute(
                "SELECT k.person_id, p.full_name, p.phone, p.email, p.address"
                " FROM person_key_stale k LEFT JOIN person p ON p.id = k.person_id LIMIT ?",
                (batch,),
            ).fetchall()
            if not rows:
                break
            ids = [(r[0],) for r in rows]
            cur.executemany("DELETE FROM person_key WHERE person_id = ?", ids)
            cur.executemany(
                "INSERT OR IGNORE INTO person_key (kind, key, person_id) VALUES (?, ?, ?)",
                [
                    (kind, key, pid)
                    for pid, name, phone, email, address in rows
                    if name is not None  # erased meanwhile: no keys
                    for kind, key in keys_of(name, phone or "", email or "", address or "")
                ],
            )
            cur.executemany("DELETE FROM person_key_stale WHERE person_id = ?", ids)
        done += len(rows)
    if done >= batch:
        # many keys at once (an upgrade, a first copy): SQLite's statistics of the table are
        # made again, or it plans a search as for an empty table until the next close
        with store.write(reason="person keys") as s:
            s.connection().connection.driver_connection.execute("ANALYZE person_key")
    return done


# --- finding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """What a typed search looks for: ``kind`` keys equal to one of ``exact`` or starting
    with ``prefix``; for a name, one such test per word (``words``)."""

    kind: str
    exact: frozenset[str] = frozenset()
    prefix: str = ""
    words: tuple[Probe, ...] = ()

    @property
    def by_details(self) -> bool:
        """Looks by phone, e-mail or postcode (not by name)."""
        return self.kind in (PHONE, EMAIL, POSTCODE)


def probe_for(typed: str) -> Probe | None:
    """How to look for what was typed: an e-mail address (it has an @), a phone number
    (digits, mostly), a postcode, or else a name (every word a prefix of a word of the name,
    or one of its given-name forms: Bill finds William). None: too little to look for."""
    text = " ".join((typed or "").split())
    if not text:
        return None
    if "@" in text:
        return Probe(EMAIL, prefix=text.casefold())
    digits = sum(c.isdigit() for c in text)
    if digits >= 4 and digits * 2 >= len(text.replace(" ", "")):
        prefix = matching.phone_prefix(text)
        if prefix is not None:
            return Probe(PHONE, prefix=prefix)
        return Probe(PHONE, exact=frozenset({matching.phone_key(text)}))
    postcode = matching.postcode_key(text)
    if postcode is not None:
        return Probe(POSTCODE, exact=frozenset({postcode}))
    start = _POSTCODE_START.fullmatch(text.upper())
    if start:  # the start of a postcode, as it is typed: CA28, CA28 7
        return Probe(POSTCODE, prefix=" ".join(x for x in start.groups() if x))
    words = matching.name_key(text).split()
    if not words or len("".join(words)) < MIN_NAME:
        return None
    return Probe(
        WORD,
        words=tuple(Probe(WORD, exact=matching.given_name_variants(w), prefix=w) for w in words),
    )


def _matches(p: Probe, key=None):
    """The test of one key row against ``p`` (one word of a name, or one detail)."""
    key = PersonKey if key is None else key
    tests = []
    if p.exact:
        tests.append(key.key.in_(sorted(p.exact)))
    if p.prefix:
        # a range, not LIKE: the primary key (kind, key) answers it, and no character of
        # what was typed is a wildcard
        tests.append(and_(key.key >= p.prefix, key.key < p.prefix + "\U0010ffff"))
    return and_(key.kind == p.kind, or_(*tests))


def _key_test(p: Probe):
    """The people with a key matching ``p``."""
    return select(PersonKey.person_id).where(_matches(p))


def _also(p: Probe, person_id):
    """The person also has a key matching ``p`` (looked up by the person: a second word of
    a name, however broad, costs a few rows a candidate)."""
    other = aliased(PersonKey)
    return exists().where(other.person_id == person_id, _matches(p, other))


def seen(person_id):
    """The person is named on a case the account sees (the case rule reaches these rows)."""
    return or_(
        exists().where(CasePerson.person_id == person_id, CasePerson.voided.is_(False)),
        exists().where(Contact.reporter_person_id == person_id, Contact.voided.is_(False)),
    )


@dataclass(frozen=True)
class PersonHit:
    """One person found: what the results list shows."""

    id: uuid.UUID
    name: str
    #: locked down, and their details are not for this account: the name only
    hidden: bool
    #: the cases the account sees that name them, and the roles they have there
    cases: int
    roles: tuple[str, ...]
    #: when the latest of those cases was received
    latest: datetime | None
    #: what matched: name, phone, email or postcode
    matched: str


@dataclass(frozen=True)
class _Link:
    person_id: uuid.UUID
    case_id: uuid.UUID
    hub_id: uuid.UUID
    role: str
    received_at: datetime


def _links(s, person_ids: Iterable[uuid.UUID]) -> list[_Link]:
    """Every link of these people to a case the account sees: their roles on cases, and the
    reports they made."""
    ids = list(person_ids)
    if not ids:
        return []
    roles = s.execute(
        select(CasePerson.person_id, Case.id, Case.hub_id, CasePerson.role, Case.received_at)
        .join(Case, Case.id == CasePerson.case_id)
        .where(CasePerson.person_id.in_(ids), CasePerson.voided.is_(False))
    ).all()
    reports = s.execute(
        select(Contact.reporter_person_id, Case.id, Case.hub_id, Contact.received_at)
        .join(Case, Case.id == Contact.case_id)
        .where(Contact.reporter_person_id.in_(ids), Contact.voided.is_(False))
    ).all()
    return [_Link(*r) for r in roles] + [
        _Link(pid, cid, hub, "reporter", at) for pid, cid, hub, at in reports
    ]


def _hidden(s, locked_down: bool, hubs: set[uuid.UUID]) -> bool:
    return bool(locked_down) and not any(access.sees_locked_down(s, h) for h in hubs)


def details_seen(s, locked: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Of these locked-down people, those whose details are for the account in ``s``: on a
    case it sees, of a hub where it may see them (one read of their links for them all)."""
    hubs: dict[uuid.UUID, set[uuid.UUID]] = {}
    for link in _links(s, list(locked)):
        hubs.setdefault(link.person_id, set()).add(link.hub_id)
    return {pid for pid, where in hubs.items() if not _hidden(s, True, where)}


def hidden_for(s, person_id: uuid.UUID, locked_down: bool) -> bool:
    """The person is locked down and their details are not for the account in ``s`` (on none
    of the hubs of their cases it sees)."""
    return bool(locked_down) and person_id not in details_seen(s, [person_id])


def find(store, typed: str, *, limit: int = LIMIT) -> list[PersonHit]:
    """The people matching what was typed (:func:`probe_for`), on the cases the account
    sees, by name."""
    probe = probe_for(typed)
    if probe is None:
        return []
    try:
        catch_up(store)
    except StoreError:  # writing is held (the start-up check): search what is known
        pass
    if len(probe.words) > 1:
        # the longest word leads (the fewest people); each other word is checked on them
        driver, *others = sorted(probe.words, key=lambda w: -len(w.prefix))
        tests = [Person.id.in_(_key_test(driver))] + [_also(w, Person.id) for w in others]
    else:
        # a broad start (two letters, a phone number's first digits) matches tens of
        # thousands: the first in key order are enough to choose from, and typing on
        # narrows them
        one = probe.words[0] if probe.words else probe
        tests = [Person.id.in_(_key_test(one).order_by(PersonKey.key).limit(CANDIDATES))]
    with store.read() as s:
        query = select(Person.id, Person.full_name, Person.locked_down).where(
            Person.voided.is_(False), seen(Person.id), *tests
        )
        # more than are shown: locked-down people may still drop out below
        rows = s.execute(query.order_by(func.lower(Person.full_name)).limit(limit * 2)).all()
        by_person: dict[uuid.UUID, list[_Link]] = {}
        for link in _links(s, (r.id for r in rows)):
            by_person.setdefault(link.person_id, []).append(link)
        hits = []
        for pid, name, locked_down in rows:
            links = by_person.get(pid, [])
            hidden = _hidden(s, locked_down, {lk.hub_id for lk in links})
            if hidden and probe.by_details:
                continue
            hits.append(PersonHit(
                pid, name, hidden, len({lk.case_id for lk in links}),
                tuple(sorted({lk.role for lk in links})),
                max((lk.received_at for lk in links), default=None),
                "name" if probe.kind == WORD else probe.kind,
            ))  # fmt: skip
    return hits[:limit]


# --- linking a report to a person already known (the intake form) ----------------------------

#: the most people suggested for one person typed into a report
SUGGESTED = 5
#: a typed name is looked for from this many letters, a phone number from this many digits
INTAKE_NAME, INTAKE_PHONE = 3, 6


@dataclass(frozen=True)
class Typed:
    """What is typed for one person of a report (one-line text): ``slot`` names where
    (``reporter``, or ``people.<n>`` for the form's n-th person)."""

    slot: str
    name: str = ""
    phone: str = ""
    email: str = ""

    def probes(self) -> list[tuple[str, str]]:
        """(kind, text) to look for, in that order: the phone number and the e-mail address
        when typed, then the name (each only when :func:`probe_for` reads it as that)."""
        out = []
        for value, kind in ((self.phone, PHONE), (self.email, EMAIL), (self.name, WORD)):
            probe = probe_for(value)
            if probe is None or probe.kind != kind:
                continue
            if kind == PHONE and sum(c.isdigit() for c in value) < INTAKE_PHONE:
                continue
            if kind == WORD and len(matching.name_key(value).replace(" ", "")) < INTAKE_NAME:
                continue
            out.append((kind, value))
        return out


@dataclass(frozen=True)
class Known:
    """A person already known, as the intake form shows them: never one locked down from the
    account. The details (phone, e-mail, address) only from :func:`for_linking`."""

    id: uuid.UUID
    name: str
    locked_down: bool
    #: the cases the account sees that name them, and the roles they have there
    cases: int
    roles: tuple[str, ...]
    latest: datetime | None
    flags: tuple[repeats.Flag, ...]
    #: what matched what was typed: name, phone or email ("" once linked)
    matched: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    #: their safeguarding flags, one sentence each (hubapp.store.casework.safeguarding)
    safeguarding: tuple[str, ...] = ()


def suggest_for_intake(store, typed: Iterable[Typed], *, limit: int = SUGGESTED
                       ) -> dict[str, tuple[Known, ...]]:  # fmt: skip
    """For each person typed into a report, up to ``limit`` people already on the cases the
    account sees who may be them (:func:`find`): by the phone number and the e-mail address
    when typed, else by the name, with their cases, roles and repeat flags. Someone locked
    down from the account is never suggested. A slot with nothing to look for is left out."""
    hits: dict[str, list[PersonHit]] = {}
    for t in typed:
        probes = t.probes()
        by_details = [h for kind, value in probes if kind != WORD
                      for h in find(store, value, limit=limit)]  # fmt: skip
        name = next((value for kind, value in probes if kind == WORD), "")
        found = by_details or (find(store, name, limit=2 * limit) if name else [])
        unique = {h.id: h for h in found if not h.hidden}
        if probes:
            hits[t.slot] = list(unique.values())[:limit]
    ids = {h.id for found in hits.values() for h in found}
    if not ids:
        return {slot: () for slot in hits}
    from hubapp.domain import safeguarding

    with store.read() as s:
        rows = s.execute(select(Person.id, Person.locked_down, Person.date_of_birth,
                                Person.vulnerable).where(Person.id.in_(list(ids)))).all()  # fmt: skip
        flags = store_repeats.for_people(s, ids)
    locked = {pid: lock for pid, lock, _born, _v in rows}
    # the flags without the reason: a suggestion is not yet the person chosen
    guard = {pid: tuple(safeguarding.flags(born, vulnerable, "").lines())
             for pid, _lock, born, vulnerable in rows}  # fmt: skip
    return {
        slot: tuple(
            Known(
                h.id,
                h.name,
                bool(locked.get(h.id)),
                h.cases,
                h.roles,
                h.latest,
                tuple(flags.get(h.id, ())),
                h.matched,
                safeguarding=guard.get(h.id, ()),
            )  # fmt: skip
            for h in found
        )
        for slot, found in hits.items()
    }


def linkable(s, person_ids: Iterable[uuid.UUID]) -> tuple[dict[uuid.UUID, Person], set[uuid.UUID]]:
    """The people among ``person_ids`` a report may be linked to by the account acting in
    ``s`` (by id), and the ids of those locked down from it. A person voided, or on no case
    the account sees, is in neither (the case rule reaches the rows that name them)."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}, set()
    rows = s.scalars(
        select(Person).where(Person.id.in_(ids), Person.voided.is_(False), seen(Person.id))
    ).all()
    shown = details_seen(s, [p.id for p in rows if p.locked_down])
    found, locked = {}, set()
    for person in rows:
        if person.locked_down and person.id not in shown:
            locked.add(person.id)
        else:
            found[person.id] = person
    return found, locked


def for_linking(store, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Known]:
    """The people among ``person_ids`` a report may be linked to (:func:`linkable`), with
    their stored details, cases and repeat flags: what the intake form fills in and compares
    with what was typed. Reading their details is a consultation: audited (one entry)."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    from hubapp.domain import safeguarding

    with store.write(reason="person linked on intake") as s:
        found, _locked = linkable(s, ids)
        if not found:
            return {}
        by_person: dict[uuid.UUID, list[_Link]] = {}
        for link in _links(s, list(found)):
            by_person.setdefault(link.person_id, []).append(link)
        flags = store_repeats.for_people(s, list(found))
        out = {}
        for pid, p in found.items():
            links = by_person.get(pid, [])
            out[pid] = Known(
                pid, p.full_name, bool(p.locked_down), len({lk.case_id for lk in links}),
                tuple(sorted({lk.role for lk in links})),
                max((lk.received_at for lk in links), default=None), tuple(flags.get(pid, ())),
                "", p.phone or "", p.email or "", p.address or "",
                tuple(safeguarding.flags(p.date_of_birth, p.vulnerable,
                                         p.vulnerable_reason).lines()),
            )  # fmt: skip
        audit.record(s, audit.Kind.CONSULTATION, "person", [str(pid) for pid in out],
                     {"purpose": "linking a report"}, reason="person linked on intake")  # fmt: skip
    return out


# --- a person's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseLine:
    case_id: uuid.UUID
    reference: str
    hub: str
    roles: tuple[str, ...]
    status: str
    received_at: datetime
    closed_on: date | None
    summary: str


@dataclass(frozen=True)
class ReportLine:
    """A report the person made (a contact they are the reporter of)."""

    received_at: datetime
    reference: str
    channel: str
    summary: str


@dataclass(frozen=True)
class InterventionLine:
    reference: str
    kind: str
    issued_on: date
    expires_on: date | None
    status: str


@dataclass(frozen=True)
class PersonPage:
    """Everything the store holds about one person that the account may see, in plain
    values. Where ``hidden``, the details are empty: the name only."""

    id: uuid.UUID
    name: str
    hidden: bool
    locked_down: bool
    date_of_birth: date | None
    phone: str
    email: str
    address: str
    cases: list[CaseLine] = field(default_factory=list)
    reports: list[ReportLine] = field(default_factory=list)
    interventions: list[InterventionLine] = field(default_factory=list)
    #: their repeat flags (hubapp.domain.repeats), over the cases the account sees
    flags: list[repeats.Flag] = field(default_factory=list)
    #: the people merged into them (hubapp.store.casework.merging.MergeLine), newest first
    merges: list[MergeLine] = field(default_factory=list)
    #: their safeguarding flags (hubapp.store.casework.safeguarding.Flags), as the account
    #: may see them
    safeguarding: object | None = None
    #: the referrals of them the account may see (hubapp.store.casework.referrals.ReferralLine)
    referrals: list = field(default_factory=list)


# --- the people merged into a person (hubapp.store.casework.merging) -------------------------


@dataclass(frozen=True)
class MergeLine:
    merge_id: uuid.UUID
    other: uuid.UUID
    other_name: str
    merged_at: datetime
    merged_by: str
    reason: str
    #: the dropped person's details that differ from the kept person's: (field, value)
    other_details: tuple[tuple[str, str], ...]


def read_merges(s, person_id: uuid.UUID, hidden: bool) -> list[MergeLine]:
    """The merges into this person not undone, newest first; the other details only where
    the person's details are for the account (not ``hidden``)."""
    out = []
    for record in s.scalars(
        select(PersonMerge)
        .where(PersonMerge.kept_id == person_id, PersonMerge.undone_at.is_(None),
               PersonMerge.voided.is_(False), seen(person_id))
        .order_by(PersonMerge.merged_at.desc())
    ):  # fmt: skip
        theirs = record.dropped_values
        # the kept person's details as the merge left them: empty ones took the other's
        mine = {k: record.kept_before.get(k) or theirs.get(k) for k in MERGE_DETAILS}
        differs = () if hidden else tuple(
            (name, str(theirs[name])) for name in MERGE_DETAILS
            if theirs.get(name) and theirs.get(name) != mine.get(name)
        )  # fmt: skip
        out.append(MergeLine(record.id, record.dropped_id, theirs.get("full_name", ""),
                             record.merged_at, record.merged_by, record.reason, differs))  # fmt: skip
    return out


def reference(person_id: uuid.UUID) -> str:
    """A person's short reference, as the retention review shows it: P- and the first 8
    hexadecimal digits of their id."""
    return "P-" + person_id.hex[:8].upper()


def find_id(store, typed: str) -> uuid.UUID:
    """The person a reference (P-XXXXXXXX) or an id (whole, or its first 8 or more
    hexadecimal digits) names, among those on the cases the account sees."""
    text = (typed or "").strip()
    digits = (text[2:] if text.upper().startswith("P-") else text).replace("-", "").lower()
    if len(digits) < 8 or len(digits) > 32 or any(c not in "0123456789abcdef" for c in digits):
        raise Refused(f"'{text}' is not a person's reference (P- and 8 hexadecimal digits) "
                      "or id.")  # fmt: skip
    with store.read() as s:
        ids = list(s.scalars(
            select(Person.id)
            .where(cast(Person.id, String).like(f"{digits}%"), Person.voided.is_(False),
                   seen(Person.id))
            .limit(2)
        ))  # fmt: skip
    if not ids:
        raise Refused(NOT_FOUND)
    if len(ids) > 1:
        raise Refused(f"{text} matches more than one person; give the whole id.")
    return ids[0]


def show(store, person_id: uuid.UUID) -> PersonPage:
    """One person's page: their details, their cases (with role, hub, status and dates),
    the reports they made and the interventions naming them, their safeguarding flags and
    the referrals of them the account may see, on the cases the account sees.
    Opening it is a consultation of personal data: it is audited."""
    from hubapp.domain import safeguarding
    from hubapp.store.casework import referrals

    with store.write(reason="person opened") as s:
        person = s.execute(
            select(Person).where(Person.id == person_id, Person.voided.is_(False), seen(person_id))
        ).scalar_one_or_none()
        if person is None:
            raise Refused(NOT_FOUND)
        links = _links(s, [person_id])
        hubs = {lk.hub_id for lk in links}
        hidden = _hidden(s, person.locked_down, hubs)
        roles: dict[uuid.UUID, set[str]] = {}
        for lk in links:
            roles.setdefault(lk.case_id, set()).add(lk.role)
        cases = [
            CaseLine(cid, ref, hub, tuple(sorted(roles[cid])), status, at, closed, summary)
            for cid, ref, hub, status, at, closed, summary in s.execute(
                select(Case.id, Case.reference, Hub.name, Case.status, Case.received_at,
                       Case.closed_on, Case.summary)
                .join(Hub, Hub.id == Case.hub_id)
                .where(Case.id.in_(list(roles)))
                .order_by(Case.received_at.desc())
            )
        ]  # fmt: skip
        reports = [
            ReportLine(*r)
            for r in s.execute(
                select(Contact.received_at, Case.reference, Channel.name, Contact.summary)
                .join(Case, Case.id == Contact.case_id)
                .join(Channel, Channel.id == Contact.channel_id)
                .where(Contact.reporter_person_id == person_id, Contact.voided.is_(False))
                .order_by(Contact.received_at.desc())
            )
        ]
        interventions = [
            InterventionLine(*r)
            for r in s.execute(
                select(Case.reference, InterventionType.name, Intervention.issued_on,
                       Intervention.expires_on, Intervention.status)
                .join(Case, Case.id == Intervention.case_id)
                .join(InterventionType, InterventionType.id == Intervention.intervention_type_id)
                .where(Intervention.person_id == person_id, Intervention.voided.is_(False))
                .order_by(Intervention.issued_on.desc())
            )
        ]  # fmt: skip
        page = PersonPage(
            person.id, person.full_name, hidden, bool(person.locked_down),
            None if hidden else person.date_of_birth,
            "" if hidden else person.phone, "" if hidden else person.email,
            "" if hidden else person.address, cases, reports, interventions,
            store_repeats.for_people(s, [person_id]).get(person_id, []),
            read_merges(s, person_id, hidden),
            safeguarding.flags(person.date_of_birth, person.vulnerable,
                               person.vulnerable_reason, hidden=hidden),
            referrals.read(s, person_id=person_id),
        )  # fmt: skip
        audit.record(s, audit.Kind.CONSULTATION, "person", [str(person_id)],
                     {"cases": sorted(str(c.case_id) for c in cases)},
                     reason="person opened")  # fmt: skip
    return page
