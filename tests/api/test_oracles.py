"""No answer tells an outsider, or an officer of another district, what the registry or another
district holds: filing, matching a household, and concurrent filings that never answer 409."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.api.conftest import PASSWORD, Headers, complaint_body
from tests.builders import Clock, case_at, file, nik, register, registry_row

OTHER_DISTRICT_VILLAGE = "3316021005"  # Randublatung, district 33.16.02


def public_file(client: TestClient, subject: dict[str, Any]) -> Any:
    return client.post("/api/v1/complaints", json=complaint_body(subject=subject))


def test_the_public_answer_is_the_same_for_a_registered_an_unregistered_and_an_open_case_nik(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core, registry_row(1), registry_row(2))
    open_case = case_at(core, clock, "assigned", "DTKS-000002")
    answers = {
        "unregistered": public_file(client, {"nik": nik(77)}),
        "registered": public_file(client, {"nik": nik(1)}),
        "open case": public_file(client, {"nik": nik(2)}),
    }
    codes = set()
    for name, answer in answers.items():
        assert answer.status_code == 201, (name, answer.text)
        body = answer.json()
        assert set(body) == {"complaint_id", "tracking_code", "status"}, name
        assert body["status"] == "filed", name
        codes.add(body["tracking_code"])
        tracked = client.get(f"/api/v1/complaints/track/{body['tracking_code']}").json()
        assert tracked["status"] == "filed", name
        assert [s["step"] for s in tracked["steps"]] == ["filed"], name
    assert len(codes) == 3
    assert core.get_complaint(open_case).tracking_code not in codes
    # The complaint about the open case joined it; staff see that, the citizen does not.
    case = client.get(f"/api/v1/cases/{open_case}", headers=staff["kabid"]).json()
    assert case["corroborations"] == 1
    # The unregistered one is held for an officer to match, as a case without a household.
    held = core.complaint_by_tracking_code(answers["unregistered"].json()["tracking_code"])
    assert (held.household_id, held.village_code) == (None, "")


def test_a_joined_case_shows_its_filer_only_the_steps_after_their_complaint(
    client: TestClient, core: Bratasena, clock: Clock, staff: dict[str, Headers]
) -> None:
    register(core)
    cid = case_at(core, clock, "investigated")
    code = public_file(client, {"registry_id": "DTKS-000001"}).json()["tracking_code"]
    clock.advance(days=1)
    core.issue_notice(cid, None, response_due=clock.today() + timedelta(days=14), actor="budi")
    tracked = client.get(f"/api/v1/complaints/track/{code}").json()
    assert tracked["tracking_code"] == code
    assert [s["step"] for s in tracked["steps"]] == ["filed", "notice_issued"]
    assert tracked["status"] == "notice_issued"
    page = client.get(f"/aduan/terkirim/{code}")
    assert code in page.text
    assert core.get_complaint(cid).tracking_code not in page.text


def test_staff_filing_still_learns_that_the_complaint_joined_a_case(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core)
    first = file(core)
    joined = client.post("/api/v1/complaints", json=complaint_body(), headers=staff["pkh"])
    assert joined.status_code == 201
    assert joined.json()["corroborated"] is True
    assert joined.json()["complaint_id"] == str(first.id)
    assert joined.json()["tracking_code"] != first.tracking_code


def test_a_citizens_own_input_errors_are_still_named(client: TestClient) -> None:
    bad = public_file(client, {"nik": "3316011708800000"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "subject.nik"


def test_an_officer_cannot_match_a_case_to_a_household_of_another_district_on_the_api(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core, registry_row(1), registry_row(9, village_code=OTHER_DISTRICT_VILLAGE))
    body = complaint_body(subject={"name": "Sutrisno", "village_code": "33.16.01.2001"})
    cid = client.post("/api/v1/complaints", json=body, headers=staff["kabid"]).json()[
        "complaint_id"
    ]
    head = core.head()

    def match(registry_id: str) -> Any:
        return client.post(
            f"/api/v1/cases/{cid}/household", json={"registry_id": registry_id},
            headers=staff["budi"],
        )  # fmt: skip

    outside, unknown = match("DTKS-000009"), match("DTKS-999999")
    assert outside.status_code == unknown.status_code == 422
    assert outside.json()["detail"].replace("DTKS-000009", "X") == unknown.json()["detail"].replace(
        "DTKS-999999", "X"
    )
    assert core.head() == head  # nothing written, on the case or the household
    assert match("DTKS-000001").status_code == 200
    # A supervisor works everywhere.
    other = client.post("/api/v1/complaints", json=body, headers=staff["kabid"]).json()
    confirmed = {"registry_id": "DTKS-000009", "confirmation": "Alamat di aduan keliru; KK cocok."}
    matched = client.post(
        f"/api/v1/cases/{other['complaint_id']}/household", json=confirmed, headers=staff["kabid"]
    )
    assert matched.status_code == 200, matched.text


def test_an_officer_cannot_match_a_case_to_a_household_of_another_district_on_the_page(
    core: Bratasena, api_settings: Any, clock: Clock, staff: dict[str, Headers], client: TestClient
) -> None:
    register(core, registry_row(1), registry_row(9, village_code=OTHER_DISTRICT_VILLAGE))
    body = complaint_body(subject={"name": "Sutrisno", "village_code": "33.16.01.2001"})
    cid = client.post("/api/v1/complaints", json=body, headers=staff["kabid"]).json()[
        "complaint_id"
    ]
    login = client.get("/masuk").text
    token = login.split('name="csrf_token" value="')[1].split('"')[0]
    credentials = {"csrf_token": token, "username": "budi", "password": PASSWORD}
    done = client.post("/masuk", data=credentials, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(f"/kasus/{cid}").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    head = core.head()

    def match(registry_id: str) -> Any:
        return client.post(
            f"/kasus/{cid}/identify",
            data={"csrf_token": token, "version": "1", "registry_id": registry_id},
            follow_redirects=False,
        )

    outside, unknown = match("DTKS-000009"), match("DTKS-999999")
    assert outside.status_code == unknown.status_code == 422
    assert core.head() == head
    complaint = core.get_complaint(UUID(cid))
    assert (complaint.household_id, complaint.village_code) == (None, "3316012001")
    household = core.find_households(registry_id="DTKS-000009")[0]
    assert household.version == 1  # no Reported written on the other district's household


@pytest.mark.slow
def test_concurrent_public_filings_about_one_household_are_all_stored_never_409(
    core: Bratasena, client: TestClient
) -> None:
    register(core)
    filers = 12
    barrier = threading.Barrier(filers)
    results: list[Any] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        filing = core.file_complaint(
            subject={"registry_id": "DTKS-000001"}, reasons=["mampu"],
            description="Rumahnya besar.", reporter=None,
        )  # fmt: skip
        with lock:
            results.append(filing)

    threads = [threading.Thread(target=one) for _ in range(filers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == filers
    assert len({r.tracking_code for r in results}) == filers
    cases = {r.id for r in results}
    assert len(cases) == 1
    assert core.get_complaint(cases.pop()).corroborations == filers - 1
