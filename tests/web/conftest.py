"""Fixtures for the page tests: the service over a fresh store, staff, households, a live server."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bratasena.access import hash_password
from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.settings import Settings
from tests.builders import Clock, registry_row

PASSWORD = "kata-sandi-yang-panjang"
SCREENSHOTS = Path("test-artifacts/screenshots")
AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))"""
"""axe-core's serious and critical violations on the document, each with where (first five)."""

STAFF: dict[str, tuple[str, list[str]]] = {
    "budi": ("officer", ["331601"]),
    "rina": ("officer", ["331602"]),
    "kabid": ("supervisor", []),
    "inspektur": ("auditor", []),
    "admin": ("admin", []),
    "pkh": ("facilitator", ["331601"]),
}
"""Accounts every page test has: an officer of Jati (33.16.01), one of another district, …"""


@cache
def password_hash() -> str:
    # argon2 is slow on purpose: hash once per session, not once per account.
    return hash_password(PASSWORD)


def seed(app: Bratasena, households: int = 3) -> None:
    """Staff accounts with the real password, and registered households in Jati."""
    for username, (role, districts) in STAFF.items():
        app.open_account(
            username=username,
            role=role,
            districts=districts,
            password_hash=password_hash(),
            actor="setup",
            full_name=username.title(),
        )
    app.import_registry(
        [registry_row(n) for n in range(1, households + 1)],
        source="dtks",
        period="2026-01",
        actor="admin",
    )


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(public_rate_limit_per_minute=10_000)


@pytest.fixture
def web(web_settings: Settings, clock: Clock) -> FastAPI:
    return create_app(web_settings, clock=clock)


@pytest.fixture
def core(web: FastAPI) -> Bratasena:
    app: Bratasena = web.state.service.app
    return app


@pytest.fixture
def client(web: FastAPI, core: Bratasena) -> Iterator[TestClient]:
    with TestClient(web) as test_client:
        seed(core)
        yield test_client


def csrf_of(html: str) -> str:
    """The CSRF token a page put in its forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def login(client: TestClient, username: str) -> None:
    """Log in through the login form."""
    token = csrf_of(client.get("/masuk").text)
    answer = client.post(
        "/masuk",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def post_form(client: TestClient, page: str, action: str, data: dict[str, Any]) -> Any:
    """Submit a form of ``page`` to ``action`` with the page's CSRF token."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live(web: FastAPI, core: Bratasena) -> Iterator[str]:
    """The service on a real uvicorn server on a free loopback port; its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    seed(core)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (no downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@cache
def axe_source() -> str:
    """axe-core as installed by npm from package.json (`.ci/run` and `make test` install it)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in the project folder (package.json pins it)")
    return AXE.read_text()


def accessible(page: Any) -> None:
    """axe-core on the page as it stands: no serious or critical violation of any rule.

    Injected from the file through the browser's evaluation channel, which the pages' Content
    Security Policy does not govern, so the pages need no exception for it.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(AXE_RUN)
    assert not found, f"axe on {page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}" for v in found
    )


def shoot(page: Any, name: str) -> None:
    """Check the page with axe-core, then a full-page screenshot for review, in
    test-artifacts/screenshots/ (gitignored): every state a browser test looks at is checked."""
    accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
