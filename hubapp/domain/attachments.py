"""What a file handed in to a case is, and what may be done with it (no Qt, no database).

* **Kinds** of attachment (photo, letter, statement, evidence, other), as a person picks one.
* **Media types by content**, never by the file's name: a few magic bytes for most formats,
  Pillow's ``verify()`` for pictures, ``%PDF-`` for PDFs, the parts inside a ZIP for Office
  documents. A file *named* as a picture (``.jpg``, ``.png``...) that is not one is refused
  (:func:`check_claims`): the name lies, and the person should know before it is kept.
* **Location data** (EXIF GPS, XMP, IPTC) is taken out of photos as they are read
  (:func:`strip_location`): JPEG and PNG without re-encoding (the pixels are copied byte for
  byte, the metadata segments dropped, a minimal EXIF keeping only the orientation written
  in their place), TIFF and WebP re-encoded by Pillow without their metadata when they carry
  any. HEIC cannot be read here (Pillow has no HEIF decoder), so it is refused: its location
  could not be taken out.
* **Limits**: the defaults of the size limits per file and per case (the station's settings
  may change them: ``hubapp attachments-settings``).
* **Opening in another program**: never an executable or a script (:func:`may_open`).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

MB = 1024 * 1024
#: the defaults of the station's limits (local settings attachment_file_mb, attachment_case_mb)
FILE_LIMIT_MB = 25
CASE_LIMIT_MB = 250
#: the most a limit may be set to (the database holds it all)
LIMIT_MAX_MB = 2048
#: the note kept on a photo whose location data was taken out
LOCATION_REMOVED = "Location data removed from the photo."
#: the longest title (the column's size)
TITLE_MAX = 200


class Kind(StrEnum):
    PHOTO = "photo"
    LETTER = "letter"
    STATEMENT = "statement"
    EVIDENCE = "evidence"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


KINDS = tuple(k.value for k in Kind)


def parse_kind(text: str | None) -> Kind | None:
    """The kind named by ``text`` (any case, outer spaces aside), or None."""
    try:
        return Kind((text or "").strip().lower())
    except ValueError:
        return None


# --- what a file is ---------------------------------------------------------------------------

JPEG, PNG, GIF, WEBP, TIFF, BMP, HEIC = (
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp", "image/heic",
)  # fmt: skip
PDF = "application/pdf"
OCTET = "application/octet-stream"
IMAGES = frozenset({JPEG, PNG, GIF, WEBP, TIFF, BMP, HEIC})
#: the pictures whose location data is taken out (HEIC is refused: see the module notes)
PHOTOS_WITH_METADATA = frozenset({JPEG, PNG, TIFF, WEBP})
#: pictures the app shows itself (Qt reads them)
VIEWABLE_IMAGES = frozenset({JPEG, PNG, GIF, WEBP, TIFF, BMP})

#: names that say "I am a picture"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".tif",
                            ".tiff", ".bmp", ".heic", ".heif"})  # fmt: skip
#: never opened in another program, whatever their content
EXECUTABLE_SUFFIXES = frozenset({
    ".exe", ".com", ".bat", ".cmd", ".js", ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".ps1",
    ".psm1", ".msi", ".msp", ".lnk", ".scr", ".pif", ".cpl", ".hta", ".jar", ".reg", ".dll",
    ".sh", ".py", ".pyw", ".app", ".appx", ".msix", ".url", ".scf", ".inf", ".application",
    ".gadget", ".ocx", ".sys", ".vb", ".psc1", ".ws", ".msc", ".desktop", ".command", ".run",
    ".elf", ".bin", ".iso", ".img", ".vhd", ".vhdx", ".docm", ".xlsm", ".pptm", ".chm",
})  # fmt: skip
EXECUTABLE_TYPES = frozenset({"application/x-msdownload", "application/x-executable",
                              "application/x-mach-binary", "text/x-shellscript"})  # fmt: skip

_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_TEXTUAL = {".eml": "message/rfc822", ".csv": "text/csv", ".txt": "text/plain",
            ".htm": "text/html", ".html": "text/html", ".xml": "text/xml",
            ".rtf": "application/rtf"}  # fmt: skip
_NAMES = {
    JPEG: "a JPEG picture", PNG: "a PNG picture", GIF: "a GIF picture", WEBP: "a WebP picture",
    TIFF: "a TIFF picture", BMP: "a BMP picture", HEIC: "a HEIC photo", PDF: "a PDF",
}  # fmt: skip


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file show (at least 64 of them), or None when
    they say nothing (plain text, or a format not listed)."""
    h = head
    if h.startswith(b"\xff\xd8\xff"):
        return JPEG
    if h.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if h[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if h[:4] == b"RIFF" and h[8:12] == b"WEBP":
        return WEBP
    if h[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if h[:2] == b"BM" and len(h) >= 26:
        return BMP
    if h[4:8] == b"ftyp":
        brand = h[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
                     b"avif"):  # fmt: skip
            return HEIC if brand != b"avif" else "image/avif"
        if brand in (b"qt  ",):
            return "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    if h.startswith(b"%PDF-"):
        return PDF
    if h.startswith(b"PK\x03\x04"):
        return "application/zip"
    if h.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"  # .doc, .xls, .ppt, .msg: told apart by name
    if h.startswith(b"{\\rtf"):
        return "application/rtf"
    if h.startswith(b"ID3") or (len(h) > 1 and h[0] == 0xFF and h[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if h[:4] == b"RIFF" and h[8:12] == b"WAVE":
        return "audio/wav"
    if h[:4] == b"RIFF" and h[8:12] == b"AVI ":
        return "video/x-msvideo"
    if h.startswith(b"OggS"):
        return "audio/ogg"
    if h.startswith(b"fLaC"):
        return "audio/flac"
    if h.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in h[:64] else "video/x-matroska"
    if h.startswith(b"MZ"):
        return "application/x-msdownload"
    if h.startswith(b"\x7fELF"):
        return "application/x-executable"
    if h[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return "application/x-mach-binary"
    if h.startswith(b"#!"):
        return "text/x-shellscript"
    return None


_OLE_BY_NAME = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
                ".ppt": "application/vnd.ms-powerpoint", ".msg": "application/vnd.ms-outlook"}  # fmt: skip


def suffix(file_name: str) -> str:
    name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def media_type(fh: BinaryIO, file_name: str) -> str:
    """What the file open in ``fh`` (seekable, at its start; left at its start) is, by its
    content; the name only tells apart formats that share a container (an Outlook .msg from
    a Word .doc, an email from other text)."""
    head = fh.read(4096)
    fh.seek(0)
    found = sniff(head)
    ext = suffix(file_name)
    if found == "application/zip":
        try:
            with zipfile.ZipFile(fh) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        finally:
            fh.seek(0)
        if "[Content_Types].xml" in names:
            for prefix, kind in _OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return kind
        if "mimetype" in names:
            return {".odt": "application/vnd.oasis.opendocument.text",
                    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
                    ".odp": "application/vnd.oasis.opendocument.presentation"}.get(
                ext, "application/zip")  # fmt: skip
        return "application/zip"
    if found == "application/x-ole-storage":
        return _OLE_BY_NAME.get(ext, "application/x-ole-storage")
    if found is not None:
        return found
    if _looks_like_text(head):
        if ext == ".eml" or _email_head(head):
            return "message/rfc822"
        return _TEXTUAL.get(ext, "text/plain")
    return OCTET


def _email_head(head: bytes) -> bool:
    lines = head.split(b"\n", 20)
    names = {line.split(b":", 1)[0].strip().lower() for line in lines if b":" in line}
    return len(names & {b"from", b"to", b"subject", b"date", b"received", b"message-id",
                        b"mime-version"}) >= 3  # fmt: skip


def describe_type(media: str) -> str:
    return _NAMES.get(media, media)


def is_image(media: str) -> bool:
    return media in IMAGES


def default_kind(media: str) -> Kind:
    return Kind.PHOTO if media in IMAGES else Kind.OTHER


class NotWhatItSays(ValueError):
    """The content is not what the file claims to be; the message is one sentence."""


def check_claims(fh: BinaryIO, file_name: str, media: str) -> None:
    """Refuse (:class:`NotWhatItSays`) a file named as a picture that is no picture, a
    picture Pillow cannot read, a HEIC photo (its location data cannot be taken out here)
    and a picture too large to be a photo (a decompression bomb). ``fh`` is left at its
    start."""
    from PIL import Image

    name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if media == HEIC or media == "image/avif":
        raise NotWhatItSays(f"'{name}' is a HEIC photo, which hubapp cannot read to take out "
                            "its location data; save it as a JPEG and add that.")  # fmt: skip
    claims = suffix(file_name) in IMAGE_SUFFIXES
    if media not in IMAGES:
        if claims:
            raise NotWhatItSays(f"'{name}' is named as a picture but is not one; nothing was "
                                "added.")  # fmt: skip
        return
    try:
        with Image.open(fh) as im:
            if im.width * im.height > Image.MAX_IMAGE_PIXELS:
                raise NotWhatItSays(f"'{name}' is a picture of {im.width:,} x {im.height:,} "
                                    "pixels, too large to be a photo; nothing was added.")  # fmt: skip
            im.verify()
    except NotWhatItSays:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged or forged file
        raise NotWhatItSays(f"'{name}' looks like {describe_type(media)} but cannot be read as "
                            "one; it may be damaged or not a picture at all.") from None  # fmt: skip
    finally:
        fh.seek(0)


def may_open(file_name: str, media: str) -> bool:
    """Whether the file may be opened in another program: never an executable or a script,
    by its name or by its content."""
    return suffix(file_name) not in EXECUTABLE_SUFFIXES and media not in EXECUTABLE_TYPES


def needs_warning(media: str) -> bool:
    """Opening anything but a picture or a PDF in another program is warned of first."""
    return not (media in VIEWABLE_IMAGES or media == PDF)


# --- location data ---------------------------------------------------------------------------


@dataclass
class Stripped:
    """What :func:`strip_location` made of a photo: a readable stream of the content to keep,
    and (once it has been read to its end) whether location data was found and taken out."""

    source: BinaryIO
    removed: bool = False
    #: whether the content differs from the file handed in (metadata was dropped)
    changed: bool = False


class _GenReader(io.RawIOBase):
    """A read-only stream over an iterator of byte blocks (nothing held but one block)."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            try:
                self._left = next(self._blocks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def _exif_orientation_only(orientation: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def _exif_has_location(raw: bytes) -> tuple[bool, int]:
    """(GPS data present, orientation) of an EXIF block (``Exif\\0\\0`` and its TIFF data)."""
    from PIL import Image

    exif = Image.Exif()
    try:
        exif.load(raw)
        gps = exif.get_ifd(0x8825)
        orientation = exif.get(0x0112, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF: treat it as holding location data
        return True, 1
    has = bool(gps) or 0x8825 in exif
    return has, orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1


_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_BLOCK = 256 * 1024


def _jpeg(fh: BinaryIO, state: Stripped) -> Iterator[bytes]:
    """The JPEG's bytes without its APP1 (EXIF, XMP) and APP13 (IPTC) segments; an EXIF with
    only the orientation in their place. After the start of scan, copied as it is."""
    read = fh.read
    soi = read(2)
    if soi != b"\xff\xd8":
        raise NotWhatItSays("The picture's start is damaged.")
    yield soi
    orientation = 1
    wrote_exif = False
    while True:
        marker = read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            raise NotWhatItSays("The picture is damaged: a segment is cut short.")
        while marker[1] == 0xFF:  # fill bytes
            marker = marker[1:] + read(1)
        code = marker[1]
        if code in (0xD8,) or 0xD0 <= code <= 0xD7 or code == 0x01:
            yield marker
            continue
        if code == 0xD9:  # end of image before any scan
            yield marker
            return
        size_bytes = read(2)
        if len(size_bytes) < 2:
            raise NotWhatItSays("The picture is damaged: a segment is cut short.")
        (size,) = struct.unpack(">H", size_bytes)
        body = read(size - 2)
        if len(body) < size - 2:
            raise NotWhatItSays("The picture is damaged: a segment is cut short.")
        if code == 0xE1 and body.startswith(b"Exif\x00\x00"):
            has, orientation = _exif_has_location(body[6:])
            state.removed |= has
            state.changed = True
            continue
        if code == 0xE1 and (body.startswith(_XMP) or body.startswith(b"http://ns.adobe.com/xmp")):
            state.removed |= b"GPS" in body or b"Location" in body or b"City" in body
            state.changed = True
            continue
        if code == 0xED:  # Photoshop IPTC: city, sub-location, country
            state.removed |= b"8BIM" in body
            state.changed = True
            continue
        if code == 0xDA and not wrote_exif and orientation != 1:
            exif = b"Exif\x00\x00" + _exif_orientation_only(orientation)
            yield b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
            wrote_exif = True
        yield marker + size_bytes + body
        if code == 0xDA:  # start of scan: the rest is the picture itself
            while block := read(_BLOCK):
                yield block
            return


_PNG_DROP_TEXT = (b"XML:com.adobe.xmp", b"Raw profile type exif", b"Raw profile type xmp",
                  b"Raw profile type iptc", b"Raw profile type APP1")  # fmt: skip


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(fh: BinaryIO, state: Stripped) -> Iterator[bytes]:
    """The PNG's chunks without eXIf and the text chunks that carry EXIF or XMP; an eXIf with
    only the orientation in its place. Picture data is copied as it is, a chunk at a time."""
    read = fh.read
    signature = read(8)
    yield signature
    while True:
        head = read(8)
        if len(head) < 8:
            raise NotWhatItSays("The picture is damaged: a chunk is cut short.")
        size, kind = struct.unpack(">I", head[:4])[0], head[4:]
        if kind in (b"eXIf", b"tEXt", b"iTXt", b"zTXt"):
            data = read(size)
            crc = read(4)
            if len(data) < size or len(crc) < 4:
                raise NotWhatItSays("The picture is damaged: a chunk is cut short.")
            if kind == b"eXIf":
                has, orientation = _exif_has_location(b"Exif\x00\x00" + data)
                state.removed |= has
                state.changed = True
                if orientation != 1:
                    yield _png_chunk(b"eXIf", _exif_orientation_only(orientation)[:])
                continue
            keyword = data.split(b"\x00", 1)[0]
            if keyword in _PNG_DROP_TEXT:
                state.removed = True if (b"GPS" in data or kind != b"tEXt") else state.removed
                state.changed = True
                continue
            yield head + data + crc
            continue
        yield head
        left = size + 4  # the data and its CRC
        while left:
            block = read(min(left, _BLOCK))
            if not block:
                raise NotWhatItSays("The picture is damaged: a chunk is cut short.")
            left -= len(block)
            yield block
        if kind == b"IEND":
            return


def _reencoded(fh: BinaryIO, media: str, state: Stripped) -> BinaryIO:
    """TIFF and WebP: re-encoded without their metadata when they carry any (orientation
    applied to the pixels); else the file as it is."""
    from PIL import Image, ImageOps

    with Image.open(fh) as im:
        if media == TIFF:
            tags = getattr(im, "tag_v2", {})
            has_meta = any(t in tags for t in (34853, 700, 33723, 34377))  # GPS, XMP, IPTC, PS
            has_gps = 34853 in tags
        else:
            exif = im.info.get("exif") or b""
            has_gps = (
                bool(exif)
                and _exif_has_location(
                    exif if exif.startswith(b"Exif") else b"Exif\x00\x00" + exif
                )[0]
            )
            xmp = im.info.get("xmp") or b""
            has_gps = has_gps or (b"GPS" in (xmp if isinstance(xmp, bytes) else xmp.encode()))
            has_meta = bool(exif or xmp)
        if not has_meta:
            fh.seek(0)
            return fh
        state.removed = has_gps or media == TIFF and 34853 in getattr(im, "tag_v2", {})
        state.changed = True
        frames = getattr(im, "n_frames", 1)
        out = io.BytesIO()
        if frames > 1:
            im.save(out, "TIFF" if media == TIFF else "WEBP", save_all=True,
                    **({"compression": "tiff_deflate"} if media == TIFF else {"lossless": True}))  # fmt: skip
        else:
            pic = ImageOps.exif_transpose(im)
            if media == TIFF:
                pic.save(out, "TIFF", compression="tiff_deflate")
            else:
                lossless = im.info.get("lossless", False) or getattr(im, "mode", "") in ("RGBA",)
                pic.save(out, "WEBP", lossless=bool(lossless), quality=95, method=4)
    out.seek(0)
    return out


def strip_location(fh: BinaryIO, media: str) -> Stripped:
    """The content to keep of a file open in ``fh`` (at its start): for a JPEG, PNG, TIFF or
    WebP photo, without its location data (see the module notes); anything else as it is.
    JPEG and PNG are streamed (read as the result is read); ``removed`` is known once the
    result has been read to its end."""
    state = Stripped(fh)
    if media == JPEG:
        state.source = io.BufferedReader(_GenReader(_jpeg(fh, state)), _BLOCK)
    elif media == PNG:
        state.source = io.BufferedReader(_GenReader(_png(fh, state)), _BLOCK)
    elif media in (TIFF, WEBP):
        state.source = _reencoded(fh, media, state)
    return state


# --- thumbnails ------------------------------------------------------------------------------

THUMB_SIZE = 160


def thumbnail_png(data: bytes | BinaryIO, size: int = THUMB_SIZE) -> tuple[bytes, int, int]:
    """A small PNG of a picture (orientation applied): (png bytes, width, height). A JPEG is
    decoded at a reduced scale, so a 20 MB photo takes a fraction of its full decode."""
    from PIL import Image, ImageOps

    src = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    with Image.open(src) as im:
        if im.format == "JPEG":
            im.draft("RGB", (size * 2, size * 2))
        pic = ImageOps.exif_transpose(im)
        pic.thumbnail((size, size))
        if pic.mode not in ("RGB", "RGBA", "L", "LA"):
            pic = pic.convert("RGBA")
        out = io.BytesIO()
        pic.save(out, "PNG", optimize=False)
        return out.getvalue(), pic.width, pic.height
