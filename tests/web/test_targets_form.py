"""Supervisors set a year's monthly targets on the report page; nobody else can."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from tests.web.conftest import csrf_of, login, post_form

FORM = 'action="/laporan/2026/target"'


def targets(*monthly: int | str) -> dict[str, str]:
    return {f"target.{m}": str(n) for m, n in enumerate(monthly, start=1)}


def version_on(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def target_column(page: str) -> list[str]:
    table = page.split('id="tabel-bulan"')[1].split("</table>")[0]
    return [cells[5] for cells in re.findall(r"<tr>" + r"<td[^>]*>([^<]*)</td>\s*" * 10, table)]


def test_a_supervisor_sets_the_years_targets_and_the_report_shows_them(
    client: TestClient, core: Bratasena
) -> None:
    login(client, "kabid")
    page = client.get("/laporan?tahun=2026").text
    assert FORM in page
    assert page.count('value="10"') == 12  # prefilled with the office's default
    assert version_on(page) == "0"
    wanted = (8, 8, 8, 10, 10, 10, 12, 12, 12, 10, 10, 10)
    answer = post_form(
        client, "/laporan?tahun=2026", "/laporan/2026/target", {"version": "0", **targets(*wanted)}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/laporan?tahun=2026&ok=target#target"
    after = client.get(answer.headers["location"]).text
    assert "Target bulanan 2026 sudah disimpan." in after
    assert 'id="target-tahunan">120<' in after
    assert target_column(after) == [str(n) for n in wanted]
    assert re.search(r'name="target\.7" [^>]*value="12"', after)  # prefilled with the new ones
    assert version_on(after) == "1"
    assert core.monthly_targets(2026) == list(wanted)
    assert core.monthly_targets(2027) == [10] * 12


def test_only_supervisors_are_offered_and_may_send_the_targets_form(
    client: TestClient, core: Bratasena
) -> None:
    head = core.head()
    login(client, "inspektur")
    assert FORM not in client.get("/laporan?tahun=2026").text  # the auditor reads the report
    for username in ("inspektur", "budi", "pkh", "admin"):
        client.cookies.clear()
        login(client, username)
        token = csrf_of(client.get("/").text)
        answer = client.post(
            "/laporan/2026/target",
            data={"csrf_token": token, "version": "0", **targets(*[50] * 12)},
            follow_redirects=False,
        )
        assert answer.status_code == 403, username
    assert core.head() == head
    assert core.targets_version(2026) == 0


def test_bad_targets_come_back_with_the_input_and_each_error_at_its_month(
    client: TestClient, core: Bratasena
) -> None:
    login(client, "kabid")
    head = core.head()
    sent = targets("abc", "-3", "", "1234567", "7.5", 9, 9, 9, 9, 9, 9, "<b>9</b>")
    answer = post_form(
        client, "/laporan?tahun=2026", "/laporan/2026/target", {"version": "0", **sent}
    )
    assert answer.status_code == 422
    page = answer.text
    assert "Target belum tersimpan" in page
    assert 'id="target" open' in page
    errors = dict(re.findall(r'id="err-target-(\d+)" role="alert">([^<]+)<', page))
    assert set(errors) == {"1", "2", "3", "4", "5", "12"}
    assert errors["3"] == "Isi target bulan ini (0 bila tidak ada)."
    assert errors["4"] == "Angka terlalu besar untuk target sebulan."
    for kept in ('value="abc"', 'value="-3"', 'value="1234567"', 'value="7.5"', 'value="9"'):
        assert kept in page
    assert 'value="&lt;b&gt;9&lt;/b&gt;"' in page
    assert core.head() == head


def test_a_stale_targets_form_is_refused_and_shows_the_targets_as_they_are_now(
    client: TestClient, core: Bratasena
) -> None:
    login(client, "kabid")
    page = client.get("/laporan?tahun=2026").text
    core.set_targets(2026, [11] * 12, actor="kabid2")  # another supervisor, meanwhile
    sent = {"csrf_token": csrf_of(page), "version": version_on(page), **targets(*[15] * 12)}
    answer = client.post("/laporan/2026/target", data=sent, follow_redirects=False)
    assert answer.status_code == 409
    assert "sudah diubah orang lain" in answer.text
    assert answer.text.count('value="15"') == 12  # the input is kept …
    assert target_column(answer.text) == ["11"] * 12  # … beside the targets as they are now
    assert core.monthly_targets(2026) == [11] * 12
    again = client.post(
        "/laporan/2026/target",
        data={**sent, "version": version_on(answer.text)},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert core.monthly_targets(2026) == [15] * 12
