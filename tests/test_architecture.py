"""Imports flow one way: views -> models -> core. The core never imports Qt."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hubapp

ROOT = Path(hubapp.__file__).parent
CORE = ("store", "domain", "documents", "sync")
CORE_FILES = ("resources.py", "paths.py", "errors.py", "logs.py", "settings.py")


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
                (
                    "PySide6",
                    "shiboken6",
                    "hubapp.models",
                    "hubapp.views",
                    "hubapp.app",
                    "hubapp.gui",
                )
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


def _fresh_python(code: str) -> str:
    """What ``code`` prints, run in a new interpreter (Qt off-screen): what a launch imports."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip()


def test_importing_the_core_does_not_load_pyside():
    code = (
        "import sys, hubapp.store.database, hubapp.store.casework.caselist, hubapp.store.casework.casedetail, "
        "hubapp.store.exchange.demo, hubapp.domain.formatting, hubapp.cli, hubapp.documents.printing; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert _fresh_python(code) == "False"


def test_main_window_module_does_not_load_sqlalchemy():
    """The window must paint before the ORM is imported (start-up time)."""
    code = (
        # the command line's parser too: the GUI and selftest start through it
        "import sys, hubapp.views.main_window, hubapp.cli; hubapp.cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'reportlab')))"
    )
    assert _fresh_python(code) == "[]"


#: the store's kernel: below every feature package of the store
KERNEL = ("database", "schema", "keys", "setup", "refdata", "lookups", "audit", "access", "roles",
          "accounts", "files", "capture", "errors")  # fmt: skip
FEATURES = ("casework", "intake", "exchange", "admin")


def _statements(path: Path, package: list[str]):
    """(module, names) for each import statement of ``path``, at the top or inside
    functions, relative imports resolved against ``package``; names is empty for a plain
    ``import module``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package[: len(package) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            yield base, tuple(a.name for a in node.names)


def _all_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions, as dotted names (a
    ``from package import module`` counts as the module)."""
    package = list(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    names = set()
    for base, imported in _statements(path, package):
        names.add(base)
        names.update(f"{base}.{name}" for name in imported)
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


# --- the command line -----------------------------------------------------------------------


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _module_graph() -> dict[str, set[str]]:
    """Every module of hubapp and the modules of hubapp it imports, at the top or inside
    functions. ``from package import name`` counts as the module ``package.name`` when there
    is one, else as ``package``; a module's own package, which Python initialises first, is
    not counted (every submodule would be in a circle with a package that imports it)."""
    files = {_module_name(f): f for f in ROOT.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for base, imported in _statements(path, package):
            found.update({f"{base}.{n}" if f"{base}.{n}" in files else base for n in imported}
                         or {base})  # fmt: skip
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of ``graph``: its strongly connected components of more than one
    module (Tarjan's algorithm)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_circle_finder_finds_a_circle_through_a_package():
    # the command line as it was: the package imported a command module, which imported
    # the package's _open back
    graph = {"hubapp.cli": {"hubapp.cli.accounts"}, "hubapp.cli.accounts": {"hubapp.cli"},
             "hubapp.cli.common": set()}  # fmt: skip
    assert _circles(graph) == [["hubapp.cli", "hubapp.cli.accounts"]]
    assert _circles({**graph, "hubapp.cli.accounts": {"hubapp.cli.common"}}) == []


def test_the_command_line_has_no_import_circle():
    graph = _module_graph()
    assert "hubapp.cli.commands" in graph["hubapp.cli"], "the walk found the package's imports"
    assert "hubapp.cli.common" in graph["hubapp.cli.cmd_accounts"]
    circles = [c for c in _circles(graph) if any(m.startswith("hubapp.cli") for m in c)]
    assert not circles, circles


def test_no_module_of_hubapp_is_in_an_import_circle():
    graph = _module_graph()
    assert len(graph) > 100, "the walk found the modules"
    assert not _circles(graph)


def test_the_command_line_uses_no_private_name_of_another_module():
    offenders = []
    for f in _files("cli"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        modules = set()  # local names bound to a module of hubapp
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hubapp"):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        offenders.append(f"{f.name} imports {node.module}.{a.name}")
                    modules.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                modules.update(a.asname or a.name.split(".")[0] for a in node.names
                               if a.name.startswith("hubapp"))  # fmt: skip
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offenders.append(f"{f.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not offenders, offenders


def test_every_command_module_has_the_one_calling_convention():
    import argparse
    import importlib
    import inspect

    from hubapp.cli import commands

    found = sorted(f.stem for f in (ROOT / "cli").glob("cmd_*.py"))
    assert found, "the walk found the command modules"
    assert sorted(commands.GROUPS) == found
    modules = [importlib.import_module(f"hubapp.cli.{name}") for name in commands.GROUPS]
    for group in modules:
        for name, params in (("add_parsers", ["sub"]), ("run", ["args"])):
            fn = getattr(group, name, None)
            assert callable(fn), f"{group.__name__} has no {name}"
            assert list(inspect.signature(fn).parameters) == params, f"{group.__name__}.{name}"
    parser, table = commands.assemble()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(sub.choices) == list(commands.COMMANDS)
    assert set(table) == {None, *sub.choices}
    assert {table[name] for name in sub.choices} == {g.run for g in modules}
    # the table is assembled in one place, not patched by the modules: no module of the
    # command line assigns to an item or attribute at its top level
    for f in _files("cli"):
        for node in ast.parse(f.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assert not any(isinstance(t, ast.Subscript | ast.Attribute) for t in targets), (
                    f"{f.name}:{node.lineno} patches a table at module level"
                )


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        ([], ()),
        (["--db", "x.sqlite3", "-v"], ()),
        (["--db", "x.sqlite3", "import", "f.csv"], ("cmd_import",)),
        (["--db=x.sqlite3", "--user", "sam", "central", "init", "--url", "u"], ("cmd_sync",)),
        (["restore", "b.sqlite3"], ("cmd_backup",)),
        (["--user", "cora", "case", "link", "CAR-2026-0001", "CAR-2026-0002"], ("cmd_case",)),
        (["-h"], None),
        (["--version"], None),
        (["--db"], None),
        (["frobnicate"], None),
        (["--us", "sam", "sync"], None),  # an abbreviation: the whole parser decides
    ],
)
def test_the_command_line_imports_only_the_module_of_the_command_given(argv, needed):
    from hubapp.cli import commands

    assert commands.groups_needed(argv) == needed


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--db", "x.sqlite3", "-v", "--user", "sam"],
        ["--db", "x.sqlite3", "import", "f.csv"],
        ["--user", "sam", "export", "cases", "--format", "json", "--status", "open"],
        ["audit", "--verify"],
        ["backup", "-o", "b.sqlite3"],
        ["print", "case", "WH-2026-00001", "--profile", "partner"],
        ["sync", "--central", "postgresql://h/db"],
        ["retention", "keep", "WH-2026-00001", "--until", "2027-01-01", "--reason", "court"],
    ],
)
def test_the_lean_parser_reads_a_command_line_as_the_whole_parser_does(argv):
    from hubapp.cli import commands

    lean, lean_table = commands.assemble(commands.groups_needed(argv))
    whole, whole_table = commands.assemble()
    args = lean.parse_args(argv)
    assert vars(args) == vars(whole.parse_args(argv))
    assert lean_table[args.command] is whole_table[args.command]


def test_opening_the_window_imports_no_command_module():
    code = (
        "import sys; from hubapp.cli import commands; "
        "commands.assemble(commands.groups_needed(['--db', 'x.sqlite3'])); "
        "commands.assemble(commands.groups_needed(['--db', 'x.sqlite3', 'selftest'])); "
        "print(sorted(m for m in sys.modules if m.startswith('hubapp.cli.cmd_')))"
    )
    assert _fresh_python(code) == "['hubapp.cli.cmd_selftest']"


def test_the_window_paints_without_reading_package_metadata_or_the_controller():
    """What the launch imports before the first paint: the version is a literal, not a scan
    of the installed packages' metadata, and the controller comes after the paint."""
    code = (
        "import sys; from hubapp.cli import commands; "
        "commands.assemble(commands.groups_needed(['--db', 'x.sqlite3', 'selftest'])); "
        "import hubapp.app, hubapp.views.main_window; "
        "print(sorted(m for m in sys.modules if m == 'importlib.metadata' "
        "or m.startswith('hubapp.gui')))"
    )
    assert _fresh_python(code) == "[]"


# --- the store's promises -------------------------------------------------------------------


def test_every_synced_table_has_optimistic_locking_and_only_they_do():
    """A synced row changes only from the version it was read at (row_version is the
    mapper's version counter), whichever station changes it."""
    from hubapp.store import schema

    synced = set(schema.SYNCED_TABLES)
    assert len(synced) > 20, "the list of synced tables was found"
    for mapper in schema.Base.registry.mappers:
        cls, table = mapper.class_, mapper.local_table
        if cls in synced:
            assert issubclass(cls, schema.Synced), cls.__name__
            assert mapper.version_id_col is table.c.row_version, cls.__name__
        else:
            assert "row_version" not in table.c, f"{cls.__name__} has a version but is not synced"
