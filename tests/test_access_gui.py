"""Who sees what, where it shows: the case list, the case window and printed documents, on a
real database with staff accounts (pytest-qt, tests/test_access_world.py)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from test_access_world import POLICE_SECRET, SHARED_NOTE, World, build

from hubapp.documents import printing
from hubapp.models.case_table import CaseTableModel
from hubapp.store import lookups
from hubapp.store.access import AccessRefused
from hubapp.store.casework.caselist import CaseFilter, CaseList
from hubapp.views.case_view import CaseWindow

TODAY = date(2026, 5, 4)


@pytest.fixture
def world(store) -> World:
    """A hub with cases, notes, a locked-down victim and an account of every role."""
    return build(store)


def _list_model(store) -> CaseTableModel:
    model = CaseTableModel()
    model.set_source(CaseList(store), lookups.load(store))
    model.set_filter(CaseFilter(status=None))
    return model


def _references(model) -> set[str]:
    return {model.index(r, 0).data(Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())}


def test_a_partners_case_list_shows_only_their_cases(world, qtmodeltester):
    model = _list_model(world.as_user("rita"))
    qtmodeltester.check(model)
    assert _references(model) == {"CAR-2026-0003"}
    model = _list_model(world.as_user("cora"))
    assert _references(model) == {"CAR-2026-0001", "CAR-2026-0002", "CAR-2026-0003"}


def _open(qtbot, store, case_id) -> CaseWindow:
    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    return w


def test_opening_another_case_is_refused_and_nothing_is_shown(qtbot, world):
    store = world.as_user("cara")
    w = CaseWindow(store, world.b)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.failed, timeout=10_000) as failed:
        w.show()
    assert failed.args[0] == "You cannot open this case: your agency has no part in it."
    assert w.message.text() == failed.args[0]
    assert w.view is None
    assert w.ref_label.text() != "CAR-2026-0002"
    assert "Drug dealing" not in w.summary_label.text()


def _timeline_texts(w: CaseWindow) -> list[str]:
    return [e.text for e in w.timeline_model.records()]


def test_an_own_agency_note_is_absent_from_another_agencys_case_view(qtbot, world):
    w = _open(qtbot, world.as_user("cara"), world.a)
    assert SHARED_NOTE in _timeline_texts(w)
    assert POLICE_SECRET not in _timeline_texts(w)
    w.close()
    w = _open(qtbot, world.as_user("pete"), world.a)
    assert POLICE_SECRET in _timeline_texts(w)


def test_buttons_follow_the_role(qtbot, world):
    w = _open(qtbot, world.as_user("rory"), world.a)  # read-only
    assert not w.note_button.isEnabled()
    assert not w.summary_save.isEnabled() and not w.status_button.isEnabled()
    assert not w.subject_access_button.isEnabled()
    w.close()
    w = _open(qtbot, world.as_user("cara"), world.a)  # partner: notes yes, case edits no
    assert w.note_button.isEnabled()
    assert not w.summary_save.isEnabled()
    w.close()
    w = _open(qtbot, world.as_user("pete"), world.a)  # police: may not close
    targets = [w.status_target.itemData(i) for i in range(w.status_target.count())]
    assert "closed" not in targets and targets
    w.close()
    w = _open(qtbot, world.as_user("cora"), world.a)
    targets = [w.status_target.itemData(i) for i in range(w.status_target.count())]
    assert "closed" in targets and w.summary_save.isEnabled()


def _pdf_text(document) -> str:
    pages = PdfReader(io.BytesIO(document.pdf)).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def test_a_printed_case_summary_leaves_out_another_agencys_note(world):
    # the police profile prints own-agency notes: only those the reader may read
    police = _pdf_text(printing.case_summary(world.as_user("pete"), "CAR-2026-0001", "police",
                                             today=TODAY))  # fmt: skip
    assert "Covert observation" in police
    partner = _pdf_text(printing.case_summary(world.as_user("cara"), "CAR-2026-0001",
                                              "police", today=TODAY))  # fmt: skip
    assert "Council letter sent" in partner
    assert "Covert observation" not in partner
    with pytest.raises(AccessRefused):
        printing.case_summary(world.as_user("cara"), "CAR-2026-0002", "police", today=TODAY)


def test_a_partners_meeting_pack_has_only_their_cases(world):
    pack = printing.meeting_pack(world.as_user("rita"), "CAR", "partner", today=TODAY)
    assert pack.case_references == ["CAR-2026-0003"]
    pack = printing.meeting_pack(world.as_user("cora"), "CAR", "partner", today=TODAY)
    assert set(pack.case_references) == {"CAR-2026-0001", "CAR-2026-0002", "CAR-2026-0003"}


def test_a_partners_pack_for_a_meeting_has_only_their_agenda_cases(world):
    from casework import hub_id

    from hubapp.store.casework import meetings

    store = world.as_user("cora")
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), date(2026, 5, 6))
    for case_id in (world.a, world.b, world.c):
        meetings.add_agenda_item(store, meeting, case_id, "emerging_issue", "Discuss at the hub")
    pack = printing.meeting_pack(world.as_user("rita"), "CAR", "partner", day=date(2026, 5, 6),
                                 today=TODAY)  # fmt: skip
    assert pack.case_references == ["CAR-2026-0003"]
    pack = printing.meeting_pack(world.as_user("cora"), "CAR", "partner", day=date(2026, 5, 6),
                                 today=TODAY)  # fmt: skip
    assert pack.case_references == ["CAR-2026-0001", "CAR-2026-0002", "CAR-2026-0003"]


def test_the_grid_offers_role_changes_to_coordinators_only(world, qtmodeltester, qtbot):
    from casework import hub_id

    from hubapp.models.assignment_grid import AssignmentGridModel
    from hubapp.store.casework.grid import GridFilter

    store = world.as_user("cara")
    model = AssignmentGridModel()
    model.set_source(store, GridFilter(hub_id(store, "CAR"), status=None))
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)  # read in the background
    qtmodeltester.check(model)
    assert model.rowCount() == 1  # only the council's case
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    store = world.as_user("cora")
    model.refresh()
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)
    assert model.rowCount() == 3
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
