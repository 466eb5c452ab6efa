"""Public complaint routes: file a complaint (no account needed) and follow it by tracking code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from bratasena.api.deps import RateLimitedCaller, ServicesDep
from bratasena.api.schemas import ComplaintIn, FiledOut, StepOut, TrackOut
from bratasena.application import PUBLIC
from bratasena.domain.account import Account
from bratasena.domain.errors import NotAllowedError

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints (public)"])

STEPS: dict[str, str] = {
    "Complaint.Filed": "filed",
    "Complaint.Assigned": "assigned",
    "Complaint.Investigated": "investigated",
    "Complaint.NoticeIssued": "notice_issued",
    "Complaint.ResponseRecorded": "response_recorded",
    "Complaint.Upheld": "upheld",
    "Complaint.Rejected": "rejected",
    "Complaint.Withdrawn": "withdrawn",
    "Complaint.Appealed": "appealed",
    "Complaint.AppealGranted": "appeal_granted",
    "Complaint.AppealDenied": "appeal_denied",
}
"""The public name of each lifecycle event; others (corroborations, matching) stay internal."""


def _channel(account: Account | None, asked: str) -> str:
    # Facilitators are a trusted channel by role; other staff record how the complaint came in;
    # the public can only use the web form.
    if account is None:
        if asked != "web":
            raise NotAllowedError(
                f"channel: {asked!r} is for staff; citizens file through the 'web' channel",
                field="channel",
                rule="channel_not_allowed",
            )
        return "web"
    if account.role == "facilitator":
        return "facilitator"
    if asked == "facilitator":
        raise NotAllowedError(
            "channel: only facilitator accounts file through the 'facilitator' channel",
            field="channel",
            rule="channel_not_allowed",
        )
    return asked


@router.post(
    "",
    status_code=201,
    summary="File a complaint (public; facilitators and staff with their token)",
    responses={429: {"description": "too many complaints from this address"}},
)
def file_complaint(body: ComplaintIn, who: RateLimitedCaller, services: ServicesDep) -> FiledOut:
    """A complaint about a household with an open case joins that case (same tracking code)."""
    filing = services.app.file_complaint(
        subject=body.subject.model_dump(exclude_none=True),
        reasons=list(body.reasons),
        description=body.description,
        reporter=body.reporter.model_dump(exclude_none=True) if body.reporter else None,
        channel=_channel(who, body.channel),
        actor=who.username if who else PUBLIC,
    )
    services.caught_up(filing.position)
    return FiledOut(
        complaint_id=filing.id,
        tracking_code=filing.tracking_code,
        status=filing.status,
        corroborated=filing.corroborated,
    )


@router.get("/track/{tracking_code}", summary="A complaint's progress, for the public")
def track(tracking_code: Annotated[str, Path(max_length=40)], services: ServicesDep) -> TrackOut:
    """Status and dated steps only: no names, NIK, reasons or findings."""
    complaint = services.app.complaint_by_tracking_code(tracking_code)
    history = services.app.history(complaint.id)
    steps = [StepOut(step=STEPS[e.type], at=e.recorded_at) for e in history if e.type in STEPS]
    return TrackOut(
        tracking_code=complaint.tracking_code,
        status=complaint.status,
        filed_at=steps[0].at,
        updated_at=steps[-1].at,  # internal events (corroborations) do not show through
        steps=steps,
    )
