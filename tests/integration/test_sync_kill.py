"""The sync worker process killed with SIGKILL at random moments: nothing lost, nothing doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bratasena.application import Bratasena
from bratasena.integration.sync import SyncWorker
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many
from tests.integration.test_sync_support import (
    assert_exactly_once,
    received,
    settled,
    start_targets,
    target_settings,
    wait_until,
    worker_env,
)

KILLS = 4
DEACTIVATIONS = 200


@pytest.mark.slow  # each restart is a fresh Python process (about a second to start)
def test_a_worker_killed_at_random_moments_syncs_every_deactivation_exactly_once(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    targets = start_targets(latency_ms=10)
    settings = make_settings(**target_settings(targets))
    app = Bratasena(settings, clock=clock)
    sync = SyncWorker(app, settings)
    env = worker_env(settings)
    rng = random.Random()
    command = [sys.executable, "-m", "bratasena.cli", "sync", "--concurrency", "2"]
    root = Path(__file__).parents[2]

    def applied() -> int:
        return sum(len(received(t)) for t in targets.values())

    try:
        hids = deactivate_many(app, clock, DEACTIVATIONS)
        kills = 0
        for _ in range(KILLS):
            before = applied()
            if before >= 2 * DEACTIVATIONS:
                break
            process = subprocess.Popen(
                command, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            # Kill while it syncs: once the targets see its first changes, at a random moment.
            wait_until(lambda b=before, p=process: applied() > b or p.poll() is not None, 30)
            time.sleep(rng.uniform(0.0, 0.4))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            kills += 1
        assert kills >= 2, "the worker finished before it could be killed twice"
        assert applied() < 2 * DEACTIVATIONS or kills == KILLS

        final = subprocess.Popen(
            command, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            wait_until(settled(sync, 2 * DEACTIVATIONS), 60)
        finally:
            final.send_signal(signal.SIGTERM)
            _, errors = final.communicate(timeout=30)
        assert final.returncode == 0, errors
        status = sync.status()
        assert (status.pending, status.retrying, status.parked) == (0, 0, 0)
        assert_exactly_once(app, targets, hids)
    finally:
        sync.close()
        app.close()
        for target in targets.values():
            target.stop()
