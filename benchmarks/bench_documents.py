"""How long the printed documents take (targets: a case summary under 100 ms in a running
app; a 50-case meeting pack under 2 s).

Measured on a copy of a demo database (the original is not changed), warm, as in a running
app: the store is open, the fonts registered and the first document made before timing.

* **case summary**: one open case of the hub with the most actions, partner profile, PDF
  bytes made (gathering and layout; not saved);
* **meeting pack**: the hub's top 50 open cases in priority order, partner profile;
* **baseline**: plain reportlab, in the same run, building a comparable 100-page document
  (a heading, two paragraphs and an 8-row table of wrapped cells per page, the same embedded
  font) from data already in memory.

Usage:  python benchmarks/bench_documents.py --db DEMO.sqlite3 [--runs 5] [--hub Copeland]
        (make one with: hubapp --db DEMO.sqlite3 demo --cases 100000)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def timings(fn, runs: int) -> tuple[float, float, object]:
    """(best, median) in milliseconds after one warm-up call, and the last result."""
    result = fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return min(samples), statistics.median(samples), result


def baseline(pages: int = 100) -> int:
    """Plain reportlab: ``pages`` pages of paragraphs and wrapped tables; returns the pages."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    from hubapp.documents.layout import FONT, register_fonts, styles

    register_fonts()
    st = styles()
    story = []
    sentence = "Residents report youths gathering by the shops after dark, with noise and litter. "
    for n in range(pages):
        story.append(Paragraph(f"Section {n + 1}", st.title))
        story += [Paragraph(sentence * 4, st.body) for _ in range(2)]
        rows = [[Paragraph(f"Row {i} column {j}: " + sentence[: 20 + 7 * j], st.cell)
                 for j in range(5)] for i in range(8)]  # fmt: skip
        t = Table(rows, colWidths=[100] * 5, repeatRows=1)
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.3, "#C5CDD6")]))  # fmt: skip
        story += [t, PageBreak()]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4)
    doc.build(story)
    return doc.page


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--hub", default="Copeland")
    p.add_argument("--profile", default="partner")
    args = p.parse_args()
    if not args.db.exists():
        print(f"No database at {args.db}", file=sys.stderr)
        return 1

    from sqlalchemy import func, select

    from hubapp.documents import printing
    from hubapp.store import setup
    from hubapp.store.database import open_store
    from hubapp.store.schema import Action, Case

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.sqlite3"
        shutil.copy(args.db, copy)
        store = open_store(copy)
        hub = setup.find_hub(store, args.hub)
        with store.read() as s:
            total = s.scalar(select(func.count()).select_from(Case))
            ref = s.execute(
                select(Case.reference)
                .join(Action, Action.case_id == Case.id)
                .where(Case.hub_id == hub.id, Case.status != "closed")
                .group_by(Case.id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar()
        print(f"{total:,} cases; hub {hub.name}; profile {args.profile}; {args.runs} runs")

        best, median, doc = timings(
            lambda: printing.case_summary(store, ref, args.profile), args.runs
        )
        print(f"case summary {ref}: {doc.pages} page(s)   best {best:7.1f} ms   "
              f"median {median:7.1f} ms   (target < 100 ms)")  # fmt: skip
        case_median = median

        best, median, doc = timings(
            lambda: printing.meeting_pack(store, hub.id, args.profile, limit=50), args.runs
        )
        print(f"meeting pack, {len(doc.case_ids)} cases: {doc.pages} pages   best {best:7.1f} ms   "
              f"median {median:7.1f} ms   (target < 2000 ms)")  # fmt: skip
        pack_median, pack_pages = median, doc.pages

        best, median, pages = timings(lambda: baseline(100), args.runs)
        print(f"baseline, plain reportlab: {pages} pages   best {best:7.1f} ms   "
              f"median {median:7.1f} ms")  # fmt: skip
        print(f"ratios (median): pack / baseline {pack_median / median:.2f}x; "
              f"per page {pack_median / pack_pages:.1f} ms against {median / pages:.1f} ms; "
              f"case summary = {case_median / median * 100:.1f}% of the baseline")  # fmt: skip
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
