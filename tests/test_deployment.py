"""What IT pre-sets for a PC (docs/deployment.md): the hub and station for the first start,
and the one central server it may sync with. None of it is a secret."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hubapp.sync import credentials
from hubapp.sync.central import CentralError

ADDRESS = "postgresql://station_kendal:s3cr%40t@central.cumbria.example:6432/hubapp"


@pytest.mark.parametrize(
    "pin",
    ["central.cumbria.example:6432/hubapp", "CENTRAL.cumbria.example.:6432/hubapp/",
     "postgresql://central.cumbria.example:6432/hubapp"],
)  # fmt: skip
def test_an_address_for_the_pinned_server_is_taken(monkeypatch, pin):
    monkeypatch.setenv("HUBAPP_CENTRAL_SERVER", pin)
    assert credentials.address_problem(ADDRESS) == ""


@pytest.mark.parametrize(
    "address",
    ["postgresql://station_kendal:pw@central.cumbria.example/hubapp",  # the default port
     "postgresql://station_kendal:pw@central.cumbria.example:6432/hubapp_test",
     "postgresql://station_kendal:pw@evil.example:6432/hubapp"],
)  # fmt: skip
def test_an_address_for_another_server_is_refused(monkeypatch, address):
    monkeypatch.setenv("HUBAPP_CENTRAL_SERVER", "central.cumbria.example:6432/hubapp")
    problem = credentials.address_problem(address)
    assert problem.startswith("This PC may only sync with the central database hubapp on "
                              "central.cumbria.example:6432 (set by IT)")  # fmt: skip
    assert "pw" not in problem
    monkeypatch.setenv("HUBAPP_CENTRAL_URL", address)
    with pytest.raises(CentralError, match="may only sync with"):
        credentials.load(store=None)  # refused before any connection or database read


def test_without_a_pin_any_server_is_taken(monkeypatch):
    monkeypatch.delenv("HUBAPP_CENTRAL_SERVER", raising=False)
    assert credentials.address_problem(ADDRESS.replace("central.cumbria", "other")) == ""


@pytest.mark.parametrize("pin", ["central.example", "user@central.example/hubapp",
                                 "central.example:port/hubapp"])  # fmt: skip
def test_a_malformed_pin_is_one_sentence(monkeypatch, pin):
    monkeypatch.setenv("HUBAPP_CENTRAL_SERVER", pin)
    assert credentials.address_problem(ADDRESS).startswith(
        "HUBAPP_CENTRAL_SERVER must be host[:port]/database"
    )


def _setup(tmp_path, *args, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBAPP_")}
    if os.environ.get("HUBAPP_TEST_KEYRING"):
        env["HUBAPP_TEST_KEYRING"] = os.environ["HUBAPP_TEST_KEYRING"]
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "hubapp", "--db", str(tmp_path / "hub.sqlite3"), "setup", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_setup_takes_the_hub_and_station_it_pre_set(tmp_path):
    r = _setup(tmp_path, HUBAPP_HUB="slk", HUBAPP_STATION="Kendal Police Station")
    assert r.returncode == 0, r.stderr
    assert "Kendal Police Station, South Lakeland hub (SLK)" in r.stdout


def test_setup_without_hub_or_preset_says_what_is_missing(tmp_path):
    r = _setup(tmp_path, "--station", "Kendal Police Station")
    assert r.returncode != 0
    assert "setup needs --hub (or HUBAPP_HUB and HUBAPP_STATION" in r.stderr
    assert not (tmp_path / "hub.sqlite3").exists()


def test_the_first_start_dialog_starts_from_the_preset(qtbot):
    from types import SimpleNamespace

    from hubapp.views.first_start import FirstStartDialog

    hubs = [SimpleNamespace(code="CAR", name="Carlisle", base="Carlisle Civic Centre", active=True),
            SimpleNamespace(code="SLK", name="South Lakeland", base="Kendal Police Station",
                            active=True)]  # fmt: skip
    plain = FirstStartDialog(hubs, lambda h, s: None)
    qtbot.addWidget(plain)
    assert plain.answer() == (None, "")  # nothing guessed for the person
    dialog = FirstStartDialog(
        hubs, lambda h, s: None, preset=("south lakeland", "Kendal Town Hall")
    )
    qtbot.addWidget(dialog)
    assert dialog.answer() == ("SLK", "Kendal Town Hall")
