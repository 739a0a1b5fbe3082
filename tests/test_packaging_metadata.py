"""The package list in pyproject.toml covers every sub-package, and an installed wheel finds
its resources."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "hubapp").rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_the_installed_version_is_the_package_literal():
    import importlib.metadata

    import hubapp

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in config["project"] and "version" in config["project"]["dynamic"]
    assert importlib.metadata.version("hubapp") == hubapp.__version__


@pytest.mark.slow
def test_wheel_carries_resources_and_migrations(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    wheel = next(tmp_path.glob("hubapp-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "hubapp/_resources/refdata/hubs.toml",
        "hubapp/_resources/refdata/agencies.toml",
        "hubapp/_resources/icons/hubapp.svg",
        "hubapp/_resources/letters/cpw.toml",
        "hubapp/store/migrations/env.py",
        "hubapp/store/migrations/versions/0001_initial_schema.py",
    ):
        assert required in names, required
