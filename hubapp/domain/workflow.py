"""The status workflow of a case: which moves are allowed, and what each one needs.

::

    new --> triaged --> in_progress <--> under_review
     \\          \\           \\              \\
      `----------`-----------`--------------`--> closed --> reopened
                                                              |
    reopened --> triaged / in_progress / under_review / closed

* A case can be closed from any open status (a duplicate is closed the day it arrives), and
  closing needs an outcome from :class:`CaseOutcome` and a rationale.
* Only a closed case is reopened, and reopening needs a reason.
* Nothing goes back to ``new``; a case under review can go back to in progress.

Plain functions, no database and no Qt: the store enforces them inside its transaction and
the case view asks them which buttons to offer.
"""

from __future__ import annotations

from hubapp.domain.codes import CaseOutcome, CaseStatus

S = CaseStatus

#: status -> the statuses it may move to, in the order the case view offers them
TRANSITIONS: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    S.NEW: (S.TRIAGED, S.IN_PROGRESS, S.CLOSED),
    S.TRIAGED: (S.IN_PROGRESS, S.CLOSED),
    S.IN_PROGRESS: (S.UNDER_REVIEW, S.CLOSED),
    S.UNDER_REVIEW: (S.IN_PROGRESS, S.CLOSED),
    S.CLOSED: (S.REOPENED,),
    S.REOPENED: (S.TRIAGED, S.IN_PROGRESS, S.UNDER_REVIEW, S.CLOSED),
}

#: what a button that makes the move says
VERBS: dict[CaseStatus, str] = {
    S.TRIAGED: "Mark triaged",
    S.IN_PROGRESS: "Start work",
    S.UNDER_REVIEW: "Put under review",
    S.CLOSED: "Close case…",
    S.REOPENED: "Reopen case…",
}

RATIONALE_MAX = 4_000
REASON_MAX = 2_000


def _status(code: str) -> CaseStatus | None:
    try:
        return CaseStatus(code)
    except ValueError:
        return None


def allowed_next(current: str) -> tuple[CaseStatus, ...]:
    """The statuses a case in ``current`` may move to (none for an unknown status)."""
    status = _status(current)
    return TRANSITIONS.get(status, ()) if status is not None else ()


def refusal(current: str, target: str) -> str | None:
    """Why a case in ``current`` cannot move to ``target``, in one sentence; None if it can."""
    now, to = _status(current), _status(target)
    if to is None:
        return f"“{target}” is not a case status."
    if now is None:
        return f"This case has a status this version does not know (“{current}”)."
    if now is to:
        return f"The case is already {to.label.lower()}."
    if to in TRANSITIONS[now]:
        return None
    if now is S.CLOSED:
        return "A closed case must be reopened before its status can change."
    if to is S.REOPENED:
        return "Only a closed case can be reopened."
    if to is S.NEW:
        return "A case cannot go back to new once work on it has started."
    options = ", ".join(s.label.lower() for s in TRANSITIONS[now])
    return f"A case that is {now.label.lower()} can move only to: {options}."


def check(current: str, target: str, outcome: str = "", rationale: str = "",
          reason: str = "") -> list[tuple[str, str]]:  # fmt: skip
    """Everything wrong with a status change, as (field, message) pairs; empty if it may go.

    ``field`` is ``status``, ``outcome``, ``rationale`` or ``reason`` (the form's fields).
    """
    problems: list[tuple[str, str]] = []
    why_not = refusal(current, target)
    if why_not:
        return [("status", why_not)]
    if target == S.CLOSED:
        try:
            CaseOutcome(outcome)
        except ValueError:
            problems.append(("outcome", "Choose the outcome of the case before closing it."))
        if not rationale.strip():
            problems.append(("rationale", "Say why the case can be closed (the rationale)."))
        elif len(rationale) > RATIONALE_MAX:
            problems.append(
                ("rationale", f"The rationale is too long: at most {RATIONALE_MAX:,} characters.")
            )
    elif target == S.REOPENED:
        if not reason.strip():
            problems.append(("reason", "Say why the case is being reopened."))
    if len(reason) > REASON_MAX:
        problems.append(("reason", f"The reason is too long: at most {REASON_MAX:,} characters."))
    return problems
