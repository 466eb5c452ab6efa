"""`bratasena sync` (run, status, retry ID) and `simulate-target` as an operator runs them."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from bratasena.application import Bratasena
from bratasena.integration.sync import SyncWorker
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many, kk, nik
from tests.integration.test_sync_support import (
    assert_exactly_once,
    start_targets,
    target_settings,
    wait_until,
    worker_env,
)

ROOT = Path(__file__).parents[2]


def bratasena(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bratasena.cli", *args],
        capture_output=True,
        text=True,
        env=worker_env(settings),
        cwd=ROOT,
        timeout=120,
    )


def test_an_operator_sees_a_parked_item_and_retries_it_from_the_command_line(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    targets = start_targets()
    settings = make_settings(**target_settings(targets))
    app = Bratasena(settings, clock=clock)
    try:
        hids = deactivate_many(app, clock, 3)
        targets["dtsen"].faults.refuse = ["DTKS-000002"]
        synced = bratasena(settings, "sync", "--once")
        assert synced.returncode == 0, synced.stderr
        assert "Finished 6 items." in synced.stdout

        status = bratasena(settings, "sync", "status")
        assert status.returncode == 0, status.stderr
        assert "targets: dtjateng, dtsen" in status.stdout
        assert "0 pending, 0 retrying, 1 parked; 5 done" in status.stdout
        parked = [line for line in status.stdout.splitlines() if line.startswith("dtsen-")]
        assert len(parked) == 1
        assert "DTKS-000002" in parked[0]
        assert "household_refused" in parked[0]
        assert nik(2) not in status.stdout  # no NIK or KK on the console
        assert kk(2) not in status.stdout

        targets["dtsen"].faults.refuse = []
        item_id = parked[0].split()[0]
        retried = bratasena(settings, "sync", "retry", item_id)
        assert retried.returncode == 0, retried.stderr
        assert f"Re-queued {item_id}" in retried.stdout

        final = bratasena(settings, "sync", "--once")
        assert final.returncode == 0, final.stderr
        assert "0 parked; 6 done" in final.stdout
        assert_exactly_once(app, targets, hids)
        worker = SyncWorker(app, settings)
        assert worker.parked() == []
        worker.close()
    finally:
        app.close()
        for target in targets.values():
            target.stop()


def test_the_stand_in_target_runs_from_the_command_line_and_says_it_is_a_stand_in(
    settings: Settings,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state = settings.data_dir / "target.json"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "bratasena.cli",
        "simulate-target",
        "--port",
        str(port),
        "--name",
        "dtsen",
        "--state",
        str(state),
    ]
    body = {
        "idempotency_key": "k:2",
        "change": "deactivation",
        "registry_id": "DTKS-000001",
        "effective_month": "2026-04",
    }
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/_health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    for run in range(2):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            wait_until(up, 30)
            answer = httpx.post(f"{url}/v1/changes", json=body, timeout=5)
            assert answer.status_code == 200
            assert answer.json()["reference"] == "DTSEN-000001"
            assert answer.json()["stand_in"] is True
            assert "stand-in" in answer.headers["X-Stand-In"]
            [change] = httpx.get(f"{url}/_received", timeout=5).json()["changes"]
            assert change["times_sent"] == run + 1
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        assert process.returncode == 0
        assert "STAND-IN" in output
