"""The kabid's queues: what waits to be assigned, decided or decided on appeal, what is overdue,
and each officer's open cases."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.access import districts_of
from bratasena.domain.account import Role
from bratasena.domain.calendar import jakarta_date
from bratasena.web.render import PageRoute, need, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/antrean")
def queues(request: Request) -> Response:
    """The supervisor's four queues with their counts and first cases, and the workload."""
    who = need(request, Role.SUPERVISOR, Role.AUDITOR)
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    found = views.queues.queues(districts=districts_of(who), today=jakarta_date(app.clock()))
    return render(request, "queues.html", queues=found)
