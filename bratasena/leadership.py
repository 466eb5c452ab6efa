"""Which process of a deployment runs the projection runner, and which the sync worker: one each.

`bratasena serve --workers N` starts N processes that could each tail the log and send to the
targets, and an operator may start several `bratasena project` or `bratasena sync` processes for
availability. Each role has one lease per deployment (the schema, or the data directory, and the
regency); the process holding it does the work, the others stand by and try again about once a
second.

* PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection of its own. The server
  drops it when that session ends, so a leader killed with SIGKILL frees it at once (its socket
  closes with it). Behind a transaction pooler a session lock would stay with the pooled server
  connection, so there the lease is a transaction's lock (``pg_try_advisory_xact_lock``) held by
  keeping that one transaction open, as the sync worker's own lock does.
* SQLite: an ``fcntl.flock`` on a lock file in the data directory, which the kernel drops when
  the process dies.

A leader checks its lease every poll: if its connection to the server is gone, the lock is too
(another process may lead already), so it stops the work and stands by again rather than run
beside the new leader.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable
from typing import IO, Any, Literal

import psycopg

from bratasena.persistence import postgres_conninfo
from bratasena.settings import Settings

log = logging.getLogger(__name__)

Role = Literal["runner", "sync"]
"""The work one process per deployment does: the projection runner, the sync worker."""

Work = Callable[[threading.Event], None]
"""A loop that runs until its event is set (`Projections.run_forever`, `SyncWorker.run_forever`)."""

POLL_SECONDS = 1.0
"""How often a standby tries the lease and a leader checks it still holds it."""


class Lease:
    """One role's lease in one deployment, as seen from this process."""

    def __init__(self, settings: Settings, role: Role) -> None:
        self.settings = settings
        self.role = role
        self._conn: psycopg.Connection[Any] | None = None
        self._taken = False
        self._file: IO[bytes] | None = None

    @property
    def key(self) -> str:
        """The advisory lock's name on PostgreSQL: the deployment (schema, regency) and the role.

        (On SQLite the data directory is the deployment: the lock file is in it.)"""
        schema = self.settings.postgres_params()["POSTGRES_SCHEMA"]
        return f"bratasena-leader:{schema}:{self.settings.regency}:{self.role}"

    def try_acquire(self) -> bool:
        """Take the lease if no other process holds it; never waits."""
        if self.settings.uses_postgres:
            self._taken = self._try_postgres()
            return self._taken
        return self._try_file()

    def _try_postgres(self) -> bool:
        pooled = self.settings.transaction_pooler
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    postgres_conninfo(self.settings),
                    autocommit=not pooled,
                    prepare_threshold=None,
                    application_name=f"bratasena {self.role} pid {os.getpid()}",
                )
            if pooled:
                self._conn.rollback()  # whatever a lost lease's transaction left: end it
                # This transaction idles for as long as the process leads.
                self._conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
                statement = "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))"
            else:
                statement = "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))"
            row = self._conn.execute(statement, (self.key,)).fetchone()
            if pooled and not (row and row[0]):
                self._conn.rollback()  # a standby pins no server connection between tries
        except psycopg.Error as error:
            # The server is unreachable: nobody can be granted the lock meanwhile by this
            # process; try again next poll on a fresh connection.
            log.warning("%s lease: database unavailable (%s)", self.role, type(error).__name__)
            self._close_connection()
            return False
        return bool(row and row[0])

    def _try_file(self) -> bool:
        handle = open(self.settings.private_file(f"leader-{self.role}.lock"), "r+b")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        # Who leads, for a person reading the file; the lock itself is the flock.
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._file = handle
        return True

    def still_held(self) -> bool:
        """A leader's check: false once the lock may have passed to another process."""
        if self._file is not None:
            return True  # a flock lasts as long as this process and its open file
        if self._conn is None or not self._taken:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            # The session is gone, and its lock with it.
            self._taken = False
            self._close_connection()
            return False
        return True

    def release(self) -> None:
        """Give up the lease (and the connection or file it was held by)."""
        self._taken = False
        self._close_connection()
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def _close_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None


LEADER_SQL = """
SELECT a.application_name
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid,
     (SELECT hashtextextended(%s, 0) AS k) key
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = ((key.k >> 32) & 4294967295)::oid AND l.objid = (key.k & 4294967295)::oid
"""
"""The lease's holder: a bigint advisory lock shows as its high and low halves in pg_locks."""


def leader(settings: Settings, role: Role) -> int | None:
    """The process id of the role's leader on this deployment (None: nobody leads).

    On PostgreSQL the lease's connection is named after its process; on SQLite the leader writes
    its process id into the lock file, which counts only while the file is locked.
    """
    lease = Lease(settings, role)
    if settings.uses_postgres:
        with psycopg.connect(postgres_conninfo(settings), autocommit=True) as conn:
            row = conn.execute(LEADER_SQL, (lease.key,)).fetchone()
        return _pid_in(row[0]) if row else None
    path = settings.private_file(f"leader-{role}.lock")
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _pid_in(handle.read().decode())
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def _pid_in(text: str) -> int | None:
    last = text.split()[-1] if text.split() else ""
    return int(last) if last.isdigit() else None


def lead(lease: Lease, work: Work, stop: threading.Event, *, poll: float = POLL_SECONDS) -> None:
    """Run ``work`` whenever this process holds ``lease``, standing by otherwise, until ``stop``.

    ``work`` gets an event of its own, set when ``stop`` is or when the lease is lost; it runs in
    the calling thread while a watcher thread checks the lease every ``poll`` seconds.
    """
    announced = False
    try:
        while not stop.is_set():
            if not lease.try_acquire():
                if not announced:
                    log.info("another process leads the %s; standing by", lease.role)
                    announced = True
                stop.wait(poll)
                continue
            log.info("leading the %s (pid %s)", lease.role, os.getpid())
            announced = False
            _run_while_held(lease, work, stop, poll)
            lease.release()
            if not stop.is_set():
                stop.wait(poll)  # the work ended on its own or the lease was lost: try again
    finally:
        lease.release()


def _run_while_held(lease: Lease, work: Work, stop: threading.Event, poll: float) -> None:
    term = threading.Event()

    def watch() -> None:
        while not term.is_set():
            if stop.wait(poll) or not lease.still_held():
                if not stop.is_set():
                    log.warning("lost the %s lease; stopping it here", lease.role)
                term.set()

    watcher = threading.Thread(target=watch, name=f"{lease.role}-lease", daemon=True)
    watcher.start()
    try:
        work(term)
    finally:
        term.set()
        watcher.join()
