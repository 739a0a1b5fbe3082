"""The action dialog driven with pytest-qt: problems next to fields, nothing typed lost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from casework import agency_id, audit_since, new_case
from PySide6.QtCore import Qt

from hubapp.domain.formatting import format_date
from hubapp.models.agency_actions import CaseActionsModel
from hubapp.store.casework.actions import (
    ActionDraft,
    actions_for_case_agency,
    add_action,
    edit_action,
)
from hubapp.store.schema import Action
from hubapp.views.action_dialog import ActionDialog, parse_date

TODAY = date(2026, 11, 25)


def stored(store, case, agency) -> list[Action]:
    with store.read() as s:
        return list(s.query(Action).filter_by(case_id=case, agency_id=agency, voided=False))


@pytest.fixture
def ids(store):
    return {"case": new_case(store, "CAR-2026-0042"), "police": agency_id(store, "POLICE"),
            "fire": agency_id(store, "FIRE")}  # fmt: skip


@pytest.fixture
def dialog(qtbot, store, ids):
    d = ActionDialog(store, ids["case"], ids["police"], today=TODAY)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    settled(qtbot, d)
    return d


def settled(qtbot, dialog):
    """Wait until the dialog has read its list or saved a change (in the background)."""
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)


def type_into(qtbot, widget, text):
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def test_adding_shows_problems_next_to_fields_and_keeps_the_text(dialog, store, ids, qtbot):
    type_into(qtbot, dialog.owner, "PC 1234 Walker")
    type_into(qtbot, dialog.due.edit, "45/99/2026")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.errors["description"].isVisible()
    assert dialog.errors["description"].text() == "Describe the action."
    assert dialog.errors["due_on"].text().startswith("Type the due date as dd/mm/yyyy")
    assert not dialog.errors["owner"].isVisible()
    assert dialog.owner.text() == "PC 1234 Walker"  # nothing typed is lost
    assert stored(store, ids["case"], ids["police"]) == []

    dialog.due.edit.clear()
    type_into(qtbot, dialog.due.edit, "01/01/2031")  # more than two years ahead
    type_into(qtbot, dialog.description, "Patrol Bitts Park on Friday evenings")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert (
        dialog.errors["due_on"].text()
        == "The due date is more than two years ahead; check the year."
    )
    assert not dialog.errors["description"].isVisible()
    assert dialog.description.toPlainText() == "Patrol Bitts Park on Friday evenings"

    dialog.due.edit.clear()
    type_into(qtbot, dialog.due.edit, "4/12/2026")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settled(qtbot, dialog)
    [action] = stored(store, ids["case"], ids["police"])
    assert (action.description, action.owner, action.due_on, action.status) == (
        "Patrol Bitts Park on Friday evenings", "PC 1234 Walker", date(2026, 12, 4), "open",
    )  # fmt: skip
    assert dialog.model.rowCount() == 1 and dialog.message.text() == "Action added."
    assert not any(label.isVisible() for label in dialog.errors.values())
    # Police had no part: adding made it support (audited as a role change)
    [entry] = [e for e in audit_since(store, 0, "assignment") if "role" in e.details]
    assert entry.details["role"] == [None, "support"]


def test_a_date_that_does_not_exist_is_named_and_a_new_action_is_not_overdue(
    dialog, store, ids, qtbot
):
    type_into(qtbot, dialog.description, "Patrol Bitts Park")
    type_into(qtbot, dialog.due.edit, "31/02/2027")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.errors["due_on"].text() == "There is no 31/02/2027."
    dialog.due.edit.clear()
    type_into(qtbot, dialog.due.edit, "01/01/2020")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.errors["due_on"].text() == (
        "The due date 01/01/2020 has already passed; a new action needs today or a later date."
    )
    assert stored(store, ids["case"], ids["police"]) == []
    dialog.due.edit.clear()
    type_into(qtbot, dialog.due.edit, format_date(TODAY))  # today is fine
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    [action] = stored(store, ids["case"], ids["police"])
    assert action.due_on == TODAY

    # an existing action keeps a date that has passed since, and may be edited
    edit_action(store, action.id, action.row_version, ActionDraft("Patrol Bitts Park", "",
                TODAY - timedelta(days=30)), today=TODAY - timedelta(days=40))  # fmt: skip
    dialog.reload()
    settled(qtbot, dialog)
    dialog.load(actions_for_case_agency(store, ids["case"], ids["police"], TODAY)[0])
    assert dialog.due.edit.text() == format_date(TODAY - timedelta(days=30))
    type_into(qtbot, dialog.owner, "PC Walker")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert not dialog.errors["due_on"].isVisible()
    [action] = stored(store, ids["case"], ids["police"])
    assert (action.owner, action.due_on) == ("PC Walker", TODAY - timedelta(days=30))

    # the completion date is named the same way
    dialog.completed.edit.clear()
    type_into(qtbot, dialog.completed.edit, "29/02/2026")
    type_into(qtbot, dialog.outcome, "Patrolled")
    qtbot.mouseClick(dialog.complete_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.errors["completed_on"].text() == "There is no 29/02/2026."


def test_complete_needs_an_outcome_then_reopen(dialog, store, ids, qtbot):
    add_action(store, ids["case"], ids["police"], ActionDraft("Visit", "PC Walker"),
               assign_if_missing=True, today=TODAY)  # fmt: skip
    dialog.reload()
    settled(qtbot, dialog)
    dialog.table.selectRow(0)
    assert dialog.description.toPlainText() == "Visit"
    assert dialog.complete_button.isEnabled() and not dialog.reopen_button.isEnabled()
    qtbot.mouseClick(dialog.complete_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.errors["outcome"].text() == "Say what was done: the outcome must not be empty."
    assert stored(store, ids["case"], ids["police"])[0].status == "open"

    dialog.completed.edit.clear()
    type_into(qtbot, dialog.completed.edit, format_date(TODAY + timedelta(days=1)))
    type_into(qtbot, dialog.outcome, "Visited; no further reports")
    qtbot.mouseClick(dialog.complete_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert dialog.errors["completed_on"].text() == "The completion date cannot be in the future."
    assert dialog.outcome.toPlainText() == "Visited; no further reports"

    dialog.completed.edit.clear()
    type_into(qtbot, dialog.completed.edit, "24/11/2026")
    qtbot.mouseClick(dialog.complete_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    [action] = stored(store, ids["case"], ids["police"])
    assert (action.status, action.outcome, action.completed_on) == (
        "done", "Visited; no further reports", date(2026, 11, 24))  # fmt: skip
    assert dialog.reopen_button.isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.model.index(0, 1).data() == "Done"
    key = str(action.id)
    changes = [e.details[key] for e in audit_since(store, 0, "action") if key in e.details]
    assert changes[-1]["status"] == ["open", "done"]  # the audit has old and new values
    assert changes[-1]["outcome"] == "changed"  # free text about people: masked

    qtbot.mouseClick(dialog.reopen_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert stored(store, ids["case"], ids["police"])[0].status == "open"


def test_cancel_needs_a_reason(dialog, store, ids, qtbot):
    add_action(store, ids["case"], ids["police"], ActionDraft("Letter drop"),
               assign_if_missing=True, today=TODAY)  # fmt: skip
    dialog.reload()
    settled(qtbot, dialog)
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert "must not be empty" in dialog.errors["outcome"].text()
    type_into(qtbot, dialog.outcome, "Residents moved away")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    [action] = stored(store, ids["case"], ids["police"])
    assert (action.status, action.outcome) == ("cancelled", "Residents moved away")


def test_reassign_to_another_agency(dialog, store, ids, qtbot):
    add_action(store, ids["case"], ids["police"], ActionDraft("Check the CCTV"),
               assign_if_missing=True, today=TODAY)  # fmt: skip
    dialog.reload()
    settled(qtbot, dialog)
    dialog.table.selectRow(0)
    changed = []
    dialog.casesChanged.connect(changed.append)
    dialog.reassign_to.setCurrentIndex(dialog.reassign_to.findData(ids["fire"].hex))
    dialog.owner.clear()
    type_into(qtbot, dialog.owner, "Watch manager Jones")
    qtbot.mouseClick(dialog.reassign_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert stored(store, ids["case"], ids["police"]) == []
    [action] = stored(store, ids["case"], ids["fire"])
    assert action.owner == "Watch manager Jones"
    assert dialog.model.rowCount() == 0 and "Reassigned to" in dialog.message.text()
    assert changed == [[ids["case"]]]


def test_a_change_made_elsewhere_is_one_sentence_and_keeps_the_typing(dialog, store, ids, qtbot):
    action_id = add_action(store, ids["case"], ids["police"], ActionDraft("Visit"),
                           assign_if_missing=True, today=TODAY)  # fmt: skip
    dialog.reload()
    settled(qtbot, dialog)
    dialog.table.selectRow(0)
    line = actions_for_case_agency(store, ids["case"], ids["police"], TODAY)[0]
    edit_action(store, action_id, line.row_version, ActionDraft("Visit twice"), today=TODAY)
    dialog.description.clear()
    type_into(qtbot, dialog.description, "Visit and write to the landlord")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settled(qtbot, dialog)
    assert "changed this action in another window" in dialog.message.text()
    assert dialog.description.toPlainText() == "Visit and write to the landlord"
    assert stored(store, ids["case"], ids["police"])[0].description == "Visit twice"
    assert dialog.model.index(0, 2).data() == "Visit twice"  # the list shows their version
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # saved over the new one
    settled(qtbot, dialog)
    assert stored(store, ids["case"], ids["police"])[0].description == (
        "Visit and write to the landlord"
    )


def test_case_actions_model_passes_the_model_tester(qtmodeltester, store, ids):
    for text, due in (("A", TODAY - timedelta(days=1)), ("B", None), ("C", TODAY)):
        add_action(store, ids["case"], ids["police"], ActionDraft(text, due_on=due),
                   assign_if_missing=True, today=TODAY)  # fmt: skip
    model = CaseActionsModel()
    model.set_lines(actions_for_case_agency(store, ids["case"], ids["police"], TODAY))
    assert [model.index(r, 2).data() for r in range(3)] == ["A", "C", "B"]
    assert model.index(0, 1).data() == "Open · Overdue"
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("04/12/2026", date(2026, 12, 4)), ("4.12.26", date(2026, 12, 4)),
     ("2026-12-04", date(2026, 12, 4)), ("  ", None)],
)  # fmt: skip
def test_dates_are_typed_the_uk_way(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["12/31/2026", "tomorrow", "31/02/2026"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)
