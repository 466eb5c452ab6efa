"""Staff case work: the case list, one case (with its ETag), and one POST per lifecycle command."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from bratasena.api.deps import (
    CaseReader,
    FieldWorker,
    IfMatch,
    Officer,
    OfficerOrSupervisor,
    ScopedCase,
    ServicesDep,
    Supervisor,
    ViewsDep,
    districts_of,
)
from bratasena.api.schemas import (
    AppealDecisionIn,
    AppealIn,
    AssignmentIn,
    DecisionIn,
    InvestigationIn,
    NoticeIn,
    ResponseIn,
    WithdrawalIn,
)
from bratasena.api.services import Services
from bratasena.application import Outcome
from bratasena.domain.account import Account
from bratasena.domain.errors import NotFoundError
from bratasena.projections import CaseQuery

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


class TimelineOut(BaseModel):
    """One step of a case, who took it and what it recorded."""

    at: datetime
    step: str
    actor: str
    text: str


class ReportedBy(BaseModel):
    """Who filed or corroborated the complaint (supervisors and auditors only)."""

    at: datetime
    channel: str
    reporter: dict[str, Any] | None = None


class CaseOut(BaseModel):
    """A case as the case list shows it."""

    complaint_id: UUID
    tracking_code: str
    status: str
    district_code: str
    district_name: str
    village_code: str
    village_name: str
    reason_codes: list[str]
    assigned_to: str | None
    filed_at: datetime
    updated_at: datetime
    response_due: date | None
    decision_due: date
    overdue_response: bool
    overdue_decision: bool
    corroborations: int
    household_id: UUID | None
    version: int


class CaseDetailOut(CaseOut):
    """A case with its timeline; the complainants only for roles that may see them."""

    timeline: list[TimelineOut]
    reported_by: list[ReportedBy] | None = None


class CasePage(BaseModel):
    """One page of cases."""

    items: list[CaseOut]
    total: int
    page: int
    per_page: int


class CommandOut(BaseModel):
    """A command's result: the case's new version and the case as projected after it."""

    complaint_id: UUID
    version: int
    case: CaseDetailOut


def _detail(services: Services, complaint_id: UUID, who: Account) -> CaseDetailOut:
    found = services.projections.cases.get(complaint_id)
    if found is None:
        raise NotFoundError(f"no complaint with id {complaint_id}")
    scope = districts_of(who)
    if scope is not None and found.district_code not in scope:
        raise NotFoundError(f"no complaint with id {complaint_id} in your districts")
    detail = CaseDetailOut.model_validate(asdict(found))
    if who.sees_reporter:
        # The complainant's identity lives only in the events, never in the views.
        detail.reported_by = [
            ReportedBy(at=e.recorded_at, channel=e.data["channel"], reporter=e.data["reporter"])
            for e in services.app.history(complaint_id)
            if e.type in ("Complaint.Filed", "Complaint.Corroborated")
        ]
    return detail


def _after(services: Services, outcome: Outcome, who: Account, response: Response) -> CommandOut:
    services.caught_up(outcome.position)
    response.headers["ETag"] = f'"{outcome.version}"'
    case = _detail(services, outcome.id, who)
    return CommandOut(complaint_id=outcome.id, version=outcome.version, case=case)


@router.get("", summary="Cases, filtered and paged (officers: their districts only)")
def list_cases(
    who: CaseReader,
    services: ViewsDep,
    status: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=16)] = None,
    village: Annotated[str | None, Query(max_length=16)] = None,
    assigned_to: Annotated[str | None, Query(max_length=40)] = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="tracking code or village")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
    sort: Annotated[str, Query(max_length=20)] = "-filed_at",
) -> CasePage:
    """Sorts: filed_at, updated_at, response_due, decision_due, status, district (- for desc)."""
    found = services.projections.cases.search(
        CaseQuery(
            status=status,
            district=district,
            village=village,
            assigned_to=assigned_to,
            overdue=overdue,
            q=q,
            districts=districts_of(who),
            page=page,
            per_page=per_page,
            sort=sort,
        )
    )
    return CasePage(
        items=[CaseOut.model_validate(asdict(row)) for row in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.get("/{complaint_id}", summary="One case with its timeline; ETag is its version")
def get_case(
    complaint_id: UUID, who: CaseReader, services: ViewsDep, response: Response
) -> CaseDetailOut:
    """Send the ETag back as If-Match with a command to refuse acting on a stale view."""
    detail = _detail(services, complaint_id, who)
    response.headers["ETag"] = f'"{detail.version}"'
    return detail


@router.post("/{complaint_id}/assignment", summary="Give the case to an officer")
def assign(
    who: Supervisor,
    case: ScopedCase,
    body: AssignmentIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """Supervisors only; again before the investigation to reassign."""
    outcome = services.app.assign(case, version, officer=body.officer, actor=who.username)
    return _after(services, outcome, who, response)


@router.post("/{complaint_id}/investigation", summary="Record the field check")
def investigate(
    who: FieldWorker,
    case: ScopedCase,
    body: InvestigationIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """Only the assigned officer (or facilitator) records it."""
    outcome = services.app.record_investigation(
        case,
        version,
        visited_on=body.visited_on,
        findings=body.findings,
        recommendation=body.recommendation,
        notes=body.notes,
        actor=who.username,
    )
    return _after(services, outcome, who, response)


@router.post("/{complaint_id}/notice", summary="Notify the household, with a response deadline")
def notice(
    who: Officer,
    case: ScopedCase,
    body: NoticeIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """The household must be heard before an uphold."""
    outcome = services.app.issue_notice(
        case, version, response_due=body.response_due, actor=who.username
    )
    return _after(services, outcome, who, response)


@router.post("/{complaint_id}/response", summary="Record the household's response")
def respond(
    who: Officer,
    case: ScopedCase,
    body: ResponseIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """What the household said, and when it was received."""
    outcome = services.app.record_response(
        case, version, statement=body.statement, received_on=body.received_on, actor=who.username
    )
    return _after(services, outcome, who, response)


@router.post("/{complaint_id}/decision", summary="Uphold (deactivates the household) or reject")
def decide(
    who: Supervisor,
    case: ScopedCase,
    body: DecisionIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """Four eyes: the decider is not the investigator."""
    outcome = services.app.decide(
        case, version, outcome=body.outcome, reason=body.reason, actor=who.username
    )
    return _after(services, outcome, who, response)


@router.post("/{complaint_id}/withdrawal", summary="Withdraw the complaint before its decision")
def withdraw(
    who: OfficerOrSupervisor,
    case: ScopedCase,
    body: WithdrawalIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """Needs a reason."""
    outcome = services.app.withdraw(case, version, reason=body.reason, actor=who.username)
    return _after(services, outcome, who, response)


@router.post("/{complaint_id}/appeal", summary="Record the household's objection to an uphold")
def appeal(
    who: OfficerOrSupervisor,
    case: ScopedCase,
    body: AppealIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """Within 21 working days of the decision."""
    outcome = services.app.appeal(
        case, version, grounds=body.grounds, filed_on=body.filed_on, actor=who.username
    )
    return _after(services, outcome, who, response)


@router.post("/{complaint_id}/appeal-decision", summary="Grant (reactivates) or deny the objection")
def decide_appeal(
    who: Supervisor,
    case: ScopedCase,
    body: AppealDecisionIn,
    version: IfMatch,
    services: ServicesDep,
    response: Response,
) -> CommandOut:
    """A granted objection reactivates the household in the same transaction."""
    outcome = services.app.decide_appeal(
        case, version, outcome=body.outcome, reason=body.reason, actor=who.username
    )
    return _after(services, outcome, who, response)
