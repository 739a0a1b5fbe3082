"""Files hubapp writes where it is told are only ever regular files, new or existing.

The attacker: someone who can name the output of a command or a save dialog (a script's
``-o``, a shortcut on a shared PC), or put something in a shared folder under a name hubapp
is about to write. Before, the write-then-rename turned a device (``-o /dev/null``, as root)
or ``/dev/stdout`` into a regular file holding personal data, and replaced a symbolic link
instead of refusing.

For every command that writes a named file (one list, below), each kind of name that is not
a regular file is refused in one sentence with a non-zero exit, and is left exactly as it was:
a character device (a twin of /dev/null made with mknod in the test's own folder, never the
real one), a FIFO, a symbolic link, a folder. Nothing else appears in the folder and nothing
is recorded as disclosed. The shared writer also checks again right before its move.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import uuid
from datetime import date
from pathlib import Path

import pytest
from casework import agency_id, new_case, run_command
from sqlalchemy import func, select

from hubapp.store import files, setup
from hubapp.store.casework.actions import ActionDraft, add_action
from hubapp.store.database import open_store
from hubapp.store.schema import AuditEntry, Case, CasePerson, Person

pytestmark = pytest.mark.skipif(os.name != "posix", reason="devices and FIFOs are POSIX")

REF = "CAR-2026-0042"


def _import(folder: Path) -> tuple[list, Path]:
    """``hubapp import`` of a file with a rejected row: its rejects file is the target."""
    source = folder / "reports.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["received", "hub", "channel", "category", "summary"])
        out.writerow(["01/05/2026", "CAR", "101 call", "Parking", "Cars on the verge"])
        out.writerow(["02/05/2026", "CAR", "101 call", "Noize", "An unknown category"])
    return ["import", source], folder / "reports.rejects.csv"


#: every command that writes a file it is told to: its arguments for a target
COMMANDS = {
    "export cases": lambda t: ["export", "cases", "-o", t],
    "export cases as xlsx": lambda t: ["export", "cases", "--format", "xlsx", "-o", t],
    "export actions": lambda t: ["export", "actions", "-o", t],
    "print case": lambda t: ["print", "case", REF, "--profile", "police", "-o", t],
    "print pack": lambda t: ["print", "pack", "--hub", "CAR", "-o", t],
    "print actions": lambda t: ["print", "actions", "--agency", "POLICE", "-o", t],
    "audit export": lambda t: ["audit", "--format", "json", "-o", t],
    "backup": lambda t: ["backup", "-o", t],
    "subject access": lambda t: ["subject-access", "--person", "Ann Other", "-o", t],
    "import's rejects file": None,  # the target is named after the input: see _import
}


def _device(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device (mknod) needs root")
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is


def _link(path: Path) -> None:
    real = path.parent / "what-the-link-points-to.txt"
    real.write_text("kept as it was\n")
    path.symlink_to(real)


#: each kind of name that is not a regular file: how it is made, what the sentence calls it
KINDS = {
    "device": (_device, "it is a device, not an ordinary file"),
    "fifo": (os.mkfifo, "it is a pipe (FIFO), not an ordinary file"),
    "symlink": (_link, "it is a link to "),
    "folder": (Path.mkdir, "it is a folder; give the name of a file in it"),
}


def snapshot(folder: Path) -> dict[str, tuple]:
    """What is in ``folder``: each name's kind, and its device number, link target and
    content, or listing, as it applies."""
    seen = {}
    for p in sorted(folder.iterdir()):
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            seen[p.name] = ("link", os.readlink(p))
        elif stat.S_ISDIR(st.st_mode):
            seen[p.name] = ("folder", sorted(os.listdir(p)))
        elif stat.S_ISREG(st.st_mode):
            seen[p.name] = ("file", p.read_bytes())
        else:
            seen[p.name] = (stat.S_IFMT(st.st_mode), st.st_rdev)
    return seen


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """A hub database with a case, an action, and a person on the case."""
    path = tmp_path_factory.mktemp("outputs") / "hub.sqlite3"
    store = open_store(path)
    setup.configure(store, "Carlisle", "Carlisle Civic Centre")
    case = new_case(store, REF, summary="Bins set on fire")
    add_action(store, case, agency_id(store, "POLICE"),
               ActionDraft("Patrol the lane", "PC Walker", date(2026, 12, 4)),
               assign_if_missing=True)  # fmt: skip
    with store.write() as s:
        person = Person(id=uuid.uuid4(), full_name="Ann Other", phone="07700 900123")
        s.add(person)
        s.flush()
        s.add(CasePerson(id=uuid.uuid4(), case_id=case, person_id=person.id, role="witness"))
    store.close()
    return path


def _counts(path: Path) -> tuple[int, int]:
    store = open_store(path)
    try:
        with store.read() as s:
            disclosed = select(func.count()).select_from(AuditEntry)
            return (
                s.scalar(disclosed.where(AuditEntry.kind == "disclosure")),
                s.scalar(select(func.count()).select_from(Case)),
            )
    finally:
        store.close()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_name_that_is_not_a_regular_file_is_refused_and_left_as_it_was(
    db, tmp_path, monkeypatch, capsys, command, kind
):
    if COMMANDS[command] is None:
        args, target = _import(tmp_path)
    else:
        target = tmp_path / "out"
        args = COMMANDS[command](target)
    make, words = KINDS[kind]
    make(target)
    before, counts = snapshot(tmp_path), _counts(db)

    code, out, err = run_command(db, *map(str, args), password=None, monkeypatch=monkeypatch,
                                 capsys=capsys)  # fmt: skip

    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"hubapp: Cannot write {target}: {words}")
    assert err.rstrip().endswith(".")
    assert snapshot(tmp_path) == before  # the target as it was, nothing beside it
    assert _counts(db) == counts  # nothing disclosed, nothing imported


def test_the_writer_checks_again_right_before_its_move(tmp_path):
    """Something put under the name while the file is written is not replaced either."""
    for kind, (make, words) in KINDS.items():
        if kind == "device" and os.geteuid() != 0:
            continue
        target = tmp_path / kind / "export.csv"
        target.parent.mkdir()

        def write(fh, make=make, target=target) -> None:
            fh.write(b"personal data\n")
            make(target)  # appears after the first check, before the move

        with pytest.raises(files.NotAFile, match=re.escape(words.split(";")[0])):
            files.atomic_write(target, write)
        assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []
        assert not stat.S_ISREG(os.lstat(target).st_mode)


def test_a_regular_file_is_still_written_new_or_replaced(db, tmp_path, monkeypatch, capsys):
    target = tmp_path / "cases.csv"
    for _ in ("new", "replaced"):
        code, out, err = run_command(db, "export", "cases", "-o", str(target), password=None,
                                     monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
        assert code == 0 and err == "", err
        assert (
            stat.S_ISREG(os.lstat(target).st_mode) and stat.S_IMODE(target.stat().st_mode) == 0o600
        )
        assert REF in target.read_text(encoding="utf-8-sig")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv"]


def test_the_export_window_refuses_a_link_in_one_sentence(qtbot, store, tmp_path):
    from hubapp.gui.exchange import export_cases_job
    from hubapp.views.export_dialog import ExportDialog

    link = tmp_path / "cases.xlsx"
    _link(link)
    before = snapshot(tmp_path)
    dialog = ExportDialog(export_cases_job(store))
    qtbot.addWidget(dialog)
    dialog.ask_path = lambda: str(link)  # as chosen in the save dialog
    dialog.ok.click()
    qtbot.waitUntil(lambda: "it is a link to" in dialog.status.text(), timeout=30_000)
    assert dialog.status.text().startswith(f"Cannot write {link}: it is a link to ")
    assert dialog.ok.isEnabled() and dialog.result is None
    assert snapshot(tmp_path) == before
