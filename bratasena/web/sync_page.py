"""The administrators' sync page: backlog per state, parked changes, and retrying one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.domain.account import Role
from bratasena.domain.errors import DomainError
from bratasena.web import labels
from bratasena.web.render import CheckedForm, PageRoute, need, redirect, render, text

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _page(request: Request, status: int = 200, **extra: object) -> Response:
    worker = access.sync_of(request)
    return render(
        request,
        "sync.html",
        status=status,
        state=worker.status(),
        parked=worker.parked(),
        **{"message": None, "error": None, **extra},
    )


@router.get("/sinkron")
def sync_page(request: Request, ok: str = "") -> Response:
    """How far the worker is, what waits, and what a person must look at."""
    need(request, Role.ADMIN)
    message = f"Perubahan {ok} dimasukkan lagi ke antrean." if ok else None
    return _page(request, message=message)


@router.post("/sinkron/ulang")
def retry(request: Request, form: CheckedForm) -> Response:
    """Put a parked change back in the queue once its cause is fixed."""
    need(request, Role.ADMIN)
    item = text(form, "id")
    try:
        access.sync_of(request).retry(item)
    except DomainError as error:
        message = (
            "Perubahan itu tidak ditahan lagi (mungkin sudah dicoba ulang)."
            if error.rule == "not_parked"
            else labels.error_text(error)
        )
        return _page(request, status=422, error=message)
    return redirect(f"/sinkron?ok={item}")
