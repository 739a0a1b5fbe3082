"""New cases get the next reference of their hub and year, never one already taken."""

from datetime import datetime

from casework import hub_id, new_case
from sqlalchemy import select

from hubapp.store import setup
from hubapp.store.casework import cases
from hubapp.store.schema import Case, Category, Channel, Hub, ReferenceCounter, Station


def _add(store, hub="CAR", when=datetime(2026, 11, 25, 10, 0)):
    with store.write(reason="test") as s:
        case = cases.new_case(
            s,
            hub_id=s.scalar(select(Hub.id).where(Hub.code == hub)),
            category_id=s.scalar(select(Category.id).limit(1)),
            channel_id=s.scalar(select(Channel.id).limit(1)),
            received_at=when,
            summary="Noise from a flat",
        )
        return case.reference, case.seq


def test_references_count_up_per_hub_and_year(store):
    assert _add(store)[0] == "CAR-2026-0001"
    assert _add(store)[0] == "CAR-2026-0002"
    assert _add(store, hub="SLK")[0] == "SLK-2026-0001"
    # 23:30 UTC on 31 December is already the new year nowhere in the UK; 00:30 BST is
    assert _add(store, when=datetime(2027, 1, 1, 0, 30))[0] == "CAR-2027-0001"
    with store.read() as s:
        counters = {(c.year, c.last) for c in s.scalars(select(ReferenceCounter))}
    assert (2026, 2) in counters and (2027, 1) in counters


def test_a_reference_taken_elsewhere_is_skipped(store):
    new_case(store, reference="CAR-2026-0001")
    reference, seq = _add(store)
    assert reference == "CAR-2026-0002"
    with store.read() as s:
        assert seq == max(s.scalars(select(Case.seq)))


def test_a_station_prefix_keeps_its_numbers_apart(store):
    info = setup.configure(store, "Carlisle", "Front desk")
    with store.write(reason="test") as s:
        s.get(Station, info.station_id).ref_prefix = "B"
    assert _add(store)[0] == "CARB-2026-0001"
    assert hub_id(store, "CAR") is not None
