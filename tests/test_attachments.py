"""Files on a case (hubapp.store.casework.attachments): what is handed in is checked before
anything is kept, photos lose their location data, and only those who see the case reach a
file. Real files, a real encrypted database, Pillow reading back what was stored."""

from __future__ import annotations

import io
import os
import stat
import sys
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from hubapp.domain import attachments as rules
from hubapp.store import accounts, audit, database
from hubapp.store.casework import attachment_content as content
from hubapp.store.casework import attachments
from hubapp.store.casework.attachments import AttachmentRefused, Duplicate
from hubapp.store.database import open_store
from hubapp.store.errors import Refused, StoreError
from hubapp.store.schema import Attachment, AttachmentChunk, AttachmentThumb, AuditEntry, Case
from tests.casework import STAFF_PASSWORD, agency_id, dump, new_case, staff_database

GPS = {1: "N", 2: (54.0, 53.0, 30.0), 3: "W", 4: (2.0, 56.0, 10.0)}


def jpeg_with_gps(size=(64, 48), orientation: int = 1, colour="red") -> bytes:
    im = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = orientation
    exif[0x8825] = GPS
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_with_gps() -> bytes:
    im = Image.new("RGB", (20, 10), "blue")
    exif = Image.Exif()
    exif[0x8825] = GPS
    out = io.BytesIO()
    im.save(out, "PNG", exif=exif.tobytes())
    return out.getvalue()


def _stored(store, attachment_id) -> bytes:
    with store.read() as s:
        return b"".join(content.iter_chunks(s, s.get(Attachment, attachment_id)))


def _counts(store) -> tuple[int, int]:
    with store.read() as s:
        return (s.scalar(select(func.count()).select_from(Attachment)),
                s.scalar(select(func.count()).select_from(AttachmentChunk)))  # fmt: skip


# --- adding ---------------------------------------------------------------------------------


def test_a_photo_loses_its_gps_keeps_its_pixels_and_orientation_and_says_so(store, tmp_path):
    case_id = new_case(store)
    photo = tmp_path / "flytip.jpg"
    photo.write_bytes(jpeg_with_gps(orientation=6))
    with Image.open(photo) as before:
        assert before.getexif().get_ifd(0x8825), "the test photo carries GPS"
    added = attachments.add_file(store, case_id, photo, title="Fly-tipping, Bitts Park")
    assert added.note == rules.LOCATION_REMOVED == "Location data removed from the photo."
    data = _stored(store, added.id)
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        assert not exif.get_ifd(0x8825) and 0x8825 not in exif
        assert exif.get(0x0112) == 6, "the orientation is kept"
        assert 0x010F not in exif, "only the orientation is kept of the EXIF"
        im.load()
        assert im.size == (64, 48)
    assert b"PhoneMaker" not in data
    (line,) = attachments.for_case(store, case_id)
    assert (line.title, line.kind, line.media_type, line.note) == (
        "Fly-tipping, Bitts Park", "photo", "image/jpeg", rules.LOCATION_REMOVED)  # fmt: skip
    assert line.sha256 == __import__("hashlib").sha256(data).hexdigest() == added.sha256
    assert attachments.check(store, added.id)
    assert not attachments.original_kept(store, added.id)


def test_a_png_loses_its_exif_gps(store, tmp_path):
    case_id = new_case(store)
    added = attachments.add_bytes(store, case_id, png_with_gps(), "pasted.png")
    assert added.note == rules.LOCATION_REMOVED
    with Image.open(io.BytesIO(_stored(store, added.id))) as im:
        assert not im.getexif().get_ifd(0x8825)
        im.load()
        assert im.getpixel((0, 0)) == (0, 0, 255)


@pytest.mark.parametrize("fmt", ["TIFF", "WEBP"])
def test_tiff_and_webp_photos_lose_their_gps_too(store, fmt):
    case_id = new_case(store)
    exif = Image.Exif()
    exif[0x8825] = GPS
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(out, fmt, exif=exif.tobytes())
    with Image.open(io.BytesIO(out.getvalue())) as before:
        assert before.getexif().get_ifd(0x8825), "the test picture carries GPS"
    added = attachments.add_bytes(store, case_id, out.getvalue(), f"a.{fmt.lower()}")
    assert added.note == rules.LOCATION_REMOVED
    with Image.open(io.BytesIO(_stored(store, added.id))) as im:
        assert im.format == fmt and not im.getexif().get_ifd(0x8825)
        im.load()
        assert im.size == (30, 20)
    # without metadata: kept as it is
    plain = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(plain, fmt)
    kept = attachments.add_bytes(store, case_id, plain.getvalue(), f"b.{fmt.lower()}")
    assert kept.note == "" and _stored(store, kept.id) == plain.getvalue()


def test_a_heic_photo_is_refused_as_its_location_cannot_be_taken_out(store):
    case_id = new_case(store)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    with pytest.raises(AttachmentRefused, match="HEIC photo, which hubapp cannot read"):
        attachments.add_bytes(store, case_id, heic, "IMG_1.HEIC")
    assert _counts(store) == (0, 0)


def test_a_photo_without_location_is_kept_byte_for_byte_with_no_note(store, tmp_path):
    case_id = new_case(store)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "JPEG")
    added = attachments.add_bytes(store, case_id, out.getvalue(), "plain.jpg")
    assert added.note == "" and _stored(store, added.id) == out.getvalue()


def test_the_original_is_kept_only_where_an_administrator_said_so(store, tmp_path):
    case_id = new_case(store)
    photo = jpeg_with_gps()
    attachments.set_limits(store, keep_original=True)
    added = attachments.add_bytes(store, case_id, photo, "a.jpg")
    assert added.original_kept and attachments.original_kept(store, added.id)
    with store.read() as s:
        a = s.get(Attachment, added.id)
        assert b"".join(content.iter_chunks(s, a, content.ORIGINAL)) == photo
    attachments.set_limits(store, keep_original=False)
    second = attachments.add_bytes(store, case_id, jpeg_with_gps(colour="blue"), "b.jpg")
    assert not second.original_kept


def test_office_pdf_text_email_and_audio_are_known_by_content_not_name(store, tmp_path):
    case_id = new_case(store)
    cases = {
        "letter.pdf": (b"%PDF-1.4\n" + b"0" * 100, "application/pdf"),
        "noise-log.txt": (b"Noise at 02:00 from no. 12\n", "text/plain"),
        "mail.eml": (b"From: a@b\nTo: c@d\nSubject: noise\nDate: Mon\n\nhello", "message/rfc822"),
        "clip.mp3": (b"ID3\x03\x00" + b"\x00" * 100, "audio/mpeg"),
        "renamed.doc": (b"%PDF-1.4\n" + b"1" * 100, "application/pdf"),
    }
    for name, (data, media) in cases.items():
        added = attachments.add_bytes(store, case_id, data, name)
        assert added.media_type == media, name
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>")
    added = attachments.add_bytes(store, case_id, buf.getvalue(), "abc.docx")
    assert added.media_type.endswith("wordprocessingml.document")


def test_a_link_to_a_contact_of_another_case_is_refused(store):
    case_id, other = new_case(store), new_case(store, "CAR-2026-0043")
    from hubapp.store.schema import Action

    with store.write() as s:
        action = Action(
            id=uuid.uuid4(), case_id=other, agency_id=agency_id(store, "POLICE"), description="x"
        )
        s.add(action)
    with pytest.raises(AttachmentRefused, match="not on this case") as refused:
        attachments.add_bytes(store, case_id, b"%PDF-1.4 x", "a.pdf", action_id=action.id)
    assert refused.value.problems[0].field == "link"
    assert _counts(store) == (0, 0)


# --- refused, nothing kept ----------------------------------------------------------------


def test_a_forged_picture_is_refused_and_nothing_kept(store, tmp_path):
    case_id = new_case(store)
    fake = tmp_path / "evidence.jpg"
    fake.write_text("this is not a photo at all\n")
    with pytest.raises(AttachmentRefused) as refused:
        attachments.add_file(store, case_id, fake)
    assert (
        str(refused.value)
        == "'evidence.jpg' is named as a picture but is not one; nothing was added."
    )
    # a JPEG's first bytes and then rubbish
    forged = tmp_path / "forged.png"
    forged.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    with pytest.raises(AttachmentRefused, match="cannot be read as one"):
        attachments.add_file(store, case_id, forged)
    # a PDF renamed as a picture
    renamed = tmp_path / "photo.png"
    renamed.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(AttachmentRefused, match="named as a picture but is not one"):
        attachments.add_file(store, case_id, renamed)
    assert _counts(store) == (0, 0)


@pytest.mark.parametrize("what", ["empty", "folder", "missing", "too large"])
def test_bad_files_are_refused_in_one_sentence(store, tmp_path, what):
    case_id = new_case(store)
    path = tmp_path / "f.pdf"
    expected = {
        "empty": "'f.pdf' is empty (0 bytes); nothing was added.",
        "folder": "'f.pdf' is a folder, not a file; choose a file to attach.",
        "missing": f"'{path}' does not exist; nothing was added.",
        "too large": "'f.pdf' is 2.0 MB, more than this station's limit of 1.0 MB a file; nothing "
        "was added.",
    }[what]
    if what == "empty":
        path.write_bytes(b"")
    elif what == "folder":
        path.mkdir()
    elif what == "too large":
        attachments.set_limits(store, file_mb=1)
        path.write_bytes(b"%PDF-1.4\n" + b"x" * (2 * 1024 * 1024 - 9))
    with pytest.raises(AttachmentRefused) as refused:
        attachments.add_file(store, case_id, path)
    assert str(refused.value) == expected
    assert _counts(store) == (0, 0)


@pytest.mark.skipif(sys.platform == "win32", reason="no /dev/zero on Windows")
def test_a_device_is_refused_without_reading_it(store):
    case_id = new_case(store)
    with pytest.raises(AttachmentRefused) as refused:
        attachments.add_file(store, case_id, "/dev/zero")
    assert str(refused.value) == "'zero' is a device, not a file; choose a file to attach."
    assert _counts(store) == (0, 0)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="POSIX permissions")
def test_an_unreadable_file_is_refused(store, tmp_path):
    case_id = new_case(store)
    path = tmp_path / "locked.pdf"
    path.write_bytes(b"%PDF-1.4 x")
    path.chmod(0)
    with pytest.raises(AttachmentRefused, match="cannot be read: permission denied"):
        attachments.add_file(store, case_id, path)
    assert _counts(store) == (0, 0)


def test_a_case_over_its_limit_refuses_the_next_file(store):
    case_id = new_case(store)
    attachments.set_limits(store, file_mb=1, case_mb=1)
    attachments.add_bytes(store, case_id, b"%PDF-1.4" + b"a" * 700_000, "a.pdf")
    with pytest.raises(AttachmentRefused, match="would take this case's files past"):
        attachments.add_bytes(store, case_id, b"%PDF-1.4" + b"b" * 700_000, "b.pdf")
    assert _counts(store)[0] == 1


def test_the_limits_are_checked(store):
    with pytest.raises(AttachmentRefused, match="from 1 to 2,048"):
        attachments.set_limits(store, file_mb=0)
    with pytest.raises(AttachmentRefused, match="cannot be more than the limit per case"):
        attachments.set_limits(store, file_mb=300)
    assert attachments.limits(store) == attachments.Limits(25, 250, False)


def test_the_same_file_twice_is_refused_unless_asked_again(store):
    case_id = new_case(store)
    first = attachments.add_bytes(store, case_id, b"%PDF-1.4 the ABC", "abc.pdf", title="ABC")
    with pytest.raises(Duplicate) as dup:
        attachments.add_bytes(store, case_id, b"%PDF-1.4 the ABC", "abc (1).pdf")
    assert dup.value.existing_id == first.id
    assert str(dup.value).startswith("The same file is already on this case as 'ABC', added ")
    assert _counts(store)[0] == 1
    again = attachments.add_bytes(store, case_id, b"%PDF-1.4 the ABC", "abc (1).pdf", again=True)
    assert again.id != first.id and _counts(store)[0] == 2
    # on another case it is no duplicate
    other = new_case(store, "CAR-2026-0099")
    attachments.add_bytes(store, other, b"%PDF-1.4 the ABC", "abc.pdf")


def test_a_cancel_keeps_nothing(store, tmp_path):
    case_id = new_case(store)
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(3 * content.CHUNK_SIZE))
    calls = iter([False, False, True, True, True])
    with pytest.raises(content.Cancelled):
        attachments.add_file(store, case_id, path, cancelled=lambda: next(calls))
    assert _counts(store) == (0, 0)


def test_progress_is_reported_as_a_fraction(store, tmp_path):
    case_id = new_case(store)
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(3 * content.CHUNK_SIZE))
    seen = []
    attachments.add_file(store, case_id, path, progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 4


# --- reading, writing out, removing -------------------------------------------------------


def test_get_to_writes_the_file_and_is_a_disclosure(store, tmp_path):
    case_id = new_case(store)
    data = b"%PDF-1.4\n" + os.urandom(600_000)
    added = attachments.add_bytes(store, case_id, data, "letter.pdf", kind="letter")
    out = tmp_path / "copy.pdf"
    attachments.get_to(store, added.id, out)
    assert out.read_bytes() == data
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with store.read() as s:
        kinds = [e.kind for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "attachment"))]  # fmt: skip
    assert kinds == ["collection", "disclosure"]
    attachments.view_content(store, added.id)
    with store.read() as s:
        assert s.scalars(select(AuditEntry.kind).order_by(AuditEntry.id.desc())).first() == (
            "consultation")  # fmt: skip


def test_a_damaged_file_is_not_written_out(store, tmp_path):
    case_id = new_case(store)
    added = attachments.add_bytes(store, case_id, b"%PDF-1.4 real", "a.pdf")
    with store.write() as s:
        s.execute(AttachmentChunk.__table__.update().values(data=b"%PDF-1.4 fake"))
    out = tmp_path / "a.pdf"
    with pytest.raises(StoreError, match="is damaged"):
        attachments.get_to(store, added.id, out)
    assert not out.exists() and not attachments.check(store, added.id)


def test_copy_for_opening_is_owner_only_and_refuses_programs(store, tmp_path):
    case_id = new_case(store)
    folder = tmp_path / "open"
    folder.mkdir(mode=0o700)
    added = attachments.add_bytes(store, case_id, b"%PDF-1.4 x", "../../etc/a.pdf")
    path = attachments.copy_for_opening(store, added.id, folder)
    assert path.parent.parent == folder and path.name == "a.pdf"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for name, data in (("run.exe", b"MZ\x90\x00" + b"\x00" * 60), ("x.pdf.bat", b"@echo off\r\n"),
                       ("innocent.txt", b"MZ" + b"\x00" * 100)):  # fmt: skip
        bad = attachments.add_bytes(store, case_id, data, name)
        with pytest.raises(AttachmentRefused, match="is a program or a script"):
            attachments.copy_for_opening(store, bad.id, folder)


def test_void_takes_it_off_the_case(store):
    case_id = new_case(store)
    added = attachments.add_bytes(store, case_id, b"%PDF-1.4 x", "a.pdf")
    attachments.void(store, added.id)
    assert attachments.for_case(store, case_id) == []
    with pytest.raises(StoreError, match="no longer on the case"):
        attachments.get_to(store, added.id, "/nonexistent/x")


def test_thumbnails_are_made_once_for_pictures(store):
    case_id = new_case(store)
    photo = attachments.add_bytes(store, case_id, jpeg_with_gps((800, 600)), "a.jpg")
    attachments.add_bytes(store, case_id, b"%PDF-1.4 x", "b.pdf")
    made = attachments.make_thumbnails(store, case_id)
    assert list(made) == [photo.id]
    with Image.open(io.BytesIO(made[photo.id])) as im:
        assert im.format == "PNG" and max(im.size) == rules.THUMB_SIZE
    assert attachments.make_thumbnails(store, case_id) == {}
    lines = {li.id: li for li in attachments.for_case(store, case_id)}
    assert lines[photo.id].thumb == made[photo.id] == attachments.thumbnail(store, photo.id)


def test_no_plaintext_of_an_attached_file_in_the_database_or_its_wal(store, db_path, tmp_path):
    case_id = new_case(store)
    secret = "Statement of Ferelith Quarmby-Tolland about number 12"
    path = tmp_path / "statement.txt"
    path.write_text(secret * 50)
    attachments.add_file(store, case_id, path, kind="statement")
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert not db_path.read_bytes().startswith(database.SQLITE_MAGIC)
    for f in (db_path, wal):
        assert b"Quarmby-Tolland" not in f.read_bytes(), f
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"Quarmby-Tolland" not in db_path.read_bytes()
    # and the check can fail: the content is there, readable through the store
    assert secret.encode() in b"".join(attachments.view_content(
        store, attachments.for_case(store, case_id)[0].id).data for _ in [0])  # fmt: skip


# --- who may -----------------------------------------------------------------------------


@pytest.fixture
def staffed(tmp_path):
    """Accounts of every role; two cases led by the council (the partner's and the
    read-only account's agency), and a third no agency of theirs is on, with a file each."""
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    with store.read() as s:
        seen = s.scalars(select(Case.id).order_by(Case.seq)).first()
    hidden = new_case(store, "CAR-2026-0900")
    on_seen = attachments.add_bytes(store, seen, b"%PDF-1.4 seen", "seen.pdf")
    on_hidden = attachments.add_bytes(store, hidden, b"%PDF-1.4 hidden", "hidden.pdf")
    yield store, db, seen, hidden, on_seen.id, on_hidden.id
    store.close()


def test_a_partner_of_an_agency_not_on_the_case_gets_nothing_and_changes_nothing(staffed, tmp_path):
    store, db, seen, hidden, on_seen, on_hidden = staffed
    accounts.sign_in(store, "cara", STAFF_PASSWORD)
    before = dump(db, ("attachment", "attachment_chunk"))
    with pytest.raises(Refused, match="your agency has no part in it"):
        attachments.add_bytes(store, hidden, b"%PDF-1.4 mine", "mine.pdf")
    with pytest.raises(Refused):
        attachments.for_case(store, hidden)
    out = tmp_path / "stolen.pdf"
    with pytest.raises(StoreError, match="cannot see its case"):
        attachments.get_to(store, on_hidden, out)
    with pytest.raises(StoreError, match="cannot see its case"):
        attachments.view_content(store, on_hidden)
    with pytest.raises(StoreError):
        attachments.void(store, on_hidden)
    with pytest.raises(AttachmentRefused):
        attachments.find(store, on_hidden.hex[:8])
    assert not out.exists()
    assert dump(db, ("attachment", "attachment_chunk")) == before
    # on the case they see, they add, read and take out, and remove only their own
    mine = attachments.add_bytes(store, seen, b"%PDF-1.4 mine", "mine.pdf")
    assert {li.id for li in attachments.for_case(store, seen)} == {on_seen, mine.id}
    with pytest.raises(AttachmentRefused, match="the person who added it"):
        attachments.void(store, on_seen)
    attachments.void(store, mine.id)


def test_a_read_only_account_views_but_adds_removes_and_takes_out_nothing(staffed, tmp_path):
    store, db, seen, _hidden, on_seen, _ = staffed
    accounts.sign_in(store, "rory", STAFF_PASSWORD)
    before = dump(db, ("attachment", "attachment_chunk"))
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4 x")
    for call in (lambda: attachments.add_file(store, seen, path),
                 lambda: attachments.add_bytes(store, seen, b"%PDF-1.4 y", "y.pdf"),
                 lambda: attachments.void(store, on_seen)):  # fmt: skip
        with pytest.raises(Refused) as refused:
            call()
        assert str(refused.value) == "Your account is read-only: it cannot change anything."
    out = tmp_path / "out.pdf"
    with pytest.raises(Refused) as refused:
        attachments.get_to(store, on_seen, out)
    assert str(refused.value) == ("Only a coordinator, police staff, partner staff or an "
                                  "administrator can take copies of attached files out of hubapp.")  # fmt: skip
    assert not out.exists()
    assert dump(db, ("attachment", "attachment_chunk")) == before
    assert attachments.view_content(store, on_seen).data == b"%PDF-1.4 seen"
    with pytest.raises(Refused, match="Only an administrator can set the limits"):
        attachments.set_limits(store, file_mb=5)


def test_the_limits_change_is_audited(store):
    attachments.set_limits(store, file_mb=10)
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.kind, entry.entity) == (audit.Kind.ALTERATION, "local_setting")
    assert entry.details == {"attachment_file_mb": [25, 10]}


def test_thumbnails_are_made_for_read_only_staff_too(staffed):
    store, _db, seen, *_ = staffed
    photo = attachments.add_bytes(store, seen, jpeg_with_gps(), "p.jpg")
    accounts.sign_in(store, "rory", STAFF_PASSWORD)
    assert list(attachments.make_thumbnails(store, seen)) == [photo.id]
    with store.read() as s:
        assert s.get(AttachmentThumb, photo.id) is not None


# --- the copies another program opens ------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and process ids")
def test_copies_are_in_owner_only_folders_and_swept_when_their_hubapp_is_gone(monkeypatch,
                                                                              tmp_path):  # fmt: skip
    from hubapp import open_copies

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    mine = open_copies.folder()
    assert mine.parent.parent == tmp_path and mine.name == str(os.getpid())
    assert stat.S_IMODE(mine.stat().st_mode) == stat.S_IMODE(mine.parent.stat().st_mode) == 0o700
    (mine / "a.pdf").write_bytes(b"x")
    # a hubapp that stopped without closing left its copies; one still running keeps its own
    import subprocess

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    gone = mine.parent / done.stdout.strip()
    gone.mkdir(mode=0o700)
    (gone / "left.eml").write_bytes(b"x")
    assert open_copies.sweep() == 1
    assert not gone.exists() and (mine / "a.pdf").exists()
    open_copies.remove_mine()
    assert not mine.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners")
def test_a_copies_folder_made_loose_is_made_owner_only_again(monkeypatch, tmp_path):
    from hubapp import open_copies

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    base = open_copies.folder().parent
    base.chmod(0o777)
    open_copies.folder()
    assert stat.S_IMODE(base.stat().st_mode) == 0o700
    open_copies.remove_mine()
