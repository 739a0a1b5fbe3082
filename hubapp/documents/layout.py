"""The look of every printed document: fonts, styles, page furniture, tables.

* A4 portrait; a navy header band with the hub and the document's title; the protective
  marking centred at the very top and the very bottom of every page; the footer says who
  printed the document, when (UK local time), from which station and under which profile,
  and "Page X of Y" (a numbered canvas: the total is known when the pages are saved).
* DejaVu Sans (resources/fonts), embedded, so that every name prints (Zoë, Łukasz, Nguyễn).
  A character the font has no glyph for (an emoji pasted from a social media post, a script
  DejaVu does not cover) prints as its Unicode name in square brackets, never as an empty box
  (:func:`printable`).
* A heading is never the last line of a page: it keeps with the first lines (or first row)
  of what follows it (:class:`KeepWithFirst`).
* User text is text: :func:`esc` escapes everything before it reaches reportlab's
  Paragraph markup, so ``<b>``, ``&`` or ``<img src=...>`` print as typed and never load a
  file. Only this module's own markup (headings, bold labels) is ever interpreted.
* Tables wrap every cell in a Paragraph, repeat their heading row on a new page, and may
  split inside a long row, so no text runs out of its cell or off the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from hubapp import resources
from hubapp.domain.rag import Rag

FONT = "HubSans"
FONT_BOLD = "HubSans-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 16 * mm
FRAME_TOP = PAGE_HEIGHT - 30 * mm
FRAME_BOTTOM = 24 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

NAVY = colors.HexColor("#1F3A5F")
INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#5A6470")
RULE = colors.HexColor("#C5CDD6")
HEAD_FILL = colors.HexColor("#E6ECF2")
ZEBRA = colors.HexColor("#F6F8FA")
RAG_FILL = {
    Rag.RED: colors.HexColor("#B3261E"),
    Rag.AMBER: colors.HexColor("#F2A900"),
    Rag.GREEN: colors.HexColor("#2E7D32"),
    Rag.NONE: colors.HexColor("#E3E6EA"),
}
RAG_TEXT = {
    Rag.RED: colors.white,
    Rag.AMBER: colors.black,
    Rag.GREEN: colors.white,
    Rag.NONE: MUTED,
}


@cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) from resources/fonts, once per process."""
    from reportlab.lib.fonts import addMapping

    pdfmetrics.registerFont(TTFont(FONT, str(resources.font("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resources.font("DejaVuSans-Bold.ttf"))))
    for bold, italic, name in ((0, 0, FONT), (1, 0, FONT_BOLD), (0, 1, FONT), (1, 1, FONT_BOLD)):
        addMapping(FONT, bold, italic, name)


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    head: ParagraphStyle
    label: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    rag: ParagraphStyle
    figure: ParagraphStyle
    figure_label: ParagraphStyle
    cover_title: ParagraphStyle


@cache
def styles() -> Styles:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, textColor=MUTED)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10, splitLongWords=True)
    return Styles(
        body=body,
        small=small,
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=FONT_BOLD),
        head=ParagraphStyle("head", parent=cell, fontName=FONT_BOLD, textColor=NAVY),
        label=ParagraphStyle("label", parent=cell, textColor=MUTED, fontSize=7.5),
        title=ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=17,
                             leading=21, textColor=NAVY, spaceAfter=2),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=10.5, leading=14,
                                textColor=INK, spaceAfter=6),
        h2=ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=10.5, leading=13,
                          textColor=NAVY, spaceBefore=9, spaceAfter=3, keepWithNext=1),
        h3=ParagraphStyle("h3", parent=body, fontName=FONT_BOLD, fontSize=9.5, leading=12,
                          textColor=INK, spaceBefore=6, spaceAfter=2, keepWithNext=1),
        rag=ParagraphStyle("rag", parent=cell, fontName=FONT_BOLD, fontSize=7.5,
                           alignment=TA_CENTER),
        figure=ParagraphStyle("figure", parent=body, fontName=FONT_BOLD, fontSize=20,
                              leading=24, textColor=NAVY, alignment=TA_CENTER),
        figure_label=ParagraphStyle("figure_label", parent=small, alignment=TA_CENTER),
        cover_title=ParagraphStyle("cover_title", parent=body, fontName=FONT_BOLD,
                                   fontSize=24, leading=29, textColor=NAVY, spaceAfter=4),
    )  # fmt: skip


# --- text ---------------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


#: emoji skin tones (Fitzpatrick modifiers) by their CLDR names, which read better than
#: "emoji modifier fitzpatrick type-4"
_SKIN_TONES = {
    0x1F3FB: "light skin tone", 0x1F3FC: "medium-light skin tone", 0x1F3FD: "medium skin tone",
    0x1F3FE: "medium-dark skin tone", 0x1F3FF: "dark skin tone",
}  # fmt: skip
#: the flags written as a black flag and tag letters (the only ones Unicode recommends)
_TAG_FLAGS = {"gbeng": "England", "gbsct": "Scotland", "gbwls": "Wales"}
#: a line break and a tab have no glyph: they are layout, which the Paragraph does
_LAYOUT = frozenset((0x09, 0x0A))
_ZWJ = 0x200D
_KEYCAP = 0x20E3


def _selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _tag(cp: int) -> bool:
    return 0xE0020 <= cp <= 0xE007F


def _regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _pictograph(cp: int) -> bool:
    """The emoji blocks (pictographs, emoticons, transport, supplemental symbols)."""
    return 0x1F300 <= cp <= 0x1FAFF


@cache
def _covered() -> frozenset[int]:
    """The characters both faces of the document's font have a glyph for (a bold cell and a
    plain one print the same text, so a character counts only if both can print it), less
    the emoji blocks, which print as names (see :func:`printable`)."""
    register_fonts()
    faces = [pdfmetrics.getFont(name).face for name in (FONT, FONT_BOLD)]
    both = frozenset(faces[0].charToGlyph).intersection(*(f.charToGlyph for f in faces[1:]))
    return frozenset(cp for cp in both if not _pictograph(cp))


def _clusters(text: str):
    """The text in user-perceived pieces: a character with the selectors, skin tones, tag
    letters, combining marks and zero-width-joined characters that belong to it (so a thumbs
    up with a skin tone, or a family of three joined by zero-width joiners, is one piece), and
    a pair of regional indicators (a flag)."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        if _regional(ord(text[i])) and j < n and _regional(ord(text[j])):
            j += 1
        while j < n:
            cp = ord(text[j])
            if (_selector(cp) or cp in _SKIN_TONES or _tag(cp) or cp == _KEYCAP
                    or unicodedata.category(text[j]) in ("Mn", "Me")):  # fmt: skip
                j += 1
            elif cp == _ZWJ and j + 1 < n and text[j + 1] != "\n":
                j += 2
            else:
                break
        yield text[i:j]
        i = j


def _invisible(ch: str) -> bool:
    cp = ord(ch)
    return _selector(cp) or _tag(cp) or unicodedata.category(ch) == "Cf"


def _name(cluster: str) -> str:
    """A piece the font cannot print, named: '[grinning face]', '[thumbs up sign, medium skin
    tone]', '[man + woman + girl]', '[flag GB]', '[flag of England]', '[keycap 1]'."""
    parts: list[str] = []
    tones: list[str] = []
    for piece in cluster.split(chr(_ZWJ)):
        codes = [ord(c) for c in piece]
        tags = "".join(chr(cp - 0xE0000) for cp in codes if _tag(cp) and cp != 0xE007F)
        tones += [_SKIN_TONES[cp] for cp in codes if cp in _SKIN_TONES]
        shown = [c for c in piece if ord(c) not in _SKIN_TONES and not _invisible(c)]
        if len(shown) == 2 and all(_regional(ord(c)) for c in shown):
            parts.append("flag " + "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in shown))
            continue
        if _KEYCAP in codes and shown and shown[0] != chr(_KEYCAP):
            parts.append(f"keycap {shown[0]}")
            continue
        if tags in _TAG_FLAGS:
            parts.append(f"flag of {_TAG_FLAGS[tags]}")
            continue
        names = [unicodedata.name(c, "").lower() or f"character U+{ord(c):04X}" for c in shown]
        if names:
            parts.append(", ".join(names) + (f" {tags}" if tags else ""))
    text = " + ".join(parts) or "symbol"
    for tone in dict.fromkeys(tones):
        text += f", {tone}"
    return f"[{text}]"


def printable(text: str) -> str:
    """The text as the document's font can print it: any character it has no glyph for as
    its Unicode name in square brackets, lower-cased ("[grinning face]").

    Why names rather than an emoji font: emoji arrive in free text pasted from Facebook
    posts, and what matters on paper is what the person wrote, readable by anyone and found
    again by a search of the PDF's text. The one emoji font to be had here
    (fonts-noto-color-emoji) is a colour bitmap font, which reportlab cannot embed; a
    monochrome Noto Emoji TTF is not packaged here, would add a couple of megabytes to every
    install for a few pictures, and reportlab does no text shaping, so a sequence (a thumbs
    up with a skin tone, a family joined by zero-width joiners, a flag) would still print as
    several pictures side by side.

    An emoji prints as its name even where DejaVu has a glyph for it (it draws the
    emoticon faces): at 9 points its small line drawings of "face with tears of joy" and
    "crying face" look alike, and in a report of threats or distress the difference
    matters; one rule for every emoji also reads more evenly than some pictures and some
    names. Symbols outside the emoji blocks (a heart, a tick) print as DejaVu draws them.

    The rule is general, not about emoji: whatever the font lacks (a script DejaVu does not
    cover, a symbol newer than the font) prints as its name, so nothing ever prints as an
    empty box. An emoji sequence gives one name: its parts joined by "+", then its skin
    tone; selectors and joiners, which have no look of their own, are dropped where the
    font lacks them, and a space it lacks prints as a plain space. The text is first
    composed (NFC), so an accent typed as a separate mark prints on its letter."""
    text = unicodedata.normalize("NFC", text)
    covered = _covered() | _LAYOUT
    if all(ord(c) in covered for c in text):
        return text
    out: list[str] = []
    for cluster in _clusters(text):
        shown = [c for c in cluster if not _invisible(c)]
        if all(ord(c) in covered for c in shown):
            out.append("".join(c for c in cluster if ord(c) in covered))
        elif len(cluster) == 1 and unicodedata.category(cluster) == "Zs":
            out.append(" ")
        elif len(cluster) == 1 and unicodedata.category(cluster) in ("Zl", "Zp"):
            out.append("\n")
        else:
            out.append(_name(cluster))
    return "".join(out)


def esc(text: object) -> str:
    """Any text as reportlab Paragraph markup that prints exactly that text: markup
    characters escaped, control characters removed, line breaks kept, and characters the
    font cannot print named (:func:`printable`)."""
    value = printable(_CONTROL.sub("", "" if text is None else str(text)))
    value = escape(value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\n", "<br/>")


def para(text: object, style: ParagraphStyle | None = None) -> Paragraph:
    """A Paragraph of plain (user) text: always escaped."""
    return Paragraph(esc(text), style or styles().body)


def labelled(label: str, value: object, style: ParagraphStyle | None = None) -> Paragraph:
    """'<b>Label:</b> value', both escaped (the bold is this module's own markup)."""
    return Paragraph(f"<b>{esc(label)}</b> {esc(value)}", style or styles().body)


def heading(text: str, level: int = 2) -> Paragraph:
    st = styles()
    return Paragraph(esc(text), st.h2 if level == 2 else st.h3)


# --- tables -------------------------------------------------------------------------------


def table(
    headings: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    rag_column: int | None = None,
    bold_first: bool = False,
) -> Table:
    """A light-ruled table: heading row repeated on each page, every cell wrapped.

    ``widths`` are fractions of the frame width. A cell may be a Flowable (used as it is) or
    any value (printed as escaped text); in ``rag_column`` a :class:`Rag` prints as a
    coloured cell with its label."""
    st = styles()
    col_widths = [w * FRAME_WIDTH for w in widths]
    data: list[list[object]] = [[Paragraph(esc(h), st.head) for h in headings]]
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, NAVY),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
    ]
    for i, row in enumerate(rows, start=1):
        cells: list[object] = []
        for j, value in enumerate(row):
            if isinstance(value, Flowable):
                cells.append(value)
            elif rag_column is not None and j == rag_column and isinstance(value, Rag):
                style = ParagraphStyle(f"rag-{value.value}", parent=st.rag,
                                       textColor=RAG_TEXT[value])  # fmt: skip
                cells.append(Paragraph(esc(value.label), style))
                commands.append(("BACKGROUND", (j, i), (j, i), RAG_FILL[value]))
            else:
                style = st.cell_bold if bold_first and j == 0 else st.cell
                cells.append(Paragraph(esc(value), style))
        data.append(cells)
    t = Table(data, colWidths=col_widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    t.setStyle(TableStyle(commands))
    return t


def facts(pairs: Sequence[tuple[str, object]], columns: int = 2) -> Table:
    """Key facts as label/value pairs laid out in ``columns`` pairs per row."""
    st = styles()
    rows: list[list[object]] = []
    line: list[object] = []
    for label, value in pairs:
        line += [Paragraph(esc(label), st.label), Paragraph(esc(value or "\u2013"), st.cell_bold)]
        if len(line) == 2 * columns:
            rows.append(line)
            line = []
    if line:
        rows.append(line + [""] * (2 * columns - len(line)))
    label_w, value_w = 0.15, 1 / columns - 0.15
    t = Table(rows, colWidths=[w * FRAME_WIDTH for w in [label_w, value_w] * columns],
              hAlign="LEFT")  # fmt: skip
    t.setStyle(
        TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT, 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, NAVY),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ])
    )  # fmt: skip
    return t


def gap(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


# --- pages --------------------------------------------------------------------------------


class KeepWithFirst(KeepTogether):
    """A heading (any flowable whose style says keepWithNext) with what follows it: the
    heading moves to the next page unless at least the first part of what follows (its
    first lines, or a table's heading row and first row) fits under it.

    reportlab groups a keepWithNext flowable with the next one in its document's
    ``keepTogetherClass``; its own KeepTogether moves the whole group to a new page whenever
    the group does not fit, so a heading before a long table or a long paragraph would leave
    the rest of its page blank. This one splits what follows instead, as a person would."""

    def split(self, aW, aH):  # noqa: N803 (reportlab's names)
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        content = self._content[:]
        if self._H <= aH:
            return content
        *heads, follower = content
        used = 0.0
        for f in heads:
            _, h = f.wrapOn(self.canv, aW, aH)
            used += f.getSpaceBefore() + h + f.getSpaceAfter()
        room = aH - used - follower.getSpaceBefore()
        parts = follower.splitOn(self.canv, aW, room) if heads and room > 0 else []
        if len(parts) > 1:  # its first part fits: the frame splits it where it really ends
            return content
        frame = getattr(self, "_frame", None)
        if frame is not None and getattr(frame, "_atTop", False):
            return content  # already at the top of a page: a new page would not help
        return [self.FrameBreak(), *content]


@dataclass(frozen=True)
class Furniture:
    """What every page of one document carries."""

    marking: str
    band_left: str  # the hub, e.g. "Carlisle Local Focus Hub"
    band_right: str  # the document, e.g. "Case summary CAR-2026-0042"
    printed: str  # "Printed by jsmith at Carlisle Civic Centre on 25/11/2026 14:03"
    profile: str  # "Partner profile"


class NumberedCanvas(rl_canvas.Canvas):
    """Holds the pages until the document is saved, then writes "Page X of Y" on each."""

    def __init__(self, *args, **kwargs) -> None:
        # the embedded font from the start, so that no unembedded Helvetica is referenced
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = FONT
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(
                PAGE_WIDTH - MARGIN_X, 13 * mm, f"Page {self._pageNumber} of {total}"
            )
            super().showPage()
        super().save()


def _draw_furniture(canvas, furniture: Furniture) -> None:
    canvas.saveState()
    # protective marking, top
    canvas.setFont(FONT_BOLD, 10)
    canvas.setFillColor(INK)
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 9 * mm, printable(furniture.marking))
    # header band
    band_top = PAGE_HEIGHT - 12 * mm
    canvas.setFillColor(NAVY)
    canvas.rect(MARGIN_X, band_top - 10 * mm, FRAME_WIDTH, 10 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont(FONT_BOLD, 10.5)
    canvas.drawString(MARGIN_X + 4 * mm, band_top - 6.5 * mm, printable(furniture.band_left))
    canvas.setFont(FONT, 9)
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN_X - 4 * mm, band_top - 6.5 * mm, printable(furniture.band_right)
    )
    # footer
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, 17 * mm, PAGE_WIDTH - MARGIN_X, 17 * mm)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(
        MARGIN_X, 13 * mm, printable(f"{furniture.printed} \u00b7 {furniture.profile}")
    )
    # protective marking, bottom
    canvas.setFont(FONT_BOLD, 10)
    canvas.setFillColor(INK)
    canvas.drawCentredString(PAGE_WIDTH / 2, 6.5 * mm, printable(furniture.marking))
    canvas.restoreState()


@dataclass(frozen=True)
class Metadata:
    title: str
    subject: str
    keywords: str
    author: str


def build_pdf(
    flowables: list[Flowable],
    furniture: Furniture,
    meta: Metadata,
    on_page: Callable[[int], None] | None = None,
) -> tuple[bytes, int]:
    """Lay the flowables out on marked pages; return the PDF and its number of pages.
    ``on_page(n)`` is called as each page begins (progress; it may raise to cancel)."""
    import io

    register_fonts()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
        topMargin=PAGE_HEIGHT - FRAME_TOP, bottomMargin=FRAME_BOTTOM,
        title=meta.title, author=meta.author, subject=meta.subject, keywords=meta.keywords,
        creator="hubapp", producer="hubapp (reportlab)", lang="en-GB",
        keepTogetherClass=KeepWithFirst,
    )  # fmt: skip
    frame = Frame(MARGIN_X, FRAME_BOTTOM, FRAME_WIDTH, FRAME_TOP - FRAME_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip

    def page(canvas, document) -> None:
        if on_page is not None:
            on_page(document.page)
        _draw_furniture(canvas, furniture)

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=page)])
    doc.build(flowables, canvasmaker=NumberedCanvas)
    return out.getvalue(), doc.page


def right(text: str) -> Paragraph:
    return Paragraph(esc(text), ParagraphStyle("right", parent=styles().small, alignment=TA_RIGHT))
