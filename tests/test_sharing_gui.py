"""The basis for sharing in the window (pytest-qt, real SQLite files): Tools > Sharing
agreements… (its model checked with qtmodeltester), the reason asked before a disclosure
without a current agreement (print dialog and assignment grid), and consent to share on the
person page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from a11y import unnamed
from casework import (
    STAFF_PASSWORD,
    add_person,
    agency_id,
    hub_id,
    new_case,
    role_of,
    staff_database,
    state,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from hubapp.domain.clock import local_today
from hubapp.domain.formatting import format_date
from hubapp.domain.redaction import Profile
from hubapp.models.sharing import AgencyStatusRole, AgreementsModel
from hubapp.store import accounts, lookups, setup
from hubapp.store.admin import sharing
from hubapp.store.admin.sharing import AgreementDraft
from hubapp.store.database import open_store
from hubapp.store.schema import AuditEntry, Person, SharingAgreement
from hubapp.views.disclosure_reason import ReasonDialog
from hubapp.views.print_dialog import PACK, PrintDialog
from hubapp.views.sharing_dialog import AgreementForm, EndForm, SharingAgreementsDialog

TODAY = local_today()
YEAR_AGO = TODAY - timedelta(days=365)


def add(store, code, **changes):
    values = dict(hub_id=hub_id(store, "CAR"), agency_id=agency_id(store, code),
                  name=f"ISA {code}", version="1", starts_on=YEAR_AGO, basis="uk_gdpr_6_1_e")  # fmt: skip
    values.update(changes)
    return sharing.add(store, AgreementDraft(**values))


def open_dialog(qtbot, store) -> SharingAgreementsDialog:
    dialog = SharingAgreementsDialog(store, hub_id(store, "CAR"), "Carlisle")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.rowCount() > 0, timeout=10_000)
    return dialog


def row_of(dialog, code) -> int:
    return next(r for r in range(dialog.model.rowCount())
                if dialog.model.record(r).agency_code == code)  # fmt: skip


def agreements(store) -> list[tuple]:
    with store.read() as s:
        return [(a.name, a.starts_on, a.ends_on) for a in s.scalars(select(SharingAgreement))]


# --- the model -----------------------------------------------------------------------------


def test_the_model_passes_the_model_tester_and_says_each_status(qtmodeltester, store):
    add(store, "CUMBERLAND", retention_years=6)
    add(store, "FIRE", ends_on=TODAY - timedelta(days=1))
    model = AgreementsModel()
    model.set_rows(sharing.register(store, hub_id(store, "CAR")))
    qtmodeltester.check(model, force_py=True)
    texts = {model.index(r, 0).data(): [model.index(r, c).data() for c in range(8)]
             for r in range(model.rowCount())}  # fmt: skip
    assert texts["Cumberland Council"] == ["Cumberland Council", "Current", "ISA CUMBERLAND", "1",
                                           format_date(YEAR_AGO), "", "uk_gdpr_6_1_e", "6 years"]  # fmt: skip
    assert texts["Cumbria Fire and Rescue Service"][1] == "Expired"
    assert texts["Cumbria Constabulary"][1:3] == ["No agreement", ""]
    red = model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert red is not None  # the police, first, have no agreement: in red
    assert model.index(0, 0).data(AgencyStatusRole).agency_code == "POLICE"


# --- the dialog ------------------------------------------------------------------------------


def test_a_coordinator_adds_an_agreement_from_the_keyboard(qtbot, store):
    dialog = open_dialog(qtbot, store)
    assert unnamed(dialog) == []
    dialog.table.selectRow(row_of(dialog, "FIRE"))
    form = dialog.add()
    assert isinstance(form, AgreementForm) and unnamed(form) == []
    assert form.agency.currentData() == agency_id(store, "FIRE").hex  # the selected agency
    qtbot.keyClicks(form.name, "Cumbria fire ISA")
    qtbot.keyClicks(form.version, "3")
    form.starts.clear()
    qtbot.keyClicks(form.starts, format_date(YEAR_AGO))
    form.basis.setCurrentIndex(form.basis.findData("crime_disorder_s115"))
    form.retention.setValue(5)
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        qtbot.keyClick(form.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.record(
        row_of(dialog, "FIRE")).status == "current", timeout=10_000)  # fmt: skip
    assert agreements(store) == [("Cumbria fire ISA", YEAR_AGO, None)]
    assert dialog.history.text() == (f"Cumbria fire ISA v3 (crime_disorder_s115), from "
                                     f"{format_date(YEAR_AGO)} with no end date, records kept "
                                     "5 years")  # fmt: skip


def test_an_agreement_ending_before_it_starts_is_said_beside_the_field_and_not_saved(qtbot, store):
    dialog = open_dialog(qtbot, store)
    form = dialog.add()
    qtbot.keyClicks(form.name, "Backwards ISA")
    form.starts.setText("01/06/2026")
    qtbot.keyClicks(form.ends, "31/05/2026")
    form.save()
    assert form.errors["ends_on"].isVisible()
    assert form.errors["ends_on"].text() == (
        "The agreement cannot end (31/05/2026) before it starts (01/06/2026).")  # fmt: skip
    assert form.isVisible() and form.name.text() == "Backwards ISA"  # nothing typed is lost
    form.ends.setText("not a day")
    form.save()
    assert form.errors["ends_on"].text().startswith("'not a day' is not a date")
    assert agreements(store) == []


def test_ending_the_selected_agreement(qtbot, store):
    add(store, "CUMBERLAND")
    dialog = open_dialog(qtbot, store)
    dialog.table.selectRow(row_of(dialog, "CUMBERLAND"))
    form = dialog.end_selected()
    assert isinstance(form, EndForm) and unnamed(form) == []
    form.day.setText(format_date(YEAR_AGO - timedelta(days=1)))
    form.save()
    qtbot.waitUntil(lambda: form.error.isVisible(), timeout=10_000)
    assert "cannot end" in form.error.text()
    form.day.setText(format_date(TODAY - timedelta(days=1)))
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        form.save()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.model.record(
        row_of(dialog, "CUMBERLAND")).status == "expired", timeout=10_000)  # fmt: skip
    assert agreements(store)[0][2] == TODAY - timedelta(days=1)


@pytest.fixture
def staff_db(tmp_path):
    return staff_database(tmp_path / "hub.sqlite3")


@pytest.mark.parametrize("name", ["cara", "rory"])
def test_partner_and_read_only_staff_see_the_register_but_not_its_buttons(qtbot, staff_db, name):
    store = open_store(staff_db)
    try:
        accounts.sign_in(store, name, STAFF_PASSWORD)
        dialog = open_dialog(qtbot, store)
        assert not any(b.isVisible() for b in (dialog.add_button, dialog.edit_button,
                                                dialog.end_button))  # fmt: skip
        assert dialog.add() is None and dialog.end_selected() is None
        assert dialog.model.rowCount() == 11
    finally:
        store.close()


# --- the reason prompt -------------------------------------------------------------------------


def test_the_reason_dialog_wants_a_reason(qtbot):
    dialog = ReasonDialog("Fire has no current information sharing agreement …")
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed(dialog) == []
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text() == "Give the reason for disclosing without a current agreement."
    qtbot.keyClicks(dialog.reason_edit, "Arson  risk")
    qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)  # a new line: one space when kept
    qtbot.keyClicks(dialog.reason_edit, "tonight")
    assert not dialog.error.isVisible()
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ReasonDialog.DialogCode.Accepted
    assert dialog.reason == "Arson risk tonight"


def _pack_dialog(qtbot, store):
    dialog = PrintDialog(store, lookups.load(store), setup.current(store), kind=PACK)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    dialog.profile_buttons[Profile.PARTNER].setChecked(True)
    return dialog


def test_a_partner_pack_on_the_demo_data_asks_a_reason_then_saves_with_it(qtbot, demo_store,
                                                                        tmp_path):  # fmt: skip
    """The demo data's Neighbourhood Watch agreement has lapsed: the warning shows."""
    dialog = _pack_dialog(qtbot, demo_store)
    target = tmp_path / "pack.pdf"
    dialog.save_as(str(target))
    qtbot.waitUntil(lambda: isinstance(dialog.reason_prompt, ReasonDialog)
                    and dialog.reason_prompt.isVisible(), timeout=30_000)  # fmt: skip
    prompt = dialog.reason_prompt
    assert prompt.warning.text().startswith("Cumbria Neighbourhood Watch Association has no "
                                            "current information sharing agreement")  # fmt: skip
    assert not target.exists()
    qtbot.keyClicks(prompt.reason_edit, "Chair agreed: renewal signed, not yet filed")
    with qtbot.waitSignal(dialog.saved, timeout=60_000):
        qtbot.mouseClick(prompt.go_button, Qt.MouseButton.LeftButton)
    assert target.exists()
    with demo_store.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "disclosure")
                          .order_by(AuditEntry.id.desc())).first()  # fmt: skip
    assert entry.details["basis"]["Cumbria Neighbourhood Watch Association"] == (
        "no current agreement: Chair agreed: renewal signed, not yet filed")  # fmt: skip
    assert entry.details["basis"]["Cumbria Constabulary"].endswith("v2.1 (dpa_part_3)")


def test_a_partner_asking_for_a_partner_pack_is_told_who_may_and_nothing_is_saved(qtbot, staff_db,
                                                                                tmp_path):  # fmt: skip
    store = open_store(staff_db)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        add(store, "CUMBERLAND")  # as the administrator: the register has begun
        accounts.sign_in(store, "cara", STAFF_PASSWORD)
        before = state(staff_db)
        dialog = _pack_dialog(qtbot, store)
        target = tmp_path / "pack.pdf"
        dialog.save_as(str(target))
        qtbot.waitUntil(lambda: isinstance(dialog.reason_prompt, QMessageBox), timeout=30_000)
        text = dialog.reason_prompt.text()
        assert (
            "Only a coordinator or an administrator can disclose to an agency without a "
            "current sharing agreement."
            in text
            and "Nothing was disclosed." in text
        )
        dialog.reason_prompt.button(QMessageBox.StandardButton.Ok).click()
        assert not target.exists() and state(staff_db) == before
    finally:
        store.close()


def test_the_assignment_grid_asks_a_reason_and_assigns_with_it(qtbot, store):
    from hubapp.views.assignment_grid import AssignmentGridPage

    case = new_case(store, "CAR-2026-0001", received_at=datetime(2026, 5, 1, 9, 0))
    for code in ("POLICE", "CUMBERLAND"):
        add(store, code)
    page = AssignmentGridPage()
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.attach(store, lookups.load(store), setup.current(store))
    page.show()
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)
    fire = next(i for i, a in enumerate(page.model.agencies) if a.code == "FIRE")
    page.model.set_roles([page.model.index(0, fire)], "support")
    qtbot.waitUntil(lambda: isinstance(page.reason_prompt, ReasonDialog), timeout=10_000)
    qtbot.waitUntil(lambda: not page.model.busy, timeout=10_000)
    assert role_of(store, case, agency_id(store, "FIRE")) is None  # refused: nothing changed
    prompt = page.reason_prompt
    qtbot.keyClicks(prompt.reason_edit, "Fire setting at the address")
    qtbot.mouseClick(prompt.go_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: role_of(store, case, agency_id(store, "FIRE")) == "support",
                    timeout=10_000)  # fmt: skip
    qtbot.waitUntil(lambda: not page.model.busy, timeout=10_000)


# --- consent on the person page ------------------------------------------------------------------


def test_consent_is_recorded_on_the_person_page(qtbot, store):
    from hubapp.views.people import PersonDialog

    person = add_person(store, new_case(store, "CAR-2026-0001"), "Vera Victim")
    page = PersonDialog(store, person)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.page is not None and not page.consent.busy, timeout=10_000)
    assert page.consent.value.text() == "Not asked"
    dialog = page.consent.record()
    assert unnamed(dialog) == []
    dialog.day.setText(format_date(TODAY + timedelta(days=2)))
    dialog.refused.setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.day_error.isVisible(), timeout=10_000)
    assert "cannot be recorded for a later day" in dialog.day_error.text()
    dialog.day.setText("03/11/2026" if TODAY >= date(2026, 11, 3) else format_date(TODAY))
    with qtbot.waitSignal(page.consent.changed, timeout=10_000):
        dialog.save()
    with store.read() as s:
        assert s.get(Person, person).share_consent == "refused"
    assert page.consent.value.text().startswith("Refused on ")


def test_partners_see_consent_but_not_the_button(qtbot, staff_db):
    from hubapp.views.people import PersonDialog

    store = open_store(staff_db)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        with store.read() as s:
            from hubapp.store.schema import Case

            case = s.scalar(select(Case.id).limit(1))
        person = add_person(store, case, "Vera Victim")
        sharing.set_consent(store, person, "given", TODAY)
        accounts.sign_in(store, "cara", STAFF_PASSWORD)
        page = PersonDialog(store, person)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(lambda: page.page is not None and not page.consent.busy, timeout=10_000)
        assert page.consent.value.text() == f"Given on {format_date(TODAY)}"
        assert not page.consent.button.isVisible()
    finally:
        store.close()


def test_sharing_a_case_with_another_hub_asks_a_reason_before_any_network(qtbot, store):
    """The hub has no current agreement with the police: the reason is asked before the
    central database is called (this address goes nowhere, so the share then fails there)."""
    from hubapp.views.central_dialog import SharingDialog

    add(store, "CUMBERLAND")
    new_case(store, "CAR-2026-0001")
    with store.read() as s:
        from hubapp.store.schema import Case

        case = s.scalar(select(Case.id))
    dialog = SharingDialog(store, case, "CAR-2026-0001", timeout=1.0)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog._busy, timeout=10_000)
    dialog.url = "postgresql://nobody:nothing@127.0.0.1:9/central"  # as if one were set up
    dialog.hub_choice.setCurrentIndex(dialog.hub_choice.findData("COP"))
    dialog.share_chosen()
    qtbot.waitUntil(lambda: isinstance(getattr(dialog, "reason_prompt", None), ReasonDialog),
                    timeout=10_000)  # fmt: skip
    assert dialog.reason_prompt.warning.text().startswith(
        "Cumbria Constabulary has no current information sharing agreement with the Carlisle hub"
    )
    qtbot.keyClicks(dialog.reason_prompt.reason_edit, "Family moving to Whitehaven today")
    with qtbot.waitSignal(dialog.failed, timeout=20_000) as failed:
        qtbot.mouseClick(dialog.reason_prompt.go_button, Qt.MouseButton.LeftButton)
    assert "agreement" not in failed.args[0]  # past the check: the network's refusal now
