"""Logging in: a bearer token for a username and password, and who the token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from bratasena import access
from bratasena.api.deps import AppDep, ClientAddress, SettingsDep, Staff, ThrottleDep
from bratasena.api.schemas import AccountOut, TokenOut
from bratasena.domain.account import Account

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


@router.post(
    "/auth/token",
    operation_id="logIn",
    summary="Log in (OAuth2 password form) for a bearer token",
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    app: AppDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    client: ClientAddress,
) -> TokenOut:
    """Repeated failures from one address lock that username there for a growing while."""
    account = access.authenticate(app, throttle, form.username, form.password, client)
    return TokenOut(
        access_token=access.issue_token(settings, account.username),
        expires_in=settings.token_ttl_seconds,
    )


@router.get("/me", operation_id="getMe", summary="The account of the bearer token")
def me(who: Staff) -> AccountOut:
    """The caller's account, role and districts."""
    return account_out(who)
