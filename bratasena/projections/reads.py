"""Where the screens read the views: the primary, or a streaming replica that has caught up.

With `BRATASENA_READ_DATABASE_URL` set, every view read (lists, dashboard, report, household
search) goes to a PostgreSQL streaming replica (PostgreSQL's own physical replication), while
commands, the projection runner and the sync worker write and read on the primary. The views are
written on the primary by the runner, and reach the replica when it has replayed that part of the
write-ahead log.

Read-your-writes holds as it does without a replica. After a command has been applied to the views
(`Projections.caught_up`), `after_write` notes the primary's WAL position (``pg_current_wal_lsn()``,
at or past the commit of the command and of its views), and waits, at most
`replica_wait_seconds`, until the replica has replayed it (``pg_last_wal_replay_lsn()``). Every
later read of this process goes to the replica only once it has replayed the last such position,
and to the primary until then: a replica lagging beyond the bound costs the primary the reads, never
a stale screen after one's own command. The replica's replayed position is remembered, so a
replica that keeps up costs one small query per command, not per read. A replica that does not
answer is treated as lagging: reads go to the primary, and it is asked again after
`RETRY_SECONDS`. The replica's pool opens on the first read, so processes that only write (the
runner, the sync worker) hold no connection to it.

Across processes (several `bratasena api` behind a proxy), a command's process knows its position
and the others do not: route a session's requests to one process, or leave the replica off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import psycopg

from bratasena.persistence import Database
from bratasena.settings import Settings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.005
"""How often a bounded wait asks the replica how far it has replayed."""

RETRY_SECONDS = 5.0
"""How long reads stay on the primary after the replica failed to answer."""


def lsn_number(text: str) -> int:
    """A WAL position (``16/B374D848``) as a number, so positions compare and subtract."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class ReplicaLag:
    """How far the replica is behind the primary (lag unknown while it does not answer)."""

    reachable: bool
    lag_bytes: int | None = None
    """WAL the primary has written that the replica has not replayed."""
    lag_seconds: float | None = None
    """Since the replica replayed its last transaction, while it has more to replay; else 0."""
    in_recovery: bool | None = None
    """The read connection is a standby (``pg_is_in_recovery()``): reads really go to a replica."""


class Reads:
    """The views' read connection: `query` as `Database.query`, on the replica when it may."""

    def __init__(self, primary: Database, settings: Settings) -> None:
        self.primary = primary
        self.settings = settings
        self.bound = settings.replica_wait_seconds
        self.configured = bool(settings.read_database_url) and primary.is_postgres
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._required = 0
        self._replayed = 0
        self.counts = {"replica": 0, "primary": 0}
        """Reads served by each, for /metrics."""

    @cached_property
    def replica(self) -> Database:
        """The replica's pool of the views' store (opened on first use)."""
        return Database(
            self.settings, self.primary.name, database_url=self.settings.read_database_url,
            read_only=True,
        )  # fmt: skip

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of one read-only statement, from the replica once it has replayed our writes."""
        if self.configured and self._replica_has(0):
            try:
                rows = self.replica.query(sql, params)
            except psycopg.OperationalError as error:
                self._replica_failed(error)
            else:
                self._count("replica")
                return rows
        self._count("primary")
        return self.primary.query(sql, params)

    def _count(self, source: str) -> None:
        with self._lock:
            self.counts[source] += 1

    def _replica_failed(self, error: Exception) -> None:
        log.warning(
            "the read replica did not answer (%s); reading the primary", type(error).__name__
        )
        self._down_until = time.monotonic() + RETRY_SECONDS

    def after_write(self) -> bool:
        """Note the primary's WAL position after a command; wait (bounded) for the replica.

        False when the replica did not replay it within `replica_wait_seconds`: reads go to the
        primary until it has.
        """
        if not self.configured:
            return True
        ((position,),) = self.primary.query("SELECT pg_current_wal_lsn()::text")
        with self._lock:
            self._required = max(self._required, lsn_number(position))
        if self._replica_has(self.bound):
            return True
        log.warning("the replica did not replay the last write within %ss", self.bound)
        return False

    def _replica_has(self, wait: float) -> bool:
        """Whether the replica has replayed the last noted write, asking for up to ``wait`` s."""
        if time.monotonic() < self._down_until:
            return False
        required = self._required
        if self._replayed >= required:
            return True
        deadline = time.monotonic() + wait
        while True:
            try:
                ((replayed,),) = self.replica.query("SELECT pg_last_wal_replay_lsn()::text")
            except psycopg.OperationalError as error:
                self._replica_failed(error)
                return False
            with self._lock:
                self._replayed = max(self._replayed, lsn_number(replayed or "0/0"))
            if self._replayed >= required:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)

    def lag(self) -> ReplicaLag | None:
        """The replica's lag behind the primary (None without a replica)."""
        if not self.configured:
            return None
        ((head,),) = self.primary.query("SELECT pg_current_wal_lsn()::text")
        try:
            ((replayed, received, seconds, standby),) = self.replica.query(
                "SELECT pg_last_wal_replay_lsn()::text, pg_last_wal_receive_lsn()::text, "
                "COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0), "
                "pg_is_in_recovery()"
            )
        except psycopg.OperationalError as error:
            self._replica_failed(error)
            return ReplicaLag(reachable=False)
        behind = max(lsn_number(head) - lsn_number(replayed or "0/0"), 0)
        idle = replayed == received and behind == 0
        return ReplicaLag(
            reachable=True,
            lag_bytes=behind,
            lag_seconds=0.0 if idle else round(float(seconds), 3),
            in_recovery=bool(standby),
        )

    def close(self) -> None:
        """Release the replica's connections (the primary's belong to the views)."""
        if "replica" in vars(self):
            self.replica.close()
