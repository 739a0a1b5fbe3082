"""Many stations syncing at once against one central PostgreSQL server on loopback.

Each station is a real station role of its own (``hubapp central add-station``, password
authentication), spread over the five hubs, with a case of its own. Every station runs sync
rounds back to back for a fixed time (a closed loop: as many rounds as the server lets it)
and each round sends exactly what ``hubapp.sync.engine.Syncer`` sends:

* the handshake (``hubapp_register``, the server's clock, the central revision and the
  station protocol it needs), in one transaction;
* for a 10-change round, ``CALL hubapp_push`` with 10 edits of the station's own case;
* the pull: the change log after the station's cursor through ``station_change``.

The station's own SQLite work is left out (it is on the station's PC, not the server's) so
that what is measured is the server: rounds a second, the latency of a round (median and
95th percentile), and, for pushes, how long the server worked on a push against how long the
station waited for it. The difference is the queue for the change log's lock, which every
push holds while it writes (``change_serial``); it is sampled from ``pg_locks`` while the
rounds run. Client and server share the same 2 cores here, so these are lower bounds on
what one server does.

Baseline in the same run: one ``SELECT 1`` round trip per station at the same concurrency.

Usage:  python benchmarks/bench_sync_scale.py [--stations 50,200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid

HUBS = ("Carlisle", "Copeland", "Allerdale", "South Lakeland", "Barrow")
HANDSHAKE = (
    "SELECT hubapp_register(%s), now(), (SELECT version_num FROM hubapp_central_version),"
    " (SELECT value FROM central_info WHERE key = 'min_station_schema')"
)
PULL = (
    "SELECT id, tbl, row_id, kind, fields, station_id FROM station_change WHERE id > %s"
    " ORDER BY id LIMIT 2000"
)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


class Station:
    def __init__(self, url: str, station_id: uuid.UUID, case_id: uuid.UUID) -> None:
        self.url, self.station_id, self.case_id = url, station_id, case_id
        self.summary = "first"
        self.updated = "2026-12-01 10:00:00.000000"
        self.cursor = 0
        self.n = 0

    def edits(self, count: int) -> list[dict]:
        out = []
        for _ in range(count):
            self.n += 1
            new, at = f"round {self.n}", f"2026-12-01 10:00:{self.n % 60:02d}.{self.n:06d}"
            out.append({"op": uuid.uuid4().hex, "tbl": "case_", "row": self.case_id.hex,
                        "kind": "update",
                        "fields": {"summary": [self.summary, new], "updated_at": [self.updated, at]}})  # fmt: skip
            self.summary, self.updated = new, at
        return out


def setup(admin: str, count: int) -> list[Station]:
    """``count`` stations over the hubs, each registered and with one case pushed."""
    import psycopg
    from psycopg.types.json import Jsonb

    from hubapp.store.refdata import ref_id
    from hubapp.sync import central

    out = []
    for i in range(count):
        hub = HUBS[i % len(HUBS)]
        url = central.add_station(admin, hub, f"Station {i + 1}").url
        hub_id = central.find_hub(hub)[0]
        sid, case = uuid.uuid4(), uuid.uuid4()
        st = Station(url, sid, case)
        fields = {
            "reference": f"S{i:04d}-2026-0001", "hub_id": hub_id.hex,
            "category_id": ref_id("category", "asb_nuisance").hex,
            "channel_id": ref_id("channel", "call_101").hex, "status": "new",
            "risk_level": "standard", "priority": "normal", "sara_stage": "scanning",
            "summary": st.summary, "details": "", "location": "", "town": "", "postcode": "",
            "grid_ref": "", "police_log_ref": "", "council_ref": "", "outcome": "",
            "closure_rationale": "", "received_at": "2026-12-01 09:00:00.000000",
            "opened_on": "2026-12-01", "created_at": st.updated, "updated_at": st.updated,
            "voided": 0,
        }  # fmt: skip
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("SELECT hubapp_register(%s)", (sid,))
            op = {"op": uuid.uuid4().hex, "tbl": "case_", "row": case.hex, "kind": "insert",
                  "fields": fields}  # fmt: skip
            (result,) = c.execute("CALL hubapp_push(%s, NULL)", (Jsonb([op]),)).fetchone()
            assert result["applied"] == 1, result
            st.cursor = c.execute("SELECT hubapp_high_water()").fetchone()[0]
        out.append(st)
    return out


async def run_station(st: Station, kind: str, until: float, rounds: list, pushes: list) -> None:
    import psycopg
    from psycopg.types.json import Jsonb

    async with await psycopg.AsyncConnection.connect(st.url, autocommit=True) as conn:
        while time.perf_counter() < until:
            started = time.perf_counter()
            if kind == "select1":
                await (await conn.execute("SELECT 1")).fetchone()
                rounds.append(time.perf_counter() - started)
                continue
            async with conn.transaction():
                await (await conn.execute(HANDSHAKE, (st.station_id,))).fetchone()
            if kind == "changes":
                t = time.perf_counter()
                cur = await conn.execute("CALL hubapp_push(%s, NULL)", (Jsonb(st.edits(10)),))
                (result,) = await cur.fetchone()
                assert result["applied"] == 10, result
                pushes.append(time.perf_counter() - t)
            async with conn.transaction():
                rows = await (await conn.execute(PULL, (st.cursor,))).fetchall()
            if rows:
                st.cursor = rows[-1][0]
            rounds.append(time.perf_counter() - started)


async def sample_queue(admin: str, until: float, samples: list[int]) -> None:
    """How many pushes wait for the change log's lock, sampled every 50 ms."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
        while time.perf_counter() < until:
            cur = await conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE 'CALL hubapp_push%'"
            )
            samples.append((await cur.fetchone())[0])
            await asyncio.sleep(0.05)


def server_push_ms(admin: str) -> tuple[int, float]:
    import psycopg

    with psycopg.connect(admin) as c:
        row = c.execute("SELECT calls, total_time FROM pg_stat_user_functions"
                        " WHERE funcname = 'hubapp_push_batch'").fetchone()  # fmt: skip
    return (row[0], row[1]) if row else (0, 0.0)


def high_water(admin: str) -> int:
    import psycopg

    with psycopg.connect(admin) as c:
        return c.execute("SELECT coalesce(max(id), 0) FROM change").fetchone()[0]


async def measure(admin: str, stations: list[Station], kind: str, seconds: float) -> dict:
    # every station has pulled what was written before (as stations syncing every few
    # minutes have): a round then pulls only what the others pushed during the measurement
    top = high_water(admin)
    for st in stations:
        st.cursor = top
    rounds: list[float] = []
    pushes: list[float] = []
    queue: list[int] = []
    calls0, ms0 = server_push_ms(admin)
    until = time.perf_counter() + seconds
    await asyncio.gather(*(run_station(st, kind, until, rounds, pushes) for st in stations),
                         sample_queue(admin, until, queue))  # fmt: skip
    await asyncio.sleep(0.6)  # the statistics collector's flush
    calls1, ms1 = server_push_ms(admin)
    out = {"rounds": len(rounds), "rate": len(rounds) / seconds,
           "p50": statistics.median(rounds), "p95": p95(rounds)}  # fmt: skip
    if pushes:
        out.update(push_p50=statistics.median(pushes), push_p95=p95(pushes),
                   server=(ms1 - ms0) / max(calls1 - calls0, 1) / 1000,
                   queue=statistics.mean(queue) if queue else 0.0,
                   queue_max=max(queue) if queue else 0)  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", default="50,200")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    counts = [int(x) for x in args.stations.split(",")]

    from hubapp.sync import central, pgserver

    server = pgserver.start_server(max_connections=max(counts) + 40)
    if server is None:
        print("bench_sync_scale: PostgreSQL is not installed", file=sys.stderr)
        return 1
    try:
        admin = server.new_database()
        central.init(admin)
        import psycopg

        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'ALTER DATABASE "{admin.rsplit("/", 1)[1]}" SET track_functions = \'all\'')
        started = time.perf_counter()
        every = setup(admin, max(counts))
        print(f"{len(every)} station roles made, registered, one case each: "
              f"{time.perf_counter() - started:.1f} s (set-up)")  # fmt: skip
        for n in counts:
            stations = every[:n]
            for kind, label in (("select1", "SELECT 1 (baseline)"), ("noop", "no-op sync"),
                                ("changes", "10-change sync")):  # fmt: skip
                r = asyncio.run(measure(admin, stations, kind, args.seconds))
                line = (f"{n:>4} stations, {label:<20}: {r['rounds']:>6,} rounds, "
                        f"{r['rate']:>7.1f}/s, p50 {r['p50'] * 1000:7.1f} ms, "
                        f"p95 {r['p95'] * 1000:7.1f} ms")  # fmt: skip
                if kind == "changes":
                    line += (f"; push p50 {r['push_p50'] * 1000:.1f} ms, p95 "
                             f"{r['push_p95'] * 1000:.1f} ms, of which the server worked "
                             f"{r['server'] * 1000:.1f} ms; pushes waiting for the lock: "
                             f"mean {r['queue']:.1f}, max {r['queue_max']}; "
                             f"{r['rate'] * 10:,.0f} changes/s")  # fmt: skip
                print(line, flush=True)
    finally:
        server.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
