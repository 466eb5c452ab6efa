"""The officer dashboard and the yearly removal report against the monthly targets."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from bratasena.api.canonical import jsonable
from bratasena.api.deps import CaseReader, ReportReader, ViewsDep, districts_of
from bratasena.domain.calendar import jakarta_date

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get("/dashboard", summary="Counts and deadlines for the caller's work")
def dashboard(who: CaseReader, services: ViewsDep) -> dict[str, Any]:
    """Officers see their districts and their own assignments; others the whole regency."""
    summary = services.projections.dashboard.summary(
        districts=districts_of(who),
        officer=who.username if who.role == "officer" else None,
        today=jakarta_date(services.clock()),
    )
    result: dict[str, Any] = jsonable(asdict(summary))
    return result


@router.get(
    "/reports/removals",
    summary="Removals per month of a year against the targets (JSON, or CSV)",
    responses={200: {"content": {"text/csv": {}}}},
)
def removals(
    who: ReportReader,
    services: ViewsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Literal["json", "csv"] = "json",
) -> Any:
    """No personal data: counts per month, reason and district."""
    if format == "csv":
        return Response(
            services.projections.report.csv(year),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="removals-{year}.csv"'},
        )
    return jsonable(services.projections.report.year(year))
