"""Headers every answer carries: referrer policy, HSTS outside development, no caching of the API.

Pages set their own policy (`web.render.CONTENT_SECURITY_POLICY`) beside their cookie; the
service's one middleware (`bratasena.gate.Gate`) adds what holds for every answer, pages, API and
operations alike, through `secure`.
"""

from __future__ import annotations

from starlette.types import Message

HSTS = "max-age=31536000; includeSubDomains"

_ALWAYS = ((b"referrer-policy", b"same-origin"), (b"x-content-type-options", b"nosniff"))
_HSTS = (b"strict-transport-security", HSTS.encode())
_NO_STORE = (b"cache-control", b"no-store")


def secure(start: Message, *, api: bool, hsts: bool) -> None:
    """Add the headers an answer lacks to its `http.response.start` message, in place.

    A header the route set itself is kept (set-default semantics). API answers, and any JSON,
    carry NIKs, names and case facts: no cache, shared or private, keeps a copy.
    """
    headers: list[tuple[bytes, bytes]] = list(start.get("headers", ()))
    present = {name.lower() for name, _ in headers}
    wanted = [*_ALWAYS, _HSTS] if hsts else list(_ALWAYS)
    if b"cache-control" not in present and (
        api
        or any(
            name.lower() == b"content-type" and value.startswith(b"application/json")
            for name, value in headers
        )
    ):
        wanted.append(_NO_STORE)
    headers.extend(pair for pair in wanted if pair[0] not in present)
    start["headers"] = headers
