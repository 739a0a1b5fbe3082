"""Duplicate people: the review of likely pairs, a merge and its undo, on a real encrypted
SQLite file. Every merge is checked by reading the rows back."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

import pytest
from casework import STAFF_PASSWORD, add_person, agency_id, new_case, run_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hubapp.store import accounts, audit
from hubapp.store.accounts import AccountDraft
from hubapp.store.admin import retention, subject_access
from hubapp.store.casework import assignments, merging, people
from hubapp.store.errors import Refused
from hubapp.store.schema import (
    AuditEntry,
    CasePerson,
    Channel,
    Contact,
    Intervention,
    InterventionType,
    Person,
    PersonMerge,
    RiskAssessment,
)


def _links(store, person_id) -> set[tuple[str, uuid.UUID]]:
    """Every live link naming the person: (table, row id)."""
    out = set()
    with store.read() as s:
        for model, column in merging.LINKS:
            for row_id in s.scalars(
                select(model.id).where(getattr(model, column) == person_id, model.voided.is_(False))
            ):
                out.add((model.__tablename__, row_id))
    return out


def _person(store, pid) -> Person:
    with store.read() as s:
        return s.get(Person, pid)


@pytest.fixture
def two(store):
    """Kath Nelson twice: on the first case as victim with a report, a risk assessment and an
    intervention naming her; as 'Katherine Nelson', complainant on the second case with
    another phone, the same postcode and a date of birth."""
    first = new_case(store, "CAR-2026-0001")
    second = new_case(store, "CAR-2026-0002")
    kath = add_person(store, first, "Kath Nelson", phone="07700 900123",
                      address="4 Eden Street, Carlisle CA3 9LS")  # fmt: skip
    katherine = add_person(store, second, "Katherine Nelson", role="complainant",
                           phone="+44 7700 900777", email="k.nelson@example.org",
                           address="4 Eden St, Carlisle CA3 9LS")  # fmt: skip
    with store.write() as s:
        s.get(Person, katherine).date_of_birth = date(1980, 2, 3)
        channel = s.scalar(select(Channel.id).limit(1))
        tool = s.scalar(select(InterventionType.id).limit(1))
        s.add(Contact(case_id=second, channel_id=channel, received_at=datetime(2026, 5, 2, 9),
                      reporter_person_id=katherine))  # fmt: skip
        s.add(RiskAssessment(case_id=second, person_id=katherine, answers={}, score=1,
                             level="standard", assessed_at=datetime(2026, 5, 2, 10),
                             assessed_by="PC Test"))  # fmt: skip
        s.add(Intervention(case_id=second, intervention_type_id=tool, person_id=katherine,
                           agency_id=agency_id(store, "POLICE"), issued_on=date(2026, 5, 3)))  # fmt: skip
    return {"first": first, "second": second, "kath": kath, "katherine": katherine}


# --- the review -------------------------------------------------------------------------------


def test_the_review_lists_likely_pairs_with_their_reasons(store, two):
    mary = new_case(store, "CAR-2026-0003")
    a = add_person(store, mary, "Mary Tyson", phone="016973 20145")
    b = add_person(store, mary, "M Tyson", phone="01697 320145", role="witness")
    c = add_person(store, mary, "Jonh Carr", address="2 Eden Street, Carlisle CA3 9LS")
    d = add_person(store, mary, "John Carr", role="witness", address="9 Eden Street CA3 9LS")
    e = add_person(store, mary, "Ann Lee", email="Ann.Lee@Example.org")
    f = add_person(store, mary, "Anne Lee", email="ann.lee@example.org", role="witness")
    g = add_person(store, mary, "Ian Grey", address="1 Rose Lane, Carlisle CA1 2AB")
    add_person(store, mary, "Tom Grey", address="3 Rose Lane, Carlisle CA1 2AB", role="witness")
    pairs = {frozenset((p.first.id, p.second.id)): p.reasons for p in merging.duplicates(store)}
    assert pairs[frozenset((a, b))] == ("same phone",)
    assert pairs[frozenset((c, d))] == ("similar name in the same street",)  # a typing slip
    assert pairs[frozenset((e, f))] == ("same e-mail",)
    assert pairs[frozenset((two["kath"], two["katherine"]))] == (
        "similar name in the same street",)  # a short form  # fmt: skip
    assert not any(g in pair for pair in pairs), "Ian and Tom Grey are different names"
    assert len(pairs) == 4


def test_a_number_many_people_give_tells_no_one_apart(store):
    case = new_case(store)
    for n in range(merging.COMMON + 1):
        add_person(store, case, f"Tenant {n} Person{n}", phone="01228 817000")
    assert merging.duplicates(store) == []


def test_a_pair_found_distinct_is_not_listed_again(store, two):
    assert len(merging.duplicates(store)) == 1
    merging.mark_distinct(store, two["katherine"], two["kath"])
    merging.mark_distinct(store, two["kath"], two["katherine"])  # once is enough
    assert merging.duplicates(store) == []


def test_same_name_and_date_of_birth(store):
    case = new_case(store)
    a = add_person(store, case, "Lee Mason")
    b = add_person(store, case, "LEE MASON", role="witness")
    with store.write() as s:
        for pid in (a, b):
            s.get(Person, pid).date_of_birth = date(1990, 1, 1)
    [pair] = merging.duplicates(store)
    assert pair.reasons == ("same name and date of birth",)


# --- a merge ----------------------------------------------------------------------------------


def test_a_merge_moves_every_link_and_loses_nothing(store, two):
    kath, katherine = two["kath"], two["katherine"]
    before = _links(store, kath) | _links(store, katherine)
    assert len(before) == 5
    done = merging.merge(store, kath, katherine, "Same phone owner confirmed by PC Test")
    assert done.moved == 4
    assert _links(store, kath) == before and _links(store, katherine) == set()
    kept, dropped = _person(store, kath), _person(store, katherine)
    assert dropped.voided and not kept.voided
    # the dropped row keeps its name only; its details are on the merge record
    assert (dropped.full_name, dropped.phone, dropped.email, dropped.address,
            dropped.date_of_birth) == ("Katherine Nelson", "", "", "", None)  # fmt: skip
    # empty details filled from the other; differing ones kept on the merge record
    assert (kept.phone, kept.email, kept.date_of_birth) == (
        "07700 900123", "k.nelson@example.org", date(1980, 2, 3))  # fmt: skip
    assert done.filled == ("date_of_birth", "email")
    page = people.show(store, kath)
    assert sorted(c.reference for c in page.cases) == ["CAR-2026-0001", "CAR-2026-0002"]
    [line] = page.merges
    assert line.other == katherine and line.reason.startswith("Same phone")
    assert dict(line.other_details) == {"full_name": "Katherine Nelson",
                                        "phone": "+44 7700 900777",
                                        "address": "4 Eden St, Carlisle CA3 9LS"}  # fmt: skip
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                          .where(AuditEntry.kind == audit.Kind.COMBINATION)).first()  # fmt: skip
        assert set(entry.record_ids) == {str(kath), str(katherine)}
    assert people.find(store, "katherine nelson")[0].id == kath  # the search finds the kept one


def test_the_stricter_locked_down_status_survives(store, two):
    with store.write() as s:
        s.get(Person, two["katherine"]).locked_down = True
    _sign_in_as(store, "coordinator")  # who may see a locked-down person's details
    merging.merge(store, two["kath"], two["katherine"], "one person")
    assert _person(store, two["kath"]).locked_down


def test_the_same_role_on_one_case_becomes_one_row(store, two):
    add_person(store, two["first"], "Katherine N", role="victim")
    with store.write() as s:
        s.add(CasePerson(case_id=two["first"], person_id=two["katherine"], role="victim"))
    merging.merge(store, two["kath"], two["katherine"], "one person")
    with store.read() as s:
        roles = s.execute(select(CasePerson.case_id, CasePerson.role).where(
            CasePerson.person_id == two["kath"], CasePerson.voided.is_(False))).all()  # fmt: skip
    assert sorted(roles, key=str) == sorted([(two["first"], "victim"),
                                             (two["second"], "complainant")], key=str)  # fmt: skip


@pytest.mark.parametrize(("keep", "drop", "reason", "said"), [
    ("kath", "kath", "x", "cannot be merged into themselves"),
    ("kath", "katherine", "  ", "Give a reason"),
    ("kath", None, "x", "is on a case you can see"),
])  # fmt: skip
def test_bad_merges_are_refused_and_change_nothing(store, two, keep, drop, reason, said):
    before = (_links(store, two["kath"]), _links(store, two["katherine"]))
    other = two[drop] if drop else uuid.uuid4()
    with pytest.raises(Refused, match=said):
        merging.merge(store, two[keep], other, reason)
    assert (_links(store, two["kath"]), _links(store, two["katherine"])) == before
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(PersonMerge)) == 0


def _sign_in_as(store, role: str, agency: str | None = None) -> None:
    accounts.create_account(store, AccountDraft("admin", "Ada Admin", "administrator"),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    if role != "administrator":
        accounts.create_account(store, AccountDraft("who", "Who Ever", role,
                                                    agency_id(store, agency) if agency else None),
                                STAFF_PASSWORD)  # fmt: skip
        accounts.sign_in(store, "who", STAFF_PASSWORD)


@pytest.mark.parametrize("role", ["partner", "read_only", "police"])
def test_partners_and_read_only_accounts_cannot_merge(store, two, role):
    council = agency_id(store, "CUMBERLAND")
    for case in (two["first"], two["second"]):
        assignments.set_role(store, case, council, "lead")
    _sign_in_as(store, role, "CUMBERLAND")
    with pytest.raises(Refused):
        merging.duplicates(store)
    with pytest.raises(Refused):
        merging.merge(store, two["kath"], two["katherine"], "one person")
    assert not _person(store, two["katherine"]).voided


def test_a_locked_down_person_hidden_from_the_account_cannot_be_merged(store):
    """A coordinator of the Carlisle hub does not see the details of a locked-down person
    on South Lakeland's cases, so cannot compare them, and is refused the merge."""
    from casework import hub_id

    first = new_case(store, "SLK-2026-0001", hub="SLK")
    second = new_case(store, "SLK-2026-0002", hub="SLK")
    a = add_person(store, first, "Lorna Quayle", phone="07700 900555", locked_down=True)
    b = add_person(store, second, "Lorna Quayle", phone="07700 900555")
    accounts.create_account(store, AccountDraft("admin", "Ada Admin", "administrator"),
                            STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "admin", STAFF_PASSWORD)
    accounts.create_account(store, AccountDraft("cat", "Cat Coordinator", "coordinator", None,
                                                hub_id(store, "CAR")), STAFF_PASSWORD)  # fmt: skip
    accounts.sign_in(store, "cat", STAFF_PASSWORD)
    assert merging.duplicates(store) == []  # a pair with a hidden person is not offered
    for keep, drop in ((a, b), (b, a)):
        with pytest.raises(Refused, match="is locked down"):
            merging.merge(store, keep, drop, "one person")
    assert not _person(store, a).voided and not _person(store, b).voided


# --- the undo ---------------------------------------------------------------------------------


def test_an_administrator_undoes_a_merge_exactly(store, two):
    kath, katherine = two["kath"], two["katherine"]
    links = (_links(store, kath), _links(store, katherine))
    kept_before = _person(store, kath)
    done = merging.merge(store, kath, katherine, "one person")
    assert merging.find_merge(store, people.reference(katherine)) == done.merge_id
    undone = merging.unmerge(store, done.merge_id, "two sisters after all")
    assert undone.moved_back == 4 and undone.left == 0
    assert (_links(store, kath), _links(store, katherine)) == links
    kept, back = _person(store, kath), _person(store, katherine)
    assert not back.voided
    assert (back.phone, back.email, back.date_of_birth) == (
        "+44 7700 900777", "k.nelson@example.org", date(1980, 2, 3))  # fmt: skip
    assert (kept.email, kept.date_of_birth) == (kept_before.email, kept_before.date_of_birth)
    assert people.show(store, kath).merges == []
    with pytest.raises(Refused, match="undone already"):
        merging.unmerge(store, done.merge_id, "again")


def test_a_merge_older_than_30_days_is_not_undone(store, two):
    done = merging.merge(store, two["kath"], two["katherine"], "one person",
                         now=datetime.now() - timedelta(days=31))  # fmt: skip
    with pytest.raises(Refused, match="more than 30 days ago"):
        merging.unmerge(store, done.merge_id, "late")


def test_only_an_administrator_undoes(store, two):
    done = merging.merge(store, two["kath"], two["katherine"], "one person")
    _sign_in_as(store, "coordinator")
    with pytest.raises(Refused, match="administrator"):
        merging.unmerge(store, done.merge_id, "mine")
    assert _person(store, two["katherine"]).voided


def test_a_link_changed_since_the_merge_is_left_as_it_is(store, two):
    done = merging.merge(store, two["kath"], two["katherine"], "one person")
    with store.write() as s:
        row = s.scalar(select(Intervention).where(Intervention.person_id == two["kath"]))
        row.person_id = None  # taken off since
    undone = merging.unmerge(store, done.merge_id, "two people")
    assert (undone.moved_back, undone.left) == (3, 1)


# --- subject access and erasure through merges -------------------------------------------


def test_subject_access_and_erasure_follow_the_person_through_merges(store, two):
    kath, katherine = two["kath"], two["katherine"]
    merging.merge(store, kath, katherine, "one person")
    found = subject_access.gather(store, kath)
    [merged] = found["merged_records"]
    assert merged["id"] == str(katherine)
    assert merged["as_recorded"]["phone"] == "+44 7700 900777"
    with pytest.raises(subject_access.PersonNotFound, match="was merged into"):
        subject_access.gather(store, katherine)
    from hubapp.domain.codes import CaseStatus
    from hubapp.store.schema import Case

    with store.write() as s:
        for case in (two["first"], two["second"]):
            s.get(Case, case).status = CaseStatus.CLOSED.value
            s.get(Case, case).closed_on = date(2020, 1, 1)
    retention.erase_person(store, kath, "Subject's erasure request, ref 12", before_due=True)
    with store.read() as s:
        assert s.get(Person, kath) is None and s.get(Person, katherine) is None
        assert s.scalar(select(func.count()).select_from(PersonMerge)) == 0


def test_erasing_a_case_takes_a_merged_person_with_it(store, two):
    from hubapp.domain.codes import CaseStatus
    from hubapp.store.schema import Case

    merging.merge(store, two["kath"], two["katherine"], "one person")
    with store.write() as s:
        for case in (two["first"], two["second"]):
            s.get(Case, case).status = CaseStatus.CLOSED.value
            s.get(Case, case).closed_on = date(2020, 1, 1)
    retention.erase_case(store, two["first"], "Due for erasure", before_due=True)
    assert _person(store, two["kath"]) is not None  # still on the second case
    retention.erase_case(store, two["second"], "Due for erasure", before_due=True)
    with store.read() as s:
        assert s.get(Person, two["kath"]) is None and s.get(Person, two["katherine"]) is None
        assert s.scalar(select(func.count()).select_from(PersonMerge)) == 0


# --- properties -------------------------------------------------------------------------------

_ROLES = ("victim", "complainant", "witness", "alleged_perpetrator")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(links=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from(_ROLES)),
                      min_size=1, max_size=12))  # fmt: skip
def test_a_merge_loses_no_link_and_its_undo_restores_every_one(store, links):
    """Three people on three cases in random roles (the same role on a case more than once
    too): merging the second into the first leaves every case-and-role they had, and the
    undo puts every link back where it was."""
    with store.read() as s:
        n = s.scalar(select(func.count()).select_from(Person))
    cases = [new_case(store, f"CAR-2026-{n + i:04d}") for i in range(3)]
    people_ids = [add_person(store, cases[0], f"P{n} {i}", role="witness") for i in range(3)]
    with store.write() as s:
        for who, case, role in links:
            s.add(CasePerson(case_id=cases[case], person_id=people_ids[who], role=role))
    keep, drop = people_ids[0], people_ids[1]

    def roles_of(*pids):
        with store.read() as s:
            return {(c, r) for c, r in s.execute(select(CasePerson.case_id, CasePerson.role)
                    .where(CasePerson.person_id.in_(pids), CasePerson.voided.is_(False)))}  # fmt: skip

    before_roles = roles_of(keep, drop)
    before = (_links(store, keep), _links(store, drop), _links(store, people_ids[2]))
    done = merging.merge(store, keep, drop, "property")
    assert roles_of(keep) == before_roles and roles_of(drop) == set()
    assert _links(store, people_ids[2]) == before[2]
    merging.unmerge(store, done.merge_id, "property")
    assert (_links(store, keep), _links(store, drop), _links(store, people_ids[2])) == before


# --- the command line -------------------------------------------------------------------------


def test_person_duplicates_merge_and_unmerge_on_the_command_line(store, two, monkeypatch, capsys):
    path = store.path
    store.close()

    def run(*args):
        return run_command(path, "person", *args, password=None, monkeypatch=monkeypatch,
                           capsys=capsys)  # fmt: skip

    code, out, err = run("duplicates", "--format", "json")
    assert code == 0, err
    [pair] = json.loads(out)
    assert pair["reasons"] == ["similar name in the same street"]
    assert err.strip() == "1 likely duplicate pair."
    keep, drop = people.reference(two["kath"]), people.reference(two["katherine"])
    for args, said in (
        (("merge", keep, keep, "--reason", "x"), "cannot be merged into themselves"),
        (("merge", keep, "P-00000000", "--reason", "x"), "No person with that reference"),
        (("merge", keep, drop, "--reason", " "), "Give a reason"),
        (("unmerge", keep, "--reason", "x"), "No merge of"),
    ):
        code, out, err = run(*args)
        assert code == 1 and said in err and len(err.strip().splitlines()) == 1, (args, err)
    code, out, err = run("merge", keep, drop, "--reason", "same woman")
    assert code == 0, err
    assert out.startswith(f"Merged Katherine Nelson ({drop}) into Kath Nelson ({keep}): 4 links")
    code, out, err = run("show", keep, "--format", "json")
    assert [m["reference"] for m in json.loads(out)["merged_from"]] == [drop]
    code, out, err = run("unmerge", drop, "--reason", "sisters")
    assert code == 0 and out.strip() == f"Restored {drop}: 4 links moved back.", err
    code, out, err = run("distinct", keep, drop)
    assert code == 0, err
    code, out, err = run("duplicates")
    assert code == 0 and out == "" and err.strip() == "0 likely duplicate pairs."


def test_a_person_another_hub_recorded_is_merged_by_that_hub(store, two):
    """A person pulled with a case another hub shared is that hub's to change: the central
    database would refuse the rest of the merge, so the station refuses all of it."""
    import uuid as _uuid

    from hubapp.store import setup
    from hubapp.store.schema import Station

    setup.configure(store, "Carlisle", "Carlisle Civic Centre")
    from casework import hub_id

    with store.write() as s:
        barrow = Station(id=_uuid.uuid4(), hub_id=hub_id(store, "BAR"),
                         name="Barrow Police Station")  # fmt: skip
        s.add(barrow)
        s.flush()
        s.get(Person, two["katherine"]).station_id = barrow.id
    with pytest.raises(Refused, match="recorded by another hub; that hub can merge them"):
        merging.merge(store, two["kath"], two["katherine"], "one person")
    assert not _person(store, two["katherine"]).voided
    assert len(_links(store, two["katherine"])) == 4
