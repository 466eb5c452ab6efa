"""Where reconciliation shows on the pages: the case, the household, the report, the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from bratasena.application import Bratasena
from bratasena.integration.registry_import import import_registry_file
from bratasena.integration.synthetic import write_extract
from tests.builders import Clock, case_at, registry_row
from tests.web.conftest import login, post_form
from tests.web.test_browser_letters import pdf_text


def test_a_removal_reads_not_yet_in_effect_until_an_extract_confirms_it(
    client: TestClient, core: Bratasena, clock: Clock, tmp_path: Path
) -> None:
    case = case_at(core, clock, "upheld")  # upheld in March: in effect from April
    household = core.get_complaint(case).household_id
    login(client, "kabid")
    assert "Belum berlaku (periode April 2026)" in client.get(f"/kasus/{case}").text

    def extract(period: str, programs: list[str]) -> None:
        path = tmp_path / f"dtsen-{period}.csv"
        write_extract([registry_row(1, programs=programs), registry_row(2), registry_row(3)], path)
        import_registry_file(core, path, source="dtsen", period=period, actor="admin")

    extract("2026-05", ["PKH"])  # a month after it took effect, still in PKH

    assert "Belum berlaku (periode Mei 2026)" in client.get(f"/rumah-tangga/{household}").text
    for page in ("/laporan?tahun=2026", "/petugas"):
        stuck = client.get(page).text.split('id="belum-berlaku"')[1]
        assert "DTKS-000001" in stuck.split("</table>")[0], page

    extract("2026-06", [])

    assert "Berlaku di DTSEN sejak Juni 2026" in client.get(f"/kasus/{case}").text
    assert "Berlaku di DTSEN sejak Juni 2026" in client.get(f"/rumah-tangga/{household}").text
    report = client.get("/laporan?tahun=2026").text
    assert 'id="total-berlaku">1 / 1<' in report
    assert "data registri sampai periode Juni 2026" in report
    assert "DTKS-000001" not in report.split('id="belum-berlaku"')[1].split("</table>")[0]
    workbook = client.get("/laporan/2026.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_a_supervisor_gathers_approves_and_prints_the_months_proposal_list_on_its_page(
    client: TestClient, core: Bratasena, clock: Clock, tmp_path: Path
) -> None:
    case_at(core, clock, "upheld")
    clock.now = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    login(client, "kabid")
    page = "/usulan?bulan=2026-03"
    assert "Daftar bulan ini belum disusun." in client.get(page).text

    made = post_form(client, page, "/usulan/2026-03/susun", {})
    assert made.headers["location"] == "/usulan?bulan=2026-03&ok=susun"
    listed = client.get(page).text
    assert "03/USUL-NONAKTIF/2026" in listed
    assert "DTKS-000001" in listed.split('id="daftar-usulan"')[1]
    refused = post_form(client, page, "/usulan/2026-03/pengesahan", {"tanggal": "2026-03-17"})
    assert refused.status_code == 422
    assert 'id="err-sk_number"' in refused.text
    assert 'value="2026-03-17"' in refused.text  # the input is kept
    approved = post_form(
        client, page, "/usulan/2026-03/pengesahan", {"tanggal": "2026-03-17", "nomor": "188.4/21"}
    )
    assert approved.status_code == 303
    assert "Disahkan dengan SK Bupati nomor 188.4/21" in client.get(page).text

    cover = client.get("/usulan/2026-03.pdf")
    assert cover.content.startswith(b"%PDF")
    pdf = tmp_path / "usulan.pdf"
    pdf.write_bytes(cover.content)
    text = " ".join(pdf_text(pdf).split())
    assert "03/USUL-NONAKTIF/2026" in text
    assert "Menyetujui" in text
    assert "BUPATI BLORA" in text
    assert "SK Nomor 188.4/21" in text
    assert client.get("/usulan/2026-03.xlsx").content[:4] == b"PK\x03\x04"
    client.cookies.clear()
    login(client, "budi")
    assert client.get("/usulan/2026-03.pdf").status_code == 403
    assert client.get(page).status_code == 403
