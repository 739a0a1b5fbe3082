"""Imports flow one way: views -> models -> core. The core never imports Qt."""

import ast
import subprocess
import sys
from pathlib import Path

import hubapp

ROOT = Path(hubapp.__file__).parent
CORE = ("store", "domain", "reports", "documents", "sync")
CORE_FILES = ("resources.py", "paths.py", "errors.py", "logs.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(*parts: str):
    for part in parts:
        p = ROOT / part
        yield from ([p] if p.is_file() else sorted(p.rglob("*.py")) if p.exists() else [])


def test_core_never_imports_qt_or_the_gui_layers():
    offenders = []
    for f in _files(*CORE, *CORE_FILES):
        for name in _imports(f):
            if name.startswith(
                ("PySide6", "shiboken6", "hubapp.models", "hubapp.views", "hubapp.app")
            ):
                offenders.append(f"{f.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders
    assert list(_files("store")), "the walk found no core files"


def test_models_use_qtcore_only_and_never_views():
    offenders = []
    for f in _files("models"):
        for name in _imports(f):
            if name.startswith(("PySide6.QtWidgets", "hubapp.views", "hubapp.app")):
                offenders.append(f"{f.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_importing_the_core_does_not_load_pyside():
    code = (
        "import sys, hubapp.store.database, hubapp.store.casework.caselist, hubapp.store.casework.casedetail, "
        "hubapp.store.exchange.demo, hubapp.domain.formatting, hubapp.cli, hubapp.documents.printing; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_main_window_module_does_not_load_sqlalchemy():
    """The window must paint before the ORM is imported (start-up time)."""
    code = (
        # the command line's parser too: the GUI and selftest start through it
        "import sys, hubapp.views.main_window, hubapp.cli; hubapp.cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'reportlab')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.stdout.strip() == "[]"
