"""Sync operations over HTTP: the worker's status, a refused change parked, and an admin's retry."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.integration.simulator import StandInTarget
from bratasena.settings import Settings
from tests.api.conftest import Headers, bearer
from tests.builders import Clock, case_at, open_staff, register


def test_an_admin_reads_the_sync_status_and_parked_items(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    case_at(core, clock, "upheld")
    status = client.get("/api/v1/sync/status", headers=staff["admin"])
    assert status.status_code == 200, status.text
    assert status.json()["head"] == core.head()
    assert client.get("/api/v1/sync/parked", headers=staff["admin"]).json() == []
    unknown = client.post("/api/v1/sync/parked/no-such-item/retry", headers=staff["admin"])
    assert unknown.status_code == 404
    assert client.get("/api/v1/sync/status", headers=staff["kabid"]).status_code == 403
    assert "bratasena_sync_backlog" in client.get("/metrics").text


def test_a_change_the_province_refused_is_parked_then_retried_by_an_admin(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    target = StandInTarget(name="dtjateng", token="rahasia-dtjateng").start()
    try:
        target.faults.refuse = ["DTKS-000001"]
        settings = make_settings(
            sync_dtjateng_url=target.url,
            sync_dtjateng_token="rahasia-dtjateng",
            sync_backoff_base_seconds=0.01,
            sync_backoff_max_seconds=0.05,
        )
        api = create_app(settings, clock=clock)
        with TestClient(api) as client:
            services = api.state.service
            core: Bratasena = services.app
            open_staff(core)
            admin = bearer(settings, "admin")
            (hid,) = register(core)
            case_at(core, clock, "upheld")
            _until(
                lambda: _run(services) or client.get("/api/v1/sync/parked", headers=admin).json()
            )
            (item,) = client.get("/api/v1/sync/parked", headers=admin).json()
            assert (item["target"], item["reason_code"]) == ("dtjateng", "household_refused")
            assert client.get("/api/v1/sync/status", headers=admin).json()["parked"] == 1

            target.faults.refuse = []
            retried = client.post(f"/api/v1/sync/parked/{item['id']}/retry", headers=admin)
            assert retried.status_code == 200, retried.text
            _until(
                lambda: (
                    _run(services)
                    or client.get("/api/v1/sync/status", headers=admin).json()["done"]
                )
            )
            household = client.get(f"/api/v1/households/{hid}", headers=admin).json()
            assert household["sync"]["dtjateng"]["state"] == "synced"
            again = client.post(f"/api/v1/sync/parked/{item['id']}/retry", headers=admin)
            assert again.status_code == 422
    finally:
        target.stop()


def _run(services: Any) -> None:
    services.sync.run_once()


def _until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the sync worker did not get there in time"
        time.sleep(0.05)
