"""Standard letters: templates as data, their merge fields, and the merge (no database).

A template (``resources/letters/<code>.toml``, version 1 for every hub; a hub's edits are
later versions, :mod:`hubapp.store.casework.letters`) has a code, a title, the agency types
that may send it (none: any), the protective marking it carries, a subject and a body. The
subject and body are plain text with merge fields in braces, ``{case.reference}``; the body's
paragraphs are separated by a blank line. Nothing in a template is markup: it prints as
written, and so does every value merged into it (user text is text).

* **The fields** (:data:`FIELDS`) come from the case, the person written to, the hub, the
  sending agency and the sender, and ``{today}``. A template naming any other field is
  refused with one sentence naming it (:func:`check`), and so is a brace left open.
* **The merge** (:func:`merge`) never prints a blank: a field the letter uses whose value is
  empty stops that letter with a sentence naming the field and the person
  (:class:`MissingField`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache

from hubapp.domain.findings import Finding
from hubapp.domain.text import clean_line, clean_text

#: every merge field: name -> what it is (the template editor and ``hubapp letters
#: templates`` list them)
FIELDS: dict[str, str] = {
    "case.reference": "the case's reference, e.g. CAR-2026-0042",
    "case.summary": "the case's summary",
    "case.location": "where it happens (the case's location)",
    "case.town": "the case's town",
    "case.category": "the case's category, e.g. Antisocial behaviour",
    "case.opened_on": "the date the case was opened (dd/mm/yyyy)",
    "case.closed_on": "the date the case was closed (dd/mm/yyyy)",
    "person.full_name": "the full name of the person written to",
    "person.address": "their address, on one line",
    "person.role": "their part in the case, e.g. victim, witness",
    "hub.name": "the hub's name, e.g. Carlisle",
    "hub.base": "where the hub is based, e.g. Carlisle Civic Centre",
    "hub.town": "the hub's town",
    "agency.name": "the sending agency's name, e.g. Cumberland Council",
    "agency.short_name": "the sending agency's short name",
    "sender.name": "the name of the person sending the letter",
    "today": "the date of the letter (dd/mm/yyyy)",
}
#: what each field is called in a sentence ("the case's location")
SAID = {
    "case.reference": "the case's reference", "case.summary": "the case's summary",
    "case.location": "the case's location", "case.town": "the case's town",
    "case.category": "the case's category", "case.opened_on": "the date the case was opened",
    "case.closed_on": "the date the case was closed", "person.full_name": "the person's name",
    "person.address": "the person's address", "person.role": "the person's part in the case",
    "hub.name": "the hub's name", "hub.base": "the hub's base", "hub.town": "the hub's town",
    "agency.name": "the sending agency's name", "agency.short_name": "the agency's short name",
    "sender.name": "the sender's name", "today": "today's date",
}  # fmt: skip
#: example values, for the template editor's preview (no real person's details)
SAMPLE = {
    "case.reference": "CAR-2026-0042", "case.summary": "Youths on bikes riding at people",
    "case.location": "Bitts Park", "case.town": "Carlisle",
    "case.category": "Antisocial behaviour", "case.opened_on": "01/05/2026",
    "case.closed_on": "30/11/2026", "person.full_name": "Alex Example",
    "person.address": "1 Example Street, Carlisle, CA1 1AA", "person.role": "victim",
    "hub.name": "Carlisle", "hub.base": "Carlisle Civic Centre", "hub.town": "Carlisle",
    "agency.name": "Cumberland Council", "agency.short_name": "Cumberland Cncl",
    "sender.name": "Sam Sender", "today": "07/12/2026",
}  # fmt: skip
MARKINGS = ("OFFICIAL-SENSITIVE", "OFFICIAL")
#: the letter the dialog offers first for a person in each part of a case (until the person
#: chooses one): never a warning to someone who reported or suffered the behaviour
FIRST_FOR_ROLE = {
    "alleged_perpetrator": "asb_warning", "victim": "victim_update",
    "complainant": "victim_update", "reporter": "victim_update", "witness": "witness_thanks",
}  # fmt: skip
#: the most characters each part takes (the database columns' sizes)
MAX = {"title": 200, "subject": 200, "body": 20_000, "code": 60}
_FIELD = re.compile(r"\{([^{}]*)\}")
_CODE = re.compile(r"[a-z][a-z0-9_]{1,59}")


@dataclass(frozen=True)
class Template:
    """One version of a standard letter."""

    code: str
    title: str
    body: str
    subject: str = ""
    #: agency type codes that may send it (empty: any)
    agencies: tuple[str, ...] = ()
    marking: str = "OFFICIAL-SENSITIVE"
    version: int = 1
    #: who made this version and why (empty for the packaged version 1)
    edited_by: str = ""
    reason: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        """The merge fields the subject and body use, in order of first use."""
        return used_fields(self.subject + "\n" + self.body)

    @property
    def paragraphs(self) -> list[str]:
        return paragraphs(self.body)

    def sendable_by(self, agency_type: str | None) -> bool:
        return not self.agencies or (agency_type or "") in self.agencies


def used_fields(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.strip() for m in _FIELD.findall(text or "")))


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs: separated by a blank line; a single line break inside one is
    kept as a line break."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def split_address(address: str) -> tuple[str, ...]:
    """An address as kept (one line with commas between its parts, or several lines) as
    the lines of an envelope's window."""
    parts = []
    for line in (address or "").replace("\r", "\n").split("\n"):
        parts.extend(p.strip() for p in line.split(","))
    return tuple(p for p in parts if p)


def check(t: Template, declared: tuple[str, ...] | None = None) -> list[Finding]:
    """Everything wrong with a template, one sentence each; never raises. ``declared``: the
    fields a packaged template says it uses (they must be the ones it does use)."""
    out: list[Finding] = []
    if not _CODE.fullmatch(t.code or ""):
        out.append(Finding("code", f"'{t.code}' is not a template code: use lower-case letters, "
                           "digits and _ (e.g. asb_warning)."))  # fmt: skip
    if not clean_line(t.title):
        out.append(Finding("title", "Give the letter a title."))
    if t.marking not in MARKINGS:
        out.append(Finding("marking", f"The marking '{t.marking}' is not one of "
                           f"{', '.join(MARKINGS)}."))  # fmt: skip
    for part, text in (("subject", t.subject), ("body", t.body)):
        if len(text or "") > MAX[part]:
            out.append(Finding(part, f"The {part} is too long: {len(text):,} characters, at "
                               f"most {MAX[part]:,}."))  # fmt: skip
            continue
        stripped = _FIELD.sub("", text or "")
        if "{" in stripped or "}" in stripped:
            out.append(Finding(part, f"The {part} has a {{ or }} that is not part of a merge "
                               "field; write fields as {case.reference}."))  # fmt: skip
            continue
        for name in used_fields(text):
            if name not in FIELDS:
                out.append(Finding(part, f"The {part} uses {{{name}}}, which is not a merge "
                                   "field; 'hubapp letters templates' lists the fields."))  # fmt: skip
                break
    if not paragraphs(t.body):
        out.append(Finding("body", "Write the letter's text."))
    if declared is not None and not any(f.field in ("subject", "body") for f in out):
        used, said = set(t.fields), set(declared)
        if used != said:
            extra = sorted(used - said) or sorted(said - used)
            out.append(Finding("fields", f"The fields listed ({', '.join(sorted(said))}) are "
                               f"not the ones the text uses: check {extra[0]}."))  # fmt: skip
    return out


class MissingField(ValueError):
    """A field the letter uses has no value for this person: one sentence naming it."""

    def __init__(self, name: str, recipient: str) -> None:
        self.field = name
        self.recipient = recipient
        said = SAID.get(name, name)
        super().__init__(f"The letter to {recipient} uses {{{name}}}, but {said} is blank; "
                         "fill it in first or choose another letter.")  # fmt: skip


@dataclass(frozen=True)
class Merged:
    """One letter with its fields filled in: plain text (escaped when laid out)."""

    subject: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Letter:
    """One letter ready to lay out, as plain values (escaped when laid out)."""

    recipient: str
    #: the address, a line each (without the name)
    address: tuple[str, ...]
    #: the sender's block: the agency, the hub, where it is based...
    sender: tuple[str, ...]
    date: str
    reference: str
    subject: str
    paragraphs: list[str] = field(default_factory=list)
    signed_by: str = ""
    signed_for: tuple[str, ...] = ()
    marking: str = "OFFICIAL-SENSITIVE"
    #: the template and its version, in the footer ("ASB warning letter, version 2")
    template: str = ""


def merge(t: Template, values: dict[str, str], recipient: str = "") -> Merged:
    """The template with ``values`` in its fields. A field the letter uses whose value is
    missing or blank raises :class:`MissingField`; never prints a blank."""
    for name in t.fields:
        if not clean_text(values.get(name, "")):
            raise MissingField(name, recipient or values.get("person.full_name") or "this person")

    def fill(text: str) -> str:
        return _FIELD.sub(lambda m: clean_text(values[m.group(1).strip()]), text)

    return Merged(fill(clean_line(t.subject)), [fill(p) for p in t.paragraphs])


# --- the packaged templates --------------------------------------------------------------------


def parse(data: dict, *, version: int = 1) -> tuple[Template, tuple[str, ...] | None]:
    """A template from a TOML table; with the fields it declares (None: not declared)."""
    declared = data.get("fields")
    t = Template(
        code=str(data.get("code", "")).strip(), title=clean_line(data.get("title", "")),
        body=clean_text(data.get("body", "")), subject=clean_line(data.get("subject", "")),
        agencies=tuple(str(a).strip() for a in data.get("agencies", []) or []),
        marking=str(data.get("marking", "OFFICIAL-SENSITIVE")).strip(), version=version,
    )  # fmt: skip
    return t, (tuple(str(f).strip() for f in declared) if declared is not None else None)


class TemplateError(ValueError):
    """A packaged template that is not right, in one sentence naming its file."""


@cache
def packaged() -> dict[str, Template]:
    """Version 1 of every letter, from ``resources/letters`` (checked: a wrong one stops with
    a sentence naming its file), by code, in order of title."""
    from hubapp import resources

    out: dict[str, Template] = {}
    for path in sorted(resources.path("letters").glob("*.toml")):
        with path.open("rb") as fh:
            t, declared = parse(tomllib.load(fh))
        findings = check(t, declared)
        if findings:
            raise TemplateError(f"The letter template {path.name} is not right: "
                                f"{findings[0].message}")  # fmt: skip
        if t.code in out:
            raise TemplateError(f"The letter template {path.name} repeats the code {t.code}.")
        out[t.code] = t
    return dict(sorted(out.items(), key=lambda kv: kv[1].title.casefold()))
