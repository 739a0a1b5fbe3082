"""One typed settings registry (hubapp.settings): every local setting, window setting and
environment variable is declared once, with its type and default, and read through it.

The walks below read the source: a key used anywhere that is not declared, a declaration
that nothing uses, or a setting read around the registry (a LocalSetting row, SQL on
local_setting, QSettings, os.environ) fails a test.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import hubapp
from hubapp import paths, settings
from hubapp.errors import describe, expected
from hubapp.settings import Where

ROOT = Path(hubapp.__file__).parent
PROJECT = ROOT.parent
TESTS = PROJECT / "tests"
ENV_NAME = re.compile(r"\bHUBAPP_[A-Z0-9_]*[A-Z0-9]\b")
LOCAL_SQL = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+(\w+\.)?local_setting\b", re.IGNORECASE)


def _declared(where: Where) -> set[str]:
    return {s.name for s in settings.all_settings() if s.where is where}


# --- the walk -------------------------------------------------------------------------------


@dataclass
class Uses:
    keys: dict[Where, set[str]] = field(default_factory=lambda: {w: set() for w in Where})
    #: call sites whose key the walk cannot read (a key must be a literal or a constant)
    unreadable: list[str] = field(default_factory=list)
    #: HUBAPP_* names in any string of the source
    env_mentions: set[str] = field(default_factory=set)
    #: settings read around the registry
    around: list[str] = field(default_factory=list)


def _constants(tree: ast.Module) -> dict[str, str]:
    """The module's top-level ``NAME = "text"`` constants."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _is_call_to(node: ast.AST, *names: str) -> bool:
    """``settings.NAME(...)`` or ``NAME(...)``."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr in names
            and isinstance(f.value, ast.Name) and f.value.id == "settings") or (
        isinstance(f, ast.Name) and f.id in names)  # fmt: skip


class _Walker(ast.NodeVisitor):
    def __init__(self, where: str, tree: ast.Module, uses: Uses) -> None:
        self.where = where
        self.consts = _constants(tree)
        self.uses = uses
        self.params: list[dict[str, ast.AST]] = [{}]
        #: local names bound to settings.local(...)/local_sql(...) and to WindowSettings(...)
        self.local_views: set[str] = set()
        self.window_views: set[str] = set()

    def resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            for scope in reversed(self.params):
                if node.id in scope:
                    default = scope[node.id]
                    return self.resolve(default) if default is not None else None
            return self.consts.get(node.id)
        return None

    def use(self, where: Where, node: ast.AST, line: int) -> None:
        key = self.resolve(node)
        if key is None:
            self.uses.unreadable.append(f"{self.where}:{line}")
        else:
            self.uses.keys[where].add(key)

    def visit_FunctionDef(self, node) -> None:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        scope = {a.arg: d for a, d in zip(positional, defaults, strict=True)}
        scope.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)})
        self.params.append(scope)
        self.generic_visit(node)
        self.params.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                if _is_call_to(node.value, "local", "local_sql"):
                    self.local_views.add(target.id)
                elif _is_call_to(node.value, "WindowSettings"):
                    self.window_views.add(target.id)
        self.generic_visit(node)

    def _is_local_view(self, node: ast.AST) -> bool:
        return _is_call_to(node, "local", "local_sql") or (
            isinstance(node, ast.Name) and node.id in self.local_views)  # fmt: skip

    def _is_window_view(self, node: ast.AST) -> bool:
        return _is_call_to(node, "WindowSettings") or (
            isinstance(node, ast.Name) and node.id in self.window_views)  # fmt: skip

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self._is_local_view(node.value):
            self.use(Where.LOCAL, node.slice, node.lineno)
        elif (isinstance(node.ctx, ast.Load) and _is_environ(node.value)
              and (self.resolve(node.slice) or "").startswith("HUBAPP_")):  # fmt: skip
            self.uses.around.append(f"{self.where}:{node.lineno} reads os.environ")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        first = node.args[0] if node.args else None
        if _is_call_to(node, "env") and first is not None:
            self.use(Where.ENVIRONMENT, first, node.lineno)
        elif _is_call_to(node, "local_default") and first is not None:
            self.use(Where.LOCAL, first, node.lineno)
        elif _is_call_to(node, "flags_set_sql"):
            for arg in node.args:
                self.use(Where.LOCAL, arg, node.lineno)
        elif _is_call_to(node, "window_setting") and first is not None:
            self.use(Where.WINDOW, first, node.lineno)
        elif isinstance(f, ast.Attribute) and first is not None:
            if f.attr == "stored" and self._is_local_view(f.value):
                self.use(Where.LOCAL, first, node.lineno)
            elif f.attr in ("value", "set_value") and self._is_window_view(f.value):
                self.use(Where.WINDOW, first, node.lineno)
            elif (f.attr == "get" and _is_environ(f.value)
                  and (self.resolve(first) or "").startswith("HUBAPP_")):  # fmt: skip
                self.uses.around.append(f"{self.where}:{node.lineno} reads os.environ")
            elif f.attr == "getenv" and (self.resolve(first) or "").startswith("HUBAPP_"):
                self.uses.around.append(f"{self.where}:{node.lineno} reads os.getenv")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self._around(node.id, node.lineno)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._around(node.attr, node.lineno)
        self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> None:
        self._around(node.name.rpartition(".")[2], getattr(node, "lineno", 0))

    def _around(self, name: str, line: int) -> None:
        if name == "LocalSetting" and self.where not in _MAY_USE_THE_TABLE:
            self.uses.around.append(f"{self.where}:{line} uses LocalSetting")
        if name == "QSettings" and self.where != _WINDOW_ADAPTER:
            self.uses.around.append(f"{self.where}:{line} uses QSettings")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.uses.env_mentions.update(ENV_NAME.findall(node.value))
            if LOCAL_SQL.search(node.value) and self.where not in _MAY_USE_THE_TABLE:
                self.uses.around.append(f"{self.where}:{node.lineno} has SQL on local_setting")


_SETTINGS = "hubapp/settings.py"
_WINDOW_ADAPTER = "hubapp/models/window_settings.py"
#: the table's own definition, the registry, and the migration that made the table
_MAY_USE_THE_TABLE = {_SETTINGS, "hubapp/store/schema.py",
                      "hubapp/store/migrations/versions/0001_initial_schema.py"}  # fmt: skip


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")  # fmt: skip


def _walk(*folders: Path, skip: tuple[Path, ...] = (), project: Path = PROJECT) -> Uses:
    uses = Uses()
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            if path in skip:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            _Walker(path.relative_to(project).as_posix(), tree, uses).visit(tree)
    return uses


#: the registry and its adapter: they take any declared name
REGISTRY = (ROOT / "settings.py", ROOT / "models" / "window_settings.py")


@pytest.fixture(scope="module")
def app_uses() -> Uses:
    """What hubapp itself uses (the registry and its QSettings adapter left out)."""
    return _walk(ROOT, skip=REGISTRY)


@pytest.fixture(scope="module")
def all_uses() -> Uses:
    """What hubapp and its tests use (this file, which tries unknown names, left out)."""
    return _walk(ROOT, TESTS, skip=(*REGISTRY, Path(__file__).resolve()))


def test_the_walk_finds_the_uses_it_looks_for(app_uses):
    # each kind of call site is seen: a view bound to a name, a raw cursor, a constant key,
    # a parameter's default, a window key with a {part}
    assert "idle_lock_minutes" in app_uses.keys[Where.LOCAL]  # local = settings.local(s)
    assert "sync_applying" in app_uses.keys[Where.LOCAL]  # settings.local_sql(cur)[...]
    assert "audit_anchor" in app_uses.keys[Where.LOCAL]  # a constant of the module
    assert "HUBAPP_NEW_PASSWORD" in app_uses.keys[Where.ENVIRONMENT]  # a parameter's default
    assert "grid/columns/{hub}" in app_uses.keys[Where.WINDOW]
    assert "main/geometry" in app_uses.keys[Where.WINDOW]


def test_every_key_used_is_declared(all_uses):
    assert not all_uses.unreadable, "keys the walk cannot read: use a literal or a constant"
    for where in Where:
        undeclared = all_uses.keys[where] - _declared(where)
        assert not undeclared, f"{where.value}s used but not declared: {sorted(undeclared)}"


def test_every_environment_variable_named_anywhere_is_declared(all_uses):
    """In code, help texts and messages, and in the README, docs, installer and scripts."""
    named = set(all_uses.env_mentions)
    texts = [PROJECT / "README.md", *(PROJECT / "docs").rglob("*.md"),
             *(PROJECT / "installer").iterdir(), *(PROJECT / "scripts").iterdir()]  # fmt: skip
    for path in texts:
        if path.is_file():
            named.update(ENV_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    assert "HUBAPP_DATA_DIR" in named and "HUBAPP_TEST_KEYRING" in named, "the walk found them"
    undeclared = named - _declared(Where.ENVIRONMENT)
    assert not undeclared, f"environment variables named but not declared: {sorted(undeclared)}"


def test_every_declaration_is_used(app_uses, all_uses):
    for where in (Where.LOCAL, Where.WINDOW):
        dead = _declared(where) - app_uses.keys[where]
        assert not dead, f"{where.value}s declared but never used by hubapp: {sorted(dead)}"
    tests_only = {s.name for s in settings.all_settings() if s.tests_only}
    dead = (_declared(Where.ENVIRONMENT) - tests_only) - app_uses.keys[Where.ENVIRONMENT]
    assert not dead, f"environment variables declared but never read by hubapp: {sorted(dead)}"
    dead = tests_only - all_uses.keys[Where.ENVIRONMENT]
    assert not dead, f"test-only variables declared but never read: {sorted(dead)}"
    assert not tests_only & app_uses.keys[Where.ENVIRONMENT], "hubapp reads a test-only one"


def test_nothing_reads_a_setting_around_the_registry(app_uses):
    """(The tests may: they check what is kept, and tamper with it.)"""
    assert not app_uses.around, app_uses.around


def test_the_walk_sees_a_setting_read_around_the_registry(tmp_path):
    (tmp_path / "hubapp").mkdir()
    bad = tmp_path / "hubapp" / "bad.py"
    bad.write_text(
        "import os\nfrom PySide6.QtCore import QSettings\nfrom hubapp.store.schema import "
        "LocalSetting\nX = os.environ.get('HUBAPP_DB')\nY = os.environ['HUBAPP_DB']\n"
        "Z = 'SELECT value FROM local_setting'\nKEY = 'colour'\n"
        "def f(s, k):\n    settings.local(s)[KEY] = 1\n    settings.local(s)[k] = 2\n",
        encoding="utf-8",
    )
    uses = _walk(tmp_path / "hubapp", project=tmp_path)
    assert len(uses.around) == 5, uses.around  # QSettings, LocalSetting, environ twice, SQL
    assert uses.keys[Where.LOCAL] == {"colour"} and uses.unreadable == ["hubapp/bad.py:10"]


# --- the registry ---------------------------------------------------------------------------


def test_an_unknown_name_is_refused(store):
    with pytest.raises(settings.UnknownSetting, match="idel_lock_minutes"):
        with store.read() as s:
            settings.local(s)["idel_lock_minutes"]
    with pytest.raises(settings.UnknownSetting, match="hubapp.settings"):
        with store.write(reason="test") as s:
            settings.local(s)["idel_lock_minutes"] = 5
    with pytest.raises(settings.UnknownSetting):
        settings.env("HUBAPP_DBB")
    with pytest.raises(settings.UnknownSetting):  # a window setting is not a local one
        settings.local_default("main/geometry")
    assert str(pytest.raises(settings.UnknownSetting, settings.env, "HUBAPP_X").value) == (
        "No environment variable is declared as 'HUBAPP_X'; declare it in hubapp.settings."
    )


def test_a_value_of_another_type_is_refused_before_anything_is_written(store):
    with store.write(reason="test") as s:
        with pytest.raises(TypeError):
            settings.local(s)["idle_lock_minutes"] = "15"
        with pytest.raises(TypeError):
            settings.local(s)["idle_lock_minutes"] = True
        with pytest.raises(TypeError):
            settings.local(s)["demo_database"] = 1
        assert settings.local(s).stored("idle_lock_minutes") is None


def test_a_name_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        settings._declare(Where.LOCAL, "station_id", settings.UUID, None, "again")
    names = [(s.where, s.name) for s in settings.all_settings()]
    assert len(names) == len(set(names))


def test_a_bad_environment_value_is_one_clear_sentence(monkeypatch):
    monkeypatch.setenv("HUBAPP_DURABILITY_SEED", "twelve")
    with pytest.raises(settings.SettingError) as caught:
        settings.env("HUBAPP_DURABILITY_SEED")
    assert str(caught.value) == (
        "The environment variable HUBAPP_DURABILITY_SEED must be a whole number, not 'twelve'."
    )
    # said as it is on the command line and in a window, without a traceback
    assert describe(caught.value) == str(caught.value) and expected(caught.value)
    monkeypatch.setenv("HUBAPP_DURABILITY_SEED", "12")
    assert settings.env("HUBAPP_DURABILITY_SEED") == 12
    monkeypatch.delenv("HUBAPP_DURABILITY_SEED")
    assert settings.env("HUBAPP_DURABILITY_SEED") == 0


def test_a_secret_is_never_shown():
    secrets = [s for s in settings.all_settings() if s.secret]
    assert {s.name for s in secrets} >= {"HUBAPP_DB_PASSPHRASE", "HUBAPP_PASSWORD",
                                         "HUBAPP_NEW_PASSWORD", "HUBAPP_CENTRAL_URL"}  # fmt: skip
    for s in secrets:
        assert "correct horse" not in s.problem("correct horse battery")
        assert "not shown" in s.problem("correct horse battery")
        assert s.default is None
    # a secret that fails to read says so without its value
    pin = settings.Setting(Where.ENVIRONMENT, "HUBAPP_PIN", settings.INT, None, "", secret=True)
    with pytest.raises(settings.SettingError) as caught:
        pin.decode("hunter2")
    assert "hunter2" not in str(caught.value) and "HUBAPP_PIN" in str(caught.value)
    assert "HUBAPP_PIN" not in {s.name for s in settings.all_settings()}, "not registered"


def test_an_empty_environment_variable_counts_as_not_set(monkeypatch):
    monkeypatch.setenv("HUBAPP_DB", "")
    assert paths.default_db_path() == paths.data_dir() / "hub.sqlite3"
    monkeypatch.setenv("HUBAPP_DB", "/srv/hub/x.sqlite3")
    assert paths.default_db_path() == Path("/srv/hub/x.sqlite3")
    assert settings.env("HUBAPP_DB", {"HUBAPP_DB": "/elsewhere.sqlite3"}) == Path(
        "/elsewhere.sqlite3"
    )


def test_importing_the_registry_loads_nothing_heavy():
    code = ("import sys, hubapp.settings; print(sorted(m for m in sys.modules if m.split('.')[0] "
            "in ('sqlalchemy', 'PySide6', 'alembic', 'reportlab') or m.startswith('hubapp.store')))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_registry_never_imports_qt_or_the_gui_layers():
    tree = ast.parse((ROOT / "settings.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "hubapp.store.schema" in imported, "the walk found the lazy import"
    heavy = ("PySide6", "shiboken6", "hubapp.models", "hubapp.views", "hubapp.gui", "hubapp.app")
    assert not [m for m in imported if m.startswith(heavy)]


# --- local settings: typed round trips in a real (encrypted) store --------------------------

#: a value of each type, and how local settings of that type are tried
SAMPLES = {
    settings.INT: 37,
    settings.TEXT: "postgresql://station_copeland@central.example:5432/hubapp",
    settings.UUID: uuid.UUID("5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"),
    settings.JSON: {"a1b2": [2, "2026-03-01T10:00:00+00:00"]},
    settings.FLAG: True,
}


def test_every_type_of_local_setting_round_trips(store):
    local_types = {s.type for s in settings.all_settings() if s.where is Where.LOCAL}
    assert local_types <= set(SAMPLES), "a type of local setting without a sample here"
    for s in settings.all_settings():
        if s.where is not Where.LOCAL or s.name == "audit_anchor":  # the audit log's own
            continue
        with store.read() as session:
            before = settings.local(session).stored(s.name)
        with store.write(reason="test") as session:
            settings.local(session)[s.name] = SAMPLES[s.type]
        with store.read() as session:
            got = settings.local(session)[s.name]
        assert got == SAMPLES[s.type] and type(got) is type(SAMPLES[s.type]), s.name
        # and back as it was (station_id must name the station again)
        with store.write(reason="test") as session:
            if before is None:
                del settings.local(session)[s.name]
            else:
                settings.local(session)[s.name] = s.decode(before)
        with store.read() as session:
            assert settings.local(session).stored(s.name) == before, s.name
            assert settings.local(session)[s.name] == (
                s.default if before is None else s.decode(before)
            )


def test_a_flag_is_a_row_there_or_not(store):
    with store.read() as s:
        assert settings.local(s)["demo_database"] is False
    with store.write(reason="test") as s:
        settings.local(s)["demo_database"] = True
        settings.local(s)["demo_database"] = True  # already set: left as it is
    with store.read() as s:
        assert settings.local(s).stored("demo_database") == "1"
    with store.write(reason="test") as s:
        settings.local(s)["demo_database"] = False
    with store.read() as s:
        assert settings.local(s).stored("demo_database") is None


def test_a_raw_connection_sees_the_same_settings(store):
    with store.write(reason="test") as s:
        cur = s.connection().connection.driver_connection.cursor()
        settings.local_sql(cur)["idle_lock_minutes"] = 42
        settings.local_sql(cur)["sync_applying"] = True
        assert settings.local_sql(cur)["sync_applying"] is True
        settings.local_sql(cur)["sync_applying"] = False
        assert settings.local_sql(cur)["sync_applying"] is False
        assert settings.local_sql(cur)["idle_lock_minutes"] == 42
    with store.read() as s:
        assert settings.local(s)["idle_lock_minutes"] == 42
        assert settings.local(s).stored("sync_applying") is None


def test_a_stored_value_that_does_not_read_is_one_sentence(store):
    from hubapp.store import accounts

    with store.write(reason="test") as s:
        cur = s.connection().connection.driver_connection.cursor()
        cur.execute("INSERT INTO local_setting (key, value) VALUES ('idle_lock_minutes', 'ten')")
    with store.read() as s:
        with pytest.raises(settings.SettingError) as caught:
            settings.local(s)["idle_lock_minutes"]
    assert (
        str(caught.value)
        == "The local setting idle_lock_minutes must be a whole number, not 'ten'."
    )
    assert accounts.idle_lock_minutes(store) == accounts.IDLE_DEFAULT  # as it always did


def test_a_default_is_a_copy_of_its_own(store):
    with store.read() as s:
        counts = settings.local(s)["sign_in_throttle"]
    counts["changed"] = [1, "2026-01-01T00:00:00"]
    assert settings.local_default("sign_in_throttle") == {}


def test_the_capture_guard_is_built_from_declared_flags():
    assert settings.flags_set_sql("sync_applying", "demo_database") == (
        "EXISTS (SELECT 1 FROM local_setting WHERE key IN ('sync_applying', 'demo_database'))"
    )
    with pytest.raises(TypeError, match="not a flag"):
        settings.flags_set_sql("idle_lock_minutes")


# --- window settings: QSettings in a temporary INI file -------------------------------------


def test_window_settings_round_trip_through_an_ini_file(tmp_path):
    from PySide6.QtCore import QByteArray, QSettings

    from hubapp.models.window_settings import WindowSettings

    ini = str(tmp_path / "window.ini")
    samples = {
        settings.BYTES: b"\x01\xd9\xd0\xcb\x00\x03\x00\x00",
        settings.MAP: {"order": ["POLICE", "FIRE"], "hidden": ["FIRE"]},
        settings.TEXT: uuid.uuid4().hex,
    }
    declared = [s for s in settings.all_settings() if s.where is Where.WINDOW]
    assert {s.type for s in declared} <= set(samples)
    first = WindowSettings(QSettings(ini, QSettings.Format.IniFormat))
    for s in declared:
        assert first.value(s.name, hub="CAR") == s.default
        value = samples[s.type]
        # what the views hand over: QByteArray for a window's state
        first.set_value(s.name, QByteArray(value) if s.type is settings.BYTES else value,
                        hub="CAR")  # fmt: skip
    first._q.sync()
    again = QSettings(ini, QSettings.Format.IniFormat)
    assert isinstance(again.value("main/geometry"), QByteArray), "kept as a byte array"
    assert again.value("grid/columns/CAR") == samples[settings.MAP]
    reread = WindowSettings(again)
    for s in declared:
        assert reread.value(s.name, hub="CAR") == samples[s.type], s.name
    assert reread.value("grid/columns/{hub}", hub="BAR") == {}, "another hub: the default"


def test_a_window_setting_that_does_not_read_falls_back_to_its_default(tmp_path):
    from PySide6.QtCore import QSettings

    from hubapp.models.window_settings import WindowSettings

    raw = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    raw.setValue("main/geometry", "not a geometry")  # as the Windows registry may give text
    raw.setValue("grid/columns/CAR", "order=FIRE")
    window = WindowSettings(raw)
    assert window.value("main/geometry") is None
    assert window.value("grid/columns/{hub}", hub="CAR") == {}
    with pytest.raises(settings.UnknownSetting):
        window.value("main/geometri")
    with pytest.raises(settings.UnknownSetting):
        window.set_value("idle_lock_minutes", 5)  # a local setting, not a window one
    with pytest.raises(KeyError):
        window.value("grid/columns/{hub}")  # the hub's part is missing


# --- the generated table --------------------------------------------------------------------


def test_docs_show_the_registry():
    docs = (PROJECT / "docs" / "settings.md").read_text("utf-8")
    assert settings.markdown_table() in docs, (
        "docs/settings.md's table is not the registry's: python -m hubapp.settings prints it"
    )
    for s in settings.all_settings():
        assert f"`{s.name}`" in docs
