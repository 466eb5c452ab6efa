"""Each read model after a scripted history, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from bratasena.application import Bratasena, SyncAnswer
from bratasena.domain.errors import InvalidInputError
from bratasena.projections import CaseQuery, HouseholdQuery, Projections, StaffQuery
from bratasena.projections.case_list import CaseRow
from bratasena.projections.records import Page
from bratasena.projections.report_files import report_csv
from bratasena.settings import Settings
from tests.builders import (
    OTHER_VILLAGE,
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
def views(app: Bratasena, settings: Settings) -> Iterator[Projections]:
    projections = Projections(app, settings)
    yield projections
    projections.close()


def table_text(views: Projections) -> str:
    """Every row of every view table, as one string (for privacy checks)."""
    names = [
        "views_cases",
        "views_case_timeline",
        "views_case_names",
        "views_households",
        "views_household_names",
        "views_report_complaints",
        "views_report_households",
        "views_report_counts",
        "views_report_decision_days",
        "views_report_targets",
        "views_staff",
    ]
    return "\n".join(repr(views.db.query(f"SELECT * FROM {name}")) for name in names)


def uphold_with_appeal(app: Bratasena, clock: Clock, registry_id: str, grant: bool) -> Any:
    cid = case_at(app, clock, "delivered", registry_id)
    clock.advance(days=1)
    app.appeal(cid, None, grounds="Mobil itu pinjaman.", filed_on=clock.today(), actor="budi")
    clock.advance(days=1)
    decide_appeal = app.grant_appeal if grant else app.deny_appeal
    decide_appeal(cid, None, reason="Bukti baru", actor="kabid2")
    return cid


# --- case list ----------------------------------------------------------------------------------


def test_case_list_shows_each_case_with_its_status_deadlines_and_corroborations(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(app, *[registry_row(n) for n in range(1, 5)])
    upheld = case_at(app, clock, "upheld", "DTKS-000001")
    noticed = case_at(app, clock, "notice_issued", "DTKS-000002")
    file(app, "DTKS-000002", reasons=["pensioner"])
    filed = file(app, "DTKS-000003").id
    views.run_once()

    page = views.cases.search(CaseQuery())
    assert page.total == 3
    assert [row.complaint_id for row in page.items] == [filed, noticed, upheld]
    by_id = {row.complaint_id: row for row in page.items}
    assert by_id[upheld].status == "upheld"
    assert by_id[noticed].status == "notice_issued"
    assert by_id[noticed].corroborations == 1
    assert by_id[noticed].reason_codes == ["mampu", "owns_car", "pensioner"]
    assert by_id[noticed].response_due is not None
    assert by_id[noticed].assigned_to == "budi"
    assert by_id[filed].district_name == "Jati"
    assert by_id[filed].village_name == "Bangkleyan"
    assert by_id[filed].filed_at.tzinfo is not None
    assert by_id[filed].decision_due > by_id[filed].filed_at.date()
    assert by_id[upheld].version == 6


def test_case_list_filters_sorts_and_pages(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(
        app,
        registry_row(1),
        registry_row(2),
        registry_row(3, village_code=OTHER_VILLAGE),
        registry_row(4, village_code="3316022001"),
    )
    assigned = case_at(app, clock, "assigned", "DTKS-000001")
    file(app, "DTKS-000002")
    gempol = file(app, "DTKS-000003")
    elsewhere = file(app, "DTKS-000004")
    clock.advance(hours=1)
    app.assign(assigned, None, officer="sari", actor="kabid")
    views.run_once()
    search = views.cases.search

    assert [r.complaint_id for r in search(CaseQuery(status="assigned")).items] == [assigned]
    assert search(CaseQuery(assigned_to="sari")).total == 1
    assert search(CaseQuery(district="331601")).total == 3
    assert search(CaseQuery(district="33.16.02")).items[0].complaint_id == elsewhere.id
    assert search(CaseQuery(village="33.16.01.2002")).items[0].complaint_id == gempol.id
    assert search(CaseQuery(districts=["331602"])).total == 1
    assert search(CaseQuery(districts=[])).total == 0
    assert search(CaseQuery(q=gempol.tracking_code.lower())).items[0].complaint_id == gempol.id
    assert search(CaseQuery(q="gempol")).items[0].complaint_id == gempol.id
    assert search(CaseQuery(q="no such village")).total == 0
    first = search(CaseQuery(per_page=2, sort="filed_at"))
    second = search(CaseQuery(per_page=2, page=2, sort="filed_at"))
    assert (first.total, first.pages, len(first.items), len(second.items)) == (4, 2, 2, 2)
    assert first.items[0].complaint_id == assigned
    assert search(CaseQuery(sort="-updated_at")).items[0].complaint_id == assigned
    assert search(CaseQuery(sort="status")).items[-1].complaint_id == assigned
    assert search(CaseQuery(sort="district")).items[-1].complaint_id == elsewhere.id


def test_case_list_totals_follow_cases_between_statuses_and_districts_and_a_rebuild(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    """Totals filtered by status and districts alone are summed from counts the runner keeps by
    district and status; they must equal the matching cases as cases move, and after a rebuild."""
    open_staff(app)
    register(
        app,
        registry_row(1),
        registry_row(2),
        registry_row(3, village_code="3316022001"),
        registry_row(4),
    )
    moved = case_at(app, clock, "investigated", "DTKS-000001")
    file(app, "DTKS-000002")
    views.run_once()  # stored, so what follows changes counts already stored
    app.rematch_household(
        moved, None, registry_id="DTKS-000003", reason="Nomor registrasi keliru", actor="kabid",
        confirmation="Nama kepala keluarga berbeda tetapi alamat sama.",
    )  # fmt: skip
    case_at(app, clock, "notice_issued", "DTKS-000004")
    views.run_once()
    every = views.cases.search(CaseQuery(per_page=100)).items
    # The rematched case went back to its field check, in the other district.
    assert [(r.status, r.district_code) for r in every if r.complaint_id == moved] == [
        ("assigned", "331602")
    ]
    queries = [
        CaseQuery(status=status, district=district, districts=scope)
        for status in (None, "filed", "assigned", "investigated", "notice_issued")
        for district in (None, "331601", "331602")
        for scope in (None, ["331601"], ["331601", "331602"])
    ]

    def matching(query: CaseQuery) -> int:
        return sum(
            1
            for r in every
            if query.status in (None, r.status)
            and query.district in (None, r.district_code)
            and (query.districts is None or r.district_code in query.districts)
        )

    expected = [matching(q) for q in queries]
    assert [views.cases.search(q).total for q in queries] == expected
    assert expected[0] == 3  # every case, unfiltered
    views.rebuild("case_list")
    assert [views.cases.search(q).total for q in queries] == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (CaseQuery(status="lost"), "status"),
        (CaseQuery(district="9999"), "district"),
        (CaseQuery(village="3316019999"), "village"),
        (CaseQuery(sort="tracking_code"), "sort"),
        (CaseQuery(per_page=101), "per_page"),
        (CaseQuery(page=0), "page"),
        (CaseQuery(districts=["331699"]), "districts"),
    ],
)
def test_case_list_refuses_bad_filters_naming_the_field(
    views: Projections, query: CaseQuery, field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        views.cases.search(query)
    assert refused.value.field == field


def test_overdue_flags_follow_the_deadlines_against_today(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(app, registry_row(1), registry_row(2))
    noticed = case_at(app, clock, "notice_issued", "DTKS-000001")
    fresh = file(app, "DTKS-000002").id
    views.run_once()
    assert views.cases.search(CaseQuery(overdue=True)).total == 0
    clock.advance(days=15)  # past the notice's 14-day deadline
    late = views.cases.search(CaseQuery(overdue=True)).items
    assert [(r.complaint_id, r.overdue_response) for r in late] == [(noticed, True)]
    clock.advance(days=60)  # past 30 working days from filing
    rows = {r.complaint_id: r for r in views.cases.search(CaseQuery(overdue=True)).items}
    assert rows[fresh].overdue_decision
    assert rows[noticed].overdue_decision
    assert views.cases.search(CaseQuery(overdue=False)).total == 0


PAGE_JSON: TypeAdapter[Page[CaseRow]] = TypeAdapter(Page[CaseRow])


def test_the_case_list_json_is_the_page_search_gives_as_json(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(
        app, *(registry_row(n) for n in range(1, 6)), registry_row(6, village_code=OTHER_VILLAGE)
    )
    noticed = case_at(app, clock, "notice_issued", "DTKS-000001")
    filed = []
    for n in range(2, 7):
        filed.append(file(app, f"DTKS-{n:06d}").id)
        clock.advance(minutes=1)
    views.run_once()
    queries = [
        CaseQuery(),
        CaseQuery(per_page=2),
        CaseQuery(per_page=2, page=3),
        CaseQuery(per_page=2, page=9),  # past the end: no rows, the total all the same
        CaseQuery(per_page=4, sort="filed_at"),
        CaseQuery(sort="-updated_at"),
        CaseQuery(sort="decision_due", per_page=3, page=2),
        CaseQuery(village=OTHER_VILLAGE),
        CaseQuery(status="withdrawn"),  # nothing matches
        CaseQuery(districts=[]),  # nothing can match
        CaseQuery(overdue=False),
    ]

    def same_as_search() -> None:
        for query in queries:
            assert views.cases.search_json(query) == PAGE_JSON.dump_json(
                views.cases.search(query)
            ), query

    same_as_search()
    page = json.loads(views.cases.search_json(CaseQuery(per_page=2, page=9)))
    assert (page["items"], page["total"]) == ([], 6)
    # A kept row is never shown stale: a new version of its case is written afresh...
    app.assign(filed[0], None, officer="sari", actor="kabid")
    views.run_once()
    same_as_search()
    rows = json.loads(views.cases.search_json(CaseQuery(status="assigned")))["items"]
    assert [(r["complaint_id"], r["assigned_to"]) for r in rows] == [(str(filed[0]), "sari")]
    # ...and so is a row whose flags a new day changes.
    clock.advance(days=15)  # past the notice's 14-day deadline
    same_as_search()
    rows = json.loads(views.cases.search_json(CaseQuery(status="notice_issued")))["items"]
    assert [(r["complaint_id"], r["overdue_response"]) for r in rows] == [(str(noticed), True)]


def test_case_detail_has_a_plain_timeline_without_the_complainant(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(app)
    cid = uphold_with_appeal(app, clock, "DTKS-000001", grant=False)
    file(app, "DTKS-000001", reporter={"name": "Tetangga Rahasia", "phone": "089999999999"})
    views.run_once()
    detail = views.cases.get(cid)
    assert detail is not None
    steps = [entry.step for entry in detail.timeline]
    assert steps == [
        "filed",
        "assigned",
        "investigated",
        "notice_issued",
        "response_recorded",
        "upheld",
        "letter_issued",
        "letter_delivered",
        "appealed",
        "appeal_denied",
    ]
    assert detail.timeline[6].fields["kind"] == "decision"
    assert "content" not in detail.timeline[6].fields  # the letter's words stay in the event
    assert detail.timeline[0].actor == "complainant"
    assert "Rumah permanen dua lantai" in str(detail.timeline[2].fields["findings"])
    assert detail.timeline[4].fields["statement"] == "Mobil itu milik saudara."
    assert detail.timeline[5].fields["effective_month"] == "2026-04"
    assert "complainant" not in (detail.timeline[1].actor, detail.timeline[5].actor)
    assert views.cases.get(app.get_household(detail.household_id or cid).id) is None
    stored = table_text(views)
    for secret in ("Warga Desa", "081234567890", "Tetangga Rahasia", "089999999999", "toko"):
        assert secret not in stored


# --- household status ---------------------------------------------------------------------------


def test_household_status_finds_households_by_registry_id_kk_nik_and_place(
    app: Bratasena, views: Projections
) -> None:
    register(app, registry_row(1), registry_row(2, village_code=OTHER_VILLAGE))
    app.import_registry(
        [registry_row(2, village_code=OTHER_VILLAGE, kk_number=kk(99), programs=["PKH"])],
        source="dtks",
        period="2026-02",
        actor="admin",
    )
    views.run_once()
    search = views.households.search
    assert search(HouseholdQuery(registry_id="dtks-000001")).items[0].registry_id == "DTKS-000001"
    assert search(HouseholdQuery(nik=nik(1))).items[0].registry_id == "DTKS-000001"
    assert search(HouseholdQuery(kk=kk(2))).total == 0
    moved = search(HouseholdQuery(kk=kk(99))).items[0]
    assert (moved.registry_id, moved.programs, moved.kk_masked) == (
        "DTKS-000002",
        ["PKH"],
        "3316********0099",
    )
    assert moved.nik_masked == "3316********0002"
    assert moved.head_name == "Sutrisno 2"
    assert moved.village_name == "Gempol"
    assert search(HouseholdQuery(village=OTHER_VILLAGE)).total == 1
    assert search(HouseholdQuery(district="331601", status="active")).total == 2
    assert views.households.get(moved.household_id) == moved
    with pytest.raises(InvalidInputError) as refused:
        search(HouseholdQuery(nik="12345"))
    assert refused.value.field == "nik"
    stored = table_text(views)
    assert nik(1) not in stored
    assert kk(99) not in stored


def test_household_status_follows_deactivation_sync_and_reactivation(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(app)
    cid = case_at(app, clock, "upheld")
    hid = app.get_complaint(cid).household_id
    assert hid is not None
    app.record_sync_answers(
        [
            SyncAnswer(hid, "dtjateng", 3, accepted=True, reference="JTG-1"),
            SyncAnswer(hid, "dtsen", 3, accepted=False, reason_code="unknown_nik", message="-"),
        ],
        actor="sync",
    )
    views.run_once()
    row = views.households.get(hid)
    assert row is not None
    assert (row.status, row.effective_month, row.complaints_received) == (
        "deactivated",
        "2026-04",
        1,
    )
    assert row.sync["dtjateng"].state == "synced"
    assert row.sync["dtjateng"].reference == "JTG-1"
    assert (row.sync["dtsen"].state, row.sync["dtsen"].reference) == ("rejected", "unknown_nik")
    deliver_decision(app, cid, on=clock.today())
    clock.advance(days=1)
    app.appeal(cid, None, grounds="Keliru", filed_on=clock.today(), actor="budi")
    app.grant_appeal(cid, None, reason="Keliru", actor="kabid2")
    views.run_once()
    row = views.households.get(hid)
    assert row is not None
    assert row.status == "active"
    assert {s.state for s in row.sync.values()} == {"pending"}
    assert row.sync["dtsen"].event_version == 6


def test_household_and_staff_names_are_sealed_in_the_tables_when_a_key_is_set(
    make_settings: Any, clock: Clock
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = make_settings(cipher_key=key)
    app = Bratasena(settings, clock=clock)
    views = Projections(app, settings)
    try:
        register(app)
        views.run_once()
        row = views.households.search(HouseholdQuery(registry_id="DTKS-000001")).items[0]
        assert row.head_name == "Sutrisno 1"
        open_account(app, "wati", "officer", "33.16.01")
        views.run_once()
        assert views.staff.assignable("33.16.01")[0].full_name == "Wati Santoso"
        text = table_text(views)
        assert "Sutrisno" not in text
        assert "Santoso" not in text
    finally:
        views.close()
        app.close()


def test_households_are_found_by_name_through_a_keyed_index_without_clear_names(
    make_settings: Any, clock: Clock
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = make_settings(cipher_key=key)
    app = Bratasena(settings, clock=clock)
    views = Projections(app, settings)
    try:
        register(
            app,
            registry_row(1, head_name="Sugeng Riyadi"),
            registry_row(2, head_name="Hj. Sri Wahyuni", village_code=OTHER_VILLAGE),
            registry_row(3, head_name="Sugeng Wibowo"),
            registry_row(4, head_name="Darmo"),
        )
        views.run_once()
        names = views.households.by_name
        assert [r.registry_id for r in names("Bpk. Soegeng Rijadi")] == [
            "DTKS-000001",  # both words
            "DTKS-000003",  # one word
        ]
        assert names("Sri Wahjuni")[0].head_name == "Hj. Sri Wahyuni"
        assert names("sri wahyuni", village="3316012001") == []
        assert [r.registry_id for r in names("Sri", district="33.16.01")] == ["DTKS-000002"]
        assert names("Sukarno") == []
        assert names("") == []
        index = repr(views.db.query("SELECT * FROM views_household_names"))
        for word in ("sugeng", "riyadi", "sri", "wahyuni", "darmo"):
            assert word not in index.lower()
        # A later extract renames the head and moves the household: the index follows.
        app.import_registry(
            [registry_row(4, head_name="Darmo Sutrisno", village_code=OTHER_VILLAGE)],
            source="dtks",
            period="2026-02",
            actor="admin",
        )
        views.run_once()
        [moved] = names("Sutrisno", village=OTHER_VILLAGE)
        assert moved.registry_id == "DTKS-000004"
        assert names("Darmo", village="3316012001") == []
    finally:
        views.close()
        app.close()


# --- staff directory ----------------------------------------------------------------------------


def open_account(app: Bratasena, username: str, role: str, *districts: str) -> None:
    app.open_account(
        username=username,
        role=role,
        districts=list(districts),
        password_hash=f"argon2-rahasia-{username}",
        actor="admin",
        full_name=f"{username.title()} Santoso",
    )


def test_staff_directory_follows_an_account_through_role_changes_disabling_and_enabling(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_account(app, "wati", "officer", "33.16.01")
    views.run_once()
    (row,) = views.staff.search(StaffQuery()).items
    assert (row.username, row.full_name, row.role, row.districts, row.enabled, row.version) == (
        "wati",
        "Wati Santoso",
        "officer",
        ["331601"],
        True,
        1,
    )
    assert row.updated_at == clock.now
    clock.advance(days=1)
    app.change_role("wati", role="facilitator", districts=["331602", "331603"], actor="admin")
    views.run_once()
    (row,) = views.staff.search(StaffQuery()).items
    assert (row.role, row.districts, row.version, row.updated_at) == (
        "facilitator",
        ["331602", "331603"],
        2,
        clock.now,
    )
    assert [r.username for r in views.staff.assignable("331601")] == []
    assert [r.username for r in views.staff.assignable("331603")] == ["wati"]
    clock.advance(days=1)
    app.disable_account("wati", reason="Cuti panjang", actor="admin")
    views.run_once()
    (row,) = views.staff.search(StaffQuery()).items
    assert (row.enabled, row.version) == (False, 3)
    assert views.staff.assignable("331603") == []
    clock.advance(days=1)
    app.enable_account("wati", actor="admin")
    app.change_password("wati", password_hash="argon2-rahasia-baru", actor="wati")
    views.run_once()
    (row,) = views.staff.search(StaffQuery()).items
    assert (row.enabled, row.version, row.updated_at) == (True, 5, clock.now)
    assert views.staff.assignable("331603") == [row]
    assert "rahasia" not in table_text(views)  # no password hash, old or new


def test_staff_directory_filters_by_role_district_and_enabled_in_username_order_and_pages(
    app: Bratasena, views: Projections
) -> None:
    open_account(app, "tono", "officer", "331601", "331602")
    open_account(app, "budi", "officer", "331601")
    open_account(app, "rina", "officer", "331602")
    open_account(app, "pkh", "facilitator", "331601")
    open_account(app, "kabid", "supervisor")
    open_account(app, "admin", "admin")
    app.disable_account("budi", reason="Pindah tugas", actor="admin")
    views.run_once()

    def names(**filters: Any) -> list[str]:
        return [r.username for r in views.staff.search(StaffQuery(**filters)).items]

    assert names() == ["admin", "budi", "kabid", "pkh", "rina", "tono"]
    assert names(role="officer") == ["budi", "rina", "tono"]
    assert names(district="33.16.01") == ["budi", "pkh", "tono"]
    assert names(district="331602", role="officer") == ["rina", "tono"]
    assert names(enabled=False) == ["budi"]
    assert names(enabled=True, district="331601") == ["pkh", "tono"]
    assert names(district="331616") == []
    second = views.staff.search(StaffQuery(page=2, per_page=4))
    assert ([r.username for r in second.items], second.total, second.pages) == (
        ["rina", "tono"],
        6,
        2,
    )


def test_assignable_staff_are_the_enabled_officers_and_facilitators_of_the_district(
    app: Bratasena, views: Projections
) -> None:
    open_account(app, "tono", "officer", "331602", "331601")
    open_account(app, "budi", "officer", "331601")
    open_account(app, "rina", "officer", "331602")  # another district
    open_account(app, "ani", "facilitator", "331601")
    open_account(app, "eko", "facilitator", "331601")
    open_account(app, "kabid", "supervisor", "331601")  # not a field role
    app.disable_account("eko", reason="Cuti", actor="admin")
    views.run_once()
    found = views.staff.assignable("331601")
    assert [(r.full_name, r.username, r.role) for r in found] == [
        ("Ani Santoso", "ani", "facilitator"),
        ("Budi Santoso", "budi", "officer"),
        ("Tono Santoso", "tono", "officer"),
    ]
    assert [r.username for r in views.staff.assignable("33.16.02")] == ["rina", "tono"]


def test_staff_directory_refuses_bad_filters_naming_the_field(views: Projections) -> None:
    for query, field in (
        (StaffQuery(role="kepala"), "role"),
        (StaffQuery(district="999999"), "district"),
        (StaffQuery(district="33.16"), "district"),
        (StaffQuery(per_page=101), "per_page"),
        (StaffQuery(page=0), "page"),
    ):
        with pytest.raises(InvalidInputError) as refused:
            views.staff.search(query)
        assert refused.value.field == field, query
    with pytest.raises(InvalidInputError) as refused:
        views.staff.assignable("x")
    assert refused.value.field == "district"


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_counts_open_work_overdue_queues_and_removals_against_target(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(
        app, *[registry_row(n) for n in range(1, 5)], registry_row(5, village_code="3316022001")
    )
    app.set_targets(2026, [5] * 12, actor="kabid")
    case_at(app, clock, "upheld", "DTKS-000001")  # filed 10 March, decided 15 March
    case_at(app, clock, "investigated", "DTKS-000002")
    case_at(app, clock, "assigned", "DTKS-000003")
    file(app, "DTKS-000005")
    views.run_once()

    board = views.dashboard.summary(districts=None, officer="budi", today=clock.today())
    assert board.open_total == 3
    assert board.open_by_status == {"filed": 1, "assigned": 1, "investigated": 1}
    assert [(d.district_code, d.open) for d in board.open_by_district] == [
        ("331601", 2),
        ("331602", 1),
    ]
    assert board.queues == {"budi": 2}
    assert {r.status for r in board.my_queue} == {"assigned", "investigated"}
    assert board.median_days_to_decision == 5.0
    assert (board.month, board.removals, board.target) == ("2026-03", 0, 5)
    assert (board.decided_this_month, board.next_month_target) == (1, 5)
    assert board.overdue == []

    scoped = views.dashboard.summary(districts=["331602"], officer=None, today=clock.today())
    assert (scoped.open_total, scoped.queues, scoped.my_queue) == (1, {}, [])
    assert scoped.median_days_to_decision is None

    later = clock.today() + timedelta(days=70)
    april = views.dashboard.summary(districts=None, officer=None, today=later)
    assert april.overdue_total == 3
    assert len(april.overdue) == 3
    assert (april.month, april.removals) == ("2026-05", 0)
    april = views.dashboard.summary(
        districts=None, officer=None, today=clock.today() + timedelta(days=25)
    )
    assert (april.month, april.removals, april.target) == ("2026-04", 1, 5)


def test_dashboard_lists_overdue_cases_and_each_queue_by_deadline_within_its_scope(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(app, *[registry_row(n) for n in range(1, 6)])
    cases = []
    for n in range(1, 5):  # filed a week apart, so their decision deadlines differ
        cases.append(case_at(app, clock, "assigned" if n % 2 else "filed", f"DTKS-{n:06d}"))
        clock.advance(days=7)
    case_at(app, clock, "upheld", "DTKS-000005")  # decided: neither overdue nor queued
    views.run_once()
    later = clock.today() + timedelta(days=90)

    board = views.dashboard.summary(districts=["331601"], officer="budi", today=later)
    assert [r.complaint_id for r in board.overdue] == cases
    assert board.overdue_total == 4
    assert [r.complaint_id for r in board.my_queue] == [cases[0], cases[2]]
    assert board.queues == {"budi": 2}

    nowhere = views.dashboard.summary(districts=[], officer="budi", today=later)
    assert (nowhere.open_total, nowhere.overdue_total, nowhere.overdue) == (0, 0, [])
    assert (nowhere.my_queue, nowhere.median_days_to_decision) == ([], None)
    assert nowhere.target == 10


# --- removal report -----------------------------------------------------------------------------


def decide_at(app: Bratasena, clock: Clock, registry_id: str, moment: datetime) -> Any:
    cid = case_at(app, clock, "response_recorded", registry_id)
    clock.now = moment
    app.uphold(cid, None, reason=UPHOLD_REASON, reason_codes=["mampu"], actor="kabid")
    return cid


def test_report_counts_an_uphold_at_2359_wib_in_the_next_month_and_at_0000_wib_a_month_later(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(app, registry_row(1), registry_row(2))
    clock.now = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    decide_at(app, clock, "DTKS-000001", datetime(2026, 3, 31, 16, 59, tzinfo=UTC))  # 23:59 WIB
    clock.now = datetime(2026, 3, 22, 2, 0, tzinfo=UTC)
    decide_at(app, clock, "DTKS-000002", datetime(2026, 3, 31, 17, 0, tzinfo=UTC))  # 00:00 WIB
    views.run_once()
    months = {m["month"]: m for m in views.report.year(2026)["months"]}
    assert months["2026-04"]["deactivations"] == 1
    assert months["2026-05"]["deactivations"] == 1
    assert months["2026-03"]["upheld"] == 1
    assert months["2026-04"]["upheld"] == 1


def test_report_gives_targets_removals_breakdowns_and_fairness_figures(
    app: Bratasena, clock: Clock, views: Projections
) -> None:
    open_staff(app)
    register(app, *[registry_row(n) for n in range(1, 5)])
    app.set_targets(2026, [8] * 12, actor="kabid")
    app.set_targets(2026, [12, 12, 12, 6, 6, 6, 6, 6, 6, 6, 6, 6], actor="kabid")
    uphold_with_appeal(app, clock, "DTKS-000001", grant=True)  # decided 15 March, granted 17th
    case_at(app, clock, "upheld", "DTKS-000002")  # decided 23 March
    rejected = case_at(app, clock, "investigated", "DTKS-000003")
    app.reject(rejected, None, reason="Tidak terbukti", actor="kabid")
    file(app, "DTKS-000003")  # a new case about the same household
    views.run_once()

    report = views.report.year(2026)
    assert report["annual_target"] == 90
    months = {m["month"]: m for m in report["months"]}
    assert (months["2026-04"]["target"], months["2026-04"]["cumulative_target"]) == (6, 42)
    assert months["2026-04"]["deactivations"] == 2
    assert months["2026-04"]["reactivations"] == 1
    assert months["2026-04"]["net_removals"] == 1
    assert months["2026-12"]["cumulative_net"] == 1
    march = months["2026-03"]
    assert (march["complaints_filed"], march["upheld"], march["rejected"]) == (4, 2, 1)
    assert march["share_upheld"] == round(2 / 3, 4)
    assert march["appeals_granted"] == 1
    assert march["median_days_to_decision"] == 5.0
    assert report["by_district"] == [
        {
            "district_code": "331601",
            "district_name": "Jati",
            "deactivations": 2,
            "reactivations": 1,
            "net_removals": 1,
        }
    ]
    assert {r["reason"]: r["net_removals"] for r in report["by_reason"]} == {
        "mampu": 1,
        "owns_car": 1,
    }
    rows = list(csv.reader(io.StringIO(report_csv(views.removal_report(2026)))))
    assert rows[0][:3] == ["month", "target", "deactivations"]
    assert rows[4][:5] == ["2026-04", "6", "2", "1", "1"]
    assert rows[13][0] == "total"
    assert ["331601", "Jati", "2", "1", "1", "0"] in rows  # none confirmed by an extract yet
    with pytest.raises(InvalidInputError):
        views.report.year(1900)


def test_targets_default_to_ten_a_month(views: Projections) -> None:
    report = views.report.year(2027)
    assert [m["target"] for m in report["months"]] == [10] * 12
    assert report["annual_target"] == 120
