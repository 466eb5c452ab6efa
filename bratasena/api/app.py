"""The FastAPI application: `create_app(settings)` wires routers, errors, limits and metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from bratasena import web
from bratasena.api import errors
from bratasena.api.errors import PROBLEMS
from bratasena.api.limits import BodyLimitMiddleware
from bratasena.api.metrics import MetricsMiddleware
from bratasena.api.routers import (
    accounts,
    audit,
    auth,
    cases,
    complaints,
    households,
    imports,
    ops,
    reports,
    sync,
    targets,
)
from bratasena.api.security import check_secret
from bratasena.api.services import Runner, Services
from bratasena.domain.calendar import now_utc
from bratasena.settings import Settings

DESCRIPTION = """\
Complaints that a household receiving social aid in Kabupaten Blora is well-off: filing and
tracking for citizens, case work for officers and supervisors, replay for auditors.
Errors are `application/problem+json` (RFC 9457).
"""


def create_app(
    settings: Settings,
    *,
    runner: Runner = "inline",
    clock: Callable[[], datetime] = now_utc,
) -> FastAPI:
    """The API over a fresh application and projections.

    ``runner="thread"`` (what `bratasena serve` uses) runs the projection runner and the sync
    worker in threads of this process from startup to shutdown; ``"inline"`` (`bratasena api`,
    the tests) runs no threads and lets each command's request apply pending events itself.
    """
    check_secret(settings)
    services = Services(settings, runner=runner, clock=clock)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        services.start()
        try:
            yield
        finally:
            services.close()

    api = FastAPI(
        title="Bratasena",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    api.state.services = services
    errors.install(api)
    for module in (
        ops,
        complaints,
        auth,
        accounts,
        cases,
        households,
        imports,
        reports,
        targets,
        audit,
        sync,
    ):
        api.include_router(module.router, responses=PROBLEMS)
    # The web pages (Bahasa Indonesia), over the same services.
    api.include_router(web.router)
    # Middleware wraps in reverse order of adding: metrics sees every request, limits included.
    api.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    api.add_middleware(MetricsMiddleware, metrics=services.metrics)
    return api
