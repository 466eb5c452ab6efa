"""The case list writes its JSON straight from the projected rows (issue 18): the bytes must be
exactly what the documented `CasePage` model would have answered, headers included."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bratasena.api.routers.cases import CasePage, case_out
from bratasena.application import Bratasena
from bratasena.persistence import LoopReads
from bratasena.projections import CaseQuery, Projections
from bratasena.settings import Settings
from tests.api.conftest import Headers, complaint_body
from tests.builders import register, registry_row


def test_the_case_list_answers_case_page_json_from_the_rows(
    api: FastAPI, client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core, registry_row(1), registry_row(2), registry_row(3))
    for n in (1, 2, 3):
        filed = client.post("/api/v1/complaints", json=complaint_body(f"DTKS-{n:06d}"))
        assert filed.status_code == 201, filed.text
    # Staff see the real ids; assign one so a nullable field holds a value.
    listed = client.get("/api/v1/cases", headers=staff["kabid"]).json()
    first = listed["items"][0]["complaint_id"]
    assigned = client.post(
        f"/api/v1/cases/{first}/assignment",
        json={"officer": "budi"},
        headers={**staff["kabid"], "If-Match": '"1"'},
    )
    assert assigned.status_code == 200, assigned.text

    answer = client.get("/api/v1/cases?per_page=2&page=1", headers=staff["kabid"])

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    views: Projections = api.state.service.projections
    found = views.cases.search(CaseQuery(page=1, per_page=2))
    documented = CasePage(
        items=[case_out(row) for row in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )
    assert answer.content == documented.model_dump_json().encode()
    page = CasePage.model_validate_json(answer.content)
    assert (page.total, page.page, page.per_page, len(page.items)) == (3, 1, 2, 2)
    assert {item.assigned_to for item in page.items} <= {"budi", None}
    assert any(item.assigned_to == "budi" for item in page.items)


def test_on_postgresql_the_page_and_the_account_check_are_read_on_the_event_loop(
    api: FastAPI,
    client: TestClient,
    core: Bratasena,
    staff: dict[str, Headers],
    api_settings: Settings,
) -> None:
    # SQLite reads its own file on the event loop directly (`quick_read`); PostgreSQL reads
    # through an asynchronous pool opened by the lifespan (`LoopReads`), and must answer what the
    # thread-pool read answers, the disabled account refused at once included.
    service = api.state.service
    if not api_settings.uses_postgres:
        assert service.loop_reads is None
        return
    assert service.loop_reads is not None
    register(core, *(registry_row(n) for n in range(1, 8)))
    for n in range(1, 8):
        filed = client.post("/api/v1/complaints", json=complaint_body(f"DTKS-{n:06d}"))
        assert filed.status_code == 201, filed.text
    views: Projections = service.projections
    district = registry_row(1)["village_code"][:6]
    for params, query in [
        ("per_page=3", CaseQuery(per_page=3)),
        ("per_page=3&page=3", CaseQuery(per_page=3, page=3)),
        ("per_page=3&page=9", CaseQuery(per_page=3, page=9)),  # past the end: counted alone
        ("sort=decision_due", CaseQuery(sort="decision_due")),
        (f"district={district}", CaseQuery(district=district)),
        ("q=DTKS-000002", CaseQuery(q="DTKS-000002")),
        ("name=Tiadaorang", CaseQuery(name="Tiadaorang")),  # matches nothing
    ]:
        answer = client.get(f"/api/v1/cases?{params}", headers=staff["kabid"])
        assert answer.status_code == 200, (params, answer.text)
        assert answer.content == views.cases.search_json(query), params

    # A bad filter is refused before any read, as on the thread-pool path.
    unknown = client.get("/api/v1/cases?district=000000", headers=staff["kabid"])
    assert unknown.status_code == 422
    assert unknown.json()["type"] == "/problems/unknown_district"
    assert "there is no district (kecamatan) 00.00.00" in unknown.json()["detail"]

    core.disable_account("kabid", reason="left the office", actor="admin")

    refused = client.get("/api/v1/cases", headers=staff["kabid"])
    assert refused.status_code == 401


def test_reads_on_the_loop_only_where_the_views_are_read_from_the_primary_directly(
    api_settings: Settings,
) -> None:
    available = LoopReads.available
    assert available(api_settings) is api_settings.uses_postgres
    pooled = api_settings.model_copy(update={"transaction_pooler": True})
    replica = api_settings.model_copy(update={"read_database_url": "postgresql://r@h/db"})
    assert not available(pooled)
    assert not available(replica)
