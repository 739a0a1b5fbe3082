"""Retention review and erasure (no Qt): the rules file, the review list, keeping for longer,
and erasure that leaves the erased values nowhere in the database, its log or its audit."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from casework import agency_id, hub_id, new_case
from sqlalchemy import func, select

from hubapp.domain.codes import StaffRole
from hubapp.store import audit, setup
from hubapp.store.admin import retention
from hubapp.store.admin.retention import Record, RetentionError, RulesError
from hubapp.store.database import connect, open_store
from hubapp.store.schema import (
    Action,
    AuditEntry,
    Case,
    CasePerson,
    CaseStatusChange,
    Category,
    Channel,
    Contact,
    Intervention,
    InterventionBreach,
    InterventionType,
    Meeting,
    MeetingDecision,
    Note,
    Person,
    Place,
    RiskAssessment,
    SaraPlan,
)

NAME = "Zebediah Quorndon-Fairweather"
WORDS = ("Zebediah", "Quorndon", "zebediah", "quorndon", "Fairweather", "fairweather")
PHONE = "07700 955321"
TODAY = date(2030, 6, 1)
#: a day on which the seeded closed cases are due for review under every rule
DUE = date(2040, 1, 1)


def _closed(store, ref: str, closed_on: date, category: str | None = None, **kw) -> uuid.UUID:
    extra = {}
    if category is not None:
        with store.read() as s:
            extra["category_id"] = s.scalar(select(Category.id).where(Category.code == category))
    return new_case(store, ref, status="closed", closed_on=closed_on, **extra, **kw)


@pytest.fixture
def seeded(store):
    """A closed case full of one person's data, and an unrelated open case sharing a witness."""
    case = _closed(store, "CAR-2026-0042", date(2026, 7, 1),
                   summary=f"{NAME} harassed by neighbours",
                   details=f"{NAME} lives at 3 Quorndon Row; phone {PHONE}.",
                   location="3 Quorndon Row")  # fmt: skip
    other_case = new_case(store, "CAR-2026-0050", summary="Fly-tipping behind the shops")
    police = agency_id(store, "POLICE")
    with store.write(reason="test data") as s:
        place = Place(id=uuid.uuid4(), hub_id=hub_id(store, "CAR"), name="3 Quorndon Row")
        victim = Person(id=uuid.uuid4(), full_name=NAME, phone="01228 000000",
                        address="3 Quorndon Row, Carlisle")  # fmt: skip
        witness = Person(id=uuid.uuid4(), full_name="Alice Shared")
        s.add_all([place, victim, witness])
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=victim.id, role="victim",
                         place_id=place.id))  # fmt: skip
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=witness.id, role="witness"))
        s.add(CasePerson(id=uuid.uuid4(), case_id=other_case, person_id=witness.id,
                         role="witness"))  # fmt: skip
        s.add(Contact(id=uuid.uuid4(), case_id=case, channel_id=s.scalar(select(Channel.id)),
                      received_at=datetime(2026, 3, 1, 9), reporter_person_id=victim.id,
                      summary=f"Call from {NAME}", place_id=place.id))  # fmt: skip
        s.add(Note(id=uuid.uuid4(), case_id=case, author="PC Dunmore", agency_id=police,
                   body=f"Visited {NAME}"))  # fmt: skip
        s.add(Action(id=uuid.uuid4(), case_id=case, agency_id=police, owner="PC Dunmore",
                     description=f"Check on {NAME}"))  # fmt: skip
        s.add(CaseStatusChange(id=uuid.uuid4(), case_id=case, from_status="in_progress",
                               to_status="closed", reason=f"{NAME} moved away"))  # fmt: skip
        s.add(SaraPlan(id=uuid.uuid4(), case_id=case, pat_victim=NAME))
        s.add(RiskAssessment(id=uuid.uuid4(), case_id=case, person_id=victim.id,
                             answers={"repeat": "yes"}, score=7, level="high"))  # fmt: skip
        tool = Intervention(id=uuid.uuid4(), case_id=case, person_id=victim.id, agency_id=police,
                            intervention_type_id=s.scalar(select(InterventionType.id)),
                            issued_on=date(2026, 4, 1), conditions=f"Protects {NAME}")  # fmt: skip
        s.add(tool)
        s.flush()
        s.add(InterventionBreach(id=uuid.uuid4(), intervention_id=tool.id,
                                 breached_on=date(2026, 4, 2), details=f"near {NAME}"))  # fmt: skip
        meeting = Meeting(id=uuid.uuid4(), hub_id=hub_id(store, "CAR"), meets_on=date(2026, 5, 1))
        s.add(meeting)
        s.flush()
        s.add(MeetingDecision(id=uuid.uuid4(), meeting_id=meeting.id, case_id=case,
                              text=f"Housing to visit {NAME}"))  # fmt: skip
    # edits leave older copies of the rows in the file's pages (and in the audit)
    with store.write(reason="edit") as s:
        s.get(Person, victim.id).phone = PHONE
        s.get(Case, case).police_log_ref = "LOG-123"
    return {"case": case, "other": other_case, "victim": victim.id, "witness": witness.id,
            "place": place.id, "meeting": meeting.id}  # fmt: skip


def _every_value(path) -> str:
    """Every value of every column of every table (FTS shadow tables, the audit log and sync's
    outbox included), read through a decrypting connection, as one text."""
    con = connect(path, read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]  # fmt: skip
        out = []
        for name in names:
            if name == "case_search":
                continue  # the external-content index reads case_ itself; its shadows follow
            for row in con.execute(f'SELECT * FROM "{name}"'):
                for v in row:
                    if isinstance(v, bytes):
                        out.append(v.decode("latin-1"))
                    elif v is not None:
                        out.append(str(v))
        return "\n".join(out)
    finally:
        con.close()


def test_the_rules_file_is_read_and_a_broken_one_is_one_sentence(tmp_path):
    rules = retention.load_rules()
    assert rules.case_years >= 1 and rules.person_years >= 1
    years, why = rules.for_case("vulnerability", "standard")
    assert years > rules.case_years and "safeguarding" in why
    assert rules.for_case("fly_tipping", "standard")[0] == rules.case_years
    with pytest.raises(RulesError, match="missing"):
        retention.load_rules(tmp_path / "nothing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[case\nreview_after_years = 3")
    with pytest.raises(RulesError, match="not valid TOML"):
        retention.load_rules(bad)
    bad.write_text("[case]\nreview_after_years = 'three'\n[person]\nreview_after_years = 3\n")
    with pytest.raises(RulesError, match=r"\[case\] review_after_years must be a whole number"):
        retention.load_rules(bad)
    bad.write_text("[case]\nreview_after_years = 3\n")
    with pytest.raises(RulesError, match=r"needs a \[case\] and a \[person\] section"):
        retention.load_rules(bad)


def test_review_list_by_the_rules_and_keep_until(store):
    short = _closed(store, "CAR-2026-0001", date(2026, 1, 10))  # due 10/01/2029
    _closed(store, "CAR-2026-0002", date(2026, 1, 10), category="vulnerability")  # due 2032
    new_case(store, "CAR-2026-0003")  # open: never due
    _closed(store, "CAR-2026-0004", date(2028, 1, 10))  # due 2031
    items = retention.due(store, TODAY)
    cases = [i for i in items if i.entity == retention.CASE]
    assert [i.reference for i in cases] == ["CAR-2026-0001"]
    assert cases[0].since == date(2029, 1, 10) and "3 years after closure" in cases[0].why
    assert [i.reference for i in retention.due(store, date(2032, 1, 10))
            if i.kind == "case"] == ["CAR-2026-0001", "CAR-2026-0004", "CAR-2026-0002"]  # fmt: skip

    record = retention.find(store, "car-2026-0001")
    assert record == Record(retention.CASE, short, "CAR-2026-0001")
    with pytest.raises(RetentionError, match="after today"):
        retention.decide(store, record, TODAY, "still needed", today=TODAY)
    with pytest.raises(RetentionError, match="reason"):
        retention.decide(store, record, date(2031, 1, 1), "  ", today=TODAY)
    retention.decide(store, record, date(2031, 1, 1), "civil claim pending", today=TODAY)
    assert all(i.reference != "CAR-2026-0001" for i in retention.due(store, TODAY))
    again = [i for i in retention.due(store, date(2031, 2, 1)) if i.reference == "CAR-2026-0001"]
    assert again[0].since == date(2031, 1, 1)
    assert "civil claim pending" in again[0].last_decision.describe()
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.kind == "alteration" and entry.record_ids == [str(short)]
    assert entry.details["keep_until"] == "2031-01-01" and entry.reason == "civil claim pending"


def test_people_come_up_when_linked_to_no_open_case(store, seeded):
    items = {i.record_id: i for i in retention.due(store, TODAY) if i.kind == "person"}
    assert seeded["victim"] in items  # their only case closed in 2026
    assert seeded["witness"] not in items  # still on an open case
    item = items[seeded["victim"]]
    assert item.since == date(2029, 7, 1) and item.label == NAME
    assert retention.find(store, item.reference).record_id == seeded["victim"]
    assert retention.find(store, str(seeded["victim"])).record_id == seeded["victim"]
    with pytest.raises(RetentionError, match="No case or person"):
        retention.find(store, "P-00000000")


def test_erasing_a_case_removes_it_everywhere_and_audits_only_ids(store, seeded, db_path):
    assert any(w in _every_value(db_path) for w in WORDS)  # the search below can find it
    with store.read() as s:
        before = s.scalar(select(func.max(AuditEntry.id)))
    steps = []
    result = retention.erase_case(store, seeded["case"], "review: no longer needed",
                                  progress=lambda f, m: steps.append(f), today=DUE)  # fmt: skip
    assert steps[-1] == 1.0 and result.log_emptied
    assert result.counts == {
        "intervention_breach": 1, "intervention": 1, "meeting_decision": 1, "action": 1,
        "note": 1, "case_status_change": 1, "sara_plan": 1, "risk_assessment": 1,
        "contact": 1, "case_person": 2, "case_": 1, "person": 1, "place": 1,
    }  # fmt: skip
    assert result.persons == [str(seeded["victim"])] and result.places == [str(seeded["place"])]
    with store.read() as s:
        assert s.get(Case, seeded["case"]) is None and s.get(Person, seeded["victim"]) is None
        assert s.get(Person, seeded["witness"]) is not None  # still on the open case
        assert s.get(Case, seeded["other"]) is not None and s.get(Meeting, seeded["meeting"])
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.id > before,
                                                      AuditEntry.kind == "erasure"))  # fmt: skip
        assert str(seeded["case"]) in entry.record_ids and str(seeded["victim"]) in entry.record_ids
        assert (
            entry.details["counts"] == result.counts and entry.reason == "review: no longer needed"
        )
        assert audit.verify(s).ok
        hits = s.execute(select(Case.reference).where(
            Case.id.in_(select(Case.id)))).all()  # fmt: skip
        assert [h[0] for h in hits] == ["CAR-2026-0050"]
        found = (
            s.connection()
            .exec_driver_sql("SELECT count(*) FROM case_search WHERE case_search MATCH 'quorndon'")
            .scalar()
        )
        assert found == 0
    everything = _every_value(db_path)
    for word in WORDS + (PHONE, "3 Quorndon Row"):
        assert word not in everything, word
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_erasure_leaves_no_plaintext_in_the_file_or_its_log(tmp_path):
    """The same on a plaintext file, so that the raw bytes can be searched: secure delete,
    the merged search index, the rebuild and the emptied log leave nothing behind."""
    path = tmp_path / "plain.sqlite3"
    store = open_store(path, encrypted=False)
    try:
        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        case = _closed(store, "CAR-2026-0007", date(2026, 1, 1),
                       summary=f"{NAME} and the hedge", details=f"{NAME} again")  # fmt: skip
        with store.write() as s:
            p = Person(id=uuid.uuid4(), full_name=NAME, phone=PHONE)
            s.add(p)
            s.flush()
            s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=p.id, role="victim"))
        with store.write() as s:  # an edit leaves the old row in the page's free space
            s.get(Person, p.id).phone = "01228 111111"
        with store.engine.begin() as conn:  # as a push does: sent changes leave free pages
            conn.exec_driver_sql("DELETE FROM sync_outbox")
        raw = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                                   if path.with_name(path.name + "-wal").exists() else b"")  # fmt: skip
        assert b"Quorndon" in raw
        retention.erase_case(store, case, "retention review", today=DUE)
        raw = path.read_bytes()
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            raw += wal.read_bytes()
        for word in WORDS + (PHONE,):
            assert word.encode() not in raw, word
    finally:
        store.close()


def test_erasing_a_person_keeps_the_case_and_refuses_an_open_one(store, seeded):
    with pytest.raises(RetentionError, match="open case CAR-2026-0050"):
        retention.erase_person(store, seeded["witness"], "asked to be forgotten")
    with store.read() as s:
        assert s.get(Person, seeded["witness"]) is not None
    result = retention.erase_person(store, seeded["victim"], "subject's erasure request",
                                    before_due=True)  # fmt: skip
    assert result.counts == {"intervention_breach": 1, "intervention": 1, "risk_assessment": 1,
                             "case_person": 1, "person": 1}  # fmt: skip
    with store.read() as s:
        assert s.get(Case, seeded["case"]) is not None
        contact = s.scalars(select(Contact).where(Contact.case_id == seeded["case"])).one()
        assert contact.reporter_person_id is None
        assert s.get(Place, seeded["place"]) is not None  # the contact still names the place
        assert s.scalar(select(func.count()).select_from(RiskAssessment)) == 0


def test_only_coordinators_and_administrators_may_erase(store, seeded):
    from hubapp.store import accounts
    from hubapp.store.accounts import AccountDraft

    accounts.create_account(store, AccountDraft("admin", "Ada Admin", StaffRole.ADMINISTRATOR),
                            "correct horse battery staple")  # fmt: skip
    store.account = accounts.sign_in(store, "admin", "correct horse battery staple")
    accounts.create_account(store, AccountDraft("pcso", "Pat Reed", StaffRole.POLICE),
                            "another long pass phrase")  # fmt: skip
    store.account = accounts.sign_in(store, "pcso", "another long pass phrase")
    with pytest.raises(RetentionError, match="Only a coordinator or an administrator"):
        retention.erase_case(store, seeded["case"], "review", today=DUE)
    with pytest.raises(RetentionError, match="Only a coordinator or an administrator"):
        retention.decide(store, retention.find(store, "CAR-2026-0042"), date(2099, 1, 1), "x",
                         today=date(2098, 1, 1))  # fmt: skip
    store.account = None
    with pytest.raises(RetentionError, match="Sign in"):
        retention.erase_case(store, seeded["case"], "review", today=DUE)
    store.account = accounts.sign_in(store, "admin", "correct horse battery staple")
    assert retention.erase_case(store, seeded["case"], "review", today=DUE).counts["case_"] == 1


def test_pending_sync_changes_of_erased_rows_are_dropped_and_erasures_queued(store, seeded,
                                                                             db_path):  # fmt: skip
    con = connect(db_path, read_only=True)
    try:
        pending = con.execute("SELECT count(*) FROM sync_outbox WHERE fields LIKE ?",
                              (f"%{WORDS[0]}%",)).fetchone()[0]  # fmt: skip
    finally:
        con.close()
    assert pending > 0  # captured when written, not pushed yet
    result = retention.erase_case(store, seeded["case"], "review", today=DUE)
    con = connect(db_path, read_only=True)
    try:
        rows = con.execute("SELECT tbl, row_id, kind, fields FROM sync_outbox").fetchall()
    finally:
        con.close()
    assert not any(WORDS[0] in r[3] for r in rows)
    erased = {}
    for tbl, _rid, kind, fields in rows:
        if kind == "erase":
            assert fields == "{}"
            erased[tbl] = erased.get(tbl, 0) + 1
    assert erased == result.counts  # every deleted row travels as an erasure, without values
