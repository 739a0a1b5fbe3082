"""Accessibility (issue 19): every window and dialog of the app, opened on a real demo
database, names each control for a screen reader and takes Tab in the order the eye reads
it; colours reach WCAG AA contrast and never carry a meaning alone; every action has a
keyboard route."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from a11y import column_problems, order_problems, rect_in, tab_stops, tab_walk, unnamed
from casework import agency_id, controlled_window, hub_id
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from sqlalchemy import select

PASSWORD = "correct horse battery"

# --- the screens, each opened as a person finds it ----------------------------------------


@pytest.fixture
def app(qtbot, demo_store):
    window, controller = controlled_window(qtbot, demo_store, attach=True)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=20_000)
    return window, controller


def shown(qtbot, w: QWidget) -> QWidget:
    qtbot.addWidget(w)
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def a_case(store) -> uuid.UUID:
    from hubapp.store.schema import Case

    with store.read() as s:
        return s.scalar(select(Case.id).where(Case.status != "closed").order_by(Case.seq))


def main_window(qtbot, store, window, controller):
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.selected_case() is not None, timeout=10_000)
    return window


def grid(qtbot, store, window, controller):
    window.show_grid()
    qtbot.waitUntil(lambda: window.grid_page.model.rowCount() > 0, timeout=10_000)
    return window


def agency_actions(qtbot, store, window, controller):
    window.show_agency_actions()
    window.agency_actions_page.choose_agency(agency_id(store, "POLICE"))
    qtbot.waitUntil(lambda: window.agency_actions_page.model.rowCount() > 0, timeout=10_000)
    return window


def meetings(qtbot, store, window, controller):
    window.show_meetings()
    QApplication.processEvents()
    return window


def intake(qtbot, store, window, controller):
    w = controller.new_issue()
    w.add_person()
    qtbot.addWidget(w, before_close_func=lambda w: setattr(w, "_closing", True))
    with qtbot.waitActive(w):
        w.activateWindow()
    return w


def case_window(qtbot, store, window, controller):
    w = controller.open_case(a_case(store))
    qtbot.waitUntil(lambda: w.view is not None, timeout=10_000)
    qtbot.addWidget(w)
    return w


def action_dialog(qtbot, store, window, controller):
    from hubapp.views.action_dialog import ActionDialog

    w = shown(qtbot, ActionDialog(store, a_case(store), agency_id(store, "POLICE"), window))
    qtbot.waitUntil(lambda: not w.busy, timeout=10_000)
    return w


def print_dialog(qtbot, store, window, controller):
    w = controller.print_documents()
    qtbot.addWidget(w)
    QApplication.processEvents()
    return w


def audit_viewer(qtbot, store, window, controller):
    from hubapp.views.audit_viewer import AuditViewer

    w = shown(qtbot, AuditViewer(store, window))
    qtbot.waitUntil(lambda: w.model.rowCount() > 0, timeout=10_000)
    return w


def drafts_dialog(qtbot, store, window, controller):
    from hubapp.views.drafts_dialog import DraftsDialog

    return shown(qtbot, DraftsDialog(store, window))


def import_dialog(qtbot, store, window, controller, tmp_path):
    from hubapp.gui.exchange import import_job
    from hubapp.views.import_dialog import ImportDialog

    f = tmp_path / "reports.csv"
    f.write_text("received,hub,channel,category,summary\n", encoding="utf-8")
    return shown(qtbot, ImportDialog(import_job(store), f, window))


def export_dialog(qtbot, store, window, controller):
    from hubapp.gui.exchange import export_cases_job
    from hubapp.views.export_dialog import ExportDialog

    return shown(qtbot, ExportDialog(export_cases_job(store), hub_id(store, "CAR"), "Carlisle",
                                     window))  # fmt: skip


def conflicts_dialog(qtbot, store, window, controller):
    from hubapp.views.sync_conflicts import ConflictsDialog

    w = shown(qtbot, ConflictsDialog(store, controller.db.station.station_id, window))
    qtbot.waitUntil(lambda: w.model is not None, timeout=5_000)
    return w


def risk_dialog(qtbot, store, window, controller):
    from hubapp.views.risk_dialog import RiskDialog

    return shown(qtbot, RiskDialog("Ann Smith", parent=window))


def plan_meeting(qtbot, store, window, controller):
    from hubapp.views.meetings import PlanMeetingDialog

    return shown(qtbot, PlanMeetingDialog(store, hub_id(store, "CAR"), "Carlisle",
                                          "Civic Centre", window))  # fmt: skip


def retention_dialog(qtbot, store, window, controller):
    from hubapp.views.retention import RetentionDialog

    return shown(qtbot, RetentionDialog(store, window, today=date(2026, 11, 25)))


def central_dialog(qtbot, store, window, controller):
    from hubapp.views.central_dialog import CentralDialog

    w = shown(qtbot, CentralDialog(store, window, timeout=2.0))
    qtbot.waitUntil(w.save_button.isEnabled, timeout=5_000)
    return w


def sharing_dialog(qtbot, store, window, controller):
    from hubapp.views.central_dialog import SharingDialog

    return shown(qtbot, SharingDialog(store, a_case(store), "CAR-2026-0001", window))


def backup_dialog(qtbot, store, window, controller, tmp_path):
    from hubapp.gui.backups import backup_job
    from hubapp.views.backup_dialog import BackupDialog

    return shown(qtbot, BackupDialog(backup_job(store), tmp_path / "hub.backup", window))


def restore_dialog(qtbot, store, window, controller):
    from hubapp.gui.backups import restore_job
    from hubapp.store.admin import backup
    from hubapp.views.backup_dialog import RestoreDialog

    return shown(qtbot, RestoreDialog(backup.list_backups(store.path), restore_job(store.path),
                                      window))  # fmt: skip


def demo_dialog(qtbot, store, window, controller):
    from hubapp.views.demo_dialog import DemoDialog

    return shown(qtbot, DemoDialog(lambda ctx, n: None, window))


def first_start(qtbot, store, window, controller):
    from hubapp.store import setup
    from hubapp.views.first_start import FirstStartDialog

    hubs = setup.hub_choices(store)
    return shown(qtbot, FirstStartDialog(hubs, lambda h, s: None, window))


def sign_in(qtbot, store, window, controller):
    from hubapp.views.sign_in import SignInDialog

    return shown(qtbot, SignInDialog(lambda u, p: None, window, station="Carlisle"))


def passphrase(qtbot, store, window, controller):
    from hubapp.gui.startup import unlock_job
    from hubapp.views.passphrase_dialog import PassphraseDialog

    return shown(qtbot, PassphraseDialog(unlock_job(store.path), window, database=str(store.path)))


def new_passphrase(qtbot, store, window, controller):
    from hubapp.store import keys
    from hubapp.views.passphrase_dialog import NewPassphraseDialog

    return shown(qtbot, NewPassphraseDialog(keys.passphrase_problem, window))


def lock_screen(qtbot, store, window, controller, request):
    from hubapp.views.idle_lock import IdleLock

    lock = IdleLock(lambda password: None, lambda: "Ada Admin", parent=window)
    request.addfinalizer(lambda: QApplication.instance().removeEventFilter(lock))
    lock.lock()
    QApplication.processEvents()
    return lock.screens()[0]


def accounts_dialog(qtbot, store, window, controller):
    from hubapp.store import accounts, lookups
    from hubapp.store.accounts import AccountDraft
    from hubapp.views.accounts_dialog import AccountsDialog

    accounts.create_account(store, AccountDraft("boss", "Bea Boss", "administrator"), PASSWORD)
    accounts.sign_in(store, "boss", PASSWORD)
    w = shown(qtbot, AccountsDialog(store, window, lookups.load(store)))
    qtbot.waitUntil(lambda: not w.busy, timeout=10_000)
    return w


def due_item(store):
    from casework import new_case

    from hubapp.domain.clock import local_today
    from hubapp.store.admin import retention

    new_case(store, "CAR-2019-0001", status="closed", closed_on=date(2019, 2, 1))
    return next(i for i in retention.due(store, local_today()) if i.reference == "CAR-2019-0001")


def keep_dialog(qtbot, store, window, controller):
    from hubapp.domain.clock import local_today
    from hubapp.views.retention import KeepDialog

    return shown(qtbot, KeepDialog(store, due_item(store), local_today(), window))


def erase_dialog(qtbot, store, window, controller):
    from hubapp.views.retention import EraseDialog

    return shown(qtbot, EraseDialog(store, due_item(store), window))


SCREENS = {f.__name__: f for f in (
    main_window, grid, agency_actions, meetings, intake, case_window, action_dialog,
    print_dialog, audit_viewer, drafts_dialog, import_dialog, export_dialog, conflicts_dialog,
    risk_dialog, plan_meeting, retention_dialog, central_dialog, sharing_dialog, backup_dialog,
    restore_dialog, demo_dialog, first_start, sign_in, passphrase, new_passphrase, lock_screen,
    accounts_dialog, keep_dialog, erase_dialog,
)}  # fmt: skip


def open_screen(name, qtbot, app, demo_store, tmp_path, request):
    window, controller = app
    f = SCREENS[name]
    args = (qtbot, demo_store, window, controller)
    wanted = f.__code__.co_varnames[: f.__code__.co_argcount]
    if "tmp_path" in wanted:
        args += (tmp_path,)
    if "request" in wanted:
        args += (request,)
    return f(*args)


@pytest.mark.parametrize("name", list(SCREENS))
def test_every_control_has_a_name(qtbot, app, demo_store, tmp_path, request, name):
    """A screen reader can say what each control is: its label (a buddy), its text, or an
    accessible name set for it; on every tab of a window with tabs."""
    w = open_screen(name, qtbot, app, demo_store, tmp_path, request)
    tabs = getattr(w, "tabs", None)
    problems = set(unnamed(w))
    if tabs is not None:
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            QApplication.processEvents()
            problems |= set(unnamed(w))
    assert sorted(problems) == []


def test_the_name_check_finds_an_unnamed_control(qtbot):
    from PySide6.QtWidgets import QFormLayout, QLineEdit, QToolButton

    form = QWidget()
    qtbot.addWidget(form)
    layout = QFormLayout(form)
    labelled, bare, icon = QLineEdit(), QLineEdit(objectName="bare"), QToolButton()
    layout.addRow("&Name:", labelled)
    layout.addRow(bare)
    layout.addRow(icon)
    assert len(unnamed(form)) == 2
    bare.setAccessibleName("Phone")
    icon.setAccessibleName("Clear")
    assert unnamed(form) == []


#: what a person types or chooses in
FIELDS = (QLineEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox)

#: forms read column by column within their groups (tests/test_intake_form.py has its order)
BY_COLUMNS = {"intake", "case_window"}


def first_stop(stops: list[QWidget], window: QWidget) -> QWidget:
    """The Tab stop a reader meets first: top left."""
    return min(stops, key=lambda w: (rect_in(w, window).top(), rect_in(w, window).left()))


@pytest.mark.parametrize("name", list(SCREENS))
def test_tab_follows_the_reading_order(qtbot, app, demo_store, tmp_path, request, name):
    """Tab from the first control goes down the screen, left to right within a row (or down
    each column, on a form laid out in columns), reaches every control shown, and comes
    round to the first."""
    w = open_screen(name, qtbot, app, demo_store, tmp_path, request)
    window = w.window()
    with qtbot.waitActive(window):
        window.activateWindow()

    def stops() -> list[QWidget]:  # of the screen (the lock screen covers its window)
        return [x for x in tab_stops(window) if w is window or w.isAncestorOf(x)]

    pages = [None]
    tabs = getattr(w, "tabs", None)
    if tabs is not None:
        pages = range(tabs.count())
    problems = []
    for page in pages:
        if page is not None:
            tabs.setCurrentIndex(page)
            QApplication.processEvents()
        walked = tab_walk(qtbot, first_stop(stops(), window))
        problems += order_problems(walked, window, columns=name in BY_COLUMNS)
        if name in BY_COLUMNS:
            problems += column_problems([x for x in walked if isinstance(x, FIELDS)], window)
        missed = [f"{type(x).__name__} {x.objectName()!r}" for x in stops() if x not in walked]
        if missed:
            problems.append(f"not reached by Tab: {missed}")
        strays = [f"{type(x).__name__} {x.objectName()!r}" for x in walked if x not in stops()]
        if strays:
            problems.append(f"Tab goes to what the screen does not show: {strays}")
    assert problems == []
