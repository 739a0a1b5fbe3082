"""Checks shared by the accessibility tests (issue 19): the accessible names of controls,
the Tab order against the reading order on screen, and the WCAG contrast ratio."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAccessible, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QWidget,
)

Role = QAccessible.Role

#: roles a person acts on: each needs a name a screen reader can say
INTERACTIVE = {
    Role.PushButton, Role.CheckBox, Role.RadioButton, Role.ComboBox, Role.EditableText,
    Role.SpinBox, Role.Slider, Role.Dial, Role.PageTab, Role.ButtonMenu, Role.ButtonDropDown,
    Role.ButtonDropGrid, Role.Table, Role.List, Role.Tree, Role.TreeItem, Role.Link,
    Role.HotkeyField, Role.PageTabList,
}  # fmt: skip


def _describe(iface) -> str:
    obj = iface.object()
    name = type(obj).__name__
    if isinstance(obj, QWidget):
        parent = obj.parentWidget()
        where = []
        while parent is not None and len(where) < 3:
            if parent.objectName():
                where.append(parent.objectName())
            parent = parent.parentWidget()
        name += f" {obj.objectName()!r}" + (f" in {'/'.join(where)}" if where else "")
        if hasattr(obj, "text") and callable(obj.text):
            try:
                name += f" text={obj.text()!r}"
            except TypeError:
                pass
    return f"{name} ({iface.role().name})"


def unnamed(root: QWidget) -> list[str]:
    """Every control under ``root`` that takes focus or input and has no accessible name
    (hidden ones too: a page of a tab or a button shown later is read out as well)."""
    found = []

    def walk(iface) -> None:
        if iface is None or not iface.isValid():
            return
        obj = iface.object()
        if isinstance(obj, QLabel):
            return  # a label's name is its text; an empty one has nothing to read
        if isinstance(obj, QAbstractItemView) and isinstance(
            obj.parentWidget() and obj.parentWidget().parentWidget(), QComboBox
        ):
            return  # a combo box's list: read out as the combo box's items
        state = iface.state()
        if (iface.role() in INTERACTIVE or state.focusable) and not iface.text(
            QAccessible.Text.Name
        ).strip():
            found.append(_describe(iface))
        if isinstance(obj, QAbstractItemView):
            return  # the cells are named by their data and headers
        for i in range(iface.childCount()):
            walk(iface.child(i))

    walk(QAccessible.queryAccessibleInterface(root))
    return found


# --- Tab order ---------------------------------------------------------------------------


def tab_walk(qtbot, start: QWidget, limit: int = 200) -> list[QWidget]:
    """The widgets Tab goes to from ``start`` (which is first), round to ``start``."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=2000)
    walked = [start]
    stayed = 0
    for _ in range(limit):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        if now is walked[-1] and stayed < 8:
            stayed += 1  # Tab goes through a date's day, month and year before it moves on
            continue
        stayed = 0
        if now is start or now is None or now in walked:
            break
        walked.append(now)
    # Tab scrolled the page to each control in turn: back to the top, so that the places
    # read next are the page's own (a scrolled page puts its first fields under what sits
    # above it)
    window = start.window()
    for area in window.findChildren(QAbstractScrollArea):
        for bar in (area.verticalScrollBar(), area.horizontalScrollBar()):
            bar.setValue(bar.minimum())  # moves the contents at once
    return walked


def rect_in(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def tab_stops(window: QWidget) -> list[QWidget]:
    """The widgets under ``window`` a person can reach with Tab, as shown now (scrolled out
    of sight too: Tab scrolls to them)."""
    out = []
    for w in window.findChildren(QWidget):
        if (w.isVisibleTo(window) and w.isEnabled() and w.window() is window
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                and w.focusProxy() is None and not w.size().isEmpty()):  # fmt: skip
            out.append(w)
    return out


def scroll_area_of(widget: QWidget, window: QWidget) -> QAbstractScrollArea | None:
    """The outermost scrolled area (not an item view: its cells are its own) ``widget`` is
    inside, below ``window``."""
    found = None
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QAbstractItemView):
            found = parent
        parent = parent.parentWidget()
    return found


def order_problems(walked: list[QWidget], window: QWidget, *, columns: bool = False,
                   name=None) -> list[str]:  # fmt: skip
    """Where Tab goes against the reading order of the screen: back up the window, or
    back left within a row. With ``columns``, a move up to the top of a column to the
    right (a form read column by column) is reading order too, but only once the column
    it leaves has no field below left for Tab."""
    name = name or (lambda w: f"{type(w).__name__} {w.objectName()!r} "
                    f"{getattr(w, 'text', lambda: '')() if hasattr(w, 'text') else ''!r}")  # fmt: skip
    problems = []
    rects = [rect_in(w, window) for w in walked]
    areas = [scroll_area_of(w, window) for w in walked]
    slack = 4
    for i in range(len(walked) - 1):
        a, b = rects[i], rects[i + 1]
        if areas[i] is not areas[i + 1]:
            # into or out of a scrolled area: the area is one block of the window's reading
            # order (what it holds below its visible part lies under the area, not under
            # the controls below it)
            if areas[i] is not None:
                a = rect_in(areas[i], window)
            if areas[i + 1] is not None:
                b = rect_in(areas[i + 1], window)
        same_row = b.top() < a.bottom() - slack and a.top() < b.bottom() - slack
        if same_row:
            if b.left() + slack < a.left():
                problems.append(
                    f"Tab from {name(walked[i])} goes back left to {name(walked[i + 1])}"
                )
        elif b.top() + slack < a.top():  # up the window
            if columns and b.left() >= a.right() - slack:
                continue
            problems.append(f"Tab from {name(walked[i])} goes back up to {name(walked[i + 1])}")
    return problems


def column_problems(walked: list[QWidget], window: QWidget, name=None) -> list[str]:
    """On a form read column by column: where a field has one right below it in its column
    (same left edge and width, same parent), Tab goes there next, before going across (or
    to a field on a row between them)."""
    name = name or (lambda w: f"{type(w).__name__} {w.objectName()!r}")
    problems = []

    def under(a):
        column = [c for c in walked if c.parentWidget() is a.parentWidget()
                  and rect_in(c, window).left() == rect_in(a, window).left()
                  and c.width() == a.width()
                  and rect_in(c, window).top() > rect_in(a, window).top()]  # fmt: skip
        return min(column, key=lambda c: rect_in(c, window).top(), default=None)

    for a, b in zip(walked, walked[1:], strict=False):
        below = under(a)
        between = (below is not None and rect_in(a, window).top() < rect_in(b, window).top()
                   < rect_in(below, window).top())  # a narrower field on a row between  # fmt: skip
        if below is not None and b is not below and not between:
            problems.append(f"Tab from {name(a)} went to {name(b)}, not {name(below)}")
    return problems


# --- contrast ----------------------------------------------------------------------------


def luminance(colour) -> float:
    c = QColor(colour)

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(fg, bg) -> float:
    """The WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
