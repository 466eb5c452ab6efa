"""Route dependencies: the service's parts, the calling account, who may call, If-Match versions.

Each is an `Annotated` alias a route names in its signature; none holds a rule of its own: who
may take an action comes from the domain's table, what a caller may see from `bratasena.access`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, ParamSpec, TypeVar
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
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
from bratasena.persistence import LoopReads
from bratasena.projections import Projections
from bratasena.settings import Settings

P = ParamSpec("P")
T = TypeVar("T")

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

# A dependency written as a plain `def` runs in the thread pool: a hand-off to a worker thread and
# back, per dependency and request. Those that only read the service's parts, or check an account
# already read, do no I/O, so they are coroutines and run on the event loop at once. Those that
# read the store (the views, the rate limit) stay plain functions, except the reads of one
# statement the busiest routes make (`quick_read`).


async def quick_read(
    settings: Settings, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """A read of a few indexed statements: on SQLite at once on the event loop, on PostgreSQL
    in the thread pool (the case list, the tracking page and the caller's account check read on
    the event loop there instead, through `LoopReads`, where the deployment allows it).

    SQLite reads a local file in WAL mode, where a reader takes no lock a writer holds, so the
    read never waits, and taking it to a thread cost more than the read: the interpreter lock
    then changed hands at every row SQLite returned, about 120 thread switches per case-list
    request against 8 for the bare route (docs/benchmarks.md, issue 18). A PostgreSQL read
    waits on the network, which would hold up every other connection on the loop.
    """
    if settings.uses_postgres:
        return await run_in_threadpool(read, *args, **kwargs)
    return read(*args, **kwargs)


async def _app(request: Request) -> Bratasena:
    return access.app_of(request)


async def _settings(request: Request) -> Settings:
    return access.settings_of(request)


async def _throttle(request: Request) -> LoginThrottle:
    return access.throttle_of(request)


async def _metrics(request: Request) -> Metrics:
    return access.metrics_of(request)


async def _client(request: Request) -> str:
    return access.client_address(request)


async def _views(request: Request) -> Projections:
    return access.views_of(request)


async def _sync(request: Request) -> SyncWorker:
    return access.sync_of(request)


async def _limiter(request: Request) -> RateLimiter:
    return access.limiter_of(request)


async def _loop_reads(request: Request) -> LoopReads | None:
    return access.loop_reads_of(request)


AppDep = Annotated[Bratasena, Depends(_app)]
"""The application: the use cases over the event store."""

SettingsDep = Annotated[Settings, Depends(_settings)]
LoopReadsDep = Annotated[LoopReads | None, Depends(_loop_reads)]
"""The reads made on the event loop where the deployment allows them (`quick_read`), or None."""
ThrottleDep = Annotated[LoginThrottle, Depends(_throttle)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
ClientAddress = Annotated[str, Depends(_client)]


async def fresh_views(request: Request) -> Projections:
    """The views, caught up first when no leading runner keeps them.

    Under `bratasena serve` (its runner thread leads, or stands by while another worker's
    leads) there is nothing to do and no thread hand-off; without one the catching up reads the
    store, in the thread pool.
    """
    views = access.views_of(request)
    if not views.led:
        await run_in_threadpool(views.refresh)
    return views


ViewsDep = Annotated[Projections, Depends(fresh_views)]
"""The projected views, for routes that read them."""

WaitingViewsDep = Annotated[Projections, Depends(_views)]
"""The projected views, for commands: they wait for their own position afterwards."""


SyncDep = Annotated[SyncWorker, Depends(_sync)]


async def optional_account(
    app: AppDep,
    settings: SettingsDep,
    loop_reads: LoopReadsDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> Account | None:
    """The account of the bearer token, or None without one (checked on every request).

    The check is one indexed read of the account's version (`Bratasena.kept_caller`, a
    `quick_read`; on PostgreSQL `kept_caller_on_loop` through `LoopReads` where the deployment
    allows it), and the token's signature is checked once per token. Reading the account
    itself (the first request, or after it changed) goes through the library's connection pool,
    which can make a caller wait, so that is done in the thread pool.
    """
    if token is None:
        return None
    named = access.read_token(settings, token)
    if named is None:
        raise NotAuthenticatedError("the access token is invalid or expired; log in again")
    if loop_reads is not None:
        kept = await access.kept_token_account_on_loop(app, loop_reads, *named)
    else:
        kept = await quick_read(settings, access.kept_token_account, app, *named)
    if kept is not None:
        return kept
    return await run_in_threadpool(access.token_account, app, *named)


OptionalAccount = Annotated[Account | None, Depends(optional_account)]


def public_rate_limit(
    account: OptionalAccount,
    limiter: Annotated[RateLimiter, Depends(_limiter)],
    client: ClientAddress,
) -> Account | None:
    """The caller's account, after counting an anonymous caller against its address's limit.

    Counted before the body is validated, so malformed floods are limited too; staff are not.
    """
    if account is None:
        limiter.check(client)
    return account


RateLimitedCaller = Annotated[Account | None, Depends(public_rate_limit)]


async def current_account(account: OptionalAccount) -> Account:
    """The calling staff account; 401 without a valid token."""
    if account is None:
        raise NotAuthenticatedError("log in first: this needs a staff account's bearer token")
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


def role(*roles: Role) -> Callable[[Account], Awaitable[Account]]:
    """A dependency that lets only accounts with one of ``roles`` through (403 for others)."""

    async def check(account: CurrentAccount) -> Account:
        return access.require(account, *roles)

    return check


def may(*actions: Action) -> Callable[[Account], Awaitable[Account]]:
    """A dependency that lets through the roles the domain's table gives an action."""

    async def check(account: CurrentAccount) -> Account:
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


async def expected_version(
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
