"""The basis for sharing: each hub's register of information sharing agreements, the check
made before every disclosure to an agency, and consent to share recorded per person.

The register
    One ``sharing_agreement`` row per agreement between a hub and an agency: its name,
    version, the day it starts, the day it ends (none: until ended), the lawful basis it
    shares under (a code of ``resources/refdata/sharing.toml``: Crime and Disorder Act 1998
    s.115, UK GDPR Art. 6(1)(e), DPA 2018 Part 3, consent) and the retention period it sets
    for shared case records. An agreement is **current** on a day from its start to its end
    (both included). An agency's status in a hub is that of its best agreement: current,
    else not yet started, else expired, else none. Rows are never deleted: an agreement is
    ended by giving it an end date (kept for the audit of the disclosures it covered).
    Coordinators and administrators keep the register (``Op.AGREEMENTS``); everyone may read
    it (it names agencies, not people).

Checked before disclosure
    Three paths disclose a case's personal data to an agency, and each asks
    :func:`check_disclosure` first, inside its own transaction:

    * giving an agency a part in a case (``hubapp.store.casework.assignments``: set_role,
      bulk_assign, hand_over_lead) discloses the case to that agency;
    * printing or saving a meeting pack under the partner profile
      (``hubapp.documents.printing.meeting_pack``) discloses the packed cases to every
      agency taking part in the hub (the partners carry the pack away);
    * sharing a case with another hub (``hubapp.sync.share.share``) discloses it to that
      hub. Each station holds only its own hub's register (central sends ``sharing_agreement``
      rows to their hub's stations only), so the receiving hub's agreements cannot be read
      here; the hubs are police-led and share with each other through the police force, so
      the basis checked is **this hub's agreement with the police** (every agency of the
      police type taking part in the hub). The receiving hub's own agreements cover its
      partners' further use.

    Where an agency has no current agreement the disclosure is refused with
    :class:`NoAgreement`, whose sentence is the warning to show, and nothing is written or
    printed. A coordinator or an administrator (``Op.DISCLOSE_ANYWAY``) may go ahead by
    giving a reason; anyone else giving one is refused. Every disclosure's audit entry names
    its basis (:attr:`Basis.text`): the agreement's name, version and lawful basis code, or
    ``no current agreement: <reason>``.

    A hub begins its register with its first agreement. Until then (a hub that has recorded
    no agreement at all, as every database made before the register) nothing is refused,
    and the audit entry says ``no register of sharing agreements kept by the hub``: the
    check cannot tell a missing agreement from a register never started, and refusing every
    assignment there would stop the hub's work on the day of an upgrade.

Consent to share
    Where consent is the basis (``consent`` agreements, voluntary-sector referrals), the
    person's answer is recorded on the person (``Person.share_consent``: given or refused,
    and the day): :func:`set_consent`. Those who may change a case record it.
"""

from __future__ import annotations

import logging
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from hubapp import resources
from hubapp.domain.formatting import format_date
from hubapp.store import access
from hubapp.store.errors import Problem, Refused, StoreError, refuse
from hubapp.store.schema import Agency, AgencyType, Hub, HubAgency, Person, SharingAgreement

log = logging.getLogger(__name__)

BASES_FILE = "sharing.toml"
NAME_MAX, VERSION_MAX, NOTES_MAX, REASON_MAX = 200, 20, 2_000, 500
#: a retention period longer than this is almost certainly a typing slip
RETENTION_MAX_YEARS = 100

CURRENT, NOT_YET, EXPIRED, NONE = "current", "not yet", "expired", "none"
STATUS_LABELS = {
    CURRENT: "Current", NOT_YET: "Not yet started", EXPIRED: "Expired", NONE: "No agreement",
}  # fmt: skip
NO_REGISTER = "no register of sharing agreements kept by the hub"
CONSENT_GIVEN, CONSENT_REFUSED = "given", "refused"


class AgreementError(Refused):
    """A change to the register refused, one sentence per field."""


class BasesError(StoreError):
    """The lawful bases file is missing or not as expected."""


class NoAgreement(StoreError):
    """A disclosure to agencies without a current agreement, asked for without a reason:
    ``str()`` is the warning to show; ``agencies`` names them."""

    def __init__(self, message: str, agencies: list[str]) -> None:
        super().__init__(message)
        self.agencies = agencies


# --- the lawful bases ------------------------------------------------------------------------


@dataclass(frozen=True)
class LawfulBasis:
    code: str
    name: str
    citation: str


def bases(path=None) -> list[LawfulBasis]:
    """The lawful bases of ``sharing.toml`` (or ``path``), in the file's order."""
    path = path if path is not None else resources.refdata(BASES_FILE)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise BasesError(f"The lawful bases file {BASES_FILE} is missing; reinstall hubapp "
                         "to restore it.") from None  # fmt: skip
    except tomllib.TOMLDecodeError as exc:
        raise BasesError(f"The lawful bases file {BASES_FILE} is not valid TOML ({exc}).") from None
    out = []
    for n, row in enumerate(data.get("basis", []), 1):
        if not isinstance(row, dict) or not all(
            isinstance(row.get(k), str) and row[k].strip() for k in ("code", "name", "citation")
        ):
            raise BasesError(f"The lawful bases file {BASES_FILE} is not valid: basis {n} needs "
                             "a code, a name and a citation.")  # fmt: skip
        out.append(LawfulBasis(row["code"].strip(), row["name"].strip(), row["citation"].strip()))
    if not out:
        raise BasesError(f"The lawful bases file {BASES_FILE} lists no basis.")
    return out


def basis_name(code: str) -> str:
    """What people see for a basis code (the code itself if the file no longer lists it)."""
    return next((b.name for b in bases() if b.code == code), code)


# --- reading the register --------------------------------------------------------------------


def status_on(starts_on: date, ends_on: date | None, today: date) -> str:
    if starts_on > today:
        return NOT_YET
    if ends_on is not None and ends_on < today:
        return EXPIRED
    return CURRENT


@dataclass(frozen=True)
class Agreement:
    """One agreement of the register, as plain values."""

    id: uuid.UUID
    hub_id: uuid.UUID
    hub: str
    agency_id: uuid.UUID
    agency: str
    name: str
    version: str
    starts_on: date
    ends_on: date | None
    basis: str
    retention_years: int | None
    notes: str
    row_version: int = 0

    def status(self, today: date) -> str:
        return status_on(self.starts_on, self.ends_on, today)

    def describe(self) -> str:
        """'Name v2 (crime_disorder_s115)': what an audit entry names."""
        version = f" v{self.version}" if self.version else ""
        return f"{self.name}{version} ({self.basis})"

    def dates(self) -> str:
        ends = f"to {format_date(self.ends_on)}" if self.ends_on else "with no end date"
        return f"from {format_date(self.starts_on)} {ends}"


@dataclass(frozen=True)
class AgencyStatus:
    """One agency taking part in a hub, and where its agreement stands."""

    hub_id: uuid.UUID
    hub: str
    agency_id: uuid.UUID
    agency: str
    agency_code: str
    status: str
    #: the agreement the status comes from (None: no agreement)
    agreement: Agreement | None
    #: every agreement of this agency with the hub, newest start first
    history: tuple[Agreement, ...] = ()

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


_RANK = {CURRENT: 0, NOT_YET: 1, EXPIRED: 2}


def _agreements(s, hub_id: uuid.UUID | None = None, agency_ids=None) -> list[Agreement]:
    q = (
        select(SharingAgreement, Hub.name, Agency.name)
        .join(Hub, Hub.id == SharingAgreement.hub_id)
        .join(Agency, Agency.id == SharingAgreement.agency_id)
        .where(SharingAgreement.voided.is_(False))
        .order_by(SharingAgreement.starts_on.desc(), SharingAgreement.created_at.desc())
    )
    if hub_id is not None:
        q = q.where(SharingAgreement.hub_id == hub_id)
    if agency_ids is not None:
        q = q.where(SharingAgreement.agency_id.in_(list(agency_ids)))
    return [
        Agreement(a.id, a.hub_id, hub, a.agency_id, agency, a.name, a.version, a.starts_on,
                  a.ends_on, a.basis, a.retention_years, a.notes, a.row_version)
        for a, hub, agency in s.execute(q)
    ]  # fmt: skip


def _best(found: Iterable[Agreement], today: date) -> tuple[str, Agreement | None]:
    ranked = sorted(found, key=lambda a: (_RANK[a.status(today)], -a.starts_on.toordinal()))
    if not ranked:
        return NONE, None
    return ranked[0].status(today), ranked[0]


def _hub_agencies(s, hub_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str, str]]:
    return list(
        s.execute(
            select(Agency.id, Agency.name, Agency.code, AgencyType.code)
            .join(HubAgency, HubAgency.agency_id == Agency.id)
            .join(AgencyType, AgencyType.id == Agency.agency_type_id)
            .where(HubAgency.hub_id == hub_id, HubAgency.voided.is_(False),
                   Agency.voided.is_(False))
            .order_by(HubAgency.position, Agency.name)
        ).all()
    )  # fmt: skip


def register(store, hub_id: uuid.UUID, today: date | None = None) -> list[AgencyStatus]:
    """Every agency taking part in the hub, in the hub's order, with its agreement status."""
    today = today or _today()
    with store.read() as s:
        hub = _hub(s, hub_id)
        found = _agreements(s, hub_id)
        out = []
        for agency_id, name, code, _type in _hub_agencies(s, hub_id):
            mine = tuple(a for a in found if a.agency_id == agency_id)
            status, best = _best(mine, today)
            out.append(AgencyStatus(hub_id, hub.name, agency_id, name, code, status, best, mine))
        # agreements with agencies that have left the hub stay in the register
        gone = {a.agency_id for a in found} - {r.agency_id for r in out}
        for agency_id in sorted(gone, key=str):
            mine = tuple(a for a in found if a.agency_id == agency_id)
            status, best = _best(mine, today)
            agency = s.get(Agency, agency_id)
            out.append(AgencyStatus(hub_id, hub.name, agency_id, mine[0].agency, agency.code,
                                    status, best, mine))  # fmt: skip
    return out


def agreements(store, hub_id: uuid.UUID | None = None) -> list[Agreement]:
    """The agreements of one hub (or of every hub this station holds), newest start first."""
    with store.read() as s:
        return _agreements(s, hub_id)


def get(store, agreement_id: uuid.UUID) -> Agreement:
    with store.read() as s:
        found = [a for a in _agreements(s) if a.id == agreement_id]
    if not found:
        raise AgreementError("That agreement is no longer in the register.")
    return found[0]


def retention_years(store, hub_id: uuid.UUID, today: date | None = None) -> dict[str, int]:
    """The retention periods the hub's current agreements set: {agency name: years}."""
    today = today or _today()
    return {
        r.agency: r.agreement.retention_years
        for r in register(store, hub_id, today)
        if r.status == CURRENT and r.agreement and r.agreement.retention_years
    }


def case_periods(s, case_ids: list[uuid.UUID], today: date) -> dict[uuid.UUID, str]:
    """For the retention review: {case id: "Cumberland Council's agreement: 6 years"} for the
    cases an agency with a current agreement that sets a retention period takes part in
    (inside the caller's read session ``s``)."""
    from hubapp.store.schema import Assignment, Case

    if not case_ids:
        return {}
    periods = {
        (a.hub_id, a.agency_id): a
        for a in _agreements(s)
        if a.retention_years and a.status(today) == CURRENT
    }
    if not periods:
        return {}
    out: dict[uuid.UUID, list[str]] = {}
    for start in range(0, len(case_ids), 500):
        rows = s.execute(
            select(Assignment.case_id, Case.hub_id, Assignment.agency_id)
            .join(Case, Case.id == Assignment.case_id)
            .where(Assignment.case_id.in_(case_ids[start : start + 500]))
            .order_by(Assignment.created_at)
        )
        for case_id, hub_id, agency_id in rows:
            a = periods.get((hub_id, agency_id))
            if a is not None:
                text = f"{a.agency}'s agreement: {a.retention_years} years"
                if text not in out.setdefault(case_id, []):
                    out[case_id].append(text)
    return {c: "; ".join(texts) for c, texts in out.items()}


# --- keeping the register ----------------------------------------------------------------------


@dataclass
class AgreementDraft:
    """What the agreement form and ``hubapp agreements add`` ask for."""

    hub_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    name: str = ""
    version: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    basis: str = ""
    retention_years: int | None = None
    notes: str = ""

    def cleaned(self) -> AgreementDraft:
        return AgreementDraft(self.hub_id, self.agency_id, " ".join(self.name.split()),
                              self.version.strip(), self.starts_on, self.ends_on,
                              self.basis.strip(), self.retention_years, self.notes.strip())  # fmt: skip


def validate(draft: AgreementDraft) -> list[Problem]:
    """One problem per field, in the form's order (no database needed but the bases file)."""
    d = draft.cleaned()
    problems = []
    if d.agency_id is None:
        problems.append(Problem("agency", "Choose the agency the agreement is with."))
    if not d.name:
        problems.append(Problem("name", "Give the agreement's name, as on its cover."))
    elif len(d.name) > NAME_MAX:
        problems.append(Problem("name", f"Shorten the name to {NAME_MAX} characters."))
    if len(d.version) > VERSION_MAX:
        problems.append(Problem("version", f"Shorten the version to {VERSION_MAX} characters."))
    if d.starts_on is None:
        problems.append(Problem("starts_on", "Give the day the agreement starts."))
    elif d.ends_on is not None and d.ends_on < d.starts_on:
        problems.append(Problem("ends_on", f"The agreement cannot end ({format_date(d.ends_on)}) "
                                f"before it starts ({format_date(d.starts_on)})."))  # fmt: skip
    codes = [b.code for b in bases()]
    if not d.basis:
        problems.append(Problem("basis", "Choose the lawful basis the agreement shares under."))
    elif d.basis not in codes:
        problems.append(Problem("basis", f"'{d.basis}' is not a lawful basis hubapp knows; use "
                                f"one of {', '.join(codes)}."))  # fmt: skip
    y = d.retention_years
    if y is not None and (isinstance(y, bool) or not 1 <= y <= RETENTION_MAX_YEARS):
        problems.append(Problem("retention_years", "Give the retention period as a whole "
                                f"number of years from 1 to {RETENTION_MAX_YEARS}, or leave it "
                                "empty."))  # fmt: skip
    if len(d.notes) > NOTES_MAX:
        problems.append(Problem("notes", f"Shorten the notes to {NOTES_MAX:,} characters."))
    return problems


def _require_keeping(s) -> None:
    access.require(s, access.Op.AGREEMENTS)


def _hub(s, hub_id: uuid.UUID | None) -> Hub:
    hub = s.get(Hub, hub_id) if hub_id is not None else None
    if hub is None:
        raise AgreementError("Choose the hub the agreement belongs to.",
                             [Problem("hub", "Choose the hub the agreement belongs to.")])  # fmt: skip
    return hub


def _agency(s, agency_id: uuid.UUID) -> Agency:
    agency = s.get(Agency, agency_id)
    if agency is None or agency.voided:
        raise AgreementError("That agency does not exist.",
                             [Problem("agency", "That agency does not exist.")])  # fmt: skip
    return agency


def _station(store):
    from hubapp.store import setup

    return setup.current(store)


def _station_hub(station, hub_id: uuid.UUID) -> None:
    """A station keeps its own hub's register only (central sends it no other)."""
    if station is not None and station.hub_id != hub_id:
        message = (f"This station keeps the {station.hub_name} hub's register only; record the "
                   "agreement at a station of its own hub.")  # fmt: skip
        raise AgreementError(message, [Problem("hub", message)])


def add(store, draft: AgreementDraft) -> Agreement:
    """Add an agreement to the register (coordinators and administrators)."""
    d = draft.cleaned()
    station = _station(store)
    with store.write(reason="sharing agreement recorded") as s:
        _require_keeping(s)
        refuse(validate(d), AgreementError)
        hub = _hub(s, d.hub_id)
        _station_hub(station, hub.id)
        agency = _agency(s, d.agency_id)
        if not s.scalar(select(HubAgency.id).where(
                HubAgency.hub_id == hub.id, HubAgency.agency_id == agency.id,
                HubAgency.voided.is_(False))):  # fmt: skip
            message = f"{agency.name} does not take part in the {hub.name} hub."
            raise AgreementError(message, [Problem("agency", message)])
        row = SharingAgreement(id=uuid.uuid4(), hub_id=hub.id, agency_id=agency.id, name=d.name,
                               version=d.version, starts_on=d.starts_on, ends_on=d.ends_on,
                               basis=d.basis, retention_years=d.retention_years, notes=d.notes)  # fmt: skip
        s.add(row)
        s.flush()
        agreement_id = row.id
    return get(store, agreement_id)


def edit(store, agreement_id: uuid.UUID, draft: AgreementDraft, *,
         base_version: int | None = None) -> Agreement:  # fmt: skip
    """Change an agreement's details (its hub and agency stay: a new agency is a new
    agreement)."""
    d = draft.cleaned()
    station = _station(store)
    with store.write(reason="sharing agreement changed") as s:
        _require_keeping(s)
        row = s.get(SharingAgreement, agreement_id)
        if row is None or row.voided:
            raise AgreementError("That agreement is no longer in the register.")
        d.hub_id, d.agency_id = row.hub_id, row.agency_id
        refuse(validate(d), AgreementError)
        _station_hub(station, row.hub_id)
        if base_version is not None and row.row_version != base_version:
            raise AgreementError("Someone else changed this agreement since you opened it; "
                                 "nothing was saved. Open it again to see their change.")  # fmt: skip
        for name in ("name", "version", "starts_on", "ends_on", "basis", "retention_years",
                     "notes"):  # fmt: skip
            if getattr(row, name) != getattr(d, name):
                setattr(row, name, getattr(d, name))
    return get(store, agreement_id)


def end(store, agreement_id: uuid.UUID, on: date) -> Agreement:
    """End an agreement on ``on`` (its last day of being current)."""
    station = _station(store)
    with store.write(reason="sharing agreement ended") as s:
        _require_keeping(s)
        row = s.get(SharingAgreement, agreement_id)
        if row is None or row.voided:
            raise AgreementError("That agreement is no longer in the register.")
        _station_hub(station, row.hub_id)
        if on < row.starts_on:
            message = (f"The agreement cannot end ({format_date(on)}) before it starts "
                       f"({format_date(row.starts_on)}).")  # fmt: skip
            raise AgreementError(message, [Problem("ends_on", message)])
        row.ends_on = on
    return get(store, agreement_id)


def find(store, text: str, hub_id: uuid.UUID | None = None) -> Agreement:
    """An agreement by its id or the start of it (as the list shows: 8 characters)."""
    key = "".join(text.split()).lower().replace("-", "")
    if len(key) < 6:
        raise AgreementError("Give the agreement's id as 'hubapp agreements list' shows it "
                             "(at least six characters).")  # fmt: skip
    found = [a for a in agreements(store, hub_id) if a.id.hex.startswith(key)]
    if not found:
        raise AgreementError(f"There is no agreement '{text}' in the register.")
    if len(found) > 1:
        raise AgreementError(f"More than one agreement starts with '{text}'; give more of its id.")
    return found[0]


def short_id(agreement_id: uuid.UUID) -> str:
    return agreement_id.hex[:8]


# --- checked before disclosure ---------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """What one disclosure to one agency rests on."""

    agency: str
    agreement: Agreement | None = None
    #: the reason given to go ahead without a current agreement
    reason: str = ""
    #: the hub keeps no register yet
    unregistered: bool = False

    @property
    def text(self) -> str:
        if self.agreement is not None:
            return self.agreement.describe()
        if self.unregistered:
            return NO_REGISTER
        return f"no current agreement: {self.reason}"


def basis_details(found: list[Basis]) -> dict[str, str]:
    """{agency: basis text}, for an audit entry's details."""
    return {b.agency: b.text for b in found}


def reason_problems(reason: str | None) -> list[Problem]:
    text = " ".join((reason or "").split())
    if not text:
        return [Problem("reason", "Give the reason for disclosing without a current agreement.")]
    if len(text) > REASON_MAX:
        return [Problem("reason", f"Shorten the reason to {REASON_MAX} characters.")]
    return []


def keeps_register(s, hub_id: uuid.UUID) -> bool:
    return s.scalar(select(SharingAgreement.id).where(
        SharingAgreement.hub_id == hub_id, SharingAgreement.voided.is_(False)).limit(1)) is not None  # fmt: skip


def police_agencies(s, hub_id: uuid.UUID) -> list[uuid.UUID]:
    """The police agencies taking part in the hub (the basis for sharing with another hub)."""
    return [a for a, _n, _c, kind in _hub_agencies(s, hub_id) if kind == "police"]


def check_disclosure(s, hub_id: uuid.UUID, agency_ids: Iterable[uuid.UUID], *,
                     reason: str | None = None, what: str = "this",
                     today: date | None = None) -> list[Basis]:  # fmt: skip
    """The basis for disclosing ``what`` to each of ``agency_ids`` from hub ``hub_id``, inside
    the caller's transaction ``s``; refused as the module notes say.

    Raises :class:`NoAgreement` (the warning sentence) when an agency has no current
    agreement and no ``reason`` is given; a reason given by an account that may not disclose
    anyway is refused (``AccessRefused``), and an empty or too long one too (``Refused``)."""
    today = today or _today()
    if reason is not None:  # only those who may disclose anyway give a reason at all
        access.require(s, access.Op.DISCLOSE_ANYWAY)
        refuse(reason_problems(reason))
    ids = list(dict.fromkeys(agency_ids))
    names = (
        {a.id: a.name for a in s.scalars(select(Agency).where(Agency.id.in_(ids)))} if ids else {}
    )
    if not keeps_register(s, hub_id):
        return [Basis(names.get(a, str(a)), unregistered=True) for a in ids]
    found = _agreements(s, hub_id, ids)
    by_id: dict[uuid.UUID, Basis] = {}
    missing = []
    for agency_id in ids:
        current = [a for a in found if a.agency_id == agency_id and a.status(today) == CURRENT]
        name = names.get(agency_id, str(agency_id))
        if current:
            by_id[agency_id] = Basis(name, max(current, key=lambda a: a.starts_on))
        else:
            missing.append((agency_id, name))
    if missing:
        if reason is None:
            hub = s.get(Hub, hub_id)
            has = "has" if len(missing) == 1 else "have"
            raise NoAgreement(
                f"{_and([n for _i, n in missing])} {has} no current information sharing "
                f"agreement with the {hub.name if hub else 'this'} hub, so {what} would be "
                "disclosed without one; a coordinator or an administrator can go ahead by "
                "giving a reason, which the audit log keeps.",
                [n for _i, n in missing],
            )
        text = " ".join(reason.split())
        by_id.update((agency_id, Basis(name, reason=text)) for agency_id, name in missing)
    return [by_id[a] for a in ids]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _today() -> date:
    from hubapp.domain.clock import local_today

    return local_today()


# --- consent to share ----------------------------------------------------------------------------


def set_consent(store, person_id: uuid.UUID, consent: str, on: date | None = None) -> date | None:
    """Record a person's consent to share (``given``, ``refused``, or "" not asked) and the
    day they gave their answer (default today; none when cleared); returns that day."""
    if consent not in (CONSENT_GIVEN, CONSENT_REFUSED, ""):
        raise Refused(f"'{consent}' is not an answer to consent; use given or refused.",
                      [Problem("share_consent", "Choose given or refused.")])  # fmt: skip
    today = _today()
    on = (on or today) if consent else None
    if on is not None and on > today:
        message = f"Consent cannot be recorded for a later day ({format_date(on)})."
        raise Refused(message, [Problem("share_consent_on", message)])
    with store.write(reason="consent to share recorded") as s:
        access.require_case_edit(s)
        person = s.get(Person, person_id)
        if person is None or person.voided:
            raise StoreError("That person is no longer in the database.")
        if not _sees_person(s, person_id):
            raise StoreError("That person is no longer in the database.")
        person.share_consent = consent
        person.share_consent_on = on  # the row's own audit entry records the change
    return on


def consent_of(store, person_id: uuid.UUID) -> tuple[str, date | None]:
    """(answer, day) of a person's consent to share: ("", None) when not asked."""
    with store.read() as s:
        person = s.get(Person, person_id)
        if person is None or person.voided or not _sees_person(s, person_id):
            raise StoreError("That person is no longer in the database.")
        return person.share_consent or "", person.share_consent_on


def describe_consent(consent: str, on: date | None) -> str:
    if consent == CONSENT_GIVEN:
        return f"Given on {format_date(on)}" if on else "Given"
    if consent == CONSENT_REFUSED:
        return f"Refused on {format_date(on)}" if on else "Refused"
    return "Not asked"


def _sees_person(s, person_id: uuid.UUID) -> bool:
    """Whether the acting account sees a case naming the person (or the person on no case)."""
    from hubapp.store.schema import PERSON_LINKS

    if access.sees_every_case(s):
        return True
    case_ids = set()
    for model, column in PERSON_LINKS:
        case_ids.update(s.scalars(select(model.case_id).where(getattr(model, column) == person_id)))
    return any(access.may_see_case(s, c) for c in case_ids)
