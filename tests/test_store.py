"""The store on real SQLite files: opening, refusing bad files, migrations, audit."""

import hashlib
import os
import sqlite3
import stat
import uuid

import pytest
from casework import downgrade
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from hubapp.store import audit, database, errors, setup
from hubapp.store.database import KNOWN_REVISIONS, SCHEMA_HEAD, open_store
from hubapp.store.errors import StoreError
from hubapp.store.schema import Agency, AuditEntry, Case, Category, Channel, Hub, HubAgency


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_schema_head_matches_alembic(db_path):
    from alembic.script import ScriptDirectory

    from hubapp.store import database

    script = ScriptDirectory.from_config(database.alembic_config(db_path))
    assert script.get_current_head() == SCHEMA_HEAD
    assert {r.revision for r in script.walk_revisions()} == set(KNOWN_REVISIONS)


def test_new_database_has_pragmas_and_reference_data(db_path):
    s = open_store(db_path)
    with s.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 5000
    with s.read() as session:
        hubs = {h.name: h for h in session.scalars(select(Hub))}
        assert {n: h.base for n, h in hubs.items()} == {
            "Copeland": "Whitehaven Police Station",
            "Allerdale": "Cockermouth Police Station",
            "South Lakeland": "Kendal Police Station",
            "Barrow": "Barrow Police Station",
            "Carlisle": "Carlisle Civic Centre",
            "Eden": "Penrith (launching later)",
        }
        assert not hubs["Eden"].active and all(h.active for n, h in hubs.items() if n != "Eden")
        agencies = {a.name for a in session.scalars(select(Agency))}
        assert {"Cumbria Constabulary", "Cumberland Council", "Westmorland and Furness Council",
                "Cumbria Fire and Rescue Service"} <= agencies  # fmt: skip
        categories = {c.name for c in session.scalars(select(Category))}
        assert "Request for visible policing" in categories and "Fly-tipping" in categories
        assert len(categories) == 11
        channels = {c.name for c in session.scalars(select(Channel))}
        assert {"101 call", "Online form", "Facebook group", "Walk-in", "Partner referral",
                "Neighbourhood Watch", "Councillor", "Patrol"} == channels  # fmt: skip
        # Cumberland Council works in Carlisle, not in Kendal
        cumberland = session.scalar(select(Agency).where(Agency.code == "CUMBERLAND"))
        hub_ids = set(
            session.scalars(select(HubAgency.hub_id).where(HubAgency.agency_id == cumberland.id))
        )
        assert hubs["Carlisle"].id in hub_ids and hubs["South Lakeland"].id not in hub_ids
    assert oct(db_path.stat().st_mode & 0o777) == "0o600"
    s.close()


def test_reference_ids_are_the_same_on_every_station(tmp_path):
    a, b = open_store(tmp_path / "a.sqlite3"), open_store(tmp_path / "b.sqlite3")
    for model in (Hub, Agency, Category, Channel, HubAgency):
        with a.read() as sa, b.read() as sb:
            ids_a = {r.id for r in sa.scalars(select(model))}
            ids_b = {r.id for r in sb.scalars(select(model))}
        assert ids_a == ids_b and ids_a, model.__tablename__
    a.close()
    b.close()


def test_reopening_adds_nothing(db_path):
    open_store(db_path).close()
    s = open_store(db_path)
    with s.read() as session:
        assert len(session.scalars(select(Hub)).all()) == 6
        assert len(session.scalars(select(Agency)).all()) == len(
            {a.code for a in session.scalars(select(Agency))}
        )
    s.close()


def test_a_text_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("shopping list: milk, eggs\n")
    before = _sha(path)
    with pytest.raises(StoreError, match="not a hubapp database"):
        open_store(path)
    assert _sha(path) == before


def test_another_programs_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)  # a plaintext file of another program: neither opened nor encrypted
    con.execute("CREATE TABLE songs (title TEXT)")
    con.commit()
    con.close()
    before = _sha(path)
    with pytest.raises(StoreError, match="not a hubapp database"):
        open_store(path)
    assert _sha(path) == before


def test_a_database_from_a_newer_version_is_refused_untouched(db_path):
    open_store(db_path).close()
    con = database.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = _sha(db_path)
    with pytest.raises(StoreError, match="newer version of hubapp"):
        open_store(db_path)
    assert _sha(db_path) == before


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    with pytest.raises(StoreError, match="it is a file, not a folder"):
        open_store(notes / "hub.sqlite3")


def test_folder_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Cannot create the folder"):
        open_store(blocker / "sub" / "hub.sqlite3")


def test_an_older_database_is_upgraded_on_open(db_path):
    """Take a database back to before the first migration; opening brings it to head."""
    open_store(db_path).close()
    downgrade(db_path, "base")
    con = database.connect(db_path)
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name='case_'").fetchone()[0] == 0
    con.close()
    s = open_store(db_path)
    with s.read() as session:
        assert len(session.scalars(select(Hub)).all()) == 6
    con = database.connect(db_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == SCHEMA_HEAD
    con.close()
    s.close()


def test_a_database_at_the_first_schema_gains_the_case_list_indexes(db_path):
    open_store(db_path).close()
    downgrade(db_path, "0001")

    def indexes():
        con = database.connect(db_path)
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        con.close()
        return names

    assert "ix_case_by_hub" not in indexes() and "ix_case_hub_received" in indexes()
    open_store(db_path).close()
    assert {"ix_case_by_seq", "ix_case_by_received", "ix_case_by_hub"} <= indexes()
    assert "ix_case_hub_received" not in indexes()


def test_station_setup_matches_names_loosely(db_path):
    s = open_store(db_path)
    assert setup.current(s) is None
    info = setup.configure(s, "south-lakeland ", "  Kendal   Police Station ")
    assert (info.hub_code, info.station_name) == ("SLK", "Kendal Police Station")
    assert setup.current(s) == info
    assert setup.configure(s, "slk", "Kendal Police Station").station_id == info.station_id
    with pytest.raises(StoreError, match="no hub called"):
        setup.configure(s, "Narnia", "Cair Paravel")
    with pytest.raises(StoreError, match="must not be empty"):
        setup.configure(s, "SLK", "   ")
    with pytest.raises(StoreError, match="must not contain control characters"):
        setup.configure(s, "SLK", "Kendal\x1b[31m Police Station")
    # a line break or tab typed or pasted in is only spacing
    assert setup.configure(s, "SLK", "Kendal\n Police\tStation").station_name == (
        "Kendal Police Station"
    )
    with pytest.raises(StoreError, match="The Eden hub is not open yet"):
        setup.configure(s, "EDN", "Penrith Police Station")
    s.close()


def _new_case(session, store, **overrides):
    from datetime import date, datetime

    hub = session.scalar(select(Hub).where(Hub.code == "CAR"))
    values = dict(
        seq=(session.scalar(select(Case.seq).order_by(Case.seq.desc()).limit(1)) or 0) + 1,
        reference=f"CAR-2026-{uuid.uuid4().int % 10000:04d}",
        hub_id=hub.id,
        category_id=session.scalar(select(Category.id).limit(1)),
        channel_id=session.scalar(select(Channel.id).limit(1)),
        summary="Youths on bikes in Bitts Park",
        received_at=datetime(2026, 5, 1, 9, 30),
        opened_on=date(2026, 5, 1),
    )
    values.update(overrides)
    case = Case(**values)
    session.add(case)
    return case


def test_every_change_is_audited_in_the_same_transaction(store):
    with store.write(reason="test") as session:
        case = _new_case(session, store)
    with store.write() as session:
        session.get(Case, case.id).status = "triaged"
    with store.read() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)).all()
        alteration, collection = entries
        assert (collection.kind, collection.entity, collection.record_ids) == (
            "collection",
            "case_",
            [str(case.id)],
        )
        assert collection.reason == "test"
        assert alteration.kind == "alteration"
        assert alteration.details == {str(case.id): {"status": ["new", "triaged"]}}
        stored = session.get(Case, case.id)
        assert stored.station_id == store.station_id and stored.row_version == 2
        assert audit.verify_chain(session) is None
    # a change that fails leaves neither the change nor its audit entry
    with store.read() as session:
        n = len(session.scalars(select(AuditEntry)).all())
    with pytest.raises(RuntimeError):
        with store.write() as session:
            session.get(Case, case.id).status = "closed"
            session.flush()
            raise RuntimeError("power cut")
    with store.read() as session:
        assert len(session.scalars(select(AuditEntry)).all()) == n
        assert session.get(Case, case.id).status == "triaged"


def test_personal_values_do_not_enter_the_audit_log(store):
    with store.write() as session:
        case = _new_case(session, store, details="Mrs Dorothy Pattinson was threatened")
    with store.write() as session:
        session.get(Case, case.id).details = "Mr Łukasz Nowak was threatened"
    with store.read() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert last.details == {str(case.id): {"details": "changed"}}
    raw = (
        database.connect(store.path)
        .execute("SELECT group_concat(details) FROM audit_log")
        .fetchone()[0]
    )
    assert "Pattinson" not in raw and "Nowak" not in raw


def test_audit_log_refuses_update_and_delete_and_detects_tampering(store):
    con = database.connect(store.path)
    with pytest.raises(errors.IntegrityError, match="append-only"):
        con.execute("UPDATE audit_log SET user = 'someone else'")
    with pytest.raises(errors.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_log")
    con.rollback()
    # someone with the file and a SQLite tool drops the guard and edits an entry
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET user = 'mallory' WHERE id = 2")
    con.commit()
    con.close()
    with store.read() as session:
        assert audit.verify_chain(session) == 2


def test_two_windows_cannot_silently_overwrite_each_other(store):
    from hubapp.store.casework.cases import update_fields
    from hubapp.store.errors import EditConflict

    with store.write() as session:
        case = _new_case(session, store)
    # both windows load the case at the same version
    with store.read() as session:
        version = session.get(Case, case.id).row_version
    assert (
        update_fields(store, case.id, version, {"summary": "Changed in window one"}) == version + 1
    )
    with pytest.raises(EditConflict, match="changed by someone else"):
        update_fields(store, case.id, version, {"summary": "Changed in window two"})
    with store.read() as session:
        assert session.get(Case, case.id).summary == "Changed in window one"
    # the ORM's own version check also refuses a stale flush
    with store.read() as session:
        stale = session.get(Case, case.id)
    with store.write() as session:
        session.execute(
            update(Case).where(Case.id == case.id).values(row_version=Case.row_version + 1)
        )
    with pytest.raises(StaleDataError):
        with store.write() as session:
            merged = session.merge(stale, load=False)
            merged.summary = "Stale"


def test_foreign_keys_are_enforced(store):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with store.write() as session:
            _new_case(session, store, hub_id=uuid.uuid4())


def test_search_index_follows_case_changes(store):
    with store.write() as session:
        case = _new_case(session, store, summary="Quad bikes on Hadrian's Wall path")

    def hits(word):
        with store.engine.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT count(*) FROM case_search WHERE case_search MATCH ?", (word,)
            ).scalar()

    assert hits("quad") == 1
    with store.write() as session:
        session.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(summary="Scrambler bikes", row_version=Case.row_version + 1)
        )
    assert hits("quad") == 0 and hits("scrambler") == 1


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_build_exactly_the_schema_the_models_describe(db_path):
    """Alembic's own comparison finds nothing between the migrated file and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from hubapp.store.schema import Base

    store = open_store(db_path)
    engine = store.engine  # the file is encrypted: the store's engine has the key
    with engine.connect() as con:
        ctx = MigrationContext.configure(con, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(ctx, Base.metadata)
            # the full-text index's shadow tables are made by SQL, not by the models
            if not (d[0] == "remove_table" and d[1].name.startswith("case_search"))
        ]
        # Alembic cannot compare indexes on expressions in SQLite: compare their names
        on_disk = {
            name
            for (name,) in con.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
    store.close()
    assert diff == []
    described = {ix.name for table in Base.metadata.tables.values() for ix in table.indexes}
    assert described <= on_disk, described - on_disk


def test_a_database_at_the_second_schema_gains_the_casework_tables(db_path):
    s = open_store(db_path)
    s.close()
    downgrade(db_path, "0002")
    con = database.connect(db_path)
    columns = {r[1] for r in con.execute("PRAGMA table_info(contact)")}
    con.close()
    assert "import_key" not in columns
    open_store(db_path).close()
    con = database.connect(db_path)
    columns = {r[1] for r in con.execute("PRAGMA table_info(contact)")}
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert {"place_id", "import_key"} <= columns
    assert {"sara_plan", "intervention", "risk_assessment", "intake_draft"} <= tables


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_database_and_its_write_ahead_log_are_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "hub.sqlite3"
        s = open_store(path)
        setup.configure(s, "Carlisle", "Civic Centre")  # a write: the log fills
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode)
            for p in path.parent.iterdir()
            if p.name.startswith("hub.sqlite3")
        }
        s.close()
    finally:
        os.umask(old)
    assert "hub.sqlite3-wal" in modes or "hub.sqlite3-shm" in modes
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_readable_log_left_by_an_older_version_is_tightened_on_open(db_path):
    s = open_store(db_path)
    setup.configure(s, "Carlisle", "Civic Centre")
    wal = db_path.with_name(db_path.name + "-wal")
    os.chmod(wal, 0o644)
    s2 = open_store(db_path)
    assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    s2.close()
    s.close()
