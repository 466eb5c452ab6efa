"""Staff case work: the case list, one case (with its ETag), and one POST per lifecycle command."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bratasena import access
from bratasena.access import districts_of
from bratasena.api.deps import (
    AppDep,
    CaseReader,
    IfMatch,
    LoopReadsDep,
    MayAppeal,
    MayAssign,
    MayDecide,
    MayDecideAppeal,
    MayIdentify,
    MayInvestigate,
    MayMatch,
    MayNotice,
    MayReassign,
    MayRecordResponse,
    MayRematch,
    MayWithdraw,
    ScopedCase,
    SettingsDep,
    ViewsDep,
    WaitingViewsDep,
    quick_read,
)
from bratasena.api.schemas import (
    AppealDecisionIn,
    AppealIn,
    AssignmentIn,
    DecisionIn,
    HouseholdMatchIn,
    InvestigationIn,
    NoticeIn,
    ReassignmentIn,
    RematchIn,
    ResponseIn,
    WithdrawalIn,
)
from bratasena.api.timeline import english
from bratasena.application import Bratasena, Match, Outcome
from bratasena.domain.account import Account, Action
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import AppealDecision, Complaint, Decision, Reason, Status, Step
from bratasena.domain.errors import NotFoundError
from bratasena.domain.filing import Channel
from bratasena.domain.household import Eligibility, Program
from bratasena.domain.matching import Concern
from bratasena.projections import Candidate, CaseQuery, CaseRow, Projections, Within
from bratasena.projections.case_list import CaseSort

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


class TimelineOut(BaseModel):
    """One step of a case: its code, who took it, what it recorded, and an English sentence."""

    at: datetime
    step: Step
    actor: str
    text: str
    fields: dict[str, Any]


class ReportedBy(BaseModel):
    """Who filed or corroborated the complaint (supervisors and auditors only)."""

    at: datetime
    channel: Channel
    reporter: dict[str, Any] | None = None


class CaseOut(BaseModel):
    """A case as the case list shows it."""

    complaint_id: UUID
    tracking_code: str
    status: Status
    district_code: str
    district_name: str
    village_code: str
    village_name: str
    reason_codes: list[Reason]
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


_CASE_FIELDS = tuple(f.name for f in fields(CaseRow))


def case_out(row: CaseRow) -> CaseOut:
    """A projected row as the API shows it (no deep copies: the row's values as they are)."""
    return CaseOut.model_validate({name: getattr(row, name) for name in _CASE_FIELDS})


class CaseDetailOut(CaseOut):
    """A case with its timeline, what the caller may do to it now, and (for supervisors and
    auditors) who complained."""

    timeline: list[TimelineOut]
    allowed_actions: list[Action] = Field(
        description="the commands the caller may send now; others would be refused"
    )
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
    joined_case_id: UUID | None = Field(
        default=None,
        description="matching only: the open case of the household, which this complaint joined",
    )


class OpenCaseOut(BaseModel):
    """Another open case about a household."""

    complaint_id: UUID
    tracking_code: str


class CandidateOut(BaseModel):
    """A registered household a complaint may be about, and how it compares with it."""

    household_id: UUID
    registry_id: str
    head_name: str
    nik_masked: str
    kk_masked: str
    village_code: str
    village_name: str
    district_code: str
    district_name: str
    desil: int
    programs: list[Program]
    status: Eligibility
    found_by: str = Field(description="registry_id, nik, kk or name")
    name_similarity: float = Field(
        description="0–1, the head's name against the complaint's (normalised spelling)"
    )
    same_village: bool
    same_district: bool
    deactivated: bool = Field(description="already off aid: cannot be matched")
    open_case: OpenCaseOut | None = Field(
        description="another open case about the household: a match joins it"
    )
    concerns: list[Concern] = Field(
        description="what a match needs confirmed in writing (`confirmation`)"
    )


def candidate_out(candidate: Candidate) -> CandidateOut:
    """A candidate as the API shows it."""
    h = candidate.household
    open_case = None
    if candidate.open_case_id is not None:
        open_case = OpenCaseOut(
            complaint_id=candidate.open_case_id,
            tracking_code=candidate.open_case_tracking_code or "",
        )
    return CandidateOut(
        household_id=h.household_id,
        registry_id=h.registry_id,
        head_name=h.head_name,
        nik_masked=h.nik_masked,
        kk_masked=h.kk_masked,
        village_code=h.village_code,
        village_name=h.village_name,
        district_code=h.district_code,
        district_name=h.district_name,
        desil=h.desil,
        programs=[Program(p) for p in h.programs],
        status=Eligibility(h.status),
        found_by=candidate.found_by,
        name_similarity=candidate.name_similarity,
        same_village=candidate.same_village,
        same_district=candidate.same_district,
        deactivated=candidate.deactivated,
        open_case=open_case,
        concerns=candidate.concerns,
    )


def _detail(app: Bratasena, views: Projections, case: Complaint, who: Account) -> CaseDetailOut:
    found = views.cases.get(case.id)
    if found is None:
        raise NotFoundError(f"no complaint with id {case.id}")
    book = app.regions
    detail = CaseDetailOut(
        **case_out(found).model_dump(),
        timeline=[
            TimelineOut(
                at=entry.at,
                step=entry.step,
                actor=entry.actor,
                text=english(entry.step, entry.fields, book),
                fields=entry.fields,
            )
            for entry in access.visible_steps(who, found.timeline)
        ],
        allowed_actions=case.available_actions(who.role, who.username, jakarta_date(app.clock())),
    )
    if who.sees_reporter:
        # The complainant's identity lives only in the events, never in the views.
        detail.reported_by = [
            ReportedBy(at=e.recorded_at, channel=e.data["channel"], reporter=e.data["reporter"])
            for e in app.history(case.id)
            if e.type in ("Complaint.Filed", "Complaint.Corroborated")
        ]
    return detail


def answer(
    app: Bratasena, views: Projections, outcome: Outcome, who: Account, response: Response
) -> CommandOut:
    """A command's answer: the case as projected once the views have the command's events."""
    views.caught_up(outcome.position)
    response.headers["ETag"] = f'"{outcome.version}"'
    case = _detail(app, views, app.get_complaint(outcome.id), who)
    joined = outcome.joined if isinstance(outcome, Match) else None
    return CommandOut(
        complaint_id=outcome.id, version=outcome.version, case=case, joined_case_id=joined
    )


@router.get(
    "",
    operation_id="listCases",
    summary="Cases, filtered and paged",
    response_model=CasePage,
    response_class=JSONResponse,
)
async def list_cases(
    who: CaseReader,
    views: ViewsDep,
    settings: SettingsDep,
    loop_reads: LoopReadsDep,
    status: Status | None = None,
    district: Annotated[str | None, Query(max_length=16)] = None,
    village: Annotated[str | None, Query(max_length=16)] = None,
    assigned_to: Annotated[str | None, Query(max_length=40)] = None,
    overdue: bool | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="tracking code, registry id, NIK or KK, village, or a name",
        ),
    ] = None,
    name: Annotated[
        str | None,
        Query(
            max_length=100,
            description="every word in the complaint's or the matched household head's name",
        ),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
    sort: CaseSort = CaseSort.FILED_AT_DESC,
) -> Response:
    """Officers see their districts only. Sorts: filed_at, updated_at, response_due,
    decision_due, status, district (- for descending)."""
    # The busiest staff route: each row's JSON is written once per case version and kept, with
    # no model per row and no second validation of the service's own answer
    # (tests/api/test_case_list_json.py pins that the bytes are CasePage's JSON).
    query = CaseQuery(
        status=status,
        district=district,
        village=village,
        assigned_to=assigned_to,
        overdue=overdue,
        q=q,
        name=name,
        districts=districts_of(who),
        page=page,
        per_page=per_page,
        sort=sort,
    )
    if loop_reads is not None:
        found = await views.cases.search_json_on_loop(query, loop_reads)
    else:
        found = await quick_read(settings, views.cases.search_json, query)
    return Response(found, media_type="application/json")


@router.get("/{complaint_id}", operation_id="getCase", summary="One case with its timeline")
def get_case(
    who: CaseReader, case: ScopedCase, app: AppDep, views: ViewsDep, response: Response
) -> CaseDetailOut:
    """The ETag is the case's version: send it back as If-Match with a command."""
    detail = _detail(app, views, case, who)
    response.headers["ETag"] = f'"{detail.version}"'
    return detail


@router.post("/{complaint_id}/assignment", operation_id="assignCase", summary="Assign the case")
def assign(
    who: MayAssign,
    case: ScopedCase,
    body: AssignmentIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """To an officer or facilitator of the case's district; again before the field check."""
    outcome = app.assign(case.id, version, officer=body.officer, actor=who.username)
    return answer(app, views, outcome, who, response)


@router.post(
    "/{complaint_id}/reassignment",
    operation_id="reassignCase",
    summary="Give the case to another officer, with a reason",
)
def reassign(
    who: MayReassign,
    case: ScopedCase,
    body: ReassignmentIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """At any step after the assignment and before the decision; recorded as its own step."""
    outcome = app.reassign(
        case.id, version, officer=body.officer, reason=body.reason, actor=who.username
    )
    return answer(app, views, outcome, who, response)


@router.post(
    "/{complaint_id}/household",
    operation_id="identifyHousehold",
    summary="Match the complaint to a registered household",
)
def identify(
    who: MayIdentify,
    case: ScopedCase,
    body: HouseholdMatchIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """For a complaint filed about a household that was not found by its numbers, before the
    field check. A household already off aid is refused; another village or a head's name that
    does not match needs `confirmation`; a household under another open case is matched by
    joining that case (`joined_case_id`). An officer matches households of their districts."""
    outcome = app.identify_household(
        case.id,
        version,
        registry_id=body.registry_id,
        confirmation=body.confirmation,
        actor=who.username,
    )
    return answer(app, views, outcome, who, response)


@router.post(
    "/{complaint_id}/household/rematch",
    operation_id="rematchHousehold",
    summary="Match the case to another household",
)
def rematch(
    who: MayRematch,
    case: ScopedCase,
    body: RematchIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """After the case was assigned, with a reason: the case goes back to its assigned officer,
    and the field check, the notice and the hearing are done again for the new household."""
    outcome = app.rematch_household(
        case.id,
        version,
        registry_id=body.registry_id,
        reason=body.reason,
        confirmation=body.confirmation,
        actor=who.username,
    )
    return answer(app, views, outcome, who, response)


@router.get(
    "/{complaint_id}/household-candidates",
    operation_id="listHouseholdCandidates",
    summary="Households the complaint may be about",
)
def candidates(
    who: MayMatch,
    case: ScopedCase,
    views: ViewsDep,
    q: Annotated[
        str,
        Query(
            max_length=100,
            description="NIK, KK, registry id or a name; empty: the complaint's name",
        ),
    ] = "",
    within: Annotated[Within, Query(description="where a name is searched")] = Within.DISTRICT,
) -> list[CandidateOut]:
    """Best first, each with what matches the complaint and what does not. Numbers are looked
    up everywhere, names in the complaint's village or district; officers see their districts."""
    found = views.candidates.find(case, q=q, within=within, districts=districts_of(who))
    return [candidate_out(c) for c in found]


@router.post(
    "/{complaint_id}/investigation", operation_id="recordInvestigation", summary="Field check"
)
def investigate(
    who: MayInvestigate,
    case: ScopedCase,
    body: InvestigationIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """Only the assigned officer (or facilitator) records it."""
    outcome = app.record_investigation(
        case.id,
        version,
        visited_on=body.visited_on,
        findings=body.findings,
        recommendation=body.recommendation,
        notes=body.notes,
        actor=who.username,
    )
    return answer(app, views, outcome, who, response)


@router.post("/{complaint_id}/notice", operation_id="issueNotice", summary="Notify the household")
def notice(
    who: MayNotice,
    case: ScopedCase,
    body: NoticeIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """With a response deadline: the household must be heard before an uphold."""
    outcome = app.issue_notice(case.id, version, response_due=body.response_due, actor=who.username)
    return answer(app, views, outcome, who, response)


@router.post(
    "/{complaint_id}/response", operation_id="recordResponse", summary="The household's response"
)
def respond(
    who: MayRecordResponse,
    case: ScopedCase,
    body: ResponseIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """What the household said, and when it was received."""
    outcome = app.record_response(
        case.id, version, statement=body.statement, received_on=body.received_on, actor=who.username
    )
    return answer(app, views, outcome, who, response)


@router.post("/{complaint_id}/decision", operation_id="decideCase", summary="Uphold or reject")
def decide(
    who: MayDecide,
    case: ScopedCase,
    body: DecisionIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """An uphold deactivates the household in the same transaction; it states its reasons (30
    characters or more) and the complaint's reasons the field check confirmed. Four eyes: the
    decider is not the investigator."""
    if body.outcome == Decision.UPHOLD:
        outcome = app.uphold(
            case.id,
            version,
            reason=body.reason,
            reason_codes=[str(code) for code in body.reason_codes],
            actor=who.username,
        )
    else:
        outcome = app.reject(case.id, version, reason=body.reason, actor=who.username)
    return answer(app, views, outcome, who, response)


@router.post("/{complaint_id}/withdrawal", operation_id="withdrawCase", summary="Withdraw")
def withdraw(
    who: MayWithdraw,
    case: ScopedCase,
    body: WithdrawalIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """Before the decision, with a reason."""
    outcome = app.withdraw(case.id, version, reason=body.reason, actor=who.username)
    return answer(app, views, outcome, who, response)


@router.post("/{complaint_id}/appeal", operation_id="recordAppeal", summary="The objection")
def appeal(
    who: MayAppeal,
    case: ScopedCase,
    body: AppealIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """The household's objection (keberatan) to an uphold, within 21 working days."""
    outcome = app.appeal(
        case.id, version, grounds=body.grounds, filed_on=body.filed_on, actor=who.username
    )
    return answer(app, views, outcome, who, response)


@router.post(
    "/{complaint_id}/appeal-decision", operation_id="decideAppeal", summary="Grant or deny"
)
def decide_appeal(
    who: MayDecideAppeal,
    case: ScopedCase,
    body: AppealDecisionIn,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
    response: Response,
) -> CommandOut:
    """A granted objection reactivates the household in the same transaction."""
    decide = app.grant_appeal if body.outcome == AppealDecision.GRANT else app.deny_appeal
    outcome = decide(case.id, version, reason=body.reason, actor=who.username)
    return answer(app, views, outcome, who, response)
