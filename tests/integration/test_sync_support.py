"""Helpers of the sync tests (no tests here): stand-in targets on loopback, settings, counting."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import httpx

from bratasena.application import Bratasena
from bratasena.domain.household import Household
from bratasena.integration.simulator import StandInTarget
from bratasena.integration.sync import SyncWorker
from bratasena.settings import Settings

TOKENS = {"dtjateng": "token-province", "dtsen": "token-nation"}

FAST = {
    "sync_timeout_seconds": 0.5,
    "sync_backoff_base_seconds": 0.02,
    "sync_backoff_max_seconds": 0.2,
    "poll_interval_seconds": 0.05,
}
"""Short timeouts and backoff so fault tests take seconds."""


def start_targets(**faults: Any) -> dict[str, StandInTarget]:
    """A stand-in DTJateng and a stand-in DTSEN on free loopback ports."""
    targets = {
        name: StandInTarget(name=name, token=TOKENS[name], seed=index).start()
        for index, name in enumerate(TOKENS)
    }
    for target in targets.values():
        for key, value in faults.items():
            setattr(target.faults, key, value)
    return targets


def target_settings(targets: dict[str, StandInTarget]) -> dict[str, Any]:
    """Settings values that enable the given targets."""
    values: dict[str, Any] = dict(FAST)
    for name, target in targets.items():
        values[f"sync_{name}_url"] = target.url
        values[f"sync_{name}_token"] = TOKENS[name]
    return values


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment of a `bratasena` subprocess on the same store and targets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRATASENA_")}
    env["BRATASENA_DATA_DIR"] = str(settings.data_dir)
    env["BRATASENA_ENVIRONMENT"] = "test"
    if settings.database_url:
        env["BRATASENA_DATABASE_URL"] = settings.database_url
        env["BRATASENA_DATABASE_SCHEMA"] = settings.database_schema
    for name in TOKENS:
        url = getattr(settings, f"sync_{name}_url")
        token = getattr(settings, f"sync_{name}_token")
        if url:
            env[f"BRATASENA_SYNC_{name.upper()}_URL"] = url
            env[f"BRATASENA_SYNC_{name.upper()}_TOKEN"] = token.get_secret_value()
    for key in FAST:
        env[f"BRATASENA_{key.upper()}"] = str(getattr(settings, key))
    return env


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail the test when it does not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


class Running:
    """A worker's ``run_forever`` in a thread, as `bratasena serve` runs it."""

    def __init__(self, worker: SyncWorker) -> None:
        self.worker = worker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=worker.run_forever, args=(self.stop,), daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def settled(worker: SyncWorker, expected_done: int) -> Callable[[], bool]:
    """True once the log is read and ``expected_done`` items are done."""

    def check() -> bool:
        status = worker.status()
        return status.lag == 0 and status.done >= expected_done

    return check


def received(target: StandInTarget) -> list[dict[str, Any]]:
    """What a stand-in applied, read over HTTP like any client would."""
    response = httpx.get(f"{target.url}/_received", timeout=5)
    response.raise_for_status()
    changes: list[dict[str, Any]] = response.json()["changes"]
    return changes


def sync_records(app: Bratasena, household_ids: Iterable[UUID]) -> Counter[tuple[UUID, str, int]]:
    """How many times ``Synced`` is recorded per household, target and event version."""
    counts: Counter[tuple[UUID, str, int]] = Counter()
    for hid in household_ids:
        for event in app.events.get(hid):
            if isinstance(event, Household.Synced):
                counts[(hid, event.target, event.event_version)] += 1
    return counts


def change_versions(app: Bratasena, household_ids: Iterable[UUID]) -> set[tuple[UUID, int]]:
    """Every deactivation and reactivation as (household, version)."""
    return {
        (hid, version) for hid in household_ids for version in app.get_household(hid).status_changes
    }


def assert_exactly_once(
    app: Bratasena, targets: dict[str, StandInTarget], household_ids: list[UUID]
) -> None:
    """Each change applied once at each target and its ``Synced`` recorded once per target."""
    changes = change_versions(app, household_ids)
    for name, target in targets.items():
        applied = received(target)
        keys = [c["idempotency_key"] for c in applied]
        assert len(keys) == len(set(keys)), f"{name} applied a change twice"
        assert set(keys) == {f"{hid}:{version}" for hid, version in changes}, name
        assert all(c["times_sent"] >= 1 for c in applied)
    records = sync_records(app, household_ids)
    expected = {(hid, name, version) for hid, version in changes for name in targets}
    assert set(records) == expected
    assert set(records.values()) == {1}
