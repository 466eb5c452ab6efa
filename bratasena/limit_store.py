"""Where the rate limit and the login throttle count: one store shared by every process.

Two `bratasena api` processes behind a proxy must enforce one limit, not one each, so counters
live outside the process: in a small table beside the other stores (`Database(settings,
"limits")`: the configured PostgreSQL schema, or the SQLite file ``limits.sqlite3``), or in Redis
when ``BRATASENA_REDIS_URL`` is set. A counter starts at its first hit and is forgotten ``ttl``
seconds later (a fixed window per key); a key may also be locked until a moment. Times are wall
clock seconds, the one clock all processes share.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from bratasena.persistence import Database
from bratasena.settings import Settings

PURGE_EVERY = 500
"""Counts between two sweeps of expired rows from the table (it must not grow forever)."""


class LimitStore(Protocol):
    """Counters and locks by key, shared by every process of a deployment."""

    def add(self, key: str, *, now: float, ttl: float) -> tuple[int, float]:
        """Count one more under ``key``: the count in its window and when the window ends."""
        ...

    def lock(self, key: str, *, until: float) -> None:
        """Lock ``key`` until a moment (its count is kept)."""
        ...

    def locked_until(self, key: str) -> float:
        """When the lock on ``key`` ends (0: never locked)."""
        ...

    def forget(self, key: str) -> None:
        """Drop the count and the lock of ``key``."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class MemoryStore:
    """Counters in this process only: for tests of the rules and for single-process tools."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[int, float, float]] = {}

    def add(self, key: str, *, now: float, ttl: float) -> tuple[int, float]:
        with self._lock:
            if len(self._rows) > 100_000:  # a flood of keys must not exhaust memory
                self._rows = {k: r for k, r in self._rows.items() if max(r[1], r[2]) > now}
            count, ends, locked = self._rows.get(key, (0, 0.0, 0.0))
            if ends <= now:
                count, ends = 0, now + ttl
            self._rows[key] = (count + 1, ends, locked)
            return count + 1, ends

    def lock(self, key: str, *, until: float) -> None:
        with self._lock:
            count, ends, _ = self._rows.get(key, (0, until, 0.0))
            self._rows[key] = (count, max(ends, until), until)

    def locked_until(self, key: str) -> float:
        with self._lock:
            return self._rows.get(key, (0, 0.0, 0.0))[2]

    def forget(self, key: str) -> None:
        with self._lock:
            self._rows.pop(key, None)

    def close(self) -> None:
        return None


class DatabaseStore:
    """Counters in a table of the deployment's database (either backend).

    Each change is one statement committed on its own (`Database.write`), and on PostgreSQL its
    commit does not wait for the disk: a crash of the database server may forget the last
    fraction of a second of counts, which only lets a few more requests through.
    """

    def __init__(self, settings: Settings) -> None:
        self.db = Database(settings, "limits", durable=False)
        self._adds = 0
        with self.db.setup() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS limits_counters (key TEXT PRIMARY KEY, "
                "count BIGINT NOT NULL, ends_at DOUBLE PRECISION NOT NULL, "
                "locked_until DOUBLE PRECISION NOT NULL)"
            )

    def add(self, key: str, *, now: float, ttl: float) -> tuple[int, float]:
        # One statement, so two processes counting the same key at once both count.
        [(count, ends)] = self.db.write(
            "INSERT INTO limits_counters AS c (key, count, ends_at, locked_until) "
            "VALUES (%s, 1, %s, 0) ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN c.ends_at <= %s THEN 1 ELSE c.count + 1 END, "
            "ends_at = CASE WHEN c.ends_at <= %s THEN %s ELSE c.ends_at END "
            "RETURNING count, ends_at",
            (key, now + ttl, now, now, now + ttl),
        )
        self._adds += 1
        if self._adds % PURGE_EVERY == 0:
            self.db.write(
                "DELETE FROM limits_counters WHERE ends_at < %s AND locked_until < %s", (now, now)
            )
        return int(count), float(ends)

    def lock(self, key: str, *, until: float) -> None:
        self.db.write(
            "INSERT INTO limits_counters AS c (key, count, ends_at, locked_until) "
            "VALUES (%s, 0, %s, %s) ON CONFLICT (key) DO UPDATE SET locked_until = %s, "
            "ends_at = CASE WHEN c.ends_at < %s THEN %s ELSE c.ends_at END",
            (key, until, until, until, until, until),
        )

    def locked_until(self, key: str) -> float:
        rows = self.db.query("SELECT locked_until FROM limits_counters WHERE key = %s", (key,))
        return float(rows[0][0]) if rows else 0.0

    def forget(self, key: str) -> None:
        self.db.write("DELETE FROM limits_counters WHERE key = %s", (key,))

    def close(self) -> None:
        self.db.close()


class RedisStore:
    """Counters in Redis (``BRATASENA_REDIS_URL``); Redis forgets them when they expire."""

    # INCR and the first expiry in one script, so a crash between them never leaves a counter
    # that lives forever.
    _ADD = (
        "local n = redis.call('INCR', KEYS[1]) "
        "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
        "return {n, redis.call('PTTL', KEYS[1])}"
    )

    def __init__(self, settings: Settings) -> None:
        import redis

        assert settings.redis_url
        self._redis: Any = redis.Redis.from_url(settings.redis_url, socket_timeout=5)
        self._prefix = f"{settings.redis_prefix}:limits:"
        self._add = self._redis.register_script(self._ADD)

    def add(self, key: str, *, now: float, ttl: float) -> tuple[int, float]:
        count, left_ms = self._add(keys=[self._prefix + key], args=[max(1, int(ttl * 1000))])
        return int(count), now + max(int(left_ms), 0) / 1000

    def lock(self, key: str, *, until: float) -> None:
        self._redis.set(self._prefix + "lock:" + key, repr(until), pxat=int(until * 1000) + 1)

    def locked_until(self, key: str) -> float:
        value = self._redis.get(self._prefix + "lock:" + key)
        return float(value) if value else 0.0

    def forget(self, key: str) -> None:
        self._redis.delete(self._prefix + key, self._prefix + "lock:" + key)

    def close(self) -> None:
        self._redis.close()


def limit_store(settings: Settings) -> LimitStore:
    """The store the deployment's settings name: Redis if configured, else the database."""
    if settings.redis_url:
        return RedisStore(settings)
    return DatabaseStore(settings)
