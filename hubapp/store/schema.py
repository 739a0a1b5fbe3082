"""The hub database: SQLAlchemy 2 typed ORM tables.

Conventions, so that sync (central PostgreSQL) and audit need no rework later:

* Every synced row has a client-made UUID primary key, a row version (also used for
  optimistic locking: two windows editing one case cannot silently overwrite each other),
  created/updated times in UTC, the station that last wrote it, and a void flag. Rows are
  voided, never deleted (erasure under data-protection law is the one exception and is
  audited).
* ``audit_log`` is append-only: triggers refuse UPDATE and DELETE, and each entry carries the
  hash of the one before it.
* Local-only tables (``local_setting``, ``reference_counter``) are not synced.

Enumerated values (status, risk level, roles) are stored as their stable lower-case codes;
``hubapp.domain`` owns their labels and the rules between them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from hubapp.domain.clock import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Synced:
    """Columns every synced table carries."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    #: the station that last wrote the row (no foreign key: rows arrive from other stations)
    station_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    voided: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # row_version doubles as the optimistic lock: an UPDATE based on a stale version
        # matches no row and raises StaleDataError instead of overwriting silently.
        return {"version_id_col": cls.__table__.c.row_version}


class OfACase:
    """A row that belongs to one case, by its ``case_id``: whoever may not see the case sees
    none of its rows either (``hubapp.store.access`` applies the case rule to every select
    of such a row, however it is written)."""

    #: each such table maps its own ``case_id``; this stands for them all where the rule is
    #: built (SQLAlchemy runs the rule's lambda once on this class to analyse it)
    case_id = None


# --- reference data ---------------------------------------------------------------------


class Hub(Synced, Base):
    __tablename__ = "hub"
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    base: Mapped[str] = mapped_column(String(120))
    town: Mapped[str] = mapped_column(String(80))
    council_code: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AgencyType(Synced, Base):
    __tablename__ = "agency_type"
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class Agency(Synced, Base):
    __tablename__ = "agency"
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    short_name: Mapped[str] = mapped_column(String(40))
    agency_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_type.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    agency_type: Mapped[AgencyType] = relationship()


class HubAgency(Synced, Base):
    """An agency taking part in a hub (a column of that hub's assignment grid)."""

    __tablename__ = "hub_agency"
    __table_args__ = (UniqueConstraint("hub_id", "agency_id"),)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Category(Synced, Base):
    __tablename__ = "category"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Channel(Synced, Base):
    __tablename__ = "channel"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Station(Synced, Base):
    """A PC (or group of PCs sharing one database) working for a hub."""

    __tablename__ = "station"
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    name: Mapped[str] = mapped_column(String(120))
    #: set when a hub has several stations so their case references never collide
    ref_prefix: Mapped[str] = mapped_column(String(4), default="")


# --- case work --------------------------------------------------------------------------


class Place(Synced, Base):
    __tablename__ = "place"
    hub_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hub.id"))
    name: Mapped[str] = mapped_column(String(200))  # address or description
    town: Mapped[str] = mapped_column(String(80), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    grid_ref: Mapped[str] = mapped_column(String(20), default="")
    place_type: Mapped[str] = mapped_column(String(40), default="")


class Case(Synced, Base):
    __tablename__ = "case_"  # "case" is an SQL keyword
    #: a local integer key: the full-text index and the case list page by it
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")
    risk_level: Mapped[str] = mapped_column(String(16), default="standard")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    sara_stage: Mapped[str] = mapped_column(String(16), default="scanning")
    lead_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("place.id"))
    location: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(80), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    grid_ref: Mapped[str] = mapped_column(String(20), default="")
    summary: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    police_log_ref: Mapped[str] = mapped_column(String(40), default="")
    council_ref: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime)
    incident_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    closure_rationale: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[date | None] = mapped_column(Date)
    #: hate, recorded by perception (migration 0012): yes, no, not_known, or "" (not asked)
    hate: Mapped[str] = mapped_column(String(12), default="", server_default="")
    #: the monitored strands perceived (codes from resources/refdata/hate.toml)
    hate_strands: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    __table_args__ = (
        # covering indexes for the case list (migration 0002 explains them)
        Index("ix_case_by_seq", "seq", "voided", "hub_id", "status", "category_id",
              "lead_agency_id", "received_at"),
        Index("ix_case_by_received", "received_at", "seq", "voided", "hub_id", "status",
              "category_id"),
        Index("ix_case_by_hub", "hub_id", "received_at", "seq", "voided", "status", "category_id"),
        Index("ix_case_status", "status"),
        Index("ix_case_category", "category_id"),
        # the ASB Case Review queue's cases, with the hate answer of its local route (0012)
        Index("ix_case_review_route", "id", "voided", "hub_id", "hate"),
    )  # fmt: skip


class Person(Synced, Base):
    __tablename__ = "person"
    full_name: Mapped[str] = mapped_column(String(160))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    #: a locked-down person shows only their name and the agencies involved
    locked_down: Mapped[bool] = mapped_column(Boolean, default=False)
    #: flagged as a vulnerable adult by a person, with why (migration 0012; a child is
    #: flagged from the date of birth, never stored)
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    vulnerable_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: consent to share, where it is the basis: given, refused, or "" (not asked)
    share_consent: Mapped[str] = mapped_column(String(12), default="", server_default="")
    share_consent_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # duplicate suggestions while typing an intake (hubapp.store.intake.duplicates) look people
        # up by these expressions; the queries there repeat them exactly
        Index("ix_person_name_key", text("lower(full_name)")),
        Index("ix_person_phone_key", text("replace(phone, ' ', '')")),
        Index("ix_person_email_key", text("lower(email)")),
    )


class CasePerson(OfACase, Synced, Base):
    __tablename__ = "case_person"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    #: victim, complainant, witness, alleged_perpetrator, reporter, place_manager, guardian
    role: Mapped[str] = mapped_column(String(24))
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("place.id"))

    __table_args__ = (
        # a case's victims by role (the ASB Case Review queue; migration 0012): covering
        Index("ix_case_person_role", "case_id", "role", "voided", "person_id"),
    )


class CasePlace(OfACase, Synced, Base):
    __tablename__ = "case_place"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("place.id"), index=True)
    role: Mapped[str] = mapped_column(String(24), default="location")


class Contact(OfACase, Synced, Base):
    """One report that fed a case. Repeat reports attach to the same case."""

    __tablename__ = "contact"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    incident_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: indexed (migration 0010): a person's reports are found from the person
    reporter_person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id"), index=True
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_to_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text, default="")
    external_ref: Mapped[str] = mapped_column(String(60), default="")
    #: where the reported incident happened, when known (ASB Case Review counts per place)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("place.id"), index=True)
    #: a digest of the imported row this contact came from: importing a file twice adds nothing
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    __table_args__ = (
        # the ASB Case Review queue and its early warning read a window of reports by date
        # (migration 0012): covering, so that the window is read from the index alone
        Index("ix_contact_window", "received_at", "voided", "case_id", "incident_at", "place_id",
              "reporter_person_id"),
    )  # fmt: skip


class Assignment(OfACase, Synced, Base):
    """An agency's part in a case: lead, support or informed."""

    __tablename__ = "assignment"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))


class Action(OfACase, Synced, Base):
    __tablename__ = "action"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    owner: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    completed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    #: the partner meeting the action was raised in, if any (migration 0004)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting.id"), index=True)

    __table_args__ = (Index("ix_action_agency_status_due", "agency_id", "status", "due_on"),)


class Note(OfACase, Synced, Base):
    """Append-only timeline entry."""

    __tablename__ = "note"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    author: Mapped[str] = mapped_column(String(120))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    #: shared (with partners on the case) or own_agency
    visibility: Mapped[str] = mapped_column(String(16), default="shared")
    body: Mapped[str] = mapped_column(Text)


class CaseStatusChange(OfACase, Synced, Base):
    """One step of a case's status workflow, with who took it and why (append-only)."""

    __tablename__ = "case_status_change"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class SaraPlan(OfACase, Synced, Base):
    """The SARA / OSARA problem-solving plan of a case (at most one live plan per case)."""

    __tablename__ = "sara_plan"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), unique=True)
    objective: Mapped[str] = mapped_column(Text, default="")
    # scanning
    scan_source: Mapped[str] = mapped_column(Text, default="")  # how it came to notice
    scan_affected: Mapped[str] = mapped_column(Text, default="")  # who is affected
    scan_frequency: Mapped[str] = mapped_column(Text, default="")  # how often
    # analysis: the problem analysis triangle
    pat_offender: Mapped[str] = mapped_column(Text, default="")
    pat_handler: Mapped[str] = mapped_column(Text, default="")
    pat_victim: Mapped[str] = mapped_column(Text, default="")
    pat_guardian: Mapped[str] = mapped_column(Text, default="")
    pat_location: Mapped[str] = mapped_column(Text, default="")
    pat_manager: Mapped[str] = mapped_column(Text, default="")
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    data_used: Mapped[str] = mapped_column(Text, default="")
    # response
    response_options: Mapped[str] = mapped_column(Text, default="")
    response_responsible: Mapped[str] = mapped_column(Text, default="")
    # assessment
    assessment_process: Mapped[str] = mapped_column(Text, default="")
    measure_before: Mapped[str] = mapped_column(Text, default="")
    measure_after: Mapped[str] = mapped_column(Text, default="")
    #: eliminate, reduce, reduce_harm, handle_better, hand_over (or blank)
    impact_goal: Mapped[str] = mapped_column(String(16), default="")
    assessment_impact: Mapped[str] = mapped_column(Text, default="")


class RiskAssessment(OfACase, Synced, Base):
    """A structured victim risk assessment; its level sets the case's next review date."""

    __tablename__ = "risk_assessment"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: question code -> answer code, as asked (the questions are data: resources/refdata)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[str] = mapped_column(String(16))
    assessed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    assessed_by: Mapped[str] = mapped_column(String(120), default="")
    next_review_on: Mapped[date | None] = mapped_column(Date)
    #: whose risk (migration 0012): victim, or alleged_perpetrator
    subject: Mapped[str] = mapped_column(String(24), default="victim", server_default="victim")
    #: a level set by hand over the computed one, with the reason (both or neither)
    override_level: Mapped[str] = mapped_column(String(16), default="", server_default="")
    override_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class InterventionType(Synced, Base):
    """A tool or power (warning letter, ABC, CPW, CPN, PSPO...): configurable reference data."""

    __tablename__ = "intervention_type"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: person, place or either: what the intervention is made against
    applies_to: Mapped[str] = mapped_column(String(8), default="either")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Intervention(OfACase, Synced, Base):
    """A tool or power used on a case, against a person or a place."""

    __tablename__ = "intervention"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    intervention_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intervention_type.id"))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("place.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    conditions: Mapped[str] = mapped_column(Text, default="")
    #: active, complied, breached, ended, revoked
    status: Mapped[str] = mapped_column(String(16), default="active")
    ended_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: the statutory limits (migration 0012): why a soft prerequisite was skipped; who
    #: authorised it (a dispersal: an inspector); who was consulted (a youth offending team)
    override_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    authorised_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    consulted: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: the court hearing a closure notice leads to (within 48 hours of service)
    hearing_on: Mapped[date | None] = mapped_column(Date)


class InterventionBreach(Synced, Base):
    __tablename__ = "intervention_breach"
    intervention_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intervention.id"), index=True)
    breached_on: Mapped[date] = mapped_column(Date)
    details: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    #: fixed_penalty, prosecution, committal, no_further_action, or "" (not yet known)
    outcome: Mapped[str] = mapped_column(String(24), default="", server_default="")


SYNCED_TABLES = [
    Hub, AgencyType, Agency, HubAgency, Category, Channel, Station,
    Place, Case, Person, CasePerson, CasePlace, Contact, Assignment, Action, Note,
    CaseStatusChange, SaraPlan, RiskAssessment, InterventionType, Intervention,
    InterventionBreach,
]  # fmt: skip


# --- local only -------------------------------------------------------------------------


class LocalSetting(Base):
    """This database's own answers: which station it is, and similar. Not synced."""

    __tablename__ = "local_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class IntakeDraft(Base):
    """An unfinished intake form, saved as the user types so a crash loses nothing.

    Local only: a draft belongs to this station until it is saved as a case or contact.
    """

    __tablename__ = "intake_draft"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    user: Mapped[str] = mapped_column(String(120), default="")
    #: a line for the list of drafts (the summary typed so far)
    title: Mapped[str] = mapped_column(String(200), default="")
    #: the form's fields exactly as typed
    fields: Mapped[dict] = mapped_column(JSON, default=dict)


class ReferenceCounter(Base):
    """The last case number handed out per hub and year on this station."""

    __tablename__ = "reference_counter"
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """DPA 2018 s.62 log. Append-only; each entry hashes the previous one."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[str] = mapped_column(String(120), default="")
    station_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: collection, alteration, consultation, disclosure, combination, erasure
    kind: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(40), default="")
    record_ids: Mapped[list] = mapped_column(JSON, default=list)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


# --- partner meetings (migration 0004) --------------------------------------------------


class Meeting(Synced, Base):
    """A hub's partner meeting: one per hub and date (a rule of hubapp.store.casework.meetings)."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_hub_date", "hub_id", "meets_on"),)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    #: the day of the meeting and its start (UK local time, "HH:MM"; a meeting is a local event)
    meets_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[str] = mapped_column(String(5), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(120), default="")
    #: planned or held
    status: Mapped[str] = mapped_column(String(16), default="planned")


class AgendaItem(OfACase, Synced, Base):
    """A case on a meeting's agenda, with why it was added (and why removed: kept, not deleted)."""

    __tablename__ = "agenda_item"
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    #: priority_area, priority_person or emerging_issue
    reason: Mapped[str] = mapped_column(String(24))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(120), default="")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    removed_by: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class MeetingAttendance(Synced, Base):
    """One agency at a meeting: who came, or that it sent apologies."""

    __tablename__ = "meeting_attendance"
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    attendees: Mapped[str] = mapped_column(Text, default="")
    #: present or apologies
    status: Mapped[str] = mapped_column(String(12), default="present")


class MeetingDecision(Synced, Base):
    """A decision recorded at a meeting, about one case or the meeting as a whole."""

    __tablename__ = "meeting_decision"
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120), default="")


SYNCED_TABLES += [Meeting, AgendaItem, MeetingAttendance, MeetingDecision]


# --- people across cases: merges and linked cases (migration 0011) ----------------------


class PersonMerge(Synced, Base):
    """One person merged into another by a person (``hubapp.store.casework.merging``): every
    link of the dropped person was moved to the kept one, the dropped person voided. Kept so
    that the merge can be undone (by an administrator, for 30 days) and so that the kept
    person's page shows the details the dropped one had. A row of the hub that merged: other
    hubs get the moved links and the voided person, never this row (which holds details)."""

    __tablename__ = "person_merge"
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    kept_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    dropped_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    merged_by: Mapped[str] = mapped_column(String(120), default="")
    merged_at: Mapped[datetime] = mapped_column(DateTime)
    #: the links moved: [[table, row id, column], ...]
    moved: Mapped[list] = mapped_column(JSON, default=list)
    #: the kept person's details before, and the dropped person's: {column: value}
    kept_before: Mapped[dict] = mapped_column(JSON, default=dict)
    dropped_values: Mapped[dict] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    undone_by: Mapped[str] = mapped_column(String(120), default="")
    undo_reason: Mapped[str] = mapped_column(Text, default="")


class CaseLink(OfACase, Synced, Base):
    """Two cases linked by a person: ``related``, or ``same_problem`` (one case goes on in
    the other). A row of the case it was made on; both case windows show it."""

    __tablename__ = "case_link"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    other_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="related")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")


SYNCED_TABLES += [PersonMerge, CaseLink]


# --- casework the law asks for (migration 0012) -----------------------------------------


class CaseReview(OfACase, Synced, Base):
    """An ASB Case Review application (ASBCPA 2014 s.104 and Sch. 4), on the case it is
    about, from the application to the outcome and the routes after it."""

    __tablename__ = "case_review"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    #: the victim the review is for (none: a review about a place, from a community)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("place.id"))
    #: who applied: the victim, or someone on their behalf (with the victim's consent)
    applicant_name: Mapped[str] = mapped_column(String(160), default="")
    applicant_is_victim: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    #: met, not_met, or "" (not decided)
    decision: Mapped[str] = mapped_column(String(12), default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_reasons: Mapped[str] = mapped_column(Text, default="")
    meeting_on: Mapped[date | None] = mapped_column(Date)
    #: the agencies present at the review meeting: [agency id hex, ...]
    meeting_agencies: Mapped[list] = mapped_column(JSON, default=list)
    #: recommendations, none (no recommendations made), or "" (no outcome yet)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    outcome_sent_on: Mapped[date | None] = mapped_column(Date)
    outcome_summary: Mapped[str] = mapped_column(Text, default="")
    #: the applicant dissatisfied with the review's handling (Sch. 4 para 3)
    dissatisfied_on: Mapped[date | None] = mapped_column(Date)
    dissatisfaction_outcome: Mapped[str] = mapped_column(Text, default="")
    escalated_on: Mapped[date | None] = mapped_column(Date)
    escalation_outcome: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120), default="")


class ReviewRecommendation(OfACase, Synced, Base):
    """A Case Review recommendation: an action on the case (owner and due date there)."""

    __tablename__ = "review_recommendation"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_review.id"), index=True)
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("action.id"))


class ReviewExplanation(OfACase, Synced, Base):
    """The ASB Case Review explained to a victim (the 2025 guidance: at their second report)."""

    __tablename__ = "review_explanation"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    explained_on: Mapped[date] = mapped_column(Date)
    explained_by: Mapped[str] = mapped_column(String(120), default="")
    #: call, visit, letter, email
    method: Mapped[str] = mapped_column(String(12), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class HubOrder(Synced, Base):
    """An order over an area that cases cite rather than own: a PSPO (ASBCPA 2014 s.59), made
    by a council for up to 3 years. A row of the hub that recorded it."""

    __tablename__ = "hub_order"
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"), index=True)
    #: an intervention type code (pspo)
    type_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(Text, default="")
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    made_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    prohibitions: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class CaseOrder(OfACase, Synced, Base):
    """A case citing a hub-level order (the PSPO in force where the behaviour happens)."""

    __tablename__ = "case_order"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub_order.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class VictimContact(OfACase, Synced, Base):
    """A victim's or complainant's contact plan on an open case: their single point of
    contact, and how often they are updated (from their risk unless set here)."""

    __tablename__ = "victim_contact"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    spoc_name: Mapped[str] = mapped_column(String(120), default="")
    spoc_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    #: working days between updates set by hand (none: from the risk, victim_contact.toml)
    every_days: Mapped[int | None] = mapped_column(Integer)
    #: why the victim cannot be told that the case is closing (closure then goes ahead)
    cannot_tell_reason: Mapped[str] = mapped_column(Text, default="")


class VictimUpdate(OfACase, Synced, Base):
    """One update given to a victim or complainant (append-only)."""

    __tablename__ = "victim_update"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    updated_on: Mapped[date] = mapped_column(Date)
    #: call, visit, letter, email
    method: Mapped[str] = mapped_column(String(12))
    given_by: Mapped[str] = mapped_column(String(120), default="")
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: the update told them that the case is closing, and why
    closing: Mapped[bool] = mapped_column(Boolean, default=False)


class Referral(OfACase, Synced, Base):
    """A safeguarding or support referral of a person on a case (MARAC, MASH, adult
    safeguarding, Channel, Victim Support, mental health; resources/refdata/referrals.toml)."""

    __tablename__ = "referral"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    pathway: Mapped[str] = mapped_column(String(24))
    referred_on: Mapped[date] = mapped_column(Date)
    referred_by: Mapped[str] = mapped_column(String(120), default="")
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    reference: Mapped[str] = mapped_column(String(60), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")


class SharingAgreement(Synced, Base):
    """A hub's information sharing agreement with an agency, and the lawful basis it shares
    under (resources/refdata/sharing.toml lists the bases)."""

    __tablename__ = "sharing_agreement"
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(20), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: crime_disorder_s115, uk_gdpr_6_1_e, dpa_part_3 (codes of sharing.toml)
    basis: Mapped[str] = mapped_column(String(24))
    #: the retention period the agreement sets for shared case records, in years
    retention_years: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")


SYNCED_TABLES += [CaseReview, ReviewRecommendation, ReviewExplanation, HubOrder, CaseOrder,
                  VictimContact, VictimUpdate, Referral, SharingAgreement]  # fmt: skip

# --- evidence and letters (migration 0013) ----------------------------------------------


class Attachment(OfACase, Synced, Base):
    """A file kept on a case: a photo, a letter, a statement, evidence. Its content is kept in
    :class:`AttachmentChunk` rows inside the encrypted database, never as a file on disk, and
    travels to the central database through its own chunked channel (``hubapp.sync.files``),
    not through the change capture."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_case_sha", "case_id", "sha256"),)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: photo, letter, statement, evidence, other (hubapp.domain.attachments.KINDS)
    kind: Mapped[str] = mapped_column(String(16))
    #: the name the file had when it was added (its folder never kept)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    #: the stored content's size in bytes and SHA-256 (hex), after location data was removed
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(120), default="")
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    #: what the file is evidence of, at most one of them
    contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contact.id"))
    action_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("action.id"))
    intervention_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("intervention.id"))
    #: what was done to the file on the way in ("Location data removed from the photo.")
    note: Mapped[str] = mapped_column(Text, default="")


class AttachmentChunk(Base):
    """A piece of an attachment's content (local: the content travels through its own
    channel). ``part`` is ``file`` (what the case holds) or ``original`` (the photo as handed
    in, kept only where an administrator has said so; never sent)."""

    __tablename__ = "attachment_chunk"
    __table_args__ = (
        UniqueConstraint("attachment_id", "part", "seq"),
        Index("ix_attachment_chunk_unsent", "sent", "attachment_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attachment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    part: Mapped[str] = mapped_column(String(8), default="file")
    seq: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: the central database holds this chunk (sent from here, or received from there)
    sent: Mapped[bool] = mapped_column(Boolean, default=False)


class AttachmentThumb(Base):
    """A small picture of an attachment, made in the background (local, derived: made again
    whenever it is missing)."""

    __tablename__ = "attachment_thumb"
    attachment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: PNG
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class LetterTemplate(Synced, Base):
    """A version of a standard letter as a hub's administrator edited it. The first version
    of each letter is the one in ``resources/letters/``; a hub's edits are later versions
    (append-only: a letter sent names the version it was made from)."""

    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("hub_id", "name", "version"),)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"), index=True)
    #: the template's code (asb_warning, abc_invitation, cpw, victim_update, ...)
    name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: agency type codes that may send it (empty: any)
    agencies: Mapped[list] = mapped_column(JSON, default=list)
    #: OFFICIAL, OFFICIAL-SENSITIVE
    marking: Mapped[str] = mapped_column(String(40), default="OFFICIAL-SENSITIVE")
    subject: Mapped[str] = mapped_column(String(200), default="")
    #: the letter's text with its merge fields ({person.full_name} and the like)
    body: Mapped[str] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(String(120), default="")
    #: why this version was made
    reason: Mapped[str] = mapped_column(Text, default="")


class Communication(OfACase, Synced, Base):
    """A letter (or other communication) sent to a person on a case: the case's
    Communications list. The letter itself is kept as an attachment of the case."""

    __tablename__ = "communication"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: letter (the only kind made here so far), email, call
    method: Mapped[str] = mapped_column(String(12), default="letter")
    template_name: Mapped[str] = mapped_column(String(60), default="")
    template_version: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200), default="")
    #: the address it was sent to, as it was then
    address: Mapped[str] = mapped_column(Text, default="")
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    sent_by: Mapped[str] = mapped_column(String(120), default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attachment.id"))
    #: the letters sent together in one bulk run share it
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


SYNCED_TABLES += [Attachment, LetterTemplate, Communication]


#: every row of a case that points at a person: (model, column). A merge of people moves
#: them, an erasure keeps a person while one is left (a test finds every such column)
PERSON_LINKS = (
    (CasePerson, "person_id"), (Contact, "reporter_person_id"), (RiskAssessment, "person_id"),
    (Intervention, "person_id"), (CaseReview, "person_id"), (ReviewExplanation, "person_id"),
    (VictimContact, "person_id"), (VictimUpdate, "person_id"), (Referral, "person_id"),
    (Communication, "person_id"),
)  # fmt: skip
#: every row that points at a place (an erasure keeps a place while one is left)
PLACE_LINKS = (
    (Case, "place_id"), (CasePlace, "place_id"), (CasePerson, "place_id"), (Contact, "place_id"),
    (Intervention, "place_id"), (CaseReview, "place_id"),
)  # fmt: skip


# --- central sync, local only (migration 0005; hubapp.sync explains them) ---------------


class SyncOutbox(Base):
    """One captured local change waiting to be pushed to the central database.

    Written by triggers in the same transaction as the change itself (``hubapp.store.capture``):
    ``fields`` maps each changed column to ``[base, new]`` in SQLite's stored form.
    """

    __tablename__ = "sync_outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: the change's identity (32 hex digits): the central push ledger is keyed by it
    op_id: Mapped[str] = mapped_column(String(32), unique=True)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(32))
    #: insert, update or erase (rows are voided; a delete is an erasure, migration 0008)
    kind: Mapped[str] = mapped_column(String(8))
    fields: Mapped[str] = mapped_column(Text)
    #: the station clock when captured: for the record only, never for ordering
    made_at: Mapped[str] = mapped_column(String(32))


class SyncCursor(Base):
    """How far this station has pulled, per scope (the central change log)."""

    __tablename__ = "sync_cursor"
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: the central schema revision and other facts learnt on the last sync (JSON)
    state: Mapped[str] = mapped_column(Text, default="{}")


class SyncConflict(Base):
    """The same field changed on two sides: both values kept until a person chooses."""

    __tablename__ = "sync_conflict"
    #: the central conflict id (so every station of the hub sees the same one)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(64))
    #: the value the edit was based on, the value kept centrally, the value that lost
    base_value: Mapped[str | None] = mapped_column(Text)
    kept_value: Mapped[str | None] = mapped_column(Text)
    other_value: Mapped[str | None] = mapped_column(Text)
    other_station: Mapped[str] = mapped_column(String(32), default="")
    detected_at: Mapped[str] = mapped_column(String(32), default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncRefusal(Base):
    """A pushed change the central database refused (migration 0008): kept, with field names
    only, until a person dismisses it (``hubapp.sync.refusals``). Not synced."""

    __tablename__ = "sync_refusal"
    __table_args__ = (Index("ix_sync_refusal_open", "dismissed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(32), unique=True)
    tbl: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    #: the names of the fields the change carried (JSON list), never their values
    fields: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    reason: Mapped[str] = mapped_column(Text)
    #: how the record was named when refused (a case reference; never personal data)
    record_label: Mapped[str] = mapped_column(String(200), default="", server_default="")
    refused_at: Mapped[str] = mapped_column(String(32))
    dismissed_at: Mapped[str | None] = mapped_column(String(32))
    dismissed_by: Mapped[str | None] = mapped_column(String(120))


class SyncQuarantine(Base):
    """A change from the central database that broke a rule and was not applied (migration
    0009): kept, with field names only, until a person dismisses it (``hubapp.sync.inbound``).
    Not synced."""

    __tablename__ = "sync_quarantine"
    __table_args__ = (Index("ix_sync_quarantine_open", "dismissed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: the central change number (none for a row of a first copy or one fetched whole)
    change_id: Mapped[int | None] = mapped_column(Integer)
    tbl: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    #: the names of the fields the change carried (JSON list), never their values
    fields: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    reason: Mapped[str] = mapped_column(Text)
    #: the station whose change it was, as central said (32 hex digits, or empty)
    from_station: Mapped[str] = mapped_column(String(32), default="", server_default="")
    received_at: Mapped[str] = mapped_column(String(32))
    dismissed_at: Mapped[str | None] = mapped_column(String(32))
    dismissed_by: Mapped[str | None] = mapped_column(String(120))


# --- staff accounts, local only (migration 0006; hubapp.store.accounts explains them) -----


class StaffAccount(Base):
    """A named member of staff who signs in on this station. Not synced: accounts belong to
    the station's database. The password is kept only as an Argon2id hash."""

    __tablename__ = "staff_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: the user name as typed when the account was made, and its case-folded form (unique)
    user_name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    hub_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hub.id"))
    #: coordinator, police, partner, read_only or administrator (hubapp.domain.codes.StaffRole)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: wrong passwords in a row since the last sign-in or lock-out
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    last_sign_in: Mapped[datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- retention review, local only (migration 0007; hubapp.store.admin.retention explains it) -----


class RetentionDecision(Base):
    """A decision, at a retention review, to keep a case or a person's record for longer.
    Local to the station (not synced); erased with the record it is about."""

    __tablename__ = "retention_decision"
    __table_args__ = (Index("ix_retention_decision_record", "entity", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: case_ or person
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    keep_until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- finding a person, local and derived (migration 0010; hubapp.store.casework.people) ------


class PersonKey(Base):
    """A key a person is found by (``hubapp.domain.matching``): each word of their name, the
    whole name, their phone number, e-mail address and postcode, normalised. Derived from
    the person's row and kept by this station only: triggers on ``person`` mark a person
    whose name or details change in :class:`PersonKeyStale`, and the store works the keys
    out again before it searches (the rules are Python, so SQL cannot)."""

    __tablename__ = "person_key"
    __table_args__ = (
        Index("ix_person_key_person", "person_id"),
        {"sqlite_with_rowid": False},
    )
    #: word, name, phone, email or postcode
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


class PersonDistinct(Base):
    """Two people a person looked at in the review of likely duplicates and found to be
    different people (migration 0011): the pair is not offered again. This station's own."""

    __tablename__ = "person_distinct"
    #: the smaller id first
    first_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    second_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PersonKeyStale(Base):
    """A person whose keys must be worked out again (every write path marks them: the
    triggers of migration 0010)."""

    __tablename__ = "person_key_stale"
    __table_args__ = ({"sqlite_with_rowid": False},)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
