"""How fast attachments' content moves through central sync, on loopback against a real
PostgreSQL server the benchmark starts itself (``hubapp.sync.pgserver``, the tests' own).

One station of a hub adds ``--files`` attachments of ``--mb`` MB each (random bytes: nothing
compresses) and syncs: its content goes up in batches through ``hubapp_push_chunks``, each
chunk checked by central against its record and the whole held against its SHA-256. A second
station of the hub syncs and fetches it all, each batch written to its encrypted database and
the whole checked against the SHA-256 there. Set-up (the stations, the records, the rows'
first sync) is not timed.

Baseline, measured in the same run: the same bytes written by the administrator straight into
a table of the same server with ``COPY ... FROM STDIN (FORMAT binary)`` and read back with
``COPY ... TO STDOUT``, the least any client must do to move them (no checks, no SQLite, no
encryption). The figures are MB/s and their ratio to that.

Usage:  python benchmarks/bench_sync_attachments.py [--files 4] [--mb 25] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402


def _station(folder: Path, admin: str, hub: str, name: str):
    from hubapp.store import setup
    from hubapp.store.database import open_store
    from hubapp.store.schema import Station
    from hubapp.sync import central

    store = open_store(folder / f"{name}.sqlite3")
    info = setup.configure(store, hub, name)
    with store.write(reason="benchmark") as s:
        s.get(Station, info.station_id).ref_prefix = name[0].upper()
    return store, central.add_station(admin, hub, name).url


def _sync(store, url):
    from hubapp.sync.engine import Syncer

    syncer = Syncer(store, url, timeout=30)
    try:
        return syncer.run()
    finally:
        syncer.close()


def one_run(server, folder: Path, files: int, size: int) -> dict[str, float]:
    import psycopg

    from hubapp.store import setup
    from hubapp.store.casework import attachment_content
    from hubapp.store.casework.cases import new_case
    from hubapp.store.refdata import ref_id
    from hubapp.sync import central

    admin = server.new_database()
    central.init(admin)
    a, a_url = _station(folder, admin, "Carlisle", "alpha")
    b, b_url = _station(folder, admin, "Carlisle", "bravo")
    blobs = [os.urandom(size) for _ in range(files)]
    with a.write(reason="benchmark") as s:
        case = new_case(s, hub_id=setup.current(a).hub_id,
                        category_id=ref_id("category", "asb_nuisance"),
                        channel_id=ref_id("channel", "call_101"),
                        received_at=datetime(2026, 11, 1, 10, 0), summary="Benchmark")  # fmt: skip
        for i, blob in enumerate(blobs):
            attachment_content.store_content(
                s, case_id=case.id, source=io.BytesIO(blob), file_name=f"photo{i}.jpg",
                title=f"Photo {i}", kind="photo", media_type="image/jpeg")  # fmt: skip
    total = files * size / (1 << 20)
    from hubapp.sync import files as channel

    with channel_off(a, b):
        _sync(a, a_url)  # the rows first, untimed
        _sync(b, b_url)
    started = time.perf_counter()
    up = _sync(a, a_url)
    push_s = time.perf_counter() - started
    started = time.perf_counter()
    down = _sync(b, b_url)
    pull_s = time.perf_counter() - started
    assert up.content.bytes_sent == down.content.bytes_received == files * size
    assert channel.content_sync_on(a)
    # the baseline: the same bytes in and out with COPY, as the administrator
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("CREATE TABLE bench_blob (n integer, data bytea)")
        started = time.perf_counter()
        with c.cursor().copy("COPY bench_blob (n, data) FROM STDIN (FORMAT binary)") as cp:
            cp.set_types(["int4", "bytea"])
            for i, blob in enumerate(blobs):
                for off in range(0, size, attachment_content.CHUNK_SIZE):
                    cp.write_row((i, blob[off : off + attachment_content.CHUNK_SIZE]))
        copy_in_s = time.perf_counter() - started
        started = time.perf_counter()
        got = 0
        with c.cursor().copy("COPY bench_blob (data) TO STDOUT (FORMAT binary)") as cp:
            cp.set_types(["bytea"])
            for row in cp.rows():
                got += len(row[0])
        copy_out_s = time.perf_counter() - started
        assert got == files * size
    for store in (a, b):
        store.close()
    return {"push": total / push_s, "pull": total / pull_s, "copy_in": total / copy_in_s,
            "copy_out": total / copy_out_s}  # fmt: skip


class channel_off:
    """The content switched off on both stations for the rows' first sync."""

    def __init__(self, *stores) -> None:
        self.stores = stores

    def __enter__(self):
        from hubapp.sync import files

        for s in self.stores:
            files.set_content_sync(s, False)

    def __exit__(self, *exc):
        from hubapp.sync import files

        for s in self.stores:
            files.set_content_sync(s, True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--mb", type=float, default=25.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    encryption.ensure_keyring()
    from hubapp.sync import pgserver

    server = pgserver.start_server()
    if server is None:
        print("PostgreSQL is not installed.", file=sys.stderr)
        return 1
    runs = []
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                runs.append(one_run(server, Path(folder), args.files, int(args.mb * (1 << 20))))
    finally:
        server.remove()
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"{args.files} attachments of {args.mb:g} MB, median of {args.runs} runs (MB/s):")
    print(f"  push (station to central, checked):   {med['push']:7.1f}"
          f"   {med['push'] / med['copy_in']:.2f} x COPY in  ({med['copy_in']:.1f})")  # fmt: skip
    print(f"  pull (central to station, encrypted): {med['pull']:7.1f}"
          f"   {med['pull'] / med['copy_out']:.2f} x COPY out ({med['copy_out']:.1f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
