"""Request limits: a body-size cap (413), the public rate limit and the login throttle (429)."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Sequence

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

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


def body_limit(
    scope: Scope,
    *,
    max_body_bytes: int,
    max_upload_bytes: int,
    file_limits: Sequence[tuple[re.Pattern[str], int]] = (),
) -> int:
    """The most bytes a request may send: uploads get the larger limit, and multipart bodies to
    the ``file_limits`` paths (evidence) theirs; others keep ``max_body_bytes``."""
    path: str = scope.get("path", "")
    if path.startswith(UPLOAD_PATHS):
        return max_upload_bytes
    if file_limits and _is_multipart(scope):
        for pattern, limit in file_limits:
            if pattern.fullmatch(path):
                return max(limit, max_body_bytes)
    return max_body_bytes


def declared_length(scope: Scope) -> int:
    """The request's Content-Length, or 0 without one (or with a malformed one).

    A client can omit it (chunked) or lie, so the bytes are counted as they arrive too
    (`counted`).
    """
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that fails with 413 once the body's bytes pass ``limit``, before parsing."""
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyOverflow(limit)
        return message

    return counting_receive


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
        # The name typed is digested: anything can be typed there (a NUL byte, which PostgreSQL's
        # text refuses; a password typed in the wrong field), and none of it is kept in clear.
        typed = hashlib.blake2b(username.encode("utf-8", "surrogatepass"), digest_size=16)
        return f"login:{client}:{typed.hexdigest()}"

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
