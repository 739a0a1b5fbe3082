"""Retention erasure and attachments: a case's files and letters go with it, a person's
letters and the rest of what is about them go with them (every column of PERSON_LINKS), and
no byte of an erased file is left in the database, its free pages or its log."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from attached import attach, send_letter
from casework import agency_id, new_case
from sqlalchemy import func, select

from hubapp.store import access, setup
from hubapp.store.admin import retention
from hubapp.store.casework import attachment_content as content
from hubapp.store.database import connect, open_store
from hubapp.store.schema import (
    PERSON_LINKS,
    Action,
    Attachment,
    AttachmentChunk,
    AttachmentThumb,
    Case,
    CasePerson,
    CaseReview,
    Channel,
    Communication,
    Contact,
    Intervention,
    InterventionType,
    Person,
    Referral,
    ReviewExplanation,
    VictimContact,
    VictimUpdate,
)

MARKER = "Quillfeather-Marrowby-7731"
DUE = date(2040, 1, 1)


def _marked(n_bytes: int) -> bytes:
    """Text of about ``n_bytes`` with the marker all through it (in every chunk)."""
    line = f"Statement of {MARKER}: the hedge at 9 Larkspur Lane was set alight.\n".encode()
    return line * (n_bytes // len(line) + 1)


def _closed_case(store, ref="CAR-2026-0042"):
    return new_case(store, ref, status="closed", closed_on=date(2026, 7, 1))


def _with_everything(store):
    """A closed case with a person, a contact, an action and a tool, each with a file kept
    as its evidence, a photo with its picture, and a letter sent to the person."""
    case = _closed_case(store)
    police = agency_id(store, "POLICE")
    with store.write(reason="test") as s:
        person = Person(id=uuid.uuid4(), full_name=f"Orla {MARKER}", address="9 Larkspur Lane")
        s.add(person)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=person.id,
                         role="alleged_perpetrator"))  # fmt: skip
        contact = Contact(id=uuid.uuid4(), case_id=case, channel_id=s.scalar(select(Channel.id)),
                          received_at=datetime(2026, 3, 1, 9), summary="Call")  # fmt: skip
        action = Action(id=uuid.uuid4(), case_id=case, agency_id=police, description="Visit")
        tool = Intervention(id=uuid.uuid4(), case_id=case, person_id=person.id, agency_id=police,
                            intervention_type_id=s.scalar(select(InterventionType.id)),
                            issued_on=date(2026, 4, 1))  # fmt: skip
        s.add_all([contact, action, tool])
        ids = {"case": case, "person": person.id, "contact": contact.id, "action": action.id,
               "tool": tool.id}  # fmt: skip
    ids["statement"] = attach(store, case, _marked(content.CHUNK_SIZE * 2 + 10),
                              contact_id=ids["contact"])  # fmt: skip
    ids["photo"] = attach(store, case, b"\x89PNG" + MARKER.encode() * 40, kind="photo",
                          file_name="hedge.png", media_type="image/png",
                          thumb=b"\x89PNG thumb " + MARKER.encode(), action_id=ids["action"])  # fmt: skip
    ids["notice"] = attach(store, case, _marked(500), title="CPW served", kind="evidence",
                           intervention_id=ids["tool"])  # fmt: skip
    ids["letter"], ids["letter_file"] = send_letter(
        store,
        case,
        person.id,
        b"%PDF-1.4 letter to Orla " + MARKER.encode(),
        address="9 Larkspur Lane",
    )
    return ids


def _every_value(path) -> str:
    """Every value of every table, read through a decrypting connection (as test_retention)."""
    con = connect(path, read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]  # fmt: skip
        out = []
        for name in names:
            if name == "case_search":
                continue
            for row in con.execute(f'SELECT * FROM "{name}"'):
                out += [v.decode("latin-1") if isinstance(v, bytes) else str(v)
                        for v in row if v is not None]  # fmt: skip
        return "\n".join(out)
    finally:
        con.close()


def _count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model).execution_options(
            **access.EVERY_ROW)) or 0  # fmt: skip


def test_erasing_a_case_erases_its_files_letters_and_their_content(store, db_path):
    ids = _with_everything(store)
    other = new_case(store, "CAR-2026-0050")
    kept = attach(store, other, b"The other case's file")
    assert MARKER in _every_value(db_path)
    result = retention.erase_case(store, ids["case"], "review: no longer needed", today=DUE)
    assert result.counts["attachment"] == 4 and result.counts["communication"] == 1
    assert result.persons == [str(ids["person"])]
    with store.read() as s:
        assert s.get(Case, ids["case"]) is None
        assert s.scalars(select(Attachment.id)).all() == [kept]
        assert set(s.scalars(select(AttachmentChunk.attachment_id))) == {kept}
        assert s.scalar(select(func.count()).select_from(AttachmentThumb)) == 0
        assert s.scalar(select(func.count()).select_from(Communication)) == 0
        assert content.verify(s, s.get(Attachment, kept))  # the other case's file is whole
    assert MARKER not in _every_value(db_path)
    # the erasures travel to the central database, without values
    con = connect(db_path, read_only=True)
    try:
        erased = dict(con.execute("SELECT tbl, count(*) FROM sync_outbox WHERE kind = 'erase' "
                                  "GROUP BY tbl").fetchall())  # fmt: skip
    finally:
        con.close()
    assert erased["attachment"] == 4 and erased["communication"] == 1


def test_content_left_without_its_row_goes_with_the_next_erasure(store):
    ids = _with_everything(store)
    stray = uuid.uuid4()  # content whose row never came (an interrupted transfer)
    with store.write() as s:
        s.add(AttachmentChunk(attachment_id=stray, part="file", seq=0, data=_marked(100)))
        s.add(AttachmentThumb(attachment_id=stray, data=b"png", width=1, height=1))
    retention.erase_case(store, ids["case"], "review", today=DUE)
    assert _count(store, AttachmentChunk) == 0 and _count(store, AttachmentThumb) == 0


def test_an_erased_file_leaves_no_byte_in_the_file_its_free_pages_or_its_log(tmp_path):
    """On a plaintext database, so that the raw bytes (free pages and the unused space of
    pages included) can be searched: secure delete, the rebuild and the emptied log leave
    nothing of the file, whether it filled overflow pages or sat in one page."""
    path = tmp_path / "plain.sqlite3"
    store = open_store(path, encrypted=False)
    try:
        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        ids = _with_everything(store)
        with store.engine.begin() as conn:  # as a push does: sent changes leave free pages
            conn.exec_driver_sql("DELETE FROM sync_outbox")
            conn.exec_driver_sql("UPDATE attachment_chunk SET sent = 1")  # and as sync marks
        raw = path.read_bytes()
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            raw += wal.read_bytes()
        assert MARKER.encode() in raw
        retention.erase_case(store, ids["case"], "retention review", today=DUE)
        raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert MARKER.encode() not in raw
        assert b"Larkspur" not in raw
    finally:
        store.close()


def _about_the_person(store, ids) -> dict[str, uuid.UUID]:
    """A row of every kind that points at the person (schema.PERSON_LINKS)."""
    case, pid = ids["case"], ids["person"]
    with store.write(reason="test") as s:
        rows = {
            "victim_contact": VictimContact(id=uuid.uuid4(), case_id=case, person_id=pid),
            "victim_update": VictimUpdate(id=uuid.uuid4(), case_id=case, person_id=pid,
                                          updated_on=date(2026, 5, 1), method="call"),
            "referral": Referral(id=uuid.uuid4(), case_id=case, person_id=pid, pathway="mash",
                                 referred_on=date(2026, 5, 2)),
            "review_explanation": ReviewExplanation(id=uuid.uuid4(), case_id=case,
                                                    person_id=pid,
                                                    explained_on=date(2026, 5, 3)),
            "case_review": CaseReview(id=uuid.uuid4(), case_id=case, person_id=pid,
                                      received_on=date(2026, 5, 4)),
        }  # fmt: skip
        s.add_all(rows.values())
        s.get(Contact, ids["contact"]).reporter_person_id = pid
        return {k: v.id for k, v in rows.items()}


def test_every_column_pointing_at_a_person_is_kept_or_erased_by_their_erasure():
    handled = list(retention.PERSON_LINKS_KEPT) + list(retention.PERSON_LINKS_ERASED)
    assert sorted(handled, key=repr) == sorted(PERSON_LINKS, key=repr)
    assert len(set(handled)) == len(handled)


def test_erasing_a_person_takes_their_letters_and_what_is_about_them(store, db_path):
    ids = _with_everything(store)
    rows = _about_the_person(store, ids)
    record = retention.Record(retention.PERSON, ids["person"],
                              retention.person_reference(ids["person"]))  # fmt: skip
    planned = retention.rows_about(store, record)
    result = retention.erase_person(store, ids["person"], "subject's erasure request",
                                    before_due=True)  # fmt: skip
    assert result.counts == {
        "communication": 1, "victim_update": 1, "victim_contact": 1, "referral": 1,
        "review_explanation": 1, "attachment": 2, "intervention": 1, "case_person": 1,
        "person": 1,
    }  # fmt: skip
    assert planned == result.rows
    with store.read() as s:
        for model, name in PERSON_LINKS:
            column = getattr(model, name)
            left = s.scalar(select(func.count()).select_from(model).where(
                column == ids["person"]).execution_options(**access.EVERY_ROW))  # fmt: skip
            assert left == 0, model.__tablename__
        # the case keeps its other files, its contact and its Case Review, without the person
        assert set(s.scalars(select(Attachment.id))) == {ids["statement"], ids["photo"]}
        assert s.get(Contact, ids["contact"]).reporter_person_id is None
        assert s.get(CaseReview, rows["case_review"]).person_id is None
        assert s.get(Case, ids["case"]) is not None
    everything = _every_value(db_path)
    assert "letter to Orla" not in everything and "CPW served" not in everything


def test_a_partner_cannot_erase_a_case_with_its_files(store):
    from hubapp.domain.codes import StaffRole
    from hubapp.store import accounts
    from hubapp.store.accounts import AccountDraft

    ids = _with_everything(store)
    accounts.create_account(store, AccountDraft("admin", "Ada Admin", StaffRole.ADMINISTRATOR),
                            "correct horse battery staple")  # fmt: skip
    store.account = accounts.sign_in(store, "admin", "correct horse battery staple")
    accounts.create_account(store, AccountDraft("housing", "Hal Ward", StaffRole.PARTNER,
                                                agency_id=agency_id(store, "POLICE")),
                            "another long pass phrase")  # fmt: skip
    store.account = accounts.sign_in(store, "housing", "another long pass phrase")
    with pytest.raises(retention.RetentionError):
        retention.erase_case(store, ids["case"], "review", today=DUE)
    store.account = None  # nothing changed
    assert _count(store, Attachment) == 4 and _count(store, Communication) == 1
