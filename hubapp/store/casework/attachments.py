"""Files on a case: photos, letters, statements, evidence, kept inside the encrypted database.

Adding (:func:`add_file`, :func:`add_bytes`; :func:`add_in` inside a caller's session, as a
letter and its record commit together) checks the file before anything is kept, each
refusal one sentence (:class:`AttachmentRefused`, with its field) and nothing written:

* a folder, a device, a pipe, a file that cannot be read, an empty file;
* a file over the station's limit, or one that would take the case over its limit
  (local settings ``attachment_file_mb`` and ``attachment_case_mb``; :func:`set_limits`);
* a file named as a picture that is not one, a picture Pillow cannot read, a HEIC photo
  (:func:`hubapp.domain.attachments.check_claims`);
* **the same file already on the case** (same SHA-256): refused as :class:`Duplicate`,
  naming the one there, unless the person says to add it again (``again=True``; the
  window asks, the command line has ``--again``). A second copy is most often the same photo
  dragged twice; where it is meant (the same letter as evidence of two contacts), it is one
  answer away.

What is kept is what the person meant to keep, and no more: a photo's location data (EXIF
GPS, XMP, IPTC) is taken out as it is read, with the note "Location data removed from the
photo."; the photo as handed in is kept too (part ``original``, never synced) only where an
administrator has said so (``attachment_keep_original``). The content is read and written a
chunk at a time (:mod:`hubapp.store.casework.attachment_content`), so a 25 MB file never sits
whole in memory, and a cancel keeps nothing.

Who may: adding and removing (:func:`void`) is ``Op.ATTACH`` (coordinators, police, partners
and administrators, on the cases they see); a partner removes only what they added. Taking
a copy out of the database (:func:`get_to`, :func:`copy_for_opening`) is
``Op.ATTACHMENT_COPY`` (not read-only staff) and is recorded as a disclosure; viewing in the
app (:func:`view_content`) as a consultation; adding is a collection (the row's own entry).
Every read goes through the attachment's row, under the store's case rule.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select

from hubapp import settings
from hubapp.domain import attachments as rules
from hubapp.domain.attachments import MB, Kind  # noqa: F401  (the kinds: for callers)
from hubapp.domain.text import clean_line
from hubapp.store import access, audit, files
from hubapp.store.casework import attachment_content as content
from hubapp.store.errors import Problem, Refused, StoreError
from hubapp.store.roles import Op
from hubapp.store.schema import (
    Action,
    Agency,
    Attachment,
    AttachmentChunk,
    AttachmentThumb,
    Case,
    Contact,
    Intervention,
)

Progress = Callable[[float, str], object]

NO_CASE = "This case no longer exists."
GONE = "This file is no longer on the case, or you cannot see its case."
NOT_YOURS = ("Only a coordinator, an administrator or the person who added it can remove a "
             "file from the case.")  # fmt: skip


class AttachmentRefused(Refused):
    """A file not added (or not taken out), in one sentence, with its field's problem."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message, [Problem(field, message)])


class Duplicate(AttachmentRefused):
    """The same file (same SHA-256) is already on the case; ``again=True`` adds it anyway."""

    def __init__(self, existing_id: uuid.UUID, title: str, added_at: datetime | None) -> None:
        from hubapp.domain.formatting import format_date

        when = f", added {format_date(added_at.date())}" if added_at else ""
        super().__init__(f"The same file is already on this case as '{title}'{when}; add it "
                         "again only if you mean to keep two copies.")  # fmt: skip
        self.existing_id = existing_id
        self.title = title


# --- the station's limits --------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    file_mb: int
    case_mb: int
    keep_original: bool

    @property
    def file_bytes(self) -> int:
        return self.file_mb * MB

    @property
    def case_bytes(self) -> int:
        return self.case_mb * MB


def read_limits(s) -> Limits:
    """Inside a session: the station's limits (the defaults where none is set)."""
    local = settings.local(s)
    return Limits(local["attachment_file_mb"], local["attachment_case_mb"],
                  bool(local["attachment_keep_original"]))  # fmt: skip


def limits(store) -> Limits:
    with store.read() as s:
        return read_limits(s)


def set_limits(store, *, file_mb: int | None = None, case_mb: int | None = None,
               keep_original: bool | None = None) -> Limits:  # fmt: skip
    """Change the station's limits (``Op.ATTACHMENT_SETTINGS``: administrators), audited as
    an alteration of the local settings. A limit outside 1 to 2048 MB is refused."""
    access.require(store, Op.ATTACHMENT_SETTINGS)
    for field, value in (("file_mb", file_mb), ("case_mb", case_mb)):
        if value is not None and not (isinstance(value, int) and 1 <= value <= rules.LIMIT_MAX_MB):
            raise AttachmentRefused(f"A limit is a whole number of MB from 1 to "
                                    f"{rules.LIMIT_MAX_MB:,}.", field)  # fmt: skip
    with store.write(reason="attachment limits") as s:
        before = read_limits(s)
        file_mb = before.file_mb if file_mb is None else file_mb
        case_mb = before.case_mb if case_mb is None else case_mb
        if file_mb > case_mb:
            raise AttachmentRefused("The limit per file cannot be more than the limit per case.",
                                    "file_mb")  # fmt: skip
        local = settings.local(s)
        keep = before.keep_original if keep_original is None else keep_original
        changed = {}
        if file_mb != before.file_mb:
            local["attachment_file_mb"] = file_mb
            changed["attachment_file_mb"] = [before.file_mb, file_mb]
        if case_mb != before.case_mb:
            local["attachment_case_mb"] = case_mb
            changed["attachment_case_mb"] = [before.case_mb, case_mb]
        if keep != before.keep_original:
            local["attachment_keep_original"] = keep
            changed["attachment_keep_original"] = [before.keep_original, keep]
        if changed:
            audit.record(s, audit.Kind.ALTERATION, "local_setting", sorted(changed), changed)
        return read_limits(s)


# --- what a person sees of one --------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentLine:
    id: uuid.UUID
    case_id: uuid.UUID
    title: str
    kind: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    added_by: str
    added_at: datetime
    agency: str
    contact_id: uuid.UUID | None
    action_id: uuid.UUID | None
    intervention_id: uuid.UUID | None
    note: str
    #: the content has all reached this station
    complete: bool = True
    #: a small PNG (None until made, or for what is not a picture)
    thumb: bytes | None = None

    @property
    def is_image(self) -> bool:
        return self.media_type in rules.VIEWABLE_IMAGES

    @property
    def is_pdf(self) -> bool:
        return self.media_type == rules.PDF

    @property
    def kind_label(self) -> str:
        k = rules.parse_kind(self.kind)
        return k.label if k else self.kind


def _line(a: Attachment, agency: str | None, complete: bool = True, thumb=None) -> AttachmentLine:
    return AttachmentLine(a.id, a.case_id, a.title, a.kind, a.file_name, a.media_type, a.size,
                          a.sha256, a.added_by, a.created_at, agency or "", a.contact_id,
                          a.action_id, a.intervention_id, a.note, complete,
                          bytes(thumb) if thumb is not None else None)  # fmt: skip


def read(s, case_id: uuid.UUID, *, thumbs: bool = True) -> list[AttachmentLine]:
    """Inside a session: the files of a case the account sees, newest first (none of a case
    it does not see: the store's reading rules), each with its thumbnail when made."""
    held = (select(AttachmentChunk.attachment_id, func.count().label("n"))
            .where(AttachmentChunk.part == content.FILE)
            .group_by(AttachmentChunk.attachment_id).subquery())  # fmt: skip
    cols = [Attachment, Agency.short_name, held.c.n]
    if thumbs:
        cols.append(AttachmentThumb.data)
    q = (select(*cols).outerjoin(Agency, Agency.id == Attachment.agency_id)
         .outerjoin(held, held.c.attachment_id == Attachment.id)
         .where(Attachment.case_id == case_id, Attachment.voided.is_(False))
         .order_by(Attachment.created_at.desc(), Attachment.title))  # fmt: skip
    if thumbs:
        q = q.outerjoin(AttachmentThumb, AttachmentThumb.attachment_id == Attachment.id)
    out = []
    for row in s.execute(q):
        a, agency, n = row[0], row[1], row[2]
        out.append(_line(a, agency, (n or 0) >= a.chunk_count, row[3] if thumbs else None))
    return out


def for_case(store, case_id: uuid.UUID, *, thumbs: bool = True) -> list[AttachmentLine]:
    """The files of a case, newest first; a case the account may not see is refused."""
    with store.read() as s:
        access.check_case(s, case_id)
        return read(s, case_id, thumbs=thumbs)


def _row(s, attachment_id) -> Attachment:
    a = s.get(Attachment, attachment_id) if isinstance(attachment_id, uuid.UUID) else None
    if a is None or a.voided:
        raise StoreError(GONE)
    return a


def line(store, attachment_id: uuid.UUID) -> AttachmentLine:
    """One file's line (no thumbnail)."""
    with store.read() as s:
        a = _row(s, attachment_id)
        agency = s.get(Agency, a.agency_id).short_name if a.agency_id else ""
        return _line(a, agency, content.is_complete(s, a))


def find(store, text: str) -> uuid.UUID:
    """The id of a live attachment the account sees, from its full id or the first eight or
    more characters of it (as ``hubapp attachments`` prints them)."""
    t = (text or "").strip().lower().replace("-", "")
    if not re.fullmatch(r"[0-9a-f]{8,32}", t):
        raise AttachmentRefused(f"'{text}' is not an attachment's id; see 'hubapp attachments "
                                "CASE-REF' for them.", "id")  # fmt: skip
    with store.read() as s:
        if len(t) == 32:
            found = [uuid.UUID(hex=t)] if s.get(Attachment, uuid.UUID(hex=t)) else []
        else:
            found = [i for i in s.scalars(select(Attachment.id).where(Attachment.voided.is_(False)))
                     if i.hex.startswith(t)][:2]  # fmt: skip
    if not found:
        raise AttachmentRefused(f"No attachment {text} on the cases you see.", "id")
    if len(found) > 1:
        raise AttachmentRefused(f"More than one attachment starts with {text}; give more of its "
                                "id.", "id")  # fmt: skip
    return found[0]


@dataclass(frozen=True)
class LinkChoice:
    """Something of the case a file may be evidence of."""

    field: str  # contact, action, intervention
    id: uuid.UUID
    label: str


def link_choices(store, case_id: uuid.UUID) -> list[LinkChoice]:
    """The case's contacts, actions and interventions, for "what is this file evidence of"."""
    from hubapp.domain.formatting import format_date
    from hubapp.store.schema import InterventionType

    def short(text: str) -> str:
        text = clean_line(text)
        return text if len(text) <= 60 else text[:59] + "…"

    out = []
    with store.read() as s:
        access.check_case(s, case_id)
        for c in s.scalars(select(Contact).where(Contact.case_id == case_id,
                                                 Contact.voided.is_(False))
                           .order_by(Contact.received_at)):  # fmt: skip
            out.append(LinkChoice("contact", c.id, f"Contact {format_date(c.received_at.date())}: "
                                  f"{short(c.summary)}"))  # fmt: skip
        for a in s.scalars(select(Action).where(Action.case_id == case_id,
                                                Action.voided.is_(False))
                           .order_by(Action.created_at)):  # fmt: skip
            out.append(LinkChoice("action", a.id, f"Action: {short(a.description)}"))
        for i, name in s.execute(select(Intervention, InterventionType.name).join(
                InterventionType, InterventionType.id == Intervention.intervention_type_id)
                .where(Intervention.case_id == case_id, Intervention.voided.is_(False))
                .order_by(Intervention.issued_on)):  # fmt: skip
            out.append(LinkChoice("intervention", i.id, f"{name} from "
                                  f"{format_date(i.issued_on)}"))  # fmt: skip
    return out


# --- adding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    id: uuid.UUID
    title: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    #: what was done to it ("Location data removed from the photo.") or ""
    note: str
    original_kept: bool = False


def _name_only(file_name: str) -> str:
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    name = clean_line(name).strip(". ")
    return name[:255] or "file"


def _problems(title: str, kind: str | None, links: dict) -> list[Problem]:
    problems = []
    if len(clean_line(title)) > rules.TITLE_MAX:
        problems.append(Problem("title", f"The title is too long: at most {rules.TITLE_MAX} "
                                "characters."))  # fmt: skip
    if kind and rules.parse_kind(kind) is None:
        problems.append(Problem("kind", f"'{kind}' is not a kind of file; use one of "
                                f"{', '.join(rules.KINDS)}."))  # fmt: skip
    if sum(v is not None for v in links.values()) > 1:
        problems.append(Problem("link", "Link the file to one contact, action or intervention "
                                "at most."))  # fmt: skip
    return problems


def _check_links(s, case_id, contact_id, action_id, intervention_id) -> None:
    for field, table, value, what in (("link", Contact, contact_id, "contact"),
                                      ("link", Action, action_id, "action"),
                                      ("link", Intervention, intervention_id, "intervention")):  # fmt: skip
        if value is None:
            continue
        row = s.get(table, value)
        if row is None or row.case_id != case_id or row.voided:
            raise AttachmentRefused(f"That {what} is not on this case; choose one of its own.",
                                    field)  # fmt: skip


class _Bounded(io.RawIOBase):
    """Reads ``source`` and refuses (one sentence) once more than ``limit`` bytes came: a file
    that grows while it is read is not kept in part."""

    def __init__(self, source: BinaryIO, limit: int, name: str) -> None:
        self._source, self._limit, self._name, self.count = source, limit, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._source.read(len(buffer))
        self.count += len(data)
        if self.count > self._limit:
            raise AttachmentRefused(_too_large(self._name, self.count, self._limit))
        buffer[: len(data)] = data
        return len(data)


def _mb(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


def _too_large(name: str, size: int, limit: int) -> str:
    return (f"'{name}' is {_mb(size)}, more than this station's limit of {_mb(limit)} a file; "
            "nothing was added.")  # fmt: skip


def add_in(
    s, case_id: uuid.UUID, source: BinaryIO, file_name: str, *, title: str = "",
    kind: str | None = None, contact_id: uuid.UUID | None = None,
    action_id: uuid.UUID | None = None, intervention_id: uuid.UUID | None = None,
    again: bool = False, progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None, size: int | None = None,
) -> Added:  # fmt: skip
    """Inside a writing session the caller holds (and commits): check ``source`` (a seekable
    binary stream at its start) and keep it as a file of the case. Refused in one sentence
    (:class:`AttachmentRefused`, :class:`Duplicate`); the caller's transaction then rolls
    back, keeping nothing of it."""
    access.require(s, Op.ATTACH)
    name = _name_only(file_name)
    links = {"contact": contact_id, "action": action_id, "intervention": intervention_id}
    problems = _problems(title, kind, links)
    if problems:
        raise Refused(problems[0].message, problems)
    case = s.get(Case, case_id) if isinstance(case_id, uuid.UUID) else None
    if case is None and isinstance(case_id, uuid.UUID):
        access.check_case(s, case_id)
    if case is None or case.voided:
        raise StoreError(NO_CASE)
    _check_links(s, case.id, contact_id, action_id, intervention_id)
    lim = read_limits(s)
    if size is None:
        size = source.seek(0, os.SEEK_END)
        source.seek(0)
    if size == 0:
        raise AttachmentRefused(f"'{name}' is empty (0 bytes); nothing was added.")
    if size > lim.file_bytes:
        raise AttachmentRefused(_too_large(name, size, lim.file_bytes))
    held = s.scalar(select(func.coalesce(func.sum(Attachment.size), 0)).where(
        Attachment.case_id == case.id, Attachment.voided.is_(False))) or 0  # fmt: skip
    if held + size > lim.case_bytes:
        raise AttachmentRefused(f"'{name}' ({_mb(size)}) would take this case's files past the "
                                f"station's limit of {_mb(lim.case_bytes)} (it holds "
                                f"{_mb(held)}); nothing was added.")  # fmt: skip
    bounded = io.BufferedReader(_Bounded(source, lim.file_bytes, name), content.CHUNK_SIZE)
    media = rules.media_type(source, name)
    try:
        rules.check_claims(source, name, media)
        # TIFF and WebP are re-encoded by Pillow, which seeks: their size was checked above
        stripped = rules.strip_location(source if media in (rules.TIFF, rules.WEBP) else bounded,
                                        media)  # fmt: skip
    except rules.NotWhatItSays as exc:
        raise AttachmentRefused(str(exc)) from None
    the_kind = (rules.parse_kind(kind) if kind else None) or rules.default_kind(media)
    the_title = clean_line(title) or Path(name).stem[: rules.TITLE_MAX] or name

    def bytes_done(n: int) -> None:
        if progress is not None:
            progress(min(1.0, n / size), f"{_mb(n)} of {_mb(size)}")

    try:
        row = content.store_content(
            s, case_id=case.id, source=stripped.source, file_name=name, title=the_title,
            kind=the_kind.value, media_type=media, added_by=access.acting_user(s),
            agency_id=access.agency_id(s), contact_id=contact_id, action_id=action_id,
            intervention_id=intervention_id, progress=bytes_done, cancelled=cancelled,
        )  # fmt: skip
    except rules.NotWhatItSays as exc:
        raise AttachmentRefused(f"'{name}' cannot be read as a picture: {exc}") from None
    if stripped.removed:
        row.note = rules.LOCATION_REMOVED
    if row.size == 0:
        raise AttachmentRefused(f"'{name}' is empty (0 bytes); nothing was added.")
    twin = s.execute(select(Attachment.id, Attachment.title, Attachment.created_at).where(
        Attachment.case_id == case.id, Attachment.sha256 == row.sha256, Attachment.id != row.id,
        Attachment.voided.is_(False)).limit(1)).first()  # fmt: skip
    if twin is not None and not again:
        raise Duplicate(twin[0], twin[1], twin[2])
    kept = False
    if lim.keep_original and stripped.changed:
        source.seek(0)
        content.write_chunks(s, row.id, source, part=content.ORIGINAL, cancelled=cancelled)
        kept = True
    s.flush()
    return Added(row.id, row.title, name, media, row.size, row.sha256, row.note, kept)


def _unreadable(name: str, exc: OSError) -> AttachmentRefused:
    why = "permission denied" if isinstance(exc, PermissionError) else None
    return AttachmentRefused(f"'{name}' cannot be read: {why}; nothing was added." if why else
                             f"'{name}' cannot be read ({exc.strerror or exc}); nothing was "
                             "added.")  # fmt: skip


def _open_regular(path: Path) -> tuple[BinaryIO, int]:
    """The file at ``path`` opened for reading, and its size; refused in one sentence for a
    folder, device, pipe or socket (never waiting on one), a missing or unreadable file."""
    name = path.name or str(path)
    try:
        kind = files.kind_of(os.stat(path))
    except FileNotFoundError:
        raise AttachmentRefused(f"'{path}' does not exist; nothing was added.") from None
    except OSError as exc:
        raise _unreadable(name, exc) from None
    if kind is not None:
        raise AttachmentRefused(f"'{name}' is {kind}, not a file; choose a file to attach.")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _unreadable(name, exc) from None
    st = os.fstat(fd)
    kind = files.kind_of(st)
    if kind is not None:
        os.close(fd)
        raise AttachmentRefused(f"'{name}' is {kind}, not a file; choose a file to attach.")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), st.st_size


def add_file(
    store, case_id: uuid.UUID, path: Path | str, *, title: str = "", kind: str | None = None,
    contact_id: uuid.UUID | None = None, action_id: uuid.UUID | None = None,
    intervention_id: uuid.UUID | None = None, again: bool = False,
    progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
) -> Added:  # fmt: skip
    """Add the file at ``path`` to the case, in one transaction (see the module notes)."""
    access.require(store, Op.ATTACH)
    path = Path(path)
    problems = _problems(title, kind, {"c": contact_id, "a": action_id, "i": intervention_id})
    if problems:
        raise Refused(problems[0].message, problems)
    fh, size = _open_regular(path)
    with fh:
        if size == 0:
            raise AttachmentRefused(f"'{path.name}' is empty (0 bytes); nothing was added.")
        lim = limits(store)
        if size > lim.file_bytes:
            raise AttachmentRefused(_too_large(path.name, size, lim.file_bytes))
        try:
            with store.write(reason="attachment added") as s:
                return add_in(s, case_id, fh, path.name, title=title, kind=kind,
                              contact_id=contact_id, action_id=action_id,
                              intervention_id=intervention_id, again=again, progress=progress,
                              cancelled=cancelled, size=size)  # fmt: skip
        except OSError as exc:
            if isinstance(exc, files.WriteError):
                raise
            raise AttachmentRefused(f"'{path.name}' could not be read to its end "
                                    f"({exc.strerror or exc}); nothing was added.") from None  # fmt: skip


def add_bytes(
    store, case_id: uuid.UUID, data: bytes, file_name: str, *, title: str = "",
    kind: str | None = None, contact_id: uuid.UUID | None = None,
    action_id: uuid.UUID | None = None, intervention_id: uuid.UUID | None = None,
    again: bool = False, progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Added:  # fmt: skip
    """Add content held in memory (a picture pasted from the clipboard) as ``file_name``."""
    access.require(store, Op.ATTACH)
    with store.write(reason="attachment added") as s:
        return add_in(s, case_id, io.BytesIO(bytes(data)), file_name, title=title, kind=kind,
                      contact_id=contact_id, action_id=action_id,
                      intervention_id=intervention_id, again=again, progress=progress,
                      cancelled=cancelled, size=len(data))  # fmt: skip


# --- removing --------------------------------------------------------------------------------


def void(store, attachment_id: uuid.UUID) -> None:
    """Take a file off its case (audited as an alteration; the content stays until the
    retention review erases it). Coordinators and administrators remove any; others what
    they added themselves."""
    access.require(store, Op.ATTACH)
    with store.write(reason="attachment removed") as s:
        a = _row(s, attachment_id)
        if not access.may(s, Op.CLOSE_CASE) and a.added_by != access.acting_user(s):
            raise AttachmentRefused(NOT_YOURS)
        a.voided = True


def may_remove(store, line_: AttachmentLine) -> bool:
    """Whether the acting account may remove this file (for the window's button)."""
    if not access.may(store, Op.ATTACH):
        return False
    return access.may(store, Op.CLOSE_CASE) or line_.added_by == (getattr(store, "user", "") or "")


# --- reading the content ---------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    line: AttachmentLine
    data: bytes


def view_content(store, attachment_id: uuid.UUID) -> Content:
    """The whole content, to show in the app (a picture or a PDF), recorded as a
    consultation. Refused if it is damaged or has not all reached this station."""
    with store.write(reason="attachment viewed") as s:
        a = _row(s, attachment_id)
        data = b"".join(content.iter_chunks(s, a))
        import hashlib

        if hashlib.sha256(data).hexdigest() != a.sha256:
            raise StoreError(f"'{a.file_name}' is damaged: its content no longer matches the "
                             "check made when it was added.")  # fmt: skip
        audit.record(s, audit.Kind.CONSULTATION, "attachment", [str(a.id)],
                     {"case": str(a.case_id), "view": "in the app"})  # fmt: skip
        agency = s.get(Agency, a.agency_id).short_name if a.agency_id else ""
        return Content(_line(a, agency), data)


def _write_out(s, a: Attachment, fh: BinaryIO) -> None:
    import hashlib

    digest = hashlib.sha256()
    for block in content.iter_chunks(s, a):
        digest.update(block)
        fh.write(block)
    if digest.hexdigest() != a.sha256:
        raise StoreError(f"'{a.file_name}' is damaged: its content no longer matches the check "
                         "made when it was added; nothing was written.")  # fmt: skip


def get_to(store, attachment_id: uuid.UUID, path: Path | str) -> AttachmentLine:
    """Write the file out to ``path`` (a regular file or a free name), whole or not at all,
    recorded as a disclosure (``Op.ATTACHMENT_COPY``)."""
    access.require(store, Op.ATTACHMENT_COPY)
    path = Path(path)
    with store.write(reason="attachment copied out") as s:
        a = _row(s, attachment_id)
        files.atomic_write(path, lambda fh: _write_out(s, a, fh), example=a.file_name)
        audit.record(s, audit.Kind.DISCLOSURE, "attachment", [str(a.id)],
                     {"case": str(a.case_id), "to": "file", "file": str(path)})  # fmt: skip
        return _line(a, None)


def copy_for_opening(store, attachment_id: uuid.UUID, folder: Path) -> Path:
    """Write the file into ``folder`` (the caller's owner-only folder: hubapp.open_copies),
    readable by its owner only, for another program to open; recorded as a disclosure. An
    executable or a script is refused, whatever it is called."""
    access.require(store, Op.ATTACHMENT_COPY)
    with store.write(reason="attachment opened in another program") as s:
        a = _row(s, attachment_id)
        if not rules.may_open(a.file_name, a.media_type):
            raise AttachmentRefused(f"'{a.file_name}' is a program or a script; hubapp never "
                                    "opens one. Save a copy if it must be examined.")  # fmt: skip
        sub = folder / a.id.hex[:12]
        sub.mkdir(mode=0o700, exist_ok=True)
        target = sub / _name_only(a.file_name)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                     0o600)  # fmt: skip
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_out(s, a, fh)
            if os.name == "posix":
                os.chmod(target, 0o600)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        audit.record(s, audit.Kind.DISCLOSURE, "attachment", [str(a.id)],
                     {"case": str(a.case_id), "to": "another program"})  # fmt: skip
        return target


def check(store, attachment_id: uuid.UUID) -> bool:
    """Whether the file is whole and matches the SHA-256 taken when it was added."""
    with store.read() as s:
        return content.verify(s, _row(s, attachment_id))


def original_kept(store, attachment_id: uuid.UUID) -> bool:
    """Whether the photo as handed in is kept beside it (``attachment_keep_original``)."""
    with store.read() as s:
        return content.chunks_held(s, _row(s, attachment_id), content.ORIGINAL) > 0


# --- thumbnails ------------------------------------------------------------------------------


def thumbnail(store, attachment_id: uuid.UUID) -> bytes | None:
    """The file's small PNG, if made."""
    with store.read() as s:
        a = _row(s, attachment_id)
        t = s.get(AttachmentThumb, a.id)
        return bytes(t.data) if t is not None else None


def make_thumbnails(store, case_id: uuid.UUID, *, cancelled: Callable[[], bool] | None = None,
                    progress: Progress | None = None) -> dict[uuid.UUID, bytes]:  # fmt: skip
    """Make the missing thumbnails of a case's pictures (one picture in memory at a time),
    each kept as it is made; the new ones by attachment id. Derived, local rows: made for
    any account that sees the case, read-only staff too."""
    with store.read() as s:
        access.check_case(s, case_id)
        todo = [a.id for a in s.scalars(
            select(Attachment).outerjoin(AttachmentThumb,
                                         AttachmentThumb.attachment_id == Attachment.id)
            .where(Attachment.case_id == case_id, Attachment.voided.is_(False),
                   Attachment.media_type.in_(rules.VIEWABLE_IMAGES),
                   AttachmentThumb.attachment_id.is_(None)))]  # fmt: skip
    made: dict[uuid.UUID, bytes] = {}
    for i, attachment_id in enumerate(todo):
        if cancelled is not None and cancelled():
            break
        with store.read() as s:
            a = s.get(Attachment, attachment_id)
            if a is None or not content.is_complete(s, a):
                continue
            data = b"".join(content.iter_chunks(s, a))
        try:
            png, w, h = rules.thumbnail_png(data)
        except Exception:  # noqa: BLE001 - a picture Pillow cannot shrink shows its icon
            continue
        del data
        with store.write(reason="attachment thumbnail") as s:
            if s.get(AttachmentThumb, attachment_id) is None:
                s.add(AttachmentThumb(attachment_id=attachment_id, data=png, width=w, height=h))
        made[attachment_id] = png
        if progress is not None:
            progress((i + 1) / len(todo), "")
    return made
