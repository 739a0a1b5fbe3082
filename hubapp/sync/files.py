"""Attachments' content through central sync: chunks, in batches, each committed on both sides.

An attachment's record is a synced row like any other (the change capture sends it). Its
content, kept in ``attachment_chunk`` (``hubapp.store.casework.attachment_content``), travels
here, after the rows of the round:

* **Push.** The chunks of part ``file`` not yet sent (``sent = 0``) of the attachments whose
  record central holds, in batches of at most ``BATCH_BYTES`` (one chunk at least). Each batch
  is one call of ``hubapp_push_chunks`` (central revision c0009), which re-checks every chunk
  against central's record and commits; only then are the chunks marked sent here. A cut link
  loses at most the batch on the wire, and the next sync starts from the next unsent chunk. A
  chunk central holds already is accepted again without change, so nothing is doubled. Part
  ``original`` (a photo as handed in) never leaves the station.
* **Pull.** For each attachment record this station holds without all of its content, the
  chunks it lacks (missing numbers only) from ``station_attachment_chunk``, a batch at a time,
  each written in one local transaction (a cut link resumes from the last good chunk). A
  peer's data is input: a chunk of the wrong number or size is set aside; when the last chunk
  arrives, the whole content is held against the record's SHA-256, and on a mismatch it is
  discarded and set aside (``hubapp.sync.inbound``: the field names, never the values).
* **The switch.** A station on a slow link may switch content sync off (the local setting
  ``attachment_sync_off``, Tools > Central database… or ``hubapp sync --attachments off``):
  the records still sync; their content stays where it is until it is switched on again.
* **Progress and cancel.** The bytes are counted in the round's progress; a cancel stops
  between batches, and what was committed stays.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass

from hubapp import settings
from hubapp.store import audit

log = logging.getLogger(__name__)

#: the local setting: present, content is not synced on this station
SETTING = "attachment_sync_off"
#: the most bytes of content one batch carries (a chunk larger than this goes alone)
BATCH_BYTES = 2 << 20
#: the most chunks one push carries (central revision c0009 refuses more)
CHUNKS_MAX = 256
#: a chunk larger than this is never asked for or kept, whatever a record says
CHUNK_BYTES_MAX = 4 << 20
FILE = "file"
SENDING = "Sending attachments"
RECEIVING = "Receiving attachments"


# --- the switch --------------------------------------------------------------------------------


def content_sync_on(store) -> bool:
    """Whether this station sends and receives attachments' content (default yes)."""
    with store.read() as s:
        return not settings.local(s)[SETTING]


def set_content_sync(store, on: bool) -> bool:
    """Switch this station's content sync on or off (an administrator's choice, like the
    central address); whether it changed."""
    from hubapp.store import access

    access.require(store, access.Op.CENTRAL)
    with store.write(reason="sync: attachments' content " + ("on" if on else "off")) as s:
        local = settings.local(s)
        if (not local[SETTING]) == on:
            return False
        local[SETTING] = not on
        audit.record(s, audit.Kind.ALTERATION, "local_setting", [SETTING],
                     {"attachment_content_sync": "on" if on else "off"},
                     reason="sync: attachments' content switched " + ("on" if on else "off"))  # fmt: skip
    return True


# --- one round -----------------------------------------------------------------------------------


@dataclass
class Moved:
    """What the content channel did in one round."""

    chunks_sent: int = 0
    bytes_sent: int = 0
    chunks_received: int = 0
    bytes_received: int = 0
    #: chunks central refused (kept here, unsent: tried again next time)
    refused: int = 0
    #: attachments whose content arrived broken (discarded and set aside)
    discarded: int = 0
    #: the switch was off: nothing moved
    off: bool = False
    #: a cancel stopped the transfer between batches
    stopped: bool = False


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def describe(moved: Moved) -> str:
    """One sentence for the round's summary ('' when there is nothing to say)."""
    if moved.off:
        return "Attachments' content is not synced on this station (switched off)."
    parts = []
    if moved.chunks_sent or moved.chunks_received:
        parts.append(f"Attachments' content: {_mb(moved.bytes_sent)} sent, "
                     f"{_mb(moved.bytes_received)} received.")  # fmt: skip
    if moved.refused:
        parts.append(f"{moved.refused} piece(s) of attachments were refused by the central "
                     "database and are kept here.")  # fmt: skip
    if moved.discarded:
        parts.append(f"{moved.discarded} attachment(s) arrived damaged and were set aside; "
                     "they are fetched again at the next sync.")  # fmt: skip
    if moved.stopped:
        parts.append("Attachments' transfer was stopped; it resumes at the next sync.")
    return " ".join(parts)


def _hex(value) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value)


class Channel:
    """The content channel of one sync round, on the round's central connection."""

    def __init__(self, store, conn, *, where: str = "", progress=None, cancelled=None,
                 batch_bytes: int | None = None) -> None:  # fmt: skip
        self.store = store
        self.conn = conn
        self.where = where
        self.progress = progress
        self.cancelled = cancelled
        self.batch_bytes = batch_bytes or BATCH_BYTES
        self.moved = Moved()

    def run(self) -> Moved:
        if not content_sync_on(self.store):
            self.moved.off = True
            return self.moved
        self.push()
        if not self.moved.stopped:
            self.pull()
        return self.moved

    def _stop(self) -> bool:
        if self.cancelled is not None and self.cancelled():
            self.moved.stopped = True
            return True
        return False

    def _report(self, what: str, done: int, total: int) -> None:
        if self.progress is not None and total:
            self.progress(what, min(done, total), total)

    # -- push ----------------------------------------------------------------------------------
    def _known_centrally(self, ids: list[str]) -> set[str]:
        known: set[str] = set()
        for i in range(0, len(ids), 1000):
            part = [uuid.UUID(h) for h in ids[i : i + 1000]]
            with self.conn.transaction():
                rows = self.conn.execute(
                    "SELECT id FROM station_record WHERE tbl = 'attachment' AND id = ANY(%s)",
                    (part,),
                ).fetchall()
            known |= {r[0].hex for r in rows}
        return known

    def _plan(self) -> list[list[tuple[int, str, int, int]]]:
        """The unsent chunks of records central holds, as batches of (row, attachment, seq,
        bytes)."""
        with self.store.engine.connect() as c:
            ids = [r[0] for r in c.exec_driver_sql(
                "SELECT DISTINCT attachment_id FROM attachment_chunk"
                " WHERE sent = 0 AND part = ? ORDER BY attachment_id", (FILE,))]  # fmt: skip
        if not ids:
            return []
        known = self._known_centrally(ids)
        chunks: list[tuple[int, str, int, int]] = []
        with self.store.engine.connect() as c:
            for aid in ids:
                if aid not in known:
                    continue  # its record has not reached central (or was refused): later
                chunks += [(r[0], aid, r[1], r[2]) for r in c.exec_driver_sql(
                    "SELECT id, seq, length(data) FROM attachment_chunk WHERE attachment_id = ?"
                    " AND part = ? AND sent = 0 ORDER BY seq", (aid, FILE))]  # fmt: skip
        batches: list[list[tuple[int, str, int, int]]] = []
        size = 0
        for chunk in chunks:
            if not batches or size + chunk[3] > self.batch_bytes or len(batches[-1]) >= CHUNKS_MAX:
                batches.append([])
                size = 0
            batches[-1].append(chunk)
            size += chunk[3]
        return batches

    def push(self) -> None:
        batches = self._plan()
        total = sum(c[3] for b in batches for c in b)
        done = 0
        for batch in batches:
            if self._stop():
                return
            self._report(SENDING, done, total)
            self._push_batch(batch)
            done += sum(c[3] for c in batch)
            self._report(SENDING, done, total)

    def _push_batch(self, batch: list[tuple[int, str, int, int]]) -> None:
        with self.store.engine.connect() as c:
            marks = ",".join("?" * len(batch))
            data = dict(c.exec_driver_sql(
                f"SELECT id, data FROM attachment_chunk WHERE id IN ({marks})",
                tuple(b[0] for b in batch)).all())  # fmt: skip
        ids = [uuid.UUID(b[1]) for b in batch]
        seqs = [b[2] for b in batch]
        datas = [bytes(data[b[0]]) for b in batch]
        (result,) = self.conn.execute(
            "CALL hubapp_push_chunks(%s::uuid[], %s::integer[], %b::bytea[], NULL)",
            (ids, seqs, datas),
        ).fetchone()
        refused = {(str(a), int(s)): why for a, s, why in result["refused"]
                   if isinstance(s, int)}  # fmt: skip
        accepted = [b for b in batch if (b[1], b[2]) not in refused]
        broken = sorted({a for (a, _s), why in refused.items() if why == "checksum"})
        with self.store.write(reason="sync: attachments' content pushed to central") as s:
            cur = s.connection().connection.driver_connection.cursor()
            if accepted:
                cur.execute(f"UPDATE attachment_chunk SET sent = 1 WHERE id IN "
                            f"({','.join('?' * len(accepted))})",
                            tuple(b[0] for b in accepted))  # fmt: skip
            for aid in broken:  # central dropped all of it: every chunk goes again
                cur.execute("UPDATE attachment_chunk SET sent = 0 WHERE attachment_id = ?"
                            " AND part = ?", (aid, FILE))  # fmt: skip
            audit.record(
                s, audit.Kind.DISCLOSURE, "attachment", sorted({b[1] for b in accepted}),
                {"to": "central", "at": self.where, "chunks": len(accepted),
                 "bytes": sum(b[3] for b in accepted), "refused": len(refused)},
                reason="sync: attachments' content pushed to central",
            )  # fmt: skip
        self.moved.chunks_sent += len(accepted)
        self.moved.bytes_sent += sum(b[3] for b in accepted)
        self.moved.refused += len(refused)
        for (aid, seq), why in sorted(refused.items()):
            log.warning("Central refused chunk %s of attachment %s (%s)", seq, aid, why)

    # -- pull ------------------------------------------------------------------------------
    def _wanted(self) -> list[tuple]:
        """(id, chunk_count, chunk_size, size, sha256, seqs held, bytes held) of the attachment
        records held here without all of their content."""
        with self.store.engine.connect() as c:
            rows = c.exec_driver_sql(
                "SELECT a.id, a.chunk_count, a.chunk_size, a.size, a.sha256 FROM attachment a"
                " WHERE a.chunk_count > (SELECT count(*) FROM attachment_chunk k"
                "  WHERE k.attachment_id = a.id AND k.part = ?) ORDER BY a.id", (FILE,)
            ).all()  # fmt: skip
            out = []
            for aid, count, chunk_size, size, sha in rows:
                held = c.exec_driver_sql(
                    "SELECT seq, length(data) FROM attachment_chunk WHERE attachment_id = ?"
                    " AND part = ?", (aid, FILE)).all()  # fmt: skip
                out.append((aid, count, chunk_size, size, sha, {h[0] for h in held},
                            sum(h[1] for h in held)))  # fmt: skip
        return out

    def pull(self) -> None:
        wanted = self._wanted()
        total = sum(max(0, w[3] - w[6]) for w in wanted)
        done = 0
        for aid, count, chunk_size, size, sha, held, held_bytes in wanted:
            chunk_size = min(max(1, int(chunk_size or 1)), CHUNK_BYTES_MAX)
            limit = max(1, min(CHUNKS_MAX, self.batch_bytes // chunk_size))
            while len(held) < count:
                if self._stop():
                    return
                self._report(RECEIVING, done, total)
                with self.conn.transaction():
                    got = self.conn.execute(
                        "SELECT seq, data FROM station_attachment_chunk WHERE attachment_id = %s"
                        " AND seq <> ALL(%s::integer[]) ORDER BY seq LIMIT %s",
                        (uuid.UUID(aid), sorted(held), limit), binary=True,
                    ).fetchall()  # fmt: skip
                if not got:
                    break  # central does not hold the rest yet
                why = self._bad(got, count, chunk_size, size, held, held_bytes)
                if why is not None:
                    self._set_aside(aid, ["data", "seq"], why)
                    break
                finished = self._keep(aid, got, count, size, sha, held)
                n = sum(len(d) for _s, d in got)
                held_bytes += n
                done += n
                if finished is False:
                    break
                if len(got) < limit:
                    break
        self._report(RECEIVING, total, total)

    @staticmethod
    def _bad(got, count, chunk_size, size, held, held_bytes) -> str | None:
        seen = set(held)
        total = held_bytes
        for seq, data in got:
            if not isinstance(seq, int) or not 0 <= seq < count or seq in seen:
                return "A piece of an attachment's content has a number its record does not have."
            if (
                not isinstance(data, bytes | bytearray | memoryview)
                or not 0 < len(data) <= chunk_size
            ):
                return "A piece of an attachment's content is larger than its record allows."
            seen.add(seq)
            total += len(data)
        if total > size:
            return "An attachment's content is larger than its record says."
        return None

    def _keep(self, aid: str, got, count: int, size: int, sha: str, held: set) -> bool | None:
        """Write one batch here; when it completes the content, check its SHA-256 (False: it
        did not match and was discarded)."""
        with self.store.write(reason="sync: attachments' content pulled from central") as s:
            cur = s.connection().connection.driver_connection.cursor()
            cur.executemany(
                "INSERT INTO attachment_chunk (attachment_id, part, seq, data, sent)"
                " VALUES (?, ?, ?, ?, 1)",
                [(aid, FILE, seq, bytes(data)) for seq, data in got],
            )
            held |= {seq for seq, _d in got}
            result = None
            if len(held) >= count:
                digest = hashlib.sha256()
                for (data,) in cur.execute(
                    "SELECT data FROM attachment_chunk WHERE attachment_id = ? AND part = ?"
                    " ORDER BY seq", (aid, FILE)):  # fmt: skip
                    digest.update(data)
                result = digest.hexdigest() == sha
                if not result:
                    cur.execute("DELETE FROM attachment_chunk WHERE attachment_id = ? AND part = ?",
                                (aid, FILE))  # fmt: skip
                    self._set_aside(aid, ["sha256"], "An attachment's content did not match its "
                                    "SHA-256; it was discarded.", cur=cur)  # fmt: skip
                    held.clear()
            audit.record(
                s, audit.Kind.COLLECTION, "attachment", [aid],
                {"from": "central", "chunks": len(got), "bytes": sum(len(d) for _s, d in got)},
                reason="sync: attachments' content pulled from central",
            )  # fmt: skip
        if result is False:
            self.moved.discarded += 1
        else:
            self.moved.chunks_received += len(got)
            self.moved.bytes_received += sum(len(d) for _s, d in got)
        return result

    def _set_aside(self, aid: str, fields: list[str], why: str, cur=None) -> None:
        from hubapp.sync import inbound

        if cur is not None:
            inbound.set_aside(cur, None, "attachment", aid, "content", dict.fromkeys(fields), why)
            return
        with self.store.write(reason="sync: attachments' content set aside") as s:
            cur = s.connection().connection.driver_connection.cursor()
            inbound.set_aside(cur, None, "attachment", aid, "content", dict.fromkeys(fields), why)
        self.moved.discarded += 1
