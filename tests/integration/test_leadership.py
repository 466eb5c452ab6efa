"""One projection runner and one sync worker per deployment: of two real processes one leads each
role, and when it is killed with SIGKILL the other takes over within 5 s, with nothing recorded
meanwhile lost or applied twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from bratasena.application import Bratasena
from bratasena.integration.sync import SyncWorker
from bratasena.leadership import Lease, Role, Work, lead, leader
from bratasena.projections import Projections
from bratasena.projections.case_list import CaseQuery
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many, file, register, registry_row
from tests.integration.test_sync_support import (
    assert_exactly_once,
    settled,
    start_targets,
    target_settings,
    wait_until,
    worker_env,
)

ROOT = Path(__file__).parents[2]
TAKEOVER_SECONDS = 5.0
"""The standby leads within this long after the leader is killed."""

T = TypeVar("T")


@contextmanager
def processes(command: list[str], env: dict[str, str], count: int) -> Iterator[list[int]]:
    """``count`` `bratasena` processes running ``command``; their process ids."""
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bratasena.cli", *command],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]
    try:
        yield [p.pid for p in started]
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            _, errors = process.communicate(timeout=30)
            assert process.returncode in (0, -signal.SIGKILL), errors.decode()


def led_by(settings: Settings, role: Role, among: list[int]) -> tuple[int, int]:
    """Wait for one of two processes to lead ``role`` (each needs a moment to start); the
    leader and the other."""
    wait_until(lambda: leader(settings, role) in among, 60)
    pid = leader(settings, role)
    assert pid is not None
    return pid, next(other for other in among if other != pid)


def take_over(
    settings: Settings, role: Role, killed: int, standby: int, meanwhile: Callable[[], T]
) -> T:
    """Kill the leader with SIGKILL, do ``meanwhile``; the standby leads within 5 s of the kill."""
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + TAKEOVER_SECONDS
    done = meanwhile()
    wait_until(lambda: leader(settings, role) == standby, max(0.0, deadline - time.monotonic()))
    return done


def test_one_lease_per_role_and_deployment(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    first, second = Lease(settings, "runner"), Lease(settings, "runner")
    sync = Lease(settings, "sync")
    elsewhere = settings.model_copy(
        update={
            "data_dir": settings.data_dir / "batang",
            "database_schema": f"{settings.database_schema}_batang",
            "regency": "3325",
        }
    )
    other_deployment = Lease(elsewhere, "runner")
    try:
        assert leader(settings, "runner") is None
        assert first.try_acquire()
        assert not second.try_acquire()
        assert sync.try_acquire()  # another role: its own lease
        assert other_deployment.try_acquire()  # another deployment: its own lease
        assert first.still_held()
        assert leader(settings, "runner") == leader(settings, "sync") is not None
        first.release()
        assert second.try_acquire()
    finally:
        for lease in (first, second, sync, other_deployment):
            lease.release()
    assert leader(settings, "runner") is None


def test_a_standby_works_only_once_the_leader_stops(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    stop_first, stop_second = threading.Event(), threading.Event()
    working: list[str] = []

    def work(name: str) -> Work:
        def loop(term: threading.Event) -> None:
            working.append(name)
            term.wait()
            working.remove(name)

        return loop

    first = _leading(settings, work("first"), stop_first)
    wait_until(lambda: working == ["first"], 10)
    second = _leading(settings, work("second"), stop_second)
    try:
        time.sleep(0.3)
        assert working == ["first"]  # the second stands by
        stop_first.set()
        first.join(timeout=10)
        wait_until(lambda: working == ["second"], 10)
    finally:
        stop_first.set()
        stop_second.set()
        first.join(timeout=10)
        second.join(timeout=10)
    assert working == []


def _leading(settings: Settings, work: Work, stop: threading.Event) -> threading.Thread:
    lease = Lease(settings, "runner")
    thread = threading.Thread(target=lead, args=(lease, work, stop), kwargs={"poll": 0.05})
    thread.start()
    return thread


@pytest.mark.slow
def test_a_killed_runner_leader_is_replaced_and_what_was_filed_meanwhile_is_projected_once(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(poll_interval_seconds=0.05)
    app = Bratasena(settings, clock=clock)
    register(app, registry_row(1), registry_row(2))
    views = Projections(app, settings)
    env = worker_env(settings)
    try:
        before = file(app, registry_id="DTKS-000001")
        with processes(["project"], env, 2) as pids:
            first, standby = led_by(settings, "runner", pids)
            wait_until(lambda: _reached(views, before.position), 30)
            # Filed while nobody leads: the standby must project it once it takes over.
            meanwhile = take_over(
                settings, "runner", first, standby, lambda: file(app, registry_id="DTKS-000002")
            )
            wait_until(lambda: _reached(views, meanwhile.position), 30)
            status = subprocess.run(
                [sys.executable, "-m", "bratasena.cli", "projections", "status"],
                env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
            )  # fmt: skip
            assert f"runner: process {standby} leads" in status.stdout
        page = views.cases.search(CaseQuery(per_page=100))
        assert sorted(row.complaint_id for row in page.items) == sorted([before.id, meanwhile.id])
        assert page.total == 2
    finally:
        views.close()
        app.close()


def _reached(views: Projections, position: int) -> bool:
    # Read without catching up: only the leading process may have applied the events.
    return all(status.position >= position for status in views.status())


@pytest.mark.slow
def test_a_killed_sync_leader_is_replaced_and_every_deactivation_is_synced_exactly_once(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    targets = start_targets(latency_ms=5)
    settings = make_settings(**target_settings(targets))
    app = Bratasena(settings, clock=clock)
    sync = SyncWorker(app, settings)
    env = worker_env(settings)
    try:
        hids = deactivate_many(app, clock, 20)
        with processes(["sync", "--concurrency", "2"], env, 2) as pids:
            first, standby = led_by(settings, "sync", pids)
            wait_until(lambda: sync.status().done > 0, 60)
            # Deactivated while nobody leads: synced once, by the standby.
            hids += take_over(
                settings, "sync", first, standby, lambda: deactivate_many(app, clock, 5, first=100)
            )
            wait_until(settled(sync, 2 * len(hids)), 60)
        status = sync.status()
        assert (status.pending, status.retrying, status.parked) == (0, 0, 0)
        assert_exactly_once(app, targets, hids)
    finally:
        sync.close()
        app.close()
        for target in targets.values():
            target.stop()
