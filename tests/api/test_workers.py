"""Several worker processes as one deployment (`--workers 2`) over real loopback HTTP: /metrics
counts every worker's requests, the login throttle holds across them, and the projection runner
runs in one of them, another taking over when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bratasena.application import Bratasena
from bratasena.leadership import leader
from bratasena.projections import Projections
from bratasena.projections.case_list import CaseQuery
from bratasena.settings import Settings
from tests.api.conftest import PASSWORD, free_port, open_officer_budi
from tests.api.test_operations import samples
from tests.api.test_processes import ROOT, cli_env
from tests.builders import file, register, registry_row
from tests.integration.test_sync_support import wait_until

TAKEOVER_SECONDS = 5.0


@contextmanager
def workers(command: str, env: dict[str, str], log: Path, count: int = 2) -> Iterator[str]:
    """`bratasena COMMAND --workers COUNT` on a free port, once every worker has started."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "bratasena.cli", command, "--port", str(port),
             "--workers", str(count)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(
            lambda: (
                log.read_text().count("Application startup complete") >= count
                or server.poll() is not None
            ),
            120,
        )
        assert server.poll() is None, log.read_text()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0, log.read_text()


def metrics_files(settings: Settings) -> set[str]:
    """The Prometheus client's sample files of this run's workers (one set per process id)."""
    return {path.name for path in (settings.data_dir / "metrics").glob("*/*.db")}


@pytest.mark.slow
def test_two_workers_count_every_request_in_metrics_and_share_the_login_throttle_and_hide_queries(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings()
    open_officer_budi(settings)
    requests = 60
    with workers("api", cli_env(settings), tmp_path / "api.log") as base:
        # New connections from four threads at once: the kernel hands them to both workers.
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(lambda _: httpx.get(f"{base}/healthz", timeout=30), range(requests))
            )
        assert {a.status_code for a in answers} == {200}
        # Wrong passwords until the lock is long (1, 2, 4, then 8 s after the fifth free one),
        # waiting out each shorter lock: then the right password is refused by both workers.
        token = ("POST", "/api/v1/auth/token")
        answered: Counter[str] = Counter()
        while answered["401"] < 9:
            wrong = {"username": "budi", "password": f"guess-{answered.total()}"}
            answer = httpx.post(f"{base}/api/v1/auth/token", data=wrong, timeout=30)
            answered[str(answer.status_code)] += 1
            if answer.status_code == 429:
                time.sleep(int(answer.headers["Retry-After"]))
        assert set(answered) <= {"401", "429"}
        right = {"username": "budi", "password": PASSWORD}
        for _ in range(4):  # locked whichever worker answers
            answer = httpx.post(f"{base}/api/v1/auth/token", data=right, timeout=30)
            assert answer.status_code == 429
            answered["429"] += 1
        # Each worker's access log hides query values, as one process's does.
        nik = registry_row(1)["head_nik"]
        httpx.get(f"{base}/api/v1/households", params={"nik": nik}, timeout=30)
        served = {name.split("_")[-1] for name in metrics_files(settings)}
        assert len(served) == 2, served  # both workers answered some of them
        for _ in range(4):  # whichever worker answers counts every worker's requests
            values = samples(httpx.get(f"{base}/metrics", timeout=30).text)
            assert values["bratasena_http_requests_total", ("GET", "/healthz", "200")] == requests
            for status, count in answered.items():
                assert values["bratasena_http_requests_total", (*token, status)] == count
            assert (
                values["bratasena_http_request_duration_seconds_count", ("/healthz",)] == requests
            )
    assert not metrics_files(settings)  # the run's directory goes with the parent
    log = (tmp_path / "api.log").read_text()
    assert '"GET /api/v1/households?nik=… HTTP/1.1" 401' in log
    assert nik not in log


@pytest.mark.slow
def test_serve_with_two_workers_runs_one_projection_runner_and_another_worker_takes_over(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(poll_interval_seconds=0.05)
    app = Bratasena(settings)
    register(app, registry_row(1), registry_row(2))
    views = Projections(app, settings)
    env = cli_env(settings)
    env["BRATASENA_POLL_INTERVAL_SECONDS"] = "0.05"
    try:
        with workers("serve", env, tmp_path / "serve.log") as base:
            wait_until(lambda: leader(settings, "runner") is not None, 30)
            first = leader(settings, "runner")
            assert first is not None
            assert leader(settings, "sync") is not None
            before = file(app, registry_id="DTKS-000001")  # behind the workers' back
            wait_until(lambda: _reached(views, before.position), 30)
            os.kill(first, signal.SIGKILL)
            killed = time.monotonic()
            meanwhile = file(app, registry_id="DTKS-000002")
            wait_until(
                lambda: leader(settings, "runner") not in (None, first),
                max(0.0, killed + TAKEOVER_SECONDS - time.monotonic()),
            )
            wait_until(lambda: _reached(views, meanwhile.position), 30)
            assert httpx.get(f"{base}/readyz", timeout=30).json()["status"] == "ready"
        page = views.cases.search(CaseQuery(per_page=100))
        assert sorted(row.complaint_id for row in page.items) == sorted([before.id, meanwhile.id])
    finally:
        views.close()
        app.close()


def _reached(views: Projections, position: int) -> bool:
    # Read without catching up: only the leading worker may have applied the events.
    return all(status.position >= position for status in views.status())
