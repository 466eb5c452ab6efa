"""Public complaint routes: file a complaint (no account needed) and follow it by tracking code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from bratasena import access
from bratasena.api.deps import (
    AppDep,
    ClientAddress,
    LoopReadsDep,
    RateLimitedCaller,
    SettingsDep,
    WaitingViewsDep,
    quick_read,
)
from bratasena.api.errors import UNPARSED_BODY
from bratasena.api.routers.evidence import read_form
from bratasena.api.schemas import ComplaintIn, FiledOut, StepOut, TrackOut
from bratasena.application import Filing
from bratasena.domain.complaint import Status
from bratasena.domain.errors import InvalidInputError
from bratasena.domain.evidence import EvidenceKind
from bratasena.limits import RateLimiter
from bratasena.media import Upload
from bratasena.settings import Settings

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints (public)"])


def filed_out(filing: Filing, *, staff: bool) -> FiledOut:
    """The answer to a filing: the same for every citizen, whatever became of the complaint."""
    if staff:
        return FiledOut(
            complaint_id=filing.id,
            tracking_code=filing.tracking_code,
            status=filing.status,
            corroborated=filing.corroborated,
        )
    assert filing.tracking_id is not None
    return FiledOut(
        complaint_id=filing.tracking_id, tracking_code=filing.tracking_code, status=Status.FILED
    )


FILING_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["complaint"],
    "properties": {
        "complaint": {
            "type": "string",
            "description": "the complaint as JSON, exactly the application/json body",
        },
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "photos (JPEG, PNG, HEIC) or PDFs, 3 at most by default",
        },
        "kinds": {
            "type": "array",
            "items": {"type": "string", "enum": list(EvidenceKind)},
            "description": "each file's kind, in the order of the files (default other)",
        },
    },
}
"""The multipart form: the complaint's JSON beside the complainant's files."""


@dataclass(frozen=True)
class Submitted:
    """A filing as sent: the complaint and the complainant's files."""

    body: ComplaintIn
    uploads: list[Upload]


def _complaint(raw: str | bytes, *, in_form: bool = False) -> ComplaintIn:
    """The complaint, read as FastAPI reads a JSON body: unreadable JSON is 400 (in a form, 422
    on its field ``complaint``), a complaint that does not validate is 422 naming each field, a
    missing body is 422 on ``body`` (as FastAPI answers a missing required body)."""
    if not raw.strip():
        raise RequestValidationError(
            [
                {
                    "type": "missing",
                    "loc": ("complaint",) if in_form else ("body",),
                    "msg": "Field required",
                }
            ]
        )
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        if in_form:
            raise InvalidInputError(
                "complaint: the form field 'complaint' is not readable JSON",
                field="complaint",
            ) from None
        raise HTTPException(400, UNPARSED_BODY) from None
    try:
        return ComplaintIn.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


async def submitted(
    who: RateLimitedCaller,
    request: Request,
    limiter: Annotated[RateLimiter, Depends(access.limiter_of)],
    client: ClientAddress,
) -> Submitted:
    """The complaint as JSON, or as multipart with files; each file of an anonymous filer
    counts once more against the public rate limit."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return Submitted(_complaint(await request.body()), [])
    settings = access.settings_of(request)
    most = settings.evidence_per_filing
    form = await read_form(request, max_files=most + 8, max_fields=most + 16)
    try:
        # How many files a filing may carry is the application's rule (`file_complaint`); the
        # body limit already bounds what can arrive.
        files = form.getlist("files")
        if who is None:
            for _ in files:
                limiter.check(client)
        text = form.get("complaint")
        if not isinstance(text, str):
            raise InvalidInputError(
                "complaint: send the complaint as JSON in the form field 'complaint'",
                field="complaint",
            )
        body = _complaint(text, in_form=True)
        kinds = [k for k in form.getlist("kinds") if isinstance(k, str)]
        uploads = []
        for index in range(len(files)):
            data, name, declared = await read_file_at(form, "files", index, settings)
            kind = kinds[index] if index < len(kinds) else EvidenceKind.OTHER
            uploads.append(Upload(data=data, name=name, declared=declared, kind=kind))
        return Submitted(body, uploads)
    finally:
        await form.close()


async def read_file_at(
    form: FormData, name: str, index: int, settings: Settings
) -> tuple[bytes, str, str | None]:
    """The bytes of one of a form's files (one past the limit at most), its name and type."""
    file = form.getlist(name)[index]
    if not isinstance(file, UploadFile):
        raise InvalidInputError(f"{name}: send files, not text", field=name)
    data = await file.read(settings.evidence_max_bytes + 1)
    return data, file.filename or "", file.content_type


@router.post(
    "",
    status_code=201,
    operation_id="fileComplaint",
    summary="File a complaint (public; facilitators and staff with their token)",
    response_model=FiledOut,
    response_model_exclude_none=True,
    openapi_extra={
        "requestBody": {
            # Not marked required: openapi-python-client 0.29 writes a function it cannot
            # import for a required body of two media types. A missing body is a 422 anyway.
            "required": False,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ComplaintIn"}},
                "multipart/form-data": {"schema": FILING_FORM},
            },
        }
    },
)
def file_complaint(
    filing: Annotated[Submitted, Depends(submitted)],
    who: RateLimitedCaller,
    app: AppDep,
    views: WaitingViewsDep,
) -> Response:
    """Every filing gets its own tracking code; one about a household with an open case joins
    that case, which only staff are told. As multipart, the complainant's photos or documents
    come along (supervisors and auditors alone see them)."""
    body = filing.body
    filed = app.file_complaint(
        subject=body.subject.model_dump(exclude_none=True),
        reasons=list(body.reasons),
        description=body.description,
        reporter=body.reporter.model_dump(exclude_none=True) if body.reporter else None,
        filer=who,
        channel=body.channel,
        uploads=filing.uploads,
    )
    views.caught_up(filed.position)
    return answer(filed_out(filed, staff=who is not None), status_code=201, exclude_none=True)


@router.get(
    "/track/{tracking_code}",
    operation_id="trackComplaint",
    summary="A complaint's progress, for the public",
    response_model=TrackOut,
)
async def track(
    tracking_code: Annotated[str, Path(max_length=40)],
    app: AppDep,
    settings: SettingsDep,
    loop_reads: LoopReadsDep,
) -> Response:
    """Status and dated steps only: no names, NIK, reasons or findings."""
    if loop_reads is not None:
        progress = await app.progress_on_loop(tracking_code, loop_reads)
    else:
        progress = await quick_read(settings, app.progress, tracking_code)
    steps = [StepOut(step=step, at=at) for step, at in progress.steps]
    out = TrackOut(
        tracking_code=progress.tracking_code,
        status=progress.status,
        filed_at=steps[0].at,
        updated_at=steps[-1].at,  # internal events (corroborations) do not show through
        steps=steps,
        evidence=progress.evidence,
    )
    return answer(out)


def answer(out: BaseModel, *, status_code: int = 200, exclude_none: bool = False) -> Response:
    """A public route's model as its JSON answer, written once, here.

    Returned as a model, FastAPI would validate the service's own answer again and, for a plain
    `def` route, do so in a worker thread: one more thread hand-off per request on the busiest
    public routes (docs/benchmarks.md, issue 18). ``exclude_none`` for a route documented with
    `response_model_exclude_none` (the filing's).
    """
    return Response(
        out.model_dump_json(exclude_none=exclude_none),
        status_code=status_code,
        media_type="application/json",
    )
