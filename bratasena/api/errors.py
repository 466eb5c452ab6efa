"""Every error the API returns, as application/problem+json (RFC 9457), mapped in this one place."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from bratasena.domain.errors import (
    ConflictError,
    DomainError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)

log = logging.getLogger("bratasena.api")

PROBLEM_JSON = "application/problem+json"

DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (NotAllowedError, 403),
    (RuleViolationError, 422),
)
"""One HTTP status per kind of domain error; the first matching kind wins."""


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, for a person to act on."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None
    current_version: int | None = None


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of problem+json answers with the given statuses."""
    schema = Problem.model_json_schema()
    return {
        code: {
            "description": HTTPStatus(code).phrase,
            "content": {PROBLEM_JSON: {"schema": schema}},
        }
        for code in codes
    }


PROBLEMS = problem_responses(401, 403, 404, 409, 413, 422, 429)
"""The problems any route may answer (documented once, for every router)."""


def problem_type(rule: str) -> str:
    """The ``type`` URI of a problem: a relative reference naming the broken rule."""
    return f"/problems/{rule}"


def problem(
    status: int,
    detail: str,
    *,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response; ``extra`` members (errors, current_version…) are added as given."""
    body: dict[str, Any] = {
        "type": problem_type(rule) if rule else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error."""
    for kind, status in DOMAIN_STATUS:
        if isinstance(error, kind):
            return status
    return 422


def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    errors = [{"field": error.field, "message": error.message}] if error.field else None
    current = error.current_version if isinstance(error, ConflictError) else None
    return problem(
        status_of(error),
        error.message,
        rule=error.rule,
        errors=errors,
        current_version=current,
    )


def _field_name(location: tuple[Any, ...]) -> str:
    # The body is implied for commands; query, path and header names keep their place.
    parts = [str(p) for p in location]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
        for e in error.errors()
    ]
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem(
        422,
        f"the request has invalid or unknown fields: {fields}; see errors for each",
        rule="invalid_request",
        errors=errors,
    )


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    rule = getattr(error, "rule", None)
    headers = dict(error.headers) if error.headers else None
    return problem(error.status_code, detail, rule=rule, headers=headers)


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # The traceback goes to the log, never to the caller; it names code, not personal data.
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "something went wrong on our side; it was logged, please try again later")


class ProblemError(StarletteHTTPException):
    """An HTTP-level refusal (401, 413, 429…) with a stable rule name for its problem type."""

    def __init__(
        self, status: int, detail: str, *, rule: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, detail, headers)
        self.rule = rule


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
