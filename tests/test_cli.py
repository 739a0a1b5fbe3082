"""The command line as scripts and scheduled tasks use it: real processes, real files."""

import os
import shutil
import subprocess
import sys

import pytest

import hubapp


def run(*args, env=None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "hubapp", *map(str, args)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}, **kw,
    )  # fmt: skip


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"hubapp {hubapp.__version__}"


def test_setup_then_selftest(tmp_path):
    db = tmp_path / "hub.sqlite3"
    r = run("--db", db, "setup", "--hub", "barrow", "--station", "Barrow Police Station")
    assert r.returncode == 0, r.stderr
    assert "Barrow Police Station, Barrow hub (BAR)" in r.stdout
    r = run("--db", db, "selftest")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"hubapp {hubapp.__version__} selftest" and lines[-1] == "selftest passed"
    for key in ("first paint", "database open", "case list filled", "peak memory"):
        assert any(line.startswith(key + ":") for line in lines), key


def test_hubapp_db_variable_stands_for_db(tmp_path):
    db = tmp_path / "env.sqlite3"
    r = run(
        "setup", "--hub", "CAR", "--station", "Carlisle Civic Centre", env={"HUBAPP_DB": str(db)}
    )
    assert r.returncode == 0, r.stderr
    assert db.exists()


def test_default_database_lives_in_the_per_user_data_folder(tmp_path):
    r = run("setup", "--hub", "COP", "--station", "Whitehaven Police Station",
            env={"XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert list((tmp_path / "xdg").rglob("hub.sqlite3"))


def test_shared_data_folder_for_all_accounts(tmp_path):
    shared = tmp_path / "ProgramData" / "hubapp"
    r = run("setup", "--hub", "ALL", "--station", "Cockermouth Police Station",
            env={"HUBAPP_DATA_DIR": str(shared)})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (shared / "hub.sqlite3").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("setup", "--hub", "Narnia", "--station", "X"), "There is no hub called 'Narnia'"),
        (("setup", "--hub", "CAR", "--station", "   "), "The station name must not be empty."),
        (
            ("setup", "--hub", "CAR", "--station", "Civic\x07Centre"),
            "The station name must not contain control characters.",
        ),
    ],
)
def test_bad_input_is_one_sentence_and_non_zero(tmp_path, args, message):
    r = run("--db", tmp_path / "h.sqlite3", *args)
    assert r.returncode == 1
    assert r.stderr.startswith(f"hubapp: {message}")
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_bad_numbers_are_usage_errors(tmp_path):
    r = run("--db", tmp_path / "h.sqlite3", "demo", "--cases", "lots")
    assert r.returncode == 2 and "'lots' is not a whole number" in r.stderr


def test_foreign_file_is_refused_and_unchanged(tmp_path):
    bad = tmp_path / "minutes.docx"
    bad.write_bytes(b"PK\x03\x04 not a database at all")
    before = bad.read_bytes()
    r = run("--db", bad, "selftest")
    assert r.returncode == 1
    assert (
        r.stderr.strip()
        == f"hubapp: selftest failed: {bad} is not a hubapp database (it is not an SQLite file)."
    )
    assert bad.read_bytes() == before


def test_damaged_database_is_refused(tmp_path):
    db = tmp_path / "h.sqlite3"
    assert run("--db", db, "setup", "--hub", "CAR", "--station", "Carlisle").returncode == 0
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page, overwritten
    db.write_bytes(bytes(data))
    r = run("--db", db, "setup", "--hub", "CAR", "--station", "Carlisle")
    assert r.returncode == 1
    assert r.stderr.startswith(f"hubapp: {db} is damaged or not a hubapp database")
    assert len(r.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == bytes(data)


def test_newer_database_is_refused(tmp_path):
    db = tmp_path / "h.sqlite3"
    assert run("--db", db, "setup", "--hub", "CAR", "--station", "Carlisle").returncode == 0
    from hubapp.store import database

    con = database.connect(db)  # with the key the command kept for it
    con.execute("UPDATE alembic_version SET version_num = 'ffff'")
    con.close()
    r = run("--db", db, "setup", "--hub", "CAR", "--station", "Carlisle")
    assert r.returncode == 1
    assert "was made by a newer version of hubapp" in r.stderr and "Traceback" not in r.stderr


@pytest.fixture
def locked_folder(tmp_path):
    """A folder nobody may write in, administrators included (the immutable attribute)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode
    ):
        os.chmod(folder, 0o555)
        if os.geteuid() == 0:
            pytest.skip("cannot make a folder read-only for an administrator here")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    os.chmod(folder, 0o755)


def test_read_only_folder_is_one_sentence(locked_folder):
    r = run("--db", locked_folder / "hub.sqlite3", "setup", "--hub", "CAR", "--station", "Carlisle")
    assert r.returncode == 1
    assert (
        r.stderr.strip()
        == f"hubapp: Cannot create a database in {locked_folder}: the folder is read-only for you."
    )
    assert not list(locked_folder.iterdir())


def test_existing_database_in_a_read_only_folder_is_refused_untouched(tmp_path):
    folder = tmp_path / "ro"
    db = folder / "hub.sqlite3"
    assert run("--db", db, "setup", "--hub", "CAR", "--station", "Carlisle").returncode == 0
    before = db.read_bytes()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot make a folder read-only for an administrator here")
    try:
        r = run("--db", db, "selftest")
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    assert r.returncode == 1
    assert "read-only for you" in r.stderr and "Traceback" not in r.stderr
    assert db.read_bytes() == before


def test_no_display_is_one_sentence(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    r = subprocess.run([sys.executable, "-m", "hubapp", "--db", str(tmp_path / "h.sqlite3")],
                       capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    assert r.returncode == 1
    assert r.stderr.strip().startswith("hubapp: There is no display to open the window on")
