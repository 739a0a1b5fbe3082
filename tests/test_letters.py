"""Standard letters (hubapp.domain.letters, hubapp.store.casework.letters): templates as
data, their merge fields, sending from a case with its record, attachment, disclosure and
timeline line, bulk letters, template versions, and every refusal with nothing written.
Real encrypted SQLite files; PDFs read back with pypdf."""

from __future__ import annotations

import io
import tomllib
import uuid
from datetime import date

import pytest
from casework import (
    STAFF_PASSWORD,
    add_person,
    agency_id,
    new_case,
    staff_database,
    state,
)
from sqlalchemy import select

from hubapp import resources
from hubapp.documents import letter as paper
from hubapp.domain import letters as rules
from hubapp.store import accounts, roles
from hubapp.store.casework import attachment_content, letters, timeline
from hubapp.store.database import open_store
from hubapp.store.errors import Refused
from hubapp.store.roles import Op
from hubapp.store.schema import (
    Attachment,
    AuditEntry,
    Case,
    CasePerson,
    Communication,
    LetterTemplate,
    Person,
    Place,
)

TODAY = date(2026, 12, 7)
HOME = "12 Eden Street, Stanwix, Carlisle, CA3 9LS"


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def case(store):
    return new_case(store, location="Bitts Park", town="Carlisle")


# --- the templates as data -------------------------------------------------------------------


def test_six_letters_are_packaged_each_checked_and_naming_only_real_agency_types():
    found = rules.packaged()
    assert set(found) == {"asb_warning", "abc_invitation", "cpw", "victim_update",
                          "witness_thanks", "case_closure"}  # fmt: skip
    with resources.refdata("agencies.toml").open("rb") as fh:
        types = {t["code"] for t in tomllib.load(fh)["agency_type"]}
    for path in resources.path("letters").glob("*.toml"):
        with path.open("rb") as fh:
            t, declared = rules.parse(tomllib.load(fh))
        assert rules.check(t, declared) == [], path.name
        assert declared is not None and set(declared) == set(t.fields), path.name
        assert set(t.agencies) <= types, path.name
        assert t.marking == "OFFICIAL-SENSITIVE"
    assert "section 43" in found["cpw"].body and "2014" in found["cpw"].subject
    assert "voluntary" in found["abc_invitation"].body


def test_a_template_with_an_unknown_field_is_refused_naming_it():
    bad = rules.Template("asb_warning", "Warning", "Dear {person.shoe_size},\n\nStop it.")
    [finding] = rules.check(bad)
    assert finding.field == "body"
    assert "{person.shoe_size}" in finding.message and finding.message.count(".") >= 1
    stray = rules.Template("asb_warning", "Warning", "Dear {person.full_name,\n\nStop it.")
    assert "{ or }" in rules.check(stray)[0].message


def test_a_blank_field_stops_the_letter_with_a_sentence_never_a_blank():
    t = rules.packaged()["asb_warning"]
    values = {name: "x" for name in rules.FIELDS} | {"case.location": "  ",
                                                     "person.full_name": "Vera Victim"}  # fmt: skip
    with pytest.raises(rules.MissingField) as missing:
        rules.merge(t, values)
    assert missing.value.field == "case.location"
    assert str(missing.value) == ("The letter to Vera Victim uses {case.location}, but the "
                                  "case's location is blank; fill it in first or choose another "
                                  "letter.")  # fmt: skip


# --- sending ---------------------------------------------------------------------------------


def test_a_letter_is_recorded_kept_disclosed_and_on_the_timeline(store, case, tmp_path):
    vera = add_person(store, case, "Vera Victim", address=HOME)
    out = tmp_path / "letter.pdf"
    sent = paper.send(store, case, "cpw", [vera], "CUMBERLAND", output=out, today=TODAY)
    assert (sent.recipients, sent.batch_id) == (1, None)
    assert out.read_bytes() == sent.pdf
    text = _text(sent.pdf)
    for words in ("Vera Victim", "12 Eden Street", "CA3 9LS", "07/12/2026", "CAR-2026-0042",
                  "Community Protection Warning", "section 43", "Bitts Park",
                  "Cumberland Council", "OFFICIAL-SENSITIVE"):  # fmt: skip
        assert words in text, words
    with store.read() as s:
        [c] = s.scalars(select(Communication)).all()
        assert (c.person_id, c.method, c.template_name, c.template_version) == (
            vera, "letter", "cpw", 1)  # fmt: skip
        assert c.address == "12 Eden Street, Stanwix, Carlisle, CA3 9LS"
        assert c.agency_id == agency_id(store, "CUMBERLAND")
        kept = s.get(Attachment, c.attachment_id)
        assert (kept.kind, kept.case_id, kept.media_type) == ("letter", case, "application/pdf")
        assert b"".join(attachment_content.iter_chunks(s, kept)) == sent.pdf
        assert attachment_content.verify(s, kept)
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.kind == "disclosure")).all()
        assert (entry.entity, entry.record_ids) == ("person", [str(vera)])
        assert entry.details["template"] == "cpw" and entry.details["case"] == "CAR-2026-0042"
    [line] = letters.communications(store, case)
    assert (line.person, line.template_title) == ("Vera Victim", "Community Protection Warning")
    [shown] = [e for e in timeline.entries(store, case) if e.kind == timeline.Kind.LETTER]
    assert shown.title == "Letter sent to Vera Victim: Community Protection Warning"
    assert "12 Eden Street" in shown.text


def test_markup_in_a_name_and_a_summary_prints_literally(store, tmp_path):
    case = new_case(store, summary="<b>Bikes</b> & <i>noise</i>", location="Bitts Park")
    zoe = add_person(store, case, "<b>Zoë</b> O'Brien & Co", address="1 <Main> St, Carlisle")
    sent = paper.send(store, case, "asb_warning", [zoe], "POLICE", today=TODAY)
    text = _text(sent.pdf)
    assert "<b>Zoë</b> O'Brien & Co" in text
    assert "<b>Bikes</b> & <i>noise</i>" in text
    assert "1 <Main> St" in text


def test_a_bulk_letter_to_a_role_is_one_pdf_with_a_letter_and_an_entry_each(store, case):
    people = [add_person(store, case, f"Resident {n}", address=f"{n} Eden Street, Carlisle")
              for n in range(1, 4)]  # fmt: skip
    add_person(store, case, "Wes Witness", role="witness", address="9 Eden Street, Carlisle")
    sent = paper.send(store, case, "victim_update", "victim", "POLICE", today=TODAY)
    assert sent.recipients == 3 and sent.batch_id is not None
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(sent.pdf)).pages
    firsts = [i for i, p in enumerate(pages, start=1) if "Our reference" in p.extract_text()]
    assert len(firsts) == 3 and all(n % 2 == 1 for n in firsts)  # each starts on an odd page
    with store.read() as s:
        rows = s.scalars(select(Communication)).all()
        assert {r.person_id for r in rows} == set(people)
        assert {r.batch_id for r in rows} == {sent.batch_id}
        assert len({r.attachment_id for r in rows}) == 1
        disclosed = s.scalars(select(AuditEntry).where(AuditEntry.kind == "disclosure")).all()
    assert sorted(e.record_ids[0] for e in disclosed) == sorted(str(p) for p in people)


def test_a_bulk_letter_to_the_residents_of_a_place(store, case):
    with store.write(reason="test place") as s:
        place = Place(id=uuid.uuid4(), name="Eden Court flats", town="Carlisle")
        s.add(place)
        s.flush()
        place_id = place.id
    from hubapp.store.schema import CasePlace

    with store.write(reason="test") as s:
        s.add(CasePlace(id=uuid.uuid4(), case_id=case, place_id=place_id, role="location"))
    residents = []
    for n in range(1, 3):
        pid = add_person(store, case, f"Flat {n} Tenant", role="witness",
                         address=f"Flat {n}, Eden Court, Carlisle")  # fmt: skip
        with store.write(reason="test") as s:
            link = s.scalar(select(CasePerson).where(CasePerson.person_id == pid))
            link.place_id = place_id
        residents.append(pid)
    add_person(store, case, "Not A Resident", address="Elsewhere, Carlisle")
    offered = letters.choices(store, case)
    assert [(p.name, p.residents) for p in offered.places] == [("Eden Court flats", 2)]
    sent = paper.send(store, case, "witness_thanks", letters.RESIDENTS + place_id.hex,
                        "POLICE", today=TODAY)  # fmt: skip
    assert sent.recipients == 2
    with store.read() as s:
        assert {r.person_id for r in s.scalars(select(Communication))} == set(residents)


@pytest.mark.parametrize("setup, message", [
    (lambda st, c: add_person(st, c, "Nora Noaddress"),
     "Nora Noaddress has no address on record; add their address before writing to them."),
    (lambda st, c: add_person(st, c, "Lena Locked", address=HOME, locked_down=True),
     "Lena Locked's details are locked down: only the hub's police and coordinators can "
     "write to them."),
])  # fmt: skip
def test_a_letter_to_a_person_without_an_address_or_locked_down_is_refused(
    store, case, setup, message, tmp_path
):
    person = setup(store, case)
    before = state(store.path)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(Refused) as refused:
        paper.send(store, case, "victim_update", [person], "POLICE",
                     output=folder / "letter.pdf")  # fmt: skip
    assert str(refused.value) == message and refused.value.problems[0].field == "to"
    assert state(store.path) == before
    assert list(folder.iterdir()) == []  # no file, no temporary file left either


def test_one_bad_recipient_in_a_bulk_run_keeps_nothing(store, case):
    add_person(store, case, "Has Address", address=HOME)
    add_person(store, case, "No Address")
    before = state(store.path)
    with pytest.raises(Refused, match="^No Address has no address"):
        paper.send(store, case, "victim_update", "victim", "POLICE")
    assert state(store.path) == before


def test_a_field_the_letter_needs_that_is_blank_is_refused_naming_it(store):
    case = new_case(store, location="")
    vera = add_person(store, case, "Vera Victim", address=HOME)
    before = state(store.path)
    with pytest.raises(Refused) as refused:
        paper.send(store, case, "asb_warning", [vera], "POLICE")
    assert "{case.location}" in str(refused.value) and "Vera Victim" in str(refused.value)
    assert state(store.path) == before


def test_an_agency_that_does_not_send_the_letter_and_an_unknown_letter_are_refused(store, case):
    vera = add_person(store, case, "Vera Victim", address=HOME)
    before = state(store.path)
    with pytest.raises(Refused, match="^The community protection warning is not sent by "
                       "Cumbria Fire and Rescue Service"):  # fmt: skip
        paper.send(store, case, "cpw", [vera], "FIRE")
    with pytest.raises(Refused, match="^There is no letter called 'parking_ticket'"):
        paper.send(store, case, "parking_ticket", [vera], "POLICE")
    stranger = uuid.uuid4()
    with pytest.raises(Refused, match="not on this case"):
        paper.send(store, case, "cpw", [stranger], "POLICE")
    assert state(store.path) == before


# --- versions ----------------------------------------------------------------------------------


def test_an_edit_is_the_next_version_with_its_reason_and_letters_name_it(store, case):
    first = letters.versions(store, "victim_update")
    assert [t.version for t in first] == [1]
    draft = rules.Template(**{**vars(first[0]), "body": first[0].body + "\n\nWe care."})
    assert letters.save_template(store, draft, "Add a closing line") == 2
    assert letters.save_template(store, draft, "Again") == 3
    kept = letters.versions(store, "victim_update")
    assert [(t.version, t.reason) for t in kept] == [(1, ""), (2, "Add a closing line"),
                                                     (3, "Again")]  # fmt: skip
    vera = add_person(store, case, "Vera Victim", address=HOME)
    sent = paper.send(store, case, "victim_update", [vera], "POLICE")
    assert "We care." in _text(sent.pdf)
    with store.read() as s:
        assert s.scalar(select(Communication.template_version)) == 3


def test_an_edit_naming_an_unknown_field_or_without_a_reason_writes_nothing(store):
    base = rules.packaged()["cpw"]
    before = state(store.path)
    bad = rules.Template(**{**vars(base), "body": base.body + "\n\nRing {sender.phone}."})
    with pytest.raises(Refused) as refused:
        letters.save_template(store, bad, "Add the phone")
    assert "{sender.phone}" in str(refused.value)
    with pytest.raises(Refused, match="^Say why"):
        letters.save_template(store, base, "  ")
    assert state(store.path) == before


# --- who may ----------------------------------------------------------------------------------


@pytest.fixture
def staffed(tmp_path):
    """A Carlisle station with an account of every role; the first case is the council's (the
    partner's agency), the second is the police's only, each with a victim who has an
    address."""
    db = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(db)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    from hubapp.store.casework import assignments

    police_only = new_case(store, "CAR-2026-0099", location="Castle Street")
    assignments.set_role(store, police_only, agency_id(store, "POLICE"), "lead")
    with store.write(reason="test") as s:
        council = s.scalar(select(Case).where(Case.reference == "CAR-2026-0001"))
        council.location = "Bitts Park"
        council = council.id
    victims = {c: add_person(store, c, "Vera Victim", address=HOME) for c in (council, police_only)}
    yield store, council, police_only, victims
    store.close()


def test_a_partner_cannot_send_a_letter_on_a_case_they_do_not_see(staffed, tmp_path):
    store, _council, police_only, victims = staffed
    accounts.sign_in(store, "cara", STAFF_PASSWORD)
    before = state(store.path)
    out = tmp_path / "x.pdf"
    with pytest.raises(Refused, match="^You cannot open this case"):
        paper.send(store, police_only, "victim_update", [victims[police_only]], "CUMBERLAND",
                     output=out)  # fmt: skip
    assert state(store.path) == before and not out.exists()


def test_a_partner_sends_from_their_own_agency_only_on_their_case(staffed):
    store, council, _police_only, victims = staffed
    accounts.sign_in(store, "cara", STAFF_PASSWORD)
    with pytest.raises(Refused, match="^You can send letters only from your own agency"):
        paper.send(store, council, "victim_update", [victims[council]], "POLICE")
    sent = paper.send(store, council, "victim_update", [victims[council]])  # their own
    assert sent.recipients == 1


def test_a_read_only_account_is_refused_and_nothing_is_written(staffed, tmp_path):
    store, council, _police_only, victims = staffed
    accounts.sign_in(store, "rory", STAFF_PASSWORD)
    before = state(store.path)
    out = tmp_path / "x.pdf"
    with pytest.raises(Refused) as refused:
        paper.send(store, council, "victim_update", [victims[council]], output=out)
    assert str(refused.value) == roles.READ_ONLY_SENTENCE
    assert state(store.path) == before and not out.exists()


def test_only_an_administrator_edits_the_letters(staffed):
    store, *_ = staffed
    base = rules.packaged()["cpw"]
    for name in ("cora", "pete", "cara", "rory"):
        accounts.sign_in(store, name, STAFF_PASSWORD)
        before = state(store.path)
        with pytest.raises(Refused):
            letters.save_template(store, base, "Reworded")
        assert state(store.path) == before
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    assert letters.save_template(store, base, "Reworded") == 2
    with store.read() as s:
        assert s.scalar(select(LetterTemplate.edited_by)) == "ada"
    assert roles.MAY[Op.LETTER_TEMPLATES].roles == {roles.ADMINISTRATOR}


def test_a_locked_down_person_gets_a_letter_from_the_hubs_police(staffed):
    store, council, _police_only, _victims = staffed
    lena = add_person(store, council, "Lena Locked", address=HOME, locked_down=True)
    for name in ("ada", "cara"):  # an administrator does not see the address either
        accounts.sign_in(store, name, STAFF_PASSWORD)
        with pytest.raises(Refused, match="locked down"):
            paper.send(store, council, "victim_update", [lena], "CUMBERLAND")
    accounts.sign_in(store, "pete", STAFF_PASSWORD)
    assert paper.send(store, council, "victim_update", [lena]).recipients == 1
    accounts.sign_in(store, "cara", STAFF_PASSWORD)
    [line] = letters.communications(store, council)
    assert line.person == "Lena Locked" and line.address == ""  # not shown to the partner


# --- addresses from the import ------------------------------------------------------------------


def test_the_import_reads_the_reporters_address(store, tmp_path):
    from hubapp.store.exchange.importer import import_file

    csv = tmp_path / "reports.csv"
    csv.write_text(
        "received,hub,channel,category,summary,reporter_name,reporter_contact,reporter_address\n"
        '01/05/2026 09:30,CAR,101 call,Parking,Cars on the verge,Vera Victim,07700 900123,'
        '"12 Eden Street, Carlisle, CA3 9LS"\n'
        "02/05/2026 09:30,CAR,101 call,Parking,Cars again,,,1 Nowhere Lane\n",
        encoding="utf-8")  # fmt: skip
    result = import_file(store, csv)
    assert result.imported == 1 and len(result.rejected) == 1
    assert "the reporter's address is given without the reporter's name or contact" in (
        result.rejected[0].reason)  # fmt: skip
    with store.read() as s:
        assert s.scalar(select(Person.address).where(Person.full_name == "Vera Victim")) == (
            "12 Eden Street, Carlisle, CA3 9LS")  # fmt: skip


def test_the_import_key_of_a_file_without_the_address_column_is_unchanged():
    from datetime import datetime

    from hubapp.store.exchange.importer import import_key

    texts = {"location": "", "summary": "s", "details": "", "reporter_name": "n",
             "reporter_contact": "c", "reporter_role": ""}  # fmt: skip
    assert import_key(datetime(2026, 5, 1), "CAR", "call_101", "parking", texts) == import_key(
        datetime(2026, 5, 1), "CAR", "call_101", "parking", {**texts, "reporter_address": ""}
    )
    assert import_key(datetime(2026, 5, 1), "CAR", "call_101", "parking", texts) != import_key(
        datetime(2026, 5, 1), "CAR", "call_101", "parking", {**texts, "reporter_address": "x"}
    )


def test_a_cancel_while_sending_keeps_nothing(store, case, tmp_path):
    from hubapp.store.errors import Cancelled

    add_person(store, case, "Vera Victim", address=HOME)
    add_person(store, case, "Val Victim", address=HOME)
    before = state(store.path)
    folder = tmp_path / "out"
    folder.mkdir()
    seen = []

    def progress(fraction: float, message: str) -> bool:
        seen.append(message)
        return fraction < 0.9  # cancelled as the PDF is about to be saved

    with pytest.raises(Cancelled):
        paper.send(store, case, "victim_update", "victim", "POLICE",
                   output=folder / "letters.pdf", progress=progress)  # fmt: skip
    assert "Keeping the letter with the case" in seen
    assert state(store.path) == before and list(folder.iterdir()) == []


def test_an_erasure_takes_the_letters_with_the_case_or_the_person(store):
    from hubapp.store.admin import retention

    closed = dict(status="closed", closed_on=date(2019, 1, 1), location="Bitts Park")
    first = new_case(store, "CAR-2019-0001", **closed)
    vera = add_person(store, first, "Vera Victim", address=HOME)
    paper.send(store, first, "cpw", [vera], "POLICE")
    gone = retention.erase_case(store, first, "Past its time", before_due=True)
    assert gone.counts["communication"] == 1 and gone.counts["attachment"] == 1
    with store.read() as s:
        assert s.scalars(select(Communication)).all() == []
        assert s.scalars(select(Attachment)).all() == []

    second = new_case(store, "CAR-2019-0002", **closed)
    wes = add_person(store, second, "Wes Witness", role="witness", address=HOME)
    paper.send(store, second, "witness_thanks", [wes], "POLICE")
    retention.erase_person(store, wes, "Asked to be forgotten", before_due=True)
    with store.read() as s:
        # the letter names them and its PDF holds their name and address: both go with them
        assert s.scalars(select(Communication)).all() == []
        assert s.scalars(select(Attachment)).all() == []
        assert s.get(Person, wes) is None
