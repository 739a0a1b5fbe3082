"""The audit viewer and the subject access export from the case window, driven like a user
would (pytest-qt, real SQLite files); the model checked with qtmodeltester."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from casework import controlled_window, new_case
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from hubapp.models.audit_log import AuditLogModel, EntryRole
from hubapp.store import database
from hubapp.store.admin import audit_query
from hubapp.store.admin.audit_query import AuditFilter, AuditRow
from hubapp.store.casework import casedetail
from hubapp.store.schema import CasePerson, Person
from hubapp.views.audit_viewer import AuditViewer


@pytest.fixture
def case_id(store):
    cid = new_case(store, "CAR-2026-0042", summary="Bins on fire")
    with store.write() as s:
        for name in ("Jay <i>Doe</i>", "Ann Other"):
            p = Person(id=uuid.uuid4(), full_name=name, phone="07700 900123")
            s.add(p)
            s.flush()
            s.add(CasePerson(id=uuid.uuid4(), case_id=cid, person_id=p.id, role="witness"))
    for _ in range(4):
        casedetail.load(store, cid)
    return cid


def _row(i: int, reason: str = "case opened") -> AuditRow:
    return AuditRow(id=i, at=datetime(2026, 6, 1, 12, i % 60), user="akhan", station_id=None,
                    kind="consultation", entity="case_", record_ids=[str(uuid.uuid4())],
                    details={"persons": []}, reason=reason, prev_hash="", hash="h",
                    station="Carlisle Civic Centre")  # fmt: skip


def test_the_model_passes_the_model_tester_and_pages_on_request(qtmodeltester, qtbot):
    model = AuditLogModel()
    model.set_rows([_row(i, "<b>bold?</b>\nsecond line") for i in (9, 8, 7)], more=True)
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, 5).data() == "<b>bold?</b> second line"
    assert model.index(0, 0).data() == "01/06/2026 13:09"  # UK summer time
    assert model.index(0, 4).data() == "case" and model.index(0, 0).data(EntryRole).id == 9
    # the tester asked for more already (and checks every reset): paging on a fresh model
    model = AuditLogModel()
    model.set_rows([_row(i) for i in (9, 8, 7)], more=True)
    assert model.canFetchMore()
    with qtbot.waitSignal(model.moreWanted) as asked:
        model.fetchMore()
    assert asked.args == [7] and not model.canFetchMore()  # once, until the page arrives
    model.append_rows([_row(6), _row(5)], more=False)
    assert model.rowCount() == 5 and not model.canFetchMore()
    assert model.flags(model.index(9, 9)) == Qt.ItemFlag.NoItemFlags


@pytest.fixture
def viewer(qtbot, store, case_id, monkeypatch):
    monkeypatch.setattr(AuditViewer, "PAGE", 3)
    w = AuditViewer(store)
    qtbot.addWidget(w)
    w.resize(900, 360)
    w.show()
    qtbot.waitUntil(lambda: w.model.rowCount() > 0, timeout=10_000)
    return w


def test_it_opens_on_the_newest_entries_and_shows_the_selected_ones_fields(qtbot, viewer, store):
    newest = audit_query.page(store, AuditFilter(), limit=1)[0]
    # pages of 3: the table reads more only while its window has room for them
    qtbot.waitUntil(lambda: not viewer.model._waiting, timeout=10_000)
    shown = viewer.model.rowCount()
    assert shown % 3 == 0 and shown < audit_query.count(store, AuditFilter())
    assert viewer.model.has_more()
    assert viewer.table.currentIndex().row() == 0
    text = viewer.details.toPlainText()
    assert f"Entry: {newest.id}" in text and newest.hash in text and "consultation" in text
    assert f"The newest {shown} entries" in viewer.status.text()


def test_scrolling_to_the_end_reads_the_next_page_in_the_background(qtbot, viewer, store):
    total = audit_query.count(store, AuditFilter())
    viewer.resize(900, 360)  # room for a few rows: the rest come as the table scrolls
    qtbot.waitUntil(lambda: not viewer.model._waiting, timeout=10_000)
    assert viewer.model.rowCount() < total
    viewer.table.setFocus()
    for _ in range(total + 2):
        qtbot.keyClick(viewer.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: not viewer.model._waiting, timeout=10_000)
    assert viewer.model.rowCount() == total and not viewer.model.has_more()
    ids = [viewer.model.entry(i).id for i in range(total)]
    assert ids == sorted(set(ids), reverse=True)


def test_filters_from_the_keyboard_and_a_bad_date_said_beside_the_bar(qtbot, viewer, store):
    viewer.kind.setCurrentIndex(viewer.kind.findData("collection"))
    viewer.record.setText("car-2026-0042")
    with qtbot.waitSignal(viewer.loaded, timeout=10_000):
        qtbot.keyClick(viewer.record, Qt.Key.Key_Return)
    kinds = {viewer.model.entry(i).kind for i in range(viewer.model.rowCount())}
    assert kinds == {"collection"}
    viewer.since.setText("31/02/2026")
    qtbot.keyClick(viewer.since, Qt.Key.Key_Return)
    assert viewer.problem.isVisible() and "is not a date" in viewer.problem.text()
    assert viewer.since.text() == "31/02/2026"  # what was typed stays
    viewer.since.setText("")
    viewer.record.setText("NOPE-1")
    qtbot.keyClick(viewer.record, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: viewer.problem.isVisible(), timeout=10_000)
    assert "neither a case reference" in viewer.problem.text()


def test_verify_says_intact_then_finds_the_changed_entry(qtbot, viewer, store):
    with qtbot.waitSignal(viewer.verified, timeout=30_000) as done:
        qtbot.mouseClick(viewer.verify_button, Qt.MouseButton.LeftButton)
    assert done.args[0].ok and "is intact" in viewer.chain.text()
    con = database.connect(store.path)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 5")
    con.commit()
    con.close()
    with qtbot.waitSignal(viewer.verified, timeout=30_000) as done:
        viewer.verify_button.click()
    assert done.args[0].first_broken == 5
    assert viewer.chain.text() == (
        "The audit log is broken at entry 5: it was changed after it was written."
    )


def test_export_runs_in_the_background_and_is_recorded(qtbot, viewer, store, tmp_path):
    viewer.kind.setCurrentIndex(viewer.kind.findData("consultation"))
    target = tmp_path / "audit.json"
    dialog = viewer.export()
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        dialog.start(str(target))
    qtbot.waitUntil(lambda: "Exported 4 entries" in viewer.status.text(), timeout=10_000)
    assert dialog.result == 4
    data = json.loads(target.read_text(encoding="utf-8"))
    assert {e["kind"] for e in data["entries"]} == {"consultation"}
    newest = audit_query.page(store, AuditFilter(), limit=1)[0]
    assert (newest.kind, newest.entity, newest.details["file"]) == (
        "disclosure", "audit_log", str(target))  # fmt: skip
    assert "Exported 4 entries" in viewer.status.text()


def test_the_menu_opens_the_viewer(qtbot, store, case_id):

    window, controller = controlled_window(qtbot, store)
    window.audit_log_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(AuditViewer) is not None, timeout=5_000)
    viewer = window.findChild(AuditViewer)
    qtbot.waitUntil(lambda: viewer.model.rowCount() > 0, timeout=10_000)
    for label in viewer.findChildren(QLabel):
        if label.text() and "&" not in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    viewer.close()


def test_subject_access_from_the_case_windows_people_tab(qtbot, store, case_id, tmp_path):
    from hubapp.views.case_view import CaseWindow

    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    assert w.subject_access_export() is None  # nobody chosen: a sentence, no file
    row = next(i for i in range(w.people_model.rowCount())
               if w.people_model.record(i).name == "Ann Other")  # fmt: skip
    w.people_table.selectRow(row)
    target = tmp_path / "ann.json"
    dialog = w.subject_access_export()
    assert "Ann Other" in dialog.findChild(QLabel, "subjectAccessIntro").text()
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        dialog.start(str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["person"]["full_name"] == "Ann Other"
    assert "Jay" not in json.dumps(data, ensure_ascii=False)
    newest = audit_query.page(store, AuditFilter(kind="disclosure"), limit=1)[0]
    assert newest.entity == "person" and newest.details["file"] == str(target)


def test_opening_a_case_window_writes_exactly_one_consultation(qtbot, store, case_id):
    from hubapp.views.case_view import CaseWindow

    before = audit_query.page(store, AuditFilter(), limit=1)[0].id
    w = CaseWindow(store, case_id)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    w.tabs.setCurrentIndex(w.tabs.count() - 1)  # moving between tabs reads nothing again
    entries = [r for r in audit_query.page(store, AuditFilter()) if r.id > before]
    assert [(r.kind, r.record_ids) for r in entries] == [("consultation", [str(case_id)])]
    assert len(entries[0].details["persons"]) == 2
