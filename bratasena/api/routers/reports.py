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
from bratasena.projections.report_files import report_csv, report_xlsx

router = APIRouter(prefix="/api/v1", tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- the dashboard ------------------------------------------------------------------------------


class DistrictOpenOut(BaseModel):
    """Open cases in one district (kecamatan)."""

    district_code: str
    district_name: str
    open: int


class ReconciledOut(BaseModel):
    """A household decided here, as one extract showed it."""

    registry_id: str
    district_code: str
    kind: Literal["removal_confirmed", "removal_not_applied", "reactivation_not_applied"]
    evidence: str = Field(description="not_listed, no_programmes or desil_above; or empty")
    effective_month: str = Field(description="YYYY-MM")
    period: str = Field(description="the extract's period, YYYY-MM")
    months: int = Field(description="months from the effective month to the extract")
    references: dict[str, str] = Field(description="target → its reference of the change")


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
    confirmed_removals: int = Field(
        description="of this month's removals, those a registry extract shows in effect"
    )
    not_applied: list[ReconciledOut] = Field(
        description="removals (and reactivations) an extract still did not apply, N months on"
    )


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
    confirmed_removals: int = Field(
        description="deactivations of the period that a registry extract shows in effect"
    )


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
    confirmed_removals: int = Field(
        description="of the deactivations taking effect this month, those an extract confirmed"
    )


class DistrictRemovalsOut(BaseModel):
    """The year's removals in one district."""

    district_code: str
    district_name: str
    deactivations: int
    reactivations: int
    net_removals: int
    confirmed_removals: int


class NotAppliedOut(BaseModel):
    """A deactivation (or reactivation) the latest extract still did not show, N months on."""

    registry_id: str
    district_code: str
    kind: Literal["removal_not_applied", "reactivation_not_applied"]
    effective_month: str = Field(description="YYYY-MM")
    period: str = Field(description="the extract that did not apply it, YYYY-MM")
    months: int = Field(description="months from the effective month to that extract")
    dtjateng_reference: str = Field(description="the province's reference of the change")
    dtsen_reference: str = Field(description="the nation's reference of the change")


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
    reconciled_through: str | None = Field(
        description="the newest extract period reconciled (YYYY-MM); null before the first"
    )
    not_applied: list[NotAppliedOut]


@router.get(
    "/reports/removals",
    operation_id="getRemovalReport",
    summary="Removals per month of a year against the targets (JSON, CSV or XLSX)",
    response_model=RemovalReportOut,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def removals(
    who: ReportReader,
    views: ViewsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Literal["json", "csv", "xlsx"] = "json",
) -> RemovalReportOut | Response:
    """Counts per month, reason and district, decided and confirmed; the removals not applied
    name only their registry ids and the targets' references."""
    report = views.removal_report(year)
    if format == "csv":
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="removals-{year}.csv"'},
        )
    if format == "xlsx":
        return Response(
            report_xlsx(report),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="removals-{year}.xlsx"'},
        )
    return RemovalReportOut.model_validate(report)


class ReconciliationOut(BaseModel):
    """What one registry extract showed of the decisions taken here."""

    period: str = Field(description="YYYY-MM")
    counts: dict[str, int] = Field(
        description="facts recorded per kind, including households that left the registry "
        "without a decision here (left_registry_elsewhere) and came back"
    )
    households: list[ReconciledOut]


@router.get(
    "/reports/reconciliation",
    operation_id="getReconciliationReport",
    summary="What one registry extract confirmed, or did not apply, of the decisions here",
)
def reconciliation(
    who: ReportReader,
    views: ViewsDep,
    period: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
) -> ReconciliationOut:
    """Confirmed, not-applied removals and not-applied reactivations of one extract's period."""
    counts, households = views.reconciliation.period(period)
    return ReconciliationOut(
        period=period,
        counts=counts,
        households=[ReconciledOut.model_validate(h, from_attributes=True) for h in households],
    )
