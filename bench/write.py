"""Complaints filed per second through the application, beside raw inserts on the same database.

Each filing writes two events in one transaction (the complaint's ``Filed`` and the household's
``Reported``). The baseline inserts two rows of the same size per transaction into a plain table,
taking the same lock the event store takes (PostgreSQL: ``LOCK TABLE … IN EXCLUSIVE MODE``;
SQLite: ``BEGIN IMMEDIATE``), so the ratio shows what the application adds on top of the database.
That baseline sends each statement on PostgreSQL (five round trips a transaction), where the event
store sends one call of its insert function; so a second PostgreSQL baseline makes the same
locked insert in one statement (a function taking the lock and inserting both rows).

    python bench/write.py            # 2,000 filings per configuration
    python bench/write.py --quick    # 40 filings, for CI
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bratasena.application import Bratasena
from bratasena.settings import Settings
from tests.builders import registry_row

C = TypeVar("C")

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def timed_parallel(total: int, threads: int, work: Callable[[int], None]) -> float:
    """Seconds to run ``work(i)`` for i in range(total), split over ``threads`` threads."""
    chunks = [range(t, total, threads) for t in range(threads)]
    errors: list[BaseException] = []

    def run(indexes: range) -> None:
        try:
            for i in indexes:
                work(i)
        except BaseException as error:  # surfaced after join
            errors.append(error)

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def per_thread(connect: Callable[[], C]) -> Callable[[], C]:
    """The calling thread's own connection, opened by ``connect`` on the thread's first call."""
    local = threading.local()

    def connection() -> C:
        conn: C | None = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect()
        return conn

    return connection


PG_RAW_TABLE = (
    "(id BIGSERIAL PRIMARY KEY, originator_id UUID, originator_version INTEGER, topic TEXT, "
    "state BYTEA, UNIQUE(originator_id, originator_version))"
)
"""The PostgreSQL baselines' table: the event table's columns and keys."""


def filing_rate(settings: Settings, total: int, threads: int) -> float:
    app = Bratasena(settings)
    try:
        offset = app.head() * 10 + 1  # fresh registry ids on each run against the same store
        rows = [registry_row(offset + n) for n in range(total)]
        for start in range(0, total, 500):
            app.import_registry(
                rows[start : start + 500], source="dtks", period="2026-01", actor="b"
            )

        def file_one(i: int) -> None:
            app.file_complaint(
                subject={"registry_id": rows[i]["registry_id"]},
                reasons=["mampu", "owns_car"],
                description="Keluarga ini punya mobil dan toko besar di pasar desa.",
                reporter={"name": "Warga Desa", "phone": "081234567890"},
            )

        return total / timed_parallel(total, threads, file_one)
    finally:
        app.close()


def event_size(settings: Settings) -> int:
    """Bytes of a stored Filed event's state, to size the baseline's rows alike."""
    app = Bratasena(settings)
    try:
        app.import_registry([registry_row(999_999)], source="d", period="p", actor="b")
        filing = app.file_complaint(
            subject={"registry_id": "DTKS-999999"},
            reasons=["mampu", "owns_car"],
            description="Keluarga ini punya mobil dan toko besar di pasar desa.",
            reporter={"name": "Warga Desa", "phone": "081234567890"},
        )
        stored = app.recorder.select_events(filing.id)
        return len(stored[0].state)
    finally:
        app.close()


def baseline_sqlite(path: Path, total: int, threads: int, size: int) -> float:
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute(
        "CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, originator_id TEXT, "
        "originator_version INTEGER, topic TEXT, state BLOB, "
        "UNIQUE(originator_id, originator_version))"
    )
    setup.close()
    connection = per_thread(lambda: sqlite3.connect(path, timeout=30, isolation_level=None))
    payload = os.urandom(size)

    def insert(i: int) -> None:
        conn = connection()
        conn.execute("BEGIN IMMEDIATE")
        for _ in range(2):
            conn.execute(
                "INSERT INTO raw (originator_id, originator_version, topic, state) "
                "VALUES (?,?,?,?)",
                (uuid.uuid4().hex, 1, "bench:Event", payload),
            )
        conn.execute("COMMIT")

    return total / timed_parallel(total, threads, insert)


def baseline_postgres(schema: str, total: int, threads: int, size: int) -> float:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {schema}.raw {PG_RAW_TABLE}")
    connection = per_thread(lambda: psycopg.connect(POSTGRES_URL))
    payload = os.urandom(size)

    def insert(i: int) -> None:
        conn = connection()
        with conn.transaction():
            conn.execute(f"LOCK TABLE {schema}.raw IN EXCLUSIVE MODE")
            for _ in range(2):
                conn.execute(
                    f"INSERT INTO {schema}.raw (originator_id, originator_version, topic, state) "
                    "VALUES (%s,%s,%s,%s)",
                    (uuid.uuid4(), 1, "bench:Event", payload),
                )

    return total / timed_parallel(total, threads, insert)


def baseline_postgres_one_statement(schema: str, total: int, threads: int, size: int) -> float:
    """The same locked insert of two rows as one statement in autocommit: a function taking the
    lock and inserting both, as the event store's own insert function does (one round trip where
    `baseline_postgres` makes five)."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {schema}.raw1 {PG_RAW_TABLE}")
        conn.execute(
            f"CREATE OR REPLACE FUNCTION {schema}.raw_insert(ids uuid[], states bytea[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $$ BEGIN "
            f"LOCK TABLE {schema}.raw1 IN EXCLUSIVE MODE; "
            f"RETURN QUERY INSERT INTO {schema}.raw1 "
            "(originator_id, originator_version, topic, state) "
            "SELECT i, 1, 'bench:Event', s FROM unnest(ids, states) AS u(i, s) RETURNING id; "
            "END; $$"
        )
    connection = per_thread(lambda: psycopg.connect(POSTGRES_URL, autocommit=True))
    payload = os.urandom(size)

    def insert(i: int) -> None:
        connection().execute(
            f"SELECT * FROM {schema}.raw_insert(%s, %s)",
            ([uuid.uuid4(), uuid.uuid4()], [payload, payload]),
            prepare=True,
        ).fetchall()

    return total / timed_parallel(total, threads, insert)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (median)")
    args = parser.parse_args()
    total = 40 if args.quick else 2000
    repeat = 1 if args.quick else args.repeat
    thread_counts = (1, 4)

    print(f"filings per configuration: {total}; median of {repeat} run(s)")
    print(
        f"{'backend':<10} {'threads':>7} {'filings/s':>10} {'raw tx/s':>10} {'ratio':>7}"
        f" {'1-stmt tx/s':>12} {'ratio':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgres"):
            schema = f"bench_write_{uuid.uuid4().hex[:8]}"
            if backend == "sqlite":
                settings = Settings(environment="test", data_dir=Path(tmp) / "var")
            else:
                settings = Settings(
                    environment="test", database_url=POSTGRES_URL, database_schema=schema
                )
            size = event_size(settings)
            try:
                for threads in thread_counts:
                    app_rates, raw_rates, one_rates = [], [], []
                    for _ in range(repeat):
                        app_rates.append(filing_rate(settings, total, threads))
                        if backend == "sqlite":
                            raw_rates.append(
                                baseline_sqlite(Path(tmp) / "raw.sqlite3", total, threads, size)
                            )
                        else:
                            raw_rates.append(baseline_postgres(schema, total, threads, size))
                            one_rates.append(
                                baseline_postgres_one_statement(schema, total, threads, size)
                            )
                    app_rate, raw_rate = statistics.median(app_rates), statistics.median(raw_rates)
                    one = ""
                    if one_rates:
                        one_rate = statistics.median(one_rates)
                        one = f" {one_rate:>12.0f} {app_rate / one_rate:>7.2f}"
                    print(
                        f"{backend:<10} {threads:>7} {app_rate:>10.0f} {raw_rate:>10.0f} "
                        f"{app_rate / raw_rate:>7.2f}{one}"
                    )
            finally:
                if backend == "postgres":
                    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    print(f"(event state size: {size} bytes; raw rows sized alike, two per transaction)")
    print(
        "(1-stmt: PostgreSQL's locked insert of the two rows in one statement, one round trip, "
        "as the event store writes)"
    )


if __name__ == "__main__":
    main()
