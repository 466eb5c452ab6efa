"""The officer dashboard and the yearly removal report against the monthly targets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bratasena.access import districts_of
from bratasena.api.deps import AppDep, CaseReader, ReportReader, ViewsDep
from bratasena.api.routers.cases import CaseOut, case_out
from bratasena.domain.account import Role
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import Status
from bratasena.domain.filing import Reason
from bratasena.projections import Queue

router = APIRouter(prefix="/api/v1", tags=["reports"])

# --- the dashboard ------------------------------------------------------------------------------


class DistrictOpenOut(BaseModel):
    """Open cases in one district (kecamatan)."""

    district_code: str
    district_name: str
    open: int


class DashboardOut(BaseModel):
    """What an officer or supervisor sees first: open work, deadlines, removals against target.

    ``removals`` take effect this month (decided last month) against this month's ``target``;
    ``decided_this_month`` take effect next month, against ``next_month_target``.
    """

    today: date = Field(description="in Asia/Jakarta")
    month: str = Field(description="YYYY-MM")
    open_total: int
    open_by_status: dict[Status, int]
    open_by_district: list[DistrictOpenOut]
    overdue: list[CaseOut] = Field(description="the first overdue cases, earliest deadline first")
    overdue_total: int
    my_queue: list[CaseOut] = Field(description="an officer's own open cases (empty for others)")
    queues: dict[str, int] = Field(description="open cases per assigned username")
    median_days_to_decision: float | None
    removals: int
    reactivations: int
    target: int
    decided_this_month: int
    next_month_target: int


@router.get(
    "/dashboard", operation_id="getDashboard", summary="Counts and deadlines for the caller's work"
)
def dashboard(who: CaseReader, app: AppDep, views: ViewsDep) -> DashboardOut:
    """Officers see their districts and their own assignments; others the whole regency."""
    summary = views.dashboard.summary(
        districts=districts_of(who),
        officer=who.username if who.role == Role.OFFICER else None,
        today=jakarta_date(app.clock()),
    )
    return DashboardOut.model_validate(summary, from_attributes=True)


class WorkloadOut(BaseModel):
    """One officer's or facilitator's open cases."""

    username: str
    full_name: str
    role: str = Field(description="empty for an account the staff directory does not know")
    open: int
    overdue: int
    enabled: bool


class QueuesOut(BaseModel):
    """What waits for the head of the division, and each officer's load."""

    today: date = Field(description="in Asia/Jakarta")
    counts: dict[Queue, int] = Field(description="each queue's whole count")
    cases: dict[Queue, list[CaseOut]] = Field(
        description="each queue's first cases, earliest decision deadline first"
    )
    workload: list[WorkloadOut] = Field(description="most open cases first")


@router.get(
    "/queues",
    operation_id="getQueues",
    summary="The supervisor's queues: to assign, to decide, appeals to decide, overdue",
)
def queues(who: ReportReader, app: AppDep, views: ViewsDep) -> QueuesOut:
    """``to_decide``: heard, or the response deadline passed; the workload lists every enabled
    officer and facilitator, and anyone else holding open cases."""
    found = views.queues.queues(districts=districts_of(who), today=jakarta_date(app.clock()))
    return QueuesOut(
        today=found.today,
        counts=found.counts,
        cases={queue: [case_out(row) for row in rows] for queue, rows in found.cases.items()},
        workload=[WorkloadOut.model_validate(w, from_attributes=True) for w in found.workload],
    )


# --- the removal report -------------------------------------------------------------------------


class RemovalTotalsOut(BaseModel):
    """A year's (or one month's) removals, reactivations and decisions."""

    deactivations: int
    reactivations: int
    net_removals: int
    complaints_filed: int
    corroborated: int
    upheld: int
    rejected: int
    share_upheld: float | None = Field(description="upheld / (upheld + rejected); null if none")
    appeals_granted: int
    appeals_denied: int
    median_days_to_decision: float | None


class RemovalMonthOut(BaseModel):
    """One month (Asia/Jakarta) of the report, against its target and the year's running sums."""

    month: str = Field(description="YYYY-MM")
    target: int
    deactivations: int
    reactivations: int
    net_removals: int
    cumulative_net: int
    cumulative_target: int
    complaints_filed: int
    corroborated: int
    upheld: int
    rejected: int
    share_upheld: float | None
    appeals_granted: int
    appeals_denied: int
    median_days_to_decision: float | None


class DistrictRemovalsOut(BaseModel):
    """The year's removals in one district."""

    district_code: str
    district_name: str
    deactivations: int
    reactivations: int
    net_removals: int


class ReasonRemovalsOut(BaseModel):
    """The year's removals for one reason of the complaints (a removal counts once per reason)."""

    reason: Reason
    deactivations: int
    reactivations: int
    net_removals: int


class RemovalReportOut(BaseModel):
    """A year's removals against target by month, with fairness figures; no personal data."""

    year: int
    timezone: str
    annual_target: int
    months: list[RemovalMonthOut]
    totals: RemovalTotalsOut
    by_district: list[DistrictRemovalsOut]
    by_reason: list[ReasonRemovalsOut]


@router.get(
    "/reports/removals",
    operation_id="getRemovalReport",
    summary="Removals per month of a year against the targets (JSON, or CSV)",
    response_model=RemovalReportOut,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def removals(
    who: ReportReader,
    views: ViewsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Literal["json", "csv"] = "json",
) -> RemovalReportOut | Response:
    """No personal data: counts per month, reason and district."""
    if format == "csv":
        return Response(
            views.report.csv(year),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="removals-{year}.csv"'},
        )
    return RemovalReportOut.model_validate(views.report.year(year))
