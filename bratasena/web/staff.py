"""Staff pages: logging in and out, and the dashboard with the filtered case list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from bratasena.api.deps import client_address, districts_of
from bratasena.api.security import verify_password
from bratasena.domain.account import Account
from bratasena.domain.calendar import jakarta_date
from bratasena.domain.complaint import STATUSES
from bratasena.domain.errors import DomainError, NotFoundError
from bratasena.projections import CaseQuery
from bratasena.web import labels, session
from bratasena.web.render import (
    CheckedForm,
    PageRoute,
    need,
    redirect,
    render,
    services_of,
    text,
    viewer,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HOME: dict[str, str] = {
    "officer": "/petugas",
    "supervisor": "/petugas",
    "auditor": "/petugas",
    "admin": "/sinkron",
    "facilitator": "/tugas",
}
"""Where each role lands after logging in."""

CASE_READERS = ("officer", "supervisor", "auditor")


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
    services = services_of(request)
    username = text(form, "username").lower()
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    lanjut = text(form, "lanjut")
    client = client_address(request)
    wait = services.throttle.retry_after(username, client)
    error = None
    account: Account | None = None
    if wait:
        error = f"Terlalu banyak percobaan gagal. Coba lagi dalam {wait} detik."
    else:
        try:
            account = services.app.get_account(username) if username else None
        except NotFoundError:
            account = None
        good = verify_password(account.password_hash if account else None, password)
        if account is None or not good or not account.enabled:
            services.throttle.failed(username, client)
            error = "Nama pengguna atau kata sandi salah, atau akun dinonaktifkan."
            account = None
    if account is None:
        return render(
            request,
            "login.html",
            status=401 if not wait else 429,
            values={"username": username},
            error=error,
            lanjut=lanjut,
        )
    services.throttle.succeeded(username, client)
    session.replace(request, session.Session.fresh(account.username))
    return redirect(_safe_next(lanjut) or HOME[account.role])


@router.post("/keluar")
def logout(request: Request, form: CheckedForm) -> Response:
    """End the session (a new anonymous one replaces it)."""
    session.replace(request, session.Session.fresh())
    return redirect("/")


def _flag(value: str | None) -> bool | None:
    return {"ya": True, "tidak": False}.get(value or "")


@router.get("/petugas")
def dashboard(
    request: Request,
    status: str = "",
    kecamatan: str = "",
    terlambat: str = "",
    q: str = "",
    saya: str = "",
    hal: int = 1,
) -> Response:
    """Counts by status and district, the person's queue, overdue cases, and the case list."""
    who = need(request, *CASE_READERS)
    services = services_of(request)
    services.refresh()
    scope = districts_of(who)
    today = jakarta_date(services.app.clock())
    summary = services.projections.dashboard.summary(
        districts=scope, officer=who.username if who.role == "officer" else None, today=today
    )
    filters: dict[str, Any] = {
        "status": status,
        "kecamatan": kecamatan,
        "terlambat": terlambat,
        "q": q[:100],
        "saya": saya,
    }
    errors: dict[str, str] = {}
    try:
        found = services.projections.cases.search(
            CaseQuery(
                status=status or None,
                district=kecamatan or None,
                overdue=_flag(terlambat),
                q=q[:100] or None,
                assigned_to=who.username if saya else None,
                districts=scope,
                page=max(1, min(hal, 100_000)),
                per_page=25,
            )
        )
    except DomainError as error:
        errors[error.field or "q"] = labels.error_text(error)
        found = None
    book = services.app.regions
    districts = book.districts() if scope is None else [book.district(d) for d in scope]
    query = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "dashboard.html",
        summary=summary,
        found=found,
        filters=filters,
        errors=errors,
        query=query,
        statuses=STATUSES,
        districts=districts,
    )
