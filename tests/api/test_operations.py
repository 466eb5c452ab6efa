"""Health, readiness and metrics; body size limits (413); the public rate limit (429)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.settings import Settings
from tests.api.conftest import Headers, complaint_body
from tests.builders import Clock, case_at, register


def test_health_and_readiness_answer_with_the_projection_lag(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    register(core)
    case_at(core, clock, "filed")
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["head"] == core.head()
    assert set(body["projection_lag"]) >= {"case_list", "household_status"}


def test_readiness_fails_while_projections_lag_past_the_threshold(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    api = create_app(make_settings(readiness_max_lag=0), clock=clock)
    with TestClient(api) as client:
        register(api.state.service.app)  # written behind the API's back: nothing applied yet
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["status"] == "not ready"


def test_metrics_count_requests_per_route_template_with_projection_lag(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "filed")
    client.get(f"/api/v1/cases/{cid}", headers=staff["kabid"])
    client.get(f"/api/v1/cases/{cid}", headers=staff["kabid"])
    text = client.get("/metrics").text
    values = samples(text)
    route = "/api/v1/cases/{complaint_id}"
    assert values["bratasena_http_requests_total", ("GET", route, "200")] == 2
    assert str(cid) not in text
    assert values["bratasena_http_request_duration_seconds_bucket", ("+Inf", route)] == 2
    assert values["bratasena_http_request_duration_seconds_count", (route,)] == 2
    assert ("bratasena_projection_lag", ("case_list",)) in values


def samples(text: str) -> dict[tuple[str, tuple[str, ...]], float]:
    """Every sample of a Prometheus exposition (read by the client's own parser, which refuses
    malformed text) by name and label values in name order (``le`` before ``route``)."""
    return {
        (sample.name, tuple(value for _, value in sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_body_over_the_limit_gets_413_by_length_or_while_streaming(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    api = create_app(make_settings(max_body_bytes=2000), clock=clock)
    with TestClient(api) as client:
        core: Bratasena = api.state.service.app
        register(core)
        head = core.head()
        big = complaint_body(description="x" * 3000)
        declared = client.post("/api/v1/complaints", json=big)
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the bytes are counted
            data = json.dumps(big).encode()
            for start in range(0, len(data), 500):
                yield data[start : start + 500]

        streamed = client.post(
            "/api/v1/complaints", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        assert "2,000 bytes" in streamed.json()["detail"]
        assert core.head() == head
        assert client.post("/api/v1/complaints", json=complaint_body()).status_code == 201


def test_the_public_post_is_rate_limited_per_client_with_retry_after(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    api = create_app(make_settings(public_rate_limit_per_minute=2), clock=clock)
    with TestClient(api) as client:
        core: Bratasena = api.state.service.app
        register(core)
        for _ in range(2):
            assert client.post("/api/v1/complaints", json=complaint_body()).status_code == 201
        head = core.head()
        limited = client.post("/api/v1/complaints", json=complaint_body())
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json()["type"] == "/problems/rate_limited"
        assert core.head() == head


def test_the_openapi_schema_and_docs_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/cases/{complaint_id}/appeal-decision" in schema["paths"]
    assert client.get("/docs").status_code == 200
