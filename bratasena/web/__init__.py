"""Server-rendered pages in Bahasa Indonesia over the same application and projections as the API.

`router` holds every page; `create_app` includes it, so the pages share the API's services
(application, projections, login throttle, rate limits) and run in the same process.
"""

from __future__ import annotations

from fastapi import APIRouter

from bratasena.web import cases, facilitator, households, public, report, staff, sync_page

router = APIRouter(include_in_schema=False)
for _module in (public, staff, cases, facilitator, households, report, sync_page):
    router.include_router(_module.router)

__all__ = ["router"]
