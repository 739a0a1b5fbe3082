"""The case summary and the files kept on a case: the police profile lists them and the letters
sent (never their content), the partner and public profiles print counts only; the printed
list is named in the disclosure; markup in a title prints literally."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime

import pytest
from attached import attach, send_letter
from casework import add_person, agency_id, new_case
from pypdf import PdfReader
from sqlalchemy import select

from hubapp.documents import gather, printing
from hubapp.store.schema import AuditEntry

TODAY = date(2026, 7, 1)
CONTENT = b"CONTENT-NEVER-PRINTED " * 50
TITLE = "Photo of the <b>burnt</b> hedge & fence"


@pytest.fixture
def case(store):
    case = new_case(store, "CAR-2026-0042")
    victim = add_person(store, case, "Margaret Thistlewood")
    suspect = add_person(store, case, "Darren Kelloway", role="alleged_perpetrator")
    ids = {"case": case}
    ids["photo"] = attach(store, case, CONTENT, title=TITLE, kind="photo",
                          file_name="hedge.jpg", media_type="image/jpeg")  # fmt: skip
    ids["statement"] = attach(store, case, b"s" * 14_321, title="Victim statement")
    ids["letter"], ids["letter_file"] = send_letter(
        store,
        case,
        suspect,
        b"%PDF-1.4 " + CONTENT,
        subject="Warning about your behaviour",
        sent_at=datetime(2026, 6, 2, 10),
    )
    ids["victim"] = victim
    return ids


def _text(document: printing.Document) -> str:
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(document.pdf)).pages]
    return " ".join(" ".join(pages).split())


def test_the_police_profile_lists_files_and_letters_never_their_content(store, case):
    document = printing.case_summary(store, "CAR-2026-0042", "police", today=TODAY)
    text = _text(document)
    assert "Attachments and letters" in text
    assert TITLE in text  # markup typed by a user prints literally
    assert "Victim statement Statement" in text and "14 KB" in text and "PC Dunmore" in text
    assert "Letter sent To Letter By" in text
    assert "Darren Kelloway Warning about your behaviour" in text
    assert "3 attachments, 1 letter sent. Files are listed, not printed" in text
    assert "CONTENT-NEVER-PRINTED" not in text and b"CONTENT-NEVER" not in document.pdf
    assert set(document.listed_ids) == {case["photo"], case["statement"], case["letter_file"],
                                        case["letter"]}  # fmt: skip


@pytest.mark.parametrize("profile", ["partner", "public"])
def test_partner_and_public_profiles_print_counts_only(store, case, profile):
    document = printing.case_summary(store, "CAR-2026-0042", profile, today=TODAY)
    text = _text(document)
    assert "3 attachments, 1 letter sent. They are not listed under this profile." in text
    for listed in ("burnt", "Victim statement", "Warning about your behaviour", "Kelloway",
                   "PC Dunmore", "hedge.jpg"):  # fmt: skip
        assert listed not in text, listed
    assert document.listed_ids == ()


def test_a_case_without_files_prints_no_such_section(store):
    new_case(store, "CAR-2026-0043")
    text = _text(printing.case_summary(store, "CAR-2026-0043", "police", today=TODAY))
    assert "Attachments and letters" not in text


def test_saving_the_police_summary_names_the_listed_files_in_its_disclosure(store, case,
                                                                            tmp_path):  # fmt: skip
    document = printing.case_summary(store, "CAR-2026-0042", "police", today=TODAY)
    with store.read() as s:
        last = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    printing.save(store, document, tmp_path / "case.pdf")
    with store.read() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.id > last))
    assert entry.kind == "disclosure"
    assert sorted(entry.details["attachments_listed"]) == sorted(
        str(case[k]) for k in ("photo", "statement", "letter_file", "letter")
    )
    partner = printing.case_summary(store, "CAR-2026-0042", "partner", today=TODAY)
    printing.save(store, partner, tmp_path / "partner.pdf")
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert "attachments_listed" not in entry.details


def test_a_partner_account_reads_no_file_of_a_case_it_does_not_see(store, case):
    """The listing reads under the case rule: a partner whose agency is not on the case gets
    neither rows nor counts, even asking for the police profile's list."""
    from hubapp.domain.codes import StaffRole
    from hubapp.store import accounts
    from hubapp.store.accounts import AccountDraft

    accounts.create_account(store, AccountDraft("admin", "Ada Admin", StaffRole.ADMINISTRATOR),
                            "correct horse battery staple")  # fmt: skip
    store.account = accounts.sign_in(store, "admin", "correct horse battery staple")
    with store.read() as s:
        seen = gather.files_and_letters(s, case["case"], printing.rules("police"))
    assert (seen["attachment_count"], seen["letter_count"]) == (3, 1)
    accounts.create_account(store, AccountDraft("housing", "Hal Ward", StaffRole.PARTNER,
                                                agency_id=agency_id(store, "FIRE")),
                            "another long pass phrase")  # fmt: skip
    store.account = accounts.sign_in(store, "housing", "another long pass phrase")
    with store.read() as s:
        unseen = gather.files_and_letters(s, case["case"], printing.rules("police"))
    assert unseen == {"attachment_count": 0, "letter_count": 0, "attachments": [],
                      "letters": [], "listed_ids": ()}  # fmt: skip


def test_file_sizes_are_written_as_explorer_does():
    assert [gather.file_size(n) for n in (1, 812, 14_321, 2_345_678)] == [
        "1 byte", "812 bytes", "14 KB", "2.3 MB"]  # fmt: skip


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_the_police_summary_renders(store, case, tmp_path):
    document = printing.case_summary(store, "CAR-2026-0042", "police", today=TODAY)
    pdf = tmp_path / "case.pdf"
    pdf.write_bytes(document.pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(tmp_path / "page")],
                   check=True)  # fmt: skip
    assert sorted(p.name for p in tmp_path.glob("page*.png"))


def test_the_meeting_pack_lists_them_under_police_and_counts_them_under_partner(store, case):
    police = printing.meeting_pack(store, "Carlisle", "police", today=TODAY)
    assert TITLE in _text(police) and set(police.listed_ids) >= {case["photo"], case["letter"]}
    partner = printing.meeting_pack(store, "Carlisle", "partner", today=TODAY,
                                    reason="test: no agreements recorded")  # fmt: skip
    text = _text(partner)
    assert "3 attachments, 1 letter sent. They are not listed" in text and "burnt" not in text
    assert partner.listed_ids == ()
