"""Targets' answers recorded on households in batches (`record_sync_answers`), on both backends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import pytest

from bratasena.application import Bratasena, SyncAnswer
from bratasena.domain.errors import InvalidInputError
from bratasena.domain.household import Household
from bratasena.settings import Settings
from tests.builders import Clock, deactivate_many
from tests.integration.test_sync_support import sync_records


def accepted(hid: UUID, target: str, reference: str, version: int = 2) -> SyncAnswer:
    return SyncAnswer(hid, target, version, accepted=True, reference=reference)


def refused(hid: UUID, target: str, reason: str, version: int = 2) -> SyncAnswer:
    return SyncAnswer(hid, target, version, accepted=False, reason_code=reason, message="-")


def answers_recorded(app: Bratasena, hid: UUID) -> list[tuple[str, str, int]]:
    return [
        (type(e).__name__, e.target, e.event_version)
        for e in app.events.get(hid)
        if isinstance(e, Household.Synced | Household.SyncRejected)
    ]


def test_answers_for_many_households_are_recorded_together_or_not_at_all(
    app: Bratasena, clock: Clock
) -> None:
    first, second, third = deactivate_many(app, clock, 3)
    head = app.head()
    outcomes = app.record_sync_answers(
        [
            accepted(first, "dtjateng", "JTG-1"),
            refused(first, "dtsen", "unknown_nik"),
            accepted(second, "dtjateng", "JTG-2"),
            accepted(third, "dtsen", "DTS-3"),
        ],
        actor="sync-worker",
    )
    assert outcomes == [
        ("synced", "JTG-1"),
        ("rejected", "unknown_nik"),
        ("synced", "JTG-2"),
        ("synced", "DTS-3"),
    ]
    assert app.head() == head + 4
    assert answers_recorded(app, first) == [
        ("Synced", "dtjateng", 2),
        ("SyncRejected", "dtsen", 2),
    ]

    head = app.head()
    with pytest.raises(InvalidInputError, match="event_version"):
        app.record_sync_answers(
            [accepted(second, "dtsen", "DTS-2"), accepted(third, "dtjateng", "JTG-3", version=1)],
            actor="sync-worker",
        )
    assert app.head() == head


def test_an_answer_already_recorded_records_nothing_and_says_what_the_household_holds(
    app: Bratasena, clock: Clock
) -> None:
    [hid] = deactivate_many(app, clock, 1)
    app.record_sync_answers([accepted(hid, "dtjateng", "JTG-1")], actor="sync-worker")
    app.record_sync_answers([refused(hid, "dtsen", "unknown_nik")], actor="sync-worker")
    head = app.head()

    # A resend after a crash answers the same; a refusal of what was acknowledged changes
    # nothing; a second refusal keeps the first one's reason.
    outcomes = app.record_sync_answers(
        [
            accepted(hid, "dtjateng", "JTG-1"),
            refused(hid, "dtjateng", "late_refusal"),
            refused(hid, "dtsen", "other_reason"),
        ],
        actor="sync-worker",
    )

    assert outcomes == [("synced", "JTG-1"), ("synced", "JTG-1"), ("rejected", "unknown_nik")]
    assert app.head() == head
    # A refused change sent again once its cause is fixed is acknowledged after all.
    assert app.record_sync_answers([accepted(hid, "dtsen", "DTS-1")], actor="sync-worker") == [
        ("synced", "DTS-1")
    ]
    assert answers_recorded(app, hid) == [
        ("Synced", "dtjateng", 2),
        ("SyncRejected", "dtsen", 2),
        ("Synced", "dtsen", 2),
    ]


def test_a_household_changed_while_its_answers_are_decided_is_read_again(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    settings = make_settings()
    other = Bratasena(settings, clock=clock)
    interrupted: list[datetime] = []

    def clock_with_another_writer() -> datetime:
        # The use case reads the clock between loading the households and saving them: another
        # process records the other target's answer for the same household just then, once.
        if not interrupted:
            interrupted.append(clock())
            other.record_sync_answers([accepted(hid, "dtsen", "DTS-1")], actor="other-worker")
        return clock()

    app = Bratasena(settings, clock=clock_with_another_writer)
    try:
        [hid] = deactivate_many(other, clock, 1)
        outcomes = app.record_sync_answers([accepted(hid, "dtjateng", "JTG-1")], actor="sync")
        assert interrupted
        assert outcomes == [("synced", "JTG-1")]
        assert answers_recorded(app, hid) == [("Synced", "dtsen", 2), ("Synced", "dtjateng", 2)]
    finally:
        app.close()
        other.close()


def test_two_writers_answering_for_the_same_households_at_once_both_get_recorded(
    app: Bratasena, clock: Clock
) -> None:
    hids = deactivate_many(app, clock, 24)
    errors: list[BaseException] = []

    def answer_for(target: str) -> None:
        try:
            for start in range(0, len(hids), 4):
                batch = [accepted(h, target, f"{target}-{h}") for h in hids[start : start + 4]]
                app.record_sync_answers(batch, actor="sync")
        except BaseException as error:  # surfaced after join
            errors.append(error)

    threads = [threading.Thread(target=answer_for, args=(t,)) for t in ("dtjateng", "dtsen")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    records = sync_records(app, hids)
    assert set(records) == {(h, t, 2) for h in hids for t in ("dtjateng", "dtsen")}
    assert set(records.values()) == {1}
