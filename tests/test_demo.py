"""The demo-data generator, on real SQLite files (no Qt)."""

from __future__ import annotations

import re
import sqlite3
import tomllib
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hubapp import resources
from hubapp.domain import matching
from hubapp.domain.clock import utcnow
from hubapp.store import accounts, audit, setup
from hubapp.store.accounts import AccountDraft
from hubapp.store.casework import case_review
from hubapp.store.database import open_store
from hubapp.store.exchange import demo
from hubapp.store.schema import (
    Action,
    Assignment,
    Attachment,
    AuditEntry,
    Case,
    CaseOrder,
    CasePerson,
    CasePlace,
    CaseReview,
    CaseStatusChange,
    Communication,
    Contact,
    HubAgency,
    HubOrder,
    Intervention,
    InterventionBreach,
    Note,
    Person,
    Place,
    Referral,
    ReviewExplanation,
    ReviewRecommendation,
    SaraPlan,
)

NOW = datetime(2026, 11, 25, 12, 30, 15, 250_000)
CASES = 2_000
MODELS = {
    "place": Place,
    "person": Person,
    "case_": Case,
    "case_place": CasePlace,
    "case_person": CasePerson,
    "contact": Contact,
    "assignment": Assignment,
    "action": Action,
    "note": Note,
    "case_status_change": CaseStatusChange,
    "sara_plan": SaraPlan,
    "intervention": Intervention,
    "intervention_breach": InterventionBreach,
    # issue 17
    "referral": Referral,
    "review_explanation": ReviewExplanation,
    "case_review": CaseReview,
    "review_recommendation": ReviewRecommendation,
    "hub_order": HubOrder,
    "case_order": CaseOrder,
    # issue 18
    "attachment": Attachment,
    "communication": Communication,
}
REFERENCE = re.compile(r"^(COP|ALL|SLK|BAR|CAR|EDN)-(\d{4})-(\d{4,})$")
POSTCODE = re.compile(r"^(CA|LA)\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$")
GRID_REF = re.compile(r"^[A-Z]{2} \d{3} \d{3}$")


def rows(store, sql, *params):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(sql, params).fetchall()


def scalar(store, sql, *params):
    return rows(store, sql, *params)[0][0]


class Leftovers:
    """What each pooled connection still has when it is handed back: TEMP objects, or page
    cache settings other than before (generate() must put its own back)."""

    def __init__(self, store) -> None:
        self.found: list[tuple] = []
        with store.engine.connect() as conn:
            self.before = self._settings(conn.connection.driver_connection)
        event.listen(store.engine, "checkin", self._checkin)

    @staticmethod
    def _settings(dbapi_con) -> tuple[int, int]:
        return (
            dbapi_con.execute("PRAGMA cache_size").fetchone()[0],
            dbapi_con.execute("PRAGMA temp.cache_size").fetchone()[0],
        )

    def _checkin(self, dbapi_con, _record) -> None:
        if dbapi_con is None:
            return
        temp = dbapi_con.execute("SELECT name FROM sqlite_temp_master").fetchall()
        settings = self._settings(dbapi_con)
        cache, temp_cache = self.before
        assert temp_cache in (0, cache)
        # a TEMP database not yet open reports 0; once used it has the main one's size.
        # Either is a connection left as it was found; any other size is a leftover.
        allowed = {(cache, 0), (cache, cache)}
        if temp or settings not in allowed:
            self.found.append((temp, settings))


def schema_objects(store):
    return rows(
        store,
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
        " ORDER BY type, name",
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """One database with 2,000 demo cases, shared by the read-only tests."""
    store = open_store(tmp_path_factory.mktemp("demo") / "hub.db")
    before = schema_objects(store)
    leftovers = Leftovers(store)
    calls = []

    def progress(fraction, message):
        calls.append((fraction, message))
        return True

    summary = demo.generate(store, CASES, seed=11, progress=progress, now=NOW)
    assert leftovers.found == []
    yield store, summary, before, calls
    store.close()


# --- what was made ---------------------------------------------------------------------------


def test_summary_counts_match_the_database_and_the_station_was_set_up(demo_db):
    store, summary, _, calls = demo_db
    assert summary.cases == CASES and not summary.cancelled
    for table in MODELS:
        assert scalar(store, f"SELECT count(*) FROM {table}") == summary.rows[table], table
    assert summary.first_seq == 1 and summary.last_seq == CASES
    assert summary.configured_station == "Whitehaven Police Station (Copeland)"
    info = setup.current(store)
    assert (info.hub_code, info.station_name) == ("COP", "Whitehaven Police Station")
    # every synced row carries all the Synced columns, written by this station
    for table in MODELS:
        bad = scalar(
            store,
            f"SELECT count(*) FROM {table} WHERE row_version != 1 OR voided != 0"
            " OR station_id != ? OR created_at IS NULL OR updated_at IS NULL"
            " OR updated_at < created_at OR length(id) != 32",
            info.station_id.hex,
        )
        assert bad == 0, table
    # progress: from 0 to 1, in order, with something to say
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert all(message for _, message in calls) and len(calls) >= 4
    assert "2,000 cases" in summary.describe() and "Whitehaven" in summary.describe()


def test_rows_per_case_are_in_the_ranges_asked_for(demo_db):
    store, *_ = demo_db
    # (the actions a Case Review recommended come on top: tested below)
    recommended = "id NOT IN (SELECT action_id FROM review_recommendation)"
    per_case = {
        table: dict(
            rows(
                store,
                f"SELECT case_id, count(*) FROM {table}"
                f" WHERE {recommended if table == 'action' else '1'} GROUP BY case_id",
            )
        )
        for table in ("contact", "assignment", "action", "note")
    }
    assert len(per_case["contact"]) == CASES and set(per_case["contact"].values()) == {1, 2, 3, 4}
    assert len(per_case["assignment"]) == CASES
    assert set(per_case["assignment"].values()) == {1, 2, 3, 4}
    assert max(per_case["action"].values()) == 4 and len(per_case["action"]) < CASES
    assert 1.3 < sum(per_case["note"].values()) / CASES < 2.2


def test_some_recurring_people_are_recorded_twice_as_before_people_were_linked(demo_db):
    """A recurring person is sometimes a second row, with a short form of the given name or
    a slip in it and the number written another way: the review of likely duplicates finds
    them, by the reasons it gives."""
    from hubapp.store.casework import merging

    store, *_ = demo_db
    pairs = merging.duplicates(store)
    reasons = {r for p in pairs for r in p.reasons}
    assert len(pairs) > 10 and {"same phone", "similar name in the same street"} <= reasons
    assert any(p.first.phone != p.second.phone and "same phone" in p.reasons for p in pairs)
    assert any(p.first.name != p.second.name for p in pairs)


def test_values_are_stored_exactly_as_sqlalchemy_stores_them(demo_db):
    """Read a sample of every table through the ORM; SQLAlchemy's own bind processing of
    what it read must give back exactly the text that is stored."""
    store, *_ = demo_db
    dialect = store.engine.dialect
    with store.read() as s:
        for table, model in MODELS.items():
            ids = [r[0] for r in rows(store, f"SELECT id FROM {table} ORDER BY random() LIMIT 25")]
            assert ids, table
            for hex_id in ids:
                obj = s.get(model, uuid.UUID(hex=hex_id))
                assert obj is not None and obj.id.version == 4, (table, hex_id)
                raw = rows(store, f"SELECT * FROM {table} WHERE id = ?", hex_id)[0]
                names = [c[1] for c in rows(store, f"PRAGMA table_info({table})")]
                stored = dict(zip(names, raw, strict=True))
                for column in model.__table__.columns:
                    value = getattr(obj, column.key)
                    process = column.type.dialect_impl(dialect).bind_processor(dialect)
                    expected = process(value) if process and value is not None else value
                    assert stored[column.name] == expected, (table, column.name)
                    assert type(stored[column.name]) is type(expected), (table, column.name)


def test_uuid_source_makes_version_4_uuids():
    import random

    source = demo.uuid_hex_source(random.Random(3), chunk=16)
    made = [next(source) for _ in range(100)]  # across several chunks
    assert len(set(made)) == 100
    for text in made:
        u = uuid.UUID(hex=text)
        assert u.hex == text and u.version == 4 and u.variant == uuid.RFC_4122


def test_grid_references():
    assert demo.grid_ref(340_000, 555_900) == "NY 400 559"  # Carlisle
    assert demo.grid_ref(297_500, 518_100) == "NX 975 181"  # Whitehaven
    assert demo.grid_ref(351_500, 492_500) == "SD 515 925"  # Kendal


def test_the_generator_fills_every_column_of_the_schema(monkeypatch):
    demo.check_columns()  # raises if the schema gained a column the generator leaves out
    from hubapp.store.errors import StoreError
    from hubapp.store.exchange import demo_files

    # the files' rows too (issue 18): a column left out is found
    monkeypatch.setattr(demo_files, "_ATTACHMENT", demo_files._ATTACHMENT[1:])
    with pytest.raises(StoreError, match="out of step with the attachment table"):
        demo.check_columns()


# --- agencies and actions ----------------------------------------------------------------------


def test_each_case_has_exactly_one_lead_which_is_its_lead_agency(demo_db):
    store, *_ = demo_db
    leads = dict(
        rows(store, "SELECT case_id, count(*) FROM assignment WHERE role = 'lead' GROUP BY 1")
    )
    assert len(leads) == CASES and set(leads.values()) == {1}
    mismatched = scalar(
        store,
        "SELECT count(*) FROM case_ c JOIN assignment a ON a.case_id = c.id AND a.role = 'lead'"
        " WHERE c.lead_agency_id IS NOT a.agency_id",
    )
    assert mismatched == 0
    assert scalar(store, "SELECT count(DISTINCT role) FROM assignment") == 3
    twice = scalar(
        store,
        "SELECT count(*) FROM (SELECT 1 FROM assignment GROUP BY case_id, agency_id HAVING count(*) > 1)",
    )
    assert twice == 0
    lead_types = Counter(
        t
        for (t,) in rows(
            store,
            "SELECT t.code FROM case_ c JOIN agency a ON a.id = c.lead_agency_id"
            " JOIN agency_type t ON t.id = a.agency_type_id",
        )
    )
    assert lead_types.most_common(1)[0][0] == "police"
    assert lead_types["council"] > CASES / 10 and lead_types["housing"] > CASES / 50


def test_agencies_come_only_from_the_cases_hub(demo_db):
    store, *_ = demo_db
    outside = scalar(
        store,
        "SELECT count(*) FROM assignment a JOIN case_ c ON c.id = a.case_id"
        " WHERE NOT EXISTS (SELECT 1 FROM hub_agency h"
        " WHERE h.hub_id = c.hub_id AND h.agency_id = a.agency_id)",
    )
    assert outside == 0
    for table in ("action", "note"):
        unassigned = scalar(
            store,
            f"SELECT count(*) FROM {table} x WHERE NOT EXISTS (SELECT 1 FROM assignment a"
            " WHERE a.case_id = x.case_id AND a.agency_id = x.agency_id)",
        )
        assert unassigned == 0, table
    informed_owners = scalar(
        store,
        "SELECT count(*) FROM action x JOIN assignment a"
        " ON a.case_id = x.case_id AND a.agency_id = x.agency_id WHERE a.role = 'informed'",
    )
    assert informed_owners == 0  # an informed agency is told, it does not act


def test_open_cases_have_overdue_and_due_soon_actions_and_closed_ones_are_done(demo_db):
    store, *_ = demo_db
    today = NOW.date().isoformat()
    week = (NOW.date() + timedelta(days=7)).isoformat()
    open_actions = "FROM action a JOIN case_ c ON c.id = a.case_id WHERE c.status != 'closed'"
    live = "a.status IN ('open', 'in_progress')"
    overdue = scalar(store, f"SELECT count(*) {open_actions} AND {live} AND a.due_on < ?", today)
    due_soon = scalar(
        store,
        f"SELECT count(*) {open_actions} AND {live} AND a.due_on BETWEEN ? AND ?",
        today,
        week,
    )
    assert overdue > 20 and due_soon > 20
    closed = dict(
        rows(
            store,
            "SELECT a.status, count(*) FROM action a JOIN case_ c ON c.id = a.case_id"
            " WHERE c.status = 'closed' GROUP BY 1",
        )
    )
    assert set(closed) <= {"done", "cancelled"} and closed["done"] > 4 * closed.get("cancelled", 0)
    # done means a completion date and an outcome; nothing else has a completion date
    assert (
        scalar(
            store,
            "SELECT count(*) FROM action WHERE status = 'done' AND (completed_on IS NULL OR outcome = '')",
        )
        == 0
    )
    assert (
        scalar(
            store, "SELECT count(*) FROM action WHERE status != 'done' AND completed_on IS NOT NULL"
        )
        == 0
    )
    assert (
        scalar(
            store,
            "SELECT count(*) FROM action a JOIN case_ c ON c.id = a.case_id WHERE a.completed_on > c.closed_on",
        )
        == 0
    )
    owners = [o for (o,) in rows(store, "SELECT DISTINCT owner FROM action")]
    assert any(o.startswith("PCSO ") for o in owners) and any(
        o.startswith("ASB Officer ") for o in owners
    )
    assert all(re.fullmatch(r"[A-Za-z&' ]+ [A-Z]\. [A-Z][\w' -]+", o) for o in owners), owners


# --- references --------------------------------------------------------------------------------


def test_references_are_per_hub_and_year_in_received_order(demo_db):
    store, *_ = demo_db
    numbers = defaultdict(list)
    for reference, received, code in rows(
        store,
        "SELECT c.reference, c.received_at, h.code FROM case_ c JOIN hub h ON h.id = c.hub_id"
        " ORDER BY c.seq",
    ):
        m = REFERENCE.match(reference)
        assert m and m.group(1) == code and m.group(2) == received[:4], reference
        numbers[(code, m.group(2))].append(int(m.group(3)))
    for key, got in numbers.items():
        assert got == list(range(1, len(got) + 1)), key  # no gaps, in received (seq) order
    counters = {
        (code, year): last
        for code, year, last in rows(
            store,
            "SELECT h.code, r.year, r.last FROM reference_counter r JOIN hub h ON h.id = r.hub_id",
        )
    }
    assert counters == {(code, int(year)): len(got) for (code, year), got in numbers.items()}
    received = [r for (r,) in rows(store, "SELECT received_at FROM case_ ORDER BY seq")]
    assert received == sorted(received)


def test_a_second_run_adds_cases_and_continues_the_numbering(tmp_path):
    store = open_store(tmp_path / "hub.db")
    setup.configure(store, "Carlisle", "Carlisle Civic Centre")
    first = demo.generate(store, 300, seed=5, now=NOW)
    assert first.configured_station is None  # it was set up already
    places = scalar(store, "SELECT count(*) FROM place")
    old_refs = {r for (r,) in rows(store, "SELECT reference FROM case_")}
    second = demo.generate(store, 300, seed=6, now=NOW + timedelta(hours=1))
    assert (second.first_seq, second.last_seq) == (301, 600)
    assert "place" not in second.rows  # the places are reused, not repeated
    assert scalar(store, "SELECT count(*) FROM place") == places
    refs = [r for (r,) in rows(store, "SELECT reference FROM case_")]
    assert len(refs) == len(set(refs)) == 600 and old_refs < set(refs)
    numbers = defaultdict(list)
    for (reference,) in rows(store, "SELECT reference FROM case_ ORDER BY seq"):
        code, year, number = REFERENCE.match(reference).groups()
        numbers[(code, year)].append(int(number))
    for key, got in numbers.items():
        assert sorted(got) == list(range(1, len(got) + 1)), key
    # the counters the app allocates from are past every reference used
    counters = {
        (code, str(year)): last
        for code, year, last in rows(
            store,
            "SELECT h.code, r.year, r.last FROM reference_counter r JOIN hub h ON h.id = r.hub_id",
        )
    }
    assert counters == {key: max(got) for key, got in numbers.items()}
    store.close()


# --- search, schema and audit ----------------------------------------------------------------


def test_full_text_search_finds_kendal_in_south_lakeland(demo_db):
    store, *_ = demo_db
    hits = rows(
        store,
        "SELECT h.code FROM case_search s JOIN case_ c ON c.seq = s.rowid"
        " JOIN hub h ON h.id = c.hub_id WHERE case_search MATCH 'kendal'",
    )
    assert scalar(store, "SELECT count(*) FROM case_search WHERE case_search MATCH 'kendal'") > 0
    assert len(hits) > 0 and {code for (code,) in hits} == {"SLK"}
    with store.engine.connect() as conn:  # the index agrees with the table, row for row
        conn.exec_driver_sql("INSERT INTO case_search (case_search) VALUES ('integrity-check')")
    reference = scalar(store, "SELECT reference FROM case_ WHERE seq = 1234")
    found = scalar(
        store, f"SELECT rowid FROM case_search WHERE case_search MATCH '\"{reference}\"'"
    )
    assert found == 1234


def test_triggers_and_indexes_are_put_back_exactly(demo_db):
    store, _, before, _ = demo_db
    assert schema_objects(store) == before
    assert {name for _, name, *_ in before} >= {"case_search_ai", "ix_contact_case_id"}
    # the full-text trigger works again for a case made afterwards (rolled back after)
    with Session(store.engine) as s:
        s.add(
            Case(
                id=uuid.uuid4(), seq=CASES + 1, reference="SLK-2026-9999",
                hub_id=uuid.UUID(hex=scalar(store, "SELECT id FROM hub WHERE code = 'SLK'")),
                category_id=uuid.UUID(hex=scalar(store, "SELECT id FROM category LIMIT 1")),
                channel_id=uuid.UUID(hex=scalar(store, "SELECT id FROM channel LIMIT 1")),
                summary="Zebrafinch sighting on Stricklandgate", received_at=NOW,
                opened_on=NOW.date(),
            )
        )  # fmt: skip
        s.flush()
        hit = s.connection().exec_driver_sql(
            "SELECT rowid FROM case_search WHERE case_search MATCH 'zebrafinch'"
        )
        assert hit.scalar() == CASES + 1
        s.rollback()


def test_audit_has_one_entry_per_table_and_the_chain_holds(demo_db):
    store, summary, _, _ = demo_db
    with store.read() as s:
        entries = list(
            s.scalars(
                select(AuditEntry).where(AuditEntry.reason == "demo data").order_by(AuditEntry.id)
            )
        )
        assert [e.entity for e in entries] == list(summary.rows)
        for e in entries:
            assert e.kind == "collection" and e.record_ids == []
            assert e.details == {"demo": True, "seed": 11, "count": summary.rows[e.entity]}
        assert audit.verify_chain(s) is None
    assert scalar(store, "SELECT count(*) FROM audit_log") < 40  # not one per record


# --- realism -----------------------------------------------------------------------------------


def test_cases_spread_over_hubs_places_channels_and_time_like_real_ones(demo_db):
    store, *_ = demo_db
    by_hub = Counter(
        dict(
            rows(
                store,
                "SELECT h.code, count(*) FROM case_ c JOIN hub h ON h.id = c.hub_id GROUP BY 1",
            )
        )
    )
    assert set(by_hub) == {"COP", "ALL", "SLK", "BAR", "CAR"}  # Eden is not active yet
    assert [code for code, _ in by_hub.most_common(2)] == ["CAR", "BAR"]
    channels = Counter(
        dict(
            rows(
                store,
                "SELECT ch.code, count(*) FROM case_ c JOIN channel ch ON ch.id = c.channel_id GROUP BY 1",
            )
        )
    )
    assert {code for code, _ in channels.most_common(2)} == {"call_101", "online_form"}
    assert len(channels) == 8
    assert scalar(store, "SELECT count(DISTINCT category_id) FROM case_") == 11
    # places in the right towns, with real postcode districts and well-formed postcodes
    with resources.path("demo", "places.toml").open("rb") as fh:
        towns = {
            (code, t["name"]): t["districts"]
            for code, hub in tomllib.load(fh)["hub"].items()
            for t in hub["town"]
        }
    for code, town, postcode, grid in rows(
        store,
        "SELECT h.code, c.town, c.postcode, c.grid_ref FROM case_ c JOIN hub h ON h.id = c.hub_id",
    ):
        assert POSTCODE.match(postcode) and GRID_REF.match(grid), (postcode, grid)
        assert postcode.split()[0] in towns[(code, town)], (code, town, postcode)
    kendal = scalar(
        store, "SELECT count(*) FROM case_ WHERE town = 'Kendal' AND postcode LIKE 'LA9 %'"
    )
    assert kendal > 0
    # summaries vary and read like reports
    summaries = [s for (s,) in rows(store, "SELECT summary FROM case_")]
    assert len(set(summaries)) > CASES * 0.8
    assert all(s[0].isupper() and "{" not in s and len(s) <= 200 for s in summaries)
    details = [d for (d,) in rows(store, "SELECT details FROM case_")]
    assert all(d.startswith(s) and "{" not in d for s, d in zip(summaries, details, strict=True))
    # dates: two years up to now; reported after it happened; contacts after the case
    first, last = rows(store, "SELECT min(received_at), max(received_at) FROM case_")[0]
    assert first >= str(NOW - timedelta(days=731)) and last <= str(NOW)
    assert datetime.fromisoformat(last) > NOW - timedelta(days=3)
    assert scalar(store, "SELECT count(*) FROM case_ WHERE incident_at >= received_at") == 0
    assert scalar(store, "SELECT count(*) FROM case_ WHERE incident_at IS NULL") > 0
    early = scalar(
        store,
        "SELECT count(*) FROM contact t JOIN case_ c ON c.id = t.case_id WHERE t.received_at < c.received_at",
    )
    assert early == 0
    first_contacts = scalar(
        store,
        "SELECT count(*) FROM contact t JOIN case_ c ON c.id = t.case_id"
        " WHERE t.received_at = c.received_at AND t.channel_id = c.channel_id",
    )
    assert first_contacts == CASES
    assert scalar(store, "SELECT count(DISTINCT channel_id) FROM contact") == 8
    anonymous = scalar(
        store, "SELECT count(*) FROM contact WHERE anonymous = 1 AND reporter_person_id IS NULL"
    )
    assert anonymous > 0
    assert (
        scalar(
            store,
            "SELECT count(*) FROM contact WHERE anonymous = 1 AND reporter_person_id IS NOT NULL",
        )
        == 0
    )
    assert scalar(store, "SELECT max(updated_at) FROM case_") <= str(NOW)


def test_status_risk_and_review_dates_hang_together(demo_db):
    store, *_ = demo_db
    statuses = Counter(dict(rows(store, "SELECT status, count(*) FROM case_ GROUP BY 1")))
    assert set(statuses) == {"new", "triaged", "in_progress", "under_review", "closed", "reopened"}
    old = str(NOW - timedelta(days=180))
    old_closed, old_all = rows(
        store, "SELECT sum(status = 'closed'), count(*) FROM case_ WHERE received_at < ?", old
    )[0]
    assert old_closed > 0.9 * old_all
    checks = {
        "closed without date, outcome or rationale": "status = 'closed' AND (closed_on IS NULL OR outcome = '' OR closure_rationale = '')",
        "closed_on on an open case": "status != 'closed' AND closed_on IS NOT NULL",
        "closed before opened": "closed_on < opened_on",
        "opened on another day than received": "opened_on != substr(received_at, 1, 10)",
        "review date on a closed case": "status = 'closed' AND next_review_on IS NOT NULL",
        "open medium/high risk without a review date": "status != 'closed' AND risk_level != 'standard' AND next_review_on IS NULL",
        "closed case not at assessment": "status = 'closed' AND sara_stage != 'assessment'",
        "new case past scanning": "status = 'new' AND sara_stage != 'scanning'",
    }
    for problem, where in checks.items():
        assert scalar(store, f"SELECT count(*) FROM case_ WHERE {where}") == 0, problem
    risks = Counter(dict(rows(store, "SELECT risk_level, count(*) FROM case_ GROUP BY 1")))
    assert risks["standard"] > risks["medium"] > risks["high"] > 0
    priorities = Counter(dict(rows(store, "SELECT priority, count(*) FROM case_ GROUP BY 1")))
    assert set(priorities) == {"normal", "high"} and priorities["normal"] > priorities["high"]
    # review dates: 28 days (medium) or 14 days (high) after a recent review
    for risk, due, opened in rows(
        store,
        "SELECT risk_level, next_review_on, opened_on FROM case_ WHERE next_review_on IS NOT NULL",
    ):
        days = 28 if risk == "medium" else 14
        review = datetime.fromisoformat(due) - timedelta(days=days)
        assert str(review.date()) >= opened and review <= NOW, (risk, due, opened)


def test_people_are_varied_some_recur_and_some_are_locked_down(demo_db):
    store, *_ = demo_db
    names = [n for (n,) in rows(store, "SELECT full_name FROM person")]
    assert len(set(names)) > len(names) * 0.5
    assert sum(not n.isascii() for n in names) > len(names) * 0.03
    assert any(ch in "".join(names) for ch in "ŁłąęőőễẫđŠšČč")
    roles = Counter(dict(rows(store, "SELECT role, count(*) FROM case_person GROUP BY 1")))
    assert {"victim", "complainant", "witness", "alleged_perpetrator", "reporter"} <= set(roles)
    locked = scalar(store, "SELECT count(*) FROM person WHERE locked_down = 1")
    assert 0 < locked < len(names) * 0.1
    repeat_victims = scalar(
        store,
        "SELECT count(*) FROM (SELECT person_id FROM case_person WHERE role = 'victim'"
        " GROUP BY person_id HAVING count(DISTINCT case_id) >= 3)",
    )
    prolific = scalar(
        store,
        "SELECT count(*) FROM (SELECT person_id FROM case_person WHERE role = 'alleged_perpetrator'"
        " GROUP BY person_id HAVING count(DISTINCT case_id) >= 3)",
    )
    assert repeat_victims > 0 and prolific > 0
    # demo contact details can reach no one (numbers from Ofcom's ranges for drama, written
    # in the ways people write them)
    for phone, email in rows(
        store, "SELECT phone, email FROM person WHERE phone != '' OR email != ''"
    ):
        assert phone == "" or re.fullmatch(r"\+44(7700900|1632960)\d{3}", matching.phone_key(phone))
        assert email == "" or re.fullmatch(r"[a-z0-9.]+@example\.(com|org|net|co\.uk)", email)
    # a place manager is tied to the place
    assert (
        scalar(
            store,
            "SELECT count(*) FROM case_person WHERE role = 'place_manager' AND place_id IS NULL",
        )
        == 0
    )


# --- determinism and cancelling -------------------------------------------------------------


def _content(store):
    """Every demo row. Each database gives its reference data (hubs, agencies, categories,
    channels) and its station ids of its own, so those are replaced by their codes."""
    codes = {"station": "station"}
    for table in ("hub", "agency", "agency_type", "category", "channel"):
        codes.update(
            {i: f"{table}:{code}" for i, code in rows(store, f"SELECT id, code FROM {table}")}
        )
    codes.update({i: "station" for (i,) in rows(store, "SELECT id FROM station")})
    out = {}
    for table in MODELS:
        found = rows(store, f"SELECT * FROM {table} ORDER BY id")
        out[table] = [tuple(codes.get(v, v) if isinstance(v, str) else v for v in r) for r in found]
    return out


def test_same_seed_same_data_and_another_seed_other_data(tmp_path):
    stores = [open_store(tmp_path / f"{name}.db") for name in ("a", "b", "c")]
    a = demo.generate(stores[0], 400, seed=42, now=NOW)
    b = demo.generate(stores[1], 400, seed=42, now=NOW)
    c = demo.generate(stores[2], 400, seed=43, now=NOW)
    assert a == b and a.seconds != 0 and c.cases == 400
    refs = [[r for (r,) in rows(s, "SELECT reference FROM case_ ORDER BY seq")] for s in stores]
    assert refs[0] == refs[1] != refs[2]
    content = [_content(s) for s in stores]
    assert content[0] == content[1]
    assert content[0]["case_"] != content[2]["case_"]
    # the files too, byte for byte (pictures and letters made again the same)
    chunks = [rows(s, "SELECT attachment_id, part, seq, data FROM attachment_chunk "
                      "ORDER BY attachment_id, part, seq") for s in stores]  # fmt: skip
    assert chunks[0] == chunks[1] != chunks[2] and chunks[0]
    for s in stores:
        s.close()


def test_cancelling_keeps_nothing(tmp_path):
    store = open_store(tmp_path / "hub.db")
    setup.configure(store, "South Lakeland", "Kendal Police Station")
    before = schema_objects(store)
    audit_rows = scalar(store, "SELECT count(*) FROM audit_log")
    leftovers = Leftovers(store)
    seen = []

    def progress(fraction, message):
        seen.append(message)
        return len(seen) < 3  # stop after the first batch has gone in

    summary = demo.generate(store, 3 * demo.BATCH_CASES, seed=1, progress=progress, now=NOW)
    assert summary.cancelled and summary.cases == 0 and summary.rows == {}
    assert "cancelled" in summary.describe()
    for table in [*MODELS, "reference_counter"]:
        assert scalar(store, f"SELECT count(*) FROM {table}") == 0, table
    assert scalar(store, "SELECT count(*) FROM case_search") == 0
    assert scalar(store, "SELECT count(*) FROM audit_log") == audit_rows
    assert schema_objects(store) == before
    assert leftovers.found == []
    # and the database is as good as before
    again = demo.generate(store, 50, seed=1, now=NOW)
    assert again.cases == 50 and scalar(store, "SELECT count(*) FROM case_") == 50
    store.close()


@pytest.mark.parametrize("where", ["making rows", "moving rows"])
def test_a_failure_half_way_keeps_nothing(tmp_path, monkeypatch, where):
    store = open_store(tmp_path / "hub.db")
    setup.configure(store, "Barrow", "Barrow Police Station")
    before = schema_objects(store)
    leftovers = Leftovers(store)
    calls = Counter()

    def failing(original, after):
        def wrapper(*args, **kwargs):
            calls[where] += 1
            if calls[where] > after:
                raise sqlite3.IntegrityError(f"failure while {where}")
            return original(*args, **kwargs)

        return wrapper

    if where == "making rows":  # on the calling thread, in the middle of a batch
        monkeypatch.setattr(demo._Generator, "case", failing(demo._Generator.case, 2_500))
    else:  # on the helper thread, after the first batch went in
        monkeypatch.setattr(demo._Mover, "_move", failing(demo._Mover._move, 1))
    with pytest.raises(sqlite3.IntegrityError, match=where):
        demo.generate(store, 3 * demo.BATCH_CASES, seed=1, now=NOW)
    for table in [*MODELS, "reference_counter"]:
        assert scalar(store, f"SELECT count(*) FROM {table}") == 0, table
    assert schema_objects(store) == before
    assert leftovers.found == []
    store.close()


def test_cancelling_before_starting_writes_nothing_at_all(tmp_path):
    store = open_store(tmp_path / "hub.db")
    summary = demo.generate(store, 10, progress=lambda f, m: False)
    assert summary.cancelled and setup.current(store) is None
    store.close()


def test_default_now_is_the_clock(tmp_path):
    store = open_store(tmp_path / "hub.db")
    demo.generate(store, 200, seed=2)
    now = utcnow()
    first, last = rows(store, "SELECT min(received_at), max(received_at) FROM case_")[0]
    assert now - timedelta(days=731) < datetime.fromisoformat(first)
    assert now - timedelta(days=30) < datetime.fromisoformat(last) <= now
    assert scalar(store, "SELECT max(updated_at) FROM case_") <= str(now)
    store.close()


def test_the_same_seed_twice_on_one_database_adds_more_cases(tmp_path):
    from hubapp.store.database import open_store

    s = open_store(tmp_path / "training.sqlite3")
    first = demo.generate(s, 150, seed=5)
    second = demo.generate(s, 40, seed=5)
    assert (first.cases, second.cases) == (150, 40)
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM case_").scalar() == 190
        assert conn.exec_driver_sql("SELECT count(DISTINCT id) FROM person").scalar() == (
            conn.exec_driver_sql("SELECT count(*) FROM person").scalar()
        )
    s.close()


def test_demo_data_never_goes_into_a_database_with_real_cases(store):
    from casework import new_case

    from hubapp.store.errors import StoreError

    new_case(store)
    with pytest.raises(
        StoreError, match="holds real cases; demo data goes only into a new database"
    ):
        demo.generate(store, 10)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM case_").scalar() == 1


def test_casework_rows_hang_together(demo_db):
    """Status history, SARA plans, interventions and contact places (issue 3)."""
    store, summary, *_ = demo_db
    for table in ("case_status_change", "sara_plan", "intervention", "intervention_breach"):
        assert summary.rows[table] > 0, table
    # every contact is at its case's place
    assert (
        scalar(
            store,
            "SELECT count(*) FROM contact c JOIN case_ k ON k.id = c.case_id"
            " WHERE c.place_id IS NOT k.place_id",
        )
        == 0
    )
    # a case's last status change leads to its status; closing says the outcome
    last = rows(
        store,
        "SELECT k.status, h.to_status, k.outcome, h.reason FROM case_ k"
        " JOIN case_status_change h ON h.case_id = k.id WHERE h.changed_at ="
        " (SELECT max(changed_at) FROM case_status_change WHERE case_id = k.id)",
    )
    assert len(last) > 100 and all(status == to for status, to, _o, _r in last)
    assert all(r.startswith("Outcome: ") for s, _t, _o, r in last if s == "closed")
    assert (
        scalar(
            store,
            "SELECT count(*) FROM case_status_change h JOIN case_ k"
            " ON k.id = h.case_id WHERE h.changed_at < k.received_at",
        )
        == 0
    )
    # only recent cases have a history, and no new case has one
    assert (
        scalar(
            store,
            "SELECT count(*) FROM case_status_change h JOIN case_ k"
            " ON k.id = h.case_id WHERE k.status = 'new'",
        )
        == 0
    )
    # plans only past scanning, with the assessment filled only at that stage
    assert (
        scalar(
            store,
            "SELECT count(*) FROM sara_plan p JOIN case_ k ON k.id = p.case_id"
            " WHERE k.sara_stage = 'scanning'",
        )
        == 0
    )
    assert (
        scalar(
            store,
            "SELECT count(*) FROM sara_plan p JOIN case_ k ON k.id = p.case_id"
            " WHERE (p.impact_goal != '') != (k.sara_stage = 'assessment')",
        )
        == 0
    )
    # interventions: against a person of the case or the case's place, never both
    assert (
        scalar(
            store,
            "SELECT count(*) FROM intervention i WHERE"
            " (i.person_id IS NULL) = (i.place_id IS NULL)",
        )
        == 0
    )
    assert (
        scalar(
            store,
            "SELECT count(*) FROM intervention i WHERE i.person_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM case_person p WHERE p.case_id ="
            " i.case_id AND p.person_id = i.person_id)",
        )
        == 0
    )
    assert (
        scalar(
            store,
            "SELECT count(*) FROM intervention i JOIN case_ k ON k.id = i.case_id"
            " WHERE i.place_id IS NOT NULL AND i.place_id != k.place_id",
        )
        == 0
    )
    assert (
        scalar(
            store,
            "SELECT count(*) FROM intervention i JOIN case_ k ON k.id = i.case_id"
            " WHERE (k.status = 'closed') != (i.ended_on IS NOT NULL)",
        )
        == 0
    )
    assert (
        scalar(
            store,
            "SELECT count(*) FROM intervention_breach b JOIN intervention i"
            " ON i.id = b.intervention_id WHERE i.status != 'breached'"
            " OR b.breached_on < i.issued_on",
        )
        == 0
    )


# --- issue 17: hate, vulnerable adults, referrals, the ASB Case Review, area orders ----------


def _count(store, sql, *params):
    return scalar(store, f"SELECT count(*) FROM {sql}", *params)


def test_hate_by_perception_on_antisocial_behaviour_cases(demo_db):
    store, summary, *_ = demo_db
    asb = "case_ c JOIN category k ON k.id = c.category_id WHERE k.code LIKE 'asb\\_%' ESCAPE '\\'"
    answers = Counter(dict(rows(store, f"SELECT c.hate, count(*) FROM {asb} GROUP BY 1")))
    total = sum(answers.values())
    assert set(answers) == {"yes", "no", "not_known"}  # always asked of ASB
    assert 0.02 < answers["yes"] / total < 0.07 and 0.05 < answers["not_known"] / total < 0.12
    others = Counter(
        dict(
            rows(
                store,
                "SELECT c.hate, count(*) FROM case_ c JOIN category k ON k.id = c.category_id"
                " WHERE k.code NOT LIKE 'asb\\_%' ESCAPE '\\' GROUP BY 1",
            )
        )
    )
    assert set(others) == {"", "no"} and others[""] > others["no"] > 0
    # strands only with yes, one or two of the national five, race the commonest
    with Session(store.engine) as s:
        cases = s.scalars(select(Case)).all()
        strands = Counter()
        for case in cases:
            assert bool(case.hate_strands) == (case.hate == "yes"), case.reference
            assert len(case.hate_strands) in (0, 1, 2)
            assert len(set(case.hate_strands)) == len(case.hate_strands)
            strands.update(case.hate_strands)
            if case.hate == "yes":  # hate.toml: at least medium risk
                assert case.risk_level in ("medium", "high"), case.reference
    national = {"race", "religion", "sexual_orientation", "disability", "transgender"}
    assert set(strands) <= national and strands.most_common(1)[0][0] == "race"


def test_vulnerable_adults_are_victims_with_a_reason(demo_db):
    store, *_ = demo_db
    flagged = rows(store, "SELECT id, vulnerable_reason FROM person WHERE vulnerable = 1")
    victims = _count(store, "person p WHERE EXISTS (SELECT 1 FROM case_person cp WHERE"
                     " cp.person_id = p.id AND cp.role IN ('victim', 'complainant'))")  # fmt: skip
    assert 0.01 < len(flagged) / victims < 0.06
    assert all(reason.endswith(".") and len(reason) > 10 for _id, reason in flagged)
    assert _count(store, "person WHERE vulnerable = 0 AND vulnerable_reason != ''") == 0
    assert (
        _count(
            store,
            "person p WHERE vulnerable = 1 AND NOT EXISTS (SELECT 1 FROM case_person cp WHERE"
            " cp.person_id = p.id AND cp.role IN ('victim', 'complainant'))",
        )
        == 0
    )


def test_referrals_are_of_people_on_the_case_dated_in_order(demo_db):
    store, summary, *_ = demo_db
    today = NOW.date().isoformat()
    assert summary.rows["referral"] == _count(store, "referral")
    pathways = Counter(dict(rows(store, "SELECT pathway, count(*) FROM referral GROUP BY 1")))
    with resources.path("refdata", "referrals.toml").open("rb") as fh:
        known = {p["code"] for p in tomllib.load(fh)["pathway"]}
    assert set(pathways) <= known
    assert pathways["victim_support"] == max(pathways.values())
    assert {"adult_safeguarding", "mash", "mental_health"} <= set(pathways)
    bad = {
        "not on the case": "NOT EXISTS (SELECT 1 FROM case_person cp WHERE cp.case_id ="
        " r.case_id AND cp.person_id = r.person_id)",
        "before the case opened": "r.referred_on < k.opened_on",
        "in the future": f"r.referred_on > '{today}' OR r.outcome_on > '{today}'",
        "outcome before the referral": "r.outcome_on < r.referred_on",
        "outcome without a date": "(r.outcome = '') != (r.outcome_on IS NULL)",
        "agency not of the hub": "NOT EXISTS (SELECT 1 FROM hub_agency h WHERE h.hub_id ="
        " k.hub_id AND h.agency_id = r.agency_id)",
        "no reference or referrer": "r.reference = '' OR r.referred_by = ''",
    }
    for problem, where in bad.items():
        assert _count(store, f"referral r JOIN case_ k ON k.id = r.case_id WHERE {where}") == 0, (
            problem
        )
    # MASH for children only; adult safeguarding for vulnerable adults only; MARAC high risk
    born_after = f"{NOW.year - 18}-{NOW.month:02d}-28"
    for pathway, where in {
        "mash": f"p.date_of_birth IS NULL OR p.date_of_birth < '{born_after}'",
        "adult_safeguarding": "p.vulnerable = 0",
        "marac": "k.risk_level != 'high'",
    }.items():
        assert (
            _count(
                store,
                "referral r JOIN person p ON p.id = r.person_id JOIN case_ k ON k.id = r.case_id"
                f" WHERE r.pathway = ? AND ({where})",
                pathway,
            )
            == 0
        ), pathway
    refs = [ref for (ref,) in rows(store, "SELECT reference FROM referral")]
    assert all(
        re.fullmatch(r"(VS|MH)-20\d\d-\d{4,5}|(MASH|AS|MARAC|CH)/\d\d/\d{3,5}", r) for r in refs
    )
    # the staff of the referring agency: a title, an initial and a surname
    assert all(
        re.fullmatch(r"[A-Za-z&' .]+ [A-Z]\. [A-Z][\w' -]+", by)
        for (by,) in rows(store, "SELECT referred_by FROM referral")
    )


def test_case_review_explained_to_most_victims_at_their_second_report(demo_db):
    store, *_ = demo_db
    today = NOW.date().isoformat()
    assert (
        _count(
            store,
            "review_explanation e WHERE NOT EXISTS (SELECT 1 FROM case_person cp WHERE"
            " cp.case_id = e.case_id AND cp.person_id = e.person_id AND cp.role IN"
            " ('victim', 'complainant')) OR e.explained_on > ? OR e.method NOT IN"
            " ('call', 'visit', 'letter', 'email') OR e.explained_by = ''",
            today,
        )
        == 0
    )
    # at or after the second report of the case, never before
    assert (
        _count(
            store,
            "review_explanation e WHERE e.explained_on < (SELECT substr(received_at, 1, 10)"
            " FROM contact c WHERE c.case_id = e.case_id ORDER BY received_at LIMIT 1 OFFSET 1)"
            " OR (SELECT count(*) FROM contact c WHERE c.case_id = e.case_id) < 2",
        )
        == 0
    )
    # about 70% of the victims with 2+ reports: some left unexplained, for the red queue
    eligible = rows(
        store,
        "SELECT DISTINCT cp.case_id, cp.person_id, EXISTS (SELECT 1 FROM review_explanation e"
        " WHERE e.case_id = cp.case_id AND e.person_id = cp.person_id) FROM case_person cp"
        " WHERE cp.role IN ('victim', 'complainant') AND (SELECT count(*) FROM contact c"
        " WHERE c.case_id = cp.case_id) >= 2",
    )
    share = sum(e for *_k, e in eligible) / len(eligible)
    assert 0.6 < share < 0.8, share


def _check_reviews(store, today):
    """Every review is valid by the rules of the review form, on a victim of its case with
    several reports, received after them; recommendations are actions of the same case."""
    assert (
        _count(
            store,
            "case_review r WHERE NOT EXISTS (SELECT 1 FROM case_person cp WHERE cp.case_id ="
            " r.case_id AND cp.person_id = r.person_id AND cp.role IN ('victim',"
            " 'complainant')) OR (SELECT count(*) FROM contact c WHERE c.case_id = r.case_id)"
            " < 2 OR r.received_on < (SELECT max(substr(received_at, 1, 10)) FROM contact c"
            " WHERE c.case_id = r.case_id)",
        )
        == 0
    )
    with Session(store.engine) as s:
        reviews = s.scalars(select(CaseReview)).all()
        for r in reviews:
            problems = case_review.validate(case_review.ReviewDraft.of(r), today)
            assert problems == [], (r.id, problems)
            assigned = set(
                s.scalars(select(Assignment.agency_id).where(Assignment.case_id == r.case_id))
            )
            hub = s.get(Case, r.case_id).hub_id
            of_hub = set(s.scalars(select(HubAgency.agency_id).where(HubAgency.hub_id == hub)))
            present = {uuid.UUID(hex=h) for h in r.meeting_agencies}
            assert (r.meeting_on is None) == (not present)
            assert not present or (2 <= len(present) <= 4 and present <= of_hub)
            assert not present or present & assigned
            if r.decision == "not_met":
                assert r.decision_reasons and r.meeting_on is None
    # recommendations: only on reviews whose outcome says so, each an action of its case,
    # of an agency on the case, due after the meeting
    assert (
        _count(
            store,
            "review_recommendation m JOIN case_review r ON r.id = m.review_id JOIN action a"
            " ON a.id = m.action_id WHERE a.case_id != m.case_id OR r.case_id != m.case_id OR"
            " r.outcome != 'recommendations' OR a.due_on <= r.meeting_on OR NOT EXISTS"
            " (SELECT 1 FROM assignment s WHERE s.case_id = a.case_id AND s.agency_id ="
            " a.agency_id)",
        )
        == 0
    )
    assert (
        _count(
            store,
            "case_review r WHERE r.outcome = 'recommendations' AND NOT EXISTS (SELECT 1 FROM"
            " review_recommendation m WHERE m.review_id = r.id)",
        )
        == 0
    )
    return reviews


def test_case_reviews_are_few_valid_and_their_recommendations_are_actions(demo_db):
    store, summary, *_ = demo_db
    reviews = _check_reviews(store, NOW.date())
    assert 1 <= len(reviews) <= 8  # about 1 in 1,000 cases
    assert summary.rows["review_recommendation"] == _count(store, "review_recommendation") > 0


def test_case_reviews_over_more_cases_are_met_and_not_met_like_real_ones(tmp_path):
    """About 1 application per 1,000 cases, about a third decided not met."""
    store = open_store(tmp_path / "hub.db")
    demo.generate(store, 12_000, seed=3, now=NOW)
    reviews = _check_reviews(store, NOW.date())
    decisions = Counter(r.decision for r in reviews)
    assert 5 <= len(reviews) <= 30, decisions
    assert decisions["met"] > decisions["not_met"] > 0
    outcomes = Counter(r.outcome for r in reviews if r.decision == "met")
    assert outcomes["recommendations"] > outcomes["none"]
    store.close()


def test_area_orders_and_the_cases_citing_them(demo_db):
    store, summary, *_ = demo_db
    today = NOW.date()
    orders = rows(
        store,
        "SELECT o.hub_id, o.type_code, o.title, o.area, o.made_on, o.expires_on,"
        " o.prohibitions, a.code, h.council_code FROM hub_order o JOIN agency a ON"
        " a.id = o.agency_id JOIN hub h ON h.id = o.hub_id",
    )
    per_hub = Counter(o[0] for o in orders)
    assert per_hub and all(1 <= n <= 3 for n in per_hub.values())
    soon = 0
    for _hub, kind, title, area, made, expires, prohibitions, agency, council in orders:
        made, expires = datetime.fromisoformat(made).date(), datetime.fromisoformat(expires).date()
        assert kind == "pspo" and title and area and prohibitions and agency == council
        assert today - timedelta(days=3 * 366) <= made <= today < expires
        assert (expires - made).days <= 3 * 366
        soon += (expires - today).days <= 28
    assert soon >= 1
    cited = rows(
        store,
        "SELECT k.hub_id, o.hub_id, k.town, o.title, cat.code, k.opened_on, o.made_on,"
        " o.expires_on FROM case_order co JOIN case_ k ON k.id = co.case_id JOIN hub_order o"
        " ON o.id = co.order_id JOIN category cat ON cat.id = k.category_id",
    )
    assert summary.rows["case_order"] == len(cited) > 0
    for hub, order_hub, town, title, category, opened, made, expires in cited:
        assert hub == order_hub and title.startswith(town) and category.startswith("asb_")
        assert made <= opened <= expires


def test_a_partner_sees_the_new_rows_only_of_its_cases_and_no_marac(tmp_path):
    store = open_store(tmp_path / "hub.db")
    demo.generate(store, 1_500, seed=11, now=NOW)
    council = uuid.UUID(hex=scalar(store, "SELECT id FROM agency WHERE code = 'CUMBERLAND'"))
    hub = uuid.UUID(hex=scalar(store, "SELECT id FROM hub WHERE code = 'CAR'"))
    accounts.create_account(
        store, AccountDraft("ada", "Ada Admin", "administrator"), "pw ok 12345!"
    )
    accounts.sign_in(store, "ada", "pw ok 12345!")
    accounts.create_account(
        store, AccountDraft("pat", "Pat Partner", "partner", council, hub), "pw ok 12345!"
    )
    ours = {
        uuid.UUID(hex=c)
        for (c,) in rows(store, "SELECT case_id FROM assignment WHERE agency_id = ?", council.hex)
    }
    accounts.sign_in(store, "pat", "pw ok 12345!")
    with store.read() as s:
        seen = {
            model: s.scalars(select(model)).all()
            for model in (Referral, ReviewExplanation, CaseReview, CaseOrder)
        }
    for model, found in seen.items():
        assert all(r.case_id in ours for r in found), model
    assert seen[Referral] and seen[ReviewExplanation] and seen[CaseOrder]
    assert not {r.pathway for r in seen[Referral]} & {"marac", "channel"}
    all_ours = _count(
        store,
        "referral r WHERE r.pathway NOT IN ('marac', 'channel') AND r.case_id IN (SELECT"
        " case_id FROM assignment WHERE agency_id = ?)",
        council.hex,
    )
    assert len(seen[Referral]) == all_ours
    store.close()


def test_some_cases_have_files_and_letters_sent_whole_and_in_order(demo_db):
    """Issue 18: photos, notes of calls and warning letters on about one case in 200; every
    file whole (its chunks match its SHA-256); every letter sent to the alleged perpetrator
    of its case, after the case came in, and kept as the case's attachment."""
    from hubapp.store.casework import attachment_content
    from hubapp.store.exchange import demo_files

    store, summary, *_ = demo_db
    assert summary.rows["attachment"] >= CASES // demo_files.FILES_EVERY
    assert summary.rows["communication"] > 0
    kinds = dict(rows(store, "SELECT kind, count(*) FROM attachment GROUP BY kind"))
    assert set(kinds) == {"photo", "statement", "letter"}
    assert kinds["letter"] == summary.rows["communication"]
    with store.read() as s:
        for a in s.scalars(select(Attachment)):
            assert attachment_content.verify(s, a), a.title
            assert a.added_by and a.created_at <= NOW
    assert rows(store, "SELECT count(*) FROM communication m JOIN case_person p ON "
                "p.case_id = m.case_id AND p.person_id = m.person_id AND "
                "p.role = 'alleged_perpetrator' JOIN attachment a ON a.id = m.attachment_id "
                "AND a.case_id = m.case_id AND a.kind = 'letter' JOIN case_ c ON "
                "c.id = m.case_id AND m.sent_at >= c.received_at")[0][0] == summary.rows[
                    "communication"]  # fmt: skip
    [(pdf,)] = rows(store, "SELECT data FROM attachment_chunk c JOIN attachment a ON "
                    "a.id = c.attachment_id WHERE a.kind = 'letter' AND c.seq = 0 LIMIT 1")  # fmt: skip
    assert pdf.startswith(b"%PDF")
    [(jpeg,)] = rows(store, "SELECT data FROM attachment_chunk c JOIN attachment a ON "
                     "a.id = c.attachment_id WHERE a.kind = 'photo' LIMIT 1")  # fmt: skip
    assert jpeg.startswith(b"\xff\xd8")
