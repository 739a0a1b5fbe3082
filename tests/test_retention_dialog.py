"""Tools > Retention review…: the list, Keep until… and Erase…, driven as a person would."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from casework import controlled_window, new_case
from PySide6.QtCore import QThreadPool
from sqlalchemy import select

from hubapp.models.retention import ItemRole, RetentionModel
from hubapp.store.admin import retention
from hubapp.store.schema import Case, CasePerson, Person
from hubapp.views.retention import RetentionDialog


@pytest.fixture
def seeded(store):
    a = new_case(store, "CAR-2019-0001", status="closed", closed_on=date(2019, 2, 1),
                 summary="<b>Bonfire</b> on the green")  # fmt: skip
    new_case(store, "CAR-2019-0002", status="closed", closed_on=date(2019, 3, 1),
             summary="Graffiti")  # fmt: skip
    with store.write() as s:
        p = Person(id=uuid.uuid4(), full_name="Tamsin Wolstenholme")
        s.add(p)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=a, person_id=p.id, role="witness"))
    return a


@pytest.fixture
def dialog(qtbot, store, seeded):
    d = RetentionDialog(store, today=date(2026, 11, 25))
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.model.rowCount() == 3)
    yield d
    QThreadPool.globalInstance().waitForDone(10_000)


def test_model_passes_the_model_tester(qtmodeltester, store, seeded):
    model = RetentionModel()
    model.set_items(retention.due(store, date(2026, 11, 25)))
    assert model.rowCount() == 3
    qtmodeltester.check(model, force_py=True)
    item = model.index(0, 0).data(ItemRole)
    assert item.reference == "CAR-2019-0001"
    assert model.index(0, 2).data() == "<b>Bonfire</b> on the green"  # plain text, as typed
    model.remove(item.record_id)
    qtmodeltester.check(model, force_py=True)


def test_keep_until_shows_problems_beside_the_fields_then_keeps(qtbot, dialog, store):
    dialog.table.selectRow(0)
    keep = dialog.keep_selected()
    keep.reason.setText("   ")
    keep.submit()
    assert keep.reason_error.isVisible() and "reason" in keep.reason_error.text()
    keep.reason.setText("court case pending")
    with qtbot.waitSignal(keep.kept, timeout=10_000):
        keep.submit()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    refs = [dialog.model.item(r).reference for r in range(dialog.model.rowCount())]
    assert "CAR-2019-0001" not in refs
    assert all(i.reference != "CAR-2019-0001" for i in retention.due(store, date(2026, 11, 25)))


def test_erase_asks_for_the_reference_and_runs_in_the_background(qtbot, dialog, store):
    dialog.table.selectRow(0)
    assert dialog.selected().reference == "CAR-2019-0001"
    erase = dialog.erase_selected()
    erase.typed.setText("CAR-2019-0002")
    erase.reason.setText("retention review")
    erase.submit()
    assert erase.typed_error.isVisible() and not erase.running()
    assert erase.reason.text() == "retention review"  # nothing typed is lost
    erase.typed.setText("car-2019-0001")
    with qtbot.waitSignal(erase.erased, timeout=20_000):
        erase.submit()
    # the case and its only witness are gone: the list is read again
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert dialog.model.item(0).reference == "CAR-2019-0002"
    assert dialog.status.text().startswith("Erased CAR-2019-0001")
    with store.read() as s:
        assert s.scalar(select(Case.id).where(Case.reference == "CAR-2019-0001")) is None
        assert s.scalar(select(Person.id)) is None


def test_tools_menu_opens_the_review(qtbot, store, seeded):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    window, controller = controlled_window(qtbot, store)
    window.retention_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(RetentionDialog) is not None, timeout=5_000)
    review = window.findChild(RetentionDialog)
    qtbot.waitUntil(lambda: review.model.rowCount() == 3, timeout=10_000)
    for label in review.findChildren(QLabel):
        if label.text() and "&" not in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    review.close()
    QThreadPool.globalInstance().waitForDone(10_000)
