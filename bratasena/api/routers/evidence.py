"""A case's evidence: attach a photo or document (multipart), list what the caller may see, fetch
an attachment's original or its EXIF-free copies, withdraw one with a reason.

The upload is read only after the caller's right to attach to this case was checked: the route
declares no form parameters (FastAPI would read them before any dependency ran); `uploaded_file`
reads the form after `MayAttach` and `ScopedCase`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from bratasena import access
from bratasena.api.deps import (
    AppDep,
    IfMatch,
    ScopedCase,
    WaitingViewsDep,
    may,
    role,
)
from bratasena.api.routers.cases import CommandOut, answer
from bratasena.api.schemas import EvidenceWithdrawalIn
from bratasena.domain.account import Account, Action, Role
from bratasena.domain.errors import InvalidInputError
from bratasena.domain.evidence import Evidence, EvidenceKind, EvidenceStage, MediaType, Source
from bratasena.media import Upload

router = APIRouter(prefix="/api/v1/cases", tags=["evidence"])

MayAttach = Annotated[
    Account,
    Depends(may(Action.ATTACH_FIELD_EVIDENCE, Action.ATTACH_RESPONSE_EVIDENCE)),
]
MayWithdrawEvidence = Annotated[Account, Depends(may(Action.WITHDRAW_EVIDENCE))]
EvidenceReader = Annotated[
    Account,
    Depends(role(Role.OFFICER, Role.FACILITATOR, Role.SUPERVISOR, Role.AUDITOR)),
]


class EvidenceOut(BaseModel):
    """An attachment of the case as its facts stand in the log, and where to fetch it."""

    evidence_id: UUID
    kind: EvidenceKind
    stage: EvidenceStage
    media_type: MediaType = Field(description="sniffed from the bytes")
    size: int
    sha256: str = Field(description="hex SHA-256 of the original bytes")
    name: str
    caption: str
    taken_at: datetime | None
    taken_at_source: Source | None
    latitude: float | None
    longitude: float | None
    location_source: Source | None
    map_url: str | None = Field(description="a geo: link that opens the place in a map app")
    attached_by: str
    attached_at: datetime
    withdrawn: bool
    withdrawn_reason: str | None
    links: dict[str, str] = Field(
        description="what the caller may fetch: screen and thumb for everyone who sees the "
        "attachment, original for supervisors and auditors"
    )


class EvidenceCommandOut(CommandOut):
    """An evidence command's result: the attachment, and the case as projected after it."""

    evidence: EvidenceOut


def map_url(latitude: float | None, longitude: float | None) -> str | None:
    """A ``geo:`` URI (RFC 5870): a phone opens it in its map app."""
    if latitude is None or longitude is None:
        return None
    return f"geo:{latitude:.7f},{longitude:.7f}"


def evidence_out(complaint_id: UUID, evidence: Evidence, who: Account) -> EvidenceOut:
    """An attachment as the API shows it to this person."""
    a = evidence.attachment
    base = f"/api/v1/cases/{complaint_id}/evidence/{a.id}"
    sizes = access.EVIDENCE_SIZES if who.sees_reporter else access.EVIDENCE_SIZES[1:]
    return EvidenceOut(
        evidence_id=a.id,
        kind=EvidenceKind(a.kind),
        stage=evidence.stage,
        media_type=MediaType(a.media_type),
        size=a.size,
        sha256=a.sha256,
        name=a.name,
        caption=a.caption,
        taken_at=a.taken_at,
        taken_at_source=Source(a.taken_at_source) if a.taken_at_source else None,
        latitude=a.latitude,
        longitude=a.longitude,
        location_source=Source(a.location_source) if a.location_source else None,
        map_url=map_url(a.latitude, a.longitude),
        attached_by=evidence.attached_by,
        attached_at=evidence.attached_at,
        withdrawn=evidence.withdrawn,
        withdrawn_reason=evidence.withdrawn_reason,
        links={size: f"{base}/{size}" for size in sizes},
    )


UPLOAD_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["file", "kind"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "a photo (JPEG, PNG, HEIC) or a PDF (10 MiB by default)",
        },
        "kind": {"type": "string", "enum": list(EvidenceKind)},
        "caption": {"type": "string", "maxLength": 200},
        "taken_at": {
            "type": "string",
            "format": "date-time",
            "description": "when the photo was taken, if its EXIF does not say",
        },
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
        "location_source": {
            "type": "string",
            "enum": [Source.BROWSER, Source.TYPED],
            "description": "where latitude and longitude came from (the photo's EXIF wins)",
        },
    },
}
"""The multipart form, documented by hand: the route reads it itself (see the module docstring)."""


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInputError(f"{name}: at most {limit} characters of text", field=name)
    return value.strip()


def _number(form: FormData, name: str) -> float | None:
    text = _text(form, name, 40)
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise InvalidInputError(f"{name}: {text!r} is not a number", field=name) from None


def _moment(form: FormData, name: str) -> datetime | None:
    text = _text(form, name, 40)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            f"{name}: give a date and time such as 2026-03-10T09:15:00+07:00", field=name
        ) from None
    if moment.tzinfo is None:
        raise InvalidInputError(f"{name}: give the time with its UTC offset", field=name)
    return moment


async def read_file(form: FormData, name: str, max_bytes: int) -> tuple[bytes, str, str | None]:
    """The bytes of a form's file field (one past the limit at most), its name and its type."""
    file = form.get(name)
    if not isinstance(file, UploadFile):
        raise InvalidInputError(f"{name}: attach the file as the form field '{name}'", field="file")
    data = await file.read(max_bytes + 1)
    return data, file.filename or "", file.content_type


def upload_of(form: FormData, data: bytes, name: str, declared: str | None) -> Upload:
    """The upload with what the form says of it (typed coordinates are ``typed``)."""
    latitude, longitude = _number(form, "latitude"), _number(form, "longitude")
    taken_at = _moment(form, "taken_at")
    return Upload(
        data=data,
        name=name,
        declared=declared,
        kind=_text(form, "kind", 40) or EvidenceKind.OTHER,
        caption=_text(form, "caption", 400),
        taken_at=taken_at,
        taken_at_source=Source.TYPED if taken_at else None,
        latitude=latitude,
        longitude=longitude,
        location_source=_text(form, "location_source", 20) or Source.TYPED,
    )


async def read_form(request: Request, *, max_files: int, max_fields: int) -> FormData:
    """The multipart form; a malformed one (too many fields or files, a broken boundary) is
    invalid input on the body, not Starlette's bare 400. The caller closes it."""
    try:
        return await request.form(max_files=max_files, max_fields=max_fields)
    except HTTPException as error:
        if error.status_code != 400:
            raise
        raise InvalidInputError(
            f"body: the form could not be read ({error.detail}); send each field once",
            field="body",
        ) from None


async def uploaded_file(who: MayAttach, case: ScopedCase, request: Request) -> Upload:
    """The upload, read once the caller may attach to this case (the domain decides the rest)."""
    limit = access.settings_of(request).evidence_max_bytes
    form = await read_form(request, max_files=1, max_fields=10)
    try:
        data, name, declared = await read_file(form, "file", limit)
        return upload_of(form, data, name, declared)
    finally:
        await form.close()


UploadDep = Annotated[Upload, Depends(uploaded_file)]


@router.post(
    "/{complaint_id}/evidence",
    status_code=201,
    operation_id="attachEvidence",
    summary="Attach a photo or document",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": UPLOAD_FORM}},
        }
    },
)
def attach(
    upload: UploadDep,
    who: MayAttach,
    case: ScopedCase,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> EvidenceCommandOut:
    """The assigned officer or facilitator with the field check (assigned, investigated); an
    officer with the household's response or objection (noticed, heard, appealed). The media
    type is sniffed from the bytes; a photo's EXIF time and place are recorded with their
    source; nothing is stored for a refused file."""
    outcome = app.attach_evidence(
        case.id, version, upload=upload, role=who.role, actor=who.username
    )
    assert outcome.evidence is not None
    command = answer(app, views, outcome, who, response)
    return EvidenceCommandOut(
        **vars(command), evidence=evidence_out(case.id, outcome.evidence, who)
    )


@router.get("/{complaint_id}/evidence", operation_id="listEvidence", summary="The case's evidence")
def listing(who: EvidenceReader, case: ScopedCase) -> list[EvidenceOut]:
    """In the order attached, withdrawn ones included (marked). The complainant's own files are
    listed for supervisors and auditors only."""
    return [evidence_out(case.id, e, who) for e in access.visible_evidence(who, case)]


@router.get(
    "/{complaint_id}/evidence/{evidence_id}/{size}",
    operation_id="fetchEvidence",
    summary="An attachment's bytes",
    response_class=Response,
    responses={
        200: {
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/jpeg", "image/png", "image/heic", "application/pdf")
            }
        }
    },
)
def fetch(
    who: EvidenceReader,
    case: ScopedCase,
    app: AppDep,
    evidence_id: Annotated[str, Path(max_length=40)],
    size: Annotated[str, Path(pattern="^(original|screen|thumb)$")],
) -> Response:
    """``original``: the bytes as attached, EXIF included (supervisors and auditors only).
    ``screen`` (1600 px) and ``thumb`` (480 px): JPEG copies without any EXIF. A document has
    no copies: its ``screen`` and ``thumb`` are the PDF."""
    evidence = access.evidence_for(who, case, evidence_id, size)
    data = app.evidence_bytes(evidence, size)
    a = evidence.attachment
    media = a.media_type if size == access.ORIGINAL or not a.derived else "image/jpeg"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'inline; filename="bukti-{a.id}-{size}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/{complaint_id}/evidence/{evidence_id}/withdrawal",
    operation_id="withdrawEvidence",
    summary="Withdraw an attachment",
)
def withdraw(
    who: MayWithdrawEvidence,
    case: ScopedCase,
    body: EvidenceWithdrawalIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
    evidence_id: Annotated[str, Path(max_length=40)],
) -> EvidenceCommandOut:
    """With a reason, recorded as `EvidenceWithdrawn`; the attachment's record and bytes stay."""
    outcome = app.withdraw_evidence(
        case.id, version, evidence_id=evidence_id, reason=body.reason, actor=who.username
    )
    assert outcome.evidence is not None
    command = answer(app, views, outcome, who, response)
    return EvidenceCommandOut(
        **vars(command), evidence=evidence_out(case.id, outcome.evidence, who)
    )
