"""Small helpers shared by the tests: records, windows, commands, disks (real SQLite)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from hubapp.store.schema import (
    Action,
    Agency,
    AuditEntry,
    Case,
    CasePerson,
    Category,
    Channel,
    Hub,
    Person,
)


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


def add_person(store, case_id, name, *, role="victim", phone="", email="", address="",
               locked_down=False) -> uuid.UUID:  # fmt: skip
    """A person on ``case_id`` in ``role``; returns their id."""
    with store.write(reason="test") as s:
        person = Person(id=uuid.uuid4(), full_name=name, phone=phone, email=email,
                        address=address, locked_down=locked_down)  # fmt: skip
        s.add(person)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case_id, person_id=person.id, role=role))
        return person.id


def downgrade(db_path, revision: str) -> None:
    """Take a database back to an older schema, as an older hubapp left it (through a
    connection with the database's key: Alembic's own engine would have none)."""
    from alembic import command

    from hubapp.store import database

    cfg = database.alembic_config(db_path)
    engine = database.make_engine(db_path)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    engine.dispose()


def case_state(store, case_id: uuid.UUID) -> tuple[uuid.UUID | None, int]:
    with store.read() as s:
        case = s.get(Case, case_id)
        return case.lead_agency_id, case.row_version


def role_of(store, case: uuid.UUID, agency: uuid.UUID) -> str | None:
    """The agency's live part in the case as stored (read past the ORM), or None."""
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT role FROM assignment WHERE case_id = ? AND agency_id = ? AND voided = 0",
            (case.hex, agency.hex),
        ).first()
    return row[0] if row else None


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
    from hubapp.gui import Controller, OpenDatabase
    from hubapp.store import lookups, setup
    from hubapp.store.casework.caselist import CaseList
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


def off_the_gui_thread(fn, *args):
    """``fn(*args)`` in a thread of its own: a test's check made while a screen's dialog
    runs (inside its ``exec()``) is the test's, not the screen's, so it does not touch the
    database on the GUI thread either (tests/gui_thread.py)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


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


def run_hubapp(*args, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``hubapp ARGS`` run as its own process, as scripts run it; the finished process, with
    stdout and stderr as text (everything it printed, its logging included)."""
    return subprocess.run(
        [sys.executable, "-m", "hubapp", *map(str, args)],
        capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
    )  # fmt: skip


def fill_disk(folder: Path, leave: int = 0) -> Path:
    """Fill the disk holding ``folder`` but for about ``leave`` bytes (0: until a write fails
    for want of space); return the filler file (remove it to free the space)."""
    fd, name = tempfile.mkstemp(dir=folder, prefix="filler-")
    filler = Path(name)
    with os.fdopen(fd, "ab", buffering=0) as fh:
        while (free := shutil.disk_usage(folder).free) > leave:
            try:
                fh.write(b"\0" * min(free - leave, 1 << 20))
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    return filler


def open_form(qtbot, store, **kwargs):
    """The intake form (a new issue) over ``store``, shown and active."""
    from hubapp.store import lookups, setup
    from hubapp.views.intake_form import IntakeWindow

    w = IntakeWindow(store, lookups.load(store), setup.current(store), **kwargs)
    # closing at the end of the test must not ask (a modal question would wait for ever)
    qtbot.addWidget(w, before_close_func=lambda w: setattr(w, "_closing", True))
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    return w


def keys(qtbot, widget, text: str) -> None:
    """Type ``text`` as key presses; characters QTest cannot name (emoji, accents) are sent
    as key events carrying their text, as an input method does."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch == "\n":
            qtbot.keyClick(widget, Qt.Key.Key_Return)
        elif ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch)
                )


def ctrl_s(qtbot, w) -> None:
    """Ctrl+S where the focus is (in ``w``)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    qtbot.keyClick(
        QApplication.focusWidget() or w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
    )


# --- databases as an attacker finds them (tests/security) ---------------------------------------

#: every staff account's password in :func:`staff_database`
STAFF_PASSWORD = "correct horse battery staple"
#: an account of every role: name -> (role, agency code or None)
STAFF = {
    "ada": ("administrator", None),
    "cora": ("coordinator", None),
    "pete": ("police", "POLICE"),
    "cara": ("partner", "CUMBERLAND"),
    "rory": ("read_only", "CUMBERLAND"),
}


def staff_database(path, hub: str = "Carlisle", station: str = "Carlisle Civic Centre", *,
                   staff: dict | None = STAFF, cases: int = 2, agency: str = "CUMBERLAND"):  # fmt: skip
    """A station's database at ``path``: ``cases`` cases of ``hub`` (``agency`` the lead on
    each) and, unless ``staff`` is None, its accounts (the first an administrator). Returns
    the path."""
    from hubapp.store import accounts, setup
    from hubapp.store.accounts import AccountDraft
    from hubapp.store.casework import assignments
    from hubapp.store.database import open_store

    store = open_store(path)
    try:
        info = setup.configure(store, hub, station)
        council = agency_id(store, agency)
        for n in range(1, cases + 1):
            case = new_case(store, f"{info.hub_code}-2026-{n:04d}", hub=info.hub_code)
            assignments.set_role(store, case, council, "lead")
        for i, (name, (role, agency)) in enumerate((staff or {}).items()):
            draft = AccountDraft(name, name.title(), role,
                                 agency_id(store, agency) if agency else None, info.hub_id)  # fmt: skip
            accounts.create_account(store, draft, STAFF_PASSWORD)
            if i == 0:
                accounts.sign_in(store, name, STAFF_PASSWORD)
    finally:
        store.close()
    return path


def tamper(path, *sql: str) -> None:
    """What an insider holding the database key does: open the file with the key, drop the
    audit log's guards and run ``sql``."""
    from hubapp.store import database

    con = database.connect(path)
    try:
        con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        con.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in sql:
            con.execute(statement)
    finally:
        con.close()


def dump(path, tables: tuple[str, ...] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table of the database at ``path`` (or of ``tables``), in order."""
    from hubapp.store import database

    con = database.connect(path, read_only=True)
    try:
        if tables is None:
            tables = tuple(r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"))  # fmt: skip
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
    finally:
        con.close()


def newest_audit_id(path) -> int:
    from hubapp.store import database

    con = database.connect(path, read_only=True)
    try:
        return con.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
    finally:
        con.close()


#: what signing in changes by itself: its audit entry (and the anchor that follows the log),
#: and the account's own counters
SIGN_IN_KINDS = ("sign_in", "sign_in_failed", "lock_out")
SIGN_IN_COLUMNS = {"last_sign_in", "failed_attempts", "locked_until"}


def state(path) -> dict[str, list[tuple]]:
    """Every row of every table of the database at ``path``, less what a sign-in changes by
    itself: to show that a refused command changed nothing else."""
    from hubapp.store import audit, database

    con = database.connect(path, read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]  # fmt: skip
        out = {}
        for table in tables:
            cur = con.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            names = [d[0] for d in cur.description]
            keep = [i for i, n in enumerate(names) if n not in SIGN_IN_COLUMNS]
            rows = [tuple(r[i] for i in keep) for r in cur.fetchall()]
            if table == "audit_log":
                kind = names.index("kind")
                rows = [r for r in rows if r[kind] not in SIGN_IN_KINDS]
                rows = [r[1:] for r in rows]  # (ids move on past sign-ins)
            elif table == "local_setting":
                rows = [r for r in rows if r[0] != audit.ANCHOR_KEY and not r[0].startswith(
                    "sign_in")]  # fmt: skip
            out[table] = rows
        return out
    finally:
        con.close()


def backup_as(path, user: str, dest):
    """A backup of the database at ``path``, made by ``user`` (an administrator) with the
    staff password; returns the backup's path."""
    from hubapp.store import accounts
    from hubapp.store.admin import backup
    from hubapp.store.database import open_store

    store = open_store(path)
    try:
        accounts.sign_in(store, user, STAFF_PASSWORD)
        return backup.backup(store, dest).path
    finally:
        store.close()
