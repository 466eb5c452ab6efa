"""The projection runner: tails the log in batches, keeping each view and its position in step.

One design for both backends: poll ``select_notifications`` after the lowest stored position, up to
the head of the log read *before* the poll (ids at or below a visible head have all committed,
because writers insert under the event store's table lock on PostgreSQL and one at a time on
SQLite). Each batch's view rows and every view's new position are written in one transaction, so
a crash loses or doubles nothing and the next run resumes where the last commit stopped.

Each view folds events into rows held in memory (``View.fold``), one logic for both paths: the
tailing runner loads the rows a batch touches, folds the batch and upserts them; a rebuild folds
the whole log from position zero into empty rows, never touching the database while it reads.

Each view's tables are physical tables of a *generation* (``views_cases_g1``) behind a SQL view of
the stable name (``views_cases``) that queries read. A rebuild bulk-loads its folded rows into the
next generation while the current one keeps serving, builds the indexes, catches up with what
arrived meanwhile, then switches the SQL views, drops the old tables and writes the position in one
transaction, so no reader ever sees a half-built view.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from eventsourcing.utils import get_topic

from bratasena.application import Bratasena
from bratasena.domain.errors import InvalidInputError
from bratasena.persistence import Cursor, Database, Reader
from bratasena.projections.records import column_types, placeholders
from bratasena.settings import Settings

log = logging.getLogger(__name__)

STATE_TABLE = "views_projection_state"

Tables = dict[str, str]
"""Stable table name → the physical table of the generation being written."""

S = TypeVar("S")


@dataclass(frozen=True)
class Table:
    """A view table: its columns, its key and the indexes its queries need.

    The key is a unique index rather than a primary key, built like the other indexes after a
    rebuild's bulk load: keeping a primary key up to date row by row during the load doubled its
    time. An index is its columns, optionally followed by `` WHERE condition`` (a partial index).
    """

    columns: str
    key: str
    indexes: tuple[str, ...] = ()

    @property
    def types(self) -> dict[str, str]:
        """Column name → SQL type."""
        return column_types(self.columns)


@dataclass(frozen=True)
class ProjectionStatus:
    """How far one projection has read the log."""

    name: str
    position: int
    head: int
    lag: int


class View(ABC, Generic[S]):
    """A read model: the tables it owns, the events it reads, and how events change its rows.

    ``S`` is the view's rows in memory. ``fold`` is the one place events change rows: the tailing
    runner folds each batch into the rows it loads for that batch, a rebuild folds the whole log
    into rows it starts empty, so a rebuild gives exactly the rows of incremental application.
    """

    name: ClassVar[str]
    tables: ClassVar[dict[str, Table]]
    event_types: ClassVar[tuple[type, ...]]

    def __init__(self, db: Reader, app: Bratasena, settings: Settings) -> None:
        self.db = db
        self.app = app
        self.settings = settings

    @abstractmethod
    def empty(self) -> S:
        """Rows in memory for a view with no rows yet."""

    @abstractmethod
    def load(self, cur: Cursor, tables: Tables, events: Sequence[Any]) -> S:
        """The stored rows that a batch of events may change, read through ``cur``."""

    @abstractmethod
    def fold(self, rows: S, events: Sequence[Any]) -> None:
        """Change the rows in memory for events in log order (never touching the database)."""

    @abstractmethod
    def write(self, cur: Cursor, tables: Tables, rows: S, *, fresh: bool) -> None:
        """Store the changed rows: upserts, or one bulk load into ``fresh`` (empty) tables."""

    @property
    def shape(self) -> str:
        """A digest of the view's tables: columns, keys and indexes (a change means a refill)."""
        text = repr(sorted((name, t.columns, t.key, t.indexes) for name, t in self.tables.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        """Write what a batch of events (in log order) changes, through ``cur``."""
        rows = self.load(cur, tables, events)
        self.fold(rows, events)
        self.write(cur, tables, rows, fresh=False)


def physical(table: str, generation: int) -> str:
    """The physical table of a generation."""
    return f"{table}_g{generation}"


class Runner:
    """Applies the log to a set of views; safe to run in several threads or processes at once."""

    def __init__(
        self, app: Bratasena, db: Database, views: Sequence[View[Any]], batch_size: int
    ) -> None:
        self.app = app
        self.db = db
        self.views = {view.name: view for view in views}
        self.batch_size = batch_size
        self._reached = 0
        """A log position every view is known to have reached (`_step` raises it)."""
        self._progress = threading.Condition()
        self._wake = threading.Event()
        self._catching_up = threading.Lock()
        """Held by the one thread of this process catching up (`wait_for`, `catch_up`)."""

    # --- set-up ---------------------------------------------------------------------------------

    def setup(self) -> None:
        """Create the state table and the first generation of every view that has none.

        A view whose tables changed shape since its rows were written (a new release changed
        its columns or indexes) gets fresh tables at position zero and refills from the log on
        the runner's next run, as a view new to the store does.
        """
        with self.db.setup() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (name TEXT PRIMARY KEY, "
                "position BIGINT NOT NULL, generation INTEGER NOT NULL, shape TEXT)"
            )
            self._add_shape_column(cur)
            cur.execute(f"SELECT name, generation, shape FROM {STATE_TABLE}")
            known = {row[0]: (int(row[1]), row[2]) for row in cur.fetchall()}
            for view in self.views.values():
                if view.name in known and known[view.name][1] == view.shape:
                    continue
                generation = known[view.name][0] + 1 if view.name in known else 1
                self._create_tables(cur, view, generation)
                self._point_views(cur, view, generation)
                if view.name in known:
                    log.warning("projection %s changed shape: refilling it from the log", view.name)
                    for table in view.tables:
                        cur.execute(f"DROP TABLE IF EXISTS {physical(table, generation - 1)}")
                cur.execute(
                    f"INSERT INTO {STATE_TABLE} (name, position, generation, shape) "
                    "VALUES (%s, 0, %s, %s) ON CONFLICT (name) DO UPDATE SET position = 0, "
                    "generation = excluded.generation, shape = excluded.shape",
                    (view.name, generation, view.shape),
                )

    def _add_shape_column(self, cur: Cursor) -> None:
        # State tables written before views recorded their shape lack the column; their views'
        # shapes are unknown (NULL), so each refills once.
        if self.db.is_postgres:
            cur.execute(f"ALTER TABLE {STATE_TABLE} ADD COLUMN IF NOT EXISTS shape TEXT")
            return
        cur.execute(f"SELECT name FROM pragma_table_info('{STATE_TABLE}')")
        if "shape" not in {row[0] for row in cur.fetchall()}:
            cur.execute(f"ALTER TABLE {STATE_TABLE} ADD COLUMN shape TEXT")

    def _create_tables(
        self, cur: Cursor, view: View[Any], generation: int, *, indexes: bool = True
    ) -> None:
        for name, table in view.tables.items():
            target = physical(name, generation)
            cur.execute(f"DROP TABLE IF EXISTS {target}")
            cur.execute(f"CREATE TABLE {target} ({table.columns})")
        if indexes:
            self._create_indexes(cur, view, generation)

    def _create_indexes(self, cur: Cursor, view: View[Any], generation: int) -> None:
        for name, table in view.tables.items():
            target = physical(name, generation)
            cur.execute(f"CREATE UNIQUE INDEX {target}_key ON {target} ({table.key})")
            for number, index in enumerate(table.indexes):
                columns, _, where = index.partition(" WHERE ")
                partial = f" WHERE {where}" if where else ""
                cur.execute(f"CREATE INDEX {target}_i{number} ON {target} ({columns}){partial}")

    def _point_views(self, cur: Cursor, view: View[Any], generation: int) -> None:
        for name in view.tables:
            cur.execute(f"DROP VIEW IF EXISTS {name}")
            cur.execute(f"CREATE VIEW {name} AS SELECT * FROM {physical(name, generation)}")

    # --- tailing --------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Catch up with the log in batches; the number of events applied."""
        applied = 0
        while True:
            count, more = self._step()
            applied += count
            if not more:
                return applied

    def _lock_states(self, cur: Cursor, names: Sequence[str]) -> dict[str, tuple[int, int]]:
        # FOR UPDATE makes concurrent runners take turns and re-read positions after the wait
        # (SQLite's BEGIN IMMEDIATE already does both).
        lock = " FOR UPDATE" if self.db.is_postgres else ""
        cur.execute(
            f"SELECT name, position, generation FROM {STATE_TABLE} ORDER BY name{lock}",
        )
        return {row[0]: (int(row[1]), int(row[2])) for row in cur.fetchall() if row[0] in names}

    def _step(self) -> tuple[int, bool]:
        head = self.app.head()
        if self._reached >= head:  # nothing new since this runner's last step: no read at all
            return 0, False
        with self.db.transaction() as cur:
            states = self._lock_states(cur, list(self.views))
            low = min(position for position, _ in states.values())
            if low >= head:
                self._reach(low)
                return 0, False
            # A window of ids, not a LIMIT: it reads everything up to ``end`` (including events
            # no view reads) and costs the same however far behind the head the runner is.
            end = min(head, low + self.batch_size)
            # Only the topics of the views still behind in this window: a view added to an
            # existing store catches up reading its own events, not everything the others read.
            behind = [view for view in self.views.values() if states[view.name][0] < end]
            topics = sorted({get_topic(t) for view in behind for t in view.event_types})
            notifications = self.app.recorder.select_notifications(
                low, self.batch_size, stop=end, topics=topics, inclusive_of_start=False
            )
            decoded = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
            for view in behind:
                position, generation = states[view.name]
                events = [e for i, e in decoded if i > position and isinstance(e, view.event_types)]
                if events:
                    view.apply(cur, _tables(view, generation), events)
            names = [view.name for view in behind]
            cur.execute(
                f"UPDATE {STATE_TABLE} SET position = %s "
                f"WHERE name IN ({placeholders(len(names))})",
                (end, *names),
            )
        self._reach(end)
        return len(decoded), end < head

    def _reach(self, position: int) -> None:
        """Every view has reached ``position`` (committed): wake those waiting for it."""
        with self._progress:
            if position > self._reached:
                self._reached = position
                self._progress.notify_all()

    def await_position(self, position: int, timeout: float) -> bool:
        """Whether every view reached ``position`` within ``timeout`` seconds, waiting for the
        tailing runner of this process (`run_forever`) rather than catching up itself.

        The waiter wakes the runner, which applies everything pending in one batch for all the
        requests waiting meanwhile: a waiter makes no read of its own. Sixteen filers each
        catching up themselves took turns on the state rows and polled them every 10 ms.
        """
        with self._progress:
            if self._reached >= position:
                return True
        self._wake.set()
        with self._progress:
            return self._progress.wait_for(lambda: self._reached >= position, timeout)

    def run_forever(self, stop: threading.Event, poll_interval: float) -> None:
        """Tail the log until ``stop`` is set, polling when idle; a waiter of `await_position`
        wakes it at once, and so does ``stop``."""

        def wake_on_stop() -> None:
            stop.wait()
            self._wake.set()

        threading.Thread(target=wake_on_stop, name="runner-stop", daemon=True).start()
        while not stop.is_set():
            self._wake.clear()  # before the run: a wake during it makes the next come at once
            try:
                applied = self.run_once()
            except Exception:
                # Keep the service's views alive through a database hiccup; the position is
                # unchanged, so the next attempt redoes the failed batch.
                log.exception("projection batch failed; retrying")
                stop.wait(max(poll_interval, 1.0))
                continue
            if not applied:
                self._wake.wait(poll_interval)

    def positions(self) -> dict[str, int]:
        """Each projection's position (the id of the last notification it has taken in)."""
        rows = self.db.query(f"SELECT name, position FROM {STATE_TABLE}")
        return {row[0]: int(row[1]) for row in rows if row[0] in self.views}

    def wait_for(self, position: int, timeout: float) -> bool:
        """Whether every projection reached ``position`` within ``timeout`` seconds, catching up
        in this process where no runner thread of its own tails the log (`bratasena api`, a
        worker standing by while another leads, the tests).

        One waiter at a time applies the pending batches, for all: the others wait for it as
        they wait for a tailing runner. Each waiter stepping for itself had sixteen filers take
        turns on the state rows. Runners of other processes take turns on them too, so whichever
        commits a batch first answers, and the next step finds it done.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._progress:
                if self._reached >= position:
                    return True
            if time.monotonic() >= deadline:
                return False
            if self._catching_up.acquire(blocking=False):
                try:
                    before = self._reached
                    self._step()
                finally:
                    self._catching_up.release()
                if self._reached > before:
                    continue
            # Another waiter is catching up, or the log holds nothing new for this one yet.
            with self._progress:
                wait = max(0.0, min(0.01, deadline - time.monotonic()))
                self._progress.wait_for(lambda: self._reached >= position, wait)

    def catch_up(self, timeout: float) -> int:
        """Apply what is pending now, batch by batch, for about ``timeout`` seconds at most; the
        events applied. Taken in turn with this process's other catching up (`wait_for`)."""
        deadline = time.monotonic() + timeout
        applied = 0
        with self._catching_up:
            while True:
                count, more = self._step()
                applied += count
                if not (count or more) or time.monotonic() >= deadline:
                    return applied

    def status(self) -> list[ProjectionStatus]:
        """Each projection's position, the head of the log and the lag between them."""
        head = self.app.head()
        return [
            ProjectionStatus(name=name, position=pos, head=head, lag=max(0, head - pos))
            for name, pos in sorted(self.positions().items())
        ]

    # --- rebuild --------------------------------------------------------------------------------

    def rebuild(self, name: str, batch_size: int | None = None) -> int:
        """Replay the log from zero into fresh tables, then switch to them atomically.

        Returns the number of events replayed. The current tables keep serving (and the tailing
        runner keeps updating them) until the switch. The replay is folded in memory and loaded
        into the fresh tables in one go: per-batch upserts into tables that nobody reads yet
        cost most of a rebuild's time. A crash anywhere before the switch leaves the current
        generation serving and its position untouched; the next rebuild starts over.
        """
        view = self.views.get(name)
        if view is None:
            raise InvalidInputError(
                f"name: no projection {name!r}; the projections are "
                f"{', '.join(sorted(self.views))}",
                field="name",
            )
        size = batch_size or self.batch_size
        with self.db.transaction() as cur:
            _, generation = self._lock_states(cur, [name])[name]
        fresh = generation + 1
        tables = _tables(view, fresh)
        topics = sorted({get_topic(t) for t in view.event_types})
        started = time.perf_counter()
        with _without_cycle_collection():
            rows = view.empty()
            position, replayed = 0, 0
            for events, reached in self._read(topics, 0, self.app.head(), size):
                view.fold(rows, events)
                position, replayed = reached, replayed + len(events)
            folded = time.perf_counter()
            with self.db.transaction() as cur:
                # Secondary indexes are built once after the bulk load, not row by row during it.
                self._create_tables(cur, view, fresh, indexes=False)
                view.write(cur, tables, rows, fresh=True)
            del rows
        loaded = time.perf_counter()
        with self.db.transaction() as cur:
            self._create_indexes(cur, view, fresh)
            # Fresh tables have no statistics yet; without them the planner guesses badly.
            for table in tables.values():
                cur.execute(f"ANALYZE {table}")
        indexed = time.perf_counter()
        # What arrived during the load is applied batch by batch outside the lock, …
        for events, reached in self._read(topics, position, self.app.head(), size):
            if events:
                with self.db.transaction() as cur:
                    view.apply(cur, tables, events)
            position, replayed = reached, replayed + len(events)
        with self.db.transaction() as cur:
            _, current = self._lock_states(cur, [name])[name]
            if current != generation:
                raise RuntimeError(f"projection {name} was rebuilt by someone else meanwhile")
            # … and the rest under the lock, so the switch happens exactly at a position.
            for events, reached in self._read(topics, position, self.app.head(), size):
                if events:
                    view.apply(cur, tables, events)
                position, replayed = reached, replayed + len(events)
            self._point_views(cur, view, fresh)
            for table in view.tables:
                cur.execute(f"DROP TABLE IF EXISTS {physical(table, generation)}")
            cur.execute(
                f"UPDATE {STATE_TABLE} SET position = %s, generation = %s WHERE name = %s",
                (position, fresh, name),
            )
        log.info(
            "rebuilt %s from %d events: read and folded in %.2f s, loaded in %.2f s, indexed "
            "in %.2f s, caught up and switched in %.2f s",
            name,
            replayed,
            folded - started,
            loaded - folded,
            indexed - loaded,
            time.perf_counter() - indexed,
        )
        return replayed

    def _read(
        self, topics: list[str], position: int, head: int, size: int
    ) -> Iterator[tuple[list[Any], int]]:
        """Decoded events after ``position`` up to ``head``, by windows of ``size`` ids, each with
        the position it reached (events of other topics in the window are passed over)."""
        while position < head:
            # With a LIMIT over the rest of the log instead of a window, PostgreSQL without
            # statistics on the event table scanned and sorted the whole rest for every batch.
            stop = min(head, position + size)
            notifications = self.app.recorder.select_notifications(
                position, size, stop=stop, topics=topics, inclusive_of_start=False
            )
            position = stop
            yield [self.app.mapper.to_domain_event(n) for n in notifications], position


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a rebuild holds a whole view's rows in memory.

    The rows hold no reference cycles (reference counting frees them), but millions of new
    objects set off full collections that walk all of them again and again: they took about a
    third of a rebuild's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _tables(view: View[Any], generation: int) -> Tables:
    return {name: physical(name, generation) for name in view.tables}
