"""Fixtures for the API tests: the app over a fresh store, staff accounts, their tokens, and the
app served over real loopback HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bratasena.access import hash_password, issue_token
from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.settings import Settings
from tests.builders import Clock

PASSWORD = "kata-sandi-yang-panjang"

STAFF: dict[str, tuple[str, list[str]]] = {
    "budi": ("officer", ["331601"]),
    "sari": ("officer", ["331601"]),
    "rina": ("officer", ["331602"]),
    "pkh": ("facilitator", ["331601"]),
    "kabid": ("supervisor", []),
    "kabid2": ("supervisor", []),
    "inspektur": ("auditor", []),
    "admin": ("admin", []),
}
"""Accounts every API test has: two officers of district 33.16.01, one of another district, …"""

Headers = dict[str, str]


@cache
def password_hash() -> str:
    # argon2 is slow on purpose: hash once per session, not once per account.
    return hash_password(PASSWORD)


def open_officer_budi(settings: Settings) -> None:
    """Store the officer ``budi`` of district 33.16.01 (password `PASSWORD`), for tests that run
    the service as separate processes over that store."""
    from bratasena.application import Bratasena

    core = Bratasena(settings)
    try:
        core.open_account(
            username="budi", role="officer", districts=["331601"], password_hash=password_hash(),
            actor="setup",
        )  # fmt: skip
    finally:
        core.close()


@pytest.fixture
def api_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(public_rate_limit_per_minute=10_000)


@pytest.fixture
def api(api_settings: Settings, clock: Clock) -> FastAPI:
    return create_app(api_settings, clock=clock)


@pytest.fixture
def client(api: FastAPI) -> Iterator[TestClient]:
    with TestClient(api) as test_client:  # the lifespan closes the application afterwards
        yield test_client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live(api: FastAPI) -> Iterator[str]:
    """The app on a real uvicorn server on a free loopback port (instead of `client`); its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True  # its lifespan closes the application
    thread.join(timeout=10)


@pytest.fixture
def core(api: FastAPI, client: TestClient) -> Bratasena:
    """The application behind the API (to set up state and to compare heads)."""
    app: Bratasena = api.state.service.app
    return app


@pytest.fixture
def staff(core: Bratasena, api_settings: Settings) -> dict[str, Headers]:
    """Bearer headers of every account in STAFF, opened with the real password hash."""
    for username, (role, districts) in STAFF.items():
        core.open_account(
            username=username,
            role=role,
            districts=districts,
            password_hash=password_hash(),
            actor="setup",
        )
    return {username: bearer(api_settings, username) for username in STAFF}


def bearer(settings: Settings, username: str) -> Headers:
    """The Authorization header of a freshly issued token."""
    return {"Authorization": f"Bearer {issue_token(settings, username)}"}


def complaint_body(registry_id: str = "DTKS-000001", **overrides: Any) -> dict[str, Any]:
    """A valid public complaint body about a registered household."""
    body: dict[str, Any] = {
        "subject": {"registry_id": registry_id},
        "reasons": ["mampu", "owns_car"],
        "description": "Keluarga ini punya mobil dan toko besar di pasar.",
        "reporter": {"name": "Warga Desa", "phone": "081234567890"},
    }
    body.update(overrides)
    return body
