"""A station is a trust boundary: what one station's own PostgreSQL login can do to the others.

The attacker holds exactly what a stolen or misused station PC holds: its own station role's
address and password (password authentication, scram-sha-256, over TCP), and its own
database file with its key. Every attack below was reproduced against the central schema
before revision c0006. Each test asserts two things: the server refused it (or it had no
effect), and the victim hub's station, after a full sync, is exactly as before in its cases,
people, contacts, notes, accounts, hub and station rows, as is central's copy of them.

Carlisle is the victim hub, Barrow the attacking one, Copeland a hub Carlisle shares a case
with.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb
from syncutil import Station, assert_replica_equals_central

from hubapp.store import accounts
from hubapp.store.accounts import AccountDraft
from hubapp.store.database import connect
from hubapp.store.refdata import ref_id
from hubapp.store.schema import CasePerson, Contact, Person
from hubapp.sync import central as central_mod
from hubapp.sync import inbound
from hubapp.sync.central import CentralError
from hubapp.sync.share import share_case, unshare_case

CAR = central_mod.find_hub("CAR")[0]
BAR = central_mod.find_hub("BAR")[0]
COP = central_mod.find_hub("COP")[0]
#: the station tables that must never change under another hub's attack
PROTECTED = ("case_", "person", "case_person", "contact", "note", "assignment", "action",
             "staff_account", "hub", "station")  # fmt: skip
PHONE = "07700 900123"
SECRET_ADDRESS = "Flat 2, 14 Warwick Road"


def _dump(st: Station) -> dict[str, list[tuple]]:
    """Every row of the protected tables, value for value (through the station's key)."""
    con = connect(st.path, read_only=True)
    try:
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in PROTECTED}  # fmt: skip
    finally:
        con.close()


def _central_of(admin_url: str, hub: uuid.UUID) -> dict:
    """Central's records of one hub, with their owner, case and version (as the administrator)."""
    with psycopg.connect(admin_url) as c:
        return {r[0]: r[1:] for r in c.execute(
            "SELECT id, tbl, hub_id, case_id, fields, version FROM record WHERE hub_id = %s",
            (hub,))}  # fmt: skip


def _op(tbl: str, row, kind: str = "update", **fields) -> dict:
    row = row.hex if isinstance(row, uuid.UUID) else row
    return {"op": uuid.uuid4().hex, "tbl": tbl, "row": row, "kind": kind, "fields": fields}


def _push(url: str, *ops) -> dict:
    with psycopg.connect(url, autocommit=True) as c:
        return c.execute("CALL hubapp_push(%s, NULL)", (Jsonb(list(ops)),)).fetchone()[0]


def _reasons(result: dict) -> list[str]:
    return [why for _op_id, why in result["refused"]]


class World:
    """Carlisle with a shared case (a locked-down victim, a contact, a note) and a private
    one, an administrator account on Carlisle's station, Copeland receiving the share, and
    Barrow, the attacker; every station synced."""

    def __init__(self, stations, admin_url: str) -> None:
        self.admin = admin_url
        self.car = stations("Carlisle", "Civic Centre")
        self.cop = stations("Copeland", "Whitehaven")
        self.bar = stations("Barrow", "Barrow Police Station")
        accounts.create_account(self.car.store, AccountDraft("admin", "Ada Admin", "administrator"),
                                "correct horse battery staple")  # fmt: skip
        self.shared = self.car.new_case("Harassment on Warwick Road")
        self.private = self.car.new_case("Carlisle only: youths in the park")
        with self.car.store.write(reason="test") as s:
            victim = Person(id=uuid.uuid4(), full_name="Jane Victim", phone=PHONE,
                            address=SECRET_ADDRESS, date_of_birth=date(1980, 2, 3),
                            locked_down=True)  # fmt: skip
            s.add(victim)
            s.flush()
            s.add(CasePerson(id=uuid.uuid4(), case_id=self.shared, person_id=victim.id,
                             role="victim"))  # fmt: skip
            contact = Contact(id=uuid.uuid4(), case_id=self.private,
                              channel_id=ref_id("channel", "call_101"),
                              received_at=datetime(2026, 11, 2, 9, 30), summary="Second call")  # fmt: skip
            s.add(contact)
            self.victim, self.contact = victim.id, contact.id
        self.note = self.car.note(self.shared, "Visited the victim")
        self.bar_case = self.bar.new_case("Barrow's own case")
        self.bar_note = self.bar.note(self.bar_case, "Barrow's own note")
        for st in (self.car, self.cop, self.bar):
            st.sync()
        share_case(self.car.url, self.shared, "Copeland")
        self.cop.sync()
        self.before = _dump(self.car)
        self.central_before = _central_of(admin_url, CAR)

    def assert_carlisle_untouched(self) -> None:
        """After a full sync of every station, Carlisle is exactly as before, here and
        centrally."""
        for st in (self.bar, self.cop, self.car):
            st.sync()
        assert _dump(self.car) == self.before
        assert _central_of(self.admin, CAR) == self.central_before
        assert_replica_equals_central(self.car)


@pytest.fixture
def world(stations, central):
    return World(stations, central)


@pytest.fixture(scope="module")
def one_world(pg_server, tmp_path_factory):
    """One world for the attacks that must change nothing (each still checks that): built
    once for all of them instead of once each."""
    from hubapp.sync import central as central_setup

    admin = pg_server.new_database()
    central_setup.init(admin)
    folder = tmp_path_factory.mktemp("one_world")
    made: list[Station] = []

    def make(hub: str, name: str) -> Station:
        made.append(Station(folder, admin, hub, name))
        return made[-1]

    yield World(make, admin)
    for st in made:
        st.close()


# --- the login is what it says ---------------------------------------------------------------


def test_stations_sign_in_with_a_password_over_scram(one_world):
    world = one_world
    with psycopg.connect(world.admin) as c:
        methods = {r[0] for r in c.execute(
            "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host'")}  # fmt: skip
    assert methods == {"scram-sha-256"}
    wrong = world.bar.url.replace("@127.0.0.1", "x@127.0.0.1", 1)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong)


# --- 1 and 5: no direct write on any central table ---------------------------------------------


DIRECT = [
    # the exact statement of the finding: a forged change addressed to Carlisle
    "INSERT INTO change (tbl, row_id, hub_id, audience_hub, kind, fields) VALUES ('case_',"
    " '{shared}', hubapp_my_hub(), '{car}', 'update', '{{\"summary\": \"x\", \"status\": \"closed\"}}')",
    "INSERT INTO change (tbl, row_id, hub_id, audience_hub, kind, fields) VALUES ('hub', '{car}',"
    " hubapp_my_hub(), '{car}', 'update', '{{\"name\": \"Renamed\"}}')",
    "INSERT INTO change (tbl, row_id, hub_id, audience_hub, kind, fields) VALUES ('contact',"
    " '{contact}', hubapp_my_hub(), '{car}', 'forget', '{{}}')",
    "INSERT INTO change (tbl, row_id, hub_id, audience_hub, kind, fields) VALUES"
    " ('staff_account', '00000000000000000000000000000001', hubapp_my_hub(), '{car}', 'conflict',"
    ' \'{{"field": "password_hash", "kept": "x"}}\')',
    "UPDATE record SET hub_id = hubapp_my_hub() WHERE hub_id <> hubapp_my_hub()",
    'UPDATE record SET fields = fields || \'{{"full_name": "HIJACKED"}}\'',
    "UPDATE change SET fields = '{{}}'",
    "DELETE FROM record",
    "INSERT INTO record (id, tbl, hub_id, refs, foreign_refs, fields) VALUES"
    " (gen_random_uuid(), 'case_person', hubapp_my_hub(), ARRAY['{victim}'::uuid], true, '{{}}')",
    "INSERT INTO case_share (case_id, hub_id, owner_hub) VALUES ('{shared}', hubapp_my_hub(),"
    " hubapp_my_hub())",
    "DELETE FROM case_share",
    "INSERT INTO conflict (id, tbl, row_id, field) VALUES (gen_random_uuid(), 'case_',"
    " '{shared}', 'summary')",
    "INSERT INTO push_ledger (station_id, op_id) VALUES (hubapp_my_station(), gen_random_uuid())",
    "UPDATE hub_station SET hub_id = '{car}'",
    "SELECT * FROM record",
    "SELECT * FROM change",
    "SELECT * FROM conflict",
    "SELECT 1 FROM change_serial FOR UPDATE",
    "SELECT 1 FROM case_share FOR UPDATE",
    "LOCK TABLE record IN ACCESS EXCLUSIVE MODE",
    "SELECT hubapp_shared_with('{car}')",
    "SELECT hubapp_seen_refs('{car}')",
    "SELECT hubapp_sees('{car}', '{victim}')",
    "SELECT hubapp_push_one('{{}}', '{car}', hubapp_my_station())",
    "SELECT hubapp_erase_record('{shared}', hubapp_my_station())",
    "SELECT nextval('change_id_seq')",
    "CREATE TEMP TABLE t (x int)",
    "CREATE TABLE public.t (x int)",
    "CREATE FUNCTION public.hubapp_push(ops jsonb) RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "SELECT lo_create(0)",
    "SELECT lo_from_bytea(0, 'x')",
    # attachments' content (central c0009): only through its procedure and its view
    "SELECT * FROM attachment_chunk",
    "DELETE FROM attachment_chunk",
    "INSERT INTO attachment_chunk (attachment_id, seq, data, size) VALUES ('{shared}', 0, 'x', 1)",
    "LOCK TABLE attachment_chunk IN ACCESS EXCLUSIVE MODE",
    "SELECT hubapp_push_chunks_batch(ARRAY['{shared}']::uuid[], ARRAY[0], ARRAY['x'::bytea])",
]


@pytest.mark.parametrize("statement", DIRECT)
def test_a_station_login_cannot_touch_central_tables_directly(one_world, statement):
    world = one_world
    sql = statement.format(shared=world.shared, car=CAR, contact=world.contact,
                           victim=world.victim)  # fmt: skip
    with psycopg.connect(world.bar.url) as c:
        with pytest.raises((psycopg.errors.InsufficientPrivilege,
                            psycopg.errors.UndefinedFunction)):  # fmt: skip
            c.execute(sql)
    world.assert_carlisle_untouched()


def test_the_helpers_that_answered_for_any_hub_are_gone(one_world):
    world = one_world
    with psycopg.connect(world.bar.url) as c:
        for fn in ("hubapp_shared_cases", "hubapp_ref_ids", "hubapp_erase", "hubapp_existing"):
            with pytest.raises(psycopg.errors.UndefinedFunction):
                c.execute(f"SELECT {fn}(%s)", (CAR,))
            c.rollback()


# --- 1, 2, 5: forged pushes through the one write path ------------------------------------------


def _forged(world) -> list[tuple[dict, str]]:
    """(operation, the refusal central must give) for everything Barrow might send."""
    long_text = "x" * 300_000
    return [
        (
            _op(
                "case_",
                world.shared,
                summary=["Harassment on Warwick Road", "closed by Barrow"],
                status=["new", "closed"],
            ),
            "other_hub",
        ),  # fmt: skip
        (_op("case_", world.private, summary=["x", "y"]), "other_hub"),
        (_op("hub", CAR, "insert", name="Renamed"), "table"),
        (_op("contact", world.contact, "erase"), "other_hub"),
        (_op("case_", world.private, "erase"), "other_hub"),
        (
            _op(
                "staff_account",
                "00000000000000000000000000000001",
                "update",
                password_hash=["x", "y"],
            ),
            "table",
        ),  # fmt: skip
        (_op("sync_outbox", uuid.uuid4(), "insert", row_id="x"), "table"),
        (_op("local_setting", uuid.uuid4(), "insert", key="x"), "table"),
        (_op("audit_log", uuid.uuid4(), "insert", reason="x"), "table"),
        (
            _op("case_", uuid.uuid4(), "insert", hub_id=CAR.hex, summary="planted in Carlisle"),
            "other_hub",
        ),
        (
            _op("note", uuid.uuid4(), "insert", case_id=world.private.hex, body="x", author="x"),
            "other_hub",
        ),
        (
            _op(
                "case_person",
                uuid.uuid4(),
                "insert",
                case_id=world.bar_case.hex,
                person_id=world.victim.hex,
                role="victim",
            ),
            "reference",
        ),  # fmt: skip
        (_op("case_", world.bar_case, hub_id=[BAR.hex, CAR.hex]), "fixed"),
        (_op("note", world.bar_note, case_id=[world.bar_case.hex, world.private.hex]), "fixed"),
        (_op("case_", world.bar_case, reference=["x", "CAR-2026-0001"]), "fixed"),
        (_op("case_", world.bar_case, summary=["x", 12345]), "value"),
        (_op("case_", world.bar_case, received_at=["x", "2026-13-45 10:00:00"]), "value"),
        (_op("case_", world.bar_case, category_id=["x", "'; DROP TABLE record; --"]), "value"),
        (_op("case_", world.bar_case, details=["x", long_text]), "value"),
        (_op("case_", world.bar_case, password_hash=["x", "y"]), "field"),
        (_op("case_", world.bar_case, "forget"), "invalid"),
        (_op("case_", world.bar_case, "conflict"), "invalid"),
        (_op("station", uuid.uuid4(), "insert", hub_id=CAR.hex, name="Carlisle 2"), "other_hub"),
        # the casework the law asks for (central c0008): the same rules hold for its tables
        (
            _op(
                "case_review",
                uuid.uuid4(),
                "insert",
                case_id=world.private.hex,
                received_on="2026-11-02",
                decision="not_met",
            ),
            "other_hub",
        ),
        # (a MARAC referral of Carlisle's victim: refused for the person it names first)
        (
            _op(
                "referral",
                uuid.uuid4(),
                "insert",
                case_id=world.private.hex,
                person_id=world.victim.hex,
                pathway="marac",
                referred_on="2026-11-02",
            ),
            "reference",
        ),
        (
            _op(
                "case_review",
                uuid.uuid4(),
                "insert",
                case_id=world.bar_case.hex,
                person_id=world.victim.hex,
                received_on="2026-11-02",
            ),
            "reference",
        ),
        (
            _op(
                "hub_order",
                uuid.uuid4(),
                "insert",
                hub_id=CAR.hex,
                type_code="pspo",
                title="Planted in Carlisle",
            ),
            "other_hub",
        ),
        (
            _op(
                "sharing_agreement",
                uuid.uuid4(),
                "insert",
                hub_id=CAR.hex,
                name="Forged agreement",
                basis="consent",
            ),
            "other_hub",
        ),
        (_op("case_", world.private, hate=["no", "yes"]), "other_hub"),
        (_op("case_", world.bar_case, hate=["no", "x" * 5_000]), "value"),
        # evidence and letters (central c0009): the same rules hold for their tables
        (
            _op(
                "attachment",
                uuid.uuid4(),
                "insert",
                case_id=world.private.hex,
                title="Planted evidence",
                sha256="0" * 64,
                size=1,
                chunk_count=1,
            ),
            "other_hub",
        ),  # fmt: skip
        (
            _op(
                "attachment",
                uuid.uuid4(),
                "insert",
                case_id=world.bar_case.hex,
                contact_id=world.contact.hex,
                title="Carlisle's contact's photo",
            ),
            "reference",
        ),  # fmt: skip
        (
            _op("attachment", uuid.uuid4(), "insert", case_id=world.bar_case.hex, size="huge"),
            "value",
        ),  # fmt: skip
        (
            _op(
                "letter_template",
                uuid.uuid4(),
                "insert",
                hub_id=CAR.hex,
                name="warning",
                version=1,
                body="Planted in Carlisle",
            ),
            "other_hub",
        ),  # fmt: skip
        (
            _op(
                "communication",
                uuid.uuid4(),
                "insert",
                case_id=world.private.hex,
                method="letter",
                subject="Sent in Carlisle's name",
            ),
            "other_hub",
        ),  # fmt: skip
        (
            _op(
                "communication",
                uuid.uuid4(),
                "insert",
                case_id=world.bar_case.hex,
                person_id=world.victim.hex,
                method="letter",
            ),
            "reference",
        ),  # fmt: skip
        (_op("sync_conflict", uuid.uuid4(), "resolve"), None),  # none such: nothing happens
    ]


def test_forged_pushes_are_each_refused_and_never_stop_the_rest(world):
    forged = _forged(world)
    good_note = uuid.uuid4()
    good = _op("note", good_note, "insert", case_id=world.bar_case.hex, author="PCSO",
               body="a real note between forged ones", visibility="shared",
               created_at="2026-12-01 10:00:00.000000", updated_at="2026-12-01 10:00:00.000000",
               voided=0)  # fmt: skip
    ops = [o for o, _why in forged[:10]] + [good] + [o for o, _why in forged[10:]]
    ops += ["not an object", {"op": "short", "row": "x"}, {"tbl": "case_"}]
    result = _push(world.bar.url, *ops)
    got = dict(result["refused"])
    for o, why in forged:
        if why is None:
            assert o["op"] not in got
        else:
            assert got.get(o["op"]) == why, (o["tbl"], o["kind"], got.get(o["op"]))
    assert result["applied"] == 2  # the good note, and the resolve of nothing
    assert sum(1 for op_id, why in result["refused"] if op_id is None and why == "invalid") == 2
    world.bar.sync()
    assert any(k == ("note", good_note.hex) for k in _central_rows(world.bar))
    world.assert_carlisle_untouched()


def _central_rows(st: Station) -> set[tuple[str, str]]:
    with psycopg.connect(st.url) as c:
        return {(t, i.hex) for t, i in c.execute("SELECT tbl, id FROM station_record")}


def test_a_push_larger_than_the_bound_is_refused_whole(world):
    ops = [_op("note", uuid.uuid4(), "insert", case_id=world.bar_case.hex, body="x")
           for _ in range(501)]  # fmt: skip
    with pytest.raises(psycopg.errors.ProgramLimitExceeded):
        _push(world.bar.url, *ops)
    with psycopg.connect(world.admin) as c:
        assert (
            c.execute("SELECT count(*) FROM record WHERE fields ->> 'body' = 'x'").fetchone()[0]
            == 0
        )


# --- 6: no station can stall the others ---------------------------------------------------------


def _hold(url: str, statements: list[tuple], seconds: float) -> threading.Thread:
    """Run ``statements`` (SQL and parameters) in one transaction as ``url``'s role and keep
    the transaction open for ``seconds``."""
    ready = threading.Event()

    def run():
        with psycopg.connect(url) as c:
            for sql, params in statements:
                try:
                    c.execute(sql, params)
                except psycopg.Error:
                    pass  # the transaction is aborted: whatever it held is released
            ready.set()
            time.sleep(seconds)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    return thread


def _timed_sync(st: Station) -> float:
    started = time.perf_counter()
    st.sync()
    return time.perf_counter() - started


def test_the_old_advisory_lock_holds_nobody_up(world):
    world.car.edit(world.private, summary="Edited while Barrow holds the old lock")
    held = _hold(world.bar.url, [("SELECT pg_advisory_lock(7246873001)", None)], 8)
    assert _timed_sync(world.car) < 4
    held.join()
    assert world.car.pending() == 0


def test_a_push_inside_a_stations_own_transaction_fails_and_holds_nothing(world):
    world.car.edit(world.private, summary="Edited while Barrow keeps a transaction open")
    note = _op("note", uuid.uuid4(), "insert", case_id=world.bar_case.hex, body="held")
    held = _hold(world.bar.url, [("CALL hubapp_push(%s, NULL)", (Jsonb([note]),))], 8)
    assert _timed_sync(world.car) < 4
    held.join()
    world.before, world.central_before = _dump(world.car), _central_of(world.admin, CAR)
    with psycopg.connect(world.bar.url, autocommit=True) as c:
        c.execute("BEGIN")
        with pytest.raises(psycopg.errors.InvalidTransactionTermination):
            c.execute("CALL hubapp_push(%s, NULL)", (Jsonb([note]),))
        c.execute("ROLLBACK")
        # the function the procedure calls refuses to run on its own
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="Call hubapp_push"):
            c.execute("SELECT hubapp_push_batch(%s)", (Jsonb([note]),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="Call hubapp_share"):
            c.execute("SELECT hubapp_share_case(%s, %s, false)", (world.bar_case, COP))
    with psycopg.connect(world.admin) as c:
        assert c.execute("SELECT count(*) FROM record WHERE fields ->> 'body' = 'held'"
                         ).fetchone()[0] == 0  # fmt: skip
    world.assert_carlisle_untouched()


def test_station_roles_have_timeouts_a_connection_limit_and_nothing_to_create(one_world):
    world = one_world
    role = psycopg.conninfo.conninfo_to_dict(world.bar.url)["user"]
    with psycopg.connect(world.admin) as c:
        limit = c.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s",
                          (role,)).fetchone()[0]  # fmt: skip
        settings = c.execute(
            "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
            " WHERE r.rolname = %s", (role,)).fetchone()[0]  # fmt: skip
    assert limit == 6
    assert {"statement_timeout=120s", "lock_timeout=10s",
            "idle_in_transaction_session_timeout=60s"} <= set(settings)  # fmt: skip
    with psycopg.connect(world.bar.url) as c:
        assert c.execute("SHOW lock_timeout").fetchone()[0] == "10s"
    held = [psycopg.connect(world.bar.url) for _ in range(6)]
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections"):
            psycopg.connect(world.bar.url)
    finally:
        for c in held:
            c.close()


# --- 3, 4: shares belong to the owning hub -------------------------------------------------------


def test_another_hub_can_neither_see_nor_take_nor_end_a_share(world):
    with psycopg.connect(world.bar.url) as c:
        assert c.execute("SELECT count(*) FROM case_share").fetchone()[0] == 0
        rows = c.execute("SELECT tbl, fields::text FROM station_record").fetchall()
        assert not any(t != "station" and "Warwick" in f for t, f in rows)
        assert not any(PHONE in f for _t, f in rows)
    for action in (share_case, unshare_case):
        with pytest.raises(CentralError):
            action(world.bar.url, world.shared, "Barrow")
        with pytest.raises(CentralError):
            action(world.bar.url, world.shared, "Copeland")
    assert world.cop.case(world.shared) is not None
    world.cop.sync()
    assert world.cop.case(world.shared) is not None  # Copeland still has its share
    world.assert_carlisle_untouched()


def test_the_receiving_hub_cannot_erase_the_owners_case(world):
    from hubapp import cli

    reference = world.cop.case(world.shared).reference
    # from the command line: refused with the owner's name, nothing erased anywhere
    world.cop.store.close()
    code = cli.main(["--db", str(world.cop.path), "retention", "erase", reference, "--reason",
                     "x", "--yes", "--before-due"])  # fmt: skip
    assert code == 1
    from hubapp.store.database import open_store

    world.cop.store = open_store(world.cop.path)
    assert world.cop.case(world.shared) is not None
    with pytest.raises(CentralError, match="Only the case's own hub"):
        share_case(world.cop.url, world.shared, "Barrow")  # nor can it pass the case on
    # with the station's own file and key: rows deleted behind hubapp's back travel as
    # erasures, which central refuses
    con = connect(world.cop.path)
    try:
        con.execute("DELETE FROM case_person")
        con.execute("DELETE FROM note")
        con.execute("DELETE FROM case_")
        con.commit()
    finally:
        con.close()
    summary = world.cop.sync()
    assert summary.refused >= 3
    with psycopg.connect(world.admin) as c:
        assert c.execute("SELECT count(*) FROM record WHERE id = %s", (world.shared,)
                         ).fetchone()[0] == 1  # fmt: skip
    world.assert_carlisle_untouched()


def test_ending_a_share_revokes_reads_and_writes(world):
    unshare_case(world.car.url, world.shared, "Copeland")
    world.before = _dump(world.car)
    world.central_before = _central_of(world.admin, CAR)
    with psycopg.connect(world.cop.url) as c:
        assert c.execute("SELECT count(*) FROM station_record WHERE case_id = %s",
                         (world.shared,)).fetchone()[0] == 0  # fmt: skip
    result = _push(
        world.cop.url,
        _op("case_", world.shared, summary=["x", "Copeland's edit"]),
        _op("note", uuid.uuid4(), "insert", case_id=world.shared.hex, body="late"),
    )
    assert _reasons(result) == ["not_shared", "not_shared"]
    with pytest.raises(CentralError, match="not one this hub can see"):
        share_case(world.cop.url, world.shared, "Barrow")
    world.cop.sync()
    assert world.cop.case(world.shared) is None
    world.assert_carlisle_untouched()


# --- 7: a locked-down person travels as a name ---------------------------------------------------


def test_a_locked_down_person_reaches_another_hub_as_a_name_only(world):
    con = connect(world.cop.path, read_only=True)
    try:
        row = con.execute("SELECT full_name, phone, address, date_of_birth, email FROM person"
                          " WHERE id = ?", (world.victim.hex,)).fetchone()  # fmt: skip
    finally:
        con.close()
    assert row == ("Jane Victim", "", "", None, "")
    with psycopg.connect(world.cop.url) as c:
        for view in ("station_record", "station_change"):
            text = " ".join(r[0] for r in c.execute(f"SELECT fields::text FROM {view}"))
            assert PHONE not in text and SECRET_ADDRESS not in text and "1980-02-03" not in text
    # Carlisle, the owner, keeps the details, and its edits still reach Copeland
    with world.car.store.write(reason="test") as s:
        s.get(Person, world.victim).full_name = "Jane Victim-Smith"
        s.get(Person, world.victim).phone = "07700 900999"
    world.car.sync(), world.cop.sync()
    con = connect(world.cop.path, read_only=True)
    try:
        assert con.execute("SELECT full_name, phone FROM person WHERE id = ?",
                           (world.victim.hex,)).fetchone() == ("Jane Victim-Smith", "")  # fmt: skip
    finally:
        con.close()


# --- pulled data is input: what a damaged or misused central database could send -----------------


def _forge_log(admin_url: str, *entries) -> None:
    """Write change-log entries addressed to Carlisle as only the administrator can (a log
    from before c0006, or a misused central database)."""
    with psycopg.connect(admin_url) as c:
        for tbl, row, kind, fields in entries:
            c.execute(
                "INSERT INTO change (tbl, row_id, hub_id, audience_hub, kind, fields)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (tbl, row, CAR, CAR, kind, Jsonb(fields)),
            )


def test_a_station_applies_only_what_passes_its_rules_and_goes_on(world, qtbot, qtmodeltester):
    world.car.store.close()
    from hubapp.store.database import open_store

    world.car.store = open_store(world.car.path)
    good_note = uuid.uuid4()
    _forge_log(
        world.admin,
        ("staff_account", uuid.UUID(int=1), "conflict",
         {"id": uuid.uuid4().hex, "field": "password_hash", "kept": "$argon2id$forged"}),
        ("hub", CAR, "update", {"name": "Renamed by a forged entry"}),
        ("local_setting", uuid.uuid4(), "insert", {"key": "station", "value": "x"}),
        ("case_", world.private, "update", {"summary": 12345}),
        ("case_", world.private, "update", {"status": "hacked"}),
        ("case_", world.private, "conflict", {"id": uuid.uuid4().hex, "field": "row_version",
                                              "kept": 1}),
        ("note", uuid.uuid4(), "insert", {"case_id": uuid.uuid4().hex, "body": "orphan",
                                          "author": "x"}),
        ("case_", world.private, "made_up_kind", {}),
        ("note", good_note, "insert", {"case_id": world.private.hex, "author": "Admin",
                                       "body": "a good entry after the bad ones",
                                       "visibility": "shared", "voided": 0,
                                       "created_at": "2026-12-01 10:00:00.000000",
                                       "updated_at": "2026-12-01 10:00:00.000000"}),
    )  # fmt: skip
    summary = world.car.sync()
    assert summary.pulled >= 9
    after = _dump(world.car)
    assert after["staff_account"] == world.before["staff_account"]
    assert after["hub"] == world.before["hub"]
    assert after["case_"] == world.before["case_"]
    (added,) = [r for r in after["note"] if r not in world.before["note"]]
    assert good_note.hex in added
    entries = inbound.open_entries(world.car.store)
    assert len(entries) == 8
    reasons = " | ".join(e.reason for e in entries)
    for words in ("staff_account", "'hub'", "'local_setting'", "summary is not text",
                  "status is not one of its codes", "row_version", "case_id names a case_",
                  "made_up_kind"):  # fmt: skip
        assert words in reasons, words
    assert all("forged" not in e.fields for e in entries)  # names only, never values
    # shown in Tools > Central database
    from hubapp.views.central_dialog import CentralDialog

    dialog = CentralDialog(world.car.store)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.setAsideLoaded, timeout=10_000) as loaded:
        pass
    assert loaded.args == [8]
    qtmodeltester.check(dialog.set_aside_model)
    assert dialog.set_aside_table.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.setAsideLoaded, timeout=10_000) as loaded:
        dialog.dismiss_selected()
    assert loaded.args == [7]


def test_every_pulled_change_is_audited_with_the_station_it_came_from(stations):
    a, b = stations("Carlisle", "Civic Centre"), stations("Carlisle", "Harraby")
    case = a.new_case()
    a.sync(), b.sync()
    a.edit(case, summary="Edited at the Civic Centre")
    note = a.note(case, "A note from the Civic Centre")
    a.sync(), b.sync()
    from hubapp.store.schema import AuditEntry

    with b.store.read() as s:
        entries = [e for e in s.query(AuditEntry).all() if e.reason == "sync: pulled from central"]
    a_station = str(a.store.station_id.hex)
    by = {(e.kind, e.entity): e for e in entries if e.details.get("station") == a_station}
    assert case.hex in by[("alteration", "case_")].record_ids
    assert note.hex in by[("collection", "note")].record_ids
    assert by[("alteration", "case_")].details["station_name"] == "Civic Centre"


def test_a_first_copy_sets_aside_rows_that_break_the_rules(world, stations):
    """Records only an administrator could write now (or a station before c0006) reach a new
    station's first copy as input like any other: the bad ones are set aside, the rest land."""
    bad_case, bad_note, orphan = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(world.admin) as c:
        (base,) = c.execute("SELECT fields FROM record WHERE id = %s", (world.private,)).fetchone()
        note = c.execute("SELECT fields FROM record WHERE tbl = 'note' LIMIT 1").fetchone()[0]
        rows = [
            (bad_case, "case_", bad_case, {**base, "reference": "CAR-2026-9999", "status": "hacked"}),
            (bad_note, "note", world.private, {**note, "case_id": world.private.hex,
                                                "created_at": "yesterday"}),
            (orphan, "case_person", world.private, {"case_id": world.private.hex,
                                                    "person_id": uuid.uuid4().hex,
                                                    "role": "victim", "voided": 0,
                                                    "created_at": note["created_at"],
                                                    "updated_at": note["updated_at"]}),
        ]  # fmt: skip
        for rid, tbl, case, fields in rows:
            c.execute("INSERT INTO record (id, tbl, hub_id, case_id, fields) VALUES"
                      " (%s, %s, %s, %s, %s)", (rid, tbl, CAR, case, Jsonb(fields)))  # fmt: skip
    fresh = stations("Carlisle", "A new PC")
    summary = fresh.sync()
    assert summary.first_copy == "stream"
    assert fresh.case(world.private) is not None and fresh.case(world.shared) is not None
    assert fresh.case(bad_case) is None
    reasons = {e.record.split()[0] + " " + e.reason for e in inbound.open_entries(fresh.store)}
    assert any("status is not valid" in r for r in reasons), reasons
    assert any("created_at is not valid" in r for r in reasons), reasons
    assert any("person_id names a person" in r for r in reasons), reasons
    con = connect(fresh.path, read_only=True)
    try:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        for table, rid in (("note", bad_note), ("case_person", orphan)):
            assert con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (rid.hex,)).fetchone() is None
    finally:
        con.close()


def test_upgrading_central_removes_what_stations_forged_before(pg_server, tmp_path):
    """A central database at c0005 where Barrow's login forged what the finding describes;
    'central init' with this version takes it away and keeps the legitimate rows."""
    from alembic import command
    from sqlalchemy import create_engine

    url = pg_server.new_database()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        command.upgrade(central_mod._alembic(conn), "c0005")
    engine.dispose()
    bar_url = central_mod.add_station(url, "Barrow", "Barrow Police Station").url
    case, share_entry = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url) as c:  # Carlisle's real case, shared with Copeland
        c.execute("INSERT INTO record (id, tbl, hub_id, case_id, fields) VALUES"
                  " (%s, 'case_', %s, %s, %s)", (case, CAR, case, Jsonb({"summary": "real"})))  # fmt: skip
        c.execute("INSERT INTO case_share (case_id, hub_id, owner_hub) VALUES (%s, %s, %s)",
                  (case, COP, CAR))  # fmt: skip
        c.execute("INSERT INTO change (tbl, row_id, hub_id, case_id, audience_hub, kind, fields,"
                  " op_id) VALUES ('case_', %s, %s, %s, %s, 'snapshot', '{}', %s)",
                  (case, CAR, case, COP, share_entry))  # fmt: skip
    with psycopg.connect(bar_url) as c:  # what Barrow's login could do at c0005
        c.execute("SELECT hubapp_register(%s)", (uuid.uuid4(),))
        c.execute("INSERT INTO change (tbl, row_id, hub_id, audience_hub, kind, fields) VALUES"
                  " ('case_', %s, hubapp_my_hub(), %s, 'update', '{\"status\": \"closed\"}')",
                  (case, CAR))  # fmt: skip
        c.execute("INSERT INTO change (tbl, row_id, hub_id, audience_hub, kind, fields) VALUES"
                  " ('staff_account', %s, hubapp_my_hub(), %s, 'conflict', '{}')",
                  (uuid.UUID(int=1), CAR))  # fmt: skip
        c.execute("INSERT INTO case_share (case_id, hub_id, owner_hub) VALUES"
                  " (%s, hubapp_my_hub(), hubapp_my_hub())", (case,))  # fmt: skip
        c.execute(
            "INSERT INTO record (id, tbl, hub_id, fields) VALUES"
            " (gen_random_uuid(), 'staff_account', hubapp_my_hub(), '{}')"
        )
    assert central_mod.init(url) == central_mod.CENTRAL_HEAD
    with psycopg.connect(url) as c:
        assert c.execute("SELECT hub_id FROM case_share").fetchall() == [(COP,)]
        assert c.execute("SELECT op_id FROM change").fetchall() == [(share_entry,)]
        assert c.execute("SELECT tbl FROM record").fetchall() == [("case_",)]
