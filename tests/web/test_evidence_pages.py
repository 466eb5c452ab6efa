"""Evidence on the case page: the field-check form with the camera, the gallery with thumbnails
and coordinates, a refused file shown at its field, originals for supervisors only; and in a
phone's browser, a photo with GPS attached and seen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.builders import Clock, case_at, kk, pdf, photo
from tests.web.conftest import csrf_of, login, shoot
from tests.web.test_browser import PHONE, fits_the_screen, log_in, open_page


def send(client: TestClient, cid: Any, data: bytes, name: str, **form: str) -> Any:
    page = client.get(f"/kasus/{cid}").text
    return client.post(
        f"/kasus/{cid}/evidence",
        data={"csrf_token": csrf_of(page), "version": _version(page), **form},
        files={"file": (name, data, "image/jpeg")},
        follow_redirects=False,
    )


def _version(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found
    return found.group(1)


def test_the_assigned_officer_attaches_a_photo_and_the_gallery_shows_it(
    client: TestClient, core: Bratasena, clock: Clock
) -> None:
    cid = case_at(core, clock, "assigned")
    login(client, "budi")
    page = client.get(f"/kasus/{cid}").text
    assert 'accept="image/*" capture="environment"' in page
    refused = send(client, cid, pdf(), "rumah.jpg", kind="house_front")
    assert refused.status_code == 422
    assert 'id="err-file"' in refused.text
    assert "tidak sesuai dengan nama atau jenisnya" in refused.text
    done = send(client, cid, photo(), "IMG_0001.JPG", kind="vehicle", caption="Mobil di garasi")
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    [evidence_id] = re.findall(r'id="bukti-([0-9a-f-]{36})"', page)
    assert f'src="/kasus/{cid}/bukti/{evidence_id}/thumb"' in page
    assert "-6.970139, 111.416944" in page
    assert 'href="geo:-6.9701389,111.4169444"' in page
    assert "berkas asli" not in page
    # Who attached it is named as everywhere else: full name and role, never the username.
    assert re.search(r"<small>Budi \(Petugas\) · ", page), re.findall(r"<small>[^<]*", page)
    thumb = client.get(f"/kasus/{cid}/bukti/{evidence_id}/thumb")
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert b"TestPhone" not in thumb.content
    assert client.get(f"/kasus/{cid}/bukti/{evidence_id}/original").status_code == 403
    login(client, "kabid")
    page = client.get(f"/kasus/{cid}").text
    assert f'href="/kasus/{cid}/bukti/{evidence_id}/original"' in page
    assert client.get(f"/kasus/{cid}/bukti/{evidence_id}/original").content == photo()


@pytest.mark.browser
def test_on_a_phone_a_photo_with_gps_is_attached_and_its_thumbnail_and_place_shown(
    browser: Any, live: str, core: Bratasena, clock: Clock, tmp_path: Path
) -> None:
    cid = case_at(core, clock, "assigned")
    taken = tmp_path / "IMG_2044.JPG"
    taken.write_bytes(photo(size=(2400, 1800), gps=(-6.9701389, 111.4169444)))
    page = open_page(
        browser,
        PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": -6.9712, "longitude": 111.4188},
        permissions=["geolocation"],
    )
    log_in(page, live, "budi")
    page.goto(f"{live}/kasus/{cid}")
    page.click("summary:has-text('Lampirkan foto verifikasi lapangan')")
    camera = page.locator("#f-evidence-file")
    assert camera.get_attribute("accept") == "image/*"
    assert camera.get_attribute("capture") == "environment"
    # The phone's own location fills the coordinates (the photo's GPS will win on the server).
    page.click("#f-evidence-here")
    page.wait_for_function("document.getElementById('f-evidence-latitude').value !== ''")
    assert page.input_value("#f-evidence-latitude") == "-6.9712000"
    assert page.input_value("#f-evidence-source") == "browser"
    camera.set_input_files(str(taken))
    page.select_option("#f-evidence-kind", "house_front")
    page.fill("#f-evidence-caption", "Rumah tampak depan")
    page.click("button:has-text('Lampirkan')")
    page.wait_for_load_state()
    thumbnail = page.locator("#bukti img")
    thumbnail.wait_for()
    assert page.evaluate("document.querySelector('#bukti img').naturalWidth") == 480
    assert "-6.970139, 111.416944" in page.inner_text("#bukti")
    assert page.get_attribute("#bukti a[href^='geo:']", "href") == "geo:-6.9701389,111.4169444"
    shoot(page, "30-bukti-lapangan-hp")
    assert fits_the_screen(page)
    page.context.close()


def test_a_citizens_photos_reach_only_supervisors_and_tracking_shows_their_number(
    client: TestClient, core: Bratasena
) -> None:
    form = {
        "csrf_token": csrf_of(client.get("/aduan").text),
        "subject.kk_number": kk(2),
        "reasons": "owns_car",
        "description": "Punya mobil baru di garasi rumahnya.",
    }
    four = [("files", (f"r{n}.jpg", photo(), "image/jpeg")) for n in range(4)]
    refused = client.post("/aduan", data=form, files=four, follow_redirects=False)
    assert refused.status_code == 422
    assert 'id="err-files"' in refused.text, re.findall(r"error[^>]*>[^<]*", refused.text)
    two = [("files", (f"r{n}.jpg", photo(), "image/jpeg")) for n in range(2)]
    sent = client.post("/aduan", data=form, files=two, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    code = sent.headers["location"].rsplit("/", 1)[1]
    assert "Bukti terlampir: 2" in client.get(f"/lacak?kode={code}").text
    cid = core.complaint_by_tracking_code(code).id
    login(client, "budi")
    assert 'id="bukti"' not in client.get(f"/kasus/{cid}").text
    login(client, "kabid")
    page = client.get(f"/kasus/{cid}").text
    assert len(re.findall(r'id="bukti-[0-9a-f-]{36}"', page)) == 2
    assert "dari pelapor" in page
