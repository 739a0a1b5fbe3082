"""How long ``hubapp.store.exchange.importer.import_file`` takes for 10,000 rows on a database of
100,000 demo cases (target: under 5 s), and ``hubapp.store.exchange.export.export_cases`` for every
case in each format.

Baselines, measured in the same run on the same data:

* **import**: Python's csv module reading the same file into lists (the least any import
  must do), and the same rows written into the same tables by plain ``executemany`` through
  the driver (no checks, no audit, search index kept up by its trigger);
* **export**: Python's csv / json modules writing the same cases, read by one plain SQL
  query (no labels, no formula safety, no audit); openpyxl writing the same cells for XLSX.

Each import runs on a fresh copy of the demo database (the original is not changed); the
file is made with a fixed seed: realistic rows (a few per cent with a bad category or date).

Usage:  python benchmarks/bench_import.py --db DEMO.sqlite3 [--rows 10000] [--runs 3]
        (make one with: hubapp --db DEMO.sqlite3 demo --cases 100000)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HEADING = ["received", "hub", "channel", "category", "location", "summary", "details",
           "reporter_name", "reporter_contact"]  # fmt: skip
HUBS = ["Carlisle", "CAR", "Copeland", "south lakeland", "Barrow", "ALL"]
CHANNELS = ["101 call", "Online form", "walk-in", "Facebook group", "patrol"]
CATEGORIES = ["Parking", "drugs", "Fly-tipping", "asb_nuisance", "Road safety"]
PLACES = ["Bitts Park", "Botchergate", "Lowther Street", "Fore Street", "Market Place"]


def make_file(path: Path, rows: int, seed: int = 1) -> int:
    """A realistic import file; returns how many rows are meant to be rejected."""
    rng = random.Random(seed)
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADING)
        for i in range(rows):
            day, month = rng.randint(1, 28), rng.randint(1, 12)
            received = (
                f"{day:02d}/{month:02d}/2025 {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
            )
            category = rng.choice(CATEGORIES)
            if rng.random() < 0.02:
                category, bad = "Noize", bad + 1
            elif rng.random() < 0.01:
                received, bad = f"31/02/2025 {received[-5:]}", bad + 1
            place = rng.choice(PLACES)
            out.writerow([
                received, rng.choice(HUBS), rng.choice(CHANNELS), category, f"{i} {place}",
                f"Report {i}: youths gathering near {place}",
                f"Caller says the group gathers most evenings near {place}.\n"
                f"Reference {uuid.UUID(int=rng.getrandbits(128))}. " + "More detail. " * 20,
                f"Caller {i}", f"07700 9{i:05d}" if i % 3 else f"caller{i}@example.org",
            ])  # fmt: skip
    return bad


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def csv_read_baseline(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def executemany_baseline(db: Path, path: Path) -> None:
    """The same rows into the same four tables by plain executemany (no checks at all)."""
    from hubapp.store.database import connect

    con = connect(db)  # the store's own way in: the database may be encrypted
    con.execute("PRAGMA foreign_keys = OFF")  # no checks at all
    con.execute("PRAGMA synchronous = FULL")
    con.execute("BEGIN IMMEDIATE")
    hub, cat, chan = (con.execute(f"SELECT id FROM {t} LIMIT 1").fetchone()[0]
                      for t in ("hub", "category", "channel"))  # fmt: skip
    seq = con.execute("SELECT max(seq) FROM case_").fetchone()[0]
    now = "2026-01-01 00:00:00.000000"
    cases, people, links, contacts = [], [], [], []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            cid, pid = uuid.uuid4().hex, uuid.uuid4().hex
            cases.append((cid, seq + i + 1, f"BENCH-{i}", hub, cat, chan, row["location"],
                          row["summary"], row["details"], now, "2026-01-01", now, now))  # fmt: skip
            people.append((pid, row["reporter_name"], row["reporter_contact"], now, now))
            links.append((uuid.uuid4().hex, cid, pid, now, now))
            contacts.append((uuid.uuid4().hex, cid, chan, now, pid, row["summary"],
                             uuid.uuid4().hex + uuid.uuid4().hex, now, now))  # fmt: skip
    sync = ", row_version, voided) "
    con.executemany(
        "INSERT INTO case_ (id, seq, reference, hub_id, category_id, channel_id, location, "
        "summary, details, received_at, opened_on, created_at, updated_at, status, risk_level, "
        "priority, sara_stage, town, postcode, grid_ref, police_log_ref, council_ref, outcome, "
        "closure_rationale" + sync + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'new','standard',"
        "'normal','scanning','','','','','','','',1,0)", cases)  # fmt: skip
    con.executemany("INSERT INTO person (id, full_name, phone, created_at, updated_at, email, "
                    "address, locked_down" + sync + "VALUES (?,?,?,?,?,'','',0,1,0)", people)  # fmt: skip
    con.executemany("INSERT INTO case_person (id, case_id, person_id, created_at, updated_at, "
                    "role" + sync + "VALUES (?,?,?,?,?,'reporter',1,0)", links)  # fmt: skip
    con.executemany("INSERT INTO contact (id, case_id, channel_id, received_at, "
                    "reporter_person_id, summary, import_key, created_at, updated_at, anonymous, "
                    "consent_to_contact, external_ref" + sync + "VALUES (?,?,?,?,?,?,?,?,?,0,0,'',1,0)",
                    contacts)  # fmt: skip
    con.execute("COMMIT")
    con.close()


def export_baseline(db: Path, out: Path, fmt: str) -> int:
    """The cases by one plain query, written by the standard library (or openpyxl)."""
    from hubapp.store.database import connect

    con = connect(db, read_only=True)
    cur = con.execute(
        "SELECT reference, hub_id, category_id, channel_id, status, risk_level, priority, "
        "sara_stage, lead_agency_id, location, town, postcode, grid_ref, summary, details, "
        "police_log_ref, council_ref, received_at, incident_at, opened_on, closed_on, outcome, "
        "closure_rationale, next_review_on FROM case_ WHERE voided = 0 ORDER BY seq"
    )
    names = [d[0] for d in cur.description]
    n = 0
    if fmt == "csv":
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            for row in cur:
                w.writerow(row)
                n += 1
    elif fmt == "json":
        with out.open("w", encoding="utf-8") as fh:
            fh.write("[")
            for row in cur:
                fh.write(("\n" if not n else ",\n") + json.dumps(dict(zip(names, row, strict=True)),
                                                                 ensure_ascii=False))  # fmt: skip
                n += 1
            fh.write("]")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Cases")
        ws.append(names)
        for row in cur:
            ws.append(list(row))
            n += 1
        wb.save(out)
    con.close()
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo database (not changed)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="csv,json,xlsx")
    args = parser.parse_args()
    if not args.db.exists():
        print(f"bench_import: there is no database at {args.db}", file=sys.stderr)
        return 1
    from hubapp.store.database import open_store
    from hubapp.store.exchange.export import count_cases, export_cases
    from hubapp.store.exchange.importer import import_file

    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        folder = Path(folder)
        source = folder / "reports.csv"
        bad = make_file(source, args.rows)
        size = source.stat().st_size / 1e6
        print(f"import file: {args.rows:,} rows, {size:.1f} MB, {bad} meant to be rejected")

        base_read = min(timed(lambda: csv_read_baseline(source))[0] for _ in range(args.runs))
        base_insert, ours, again = [], [], []
        for _run in range(args.runs):
            copy = folder / "copy.sqlite3"
            shutil.copy(args.db, copy)
            base_insert.append(timed(lambda c=copy: executemany_baseline(c, source))[0])
            copy.unlink()
            shutil.copy(args.db, copy)
            store = open_store(copy)
            try:
                cases = count_cases(store)
                seconds, result = timed(lambda st=store: import_file(st, source))
                ours.append(seconds)
                again.append(timed(lambda st=store: import_file(st, source))[0])
            finally:
                store.close()
            for extra in folder.glob("copy.sqlite3*"):
                extra.unlink()
        imported = result.imported
        print(f"database: {cases:,} cases; imported {imported:,}, rejected "
              f"{len(result.rejected):,}")  # fmt: skip
        med = statistics.median(ours)
        print(f"baseline csv.reader, read the file:        {base_read:.3f} s")
        print(f"baseline executemany, no checks (median):   {statistics.median(base_insert):.3f} s")
        print(f"hubapp import (best / median of {args.runs}):       {min(ours):.3f} / {med:.3f} s "
              f"({med / base_read:.0f}x csv read, "
              f"{med / statistics.median(base_insert):.2f}x executemany)")  # fmt: skip
        print(f"hubapp import, the same file again (median): {statistics.median(again):.3f} s")

        store = open_store(args.db)
        try:
            total = count_cases(store)
            for fmt in args.formats.split(","):
                out = folder / f"cases.{fmt}"
                base, n = timed(lambda: export_baseline(args.db, out, fmt))  # noqa: B023
                out.unlink()
                seconds, n = timed(lambda: export_cases(store, out, fmt))  # noqa: B023
                mb = out.stat().st_size / 1e6
                print(f"export {fmt:<4} {n:,} cases: {seconds:.2f} s ({mb:.0f} MB); baseline "
                      f"{base:.2f} s; ratio {seconds / base:.2f}x")  # fmt: skip
                out.unlink()
        finally:
            store.close()
        assert total == n
    return 0


if __name__ == "__main__":
    sys.exit(main())
