"""Staff accounts and role grants (administrators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from bratasena.api.deps import Admin, IfMatch, ServicesDep
from bratasena.api.routers.auth import account_out
from bratasena.api.schemas import AccountIn, AccountOut, DisableIn, RoleIn
from bratasena.api.security import hash_password

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])

Username = Annotated[str, Path(min_length=3, max_length=40)]


@router.post("", status_code=201, summary="Open a staff account")
def open_account(body: AccountIn, who: Admin, services: ServicesDep) -> AccountOut:
    """The password is stored only as an argon2id hash."""
    services.app.open_account(
        username=body.username,
        role=body.role,
        districts=body.districts,
        password_hash=hash_password(body.password),
        full_name=body.full_name,
        actor=who.username,
    )
    return account_out(services.app.get_account(body.username.strip().lower()))


@router.get("/{username}", summary="One staff account")
def get_account(username: Username, who: Admin, services: ServicesDep) -> AccountOut:
    """The account's role, districts and whether it may log in."""
    return account_out(services.app.get_account(username))


@router.put("/{username}/role", summary="Change an account's role and districts")
def change_role(
    username: Username, body: RoleIn, who: Admin, version: IfMatch, services: ServicesDep
) -> AccountOut:
    """Takes effect on the account's next request; its tokens stay valid."""
    services.app.change_role(
        username,
        role=body.role,
        districts=body.districts,
        actor=who.username,
        expected_version=version,
    )
    return account_out(services.app.get_account(username))


@router.post("/{username}/disable", summary="Stop an account from logging in")
def disable(username: Username, body: DisableIn, who: Admin, services: ServicesDep) -> AccountOut:
    """Its tokens stop working on their next request."""
    services.app.disable_account(username, reason=body.reason, actor=who.username)
    return account_out(services.app.get_account(username))


@router.post("/{username}/enable", summary="Let a disabled account log in again")
def enable(username: Username, who: Admin, services: ServicesDep) -> AccountOut:
    """The account may log in again (old tokens work again until they expire)."""
    services.app.enable_account(username, actor=who.username)
    return account_out(services.app.get_account(username))
