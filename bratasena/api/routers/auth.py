"""Logging in: a bearer token for a username and password, and who the token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from bratasena.api.deps import ClientAddress, ServicesDep, Staff
from bratasena.api.errors import ProblemError
from bratasena.api.schemas import AccountOut, TokenOut
from bratasena.api.security import issue_token, verify_password
from bratasena.domain.account import Account
from bratasena.domain.errors import NotFoundError

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def account_out(account: Account) -> AccountOut:
    """An account as the API shows it."""
    return AccountOut(
        username=account.username,
        full_name=account.full_name,
        role=account.role,
        districts=list(account.districts),
        enabled=account.enabled,
        updated_at=account.modified_on,
        version=account.version,
    )


def _find(services: ServicesDep, username: str) -> Account | None:
    try:
        return services.app.get_account(username.strip().lower())
    except NotFoundError:
        return None


@router.post(
    "/auth/token",
    summary="Log in (OAuth2 password form) for a bearer token",
    responses={401: {"description": "wrong username or password"}, 429: {"description": "slowed"}},
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    services: ServicesDep,
    client: ClientAddress,
) -> TokenOut:
    """Repeated failures from one address lock that username there for a growing while."""
    wait = services.throttle.retry_after(form.username, client)
    if wait:
        raise ProblemError(
            429,
            f"too many failed logins; try again in {wait} seconds",
            rule="login_throttled",
            headers={"Retry-After": str(wait)},
        )
    account = _find(services, form.username)
    good = verify_password(account.password_hash if account else None, form.password)
    if account is None or not good or not account.enabled:
        services.throttle.failed(form.username, client)
        raise ProblemError(
            401,
            "wrong username or password, or the account is disabled",
            rule="login_failed",
            headers={"WWW-Authenticate": "Bearer"},
        )
    services.throttle.succeeded(form.username, client)
    return TokenOut(
        access_token=issue_token(services.settings, account.username),
        expires_in=services.settings.token_ttl_seconds,
    )


@router.get("/me", summary="The account of the bearer token")
def me(who: Staff) -> AccountOut:
    """The caller's account, role and districts."""
    return account_out(who)
