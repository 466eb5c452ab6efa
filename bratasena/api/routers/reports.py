"""The officer dashboard and the yearly removal report against the monthly targets."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from bratasena.access import districts_of
from bratasena.api.canonical import jsonable
from bratasena.api.deps import AppDep, CaseReader, ReportReader, ViewsDep
from bratasena.domain.account import Role
from bratasena.domain.calendar import jakarta_date

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get(
    "/dashboard", operation_id="getDashboard", summary="Counts and deadlines for the caller's work"
)
def dashboard(who: CaseReader, app: AppDep, views: ViewsDep) -> dict[str, Any]:
    """Officers see their districts and their own assignments; others the whole regency."""
    summary = views.dashboard.summary(
        districts=districts_of(who),
        officer=who.username if who.role == Role.OFFICER else None,
        today=jakarta_date(app.clock()),
    )
    result: dict[str, Any] = jsonable(asdict(summary))
    return result


@router.get(
    "/reports/removals",
    operation_id="getRemovalReport",
    summary="Removals per month of a year against the targets (JSON, or CSV)",
    responses={200: {"content": {"text/csv": {}}}},
)
def removals(
    who: ReportReader,
    views: ViewsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Literal["json", "csv"] = "json",
) -> Any:
    """No personal data: counts per month, reason and district."""
    if format == "csv":
        return Response(
            views.report.csv(year),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="removals-{year}.csv"'},
        )
    return jsonable(views.report.year(year))
