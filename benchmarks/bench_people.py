"""Finding one person across cases, on a 100,000-case demo database.

* **keys, once**: working out every person's keys after the upgrade to migration 0010 (or
  a first copy): ``people.catch_up`` over all of them;
* **search as you type**: ``people.find`` for each prefix of a name, a phone number and a
  postcode, as each keystroke would run it (target: every keystroke within 30 ms);
* **a person's page**: ``people.show`` for the person on the most cases, with their repeat
  flags and merged records (target under 100 ms);
* **the review of likely duplicates**: ``merging.duplicates`` over every person the account
  sees (target under 2 s), and a merge and its undo of its first pair;
* **the case list's Repeat column**: ``repeats.marks`` for one block of the list (256
  cases, as the list's model reads them), the newest cases first;

against a baseline measured in the same run: one person read by its primary key in a unit
of work of the store (the floor under any read).

Usage:  python benchmarks/bench_people.py --db DEMO.sqlite3 [--runs 5]

The database is changed (migrated, keys worked out): give it a copy. The Markdown it prints
is what docs/performance.md quotes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

TYPED = ["Sheila Fearon", "bill arm", "07700 900123", "CA1 2ZG"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()

    from sqlalchemy import func, select, text

    from hubapp.store.casework import people
    from hubapp.store.database import open_store
    from hubapp.store.schema import CasePerson, Person

    store = open_store(args.db)
    try:
        with store.read() as s:
            stale = s.execute(text("SELECT count(*) FROM person_key_stale")).scalar_one()
            persons = s.execute(text("SELECT count(*) FROM person")).scalar_one()
        t = time.perf_counter()
        done = people.catch_up(store)
        keys_s = time.perf_counter() - t
        print(
            f"keys worked out: {done:,} of {persons:,} people ({stale:,} stale) in {keys_s:.1f} s"
        )

        with store.read() as s:
            busiest = s.execute(
                select(CasePerson.person_id, func.count())
                .group_by(CasePerson.person_id)
                .order_by(func.count().desc())
                .limit(1)
            ).one()[0]

        def floor() -> None:
            with store.read() as s:
                s.get(Person, busiest)

        def best_of(fn) -> list[float]:
            out = []
            for _ in range(args.runs):
                t = time.perf_counter()
                fn()
                out.append((time.perf_counter() - t) * 1000)
            return out

        base = statistics.median(best_of(floor))
        keystrokes: dict[str, list[tuple[str, float, int]]] = {}
        for typed in TYPED:
            for end in range(1, len(typed) + 1):
                prefix = typed[:end]
                if prefix.endswith(" ") or people.probe_for(prefix) is None:
                    continue
                times = best_of(lambda q=prefix: people.find(store, q))
                keystrokes.setdefault(typed, []).append(
                    (prefix, statistics.median(times), len(people.find(store, prefix)))
                )
        page = best_of(lambda: people.show(store, busiest))
        cases = len(people.show(store, busiest).cases)
        flags = people.show(store, busiest).flags

        from hubapp.store.casework import merging, repeats

        review = best_of(lambda: merging.duplicates(store))
        pairs = merging.duplicates(store)
        t = time.perf_counter()
        done = merging.merge(store, pairs[0].first.id, pairs[0].second.id, "benchmark")
        merge_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        merging.unmerge(store, done.merge_id, "benchmark")
        unmerge_ms = (time.perf_counter() - t) * 1000
        from hubapp.store.casework.caselist import CaseFilter, CaseList, CaseSort

        def blocks() -> list[float]:
            # the list as the window reads it: each block's marks, in the background, with
            # the flags of the people and places met kept for the next blocks
            result = CaseList(store).query(CaseFilter(status=None), CaseSort())
            out = []
            for start in range(0, 256 * 4, 256):
                ids = [r.id for r in result.rows(start, 256)]
                t = time.perf_counter()
                result.repeats(ids)
                out.append((time.perf_counter() - t) * 1000)
            return out

        runs = [blocks() for _ in range(3)]
        marks = [statistics.median(r[0] for r in runs)] + [
            statistics.median(r[i] for r in runs) for i in range(1, 4)]  # fmt: skip
        ids = [r.id for r in CaseList(store).query(CaseFilter(status=None), CaseSort()).rows(0, 256)]
        marked = len(repeats.marks(store, ids))
    finally:
        store.close()

    every = [ms for ks in keystrokes.values() for _p, ms, _n in ks]
    print()
    print("| measure | result | ratio | target |")
    print("| --- | --- | --- | --- |")
    print(f"| Baseline: one person read by primary key in a unit of work | {base:.2f} ms | | |")
    print(
        f"| Keys of every person, once after the upgrade ({persons:,} people) | {keys_s:.1f} s | | |"
    )
    print(f"| Search keystroke, median / slowest of {len(every)} | {statistics.median(every):.1f} / "
          f"{max(every):.1f} ms | {statistics.median(every) / base:.0f}x / {max(every) / base:.0f}x "
          "baseline | under 30 ms |")  # fmt: skip
    print(f"| A person's page ({cases} cases, {len(flags)} repeat flags; audited) | "
          f"{statistics.median(page):.1f} ms | "
          f"{statistics.median(page) / base:.0f}x baseline | under 100 ms |")  # fmt: skip
    print(f"| The review of likely duplicates ({len(pairs):,} pairs) | "
          f"{statistics.median(review) / 1000:.2f} s | {statistics.median(review) / base:.0f}x "
          "baseline | under 2 s |")  # fmt: skip
    print(f"| A merge ({done.moved} links) / its undo | {merge_ms:.0f} / {unmerge_ms:.0f} ms | | |")
    print(f"| The Repeat column, first block of the list (256 cases, {marked} marked), in the "
          f"background / each of the next three | {marks[0]:.0f} / "
          f"{', '.join(f'{m:.0f}' for m in marks[1:])} ms | {marks[0] / base:.0f}x baseline | |")  # fmt: skip
    print()
    print(f"Median of {args.runs} runs each. Each keystroke (ms, people found):")
    print()
    for typed, ks in keystrokes.items():
        print(f"- `{typed}`: " + ", ".join(f"{ms:.1f} ({n})" for _p, ms, n in ks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
