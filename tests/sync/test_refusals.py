"""Changes the central database refused: kept in a local table, shown, dismissed.

The table comes with migration 0008; the refused ops come from a real sync against the real
server, whose push hands them to ``refusals.record`` in the transaction that empties the
outbox, with the reason the central side gave.
"""

from __future__ import annotations

import json
import uuid

import pytest
from syncutil import Station

from hubapp.models.sync_refusals import RefusalRole, RefusalTableModel
from hubapp.store.errors import StoreError
from hubapp.sync import refusals
from hubapp.sync.share import share_case, unshare_case
from hubapp.views.sync_conflicts import ConflictsDialog


def _outbox(store) -> list[tuple]:
    with store.engine.connect() as c:
        return c.exec_driver_sql(
            "SELECT seq, op_id, tbl, row_id, kind, fields FROM sync_outbox ORDER BY seq"
        ).fetchall()


def test_an_edit_to_a_case_no_longer_shared_is_refused_kept_and_dismissed(stations):
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    case = a.new_case("Shared for a while")
    a.sync(), c.sync()
    share_case(a.url, case, "Copeland")
    c.sync()
    c.edit(case, summary="Copeland's edit", town="Cleator Moor")
    unshare_case(a.url, case, "Copeland")  # before Copeland's edit reaches central
    assert refusals.open_count(c.store) == 0

    assert c.sync().refused == 1 and c.pending() == 0
    (row,) = refusals.open_refusals(c.store)
    assert row.record.startswith("Case CAR")
    assert row.fields == "Summary, Town"
    assert row.reason == refusals.REASONS["not_shared"]
    assert row.case_id is None  # the case left this station when it was unshared
    assert refusals.open_count(c.store) == 1

    refusals.dismiss(c.store, row.id)
    assert refusals.open_refusals(c.store) == []
    with pytest.raises(StoreError):
        refusals.dismiss(c.store, row.id)
    with c.store.engine.connect() as con:
        by = con.exec_driver_sql("SELECT dismissed_by FROM sync_refusal").scalar_one()
    assert by == c.store.user


def test_record_keeps_each_op_once_with_its_reason_and_only_field_names(stations):
    a = stations("Carlisle", "Civic Centre")
    case = a.new_case()
    note = a.note(case, "A note naming someone")
    ops = _outbox(a.store)
    note_op = next(o for o in ops if o[2] == "note")
    refused = [(note_op[1], "note", note_op[3], "not_shared")]
    with a.store.write(reason="test") as s:
        assert refusals.record(s, ops, refused) == 1
        assert refusals.record(s, ops, refused) == 1  # a retried batch: no second row
        assert refusals.record(s, ops, []) == 0
    (row,) = refusals.open_refusals(a.store)
    assert row.record.startswith("Note of case CAR")
    assert row.fields.startswith("New record (")
    assert row.reason == refusals.REASONS["not_shared"]
    with a.store.engine.connect() as con:
        stored = con.exec_driver_sql("SELECT fields, row_id FROM sync_refusal").one()
    assert "naming someone" not in stored[0]  # names of fields only, never values
    assert "body" in json.loads(stored[0])
    assert stored[1] == note.hex


def test_a_database_without_the_table_keeps_nothing_and_fails_nothing(tmp_path, central):
    st = Station(tmp_path, central, "Carlisle", "No table yet")
    try:
        with st.store.engine.begin() as con:  # as before migration 0008
            con.exec_driver_sql("DROP TABLE sync_refusal")
        st.new_case()
        ops = _outbox(st.store)
        with st.store.write(reason="test") as s:
            assert refusals.record(s, ops, [(ops[0][1], ops[0][2], ops[0][3])]) == 0
        assert refusals.open_count(st.store) == 0
        assert refusals.open_refusals(st.store) == []
    finally:
        st.close()


def _row(i: int) -> refusals.RefusalRow:
    return refusals.RefusalRow(i, f"Case CAR-2026-{i:04d}", "Summary", "Why", "2026-11-25 09:30:00")


def test_the_refusal_model_passes_the_model_tester(qtmodeltester):
    model = RefusalTableModel()
    model.set_rows([_row(1), _row(2)])
    qtmodeltester.check(model, force_py=True)
    assert model.index(1, 0).data(RefusalRole).id == 2
    assert model.index(0, 3).data().startswith("25/11/2026")
    model.set_rows([])
    qtmodeltester.check(model, force_py=True)


def test_the_conflicts_dialog_shows_refused_changes_and_dismisses_them(stations, qtbot):
    a = stations("Carlisle", "Civic Centre")
    case = a.new_case()
    a.edit(case, summary="Changed here")
    ops = _outbox(a.store)
    with a.store.write(reason="test") as s:
        refusals.record(s, ops, [(o[1], o[2], o[3]) for o in ops if o[2] == "case_"])
    dialog = ConflictsDialog(a.store, uuid.uuid4())
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.refusalsLoaded, timeout=5_000) as loaded:
        pass
    assert loaded.args == [2]
    assert dialog.refused_table.isVisible() and dialog.dismiss_button.isEnabled()
    assert dialog.refused_model.index(0, 1).data() == "Summary"  # newest first
    with qtbot.waitSignal(dialog.dismissed, timeout=5_000):
        dialog.dismiss_button.click()
    qtbot.waitUntil(lambda: dialog.refused_model.rowCount() == 1, timeout=5_000)
    with qtbot.waitSignal(dialog.dismissed, timeout=5_000):
        dialog.dismiss_button.click()
    qtbot.waitUntil(lambda: not dialog.refused_table.isVisible(), timeout=5_000)
    assert refusals.open_count(a.store) == 0
