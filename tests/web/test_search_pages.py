"""The search box of /petugas and the household search, without a browser, on both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.builders import OTHER_VILLAGE, file, registry_row
from tests.web.conftest import login, password_hash


def test_one_box_finds_a_case_by_name_or_code_and_says_what_it_searched(
    client: TestClient, core: Bratasena
) -> None:
    described = file(core, subject={"name": "Tukiran Hadi", "village_code": OTHER_VILLAGE})
    login(client, "kabid")
    page = client.get("/petugas", params={"q": "Toekiran"}).text
    assert described.tracking_code in page
    assert "Dicari sebagai nama kepala keluarga" in page
    page = client.get("/petugas", params={"q": described.tracking_code.lower()}).text
    assert described.tracking_code in page
    assert "Dicari sebagai kode lacak" in page
    page = client.get("/petugas", params={"q": "Sukarno"}).text
    assert described.tracking_code not in page
    assert "0 kasus" in page


def test_an_officer_of_several_districts_finds_a_household_by_id_or_name_without_a_district(
    client: TestClient, core: Bratasena
) -> None:
    core.open_account(
        username="tono",
        role="officer",
        districts=["331601", "331602"],
        password_hash=password_hash(),
        actor="setup",
    )
    core.import_registry(
        [registry_row(9, head_name="Hj. Sri Wahyuni")], source="dtks", period="2026-01", actor="x"
    )
    login(client, "tono")
    page = client.get("/rumah-tangga", params={"registry_id": "DTKS-000002"}).text
    assert "Pilih salah satu kecamatan" not in page
    assert "Sutrisno 2" in page
    page = client.get("/rumah-tangga", params={"nama": "sri wahjoeni"}).text
    assert "DTKS-000009" in page
    assert "1 keluarga" in page
    page = client.get("/rumah-tangga", params={"nama": "Bpk."}).text
    assert 'id="f-nama"' in page
    assert "Tulis paling sedikit satu kata nama" in page


def test_the_household_search_by_name_narrows_to_a_village_of_the_chosen_district(
    client: TestClient, core: Bratasena
) -> None:
    rows = [
        registry_row(8, head_name="Tukiran", village_code=OTHER_VILLAGE),
        registry_row(9, head_name="Tukiran"),
    ]
    core.import_registry(rows, source="dtks", period="2026-01", actor="x")
    login(client, "kabid")
    page = client.get("/rumah-tangga", params={"nama": "tukiran", "kecamatan": "331601"}).text
    assert "2 keluarga" in page
    assert f'<option value="{OTHER_VILLAGE}"' in page  # Gempol, a village of Jati
    page = client.get(
        "/rumah-tangga", params={"nama": "tukiran", "kecamatan": "331601", "desa": OTHER_VILLAGE}
    ).text
    assert "1 keluarga" in page
    assert "DTKS-000008" in page
    assert "DTKS-000009" not in page
