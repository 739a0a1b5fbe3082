"""How long saving an intake and the duplicate suggestions take on a big database
(targets: each under 50 ms).

Measured on a copy of a demo database (the original is not changed):

* **baseline**: a bare INSERT of one row (a local setting) in its own write transaction,
  through the same store (WAL, synchronous=FULL): the floor any save pays;
* **save**: ``hubapp.store.intake.form.save`` of a realistic new issue (a victim and a reporter,
  a place, a contact, all audited), and of a further report attached to an open case;
* **suggestions**: ``hubapp.store.intake.duplicates.suggest`` for what a form holds while typing:
  a street with a postcode, a real person's name, phone and email, and both.

Usage:  python benchmarks/bench_intake.py --db DEMO.sqlite3 [--runs 30]
        (make one with: hubapp --db DEMO.sqlite3 demo --cases 100000)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402


def measure(fn, runs: int) -> tuple[float, float]:
    """(median, slowest) in milliseconds, after one warm-up call."""
    fn(-1)
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    encryption.ensure_keyring()

    from sqlalchemy import func, select

    from hubapp.domain.clock import utcnow
    from hubapp.store import setup
    from hubapp.store.intake import duplicates
    from hubapp.store.intake import form as intake
    from hubapp.store.intake.form import IntakeForm, PersonEntry
    from hubapp.store.schema import Case, CasePerson, LocalSetting, Person

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        shutil.copy(args.db, path)
        store = encryption.open_as_is(path)
        station = setup.current(store)
        with store.read() as s:
            cases = s.scalar(select(func.count()).select_from(Case))
            open_case = s.scalars(
                select(Case).where(Case.status != "closed").order_by(Case.received_at.desc())
            ).first()
            person = s.execute(
                select(Person.full_name, Person.phone, Person.email)
                .join(CasePerson, CasePerson.person_id == Person.id)
                .where(CasePerson.case_id == open_case.id)
            ).first()
        print(
            f"{cases:,} cases ({encryption.kind(path)}); station {station.station_name} ({station.hub_name})"
        )

        def baseline(i: int) -> None:
            with store.write(reason="benchmark") as s:
                s.add(LocalSetting(key=f"bench-{uuid.uuid4()}", value=str(i)))

        def form(i: int) -> IntakeForm:
            return IntakeForm(
                hub=station.hub_code, channel="call_101", category="asb_nuisance",
                received="now", incident="yesterday 21:30",
                location=f"Outside {i + 2} Lowther Street", town="Carlisle", postcode="CA3 8DA",
                summary="Youths shouting and throwing stones at windows",
                details="Caller reports the group gathers every evening from about 8pm.",
                reporter_name="Benchmark Caller", reporter_phone="07700 900999",
                consent_to_contact=True,
                people=[PersonEntry(role="victim", full_name="Benchmark Victim")],
                police_log=f"CUM-BENCH-{i}",
            )  # fmt: skip

        def save_new(i: int) -> None:
            intake.save(store, form(i))

        def save_attached(i: int) -> None:
            intake.save(store, form(i), attach_to=open_case.id)

        name, phone, email = person
        queries = {
            "place (street + postcode)": IntakeForm(
                location=f"Outside 4 {open_case.location}", town=open_case.town,
                postcode=open_case.postcode),
            "person (name, phone, email)": IntakeForm(
                people=[PersonEntry(full_name=name, phone=phone, email=email)]),
            "place and person": IntakeForm(
                location=open_case.location, town=open_case.town, postcode=open_case.postcode,
                people=[PersonEntry(full_name=name, phone=phone)], reporter_name="Jo Bloggs"),
        }  # fmt: skip
        now = utcnow()
        rows = []
        base_median, base_slowest = measure(baseline, args.runs)
        rows.append(("baseline: bare INSERT of one row in a transaction", base_median,
                     base_slowest))  # fmt: skip
        rows.append(("save a new issue (case, contact, 2 people, place)",
                     *measure(save_new, args.runs)))  # fmt: skip
        rows.append(("save a further report on an open case", *measure(save_attached, args.runs)))
        for label, q in queries.items():
            query = duplicates.query_for(q)
            found = duplicates.suggest(store, query, now=now)
            rows.append((f"suggestions: {label} ({len(found)} found)",
                         *measure(lambda _i, q=query: duplicates.suggest(store, q, now=now),
                                  args.runs)))  # fmt: skip
        store.close()

    print(f"\n{'measure':<62} {'median':>9} {'slowest':>9} {'ratio':>7}")
    for label, median, slowest in rows:
        print(f"{label:<62} {median:7.2f}ms {slowest:7.2f}ms {median / base_median:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
