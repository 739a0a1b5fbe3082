"""The ASB Case Review queue on a 100,000-case demo database (target: under 1 s).

* **the queue**: ``case_review.read_queue`` for the busiest hub and for every hub, grouped
  by linked cases (the default) and counting every case of a victim (``count_all_cases``);
* **the yearly figures**: ``case_review.yearly_return`` for this year;

against baselines measured in the same run: the early warning's own hub-wide count
(``asb_review.hub_list``, the same window in SQL, one row per victim or place) and one case
read by its primary key in a unit of work of the store (the floor under any read).

Usage:  python benchmarks/bench_case_review.py --db DEMO.sqlite3 [--runs 5]

Make the database with ``hubapp --db DEMO.sqlite3 demo --cases 100000`` (a few minutes). It
is only read. The Markdown it prints is what docs/performance.md quotes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # this checkout's hubapp


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()

    from sqlalchemy import func, select

    from hubapp.store.casework import asb_review, case_review
    from hubapp.store.database import open_store
    from hubapp.store.schema import Case, Hub

    today = date.today()
    store = open_store(args.db)
    try:
        with store.read() as s:
            cases = s.scalar(select(func.count()).select_from(Case))
            hub_id, hub = s.execute(
                select(Case.hub_id, Hub.name).join(Hub, Hub.id == Case.hub_id)
                .group_by(Case.hub_id, Hub.name).order_by(func.count().desc()).limit(1)
            ).one()  # fmt: skip
            some_case = s.scalar(select(Case.id).limit(1))

        def timed(fn) -> tuple[float, object]:
            out, result = [], None
            for _ in range(args.runs):
                t = time.perf_counter()
                result = fn()
                out.append((time.perf_counter() - t) * 1000)
            return statistics.median(out), result

        def floor() -> None:
            with store.read() as s:
                s.get(Case, some_case)

        base, _ = timed(floor)
        warn_hub, warned = timed(lambda: asb_review.hub_list(store, hub_id, today, minimum=2))
        every = replace(case_review.settings(), count_all_cases=True)

        def queue(hub_filter, config=None):
            with store.read() as s:
                return case_review.read_queue(s, hub_filter, today, config)

        q_hub, entries = timed(lambda: queue(hub_id))
        q_all, all_entries = timed(lambda: queue(None))
        q_every, every_entries = timed(lambda: queue(hub_id, every))
        figures_ms, _ = timed(lambda: case_review.yearly_return(store, today.year))
    finally:
        store.close()

    def row(what: str, ms: float, against: float | None, target: str = "") -> str:
        ratio = f"{ms / against:.1f}x" if against else ""
        return f"| {what} | {ms:.0f} ms | {ratio} | {target} |"

    print(f"{cases:,} cases; {hub} is the busiest hub. Median of {args.runs} runs each.")
    print()
    print("| measure | result | ratio to the early warning | target |")
    print("| --- | --- | --- | --- |")
    print(f"| Floor: one case read by primary key in a unit of work | {base:.2f} ms | | |")
    print(row(f"Baseline: the early warning's hub-wide count, {hub} ({len(warned):,} at 2+)",
              warn_hub, None))  # fmt: skip
    print(row(f"The queue, {hub}, by linked cases ({len(entries):,} entries)", q_hub, warn_hub,
              "under 1 s"))  # fmt: skip
    print(row(f"The queue, {hub}, every case of a victim ({len(every_entries):,} entries)",
              q_every, warn_hub, "under 1 s"))  # fmt: skip
    print(row(f"The queue, all hubs ({len(all_entries):,} entries)", q_all, warn_hub,
              "under 1 s"))  # fmt: skip
    print(row(f"The yearly figures, {today.year}", figures_ms, warn_hub))
    slowest = max(q_hub, q_all, q_every)
    print()
    print("PASS" if slowest < 1000 else "FAIL", f"slowest queue {slowest:.0f} ms (target 1,000)")
    return 0 if slowest < 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
