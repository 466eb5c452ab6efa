"""Evidence over HTTP on both backends: multipart uploads, who sees and fetches what, bad files
refused with the field named and nothing stored, complainants' files, the public count."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bratasena.application import Bratasena
from bratasena.settings import Settings
from tests.api.conftest import Headers, complaint_body
from tests.builders import Clock, case_at, pdf, photo, register
from tests.integration.test_evidence import stored_blobs


@pytest.fixture
def api_settings(make_settings: Any) -> Settings:
    settings: Settings = make_settings(
        public_rate_limit_per_minute=10_000, evidence_max_bytes=300_000
    )
    return settings


def attach(
    client: TestClient,
    cid: Any,
    who: Headers,
    data: bytes,
    name: str = "IMG_0001.JPG",
    media: str = "image/jpeg",
    **form: str,
) -> Any:
    return client.post(
        f"/api/v1/cases/{cid}/evidence",
        headers=who,
        files={"file": (name, data, media)},
        data={"kind": "house_front", **form},
    )


def test_an_officer_attaches_a_photo_and_sees_only_its_exif_free_copies(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "assigned")
    original = photo()
    answer = attach(client, cid, staff["budi"], original, caption="Rumah tampak depan")
    assert answer.status_code == 201, answer.text
    evidence = answer.json()["evidence"]
    assert evidence["sha256"] == hashlib.sha256(original).hexdigest()
    assert evidence["media_type"] == "image/jpeg"
    assert evidence["stage"] == "field_check"
    assert evidence["map_url"] == "geo:-6.9701389,111.4169444"
    assert set(evidence["links"]) == {"screen", "thumb"}
    listed = client.get(f"/api/v1/cases/{cid}/evidence", headers=staff["sari"]).json()
    assert [e["evidence_id"] for e in listed] == [evidence["evidence_id"]]
    base = f"/api/v1/cases/{cid}/evidence/{evidence['evidence_id']}"
    thumb = client.get(f"{base}/thumb", headers=staff["budi"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(thumb.content)).getexif()
    assert b"TestPhone" not in thumb.content
    refused = client.get(f"{base}/original", headers=staff["budi"])
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("original_not_allowed")
    for reader in ("kabid", "inspektur"):
        fetched = client.get(f"{base}/original", headers=staff[reader])
        assert fetched.status_code == 200
        assert fetched.content == original
    # The audit export carries the fact, so the hash chain covers the file's hash.
    events = client.get(f"/api/v1/audit/complaints/{cid}/events", headers=staff["inspektur"])
    [attached] = [e for e in events.json() if e["type"] == "Complaint.EvidenceAttached"]
    assert attached["data"]["sha256"] == evidence["sha256"]
    assert attached["data"]["location_source"] == "exif"


def test_typed_or_browser_coordinates_are_kept_with_their_source(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "assigned")
    answer = attach(
        client,
        cid,
        staff["budi"],
        photo(gps=None, taken=None),
        latitude="-6.97",
        longitude="111.42",
        location_source="browser",
    )
    assert answer.status_code == 201, answer.text
    evidence = answer.json()["evidence"]
    assert (evidence["latitude"], evidence["longitude"]) == (-6.97, 111.42)
    assert evidence["location_source"] == "browser"
    assert evidence["taken_at"] is None


BAD_FILES: list[tuple[str, bytes, str, str, str]] = [
    ("zero bytes", b"", "a.jpg", "image/jpeg", "empty_file"),
    ("a PDF named .jpg", pdf(), "rumah.jpg", "image/jpeg", "file_not_what_it_claims"),
    ("text sent as a photo", b"hello, not a photo", "a.jpg", "image/jpeg", "unsupported_file"),
    ("truncated JPEG", photo()[:3000], "a.jpg", "image/jpeg", "broken_file"),
    ("PDF with JavaScript", pdf(script=True), "a.pdf", "application/pdf", "pdf_has_script"),
    ("encrypted PDF", pdf(encrypted=True), "a.pdf", "application/pdf", "pdf_encrypted"),
    ("a name with a path", photo(), "..\\..\\rumah.jpg", "image/jpeg", "file_name_has_path"),
    ("over the file limit", photo() + b"\0" * 300_000, "a.jpg", "image/jpeg", "file_too_large"),
]


def test_every_bad_file_gets_422_naming_the_file_and_stores_nothing(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "assigned")
    head = core.head()
    for what, data, name, media, rule in BAD_FILES:
        answer = attach(client, cid, staff["budi"], data, name=name, media=media)
        assert answer.status_code == 422, (what, answer.text)
        problem = answer.json()
        assert problem["type"].endswith(rule), (what, problem)
        assert problem["errors"][0]["field"] == "file", what
    huge = attach(client, cid, staff["budi"], b"\xff\xd8\xff" + b"\0" * 700_000)
    assert huge.status_code == 413  # past the file and the form's room: refused unread
    answer = attach(client, cid, staff["budi"], photo(), latitude="north", longitude="1")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "latitude"
    assert core.head() == head
    assert stored_blobs(core) == []


def test_who_may_attach_and_who_may_read(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "assigned")
    assert attach(client, cid, staff["sari"], photo()).status_code == 403  # not assigned
    assert attach(client, cid, staff["rina"], photo()).status_code == 404  # other district
    assert attach(client, cid, staff["kabid"], photo()).status_code == 403
    assert attach(client, cid, staff["admin"], photo()).status_code == 403
    assert attach(client, cid, {}, photo()).status_code == 401
    assert client.get(f"/api/v1/cases/{cid}/evidence", headers=staff["admin"]).status_code == 403
    assert client.get(f"/api/v1/cases/{cid}/evidence", headers=staff["rina"]).status_code == 404
    assert stored_blobs(core) == []


def test_complainants_files_are_for_supervisors_and_the_public_sees_their_number(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    import json

    files = [("files", (f"rumah{n}.jpg", photo(), "image/jpeg")) for n in range(2)]
    filed = client.post(
        "/api/v1/complaints",
        data={"complaint": json.dumps(complaint_body()), "kinds": ["house_front", "vehicle"]},
        files=files,
    )
    assert filed.status_code == 201, filed.text
    code = filed.json()["tracking_code"]
    cid = core.complaint_by_tracking_code(code).id
    client.post(f"/api/v1/cases/{cid}/assignment", headers=staff["kabid"], json={"officer": "budi"})
    officer = client.get(f"/api/v1/cases/{cid}/evidence", headers=staff["budi"]).json()
    assert officer == []
    case = client.get(f"/api/v1/cases/{cid}", headers=staff["budi"]).json()
    assert "evidence_attached" not in [step["step"] for step in case["timeline"]]
    case = client.get(f"/api/v1/cases/{cid}", headers=staff["kabid"]).json()
    assert [step["step"] for step in case["timeline"]].count("evidence_attached") == 2
    supervisor = client.get(f"/api/v1/cases/{cid}/evidence", headers=staff["kabid"]).json()
    assert [(e["stage"], e["kind"]) for e in supervisor] == [
        ("filing", "house_front"),
        ("filing", "vehicle"),
    ]
    hidden = supervisor[0]["links"]["thumb"]
    assert client.get(hidden, headers=staff["budi"]).status_code == 404
    tracked = client.get(f"/api/v1/complaints/track/{code}").json()
    assert tracked["evidence"] == 2
    assert "sha256" not in json.dumps(tracked)
    four = [("files", (f"r{n}.jpg", photo(), "image/jpeg")) for n in range(4)]
    refused = client.post(
        "/api/v1/complaints", data={"complaint": json.dumps(complaint_body())}, files=four
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "files"


def test_a_malformed_form_is_invalid_input_on_the_body_and_stores_nothing(
    client: TestClient, core: Bratasena, staff: dict[str, Headers], clock: Clock
) -> None:
    register(core)
    cid = case_at(core, clock, "assigned")
    head = core.head()
    extra = {f"extra{n}": "x" for n in range(24)}  # more fields than the forms take
    for path, who in ((f"/api/v1/cases/{cid}/evidence", staff["budi"]), ("/api/v1/complaints", {})):
        answer = client.post(
            path, headers=who, files={"file": ("a.jpg", photo(), "image/jpeg")}, data=extra
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "body"
    assert core.head() == head
    assert stored_blobs(core) == []


def test_each_file_of_an_anonymous_filing_counts_against_the_public_rate_limit(
    make_settings: Any, clock: Clock
) -> None:
    import json

    from bratasena.bootstrap import create_app

    settings: Settings = make_settings(public_rate_limit_per_minute=5)
    with TestClient(create_app(settings, clock=clock)) as client:
        register(client.app.state.service.app)  # type: ignore[attr-defined]
        three = [("files", (f"r{n}.jpg", photo(), "image/jpeg")) for n in range(3)]
        body = {"complaint": json.dumps(complaint_body())}
        first = client.post("/api/v1/complaints", data=body, files=three)
        assert first.status_code == 201, first.text  # 1 filing + 3 files: 4 of 5
        second = client.post("/api/v1/complaints", data=body, files=three[:1])
        assert second.status_code == 429
