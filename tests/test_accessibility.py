"""Accessibility (issue 19): every window and dialog of the app, opened on a real demo
database, names each control for a screen reader and takes Tab in the order the eye reads
it; colours reach WCAG AA contrast and never carry a meaning alone; every action has a
keyboard route."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from a11y import column_problems, order_problems, rect_in, tab_stops, tab_walk, unnamed
from casework import agency_id, controlled_window, hub_id
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
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


def people(qtbot, store, window, controller):
    page = window.show_people()
    qtbot.keyClicks(page.search_edit, "ma")
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() > 0, timeout=60_000)
    return window


def person_page(qtbot, store, window, controller):
    page = people(qtbot, store, window, controller)
    page = window.people_page
    page.open_row(page.model.index(0, 0))
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.page is not None, timeout=10_000)
    return dialog


def orders_due(qtbot, store, window, controller):
    page = window.show_orders_due()
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    return window


def area_orders(qtbot, store, window, controller):
    dialog = window.show_area_orders()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    return dialog


def add_person_dialog(qtbot, store, window, controller):
    from hubapp.views.add_person import AddPersonDialog

    return shown(qtbot, AddPersonDialog(store, a_case(store), window))


def duplicates_review(qtbot, store, window, controller):
    dialog = controller.show_duplicates()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.running() and dialog.model.rowCount() > 0,
                    timeout=60_000)  # fmt: skip
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    return dialog


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


def link_case_dialog(qtbot, store, window, controller):
    from hubapp.views.case_links import LinkCaseDialog

    return shown(qtbot, LinkCaseDialog(store, a_case(store), "CAR-2026-0001", window))


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


def safeguarding_dialog(qtbot, store, window, controller):
    dialog = person_page(qtbot, store, window, controller)
    return shown(qtbot, dialog.edit_safeguarding())


def referral_dialog(qtbot, store, window, controller):
    dialog = person_page(qtbot, store, window, controller)
    return shown(qtbot, dialog.add_referral())


def hate_dialog(qtbot, store, window, controller):
    from hubapp.views.case_safeguarding import HateDialog

    return shown(qtbot, HateDialog(store, a_case(store), "yes", ["race"], window))


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
    main_window, grid, agency_actions, meetings, people, person_page, duplicates_review,
    intake, case_window,
    link_case_dialog, action_dialog,
    print_dialog, audit_viewer, drafts_dialog, import_dialog, export_dialog, conflicts_dialog,
    risk_dialog, plan_meeting, retention_dialog, central_dialog, sharing_dialog, backup_dialog,
    restore_dialog, demo_dialog, first_start, sign_in, passphrase, new_passphrase, lock_screen,
    accounts_dialog, keep_dialog, erase_dialog, safeguarding_dialog, referral_dialog, hate_dialog,
    orders_due, area_orders, add_person_dialog,
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


def settled(qtbot, page: QWidget) -> None:
    """Wait until a page just shown has its size and its controls their places: on a loaded
    machine a scrolled page is laid out over several turns of the event loop, and positions
    read before then put every control in one row."""

    def places() -> list:
        return [page.size(), *(c.geometry() for c in page.findChildren(QWidget))]

    before = None
    for _ in range(40):
        QApplication.processEvents()
        now = places()
        if page.isVisible() and now == before:
            return
        before = now
        qtbot.wait(25)


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
            settled(qtbot, tabs.currentWidget())
        walked = tab_walk(qtbot, first_stop(stops(), window))
        problems += order_problems(walked, window, columns=name in BY_COLUMNS)
        if name in BY_COLUMNS:
            problems += column_problems([x for x in walked if isinstance(x, FIELDS)], window)
        missed = [f"{type(x).__name__} {x.objectName()!r}" for x in stops() if x not in walked]
        if missed:
            problems.append(f"not reached by Tab: {missed}")
        # a button that takes no Tab has a letter (Alt+letter) or a shortcut of its own
        for b in window.findChildren(QAbstractButton):
            if (b.isVisibleTo(window) and b.isEnabled() and (w is window or w.isAncestorOf(b))
                    and not b.focusPolicy() & Qt.FocusPolicy.TabFocus
                    and not isinstance(b.parentWidget(), QLineEdit)  # its clear button
                    and not isinstance(b.parentWidget(), QAbstractItemView)  # Ctrl+A
                    and not mnemonic(b.text()) and not b.shortcut().toString()):  # fmt: skip
                problems.append(f"no keyboard route to {type(b).__name__} {b.text()!r}")
        strays = [f"{type(x).__name__} {x.objectName()!r}" for x in walked if x not in stops()]
        if strays:
            problems.append(f"Tab goes to what the screen does not show: {strays}")
    assert problems == []


# --- contrast (WCAG 1.4.3: 4.5:1 for text) ------------------------------------------------

AA = 4.5
HEX = r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b"


def backgrounds() -> dict[str, str]:
    """The theme's backgrounds that text without one of its own is drawn on."""
    from PySide6.QtGui import QPalette

    palette = QApplication.palette()
    return {role: palette.color(getattr(QPalette.ColorRole, role)).name()
            for role in ("Window", "Base", "AlternateBase", "Button")}  # fmt: skip


def style_sheet_pairs() -> list[tuple[str, str, str | None]]:
    """(where, text colour, its background or None) for every "color: #..." written in a
    style sheet or HTML style in the screens and item models."""
    import re
    from pathlib import Path

    import hubapp

    root = Path(hubapp.__file__).parent
    pairs = []
    for path in sorted([*root.glob("views/*.py"), *root.glob("models/*.py")]):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(rf"(?<![-\w])color\s*:\s*({HEX})", text):
            # the rule it is in: back to "{" or the string's start, on to "}" or its end
            start = max(text.rfind(c, 0, m.start()) for c in "{\"'")
            ends = [e for e in (text.find(c, m.end()) for c in "}\"'") if e != -1]
            rule = text[start : min(ends)]
            bg = re.search(rf"background(?:-color)?\s*:\s*({HEX})", rule)
            selector = text[text.rfind("}", 0, start) + 1 : start] if text[start] == "{" else ""
            inside = re.search(r"#(\w+)\s+[\w#]", selector.replace('"', " "))
            if bg is None and inside:  # "#lockScreen QLabel {...}": on #lockScreen's background
                bg = re.search(rf"#{inside.group(1)}\s*\{{[^}}]*background\s*:\s*({HEX})", text)
            line = text.count("\n", 0, m.start()) + 1
            pairs.append((f"{path.name}:{line}", m.group(1), bg.group(1) if bg else None))
    return pairs


def colour_pairs() -> list[tuple[str, str, str]]:
    """(what, text colour, background) for every text colour the app sets."""
    from hubapp.models import assignment_grid, case_table, meetings
    from hubapp.views import banner, case_detail, case_view, intake_form, pdf_preview
    from hubapp.views.grid_delegate import CELL_TEXT

    bg = backgrounds()
    plain = [bg["Window"], bg["Base"]]
    rows = [bg["Base"], bg["AlternateBase"]]
    out = []
    for where, fg, back in style_sheet_pairs():
        out += [(where, fg, b) for b in ([back] if back else plain)]
    for name, brush in (("high risk", case_table._HIGH_RISK),
                        ("medium risk", case_table._MEDIUM_RISK),
                        ("closed case", case_table._CLOSED), ("past meeting", meetings._GREY)):  # fmt: skip
        out += [(f"case list: {name}", brush.color().name(), b) for b in rows]
    for rag, colour in assignment_grid.RAG_COLOURS.items():
        out.append((f"grid cell {rag}", CELL_TEXT, colour.name()))
        # selected: the theme's highlight over it, at the delegate's tint
        tint = QColor(bg_highlight())
        mixed = QColor(colour)
        a = 70 / 255
        mixed.setRgbF(*(c * (1 - a) + t * a for c, t in zip(
            (mixed.redF(), mixed.greenF(), mixed.blueF()),
            (tint.redF(), tint.greenF(), tint.blueF()), strict=True)))  # fmt: skip
        out.append((f"grid cell {rag}, selected", CELL_TEXT, mixed.name()))
    for table, colours in (("case window RAG", case_view.RAG_COLOURS),
                           ("case window risk", case_view.RISK_COLOURS),
                           ("case details RAG", case_detail.RAG_COLOURS),
                           ("case details risk", case_detail.RISK_COLOURS)):  # fmt: skip
        for key, colour in colours.items():
            if colour:
                out += [(f"{table} {key}", colour, b) for b in [*rows, "#f1f4f8"]]
    for name in ("ERROR", "DONE", "NOTE"):
        style = getattr(banner, name)
        fg = re.search(rf"(?<![-\w])color\s*:\s*({HEX})", style).group(1)
        back = re.search(rf"background\s*:\s*({HEX})", style).group(1)
        out.append((f"banner {name}", fg, back))
    out += [(f"intake {n}", getattr(intake_form, n), b)
            for n in ("ERROR_COLOUR", "HINT_COLOUR") for b in plain]  # fmt: skip
    out.append(("page not drawn yet", pdf_preview.PLACEHOLDER_TEXT, "#ffffff"))
    return out


def bg_highlight() -> str:
    from PySide6.QtGui import QPalette

    return QApplication.palette().color(QPalette.ColorRole.Highlight).name()


def test_text_colours_reach_aa_contrast(qapp):
    from a11y import contrast

    pairs = colour_pairs()
    assert len(pairs) > 60  # the scan finds the style sheets
    low = sorted({f"{where}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"
                  for where, fg, bg in pairs if contrast(fg, bg) < AA})  # fmt: skip
    assert low == []


def test_the_contrast_ratio_is_wcag_s():
    from a11y import contrast

    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#777777") == contrast("#777777", "#ffffff")


# --- colour is never the only cue (WCAG 1.4.1) --------------------------------------------


def test_rag_and_risk_say_in_words_what_their_colour_says(qtbot, app, demo_store):
    from hubapp.domain.rag import Rag
    from hubapp.models.agency_actions import rag_words
    from hubapp.models.assignment_grid import CellRole, actions_text
    from hubapp.models.case_table import COLUMNS
    from hubapp.store.casework.assignments import Cell
    from hubapp.store.casework.caselist import Column

    due = date(2026, 12, 9)
    texts = {rag: re.sub(r"[\d/]", "", actions_text(Cell("lead", 2, 1 if rag is Rag.RED else 0,
                                                         due, rag, 0)))
             for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)}  # fmt: skip
    assert len(set(texts.values())) == 3, texts  # three colours, three wordings
    assert len({rag_words(r) for r in texts}) == 3 and all(rag_words(r) for r in texts)

    window, _controller = app
    # the case list: a risk in colour is a risk in words
    model = window.model
    risk = next(i for i, c in enumerate(COLUMNS) if c[0] is Column.RISK)
    coloured = 0
    for row in range(min(model.rowCount(), 200)):
        index = model.index(row, risk)
        if index.data(Qt.ItemDataRole.ForegroundRole) is not None:
            coloured += 1
            assert index.data(Qt.ItemDataRole.DisplayRole).strip()
    assert coloured
    # the grid: every coloured cell says what the colour means
    window.show_grid()
    grid = window.grid_page.model
    qtbot.waitUntil(lambda: grid.rowCount() > 0, timeout=10_000)
    seen = set()
    for row in range(min(grid.rowCount(), 100)):
        for column in range(grid.columnCount()):
            cell = grid.index(row, column).data(CellRole)
            if cell is not None and cell.rag is not Rag.NONE:
                seen.add(cell.rag)
                words = actions_text(cell)
                assert ("overdue" in words if cell.rag is Rag.RED else
                        "soon" in words if cell.rag is Rag.AMBER else
                        "soon" not in words and "overdue" not in words), (cell, words)  # fmt: skip
    assert seen == {Rag.RED, Rag.AMBER, Rag.GREEN}


# --- every action has a keyboard route (WCAG 2.1.1) ---------------------------------------


def mnemonic(text: str) -> str | None:
    """The Alt key letter of a menu or action text, or None."""
    m = re.search(r"&([^&\s])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


def test_every_menu_action_has_a_shortcut_or_a_mnemonic_path(qtbot, app):
    """Alt+letter opens each menu, a letter picks each item (unique within its menu), or the
    action has a shortcut of its own."""
    from PySide6.QtWidgets import QMenu

    window, _controller = app
    problems, leaves = [], []

    def walk(menu: QMenu, path: list[str], reachable: bool) -> None:
        letters = {}
        for action in menu.actions():
            if action.isSeparator() or not action.isVisible():
                continue
            key = mnemonic(action.text())
            where = " > ".join([*path, action.text().replace("&", "")])
            if key:
                if key in letters:
                    problems.append(f"{where}: Alt+{key} is also {letters[key]}")
                letters[key] = action.text().replace("&", "")
            if action.menu() is not None:
                walk(action.menu(), [*path, action.text().replace("&", "")],
                     reachable and key is not None)  # fmt: skip
            elif leaves.append(where) or not (action.shortcut().toString() or (reachable and key)):
                problems.append(f"{where}: no shortcut and no letter to reach it")

    bar = window.menuBar()
    titles = {}
    for action in bar.actions():
        key = mnemonic(action.text())
        if key in titles:
            problems.append(f"menu {action.text()}: Alt+{key} is also {titles[key]}")
        titles[key] = action.text()
        walk(action.menu(), [action.text().replace("&", "")], key is not None)
    assert len(titles) >= 3 and len(leaves) > 15, leaves
    assert problems == []


# --- focus is always visible (WCAG 2.4.7) -------------------------------------------------


def test_no_style_sheet_hides_the_focus():
    from pathlib import Path

    import hubapp

    root = Path(hubapp.__file__).parent
    for path in [*root.glob("views/*.py"), *root.glob("gui/*.py"), root / "app.py"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"outline\s*:\s*(none|0)", text), path.name
        assert ":focus" not in text or "border" in text, path.name


def focus_shows(qtbot, widget: QWidget, other: QWidget) -> bool:
    """Whether ``widget`` draws differently once Tab has brought the focus to it from
    ``other`` (the control before it)."""
    other.setFocus()
    qtbot.waitUntil(lambda: other.hasFocus(), timeout=2000)
    before = widget.grab().toImage()
    qtbot.keyClick(other, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: widget.hasFocus(), timeout=2000)
    return widget.grab().toImage() != before


def test_each_kind_of_control_shows_its_focus(qtbot):
    """In a plain window and on the lock screen (the one with a style sheet of its own over
    its controls), each kind of control draws its focus."""
    from PySide6.QtCore import QStringListModel
    from PySide6.QtWidgets import QCheckBox, QListView, QPushButton, QRadioButton, QVBoxLayout

    from hubapp.views.idle_lock import LockScreen

    form = QWidget()
    qtbot.addWidget(form)
    layout = QVBoxLayout(form)
    model = QStringListModel(["Carlisle", "Copeland"])
    combo = QComboBox()
    combo.addItems(["Carlisle", "Copeland"])
    listing = QListView()
    listing.setModel(model)
    listing.setCurrentIndex(model.index(0))
    kinds = [QLineEdit("text"), QPlainTextEdit("text"), QPushButton("&Save"), combo,
             QCheckBox("&Anonymous"), QRadioButton("&Public"), listing]  # fmt: skip
    for k in [*kinds, QLineEdit(objectName="elsewhere")]:
        layout.addWidget(k)
    with qtbot.waitActive(form):
        form.show()
        form.activateWindow()
    elsewhere = form.findChild(QLineEdit, "elsewhere")
    blind = []
    for k in kinds:
        QWidget.setTabOrder(elsewhere, k)
        if not focus_shows(qtbot, k, elsewhere):
            blind.append(type(k).__name__)
    assert blind == []

    behind = QWidget()
    qtbot.addWidget(behind)
    behind.resize(800, 500)
    lock = LockScreen(behind, "Ada Admin")
    with qtbot.waitActive(behind):
        behind.show()
        behind.activateWindow()
    lock.cover()
    lock.password.setText("x")
    stops = [lock.password, lock.unlock_button, lock.switch_button]
    blind = [k.objectName() for i, k in enumerate(stops)
             if not focus_shows(qtbot, k, stops[i - 1])]  # fmt: skip
    assert blind == []


# --- usable at 200% text (WCAG 1.4.4) -----------------------------------------------------


@pytest.fixture
def big_text(qapp):
    """The application's text at twice its size, as Windows' "Make text bigger" at 200%."""
    font = qapp.font()
    big = qapp.font()
    big.setPointSizeF(font.pointSizeF() * 2)
    qapp.setFont(big)
    yield
    qapp.setFont(font)


def test_at_200_percent_text_nothing_essential_is_cut_off(qtbot, big_text, demo_store):
    from PySide6.QtWidgets import QMenuBar

    window, controller = controlled_window(qtbot, demo_store, attach=True)
    window.resize(1880, 1000)  # a 1920x1080 screen
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=20_000)
    bar: QMenuBar = window.menuBar()
    for action in bar.actions():  # every menu shows, none folded away
        assert bar.rect().contains(bar.actionGeometry(action)), action.text()
    for w in (window.search, window.hub_combo, window.status_combo, window.category_combo):
        assert w.width() >= w.minimumSizeHint().width(), w.objectName()

    w = controller.new_issue()
    qtbot.addWidget(w, before_close_func=lambda w: setattr(w, "_closing", True))
    w.add_person()
    w.resize(1280, 900)  # narrow for this text: the form scrolls, a date still shows whole
    QApplication.processEvents()
    for field in (w.received, w.incident):
        assert field.width() > field.fontMetrics().horizontalAdvance("00/00/0000 00:00")
    w.resize(1880, 1000)  # as the form opens on a 1920x1080 screen: it fits across
    QApplication.processEvents()
    assert w.scroll.horizontalScrollBar().maximum() == 0

    case = controller.open_case(a_case(demo_store))
    qtbot.addWidget(case)
    qtbot.waitUntil(lambda: case.view is not None, timeout=10_000)
    # headings grow with the text: never smaller than the text under them
    assert case.ref_label.font().pointSizeF() > case.font().pointSizeF()
    assert case.summary_label.font().pointSizeF() >= case.font().pointSizeF()
