"""The auditor's replay: every event of a complaint or household, hash-chained, and past states."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from bratasena.api.deps import AppDep, Auditing
from bratasena.api.schemas import AuditEventOut, StateOut
from bratasena.canonical import export, jsonable
from bratasena.domain.errors import InvalidInputError, NotFoundError

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Kind = Literal["complaints", "households"]
_AGGREGATE = {"complaints": "Complaint", "households": "Household"}
_NEVER_SHOWN = frozenset({"password_hash"})


def _check_kind(kind: Kind, type_name: str, aggregate_id: UUID) -> None:
    if not type_name.startswith(_AGGREGATE[kind] + "."):
        raise NotFoundError(f"no {kind[:-1]} with id {aggregate_id}")


@router.get(
    "/{kind}/{aggregate_id}/events",
    operation_id="getHistory",
    summary="Every event of a case or household",
)
def events(kind: Kind, aggregate_id: UUID, who: Auditing, app: AppDep) -> list[AuditEventOut]:
    """Oldest first, each with a chain hash that lets an exported history be verified later."""
    history = app.history(aggregate_id)
    _check_kind(kind, history[0].type, aggregate_id)
    return [AuditEventOut(**event) for event in export(history)]


@router.get(
    "/{kind}/{aggregate_id}/state",
    operation_id="getStateAt",
    summary="A case or household as it stood",
)
def state(
    kind: Kind,
    aggregate_id: UUID,
    who: Auditing,
    app: AppDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    at: Annotated[datetime | None, Query(description="ISO 8601 with offset")] = None,
) -> StateOut:
    """At a version, or at a moment (the last event recorded at or before it); else as it is now."""
    if version is not None and at is not None:
        raise InvalidInputError("give either version or at, not both", field="at")
    aggregate = app.state_at(aggregate_id, version=version, at=at)
    type_name = type(aggregate).__qualname__
    _check_kind(kind, type_name + ".", aggregate_id)
    public = {
        k: v for k, v in vars(aggregate).items() if not k.startswith("_") and k not in _NEVER_SHOWN
    }
    return StateOut(
        id=aggregate.id,
        type=type_name,
        version=aggregate.version,
        recorded_at=jsonable(aggregate.modified_on),
        state=jsonable(public),
    )
