"""Request limits: a body-size cap (413), the public rate limit and the login throttle (429)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bratasena.domain.errors import DomainError

UPLOAD_PATHS = ("/api/v1/registry/imports",)
"""Routes that take file uploads and get the larger upload limit."""


class ThrottledError(DomainError):
    """Too many attempts from one place: try again after ``retry_after`` seconds."""

    rule = "throttled"

    def __init__(self, message: str, *, retry_after: int, rule: str) -> None:
        super().__init__(message, rule=rule)
        self.retry_after = retry_after


class BodyTooLargeError(DomainError):
    """The request body is over the limit; nothing of it was used."""

    rule = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than the limit of {limit:,} bytes; send less")
        self.limit = limit


class BodyOverflow(HTTPException):
    """A streamed body went past the limit while a route read it (answered as 413).

    An HTTP exception rather than a domain error: FastAPI passes those through its body parsing
    untouched, while anything else raised there becomes a generic 400.
    """

    rule = BodyTooLargeError.rule

    def __init__(self, limit: int) -> None:
        super().__init__(413, BodyTooLargeError(limit).message)


Refusal = Callable[[Scope, DomainError], Response]
"""How the service answers a refusal for a path (problem+json for the API, a page otherwise)."""


class BodyLimitMiddleware:
    """Refuse bodies over the limit: at once by Content-Length, or while counting streamed bytes.

    A client can omit Content-Length (chunked) or lie about it, so the bytes are counted as they
    arrive too; past the limit the read fails with 413 before the body is ever parsed.
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int, refuse: Refusal
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.refuse = refuse

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
                    response = self.refuse(scope, BodyTooLargeError(limit))
                    response.headers["Connection"] = "close"
                    await response(scope, receive, send)
                    return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyOverflow(limit)
            return message

        await self.app(scope, counting_receive, send)


class RateLimiter:
    """At most ``per_minute`` requests per client in any sliding minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def check(self, client: str) -> None:
        """Count a request; refused (429 with Retry-After) when the client is over its limit."""
        now = self.clock()
        with self._lock:
            if len(self._hits) > 100_000:  # a flood of addresses must not exhaust memory
                self._hits.clear()
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - 60.0:
                hits.popleft()
            if len(hits) >= self.per_minute:
                wait = max(1, math.ceil(hits[0] + 60.0 - now))
                raise ThrottledError(
                    f"too many complaints from your address: at most {self.per_minute} a minute; "
                    f"try again in {wait} seconds",
                    retry_after=wait,
                    rule="rate_limited",
                )
            hits.append(now)


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """Exponential lockout after repeated failed logins, per username and client address.

    The first ``free`` failures cost nothing; each later one locks that username from that client
    for ``base * 2**(n - free)`` seconds (capped), so guessing slows exponentially while the real
    user on another machine is not locked out. Kept in memory: one API process per deployment is
    the expected shape; several processes each slow guessing on their own.
    """

    def __init__(
        self,
        *,
        free: int = 5,
        base: float = 1.0,
        cap: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.base, self.cap, self.clock = free, base, cap, clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], _Failures] = {}

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until this username may try again from this client (0: now)."""
        with self._lock:
            entry = self._failures.get((username.lower(), client))
            if entry is None:
                return 0
            wait = entry.locked_until - self.clock()
            return max(0, int(wait + 0.999))

    def failed(self, username: str, client: str) -> None:
        """Count a failed login and lock further tries once past the free ones."""
        with self._lock:
            if len(self._failures) > 100_000:  # forget the oldest guesses rather than grow forever
                self._failures.clear()
            entry = self._failures.setdefault((username.lower(), client), _Failures())
            entry.count += 1
            if entry.count > self.free:
                delay = min(self.cap, self.base * 2 ** (entry.count - self.free - 1))
                entry.locked_until = self.clock() + delay

    def succeeded(self, username: str, client: str) -> None:
        """Forget the failures of a username from a client after a good login."""
        with self._lock:
            self._failures.pop((username.lower(), client), None)


def retry_headers(error: DomainError) -> dict[str, str]:
    """The ``Retry-After`` header of a throttled refusal (none for others)."""
    if isinstance(error, ThrottledError):
        return {"Retry-After": str(error.retry_after)}
    return {}
