"""Restore checks before it replaces (issue 14): another station's database, and a backup
whose audit log does not prove itself whole, are refused with what restoring them would
lose, and the database in use is left exactly as it was; an administrator may override either
in one explicit step, recorded in the audit log of the database replaced (kept in the backups
folder) and of the one restored. Run through the command line, as an administrator of the
station (and a partner) would, with the backup file as an insider holding its key made it."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from casework import (
    STAFF_PASSWORD,
    backup_as,
    dump,
    run_command,
    staff_database,
    state,
    tamper,
)

from hubapp.store import audit
from hubapp.store.admin import backup

BARROW = {"ada": ("administrator", None), "cara": ("partner", "WAF")}
CARLISLE = {"carl": ("administrator", None)}
REFUSAL_END = (
    "; nothing was changed, and an administrator may still restore it with --override 'REASON'.\n"
)


@pytest.fixture
def barrow(tmp_path):
    return staff_database(tmp_path / "barrow.sqlite3", "Barrow", "Barrow Police Station",
                          staff=BARROW, cases=3, agency="WAF")  # fmt: skip


@pytest.fixture
def carlisle_backup(tmp_path):
    """A backup of a Carlisle station's database (another hub's cases, its own accounts)."""
    db = staff_database(tmp_path / "carlisle.sqlite3", "Carlisle", "Carlisle Civic Centre",
                        staff=CARLISLE, cases=5)  # fmt: skip
    return backup_as(db, "carl", tmp_path / "carlisle-backup.sqlite3")


@pytest.fixture
def own_backup(barrow, tmp_path):
    """A backup of the station's own database, for an insider to spoil."""
    return backup_as(barrow, "ada", tmp_path / "barrow-backup.sqlite3")


def _restore(db, name, *args, monkeypatch, capsys):
    return run_command(db, "--user", name, "restore", *map(str, args), password=STAFF_PASSWORD,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def _kept_copies(db) -> list:
    return [b.path for b in backup.list_backups(db) if b.kind == "before restore"]


def _audit_rows(path, entity="database") -> list[dict]:
    rows = dump(path, ("audit_log",))["audit_log"]
    return [{"user": r[2], "reason": r[8], **json.loads(r[7])} for r in rows if r[5] == entity]


def test_another_stations_database_is_refused_then_overridden(barrow, carlisle_backup,
                                                             monkeypatch, capsys):  # fmt: skip
    before = state(barrow)
    code, out, err = _restore(barrow, "ada", carlisle_backup, monkeypatch=monkeypatch,
                              capsys=capsys)  # fmt: skip
    assert code == 1 and "Restored" not in out
    assert err == (
        "hubapp: This backup is of Carlisle Civic Centre (Carlisle hub), not of this station, "
        "Barrow Police Station (Barrow hub): restoring it would replace this station's 3 "
        "cases, its staff accounts and its audit log with another station's 5 cases" + REFUSAL_END
    )
    assert state(barrow) == before and _kept_copies(barrow) == []
    # a partner may not override it (nor restore at all)
    code, out, err = _restore(barrow, "cara", carlisle_backup, "--override", "I say so",
                              monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and err == "hubapp: Only an administrator can restore a backup.\n"
    assert state(barrow) == before and _kept_copies(barrow) == []
    # the administrator overrides it, saying why
    code, out, err = _restore(barrow, "ada", carlisle_backup, "--override",
                              "Barrow's PC moves to Carlisle", monkeypatch=monkeypatch,
                              capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "Overridden by ada (Barrow's PC moves to Carlisle): This backup is of Carlisle" in out
    [kept] = _kept_copies(barrow)
    # the database replaced holds the override, and so does the one restored
    [override] = [e for e in _audit_rows(kept) if "restore override" in e]
    assert override["user"] == "ada" and override["reason"] == "Barrow's PC moves to Carlisle"
    assert "not of this station, Barrow Police Station" in override["restore override"][0]
    [restored] = _audit_rows(barrow)
    assert restored["user"] == "ada" and restored["cases"] == 5
    assert restored["overridden"] == override["restore override"]
    code, out, err = run_command(barrow, "--user", "carl", "audit", "--verify",
                                 password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and out.startswith("ok: "), err


@pytest.mark.parametrize("how, sql, found", [
    ("an edited entry", ["UPDATE audit_log SET reason = 'nothing to see' WHERE id = 3"],
     "The audit log is broken at entry 3: it was changed after it was written"),
    ("the log and the anchor wiped", [
        "DELETE FROM audit_log", f"DELETE FROM local_setting WHERE key = '{audit.ANCHOR_KEY}'"],
     "The audit log is empty and its anchor is missing, but the database holds records: the log "
     "was wiped"),
])  # fmt: skip
def test_a_backup_whose_log_does_not_hold_is_refused_then_overridden(
    barrow, own_backup, how, sql, found, monkeypatch, capsys
):
    tamper(own_backup, *sql)
    before = state(barrow)
    code, out, err = _restore(barrow, "ada", own_backup, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1 and "Restored" not in out
    assert err == (
        f"hubapp: The backup's audit log does not prove itself whole ({found}): once restored, "
        "this station's record of who did what could no longer be shown to be complete"
        + REFUSAL_END
    )
    assert state(barrow) == before and _kept_copies(barrow) == []
    code, out, err = _restore(barrow, "ada", own_backup, "--override", "the only backup left",
                              monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    [kept] = _kept_copies(barrow)
    assert any("restore override" in e for e in _audit_rows(kept))
    # the restored log is accepted as it was, by name and reason, and checked from there on
    code, out, err = run_command(barrow, "--user", "ada", "audit", "--verify",
                                 password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "were accepted as they were by ada on " in out
    assert f"(the only backup left): {found}." in out
    tamper(barrow, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    code, out, err = run_command(barrow, "--user", "ada", "audit", "--verify",
                                 password=STAFF_PASSWORD, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1 and "had been written" in err


def test_a_new_pc_with_nothing_to_lose_takes_its_stations_backup(carlisle_backup, tmp_path,
                                                                 monkeypatch, capsys):  # fmt: skip
    """A replacement PC, just set up, has no cases and no accounts: the restore is the way
    its station's data comes back, and is not refused."""
    new = staff_database(tmp_path / "new.sqlite3", "Carlisle", "Carlisle Civic Centre",
                         staff=None, cases=0)  # fmt: skip
    code, out, err = run_command(new, "restore", str(carlisle_backup), password=None,
                                 monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0 and "Overridden" not in out, err
    assert backup.holding(new).cases == 5


def test_the_restore_dialog_says_what_would_be_lost_and_overrides_with_a_reason(
    qtbot, barrow, carlisle_backup
):
    from hubapp.gui.backups import restore_job
    from hubapp.store import accounts
    from hubapp.store.database import open_store
    from hubapp.views.backup_dialog import RestoreDialog

    store = open_store(barrow)
    try:
        ada = accounts.sign_in(store, "ada", STAFF_PASSWORD)
    finally:
        store.close()
    before = state(barrow)
    listed = [backup.BackupFile(carlisle_backup, "by hand", datetime(2026, 5, 4, 9, 0), 1)]
    dialog = RestoreDialog(listed, restore_job(barrow, ada))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.confirm = lambda _path: True  # "Replace the database…?" answered Yes
    dialog.ok.click()
    qtbot.waitUntil(lambda: dialog.override_box.isVisible(), timeout=60_000)
    assert dialog.status.text().startswith("This backup is of Carlisle Civic Centre (Carlisle "
                                           "hub), not of this station")  # fmt: skip
    assert dialog.status.text().endswith("Nothing was changed.")
    assert state(barrow) == before and dialog.result is None
    dialog.override_button.click()  # no reason: said beside the field
    assert dialog.override_problem.isVisible()
    assert dialog.override_problem.text() == "Say why it must be restored all the same."
    assert _kept_copies(barrow) == []
    qtbot.keyClicks(dialog.override_reason, "Barrow's PC moves to Carlisle")
    with qtbot.waitSignal(dialog.restored, timeout=60_000) as done:
        dialog.override_button.click()
    assert done.args[0].reason == "Barrow's PC moves to Carlisle" and done.args[0].cases == 5
    [kept] = _kept_copies(barrow)
    assert any(e.get("restore override") and e["user"] == "ada" for e in _audit_rows(kept))


def test_a_damaged_database_with_accounts_offers_its_restore_once_someone_signs_in(
    qtbot, window, tmp_path
):
    """The start-up check finds damage while the sign-in is still asked: the restore is
    offered after it, to the account that signed in (before, it came up in front of the
    sign-in, to whoever was at the PC)."""
    from casework import when_shown
    from test_backup import damage

    from hubapp.gui import Controller
    from hubapp.views.sign_in import SignInDialog

    db = staff_database(tmp_path / "hub.sqlite3", staff={"ada": ("administrator", None)})
    made = backup_as(db, "ada", backup.backups_dir(db) / "hub-2026-05-01.sqlite3")
    damage(db, "contact")
    controller = Controller(window, db)
    controller.open(lambda _db: None)
    qtbot.waitUntil(lambda: controller.check_result is not None, timeout=30_000)
    assert not controller.check_result.ok
    qtbot.wait(50)  # the offer's timer would have run by now
    assert controller.restore_dialog is None  # nobody has signed in yet

    def sign_in(dialog):
        qtbot.keyClicks(dialog.user, "ada")
        qtbot.keyClicks(dialog.password, STAFF_PASSWORD)
        dialog.ok_button.click()

    timer = when_shown(lambda: window.findChild(SignInDialog), sign_in)
    assert controller.sign_in() and controller.db.store.account.user_name == "ada"
    timer.stop()
    qtbot.waitUntil(lambda: controller.restore_dialog is not None, timeout=10_000)
    dialog = controller.restore_dialog
    assert "damaged" in dialog.problem.text() and dialog.chosen() == made
    dialog.reject()
    controller.db.store.close()
