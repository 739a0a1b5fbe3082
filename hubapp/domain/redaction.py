"""Redaction profiles: what a printed document may show, chosen every time it is printed.

The profile is applied where the data is gathered (:mod:`hubapp.documents.gather`): what a
profile excludes is never read into the document's data, so no layout can print it.

========================  ==================  ==========================  ==================
                          police              partner                     public
========================  ==================  ==========================  ==================
protective marking        OFFICIAL-SENSITIVE  OFFICIAL-SENSITIVE          OFFICIAL
people                    role and full name  role and initials           numbers only
                                              ("Victim: J. S.")
locked-down people        role and full name  role only ("Victim:         numbers only
                          (nothing else)      details restricted")
people's date of birth,   shown (not for      never                       never
phone, e-mail, address    locked-down people)
free text: summary,       shown               shown; names of the case's  never
details, contacts,                            people replaced by their
notes, action texts,                          initials (or "[restricted]"
SARA plan, decisions,                         for locked-down people)
agenda reasons,
intervention conditions
notes kept to one agency  shown               left out                    left out
("own_agency")
staff names (action       shown               shown                       never
owners, note authors,
attendees, chair)
places                    as recorded         as recorded                 street / town,
                                                                          outward postcode
reporter of a contact     name (or            never                       never
                          "Anonymous")
risk level                shown               shown                       never
repeat flags (a case's    who or where, with  the flag only: counts and   counted in the
repeat victims, alleged   counts and dates    dates, no name              pack's overview
perpetrators, locations)                                                  only
references, categories,   shown               shown                       shown
status, SARA stage,
agencies, dates, RAG,
counts
========================  ==================  ==========================  ==================

The replacement of names in free text is a second line of defence: it catches the full
names of the people linked to the case as recorded, not nicknames or people never linked.
Under a profile without contact details (partner), free text also loses every UK phone
number and e-mail address ("[phone removed]", "[email removed]"), the recorded phone, e-mail
and address of the case's people wherever they appear, and any run of a house number and a
full postcode that is not the case's own place ("[address removed]"); see
:func:`remove_contact_details`.
Partners receive free text because they work the case; the public profile never prints any.

The default is the safest profile (public).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Profile(StrEnum):
    POLICE = "police"
    PARTNER = "partner"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return {"police": "Police", "partner": "Partner", "public": "Public"}[self.value]


#: the profile used when none is chosen: the one that discloses least
DEFAULT_PROFILE = Profile.PUBLIC

OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
OFFICIAL = "OFFICIAL"


@dataclass(frozen=True)
class Rules:
    profile: Profile
    marking: str
    #: "full", "initials" or "none"
    names: str
    #: date of birth, phone, e-mail, home address of people; reporters of contacts
    contact_details: bool
    #: notes kept to one agency (visibility own_agency)
    own_agency_notes: bool
    #: summaries, details, notes, contact summaries, action texts, SARA, decisions, reasons
    free_text: bool
    #: names of staff: action owners, note authors, attendees, the chair
    staff_names: bool
    #: full locations and postcodes; otherwise street or town and the outward postcode
    exact_places: bool
    #: the case's risk level
    risk: bool
    #: the hate flag and its strands (nothing more: hubapp.store.casework.hate)
    hate_flag: bool = True


RULES: dict[Profile, Rules] = {
    Profile.POLICE: Rules(Profile.POLICE, OFFICIAL_SENSITIVE, "full", True, True, True, True,
                          True, True),
    Profile.PARTNER: Rules(Profile.PARTNER, OFFICIAL_SENSITIVE, "initials", False, False, True,
                           True, True, True),
    Profile.PUBLIC: Rules(Profile.PUBLIC, OFFICIAL, "none", False, False, False, False, False,
                          False, hate_flag=False),
}  # fmt: skip


def rules(profile: Profile | str | None) -> Rules:
    """The rules of a profile (the default one for None); ValueError for an unknown name."""
    if profile is None:
        return RULES[DEFAULT_PROFILE]
    try:
        return RULES[Profile(str(profile).strip().lower())]
    except ValueError:
        raise ValueError(
            f"'{profile}' is not a redaction profile; choose police, partner or public."
        ) from None


RESTRICTED = "details restricted"


def initials(name: str) -> str:
    """'Jane Smith' -> 'J. S.'; 'Nguyễn Văn An' -> 'N. V. A.'; 'Mary-Jane O'Neil' -> 'M. O.'"""
    parts = [p for p in re.split(r"\s+", name.strip()) if p]
    letters = []
    for part in parts:
        first = next((c for c in part if c.isalpha()), "")
        if first:
            letters.append(first.upper() + ".")
    return " ".join(letters)


def person_name(r: Rules, full_name: str, locked_down: bool) -> str:
    """How a person is named under the rules ('' when not at all)."""
    if r.names == "full":
        return full_name
    if r.names == "initials" and not locked_down:
        return initials(full_name)
    if r.names == "initials":
        return RESTRICTED
    return ""


def scrub(text: str, people: list[tuple[str, bool]]) -> str:
    """Free text with the full names of the case's people replaced by their initials (or
    '[restricted]' for locked-down people); ``people`` is (full name, locked down)."""
    if not text:
        return text
    for full_name, locked in sorted(people, key=lambda p: -len(p[0])):
        words = full_name.split()
        if not words:
            continue
        pattern = re.compile(r"\b" + r"\s+".join(re.escape(w) for w in words) + r"\b", re.I)
        text = pattern.sub("[restricted]" if locked else initials(full_name), text)
    return text


PHONE_REMOVED = "[phone removed]"
EMAIL_REMOVED = "[email removed]"
ADDRESS_REMOVED = "[address removed]"

#: a UK phone number: 0 or +44 / 0044 (optionally "(0)"), then 9 or 10 more digits with
#: spaces, hyphens, dots or brackets between them ("01946 123456", "(01946) 123456",
#: "07700900123", "+44 (0)7700 900 123", "+447700900123")
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)[ \t]?44[ \t]?(?:\(0\)[ \t]?)?|\(?0)[1-9]"
    r"(?:[ \t\-.)]{0,2}\d){8,9}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
#: a home-address-like run: a house number, up to six words, a full postcode
#: ("7 Mill Lane, Carlisle CA2 5XY", "12a High St Keswick CA12 5JR")
_HOME_ADDRESS = re.compile(
    r"(?<![\w-])(?:flat|unit|apartment|apt)?[ \t]*\d{1,4}[a-z]?,?[ \t]+"
    r"(?:[^\W\d][\w'\u2019.-]*,?[ \t]+){1,6}?[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[A-Z]{2}\b",
    re.I,
)


def _flat(text: str) -> str:
    return " ".join((text or "").replace(",", " ").casefold().split())


def _loose(text: str) -> str:
    """A pattern for ``text`` as typed again: any case, any white space and commas between
    its words."""
    words = (text or "").replace(",", " ").split()
    return r"(?<!\w)" + r"[\s,]*".join(re.escape(w) for w in words) + r"(?!\w)" if words else ""


def _digits_pattern(phone: str) -> str:
    """A recorded phone number as typed again: any spacing, with or without 0 / +44."""
    digits = re.sub(r"\D", "", phone or "")
    digits = re.sub(r"^(?:0044|44(?=\d{10}$)|0)", "", digits)
    if len(digits) < 6:
        return ""
    prefix = r"(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(?0)?"
    return r"(?<![\d+])" + prefix + r"[\s\-.()]{0,2}".join(digits) + r"(?!\d)"


def remove_contact_details(text: str, recorded: list[tuple[str, str, str]] | None = None,
                           keep: list[str] | None = None) -> str:  # fmt: skip
    """Free text with contact details taken out: UK phone numbers -> '[phone removed]',
    e-mail addresses -> '[email removed]', house-number-and-postcode home addresses ->
    '[address removed]'. ``recorded`` is (phone, e-mail, address) of the case's people as
    recorded: each is removed wherever it appears, in whatever spacing (the address whole,
    each of its lines holding a number, and its postcode). ``keep`` are places the document
    prints anyway (the case's own location): an address-like run that is one of them stays.
    """
    if not text:
        return text
    text = _EMAIL.sub(EMAIL_REMOVED, text)
    text = _PHONE.sub(PHONE_REMOVED, text)
    for phone, email, address in recorded or []:
        if pattern := _digits_pattern(phone):
            text = re.sub(pattern, PHONE_REMOVED, text)
        if email and email.strip():
            text = re.sub(re.escape(email.strip()), EMAIL_REMOVED, text, flags=re.I)
        if address and address.strip():
            parts = [address] + [p for p in address.split(",") if re.search(r"\d", p)]
            code = _POSTCODE.search(address)
            if code:
                parts.append(code.group(0))
            for part in sorted(parts, key=len, reverse=True):
                if pattern := _loose(part):
                    text = re.sub(pattern, ADDRESS_REMOVED, text, flags=re.I)
    kept = [_flat(k) for k in keep or [] if k]

    def home(m: re.Match) -> str:
        found = _flat(m.group(0))
        return m.group(0) if any(found in k for k in kept) else ADDRESS_REMOVED

    return _HOME_ADDRESS.sub(home, text)


#: flat or unit numbers, and house numbers before a name ("12 Abbey Road", "12a, Abbey Road")
_FLAT = re.compile(r"\b(?:flat|unit|apartment|apt|room)\s*[\w/-]*\d[\w/-]*\s*,?\s*", re.I)
_HOUSE = re.compile(r"(?<![\w-])\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?\s*,?\s+(?=[^\W\d])", re.I)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b", re.I)


def outward(postcode: str) -> str:
    """The outward code of a postcode ('CA1 1RE' -> 'CA1'), which names a district, not a home."""
    m = re.match(r"\s*([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\s*$", postcode or "", re.I)
    return m.group(1).upper() if m else ""


def general_place(location: str, town: str) -> str:
    """A location brought to street or town level: house and flat numbers and full
    postcodes removed ('12 Abbey Road, Barrow LA14 1XX' -> 'Abbey Road, Barrow LA14')."""
    text = _HOUSE.sub("", _FLAT.sub("", location or "")).strip(" ,")
    text = _POSTCODE.sub(lambda m: m.group(1).upper(), text)
    if town and town.lower() not in text.lower():
        text = f"{text}, {town}" if text else town
    return text


def place(r: Rules, location: str, town: str, postcode: str = "") -> str:
    """A case's or contact's place under the rules."""
    if r.exact_places:
        text = location or ""
        if town and town.lower() not in text.lower():
            text = f"{text}, {town}" if text else town
        if postcode and postcode.lower() not in text.lower():
            text = f"{text} {postcode}".strip()
        return text
    text = general_place(location, town)
    code = outward(postcode)
    if code and code.lower() not in text.lower():
        text = f"{text} {code}".strip()
    return text
