"""Durability: saves killed with SIGKILL at random moments, and a full disk. Real processes,
real (encrypted) SQLite files, the real save path (hubapp.store.intake.form.save)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from casework import fill_disk
from sqlalchemy import func, select

from hubapp import settings
from hubapp.errors import describe
from hubapp.store import audit, setup
from hubapp.store.admin import backup
from hubapp.store.database import open_store
from hubapp.store.intake import form as intake
from hubapp.store.schema import Case, Contact, Place

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL, fork and rlimits are POSIX")

KILLS = 50

# Forks one saving child per request from a process that has imported hubapp already (a child
# is ready in milliseconds rather than a second). It imports no Qt and starts no threads, so
# forking it is safe. Each child saves reports through intake.save and, after each commit has
# returned, writes the case's reference to its report file: what reached that file was
# reported as saved before the child was killed.
ZYGOTE = textwrap.dedent(
    r"""
    import os, signal, sys
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed children are reaped at once
    from hubapp.store.intake import form as intake
    from hubapp.store.database import open_store

    def child(db, report):
        fd = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        store = open_store(db)
        os.write(fd, b"open\n")
        n = 0
        while True:
            n += 1
            form = intake.IntakeForm(
                hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="now",
                location=f"Bitts Park, bench {n}", town="Carlisle",
                summary=f"Youths on motorbikes, report {n} from {os.getpid()}",
                details="Three bikes, no helmets. " * 40,
                reporter_name="Pat Example", reporter_phone="01228 000000",
            )
            saved = intake.save(store, form)
            os.write(fd, (saved.reference + "\n").encode())

    for line in sys.stdin:
        db, report = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:
            try:
                child(db, report)
            finally:
                os._exit(1)
        print(pid, flush=True)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _form(n: int, **overrides) -> intake.IntakeForm:
    values = dict(
        hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="now",
        location=f"Bitts Park, bench {n}", town="Carlisle", summary=f"Report {n}",
        details="Caller says it happens every evening. " * 40,
    )  # fmt: skip
    values.update(overrides)
    return intake.IntakeForm(**values)


def _references(store) -> list[str]:
    with store.read() as s:
        return list(s.scalars(select(Case.reference)))


def test_saves_killed_50_times_lose_nothing_reported(store, tmp_path):
    db = store.path
    store.close()
    zygote = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    rng = random.Random(settings.env("HUBAPP_DURABILITY_SEED") or None)
    reported: list[str] = []
    killed_mid_save = 0
    try:
        for run in range(KILLS):
            report = tmp_path / f"run-{run}.txt"
            zygote.stdin.write(f"{db}\t{report}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            if run % 2:
                # a moment while saving: after the first reference, 0-40 ms later
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and _alive(pid):
                    if report.exists() and len(report.read_text().split()) >= 2:
                        break
                    time.sleep(0.002)
                time.sleep(rng.uniform(0, 0.04))
            else:
                # any moment: while opening the database, or saving
                time.sleep(rng.uniform(0, 0.4))
            assert _alive(pid), f"the saving child {pid} died before it was killed"
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.002)
            lines = report.read_text().split() if report.exists() else []
            refs = [line for line in lines if line != "open"]
            killed_mid_save += bool(refs)
            reported.extend(refs)
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
    assert killed_mid_save >= KILLS // 2  # half the kills came after a save had returned

    result = backup.check(db, full=True)
    assert result.ok, result.problems
    s = open_store(db)
    try:
        stored = _references(s)
        assert not set(reported) - set(stored)  # every reported save is there
        assert len(stored) == len(set(stored))  # and none twice
        with s.read() as session:
            # each case has its contact: no save was kept in part
            contacts = session.scalar(select(func.count(func.distinct(Contact.case_id))))
            assert contacts == len(stored)
            assert audit.verify(session).first_broken is None
        intake.save(s, _form(1))  # and the database takes new saves
    finally:
        s.close()


# --- a full disk -------------------------------------------------------------------------------


def _counts(store) -> tuple[int, int, int]:
    with store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Case, Contact, Place))


def test_a_full_disk_says_so_and_keeps_no_half_record(small_disk):
    db = small_disk / "hub.sqlite3"
    s = open_store(db)
    setup.configure(s, "Carlisle", "Carlisle Civic Centre")
    try:
        filler = fill_disk(small_disk, leave=256 * 1024)  # all but a little room
        saved, message = 0, None
        for n in range(1, 2000):
            before = _counts(s)
            try:
                intake.save(s, _form(n))
            except Exception as exc:  # the disk filled up during this save
                message = describe(exc)
                assert _counts(s) == before  # nothing of it was kept
                break
            saved += 1
        assert message == "The disk is full: free some space and try again; nothing was saved."
        assert saved > 0 and _counts(s)[0] == saved
        # space freed: the database is intact and takes the same report again
        filler.unlink()
        intake.save(s, _form(9999))
        assert _counts(s)[0] == saved + 1
    finally:
        s.close()
    assert backup.check(db, full=True).ok


RLIMIT_CHILD = textwrap.dedent(
    r"""
    import os, resource, signal, sys
    from hubapp.errors import describe
    from hubapp.store.intake import form as intake
    from hubapp.store.database import open_store
    from sqlalchemy import func, select
    from hubapp.store.schema import Case

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
    db = sys.argv[1]
    store = open_store(db)
    with store.read() as s:
        start = s.scalar(select(func.count()).select_from(Case))
    sizes = [os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s)]
    limit = max(sizes) + 300_000
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))  # the soft limit: undone below
    saved = 0
    for n in range(1, 5000):
        form = intake.IntakeForm(
            hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="now",
            location=f"Bitts Park, bench {n}", town="Carlisle", summary=f"Report {n}",
            details="Caller says it happens every evening. " * 40,
        )
        try:
            intake.save(store, form)
        except Exception as exc:
            with store.read() as s:
                kept = s.scalar(select(func.count()).select_from(Case)) - start
            print(f"{saved}\t{kept}\t{describe(exc)}", flush=True)
            break
        saved += 1
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    store.close()
    """
)


def test_a_file_size_limit_gives_one_sentence_and_no_half_record(store):
    """Where no tmpfs can be mounted: a file-size limit (SQLite sees a failed write)."""
    db = store.path
    store.close()
    r = subprocess.run([sys.executable, "-c", RLIMIT_CHILD, str(db)], capture_output=True,
                       text=True, timeout=120, env={**os.environ})  # fmt: skip
    assert r.returncode == 0, r.stderr
    saved, kept, message = r.stdout.strip().split("\t")
    assert int(saved) > 0 and int(kept) == int(saved)  # the failed save kept nothing
    assert message in (
        "The disk is full: free some space and try again; nothing was saved.",
        "The disk could not be written to (it may be full or failing): free some space and "
        "try again; nothing was saved.",
    )
    assert backup.check(db, full=True).ok
    s = open_store(db)
    try:
        before = len(_references(s))
        intake.save(s, _form(1, summary=f"after the limit {uuid.uuid4().hex[:6]}"))
        assert len(_references(s)) == before + 1
    finally:
        s.close()
