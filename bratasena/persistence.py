"""Where events and views are stored, and the one door to the event store library's internals.

Events go to SQLite files by default and to PostgreSQL when configured (`event_store_env`); views
and workers keep their own tables through `Database`. Everything else of the application goes
through the `eventsourcing` library's public API, except six shortcuts, all here. Each was
measured, each has its own test on both backends (tests/integration/test_persistence.py;
`current_versions` in test_registry_digests.py), and each
was written against eventsourcing 9.5.6 (`LIBRARY_VERSION`: a test fails on any other release, so
an upgrade starts by re-reading the library code each one names):

* `load_many`: many aggregates in one query, folded without a runtime-protocol check per event
  (not for one aggregate: on PostgreSQL its explicit read transaction and unprepared statement
  made single reads 30–40 % slower than `Repository.get`, as measured for issue 18);
* `put_unchecked`: a batch's events into the store without `save()`'s checks per aggregate
  (every use case's save goes this way too: `Bratasena._save`);
* `insert_in_one_statement`: on PostgreSQL each write of events is one statement, a function
  of this application's holding the library's lock (one round trip, sent in binary);
* `current_versions`: aggregates' current versions by index (the registry digests' check), and
  `postgres_events_table`, the event table's name, for the same check joined in one read;
  `current_version` for one aggregate (whether the account kept in memory is still the account);
* `originators_of`: the ids of every aggregate that has an event of some types, in one query;
* `fold`: an aggregate's events folded without a runtime-protocol check per event (every single
  read of the application, `Bratasena._find`, folds the aggregate's `history` with it).

and one more for a transaction pooler in front of PostgreSQL (`without_prepared_statements`).
The event table is also created by this module (`create_event_table`): the library's own
statements and the insert function, one process at a time. On PostgreSQL the HTTP service's
busiest reads are made on its event loop (`LoopReads`, `current_version_on_loop`,
`history_on_loop`: the same statements, on asynchronous connections of its own), tested through
the routes that make them (tests/api/test_case_list_json.py, test_public_answers_json.py) and
by themselves (tests/integration/test_loop_reads.py). On SQLite the writers of a store take their
turn at its file here (`SQLiteWriters`), across threads and processes.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar
from uuid import UUID
from weakref import WeakKeyDictionary, WeakValueDictionary, finalize

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, CanMutateAggregate, DomainEventProtocol
from eventsourcing.persistence import Recorder, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row, tuple_row
from psycopg.sql import SQL, Composed, Identifier
from psycopg_pool import ConnectionPool, PoolTimeout

from bratasena.settings import Settings
from bratasena.transcoder import OrjsonTranscoder

A = TypeVar("A", bound=Aggregate)

LIBRARY_VERSION = "9.5.6"
"""The eventsourcing release the shortcuts below were written against and measured with."""

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_CHUNK = 900
"""Ids per query of `load_many`: under SQLite's oldest limit of 999 bound parameters."""


def event_store_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's environment for the application's event store."""
    env: dict[str, str] = {}
    if settings.uses_postgres:
        params = settings.postgres_params()
        ensure_postgres_schema(settings)
        env.update(params)
        env["PERSISTENCE_MODULE"] = "eventsourcing.postgres"
        env["POSTGRES_POOL_SIZE"] = str(settings.event_pool_size)
        env["POSTGRES_MAX_OVERFLOW"] = str(settings.event_pool_overflow)
        # Also how long a request waits for a free connection of a full pool before failing.
        env["POSTGRES_CONNECT_TIMEOUT"] = str(settings.pool_timeout_seconds)
        env["POSTGRES_LOCK_TIMEOUT"] = "10"
    else:
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        env["SQLITE_DBNAME"] = str(settings.private_file(settings.sqlite_path("events").name))
        env["SQLITE_LOCK_TIMEOUT"] = "30"
    env["CREATE_TABLE"] = "no"  # `create_event_table` does it, one process at a time
    if settings.event_transcoder == "orjson":
        env["TRANSCODER_TOPIC"] = get_topic(OrjsonTranscoder)
    if settings.cipher_key is not None:
        env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key.get_secret_value()
    return env


# --- the shortcuts ------------------------------------------------------------------------------


def load_many(app: Application[UUID], cls: type[A], aggregate_ids: Iterable[UUID]) -> dict[UUID, A]:
    """The aggregates of these ids that exist and are of this class, by id, read together.

    Bypasses `Repository.get` (eventsourcing 9.5.6), which costs a round trip per aggregate: at
    registry scale those reads took 70 % of an import. Instead this reads the recorder's own event
    table (the columns of its ``select_events``, one query per 900 ids) through the recorder's own
    connection, decodes the rows with the application's mapper (so a cipher still applies), and
    folds each history with `fold` (the runtime-protocol check it skips was a quarter of a
    re-import). Snapshots and the aggregate cache are
    ignored: the application uses neither. Recorders other than the library's PostgreSQL and
    SQLite ones fall back to one `Repository.get` per id.
    """
    keys = list(dict.fromkeys(aggregate_ids))
    stored = _select_histories(app.recorder, keys)
    if stored is None:
        return {k: a for k in keys if (a := _get_or_none(app, cls, k)) is not None}
    histories: dict[UUID, Aggregate | None] = {}
    for row in stored:
        key = UUID(str(row.originator_id))
        histories[key] = fold(histories.get(key), [app.mapper.to_domain_event(row)])
    return {key: aggregate for key, aggregate in histories.items() if isinstance(aggregate, cls)}


def fold(
    aggregate: Aggregate | None, events: Iterable[DomainEventProtocol[Any]]
) -> Aggregate | None:
    """The aggregate after these events: eventsourcing 9.5.6's `project_aggregate` minus its
    check of every event against the runtime protocol ``CanMutateProtocol`` (20–45 µs an event as
    measured); a plain class check stands in for it. `Bratasena._find` folds an aggregate's
    `history` with it, and `load_many` folds with it.
    """
    for event in events:
        if not isinstance(event, CanMutateAggregate):
            raise TypeError(f"{type(event).__qualname__} is not an aggregate event")
        aggregate = event.mutate(aggregate)
    return aggregate


def put_unchecked(app: Application[UUID], aggregates: Iterable[Aggregate]) -> list[int]:
    """Store the aggregates' pending events in one transaction: `Application.save` minus its checks.
    Answers the events' positions in the log, in the order of the events.

    Bypasses `Application.save` (eventsourcing 9.5.6), which tests every object it is given
    against two runtime protocols (``DomainEventProtocol``, ``CollectEventsProtocol``: 20–45 µs an
    aggregate as measured, more than its share of the insert) before `EventStore.put`, then takes
    snapshots, updates the aggregate cache and calls ``_notify``. The application takes no
    snapshots, keeps no cache (refused here: a cached aggregate would go stale) and does not
    override ``_notify``, so only the checks are skipped. `EventStore.put` itself is only the
    mapper and the recorder's insert, then a `Recording` and a `Notification` built for every
    event (8 % of a first registry import as sampled), of which the application uses the
    positions alone: so this maps and inserts as `put` does and answers the positions. Raises the
    library's `IntegrityError` when another writer stored one of these versions first, as `save`
    does. On SQLite the library's pool queues this process's writers; processes meet in SQLite's
    busy handler (a `SQLiteWriters` turn here as well cost one worker 9 thread switches a filing
    and made two workers no faster, docs/benchmarks.md, issue 18).
    """
    if app.repository.cache is not None:
        raise ValueError("put_unchecked would leave the repository's aggregate cache stale")
    events = [event for aggregate in aggregates for event in aggregate.collect_events()]
    if not events:
        return []
    positions = app.recorder.insert_events(list(map(app.mapper.to_stored_event, events)))
    if positions is None or len(positions) != len(events):
        raise TypeError("the event store's recorder answered no position for each event")
    return list(positions)


INSERT_FUNCTION = "bratasena_insert_events"
"""The PostgreSQL function every write of events goes through (`insert_in_one_statement`)."""


def insert_in_one_statement(recorder: Recorder) -> None:
    """Have the PostgreSQL recorder write each batch of events in one statement: one round trip.

    eventsourcing 9.5.6's `PostgresApplicationRecorder.insert_events` sends a write as a pipeline
    (BEGIN, ``SET LOCAL lock_timeout``, ``LOCK TABLE … IN EXCLUSIVE MODE``, ``NOTIFY``, the
    INSERT, a sync, then COMMIT: two round trips, and psycopg's pipeline bookkeeping in Python
    around each). The library also has a one-statement path for it, a database function called in
    autocommit (``enable_db_functions``), but its function takes no table lock, so two writers'
    notification ids could commit out of order and a reader tailing the log (the projection
    runner, the sync worker) could pass over the earlier one for good. `create_event_table`
    creates this application's own function, the library's with the lock: ``SET LOCAL
    lock_timeout``, the same ``LOCK TABLE``, the same ``NOTIFY``, the same INSERT of an array of
    the library's composite type returning the notification ids. Called as one statement in
    autocommit, it is one transaction, so the lock is held until the commit exactly as before.
    This points the library's function path at it and turns that path on; the array goes in
    psycopg's binary format (the text format escapes every bytea inside every composite with
    regular expressions). Other recorders are left as they are.
    """
    if not isinstance(recorder, PostgresApplicationRecorder):
        return
    call = _quoted("SELECT * FROM {}.{}(%b)", recorder.datastore.schema, INSERT_FUNCTION)
    recorder.sql_invoke_pg_function_insert_events = Composed([SQL(call)])
    recorder.pg_function_name_insert_events = INSERT_FUNCTION
    recorder.datastore.enable_db_functions = True


def _insert_function_statement(recorder: Any) -> Composed:
    """``CREATE OR REPLACE FUNCTION`` of `INSERT_FUNCTION`: the library's function with the lock
    its pipeline takes (see `insert_in_one_statement`)."""
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event}[]) "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
        "BEGIN "
        "SET LOCAL lock_timeout = '{lock_timeout}s'; "
        "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
        "NOTIFY {channel}; "
        "RETURN QUERY INSERT INTO {schema}.{table} AS t "
        "(originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
        "RETURNING notification_id; "
        "END; $BODY$"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        function=Identifier(INSERT_FUNCTION),
        event=Identifier(recorder.stored_event_type_name),
        table=Identifier(recorder.events_table_name),
        channel=Identifier(recorder.channel_name),
        lock_timeout=recorder.datastore.lock_timeout,
    )


def originators_of(
    app: Application[UUID], *event_classes: type, excluding: Container[UUID] = ()
) -> list[UUID]:
    """The ids of the aggregates that stored an event of any of these classes, each once, but
    those in ``excluding``. Several classes cost one read of the table, not one each.

    Reads the recorder's event table by its ``topic`` column, which is stored in clear even when
    events are encrypted, so no event is decoded: the reconciliation of a registry extract needs
    every registered household's id (150,000 in Blora) not in the extract, and the library offers
    no query by topic other than reading the whole log through ``select_notifications``. Only the
    ids kept are held (PostgreSQL's rows are fetched 10,000 at a time), so memory grows with the
    answer rather than with the registry.
    """
    recorder, topics = app.recorder, [get_topic(c) for c in event_classes]
    found: list[UUID] = []

    def keep(rows: Iterable[Any]) -> None:
        for row in rows:
            value = row["originator_id"]  # a UUID from psycopg, hex text from SQLite
            key = value if isinstance(value, UUID) else UUID(value)
            if key not in excluding:
                found.append(key)

    if isinstance(recorder, PostgresAggregateRecorder):
        statement = SQL("SELECT originator_id FROM {}.{} WHERE topic = ANY(%s)").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        )
        with recorder.datastore.transaction(commit=False) as pg:
            pg.execute(statement, (topics,))
            while rows := pg.fetchmany(10_000):
                keep(rows)
        return list(dict.fromkeys(found))
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    if isinstance(recorder, SQLiteAggregateRecorder):
        with recorder.datastore.transaction(commit=False) as lite:
            marks = ", ".join("?" for _ in topics)
            lite.execute(
                f"SELECT originator_id FROM {recorder.events_table_name} WHERE topic IN ({marks})",
                topics,
            )
            # The library's cursor offers only fetchall, which would hold every registered
            # household's row at once (25 MB in Blora); its sqlite3 cursor streams them.
            keep(lite.sqlite_cursor)
        return list(dict.fromkeys(found))
    start = 0  # other recorders: the log, read by topic through the public API
    while page := app.recorder.select_notifications(
        start, 10_000, topics=topics, inclusive_of_start=False
    ):
        keep({"originator_id": n.originator_id} for n in page)
        start = page[-1].id
    return list(dict.fromkeys(found))


def without_prepared_statements(recorder: Recorder) -> None:
    """Have the PostgreSQL recorder's connections prepare no statements (behind a transaction
    pooler).

    The library prepares its statements by name on each connection (``prepare=True`` in
    eventsourcing 9.5.6's recorders), which a pooler in transaction mode (PgBouncer before 1.21)
    breaks: the next transaction may run on another server connection, where the name is unknown
    or names another statement. psycopg prepares nothing on a connection whose
    ``prepare_threshold`` is None, explicit requests included; this sets it through the keyword
    arguments of the library's pool (``PostgresDatastore.pool.kwargs``), and replaces the
    connections the pool opened while the application created its tables (psycopg_pool's
    ``drain``, made for re-configuring), so every connection has it. Other recorders are left as
    they are.
    """
    if not isinstance(recorder, PostgresAggregateRecorder):
        return
    pool = recorder.datastore.pool
    if pool.kwargs is None:
        pool.kwargs = {}
    if not isinstance(pool.kwargs, dict):
        raise TypeError("the event store's pool builds its connection arguments itself")
    pool.kwargs["prepare_threshold"] = None
    pool.drain()


def _select_histories(recorder: Recorder, keys: Sequence[UUID]) -> list[StoredEvent] | None:
    """The stored events of these aggregates, each one's in version order (None: no table known)."""
    found: list[StoredEvent] = []
    chunks = [keys[start : start + _CHUNK] for start in range(0, len(keys), _CHUNK)]
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as pg:
            for chunk in chunks:
                pg.execute(statement, (list(chunk),))
                found.extend(_stored(row) for row in pg.fetchall())
        return found
    # Imported here, not at the top: importing the package must load no SQLite driver, and a
    # SQLite recorder exists only once its module is loaded.
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    if isinstance(recorder, SQLiteAggregateRecorder):
        statements = [
            (
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {recorder.events_table_name} "
                f"WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                "ORDER BY originator_id, originator_version",
                [key.hex for key in chunk],
            )
            for chunk in chunks
        ]
        reader = _sqlite_reader(recorder)
        if reader is not None and len(statements) == 1:  # one statement sees one state
            return [_stored(row) for row in reader.execute(*statements[0]).fetchall()]
        with recorder.datastore.transaction(commit=False) as lite:
            for sql, params in statements:
                lite.execute(sql, params)
                found.extend(_stored(row) for row in lite.fetchall())
        return found
    return None


def history(app: Application[UUID], key: UUID) -> list[Any]:
    """One aggregate's events in version order: on SQLite as `load_many` reads them, in one
    statement on the calling thread's own connection (`_sqlite_reader`), which never waits;
    elsewhere through the library (on PostgreSQL one prepared statement, no transaction)."""
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    recorder = app.recorder
    if isinstance(recorder, SQLiteAggregateRecorder) and _sqlite_reader(recorder) is not None:
        stored = _select_histories(recorder, [key])
        assert stored is not None
        return [app.mapper.to_domain_event(row) for row in stored]
    return list(app.events.get(key))


def current_versions(app: Application[UUID], keys: Sequence[UUID]) -> dict[UUID, int]:
    """Each existing aggregate's current version, read from the recorder's event table by index.

    For `registry_digests`: a digest is trusted only at the version it names. Reads the columns of
    eventsourcing 9.5.6's event tables as `load_many` does; other recorders answer nothing (every
    digest is then distrusted, and the import compares rows in full).
    """
    recorder = app.recorder
    found: dict[UUID, int] = {}
    chunks = [keys[start : start + _CHUNK] for start in range(0, len(keys), _CHUNK)]
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = SQL(
            "SELECT originator_id, MAX(originator_version) AS version FROM {}.{} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as pg:
            for chunk in chunks:
                pg.execute(statement, (list(chunk),))
                found.update((_uuid(r["originator_id"]), r["version"]) for r in pg.fetchall())
        return found
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    if isinstance(recorder, SQLiteAggregateRecorder):
        # The ids come back as the hex text they are stored as: mapped back to the keys asked
        # for, rather than parsed again (a third of the read's cost as measured).
        by_hex = {key.hex: key for key in keys}
        with recorder.datastore.transaction(commit=False) as lite:
            for chunk in chunks:
                lite.execute(
                    "SELECT originator_id, MAX(originator_version) AS version "
                    f"FROM {recorder.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))}) GROUP BY originator_id",
                    [key.hex for key in chunk],
                )
                found.update((by_hex[r["originator_id"]], r["version"]) for r in lite.fetchall())
    return found


def current_version(app: Application[UUID], key: UUID) -> int | None:
    """One aggregate's current version by index; None when it has no events or the recorder is
    not one of the library's PostgreSQL and SQLite ones (the caller then reads the aggregate).

    For the caller's account on every request (`Bratasena.calling_account`), so read as the
    library's own `select_events` reads (eventsourcing 9.5.6): on PostgreSQL a prepared
    statement on a pooled connection, with no explicit transaction, whose extra round trips made
    `current_versions` for one key slower than reading the whole account. On SQLite one
    statement on a connection of the calling thread's own (`_sqlite_reader`): the library's pool
    and its BEGIN and ROLLBACK around the read cost 32 µs of CPU a read against 6 µs, 71 against
    22 with eight threads reading at once (bench/reads.py).
    """
    recorder = app.recorder
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = _version_statement(recorder)
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement, [key], prepare=True)
            row = cursor.fetchone()
        return None if row is None else row["version"]
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    if isinstance(recorder, SQLiteAggregateRecorder):
        query = (
            "SELECT MAX(originator_version) AS version "
            f"FROM {recorder.events_table_name} WHERE originator_id = ?"
        )
        reader = _sqlite_reader(recorder)
        if reader is not None:
            (version,) = reader.execute(query, [key.hex]).fetchone()
            return None if version is None else int(version)
        with recorder.datastore.transaction(commit=False) as lite:
            lite.execute(query, [key.hex])
            row = lite.fetchone()
        return None if row is None else row["version"]
    return None


@cache
def _quoted(template: str, schema: str, name: str) -> str:
    """``template`` with ``{}.{}`` replaced by the quoted schema and table (or function) name.

    Quoted once per process: building the `Composed` (``SQL.format``, the quoting) for every
    read cost about 25 µs of CPU, and psycopg composes even a prebuilt one again at every
    execution (4–5 µs) before its statement cache; text goes straight to the cache.
    """
    return SQL(template).format(Identifier(schema), Identifier(name)).as_string(None)


def _on_events(recorder: PostgresAggregateRecorder, template: str) -> str:
    """``template`` over the recorder's event table (see `_quoted`)."""
    return _quoted(template, recorder.datastore.schema, recorder.events_table_name)


async def current_version_on_loop(
    app: Application[UUID], reads: LoopReads, key: UUID
) -> int | None:
    """`current_version` on PostgreSQL, read on the event loop through ``reads``."""
    recorder = app.recorder
    if not isinstance(recorder, PostgresAggregateRecorder):
        raise TypeError("reads on the event loop are PostgreSQL's")
    rows = await reads.query(_version_statement(recorder), [key])
    return None if not rows else rows[0][0]


async def history_on_loop(app: Application[UUID], reads: LoopReads, key: UUID) -> list[Any]:
    """`history` on PostgreSQL, read on the event loop through ``reads`` (the columns of the
    library's ``select_events``, decoded by the application's mapper, so a cipher applies)."""
    recorder = app.recorder
    if not isinstance(recorder, PostgresAggregateRecorder):
        raise TypeError("reads on the event loop are PostgreSQL's")
    statement = _on_events(
        recorder,
        "SELECT originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE originator_id = %s ORDER BY originator_version",
    )
    rows = await reads.query(statement, [key], by_name=True)
    return [app.mapper.to_domain_event(_stored(row)) for row in rows]


def _version_statement(recorder: PostgresAggregateRecorder) -> str:
    return _on_events(
        recorder, "SELECT MAX(originator_version) AS version FROM {}.{} WHERE originator_id = %s"
    )


class LoopReads:
    """Reads of one statement made on the event loop itself, on PostgreSQL, for the checks and
    pages the busiest routes read (`deps.quick_read`): asynchronous psycopg connections, at most
    `store_pool_size` at once, each kept open for the next read.

    In uvicorn's thread pool each such read cost a thread hand-off there and back, and the
    interpreter lock changed hands 30–50 times per case-list request (docs/benchmarks.md, issue
    18). Here a read waits on the network as the event loop waits on any socket. Opened and
    closed by the service's lifespan, on its loop (`Service.open_loop_reads`); only where the
    views are read from the primary's schema directly (no replica: its routing waits on the
    replica in the thread pool; no transaction pooler: the schema is set per connection here).
    Autocommit: each read is its one statement.

    The connections are kept here rather than in psycopg's asynchronous pool, whose checkout
    and return cost about 75 µs of the event loop's CPU per read under load: a fifth of a
    case-list request (docs/benchmarks.md, "Fifth pass"). A connection the server dropped is
    closed when its read fails, and a read on a kept connection that was dropped meanwhile is
    tried once more on a new one. One stays open at rest: those a burst opened are closed by
    the first read after `IDLE_SECONDS` unused.
    """

    IDLE_SECONDS = 600.0

    def __init__(self, settings: Settings) -> None:
        schema = settings.postgres_params()["POSTGRES_SCHEMA"]
        self._conninfo = postgres_conninfo(settings)
        self._options = f"-c search_path={schema}"
        self._timeout = settings.pool_timeout_seconds
        self._slots = asyncio.Semaphore(settings.store_pool_size)
        self._idle: list[tuple[psycopg.AsyncConnection[Any], float]] = []
        """Open connections no read is using, each with when it came back, the last on top."""
        self._closed = True

    @staticmethod
    def available(settings: Settings) -> bool:
        """Whether this deployment's reads may be made on the loop (see the class)."""
        return (
            settings.uses_postgres
            and not settings.transaction_pooler
            and not settings.read_database_url
        )

    async def open(self) -> None:
        """Accept reads (connections are made by the first reads that need them)."""
        self._closed = False

    async def query(
        self, sql: str | Composed, params: Sequence[Any] = (), *, by_name: bool = False
    ) -> list[Any]:
        """Rows of one read-only statement: tuples, or with ``by_name`` dicts by column."""
        if self._closed:
            raise RuntimeError("the reads on the event loop are closed")
        await self._take_slot()
        try:
            row_factory = dict_row if by_name else tuple_row
            while len(self._idle) > 1 and time.monotonic() - self._idle[0][1] > self.IDLE_SECONDS:
                await self._idle.pop(0)[0].close()  # unused since a burst long gone
            if self._idle:
                conn = self._idle.pop()[0]
                try:
                    return await self._read(conn, sql, params, row_factory)
                except psycopg.OperationalError:
                    if not conn.closed:
                        raise
                    # Dropped while it was kept (a server restart): once more, afresh.
            conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, options=self._options
            )
            return await self._read(conn, sql, params, row_factory)
        finally:
            self._slots.release()

    async def _take_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()
            return
        try:  # every connection is reading: wait for one, as long as the settings allow
            async with asyncio.timeout(self._timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise PoolTimeout(
                f"no connection for a read on the event loop within {self._timeout} s: every "
                "one was busy (raise BRATASENA_STORE_POOL_SIZE, or look for slow reads)"
            ) from None

    async def _read(
        self,
        conn: psycopg.AsyncConnection[Any],
        sql: str | Composed,
        params: Sequence[Any],
        row_factory: Any,
    ) -> list[Any]:
        try:
            cursor = conn.cursor(row_factory=row_factory)
            await cursor.execute(sql, params)
            rows: list[Any] = await cursor.fetchall()
        finally:
            kept = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
            if kept and not self._closed:
                self._idle.append((conn, time.monotonic()))
            else:
                await conn.close()
        return rows

    async def close(self) -> None:
        """Refuse further reads and close the kept connections (those reading close after)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            await conn.close()


class SQLiteWriters:
    """Where the writers of one SQLite file take turns, across the threads of this process and
    across processes, instead of in SQLite's busy handler.

    The busy handler sleeps 1, 2, 5, … up to 100 ms between tries, so the writer that waited
    longest sleeps through the file's free moments. 16 filers waiting for the views that way made
    a filing's p99 1.3 s within one process; across the processes of `serve --workers N`, the
    rate limit's counts and the views' batches still met that way (a filing's p99 106–215 ms
    with two workers, docs/benchmarks.md, issue 18). This process's writers queue
    on a lock; the one at its head then takes an exclusive `flock` of a file beside the database
    (``NAME.sqlite3.writers``), tried every half millisecond, so a turn passes within a millisecond
    of the last writer's commit. A writer still waits at most ``timeout`` seconds in all, and
    fails as SQLite would (``database is locked``) past it. The kernel lets go of a killed
    process's `flock`.

    The lock file stays open while anything of this process writes the database, and its
    `flock` is tried without letting go of the interpreter lock (`_flock`): each system call that
    lets go of it is a chance for one of the service's forty threads to take the core (opening,
    locking and closing the file at every turn, as first written, made a filing cost one
    worker 14 more thread switches).
    """

    POLL_SECONDS = 0.0005

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = fd = os.open(
                self.path.with_name(self.path.name + ".writers"), os.O_RDWR | os.O_CREAT, 0o600
            )
            finalize(self, os.close, fd)
        return self._fd

    @contextmanager
    def turn(self, timeout: float = 30.0) -> Iterator[None]:
        """Hold the file for writing (this thread only) for the block."""
        deadline = time.monotonic() + timeout
        if not self._lock.acquire(timeout=timeout):
            raise sqlite3.OperationalError(f"database is locked: {self.path.name}, for {timeout} s")
        try:
            fd = self._file()
            while not _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB):
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError(
                        f"database is locked: {self.path.name}, by another process for {timeout} s"
                    )
                time.sleep(self.POLL_SECONDS)
            try:
                yield
            finally:
                _flock(fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _forget(self) -> None:
        """In a child forked from this process: its own lock and, at the next turn, its own open
        file (a `flock` belongs to the open file, which a fork shares with the parent)."""
        self._lock = threading.Lock()
        if self._fd is not None:
            os.close(self._fd)  # the child's copy only: the parent's lock stays
            self._fd = None


_LIBC = ctypes.PyDLL(None, use_errno=True)
"""The C library, called with the interpreter lock held (`PyDLL`): for `_flock` alone."""


def _flock(fd: int, operation: int) -> bool:
    """`flock(2)` without letting go of the interpreter lock (`fcntl.flock` lets go of it, even
    when asked not to wait): False when another process holds the lock (``LOCK_NB``)."""
    if _LIBC.flock(fd, operation) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EWOULDBLOCK, errno.EINTR):
        return False
    raise OSError(error, os.strerror(error))


_SQLITE_WRITERS: WeakValueDictionary[str, SQLiteWriters] = WeakValueDictionary()
"""Each SQLite file's writers by path, while a store of this process writes it (each `Database`
keeps its own)."""
_SQLITE_WRITERS_LOCK = threading.Lock()


def sqlite_writers(path: Path | str) -> SQLiteWriters:
    """The turn every writer of this process takes on one SQLite file (`SQLiteWriters`); the
    caller keeps it for as long as it writes the file."""
    with _SQLITE_WRITERS_LOCK:
        found = _SQLITE_WRITERS.get(str(path))
        if found is None:
            real = Path(path).resolve()
            found = _SQLITE_WRITERS.get(str(real))
            if found is None:
                found = _SQLITE_WRITERS[str(real)] = SQLiteWriters(real)
            _SQLITE_WRITERS[str(path)] = found
        return found


def _forget_writers_after_fork() -> None:
    for writers in set(_SQLITE_WRITERS.values()):  # a file's writers are under two of its names
        writers._forget()


os.register_at_fork(after_in_child=_forget_writers_after_fork)

_SQLITE_READERS: WeakKeyDictionary[Recorder, threading.local] = WeakKeyDictionary()
"""Per SQLite recorder, each thread's own connection to its file (`_sqlite_reader`)."""


def _sqlite_reader(recorder: Any) -> sqlite3.Connection | None:
    """A connection of the calling thread's own to the SQLite recorder's file, for reads of one
    statement (each sees every committed write); None for an in-memory store, whose one
    database only the library's own connections reach."""
    pool = recorder.datastore.pool
    if pool.is_sqlite_memory_mode:
        return None
    local = _SQLITE_READERS.get(recorder)
    if local is None:
        local = _SQLITE_READERS.setdefault(recorder, threading.local())
    conn: sqlite3.Connection | None = getattr(local, "conn", None)
    if conn is None:
        conn = local.conn = sqlite3.connect(
            pool.db_name, uri=True, isolation_level=None, timeout=pool.lock_timeout or 5
        )
        conn.row_factory = sqlite3.Row  # as the library's own connections
    return conn


def postgres_events_table(app: Application[UUID]) -> str | None:
    """The PostgreSQL event table's name, schema-qualified and quoted, for a read that joins it
    (None for other recorders).

    For `registry_digests`, whose table sits in the same schema: a digest and its household's
    current version in one read. The name is eventsourcing 9.5.6's (the recorder's
    ``events_table_name`` in its datastore's ``schema``), as `current_versions` reads it.
    """
    recorder = app.recorder
    if not isinstance(recorder, PostgresAggregateRecorder):
        return None
    return Identifier(recorder.datastore.schema, recorder.events_table_name).as_string(None)


def _uuid(value: UUID | str) -> UUID:
    """An id as psycopg gives it: a UUID already, unless the table was made with text ids."""
    return value if isinstance(value, UUID) else UUID(value)


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(str(row["originator_id"])),
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def _get_or_none(app: Application[UUID], cls: type[A], key: UUID) -> A | None:
    try:
        aggregate: Aggregate = app.repository.get(key)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, cls) else None


# --- the views' and workers' own tables ---------------------------------------------------------


def ensure_postgres_schema(settings: Settings) -> None:
    """Create the configured schema if it is missing (a regency per schema in a province)."""
    params = settings.postgres_params()
    schema = params["POSTGRES_SCHEMA"]
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"database schema {schema!r} must be a plain lower-case identifier")
    with _one_at_a_time(settings) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def create_event_table(settings: Settings, recorder: Any) -> None:
    """Create the event table (and on PostgreSQL its index and insert function) with the
    library's own statements, while no other process does.

    Processes starting together (the workers of `serve --workers 2`) failed otherwise: on
    PostgreSQL eventsourcing 9.5.6's `create_table` runs `CREATE OR REPLACE FUNCTION` on every
    start, and the server refuses one of two transactions replacing the same function at once
    ("tuple concurrently updated"); on SQLite the first connection to a new file switches it to
    WAL, which SQLite refuses at once ("database is locked") while another connection does the
    same. The event store's environment therefore turns the library's own creation off
    (`CREATE_TABLE=no`), and the application calls this instead: under an advisory lock on
    PostgreSQL, under an `flock` of a file in the data directory on SQLite.
    """
    if isinstance(recorder, PostgresAggregateRecorder):
        with _one_at_a_time(settings) as conn:
            recorder.create_table()
            conn.execute(_insert_function_statement(recorder))
        return
    with open(settings.private_file("events-setup.lock"), "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # let go when the file is closed
        recorder.create_table()


@contextmanager
def _one_at_a_time(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """Hold the setup lock: a transaction's advisory lock on a connection of its own, so a
    transaction pooler in front of the server cannot leave it behind on a pooled connection."""
    with (
        psycopg.connect(
            postgres_conninfo(settings), autocommit=True, prepare_threshold=None
        ) as conn,
        conn.transaction(),
    ):
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('bratasena setup events', 0))")
        yield conn


def postgres_conninfo(settings: Settings) -> str:
    """A libpq connection string for the configured database."""
    params = settings.postgres_params()
    return psycopg.conninfo.make_conninfo(
        dbname=params["POSTGRES_DBNAME"],
        host=params["POSTGRES_HOST"],
        port=params["POSTGRES_PORT"],
        user=params["POSTGRES_USER"],
        password=params["POSTGRES_PASSWORD"] or None,
        connect_timeout=10,
    )


class Cursor(Protocol):
    """The part of a DB-API cursor that views and workers use."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Reader(Protocol):
    """What the views read through: a `Database`, or `projections.reads.Reads` (a replica)."""

    def query(self, sql: str, params: Sequence[Any] = ...) -> list[Any]: ...


class Database:
    """A small SQL store for one component's own tables (views, worker state), on either backend.

    SQL is written once with ``%s`` placeholders and ``ON CONFLICT`` upserts, which both backends
    understand; for SQLite the placeholders are rewritten. On PostgreSQL the tables live in the
    configured schema beside the events, each name prefixed with the component's name; on SQLite
    each component has its own file, as the library requires.

    On PostgreSQL each store has its own pool of at most `store_pool_size` connections (a caller
    past that waits up to `pool_timeout_seconds`). With `transaction_pooler` (PgBouncer in
    transaction mode in front) nothing may outlive a transaction: no prepared statements, and the
    schema is set in each transaction (``SET LOCAL``) instead of once per connection.
    """

    def __init__(
        self,
        settings: Settings,
        name: str,
        *,
        database_url: str | None = None,
        read_only: bool = False,
        durable: bool = True,
    ) -> None:
        """``database_url`` other than the settings' (a replica's, with ``read_only``: its schema
        is the primary's, created there). Not ``durable``: a commit on PostgreSQL answers before
        its WAL reaches the disk (``synchronous_commit=off``), for rows whose last fraction of a
        second may be lost in a crash of the server without harm (the rate limit's counters);
        SQLite's stores never wait for the disk at a commit (``synchronous=NORMAL``)."""
        if database_url is not None:
            settings = settings.model_copy(update={"database_url": database_url})
        if not _IDENTIFIER.match(name):
            raise ValueError(f"store name {name!r} must be a plain lower-case identifier")
        self.name = name
        self.is_postgres = settings.uses_postgres
        self._local = threading.local()
        self._pool: ConnectionPool | None = None
        self._sqlite_path = settings.sqlite_path(name)
        self._begin: str | None = None
        if self.is_postgres:
            if not read_only:
                ensure_postgres_schema(settings)
            schema = settings.postgres_params()["POSTGRES_SCHEMA"]
            # Autocommit: a read (`query`) is then its one statement, one round trip; outside
            # autocommit psycopg sends BEGIN before it and the pool's context COMMIT after it,
            # three round trips for one SELECT. `transaction` still begins and commits.
            commits = "" if durable else " -c synchronous_commit=off"
            kwargs: dict[str, Any] = {
                "options": f"-c search_path={schema}{commits}",
                "autocommit": True,
            }
            if settings.transaction_pooler:
                kwargs = {"prepare_threshold": None, "autocommit": True}
                # The library sets a 5 s idle-in-transaction limit on the server connections it
                # uses, which the pooler then hands to these stores too; a rebuild's transaction
                # idles longer while it folds, so each transaction lifts the limit for itself.
                self._begin = (
                    f"SELECT set_config('search_path', '{schema}', true), "
                    "set_config('idle_in_transaction_session_timeout', '0', true)"
                    + ("" if durable else ", set_config('synchronous_commit', 'off', true)")
                )
            self._pool = ConnectionPool(
                postgres_conninfo(settings),
                min_size=1,
                max_size=settings.store_pool_size,
                timeout=settings.pool_timeout_seconds,
                kwargs=kwargs,
                open=True,
            )
        else:
            settings.private_file(self._sqlite_path.name)
        self._writers = sqlite_writers(self._sqlite_path)

    def _sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self._sqlite_path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """A cursor whose statements commit together, or not at all if the block raises."""
        if self._pool is not None:
            with self._pool.connection() as pg, pg.transaction():
                cursor = pg.cursor()
                if self._begin is not None:
                    cursor.execute(self._begin)
                yield cursor
            return
        with self._writer_turn() as lite:
            lite.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteCursor(lite.cursor())
            except BaseException:
                lite.execute("ROLLBACK")
                raise
            lite.execute("COMMIT")

    @contextmanager
    def _writer_turn(self) -> Iterator[sqlite3.Connection]:
        """This thread's SQLite connection in its turn at writing the file (`SQLiteWriters`)."""
        with self._writers.turn():
            yield self._sqlite()

    @contextmanager
    def setup(self) -> Iterator[Cursor]:
        """A transaction that creates or alters this store's tables, one process at a time.

        CREATE … IF NOT EXISTS races on PostgreSQL's catalogue when two processes start at once
        (the workers of `serve --workers N`), so there the transaction first takes an advisory
        lock named after the store; SQLite's BEGIN IMMEDIATE already serialises it.
        """
        with self.transaction() as cur:
            if self.is_postgres:
                cur.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    (f"bratasena setup {self.name}",),
                )
            yield cur

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of one read-only statement."""
        if self._pool is not None:
            if self._begin is not None:
                with self.transaction() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall()
            with self._pool.connection() as pg:
                return pg.execute(sql, params).fetchall()
        return self._sqlite().execute(_qmark(sql), params).fetchall()

    def write(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Commit one statement that changes rows, alone; the rows it returns.

        One round trip on PostgreSQL (autocommit), where `transaction` makes three (BEGIN, the
        statement, COMMIT); on SQLite the statement is its own transaction, taken in turn with
        this process's other writers of the file.
        """
        if self._pool is not None:
            # Behind a transaction pooler the schema is set per transaction (`_begin`).
            with self._pool.connection() as pg, pg.transaction() if self._begin else nullcontext():
                if self._begin is not None:
                    pg.execute(self._begin)
                cursor = pg.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        with self._writer_turn() as lite:
            return lite.execute(_qmark(sql), params).fetchall()

    def close(self) -> None:
        """Release connections."""
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class _SQLiteCursor:
    """A sqlite3 cursor that accepts ``%s`` placeholders."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(_qmark(sql), params)

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(_qmark(sql), params)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()


def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")
