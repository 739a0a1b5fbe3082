"""Standard letters sent from a case: the templates each hub uses, and sending them.

The templates
    Version 1 of every letter is the one in ``resources/letters/`` (the same for every hub:
    :func:`hubapp.domain.letters.packaged`). A hub's administrator edits one in the app
    (``Op.LETTER_TEMPLATES``): each edit is a new :class:`LetterTemplate` row of that hub,
    the next version, with who made it and why. Rows are never changed or deleted (a letter
    sent names the version it was made from), so :func:`versions` lists every one and
    :func:`templates` gives the newest of each. A text naming an unknown merge field is
    refused in one sentence naming it, and nothing is written.

Sending (``Op.LETTERS``: everyone but read-only accounts, on the cases the account sees)
    :func:`send` makes one PDF holding one letter per recipient (a person, several people,
    every person in a role on the case, or every resident linked to one of the case's
    places) and, in one transaction:

    * a :class:`Communication` row per recipient (method letter, the address used, the
      template's name and version, the agency and who sent it; a bulk run's rows share a
      batch id), which the case's Communications list and timeline show;
    * the PDF kept as an attachment of the case (kind ``letter``,
      :func:`hubapp.store.casework.attachment_content.store_content`);
    * a disclosure entry in the audit log per recipient (the letter tells them about the
      case);
    * the PDF written to ``output`` when one is given, moved into place inside the
      transaction (as a print is): either all of it happens or none of it.

    Refused with one sentence, and nothing written: a case the account does not see; a
    template the sending agency may not send; a recipient who is not on the case, has no
    address, or is locked down where the account may not see their address; a field the
    letter uses that has no value (never a blank in a letter).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from hubapp.domain import letters as rules
from hubapp.domain.clock import local_today, utcnow
from hubapp.domain.codes import PersonRole, label
from hubapp.domain.formatting import format_date
from hubapp.domain.text import clean_line, clean_text
from hubapp.store import access, audit
from hubapp.store.casework import attachment_content
from hubapp.store.errors import Cancelled, Problem, Refused, StoreError
from hubapp.store.roles import Op
from hubapp.store.schema import (
    Agency,
    AgencyType,
    Attachment,
    Case,
    CasePerson,
    CasePlace,
    Category,
    Communication,
    Hub,
    LetterTemplate,
    Person,
    Place,
)

Template = rules.Template
#: the ``to`` of a bulk letter to the residents of a place: ``RESIDENTS + place id``
RESIDENTS = "residents:"
REASON_MAX = 2_000
Progress = Callable[[float, str], bool | None]
#: how letters are laid out: ``layout(letters, title, author) -> (pdf, pages)``; the printing
#: package gives it (``hubapp.documents.letter.lay_out``: the store never imports it)
Layout = Callable[[list, str, str], tuple[bytes, int]]


class LettersCancelled(Cancelled):
    def __init__(self) -> None:
        super().__init__("Cancelled: no letter was sent and nothing was kept.")


def _refused(field: str, message: str) -> Refused:
    return Refused(message, [Problem(field, message)])


# --- templates -----------------------------------------------------------------------------


def _from_row(r: LetterTemplate) -> Template:
    return Template(code=r.name, title=r.title, body=r.body, subject=r.subject,
                    agencies=tuple(r.agencies or ()), marking=r.marking, version=r.version,
                    edited_by=r.edited_by, reason=r.reason)  # fmt: skip


def _station_hub(s) -> uuid.UUID | None:
    from hubapp.store.schema import Station
    from hubapp.store.setup import station_in

    sid = station_in(s)
    station = s.get(Station, sid) if sid is not None else None
    return station.hub_id if station is not None else None


def read_versions(s, hub_id: uuid.UUID | None, code: str) -> list[Template]:
    """Inside a session: every version of a letter for a hub, oldest first (version 1 the
    packaged one)."""
    base = rules.packaged().get(code)
    if base is None:
        return []
    rows = [] if hub_id is None else s.scalars(
        select(LetterTemplate).where(LetterTemplate.hub_id == hub_id,
                                     LetterTemplate.name == code,
                                     LetterTemplate.voided.is_(False))
        .order_by(LetterTemplate.version)).all()  # fmt: skip
    return [base, *(_from_row(r) for r in rows)]


def read_template(s, hub_id: uuid.UUID | None, code: str, version: int | None = None) -> Template:
    """Inside a session: a letter's newest version for the hub (or the version asked for);
    refused in one sentence for a code that is not a letter."""
    found = read_versions(s, hub_id, (code or "").strip().lower())
    if not found:
        names = ", ".join(rules.packaged())
        raise _refused("template", f"There is no letter called '{code}'; the letters are: "
                       f"{names}.")  # fmt: skip
    if version is None:
        return found[-1]
    for t in found:
        if t.version == version:
            return t
    raise _refused("template", f"The letter {code} has no version {version}.")


def templates(store, hub_id: uuid.UUID | None = None) -> list[Template]:
    """The newest version of every letter for a hub (the station's by default), by title."""
    with store.read() as s:
        hub = hub_id or _station_hub(s)
        return [read_versions(s, hub, code)[-1] for code in rules.packaged()]


def versions(store, code: str, hub_id: uuid.UUID | None = None) -> list[Template]:
    """Every version of one letter for a hub (the station's by default), oldest first."""
    with store.read() as s:
        hub = hub_id or _station_hub(s)
        read_template(s, hub, code)  # refused for an unknown code
        return read_versions(s, hub, code.strip().lower())


def validate_template(draft: Template, reason: str = "") -> list[Problem]:
    """Everything wrong with an edited template, one sentence per field; never raises."""
    problems = [Problem(f.field, f.message) for f in rules.check(draft)]
    if draft.code not in rules.packaged():
        problems.insert(0, Problem("code", f"There is no letter called '{draft.code}'."))
    why = clean_text(reason)
    if not why:
        problems.append(Problem("reason", "Say why the letter is being changed (kept with the "
                                "version)."))  # fmt: skip
    elif len(why) > REASON_MAX:
        problems.append(Problem("reason", f"The reason is too long: at most {REASON_MAX:,} "
                                "characters."))  # fmt: skip
    return problems


def save_template(store, draft: Template, reason: str, hub_id: uuid.UUID | None = None) -> int:
    """Save an edited letter as the next version for the hub (the station's by default);
    the new version number. Administrators only (``Op.LETTER_TEMPLATES``); refused with every
    problem, one per field, and nothing written."""
    access.require(store, Op.LETTER_TEMPLATES)
    problems = validate_template(draft, reason)
    if problems:
        raise Refused(problems[0].message, problems)
    with store.write(reason="letter template edited") as s:
        hub = hub_id or _station_hub(s)
        if hub is None:
            raise StoreError("Answer the first-start questions (which hub this is) before "
                             "editing letters.")  # fmt: skip
        last = s.scalar(select(func.max(LetterTemplate.version)).where(
            LetterTemplate.hub_id == hub, LetterTemplate.name == draft.code)) or 1  # fmt: skip
        row = LetterTemplate(
            id=uuid.uuid4(), hub_id=hub, name=draft.code, version=last + 1,
            title=clean_line(draft.title), agencies=list(draft.agencies),
            marking=draft.marking, subject=clean_line(draft.subject),
            body=clean_text(draft.body), edited_by=access.acting_user(s),
            reason=clean_text(reason),
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.version


# --- who a letter goes to ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Someone a letter of the case may go to, as the account may see them."""

    person_id: uuid.UUID
    name: str
    #: their part in the case (a role code), or "resident" of one of its places
    role: str
    #: the address, or "" (none held, or locked down from this account)
    address: str
    locked_down: bool = False
    #: locked down and not to be shown to this account
    hidden: bool = False

    @property
    def role_label(self) -> str:
        return "Resident" if self.role == "resident" else label(PersonRole, self.role)


@dataclass(frozen=True)
class PlaceChoice:
    place_id: uuid.UUID
    name: str
    residents: int


@dataclass(frozen=True)
class AgencyChoice:
    agency_id: uuid.UUID
    name: str
    short_name: str
    type_code: str
    code: str = ""


@dataclass(frozen=True)
class Choices:
    """What the letter dialog offers for a case."""

    case_id: uuid.UUID
    reference: str
    hub_id: uuid.UUID
    people: list[Recipient]
    roles: list[str]
    places: list[PlaceChoice]
    agencies: list[AgencyChoice]
    #: the default sender: the account's own agency, else the case's lead agency
    own_agency: uuid.UUID | None
    templates: list[Template]


def _case(s, case_id: uuid.UUID) -> Case:
    access.check_case(s, case_id)
    case = s.get(Case, case_id)
    if case is None or case.voided:
        raise StoreError("This case no longer exists.")
    return case


def _recipient(s, case: Case, person: Person, role: str) -> Recipient:
    hidden = person.locked_down and not access.sees_locked_down(s, case.hub_id)
    return Recipient(person.id, person.full_name, role, "" if hidden else person.address or "",
                     person.locked_down, hidden)  # fmt: skip


def _people_on_case(s, case: Case) -> list[Recipient]:
    out: dict[uuid.UUID, Recipient] = {}
    for person, role in s.execute(
        select(Person, CasePerson.role).join(CasePerson, CasePerson.person_id == Person.id)
        .where(CasePerson.case_id == case.id, CasePerson.voided.is_(False),
               Person.voided.is_(False))
        .order_by(Person.full_name)):  # fmt: skip
        out.setdefault(person.id, _recipient(s, case, person, role))
    return list(out.values())


def _case_places(s, case: Case) -> list[Place]:
    ids = {case.place_id} if case.place_id else set()
    ids |= set(s.scalars(select(CasePlace.place_id).where(CasePlace.case_id == case.id,
                                                          CasePlace.voided.is_(False))))  # fmt: skip
    if not ids:
        return []
    return list(s.scalars(select(Place).where(Place.id.in_(ids), Place.voided.is_(False))
                          .order_by(Place.name)))  # fmt: skip


def _residents(s, case: Case, place_id: uuid.UUID) -> list[Recipient]:
    """The people linked to the place (``case_person.place_id``) on the cases the account
    sees (the store's reading rules), each once."""
    out: dict[uuid.UUID, Recipient] = {}
    for person in s.scalars(
        select(Person).join(CasePerson, CasePerson.person_id == Person.id)
        .where(CasePerson.place_id == place_id, CasePerson.voided.is_(False),
               Person.voided.is_(False))
        .order_by(Person.full_name)):  # fmt: skip
        out.setdefault(person.id, _recipient(s, case, person, "resident"))
    return list(out.values())


def _agencies(s) -> list[AgencyChoice]:
    return [AgencyChoice(a.id, a.name, a.short_name, code, a.code) for a, code in s.execute(
        select(Agency, AgencyType.code).join(AgencyType, AgencyType.id == Agency.agency_type_id)
        .where(Agency.voided.is_(False), Agency.active.is_(True)).order_by(Agency.name))]  # fmt: skip


def choices(store, case_id: uuid.UUID) -> Choices:
    """The people, roles, places, agencies and letters the letter dialog offers for a case."""
    with store.read() as s:
        case = _case(s, case_id)
        people = _people_on_case(s, case)
        roles_ = sorted({p.role for p in people})
        places = [PlaceChoice(p.id, p.name, len(_residents(s, case, p.id)))
                  for p in _case_places(s, case)]  # fmt: skip
        return Choices(case.id, case.reference, case.hub_id, people, roles_, places,
                       _agencies(s), access.agency_id(s) or case.lead_agency_id,
                       [read_versions(s, case.hub_id, c)[-1] for c in rules.packaged()])  # fmt: skip


def _resolve(s, case: Case, to) -> tuple[list[Recipient], bool]:
    """The recipients ``to`` names, and whether it is a bulk letter (a role or a place)."""
    if isinstance(to, uuid.UUID):
        to = [to]
    if isinstance(to, str):
        text = to.strip()
        if text.lower().startswith(RESIDENTS):
            try:
                place_id = uuid.UUID(text[len(RESIDENTS) :])
            except ValueError:
                raise _refused("to", "Choose one of the case's places.") from None
            if place_id not in {p.id for p in _case_places(s, case)}:
                raise _refused("to", "That place is not one of this case's places.")
            found = _residents(s, case, place_id)
            if not found:
                raise _refused("to", "Nobody is linked to that place as living there.")
            return found, True
        role = text.lower().replace(" ", "_")
        if role not in {r.value for r in PersonRole}:
            raise _refused("to", f"'{to}' is neither a person nor a role; the roles are: "
                           f"{', '.join(r.value for r in PersonRole)}.")  # fmt: skip
        found = [p for p in _people_on_case(s, case) if p.role == role]
        if not found:
            raise _refused("to", f"Nobody is on this case as {label(PersonRole, role).lower()}.")
        return found, True
    ids = list(dict.fromkeys(to or []))
    if not ids:
        raise _refused("to", "Choose who the letter is to.")
    on_case = {p.person_id: p for p in _people_on_case(s, case)}
    out = []
    for pid in ids:
        if pid not in on_case:
            raise _refused("to", "That person is not on this case; add them to the case first.")
        out.append(on_case[pid])
    return out, len(out) > 1


def _agency(s, agency, template: Template) -> AgencyChoice:
    all_ = _agencies(s)
    own = access.agency_id(s)
    chosen = None
    if agency is None or agency == "":
        if own is None:
            raise _refused("agency", "Choose the agency the letter is from.")
        chosen = next((a for a in all_ if a.agency_id == own), None)
    elif isinstance(agency, uuid.UUID):
        chosen = next((a for a in all_ if a.agency_id == agency), None)
    else:
        from hubapp.domain.text import match_key

        key = match_key(str(agency))
        chosen = next((a for a in all_ if key in (match_key(a.name), match_key(a.short_name))),
                      None) or next((a for a in all_ if key == match_key(a.code)), None)  # fmt: skip
        if chosen is None:
            raise _refused("agency", f"There is no agency called '{agency}'.")
    if chosen is None:
        raise _refused("agency", "That agency is not in this database.")
    if (own is not None and chosen.agency_id != own
            and access.role(s) not in (access.StaffRole.COORDINATOR,
                                       access.StaffRole.ADMINISTRATOR)):  # fmt: skip
        raise _refused("agency", "You can send letters only from your own agency.")
    if not template.sendable_by(chosen.type_code):
        raise _refused("agency", f"The {template.title.lower()} is not sent by "
                       f"{chosen.name}; it is for {_types(s, template.agencies)} to send.")  # fmt: skip
    return chosen


def _types(s, codes) -> str:
    names = dict(s.execute(select(AgencyType.code, AgencyType.name)).all())
    said = [names.get(c, c).lower() for c in codes]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " or " + said[-1]


# --- the letters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Made:
    """Letters laid out, not yet sent."""

    pdf: bytes = field(repr=False)
    pages: int
    template: Template
    case_id: uuid.UUID
    reference: str
    recipients: list[Recipient]
    agency: AgencyChoice
    bulk: bool
    subjects: list[str]

    def suggested_name(self) -> str:
        who = "bulk" if self.bulk else "-".join(self.recipients[0].name.split()) or "letter"
        slug = f"letter-{self.template.code}-{self.reference}-{who}"
        return "".join(c for c in slug if c.isalnum() or c in "-_") + ".pdf"


def _sender_name(s) -> str:
    account = access.acting(s)
    name = getattr(account, "display_name", "") if account is not None else ""
    return name or access.acting_user(s)


def _values(s, case: Case, hub: Hub, agency: AgencyChoice, who: Recipient, today: date
            ) -> dict[str, str]:  # fmt: skip
    category = s.scalar(select(Category.name).where(Category.id == case.category_id)) or ""
    return {
        "case.reference": case.reference, "case.summary": case.summary,
        "case.location": case.location, "case.town": case.town, "case.category": category,
        "case.opened_on": format_date(case.opened_on) if case.opened_on else "",
        "case.closed_on": format_date(case.closed_on) if case.closed_on else "",
        "person.full_name": who.name, "person.address": ", ".join(
            rules.split_address(who.address)), "person.role": who.role_label.lower(),
        "hub.name": hub.name, "hub.base": hub.base, "hub.town": hub.town,
        "agency.name": agency.name, "agency.short_name": agency.short_name,
        "sender.name": _sender_name(s), "today": format_date(today),
    }  # fmt: skip


def _make(s, case_id: uuid.UUID, code: str | Template, to, agency, today: date,
          report: Callable[[float, str], None], layout: Layout) -> Made:  # fmt: skip
    case = _case(s, case_id)
    template = code if isinstance(code, Template) else read_template(s, case.hub_id, code)
    problems = rules.check(template)
    if problems:
        raise _refused("template", problems[0].message)
    people, bulk = _resolve(s, case, to)
    for p in people:
        if p.hidden:
            raise _refused("to", f"{p.name}'s details are locked down: only the hub's police "
                           "and coordinators can write to them.")  # fmt: skip
        if not rules.split_address(p.address):
            raise _refused("to", f"{p.name} has no address on record; add their address "
                           "before writing to them.")  # fmt: skip
    chosen = _agency(s, agency, template)
    hub = s.get(Hub, case.hub_id)
    sender = _sender_name(s)
    out, subjects = [], []
    for n, who in enumerate(people):
        report(0.1 + 0.5 * n / len(people), f"Writing to {who.name}")
        try:
            merged = rules.merge(template, _values(s, case, hub, chosen, who, today), who.name)
        except rules.MissingField as exc:
            raise _refused("template", str(exc)) from None
        subjects.append(merged.subject)
        out.append(rules.Letter(
            recipient=who.name, address=rules.split_address(who.address),
            sender=(chosen.name, f"{hub.name} Local Focus Hub", hub.base, hub.town),
            date=format_date(today), reference=case.reference, subject=merged.subject,
            paragraphs=merged.paragraphs, signed_by=sender,
            signed_for=(chosen.name, f"on behalf of the {hub.name} Local Focus Hub"),
            marking=template.marking, template=f"{template.title}, version {template.version}",
        ))  # fmt: skip
    report(0.65, "Laying out the letters")
    pdf, pages = layout(out, f"{template.title} {case.reference}", sender)
    return Made(pdf, pages, template, case.id, case.reference, people, chosen,
                bulk, subjects)  # fmt: skip


def _reporter(progress: Progress | None) -> Callable[[float, str], None]:
    def report(fraction: float, message: str) -> None:
        if progress is not None and progress(min(max(fraction, 0.0), 1.0), message) is False:
            raise LettersCancelled()

    return report


def preview(store, case_id: uuid.UUID, template: str | Template, to, agency=None, *,
            layout: Layout, today: date | None = None,
            progress: Progress | None = None) -> Made:  # fmt: skip
    """The letters as they would be sent (nothing written, nothing audited: what the case
    window shows already); refused as :func:`send` would be."""
    access.require(store, Op.LETTERS)
    with store.read() as s:
        return _make(s, case_id, template, to, agency, today or local_today(),
                     _reporter(progress), layout)  # fmt: skip


@dataclass(frozen=True)
class Sent:
    batch_id: uuid.UUID | None
    attachment_id: uuid.UUID
    communications: list[uuid.UUID]
    pages: int
    recipients: int
    output: Path | None
    pdf: bytes = field(repr=False)


def send(store, case_id: uuid.UUID, template: str | Template, to, agency=None, *,
         layout: Layout, output: Path | str | None = None, today: date | None = None,
         progress: Progress | None = None) -> Sent:  # fmt: skip
    """Send a letter (or a bulk run of letters) from a case: see the module's notes. ``to``:
    a person's id, a list of ids, a role code (victim, witness...) or
    ``RESIDENTS + place id``. ``template``: a letter's code (its newest version for the
    case's hub). ``output``: where to write the PDF too (moved into place in the same
    transaction). ``layout``: how the letters are laid out (:data:`Layout`)."""
    from hubapp.store import files

    access.require(store, Op.LETTERS)
    today = today or local_today()
    report = _reporter(progress)
    target = Path(output).expanduser().absolute() if output is not None else None
    if target is not None:
        files.check_output(target, "letter.pdf")
        if not target.parent.is_dir():
            raise StoreError(f"The folder {target.parent} does not exist.")
    moved = False
    try:
        with store.write(reason="letter sent") as s:
            made, attachment, rows, batch = _record(s, case_id, template, to, agency, today,
                                                    target, report, layout)  # fmt: skip
            if target is not None:
                report(0.95, "Saving the PDF")
                # moved into place inside the transaction: a failure keeps neither
                files.atomic_write(target, lambda fh: fh.write(made.pdf), example="letter.pdf")
                moved = True
            ids = [r.id for r in rows]
    except BaseException:
        if moved and target is not None:  # the letter was not recorded: no file as if sent
            target.unlink(missing_ok=True)
        raise
    report(1.0, "Sent")
    return Sent(batch, attachment.id, ids, made.pages, len(made.recipients), target, made.pdf)


def _record(s, case_id, template, to, agency, today: date, target: Path | None,
            report: Callable[[float, str], None], layout: Layout) -> tuple:  # fmt: skip
    """Inside the sending session: the letters made, kept and recorded."""
    made = _make(s, case_id, template, to, agency, today, report, layout)
    report(0.8, "Keeping the letter with the case")
    t, who = made.template, made.recipients
    title = (f"{t.title} to {who[0].name}" if len(who) == 1
             else f"{t.title} to {len(who)} people")[:200]  # fmt: skip
    attachment = attachment_content.store_content(
        s, case_id=made.case_id, source=io.BytesIO(made.pdf),
        file_name=made.suggested_name(), title=title, kind="letter",
        media_type="application/pdf", added_by=access.acting_user(s),
        agency_id=made.agency.agency_id,
        note=f"{t.title}, version {t.version}: {len(who)} letter(s), {made.pages} pages.",
    )  # fmt: skip
    batch = uuid.uuid4() if made.bulk else None
    now = utcnow()
    rows = [Communication(
        id=uuid.uuid4(), case_id=made.case_id, person_id=person.person_id,
        method="letter", template_name=t.code, template_version=t.version,
        subject=subject[:200], address=", ".join(rules.split_address(person.address)),
        agency_id=made.agency.agency_id, sent_by=access.acting_user(s), sent_at=now,
        attachment_id=attachment.id, batch_id=batch,
    ) for person, subject in zip(who, made.subjects, strict=True)]  # fmt: skip
    s.add_all(rows)
    s.flush()
    for person, row in zip(who, rows, strict=True):
        audit.record(s, audit.Kind.DISCLOSURE, "person", [str(person.person_id)], {
            "document": "letter", "template": t.code, "version": t.version,
            "case": made.reference, "case_id": str(made.case_id),
            "agency": made.agency.short_name, "communication": str(row.id),
            "attachment": str(attachment.id), "batch": str(batch) if batch else None,
            "how": "letter by post", "pages": made.pages,
            **({"file": str(target)} if target is not None else {}),
        }, reason="letter sent")  # fmt: skip
    s.flush()
    return made, attachment, rows, batch


# --- the Communications list ------------------------------------------------------------------


@dataclass(frozen=True)
class CommunicationLine:
    id: uuid.UUID
    case_id: uuid.UUID
    person_id: uuid.UUID | None
    person: str
    method: str
    template: str
    template_title: str
    version: int | None
    subject: str
    address: str
    agency: str
    sent_by: str
    sent_at: datetime
    attachment_id: uuid.UUID | None
    batch_id: uuid.UUID | None


def read_communications(s, case_id: uuid.UUID) -> list[CommunicationLine]:
    """Inside a session: the case's communications, newest first (the store's reading rules
    leave out a case the account does not see; a locked-down person's address is left out
    for those who may not see it)."""
    case = s.get(Case, case_id)
    if case is None:
        return []
    titles = {c: t.title for c, t in rules.packaged().items()}
    agencies = dict(s.execute(select(Agency.id, Agency.short_name)).all())
    out = []
    for c, name, locked in s.execute(
        select(Communication, Person.full_name, Person.locked_down)
        .outerjoin(Person, Person.id == Communication.person_id)
        .where(Communication.case_id == case_id, Communication.voided.is_(False))
        .order_by(Communication.sent_at.desc(), Communication.created_at.desc())):  # fmt: skip
        hidden = bool(locked) and not access.sees_locked_down(s, case.hub_id)
        out.append(CommunicationLine(
            c.id, c.case_id, c.person_id, name or "", c.method, c.template_name,
            titles.get(c.template_name, c.template_name), c.template_version, c.subject,
            "" if hidden else c.address, agencies.get(c.agency_id, ""), c.sent_by, c.sent_at,
            c.attachment_id, c.batch_id))  # fmt: skip
    return out


def communications(store, case_id: uuid.UUID) -> list[CommunicationLine]:
    """The case's Communications list, newest first."""
    with store.read() as s:
        access.check_case(s, case_id)
        return read_communications(s, case_id)


def letter_pdf(store, attachment_id: uuid.UUID) -> bytes:
    """A letter kept with its case, as sent (under the case's reading rule)."""
    with store.read() as s:
        row = s.get(Attachment, attachment_id)
        if row is None or row.voided or row.kind != "letter":
            raise StoreError("This letter no longer exists, or you cannot see its case.")
        return b"".join(attachment_content.iter_chunks(s, row))


__all__ = ["Choices", "CommunicationLine", "Made", "RESIDENTS", "Recipient", "Sent",
           "Template", "choices", "communications", "letter_pdf", "preview", "save_template",
           "send", "templates", "validate_template", "versions"]  # fmt: skip
