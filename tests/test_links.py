"""Linked cases (issue 16): the store's rules and the command line, on real SQLite files."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from casework import (
    STAFF,
    STAFF_PASSWORD,
    add_person,
    agency_id,
    new_case,
    run_command,
    staff_database,
    state,
)
from sqlalchemy import func, select

from hubapp.domain.codes import StaffRole
from hubapp.store import access, accounts, roles
from hubapp.store.admin import retention
from hubapp.store.casework import assignments, caseview, links, timeline
from hubapp.store.database import open_store
from hubapp.store.errors import Refused
from hubapp.store.roles import Op
from hubapp.store.schema import (
    AuditEntry,
    Case,
    CaseLink,
    CasePerson,
    CaseStatusChange,
    Channel,
    Contact,
    Person,
)

REASON = "Same group of youths on bikes, same park"


@pytest.fixture
def two(store):
    """Two open cases of Carlisle: the one links are made on, and the other."""
    return new_case(store, "CAR-2026-0042"), new_case(store, "CAR-2026-0043",
                                                      summary="Bikes on the river path")  # fmt: skip


def _contact(store, case_id, day: int, summary: str, **values) -> uuid.UUID:
    with store.write(reason="test contact") as s:
        c = Contact(id=uuid.uuid4(), case_id=case_id, channel_id=s.scalar(select(Channel.id)),
                    received_at=datetime(2026, 5, day, 9, 0), summary=summary, **values)  # fmt: skip
        s.add(c)
        return c.id


def _live_contacts(store, case_id) -> list[Contact]:
    with store.read() as s:
        return list(s.scalars(select(Contact).where(Contact.case_id == case_id,
                                                    Contact.voided.is_(False))
                              .order_by(Contact.received_at)))  # fmt: skip


def _linked(store, case_id) -> list[tuple[str, str]]:
    """The timeline's entries about links, newest first: (title, text)."""
    return [(e.title, e.text) for e in timeline.entries(store, case_id) if e.kind == "link"]


# --- related ---------------------------------------------------------------------------------


def test_a_related_link_is_shown_from_both_cases_with_its_reason(store, two):
    kept, other = two
    done = links.link(store, kept, other, "related", f"  {REASON}  ")
    assert done.describe() == "CAR-2026-0042 linked to CAR-2026-0043 as related."
    [here] = caseview.load(store, kept).links
    [there] = caseview.load(store, other).links
    assert here.id == there.id == done.link_id
    assert (here.made_here, here.other_id, here.other_reference, here.other_summary,
            here.other_status, here.other_hub, here.reason, here.kind) == (
        True, other, "CAR-2026-0043", "Bikes on the river path", "new", "Carlisle", REASON,
        "related")  # fmt: skip
    assert (there.made_here, there.other_id, there.other_reference) == (False, kept,
                                                                        "CAR-2026-0042")  # fmt: skip
    # both timelines say so, with the reason
    assert _linked(store, kept) == [("Linked to CAR-2026-0043 as related", f"Reason: {REASON}")]
    assert _linked(store, other) == [("Linked to CAR-2026-0042 as related", f"Reason: {REASON}")]
    # nothing else of either case changed
    with store.read() as s:
        assert {c.status for c in s.scalars(select(Case))} == {"new"}


def test_a_link_is_audited_as_an_alteration_of_both_cases(store, two):
    kept, other = two
    with store.read() as s:
        last = s.scalar(select(func.max(AuditEntry.id)))
    done = links.link(store, kept, other, "related", REASON)
    with store.read() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.id > last)))
    made = [e for e in entries if e.entity == "case_link"]
    assert [(e.kind, e.record_ids) for e in made] == [("collection", [str(done.link_id)])]
    [told] = [e for e in entries if e.entity == "case_" and e.kind == "alteration"]
    assert told.record_ids == [str(kept), str(other)] and told.reason == "cases linked"
    assert told.details == {"link": str(done.link_id), "kind": "related", "contacts_moved": 0,
                            "closed_as_duplicate": False}  # fmt: skip
    assert REASON not in str([e.details for e in entries])  # free text stays out of the log


# --- what is refused ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ask", "sentence"),
    [
        (lambda k, o: (k, k, "related", REASON, False), links.SELF),
        (lambda k, o: (k, uuid.uuid4(), "related", REASON, False), links.NO_OTHER),
        (lambda k, o: (k, o, "related", "", False), links.NO_REASON),
        (lambda k, o: (k, o, "related", " \n\t ", False), links.NO_REASON),
        (lambda k, o: (k, o, "related", "x" * 2001, False), links.TOO_LONG),
        (lambda k, o: (k, o, "duplicate", REASON, False), links.UNKNOWN_KIND),
        (lambda k, o: (k, o, "related", REASON, True), links.MOVE_ONLY_SAME),
    ],
    ids=["itself", "missing case", "no reason", "blank reason", "long reason", "unknown kind",
         "moving for a related case"],
)  # fmt: skip
def test_a_bad_link_is_refused_in_one_sentence_and_nothing_is_written(store, two, ask, sentence):
    case_id, other_id, kind, reason, move = ask(*two)
    before = state(store.path)
    with pytest.raises(links.LinkRefused) as refused:
        links.link(store, case_id, other_id, kind, reason, move_contacts=move)
    assert str(refused.value) == sentence
    assert sentence.endswith(".") and sentence.count(". ") == 0  # one sentence
    assert state(store.path) == before


def test_a_link_that_exists_either_way_round_is_refused(store, two):
    kept, other = two
    links.link(store, kept, other, "related", REASON)
    before = state(store.path)
    for a, b, kind in ((kept, other, "related"), (other, kept, "related"),
                       (other, kept, "same_problem")):  # fmt: skip
        with pytest.raises(links.LinkRefused) as refused:
            links.link(store, a, b, kind, "Again")
        assert "are already linked" in str(refused.value)
    assert state(store.path) == before


def test_a_removed_case_cannot_be_linked(store, two):
    kept, other = two
    with store.write(reason="test") as s:
        s.get(Case, other).voided = True
    with pytest.raises(links.LinkRefused, match="^The other case does not exist"):
        links.link(store, kept, other, "related", REASON)


def test_a_case_is_found_by_its_reference_as_typed(store, two):
    kept, _other = two
    assert links.find_case(store, "  car-2026-0042 ") == kept
    with pytest.raises(links.LinkRefused) as refused:
        links.find_case(store, "CAR-2026-9999")
    assert str(refused.value) == "There is no case CAR-2026-9999 that you can see; check the " \
                                 "reference."  # fmt: skip
    assert refused.value.problems[0].field == "other"
    with pytest.raises(links.LinkRefused, match="^Type the other case's reference"):
        links.find_case(store, "   ")


# --- the same problem --------------------------------------------------------------------------


def test_the_same_problem_moves_the_contacts_and_closes_the_other_as_a_duplicate(store, two):
    kept, other = two
    _contact(store, kept, 1, "First report")
    reporter = add_person(store, other, "Rhona Reporter", role="complainant")
    _contact(store, other, 2, "Bikes again", reporter_person_id=reporter, consent_to_contact=True,
             external_ref="101-0042", import_key="k" * 64)  # fmt: skip
    _contact(store, other, 3, "Anonymous call", anonymous=True)
    _contact(store, other, 4, "Bikes at night")
    originals = _live_contacts(store, other)
    assert (len(_live_contacts(store, kept)), len(originals)) == (1, 3)

    done = links.link(store, kept, other, "same_problem", REASON, move_contacts=True,
                      today=date(2026, 5, 6))  # fmt: skip
    assert (done.moved, done.closed) == (3, True)
    assert done.describe() == ("CAR-2026-0042 linked to CAR-2026-0043 as the same problem: "
                               "3 contacts moved here, CAR-2026-0043 closed as a duplicate.")  # fmt: skip
    moved = _live_contacts(store, kept)
    assert len(moved) == 4 and _live_contacts(store, other) == []
    values = ("channel_id", "received_at", "incident_at", "reporter_person_id", "anonymous",
              "consent_to_contact", "summary", "external_ref", "place_id")  # fmt: skip
    assert [tuple(getattr(c, v) for v in values) for c in moved[1:]] == [
        tuple(getattr(c, v) for v in values) for c in originals]  # fmt: skip
    with store.read() as s:
        gone = {c.id: c for c in s.scalars(select(Contact).where(Contact.case_id == other))}
        assert set(gone) == {c.id for c in originals} and all(c.voided for c in gone.values())
        # the import key stays with the original: importing its file again adds nothing
        assert [c.import_key for c in moved] == [None] * 4
        assert any(c.import_key == "k" * 64 for c in gone.values())
        # the reporter joins the kept case
        roles_of = s.execute(select(CasePerson.person_id, CasePerson.role)
                             .where(CasePerson.case_id == kept)).all()  # fmt: skip
        assert roles_of == [(reporter, "reporter")]
        closed = s.get(Case, other)
        assert (closed.status, closed.outcome, closed.closed_on) == ("closed", "duplicate",
                                                                     date(2026, 5, 6))  # fmt: skip
        assert closed.closure_rationale == "The same problem as CAR-2026-0042; 3 contacts moved " \
                                           "there."  # fmt: skip
        [change] = s.scalars(select(CaseStatusChange).where(CaseStatusChange.case_id == other))
        assert (change.from_status, change.to_status) == ("new", "closed")
        assert change.reason.startswith("Outcome: Duplicate of another case. The same problem")
        assert s.get(Case, kept).status == "new"
    # both timelines
    assert _linked(store, kept) == [(
        "Linked to CAR-2026-0043 as the same problem",
        f"3 contacts moved here, CAR-2026-0043 closed as a duplicate.\nReason: {REASON}")]  # fmt: skip
    assert _linked(store, other) == [(
        "Linked to CAR-2026-0042 as the same problem",
        f"3 contacts moved to CAR-2026-0042, this case closed as a duplicate.\nReason: {REASON}",
    )]  # fmt: skip
    kinds = [e.kind for e in timeline.entries(store, other)]
    assert "status" in kinds and "contact" not in kinds
    view = caseview.load(store, kept)
    assert len(view.contacts) == 4 and [p.name for p in view.people] == ["Rhona Reporter"]
    assert "Rhona Reporter" in [c.reporter for c in view.contacts]


def test_the_same_problem_without_moving_only_links(store, two):
    kept, other = two
    _contact(store, other, 2, "Bikes again")
    done = links.link(store, kept, other, "same_problem", REASON)
    assert (done.moved, done.closed) == (0, False)
    assert len(_live_contacts(store, other)) == 1
    with store.read() as s:
        assert s.get(Case, other).status == "new"


def test_a_closed_other_case_gives_its_contacts_and_stays_closed_as_it_was(store):
    kept = new_case(store, "CAR-2026-0042")
    other = new_case(store, "CAR-2026-0043", status="closed", outcome="resolved",
                     closed_on=date(2026, 4, 1), closure_rationale="Quiet")  # fmt: skip
    _contact(store, other, 2, "Bikes again")
    done = links.link(store, kept, other, "same_problem", REASON, move_contacts=True)
    assert (done.moved, done.closed) == (1, False)
    assert done.describe().endswith("1 contact moved here.")
    assert _linked(store, kept) == [("Linked to CAR-2026-0043 as the same problem",
                                     f"1 contact moved here.\nReason: {REASON}")]  # fmt: skip
    with store.read() as s:
        c = s.get(Case, other)
        assert (c.status, c.outcome) == ("closed", "resolved")
        assert s.scalar(select(func.count()).select_from(CaseStatusChange)) == 0


def test_a_refused_closing_leaves_the_contacts_where_they_were(store, two):
    """Everything is one transaction: the closing refused (a case that says it is closed
    nowhere else), nothing moved and no link."""
    kept, other = two
    _contact(store, other, 2, "Bikes again")
    with store.write(reason="test") as s:
        s.get(Case, other).status = "no such status"
    before = state(store.path)
    with pytest.raises(Refused, match="does not know"):
        links.link(store, kept, other, "same_problem", REASON, move_contacts=True)
    assert state(store.path) == before


# --- removing a link, and erasing a linked case --------------------------------------------------


def test_a_link_can_be_removed_and_made_again(store, two):
    kept, other = two
    done = links.link(store, kept, other, "related", REASON)
    links.unlink(store, done.link_id)
    assert caseview.load(store, kept).links == [] and caseview.load(store, other).links == []
    assert [title for title, _text in _linked(store, other)] == [
        "Link to CAR-2026-0042 removed", "Linked to CAR-2026-0042 as related"]  # fmt: skip
    with pytest.raises(links.LinkRefused, match="no longer exists"):
        links.unlink(store, done.link_id)
    links.link(store, other, kept, "related", REASON)
    assert len(caseview.load(store, kept).links) == 1


def test_erasing_a_linked_case_takes_its_links_with_it(store):
    kept = new_case(store, "CAR-2026-0042")
    closed = new_case(store, "CAR-2026-0043", status="closed", outcome="resolved",
                      closed_on=date(2026, 1, 10), closure_rationale="Quiet")  # fmt: skip
    third = new_case(store, "CAR-2026-0044")
    links.link(store, kept, closed, "related", REASON)
    links.link(store, closed, third, "related", REASON)
    result = retention.erase_case(store, closed, "review", today=date(2040, 1, 1))
    assert result.counts["case_link"] == 2
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(CaseLink)) == 0
    assert caseview.load(store, kept).links == []


# --- who may ------------------------------------------------------------------------------------


@pytest.fixture
def staffed(tmp_path):
    """A station with an account of every role; the council leads its two cases, and a third
    case (police only) is not the partner's."""
    path = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(path)
    accounts.sign_in(store, "ada", STAFF_PASSWORD)
    with store.read() as s:
        first, second = s.scalars(select(Case.id).order_by(Case.seq)).all()
    hidden = new_case(store, "CAR-2026-0003", summary="Police only")
    assignments.set_role(store, hidden, agency_id(store, "POLICE"), "lead")
    yield store, first, second, hidden
    store.close()


@pytest.mark.parametrize("role", list(StaffRole), ids=[r.value for r in StaffRole])
def test_only_coordinators_and_administrators_link_cases(staffed, role):
    store, first, second, _hidden = staffed
    name = {StaffRole(r): n for n, (r, _a) in STAFF.items()}[role]
    accounts.sign_in(store, name, STAFF_PASSWORD)
    if role in (StaffRole.COORDINATOR, StaffRole.ADMINISTRATOR):
        links.link(store, first, second, "related", REASON)
        with store.read() as s:
            assert s.scalar(select(CaseLink.created_by)) == name
        return
    before = state(store.path)
    with pytest.raises(access.AccessRefused) as refused:
        links.link(store, first, second, "same_problem", REASON, move_contacts=True)
    assert str(refused.value) == roles.refusal(Op.LINK_CASES, role)
    expected = (roles.READ_ONLY_SENTENCE if role is StaffRole.READ_ONLY
                else "Only a coordinator or an administrator can link cases.")  # fmt: skip
    assert str(refused.value) == expected
    assert state(store.path) == before


def test_a_partner_sees_a_link_only_between_cases_of_their_agency(staffed):
    store, first, second, hidden = staffed
    links.link(store, first, hidden, "related", "Made on the council's case")
    links.link(store, hidden, second, "related", "Made on the police case")
    links.link(store, second, first, "same_problem", "Both the council's")
    accounts.sign_in(store, "cara", STAFF_PASSWORD)  # the council's partner
    for case in (first, second):  # from either end, only the link between the two
        [seen] = caseview.load(store, case).links
        assert (seen.reason, seen.visible) == ("Both the council's", True)
        assert [title for title, _text in _linked(store, case)] == [
            f"Linked to {'CAR-2026-0002' if case == first else 'CAR-2026-0001'} as the same "
            "problem"]  # fmt: skip
    with store.read() as s:
        assert s.scalars(select(CaseLink)).all() == [s.get(CaseLink, seen.id)]
    with pytest.raises(links.LinkRefused, match="^There is no case CAR-2026-0003"):
        links.find_case(store, "CAR-2026-0003")
    # a coordinator sees all three, from every end
    accounts.sign_in(store, "cora", STAFF_PASSWORD)
    assert [x.other_reference for x in caseview.load(store, hidden).links] == [
        "CAR-2026-0001", "CAR-2026-0002"]  # fmt: skip
    assert len(caseview.load(store, first).links) == 2


def test_a_link_to_a_removed_case_names_nothing_of_it(store, two):
    kept, other = two
    links.link(store, kept, other, "related", REASON)
    with store.write(reason="test") as s:
        s.get(Case, other).voided = True
    [line] = caseview.load(store, kept).links
    assert (line.visible, line.other_id, line.other_reference) == (False, None, "")
    assert _linked(store, kept) == [("Linked to a case you cannot see as related",
                                     f"Reason: {REASON}")]  # fmt: skip


# --- the command line --------------------------------------------------------------------------


@pytest.fixture
def station(tmp_path):
    """A station's file with accounts and two cases; the second has two contacts."""
    path = staff_database(tmp_path / "hub.sqlite3")
    store = open_store(path)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        with store.read() as s:
            second = s.scalar(select(Case.id).where(Case.reference == "CAR-2026-0002"))
        _contact(store, second, 2, "Bikes again")
        _contact(store, second, 3, "Bikes at night")
    finally:
        store.close()
    return path


def _run(path, *words, monkeypatch, capsys, user="cora"):
    return run_command(path, "--user", user, "case", "link", *words, password=STAFF_PASSWORD,
                       monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip


def test_case_link_on_the_command_line(station, monkeypatch, capsys):
    code, out, err = _run(station, "CAR-2026-0001", "car-2026-0002", "--kind", "related",
                          "--reason", REASON, monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert (code, out, err) == (0, "CAR-2026-0001 linked to CAR-2026-0002 as related.\n", "")


def test_case_link_the_same_problem_moving_the_contacts(station, monkeypatch, capsys):
    code, out, err = _run(station, "CAR-2026-0001", "CAR-2026-0002", "--kind", "same-problem",
                          "--reason", REASON, "--move-contacts", monkeypatch=monkeypatch,
                          capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert out == ("CAR-2026-0001 linked to CAR-2026-0002 as the same problem: 2 contacts moved "
                   "here, CAR-2026-0002 closed as a duplicate.\n")  # fmt: skip
    store = open_store(station)
    try:
        accounts.sign_in(store, "ada", STAFF_PASSWORD)
        with store.read() as s:
            cases = {c.reference: c for c in s.scalars(select(Case))}
            live = dict(s.execute(select(Contact.case_id, func.count()).where(
                Contact.voided.is_(False)).group_by(Contact.case_id)).all())  # fmt: skip
    finally:
        store.close()
    assert (cases["CAR-2026-0002"].status, cases["CAR-2026-0002"].outcome) == ("closed",
                                                                               "duplicate")  # fmt: skip
    assert live == {cases["CAR-2026-0001"].id: 2}


@pytest.mark.parametrize(
    ("words", "sentence"),
    [
        (["CAR-2026-0001", "CAR-2026-0001", "--kind", "related", "--reason", REASON],
         links.SELF),
        (["CAR-2026-0001", "CAR-2026-0099", "--kind", "related", "--reason", REASON],
         "There is no case CAR-2026-0099 that you can see; check the reference."),
        (["CAR-2026-0099", "CAR-2026-0001", "--kind", "related", "--reason", REASON],
         "There is no case CAR-2026-0099 that you can see; check the reference."),
        (["CAR-2026-0001", "CAR-2026-0002", "--kind", "related"], links.NO_REASON),
        (["CAR-2026-0001", "CAR-2026-0002", "--kind", "related", "--reason", "  "],
         links.NO_REASON),
        (["CAR-2026-0001", "CAR-2026-0002", "--kind", "cousins", "--reason", REASON],
         "'cousins' is not a kind of link: use --kind related or --kind same-problem."),
        (["CAR-2026-0001", "CAR-2026-0002", "--reason", REASON],
         "say how the cases are linked: use --kind related or --kind same-problem."),
        (["CAR-2026-0001", "CAR-2026-0002", "--kind", "related", "--reason", REASON,
          "--move-contacts"], links.MOVE_ONLY_SAME),
    ],
    ids=["itself", "unknown other", "unknown first", "no reason", "blank reason",
         "unknown kind", "no kind", "moving for related"],
)  # fmt: skip
def test_case_link_bad_input_is_one_line_and_exit_code_1(station, monkeypatch, capsys, words,
                                                         sentence):  # fmt: skip
    before = state(station)
    code, out, err = _run(station, *words, monkeypatch=monkeypatch, capsys=capsys)
    assert (code, out, err) == (1, "", f"hubapp: {sentence}\n")
    assert state(station) == before


def test_case_link_as_a_partner_is_refused_up_front(station, monkeypatch, capsys):
    before = state(station)
    code, out, err = _run(station, "CAR-2026-0001", "CAR-2026-0002", "--kind", "related",
                          "--reason", REASON, monkeypatch=monkeypatch, capsys=capsys,
                          user="cara")  # fmt: skip
    assert (code, out, err) == (1, "", "hubapp: Only a coordinator or an administrator can link "
                                "cases.\n")  # fmt: skip
    assert state(station) == before


def test_a_person_row_is_not_changed_by_a_move(store, two):
    """Moving contacts writes contacts and case links, never the people themselves."""
    kept, other = two
    reporter = add_person(store, other, "Rhona Reporter")
    _contact(store, other, 2, "Bikes again", reporter_person_id=reporter)
    with store.read() as s:
        version = s.get(Person, reporter).row_version
    links.link(store, kept, other, "same_problem", REASON, move_contacts=True)
    with store.read() as s:
        assert s.get(Person, reporter).row_version == version
