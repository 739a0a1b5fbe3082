"""Sharing a case with another hub rests on this hub's sharing agreement with the police
(hubapp.store.admin.sharing), against the real PostgreSQL server: without a current one the
share is refused before anything reaches the central database, a coordinator's reason lets
it go ahead, and the disclosure's audit entry names the basis."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hubapp.cli import main
from hubapp.store import refdata
from hubapp.store.admin import sharing
from hubapp.store.schema import AuditEntry


def _agreement(station, agency: str, **changes):
    values = dict(hub_id=refdata.ref_id("hub", "CAR"), agency_id=refdata.ref_id("agency", agency),
                  name=f"Carlisle ISA ({agency})", version="1", starts_on=date(2025, 1, 1),
                  basis="dpa_part_3")  # fmt: skip
    values.update(changes)
    return sharing.add(station.store, sharing.AgreementDraft(**values))


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out.strip(), out.err.strip()


def test_no_current_agreement_with_the_police_stops_the_share_until_a_reason(stations, capsys,
                                                                            monkeypatch):  # fmt: skip
    from hubapp.sync import credentials

    monkeypatch.delenv(credentials.ENV, raising=False)
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    _agreement(a, "CUMBERLAND", basis="crime_disorder_s115")
    _agreement(a, "POLICE", starts_on=date(2024, 1, 1), ends_on=date(2025, 12, 31))  # lapsed
    case = a.new_case("Crossing the county boundary")
    a.sync(), c.sync()
    ref = a.case(case).reference
    args = ["--db", a.path, "share", ref, "--hub", "Copeland", "--central", a.url]

    code, _out, err = _run(capsys, *args)
    assert code == 1
    assert err.startswith("hubapp: Cumbria Constabulary has no current information sharing "
                          f"agreement with the Carlisle hub, so case {ref} would be disclosed")  # fmt: skip
    assert err.endswith("Nothing was shared; add --reason TEXT to go ahead.")
    c.sync()
    assert c.case(case) is None  # nothing reached the other hub

    code, out, err = _run(capsys, *args, "--reason", "The family moved to Whitehaven")
    assert code == 0, err
    c.sync()
    assert c.case(case).summary == "Crossing the county boundary"
    with a.store.read() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.kind == "disclosure",
                                                      AuditEntry.entity == "case_"))  # fmt: skip
    assert entry.details["basis"] == {
        "Cumbria Constabulary": "no current agreement: The family moved to Whitehaven"}  # fmt: skip


def test_a_current_agreement_with_the_police_is_named_in_the_audit_entry(stations, capsys,
                                                                         monkeypatch):  # fmt: skip
    from hubapp.sync import credentials

    monkeypatch.delenv(credentials.ENV, raising=False)
    a, c = stations("Carlisle", "Civic Centre"), stations("Copeland", "Whitehaven")
    _agreement(a, "POLICE", version="3")
    case = a.new_case("Crossing the county boundary")
    a.sync(), c.sync()
    ref = a.case(case).reference
    code, _out, err = _run(capsys, "--db", a.path, "share", ref, "--hub", "COP", "--central",
                           a.url)  # fmt: skip
    assert code == 0, err
    with a.store.read() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.kind == "disclosure",
                                                      AuditEntry.entity == "case_"))  # fmt: skip
    assert entry.details["basis"] == {
        "Cumbria Constabulary": "Carlisle ISA (POLICE) v3 (dpa_part_3)"
    }
