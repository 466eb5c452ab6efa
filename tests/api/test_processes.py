"""The processes: `bratasena accounts add` from stdin, and `bratasena serve` over real loopback HTTP
with the projection runner thread keeping read-your-writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.settings import Settings
from tests.api.conftest import complaint_body, free_port
from tests.builders import register, registry_row

ROOT = Path(__file__).parents[2]


def cli_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRATASENA_")}
    env["BRATASENA_DATA_DIR"] = str(settings.data_dir)
    env["BRATASENA_ENVIRONMENT"] = "test"
    if settings.database_url:
        env["BRATASENA_DATABASE_URL"] = settings.database_url
        env["BRATASENA_DATABASE_SCHEMA"] = settings.database_schema
    return env


def test_accounts_add_reads_the_password_from_stdin_and_the_account_can_log_in(
    settings: Settings,
) -> None:
    added = subprocess.run(
        [sys.executable, "-m", "bratasena.cli", "accounts", "add", "Wati", "--role", "officer",
         "--district", "33.16.01", "33.16.02"],
        input="sandi-yang-panjang\n", capture_output=True, text=True, env=cli_env(settings),
        cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "wati" in added.stdout
    assert "sandi" not in added.stdout + added.stderr
    short = subprocess.run(
        [sys.executable, "-m", "bratasena.cli", "accounts", "add", "budi", "--role", "auditor"],
        input="pendek\n", capture_output=True, text=True, env=cli_env(settings), cwd=ROOT,
        timeout=120,
    )  # fmt: skip
    assert short.returncode == 2
    assert "password" in short.stderr
    with TestClient(create_app(settings)) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "wati", "password": "sandi-yang-panjang"}
        )
        assert token.status_code == 200
        me = client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
        assert me.json()["districts"] == ["331601", "331602"]


def test_serve_answers_over_loopback_and_its_runner_keeps_read_your_writes(
    settings: Settings,
) -> None:
    core = Bratasena(settings)
    row = registry_row()
    nik, kk = row["head_nik"], row["kk_number"]
    try:
        register(core, row)
    finally:
        core.close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bratasena.cli", "serve", "--port", str(port)],
        env=cli_env(settings), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        filed = httpx.post(f"{base}/api/v1/complaints", json=complaint_body(), timeout=30)
        assert filed.status_code == 201, filed.text
        code = filed.json()["tracking_code"]
        tracked = httpx.get(f"{base}/api/v1/complaints/track/{code}", timeout=30)
        assert tracked.json()["status"] == "filed"
        ready = httpx.get(f"{base}/readyz", timeout=30).json()
        assert ready["projection_lag"]["case_list"] == 0  # the runner thread applied the filing
        # Searches by NIK and KK: the access log must not keep the numbers.
        httpx.get(f"{base}/api/v1/households", params={"nik": nik, "page": 2}, timeout=30)
        httpx.get(f"{base}/rumah-tangga", params={"kk": kk}, timeout=30)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    log = output.decode()  # uvicorn's log on stderr, its access log on stdout
    # uvicorn shuts down cleanly on SIGTERM, then re-raises the signal
    assert server.returncode in (0, -15), log
    assert "Application shutdown complete" in log
    assert '"GET /api/v1/households?nik=…&page=… HTTP/1.1" 401' in log
    assert '"GET /rumah-tangga?kk=… HTTP/1.1"' in log
    assert nik not in log
    assert kk not in log
