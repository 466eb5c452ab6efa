"""The sync worker against stand-in targets over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from bratasena.application import Bratasena
from bratasena.bootstrap import Service
from bratasena.domain.errors import NotFoundError, RuleViolationError
from bratasena.domain.household import Household
from bratasena.integration.client import build_payload, read_answer
from bratasena.integration.simulator import StandInTarget
from bratasena.integration.sync import SyncWorker, backoff_delay
from bratasena.settings import Settings
from bratasena.web.letters import Press
from tests.builders import Clock, case_at, deactivate_many, kk, nik, open_staff, register
from tests.integration.test_sync_support import (
    Running,
    assert_exactly_once,
    received,
    settled,
    start_targets,
    sync_records,
    target_settings,
    wait_until,
)

MakeSettings = Callable[..., Settings]


@pytest.fixture
def targets() -> Iterator[dict[str, StandInTarget]]:
    running = start_targets()
    yield running
    for target in running.values():
        target.stop()


@pytest.fixture
def worker(
    make_settings: MakeSettings, targets: dict[str, StandInTarget], clock: Clock
) -> Iterator[tuple[Bratasena, SyncWorker]]:
    settings = make_settings(**target_settings(targets))
    app = Bratasena(settings, clock=clock, typesetter=Press())
    sync = SyncWorker(app, settings, concurrency=4)
    yield app, sync
    sync.close()
    app.close()


def test_an_upheld_complaint_reaches_both_targets_with_the_contract_payload(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    app, sync = worker
    register(app)
    open_staff(app)
    cid = case_at(app, clock, "upheld")
    sync.run_once()
    household = app.find_households(registry_id="DTKS-000001")[0]
    for name, target in targets.items():
        [change] = received(target)
        payload = change["payload"]
        assert payload == {
            "idempotency_key": f"{household.id}:{household.status_changes[0]}",
            "change": "deactivation",
            "registry_id": "DTKS-000001",
            "kk_number": kk(1),
            "head_nik": nik(1),
            "reason_codes": ["mampu", "owns_car"],
            "effective_month": "2026-04",
            "complaint_reference": app.get_complaint(cid).tracking_code,
            "decided_by": "kabid",
            "decided_at": payload["decided_at"],
            "regency": "3316",
            "source": "bratasena",
        }
        outcome = app.get_household(household.id).sync_outcome(name, household.status_changes[0])
        assert outcome == ("synced", change["reference"])
    status = sync.status()
    assert (status.lag, status.pending, status.done, status.parked) == (0, 0, 2, 0)


def test_the_proposal_list_and_the_bupatis_sk_follow_the_deactivation_as_updates(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    app, sync = worker
    register(app)
    open_staff(app)
    case_at(app, clock, "upheld")
    sync.run_once()  # the province sees the deactivation at once, before any list
    clock.now = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    app.prepare_proposals(actor="kabid")
    sync.run_once()
    app.approve_proposals(
        "2026-03", approved_on=date(2026, 3, 17), sk_number="188.4/21/2026", actor="kabid"
    )
    sync.run_once()
    household = app.find_households(registry_id="DTKS-000001")[0]
    deactivation = f"{household.id}:{household.status_changes[0]}"
    for target in targets.values():
        changes = received(target)
        assert [c["change"] for c in changes] == ["deactivation", "update", "update"]
        listed, approved = changes[1]["payload"], changes[2]["payload"]
        assert (listed["updates"], listed["proposal_number"], listed["sk_number"]) == (
            deactivation,
            "03/USUL-NONAKTIF/2026",
            None,
        )
        assert (approved["updates"], approved["sk_number"], approved["sk_date"]) == (
            deactivation,
            "188.4/21/2026",
            "2026-03-17",
        )
    for version in household.sync_updates:
        assert household.sync_outcome("dtsen", version) is not None
    assert sync.status().done == 6


def test_a_deactivation_and_its_reactivation_reach_the_target_in_order(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    app, sync = worker
    register(app)
    open_staff(app)
    cid = case_at(app, clock, "delivered")
    clock.advance(days=1)
    app.appeal(cid, None, grounds="Mobil milik saudara", filed_on=clock.today(), actor="budi")
    app.grant_appeal(cid, None, reason="Terbukti bukan miliknya", actor="kabid2")
    # Both changes wait in the outbox while the province's target refuses everything; the
    # reactivation must not overtake the deactivation stuck behind the failures.
    targets["dtjateng"].faults.fail_rate = 1.0
    with Running(sync):
        wait_until(lambda: received(targets["dtsen"]) and len(received(targets["dtsen"])) == 2)
        assert received(targets["dtjateng"]) == []
        targets["dtjateng"].faults.fail_rate = 0.0
        wait_until(settled(sync, 4))
    for target in targets.values():
        changes = received(target)
        assert [c["change"] for c in changes] == ["deactivation", "reactivation"]
        assert changes[1]["payload"]["reason_codes"] == ["appeal_granted"]
    hid = app.find_households(registry_id="DTKS-000001")[0].id
    assert_exactly_once(app, targets, [hid])


def test_a_target_down_for_a_while_gets_the_backlog_when_it_is_back(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    app, sync = worker
    hids = deactivate_many(app, clock, 20)
    targets["dtsen"].stop()
    with Running(sync):
        wait_until(lambda: sync.status().retrying > 0 and sync.status().done == 20)
        assert sync_records(app, hids).keys() == {
            (hid, "dtjateng", v) for hid in hids for v in app.get_household(hid).status_changes
        }
        targets["dtsen"].start()
        wait_until(settled(sync, 40))
    assert sync.status().pending + sync.status().retrying + sync.status().parked == 0
    assert_exactly_once(app, targets, hids)


def test_a_backlog_larger_than_a_batch_of_the_log_syncs_each_change_once(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    """More than one batch of the log is taken in at once (and the outbox's statistics
    refreshed for `due`'s plan); every change still goes out once, none skipped."""
    app, sync = worker
    hids = deactivate_many(app, clock, 300)
    with Running(sync):
        wait_until(settled(sync, 600))
    assert sync.status().pending + sync.status().retrying + sync.status().parked == 0
    assert_exactly_once(app, targets, hids)


def test_a_round_of_following_ends_at_the_head_it_found_while_changes_keep_arriving(
    worker: tuple[Bratasena, SyncWorker], clock: Clock
) -> None:
    """Under steady writes a round takes in what the log held when it began and leaves the rest
    to the next round, a poll later: following until the writes paused kept the worker reading
    the log without a break while complaints were filed every few milliseconds."""
    app, sync = worker
    deactivate_many(app, clock, 3)
    head = app.head()
    follows = 0
    follow = sync.follow

    def follow_while_another_arrives() -> int:
        nonlocal follows
        follows += 1
        assert follows <= 5, "the round kept following the log"
        deactivate_many(app, clock, 1, first=100 + follows)  # arrives during the read
        return follow()

    sync.follow = follow_while_another_arrives  # type: ignore[method-assign]
    queued = sync._follow_all()
    assert (follows, queued) == (1, 2 * 4)  # the three and the one that arrived, to both targets
    assert sync.position() >= head


def test_500s_timeouts_garbage_and_lost_answers_are_retried_without_loss_or_doubles(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    app, sync = worker
    hids = deactivate_many(app, clock, 30)
    for target in targets.values():
        target.faults.fail_rate = 0.2
        target.faults.garbage_rate = 0.15
        target.faults.hang_rate = 0.05
        target.faults.hang_seconds = 0.7  # past the client's 0.5 s timeout; applied anyway
        target.faults.lost_answer_rate = 0.2
    with Running(sync):
        wait_until(settled(sync, 60))
    assert_exactly_once(app, targets, hids)
    resent = [c for t in targets.values() for c in received(t) if c["times_sent"] > 1]
    assert resent, "the faults should have forced resends"


def test_a_refused_household_is_parked_while_the_rest_sync_and_a_retry_syncs_it(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    app, sync = worker
    hids = deactivate_many(app, clock, 10)
    targets["dtjateng"].faults.refuse = ["DTKS-000004"]
    sync.run_once()
    [parked] = sync.parked()
    assert (parked.registry_id, parked.target, parked.reason_code) == (
        "DTKS-000004",
        "dtjateng",
        "household_refused",
    )
    assert parked.change == "deactivation"
    assert sync.status().parked == 1
    assert len(received(targets["dtjateng"])) == 9
    assert len(received(targets["dtsen"])) == 10
    history = list(app.events.get(parked.household_id))
    assert [e.reason_code for e in history if isinstance(e, Household.SyncRejected)] == [
        "household_refused"
    ]
    with pytest.raises(RuleViolationError, match="only parked items"):
        sync.retry(f"dtsen-{parked.id.split('-')[1]}")
    with pytest.raises(NotFoundError):
        sync.retry("dtjateng-999999")

    targets["dtjateng"].faults.refuse = []
    sync.retry(parked.id)
    sync.run_once()
    assert sync.parked() == []
    assert_exactly_once(app, targets, hids)
    outcome = app.get_household(parked.household_id).sync_outcome("dtjateng", parked.event_version)
    assert outcome is not None
    assert outcome[0] == "synced"


def test_a_later_change_waits_behind_a_parked_one_of_the_same_household(
    worker: tuple[Bratasena, SyncWorker], targets: dict[str, StandInTarget], clock: Clock
) -> None:
    app, sync = worker
    [hid] = deactivate_many(app, clock, 1)
    household = app.get_household(hid)
    household.reactivate(
        complaint_id=None,
        cause="registry_correction",
        reason="Salah data",
        actor="kabid",
        at=clock(),
    )
    app.save(household)
    targets["dtsen"].faults.refuse = ["DTKS-000001"]
    sync.run_once()
    assert [p.change for p in sync.parked()] == ["deactivation"]
    assert received(targets["dtsen"]) == []
    assert [c["change"] for c in received(targets["dtjateng"])] == ["deactivation", "reactivation"]
    targets["dtsen"].faults.refuse = []
    sync.retry(sync.parked()[0].id)
    sync.run_once()
    assert [c["change"] for c in received(targets["dtsen"])] == ["deactivation", "reactivation"]
    assert_exactly_once(app, targets, [hid])


def test_transient_failures_park_an_item_after_the_configured_attempts(
    make_settings: MakeSettings, targets: dict[str, StandInTarget], clock: Clock
) -> None:
    values = target_settings(targets) | {"sync_max_attempts": 3, "sync_backoff_base_seconds": 0}
    settings = make_settings(**values)
    app = Bratasena(settings, clock=clock)
    sync = SyncWorker(app, settings)
    try:
        deactivate_many(app, clock, 1)
        targets["dtsen"].faults.fail_rate = 1.0
        while not sync.parked():
            sync.run_once()
        [parked] = sync.parked()
        assert (parked.target, parked.reason_code, parked.attempts) == ("dtsen", "gave_up", 3)
        assert "HTTP 500" in parked.message
        # Giving up is local: the target never refused, so no SyncRejected is recorded.
        assert not any(
            isinstance(e, Household.SyncRejected) for e in app.events.get(parked.household_id)
        )
    finally:
        sync.close()
        app.close()


def test_a_wrong_token_is_retried_not_taken_as_a_refusal(
    make_settings: MakeSettings, targets: dict[str, StandInTarget], clock: Clock
) -> None:
    values = target_settings({"dtsen": targets["dtsen"]})
    values["sync_dtsen_token"] = "wrong"
    settings = make_settings(**values)
    app = Bratasena(settings, clock=clock)
    sync = SyncWorker(app, settings)
    try:
        deactivate_many(app, clock, 1)
        sync.run_once()
        status = sync.status()
        assert (status.retrying, status.parked, status.done) == (1, 0, 0)
        assert status.targets == ("dtsen",)
        assert received(targets["dtsen"]) == []
    finally:
        sync.close()
        app.close()


def test_a_resent_change_is_applied_once_and_answered_the_same(
    app: Bratasena, targets: dict[str, StandInTarget], clock: Clock
) -> None:
    import httpx

    [hid] = deactivate_many(app, clock, 1)
    payload = build_payload(app, hid, app.get_household(hid).status_changes[0])
    target = targets["dtsen"]
    headers = {"Authorization": "Bearer token-nation"}
    answers = [
        httpx.post(f"{target.url}/v1/changes", json=payload, headers=headers) for _ in range(3)
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["reference"] for a in answers}) == 1
    assert all(a.headers["X-Stand-In"].startswith("bratasena simulator") for a in answers)
    [change] = received(target)
    assert change["times_sent"] == 3
    unauthorised = httpx.post(f"{target.url}/v1/changes", json=payload)
    assert unauthorised.status_code == 401


def test_answers_are_read_by_the_contract() -> None:
    accepted = read_answer(200, b'{"status": "accepted", "reference": "DTJ-1"}')
    assert (accepted.kind, accepted.reference) == ("accepted", "DTJ-1")
    rejected = read_answer(422, b'{"status": "rejected", "reason_code": "not_found"}')
    assert (rejected.kind, rejected.reason_code) == ("rejected", "not_found")
    for status, body in (
        (500, b'{"status": "rejected", "reason_code": "x"}'),
        (200, b"<html>"),
        (200, b"[]"),
        (200, b'{"status": "accepted"}'),
        (422, b'{"status": "rejected"}'),
        (401, b'{"status": "rejected", "reason_code": "x"}'),
        (429, b"{}"),
        (302, b"{}"),
    ):
        assert read_answer(status, body).kind == "transient", (status, body)


def test_backoff_grows_within_its_bounds() -> None:
    rng = random.Random(1)
    for attempts in range(1, 20):
        delay = backoff_delay(attempts, 1.0, 300.0, rng)
        ceiling = min(300.0, 2.0 ** (attempts - 1))
        assert max(1.0, ceiling / 2) <= delay <= ceiling
    assert backoff_delay(30, 1.0, 300.0, rng) >= 150.0


def test_the_in_flight_count_comes_from_the_settings(make_settings: MakeSettings) -> None:
    with Service(make_settings(sync_in_flight=3)) as service:
        assert service.sync.concurrency == 3
    with Service(make_settings()) as service:
        assert service.sync.concurrency == 64
    with pytest.raises(ValidationError, match="sync_in_flight"):
        make_settings(sync_in_flight=0)
