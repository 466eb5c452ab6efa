"""Limits over real processes: `bratasena api` believes no X-Forwarded-For it was not told to, two
processes enforce one limit (database table or Redis), and tracking codes stay out of the log."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from bratasena.settings import Settings
from tests.api.conftest import PASSWORD, free_port, open_officer_budi
from tests.api.test_processes import ROOT, cli_env

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def api_process(env: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """A `bratasena api` process on a free port; its URL and, after it stops, its log lines."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bratasena.cli", "api", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log: list[str] = []
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base, log
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
        log.extend(output.decode().splitlines())


def limited_env(settings: Settings, store: str) -> dict[str, str]:
    env = cli_env(settings)
    env["BRATASENA_PUBLIC_RATE_LIMIT_PER_MINUTE"] = "3"
    if store == "redis":
        if not _redis_up():
            pytest.skip("Redis unreachable at 127.0.0.1:6379")
        env["BRATASENA_REDIS_URL"] = REDIS_URL
        env["BRATASENA_REDIS_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    return env


@pytest.mark.slow
@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_api_processes_enforce_one_rate_limit_and_ignore_forwarded_addresses(
    make_settings: Callable[..., Settings], store: str
) -> None:
    settings = make_settings()
    env = limited_env(settings, store)
    with api_process(env) as (first, _), api_process(env) as (second, _):
        answers = []
        for n in range(6):
            base = (first, second)[n % 2]
            # A different X-Forwarded-For each time: not believed from an untrusted peer.
            spoofed = {"X-Forwarded-For": f"203.0.113.{n}"}
            answer = httpx.post(f"{base}/api/v1/complaints", json={}, headers=spoofed, timeout=30)
            answers.append(answer.status_code)
    assert answers[:3] == [422, 422, 422]  # counted before the body is checked
    assert answers[3:] == [429, 429, 429]


@pytest.mark.slow
@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_api_processes_share_one_login_throttle(
    make_settings: Callable[..., Settings], store: str
) -> None:
    settings = make_settings()
    env = limited_env(settings, store)
    open_officer_budi(settings)
    with api_process(env) as (first, _), api_process(env) as (second, _):
        for n in range(6):
            base = (first, second)[n % 2]
            wrong = {"username": "budi", "password": f"guess-{n}"}
            assert (
                httpx.post(f"{base}/api/v1/auth/token", data=wrong, timeout=30).status_code == 401
            )
        right = {"username": "budi", "password": PASSWORD}
        for base in (first, second):
            locked = httpx.post(f"{base}/api/v1/auth/token", data=right, timeout=30)
            assert locked.status_code == 429, base


@pytest.mark.slow
def test_a_trusted_proxys_forwarded_address_is_believed_and_codes_stay_out_of_the_log(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    env = limited_env(settings, "database")
    env["BRATASENA_TRUSTED_PROXIES"] = "127.0.0.1"
    with api_process(env) as (base, log):
        for n in range(4):
            spoofed = {"X-Forwarded-For": f"203.0.113.{n}"}
            answer = httpx.post(f"{base}/api/v1/complaints", json={}, headers=spoofed, timeout=30)
            assert answer.status_code == 422  # each forwarded address has its own limit
        httpx.get(f"{base}/api/v1/complaints/track/ABCD-EFGH-JK", timeout=30)
        httpx.get(f"{base}/aduan/terkirim/ABCDEFGHJK", timeout=30)
    text = "\n".join(log)
    assert "ABCD" not in text
    assert '"GET /api/v1/complaints/track/… HTTP/1.1" 4' in text
    assert '"GET /aduan/terkirim/… HTTP/1.1" 4' in text
