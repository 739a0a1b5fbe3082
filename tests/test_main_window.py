"""The main window driven with pytest-qt, on real database files."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from hubapp.gui import Controller, OpenDatabase
from hubapp.models.case_table import CaseIdRole
from hubapp.views.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _open(window, path, qtbot) -> Controller:
    controller = Controller(window, path)
    errors = []
    controller.open(on_error=errors.append)
    qtbot.waitUntil(lambda: controller.db is not None or bool(errors), timeout=30_000)
    assert not errors
    return controller


@pytest.fixture
def demo_window(window, demo_store, qtbot):
    """The window attached to a demo database, opened as the app opens it."""
    path = demo_store.path
    demo_store.close()
    controller = _open(window, path, qtbot)
    window.attach(controller.db)
    return window, controller


def test_window_paints_before_the_database_is_open(window, qtbot):
    assert window.search.isEnabled() is False
    assert window.model.rowCount() == 0
    assert "Opening" in window.detail._hint.text()


def test_demo_database_fills_the_list_and_status_bar(window, demo_store, qtbot):
    path = demo_store.path
    demo_store.close()
    controller = _open(window, path, qtbot)
    db: OpenDatabase = controller.db
    window.attach(db)
    station = db.station
    assert station is not None
    assert window.station_label.text() == f"{station.hub_name} hub · {station.station_name}"
    # the app's name once, at the end (where Qt would otherwise add it again)
    assert window.windowTitle() == f"{station.hub_name} — Local Focus Hub"
    # the station's own hub and open cases by default
    assert window.hub_combo.currentText() == station.hub_name
    expected = db.case_list.count(window.model.case_filter)
    assert window.model.rowCount() == expected > 0
    assert window.count_label.text().startswith(f"{expected:,} case")


def test_typing_in_search_filters_as_you_type(demo_window, qtbot):
    window, controller = demo_window
    window.all_hubs_action.trigger()
    window.all_status_action.trigger()
    everything = window.model.rowCount()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    counts = []
    for ch in "kendal":
        qtbot.keyClicks(window.search, ch)
        counts.append(window.model.rowCount())
    assert counts[-1] < everything and counts[-1] > 0
    assert counts == sorted(counts, reverse=True)
    # every row shown mentions Kendal somewhere the index covers
    idx = window.model.index(0, 0)
    case_id = idx.data(CaseIdRole)
    with controller.db.store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT town || ' ' || location || ' ' || summary || ' ' || details FROM case_ WHERE id = ?",
            (case_id.hex,),
        ).scalar()
    assert "kendal" in row.lower()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == "" and window.table.hasFocus()
    assert window.model.rowCount() == everything


def test_selecting_a_case_shows_it_and_records_a_consultation(demo_window, qtbot):
    window, controller = demo_window
    with controller.db.store.engine.connect() as conn:
        before = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE kind='consultation'"
        ).scalar()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    ref = window.table.currentIndex().siblingAtColumn(0).data()
    qtbot.waitUntil(lambda: ref in window.detail.browser.toPlainText(), timeout=10_000)
    text = window.detail.browser.toPlainText()
    assert "Status" in text and "Lead agency" in text
    with controller.db.store.engine.connect() as conn:
        after = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE kind='consultation'"
        ).scalar()
    assert after == before + 1


def test_user_markup_in_a_case_shows_literally(window, store, qtbot):
    from datetime import date, datetime

    from sqlalchemy import select

    from hubapp.store.schema import Case, Category, Channel, Hub

    with store.write() as s:
        hub = s.scalar(select(Hub).where(Hub.code == "CAR"))
        s.add(Case(
            seq=1, reference="CAR-2026-0001", hub_id=hub.id,
            category_id=s.scalar(select(Category.id).limit(1)),
            channel_id=s.scalar(select(Channel.id).limit(1)),
            summary="<b>Bold</b> & <img src='file:///etc/passwd'>", details="Zoë & Łukasz <i>said</i>",
            location="Bitts Park", town="Carlisle", received_at=datetime(2026, 3, 2, 10, 0),
            opened_on=date(2026, 3, 2),
        ))  # fmt: skip
    path = store.path
    store.close()
    controller = _open(window, path, qtbot)
    window.attach(controller.db)
    assert window.model.rowCount() == 1
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "CAR-2026-0001" in window.detail.browser.toPlainText(), timeout=10_000)
    text = window.detail.browser.toPlainText()
    assert "<b>Bold</b> & <img src='file:///etc/passwd'>" in text
    assert "Zoë & Łukasz <i>said</i>" in text


def test_sorting_by_clicking_a_header(demo_window, qtbot):
    window, controller = demo_window
    header = window.table.horizontalHeader()
    with qtbot.waitSignal(window.model.modelReset):
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    refs = [window.model.index(r, 0).data() for r in range(50)]
    assert refs == sorted(refs)
    with qtbot.waitSignal(window.model.modelReset):
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert [window.model.index(r, 0).data() for r in range(50)] == sorted(
        (window.model.index(r, 0).data() for r in range(50)), reverse=True
    )


def test_first_start_asks_for_hub_and_station(qtbot, db_path):
    from hubapp.store import setup
    from hubapp.store.database import open_store
    from hubapp.views.first_start import FirstStartDialog

    store = open_store(db_path)
    dialog = FirstStartDialog(setup.hub_choices(store), lambda h, s: setup.configure(store, h, s))
    qtbot.addWidget(dialog)
    names = [dialog.hub.itemText(i) for i in range(dialog.hub.count())]
    assert names[-1] == "Eden (launching later)"
    assert not dialog.hub.model().item(dialog.hub.count() - 1).isEnabled()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    # nothing is chosen for the user: Enter straight away is refused
    assert names[0] == "Choose this PC's hub…" and dialog.station.text() == ""
    dialog.show()
    qtbot.waitExposed(dialog)
    width = dialog.width()
    assert width >= 460
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Choose the hub this PC works for."
    # the message takes room below; the dialog keeps its width, the hub box its words
    assert dialog.width() == width
    assert dialog.hub.width() >= dialog.hub.sizeHint().width()
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())
    dialog.hub.setCurrentIndex(names.index("South Lakeland"))
    assert dialog.station.text() == "Kendal Police Station"
    dialog.station.clear()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert (
        dialog.error.isVisibleTo(dialog)
        and dialog.error.text() == "Enter the name of this station."
    )
    assert setup.current(store) is None
    qtbot.keyClicks(dialog.station, "Kendal Police Station (front desk)")
    assert not dialog.error.isVisibleTo(dialog)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.working is None, timeout=10_000)  # saved in the background
    assert dialog.result() == dialog.DialogCode.Accepted
    info = setup.current(store)
    assert (info.hub_name, info.station_name) == (
        "South Lakeland",
        "Kendal Police Station (front desk)",
    )
    store.close()


def test_a_bad_database_file_reports_one_sentence(qtbot, tmp_path, window):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a database")
    controller = Controller(window, bad)
    errors = []
    controller.open(on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert errors == [f"{bad} is not a hubapp database (it is not an SQLite file)."]


def test_tabbing_into_the_list_opens_no_case(demo_window, qtbot):
    """Only a selected row is a deliberate opening (and an audited consultation)."""
    window, controller = demo_window
    window.search.setFocus()
    qtbot.keyClick(window.search, Qt.Key.Key_Tab)
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(3, 0))
    window.table.clearSelection()
    qtbot.wait(300)  # longer than the selection settles; nothing may be opened
    assert window.selected_case_id() is None
    assert "Select a case" in window.detail._hint.text()
    with controller.db.store.engine.connect() as conn:
        n = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE kind='consultation'"
        ).scalar()
    assert n == 0


def test_reset_columns_restores_order_and_widths(window):
    header = window.table.horizontalHeader()
    widths = [window.table.columnWidth(i) for i in range(header.count())]
    header.moveSection(0, 5)
    window.table.setColumnWidth(2, 400)
    window.reset_columns_action.trigger()
    assert [header.logicalIndex(v) for v in range(header.count())] == list(range(header.count()))
    assert [window.table.columnWidth(i) for i in range(header.count())] == widths


def test_an_empty_result_says_what_to_do(demo_window, qtbot):
    window, controller = demo_window
    qtbot.keyClicks(window.search, "zzqxv")
    assert window.model.rowCount() == 0
    assert window.detail._hint.text().startswith("No cases match the search.")
    window.search.setText("k")
    assert window.count_label.text().startswith("Type two letters or more to search")


def test_opening_a_case_while_another_program_writes_says_so(demo_window, qtbot):
    from hubapp.store import database

    window, controller = demo_window
    path = controller.db.store.path
    other = database.connect(path)  # autocommit: BEGIN below takes the lock
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        window.table.selectRow(1)
        qtbot.waitUntil(
            lambda: "waiting for another program" in window.detail._hint.text(), timeout=5000
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    ref = window.model.index(1, 0).data()
    qtbot.waitUntil(lambda: ref in window.detail.browser.toPlainText(), timeout=15_000)


def test_pages_switch_from_the_keyboard_and_the_count_follows_the_case_list(demo_window, qtbot):
    window, _controller = demo_window
    window.show()
    qtbot.waitExposed(window)
    assert window.count_label.isVisible()
    for key, page in (("2", "grid_page"), ("3", "agency_actions_page"), ("4", "meetings_page")):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.pages.currentWidget() is getattr(window, page)
        # the case list's count would mislead under the grid or another page
        assert not window.count_label.isVisible()
    qtbot.keyClick(window, "1", Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.splitter
    assert window.count_label.isVisible()


def test_unfinished_reports_are_mentioned_once_at_start(window, store, qtbot):
    from hubapp.store.intake import drafts
    from hubapp.store.intake.form import IntakeForm

    drafts.write(store, IntakeForm(summary="Half-typed"))
    path = store.path
    store.close()
    controller = _open(window, path, qtbot)
    assert controller.db.drafts_waiting == 1
    window.attach(controller.db)
    assert window.statusBar().currentMessage() == ""  # attaching alone says nothing
    window.show_drafts_waiting(controller.db.drafts_waiting)
    message = window.statusBar().currentMessage()
    assert message.startswith("You have 1 unfinished report — ") and "Ctrl+Shift+N" in message
    assert window.drafts_action.shortcut().toString() == "Ctrl+Shift+N"
    window.show_drafts_waiting(0)  # none: nothing said
    window.statusBar().clearMessage()
    window.show_drafts_waiting(0)
    assert window.statusBar().currentMessage() == ""
    controller.db.store.close()


def test_every_menu_item_has_its_own_mnemonic(window):
    """Alt+letter opens one item only: two items of a menu with the same letter would make a
    keyboard user press it twice and guess."""
    import re

    clashes = {}
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        letters: dict[str, list[str]] = {}
        for action in menu.actions():
            if action.isSeparator():
                continue
            found = re.search(r"&(\w)", action.text().replace("&&", ""))
            assert found, f"{action.text()!r} in {menu_action.text()!r} has no mnemonic"
            letters.setdefault(found.group(1).lower(), []).append(action.text())
        clashes.update({f"{menu_action.text()} {k}": v for k, v in letters.items() if len(v) > 1})
    assert clashes == {}
