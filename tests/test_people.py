"""One person across cases (hubapp.store.casework.people): the keys a person is found by
are kept whatever writes the person (the form's ORM, raw SQL as a pull writes, an erasure),
a search finds them however a name, phone number or postcode is typed, and a person's page
and the search keep to who may see whom. Real encrypted SQLite, no mocks."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from casework import STAFF_PASSWORD, add_person, agency_id, downgrade, new_case, run_command
from sqlalchemy import select, text

from hubapp.store import accounts, audit
from hubapp.store.accounts import AccountDraft
from hubapp.store.casework import assignments, people
from hubapp.store.database import open_store
from hubapp.store.errors import Refused
from hubapp.store.schema import AuditEntry, CasePerson, Channel, Contact, Person

NOW = datetime(2026, 11, 2, 10, 0)


def keys(store, person_id) -> set[tuple[str, str]]:
    with store.read() as s:
        rows = s.execute(
            text("SELECT kind, key FROM person_key WHERE person_id = :p"), {"p": person_id.hex}
        ).all()
    return {(k, v) for k, v in rows}


def names(hits) -> list[str]:
    return [h.name for h in hits]


@pytest.fixture
def hub(store):
    """Two Carlisle cases: Siân O'Brien-Smith on both (two rows, as two intakes make them),
    William Armstrong on one, and a man whose phone is not a UK number."""
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002")
    return {
        "first": first,
        "second": second,
        "sian": add_person(store, first, "Siân O'Brien-Smith", phone="07700 900123",
                           email="Sian.OBrien@Example.org", address="4 Eden Street, Carlisle CA3 9LS"),
        "sian2": add_person(store, second, "sian obrien smith", role="complainant",
                            phone="+44 (0)7700-900123"),
        "william": add_person(store, second, "William Armstrong", role="alleged_perpetrator",
                              phone="016973 20145"),
        "foreign": add_person(store, second, "Jean Dupont", role="witness",
                              phone="+33 1 23 45 67 89"),
    }  # fmt: skip


def test_the_keys_follow_every_write_of_a_person(store, hub):
    people.catch_up(store)
    assert keys(store, hub["sian"]) == {
        ("name", "sian obrien smith"), ("word", "sian"), ("word", "obrien"), ("word", "smith"),
        ("phone", "+447700900123"), ("email", "sian.obrien@example.org"),
        ("postcode", "CA3 9LS"),
    }  # fmt: skip
    assert keys(store, hub["sian2"]) >= {("phone", "+447700900123")}
    # a form's change, through the ORM
    with store.write(reason="test") as s:
        s.get(Person, hub["william"]).phone = "07700 900999"
    # a pull's, past the ORM, as hubapp.sync.apply writes
    with store.write(reason="sync") as s:
        cur = s.connection().connection.driver_connection.cursor()
        cur.execute("UPDATE person SET full_name = 'Jean-Luc Dupont' WHERE id = ?",
                    (hub["foreign"].hex,))  # fmt: skip
    assert people.catch_up(store) == 2
    assert ("phone", "+447700900999") in keys(store, hub["william"])
    assert ("phone", "+441697320145") not in keys(store, hub["william"])
    assert ("word", "luc") in keys(store, hub["foreign"])
    assert people.catch_up(store) == 0  # nothing left to do
    # a delete (an erasure deletes) takes the person's keys with it
    with store.write(reason="test") as s:
        cur = s.connection().connection.driver_connection.cursor()
        cur.execute("DELETE FROM case_person WHERE person_id = ?", (hub["foreign"].hex,))
        cur.execute("DELETE FROM person WHERE id = ?", (hub["foreign"].hex,))
    assert keys(store, hub["foreign"]) == set()
    with store.read() as s:
        left = s.execute(text("SELECT count(*) FROM person_key_stale")).scalar_one()
    assert left == 0


@pytest.mark.parametrize(
    "typed",
    ["07700 900123", "07700900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900123",
     "07700-900-123", "07700 90"],  # the last as it is being typed
)  # fmt: skip
def test_any_uk_way_of_writing_a_phone_number_finds_both_rows(store, hub, typed):
    hits = people.find(store, typed)
    assert {h.id for h in hits} == {hub["sian"], hub["sian2"]}
    assert {h.matched for h in hits} == {"phone"}


def test_a_number_that_is_not_a_uk_one_matches_only_as_typed(store, hub):
    assert names(people.find(store, "+33 1 23 45 67 89")) == ["Jean Dupont"]
    assert people.find(store, "+33 123456789") == []


@pytest.mark.parametrize("typed", ["sian", "SIAN O'BRIEN", "Siân Obrien", "o'brien-smith",
                                   "obri", "smith sian"])  # fmt: skip
def test_a_name_is_found_whatever_its_case_accents_and_punctuation(store, hub, typed):
    assert {h.id for h in people.find(store, typed)} == {hub["sian"], hub["sian2"]}


def test_a_short_form_finds_the_given_name_and_back(store, hub):
    assert names(people.find(store, "Bill Armstrong")) == ["William Armstrong"]
    assert names(people.find(store, "will")) == ["William Armstrong"]
    assert people.find(store, "Bob Armstrong") == []


def test_by_email_and_postcode(store, hub):
    assert [h.id for h in people.find(store, "sian.obrien@EXAMPLE")] == [hub["sian"]]
    for typed in ("ca39ls", "CA3 9LS", "CA3", "ca3 9"):
        assert [h.id for h in people.find(store, typed)] == [hub["sian"]], typed


def test_each_hit_says_how_many_cases_and_in_what_role(store, hub):
    add_person(store, hub["first"], "Siân O'Brien-Smith")  # a third row, on the first case
    with store.write(reason="test") as s:
        channel = s.scalar(select(Channel.id).limit(1))
        s.add(Contact(id=uuid.uuid4(), case_id=hub["second"], received_at=NOW, channel_id=channel,
                      reporter_person_id=hub["william"], summary="He rang in himself"))  # fmt: skip
    [william] = people.find(store, "william armstrong")
    assert (william.cases, william.roles) == (1, ("alleged_perpetrator", "reporter"))
    assert william.latest is not None


def test_too_little_to_look_for(store, hub):
    for typed in ("", "  ", "s", "-"):
        assert people.probe_for(typed) is None
        assert people.find(store, typed) == []


def test_a_persons_page_lists_their_cases_and_is_audited(store, hub):
    assignments.set_role(store, hub["second"], agency_id(store, "POLICE"), "lead")
    page = people.show(store, hub["william"])
    assert (page.name, page.phone, page.hidden) == ("William Armstrong", "016973 20145", False)
    assert [(c.reference, c.roles, c.hub) for c in page.cases] == [
        ("CAR-2026-0002", ("alleged_perpetrator",), "Carlisle")
    ]
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert audit.verify(s).first_broken is None
    assert (entry.kind, entry.entity, entry.record_ids) == (
        "consultation",
        "person",
        [str(hub["william"])],
    )
    assert people.find_id(store, people.reference(hub["william"])) == hub["william"]
    assert people.find_id(store, hub["william"].hex) == hub["william"]
    with pytest.raises(Refused, match="not a person's reference"):
        people.find_id(store, "P-12")
    with pytest.raises(Refused, match="No person with that reference"):
        people.find_id(store, "P-" + "0" * 8)


# --- who sees whom ----------------------------------------------------------------------------


@pytest.fixture
def partner(store, hub):
    """A partner of the council, which has a part in the first case only; the second case
    has a locked-down victim."""
    council = agency_id(store, "CUMBERLAND")
    assignments.set_role(store, hub["first"], council, "lead")
    assignments.set_role(store, hub["second"], agency_id(store, "POLICE"), "lead")
    hidden = add_person(store, hub["first"], "Lorna Quayle", phone="07700 900555",
                        locked_down=True)  # fmt: skip
    accounts.create_account(store, AccountDraft("admin", "Ada Admin", "administrator"),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    accounts.create_account(
        store, AccountDraft("pat", "Pat Partner", "partner", council), STAFF_PASSWORD
    )
    accounts.sign_in(store, "pat", STAFF_PASSWORD)
    return {"hidden": hidden}


def test_a_partner_finds_only_the_people_of_their_cases(store, hub, partner):
    assert [h.id for h in people.find(store, "sian")] == [hub["sian"]]  # not the second case's
    assert people.find(store, "william") == []
    assert people.find(store, "016973 20145") == []
    with pytest.raises(Refused, match="No person"):
        people.show(store, hub["william"])
    with pytest.raises(Refused, match="No person"):
        people.find_id(store, hub["william"].hex)


def test_a_locked_down_person_is_named_but_not_found_by_their_details(store, hub, partner):
    [hit] = people.find(store, "lorna")
    assert hit.hidden and hit.name == "Lorna Quayle"
    assert people.find(store, "07700 900555") == []  # the number would say whose it is
    page = people.show(store, partner["hidden"])
    assert page.hidden and (page.phone, page.email, page.address, page.date_of_birth) == (
        "",
        "",
        "",
        None,
    )
    # a coordinator of the hub sees them
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    accounts.create_account(store, AccountDraft("cat", "Cat Coordinator", "coordinator",
                                                None, None), STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "cat", STAFF_PASSWORD)
    [hit] = people.find(store, "07700 900555")
    assert not hit.hidden and people.show(store, partner["hidden"]).phone == "07700 900555"


# --- the command line -------------------------------------------------------------------------


def test_person_find_and_show_on_the_command_line(store, hub, monkeypatch, capsys):
    path = store.path
    store.close()
    code, out, err = run_command(path, "person", "find", "+44 7700 900123", "--format", "json",
                                 password=None, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    found = json.loads(out)
    assert {f["id"] for f in found} == {hub["sian"].hex, hub["sian2"].hex}
    assert err.strip() == "2 people found."
    ref = people.reference(hub["william"])
    code, out, err = run_command(path, "person", "show", ref, password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[0] == f"William Armstrong  {ref}"
    assert "CAR-2026-0002" in out and "alleged_perpetrator" in out
    assert "Repeat" not in out
    code, out, err = run_command(path, "person", "show", ref, "--format", "json", password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    shown = json.loads(out)
    assert [c["roles"] for c in shown["cases"]] == [["alleged_perpetrator"]]
    assert shown["flags"] == []
    # named on the first case too: a repeat alleged perpetrator, said and explained
    reopened = open_store(path)
    try:
        with reopened.write() as s:
            s.add(CasePerson(case_id=hub["first"], person_id=hub["william"],
                             role="alleged_perpetrator"))  # fmt: skip
    finally:
        reopened.close()
    code, out, err = run_command(path, "person", "show", ref, password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert ("Repeat alleged perpetrator: 2 cases on 01/05/2026 (2 or more in 12 months)."
            in out.splitlines())  # fmt: skip
    code, out, err = run_command(path, "person", "show", ref, "--format", "json", password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    [flag] = json.loads(out)["flags"]
    assert (flag["kind"], flag["count"], flag["threshold"]) == (
        "perpetrator",
        2,
        {"count": 2, "months": 12},
    )
    for args, said in (
        (("person", "show", "P-0000"), "is not a person's reference"),
        (("person", "show", "P-00000000"), "No person with that reference"),
        (("person", "find", "x"), "give at least two letters"),
        (("person", "find", "sian", "--format", "xml"), "choose text or json"),
    ):
        code, out, err = run_command(path, *args, password=None, monkeypatch=monkeypatch,
                                     capsys=capsys)  # fmt: skip
        assert code != 0 and said in err and len(err.strip().splitlines()) == 1, (args, err)


def test_an_upgraded_database_finds_the_people_it_had(store, hub):
    """Migration 0010 marks every person already there, so a search after an upgrade finds
    them."""

    path = store.path
    store.close()
    downgrade(path, "0009")
    upgraded = open_store(path)
    try:
        assert {h.id for h in people.find(upgraded, "07700900123")} == {hub["sian"], hub["sian2"]}
    finally:
        upgraded.close()


def test_working_the_keys_out_reports_progress_and_can_stop(store, hub):
    told = []
    assert (
        people.catch_up(store, batch=2, progress=lambda f, m: told.append((f, m)) or len(told) < 2)
        == 2
    )
    assert told == [(0.0, "Indexing people"), (0.5, "Indexing people")]
    assert people.catch_up(store, batch=2) == 2  # the rest, later
    assert people.catch_up(store) == 0


def test_a_person_arriving_twice_in_one_pull_is_marked_once(store, hub):
    """A first copy or a pull upserts (INSERT ... ON CONFLICT DO UPDATE), and inside a
    trigger the outer statement's conflict handling wins over the trigger's own: marking a
    person already marked must not fail the pull."""
    people.catch_up(store)
    pid = uuid.uuid4().hex
    with store.write(reason="sync") as s:
        cur = s.connection().connection.driver_connection.cursor()
        cur.executemany(
            "INSERT INTO person (id, full_name, phone, email, address, locked_down, row_version,"
            " created_at, updated_at, voided) VALUES (?, ?, '', '', '', 0, 1, '2026-11-01',"
            " '2026-11-01', 0) ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name",
            [(pid, "Nora Batty"), (pid, "Norah Batty"), (hub["sian"].hex, "Siân O'Brien-Smith")],
        )
    assert people.catch_up(store) == 2
    assert ("word", "norah") in keys(store, uuid.UUID(pid))
