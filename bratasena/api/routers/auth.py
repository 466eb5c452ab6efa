"""Logging in: a bearer token for a username and password, and who the token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import OAuth2PasswordRequestForm

from bratasena import access
from bratasena.api.deps import AppDep, ClientAddress, SettingsDep, Staff, ThrottleDep
from bratasena.api.schemas import AccountOut, PasswordChangeIn, TokenOut
from bratasena.domain.account import Account, check_new_password
from bratasena.settings import Settings

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
    return token_out(settings, account)


def token_out(settings: Settings, account: Account) -> TokenOut:
    """A fresh token for the account at its current token version."""
    return TokenOut(
        access_token=access.issue_token(settings, account.username, account.token_version),
        expires_in=settings.token_ttl_seconds,
    )


@router.post(
    "/auth/logout",
    status_code=204,
    operation_id="logOut",
    summary="End every token and session of the caller's account",
)
def logout(who: Staff, app: AppDep) -> Response:
    """This token, and every other token or page session of the account, stop working."""
    app.sign_out(who.username, actor=who.username)
    return Response(status_code=204)


@router.put(
    "/me/password",
    operation_id="changeMyPassword",
    summary="Change the caller's password (the current one first); answers a fresh token",
)
def change_password(
    body: PasswordChangeIn,
    who: Staff,
    app: AppDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    client: ClientAddress,
) -> TokenOut:
    """Every earlier token and session of the account ends; the answer carries a new token."""
    access.authenticate(app, throttle, who.username, body.current_password, client)
    new = check_new_password(body.new_password, username=who.username)
    app.change_password(who.username, password_hash=access.hash_password(new), actor=who.username)
    return token_out(settings, app.get_account(who.username))


@router.get("/me", operation_id="getMe", summary="The account of the bearer token")
def me(who: Staff) -> AccountOut:
    """The caller's account, role and districts."""
    return account_out(who)
