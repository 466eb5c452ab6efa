"""Fixtures shared by every suite: a fresh store on SQLite or PostgreSQL, a settable clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bratasena.application import Bratasena
from bratasena.settings import Settings
from bratasena.web.letters import Press
from tests.builders import Clock

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("BRATASENA_REQUIRE_POSTGRES", "") not in ("", "0", "no")


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    reachable = _postgres_reachable()
    if not reachable and REQUIRE_POSTGRES:
        pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_URL}")
    return reachable


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each integration test runs once on the embedded SQLite default and once on PostgreSQL."""
    if request.param == "postgres" and not request.getfixturevalue("postgres_available"):
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    return str(request.param)


@pytest.fixture
def make_settings(backend: str, tmp_path: Path) -> Iterator[object]:
    """A factory of settings for a fresh, empty store on the test's backend."""
    schemas: list[str] = []

    def factory(**overrides: object) -> Settings:
        values: dict[str, object] = {"environment": "test", "data_dir": tmp_path / "var"}
        if backend == "postgres":
            if not schemas:
                schemas.append(f"test_{uuid.uuid4().hex[:12]}")
            values["database_url"] = POSTGRES_URL
            values["database_schema"] = schemas[0]
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    yield factory
    for schema in schemas:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def settings(make_settings: object) -> Settings:
    return make_settings()  # type: ignore[operator,no-any-return]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[Bratasena]:
    application = Bratasena(settings, clock=clock, typesetter=Press())
    yield application
    application.close()
