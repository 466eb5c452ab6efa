"""Deactivations synced per second to two stand-in targets, beside raw HTTP round-trips to them.

A burst of deactivations is written with the worker stopped; then the worker starts and drains it
to two stand-in targets (DTJateng and DTSEN, each deactivation is two sends) on loopback, at 0 ms
and 50 ms of target latency, sending one at a time and from a pool of 8 threads. Reported: the
deactivations fully synced per second, and the lag while the burst drains (how long each
deactivation waited from the worker's start until both targets had it: median and last). The
baseline, measured in the same run against a fresh stand-in with the same latency and the same
number of threads: bare HTTP round-trips per second (a POST of a new change, no worker, no
database). Ratio = the worker's sends per second ÷ the baseline's round-trips per second.

A backlog run follows (issue 18): 10,000 deactivations written with the worker stopped, drained
on PostgreSQL to the two stand-ins answering in 50 ms with the default in-flight count
(`BRATASENA_SYNC_IN_FLIGHT`); reported: seconds to drain, beside the raw round-trips at the same
concurrency.

    python bench/sync.py            # 200 deactivations per configuration; a backlog of 10,000
    python bench/sync.py --quick    # 20, the default in-flight count only; a backlog of 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg

from bratasena.application import Bratasena
from bratasena.integration.simulator import StandInTarget
from bratasena.integration.sync import SyncWorker
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def raw_round_trips(latency_ms: float, threads: int, total: int) -> float:
    """POSTs of new changes per second to a fresh stand-in: the floor under any worker."""
    target = StandInTarget(name="raw").start()
    target.faults.latency_ms = latency_ms
    try:
        with httpx.Client(base_url=target.url, limits=httpx.Limits(max_connections=threads)) as c:

            def post(i: int) -> None:
                key = f"{uuid.uuid4()}:2"
                body = {
                    "idempotency_key": key,
                    "change": "deactivation",
                    "registry_id": f"RAW-{i}",
                    "effective_month": "2026-04",
                }
                answer = c.post("/v1/changes", json=body, headers={"Idempotency-Key": key})
                answer.raise_for_status()

            started = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(post, range(total)))
            return total / (time.perf_counter() - started)
    finally:
        target.stop()


def drain(
    settings_for: dict[str, object], latency_ms: float, threads: int, total: int
) -> dict[str, float]:
    """Sync a burst of ``total`` deactivations; rate and lag."""
    targets = {name: StandInTarget(name=name).start() for name in ("dtjateng", "dtsen")}
    for target in targets.values():
        target.faults.latency_ms = latency_ms
    values = dict(settings_for)
    for name, target in targets.items():
        values[f"sync_{name}_url"] = target.url
    values["poll_interval_seconds"] = 0.02
    settings = Settings(**values)  # type: ignore[arg-type]
    app = Bratasena(settings)
    worker = SyncWorker(app, settings, concurrency=threads)
    try:
        deactivate_many(app, Clock(), total, first=app.head() * 10 + 1)
        stop = threading.Event()
        runner = threading.Thread(target=worker.run_forever, args=(stop,))
        started_wall = time.time()
        started = time.perf_counter()
        runner.start()
        while worker.status().done < 2 * total:
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        stop.set()
        runner.join()
        rows = worker.outbox.db.query(
            "SELECT household_id, MAX(done_at) FROM sync_outbox WHERE state = 'done' "
            "GROUP BY household_id"
        )
        waits = sorted(float(done) - started_wall for _, done in rows)
        return {
            "rate": total / elapsed,
            "sends": 2 * total / elapsed,
            "lag_p50": statistics.median(waits),
            "lag_max": waits[-1],
        }
    finally:
        worker.close()
        app.close()
        for target in targets.values():
            target.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--backlog-only", type=int, metavar="N", help="only a backlog of N")
    parser.add_argument("--in-flight", type=int, help="instead of the default in-flight count")
    args = parser.parse_args()
    total = 20 if args.quick else 200
    in_flight = args.in_flight or Settings.model_fields["sync_in_flight"].default
    backends = ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    print(f"deactivations per configuration: {total} (each sent to 2 stand-in targets)")
    print(
        f"{'backend':<10} {'latency':>7} {'threads':>7} {'deact/s':>8} {'sends/s':>8} "
        f"{'raw rt/s':>8} {'ratio':>6} {'lag p50 s':>9} {'lag max s':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if args.backlog_only:
            backlog(Path(tmp), backends[-1], args.backlog_only, in_flight)
            return
        for backend in backends:
            for latency in (0.0, 50.0):
                for threads in (in_flight,) if args.quick else (1, 8, in_flight):
                    schema = f"bench_sync_{uuid.uuid4().hex[:8]}"
                    base: dict[str, object] = {
                        "environment": "test",
                        "data_dir": Path(tmp) / uuid.uuid4().hex,
                    }
                    if backend == "postgres":
                        base.update(database_url=POSTGRES_URL, database_schema=schema)
                    try:
                        result = drain(base, latency, threads, total)
                    finally:
                        if backend == "postgres":
                            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                    raw = raw_round_trips(latency, threads, 2 * total)
                    print(
                        f"{backend:<10} {latency:>5.0f}ms {threads:>7} {result['rate']:>8.1f} "
                        f"{result['sends']:>8.1f} {raw:>8.1f} {result['sends'] / raw:>6.2f} "
                        f"{result['lag_p50']:>9.2f} {result['lag_max']:>9.2f}",
                        flush=True,
                    )
        backlog(Path(tmp), backends[-1], 100 if args.quick else 10_000, in_flight)


def backlog(tmp: Path, backend: str, total: int, in_flight: int) -> None:
    """Drain a backlog of ``total`` deactivations at 50 ms with the default in-flight count."""
    schema = f"bench_sync_{uuid.uuid4().hex[:8]}"
    base: dict[str, object] = {"environment": "test", "data_dir": tmp / uuid.uuid4().hex}
    if backend == "postgres":
        base.update(database_url=POSTGRES_URL, database_schema=schema)
    try:
        result = drain(base, 50.0, in_flight, total)
    finally:
        if backend == "postgres":
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    raw = raw_round_trips(50.0, in_flight, min(2 * total, 4000))
    print(
        f"backlog: {total} deactivations on {backend}, 50 ms targets, {in_flight} in flight: "
        f"drained in {total / result['rate']:.1f} s ({result['sends']:.0f} sends/s; raw "
        f"round-trips {raw:.0f}/s, ratio {result['sends'] / raw:.2f}); lag p50 "
        f"{result['lag_p50']:.1f} s, last {result['lag_max']:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
