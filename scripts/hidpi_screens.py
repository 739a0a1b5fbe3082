"""Open the main screens of the app on a demo database and save each as a PNG, at the
screen's real pixels (run by scripts/hidpi-screenshots under Xvfb with QT_SCALE_FACTOR).

    python scripts/hidpi_screens.py DB OUTDIR PREFIX [TEXT_SCALE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer


def settle(ms: int = 600, until=None, timeout: float = 20.0) -> None:
    """Let the event loop run (background reads come back) for ``ms``, or until ``until()``."""
    end = time.monotonic() + timeout
    while True:
        loop = QEventLoop()
        QTimer.singleShot(ms if until is None else 50, loop.quit)
        loop.exec()
        if until is None or until() or time.monotonic() > end:
            return


def save(widget, out: Path, name: str) -> None:
    settle(400)
    path = out / f"{name}.png"
    widget.window().grab().save(str(path))
    print(path, widget.window().size().width(), "x", widget.window().size().height(),
          "logical,", round(widget.window().devicePixelRatioF(), 2), "device pixels per pixel")  # fmt: skip


def plan_a_meeting(store) -> None:
    """A meeting of the station's hub in a fortnight with cases on its agenda (once)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from hubapp.store import setup
    from hubapp.store.casework import meetings
    from hubapp.store.schema import Case, Meeting

    hub = setup.current(store).hub_id
    with store.read() as s:
        if s.scalar(select(Meeting.id).where(Meeting.hub_id == hub)) is not None:
            return
        cases = list(s.scalars(select(Case.id).where(Case.hub_id == hub, Case.status != "closed")
                               .order_by(Case.opened_on).limit(4)))  # fmt: skip
    m = meetings.plan_meeting(store, hub, date.today() + timedelta(days=14), starts_at="10:00",
                              place="Whitehaven Police Station", chair="Insp. Rhona Baird")  # fmt: skip
    for case in cases:
        meetings.add_agenda_item(
            store, m, case, "priority_area", "Repeat reports since the last meeting"
        )


def main(db: str, out: str, prefix: str) -> None:
    from hubapp.app import make_qapplication

    app = make_qapplication()
    if len(sys.argv) > 4:  # text made larger (Windows' "Make text bigger"): 2 for 200%
        font = app.font()
        font.setPointSizeF(font.pointSizeF() * float(sys.argv[4]))
        app.setFont(font)
    from sqlalchemy import select

    from hubapp.gui import Controller, OpenDatabase
    from hubapp.store import lookups, setup
    from hubapp.store.casework.caselist import CaseList
    from hubapp.store.database import open_store
    from hubapp.store.schema import Case
    from hubapp.views.main_window import MainWindow

    out_dir = Path(out)
    store = open_store(Path(db))
    plan_a_meeting(store)
    window = MainWindow()
    window.remember_state = False
    controller = Controller(window, store.path)
    controller.db = OpenDatabase(store, lookups.load(store), setup.current(store), CaseList(store))
    window.attach(controller.db)
    window.showMaximized()
    settle(until=lambda: window.model.rowCount() > 0)
    window.table.selectRow(0)
    settle(until=lambda: window.selected_case() is not None)
    save(window, out_dir, f"{prefix}-main-window")

    window.show_grid()
    settle(until=lambda: window.grid_page.model.rowCount() > 0)
    save(window, out_dir, f"{prefix}-assignment-grid")

    window.show_meetings()
    settle(1500)
    save(window, out_dir, f"{prefix}-meetings")
    window.show_case_list()

    intake = controller.new_issue()
    intake.add_person()
    save(intake, out_dir, f"{prefix}-intake-form")
    intake._closing = True
    intake.close()

    with store.read() as s:
        case_id = s.scalar(select(Case.id).where(Case.status != "closed", Case.risk_level == "high")
                           .order_by(Case.seq))  # fmt: skip
    case = controller.open_case(case_id)
    settle(until=lambda: case.view is not None)
    save(case, out_dir, f"{prefix}-case-view")
    case.close()

    window.table.selectRow(0)
    settle(until=lambda: window.selected_case() is not None)
    printing = controller.print_documents()
    save(printing, out_dir, f"{prefix}-print-dialog")
    printing.close()
    app.processEvents()
    controller.close_database()


if __name__ == "__main__":
    main(*sys.argv[1:4])
