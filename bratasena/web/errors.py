"""Error pages: every refusal outside the API answered as an Indonesian HTML page.

The API answers problem+json (`bratasena.api.errors`); a person who mistypes a page's address,
follows a stale link with a bad id, sends a form that is too large or hits a bug gets a page in
the site's language, with ``lang="id"`` and a title, and a way back. `install` keeps the API's
handlers for the API's paths (``/api/…`` and the operations routes) and answers every other
path with a page, so the two never mix.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import Scope

from bratasena import access
from bratasena.domain.errors import DomainError, NotAllowedError, NotFoundError
from bratasena.limits import ThrottledError, retry_headers
from bratasena.web import labels
from bratasena.web.render import PAGE, error_page

log = logging.getLogger("bratasena.web")

API_PATHS = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc")
"""Paths answered as the API answers (problem+json), whoever asks."""

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def is_page(path: str) -> bool:
    """Whether a path belongs to the pages (anything the API does not answer)."""
    return not path.startswith(API_PATHS)


def refusal(scope: Scope, error: DomainError) -> Response:
    """A refusal before any route ran (a body over the limit), as a page."""
    return error_page(Request(scope), access.http_status(error))


def _answer(request: Request, error: Exception) -> Response:
    if isinstance(error, ThrottledError):
        answer = error_page(request, 429)
        answer.headers.update(retry_headers(error))
        return answer
    if isinstance(error, NotFoundError):
        return error_page(request, 404)
    if isinstance(error, NotAllowedError):
        return error_page(request, 403, message=labels.error_text(error))
    if isinstance(error, DomainError):
        return error_page(request, access.http_status(error), message=labels.error_text(error))
    if isinstance(error, RequestValidationError):
        # A bad id in the address is an address that does not exist.
        in_path = any(e.get("loc", ("",))[0] == "path" for e in error.errors())
        return error_page(request, 404 if in_path else 400)
    if isinstance(error, HTTPException):
        answer = error_page(request, error.status_code if error.status_code in PAGE else 400)
        answer.headers.update(error.headers or {})
        return answer
    # A bug: the traceback goes to the log, never to the person; it names code, not personal data.
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_page(request, 500)


def _pages_or(api: Handler | None) -> Handler:
    async def handler(request: Request, error: Exception) -> Response:
        if api is not None and not is_page(request.url.path):
            answer = api(request, error)
            return await answer if isinstance(answer, Awaitable) else answer
        return _answer(request, error)

    return handler


def install(app: FastAPI) -> None:
    """Answer errors on every page path with a page; the API's paths keep the API's handlers."""
    kinds: tuple[Any, ...] = (DomainError, RequestValidationError, HTTPException, Exception)
    for kind in kinds:
        app.add_exception_handler(kind, _pages_or(app.exception_handlers.get(kind)))
