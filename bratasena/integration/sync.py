"""Deactivations and reactivations out to DTJateng and DTSEN; never lost, never doubled.

Two halves over the worker's own tables (``Database(settings, "sync")``):

* follow: read the log after the worker's position and, for each ``Household.Deactivated`` /
  ``Household.Reactivated`` and each enabled target, insert an outbox item *in the same
  transaction* that advances the position, so a crash neither skips nor repeats an event;
* dispatch: send due items from a small thread pool. Per household and target only the lowest
  unfinished version is ever due, so a reactivation never overtakes the deactivation it reverses,
  while other households keep flowing. Accepted → ``Household.Synced``; refused with a reason code
  → ``Household.SyncRejected`` and the item is parked for a person; anything else is transient and
  retried with exponential backoff and jitter.

A crash after the target applied a change but before ``Synced`` was recorded resends it with the
same idempotency key: the target applies it once and answers the same, and the domain refuses a
second ``Synced`` for the same target and version (rule ``already_synced``), which is taken as done.
The outbox holds no personal data: the payload is rebuilt from the event store at each send.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from bratasena.application import Bratasena
from bratasena.domain.errors import (
    ConflictError,
    NotFoundError,
    OutOfOrderError,
    RuleViolationError,
)
from bratasena.domain.household import Household
from bratasena.integration.client import (
    Answer,
    TargetClient,
    build_payload,
    enabled_targets,
    idempotency_key,
)
from bratasena.persistence import Database, postgres_conninfo
from bratasena.settings import Settings

log = logging.getLogger(__name__)

ACTOR = "sync-worker"
POSITION_NAME = "worker"
FOLLOW_BATCH = 500
RECORD_ATTEMPTS = 10
TOPICS = (get_topic(Household.Deactivated), get_topic(Household.Reactivated))

PENDING, DONE, PARKED = "pending", "done", "parked"
GAVE_UP = "gave_up"
"""The reason code of an item parked locally after ``sync_max_attempts`` transient failures."""

_COLUMNS = (
    "id, position, household_id, event_version, target, change, idempotency_key, state, "
    "attempts, next_attempt_at, recorded_at, queued_at, done_at, registry_id, reference, "
    "reason_code, message, last_error"
)


@dataclass(frozen=True)
class SyncStatus:
    """How far the worker is: log position and lag, and its items by state."""

    position: int
    head: int
    lag: int
    """Events in the log the worker has not yet read."""
    pending: int
    """Items waiting for their first send (or blocked behind an earlier change)."""
    retrying: int
    """Items that failed transiently at least once and wait for their next attempt."""
    parked: int
    done: int
    oldest_unsynced_seconds: float
    """Age of the oldest change not yet acknowledged (0 when nothing waits)."""
    targets: tuple[str, ...]


@dataclass(frozen=True)
class ParkedItem:
    """A change a person must look at: refused by a target, or given up after many failures."""

    id: str
    household_id: UUID
    registry_id: str
    target: str
    event_version: int
    change: str
    idempotency_key: str
    reason_code: str
    message: str
    attempts: int
    parked_at: datetime


@dataclass(frozen=True)
class _Item:
    id: str
    household_id: UUID
    event_version: int
    target: str
    attempts: int


def backoff_delay(attempts: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before the next try after ``attempts`` failures: exponential, jittered, bounded.

    The ceiling doubles from ``base`` up to ``cap``; the delay is drawn from the upper half of it
    (never below ``base``), so workers that failed together do not retry in lockstep.
    """
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return rng.uniform(min(ceiling, max(base, ceiling / 2)), ceiling)


class SyncWorker:
    """Follows the log into an outbox and sends it; also what the CLI and the API inspect."""

    def __init__(
        self,
        app: Bratasena,
        settings: Settings,
        *,
        concurrency: int = 8,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.settings = settings
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.db = Database(settings, "sync")
        self.targets = {t.name: t for t in enabled_targets(settings)}
        self._clients: dict[str, TargetClient] = {}
        self._clients_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: dict[str, tuple[_Item, Future[tuple[Answer, str | None]]]] = {}
        self._rng = random.Random()
        self._last_follow = 0.0
        self._setup()

    # --- tables ---------------------------------------------------------------------------------

    def _setup(self) -> None:
        with self.db.transaction() as cur:
            if self.db.is_postgres:
                # CREATE … IF NOT EXISTS races on the catalogue when two processes start at once.
                cur.execute("SELECT pg_advisory_xact_lock(7316060)")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS sync_position "
                "(name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
            )
            cur.execute(
                "CREATE TABLE IF NOT EXISTS sync_outbox ("
                "id TEXT PRIMARY KEY, position BIGINT NOT NULL, household_id TEXT NOT NULL, "
                "event_version INTEGER NOT NULL, target TEXT NOT NULL, change TEXT NOT NULL, "
                "idempotency_key TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, "
                "next_attempt_at DOUBLE PRECISION NOT NULL, recorded_at DOUBLE PRECISION NOT NULL, "
                "queued_at DOUBLE PRECISION NOT NULL, done_at DOUBLE PRECISION, "
                "registry_id TEXT, reference TEXT, reason_code TEXT, message TEXT, last_error TEXT)"
            )
            cur.execute(
                "CREATE INDEX IF NOT EXISTS sync_outbox_due ON sync_outbox (state, next_attempt_at)"
            )
            cur.execute(
                "CREATE INDEX IF NOT EXISTS sync_outbox_order "
                "ON sync_outbox (household_id, target, event_version)"
            )
            cur.execute(
                "INSERT INTO sync_position (name, position) VALUES (%s, 0) "
                "ON CONFLICT (name) DO NOTHING",
                (POSITION_NAME,),
            )

    # --- follow ---------------------------------------------------------------------------------

    def position(self) -> int:
        """The id of the last log notification the worker has taken in."""
        rows = self.db.query("SELECT position FROM sync_position WHERE name = %s", (POSITION_NAME,))
        return int(rows[0][0]) if rows else 0

    def follow(self) -> int:
        """Take in one batch of the log after the position; the number of changes queued."""
        head = self.app.head()
        if self.position() >= head:
            return 0
        lock = " FOR UPDATE" if self.db.is_postgres else ""
        with self.db.transaction() as cur:
            cur.execute(
                f"SELECT position FROM sync_position WHERE name = %s{lock}", (POSITION_NAME,)
            )
            position = int(cur.fetchone()[0])
            if position >= head:
                return 0
            # Stop at the head read before this transaction: every id at or below it has
            # committed (the store inserts in id order), so nothing below the new position is
            # still to come even though ids may have holes.
            notifications = self.app.recorder.select_notifications(
                position, FOLLOW_BATCH, stop=head, topics=TOPICS, inclusive_of_start=False
            )
            full = len(notifications) == FOLLOW_BATCH
            end = notifications[-1].id if full else head
            now = self.clock()
            rows = []
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                assert isinstance(event, Household.Deactivated | Household.Reactivated)
                change = (
                    "deactivation" if isinstance(event, Household.Deactivated) else "reactivation"
                )
                key = idempotency_key(event.originator_id, event.originator_version)
                for target in self.targets:
                    rows.append(
                        (
                            f"{target}-{notification.id}",
                            notification.id,
                            str(event.originator_id),
                            event.originator_version,
                            target,
                            change,
                            key,
                            PENDING,
                            0,
                            now,
                            event.timestamp.timestamp(),
                            now,
                        )
                    )
            if rows:
                cur.executemany(
                    "INSERT INTO sync_outbox (id, position, household_id, event_version, target, "
                    "change, idempotency_key, state, attempts, next_attempt_at, recorded_at, "
                    "queued_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    rows,
                )
            cur.execute(
                "UPDATE sync_position SET position = %s WHERE name = %s", (end, POSITION_NAME)
            )
        return len(rows)

    def _follow_all(self) -> int:
        queued = 0
        while True:
            before = self.position()
            queued += self.follow()
            if self.position() == before:
                self._last_follow = time.monotonic()
                return queued

    # --- dispatch -------------------------------------------------------------------------------

    def _due(self, limit: int) -> list[_Item]:
        if not self.targets:
            return []
        # Only enabled targets: items left for a target switched off since must not fill the
        # batch and starve the others.
        targets = ", ".join(["%s"] * len(self.targets))
        rows = self.db.query(
            "SELECT o.id, o.household_id, o.event_version, o.target, o.attempts "
            f"FROM sync_outbox o WHERE o.state = %s AND o.target IN ({targets}) "
            "AND o.next_attempt_at <= %s AND NOT EXISTS "
            "(SELECT 1 FROM sync_outbox p WHERE p.household_id = o.household_id "
            "AND p.target = o.target AND p.event_version < o.event_version AND p.state <> %s) "
            "ORDER BY o.position LIMIT %s",
            (PENDING, *self.targets, self.clock(), DONE, limit),
        )
        return [_Item(str(r[0]), UUID(str(r[1])), int(r[2]), str(r[3]), int(r[4])) for r in rows]

    def _client(self, target: str) -> TargetClient:
        with self._clients_lock:
            client = self._clients.get(target)
            if client is None:
                client = TargetClient(
                    self.targets[target],
                    timeout=self.settings.sync_timeout_seconds,
                    connections=self.concurrency,
                )
                self._clients[target] = client
            return client

    def _pump(self) -> int:
        """Submit due items not already in flight; the number submitted."""
        free = self.concurrency - len(self._inflight)
        if free <= 0:
            return 0
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="sync-send")
        submitted = 0
        for item in self._due(free + len(self._inflight)):
            if item.id in self._inflight:
                continue
            self._inflight[item.id] = (item, self._pool.submit(self.send, item))
            submitted += 1
            if submitted >= free:
                break
        return submitted

    def _reap(self, timeout: float | None) -> int:
        """Wait for at least one send to finish (bounded by ``timeout``), record what finished.

        Sends run in the pool; answers are recorded here, in this one thread and in batches
        (one save for many ``Synced`` events), since each save takes the event store's lock.
        """
        if not self._inflight:
            return 0
        futures = [future for _, future in self._inflight.values()]
        finished, _ = wait(futures, timeout, FIRST_COMPLETED)
        results: list[tuple[_Item, Answer, str | None]] = []
        for item_id, (item, future) in list(self._inflight.items()):
            if future in finished:
                del self._inflight[item_id]
                error = future.exception()
                if error is None:
                    answer, registry_id = future.result()
                    results.append((item, answer, registry_id))
                else:
                    detail = f"{type(error).__name__}: {error}"[:300]
                    results.append((item, Answer("transient", detail=detail), None))
        self.record(results)
        return len(results)

    def send(self, item: _Item) -> tuple[Answer, str | None]:
        """Send one item (runs in the send pool): the answer, and the household's registry id."""
        try:
            payload = build_payload(self.app, item.household_id, item.event_version)
        except Exception as error:
            return Answer(
                "transient", detail=f"payload: {type(error).__name__}: {error}"[:300]
            ), None
        return self._client(item.target).send(payload), str(payload["registry_id"])

    def record(self, results: Sequence[tuple[_Item, Answer, str | None]]) -> None:
        """Record the answers of finished sends, then mark their items."""
        try:
            self._record_accepted([(i, a, r) for i, a, r in results if a.kind == "accepted"])
        except Exception as error:
            # The answers could not be recorded (a database hiccup): send again later; the
            # target's idempotency and the domain's already_synced rule keep each one single.
            log.exception("recording accepted sync items failed")
            results = [
                (i, Answer("transient", detail=f"recording: {type(error).__name__}"), r)
                if a.kind == "accepted"
                else (i, a, r)
                for i, a, r in results
            ]
        for item, answer, registry_id in results:
            if answer.kind == "rejected":
                self._rejected(item, answer, registry_id)
        self._record_transient([(i, a, r) for i, a, r in results if a.kind == "transient"])

    def _record_accepted(self, accepted: Sequence[tuple[_Item, Answer, str | None]]) -> None:
        if not accepted:
            return
        households: dict[UUID, Household] = {}
        for item, answer, _ in accepted:
            household = households.get(item.household_id)
            if household is None:
                household = self.app.get_household(item.household_id)
                households[item.household_id] = household
            try:
                household.record_synced(
                    target=item.target,
                    event_version=item.event_version,
                    reference=answer.reference,
                    actor=ACTOR,
                    at=self.app.clock(),
                )
            except OutOfOrderError as error:
                # A resend after a crash: the target answered the same and Synced is recorded.
                if error.rule != "already_synced":
                    raise
        try:
            self.app.save(*households.values())
        except IntegrityError:
            # Someone else changed one of these households meanwhile: record one by one, each
            # through the application, retried on a stale version.
            for item, answer, _ in accepted:
                self._record_synced(item, answer)
        now = self.clock()
        with self.db.transaction() as cur:
            cur.executemany(
                "UPDATE sync_outbox SET state = %s, attempts = %s, done_at = %s, reference = %s, "
                "registry_id = %s, reason_code = NULL, message = NULL, last_error = NULL "
                "WHERE id = %s",
                [
                    (DONE, item.attempts + 1, now, answer.reference, registry_id, item.id)
                    for item, answer, registry_id in accepted
                ],
            )

    def _record_synced(self, item: _Item, answer: Answer) -> None:
        def record() -> None:
            self.app.record_synced(
                item.household_id,
                target=item.target,
                event_version=item.event_version,
                reference=answer.reference,
                actor=ACTOR,
            )

        _record_once(record)

    def _rejected(self, item: _Item, answer: Answer, registry_id: str | None) -> None:
        def record() -> None:
            self.app.record_sync_rejected(
                item.household_id,
                target=item.target,
                event_version=item.event_version,
                reason_code=answer.reason_code,
                message=answer.message,
                actor=ACTOR,
            )

        if not _record_once(record):
            outcome = self.app.get_household(item.household_id).sync_outcome(
                item.target, item.event_version
            )
            if outcome is not None and outcome[0] == "synced":
                # Acknowledged before (its Synced is recorded): the change is at the target.
                self._finish(item, DONE, registry_id, reference=outcome[1])
                return
        log.warning(
            "sync item %s parked: %s refused it (%s)", item.id, item.target, answer.reason_code
        )
        self._finish(
            item, PARKED, registry_id, reason_code=answer.reason_code, message=answer.message
        )

    def _record_transient(self, failed: Sequence[tuple[_Item, Answer, str | None]]) -> None:
        retries = []
        limit = self.settings.sync_max_attempts
        for item, answer, registry_id in failed:
            attempts = item.attempts + 1
            if limit and attempts >= limit:
                log.warning(
                    "sync item %s parked after %s attempts: %s", item.id, attempts, answer.detail
                )
                self._finish(
                    item,
                    PARKED,
                    registry_id,
                    reason_code=GAVE_UP,
                    message=f"gave up after {attempts} attempts; last: {answer.detail}",
                    last_error=answer.detail,
                )
                continue
            delay = backoff_delay(
                attempts,
                self.settings.sync_backoff_base_seconds,
                self.settings.sync_backoff_max_seconds,
                self._rng,
            )
            log.info(
                "sync item %s: %s; retry %s in %.1f s", item.id, answer.detail, attempts, delay
            )
            retries.append(
                (attempts, self.clock() + delay, answer.detail, registry_id, item.id, PENDING)
            )
        if retries:
            with self.db.transaction() as cur:
                cur.executemany(
                    "UPDATE sync_outbox SET attempts = %s, next_attempt_at = %s, last_error = %s, "
                    "registry_id = COALESCE(%s, registry_id) WHERE id = %s AND state = %s",
                    retries,
                )

    def _finish(
        self,
        item: _Item,
        state: str,
        registry_id: str | None,
        *,
        reference: str | None = None,
        reason_code: str | None = None,
        message: str | None = None,
        last_error: str | None = None,
    ) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE sync_outbox SET state = %s, attempts = %s, done_at = %s, reference = %s, "
                "reason_code = %s, message = %s, last_error = %s, "
                "registry_id = COALESCE(%s, registry_id) WHERE id = %s",
                (
                    state,
                    item.attempts + 1,
                    self.clock(),
                    reference,
                    reason_code,
                    message,
                    last_error,
                    registry_id,
                    item.id,
                ),
            )

    # --- running --------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Follow the log and send everything due now until nothing is; the items finished.

        Items waiting for a later retry are left for a later call.
        """
        finished = 0
        try:
            while True:
                self._follow_all()
                self._pump()
                if not self._inflight:
                    return finished
                finished += self._reap(None)
        finally:
            self._drain_inflight()

    def run_forever(self, stop: threading.Event) -> None:
        """Follow and send until ``stop`` is set; one active worker per store (others wait)."""
        lock = self._acquire_lock(stop)
        if lock is None:
            return
        poll = self.settings.poll_interval_seconds
        try:
            while not stop.is_set():
                try:
                    if time.monotonic() - self._last_follow >= poll or not self._inflight:
                        self._follow_all()
                    self._pump()
                    if self._inflight:
                        self._reap(poll)
                    else:
                        stop.wait(poll)
                except Exception:
                    # Keep syncing through a database hiccup: positions and items are unchanged
                    # by a failed transaction, so the next round redoes the work.
                    log.exception("sync round failed; retrying")
                    stop.wait(max(poll, 1.0))
        finally:
            self._drain_inflight()
            lock.release()

    def _drain_inflight(self) -> None:
        while self._inflight:
            self._reap(None)

    def _acquire_lock(self, stop: threading.Event) -> _WorkerLock | None:
        lock = _WorkerLock(self.settings)
        announced = False
        while not stop.is_set():
            if lock.try_acquire():
                return lock
            if not announced:
                log.info("another sync worker is active on this store; standing by")
                announced = True
            stop.wait(1.0)
        return None

    # --- inspection (CLI and API) ---------------------------------------------------------------

    def status(self) -> SyncStatus:
        """The worker's position and lag, and its items by state."""
        head = self.app.head()
        position = self.position()
        rows = self.db.query(
            "SELECT state, CASE WHEN attempts > 0 THEN 1 ELSE 0 END, COUNT(*), MIN(recorded_at) "
            "FROM sync_outbox GROUP BY state, CASE WHEN attempts > 0 THEN 1 ELSE 0 END"
        )
        counts = {PENDING: 0, "retrying": 0, PARKED: 0, DONE: 0}
        oldest: float | None = None
        for state, retried, count, first in rows:
            name = "retrying" if state == PENDING and int(retried) else str(state)
            counts[name] = counts.get(name, 0) + int(count)
            if state != DONE and first is not None:
                oldest = float(first) if oldest is None else min(oldest, float(first))
        return SyncStatus(
            position=position,
            head=head,
            lag=max(0, head - position),
            pending=counts[PENDING],
            retrying=counts["retrying"],
            parked=counts[PARKED],
            done=counts[DONE],
            oldest_unsynced_seconds=max(0.0, self.clock() - oldest) if oldest else 0.0,
            targets=tuple(self.targets),
        )

    def backlog(self) -> dict[str, int]:
        """Items not yet acknowledged, by state (for /metrics)."""
        status = self.status()
        return {"pending": status.pending, "retrying": status.retrying, "parked": status.parked}

    def parked(self) -> list[ParkedItem]:
        """Every parked item, oldest first."""
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM sync_outbox WHERE state = %s ORDER BY position, target",
            (PARKED,),
        )
        return [_parked(row) for row in rows]

    def retry(self, item_id: str) -> ParkedItem:
        """Put a parked item back in the queue once its cause is fixed; it is sent next round."""
        with self.db.transaction() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM sync_outbox WHERE id = %s", (item_id,))
            row = cur.fetchone()
            if row is None:
                raise NotFoundError(f"id: no sync item {item_id!r}", field="id")
            if row[7] != PARKED:
                raise RuleViolationError(
                    f"id: sync item {item_id} is {row[7]}, only parked items can be retried",
                    field="id",
                    rule="not_parked",
                )
            cur.execute(
                "UPDATE sync_outbox SET state = %s, attempts = 0, next_attempt_at = %s, "
                "done_at = NULL WHERE id = %s",
                (PENDING, self.clock(), item_id),
            )
        return _parked(row)

    def close(self) -> None:
        """Finish sends in flight and release connections."""
        self._drain_inflight()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self.db.close()


def _parked(row: Any) -> ParkedItem:
    return ParkedItem(
        id=str(row[0]),
        household_id=UUID(str(row[2])),
        registry_id=str(row[13] or ""),
        target=str(row[4]),
        event_version=int(row[3]),
        change=str(row[5]),
        idempotency_key=str(row[6]),
        reason_code=str(row[15] or ""),
        message=str(row[16] or ""),
        attempts=int(row[8]),
        parked_at=datetime.fromtimestamp(float(row[12] or row[11]), UTC),
    )


def _record_once(record: Callable[[], None]) -> bool:
    """Record a sync outcome; False when one was already recorded (a resend after a crash)."""
    for _ in range(RECORD_ATTEMPTS):
        try:
            record()
            return True
        except ConflictError:
            # Another send for the same household (the other target) saved first: reload, redo.
            continue
        except OutOfOrderError as error:
            if error.rule == "already_synced":
                return False
            raise
    raise ConflictError("household kept changing while recording a sync outcome")


class _WorkerLock:
    """Only one worker dispatches per store: a session advisory lock on PostgreSQL, a file lock
    on SQLite; both vanish with the process, so a killed worker never blocks its successor."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: psycopg.Connection[Any] | None = None
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self.settings.uses_postgres:
            schema = self.settings.postgres_params()["POSTGRES_SCHEMA"]
            if self._conn is None:
                self._conn = psycopg.connect(postgres_conninfo(self.settings), autocommit=True)
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s))", (f"bratasena-sync:{schema}",)
            ).fetchone()
            return bool(row and row[0])
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.settings.data_dir / "sync.lock", "ab")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
