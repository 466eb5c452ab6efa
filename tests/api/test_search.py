"""Finding households and cases over the API: by name, and by an exact id without a district."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.settings import Settings
from tests.api.conftest import Headers, bearer, password_hash
from tests.builders import OTHER_VILLAGE, file, nik, register, registry_row


def test_an_officer_of_several_districts_finds_an_exact_id_or_a_name_without_a_district(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], api_settings: Settings
) -> None:
    core.open_account(
        username="tono",
        role="officer",
        districts=["331601", "331602", "331603"],
        password_hash=password_hash(),
        actor="setup",
    )
    tono = bearer(api_settings, "tono")
    register(
        core,
        registry_row(1, head_name="Sugeng Riyadi"),
        registry_row(2, head_name="Tukiran", village_code=OTHER_VILLAGE),
        registry_row(3, head_name="Tukiran Hadi", village_code="3316021005"),
    )
    described = file(core, subject={"name": "Toekiran", "village_code": OTHER_VILLAGE})

    def households(headers: Headers, **params: str) -> list[str]:
        answer = client.get("/api/v1/households", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [item["registry_id"] for item in answer.json()["items"]]

    assert households(tono, registry_id="DTKS-000003") == ["DTKS-000003"]
    assert households(tono, nik=nik(1)) == ["DTKS-000001"]
    assert households(tono, name="toekiran") == ["DTKS-000002", "DTKS-000003"]
    assert households(tono, name="tukiran", district="33.16.02") == ["DTKS-000003"]
    # Budi works in 33.16.01 only: the area filters the result, whatever was asked.
    assert households(staff["budi"], registry_id="DTKS-000003") == []
    assert households(staff["budi"], name="Tukiran") == ["DTKS-000002"]
    outside = client.get(
        "/api/v1/households", params={"district": "33.16.02"}, headers=staff["budi"]
    )
    assert outside.status_code == 403
    blank = client.get("/api/v1/households", params={"name": "H."}, headers=tono)
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "name"

    cases = client.get("/api/v1/cases", params={"name": "Tukiran"}, headers=tono).json()
    assert [c["complaint_id"] for c in cases["items"]] == [str(described.id)]
    boxed = client.get("/api/v1/cases", params={"q": "tukiran"}, headers=staff["rina"]).json()
    assert boxed["total"] == 0  # Rina works in 33.16.02; the case is in Jati
