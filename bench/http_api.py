"""HTTP requests/s and p50/p99 latency over loopback, driven by wrk, beside same-run baselines.

A real `bratasena serve` (uvicorn, projection runner thread) runs in a subprocess on a free port;
`wrk` (a native load generator, so the clients cost little of the two cores) holds 16 keep-alive
connections for a fixed time against (a) a supervisor's case-list page (`GET /api/v1/cases`, 25 per
page), (b) the public tracking page, and (c) public complaint filings (each answer waits until the
projections show the filing: read-your-writes). `bench/support/wrk.lua` writes the requests
(tokens, POST bodies). Baselines measured in the same run:

- a bare FastAPI route (`bench/support/bare_app.py`, sync, one uvicorn worker, no middleware)
  answering the very case-list page the service answered, for (a) and (b);
- 16 threads in this process calling `Bratasena.file_complaint` directly (no HTTP, no projection
  wait) for (c), and `CaseList.search` directly for reference.

The case list and filing are then served again by `bratasena serve --workers 2` over the same
store, beside the one worker's rates of the same run. Two workers can only show their gain where
the cores are free: so for the case list and for filing (and the bare route, and filing
in-process) the CPU time per request of the server's processes, of PostgreSQL's and of wrk is
printed too, with how busy the machine's cores were (every process on it, from /proc/stat), the
voluntary thread switches per request (a thread giving up its core to wait: for the interpreter
lock, another lock, the network), and the rate the cores could answer at most were they busy
with that alone (the cores over the CPU time one request costs everywhere).

    python bench/http_api.py            # 10 s per workload, PostgreSQL and SQLite
    python bench/http_api.py --quick    # 2 s per workload, for CI
    python bench/http_api.py --profile  # also py-spy --gil on the server under the case list

`.ci/run` installs wrk (Debian's package) when it is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
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
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

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


def service_command(
    settings: Settings, port: int, workers: int = 1
) -> tuple[list[str], dict[str, str]]:
    """`bratasena serve` on ``port`` over the store of ``settings``: its command and environment."""
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
    command = [sys.executable, "-m", "bratasena.cli", "serve", "--port", str(port)]
    return [*command, "--workers", str(workers)], env


def bare_command(payload: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """The bare FastAPI baseline on ``port`` answering ``payload``: its command and environment."""
    env = dict(os.environ, BENCH_PAYLOAD=str(payload))
    app = "bench.support.bare_app:app"
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "info"]
    return command, env


@contextmanager
def server(
    make: Callable[[int], tuple[list[str], dict[str, str]]], ready: str = "/healthz"
) -> Iterator[tuple[str, int]]:
    """A server process on a free loopback port; yields its base URL and process id."""
    port = free_port()
    command, env = make(port)
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: two workers each import the whole service, on cores other work shares.
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}{ready}", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{command[2]} did not start") from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


WRK_SCRIPT = ROOT / "bench" / "support" / "wrk.lua"


def wrk(base: str, seconds: int, **lua: str) -> tuple[float, float, float]:
    """requests/s, p50 ms and p99 ms of wrk (2 threads, CLIENTS connections) against ``base``.

    ``lua`` sets the script's BENCH_* variables (mode, token, codes...); any error or non-2xx
    answer fails the benchmark rather than flattering it.
    """
    env = dict(os.environ, **{f"BENCH_{k.upper()}": v for k, v in lua.items()})
    command = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s"]
    out = subprocess.run(
        [*command, "-s", str(WRK_SCRIPT), base], env=env, capture_output=True, text=True, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, duration_us, p50, p99, errors = map(int, line.split()[1:])
    if errors:
        raise RuntimeError(f"wrk saw {errors} errors or non-2xx answers:\n{out}")
    return requests / (duration_us / 1e6), p50 / 1000, p99 / 1000


@dataclass(frozen=True)
class Cpu:
    """Where the cores went during one workload, per request answered."""

    server_ms: float
    """CPU time of the server's processes (the parent and its workers; in-process: this
    process)."""
    database_ms: float
    """CPU time of the PostgreSQL server's processes (0 on SQLite, which runs inside the server's
    own processes and is counted there)."""
    client_ms: float
    """CPU time of the load generator (wrk; nothing in-process)."""
    machine_busy: float
    """Share of the machine's cores busy, every process counted (other work on it too)."""
    switches: float
    """Voluntary thread switches in the server's processes: a thread giving up its core to wait
    (for the interpreter lock, another lock, the network)."""

    @property
    def ceiling(self) -> float:
        """Requests a second the machine's cores could answer at most, were all of them busy with
        this alone: the cores over what one request costs everywhere (server, database, client)."""
        return (os.cpu_count() or 1) * 1000 / (self.server_ms + self.database_ms + self.client_ms)


def cpu_seconds(stat: str) -> float:
    """User + system CPU seconds so far of the process whose /proc/PID/stat this is."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_usage(pid: int) -> tuple[float, int]:
    """User + system CPU seconds and voluntary thread switches of ``pid`` and its descendants so
    far, every thread counted (from /proc)."""
    seconds, switches = 0.0, 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            threads = os.listdir(f"/proc/{current}/task")
        except FileNotFoundError:
            continue
        seconds += cpu_seconds(stat)
        for thread in threads:
            with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
                status = Path(f"/proc/{current}/task/{thread}/status").read_text()
                switches += int(status.split("voluntary_ctxt_switches:")[1].split()[0])
        pending += [int(child) for child in children]
    return seconds, switches


def postgres_seconds() -> float:
    """User + system CPU seconds of every PostgreSQL server process on the machine so far: the
    database's share of a workload (nothing else here runs PostgreSQL while a benchmark does)."""
    seconds = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if stat.split("(", 1)[1].rsplit(")", 1)[0] == "postgres":
            seconds += cpu_seconds(stat)
    return seconds


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) clock ticks of every core since boot (/proc/stat)."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class Usage(NamedTuple):
    """Counters so far (seconds of CPU, thread switches, clock ticks), read before and after."""

    server: float
    switches: int
    database: float
    clients: float
    busy: int
    ticks: int


def usage(pid: int) -> Usage:
    """The counters of the server ``pid``, the database, this process's children (wrk) and the
    machine's cores, now."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server, switches = process_usage(pid)
    busy, ticks = machine_jiffies()
    clients = children.ru_utime + children.ru_stime
    return Usage(server, switches, postgres_seconds(), clients, busy, ticks)


class Meter:
    """The CPU time the server ``pid`` (its threads and worker processes), the database, this
    process's children (wrk) and the whole machine spend inside a ``with`` block."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before: Usage | None = None
        self.after: Usage | None = None

    def __enter__(self) -> Meter:
        self.before = usage(self.pid)
        return self

    def __exit__(self, *_: object) -> None:
        self.after = usage(self.pid)

    def per_request(self, requests: float) -> Cpu:
        """What the block spent, per request of the ``requests`` it answered."""
        if self.before is None or self.after is None:
            raise RuntimeError("measure inside the meter's `with` block first")
        was, now = self.before, self.after
        return Cpu(
            server_ms=(now.server - was.server) * 1000 / requests,
            database_ms=(now.database - was.database) * 1000 / requests,
            client_ms=(now.clients - was.clients) * 1000 / requests,
            machine_busy=(now.busy - was.busy) / (now.ticks - was.ticks),
            switches=(now.switches - was.switches) / requests,
        )


def wrk_with_cpu(
    base: str, seconds: int, pid: int, **lua: str
) -> tuple[tuple[float, float, float], Cpu]:
    """`wrk` with the CPU time the server, the database, wrk and the machine spent meanwhile."""
    with Meter(pid) as meter:
        rate, p50, p99 = wrk(base, seconds, **lua)
    return (rate, p50, p99), meter.per_request(rate * seconds)


def profile(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the thread holding the GIL in ``pid`` (a flame graph at ``out``)."""
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--gil",
            "-p",
            str(pid),
            "-d",
            str(seconds),
            "-o",
            str(out),
            "-f",
            "raw",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def complaint(registry_id: str) -> dict[str, object]:
    return {
        "subject": {"registry_id": registry_id},
        "reasons": ["mampu", "owns_car"],
        "description": "Keluarga ini punya mobil dan toko besar di pasar desa.",
        "reporter": {"name": "Warga Desa", "phone": "081234567890"},
    }


Row = tuple[str, str, float, float, float]
"""(workload, how, requests/s, p50 ms, p99 ms)."""


def bench_backend(
    backend: str, seconds: int, pool: int, flame: Path | None
) -> tuple[list[Row], dict[str, Cpu]]:
    """The rows of one backend: each workload over HTTP and its same-run baseline; where the
    cores went for the case list and for filing, by who answered."""
    rows: list[Row] = []
    cpu: dict[str, Cpu] = {}
    with fresh_store(backend) as settings:
        app = Bratasena(settings)
        projections = Projections(app, settings)
        try:
            # Each filing run names households of its own (in-process, one worker, two).
            households = [registry_row(n) for n in range(1, 3 * pool + 1)]
            for start in range(0, len(households), 500):
                app.import_registry(
                    households[start : start + 500], source="dtks", period="2026-01", actor="b"
                )
            app.open_account(
                username="kabid", role="supervisor", districts=[], password_hash="-", actor="b"
            )
            codes: list[str] = []

            def file_direct(i: int) -> None:
                filing = app.file_complaint(**complaint(households[i]["registry_id"]))  # type: ignore[arg-type]
                codes.append(filing.tracking_code)

            with Meter(os.getpid()) as meter:
                rate, lat = run_parallel(pool, file_direct)
            cpu["filing, in-process"] = meter.per_request(pool)
            rows.append(("file a complaint", "in-process", rate, *percentiles(lat)))
            projections.run_once()

            def search_direct(i: int) -> None:
                projections.cases.search(CaseQuery(page=1 + i % 10, per_page=25))

            rate, lat = run_parallel(pool, search_direct)
            rows.append(("case list page", "in-process", rate, *percentiles(lat)))
        finally:
            projections.close()
            app.close()

        token = issue_token(settings, "kabid")
        payload = Path(settings.data_dir) / "page.json"
        with server(lambda port: service_command(settings, port)) as (base, pid):
            page = httpx.get(
                f"{base}/api/v1/cases",
                params={"per_page": 25},
                headers={"Authorization": f"Bearer {token}"},
            )
            page.raise_for_status()
            payload.write_bytes(page.content)
            with server(lambda port: bare_command(payload, port), ready="/page") as (
                bare,
                bare_pid,
            ):
                answered, cpu["case list, the bare route"] = wrk_with_cpu(
                    bare, seconds, bare_pid, path="/page"
                )
                rows.append(("case list page", "bare FastAPI", *answered))
            spy = profile(pid, seconds, flame) if flame else None
            listed, cpu["case list, 1 worker"] = wrk_with_cpu(
                base, seconds, pid, mode="list", token=token
            )
            rows.append(("case list page", "HTTP", *listed))
            if spy:
                spy.wait(timeout=60)
            track = wrk(base, seconds, mode="track", codes=",".join(codes[:200]))
            rows.append(("tracking page", "HTTP", *track))
            filing, cpu["filing, 1 worker"] = wrk_with_cpu(
                base, seconds, pid, mode="file", first=str(pool + 1), pool=str(pool)
            )
            rows.append(("file a complaint", "HTTP", *filing))
        with server(lambda port: service_command(settings, port, workers=2)) as (base, pid):
            warm_up(base, token, settings, workers=2)
            listed, cpu["case list, 2 workers"] = wrk_with_cpu(
                base, seconds, pid, mode="list", token=token
            )
            rows.append(("case list page", "HTTP, 2 workers", *listed))
            filing, cpu["filing, 2 workers"] = wrk_with_cpu(
                base, seconds, pid, mode="file", first=str(2 * pool + 1), pool=str(pool)
            )
            rows.append(("file a complaint", "HTTP, 2 workers", *filing))
    return rows, cpu


def warm_up(base: str, token: str, settings: Settings, workers: int) -> None:
    """Wait until every worker has answered the case list (each builds its parts on first use):
    the first answers come from whichever worker started first. A worker's first answer shows
    as its Prometheus sample file."""
    deadline = time.monotonic() + 180
    files = Path(settings.data_dir) / "metrics"
    while len({p.name for p in files.glob("*/counter_*.db")}) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every one of {workers} workers answered")
        # A new connection each time: the kernel gives it to whichever worker accepts first.
        httpx.get(
            f"{base}/api/v1/cases",
            params={"per_page": 25},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).raise_for_status()


BASELINE = {
    "case list page": ("case list page", "bare FastAPI"),
    "case list page, 2 workers": ("case list page", "HTTP"),
    "tracking page": ("case list page", "bare FastAPI"),
    "file a complaint": ("file a complaint", "in-process"),
    "file a complaint, 2 workers": ("file a complaint", "in-process"),
}
"""What each workload's HTTP rate is divided by (the case list's bare page serves both GETs; two
workers' case list is divided by one worker's, their filing by in-process filing as one's is)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for CI")
    parser.add_argument(
        "--profile", type=Path, help="folder for py-spy flame graphs of the case list, per backend"
    )
    parser.add_argument(
        "--backend", choices=("postgres", "sqlite"), action="append", help="only these (repeat)"
    )
    args = parser.parse_args()
    seconds, pool = (2, 100) if args.quick else (10, 2000)
    print(f"wrk: {seconds} s per workload, {CLIENTS} connections; {pool} in-process calls")
    print(
        f"{'backend':<10} {'workload':<17} {'how':<15} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'ratio':>6}"
    )
    for backend in args.backend or ("postgres", "sqlite"):
        flame = args.profile / f"case-list-{backend}.txt" if args.profile else None
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        rows, cpu = bench_backend(backend, seconds, pool, flame)
        rates = {(workload, how): rate for workload, how, rate, *_ in rows}
        for workload, how, rate, p50, p99 in rows:
            baseline = BASELINE.get(f"{workload}, 2 workers" if "2 workers" in how else workload)
            ratio = f"{rate / rates[baseline]:.2f}" if how.startswith("HTTP") and baseline else ""
            print(
                f"{backend:<10} {workload:<17} {how:<15} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f}"
                f" {ratio:>6}"
            )
        for what, spent in cpu.items():
            print(
                f"{backend:<10} {what}: CPU per request {spent.server_ms:.2f} ms server, "
                f"{spent.database_ms:.2f} ms database, {spent.client_ms:.2f} ms client; "
                f"{spent.switches:.1f} thread switches; cores busy {spent.machine_busy:.0%}; "
                f"at most {spent.ceiling:,.0f}/s on {os.cpu_count()} cores"
            )


if __name__ == "__main__":
    main()
