"""Bad input on every command gets a clear 4xx problem naming the field, and stores nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.api.conftest import Headers, complaint_body
from tests.builders import Clock, case_at, register

LONG = "Terbukti mampu: rumah dua lantai dan mobil pribadi."

# (command, stage the case is at, who sends it, body with TODAY/FUTURE/PAST, status, field)
BAD_COMMANDS: list[tuple[str, str, str, dict[str, Any], int, str | None]] = [
    ("assignment", "filed", "kabid", {}, 422, "officer"),
    ("assignment", "filed", "kabid", {"officer": "budi", "priority": 1}, 422, "priority"),
    ("assignment", "filed", "kabid", {"officer": "nobody"}, 422, "officer"),
    ("assignment", "filed", "kabid", {"officer": "rina"}, 422, "officer"),
    ("assignment", "filed", "kabid", {"officer": "kabid2"}, 422, "officer"),
    ("assignment", "filed", "kabid", {"officer": ["budi"]}, 422, "officer"),
    ("investigation", "assigned", "budi",
     {"visited_on": "FUTURE", "findings": {"mampu": "x"}, "recommendation": "uphold"},
     422, "visited_on"),
    ("investigation", "assigned", "budi",
     {"visited_on": "TODAY", "findings": {"pensioner": "x"}, "recommendation": "uphold"},
     422, "findings"),
    ("investigation", "assigned", "budi",
     {"visited_on": "TODAY", "findings": {"mampu": "x"}, "recommendation": "maybe"},
     422, "recommendation"),
    ("investigation", "assigned", "budi",
     {"visited_on": "31-12-2026", "findings": {"mampu": "x"}, "recommendation": "uphold"},
     422, "visited_on"),
    ("investigation", "filed", "budi",
     {"visited_on": "TODAY", "findings": {"mampu": "x"}, "recommendation": "uphold"},
     422, None),
    ("notice", "investigated", "budi", {"response_due": "PAST"}, 422, "response_due"),
    ("notice", "investigated", "budi", {"response_due": "soon"}, 422, "response_due"),
    ("response", "notice_issued", "budi", {"statement": "", "received_on": "TODAY"}, 422,
     "statement"),
    ("response", "notice_issued", "budi", {"statement": "x", "received_on": "FUTURE"}, 422,
     "received_on"),
    ("decision", "response_recorded", "kabid", {"outcome": "reject", "reason": " "}, 422,
     "reason"),
    ("decision", "response_recorded", "kabid", {"outcome": "maybe", "reason": "x"}, 422,
     "outcome"),
    ("decision", "notice_issued", "kabid", {"outcome": "uphold", "reason": "x"}, 422, None),
    ("withdrawal", "assigned", "budi", {"reason": ""}, 422, "reason"),
    ("withdrawal", "upheld", "budi", {"reason": "x"}, 422, None),
    ("decision", "response_recorded", "kabid", {"outcome": "uphold", "reason": "Terbukti"},
     422, "reason"),
    ("decision", "response_recorded", "kabid", {"outcome": "uphold", "reason": LONG}, 422,
     "reason_codes"),
    ("decision", "response_recorded", "kabid",
     {"outcome": "uphold", "reason": LONG, "reason_codes": ["pensioner"]}, 422, "reason_codes"),
    ("decision", "response_recorded", "kabid",
     {"outcome": "uphold", "reason": LONG, "reason_codes": ["rich"]}, 422, "reason_codes.0"),
    ("household", "filed", "budi", {"registry_id": "DTKS-000001"}, 422, None),
    ("household/rematch", "investigated", "kabid", {"registry_id": "DTKS-000001", "reason": "x"},
     422, "registry_id"),
    ("household/rematch", "investigated", "kabid", {"registry_id": "DTKS-000404", "reason": "x"},
     422, "registry_id"),
    ("household/rematch", "investigated", "budi", {"registry_id": "DTKS-000001", "reason": "x"},
     403, None),
    ("letters", "assigned", "budi", {"kind": "decision"}, 422, None),
    ("letters", "response_recorded", "budi", {"kind": "decision"}, 422, "kind"),
    ("letters", "upheld", "kabid", {"kind": "memo"}, 422, "kind"),
    ("letters", "upheld", "kabid", {"kind": "decision", "delivery_on": "PAST"}, 422,
     "delivery_on"),
    ("appeal", "upheld", "budi", {"grounds": "x", "filed_on": "TODAY"}, 422, None),
    ("appeal", "delivered", "budi", {"grounds": "x", "filed_on": "FUTURE"}, 422, "filed_on"),
    ("appeal", "delivered", "budi", {"grounds": "", "filed_on": "TODAY"}, 422, "grounds"),
    ("appeal", "assigned", "budi", {"grounds": "x", "filed_on": "TODAY"}, 422, None),
    ("appeal-decision", "upheld", "kabid", {"outcome": "grant", "reason": "x"}, 422, None),
    ("appeal-decision", "upheld", "kabid", {"outcome": "deny"}, 422, "reason"),
]  # fmt: skip

BAD_COMPLAINTS: list[tuple[dict[str, Any], str]] = [
    (complaint_body(subject={"nik": "1234567890123456"}), "subject.nik"),
    (complaint_body(subject={"kk_number": "33160"}), "subject.kk_number"),
    (complaint_body(subject={"name": "Pak Darto", "village_code": "3316999999"}),
     "subject.village_code"),
    (complaint_body(subject={"name": "Pak Darto"}), "subject"),
    (complaint_body(subject={"registry_id": "DTKS-000001", "phone": "1"}), "subject.phone"),
    (complaint_body(reasons=[]), "reasons"),
    (complaint_body(reasons=["rich"]), "reasons.0"),
    (complaint_body(reasons=["other"], description=""), "description"),
    (complaint_body(reporter={"phone": "0812"}), "reporter.name"),
    (complaint_body(reporter={"name": "A", "nik": "3316"}), "reporter.nik"),
    (complaint_body(tracking_code="ABCD"), "tracking_code"),
    ({"reasons": ["mampu"], "description": "x"}, "subject"),
]  # fmt: skip


def _dates(body: dict[str, Any], clock: Clock) -> dict[str, Any]:
    today = clock.today()
    words = {
        "TODAY": str(today),
        "FUTURE": str(today + timedelta(days=3)),
        "PAST": str(today - timedelta(days=3)),
    }
    return {k: words.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize(
    ("step", "stage", "who", "body", "status", "field"),
    BAD_COMMANDS,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_COMMANDS)],
)
def test_a_bad_command_is_refused_with_the_field_and_stores_nothing(
    client: TestClient,
    core: Bratasena,
    staff: dict[str, Headers],
    clock: Clock,
    step: str,
    stage: str,
    who: str,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    register(core)
    cid = case_at(core, clock, stage)
    head = core.head()
    response = client.post(
        f"/api/v1/cases/{cid}/{step}", json=_dates(body, clock), headers=staff[who]
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == status
    assert problem["detail"]
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]], problem
    assert core.head() == head


def test_a_malformed_if_match_or_body_is_refused_and_stores_nothing(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "filed")
    head = core.head()
    path = f"/api/v1/cases/{cid}/assignment"
    bad_version = client.post(
        path, json={"officer": "budi"}, headers={**staff["kabid"], "If-Match": '"three"'}
    )
    assert bad_version.status_code == 422
    assert bad_version.json()["errors"][0]["field"] == "If-Match"
    not_json = client.post(
        path,
        content=b"{officer: budi",
        headers={**staff["kabid"], "content-type": "application/json"},
    )
    assert not_json.status_code == 422
    unknown_case = client.post(
        "/api/v1/cases/00000000-0000-0000-0000-000000000000/assignment",
        json={"officer": "budi"},
        headers=staff["kabid"],
    )
    assert unknown_case.status_code == 404
    assert core.head() == head


@pytest.mark.parametrize(("body", "field"), BAD_COMPLAINTS, ids=[f for _, f in BAD_COMPLAINTS])
def test_a_bad_public_complaint_is_refused_with_the_field_and_stores_nothing(
    client: TestClient, core: Bratasena, body: dict[str, Any], field: str
) -> None:
    register(core)
    head = core.head()
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert core.head() == head


def test_bad_targets_are_refused_and_store_nothing(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    head = core.head()
    for body in ({"monthly": [10] * 11}, {"monthly": [-1] + [10] * 11}, {"yearly": 120}):
        response = client.put("/api/v1/targets/2026", json=body, headers=staff["kabid"])
        assert response.status_code == 422, body
    stale = client.put(
        "/api/v1/targets/2026",
        json={"monthly": [12] * 12},
        headers={**staff["kabid"], "If-Match": '"2"'},
    )
    assert stale.status_code == 409, stale.text
    assert core.head() == head
    good = client.put(
        "/api/v1/targets/2026",
        json={"monthly": [12] * 12},
        headers={**staff["kabid"], "If-Match": '"0"'},
    )
    assert good.json() == {"year": 2026, "monthly": [12] * 12, "version": 1}
