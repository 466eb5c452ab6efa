"""Server-rendered pages in Bahasa Indonesia over the same application and projections as the API.

`install` mounts every page on the service's ASGI app beside the API; the pages never import it.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from bratasena.web import (
    accounts,
    audit,
    cases,
    errors,
    facilitator,
    households,
    password,
    proposals,
    public,
    queues,
    report,
    staff,
    sync_page,
)

PAGES = (
    public,
    staff,
    password,
    accounts,
    audit,
    cases,
    facilitator,
    households,
    queues,
    report,
    proposals,
    sync_page,
)


def install(app: FastAPI) -> None:
    """Mount the pages on the service's app, and answer errors on their paths as pages (after
    `bratasena.api.install`, whose handlers the API's paths keep)."""
    router = APIRouter(include_in_schema=False)
    for module in PAGES:
        router.include_router(module.router)
    app.include_router(router)
    errors.install(app)
