"""The letter on paper (hubapp.documents.letter): checked by its extracted text, by where its
words are (pdftotext -bbox: the DL window), and by its rendered pages (pdftoppm)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from casework import add_person, new_case

from hubapp.documents import letter as paper
from hubapp.documents.letter import BLANK_TEXT, Letter, render

MM = 72 / 25.4
PAGE_HEIGHT_PT = 841.89

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None
                                   or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftotext, pdftoppm) not installed")  # fmt: skip


def _letter(name: str = "Vera Victim", paragraphs: int = 3, **kw) -> Letter:
    return Letter(
        recipient=name, address=("12 Eden Street", "Stanwix", "Carlisle", "CA3 9LS"),
        sender=("Cumberland Council", "Carlisle Local Focus Hub", "Carlisle Civic Centre"),
        date="07/12/2026", reference="CAR-2026-0042", subject="A warning",
        paragraphs=[f"Paragraph {n}. " + "The behaviour must stop. " * 12
                    for n in range(1, paragraphs + 1)],
        signed_by="Ada Admin", signed_for=("Cumberland Council",), **kw,
    )  # fmt: skip


def _words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words as (xMin, yMin, xMax, yMax, text) in points from the top left."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    pages = []
    for page in html.split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page)])  # fmt: skip
    return pages


def _text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return out.split("\f")[:-1]


@needs_poppler
def test_the_recipient_sits_in_the_dl_window(store, tmp_path):
    case = new_case(store, location="Bitts Park")
    vera = add_person(
        store, case, "Vera Victim", address="12 Eden Street, Stanwix, Carlisle, CA3 9LS"
    )
    out = tmp_path / "letter.pdf"
    paper.send(store, case, "cpw", [vera], "POLICE", output=out)
    first = _words(out)[0]
    # what is printed near the window (a margin of 5 mm and more all round)
    near = [w for w in first if w[0] / MM < 115 and 40 < w[1] / MM < 90]
    assert " ".join(w[4] for w in near) == "Vera Victim 12 Eden Street Stanwix Carlisle CA3 9LS"
    left, right = min(w[0] for w in near) / MM, max(w[2] for w in near) / MM
    top, bottom = min(w[1] for w in near) / MM, max(w[3] for w in near) / MM
    assert 19 <= left <= 21, left  # about 20 mm from the left edge
    assert 45 <= top <= 50, top  # the first line 45-50 mm from the top
    assert bottom <= 48 + 35 and right <= 20 + 90  # within the 90 x 35 mm window


@needs_poppler
def test_a_long_address_is_set_smaller_to_fit_the_window_never_cut(tmp_path):
    from dataclasses import replace

    long = replace(_letter(), address=tuple(f"Line {n} of a very long rural address"
                                            for n in range(1, 9)))  # fmt: skip
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render([long]).pdf)
    first = _words(pdf)[0]
    lines = [w for w in first if w[4] == "Line"]
    assert len(lines) == 8  # every line printed
    assert max(w[3] for w in lines) / MM <= 48 + 35 + 0.5
    assert "Line 8 of a very long rural address" in _text(pdf)[0]


@needs_poppler
def test_every_page_is_marked_and_numbered_per_letter_with_blank_backs(tmp_path):
    run = [_letter("First Resident", paragraphs=3), _letter("Second Resident", paragraphs=14),
           _letter("Third Resident", paragraphs=1)]  # fmt: skip
    made = render(run)
    pdf = tmp_path / "bulk.pdf"
    pdf.write_bytes(made.pdf)
    pages = _text(pdf)
    assert len(pages) == made.pages
    assert [first for first, _n in made.letters] == [1, 3, 5]  # each letter on an odd page
    assert made.letters[1][1] == 2  # the second letter runs over two pages
    for n, text in enumerate(pages, start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE" and lines[-1] == "OFFICIAL-SENSITIVE", n
    assert BLANK_TEXT in pages[1]  # the first letter's back stays blank
    assert "Page 1 of 2" in pages[2] and "Page 2 of 2" in pages[3]
    assert "Page 1 of 1" in pages[0] and "Page 1 of 1" in pages[4]
    assert "Second Resident" in pages[3] and "continued" in pages[3]


@needs_poppler
def test_the_rendered_page_has_its_blocks_where_they_belong(tmp_path):
    """Rendered at 50 dpi: ink in the window and the sender's block, none in the margins,
    and a blank back that is blank but for its marking and note."""
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(render([_letter(), _letter("Another")]).pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "2", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    from PIL import Image

    front, back = (Image.open(tmp_path / f"page-{n}.pgm") for n in (1, 2))
    dots = 50 / 25.4

    def ink(img, left, top, right, bottom, level: int = 160) -> int:
        box = img.crop(tuple(round(v * dots) for v in (left, top, right, bottom)))
        return sum(1 for p in box.tobytes() if p < level)

    assert ink(front, 20, 48, 110, 83) > 50  # the window
    assert ink(front, 122, 18, 190, 40) > 50  # the sender's block
    assert ink(front, 0, 20, 15, 280) == 0  # the left margin
    assert ink(back, 0, 20, 210, 140) == 0 and ink(back, 0, 155, 210, 285) == 0
    assert ink(back, 60, 140, 150, 155, level=220) > 0  # "This page is intentionally blank."


def test_user_text_is_text_in_every_block(tmp_path):
    nasty = "<b>Bold</b> & <img src='x'/> <font size=40>big</font>"
    made = render([Letter(nasty, (nasty,), (nasty,), "07/12/2026", nasty, nasty, [nasty],
                          signed_by=nasty, signed_for=(nasty,), template=nasty)])  # fmt: skip
    from io import BytesIO

    from pypdf import PdfReader

    text = PdfReader(BytesIO(made.pdf)).pages[0].extract_text()
    assert text.count("<b>Bold</b> &") >= 6


def test_split_address():
    assert paper.split_address("12 Eden Street,  Stanwix\nCarlisle,, CA3 9LS ") == (
        "12 Eden Street", "Stanwix", "Carlisle", "CA3 9LS")  # fmt: skip
    assert paper.split_address("  ") == ()
