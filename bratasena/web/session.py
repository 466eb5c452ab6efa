"""The pages' session: one signed cookie holding the account's name and the CSRF token.

The cookie is HMAC-SHA256 signed with ``settings.secret_key`` (it is not encrypted: it holds a
username and a random token, nothing personal), HttpOnly so scripts cannot read it, SameSite=Lax
so other sites' forms do not carry it, and Secure outside development and tests. Every visitor,
logged in or not, gets a CSRF token with the first page; every form sends it back and a POST
without the matching token is refused. Logging in issues a fresh token (no session fixation).
The regency is signed in with the rest: a cookie of another regency's deployment (one host, two
ports share cookies) is no session here, even under the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response

from bratasena.access import settings_of
from bratasena.settings import Settings

COOKIE = "bratasena_sesi"
ANONYMOUS_TTL = 24 * 3600
"""Seconds an anonymous visitor's token lives (a citizen filling the form at leisure)."""


@dataclass(frozen=True)
class Session:
    """Who is logged in (None: a citizen), the CSRF token, and when the session was issued."""

    username: str | None
    csrf: str
    issued: int
    version: int = 0
    """The account's token version at login: a logout or a password change ends the session."""

    @classmethod
    def fresh(cls, username: str | None = None, version: int = 0) -> Session:
        """A new session with a new random CSRF token."""
        return cls(
            username=username,
            csrf=secrets.token_urlsafe(24),
            issued=int(time.time()),
            version=version,
        )


def _sign(settings: Settings, payload: bytes) -> str:
    key = settings.secret_key.get_secret_value().encode()
    domain = f"web-session:{settings.regency}:".encode()
    mac = hmac.new(key, domain + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def encode(settings: Settings, session: Session) -> str:
    """The cookie value: base64 of the JSON payload, a dot, its signature."""
    payload = json.dumps(
        {"u": session.username, "c": session.csrf, "t": session.issued, "v": session.version},
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(settings, payload)}"


def decode(settings: Settings, value: str | None, now: float | None = None) -> Session | None:
    """The session of a cookie value; None when absent, forged, malformed or expired."""
    if not value or value.count(".") != 1 or len(value) > 1024:
        return None
    body, signature = value.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(signature, _sign(settings, payload)):
        return None
    if not isinstance(data, dict):
        return None
    username, csrf, issued, version = data.get("u"), data.get("c"), data.get("t"), data.get("v", 0)
    if not (isinstance(csrf, str) and isinstance(issued, int) and isinstance(version, int)):
        return None
    if username is not None and not isinstance(username, str):
        return None
    ttl = settings.token_ttl_seconds if username else ANONYMOUS_TTL
    if (now if now is not None else time.time()) > issued + ttl:
        return None
    return Session(username=username, csrf=csrf, issued=issued, version=version)


def current(request: Request) -> Session:
    """This request's session: the cookie's, or a fresh anonymous one set on the response."""
    found: Session | None = getattr(request.state, "web_session", None)
    if found is not None:
        return found
    settings = settings_of(request)
    session = decode(settings, request.cookies.get(COOKIE))
    if session is None:
        session = Session.fresh()
        request.state.web_session_changed = True
    request.state.web_session = session
    return session


def replace(request: Request, session: Session) -> None:
    """Make ``session`` this request's session, to be set on the response."""
    request.state.web_session = session
    request.state.web_session_changed = True


def store(request: Request, response: Response) -> None:
    """Set the session cookie on the response when this request created or changed it."""
    if not getattr(request.state, "web_session_changed", False):
        return
    settings = settings_of(request)
    session: Session = request.state.web_session
    response.set_cookie(
        COOKIE,
        encode(settings, session),
        max_age=settings.token_ttl_seconds if session.username else ANONYMOUS_TTL,
        httponly=True,
        samesite="lax",
        secure=settings.environment not in ("development", "test"),
        path="/",
    )


def csrf_ok(request: Request, sent: object) -> bool:
    """Whether a form's token matches the session's (constant-time)."""
    settings = settings_of(request)
    session = decode(settings, request.cookies.get(COOKIE))
    if session is None or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(session.csrf, sent)
