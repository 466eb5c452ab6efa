"""The auditor's replay: the hash chain recomputed from the export, and states between events."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.api.conftest import Headers
from tests.builders import Clock, case_at, nik, register


def recompute_chain(events: list[dict[str, object]]) -> list[str]:
    """The chain as the README tells a verifier to compute it, from the exported JSON alone."""
    chain, chains = "", []
    for event in events:
        body = {k: event[k] for k in ("version", "type", "recorded_at", "actor", "data")}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        chain = hashlib.sha256((chain + text).encode("utf-8")).hexdigest()
        chains.append(chain)
    return chains


def test_the_exported_history_verifies_by_recomputing_its_chain(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "upheld")
    exported = client.get(f"/api/v1/audit/complaints/{cid}/events", headers=staff["inspektur"])
    assert exported.status_code == 200
    events = exported.json()
    assert [e["version"] for e in events] == list(range(1, 7))
    assert events[0]["type"] == "Complaint.Filed"
    assert events[0]["data"]["reporter"]["name"] == "Warga Desa"
    assert events[-1]["actor"] == "kabid"
    assert recompute_chain(events) == [e["chain"] for e in events]

    tampered = [dict(e) for e in events]
    tampered[2] = {**tampered[2], "actor": "someone-else"}
    recomputed = recompute_chain(tampered)
    assert recomputed[:2] == [e["chain"] for e in events[:2]]
    assert all(
        a != b for a, b in zip(recomputed[2:], [e["chain"] for e in events[2:]], strict=True)
    )


def test_a_household_history_verifies_too_and_is_not_served_as_a_complaint(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    (hid,) = register(core)
    case_at(core, clock, "upheld")
    events = client.get(f"/api/v1/audit/households/{hid}/events", headers=staff["kabid"]).json()
    assert [e["type"] for e in events] == [
        "Household.Registered",
        "Household.Reported",
        "Household.Deactivated",
    ]
    assert events[0]["data"]["head_nik"] == nik(1)  # auditors and supervisors see it in full
    assert recompute_chain(events) == [e["chain"] for e in events]
    wrong_kind = client.get(f"/api/v1/audit/complaints/{hid}/events", headers=staff["kabid"])
    assert wrong_kind.status_code == 404


def test_state_at_a_moment_between_two_events_is_the_earlier_one(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "investigated")
    events = client.get(f"/api/v1/audit/complaints/{cid}/events", headers=staff["inspektur"])
    assigned, investigated = events.json()[1], events.json()[2]
    between = (
        datetime.fromisoformat(assigned["recorded_at"])
        + (
            datetime.fromisoformat(investigated["recorded_at"])
            - datetime.fromisoformat(assigned["recorded_at"])
        )
        / 2
    )
    state = client.get(
        f"/api/v1/audit/complaints/{cid}/state",
        params={"at": between.isoformat()},
        headers=staff["inspektur"],
    )
    assert state.status_code == 200, state.text
    body = state.json()
    assert (body["version"], body["state"]["status"]) == (2, "assigned")
    assert body["state"]["assigned_to"] == "budi"
    assert body["state"]["investigated_by"] is None

    by_version = client.get(
        f"/api/v1/audit/complaints/{cid}/state?version=3", headers=staff["inspektur"]
    ).json()
    assert by_version["state"]["status"] == "investigated"
    now = client.get(f"/api/v1/audit/complaints/{cid}/state", headers=staff["inspektur"]).json()
    assert now["version"] == 3


def test_state_before_the_first_event_or_past_the_last_version_is_not_found(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "filed")
    before = (clock.now - timedelta(days=1)).isoformat()
    path = f"/api/v1/audit/complaints/{cid}/state"
    assert client.get(path, params={"at": before}, headers=staff["kabid"]).status_code == 404
    assert client.get(path, params={"version": 9}, headers=staff["kabid"]).status_code == 404
    naive = client.get(path, params={"at": "2026-03-10T09:00:00"}, headers=staff["kabid"])
    assert naive.status_code == 422
    both = client.get(path, params={"at": before, "version": 1}, headers=staff["kabid"])
    assert both.status_code == 422
