"""The window stays responsive while another program holds the database's write lock.

A second process (a real one: the same encrypted file, opened with its key) holds
``BEGIN IMMEDIATE`` while the person edits a cell of the assignment grid, records a decision
on the Meetings page and saves an action. The event loop is measured all the while by a
timer ticking every 10 ms: no gap between ticks may pass 100 ms. Each edit shows at once,
reaches the database once the lock goes, or, when the lock is held past the busy timeout,
is rolled back with its sentence.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from casework import agency_id, hub_id, new_case, role_of
from PySide6.QtCore import Qt, QTimer

from hubapp.store import lookups, setup
from hubapp.store.casework import meetings
from hubapp.store.casework.actions import actions_for_case_agency

TODAY = date(2026, 6, 1)
ROOT = Path(__file__).resolve().parents[1]

HOLDER = """
import json, sys, time
from pathlib import Path
from hubapp.store.database import connect
from hubapp.store.keys import DatabaseKey

order = json.loads(sys.stdin.readline())
key = DatabaseKey(bytes.fromhex(order["key"]), bytes.fromhex(order["salt"]), "keyring")
con = connect(Path(order["path"]), key=key)
con.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(order["seconds"])
con.execute("ROLLBACK")
print("released", time.time(), flush=True)
con.close()
"""


class Holder:
    """Another program holding the write lock of the database for ``seconds``."""

    def __init__(self, store, seconds: float) -> None:
        assert store.key is not None  # the encrypted file, as at a station
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        order = {"path": str(store.path), "key": store.key.key.hex(),
                 "salt": store.key.salt.hex(), "seconds": seconds}  # fmt: skip
        self.proc.stdin.write(json.dumps(order) + "\n")
        self.proc.stdin.close()
        assert self.proc.stdout.readline().strip() == "holding"

    def holding(self) -> bool:
        return self.proc.poll() is None

    def released_at(self) -> float:
        """When the lock went (wall clock), once the process has ended."""
        out = self.proc.stdout.read()
        assert self.proc.wait(timeout=30) == 0
        word, when = out.split()
        assert word == "released"
        return float(when)


class LoopMeter:
    """The largest gap between the ticks of a 10 ms timer: how long the event loop could not
    answer the person (a repaint, a key)."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False))


def open_screens(qtbot, store):
    """The grid, the Meetings page (a planned meeting, the case on its agenda) and an action
    dialog, open and settled."""
    from hubapp.views.action_dialog import ActionDialog
    from hubapp.views.assignment_grid import AssignmentGridPage
    from hubapp.views.meetings import MeetingsPage

    case = new_case(store, "CAR-2026-0007")
    meeting = meetings.plan_meeting(store, hub_id(store, "CAR"), date(2026, 6, 10), today=TODAY)
    meetings.add_agenda_item(store, meeting, case, "priority_area", "Repeat reports")
    books, station = lookups.load(store), setup.current(store)

    grid = AssignmentGridPage()
    qtbot.addWidget(grid)
    grid.resize(1200, 500)
    grid.attach(store, books, station)
    grid.show()
    page = MeetingsPage()
    qtbot.addWidget(page)
    page.today = TODAY
    page.attach(store, books, station)
    page.resize(1200, 600)
    page.show()
    dialog = ActionDialog(store, case, agency_id(store, "POLICE"), today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    for w in (grid, page, dialog):
        qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: not (page.busy or dialog.busy or grid.model.busy), timeout=10_000)
    assert page.meeting is not None and page.meeting.id == meeting
    return grid, page, dialog, case


@pytest.fixture
def screens(qtbot, store):
    return open_screens(qtbot, store)


def edit_all_three(qtbot, grid, page, dialog, case, store, meter):
    """A part in the grid by key, a decision on the meeting, a new action: as a person would,
    one after another (the event loop turns between them, as between a person's keys)."""

    def next_tick() -> None:
        seen = len(meter.ticks)
        qtbot.waitUntil(lambda: len(meter.ticks) > seen, timeout=5000)

    council = agency_id(store, "CUMBERLAND")
    column = grid.model.column_of(council)
    row = grid.model.row_of(case)
    grid.table.setFocus()
    grid.table.setCurrentIndex(grid.model.index(row, column))
    next_tick()
    qtbot.keyClick(grid.table, Qt.Key.Key_L)
    next_tick()
    page.decision_about.setCurrentIndex(page.decision_about.findData(case.hex))
    page.decision_text.setPlainText("Police to patrol the park on Friday evenings")
    next_tick()
    page.decision_button.click()
    next_tick()
    dialog.description.setPlainText("Patrol Bitts Park on Friday evenings")
    dialog.owner.setText("PC 1234 Walker")
    next_tick()
    dialog.save_button.click()
    next_tick()
    return grid.model.index(row, column), council


def decisions(store, meeting_id) -> list[str]:
    return [d.text for d in meetings.load_meeting(store, meeting_id).decisions]


def test_edits_while_another_program_holds_the_lock_keep_the_window_responsive(
    qtbot, store, screens
):
    grid, page, dialog, case = screens
    police = agency_id(store, "POLICE")
    holder = Holder(store, seconds=5)
    meter = LoopMeter()
    meter.start()
    cell, council = edit_all_three(qtbot, grid, page, dialog, case, store, meter)

    # shown at once, written once the lock goes (the database waits on the other program)
    assert cell.data() == "Lead"
    assert holder.holding()
    assert role_of(store, case, council) is None
    assert decisions(store, page.meeting.id) == []
    assert actions_for_case_agency(store, case, police, TODAY) == []
    assert grid.model.busy and page.busy and dialog.busy

    qtbot.waitUntil(lambda: not (grid.model.busy or page.busy or dialog.busy), timeout=30_000)
    saved_at = time.time()
    largest_gap = meter.stop()
    released = holder.released_at()

    assert saved_at >= released  # they really waited for the other program
    assert largest_gap < 0.100, f"the window froze for {largest_gap * 1000:.0f} ms"
    # each edit saved once, and the screens say so
    assert role_of(store, case, council) == "lead"
    assert cell.data() == "Lead" and grid.undo_stack.count() == 1
    assert not grid.message.isVisible() or "Saving" not in grid.message.text()
    assert decisions(store, page.meeting.id) == ["Police to patrol the park on Friday evenings"]
    assert page.message.text() == "Decision recorded." and page.decision_text.toPlainText() == ""
    [action] = actions_for_case_agency(store, case, police, TODAY)
    assert (action.description, action.owner) == ("Patrol Bitts Park on Friday evenings",
                                                   "PC 1234 Walker")  # fmt: skip
    assert dialog.message.text() == "Action added." and dialog.model.rowCount() == 1


@pytest.fixture
def impatient_store(db_path, monkeypatch):
    """The database opened with a busy timeout of one second (a station's is ten)."""
    from hubapp.store import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 1000)
    store = database.open_store(db_path)
    setup.configure(store, "Carlisle", "Carlisle Civic Centre")
    yield store
    store.close()


def test_an_edit_that_cannot_wait_longer_is_rolled_back_with_its_sentence(qtbot, impatient_store):
    """The lock is held past the busy timeout: each edit is undone on the screen, says why in
    one sentence, and keeps what was typed; nothing is written; the window never froze."""
    store = impatient_store
    grid, page, dialog, case = open_screens(qtbot, store)
    police = agency_id(store, "POLICE")
    holder = Holder(store, seconds=3)
    meter = LoopMeter()
    meter.start()
    cell, council = edit_all_three(qtbot, grid, page, dialog, case, store, meter)
    assert cell.data() == "Lead"
    qtbot.waitUntil(lambda: not (grid.model.busy or page.busy or dialog.busy), timeout=30_000)
    largest_gap = meter.stop()
    holder.released_at()

    assert largest_gap < 0.100, f"the window froze for {largest_gap * 1000:.0f} ms"
    busy = "The database is busy in another window or program; try again in a moment."
    assert cell.data() == "—" and grid.message.text() == busy  # rolled back, said
    assert grid.undo_stack.count() == 0
    assert page.decision_error.text() == busy
    assert page.decision_text.toPlainText() == "Police to patrol the park on Friday evenings"
    assert dialog.message.text() == busy
    assert dialog.description.toPlainText() == "Patrol Bitts Park on Friday evenings"
    assert role_of(store, case, council) is None
    assert decisions(store, page.meeting.id) == []
    assert actions_for_case_agency(store, case, police, TODAY) == []
