"""Making user text safe to put in a spreadsheet cell (CSV and XLSX exports alike).

Spreadsheet programs treat a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula,
and older ones also run ``|`` (DDE) and ``%`` payloads; a leading tab or carriage return
hides such a start from a casual look. Text typed by the public ("=HYPERLINK(...)") must
never become a live formula on a partner's PC (CSV / formula injection, OWASP).

The rule, applied by :func:`safe_cell`:

* A text value whose first character is one of ``= + - @ | %``, a tab or a carriage return,
  or whose first character after any leading whitespace is one of ``= + - @ | %``, gets a
  single quote put in front of it. The full-width forms (＝ ＋ － ＠ ｜ ％), which some
  spreadsheet programs accept as formula starts, count too.
* Nothing else is changed: the value is otherwise kept exactly as typed, so the quote is the
  only difference a reader sees (``'-2``, ``'=HYPERLINK(...)``).
* Values that are not text (numbers, dates, None) are returned as they are: a real number or
  date cell cannot hold a formula.

:func:`xlsx_text` additionally removes what an XLSX file cannot hold at all (control
characters other than tab and line breaks; lone surrogates), makes every line break a line
feed (XML would turn a carriage return into one anyway), and shortens text to Excel's limit
of 32,767 characters per cell.
"""

from __future__ import annotations

import re
from typing import TypeVar

#: characters that make a spreadsheet program read a cell as a formula or a command
FORMULA_STARTS = frozenset("=+-@|%\uff1d\uff0b\uff0d\uff20\uff5c\uff05")
#: leading characters that are themselves neutralised (they can hide a formula start)
HIDING_STARTS = frozenset("\t\r")
QUOTE = "'"

#: the most characters Excel keeps in one cell
XLSX_CELL_MAX = 32_767

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

T = TypeVar("T")


def needs_quote(text: str) -> bool:
    """True if a spreadsheet program could read ``text`` as a formula or command."""
    if not text:
        return False
    if text[0] in FORMULA_STARTS or text[0] in HIDING_STARTS:
        return True
    rest = text.lstrip()
    return bool(rest) and rest[0] in FORMULA_STARTS


def safe_cell(value: T) -> T | str:
    """``value`` made safe for a spreadsheet cell: risky text gets a leading single quote.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("Bitts Park"), safe_cell(-2)
    ('Bitts Park', -2)

    Applying it twice changes nothing more than applying it once.
    """
    if isinstance(value, str) and needs_quote(value):
        return QUOTE + value
    return value


def xlsx_text(text: str) -> str:
    """``text`` as an XLSX cell can hold it: formula-safe, no control characters, not too long.

    Control characters (other than tab, newline and carriage return) and lone surrogates
    become U+FFFD, the replacement character; text over 32,767 characters is cut to fit and
    ends with an ellipsis.
    """
    safe = safe_cell(text)  # first, so that "\rx" is quoted in XLSX as it is in CSV
    # XML turns a bare carriage return into a line feed when the file is read: do it here
    safe = _NOT_IN_XML.sub("\ufffd", safe.replace("\r\n", "\n").replace("\r", "\n"))
    if len(safe) > XLSX_CELL_MAX:
        safe = safe[: XLSX_CELL_MAX - 1] + "\u2026"
    return safe
