"""Property: random rows (markup, emoji, NUL, 10,000-character text, random dates) through the
importer. No crash; every valid row stored exactly; every invalid one rejected, with its
reason, at its physical line."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hubapp.store.exchange.importer import TRIMMED, import_file, unquote_cell
from hubapp.store.schema import Case, Category, Channel, Contact, Hub, Person

NOW = datetime(2026, 11, 25, 12, 0)
UK = ZoneInfo("Europe/London")
COLUMNS = ["received", "hub", "channel", "category", "location", "summary", "details",
           "reporter_name", "reporter_contact"]  # fmt: skip
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LIMITS = {"summary": 200, "location": 200, "details": 50_000, "reporter_name": 160,
          "reporter_contact": 120}  # fmt: skip

#: characters that have broken importers: markup, quotes, separators, line breaks, formula
#: starts, NUL and other controls, emoji, other scripts, odd spaces, a byte-order mark
CHARS = list("<>/&;'\",\n\r\t =+-@|%\x00\x1b\x7f🏠王éЖ\u2028\ufeff\xa0Ａaz09")
FRAGMENTS = ["<b>bold</b>", "</script>", "&amp;", "'=1+1", "=cmd|' /C calc'!A0", "\r\n", ""]
texts = st.one_of(st.text(alphabet=CHARS, max_size=12), st.sampled_from(FRAGMENTS))
long_texts = st.sampled_from(CHARS).map(lambda c: ("ab" + c) * 3_333 + "z")  # 10,000 chars
any_text = st.one_of(texts, texts, texts, long_texts)
moments = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2028, 12, 31))
hubs = st.sampled_from(["Carlisle", "CAR", " car ", "Copeland", "south-lakeland", "Barrow",
                        "Narnia", "Eden", ""])  # fmt: skip
channels = st.sampled_from(["101 call", "call_101", "101-Call", "Walk-in", "patrol", "Pigeon"])
categories = st.sampled_from(["Parking", "drugs", "fly_tipping", "Fly-tipping", "Noize"])
KNOWN = {"carlisle": "CAR", "car": "CAR", "copeland": "COP", "southlakeland": "SLK",
         "barrow": "BAR", "101call": "call_101", "call101": "call_101", "walkin": "walk_in",
         "patrol": "patrol", "parking": "parking", "drugs": "drugs", "flytipping": "fly_tipping"}  # fmt: skip


@st.composite
def dates(draw):
    kind = draw(st.sampled_from(["uk", "uk_time", "iso", "iso_z", "impossible", "junk"]))
    m = draw(moments)
    if kind == "uk":
        return f"{m:%d/%m/%Y}", m.replace(hour=0, minute=0, second=0, microsecond=0), None
    if kind == "uk_time":
        return f"{m:%d/%m/%Y %H:%M}", m.replace(second=0, microsecond=0), None
    if kind == "iso":
        return m.strftime("%Y-%m-%dT%H:%M:%S"), m.replace(microsecond=0), None
    if kind == "iso_z":
        utc = m.replace(microsecond=0)
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ"), None, utc
    if kind == "impossible":
        return draw(st.sampled_from(["31/02/2026", "29/02/2025", "2026-13-01", "00/01/2026",
                                     "12/05/2026 25:00"])), "impossible", None  # fmt: skip
    return draw(st.sampled_from(["yesterday", "2026/05/01", "1/5/26", "", "05-2026"])), "junk", None


def key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


@st.composite
def rows(draw, serial):
    raw_date, local, utc = draw(dates())
    row = {
        "received": raw_date, "hub": draw(hubs), "channel": draw(channels),
        "category": draw(categories), "location": draw(any_text),
        # a serial number keeps each row unique (a repeat would be skipped, not imported)
        "summary": f"#{next(serial)} " + draw(any_text), "details": draw(any_text),
        "reporter_name": draw(texts), "reporter_contact": draw(texts),
    }  # fmt: skip
    if draw(st.integers(0, 9)) == 0:
        row["summary"] = draw(st.sampled_from(["", "   ", "\n"]))
    return row, local, utc


def expected(row, local, utc):
    """(stored values, None) or (None, a fragment of the reason)."""
    stored = {c: unquote_cell(row[c].strip(TRIMMED)) for c in COLUMNS}
    for c in COLUMNS:
        if CONTROL.search(stored[c]):
            return None, "control character"
    if local in ("impossible",):
        return None, "does not exist"
    if local == "junk":
        return None, "missing" if not row["received"] else "is not a date"
    when = utc if utc is not None else local.replace(tzinfo=UK).astimezone(UTC).replace(tzinfo=None)
    if (local or utc).year < 2000:
        return None, "before 2000"
    if when > NOW:
        return None, "in the future"
    for c in ("hub", "channel", "category"):
        if not stored[c]:
            return None, f"the {c} is missing"
        if key(stored[c]) == "eden":
            return None, "not open yet"
        if key(stored[c]) not in KNOWN:
            return None, "is not known"
    if not stored["summary"]:
        return None, "summary is missing"
    for c, limit in LIMITS.items():
        if len(stored[c]) > limit:
            return None, "is too long"
    if (
        stored["reporter_contact"]
        and "@" not in stored["reporter_contact"]
        and len(stored["reporter_contact"]) > 40
    ):
        return None, "phone number is too long"
    return {**stored, "received_at": when}, None


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    from sqlalchemy import event

    from hubapp.store import setup
    from hubapp.store.database import open_store

    s = open_store(tmp_path_factory.mktemp("prop") / "hub.sqlite3")
    setup.configure(s, "Carlisle", "Carlisle Civic Centre")
    # a thousand imports: durability on power loss is not what is tested here, and waiting
    # for the disk a thousand times would be most of the test's time
    event.listen(s.engine, "connect", lambda con, _r: con.execute("PRAGMA synchronous = OFF"))
    s.engine.dispose()
    yield s
    s.close()


def _serial():
    n = 0
    while True:
        n += 1
        yield n


SERIAL = _serial()
LINE_BREAK = re.compile("\r\n|\r|\n")


@settings(max_examples=1000, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])  # fmt: skip
@given(batch=st.lists(rows(SERIAL), min_size=1, max_size=4))
def test_random_rows(shared_store, tmp_path_factory, batch):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    starts = []
    for row, _local, _utc in batch:
        starts.append(len(LINE_BREAK.findall(out.getvalue())) + 1)
        writer.writerow([row[c] for c in COLUMNS])
    path = tmp_path_factory.getbasetemp() / "prop.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")

    result = import_file(shared_store, path, now=NOW)

    rejected = {r.line: r.reason for r in result.rejected}
    valid = []
    for line, (row, local, utc) in zip(starts, batch, strict=True):
        want, reason = expected(row, local, utc)
        if want is None:
            assert reason in rejected.get(line, ""), (line, reason, rejected)
        else:
            assert line not in rejected, (line, rejected[line])
            valid.append(want)
    assert len(rejected) == len(batch) - len(valid)
    assert result.imported == len(valid) and len(result.references) == len(valid)
    with shared_store.read() as s:
        for want, reference in zip(valid, result.references, strict=True):
            case = s.scalars(select(Case).where(Case.reference == reference)).one()
            got = {"location": case.location, "summary": case.summary, "details": case.details}
            assert got == {c: want[c] for c in got}
            assert case.received_at == want["received_at"]
            assert s.get(Hub, case.hub_id).code == KNOWN[key(want["hub"])]
            assert s.get(Channel, case.channel_id).code == KNOWN[key(want["channel"])]
            assert s.get(Category, case.category_id).code == KNOWN[key(want["category"])]
            contact = s.scalars(select(Contact).where(Contact.case_id == case.id)).one()
            if want["reporter_name"] or want["reporter_contact"]:
                person = s.get(Person, contact.reporter_person_id)
                assert person.full_name == want["reporter_name"]
                assert want["reporter_contact"] in (person.email, person.phone)
            else:
                assert contact.reporter_person_id is None
