"""Request limits: a body-size cap (413) and a per-client rate limit for the public POST (429)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bratasena.api.errors import ProblemError, problem

UPLOAD_PATHS = ("/api/v1/registry/imports",)
"""Routes that take file uploads and get the larger upload limit."""


class BodyLimitMiddleware:
    """Refuse bodies over the limit: at once by Content-Length, or while counting streamed bytes.

    A client can omit Content-Length (chunked) or lie about it, so the bytes are counted as they
    arrive too; past the limit the read fails with 413 before the body is ever parsed.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.max_upload_bytes if path.startswith(UPLOAD_PATHS) else self.max_body_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await problem(
                        413,
                        _too_large(limit),
                        rule="body_too_large",
                        headers={"Connection": "close"},
                    )(scope, receive, send)
                    return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ProblemError(413, _too_large(limit), rule="body_too_large")
            return message

        await self.app(scope, counting_receive, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit:,} bytes; send less"


class RateLimiter:
    """At most ``per_minute`` requests per client in any sliding minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, client: str) -> None:
        """Count a request; raise 429 with Retry-After when the client is over its limit."""
        now = self.clock()
        with self._lock:
            if len(self._hits) > 100_000:  # a flood of addresses must not exhaust memory
                self._hits.clear()
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - 60.0:
                hits.popleft()
            if len(hits) >= self.per_minute:
                wait = max(1, math.ceil(hits[0] + 60.0 - now))
                raise ProblemError(
                    429,
                    f"too many complaints from your address: at most {self.per_minute} a minute; "
                    f"try again in {wait} seconds",
                    rule="rate_limited",
                    headers={"Retry-After": str(wait)},
                )
            hits.append(now)
