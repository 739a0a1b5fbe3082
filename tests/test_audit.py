"""The audit log (DPA 2018 s.62): what is logged, that it cannot be changed unnoticed, and
reading it back (filters, pages, export). Real SQLite files; tampering with sqlite3 itself."""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from datetime import date, datetime

import pytest
from casework import new_case
from sqlalchemy import select

from hubapp.documents import printing
from hubapp.store import audit, database, errors
from hubapp.store.admin import audit_query
from hubapp.store.admin.audit_query import AuditFilter
from hubapp.store.casework import casedetail, caseview
from hubapp.store.errors import StoreError
from hubapp.store.exchange.export import ExportCancelled
from hubapp.store.intake import form as intake
from hubapp.store.intake.form import IntakeForm, PersonEntry
from hubapp.store.schema import AuditEntry, CasePerson, Person


def _last_id(store) -> int:
    with store.read() as s:
        return s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0


def _since(store, after: int) -> list[AuditEntry]:
    with store.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.id > after)))


@pytest.fixture
def case(store):
    case_id = new_case(store, "CAR-2026-0042", summary="Stones thrown at windows")
    with store.write(reason="test people") as s:
        for name, role in (("Margaret Thistlewood", "victim"), ("Łukasz Nowak", "witness")):
            p = Person(id=uuid.uuid4(), full_name=name, phone="07700 900123")
            s.add(p)
            s.flush()
            s.add(CasePerson(id=uuid.uuid4(), case_id=case_id, person_id=p.id, role=role))
    return case_id


def _people(store, case_id) -> set[str]:
    with store.read() as s:
        return {str(p) for p in s.scalars(
            select(CasePerson.person_id).where(CasePerson.case_id == case_id))}  # fmt: skip


# --- what is logged -----------------------------------------------------------------------------


@pytest.mark.parametrize("loader", [casedetail.load, caseview.load], ids=["pane", "case view"])
def test_opening_a_case_writes_exactly_one_consultation_naming_its_people(store, case, loader):
    before = _last_id(store)
    loader(store, case)
    [entry] = _since(store, before)
    assert (entry.kind, entry.entity, entry.record_ids) == ("consultation", "case_", [str(case)])
    assert set(entry.details["persons"]) == _people(store, case) and len(_people(store, case)) == 2
    assert entry.user == store.user and entry.station_id == store.station_id
    assert entry.reason == "case opened"
    # the names themselves never enter the log
    raw = database.connect(store.path).execute("SELECT group_concat(details) FROM audit_log")
    assert "Thistlewood" not in raw.fetchone()[0]


def test_reading_without_recording_writes_nothing(store, case):
    before = _last_id(store)
    casedetail.load(store, case, record_view=False)
    assert _since(store, before) == []


def test_printing_writes_exactly_one_disclosure_with_its_audience_and_file(store, case, tmp_path):
    document = printing.case_summary(store, "CAR-2026-0042", "partner", today=date(2026, 6, 1))
    before = _last_id(store)
    printing.save(store, document, tmp_path / "case.pdf")
    [entry] = _since(store, before)
    assert (entry.kind, entry.record_ids) == ("disclosure", [str(case)])
    assert entry.details["profile"] == "partner" and entry.details["to"] == str(
        tmp_path / "case.pdf"
    )


def test_a_further_report_attached_to_a_case_is_a_combination(store):
    now = datetime(2026, 11, 25, 14, 0)
    form = dict(hub="CAR", channel="call_101", category="asb_nuisance", hate="no",
                received="25/11/2026 13:40", location="Bitts Park", town="Carlisle",
                summary="Youths on motorbikes")  # fmt: skip
    first = intake.save(store, IntakeForm(**form), now=now)
    before = _last_id(store)
    again = IntakeForm(**{**form, "summary": "Bikes again",
                          "people": [PersonEntry(role="witness", full_name="Sam Hill")]})  # fmt: skip
    saved = intake.save(store, again, attach_to=first.case_id, now=now)
    combos = [e for e in _since(store, before) if e.kind == "combination"]
    assert len(combos) == 1
    assert combos[0].record_ids == [str(first.case_id)]
    assert combos[0].details["contact"] == str(saved.contact_id)
    assert len(combos[0].details["persons"]) == 1
    # a new case is no combination
    before = _last_id(store)
    intake.save(store, IntakeForm(**form), now=now)
    assert not [e for e in _since(store, before) if e.kind == "combination"]


# --- append-only and tamper-evident ---------------------------------------------------------


def test_update_and_delete_through_raw_sqlite_fail(store, case):
    con = database.connect(store.path)
    with pytest.raises(errors.IntegrityError, match="append-only"):
        con.execute("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 1")
    with pytest.raises(errors.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    con.close()
    with store.read() as s:
        assert audit.verify(s).ok


def _tamper(store, *sql: str) -> None:
    con = database.connect(store.path)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")
    for statement in sql:
        con.execute(statement)
    con.commit()
    con.close()


@pytest.mark.parametrize("column, value", [
    ("reason", "'nothing to see'"), ("user", "'mallory'"), ("kind", "'erasure'"),
    ("at", "'2020-01-01 00:00:00.000000'"), ("record_ids", "'[]'"),
    ("details", "'{\"persons\": []}'"), ("station_id", "NULL"),
])  # fmt: skip
def test_editing_any_field_of_an_entry_is_reported_at_that_entry(store, case, column, value):
    casedetail.load(store, case)
    target = _last_id(store) - 1 if column != "station_id" else _last_id(store)
    _tamper(store, f'UPDATE audit_log SET "{column}" = {value} WHERE id = {target}')
    with store.read() as s:
        check = audit.verify(s)
        assert audit.verify_chain(s) == target
    assert not check.ok and check.first_broken == target
    assert f"entry {target:,}" in check.problem and "changed" in check.problem


def test_one_byte_changed_in_the_file_is_detected(store, case):
    casedetail.load(store, case)
    con = database.connect(store.path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit_log'").fetchone()[0]
    page_size = int(con.execute("PRAGMA page_size").fetchone()[0])
    con.close()
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()
    data = bytearray(store.path.read_bytes())
    at = (root - 1) * page_size + page_size // 2  # a byte inside the log's (only) page
    data[at] ^= 0x01
    store.path.write_bytes(bytes(data))
    check = audit_query.verify(store)
    assert not check.ok and check.first_broken is not None
    assert "damaged or was changed outside hubapp" in check.problem or "changed" in check.problem


def test_an_entry_removed_from_the_middle_breaks_the_chain_after_it(store, case):
    casedetail.load(store, case)
    newest = _last_id(store)
    _tamper(store, f"DELETE FROM audit_log WHERE id = {newest - 1}")
    with store.read() as s:
        check = audit.verify(s)
    assert check.first_broken == newest and "does not follow" in check.problem


def test_removing_the_newest_entries_is_detected_by_the_anchor(store, case):
    casedetail.load(store, case)
    casedetail.load(store, case)
    newest = _last_id(store)
    _tamper(store, f"DELETE FROM audit_log WHERE id >= {newest - 1}")
    with store.read() as s:
        check = audit.verify(s)
    assert not check.ok and check.first_broken == newest - 1
    assert "newest audit entries were removed" in check.problem
    assert f"entry {newest:,} had been written" in check.problem


def test_the_anchor_follows_every_write_and_an_intact_log_verifies(store, case):
    casedetail.load(store, case)
    with store.read() as s:
        check = audit.verify(s)
        anchor = json.loads(s.connection().exec_driver_sql(
            "SELECT value FROM local_setting WHERE key = 'audit_anchor'").scalar())  # fmt: skip
        newest = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert check.ok and check.anchored and check.checked == newest.id
    # the newest entry, how many were written, and a seal (hubapp.store.audit, "the anchor")
    assert {k: anchor[k] for k in ("id", "hash", "count", "break")} == {
        "id": newest.id, "hash": newest.hash, "count": newest.id, "break": None}  # fmt: skip
    assert len(anchor["mac"]) == 64 and check.head == newest.hash


def test_verifying_reports_progress_and_can_be_cancelled(store, case, monkeypatch):
    for _ in range(5):
        casedetail.load(store, case)
    monkeypatch.setattr(audit, "VERIFY_BATCH", 3)
    seen = []
    with store.read() as s:
        done = audit.verify(s, lambda f, m: seen.append(f) or True)
        stopped = audit.verify(s, lambda f, m: False)
    assert done.ok and seen == sorted(seen) and seen[-1] == 1.0
    assert stopped.cancelled and not stopped.ok and stopped.checked == 3


# --- query and export ------------------------------------------------------------------------


def test_filters_by_kind_user_record_reference_text_and_time(store, case, tmp_path):
    casedetail.load(store, case)
    store.user = "akhan"
    caseview.load(store, case)
    person = sorted(_people(store, case))[0]
    newest = audit_query.page(store, AuditFilter())
    assert [r.id for r in newest] == sorted((r.id for r in newest), reverse=True)
    by_kind = audit_query.page(store, AuditFilter(kind="consultation"))
    assert len(by_kind) == 2 and {r.kind for r in by_kind} == {"consultation"}
    assert [r.user for r in audit_query.page(store, AuditFilter(user="AKHAN"))] == ["akhan"]
    about_ref = audit_query.page(store, AuditFilter(record="car-2026-0042"))
    about_id = audit_query.page(store, AuditFilter(record=str(case)))
    assert [r.id for r in about_ref] == [r.id for r in about_id]
    assert {"consultation", "collection"} <= {r.kind for r in about_ref}
    assert len(audit_query.page(store, AuditFilter(record=person, kind="consultation"))) == 2
    assert audit_query.page(store, AuditFilter(text="opened case"))[0].reason == "case opened"
    assert audit_query.page(store, AuditFilter(text="nothing like it")) == []
    since, until = audit_query.day_range(date(2000, 1, 1), date(2000, 1, 2))
    assert audit_query.page(store, AuditFilter(since=since, until=until)) == []
    since, until = audit_query.day_range(date.today(), date.today())
    assert len(audit_query.page(store, AuditFilter(since=since, until=until), limit=5)) == 5
    with pytest.raises(StoreError, match="neither a case reference"):
        audit_query.page(store, AuditFilter(record="NOPE-1"))
    with pytest.raises(StoreError, match="kinds are"):
        audit_query.page(store, AuditFilter(kind="peeking"))


def test_pages_follow_on_by_id_without_gaps_or_repeats(store, case):
    for _ in range(7):
        casedetail.load(store, case)
    f = AuditFilter(kind="consultation")
    first = audit_query.page(store, f, limit=3)
    second = audit_query.page(store, f, before=first[-1].id, limit=3)
    third = audit_query.page(store, f, before=second[-1].id, limit=3)
    ids = [r.id for r in first + second + third]
    assert len(ids) == 7 == len(set(ids)) and ids == sorted(ids, reverse=True)


def test_csv_export_is_private_formula_safe_and_itself_a_disclosure(store, case, tmp_path):
    with store.write(reason='=HYPERLINK("http://evil")') as s:
        audit.record(s, audit.Kind.CONSULTATION, "case_", [str(case)])
    out = tmp_path / "out"
    out.mkdir()
    target = out / "audit.csv"
    before = _last_id(store)
    n = audit_query.export(store, target, "csv")
    assert n == before
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "id" and len(rows) == n + 1
    assert rows[-1][8] == '\'=HYPERLINK("http://evil")'
    if os.name == "posix":
        assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in out.iterdir()] == ["audit.csv"]  # no temporary file left
    [entry] = _since(store, before)
    assert (entry.kind, entry.entity) == ("disclosure", "audit_log")
    assert entry.details["file"] == str(target) and entry.details["rows"] == n
    assert (entry.details["first_id"], entry.details["last_id"]) == (1, before)


def test_json_export_keeps_the_text_and_the_filter(store, case, tmp_path):
    casedetail.load(store, case)
    target = tmp_path / "audit.json"
    n = audit_query.export(store, target, "json", AuditFilter(kind="consultation"))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert n == 1 and data["filter"] == {"kind": "consultation"}
    [entry] = data["entries"]
    assert entry["record_ids"] == [str(case)] and entry["reason"] == "case opened"
    assert entry["at"].endswith("Z") and entry["station"] == "Carlisle Civic Centre"


def test_a_cancelled_export_writes_nothing_and_records_nothing(store, case, tmp_path):
    before = _last_id(store)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportCancelled):
        audit_query.export(store, out / "a.csv", "csv", progress=lambda f, m: False)
    assert list(out.iterdir()) == [] and _last_id(store) == before
    with pytest.raises(StoreError, match="choose csv or json"):
        audit_query.export(store, tmp_path / "a.xlsx", "xlsx")


def test_entries_with_any_text_verify_by_either_way_of_hashing(store, case):
    store.user = "Zoë O'Brien"
    with store.write(reason='Łukasz said "hello" \\ 🙂') as s:
        audit.record(s, audit.Kind.DISCLOSURE, "case_", [str(case), "CAR-2026-0042"],
                     {"to": "Señora Núñez", "nested": {"b": [1, 2.5, None], "a": True}})  # fmt: skip
    with store.write(reason="") as s:
        audit.record(s, audit.Kind.CONSULTATION, "case_", [])
    with store.read() as s:
        assert audit.verify(s).ok
        stored = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)).all()
    assert stored[1].details["to"] == "Señora Núñez" and stored[1].user == "Zoë O'Brien"
    # each entry's hash (the reference data's have no station yet), recomputed slowly from
    # its fields and quickly by hand, is the stored one
    assert all(audit._stored_hash(r) == r[10] for r in _raw(store))
    assert all(a == r[10] for a, r in zip(audit._fast_hashes(_raw(store)), _raw(store),
                                          strict=True))  # fmt: skip


def _raw(store) -> list[tuple]:
    with store.read() as s:
        return (
            s.connection()
            .exec_driver_sql(
                'SELECT id, at, "user", station_id, kind, entity, record_ids, details, reason, '
                "prev_hash, hash FROM audit_log ORDER BY id"
            )
            .fetchall()
        )
