"""Public complaint routes: file a complaint (no account needed) and follow it by tracking code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from bratasena.api.deps import AppDep, RateLimitedCaller, WaitingViewsDep
from bratasena.api.schemas import ComplaintIn, FiledOut, StepOut, TrackOut
from bratasena.application import Filing
from bratasena.domain.complaint import Status

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


@router.post(
    "",
    status_code=201,
    operation_id="fileComplaint",
    summary="File a complaint (public; facilitators and staff with their token)",
    response_model_exclude_none=True,
)
def file_complaint(
    body: ComplaintIn, who: RateLimitedCaller, app: AppDep, views: WaitingViewsDep
) -> FiledOut:
    """Every filing gets its own tracking code; one about a household with an open case joins
    that case, which only staff are told."""
    filing = app.file_complaint(
        subject=body.subject.model_dump(exclude_none=True),
        reasons=list(body.reasons),
        description=body.description,
        reporter=body.reporter.model_dump(exclude_none=True) if body.reporter else None,
        filer=who,
        channel=body.channel,
    )
    views.caught_up(filing.position)
    return filed_out(filing, staff=who is not None)


@router.get(
    "/track/{tracking_code}",
    operation_id="trackComplaint",
    summary="A complaint's progress, for the public",
)
def track(tracking_code: Annotated[str, Path(max_length=40)], app: AppDep) -> TrackOut:
    """Status and dated steps only: no names, NIK, reasons or findings."""
    progress = app.progress(tracking_code)
    steps = [StepOut(step=step, at=at) for step, at in progress.steps]
    return TrackOut(
        tracking_code=progress.tracking_code,
        status=progress.status,
        filed_at=steps[0].at,
        updated_at=steps[-1].at,  # internal events (corroborations) do not show through
        steps=steps,
    )
