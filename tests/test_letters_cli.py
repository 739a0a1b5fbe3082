"""``hubapp letter`` and ``hubapp letters templates``: run through ``hubapp.cli.main`` on real
database files; refusals are one sentence on stderr, exit code 1, nothing written."""

from __future__ import annotations

import json
import uuid

import pytest
from casework import STAFF_PASSWORD, add_person, new_case, run_command, staff_database, state

from hubapp.store import accounts, setup
from hubapp.store.casework import people
from hubapp.store.database import open_store
from hubapp.store.schema import Communication, LetterTemplate

HOME = "12 Eden Street, Stanwix, Carlisle, CA3 9LS"


@pytest.fixture
def hub(tmp_path):
    """A station without accounts: a case with a victim who has an address, one without."""
    db = tmp_path / "hub.sqlite3"
    store = open_store(db)
    try:
        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        case = new_case(store, location="Bitts Park")
        vera = add_person(store, case, "Vera Victim", address=HOME)
        nora = add_person(store, case, "Nora Noaddress", role="witness")
    finally:
        store.close()
    return db, case, vera, nora


def _communications(db) -> int:
    store = open_store(db)
    try:
        with store.read() as s:
            return s.query(Communication).count()
    finally:
        store.close()


def test_letters_templates_lists_every_letter_and_the_fields(hub, monkeypatch, capsys):
    db, *_ = hub
    code, out, err = run_command(db, "letters", "templates", password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, err) == (0, "")
    for name in ("asb_warning", "abc_invitation", "cpw", "victim_update", "witness_thanks",
                 "case_closure", "{case.reference}", "{sender.name}"):  # fmt: skip
        assert name in out
    code, out, _ = run_command(db, "letters", "templates", "--format", "json", password=None,
                               monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    data = json.loads(out)
    assert len(data["templates"]) == 6 and "person.full_name" in data["fields"]
    cpw = next(t for t in data["templates"] if t["name"] == "cpw")
    assert cpw["agencies"] == ["police", "council", "housing"] and cpw["version"] == 1


def test_a_letter_to_a_person_is_written_and_recorded(hub, tmp_path, monkeypatch, capsys):
    db, _case, vera, _nora = hub
    out_pdf = tmp_path / "cpw.pdf"
    code, out, err = run_command(db, "letter", "car-2026-0042", "--template", "cpw", "--to",
                                 people.reference(vera), "--agency", "POLICE", "-o",
                                 str(out_pdf), password=None, monkeypatch=monkeypatch,
                                 capsys=capsys)  # fmt: skip
    assert (code, err) == (0, ""), err
    assert out.startswith("Sent 1 letter (1 page) from CAR-2026-0042")
    assert out_pdf.read_bytes().startswith(b"%PDF")
    assert _communications(db) == 1


def test_a_bulk_letter_to_a_role(hub, tmp_path, monkeypatch, capsys):
    db, case, _vera, _nora = hub
    store = open_store(db)
    try:
        add_person(store, case, "Val Victim", address="3 Eden Street, Carlisle")
    finally:
        store.close()
    code, out, err = run_command(db, "letter", "CAR-2026-0042", "--template", "victim_update",
                                 "--to", "victim", "--agency", "Cumbria Constabulary", "-o",
                                 str(tmp_path / "bulk.pdf"), password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "Sent 2 letters" in out and _communications(db) == 2


@pytest.mark.parametrize("args, sentence", [
    (["--template", "victim_update", "--to", "{nora}", "--agency", "POLICE"],
     "Nora Noaddress has no address on record; add their address before writing to them."),
    (["--template", "cpw", "--to", "{vera}", "--agency", "FIRE"],
     "The community protection warning is not sent by Cumbria Fire and Rescue Service; it is "
     "for police, council or housing provider to send."),
    (["--template", "no_such", "--to", "{vera}", "--agency", "POLICE"],
     "There is no letter called 'no_such'; the letters are: asb_warning, case_closure, cpw, "
     "abc_invitation, witness_thanks, victim_update."),
    (["--to", "{vera}", "--agency", "POLICE"],
     "say which letter: --template NAME (see 'hubapp letters templates')."),
    (["--template", "cpw", "--to", "nobody", "--agency", "POLICE"],
     "'nobody' is not a person's reference (P- and 8 hexadecimal digits) or id."),
])  # fmt: skip
def test_bad_input_is_refused_in_one_sentence_with_nothing_written(
    hub, tmp_path, monkeypatch, capsys, args, sentence
):
    db, _case, vera, nora = hub
    words = [a.format(vera=people.reference(vera), nora=people.reference(nora)) for a in args]
    before = state(db)
    out_pdf = tmp_path / "out" / "x.pdf"
    out_pdf.parent.mkdir()
    code, _out, err = run_command(db, "letter", "CAR-2026-0042", *words, "-o", str(out_pdf),
                                  password=None, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, err) == (1, f"hubapp: {sentence}\n")
    assert state(db) == before and list(out_pdf.parent.iterdir()) == []


def test_a_template_version_with_an_unknown_field_from_elsewhere_is_refused(
    hub, tmp_path, monkeypatch, capsys
):
    """A version that reached this station without the editor's check (a peer's sync, a
    file restored): the letter is refused naming the field, and nothing is written."""
    db, _case, vera, _nora = hub
    store = open_store(db)
    try:
        info = setup.current(store)
        with store.write(reason="a peer's version") as s:
            s.add(LetterTemplate(id=uuid.uuid4(), hub_id=info.hub_id, name="cpw", version=2,
                                 title="Community Protection Warning", agencies=[],
                                 marking="OFFICIAL-SENSITIVE", subject="Warning",
                                 body="Dear {person.full_name},\n\nRing {sender.mobile}.",
                                 edited_by="peer", reason="tampered"))  # fmt: skip
    finally:
        store.close()
    before = state(db)
    code, _out, err = run_command(db, "letter", "CAR-2026-0042", "--template", "cpw", "--to",
                                  people.reference(vera), "--agency", "POLICE", "-o",
                                  str(tmp_path / "x.pdf"), password=None,
                                  monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1
    assert err == ("hubapp: The body uses {sender.mobile}, which is not a merge field; "
                   "'hubapp letters templates' lists the fields.\n")  # fmt: skip
    assert state(db) == before and not (tmp_path / "x.pdf").exists()


def test_a_read_only_account_and_a_partner_off_the_case_are_refused(tmp_path, monkeypatch,
                                                                    capsys):  # fmt: skip
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        hidden = new_case(store, "CAR-2026-0077", location="Castle Street")
        vera = add_person(store, hidden, "Vera Victim", address=HOME)
    finally:
        store.close()
    before = state(db)
    for user, sentence in (("rory", "Your account is read-only: it cannot change anything."),
                           ("cara", "There is no case CAR-2026-0077 that you can see; check the "
                                    "reference.")):  # fmt: skip
        out_pdf = tmp_path / f"{user}.pdf"
        code, _out, err = run_command(db, "--user", user, "letter", "CAR-2026-0077",
                                      "--template", "victim_update", "--to",
                                      people.reference(vera),
                                      "-o", str(out_pdf), password=STAFF_PASSWORD,
                                      monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
        assert (code, err) == (1, f"hubapp: {sentence}\n")
        assert state(db) == before and not out_pdf.exists()
