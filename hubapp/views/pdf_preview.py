"""Showing and printing a PDF made by :mod:`hubapp.documents`, without QtPdf.

PySide6-Essentials carries no PDF renderer, so pages are rasterised with PDFium
(``pypdfium2``, Apache/BSD licensed, a few MB). PDFium is not thread-safe: every call goes
through one lock, so the preview's background rendering and a print job never overlap.

* :class:`PdfPages`: the pages of one PDF as ``QImage`` at any resolution (any thread).
* :class:`PdfPreview`: a scrolling strip of pages, rendered in the background as they come
  into view (a 100-page pack never holds 100 page images).
* :func:`print_pages`: background work that paints each page at the printer's resolution.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QScrollArea, QWidget

from hubapp.models.tasks import Cancelled, Task

log = logging.getLogger(__name__)

_PDFIUM = threading.Lock()
#: page images kept by the preview; the rest are rendered again when scrolled back to
CACHE_PAGES = 16
PAGE_GAP = 16
#: never rasterise finer than this for a printer (a 1200 dpi driver gets 300 dpi images)
PRINT_DPI_MAX = 300


#: "Page 3…" on a white page not drawn yet (4.5:1 and more on white)
PLACEHOLDER_TEXT = "#5c6470"


def tr(text: str) -> str:
    return QCoreApplication.translate("PdfPreview", text)


class PdfPages:
    """One PDF's pages (``pdf`` as bytes). ``image(i, dpi)`` may be called from any thread."""

    def __init__(self, pdf: bytes) -> None:
        import pypdfium2 as pdfium

        with _PDFIUM:
            self._doc = pdfium.PdfDocument(pdf)
            self.sizes = []  # in points
            for i in range(len(self._doc)):
                page = self._doc[i]
                self.sizes.append(tuple(page.get_size()))
                page.close()

    def __len__(self) -> int:
        return len(self.sizes)

    def image(self, index: int, dpi: float) -> QImage:
        with _PDFIUM:
            page = self._doc[index]
            try:
                bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True, prefer_bgrx=True)
                image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height,
                               bitmap.stride, QImage.Format.Format_RGBX8888).copy()  # fmt: skip
                bitmap.close()
            finally:
                page.close()
        image.setDotsPerMeterX(round(dpi / 0.0254))
        image.setDotsPerMeterY(round(dpi / 0.0254))
        return image

    def close(self) -> None:
        with _PDFIUM:
            self._doc.close()


def render_job(ctx, pages: PdfPages, indexes: list[int], dpi: float) -> list[tuple[int, QImage]]:
    """Background work for the preview: the wanted pages' images."""
    out = []
    for i in indexes:
        if ctx.cancelled:
            raise Cancelled
        out.append((i, pages.image(i, dpi)))
    return out


def print_pages(ctx, pages: PdfPages, printer) -> int:
    """Background work: paint the pages (the printer's page range, if one was chosen) on
    ``printer`` at its resolution; return how many were sent. Cancelling aborts the job."""
    from PySide6.QtPrintSupport import QPrinter

    first, last = 1, len(pages)
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first, last = max(1, printer.fromPage()), min(len(pages), printer.toPage() or last)
    wanted = list(range(first - 1, last))
    dpi = min(printer.resolution(), PRINT_DPI_MAX)
    printer.setFullPage(True)  # the PDF has its own margins
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started; check that it is on and connected.")
    try:
        for n, index in enumerate(wanted):
            if not ctx.report(n / max(len(wanted), 1), tr("Printing page {0} of {1}")
                              .format(n + 1, len(wanted))):  # fmt: skip
                printer.abort()
                raise Cancelled
            if n:
                printer.newPage()
            image = pages.image(index, dpi)
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(area.x() + (area.width() - size.width()) // 2,
                           area.y() + (area.height() - size.height()) // 2,
                           size.width(), size.height())  # fmt: skip
            painter.drawImage(target, image)
    finally:
        if painter.isActive():
            painter.end()
    ctx.report(1.0, tr("Sent to the printer"))
    return len(wanted)


class _PageStrip(QWidget):
    """The pages one under another, each drawn from the cache or as a blank sheet."""

    def __init__(self, preview: PdfPreview) -> None:
        super().__init__(preview)
        self._preview = preview
        self.setAutoFillBackground(False)

    def paintEvent(self, _event) -> None:
        self._preview._paint(self)


class PdfPreview(QScrollArea):
    """A PDF's pages, fitted to the width (at most ``max_width`` pixels)."""

    def __init__(self, parent=None, max_width: int = 900) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setStyleSheet("QScrollArea { background:#6f747a; }")
        self.viewport().setStyleSheet("background:#6f747a;")
        self.max_width = max_width
        self.pages: PdfPages | None = None
        self._strip = _PageStrip(self)
        self.setWidget(self._strip)
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._width = 0
        self._task: Task | None = None
        self._timer = QTimer(self, singleShot=True, interval=30)
        self._timer.timeout.connect(self._render_visible)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._timer.start())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def set_pdf(self, pdf: bytes) -> None:
        if self.pages is not None:
            self.pages.close()
        self.pages = PdfPages(pdf)
        self._cache.clear()
        self._relayout()
        self.verticalScrollBar().setValue(0)
        self._timer.start()

    # -- geometry --------------------------------------------------------------------------
    def _page_rects(self) -> list[QRect]:
        if not self.pages:
            return []
        rects, y = [], PAGE_GAP
        for w, h in self.pages.sizes:
            height = round(self._width * h / w)
            x = (self._strip.width() - self._width) // 2
            rects.append(QRect(x, y, self._width, height))
            y += height + PAGE_GAP
        return rects

    def _relayout(self) -> None:
        available = self.viewport().width() - 2 * PAGE_GAP
        width = max(200, min(self.max_width, available))
        if width != self._width:
            self._width = width
            self._cache.clear()
        rects = self._page_rects() if self.pages else []
        height = rects[-1].bottom() + PAGE_GAP if rects else 0
        self._strip.resize(QSize(max(self.viewport().width(), width + 2 * PAGE_GAP), height))
        self._strip.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.pages is not None:
            self._relayout()
            self._timer.start()

    def visible_pages(self) -> list[int]:
        top = self.verticalScrollBar().value()
        view = QRect(0, top, self._strip.width(), self.viewport().height())
        return [i for i, r in enumerate(self._page_rects()) if r.intersects(view)]

    def scroll_to_page(self, index: int) -> None:
        rects = self._page_rects()
        if 0 <= index < len(rects):
            self.verticalScrollBar().setValue(rects[index].top() - PAGE_GAP)

    def current_page(self) -> int:
        visible = self.visible_pages()
        return visible[0] if visible else 0

    # -- rendering -----------------------------------------------------------------------
    def _dpi(self) -> float:
        w_points = self.pages.sizes[0][0] if self.pages else 595
        return self._width * 72.0 / w_points * self.devicePixelRatioF()

    def _render_visible(self) -> None:
        if self.pages is None or self._task is not None:
            return
        wanted = [i for i in self.visible_pages() if i not in self._cache]
        if not wanted:
            return
        width = self._width
        task = Task(render_job, self.pages, wanted, self._dpi())
        task.succeeded.connect(lambda images: self._rendered(images, width))
        task.failed.connect(lambda exc: log.warning("Preview failed: %s", exc))
        task.finished.connect(self._render_finished)
        self._task = task.start()

    def _rendered(self, images, width: int) -> None:
        if width != self._width:
            return  # resized meanwhile; the next round renders at the new size
        for index, image in images:
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.devicePixelRatioF())
            self._cache[index] = pixmap
            self._cache.move_to_end(index)
        while len(self._cache) > CACHE_PAGES:
            self._cache.popitem(last=False)
        self._strip.update()

    def _render_finished(self) -> None:
        self._task = None
        if any(i not in self._cache for i in self.visible_pages()):
            self._timer.start()

    @property
    def busy(self) -> bool:
        return self._task is not None

    def rendered_pages(self) -> list[int]:
        return sorted(self._cache)

    def _paint(self, strip: QWidget) -> None:
        painter = QPainter(strip)
        painter.fillRect(strip.rect(), QColor("#6f747a"))
        visible = strip.visibleRegion().boundingRect()
        for i, rect in enumerate(self._page_rects()):
            if not rect.intersects(visible):
                continue
            painter.fillRect(rect.translated(3, 3), QColor(0, 0, 0, 70))
            pixmap = self._cache.get(i)
            if pixmap is not None:
                painter.drawPixmap(rect, pixmap)
            else:
                painter.fillRect(rect, Qt.GlobalColor.white)
                painter.setPen(QColor(PLACEHOLDER_TEXT))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                                 tr("Page {0}…").format(i + 1))  # fmt: skip
        painter.end()

    def release(self) -> None:
        """Let go of the PDF (once any page being rendered is done)."""
        pages, self.pages = self.pages, None
        self._cache.clear()
        if pages is None:
            return
        if self._task is not None:
            self._task.cancel()
            self._task.finished.connect(pages.close)
        else:
            pages.close()
