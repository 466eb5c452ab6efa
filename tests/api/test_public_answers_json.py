"""The public filing and tracking routes write their JSON once themselves (issue 18): the answers
must be what their documented models (`FiledOut`, `TrackOut`) say, status and headers included."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.api.schemas import FiledOut, StepOut, TrackOut
from bratasena.application import Bratasena
from bratasena.domain.identity import new_tracking_code
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


def test_tracking_answers_the_same_whichever_way_its_reads_are_made(
    client: TestClient, core: Bratasena, staff: dict[str, Headers]
) -> None:
    # On PostgreSQL the route reads on the event loop (`progress_on_loop`); the answer must be
    # `progress`'s, for a complaint's own code and for a code that joined an open case.
    register(core)
    own = client.post("/api/v1/complaints", json=complaint_body()).json()["tracking_code"]
    joined = client.post("/api/v1/complaints", json=complaint_body(), headers=staff["pkh"])
    assert joined.json()["corroborated"] is True
    for code in (own, joined.json()["tracking_code"]):
        tracked = TrackOut.model_validate_json(
            client.get(f"/api/v1/complaints/track/{code}").content
        )
        progress = core.progress(code)
        assert (tracked.tracking_code, tracked.status, tracked.evidence) == (
            progress.tracking_code,
            progress.status,
            progress.evidence,
        )
        assert [(s.step, s.at) for s in tracked.steps] == progress.steps
    unknown = new_tracking_code()
    assert client.get(f"/api/v1/complaints/track/{unknown}").status_code == 404
