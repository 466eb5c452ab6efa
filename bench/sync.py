"""Deactivations synced per second to two stand-in targets, beside raw HTTP round-trips to them.

A burst of deactivations is written with the worker stopped; then the worker starts and drains it
to two stand-in targets (DTJateng and DTSEN, each deactivation is two sends) on loopback, at 0 ms
and 50 ms of target latency, sending one at a time, 8 at a time and with the default in-flight
count. Reported: the deactivations fully synced per second, and the lag while the burst drains
(how long each deactivation waited from the worker's start until both targets had it: median and
last). The baseline, measured in the same run against a fresh stand-in with the same latency and
the same number of threads: bare HTTP round-trips per second (a POST of a new change, no worker,
no database). Ratio = the worker's sends per second ÷ the baseline's round-trips per second.

Then, on PostgreSQL when a server answers (issue 18), with the default settings:

* backlog: 10,000 deactivations written with the worker stopped, drained to the two stand-ins
  answering in 50 ms; reported: seconds to drain, sends per second, and the raw round-trips at the
  same concurrency;
* steady: the worker running while deactivations arrive at 10 a second for 60 s, each committed
  by its own transaction as an uphold would; reported: the lag of each, from the commit of its
  ``Deactivated`` event until the acknowledgements of both targets are recorded (p50, p99, max).

    python bench/sync.py            # 200 deactivations per configuration; backlog 10,000; 60 s
    python bench/sync.py --quick    # 20, the default in-flight count only; backlog 100; 3 s
    python bench/sync.py --backlog-only 10000 [--in-flight N] [--backend sqlite]
    python bench/sync.py --steady-only 60 [--rate 10]
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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg

from bratasena.application import Bratasena
from bratasena.integration.simulator import StandInTarget
from bratasena.integration.sync import SyncWorker
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many, register, registry_row

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
CHECK_EVERY = 0.1
"""Seconds between two looks at how many items are done: a count of one state, cheap enough
not to slow what it measures (the worker's full status, every 10 ms, took a fifth of the
interpreter's time in a profile of the drain)."""


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


@contextmanager
def store(tmp: Path, backend: str) -> Iterator[dict[str, object]]:
    """Settings values for a fresh store on ``backend`` (its PostgreSQL schema dropped after)."""
    schema = f"bench_sync_{uuid.uuid4().hex[:8]}"
    values: dict[str, object] = {"environment": "test", "data_dir": tmp / uuid.uuid4().hex}
    if backend == "postgres":
        values.update(database_url=POSTGRES_URL, database_schema=schema)
    try:
        yield values
    finally:
        if backend == "postgres":
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@contextmanager
def syncing(
    values: dict[str, object], latency_ms: float, threads: int
) -> Iterator[tuple[Bratasena, SyncWorker]]:
    """An application and a worker (not started) to two stand-ins answering in ``latency_ms``."""
    targets = {name: StandInTarget(name=name).start() for name in ("dtjateng", "dtsen")}
    for target in targets.values():
        target.faults.latency_ms = latency_ms
    values = dict(values)
    for name, target in targets.items():
        values[f"sync_{name}_url"] = target.url
    settings = Settings(**values)  # type: ignore[arg-type]
    app = Bratasena(settings)
    worker = SyncWorker(app, settings, concurrency=threads)
    try:
        yield app, worker
    finally:
        worker.close()
        app.close()
        for target in targets.values():
            target.stop()


@contextmanager
def running(worker: SyncWorker) -> Iterator[None]:
    """The worker's ``run_forever`` in a thread, as `bratasena serve` runs it."""
    stop = threading.Event()
    runner = threading.Thread(target=worker.run_forever, args=(stop,))
    runner.start()
    try:
        yield
    finally:
        stop.set()
        runner.join()


def done_count(worker: SyncWorker) -> int:
    [(count,)] = worker.outbox.db.query("SELECT COUNT(*) FROM sync_outbox WHERE state = 'done'")
    return int(count)


def wait_done(worker: SyncWorker, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while done_count(worker) < expected:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done_count(worker)} of {expected} sends done in {timeout} s")
        time.sleep(CHECK_EVERY)


def acknowledged_at(worker: SyncWorker) -> dict[str, float]:
    """Per household: when its last item was marked done (both targets' answers recorded)."""
    rows = worker.outbox.db.query(
        "SELECT household_id, MAX(done_at) FROM sync_outbox WHERE state = 'done' "
        "GROUP BY household_id"
    )
    return {str(household): float(done) for household, done in rows}


def drain(
    values: dict[str, object], latency_ms: float, threads: int, total: int
) -> dict[str, float]:
    """Sync a burst of ``total`` deactivations written with the worker stopped; rate and lag."""
    with syncing(values, latency_ms, threads) as (app, worker):
        deactivate_many(app, Clock(), total, first=app.head() * 10 + 1)
        started_wall = time.time()
        started = time.perf_counter()
        with running(worker):
            wait_done(worker, 2 * total, timeout=max(600.0, total / 5))
            elapsed = time.perf_counter() - started
        waits = sorted(done - started_wall for done in acknowledged_at(worker).values())
        return {
            "rate": total / elapsed,
            "sends": 2 * total / elapsed,
            "lag_p50": statistics.median(waits),
            "lag_max": waits[-1],
        }


def steady(
    values: dict[str, object], threads: int, rate: float, seconds: float
) -> dict[str, float]:
    """Deactivations arriving at ``rate`` a second while the worker runs; their lag."""
    count = max(1, round(rate * seconds))
    with syncing(values, 50.0, threads) as (app, worker):
        clock = Clock()
        hids: list[uuid.UUID] = []
        for start in range(1, count + 1, 500):
            hids += register(
                app, *(registry_row(n) for n in range(start, min(start + 500, count + 1)))
            )
        committed: dict[str, float] = {}
        with running(worker):
            time.sleep(1.0)  # the worker has read the registrations and waits
            started = time.perf_counter()
            for n, hid in enumerate(hids):
                pause = started + n / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                household = app.get_household(hid)
                household.deactivate(
                    complaint_id=uuid.uuid4(), reason_codes=["mampu"], actor="kabid", at=clock()
                )
                app.save(household)
                committed[str(hid)] = time.time()
            arrived = count / (time.perf_counter() - started)
            wait_done(worker, 2 * count, timeout=120.0)
        done = acknowledged_at(worker)
        lags = sorted(done[hid] - at for hid, at in committed.items())
        return {
            "arrived": arrived,
            "p50": statistics.median(lags),
            "p99": lags[min(len(lags) - 1, round(0.99 * (len(lags) - 1)))],
            "max": lags[-1],
        }


def table(tmp: Path, backends: list[str], total: int, threads_list: tuple[int, ...]) -> None:
    """Bursts of ``total`` at 0 and 50 ms, per backend and thread count, beside raw round-trips."""
    print(f"deactivations per configuration: {total} (each sent to 2 stand-in targets)")
    print(
        f"{'backend':<10} {'latency':>7} {'threads':>7} {'deact/s':>8} {'sends/s':>8} "
        f"{'raw rt/s':>8} {'ratio':>6} {'lag p50 s':>9} {'lag max s':>9}"
    )
    for backend in backends:
        for latency in (0.0, 50.0):
            for threads in threads_list:
                with store(tmp, backend) as values:
                    result = drain(values, latency, threads, total)
                raw = raw_round_trips(latency, threads, 2 * total)
                print(
                    f"{backend:<10} {latency:>5.0f}ms {threads:>7} {result['rate']:>8.1f} "
                    f"{result['sends']:>8.1f} {raw:>8.1f} {result['sends'] / raw:>6.2f} "
                    f"{result['lag_p50']:>9.2f} {result['lag_max']:>9.2f}",
                    flush=True,
                )


def backlog(tmp: Path, backend: str, total: int, in_flight: int) -> None:
    """Drain a backlog of ``total`` deactivations at 50 ms, beside raw round-trips."""
    with store(tmp, backend) as values:
        result = drain(values, 50.0, in_flight, total)
    raw = raw_round_trips(50.0, in_flight, min(2 * total, 4000))
    print(
        f"backlog: {total} deactivations on {backend}, 50 ms targets, {in_flight} in flight: "
        f"drained in {total / result['rate']:.1f} s ({result['sends']:.0f} sends/s; raw "
        f"round-trips {raw:.0f}/s, ratio {result['sends'] / raw:.2f}); lag p50 "
        f"{result['lag_p50']:.1f} s, last {result['lag_max']:.1f} s",
        flush=True,
    )


def steady_lag(tmp: Path, backend: str, rate: float, seconds: float, in_flight: int) -> None:
    """Lag while deactivations arrive steadily at 50 ms targets."""
    with store(tmp, backend) as values:
        result = steady(values, in_flight, rate, seconds)
    print(
        f"steady: {rate:g} deactivations/s for {seconds:g} s on {backend} (arrived at "
        f"{result['arrived']:.1f}/s), 50 ms targets, {in_flight} in flight: lag from commit to "
        f"both acknowledgements recorded p50 {result['p50']:.3f} s, p99 {result['p99']:.3f} s, "
        f"max {result['max']:.3f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--backlog-only", type=int, metavar="N", help="only a backlog of N")
    parser.add_argument("--steady-only", type=float, metavar="S", help="only S s of arrivals")
    parser.add_argument("--rate", type=float, default=10.0, help="arrivals a second (steady)")
    parser.add_argument("--in-flight", type=int, help="instead of the default in-flight count")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), help="backlog and steady")
    args = parser.parse_args()
    in_flight = args.in_flight or Settings.model_fields["sync_in_flight"].default
    backends = ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    backend = args.backend or backends[-1]
    with tempfile.TemporaryDirectory() as tmp:
        if args.backlog_only or args.steady_only:
            if args.backlog_only:
                backlog(Path(tmp), backend, args.backlog_only, in_flight)
            if args.steady_only:
                steady_lag(Path(tmp), backend, args.rate, args.steady_only, in_flight)
            return
        if args.quick:
            table(Path(tmp), backends, 20, (in_flight,))
        else:
            table(Path(tmp), backends, 200, (1, 8, in_flight))
        backlog(Path(tmp), backend, 100 if args.quick else 10_000, in_flight)
        steady_lag(Path(tmp), backend, args.rate, 3.0 if args.quick else 60.0, in_flight)


if __name__ == "__main__":
    main()
