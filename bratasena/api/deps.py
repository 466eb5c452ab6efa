"""Route dependencies: the service's parts, the calling account, who may call, If-Match versions.

Each is an `Annotated` alias a route names in its signature; none holds a rule of its own: who
may take an action comes from the domain's table, what a caller may see from `bratasena.access`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from bratasena import access
from bratasena.access import NotAuthenticatedError
from bratasena.application import Bratasena
from bratasena.domain.account import Account, Action, Role
from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import InvalidInputError
from bratasena.integration.sync import SyncWorker
from bratasena.limits import LoginThrottle, RateLimiter
from bratasena.metrics import Metrics
from bratasena.projections import Projections
from bratasena.settings import Settings

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

AppDep = Annotated[Bratasena, Depends(access.app_of)]
"""The application: the use cases over the event store."""

SettingsDep = Annotated[Settings, Depends(access.settings_of)]
ThrottleDep = Annotated[LoginThrottle, Depends(access.throttle_of)]
MetricsDep = Annotated[Metrics, Depends(access.metrics_of)]
ClientAddress = Annotated[str, Depends(access.client_address)]


def fresh_views(request: Request) -> Projections:
    """The views, caught up first when no runner thread does it in this process."""
    views = access.views_of(request)
    views.refresh()
    return views


ViewsDep = Annotated[Projections, Depends(fresh_views)]
"""The projected views, for routes that read them."""

WaitingViewsDep = Annotated[Projections, Depends(access.views_of)]
"""The projected views, for commands: they wait for their own position afterwards."""


SyncDep = Annotated[SyncWorker, Depends(access.sync_of)]


def optional_account(
    app: AppDep, settings: SettingsDep, token: Annotated[str | None, Depends(_bearer)]
) -> Account | None:
    """The account of the bearer token, or None without one (read on every request)."""
    if token is None:
        return None
    named = access.read_token(settings, token)
    if named is None:
        raise NotAuthenticatedError("the access token is invalid or expired; log in again")
    return access.token_account(app, *named)


OptionalAccount = Annotated[Account | None, Depends(optional_account)]


def public_rate_limit(
    account: OptionalAccount,
    limiter: Annotated[RateLimiter, Depends(access.limiter_of)],
    client: ClientAddress,
) -> Account | None:
    """The caller's account, after counting an anonymous caller against its address's limit.

    Counted before the body is validated, so malformed floods are limited too; staff are not.
    """
    if account is None:
        limiter.check(client)
    return account


RateLimitedCaller = Annotated[Account | None, Depends(public_rate_limit)]


def current_account(account: OptionalAccount) -> Account:
    """The calling staff account; 401 without a valid token."""
    if account is None:
        raise NotAuthenticatedError("log in first: this needs a staff account's bearer token")
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


def role(*roles: Role) -> Callable[[Account], Account]:
    """A dependency that lets only accounts with one of ``roles`` through (403 for others)."""

    def check(account: CurrentAccount) -> Account:
        return access.require(account, *roles)

    return check


def may(*actions: Action) -> Callable[[Account], Account]:
    """A dependency that lets through the roles the domain's table gives an action."""

    def check(account: CurrentAccount) -> Account:
        return access.require_action(account, *actions)

    return check


Staff = Annotated[Account, Depends(role(*Role))]
CaseReader = Annotated[Account, Depends(role(Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR))]
HouseholdReader = Annotated[
    Account, Depends(role(Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN))
]
Supervisor = Annotated[Account, Depends(role(Role.SUPERVISOR))]
Auditing = Annotated[Account, Depends(role(Role.AUDITOR, Role.SUPERVISOR))]
ReportReader = Annotated[Account, Depends(role(Role.SUPERVISOR, Role.AUDITOR))]
Admin = Annotated[Account, Depends(role(Role.ADMIN))]

MayAssign = Annotated[Account, Depends(may(Action.ASSIGN))]
MayReassign = Annotated[Account, Depends(may(Action.REASSIGN))]
MayIdentify = Annotated[Account, Depends(may(Action.IDENTIFY_HOUSEHOLD))]
MayRematch = Annotated[Account, Depends(may(Action.REMATCH_HOUSEHOLD))]
MayMatch = Annotated[Account, Depends(may(Action.IDENTIFY_HOUSEHOLD, Action.REMATCH_HOUSEHOLD))]
MayIssueLetter = Annotated[Account, Depends(may(Action.ISSUE_LETTER))]
MayRecordDelivery = Annotated[Account, Depends(may(Action.RECORD_DELIVERY))]
MayInvestigate = Annotated[Account, Depends(may(Action.RECORD_INVESTIGATION))]
MayNotice = Annotated[Account, Depends(may(Action.ISSUE_NOTICE))]
MayRecordResponse = Annotated[Account, Depends(may(Action.RECORD_RESPONSE))]
MayDecide = Annotated[Account, Depends(may(Action.UPHOLD, Action.REJECT))]
MayWithdraw = Annotated[Account, Depends(may(Action.WITHDRAW))]
MayAppeal = Annotated[Account, Depends(may(Action.APPEAL))]
MayDecideAppeal = Annotated[Account, Depends(may(Action.GRANT_APPEAL, Action.DENY_APPEAL))]


def scoped_case(complaint_id: UUID, account: CurrentAccount, app: AppDep) -> Complaint:
    """The case, if the caller may see it (see `access.visible_complaint`); else 404."""
    return access.visible_complaint(app, account, complaint_id)


ScopedCase = Annotated[Complaint, Depends(scoped_case)]


def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description='the case version you saw (its ETag, e.g. "3"); a stale one gets 409',
            max_length=40,
        ),
    ] = None,
) -> int | None:
    """The version from If-Match (`"3"`, `W/"3"` or `3`); None when absent or `*`."""
    if if_match is None or if_match.strip() in ("", "*"):
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidInputError(
            'If-Match: give the version you saw as its ETag, e.g. "3"', field="If-Match"
        )
    return int(text)


IfMatch = Annotated[int | None, Depends(expected_version)]
