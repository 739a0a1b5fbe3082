"""Encryption at rest: SQLCipher databases, their keys (keyring or passphrase), the one-time
encryption of a plaintext database, and owner-only files. Real files, real SQLCipher."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import stat
import subprocess
import sys
import tempfile
from datetime import datetime

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import select

from hubapp.store import audit, database, keys, setup
from hubapp.store.database import open_store
from hubapp.store.errors import StoreError
from hubapp.store.exchange import demo
from hubapp.store.intake.form import IntakeForm, PersonEntry
from hubapp.store.schema import Person

NOW = datetime(2026, 11, 25, 14, 0)
PASSPHRASE = "Kendal mint cake, 1869"
# names no demo list holds, so a find can only come from what the test saved
VICTIM = "Ottoline Quarrendon-Fairweather"
SUSPECT = "Barnabus Zennor-Thistlewood"
REPORTER = "Philippa Marchbanks-Ulverstone"
PLACE = "Quillinan Yard behind the Ferrymoss Arms"


def _form(n: int = 0) -> IntakeForm:
    return IntakeForm(
        hub="CAR", channel="call_101", category="asb_nuisance", hate="no", received="25/11/2026 13:40",
        location=f"{PLACE} {n}", town="Carlisle", summary="Shouting and a smashed window",
        details=f"{SUSPECT} was seen throwing bottles at the window of {VICTIM}.",
        reporter_name=REPORTER,
        people=[PersonEntry(role="victim", full_name=VICTIM),
                PersonEntry(role="alleged_perpetrator", full_name=SUSPECT)],
    )  # fmt: skip


def _record(store, times: int = 3) -> None:
    from hubapp.store.intake import form as intake

    for n in range(times):
        intake.save(store, _form(n), now=NOW)


def _raw(*paths) -> bytes:
    return b"".join(p.read_bytes() for p in paths if p.exists())


def _words(*names: str) -> list[bytes]:
    """Each name as UTF-8 and UTF-16 (SQLite's two text encodings), as typed and in lower
    case (the search index keeps words lower-cased)."""
    found = []
    for name in names:
        for variant in (name, name.lower()):
            for word in variant.replace("-", " ").split():
                if len(word) >= 6:
                    found += [word.encode("utf-8"), word.encode("utf-16-le")]
    return found


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary folder of the test's own, for SQLite's and Python's temporary files."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    for var in ("SQLITE_TMPDIR", "TMPDIR", "TMP", "TEMP"):
        monkeypatch.setenv(var, str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def no_keyring(monkeypatch):
    """A PC without a usable keyring, and no key held by this process."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    keys.forget_known()
    yield
    keyring.set_keyring(before)
    keys.forget_known()


def _forget_in_keyring(path) -> None:
    salt = keys.salt_of(path)
    keyring.delete_password(keys.SERVICE, f"key-{salt.hex()}")
    keys.forget_known()


# --- nothing readable on the disk ------------------------------------------------------------


def _fill(store) -> list[str]:
    """Demo cases plus the test's own; keeps the store open so the WAL is not checkpointed."""
    demo.generate(store, 150, seed=3)
    with store.engine.connect() as conn:  # everything so far into the main file
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    _record(store)
    with store.read() as s:
        names = s.scalars(select(Person.full_name)).all()
        # big sorts that SQLite would spill to a temporary file if it were allowed one
        s.connection().exec_driver_sql(
            "SELECT p.full_name, p.address FROM person p, person q ORDER BY random() LIMIT 5"
        ).all()
    return [n for n in names if len(n) >= 12][:200]


def test_no_name_in_the_database_its_log_or_the_temporary_folder(db_path, private_tmp):
    store = open_store(db_path)
    try:
        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        demo_names = _fill(store)
        wal = db_path.with_name(db_path.name + "-wal")
        assert wal.stat().st_size > 0, "the test's rows should still be in the WAL"
        on_disk = _raw(db_path, wal, db_path.with_name(db_path.name + "-shm"))
        temporary = _raw(*[p for p in private_tmp.rglob("*") if p.is_file()])
        assert not db_path.read_bytes().startswith(database.SQLITE_MAGIC)
        for word in _words(VICTIM, SUSPECT, REPORTER, PLACE):
            assert word not in on_disk and word not in temporary, word
        assert demo_names, "the demo should have made people"
        for name in demo_names:
            assert name.encode("utf-8") not in on_disk, name
    finally:
        store.close()


def test_the_same_check_finds_the_names_in_a_plaintext_database(db_path, private_tmp):
    """The check above can fail: without encryption the names are there to be read."""
    store = open_store(db_path, encrypted=False)
    try:
        setup.configure(store, "Carlisle", "Carlisle Civic Centre")
        _fill(store)
        wal = db_path.with_name(db_path.name + "-wal")
        assert VICTIM.encode() in wal.read_bytes()
        assert b"Ferrymoss" in _raw(db_path, wal)
    finally:
        store.close()


def test_every_connection_keeps_temporary_data_in_memory(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2
        # pages are decrypted as they enter the cache: a big one decrypts them once
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -database.PAGE_CACHE_KIB
        assert conn.exec_driver_sql("PRAGMA cipher_version").scalar().startswith("4.")
    con = database.connect(store.path, read_only=True)
    try:
        assert con.execute("PRAGMA temp_store").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM hub").fetchone()[0] >= 5
    finally:
        con.close()


def test_search_json_and_backup_work_on_an_encrypted_database(store, tmp_path):
    _record(store, 1)
    from hubapp.store.casework import caselist

    assert caselist is not None
    with store.read() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("SELECT json_extract('{\"a\": 7}', '$.a')").scalar() == 7
        hits = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%fts5%'"
        ).scalar()
        assert hits >= 1
    copy = tmp_path / "copy.sqlite3"
    src = database.connect(store.path, read_only=True)
    dst = database.connect(copy)  # a new file: encrypted with the database's key
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    assert not copy.read_bytes().startswith(database.SQLITE_MAGIC)
    assert VICTIM.encode() not in copy.read_bytes()
    again = open_store(copy)
    try:
        with again.read() as s:
            assert VICTIM in s.scalars(select(Person.full_name)).all()
    finally:
        again.close()


# --- the key ---------------------------------------------------------------------------------


def test_a_new_database_keeps_its_key_in_the_keyring_not_beside_it(db_path):
    open_store(db_path).close()
    salt = keys.salt_of(db_path)
    stored = keyring.get_password(keys.SERVICE, f"key-{salt.hex()}")
    assert stored is not None and len(bytes.fromhex(stored)) == 32
    assert bytes.fromhex(stored) not in b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    assert sorted(p.name for p in db_path.parent.iterdir() if p.is_file()) == [db_path.name]


def test_without_its_key_the_database_is_refused_with_a_sentence_and_left_alone(db_path):
    store = open_store(db_path)
    _record(store, 1)
    store.close()
    _forget_in_keyring(db_path)
    before = _sha(db_path)
    with pytest.raises(StoreError) as caught:
        open_store(db_path)
    assert str(caught.value) == keys.NO_KEY
    assert str(caught.value).startswith(
        "This database is encrypted and this PC does not have its key"
    )
    assert _sha(db_path) == before
    with pytest.raises(StoreError, match="does not have its key"):
        database.connect(db_path, read_only=True)


def test_a_wrong_passphrase_is_refused_with_a_sentence(db_path, no_keyring, monkeypatch):
    monkeypatch.setenv(keys.ENV_PASSPHRASE, PASSPHRASE)
    open_store(db_path).close()
    keys.forget_known()
    monkeypatch.setenv(keys.ENV_PASSPHRASE, "not the passphrase at all")
    with pytest.raises(StoreError) as caught:
        open_store(db_path)
    assert str(caught.value) == keys.WRONG_KEY


def test_a_pc_without_a_keyring_uses_the_passphrase(db_path, no_keyring, monkeypatch):
    monkeypatch.delenv(keys.ENV_PASSPHRASE, raising=False)
    with pytest.raises(StoreError, match="no keyring to keep the database key"):
        open_store(db_path)
    assert not db_path.exists() or db_path.stat().st_size == 0
    monkeypatch.setenv(keys.ENV_PASSPHRASE, PASSPHRASE)
    store = open_store(db_path)
    setup.configure(store, "Carlisle", "Carlisle Civic Centre")
    _record(store, 1)
    store.close()
    raw = db_path.read_bytes()
    assert PASSPHRASE.encode() not in raw and VICTIM.encode() not in raw
    keys.forget_known()  # as a new process would start
    again = open_store(db_path)
    try:
        with again.read() as s:
            assert VICTIM in s.scalars(select(Person.full_name)).all()
    finally:
        again.close()
    keys.forget_known()
    monkeypatch.delenv(keys.ENV_PASSPHRASE)
    with pytest.raises(StoreError) as caught:
        open_store(db_path)
    assert str(caught.value) == keys.NO_KEY


def test_a_short_passphrase_is_refused(db_path, no_keyring):
    with pytest.raises(StoreError, match="at least 12 characters"):
        open_store(db_path, passphrase="short")


def _hubapp(db, *args, env):
    return subprocess.run(
        [sys.executable, "-m", "hubapp", "--db", str(db), *args],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
    )  # fmt: skip


def test_the_command_line_says_the_sentence_when_the_key_is_missing(tmp_path):
    db = tmp_path / "hub.sqlite3"
    made = _hubapp(db, "setup", "--hub", "CAR", "--station", "Carlisle", env={})
    assert made.returncode == 0, made.stderr
    # another PC: an empty keyring
    r = _hubapp(db, "export", "cases", env={"HUBAPP_TEST_KEYRING": str(tmp_path / "other.json")})
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [f"hubapp: {keys.NO_KEY}"]


def test_commands_on_a_pc_without_a_keyring_use_the_passphrase(tmp_path):
    db = tmp_path / "hub.sqlite3"
    bare = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    r = _hubapp(db, "setup", "--hub", "CAR", "--station", "Carlisle", env=bare)
    assert r.returncode == 1 and "no keyring to keep the database key" in r.stderr
    with_passphrase = {**bare, keys.ENV_PASSPHRASE: PASSPHRASE}
    r = _hubapp(db, "setup", "--hub", "CAR", "--station", "Carlisle", env=with_passphrase)
    assert r.returncode == 0, r.stderr
    assert not db.read_bytes().startswith(database.SQLITE_MAGIC)
    r = _hubapp(db, "export", "cases", env=with_passphrase)
    assert r.returncode == 0, r.stderr
    assert r.stdout.lstrip("\ufeff").startswith("Reference,")


# --- a plaintext database from an older version ----------------------------------------------


def _dump(con) -> dict[str, list[tuple]]:
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]  # fmt: skip
    return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"'))) for t in tables}


def _without_anchor_seal(dump: dict[str, list[str]]) -> dict[str, list[str]]:
    return {**dump, "local_setting": [re.sub(r'"mac": "[0-9a-f]{64}"', "", row)
                                      for row in dump["local_setting"]]}  # fmt: skip


def test_a_plaintext_database_is_encrypted_once_keeping_every_row(tmp_path):
    live = tmp_path / "live.sqlite3"
    plain = open_store(live, encrypted=False)
    setup.configure(plain, "Carlisle", "Carlisle Civic Centre")
    demo.generate(plain, 200, seed=5)
    _record(plain)
    # what an older version left when it stopped: the file and its write-ahead log
    path = tmp_path / "hub.sqlite3"
    for suffix in ("", "-wal"):
        copy = tmp_path / f"hub.sqlite3{suffix}"
        copy.write_bytes((tmp_path / f"live.sqlite3{suffix}").read_bytes())
        os.chmod(copy, 0o600)
    plain.close()
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    assert VICTIM.encode() in _raw(path, path.with_name(path.name + "-wal"))
    reference = sqlite3.connect(path)
    expected = _dump(reference)
    reference.close()
    assert sum(map(len, expected.values())) > 1000

    store = open_store(path)
    store.close()
    assert not path.read_bytes().startswith(database.SQLITE_MAGIC)
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("hub.sqlite3"))
    assert leftovers == ["hub.sqlite3"], leftovers
    assert VICTIM.encode() not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    con = database.connect(path, read_only=True)
    try:
        found = _dump(con)
        # the audit log's anchor is sealed again with the new key (hubapp.store.audit); every
        # other row is as it was
        assert _without_anchor_seal(found) == _without_anchor_seal(expected)
        assert found != expected
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert audit.verify_connection(con, database.anchor_secret_for(path)).ok
    finally:
        con.close()
    salt = keys.salt_of(path)
    open_store(path).close()  # encrypted once: opening again changes no key
    assert keys.salt_of(path) == salt


def test_an_encryption_cut_short_is_finished_on_the_next_open(tmp_path):
    path = tmp_path / "hub.sqlite3"
    open_store(path).close()
    # as if the PC stopped after the swap but before the plaintext was overwritten
    old = path.with_name(path.name + database.PLAINTEXT)
    old.write_bytes(b"SQLite format 3\x00" + VICTIM.encode() * 300)
    half = path.with_name(path.name + database.ENCRYPTING)
    half.write_bytes(b"\x00" * 4096)
    open_store(path).close()
    assert not old.exists() and not half.exists()


# --- owner-only files ------------------------------------------------------------------------


def test_the_log_and_its_rotated_files_are_owner_only(tmp_path):
    from hubapp.logs import PrivateRotatingFileHandler

    old_umask = os.umask(0o022)
    try:
        handler = PrivateRotatingFileHandler(tmp_path / "hubapp.log", maxBytes=200,
                                             backupCount=2, encoding="utf-8")  # fmt: skip
    finally:
        os.umask(old_umask)
    logger = logging.getLogger("hubapp.test_encryption")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for n in range(40):
            logger.warning("line %d of the log, long enough to rotate it", n)
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(tmp_path.glob("hubapp.log*"))
    assert len(files) == 3
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}


def test_exports_and_pdfs_are_owner_only(store, tmp_path):
    from hubapp import cli
    from hubapp.store.intake import form as intake

    ref = intake.save(store, _form(), now=NOW).reference
    store.close()
    pdf, csv = tmp_path / "case.pdf", tmp_path / "cases.csv"
    old_umask = os.umask(0o022)
    try:
        db = str(store.path)
        assert (
            cli.main(["--db", db, "print", "case", ref, "--profile", "police", "-o", str(pdf)]) == 0
        )
        assert cli.main(["--db", db, "export", "cases", "-o", str(csv)]) == 0
    finally:
        os.umask(old_umask)
    for made in (pdf, csv):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made
