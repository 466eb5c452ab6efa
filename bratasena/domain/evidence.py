"""Evidence of a case: photos and documents attached to a complaint, as facts the log keeps.

The bytes live in a blob store outside the event log (`bratasena.blobs`); the log keeps what an
auditor needs to know that a file is the one attached: its SHA-256, its media type as sniffed from
the bytes, its size, when and where it was taken (and where that came from), and who attached it.
A swapped file no longer matches the hash in `EvidenceAttached`, which the audit chain covers.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bratasena.domain.errors import InvalidInputError

CAPTION_MAX_CHARS = 200
NAME_MAX_CHARS = 120
EVIDENCE_PER_CASE = 30
"""The default limit of attachments on one case (`BRATASENA_EVIDENCE_PER_CASE`)."""


class EvidenceKind(StrEnum):
    """What an attachment shows."""

    HOUSE_FRONT = "house_front"
    HOUSE_INSIDE = "house_inside"
    VEHICLE = "vehicle"
    DOCUMENT = "document"
    OTHER = "other"


class EvidenceStage(StrEnum):
    """When in the case an attachment came in, and so who brought it."""

    FILING = "filing"
    """The complainant's own, with the complaint: only supervisors and auditors see it."""
    FIELD_CHECK = "field_check"
    """The assigned officer's or facilitator's, from the household visit."""
    RESPONSE = "response"
    """The household's documents answering the notice, recorded by an officer."""
    APPEAL = "appeal"
    """The household's documents with its objection, recorded by an officer."""


class Source(StrEnum):
    """Where a photo's time or place came from."""

    EXIF = "exif"
    """The photo's own metadata."""
    BROWSER = "browser"
    """The phone's location, read by the field-check form when the photo was sent."""
    TYPED = "typed"
    """Typed in by hand."""


class MediaType(StrEnum):
    """The media types accepted, as sniffed from the bytes (never from a name or a header)."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    HEIC = "image/heic"
    PDF = "application/pdf"

    @property
    def is_photo(self) -> bool:
        """Photos get a thumbnail and a screen-size copy; documents are served as they are."""
        return self is not MediaType.PDF


@dataclass(frozen=True)
class Attachment:
    """One attachment as it will be recorded: the bytes' facts, never the bytes."""

    id: UUID
    kind: str
    media_type: str
    size: int
    sha256: str
    name: str
    caption: str = ""
    taken_at: datetime | None = None
    taken_at_source: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_source: str | None = None
    derived: dict[str, str] = field(default_factory=dict)
    """The SHA-256 of each derived image by size (``thumb``, ``screen``); none for a PDF."""


@dataclass(frozen=True)
class Evidence:
    """An attachment of a case as it stands: who attached it, when, at which stage, withdrawn?"""

    attachment: Attachment
    stage: EvidenceStage
    attached_by: str
    attached_at: datetime
    withdrawn_reason: str | None = None

    @property
    def id(self) -> UUID:
        """The attachment's id."""
        return self.attachment.id

    @property
    def withdrawn(self) -> bool:
        """Withdrawn attachments stay on record; their bytes stay until retention removes them."""
        return self.withdrawn_reason is not None


def clean_attachment(attachment: Attachment) -> Attachment:
    """The attachment with its words trimmed, or an error naming the field that is wrong."""
    if attachment.kind not in tuple(EvidenceKind):
        raise InvalidInputError(
            f"kind: unknown kind {attachment.kind!r}; use one of {', '.join(EvidenceKind)}",
            field="kind",
        )
    if attachment.media_type not in tuple(MediaType):
        raise InvalidInputError(
            f"file: {attachment.media_type!r} is not a photo (JPEG, PNG, HEIC) or a PDF",
            field="file",
            rule="unsupported_file",
        )
    if attachment.size <= 0:
        raise InvalidInputError("file: the file is empty", field="file", rule="empty_file")
    caption = " ".join((attachment.caption or "").split())
    if len(caption) > CAPTION_MAX_CHARS:
        raise InvalidInputError(
            f"caption: at most {CAPTION_MAX_CHARS} characters (this has {len(caption)})",
            field="caption",
        )
    name = check_file_name(attachment.name)
    if attachment.taken_at is not None and attachment.taken_at_source not in tuple(Source):
        raise InvalidInputError(
            f"taken_at_source: unknown source {attachment.taken_at_source!r}; use one of "
            f"{', '.join(Source)}",
            field="taken_at_source",
        )
    if attachment.latitude is not None and attachment.location_source not in tuple(Source):
        raise InvalidInputError(
            f"location_source: unknown source {attachment.location_source!r}; use one of "
            f"{', '.join(Source)}",
            field="location_source",
        )
    check_location(attachment.latitude, attachment.longitude)
    if attachment.taken_at is not None and attachment.taken_at.tzinfo is None:
        raise InvalidInputError("taken_at: give the time with its UTC offset", field="taken_at")
    return Attachment(
        id=attachment.id,
        kind=attachment.kind,
        media_type=attachment.media_type,
        size=attachment.size,
        sha256=attachment.sha256,
        name=name,
        caption=caption,
        taken_at=attachment.taken_at,
        taken_at_source=attachment.taken_at_source if attachment.taken_at else None,
        latitude=attachment.latitude,
        longitude=attachment.longitude,
        location_source=attachment.location_source if attachment.latitude is not None else None,
        derived=dict(attachment.derived),
    )


def check_file_name(name: str) -> str:
    """A file's name as sent, if it is a plain name: no folders, no control characters."""
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        return "lampiran"
    if "/" in text or "\\" in text or text in (".", ".."):
        raise InvalidInputError(
            "file: the file's name must not contain path separators (/ or \\)",
            field="file",
            rule="file_name_has_path",
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise InvalidInputError(
            "file: the file's name contains control characters", field="file", rule="bad_file_name"
        )
    if len(text) > NAME_MAX_CHARS:
        raise InvalidInputError(
            f"file: the file's name is longer than {NAME_MAX_CHARS} characters",
            field="file",
            rule="bad_file_name",
        )
    return text


def check_location(latitude: float | None, longitude: float | None) -> None:
    """Both coordinates or neither, each a finite number in range (WGS 84 degrees)."""
    if (latitude is None) != (longitude is None):
        raise InvalidInputError(
            "latitude: give both the latitude and the longitude, or neither", field="latitude"
        )
    if latitude is None or longitude is None:
        return
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise InvalidInputError("latitude: must be between -90 and 90", field="latitude")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise InvalidInputError("longitude: must be between -180 and 180", field="longitude")
