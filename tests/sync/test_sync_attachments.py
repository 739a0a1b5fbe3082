"""Attachments' content through central sync: chunked, resumable, under the same rules as rows.

On the real PostgreSQL the sync tests start: content made on one station arrives whole on
another; a link cut in the middle of the transfer (either way) resumes with the chunks that
were left, nothing doubled; the station's switch stops content, not rows; a hostile station's
own login cannot write or read another hub's content, nor break the record's bounds; erasing
the record (or its case) takes the content centrally.
"""

from __future__ import annotations

import io
import os
import uuid

import psycopg
import pytest
from faultproxy import FaultProxy
from syncutil import Station, assert_replica_equals_central

from hubapp.store.casework import attachment_content as content
from hubapp.store.schema import Attachment
from hubapp.sync import central as central_mod
from hubapp.sync import files
from hubapp.sync.central import CentralError
from hubapp.sync.share import share_case

CHUNK = content.CHUNK_SIZE


def attach(st: Station, case_id: uuid.UUID, data: bytes, name: str = "photo.jpg",
           original: bytes | None = None) -> uuid.UUID:  # fmt: skip
    with st.store.write(reason="test") as s:
        row = content.store_content(s, case_id=case_id, source=io.BytesIO(data), file_name=name,
                                    title=name, kind="photo", media_type="image/jpeg")  # fmt: skip
        if original is not None:
            content.write_chunks(s, row.id, io.BytesIO(original), part=content.ORIGINAL)
        return row.id


def held(st: Station, aid: uuid.UUID) -> bytes | None:
    """The content this station holds, or None while it is not all there."""
    with st.store.read() as s:
        row = s.get(Attachment, aid)
        if row is None or not content.is_complete(s, row):
            return None
        assert content.verify(s, row)
        return b"".join(content.iter_chunks(s, row))


def local_chunks(st: Station, aid: uuid.UUID, part: str = "file") -> list[tuple[int, int]]:
    with st.store.engine.connect() as c:
        return [tuple(r) for r in c.exec_driver_sql(
            "SELECT seq, sent FROM attachment_chunk WHERE attachment_id = ? AND part = ?"
            " ORDER BY seq", (aid.hex, part))]  # fmt: skip


def central_chunks(admin: str, aid: uuid.UUID) -> list[tuple[int, bytes]]:
    with psycopg.connect(admin) as c:
        return [(s, bytes(d)) for s, d in c.execute(
            "SELECT seq, data FROM attachment_chunk WHERE attachment_id = %s ORDER BY seq",
            (aid,))]  # fmt: skip


def test_content_made_on_one_station_arrives_whole_on_another(stations, central):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case("Graffiti on the underpass")
    photo = os.urandom(2 * CHUNK + 12_345)
    exact = os.urandom(CHUNK)
    big = attach(a, case, photo, original=b"the photo as handed in, with its location")
    one = attach(a, case, exact, "letter.pdf")
    empty = attach(a, case, b"", "empty.txt")
    summary = a.sync()
    assert summary.content.chunks_sent == 4 and summary.content.bytes_sent == len(photo) + CHUNK
    assert "sent" in summary.describe()
    assert local_chunks(a, big) == [(0, 1), (1, 1), (2, 1)]
    assert local_chunks(a, big, "original") == [(0, 0)]  # never sent
    assert b"".join(d for _s, d in central_chunks(central, big)) == photo
    assert central_chunks(central, empty) == []
    got = b.sync()
    assert got.content.chunks_received == 4
    assert held(b, big) == photo and held(b, one) == exact and held(b, empty) == b""
    assert local_chunks(b, big) == [(0, 1), (1, 1), (2, 1)]
    assert local_chunks(b, big, "original") == []
    # nothing moves twice
    for st in (a, b):
        again = st.sync()
        assert again.content.chunks_sent == again.content.chunks_received == 0
        assert_replica_equals_central(st)


def test_a_link_cut_mid_transfer_resumes_both_ways(stations, central, pg_server, monkeypatch):
    monkeypatch.setattr(files, "BATCH_BYTES", 2 * CHUNK)  # six batches of two chunks
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case("Fly-tipping behind the shops")
    a.sync()
    b.sync()
    photo = os.urandom(12 * CHUNK - 1000)
    aid = attach(a, case, photo)
    proxy = FaultProxy(pg_server.port, seed=18)
    try:
        # the sending station: the link dies after about half the content
        proxy.budget = 6 * CHUNK
        with pytest.raises(CentralError):
            a.sync(proxy.url(a.url))
        proxy.budget = None
        sent = [s for s, flag in local_chunks(a, aid) if flag]
        assert 0 < len(sent) < 12, sent
        at_central = central_chunks(central, aid)
        assert 0 < len(at_central) < 12
        resumed = a.sync()
        assert 0 < resumed.content.chunks_sent < 12
        assert resumed.content.chunks_sent <= 12 - len(sent)
        whole = central_chunks(central, aid)
        assert [s for s, _d in whole] == list(range(12))  # each once
        assert b"".join(d for _s, d in whole) == photo
        # the receiving station: the link dies in the middle of the pull
        files.set_content_sync(b.store, False)
        b.sync()  # the record first (a small pull), with the content switched off
        files.set_content_sync(b.store, True)
        assert local_chunks(b, aid) == []
        proxy.budget = 5 * CHUNK
        with pytest.raises(CentralError):
            b.sync(proxy.url(b.url))
        proxy.budget = None
        first = len(local_chunks(b, aid))
        assert 0 < first < 12
        assert held(b, aid) is None  # not all there yet: not shown as whole
        rest = b.sync()
        assert rest.content.chunks_received == 12 - first
        assert held(b, aid) == photo
        assert [s for s, _f in local_chunks(b, aid)] == list(range(12))
        assert proxy.cuts >= 2
    finally:
        proxy.close()
    for st in (a, b):
        assert_replica_equals_central(st)


def test_switched_off_the_records_sync_and_the_content_does_not(stations, central, capsys):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    assert files.content_sync_on(a.store)
    assert files.set_content_sync(a.store, False)
    assert not files.set_content_sync(a.store, False)  # already off: nothing changes
    case = a.new_case("Noise from the flats")
    data = os.urandom(CHUNK + 10)
    aid = attach(a, case, data)
    summary = a.sync()
    assert summary.content.off and summary.content.chunks_sent == 0
    assert "switched off" in summary.describe()
    assert central_chunks(central, aid) == []
    b.sync()
    with b.store.read() as s:
        row = s.get(Attachment, aid)
        assert row is not None and not content.is_complete(s, row)  # "not on this station yet"
    # on again: the content goes, and arrives
    files.set_content_sync(a.store, True)
    assert a.sync().content.chunks_sent == 2
    files.set_content_sync(b.store, False)
    assert b.sync().content.chunks_received == 0 and held(b, aid) is None
    files.set_content_sync(b.store, True)
    assert b.sync().content.chunks_received == 2 and held(b, aid) == data


def test_the_switch_from_the_command_line(stations, central, capsys):
    from hubapp.cli import main

    a = stations("Carlisle", "Civic Centre")
    case = a.new_case("Abandoned car")
    aid = attach(a, case, b"x" * 1000)
    path = str(a.path)
    a.store.close()
    assert main(["--db", path, "sync", "--central", a.url, "--attachments", "off"]) == 0
    out = capsys.readouterr().out
    assert "switched off" in out
    assert central_chunks(central, aid) == []
    assert main(["--db", path, "sync", "--central", a.url, "--attachments", "on"]) == 0
    out = capsys.readouterr().out
    assert "sent" in out and "switched off" not in out
    assert len(central_chunks(central, aid)) == 1
    with pytest.raises(SystemExit):
        main(["--db", path, "sync", "--attachments", "maybe"])
    assert "invalid choice" in capsys.readouterr().err
    from hubapp.store.database import open_store

    a.store = open_store(a.path)


def test_a_cancel_stops_between_batches_and_the_next_round_resumes(stations, central,
                                                                   monkeypatch):  # fmt: skip
    monkeypatch.setattr(files, "BATCH_BYTES", CHUNK)
    a = stations("Carlisle", "Civic Centre")
    case = a.new_case("Shoplifting")
    aid = attach(a, case, os.urandom(4 * CHUNK))
    from hubapp.sync.engine import Syncer

    seen: list[tuple[str, int, int]] = []
    syncer = Syncer(a.store, a.url, timeout=5)
    syncer.progress = lambda what, done, total: seen.append((what, done, total))
    syncer.cancelled = lambda: sum(1 for w in seen if w[0] == files.SENDING) >= 4
    try:
        summary = syncer.run()
    finally:
        syncer.close()
    assert summary.content.stopped and 0 < summary.content.chunks_sent < 4
    assert "resumes at the next sync" in summary.describe()
    sending = [(d, t) for w, d, t in seen if w == files.SENDING]
    assert sending[0] == (0, 4 * CHUNK) and all(t == 4 * CHUNK for _d, t in sending)
    assert [d for d, _t in sending] == sorted(d for d, _t in sending)
    rest = a.sync()
    assert summary.content.chunks_sent + rest.content.chunks_sent == 4
    assert len(central_chunks(central, aid)) == 4


# --- a hostile station's own login ----------------------------------------------------------


def _push(url: str, ids, seqs, datas) -> dict:
    with psycopg.connect(url, autocommit=True) as c:
        return c.execute("CALL hubapp_push_chunks(%s::uuid[], %s::integer[], %b::bytea[], NULL)",
                         (ids, seqs, datas)).fetchone()[0]  # fmt: skip


def _everything(admin: str) -> list[tuple]:
    with psycopg.connect(admin) as c:
        return c.execute("SELECT attachment_id, seq, md5(data), station_id FROM attachment_chunk"
                         " ORDER BY 1, 2").fetchall()  # fmt: skip


def test_a_hostile_station_cannot_write_or_read_another_hubs_content(stations, central):
    car, bar, cop = (stations("Carlisle", "Civic Centre"), stations("Barrow", "Barrow PS"),
                     stations("Copeland", "Whitehaven"))  # fmt: skip
    private = car.new_case("Carlisle only")
    shared = car.new_case("Shared with Copeland")
    secret = os.urandom(CHUNK + 500)
    car_private = attach(car, private, secret)
    car_shared = attach(car, shared, b"shared content")
    car.sync()
    share_case(car.url, shared, "Copeland")
    cop.sync()
    assert held(cop, car_shared) == b"shared content"  # a shared case's content arrives
    # Barrow's own attachment, its record central but its content not
    files.set_content_sync(bar.store, False)
    bar_case = bar.new_case("Barrow's own")
    own = attach(bar, bar_case, b"a" * CHUNK + b"b" * 100)  # two chunks
    bar.sync()
    before = _everything(central)

    def refused(result) -> list[str]:
        return [why for _a, _s, why in result["refused"]]

    # another hub's attachment: refused, whatever the chunk
    r = _push(bar.url, [car_private, car_private], [0, 1], [b"x" * 10, b"y" * 10])
    assert r["applied"] == 0 and refused(r) == ["other_hub", "other_hub"]
    # a record that is no attachment, and one central does not have
    r = _push(bar.url, [bar_case, uuid.uuid4()], [0, 0], [b"x", b"x"])
    assert refused(r) == ["unknown", "unknown"]
    # its own attachment: beyond chunk_count, negative, oversize, empty, beyond the size
    r = _push(bar.url, [own] * 4, [2, -1, 0, 0], [b"a", b"a", os.urandom(CHUNK + 1), b""])
    assert refused(r) == ["seq", "seq", "size", "size"]
    # wrong content: taken chunk by chunk within the bounds, dropped whole on the SHA-256
    assert _push(bar.url, [own], [0], [b"c" * CHUNK]) == {"applied": 1, "refused": []}
    assert refused(_push(bar.url, [own], [1], [b"b" * 200])) == ["size"]  # beyond the size
    assert refused(_push(bar.url, [own], [1], [b"b" * 100])) == ["checksum"]
    assert _everything(central) == before
    with pytest.raises(psycopg.errors.ProgramLimitExceeded):
        _push(bar.url, [own] * 257, list(range(257)), [b"a"] * 257)
    with pytest.raises(psycopg.errors.ProgramLimitExceeded):
        _push(bar.url, [own, own], [0], [b"a"])
    # reads: another hub's chunks are invisible; the table itself is closed
    with psycopg.connect(bar.url) as c:
        assert c.execute("SELECT count(*) FROM station_attachment_chunk").fetchone()[0] == 0
        for sql in ("SELECT * FROM attachment_chunk",
                    "INSERT INTO attachment_chunk (attachment_id, seq, data, size) VALUES"
                    f" ('{car_private}', 5, 'x', 1)",
                    f"DELETE FROM attachment_chunk WHERE attachment_id = '{car_private}'",
                    "SELECT hubapp_push_chunks_batch(ARRAY[]::uuid[], ARRAY[]::integer[],"
                    " ARRAY[]::bytea[])"):  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute(sql)
            c.rollback()
    with psycopg.connect(cop.url) as c:  # the hub a case is shared with sees that case's only
        seen = {r[0] for r in c.execute("SELECT attachment_id FROM station_attachment_chunk")}
        assert seen == {car_shared}
    # its own content, honestly: accepted, and a retry changes nothing
    r = _push(bar.url, [own, own], [0, 1], [b"a" * CHUNK, b"b" * 100])
    assert r == {"applied": 2, "refused": []}
    r = _push(bar.url, [own, own], [0, 1], [b"a" * CHUNK, b"z" * 100])
    assert r["applied"] == 1 and refused(r) == ["differs"]
    assert [s for s, _d in central_chunks(central, own)] == [0, 1]
    assert [row for row in _everything(central) if row[0] != own] == before
    assert held(car, car_private) == secret
    car.sync()
    assert held(car, car_private) == secret


def test_erasing_the_record_or_its_case_removes_its_content_centrally(stations, central):
    from test_sync_erasure import _erase_case

    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case("To be erased")
    first = attach(a, case, os.urandom(CHUNK + 1))
    second = attach(a, case, b"second")
    other = attach(a, a.new_case("Stays"), b"stays")
    a.sync()
    b.sync()
    assert len(central_chunks(central, first)) == 2
    with a.store.write(reason="test: erasure") as s:
        s.delete(s.get(Attachment, first))
    a.sync()
    assert central_chunks(central, first) == [] and len(central_chunks(central, second)) == 1
    _erase_case(a, case)
    a.sync()
    b.sync()
    assert central_chunks(central, second) == []
    assert central_chunks(central, other) == [(0, b"stays")]
    assert local_chunks(b, first) == local_chunks(b, second) == []
    assert held(b, other) == b"stays"
    for st in (a, b):
        assert_replica_equals_central(st)


def test_content_that_does_not_match_its_record_is_set_aside_here(stations, central):
    """A peer's data is input: central content that does not match the record's SHA-256
    (written behind the server's back here) is discarded and set aside, by field name."""
    from hubapp.sync import inbound

    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case("Tampered")
    aid = attach(a, case, b"genuine content")
    a.sync()
    with psycopg.connect(central) as c:
        c.execute("UPDATE attachment_chunk SET data = 'forged content!' WHERE attachment_id = %s",
                  (aid,))  # fmt: skip
    summary = b.sync()
    assert summary.content.discarded == 1 and held(b, aid) is None
    assert local_chunks(b, aid) == []
    entries = inbound.open_entries(b.store)
    assert [e.fields for e in entries] == ["sha256"]
    assert "forged" not in repr(entries) and "SHA-256" in entries[0].reason


@pytest.mark.parametrize("forge, why", [
    ("INSERT INTO attachment_chunk (attachment_id, seq, data, size)"
     " VALUES (%s, 7, 'extra', 5)", "number its record does not have"),
    ("UPDATE attachment_chunk SET data = decode(repeat('00', 300000), 'hex'), size = 300000"
     " WHERE attachment_id = %s", "larger than its record allows"),
])  # fmt: skip
def test_a_pulled_chunk_out_of_its_records_bounds_is_set_aside(stations, central, forge, why):
    from hubapp.sync import inbound

    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    aid = attach(a, a.new_case("Out of bounds"), b"genuine")
    a.sync()
    with psycopg.connect(central) as c:  # behind the server's checks
        c.execute(forge, (aid,))
    summary = b.sync()
    assert summary.content.discarded == 1 and local_chunks(b, aid) == []
    (entry,) = inbound.open_entries(b.store)
    assert why in entry.reason and entry.fields == "data, seq"


def test_central_revision_names_the_channel():
    from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006
    from hubapp.sync.central_migrations.versions import c0009_evidence_and_letters as c0009

    assert c0009.CHUNKS_MAX == files.CHUNKS_MAX
    assert files.BATCH_BYTES < c0006.PUSH_BYTES_MAX
    assert content.CHUNK_SIZE <= files.CHUNK_BYTES_MAX == c0009.CHUNK_BYTES_MAX
    assert central_mod.CENTRAL_NEEDED == "c0009"


# --- the switch in the window ---------------------------------------------------------------


def test_the_central_dialog_switches_content_sync_and_only_an_administrator_may(
    stations, central, qtbot
):
    from hubapp.store import accounts
    from hubapp.store.access import AccessRefused
    from hubapp.store.accounts import AccountDraft
    from hubapp.views.central_dialog import CentralDialog

    a = stations("Carlisle", "Civic Centre")
    dialog = CentralDialog(a.store, timeout=3)
    qtbot.addWidget(dialog)
    dialog.show()
    box = dialog.attachments
    qtbot.waitUntil(box.isEnabled, timeout=5_000)
    assert box.isChecked() and "files" in box.text()
    with qtbot.waitSignal(dialog.contentSyncChanged, timeout=10_000) as blocker:
        box.click()
    assert blocker.args == [False] and not box.isChecked()
    assert "no longer synced" in dialog.answer.text()
    qtbot.waitUntil(box.isEnabled, timeout=5_000)
    assert not files.content_sync_on(a.store)
    with qtbot.waitSignal(dialog.contentSyncChanged, timeout=10_000):
        box.click()
    assert files.content_sync_on(a.store)
    qtbot.waitUntil(box.isEnabled, timeout=5_000)
    # a partner's account may sync, not choose what the station sends
    pw = "correct horse battery staple"
    accounts.create_account(a.store, AccountDraft("admin", "Ada Admin", "administrator"), pw)
    accounts.sign_in(a.store, "admin", pw)
    accounts.create_account(a.store, AccountDraft("pat", "Pat Partner", "partner"), pw)
    accounts.sign_in(a.store, "pat", pw)
    with pytest.raises(AccessRefused, match="administrator"):
        files.set_content_sync(a.store, False)
    with qtbot.waitSignal(dialog.answered, timeout=10_000) as said:
        box.click()
    assert "administrator" in said.args[0] and box.isChecked()  # as it was
    assert files.content_sync_on(a.store)


def test_the_window_shows_the_content_s_progress_and_can_stop_it(stations, central, qtbot,
                                                                  monkeypatch):  # fmt: skip
    from hubapp.models.sync_status import SyncRunner

    monkeypatch.setattr(files, "BATCH_BYTES", CHUNK)
    a = stations("Carlisle", "Civic Centre")
    aid = attach(a, a.new_case("Criminal damage"), os.urandom(6 * CHUNK))
    runner = SyncRunner(a.store, url=a.url, interval_ms=3_600_000, timeout=5)
    shown: list[tuple[str, str]] = []

    def seen(text: str, tip: str) -> None:
        shown.append((text, tip))
        if text.startswith("Sync: Sending attachments") and not text.endswith(" 0%"):
            runner.statusChanged.disconnect(seen)
            runner.cancel_round()

    runner.statusChanged.connect(seen)
    pushing = files.Channel._push_batch
    first_round, calls = [True], []

    def paced(self, batch):  # in the first round the second batch waits for the window's cancel
        calls.append(len(batch))
        if first_round[0] and len(calls) > 1:
            assert runner._stop.wait(20)
        pushing(self, batch)

    monkeypatch.setattr(files.Channel, "_push_batch", paced)
    with qtbot.waitSignal(runner.roundFinished, timeout=30_000) as blocker:
        runner.start()
    first_round[0] = False
    assert blocker.args == [True]
    progress = [t for t, _tip in shown if t.startswith("Sync: Sending attachments")]
    assert progress and "files" in dict(shown)[progress[0]]
    sent = sum(flag for _s, flag in local_chunks(a, aid))
    assert 0 < sent < 6
    assert "resumes at the next sync" in runner.status.last_result
    with qtbot.waitSignal(runner.roundFinished, timeout=30_000):
        runner.sync_now()
    assert sum(flag for _s, flag in local_chunks(a, aid)) == 6
    runner.close()
