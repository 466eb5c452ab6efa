"""HTTP requests/s and p50/p99 latency over loopback with 16 clients, beside the in-process rate.

A real `bratasena serve` (uvicorn, projection runner thread) runs in a subprocess on a free port;
16 threads, each with its own keep-alive httpx client, send (a) public complaint filings (each
answer waits until the projections show the filing: read-your-writes) and (b) supervisor case-list
pages (`GET /api/v1/cases`, 25 per page). Baselines measured in the same run on the same store,
16 threads in this process: `Bratasena.file_complaint` called directly (no HTTP, no projection
wait) and `CaseList.search` called directly.

    python bench/http_api.py            # 2,000 requests per workload, PostgreSQL and SQLite
    python bench/http_api.py --quick    # 48 requests per workload, for CI
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# This file is named after the protocol, so its folder must not shadow the standard `http` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg

from bratasena.access import issue_token
from bratasena.application import Bratasena
from bratasena.projections import CaseQuery, Projections
from bratasena.settings import Settings
from tests.builders import registry_row

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
CLIENTS = 16


def run_parallel(total: int, work: Callable[[int], None]) -> tuple[float, list[float]]:
    """Requests per second and each request's latency (s) of ``work(i)`` over CLIENTS threads."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[BaseException] = []

    def client(slot: int) -> None:
        try:
            for i in range(slot, total, CLIENTS):
                started = time.perf_counter()
                work(i)
                latencies[slot].append(time.perf_counter() - started)
        except BaseException as error:  # surfaced after join
            errors.append(error)

    threads = [threading.Thread(target=client, args=(s,)) for s in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return total / elapsed, [x for slot in latencies for x in slot]


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


@contextmanager
def fresh_store(backend: str) -> Iterator[Settings]:
    """Settings of an empty store on the backend, removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        values: dict[str, object] = {
            "environment": "test",
            "data_dir": Path(tmp) / "var",
            "public_rate_limit_per_minute": 10**9,
        }
        schema = f"bench_http_{uuid.uuid4().hex[:8]}"
        if backend == "postgres":
            values.update(database_url=POSTGRES_URL, database_schema=schema)
        try:
            yield Settings(**values)  # type: ignore[arg-type]
        finally:
            if backend == "postgres":
                with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(settings: Settings) -> Iterator[str]:
    """`bratasena serve` in a subprocess on a free loopback port; yields its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRATASENA_")}
    env.update(
        BRATASENA_ENVIRONMENT="test",
        BRATASENA_DATA_DIR=str(settings.data_dir),
        BRATASENA_PUBLIC_RATE_LIMIT_PER_MINUTE=str(settings.public_rate_limit_per_minute),
    )
    if settings.database_url:
        env.update(
            BRATASENA_DATABASE_URL=settings.database_url,
            BRATASENA_DATABASE_SCHEMA=settings.database_schema,
        )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bratasena.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("bratasena serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def complaint(registry_id: str) -> dict[str, object]:
    return {
        "subject": {"registry_id": registry_id},
        "reasons": ["mampu", "owns_car"],
        "description": "Keluarga ini punya mobil dan toko besar di pasar desa.",
        "reporter": {"name": "Warga Desa", "phone": "081234567890"},
    }


def bench_backend(backend: str, total: int) -> list[tuple[str, str, float, float, float]]:
    """Rows of (workload, how, requests/s, p50 ms, p99 ms) for one backend."""
    rows: list[tuple[str, str, float, float, float]] = []
    with fresh_store(backend) as settings:
        app = Bratasena(settings)
        projections = Projections(app, settings)
        try:
            households = [registry_row(n) for n in range(1, 2 * total + 1)]
            for start in range(0, len(households), 500):
                app.import_registry(
                    households[start : start + 500], source="dtks", period="2026-01", actor="b"
                )
            app.open_account(
                username="kabid", role="supervisor", districts=[], password_hash="-", actor="b"
            )

            def file_direct(i: int) -> None:
                app.file_complaint(**complaint(households[i]["registry_id"]))  # type: ignore[arg-type]

            rate, lat = run_parallel(total, file_direct)
            rows.append(("file a complaint", "in-process", rate, *percentiles(lat)))
            projections.run_once()

            def search_direct(i: int) -> None:
                projections.cases.search(CaseQuery(page=1 + i % 10, per_page=25))

            rate, lat = run_parallel(total, search_direct)
            rows.append(("case list page", "in-process", rate, *percentiles(lat)))
        finally:
            projections.close()
            app.close()

        token = issue_token(settings, "kabid")
        with server(settings) as base:
            local = threading.local()

            def client() -> httpx.Client:
                found: httpx.Client | None = getattr(local, "client", None)
                if found is None:
                    found = local.client = httpx.Client(base_url=base, timeout=60)
                return found

            def file_http(i: int) -> None:
                body = complaint(households[total + i]["registry_id"])
                response = client().post("/api/v1/complaints", json=body)
                assert response.status_code == 201, response.text

            rate, lat = run_parallel(total, file_http)
            rows.append(("file a complaint", "HTTP", rate, *percentiles(lat)))

            headers = {"Authorization": f"Bearer {token}"}

            def list_http(i: int) -> None:
                response = client().get(
                    "/api/v1/cases", params={"page": 1 + i % 10, "per_page": 25}, headers=headers
                )
                assert response.status_code == 200, response.text

            rate, lat = run_parallel(total, list_http)
            rows.append(("case list page", "HTTP", rate, *percentiles(lat)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for CI")
    args = parser.parse_args()
    total = 48 if args.quick else 2000
    print(f"{total} requests per workload, {CLIENTS} concurrent clients")
    print(
        f"{'backend':<10} {'workload':<17} {'how':<11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'HTTP/in-process':>16}"
    )
    for backend in ("postgres", "sqlite"):
        rows = bench_backend(backend, total)
        direct = {workload: rate for workload, how, rate, *_ in rows if how == "in-process"}
        for workload, how, rate, p50, p99 in rows:
            ratio = f"{rate / direct[workload]:.2f}" if how == "HTTP" else ""
            print(
                f"{backend:<10} {workload:<17} {how:<11} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f}"
                f" {ratio:>16}"
            )


if __name__ == "__main__":
    main()
