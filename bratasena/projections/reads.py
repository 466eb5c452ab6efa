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
replica that keeps up costs one small query per command, not per read.

Across processes (several `bratasena api` behind a proxy), a command's process knows its position
and the others do not: route a session's requests to one process, or leave the replica off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bratasena.persistence import Database
from bratasena.settings import Settings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.005
"""How often a bounded wait asks the replica how far it has replayed."""


def lsn_number(text: str) -> int:
    """A WAL position (``16/B374D848``) as a number, so positions compare and subtract."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class ReplicaLag:
    """How far the replica is behind the primary."""

    lag_bytes: int
    """WAL the primary has written that the replica has not replayed."""
    lag_seconds: float
    """Since the replica replayed its last transaction, while it has more to replay; else 0."""
    in_recovery: bool
    """The read connection is a standby (``pg_is_in_recovery()``): reads really go to a replica."""


class Reads:
    """The views' read connection: `query` as `Database.query`, on the replica when it may."""

    def __init__(self, primary: Database, settings: Settings) -> None:
        self.primary = primary
        self.bound = settings.replica_wait_seconds
        url = settings.read_database_url
        self.replica = (
            Database(settings, primary.name, database_url=url, read_only=True)
            if url and primary.is_postgres
            else None
        )
        self._lock = threading.Lock()
        self._required = 0
        self._replayed = 0
        self.counts = {"replica": 0, "primary": 0}
        """Reads served by each, for /metrics."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of one read-only statement, from the replica once it has replayed our writes."""
        source = "replica" if self.replica is not None and self._replica_has(0) else "primary"
        with self._lock:
            self.counts[source] += 1
        if source == "replica":
            assert self.replica is not None
            return self.replica.query(sql, params)
        return self.primary.query(sql, params)

    def after_write(self) -> bool:
        """Note the primary's WAL position after a command; wait (bounded) for the replica.

        False when the replica did not replay it within `replica_wait_seconds`: reads go to the
        primary until it has.
        """
        if self.replica is None:
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
        required = self._required
        if self._replayed >= required:
            return True
        assert self.replica is not None
        deadline = time.monotonic() + wait
        while True:
            ((replayed,),) = self.replica.query("SELECT pg_last_wal_replay_lsn()::text")
            with self._lock:
                self._replayed = max(self._replayed, lsn_number(replayed or "0/0"))
            if self._replayed >= required:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)

    def lag(self) -> ReplicaLag | None:
        """The replica's lag behind the primary (None without a replica)."""
        if self.replica is None:
            return None
        ((head,),) = self.primary.query("SELECT pg_current_wal_lsn()::text")
        ((replayed, received, seconds, standby),) = self.replica.query(
            "SELECT pg_last_wal_replay_lsn()::text, pg_last_wal_receive_lsn()::text, "
            "COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0), "
            "pg_is_in_recovery()"
        )
        behind = max(lsn_number(head) - lsn_number(replayed or "0/0"), 0)
        idle = replayed == received and behind == 0
        return ReplicaLag(
            lag_bytes=behind,
            lag_seconds=0.0 if idle else round(float(seconds), 3),
            in_recovery=bool(standby),
        )

    def close(self) -> None:
        """Release the replica's connections (the primary's belong to the views)."""
        if self.replica is not None:
            self.replica.close()
