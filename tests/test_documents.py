"""Printed documents, read back as a person would: the text of the PDF (pypdf), its fonts and
metadata, the file on disk and the audit log. Real SQLite, real reportlab, no mocks."""

from __future__ import annotations

import io
import os
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from casework import agency_id, hub_id, new_case
from pypdf import PdfReader
from sqlalchemy import select

from hubapp.documents import printing
from hubapp.documents.printing import DocumentCancelled, DocumentError
from hubapp.domain import redaction as profiles
from hubapp.store import setup
from hubapp.store.casework import meetings
from hubapp.store.database import open_store
from hubapp.store.schema import (
    Action,
    Assignment,
    AuditEntry,
    CasePerson,
    CaseStatusChange,
    Channel,
    Contact,
    Intervention,
    InterventionType,
    Note,
    Person,
    SaraPlan,
)

TODAY = date(2026, 6, 1)
VICTIM = "Margaret Thistlewood"
PERPETRATOR = "Łukasz Nowak"
WITNESS = "Nguyễn Văn An"
REPORTER = "Zoë Hart"
LOCKED = "Ivy Quennell"
PHONE = "07700 900123"
EMAIL = "m.thistlewood@example.org"
ADDRESS = "7 Mill Lane, Carlisle CA2 5XY"
HOSTILE = 'Said <b>not bold</b> & <img src="/etc/passwd"/> then left'
OWN_NOTE = "Internal: intelligence log 4471 checked"
SHARED_NOTE = f"Visited {VICTIM} with housing"
NAMES = (VICTIM, PERPETRATOR, WITNESS, REPORTER, LOCKED)


def _person(s, name, role, case_id, *, locked=False, **extra) -> uuid.UUID:
    p = Person(id=uuid.uuid4(), full_name=name, locked_down=locked, **extra)
    s.add(p)
    s.flush()
    s.add(CasePerson(id=uuid.uuid4(), case_id=case_id, person_id=p.id, role=role))
    return p.id


def _seed(store) -> dict:
    """Two Carlisle cases full of personal data, one of them with everything a summary shows."""
    case = new_case(
        store, "CAR-2026-0042", summary=f"Youths threatening {VICTIM} near her home",
        details=f"{VICTIM} reports stones thrown at her windows. {HOSTILE}",
        location="14 Abbey Road", town="Carlisle", postcode="CA1 1AA", risk_level="high",
        status="in_progress", opened_on=date(2026, 3, 1),
    )  # fmt: skip
    other = new_case(store, "CAR-2026-0043", summary="Fly-tipping behind the shops",
                     location="Bitts Park", town="Carlisle", opened_on=date(2026, 1, 5))  # fmt: skip
    police, council = agency_id(store, "POLICE"), agency_id(store, "CUMBERLAND")
    with store.write(reason="test data") as s:
        _person(s, VICTIM, "victim", case, phone=PHONE, email=EMAIL, address=ADDRESS,
                date_of_birth=date(1950, 4, 2))  # fmt: skip
        perp = _person(s, PERPETRATOR, "alleged_perpetrator", case, phone="07700 900999")
        _person(s, WITNESS, "witness", case)
        reporter = _person(s, REPORTER, "reporter", case)
        _person(s, LOCKED, "witness", case, locked=True, phone="07700 900555")
        for agency, role in ((police, "lead"), (council, "support")):
            s.add(Assignment(id=uuid.uuid4(), case_id=case, agency_id=agency, role=role))
            s.add(Assignment(id=uuid.uuid4(), case_id=other, agency_id=agency, role=role))
        s.add_all([
            Action(id=uuid.uuid4(), case_id=case, agency_id=police, owner="PC Amy Dunmore",
                   description=f"Visit {VICTIM} & fit a camera", due_on=TODAY - timedelta(3)),
            Action(id=uuid.uuid4(), case_id=case, agency_id=council, owner="ASB Officer Bell",
                   description="Send <b>warning</b> letter", due_on=TODAY + timedelta(3)),
            Action(id=uuid.uuid4(), case_id=other, agency_id=council, owner="Streetscene",
                   description="Clear the waste", due_on=TODAY + timedelta(30)),
            Action(id=uuid.uuid4(), case_id=other, agency_id=police, owner="PCSO Reed",
                   description="Finished patrols", status="done", completed_on=TODAY),
        ])  # fmt: skip
        s.add(Note(id=uuid.uuid4(), case_id=case, author="PC Amy Dunmore", agency_id=police,
                   visibility="own_agency", body=OWN_NOTE))  # fmt: skip
        s.add(Note(id=uuid.uuid4(), case_id=case, author="Housing Officer Lee",
                   agency_id=council, visibility="shared", body=SHARED_NOTE))  # fmt: skip
        s.add(Contact(id=uuid.uuid4(), case_id=case,
                      channel_id=s.scalar(select(Channel.id).limit(1)),
                      received_at=datetime(2026, 3, 1, 9), reporter_person_id=reporter,
                      summary=f"{REPORTER} says {VICTIM} is scared"))  # fmt: skip
        s.add(CaseStatusChange(id=uuid.uuid4(), case_id=case, from_status="new",
                               to_status="in_progress", changed_by="Sgt Dunn",
                               reason="Agreed at triage"))  # fmt: skip
        s.add(SaraPlan(id=uuid.uuid4(), case_id=case, objective="Stop the stone throwing",
                       pat_offender=f"{PERPETRATOR} and friends"))  # fmt: skip
        s.add(Intervention(id=uuid.uuid4(), case_id=case, person_id=perp, agency_id=council,
                           intervention_type_id=s.scalar(select(InterventionType.id).limit(1)),
                           issued_on=date(2026, 4, 1), conditions="Not to enter Abbey Road"))  # fmt: skip
    return {"case": case, "other": other}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("docs") / "hub.sqlite3"
    store = open_store(path)
    setup.configure(store, "Carlisle", "Carlisle Civic Centre")
    ids = _seed(store)
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), TODAY + timedelta(9),
                                    starts_at="10:00", place="Civic Centre", chair="Insp. Baird")  # fmt: skip
    meetings.add_agenda_item(store, meeting, ids["case"], "priority_person",
                             f"{VICTIM} is a repeat victim")  # fmt: skip
    item = meetings.add_agenda_item(store, meeting, ids["other"], "priority_area", "Waste")
    meetings.remove_agenda_item(store, item, "Cleared already")
    meetings.set_attendance(store, meeting, agency_id(store, "POLICE"), "present",
                            "PC Zoë Adams, PCSO Jędrzej Wiśniewski")  # fmt: skip
    meetings.record_decision(store, meeting, f"Offer {VICTIM} a target-hardening visit",
                             ids["case"])  # fmt: skip
    ids["meeting"] = meeting
    yield store, ids
    store.close()


_DOCS: dict = {}


def doc(seeded, kind: str, profile: str) -> printing.Document:
    """Each document made once per module (they are deterministic enough to share)."""
    store, _ = seeded
    key = (kind, profile)
    if key not in _DOCS:
        if kind == "case":
            _DOCS[key] = printing.case_summary(store, "CAR-2026-0042", profile, today=TODAY)
        elif kind == "pack":
            _DOCS[key] = printing.meeting_pack(store, "Carlisle", profile, today=TODAY)
        else:
            _DOCS[key] = printing.action_sheet(store, "Cumberland Council", profile,
                                               hub="CAR", today=TODAY)  # fmt: skip
    return _DOCS[key]


def pages(document: printing.Document) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(document.pdf)).pages]


def text(document: printing.Document) -> str:
    """All the text, with line breaks and runs of spaces made single spaces."""
    return " ".join(" ".join(pages(document)).split())


KINDS = ("case", "pack", "actions")
PROFILES = ("police", "partner", "public")


# --- every page ---------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_page_has_the_marking_top_and_bottom_and_page_x_of_y(seeded, kind, profile):
    document = doc(seeded, kind, profile)
    marking = "OFFICIAL" if profile == "public" else "OFFICIAL-SENSITIVE"
    reader = PdfReader(io.BytesIO(document.pdf))
    total = len(reader.pages)
    assert total == document.pages
    for number, page in enumerate(reader.pages, start=1):
        found: list[tuple[str, float]] = []

        def visit(t, cm, tm, *_, found=found):
            found.append((t.strip(), tm[5] + cm[5]))

        page.extract_text(visitor_text=visit)
        height = float(page.mediabox.height)
        marks = [y for t, y in found if t == marking]
        assert any(y > height - 40 for y in marks), f"page {number}: no marking at the top"
        assert any(y < 40 for y in marks), f"page {number}: no marking at the bottom"
        assert f"Page {number} of {total}" in [t for t, _ in found]
        footer = " ".join(t for t, y in found if 30 < y < 50)
        assert "Printed by" in footer and "Carlisle Civic Centre" in footer
        assert re.search(r"on \d\d/\d\d/\d{4} \d\d:\d\d", footer)
        assert f"{profile.capitalize()} profile" in footer
    if profile == "public":  # OFFICIAL-SENSITIVE nowhere in a public document
        assert "SENSITIVE" not in text(document)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_metadata_carries_the_marking(seeded, profile):
    meta = PdfReader(io.BytesIO(doc(seeded, "case", profile).pdf)).metadata
    marking = "OFFICIAL" if profile == "public" else "OFFICIAL-SENSITIVE"
    for value in (meta.title, meta.subject, meta.keywords):
        assert value.startswith(marking) and (profile == "public") == ("SENSITIVE" not in value)
    assert "CAR-2026-0042" in meta.title and profile in meta.subject


def test_the_font_is_embedded_and_every_name_prints_intact(seeded):
    document = doc(seeded, "case", "police")
    reader = PdfReader(io.BytesIO(document.pdf))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in font["/FontDescriptor"]
    assert fonts and all(fonts.values()), fonts  # no unembedded (standard) font at all
    assert all("DejaVuSans" in name for name in fonts)
    all_text = text(document)
    for name in (PERPETRATOR, WITNESS, REPORTER, VICTIM):
        assert name in all_text
    # the pack's attendance names (partner profile: staff are named)
    assert "PC Zoë Adams, PCSO Jędrzej Wiśniewski" in text(doc(seeded, "pack", "partner"))


# --- user text is text --------------------------------------------------------------------


def test_markup_typed_by_users_prints_literally_and_loads_nothing(seeded):
    document = doc(seeded, "case", "police")
    all_text = text(document)
    assert 'Said <b>not bold</b> & <img src="/etc/passwd"/> then left' in all_text
    assert "Send <b>warning</b> letter" in all_text
    assert "& fit a camera" in all_text
    reader = PdfReader(io.BytesIO(document.pdf))
    for page in reader.pages:
        assert "/XObject" not in page["/Resources"], "an image was pulled into the page"
    assert b"/Subtype /Image" not in document.pdf


# --- redaction ----------------------------------------------------------------------------


def test_police_profile_shows_everything(seeded):
    all_text = text(doc(seeded, "case", "police"))
    for value in (VICTIM, PHONE, EMAIL, ADDRESS, OWN_NOTE, SHARED_NOTE, "born 02/04/1950"):
        assert value in all_text, value
    # a locked-down person: the name, never their details
    assert LOCKED in all_text and "07700 900555" not in all_text


@pytest.mark.parametrize("kind", KINDS)
def test_partner_profile_shows_initials_and_no_contact_details(seeded, kind):
    all_text = text(doc(seeded, kind, "partner"))
    for name in NAMES:
        for word in name.split():
            if len(word) > 3:
                assert word not in all_text, f"{word} printed in the partner {kind}"
    for value in (PHONE, "07700 900555", EMAIL, "Mill Lane", "born", OWN_NOTE):
        assert value not in all_text, value
    if kind == "case":
        assert "Victim M. T." in all_text and "Alleged perpetrator Ł. N." in all_text
        assert "Witness details restricted" in all_text  # the locked-down person: no initials
        assert "Visited M. T. with housing" in all_text  # a shared note, name replaced
    if kind == "actions":
        assert "Send <b>warning</b> letter" in all_text


@pytest.mark.parametrize("kind", KINDS)
def test_public_profile_has_no_personal_data_at_all(seeded, kind):
    all_text = text(doc(seeded, kind, "public"))
    for name in NAMES:
        for word in name.split():
            if len(word) > 3:
                assert word not in all_text, f"{word} printed in the public {kind}"
    for value in (PHONE, EMAIL, "Mill Lane", "14 Abbey Road", "CA1 1AA", "M. T.", "Ł. N.", OWN_NOTE,
                  "stones", "Youths threatening", "PC Amy Dunmore", "Insp. Baird", "Zoë",
                  "Not to enter", "is a repeat victim", "target-hardening", "High",
                  "Repeats across cases"):  # fmt: skip
        assert value not in all_text, value
    assert "CAR-2026-0042" in all_text
    if kind == "case":
        assert "Abbey Road, Carlisle CA1" in all_text  # the street and district only
        assert "5 people are linked to this case" in all_text


def test_the_default_profile_is_public(seeded):
    store, _ = seeded
    document = printing.case_summary(store, "CAR-2026-0042", today=TODAY)
    assert document.profile == profiles.Profile.PUBLIC and document.marking == "OFFICIAL"
    assert VICTIM.split()[1] not in text(document)


def test_profile_helpers():
    assert profiles.initials("Nguyễn Văn An") == "N. V. A."
    assert profiles.general_place("Flat 3, 12a Abbey Road, Barrow LA14 1XX", "Barrow") == (
        "Abbey Road, Barrow LA14"
    )
    assert (
        profiles.general_place("outside 14 Dalton Road", "Barrow") == "outside Dalton Road, Barrow"
    )
    assert profiles.scrub("Met JANE  smith today", [("Jane Smith", False)]) == "Met J. S. today"
    assert profiles.scrub("Met Jane Smith", [("Jane Smith", True)]) == "Met [restricted]"
    with pytest.raises(ValueError, match="not a redaction profile"):
        profiles.rules("secret")


# --- the meeting pack ---------------------------------------------------------------------


def test_pack_for_the_next_meeting_follows_its_agenda(seeded):
    store, ids = seeded
    document = doc(seeded, "pack", "partner")
    assert document.meeting_id == ids["meeting"]
    assert document.case_references == ["CAR-2026-0042"]  # the removed item is not a case
    all_text = text(document)
    assert "Meeting pack for 10/06/2026 at 10:00" in all_text
    assert "Priority person" in all_text and "M. T. is a repeat victim" in all_text
    assert "Taken off the agenda" in all_text and "Cleared already" in all_text
    assert "Offer M. T. a target-hardening visit" in all_text
    for heading in ("Open cases by category", "Cases opened and closed, last 12 months",
                    "Overdue actions by agency", "Open actions by agency"):  # fmt: skip
        assert heading in all_text
    public = text(doc(seeded, "pack", "public"))
    assert "Decisions recorded" not in public and "Cleared already" not in public


def test_pack_without_a_meeting_takes_open_cases_high_risk_first_then_oldest(store):
    new_case(store, "CAR-2026-0001", opened_on=date(2026, 1, 1))
    new_case(store, "CAR-2026-0002", opened_on=date(2026, 2, 1), risk_level="high")
    new_case(store, "CAR-2026-0003", opened_on=date(2025, 12, 1), risk_level="medium")
    new_case(store, "CAR-2026-0004", opened_on=date(2025, 11, 1), status="closed")
    new_case(store, "CAR-2026-0005", opened_on=date(2025, 10, 1))
    new_case(store, "SLK-2026-0001", hub="SLK", risk_level="high")
    seen = []
    document = printing.meeting_pack(store, "CAR", "partner", limit=3, today=TODAY,
                                     progress=lambda f, m: seen.append(f))  # fmt: skip
    assert document.meeting_id is None
    assert document.case_references == ["CAR-2026-0002", "CAR-2026-0003", "CAR-2026-0005"]
    assert "open cases in priority order" in text(document)
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0


def test_a_pack_for_a_date_without_a_meeting_is_refused(seeded):
    store, _ = seeded
    with pytest.raises(DocumentError, match="no meeting on 02/06/2026"):
        printing.meeting_pack(store, "Carlisle", day=date(2026, 6, 2), today=TODAY)


def test_cancelling_a_pack_writes_nothing(seeded, tmp_path):
    store, _ = seeded
    with pytest.raises(DocumentCancelled):
        printing.meeting_pack(store, "Carlisle", "police", today=TODAY,
                              progress=lambda f, m: f < 0.6)  # fmt: skip


# --- the agency action sheet --------------------------------------------------------------


def test_action_sheet_lists_the_agencys_open_actions_with_rag(seeded):
    all_text = text(doc(seeded, "actions", "police"))
    assert "Open actions: Cumberland Council" in all_text
    assert "Send <b>warning</b> letter" in all_text and "Clear the waste" in all_text
    assert "Finished patrols" not in all_text  # another agency's, and done
    assert "fit a camera" not in all_text  # the police's action
    # most urgent first, each with its label as well as its colour
    assert all_text.index("Due soon") < all_text.index("On track")
    assert "1 due soon, 1 on track" in all_text


# --- saving and the audit log -------------------------------------------------------------


def test_saving_is_private_atomic_and_audited_as_a_disclosure(seeded, tmp_path):
    store, ids = seeded
    document = doc(seeded, "pack", "partner")
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"old")
    with store.read() as s:
        last = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    assert printing.save(store, document, target) == target
    assert target.read_bytes() == document.pdf
    if os.name == "posix":
        assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]  # no temporary file left
    with store.read() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.id > last))
    assert entry.kind == "disclosure" and entry.user == store.user
    assert entry.record_ids == [str(ids["case"])]
    assert entry.details["profile"] == "partner" and entry.details["document"] == "meeting_pack"
    assert entry.details["meeting_id"] == str(ids["meeting"])
    assert entry.details["to"] == str(target) and entry.details["cases"] == ["CAR-2026-0042"]


def test_a_failed_save_keeps_the_old_file_and_records_nothing(seeded, tmp_path):
    store, _ = seeded
    with pytest.raises(DocumentError, match="is a folder"):
        printing.save(store, doc(seeded, "case", "partner"), tmp_path)
    with pytest.raises(DocumentError, match="does not exist"):
        printing.save(store, doc(seeded, "case", "partner"), tmp_path / "no" / "x.pdf")
    with store.read() as s:
        assert not s.scalars(
            select(AuditEntry).where(AuditEntry.details["to"].as_string().contains(str(tmp_path)))
        ).first()


def test_printing_to_a_printer_is_recorded_too(seeded):
    store, ids = seeded
    printing.record_disclosure(store, doc(seeded, "case", "police"), "printed", "Front office")
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.kind == "disclosure" and entry.details["how"] == "printed"
    assert entry.details["to"] == "Front office" and entry.details["profile"] == "police"


# --- contact details typed into free text -------------------------------------------------

HOME_PHONE = "01946 123456"
HOME_EMAIL = "ellie.h@example.co.uk"
HOME_ADDRESS = "12 Fell View, Whitehaven CA28 7AB"
TYPED = {
    "note": f"Visited Eleanor Victoria Hutchinson at home. Tel {HOME_PHONE}",
    "details": "Neighbour rang from 07700900321 and +44 (0)7700 900 654; "
    "mail complaints@example.org",
    "contact": f"Caller gave {HOME_EMAIL} and 01946123456",
    "action": "Ring her on (01946) 123456 and visit 12 Fell View",
    "decision": "Send the letter to 12 Fell View, Whitehaven CA28 7AB, or 0044 7700 900777",
}
LEAKS = ("01946", "123456", "07700", "900321", "900 654", "900777", "@example",
         "Fell View", "CA28 7AB")  # fmt: skip


@pytest.fixture
def typed_contact_details(store):
    """A case whose free texts all carry phone numbers, e-mails and a home address."""
    case = new_case(store, "CAR-2026-0077", summary="Noise at the flats", details=TYPED["details"],
                    location="Market Place", town="Whitehaven", postcode="CA28 7JG")  # fmt: skip
    council = agency_id(store, "CUMBERLAND")
    with store.write(reason="test data") as s:
        _person(s, "Eleanor Victoria Hutchinson", "victim", case, phone=HOME_PHONE,
                email=HOME_EMAIL, address=HOME_ADDRESS)  # fmt: skip
        s.add(Assignment(id=uuid.uuid4(), case_id=case, agency_id=council, role="lead"))
        s.add(Note(id=uuid.uuid4(), case_id=case, author="Housing Officer Lee",
                   agency_id=council, visibility="shared", body=TYPED["note"]))  # fmt: skip
        s.add(Contact(id=uuid.uuid4(), case_id=case, channel_id=s.scalar(select(Channel.id)),
                      received_at=datetime(2026, 5, 1, 9), summary=TYPED["contact"]))  # fmt: skip
        s.add(Action(id=uuid.uuid4(), case_id=case, agency_id=council, owner="ASB Officer Bell",
                     description=TYPED["action"], due_on=TODAY + timedelta(3)))  # fmt: skip
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), TODAY + timedelta(2),
                                    starts_at="10:00", place="Civic Centre", chair="Insp. Baird")  # fmt: skip
    meetings.add_agenda_item(store, meeting, case, "priority_person", "Repeat victim")
    meetings.record_decision(store, meeting, TYPED["decision"], case)
    return store


@pytest.mark.parametrize("kind", KINDS)
def test_partner_free_text_loses_phone_numbers_emails_and_home_addresses(
    typed_contact_details, kind
):
    store = typed_contact_details
    if kind == "case":
        document = printing.case_summary(store, "CAR-2026-0077", "partner", today=TODAY)
    elif kind == "pack":
        document = printing.meeting_pack(store, "Carlisle", "partner", today=TODAY)
    else:
        document = printing.action_sheet(store, "Cumberland Council", "partner", hub="CAR",
                                         today=TODAY)  # fmt: skip
    all_text = text(document)
    for leak in LEAKS:
        assert leak not in all_text, f"{leak} printed in the partner {kind}"
    assert "[phone removed]" in all_text
    if kind == "case":
        assert "Visited E. V. H. at home. Tel [phone removed]" in all_text
        assert "Neighbour rang from [phone removed] and [phone removed]; mail [email removed]" \
            in all_text  # fmt: skip
        assert "Caller gave [email removed] and [phone removed]" in all_text
        assert "Market Place, Whitehaven CA28 7JG" in all_text  # the case's own place stays
    if kind in ("case", "actions"):
        assert "Ring her on [phone removed] and visit [address removed]" in all_text
    if kind == "pack":
        assert "Send the letter to [address removed], or [phone removed]" in all_text
    police = text(printing.case_summary(store, "CAR-2026-0077", "police", today=TODAY))
    assert f"Tel {HOME_PHONE}" in police  # the police see what was typed


def test_remove_contact_details_forms():
    remove = profiles.remove_contact_details
    for phone in ("01946 123456", "01946123456", "(01946) 123456", "01946-123-456",
                  "07700 900123", "+44 7700 900123", "+447700900123", "+44 (0)7700 900 123",
                  "0044 7700 900123", "020 7946 0000"):  # fmt: skip
        assert remove(f"Tel: {phone}.") == "Tel: [phone removed].", phone
    assert remove("a.b-c@mail.example.org") == "[email removed]"
    # a recorded number is removed even without its 0; dates and references stay
    assert remove("ring 7700 900123", [("07700 900123", "", "")]) == "ring [phone removed]"
    for keep in ("On 01/02/2026 at 10:30", "Log CAR-2026-0042, ref 123456789", "3 people"):
        assert remove(keep) == keep
    recorded = [("", "", "12 Fell View, Whitehaven CA28 7AB")]
    assert remove("at 12 fell  view; CA28 7AB", recorded) == (
        "at [address removed]; [address removed]"
    )
    assert remove("Seen at 14 Abbey Road, Carlisle CA1 1AA") == "Seen at [address removed]"
    assert remove("Seen at 14 Abbey Road, Carlisle CA1 1AA",
                  keep=["14 Abbey Road, Carlisle CA1 1AA"]) == (
        "Seen at 14 Abbey Road, Carlisle CA1 1AA")  # fmt: skip


# --- the case's places --------------------------------------------------------------------


def test_the_places_follow_the_cases_edited_location(store):
    from hubapp.store.casework import workflow
    from hubapp.store.schema import Case, CasePlace, Place

    case = new_case(store, "CAR-2026-0078", location="14 Abbey Road", town="Carlisle",
                    postcode="CA1 1AA")  # fmt: skip
    with store.write(reason="test data") as s:
        for name, town, postcode in (("14 Abbey Road", "Carlisle", "CA1 1AA"),
                                     ("14 abbey road", "Carlisle", "CA1 1AA")):  # fmt: skip
            place = Place(id=uuid.uuid4(), name=name, town=town, postcode=postcode)
            s.add(place)
            s.flush()
            s.add(CasePlace(id=uuid.uuid4(), case_id=case, place_id=place.id, role="location"))

    def places_section(profile: str) -> str:
        all_text = text(printing.case_summary(store, "CAR-2026-0078", profile, today=TODAY))
        return all_text[all_text.index("Places Role Place") : all_text.index("Agencies and")]

    # the linked place is the case's location: one line, not two
    assert places_section("partner") == (
        "Places Role Place Case location 14 Abbey Road, Carlisle CA1 1AA "
    )
    with store.read() as s:
        version = s.get(Case, case).row_version
    draft = workflow.SummaryDraft(summary="Youths on bikes in Bitts Park", location="Bitts Park",
                                  town="Carlisle", postcode="CA3 9AA")  # fmt: skip
    workflow.save_summary(store, case, version, draft, today=TODAY)
    all_text = text(printing.case_summary(store, "CAR-2026-0078", "partner", today=TODAY))
    assert "Location Bitts Park, Carlisle CA3 9AA" in all_text  # the header
    assert places_section("partner") == (
        "Places Role Place Case location Bitts Park, Carlisle CA3 9AA "
        "Other location 14 Abbey Road, Carlisle CA1 1AA "
    )
    assert places_section("public") == (
        "Places Role Place Case location Bitts Park, Carlisle CA3 "
        "Other location Abbey Road, Carlisle CA1 "
    )


# --- characters the font cannot print -----------------------------------------------------

FACEBOOK = ("Posted on Facebook: 😀 we know where you live 👍🏽 "
            "👨\u200d👩\u200d👧 🇬🇧 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f 🔥")  # fmt: skip


def _missing_glyphs(document: printing.Document) -> set[str]:
    """The characters of the document's text that its embedded font has no glyph for."""
    from reportlab.pdfbase import pdfmetrics

    from hubapp.documents import layout

    layout.register_fonts()
    glyphs = pdfmetrics.getFont(layout.FONT).face.charToGlyph
    return {c for c in text(document) if not c.isspace() and ord(c) not in glyphs}


def test_emoji_print_as_their_names_never_as_boxes(store):
    case = new_case(store, "CAR-2026-0090", summary="Threats on Facebook 😡", details=FACEBOOK)
    with store.write(reason="test data") as s:
        s.add(Note(id=uuid.uuid4(), case_id=case, author="PC Amy Dunmore",
                   agency_id=agency_id(store, "POLICE"), visibility="shared",
                   body="Screenshot kept 📸\ufe0f, keycap 1\ufe0f\u20e3"))  # fmt: skip
    for profile in ("police", "partner"):
        document = printing.case_summary(store, "CAR-2026-0090", profile, today=TODAY)
        all_text = text(document)
        assert "Threats on Facebook [pouting face]" in all_text
        assert ("Posted on Facebook: [grinning face] we know where you live [thumbs up sign, "
                "medium skin tone] [man + woman + girl] [flag GB] [flag of England] [fire]"
                in all_text)  # fmt: skip
        assert "Screenshot kept [camera with flash], keycap [keycap 1]" in all_text
        assert "\u25a1" not in all_text and "\ufffd" not in all_text
        assert _missing_glyphs(document) == set()  # not one character prints as a missing glyph


def test_printable_names_what_the_font_lacks_and_keeps_what_it_has():
    from hubapp.documents.layout import esc, printable

    for kept in ("Zoë Łukasz Nguyễn Văn An – 14 Abbey Road · £5 ❤ →", "tab\tand\nline"):
        assert printable(kept) == kept
    assert printable("Nguye\u0302\u0303n") == "Nguyễn"  # an accent typed apart, composed
    assert printable("😂 not 😢") == "[face with tears of joy] not [crying face]"
    assert printable("ok \u261d\U0001f3fe") == "ok [white up pointing index, medium-dark skin tone]"
    assert printable("\U0001f469\U0001f3fd\u200d\U0001f692") == (
        "[woman + fire engine, medium skin tone]"
    )
    assert printable("漢") == "[cjk unified ideograph-6f22]"
    assert printable("\U0001fae8") in ("[shaking face]", "[character U+1FAE8]")  # newer Unicode
    assert esc("<b>🔥</b>") == "&lt;b&gt;[fire]&lt;/b&gt;"


# --- a heading never ends a page ----------------------------------------------------------

SECTION_HEADINGS = ("What has been reported", "People", "Places", "Agencies and actions",
                    "SARA plan", "Tools and powers", "Recent contacts", "Recent timeline")  # fmt: skip


def _body_lines(document: printing.Document) -> list[list[str]]:
    """Each page's lines of the body (between the header band and the footer), top first."""
    out = []
    for page in PdfReader(io.BytesIO(document.pdf)).pages:
        found: list[tuple[float, str]] = []

        def visit(t, cm, tm, *_, found=found):
            if t.strip():
                found.append((tm[5] + cm[5], t.strip()))

        page.extract_text(visitor_text=visit)
        top = float(page.mediabox.height) - 30 * 72 / 25.4
        out.append([t for y, t in sorted(found, key=lambda f: -f[0]) if 24 * 72 / 25.4 < y <= top])
    return out


def test_a_section_heading_is_never_the_last_line_of_a_page(store):
    """The details grow a line at a time, so that each section heading after them comes to
    the foot of the first page in turn: it must go over with what follows it."""
    moved = set()
    for lines in range(34, 46):
        reference = f"CAR-2026-{lines:04d}"
        case = new_case(store, reference,
                        details="\n".join(f"Line {i} of the report" for i in range(lines)))  # fmt: skip
        with store.write(reason="test data") as s:
            _person(s, VICTIM, "victim", case)
        document = printing.case_summary(store, reference, "police", today=TODAY)
        body = _body_lines(document)
        for number, page in enumerate(body[:-1], start=1):
            assert not page[-1].startswith(SECTION_HEADINGS), (lines, number, page[-1])
        moved |= {page[0] for page in body[1:] if page[0].startswith(SECTION_HEADINGS)}
    assert moved == {"People", "Agencies and actions"}  # the test did reach the page's foot


def test_every_heading_keeps_with_what_follows_it():
    from hubapp.documents.layout import heading

    assert heading("Recent timeline").getKeepWithNext()
    assert heading("Taken off the agenda", 3).getKeepWithNext()


# --- a shortened text says so -------------------------------------------------------------

SHORTENED = "(shortened: the full text is in the case window, {0})"


def test_a_long_details_field_says_it_was_shortened_and_where_the_rest_is(store):
    from hubapp.documents import gather

    details = "Start of the report. " + "More of the same. " * 300 + "THE LAST WORDS"
    assert len(details) > gather.DETAILS_MAX
    new_case(store, "CAR-2026-0091", details=details)
    for profile in ("police", "partner"):
        all_text = text(printing.case_summary(store, "CAR-2026-0091", profile, today=TODAY))
        assert "Start of the report." in all_text and "THE LAST WORDS" not in all_text
        assert "\u2026 " + SHORTENED.format("CAR-2026-0091") in all_text
    public = text(printing.case_summary(store, "CAR-2026-0091", "public", today=TODAY))
    assert "shortened" not in public  # the public profile prints no free text at all


def test_every_shortened_text_says_so(store):
    long = "Word " * 400  # 2,000 characters: over every limit but the details'
    case = new_case(store, "CAR-2026-0092", summary=long, details="Short details")
    police, council = agency_id(store, "POLICE"), agency_id(store, "CUMBERLAND")
    with store.write(reason="test data") as s:
        s.add(Assignment(id=uuid.uuid4(), case_id=case, agency_id=council, role="lead"))
        s.add(Action(id=uuid.uuid4(), case_id=case, agency_id=council, owner="ASB Officer Bell",
                     description=long, due_on=TODAY + timedelta(3)))  # fmt: skip
        s.add(Note(id=uuid.uuid4(), case_id=case, author="PC Amy Dunmore", agency_id=police,
                   visibility="shared", body=long))  # fmt: skip
        s.add(Contact(id=uuid.uuid4(), case_id=case, channel_id=s.scalar(select(Channel.id)),
                      received_at=datetime(2026, 5, 1, 9), summary=long))  # fmt: skip
        s.add(CaseStatusChange(id=uuid.uuid4(), case_id=case, from_status="new",
                               to_status="in_progress", changed_by="Sgt Dunn", reason=long))  # fmt: skip
        s.add(SaraPlan(id=uuid.uuid4(), case_id=case, objective=long))
        s.add(Intervention(id=uuid.uuid4(), case_id=case, agency_id=council,
                           intervention_type_id=s.scalar(select(InterventionType.id).limit(1)),
                           issued_on=date(2026, 4, 1), conditions=long))  # fmt: skip
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), TODAY + timedelta(2))
    meetings.add_agenda_item(store, meeting, case, "priority_person", long)
    meetings.record_decision(store, meeting, long, case)
    note = SHORTENED.format("CAR-2026-0092")
    in_the_meeting = "(shortened: the full text is in the meeting's record on the Meetings page)"

    summary = text(printing.case_summary(store, "CAR-2026-0092", "police", today=TODAY))
    # summary, action, contact, status change, note, SARA objective, conditions
    assert summary.count(note) == 7, summary
    pack = text(printing.meeting_pack(store, "Carlisle", "partner", today=TODAY))
    assert pack.count(in_the_meeting) == 3  # the reason on the cover and the case, the decision
    assert pack.count(note) == 8  # the case's seven, and the action in the agency's list
    sheet = text(printing.action_sheet(store, "Cumberland Council", "police", hub="CAR",
                                       today=TODAY))  # fmt: skip
    assert sheet.count(note) == 1


def test_a_name_at_the_cut_is_replaced_before_the_text_is_cut(store):
    from hubapp.documents import gather

    # the victim's full name straddles the cut: cutting first would print "Margaret Thistl…"
    details = "x" * (gather.DETAILS_MAX - 12) + f" {VICTIM} and more after it"
    case = new_case(store, "CAR-2026-0093", details=details)
    with store.write(reason="test data") as s:
        _person(s, VICTIM, "victim", case)
    all_text = text(printing.case_summary(store, "CAR-2026-0093", "partner", today=TODAY))
    assert "Margaret" not in all_text and "Thistl" not in all_text
    assert "M. T." in all_text and SHORTENED.format("CAR-2026-0093") in all_text


def test_a_chart_says_which_labels_it_shortened_and_which_bars_it_left_out(store):
    from hubapp.documents import charts
    from hubapp.store.schema import Case, Category

    long_name = "Antisocial behaviour – persistent noise from a licensed venue at night"
    case = new_case(store, "CAR-2026-0094")
    with store.write(reason="test data") as s:
        s.get(Category, s.get(Case, case).category_id).name = long_name
        for n in range(charts.BARS_MAX + 2):  # two categories more than the chart draws
            s.add(Category(id=uuid.uuid4(), code=f"extra_{n}", name=f"Extra {n}"))
    with store.read() as s:
        extra = list(s.scalars(select(Category.id).where(Category.code.like("extra_%"))))
    for n, category in enumerate(extra):  # each extra category has one open case or two
        for m in range(2 if n < charts.BARS_MAX - 1 else 1):
            new_case(store, f"CAR-2026-{100 + 2 * n + m:04d}", category_id=category)
    all_text = text(printing.meeting_pack(store, "Carlisle", "public", today=TODAY, limit=1))
    assert f"Shortened in the chart: {long_name}." in all_text
    assert "3 more categories, with 3 open cases in all, are not drawn." in all_text


def test_a_shortened_text_ends_at_a_word():
    from hubapp.documents.gather import _cut

    cut = _cut("The resident describes repeated nuisance at night. " * 3, 40, "the case window")
    assert (
        cut
        == "The resident describes repeated\u2026 (shortened: the full text is in the case window)"
    )
    # one long word: cut where the limit falls
    assert _cut("x" * 100, 40, "there").startswith("x" * 39 + "\u2026")


def test_repeats_are_printed_by_name_for_the_police_and_counted_for_partners(store):
    """Mary Tyson is a victim on two cases with three reports in three months: the case's
    page names her under the police profile; under the partner and public profiles it gives
    the flag alone (counts and dates, no name), and the overview counts her."""
    first = new_case(store, "CAR-2026-0001", risk_level="high")
    second = new_case(store, "CAR-2026-0002")
    with store.write() as s:
        mary = _person(s, "Mary Tyson", "victim", first)
        s.add(CasePerson(case_id=second, person_id=mary, role="victim"))
        channel = s.scalar(select(Channel.id).limit(1))
        for case_id, month in ((first, 2), (first, 3), (second, 4)):
            s.add(Contact(case_id=case_id, channel_id=channel,
                          received_at=datetime(2026, month, 10, 11)))  # fmt: skip
    line = "3 reports from 10/02/2026 to 10/04/2026 (3 or more in 6 months)."
    police = re.sub(r"\s+", " ", text(printing.meeting_pack(store, "CAR", "police", limit=1,
                                                            today=TODAY)))  # fmt: skip
    assert "Repeats across cases" in police
    assert f"Repeat victim – Mary Tyson: {line}" in police
    assert "Repeats among the cases in this pack" in police
    for profile in ("partner", "public"):
        printed = re.sub(r"\s+", " ", text(printing.meeting_pack(store, "CAR", profile, limit=1,
                                                                 today=TODAY)))  # fmt: skip
        assert "Tyson" not in printed
        if profile == "partner":
            assert f"Repeat victim: {line}" in printed
            assert "M. T." not in printed.split("Repeats across cases")[1]
        else:  # numbers only: the overview's counts, no case's flags
            assert "Repeats across cases" not in printed and line not in printed
        figures = printed.split("Repeats among the cases in this pack")[1][:120]
        assert figures.startswith(
            " 1 repeat victim or complainant 0 repeat alleged perpetrators 0 repeat locations"
        ), figures
