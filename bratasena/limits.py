"""Request limits: a body-size cap (413), the public rate limit and the login throttle (429)."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bratasena.domain.errors import DomainError
from bratasena.limit_store import LimitStore, MemoryStore

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
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        refuse: Refusal,
        file_limits: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.refuse = refuse
        self.file_limits = tuple(file_limits)
        """Multipart bodies to these paths (evidence) may be this large; others keep the limit."""

    def _limit(self, scope: Scope) -> int:
        path: str = scope.get("path", "")
        if path.startswith(UPLOAD_PATHS):
            return self.max_upload_bytes
        if self.file_limits and _is_multipart(scope):
            for pattern, limit in self.file_limits:
                if pattern.fullmatch(path):
                    return max(limit, self.max_body_bytes)
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
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


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return bool(value.lower().startswith(b"multipart/form-data"))
    return False


FORM_OVERHEAD = 256 * 1024
"""Room in a multipart body for its other fields and part headers, beside the files."""


def evidence_limits(*, max_file_bytes: int, per_filing: int) -> list[tuple[re.Pattern[str], int]]:
    """The multipart bodies that carry evidence and how large each may be: one file to a case
    (the API and the case page), up to ``per_filing`` files with a complaint (the API and the
    complaint form). Each file is checked against its own limit again when it is read."""
    one = max_file_bytes + FORM_OVERHEAD
    filing = max(per_filing, 1) * max_file_bytes + FORM_OVERHEAD
    return [
        (re.compile(r"/api/v1/cases/[^/]+/evidence"), one),
        (re.compile(r"/kasus/[^/]+/evidence"), one),
        (re.compile(r"/api/v1/complaints"), filing),
        (re.compile(r"/aduan"), filing),
    ]


class RateLimiter:
    """At most ``per_minute`` requests per client in each minute, counted across processes.

    A client's minute starts at its first request; requests past the limit are refused until it
    ends (`limit_store`: one count for every process of the deployment).
    """

    def __init__(
        self,
        per_minute: int,
        store: LimitStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_minute = per_minute
        self.store: LimitStore = store if store is not None else MemoryStore()
        self.clock = clock

    def check(self, client: str) -> None:
        """Count a request; refused (429 with Retry-After) when the client is over its limit."""
        now = self.clock()
        count, ends = self.store.add(f"rate:{client}", now=now, ttl=60.0)
        if count > self.per_minute:
            wait = max(1, math.ceil(ends - now))
            raise ThrottledError(
                f"too many complaints from your address: at most {self.per_minute} a minute; "
                f"try again in {wait} seconds",
                retry_after=wait,
                rule="rate_limited",
            )


class LoginThrottle:
    """Exponential lockout after repeated failed logins, per username and client address.

    The first ``free`` failures cost nothing; each later one locks that username from that client
    for ``base * 2**(n - free)`` seconds (capped), so guessing slows exponentially while the real
    user on another machine is not locked out. Counted in the deployment's `limit_store`, so every
    API process sees the same failures. Callers pass the username already normalised
    (`domain.account.normalise_username`), the one key the account lookup uses too.
    """

    FORGET_AFTER = 24 * 3600.0
    """Seconds after the first failure when a username's failures from an address are forgotten."""

    def __init__(
        self,
        store: LimitStore | None = None,
        *,
        free: int = 5,
        base: float = 1.0,
        cap: float = 900.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store: LimitStore = store if store is not None else MemoryStore()
        self.free, self.base, self.cap, self.clock = free, base, cap, clock

    @staticmethod
    def _key(username: str, client: str) -> str:
        return f"login:{client}:{username}"

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until this username may try again from this client (0: now)."""
        wait = self.store.locked_until(self._key(username, client)) - self.clock()
        return max(0, int(wait + 0.999))

    def failed(self, username: str, client: str) -> None:
        """Count a failed login and lock further tries once past the free ones."""
        key = self._key(username, client)
        now = self.clock()
        count, _ = self.store.add(key, now=now, ttl=self.FORGET_AFTER)
        if count > self.free:
            delay = min(self.cap, self.base * 2 ** min(count - self.free - 1, 40))
            self.store.lock(key, until=now + delay)

    def succeeded(self, username: str, client: str) -> None:
        """Forget the failures of a username from a client after a good login."""
        self.store.forget(self._key(username, client))


def retry_headers(error: DomainError) -> dict[str, str]:
    """The ``Retry-After`` header of a throttled refusal (none for others)."""
    if isinstance(error, ThrottledError):
        return {"Retry-After": str(error.retry_after)}
    return {}
