"""Subject access: everything held about one person, with everyone else's details taken out.
Two people on one case; the export of one must not hold the other's name, phone, e-mail or
address anywhere (JSON, CSV files in the zip, audit details)."""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from datetime import date, datetime

import pytest
from casework import agency_id, hub_id, new_case
from sqlalchemy import select

from hubapp.store.admin import audit_query, subject_access
from hubapp.store.admin.audit_query import AuditFilter
from hubapp.store.casework import casedetail
from hubapp.store.schema import (
    Action,
    AuditEntry,
    CasePerson,
    Channel,
    Contact,
    Intervention,
    InterventionType,
    Meeting,
    MeetingDecision,
    Note,
    Person,
    RiskAssessment,
)

SUBJECT = "Margaret Thistlewood"
OTHER = "Łukasz Nowak"
OTHER_PHONE = "07700 900999"
OTHER_EMAIL = "lukasz.nowak@example.org"
OTHER_ADDRESS = "12 Abbey Street, Carlisle CA3 8TT"
OTHER_SECRETS = (OTHER, "Nowak", "900999", "900 999", OTHER_EMAIL, "Abbey Street", "CA3 8TT")


@pytest.fixture
def seeded(store):
    case = new_case(store, "CAR-2026-0042", summary=f"{OTHER} throwing stones at {SUBJECT}",
                    details=f"{OTHER} lives at {OTHER_ADDRESS}, phone {OTHER_PHONE}.")  # fmt: skip
    unrelated = new_case(store, "CAR-2026-0050", summary="Fly-tipping")
    police = agency_id(store, "POLICE")
    hub = hub_id(store, "CAR")
    with store.write(reason="test data") as s:
        subject = Person(id=uuid.uuid4(), full_name=SUBJECT, phone="01228 123456",
                         email="m.t@example.org", address="7 Mill Lane, Carlisle CA2 5XY",
                         date_of_birth=date(1950, 4, 2))  # fmt: skip
        other = Person(id=uuid.uuid4(), full_name=OTHER, phone=OTHER_PHONE, email=OTHER_EMAIL,
                       address=OTHER_ADDRESS)  # fmt: skip
        s.add_all([subject, other])
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=subject.id, role="victim"))
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=other.id,
                         role="alleged_perpetrator"))  # fmt: skip
        s.add(Contact(id=uuid.uuid4(), case_id=case,
                      channel_id=s.scalar(select(Channel.id).limit(1)),
                      received_at=datetime(2026, 3, 1, 9), reporter_person_id=other.id,
                      summary=f"Call from {OTHER} ({OTHER_EMAIL}) about {SUBJECT}"))  # fmt: skip
        s.add(Note(id=uuid.uuid4(), case_id=case, author="PC Amy Dunmore", agency_id=police,
                   body=f"Spoke to {OTHER} on {OTHER_PHONE}; {SUBJECT} is scared"))  # fmt: skip
        s.add(Note(id=uuid.uuid4(), case_id=unrelated, author="PCSO Reed", agency_id=police,
                   body="Unrelated note about the tip"))  # fmt: skip
        s.add(Action(id=uuid.uuid4(), case_id=case, agency_id=police, owner="PC Amy Dunmore",
                     description=f"Warn {OTHER} at {OTHER_ADDRESS}"))  # fmt: skip
        itype = s.scalar(select(InterventionType.id).limit(1))
        s.add(Intervention(id=uuid.uuid4(), case_id=case, person_id=other.id, agency_id=police,
                           intervention_type_id=itype, issued_on=date(2026, 4, 1),
                           conditions="Not to contact the victim"))  # fmt: skip
        s.add(RiskAssessment(id=uuid.uuid4(), case_id=case, person_id=subject.id,
                             answers={"repeat": "yes"}, score=7, level="high"))  # fmt: skip
        meeting = Meeting(id=uuid.uuid4(), hub_id=hub, meets_on=date(2026, 5, 1))
        s.add(meeting)
        s.flush()
        s.add(MeetingDecision(id=uuid.uuid4(), meeting_id=meeting.id, case_id=case,
                              text=f"Housing to visit {SUBJECT}; police to see {OTHER}"))  # fmt: skip
        s.add(MeetingDecision(id=uuid.uuid4(), meeting_id=meeting.id, case_id=None,
                              text="General: more patrols in the park"))  # fmt: skip
    casedetail.load(store, case)  # a consultation naming both people
    return {"case": case, "subject": subject.id, "other": other.id}


def test_everything_about_the_person_and_nothing_about_the_other(store, seeded):
    data = subject_access.gather(store, seeded["subject"])
    assert data["person"]["full_name"] == SUBJECT and data["person"]["phone"] == "01228 123456"
    [case] = data["cases"]
    assert case["reference"] == "CAR-2026-0042" and case["role"] == "victim"
    assert len(data["contacts"]) == 1 and data["contacts"][0]["reporter"] == "[another person]"
    assert [n["text"] for n in data["notes"]] == [
        "Spoke to [another person] on [phone removed]; Margaret Thistlewood is scared"
    ]
    assert len(data["actions"]) == 1 and "[another person]" in data["actions"][0]["description"]
    assert data["interventions"] == []  # the tools and powers used against someone else
    assert [a["level"] for a in data["risk_assessments"]] == ["high"]
    assert [d["text"] for d in data["meeting_decisions"]] == [
        "Housing to visit Margaret Thistlewood; police to see [another person]"
    ]
    kinds = {e["kind"] for e in data["audit"]}
    assert {"collection", "consultation"} <= kinds
    consultation = next(e for e in data["audit"] if e["kind"] == "consultation")
    assert sorted(consultation["details"]["persons"]) == sorted(
        [str(seeded["subject"]), "[another person]"]
    )
    text = json.dumps(data, ensure_ascii=False)
    for secret in OTHER_SECRETS + (str(seeded["other"]),):
        assert secret not in text, secret
    assert "Unrelated note" not in text


def test_the_other_persons_export_leaves_out_the_first(store, seeded):
    data = subject_access.gather(store, seeded["other"])
    text = json.dumps(data, ensure_ascii=False)
    assert data["cases"][0]["role"] == "alleged_perpetrator"
    assert len(data["interventions"]) == 1 and data["contacts"][0]["reporter"] == "this person"
    for secret in (SUBJECT, "Thistlewood", "01228 123456", "m.t@example.org", "Mill Lane",
                   str(seeded["subject"])):  # fmt: skip
        assert secret not in text, secret


def test_zip_is_private_holds_csv_for_each_part_and_is_a_disclosure(store, seeded, tmp_path):
    target = tmp_path / "out" / "sar.zip"
    target.parent.mkdir()
    with store.read() as s:
        before = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    assert subject_access.write(store, seeded["subject"], target) == target
    if os.name == "posix":
        assert oct(target.stat().st_mode & 0o777) == "0o600"
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as z:
        names = z.namelist()
        assert {"README.txt", "subject.json", "person.csv", "notes.csv", "audit.csv",
                "disclosures.csv"} <= set(names)  # fmt: skip
        everything = "".join(z.read(n).decode("utf-8-sig") for n in names)
        assert SUBJECT in z.read("person.csv").decode("utf-8-sig")
    for secret in OTHER_SECRETS:
        assert secret not in everything, secret
    with store.read() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.id > before))
    assert (entry.kind, entry.entity) == ("disclosure", "person")
    assert entry.record_ids == [str(seeded["subject"])] and entry.details["file"] == str(target)
    # the next export lists the first among the disclosures
    data = subject_access.gather(store, seeded["subject"])
    assert [d["what"] for d in data["disclosures"]] == ["subject_access"]
    assert audit_query.page(store, AuditFilter(record=str(seeded["subject"]),
                                               kind="disclosure"))  # fmt: skip


def test_json_keeps_text_exactly(store, seeded, tmp_path):
    target = subject_access.write(store, seeded["subject"], tmp_path / "sar.json")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["marking"] == "OFFICIAL-SENSITIVE" and data["person"]["full_name"] == SUBJECT


def test_finding_a_person_by_name_or_id_and_ambiguous_names(store, seeded):
    assert subject_access.find_person(store, "  margaret   THISTLEWOOD ") == seeded["subject"]
    assert subject_access.find_person(store, str(seeded["other"])) == seeded["other"]
    with pytest.raises(subject_access.PersonNotFound, match="No one called"):
        subject_access.find_person(store, "Nobody Atall")
    with store.write() as s:
        s.add(Person(id=uuid.uuid4(), full_name=SUBJECT))
    with pytest.raises(subject_access.PersonNotFound) as caught:
        subject_access.find_person(store, SUBJECT)
    message = str(caught.value)
    assert message.startswith(f"2 people are called '{SUBJECT}'")
    assert str(seeded["subject"]) in message and "CAR-2026-0042 (victim)" in message
