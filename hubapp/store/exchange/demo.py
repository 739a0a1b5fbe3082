"""Realistic, reproducible demo data for every active hub.

``generate(store, cases, seed)`` fills the database with case work that looks real enough to
show to users and print in meeting packs: places in the right towns with well-formed
postcodes and grid references, category-specific summaries and details, people with roles
(some of them recurring across cases), contacts, agency assignments, actions and notes.
The statutory casework of issue 17 is seeded too: victims' contact plans and updates, each
hub's sharing agreements and area orders (PSPOs, cited by some antisocial behaviour cases of
their town), hate by perception on cases (asked of every antisocial behaviour case), vulnerable
adults, referrals (Victim Support, MASH for children, adult safeguarding, mental health, MARAC
on high-risk cases, Channel very rarely), the ASB Case Review explained to most victims at
their second report, and about one Case Review application per 1,000 cases, taken as far as
time allows, its recommendations real actions of the case. Issue 18's files are on about
one case in 200 (photos, notes of calls, warning letters sent: :mod:`.demo_files`).

What the cases say comes from ``resources/demo/*.toml`` (data, not code). The same seed, the
same number of cases, the same ``now`` and an empty database give the same data: every
choice, the UUIDs included, comes from one ``random.Random(seed)``.

It is built for speed (100,000 cases in 16 to 18 s on a two-core PC; the target is 20 s):

* one write transaction; rows are plain tuples, never ORM objects, written through the
  driver's own connection;
* the values are stored exactly as SQLAlchemy stores them on SQLite (UUIDs as 32 lower-case
  hex digits, datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff``, dates as ``YYYY-MM-DD``, booleans
  as 0/1); ``tests/test_demo.py`` reads them back through the ORM to prove it;
* rows are made in batches; each batch is staged in TEMP tables and moved into the real
  ones by a helper thread (one statement, run by SQLite without Python's GIL) while the
  next batch is made, so the two cores share the work (see ``_Mover``);
* the full-text trigger and the secondary indexes of the loaded tables are dropped for the
  load and put back from their own SQL in ``sqlite_master`` inside the same transaction;
  the new cases are then indexed for search in one statement (measured at 100,000 cases:
  16.4 s against 21.0 s with the trigger and indexes kept up during the load, and with rows
  inserted one statement each the trigger alone cost 15 s against under 3 s for the one
  statement; ``benchmarks/bench_demo.py --keep-upkeep`` repeats the comparison);
* the audit log gets one explicit entry per table rather than one per record.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
import tomllib
import unicodedata
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from hubapp import resources, settings
from hubapp.domain import matching
from hubapp.domain.clock import utcnow
from hubapp.domain.codes import CaseOutcome, label
from hubapp.store import access, audit, errors, setup
from hubapp.store.casework.case_review import add_working_days
from hubapp.store.casework.case_review import settings as review_settings
from hubapp.store.errors import StoreError
from hubapp.store.exchange import demo_files
from hubapp.store.roles import Op
from hubapp.store.schema import (
    Agency,
    AgencyType,
    Base,
    Case,
    Category,
    Channel,
    Hub,
    HubAgency,
    InterventionType,
)

log = logging.getLogger(__name__)

#: ``progress(fraction, message)``; returning False cancels (everything is rolled back)
Progress = Callable[[float, str], bool]

#: the station a database without one is set up as
DEFAULT_HUB = "Copeland"
DEFAULT_STATION = "Whitehaven Police Station"

#: demo cases are received over this many days up to now
SPAN_DAYS = 730
#: cases generated and inserted per batch (also how often progress is reported)
BATCH_CASES = 2_000
#: SQLite page cache for the bulk load, in KiB; the connection's own is restored afterwards
BULK_CACHE_KIB = 131072
#: page cache of the TEMP tables a batch is staged in, in KiB (a batch is about 10 MB)
STAGE_CACHE_KIB = 65_536

#: the SARA plan's text fields, in the order of the sara_plan columns (impact_goal last)
SARA_FIELDS = (
    "objective", "scan_source", "scan_affected", "scan_frequency", "pat_offender",
    "pat_handler", "pat_victim", "pat_guardian", "pat_location", "pat_manager", "hypothesis",
    "data_used", "response_options", "response_responsible", "assessment_process",
    "measure_before", "measure_after", "assessment_impact", "impact_goal",
)  # fmt: skip
#: which plan fields are filled by the time a case reaches each SARA stage
_SARA_STAGE_FIELDS = {
    "scanning": 4,
    "analysis": 12,
    "response": 14,
    "assessment": 19,
}
#: the status steps that lead to each status (the demo status history)
_STATUS_PATHS = {
    "triaged": (("new", "triaged"),),
    "in_progress": (("new", "triaged"), ("triaged", "in_progress")),
    "under_review": (("new", "triaged"), ("triaged", "in_progress"),
                     ("in_progress", "under_review")),
    "closed": (("new", "triaged"), ("triaged", "in_progress"), ("in_progress", "closed")),
    "reopened": (("new", "triaged"), ("triaged", "in_progress"), ("in_progress", "closed"),
                 ("closed", "reopened")),
}  # fmt: skip
#: cases received within this many days of now get a status history (older ones are
#: closed long ago and nobody reads their history; leaving it out keeps the load fast)
HISTORY_DAYS = 100
#: categories whose cases may have interventions (tools and powers), and how likely
_INTERVENTION_CHANCE = {
    "asb_nuisance": 0.10, "asb_personal": 0.14, "asb_environmental": 0.08, "drugs": 0.08,
    "criminal_damage": 0.05,
}  # fmt: skip
_PERSON_TOOLS = ("warning_letter", "warning_letter", "abc", "cpw", "cpn", "civil_injunction",
                 "tenancy_warning")  # fmt: skip
#: (a PSPO is an area order since issue 17, not a case's: hubapp.store.casework.hub_orders)
_PLACE_TOOLS = ("closure_order", "dispersal", "cpn", "closure_notice")
#: demo interventions keep to their statutory limits (hubapp.domain.powers): the longest a
#: type runs, in days, and the inspectors who authorise dispersals
_MAX_DAYS = {"dispersal": 2, "closure_notice": 2, "closure_order": 90}
_INSPECTORS = ("Insp. R. Bell", "Insp. A. Nixon", "Insp. K. Routledge")
#: what came of a breach ("" not yet known); every type allows no further action
_OUTCOMES = ("", "", "no_further_action")

#: the columns written per table besides the Synced ones. Each row tuple is
#: (id, *these, created_at, updated_at); row_version, station_id and voided are constants.
COLUMNS: dict[str, tuple[str, ...]] = {
    "place": ("hub_id", "name", "town", "postcode", "grid_ref", "place_type"),
    "person": ("full_name", "date_of_birth", "phone", "email", "address", "locked_down",
               "vulnerable", "vulnerable_reason"),
    "case_": (
        "seq", "reference", "hub_id", "category_id", "channel_id", "status", "risk_level",
        "priority", "sara_stage", "lead_agency_id", "place_id", "location", "town",
        "postcode", "grid_ref", "summary", "details", "police_log_ref", "council_ref",
        "received_at", "incident_at", "opened_on", "closed_on", "outcome",
        "closure_rationale", "next_review_on", "hate", "hate_strands",
    ),
    "case_place": ("case_id", "place_id", "role"),
    "case_person": ("case_id", "person_id", "role", "place_id"),
    "contact": (
        "case_id", "channel_id", "received_at", "incident_at", "reporter_person_id",
        "anonymous", "consent_to_contact", "summary", "external_ref", "place_id",
    ),
    "assignment": ("case_id", "agency_id", "role"),
    "action": (
        "case_id", "agency_id", "owner", "description", "due_on", "status", "completed_on",
        "outcome",
    ),
    "note": ("case_id", "author", "agency_id", "visibility", "body"),
    "case_status_change": (
        "case_id", "from_status", "to_status", "changed_at", "changed_by", "reason",
    ),
    "sara_plan": ("case_id", *SARA_FIELDS),
    "intervention": (
        "case_id", "intervention_type_id", "person_id", "place_id", "agency_id", "issued_on",
        "expires_on", "conditions", "status", "ended_on", "notes", "authorised_by", "hearing_on",
    ),
    "intervention_breach": ("intervention_id", "breached_on", "details", "recorded_by",
                            "outcome"),
    # each hub's register of sharing agreements (written once, before the cases)
    "sharing_agreement": (
        "hub_id", "agency_id", "name", "version", "starts_on", "ends_on", "basis",
        "retention_years", "notes",
    ),
    "victim_contact": (
        "case_id", "person_id", "spoc_name", "spoc_agency_id", "every_days", "cannot_tell_reason",
    ),
    "victim_update": (
        "case_id", "person_id", "updated_on", "method", "given_by", "agency_id", "summary",
        "closing",
    ),
    # issue 17: referrals, the ASB Case Review and area orders (hub_order written once,
    # before the cases, like the sharing agreements)
    "referral": (
        "case_id", "person_id", "pathway", "referred_on", "referred_by", "agency_id",
        "reference", "outcome", "outcome_on", "notes",
    ),
    "review_explanation": ("case_id", "person_id", "explained_on", "explained_by", "method",
                           "notes"),
    "case_review": (
        "case_id", "person_id", "place_id", "applicant_name", "applicant_is_victim",
        "consent_on", "received_on", "acknowledged_on", "decision", "decided_on",
        "decision_reasons", "meeting_on", "meeting_agencies", "outcome", "outcome_sent_on",
        "outcome_summary", "dissatisfied_on", "dissatisfaction_outcome", "escalated_on",
        "escalation_outcome", "closed_on", "created_by",
    ),
    "review_recommendation": ("case_id", "review_id", "action_id"),
    "hub_order": (
        "hub_id", "type_code", "title", "area", "agency_id", "made_on", "expires_on",
        "prohibitions", "notes",
    ),
    "case_order": ("case_id", "order_id", "notes"),
}  # fmt: skip
SYNC_COLUMNS = ("id", "row_version", "created_at", "updated_at", "station_id", "voided")
#: parents before children (foreign keys are enforced)
INSERT_ORDER = (
    "place", "person", "case_", "case_place", "case_person", "contact", "assignment",
    "action", "note", "case_status_change", "sara_plan", "intervention", "intervention_breach",
    "victim_contact", "victim_update", "referral", "review_explanation", "case_review",
    "review_recommendation", "case_order",
)  # fmt: skip
#: the tables whose secondary indexes are rebuilt after the load rather than kept up per row
BULK_TABLES = INSERT_ORDER[1:]

SEARCH_TRIGGER = "case_search_ai"

_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters used in an inward code
_REFERENCE = re.compile(r"^([A-Z]+)-(\d{4})-(\d+)$")
_ROAD_NUMBER = re.compile(r"^[AB]\d")
_REPORTING_ROLES = frozenset({"complainant", "victim", "reporter"})
_VICTIM_ROLES = frozenset({"complainant", "victim"})
_METHODS = ("call", "visit", "letter", "email")
_UPDATES = (
    "Told what the hub has done since the last update and what happens next.",
    "Patrols in the area explained; asked to keep reporting every incident.",
    "Updated on the letters sent and the partners' next steps; no new concerns raised.",
    "Checked how they are; passed on the warning given and the next review date.",
)
_CLOSING_UPDATES = (
    "Told the case is closing: no reports since the action taken; how to report again.",
    "Explained why the case is closing and how to raise it again, or ask for a case review.",
)
_CANNOT_TELL = (
    "Moved away; no forwarding address.",
    "Asked not to be contacted again.",
    "No answer to calls, visits or letters since the last update.",
)
# -- issue 17: hate, vulnerability, referrals, the ASB Case Review and area orders. All drawn
# from the generator's own ``self.extra``, so that the rest of the data stays the same.
#: of the antisocial behaviour categories' cases: perceived as hate, and not known
_HATE_YES, _HATE_NOT_KNOWN = 0.04, 0.08
#: of the other categories' cases, the share asked (and answered no)
_HATE_ASKED_OTHER = 0.25
#: the strands perceived, roughly as in the Home Office's hate crime statistics (England and
#: Wales 2023/24: race about seven in ten, then sexual orientation, disability, religion,
#: transgender identity); one strand mostly, two now and then
_HATE_STRANDS = (("race", 70), ("sexual_orientation", 14), ("disability", 9), ("religion", 5),
                 ("transgender", 3))  # fmt: skip
_HATE_TWO_STRANDS = 0.15
#: victims and complainants (all adults in the demo) flagged as vulnerable adults
_VULNERABLE = 0.03
_VULNERABLE_REASONS = (
    "Learning disability; lives alone.",
    "Mental health condition; recently discharged.",
    "Dementia; family visit weekly.",
    "Physical disability; housebound.",
    "Recently bereaved; isolated.",
    "Alcohol dependency; has missed appointments.",
    "Sight impairment; relies on neighbours for shopping.",
    "Autism; finds unexpected contact distressing.",
)
#: referrals per victim (a MARAC referral only on a high-risk case, and the chance there),
#: per vulnerable adult, per child on the case (MASH) and per case (Channel, the perpetrator)
_VICTIM_SUPPORT, _MENTAL_HEALTH, _MARAC_HIGH = 0.06, 0.008, 0.07
_ADULT_SAFEGUARDING, _MASH, _CHANNEL = 0.6, 0.3, 0.0006
#: a referral this many days old has its outcome, mostly
_REFERRAL_OUTCOME_DAYS = 14
_REFERRAL_OUTCOMES = {
    "victim_support": ("Accepted: support worker allocated.",
                       "Accepted: telephone support offered and taken up.",
                       "Declined by the victim after first contact."),
    "mental_health": ("Accepted: assessed by the community mental health team.",
                      "No further action: already known to the GP; needs met."),
    "adult_safeguarding": ("Accepted: section 42 enquiry opened.",
                           "No further action: needs met by hub.",
                           "Accepted: care needs assessment arranged."),
    "mash": ("Accepted: early help assessment offered to the family.",
             "No further action: needs met by hub.",
             "Accepted: referred on to the youth justice service."),
    "marac": ("Heard at MARAC: safety plan agreed by the members.",),
    "channel": ("No further action: not suitable for Channel; referred to early help.",),
}  # fmt: skip
_REFERRAL_NOTES = {
    "victim_support": "Victim asked for emotional support after the repeated incidents.",
    "mental_health": "Reports of low mood and not sleeping because of the noise.",
    "adult_safeguarding": "Concerns that the victim is being targeted because of their needs.",
    "mash": "Young person seen out late with older youths; possible exploitation.",
    "marac": "High risk: repeat victimisation and threats of violence.",
    "channel": "Concerning remarks reported by a teacher.",
}
#: the share of victims with two or more reports to whom the review was explained
_EXPLAINED = 0.7
_EXPLAIN_NOTES = (
    "",
    "",
    "Leaflet left with the victim.",
    "Explained with a family member present.",
)
#: ASB Case Review applications per eligible case: met on a case with 3+ reports (the
#: threshold), not met on a case with 2; about 1 application per 1,000 cases, 35% not met
_REVIEW_MET, _REVIEW_NOT_MET = 0.017, 0.0045
_NOT_MET_REASONS = (
    "Two complaints in the six months before the application: fewer than the three the "
    "procedure asks, and no local route applies. The hub's actions were explained.",
    "One of the complaints was made more than a month after the behaviour; two qualify. The "
    "victim was told how to report any further incidents.",
)
_MET_REASONS = (
    "Three or more qualifying complaints in the six months before the application (s.104(4)).",
)
_REVIEW_SUMMARIES = {
    "recommendations": (
        "The partners reviewed the response and agreed further actions, listed in the letter.",
        "The review found the response slow to start; the actions listed were agreed.",
    ),
    "none": ("The review found the partners' response appropriate; no further recommendations.",),
}
_RECOMMENDATIONS = {
    "housing": (
        "Housing officer to visit the perpetrator's household and issue a tenancy warning.",
        "Housing officer to review the tenancy and consider an acceptable behaviour contract.",
    ),
    "police": (
        "Neighbourhood team to add the address to evening patrols for six weeks.",
        "PCSO to visit the victim fortnightly and update the case.",
    ),
    "council": (
        "ASB officer to install noise monitoring equipment and review recordings.",
        "ASB officer to consider a Community Protection Warning.",
    ),
    "fire": ("Fire service to offer a home fire safety visit to the victim.",),
    "health": ("Health partner to offer the victim a wellbeing appointment.",),
    "voluntary": ("Support worker to contact the victim within five working days.",),
}
_RECOMMENDATIONS_ANY = ("Lead officer to write to the victim monthly with progress.",)
_RECOMMENDATION_DONE = ("Done as the review recommended; the victim was told.",
                        "Completed and reported back to the review lead.")  # fmt: skip
_DISSATISFIED = ("Handling reviewed by the CSP lead; the original outcome stands.",
                 "Handling reviewed by the CSP lead; one further action added.")  # fmt: skip
_ESCALATED = "Reviewed by the Police, Fire and Crime Commissioner's office: procedure followed."
#: area orders (PSPOs, ASBCPA 2014 s.59): per hub, and the share of its towns' ASB cases that
#: cite one in force; a PSPO lasts up to 3 years (s.60(1)); one expires within 28 days
_ORDERS_PER_HUB = (1, 3)
_ORDER_YEARS = 3
_CASE_ORDER = 0.04
_ORDER_KINDS = (
    ("{town} {centre}: alcohol consumption",
     "The streets of {town} {centre}, within {street} and {street2}.",
     "No person shall drink alcohol in a public place in the restricted area, or fail to "
     "hand over alcohol when asked by a constable, PCSO or authorised council officer."),
    ("{town}, {park}: dog control",
     "{park}, {town}, and the paths leading into it.",
     "Dogs on leads at all times; no dogs in the children's play areas; owners must pick up "
     "after their dog at once."),
    ("{town} car parks: vehicle nuisance",
     "The public car parks of {town} and {street}.",
     "No person shall, in a vehicle, race, perform stunts, sound horns or play loud music "
     "so as to cause nuisance; no gathering in groups of three or more vehicles."),
)  # fmt: skip
_CASE_ORDER_NOTES = ("Behaviour within the PSPO area.", "PSPO signage checked at the location.",
                     "Fixed penalty notice considered under the PSPO.")  # fmt: skip
_REFERRAL_PREFIX = {"victim_support": "VS-{y4}-{n:05d}", "mash": "MASH/{y2}/{n:04d}",
                    "adult_safeguarding": "AS/{y2}/{n:05d}", "mental_health": "MH-{y4}-{n:04d}",
                    "marac": "MARAC/{y2}/{n:03d}", "channel": "CH/{y2}/{n:03d}"}  # fmt: skip
_PLACE_KINDS = {
    "street": "streets",
    "estate": "estates",
    "park": "parks",
    "car_park": "car_parks",
    "school": "schools",
    "shop": "shops",
    "road": "roads",
    "landmark": "landmarks",
}
_FALLBACK_PHRASES = {
    "road": "the main road",
    "school": "the local primary school",
    "estate": "the estate",
    "park": "the park",
    "shop": "the local shop",
    "car_park": "the car park",
    "landmark": "the town centre",
}
_COUNCIL_REF_PREFIX = {
    "asb_personal": "ASB",
    "asb_nuisance": "ASB",
    "asb_environmental": "ENV",
    "fly_tipping": "ENV",
    "road_safety": "HWY",
    "parking": "PKG",
}
#: reserved for examples: no demo e-mail can reach anyone
_EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "example.co.uk"]
_MANAGED_PLACES = frozenset({"shop", "school", "car_park", "landmark"})

_iso = datetime.isoformat  # called as _iso(value, " ", "microseconds"): SQLAlchemy's format
_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_MS = timedelta(milliseconds=1)


class DemoCancelled(errors.Cancelled):
    """Raised inside the transaction when ``progress`` answers False; it is rolled back."""


@dataclass
class DemoSummary:
    """What ``generate`` did. Two summaries are equal when they created the same rows."""

    #: rows created per table, in insertion order (tables with none are left out)
    rows: dict[str, int]
    seed: int
    seconds: float = field(compare=False)
    #: "Station (Hub)" when generate() had to answer the first-start questions itself
    configured_station: str | None = None
    cancelled: bool = False
    #: the range of case_.seq values created
    first_seq: int | None = None
    last_seq: int | None = None

    @property
    def cases(self) -> int:
        return self.rows.get("case_", 0)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def describe(self) -> str:
        """One line for the command line or the log."""
        if self.cancelled:
            return "Demo data cancelled; nothing was written."
        parts = ", ".join(
            f"{n:,} {_TABLE_WORDS.get(t, (t, t))[n != 1]}" for t, n in self.rows.items()
        )
        rate = self.cases / self.seconds if self.seconds else 0.0
        text = f"Created {parts or 'nothing'} in {self.seconds:.1f} s ({rate:,.0f} cases/s)."
        if self.configured_station:
            text = f"Set this database up as {self.configured_station}. {text}"
        return text


_TABLE_WORDS = {  # (one, many)
    "place": ("place", "places"),
    "person": ("person", "people"),
    "case_": ("case", "cases"),
    "case_place": ("case place", "case places"),
    "case_person": ("case person", "case people"),
    "contact": ("contact", "contacts"),
    "assignment": ("assignment", "assignments"),
    "action": ("action", "actions"),
    "note": ("note", "notes"),
    "case_status_change": ("status change", "status changes"),
    "sara_plan": ("SARA plan", "SARA plans"),
    "intervention": ("intervention", "interventions"),
    "intervention_breach": ("breach", "breaches"),
    "sharing_agreement": ("sharing agreement", "sharing agreements"),
    "victim_contact": ("victim contact plan", "victim contact plans"),
    "victim_update": ("victim update", "victim updates"),
    "referral": ("referral", "referrals"),
    "review_explanation": ("Case Review explanation", "Case Review explanations"),
    "case_review": ("ASB Case Review", "ASB Case Reviews"),
    "review_recommendation": ("review recommendation", "review recommendations"),
    "hub_order": ("area order", "area orders"),
    "case_order": ("case order", "case orders"),
    "attachment": ("attachment", "attachments"),
    "communication": ("letter sent", "letters sent"),
}


# --- small helpers ------------------------------------------------------------------------


class _Weighted:
    """A weighted choice driven by one uniform number in [0, 1)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Iterable[tuple[Any, float]]) -> None:
        self.items: list[Any] = []
        self.cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            if weight > 0:
                total += weight
                self.items.append(item)
                self.cum.append(total)
        self.total = total

    def __bool__(self) -> bool:
        return bool(self.items)

    def pick(self, r: float) -> Any:
        return self.items[bisect_right(self.cum, r * self.total)]


class _Slots(dict):
    """Template values, made on first use (a case only pays for what its texts say)."""

    __slots__ = ("fill",)

    def __missing__(self, key: str) -> str:
        value = self.fill(key)
        self[key] = value
        return value


def _cap(text: str) -> str:
    return text[0].upper() + text[1:] if text[:1].islower() else text


def _stored_name(phrase: str) -> str:
    return _cap(phrase[4:]) if phrase.startswith("the ") else phrase


def grid_ref(easting: int, northing: int) -> str:
    """An Ordnance Survey grid reference to 100 m, e.g. "NY 400 559" for Carlisle."""
    e100k, n100k = easting // 100_000, northing // 100_000
    l1 = (19 - n100k) - (19 - n100k) % 5 + (e100k + 10) // 5
    l2 = (19 - n100k) * 5 % 25 + e100k % 5
    l1 += l1 > 7  # the grid letters skip I
    l2 += l2 > 7
    return (
        f"{chr(65 + l1)}{chr(65 + l2)} "
        f"{easting % 100_000 // 100:03d} {northing % 100_000 // 100:03d}"
    )


_V4 = bytes((b & 0x0F) | 0x40 for b in range(256))  # version nibble 4
_RFC4122 = bytes((b & 0x3F) | 0x80 for b in range(256))  # variant bits 10


def uuid_hex_source(rng: random.Random, chunk: int = 4096) -> Iterator[str]:
    """Version-4 UUIDs from ``rng`` as SQLAlchemy stores them on SQLite (32 hex digits).

    The same as ``uuid.UUID(bytes=rng.randbytes(16), version=4).hex``, made in bulk.
    """
    while True:
        raw = bytearray(rng.randbytes(16 * chunk))
        raw[6::16] = raw[6::16].translate(_V4)
        raw[8::16] = raw[8::16].translate(_RFC4122)
        text = raw.hex()
        yield from [text[i : i + 32] for i in range(0, len(text), 32)]


_ASCII_EXTRA = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "ð": "d"}
)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def _read(name: str) -> dict[str, Any]:
    with resources.path("demo", name).open("rb") as fh:
        return tomllib.load(fh)


# --- the world the cases happen in ---------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Town:
    name: str
    districts: list[str]
    centre: tuple[int, int]
    places: dict[str, list[_Place]] = field(default_factory=dict)
    kinds: dict[str, _Weighted] = field(default_factory=dict)  # by category code


@dataclass(slots=True, eq=False)
class _Place:
    id: str
    kind: str
    name: str  # as stored
    phrase: str  # as said in a sentence
    street: str  # the street it is on, if known
    postcode: str
    grid_ref: str


@dataclass(slots=True, eq=False)
class _Agency:
    id: str
    code: str
    short_name: str
    type: str
    staff: list[str] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Hub:
    id: str
    code: str
    towns: _Weighted
    categories: _Weighted
    agencies: list[_Agency]
    by_type: dict[str, list[_Agency]]
    council: _Agency | None
    #: for each agency (by code), the hub's other agencies
    others: dict[str, list[_Agency]] = field(default_factory=dict)
    #: people who recur: [person id, recurring until]
    victims: list[list[Any]] = field(default_factory=list)
    perpetrators: list[list[Any]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Category:
    code: str
    id: str
    risk: _Weighted
    lead: _Weighted
    support: _Weighted
    people: _Weighted
    places: dict[str, float]
    summaries: dict[str, list[str]]
    details: list[str]
    repeats: list[str]


@dataclass(slots=True, eq=False)
class _Channel:
    code: str
    id: str
    prefixes: list[str]


#: how often a recurring person is recorded again as a new person (as intakes did before they
#: linked people already known): the duplicates a hub's review finds
SECOND_RECORDS = 0.25


# --- the generator -------------------------------------------------------------------------


class _Generator:
    """Builds the rows; knows nothing of the database beyond the reference data it reads."""

    def __init__(self, rng: random.Random, now: datetime, station_hex: str) -> None:
        self.rng = rng
        self.rnd = rng.random
        self.new_id = uuid_hex_source(rng).__next__
        # second records of recurring people (below) draw from their own generator, seeded
        # from this one's state without drawing from it: the rest of the data stays the
        # same for a seed. Seeded from text: hash() of the state (it holds None) differs
        # from one process to the next, so the same seed did not give the same people
        state = rng.getstate()[1][:8]
        self.again = random.Random(f"again:{state}")
        # victims' contact plans and updates (issue 17) likewise draw from their own
        self.contacts = random.Random(f"contacts:{state}")
        # hate, vulnerability, referrals, the Case Review and area orders (issue 17) too
        self.extra = random.Random(f"issue 17:{state}")
        # the files and letters on some cases (issue 18, hubapp.store.exchange.demo_files)
        self.files = random.Random(f"issue 18:{state}")
        #: the victims flagged as vulnerable adults (they are likelier to be referred)
        self._vulnerable: set[str] = set()
        #: each hub's area orders: hub id -> [(order id, town, made on, expires on)]
        self.orders: dict[str, list[tuple[str, str, date, date | None]]] = {}
        #: the rows of the people who recur, by id (to record them a second time)
        self.recurring: dict[str, tuple] = {}
        self._last_person: tuple = ()
        self.now = now
        self.today = now.date()
        self.start = now - timedelta(days=SPAN_DAYS)
        self.station_hex = station_hex
        self.places_data = _read("places.toml")
        self.names_data = _read("names.toml")
        self.texts = _read("cases.toml")
        self.fragments: dict[str, list[str]] = self.texts["fragments"]
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self._ascii_cache: dict[str, str] = {}
        self._actions: dict[tuple[str, str], list[str]] = {}
        self._setup_names()
        # the case being made, for _fill
        self._town: _Town | None = None
        self._place: _Place | None = None

    # -- small picks ---------------------------------------------------------------------
    def pick(self, seq: list[Any]) -> Any:
        return seq[int(self.rnd() * len(seq))]

    def postcode(self, town: _Town) -> str:
        rnd, letters = self.rnd, _POSTCODE_LETTERS
        return (
            f"{self.pick(town.districts)} {1 + int(rnd() * 9)}"
            f"{letters[int(rnd() * 20)]}{letters[int(rnd() * 20)]}"
        )

    def grid(self, town: _Town) -> str:
        e, n = town.centre
        return grid_ref(e + int((self.rnd() - 0.5) * 2400), n + int((self.rnd() - 0.5) * 2400))

    # -- reference data ------------------------------------------------------------------
    def load(self, session) -> None:
        """Read hubs, agencies, categories and channels; build the towns and their places."""
        hubs = {
            h.code: h
            for h in session.scalars(select(Hub).where(Hub.voided.is_(False)).order_by(Hub.code))
        }
        agency_rows = session.execute(
            select(HubAgency.hub_id, Agency.id, Agency.code, Agency.short_name, AgencyType.code)
            .join(Agency, Agency.id == HubAgency.agency_id)
            .join(AgencyType, AgencyType.id == Agency.agency_type_id)
            .where(HubAgency.voided.is_(False), Agency.voided.is_(False), Agency.active.is_(True))
            .order_by(HubAgency.position, Agency.code)
        ).all()
        agencies_by_hub: dict[str, list[_Agency]] = {}
        for hub_id, agency_id, code, short, type_code in agency_rows:
            agencies_by_hub.setdefault(hub_id.hex, []).append(
                _Agency(agency_id.hex, code, short, type_code)
            )
        self._load_categories(session)
        self._load_channels(session)
        existing = self._existing_places(session)
        staff = self.names_data["staff"]

        self.hubs: list[_Hub] = []
        hub_weights: list[tuple[_Hub, float]] = []
        for code, spec in self.places_data["hub"].items():
            hub = hubs.get(code)
            if hub is None or not spec.get("town"):
                continue
            # every hub in the data gets its places, so that the same seed makes the same
            # places whichever hubs are active; only active hubs get cases
            towns = _Weighted(
                (self._make_town(hub.id.hex, t, existing), float(t.get("weight", 1)))
                for t in spec["town"]
            )
            agencies = agencies_by_hub.get(hub.id.hex, [])
            weight = float(spec.get("weight", 0))
            if not (hub.active and weight > 0 and agencies):
                continue
            for agency in agencies:
                titles = staff["by_agency"].get(agency.code) or staff["by_type"].get(
                    agency.type, ["Officer"]
                )
                if agency.type == "police":  # a neighbourhood team, mostly PCSOs
                    agency.staff = [self._staff_name(titles) for _ in range(8)]
                else:  # someone in each role, and a second in one of them
                    roles = [*dict.fromkeys(titles), self.pick(titles)]
                    agency.staff = [self._staff_name([title]) for title in roles]
            by_type: dict[str, list[_Agency]] = {}
            for agency in agencies:
                by_type.setdefault(agency.type, []).append(agency)
            council = next((a for a in agencies if a.code == hub.council_code), None)
            bias = spec.get("category_bias", {})
            categories = _Weighted(
                (cat, w * float(bias.get(cat.code, 1.0))) for cat, w in self.category_weights
            )
            h = _Hub(hub.id.hex, code, towns, categories, agencies, by_type, council)
            h.others = {a.code: [b for b in agencies if b is not a] or agencies for a in agencies}
            self.hubs.append(h)
            hub_weights.append((h, weight))
        if not hub_weights:
            raise StoreError("There is no active hub with demo places to put demo cases in.")
        self.hub_picker = _Weighted(hub_weights)
        self.channel_picker = _Weighted(
            (self.channels[code], float(w))
            for code, w in self.texts["channels"].items()
            if code in self.channels
        )
        if not self.channel_picker:
            raise StoreError("The database has none of the channels the demo data uses.")
        self.outcomes = _Weighted(
            ((code, spec["rationale"]), float(spec["weight"]))
            for code, spec in self.texts["outcomes"].items()
        )
        self.tools = {
            t.code: t.id.hex
            for t in session.scalars(
                select(InterventionType).where(
                    InterventionType.voided.is_(False), InterventionType.active.is_(True)
                )
            )
        }

    def _load_categories(self, session) -> None:
        ids = {
            c.code: c.id.hex
            for c in session.scalars(
                select(Category).where(Category.voided.is_(False), Category.active.is_(True))
            )
        }
        self.category_weights: list[tuple[_Category, float]] = []
        for code, spec in self.texts["category"].items():
            if code not in ids:
                log.info("Demo data: the database has no active category %r; skipped", code)
                continue
            cat = _Category(
                code=code,
                id=ids[code],
                risk=_Weighted(spec["risk"].items()),
                lead=_Weighted(spec["lead"].items()),
                support=_Weighted(spec["support"].items()),
                people=_Weighted(
                    (tuple(k.split()) if k != "none" else (), w) for k, w in spec["people"].items()
                ),
                places=spec["places"],
                summaries=spec["summaries"],
                details=spec["details"],
                repeats=spec["repeats"],
            )
            self.category_weights.append((cat, float(spec["weight"])))
        if not self.category_weights:
            raise StoreError("The database has none of the categories the demo data uses.")

    def _load_channels(self, session) -> None:
        prefixes = self.texts["contact_prefix"]
        self.channels = {
            c.code: _Channel(c.code, c.id.hex, prefixes.get(c.code, ["{text}"]))
            for c in session.scalars(
                select(Channel).where(Channel.voided.is_(False), Channel.active.is_(True))
            )
        }

    @staticmethod
    def _existing_places(session) -> dict[tuple[str, str, str], tuple[str, str, str]]:
        """Places already in the database, so that a second run reuses rather than repeats."""
        cur = session.connection().exec_driver_sql(
            "SELECT hub_id, town, name, id, postcode, grid_ref FROM place WHERE voided = 0"
        )
        return {(h, t, n): (i, p, g) for h, t, n, i, p, g in cur}

    def _make_town(self, hub_hex: str, spec: dict, existing: dict) -> _Town:
        town = _Town(spec["name"], list(spec["districts"]), tuple(spec["centre"]))
        add = self.rows["place"].append
        created = _iso(self.start, " ", "microseconds")
        for kind, key in _PLACE_KINDS.items():
            places = []
            for entry in spec.get(key, []):
                street = ""
                if kind == "shop":
                    shop, _, street = entry.partition(", ")
                    phrase = f"{shop} on {street}" if street else shop
                    name = f"{_stored_name(shop)}, {street}" if street else _stored_name(shop)
                else:
                    name, phrase = _stored_name(entry), entry
                    if kind in ("estate", "car_park") and not entry.startswith("the "):
                        phrase = f"the {entry}"
                    elif kind == "road" and _ROAD_NUMBER.match(entry):
                        phrase = f"the {entry}"
                    elif kind == "street":
                        street = entry
                place = _Place(
                    self.new_id(), kind, name, phrase, street, self.postcode(town), self.grid(town)
                )
                known = existing.get((hub_hex, town.name, name))
                if known:
                    place.id, place.postcode, place.grid_ref = known
                else:
                    add((place.id, hub_hex, name, town.name, place.postcode, place.grid_ref,
                         kind, created, created))  # fmt: skip
                places.append(place)
            if places:
                town.places[kind] = places
        if "street" not in town.places:
            raise StoreError(f"The demo town {town.name} has no streets.")
        return town

    # -- people --------------------------------------------------------------------------
    def _setup_names(self) -> None:
        groups = []
        for g in self.names_data["group"]:
            surnames = [tuple(s.split("/", 1)) if "/" in s else (s, s) for s in g["surnames"]]
            groups.append(((g["female"], g["male"], surnames), float(g["weight"])))
        self.name_groups = _Weighted(groups)
        self.first_group = groups[0][0]
        self.mixed = float(self.names_data.get("mixed", 0.0))

    def _staff_name(self, titles: list[str]) -> str:
        female, male, surnames = self.first_group
        given = self.pick(female if self.rnd() < 0.5 else male)
        return f"{self.pick(titles)} {given[0]}. {self.pick(surnames)[0]}"

    def _email_part(self, text: str) -> str:
        out = self._ascii_cache.get(text)
        if out is None:
            out = self._ascii_cache[text] = _ascii(text)
        return out

    def new_person(self, town: _Town, role: str, created: str, locked: float) -> str:
        rnd = self.rnd
        groups = self.name_groups
        female, male, surnames = groups.items[bisect_right(groups.cum, rnd() * groups.total)]
        woman = rnd() < 0.5
        names = female if woman else male
        given = names[int(rnd() * len(names))]
        if rnd() < self.mixed:
            surnames = self.first_group[2]
        surname = surnames[int(rnd() * len(surnames))][woman]
        if role == "alleged_perpetrator":
            age = 13 + int(rnd() * rnd() * 45)
        elif role == "witness":
            age = 18 + int(rnd() * 57)
        elif role == "place_manager":
            age = 22 + int(rnd() * 40)
        else:
            age = 18 + int(rnd() * 72)
        dob = None
        if rnd() < 0.7:
            dob = date.fromordinal(self.today_ordinal - age * 365 - int(rnd() * 365)).isoformat()
        r = rnd()
        phone = (
            f"07700 900{int(rnd() * 1000):03d}"
            if r < 0.65
            else f"01632 960{int(rnd() * 1000):03d}"
            if r < 0.8
            else ""
        )
        email = ""
        if rnd() < 0.4:
            n = int(rnd() * 100)
            email = (
                f"{self._email_part(given)}.{self._email_part(surname)}{n if n > 60 else ''}"
                f"@{_EMAIL_DOMAINS[int(rnd() * 4)]}"
            )
        address = ""
        if role != "place_manager" and rnd() < 0.75:
            streets = town.places["street"]
            street = streets[int(rnd() * len(streets))]  # a street has its own postcode
            address = f"{1 + int(rnd() * 120)} {street.name}, {town.name} {street.postcode}"
        pid = self.new_id()
        vulnerable, why = 0, ""
        if role in _VICTIM_ROLES and self.extra.random() < _VULNERABLE:  # all adults here
            vulnerable = 1
            why = _VULNERABLE_REASONS[int(self.extra.random() * len(_VULNERABLE_REASONS))]
            self._vulnerable.add(pid)
        row = (pid, f"{given} {surname}", dob, phone, email, address, int(rnd() < locked),
               vulnerable, why, created, created)  # fmt: skip
        self.add_person(row)
        self._last_person = row
        return pid

    def second_record(self, pid: str, created: str) -> str:
        """A recurring person recorded again, as a new intake by someone else would record
        them before people were linked: the same person, often with a short form of the
        given name or a slip in it, the phone number written another way, the address
        abbreviated or left out. The review of likely duplicates is meant to find them."""
        _pid, name, dob, phone, email, address, locked, vul, why, _c, _u = self.recurring[pid]
        r = self.again.random
        given, _, surname = name.partition(" ")
        forms = sorted(matching.given_name_variants(given) - {matching.name_key(given)})
        if forms and r() < 0.5:
            given = forms[int(r() * len(forms))].title()
        elif len(given) > 4 and r() < 0.4:  # a slip: two letters swapped
            i = 1 + int(r() * (len(given) - 3))
            given = given[:i] + given[i + 1] + given[i] + given[i + 2 :]
        if phone and r() < 0.8:
            digits = phone.replace(" ", "")
            phone = self.again.choice((f"+44 {digits[1:5]} {digits[5:]}", digits,
                                       f"({digits[:5]}) {digits[5:8]} {digits[8:]}"))  # fmt: skip
        elif r() < 0.5:
            phone = ""
        if address and r() < 0.5:
            address = address.replace(" Street", " St").replace(" Road", " Rd")
        elif r() < 0.3:
            address = ""
        email = email if r() < 0.5 else ""
        dob = dob if r() < 0.4 else None
        new = uuid.UUID(int=self.again.getrandbits(128), version=4).hex
        self.add_person((new, f"{given} {surname}", dob, phone, email, address, locked, vul,
                         why, created, created))  # fmt: skip
        if vul:
            self._vulnerable.add(new)
        return new

    def _from_pool(self, pool: list[list[Any]], when: datetime, chance: float) -> str | None:
        """A recurring person still active at ``when``, with the given chance."""
        if not pool or self.rnd() >= chance:
            return None
        for _ in range(3):
            i = int(self.rnd() * len(pool))
            pid, until = pool[i]
            if until >= when:
                return pid
            pool[i] = pool[-1]  # gone quiet: out of the pool
            pool.pop()
            if not pool:
                return None
        return None

    # -- template values -----------------------------------------------------------------
    def _fill(self, key: str) -> str:
        frag = self.fragments.get(key)
        if frag is not None:
            return self.pick(frag)
        town, place = self._town, self._place
        assert town is not None and place is not None
        if key in ("street", "street2"):
            if key == "street" and place.street:
                return place.street
            name = place.name
            for _ in range(4):
                name = self.pick(town.places["street"]).name
                if name != place.name and name != place.street:
                    break
            return name
        fallback = _FALLBACK_PHRASES.get(key)
        if fallback is not None:
            options = town.places.get(key)
            return self.pick(options).phrase if options else fallback
        raise KeyError(f"The demo template placeholder {{{key}}} is not known.")

    def _action_templates(self, agency: _Agency, category: str) -> list[str]:
        actions = self.texts["actions"]
        spec = actions.get(agency.code) or actions.get(agency.type) or actions["council"]
        specific = spec.get(category, [])
        general = spec.get("any", [])
        # the category's own actions are the likelier; "any" keeps it varied
        templates = specific * 2 + general if specific else general
        self._actions[(agency.code, category)] = templates
        return templates

    def _external_ref(self, channel: str) -> str:
        """The reference another system gave a report (101 calls are made inline)."""
        rnd = self.rnd
        if channel == "online_form":
            return f"WEB-{10_000_000 + int(rnd() * 89_999_999)}"
        if channel == "partner_referral":
            return f"REF-{100_000 + int(rnd() * 899_999)}"
        if channel == "councillor":
            return f"MEM-{10_000 + int(rnd() * 89_999)}"
        return ""

    # -- the schedule ----------------------------------------------------------------------
    def schedule(self, n: int) -> list[tuple[datetime, _Hub]]:
        """When each case is received and by which hub, in received order."""
        rng, rnd, now = self.rng, self.rnd, self.now
        first_day = self.start.date()
        days = (self.today - first_day).days + 1
        cum = []
        total = 0.0
        for i in range(days):
            d = first_day + timedelta(days=i)
            growth = 0.8 + 0.4 * i / days  # the hubs are used more as time goes on
            season = (
                1.0
                + 0.25 * (d.month in (6, 7, 8))  # summer evenings
                + 0.3 * ((d.month == 10 and d.day >= 20) or (d.month == 11 and d.day <= 7))
            )
            weekday = (1.0, 1.05, 1.0, 1.0, 1.1, 0.8, 0.7)[d.weekday()]
            total += growth * season * weekday
            cum.append(total)
        hour_weights = (
            2, 1, 1, 1, 1, 1, 2, 3, 6, 9, 10, 10, 9, 9, 9, 9, 9, 8, 7, 7, 6, 5, 4, 3,
        )  # fmt: skip
        day_index = rng.choices(range(days), cum_weights=cum, k=n)
        hours = rng.choices(range(24), weights=hour_weights, k=n)
        base = datetime(first_day.year, first_day.month, first_day.day)
        midnight = datetime(now.year, now.month, now.day)
        out = []
        for d, h in zip(day_index, hours, strict=True):
            at = base + timedelta(
                days=d, hours=h, seconds=int(rnd() * 3600), milliseconds=int(rnd() * 1000)
            )
            if at >= now:  # later today: move it into the part of today gone by
                at = midnight + timedelta(
                    milliseconds=int((now - midnight).total_seconds() * 1000 * rnd())
                )
            if at < self.start:
                at = self.start + timedelta(seconds=int(rnd() * 86_400))
            out.append((at, self.hub_picker.pick(rnd())))
        out.sort(key=lambda item: item[0])
        return out

    # -- one case --------------------------------------------------------------------------
    def bind(self) -> None:
        """Cache what the per-case code uses (after load)."""
        rows = self.rows
        self.add_person = rows["person"].append
        self.today_ordinal = self.today.toordinal()
        self.general_details = self.texts["general"]["details"]
        self.done_outcomes = self.texts["action_outcomes"]["done"]
        self.cancelled_outcomes = self.texts["action_outcomes"]["cancelled"]
        self.shared_notes = self.texts["notes"]["shared"]
        self.own_notes = self.texts["notes"]["own_agency"]
        self.status_reasons = self.texts["status_reasons"]
        self.sara_texts = [self.texts["sara"].get(f, []) for f in SARA_FIELDS[:-1]]
        self.tool_texts = self.texts["interventions"]
        self.history_from = self.now - _DAY * HISTORY_DAYS
        self.person_tools = [c for c in _PERSON_TOOLS if c in self.tools]
        self.place_tools = [c for c in _PLACE_TOOLS if c in self.tools]
        # issue 17: the strands monitored (refdata/hate.toml), the Case Review's deadlines
        with resources.path("refdata", "hate.toml").open("rb") as fh:
            monitored = {s["code"] for s in tomllib.load(fh).get("strand", [])}
        self.strands = _Weighted((c, w) for c, w in _HATE_STRANDS if c in monitored)
        self.review_config = review_settings()
        today = self.today
        self.child_born_after = date(today.year - 18, today.month,
                                     min(today.day, 28)).isoformat()  # fmt: skip

    def case(self, hub: _Hub, received: datetime, seq: int, reference: str) -> None:
        """Make one case and everything that hangs off it."""
        rnd, new_id, now, today, rows = self.rnd, self.new_id, self.now, self.today, self.rows
        channels = self.channel_picker
        add_case_person = rows["case_person"].append
        add_contact = rows["contact"].append
        add_assignment = rows["assignment"].append
        add_action = rows["action"].append
        add_note = rows["note"].append

        cat: _Category = hub.categories.pick(rnd())
        channel: _Channel = self.channel_picker.pick(rnd())
        town: _Town = hub.towns.pick(rnd())
        kinds = town.kinds.get(cat.code)
        if kinds is None:
            kinds = town.kinds[cat.code] = _Weighted(
                (k, w) for k, w in cat.places.items() if k in town.places and k in cat.summaries
            ) or _Weighted([("street", 1.0)])
        kind = kinds.pick(rnd())
        options = town.places[kind]
        place: _Place = options[int(rnd() * len(options))]
        self._town, self._place = town, place
        case_id = new_id()

        # -- agencies first: the texts may name them
        lead = self._agency_of(hub, cat.lead.pick(rnd()))
        assigned: list[tuple[_Agency, str]] = [(lead, "lead")]
        r = rnd()
        wanted = 1 + (0 if r < 0.3 else 1 if r < 0.72 else 2 if r < 0.93 else 3)
        for _ in range(2 * wanted):
            if len(assigned) >= wanted:
                break
            candidates = hub.by_type.get(cat.support.pick(rnd()))
            if candidates:
                agency = candidates[int(rnd() * len(candidates))]
                if all(agency is not a for a, _ in assigned):
                    assigned.append((agency, "support" if rnd() < 0.72 else "informed"))
        if len(assigned) > 1:
            partner = assigned[1][0]
        else:  # texts may still mention a partner: any other agency of the hub
            others = hub.others[lead.code]
            partner = others[int(rnd() * len(others))]
        slots = _Slots(
            place=place.phrase, town=town.name, agency=lead.short_name, partner=partner.short_name
        )
        slots.fill = self._fill

        # -- what it is about
        options = cat.summaries.get(kind) or cat.summaries["street"]
        template = options[int(rnd() * len(options))]
        summary = template.format_map(slots)
        if template[0] == "{":
            summary = _cap(summary)
        summary = summary[:200]
        details = cat.details
        n_details = len(details)
        i = int(rnd() * n_details)
        parts = [details[i]]
        r = rnd()
        if r < 0.65 and n_details > 1:
            j = (i + 1 + int(rnd() * (n_details - 1))) % n_details
            parts.append(details[j])
            k = (j + 1) % n_details
            if r < 0.2 and k != i:
                parts.append(details[k])
        if rnd() < 0.15:
            parts.append(self.pick(self.general_details))
        details_text = f"{summary}. {' '.join(parts).format_map(slots)}"

        location = place.name
        if kind == "street":
            r = rnd()
            if r < 0.25:
                location = f"Outside {1 + int(rnd() * 120)} {place.name}"
            elif r < 0.35:
                location = f"Junction of {place.name} and {self._fill('street2')}"
            elif r < 0.45:
                first = 1 + int(rnd() * 60) * 2
                location = f"Rear of {first}–{first + 10} {place.name}"
            elif r < 0.55 and cat.code == "fly_tipping":
                location = f"Back lane behind {place.name}"

        # -- when, and how far it has gone
        incident = None
        if rnd() >= (0.6 if cat.code == "visible_policing" else 0.12):
            back = 60 + rnd() * (43_200 if rnd() < 0.7 else 1_209_600)  # before it is reported
            incident = received - _SECOND * int(back) - _MS * int(rnd() * 1000)
        risk = cat.risk.pick(rnd())
        age_days = (now - received).total_seconds() / 86_400
        duration = 2 + self.rng.expovariate(1 / 35)
        if risk != "standard":
            duration *= 1.6 if risk == "medium" else 2.4
        if rnd() < 0.08:
            duration *= 4  # the long-running ones
        opened_on = received.date()
        closed_on = next_review = None
        outcome = rationale = ""
        if age_days > duration:
            closed_on = min(today, opened_on + _DAY * int(duration))
            if rnd() < 0.03:
                status = "reopened"
                sara = "analysis" if rnd() < 0.5 else "response"
                closed_on = None
            else:
                status, sara = "closed", "assessment"
                outcome, rationales = self.outcomes.pick(rnd())
                rationale = self.pick(rationales).format_map(slots)
        else:
            r = rnd()
            if age_days < 2:
                status = "new" if r < 0.8 else "triaged"
            elif age_days < 10:
                status = "new" if r < 0.1 else "triaged" if r < 0.7 else "in_progress"
            else:
                status = "in_progress" if r < 0.6 else "under_review" if r < 0.85 else "triaged"
            r = rnd()
            if status == "new":
                sara = "scanning"
            elif status == "triaged":
                sara = "scanning" if r < 0.6 else "analysis"
            elif status == "in_progress":
                sara = "analysis" if r < 0.4 else "response"
            else:
                sara = "assessment" if r < 0.8 else "response"
        if closed_on is None and risk != "standard":
            # reviewed recently; the next review is due 28 (medium) or 14 (high) days later
            last = max(opened_on, today - _DAY * int(rnd() * 35))
            next_review = last + _DAY * (28 if risk == "medium" else 14)
        priority_chance = 0.7 if risk == "high" else 0.25 if risk == "medium" else 0.05
        priority = "high" if rnd() < priority_chance else "normal"
        created = min(now, received + _SECOND * (300 + int(rnd() * 14_000)))
        if closed_on is not None:
            end = min(now, datetime(closed_on.year, closed_on.month, closed_on.day, 16, 30))
            if end < created:
                end = created
        else:
            end = now
        life = (end - created).total_seconds()
        updated = end if closed_on is not None else created
        created_s = _iso(created, " ", "microseconds")

        # -- people
        reporters: list[str] = []
        victims_here: list[str] = []
        perpetrator = None
        in_case: set[str] = set()
        locked = 0.12 if cat.code in ("vulnerability", "asb_personal") else 0.015
        for role in cat.people.pick(rnd()):
            pid = None
            if role == "victim":
                pid = self._from_pool(hub.victims, received, 0.15)
            elif role == "complainant":
                pid = self._from_pool(hub.victims, received, 0.05)
            elif role == "alleged_perpetrator":
                pid = self._from_pool(hub.perpetrators, received, 0.3)
            if pid is None or pid in in_case:
                pid = self.new_person(town, role, created_s, locked if role == "victim" else 0.01)
                if role == "victim" and rnd() < 0.12:
                    hub.victims.append([pid, received + _DAY * (60 + int(rnd() * 180))])
                    self.recurring[pid] = self._last_person
                elif role == "alleged_perpetrator" and rnd() < 0.25:
                    hub.perpetrators.append([pid, received + _DAY * (90 + int(rnd() * 450))])
                    self.recurring[pid] = self._last_person
            elif pid in self.recurring and self.again.random() < SECOND_RECORDS:
                pid = self.second_record(pid, created_s)
            in_case.add(pid)
            if role == "alleged_perpetrator":
                perpetrator = pid
            if role in _REPORTING_ROLES:
                reporters.append(pid)
            if role in _VICTIM_ROLES:
                victims_here.append(pid)
            add_case_person((new_id(), case_id, pid, role, None, created_s, created_s))
        if kind in _MANAGED_PLACES and rnd() < 0.12:
            pid = self.new_person(town, "place_manager", created_s, 0.0)
            add_case_person(
                (new_id(), case_id, pid, "place_manager", place.id, created_s, created_s)
            )

        # -- contacts: the first report, then repeats
        police_ref = ""
        r = rnd()
        n_extra = 0 if life < 3_600 or r < 0.55 else 1 if r < 0.82 else 2 if r < 0.95 else 3
        ch, at, inc, text = channel, received, incident, summary
        anonymous = not reporters or rnd() < 0.08
        if n_extra:
            window = min(life, 5_184_000.0)  # repeats come within 60 days
            offsets = sorted(rnd() * window for _ in range(n_extra))
        for n in range(n_extra + 1):
            if n:
                ch = channels.items[bisect_right(channels.cum, rnd() * channels.total)]
                at = created + _SECOND * int(offsets[n - 1])
                inc = None
                if rnd() < 0.8:
                    inc = at - _SECOND * int(rnd() * 20_000)
                    if inc < received:
                        inc = received
                repeats = cat.repeats
                text = repeats[int(rnd() * len(repeats))].format_map(slots)
                anonymous = not reporters or rnd() < 0.2
            slots["text"] = text
            prefixes = ch.prefixes
            contact_summary = prefixes[int(rnd() * len(prefixes))].format_map(slots)
            at_s = _iso(at, " ", "microseconds")
            code = ch.code
            if code == "call_101" or code == "patrol":
                ext = f"CC-{at_s[:4]}{at_s[5:7]}{at_s[8:10]}-{1 + int(rnd() * 1400):04d}"
                if not police_ref:
                    police_ref = ext
            else:
                ext = self._external_ref(code)
            if anonymous:
                reporter, consent = None, 0
            else:
                reporter = reporters[int(rnd() * len(reporters))]
                consent = int(rnd() < 0.85)
            add_contact((new_id(), case_id, ch.id, at_s,
                         _iso(inc, " ", "microseconds") if inc is not None else None, reporter,
                         int(anonymous), consent, contact_summary, ext, place.id, at_s,
                         at_s))  # fmt: skip
            if at > updated:
                updated = at
        if not police_ref and lead.type == "police" and rnd() < 0.7:
            police_ref = f"CC-{received:%Y%m%d}-{1 + int(rnd() * 1400):04d}"
        council_ref = ""
        if any(a.type == "council" for a, _ in assigned):
            prefix = _COUNCIL_REF_PREFIX.get(cat.code, "CS")
            council_ref = f"{prefix}/{received.year % 100:02d}/{1 + int(rnd() * 99_999):05d}"

        # -- agencies
        for agency, role in assigned:
            add_assignment((new_id(), case_id, agency.id, role, created_s, created_s))

        # -- actions, owned by the lead or a supporting agency
        owners = [a for a, role in assigned if role != "informed"]
        r = rnd()
        if status == "new":
            n_actions = 0 if r < 0.6 else 1
        elif status == "triaged":
            n_actions = 0 if r < 0.3 else 1 if r < 0.75 else 2
        else:
            n_actions = 0 if r < 0.1 else 1 if r < 0.45 else 2 if r < 0.78 else 3 if r < 0.94 else 4
        actions = self._actions
        for _ in range(n_actions):
            agency = lead if rnd() < 0.6 else owners[int(rnd() * len(owners))]
            templates = actions.get((agency.code, cat.code))
            if templates is None:
                templates = self._action_templates(agency, cat.code)
            description = templates[int(rnd() * len(templates))].format_map(slots)
            a_created = self.office_hours(
                created + _SECOND * int(rnd() * min(life, 1_209_600.0)), created
            )
            a_day = a_created.date()
            a_updated = a_created
            completed_s = None
            a_outcome = ""
            if closed_on is not None:
                due = a_day + _DAY * (7 + int(rnd() * 35))
                if rnd() < 0.88:
                    a_status = "done"
                    span = (closed_on - a_day).days
                    k = int(rnd() * (span + 1)) if span > 0 else 0
                    done = self.done_outcomes
                    a_outcome = done[int(rnd() * len(done))].format_map(slots)
                else:
                    a_status = "cancelled"
                    k = -1
                    cancelled = self.cancelled_outcomes
                    a_outcome = cancelled[int(rnd() * len(cancelled))]
            else:
                r = rnd()
                if r < 0.3:  # overdue
                    due = today - _DAY * (1 + int(rnd() * 30))
                elif r < 0.55:  # due within the week
                    due = today + _DAY * int(rnd() * 8)
                else:
                    due = today + _DAY * (8 + int(rnd() * 50))
                if due <= a_day:
                    due = a_day + _DAY * (1 + int(rnd() * 14))
                r = rnd()
                k = -1
                if r < 0.2 and a_day < today:
                    a_status = "done"
                    k = int(rnd() * ((today - a_day).days + 1))
                    done = self.done_outcomes
                    a_outcome = done[int(rnd() * len(done))].format_map(slots)
                elif r < 0.24:
                    a_status = "cancelled"
                    cancelled = self.cancelled_outcomes
                    a_outcome = cancelled[int(rnd() * len(cancelled))]
                else:
                    a_status = "open" if r < 0.7 else "in_progress"
            if k >= 0:  # done k days after it was raised
                completed_s = (a_day + _DAY * k).isoformat()
                if k:
                    a_updated = min(now, a_created + _DAY * k)
            if a_updated > updated:
                updated = a_updated
            staff = agency.staff
            a_created_s = _iso(a_created, " ", "microseconds")
            add_action((new_id(), case_id, agency.id, staff[int(rnd() * len(staff))],
                        description, due.isoformat(), a_status, completed_s, a_outcome,
                        a_created_s,
                        _iso(a_updated, " ", "microseconds") if k > 0 else a_created_s))  # fmt: skip

        # -- notes on the timeline
        r = rnd()
        if status == "new":
            n_notes = 0 if r < 0.5 else 1
        else:
            n_notes = 1 if r < 0.45 else 2 if r < 0.88 else 3
        for _ in range(n_notes):
            agency = lead if rnd() < 0.5 else assigned[int(rnd() * len(assigned))][0]
            own = rnd() < 0.18
            body = self.pick(self.own_notes if own else self.shared_notes).format_map(slots)
            at = self.office_hours(created + _SECOND * int(rnd() * life), created)
            if at > updated:
                updated = at
            at_s = _iso(at, " ", "microseconds")
            staff = agency.staff
            add_note((new_id(), case_id, staff[int(rnd() * len(staff))], agency.id,
                      "own_agency" if own else "shared", body, at_s, at_s))  # fmt: skip

        # -- status history (recent cases), SARA plan, tools and powers
        if status != "new" and received >= self.history_from:
            path = _STATUS_PATHS[status]
            steps = len(path)
            reasons = self.status_reasons
            for i, (was, to) in enumerate(path):
                if to == "closed" and status == "closed":
                    at = end
                else:
                    at = created + _SECOND * int(life * (i + rnd()) / steps)
                if to == "closed":
                    why = f"Outcome: {label(CaseOutcome, outcome or 'resolved')}. {rationale}"
                else:
                    options = reasons[to]
                    why = options[int(rnd() * len(options))].format_map(slots)
                staff = lead.staff
                at_s = _iso(at, " ", "microseconds")
                rows["case_status_change"].append(
                    (new_id(), case_id, was, to, at_s, staff[int(rnd() * len(staff))], why,
                     at_s, at_s)
                )  # fmt: skip
        if sara != "scanning" and rnd() < 0.1:
            filled = _SARA_STAGE_FIELDS[sara]
            values = [
                options[int(rnd() * len(options))].format_map(slots) if k < filled else ""
                for k, options in enumerate(self.sara_texts)
            ]
            goal = ""
            if filled > len(values):
                goal = ("reduce", "reduce", "eliminate", "reduce_harm", "handle_better")[
                    int(rnd() * 5)]  # fmt: skip
            rows["sara_plan"].append((new_id(), case_id, *values, goal, created_s, created_s))
        if victims_here and received >= self.history_from:
            self._victim_contact(case_id, lead, victims_here, opened_on, closed_on, risk)
        chance = _INTERVENTION_CHANCE.get(cat.code)
        if chance and status not in ("new", "triaged") and rnd() < chance:
            self._intervention(case_id, lead, perpetrator, place, slots, created, life,
                               closed_on)  # fmt: skip

        rows["case_place"].append((new_id(), case_id, place.id, "location", created_s, created_s))
        # -- issue 17 (own generator): hate, referrals, the Case Review, area orders
        hate, strands = self._hate(cat.code)
        if hate == "yes" and risk == "standard":  # hate is at least medium risk (hate.toml)
            risk = "medium"
            if closed_on is None:
                last = max(opened_on, today - _DAY * int(self.extra.random() * 35))
                next_review = last + _DAY * 28
        if victims_here:
            reports = [received.date()]
            if n_extra:
                reports += [(created + _SECOND * int(o)).date() for o in offsets]
            self._statutory(case_id, hub, lead, assigned, victims_here, reports, opened_on,
                            closed_on, risk, slots)  # fmt: skip
        if perpetrator is not None:
            self._perpetrator_referrals(case_id, hub, lead, perpetrator, opened_on, closed_on)
        if cat.code.startswith("asb_"):
            self._case_order(case_id, hub.id, town.name, opened_on)
        # made last because updated_at is the time of the latest activity; inserted first
        rows["case_"].append(
            (case_id, seq, reference, hub.id, cat.id, channel.id, status, risk, priority, sara,
             lead.id, place.id, location, town.name, place.postcode, place.grid_ref, summary,
             details_text, police_ref, council_ref, _iso(received, " ", "microseconds"),
             _iso(incident, " ", "microseconds") if incident is not None else None,
             opened_on.isoformat(), closed_on.isoformat() if closed_on is not None else None,
             outcome, rationale, next_review.isoformat() if next_review is not None else None,
             hate, strands, created_s, _iso(updated, " ", "microseconds"))
        )  # fmt: skip

    def _victim_contact(self, case_id: str, lead: _Agency, victims: list[str], opened_on: date,
                        closed_on: date | None, risk: str) -> None:  # fmt: skip
        """Each victim's contact plan (most have one: the lead agency's officer) and the
        updates given, about as often as their risk asks and now and then late; a closed
        case's victims were told it was closing (or could not be, and why)."""
        r = self.contacts.random
        every = {"high": 7, "medium": 14}.get(risk, 28)  # calendar days, about the plan's
        end = closed_on or self.today
        for pid in dict.fromkeys(victims):
            spoc = lead.staff[int(r() * len(lead.staff))] if lead.staff else ""
            stamp = _iso(datetime(opened_on.year, opened_on.month, opened_on.day, 10), " ",
                         "microseconds")  # fmt: skip
            cannot = ""
            told = closed_on is not None and r() < 0.9
            if closed_on is not None and not told:
                cannot = _CANNOT_TELL[int(r() * len(_CANNOT_TELL))]
            if r() < 0.8 or cannot:
                self.rows["victim_contact"].append(
                    (self._contact_id(), case_id, pid, spoc, lead.id, None, cannot, stamp, stamp)
                )
            day = opened_on + _DAY * int(1 + r() * 3)
            while day < end:
                if r() < 0.85:
                    self._victim_update(case_id, pid, day, spoc, lead.id, False)
                day += _DAY * int(every * (0.7 + r() * (0.9 if r() < 0.8 else 2.5)))
            if told:
                self._victim_update(case_id, pid, closed_on, spoc, lead.id, True)

    def _victim_update(self, case_id: str, pid: str, day: date, by: str, agency: str,
                       closing: bool) -> None:  # fmt: skip
        r = self.contacts.random
        texts = _CLOSING_UPDATES if closing else _UPDATES
        stamp = _iso(datetime(day.year, day.month, day.day, 15), " ", "microseconds")
        self.rows["victim_update"].append((
            self._contact_id(), case_id, pid, day.isoformat(), _METHODS[int(r() * 4)], by, agency,
            texts[int(r() * len(texts))], closing, stamp, stamp,
        ))  # fmt: skip

    def _contact_id(self) -> str:
        return uuid.UUID(int=self.contacts.getrandbits(128), version=4).hex

    # -- issue 17: hate, referrals, the ASB Case Review, area orders (self.extra only) -------
    def _extra_id(self) -> str:
        return uuid.UUID(int=self.extra.getrandbits(128), version=4).hex

    def _stamp(self, day: date, hour: int) -> str:
        """A row's created_at: ``day`` at ``hour``, but never after now."""
        return _iso(min(self.now, datetime(day.year, day.month, day.day, hour)), " ",
                    "microseconds")  # fmt: skip

    def _person_row(self, pid: str) -> tuple | None:
        """The row of a person of the case being made (recurring, or made just now)."""
        row = self.recurring.get(pid)
        if row is not None:
            return row
        people = self.rows["person"]
        for i in range(len(people) - 1, max(-1, len(people) - 16), -1):
            if people[i][0] == pid:
                return people[i]
        return None

    def _hate(self, category: str) -> tuple[str, str]:
        """The hate answer and its strands (as stored: a JSON list)."""
        x = self.extra.random
        r = x()
        if not category.startswith("asb_"):  # not asked, mostly
            return ("no" if r < _HATE_ASKED_OTHER else ""), "[]"
        if r >= _HATE_YES:
            return ("not_known" if r < _HATE_YES + _HATE_NOT_KNOWN else "no"), "[]"
        strands = [self.strands.pick(x())]
        if x() < _HATE_TWO_STRANDS:
            other = self.strands.pick(x())
            if other != strands[0]:
                strands.append(other)
        return "yes", json.dumps(strands)

    def _statutory(self, case_id: str, hub: _Hub, lead: _Agency,
                   assigned: list[tuple[_Agency, str]], victims: list[str], reports: list[date],
                   opened_on: date, closed_on: date | None, risk: str,
                   slots: _Slots) -> None:  # fmt: skip
        """The victims' referrals, the Case Review explained at their second report, and now
        and then an ASB Case Review application."""
        x = self.extra.random
        victims = list(dict.fromkeys(victims))
        for pid in victims:
            if x() < _VICTIM_SUPPORT:
                self._referral(case_id, pid, "victim_support", hub, lead, opened_on, closed_on)
            if pid in self._vulnerable and x() < _ADULT_SAFEGUARDING:
                self._referral(case_id, pid, "adult_safeguarding", hub, lead, opened_on,
                               closed_on)  # fmt: skip
            if x() < _MENTAL_HEALTH:
                self._referral(case_id, pid, "mental_health", hub, lead, opened_on, closed_on)
            if risk == "high" and x() < _MARAC_HIGH:
                self._referral(case_id, pid, "marac", hub, lead, opened_on, closed_on)
        if len(reports) < 2:
            return
        second = reports[1]
        for pid in victims:
            if x() < _EXPLAINED:
                on = min(self.today, second + _DAY * int(x() * 4))
                staff = lead.staff
                self.rows["review_explanation"].append((
                    self._extra_id(), case_id, pid, on.isoformat(),
                    staff[int(x() * len(staff))] if staff else "", _METHODS[int(x() * 4)],
                    _EXPLAIN_NOTES[int(x() * len(_EXPLAIN_NOTES))], self._stamp(on, 14),
                    self._stamp(on, 14),
                ))  # fmt: skip
        r = x()
        if len(reports) >= 3 and r < _REVIEW_MET:
            self._case_review(case_id, hub, lead, assigned, victims[0], reports, closed_on,
                              "met")  # fmt: skip
        elif len(reports) == 2 and r < _REVIEW_NOT_MET:
            self._case_review(case_id, hub, lead, assigned, victims[0], reports, closed_on,
                              "not_met")  # fmt: skip

    def _referral(self, case_id: str, pid: str, pathway: str, hub: _Hub, lead: _Agency,
                  opened_on: date, closed_on: date | None) -> None:  # fmt: skip
        """A referral of a person on the case, by the lead agency (the police for MARAC and
        Channel), within a month of the case opening, with its outcome when old enough."""
        x = self.extra.random
        end = closed_on or self.today
        on = opened_on + _DAY * int(x() * (min((end - opened_on).days, 30) + 1))
        agency = lead
        if pathway in ("marac", "channel"):
            police = hub.by_type.get("police")
            agency = police[0] if police else lead
        staff = agency.staff
        by = staff[int(x() * len(staff))] if staff else ""
        n = 1 + int(x() * (998 if pathway in ("marac", "channel") else 9_998))
        reference = _REFERRAL_PREFIX[pathway].format(y4=on.year, y2=on.year % 100, n=n)
        outcome, outcome_on = "", None
        age = (self.today - on).days
        if age >= _REFERRAL_OUTCOME_DAYS and x() < 0.85:
            options = _REFERRAL_OUTCOMES[pathway]
            outcome = options[int(x() * len(options))]
            outcome_on = (on + _DAY * (2 + int(x() * min(age - 1, 20)))).isoformat()
        stamp = self._stamp(on, 11)
        self.rows["referral"].append(
            (self._extra_id(), case_id, pid, pathway, on.isoformat(), by, agency.id, reference,
             outcome, outcome_on, _REFERRAL_NOTES[pathway], stamp, stamp)
        )  # fmt: skip

    def _perpetrator_referrals(self, case_id: str, hub: _Hub, lead: _Agency, pid: str,
                               opened_on: date, closed_on: date | None) -> None:  # fmt: skip
        """MASH for a child (under 18 by date of birth) on some cases; Channel, very rarely."""
        x = self.extra.random
        if x() < _MASH:
            row = self._person_row(pid)
            if row is not None and row[2] and row[2] > self.child_born_after:
                self._referral(case_id, pid, "mash", hub, lead, opened_on, closed_on)
        if x() < _CHANNEL:
            self._referral(case_id, pid, "channel", hub, lead, opened_on, closed_on)

    def _case_review(self, case_id: str, hub: _Hub, lead: _Agency,
                     assigned: list[tuple[_Agency, str]], victim: str, reports: list[date],
                     closed_on: date | None, decision: str) -> None:  # fmt: skip
        """An ASB Case Review application by (or for) a victim with several reports, taken
        as far as time allows, within the local deadlines mostly (case_review.toml)."""
        x, today, config = self.extra.random, self.today, self.review_config
        # mostly while the case is open; now and then after it closed (then with no
        # recommendations: they would be actions on a closed case)
        last = max(reports)
        room = ((closed_on or today) - last).days
        if room >= 27:  # open long enough for the meeting
            received = last + _DAY * (1 + int(x() * min(room - 26, 40)))
        elif x() < 0.12:
            received = last + _DAY * (3 + int(x() * 40))
        else:
            return
        if received > today:
            return
        row = self._person_row(victim)
        name = row[1] if row is not None else ""
        by_victim = x() < 0.85
        applicant, consent = name, None
        if not by_victim:
            applicant = (
                f"{self.pick_extra(('Mr', 'Mrs', 'Ms'))} {name.rpartition(' ')[2]} (relative)"
            )
            consent = received.isoformat()

        def within(days: int, late: float = 0.1) -> date:
            extra = 2 + int(x() * 4) if x() < late else 0
            return add_working_days(received, max(1, days - int(x() * days / 2)) + extra)

        def upto(day: date | None) -> date | None:
            return day if day is not None and day <= today else None

        ack = upto(within(config.acknowledge_days))
        decided = upto(max(ack, within(config.decide_days))) if ack else None
        meeting = outcome_sent = dissatisfied = escalated = closed = None
        outcome = summary = reasons = dis_outcome = esc_outcome = ""
        agencies: list[str] = []
        if decided is not None:
            reasons = self.pick_extra(_NOT_MET_REASONS if decision == "not_met" else _MET_REASONS)
        else:
            decision = ""
        finished = decided if decision == "not_met" else None
        if decision == "met":
            meeting = upto(max(decided, within(config.meet_days)))
        if meeting is not None:
            present = [a.id for a, _ in assigned]
            for other in hub.others[lead.code]:
                if len(present) >= 2:
                    break
                present.append(other.id)
            agencies = present[: 2 + int(x() * 3)]
            finished = upto(add_working_days(meeting, 1 + int(x() * 5)))
            if finished is not None:
                outcome_sent = finished
                # recommendations become actions: none once the case has closed
                made = x() < 0.8 and (closed_on is None or closed_on >= meeting)
                outcome = "recommendations" if made else "none"
                summary = self.pick_extra(_REVIEW_SUMMARIES[outcome])
        closed = finished
        if finished is not None and x() < 0.12:
            dissatisfied = upto(finished + _DAY * (3 + int(x() * 20)))
            if dissatisfied is not None:
                closed = upto(dissatisfied + _DAY * (5 + int(x() * 15)))
                if closed is not None:
                    dis_outcome = self.pick_extra(_DISSATISFIED)
                    if x() < 0.25:
                        escalated = upto(closed + _DAY * (3 + int(x() * 10)))
                        if escalated is not None:
                            closed = upto(escalated + _DAY * (10 + int(x() * 20)))
                            esc_outcome = _ESCALATED if closed is not None else ""
        review_id = self._extra_id()
        staff = lead.staff
        stamp = self._stamp(received, 10)
        iso = date.isoformat
        self.rows["case_review"].append((
            review_id, case_id, victim, None, applicant, int(by_victim), consent,
            received.isoformat(), iso(ack) if ack else None, decision,
            iso(decided) if decided else None, reasons, iso(meeting) if meeting else None,
            json.dumps(agencies), outcome, iso(outcome_sent) if outcome_sent else None, summary,
            iso(dissatisfied) if dissatisfied else None, dis_outcome,
            iso(escalated) if escalated else None, esc_outcome, iso(closed) if closed else None,
            staff[int(x() * len(staff))] if staff else "", stamp,
            self._stamp(closed or decided or received, 16),
        ))  # fmt: skip
        if outcome == "recommendations":
            owners = [a for a, role in assigned if role != "informed"] or [lead]
            for _ in range(1 + int(x() * 3)):
                self._recommendation(case_id, review_id, owners[int(x() * len(owners))],
                                     meeting, closed_on)  # fmt: skip

    def _recommendation(self, case_id: str, review_id: str, agency: _Agency, meeting: date,
                        closed_on: date | None) -> None:  # fmt: skip
        """A recommendation of the review: a new action of an agency on the case."""
        x, today = self.extra.random, self.today
        texts = _RECOMMENDATIONS.get(agency.type, ()) + _RECOMMENDATIONS_ANY
        due = meeting + _DAY * (14 + int(x() * 29))
        status, completed, result = "open", None, ""
        last = closed_on or today
        if closed_on is not None or (due <= today and x() < 0.7):
            span = (min(due, last) - meeting).days
            status = "done"
            completed = meeting + _DAY * int(x() * (max(span, 0) + 1))
            result = self.pick_extra(_RECOMMENDATION_DONE)
        if status == "open" and x() < 0.3:
            status = "in_progress"
        action_id = self._extra_id()
        staff = agency.staff
        stamp = self._stamp(meeting, 15)
        self.rows["action"].append((
            action_id, case_id, agency.id, staff[int(x() * len(staff))] if staff else "",
            self.pick_extra(texts), due.isoformat(), status,
            completed.isoformat() if completed else None, result, stamp,
            self._stamp(completed, 15) if completed else stamp,
        ))  # fmt: skip
        self.rows["review_recommendation"].append(
            (self._extra_id(), case_id, review_id, action_id, stamp, stamp)
        )

    def pick_extra(self, seq) -> Any:
        return seq[int(self.extra.random() * len(seq))]

    def _case_order(self, case_id: str, hub_id: str, town: str, opened_on: date) -> None:
        """An antisocial behaviour case citing an order in force in its town, now and then."""
        orders = self.orders.get(hub_id)
        if not orders or self.extra.random() >= _CASE_ORDER:
            return
        live = [o for o in orders if o[1] == town and o[2] <= opened_on
                and (o[3] is None or o[3] >= opened_on)]  # fmt: skip
        if not live:
            return
        order_id = self.pick_extra(live)[0]
        stamp = self._stamp(opened_on, 12)
        self.rows["case_order"].append(
            (self._extra_id(), case_id, order_id, self.pick_extra(_CASE_ORDER_NOTES), stamp,
             stamp)
        )  # fmt: skip

    def _intervention(self, case_id: str, lead: _Agency, perpetrator: str | None, place: _Place,
                      slots: _Slots, created: datetime, life: float,
                      closed_on: date | None) -> None:  # fmt: skip
        """A tool or power against the case's alleged perpetrator (if any) or its place."""
        rnd, rows = self.rnd, self.rows
        if perpetrator is not None and self.person_tools:
            code = self.person_tools[int(rnd() * len(self.person_tools))]
            person_id, place_id = perpetrator, None
        elif self.place_tools:
            code = self.place_tools[int(rnd() * len(self.place_tools))]
            person_id, place_id = None, place.id
        else:
            return
        issued = (created + _SECOND * int(life * (0.2 + 0.5 * rnd()))).date()
        expires = issued + _DAY * (90 + int(rnd() * 275)) if code != "warning_letter" else None
        # (no more draws of the generator: the same seed makes the same cases as before)
        if code in _MAX_DAYS and expires is not None:
            expires = issued + _DAY * (1 + (expires - issued).days % _MAX_DAYS[code])
        spread = (expires - issued).days if expires is not None else 0
        authorised = _INSPECTORS[spread % len(_INSPECTORS)] if code == "dispersal" else ""
        hearing = issued + _DAY * 2 if code == "closure_notice" else None
        texts = self.tool_texts
        conditions = self.pick(texts["conditions"].get(code, [""])).format_map(slots)
        status, ended, notes = "active", None, ""
        if closed_on is not None:
            status = "complied" if rnd() < 0.7 else "ended"
            ended = max(issued, closed_on)
            notes = self.pick(texts["ended"])
        intervention_id = self.new_id()
        stamp = _iso(datetime(issued.year, issued.month, issued.day, 10), " ", "microseconds")
        breached = None
        if status == "active" and rnd() < 0.5 and issued < self.today:
            breached = issued + _DAY * int(1 + rnd() * max(1, (self.today - issued).days - 1))
            breached = min(breached, self.today)
            if code in _MAX_DAYS and expires is not None:  # within its 48 hours or 3 months
                breached = min(breached, expires)
            status = "breached"
        rows["intervention"].append(
            (intervention_id, case_id, self.tools[code], person_id, place_id, lead.id,
             issued.isoformat(), expires.isoformat() if expires else None, conditions, status,
             ended.isoformat() if ended else None, notes, authorised,
             hearing.isoformat() if hearing else None, stamp, stamp)
        )  # fmt: skip
        if breached is not None:
            at = _iso(datetime(breached.year, breached.month, breached.day, 11), " ",
                      "microseconds")  # fmt: skip
            rows["intervention_breach"].append(
                (self.new_id(), intervention_id, breached.isoformat(),
                 self.pick(texts["breaches"]).format_map(slots), self.pick(lead.staff),
                 _OUTCOMES[breached.day % len(_OUTCOMES)], at, at)
            )  # fmt: skip

    def office_hours(self, at: datetime, earliest: datetime) -> datetime:
        """Staff write notes and raise actions in the working day: move ``at`` into one
        (same day, 08:00 to 17:59), but never before ``earliest`` nor after now."""
        at = at.replace(hour=8 + int(self.rnd() * 10))
        if at < earliest:
            return earliest
        return at if at <= self.now else self.now

    def _agency_of(self, hub: _Hub, agency_type: str) -> _Agency:
        if agency_type == "council" and hub.council is not None:
            return hub.council
        candidates = hub.by_type.get(agency_type) or hub.by_type.get("police") or hub.agencies
        return candidates[int(self.rnd() * len(candidates))]


# --- writing ------------------------------------------------------------------------------


def _insert_sql(table: str, station_hex: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", station_hex):  # it becomes a literal below
        raise ValueError(f"Not a UUID in hex: {station_hex!r}")
    cols = ("id", *COLUMNS[table], "created_at", "updated_at")
    return (
        f"INSERT INTO {table} ({', '.join(cols)}, row_version, station_id, voided) "
        f"VALUES ({', '.join('?' * len(cols))}, 1, '{station_hex}', 0)"
    )


def check_columns() -> None:
    """Refuse to run if the schema has a column the generator does not know how to fill."""
    tables = Base.metadata.tables
    for table, cols in COLUMNS.items():
        columns = tables[table].columns
        written = {*cols, *SYNC_COLUMNS}
        missing = {
            c.name
            for c in columns
            if c.name not in written and not c.nullable and c.server_default is None
        }
        unknown = written - set(columns.keys())
        if missing or unknown:
            raise StoreError(
                f"The demo data generator is out of step with the {table} table "
                f"(not filled: {sorted(missing)}; unknown: {sorted(unknown)})."
            )
    stale = demo_files.check_columns()
    if stale:
        raise StoreError(f"The demo data generator is out of step with the {stale[0]} table.")


def generate(
    store,
    cases: int,
    seed: int = 1,
    progress: Progress | None = None,
    *,
    now: datetime | None = None,
) -> DemoSummary:
    """Add ``cases`` demo cases with their places, people, contacts, agencies, actions, notes.

    Everything is written in one transaction. ``progress(fraction, message)`` is called now
    and then; if it returns False the work stops, nothing is kept, and the summary says
    ``cancelled``. ``now`` (naive UTC) fixes "today" so that the data can be reproduced
    exactly; it defaults to the clock. A database with no station yet is first set up as
    Whitehaven Police Station (Copeland hub), and the summary says so.
    """
    if cases < 0:
        raise ValueError("The number of demo cases cannot be negative.")
    started = time.perf_counter()
    check_columns()
    if progress is not None and not progress(0.0, "Preparing demo data"):
        return DemoSummary({}, seed, time.perf_counter() - started, cancelled=True)
    access.require(store, Op.DEMO)
    existing = _guard_real_cases(store)
    configured = None
    info = setup.current(store)
    if info is None:
        info = setup.configure(store, DEFAULT_HUB, DEFAULT_STATION)
        configured = f"{info.station_name} ({info.hub_name})"
        log.info("Demo data: set this database up as %s", configured)

    now = (now or utcnow()).replace(tzinfo=None)
    # Same seed on an empty database, same data. Adding to a database that already holds
    # demo cases must not repeat the ids of the first run, so the seed takes its size too.
    gen = _Generator(random.Random(seed if not existing else f"{seed}:{existing}"), now,
                     info.station_id.hex)  # fmt: skip
    counts: dict[str, int] = dict.fromkeys(INSERT_ORDER, 0)
    try:
        with store.write(reason="demo data") as session:
            # marked first: demo rows are local and never synced, so the sync capture
            # triggers (hubapp.store.capture) skip them
            _mark_demo(session)
            session.flush()
            # the driver's own connection, inside the session's transaction (BEGIN IMMEDIATE)
            cur = session.connection().connection.driver_connection.cursor()
            (old_cache,) = cur.execute("PRAGMA cache_size").fetchone()
            cur.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            try:
                first_seq, last_seq = _load(
                    gen, session, cur, cases, counts, progress, int(old_cache)
                )
                if first_seq is not None:
                    if progress is not None and not progress(0.95, "Adding files and letters"):
                        raise DemoCancelled
                    counts.update(demo_files.add_files(gen, session, cur, first_seq, last_seq))
            finally:
                _quietly(cur, f"PRAGMA cache_size = {int(old_cache)}")
                cur.close()
            for table in counts:  # INSERT_ORDER, then the agreements
                if counts[table]:
                    audit.record(
                        session, audit.Kind.COLLECTION, table, [],
                        {"demo": True, "seed": seed, "count": counts[table]},
                        reason="demo data",
                    )  # fmt: skip
            if progress is not None and not progress(0.97, "Saving"):
                raise DemoCancelled
    except DemoCancelled:
        log.info("Demo data cancelled; nothing was written")
        return DemoSummary(
            {}, seed, time.perf_counter() - started, configured_station=configured, cancelled=True
        )
    summary = DemoSummary(
        {t: n for t, n in counts.items() if n},
        seed,
        time.perf_counter() - started,
        configured_station=configured,
        first_seq=first_seq,
        last_seq=last_seq,
    )
    log.info("%s", summary.describe())
    if progress is not None:
        progress(1.0, "Done")
    return summary


#: local_setting key marking a database made for training and demonstrations
DEMO_KEY = "demo_database"


def is_demo_database(store) -> bool:
    with store.read() as s:
        return settings.local(s)[DEMO_KEY]


def _guard_real_cases(store) -> int:
    """The highest case seq so far. Refuses a database whose cases are real, not demo data."""
    with store.read() as s:
        highest = s.scalar(select(func.max(Case.seq))) or 0
        marked = settings.local(s)[DEMO_KEY]
    if highest and not marked:
        raise StoreError(
            f"{store.path} holds real cases; demo data goes only into a new database or one "
            "made for training (for example --db training.sqlite3)."
        )
    return highest


def _mark_demo(session) -> None:
    settings.local(session)[DEMO_KEY] = True


def _load(
    gen: _Generator,
    session,
    cur,
    cases: int,
    counts: dict[str, int],
    progress: Progress | None,
    default_cache: int,
) -> tuple[int | None, int | None]:
    """The work inside the transaction; returns the first and last seq made."""
    gen.load(session)
    gen.bind()
    cur.executemany(_insert_sql("place", gen.station_hex), gen.rows["place"])
    counts["place"] += len(gen.rows["place"])
    gen.rows["place"].clear()
    agreements = _agreements(gen, cur)
    if agreements:
        cur.executemany(_insert_sql("sharing_agreement", gen.station_hex), agreements)
        counts["sharing_agreement"] = len(agreements)
    orders = _orders(gen, cur)
    if orders:
        cur.executemany(_insert_sql("hub_order", gen.station_hex), orders)
        counts["hub_order"] = len(orders)
    if not cases:
        return None, None
    (seq,) = cur.execute("SELECT coalesce(max(seq), 0) FROM case_").fetchone()
    counters = _reference_counters(cur, gen)
    schedule = gen.schedule(cases)

    saved = _drop_slow_upkeep(cur)
    search_sql = None
    if any(name == SEARCH_TRIGGER for _kind, name, _sql in saved):
        searched = ", ".join(
            row[1] for row in cur.execute("PRAGMA table_info(case_search)").fetchall()
        )
        search_sql = (
            f"INSERT INTO case_search (rowid, {searched}) "
            f"SELECT seq, {searched} FROM case_ WHERE seq >= ? ORDER BY seq"
        )

    first_seq = seq + 1
    changed: set[tuple[str, int]] = set()
    with _Mover(cur, gen.station_hex, default_cache) as mover:
        for done, (received, hub) in enumerate(schedule, start=1):
            seq += 1
            key = (hub.id, received.year)
            number = counters.get(key, 0) + 1
            counters[key] = number
            changed.add(key)
            gen.case(hub, received, seq, f"{hub.code}-{received.year}-{number:04d}")
            if done % BATCH_CASES == 0 or done == cases:
                for table, n in mover.stage(gen.rows).items():
                    counts[table] += n
                if progress is not None and not progress(
                    0.8 * done / cases, f"{done:,} of {cases:,} demo cases"
                ):
                    raise DemoCancelled

    cur.executemany(
        "INSERT INTO reference_counter (hub_id, year, last) VALUES (?, ?, ?) "
        "ON CONFLICT (hub_id, year) DO UPDATE SET last = max(last, excluded.last)",
        [(hub_id, year, counters[(hub_id, year)]) for hub_id, year in sorted(changed)],
    )
    if progress is not None and not progress(0.85, "Rebuilding the indexes"):
        raise DemoCancelled
    for _kind, _name, sql in saved:
        cur.execute(sql)
    if search_sql is not None:
        if progress is not None and not progress(0.9, "Indexing the new cases for search"):
            raise DemoCancelled
        # what the trigger would have done, in one statement (only the new cases: on a
        # database that already holds cases this is cheaper than a 'rebuild')
        cur.execute(search_sql, (first_seq,))
    return first_seq, seq


#: the demo register's lawful basis by agency type (hubapp.store.admin.sharing)
_AGREEMENT_BASIS = {"police": "dpa_part_3", "voluntary": "uk_gdpr_6_1_e"}
#: the agency whose agreement has lapsed in every hub, so that the warning can be seen
_LAPSED_AGENCY = "NHW"


def _agreements(gen: _Generator, cur) -> list[tuple]:
    """A register of sharing agreements for each hub that has none yet: a current agreement
    with every agency but Neighbourhood Watch, whose agreement ended two months ago. Ids are
    derived from the hub and agency (no draw from the generator: the cases of a seed stay
    the same)."""
    held = {row[0] for row in cur.execute("SELECT DISTINCT hub_id FROM sharing_agreement")}
    made = _iso(gen.now, " ", "microseconds")
    rows = []
    for hub in gen.hubs:
        if hub.id in held:
            continue
        for agency in hub.agencies:
            lapsed = agency.code == _LAPSED_AGENCY
            starts = gen.today - timedelta(days=3 * 365 if lapsed else 2 * 365)
            ends = gen.today - timedelta(days=60) if lapsed else None
            basis = _AGREEMENT_BASIS.get(agency.type, "crime_disorder_s115")
            years = 6 if agency.type in ("health", "social_care") else None
            rid = uuid.uuid5(uuid.UUID(hex=hub.id), f"sharing_agreement:{agency.code}").hex
            rows.append((rid, hub.id, agency.id,
                         f"{hub.code} Local Focus Hub information sharing agreement",
                         "1" if lapsed else "2.1", starts.isoformat(),
                         ends.isoformat() if ends else None, basis, years,
                         "Demo data: not a real agreement.", made, made))  # fmt: skip
    return rows


def _orders(gen: _Generator, cur) -> list[tuple]:
    """Each hub's area orders (PSPOs, made by the council of its area): 1 to 3 for a hub
    that has none yet, made within the last 3 years and lasting up to 3 (s.60(1)); the first
    hub's first order runs out within 28 days, so that the due list shows it. Orders already
    in the database are cited as they are (a second run). Drawn from ``gen.extra``."""
    x, today = gen.extra.random, gen.today
    for order_id, hub_id, title, made, expires in cur.execute(
        "SELECT id, hub_id, title, made_on, expires_on FROM hub_order"
        " WHERE voided = 0 AND type_code = 'pspo'"
    ):
        town = next((t.name for h in gen.hubs if h.id == hub_id for t in h.towns.items
                     if title.startswith(t.name)), "")  # fmt: skip
        gen.orders.setdefault(hub_id, []).append(
            (order_id, town, date.fromisoformat(made),
             date.fromisoformat(expires) if expires else None)
        )  # fmt: skip
    made_s = _iso(gen.now, " ", "microseconds")
    rows = []
    soon = True
    for hub in gen.hubs:
        if hub.id in gen.orders or hub.council is None:
            continue
        low, high = _ORDERS_PER_HUB
        towns = hub.towns.items
        for k in range(low + int(x() * (high - low + 1))):
            town: _Town = towns[0] if k == 0 else towns[int(x() * len(towns))]
            title, area, prohibitions = _ORDER_KINDS[int(x() * len(_ORDER_KINDS))]
            parks = town.places.get("park")
            if "{park}" in title and not parks:
                title, area, prohibitions = _ORDER_KINDS[0]
            streets = town.places["street"]
            words = {
                "town": town.name,
                "centre": "city centre" if town.name == "Carlisle" else "town centre",
                "park": parks[int(x() * len(parks))].name if parks else "",
                "street": streets[int(x() * len(streets))].name,
                "street2": streets[int(x() * len(streets))].name,
            }
            if soon:  # runs out within 28 days
                expires = today + _DAY * (5 + int(x() * 20))
                made = expires - _DAY * (365 * _ORDER_YEARS)
                soon = False
            else:
                made = today - _DAY * (30 + int(x() * (365 * _ORDER_YEARS - 60)))
                years = 2 if x() < 0.2 and made > today - _DAY * 640 else _ORDER_YEARS
                expires = made + _DAY * (365 * years)
            oid = gen._extra_id()
            gen.orders.setdefault(hub.id, []).append((oid, town.name, made, expires))
            rows.append((oid, hub.id, "pspo", title.format_map(words)[:200],
                         area.format_map(words), hub.council.id, made.isoformat(),
                         expires.isoformat(), prohibitions, "Demo data: not a real order.",
                         made_s, made_s))  # fmt: skip
    return rows


class _Mover:
    """Moves batches of rows into the tables on a second thread while the next is made.

    The calling thread stages a batch quickly (``executemany`` into TEMP tables, without
    indexes or foreign keys) and goes back to making rows in Python. The helper
    thread then moves the batch into the real tables with a single statement: an insert
    into ``temp.demo_go`` fires a TEMP trigger that runs one ``INSERT ... SELECT`` per table.
    SQLite runs that without Python's GIL, so the two threads overlap on two cores; a single
    statement per batch means a single hand-back of the GIL. Only one thread uses the
    connection at a time: ``stage`` waits for the previous move first.
    """

    def __init__(self, cur, station_hex: str, default_cache: int) -> None:
        if not re.fullmatch(r"[0-9a-f]{32}", station_hex):  # it becomes a literal below
            raise ValueError(f"Not a UUID in hex: {station_hex!r}")
        self.cur = cur
        self.con = cur.connection
        self.default_cache = default_cache
        self.stage_sql: dict[str, str] = {}
        self.create = ["CREATE TEMP TABLE demo_go (x)"]
        moves = []
        for table in BULK_TABLES:
            cols = ", ".join(("id", *COLUMNS[table], "created_at", "updated_at"))
            stage = f"demo_stage_{table.rstrip('_')}"
            self.create.append(f"CREATE TEMP TABLE {stage} ({cols})")
            marks = ", ".join("?" * (len(COLUMNS[table]) + 3))
            self.stage_sql[table] = f"INSERT INTO temp.{stage} VALUES ({marks})"
            # unqualified names in a TEMP trigger: {table} is main's, {stage} is temp's
            moves.append(
                f"INSERT INTO {table} ({cols}, row_version, station_id, voided) "
                f"SELECT *, 1, '{station_hex}', 0 FROM {stage} ORDER BY rowid; "
                f"DELETE FROM {stage};"
            )
        self.create.append(
            "CREATE TEMP TRIGGER demo_move AFTER INSERT ON demo_go BEGIN "
            + " ".join(moves)
            + " DELETE FROM demo_go; END"
        )
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future | None = None

    def __enter__(self) -> _Mover:
        cur = self.cur
        # a batch is about 10 MB: keep the TEMP tables in the page cache. A TEMP database
        # that is not open yet reports 0; once open it would have had the default size
        (self.old_temp_cache,) = cur.execute("PRAGMA temp.cache_size").fetchone()
        if not self.old_temp_cache:
            self.old_temp_cache = self.default_cache
        cur.execute(f"PRAGMA temp.cache_size = -{STAGE_CACHE_KIB}")
        for sql in self.create:
            cur.execute(sql)
        if _threadsafe(self.cur):
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-mover")
        return self

    def stage(self, rows: dict[str, list[tuple]]) -> dict[str, int]:
        """Hand a batch over (the lists are emptied); returns the rows staged per table."""
        self.wait()
        staged = {}
        for table in BULK_TABLES:
            batch = rows[table]
            if batch:
                self.cur.executemany(self.stage_sql[table], batch)
                staged[table] = len(batch)
                batch.clear()
        if self.pool is not None:
            self.pending = self.pool.submit(self._move)
        else:  # an SQLite built without threads: move it here and now
            self._move()
        return staged

    def _move(self) -> None:
        self.con.execute("INSERT INTO temp.demo_go VALUES (1)")

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()  # raises here what went wrong on the helper thread

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)  # never leave it running into a rollback
            # after a failure the rollback takes the TEMP tables and trigger away
            if exc_type is None:
                self.cur.execute("DROP TRIGGER temp.demo_move")
                for sql in reversed(self.create[:-1]):
                    self.cur.execute(f"DROP TABLE temp.{sql.split()[3]}")
            _quietly(self.cur, f"PRAGMA temp.cache_size = {int(self.old_temp_cache)}")


def _threadsafe(cur) -> bool:
    """Whether the SQLite under ``cur`` was built with threads (either driver's)."""
    return "THREADSAFE=0" not in {r[0] for r in cur.execute("PRAGMA compile_options")}


def _quietly(cur, sql: str) -> None:
    """Put a connection setting back; after a failure that must not hide the failure."""
    try:
        cur.execute(sql)
    except errors.Error:
        log.warning("Could not run %s after the demo data load", sql, exc_info=True)


def _drop_slow_upkeep(cur) -> list[tuple[str, str, str]]:
    """Drop what is slow to keep up row by row; return (type, name, sql) to put it back.

    The full-text trigger indexes each case as it goes in, and most secondary indexes of the
    loaded tables take each row to a random place in their trees (the case list's indexes,
    whose keys arrive in order, are wide): keeping them up costs more than building them
    once afterwards and indexing the new cases in one statement (16.4 s against 21.0 s at
    100,000 cases). Everything is put back from its own SQL in sqlite_master, inside the
    same transaction.
    """
    marks = ", ".join("?" * len(BULK_TABLES))
    candidates = cur.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        f"(type = 'index' AND tbl_name IN ({marks})) OR (type = 'trigger' AND name = ?)"
        # central sync's capture: a demo database never pushes, so its triggers only cost
        " OR (type = 'trigger' AND name GLOB 'sync_capture_*'))"
        " ORDER BY type, name",
        (*BULK_TABLES, SEARCH_TRIGGER),
    ).fetchall()
    for kind, name, _sql in candidates:
        cur.execute(f'DROP {kind.upper()} "{name}"')
    return candidates


def _reference_counters(cur, gen: _Generator) -> dict[tuple[str, int], int]:
    """The last number used per hub and year: the counter table, or any higher reference."""
    counters: dict[tuple[str, int], int] = {}
    for hub_id, year, last in cur.execute("SELECT hub_id, year, last FROM reference_counter"):
        counters[(hub_id, year)] = last
    by_code = {h.code: h.id for h in gen.hubs}
    for (reference,) in cur.execute("SELECT reference FROM case_"):
        m = _REFERENCE.match(reference)
        if m and m.group(1) in by_code:
            key = (by_code[m.group(1)], int(m.group(2)))
            counters[key] = max(counters.get(key, 0), int(m.group(3)))
    return counters
