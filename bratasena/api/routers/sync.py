"""Sync operations (administrators): the worker's progress, parked changes, and retrying one."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import BaseModel

from bratasena.api.deps import Admin, SyncDep
from bratasena.domain.household import Target

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


class TargetSyncOut(BaseModel):
    """One target, enabled or not: its log position and what it has not acknowledged."""

    target: Target
    enabled: bool
    position: int
    unsent: int
    parked: int


class SyncStatusOut(BaseModel):
    """How far the worker has read the log, and its items by state."""

    position: int
    head: int
    lag: int
    pending: int
    retrying: int
    parked: int
    done: int
    oldest_unsynced_seconds: float
    targets: list[Target]
    per_target: list[TargetSyncOut]


class ParkedOut(BaseModel):
    """A change a target refused (or that failed too often): a person must look at it."""

    id: str
    household_id: UUID
    registry_id: str
    target: Target
    event_version: int
    change: str
    idempotency_key: str
    reason_code: str
    message: str
    attempts: int
    parked_at: datetime


@router.get(
    "/status", operation_id="getSyncStatus", summary="The sync worker's position, lag and items"
)
@router.get(
    "",
    operation_id="getSyncStatusAlias",
    summary="The sync worker's status (the same as /api/v1/sync/status)",
)
def status(who: Admin, sync: SyncDep) -> SyncStatusOut:
    """Lag is how many events of the log the worker has not yet read.

    The worker's tables are read, so this answers whether the worker runs in this process
    (`bratasena serve`) or as its own (`bratasena api` beside `bratasena sync`).
    """
    return SyncStatusOut.model_validate(asdict(sync.status()))


@router.get("/parked", operation_id="listParkedSyncItems", summary="Changes parked for a person")
def parked(who: Admin, sync: SyncDep) -> list[ParkedOut]:
    """Refused by DTJateng or DTSEN, or given up after too many transient failures."""
    return [ParkedOut.model_validate(asdict(item)) for item in sync.parked()]


@router.post(
    "/parked/{item_id}/retry", operation_id="retrySyncItem", summary="Queue a parked change again"
)
def retry(item_id: Annotated[str, Path(max_length=80)], who: Admin, sync: SyncDep) -> ParkedOut:
    """After its cause is fixed at the target; it is sent in the worker's next round."""
    return ParkedOut.model_validate(asdict(sync.retry(item_id)))
