"""Small helpers shared by the assignment, action and export tests (real SQLite, no Qt)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, select

from hubapp.store.schema import Action, Agency, AuditEntry, Case, Category, Channel, Hub


def hub_id(store, code: str) -> uuid.UUID:
    with store.read() as s:
        return s.scalar(select(Hub.id).where(Hub.code == code))


def agency_id(store, code: str) -> uuid.UUID:
    with store.read() as s:
        return s.scalar(select(Agency.id).where(Agency.code == code))


def new_case(store, reference: str = "CAR-2026-0042", hub: str = "CAR", **overrides) -> uuid.UUID:
    """A live case in ``hub`` with no agencies yet; returns its id."""
    with store.write(reason="test case") as s:
        values = dict(
            id=uuid.uuid4(),
            seq=(s.scalar(select(func.max(Case.seq))) or 0) + 1,
            reference=reference,
            hub_id=s.scalar(select(Hub.id).where(Hub.code == hub)),
            category_id=s.scalar(select(Category.id).limit(1)),
            channel_id=s.scalar(select(Channel.id).limit(1)),
            summary="Youths on bikes in Bitts Park",
            received_at=datetime(2026, 5, 1, 9, 30),
            opened_on=date(2026, 5, 1),
        )
        values.update(overrides)
        case = Case(**values)
        s.add(case)
        return case.id


def case_state(store, case_id: uuid.UUID) -> tuple[uuid.UUID | None, int]:
    with store.read() as s:
        case = s.get(Case, case_id)
        return case.lead_agency_id, case.row_version


def audit_count(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def audit_since(store, after: int, entity: str | None = None) -> list[AuditEntry]:
    with store.read() as s:
        q = select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id)
        if entity is not None:
            q = q.where(AuditEntry.entity == entity)
        return list(s.scalars(q))


def action_row(store, action_id: uuid.UUID) -> Action:
    with store.read() as s:
        return s.get(Action, action_id)


def controlled_window(qtbot, store, *, attach: bool = False, station: bool = True):
    """(window, controller): the main window and its controller with ``store`` open, as the
    app has them after start-up (``attach``: the window shows the database; ``station``
    False: as before the first-start questions). The window closes with the test."""
    from hubapp.app import Controller, OpenDatabase
    from hubapp.store import lookups, setup
    from hubapp.store.caselist import CaseList
    from hubapp.views.main_window import MainWindow

    window = MainWindow()
    window.remember_state = False
    qtbot.addWidget(window)
    controller = Controller(window, store.path)
    info = setup.current(store) if station else None
    controller.db = OpenDatabase(store, lookups.load(store), info, CaseList(store))
    if attach:
        window.attach(controller.db)
    return window, controller


def when_shown(get, act, interval: int = 20):
    """Call ``act(widget)`` once ``get()`` gives a visible widget (a modal dialog's exec()
    waits for the answer). Keep the returned QTimer referenced."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(interval)

    def poll() -> None:
        w = get()
        if w is not None and w.isVisible():
            timer.stop()
            act(w)

    timer.timeout.connect(poll)
    timer.start()
    return timer


def run_command(db, *args, password, monkeypatch, capsys, new=None) -> tuple[int, str, str]:
    """``hubapp --db DB ARGS`` in this process as a signed-in user would run it (the password
    from HUBAPP_PASSWORD, none when None; a new one from HUBAPP_NEW_PASSWORD):
    (exit code, stdout, stderr)."""
    from hubapp.cli import main

    for name, value in (("HUBAPP_PASSWORD", password), ("HUBAPP_NEW_PASSWORD", new)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    code = main(["--db", str(db), *args])
    out = capsys.readouterr()
    return code, out.out, out.err
