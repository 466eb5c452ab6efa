"""Households in the welfare data: search and status (NIK and KK masked for most roles)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from bratasena.access import districts_of
from bratasena.api.deps import AppDep, HouseholdReader, ViewsDep
from bratasena.domain.account import Account
from bratasena.domain.errors import NotAllowedError, NotFoundError
from bratasena.domain.household import Eligibility, Program, Target
from bratasena.domain.regions import normalise_code
from bratasena.projections import HouseholdQuery

router = APIRouter(prefix="/api/v1/households", tags=["households"])


class SyncStateOut(BaseModel):
    """Where one target system stands on the household's latest change."""

    state: str
    reference: str
    event_version: int


class HouseholdOut(BaseModel):
    """A household's registry data and eligibility; full numbers only for supervisors/auditors."""

    household_id: UUID
    registry_id: str
    kk_masked: str
    nik_masked: str
    head_name: str
    village_code: str
    village_name: str
    district_code: str
    district_name: str
    desil: int
    programs: list[Program]
    members: int
    status: Eligibility
    effective_month: str | None
    complaints_received: int
    sync: dict[Target, SyncStateOut]
    version: int
    kk_number: str | None = None
    head_nik: str | None = None


class HouseholdPage(BaseModel):
    """One page of households."""

    items: list[HouseholdOut]
    total: int
    page: int
    per_page: int


def _district_for(who: Account, district: str | None) -> str | None:
    """The district filter, which must be one of an area-bound account's own districts.

    None searches all of the caller's districts: the area rule filters the result, so an exact
    registry id, KK or NIK never needs a district chosen first.
    """
    scope = districts_of(who)
    if (
        scope is not None
        and district is not None
        and normalise_code(district, field="district") not in scope
    ):
        raise NotAllowedError(
            f"district: you work in {', '.join(scope)} only", rule="outside_your_districts"
        )
    return district


@router.get(
    "",
    operation_id="searchHouseholds",
    summary="Households by registry id, KK, NIK, head's name, village, district or status",
)
def search(
    who: HouseholdReader,
    views: ViewsDep,
    registry_id: Annotated[str | None, Query(max_length=40)] = None,
    kk: Annotated[str | None, Query(max_length=32)] = None,
    nik: Annotated[str | None, Query(max_length=32)] = None,
    name: Annotated[
        str | None, Query(max_length=100, description="every word in the head's name")
    ] = None,
    village: Annotated[str | None, Query(max_length=16)] = None,
    district: Annotated[str | None, Query(max_length=16)] = None,
    status: Eligibility | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> HouseholdPage:
    """KK, NIK and the words of names are matched by keyed hash; results show KK and NIK
    masked. Officers see their districts' households only."""
    found = views.households.search(
        HouseholdQuery(
            registry_id=registry_id,
            kk=kk,
            nik=nik,
            name=name,
            village=village,
            district=_district_for(who, district),
            districts=districts_of(who),
            status=status,
            page=page,
            per_page=per_page,
        )
    )
    return HouseholdPage(
        items=[HouseholdOut.model_validate(row, from_attributes=True) for row in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.get("/{household_id}", operation_id="getHousehold", summary="One household's status")
def get_household(
    household_id: UUID, who: HouseholdReader, app: AppDep, views: ViewsDep
) -> HouseholdOut:
    """Supervisors and auditors also see the full KK and head-of-household NIK."""
    row = views.households.get(household_id)
    scope = districts_of(who)
    if row is None or (scope is not None and row.district_code not in scope):
        raise NotFoundError(f"no household with id {household_id}")
    out = HouseholdOut.model_validate(row, from_attributes=True)
    if who.sees_reporter:
        household = app.get_household(household_id)
        out.kk_number, out.head_nik = household.kk_number, household.head_nik
    return out
