"""A complaint's whole life over HTTP, read-your-writes after every command, and racing officers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.api.conftest import Headers, complaint_body
from tests.builders import Clock, case_at, register

REASON = "Terbukti mampu: rumah dua lantai dan mobil di garasi."


def command(
    client: TestClient, cid: str, step: str, body: dict[str, Any], who: Headers, version: int
) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/cases/{cid}/{step}", json=body, headers={**who, "If-Match": f'"{version}"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{version + 1}"'
    result: dict[str, Any] = response.json()
    assert result["version"] == version + 1
    assert result["case"]["version"] == version + 1  # the projection already shows the command
    return result


def test_a_complaint_goes_from_filing_through_uphold_and_appeal_over_http(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    (household_id,) = register(core)
    filed = client.post("/api/v1/complaints", json=complaint_body())
    assert filed.status_code == 201
    cid, code = filed.json()["complaint_id"], filed.json()["tracking_code"]
    assert filed.json()["status"] == "filed"

    listed = client.get("/api/v1/cases", headers=staff["kabid"]).json()
    assert [case["tracking_code"] for case in listed["items"]] == [code]
    case = client.get(f"/api/v1/cases/{cid}", headers=staff["kabid"])
    assert case.headers["ETag"] == '"1"'

    assigned = command(client, cid, "assignment", {"officer": "budi"}, staff["kabid"], 1)
    assert assigned["case"]["assigned_to"] == "budi"
    assert assigned["case"]["status"] == "assigned"
    clock.advance(days=1)
    today = clock.today()
    findings = {"mampu": "Rumah dua lantai", "owns_car": "Mobil di garasi"}
    investigation = {"visited_on": str(today), "findings": findings, "recommendation": "uphold"}
    command(client, cid, "investigation", investigation, staff["budi"], 2)
    due = str(today + timedelta(days=14))
    noticed = command(client, cid, "notice", {"response_due": due}, staff["budi"], 3)
    assert noticed["case"]["response_due"] == due
    response = {"statement": "Mobil itu milik saudara.", "received_on": str(today)}
    command(client, cid, "response", response, staff["budi"], 4)
    decision = {"outcome": "uphold", "reason": REASON, "reason_codes": ["mampu", "owns_car"]}
    upheld = command(client, cid, "decision", decision, staff["kabid"], 5)
    assert upheld["case"]["status"] == "upheld"
    household = client.get(f"/api/v1/households/{household_id}", headers=staff["kabid"]).json()
    assert household["status"] == "deactivated"
    assert household["effective_month"] == "2026-04"

    # The objection window opens when the decision letter reaches the household.
    too_early = {"grounds": "Kami masih miskin.", "filed_on": str(today)}
    refused = client.post(f"/api/v1/cases/{cid}/appeal", json=too_early, headers=staff["budi"])
    assert refused.json()["type"] == "/problems/decision_not_delivered"
    issued = command(client, cid, "letters", {"kind": "decision"}, staff["kabid"], 6)
    key = issued["letter"]["key"]
    delivered = command(
        client,
        cid,
        f"letters/{key}/delivery",
        {"delivered_on": str(today), "method": "via_village"},
        staff["budi"],
        7,
    )
    assert delivered["letter"]["delivered_on"] == str(today)
    appeal = {"grounds": "Kami masih miskin.", "filed_on": str(today)}
    command(client, cid, "appeal", appeal, staff["budi"], 8)
    granted = command(
        client,
        cid,
        "appeal-decision",
        {"outcome": "grant", "reason": "Mobil milik saudara"},
        staff["kabid2"],
        9,
    )
    assert granted["case"]["status"] == "appeal_granted"
    steps = [entry["step"] for entry in granted["case"]["timeline"]]
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
        "appeal_granted",
    ]
    household = client.get(f"/api/v1/households/{household_id}", headers=staff["kabid"]).json()
    assert household["status"] == "active"

    tracked = client.get(f"/api/v1/complaints/track/{code.lower().replace('-', '')}")
    assert tracked.status_code == 200
    assert tracked.json()["status"] == "appeal_granted"
    assert [s["step"] for s in tracked.json()["steps"]] == [
        step for step in steps if not step.startswith("letter_")
    ]
    for secret in ("Warga", "0812", "mampu", "Mobil", "Sutrisno", "3316"):
        assert secret not in tracked.text


def test_a_second_complaint_about_the_household_joins_the_open_case(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core)
    first = client.post("/api/v1/complaints", json=complaint_body()).json()
    second = client.post(
        "/api/v1/complaints", json=complaint_body(reasons=["pensioner"], reporter=None)
    )
    assert second.status_code == 201
    # A citizen gets a code of their own and is not told the complaint joined a case.
    assert second.json()["tracking_code"] != first["tracking_code"]
    assert "corroborated" not in second.json()
    case = client.get(f"/api/v1/cases/{first['complaint_id']}", headers=staff["budi"]).json()
    assert case["corroborations"] == 1
    assert case["reason_codes"] == ["mampu", "owns_car", "pensioner"]


def test_an_officer_withdraws_a_case_before_its_decision(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "assigned")
    result = command(client, str(cid), "withdrawal", {"reason": "Pelapor keliru"}, staff["sari"], 2)
    assert result["case"]["status"] == "withdrawn"
    listed = client.get("/api/v1/cases?status=withdrawn", headers=staff["budi"]).json()
    assert listed["total"] == 1


def test_a_stale_if_match_gets_409_with_the_current_version(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "assigned")
    head = core.head()
    stale = client.post(
        f"/api/v1/cases/{cid}/withdrawal",
        json={"reason": "Pelapor keliru"},
        headers={**staff["budi"], "If-Match": '"1"'},
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2
    assert core.head() == head


def test_two_officers_racing_on_one_case_get_one_success_and_one_409(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "investigated")
    version = core.get_complaint(cid).version
    due = str(clock.today() + timedelta(days=14))
    start = threading.Barrier(2)

    def issue_notice(officer: str) -> httpx.Response:
        start.wait()
        return client.post(
            f"/api/v1/cases/{cid}/notice",
            json={"response_due": due},
            headers={**staff[officer], "If-Match": f'"{version}"'},
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(issue_notice, ["budi", "sari"]))
    assert sorted(r.status_code for r in results) == [200, 409]
    (refused,) = [r for r in results if r.status_code == 409]
    assert refused.json()["current_version"] == version + 1
    assert core.get_complaint(cid).version == version + 1


def test_an_api_client_matches_an_unmatched_complaint_and_sees_what_it_may_do(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core)
    body = complaint_body()
    body["subject"] = {"name": "Sutrisno", "village_code": "33.16.01.2001"}
    filed = client.post("/api/v1/complaints", json=body)
    assert filed.status_code == 201, filed.text
    cid = filed.json()["complaint_id"]
    case = client.get(f"/api/v1/cases/{cid}", headers=staff["budi"]).json()
    assert case["household_id"] is None
    assert case["allowed_actions"] == ["identify_household", "withdraw"]
    supervisor = client.get(f"/api/v1/cases/{cid}", headers=staff["kabid"]).json()
    assert supervisor["allowed_actions"] == ["assign", "identify_household", "withdraw"]
    assert (
        client.get(f"/api/v1/cases/{cid}", headers=staff["inspektur"]).json()["allowed_actions"]
        == []
    )

    head = core.head()
    unknown = client.post(
        f"/api/v1/cases/{cid}/household", json={"registry_id": "DTKS-999999"}, headers=staff["budi"]
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "registry_id"
    assert core.head() == head

    matched = command(client, cid, "household", {"registry_id": "DTKS-000001"}, staff["budi"], 1)
    assert matched["case"]["household_id"] == str(
        core.find_households(registry_id="DTKS-000001")[0].id
    )
    assert "identify_household" not in matched["case"]["allowed_actions"]
    assert matched["case"]["timeline"][-1]["step"] == "household_identified"
    again = client.post(
        f"/api/v1/cases/{cid}/household", json={"registry_id": "DTKS-000001"}, headers=staff["budi"]
    )
    assert again.status_code == 422
    assert again.json()["type"] == "/problems/already_matched"
