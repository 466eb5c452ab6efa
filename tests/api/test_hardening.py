"""What the outside probe found, each kept fixed: revoked sessions and tokens, headers, absurd
targets, the facilitator's "not found", uploads read only after the token, unreadable bodies."""

from __future__ import annotations

import logging
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.settings import Settings
from bratasena.web import chart
from tests.api.conftest import PASSWORD, Headers, complaint_body
from tests.api.test_processes import ROOT, cli_env
from tests.builders import Clock, case_at, production_secrets, register

NEW_PASSWORD = "lebih-panjang-dan-baru"


def token_of(client: TestClient, username: str, password: str = PASSWORD) -> Headers:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def web_login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = re.findall(r'name="csrf_token" value="([^"]+)"', client.get("/masuk").text)[0]
    data = {"csrf_token": token, "username": username, "password": password}
    assert client.post("/masuk", data=data, follow_redirects=False).status_code == 303


def csrf(client: TestClient, page: str) -> str:
    return re.findall(r'name="csrf_token" value="([^"]+)"', client.get(page).text)[0]


# --- sessions and tokens end -----------------------------------------------------------------


def test_a_session_cookie_stops_working_after_logging_out(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    web_login(client, "budi")
    copied = client.cookies.get("bratasena_sesi")
    assert client.get("/petugas", follow_redirects=False).status_code == 200
    token = csrf(client, "/petugas")
    assert client.post("/keluar", data={"csrf_token": token}, follow_redirects=False).status_code
    client.cookies.set("bratasena_sesi", copied)
    assert client.get("/petugas", follow_redirects=False).status_code == 303  # to /masuk


def test_the_api_logs_out_and_the_token_stops_working(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    headers = token_of(client, "budi")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=token_of(client, "budi")).status_code == 200


def test_a_password_change_ends_earlier_tokens_and_answers_a_new_one(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    old = token_of(client, "budi")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = client.put("/api/v1/me/password", json=body, headers=old)
    assert changed.status_code == 200, changed.text
    assert client.get("/api/v1/me", headers=old).status_code == 401
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    token_of(client, "budi", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [({"current_password": "wrong", "new_password": NEW_PASSWORD}, 401, None),
     ({"current_password": PASSWORD, "new_password": "short"}, 422, "new_password"),
     ({"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa"}, 422, "new_password"),
     ({"current_password": PASSWORD, "new_password": "budi-budi-budi"}, 422, "new_password")],
)  # fmt: skip
def test_a_password_change_needs_the_current_password_and_a_strong_new_one(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], body: Any, status: int,
    field: str | None,
) -> None:  # fmt: skip
    head = core.head()
    answer = client.put("/api/v1/me/password", json=body, headers=staff["budi"])
    assert answer.status_code == status
    if field:
        assert answer.json()["errors"][0]["field"] == field
    assert core.head() == head
    assert client.get("/api/v1/me", headers=staff["budi"]).status_code == 200


def test_role_change_and_disabling_end_tokens_for_good(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    sari, budi = token_of(client, "sari"), token_of(client, "budi")
    client.put(
        "/api/v1/accounts/sari/role", json={"role": "auditor", "districts": []},
        headers=staff["admin"],
    )  # fmt: skip
    assert client.get("/api/v1/me", headers=sari).status_code == 401
    client.post("/api/v1/accounts/budi/disable", json={"reason": "cuti"}, headers=staff["admin"])
    client.post("/api/v1/accounts/budi/enable", headers=staff["admin"])
    assert client.get("/api/v1/me", headers=budi).status_code == 401  # not back after enabling


def test_the_password_page_changes_it_keeps_this_session_and_ends_the_others(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    other = token_of(client, "budi")
    web_login(client, "budi")
    form = client.get("/sandi")
    assert form.status_code == 200
    token = csrf(client, "/sandi")
    differ = {"csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD, "repeat": "x"}
    assert client.post("/sandi", data=differ).status_code == 422
    data = {**differ, "repeat": NEW_PASSWORD}
    assert client.post("/sandi", data=data, follow_redirects=False).status_code == 303
    assert "Kata sandi sudah diganti" in client.get("/sandi?ok=1").text
    assert client.get("/petugas", follow_redirects=False).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401


def test_the_cli_resets_a_password_from_stdin_and_ends_the_accounts_sessions(
    api_settings: Settings, client: TestClient, staff: dict[str, Headers]
) -> None:
    old = token_of(client, "budi")
    done = subprocess.run(
        [sys.executable, "-m", "bratasena.cli", "accounts", "reset-password", "Budi"],
        input=NEW_PASSWORD + "\n", capture_output=True, text=True, env=cli_env(api_settings),
        cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert NEW_PASSWORD not in done.stdout + done.stderr
    assert client.get("/api/v1/me", headers=old).status_code == 401
    token_of(client, "budi", NEW_PASSWORD)


# --- headers ---------------------------------------------------------------------------------


def test_pages_carry_a_policy_that_allows_no_inline_script_or_style(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core)
    case_at(core, clock, "upheld")
    web_login(client, "kabid")
    for page in ("/", "/aduan", "/lacak", "/petugas", "/laporan?tahun=2026", "/sandi"):
        answer = client.get(page)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert answer.headers["referrer-policy"] == "same-origin"
        assert re.search(r"<script(?![^>]*\bsrc=)", answer.text) is None, page
        assert re.search(r"\sstyle=|\son[a-z]+=", answer.text) is None, page


def test_api_answers_with_personal_data_are_never_cached(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core)
    answer = client.get("/api/v1/households?registry_id=DTKS-000001", headers=staff["kabid"])
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "same-origin"


def test_hsts_docs_and_metrics_follow_the_environment(
    make_settings: Callable[..., Settings],
) -> None:
    with TestClient(create_app(make_settings(environment="development"))) as dev:
        assert "strict-transport-security" not in dev.get("/healthz").headers
        assert dev.get("/openapi.json").status_code == 200
        assert dev.get("/metrics").status_code == 200
    secrets = production_secrets()
    with TestClient(create_app(make_settings(environment="production", **secrets))) as prod:
        assert "max-age=" in prod.get("/healthz").headers["strict-transport-security"]
        assert prod.get("/docs").status_code == 404
        assert prod.get("/openapi.json").status_code == 404
        assert prod.get("/metrics").status_code == 404  # the test client is not 127.0.0.1
    allowed = make_settings(
        environment="production", api_docs=True, metrics_allow="testclient", **secrets
    )
    with TestClient(create_app(allowed)) as prod:
        assert prod.get("/openapi.json").status_code == 200
        assert prod.get("/metrics").status_code == 200


# --- targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [10**12, 2**63, 10_001, -1])
def test_absurd_monthly_targets_are_refused(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], value: int
) -> None:
    answer = client.put(
        "/api/v1/targets/2028", json={"monthly": [value] * 12},
        headers={**staff["kabid"], "If-Match": '"0"'},
    )  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "monthly"
    assert core.targets_version(2028) == 0
    ok = client.put(
        "/api/v1/targets/2028", json={"monthly": [10_000] * 12},
        headers={**staff["kabid"], "If-Match": '"0"'},
    )  # fmt: skip
    assert ok.status_code == 200


@pytest.mark.parametrize("value", [0, 7, 10_000, 10**12, 2**63, 10**30])
def test_the_chart_draws_any_stored_value(value: int) -> None:
    months = [
        {"month": f"2028-{m:02d}", "net_removals": m, "target": value, "cumulative_net": m,
         "cumulative_target": value * m}
        for m in range(1, 13)
    ]  # fmt: skip
    assert "<svg" in chart.monthly(months)
    assert "<svg" in chart.cumulative(months, value * 12, 12)


# --- the facilitator's "not found" -----------------------------------------------------------


def test_a_facilitator_gets_not_found_for_cases_not_assigned_to_them(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core)
    core.open_account(
        username="pkh2", role="facilitator", districts=["331601"], password_hash="-",
        actor="setup",
    )  # fmt: skip
    filed = client.post("/api/v1/complaints", json=complaint_body()).json()
    cid = core.complaint_by_tracking_code(filed["tracking_code"]).id
    body = {"visited_on": "2026-03-10", "findings": {"mampu": "x"}, "recommendation": "uphold"}
    unassigned = client.post(f"/api/v1/cases/{cid}/investigation", json=body, headers=staff["pkh"])
    assert unassigned.status_code == 404
    core.assign(cid, None, officer="pkh2", actor="kabid")
    other = client.post(f"/api/v1/cases/{cid}/investigation", json=body, headers=staff["pkh"])
    assert other.status_code == 404
    assert "pkh2" not in other.text


# --- uploads, bodies -------------------------------------------------------------------------


def test_an_anonymous_upload_is_refused_before_its_body_is_read(
    live: str, staff: dict[str, Headers]
) -> None:
    url = urlparse(live)
    declared = 150 * 1024 * 1024
    head = (
        f"POST /api/v1/registry/imports HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: {declared}\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head + b"--xyz\r\n" + b"x" * 65536)
        # The landed server waited for the other 150 MiB before answering; now the answer comes
        # at once (the read would time out and fail the test otherwise).
        answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 401"), answer[:200]
    assert "problem+json" in answer


def test_a_client_leaving_halfway_through_its_complaint_is_no_error_and_changes_nothing(
    live: str, core: Bratasena
) -> None:
    """A phone losing its signal mid-upload: the service logs it as information (no traceback at
    ERROR for an operator to chase), stores nothing, and goes on answering."""
    records: list[logging.LogRecord] = []
    collect = logging.Handler(logging.INFO)
    collect.emit = records.append  # type: ignore[method-assign]
    watched = [logging.getLogger(name) for name in ("bratasena", "uvicorn.error", "uvicorn")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(collect)
        logger.setLevel(logging.INFO)
    head = core.head()
    url = urlparse(live)
    try:
        for kind, part in (
            ("application/json", b'{"subject": {"registry_id": "DTKS-0'),
            ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data; na"),
        ):
            with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
                sock.sendall(
                    f"POST /api/v1/complaints HTTP/1.1\r\nHost: {url.netloc}\r\n"
                    f"Content-Type: {kind}\r\nContent-Length: 5000\r\n\r\n".encode()
                    + part
                )
        deadline = time.monotonic() + 30
        while sum("the client left" in r.getMessage() for r in records) < 2:
            assert time.monotonic() < deadline, [r.getMessage() for r in records]
            time.sleep(0.05)
        assert httpx.get(f"{live}/healthz").status_code == 200
    finally:
        for logger, level in zip(watched, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    assert [r.getMessage() for r in records if r.levelno >= logging.WARNING] == []
    assert core.head() == head


def test_bodies_that_are_not_utf8_json_or_nest_too_deep_get_a_problem(
    client: TestClient, core: Bratasena
) -> None:
    head = core.head()
    for body in (b'{"description": "\xff\xfe"}', b'{"a": ' * 5000 + b"1" + b"}" * 5000):
        answer = client.post(
            "/api/v1/complaints", content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "/problems/unreadable_body"
        assert answer.json()["errors"][0]["field"] == "body"
    assert core.head() == head


def test_a_complaint_joining_a_case_needs_a_description_like_a_new_one(
    client: TestClient, core: Bratasena
) -> None:
    register(core)
    assert client.post("/api/v1/complaints", json=complaint_body()).status_code == 201
    head = core.head()
    for description in ("", "   "):
        joined = client.post("/api/v1/complaints", json=complaint_body(description=description))
        assert joined.status_code == 422
        assert joined.json()["errors"][0]["field"] == "description"
    assert core.head() == head
