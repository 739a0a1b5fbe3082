"""The assignment grid's Qt model and view at 2,000 cases by 30 agencies.

On a scratch copy of a demo database (the original is not changed), Carlisle is given 30
agencies and exactly 2,000 live cases, 8 agencies taking part (with actions) in each
(``bench_assignment_grid.make_dense``). Then, in one run, off-screen at 1366x768:

* **reset**: ``AssignmentGridModel.refresh()`` (the rows' SQL, read in the background, and the reset) followed by the
  view's first paint, which reads the cells of the rows in view (``cell_summaries``, one
  block of 100 cases). Baselines in the same run: a bare ``QStandardItemModel`` of the same
  size filled with the same texts and painted, and an in-memory ``QAbstractTableModel``
  reset and painted (the floor for any model).
* **edit to repaint**: ``setData`` on a visible cell (support <-> informed) to the end of the
  viewport's next paint event: the cell shows the new part at once (``dataChanged`` for that
  cell; the paint's region is checked to be that one cell), and the change is saved in the
  background. Then **edit to saved**: to the moment the model has the stored row back
  (the database write, ``set_role``: one transaction, audited, ``synchronous=FULL``, and the
  reload of the case's row, both off the GUI thread) and the GUI thread's part of that.

Usage:  python benchmarks/bench_grid_model.py --db DEMO.sqlite3 [--runs 15]
        (make one with: hubapp --db DEMO.sqlite3 demo --cases 100000)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))
import encryption  # noqa: E402


def median_best(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), min(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path, help="a demo database (not changed)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs (default 15)")
    args = parser.parse_args()
    encryption.ensure_keyring()
    if not args.db.exists():
        print(f"{args.db} does not exist; make one with: hubapp --db {args.db} demo",
              file=sys.stderr)  # fmt: skip
        return 2

    from bench_assignment_grid import make_dense
    from PySide6.QtCore import QAbstractTableModel, QEvent, QEventLoop, QObject, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    from hubapp.store import lookups, setup
    from hubapp.store.schema import Hub
    from hubapp.views.assignment_grid import AssignmentGridPage

    app = QApplication.instance() or QApplication([])

    with tempfile.TemporaryDirectory(prefix="hubapp-bench-") as folder:
        copy = Path(folder) / "grid.sqlite3"
        shutil.copy(args.db, copy)
        store = encryption.open_as_is(copy)
        print(f"database: {encryption.kind(copy)}")
        try:
            cases, agencies = make_dense(store, 8)
            with store.engine.begin() as conn:  # exactly the 2,000 cases in Carlisle's grid
                marks = ",".join("?" * len(cases))
                conn.exec_driver_sql(
                    f"UPDATE case_ SET voided = 1 WHERE hub_id = ? AND id NOT IN ({marks})",
                    (_hub(store, Hub).hex, *(c.hex for c in cases)),
                )
            lk = lookups.load(store)
            station = setup.current(store)
            page = AssignmentGridPage()
            page.resize(1366, 700)
            page.show()
            page.attach(store, lk, station)
            page.choose_hub(_hub(store, Hub))
            page.status_combo.setCurrentIndex(1)  # all statuses: the 2,000
            model, view = page.model, page.table

            waiting = QEventLoop()
            model.countChanged.connect(lambda _n: waiting.quit())
            model.refused.connect(lambda message: waiting.quit())
            model.busyChanged.connect(lambda busy: busy or waiting.quit())

            def settle():  # the rows are read in the background: sleep until they are in
                while model.loading:  # (not a busy loop, which would take the worker's GIL)
                    waiting.exec()
                app.processEvents()

            settle()
            rows, cols = model.rowCount(), model.columnCount()
            print(f"grid: {rows:,} cases x {cols} agencies (visible area 1366x700)")
            assert (rows, cols) == (2000, 30), (rows, cols)

            # -- reset -----------------------------------------------------------------
            def grid_reset():
                model.refresh()
                settle()
                view.viewport().repaint()

            reset = _time(grid_reset, args.runs)

            texts = [[model.index(r, c).data() or "" for c in range(cols)] for r in range(rows)]
            std = QStandardItemModel()
            std_view = QTableView()
            std_view.resize(1366, 700)
            std_view.setModel(std)
            std_view.show()
            app.processEvents()

            def standard_reset():
                std.clear()
                std.setColumnCount(cols)
                for row in texts:
                    std.appendRow([QStandardItem(t) for t in row])
                std_view.viewport().repaint()

            standard = _time(standard_reset, max(3, args.runs // 3))

            class Bare(QAbstractTableModel):
                data_ = texts

                def rowCount(self, parent=None):
                    return 0 if parent is not None and parent.isValid() else len(self.data_)

                def columnCount(self, parent=None):
                    return 0 if parent is not None and parent.isValid() else cols

                def data(self, index, role=Qt.ItemDataRole.DisplayRole):
                    if role == Qt.ItemDataRole.DisplayRole and index.isValid():
                        return self.data_[index.row()][index.column()]
                    return None

            bare = Bare()
            bare_view = QTableView()
            bare_view.resize(1366, 700)
            bare_view.setModel(bare)
            bare_view.show()
            app.processEvents()

            def bare_reset():
                bare.beginResetModel()
                bare.endResetModel()
                bare_view.viewport().repaint()

            floor = _time(bare_reset, args.runs)

            # -- edit to repaint -------------------------------------------------------
            app.processEvents()
            target = None
            for r in range(8):
                for c in range(cols):
                    if model.index(r, c).data(Qt.ItemDataRole.EditRole) in ("support", "informed"):
                        target = model.index(r, c)
                        break
                if target is not None:
                    break
            rect = view.visualRect(target)
            viewport = view.viewport()
            marks: dict[str, float] = {}

            class Watch(QObject):
                def eventFilter(self, obj, event):
                    if event.type() == QEvent.Type.Paint and "paint_start" not in marks:
                        marks["paint_start"] = time.perf_counter()
                        marks["region"] = event.region().boundingRect()
                    return False

            watch = Watch()
            viewport.installEventFilter(watch)
            from hubapp.store.casework import assignments

            real_set_role = assignments.set_role

            def timed_set_role(*a, **kw):
                started = time.perf_counter()
                try:
                    return real_set_role(*a, **kw)
                finally:
                    marks["write"] = time.perf_counter() - started

            assignments.set_role = timed_set_role
            model.dataChanged.connect(
                lambda *_: marks.setdefault("data_changed", time.perf_counter())
            )
            real_written = model._written

            def timed_written(*a, **kw):
                started = time.perf_counter()
                try:
                    return real_written(*a, **kw)
                finally:
                    marks["applied"] = time.perf_counter() - started

            model._written = timed_written
            totals, writes, models, paints, saved, applied = [], [], [], [], [], []
            regions = set()
            for i in range(args.runs + 1):
                app.processEvents()
                marks.clear()
                new = (
                    "informed" if target.data(Qt.ItemDataRole.EditRole) == "support" else "support"
                )
                t0 = time.perf_counter()
                ok = model.setData(target, new, Qt.ItemDataRole.EditRole)
                while "paint_start" not in marks:
                    app.processEvents()
                t_end = time.perf_counter()  # the paint event has been handled
                while model.busy:  # saved in the background, the row read again (asleep)
                    waiting.exec()
                t_saved = time.perf_counter()
                assert ok and target.data(Qt.ItemDataRole.EditRole) == new, "refused"
                if i == 0:
                    continue  # warm-up
                totals.append((t_end - t0) * 1000)
                models.append((marks["data_changed"] - t0) * 1000)
                paints.append((t_end - marks["data_changed"]) * 1000)
                saved.append((t_saved - t0) * 1000)
                writes.append(marks["write"] * 1000)
                applied.append(marks["applied"] * 1000)
                regions.add(marks["region"].getRect())
            assignments.set_role = real_set_role
            page.undo_stack.clear()
        finally:
            store.close()

    def line(name, samples, extra=""):
        med, best = median_best(samples)
        print(f"{name:<58} median {med:7.2f} ms   best {best:7.2f} ms{extra}")

    print()
    line("baseline: in-memory QAbstractTableModel reset + paint", floor)
    line("baseline: QStandardItemModel fill (60,000 items) + paint", standard)
    line("grid model reset (rows SQL + first block of cells) + paint", reset,
         f"   {statistics.median(reset) / statistics.median(standard):.2f}x QStandardItemModel, "
         f"{statistics.median(reset) / statistics.median(floor):.1f}x bare")  # fmt: skip
    line("edit: setData to the cell's repaint, total", totals)
    line("  of which setData to dataChanged (the new part laid over the cell)", models)
    line("  of which dataChanged to the end of the paint event", paints)
    line("edit: setData to saved and the row read again (background)", saved)
    line("  of which the database write (set_role, one audited transaction)", writes)
    line("  of which the GUI thread showing the stored row", applied)
    print(f"paint regions: {sorted(regions)}; the cell is {rect.getRect()}")
    return 0


def _hub(store, Hub):
    from sqlalchemy import select

    with store.read() as s:
        return s.scalar(select(Hub.id).where(Hub.code == "CAR"))


def _time(fn, runs: int) -> list[float]:
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


if __name__ == "__main__":
    sys.exit(main())
