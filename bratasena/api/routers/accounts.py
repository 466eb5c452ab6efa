"""Staff accounts and role grants (administrators only).

Each command waits for the projections to take it in, so the account list shows its effect as
soon as the command answers (read-your-writes, like the case commands).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from bratasena.access import hash_password
from bratasena.api.deps import Admin, AppDep, IfMatch, ViewsDep, WaitingViewsDep
from bratasena.api.routers.auth import account_out
from bratasena.api.schemas import AccountIn, AccountOut, AccountPage, DisableIn, RoleIn
from bratasena.application import Bratasena, Outcome
from bratasena.domain.account import Role, check_new_password, normalise_username
from bratasena.projections import Projections, StaffQuery

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])

Username = Annotated[str, Path(min_length=3, max_length=40)]


def _after(app: Bratasena, views: Projections, outcome: Outcome, username: str) -> AccountOut:
    views.caught_up(outcome.position)
    return account_out(app.get_account(username))


@router.get(
    "", operation_id="listAccounts", summary="Staff accounts, filtered and paged, by username"
)
def list_accounts(
    who: Admin,
    views: ViewsDep,
    role: Role | None = None,
    district: Annotated[
        str | None, Query(max_length=16, description="accounts whose districts include it")
    ] = None,
    enabled: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> AccountPage:
    """Roles: facilitator, officer, supervisor, auditor, admin. No password hashes."""
    found = views.staff.search(
        StaffQuery(role=role, district=district, enabled=enabled, page=page, per_page=per_page)
    )
    return AccountPage(
        items=[AccountOut.model_validate(row, from_attributes=True) for row in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.post("", status_code=201, operation_id="openAccount", summary="Open a staff account")
def open_account(body: AccountIn, who: Admin, app: AppDep, views: WaitingViewsDep) -> AccountOut:
    """The password is stored only as an argon2id hash."""
    outcome = app.open_account(
        username=body.username,
        role=body.role,
        districts=body.districts,
        password_hash=hash_password(
            check_new_password(body.password, username=body.username, field="password")
        ),
        full_name=body.full_name,
        actor=who.username,
    )
    return _after(app, views, outcome, normalise_username(body.username))


@router.get("/{username}", operation_id="getAccount", summary="One staff account")
def get_account(username: Username, who: Admin, app: AppDep) -> AccountOut:
    """The account's role, districts and whether it may log in."""
    return account_out(app.get_account(username))


@router.put(
    "/{username}/role", operation_id="changeRole", summary="Change an account's role and districts"
)
def change_role(
    username: Username,
    body: RoleIn,
    who: Admin,
    version: IfMatch,
    app: AppDep,
    views: WaitingViewsDep,
) -> AccountOut:
    """Takes effect on the account's next request; its tokens stay valid."""
    outcome = app.change_role(
        username,
        role=body.role,
        districts=body.districts,
        actor=who.username,
        expected_version=version,
    )
    return _after(app, views, outcome, username)


@router.post(
    "/{username}/disable", operation_id="disableAccount", summary="Stop an account logging in"
)
def disable(
    username: Username, body: DisableIn, who: Admin, app: AppDep, views: WaitingViewsDep
) -> AccountOut:
    """Its tokens stop working on their next request."""
    outcome = app.disable_account(username, reason=body.reason, actor=who.username)
    return _after(app, views, outcome, username)


@router.post(
    "/{username}/enable", operation_id="enableAccount", summary="Let an account log in again"
)
def enable(username: Username, who: Admin, app: AppDep, views: WaitingViewsDep) -> AccountOut:
    """The account may log in again (old tokens work again until they expire)."""
    outcome = app.enable_account(username, actor=who.username)
    return _after(app, views, outcome, username)
