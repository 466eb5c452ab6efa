"""The service through a real PgBouncer in transaction mode: commands, views, limits and the sync
worker's lock and the leases, with more client connections than server connections."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bratasena.application import Bratasena
from bratasena.integration.sync import SyncWorker, _WorkerLock
from bratasena.leadership import Lease
from bratasena.limit_store import limit_store
from bratasena.projections import Projections
from bratasena.settings import Settings
from bratasena.web.letters import Press
from tests.builders import Clock, case_at, open_staff, register, registry_row
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.integration.pgbouncer import Bouncer, installed, running_bouncer
from tests.integration.test_sync_support import (
    Running,
    settled,
    start_targets,
    target_settings,
    wait_until,
)


@pytest.fixture
def bouncer(backend: str) -> Iterator[Bouncer]:
    if backend == "sqlite":
        pytest.skip("PgBouncer pools PostgreSQL connections; the embedded SQLite has none")
    if not installed():
        if REQUIRE_POSTGRES:
            pytest.fail("pgbouncer is not installed (.ci/run installs Debian's package)")
        pytest.skip("pgbouncer is not installed (.ci/run installs Debian's package)")
    with running_bouncer(POSTGRES_URL, pool_size=4) as running:
        yield running


def test_a_case_goes_to_sync_through_pgbouncer_in_transaction_mode(
    bouncer: Bouncer, make_settings: Callable[..., Settings], clock: Clock
) -> None:
    targets = start_targets()
    settings = make_settings(
        database_url=bouncer.url, transaction_pooler=True, **target_settings(targets)
    )
    app = Bratasena(settings, clock=clock, typesetter=Press())
    views = Projections(app, settings)
    workers = [SyncWorker(app, settings) for _ in range(2)]
    limits = limit_store(settings)
    try:
        register(app, *(registry_row(n) for n in range(1, 6)))
        open_staff(app)
        # Many commands, each reusing the library's statements on whichever server connection
        # PgBouncer hands out: a statement prepared on one would be missing on the next.
        cid = case_at(app, clock, "upheld")
        other = case_at(app, clock, "filed", registry_id="DTKS-000002")
        outcome = app.assign(other, None, officer="sari", actor="kabid")
        views.wait_for(outcome.position, 10)
        assert views.cases.get(cid).status == "upheld"
        assert views.cases.get(other).assigned_to == "sari"
        now = clock().timestamp()
        assert limits.add("pgbouncer-test", now=now, ttl=60)[0] == 1
        assert limits.add("pgbouncer-test", now=now, ttl=60)[0] == 2

        # Only one worker holds the store's sync lock, though both ask through the pooler.
        with Running(workers[0]):
            wait_until(settled(workers[0], 2), timeout=30)
            standby = _WorkerLock(settings)
            try:
                assert not standby.try_acquire()
            finally:
                standby.release()
        assert [change["registry_id"] for change in targets["dtsen"].state.received()] == [
            "DTKS-000001"
        ]
        # Every client connection of this process shared the few server connections.
        clients = [c for c in bouncer.show("CLIENTS") if c["database"] == "test"]
        servers = [s for s in bouncer.show("SERVERS") if s["database"] == "test"]
        assert len(clients) > len(servers)
        assert len(servers) <= bouncer.pool_size
        stats = {row["database"]: row for row in bouncer.show("STATS")}
        assert stats["test"]["total_xact_count"] > 100
    finally:
        for worker in workers:
            worker.close()
        limits.close()
        views.close()
        app.close()
        for target in targets.values():
            target.stop()


def test_a_leases_transaction_lock_through_pgbouncer_has_one_holder_at_a_time(
    bouncer: Bouncer, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(database_url=bouncer.url, transaction_pooler=True)
    first, second = Lease(settings, "runner"), Lease(settings, "runner")
    try:
        assert first.try_acquire()
        # The refused try ends its transaction, so PgBouncer may hand its server connection on.
        assert not second.try_acquire()
        assert not second.try_acquire()
        assert first.still_held()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()
