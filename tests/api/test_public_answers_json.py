"""The public filing and tracking routes write their JSON once themselves (issue 18): the answers
must be what their documented models (`FiledOut`, `TrackOut`) say, status and headers included."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.api.schemas import FiledOut, StepOut, TrackOut
from bratasena.application import Bratasena
from tests.api.conftest import Headers, complaint_body
from tests.builders import register


def test_filing_and_tracking_answer_their_documented_json(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    register(core)
    public = client.post("/api/v1/complaints", json=complaint_body())
    assert public.status_code == 201, public.text
    assert public.headers["content-type"] == "application/json"
    assert public.headers["cache-control"] == "no-store"
    # Staff-only fields stay out of a citizen's answer (the route excludes None fields).
    assert set(public.json()) == {"complaint_id", "tracking_code", "status"}
    filed = FiledOut.model_validate_json(public.content)
    assert filed.status == "filed"

    joined = client.post("/api/v1/complaints", json=complaint_body(), headers=staff["pkh"])
    assert joined.status_code == 201, joined.text
    assert joined.json()["corroborated"] is True

    tracked = client.get(f"/api/v1/complaints/track/{filed.tracking_code}")
    assert tracked.status_code == 200
    assert tracked.headers["content-type"] == "application/json"
    progress = core.progress(filed.tracking_code)
    steps = [StepOut(step=step, at=at) for step, at in progress.steps]
    documented = TrackOut(
        tracking_code=progress.tracking_code,
        status=progress.status,
        filed_at=steps[0].at,
        updated_at=steps[-1].at,
        steps=steps,
        evidence=progress.evidence,
    )
    assert tracked.content == documented.model_dump_json().encode()
