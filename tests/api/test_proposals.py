"""The proposal list over HTTP: gathered by a supervisor, read as BNBA, approved once; the cover
letter printed for the Bupati."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.api.conftest import Headers
from tests.builders import Clock, case_at, register


def test_a_supervisor_gathers_the_list_reads_it_and_records_the_approval_once(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core)
    case_at(core, clock, "upheld")
    clock.now = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    kabid = staff["kabid"]

    made = client.post("/api/v1/proposals", json={}, headers=kabid)
    assert made.status_code == 201, made.text
    assert made.json()["number"] == "03/USUL-NONAKTIF/2026"
    assert [i["registry_id"] for i in made.json()["items"]] == ["DTKS-000001"]
    again = client.post("/api/v1/proposals", json={"month": "2026-03"}, headers=kabid)
    assert (again.status_code, again.json()["type"]) == (422, "/problems/already_prepared")
    workbook = client.get("/api/v1/proposals/2026-03?format=xlsx", headers=staff["inspektur"])
    assert workbook.content[:4] == b"PK\x03\x04"

    head = core.head()
    empty = client.post(
        "/api/v1/proposals/2026-03/approval",
        json={"approved_on": "2026-03-17", "sk_number": " "},
        headers=kabid,
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "sk_number"
    assert core.head() == head
    body = {"approved_on": "2026-03-17", "sk_number": "188.4/21/2026"}
    approved = client.post("/api/v1/proposals/2026-03/approval", json=body, headers=kabid)
    assert (approved.status_code, approved.json()["sk_number"]) == (200, "188.4/21/2026")
    twice = client.post("/api/v1/proposals/2026-03/approval", json=body, headers=kabid)
    assert (twice.status_code, twice.json()["type"]) == (422, "/problems/already_approved")
    missing = client.get("/api/v1/proposals/2026-02", headers=kabid)
    assert missing.status_code == 404
