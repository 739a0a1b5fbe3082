"""The meeting pack's charts, drawn with reportlab's own graphics (vector, no images)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from hubapp.documents.layout import (
    FONT,
    FRAME_WIDTH,
    MUTED,
    NAVY,
    RULE,
    printable,
    register_fonts,
)

OPENED = colors.HexColor("#3B6EA5")
CLOSED = colors.HexColor("#9DB7D5")
OVERDUE = colors.HexColor("#B3261E")
#: a bar's label is cut after this many characters (there is no room to wrap it)
LABEL_MAX = 40
#: at most this many bars in a chart (the largest)
BARS_MAX = 14


def _step(top: int) -> int:
    """A tidy axis step for values up to ``top``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 6:
            return step
    return max(1, top // 5)


def _drawing(width: float, height: float) -> Drawing:
    d = Drawing(width, height)
    d.initialFontName = FONT  # the renderer's starting font: the embedded one, not Helvetica
    return d


def _ceiling(top: int, step: int) -> int:
    """The axis maximum: the first whole step at or above ``top`` (never cutting a bar)."""
    return max(step, -(-top // step) * step)


def _empty(width: float, height: float, message: str) -> Drawing:
    d = _drawing(width, height)
    d.add(String(width / 2, height / 2, printable(message), fontName=FONT, fontSize=9,
                 fillColor=MUTED, textAnchor="middle"))  # fmt: skip
    return d


def horizontal_bars(
    items: Sequence[tuple[str, int]], colour=NAVY, width: float = FRAME_WIDTH,
    empty: str = "Nothing to show.",
) -> Drawing:  # fmt: skip
    """One bar per item, largest at the top, with its value at the end of the bar."""
    register_fonts()
    if not items:
        return _empty(width, 40, empty)
    items = list(items)[:BARS_MAX]
    bar = 14
    height = len(items) * bar + 28
    d = _drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 185, 18
    chart.width, chart.height = width - 185 - 30, height - 24
    chart.data = [[n for _, n in reversed(items)]]
    chart.categoryAxis.categoryNames = [_short(name) for name, _ in reversed(items)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = RULE
    chart.categoryAxis.tickLeft = 0
    _count_axis(chart.valueAxis, max(n for _, n in items))
    chart.bars[0].fillColor = colour
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barWidth = 9
    d.add(chart)
    return d


def _count_axis(axis, top: int) -> None:
    """A value axis counting from 0 to a round number at or above ``top``, lightly ruled."""
    axis.valueMin = 0
    axis.valueStep = _step(top)
    axis.valueMax = _ceiling(top, axis.valueStep)
    axis.labels.fontName = FONT
    axis.labels.fontSize = 7
    axis.labels.fillColor = MUTED
    axis.strokeColor = RULE
    axis.visibleGrid = True
    axis.gridStrokeColor = colors.HexColor("#EEF1F4")


def opened_closed(months: Sequence[str], opened: Sequence[int], closed: Sequence[int],
                  width: float = FRAME_WIDTH) -> Drawing:  # fmt: skip
    """Cases opened and closed per month, side by side, with a legend."""
    register_fonts()
    height = 150
    d = _drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 30
    chart.width, chart.height = width - 36 - 10, height - 62
    chart.data = [list(opened), list(closed)]
    chart.categoryAxis.categoryNames = [printable(m) for m in months]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fillColor = MUTED
    chart.categoryAxis.strokeColor = RULE
    _count_axis(chart.valueAxis, max([*opened, *closed, 1]))
    chart.bars[0].fillColor = OPENED
    chart.bars[1].fillColor = CLOSED
    chart.bars.strokeColor = None
    chart.groupSpacing = 6
    chart.barSpacing = 1
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 150, height - 8
    legend.fontName = FONT
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 70
    legend.dxTextSpace = 4
    legend.boxAnchor = "nw"
    legend.colorNamePairs = [(OPENED, "Opened"), (CLOSED, "Closed")]
    d.add(legend)
    return d


def _short(text: str) -> str:
    text = printable(text)
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "\u2026"


def shortened_labels(items: Sequence[tuple[str, int]]) -> list[str]:
    """The labels of :func:`horizontal_bars` that it prints cut: the document names them in
    full under the chart, so that no name is printed only in part without saying so."""
    return [name for name, _ in list(items)[:BARS_MAX] if len(printable(name)) > LABEL_MAX]
