"""The matching rules for finding one person across cases: name, phone, e-mail and postcode
keys, short forms of given names, and similar names."""

from __future__ import annotations

import tomllib

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubapp import resources
from hubapp.domain import matching
from hubapp.domain.matching import (
    email_key,
    find_postcode,
    given_name_forms,
    given_names,
    name_key,
    parse_given_names,
    phone_key,
    postcode_key,
    similar_names,
)

# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("  Siân  O'Brien-Smith ", "sian obrien smith"),
        ("SIAN OBRIEN SMITH", "sian obrien smith"),
        ("O’Brien", "obrien"),  # a curly apostrophe, as word processors type it
        ("O´Brien", "obrien"),  # an acute accent typed for an apostrophe
        ("D'Arcy-Åberg", "darcy aberg"),
        ("José  María\tNúñez", "jose maria nunez"),
        ("Zoë Brontë", "zoe bronte"),
        ("Ffion Hughes-Jones (née Evans)", "ffion hughes jones nee evans"),
        ("Smith, John", "smith john"),
        ("J. R. Hartley", "j r hartley"),
        ("STRAßE", "strasse"),  # casefold, not lower()
        ("mary_ann", "mary ann"),
        ("", ""),
        ("  -- ' ", ""),
    ],
)
def test_name_key(typed, key):
    assert name_key(typed) == key


@given(st.text())
def test_name_key_is_idempotent(text):
    key = name_key(text)
    assert name_key(key) == key
    assert key == key.strip() and "  " not in key


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("bill", {"william"}),
        ("billy", {"william"}),
        ("william", {"william"}),
        ("liam", {"liam", "william"}),  # a short form that is a name in its own right
        ("kath", {"katherine", "kathleen"}),
        ("catherine", {"katherine"}),  # a spelling variant
        ("kate", {"katherine", "kate"}),
        ("alex", {"alexander", "alexandra"}),
        ("sam", {"samuel", "samantha"}),
        ("peggy", {"margaret"}),
        ("bob", {"robert"}),
        ("lizzie", {"elizabeth"}),
        ("Bill", {"william"}),  # keyed first
        ("zebedee", {"zebedee"}),  # unknown: itself
        ("", set()),
    ],
)
def test_given_name_forms(word, forms):
    assert given_name_forms(word) == forms


def _shipped() -> dict:
    with resources.refdata("given_names.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_the_given_names_file_is_written_as_keys():
    data = _shipped()
    assert len(data["short_forms"]) >= 150
    for canonical, forms in data["short_forms"].items():
        assert name_key(canonical) == canonical
        assert forms and all(name_key(f) == f for f in forms), canonical
        assert canonical not in forms and len(set(forms)) == len(forms), canonical
    for name in data["standalone"]:
        assert name_key(name) == name
        assert name not in data["short_forms"], f"{name} is canonical already"
        assert any(name in forms for forms in data["short_forms"].values()), name


def test_given_name_forms_agree_with_the_file_both_ways():
    data = _shipped()
    standalone = set(data["standalone"])
    short_forms = data["short_forms"]
    listed = {form for forms in short_forms.values() for form in forms}
    for canonical, forms in short_forms.items():
        # a canonical name stands for itself, and for more only when it is also a short form
        # (Nathan of Nathaniel)
        assert canonical in given_name_forms(canonical)
        assert given_name_forms(canonical) == {canonical} or canonical in listed
        for form in forms:
            assert canonical in given_name_forms(form), (form, canonical)
    # and nothing else: every canonical form a name is given is listed in the file for it
    for name, canonicals in given_names().items():
        for canonical in canonicals:
            assert (
                canonical == name
                and (name in short_forms or name in standalone)
                or (name in short_forms.get(canonical, []))
            ), (name, canonical)


@given(st.sampled_from(sorted(_shipped()["short_forms"].items())))
def test_every_short_form_maps_back_to_its_canonical_name(item):
    canonical, forms = item
    for form in forms:
        assert canonical in given_name_forms(form.upper())


def test_a_hub_may_extend_the_list():
    extended = parse_given_names(
        {"short_forms": {"William": ["Bill"], "Wilhelmina": ["Billie", "Mina"]},
         "standalone": ["Mina"]}
    )  # fmt: skip
    assert extended["billie"] == {"wilhelmina"}
    assert extended["mina"] == {"mina", "wilhelmina"}
    assert extended["bill"] == {"william"}


# --- similar names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("William Smith", "Bill Smith"),
        ("Bill Smith", "Liam Smith"),  # both may be William
        ("Katherine Jones", "Kath Jones"),
        ("Kathleen Jones", "Kathy Jones"),
        ("Margaret Ann Dixon", "Peggy Dixon"),  # middle names aside
        ("Siân O'Brien", "sian obrien"),
        ("Jon Smith", "John Smith"),  # one edit
        ("Jhon Smith", "John Smith"),  # a swap is one edit
        ("Katie Smyth", "Katie Smith"),
        ("Stephen Smith", "Steven Smith"),  # the short forms say so too
        ("Stephen Armstrong", "Stephan Armstrong"),
        ("Christopher Graham", "Cristopher Grahame"),  # two edits in a long name
    ],
)
def test_similar_names(a, b):
    assert similar_names(a, b)
    assert similar_names(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sam Lee", "Tom Lee"),  # two edits in a short name
        ("William Smith", "Bill Jones"),
        ("Kath Smith", "Kate Smythe"),  # shared form but another surname, and two edits
        ("Katherine Smith", "Kathleen Smith"),  # no shared form; three edits
        ("Christopher Graham", "Christine Graham"),
        ("John Smith", "Joan Smythe"),
        ("", ""),
        ("John Smith", ""),
    ],
)
def test_not_similar_names(a, b):
    assert not similar_names(a, b)
    assert not similar_names(b, a)


@given(st.text(max_size=30), st.text(max_size=30))
def test_similar_names_is_symmetric(a, b):
    assert similar_names(a, b) == similar_names(b, a)


@given(st.text(alphabet="abcdefghij ", min_size=1, max_size=20))
def test_a_name_is_similar_to_itself_and_to_one_slip(name):
    if name_key(name):
        assert similar_names(name, name)
        assert similar_names(name, name_key(name) + "x")


# --- phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "07700 900123",
        "07700\t900123",
        "07700\n900 123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0) 7700 900123",
        "+44(0)7700-900-123",
        "0044 7700 900123",
        "0044 (0)7700 900123",
        "(+44) 7700 900123",
        "07700-900-123",
        "07700.900.123",
        " 0 7700 900 123 ",
        "(07700) 900123",
    ],
)
def test_phone_key_of_a_mobile(typed):
    assert phone_key(typed) == "+447700900123"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        # Workington, Carlisle, Whitehaven, Penrith, Barrow, Kendal, Windermere (5-digit code)
        ("01900 812345", "+441900812345"),
        ("(01900) 812345", "+441900812345"),
        ("01228 512345", "+441228512345"),
        ("+44 (0)1228 512345", "+441228512345"),
        ("0044 1228-512345", "+441228512345"),
        ("01946 812345", "+441946812345"),
        ("01768 212345", "+441768212345"),
        ("01229 812345", "+441229812345"),
        ("01539 712345", "+441539712345"),
        ("015394 12345", "+441539412345"),
        ("020 7946 0123", "+442079460123"),
        ("0161 496 0123", "+441614960123"),
        ("01632 960123", "+441632960123"),  # Ofcom's drama range
        ("0800 123 4567", "+448001234567"),
        ("0300 123 4567", "+443001234567"),
        ("07911 123456", "+447911123456"),
        ("+44 7624 123456", "+447624123456"),  # Isle of Man: +44 too
    ],
)
def test_phone_key_of_uk_numbers(typed, key):
    assert phone_key(typed) == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("", ""),
        ("   ", ""),
        # not UK: kept as typed (outer whitespace only), matched only exactly
        (" +1 202 555 0143 ", "+1 202 555 0143"),
        ("+353 1 234 5678", "+353 1 234 5678"),
        ("00 33 1 23 45 67 89", "00 33 1 23 45 67 89"),
        # not a valid UK number: too short, too long, no such range
        ("07700 90012", "07700 90012"),
        ("07700 9001234", "07700 9001234"),
        ("999", "999"),
        ("01900", "01900"),
        ("0000 000000", "0000 000000"),
        # letters, extensions, junk
        ("tel 07700 900123", "tel 07700 900123"),
        ("07700 900123 ext 2", "07700 900123 ext 2"),
        ("07700 900123 x2", "07700 900123 x2"),
        ("n/a", "n/a"),
        ("unknown", "unknown"),
        ("+", "+"),
        ("()", "()"),
        ("07700 900123 / 07700 900124", "07700 900123 / 07700 900124"),
    ],
)
def test_phone_key_keeps_other_text_as_typed(typed, key):
    assert phone_key(typed) == key


def _valid_mobile(digits: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(digits, "GB"))


#: a UK mobile number written 07xxx xxxxxx, valid by libphonenumber's rules
mobiles = st.from_regex(r"07[1-57-9][0-9]{8}", fullmatch=True).filter(_valid_mobile)
separators = st.sampled_from(["", " ", "  ", "-", " - ", ".", "\t"])
prefixes = st.sampled_from(
    ["0", "+44", "+44 ", "+44 (0)", "+44(0) ", "0044 ", "0044", "0044 (0)", "(+44) ", "+44 0"]
)


@given(mobiles, prefixes, separators, separators, st.booleans(), st.booleans())
def test_phone_key_is_the_same_for_any_way_of_writing_a_mobile(
    mobile, prefix, sep1, sep2, brackets, padded
):
    national = mobile[1:]  # 7xxx xxxxxx
    area, rest = national[:4], national[4:]
    area = f"({prefix}{area})" if brackets and prefix.strip() == "0" else f"{prefix}{area}"
    typed = f"{area}{sep1}{rest[:3]}{sep2}{rest[3:]}"
    if padded:
        typed = f"  {typed} "
    assert phone_key(typed) == "+44" + national, typed
    assert phone_key(phone_key(typed)) == phone_key(typed)


@given(st.text(max_size=25))
def test_phone_key_is_idempotent_and_never_fails(text):
    key = phone_key(text)
    assert phone_key(key) == key
    assert key == text.strip() or key.startswith("+44")


# --- e-mail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        (" Jo.Bloggs@Example.ORG ", "jo.bloggs@example.org"),
        ("jo.bloggs@example.org", "jo.bloggs@example.org"),
        ("Sam+hub@cumbria.gov.uk", "sam+hub@cumbria.gov.uk"),
        ("", ""),
        ("   ", ""),
        ("not an address", ""),
        ("jo@example", ""),  # no domain ending
        ("jo bloggs@example.org", ""),
        ("@example.org", ""),
        ("jo@@example.org", ""),
        ("07700 900123", ""),
    ],
)
def test_email_key(typed, key):
    assert email_key(typed) == key


# --- postcodes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("CA28 7XY", "CA28 7XY"),
        ("ca287xy", "CA28 7XY"),
        ("  ca28   7xy ", "CA28 7XY"),
        ("CA1 1AA", "CA1 1AA"),
        ("LA9 4DL", "LA9 4DL"),
        ("LA23 3AP", "LA23 3AP"),
        ("CA14 3AB", "CA14 3AB"),
        ("W1A 1AA", "W1A 1AA"),  # A9A
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("gir 0aa", "GIR 0AA"),
        ("BF1 3AA", "BF1 3AA"),  # the forces' postcodes have the usual shape
    ],
)
def test_postcode_key_of_a_postcode(typed, key):
    assert postcode_key(typed) == key


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "CA28",  # an outward code alone
        "CA28 7",
        "CA28 7CX",  # C is never an inward letter
        "QA1 1AA",  # Q never starts a postcode
        "CZ1 1AA",  # Z is never second
        "CA28 7XY1",
        "1CA 1AA",
        "BFPO 123",  # a forces number, not a postcode
        "ASCN 1ZZ",  # an overseas territory's
        "CA28-7XY",
        "Workington",
    ],
)
def test_postcode_key_of_something_else(typed):
    assert postcode_key(typed) is None


postcodes = st.from_regex(r"(CA|LA|NE|DG)[1-9][0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}", fullmatch=True)


@given(postcodes, st.text(alphabet=" \t", max_size=3), st.data())
def test_postcode_key_ignores_case_and_spacing(postcode, space, data):
    key = postcode_key(postcode)
    assert key is not None and key == key.upper() and key.count(" ") == 1
    compact = postcode.replace(" ", "")
    outward, inward = compact[:-3], compact[-3:]
    cased = "".join(
        c.lower() if data.draw(st.booleans()) else c for c in f"{outward}{space}{inward}"
    )
    assert postcode_key(cased) == key
    assert postcode_key(f" {compact.lower()} ") == key
    assert postcode_key(key) == key


@pytest.mark.parametrize(
    ("address", "postcode"),
    [
        ("14 Main Street, Workington, Cumbria CA14 3AB", "CA14 3AB"),
        ("Flat 2, 7 Lowther Street\nCarlisle\nca3 8dp", "CA3 8DP"),
        ("Flat 3b, Harbour View, Whitehaven CA28 7XY, UK", "CA28 7XY"),
        ("21 Duke Street Barrow-in-Furness LA141HP", "LA14 1HP"),
        ("The Old Vicarage, Church Lane, Kendal, LA9  4DL.", "LA9 4DL"),
        ("Unit 4, Kingstown Industrial Estate, Carlisle (CA3 0HA)", "CA3 0HA"),
        # two: the last one (where the address ends)
        ("c/o 1 Fisher Street CA3 8RR, now 5 Scotch Street CA3 8PY", "CA3 8PY"),
        ("4 Kirkgate, Cockermouth", None),
        ("Flat 12A, 3 High Street", None),  # 12A is not a postcode
        ("BFPO 123", None),
        ("", None),
        ("PCA14 3ABX", None),  # inside longer words
    ],
)
def test_find_postcode(address, postcode):
    assert find_postcode(address) == postcode


@given(postcodes, st.sampled_from(["12 Main Street, Maryport ", "Penrith\n", "", "Flat 1, "]))
def test_find_postcode_finds_the_postcode_key(postcode, before):
    assert find_postcode(f"{before}{postcode.lower()}") == postcode_key(postcode)


def test_given_name_variants_go_through_the_canonical_names():
    assert {"bill", "billy", "will", "william", "liam"} <= matching.given_name_variants("Bill")
    assert {"kathleen", "katherine", "kate"} <= matching.given_name_variants("kath")
    assert matching.given_name_variants("Zebedee") == {"zebedee"}
    assert matching.given_name_variants("  ") == frozenset()


@pytest.mark.parametrize(
    ("typed", "prefix"),
    [("07700 9", "+4477009"), ("+44 (0)17", "+4417"), ("0044 7700", "+447700"),
     ("+447700900123", "+447700900123"), ("017", None), ("+1 202 555", None),
     ("7700 900", None), ("0800abc", None), ("", None), ("00 44", None)],
)  # fmt: skip
def test_the_start_of_a_uk_number_as_it_is_typed(typed, prefix):
    assert matching.phone_prefix(typed) == prefix


@given(st.from_regex(r"07[0-9]{9}", fullmatch=True))
def test_a_whole_number_s_prefix_is_its_key_when_valid(number):
    key = matching.phone_key(number)
    if key.startswith("+44"):
        assert matching.phone_prefix(number) == key
