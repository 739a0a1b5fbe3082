"""Tools > Duplicate people…: the review read in the background, a merge decided by a person
and a pair found distinct, driven with the keyboard and mouse on a real database."""

from __future__ import annotations

import pytest
from casework import add_person, new_case
from PySide6.QtCore import Qt

from hubapp.store.casework import merging
from hubapp.views.duplicates import DuplicatesDialog


@pytest.fixture
def twins(store):
    first, second = new_case(store, "CAR-2026-0001"), new_case(store, "CAR-2026-0002")
    return {
        "kath": add_person(store, first, "Kath Nelson", phone="07700 900123",
                           address="4 Eden Street, Carlisle CA3 9LS"),
        "katherine": add_person(store, second, "Katherine Nelson", role="complainant",
                                address="4 Eden St, Carlisle CA3 9LS"),
        "bill": add_person(store, first, "Bill Armstrong", phone="016973 20145", role="witness"),
        "william": add_person(store, second, "William Armstrong", phone="01697 320145"),
    }  # fmt: skip


def open_review(qtbot, store) -> DuplicatesDialog:
    dialog = DuplicatesDialog(store)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 700)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=15_000)
    return dialog


def test_a_pair_is_compared_and_merged_with_a_reason(qtbot, qtmodeltester, store, twins):
    dialog = open_review(qtbot, store)
    qtmodeltester.check(dialog.model, force_py=True)
    assert dialog.model.rowCount() == 2 and dialog.status.text() == "2 likely duplicate pairs."
    pair = dialog.selected()
    assert pair.reasons == ("same phone",)  # the strongest first
    assert {dialog.cells[("name", 1)].text(), dialog.cells[("name", 2)].text()} == {
        "Bill Armstrong", "William Armstrong"}  # fmt: skip
    assert dialog.table.isEnabled() and dialog.distinct.isEnabled()
    assert not dialog.keep_left.isEnabled(), "a merge needs a reason"
    qtbot.keyClicks(dialog.reason, "Same number, same man")
    assert dialog.keep_left.isEnabled()
    merged = []
    dialog.merged.connect(merged.append)
    qtbot.mouseClick(dialog.keep_left, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(merged), timeout=10_000)
    kept, dropped = pair.first.id, pair.second.id
    assert (merged[0].kept, merged[0].dropped) == (kept, dropped)
    assert dialog.status.text().startswith(f"Merged {pair.second.name}")
    assert dialog.model.rowCount() == 1 and dialog.reason.text() == ""
    from hubapp.store.schema import Person

    with store.read() as s:
        assert s.get(Person, dropped).voided and not s.get(Person, kept).voided


def test_not_the_same_person_takes_the_pair_off_for_good(qtbot, store, twins):
    dialog = open_review(qtbot, store)
    dialog.table.selectRow(1)
    pair = dialog.selected()
    qtbot.mouseClick(dialog.distinct, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10_000)
    assert "recorded as different people" in dialog.status.text()
    remaining = {frozenset((p.first.id, p.second.id)) for p in merging.duplicates(store)}
    assert frozenset((pair.first.id, pair.second.id)) not in remaining and len(remaining) == 1
