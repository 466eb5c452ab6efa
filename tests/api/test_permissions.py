"""Every route against every role: the allowed get past the door, the refused get 401/403 and
change nothing; officers see only their own districts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.api.conftest import Headers, complaint_body
from tests.builders import Clock, case_at, register

ROLES = {
    "public": None,
    "facilitator": "pkh",
    "officer": "budi",
    "supervisor": "kabid",
    "auditor": "inspektur",
    "admin": "admin",
}
STAFF_ROLES = {"facilitator", "officer", "supervisor", "auditor", "admin"}
CASE_READERS = {"officer", "supervisor", "auditor"}

# (method, path, body, roles allowed); {cid}, {hid}, {code} are filled in per test.
ROUTES: list[tuple[str, str, Any, set[str]]] = [
    ("POST", "/api/v1/complaints", "complaint", set(ROLES)),
    ("GET", "/api/v1/complaints/track/{code}", None, set(ROLES)),
    ("GET", "/api/v1/me", None, STAFF_ROLES),
    ("POST", "/api/v1/accounts", {"username": "baru", "password": "x" * 12, "role": "auditor"},
     {"admin"}),
    ("GET", "/api/v1/accounts", None, {"admin"}),
    ("GET", "/api/v1/accounts?role=officer&district=331601&enabled=true", None, {"admin"}),
    ("GET", "/api/v1/accounts/sari", None, {"admin"}),
    ("PUT", "/api/v1/accounts/sari/role", {"role": "officer", "districts": ["331601"]}, {"admin"}),
    ("POST", "/api/v1/accounts/rina/disable", {"reason": "pindah tugas"}, {"admin"}),
    ("POST", "/api/v1/accounts/rina/enable", None, {"admin"}),
    ("GET", "/api/v1/cases", None, CASE_READERS),
    ("GET", "/api/v1/cases/{cid}", None, CASE_READERS),
    ("POST", "/api/v1/cases/{cid}/assignment", {"officer": "budi"}, {"supervisor"}),
    ("POST", "/api/v1/cases/{cid}/reassignment", {"officer": "sari", "reason": "cuti"},
     {"supervisor"}),
    ("POST", "/api/v1/cases/{cid}/household", {"registry_id": "DTKS-000001"},
     {"officer", "supervisor"}),
    ("GET", "/api/v1/cases/{cid}/household-candidates?q=Sutrisno", None,
     {"officer", "supervisor"}),
    ("POST", "/api/v1/cases/{cid}/household/rematch",
     {"registry_id": "DTKS-000001", "reason": "x"}, {"supervisor"}),
    ("GET", "/api/v1/cases/{cid}/letters", None, CASE_READERS),
    ("POST", "/api/v1/cases/{cid}/letters", {"kind": "notice"}, {"officer", "supervisor"}),
    ("POST", "/api/v1/cases/{cid}/letters/400.9_1_2026/delivery",
     {"delivered_on": "2026-03-10", "method": "by_hand"}, {"officer", "supervisor"}),
    ("GET", "/api/v1/cases/{cid}/letters/400.9_1_2026.pdf", None, CASE_READERS),
    ("POST", "/api/v1/cases/{cid}/investigation",
     {"visited_on": "2026-03-10", "findings": {"mampu": "x"}, "recommendation": "uphold"},
     {"officer", "facilitator"}),
    ("POST", "/api/v1/cases/{cid}/notice", {"response_due": "2026-04-30"}, {"officer"}),
    ("POST", "/api/v1/cases/{cid}/response", {"statement": "x", "received_on": "2026-03-10"},
     {"officer"}),
    ("POST", "/api/v1/cases/{cid}/decision", {"outcome": "reject", "reason": "x"}, {"supervisor"}),
    ("POST", "/api/v1/cases/{cid}/withdrawal", {"reason": "x"}, {"officer", "supervisor"}),
    ("POST", "/api/v1/cases/{cid}/appeal", {"grounds": "x", "filed_on": "2026-03-10"},
     {"officer", "supervisor"}),
    ("POST", "/api/v1/cases/{cid}/appeal-decision", {"outcome": "deny", "reason": "x"},
     {"supervisor"}),
    ("GET", "/api/v1/households", None, {"officer", "supervisor", "auditor", "admin"}),
    ("GET", "/api/v1/households/{hid}", None, {"officer", "supervisor", "auditor", "admin"}),
    ("GET", "/api/v1/dashboard", None, CASE_READERS),
    ("GET", "/api/v1/queues", None, {"supervisor", "auditor"}),
    ("GET", "/api/v1/reports/removals?year=2026", None, {"supervisor", "auditor"}),
    ("GET", "/api/v1/reports/removals?year=2026&format=csv", None, {"supervisor", "auditor"}),
    ("GET", "/api/v1/reports/removals?year=2026&format=xlsx", None, {"supervisor", "auditor"}),
    ("GET", "/api/v1/reports/reconciliation?period=2026-04", None, {"supervisor", "auditor"}),
    ("PUT", "/api/v1/targets/2026", {"monthly": [10] * 12}, {"supervisor"}),
    ("POST", "/api/v1/proposals", {"month": "2026-03"}, {"supervisor"}),
    ("GET", "/api/v1/proposals/2026-03", None, {"supervisor", "auditor"}),
    ("GET", "/api/v1/proposals/2026-03?format=xlsx", None, {"supervisor", "auditor"}),
    ("POST", "/api/v1/proposals/2026-03/approval", {"approved_on": "2026-03-20", "sk_number": "1"},
     {"supervisor"}),
    ("POST", "/api/v1/registry/imports", "upload", {"admin"}),
    ("GET", "/api/v1/sync/status", None, {"admin"}),
    ("GET", "/api/v1/sync", None, {"admin"}),
    ("GET", "/api/v1/sync/parked", None, {"admin"}),
    ("POST", "/api/v1/sync/parked/x/retry", None, {"admin"}),
    ("GET", "/api/v1/audit/complaints/{cid}/events", None, {"auditor", "supervisor"}),
    ("GET", "/api/v1/audit/complaints/{cid}/state?version=1", None, {"auditor", "supervisor"}),
    ("GET", "/api/v1/audit/households/{hid}/events", None, {"auditor", "supervisor"}),
    ("GET", "/api/v1/audit/households/{hid}/state", None, {"auditor", "supervisor"}),
]  # fmt: skip


@pytest.fixture
def world(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> dict[str, str]:
    (hid,) = register(core)
    cid = case_at(core, clock, "filed")
    return {"cid": str(cid), "hid": str(hid), "code": core.get_complaint(cid).tracking_code}


def test_every_route_lets_exactly_its_roles_through(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], world: dict[str, str]
) -> None:
    checked = 0
    for method, template, body, allowed in ROUTES:
        path = template.format(**world)
        for role, username in ROLES.items():
            headers = staff[username] if username else {}
            head = core.head()
            if body == "upload":
                response = client.request(
                    method,
                    path,
                    files={"file": ("x.csv", b"registry_id\n", "text/csv")},
                    data={"source": "dtks", "period": "2026-03"},
                    headers=headers,
                )
            else:
                json = complaint_body() if body == "complaint" else body
                response = client.request(method, path, json=json, headers=headers)
            where = f"{method} {template} as {role}: {response.status_code} {response.text}"
            refused_by_role = response.status_code == 401 or (
                response.status_code == 403
                and response.json()["type"] == "/problems/role_not_allowed"
            )
            if role in allowed:
                # past the door; the domain may still refuse (not the assigned officer, wrong step)
                assert not refused_by_role, where
                assert response.status_code < 500, where
            else:
                assert refused_by_role, where
                assert response.status_code == (401 if role == "public" else 403), where
                assert response.headers["content-type"] == "application/problem+json", where
                assert core.head() == head, where
            checked += 1
    assert checked == len(ROUTES) * len(ROLES)


def test_a_disabled_or_unknown_token_is_refused_everywhere_staff_go(
    client: TestClient, staff: dict[str, Headers], world: dict[str, str]
) -> None:
    for method, template, _body, allowed in ROUTES:
        if "public" in allowed:
            continue
        bad = {"Authorization": "Bearer not-a-token"}
        response = client.request(method, template.format(**world), headers=bad)
        assert response.status_code == 401, f"{method} {template}"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_officer_sees_only_cases_and_households_of_their_districts(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], world: dict[str, str]
) -> None:
    # rina works in district 33.16.02; the case and household are in 33.16.01
    assert client.get("/api/v1/cases", headers=staff["rina"]).json()["total"] == 0
    assert client.get("/api/v1/cases", headers=staff["budi"]).json()["total"] == 1
    for path in (
        f"/api/v1/cases/{world['cid']}",
        f"/api/v1/households/{world['hid']}",
    ):
        assert client.get(path, headers=staff["rina"]).status_code == 404
        assert client.get(path, headers=staff["budi"]).status_code == 200
    head = core.head()
    refused = client.post(
        f"/api/v1/cases/{world['cid']}/withdrawal", json={"reason": "x"}, headers=staff["rina"]
    )
    assert refused.status_code == 404
    assert core.head() == head
    outside = client.get("/api/v1/households?district=33.16.01", headers=staff["rina"])
    assert outside.status_code == 403


def test_the_complainant_is_shown_to_supervisors_and_auditors_only(
    client: TestClient, staff: dict[str, Headers], world: dict[str, str]
) -> None:
    path = f"/api/v1/cases/{world['cid']}"
    for who in ("kabid", "inspektur"):
        case = client.get(path, headers=staff[who]).json()
        assert case["reported_by"][0]["reporter"]["name"] == "Warga Desa"
    officer = client.get(path, headers=staff["budi"])
    assert officer.json()["reported_by"] is None
    assert "Warga" not in officer.text
    assert "0812" not in officer.text


def test_nik_and_kk_are_masked_except_for_supervisors_and_auditors(
    client: TestClient, staff: dict[str, Headers], world: dict[str, str]
) -> None:
    from tests.builders import kk, nik

    path = f"/api/v1/households/{world['hid']}"
    for who in ("budi", "admin"):
        household = client.get(path, headers=staff[who])
        assert household.json()["nik_masked"] == "3316********0001"
        assert nik(1) not in household.text
        assert kk(1) not in household.text
    full = client.get(path, headers=staff["kabid"]).json()
    assert (full["head_nik"], full["kk_number"]) == (nik(1), kk(1))
    listed = client.get(f"/api/v1/households?nik={nik(1)}", headers=staff["budi"])
    assert listed.json()["total"] == 1
    assert nik(1) not in listed.text


def test_a_facilitator_files_through_the_facilitator_channel_and_the_public_through_the_web(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core)
    filed = client.post("/api/v1/complaints", json=complaint_body(), headers=staff["pkh"])
    assert filed.status_code == 201
    first = core.history(UUID(filed.json()["complaint_id"]))[0]
    assert (first.data["channel"], first.actor) == ("facilitator", "pkh")
    head = core.head()
    posing = client.post("/api/v1/complaints", json=complaint_body(channel="hotline"))
    assert posing.status_code == 403
    assert core.head() == head
