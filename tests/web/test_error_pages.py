"""Errors outside the API answer Indonesian pages with lang="id" and a title; the API keeps
problem+json; the rate-limited complaint form keeps what the citizen typed."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from httpx import Response

from bratasena.application import Bratasena
from bratasena.bootstrap import create_app
from bratasena.settings import Settings
from tests.builders import Clock
from tests.web.conftest import csrf_of, login, seed


def is_page(answer: Response, status: int, title: str) -> None:
    assert answer.status_code == status
    html = answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="id">' in html
    assert re.search(rf"<title>{title} · ", html), html[:400]
    assert "Not Found" not in html


def test_unknown_addresses_bad_ids_and_wrong_methods_answer_indonesian_pages(
    client: TestClient,
) -> None:
    is_page(client.get("/tidak-ada"), 404, "Halaman tidak ditemukan")
    login(client, "kabid")
    is_page(client.get("/kasus/bukan-id"), 404, "Halaman tidak ditemukan")
    is_page(
        client.get("/kasus/00000000-0000-0000-0000-000000000000"), 404, "Halaman tidak ditemukan"
    )
    is_page(client.delete("/aduan"), 405, "Tidak dapat diproses")
    is_page(client.get("/sinkron"), 403, "Tidak berwenang")
    # The API's paths keep answering as the API does.
    api = client.get("/api/v1/tidak-ada")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_a_form_over_the_size_limit_gets_a_page_and_the_api_a_problem(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    web = create_app(make_settings(max_body_bytes=2000), clock=clock)
    with TestClient(web) as client:
        token = csrf_of(client.get("/aduan").text)
        big = client.post("/aduan", data={"csrf_token": token, "description": "x" * 3000})
        is_page(big, 413, "Kiriman terlalu besar")
        api = client.post("/api/v1/complaints", content=b"x" * 3000)
        assert api.status_code == 413
        assert api.headers["content-type"] == "application/problem+json"


def test_the_rate_limited_complaint_form_keeps_what_the_citizen_typed(
    make_settings: Callable[..., Settings], clock: Clock
) -> None:
    web = create_app(make_settings(public_rate_limit_per_minute=1), clock=clock)
    with TestClient(web) as client:
        core: Bratasena = web.state.service.app
        seed(core)
        typed = {
            "subject.village_code": "3316012001",
            "subject.name": "Sutrisno Wibowo",
            "reasons": "owns_car",
            "description": "Mobil baru di garasi rumahnya.",
        }
        token = csrf_of(client.get("/aduan").text)
        first = client.post("/aduan", data={"csrf_token": token, **typed}, follow_redirects=False)
        assert first.status_code == 303
        head = core.head()
        limited = client.post("/aduan", data={"csrf_token": token, **typed})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert '<html lang="id">' in limited.text
        assert "Terlalu banyak aduan" in limited.text
        assert 'value="Sutrisno Wibowo"' in limited.text
        assert "Mobil baru di garasi rumahnya." in limited.text
        assert core.head() == head


def test_a_bug_on_a_page_answers_an_indonesian_page_without_the_traceback(
    web_settings: Settings, clock: Clock
) -> None:
    web = create_app(web_settings, clock=clock)

    def broken() -> None:
        raise RuntimeError("secret detail of a bug")

    web.add_api_route("/rusak", broken)
    web.add_api_route("/api/v1/rusak", broken)
    with TestClient(web, raise_server_exceptions=False) as client:
        answer = client.get("/rusak")
        is_page(answer, 500, "Terjadi kesalahan")
        assert "secret detail" not in answer.text
        api = client.get("/api/v1/rusak")
        assert api.status_code == 500
        assert api.headers["content-type"] == "application/problem+json"
