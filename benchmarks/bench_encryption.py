"""The cost of encryption at rest: the walking-skeleton benchmarks on a plaintext and an
encrypted copy of the same demo data, in one run (target: encrypted within 1.3x).

Makes the two demo databases with the same seed (``hubapp demo``; the plaintext one with
encryption switched off, which only the benchmarks do), then runs ``bench_startup``,
``bench_case_view``, ``bench_intake`` and ``bench_grid_model`` on each, in rounds that
alternate which kind goes first (a shared machine's load drifts; alternating spreads it over
both), and prints one Markdown table: the median of each figure over the rounds, and the
ratio. The bare-window and in-memory model baselines touch no database: their ratios show
how far the machine's noise alone moves a figure.

Making demo data (a bulk write) is timed apart, in ``--demo-rounds`` alternating rounds of
``--demo-cases`` into new files.

Usage:  python benchmarks/bench_encryption.py [--cases 100000] [--rounds 3] [--quick]
                                              [--demo-cases 20000] [--demo-rounds 3]
                                              [--folder DIR] [--passphrase TEXT]

``--passphrase`` keeps the key the other way (Argon2id from a passphrase, once per process)
instead of in a keyring.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import encryption  # noqa: E402

MEDIAN_MS = re.compile(r"^(?P<label>\S.*?)\s+median\s+(?P<value>[\d.]+) ms")
TABLE_MS = re.compile(r"^(?P<label>\S.*?)\s+(?P<value>[\d.]+)ms\s+[\d.]+ms")
MARKDOWN = re.compile(
    r"^\| (?P<label>[^|]+?) \| (?P<value>[\d.]+)(?: / [\d.]+)? (?P<unit>s|ms|MB) \|"
)


def figures(output: str) -> dict[str, tuple[float, str]]:
    """(median, unit) by label, from what a benchmark printed."""
    found: dict[str, tuple[float, str]] = {}
    for line in output.splitlines():
        for pattern in (MARKDOWN, MEDIAN_MS, TABLE_MS):
            m = pattern.match(line.strip())
            if m:
                unit = m.groupdict().get("unit") or "ms"
                found.setdefault(m["label"].strip(), (float(m["value"]), unit))
                break
    return found


def run(script: str, db: Path, extra: list[str], env: dict[str, str]) -> str:
    cmd = [sys.executable, str(HERE / script), "--db", str(db), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed on {db.name}:\n{done.stderr[-3000:]}")
    return done.stdout


SEARCHES = ["whitehaven", "CAR-2025-01", "bikes park", "fly tipping lane", "kendal"]


def interleaved(dbs: dict[str, Path], scratch: Path, runs: int) -> list[tuple[str, float, float]]:
    """The database work of the walking skeleton, timed in this process on both kinds in
    turn, operation by operation (so that the machine's load falls on both alike): opening,
    the case list, search keystrokes, the case view, saving an issue, repeat suggestions and
    the assignment grid's rows. Returns (label, plaintext ms, encrypted ms), medians."""
    import random
    import shutil
    import statistics

    from hubapp.store import keys, setup
    from hubapp.store.casework import caselist, caseview, grid
    from hubapp.store.intake import duplicates
    from hubapp.store.intake import form as intake
    from hubapp.store.intake.form import IntakeForm, PersonEntry

    copies = {}
    for kind, db in dbs.items():
        copies[kind] = scratch / f"work-{kind}.sqlite3"
        shutil.copy(db, copies[kind])
    stores = {kind: encryption.open_as_is(path) for kind, path in copies.items()}
    station = setup.current(stores["plaintext"])
    by_seq = {}
    for kind, store in stores.items():
        with store.read() as s:
            by_seq[kind] = dict(s.connection().exec_driver_sql("SELECT seq, id FROM case_").all())
    seqs = sorted(by_seq["plaintext"])
    rng = random.Random(1)

    def case_id(kind: str, i: int):
        import uuid

        return uuid.UUID(hex=by_seq[kind][seqs[(i * 7919) % len(seqs)]])

    def form(i: int) -> IntakeForm:
        return IntakeForm(
            hub=station.hub_code, channel="call_101", category="asb_nuisance",
            received="now", location=f"Outside {i + 2} Lowther Street", town="Carlisle",
            postcode="CA3 8DA", summary="Youths shouting and throwing stones at windows",
            details="Caller reports the group gathers every evening from about 8pm.",
            reporter_name="Benchmark Caller", reporter_phone="07700 900999",
            people=[PersonEntry(role="victim", full_name="Benchmark Victim")],
        )  # fmt: skip

    prefixes = [text[:n] for text in SEARCHES for n in range(2, len(text) + 1)]
    suggest_q = duplicates.query_for(IntakeForm(location="Lowther Street", town="Carlisle",
                                                postcode="CA3 8DA"))  # fmt: skip

    def reopen(kind: str, _i: int) -> None:
        stores[kind].close()
        keys.forget_known()  # the key is looked up again, as a new process would
        stores[kind] = encryption.open_as_is(copies[kind])

    ops = {
        "open the database (key lookup, checks, reference data)": reopen,
        "case list, first page (station's hub, open cases)": lambda k, i: caselist.CaseList(
            stores[k]).query(caselist.CaseFilter(hub_id=station.hub_id),
                             caselist.CaseSort()).rows(0, 64),
        "search keystroke, all hubs and statuses (query and first rows)": lambda k, i: (
            caselist.CaseList(stores[k]).query(
                caselist.CaseFilter(status=None, text=prefixes[i % len(prefixes)]),
                caselist.CaseSort()).rows(0, 64)),
        "case view load (audited)": lambda k, i: caseview.load(stores[k], case_id(k, i)),
        "save a new issue (case, contact, 2 people, place)": lambda k, i: intake.save(
            stores[k], form(i)),
        "repeat suggestions (street + postcode)": lambda k, i: duplicates.suggest(
            stores[k], suggest_q),
        "assignment grid rows (station's hub)": lambda k, i: grid.grid_cases(
            stores[k], grid.GridFilter(hub_id=station.hub_id)),
    }  # fmt: skip
    out = []
    for label, op in ops.items():
        times: dict[str, list[float]] = {"plaintext": [], "encrypted": []}
        n = max(5, runs // 4) if label.startswith("open") else runs
        for i in range(-1, n):  # -1: a warm-up of each
            order = ["plaintext", "encrypted"] if rng.random() < 0.5 else ["encrypted", "plaintext"]
            for kind in order:
                started = time.perf_counter()
                op(kind, i)
                if i >= 0:
                    times[kind].append((time.perf_counter() - started) * 1000)
        out.append((label, statistics.median(times["plaintext"]),
                    statistics.median(times["encrypted"])))  # fmt: skip
        print(f"interleaved: {label} done", file=sys.stderr)
    for store in stores.values():
        store.close()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--quick", action="store_true", help="fewer runs of each benchmark")
    p.add_argument("--rounds", type=int, default=3, help="runs of every benchmark on each kind")
    p.add_argument("--interleaved", type=int, default=100, metavar="RUNS",
                   help="runs of each operation of the in-process comparison (0: none)")  # fmt: skip
    p.add_argument("--benchmarks", action=argparse.BooleanOptionalAction, default=True,
                   help="run the four benchmark scripts too (default: yes)")  # fmt: skip
    p.add_argument("--demo-cases", type=int, default=20_000)
    p.add_argument("--demo-rounds", type=int, default=3)
    p.add_argument("--folder", type=Path,
                   help="keep the demo databases here and reuse them (default: a temporary folder)")  # fmt: skip
    p.add_argument("--passphrase", help="keep the key as a passphrase, not in a keyring")
    args = p.parse_args()
    if args.folder:
        args.folder.mkdir(parents=True, exist_ok=True)
    encryption.ensure_keyring(args.passphrase, args.folder)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    runs = {
        "bench_startup.py": ["--runs", "3" if args.quick else "7"],
        "bench_case_view.py": ["--runs", "50" if args.quick else "200"],
        "bench_intake.py": ["--runs", "15" if args.quick else "40"],
        "bench_grid_model.py": ["--runs", "5" if args.quick else "15"],
    }
    samples: dict[str, dict[str, dict[str, list[float]]]] = {}
    units: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        dbs = {}
        demo = {}
        for kind, plain in (("plaintext", True), ("encrypted", False)):
            db = folder / f"{kind}-{args.cases}.sqlite3"
            if db.exists():
                dbs[kind] = db
                continue
            started = time.perf_counter()
            subprocess.run([*encryption.hubapp_command(plain), "--db", str(db), "demo",
                            "--cases", str(args.cases)], check=True, env=env,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            demo[kind] = time.perf_counter() - started
            assert encryption.kind(db) == kind, (db, kind)
            dbs[kind] = db
            print(f"{kind}: {args.cases:,} demo cases in {demo[kind]:.1f} s", file=sys.stderr)
        demo_times: dict[str, list[float]] = {"plaintext": [], "encrypted": []}
        for round_ in range(args.demo_rounds):
            kinds = [("plaintext", True), ("encrypted", False)]
            for kind, plain in kinds if round_ % 2 == 0 else reversed(kinds):
                db = Path(scratch) / f"demo-{kind}-{round_}.sqlite3"
                started = time.perf_counter()
                subprocess.run([*encryption.hubapp_command(plain), "--db", str(db), "demo",
                                "--cases", str(args.demo_cases)], check=True, env=env,
                               stdout=subprocess.DEVNULL)  # fmt: skip
                demo_times[kind].append(time.perf_counter() - started)
                for extra in Path(scratch).glob(f"{db.name}*"):
                    extra.unlink()
                print(f"demo round {round_ + 1}, {kind}: {demo_times[kind][-1]:.1f} s",
                      file=sys.stderr)  # fmt: skip
        pairs = interleaved(dbs, Path(scratch), args.interleaved) if args.interleaved else []
        for round_ in range(args.rounds if args.benchmarks else 0):
            order = list(dbs.items()) if round_ % 2 == 0 else list(reversed(dbs.items()))
            for script, extra in runs.items():
                for kind, db in order:
                    print(f"round {round_ + 1}: {script} on the {kind} database…", file=sys.stderr)
                    for label, (value, unit) in figures(run(script, db, extra, env)).items():
                        label = re.sub(r" \(\d+ found\)", "", label)
                        units[label] = unit
                        by_kind = samples.setdefault(script, {}).setdefault(label, {})
                        by_kind.setdefault(kind, []).append(value)
        sizes = {kind: db.stat().st_size / 2**20 for kind, db in dbs.items()}

    def fmt(value: float, unit: str) -> str:
        return f"{value:.3f} s" if unit == "s" else f"{value:.1f} {unit}"

    rows = [("database file size", "-", f"{sizes['plaintext']:.0f} MB",
             f"{sizes['encrypted']:.0f} MB", sizes["encrypted"] / sizes["plaintext"])]  # fmt: skip
    if len(demo) == 2:
        rows.insert(0, ("demo data (`hubapp demo`)", "-", f"{demo['plaintext']:.1f} s",
                        f"{demo['encrypted']:.1f} s", demo["encrypted"] / demo["plaintext"]))  # fmt: skip
    worst = 0.0
    med = statistics.median
    if args.demo_rounds:
        a, b = med(demo_times["plaintext"]), med(demo_times["encrypted"])
        rows.append((f"demo data, {args.demo_cases:,} cases into a new file", "hubapp demo",
                     f"{a:.1f} s", f"{b:.1f} s", b / a))  # fmt: skip
    for script, by_label in samples.items():
        for label, by_kind in by_label.items():
            if len(by_kind) != 2 or med(by_kind["plaintext"]) <= 0:
                continue
            plain, enc = med(by_kind["plaintext"]), med(by_kind["encrypted"])
            unit = units[label]
            ratio = enc / plain
            if unit != "MB" and "baseline" not in label.lower():
                worst = max(worst, ratio)
            rows.append((label, script.removesuffix(".py"), fmt(plain, unit), fmt(enc, unit),
                         ratio))  # fmt: skip
    for label, a, b in pairs:
        worst = max(worst, b / a)
        rows.append((label, "in-process, interleaved", f"{a:.2f} ms", f"{b:.2f} ms", b / a))
    print("| measure | benchmark | plaintext | encrypted | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for label, script, a, b, ratio in rows:
        print(f"| {label} | {script} | {a} | {b} | {ratio:.2f}x |")
    print()
    rounds = args.rounds if args.benchmarks else 0
    print(f"Benchmark scripts: medians over {rounds} rounds; in-process: medians of "
          f"{args.interleaved} runs of each operation on each kind. Slowest ratio of a hubapp "
          f"timing (baselines left out): {worst:.2f}x (target: within 1.3x).")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
