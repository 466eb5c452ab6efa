"""Blora (33.16) and Batang (33.25) side by side on one PostgreSQL database: two `bratasena serve`
processes, each importing a synthetic registry and taking a case through to sync, and nothing of
one visible to the other (events, views, outbox, accounts, tokens, cookies)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from bratasena.application import Bratasena
from bratasena.deployment import claim
from bratasena.domain.calendar import jakarta_date, now_utc
from bratasena.integration.simulator import StandInTarget, TargetState
from bratasena.integration.synthetic import generate_rows, write_csv
from bratasena.settings import Settings
from bratasena.web import session
from tests.api.conftest import PASSWORD, complaint_body, free_port, password_hash
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).parents[2]
REGENCIES = ("3316", "3325")
HOUSEHOLDS = 40
REASON = "Terbukti mampu: rumah dua lantai dan mobil di garasi."


@dataclass
class Deployment:
    """One regency's settings, its server's URL and process."""

    settings: Settings
    url: str = ""
    server: subprocess.Popen[bytes] | None = None

    @property
    def code(self) -> str:
        return self.settings.regency

    @property
    def schema(self) -> str:
        return self.settings.database_schema


def env_of(settings: Settings) -> dict[str, str]:
    """The process environment of a deployment: its regency, schema and sync targets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRATASENA_")}
    assert settings.database_url
    env.update(
        BRATASENA_ENVIRONMENT="test",
        BRATASENA_DATA_DIR=str(settings.data_dir),
        BRATASENA_DATABASE_URL=settings.database_url,
        BRATASENA_DATABASE_SCHEMA=settings.database_schema,
        BRATASENA_REGENCY=settings.regency,
        BRATASENA_SYNC_DTJATENG_URL=settings.sync_dtjateng_url or "",
        BRATASENA_SYNC_DTSEN_URL=settings.sync_dtsen_url or "",
        BRATASENA_POLL_INTERVAL_SECONDS="0.1",
    )
    return env


@pytest.fixture
def targets() -> Iterator[list[StandInTarget]]:
    """The province's and the nation's stand-ins, shared by both regencies as the real ones are."""
    started = [StandInTarget(name=name, state=TargetState(name)).start() for name in ("p", "n")]
    yield started
    for target in started:
        target.stop()


@pytest.fixture
def regencies(
    backend: str, tmp_path: Path, targets: list[StandInTarget]
) -> Iterator[dict[str, Deployment]]:
    """Blora and Batang initialised in two schemas of one database, their servers running."""
    if backend == "sqlite":
        pytest.skip(
            "several regencies share one database only on PostgreSQL (a schema each); on SQLite "
            "every deployment has its own data directory and shares nothing to isolate"
        )
    run = uuid.uuid4().hex[:8]
    deployments = {
        code: Deployment(
            Settings(
                environment="test",
                data_dir=tmp_path / code,
                database_url=POSTGRES_URL,
                database_schema=f"test_{run}_{code}",
                regency=code,
                sync_dtjateng_url=targets[0].url,
                sync_dtsen_url=targets[1].url,
            )
        )
        for code in REGENCIES
    }
    try:
        for deployment in deployments.values():
            claim(
                deployment.settings
            )  # what `bratasena init` does first (tests/integration/test_cli)
            open_accounts(deployment.settings)
            port = free_port()
            deployment.url = f"http://127.0.0.1:{port}"
            deployment.server = subprocess.Popen(
                [sys.executable, "-m", "bratasena.cli", "serve", "--port", str(port)],
                env=env_of(deployment.settings), cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        for deployment in deployments.values():
            wait_until_up(deployment)
        yield deployments
    finally:
        for deployment in deployments.values():
            if deployment.server is not None:
                deployment.server.terminate()
                deployment.server.wait(timeout=30)
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            for deployment in deployments.values():
                conn.execute(
                    SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(deployment.schema))
                )


def open_accounts(settings: Settings) -> None:
    """Each regency has an ``admin`` and a ``kabid`` (same names, different stores) and an officer
    named after the regency, working in the district of its first synthetic household."""
    first = next(generate_rows(1, seed=7, regency=settings.regency))
    app = Bratasena(settings)
    try:
        for username, role, districts in (
            ("admin", "admin", []),
            ("kabid", "supervisor", []),
            (f"petugas{settings.regency}", "officer", [first["village_code"][:6]]),
        ):
            app.open_account(
                username=username,
                role=role,
                districts=districts,
                password_hash=password_hash(),
                actor="setup",
            )
    finally:
        app.close()


def wait_until_up(deployment: Deployment) -> None:
    deadline = time.monotonic() + 60
    assert deployment.server is not None
    while True:
        try:
            if httpx.get(f"{deployment.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline or deployment.server.poll() is not None:
                raise
            time.sleep(0.2)


def login(deployment: Deployment, username: str) -> dict[str, str]:
    answer = httpx.post(
        f"{deployment.url}/api/v1/auth/token",
        data={"username": username, "password": PASSWORD},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def take_a_case_to_sync(deployment: Deployment) -> str:
    """Import the regency's synthetic registry, then file, investigate and uphold a complaint."""
    base, code = deployment.url, deployment.code
    admin, kabid = login(deployment, "admin"), login(deployment, "kabid")
    officer = login(deployment, f"petugas{code}")
    extract = io.StringIO()
    write_csv(generate_rows(HOUSEHOLDS, seed=7, regency=code), extract)
    imported = httpx.post(
        f"{base}/api/v1/registry/imports",
        files={"file": ("extract.csv", extract.getvalue().encode(), "text/csv")},
        data={"source": "dtks", "period": "2026-01"},
        headers=admin,
        timeout=60,
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["registered"] == HOUSEHOLDS
    registry_id = f"SYN-{code}-000001"
    filed = httpx.post(f"{base}/api/v1/complaints", json=complaint_body(registry_id), timeout=30)
    assert filed.status_code == 201, filed.text
    cid = filed.json()["complaint_id"]
    today = jakarta_date(now_utc())
    steps: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        ("assignment", {"officer": f"petugas{code}"}, kabid),
        (
            "investigation",
            {
                "visited_on": str(today),
                "findings": {"mampu": "Rumah dua lantai", "owns_car": "Mobil di garasi"},
                "recommendation": "uphold",
            },
            officer,
        ),
        ("notice", {"response_due": str(today + timedelta(days=14))}, officer),
        ("response", {"statement": "Mobil itu milik saudara.", "received_on": str(today)}, officer),
        (
            "decision",
            {"outcome": "uphold", "reason": REASON, "reason_codes": ["mampu", "owns_car"]},
            kabid,
        ),
    ]
    for version, (step, body, who) in enumerate(steps, start=1):
        done = httpx.post(
            f"{base}/api/v1/cases/{cid}/{step}",
            json=body,
            headers={**who, "If-Match": f'"{version}"'},
            timeout=30,
        )
        assert done.status_code == 200, done.text
    assert done.json()["case"]["status"] == "upheld"
    deadline = time.monotonic() + 30
    while True:
        status = httpx.get(f"{base}/api/v1/sync/status", headers=admin, timeout=30).json()
        if status["done"] == 2:  # the deactivation at DTJateng and at DTSEN
            return cid
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


def rows_naming(schema: str, text: str) -> dict[str, int]:
    """Rows of every table of a schema whose values contain ``text`` (bytea columns included)."""
    found: dict[str, int] = {}
    with psycopg.connect(POSTGRES_URL) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            # A row as text shows a bytea (an event's state) as hex: search for both spellings.
            (count,) = conn.execute(
                SQL(
                    "SELECT count(*) FROM {}.{} AS r WHERE r::text LIKE %s OR r::text LIKE %s"
                ).format(Identifier(schema), Identifier(table)),
                (f"%{text}%", f"%{text.encode().hex()}%"),
            ).fetchone() or (0,)
            if count:
                found[table] = count
    return found


def test_blora_and_batang_share_one_database_and_see_nothing_of_each_other(
    regencies: dict[str, Deployment], targets: list[StandInTarget]
) -> None:
    blora, batang = regencies["3316"], regencies["3325"]
    cases = {code: take_a_case_to_sync(deployment) for code, deployment in regencies.items()}

    # Both deactivations reached the province and the nation, once each.
    for target in targets:
        received = sorted(change["registry_id"] for change in target.state.received())
        assert received == ["SYN-3316-000001", "SYN-3325-000001"]

    # No event, view row, outbox item or account of one regency in the other's schema...
    for own, other in ((blora, batang), (batang, blora)):
        assert rows_naming(own.schema, f"SYN-{other.code}-") == {}
        assert rows_naming(own.schema, f"petugas{other.code}") == {}
        named = rows_naming(own.schema, f"SYN-{own.code}-")
        assert {"sync_outbox"} <= set(named)
        assert any("event" in table for table in named), named
        assert rows_naming(own.schema, f"petugas{own.code}")

    # ...nor through the API: the other's case, household and officer are unknown here.
    for own, other in ((blora, batang), (batang, blora)):
        kabid = login(own, "kabid")
        case = httpx.get(f"{own.url}/api/v1/cases/{cases[other.code]}", headers=kabid, timeout=30)
        assert case.status_code == 404
        listed = httpx.get(f"{own.url}/api/v1/cases", headers=kabid, timeout=30).json()
        assert [item["complaint_id"] for item in listed["items"]] == [cases[own.code]]
        found = httpx.get(
            f"{own.url}/api/v1/households",
            params={"registry_id": f"SYN-{other.code}-000001"},
            headers=kabid,
            timeout=30,
        ).json()
        assert found["items"] == []
        stranger = httpx.post(
            f"{own.url}/api/v1/auth/token",
            data={"username": f"petugas{other.code}", "password": PASSWORD},
            timeout=30,
        )
        assert stranger.status_code == 401

    # A Blora token is refused by Batang although both sign with the same secret and both have
    # an account named kabid: the regency is in the token.
    assert blora.settings.secret_key == batang.settings.secret_key
    token = login(blora, "kabid")
    assert httpx.get(f"{blora.url}/api/v1/me", headers=token, timeout=30).status_code == 200
    assert httpx.get(f"{batang.url}/api/v1/me", headers=token, timeout=30).status_code == 401
    # So is a page session: one host serves both, and a browser sends both the same cookie.
    cookie = session.encode(blora.settings, session.Session.fresh("kabid"))
    assert session.decode(blora.settings, cookie) is not None
    assert session.decode(batang.settings, cookie) is None
    pages = {
        deployment.code: httpx.get(
            f"{deployment.url}/petugas", cookies={session.COOKIE: cookie}, timeout=30
        )
        for deployment in (blora, batang)
    }
    assert pages["3316"].status_code == 200
    assert pages["3325"].status_code == 303
    assert pages["3325"].headers["location"].startswith("/masuk")
