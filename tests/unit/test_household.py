"""Given a household's history, when a command is given, then these events follow, or this error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from bratasena.domain.errors import InvalidInputError, OutOfOrderError
from bratasena.domain.household import Household
from tests.builders import registry_row

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def registered(**overrides: Any) -> Household:
    h = Household.register(
        id=uuid4(),
        source="dtks",
        period="2026-01",
        actor="admin",
        at=T0,
        **registry_row(**overrides),
    )
    h.collect_events()
    return h


def deactivated(at: datetime = T0) -> Household:
    h = registered()
    h.deactivate(complaint_id=uuid4(), reason_codes=["mampu"], actor="kabid", at=at)
    h.collect_events()
    return h


def test_registration_keeps_the_extract_row() -> None:
    h = Household.register(
        id=uuid4(), source="dtsen", period="2026-02", actor="admin", at=T0, **registry_row(7)
    )
    [event] = h.collect_events()
    assert isinstance(event, Household.Registered)
    assert (h.registry_id, h.desil, h.programs, h.status) == (
        "DTKS-000007",
        2,
        ("PKH", "BPNT"),
        "active",
    )


@pytest.mark.parametrize(
    ("field", "value"), [("desil", 11), ("desil", 0), ("programs", ["BLT"]), ("members", 0)]
)
def test_registration_refuses_values_outside_the_registry_rules(field: str, value: Any) -> None:
    with pytest.raises(InvalidInputError) as error:
        registered(**{field: value})
    assert error.value.field == field


def test_an_unchanged_extract_row_records_nothing() -> None:
    h = registered()
    assert (
        h.update_registry(row=registry_row(), source="dtks", period="2026-02", actor="a", at=T0)
        is False
    )
    assert h.collect_events() == []


def test_a_changed_row_records_only_what_changed_and_keeps_the_kk_history() -> None:
    h = registered()
    old_kk = h.kk_number
    row = registry_row(desil=5, kk_number="3316011503240009")
    assert h.update_registry(row=row, source="dtks", period="2026-02", actor="a", at=T0)
    [event] = h.collect_events()
    assert isinstance(event, Household.RegistryUpdated)
    assert event.changes == {"kk_number": "3316011503240009", "desil": 5}
    assert h.kk_history == (old_kk,)


@pytest.mark.parametrize(
    ("decided_utc", "effective"),
    [
        (datetime(2026, 3, 31, 16, 59, tzinfo=UTC), "2026-04"),  # 23:59 WIB on 31 March
        (datetime(2026, 3, 31, 17, 0, tzinfo=UTC), "2026-05"),  # 00:00 WIB on 1 April
        (datetime(2026, 12, 15, 3, 0, tzinfo=UTC), "2027-01"),
    ],
)
def test_deactivation_takes_effect_from_the_next_month_in_jakarta(
    decided_utc: datetime, effective: str
) -> None:
    h = registered()
    h.deactivate(complaint_id=uuid4(), reason_codes=["mampu"], actor="kabid", at=decided_utc)
    [event] = h.collect_events()
    assert isinstance(event, Household.Deactivated)
    assert event.effective_month == effective
    assert h.status == "deactivated"


def test_a_household_cannot_be_deactivated_twice() -> None:
    h = deactivated()
    with pytest.raises(OutOfOrderError, match="already deactivated"):
        h.deactivate(complaint_id=uuid4(), reason_codes=["mampu"], actor="kabid", at=T0)


def test_reactivation_needs_a_deactivated_household_and_a_reason() -> None:
    with pytest.raises(OutOfOrderError):
        registered().reactivate(
            complaint_id=None, cause="registry_correction", reason="x", actor="a", at=T0
        )
    h = deactivated()
    with pytest.raises(InvalidInputError):
        h.reactivate(complaint_id=None, cause="registry_correction", reason=" ", actor="a", at=T0)
    h.reactivate(
        complaint_id=None,
        cause="registry_correction",
        reason="Salah input",
        actor="a",
        at=T0 + timedelta(days=1),
    )
    [event] = h.collect_events()
    assert isinstance(event, Household.Reactivated)
    assert h.status == "active"


def test_sync_is_recorded_once_per_target_and_change() -> None:
    h = deactivated()
    h.record_synced(target="dtjateng", event_version=2, reference="JT-1", actor="sync", at=T0)
    [event] = h.collect_events()
    assert isinstance(event, Household.Synced)
    assert h.sync_outcome("dtjateng", 2) == ("synced", "JT-1")
    with pytest.raises(OutOfOrderError, match="already answered"):
        h.record_synced(target="dtjateng", event_version=2, reference="JT-2", actor="s", at=T0)
    h.record_synced(target="dtsen", event_version=2, reference="N-1", actor="sync", at=T0)


def test_sync_must_name_a_known_target_and_a_status_change() -> None:
    h = deactivated()
    with pytest.raises(InvalidInputError) as error:
        h.record_synced(target="bpjs", event_version=2, reference="x", actor="s", at=T0)
    assert error.value.field == "target"
    with pytest.raises(InvalidInputError) as error:
        h.record_synced(target="dtsen", event_version=1, reference="x", actor="s", at=T0)
    assert error.value.field == "event_version"


def test_a_rejected_sync_can_later_succeed() -> None:
    h = deactivated()
    h.record_sync_rejected(
        target="dtsen",
        event_version=2,
        reason_code="unknown_household",
        message="?",
        actor="s",
        at=T0,
    )
    assert h.sync_outcome("dtsen", 2) == ("rejected", "unknown_household")
    h.record_synced(target="dtsen", event_version=2, reference="N-9", actor="s", at=T0)
    assert h.sync_outcome("dtsen", 2) == ("synced", "N-9")
