"""What the case rule costs a partner: the case list (its own SQL) and reads through the ORM.

Usage:  python benchmarks/bench_access.py [--db DEMO.sqlite3] [--cases 100000] [--runs 30]
                                         [--plain | --encrypted]

Works on a copy of the database (``--db``; without it a new demo database of ``--cases`` is
made first), to which it adds an administrator and a partner of the agency with the fewest
cases of the busiest hub. As that partner it times, each ``--runs`` times (median, and the
slowest):

* count: the case list's count of open cases (what the window shows first);
* page: the first page of open cases, newest first (query and rows, 100 of them);
* search: the first page of a search among open cases ("park");
* export count: the count of the partner's cases through the ORM (export.count_cases);
* case view: ``caseview.load`` of one of the partner's cases (random, audited).

The same script runs against two versions of the code on copies of one database (the
case rule applied by hand, and by the session's loader criteria) for a before and after.
"""

from __future__ import annotations

import random
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402

PASSWORD = "correct horse battery staple"


def main() -> int:
    parser = encryption.demo_parser(__doc__, runs=30)
    args = encryption.parse(parser)

    from hubapp.store import accounts
    from hubapp.store.accounts import AccountDraft
    from hubapp.store.casework import caseview
    from hubapp.store.casework.caselist import CaseFilter, CaseList, CaseSort
    from hubapp.store.exchange import export

    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        path = Path(folder) / "demo.sqlite3"
        encryption.demo_at(path, args)
        store = encryption.open_as_is(path)
        try:
            with store.engine.connect() as conn:
                hub = conn.exec_driver_sql(
                    "SELECT hub_id FROM case_ GROUP BY hub_id ORDER BY count(*) DESC LIMIT 1"
                ).scalar_one()
                agency, n = conn.exec_driver_sql(
                    "SELECT a.agency_id, count(*) FROM assignment a JOIN case_ c ON c.id = "
                    "a.case_id WHERE a.voided = 0 AND c.hub_id = ? GROUP BY a.agency_id "
                    "ORDER BY count(*) LIMIT 1", (hub,)).one()  # fmt: skip
                total = conn.exec_driver_sql("SELECT count(*) FROM case_").scalar_one()
                mine = [uuid.UUID(hex=r[0]) for r in conn.exec_driver_sql(
                    "SELECT case_id FROM assignment WHERE agency_id = ? AND voided = 0",
                    (agency,))]  # fmt: skip
            accounts.create_account(store, AccountDraft("ada", "Ada", "administrator"), PASSWORD)
            accounts.sign_in(store, "ada", PASSWORD)
            draft = AccountDraft("pat", "Pat", "partner", uuid.UUID(hex=agency),
                                 uuid.UUID(hex=hub))  # fmt: skip
            accounts.create_account(store, draft, PASSWORD)
            accounts.sign_in(store, "pat", PASSWORD)
            cases = CaseList(store)
            rng = random.Random(args.seed)
            print(f"{encryption.kind(path)} database of {total:,} cases; a partner whose "
                  f"agency is on {n:,} of them; {args.runs} runs each (median, slowest)")  # fmt: skip
            measures = {
                "count": lambda: cases.count(CaseFilter()),
                "page": lambda: cases.query(CaseFilter(), CaseSort()).rows(0, 100),
                "search": lambda: cases.query(CaseFilter(text="park"), CaseSort()).rows(0, 100),
                "export count": lambda: export.count_cases(store),
                "case view": lambda: caseview.load(store, rng.choice(mine)),
            }
            for name, fn in measures.items():
                median, slowest = encryption.median_and_slowest(fn, args.runs)
                print(f"  {name:<13} {median:8.1f} ms  {slowest:8.1f} ms")
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
