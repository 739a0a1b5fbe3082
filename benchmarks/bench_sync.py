"""How long central sync takes on loopback against a real PostgreSQL server it starts itself
(``hubapp.sync.pgserver``, the one the tests use): the initial sync of a new station
(100,000 cases with all their rows; target under 10 s), a sync of 100 changes (under
100 ms), a sync with nothing to do (under 10 ms), and the rate at which central takes a
station's pushed changes.

Filling the central database. Demo databases never sync (their changes are not captured and
``hubapp sync`` refuses them), and since central revision c0006 a station's changes go
through ``hubapp_push``, which checks and merges each one on the server (about 1,700 a
second here): pushing 1.2 million rows that way would be twelve minutes of set-up. So the
administrator loads the records directly, as a migration from another system would: every
captured row of a demo database becomes a record owned by one hub, with the case and
references the server would work out (``load_central``). The push path is measured on its
own, with a new station pushing its first 10,000 changes. Filling is set-up, not timed.

Baselines, measured in the same run:

* **initial sync**: ``COPY (SELECT tbl, id, fields FROM record) TO STDOUT`` through psycopg,
  the least any client must do to receive the same rows (no parsing, no SQLite), and the
  download of the stored hub snapshot to a file, the least a station must do to receive it.
  A new station's first copy is measured the way it is made in use, from the hub snapshot
  (``hubapp.sync.snapshot``, built first with ``central snapshot``, whose time is reported
  but is the administrator's, not the station's), and also streamed row by row (the way
  without a snapshot) into an encrypted and a plaintext station (the cost of encryption);
  the other figures are for an encrypted station;
* **100 changes / nothing to do / pushed changes a second**: one bare ``SELECT 1`` round
  trip on an open connection.

Usage:  python benchmarks/bench_sync.py [--cases 100000] [--db DEMO.sqlite3] [--runs 5]
        (--db: an existing demo database to take the rows from, not changed)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402

PUSH_RATE_OPS = 10_000


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def make_demo(folder: Path, cases: int) -> Path:
    from hubapp.store.database import open_store
    from hubapp.store.exchange import demo

    path = folder / "demo.sqlite3"
    store = open_store(path)
    try:
        demo.generate(store, cases, seed=1)
    finally:
        store.close()
    return path


def demo_ops(demo_db: Path, hub_hex: str):
    """Insert ops (as the outbox holds them) for every captured row of the demo database,
    parents before children, every row given to one hub."""
    from hubapp.store import capture
    from hubapp.store.database import connect

    con = connect(demo_db, read_only=True)  # the store's own way: it may be encrypted
    seq = 0
    try:
        for tbl in capture.captured_tables():
            if tbl == "station":
                continue  # the demo's own station is not a real one
            cur = con.execute(f'SELECT * FROM "{tbl}"')
            names = [d[0] for d in cur.description]
            for row in cur:
                fields = dict(zip(names, row, strict=True))
                rid = fields.pop("id")
                for c in capture.LOCAL_COLUMNS:
                    fields.pop(c, None)
                if "hub_id" in fields:
                    fields["hub_id"] = hub_hex
                fields["station_id"] = None
                seq += 1
                yield (seq, uuid.uuid4().hex, tbl, rid, "insert", json.dumps(fields))
    finally:
        con.close()


def load_central(admin_url: str, demo_db: Path, hub_id: uuid.UUID) -> int:
    """Load every row of the demo database as the hub's records, as the administrator: the
    owner, case and references each record gets are the ones ``hubapp_push`` works out."""
    import psycopg

    from hubapp.sync.central_migrations.versions import c0006_station_trust as c0006

    refs_of = {t: [c for c, kind, _n, _null in cols if kind == "ref" and c != "case_id"]
               for t, cols in c0006.C.items()}  # fmt: skip
    case_of: dict[str, str | None] = {}  # a parent row's case (interventions, meetings)
    n = 0
    with psycopg.connect(admin_url) as conn, conn.cursor() as cur:
        with cur.copy("COPY record (id, tbl, hub_id, case_id, refs, fields) FROM STDIN") as cp:
            for _seq, _op, tbl, rid, _kind, fields_json in demo_ops(demo_db, hub_id.hex):
                fields = json.loads(fields_json)
                if tbl == "case_":
                    case = rid
                elif fields.get("case_id"):
                    case = fields["case_id"]
                else:
                    parents = c0006.PARENTS.get(tbl, ())
                    case = next((case_of.get(fields[p]) for p in parents if fields.get(p)), None)
                if tbl in ("intervention", "meeting"):
                    case_of[rid] = case
                refs = (
                    "{" + ",".join(sorted({fields[c] for c in refs_of[tbl] if fields.get(c)})) + "}"
                )
                cp.write_row((rid, tbl, hub_id, case, refs, json.dumps(fields)))
                n += 1
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    return n


def push_rate(admin_url: str, demo_db: Path, hub: str, ops_wanted: int) -> tuple[int, float]:
    """A new station of ``hub`` pushes ``ops_wanted`` new rows (taken from the demo
    database, given new ids so they are new to central) through ``hubapp_push`` in the
    engine's batches: (ops, seconds)."""
    import psycopg
    from psycopg.types.json import Jsonb

    from hubapp.sync import central
    from hubapp.sync.engine import PUSH_BATCH

    hub_id = central.find_hub(hub)[0]
    url = central.add_station(admin_url, hub, "Bench pushing station").url
    ops, renamed = [], {}
    for _seq, op_id, tbl, rid, kind, fields_json in demo_ops(demo_db, hub_id.hex):
        if len(ops) >= ops_wanted:
            break
        fields = json.loads(fields_json)
        renamed[rid] = uuid.uuid4().hex
        for k, v in fields.items():
            if isinstance(v, str) and v in renamed:
                fields[k] = renamed[v]
        if tbl == "case_":
            fields["reference"] = "PUSH-" + renamed[rid][:12]
        if tbl == "contact":
            fields["import_key"] = None
        ops.append({"op": op_id, "tbl": tbl, "row": renamed[rid], "kind": kind, "fields": fields})
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT hubapp_register(%s)", (uuid.uuid4(),))
        started = time.perf_counter()
        for start in range(0, len(ops), PUSH_BATCH):
            batch = ops[start : start + PUSH_BATCH]
            (result,) = conn.execute("CALL hubapp_push(%s, NULL)", (Jsonb(batch),)).fetchone()
            assert not result["refused"], result["refused"][:3]
        seconds = time.perf_counter() - started
    return len(ops), seconds


def copy_baseline(url: str) -> int:
    import psycopg

    size = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY (SELECT tbl, id, fields FROM record) TO STDOUT") as copy:
            for block in copy:
                size += len(block)
    return size


def download_baseline(url: str) -> int:
    """The stored snapshot's chunks copied to a file: the least a station must do to get it."""
    import psycopg

    size = 0
    with tempfile.TemporaryFile() as out, psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY (SELECT data FROM hub_snapshot_chunk ORDER BY hub_id, n) TO STDOUT "
                      "(FORMAT BINARY)") as copy:  # fmt: skip
            copy.set_types(["bytea"])
            while (row := copy.read_row()) is not None:
                out.write(row[0])
                size += len(row[0])
    return size


def check_copy(store, summary, rows: int, cases: int, how: str) -> None:
    """The station has every row and every case in its search index, got the way expected."""
    with store.engine.connect() as c:
        got = c.exec_driver_sql("SELECT count(*) FROM case_").scalar_one()
        indexed = c.exec_driver_sql("SELECT count(*) FROM case_search").scalar_one()
    assert summary.first_copy == how, (summary.first_copy, how)
    assert summary.pulled >= rows, (summary.pulled, rows)
    assert got >= cases and indexed == got, (got, indexed)


def new_station(folder: Path, admin_url: str, hub: str, name: str, *, encrypted: bool = True):
    from hubapp.store import setup
    from hubapp.store.database import open_store
    from hubapp.sync import central

    store = open_store(folder / f"{name}.sqlite3", encrypted=encrypted)
    setup.configure(store, hub, name)
    return store, central.add_station(admin_url, hub, name).url


def edit_cases(store, n: int, round_: int) -> None:
    from sqlalchemy import select

    from hubapp.store.schema import Case

    with store.write(reason="bench") as s:
        for case in s.scalars(select(Case).order_by(Case.seq).limit(n)):
            case.location = f"Bench round {round_}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="a demo database to take the rows from")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hub", default="Copeland")
    args = parser.parse_args()
    import logging

    # the engine logs the phases of the first copy (copy, move, indexes, check, commit)
    logging.basicConfig(format="  %(message)s")
    logging.getLogger("hubapp.sync.engine").setLevel(logging.INFO)
    logging.getLogger("hubapp.sync.snapshot").setLevel(logging.INFO)

    from hubapp.sync import central, pgserver, snapshot
    from hubapp.sync.engine import Syncer

    encryption.ensure_keyring()  # somewhere to keep the stations' database keys

    server = pgserver.start_server()
    if server is None:
        print("bench_sync: PostgreSQL is not installed", file=sys.stderr)
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
            folder = Path(folder)
            if args.db is not None:
                demo_db = args.db
            else:
                seconds, demo_db = timed(lambda: make_demo(folder, args.cases))
                print(f"demo database: {args.cases:,} cases in {seconds:.1f} s (set-up)")
            admin = server.new_database()
            central.init(admin)
            hub_id, _code, hub_name = central.find_hub(args.hub)
            seconds, rows = timed(lambda: load_central(admin, demo_db, hub_id))
            print(f"central loaded by the administrator: {rows:,} rows in {seconds:.1f} s "
                  "(set-up)")  # fmt: skip

            # -- initial sync, streamed: encrypted (as in use) and plaintext ------------------
            base, size = timed(lambda: copy_baseline(admin))
            print(f"baseline COPY of the same rows ({size / 1e6:.0f} MB):  {base:.2f} s")
            for kind in ("encrypted", "plaintext"):
                store, url = new_station(folder, admin, hub_name, f"Bench {kind}",
                                         encrypted=kind == "encrypted")  # fmt: skip
                syncer = Syncer(store, url)
                initial, summary = timed(syncer.run)
                check_copy(store, summary, rows, args.cases, "stream")
                print(f"initial sync streamed, {kind} station, {summary.pulled:,} rows:"
                      f"  {initial:.2f} s ({initial / base:.1f}x COPY)")  # fmt: skip
                syncer.close()
                store.close()

            # -- initial sync from the hub snapshot (what a new station does) ------------------
            seconds, built = timed(lambda: snapshot.build(admin, hub_name))
            print(f"hub snapshot built and stored: {built[0].size / 1e6:.0f} MB in {seconds:.1f} s"
                  " (the administrator's scheduled job, not the station's time)")  # fmt: skip
            download, _n = timed(lambda: download_baseline(admin))
            print(f"baseline download of the stored snapshot to a file:  {download:.2f} s")
            firsts = []
            kept = None
            pulled = 0
            for r in range(max(1, min(3, args.runs))):
                store, url = new_station(folder, admin, hub_name, f"Bench snapshot {r}")
                syncer = Syncer(store, url)
                initial, summary = timed(syncer.run)
                check_copy(store, summary, rows, args.cases, "snapshot")
                firsts.append(initial)
                pulled = summary.pulled
                print(f"  run {r + 1}: {initial:.2f} s")
                if kept is None:
                    kept = store, url, syncer
                else:
                    syncer.close()
                    store.close()
            med = statistics.median(firsts)
            print(f"initial sync from the hub snapshot, encrypted station, {pulled:,} rows "
                  f"(median of {len(firsts)}, best {min(firsts):.2f} s): {med:.2f} s "
                  f"({med / base:.1f}x COPY of the rows, {med / download:.1f}x the download; "
                  "target under 10 s)")  # fmt: skip
            store, url, syncer = kept

            # -- round trip baseline ---------------------------------------------------------
            conn = syncer._connect()
            trips = []
            for _ in range(50):
                t, _r = timed(lambda: conn.execute("SELECT 1").fetchone())
                conn.rollback()
                trips.append(t)
            trip = statistics.median(trips)
            print(f"baseline SELECT 1 round trip (median of 50): {trip * 1000:.2f} ms")

            # -- nothing to do ---------------------------------------------------------------
            idle = [timed(syncer.run)[0] for _ in range(args.runs * 4)]
            med = statistics.median(idle)
            print(f"sync with nothing to do, open connection (median of {len(idle)}): "
                  f"{med * 1000:.1f} ms ({med / trip:.0f}x SELECT 1; target under 10 ms)")  # fmt: skip
            fresh = []
            for _ in range(args.runs):
                s2 = Syncer(store, url)
                fresh.append(timed(s2.run)[0])
                s2.close()
            print(f"sync with nothing to do, new connection (median of {args.runs}): "
                  f"{statistics.median(fresh) * 1000:.1f} ms")  # fmt: skip

            # -- 100 changes: pushed by this station, pulled by a second one ------------------
            other_store, other_url = new_station(folder, admin, hub_name, "Second station")
            # (encrypted, as in use)
            other = Syncer(other_store, other_url)
            other_initial = timed(other.run)[0]
            print(f"(second station's initial sync: {other_initial:.2f} s)")
            pushes, pulls = [], []
            for r in range(args.runs):
                edit_cases(store, 100, r)
                t, s = timed(syncer.run)
                assert s.pushed == 100, s.pushed
                pushes.append(t)
                t, s = timed(other.run)
                assert s.pulled >= 100, s.pulled
                pulls.append(t)
            for label, values in (("pushed", pushes), ("pulled", pulls)):
                med = statistics.median(values)
                print(f"sync of 100 changes {label} (median of {args.runs}): {med * 1000:.1f} ms "
                      f"({med / trip:.0f}x SELECT 1; target under 100 ms)")  # fmt: skip
            syncer.close()
            other.close()
            store.close()
            other_store.close()

            # -- a station's backlog pushed: the rate central checks and merges changes -------
            n, seconds = push_rate(admin, demo_db, hub_name, PUSH_RATE_OPS)
            print(f"new rows pushed through hubapp_push by a station: {n:,} in {seconds:.2f} s,"
                  f" {n / seconds:,.0f} a second ({seconds / n * 1000:.2f} ms each,"
                  f" {seconds / n / trip:.1f}x SELECT 1)")  # fmt: skip
    finally:
        server.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
