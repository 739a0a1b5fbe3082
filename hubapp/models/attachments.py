"""The files of a case as a list for a thumbnail grid (QtCore and QtGui's images only).

One row per file (``hubapp.store.casework.attachments.AttachmentLine``, newest first): its
title as the text, its thumbnail (or a plain tile saying what it is) as the decoration, the
details as a tooltip and for screen readers; :data:`LineRole` gives the line itself. The
thumbnails' PNGs are decoded when a row is first painted, not when the list is filled, so
a case of 200 files opens at once.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QAbstractListModel, QCoreApplication, QModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap

from hubapp.domain.formatting import format_datetime

LineRole = Qt.ItemDataRole.UserRole + 1
#: the tiles' size (the thumbnails are made at most this big)
TILE = QSize(160, 160)


def tr(text: str) -> str:
    return QCoreApplication.translate("Attachments", text)


def size_text(n: int) -> str:
    if n < 1024:
        return tr("{0} bytes").format(n)
    if n < 1024 * 1024:
        return tr("{0} KB").format(f"{n / 1024:,.0f}")
    return tr("{0} MB").format(f"{n / 1024 / 1024:,.1f}")


def _label_of(media: str, file_name: str) -> str:
    if media == "application/pdf":
        return "PDF"
    ext = file_name.rsplit(".", 1)[-1].upper() if "." in file_name else ""
    return ext[:5] or media.split("/")[-1][:5].upper()


def details(line) -> str:
    """The file's details in words (its tooltip, and what a screen reader says)."""
    parts = [line.title, f"{line.file_name} · {line.kind_label} · {size_text(line.size)}",
             tr("Added {0} by {1}").format(format_datetime(line.added_at),
                                           line.added_by or tr("someone"))]  # fmt: skip
    if line.agency:
        parts[-1] += f" ({line.agency})"
    if line.note:
        parts.append(line.note)
    if not line.complete:
        parts.append(tr("Not all of it has reached this station yet."))
    return "\n".join(parts)


class AttachmentListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lines: list = []
        self._thumbs: dict[uuid.UUID, bytes] = {}
        self._images: dict[uuid.UUID, QImage] = {}
        self._tiles: dict[str, QImage] = {}

    # -- filling ---------------------------------------------------------------------------
    def set_lines(self, lines: list) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self._thumbs = {li.id: li.thumb for li in self._lines if li.thumb}
        self._images = {}
        self.endResetModel()

    def set_thumbnails(self, thumbs: dict) -> None:
        """New thumbnails by attachment id (made in the background)."""
        for row, li in enumerate(self._lines):
            png = thumbs.get(li.id)
            if png:
                self._thumbs[li.id] = png
                self._images.pop(li.id, None)
                ix = self.index(row, 0)
                self.dataChanged.emit(ix, ix, [Qt.ItemDataRole.DecorationRole])

    def line(self, row: int):
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def row_of(self, attachment_id: uuid.UUID) -> int:
        for row, li in enumerate(self._lines):
            if li.id == attachment_id:
                return row
        return -1

    def lines(self) -> list:
        return list(self._lines)

    # -- the model -------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._lines)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        li = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return li.title
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return details(li)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{li.title}, {li.kind_label}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._image(li)
        if role == LineRole:
            return li
        return None

    def _image(self, li) -> QImage:
        image = self._images.get(li.id)
        if image is not None:
            return image
        png = self._thumbs.get(li.id)
        if png:
            image = QImage.fromData(png, "PNG")
            if not image.isNull():
                self._images[li.id] = image
                return image
        return self._tile(_label_of(li.media_type, li.file_name))

    def _tile(self, label: str) -> QImage:
        """A plain tile saying what the file is (PDF, DOCX, MP4...)."""
        tile = self._tiles.get(label)
        if tile is None:
            tile = QImage(96, 120, QImage.Format.Format_ARGB32_Premultiplied)
            tile.fill(QColor("#eef1f5"))
            p = QPainter(tile)
            p.setPen(QColor("#5c6470"))
            p.drawRect(0, 0, 95, 119)
            font = QFont()
            font.setPointSize(13)
            font.setBold(True)
            p.setFont(font)
            p.setPen(QColor("#1f2933"))
            p.drawText(tile.rect(), Qt.AlignmentFlag.AlignCenter, label)
            p.end()
            self._tiles[label] = tile
        return tile

    def pixmap(self, row: int) -> QPixmap:
        li = self.line(row)
        return QPixmap.fromImage(self._image(li)) if li is not None else QPixmap()
