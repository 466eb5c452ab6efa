"""Who is calling and what they may see and do: what the API and the web pages share.

Both edges identify a caller their own way (a bearer token, a session cookie) and then rely on this
module alone: the account is checked against the event store on every request (`active_account`),
logins are checked and slowed in one place (`authenticate`), a case is scoped to the caller in one
place (`visible_complaint`), the roles of an action come from the domain's one table
(`require`), and each kind of refusal has one HTTP status (`http_status`).
"""

from __future__ import annotations

import functools
import ipaddress
import time
from typing import Any
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import HTTPConnection

from bratasena.application import Bratasena
from bratasena.domain.account import Account, Action, Role, normalise_username, roles_for
from bratasena.domain.complaint import Complaint, Step
from bratasena.domain.errors import (
    ConflictError,
    DomainError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)
from bratasena.domain.evidence import Evidence, EvidenceStage
from bratasena.integration.sync import SyncWorker
from bratasena.limits import BodyTooLargeError, LoginThrottle, RateLimiter, ThrottledError
from bratasena.metrics import Metrics
from bratasena.persistence import LoopReads
from bratasena.projections import Projections, TimelineEntry
from bratasena.settings import Settings

ALGORITHM = "HS256"

_hasher = PasswordHasher()
# A real hash to verify against when the username is unknown, so that a wrong username costs the
# same time as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("bratasena-no-such-account")


class NotAuthenticatedError(DomainError):
    """Nobody is logged in, or the credentials are wrong, expired or of a disabled account."""

    rule = "not_authenticated"


HTTP_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotAuthenticatedError, 401),
    (NotFoundError, 404),
    (ConflictError, 409),
    (NotAllowedError, 403),
    (ThrottledError, 429),
    (BodyTooLargeError, 413),
    (RuleViolationError, 422),
)
"""One HTTP status per kind of refusal, for the API and the pages alike; the first match wins."""


def http_status(error: DomainError) -> int:
    """The HTTP status of a refusal."""
    for kind, status in HTTP_STATUS:
        if isinstance(error, kind):
            return status
    return 422


# --- the parts of the running service, as each request sees them -------------------------------


def _service(conn: HTTPConnection) -> Any:
    # Built by `bratasena.bootstrap.create_app`; the edges read its parts, never build them.
    return conn.app.state.service


def app_of(conn: HTTPConnection) -> Bratasena:
    """The application (use cases over the event store)."""
    app: Bratasena = _service(conn).app
    return app


def views_of(conn: HTTPConnection) -> Projections:
    """The projected views (callers that read them call `refresh` first)."""
    views: Projections = _service(conn).projections
    return views


def sync_of(conn: HTTPConnection) -> SyncWorker:
    """The sync worker's tables and controls."""
    worker: SyncWorker = _service(conn).sync
    return worker


def loop_reads_of(conn: HTTPConnection) -> LoopReads | None:
    """The reads made on the event loop (PostgreSQL, while the lifespan runs), or None."""
    reads: LoopReads | None = _service(conn).loop_reads
    return reads


def settings_of(conn: HTTPConnection) -> Settings:
    """The service's settings."""
    settings: Settings = _service(conn).settings
    return settings


def throttle_of(conn: HTTPConnection) -> LoginThrottle:
    """The login throttle shared by the API and the pages."""
    throttle: LoginThrottle = _service(conn).throttle
    return throttle


def limiter_of(conn: HTTPConnection) -> RateLimiter:
    """The public rate limit shared by the API and the pages."""
    limiter: RateLimiter = _service(conn).limiter
    return limiter


def metrics_of(conn: HTTPConnection) -> Metrics:
    """This process's request metrics."""
    metrics: Metrics = _service(conn).metrics
    return metrics


def client_address(conn: HTTPConnection) -> str:
    """The caller's address (a trusted proxy's X-Forwarded-For when `BRATASENA_TRUSTED_PROXIES`
    names it: `bratasena serve` and `api` configure uvicorn so)."""
    return conn.client.host if conn.client else "unknown"


def metrics_reader(conn: HTTPConnection) -> None:
    """In production, only `BRATASENA_METRICS_ALLOW` addresses read /metrics; others: not found."""
    settings = settings_of(conn)
    if settings.environment != "production":
        return
    client = client_address(conn)
    for allowed in settings.metrics_allow_list():
        if client == allowed:
            return
        try:
            if ipaddress.ip_address(client) in ipaddress.ip_network(allowed, strict=False):
                return
        except ValueError:  # a name, or an entry that is no address: only equality counts
            continue
    raise NotFoundError("no such page")


# --- passwords, tokens and logging in -----------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of the password (memory-hard, salted, parameters inside the hash)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; an unknown account is checked against a dummy hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(
    settings: Settings, username: str, version: int = 0, now: float | None = None
) -> str:
    """A signed token naming the account and its token version, valid for ``token_ttl_seconds``.

    The version (``ver``) is the account's `token_version` when issued: a logout, a password or
    role change, or disabling the account moves it on, and the token stops working. The regency
    (``reg``) binds it to one deployment: regencies sharing a database server, or a secret by
    mistake, still refuse each other's tokens (an account name is only unique within a regency).
    """
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": username,
        "ver": version,
        "reg": settings.regency,
        "iat": issued,
        "exp": issued + settings.token_ttl_seconds,
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def read_token(settings: Settings, token: str) -> tuple[str, int] | None:
    """The username and token version a valid, unexpired token of this regency names; else None."""
    try:
        subject, version, regency, expires = _signed_claims(
            settings.secret_key.get_secret_value(), token
        )
    except jwt.PyJWTError:
        return None
    # Checked on every request, as PyJWT checks it: the claims are verified once (`_signed_claims`).
    if expires <= time.time() or regency != settings.regency:
        return None
    if not isinstance(subject, str) or not isinstance(version, int):
        return None
    return subject, version


@functools.lru_cache(maxsize=4096)
def _signed_claims(secret: str, token: str) -> tuple[object, object, object, int]:
    """The subject, version, regency and expiry of a token signed with ``secret``, unexpired when
    first seen; raises otherwise (and a refusal is not kept).

    A caller sends the same token on every request, and checking its signature and parsing it
    was a tenth of the interpreter's time on an authenticated request (docs/benchmarks.md, issue
    18): it is done once per token. Only what the signature vouches for is kept; its expiry is
    compared with the clock on every request (`read_token`). Bounded, so unknown tokens only
    push older ones out.
    """
    claims = jwt.decode(
        token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "reg"]}
    )
    return claims.get("sub"), claims.get("ver", 0), claims.get("reg"), int(claims["exp"])


def active_account(app: Bratasena, username: str, version: int = 0) -> Account | None:
    """The enabled account of a session, as the event store has it now.

    Checked on every request (`Bratasena.calling_account`: one indexed read of its version), so a
    disabled account is out on its very next request, a role change applies at once, and a
    session of an older token version (signed out, password changed) is over.
    """
    try:
        account = app.calling_account(normalise_username(username))
    except NotFoundError:
        return None
    return account if account.enabled and account.token_version == version else None


def token_account(app: Bratasena, username: str, version: int = 0) -> Account:
    """The account a valid token names, if it may still log in; otherwise refused."""
    try:
        account = app.calling_account(normalise_username(username))
    except NotFoundError:
        raise NotAuthenticatedError("the access token names no account; log in again") from None
    return _admitted(account, version)


def kept_token_account(app: Bratasena, username: str, version: int = 0) -> Account | None:
    """`token_account` from the account kept in memory, if it is still the newest (one indexed
    read); None when the account must be read (`token_account` then)."""
    account = app.kept_caller(normalise_username(username))
    return None if account is None else _admitted(account, version)


async def kept_token_account_on_loop(
    app: Bratasena, reads: LoopReads, username: str, version: int = 0
) -> Account | None:
    """`kept_token_account` with its one read made on the event loop (`LoopReads`)."""
    account = await app.kept_caller_on_loop(normalise_username(username), reads)
    return None if account is None else _admitted(account, version)


def _admitted(account: Account, version: int) -> Account:
    """The account, if a token of this version may still act for it; otherwise refused."""
    if not account.enabled:
        raise NotAuthenticatedError("this account is disabled; ask an administrator")
    if account.token_version != version:
        raise NotAuthenticatedError(
            "this token was ended (logged out, or the password or role changed); log in again"
        )
    return account


def authenticate(
    app: Bratasena, throttle: LoginThrottle, username: str, password: str, client: str
) -> Account:
    """The account whose password this is; refusals are slowed after repeated failures."""
    name = normalise_username(username)
    wait = throttle.retry_after(name, client)
    if wait:
        raise ThrottledError(
            f"too many failed logins; try again in {wait} seconds",
            retry_after=wait,
            rule="login_throttled",
        )
    try:
        account: Account | None = app.get_account(name) if name else None
    except NotFoundError:
        account = None
    good = verify_password(account.password_hash if account else None, password)
    if account is None or not good or not account.enabled:
        throttle.failed(name, client)
        raise NotAuthenticatedError(
            "wrong username or password, or the account is disabled", rule="login_failed"
        )
    throttle.succeeded(name, client)
    return account


# --- what the caller may see and do -------------------------------------------------------------


def require(account: Account, *roles: Role) -> Account:
    """The account, if its role is one of ``roles``; otherwise refused."""
    if account.role not in roles:
        raise NotAllowedError(
            f"a {account.role} may not do this; it needs the role {' or '.join(roles)}",
            rule="role_not_allowed",
        )
    return account


def require_action(account: Account, *actions: Action) -> Account:
    """The account, if its role may take one of the actions (the domain's one table)."""
    return require(account, *sorted({role for a in actions for role in roles_for(a)}))


def districts_of(account: Account) -> list[str] | None:
    """The districts an account is limited to (officers, facilitators), or None for all."""
    return list(account.districts) if account.works_in_districts else None


def visible_complaint(app: Bratasena, account: Account, complaint_id: UUID) -> Complaint:
    """The complaint, if the caller may see it; otherwise "not found", which reveals nothing.

    Read from the event store (not a view) so the check never lags: officers see the cases of
    their districts, facilitators only the cases assigned to them.
    """
    complaint = app.get_complaint(complaint_id)
    scope = districts_of(account)
    if scope is not None and complaint.village_code[:6] not in scope:
        raise NotFoundError(f"no complaint with id {complaint_id} in your districts")
    if account.role == Role.FACILITATOR and complaint.assigned_to != account.username:
        raise NotFoundError(f"no complaint with id {complaint_id} assigned to you")
    return complaint


def visible_evidence(account: Account, complaint: Complaint) -> list[Evidence]:
    """The case's attachments this person may see, in the order they were attached.

    The complainant's own files may show the complainant's house or face: supervisors and
    auditors only. Officers and facilitators see the field check's and the household's.
    """
    return [
        e
        for e in complaint.evidence.values()
        if account.sees_reporter or e.stage != EvidenceStage.FILING
    ]


def visible_steps(account: Account, entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """A case's timeline as this person may read it: the complainant's own attachments are
    steps only supervisors and auditors see (like the files themselves)."""
    if account.sees_reporter:
        return entries
    return [
        e
        for e in entries
        if not (e.step == Step.EVIDENCE_ATTACHED and e.fields.get("stage") == EvidenceStage.FILING)
    ]


ORIGINAL = "original"
EVIDENCE_SIZES = (ORIGINAL, "screen", "thumb")
"""What of an attachment can be fetched: the bytes as sent, or a photo's EXIF-free copies."""


def evidence_for(account: Account, complaint: Complaint, evidence_id: str, size: str) -> Evidence:
    """The attachment, if this person may fetch it in this size; otherwise "not found" or 403.

    Originals keep their EXIF (the place, the device): supervisors and auditors only; everyone
    else gets the copies made without it.
    """
    found = next(
        (e for e in visible_evidence(account, complaint) if str(e.id) == evidence_id), None
    )
    if found is None:
        raise NotFoundError(f"the case has no attachment {evidence_id[:40]!r} you may see")
    if size == ORIGINAL and not account.sees_reporter:
        raise NotAllowedError(
            "originals (with their EXIF location and device data) are for supervisors and "
            "auditors; fetch the screen or thumb copy",
            rule="original_not_allowed",
        )
    return found
