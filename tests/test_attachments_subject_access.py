"""Subject access and the files kept on a person's cases: text files included with the other
people taken out (an e-mail part by part), the letters sent to the person included as sent,
everything that cannot be redacted automatically listed for review by hand and never
included, and the disclosure naming what left."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
import test_subject_access
from attached import attach, send_letter
from casework import new_case
from sqlalchemy import select
from test_subject_access import OTHER, OTHER_EMAIL, OTHER_PHONE, OTHER_SECRETS, SUBJECT

from hubapp import cli
from hubapp.store.admin import subject_access
from hubapp.store.schema import AttachmentChunk, AuditEntry

STATEMENT = (
    f"Statement of {SUBJECT}.\n{OTHER} shouted at me again; his number is {OTHER_PHONE} "
    f"and he writes from {OTHER_EMAIL}.\n"
).encode()
#: the person, another on her case, and what she and they said (test_subject_access)
seeded = test_subject_access.seeded
#: marks the bytes of files that must never be in the export
UNREDACTABLE = b"UNREDACTABLE-BYTES-" + OTHER.encode()


def _eml() -> bytes:
    body = base64.b64encode(f"Dear hub, {OTHER} was there again. {SUBJECT}".encode()).decode()
    photo = base64.b64encode(UNREDACTABLE).decode()
    return (
        f"From: {SUBJECT} <m.t@example.org>\r\nTo: hub@example.gov.uk\r\n"
        f"Cc: {OTHER} <{OTHER_EMAIL}>\r\nSubject: Again\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: text/plain; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
        '--b1\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="door.jpg"'
        f"\r\nContent-Transfer-Encoding: base64\r\n\r\n{photo}\r\n--b1--\r\n"
    ).encode()


@pytest.fixture
def files(store, seeded):
    case = seeded["case"]
    ids = {
        "statement": attach(store, case, STATEMENT),
        "csv": attach(store, case, f"when,who\n2026-03-01,{OTHER}\n".encode("utf-8-sig"),
                      title="Diary", file_name="diary.csv", media_type="text/csv"),
        "eml": attach(store, case, _eml(), title="E-mail from the victim", kind="evidence",
                      file_name="again.eml", media_type="message/rfc822"),
    }  # fmt: skip
    for key, name, media in (("photo", "door.jpg", "image/jpeg"),
                             ("pdf", "report.pdf", "application/pdf"),
                             ("docx", "minutes.docx", "application/vnd.openxmlformats-"
                              "officedocument.wordprocessingml.document"),
                             ("audio", "call.mp3", "audio/mpeg"),
                             ("video", "cctv.mp4", "video/mp4"),
                             ("html", "page.html", "text/html")):  # fmt: skip
        ids[key] = attach(store, case, UNREDACTABLE + name.encode(), title=f"The {key}",
                          kind="evidence", file_name=name, media_type=media)  # fmt: skip
    ids["own_letter"], ids["own_letter_file"] = send_letter(
        store, case, seeded["subject"], b"%PDF-1.4 to Margaret", subject="Your case"
    )
    ids["other_letter"], ids["other_letter_file"] = send_letter(
        store,
        case,
        seeded["other"],
        UNREDACTABLE + b" warning letter",
        subject=f"Warning to {OTHER}",
        address="12 Abbey Street",
    )
    unrelated = new_case(store, "CAR-2026-0099", summary="Graffiti")
    ids["unrelated"] = attach(store, unrelated, b"Nothing to do with her")
    return ids


def _zip(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_text_files_are_included_with_the_other_people_taken_out(store, seeded, files,
                                                                 tmp_path):  # fmt: skip
    held: list = []
    target = subject_access.write(store, seeded["subject"], tmp_path / "sar.zip",
                                  not_included=held)  # fmt: skip
    z = _zip(target)
    data = json.loads(z["subject.json"])
    by_id = {a["id"]: a for a in data["attachments"]}
    assert str(files["unrelated"]) not in by_id  # only the cases that name her
    statement = by_id[str(files["statement"])]
    assert statement["included"] and statement["how"] == subject_access.TEXT_REDACTED
    text = z[statement["file"]].decode("utf-8")
    assert text == statement["text"]
    assert text.startswith(f"Statement of {SUBJECT}.\n[another person] shouted at me again")
    assert "[phone removed]" in text
    assert "[another person]" in z[by_id[str(files["csv"])]["file"]].decode("utf-8")
    mail = z[by_id[str(files["eml"])]["file"]].decode("utf-8")
    # the base64 body decoded and redacted; the file inside it named, not included
    assert f"Dear hub, [another person] was there again. {SUBJECT}" in mail
    assert "door.jpg): Not included" in mail
    everything = b"".join(z.values()).decode("utf-8", "replace")
    for secret in OTHER_SECRETS:
        assert secret not in everything, secret


def test_files_that_cannot_be_redacted_are_listed_for_review_and_never_included(
        store, seeded, files, tmp_path):  # fmt: skip
    held: list = []
    target = subject_access.write(store, seeded["subject"], tmp_path / "sar.zip",
                                  not_included=held)  # fmt: skip
    z = _zip(target)
    assert not any(UNREDACTABLE in payload for payload in z.values())
    expected = {str(files[k]) for k in ("photo", "pdf", "docx", "audio", "video", "html")}
    assert {a["id"] for a in held} == expected
    data = json.loads(z["subject.json"])
    for a in data["attachments"]:
        if a["id"] in expected:
            assert not a["included"] and a["file"] == "" and a["how"] == subject_access.NOT_INCLUDED
            assert a["title"] and a["size"] > 0 and a["added_by"] == "PC Dunmore"
    readme = z["README.txt"].decode("utf-8")
    assert "6 files NOT included, to be reviewed by hand before disclosure" in readme
    for key in ("photo", "pdf", "docx", "audio", "video", "html"):
        assert f"The {key}" in readme
    listed = z["attachments.csv"].decode("utf-8-sig")
    assert listed.count("Review it by hand") == 6 and "text" not in listed.splitlines()[0]


def test_letters_to_the_person_are_included_as_sent_and_to_others_never(store, seeded, files,
                                                                         tmp_path):  # fmt: skip
    z = _zip(subject_access.write(store, seeded["subject"], tmp_path / "sar.zip"))
    data = json.loads(z["subject.json"])
    assert [x["subject"] for x in data["letters"]] == ["Your case"]
    by_id = {a["id"]: a for a in data["attachments"]}
    own = by_id[str(files["own_letter_file"])]
    assert own["included"] and z[own["file"]] == b"%PDF-1.4 to Margaret"
    other = by_id[str(files["other_letter_file"])]
    assert not other["included"] and other["how"] == subject_access.OTHERS_LETTER
    assert other["title"] == "a letter to another person" and other["file_name"] == ""
    # a JSON file alone holds no PDF: it says where the letter is
    alone = json.loads((subject_access.write(store, seeded["subject"], tmp_path / "sar.json")
                        ).read_text(encoding="utf-8"))  # fmt: skip
    own = next(a for a in alone["attachments"] if a["id"] == str(files["own_letter_file"]))
    assert not own["included"] and own["how"] == subject_access.OWN_LETTER_JSON


def test_the_disclosure_names_the_files_and_letters_that_left(store, seeded, files, tmp_path):
    with store.read() as s:
        before = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    subject_access.write(store, seeded["subject"], tmp_path / "sar.zip")
    with store.read() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.id > before))
    assert entry.kind == "disclosure"
    assert sorted(entry.details["attachments"]) == sorted(
        str(files[k]) for k in ("statement", "csv", "eml", "own_letter_file")
    )
    assert entry.details["letters"] == [str(files["own_letter"])]
    assert entry.details["attachments_not_included"] == 6


def test_a_file_not_yet_arrived_is_listed_not_included(store, seeded, files, tmp_path):
    with store.write() as s:
        s.execute(AttachmentChunk.__table__.delete().where(
            AttachmentChunk.attachment_id == files["statement"]))  # fmt: skip
    data = subject_access.gather(store, seeded["subject"])
    statement = next(a for a in data["attachments"] if a["id"] == str(files["statement"]))
    assert not statement["included"] and statement["how"] == subject_access.NOT_ARRIVED
    json.dumps(data)  # plain values only: the files travel beside them


def test_the_command_line_says_how_many_files_to_review(store, seeded, files, db_path,
                                                        tmp_path, capsys):  # fmt: skip
    store.close()
    out = tmp_path / "sar.zip"
    assert cli.main(["--db", str(db_path), "subject-access", "--person", SUBJECT,
                     "-o", str(out)]) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "6 files were kept on their cases but not included" in said
    assert "README.txt in the zip names them" in said
    assert io.BytesIO(out.read_bytes()).getbuffer().nbytes > 0


def test_the_case_window_says_which_files_to_review_by_hand(qtbot, store, seeded, files,
                                                            tmp_path):  # fmt: skip
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from hubapp.views.case_view import CaseWindow

    w = CaseWindow(store, seeded["case"])
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    row = next(i for i in range(w.people_model.rowCount())
               if w.people_model.record(i).name == SUBJECT)  # fmt: skip
    w.people_table.selectRow(row)
    dialog = w.subject_access_export()
    intro = dialog.findChild(QLabel, "subjectAccessIntro").text()
    assert "NOT included: review them by hand before disclosure" in intro
    dialog.format.setCurrentIndex(dialog.format.findData("zip"))
    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        dialog.start(str(tmp_path / "sar.zip"))
    qtbot.waitUntil(lambda: dialog.review_box is not None and dialog.review_box.isVisible(),
                    timeout=5_000)  # fmt: skip
    box = dialog.review_box
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text().startswith("The export is written. 6 files kept on the person's cases "
                                 "were not included")  # fmt: skip
    assert "CAR-2026-0042: The photo (image/jpeg)" in box.text()
    assert "The statement" not in box.text() and "Warning to" not in box.text()
    assert (tmp_path / "sar.zip").exists()
    box.accept()
