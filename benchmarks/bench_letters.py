"""Standard letters (issue 18), on a demo database:

* **one letter**: ``letters.send`` of the CPW to one person on a case: merge, lay out the PDF,
  keep it with the case, record the communication and its disclosure, write the file
  (target under 150 ms);
* **its preview**: ``letters.preview`` of the same letter (what the letter dialog makes again
  as a choice changes);
* **a bulk letter to 100 recipients**: the victim update to everyone in a role on a case with
  100 people, one PDF of 100 letters with blank backs, 100 records and disclosures
  (target under 5 s);

against a baseline measured in the same run: one case read by its primary key in a unit of
work of the store (the floor under any read).

Usage:  python benchmarks/bench_letters.py [--db DEMO.sqlite3] [--cases 100000] [--runs 15]
                                     [--plain | --encrypted]

Works on a copy of ``--db`` (without it, a new demo database of ``--cases`` is made first).
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402

ONE_MS = 150
BULK_MS = 5_000
RECIPIENTS = 100


def main() -> int:
    parser = encryption.demo_parser(__doc__, runs=15)
    parser.add_argument("--bulk-runs", type=int, default=3)
    args = encryption.parse(parser)

    from sqlalchemy import select

    from hubapp.documents import letter as paper
    from hubapp.store.schema import Agency, Case, CasePerson, Person

    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        path = Path(folder) / "demo.sqlite3"
        made = encryption.demo_at(path, args)
        if made is not None:
            print(f"made a demo database of {args.cases:,} cases in {made:.0f} s")
        store = encryption.open_as_is(path)
        out = Path(folder) / "letter.pdf"
        try:
            with store.write(reason="benchmark people") as s:
                one, bulk = s.scalars(select(Case.id).where(Case.voided.is_(False))
                                      .order_by(Case.seq).limit(2)).all()  # fmt: skip
                s.get(Case, one).location = s.get(Case, one).location or "Bitts Park"
                police = s.scalar(select(Agency.id).where(Agency.code == "POLICE"))
                total = s.query(Case).count()
                people = []
                for n in range(RECIPIENTS + 1):
                    p = Person(id=uuid.uuid4(), full_name=f"Resident {n:03d}",
                               address=f"{n} Eden Street, Stanwix, Carlisle, CA3 9LS")  # fmt: skip
                    s.add(p)
                    s.flush()
                    s.add(CasePerson(id=uuid.uuid4(), case_id=one if n == 0 else bulk,
                                     person_id=p.id, role="alleged_perpetrator" if n == 0
                                     else "victim"))  # fmt: skip
                    people.append(p.id)

            def floor() -> None:
                with store.read() as s:
                    s.get(Case, one)

            base, _ = encryption.median_and_slowest(floor, args.runs)
            results = []
            results.append(("One letter (CPW to one person): sent, kept, recorded, saved",
                            *encryption.median_and_slowest(lambda: paper.send(store, one, "cpw", [people[0]], police,
                                                        output=out), args.runs), ONE_MS))  # fmt: skip
            results.append(("Its preview (letter dialog)",
                            *encryption.median_and_slowest(lambda: paper.preview(store, one, "cpw", [people[0]],
                                                           police), args.runs), ONE_MS))  # fmt: skip
            sent = paper.send(store, bulk, "victim_update", "victim", police, output=out)
            results.append((f"Bulk letter to {sent.recipients} recipients ({sent.pages} pages)",
                            *encryption.median_and_slowest(lambda: paper.send(store, bulk, "victim_update", "victim",
                                                        police, output=out), args.bulk_runs),
                            BULK_MS))  # fmt: skip
        finally:
            store.close()
        kind = encryption.kind(path)
    print(f"{kind} database of {total:,} cases; {args.runs} runs each "
          f"({args.bulk_runs} of the bulk letter)")  # fmt: skip
    print()
    print("| measure | median | slowest | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| Baseline: one case read by primary key in a unit of work | {base:.2f} ms | | | |")
    ok = True
    for name, median, slowest, target in results:
        ok &= median < target
        print(f"| {name} | {median:.1f} ms | {slowest:.1f} ms | {median / base:.0f}x baseline "
              f"| under {target:,} ms |")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
