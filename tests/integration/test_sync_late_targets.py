"""A target switched on after changes were recorded gets every one of them, exactly once; what a
target has not acknowledged is counted in `sync status`, /readyz and /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.integration.simulator import StandInTarget
from bratasena.integration.sync import SyncWorker
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many
from tests.integration.test_sync_support import (
    assert_exactly_once,
    start_targets,
    target_settings,
)

MakeSettings = Callable[..., Settings]


@pytest.fixture
def targets() -> Iterator[dict[str, StandInTarget]]:
    running = start_targets()
    yield running
    for target in running.values():
        target.stop()


def test_changes_decided_without_targets_reach_them_once_they_are_enabled(
    make_settings: MakeSettings, targets: dict[str, StandInTarget], clock: Clock
) -> None:
    bare = make_settings()
    app = Bratasena(bare, clock=clock)
    hids = deactivate_many(app, clock, 39)
    unconfigured = SyncWorker(app, bare)
    unconfigured.run_once()  # `serve` without the URLs: the worker follows the log all the same
    status = unconfigured.status()
    assert status.lag == 0
    assert {t.target: (t.enabled, t.unsent) for t in status.per_target} == {
        "dtjateng": (False, 39),
        "dtsen": (False, 39),
    }
    unconfigured.close()

    enabled = make_settings(**target_settings(targets))
    worker = SyncWorker(app, enabled)
    worker.run_once()
    worker.run_once()  # a second round sends nothing again
    assert_exactly_once(app, targets, hids)
    assert {t.target: t.unsent for t in worker.status().per_target} == {"dtjateng": 0, "dtsen": 0}
    worker.close()
    app.close()


def test_a_target_added_later_gets_the_whole_history_and_the_other_nothing_twice(
    make_settings: MakeSettings, targets: dict[str, StandInTarget], clock: Clock
) -> None:
    only_province = make_settings(**target_settings({"dtjateng": targets["dtjateng"]}))
    app = Bratasena(only_province, clock=clock)
    first = deactivate_many(app, clock, 5)
    worker = SyncWorker(app, only_province)
    worker.run_once()
    worker.close()
    later = deactivate_many(app, clock, 3, first=6)
    both = SyncWorker(app, make_settings(**target_settings(targets)))
    both.run_once()
    assert_exactly_once(app, targets, first + later)
    both.close()
    app.close()


def test_a_store_from_before_per_target_positions_queues_only_what_was_missed(
    make_settings: MakeSettings, targets: dict[str, StandInTarget], clock: Clock
) -> None:
    """The landed worker kept one position for all targets and queued only the configured ones."""
    settings = make_settings(**target_settings({"dtjateng": targets["dtjateng"]}))
    app = Bratasena(settings, clock=clock)
    hids = deactivate_many(app, clock, 4)
    worker = SyncWorker(app, settings)
    worker.run_once()
    # As the landed worker left it: one `worker` row past everything, no per-target rows, and
    # no items for DTSEN, which was not configured then.
    with worker.outbox.db.transaction() as cur:
        cur.execute("DELETE FROM sync_position")
        cur.execute(
            "INSERT INTO sync_position (name, position) VALUES ('worker', %s)", (app.head(),)
        )
        cur.execute("DELETE FROM sync_outbox WHERE target = 'dtsen'")
    worker.close()
    restarted = SyncWorker(app, make_settings(**target_settings(targets)))
    restarted.run_once()
    assert_exactly_once(app, targets, hids)
    restarted.close()
    app.close()


def test_readyz_and_metrics_show_what_each_target_has_not_acknowledged(
    make_settings: MakeSettings, clock: Clock
) -> None:
    settings = make_settings()
    api = create_app(settings, clock=clock)
    with TestClient(api) as client:
        service = api.state.service
        deactivate_many(service.app, clock, 2)
        service.sync.run_once()
        ready = client.get("/readyz").json()
        assert ready["sync_unsent"] == {"dtjateng": 2, "dtsen": 2}
        metrics = client.get("/metrics").text
        assert 'bratasena_sync_unsent{target="dtsen",enabled="false"} 2' in metrics
