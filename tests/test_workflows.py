"""The GitHub workflows (.github/workflows): valid by the schema GitHub publishes (vendored in
check-jsonschema, so this runs offline), and doing what docs/deployment.md says they do."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def _check_jsonschema() -> list[str]:
    exe = Path(sys.executable).with_name("check-jsonschema")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("check-jsonschema")
    if found is None:
        pytest.fail("check-jsonschema is not installed: pip install -e '.[test]'")
    return [found]


def _validate(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_check_jsonschema(), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_both_workflows_are_valid():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["linux.yml", "windows.yml"]
    r = _validate(*files)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_check_finds_a_broken_workflow(tmp_path):
    """The validation can fail: a job without runs-on, a step that is neither run nor uses."""
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\non: push\njobs:\n  x:\n    steps:\n      - name: nothing\n")
    assert _validate(bad).returncode != 0


def test_linux_runs_the_readme_test_command_and_ci_validates_the_workflows():
    assert "run: .ci/run" in (WORKFLOWS / "linux.yml").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "scripts/test" in ci and "scripts/test" in (ROOT / "README.md").read_text("utf-8")
    assert "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/" in ci


def test_windows_builds_installs_runs_upgrades_uninstalls_and_keeps_the_installer():
    text = (WORKFLOWS / "windows.yml").read_text("utf-8")
    for needed in ("runs-on: windows-latest", 'pip install -e ".[test,build]"', "pytest",
                   "scripts/build-bundle", "/S", "/DATADIR=", "--version", "selftest",
                   "uninstall.exe", "removed the database", "actions/upload-artifact",
                   "setup.exe"):  # fmt: skip
        assert needed in text, needed
