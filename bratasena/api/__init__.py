"""The HTTP API under /api/v1 (and the operations routes): one router per resource.

`install` mounts it on the service's ASGI app beside the web pages; it never imports them.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from fastapi import FastAPI
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

__all__ = ["install", "openapi", "refusal"]

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
"""Every resource's router, in the order the OpenAPI document lists them."""

MATCHED_FIRST = (complaints, cases)
"""The busiest routes' routers: the public filing and tracking, the case list.

A request is matched against the routes one by one in the order they were mounted, at a few
microseconds each, and the chosen router's routes are matched once more to handle it: mounted
last, the case list was matched against some thirty routes first (docs/benchmarks.md, issue
18). Their prefixes are no other router's, so the order changes no answer.
"""


def _mounted() -> list[ModuleType]:
    return [*MATCHED_FIRST, *(module for module in ROUTERS if module not in MATCHED_FIRST)]


def install(app: FastAPI) -> None:
    """Mount the API's routes and its problem+json error handlers on the service's app.

    Each router straight on the app (not under a router of routers, which doubled the matching),
    the busiest first; each documented with the problems it may answer.
    """
    for module in _mounted():
        # The operations routes take no account and no input: only a bug can make them fail.
        app.include_router(module.router, responses=BUGS if module is ops else PROBLEMS)
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
    schema["paths"] = _in_document_order(schema.get("paths", {}))
    return errors.document(schema)


def _in_document_order(paths: dict[str, Any]) -> dict[str, Any]:
    """The paths in `ROUTERS`' order, whatever order they are matched in (`MATCHED_FIRST`)."""
    order = [getattr(route, "path", "") for module in ROUTERS for route in module.router.routes]
    listed = {path: paths[path] for path in order if path in paths}
    return listed | {path: item for path, item in paths.items() if path not in listed}
