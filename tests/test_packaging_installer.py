"""The Windows installer's script (installer/hubapp.nsi), compiled here with makensis against a
stand-in bundle (quick: no PyInstaller build), and read for what it must never do.

Running the installer (silent install, upgrade, uninstall) is the Windows workflow's
(.github/workflows/windows.yml); see docs/deployment.md.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NSI = ROOT / "installer" / "hubapp.nsi"
SCRIPT = NSI.read_text("utf-8")


def _section(name: str) -> str:
    start = SCRIPT.index(f'Section "{name}"')
    return SCRIPT[start : SCRIPT.index("SectionEnd", start)]


def test_the_script_compiles_without_a_warning(makensis, tmp_path):
    bundle = tmp_path / "dist" / "hubapp"
    (bundle / "_internal").mkdir(parents=True)
    for exe in ("hubapp.exe", "hubappw.exe"):
        (bundle / exe).write_bytes(b"MZ")
    out = tmp_path / "hubapp-1.2.3-setup.exe"  # "setup.exe" alone: makensis warns (shims)
    r = subprocess.run(
        [makensis, "-V2", "-WX", "-DNOCOMPRESS", f"-DDIST_DIR={bundle}", "-DVERSION=1.2.3",
         f"-DOUTFILE={out}", str(NSI)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]
    assert out.read_bytes()[:2] == b"MZ"


@pytest.mark.parametrize("option", ["/SHAREDDATA=", "/DATADIR=", "/DESKTOP=", "/HUB=",
                                    "/STATION=", "/CENTRALSERVER="])  # fmt: skip
def test_every_command_line_option_is_read_and_documented(option):
    assert f'"{option}"' in SCRIPT or f'"{option[1:-1]}"' in SCRIPT, option
    deployment = (ROOT / "docs" / "deployment.md").read_text("utf-8")
    assert option in deployment, f"docs/deployment.md does not explain {option}"


def test_every_preset_variable_is_a_declared_setting_and_removed_on_uninstall():
    from hubapp import settings

    names = set(re.findall(r'!define \w+_ENV "(HUBAPP_\w+)"', SCRIPT))
    assert names == {"HUBAPP_DATA_DIR", "HUBAPP_HUB", "HUBAPP_STATION", "HUBAPP_CENTRAL_SERVER"}
    for name in names:
        assert settings.declared(settings.Where.ENVIRONMENT, name).secret is False, name
    defines = dict(re.findall(r'!define (\w+_ENV) "(HUBAPP_\w+)"', SCRIPT))
    uninstall = _section("Uninstall")
    for define in defines:
        assert f'DeleteRegValue HKLM "${{ENV_KEY}}" "${{{define}}}"' in uninstall, define


@pytest.mark.parametrize("section", ["Uninstall", "${APP_DISPLAY_NAME} (required)", "-Data folder"])
def test_no_section_deletes_the_data_folder_or_the_install_folder_whole(section):
    """Upgrades and uninstalls keep the data: nothing removes $DataDir, an AppData folder or
    $INSTDIR as a whole (where an administrator may have put the data)."""
    body = _section(section)
    for line in body.splitlines():
        words = line.strip()
        if words.startswith(("RMDir", "Delete ", "Delete\t")):
            assert "$DataDir" not in words and "APPDATA" not in words, words
            assert not re.match(r'RMDir\s+/r\s+"\$INSTDIR"\s*$', words), words


def test_the_bundle_names_keyrings_windows_backend():
    """The database key lives in the Credential Manager: a bundle without keyring's Windows
    backend would find no keyring and ask every station for a passphrase."""
    import importlib.util

    spec = (ROOT / "installer" / "hubapp.spec").read_text("utf-8")
    assert '"keyring.backends.Windows"' in spec and '"win32ctypes.pywin32.win32cred"' in spec
    assert importlib.util.find_spec("keyring.backends.Windows") is not None  # the name is right
