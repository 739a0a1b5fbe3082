"""Importing issues links a reporter the hub already knows to their person: only on an exact
match of their normalised phone number or e-mail address within the same hub, only when one
person has it, and only when the names do not contradict; otherwise a new person. Real
encrypted SQLite files, rows read back as stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from itertools import count
from pathlib import Path

import pytest
from casework import add_person, new_case
from sqlalchemy import func, select, text

from hubapp.store.admin import subject_access
from hubapp.store.casework import people
from hubapp.store.exchange.importer import ImportCancelled, import_file
from hubapp.store.schema import AuditEntry, Case, CasePerson, Channel, Contact, Person

NOW = datetime(2026, 11, 25, 12, 0)
HEADING = "received,hub,channel,category,location,summary,details,reporter_name,reporter_contact"
_serial = count(1)


def row(name: str, contact: str, hub: str = "CAR") -> str:
    """A good row with its own summary (a row of the same content would be skipped)."""
    n = next(_serial)
    return f"01/05/2026 09:30,{hub},101 call,Parking,Bitts Park,Cars on the verge {n},,{name},{contact}"


def imported(store, tmp_path: Path, *rows: str, name: str = "reports.csv"):
    path = tmp_path / name
    path.write_text(HEADING + "\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    result = import_file(store, path, now=NOW)
    assert (result.imported, result.rejected) == (len(rows), ()), result.rejected
    return result


def person_count(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(Person))


def reporters(store, result) -> list[uuid.UUID]:
    """The person each new case of ``result`` names as its reporter, in file order; the case's
    reporter link and its contact name the same person."""
    out = []
    with store.read() as s:
        for reference in result.references:
            case_id = s.scalar(select(Case.id).where(Case.reference == reference))
            links = s.execute(
                select(CasePerson.person_id, CasePerson.role).where(CasePerson.case_id == case_id)
            ).all()
            contact = s.scalar(select(Contact.reporter_person_id).where(Contact.case_id == case_id))
            assert [role for _, role in links] == ["reporter"]
            assert links[0].person_id == contact
            out.append(contact)
    return out


def known(store, name: str, phone: str = "", email: str = "", *, hub: str = "CAR", **kw):
    """A person on a new case of ``hub``, written as the intake form writes one (their keys
    not worked out yet)."""
    reference = f"{hub}-2026-{next(_serial) + 5000:04d}"
    return add_person(store, new_case(store, reference, hub), name, phone=phone, email=email, **kw)


def test_the_same_phone_written_differently_is_one_person_on_every_case(store, tmp_path):
    first = imported(store, tmp_path, row("Jo Bloggs", "07700 900123"), name="first.csv")
    (jo,) = reporters(store, first)
    assert first.linked == 0 and person_count(store) == 1
    second = imported(
        store, tmp_path, row("Jo Bloggs", "+44 7700 900123"), row("", "07700900123"),
        row("jo bloggs", "+44 (0)7700-900123"), name="second.csv",
    )  # fmt: skip
    assert reporters(store, second) == [jo, jo, jo]
    assert person_count(store) == 1
    assert second.linked == 3
    page = people.show(store, jo)
    assert sorted(c.reference for c in page.cases) == sorted(first.references + second.references)
    assert {c.roles for c in page.cases} == {("reporter",)} and len(page.reports) == 4


def test_a_person_the_form_wrote_is_found_once_their_keys_are_worked_out(store, tmp_path):
    jo = known(store, "Jo Bloggs", phone="07700 900123")
    with store.read() as s:  # the form's person: marked for their keys to be worked out
        assert s.execute(text("SELECT count(*) FROM person_key_stale")).scalar() == 1
    result = imported(store, tmp_path, row("Jo Bloggs", "07700900123"))
    assert reporters(store, result) == [jo] and person_count(store) == 1


def test_a_person_changed_since_their_keys_were_worked_out_is_not_linked(
    store, tmp_path, monkeypatch
):
    jo = known(store, "Jo Bloggs", phone="07700 900123")
    people.catch_up(store)
    with store.write(reason="test") as s:  # a new number, its keys not worked out yet
        s.get(Person, jo).phone = "07700 900456"
    # as when another station's change lands between the keys' upkeep and the import
    monkeypatch.setattr(people, "catch_up", lambda store, **kw: 0)
    result = imported(store, tmp_path, row("Jo Bloggs", "07700 900123"))
    (reporter,) = reporters(store, result)
    assert reporter != jo and person_count(store) == 2


def test_the_same_email_on_another_case_is_linked(store, tmp_path):
    jo = known(store, "Jo Bloggs", email="Jo.Bloggs@Example.org")
    result = imported(store, tmp_path, row("Jo Bloggs", " jo.bloggs@example.org"))
    assert reporters(store, result) == [jo] and result.linked == 1
    assert person_count(store) == 1


def test_a_person_known_only_as_the_reporter_of_a_contact_is_linked(store, tmp_path):
    case_id = new_case(store, "CAR-2026-0900")
    with store.write(reason="test") as s:
        jo = Person(id=uuid.uuid4(), full_name="Jo Bloggs", email="jo@example.org")
        s.add(jo)
        s.flush()
        s.add(Contact(id=uuid.uuid4(), case_id=case_id, channel_id=s.scalar(select(Channel.id)),
                      received_at=datetime(2026, 4, 1), reporter_person_id=jo.id,
                      summary="Bins"))  # fmt: skip
        jo_id = jo.id
    result = imported(store, tmp_path, row("Jo Bloggs", "jo@example.org"))
    assert reporters(store, result) == [jo_id] and person_count(store) == 1


def test_the_same_phone_in_another_hub_is_a_new_person(store, tmp_path):
    jo = known(store, "Jo Bloggs", phone="07700 900123", hub="COP")
    result = imported(store, tmp_path, row("Jo Bloggs", "07700 900123", hub="CAR"))
    (reporter,) = reporters(store, result)
    assert reporter != jo and person_count(store) == 2 and result.linked == 0
    # and the person in the hub that knew them is linked again
    again = imported(store, tmp_path, row("Jo Bloggs", "07700 900123", hub="COP"), name="b.csv")
    assert reporters(store, again) == [jo] and person_count(store) == 2


@pytest.mark.parametrize(
    ("stored", "typed", "linked"),
    [
        ("John Smith", "Mary Smith", False),  # a family's landline
        ("John Smith", "John Jones", False),
        ("Smith", "John Smith", False),
        ("William Smith", "Bill Smith", True),
        ("Bill Smith", "William Smith", True),
        ("Siân O'Brien-Smith", "sian obrien smith", True),
        ("John Smith", "John Paul Smith", True),
        ("", "Mary Smith", True),
        ("John Smith", "", True),
    ],
)
def test_names_must_not_contradict(store, tmp_path, stored, typed, linked):
    existing = known(store, stored, phone="07700 900123")
    result = imported(store, tmp_path, row(typed, "+447700900123"))
    (reporter,) = reporters(store, result)
    assert (reporter == existing) is linked
    assert person_count(store) == (1 if linked else 2)
    assert result.linked == int(linked)


def test_two_people_with_the_phone_in_the_hub_are_a_question_not_a_link(store, tmp_path):
    first = known(store, "Jo Bloggs", phone="07700 900123")
    second = known(store, "Jo Bloggs", phone="07700900123")
    result = imported(store, tmp_path, row("Jo Bloggs", "07700 900123"))
    (reporter,) = reporters(store, result)
    assert reporter not in (first, second)
    assert person_count(store) == 3 and result.linked == 0


def test_a_number_that_is_not_a_uk_one_links_only_as_typed(store, tmp_path):
    jean = known(store, "Jean Dupont", phone="+33 1 23 45 67 89")
    result = imported(store, tmp_path, row("Jean Dupont", "+33 1 23 45 67 89"),
                      row("Jean Dupont", "+33123456789"))  # fmt: skip
    same, other = reporters(store, result)
    assert same == jean and other != jean
    assert person_count(store) == 2 and result.linked == 1


def test_a_phone_that_is_not_a_number_links_nobody(store, tmp_path):
    result = imported(store, tmp_path, row("", "withheld"), row("", "Withheld"),
                      row("", "999"), row("", "999"))  # fmt: skip
    assert len(set(reporters(store, result))) == 4
    assert person_count(store) == 4 and result.linked == 0


def test_reporters_repeated_in_one_file_link_to_each_other(store, tmp_path):
    result = imported(
        store, tmp_path,
        row("Jo Bloggs", "07700 900123"), row("Sam Lee", "sam@example.org"),
        row("jo bloggs", "+44 7700 900123"), row("", "SAM@example.org"),
        row("Jo Bloggs", "07700 900123", hub="COP"),  # another hub: another person
    )  # fmt: skip
    jo, sam, jo_again, sam_again, jo_cop = reporters(store, result)
    assert (jo_again, sam_again) == (jo, sam)
    assert jo_cop not in (jo, sam)
    assert person_count(store) == 3 and result.linked == 2


def test_a_household_phone_in_one_file_is_two_people_then_a_question(store, tmp_path):
    result = imported(store, tmp_path, row("John Smith", "01228 123456"),
                      row("Mary Smith", "01228123456"), row("John Smith", "01228 123456"))  # fmt: skip
    john, mary, john_again = reporters(store, result)
    assert len({john, mary, john_again}) == 3  # two people have the number: nobody is linked
    assert result.linked == 0


@pytest.mark.parametrize("what", ["case", "link", "person", "locked down"])
def test_a_voided_case_link_or_person_or_a_locked_down_person_is_not_linked(store, tmp_path, what):
    jo = known(store, "Jo Bloggs", phone="07700 900123", locked_down=what == "locked down")
    with store.write(reason="test") as s:
        link = s.scalars(select(CasePerson).where(CasePerson.person_id == jo)).one()
        if what == "case":
            s.get(Case, link.case_id).voided = True
        elif what == "link":
            link.voided = True
        elif what == "person":
            s.get(Person, jo).voided = True
    result = imported(store, tmp_path, row("Jo Bloggs", "07700 900123"))
    (reporter,) = reporters(store, result)
    assert reporter != jo and person_count(store) == 2 and result.linked == 0


def test_the_count_is_told_and_a_second_import_links_nothing(store, tmp_path):
    known(store, "Jo Bloggs", phone="07700 900123")
    known(store, "Sam Lee", email="sam@example.org")
    path_rows = (row("Jo Bloggs", "07700 900123"), row("Sam Lee", "sam@example.org"),
                 row("Ann Ray", "07700 900456"))  # fmt: skip
    result = imported(store, tmp_path, *path_rows)
    assert result.linked == 2 and person_count(store) == 3
    assert result.describe() == (
        "Imported 3 issues; skipped 0 already imported; rejected 0; 2 reporters already known "
        "were linked to their person."
    )
    again = import_file(store, tmp_path / "reports.csv", now=NOW)
    assert (again.imported, again.skipped, again.linked) == (0, 3, 0)
    assert person_count(store) == 3
    assert again.describe() == "Imported 0 issues; skipped 3 already imported; rejected 0."
    one = imported(store, tmp_path, row("Ann Ray", "07700900456"), name="one.csv")
    assert one.describe().endswith("; 1 reporter already known was linked to their person.")


def test_the_audit_entry_names_the_people_linked(store, tmp_path):
    jo = known(store, "Jo Bloggs", phone="07700 900123")
    with store.read() as s:
        last = s.scalar(select(func.max(AuditEntry.id)))
    result = imported(store, tmp_path, row("Jo Bloggs", "07700 900123"), row("", "07700900123"),
                      row("Sam Lee", "sam@example.org"), row("Sam Lee", "sam@example.org"))  # fmt: skip
    _, _, sam, _ = reporters(store, result)
    with store.read() as s:
        entries = {
            e.entity: e
            for e in s.scalars(select(AuditEntry).where(AuditEntry.id > last))
            if e.kind == "collection"
        }
    assert entries["case_person"].details["linked_people"] == sorted([str(jo), str(sam)])
    assert len(entries["case_person"].record_ids) == 4
    assert entries["person"].record_ids == [str(sam)]  # the one new person
    assert "linked_people" not in entries["contact"].details
    # a subject access request for Jo finds the import by them
    audit = subject_access.gather(store, jo)["audit"]
    assert any(
        e["entity"] == "case_person" and str(jo) in e["details"].get("linked_people", [])
        for e in audit
    )
    # an import that linked nobody says nothing of it
    with store.read() as s:
        last = s.scalar(select(func.max(AuditEntry.id)))
    imported(store, tmp_path, row("Ann Ray", "ann@example.org"), name="other.csv")
    with store.read() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.id > last, AuditEntry.entity == "case_person")
        ).one()
    assert "linked_people" not in entry.details


def test_a_file_imported_again_works_out_no_keys(store, tmp_path):
    result = imported(store, tmp_path, row("Jo Bloggs", "07700 900123"), row("", "jo@example.org"))
    stale = "SELECT count(*) FROM person_key_stale"
    with store.read() as s:  # the people the import wrote, marked as every new person is
        assert s.execute(text(stale)).scalar() == 2
    seen = []
    again = import_file(store, tmp_path / "reports.csv", now=NOW,
                        progress=lambda fraction, message: seen.append(message) is None)  # fmt: skip
    assert (again.imported, again.skipped) == (0, 2)
    assert "Indexing people" not in seen
    with store.read() as s:
        assert s.execute(text(stale)).scalar() == 2
    # a new row with a contact does: and it finds the person the first import wrote
    more = imported(store, tmp_path, row("", "+447700900123"), name="more.csv")
    assert reporters(store, more) == reporters(store, result)[:1]
    with store.read() as s:
        assert s.execute(text(stale)).scalar() == 0


def test_a_number_many_people_have_links_nobody(store, tmp_path):
    with store.write(reason="test") as s:  # a contact centre that relays reports to a hub
        for _ in range(21):
            s.add(Person(id=uuid.uuid4(), full_name="", phone="0300 123 4567"))
    with store.read() as s:
        ids = list(s.scalars(select(Person.id)))
    case_id = new_case(store, "COP-2026-0900", "COP")
    with store.write(reason="test") as s:
        for person_id in ids:
            s.add(
                CasePerson(id=uuid.uuid4(), case_id=case_id, person_id=person_id, role="reporter")
            )
    only = known(store, "", phone="03001234567")  # the one person of Carlisle with it
    result = imported(store, tmp_path, row("", "0300 123 4567"), row("", "0300 123 4567"))
    first, second = reporters(store, result)
    assert len({first, second, only}) == 3 and result.linked == 0
    assert person_count(store) == 24


def test_cancelling_while_the_keys_are_worked_out_imports_nothing(store, tmp_path):
    known(store, "Jo Bloggs", phone="07700 900123")
    before = person_count(store)
    path = tmp_path / "reports.csv"
    path.write_text(HEADING + "\r\n" + row("Jo Bloggs", "07700 900123") + "\r\n", "utf-8")
    seen = []

    def progress(fraction, message):
        seen.append(message)
        return message != "Indexing people"

    with pytest.raises(ImportCancelled):
        import_file(store, path, progress=progress, now=NOW)
    assert "Indexing people" in seen and not any(m.startswith("Importing") for m in seen)
    assert person_count(store) == before
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0
    result = import_file(store, path, now=NOW)  # and the next import links them
    assert (result.imported, result.linked, person_count(store)) == (1, 1, before)
