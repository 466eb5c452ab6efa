"""A facilitator (pendamping PKH) on the pages: their queue, their cases only, the field check."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.builders import Clock, case_at, file, kk
from tests.web.conftest import login, post_form


def actions_on(page: str) -> list[str]:
    return re.findall(r'action="/kasus/[^/]+/(\w+)"', page)


def test_a_facilitator_records_the_field_check_of_a_case_assigned_to_them_through_the_pages(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    filing = file(core, subject={"kk_number": kk(1)})  # named reporter, Jati
    case = f"/kasus/{filing.id}"
    login(client, "kabid")
    assigned = post_form(client, case, f"{case}/assign", {"version": "1", "officer": "pkh"})
    assert assigned.status_code == 303
    client.cookies.clear()

    login(client, "pkh")
    landing = client.get("/masuk", follow_redirects=False)
    assert landing.headers["location"] == "/tugas"
    queue = client.get("/tugas").text
    waiting = queue.split('id="menunggu"')[1].split('id="semua"')[0]
    assert filing.tracking_code in waiting
    assert 'href="/tugas">Tugas saya</a>' in queue

    page = client.get(case)
    assert page.status_code == 200
    assert actions_on(page.text) == ["investigate", "evidence"]
    for secret in ("Warga Desa", "081234567890", "toko besar di pasar", kk(1)):
        assert secret not in page.text  # neither the complainant nor their words nor the full KK
    assert "3316********0001" in page.text
    assert 'id="pelapor"' not in page.text
    assert 'href="/rumah-tangga/' not in page.text  # no household pages for facilitators

    version = str(core.get_complaint(filing.id).version)
    clock.advance(days=1)
    answer = post_form(
        client,
        case,
        f"{case}/investigate",
        {
            "version": version,
            "visited_on": clock.today().isoformat(),
            "findings.mampu": "Rumah dua lantai, toko bangunan.",
            "findings.owns_car": "Mobil di garasi.",
            "recommendation": "uphold",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{case}?ok=investigate"
    after = client.get(answer.headers["location"]).text
    assert "Hasil verifikasi lapangan sudah dicatat." in after
    assert "Rumah dua lantai, toko bangunan" in after
    # Photos of the visit may still follow; the notice and everything after are the office's.
    assert actions_on(after) == ["evidence"]
    complaint = core.get_complaint(filing.id)
    assert (complaint.status, complaint.investigated_by) == ("investigated", "pkh")
    queue = client.get("/tugas").text
    assert filing.tracking_code not in queue.split('id="menunggu"')[1].split('id="semua"')[0]
    assert filing.tracking_code in queue.split('id="semua"')[1]


def test_a_facilitator_opens_no_other_case_and_takes_no_other_step(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    others = case_at(core, clock, "assigned")  # assigned to the officer budi, in Jati
    mine = file(core, "DTKS-000002").id
    core.assign(mine, None, officer="pkh", actor="kabid")
    login(client, "pkh")
    assert core.get_complaint(others).tracking_code not in client.get("/tugas").text
    assert client.get(f"/kasus/{others}").status_code == 404
    for path in ("/petugas", f"/kasus/{mine}/riwayat", "/rumah-tangga", "/laporan", "/sinkron"):
        assert client.get(path, follow_redirects=False).status_code == 403, path
    head = core.head()
    refused = {
        f"/kasus/{others}/investigate": 404,  # a case of someone else: not found
        f"/kasus/{mine}/decide": 403,
        f"/kasus/{mine}/assign": 403,
        f"/kasus/{mine}/notice": 403,
        f"/kasus/{mine}/withdraw": 403,
    }
    for action, status in refused.items():
        answer = post_form(
            client,
            "/tugas",
            action,
            {"version": "2", "outcome": "reject", "reason": "x", "officer": "pkh"},
        )
        assert answer.status_code == status, action
    assert core.head() == head

    core.assign(mine, None, officer="budi", actor="kabid")  # reassigned to the officer
    assert client.get(f"/kasus/{mine}").status_code == 404
    assert client.get("/tugas").status_code == 200


def test_a_case_is_not_assigned_to_an_account_outside_its_district_or_without_field_work(
    client: TestClient, core: Bratasena
) -> None:
    core.open_account(
        username="pkh-randu",
        role="facilitator",
        districts=["331602"],
        password_hash="-",
        actor="admin",
    )
    case = f"/kasus/{file(core).id}"  # in Jati, 33.16.01
    login(client, "kabid")
    head = core.head()
    for assignee, message in (
        ("pkh-randu", "Akun ini tidak bertugas di kecamatan kasus ini"),
        ("inspektur", "Kasus hanya dapat ditugaskan kepada petugas atau pendamping PKH"),
    ):
        answer = post_form(client, case, f"{case}/assign", {"version": "1", "officer": assignee})
        assert answer.status_code == 422
        assert re.search(rf'id="err-officer" role="alert">{message}', answer.text)
        assert f'value="{assignee}"' in answer.text
        assert 'id="langkah-assign" open' in answer.text
    assert core.head() == head
    assert "Kecamatan Jati" in client.get(case).text  # the form says whose district it is
