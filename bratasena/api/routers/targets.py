"""The year's monthly removal targets (supervisors set them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from bratasena.api.deps import AppDep, IfMatch, Supervisor, WaitingViewsDep
from bratasena.api.schemas import TargetsIn, TargetsOut

router = APIRouter(prefix="/api/v1/targets", tags=["reports"])

Year = Annotated[int, Path(ge=2000, le=2100)]


@router.put("/{year}", operation_id="setTargets", summary="Set a year's monthly removal targets")
def set_targets(
    year: Year,
    body: TargetsIn,
    who: Supervisor,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
) -> TargetsOut:
    """Twelve numbers, January first; the office's default is 10 a month."""
    outcome = app.set_targets(year, body.monthly, actor=who.username, expected_version=version)
    views.caught_up(outcome.position)
    return TargetsOut(year=year, monthly=app.monthly_targets(year), version=outcome.version)
