"""Standard letters on paper: a UK business letter for a DL window envelope (no database).

:func:`render` lays out one letter per recipient, from plain values (:class:`Letter`), as
one PDF: a letter to a household, or a bulk run to every resident of a street.

* **A4, folded in three for a DL window envelope.** The recipient's name and address sit in
  the window: 20 mm from the left edge, 48 mm from the top, within 90 x 35 mm (a long
  address is set smaller until it fits, never cut). The sender's address block is at the
  top right, above the date and "Our reference"; the signature block closes the letter.
* **Marked.** The protective marking the template asks for is centred at the top and the
  bottom of every page, blank backs included; every page says "Page X of Y" of its own
  letter and carries the letter's reference.
* **Double-sided.** In a run of several letters each letter starts on an odd page: a letter
  that ends on an odd page is followed by a blank back ("This page is intentionally blank"),
  so a duplex printer never prints one resident's letter on the back of another's.
* **User text is text.** Every value (a name, an address, a summary, the template's own
  text) goes through :func:`hubapp.documents.layout.esc`, so ``<b>`` or ``&`` print as typed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from hubapp.documents import layout
from hubapp.documents.layout import FONT, FONT_BOLD, INK, MUTED, PAGE_HEIGHT, PAGE_WIDTH, esc
from hubapp.domain.letters import Letter, split_address

#: the window of a DL envelope, as the recipient's block is placed (from the page's top left)
WINDOW_LEFT = 20 * mm
WINDOW_TOP = 48 * mm
WINDOW_WIDTH = 90 * mm
WINDOW_HEIGHT = 35 * mm
#: the sender's block, top right
SENDER_LEFT = 122 * mm
SENDER_TOP = 18 * mm
MARGIN_X = 20 * mm
FIRST_FRAME_TOP = 92 * mm  # from the top: below the window
LATER_FRAME_TOP = 26 * mm
FRAME_BOTTOM = 24 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
BLANK_TEXT = "This page is intentionally blank."


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    #: each letter's first page and its number of pages (1-based), in order
    letters: list[tuple[int, int]]


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    subject: ParagraphStyle
    block: ParagraphStyle
    sender: ParagraphStyle
    right: ParagraphStyle


def _styles() -> _Styles:
    from reportlab.lib.enums import TA_RIGHT

    layout.register_fonts()
    body = ParagraphStyle("letter", fontName=FONT, fontSize=10.5, leading=14.5, textColor=INK,
                          spaceAfter=8)  # fmt: skip
    return _Styles(
        body=body,
        subject=ParagraphStyle("letter_subject", parent=body, fontName=FONT_BOLD, spaceAfter=10),
        block=ParagraphStyle("letter_block", parent=body, fontSize=10.5, leading=13, spaceAfter=0),
        sender=ParagraphStyle("letter_sender", parent=body, fontSize=9, leading=11.5,
                              spaceAfter=0, textColor=INK),
        right=ParagraphStyle("letter_right", parent=body, alignment=TA_RIGHT, spaceAfter=0),
    )  # fmt: skip


class _Mark(Flowable):
    """Zero-size: the letter that the pages from here on belong to."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def wrap(self, *_args):
        return 0, 0

    def draw(self) -> None:
        pass


class _StartOdd(Flowable):
    """Zero-size: the next letter starts on a new page, an odd one (a blank back between)."""

    def wrap(self, *_args):
        return 0, 0

    def draw(self) -> None:
        pass


class _Doc(BaseDocTemplate):
    def __init__(self, out, letters: list[Letter], **kw) -> None:
        super().__init__(out, **kw)
        self.letters = letters
        self.current = 0
        #: per page: (letter index, blank back)
        self.page_info: list[tuple[int, bool]] = []

    def handle_flowable(self, flowables) -> None:
        first = flowables[0]
        if isinstance(first, _Mark):
            flowables.pop(0)
            self.current = first.index
            return
        if isinstance(first, _StartOdd):
            flowables.pop(0)
            steps = [NextPageTemplate("first"), PageBreak()]
            if self.page % 2 == 1:  # ends on an odd page: its back stays blank
                steps = [NextPageTemplate("blank"), PageBreak(), _Blank(), *steps]
            flowables[0:0] = steps
            return
        super().handle_flowable(flowables)


class _Blank(Flowable):
    def wrap(self, *_args):
        return 0, 0

    def draw(self) -> None:
        pass


class _Canvas(rl_canvas.Canvas):
    """Holds the pages until the end, then writes "Page X of Y" of each page's own letter."""

    def __init__(self, *args, doc_info: list, letters: list[Letter], **kwargs) -> None:
        if not kwargs.get("initialFontName"):  # no unembedded Helvetica referenced
            kwargs["initialFontName"] = FONT
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._info = doc_info
        self._letters = letters

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        counts: dict[int, int] = {}
        for index, blank in self._info:
            if not blank:
                counts[index] = counts.get(index, 0) + 1
        seen: dict[int, int] = {}
        for n, state in enumerate(self._pages):
            self.__dict__.update(state)
            index, blank = self._info[n] if n < len(self._info) else (0, False)
            if not blank:
                seen[index] = seen.get(index, 0) + 1
                letter = self._letters[index]
                self.setFont(FONT, 7.5)
                self.setFillColor(MUTED)
                self.drawRightString(PAGE_WIDTH - MARGIN_X, 13 * mm,
                                     f"Page {seen[index]} of {counts[index]}")  # fmt: skip
                self.drawString(MARGIN_X, 13 * mm, layout.printable(
                    " \u00b7 ".join(p for p in (letter.reference, letter.template) if p)))  # fmt: skip
            super().showPage()
        super().save()


def _marking(canvas, text: str) -> None:
    canvas.setFont(FONT_BOLD, 10)
    canvas.setFillColor(INK)
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 9 * mm, layout.printable(text))
    canvas.drawCentredString(PAGE_WIDTH / 2, 6.5 * mm, layout.printable(text))


def _block(canvas, lines: list[str], style: ParagraphStyle, left: float, top: float,
           width: float, height: float | None = None) -> None:  # fmt: skip
    """Lines of plain text in a box whose top left is ``(left, top)`` from the page's top
    left; set smaller until it fits ``height``."""
    markup = "<br/>".join(esc(line) for line in lines if line)
    size, leading = style.fontSize, style.leading
    while True:
        p = Paragraph(markup, ParagraphStyle("fit", parent=style, fontSize=size, leading=leading))
        _w, h = p.wrap(width, PAGE_HEIGHT)
        if height is None or h <= height or size <= 6:
            break
        size, leading = size - 0.5, leading - 0.6
    p.drawOn(canvas, left, PAGE_HEIGHT - top - h)


def address_lines(recipient: str, address: tuple[str, ...]) -> list[str]:
    """What the window shows: the name, then the address a line each."""
    return [recipient, *address]


def render(letters: list[Letter], *, title: str = "Letter", author: str = "") -> Rendered:
    """The letters as one PDF (one letter per recipient, each starting on an odd page)."""
    if not letters:
        raise ValueError("No letters to lay out.")
    st = _styles()
    out = io.BytesIO()
    marking = letters[0].marking
    doc = _Doc(
        out, letters, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), leftMargin=MARGIN_X,
        rightMargin=MARGIN_X, topMargin=LATER_FRAME_TOP, bottomMargin=FRAME_BOTTOM,
        title=f"{marking} \u2013 {title}", author=author, subject=f"{marking}: {title}",
        keywords=f"{marking}, Local Focus Hub, letter, hubapp", creator="hubapp",
        producer="hubapp (reportlab)", lang="en-GB",
    )  # fmt: skip

    def frame(top: float, name: str) -> Frame:
        return Frame(MARGIN_X, FRAME_BOTTOM, FRAME_WIDTH, PAGE_HEIGHT - top - FRAME_BOTTOM,
                     id=name, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip

    def first(canvas, d) -> None:
        d.page_info.append((d.current, False))
        letter = d.letters[d.current]
        canvas.saveState()
        _marking(canvas, letter.marking)
        _block(canvas, list(letter.sender), st.sender, SENDER_LEFT, SENDER_TOP,
               PAGE_WIDTH - SENDER_LEFT - MARGIN_X, 30 * mm)  # fmt: skip
        _block(canvas, address_lines(letter.recipient, letter.address), st.block, WINDOW_LEFT,
               WINDOW_TOP, WINDOW_WIDTH, WINDOW_HEIGHT)  # fmt: skip
        canvas.restoreState()

    def later(canvas, d) -> None:
        d.page_info.append((d.current, False))
        letter = d.letters[d.current]
        canvas.saveState()
        _marking(canvas, letter.marking)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN_X, PAGE_HEIGHT - 17 * mm, layout.printable(
            f"{letter.recipient} \u00b7 {letter.date} \u00b7 continued"))  # fmt: skip
        canvas.restoreState()

    def blank(canvas, d) -> None:
        d.page_info.append((d.current, True))
        canvas.saveState()
        _marking(canvas, d.letters[d.current].marking)
        canvas.setFont(FONT, 9)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT / 2, BLANK_TEXT)
        canvas.restoreState()

    doc.addPageTemplates([
        PageTemplate(id="first", frames=[frame(FIRST_FRAME_TOP, "first")], onPage=first,
                     autoNextPageTemplate="later"),
        PageTemplate(id="later", frames=[frame(LATER_FRAME_TOP, "later")], onPage=later),
        PageTemplate(id="blank", frames=[frame(LATER_FRAME_TOP, "blank")], onPage=blank,
                     autoNextPageTemplate="later"),
    ])  # fmt: skip
    story: list = []
    for i, letter in enumerate(letters):
        story += [_Mark(i)]  # before the break: the new page is this letter's
        if i:
            story += [_StartOdd()]
        story += _letter_flowables(letter, st)
    doc.build(story, canvasmaker=lambda *a, **k: _Canvas(*a, doc_info=doc.page_info,
                                                         letters=letters, **k))  # fmt: skip
    starts: list[tuple[int, int]] = []
    for n, (index, blank_back) in enumerate(doc.page_info, start=1):
        if blank_back:
            continue
        if len(starts) <= index:
            starts.append((n, 0))
        first_page, count = starts[index]
        starts[index] = (first_page, count + 1)
    return Rendered(out.getvalue(), len(doc.page_info), starts)


def lay_out(letters: list[Letter], title: str, author: str) -> tuple[bytes, int]:
    """The layout the store's letters take (``hubapp.store.casework.letters``, which never
    imports the printing package): the PDF and its number of pages."""
    made = render(letters, title=title, author=author)
    return made.pdf, made.pages


def preview(store, *args, **kwargs):
    """:func:`hubapp.store.casework.letters.preview`, laid out as here."""
    from hubapp.store.casework import letters

    return letters.preview(store, *args, layout=lay_out, **kwargs)


def send(store, *args, **kwargs):
    """:func:`hubapp.store.casework.letters.send`, laid out as here: what the window and the
    command line call."""
    from hubapp.store.casework import letters

    return letters.send(store, *args, layout=lay_out, **kwargs)


def sample(template) -> bytes:
    """A letter made from ``template`` (a :class:`hubapp.domain.letters.Template`) with the
    example values of :data:`hubapp.domain.letters.SAMPLE`: the template editor's preview.
    Raises ValueError with the first thing wrong with the template."""
    from hubapp.domain import letters as rules

    findings = rules.check(template)
    if findings:
        raise ValueError(findings[0].message)
    v = rules.SAMPLE
    merged = rules.merge(template, v)
    letter = Letter(
        recipient=v["person.full_name"], address=split_address(v["person.address"]),
        sender=(v["agency.name"], f"{v['hub.name']} Local Focus Hub", v["hub.base"]),
        date=v["today"], reference=v["case.reference"], subject=merged.subject,
        paragraphs=merged.paragraphs, signed_by=v["sender.name"],
        signed_for=(v["agency.name"], f"on behalf of the {v['hub.name']} Local Focus Hub"),
        marking=template.marking, template=f"{template.title}, version {template.version}",
    )  # fmt: skip
    return render([letter], title=f"{template.title} (example)").pdf


def _letter_flowables(letter: Letter, st: _Styles) -> list:
    out: list = [
        Paragraph(esc(letter.date), st.right),
        Paragraph(f"Our reference: {esc(letter.reference)}", st.right),
        Spacer(0, 6 * mm),
    ]
    if letter.subject:
        out.append(Paragraph(esc(letter.subject), st.subject))
    out += [Paragraph(esc(p), st.body) for p in letter.paragraphs]
    signature = [Spacer(0, 2 * mm), Paragraph("Yours sincerely,", st.body), Spacer(0, 12 * mm)]
    if letter.signed_by:
        signature.append(Paragraph(f"<b>{esc(letter.signed_by)}</b>", st.block))
    signature += [Paragraph(esc(line), st.block) for line in letter.signed_for if line]
    out.append(KeepTogether(signature))
    return out
