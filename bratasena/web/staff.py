"""Staff pages: logging in and out, and the dashboard with the filtered case list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.access import NotAuthenticatedError, districts_of
from bratasena.domain.account import Account, Role, normalise_username
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import STATUSES
from bratasena.domain.errors import DomainError
from bratasena.limits import ThrottledError
from bratasena.projections import CaseQuery
from bratasena.projections.reconciliation_report import as_report_row
from bratasena.web import exports, labels, session
from bratasena.web.render import (
    CheckedForm,
    PageError,
    PageRoute,
    need,
    redirect,
    render,
    text,
    viewer,
)
from bratasena.web.report import with_district_names

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HOME: dict[Role, str] = {
    Role.OFFICER: "/petugas",
    Role.SUPERVISOR: "/petugas",
    Role.AUDITOR: "/petugas",
    Role.ADMIN: "/akun",
    Role.FACILITATOR: "/tugas",
}
"""Where each role lands after logging in."""

CASE_READERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR)


def _safe_next(value: str) -> str | None:
    # Only paths of this site: never an absolute or protocol-relative URL (no open redirect).
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/masuk")
def login_form(request: Request, lanjut: str = "") -> Response:
    """The login form."""
    account = viewer(request)
    if account is not None:
        return redirect(HOME[account.role])
    return render(request, "login.html", values={"username": ""}, error=None, lanjut=lanjut)


@router.post("/masuk")
def login(request: Request, form: CheckedForm) -> Response:
    """Check the password (slowed after repeated failures), then start a fresh session."""
    username = text(form, "username")
    password = form.get("password")
    lanjut = text(form, "lanjut")
    try:
        account = access.authenticate(
            access.app_of(request),
            access.throttle_of(request),
            username,
            password if isinstance(password, str) else "",
            access.client_address(request),
        )
    except (NotAuthenticatedError, ThrottledError) as error:
        throttled = isinstance(error, ThrottledError)
        message = (
            f"Terlalu banyak percobaan gagal. Coba lagi dalam {error.retry_after} detik."
            if isinstance(error, ThrottledError)
            else "Nama pengguna atau kata sandi salah, atau akun dinonaktifkan."
        )
        return render(
            request,
            "login.html",
            status=429 if throttled else 401,
            values={"username": normalise_username(username)},
            error=message,
            lanjut=lanjut,
        )
    session.replace(request, session.Session.fresh(account.username, account.token_version))
    return redirect(_safe_next(lanjut) or HOME[account.role])


@router.post("/keluar")
def logout(request: Request, form: CheckedForm) -> Response:
    """End the session here and everywhere (a copied cookie stops working too)."""
    who = viewer(request)
    if who is not None:
        access.app_of(request).sign_out(who.username, actor=who.username)
    session.replace(request, session.Session.fresh())
    return redirect("/")


def _flag(value: str | None) -> bool | None:
    return {"ya": True, "tidak": False}.get(value or "")


def _case_filters(
    status: str, kecamatan: str, terlambat: str, q: str, saya: str, petugas: str
) -> dict[str, Any]:
    return {
        "status": status,
        "kecamatan": kecamatan,
        "terlambat": terlambat,
        "q": q[:100],
        "saya": saya,
        "petugas": petugas[:40],
    }


def _case_query(who: Account, filters: dict[str, Any], page: int, per_page: int) -> CaseQuery:
    """The case list's query for the page's filters, within the person's districts."""
    return CaseQuery(
        status=filters["status"] or None,
        district=filters["kecamatan"] or None,
        overdue=_flag(filters["terlambat"]),
        q=filters["q"] or None,
        assigned_to=who.username if filters["saya"] else (filters["petugas"] or None),
        districts=districts_of(who),
        page=max(1, min(page, 100_000)),
        per_page=per_page,
    )


@router.get("/petugas")
def dashboard(
    request: Request,
    status: str = "",
    kecamatan: str = "",
    terlambat: str = "",
    q: str = "",
    saya: str = "",
    petugas: str = "",
    hal: int = 1,
) -> Response:
    """Counts by status and district, the person's queue, overdue cases, and the case list
    (``petugas``: the cases assigned to one account, linked from the kabid's workload)."""
    who = need(request, *CASE_READERS)
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    scope = districts_of(who)
    today = jakarta_date(app.clock())
    summary = views.dashboard.summary(
        districts=scope, officer=who.username if who.role == Role.OFFICER else None, today=today
    )
    filters = _case_filters(status, kecamatan, terlambat, q, saya, petugas)
    errors: dict[str, str] = {}
    try:
        found = views.cases.search(_case_query(who, filters, hal, 25))
    except DomainError as error:
        errors[error.field or "q"] = labels.error_text(error)
        found = None
    book = app.regions
    districts = book.districts() if scope is None else [book.district(d) for d in scope]
    query = {k: v for k, v in filters.items() if v}
    searched = views.cases.interpret(filters["q"]) if filters["q"].strip() else None
    return render(
        request,
        "dashboard.html",
        searched=searched,
        summary=summary,
        found=found,
        filters=filters,
        errors=errors,
        query=query,
        statuses=STATUSES,
        districts=districts,
        not_applied=with_district_names(
            [as_report_row(r) for r in summary.not_applied], app.settings.regency
        ),
        after_months=app.settings.reconcile_after_months,
    )


CASE_HEADER = (
    "Kode lacak",
    "Status",
    "Kecamatan",
    "Desa",
    "Alasan aduan",
    "Petugas",
    "Diterima",
    "Batas tanggapan",
    "Batas keputusan",
    "Terlambat",
    "Aduan tambahan",
)


@router.get("/petugas/kasus.{fmt}")
def cases_download(
    request: Request,
    fmt: str,
    status: str = "",
    kecamatan: str = "",
    terlambat: str = "",
    q: str = "",
    saya: str = "",
    petugas: str = "",
) -> Response:
    """The case list with the page's filters as CSV or .xlsx (up to `exports.MAX_ROWS` cases)."""
    who = need(request, *CASE_READERS)
    if fmt not in exports.FORMATS:
        raise PageError(404, "Tidak ditemukan", "Unduhan tersedia sebagai .csv atau .xlsx.")
    views = access.views_of(request)
    views.refresh()
    filters = _case_filters(status, kecamatan, terlambat, q, saya, petugas)
    rows: list[list[Any]] = []
    page = 1
    while len(rows) < exports.MAX_ROWS:
        try:
            found = views.cases.search(_case_query(who, filters, page, 100))
        except DomainError as error:
            raise PageError(422, "Filter tidak sah", labels.error_text(error)) from None
        rows.extend(
            [
                c.tracking_code,
                labels.STATUS.get(c.status, c.status),
                c.district_name,
                c.village_name,
                ", ".join(labels.REASON.get(r, r) for r in c.reason_codes),
                c.assigned_to or "",
                jakarta_date(c.filed_at),
                c.response_due,
                c.decision_due,
                c.overdue_decision or c.overdue_response,
                c.corroborations,
            ]
            for c in found.items
        )
        if page >= found.pages:
            break
        page += 1
    sheet = exports.Sheet("Kasus", CASE_HEADER, rows)
    return exports.download([sheet], "daftar-kasus", fmt)
