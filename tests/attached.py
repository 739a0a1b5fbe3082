"""Test helpers: files kept on a case and letters sent, written through the content layer."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

from hubapp.store.casework import attachment_content as content
from hubapp.store.schema import AttachmentThumb, Communication


def attach(store, case_id: uuid.UUID, data: bytes, *, title: str = "Statement",
           kind: str = "statement", file_name: str = "statement.txt",
           media_type: str = "text/plain", thumb: bytes | None = None,
           **links) -> uuid.UUID:  # fmt: skip
    """A file kept on the case (its content in chunks); returns the attachment's id."""
    with store.write(reason="test attachment") as s:
        row = content.store_content(s, case_id=case_id, source=io.BytesIO(data),
                                    file_name=file_name, title=title, kind=kind,
                                    media_type=media_type, added_by="PC Dunmore", **links)  # fmt: skip
        if thumb is not None:
            s.add(AttachmentThumb(attachment_id=row.id, data=thumb, width=8, height=8))
        return row.id


def send_letter(store, case_id: uuid.UUID, person_id: uuid.UUID | None, pdf: bytes, *,
                subject: str = "Warning about antisocial behaviour", address: str = "",
                sent_at: datetime = datetime(2026, 6, 2, 10)) -> tuple[uuid.UUID, uuid.UUID]:  # fmt: skip
    """A letter sent to the person, kept as an attachment; (communication id, attachment id)."""
    attachment_id = attach(store, case_id, pdf, title=subject, kind="letter",
                           file_name="letter.pdf", media_type="application/pdf")  # fmt: skip
    with store.write(reason="test letter") as s:
        row = Communication(id=uuid.uuid4(), case_id=case_id, person_id=person_id,
                            template_name="asb_warning", template_version=1, subject=subject,
                            address=address, sent_by="PC Dunmore", sent_at=sent_at,
                            attachment_id=attachment_id)  # fmt: skip
        s.add(row)
        return row.id, attachment_id
