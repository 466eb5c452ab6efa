"""The service's one middleware: metrics, the body limit and the common headers in one layer.

Each was a pure-ASGI middleware of its own; stacked, every request paid three coroutine frames
and three `send` wrappers, about a quarter of the interpreter's time on the case list under load
(docs/benchmarks.md, issue 18). One layer does the three in one pass, in the order they had:
metrics sees every request, refusals by size included; the headers go on every answer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bratasena.domain.errors import DomainError
from bratasena.headers import secure
from bratasena.limits import BodyTooLargeError, body_limit, counted, declared_length
from bratasena.metrics import Metrics

Refusal = Callable[[Scope, DomainError], Response]
"""How the service answers a refusal for a path (problem+json for the API, a page otherwise)."""


class Gate:
    """Times and counts each HTTP request, refuses bodies over the limit, adds common headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        hsts: bool,
        max_body_bytes: int,
        max_upload_bytes: int,
        refuse: Refusal,
        file_limits: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        """``file_limits``: multipart bodies to these paths (evidence) may be this large."""
        self.app = app
        self.metrics = metrics
        self.hsts = hsts
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.refuse = refuse
        self.file_limits = tuple(file_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope.get("path", "")
        api = path.startswith("/api/")
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                secure(message, api=api, hsts=self.hsts)
            await send(message)

        limit = body_limit(
            scope,
            max_body_bytes=self.max_body_bytes,
            max_upload_bytes=self.max_upload_bytes,
            file_limits=self.file_limits,
        )
        try:
            if declared_length(scope) > limit:
                response = self.refuse(scope, BodyTooLargeError(limit))
                response.headers["Connection"] = "close"
                await response(scope, receive, answer)
            else:
                await self.app(scope, counted(receive, limit), answer)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(
                scope.get("method", "GET"), route, status, time.perf_counter() - started
            )
