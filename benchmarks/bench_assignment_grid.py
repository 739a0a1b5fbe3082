"""How long ``hubapp.store.casework.assignments.cell_summaries`` takes for a grid of 2,000 cases
(target: well under 100 ms).

Measurements on a copy of a demo database (the original is not changed):

* **realistic**: for each hub, its 2,000 most recent cases across all of the hub's agencies
  (the demo gives a case two or three agencies and a few actions);
* **30 agencies**: Carlisle given 30 agencies; in its 2,000 most recent cases, 8 of them
  (then all 30: the worst case) each have a part and one or two actions in every case.

The cost follows the filled cells (parts and actions), not the number of columns.

Usage:  python benchmarks/bench_assignment_grid.py --db DEMO.sqlite3 [--runs 7]
        (make one with: hubapp --db DEMO.sqlite3 demo --cases 100000)
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

GRID_CASES = 2_000
DENSE_AGENCIES = 30


def timings(fn, runs: int) -> tuple[float, float]:
    """(best, median) in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return min(samples), statistics.median(samples)


def recent_cases(store, hub_id) -> list[uuid.UUID]:
    from sqlalchemy import select

    from hubapp.store.schema import Case

    with store.read() as s:
        return list(
            s.scalars(
                select(Case.id)
                .where(Case.hub_id == hub_id, Case.voided.is_(False))
                .order_by(Case.received_at.desc())
                .limit(GRID_CASES)
            )
        )


def realistic(store, runs: int) -> None:
    from sqlalchemy import select

    from hubapp.store.casework.assignments import cell_summaries, hub_agencies
    from hubapp.store.schema import Hub

    with store.read() as s:
        hubs = [(h.id, h.name) for h in s.scalars(select(Hub).order_by(Hub.name))]
    for hub_id, name in hubs:
        cases = recent_cases(store, hub_id)
        if not cases:
            continue
        agencies = [a.id for a in hub_agencies(store, hub_id)]
        cells = cell_summaries(store, cases, agencies)
        best, median = timings(lambda c=cases, a=agencies: cell_summaries(store, c, a), runs)
        print(
            f"realistic  {name:<15} {len(cases):>5,} cases x {len(agencies):>2} agencies "
            f"{len(cells):>7,} cells   best {best:6.1f} ms   median {median:6.1f} ms"
        )


def make_dense(
    store, per_case: int, hub_code: str = "CAR"
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Give the hub 30 agencies, and ``per_case`` of them a part and actions in each of its
    2,000 most recent cases (their earlier parts are voided).

    Plain INSERTs (no audit): this is a scratch copy made for measuring."""
    from sqlalchemy import insert, select

    from hubapp.store.casework.assignments import hub_agencies
    from hubapp.store.schema import Action, Agency, AgencyType, Assignment, Hub, HubAgency

    rng = random.Random(7)
    today = date.today()
    with store.read() as s:
        hub_id = s.scalar(select(Hub.id).where(Hub.code == hub_code))
        type_id = s.scalar(select(AgencyType.id).where(AgencyType.code == "voluntary"))
    have = [a.id for a in hub_agencies(store, hub_id)]
    with store.engine.begin() as conn:
        for i in range(max(0, DENSE_AGENCIES - len(have))):
            agency_id = uuid.uuid4()
            conn.execute(
                insert(Agency.__table__).values(
                    id=agency_id, code=f"BENCH{i:02d}", name=f"Benchmark partner {i}",
                    short_name=f"Partner {i}", agency_type_id=type_id, active=True,
                )
            )  # fmt: skip
            conn.execute(
                insert(HubAgency.__table__).values(
                    id=uuid.uuid4(), hub_id=hub_id, agency_id=agency_id, position=100 + i
                )
            )
    agencies = [a.id for a in hub_agencies(store, hub_id)]
    cases = recent_cases(store, hub_id)
    with store.engine.begin() as conn:
        conn.execute(
            Assignment.__table__.update().where(Assignment.case_id.in_(cases)).values(voided=True)
        )
        roles, actions = [], []
        for case_id in cases:
            chosen = rng.sample(agencies, per_case)
            lead = rng.randrange(per_case)
            for j, agency_id in enumerate(chosen):
                role = "lead" if j == lead else rng.choice(("support", "support", "informed"))
                roles.append({"id": uuid.uuid4(), "case_id": case_id, "agency_id": agency_id,
                              "role": role})  # fmt: skip
                for _ in range(1 + (rng.random() < 0.5)):
                    actions.append({
                        "id": uuid.uuid4(), "case_id": case_id, "agency_id": agency_id,
                        "description": "Benchmark action", "owner": "",
                        "due_on": today + timedelta(days=rng.randint(-30, 60)),
                        "status": rng.choice(("open", "in_progress", "done", "cancelled")),
                    })  # fmt: skip
        conn.execute(insert(Assignment.__table__), roles)
        conn.execute(insert(Action.__table__), actions)
    print(f"grid made: {len(roles):,} assignments and {len(actions):,} actions")
    return cases, agencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path, help="a demo database (not changed)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per grid (default 7)")
    args = parser.parse_args()
    if not args.db.exists():
        print(
            f"{args.db} does not exist; make one with: hubapp --db {args.db} demo", file=sys.stderr
        )
        return 2

    from hubapp.store.casework.assignments import cell_summaries
    from hubapp.store.database import open_store

    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        copy = Path(folder) / "grid.sqlite3"
        shutil.copy(args.db, copy)
        store = open_store(copy)
        try:
            realistic(store, args.runs)
            for per_case in (8, DENSE_AGENCIES):
                cases, agencies = make_dense(store, per_case)
                cells = cell_summaries(store, cases, agencies)
                best, median = timings(
                    lambda c=cases, a=agencies: cell_summaries(store, c, a), args.runs
                )
                print(
                    f"{per_case:>2} parts    {len(cases):,} cases x {len(agencies)} agencies "
                    f"{len(cells):>7,} cells   best {best:6.1f} ms   median {median:6.1f} ms"
                )
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
