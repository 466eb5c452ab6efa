"""Route dependencies: the services, the calling account, who may call, and If-Match versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from bratasena.api.errors import ProblemError
from bratasena.api.security import read_token
from bratasena.api.services import Services
from bratasena.domain.account import Account
from bratasena.domain.errors import InvalidInputError, NotAllowedError, NotFoundError

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_services(request: Request) -> Services:
    """The process's services, made by `create_app`."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def fresh_services(services: ServicesDep) -> Services:
    """The services, with the views caught up first when no runner thread does it."""
    services.refresh()
    return services


ViewsDep = Annotated[Services, Depends(fresh_services)]
"""For routes that read projected views."""


def client_address(request: Request) -> str:
    """The caller's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def _unauthenticated(detail: str) -> ProblemError:
    return ProblemError(
        401, detail, rule="not_authenticated", headers={"WWW-Authenticate": "Bearer"}
    )


def optional_account(
    services: ServicesDep, token: Annotated[str | None, Depends(_bearer)]
) -> Account | None:
    """The account of the bearer token, or None without one.

    The account is read from the event store on every request, never cached: a disabled account's
    token stops working on its very next request, and a role change applies at once.
    """
    if token is None:
        return None
    username = read_token(services.settings, token)
    if username is None:
        raise _unauthenticated("the access token is invalid or expired; log in again")
    try:
        account = services.app.get_account(username)
    except NotFoundError:
        raise _unauthenticated("the access token names no account; log in again") from None
    if not account.enabled:
        raise _unauthenticated("this account is disabled; ask an administrator")
    return account


OptionalAccount = Annotated[Account | None, Depends(optional_account)]


def public_rate_limit(
    account: OptionalAccount, services: ServicesDep, client: ClientAddress
) -> Account | None:
    """The caller's account, after counting an anonymous caller against its address's limit.

    Counted before the body is validated, so malformed floods are limited too; staff are not.
    """
    if account is None:
        services.rate_limiter.check(client)
    return account


RateLimitedCaller = Annotated[Account | None, Depends(public_rate_limit)]


def current_account(account: OptionalAccount) -> Account:
    """The calling staff account; 401 without a valid token."""
    if account is None:
        raise _unauthenticated("log in first: this needs a staff account's bearer token")
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


def require(*roles: str) -> Callable[[Account], Account]:
    """A dependency that lets only accounts with one of ``roles`` through (403 for others)."""

    def check(account: CurrentAccount) -> Account:
        if account.role not in roles:
            raise NotAllowedError(
                f"a {account.role} may not do this; it needs the role {' or '.join(roles)}",
                rule="role_not_allowed",
            )
        return account

    return check


Staff = Annotated[
    Account, Depends(require("facilitator", "officer", "supervisor", "auditor", "admin"))
]
CaseReader = Annotated[Account, Depends(require("officer", "supervisor", "auditor"))]
HouseholdReader = Annotated[Account, Depends(require("officer", "supervisor", "auditor", "admin"))]
FieldWorker = Annotated[Account, Depends(require("officer", "facilitator"))]
Officer = Annotated[Account, Depends(require("officer"))]
OfficerOrSupervisor = Annotated[Account, Depends(require("officer", "supervisor"))]
Supervisor = Annotated[Account, Depends(require("supervisor"))]
Auditing = Annotated[Account, Depends(require("auditor", "supervisor"))]
ReportReader = Annotated[Account, Depends(require("supervisor", "auditor"))]
Admin = Annotated[Account, Depends(require("admin"))]


def districts_of(account: Account) -> list[str] | None:
    """The districts an account is limited to (officers, facilitators), or None for all."""
    return list(account.districts) if account.role in ("officer", "facilitator") else None


def scoped_case(complaint_id: UUID, account: CurrentAccount, services: ServicesDep) -> UUID:
    """The case id, after checking an area-bound account works in the case's district.

    Read from the event store (not a view) so the check never lags; a case outside the area is
    reported as not found, so its existence is not revealed either.
    """
    scope = districts_of(account)
    if scope is not None:
        complaint = services.app.get_complaint(complaint_id)
        if complaint.village_code[:6] not in scope:
            raise NotFoundError(f"no complaint with id {complaint_id} in your districts")
    return complaint_id


ScopedCase = Annotated[UUID, Depends(scoped_case)]


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
