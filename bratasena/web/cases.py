"""The case page: facts, timeline, the actions the person's role and the case's state allow; audit.

Action forms call the application directly with the version the person saw; a stale version
re-renders the page with the case as it is now and says so. The complainant's identity is read
from the events only for supervisors and auditors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from bratasena.api.deps import districts_of
from bratasena.api.services import Services
from bratasena.application import Outcome
from bratasena.domain.account import Account
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import (
    APPEALED,
    ASSIGNED,
    FILED,
    INVESTIGATED,
    NOTICE_ISSUED,
    RESPONSE_RECORDED,
    UNDECIDED_STATUSES,
    UPHELD,
    Complaint,
)
from bratasena.domain.errors import ConflictError, DomainError, InvalidInputError, NotFoundError
from bratasena.projections import StaffRow
from bratasena.web import labels, timeline
from bratasena.web.render import (
    CheckedForm,
    PageError,
    PageRoute,
    need,
    parse_date,
    redirect,
    render,
    services_of,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CASE_READERS = ("officer", "supervisor", "auditor", "facilitator")
"""Who may open a case page; a facilitator only the cases assigned to them."""

DONE: dict[str, str] = {
    "assign": "Kasus sudah ditugaskan.",
    "identify": "Aduan sudah dicocokkan dengan keluarga terdaftar.",
    "investigate": "Hasil verifikasi lapangan sudah dicatat.",
    "notice": "Pemberitahuan kepada keluarga sudah dicatat.",
    "response": "Tanggapan keluarga sudah dicatat.",
    "decide": "Keputusan sudah dicatat.",
    "withdraw": "Aduan sudah dicabut.",
    "appeal": "Keberatan keluarga sudah dicatat.",
    "appeal_decision": "Keputusan atas keberatan sudah dicatat.",
}
"""The message after each action succeeded."""

ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "assign": ("supervisor",),
    "identify": ("officer", "supervisor"),
    "investigate": ("officer", "facilitator"),
    "notice": ("officer",),
    "response": ("officer",),
    "decide": ("supervisor",),
    "withdraw": ("officer", "supervisor"),
    "appeal": ("officer", "supervisor"),
    "appeal_decision": ("supervisor",),
}
"""Who may take each action (the same roles as the API's routes)."""


def allowed_actions(who: Account, case: Complaint, today: Any) -> list[str]:
    """Exactly the actions this person may take on the case in its state."""
    role, me = who.role, who.username
    undecided = case.status in UNDECIDED_STATUSES
    may: list[str] = []
    if case.status in (FILED, ASSIGNED):
        may.append("assign")
    if case.household_id is None and undecided:
        may.append("identify")
    if case.status == ASSIGNED and case.assigned_to == me:
        may.append("investigate")
    if case.status == INVESTIGATED:
        may.append("notice")
    if case.status == NOTICE_ISSUED:
        may.append("response")
    if (
        case.status in (INVESTIGATED, NOTICE_ISSUED, RESPONSE_RECORDED)
        and me != case.investigated_by
    ):
        may.append("decide")
    if undecided:
        may.append("withdraw")
    if case.status == UPHELD and (deadline := case.objection_deadline()) and today <= deadline:
        may.append("appeal")
    if case.status == APPEALED and me != case.investigated_by:
        may.append("appeal_decision")
    return [a for a in may if role in ACTION_ROLES[a]]


def may_uphold(case: Complaint, today: Any) -> bool:
    """Whether an uphold is possible now: the household was heard (or its deadline passed)."""
    if case.household_id is None:
        return False
    if case.status == RESPONSE_RECORDED:
        return True
    return (
        case.status == NOTICE_ISSUED and case.response_due is not None and today > case.response_due
    )


def _scoped_complaint(services: Services, who: Account, complaint_id: UUID) -> Complaint:
    # Read from the event store, not a view, so the check never lags; a case the person may not
    # see is "not found", which does not reveal that it exists.
    complaint = services.app.get_complaint(complaint_id)
    scope = districts_of(who)
    if scope is not None and complaint.village_code[:6] not in scope:
        raise NotFoundError(f"no complaint with id {complaint_id} in your districts")
    if who.role == "facilitator" and complaint.assigned_to != who.username:
        raise NotFoundError(f"no complaint with id {complaint_id} assigned to you")
    return complaint


def _case_page(
    request: Request,
    who: Account,
    complaint_id: UUID,
    *,
    status: int = 200,
    message: str | None = None,
    failed: dict[str, Any] | None = None,
) -> Response:
    services = services_of(request)
    services.refresh()
    case = _scoped_complaint(services, who, complaint_id)
    row = services.projections.cases.get(complaint_id)
    history = services.app.history(complaint_id)
    today = jakarta_date(services.app.clock())
    household = (
        services.projections.households.get(case.household_id) if case.household_id else None
    )
    book = services.app.regions
    village = book.village(case.village_code) if book.has_village(case.village_code) else None
    actions = allowed_actions(who, case, today)
    return render(
        request,
        "case.html",
        status=status,
        case=case,
        row=row,
        village=village,
        household=household,
        subject=timeline.subject_of(history, full_numbers=who.sees_reporter),
        steps=timeline.steps(history, book),
        reports=timeline.reports(history) if who.sees_reporter else None,
        actions=actions,
        assignees=_assignees(services, case) if "assign" in actions else [],
        may_uphold=may_uphold(case, today),
        today=today,
        default_due=today + timedelta(days=14),
        message=message,
        failed=failed or {"action": None, "values": {}, "errors": {}},
    )


def _assignees(services: Services, case: Complaint) -> list[StaffRow]:
    """Who the case may go to: the enabled officers and facilitators of its district.

    Read from the staff directory for the form's choices only; the command checks the account
    itself against the event store, so a choice that lagged behind a change is still refused.
    """
    if not services.app.regions.has_village(case.village_code):
        return []  # a village the configured regency does not know has no district to staff
    return services.projections.staff.assignable(case.village_code[:6])


@router.get("/kasus/{complaint_id}")
def case_page(request: Request, complaint_id: UUID, ok: str = "") -> Response:
    """One case: facts, household, timeline, and the forms for the allowed actions."""
    who = need(request, *CASE_READERS)
    return _case_page(request, who, complaint_id, message=DONE.get(ok))


def _investigate(s: Services, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    case = s.app.get_complaint(cid)
    findings = {code: text(f, f"findings.{code}") for code in case.reasons}
    return s.app.record_investigation(
        cid,
        v,
        visited_on=parse_date(f, "visited_on"),
        findings={code: finding for code, finding in findings.items() if finding},
        recommendation=text(f, "recommendation"),
        notes=text(f, "notes"),
        actor=who.username,
    )


def _identify(s: Services, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    registry_id = text(f, "registry_id")
    if not registry_id:
        raise InvalidInputError("registry_id: give the registry id", field="registry_id")
    try:
        return s.app.identify_household(cid, v, registry_id=registry_id, actor=who.username)
    except NotFoundError:
        raise InvalidInputError("registry_id: unknown", field="registry_id") from None


def _assign(s: Services, cid: UUID, v: int, f: FormData, who: Account) -> Outcome:
    return s.app.assign(cid, v, officer=text(f, "officer").lower(), actor=who.username)


COMMANDS: dict[str, Callable[[Services, UUID, int, FormData, Account], Outcome]] = {
    "assign": _assign,
    "identify": _identify,
    "investigate": _investigate,
    "notice": lambda s, cid, v, f, who: s.app.issue_notice(
        cid, v, response_due=parse_date(f, "response_due"), actor=who.username
    ),
    "response": lambda s, cid, v, f, who: s.app.record_response(
        cid,
        v,
        statement=text(f, "statement"),
        received_on=parse_date(f, "received_on"),
        actor=who.username,
    ),
    "decide": lambda s, cid, v, f, who: s.app.decide(
        cid, v, outcome=text(f, "outcome"), reason=text(f, "reason"), actor=who.username
    ),
    "withdraw": lambda s, cid, v, f, who: s.app.withdraw(
        cid, v, reason=text(f, "reason"), actor=who.username
    ),
    "appeal": lambda s, cid, v, f, who: s.app.appeal(
        cid, v, grounds=text(f, "grounds"), filed_on=parse_date(f, "filed_on"), actor=who.username
    ),
    "appeal_decision": lambda s, cid, v, f, who: s.app.decide_appeal(
        cid, v, outcome=text(f, "outcome"), reason=text(f, "reason"), actor=who.username
    ),
}
"""Each action form's one application call, with the version the person saw."""


@router.post("/kasus/{complaint_id}/{action}")
def act(request: Request, complaint_id: UUID, action: str, form: CheckedForm) -> Response:
    """Take one action; a refusal re-renders the case with the input and the error in place."""
    if action not in COMMANDS:
        raise PageError(404, "Tidak ditemukan", "Langkah itu tidak dikenal.")
    who = need(request, *ACTION_ROLES[action])
    services = services_of(request)
    _scoped_complaint(services, who, complaint_id)
    values = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"}
    try:
        seen = int(text(form, "version"))
    except ValueError:
        raise PageError(400, "Formulir tidak lengkap", "Muat ulang halaman kasus.") from None
    try:
        outcome = COMMANDS[action](services, complaint_id, seen, form, who)
    except DomainError as error:
        stale = isinstance(error, ConflictError)
        field = error.field or "form"
        return _case_page(
            request,
            who,
            complaint_id,
            status=409 if stale else 422,
            failed={
                "action": action,
                # A stale form is shown again with what the person typed, against the new state.
                "values": values,
                "errors": {field: labels.error_text(error)},
                "stale": stale,
            },
        )
    services.caught_up(outcome.position)
    return redirect(f"/kasus/{complaint_id}?ok={action}")


@router.get("/kasus/{complaint_id}/riwayat")
def audit(request: Request, complaint_id: UUID) -> Response:
    """Every stored event of the case, oldest first, with its actor and data (audit view)."""
    need(request, "supervisor", "auditor")
    services = services_of(request)
    history = services.app.history(complaint_id)
    if not history[0].type.startswith("Complaint."):
        raise NotFoundError(f"no complaint with id {complaint_id}")
    case = services.app.get_complaint(complaint_id)
    return render(request, "audit.html", case=case, history=history)
