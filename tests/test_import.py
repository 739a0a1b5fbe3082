"""Importing issues from CSV: headings, each reason a row is rejected (at its physical line),
the rejects file, idempotence, one transaction, encodings. Real files, real SQLite."""

from __future__ import annotations

import csv
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hubapp.store.exchange import importer
from hubapp.store.exchange.importer import ImportCancelled, ImportRefused, import_file
from hubapp.store.schema import AuditEntry, Case, CasePerson, Contact, Hub, Person

NOW = datetime(2026, 11, 25, 12, 0)
KNOWN_CATEGORIES = (
    "Antisocial behaviour – environmental, Antisocial behaviour –"
    " nuisance, Antisocial behaviour – personal, Criminal damage, Drugs, Fly-tipping, Other, Parking, Request for visible policing, Road safety, Vulnerability concern"
)
HEADING = "received,hub,channel,category,location,summary,details,reporter_name,reporter_contact"
GOOD = "01/05/2026 09:30,Carlisle,101 call,Parking,Bitts Park,Cars on the verge,,,"
HOSTILE = "=cmd|' /C calc'!A0"


def write(tmp_path: Path, body: str, name: str = "reports.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def counts(store) -> tuple[int, int, int]:
    with store.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Case)),
            s.scalar(select(func.count()).select_from(Contact)),
            s.scalar(select(func.count()).select_from(Person)),
        )


def read_rejects(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_headings_match_ignoring_case_spacing_punctuation_and_order(store, tmp_path):
    body = (
        "  SUMMARY ,Reporter Name,reporter-contact, Hub ,Channel,Category,RECEIVED,Notes,"
        "Location,reason\r\n"
        "Youths on bikes,Jo Bloggs,jo@example.org,car,Online form,asb_nuisance,"
        "2026-05-01T09:30,ignored,Bitts Park,also ignored\r\n"
    )
    result = import_file(store, write(tmp_path, body), now=NOW)
    assert (result.imported, result.rejected) == (1, ())
    assert result.unknown_columns == ("Notes",)  # reported once; "reason" (ours) silently
    with store.read() as s:
        case = s.scalars(select(Case)).one()
        person = s.scalars(select(Person)).one()
        link = s.scalars(select(CasePerson)).one()
        contact = s.scalars(select(Contact)).one()
    assert (case.summary, case.location, case.status) == ("Youths on bikes", "Bitts Park", "new")
    assert case.reference == "CAR-2026-0001" and case.received_at == datetime(2026, 5, 1, 8, 30)
    assert (person.full_name, person.email, person.phone) == ("Jo Bloggs", "jo@example.org", "")
    assert (link.case_id, link.person_id, link.role) == (case.id, person.id, "reporter")
    assert contact.case_id == case.id and contact.reporter_person_id == person.id
    assert len(contact.import_key) == 64


@pytest.mark.parametrize(
    ("heading", "missing"),
    [
        ("hub,channel,category,summary", "received"),
        ("received,hub,category,details", "channel or summary"),
    ],
)
def test_a_missing_required_column_refuses_the_file(store, tmp_path, heading, missing):
    path = write(tmp_path, heading + "\n01/05/2026,CAR,101,Parking\n")
    with pytest.raises(ImportRefused) as e:
        import_file(store, path, now=NOW)
    assert f"it has no {missing} column" in str(e.value)
    assert str(e.value).startswith("reports.csv cannot be imported: it has no ")
    assert "\n" not in str(e.value) and str(e.value).endswith(").")
    assert counts(store) == (0, 0, 0)
    assert not importer.rejects_path_for(path).exists()


def test_a_column_twice_or_a_workbook_is_refused(store, tmp_path):
    with pytest.raises(ImportRefused, match='has the column "summary" twice'):
        import_file(store, write(tmp_path, HEADING + ",Summary\n"), now=NOW)
    xlsx = tmp_path / "reports.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ImportRefused, match="is an Excel workbook, not a CSV file"):
        import_file(store, xlsx, now=NOW)
    with pytest.raises(ImportRefused, match="is empty"):
        import_file(store, write(tmp_path, "\r\n\r\n", "empty.csv"), now=NOW)


def test_every_reason_at_its_physical_line(store, tmp_path):
    lines = [
        HEADING,  # 1
        '01/05/2026 09:30,CAR,101 Call,Parking,"Bitts\nPark\nCarlisle",Multi-line location,,,',
        "01/05/2026,CAR,101-call,Noize,Here,Unknown category,,,",  # 5
        "01/01/2027,CAR,call_101,Parking,Here,Future,,,",  # 6
        "31/02/2026,CAR,call_101,Parking,Here,Impossible,,,",  # 7
        "01/05/2026,Narnia,call_101,Parking,Here,Unknown hub,,,",  # 8
        "01/05/2026,CAR,Pigeon,Parking,Here,Unknown channel,,,",  # 9
        "01/05/2026,CAR,call_101,Parking,Here,   ,,,",  # 10
        "01/05/2026,CAR,call_101,Parking,Here," + "x" * 201 + ",,,",  # 11
        "01/05/2026,CAR,call_101,Parking,Here,NUL,bad\x00byte,,",  # 12
        "yesterday,CAR,call_101,Parking,Here,Not a date,,,",  # 13
        "",  # 14: blank, skipped
        "01/05/2026,CAR,call_101,Parking,Here,Too many,,,,surplus",  # 15
        '01/05/2026,"Nar\nnia",call_101,Parking,Here,Spans 16-17,,,',  # 16
        "01/05/1999,CAR,call_101,Parking,Here,Too old,,,",  # 18
        "01/05/2026,Eden,call_101,Parking,Here,Not open,,,",  # 19
        "01/05/2026,,call_101,Parking,Here,No hub,,,",  # 20
        "25/11/2026 11:59,CAR,walk in,drugs,Here,Good again,,,0" + "7" * 41,  # 21
    ]
    result = import_file(store, write(tmp_path, "\r\n".join(lines) + "\r\n"), now=NOW)
    # an unknown value's reason goes on to say what is accepted
    got = [(r.line, r.reason.split(" (known: ")[0].split(" (did you mean")[0].rstrip(".") + ".")
           for r in result.rejected]  # fmt: skip
    assert got == [
        (5, 'the category "Noize" is not known.'),
        (6, 'the received date "01/01/2027" is in the future.'),
        (7, 'the received date "31/02/2026" does not exist.'),
        (8, 'the hub "Narnia" is not known.'),
        (9, 'the channel "Pigeon" is not known.'),
        (10, "the summary is missing."),
        (11, "the summary is too long (201 characters; at most 200)."),
        (12, "the details contains a control character (U+0000), which cannot be imported."),
        (13, 'the received date "yesterday" is not a date; write it as dd/mm/yyyy '
             "(with HH:MM if known) or yyyy-mm-dd."),
        (15, "the row has 10 values but the heading has 9 columns (is there a comma in a "
             "value that is not in quotes?)."),
        (16, 'the hub "Nar nia" is not known.'),
        (18, 'the received date "01/05/1999" is before 2000; check the year.'),
        (19, "the Eden hub is not open yet."),
        (20, "the hub is missing."),
        (21, "the reporter's phone number is too long (42 characters; at most 40)."),
    ]  # fmt: skip
    assert result.imported == 1 and result.skipped == 0
    with store.read() as s:
        assert s.scalars(select(Case.location)).one() == "Bitts\nPark\nCarlisle"


def test_every_fault_of_a_row_in_one_reason_and_what_is_accepted(store, tmp_path):
    lines = [
        HEADING,
        "01/01/2027,Narnia,101,Noize,Here,,bad\x00byte,,",  # 2: six faults
        "01/05/2026,CAR,Pigeon,Parking,Here,No close match,,,",  # 3
        "01/05/2026,Carlsle,call_101,Parking,Here,Close to Carlisle,,,",  # 4
    ]
    result = import_file(store, write(tmp_path, "\r\n".join(lines) + "\r\n"), now=NOW)
    channels = ("101 call, Councillor, Facebook group, Neighbourhood Watch, Online form, "
                "Partner referral, Patrol, Walk-in")  # fmt: skip
    reasons = {r.line: r.reason for r in result.rejected}
    assert reasons[2].split("; ") == [
        "the details contains a control character (U+0000), which cannot be imported",
        'the received date "01/01/2027" is in the future',
        'the hub "Narnia" is not known (known: Allerdale, Barrow, Carlisle, Copeland, '
        "South Lakeland)",
        f'the channel "101" is not known (did you mean "101 call"? known: {channels})',
        reasons[2].split("; ")[4],  # the category: checked below
        "the summary is missing.",
    ]
    assert reasons[2].split("; ")[4].startswith('the category "Noize" is not known (known: ')
    assert reasons[3] == f'the channel "Pigeon" is not known (known: {channels}).'
    assert reasons[4].startswith('the hub "Carlsle" is not known (did you mean "Carlisle"? ')
    # the rejects file keeps each row with its whole reason, at its line
    assert result.rejects_path is not None
    with result.rejects_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [row[-1] for row in rows[1:]] == [f"line {n}: {reasons[n]}" for n in (2, 3, 4)]


def test_the_rejects_file_is_the_rows_as_given_formula_safe_with_reasons(store, tmp_path):
    body = (
        HEADING + ",Notes\r\n"
        + GOOD + ",fine\r\n"
        + f'01/05/2026,CAR,call_101,Noize,+44 1228,"{HOSTILE.replace(chr(34), 2 * chr(34))}",'
        + '"<b>&\nline two",@Jo,-07700,=SUM(A1)\r\n'
    )  # fmt: skip
    path = write(tmp_path, body)
    result = import_file(store, path, now=NOW)
    rejects = tmp_path / "reports.rejects.csv"
    assert result.rejects_path == rejects and result.imported == 1
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")
    if os.name == "posix":
        assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    rows = read_rejects(rejects)
    assert rows[0] == HEADING.split(",") + ["Notes", "reason"]
    assert rows[1] == [
        "01/05/2026", "CAR", "call_101", "Noize", "'+44 1228", "'" + HOSTILE, "<b>&\nline two",
        "'@Jo", "'-07700", "'=SUM(A1)",
        'line 3: the category "Noize" is not known (known: ' + KNOWN_CATEGORIES + ").",
    ]  # fmt: skip
    assert len(rows) == 2


def test_importing_twice_adds_nothing_and_a_fixed_reject_lands_once(store, tmp_path):
    body = (
        HEADING + "\r\n" + GOOD + "\r\n"
        + "02/05/2026,CAR,call_101,Noize,Here,Music all night,,Jo,07700 900123\r\n"
        + f'03/05/2026,CAR,online form,drugs,Here,"{HOSTILE.replace(chr(34), 2 * chr(34))}",,,\r\n'
        + "04/05/2026,CAR,walk-in,Bad,Here,Also bad,,,\r\n"
    )  # fmt: skip
    path = write(tmp_path, body)
    first = import_file(store, path, now=NOW)
    assert (first.imported, first.skipped, len(first.rejected)) == (2, 0, 2)
    before = counts(store)
    again = import_file(store, path, now=NOW)
    assert (again.imported, again.skipped, len(again.rejected)) == (0, 2, 2)
    assert counts(store) == before

    # staff fix one row in the rejects file (as a spreadsheet would save it) and import it
    rows = read_rejects(first.rejects_path)
    rows[1][3] = "Noise"  # not a category either: still rejected
    rows[1][3] = "ASB - nuisance"
    rows[1][3] = "asb_nuisance"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    third = import_file(store, fixed, now=NOW)
    assert (third.imported, third.skipped, len(third.rejected)) == (1, 0, 1)
    assert third.rejected[0].line == 3 and "Bad" in third.rejected[0].reason
    assert counts(store)[0] == before[0] + 1
    assert import_file(store, fixed, now=NOW).imported == 0
    # the original file again: its good rows are there, its bad ones still bad
    assert import_file(store, path, now=NOW).imported == 0
    assert counts(store)[0] == before[0] + 1


def test_the_same_report_written_differently_is_the_same_report(store, tmp_path):
    body = (
        HEADING + "\r\n"
        + "01/05/2026 09:30,Carlisle,101 Call,Parking,Bitts Park,Cars on the verge,,,\r\n"
        + "2026-05-01T08:30Z,car, call_101 ,PARKING, Bitts Park ,Cars on the verge ,,,\r\n"
        + "2026-05-01T09:30:00+01:00,CAR,101-call,parking,Bitts Park,Cars on the verge,,,\r\n"
    )  # fmt: skip
    result = import_file(store, write(tmp_path, body), now=NOW)
    assert (result.imported, result.skipped) == (1, 2)


def test_formula_quote_added_by_an_export_is_taken_off(store, tmp_path):
    body = HEADING + "\r\n" + "01/05/2026,CAR,call_101,Parking,'=1+1,'-2 bins,'tis true,,\r\n"
    import_file(store, write(tmp_path, body), now=NOW)
    with store.read() as s:
        case = s.scalars(select(Case)).one()
    assert (case.location, case.summary, case.details) == ("=1+1", "-2 bins", "'tis true")


def test_dates_uk_and_iso_become_utc(store, tmp_path):
    body = (
        HEADING + "\r\n"
        + "01/07/2026 10:00,CAR,call_101,Parking,A,Summer UK time,,,\r\n"
        + "1/12/2026,CAR,call_101,Parking,B,Winter date only,,,\r\n"
        + "2026-07-01T10:00:00+02:00,CAR,call_101,Parking,C,ISO with offset,,,\r\n"
        + "2026-03-29 01:30,CAR,call_101,Parking,D,ISO local,,,\r\n"
        + "25.11.2026 11:59:59,CAR,call_101,Parking,E,Dots and seconds,,,\r\n"
    )  # fmt: skip
    result = import_file(store, write(tmp_path, body), now=datetime(2026, 12, 2))
    assert result.imported == 5, result.rejected
    with store.read() as s:
        got = dict(s.execute(select(Case.location, Case.received_at)).all())
    assert got == {
        "A": datetime(2026, 7, 1, 9, 0),
        "B": datetime(2026, 12, 1, 0, 0),
        "C": datetime(2026, 7, 1, 8, 0),
        "D": datetime(2026, 3, 29, 1, 30),  # the hour the clocks skip: read as GMT
        "E": datetime(2026, 11, 25, 11, 59, 59),
    }


def test_cp1252_from_excel_and_utf8_with_bom(store, tmp_path):
    cp = write(
        tmp_path,
        HEADING + "\r\n01/05/2026,CAR,call_101,Parking,Café – Fore St,Bins “everywhere” £5,,,\r\n",
        "excel.csv",
        encoding="cp1252",
    )
    result = import_file(store, cp, now=NOW)
    assert result.encoding == "Windows-1252" and result.imported == 1
    bom = tmp_path / "bom.csv"
    bom.write_bytes(
        b"\xef\xbb\xbf" + (HEADING + "\n02/05/2026,CAR,call_101,Parking,Ærø,Zoë 🏠,,,\n").encode()
    )
    result = import_file(store, bom, now=NOW)
    assert result.encoding == "UTF-8" and result.imported == 1 and not result.unknown_columns
    utf16 = write(tmp_path, HEADING + "\n03/05/2026,CAR,call_101,Parking,Ñ,Ω,,,\n", "u16.csv",
                  encoding="utf-16")  # fmt: skip
    assert import_file(store, utf16, now=NOW).encoding == "UTF-16"
    with store.read() as s:
        got = set(s.execute(select(Case.location, Case.summary)).all())
    assert got == {("Café – Fore St", "Bins “everywhere” £5"), ("Ærø", "Zoë 🏠"), ("Ñ", "Ω")}


def _many(n: int, bad_every: int = 0) -> str:
    rows = [HEADING]
    for i in range(n):
        category = "Noize" if bad_every and i % bad_every == 0 else "Parking"
        rows.append(f"01/05/2026,CAR,call_101,{category},{i} Bitts Park,Report {i},Details {i},,")
    return "\r\n".join(rows) + "\r\n"


def test_cancel_mid_way_imports_nothing(store, tmp_path):
    path = write(tmp_path, _many(2_500, bad_every=100))
    seen = []

    def progress(fraction, message):
        seen.append(message)
        return not message.startswith("Importing issue 2,001")  # after one batch is written

    with pytest.raises(ImportCancelled):
        import_file(store, path, progress=progress, now=NOW)
    assert any(m.startswith("Importing issue 1 ") for m in seen)
    assert counts(store) == (0, 0, 0)
    assert not importer.rejects_path_for(path).exists()
    with store.read() as s:  # the search trigger dropped for the import is back
        assert s.execute(text("SELECT 1 FROM sqlite_master WHERE name='case_search_ai'")).all()
    result = import_file(store, path, now=NOW)  # and the next import is complete
    assert (result.imported, len(result.rejected)) == (2_475, 25)


def test_a_failure_after_the_rows_are_written_imports_nothing(store, tmp_path):
    # the rejects file cannot be written: its name is one character too long for the file
    # system (a folder in its place is refused before anything is written)
    path = write(tmp_path, _many(300, bad_every=7), "r" * (255 - len(".rejects.csv") + 1) + ".csv")
    with pytest.raises(OSError):
        import_file(store, path, now=NOW)
    assert counts(store) == (0, 0, 0)


def test_a_big_import_is_searchable_and_audited(store, tmp_path):
    with store.read() as s:
        last_audit = s.scalar(select(func.max(AuditEntry.id)))
    result = import_file(store, write(tmp_path, _many(450)), now=NOW)
    assert result.imported == 450
    assert result.references[0] == "CAR-2026-0001" and result.references[-1] == "CAR-2026-0450"
    with store.read() as s:
        hits = s.execute(
            text("SELECT count(*) FROM case_search WHERE case_search MATCH 'report'")
        ).scalar()
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.id > last_audit)))
        carlisle = s.scalar(select(Hub.id).where(Hub.code == "CAR"))
        assert s.scalar(select(func.count()).where(Case.hub_id == carlisle)) == 450
    assert hits == 450
    by_entity = {e.entity: e for e in entries if e.kind == "collection"}
    assert len(by_entity["case_"].record_ids) == 450 and len(by_entity["contact"].record_ids) == 450
    assert by_entity["case_"].reason == "issues imported from reports.csv"


def test_references_skip_numbers_already_taken(store, tmp_path):
    from casework import new_case

    new_case(store, "CAR-2026-0002")
    body = (
        HEADING
        + "\r\n"
        + "\r\n".join(f"0{d}/05/2026,CAR,call_101,Parking,Here,Report {d},,," for d in range(1, 4))
    )
    result = import_file(store, write(tmp_path, body), now=NOW)
    assert result.references == ("CAR-2026-0001", "CAR-2026-0003", "CAR-2026-0004")
