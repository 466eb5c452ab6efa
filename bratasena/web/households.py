"""Household pages: search by registry id, KK, NIK or name, and one household with its state."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.access import districts_of
from bratasena.domain.account import Role
from bratasena.domain.errors import DomainError, NotFoundError
from bratasena.projections import HouseholdQuery
from bratasena.web import household_history, labels
from bratasena.web.render import PageRoute, need, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)


@router.get("/rumah-tangga")
def search(
    request: Request,
    registry_id: str = "",
    kk: str = "",
    nik: str = "",
    nama: str = "",
    kecamatan: str = "",
    hal: int = 1,
) -> Response:
    """Households by registry id, KK, NIK or the head's name (each matched by keyed hash),
    within the person's area: the area filters the result, so an exact id needs no district."""
    who = need(request, *READERS)
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    scope = districts_of(who)
    values = {
        "registry_id": registry_id[:40],
        "kk": kk[:32],
        "nik": nik[:32],
        "nama": nama[:100],
        "kecamatan": kecamatan,
    }
    errors: dict[str, str] = {}
    found = None
    book = app.regions
    districts = book.districts() if scope is None else [book.district(d) for d in scope]
    if scope is not None and kecamatan and kecamatan not in scope:
        errors["kecamatan"] = "Pilih salah satu kecamatan Anda."
    if any(values.values()) and not errors:
        try:
            found = views.households.search(
                HouseholdQuery(
                    registry_id=values["registry_id"] or None,
                    kk=values["kk"] or None,
                    nik=values["nik"] or None,
                    name=values["nama"] or None,
                    district=kecamatan or None,
                    districts=scope,
                    page=max(1, min(hal, 100_000)),
                    per_page=25,
                )
            )
        except DomainError as error:
            field = {"name": "nama", "district": "kecamatan"}.get(error.field or "", error.field)
            errors[field or "registry_id"] = labels.error_text(error)
    query = {k: v for k, v in values.items() if v}
    return render(
        request,
        "households.html",
        values=values,
        errors=errors,
        found=found,
        districts=districts,
        query=query,
    )


@router.get("/rumah-tangga/{household_id}")
def household(request: Request, household_id: UUID) -> Response:
    """A household's registry data with its history (desil, members, programmes, address by
    extract), its cases, its eligibility over time, and where DTJateng and DTSEN stand on it."""
    who = need(request, *READERS)
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    row = views.households.get(household_id)
    scope = districts_of(who)
    if row is None or (scope is not None and row.district_code not in scope):
        raise NotFoundError(f"no household with id {household_id}")
    current = app.get_household(household_id)
    full = None
    if who.sees_reporter:
        full = {"kk_number": current.kk_number, "head_nik": current.head_nik}
    history = app.history(household_id)
    book = app.regions

    def village_name(code: str) -> str:
        return book.village(code).name if book.has_village(code) else code

    return render(
        request,
        "household.html",
        row=row,
        full=full,
        address=current.address,
        cases=views.cases.of_household(household_id),
        may_open_cases=who.role != Role.ADMIN,
        registry=household_history.registry_lines(history, village_name),
        changes=household_history.status_lines(history),
    )
