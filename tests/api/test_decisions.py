"""Defensible decisions over HTTP: the right household (candidates, confirmations, joins) and the
letters the office signs (issued once, numbered in order, downloaded byte for byte)."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.domain.household import Household
from tests.api.conftest import Headers, complaint_body
from tests.builders import (
    OTHER_VILLAGE,
    Clock,
    case_at,
    deliver_decision,
    kk,
    nik,
    register,
    registry_row,
)

TAMBAKSARI = "3316092022"  # Kec. Kunduran: another district


def unmatched(client: TestClient, name: str = "Bpk. Soetrisno", village: str = "3316012001") -> str:
    body = complaint_body()
    body["subject"] = {"name": name, "village_code": village}
    filed = client.post("/api/v1/complaints", json=body)
    assert filed.status_code == 201, filed.text
    cid: str = filed.json()["complaint_id"]
    return cid


def households(core: Bratasena) -> None:
    register(
        core,
        registry_row(1, head_name="Sutrisno"),
        registry_row(2, head_name="H. Soetrisno Wibowo", village_code=OTHER_VILLAGE),
        registry_row(3, head_name="Darmo", village_code=TAMBAKSARI),
        registry_row(4, head_name="Sutrisno Hadi"),
    )


def test_candidates_say_what_matches_and_what_does_not(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    households(core)
    cid = unmatched(client)
    darmo = core.find_households(registry_id="DTKS-000003")[0]
    darmo.deactivate(complaint_id=UUID(cid), reason_codes=["mampu"], actor="k", at=core.clock())
    core.save(darmo)
    by_name = client.get(f"/api/v1/cases/{cid}/household-candidates", headers=staff["kabid"]).json()
    # With nothing typed: the complaint's name, in its district, old spelling and titles aside.
    assert [c["registry_id"] for c in by_name] == ["DTKS-000001", "DTKS-000002", "DTKS-000004"]
    first, moved, longer = by_name
    assert (first["name_similarity"], first["same_village"], first["concerns"]) == (1.0, True, [])
    assert (moved["same_village"], moved["same_district"]) == (False, True)
    assert moved["concerns"] == ["other_village"]
    assert (longer["name_similarity"], longer["concerns"]) == (0.9, [])
    assert (first["desil"], first["programs"], first["nik_masked"]) == (
        2,
        ["PKH", "BPNT"],
        "3316********0001",
    )
    assert nik(1) not in str(by_name)
    # A number is looked up everywhere: Darmo of another district, already off aid.
    found = client.get(
        f"/api/v1/cases/{cid}/household-candidates",
        params={"q": "DTKS-000003"},
        headers=staff["kabid"],
    ).json()
    assert [(c["registry_id"], c["found_by"], c["deactivated"]) for c in found] == [
        ("DTKS-000003", "registry_id", True)
    ]
    assert found[0]["same_district"] is False
    assert "name_mismatch" in found[0]["concerns"]
    by_kk = client.get(
        f"/api/v1/cases/{cid}/household-candidates", params={"q": kk(4)}, headers=staff["budi"]
    ).json()
    assert [(c["registry_id"], c["found_by"]) for c in by_kk] == [("DTKS-000004", "kk")]
    # An officer sees only the households of their districts.
    officer = client.get(
        f"/api/v1/cases/{cid}/household-candidates",
        params={"q": "DTKS-000003"},
        headers=staff["budi"],
    ).json()
    assert officer == []
    village_only = client.get(
        f"/api/v1/cases/{cid}/household-candidates",
        params={"within": "village"},
        headers=staff["budi"],
    ).json()
    assert [c["registry_id"] for c in village_only] == ["DTKS-000001", "DTKS-000004"]


def test_a_match_elsewhere_needs_a_confirmation_and_keeps_it(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    households(core)
    cid = unmatched(client)
    head = core.head()
    refused = client.post(
        f"/api/v1/cases/{cid}/household", json={"registry_id": "DTKS-000002"}, headers=staff["budi"]
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/match_unconfirmed"
    assert refused.json()["errors"][0]["field"] == "confirmation"
    assert core.head() == head
    why = "Kepala desa membenarkan: keluarga pindah ke Gempol."
    matched = client.post(
        f"/api/v1/cases/{cid}/household",
        json={"registry_id": "DTKS-000002", "confirmation": why},
        headers=staff["budi"],
    )
    assert matched.status_code == 200, matched.text
    case = matched.json()["case"]
    assert case["village_code"] == OTHER_VILLAGE
    assert case["timeline"][-1]["fields"]["concerns"] == ["other_village"]
    assert case["timeline"][-1]["fields"]["confirmation"] == why
    assert why in case["timeline"][-1]["text"]


def test_the_demo_story_a_deactivated_household_of_another_district_is_refused(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    # Sugeng Riyadi of Tempelan was matched by a registry id that was Darmo's of Tambaksari,
    # already off aid: now refused by its own rule, before anything is stored.
    households(core)
    darmo = core.find_households(registry_id="DTKS-000003")[0]
    darmo.deactivate(complaint_id=darmo.id, reason_codes=["mampu"], actor="k", at=clock())
    core.save(darmo)
    cid = unmatched(client, name="Sugeng Riyadi")
    head = core.head()
    confirmation = {"confirmation": "Nomor registrasi diberikan pelapor lewat telepon."}
    body = {"registry_id": "DTKS-000003", **confirmation}
    refused = client.post(f"/api/v1/cases/{cid}/household", json=body, headers=staff["kabid"])
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/household_deactivated"
    assert core.head() == head
    # An officer of Jati may not match a household of Kunduran at all: to them it does not
    # exist (the command is no oracle of other districts' registry ids).
    rina = client.post(f"/api/v1/cases/{cid}/household", json=body, headers=staff["budi"])
    assert rina.json()["type"] == "/problems/unknown_household"


def test_a_household_under_another_open_case_joins_it_and_nothing_is_lost(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    households(core)
    open_case = case_at(core, clock, "assigned")  # about DTKS-000001
    cid = unmatched(client)
    joined = client.post(
        f"/api/v1/cases/{cid}/household", json={"registry_id": "DTKS-000001"}, headers=staff["budi"]
    )
    assert joined.status_code == 200, joined.text
    answer = joined.json()
    assert answer["joined_case_id"] == str(open_case)
    assert answer["case"]["status"] == "joined"
    other = client.get(f"/api/v1/cases/{open_case}", headers=staff["kabid"]).json()
    assert other["corroborations"] == 1
    tracking = core.get_complaint(UUID(answer["complaint_id"])).tracking_code
    assert other["timeline"][-1]["fields"]["joined_from"] == tracking
    # The complainant of the joining complaint is with the open case now (supervisors only).
    assert [r["reporter"]["name"] for r in other["reported_by"]] == ["Warga Desa", "Warga Desa"]
    household = core.find_households(registry_id="DTKS-000001")[0]
    assert household.open_complaint_id == open_case


def test_a_rematch_sends_the_case_back_and_frees_the_first_household(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    households(core)
    cid = case_at(core, clock, "response_recorded")
    body = {"registry_id": "DTKS-000004", "reason": "Pelapor menyebut nomor KK yang keliru."}
    rematched = client.post(
        f"/api/v1/cases/{cid}/household/rematch", json=body, headers=staff["kabid"]
    )
    assert rematched.status_code == 200, rematched.text
    case = rematched.json()["case"]
    assert (case["status"], case["assigned_to"], case["response_due"]) == ("assigned", "budi", None)
    assert "record_investigation" not in case["allowed_actions"]  # kabid is no field officer
    first = core.find_households(registry_id="DTKS-000001")[0]
    assert first.open_complaint_id is None
    assert [e.type for e in core.history(first.id)][-1] == "Household.Unmatched"
    # A later complaint about the first household opens a case of its own.
    again = client.post("/api/v1/complaints", json=complaint_body(), headers=staff["kabid"])
    assert again.json()["corroborated"] is False  # staff see it; the public answer never says


def test_letters_are_numbered_in_order_and_downloaded_byte_for_byte(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    households(core)
    first = case_at(core, clock, "upheld")
    second = case_at(core, clock, "investigated", "DTKS-000004")
    issued = []
    for cid, kind, who in (
        (first, "field_report", "budi"),
        (second, "field_report", "budi"),
        (first, "decision", "kabid"),
    ):
        answer = client.post(
            f"/api/v1/cases/{cid}/letters", json={"kind": kind}, headers=staff[who]
        )
        assert answer.status_code == 200, answer.text
        issued.append(answer.json()["letter"])
    assert [letter["number"] for letter in issued] == [
        "400.9/1/2026",
        "400.9/2/2026",
        "400.9/3/2026",
    ]
    decision = issued[2]
    assert decision["key"] == "400.9_3_2026"
    assert decision["delivery_on"] == str(clock.today())
    listed = client.get(f"/api/v1/cases/{first}/letters", headers=staff["inspektur"]).json()
    assert [letter["kind"] for letter in listed] == ["field_report", "decision"]
    downloads = [
        client.get(decision["pdf"], headers=staff[who]) for who in ("inspektur", "kabid", "budi")
    ]
    for download in downloads:
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(download.content).hexdigest() == decision["sha256"]
    assert downloads[0].content == downloads[1].content
    for who in ("rina", "pkh"):
        assert client.get(decision["pdf"], headers=staff[who]).status_code in (403, 404)
    assert client.get(decision["pdf"]).status_code == 401
    missing = client.get(f"/api/v1/cases/{first}/letters/400.9_99_2026.pdf", headers=staff["kabid"])
    assert missing.status_code == 404


def test_the_objection_window_runs_from_the_recorded_delivery(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "upheld")
    issued = client.post(
        f"/api/v1/cases/{cid}/letters",
        json={"kind": "decision", "delivery_on": str(clock.today())},
        headers=staff["kabid"],
    ).json()["letter"]
    early = client.post(
        f"/api/v1/cases/{cid}/appeal",
        json={"grounds": "Kami miskin.", "filed_on": str(clock.today())},
        headers=staff["budi"],
    )
    assert early.json()["type"] == "/problems/decision_not_delivered"
    clock.advance(days=3)
    delivered = client.post(
        f"/api/v1/cases/{cid}/letters/{issued['key']}/delivery",
        json={"delivered_on": str(clock.today()), "method": "by_post"},
        headers=staff["budi"],
    )
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["letter"]["delivery_method"] == "by_post"
    again = client.post(
        f"/api/v1/cases/{cid}/letters/{issued['key']}/delivery",
        json={"delivered_on": str(clock.today()), "method": "by_hand"},
        headers=staff["budi"],
    )
    assert again.json()["type"] == "/problems/no_letter_to_deliver"


def test_no_letter_names_the_complainant(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "upheld")
    deliver_decision(core, cid, on=clock.today())
    letters: list[dict[str, Any]] = (
        core.get_complaint(cid).letters[next(iter(core.get_complaint(cid).letters))].content
    )
    text = str(letters)
    for secret in ("Warga Desa", "081234567890", "toko besar di pasar"):
        assert secret not in text
    assert "Sutrisno 1" in text
    assert isinstance(core.get_household(core.get_complaint(cid).household_id or cid), Household)
