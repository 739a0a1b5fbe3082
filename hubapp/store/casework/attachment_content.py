"""An attachment's content: kept in chunks inside the encrypted database, never as a file.

The lowest layer, under :mod:`hubapp.store.casework.attachments` (which checks what is
handed in: size limits, what the file really is, location data) and the letters (which keep
each letter sent as an attachment). Everything here works inside a session the caller holds,
so an attachment's row and all of its chunks are written in one transaction: a cut power or
a cancel leaves either the whole file or nothing.

* **Chunked.** A file is read and written ``CHUNK_SIZE`` bytes at a time, so a 25 MB photo
  never sits whole in memory, and the SHA-256 is worked out on the way through.
* **Read under the case rule.** Chunks carry no case of their own: they are reached only
  through their attachment's row, which the store's reading rules
  (:mod:`hubapp.store.access`) show only to those who see its case. Every function here takes
  that row, read in the caller's session, never a bare id.
* **Gone with their row.** Deleting an attachment's row (an erasure) deletes its chunks and
  picture in the same statement (a trigger of migration 0013).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from typing import BinaryIO

from sqlalchemy import func, insert, select

from hubapp.store.errors import StoreError
from hubapp.store.schema import Attachment, AttachmentChunk

#: the size of one chunk: small enough to keep memory flat and a sync batch bounded, large
#: enough that a 25 MB file is a hundred rows
CHUNK_SIZE = 256 * 1024
FILE = "file"
ORIGINAL = "original"


class Cancelled(StoreError):
    """The person cancelled while the content was being written (nothing is kept)."""

    def __init__(self) -> None:
        super().__init__("Cancelled: the file was not added.")


def write_chunks(
    s, attachment_id: uuid.UUID, source: BinaryIO, *, part: str = FILE,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[int, str, int]:  # fmt: skip
    """Read ``source`` to its end in chunks and write them as ``part`` of the attachment;
    ``(size, sha256 hex, chunk count)``. ``progress(bytes so far)`` after each chunk;
    :class:`Cancelled` as soon as ``cancelled()`` says so (the caller's transaction then
    rolls back, keeping nothing)."""
    digest = hashlib.sha256()
    size = count = 0
    while True:
        if cancelled is not None and cancelled():
            raise Cancelled()
        block = source.read(CHUNK_SIZE)
        if not block:
            break
        digest.update(block)
        s.execute(insert(AttachmentChunk).values(
            attachment_id=attachment_id, part=part, seq=count, data=bytes(block), sent=False))  # fmt: skip
        size += len(block)
        count += 1
        if progress is not None:
            progress(size)
    return size, digest.hexdigest(), count


def store_content(
    s, *, case_id: uuid.UUID, source: BinaryIO, file_name: str, title: str, kind: str,
    media_type: str, added_by: str = "", agency_id: uuid.UUID | None = None, note: str = "",
    contact_id: uuid.UUID | None = None, action_id: uuid.UUID | None = None,
    intervention_id: uuid.UUID | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Attachment:  # fmt: skip
    """Inside a writing session: a new attachment of the case holding everything ``source``
    has left to read. Checks nothing of what the content is: the callers do."""
    attachment_id = uuid.uuid4()
    size, sha, count = write_chunks(s, attachment_id, source, progress=progress,
                                    cancelled=cancelled)  # fmt: skip
    row = Attachment(
        id=attachment_id, case_id=case_id, title=title, kind=kind, file_name=file_name,
        media_type=media_type, size=size, sha256=sha, chunk_size=CHUNK_SIZE, chunk_count=count,
        added_by=added_by, agency_id=agency_id, contact_id=contact_id, action_id=action_id,
        intervention_id=intervention_id, note=note,
    )  # fmt: skip
    s.add(row)
    s.flush()
    return row


def _checked(attachment: Attachment | None) -> Attachment:
    if not isinstance(attachment, Attachment):
        raise StoreError("This attachment no longer exists, or you cannot see its case.")
    return attachment


def chunks_held(s, attachment: Attachment, part: str = FILE) -> int:
    """How many of the attachment's chunks this station holds (fewer than ``chunk_count``:
    the content is still on its way from the central database)."""
    a = _checked(attachment)
    return s.scalar(select(func.count()).select_from(AttachmentChunk).where(
        AttachmentChunk.attachment_id == a.id, AttachmentChunk.part == part)) or 0  # fmt: skip


def is_complete(s, attachment: Attachment) -> bool:
    return chunks_held(s, attachment) >= _checked(attachment).chunk_count


def iter_chunks(s, attachment: Attachment, part: str = FILE) -> Iterator[bytes]:
    """The content, a chunk at a time, in order (one chunk in memory at once). Raises if a
    chunk is missing (the content has not all arrived)."""
    a = _checked(attachment)
    expected = a.chunk_count if part == FILE else None
    held = 0
    for seq, data in s.execute(select(AttachmentChunk.seq, AttachmentChunk.data).where(
            AttachmentChunk.attachment_id == a.id, AttachmentChunk.part == part)
            .order_by(AttachmentChunk.seq).execution_options(yield_per=1)):  # fmt: skip
        if seq != held:
            break
        held += 1
        yield data
    if expected is not None and held != expected:
        raise StoreError(f"Part of '{a.file_name}' has not reached this station yet; sync, "
                         "then try again.")  # fmt: skip


def verify(s, attachment: Attachment) -> bool:
    """Whether the content held is whole and matches the SHA-256 recorded when it was added."""
    a = _checked(attachment)
    digest = hashlib.sha256()
    try:
        for data in iter_chunks(s, a):
            digest.update(data)
    except StoreError:
        return False
    return digest.hexdigest() == a.sha256
