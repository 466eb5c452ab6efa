"""Passwords (argon2id), signed expiring access tokens (JWT), and slowing repeated failed logins."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bratasena.settings import DEFAULT_SECRET, Settings

ALGORITHM = "HS256"

_hasher = PasswordHasher()
# A real hash to verify against when the username is unknown, so that a wrong username costs the
# same time as a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("bratasena-no-such-account")


def hash_password(password: str) -> str:
    """An argon2id hash of the password (memory-hard, salted, parameters inside the hash)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; an unknown account is checked against a dummy hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_secret(settings: Settings) -> None:
    """Refuse to run in production with the development secret, which anyone can read."""
    if (
        settings.environment not in ("development", "test")
        and settings.secret_key.get_secret_value() == DEFAULT_SECRET
    ):
        raise RuntimeError(
            "BRATASENA_SECRET_KEY is the development default; set a long random secret "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) before "
            f"running with BRATASENA_ENVIRONMENT={settings.environment}"
        )


def issue_token(settings: Settings, username: str, now: float | None = None) -> str:
    """A signed token naming the account, valid for ``token_ttl_seconds``."""
    issued = int(now if now is not None else time.time())
    claims = {"sub": username, "iat": issued, "exp": issued + settings.token_ttl_seconds}
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def read_token(settings: Settings, token: str) -> str | None:
    """The username a valid, unexpired token names; None for anything else."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"]},
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


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
