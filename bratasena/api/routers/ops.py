"""Operations: liveness, readiness (database reachable, projections caught up) and metrics."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from bratasena.api.deps import AppDep, MetricsDep, SettingsDep, SyncDep, WaitingViewsDep
from bratasena.application import Bratasena
from bratasena.projections import Projections

router = APIRouter(tags=["operations"])
log = logging.getLogger("bratasena.api")


@router.get("/healthz", operation_id="healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    """Liveness only: no database call, so a slow database does not get the process restarted."""
    return {"status": "ok"}


def _readiness(app: Bratasena, views: Projections, max_lag: int) -> tuple[bool, dict[str, Any]]:
    try:
        head = app.head()
        projections = views.status()
    except Exception as error:  # any driver error means: not ready
        log.warning("readiness check failed: %s", type(error).__name__)
        return False, {"database": "unreachable"}
    lags = {p.name: p.lag for p in projections}
    ready = all(lag <= max_lag for lag in lags.values())
    return ready, {"database": "ok", "head": head, "projection_lag": lags}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Ready for traffic: database reachable, projection lag under the threshold",
    responses={503: {"description": "not ready"}},
)
def readyz(app: AppDep, views: WaitingViewsDep, settings: SettingsDep) -> JSONResponse:
    """503 while the database is unreachable or a projection lags more than the threshold."""
    ready, detail = _readiness(app, views, settings.readiness_max_lag)
    body = {"status": "ready" if ready else "not ready", **detail}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
)
def metrics(views: WaitingViewsDep, sync: SyncDep, collected: MetricsDep) -> PlainTextResponse:
    """Requests and latency per route, projection lag per projection, sync backlog."""
    lines = collected.render()
    try:
        statuses = views.status()
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
    backlog = sync.backlog()
    lines += [
        "# HELP bratasena_sync_backlog Changes not yet acknowledged by a target system.",
        "# TYPE bratasena_sync_backlog gauge",
        *(f'bratasena_sync_backlog{{state="{k}"}} {v}' for k, v in sorted(backlog.items())),
    ]
    return PlainTextResponse(
        "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8"
    )
