"""The rules for finding one person across cases: the keys the store indexes people by, and
the test for "a similar name".

Staff type what they are told, as they hear it: "Siân O'Brien-Smith" on one case, "sian
obrien smith" on the next; "07700 900123" here and "+44 (0)7700-900123" there; "Bill" for
William. Each function below reduces one kind of typed value to a *key*, so that two ways of
typing the same thing give the same key and the store can find it with a plain equality or
prefix test in SQL (keys are computed when a person is saved and again for what is typed in
the search box, so both sides always agree). The rules are deliberately plain, so that a
coordinator can be told why two records were suggested as the same person; a suggestion is
never acted on without a person confirming it.

Names (:func:`name_key`)
    Accents dropped (Siân -> sian: NFKD then combining marks removed), case folded,
    apostrophes removed (O'Brien and OBrien are the same name, and people leave the
    apostrophe out), every other punctuation mark, hyphen included, made a space
    (O'Brien-Smith -> obrien smith, so a search for "smith" finds the second part), runs of
    space made one. Nothing else: no phonetic code (Soundex and friends give too many false
    matches on short British surnames), the edit distance of :func:`similar_names` covers
    slips of the keyboard.

Short forms (:func:`given_name_forms`)
    ``resources/refdata/given_names.toml`` lists canonical given names with their short
    forms and diminutives (William: Bill, Billy, Will, Liam...). A first name stands for
    every canonical name that lists it (Kath -> Katherine and Kathleen), for itself when it
    is canonical or a name in its own right (Liam), and for itself alone when the list does
    not know it. The list is data so that a hub can add the forms it meets.

Phone numbers (:func:`phone_key`)
    A UK number in any format is written as E.164 (``+447700900123``): spaces, dashes, dots,
    brackets, a leading 0, +44, 0044 and the "+44 (0)" habit all give the same key. The
    parsing and the validity test are Google's libphonenumber rules (the ``phonenumbers``
    package), which know the UK numbering plan (mobile and geographic ranges, 5-digit area
    codes like 015394, Crown Dependencies' +44 numbers). Ofcom's ranges reserved for drama
    (07700 900xxx, 01632 960xxx), which the demo data and tests use, count as valid too.
    Anything else (a foreign number, too few digits, an extension, letters) is kept as typed
    with only the outer whitespace trimmed, and so matches only when typed the same way:
    guessing at a foreign number's format would make false matches, and such numbers are
    rare here.

E-mail addresses (:func:`email_key`)
    Trimmed and lower-cased. The part before the @ is case-sensitive in theory and never in
    practice. Text that is not an address gives ``""`` (no key: it matches nothing).

Postcodes (:func:`postcode_key`, :func:`find_postcode`)
    A UK postcode in any case and spacing, written the standard way (``ca287xy`` -> ``CA28
    7XY``). The test is the postcode's shape with the letters each position may hold (so
    ``CA28 7XY`` is one, ``CA28 7CX`` is not), not a list of live postcodes, which changes
    monthly. ``GIR 0AA`` and the forces' ``BF1`` postcodes have that shape; a bare "BFPO
    123" number is not a postcode, nor are the overseas territories' ``ASCN 1ZZ`` kind.

Similar names (:func:`similar_names`)
    For "a similar name in the same street": two names are similar when their keys are
    equal; when the surnames (last words) are equal and the first names share a canonical
    form (Bill Smith, William Smith); or when the keys are within a small edit distance.
    The distance is Damerau-Levenshtein (optimal string alignment: a swapped pair of letters
    is one edit), at most 1 for names under 12 characters and 2 from 12 on. One edit is the
    usual slip of a finger or ear (Jon/John, Smyth/Smith, Jhon/John); two edits turn one
    short name into another (Sam/Tom Lee, Ann/Ian Lee), so they are allowed only in longer
    names, where they are spelling variants (Stephen/Steven Smith). The street is the
    store's test, not this one. The standard library is enough here: the store calls this
    only for the few people already sharing a street, so speed does not matter.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any

import phonenumbers

from hubapp import resources

GIVEN_NAMES_FILE = "given_names.toml"

# --- names ----------------------------------------------------------------------------------

#: apostrophes and what people type for one: ' ’ ‘ ʼ ` ´ ′ (removed, not made a space)
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018\u02bc`\u00b4\u2032\uff07"))
_NOT_WORD = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    no_marks = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return no_marks.casefold().translate(_APOSTROPHES)


def name_key(text: str) -> str:
    """A name reduced for matching and searching.

    >>> name_key("  Siân  O'Brien-Smith ")
    'sian obrien smith'
    """
    # twice: case folding can give a letter that decomposes further (and the other way round)
    folded = _fold(_fold(text or ""))
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def parse_given_names(data: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Each name of ``data`` (given_names.toml, read) to the canonical names it stands for.

    Only names the data mentions are keys; :func:`given_name_forms` gives an unknown name
    itself."""
    forms: dict[str, set[str]] = {}
    for canonical, short_forms in data.get("short_forms", {}).items():
        canonical = name_key(canonical)
        forms.setdefault(canonical, set()).add(canonical)
        for short in short_forms:
            forms.setdefault(name_key(short), set()).add(canonical)
    for name in data.get("standalone", []):
        forms.setdefault(name_key(name), set()).add(name_key(name))
    return {name: frozenset(found) for name, found in forms.items() if name}


@cache
def given_names() -> dict[str, frozenset[str]]:
    """The shipped list of given names and short forms, read once."""
    with resources.refdata(GIVEN_NAMES_FILE).open("rb") as fh:
        return parse_given_names(tomllib.load(fh))


def given_name_forms(word: str) -> frozenset[str]:
    """The canonical given names a first name may stand for: ``bill`` -> {william}, ``kath``
    -> {katherine, kathleen}, ``william`` -> {william}; an unknown name -> itself. The word is
    name_key'd first (a key passes unchanged); an empty word stands for nothing."""
    key = name_key(word)
    if not key:
        return frozenset()
    return given_names().get(key, frozenset({key}))


@cache
def _forms_of() -> dict[str, frozenset[str]]:
    """Each canonical given name to every name that stands for it (itself included)."""
    out: dict[str, set[str]] = {}
    for name, canonicals in given_names().items():
        for canonical in canonicals:
            out.setdefault(canonical, {canonical}).add(name)
    return {canonical: frozenset(names) for canonical, names in out.items()}


def given_name_variants(word: str) -> frozenset[str]:
    """Every given name that may be the same as ``word``: the names sharing a canonical form
    with it (``bill`` -> william, will, billy, liam...; ``kath`` -> every form of Katherine
    and of Kathleen), itself included; an unknown name -> itself."""
    key = name_key(word)
    if not key:
        return frozenset()
    forms = _forms_of()
    return frozenset({key}).union(*(forms.get(c, {c}) for c in given_name_forms(key)))


# --- phone numbers --------------------------------------------------------------------------

#: what a typed UK number may be made of: digits, a plus, spaces, brackets, dashes, dots, slashes
_PHONE_TYPED = re.compile(r"[0-9+()\-./\s]+")
#: Ofcom's numbers for drama (07700 900000-900999, 01632 960000-960999): never given to
#: anyone, unknown to libphonenumber, and what hubapp's demo data and tests use
_FICTIONAL = re.compile(r"\+44(?:7700900|1632960)\d{3}")


def phone_key(text: str) -> str:
    """A UK phone number as E.164 (``07700 900123`` -> ``+447700900123``); ``""`` for blank;
    anything else as typed, outer whitespace trimmed."""
    typed = (text or "").strip()
    if not typed or not _PHONE_TYPED.fullmatch(typed) or not any(c.isdigit() for c in typed):
        return typed
    try:
        # libphonenumber takes spaces between the digits but not tabs or line breaks
        number = phonenumbers.parse(" ".join(typed.split()), "GB")
    except phonenumbers.NumberParseException:
        return typed
    if number.country_code != 44 or number.extension:
        return typed
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number) or _FICTIONAL.fullmatch(e164):
        return e164
    return typed


def phone_prefix(typed: str) -> str | None:
    """The start of a UK number's key, from the start of a number as it is being typed
    (``07700 9`` -> ``+4477009``; ``+44 (0)17`` -> ``+4417``), for a search as you type;
    None when the text is not the start of a UK number (a foreign number, letters, fewer
    than four digits), which matches only a key equal to it (:func:`phone_key`)."""
    text = (typed or "").strip()
    if not text or not _PHONE_TYPED.fullmatch(text):
        return None
    digits = "".join(c for c in text if c.isdigit())
    if text.startswith("+"):
        if not digits.startswith("44"):
            return None
        rest = digits[2:]
        if "(0)" in text.replace(" ", "") and rest.startswith("0"):
            rest = rest[1:]
    elif digits.startswith("0044"):
        rest = digits[4:]
    elif digits.startswith("0"):
        rest = digits[1:]
    else:
        return None
    if len(digits) < 4 or len(rest) < 2 or rest.startswith("0"):
        return None
    return "+44" + rest


# --- e-mail ---------------------------------------------------------------------------------

#: the same test as the intake form's: something@something.tld, no spaces
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def email_key(text: str) -> str:
    """An e-mail address trimmed and lower-cased; ``""`` if blank or not an address."""
    typed = (text or "").strip()
    return typed.lower() if _EMAIL.fullmatch(typed) else ""


# --- postcodes ------------------------------------------------------------------------------

# The letters each position may hold (Royal Mail's rules): the first letter never Q, V or X;
# the second never I, J or Z; a letter after the district digit only from ABCDEFGHJKPSTUW
# (A9A) or ABEHMNPRVWXY (AA9A); the inward code's letters never C, I, K, M, O or V.
_OUTWARD = (
    r"[A-PR-UWYZ](?:[0-9][0-9]?|[A-HK-Y][0-9][0-9]?|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"(?:({_OUTWARD})({_INWARD})|(GIR)(0AA))")
#: a postcode inside other text: not part of a longer word, any spacing inside
_IN_TEXT = re.compile(
    rf"(?<![A-Z0-9])(?:({_OUTWARD})\s*({_INWARD})|(GIR)\s*(0AA))(?![A-Z0-9])", re.IGNORECASE
)


def _written(match: re.Match[str]) -> str:
    outward, inward = (g for g in match.groups() if g)
    return f"{outward.upper()} {inward.upper()}"


def postcode_key(text: str) -> str | None:
    """A UK postcode in any spacing and case, written the standard way (``ca287xy`` ->
    ``CA28 7XY``); None if the text is not one."""
    compact = "".join((text or "").split()).upper()
    m = _POSTCODE.fullmatch(compact)
    return _written(m) if m else None


def find_postcode(address: str) -> str | None:
    """The postcode inside a free-text address, written the standard way; the last one when
    there are several (a postcode ends an address); None if there is none."""
    found = list(_IN_TEXT.finditer(address or ""))
    return _written(found[-1]) if found else None


# --- similar names --------------------------------------------------------------------------


def _edits(a: str, b: str, limit: int) -> int:
    """The optimal-string-alignment distance between ``a`` and ``b`` (inserts, deletes,
    substitutions and swaps of neighbours), or ``limit + 1`` once it is sure to exceed
    ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        # a swap reaches back two rows, so only two rows over the limit settle it
        if min(current) > limit and (not before or min(row) > limit):
            return limit + 1
        before, row = row, current
    return row[-1]


def allowed_edits(a: str, b: str) -> int:
    """How many edits two name keys may differ by and still be similar (see the module's
    docstring)."""
    return 1 if min(len(a), len(b)) < 12 else 2


def similar_names(a: str, b: str) -> bool:
    """Whether two typed names may be the same person's: equal keys, the same surname with
    first names sharing a canonical form, or keys within a small edit distance."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    wa, wb = ka.split(), kb.split()
    if (
        len(wa) > 1
        and len(wb) > 1
        and wa[-1] == wb[-1]
        and given_name_forms(wa[0]) & given_name_forms(wb[0])
    ):
        return True
    limit = allowed_edits(ka, kb)
    return _edits(ka, kb, limit) <= limit


def name_fits(typed: str, stored: str) -> bool:
    """Whether a name typed for a person linked to a stored one may still be theirs: every
    typed word the start of a word of the stored name, or one of its given-name forms
    (``Bill Arm`` fits William Armstrong), or the two names similar (:func:`similar_names`:
    a slip of the keyboard). Nothing typed fits nothing."""
    words, known = name_key(typed).split(), name_key(stored).split()
    if not words or not known:
        return False
    if all(any(k.startswith(w) or k in given_name_variants(w) for k in known) for w in words):
        return True
    return similar_names(typed, stored)


def name_completes(typed: str, stored: str) -> bool:
    """Whether a name typed is only the start of a stored one, as typed to look it up: each
    typed word the start of a different word of the stored name (``Ann Ex`` of Ann Example;
    not ``Bill`` of William, a name of its own). Writing the stored name in its place then
    loses nothing typed."""
    words, known = name_key(typed).split(), name_key(stored).split()
    if not words:
        return True
    for w in words:
        match = next((k for k in known if k.startswith(w)), None)
        if match is None:
            return False
        known.remove(match)
    return True
