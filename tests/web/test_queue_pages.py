"""The kabid's queue page and the reassignment form, without a browser, on both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.builders import Clock, case_at, file
from tests.web.conftest import login, post_form


def test_the_kabid_sees_the_queues_and_reassigns_a_checked_case_with_a_reason(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    waiting = file(core, "DTKS-000002")
    cid = case_at(core, clock, "investigated")
    login(client, "kabid")
    page = client.get("/antrean").text
    assert "Menunggu penugasan" in page
    assert waiting.tracking_code in page
    assert 'id="beban"' in page
    assert "Budi" in page

    case_page = f"/kasus/{cid}"
    form = client.get(case_page).text
    assert 'id="langkah-reassign"' in form
    refused = post_form(client, case_page, f"{case_page}/reassign", {
        "version": str(core.get_complaint(cid).version), "officer": "pkh", "reason": " ",
    })  # fmt: skip
    assert refused.status_code == 422
    assert "Tulis alasan pengalihan tugas." in refused.text  # the step's own reason (16b)
    assert core.get_complaint(cid).assigned_to == "budi"
    done = post_form(client, case_page, f"{case_page}/reassign", {
        "version": str(core.get_complaint(cid).version), "officer": "pkh",
        "reason": "Budi cuti dua minggu",
    })  # fmt: skip
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert "Dialihkan ke petugas lain" in after
    assert "Budi cuti dua minggu" in after
    assert core.get_complaint(cid).assigned_to == "pkh"

    client.cookies.clear()
    login(client, "budi")
    assert client.get("/antrean").status_code == 403
