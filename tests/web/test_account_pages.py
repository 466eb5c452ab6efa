"""Staff accounts on the web for administrators, over the same commands as the API and CLI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.web.conftest import PASSWORD, csrf_of, login, post_form

NEW_PASSWORD = "kebun-jati-biru-2026"


def log_in(client: TestClient, username: str, password: str) -> int:
    client.cookies.clear()
    token = csrf_of(client.get("/masuk").text)
    answer = client.post(
        "/masuk",
        data={"csrf_token": token, "username": username, "password": password},
        follow_redirects=False,
    )
    return answer.status_code


def test_an_admin_lands_on_the_accounts_and_filters_them(client: TestClient) -> None:
    token = csrf_of(client.get("/masuk").text)
    answer = client.post(
        "/masuk",
        data={"csrf_token": token, "username": "admin", "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/akun"
    page = client.get("/akun", params={"peran": "officer"}).text
    assert 'href="/akun/budi"' in page
    assert 'href="/akun/rina"' in page
    assert 'href="/akun/kabid"' not in page
    assert "2 akun" in page
    page = client.get("/akun", params={"kecamatan": "331602"}).text
    assert 'href="/akun/rina"' in page
    assert 'href="/akun/budi"' not in page
    client.cookies.clear()
    login(client, "budi")
    assert client.get("/akun").status_code == 403
    assert client.get("/akun/budi").status_code == 403


def test_an_admin_opens_changes_disables_enables_and_resets_an_account(
    client: TestClient, core: Bratasena
) -> None:
    login(client, "admin")
    form = {"username": "Tono", "full_name": "Tono Wibisono", "role": "officer"}
    refused = post_form(client, "/akun/baru", "/akun/baru", {**form, "password": "pendek"})
    assert refused.status_code == 422
    assert 'aria-invalid="true" aria-describedby="err-password"' in refused.text
    assert 'value="Tono Wibisono"' in refused.text  # the input stays
    refused = post_form(client, "/akun/baru", "/akun/baru", {**form, "password": NEW_PASSWORD})
    assert refused.status_code == 422
    assert 'id="err-districts"' in refused.text  # an officer needs a district
    taken = post_form(client, "/akun/baru", "/akun/baru", {
        **form, "username": "budi", "password": NEW_PASSWORD, "districts": "331601",
    })  # fmt: skip
    assert taken.status_code == 409
    assert "Nama pengguna itu sudah dipakai" in taken.text
    opened = post_form(client, "/akun/baru", "/akun/baru", {
        **form, "password": NEW_PASSWORD, "districts": ["331601", "331602"],
    })  # fmt: skip
    assert opened.headers["location"] == "/akun/tono?ok=baru"
    tono = core.get_account("tono")
    assert (tono.role, tono.districts, tono.full_name) == (
        "officer",
        ("331601", "331602"),
        "Tono Wibisono",
    )

    page = "/akun/tono"
    first = post_form(client, page, f"{page}/peran", {"version": "1", "role": "supervisor"})
    assert first.status_code == 303
    stale = post_form(client, page, f"{page}/peran", {"version": "1", "role": "auditor"})
    assert stale.status_code == 409
    assert "Akun ini sudah diubah orang lain" in stale.text
    assert core.get_account("tono").role == "supervisor"
    changed = post_form(client, page, f"{page}/peran", {
        "version": str(core.get_account("tono").version), "role": "facilitator",
        "districts": "331602",
    })  # fmt: skip
    assert changed.status_code == 303, changed.text
    assert core.get_account("tono").role == "facilitator"
    assert core.get_account("tono").districts == ("331602",)

    no_reason = post_form(client, page, f"{page}/nonaktifkan", {"reason": " "})
    assert no_reason.status_code == 422
    assert 'id="err-reason"' in no_reason.text
    assert (
        post_form(client, page, f"{page}/nonaktifkan", {"reason": "Pindah tugas"}).status_code
        == 303
    )
    assert core.get_account("tono").enabled is False
    assert post_form(client, page, f"{page}/aktifkan", {}).status_code == 303
    assert core.get_account("tono").enabled is True
    assert (
        post_form(client, page, f"{page}/sandi", {"password": "tono-tono-tono"}).status_code == 422
    )
    assert (
        post_form(client, page, f"{page}/sandi", {"password": "Mangga-Manis-77"}).status_code == 303
    )
    assert log_in(client, "tono", NEW_PASSWORD) == 401
    assert log_in(client, "tono", "Mangga-Manis-77") == 303
