"""The staff list over HTTP: filters and pages, no secrets, and each account command shown in it
as soon as the command answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.projections import Projections, StaffQuery
from tests.api.conftest import STAFF, Headers


def usernames(client: TestClient, headers: Headers, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/accounts{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["username"] for item in response.json()["items"]]


def test_an_admin_lists_the_accounts_by_role_district_and_enabled_without_secrets(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    core.disable_account("sari", reason="Pindah tugas", actor="admin")
    admin = staff["admin"]
    assert usernames(client, admin) == sorted(STAFF)
    assert usernames(client, admin, "?role=officer") == ["budi", "rina", "sari"]
    assert usernames(client, admin, "?district=33.16.01") == ["budi", "pkh", "sari"]
    assert usernames(client, admin, "?district=331601&enabled=true") == ["budi", "pkh"]
    assert usernames(client, admin, "?enabled=false") == ["sari"]
    assert usernames(client, admin, "?role=facilitator&district=331602") == []
    page = client.get("/api/v1/accounts?page=2&per_page=3", headers=admin).json()
    assert (page["total"], page["page"], page["per_page"]) == (len(STAFF), 2, 3)
    assert [item["username"] for item in page["items"]] == sorted(STAFF)[3:6]
    listed = client.get("/api/v1/accounts", headers=admin)
    budi = {item["username"]: item for item in listed.json()["items"]}["budi"]
    assert set(budi) == {
        "username",
        "full_name",
        "role",
        "districts",
        "enabled",
        "updated_at",
        "version",
    }
    assert (budi["role"], budi["districts"], budi["enabled"]) == ("officer", ["331601"], True)
    assert "argon2" not in listed.text
    assert "password" not in listed.text
    for who in ("kabid", "budi", "inspektur", "pkh"):
        assert client.get("/api/v1/accounts", headers=staff[who]).status_code == 403
    assert client.get("/api/v1/accounts").status_code == 401


def test_the_account_list_refuses_bad_filters_naming_the_field(
    client: TestClient, staff: dict[str, Headers]
) -> None:
    for query, field in (
        ("?role=kepala", "query.role"),  # roles are an enum of the schema
        ("?district=999999", "district"),
        ("?enabled=kadang", "query.enabled"),  # refused by the schema, before the view
        ("?per_page=101", "query.per_page"),
        ("?page=0", "query.page"),
    ):
        response = client.get(f"/api/v1/accounts{query}", headers=staff["admin"])
        assert response.status_code == 422, query
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_each_account_command_shows_in_the_list_when_it_answers(
    api: FastAPI, client: TestClient, staff: dict[str, Headers]
) -> None:
    views: Projections = api.state.service.projections
    admin = staff["admin"]

    def listed(**filters: Any) -> list[tuple[str, str, list[str], bool]]:
        # The view read directly, without the catching-up that list reads do first: what is
        # there was put there by the command's own wait.
        return [
            (r.username, r.role, r.districts, r.enabled)
            for r in views.staff.search(StaffQuery(**filters)).items
            if r.username == "wati"
        ]

    body = {"username": "wati", "password": "sandi-baru-panjang", "role": "officer",
            "districts": ["33.16.03"], "full_name": "Wati Lestari"}  # fmt: skip
    opened = client.post("/api/v1/accounts", json=body, headers=admin)
    assert opened.status_code == 201, opened.text
    assert listed(district="331603") == [("wati", "officer", ["331603"], True)]
    changed = client.put(
        "/api/v1/accounts/wati/role",
        json={"role": "facilitator", "districts": ["331604"]},
        headers={**admin, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert listed(district="331603") == []
    assert listed(role="facilitator") == [("wati", "facilitator", ["331604"], True)]
    disabled = client.post("/api/v1/accounts/wati/disable", json={"reason": "Cuti"}, headers=admin)
    assert disabled.status_code == 200, disabled.text
    assert listed(enabled=False) == [("wati", "facilitator", ["331604"], False)]
    assert views.staff.assignable("331604") == []
    enabled = client.post("/api/v1/accounts/wati/enable", headers=admin)
    assert enabled.status_code == 200, enabled.text
    assert [r.username for r in views.staff.assignable("331604")] == ["wati"]
    one = client.get("/api/v1/accounts/wati", headers=admin).json()
    (item,) = client.get("/api/v1/accounts?district=331604", headers=admin).json()["items"]
    assert item == one  # the list and the account itself agree, version and time included
    assert (one["full_name"], one["version"]) == ("Wati Lestari", 4)
