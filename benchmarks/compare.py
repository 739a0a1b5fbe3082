"""Before and after a change, in the same run: each benchmark of an older revision and of
this checkout, on the same demo database, alternately, so that the machine's load falls on
both alike.

The older revision is checked out into a temporary git worktree; each side runs its own
benchmark script (a script may measure what its own code does: the grid's edit, say, was
saved on the GUI thread before and is saved in the background after) with its own code
first on the Python path, in this checkout's virtual environment. The database key comes
from a passphrase made for the run, so both sides open the same encrypted demo database.

Usage:
    python benchmarks/compare.py --before REV [--db DEMO.sqlite3] [--cases 100000]
        [--rounds 2] [--out FOLDER] [NAME ...]

NAME is a benchmark without ``bench_`` and ``.py`` (default: startup, grid_model,
documents). Each side's full output is kept in FOLDER (``before-NAME-R.txt``,
``after-NAME-R.txt``), and the lines with figures are printed, one side after the other.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: the arguments each benchmark takes besides --db
ARGS = {"startup": ["--runs", "5"], "grid_model": ["--runs", "15"], "documents": ["--runs", "5"]}


def run(tree: Path, name: str, db: Path, env: dict) -> str:
    script = tree / "benchmarks" / f"bench_{name}.py"
    cmd = [sys.executable, str(script), "--db", str(db), *ARGS.get(name, [])]
    side_env = dict(env, PYTHONPATH=str(tree))
    done = subprocess.run(cmd, cwd=tree, env=side_env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"compare: {script.relative_to(tree)} failed in {tree}:\n"
                         f"{done.stderr[-2000:]}")  # fmt: skip
    return done.stdout


def figures(text: str) -> list[str]:
    """The lines of a benchmark's output that carry figures (those with a digit in them)."""
    return [line for line in text.splitlines()
            if any(ch.isdigit() for ch in line) and "---" not in line]  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", required=True, help="the older revision (a commit or a tag)")
    p.add_argument("--db", type=Path, help="a demo database (made with --cases if not given)")
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out", type=Path)
    p.add_argument("names", nargs="*", default=["startup", "grid_model", "documents"])
    args = p.parse_args()

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("HUBAPP_DB_PASSPHRASE", base64.b64encode(os.urandom(18)).decode())
    with tempfile.TemporaryDirectory(prefix="hubapp-compare-") as folder:
        folder = Path(folder)
        out = args.out or folder / "out"
        out.mkdir(parents=True, exist_ok=True)
        before = folder / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q",
                        str(before), args.before], check=True)  # fmt: skip
        try:
            db = args.db
            if db is None:
                db = folder / "demo.sqlite3"
                subprocess.run([sys.executable, "-m", "hubapp", "--db", str(db), "demo",
                                "--cases", str(args.cases), "--seed", "1"],
                               check=True, env=env, stdout=subprocess.DEVNULL)  # fmt: skip
            sides = {"before": before, "after": REPO}
            for r in range(1, args.rounds + 1):
                for name in args.names:
                    order = ["before", "after"] if r % 2 else ["after", "before"]
                    for side in order:
                        text = run(sides[side], name, db, env)
                        (out / f"{side}-{name}-{r}.txt").write_text(text)
                        what = args.before if side == "before" else "this checkout"
                        print(f"## {name}, round {r}, {side} ({what})")
                        print("\n".join(figures(text)) or text[-1500:], flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(before)], check=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
