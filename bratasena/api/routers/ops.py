"""Operations: liveness, readiness (database reachable, projections caught up) and metrics."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Literal

from fastapi import APIRouter, Depends, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from bratasena import access
from bratasena.api.deps import AppDep, MetricsDep, SettingsDep, SyncDep, WaitingViewsDep
from bratasena.api.errors import problem_responses
from bratasena.application import Bratasena
from bratasena.integration.sync import SyncWorker
from bratasena.projections import Projections

router = APIRouter(tags=["operations"])
log = logging.getLogger("bratasena.api")


class HealthOut(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"


class ReplicaOut(BaseModel):
    """The read replica (BRATASENA_READ_DATABASE_URL) behind the primary."""

    reachable: bool = Field(description="false: the replica does not answer; reads use the primary")
    lag_bytes: int | None = Field(
        default=None, description="WAL written on the primary, not yet replayed here"
    )
    lag_seconds: float | None = Field(
        default=None,
        description="since the replica last replayed a transaction, while it has more to replay",
    )
    in_recovery: bool | None = Field(default=None, description="the read connection is a standby")


class ReadinessOut(BaseModel):
    """Whether the process should get traffic, and why not; the same body with 200 or 503."""

    status: Literal["ready", "not ready"]
    database: Literal["ok", "unreachable"]
    head: int | None = Field(default=None, description="the last position of the event log")
    projection_lag: dict[str, int] | None = Field(
        default=None, description="events of the log not yet applied, per projection"
    )
    sync_unsent: dict[str, int] | None = Field(
        default=None,
        description="per target (configured or not): deactivations and reactivations not yet "
        "acknowledged and not parked; informational, it never makes the process not ready",
    )
    replica: ReplicaOut | None = Field(
        default=None,
        description="with a read replica: its lag (reads go to the primary while it lags "
        "beyond the bound after a command); informational",
    )


@router.get("/healthz", operation_id="getHealth", summary="The process answers")
def healthz() -> HealthOut:
    """Liveness only: no database call, so a slow database does not get the process restarted."""
    return HealthOut()


def _readiness(app: Bratasena, views: Projections, sync: SyncWorker, max_lag: int) -> ReadinessOut:
    try:
        head = app.head()
        projections = views.status()
        unsent = {t.target: t.unsent for t in sync.unsent()}
        lag = views.replica_lag()
    except Exception as error:  # any driver error means: not ready
        log.warning("readiness check failed: %s", type(error).__name__)
        return ReadinessOut(status="not ready", database="unreachable")
    lags = {p.name: p.lag for p in projections}
    ready = all(lag <= max_lag for lag in lags.values())
    return ReadinessOut(
        status="ready" if ready else "not ready",
        database="ok",
        head=head,
        projection_lag=lags,
        sync_unsent=unsent,
        replica=ReplicaOut.model_validate(asdict(lag)) if lag is not None else None,
    )


@router.get(
    "/readyz",
    operation_id="getReadiness",
    summary="Ready for traffic: database reachable, projection lag under the threshold",
    response_model_exclude_none=True,
    responses={503: {"model": ReadinessOut, "description": "not ready"}},
)
def readyz(
    app: AppDep, views: WaitingViewsDep, sync: SyncDep, settings: SettingsDep, response: Response
) -> ReadinessOut:
    """503 while the database is unreachable or a projection lags more than the threshold."""
    readiness = _readiness(app, views, sync, settings.readiness_max_lag)
    if readiness.status != "ready":
        response.status_code = 503
    return readiness


@router.get(
    "/metrics",
    operation_id="getMetrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    dependencies=[Depends(access.metrics_reader)],
    responses=problem_responses(404),
)
def metrics(views: WaitingViewsDep, sync: SyncDep, collected: MetricsDep) -> PlainTextResponse:
    """Requests and latency per route, projection lag per projection, sync backlog, replica lag."""
    lines = collected.render()
    try:
        statuses = views.status()
        replica = views.replica_lag()
    except Exception as error:  # metrics must answer even when the database does not
        log.warning("projection status unavailable: %s", type(error).__name__)
        statuses, replica = [], None
    lines += [
        "# HELP bratasena_projection_lag Events in the log not yet applied, per projection.",
        "# TYPE bratasena_projection_lag gauge",
        *(f'bratasena_projection_lag{{projection="{p.name}"}} {p.lag}' for p in statuses),
        "# HELP bratasena_projection_position Last log position applied, per projection.",
        "# TYPE bratasena_projection_position gauge",
        *(f'bratasena_projection_position{{projection="{p.name}"}} {p.position}' for p in statuses),
    ]
    if replica is not None:
        lines += [
            "# HELP bratasena_replica_up Whether the read replica answers (else reads use the "
            "primary).",
            "# TYPE bratasena_replica_up gauge",
            f"bratasena_replica_up {int(replica.reachable)}",
        ]
    if replica is not None and replica.reachable:
        lines += [
            "# HELP bratasena_replica_lag_bytes WAL of the primary the read replica has not "
            "replayed.",
            "# TYPE bratasena_replica_lag_bytes gauge",
            f"bratasena_replica_lag_bytes {replica.lag_bytes}",
            "# HELP bratasena_replica_lag_seconds Since the read replica replayed its last "
            "transaction, while it has more to replay.",
            "# TYPE bratasena_replica_lag_seconds gauge",
            f"bratasena_replica_lag_seconds {replica.lag_seconds}",
        ]
    lines += [
        "# HELP bratasena_view_reads_total View reads of this process, by where they ran.",
        "# TYPE bratasena_view_reads_total counter",
        *(
            f'bratasena_view_reads_total{{source="{source}"}} {count}'
            for source, count in sorted(views.reads.counts.items())
        ),
    ]
    backlog = sync.backlog()
    unsent = sync.unsent()
    lines += [
        "# HELP bratasena_sync_backlog Changes not yet acknowledged by a target system.",
        "# TYPE bratasena_sync_backlog gauge",
        *(f'bratasena_sync_backlog{{state="{k}"}} {v}' for k, v in sorted(backlog.items())),
        "# HELP bratasena_sync_unsent Changes a target has not acknowledged (parked excluded), "
        "per target, configured or not.",
        "# TYPE bratasena_sync_unsent gauge",
        *(
            f'bratasena_sync_unsent{{target="{t.target}",enabled="{str(t.enabled).lower()}"}} '
            f"{t.unsent}"
            for t in unsent
        ),
    ]
    return PlainTextResponse(
        "\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8"
    )
