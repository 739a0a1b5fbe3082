"""Start-up, search-as-you-type and memory on a 100,000-case demo database.

Everything is measured in the same run as its baseline, and reported as a ratio:

* demo data: ``hubapp demo --cases N`` into a new file (target under 20 s);
* first paint: wall time from launching ``hubapp selftest`` to its "first paint" line,
  against a bare PySide6 window (a QMainWindow with an empty QTableView) launched the same
  way (target: within 2x);
* case list filled: launch to the "case list filled" line (target under 1 s);
* search as you type: each keystroke of several searches typed into the real main window,
  from the text change to the repainted table (target: every keystroke within 30 ms);
* peak memory of the selftest process (target under 300 MB).

Usage:  python benchmarks/bench_startup.py [--cases 100000] [--runs 5] [--db EXISTING]
                                          [--plain | --encrypted]

The database is encrypted, as in use, unless ``--plain`` (or a plaintext ``--db``).

The Markdown it prints is what docs/performance.md quotes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402

BARE_WINDOW = r"""
import sys
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

class Window(QMainWindow):
    painted = False
    def event(self, e):
        r = super().event(e)
        if e.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            print("first paint", flush=True)
            QTimer.singleShot(0, app.quit)
        return r

app = QApplication(sys.argv[:1])
w = Window()
w.setCentralWidget(QTableView())
w.resize(1366, 740)
w.show()
app.exec()
"""

SEARCHES = ["whitehaven", "CAR-2025-01", "bikes park", "fly tipping lane", "kendal"]


def timed_lines(cmd: list[str], env: dict[str, str]) -> tuple[dict[str, float], list[str]]:
    """Launch ``cmd`` and note when each line of its output arrives (seconds after launch)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    marks: dict[str, float] = {}
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        at = time.perf_counter() - start
        lines.append(line.rstrip())
        key = line.split(":")[0].strip()
        marks.setdefault(key, at)
    proc.wait()
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr.read()}")
    return marks, lines


def measure_start(
    db: Path, runs: int, env: dict[str, str], hubapp: list[str]
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"bare": [], "paint": [], "filled": [], "peak": []}
    for _ in range(runs):
        # alternate the two so that disk cache and CPU state favour neither
        marks, _ = timed_lines([sys.executable, "-c", BARE_WINDOW], env)
        out["bare"].append(marks["first paint"])
        marks, lines = timed_lines([*hubapp, "--db", str(db), "selftest"], env)
        out["paint"].append(marks["first paint"])
        out["filled"].append(marks["case list filled"])
        peak = next(line for line in lines if line.startswith("peak memory"))
        out["peak"].append(float(peak.split(":")[1].split()[0]))
    return out


def measure_search(db: Path) -> dict[str, dict[str, list[float]]]:
    """Type each search, key by key, into the real window; time text change to repaint.

    Twice: in the default view (the station's hub, open cases) and across every case of
    every hub (the worst case)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from hubapp.app import make_qapplication
    from hubapp.gui import Controller
    from hubapp.views.main_window import MainWindow

    app = make_qapplication()
    window = MainWindow()
    window.show()
    controller = Controller(window, db)
    controller.open()
    deadline = time.time() + 60
    while controller.db is None and time.time() < deadline:
        app.processEvents()
        time.sleep(0.01)
    window.attach(controller.db)
    app.processEvents()
    results: dict[str, dict[str, list[float]]] = {}

    def type_all() -> dict[str, list[float]]:
        out = {}
        for text in SEARCHES:
            window.search.clear()
            window.table.viewport().repaint()
            times = []
            for i in range(1, len(text) + 1):
                t = time.perf_counter()
                window.search.setText(text[:i])
                window.table.viewport().repaint()
                times.append((time.perf_counter() - t) * 1000)
            out[text] = times
        return out

    results["default view (station's hub, open cases)"] = type_all()
    window.all_hubs_action.trigger()
    window.all_status_action.trigger()
    results["all hubs, every status"] = type_all()
    controller.db.store.close()
    window.close()
    return results


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--db", type=Path, help="reuse this demo database instead of making one")
    encryption.add_switch(p)
    args = p.parse_args()
    encryption.ensure_keyring()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    plain = args.plain if args.db is None else encryption.kind(args.db) == "plaintext"
    hubapp = encryption.hubapp_command(plain)
    if plain:
        encryption.plain_in_this_process()  # the search measurements run in this process

    tmp = tempfile.TemporaryDirectory()
    demo_seconds = None
    db = args.db
    if db is None:
        db = Path(tmp.name) / "bench.sqlite3"
        t = time.perf_counter()
        subprocess.run([*hubapp, "--db", str(db), "demo", "--cases", str(args.cases)],
                       check=True, env=env, stdout=subprocess.DEVNULL)  # fmt: skip
        demo_seconds = time.perf_counter() - t

    start = measure_start(db, args.runs, env, hubapp)
    search = measure_search(db)

    med = statistics.median
    bare, paint, filled = med(start["bare"]), med(start["paint"]), med(start["filled"])
    search_rows = []
    for view, by_text in search.items():
        keys = [ms for times in by_text.values() for ms in times]
        search_rows.append((f"Search keystroke, {view}: median / slowest",
                            f"{med(keys):.1f} / {max(keys):.1f} ms", "", "under 30 ms"))  # fmt: skip
    rows = [
        ("Bare PySide6 window, launch to first paint (baseline)", f"{bare:.3f} s", "", ""),
        ("hubapp, launch to first paint", f"{paint:.3f} s", f"{paint / bare:.2f}x baseline", "within 2x"),
        ("hubapp, launch to filled case list", f"{filled:.3f} s", f"{filled / bare:.2f}x baseline", "under 1 s"),
        *search_rows,
        ("Peak memory (selftest: open, fill, search, scroll to end)", f"{max(start['peak']):.0f} MB", "", "under 300 MB"),
    ]  # fmt: skip
    if demo_seconds is not None:
        rows.insert(0, (f"Demo data, {args.cases:,} cases", f"{demo_seconds:.1f} s",
                        f"{args.cases / demo_seconds:,.0f} cases/s", "under 20 s"))  # fmt: skip
    lines = [
        "| measure | result | ratio | target |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        f"Database: {encryption.kind(db)}. Launch figures are medians of {args.runs} "
        "alternating launches. Each keystroke (ms):",
        "",
        *[
            f"- {view}, `{text}`: " + ", ".join(f"{ms:.1f}" for ms in times)
            for view, by_text in search.items()
            for text, times in by_text.items()
        ],
    ]
    print("\n".join(lines))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
