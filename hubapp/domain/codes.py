"""Enumerated values with their stable codes and their labels (en-GB)."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    UNDER_REVIEW = "under_review"
    CLOSED = "closed"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self is not CaseStatus.CLOSED


_STATUS_LABELS = {
    CaseStatus.NEW: "New",
    CaseStatus.TRIAGED: "Triaged",
    CaseStatus.IN_PROGRESS: "In progress",
    CaseStatus.UNDER_REVIEW: "Under review",
    CaseStatus.CLOSED: "Closed",
    CaseStatus.REOPENED: "Reopened",
}


class RiskLevel(StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return {"standard": 0, "medium": 1, "high": 2}[self.value]


class SaraStage(StrEnum):
    SCANNING = "scanning"
    ANALYSIS = "analysis"
    RESPONSE = "response"
    ASSESSMENT = "assessment"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AgencyRole(StrEnum):
    LEAD = "lead"
    SUPPORT = "support"
    INFORMED = "informed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PersonRole(StrEnum):
    VICTIM = "victim"
    COMPLAINANT = "complainant"
    WITNESS = "witness"
    ALLEGED_PERPETRATOR = "alleged_perpetrator"
    REPORTER = "reporter"
    PLACE_MANAGER = "place_manager"
    GUARDIAN = "guardian"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def label(enum_cls: type[StrEnum], code: str) -> str:
    """The label of a stored code, or the code itself if it is not known (a newer station)."""
    try:
        return enum_cls(code).label  # type: ignore[attr-defined]
    except ValueError:
        return code


#: action statuses that still need work (the grid counts these; RAG colours them)
OPEN_ACTION_STATUSES = frozenset({ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value})
#: action statuses that end an action (it can be reopened)
FINISHED_ACTION_STATUSES = frozenset({ActionStatus.DONE.value, ActionStatus.CANCELLED.value})


# --- casework (issue 3) ---------------------------------------------------------------------


class CaseOutcome(StrEnum):
    """How a closed case ended (required when closing, with a rationale)."""

    RESOLVED = "resolved"
    IMPROVED = "improved"
    NO_FURTHER_ACTION = "no_further_action"
    REFERRED = "referred"
    NOT_RESOLVED = "not_resolved"
    DUPLICATE = "duplicate"
    #: issue 17: why a case closed, as the victim contact plan reports it
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    VICTIM_NOT_ENGAGING = "victim_not_engaging"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    CaseOutcome.RESOLVED: "Resolved",
    CaseOutcome.IMPROVED: "Improved",
    CaseOutcome.NO_FURTHER_ACTION: "No further action",
    CaseOutcome.REFERRED: "Referred to another agency",
    CaseOutcome.NOT_RESOLVED: "Not resolved",
    CaseOutcome.DUPLICATE: "Duplicate of another case",
    CaseOutcome.INSUFFICIENT_EVIDENCE: "Insufficient evidence",
    CaseOutcome.VICTIM_NOT_ENGAGING: "Victim not engaging",
}


class CaseLinkKind(StrEnum):
    """How two linked cases are linked (issue 16): related, or the same problem (one case goes
    on in the other)."""

    RELATED = "related"
    SAME_PROBLEM = "same_problem"

    @property
    def label(self) -> str:
        return "Related" if self is CaseLinkKind.RELATED else "The same problem"


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ImpactGoal(StrEnum):
    """The SARA assessment's impact goal (Eck's five levels of problem reduction)."""

    ELIMINATE = "eliminate"
    REDUCE = "reduce"
    REDUCE_HARM = "reduce_harm"
    HANDLE_BETTER = "handle_better"
    HAND_OVER = "hand_over"

    @property
    def label(self) -> str:
        return {
            "eliminate": "Eliminate the problem",
            "reduce": "Reduce how often it happens",
            "reduce_harm": "Reduce the harm it causes",
            "handle_better": "Handle it better",
            "hand_over": "Hand it over to others",
        }[self.value]


class NoteVisibility(StrEnum):
    SHARED = "shared"
    OWN_AGENCY = "own_agency"

    @property
    def label(self) -> str:
        return "Shared with partners" if self is NoteVisibility.SHARED else "Own agency only"


class InterventionStatus(StrEnum):
    ACTIVE = "active"
    COMPLIED = "complied"
    BREACHED = "breached"
    ENDED = "ended"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_live(self) -> bool:
        """Still in force (a breached one stays in force until it is ended)."""
        return self in (InterventionStatus.ACTIVE, InterventionStatus.BREACHED)


class AppliesTo(StrEnum):
    """What an intervention type is made against."""

    PERSON = "person"
    PLACE = "place"
    EITHER = "either"


class StaffRole(StrEnum):
    """What a staff account may do (issue 7: individual sign-in)."""

    COORDINATOR = "coordinator"
    POLICE = "police"
    PARTNER = "partner"
    READ_ONLY = "read_only"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


class HateAnswer(StrEnum):
    """Whether a case is perceived as hate (College of Policing: recorded by perception);
    "" on a case means not asked."""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"

    @property
    def label(self) -> str:
        return "Not known" if self is HateAnswer.NOT_KNOWN else self.value.capitalize()


class RiskAnswer(StrEnum):
    """An answer to a risk question: yes and no score; declined (the person would not say)
    and not known (nobody could say) add nothing but are shown as given."""

    YES = "yes"
    NO = "no"
    DECLINED = "declined"
    NOT_KNOWN = "not_known"

    @property
    def label(self) -> str:
        return {"not_known": "Not known"}.get(self.value, self.value.capitalize())


class RiskSubject(StrEnum):
    """Whose risk an assessment is of."""

    VICTIM = "victim"
    ALLEGED_PERPETRATOR = "alleged_perpetrator"

    @property
    def label(self) -> str:
        return "Victim" if self is RiskSubject.VICTIM else "Alleged perpetrator"


# --- victim contact (issue 17) ---------------------------------------------------------------


class UpdateMethod(StrEnum):
    """How a victim or complainant was given an update."""

    CALL = "call"
    VISIT = "visit"
    LETTER = "letter"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {UpdateMethod.CALL: "Telephone call", UpdateMethod.VISIT: "Visit",
                UpdateMethod.LETTER: "Letter", UpdateMethod.EMAIL: "E-mail"}[self]  # fmt: skip


class VictimSatisfied(StrEnum):
    """Whether the victims were satisfied with how the case closed (asked when closing;
    recorded in the closing status change, beside the outcome)."""

    YES = "yes"
    NO = "no"
    NOT_ASKED = "not_asked"

    @property
    def label(self) -> str:
        return {VictimSatisfied.YES: "Victim satisfied", VictimSatisfied.NO: "Victim not satisfied",
                VictimSatisfied.NOT_ASKED: "Victim not asked"}[self]  # fmt: skip


class BreachOutcome(StrEnum):
    """What came of a breach of an intervention (issue 17: tools and powers)."""

    FIXED_PENALTY = "fixed_penalty"
    PROSECUTION = "prosecution"
    COMMITTAL = "committal"
    NO_FURTHER_ACTION = "no_further_action"

    @property
    def label(self) -> str:
        return {
            "fixed_penalty": "Fixed penalty notice", "prosecution": "Prosecution",
            "committal": "Committal for contempt", "no_further_action": "No further action",
        }[self.value]  # fmt: skip
