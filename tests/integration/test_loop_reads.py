"""The reads made on the event loop on PostgreSQL (`persistence.LoopReads`): bounded, kept open,
replaced when the server drops them, and refused with a clear error when none comes free."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from bratasena.persistence import LoopReads, postgres_conninfo
from bratasena.settings import Settings

MakeSettings = Callable[..., Settings]


@pytest.fixture
def postgres(make_settings: MakeSettings, backend: str) -> MakeSettings:
    if backend != "postgres":
        pytest.skip("reads on the event loop are PostgreSQL's; SQLite reads on the loop directly")
    return make_settings


def backends(settings: Settings) -> list[int]:
    """The server processes of this store's reads on the loop (their schema names them)."""
    with psycopg.connect(postgres_conninfo(settings), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE %s",
            (f"%{settings.database_schema}-loop-read%",),
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def test_reads_past_the_bound_wait_for_a_connection_and_every_one_is_answered(
    postgres: MakeSettings,
) -> None:
    settings = postgres(store_pool_size=2)
    tag = f"{settings.database_schema}-loop-read"

    async def run() -> tuple[list[list[tuple[int, str]]], int]:
        reads = LoopReads(settings)
        await reads.open()
        try:
            answers = await asyncio.gather(
                *(
                    reads.query(f"SELECT %s::int, '{tag}' FROM pg_sleep(0.05)", [n])
                    for n in range(10)
                )
            )
            return list(answers), len(backends(settings))
        finally:
            await reads.close()

    answers, kept = asyncio.run(run())
    assert answers == [[(n, tag)] for n in range(10)]
    assert kept == 2  # the bound, each connection kept open for the next read
    assert backends(settings) == []  # closed with the service


def test_a_connection_the_server_dropped_is_replaced_by_the_next_read(
    postgres: MakeSettings,
) -> None:
    settings = postgres()
    tag = f"{settings.database_schema}-loop-read"

    async def run() -> list[list[tuple[str]]]:
        reads = LoopReads(settings)
        await reads.open()
        try:
            first = await reads.query(f"SELECT '{tag}'")
            [pid] = backends(settings)
            with psycopg.connect(postgres_conninfo(settings), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            await asyncio.sleep(0.2)
            return [first, await reads.query(f"SELECT '{tag}'")]
        finally:
            await reads.close()

    assert asyncio.run(run()) == [[(tag,)], [(tag,)]]


def test_a_read_waiting_longer_than_the_pool_timeout_is_refused_saying_why(
    postgres: MakeSettings,
) -> None:
    settings = postgres(store_pool_size=1, pool_timeout_seconds=1)

    async def run() -> str:
        reads = LoopReads(settings)
        await reads.open()
        try:
            slow = asyncio.create_task(reads.query("SELECT pg_sleep(3)"))
            await asyncio.sleep(0.2)
            with pytest.raises(PoolTimeout) as refused:
                await reads.query("SELECT 1")
            await slow
            return str(refused.value)
        finally:
            await reads.close()

    assert "within 1 s" in asyncio.run(run())


def test_connections_a_burst_opened_are_closed_once_long_unused_but_one(
    postgres: MakeSettings,
) -> None:
    settings = postgres(store_pool_size=3)
    tag = f"{settings.database_schema}-loop-read"

    async def run() -> tuple[int, int]:
        reads = LoopReads(settings)
        reads.IDLE_SECONDS = 0.2
        await reads.open()
        try:
            burst = (reads.query(f"SELECT '{tag}' FROM pg_sleep(0.05)") for _ in range(3))
            await asyncio.gather(*burst)
            after_burst = len(backends(settings))
            await asyncio.sleep(0.5)
            await reads.query(f"SELECT '{tag}'")
            return after_burst, len(backends(settings))
        finally:
            await reads.close()

    assert asyncio.run(run()) == (3, 1)


def test_a_closed_set_of_reads_refuses_reads(postgres: MakeSettings) -> None:
    async def run() -> None:
        reads = LoopReads(postgres())
        with pytest.raises(RuntimeError):  # never opened
            await reads.query("SELECT 1")
        await reads.open()
        assert await reads.query("SELECT 1") == [(1,)]
        await reads.close()
        with pytest.raises(RuntimeError):
            await reads.query("SELECT 1")

    asyncio.run(run())
