"""How long ``hubapp.store.exchange.demo.generate`` takes, into a new database file (target: 100,000
cases in under 20 s on a two-core PC).

Usage:  python benchmarks/bench_demo.py [--cases 100000] [--seed 1] [--runs 1] [--keep-upkeep]
                                        [--files-cost]

--keep-upkeep keeps the full-text trigger and the secondary indexes up row by row during the
load instead of dropping and rebuilding them, to show what the drop-and-rebuild is worth.

--files-cost runs each time twice, without the demo files and letters (issue 18,
``hubapp.store.exchange.demo_files``) and with them, alternately, and prints the ratio (the
target: within 5 %).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

#: the demo's own cap on cases with files (read once, before a run changes it)
FILES_MOST = 0


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def one_run(cases: int, seed: int, keep_upkeep: bool,
            files: bool = True) -> tuple[float, dict[str, int], int]:  # fmt: skip
    from hubapp.store.database import open_store
    from hubapp.store.exchange import demo, demo_files

    demo_files.FILES_MOST = FILES_MOST if files else 0

    if keep_upkeep:
        demo._drop_slow_upkeep = lambda cur: []  # noqa: SLF001 - a measurement, not a use
    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        path = Path(folder) / "demo.sqlite3"
        store = open_store(path)  # migrations and reference data: not part of the timing
        try:
            started = time.perf_counter()
            summary = demo.generate(store, cases, seed=seed)
            seconds = time.perf_counter() - started
        finally:
            store.close()
        size = path.stat().st_size + sum(
            p.stat().st_size for p in path.parent.glob(path.name + "-*")
        )
    return seconds, summary.rows, size


def _files_most() -> int:
    from hubapp.store.exchange import demo_files

    return demo_files.FILES_MOST


def files_cost(args) -> int:
    """Without and with the demo files, alternately; the ratio of the medians."""
    without, with_files = [], []
    for run in range(1, args.runs + 1):
        for files, times in ((False, without), (True, with_files)):
            seconds, rows, _size = one_run(args.cases, args.seed, args.keep_upkeep, files)
            times.append(seconds)
            print(f"run {run} {'with' if files else 'without'} files: {seconds:.2f} s "
                  f"({rows.get('attachment', 0):,} attachments, "
                  f"{rows.get('communication', 0):,} letters)")  # fmt: skip
    base, new = statistics.median(without), statistics.median(with_files)
    print()
    print(f"cases: {args.cases:,}   seed: {args.seed}   cpus: {os.cpu_count()}")
    print(f"median without files {base:.2f} s, with files {new:.2f} s: ratio {new / base:.3f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases per run (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--runs", type=int, default=1, help="how many runs (default 1)")
    parser.add_argument(
        "--keep-upkeep",
        action="store_true",
        help="keep the search trigger and indexes during the load (for comparison)",
    )
    parser.add_argument(
        "--files-cost",
        action="store_true",
        help="compare the time without and with the demo files and letters",
    )
    args = parser.parse_args()
    global FILES_MOST
    FILES_MOST = _files_most()
    if args.files_cost:
        return files_cost(args)

    times = []
    for run in range(1, args.runs + 1):
        seconds, rows, size = one_run(args.cases, args.seed, args.keep_upkeep)
        times.append(seconds)
        print(
            f"run {run}: {seconds:.2f} s, {args.cases / seconds:,.0f} cases/s, "
            f"{sum(rows.values()) / seconds:,.0f} rows/s, database {size / 1e6:,.0f} MB"
        )
    print()
    print(f"cases: {args.cases:,}   seed: {args.seed}   cpus: {os.cpu_count()}")
    print(
        f"python: {sys.version.split()[0]}   mode: {'keep upkeep' if args.keep_upkeep else 'default'}"
    )
    print("rows:", ", ".join(f"{table} {n:,}" for table, n in rows.items()))
    print(f"total rows: {sum(rows.values()):,}")
    best, median = min(times), statistics.median(times)
    print(f"seconds: best {best:.2f}, median {median:.2f}")
    print(f"cases/second: {args.cases / median:,.0f} (median)")
    rss = peak_rss_mb()
    if rss is not None:
        print(f"peak memory: {rss:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
