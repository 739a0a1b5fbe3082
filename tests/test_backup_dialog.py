"""File > Back up now… and File > Restore from backup…, and a damaged database at start-up:
the real window, controller and dialogs driven with pytest-qt, on real database files."""

from __future__ import annotations

import pytest
from casework import new_case
from sqlalchemy import func, select
from test_backup import damage, leftovers

from hubapp.gui import Controller
from hubapp.gui.backups import backup_job, restore_job
from hubapp.store.admin import backup
from hubapp.store.errors import StoreError
from hubapp.store.schema import AuditEntry, Case
from hubapp.views.backup_dialog import BackupDialog, RestoreDialog


@pytest.fixture
def filled(store):
    for n in range(1, 13):
        new_case(store, f"CAR-2026-{n:04d}")
    return store


def count(store, model=Case, **where) -> int:
    with store.read() as s:
        q = select(func.count()).select_from(model)
        for name, value in where.items():
            q = q.where(getattr(model, name) == value)
        return s.scalar(q)


def test_back_up_now_writes_a_checked_copy_and_audits_it(qtbot, filled, tmp_path):
    target = tmp_path / "copies" / "now.sqlite3"
    dialog = BackupDialog(backup_job(filled), target)
    qtbot.addWidget(dialog)
    assert dialog.path.text() == str(target)
    with qtbot.waitSignal(dialog.backedUp, timeout=30_000) as done:
        dialog.ok.click()
    assert done.args[0].path == target and backup.verify(target).cases == 12
    assert dialog.result.cases == 12 and count(filled, AuditEntry, entity="database") == 1


def test_a_cancelled_backup_keeps_nothing(qtbot, demo_store, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "STEP_PAGES", 1)  # thousands of steps: time to cancel
    target = tmp_path / "cancelled.sqlite3"
    dialog = BackupDialog(backup_job(demo_store), target)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ok.click()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=30_000)
    dialog.reject()  # Cancel
    assert "no backup will be kept" in dialog.status.text()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=30_000)
    assert dialog.result is None and not target.exists() and leftovers(tmp_path) == []


def test_a_failed_backup_says_why_and_can_be_retried(qtbot, filled, tmp_path):
    dialog = BackupDialog(backup_job(filled), tmp_path)  # a folder
    qtbot.addWidget(dialog)
    dialog.ok.click()
    qtbot.waitUntil(lambda: "is a folder" in dialog.status.text(), timeout=30_000)
    assert dialog.ok.isEnabled() and dialog.path.isEnabled() and dialog.result is None


def test_the_restore_dialog_lists_backups_with_dates_and_sizes(qtbot, filled):
    made = backup.auto_backup(filled)
    kept = backup.backups_dir(filled.path) / "hub-before-restore-2099-01-01-000000.sqlite3"
    kept.write_bytes(b"x" * 5000)
    dialog = RestoreDialog(backup.list_backups(filled.path), restore_job(filled.path))
    qtbot.addWidget(dialog)
    rows = [[dialog.list.topLevelItem(i).text(c) for c in range(4)]
            for i in range(dialog.list.topLevelItemCount())]  # fmt: skip
    assert [r[1] for r in rows] == ["Kept before a restore", "Automatic (daily)"]
    assert rows[1][3] == made.name and rows[1][2].endswith(("KB", "MB")) and rows[0][2] == "5 KB"
    assert rows[1][0][2] == "/" and rows[1][0][5] == "/"  # dd/mm/yyyy hh:mm
    assert dialog.chosen() == made  # the newest real backup, not a copy kept by a restore


def test_a_damaged_database_opens_read_only_and_is_restored(qtbot, window, filled):
    made = backup.auto_backup(filled)
    path = filled.path
    filled.close()
    damage(path, "contact")
    controller = Controller(window, path)
    controller.open(lambda db: window.attach(db))
    qtbot.waitUntil(lambda: controller.check_result is not None, timeout=30_000)
    assert not controller.check_result.ok
    # read-only, and why, above the list; what would write is off
    assert window.read_only_banner.isVisible() and "damaged" in window.read_only_banner.text()
    assert not window.new_issue_action.isEnabled() and window.restore_action.isEnabled()
    with pytest.raises(StoreError, match="open read-only"):
        new_case(controller.db.store, "CAR-2026-0099")
    # the restore is offered by itself, with the newest backup chosen
    qtbot.waitUntil(lambda: controller.restore_dialog is not None, timeout=10_000)
    dialog = controller.restore_dialog
    assert "damaged" in dialog.problem.text() and dialog.chosen() == made
    dialog.confirm = lambda _path: True  # "Replace the database…?" answered Yes
    with qtbot.waitSignal(dialog.restored, timeout=60_000):
        dialog.ok.click()
    qtbot.waitUntil(
        lambda: controller.db is not None and controller.check_result is not None
        and controller.check_result.ok, timeout=30_000,
    )  # fmt: skip
    assert not window.read_only_banner.isVisible() and window.new_issue_action.isEnabled()
    assert backup.check(path).ok and count(controller.db.store) == 12
    new_case(controller.db.store, "CAR-2026-0100")  # writes again
    assert count(controller.db.store, AuditEntry, entity="database") == 1  # the restore
    controller.db.store.close()


def test_restore_waits_for_open_case_windows(qtbot, window, filled):
    made = backup.backup(filled, backup.backups_dir(filled.path) / "hub-2026-01-01.sqlite3")
    path = filled.path
    case_id = new_case(filled, "CAR-2026-0200")
    filled.close()
    controller = Controller(window, path)
    controller.open(lambda db: window.attach(db))
    qtbot.waitUntil(lambda: controller.check_result is not None, timeout=30_000)
    case_window = controller.open_case(case_id)
    dialog = controller.restore_backup()
    dialog.confirm = lambda _path: True
    assert dialog.chosen() == made.path
    dialog.ok.click()
    assert "Close the open case" in dialog.status.text() and not dialog.running()
    assert controller.db is not None and count(controller.db.store) == 13  # still open, unchanged
    case_window.close()
    dialog.reject()
    controller.db.store.close()


def test_the_first_start_of_the_day_makes_the_daily_backup(qtbot, window, filled):
    path = filled.path
    filled.close()
    controller = Controller(window, path)
    controller.auto_backup = True
    controller.open(lambda db: window.attach(db))
    today = backup.todays_backup(path)
    qtbot.waitUntil(lambda: "Today's backup was made" in window.statusBar().currentMessage(),
                    timeout=60_000)  # fmt: skip
    assert backup.verify(today).cases == 12
    assert controller.start_auto_backup() is None  # once a day
    controller.db.store.close()
