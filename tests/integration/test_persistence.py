"""The shortcuts past the event store library's public API, each against the real thing it bypasses.

Every test but the last two runs on SQLite and on PostgreSQL. The last two use the library's
in-memory store, the one kind of recorder the shortcuts do not know.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

from bratasena import deployment
from bratasena.application import Bratasena
from bratasena.domain import ids
from bratasena.domain.household import Household
from bratasena.domain.lookup import HouseholdLookup
from bratasena.limit_store import DatabaseStore
from bratasena.persistence import (
    INSERT_FUNCTION,
    LIBRARY_VERSION,
    Database,
    history,
    load_many,
    originators_of,
    postgres_conninfo,
    postgres_events_table,
    put_unchecked,
    sqlite_writers,
)
from bratasena.registry_digests import RegistryDigests
from bratasena.settings import Settings
from tests.builders import Clock, kk, register, registry_row

T = TypeVar("T")

AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

AWKWARD = [
    b"",
    b"\x00",
    b"\\",
    b"\\\\x00",
    b'"',
    b"'",
    b",",
    b"(,)",
    b"{}",
    b"NULL",
    b"\xff\xfe\x00\x01",
    b'{"a": "b\\"c", "d": [1, 2]}',
    bytes(range(256)),
    os.urandom(200_000),
]
"""States that need escaping in every text format: quotes, separators, NUL, high bytes, NULL."""


def test_the_shortcuts_were_written_against_the_installed_library() -> None:
    # On a new release, re-read the library code each shortcut names (bratasena/persistence.py),
    # run these tests on both backends, then move LIBRARY_VERSION.
    assert version("eventsourcing") == LIBRARY_VERSION


# --- originators_of ------------------------------------------------------------------------------


def test_originators_of_names_each_aggregate_with_an_event_of_the_class_once(
    app: Bratasena,
) -> None:
    hids = register(app, *(registry_row(n) for n in (1, 2, 3)))
    app.import_registry([registry_row(2, desil=4)], source="dtks", period="2026-02", actor="a")

    assert sorted(originators_of(app, Household.Registered)) == sorted(hids)
    assert originators_of(app, Household.RegistryUpdated) == [hids[1]]
    assert originators_of(app, Household.Deactivated) == []
    assert sorted(originators_of(app, Household.Registered, excluding={hids[0]})) == sorted(
        hids[1:]
    )
    # Several classes in one read: an aggregate with events of two of them is named once.
    both = originators_of(app, Household.Registered, Household.RegistryUpdated)
    assert sorted(both) == sorted(hids)
    assert originators_of(app, Household.RegistryUpdated, Household.Deactivated) == [hids[1]]


# --- load_many ----------------------------------------------------------------------------------


def test_load_many_gives_what_the_repository_gives_for_existing_missing_and_other_ids(
    app: Bratasena,
) -> None:
    first, second, third = register(app, *(registry_row(n) for n in (1, 2, 3)))
    app.import_registry(
        [registry_row(2, desil=4), registry_row(3, kk_number=kk(33))],
        source="dtks",
        period="2026-02",
        actor="admin",
    )
    lookup = ids.lookup_id("kk", kk(33), app.settings.lookup_secret())
    missing = [uuid4() for _ in range(1000)]
    # More ids than one query takes, the known ones in both queries, one twice.
    asked = [first, *missing[:899], second, lookup, first, *missing[899:], third]

    households = load_many(app, Household, asked)

    assert list(households) == [first, second, third]
    for hid, household in households.items():
        assert household == app.repository.get(hid)
    assert households[third].version == 2
    assert households[third].kk_number == kk(33)
    lookups = load_many(app, HouseholdLookup, asked)
    assert lookups == {lookup: app.repository.get(lookup)}
    assert load_many(app, Household, []) == {}
    assert load_many(app, Household, missing) == {}


def test_load_many_reads_through_the_cipher(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = make_settings(cipher_key=key)
    app = Bratasena(settings, clock=clock)
    try:
        [hid] = register(app, registry_row(1, head_name="Sutrisno Wibowo"))
        [household] = load_many(app, Household, [hid]).values()
        assert household.head_name == "Sutrisno Wibowo"
        assert household == app.repository.get(hid)
    finally:
        app.close()


# --- history ------------------------------------------------------------------------------------


def test_history_gives_the_librarys_events_through_the_cipher_and_sees_other_writers(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(cipher_key=base64.b64encode(os.urandom(32)).decode())
    app, other = Bratasena(settings, clock=clock), Bratasena(settings, clock=clock)
    try:
        [hid] = register(app, registry_row(1, head_name="Sutrisno Wibowo"))
        assert history(app, hid) == list(app.events.get(hid))
        assert history(app, uuid4()) == []
        # A thread's connection kept between reads sees what another process wrote since.
        before = len(history(app, hid))
        register(other, registry_row(1, head_name="Sutrisno Wibowo Dua"))
        after = history(app, hid)
        assert len(after) > before
        assert after == list(other.events.get(hid))
    finally:
        other.close()
        app.close()


# --- put_unchecked ------------------------------------------------------------------------------


def test_put_unchecked_stores_events_that_read_back_identical_in_log_order(
    app: Bratasena,
) -> None:
    [hid] = register(app)
    head = app.head()
    household = app.get_household(hid)
    household.update_registry(
        row=registry_row(1, desil=5), source="dtks", period="2026-02", actor="admin", at=AT
    )
    fresh = HouseholdLookup.start(id=uuid4(), kind="nik", household_id=hid, at=AT)
    fresh.link(household_id=uuid4(), at=AT)
    written = [*household.pending_events, *fresh.pending_events]

    positions = put_unchecked(app, [household, fresh, household])

    assert len(positions) == len(written)
    assert positions == sorted(positions)
    assert positions[0] > head
    assert positions[-1] == app.head()
    logged = app.recorder.select_notifications(head, 10, inclusive_of_start=False)
    assert [n.id for n in logged] == positions
    assert [app.mapper.to_domain_event(n) for n in logged] == written
    assert household.pending_events == fresh.pending_events == []
    assert list(app.events.get(hid))[-1] == written[0]
    assert list(app.events.get(fresh.id)) == written[1:]
    assert app.repository.get(hid) == household
    assert app.repository.get(fresh.id) == fresh


def test_put_unchecked_refuses_a_version_already_taken_and_stores_nothing_of_the_batch(
    app: Bratasena,
) -> None:
    [hid] = register(app)
    mine, theirs = app.get_household(hid), app.get_household(hid)
    theirs.update_registry(
        row=registry_row(1, desil=7), source="dtks", period="2026-02", actor="other", at=AT
    )
    app.save(theirs)
    head = app.head()
    mine.update_registry(
        row=registry_row(1, desil=5), source="dtks", period="2026-02", actor="admin", at=AT
    )
    fresh = HouseholdLookup.start(id=uuid4(), kind="nik", household_id=hid, at=AT)

    with pytest.raises(IntegrityError):
        put_unchecked(app, [fresh, mine])

    assert app.head() == head
    assert app.get_household(hid).desil == 7
    assert list(app.events.get(fresh.id)) == []


# --- insert_in_one_statement ---------------------------------------------------------------------


def test_a_postgres_write_is_one_call_of_the_locked_function_and_sqlite_keeps_the_librarys_own(
    app: Bratasena, settings: Settings, backend: str
) -> None:
    recorder = app.recorder
    if backend == "sqlite":
        assert isinstance(recorder, SQLiteAggregateRecorder)
        assert recorder.insert_events_statement == "INSERT INTO stored_events VALUES (?,?,?,?)"
        return
    assert isinstance(recorder, PostgresAggregateRecorder)
    assert recorder.datastore.enable_db_functions
    call = recorder.sql_invoke_pg_function_insert_events.as_string(None)
    assert call.endswith(f'"{INSERT_FUNCTION}"(%b)')
    with psycopg.connect(postgres_conninfo(settings)) as conn:
        source = conn.execute(
            "SELECT prosrc FROM pg_proc WHERE proname = %s AND pronamespace = %s::regnamespace",
            (INSERT_FUNCTION, recorder.datastore.schema),
        ).fetchone()
    assert source is not None
    for part in ("LOCK TABLE", "IN EXCLUSIVE MODE", "NOTIFY", "RETURNING notification_id"):
        assert part in source[0]


def test_a_write_waits_for_a_writer_in_progress_so_the_log_commits_in_order(
    app: Bratasena, settings: Settings, backend: str
) -> None:
    # Another writer holds what an INSERT holds (on PostgreSQL an INSERT's ROW EXCLUSIVE lock, on
    # SQLite the write lock): the application's write must wait for it to commit, or its
    # notification id could become visible before a lower one, and a reader tailing the log would
    # pass over that one for good. The library's own insert function takes no table lock and would
    # not wait here.
    head = app.head()
    written = threading.Event()
    worker = threading.Thread(target=lambda: (register(app, registry_row(1)), written.set()))
    with _writer_in_progress(app, settings, backend):
        worker.start()
        assert not written.wait(1.0), "the write did not wait for the writer in progress"
    worker.join(timeout=60)
    assert written.is_set()
    assert app.head() > head


@contextmanager
def _writer_in_progress(app: Bratasena, settings: Settings, backend: str) -> Iterator[None]:
    """Another connection in the middle of a write to the event table, until the block ends."""
    if backend == "sqlite":
        lite = sqlite3.connect(settings.sqlite_path("events"), isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lite.execute("COMMIT")
            lite.close()
        return
    with psycopg.connect(postgres_conninfo(settings)) as pg, pg.transaction():
        pg.execute(f"LOCK TABLE {postgres_events_table(app)} IN ROW EXCLUSIVE MODE")
        yield


def test_awkward_bytes_and_topics_round_trip_through_the_insert(app: Bratasena) -> None:
    originator = uuid4()
    topic = "tests.awkward:Topic \"quoted\", 'single', (paren) {brace} \\ back"
    stored = [
        StoredEvent(originator_id=originator, originator_version=n, topic=topic, state=state)
        for n, state in enumerate(AWKWARD, start=1)
    ]
    head = app.head()

    positions = app.recorder.insert_events(stored)

    assert positions is not None
    assert len(positions) == len(AWKWARD)
    assert [e.state for e in app.recorder.select_events(originator)] == AWKWARD
    assert [e.topic for e in app.recorder.select_events(originator)] == [topic] * len(AWKWARD)
    logged = app.recorder.select_notifications(head, 100, inclusive_of_start=False)
    assert [n.state for n in logged] == AWKWARD
    with pytest.raises(IntegrityError):
        app.recorder.insert_events([stored[0]])


def test_ten_thousand_households_import_in_one_call(app: Bratasena) -> None:
    # 30,000 events (about 10 MB) in one write: more than a socket's send buffer takes at once,
    # which stalled forever in psycopg's pipeline mode (the library's own insert) before each
    # insert was flushed to its end. Run on a thread so that a stall fails the test after a
    # generous bound instead of hanging the run.
    rows = [registry_row(n) for n in range(1, 10_001)]
    head = app.head()
    done: list[int] = []
    worker = threading.Thread(
        target=lambda: done.append(
            app.import_registry(rows, source="dtks", period="2026-01", actor="a").registered
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=600)
    assert done == [10_000], "the import did not finish: the insert stalled"
    logged = app.recorder.select_notifications(head, 40_000, inclusive_of_start=False)
    assert len(logged) == 30_000
    last = app.get_household(ids.household_id("DTKS-010000"))
    assert (last.kk_number, last.head_nik) == (rows[-1]["kk_number"], rows[-1]["head_nik"])


# --- creating tables, one process at a time ---------------------------------------------------


def test_applications_opened_at_once_all_start_on_a_new_store_and_on_an_existing_one(
    settings: Settings,
) -> None:
    # As the workers of `serve --workers N` do: on PostgreSQL the library's own table creation
    # replaced its insert function in every process at once, and the server refused all but one.
    for _ in range(2):  # first a new schema and table, then the ones just made
        opened = _at_once(8, lambda: Bratasena(settings))
        register(opened[0], registry_row(1))
        assert [app.head() for app in opened] == [opened[0].head()] * 8 != [0] * 8
        for app in opened:
            app.close()


def test_stores_opened_at_once_on_a_new_store_all_create_their_tables(settings: Settings) -> None:
    # CREATE TABLE IF NOT EXISTS of one new table in two PostgreSQL transactions at once fails
    # one of them on the catalogue's unique index: `Database.setup` takes turns.
    def open_stores() -> str | None:
        DatabaseStore(settings).close()
        RegistryDigests(settings, bytes(32)).close()
        return deployment.owner(settings)

    assert _at_once(8, open_stores) == [None] * 8


def _at_once(count: int, work: Callable[[], T]) -> list[T]:
    """``work`` in ``count`` threads released together; the first failure is raised."""
    start = threading.Barrier(count)

    def one(_: int) -> T:
        start.wait()
        return work()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_writers_of_one_store_in_one_process_take_turns_and_a_failed_one_lets_go(
    settings: Settings,
) -> None:
    # Two handles on one store, as two parts of a process have: on SQLite they queue on one
    # lock per file (`Database.transaction`) rather than in SQLite's busy handler.
    first, second = Database(settings, "turns"), Database(settings, "turns")
    try:
        with first.transaction() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS turns (n INTEGER NOT NULL)")

        def fail() -> None:
            with first.transaction() as cur:
                cur.execute("INSERT INTO turns (n) VALUES (%s)", (1,))
                raise RuntimeError("the block fails: nothing of it stays, the lock is let go")

        with pytest.raises(RuntimeError):
            fail()

        def add(n: int) -> None:
            for _ in range(25):
                with (first if n % 2 else second).transaction() as cur:
                    cur.execute("INSERT INTO turns (n) VALUES (%s)", (n,))

        with ThreadPoolExecutor(8) as writers:
            list(writers.map(add, range(8)))
        assert second.query("SELECT COUNT(*), SUM(n) FROM turns")[0] == (200, 25 * sum(range(8)))
    finally:
        first.close()
        second.close()


HOLD_TURN = (
    "import sys\n"
    "from bratasena.persistence import sqlite_writers\n"
    "with sqlite_writers(sys.argv[1]).turn():\n"
    "    print('held', flush=True)\n"
    "    sys.stdin.readline()\n"
)
"""Another process taking its turn at a SQLite file, until a line arrives on its input."""


@contextmanager
def _turn_held_by_another_process(path: Path | str) -> Iterator[subprocess.Popen[str]]:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_TURN, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdin is not None
        assert holder.stdout is not None
        try:
            assert holder.stdout.readline().strip() == "held"
            yield holder
        finally:
            if holder.poll() is None:
                holder.stdin.write("done\n")
                holder.stdin.flush()
            holder.wait(timeout=30)


def test_writers_of_a_sqlite_file_in_two_processes_take_turns_bounded_and_a_killed_one_lets_go(
    tmp_path: Path,
) -> None:
    """Across the processes of `serve --workers N`, the writers of a store's SQLite file queue on
    its turn (`SQLiteWriters`) instead of in SQLite's busy handler: a write waits while another
    process holds the turn, gives up with SQLite's own error past its bound, and goes on at once
    when the holder is killed (the kernel lets go). SQLite alone: PostgreSQL's writers wait on
    the server's locks."""
    settings = Settings(environment="test", data_dir=tmp_path)
    store = Database(settings, "turns")
    try:
        with store.setup() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS turns_n (n INTEGER NOT NULL)")
        insert = "INSERT INTO turns_n VALUES (1)"
        written = threading.Event()
        writer = threading.Thread(target=lambda: (store.write(insert), written.set()))
        with _turn_held_by_another_process(settings.sqlite_path("turns")):
            writer.start()
            assert not written.wait(1.0), "a write did not wait for its turn"
        writer.join(timeout=60)
        assert written.is_set()
        assert store.query("SELECT COUNT(*) FROM turns_n") == [(1,)]

        turns = sqlite_writers(settings.sqlite_path("turns"))
        with _turn_held_by_another_process(turns.path) as holder:
            with (
                pytest.raises(sqlite3.OperationalError, match="database is locked"),
                turns.turn(timeout=0.2),
            ):
                pytest.fail("a turn was given while another process held it")
            holder.kill()
            holder.wait(timeout=30)
            store.write(insert)  # its turn comes at once
        assert store.query("SELECT COUNT(*) FROM turns_n") == [(2,)]
    finally:
        store.close()


def test_a_write_of_one_statement_commits_alone_and_a_store_of_counters_does_not_wait_for_disk(
    settings: Settings,
) -> None:
    """`Database.write` commits one statement on its own and answers what it returns; a store
    made not ``durable`` (the rate limit's) commits on PostgreSQL without waiting for its WAL to
    reach the disk, while every other store waits."""
    # Two handles on one store: on SQLite each store is a file of its own.
    counters = Database(settings, "counters", durable=False)
    durable = Database(settings, "counters")
    try:
        with counters.setup() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS counters_n (k TEXT PRIMARY KEY, n INTEGER)")
        add = (
            "INSERT INTO counters_n (k, n) VALUES (%s, 1) "
            "ON CONFLICT (k) DO UPDATE SET n = counters_n.n + 1 RETURNING n"
        )
        assert [counters.write(add, ("a",)) for _ in range(3)] == [[(1,)], [(2,)], [(3,)]]
        assert counters.write("DELETE FROM counters_n WHERE k = %s", ("b",)) == []
        assert durable.query("SELECT n FROM counters_n WHERE k = %s", ("a",)) == [(3,)]
        if counters.is_postgres:
            assert counters.query("SHOW synchronous_commit") == [("off",)]
            assert durable.query("SHOW synchronous_commit") == [("on",)]
    finally:
        counters.close()
        durable.close()


# --- other recorders ----------------------------------------------------------------------------


def test_load_many_falls_back_to_the_repository_on_other_recorders() -> None:
    app: Application[UUID] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    lookups = [
        HouseholdLookup.start(id=uuid4(), kind="kk", household_id=uuid4(), at=AT) for _ in range(3)
    ]
    app.save(*lookups)
    found = load_many(app, HouseholdLookup, [lookups[0].id, uuid4(), lookups[2].id])
    assert found == {lookups[0].id: lookups[0], lookups[2].id: lookups[2]}
    assert load_many(app, Household, [lookups[0].id]) == {}


def test_put_unchecked_refuses_an_application_that_caches_aggregates() -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo", "AGGREGATE_CACHE_MAXSIZE": "10"}
    app: Application[UUID] = Application(env=env)
    lookup = HouseholdLookup.start(id=uuid4(), kind="kk", household_id=uuid4(), at=AT)
    with pytest.raises(ValueError, match="cache"):
        put_unchecked(app, [lookup])
    assert lookup.pending_events != []
