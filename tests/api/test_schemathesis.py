"""Property-based requests from the OpenAPI schema (schemathesis): no 5xx, answers as documented.

Schemathesis's pytest plugin does not run under pytest 9 yet, so this drives its Python API: a
hypothesis strategy of cases per operation, each sent to the ASGI app and validated.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bratasena.application import Bratasena
from tests.api.conftest import Headers
from tests.builders import Clock, case_at, register

EXAMPLES = 10
"""Examples per operation: bounded so the whole run stays a few seconds per backend."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
"""No 5xx, and every answer is documented: status, media type and body schema. (Schema-valid
bodies may still break a domain rule, so "valid data is accepted" is not among them.)"""


def _caller(path: str) -> str:
    """The account whose role may call the operation, so generated requests get past the door."""
    if path.startswith(("/api/v1/accounts", "/api/v1/registry", "/api/v1/sync")):
        return "admin"
    if path.endswith(("/investigation", "/notice", "/response")):
        return "budi"
    if path.startswith("/api/v1/audit"):
        return "inspektur"
    return "kabid"


def test_the_api_never_fails_and_answers_as_its_schema_says(
    api: FastAPI, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    case_at(core, clock, "assigned")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.headers = {**(case.headers or {}), **staff[_caller(case.path)]}
            case.call_and_validate(checks=CHECKS)

        check()
