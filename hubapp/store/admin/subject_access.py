"""Subject access (UK GDPR art. 15, DPA 2018 s.45): everything held about one person.

:func:`gather` collects, for one person: their own record; every case they are linked to,
with their role; the contacts, notes, actions, status changes, SARA plan, meeting agenda
items and decisions of those cases; the tools and powers used against them and their risk
assessments; and the audit entries about their records and their cases, with the
disclosures (prints, exports, sync) listed on their own.

Other people's details are redacted, with the helpers the printed documents use
(:mod:`hubapp.domain.redaction`): the full names of the other people on the cases become
``[another person]``; phone numbers, e-mail addresses and home addresses (the other people's
as recorded, and any that look like one) are taken out of free text; another person as the
reporter of a contact is named only as another person; other people's ids in the audit
entries are replaced. Staff names (authors, owners) are kept: they acted in their role.

:func:`write` makes the file: JSON (for machines) or a zip of the same JSON with one CSV per
section and a short read-me (for people, in a spreadsheet). Written atomically, readable by
its owner only, and recorded in the audit log as a disclosure of the person's record.

Files kept on the cases (attachments) and the letters sent, decided as follows:

* **Text files** (``text/plain``, ``text/csv``, an e-mail saved as ``.eml``): their text is
  included with the same redaction as the rest (an e-mail is read part by part: its headers
  and its plain-text body; a file attached inside it is listed, not included). What the
  redaction cannot do: it finds only the other people recorded on the person's cases and
  anything that looks like a phone number, e-mail address or home address. A name of
  someone never recorded, a nickname, a signature, a vehicle registration or a description
  that identifies someone stays in; each such file is marked to be read before disclosure.
* **Letters sent to the person** (``Communication`` rows naming them): included as the PDF
  they were sent, unredacted, in the zip export: the person has already received them
  (the JSON lists them and says so). Letters sent to other people are about those people:
  listed only as "a letter to another person", never included.
* **Everything else** (photos and other images, PDFs, Office documents, audio, video,
  HTML and anything not known to be plain text): other people cannot be reliably taken out
  of them automatically, so they are **not included**. Each is listed (case, title, kind,
  type, size, date, who added it) with the sentence ``NOT_INCLUDED``: a person reviews it
  by hand, redacts a copy, and discloses it separately.
* A file whose content has not all reached this station is listed, not included.

The audit entry of the disclosure names the attachments and letters that left in the file.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import logging
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select

from hubapp.domain.clock import utcnow
from hubapp.domain.redaction import remove_contact_details, scrub
from hubapp.domain.spreadsheet import safe_cell
from hubapp.store import access, audit
from hubapp.store.casework import attachment_content, merging, referrals
from hubapp.store.errors import StoreError
from hubapp.store.exchange.export import ExportCancelled, atomic_write_audited
from hubapp.store.files import check_output
from hubapp.store.schema import (
    Action,
    Agency,
    AgendaItem,
    Attachment,
    Case,
    CasePerson,
    CaseStatusChange,
    Category,
    Channel,
    Communication,
    Contact,
    Hub,
    Intervention,
    InterventionType,
    Meeting,
    MeetingDecision,
    Note,
    Person,
    PersonMerge,
    RiskAssessment,
    SaraPlan,
)

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("json", "zip")
ANOTHER = "[another person]"
Progress = Callable[[float, str], bool]

REDACTION_NOTE = (
    "Other people's names, phone numbers, e-mail addresses and home addresses have been "
    "removed from this copy. Names of staff acting in their role are kept."
)


NOT_INCLUDED = (
    "Not included: other people cannot be reliably taken out of this kind of file "
    "automatically. Review it by hand, and redact a copy, before disclosing it."
)
TEXT_REDACTED = (
    "Included with other people taken out as the rest of this export; names of people not "
    "recorded on the case cannot be found automatically, so read it before disclosure."
)
OWN_LETTER = "Included as it was sent to this person (they have already received it)."
OWN_LETTER_JSON = (
    "Sent to this person (they have already received it); the PDF is in the zip export."
)
OTHERS_LETTER = "Not included: a letter sent to another person."
NOT_ARRIVED = (
    "Not included: the file has not all reached this station yet; sync, then export again."
)
#: media types (and file endings) whose text is read and redacted
TEXT_TYPES = ("text/plain", "text/csv", "message/rfc822")
TEXT_ENDINGS = (".txt", ".csv", ".eml")


class PersonNotFound(StoreError):
    pass


@dataclass(frozen=True)
class PersonChoice:
    id: uuid.UUID
    name: str
    cases: str  # "CAR-2026-0042 (victim), ..."


# --- finding the person -----------------------------------------------------------------------


def _choices(s, people: list[Person]) -> list[PersonChoice]:
    out = []
    for p in people:
        links = s.execute(
            select(Case.reference, CasePerson.role)
            .join(Case, Case.id == CasePerson.case_id)
            .where(CasePerson.person_id == p.id, CasePerson.voided.is_(False))
            .order_by(Case.reference)
        ).all()
        cases = ", ".join(f"{ref} ({role.replace('_', ' ')})" for ref, role in links)
        out.append(PersonChoice(p.id, p.full_name, cases))
    return out


def _require_admin(store) -> None:
    access.require(store, access.Op.SUBJECT_ACCESS)


def find_person(store, text: str) -> uuid.UUID:
    """The person with id ``text``, or the one person whose name is ``text`` (ignoring case
    and spacing). PersonNotFound with one sentence when there is none, or when several
    share the name (naming each with their id and cases)."""
    _require_admin(store)
    text = " ".join((text or "").split())
    if not text:
        raise PersonNotFound("Say whose records to export: a person's id or full name.")
    with store.read() as s:
        try:
            pid = uuid.UUID(text)
        except ValueError:
            pid = None
        if pid is not None:
            person = s.get(Person, pid)
            if person is None or person.voided:
                raise PersonNotFound(f"There is no person with the id {text}.")
            return person.id
        key = text.casefold()
        people = [
            p
            for p in s.scalars(
                select(Person).where(
                    func.lower(Person.full_name) == text.lower(), Person.voided.is_(False)
                )
            )
        ] or [
            p
            for p in s.scalars(select(Person).where(Person.voided.is_(False)))
            if " ".join(p.full_name.split()).casefold() == key
        ]
        if not people:
            raise PersonNotFound(
                f"No one called '{text}' is recorded; check the spelling, or use the "
                "person's id (shown in the case window's People tab)."
            )
        if len(people) > 1:
            named = "; ".join(f"{c.id} ({c.cases or 'no cases'})" for c in _choices(s, people)[:10])
            raise PersonNotFound(
                f"{len(people)} people are called '{text}'; say which with --person and "
                f"one of their ids: {named}."
            )
        return people[0].id


# --- gathering --------------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class _Redactor:
    """Takes the other people out of free text and of audit details."""

    def __init__(self, others: list[Person], keep: list[str]) -> None:
        self.names = [(p.full_name, True) for p in others if p.full_name.strip()]
        self.recorded = [(p.phone, p.email, p.address) for p in others]
        self.keep = [k for k in keep if k]
        self.ids = {str(p.id) for p in others}

    def text(self, value: str | None) -> str:
        if not value:
            return value or ""
        # scrub() marks locked-down names "[restricted]": every other person is treated so
        out = scrub(value, self.names).replace("[restricted]", ANOTHER)
        return remove_contact_details(out, self.recorded, keep=self.keep)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return ANOTHER if value in self.ids else value
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {ANOTHER if k in self.ids else k: self.value(v) for k, v in value.items()}
        return value


def gather(store, person_id: uuid.UUID, progress: Progress | None = None) -> Export:
    """Everything held about the person, redacted as the module notes say, as plain JSON
    values. Reading is not logged here: :func:`write` logs the disclosure."""
    _require_admin(store)

    def report(fraction: float, message: str) -> None:
        if progress is not None and progress(fraction, message) is False:
            raise ExportCancelled("The subject access export was cancelled; nothing was written.")

    report(0.0, "Reading the person's records")
    with store.read() as s:
        person = s.get(Person, person_id)
        if person is not None and person.voided:
            kept = s.scalar(
                select(PersonMerge.kept_id).where(PersonMerge.dropped_id == person_id,
                                                  PersonMerge.undone_at.is_(None))
            )  # fmt: skip
            if kept is not None:
                raise PersonNotFound(
                    f"{person_id} was merged into {kept}: export that person's records "
                    "(they include this one's)."
                )
        if person is None or person.voided:
            raise PersonNotFound(f"There is no person with the id {person_id}.")
        links = s.execute(
            select(CasePerson.case_id, CasePerson.role).where(
                CasePerson.person_id == person_id, CasePerson.voided.is_(False)
            )
        ).all()
        case_ids = sorted({c for c, _r in links}, key=str)
        roles: dict[uuid.UUID, list[str]] = {}
        for c, r in links:
            roles.setdefault(c, []).append(r)
        cases = (
            s.scalars(select(Case).where(Case.id.in_(case_ids), Case.voided.is_(False))).all()
            if case_ids
            else []
        )
        case_ids = [c.id for c in cases]
        refs = {c.id: c.reference for c in cases}
        other_ids = set(
            s.scalars(
                select(CasePerson.person_id).where(
                    CasePerson.case_id.in_(case_ids), CasePerson.person_id != person_id
                )
            )
        ) | set(
            s.scalars(
                select(Contact.reporter_person_id).where(
                    Contact.case_id.in_(case_ids), Contact.reporter_person_id.is_not(None),
                    Contact.reporter_person_id != person_id,
                )
            )
        )  # fmt: skip
        others = (
            list(s.scalars(select(Person).where(Person.id.in_(other_ids)))) if other_ids else []
        )
        r = _Redactor(others, [person.address] + [c.location for c in cases])
        hubs = dict(s.execute(select(Hub.id, Hub.name)).all())
        categories = dict(s.execute(select(Category.id, Category.name)).all())
        channels = dict(s.execute(select(Channel.id, Channel.name)).all())
        agencies = dict(s.execute(select(Agency.id, Agency.short_name)).all())
        types = dict(s.execute(select(InterventionType.id, InterventionType.name)).all())

        def live(model):
            return select(model).where(model.case_id.in_(case_ids), model.voided.is_(False))

        out: dict[str, Any] = {
            "marking": "OFFICIAL-SENSITIVE",
            "produced_at": _iso(utcnow()),
            "produced_by": store.user,
            "redaction": REDACTION_NOTE,
            "person": {
                "id": str(person.id),
                "full_name": person.full_name,
                "date_of_birth": _iso(person.date_of_birth),
                "phone": person.phone,
                "email": person.email,
                "address": person.address,
                "locked_down": person.locked_down,
                "vulnerable": person.vulnerable,
                "vulnerable_reason": person.vulnerable_reason,
                "recorded_at": _iso(person.created_at),
                "updated_at": _iso(person.updated_at),
            },  # fmt: skip
            "cases": [
                {
                    "id": str(c.id),
                    "reference": c.reference,
                    "role": ", ".join(roles[c.id]),
                    "hub": hubs.get(c.hub_id, ""),
                    "category": categories.get(c.category_id, ""),
                    "status": c.status,
                    "risk_level": c.risk_level,
                    "received_at": _iso(c.received_at),
                    "opened_on": _iso(c.opened_on),
                    "closed_on": _iso(c.closed_on),
                    "location": c.location,
                    "town": c.town,
                    "postcode": c.postcode,
                    "summary": r.text(c.summary),
                    "details": r.text(c.details),
                    "outcome": c.outcome,
                    "closure_rationale": r.text(c.closure_rationale),
                }  # fmt: skip
                for c in sorted(cases, key=lambda c: c.reference)
            ],
        }
        # the records merged into this person (the same person, recorded more than once):
        # what each held, and the merge
        merged = merging.merged_ids(s, person_id)
        out["merged_records"] = [
            {
                "id": str(m.dropped_id),
                "merged_into": str(m.kept_id),
                "merged_at": _iso(m.merged_at),
                "merged_by": m.merged_by,
                "reason": m.reason,
                "as_recorded": {k: v for k, v in m.dropped_values.items() if k != "locked_down"},
            }  # fmt: skip
            for m in s.scalars(
                select(PersonMerge)
                .where(PersonMerge.dropped_id.in_(merged), PersonMerge.undone_at.is_(None))
                .order_by(PersonMerge.merged_at)
            )
        ]
        report(0.2, "Reading contacts, notes and actions")
        out["contacts"] = [
            {
                "case": refs[c.case_id],
                "received_at": _iso(c.received_at),
                "incident_at": _iso(c.incident_at),
                "channel": channels.get(c.channel_id, ""),
                "reporter": (
                    "this person"
                    if c.reporter_person_id == person_id
                    else ""
                    if c.anonymous or c.reporter_person_id is None
                    else ANOTHER
                ),
                "anonymous": c.anonymous,
                "summary": r.text(c.summary),
                "external_ref": c.external_ref,
            }  # fmt: skip
            for c in s.scalars(live(Contact).order_by(Contact.received_at))
        ]
        out["notes"] = [
            {
                "case": refs[n.case_id],
                "written_at": _iso(n.created_at),
                "author": n.author,
                "agency": agencies.get(n.agency_id, ""),
                "visibility": n.visibility,
                "text": r.text(n.body),
            }  # fmt: skip
            # own-agency notes go only to staff of that agency: the session's rules leave
            # out the others (hubapp.store.access)
            for n in s.scalars(live(Note).order_by(Note.created_at))
        ]
        out["actions"] = [
            {
                "case": refs[a.case_id],
                "agency": agencies.get(a.agency_id, ""),
                "owner": a.owner,
                "description": r.text(a.description),
                "due_on": _iso(a.due_on),
                "status": a.status,
                "completed_on": _iso(a.completed_on),
                "outcome": r.text(a.outcome),
            }  # fmt: skip
            for a in s.scalars(live(Action).order_by(Action.due_on.is_(None), Action.due_on))
        ]
        out["status_changes"] = [
            {
                "case": refs[c.case_id],
                "at": _iso(c.changed_at),
                "from": c.from_status,
                "to": c.to_status,
                "by": c.changed_by,
                "reason": r.text(c.reason),
            }  # fmt: skip
            for c in s.scalars(live(CaseStatusChange).order_by(CaseStatusChange.changed_at))
        ]
        plan_fields = [
            col.key for col in SaraPlan.__table__.columns
            if col.key not in ("id", "case_id", "row_version", "created_at", "updated_at",
                               "station_id", "voided")
        ]  # fmt: skip
        out["sara_plans"] = [
            {"case": refs[p.case_id], **{k: r.text(getattr(p, k)) for k in plan_fields}}
            for p in s.scalars(live(SaraPlan))
        ]
        report(0.4, "Reading tools and powers, risk assessments and meetings")
        out["interventions"] = [
            {
                "case": refs.get(i.case_id, ""),
                "type": types.get(i.intervention_type_id, ""),
                "agency": agencies.get(i.agency_id, ""),
                "issued_on": _iso(i.issued_on),
                "expires_on": _iso(i.expires_on),
                "status": i.status,
                "ended_on": _iso(i.ended_on),
                "conditions": r.text(i.conditions),
                "notes": r.text(i.notes),
            }  # fmt: skip
            for i in s.scalars(
                select(Intervention).where(
                    Intervention.person_id == person_id, Intervention.voided.is_(False)
                )
            )
        ]
        out["risk_assessments"] = [
            {
                "case": refs.get(a.case_id, ""),
                "assessed_at": _iso(a.assessed_at),
                "assessed_by": a.assessed_by,
                "level": a.level,
                "score": a.score,
                "answers": a.answers,
                "next_review_on": _iso(a.next_review_on),
                "subject": a.subject,
                "override_level": a.override_level,
                "override_reason": r.text(a.override_reason),
            }  # fmt: skip
            for a in s.scalars(
                select(RiskAssessment).where(
                    RiskAssessment.person_id == person_id, RiskAssessment.voided.is_(False)
                )
            )
        ]
        # the referrals of the person the account may see (the store's reading rule)
        out["referrals"] = [
            {
                "case": refs.get(x.case_id, x.case_reference),
                "pathway": x.pathway,
                "pathway_name": x.pathway_name,
                "referred_on": _iso(x.referred_on),
                "referred_by": x.referred_by,
                "reference": x.reference,
                "outcome": r.text(x.outcome),
                "outcome_on": _iso(x.outcome_on),
            }  # fmt: skip
            for x in referrals.read(s, person_id=person_id)
        ]
        meetings = {m.id: m for m in s.scalars(select(Meeting).where(Meeting.voided.is_(False)))}
        name = re.compile(r"\b" + r"\s+".join(map(re.escape, person.full_name.split())) + r"\b",
                          re.I) if person.full_name.split() else None  # fmt: skip
        decisions = [
            d
            for d in s.scalars(select(MeetingDecision).where(MeetingDecision.voided.is_(False)))
            if d.case_id in refs or (name is not None and name.search(d.text or ""))
        ]
        out["meeting_decisions"] = [
            {
                "meeting_on": _iso(meetings[d.meeting_id].meets_on)
                if d.meeting_id in meetings
                else "",
                "case": refs.get(d.case_id, ""),
                "text": r.text(d.text),
                "recorded_by": d.recorded_by,
            }  # fmt: skip
            for d in decisions
        ]
        out["meeting_agenda"] = [
            {
                "meeting_on": _iso(meetings[a.meeting_id].meets_on)
                if a.meeting_id in meetings
                else "",
                "case": refs[a.case_id],
                "reason": a.reason,
                "reason_text": r.text(a.reason_text),
                "removed": a.removed,
                "removed_reason": r.text(a.removed_reason),
            }  # fmt: skip
            for a in s.scalars(live(AgendaItem))
        ]
        report(0.5, "Reading the files kept on the cases and the letters sent")
        out["letters"], out["attachments"], files = _files(s, person_id, case_ids, refs, r)
        report(0.6, "Reading the audit log")
        names = [str(person_id)] + [str(c) for c in case_ids] + list(refs.values())
        entries = _audit_about(s, names, progress)
    out["audit"] = [
        {
            "id": e["id"],
            "at": e["at"],
            "user": e["user"],
            "kind": e["kind"],
            "entity": e["entity"],
            "record_ids": r.value(e["record_ids"]),
            "details": r.value(e["details"]),
            "reason": e["reason"],
        }  # fmt: skip
        for e in entries
    ]
    out["disclosures"] = [
        {
            "at": e["at"],
            "user": e["user"],
            "what": e["details"].get("document") or e["details"].get("format") or e["entity"],
            "to": e["details"].get("to") or e["details"].get("file") or "",
            "profile": e["details"].get("profile", ""),
            "reason": e["reason"],
        }  # fmt: skip
        for e in out["audit"]
        if e["kind"] == audit.Kind.DISCLOSURE and isinstance(e["details"], dict)
    ]
    report(0.9, "Writing")
    return Export(out, files=files)


class Export(dict):
    """What :func:`gather` returns: plain JSON values, with ``files``: the files the zip
    holds beside them ({name in the zip: bytes}), never in the JSON."""

    def __init__(self, values: dict[str, Any], files: dict[str, bytes] | None = None) -> None:
        super().__init__(values)
        self.files = files or {}


def _is_text(a: Attachment) -> bool:
    return (a.media_type or "").split(";")[0].strip().lower() in TEXT_TYPES or (
        (a.file_name or "").lower().endswith(TEXT_ENDINGS))  # fmt: skip


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _email_text(data: bytes) -> str:
    """An e-mail as text: its main headers and its plain-text parts, decoded; files inside
    it are named, not included."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    lines = [f"{h}: {message[h]}" for h in ("From", "To", "Cc", "Date", "Subject")
             if message[h] is not None]  # fmt: skip
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if part.get_content_type() == "text/plain" and not name:
            lines += ["", part.get_content()]
        else:
            lines += ["", f"[a file inside this e-mail ({part.get_content_type()}"
                          f"{', ' + name if name else ''}): {NOT_INCLUDED}]"]  # fmt: skip
    return "\n".join(lines)


def _zip_name(n: int, reference: str, file_name: str, suffix: str = "") -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in file_name)[:80] or "file"
    return f"files/{n:03d}-{reference}-{safe}{suffix}"


def _files(s, person_id, case_ids, refs, r: _Redactor):
    """(letters, attachments, files): the letters sent to the person; every file kept on
    their cases with whether and how it is included; the zip's files by name."""
    letters_to = {
        c.attachment_id: c
        for c in s.scalars(select(Communication).where(
            Communication.case_id.in_(case_ids), Communication.voided.is_(False),
            Communication.attachment_id.is_not(None)))
    }  # fmt: skip
    letters = [
        {
            "id": str(c.id),
            "case": refs[c.case_id],
            "sent_at": _iso(c.sent_at),
            "sent_by": c.sent_by,
            "method": c.method,
            "template": c.template_name,
            "subject": r.text(c.subject),
            "address": c.address,
            "attachment": str(c.attachment_id) if c.attachment_id else "",
        }  # fmt: skip
        for c in s.scalars(select(Communication).where(
            Communication.person_id == person_id, Communication.case_id.in_(case_ids),
            Communication.voided.is_(False)).order_by(Communication.sent_at))
    ]  # fmt: skip
    attachments, files = [], {}
    rows = s.scalars(select(Attachment).where(
        Attachment.case_id.in_(case_ids), Attachment.voided.is_(False))
        .order_by(Attachment.created_at, Attachment.id))  # fmt: skip
    for n, a in enumerate(rows, start=1):
        letter = letters_to.get(a.id)
        entry = {
            "id": str(a.id), "case": refs[a.case_id], "title": r.text(a.title), "kind": a.kind,
            "file_name": r.text(a.file_name), "media_type": a.media_type, "size": a.size,
            "added_at": _iso(a.created_at), "added_by": a.added_by,
            "note": r.text(a.note), "included": False, "file": "", "how": NOT_INCLUDED,
        }  # fmt: skip
        own = letter is not None and letter.person_id == person_id
        if letter is not None and not own:
            entry.update(title="a letter to another person", file_name="", how=OTHERS_LETTER)
        elif not attachment_content.is_complete(s, a):
            entry["how"] = NOT_ARRIVED
        elif own:
            name = _zip_name(n, refs[a.case_id], a.file_name)
            files[name] = b"".join(attachment_content.iter_chunks(s, a))
            entry.update(included=True, file=name, how=OWN_LETTER)
        elif _is_text(a):
            data = b"".join(attachment_content.iter_chunks(s, a))
            eml = a.media_type == "message/rfc822" or a.file_name.lower().endswith(".eml")
            text = r.text(_email_text(data) if eml else _decode(data))
            name = _zip_name(n, refs[a.case_id], a.file_name, ".redacted.txt")
            files[name] = text.encode("utf-8")
            entry.update(included=True, file=name, how=TEXT_REDACTED, text=text)
        attachments.append(entry)
    return letters, attachments, files


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _audit_about(s, names: list[str], progress: Progress | None) -> list[dict[str, Any]]:
    """Audit entries naming any of ``names`` (ids or references), oldest first: one pass
    over the log whatever its size."""
    cond = " OR ".join("record_ids LIKE ? ESCAPE '\\' OR details LIKE ? ESCAPE '\\'" for _ in names)
    params = [p for n in names for p in (_like(n), _like(n))]
    rows = s.connection().exec_driver_sql(
        'SELECT id, at, "user", kind, entity, record_ids, details, reason FROM audit_log '
        f"WHERE {cond} ORDER BY id",
        tuple(params),
    )
    return [
        {
            "id": eid,
            "at": _iso(datetime.fromisoformat(at)),
            "user": user,
            "kind": kind,
            "entity": entity,
            "record_ids": json.loads(ids),
            "details": json.loads(details),
            "reason": reason,
        }  # fmt: skip
        for eid, at, user, kind, entity, ids, details, reason in rows
    ]


# --- writing ----------------------------------------------------------------------------------

#: sections written as CSV in the zip, in order
SECTIONS = ("cases", "contacts", "notes", "actions", "status_changes", "sara_plans",
            "interventions", "risk_assessments", "meeting_decisions", "meeting_agenda",
            "letters", "attachments", "disclosures", "audit")  # fmt: skip


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    text = io.StringIO(newline="")
    out = csv.writer(text, dialect="excel")
    headings = list(rows[0]) if rows else []
    out.writerow(headings)
    for row in rows:
        cells = []
        for h in headings:
            value = row[h]
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            cells.append(safe_cell(value))
        out.writerow(cells)
    return text.getvalue().encode("utf-8-sig")


def _readme(data: dict[str, Any]) -> str:
    p = data["person"]
    lines = [
        "OFFICIAL-SENSITIVE",
        "",
        f"Everything this hub holds about {p['full_name']}, produced {data['produced_at']}.",
        "",
        REDACTION_NOTE,
        "",
        "subject.json holds all of it; each CSV file below is one part, for a spreadsheet:",
    ]
    for name in ["person"] + list(SECTIONS):
        count = 1 if name == "person" else len(data[name])
        lines.append(f"  {name}.csv: {count} row{'' if count == 1 else 's'}")
    included = [a for a in data["attachments"] if a["included"]]
    held = held_back(data)
    lines += ["", "Files kept on the cases (attachments.csv lists every one):"]
    lines += [f"  {a['file']}: {a['how']}" for a in included] or ["  none included"]
    if held:
        lines += ["", f"{len(held)} file{'' if len(held) == 1 else 's'} NOT included, to be "
                  "reviewed by hand before disclosure (attachments.csv says why):"]  # fmt: skip
        lines += [f"  {a['case']}: {a['title'] or a['kind']} ({a['media_type']}, "
                  f"{a['size']:,} bytes)" for a in held]  # fmt: skip
    return "\r\n".join(lines) + "\r\n"


def held_back(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The files of the export not included, that a person must review by hand (letters to
    other people apart: those are not the person's to see)."""
    return [a for a in data["attachments"] if not a["included"] and a["how"] != OTHERS_LETTER]


def _write_zip(fh: IO[bytes], data: dict[str, Any]) -> None:
    fixed = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as z:

        def add(name: str, payload: bytes) -> None:
            info = zipfile.ZipInfo(name, fixed)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, payload)

        add("README.txt", _readme(data).encode("utf-8"))
        add("subject.json", _json(data, "zip"))
        add("person.csv", _csv_bytes([data["person"]]))
        for name in SECTIONS:
            rows = data[name]
            if name == "attachments":  # the text is in its own file
                rows = [{k: v for k, v in a.items() if k != "text"} for a in rows]
            add(f"{name}.csv", _csv_bytes(rows))
        for name, payload in getattr(data, "files", {}).items():
            add(name, payload)


def _json(data: dict[str, Any], fmt: str) -> bytes:
    """The export as JSON: the files' bytes left out (the zip holds them beside it), the
    redacted text of text files kept; in a JSON file alone the letters sent to the person
    say that their PDFs are in the zip export."""
    plain = dict(data)
    if fmt == "json":
        plain["attachments"] = [
            {**a, "included": False, "file": "", "how": OWN_LETTER_JSON}
            if a["how"] == OWN_LETTER else {**a, "file": ""}
            for a in data["attachments"]
        ]  # fmt: skip
    return json.dumps(plain, ensure_ascii=False, indent=1).encode("utf-8")


def write(store, person_id: uuid.UUID, path: Path | str, fmt: str | None = None, *,
          progress: Progress | None = None,
          not_included: list[dict[str, Any]] | None = None) -> Path:  # fmt: skip
    """Write everything held about the person to ``path`` (JSON, or a zip; by default from
    the file's ending), atomically, owner-only, recorded as a disclosure; return the path.
    ``not_included``: a list to receive the files left out for review by hand
    (:func:`held_back`)."""
    target = Path(path).expanduser().absolute()
    fmt = (fmt or target.suffix.lstrip(".") or "json").lower()
    if fmt not in FORMATS:
        raise StoreError(f"Cannot write a subject access export as '{fmt}'; choose json or zip.")
    check_output(target, f"subject-access.{fmt}")  # before anything is read
    data = gather(store, person_id, progress)

    def write_file(fh: IO[bytes]) -> None:
        if fmt == "zip":
            _write_zip(fh, data)
        else:
            fh.write(_json(data, fmt))

    def disclosed() -> tuple[list[str], dict[str, Any]]:
        left = [a for a in data["attachments"] if a["included"]
                and (fmt == "zip" or a["how"] != OWN_LETTER)]  # fmt: skip
        return [str(person_id)], {
            "document": "subject_access", "format": fmt, "file": str(target),
            "to": "the data subject (subject access request)",
            "cases": [c["reference"] for c in data["cases"]],
            "attachments": [a["id"] for a in left],
            "letters": [x["id"] for x in data["letters"]],
            "attachments_not_included": len(held_back(data)),
        }  # fmt: skip

    atomic_write_audited(store, target, write_file, "subject access export", "person", disclosed,
                         example=f"subject-access.{fmt}")  # fmt: skip
    if not_included is not None:
        not_included.extend(held_back(data))
    if progress is not None:
        progress(1.0, "Done")
    log.info("Subject access export written (%s)", fmt)
    return target
