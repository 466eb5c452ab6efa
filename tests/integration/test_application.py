"""The use cases end to end on SQLite and PostgreSQL: lifecycle, conflicts, lookups, encryption."""

from __future__ import annotations

import base64
import os
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bratasena.application import Bratasena
from bratasena.domain.complaint import Complaint
from bratasena.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OutOfOrderError,
)
from bratasena.domain.household import Household
from bratasena.settings import Settings
from tests.builders import (
    BLORA_VILLAGE,
    UPHOLD_REASON,
    Clock,
    case_at,
    deliver_decision,
    file,
    kk,
    nik,
    open_staff,
    register,
    registry_row,
)


@pytest.fixture
def staffed(app: Bratasena) -> Bratasena:
    register(app)
    open_staff(app)
    return app


def test_full_lifecycle_deactivates_from_next_month_and_reactivates_on_appeal(
    staffed: Bratasena, clock: Clock
) -> None:
    app = staffed
    clock.now = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    cid = case_at(app, clock, "response_recorded")
    # Decided at 23:30 WIB on the last day of March: effective from April.
    clock.now = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    app.uphold(cid, None, reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid")

    complaint = app.get_complaint(cid)
    household = app.find_households(registry_id="DTKS-000001")[0]
    assert complaint.status == "upheld"
    assert household.status == "deactivated"
    assert household.effective_month == "2026-04"
    assert household.deactivated_by_complaint == cid

    clock.advance(days=1)
    deliver_decision(app, cid, on=clock.today())
    clock.advance(days=2)
    app.appeal(cid, None, grounds="Mobil milik saudara", filed_on=clock.today(), actor="budi")
    clock.advance(days=2)
    app.grant_appeal(cid, None, reason="Bukti baru", actor="kabid2")

    household = app.get_household(household.id)
    assert app.get_complaint(cid).status == "appeal_granted"
    assert household.status == "active"
    assert [e.type for e in app.history(household.id)] == [
        "Household.Registered",
        "Household.Reported",
        "Household.Deactivated",
        "Household.Reactivated",
    ]
    assert [e.type.split(".")[1] for e in app.history(cid)] == [
        "Filed",
        "Assigned",
        "Investigated",
        "NoticeIssued",
        "ResponseRecorded",
        "Upheld",
        "LetterIssued",
        "LetterDelivered",
        "Appealed",
        "AppealGranted",
    ]


def test_uphold_saves_the_complaint_and_the_household_in_one_transaction(
    staffed: Bratasena, clock: Clock
) -> None:
    cid = case_at(staffed, clock, "response_recorded")
    before = staffed.head()
    outcome = staffed.uphold(cid, None, reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid")
    events = list(staffed.notification_log.select(start=before + 1, limit=10))
    assert [e.topic.rsplit(".", 1)[1] for e in events] == ["Upheld", "Deactivated"]
    assert outcome.position == events[-1].id


def test_a_household_already_deactivated_refuses_the_uphold_and_nothing_is_stored(
    staffed: Bratasena, clock: Clock
) -> None:
    cid = case_at(staffed, clock, "response_recorded")
    household = staffed.find_households(registry_id="DTKS-000001")[0]
    household.deactivate(complaint_id=cid, reason_codes=["mampu"], actor="kabid", at=clock())
    staffed.save(household)
    head = staffed.head()
    with pytest.raises(OutOfOrderError, match="already deactivated"):
        staffed.uphold(cid, None, reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid")
    assert staffed.head() == head
    assert staffed.get_complaint(cid).status == "response_recorded"


def test_a_second_complaint_about_the_household_corroborates_the_open_case(
    staffed: Bratasena,
) -> None:
    first = file(staffed)
    second = file(staffed, reasons=["pensioner"], reporter=None)
    assert second.corroborated
    assert second.id == first.id
    # Its filer gets a code of their own: that a case was open is not theirs to learn.
    assert second.tracking_code != first.tracking_code
    assert staffed.progress(second.tracking_code).tracking_code == second.tracking_code
    complaint = staffed.get_complaint(first.id)
    assert complaint.corroborations == 1
    assert "pensioner" in complaint.reasons


def test_after_a_rejection_a_new_complaint_opens_a_new_case(
    staffed: Bratasena, clock: Clock
) -> None:
    cid = case_at(staffed, clock, "investigated")
    staffed.reject(cid, None, reason="Tidak terbukti", actor="kabid")
    again = file(staffed)
    assert not again.corroborated
    assert again.id != cid


def test_complaints_match_households_by_kk_or_nik(staffed: Bratasena) -> None:
    by_nik = file(staffed, subject={"nik": nik(1)})
    assert staffed.get_complaint(by_nik.id).household_id is not None
    by_kk = file(staffed, subject={"kk_number": kk(1)})
    assert by_kk.corroborated
    assert by_kk.id == by_nik.id


def test_an_unmatched_household_is_described_by_name_and_village(staffed: Bratasena) -> None:
    filing = file(
        staffed,
        subject={"name": "Pak Darmo", "village_code": "33.16.01.2001", "address": "RT 3 RW 1"},
    )
    complaint = staffed.get_complaint(filing.id)
    assert complaint.household_id is None
    assert complaint.village_code == BLORA_VILLAGE


def test_a_number_no_registered_household_carries_is_held_for_matching(
    staffed: Bratasena,
) -> None:
    """Refusing it (as before) told anyone who tried a NIK whether that family receives aid."""
    filing = file(staffed, subject={"nik": nik(99)})
    complaint = staffed.get_complaint(filing.id)
    assert (complaint.household_id, complaint.village_code) == (None, "")


@pytest.mark.parametrize(
    ("subject", "field"),
    [
        ({"nik": "3316011708800000"}, "subject.nik"),
        ({"nik": "12345"}, "subject.nik"),
        ({"name": "Pak Darmo", "village_code": "3316999999"}, "subject.village_code"),
        ({"address": "RT 1"}, "subject"),
    ],
)
def test_bad_subjects_are_refused_naming_the_field_and_store_nothing(
    staffed: Bratasena, subject: dict[str, str], field: str
) -> None:
    head = staffed.head()
    with pytest.raises(InvalidInputError) as error:
        file(staffed, subject=subject)
    assert error.value.field == field
    assert staffed.head() == head


def test_a_stale_version_is_a_conflict_that_changes_nothing(
    staffed: Bratasena, clock: Clock
) -> None:
    cid = file(staffed).id
    staffed.assign(cid, 1, officer="budi", actor="kabid")
    head = staffed.head()
    with pytest.raises(ConflictError) as error:
        staffed.assign(cid, 1, officer="sari", actor="kabid")
    assert error.value.current_version == 2
    assert staffed.head() == head
    assert staffed.get_complaint(cid).assigned_to == "budi"


def test_a_case_goes_only_to_an_officer_or_facilitator_of_its_district(
    staffed: Bratasena,
) -> None:
    staffed.open_account(
        username="pkh", role="facilitator", districts=["331601"], password_hash="-", actor="admin"
    )
    staffed.open_account(
        username="rina", role="officer", districts=["331602"], password_hash="-", actor="admin"
    )
    cid = file(staffed).id  # in Jati, 33.16.01
    head = staffed.head()
    for assignee, rule in (
        ("rina", "assignee_outside_districts"),
        ("kabid2", "assignee_not_field_role"),
        ("admin", "assignee_not_field_role"),
        ("nobody", "unknown_assignee"),
    ):
        with pytest.raises(InvalidInputError) as error:
            staffed.assign(cid, None, officer=assignee, actor="kabid")
        assert (error.value.field, error.value.rule) == ("officer", rule)
    assert staffed.head() == head
    staffed.assign(cid, None, officer="pkh", actor="kabid")
    assert staffed.get_complaint(cid).assigned_to == "pkh"


def test_a_targets_version_counts_its_changes_from_zero_while_the_default_applies(
    staffed: Bratasena,
) -> None:
    assert staffed.targets_version(2026) == 0
    staffed.set_targets(2026, [12] * 12, actor="kabid", expected_version=0)
    assert staffed.targets_version(2026) == 1
    with pytest.raises(ConflictError):
        staffed.set_targets(2026, [8] * 12, actor="kabid2", expected_version=0)
    staffed.set_targets(2026, [8] * 12, actor="kabid2", expected_version=1)
    assert (staffed.targets_version(2026), staffed.monthly_targets(2026)) == (2, [8] * 12)
    assert staffed.targets_version(2027) == 0
    with pytest.raises(ConflictError) as error:
        staffed.set_targets(2027, [9] * 12, actor="kabid", expected_version=3)
    assert (error.value.current_version, staffed.targets_version(2027)) == (0, 0)


def test_two_writers_on_one_complaint_give_exactly_one_conflict(
    make_settings: object, clock: Clock
) -> None:
    settings: Settings = make_settings()  # type: ignore[operator]
    first, second = Bratasena(settings, clock=clock), Bratasena(settings, clock=clock)
    try:
        register(first)
        open_staff(first)
        cid = file(first).id
        barrier = threading.Barrier(2)
        results: list[str] = []

        def assign(app: Bratasena, officer: str) -> None:
            complaint = app.get_complaint(cid)
            barrier.wait()
            try:
                app.assign(cid, complaint.version, officer=officer, actor="kabid")
                results.append("ok")
            except ConflictError:
                results.append("conflict")

        threads = [
            threading.Thread(target=assign, args=(first, "budi")),
            threading.Thread(target=assign, args=(second, "sari")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["conflict", "ok"]
        assert first.get_complaint(cid).version == 2
    finally:
        first.close()
        second.close()


def test_unknown_complaint_is_not_found(app: Bratasena) -> None:
    with pytest.raises(NotFoundError):
        app.complaint_by_tracking_code("0000-0000-00")


def test_tracking_code_finds_the_complaint_however_it_is_typed(staffed: Bratasena) -> None:
    filing = file(staffed)
    typed = filing.tracking_code.lower().replace("-", " ")
    assert staffed.complaint_by_tracking_code(typed).id == filing.id


def test_reimporting_the_same_rows_adds_no_events(app: Bratasena) -> None:
    rows = [registry_row(n) for n in range(1, 6)]
    first = app.import_registry(rows, source="dtks", period="2026-01", actor="admin")
    head = app.head()
    again = app.import_registry(rows, source="dtks", period="2026-01", actor="admin")
    assert (first.registered, again.unchanged, again.registered) == (5, 5, 0)
    assert app.head() == head


def test_a_reissued_kk_moves_the_lookup(app: Bratasena) -> None:
    register(app, registry_row(1))
    new_kk = "3316011503240009"
    app.import_registry(
        [registry_row(1, kk_number=new_kk)], source="dtks", period="2026-02", actor="admin"
    )
    assert app.find_households(kk=kk(1)) == []
    [household] = app.find_households(kk=new_kk)
    assert household.kk_history == (kk(1),)


def test_state_at_a_version_and_at_a_moment(staffed: Bratasena, clock: Clock) -> None:
    cid = case_at(staffed, clock, "investigated")
    history = staffed.history(cid)
    at_two = staffed.state_at(cid, version=2)
    assert isinstance(at_two, Complaint)
    assert at_two.status == "assigned"
    between = history[1].recorded_at + (history[2].recorded_at - history[1].recorded_at) / 2
    assert staffed.state_at(cid, at=between).version == 2
    with pytest.raises(NotFoundError):
        staffed.state_at(cid, version=99)
    with pytest.raises(NotFoundError):
        staffed.state_at(cid, at=history[0].recorded_at - timedelta(seconds=1))


def test_targets_default_to_ten_a_month_and_can_be_set(app: Bratasena) -> None:
    assert app.monthly_targets(2026) == [10] * 12
    app.set_targets(2026, [12] * 6 + [8] * 6, actor="kabid")
    assert app.monthly_targets(2026) == [12] * 6 + [8] * 6
    with pytest.raises(InvalidInputError, match="12 numbers"):
        app.set_targets(2026, [10] * 11, actor="kabid")


def test_with_a_cipher_key_stored_rows_hold_no_nik_and_no_name_in_clear(
    make_settings: object, clock: Clock, backend: str
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings: Settings = make_settings(cipher_key=key)  # type: ignore[operator]
    app = Bratasena(settings, clock=clock)
    try:
        register(app, registry_row(1, head_name="Sutrisno Wibowo"))
        open_staff(app)
        file(app, reporter={"name": "Siti Rahayu", "nik": nik(55)})
        assert app.find_households(nik=nik(1))[0].head_name == "Sutrisno Wibowo"
    finally:
        app.close()
    if backend == "sqlite":
        with sqlite3.connect(settings.sqlite_path("events")) as conn:
            rows = conn.execute("SELECT state FROM stored_events").fetchall()
    else:
        schema = settings.postgres_params()["POSTGRES_SCHEMA"]
        with psycopg.connect(settings.database_url or "") as conn:
            rows = conn.execute(f"SELECT state FROM {schema}.bratasena_events").fetchall()
    raw = b"".join(bytes(r[0]) for r in rows)
    assert len(rows) > 5
    for secret in (nik(1), nik(55), kk(1), "Sutrisno", "Siti Rahayu"):
        assert secret.encode() not in raw


def test_without_a_cipher_key_the_same_rows_are_readable_json(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path)
    app = Bratasena(settings)
    register(app)
    app.close()
    with sqlite3.connect(settings.sqlite_path("events")) as conn:
        raw = b"".join(bytes(r[0]) for r in conn.execute("SELECT state FROM stored_events"))
    assert nik(1).encode() in raw


def test_stored_events_replay_to_the_live_state(staffed: Bratasena, clock: Clock) -> None:
    cid = case_at(staffed, clock, "upheld")
    live = staffed.get_complaint(cid)
    replayed = staffed.state_at(cid, version=live.version)
    assert replayed == live
    household = staffed.find_households(registry_id="DTKS-000001")[0]
    assert isinstance(household, Household)
    assert staffed.state_at(household.id) == household
