"""The basis for sharing (hubapp.store.admin.sharing): the register of agreements, the check
before each disclosure (assigning an agency, a partner pack, sharing with another hub), the
basis named in the audit log, and consent to share; from the store and the command line."""

from __future__ import annotations

import shutil
import uuid
from datetime import date, timedelta

import pytest
from casework import (
    STAFF_PASSWORD,
    add_person,
    agency_id,
    audit_since,
    hub_id,
    newest_audit_id,
    role_of,
    run_command,
    staff_database,
    state,
)
from sqlalchemy import select

from hubapp.documents import printing
from hubapp.domain.clock import local_today
from hubapp.domain.formatting import format_date
from hubapp.domain.redaction import Profile
from hubapp.store import access, accounts, roles
from hubapp.store.admin import retention, sharing
from hubapp.store.admin.sharing import AgreementDraft, AgreementError, NoAgreement
from hubapp.store.casework import assignments
from hubapp.store.database import open_store
from hubapp.store.errors import Refused
from hubapp.store.roles import Op
from hubapp.store.schema import Case, HubAgency, Person
from hubapp.sync import share

TODAY = local_today()
YEAR_AGO = TODAY - timedelta(days=365)
LAST_MONTH = TODAY - timedelta(days=30)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sharing")
    return staff_database(folder / "hub.sqlite3")


@pytest.fixture
def db(template, tmp_path):
    path = tmp_path / "hub.sqlite3"
    shutil.copy(template, path)
    return path


@pytest.fixture
def store(db):
    store = open_store(db)
    accounts.sign_in(store, "cora", STAFF_PASSWORD)  # a coordinator
    yield store
    store.close()


def draft(store, code="CUMBERLAND", **changes) -> AgreementDraft:
    values = dict(hub_id=hub_id(store, "CAR"), agency_id=agency_id(store, code),
                  name=f"Carlisle hub ISA ({code})", version="2", starts_on=YEAR_AGO,
                  basis="crime_disorder_s115")  # fmt: skip
    values.update(changes)
    return AgreementDraft(**values)


def carlisle_agencies(store) -> list[str]:
    from hubapp.store.schema import Agency

    with store.read() as s:
        return list(s.scalars(select(Agency.code).join(HubAgency, HubAgency.agency_id == Agency.id)
                              .where(HubAgency.hub_id == hub_id(store, "CAR"))))  # fmt: skip


def register_all_but(store, *missing: str) -> None:
    """A current agreement for every agency of the Carlisle hub but ``missing``."""
    for code in carlisle_agencies(store):
        if code not in missing:
            sharing.add(store, draft(store, code))


def sign_in(db, name):
    store = open_store(db)
    accounts.sign_in(store, name, STAFF_PASSWORD)
    return store


# --- the register ----------------------------------------------------------------------------


def test_the_register_shows_each_agency_current_expired_not_yet_or_none(store):
    sharing.add(store, draft(store, "CUMBERLAND"))
    sharing.add(store, draft(store, "FIRE", starts_on=YEAR_AGO, ends_on=LAST_MONTH))
    sharing.add(store, draft(store, "RIVERSIDE", starts_on=TODAY + timedelta(days=10)))
    rows = {r.agency_code: r for r in sharing.register(store, hub_id(store, "CAR"), TODAY)}
    assert set(rows) == set(carlisle_agencies(store))
    assert rows["CUMBERLAND"].status == sharing.CURRENT
    assert (
        rows["CUMBERLAND"].agreement.describe()
        == "Carlisle hub ISA (CUMBERLAND) v2 (crime_disorder_s115)"
    )
    assert rows["FIRE"].status == sharing.EXPIRED and rows["FIRE"].label == "Expired"
    assert rows["RIVERSIDE"].status == sharing.NOT_YET
    assert rows["POLICE"].status == sharing.NONE and rows["POLICE"].agreement is None
    # a new agreement after an expired one makes the agency current again
    sharing.add(store, draft(store, "FIRE", name="Fire ISA", version="3", starts_on=LAST_MONTH))
    fire = {r.agency_code: r for r in sharing.register(store, hub_id(store, "CAR"))}["FIRE"]
    assert fire.status == sharing.CURRENT and fire.agreement.version == "3"
    assert len(fire.history) == 2


def test_ending_an_agreement_makes_it_expire_and_editing_keeps_its_agency(store):
    a = sharing.add(store, draft(store))
    ended = sharing.end(store, a.id, LAST_MONTH)
    assert ended.ends_on == LAST_MONTH and ended.status(TODAY) == sharing.EXPIRED
    edited = sharing.edit(store, a.id, draft(store, "POLICE", name="Renamed", ends_on=None))
    assert edited.name == "Renamed" and edited.agency_id == agency_id(store, "CUMBERLAND")
    assert edited.status(TODAY) == sharing.CURRENT
    assert sharing.find(store, sharing.short_id(a.id)).id == a.id


@pytest.mark.parametrize(
    "changes, field, sentence",
    [
        (dict(ends_on=YEAR_AGO - timedelta(days=1)), "ends_on",
         f"The agreement cannot end ({format_date(YEAR_AGO - timedelta(days=1))}) before it "
         f"starts ({format_date(YEAR_AGO)})."),
        (dict(basis="gut_feeling"), "basis",
         "'gut_feeling' is not a lawful basis hubapp knows; use one of crime_disorder_s115, "
         "uk_gdpr_6_1_e, dpa_part_3, consent."),
        (dict(name="  "), "name", "Give the agreement's name, as on its cover."),
        (dict(starts_on=None), "starts_on", "Give the day the agreement starts."),
        (dict(retention_years=0), "retention_years",
         "Give the retention period as a whole number of years from 1 to 100, or leave it empty."),
        (dict(agency_id=uuid.uuid4()), "agency", "That agency does not exist."),
        (dict(agency_id=None), "agency", "Choose the agency the agreement is with."),
    ],
    ids=["ends before it starts", "unknown basis", "no name", "no start", "retention",
         "unknown agency", "no agency"],
)  # fmt: skip
def test_bad_input_is_refused_in_one_sentence_and_nothing_is_saved(store, db, changes, field,
                                                                    sentence):  # fmt: skip
    before = state(db)
    with pytest.raises(AgreementError) as refused:
        sharing.add(store, draft(store, **changes))
    assert str(refused.value) == sentence
    assert [p.field for p in refused.value.problems][0] == field
    assert state(db) == before


def test_an_agency_outside_the_hub_and_an_end_before_the_start_are_refused(store, db):
    before = state(db)
    with pytest.raises(AgreementError, match="^Westmorland and Furness Council does not take part"):
        sharing.add(store, draft(store, "WAF"))
    assert state(db) == before
    a = sharing.add(store, draft(store))
    with pytest.raises(AgreementError, match="cannot end .* before it starts"):
        sharing.end(store, a.id, YEAR_AGO - timedelta(days=1))
    assert sharing.get(store, a.id).ends_on is None


@pytest.mark.parametrize("name", ["cara", "rory", "pete"])
def test_partner_read_only_and_police_staff_cannot_keep_the_register(db, store, name):
    a = sharing.add(store, draft(store))  # as the coordinator
    before = state(db)
    other = sign_in(db, name)
    try:
        role = accounts.StaffRole(other.account.role)
        for attempt in (lambda: sharing.add(other, draft(other, "FIRE")),
                        lambda: sharing.end(other, a.id, TODAY),
                        lambda: sharing.edit(other, a.id, draft(other, name="Mine now"))):  # fmt: skip
            with pytest.raises(access.AccessRefused) as refused:
                attempt()
            assert str(refused.value) == roles.refusal(Op.AGREEMENTS, role)
        # reading it is allowed: it names agencies, not people
        assert len(sharing.register(other, hub_id(other, "CAR"))) == len(carlisle_agencies(other))
    finally:
        other.close()
    assert state(db) == before


def test_a_station_keeps_its_own_hubs_register_only(store, db):
    before = state(db)
    with pytest.raises(AgreementError, match="keeps the Carlisle hub's register only"):
        sharing.add(store, draft(store, "POLICE", hub_id=hub_id(store, "COP")))
    assert state(db) == before


# --- checked before disclosure: assigning an agency -------------------------------------------


def _case(store, ref="CAR-2026-0001"):
    with store.read() as s:
        return s.scalar(select(Case.id).where(Case.reference == ref))


def test_a_hub_without_a_register_is_not_checked_and_the_audit_says_so(store):
    after = newest_audit_id(store.path)
    assignments.set_role(store, _case(store), agency_id(store, "FIRE"), "support")
    entry = [e for e in audit_since(store, after, "assignment") if "role" in e.details][0]
    assert entry.details["basis"] == sharing.NO_REGISTER


def test_assigning_an_agency_without_a_current_agreement_is_refused_and_nothing_changes(store, db):
    register_all_but(store, "FIRE")
    sharing.add(store, draft(store, "FIRE", ends_on=LAST_MONTH))  # expired
    case, fire = _case(store), agency_id(store, "FIRE")
    before = state(db)
    for attempt in (lambda: assignments.set_role(store, case, fire, "support"),
                    lambda: assignments.bulk_assign(store, [case], fire, "informed"),
                    lambda: assignments.hand_over_lead(store, case, fire)):  # fmt: skip
        with pytest.raises(NoAgreement) as warned:
            attempt()
        assert str(warned.value) == (
            "Cumbria Fire and Rescue Service has no current information sharing agreement with the "
            "Carlisle hub, so case CAR-2026-0001 would be disclosed without one; a coordinator or "
            "an administrator can go ahead by giving a reason, which the audit log keeps."
        )
        assert warned.value.agencies == ["Cumbria Fire and Rescue Service"]
    assert state(db) == before and role_of(store, case, fire) is None


def test_a_coordinators_reason_lets_it_go_ahead_and_the_audit_entry_names_the_basis(store):
    register_all_but(store, "FIRE")
    case, fire, police = _case(store), agency_id(store, "FIRE"), agency_id(store, "POLICE")
    after = newest_audit_id(store.path)
    assignments.set_role(store, case, fire, "support", reason="Arson risk: fire must know today")
    assignments.set_role(store, case, police, "support")
    found = {e.details["agency"]: e.details["basis"]
             for e in audit_since(store, after, "assignment") if "basis" in e.details}  # fmt: skip
    assert found == {
        "FIRE": "no current agreement: Arson risk: fire must know today",
        "POLICE": "Carlisle hub ISA (POLICE) v2 (crime_disorder_s115)",
    }
    assert role_of(store, case, fire) == "support"


def test_an_empty_reason_is_refused(store, db):
    register_all_but(store, "FIRE")
    before = state(db)
    with pytest.raises(Refused, match="^Give the reason for disclosing without a current"):
        assignments.set_role(store, _case(store), agency_id(store, "FIRE"), "support", reason="  ")
    assert state(db) == before


# --- a partner pack ----------------------------------------------------------------------------


def test_a_partner_pack_is_refused_without_agreements_and_nothing_is_written(store, db, tmp_path):
    register_all_but(store, "NHW")
    before, target = state(db), tmp_path / "pack.pdf"
    with pytest.raises(NoAgreement, match="^Cumbria Neighbourhood Watch Association has no current information "
                       "sharing agreement with the Carlisle hub, so the pack would be"):  # fmt: skip
        printing.meeting_pack(store, "Carlisle", Profile.PARTNER)
    assert state(db) == before and not target.exists()
    # the police and public profiles disclose to no partner: not checked
    assert printing.meeting_pack(store, "Carlisle", Profile.PUBLIC).basis == {}


def test_a_partner_pack_with_a_reason_names_every_agencys_basis_in_its_audit_entry(store, tmp_path):
    register_all_but(store, "NHW")
    doc = printing.meeting_pack(store, "Carlisle", Profile.PARTNER, reason="Agreed at the meeting")
    after = newest_audit_id(store.path)
    printing.save(store, doc, tmp_path / "pack.pdf")
    entry = [e for e in audit_since(store, after) if e.kind == "disclosure"][0]
    basis = entry.details["basis"]
    assert len(basis) == len(carlisle_agencies(store))
    nhw = [v for k, v in basis.items() if "Neighbourhood Watch" in k]
    assert nhw == ["no current agreement: Agreed at the meeting"]
    assert basis["Cumberland Council"] == "Carlisle hub ISA (CUMBERLAND) v2 (crime_disorder_s115)"


@pytest.mark.parametrize("name", ["cara", "rory", "pete"])
def test_only_a_coordinator_or_an_administrator_may_give_the_reason(db, store, name, tmp_path):
    register_all_but(store, "NHW")
    before = state(db)
    other = sign_in(db, name)
    try:
        with pytest.raises(access.AccessRefused) as refused:
            printing.meeting_pack(other, "Carlisle", Profile.PARTNER, reason="I say so")
        assert str(refused.value) == roles.refusal(Op.DISCLOSE_ANYWAY, other.account.role)
    finally:
        other.close()
    assert state(db) == before and not list(tmp_path.glob("*.pdf"))


def test_a_partner_action_sheet_checks_its_agencys_agreement(store, db, tmp_path):
    from hubapp.store.casework.actions import ActionDraft, add_action

    register_all_but(store, "FIRE")
    case, fire = _case(store), agency_id(store, "FIRE")
    assignments.set_role(store, case, fire, "support", reason="Arson risk")
    add_action(store, case, fire, ActionDraft("Fit a letterbox guard"))
    before = state(db)
    with pytest.raises(NoAgreement, match="^Cumbria Fire and Rescue Service has no current .* "
                       "so the action sheet would be disclosed"):  # fmt: skip
        printing.action_sheet(store, "FIRE", Profile.PARTNER)
    assert state(db) == before
    assert printing.action_sheet(store, "FIRE", Profile.POLICE).basis == {}
    sheet = printing.action_sheet(store, "FIRE", Profile.PARTNER, reason="Home visit tomorrow")
    assert sheet.basis == {"Cumbria Fire and Rescue Service": "no current agreement: Home visit "
                                                              "tomorrow"}  # fmt: skip
    after = newest_audit_id(store.path)
    printing.save(store, sheet, tmp_path / "sheet.pdf")
    [entry] = [e for e in audit_since(store, after) if e.kind == "disclosure"]
    assert entry.details["basis"] == sheet.basis


# --- sharing with another hub ----------------------------------------------------------------


def test_sharing_with_another_hub_rests_on_the_hubs_agreement_with_the_police(store, db):
    register_all_but(store, "POLICE")
    before = state(db)
    with pytest.raises(NoAgreement, match="^Cumbria Constabulary has no current"):
        # refused before any network: this address goes nowhere
        share.share(store, "postgresql://x:y@127.0.0.1:9/none", "CAR-2026-0001", "Copeland")
    assert state(db) == before
    found = share.check_basis(store, _case(store), "CAR-2026-0001", "Urgent: moving to Whitehaven")
    assert found == {"Cumbria Constabulary": "no current agreement: Urgent: moving to Whitehaven"}
    sharing.add(store, draft(store, "POLICE", basis="dpa_part_3", name="Police ISA", version="1"))
    assert share.check_basis(store, _case(store), "CAR-2026-0001") == {
        "Cumbria Constabulary": "Police ISA v1 (dpa_part_3)"}  # fmt: skip


# --- consent and retention ---------------------------------------------------------------------


def test_consent_to_share_is_recorded_and_partners_cannot_record_it(store, db):
    person = add_person(store, _case(store), "Vera Victim")
    sharing.set_consent(store, person, "given", LAST_MONTH)
    with store.read() as s:
        p = s.get(Person, person)
        assert (p.share_consent, p.share_consent_on) == ("given", LAST_MONTH)
    with pytest.raises(Refused, match="cannot be recorded for a later day"):
        sharing.set_consent(store, person, "refused", TODAY + timedelta(days=1))
    with pytest.raises(Refused, match="is not an answer to consent"):
        sharing.set_consent(store, person, "maybe")
    before = state(db)
    for name in ("cara", "rory"):
        other = sign_in(db, name)
        try:
            with pytest.raises(access.AccessRefused):
                sharing.set_consent(other, person, "refused")
        finally:
            other.close()
    assert state(db) == before


def test_the_retention_review_shows_an_agreements_period_beside_the_hubs(store):
    sharing.add(store, draft(store, "CUMBERLAND", retention_years=7))
    case = _case(store)
    with store.write(reason="test") as s:
        c = s.get(Case, case)
        c.status, c.closed_on = "closed", date(2020, 1, 1)
    items = [i for i in retention.due(store, TODAY) if i.record_id == case]
    assert items[0].why == ("closed case, reviewed 3 years after closure (Cumberland Council's "
                            "agreement: 7 years)")  # fmt: skip


# --- the command line --------------------------------------------------------------------------


def cli(db, monkeypatch, capsys, *args, user="cora"):
    return run_command(db, "--user", user, *args, password=STAFF_PASSWORD,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def test_agreements_add_list_and_end_from_the_command_line(db, monkeypatch, capsys):
    code, out, err = cli(db, monkeypatch, capsys, "agreements", "add", "--agency", "Cumberland Council",
                         "--name", "Carlisle ISA", "--version", "4", "--from", format_date(YEAR_AGO),
                         "--basis", "uk_gdpr_6_1_e", "--retention-years", "6")  # fmt: skip
    assert code == 0, err
    assert out.startswith("Recorded Carlisle ISA v4 (uk_gdpr_6_1_e) with Cumberland Council")
    short = out.strip().rstrip(".").rsplit(" ", 1)[-1]
    code, out, err = cli(db, monkeypatch, capsys, "agreements", "list", user="rory")
    assert code == 0
    assert "CUMBERLAND     Current          Cumberland Council" in out
    assert "records kept 6 years" in out and "POLICE         No agreement" in out
    code, out, err = cli(db, monkeypatch, capsys, "agreements", "end", short, "--on",
                         format_date(LAST_MONTH))  # fmt: skip
    assert (code, out) == (0, f"Carlisle ISA v4 (uk_gdpr_6_1_e) with Cumberland Council ends on "
                              f"{format_date(LAST_MONTH)}.\n")  # fmt: skip
    code, out, _err = cli(db, monkeypatch, capsys, "agreements", "list", "--format", "json")
    assert '"status": "expired"' in out


@pytest.mark.parametrize(
    "args, sentence",
    [
        (["--agency", "Acme Ltd", "--basis", "consent"],
         "There is no agency called 'Acme Ltd'; use its code, name or short name, e.g. POLICE "
         "or 'Cumbria Constabulary'."),
        (["--agency", "FIRE", "--basis", "vibes"],
         "'vibes' is not a lawful basis hubapp knows; use one of crime_disorder_s115, "
         "uk_gdpr_6_1_e, dpa_part_3, consent."),
        (["--agency", "FIRE", "--basis", "consent", "--to", "01/01/2000"],
         f"The agreement cannot end (01/01/2000) before it starts ({format_date(YEAR_AGO)})."),
    ],
    ids=["unknown agency", "unknown basis", "ends before it starts"],
)  # fmt: skip
def test_bad_input_on_the_command_line_is_one_sentence_and_exit_1(db, monkeypatch, capsys, args,
                                                                  sentence):  # fmt: skip
    before = state(db)
    code, out, err = cli(db, monkeypatch, capsys, "agreements", "add", "--name", "X", "--from",
                         format_date(YEAR_AGO), *args)  # fmt: skip
    assert (code, err) == (1, f"hubapp: {sentence}\n")
    assert state(db) == before


def test_a_partner_cannot_add_an_agreement_from_the_command_line(db, monkeypatch, capsys):
    before = state(db)
    code, _out, err = cli(db, monkeypatch, capsys, "agreements", "add", "--agency", "FIRE",
                          "--name", "X", "--from", format_date(YEAR_AGO), "--basis", "consent",
                          user="cara")  # fmt: skip
    assert (code, err) == (1, f"hubapp: {roles.refusal(Op.AGREEMENTS, 'partner')}\n")
    assert state(db) == before


def test_print_pack_warns_without_an_agreement_and_goes_ahead_with_a_reason(db, store, monkeypatch,
                                                                           capsys, tmp_path):  # fmt: skip
    register_all_but(store, "NHW")
    store.close()
    target = tmp_path / "pack.pdf"
    before = state(db)
    args = ["print", "pack", "--hub", "Carlisle", "--profile", "partner", "-o", str(target)]
    code, _out, err = cli(db, monkeypatch, capsys, *args)
    assert code == 1 and "has no current information sharing agreement" in err
    assert err.rstrip().endswith("Nothing was printed; add --reason TEXT to go ahead.")
    assert state(db) == before and not target.exists()
    code, _out, err = cli(db, monkeypatch, capsys, *args, "--reason", "Agreed by the chair",
                          user="cara")  # fmt: skip
    assert (code, err) == (1, f"hubapp: {roles.refusal(Op.DISCLOSE_ANYWAY, 'partner')}\n")
    assert not target.exists()
    code, out, err = cli(db, monkeypatch, capsys, *args, "--reason", "Agreed by the chair")
    assert code == 0, err
    assert target.exists()


def test_person_consent_from_the_command_line(db, store, monkeypatch, capsys):
    from hubapp.store.casework import people

    person = add_person(store, _case(store), "Vera Victim")
    store.close()
    ref = people.reference(person)
    code, out, err = cli(db, monkeypatch, capsys, "person", "consent", ref, "--refused", "--on",
                         format_date(LAST_MONTH))  # fmt: skip
    assert (code, out) == (0, f"{ref}: consent to share refused on {format_date(LAST_MONTH)}.\n"), (
        err
    )
    before = state(db)
    code, _out, err = cli(db, monkeypatch, capsys, "person", "consent", ref, "--given", user="cara")
    assert code == 1 and err == f"hubapp: {roles.PARTNER_CASE_SENTENCE}\n"
    assert state(db) == before
    with pytest.raises(SystemExit) as usage:
        cli(db, monkeypatch, capsys, "person", "consent", ref)
    assert usage.value.code == 2
    assert "one of the arguments --given --refused is required" in capsys.readouterr().err
