"""Helpers of the sync tests: stations, edits, and the check that replicas equal central."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

import psycopg

from hubapp.store import capture, setup
from hubapp.store.casework.cases import new_case
from hubapp.store.database import connect, open_store
from hubapp.store.refdata import ref_id
from hubapp.store.schema import Case, Note
from hubapp.store.schema import Station as StationRow
from hubapp.sync import central
from hubapp.sync.engine import Syncer

_TEMPLATES: dict[tuple[str, str], Path] = {}
_TEMPLATE_FOLDER: list[Path] = []


def _set_up(hub: str, name: str) -> Path:
    """A new database set up as station ``name`` of ``hub``, made once per process for each
    station (a new database's migrations wait for the disk at every commit); a Station opens
    a copy of it. Two stations of one test have different names, so they never share one."""
    if (hub, name) not in _TEMPLATES:
        if not _TEMPLATE_FOLDER:
            _TEMPLATE_FOLDER.append(Path(tempfile.mkdtemp(prefix="hubapp-stations-")))
            atexit.register(shutil.rmtree, _TEMPLATE_FOLDER[0], ignore_errors=True)
        path = _TEMPLATE_FOLDER[0] / f"{len(_TEMPLATES)}.sqlite3"
        store = open_store(path)
        try:
            setup.configure(store, hub, name)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            store.close()
        _TEMPLATES[hub, name] = path
    return _TEMPLATES[hub, name]


class Station:
    _n = 0

    def __init__(self, folder: Path, admin_url: str, hub: str, name: str) -> None:
        self.path = folder / f"{name.replace(' ', '_')}.sqlite3"
        shutil.copy(_set_up(hub, name), self.path)
        self.store = open_store(self.path)
        info = setup.current(self.store)
        # stations of one hub number their cases apart (hubapp.store.casework.cases.allocate_reference)
        Station._n += 1
        with self.store.write(reason="test") as s:
            s.get(StationRow, info.station_id).ref_prefix = chr(ord("A") + Station._n % 26)
        self.url = central.add_station(admin_url, hub, name).url
        self.syncer: Syncer | None = None

    def sync(self, url: str | None = None):
        syncer = Syncer(self.store, url or self.url, timeout=5)
        try:
            return syncer.run()
        finally:
            syncer.close()

    def new_case(self, summary: str = "Youths on the green") -> uuid.UUID:
        hub_id = setup.current(self.store).hub_id
        with self.store.write(reason="test") as s:
            case = new_case(s, hub_id=hub_id, category_id=ref_id("category", "asb_nuisance"),
                            channel_id=ref_id("channel", "call_101"),
                            received_at=datetime(2026, 11, 1, 10, 0), summary=summary)  # fmt: skip
            return case.id

    def edit(self, case_id: uuid.UUID, **fields) -> None:
        with self.store.write(reason="test") as s:
            case = s.get(Case, case_id)
            for k, v in fields.items():
                setattr(case, k, v)

    def note(self, case_id: uuid.UUID, body: str) -> uuid.UUID:
        with self.store.write(reason="test") as s:
            n = Note(id=uuid.uuid4(), case_id=case_id, author="t", body=body)
            s.add(n)
            return n.id

    def case(self, case_id: uuid.UUID) -> Case | None:
        with self.store.read() as s:
            return s.get(Case, case_id)

    def pending(self) -> int:
        with self.store.engine.connect() as c:
            return c.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar_one()

    def close(self) -> None:
        self.store.close()


def local_rows(path: Path) -> dict[tuple[str, str], dict]:
    con = connect(path, read_only=True)  # the store's own way: the file is encrypted
    out = {}
    try:
        for tbl in capture.captured_tables():
            cur = con.execute(f'SELECT * FROM "{tbl}"')
            names = [d[0] for d in cur.description]
            for row in cur:
                d = dict(zip(names, row, strict=True))
                rid = d.pop("id")
                for c in capture.LOCAL_COLUMNS:
                    d.pop(c, None)
                out[(tbl, rid)] = d
    finally:
        con.close()
    return out


def central_rows(url: str) -> dict[tuple[str, str], dict]:
    with psycopg.connect(url) as c:
        return {
            (t, i.hex): f for t, i, f in c.execute("SELECT tbl, id, fields FROM station_record")
        }


def assert_replica_equals_central(station: Station) -> None:
    """The station holds exactly what its role may see centrally, value for value."""
    assert station.pending() == 0
    local = local_rows(station.path)
    remote = central_rows(station.url)
    assert set(local) == set(remote), set(local) ^ set(remote)
    for key, fields in remote.items():
        mine = local[key]
        diff = {k: (mine[k], v) for k, v in fields.items() if k in mine and mine[k] != v}
        assert not diff, (key, diff)
    con = connect(station.path, read_only=True)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
