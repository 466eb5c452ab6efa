"""Household pages: search by registry id, KK, NIK or name, and one household with its state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.access import districts_of
from bratasena.domain.account import Role
from bratasena.domain.errors import DomainError, NotFoundError
from bratasena.projections import HouseholdQuery
from bratasena.web import exports, household_history, labels
from bratasena.web.render import PageError, PageRoute, need, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)


def _values(
    registry_id: str, kk: str, nik: str, nama: str, kecamatan: str, desa: str
) -> dict[str, str]:
    return {
        "registry_id": registry_id[:40],
        "kk": kk[:32],
        "nik": nik[:32],
        "nama": nama[:100],
        "kecamatan": kecamatan[:16],
        "desa": desa[:16],
    }


def _query(
    values: dict[str, str], scope: Sequence[str] | None, page: int, per_page: int
) -> HouseholdQuery:
    """The household view's query for the form's values, within the person's districts."""
    return HouseholdQuery(
        registry_id=values["registry_id"] or None,
        kk=values["kk"] or None,
        nik=values["nik"] or None,
        name=values["nama"] or None,
        village=values["desa"] or None,
        district=values["kecamatan"] or None,
        districts=scope,
        page=max(1, min(page, 100_000)),
        per_page=per_page,
    )


def _field(error: DomainError) -> str:
    """The form's field for a refusal that names the view's."""
    fields = {"name": "nama", "district": "kecamatan", "village": "desa"}
    return fields.get(error.field or "", error.field or "")


@router.get("/rumah-tangga")
def search(
    request: Request,
    registry_id: str = "",
    kk: str = "",
    nik: str = "",
    nama: str = "",
    kecamatan: str = "",
    desa: str = "",
    hal: int = 1,
) -> Response:
    """Households by registry id, KK, NIK or the head's name (each matched by keyed hash),
    within the person's area: the area filters the result, so an exact id needs no district."""
    who = need(request, *READERS)
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    scope = districts_of(who)
    values = _values(registry_id, kk, nik, nama, kecamatan, desa)
    errors: dict[str, str] = {}
    found = None
    book = app.regions
    districts = book.districts() if scope is None else [book.district(d) for d in scope]
    # The villages of the chosen district (the form reloads with them; no script needed).
    villages = book.villages(kecamatan) if kecamatan in {d.code for d in districts} else []
    if scope is not None and kecamatan and kecamatan not in scope:
        errors["kecamatan"] = "Pilih salah satu kecamatan Anda."
    if any(values.values()) and not errors:
        try:
            found = views.households.search(_query(values, scope, hal, 25))
        except DomainError as error:
            errors[_field(error) or "registry_id"] = labels.error_text(error)
    query = {k: v for k, v in values.items() if v}
    return render(
        request,
        "households.html",
        values=values,
        errors=errors,
        found=found,
        districts=districts,
        villages=villages,
        query=query,
    )


HOUSEHOLD_HEADER = (
    "No. registrasi",
    "Kepala keluarga",
    "No. KK",
    "NIK kepala keluarga",
    "Desa",
    "Kecamatan",
    "Desil",
    "Anggota",
    "Program",
    "Status",
    "Berlaku mulai",
)


@router.get("/rumah-tangga.{fmt}")
def search_download(
    request: Request,
    fmt: str,
    registry_id: str = "",
    kk: str = "",
    nik: str = "",
    nama: str = "",
    kecamatan: str = "",
    desa: str = "",
) -> Response:
    """The household search as CSV or .xlsx (KK and NIK masked, as on the page)."""
    who = need(request, *READERS)
    if fmt not in exports.FORMATS:
        raise PageError(404, "Tidak ditemukan", "Unduhan tersedia sebagai .csv atau .xlsx.")
    views = access.views_of(request)
    views.refresh()
    scope = districts_of(who)
    values = _values(registry_id, kk, nik, nama, kecamatan, desa)
    if not any(values.values()):
        raise PageError(422, "Pencarian kosong", "Isi paling sedikit satu kolom pencarian.")
    rows: list[list[Any]] = []
    page = 1
    while len(rows) < exports.MAX_ROWS:
        try:
            found = views.households.search(_query(values, scope, page, 100))
        except DomainError as error:
            raise PageError(422, "Pencarian tidak sah", labels.error_text(error)) from None
        rows.extend(
            [
                h.registry_id,
                h.head_name,
                h.kk_masked,
                h.nik_masked,
                h.village_name,
                h.district_name,
                h.desil,
                h.members,
                ", ".join(h.programs),
                labels.HOUSEHOLD_STATUS.get(h.status, h.status),
                labels.month_label(h.effective_month) if h.effective_month else "",
            ]
            for h in found.items
        )
        if page >= found.pages:
            break
        page += 1
    sheet = exports.Sheet("Keluarga", HOUSEHOLD_HEADER, rows)
    return exports.download([sheet], "keluarga", fmt)


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
        effect=labels.effect_line(
            views.reconciliation.effect(household_id), views.reconciliation.latest_period()
        ),
    )
