"""Deactivations and reactivations out to DTJateng and DTSEN; never lost, never doubled.

Two halves over the worker's own tables (`integration/outbox.py`):

* follow: read the log after the targets' positions and, for each ``Household.Deactivated`` /
  ``Household.Reactivated`` (and each update of one: ``Proposed`` in a proposal list,
  ``ProposalApproved`` by the Bupati) and each target of the domain (configured or not), insert
  an outbox item *in the same transaction* that advances that target's position, so a crash
  neither skips nor repeats an event, and a target switched on later receives everything
  recorded before it;
* dispatch: send due items of the enabled targets from a small thread pool. Per household and
  target only the lowest unfinished version is ever due, so a reactivation never overtakes the
  deactivation it reverses, while other households keep flowing. Accepted →
  ``Household.Synced``; refused with a reason code → ``Household.SyncRejected`` and the item is
  parked for a person; anything else is transient and retried with exponential backoff and
  jitter. Answers are recorded from one thread, a batch at a
  time, by the application's `record_sync_answers` (one save for many households).

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
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import IO, Any

import psycopg
from eventsourcing.utils import get_topic

from bratasena.application import Bratasena, SyncAnswer
from bratasena.domain.household import TARGETS, Household
from bratasena.integration.client import (
    Answer,
    PreparedChanges,
    TargetClient,
    enabled_targets,
    idempotency_key,
)
from bratasena.integration.outbox import (
    DONE,
    GAVE_UP,
    PARKED,
    Change,
    Finished,
    Item,
    Outbox,
    ParkedItem,
    Retry,
    TargetBacklog,
)
from bratasena.persistence import postgres_conninfo
from bratasena.settings import Settings

log = logging.getLogger(__name__)

ACTOR = "sync-worker"
FOLLOW_BATCH = 500
CHANGES: dict[type, str] = {
    Household.Deactivated: "deactivation",
    Household.Reactivated: "reactivation",
    Household.Proposed: "update",
    Household.ProposalApproved: "update",
}
"""The household events sent to the targets, and the kind of change each is: a deactivation's
proposal list and the Bupati's approval of it follow the deactivation as updates."""
TOPICS = tuple(get_topic(kind) for kind in CHANGES)


@dataclass(frozen=True)
class Sent:
    """A finished send: the item, the target's answer, and the household's registry id if known."""

    item: Item
    answer: Answer
    registry_id: str | None = None


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
    """The targets enabled (their URL set) in this process."""
    per_target: tuple[TargetSync, ...] = ()
    """Every target of the domain, enabled or not, with what it has not yet acknowledged."""


@dataclass(frozen=True)
class TargetSync:
    """One target: whether it is enabled here, its position, what it has not acknowledged."""

    target: str
    enabled: bool
    position: int
    unsent: int
    """Changes the target has not acknowledged and that are not parked: queued, retrying, or
    waiting for the target to be switched on."""
    parked: int


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
        concurrency: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``concurrency``: sends in flight at once (default: the `sync_in_flight` setting)."""
        self.app = app
        self.settings = settings
        self.concurrency = max(1, settings.sync_in_flight if concurrency is None else concurrency)
        self.clock = clock
        self.outbox = Outbox(settings, TARGETS)
        self.targets = {t.name: t for t in enabled_targets(settings)}
        self._clients: dict[str, TargetClient] = {}
        self._clients_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: dict[str, tuple[Item, Future[Sent]]] = {}
        self._ready: deque[Item] = deque()
        """Due items read ahead, not yet submitted (see `_pump`)."""
        self._rng = random.Random()
        self._last_follow = 0.0
        self._taken_in = 0
        """A position every target has reached, as this worker last saw it (it only grows)."""
        # Both targets' sends of a change share one payload; a few rounds of sends are kept.
        self._prepared = PreparedChanges(app, 4 * self.concurrency)

    # --- follow ---------------------------------------------------------------------------------

    def position(self) -> int:
        """The id of the last log notification the worker has taken in."""
        return self.outbox.position()

    def follow(self) -> int:
        """Take in one batch of the log after the position; the number of changes queued."""
        head = self.app.head()
        # Positions only grow, so once every target has reached the head nothing is to be read:
        # the stored positions need no second look (and no locking transaction) until it moves.
        if self._taken_in >= head:
            return 0
        self._taken_in = self.position()
        if self._taken_in >= head:
            return 0

        def read(position: int) -> tuple[list[Change], int]:
            if position >= head:
                return [], position
            # Stop at the head read before this transaction: every id at or below it has
            # committed (the store inserts in id order), so nothing below the new position is
            # still to come even though ids may have holes.
            notifications = self.app.recorder.select_notifications(
                position, FOLLOW_BATCH, stop=head, topics=TOPICS, inclusive_of_start=False
            )
            end = notifications[-1].id if len(notifications) == FOLLOW_BATCH else head
            changes: list[Change] = []
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                assert isinstance(event, Household.Event)
                change = CHANGES[type(event)]
                key = idempotency_key(event.originator_id, event.originator_version)
                changes.extend(
                    Change(
                        position=notification.id,
                        household_id=event.originator_id,
                        event_version=event.originator_version,
                        target=target,
                        change=change,
                        idempotency_key=key,
                        recorded_at=event.timestamp.timestamp(),
                    )
                    # Every target, enabled or not: one switched on later must get this too.
                    for target in TARGETS
                )
            return changes, end

        queued, self._taken_in = self.outbox.take_in(read, now=self.clock())
        return queued

    def _follow_all(self) -> int:
        """Take in the log up to its head as it stands now, batch by batch; the changes queued.

        Events appended meanwhile wait for the next round, a poll interval later: following until
        the head stood still kept this thread reading the log without a pause while complaints
        were filed every few milliseconds, each round a locking transaction for nothing to send.
        """
        queued, head = 0, self.app.head()
        while True:
            before = self._taken_in
            queued += self.follow()
            if self._taken_in == before or self._taken_in >= head:
                self._last_follow = time.monotonic()
                if queued >= FOLLOW_BATCH:
                    self.outbox.refresh_statistics()  # a backlog arrived: see `due`'s plan
                return queued

    # --- dispatch -------------------------------------------------------------------------------

    def _client(self, target: str) -> TargetClient:
        with self._clients_lock:
            client = self._clients.get(target)
            if client is None:
                client = TargetClient(
                    self.targets[target], timeout=self.settings.sync_timeout_seconds
                )
                self._clients[target] = client
            return client

    def _pump(self) -> int:
        """Submit due items not already in flight; the number submitted.

        Reads ahead: up to ``concurrency`` due items more than there are free slots wait in
        memory, so `_reap` can fill the slots of finished sends before it records their answers
        (the sends keep the targets busy while this thread writes to the database).
        """
        free = self.concurrency - len(self._inflight)
        if free <= 0:
            return 0
        if len(self._ready) < free:
            waiting = self._inflight.keys() | {item.id for item in self._ready}
            # Only enabled targets: items left for a target switched off since must not fill
            # the batch and starve the others.
            due = self.outbox.due(
                tuple(self.targets),
                now=self.clock(),
                limit=len(waiting) + free + self.concurrency,
            )
            self._ready.extend(item for item in due if item.id not in waiting)
        return self._submit_ready()

    def _submit_ready(self) -> int:
        """Submit items read ahead while slots are free; the number submitted.

        Only items read after every earlier answer was recorded are held here, so none of them
        is an item whose send finished but whose answer is not yet recorded.
        """
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="sync-send")
        submitted = 0
        while self._ready and len(self._inflight) < self.concurrency:
            item = self._ready.popleft()
            self._inflight[item.id] = (item, self._pool.submit(self.send, item))
            submitted += 1
        return submitted

    def _reap(self, timeout: float | None) -> int:
        """Wait for at least one send to finish (bounded by ``timeout``), record what finished.

        Sends run in the pool; answers are recorded here, in this one thread and in batches
        (one save for many households), since each save takes the event store's lock.
        """
        if not self._inflight:
            return 0
        futures = [future for _, future in self._inflight.values()]
        finished, _ = wait(futures, timeout, FIRST_COMPLETED)
        sent: list[Sent] = []
        for item_id, (item, future) in list(self._inflight.items()):
            if future in finished:
                del self._inflight[item_id]
                error = future.exception()
                if error is None:
                    sent.append(future.result())
                else:
                    detail = f"{type(error).__name__}: {error}"[:300]
                    sent.append(Sent(item, Answer("transient", detail=detail)))
        self._submit_ready()
        self.record(sent)
        return len(sent)

    def send(self, item: Item) -> Sent:
        """Send one item (runs in the send pool): the answer, and the household's registry id."""
        try:
            change = self._prepared.get(item.household_id, item.event_version)
        except Exception as error:
            detail = f"payload: {type(error).__name__}: {error}"[:300]
            return Sent(item, Answer("transient", detail=detail))
        return Sent(item, self._client(item.target).send(change), change.registry_id)

    def record(self, sent: Sequence[Sent]) -> None:
        """Record the answers of finished sends on their households, then mark their items."""
        answered = [s for s in sent if s.answer.kind != "transient"]
        try:
            outcomes = (
                self.app.record_sync_answers([_sync_answer(s) for s in answered], actor=ACTOR)
                if answered
                else []
            )
        except Exception as error:
            # The answers could not be recorded (a database hiccup): send again later; the
            # target's idempotency and the domain's already_synced rule keep each one single.
            log.exception("recording sync answers failed")
            failed = Answer("transient", detail=f"recording: {type(error).__name__}")
            sent = [replace(s, answer=failed) if s.answer.kind != "transient" else s for s in sent]
            answered, outcomes = [], []
        ended = [
            self._answered(s, state, detail)
            for s, (state, detail) in zip(answered, outcomes, strict=True)
        ]
        retries: list[Retry] = []
        for s in sent:
            if s.answer.kind == "transient":
                later = self._failed(s)
                if isinstance(later, Retry):
                    retries.append(later)
                else:
                    ended.append(later)
        self.outbox.finish(ended, now=self.clock())
        self.outbox.reschedule(retries)

    def _answered(self, sent: Sent, state: str, detail: str) -> Finished:
        """How an item ends once its household holds ``state`` for the change."""
        item, answer = sent.item, sent.answer
        if state == "synced":
            # Acknowledged now, or before: a resend after a crash, or a refusal of a change whose
            # Synced is recorded. Either way the change is at the target.
            return Finished(item.id, DONE, item.attempts + 1, sent.registry_id, reference=detail)
        log.warning(
            "sync item %s parked: %s refused it (%s)", item.id, item.target, answer.reason_code
        )
        return Finished(
            item.id,
            PARKED,
            item.attempts + 1,
            sent.registry_id,
            reason_code=answer.reason_code,
            message=answer.message,
        )

    def _failed(self, sent: Sent) -> Retry | Finished:
        """A transient failure: try again after a backoff, or park after the configured tries."""
        item, detail = sent.item, sent.answer.detail
        attempts = item.attempts + 1
        limit = self.settings.sync_max_attempts
        if limit and attempts >= limit:
            log.warning("sync item %s parked after %s attempts: %s", item.id, attempts, detail)
            return Finished(
                item.id,
                PARKED,
                attempts,
                sent.registry_id,
                reason_code=GAVE_UP,
                message=f"gave up after {attempts} attempts; last: {detail}",
                last_error=detail,
            )
        delay = backoff_delay(
            attempts,
            self.settings.sync_backoff_base_seconds,
            self.settings.sync_backoff_max_seconds,
            self._rng,
        )
        log.info("sync item %s: %s; retry %s in %.1f s", item.id, detail, attempts, delay)
        return Retry(item.id, attempts, self.clock() + delay, detail, sent.registry_id)

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
        # Items read ahead stay pending in the outbox: the next round reads them again.
        self._ready.clear()
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
        backlog = self.outbox.backlog()
        oldest = backlog.oldest_unsynced_at
        return SyncStatus(
            position=position,
            head=head,
            lag=max(0, head - position),
            pending=backlog.pending,
            retrying=backlog.retrying,
            parked=backlog.parked,
            done=backlog.done,
            oldest_unsynced_seconds=max(0.0, self.clock() - oldest) if oldest else 0.0,
            targets=tuple(self.targets),
            per_target=tuple(self._target_sync(b) for b in self.outbox.by_target()),
        )

    def _target_sync(self, backlog: TargetBacklog) -> TargetSync:
        return TargetSync(
            target=backlog.target,
            enabled=backlog.target in self.targets,
            position=backlog.position,
            unsent=backlog.waiting,
            parked=backlog.parked,
        )

    def unsent(self) -> list[TargetSync]:
        """Per target of the domain: what it has not yet acknowledged (for /readyz, /metrics)."""
        return [self._target_sync(b) for b in self.outbox.by_target()]

    def backlog(self) -> dict[str, int]:
        """Items not yet acknowledged, by state (for /metrics)."""
        backlog = self.outbox.backlog()
        return {"pending": backlog.pending, "retrying": backlog.retrying, "parked": backlog.parked}

    def parked(self) -> list[ParkedItem]:
        """Every parked item, oldest first."""
        return self.outbox.parked()

    def retry(self, item_id: str) -> ParkedItem:
        """Put a parked item back in the queue once its cause is fixed; it is sent next round."""
        return self.outbox.retry(item_id, now=self.clock())

    def close(self) -> None:
        """Finish sends in flight and release connections."""
        self._drain_inflight()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self.outbox.close()


def _sync_answer(sent: Sent) -> SyncAnswer:
    item, answer = sent.item, sent.answer
    return SyncAnswer(
        household_id=item.household_id,
        target=item.target,
        event_version=item.event_version,
        accepted=answer.kind == "accepted",
        reference=answer.reference,
        reason_code=answer.reason_code,
        message=answer.message,
    )


class _WorkerLock:
    """Only one worker dispatches per store: a session advisory lock on PostgreSQL, a file lock
    on SQLite; both vanish with the process, so a killed worker never blocks its successor.

    Behind a transaction pooler (`transaction_pooler`) a session lock would stay with whichever
    server connection ran it, and the next client handed that connection would hold it too; there
    the lock is a transaction's (``pg_try_advisory_xact_lock``), and the worker keeps that one
    transaction open (pinning one server connection) for as long as it holds the lock."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: psycopg.Connection[Any] | None = None
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self.settings.uses_postgres:
            schema = self.settings.postgres_params()["POSTGRES_SCHEMA"]
            pooled = self.settings.transaction_pooler
            if self._conn is None:
                self._conn = psycopg.connect(
                    postgres_conninfo(self.settings), autocommit=not pooled, prepare_threshold=None
                )
            if pooled:
                self._conn.rollback()  # a refused try leaves its transaction open: end it
                # The library sets a 5 s idle-in-transaction limit on the server connections it
                # uses; this transaction idles for as long as the worker runs.
                self._conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
                statement = "SELECT pg_try_advisory_xact_lock(hashtext(%s))"
            else:
                statement = "SELECT pg_try_advisory_lock(hashtext(%s))"
            row = self._conn.execute(statement, (f"bratasena-sync:{schema}",)).fetchone()
            return bool(row and row[0])
        handle = open(self.settings.private_file("sync.lock"), "ab")  # noqa: SIM115
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
