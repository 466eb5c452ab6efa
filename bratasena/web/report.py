"""The monthly removal report: removals against target as SVG charts and a table; CSV download."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bratasena.domain.calendar import jakarta_date
from bratasena.web import chart
from bratasena.web.render import PageError, PageRoute, need, render, services_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READERS = ("supervisor", "auditor")


def _year(value: int | None, current: int) -> int:
    year = current if value is None else value
    if not 2000 <= year <= 2100:
        raise PageError(422, "Tahun tidak sah", "Pilih tahun antara 2000 dan 2100.")
    return year


@router.get("/laporan")
def report(request: Request, tahun: int | None = None) -> Response:
    """The year's removals by month against target, by district and by reason."""
    need(request, *READERS)
    services = services_of(request)
    services.refresh()
    today = jakarta_date(services.app.clock())
    year = _year(tahun, today.year)
    data = services.projections.report.year(year)
    # The cumulative line stops at next month: this month's upholds take effect then, and
    # later months have nothing yet.
    through = 12 if year < today.year else (min(12, today.month + 1) if year == today.year else 0)
    return render(
        request,
        "report.html",
        year=year,
        data=data,
        monthly_chart=chart.monthly(data["months"]),
        cumulative_chart=chart.cumulative(data["months"], data["annual_target"], through),
        through=through,
    )


@router.get("/laporan/{year}.csv")
def report_csv(request: Request, year: int) -> Response:
    """The same report as CSV (months with a total line, then districts, then reasons)."""
    need(request, *READERS)
    services = services_of(request)
    services.refresh()
    body = services.projections.report.csv(_year(year, year))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="penonaktifan-{year}.csv"'},
    )
