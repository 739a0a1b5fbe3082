"""Imports flow one way: views -> models -> core. The core never imports Qt."""

import ast
import subprocess
import sys
from pathlib import Path

import hubapp

ROOT = Path(hubapp.__file__).parent
CORE = ("store", "domain", "documents", "sync")
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
                ("PySide6", "shiboken6", "hubapp.models", "hubapp.views", "hubapp.app",
                 "hubapp.gui")
            ):
                offenders.append(f"{f.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders
    assert list(_files("store")), "the walk found no core files"


def test_models_use_qtcore_only_and_never_views():
    offenders = []
    for f in _files("models"):
        for name in _imports(f):
            if name.startswith(("PySide6.QtWidgets", "hubapp.views", "hubapp.app", "hubapp.gui")):
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


#: the store's kernel: below every feature package of the store
KERNEL = ("database", "schema", "keys", "setup", "refdata", "lookups", "audit", "access", "roles",
          "accounts", "files", "capture", "errors")  # fmt: skip
FEATURES = ("casework", "intake", "exchange", "admin")


def _all_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions, as dotted names (a
    ``from package import module`` counts as the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(ROOT.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package[: len(package) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def test_the_kernel_never_imports_a_feature_package_of_the_store():
    offenders = []
    for name in KERNEL:
        f = ROOT / "store" / f"{name}.py"
        assert f.exists(), f"the kernel module {name} is gone: update KERNEL"
        for imported in _all_imports(f):
            if any(imported.startswith(f"hubapp.store.{pkg}") for pkg in FEATURES):
                offenders.append(f"store/{name}.py imports {imported}")
    assert not offenders, offenders


def test_the_store_never_imports_the_printing_package():
    offenders = [
        f"{f.relative_to(ROOT)} imports {name}"
        for f in _files("store", "domain", "sync")
        for name in _all_imports(f)
        if name.startswith("hubapp.documents")
    ]
    assert not offenders, offenders
