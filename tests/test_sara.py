"""The SARA / OSARA plan: saved with a version check; two windows never overwrite."""

from __future__ import annotations

import pytest
from casework import new_case

from hubapp.store.casework import sara, workflow
from hubapp.store.errors import EditConflict


def test_a_new_plan_is_saved_and_loaded_exactly(store):
    case_id = new_case(store)
    state = sara.load(store, case_id)
    assert state.row_version == 0 and state.draft.is_empty
    draft = sara.SaraDraft(objective="Halve reports 🚲 <i>by June</i>", pat_offender="Youths",
                           pat_manager="Parks team", impact_goal="reduce")  # fmt: skip
    v = sara.save(store, case_id, 0, draft)
    loaded = sara.load(store, case_id)
    assert loaded.row_version == v == 1
    assert loaded.draft == draft


def test_two_windows_the_second_save_is_refused(store):
    case_id = new_case(store)
    v = sara.save(store, case_id, 0, sara.SaraDraft(objective="First"))
    sara.save(store, case_id, v, sara.SaraDraft(objective="Window A"))
    with pytest.raises(EditConflict, match="saved by someone else"):
        sara.save(store, case_id, v, sara.SaraDraft(objective="Window B"))
    assert sara.load(store, case_id).draft.objective == "Window A"


def test_two_windows_both_creating_a_plan(store):
    case_id = new_case(store)
    sara.save(store, case_id, 0, sara.SaraDraft(objective="A"))
    with pytest.raises(EditConflict):
        sara.save(store, case_id, 0, sara.SaraDraft(objective="B"))


def test_bad_impact_goal_and_overlong_text_are_refused(store):
    case_id = new_case(store)
    with pytest.raises(workflow.CaseworkError) as err:
        sara.save(store, case_id, 0, sara.SaraDraft(hypothesis="x" * 10_001, impact_goal="win"))
    assert {p.field for p in err.value.problems} == {"hypothesis", "impact_goal"}
    assert sara.load(store, case_id).row_version == 0
