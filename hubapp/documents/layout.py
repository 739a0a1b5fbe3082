"""The look of every printed document: fonts, styles, page furniture, tables.

* A4 portrait; a navy header band with the hub and the document's title; the protective
  marking centred at the very top and the very bottom of every page; the footer says who
  printed the document, when (UK local time), from which station and under which profile,
  and "Page X of Y" (a numbered canvas: the total is known when the pages are saved).
* DejaVu Sans (resources/fonts), embedded, so that every name prints (Zoë, Łukasz, Nguyễn).
* User text is text: :func:`esc` escapes everything before it reaches reportlab's
  Paragraph markup, so ``<b>``, ``&`` or ``<img src=...>`` print as typed and never load a
  file. Only this module's own markup (headings, bold labels) is ever interpreted.
* Tables wrap every cell in a Paragraph, repeat their heading row on a new page, and may
  split inside a long row, so no text runs out of its cell or off the page.
"""

from __future__ import annotations

import re
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
                          textColor=NAVY, spaceBefore=9, spaceAfter=3),
        h3=ParagraphStyle("h3", parent=body, fontName=FONT_BOLD, fontSize=9.5, leading=12,
                          textColor=INK, spaceBefore=6, spaceAfter=2),
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


def esc(text: object) -> str:
    """Any text as reportlab Paragraph markup that prints exactly that text: markup
    characters escaped, control characters removed, line breaks kept."""
    value = _CONTROL.sub("", "" if text is None else str(text))
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
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 9 * mm, furniture.marking)
    # header band
    band_top = PAGE_HEIGHT - 12 * mm
    canvas.setFillColor(NAVY)
    canvas.rect(MARGIN_X, band_top - 10 * mm, FRAME_WIDTH, 10 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont(FONT_BOLD, 10.5)
    canvas.drawString(MARGIN_X + 4 * mm, band_top - 6.5 * mm, furniture.band_left)
    canvas.setFont(FONT, 9)
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN_X - 4 * mm, band_top - 6.5 * mm, furniture.band_right
    )
    # footer
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, 17 * mm, PAGE_WIDTH - MARGIN_X, 17 * mm)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN_X, 13 * mm, f"{furniture.printed} \u00b7 {furniture.profile}")
    # protective marking, bottom
    canvas.setFont(FONT_BOLD, 10)
    canvas.setFillColor(INK)
    canvas.drawCentredString(PAGE_WIDTH / 2, 6.5 * mm, furniture.marking)
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
