"""Notes are append-only; the timeline merges everything that happened, newest first."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from casework import agency_id, new_case
from sqlalchemy import select

from hubapp.store.casework import timeline, workflow
from hubapp.store.schema import (
    Action,
    Case,
    Channel,
    Contact,
    Intervention,
    InterventionType,
    Note,
    RiskAssessment,
)


def test_a_note_is_stored_with_author_and_visibility(store):
    case_id = new_case(store)
    store.user = "coordinator.a"
    police = agency_id(store, "CUMBRIA_POLICE") or _any_agency(store)
    note_id = timeline.add_note(store, case_id, "  Spoke to <b>resident</b>\r\nAll quiet. ",
                                "own_agency", police)  # fmt: skip
    with store.read() as s:
        note = s.get(Note, note_id)
    assert (note.author, note.visibility, note.agency_id, note.body) == (
        "coordinator.a",
        "own_agency",
        police,
        "Spoke to <b>resident</b>\nAll quiet.",
    )


def _any_agency(store):
    from hubapp.store.schema import Agency

    with store.read() as s:
        return s.scalar(select(Agency.id).limit(1))


@pytest.mark.parametrize(
    ("body", "visibility", "agency", "field"),
    [("", "shared", None, "body"), ("x" * 10_001, "shared", None, "body"),
     ("ok", "everyone", None, "visibility"), ("ok", "own_agency", None, "agency")],
)  # fmt: skip
def test_bad_notes_are_refused_with_the_field(store, body, visibility, agency, field):
    case_id = new_case(store)
    with pytest.raises(workflow.CaseworkError) as err:
        timeline.add_note(store, case_id, body, visibility, agency)
    assert [p.field for p in err.value.problems] == [field]
    with store.read() as s:
        assert s.scalar(select(Note.id)) is None


def test_notes_cannot_be_edited(store):
    case_id = new_case(store)
    note_id = timeline.add_note(store, case_id, "First version")
    with pytest.raises(workflow.CaseworkError, match="cannot be changed"):
        timeline.edit_note(store, note_id, "Second version")
    with pytest.raises(workflow.CaseworkError, match="cannot be changed"):
        with store.write() as s:
            s.get(Note, note_id).body = "Second version"
    with store.write() as s:  # voiding (an audited erasure) is still possible
        s.get(Note, note_id).voided = True
    with store.read() as s:
        note = s.get(Note, note_id)
        assert (note.body, note.voided) == ("First version", True)


def test_the_timeline_merges_everything_newest_first(store):
    case_id = new_case(store)
    police = _any_agency(store)
    with store.write() as s:
        channel = s.scalar(select(Channel.id).limit(1))
        tool = s.scalar(select(InterventionType.id).where(InterventionType.code == "pspo"))
        s.add(Contact(case_id=case_id, channel_id=channel, received_at=datetime(2026, 5, 1, 9),
                      summary="First report"))  # fmt: skip
        s.add(Action(case_id=case_id, agency_id=police, description="Patrol the park",
                     status="done", completed_on=date(2026, 5, 4),
                     created_at=datetime(2026, 5, 2, 10), outcome="Done"))  # fmt: skip
        s.add(Intervention(case_id=case_id, intervention_type_id=tool, agency_id=police,
                           issued_on=date(2026, 5, 6)))  # fmt: skip
        s.add(RiskAssessment(case_id=case_id, level="high", score=9,
                             assessed_at=datetime(2026, 5, 3, 9)))  # fmt: skip
    v = _version(store, case_id)
    workflow.change_status(store, case_id, v, "triaged")
    timeline.add_note(store, case_id, "Latest note")
    entries = timeline.entries(store, case_id)
    kinds = [e.kind for e in entries]
    assert kinds[:2] == ["note", "status"]  # made now, the rest in May 2026
    assert [e.title for e in entries[2:]] == [
        entries[2].title,
        "Action completed by " + entries[3].title.split("by ")[-1],
        "Risk assessed: High",
        entries[5].title,
        "Report by " + entries[6].title[10:],
    ]
    assert [e.kind for e in entries[2:]] == ["intervention", "action", "risk", "action", "contact"]
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def _version(store, case_id: uuid.UUID) -> int:
    with store.read() as s:
        return s.get(Case, case_id).row_version
