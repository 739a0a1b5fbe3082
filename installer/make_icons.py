"""Render resources/icons/hubapp.svg to hubapp.png (256 px), a multi-size hubapp.ico and the
installer's side picture installer/wizard.bmp.

Run from anywhere, with the project's environment (it needs PySide6 only):

    python installer/make_icons.py

Each size in the .ico is rendered from the SVG at that size (not scaled down from 256 px), so
the small sizes stay sharp. The 256 px image is stored as PNG, the others as 32-bit bitmaps
with an alpha channel, which is what Windows Explorer, the resource compiler and NSIS all
read. The output depends only on the SVG and the Qt version, so the files are committed and
this script is run again only when the SVG changes.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICON_DIR / "hubapp.svg"
PNG = ICON_DIR / "hubapp.png"
ICO = ICON_DIR / "hubapp.ico"
WIZARD = Path(__file__).resolve().parent / "wizard.bmp"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_SIZE = 256
WIZARD_SIZE = (164, 314)  # the Modern UI welcome and finish pages' picture


def render(svg: Path, size: int):
    """The SVG drawn on a transparent size x size QImage (straight, not premultiplied, ARGB)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit("Qt could not encode a PNG image")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image) -> bytes:
    """A 32-bit BMP image as an .ico entry holds it: header, colour rows, AND mask."""
    size = image.width()
    stride = image.bytesPerLine()
    bits = bytes(image.constBits())
    # Format_ARGB32 is 0xAARRGGBB per pixel, i.e. B, G, R, A in memory on little-endian
    # machines, which is the byte order a DIB wants. Rows are stored bottom-up.
    if sys.byteorder != "little":
        raise SystemExit("make_icons.py assumes a little-endian machine")
    rows = [bits[y * stride : y * stride + size * 4] for y in range(size)]
    colour = b"".join(reversed(rows))
    mask_stride = ((size + 31) // 32) * 4
    mask_rows = []
    for row in reversed(rows):
        line = bytearray(mask_stride)
        for x in range(size):
            if row[x * 4 + 3] == 0:  # fully transparent: set the AND bit
                line[x // 8] |= 0x80 >> (x % 8)
        mask_rows.append(bytes(line))
    mask = b"".join(mask_rows)
    header = struct.pack(
        "<IiiHHIIiiII",
        40,  # biSize
        size,  # biWidth
        size * 2,  # biHeight: colour rows plus mask rows
        1,  # biPlanes
        32,  # biBitCount
        0,  # biCompression: BI_RGB
        len(colour) + len(mask),  # biSizeImage
        0,
        0,
        0,
        0,
    )
    return header + colour + mask


def ico_bytes(images: dict[int, object]) -> bytes:
    entries = []
    for size in sorted(images):
        image = images[size]
        data = png_bytes(image) if size >= 256 else dib_bytes(image)
        entries.append((size, data))
    header = struct.pack("<HHH", 0, 1, len(entries))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(entries)
    directory = b""
    payload = b""
    for size, data in entries:
        dim = 0 if size >= 256 else size  # 0 means 256 in an icon directory
        directory += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + directory + payload


def wizard_bitmap(svg: Path):
    """The icon on the icon's own blue, as a 24-bit image (what NSIS reads)."""
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
    from PySide6.QtSvg import QSvgRenderer

    width, height = WIZARD_SIZE
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, height))
    gradient.setColorAt(0, QColor("#1d5bb8"))
    gradient.setColorAt(1, QColor("#0a2d6b"))
    painter.fillRect(0, 0, width, height, gradient)
    size = 112
    QSvgRenderer(str(svg)).render(painter, QRectF((width - size) / 2, 40, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_RGB888)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])  # QtSvg needs a GUI application
    images = {size: render(SVG, size) for size in ICO_SIZES}
    PNG.write_bytes(png_bytes(images.get(PNG_SIZE) or render(SVG, PNG_SIZE)))
    ICO.write_bytes(ico_bytes(images))
    if not wizard_bitmap(SVG).save(str(WIZARD), "BMP"):
        raise SystemExit(f"Qt could not write {WIZARD}")
    del app
    for out in (PNG, ICO, WIZARD):
        print(f"wrote {out.relative_to(ICON_DIR.parent.parent)} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
