"""The frozen bundle (installer/hubapp.spec) and the Windows installer (installer/hubapp.nsi).

The bundle is built once per test run with PyInstaller (about 30-60 s on two cores) and then
run as a station would run it: from its own folder, with no checkout and no virtualenv to
fall back on. The installer is compiled with Debian's makensis against that (Linux) bundle,
which proves the script is valid; it cannot be run here.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hubapp

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "hubapp.spec"
NSI = ROOT / "installer" / "hubapp.nsi"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: Qt modules hubapp does not use; the spec keeps them (and their libraries) out.
UNWANTED = re.compile(r"Qt6?(WebEngine|Qml|Quick|Pdf|3D|Multimedia|Charts)|qpdf|opengl32sw", re.I)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """dist/hubapp built from the spec into a temporary folder (removed afterwards)."""
    top = tmp_path_factory.mktemp("bundle")
    work = top / "work"
    r = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(top / "dist"), "--workpath", str(work), str(SPEC)],
        cwd=top, capture_output=True, text=True, timeout=840,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-5000:]
    shutil.rmtree(work, ignore_errors=True)
    yield top / "dist" / "hubapp"
    shutil.rmtree(top, ignore_errors=True)  # 200 MB: not worth keeping among pytest's last runs


def run_bundled(bundle: Path, *args, exe: str = "hubapp", cwd: Path) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "HUBAPP_", "VIRTUAL_ENV", "QT_PLUGIN", "QT_QPA"))
    }
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(
        [str(bundle / (exe + EXE_SUFFIX)), *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def assert_selftest_passed(r: subprocess.CompletedProcess) -> list[str]:
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"hubapp {hubapp.__version__} selftest"
    assert lines[-1] == "selftest passed"
    for key in ("first paint", "database open", "case list filled"):
        assert any(re.match(rf"{key}: \d+\.\d+ s", line) for line in lines), key
    assert "Traceback" not in r.stderr
    return lines


def test_bundle_layout(bundle):
    internal = bundle / "_internal"
    assert (bundle / f"hubapp{EXE_SUFFIX}").is_file()
    assert (bundle / f"hubappw{EXE_SUFFIX}").is_file()
    # resources/ whole, where hubapp.resources looks for it in a frozen bundle
    for name in (ROOT / "resources").rglob("*"):
        if name.is_file():
            assert (internal / name.relative_to(ROOT)).is_file(), name
    # every migration, as a file Alembic can load by path
    migrations = ROOT / "hubapp" / "store" / "migrations"
    shipped = internal / "hubapp" / "store" / "migrations"
    for name in migrations.rglob("*"):
        if name.suffix in (".py", ".mako"):
            assert (shipped / name.relative_to(migrations)).is_file(), name
    unwanted = [p.name for p in internal.rglob("*") if UNWANTED.search(p.name)]
    assert unwanted == []


def test_bundle_runs_version_selftest_and_demo(bundle, tmp_path):
    r = run_bundled(bundle, "--version", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"hubapp {hubapp.__version__}"
    r = run_bundled(bundle, "--version", exe="hubappw", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"hubapp {hubapp.__version__}"

    db = tmp_path / "x.db"
    # a new database: the migrations run from the bundle, the reference data loads
    assert_selftest_passed(run_bundled(bundle, "--db", db, "selftest", cwd=tmp_path))

    r = run_bundled(bundle, "--db", db, "setup", "--hub", "SLK", "--station", "Kendal Police Station", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Kendal Police Station, South Lakeland hub (SLK)" in r.stdout

    # the demo data comes from resources/demo
    r = run_bundled(bundle, "--db", db, "demo", "--cases", "50", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr

    lines = assert_selftest_passed(run_bundled(bundle, "--db", db, "selftest", cwd=tmp_path))
    assert any(line.startswith("database: ") and "(50 cases)" in line for line in lines), lines


def test_errors_from_the_bundle_are_one_sentence(bundle, tmp_path):
    bad = tmp_path / "minutes.docx"
    bad.write_bytes(b"PK\x03\x04 not a database at all")
    r = run_bundled(bundle, "--db", bad, "selftest", cwd=tmp_path)
    assert r.returncode == 1
    assert "is not a hubapp database" in r.stderr and "Traceback" not in r.stderr


def test_installer_compiles_against_the_bundle(bundle, makensis, tmp_path):
    out = tmp_path / "hubapp-setup.exe"
    r = subprocess.run(
        [makensis, "-V2", "-DNOCOMPRESS", f"-DDIST_DIR={bundle}",
         f"-DVERSION={hubapp.__version__}", f"-DOUTFILE={out}", str(NSI)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    assert "warning" not in r.stdout.lower(), r.stdout
    data = out.read_bytes()
    assert data[:2] == b"MZ"
    bundle_bytes = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert len(data) > bundle_bytes // 2  # uncompressed: the whole bundle is inside
    out.unlink()


@pytest.mark.parametrize(
    ("defines", "message"),
    [
        ([f"-DVERSION={hubapp.__version__}"], "Give the bundle folder"),
        (["-DDIST_DIR=no/such/folder", "-DVERSION=1.0.0"], "No bundle in no/such/folder"),
    ],
)
def test_installer_refuses_a_missing_bundle(makensis, tmp_path, defines, message):
    r = subprocess.run(
        [makensis, "-V1", *defines, f"-DOUTFILE={tmp_path / 'x.exe'}", str(NSI)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode != 0
    assert message in r.stdout + r.stderr
    assert not (tmp_path / "x.exe").exists()
