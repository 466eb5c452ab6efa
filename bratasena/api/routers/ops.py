"""Operations: liveness, readiness (database reachable, projections caught up) and metrics."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from bratasena.api.deps import ServicesDep
from bratasena.api.services import Services

router = APIRouter(tags=["operations"])
log = logging.getLogger("bratasena.api")


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    """Liveness only: no database call, so a slow database does not get the process restarted."""
    return {"status": "ok"}


def _readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    try:
        head = services.app.head()
        projections = services.projections.status()
    except Exception as error:  # any driver error means: not ready
        log.warning("readiness check failed: %s", type(error).__name__)
        return False, {"database": "unreachable"}
    lags = {p.name: p.lag for p in projections}
    ready = all(lag <= services.settings.readiness_max_lag for lag in lags.values())
    return ready, {"database": "ok", "head": head, "projection_lag": lags}


@router.get(
    "/readyz",
    summary="Ready for traffic: database reachable, projection lag under the threshold",
    responses={503: {"description": "not ready"}},
)
def readyz(services: ServicesDep) -> JSONResponse:
    """503 while the database is unreachable or a projection lags more than the threshold."""
    ready, detail = _readiness(services)
    body = {"status": "ready" if ready else "not ready", **detail}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(services: ServicesDep) -> PlainTextResponse:
    """Requests and latency per route, projection lag per projection, sync backlog."""
    lines = services.metrics.render()
    try:
        statuses = services.projections.status()
    except Exception as error:  # metrics must answer even when the database does not
        log.warning("projection status unavailable: %s", type(error).__name__)
        statuses = []
    lines += [
        "# HELP bratasena_projection_lag Events in the log not yet applied, per projection.",
        "# TYPE bratasena_projection_lag gauge",
        *(f'bratasena_projection_lag{{projection="{p.name}"}} {p.lag}' for p in statuses),
        "# HELP bratasena_projection_position Last log position applied, per projection.",
        "# TYPE bratasena_projection_position gauge",
        *(f'bratasena_projection_position{{projection="{p.name}"}} {p.position}' for p in statuses),
    ]
    backlog = services.sync.backlog()
    lines += [
        "# HELP bratasena_sync_backlog Changes not yet acknowledged by a target system.",
        "# TYPE bratasena_sync_backlog gauge",
        *(f'bratasena_sync_backlog{{state="{k}"}} {v}' for k, v in sorted(backlog.items())),
    ]
    return PlainTextResponse(
        "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8"
    )
