"""The list of orders ending or due (issue 17), on a 100,000-case demo database.

* **this hub**: ``orders_due.due`` for the busiest hub, 28 days ahead (View > Orders ending or
  due, and the meeting pack's section) (target under 200 ms);
* **all hubs**: the same for every hub the account sees (``hubapp interventions due``
  without ``--hub``) (target under 200 ms);
* **a partner**: the busiest hub's list as partner staff of the agency on the fewest of its
  cases (the case rule of hubapp.store.access applied to the query);

against a baseline measured in the same run: one intervention read by its primary key in a
unit of work of the store (the floor under any read).

Usage:  python benchmarks/bench_interventions_due.py [--db DEMO.sqlite3] [--cases 100000]
                                                   [--runs 30] [--plain | --encrypted]

Works on a copy of ``--db`` (without it, a new demo database of ``--cases`` is made first,
which takes some minutes for 100,000). The Markdown it prints is what docs/performance.md
quotes.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402

PASSWORD = "correct horse battery staple"
TARGET_MS = 200


def main() -> int:
    parser = encryption.demo_parser(__doc__, runs=30)
    parser.add_argument("--days", type=int, default=28)
    args = encryption.parse(parser)

    from hubapp.store import accounts
    from hubapp.store.accounts import AccountDraft
    from hubapp.store.casework import orders_due
    from hubapp.store.schema import Intervention

    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        path = Path(folder) / "demo.sqlite3"
        made = encryption.demo_at(path, args)
        if made is not None:
            print(f"made a demo database of {args.cases:,} cases in {made:.0f} s")
        store = encryption.open_as_is(path)
        try:
            with store.engine.connect() as conn:
                total = conn.exec_driver_sql("SELECT count(*) FROM case_").scalar_one()
                live = conn.exec_driver_sql(
                    "SELECT count(*) FROM intervention WHERE status IN ('active', 'breached')"
                ).scalar_one()  # fmt: skip
                every = conn.exec_driver_sql("SELECT count(*) FROM intervention").scalar_one()
                hub = conn.exec_driver_sql(
                    "SELECT hub_id FROM case_ GROUP BY hub_id ORDER BY count(*) DESC LIMIT 1"
                ).scalar_one()
                agency, n = conn.exec_driver_sql(
                    "SELECT a.agency_id, count(*) FROM assignment a JOIN case_ c ON c.id = "
                    "a.case_id WHERE a.voided = 0 AND c.hub_id = ? GROUP BY a.agency_id "
                    "ORDER BY count(*) LIMIT 1", (hub,)).one()  # fmt: skip
                one = conn.exec_driver_sql("SELECT id FROM intervention LIMIT 1").scalar_one()
            hub_id, one = uuid.UUID(hex=hub), uuid.UUID(hex=one)

            def floor() -> None:
                with store.read() as s:
                    s.get(Intervention, one)

            base, _ = encryption.median_and_slowest(floor, args.runs)
            results = []
            this = orders_due.due(store, args.days, hub_id)
            results.append((f"This hub ({len(this):,} items)",
                            *encryption.median_and_slowest(lambda: orders_due.due(store, args.days, hub_id), args.runs)))  # fmt: skip
            everywhere = orders_due.due(store, args.days)
            results.append((f"All hubs ({len(everywhere):,} items)",
                            *encryption.median_and_slowest(lambda: orders_due.due(store, args.days), args.runs)))  # fmt: skip
            accounts.create_account(store, AccountDraft("ada", "Ada", "administrator"), PASSWORD)
            accounts.sign_in(store, "ada", PASSWORD)
            draft = AccountDraft("pat", "Pat", "partner", uuid.UUID(hex=agency), hub_id)
            accounts.create_account(store, draft, PASSWORD)
            accounts.sign_in(store, "pat", PASSWORD)
            theirs = orders_due.due(store, args.days, hub_id)
            results.append((f"This hub, as a partner on {n:,} of its cases "
                            f"({len(theirs):,} items)",
                            *encryption.median_and_slowest(lambda: orders_due.due(store, args.days, hub_id), args.runs)))  # fmt: skip
        finally:
            store.close()
    print(f"{encryption.kind(path)} database of {total:,} cases, {every:,} interventions "
          f"({live:,} live); {args.days} days ahead; {args.runs} runs each")  # fmt: skip
    print()
    print("| measure | median | slowest | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| Baseline: one intervention read by primary key in a unit of work | {base:.2f} ms "
          "| | | |")  # fmt: skip
    ok = True
    for name, median, slowest in results:
        ok &= median < TARGET_MS
        print(f"| {name} | {median:.1f} ms | {slowest:.1f} ms | {median / base:.0f}x baseline "
              f"| under {TARGET_MS} ms |")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
