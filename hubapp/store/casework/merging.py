"""Duplicate people: the review of likely pairs, a merge, and its undo.

Every intake and import used to write a person row of its own, so one woman calling about the
flat above her can be four rows. Nothing here merges by itself: :func:`duplicates` lists the
likely pairs with the reason for each, and a coordinator decides.

**A merge** (:func:`merge`) keeps one person and moves every link of the other to them: their
roles on cases, the reports they made, their risk assessments and the tools and powers naming
them. Nothing is lost: the kept person's empty details are filled from the other's, the other's
differing details stay on the merge record and show on the kept person's page as other known
details, and the stricter locked-down status wins. The dropped person is voided, not deleted.
All in one transaction, audited as a combination. Each change is an ordinary synced update
(the links' person columns, the dropped person's ``voided``), so another station applies the
merge as it applies any edit. The dropped person keeps only their name (their details move to
the merge record), so an edit of those details made elsewhere meanwhile meets the merge's
change of the same field at the central database, which keeps both for a person to choose,
whichever arrives first (an edit arriving at a voided row is flagged on ``voided`` too).

**An undo** (:func:`unmerge`) is for an administrator, within 30 days: it moves back exactly
the links the merge moved, puts the kept person's details back where the merge changed them
and nothing changed them since, and restores the dropped person.

Who may: coordinators and administrators merge (``Op.MERGE_PEOPLE``); an administrator undoes
(``Op.UNMERGE_PEOPLE``); partners and read-only accounts neither. Both people must be on cases
the account sees, their details must be for the account (a locked-down person's are not for
everyone), and both must be the station's hub's own (another hub's person is changed by that
hub: the central database would refuse the rest).
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from hubapp.domain import matching
from hubapp.domain.clock import utcnow
from hubapp.store import access, audit
from hubapp.store.casework import people
from hubapp.store.errors import Refused
from hubapp.store.roles import Op
from hubapp.store.schema import (
    PERSON_LINKS,
    Case,
    CasePerson,
    Contact,
    Person,
    PersonDistinct,
    PersonMerge,
    Station,
)

#: how long an administrator may undo a merge
UNDO_DAYS = 30
#: the details a person has, as compared and kept
DETAILS = people.MERGE_DETAILS
#: the details a merge takes off the dropped person (kept on the merge record)
CLEARED = ("date_of_birth", "phone", "email", "address")
#: every link to a person: (model, column)
LINKS = PERSON_LINKS
#: a phone number or e-mail address shared by more people than this tells no one apart (an
#: office's switchboard, a housing officer's address given for tenants)
COMMON = 5
#: the most pairs the review lists
LIMIT = 500

# the reasons, strongest first
SAME_PHONE = "same phone"
SAME_EMAIL = "same e-mail"
SAME_NAME_BORN = "same name and date of birth"
SAME_NAME_ADDRESS = "same name and address"
SIMILAR_NAME_STREET = "similar name in the same street"
REASONS = (SAME_PHONE, SAME_EMAIL, SAME_NAME_BORN, SAME_NAME_ADDRESS, SIMILAR_NAME_STREET)


# --- the review of likely duplicates ---------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    id: uuid.UUID
    name: str
    cases: int
    phone: str
    email: str
    address: str
    date_of_birth: date | None


@dataclass(frozen=True)
class Pair:
    """Two people who may be one, and why."""

    first: Candidate
    second: Candidate
    reasons: tuple[str, ...]

    @property
    def strength(self) -> int:
        return min(REASONS.index(r) for r in self.reasons)


def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a.hex < b.hex else (b, a)


@functools.lru_cache(maxsize=65536)
def _similar_given(a: str, b: str) -> bool:
    """Given names that may be one: equal, a short form (Bill, William), an initial, or one
    typing slip (Jonh, John)."""
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    if matching.given_name_variants(a) & matching.given_name_variants(b):
        return True
    return _one_slip(a, b)


def _one_slip(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped (at least 4 letters)."""
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def duplicates(store, *, limit: int = LIMIT, progress=None) -> list[Pair]:
    """The likely duplicate pairs among the people on the cases the account sees, strongest
    reason first, without the pairs found to be different people. Read from the keys people
    are found by (:mod:`hubapp.store.casework.people`), worked out first where stale.

    Every live person's keys are paired in one pass (plain SQL: keys, not case rows); only
    the pairs both of whose people the account sees on a case, with details it may see, are
    kept (read through the ORM, with the case rule)."""
    access.require(store, Op.MERGE_PEOPLE)
    people.catch_up(store, progress=progress)
    with store.read() as s:
        # the driver's own cursor: hundreds of thousands of keys, grouped by SQLite where it
        # can (the groups of interest are few)
        cur = s.connection().connection.driver_connection.cursor()
        # (the keys of voided people are read too: their pairs go with the visibility
        # check below, which reads only live people)
        reasons: dict[tuple[str, str], set[str]] = defaultdict(set)

        def add(group: list[str], why: str) -> None:
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if a != b:
                        reasons[(a, b) if a < b else (b, a)].add(why)

        # one phone number or e-mail address, a few people (more tell no one apart)
        for kind, ids in cur.execute(
            "SELECT kind, group_concat(person_id) FROM person_key WHERE kind IN ('phone', 'email')"
            f" GROUP BY kind, key HAVING count(*) BETWEEN 2 AND {COMMON}"
        ).fetchall():
            add(ids.split(","), SAME_PHONE if kind == people.PHONE else SAME_EMAIL)
        for (ids,) in cur.execute(
            "SELECT group_concat(n.person_id) FROM person p JOIN person_key n"
            " ON n.person_id = p.id AND n.kind = 'name'"
            " WHERE p.voided = 0 AND p.date_of_birth IS NOT NULL"
            " GROUP BY n.key, p.date_of_birth HAVING count(*) > 1"
        ).fetchall():
            add(ids.split(","), SAME_NAME_BORN)
        # the people of each postcode (a street or part of one): the same name there, and a
        # similar one (by the last word of the name, the given names compared in Python)
        by_address: dict[tuple[str, str], list[str]] = defaultdict(list)
        by_street: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for postcode, name, pid in cur.execute(
            "SELECT c.key, n.key, n.person_id FROM person_key c JOIN person_key n"
            " ON n.person_id = c.person_id AND n.kind = 'name' WHERE c.kind = 'postcode'"
        ).fetchall():
            by_address[(postcode, name)].append(pid)
            words = name.split()
            if len(words) >= 2:
                by_street[(postcode, words[-1])].append((pid, words[0], name))
        for same in by_address.values():
            if len(same) > 1:
                add(same, SAME_NAME_ADDRESS)
        for same in by_street.values():
            for i, (a, given_a, name_a) in enumerate(same):
                for b, given_b, name_b in same[i + 1 :]:
                    if name_a != name_b and _similar_given(given_a, given_b):
                        reasons[(a, b) if a < b else (b, a)].add(SIMILAR_NAME_STREET)
        distinct = {tuple(r) for r in cur.execute(
            "SELECT first_id, second_id FROM person_distinct").fetchall()}  # fmt: skip
        # strongest first; then who of them the account sees on a case, with details it
        # may see, a few hundred people at a time until the list is full
        ranked = sorted(
            ((pair, tuple(r for r in REASONS if r in why)) for pair, why in reasons.items()
             if pair not in distinct),
            key=lambda p: (REASONS.index(p[1][0]), -len(p[1]), p[0]),
        )  # fmt: skip
        visible: dict[str, str] = {}
        checked: set[str] = set()
        found: list[tuple[tuple[str, str], tuple[str, ...]]] = []
        at = 0
        while at < len(ranked) and len(found) < limit:
            batch = ranked[at : at + 250]
            at += 250
            wanted = sorted({h for pair, _r in batch for h in pair} - checked)
            checked.update(wanted)
            rows = s.execute(
                select(Person.id, Person.full_name, Person.locked_down).where(
                    Person.id.in_([uuid.UUID(hex=h) for h in wanted]),
                    Person.voided.is_(False), people.seen(Person.id))
            ).all()  # fmt: skip
            shown = people.details_seen(s, [pid for pid, _n, locked in rows if locked])
            visible.update((pid.hex, name) for pid, name, locked in rows
                           if not locked or pid in shown)  # fmt: skip
            found += [(pair, why) for pair, why in batch
                      if pair[0] in visible and pair[1] in visible]  # fmt: skip
        found = sorted(found[:limit], key=lambda p: (REASONS.index(p[1][0]), -len(p[1]),
                                                     visible[p[0][0]].casefold()))  # fmt: skip
        details = _candidates(s, {uuid.UUID(hex=h) for pair, _r in found for h in pair})
        return [
            Pair(details[uuid.UUID(hex=a)], details[uuid.UUID(hex=b)], why) for (a, b), why in found
        ]


def _candidates(s, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Candidate]:
    ids = list(ids)
    out: dict[uuid.UUID, Candidate] = {}
    cases: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for pid, case_id in s.execute(
            select(CasePerson.person_id, CasePerson.case_id).where(
                CasePerson.person_id.in_(chunk), CasePerson.voided.is_(False)
            )
        ):
            cases[pid].add(case_id)
        for p in s.scalars(select(Person).where(Person.id.in_(chunk))):
            out[p.id] = Candidate(p.id, p.full_name, len(cases[p.id]), p.phone, p.email,
                                  p.address, p.date_of_birth)  # fmt: skip
    return out


def mark_distinct(store, first: uuid.UUID, second: uuid.UUID) -> None:
    """Two people a person found to be different: the pair is not listed again here."""
    access.require(store, Op.MERGE_PEOPLE)
    a, b = _pair(first, second)
    with store.write(reason="people found distinct") as s:
        if s.get(PersonDistinct, (a, b)) is None:
            s.add(PersonDistinct(first_id=a, second_id=b, decided_by=store.user or "",
                                 decided_at=utcnow()))  # fmt: skip


# --- a merge -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Merged:
    merge_id: uuid.UUID
    kept: uuid.UUID
    dropped: uuid.UUID
    moved: int
    filled: tuple[str, ...]
    kept_name: str
    dropped_name: str

    def describe(self) -> str:
        what = f"{self.moved} link{'s' * (self.moved != 1)} moved"
        if self.filled:
            what += "; filled in: " + ", ".join(f.replace("_", " ") for f in self.filled)
        return (f"Merged {self.dropped_name} ({people.reference(self.dropped)}) into "
                f"{self.kept_name} ({people.reference(self.kept)}): {what}.")  # fmt: skip


def _values(p: Person) -> dict:
    return {
        "full_name": p.full_name,
        "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None,
        "phone": p.phone, "email": p.email, "address": p.address,
        "locked_down": bool(p.locked_down),
    }  # fmt: skip


def _station_hub(s, store) -> uuid.UUID | None:
    station = s.get(Station, store.station_id) if store.station_id else None
    return station.hub_id if station is not None else None


def _person_for_merge(s, store, person_id: uuid.UUID, hub: uuid.UUID | None) -> Person:
    ref = people.reference(person_id)
    person = s.execute(
        select(Person).where(Person.id == person_id, Person.voided.is_(False),
                             people.seen(person_id))
    ).scalar_one_or_none()  # fmt: skip
    if person is None:
        raise Refused(f"No person {ref} is on a case you can see.")
    if people.hidden_for(s, person_id, person.locked_down):
        raise Refused(f"{ref} is locked down and their details are not for your account; a "
                      "coordinator of their hub can merge them.")  # fmt: skip
    owner = s.get(Station, person.station_id) if person.station_id else None
    if owner is not None and hub is not None and owner.hub_id != hub:
        raise Refused(f"{ref} was recorded by another hub; that hub can merge them.")
    return person


def merge(store, keep_id: uuid.UUID, drop_id: uuid.UUID, reason: str,
          *, now: datetime | None = None) -> Merged:  # fmt: skip
    """Merge the person ``drop_id`` into ``keep_id`` (see the module notes)."""
    access.require(store, Op.MERGE_PEOPLE)
    reason = " ".join((reason or "").split())
    if keep_id == drop_id:
        raise Refused("A person cannot be merged into themselves; choose two people.")
    if not reason:
        raise Refused("Give a reason for the merge (what shows they are one person).")
    now = now or utcnow()
    with store.write(reason="people merged") as s:
        hub = _station_hub(s, store)
        kept = _person_for_merge(s, store, keep_id, hub)
        dropped = _person_for_merge(s, store, drop_id, hub)
        before, theirs = _values(kept), _values(dropped)
        moved: list[list[str]] = []
        # the cases and roles the kept person has: a same role on a same case is one row
        have = {(case_id, role) for case_id, role in s.execute(
            select(CasePerson.case_id, CasePerson.role).where(
                CasePerson.person_id == keep_id, CasePerson.voided.is_(False)))}  # fmt: skip
        for model, column in LINKS:
            rows = s.scalars(
                select(model).where(getattr(model, column) == drop_id, model.voided.is_(False))
            ).all()
            for row in rows:
                if model is CasePerson and (row.case_id, row.role) in have:
                    row.voided = True
                    moved.append([model.__tablename__, row.id.hex, "voided"])
                    continue
                setattr(row, column, keep_id)
                moved.append([model.__tablename__, row.id.hex, column])
        filled = []
        for name in DETAILS:
            if not getattr(kept, name) and getattr(dropped, name):
                setattr(kept, name, getattr(dropped, name))
                filled.append(name)
        if dropped.locked_down and not kept.locked_down:
            kept.locked_down = True
            filled.append("locked_down")
        # the dropped row keeps its name only: its details live on the merge record (for the
        # kept person's page and the undo). So an edit of them made elsewhere meanwhile meets
        # this change at the central database and is a conflict for a person to settle, in
        # whichever order the two arrive
        for name in CLEARED:
            setattr(dropped, name, None if name == "date_of_birth" else "")
        dropped.voided = True
        record = PersonMerge(
            id=uuid.uuid4(), hub_id=hub or _any_hub(s, keep_id), kept_id=keep_id,
            dropped_id=drop_id, reason=reason, merged_by=store.user or "", merged_at=now,
            moved=moved, kept_before=before, dropped_values=theirs, undone_by="",
            undo_reason="",
        )  # fmt: skip
        s.add(record)
        s.flush()
        audit.record(s, audit.Kind.COMBINATION, "person", [str(keep_id), str(drop_id)],
                     {"merge": str(record.id), "kept": str(keep_id), "dropped": str(drop_id),
                      "moved": len(moved), "filled": filled}, reason=reason)  # fmt: skip
        return Merged(record.id, keep_id, drop_id, len(moved), tuple(filled), kept.full_name,
                      dropped.full_name)  # fmt: skip


def _any_hub(s, person_id: uuid.UUID) -> uuid.UUID:
    """The hub of one of the person's cases (a database not set up as a station)."""
    hub = s.scalar(
        select(Case.hub_id).join(CasePerson, CasePerson.case_id == Case.id)
        .where(CasePerson.person_id == person_id).limit(1)
    )  # fmt: skip
    if hub is None:
        hub = s.scalar(
            select(Case.hub_id).join(Contact, Contact.case_id == Case.id)
            .where(Contact.reporter_person_id == person_id).limit(1)
        )  # fmt: skip
    return hub


# --- its undo ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unmerged:
    merge_id: uuid.UUID
    restored: uuid.UUID
    moved_back: int
    #: links changed since the merge, left as they are
    left: int

    def describe(self) -> str:
        text = (f"Restored {people.reference(self.restored)}: {self.moved_back} "
                f"link{'s' * (self.moved_back != 1)} moved back")  # fmt: skip
        if self.left:
            text += f"; {self.left} changed since the merge left as they are"
        return text + "."


def find_merge(store, typed: str) -> uuid.UUID:
    """The merge a person reference names: the latest merge not undone in which that person
    was dropped (or kept); or a merge id."""
    text = (typed or "").strip()
    with store.read() as s:
        try:
            merge_id = uuid.UUID(text)
        except ValueError:
            merge_id = None
        if merge_id is not None and s.get(PersonMerge, merge_id) is not None:
            return merge_id
        digits = (text[2:] if text.upper().startswith("P-") else text).lower()
        if len(digits) < 8 or any(c not in "0123456789abcdef" for c in digits):
            raise Refused(f"'{text}' is not a person's reference (P- and 8 hexadecimal "
                          "digits) or a merge's id.")  # fmt: skip
        rows = s.execute(
            select(PersonMerge.id, PersonMerge.dropped_id, PersonMerge.kept_id)
            .where(PersonMerge.undone_at.is_(None), PersonMerge.voided.is_(False))
            .order_by(PersonMerge.merged_at.desc())
        ).all()
    for merge_id, dropped, _kept in rows:
        if dropped.hex.startswith(digits):
            return merge_id
    for merge_id, _dropped, kept in rows:
        if kept.hex.startswith(digits):
            return merge_id
    raise Refused(f"No merge of {text} is waiting to be undone.")


def unmerge(store, merge_id: uuid.UUID, reason: str, *, now: datetime | None = None) -> Unmerged:
    """Undo the merge ``merge_id`` (an administrator, within :data:`UNDO_DAYS` days)."""
    access.require(store, Op.UNMERGE_PEOPLE)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Refused("Give a reason for undoing the merge.")
    now = now or utcnow()
    with store.write(reason="merge undone") as s:
        record = s.get(PersonMerge, merge_id)
        if record is None or record.voided:
            raise Refused("No such merge.")
        if record.undone_at is not None:
            raise Refused("That merge was undone already.")
        if now - record.merged_at > timedelta(days=UNDO_DAYS):
            raise Refused(f"That merge was made more than {UNDO_DAYS} days ago and can no "
                          "longer be undone; merge or correct the people by hand.")  # fmt: skip
        tables = {model.__tablename__: model for model, _c in LINKS}
        back = left = 0
        for table, row_hex, column in record.moved:
            row = s.get(tables[table], uuid.UUID(hex=row_hex))
            if row is None:  # erased since
                left += 1
                continue
            if column == "voided":
                if row.voided:
                    row.voided = False
                    back += 1
                else:
                    left += 1
            elif getattr(row, column) == record.kept_id:
                setattr(row, column, record.dropped_id)
                back += 1
            else:
                left += 1
        kept = s.get(Person, record.kept_id)
        dropped = s.get(Person, record.dropped_id)
        if kept is not None:
            merged, current = _merged_values(record), _values(kept)
            for name, value in record.kept_before.items():
                now_value = current[name]
                if now_value != value and now_value == merged.get(name):
                    setattr(kept, name, date.fromisoformat(value) if name == "date_of_birth"
                            and value else value)  # fmt: skip
        if dropped is not None:
            for name in CLEARED:  # what the merge cleared, unless written since
                value = record.dropped_values.get(name)
                if value and not getattr(dropped, name):
                    setattr(dropped, name, date.fromisoformat(value) if name == "date_of_birth"
                            else value)  # fmt: skip
            dropped.voided = False
        record.undone_at = now
        record.undone_by = store.user or ""
        record.undo_reason = reason
        audit.record(s, audit.Kind.ALTERATION, "person",
                     [str(record.kept_id), str(record.dropped_id)],
                     {"merge undone": str(record.id), "moved back": back, "left": left},
                     reason=reason)  # fmt: skip
        return Unmerged(record.id, record.dropped_id, back, left)


def _merged_values(record: PersonMerge) -> dict:
    """What the merge set the kept person's details to (the empty ones filled)."""
    out = dict(record.kept_before)
    for name in DETAILS:
        if not out.get(name) and record.dropped_values.get(name):
            out[name] = record.dropped_values[name]
    out["locked_down"] = bool(out.get("locked_down")) or bool(
        record.dropped_values.get("locked_down"))  # fmt: skip
    return out


# --- following a person through merges ----------------------------------------------------


def merged_ids(s, person_id: uuid.UUID) -> set[uuid.UUID]:
    """Every person merged into this one, through merges of merges (not undone)."""
    found = {person_id}
    todo = [person_id]
    while todo:
        current = todo.pop()
        for dropped in s.scalars(
            select(PersonMerge.dropped_id).where(
                PersonMerge.kept_id == current, PersonMerge.undone_at.is_(None)
            )
        ):
            if dropped not in found:
                found.add(dropped)
                todo.append(dropped)
    return found - {person_id}
