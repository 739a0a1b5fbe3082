"""How long opening a case view takes (target: under 100 ms on 100,000 demo cases).

Usage:  python benchmarks/bench_case_view.py [--db DEMO.sqlite3] [--cases 100000] [--runs 200]
                                            [--plain | --encrypted]

Works on a copy of the database (``--db``; without it a new demo database of ``--cases`` is
made first). For random cases it times, in the same run:

* baseline: the detail pane's read of a case (``casedetail.load``, audited like the view);
* load: ``caseview.load`` (everything the case view shows, with its audit entry);
* fill: handing the result to an open case window (forms, lists, tables laid out);
* open: load + fill, which is what a person waits for.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402


def main() -> int:
    parser = encryption.demo_parser(__doc__, runs=200, runs_help="random cases to open")
    args = encryption.parse(parser)

    from PySide6.QtWidgets import QApplication

    from hubapp.store.casework import casedetail, caseview
    from hubapp.views.case_view import CaseWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        path = Path(folder) / "demo.sqlite3"
        encryption.demo_at(path, args)
        kind = encryption.kind(path)
        store = encryption.open_as_is(path)
        with store.read() as s:
            ids = [uuid.UUID(hex=r[0]) for r in s.connection().exec_driver_sql(
                "SELECT id FROM case_ WHERE voided = 0")]  # fmt: skip
        rng = random.Random(args.seed)
        sample = [rng.choice(ids) for _ in range(args.runs)]
        window = CaseWindow(store, sample[0])
        window.resize(1366, 728)
        window.show()
        deadline = time.perf_counter() + 30
        while window.view is None and time.perf_counter() < deadline:  # its own first load
            app.processEvents()
        base, load, fill, total = [], [], [], []
        for case_id in sample:
            t0 = time.perf_counter()
            casedetail.load(store, case_id)
            t1 = time.perf_counter()
            view = caseview.load(store, case_id)
            t2 = time.perf_counter()
            window._loaded(view)
            app.processEvents()
            t3 = time.perf_counter()
            base.append((t1 - t0) * 1000)
            load.append((t2 - t1) * 1000)
            fill.append((t3 - t2) * 1000)
            total.append((t3 - t1) * 1000)
        window.close()
        store.close()
    print(f"cases in database: {len(ids):,} ({kind})   cases opened: {len(sample)}   "
          f"cpus: {os.cpu_count()}")  # fmt: skip
    b = statistics.median(base)
    for name, values in (("baseline: detail pane read", base), ("case view load", load),
                         ("case view fill", fill), ("case view open (load + fill)", total)):  # fmt: skip
        med = statistics.median(values)
        print(
            f"{name:30s} median {med:6.1f} ms   slowest {max(values):6.1f} ms   "
            f"{med / b:4.1f}x baseline"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
