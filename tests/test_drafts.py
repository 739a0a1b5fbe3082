"""Drafts: written, listed, resumed and discarded; writes of one form kept in order; a
draft survives a real crash (SIGKILL) of a process that was typing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

from hubapp.store.intake import drafts
from hubapp.store.intake.form import IntakeForm, PersonEntry


def test_write_list_load_discard(store):
    form = IntakeForm(summary="Bikes in <b>Bitts</b> Park 😀", details="a\x00b",
                      people=[PersonEntry(full_name="Ann")])  # fmt: skip
    draft_id = drafts.write(store, form)
    assert drafts.write(store, IntakeForm(summary="Bikes again"), draft_id) == draft_id
    [info] = drafts.list_drafts(store)
    assert (info.id, info.title, info.user) == (draft_id, "Bikes again", store.user)
    assert drafts.load(store, draft_id) == IntakeForm(summary="Bikes again")
    drafts.write(store, form, draft_id)
    assert drafts.load(store, draft_id) == form  # exactly as typed, NUL and all
    drafts.discard(store, draft_id)
    assert drafts.list_drafts(store) == [] and drafts.load(store, draft_id) is None


def test_an_older_write_never_overwrites_a_newer_one(store):
    slot = drafts.DraftSlot()
    first, second = slot.next_change(), slot.next_change()
    slot.write(store, IntakeForm(summary="newer"), second)
    slot.write(store, IntakeForm(summary="older"), first)
    assert drafts.load(store, slot.draft_id).summary == "newer"
    slot.finish()
    slot.write(store, IntakeForm(summary="after saving"), slot.next_change())
    assert drafts.load(store, slot.draft_id).summary == "newer"


def test_concurrent_writes_make_one_draft(store):
    slot = drafts.DraftSlot()
    changes = [slot.next_change() for _ in range(8)]
    threads = [
        threading.Thread(target=slot.write, args=(store, IntakeForm(summary=str(c)), c))
        for c in changes
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [info] = drafts.list_drafts(store)
    assert info.title == "8"


def test_a_draft_survives_the_process_being_killed(tmp_path, store):
    """A real process writes a draft, then is killed with SIGKILL (no clean-up at all)."""
    path = store.path
    store.close()
    script = textwrap.dedent(f"""
        import os, sys, time
        from hubapp.store.intake import drafts
        from hubapp.store.database import open_store
        from hubapp.store.intake.form import IntakeForm
        s = open_store({str(path)!r})
        drafts.write(s, IntakeForm(summary="typed before the crash", details="line 1\\nline 2"))
        print("written", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == "written"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    from hubapp.store.database import open_store

    again = open_store(path)
    try:
        [info] = drafts.list_drafts(again)
        assert drafts.load(again, info.id).details == "line 1\nline 2"
    finally:
        again.close()
