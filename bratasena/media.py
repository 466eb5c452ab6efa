"""Reading an uploaded file: what it is (from its bytes), whether it is whole and harmless, and
for a photo its time, its place and the two EXIF-free copies everyone but supervisors sees.

A file's media type is sniffed from its first bytes, never taken from its name or the request;
a name or a declared type that says otherwise is refused, as is anything but a JPEG, PNG, HEIC
photo or a PDF. Photos are decoded by Pillow under a pixel limit (a decompression bomb is
refused before it is decoded) and must decode to the end (a truncated photo is refused). PDFs
must end properly, open, and carry neither a password nor JavaScript. Every refusal is an
`InvalidInputError` on the field ``file``, raised before anything is stored.

The thumbnail (longest side 480 px) and the screen copy (1600 px) are encoded afresh from the
pixels, with no EXIF, so the place and the device in a photo's metadata never leave through them.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pillow_heif
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from bratasena.domain.errors import InvalidInputError
from bratasena.domain.evidence import Attachment, EvidenceKind, MediaType, Source

MAX_PIXELS = 64_000_000
"""The most pixels a photo may have (a 50-megapixel phone camera fits); beyond it, refused
before decoding."""

THUMB_PX = 480
SCREEN_PX = 1600
DERIVED_QUALITY = 82
PDF_SCAN_LIMIT = 64 * 1024 * 1024
"""The most bytes the PDF check inflates while looking for scripts in compressed streams."""

WIB = timezone(timedelta(hours=7))
"""EXIF times carry no zone unless the camera wrote one; Blora's phones are on WIB."""

_EXTENSIONS: dict[str, MediaType] = {
    ".jpg": MediaType.JPEG,
    ".jpeg": MediaType.JPEG,
    ".jfif": MediaType.JPEG,
    ".png": MediaType.PNG,
    ".heic": MediaType.HEIC,
    ".heif": MediaType.HEIC,
    ".pdf": MediaType.PDF,
}
_DECLARED: dict[str, MediaType] = {
    "image/jpeg": MediaType.JPEG,
    "image/jpg": MediaType.JPEG,
    "image/pjpeg": MediaType.JPEG,
    "image/png": MediaType.PNG,
    "image/heic": MediaType.HEIC,
    "image/heif": MediaType.HEIC,
    "application/pdf": MediaType.PDF,
}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_SCRIPT = re.compile(rb"/(?:JavaScript|JS)(?=[\s/<>\[\]()%]|$)")
_NAME_ESCAPE = re.compile(rb"#([0-9a-fA-F]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME = 306
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME_ORIGINAL = 36881


@dataclass(frozen=True)
class Inspected:
    """What an upload is, read from its bytes: the facts the log records and the copies to store."""

    media_type: MediaType
    size: int
    sha256: str
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    derived: dict[str, bytes] = field(default_factory=dict)
    """The EXIF-free copies of a photo by size: ``thumb`` and ``screen``."""


@dataclass(frozen=True)
class Upload:
    """A file as sent, with what the sender said of it (the bytes decide what it is)."""

    data: bytes
    name: str = ""
    declared: str | None = None
    """The media type the request declared; compared with the bytes, never trusted."""
    kind: str = EvidenceKind.OTHER
    caption: str = ""
    taken_at: datetime | None = None
    taken_at_source: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_source: str | None = None
    """Where the sender's coordinates came from: the phone's location (`browser`) or `typed`."""


def attachment_of(upload: Upload, found: Inspected, evidence_id: UUID) -> Attachment:
    """The attachment to record: the photo's own EXIF time and place first, else the sender's."""
    taken_at, taken_source = (
        (found.taken_at, Source.EXIF)
        if found.taken_at is not None
        else (upload.taken_at, upload.taken_at_source or Source.TYPED)
    )
    latitude: float | None = found.latitude
    longitude: float | None = found.longitude
    place_source: str = Source.EXIF
    if latitude is None:
        latitude, longitude = upload.latitude, upload.longitude
        place_source = upload.location_source or Source.TYPED
    return Attachment(
        id=evidence_id,
        kind=upload.kind,
        media_type=found.media_type,
        size=found.size,
        sha256=found.sha256,
        name=upload.name,
        caption=upload.caption,
        taken_at=taken_at,
        taken_at_source=str(taken_source) if taken_at is not None else None,
        latitude=latitude,
        longitude=longitude,
        location_source=str(place_source) if latitude is not None else None,
        derived={size: hashlib.sha256(data).hexdigest() for size, data in found.derived.items()},
    )


def _refuse(message: str, rule: str) -> InvalidInputError:
    return InvalidInputError(f"file: {message}", field="file", rule=rule)


def sniff(data: bytes) -> MediaType:
    """The media type the bytes are, by their signature; refused when none we accept."""
    if not data:
        raise _refuse("the file is empty (0 bytes)", "empty_file")
    if data.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return MediaType.HEIC
    if data.startswith(b"%PDF-"):
        return MediaType.PDF
    raise _refuse(
        "this is not a photo (JPEG, PNG, HEIC) or a PDF, whatever its name says", "unsupported_file"
    )


def claimed(name: str, declared: str | None) -> set[MediaType]:
    """The media types a file's name and its declared type claim (none when they say nothing)."""
    found = set()
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in _EXTENSIONS:
        found.add(_EXTENSIONS[suffix])
    kind = (declared or "").split(";")[0].strip().lower()
    if kind in _DECLARED:
        found.add(_DECLARED[kind])
    return found


def inspect(
    data: bytes, *, name: str = "", declared: str | None = None, max_bytes: int | None = None
) -> Inspected:
    """Read an upload: sniff, check, hash, and for a photo its EXIF facts and derived copies."""
    if max_bytes is not None and len(data) > max_bytes:
        raise _refuse(
            f"the file has {len(data):,} bytes, more than the limit of {max_bytes:,}",
            "file_too_large",
        )
    media_type = sniff(data)
    said = claimed(name, declared)
    if said and said != {media_type}:
        raise _refuse(
            f"the file is a {media_type.value} but its name or type says "
            f"{', '.join(sorted(m.value for m in said))}",
            "file_not_what_it_claims",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    if media_type is MediaType.PDF:
        check_pdf(data)
        return Inspected(media_type=media_type, size=len(data), sha256=sha256)
    return _photo(data, media_type, sha256)


def _open_image(data: bytes, media_type: MediaType) -> Image.Image:
    if media_type is MediaType.HEIC:
        pillow_heif.register_heif_opener()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("the photo has too many pixels", "too_many_pixels") from None
    except (OSError, SyntaxError, ValueError):
        raise _refuse("the photo cannot be read", "broken_file") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _refuse(
            f"the photo has {width}×{height} pixels, more than {MAX_PIXELS:,}", "too_many_pixels"
        )
    return image


def _photo(data: bytes, media_type: MediaType, sha256: str) -> Inspected:
    if not _complete(data, media_type):
        raise _refuse("the photo is cut short or damaged", "broken_file")
    image = _open_image(data, media_type)
    exif = image.getexif()
    taken_at = _taken_at(exif)
    latitude, longitude = _gps(exif)
    try:
        # A JPEG decodes straight to a smaller scale (DCT scaling) when the screen copy is
        # smaller than the photo: most of the cost of a 12-megapixel photo saved.
        image.draft("RGB", (SCREEN_PX, SCREEN_PX))
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse("the photo is damaged or cut short", "broken_file") from None
    upright = ImageOps.exif_transpose(image)
    rgb = upright.convert("RGB") if upright.mode != "RGB" else upright
    screen = rgb.copy()
    screen.thumbnail((SCREEN_PX, SCREEN_PX), Image.Resampling.BILINEAR)
    thumb = screen.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.BILINEAR)
    return Inspected(
        media_type=media_type,
        size=len(data),
        sha256=sha256,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        derived={"thumb": _jpeg(thumb), "screen": _jpeg(screen)},
    )


def _complete(data: bytes, media_type: MediaType) -> bool:
    """Whether the file's own structure runs to its end marker.

    Checked on the bytes, not left to Pillow: a library loaded beside it (WeasyPrint) turns on
    Pillow's process-wide ``LOAD_TRUNCATED_IMAGES``, which makes a cut-short photo decode as
    grey instead of failing.
    """
    if media_type is MediaType.JPEG:
        return _jpeg_complete(data)
    if media_type is MediaType.PNG:
        return _png_complete(data)
    return _boxes_complete(data)


def _jpeg_complete(data: bytes) -> bool:
    # Segments with lengths up to each scan, then entropy-coded data up to the next marker
    # (FF00 is a stuffed byte, FFD0–FFD7 restart markers); the file is whole at FFD9 (EOI).
    at, end = 2, len(data)
    while at + 2 <= end:
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        if at + 4 > end:
            return False
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        at += 2 + length
        if marker != 0xDA:
            continue
        while True:  # the scan's data
            at = data.find(b"\xff", at)
            if at < 0 or at + 1 >= end:
                return False
            following = data[at + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                at += 2
                continue
            break
    return False


def _png_complete(data: bytes) -> bool:
    at, end = 8, len(data)
    while at + 12 <= end:
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        at += 12 + length
        if kind == b"IEND":
            return at <= end
    return False


def _boxes_complete(data: bytes) -> bool:
    # HEIC is ISO base media: top-level boxes, each with its size, tile the file exactly.
    at, end = 0, len(data)
    while at + 8 <= end:
        size = int.from_bytes(data[at : at + 4], "big")
        if size == 1 and at + 16 <= end:
            size = int.from_bytes(data[at + 8 : at + 16], "big")
        elif size == 0:
            size = end - at
        if size < 8:
            return False
        at += size
    return at == end


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Encoded from pixels alone: no exif=, no icc_profile=, so no metadata is carried over.
    image.save(out, "JPEG", quality=DERIVED_QUALITY, optimize=False)
    return out.getvalue()


def _taken_at(exif: Image.Exif) -> datetime | None:
    sub = exif.get_ifd(_EXIF_IFD)
    text = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(_OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d{2}:\d{2}", offset.strip("\x00 ")):
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = (int(p) for p in offset.strip("\x00 +-").split(":"))
        return moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment.replace(tzinfo=WIB)


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(_GPS_IFD)
    try:
        latitude = _degrees(gps[2], gps.get(1, "N"), "S")
        longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    return round(latitude, 7), round(longitude, 7)


def _degrees(value: Any, ref: Any, negative: str) -> float:
    d, m, s = (float(part) for part in value)
    sign = -1 if str(ref).strip("\x00 ").upper() == negative else 1
    return sign * (d + m / 60 + s / 3600)


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is cut short, unreadable, locked, or carries JavaScript."""
    if b"%%EOF" not in data[-2048:]:
        raise _refuse("the PDF is cut short (no end-of-file marker)", "broken_file")
    if _has_script(data):
        raise _refuse("the PDF contains JavaScript", "pdf_has_script")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse("the PDF is encrypted or password-protected", "pdf_encrypted")
        if len(reader.pages) < 1:
            raise _refuse("the PDF has no pages", "broken_file")
    except InvalidInputError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError):
        raise _refuse("the PDF cannot be read", "broken_file") from None


def _has_script(data: bytes) -> bool:
    """Whether a JavaScript action is named anywhere: in the file or in its compressed streams
    (object streams hide dictionaries there), names' #xx escapes undone."""
    if _SCRIPT.search(_unescape(data)):
        return True
    budget = PDF_SCAN_LIMIT
    for match in _STREAM.finditer(data):
        inflate = zlib.decompressobj()
        try:
            chunk = inflate.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(chunk)
        if _SCRIPT.search(_unescape(chunk)):
            return True
        if budget <= 0:
            raise _refuse("the PDF's compressed streams unpack to too much", "broken_file")
    return False


def _unescape(data: bytes) -> bytes:
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
