"""The facilitator's queue: the cases assigned to a pendamping PKH for a field check.

A facilitator sees only the cases assigned to them (the case page refuses every other case as not
found) and records the field check there with the officers' form; nothing else of the case work.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bratasena import access
from bratasena.access import districts_of
from bratasena.domain.account import Role
from bratasena.domain.complaint import Status
from bratasena.projections import CaseQuery
from bratasena.web.render import PageRoute, need, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

QUEUE_SIZE = 100
"""Cases waiting for a field check shown at once (a facilitator has a handful at a time)."""


@router.get("/tugas")
def queue(request: Request, hal: int = 1) -> Response:
    """Cases waiting for my field check (oldest first), then every case assigned to me."""
    who = need(request, Role.FACILITATOR)
    app, views = access.app_of(request), access.views_of(request)
    views.refresh()
    scope = districts_of(who)
    waiting = views.cases.search(
        CaseQuery(
            status=Status.ASSIGNED,
            assigned_to=who.username,
            districts=scope,
            per_page=QUEUE_SIZE,
            sort="filed_at",
        )
    )
    everything = views.cases.search(
        CaseQuery(
            assigned_to=who.username,
            districts=scope,
            page=max(1, min(hal, 100_000)),
            per_page=25,
            sort="-updated_at",
        )
    )
    book = app.regions
    return render(
        request,
        "queue.html",
        waiting=waiting,
        everything=everything,
        districts=[book.district(d) for d in scope or []],
    )
