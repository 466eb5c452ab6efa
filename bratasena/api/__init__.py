"""The HTTP API under /api/v1 (and the operations routes): one router per resource.

`install` mounts it on the service's ASGI app beside the web pages; it never imports them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic.json_schema import models_json_schema

from bratasena.api import errors
from bratasena.api.errors import BUGS, PROBLEMS, refusal
from bratasena.api.routers import (
    accounts,
    audit,
    auth,
    cases,
    complaints,
    evidence,
    households,
    imports,
    letters,
    ops,
    proposals,
    reports,
    sync,
    targets,
)
from bratasena.api.schemas import ComplaintIn

__all__ = ["install", "openapi", "refusal", "router"]

ROUTERS = (
    ops,
    complaints,
    auth,
    accounts,
    cases,
    letters,
    evidence,
    households,
    imports,
    reports,
    proposals,
    targets,
    audit,
    sync,
)


def router() -> APIRouter:
    """Every API route, each documented with the problems it may answer."""
    root = APIRouter()
    for module in ROUTERS:
        # The operations routes take no account and no input: only a bug can make them fail.
        root.include_router(module.router, responses=BUGS if module is ops else PROBLEMS)
    return root


def install(app: FastAPI) -> None:
    """Mount the API's routes and its problem+json error handlers on the service's app."""
    app.include_router(router())
    errors.install(app)


def openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """The service's OpenAPI document completed with the API's shared components.

    Bodies a route reads itself (a complaint as JSON or multipart) are named here, so the
    document describes them as the JSON routes' bodies are described.
    """
    _, named = models_json_schema(
        [(ComplaintIn, "validation")], ref_template="#/components/schemas/{model}"
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, body in named.get("$defs", {}).items():
        components.setdefault(name, body)
    return errors.document(schema)
