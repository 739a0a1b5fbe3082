"""The command line of attachments: attach, attachments, attachment get, attachments-settings
(real database files through hubapp.cli.main; a refusal is one sentence on stderr, exit code
1, and nothing kept)."""

from __future__ import annotations

import json
import os
import sys

import pytest
from casework import STAFF_PASSWORD, dump, new_case, run_command, staff_database
from PIL import Image

TABLES = ("attachment", "attachment_chunk")


@pytest.fixture
def db(tmp_path):
    """Accounts of every role; CAR-2026-0001 and 0002 led by the council (the partner's
    agency), CAR-2026-0900 with no agency of theirs."""
    from hubapp.store import accounts
    from hubapp.store.database import open_store

    path = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(path)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    new_case(store, "CAR-2026-0900")
    store.close()
    return path


def run(db, *args, monkeypatch, capsys, user="cora"):
    return run_command(db, "--user", user, *args, password=STAFF_PASSWORD,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def _photo(path):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (54.0, 53.0, 30.0), 3: "W", 4: (2.0, 56.0, 10.0)}
    Image.new("RGB", (40, 30), "red").save(path, "JPEG", exif=exif.tobytes())
    return path


def test_attach_list_and_get_round_trip(db, tmp_path, monkeypatch, capsys):
    photo = _photo(tmp_path / "IMG_0042.jpg")
    code, out, err = run(db, "attach", "car-2026-0001", str(photo), "--title", "Fly-tipping",
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, err) == (0, "")
    first, note = out.splitlines()
    assert first.startswith("Added 'Fly-tipping' (IMG_0042.jpg, 1 KB) to CAR-2026-0001 as ")
    assert note == "Location data removed from the photo."
    code, out, err = run(db, "attachments", "CAR-2026-0001", "--format", "json",
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    (item,) = json.loads(out)
    assert (item["title"], item["kind"], item["media_type"], item["added_by"]) == (
        "Fly-tipping", "photo", "image/jpeg", "cora")  # fmt: skip
    code, out, err = run(db, "attachments", "CAR-2026-0001", monkeypatch=monkeypatch, capsys=capsys)
    assert out.startswith(item["id"].replace("-", "")[:8]) and "Fly-tipping (IMG_0042.jpg)" in out
    target = tmp_path / "copy.jpg"
    code, out, err = run(db, "attachment", "get", item["id"][:8], "-o", str(target),
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, err) == (0, "") and out.startswith("Wrote 'Fly-tipping'")
    with Image.open(target) as im:
        assert not im.getexif().get_ifd(0x8825)


@pytest.mark.parametrize("what", ["zero-byte", "folder", "device", "forged", "too large",
                                  "kind", "missing case"])  # fmt: skip
def test_bad_input_is_one_sentence_and_nothing_is_kept(db, tmp_path, what, monkeypatch, capsys):
    if what == "device" and sys.platform == "win32":
        pytest.skip("no devices on Windows")
    target = {"zero-byte": tmp_path / "empty.pdf", "folder": tmp_path,
              "device": "/dev/zero", "forged": tmp_path / "photo.jpg",
              "too large": tmp_path / "big.pdf", "kind": tmp_path / "a.pdf",
              "missing case": tmp_path / "a.pdf"}[what]  # fmt: skip
    extra = []
    if what == "zero-byte":
        target.write_bytes(b"")
    elif what == "forged":
        target.write_text("#!/bin/sh\necho not a photo\n")
    elif what == "too large":
        assert run(db, "attachments-settings", "--file-mb", "1", user="ada",
                   monkeypatch=monkeypatch, capsys=capsys)[0] == 0  # fmt: skip
        target.write_bytes(b"%PDF-1.4\n" + os.urandom(1024 * 1024 + 1))
    elif what in ("kind", "missing case"):
        target.write_bytes(b"%PDF-1.4\n")
        extra = ["--kind", "selfie"] if what == "kind" else []
    ref = "CAR-2026-7777" if what == "missing case" else "CAR-2026-0001"
    before = dump(db, TABLES)
    code, out, err = run(db, "attach", ref, str(target), *extra, monkeypatch=monkeypatch,
                         capsys=capsys)  # fmt: skip
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("hubapp: "), err
    expected = {
        "zero-byte": "'empty.pdf' is empty (0 bytes); nothing was added.",
        "folder": f"'{tmp_path.name}' is a folder, not a file; choose a file to attach.",
        "device": "'zero' is a device, not a file; choose a file to attach.",
        "forged": "'photo.jpg' is named as a picture but is not one; nothing was added.",
        "too large": "'big.pdf' is 1.0 MB, more than this station's limit of 1.0 MB a file; "
        "nothing was added.",
        "kind": "'selfie' is not a kind of file; use one of photo, letter, statement, evidence, "
        "other.",
    }.get(what)
    if expected:
        assert err == f"hubapp: {expected}\n"
    assert dump(db, TABLES) == before


def test_the_same_file_twice_needs_again(db, tmp_path, monkeypatch, capsys):
    f = tmp_path / "abc.pdf"
    f.write_bytes(b"%PDF-1.4 signed ABC")
    assert (
        run(db, "attach", "CAR-2026-0001", str(f), monkeypatch=monkeypatch, capsys=capsys)[0] == 0
    )
    code, _out, err = run(db, "attach", "CAR-2026-0001", str(f), monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 1 and "The same file is already on this case as 'abc'" in err
    code, out, err = run(db, "attach", "CAR-2026-0001", str(f), "--again",
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0


@pytest.mark.parametrize("user, sentence", [
    ("cara", "There is no case CAR-2026-0900 that you can see; check the reference."),
    ("rory", "Your account is read-only: it cannot change anything."),
])  # fmt: skip
def test_a_partner_off_the_case_and_a_read_only_account_cannot_attach_or_get(
        db, tmp_path, user, sentence, monkeypatch, capsys):  # fmt: skip
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.4 a")
    # a file on the case the partner is not on, and one on the case they are on
    assert run(db, "attach", "CAR-2026-0900", str(f), user="ada", monkeypatch=monkeypatch,
               capsys=capsys)[0] == 0  # fmt: skip
    code, out, _ = run(db, "attachments", "CAR-2026-0900", "--format", "json", user="ada",
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    hidden_id = json.loads(out)[0]["id"]
    before = dump(db, TABLES)
    ref = "CAR-2026-0900" if user == "cara" else "CAR-2026-0001"
    code, out, err = run(db, "attach", ref, str(f), "--again", user=user,
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and out == "" and sentence in err, err
    out_file = tmp_path / "stolen.pdf"
    code, out, err = run(db, "attachment", "get", hidden_id, "-o", str(out_file), user=user,
                         monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    if user == "rory":
        assert err == ("hubapp: Only a coordinator, police staff, partner staff or an "
                       "administrator can take copies of attached files out of hubapp.\n")  # fmt: skip
    else:
        assert "No attachment" in err
    assert not out_file.exists()
    assert dump(db, TABLES) == before


def test_the_settings_are_shown_to_all_and_set_by_administrators(db, monkeypatch, capsys):
    code, out, _ = run(db, "attachments-settings", user="rory", monkeypatch=monkeypatch,
                       capsys=capsys)  # fmt: skip
    assert code == 0 and out.splitlines() == ["Largest file: 25 MB", "Most per case: 250 MB",
                                              "Keep photos as handed in too: no"]  # fmt: skip
    code, _out, err = run(db, "attachments-settings", "--file-mb", "5", user="cora",
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, err) == (1, "hubapp: Only an administrator can set the limits on attached "
                              "files.\n")  # fmt: skip
    code, out, _ = run(db, "attachments-settings", "--file-mb", "5", "--keep-original", "yes",
                       user="ada", monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and "Largest file: 5 MB" in out and "too: yes" in out


def test_an_unknown_id_is_one_sentence(db, tmp_path, monkeypatch, capsys):
    code, _out, err = run(db, "attachment", "get", "nonsense", "-o", str(tmp_path / "x"),
                          monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and err.startswith("hubapp: 'nonsense' is not an attachment's id")
    assert not (tmp_path / "x").exists()
