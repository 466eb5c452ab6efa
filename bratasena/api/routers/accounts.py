"""Staff accounts and role grants (administrators only).

Each command waits for the projections to take it in, so the account list shows its effect as
soon as the command answers (read-your-writes, like the case commands).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from bratasena.api.deps import Admin, IfMatch, ServicesDep, ViewsDep
from bratasena.api.routers.auth import account_out
from bratasena.api.schemas import AccountIn, AccountOut, AccountPage, DisableIn, RoleIn
from bratasena.api.security import hash_password
from bratasena.api.services import Services
from bratasena.application import Outcome
from bratasena.projections import StaffQuery

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])

Username = Annotated[str, Path(min_length=3, max_length=40)]


def _after(services: Services, outcome: Outcome, username: str) -> AccountOut:
    services.caught_up(outcome.position)
    return account_out(services.app.get_account(username))


@router.get("", summary="Staff accounts, filtered and paged, in username order")
def list_accounts(
    who: Admin,
    services: ViewsDep,
    role: Annotated[str | None, Query(max_length=20)] = None,
    district: Annotated[
        str | None, Query(max_length=16, description="accounts whose districts include it")
    ] = None,
    enabled: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> AccountPage:
    """Roles: facilitator, officer, supervisor, auditor, admin. No password hashes."""
    found = services.projections.staff.search(
        StaffQuery(role=role, district=district, enabled=enabled, page=page, per_page=per_page)
    )
    return AccountPage(
        items=[AccountOut.model_validate(asdict(row)) for row in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.post("", status_code=201, summary="Open a staff account")
def open_account(body: AccountIn, who: Admin, services: ServicesDep) -> AccountOut:
    """The password is stored only as an argon2id hash."""
    outcome = services.app.open_account(
        username=body.username,
        role=body.role,
        districts=body.districts,
        password_hash=hash_password(body.password),
        full_name=body.full_name,
        actor=who.username,
    )
    return _after(services, outcome, body.username.strip().lower())


@router.get("/{username}", summary="One staff account")
def get_account(username: Username, who: Admin, services: ServicesDep) -> AccountOut:
    """The account's role, districts and whether it may log in."""
    return account_out(services.app.get_account(username))


@router.put("/{username}/role", summary="Change an account's role and districts")
def change_role(
    username: Username, body: RoleIn, who: Admin, version: IfMatch, services: ServicesDep
) -> AccountOut:
    """Takes effect on the account's next request; its tokens stay valid."""
    outcome = services.app.change_role(
        username,
        role=body.role,
        districts=body.districts,
        actor=who.username,
        expected_version=version,
    )
    return _after(services, outcome, username)


@router.post("/{username}/disable", summary="Stop an account from logging in")
def disable(username: Username, body: DisableIn, who: Admin, services: ServicesDep) -> AccountOut:
    """Its tokens stop working on their next request."""
    outcome = services.app.disable_account(username, reason=body.reason, actor=who.username)
    return _after(services, outcome, username)


@router.post("/{username}/enable", summary="Let a disabled account log in again")
def enable(username: Username, who: Admin, services: ServicesDep) -> AccountOut:
    """The account may log in again (old tokens work again until they expire)."""
    outcome = services.app.enable_account(username, actor=who.username)
    return _after(services, outcome, username)
