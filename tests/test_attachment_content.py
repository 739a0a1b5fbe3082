"""The lowest layer of attachments: content in chunks inside the database, whole or not at all."""

import hashlib
import io

import pytest
from sqlalchemy import func, select

from hubapp.store.casework import attachment_content as content
from hubapp.store.errors import StoreError
from hubapp.store.schema import Attachment, AttachmentChunk
from tests.casework import new_case


def _case(store):
    return new_case(store)


def test_content_round_trips_in_chunks_and_is_checked(store):
    case_id = _case(store)
    data = bytes(range(256)) * (content.CHUNK_SIZE // 256 * 2 + 3)  # two chunks and a bit
    seen = []
    with store.write() as s:
        a = content.store_content(s, case_id=case_id, source=io.BytesIO(data), file_name="a.bin",
                                  title="A", kind="other", media_type="application/octet-stream",
                                  progress=seen.append)  # fmt: skip
        attachment_id = a.id
    assert seen == [content.CHUNK_SIZE, 2 * content.CHUNK_SIZE, len(data)]
    with store.read() as s:
        a = s.get(Attachment, attachment_id)
        assert (a.size, a.chunk_count) == (len(data), 3)
        assert a.sha256 == hashlib.sha256(data).hexdigest()
        assert b"".join(content.iter_chunks(s, a)) == data
        assert content.is_complete(s, a) and content.verify(s, a)


def test_a_cancel_keeps_nothing(store):
    case_id = _case(store)
    calls = iter([False, True])
    with pytest.raises(content.Cancelled), store.write() as s:
        content.store_content(s, case_id=case_id, source=io.BytesIO(b"x" * (content.CHUNK_SIZE + 1)),
                              file_name="a", title="A", kind="other", media_type="text/plain",
                              cancelled=lambda: next(calls))  # fmt: skip
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(AttachmentChunk)) == 0
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_missing_chunk_is_said_and_fails_the_check(store):
    case_id = _case(store)
    with store.write() as s:
        a = content.store_content(s, case_id=case_id, source=io.BytesIO(b"y" * (content.CHUNK_SIZE * 2)),
                                  file_name="b", title="B", kind="other", media_type="text/plain")  # fmt: skip
        s.execute(AttachmentChunk.__table__.delete().where(AttachmentChunk.seq == 0))
        attachment_id = a.id
    with store.read() as s:
        a = s.get(Attachment, attachment_id)
        assert not content.is_complete(s, a) and not content.verify(s, a)
        with pytest.raises(StoreError, match="has not reached this station"):
            b"".join(content.iter_chunks(s, a))


def test_deleting_the_row_deletes_its_content(store):
    case_id = _case(store)
    with store.write() as s:
        a = content.store_content(s, case_id=case_id, source=io.BytesIO(b"z" * 10), file_name="c",
                                  title="C", kind="other", media_type="text/plain")  # fmt: skip
        s.flush()
        s.execute(Attachment.__table__.delete().where(Attachment.id == a.id))
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(AttachmentChunk)) == 0
