"""View reads from a real streaming replica (pg_basebackup on another port), read-your-writes after
each command through the commit's WAL position, the primary when the replica lags beyond the bound,
and the replica's lag in /readyz and /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from bratasena.bootstrap import create_app
from bratasena.projections import CaseQuery, HouseholdQuery, Projections
from bratasena.settings import Settings
from tests.api.conftest import Headers, bearer, complaint_body, free_port, password_hash
from tests.builders import Clock, register, registry_row
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.integration.replica import installed, running_replica


@pytest.fixture
def replica_url(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        pytest.skip("streaming replication is PostgreSQL's; the embedded SQLite reads its own file")
    if not installed():
        if REQUIRE_POSTGRES:
            pytest.fail("pg_basebackup is not installed")
        pytest.skip("pg_basebackup is not installed")
    with running_replica(POSTGRES_URL) as url:
        yield url


def served_by_replica(views: Projections) -> bool:
    """Whether the views' next read runs on a standby, asked on the read's own connection."""
    ((standby,),) = views.reads.query("SELECT pg_is_in_recovery()")
    return bool(standby)


def test_views_are_read_from_the_replica_and_show_a_command_at_once(
    replica_url: str, make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings(read_database_url=replica_url, replica_wait_seconds=5.0)
    api = create_app(settings, clock=clock)
    with TestClient(api) as client:
        app = api.state.service.app
        views: Projections = api.state.service.projections
        register(app, *(registry_row(n) for n in range(1, 4)))
        for username, role in (("kabid", "supervisor"), ("budi", "officer")):
            app.open_account(
                username=username,
                role=role,
                districts=["331601"] if role == "officer" else [],
                password_hash=password_hash(),
                actor="setup",
            )
        kabid: Headers = bearer(settings, "kabid")
        assert views.reads.configured

        # A command: its answer and the next reads come from the replica and show it.
        filed = client.post("/api/v1/complaints", json=complaint_body())
        assert filed.status_code == 201
        cid = filed.json()["complaint_id"]
        assert served_by_replica(views)
        before = dict(views.reads.counts)
        listed = client.get("/api/v1/cases", headers=kabid).json()
        assert [case["complaint_id"] for case in listed["items"]] == [cid]
        assert views.reads.counts["replica"] > before["replica"]
        assert views.reads.counts["primary"] == before["primary"]
        assigned = client.post(
            f"/api/v1/cases/{cid}/assignment",
            json={"officer": "budi"},
            headers={**kabid, "If-Match": '"1"'},
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["case"]["assigned_to"] == "budi"
        assert client.get(f"/api/v1/cases/{cid}", headers=kabid).json()["assigned_to"] == "budi"
        page = views.households.search(HouseholdQuery(registry_id="DTKS-000002"))
        assert [row.registry_id for row in page.items] == ["DTKS-000002"]
        assert served_by_replica(views)

        # The replica's lag, in /readyz and /metrics.
        ready = client.get("/readyz").json()
        assert ready["replica"]["in_recovery"] is True
        assert ready["replica"]["lag_bytes"] >= 0
        assert ready["replica"]["lag_seconds"] >= 0
        metrics = client.get("/metrics").text
        assert "bratasena_replica_lag_bytes " in metrics
        assert "bratasena_replica_lag_seconds " in metrics
        assert 'bratasena_view_reads_total{source="replica"}' in metrics

        # A replica that stops replaying: the command waits the bound, then reads go to the
        # primary, which shows the command; once it replays again, reads return to it.
        views.reads.bound = 0.2
        with psycopg.connect(replica_url, autocommit=True) as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
            try:
                second = client.post(
                    "/api/v1/complaints", json=complaint_body("DTKS-000002", reporter=None)
                )
                assert second.status_code == 201
                assert not served_by_replica(views)
                found = views.cases.search(CaseQuery())
                assert second.json()["complaint_id"] in {
                    str(row.complaint_id) for row in found.items
                }
                assert client.get("/readyz").json()["replica"]["lag_bytes"] > 0
            finally:
                standby.execute("SELECT pg_wal_replay_resume()")
        views.reads.bound = 5.0
        assert views.reads.after_write()
        assert served_by_replica(views)


def test_a_replica_that_does_not_answer_moves_the_reads_to_the_primary(
    backend: str, make_settings: Callable[..., Settings], clock: Clock
) -> None:
    if backend == "sqlite":
        pytest.skip("streaming replication is PostgreSQL's; the embedded SQLite reads its own file")
    nobody = f"postgresql://postgres@127.0.0.1:{free_port()}/test"  # nothing listens there
    settings = make_settings(read_database_url=nobody, pool_timeout_seconds=1)
    api = create_app(settings, clock=clock)
    with TestClient(api) as client:
        app = api.state.service.app
        views: Projections = api.state.service.projections
        register(app)
        app.open_account(
            username="kabid",
            role="supervisor",
            districts=[],
            password_hash=password_hash(),
            actor="setup",
        )
        filed = client.post("/api/v1/complaints", json=complaint_body())
        assert filed.status_code == 201
        listed = client.get("/api/v1/cases", headers=bearer(settings, "kabid")).json()
        assert [case["complaint_id"] for case in listed["items"]] == [filed.json()["complaint_id"]]
        assert views.reads.counts["replica"] == 0
        assert views.reads.counts["primary"] > 0
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["replica"] == {"reachable": False}
        assert "bratasena_replica_up 0" in client.get("/metrics").text
