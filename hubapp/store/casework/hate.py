"""Hate, recorded by perception (College of Policing): the answer on a case and its strands.

A case is perceived as hate (``yes``), not (``no``), or nobody can say (``not_known``); ``""``
means it was never asked. With ``yes``, one or more of the monitored strands
(``resources/refdata/hate.toml``: the five national ones and any monitored locally) say
towards what the hostility is perceived; with any other answer there are none.

Rules (no Qt):

* An intake of a category the TOML names (``[intake] required_for``; every ``asb_``
  category by default) cannot be saved without the answer (:func:`required_for`).
* A case perceived as hate is at least medium risk (``[risk] at_least``): its own risk level,
  and the level any risk assessment of it computes (:mod:`hubapp.store.casework.risk`).
* ``Case.hate == "yes"`` is what the ASB Case Review's local hate route reads.
* Printed for partners, the flag and the strands are shown and nothing more
  (:func:`describe`).

Changing the answer on a case is a change of the case (``Op.EDIT_CASE``); the audit log
records it as an alteration with the old and new codes.
"""

from __future__ import annotations

import uuid

from hubapp.domain.codes import HateAnswer
from hubapp.domain.hate import (  # noqa: F401  (the rules, as data: for this module's callers)
    ANSWERS,
    describe,
    floor,
    parse,
    required_for,
    rules,
)
from hubapp.store import access
from hubapp.store.errors import Problem, Refused, StoreError
from hubapp.store.schema import Case


def clean(answer, strands, *, field: str = "hate", required: bool = False
          ) -> tuple[str, list[str], list[Problem]]:  # fmt: skip
    """The answer and strands as stored, and what is wrong with them (one sentence on
    ``field``, or on ``{field}_strands``). Never raises."""
    problems: list[Problem] = []
    text = answer.strip().lower().replace(" ", "_") if isinstance(answer, str) else ""
    if text and text not in ANSWERS:
        problems.append(Problem(field, "Answer the hate question yes, no or not known."))
        text = ""
    elif not text and required:
        problems.append(
            Problem(
                field, "Ask whether anyone perceives this as hate: answer yes, no or not known."
            )
        )
    given = [str(s).strip() for s in strands] if isinstance(strands, list | tuple) else []
    given = list(dict.fromkeys(s for s in given if s))
    r = rules()
    unknown = [s for s in given if r.strand(s) is None]
    if unknown:
        problems.append(Problem(f"{field}_strands",
                                f"Unknown hate strands: {', '.join(unknown)}."))  # fmt: skip
        given = [s for s in given if s not in unknown]
    if text == HateAnswer.YES and not given and not unknown:
        problems.append(
            Problem(f"{field}_strands", "Choose the strand or strands the hostility is perceived "
                    "towards (race, religion, sexual orientation, disability, transgender...).")
        )  # fmt: skip
    if text != HateAnswer.YES:
        given = []
    # in the TOML's order, so that the same choice is always stored the same way
    order = {s.code: i for i, s in enumerate(r.strands)}
    return text, sorted(given, key=order.__getitem__), problems


def apply(s, case: Case, answer: str, strands: list[str]) -> bool:
    """Inside a write session: set the case's answer and strands (already clean) and keep its
    risk level at least the hate rule's; True if anything changed."""
    from hubapp.store.casework import risk  # risk reads the rules from hubapp.domain.hate

    changed = case.hate != answer or list(case.hate_strands or []) != strands
    if changed:
        case.hate, case.hate_strands = answer, list(strands)
        risk.update_case(s, case)
    return changed


def set_case_hate(store, case_id: uuid.UUID, answer: str, strands: list[str] | None = None) -> bool:
    """Record the hate answer of a case (a change of the case: coordinators, police and
    administrators); audited as an alteration of the case (the old and new codes). Refused with the problem's
    sentence if the answer or a strand is wrong (nothing changes); True if it changed."""
    access.require_case_edit(store)
    text, clean_strands, problems = clean(answer, strands or [], required=True)
    if problems:
        raise Refused(problems[0].message, problems)
    with store.write(reason="hate answer") as s:
        case = s.get(Case, case_id)
        if case is None:
            access.check_case(s, case_id)
        if case is None or case.voided:
            raise StoreError("This case no longer exists.")
        return apply(s, case, text, clean_strands)
