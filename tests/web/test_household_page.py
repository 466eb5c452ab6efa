"""The household page: its cases (counted right after a match), its registry history
(desil, members, programmes, address by extract) and its eligibility over time."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.domain import ids
from tests.builders import BLORA_VILLAGE, Clock, case_at, file, kk, nik, registry_row
from tests.web.conftest import login, post_form


def test_the_household_page_lists_its_cases_history_and_status_changes(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    core.import_registry(
        [registry_row(1, programs=["PKH"], desil=4, members=5, address="RT 03 RW 01, Krajan")],
        source="dtks",
        period="2026-02",
        actor="admin",
    )
    upheld = case_at(core, clock, "upheld")
    hid = ids.household_id("DTKS-000001")
    login(client, "kabid")
    page = client.get(f"/rumah-tangga/{hid}").text
    assert "RT 03 RW 01, Krajan" in page
    assert f'href="/kasus/{upheld}"' in page
    assert "Kasus aduan tentang keluarga ini (1)" in page
    assert "Dinonaktifkan" in page
    assert "Riwayat data terpadu" in page
    assert "<dd>PKH, BPNT</dd>" in page  # as registered in January
    assert "<dd>PKH</dd>" in page  # changed in February
    assert "Februari 2026" in page
    assert nik(1) in page  # a supervisor sees the full numbers; the history never shows them
    assert page.count(kk(1)) == 1

    # A described complaint matched on its case page is counted at once on the household's.
    described = file(core, subject={"name": "Sutrisno 2", "village_code": BLORA_VILLAGE})
    case_page = f"/kasus/{described.id}"
    done = post_form(client, case_page, f"{case_page}/identify", {
        "version": str(core.get_complaint(described.id).version), "registry_id": "DTKS-000002",
    })  # fmt: skip
    assert done.status_code == 303, done.text
    other = client.get(f"/rumah-tangga/{ids.household_id('DTKS-000002')}").text
    assert "Kasus aduan tentang keluarga ini (1)" in other
    assert described.tracking_code in other

    client.cookies.clear()
    login(client, "admin")  # sees the household, not the case pages
    page = client.get(f"/rumah-tangga/{hid}").text
    assert f'href="/kasus/{upheld}"' not in page
    assert "Kasus aduan tentang keluarga ini (1)" in page
