"""Every error the API returns, as application/problem+json (RFC 9457), answered in one place.

The HTTP status of each kind of refusal comes from `bratasena.access.http_status`, which the web
pages use too. The `Problem` and `FieldError` schemas are named once in the OpenAPI document and
referenced by every operation, so a generated client reads every error the same way.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from bratasena.access import NotAuthenticatedError, http_status
from bratasena.domain.errors import ConflictError, DomainError
from bratasena.limits import retry_headers

log = logging.getLogger("bratasena.api")

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """What is wrong with one input field, and where."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, for a person to act on."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    current_version: int | None = None


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers with the given statuses, each a reference to the one `Problem` schema."""
    return {
        code: {
            "description": HTTPStatus(code).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


PROBLEMS = problem_responses(401, 403, 404, 409, 413, 422, 429, 500)
"""The problems any API route may answer (documented once, for every router)."""

BUGS = problem_responses(500)
"""The only problem the operations routes (no account, no input) may answer."""


def problem_type(rule: str) -> str:
    """The ``type`` URI of a problem: a relative reference naming the broken rule."""
    return f"/problems/{rule}"


def problem(
    status: int,
    detail: str,
    *,
    rule: str,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    current_version: int | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": problem_type(rule),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if current_version is not None:
        body["current_version"] = current_version
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def refusal(error: DomainError) -> JSONResponse:
    """The problem+json answer to a refusal of the domain or of the service's limits."""
    headers = retry_headers(error)
    if isinstance(error, NotAuthenticatedError):
        headers["WWW-Authenticate"] = "Bearer"
    return problem(
        http_status(error),
        error.message,
        rule=error.rule,
        headers=headers or None,
        errors=[{"field": error.field, "message": error.message}] if error.field else None,
        current_version=error.current_version if isinstance(error, ConflictError) else None,
    )


def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    return refusal(error)


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


UNPARSED_BODY = "There was an error parsing the body"
"""FastAPI's detail when a body is not JSON it could decode (bad UTF-8, nesting too deep)."""


def http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's own refusals (an unknown path, a wrong method…) as problem+json."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.detail == UNPARSED_BODY:
        message = "body: send JSON encoded as UTF-8, nested no deeper than a complaint needs"
        return problem(
            400,
            "the request body could not be read as JSON; " + message.removeprefix("body: "),
            rule="unreadable_body",
            errors=[{"field": "body", "message": message}],
        )
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    headers = dict(error.headers) if error.headers else None
    rule = getattr(error, "rule", HTTPStatus(error.status_code).phrase.lower().replace(" ", "_"))
    return problem(error.status_code, detail, rule=rule, headers=headers)


def unexpected(request: Request, error: Exception) -> JSONResponse:
    """A bug: logged with its traceback, answered without one."""
    # The traceback goes to the log, never to the caller; it names code, not personal data.
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "something went wrong on our side; it was logged, please try again later",
        rule="internal_error",
    )


CLIENT_CLOSED = 499
"""The status recorded (access log, metrics) for a request whose client left before it was read
whole; nobody receives it. The number nginx gives the same event."""


def client_gone(request: Request, error: Exception) -> Response:
    """The client closed the connection before its request arrived whole (a phone losing its
    signal halfway through a complaint's photos): nothing was done and nobody is left to answer,
    so it is information in the log, not an error with a traceback."""
    log.info("the client left during %s %s; nothing was done", request.method, request.url.path)
    return Response(status_code=CLIENT_CLOSED)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every API error into problem+json."""
    app.add_exception_handler(ClientDisconnect, client_gone)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with `Problem` and `FieldError` named once among its components.

    FastAPI documents invalid input with its own `HTTPValidationError` on any route whose
    `responses` lack a 422; the service answers it as a `Problem` (see `_validation_error`), so
    such answers are rewritten to the one reference and FastAPI's two schemas dropped.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in components:
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem_schema.pop("$defs", {}))
        components["Problem"] = problem_schema
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            if method not in _METHODS:
                continue
            answers = operation.get("responses", {})
            for code, answer in answers.items():
                media = answer.get("content", {}).values()
                if any(m.get("schema", {}).get("$ref") == _FASTAPI_422 for m in media):
                    answers[code] = problem_responses(int(code))[int(code)]
    if components.pop("HTTPValidationError", None) is not None:
        components.pop("ValidationError", None)
    return schema
