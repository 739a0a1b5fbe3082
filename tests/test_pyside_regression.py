"""PySide6 6.12.0 on Python 3.11 drops a reference to None each time Qt returns an empty
value and the interpreter aborts at exit (code 134). The pins in pyproject.toml avoid it;
this test exercises the leak in a child interpreter and checks the exit."""

import subprocess
import sys

CHILD = r"""
import sys
from PySide6.QtCore import QModelIndex, QCoreApplication
app = QCoreApplication([])
before = sys.getrefcount(None)
for _ in range(200_000):
    QModelIndex().data()
after = sys.getrefcount(None)
print(before - after)
"""


def test_empty_qt_values_do_not_leak_references_to_none():
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-500:]}"
    lost = int(result.stdout.strip())
    assert lost < 1000, f"{lost} references to None were lost"
